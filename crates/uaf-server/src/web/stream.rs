//! Push to the phone and to the page (see `crate::push` for the hub that wakes them):
//!
//! | endpoint | who | what |
//! |---|---|---|
//! | `GET {prefix}phone/events` | device token | Server-Sent Events: `attempt` (a sign-in to show), `withdrawn` (a prompt to take down), `ready` (the pending sign-ins of the (re)connection are sent); every event's `id` is the stream's cursor |
//! | `GET {prefix}phone/notifications?since=CURSOR&wait=SECS` | device token | the long poll: the pending list as soon as it differs from `CURSOR`'s, or after at most `SECS` (≤ [`crate::Limits::long_poll_max_secs`]) |
//! | `GET {prefix}api/signin/{id}/events` | browser secret cookie | Server-Sent Events: `state` at connection and at each change; ends after the first state that is not `pending` |
//!
//! **The cursor** names what the phone was shown: the ids of the pending sign-ins sent and
//! not withdrawn, joined by `.` (`-` for none); at most [`crate::Limits::pending_per_user`]
//! of them. It is the `id` of every event (so `Last-Event-ID` after a reconnection) and the
//! `cursor` of the long poll's answer (so its next `since`). On a (re)connection the server
//! reads the pending list (the snapshot) and sends only the difference with the cursor:
//! `withdrawn` for each sign-in of the cursor no longer pending (with the state it went to;
//! an id that is not of this account's reads as `expired`, like an unknown one), then
//! `attempt` for each pending one not in it. So nothing is lost across a reconnection (the
//! snapshot is the store's) and nothing is shown twice (the cursor is what was shown). The
//! cursor holds nothing secret to the phone: the attempt ids it was sent.
//!
//! **Bounds** ([`crate::Limits`]): streams and long polls open at once per device, account
//! and client address (page streams: per attempt and address), 429 with `Retry-After`
//! beyond; a stream ends after `stream_max_secs` (the client reconnects), sends a heartbeat
//! comment after `stream_heartbeat_secs` without an event, and re-reads the store every
//! `stream_recheck_secs` even when nothing woke it. The accept loop keeps a streaming
//! response's connection open while the stream lives (no idle timeout), and closes it once
//! the stream outlives its bound ([`crate::net::Streaming`]). Shutdown ends every stream.

use core::convert::Infallible;
use core::time::Duration;
use std::collections::HashSet;
use std::time::Instant;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio::sync::mpsc;
use uaf_signin_api::{Notification, SignInState, SignInStatus, StreamReady, Withdrawal, event};

use super::flow::SIGNIN_COOKIE;
use super::{WebState, authorization, cookie_value};
use crate::limits::{Peer, StreamPermit};
use crate::net::Streaming;
use crate::push::{Subscription, Wake};
use crate::reply::Reply;
use crate::store::{AttemptRow, DeviceRow, StoreError};

/// What the browser is told to wait before reconnecting a stream that ended.
const RETRY: Duration = Duration::from_millis(1000);
/// How long a stream's connection may outlive the stream's own end (its last writes).
const STREAM_GRACE: Duration = Duration::from_secs(60);
/// Events queued for a slow client before the stream waits for it.
const QUEUE: usize = 16;

// ---------------------------------------------------------------------------------------------
// The cursor
// ---------------------------------------------------------------------------------------------

/// The text of the set of attempt ids `shown` (see the module docs).
fn cursor_text(shown: &[String]) -> String {
    if shown.is_empty() {
        String::from("-")
    } else {
        shown.join(".")
    }
}

/// The ids of a cursor: at most `most`, each token-shaped; anything else is an empty cursor
/// (the phone then gets the whole pending list).
fn parse_cursor(text: Option<&str>, most: usize) -> Vec<String> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty() && *t != "-") else {
        return Vec::new();
    };
    let ids: Vec<String> = text.split('.').map(String::from).collect();
    if ids.len() > most || !ids.iter().all(|id| super::secret::is_token(id)) {
        return Vec::new();
    }
    let mut seen = HashSet::new();
    ids.into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// What changed for a phone
// ---------------------------------------------------------------------------------------------

/// The pending list now, and what changed against a cursor.
pub(crate) struct Snapshot {
    /// The pending sign-ins, newest first.
    pub(crate) pending: Vec<Notification>,
    /// The cursor's sign-ins that are no longer pending, with their state.
    pub(crate) withdrawn: Vec<Withdrawal>,
    /// The earliest expiry (unix seconds) of the pending ones.
    next_expiry: Option<u64>,
}

