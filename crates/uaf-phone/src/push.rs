//! Push: the phone's stream of sign-ins (`GET phone/events`, Server-Sent Events) and the long
//! poll of `GET phone/notifications?since=…&wait=…`, with the cursor that resumes either after
//! a reconnection (nothing lost, nothing twice).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use uaf_signin_api::{Notification, Notifications, StreamReady, Withdrawal, event, path};

use crate::http::Http;
use crate::{Phone, PhoneError};

/// The longest line of a stream read (an event's `data` is one line of JSON: a notification
/// with its UAF request is a few KiB).
const MAX_LINE: usize = 256 * 1024;

/// One event of the phone's stream.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushEvent {
    /// A sign-in to show.
    Attempt(Notification),
    /// A sign-in no longer waiting: take its prompt down.
    Withdrawn(Withdrawal),
    /// Every sign-in pending at (re)connection has been sent.
    Ready(StreamReady),
}

/// The phone's open stream ([`Phone::stream`]): read it with [`PushStream::next_event`]; keep
/// [`PushStream::cursor`] to resume after it ends.
pub struct PushStream {
    reader: BufReader<Box<dyn Read + Send>>,
    cursor: Option<String>,
}

impl core::fmt::Debug for PushStream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PushStream")
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

/// One event as read from the wire.
#[derive(Default)]
struct Raw {
    name: String,
    data: String,
    id: Option<String>,
}

impl PushStream {
    /// The cursor of the last event read (its `id`): pass it to [`Phone::stream`] to resume.
    #[must_use]
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    /// The next event; `Ok(None)` when the server ended the stream (reconnect with the
    /// cursor). Heartbeats and unknown events are skipped.
    ///
    /// # Errors
    /// [`PhoneError::Unreachable`] when the connection fails or stays silent too long
    /// (reconnect with the cursor), [`PhoneError::BadAnswer`] for an event that does not read.
    pub fn next_event(&mut self) -> Result<Option<PushEvent>, PhoneError> {
        loop {
            let Some(raw) = self.next_raw()? else {
                return Ok(None);
            };
            if let Some(id) = raw.id {
                self.cursor = Some(id);
            }
            let bad = |e: serde_json::Error| {
                PhoneError::BadAnswer(format!("push event {:?}: {e}", raw.name))
            };
            return Ok(Some(match raw.name.as_str() {
                event::ATTEMPT => PushEvent::Attempt(serde_json::from_str(&raw.data).map_err(bad)?),
                event::WITHDRAWN => {
                    PushEvent::Withdrawn(serde_json::from_str(&raw.data).map_err(bad)?)
                }
                event::READY => PushEvent::Ready(serde_json::from_str(&raw.data).map_err(bad)?),
                _ => continue,
            }));
        }
    }

    /// The next dispatched event (text/event-stream: `field: value` lines, a blank line ends
    /// an event, `:` lines are comments).
    fn next_raw(&mut self) -> Result<Option<Raw>, PhoneError> {
        let mut raw = Raw::default();
        let mut any = false;
        let mut line = String::new();
        loop {
            line.clear();
            let n = (&mut self.reader)
                .take(u64::try_from(MAX_LINE).unwrap_or(u64::MAX))
                .read_line(&mut line)
                .map_err(|e| PhoneError::Unreachable(format!("push stream: {e}")))?;
            if n == 0 {
                return Ok(None);
            }
            if !line.ends_with('\n') {
                return Err(PhoneError::BadAnswer(String::from(
                    "push stream: a line too long or cut short",
                )));
            }
            let text = line.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                if any {
                    return Ok(Some(raw));
                }
                continue;
            }
            if text.starts_with(':') {
                continue;
            }
            let (field, value) = text.split_once(':').unwrap_or((text, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => raw.name = String::from(value),
                "data" => {
                    if !raw.data.is_empty() {
                        raw.data.push('\n');
                    }
                    raw.data.push_str(value);
                }
                "id" => raw.id = Some(String::from(value)),
                _ => continue,
            }
            any = true;
        }
    }
}

/// The transport a [`Watcher`] is using.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// The push stream (`GET phone/events`).
    Stream,
    /// The long poll (`GET phone/notifications?since=…&wait=…`).
    LongPoll,
    /// Plain polling (`GET phone/notifications?since=…`, at an interval).
    Poll,
}

/// What a [`Watcher`] hands over: an event, or that it changed transport.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Watched {
    /// A sign-in to show, or a prompt to take down (never [`PushEvent::Ready`]).
    Event(PushEvent),
    /// The watcher now uses this transport (the stream failed, or came back).
    Transport(Transport),
}

/// How long the long poll asks to wait (the server bounds it, 25 s by default).
const LONG_POLL_SECS: u64 = 25;
/// How long the watcher keeps to a fallback before trying the stream again.
const RETRY_STREAM_AFTER: Duration = Duration::from_secs(60);

