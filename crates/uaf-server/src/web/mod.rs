//! Phone sign-in: "Sign in with your phone, not your password".
//!
//! A person's phone holds a key made for one account, unlocked on the phone by its PIN; the
//! server keeps the public key. The sign-in page offers "Use an app instead"; the phone
//! sees the sign-in, the person approves it with the PIN, and that one approval is two
//! factors (the phone, and the ability to unlock it). See `docs/server.md`, "Phone sign-in".
//!
//! | endpoint | who | what |
//! |---|---|---|
//! | `GET {prefix}`, `GET {prefix}signin` | anyone | the sign-in page (`assets/`, embedded) |
//! | `POST {prefix}api/signin/start` | anyone | `{username}` → `{attempt, matchCode, expiresAt, pollMillis}` + browser secret cookie |
//! | `GET {prefix}api/signin/{id}` | browser cookie | `{state, matchCode}` |
//! | `POST {prefix}api/signin/{id}/complete` | browser cookie, approved | session cookie + `{username, factors, method}` |
//! | `POST {prefix}api/signin/{id}/cancel` | browser cookie | `{}` → `{state: "cancelled"}` (409 when no longer pending) |
//! | `GET {prefix}api/me` | session cookie | `{username, factors, method, expiresAt}` |
//! | `POST {prefix}api/signout` | session cookie | deletes the session |
//! | `POST {prefix}phone/enroll/start` | invite code | `{username, code}` → `{uafRequest}` |
//! | `POST {prefix}phone/enroll/finish` | invite code (consumed) | `{username, code, uafResponse}` → `{deviceToken, aaid, keyID}` |
//! | `GET {prefix}phone/notifications` | device token | `{notifications: […], cursor}`; `?since=CURSOR&wait=SECS`: a long poll |
//! | `GET {prefix}phone/events` | device token | the phone's push stream (Server-Sent Events; `stream`) |
//! | `GET {prefix}api/signin/{id}/events` | browser cookie | the attempt's state, pushed (Server-Sent Events) |
//! | `POST {prefix}phone/respond` | device token + UAF signature | `{attempt, uafResponse}` → `{state: "approved"}` |
//! | `POST {prefix}phone/decline` | device token | `{attempt}` → `{state: "declined"}` |
//! | `POST {prefix}phone/report` | device token | `{attempt, kind}` (`wrong-number`, `wrong-pin`, `not-me`) → `{state}` |
//! | `POST {prefix}phone/deregister` | device token | the phone removes itself → `{deregistered}` |
//! | `{prefix}account`, `{prefix}api/account…` | session cookie, same origin | the account page (`account.rs`) |
//!
//! Every `POST` takes a JSON body (`{}` where nothing is needed) sent as `Content-Type:
//! application/json` (a cross-site HTML form cannot send it): `axum::Json` reads it, and its
//! refusals (415 without that type, 400 for a body that is not JSON, 422 for JSON of the wrong
//! shape) come as `{"error": …}`. Every cookie is `HttpOnly; SameSite=Strict`. The bodies are
//! the types of `uaf_signin_api`, shared with the phone.

mod account;
mod attempt;
mod flow;
mod invite;
mod password;
pub(crate) mod secret;
mod stream;
mod user_agent;

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Json, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use crate::net::UAF_RESPONSE_BODY_LIMIT;
use cookie::Cookie;
use serde::de::{DeserializeOwned, IgnoredAny};
use uaf_signin_api::{EnrollFinishRequest, EnrollStartRequest, SignInStartRequest, path};

pub(crate) use account::public_base_url;
pub(crate) use flow::{Flow, WebConfig};
use flow::{KNOWN_COOKIE, SESSION_COOKIE, SIGNIN_COOKIE, StartContext};
pub(crate) use invite::issue_invite;
pub use invite::{INVITE_TTL_SECS, Invite, InviteError, create_invite};

use crate::limits::Peer;
use crate::reply::{Reply, blocking, rejected_body};
use crate::store::DeviceRow;

/// The site name phones show: the host (and port) of the AppID.
pub(crate) fn site_of(app_id: &str) -> String {
    let rest = app_id.split_once("://").map_or(app_id, |(_, r)| r);
    let host = rest.split('/').next().unwrap_or(rest);
    String::from(host)
}

type WebState = Arc<Flow>;

