//! Push: the phone's stream of sign-ins (`GET phone/events`, Server-Sent Events) and the long
//! poll of `GET phone/notifications?since=…&wait=…`, with the cursor that resumes either after
//! a reconnection (nothing lost, nothing twice).

use core::time::Duration;
use std::io::{BufRead, BufReader, Read};

use uaf_signin_api::{Notification, Notifications, StreamReady, Withdrawal, event, path};

use crate::PhoneError;
use crate::wait::{Channel, Outbox, WaitOptions};

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

/// The phone's open stream ([`Channel::stream`]): read it with [`PushStream::next_event`]; keep
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
    /// The cursor of the last event read (its `id`): pass it to [`Channel::stream`] to resume.
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

impl Channel {
    /// Opens this account's push stream (`GET phone/events`), resuming after `cursor` (the
    /// [`PushStream::cursor`] of the previous stream, or a long poll's
    /// [`Notifications::cursor`]): the stream then sends only what changed since.
    ///
    /// # Errors
    /// [`PhoneError::Refused`] (401: the device token is not known any more; 429: too many
    /// streams; 404: a server without push), [`PhoneError::Unreachable`].
    pub fn stream(&self, cursor: Option<&str>) -> Result<PushStream, PhoneError> {
        let mut headers = vec![("Accept", "text/event-stream")];
        if let Some(c) = cursor {
            headers.push(("Last-Event-ID", c));
        }
        let r = self
            .http
            .get_long(path::PHONE_EVENTS, self.token.as_str(), &headers)?;
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
        self.http.get_waiting(&q, self.token.as_str())
    }
}

/// How long the long poll asks to wait (the server bounds it, 25 s by default).
const LONG_POLL_SECS: u64 = 25;

/// The push transport ([`crate::Transport`]) of one account: the push stream, resumed by its
/// cursor after every reconnection (the server then sends only what changed), delivering the
/// account's whole pending list at each change (with the sign-ins withdrawn); when the stream
/// cannot be opened (a server without it, too many open, a proxy that refuses it), one long
/// poll from the same cursor, then the stream again; when the long poll is refused for too
/// many open (429), a plain read and [`WaitOptions::interval`]; a server that knows neither (an
/// answer without a cursor) is polled every [`WaitOptions::interval`]. Failures wait
/// [`crate::Backoff`].
pub fn push(channel: Channel, options: &WaitOptions, outbox: Outbox) {
    let mut cursor: Option<String> = None;
    let mut pending: Vec<Notification> = Vec::new();
    let mut failures: u32 = 0;
    loop {
        if let Ok(mut s) = channel.stream(cursor.as_deref()) {
            failures = 0;
            let mut ready = false;
            let mut withdrawn = Vec::new();
            // Until the server ends the stream (its lifetime) or it breaks: then reconnect
            // with the cursor.
            while let Ok(Some(e)) = s.next_event() {
                cursor = s.cursor().map(String::from);
                match e {
                    PushEvent::Attempt(n) => {
                        pending.retain(|p| p.attempt != n.attempt);
                        pending.insert(0, n);
                    }
                    PushEvent::Withdrawn(w) => {
                        pending.retain(|p| p.attempt != w.attempt);
                        withdrawn.push(w);
                    }
                    PushEvent::Ready(_) => ready = true,
                }
                // The list is whole once the (re)connection's changes are in.
                if ready {
                    let n = Notifications {
                        notifications: pending.clone(),
                        withdrawn: core::mem::take(&mut withdrawn),
                        cursor: cursor.clone().unwrap_or_default(),
                        deregistrations: Vec::new(),
                    };
                    if !outbox.deliver(Ok(n)) {
                        return;
                    }
                }
            }
            if !outbox.sleep(Duration::from_millis(200)) {
                return;
            }
            continue;
        }
        // No stream: one long poll from the cursor (a removed phone's queued deregistrations
        // come this way too).
        let mut r = channel.wait_notifications(cursor.as_deref(), LONG_POLL_SECS);
        let mut polled = false;
        if matches!(r, Err(PhoneError::Refused { status: 429, .. })) {
            // Too many streams and long polls open for this phone: a plain read (not
            // counted), then the interval.
            r = channel.wait_notifications(cursor.as_deref(), 0);
            polled = true;
        }
        let wait = match &r {
            Ok(n) if n.cursor.is_empty() => options.interval,
            Ok(n) => {
                cursor = Some(n.cursor.clone());
                pending.clone_from(&n.notifications);
                failures = 0;
                if polled {
                    options.interval
                } else {
                    Duration::ZERO
                }
            }
            Err(_) => {
                failures = failures.saturating_add(1);
                options.backoff.delay(failures, crate::wait::jitter())
            }
        };
        if !outbox.deliver(r) || !outbox.sleep(wait) {
            return;
        }
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