/// The phone's sign-ins as they happen, whatever the server and the network allow
/// ([`Phone::watch`]): the push stream, resumed by its cursor after every reconnection; when
/// the stream cannot be opened (a server without it, a proxy that cuts it, too many open) the
/// long poll from the same cursor; when that fails too, polling with the cursor at an
/// interval — trying the stream again every minute. A background thread does the network
/// work; dropping the watcher stops it (at its next read).
pub struct Watcher {
    events: mpsc::Receiver<Result<Watched, PhoneError>>,
}

impl core::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Watcher").finish_non_exhaustive()
    }
}

impl Watcher {
    /// The next event, waiting at most until `deadline` (`Ok(None)` then).
    ///
    /// # Errors
    /// [`PhoneError::Refused`] with 401 (the device token is not known any more: the watcher
    /// stops), or the watcher's thread is gone.
    pub fn next_before(&self, deadline: Option<Instant>) -> Result<Option<Watched>, PhoneError> {
        let r = match deadline {
            Some(d) => match self
                .events
                .recv_timeout(d.saturating_duration_since(Instant::now()))
            {
                Ok(r) => r,
                Err(mpsc::RecvTimeoutError::Timeout) => return Ok(None),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err(gone()),
            },
            None => self.events.recv().map_err(|_| gone())?,
        };
        r.map(Some)
    }
}

fn gone() -> PhoneError {
    PhoneError::Unreachable(String::from("the watcher stopped"))
}

/// The watcher's thread: its transport, its cursor and what it showed.
struct Watch {
    http: Http,
    token: String,
    interval: Duration,
    cursor: Option<String>,
    transport: Transport,
    fell_back_at: Instant,
    shown: BTreeSet<String>,
    out: mpsc::Sender<Result<Watched, PhoneError>>,
}

/// What to do after a transport's round.
enum Next {
    /// Go on (with the same or another transport).
    Again,
    /// The watcher is dropped, or the token refused: stop.
    Stop,
}

impl Watch {
    fn send(&self, w: Watched) -> bool {
        self.out.send(Ok(w)).is_ok()
    }

    /// Hands `e` over (recording what is shown): `false` when the watcher is gone.
    fn event(&mut self, e: PushEvent) -> bool {
        match &e {
            PushEvent::Attempt(n) => {
                if !self.shown.insert(n.attempt.clone()) {
                    return true;
                }
            }
            PushEvent::Withdrawn(w) => {
                if !self.shown.remove(&w.attempt) {
                    return true;
                }
            }
            PushEvent::Ready(_) => return true,
        }
        self.send(Watched::Event(e))
    }

    fn switch(&mut self, to: Transport) -> bool {
        if self.transport == to {
            return true;
        }
        if to != Transport::Stream {
            self.fell_back_at = Instant::now();
        }
        self.transport = to;
        self.send(Watched::Transport(to))
    }

    /// A refusal that ends the watcher (the token is not known any more).
    fn fatal(&self, e: &PhoneError) -> bool {
        matches!(e, PhoneError::Refused { status: 401, .. })
    }

    fn run(mut self) {
        loop {
            let next = match self.transport {
                Transport::Stream => self.stream(),
                Transport::LongPoll | Transport::Poll => self.poll(),
            };
            if let Next::Stop = next {
                return;
            }
        }
    }

    fn stream(&mut self) -> Next {
        let mut headers = vec![("Accept", "text/event-stream")];
        let cursor = self.cursor.clone();
        if let Some(c) = cursor.as_deref() {
            headers.push(("Last-Event-ID", c));
        }
        let r = match self
            .http
            .get_long(path::PHONE_EVENTS, &self.token, &headers)
        {
            Ok(r) => r,
            Err(e) if self.fatal(&e) => {
                let _ = self.out.send(Err(e));
                return Next::Stop;
            }
            Err(_) => {
                return if self.switch(Transport::LongPoll) {
                    Next::Again
                } else {
                    Next::Stop
                };
            }
        };
        let body: Box<dyn Read + Send> = Box::new(r.into_body().into_reader());
        let mut s = PushStream {
            reader: BufReader::new(body),
            cursor,
        };
        loop {
            match s.next_event() {
                Ok(Some(e)) => {
                    self.cursor = s.cursor.clone();
                    if !self.event(e) {
                        return Next::Stop;
                    }
                }
                // Ended by the server (its lifetime) or broken: reconnect with the cursor
                // (after a breath, so that a server that ends streams at once is not hammered).
                Ok(None) | Err(_) => {
                    std::thread::sleep(Duration::from_millis(200));
                    return Next::Again;
                }
            }
        }
    }