/// The routes of the phone sign-in flow and its page, under the flow's prefix.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(state: WebState) -> Router<S> {
    let p = state.config.prefix.clone();
    let at = |path: &str| format!("{p}{path}");
    Router::new()
        .route(&p, get(page))
        .route(&at("signin"), get(page))
        .route(&at("assets/signin.js"), get(script))
        .route(&at("assets/signin.css"), get(style))
        .route(&at(path::SIGNIN_START), post(signin_start))
        .route(&at(path::SIGNIN_STATUS), get(signin_status))
        .route(&at(path::SIGNIN_COMPLETE), post(signin_complete))
        .route(&at(path::SIGNIN_CANCEL), post(signin_cancel))
        .route(&at(path::ME), get(me))
        .route(&at(path::SIGNOUT), post(signout))
        .route(&at(path::ENROLL_START), post(enroll_start))
        .route(
            &at(path::ENROLL_FINISH),
            post(enroll_finish).layer(DefaultBodyLimit::max(UAF_RESPONSE_BODY_LIMIT)),
        )
        .route(&at(path::NOTIFICATIONS), get(stream::notifications))
        .route(&at(path::PHONE_EVENTS), get(stream::phone_events))
        .route(&at(path::SIGNIN_EVENTS), get(stream::signin_events))
        .route(
            &at(path::PHONE_RESPOND),
            device_post(Flow::respond).layer(DefaultBodyLimit::max(UAF_RESPONSE_BODY_LIMIT)),
        )
        .route(&at(path::PHONE_DECLINE), device_post(Flow::decline))
        .route(&at(path::PHONE_REPORT), device_post(Flow::report))
        .merge(password::routes(&p))
        .merge(account::routes(&p))
        .with_state(state)
}

// ---------------------------------------------------------------------------------------------
// The page: HTML, CSS and JavaScript embedded at build time (no build step, no CDN)
// ---------------------------------------------------------------------------------------------

const INDEX_HTML: &str = include_str!("../../assets/index.html");
const SIGNIN_JS: &str = include_str!("../../assets/signin.js");
const SIGNIN_CSS: &str = include_str!("../../assets/signin.css");

/// Only our own script and style; no framing, no plugins, no base or form tricks.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn page() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SIGNIN_JS)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", SIGNIN_CSS)
}

// ---------------------------------------------------------------------------------------------
// The HTTP layer: headers and bodies in, the flow on the blocking pool, JSON out
// ---------------------------------------------------------------------------------------------

/// A JSON body of type `T` (see the module docs), or the extractor's refusal.
type Body<T> = Result<Json<T>, JsonRejection>;

/// The value of cookie `name` in the request's `Cookie` headers (parsed by `cookie`).
fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| String::from(c.value()))
}

/// The session cookie of a request.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, SESSION_COOKIE)
}