impl Snapshot {
    /// The cursor of the pending list.
    pub(crate) fn cursor(&self) -> String {
        cursor_text(&self.ids())
    }

    fn ids(&self) -> Vec<String> {
        self.pending.iter().map(|n| n.attempt.clone()).collect()
    }

    /// Whether the list differs from the cursor `shown`.
    fn differs_from(&self, shown: &[String]) -> bool {
        let now: HashSet<&str> = self.pending.iter().map(|n| n.attempt.as_str()).collect();
        let before: HashSet<&str> = shown.iter().map(String::as_str).collect();
        now != before
    }
}

impl super::Flow {
    /// The phone's pending list now and the withdrawals against `shown` (blocking).
    pub(crate) fn snapshot(
        &self,
        device: &DeviceRow,
        shown: &[String],
    ) -> Result<Snapshot, StoreError> {
        let pending = self.pending_notifications(&device.username)?;
        let next_expiry = pending.iter().map(|n| n.expires_at).min();
        let mut withdrawn = Vec::new();
        for id in shown {
            if pending.iter().any(|n| &n.attempt == id) {
                continue;
            }
            // Another account's attempt reads as an unknown one: expired.
            let state = self
                .store
                .attempt(id)?
                .filter(|a| a.username == device.username)
                .map_or(SignInState::Expired, |a| self.visible_state(&a));
            withdrawn.push(Withdrawal {
                attempt: id.clone(),
                state: if state == SignInState::Pending {
                    // Pending but no longer listed: beyond the cap of the list.
                    SignInState::Failed
                } else {
                    state
                },
            });
        }
        Ok(Snapshot {
            pending,
            withdrawn,
            next_expiry,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Shared plumbing
// ---------------------------------------------------------------------------------------------

/// Runs `f` on the blocking pool.
async fn off<T: Send + 'static>(
    s: &WebState,
    f: impl FnOnce(&super::Flow) -> Result<T, Reply> + Send + 'static,
) -> Result<T, Reply> {
    let s = WebState::clone(s);
    match tokio::task::spawn_blocking(move || f(&s)).await {
        Ok(r) => r,
        Err(e) => Err(Reply::internal("request task failed", &e)),
    }
}

/// The instant of unix second `at` by the flow's clock (the first instant it is past).
fn instant_of(now_unix: u64, at: u64) -> Instant {
    let secs = at.saturating_sub(now_unix);
    // The flow's clock counts whole seconds: a second past `at` it has surely moved on.
    Instant::now() + Duration::from_secs(secs) + Duration::from_millis(50)
}

/// What ended a wait.
enum Waited {
    /// A change, a timer, or a re-check: read again.
    Again,
    /// The stream must end (shutdown, its lifetime, the client gone).
    End,
}

/// Waits for a change of the account, `until` (a timer), or the end of the stream.
async fn wait(
    sub: &mut Subscription,
    until: Instant,
    end: Instant,
    tx: Option<&mpsc::Sender<Result<Event, Infallible>>>,
) -> Waited {
    let closed = async {
        match tx {
            Some(tx) => tx.closed().await,
            None => core::future::pending().await,
        }
    };
    tokio::select! {
        w = sub.changed() => match w {
            Wake::Changed => Waited::Again,
            Wake::Closing => Waited::End,
        },
        () = tokio::time::sleep_until(until.min(end).into()) => {
            if Instant::now() >= end { Waited::End } else { Waited::Again }
        }
        () = closed => Waited::End,
    }
}

/// An event named `name` with the JSON `data` and the id `id`.
fn json_event<T: Serialize>(name: &str, data: &T, id: Option<&str>) -> Option<Event> {
    match Event::default().event(name).json_data(data) {
        Ok(e) => Some(match id {
            Some(id) => e.id(id),
            None => e,
        }),
        Err(e) => {
            tracing::error!(error = %e, "stream event serialisation");
            None
        }
    }
}

/// The response of a stream fed by `rx`: heartbeats, and the bound the accept loop holds it to.
fn sse(s: &WebState, rx: mpsc::Receiver<Result<Event, Infallible>>) -> Response {
    let limits = s.limits.config();
    let mut rx = rx;
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let heartbeat = Duration::from_secs(limits.stream_heartbeat_secs.max(1));
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(heartbeat).text("heartbeat"))
        .into_response();
    let bound = Duration::from_secs(limits.stream_max_secs.max(1)) + STREAM_GRACE;
    response.extensions_mut().insert(Streaming(bound));
    response.headers_mut().insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    response
}

/// `e` with the `retry` field if it is still to be sent.
fn with_retry(e: Option<Event>, retry: &mut Option<Duration>) -> Option<Event> {
    match (e, retry.take()) {
        (Some(e), Some(r)) => Some(e.retry(r)),
        (e, r) => {
            if e.is_none() {
                *retry = r;
            }
            e
        }
    }
}

/// Sends `e` unless the client is gone or too slow past `end`; `false`: end the stream.
async fn send(
    tx: &mpsc::Sender<Result<Event, Infallible>>,
    e: Option<Event>,
    end: Instant,
) -> bool {
    let Some(e) = e else { return true };
    matches!(
        tokio::time::timeout_at(end.into(), tx.send(Ok(e))).await,
        Ok(Ok(()))
    )
}

// ---------------------------------------------------------------------------------------------
// The phone: `GET phone/events` and the long poll
// ---------------------------------------------------------------------------------------------

/// 503 once the server shuts down: no new stream or long poll.
fn closing(s: &WebState) -> Result<(), Reply> {
    if s.push.is_closing() {
        return Err(Reply::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
        ));
    }
    Ok(())
}

/// The phone of the request's device token (401 otherwise) and its stream slots (429).
async fn phone_of(
    s: &WebState,
    peer: Peer,
    headers: &HeaderMap,
) -> Result<(DeviceRow, StreamPermit), Reply> {
    closing(s)?;
    let auth = authorization(headers);
    let device = off(s, move |f| f.device(auth.as_deref())).await?;
    let client = s.limits.client(peer, headers);
    let permit = s
        .limits
        .phone_stream(client, &device.username, &device.key_id)
        .map_err(Reply::too_many)?;
    Ok((device, permit))
}

/// How many sign-ins a phone is shown at most.
fn most(s: &WebState) -> usize {
    usize::try_from(s.limits.config().pending_per_user.max(1)).unwrap_or(1)
}

/// `GET phone/events`: the phone's stream (see the module docs).
pub(super) async fn phone_events(
    State(s): State<WebState>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    let (device, permit) = match phone_of(&s, peer, &headers).await {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let shown = parse_cursor(last.as_deref(), most(&s));
    // Subscribed before the first read: no change between the two is missed.
    let sub = s.push.subscribe(&device.username);
    let (tx, rx) = mpsc::channel(QUEUE);
    let auth = authorization(&headers);
    tokio::spawn(phone_stream(
        WebState::clone(&s),
        auth,
        device,
        shown,
        sub,
        permit,
        tx,
    ));
    sse(&s, rx)
}

async fn phone_stream(
    s: WebState,
    auth: Option<String>,
    device: DeviceRow,
    mut shown: Vec<String>,
    mut sub: Subscription,
    permit: StreamPermit,
    tx: mpsc::Sender<Result<Event, Infallible>>,
) {
    let limits = s.limits.config().clone();
    let end = Instant::now() + Duration::from_secs(limits.stream_max_secs.max(1));
    let recheck = Duration::from_secs(limits.stream_recheck_secs.max(1));
    let device = std::sync::Arc::new(device);
    let auth = std::sync::Arc::new(auth);
    // The first event carries `retry`; `ready` follows the first snapshot.
    let mut retry = Some(RETRY);
    let mut first = true;
    loop {
        let (d, seen) = (std::sync::Arc::clone(&device), shown.clone());
        let a = std::sync::Arc::clone(&auth);
        let read = off(&s, move |f| {
            // The token is checked at every read: a phone removed meanwhile loses its stream.
            f.device(a.as_deref())?;
            let now = f.app.now();
            f.snapshot(&d, &seen)
                .map(|snap| (snap, now))
                .map_err(|e| Reply::internal("attempt lookup", &e))
        })
        .await;
        let Ok((snap, now)) = read else {
            // A database failure ends the stream: the phone reconnects (and resumes).
            break;
        };
        for w in &snap.withdrawn {
            shown.retain(|id| *id != w.attempt);
            let e = json_event(event::WITHDRAWN, w, Some(&cursor_text(&shown)));
            if !send(&tx, with_retry(e, &mut retry), end).await {
                return drop(permit);
            }
        }
        for n in &snap.pending {
            if shown.contains(&n.attempt) {
                continue;
            }
            shown.push(n.attempt.clone());
            let e = json_event(event::ATTEMPT, n, Some(&cursor_text(&shown)));
            if !send(&tx, with_retry(e, &mut retry), end).await {
                return drop(permit);
            }
        }
        // The cursor now is the pending list (in its order).
        shown = snap.ids();
        if first {
            let ready = StreamReady {
                pending: shown.len(),
            };
            let e = json_event(event::READY, &ready, Some(&cursor_text(&shown)));
            if !send(&tx, with_retry(e, &mut retry), end).await {
                return drop(permit);
            }
            first = false;
        }
        let mut until = Instant::now() + recheck;
        if let Some(at) = snap.next_expiry {
            until = until.min(instant_of(now, at));
        }
        if let Waited::End = wait(&mut sub, until, end, Some(&tx)).await {
            break;
        }
    }
    drop(permit);
}

/// The query of the long poll: `since` (a cursor) and `wait` (seconds).
#[derive(Debug, Default, PartialEq, Eq)]
struct PollQuery {
    since: Option<String>,
    wait: u64,
}

fn poll_query(query: Option<&str>) -> Result<PollQuery, Reply> {
    let bad = || {
        Reply::error(
            StatusCode::BAD_REQUEST,
            "the query is since=CURSOR and wait=SECONDS",
        )
    };
    let mut q = PollQuery::default();
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("since", v)) if q.since.is_none() => q.since = Some(String::from(v)),
            Some(("wait", v)) => q.wait = v.parse().map_err(|_| bad())?,
            _ => return Err(bad()),
        }
    }
    Ok(q)
}