    fn poll(&mut self) -> Next {
        if self.fell_back_at.elapsed() >= RETRY_STREAM_AFTER && !self.switch(Transport::Stream) {
            return Next::Stop;
        }
        if self.transport == Transport::Stream {
            return Next::Again;
        }
        let wait = if self.transport == Transport::LongPoll {
            LONG_POLL_SECS
        } else {
            0
        };
        let since = self.cursor.clone().unwrap_or_else(|| String::from("-"));
        let q = format!("{}?since={since}&wait={wait}", path::NOTIFICATIONS);
        let answer: Result<Notifications, PhoneError> = if wait > 0 {
            self.http.get_waiting(&q, &self.token)
        } else {
            self.http.get(&q, Some(&self.token))
        };
        match answer {
            Ok(n) => {
                if !n.cursor.is_empty() {
                    self.cursor = Some(n.cursor);
                }
                for w in n.withdrawn {
                    if !self.event(PushEvent::Withdrawn(w)) {
                        return Next::Stop;
                    }
                }
                for a in n.notifications {
                    if !self.event(PushEvent::Attempt(a)) {
                        return Next::Stop;
                    }
                }
            }
            Err(e) if self.fatal(&e) => {
                let _ = self.out.send(Err(e));
                return Next::Stop;
            }
            Err(_) if self.transport == Transport::LongPoll => {
                // A long request cut by something between: poll instead.
                return if self.switch(Transport::Poll) {
                    Next::Again
                } else {
                    Next::Stop
                };
            }
            Err(_) => {}
        }
        if self.transport == Transport::Poll {
            std::thread::sleep(self.interval);
        }
        Next::Again
    }
}

impl Phone {
    /// Watches this phone's sign-ins in the background ([`Watcher`]): the push stream first,
    /// the long poll and polling every `poll_interval` as fallbacks.
    #[must_use]
    pub fn watch(&self, poll_interval: Duration) -> Watcher {
        let (out, events) = mpsc::channel();
        let watch = Watch {
            http: self.http.clone(),
            token: self.state.device_token.clone(),
            interval: poll_interval.max(Duration::from_millis(100)),
            cursor: None,
            transport: Transport::Stream,
            fell_back_at: Instant::now(),
            shown: BTreeSet::new(),
            out,
        };
        std::thread::spawn(move || watch.run());
        Watcher { events }
    }

    /// Opens the push stream (`GET phone/events`), resuming after `cursor` (the
    /// [`PushStream::cursor`] of the previous stream, or a long poll's
    /// [`Notifications::cursor`]): the stream then sends only what changed since.
    ///
    /// # Errors
    /// [`PhoneError::Refused`] (401: the device token is not known any more; 429: too many
    /// streams; 404: a server without push, use [`Phone::wait_notifications`] or
    /// [`Phone::pending`]), [`PhoneError::Unreachable`].
    pub fn stream(&self, cursor: Option<&str>) -> Result<PushStream, PhoneError> {
        let mut headers = vec![("Accept", "text/event-stream")];
        if let Some(c) = cursor {
            headers.push(("Last-Event-ID", c));
        }
        let r = self
            .http
            .get_long(path::PHONE_EVENTS, &self.state.device_token, &headers)?;
        let body: Box<dyn Read + Send> = Box::new(r.into_body().into_reader());
        Ok(PushStream {
            reader: BufReader::new(body),
            cursor: cursor.map(String::from),
        })
    }

    /// The long poll (`GET phone/notifications?since=CURSOR&wait=SECS`): the pending
    /// sign-ins as soon as they differ from `since`'s (with the ones withdrawn since), or
    /// after at most `wait_secs` (bounded by the server) as they are.
    ///
    /// # Errors
    /// [`PhoneError`] (HTTP 401: the device token is not known any more).
    pub fn wait_notifications(
        &self,
        since: Option<&str>,
        wait_secs: u64,
    ) -> Result<Notifications, PhoneError> {
        let since = since.unwrap_or("-");
        let q = format!("{}?since={since}&wait={wait_secs}", path::NOTIFICATIONS);
        self.http.get_waiting(&q, &self.state.device_token)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn stream(text: &str) -> PushStream {
        let body: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(text.as_bytes().to_vec()));
        PushStream {
            reader: BufReader::new(body),
            cursor: None,
        }
    }

    #[test]
    fn events_are_read_and_heartbeats_skipped() {
        let mut s = stream(
            ":heartbeat\n\nretry: 1000\nevent: withdrawn\nid: -\ndata: {\"attempt\":\"a\",\"state\":\"declined\"}\n\n\
             event: other\ndata: {}\n\nevent: ready\nid: b.c\ndata: {\"pending\":2}\n\n",
        );
        assert_eq!(
            s.next_event().unwrap(),
            Some(PushEvent::Withdrawn(Withdrawal {
                attempt: "a".into(),
                state: uaf_signin_api::SignInState::Declined
            }))
        );
        assert_eq!(s.cursor(), Some("-"));
        assert_eq!(
            s.next_event().unwrap(),
            Some(PushEvent::Ready(StreamReady { pending: 2 }))
        );
        assert_eq!(s.cursor(), Some("b.c"));
        assert_eq!(s.next_event().unwrap(), None);
    }

    #[test]
    fn bad_events_are_refused() {
        let mut s = stream("event: attempt\ndata: {}\n\n");
        assert!(matches!(s.next_event(), Err(PhoneError::BadAnswer(_))));
        let mut cut = stream("event: ready\ndata: {\"pend");
        assert!(matches!(cut.next_event(), Err(PhoneError::BadAnswer(_))));
    }
}