/// The `Authorization` header's text.
fn authorization(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `POST api/signin/start`: the per-address and per-user buckets first (429 with
/// `Retry-After`), then the flow.
async fn signin_start(
    State(s): State<WebState>,
    peer: Peer,
    headers: HeaderMap,
    body: Body<SignInStartRequest>,
) -> Reply {
    match body {
        Ok(Json(b)) => {
            let client = s.limits.client(peer, &headers);
            if let Err(limited) = s.limits.signin(client, &b.username) {
                return Reply::too_many(limited);
            }
            let agent = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let from = StartContext {
                browser: user_agent::parse(agent).short(),
                address: client
                    .map_or_else(|| String::from("unknown address"), |ip| ip.to_string()),
                known: cookie_value(&headers, KNOWN_COOKIE),
                user_agent: String::from(agent),
            };
            blocking(s, move |f| f.signin_start(&b, &from)).await
        }
        Err(r) => rejected_body(&r),
    }
}

async fn signin_status(
    State(s): State<WebState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Reply {
    let browser = cookie_value(&headers, SIGNIN_COOKIE);
    blocking(s, move |f| f.signin_status(&id, browser.as_deref())).await
}

async fn signin_complete(
    State(s): State<WebState>,
    Path(id): Path<String>,
    peer: Peer,
    headers: HeaderMap,
    body: Body<IgnoredAny>,
) -> Reply {
    if let Err(r) = body {
        return rejected_body(&r);
    }
    let browser = cookie_value(&headers, SIGNIN_COOKIE);
    let known = cookie_value(&headers, KNOWN_COOKIE);
    let client = password::Client::of(&s, peer, &headers);
    blocking(s, move |f| {
        f.signin_complete(&id, browser.as_deref(), &client, known.as_deref())
    })
    .await
}

async fn signin_cancel(
    State(s): State<WebState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body<IgnoredAny>,
) -> Reply {
    if let Err(r) = body {
        return rejected_body(&r);
    }
    let browser = cookie_value(&headers, SIGNIN_COOKIE);
    blocking(s, move |f| f.signin_cancel(&id, browser.as_deref())).await
}

async fn me(State(s): State<WebState>, headers: HeaderMap) -> Reply {
    let session = cookie_value(&headers, SESSION_COOKIE);
    blocking(s, move |f| f.me(session.as_deref())).await
}

async fn signout(State(s): State<WebState>, headers: HeaderMap, body: Body<IgnoredAny>) -> Reply {
    if let Err(r) = body {
        return rejected_body(&r);
    }
    let session = cookie_value(&headers, SESSION_COOKIE);
    blocking(s, move |f| f.signout(session.as_deref())).await
}

/// The invite-code rate limits of both enrolment steps (per client address and per account):
/// `Err` is the 429 answer, logged.
fn enroll_limited(
    s: &WebState,
    peer: Peer,
    headers: &HeaderMap,
    username: &str,
) -> Result<(), Reply> {
    let client = s.limits.client(peer, headers);
    s.limits.enroll(client, username).map_err(|limited| {
        tracing::warn!(username = ?username, client = ?client, "enrolment refused: rate limit");
        Reply::too_many(limited)
    })
}

/// `POST phone/enroll/start`: an invite code check, rate-limited per address and account.
async fn enroll_start(
    State(s): State<WebState>,
    peer: Peer,
    headers: HeaderMap,
    body: Body<EnrollStartRequest>,
) -> Reply {
    match body {
        Ok(Json(b)) => match enroll_limited(&s, peer, &headers, &b.username) {
            Ok(()) => blocking(s, move |f| f.enroll_start(&b)).await,
            Err(limited) => limited,
        },
        Err(r) => rejected_body(&r),
    }
}

/// `POST phone/enroll/finish`: an invite code check, rate-limited per address and account.
async fn enroll_finish(
    State(s): State<WebState>,
    peer: Peer,
    headers: HeaderMap,
    body: Body<EnrollFinishRequest>,
) -> Reply {
    match body {
        Ok(Json(b)) => match enroll_limited(&s, peer, &headers, &b.username) {
            Ok(()) => blocking(s, move |f| f.enroll_finish(&b)).await,
            Err(limited) => limited,
        },
        Err(r) => rejected_body(&r),
    }
}

/// A `POST` route of the phone: `f` runs for the phone of the device token with the body.
fn device_post<T: DeserializeOwned + Send + 'static>(
    f: fn(&Flow, &DeviceRow, T) -> Reply,
) -> MethodRouter<WebState> {
    post(
        move |State(s): State<WebState>, headers: HeaderMap, body: Body<T>| async move {
            as_device(s, &headers, body, f).await
        },
    )
}

/// Runs `f` for the phone of the request's device token (`Authorization: Bearer`) with the
/// request's body, on the blocking pool.
async fn as_device<T: Send + 'static>(
    s: WebState,
    headers: &HeaderMap,
    body: Body<T>,
    f: impl FnOnce(&Flow, &DeviceRow, T) -> Reply + Send + 'static,
) -> Reply {
    let Json(body) = match body {
        Ok(b) => b,
        Err(r) => return rejected_body(&r),
    };
    let auth = authorization(headers);
    blocking(s, move |flow| match flow.device(auth.as_deref()) {
        Ok(d) => f(flow, &d, body),
        Err(r) => r,
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name_in_every_header() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            axum::http::HeaderValue::from_static("a=1; uaf_signin_other=no"),
        );
        h.append(
            header::COOKIE,
            axum::http::HeaderValue::from_static("uaf_signin=xyz"),
        );
        assert_eq!(cookie_value(&h, "uaf_signin").as_deref(), Some("xyz"));
        assert_eq!(cookie_value(&h, "uaf"), None);
        assert_eq!(cookie_value(&HeaderMap::new(), "a"), None);
    }

    #[test]
    fn site_is_the_app_id_host() {
        assert_eq!(
            site_of("https://login.example.com:8443/uaf/facets.json"),
            "login.example.com:8443"
        );
        assert_eq!(site_of("https://example.com"), "example.com");
    }
}