/// `GET phone/notifications[?since=CURSOR&wait=SECS]`: the pending list now; with `wait`, as
/// soon as it differs from `since` (or after at most `wait` seconds, bounded).
pub(super) async fn notifications(
    State(s): State<WebState>,
    peer: Peer,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Reply {
    let q = match poll_query(query.as_deref()) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let shown = parse_cursor(q.since.as_deref(), most(&s));
    let auth = authorization(&headers);
    if q.wait == 0 {
        return off(&s, move |f| {
            // A removed phone's token gets its queued deregistrations (once), then 401.
            let Ok(device) = f.device(auth.as_deref()) else {
                return Ok(f.notifications_for(auth.as_deref()));
            };
            let snap = f
                .snapshot(&device, &shown)
                .map_err(|e| Reply::internal("attempt lookup", &e))?;
            Ok(f.notifications_answer(&device, snap))
        })
        .await
        .unwrap_or_else(|r| r);
    }
    let (device, permit) = match phone_of(&s, peer, &headers).await {
        Ok(p) => p,
        Err(r) if r.status() == StatusCode::UNAUTHORIZED => {
            // A removed phone's token gets its queued deregistrations (once), then 401.
            return off(&s, move |f| Ok(f.notifications_for(auth.as_deref())))
                .await
                .unwrap_or_else(|r| r);
        }
        Err(r) => return r,
    };
    let limits = s.limits.config();
    let secs = q.wait.min(limits.long_poll_max_secs.max(1));
    let end = Instant::now() + Duration::from_secs(secs);
    let recheck = Duration::from_secs(limits.stream_recheck_secs.max(1));
    let mut sub = s.push.subscribe(&device.username);
    let device = std::sync::Arc::new(device);
    let auth = std::sync::Arc::new(auth);
    let answer = loop {
        let (d, seen) = (std::sync::Arc::clone(&device), shown.clone());
        let a = std::sync::Arc::clone(&auth);
        let read = off(&s, move |f| {
            // Removed meanwhile: its deregistrations (once), or 401.
            if f.device(a.as_deref()).is_err() {
                return Err(f.notifications_for(a.as_deref()));
            }
            let now = f.app.now();
            f.snapshot(&d, &seen)
                .map(|snap| (snap, now))
                .map_err(|e| Reply::internal("attempt lookup", &e))
        })
        .await;
        let (snap, now) = match read {
            Ok(r) => r,
            Err(r) => break Err(r),
        };
        if snap.differs_from(&shown) || Instant::now() >= end || sub.closing() {
            break Ok(snap);
        }
        let mut until = Instant::now() + recheck;
        if let Some(at) = snap.next_expiry {
            until = until.min(instant_of(now, at));
        }
        if let Waited::End = wait(&mut sub, until, end, None).await {
            // The deadline (or shutdown): answer with the list as it is now.
            continue;
        }
    };
    drop(permit);
    match answer {
        Ok(snap) => {
            let d = std::sync::Arc::clone(&device);
            off(&s, move |f| Ok(f.notifications_answer(&d, snap)))
                .await
                .unwrap_or_else(|r| r)
        }
        Err(r) => r,
    }
}

// ---------------------------------------------------------------------------------------------
// The page: `GET api/signin/{id}/events`
// ---------------------------------------------------------------------------------------------

/// `GET api/signin/{id}/events` (browser cookie): the attempt's state, pushed.
pub(super) async fn signin_events(
    State(s): State<WebState>,
    Path(id): Path<String>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = closing(&s) {
        return r.into_response();
    }
    let Some(browser) = cookie_value(&headers, SIGNIN_COOKIE) else {
        return Reply::error(StatusCode::NOT_FOUND, "no such sign-in in this browser")
            .into_response();
    };
    let cookie = browser.clone();
    let attempt = match off(&s, move |f| f.browser_attempt(&id, Some(&cookie))).await {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let client = s.limits.client(peer, &headers);
    let permit = match s.limits.page_stream(client, &attempt.id) {
        Ok(p) => p,
        Err(l) => return Reply::too_many(l).into_response(),
    };
    let sub = s.push.subscribe(&attempt.username);
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(page_stream(
        WebState::clone(&s),
        attempt,
        browser,
        sub,
        permit,
        tx,
    ));
    sse(&s, rx)
}

/// What the status endpoint answers now (the same body: whatever it says, the stream says).
async fn page_status(s: &WebState, id: &str, browser: &str) -> Option<(String, SignInStatus)> {
    let (id, browser) = (String::from(id), String::from(browser));
    let reply = off(s, move |f| Ok(f.signin_status(&id, Some(&browser))))
        .await
        .ok()?;
    if reply.status() != StatusCode::OK {
        return None;
    }
    let status = serde_json::from_str(reply.body()).ok()?;
    Some((String::from(reply.body()), status))
}

async fn page_stream(
    s: WebState,
    attempt: AttemptRow,
    browser: String,
    mut sub: Subscription,
    permit: StreamPermit,
    tx: mpsc::Sender<Result<Event, Infallible>>,
) {
    let limits = s.limits.config().clone();
    let end = Instant::now() + Duration::from_secs(limits.stream_max_secs.max(1));
    let recheck = Duration::from_secs(limits.stream_recheck_secs.max(1));
    let mut last: Option<String> = None;
    loop {
        // Gone (purged), no longer this browser's, or the database failed: end; the page
        // falls back to polling.
        let Some((body, status)) = page_status(&s, &attempt.id, &browser).await else {
            break;
        };
        if last.as_deref() != Some(body.as_str()) {
            let mut e = Event::default()
                .event(event::STATE)
                .id(status.state.as_str())
                .data(&body);
            if last.is_none() {
                e = e.retry(RETRY);
            }
            if !send(&tx, Some(e), end).await {
                break;
            }
            last = Some(body);
        }
        if status.state != SignInState::Pending {
            break;
        }
        let until = (Instant::now() + recheck).min(instant_of(s.app.now(), attempt.expires_at));
        if let Waited::End = wait(&mut sub, until, end, Some(&tx)).await {
            break;
        }
    }
    drop(permit);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_empty() {
        let a = "a".repeat(43);
        let b = "b".repeat(43);
        let text = cursor_text(&[a.clone(), b.clone()]);
        assert_eq!(text, format!("{a}.{b}"));
        assert_eq!(parse_cursor(Some(&text), 3), vec![a.clone(), b.clone()]);
        assert_eq!(cursor_text(&[]), "-");
        assert!(parse_cursor(Some("-"), 3).is_empty());
        assert!(parse_cursor(None, 3).is_empty());
        assert!(parse_cursor(Some(""), 3).is_empty());
        // More ids than the list can hold, or ids that are not token-shaped: empty.
        assert!(parse_cursor(Some(&text), 1).is_empty());
        assert!(parse_cursor(Some("short.ids"), 3).is_empty());
        assert!(parse_cursor(Some(&format!("{a}.x y")), 3).is_empty());
        // Duplicates count once.
        assert_eq!(parse_cursor(Some(&format!("{a}.{a}")), 3), vec![a]);
    }

    #[test]
    fn the_long_poll_query_is_strict() {
        assert_eq!(poll_query(None).unwrap(), PollQuery::default());
        assert_eq!(
            poll_query(Some("since=-&wait=20")).unwrap(),
            PollQuery {
                since: Some("-".into()),
                wait: 20
            }
        );
        for bad in ["wait=x", "wait=-1", "other=1", "since=a&since=b", "wait"] {
            assert!(poll_query(Some(bad)).is_err(), "{bad}");
        }
    }
}
