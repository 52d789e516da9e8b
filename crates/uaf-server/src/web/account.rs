//! The account page: what a signed-in person sees of their account and does with it.
//!
//! | endpoint | who | what |
//! |---|---|---|
//! | `GET {prefix}account` | anyone (the page asks `api/account`; signed out it goes to the sign-in page) | the page (`assets/account.html`, `account.js`) |
//! | `GET {prefix}api/account` | session cookie | [`Account`]: who, how (factors), sessions, phones |
//! | `POST {prefix}api/account/phones/add` | session cookie, same origin | a one-time enrolment code, its [`EnrollLink`] and that link's QR code (SVG) |
//! | `POST {prefix}api/account/phones/{id}/name` | session cookie, same origin | names one of the account's phones |
//! | `POST {prefix}api/account/phones/{id}/remove` | session cookie, same origin | removes one of the account's phones |
//! | `POST {prefix}api/account/phones/remove-all` | session cookie, same origin | "Turn off phone sign-in": removes every phone |
//! | `POST {prefix}api/account/signout-everywhere` | session cookie, same origin | deletes every session of the account |
//! | `POST {prefix}phone/deregister` | device token | the phone removes itself |
//!
//! **Nothing unauthenticated changes state, nothing cross-site either.** Every `POST` here
//! needs the session cookie (`HttpOnly; SameSite=Strict`: a cross-site request does not carry
//! it), a JSON body (`Content-Type: application/json`: a cross-site HTML form cannot send
//! it), and a request that says it comes from this site: a `Sec-Fetch-Site` other than
//! `same-origin` (or `none`, typed by the person) is refused, and so is an `Origin` whose
//! host is not the request's `Host` (403, before the session is looked up).
//!
//! **Removing a phone** ([`Flow::remove_phones`]) deletes, in one transaction
//! ([`AccountPageStore::remove_phones`]), the phone's device row (its token stops working at
//! once) and its registration, and queues a UAF deregistration request for its key (digest
//! §2.10, §3.5; built by uaf-rp) under the SHA-256 of the removed token. The phone's next
//! `GET phone/notifications` with that token gets the request in
//! `Notifications::deregistrations` — once: the token is refused (401) from then on.

use axum::Router;
use axum::extract::{Json, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::IgnoredAny;
use sha2::{Digest, Sha256};
use uaf_metadata::MetadataSource;
use uaf_proto::id::{Aaid, KeyId};
use uaf_rp::DeregistrationTarget;
use uaf_rp::store::CredentialStore;
use uaf_signin_api::{
    Account, ActivityInfo, AddPhoneAnswer, EnrollLink, Notifications, PhoneDeregisterAnswer,
    PhoneInfo, PhonesRemoved, RenamePhoneRequest, SignedOutEverywhere, path,
};

use super::flow::{METHOD, SESSION_COOKIE};
use super::user_agent;
use super::{Body, Flow, WebState, asset, device_post, secret, session_cookie};
use crate::limits::Peer;
use crate::reply::{Reply, blocking, rejected_body};
use crate::store::{
    ActivityOutcome, ActivityRow, DeviceRow, MAX_PHONE_NAME, PhoneRow, PhoneToRemove, SessionRow,
    SignInMethod, StoreError, row_expired,
};

const ACCOUNT_HTML: &str = include_str!("../../assets/account.html");
const ACCOUNT_JS: &str = include_str!("../../assets/account.js");

/// The account page's routes (under the prefix), merged into [`super::router`].
pub(super) fn routes(prefix: &str) -> Router<WebState> {
    let at = |path: &str| format!("{prefix}{path}");
    Router::new()
        .route(&at(path::ACCOUNT_PAGE), get(page))
        .route(&at("assets/account.js"), get(script))
        .route(&at(path::ACCOUNT), get(account))
        .route(&at(path::ACCOUNT_ADD_PHONE), post(add_phone))
        .route(&at(path::ACCOUNT_PHONE_NAME), post(rename_phone))
        .route(&at(path::ACCOUNT_PHONE_REMOVE), post(remove_phone))
        .route(&at(path::ACCOUNT_PHONES_REMOVE_ALL), post(remove_all))
        .route(&at(path::SIGNOUT_EVERYWHERE), post(signout_everywhere))
        .route(
            &at(path::PHONE_DEREGISTER),
            device_post(Flow::phone_deregister),
        )
}

async fn page() -> Response {
    asset("text/html; charset=utf-8", ACCOUNT_HTML)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", ACCOUNT_JS)
}

// ---------------------------------------------------------------------------------------------
// Cross-site requests
// ---------------------------------------------------------------------------------------------

/// The refusal of a state-changing request that does not come from this site: a
/// `Sec-Fetch-Site` other than `same-origin` or `none`, an `Origin` that is `null` or whose
/// host (and port) is neither the request's `Host` nor that of the configured public URL
/// (`public`, `--public-url`: behind a proxy that rewrites `Host`).
pub(crate) fn same_origin(headers: &HeaderMap, public: Option<&str>) -> Result<(), Reply> {
    let refused = |why: &str| {
        tracing::warn!(reason = why, "cross-site request refused");
        Reply::error(StatusCode::FORBIDDEN, "cross-site request refused")
    };
    let text = |name| headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"));
    if let Some(site) = text("sec-fetch-site") {
        if !site.eq_ignore_ascii_case("same-origin") && !site.eq_ignore_ascii_case("none") {
            return Err(refused("Sec-Fetch-Site"));
        }
    }
    if let Some(origin) = text(header::ORIGIN.as_str()) {
        let authority = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        let public = public
            .and_then(|u| u.split_once("://"))
            .and_then(|(_, rest)| rest.split('/').next());
        let ours = |a: &str| {
            [text(header::HOST.as_str()), public]
                .into_iter()
                .flatten()
                .any(|h| a.eq_ignore_ascii_case(h))
        };
        match authority {
            Some(a) if !a.contains('/') && ours(a) => {}
            _ => return Err(refused("Origin")),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The public base URL (the server in a phone's enrolment link)
// ---------------------------------------------------------------------------------------------

/// A configured public URL, checked and normalised to end in `/`: `http` or `https`, a host,
/// no user, query or fragment.
///
/// # Errors
/// What is wrong, for the start-up error.
pub(crate) fn public_base_url(url: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("--public-url {url:?}: {why}"));
    let Some((scheme, rest)) = url.split_once("://") else {
        return bad("not an http(s) URL");
    };
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return bad("the scheme must be https (or http for loopback development)");
    }
    if rest.contains(['?', '#', '@']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("a base URL has no user, query, fragment or spaces");
    }
    let host = rest.split('/').next().unwrap_or_default();
    if !valid_host(host) {
        return bad("no valid host[:port]");
    }
    let mut base = format!("{}://{rest}", scheme.to_ascii_lowercase());
    if !base.ends_with('/') {
        base.push('/');
    }
    Ok(base)
}

/// A `Host` value we put into a link: a DNS name or IPv4 address, or a bracketed IPv6
/// address, with an optional port; nothing else.
fn valid_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) if !n.ends_with(':') && (n.starts_with('[') == n.ends_with(']')) => {
            if n.starts_with('[') || !n.contains(':') {
                (n, Some(p))
            } else {
                (host, None)
            }
        }
        _ => (host, None),
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let name_ok = if let Some(v6) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        v6.parse::<core::net::Ipv6Addr>().is_ok()
    } else {
        !name.is_empty()
            && name.len() <= 253
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && !name.starts_with(['-', '.'])
    };
    port_ok && name_ok
}

// ---------------------------------------------------------------------------------------------
// What the page shows of phones and sessions
// ---------------------------------------------------------------------------------------------

/// The identifier of a phone on the account page: base64url of the first 16 bytes of
/// SHA-256("uaf-server phone" ‖ AAID ‖ 0 ‖ KeyID). Not a secret; it only names a phone among
/// the signed-in account's own.
pub(crate) fn phone_id(aaid: &str, key_id: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"uaf-server phone")
        .chain_update(aaid.as_bytes())
        .chain_update([0])
        .chain_update(key_id)
        .finalize();
    URL_SAFE_NO_PAD.encode(digest.get(..16).unwrap_or_default())
}

/// How a session's method is told to the person, and the factors it proved
/// ([`super::password::factors_of`], the one table of factors).
pub(crate) fn describe_method(method: &str) -> (String, Vec<String>) {
    let factors: Vec<String> = super::password::factors_of(method)
        .iter()
        .map(|f| String::from(*f))
        .collect();
    let text = match SignInMethod::parse(method) {
        Some(SignInMethod::Phone) => {
            "your phone: two factors in one approval (the phone, and its PIN or biometrics)"
        }
        None if method == METHOD => {
            "your phone: two factors in one approval (the phone, and its PIN or biometrics)"
        }
        Some(SignInMethod::Password) => "your password only: one factor",
        Some(SignInMethod::PasswordPhone) => {
            "your password and an approval on your phone: two factors"
        }
        Some(SignInMethod::PasswordCode) => {
            "your password and a verification code from your phone: two factors"
        }
        _ => method,
    };
    (String::from(text), factors)
}

/// What the account page shows of a recorded sign-in event.
fn activity_info(row: &ActivityRow) -> ActivityInfo {
    let method_description = match row.method {
        SignInMethod::Phone => "Phone",
        SignInMethod::Password => "Password only",
        SignInMethod::PasswordPhone => "Password and phone",
        SignInMethod::PasswordCode => "Password and verification code",
    };
    let outcome_description = match row.outcome {
        ActivityOutcome::SignedIn => "Signed in",
        ActivityOutcome::SecondStep => "Password accepted, second step asked",
        ActivityOutcome::Declined => "Declined on the phone",
        ActivityOutcome::Failed => "Failed: the phone's answer did not verify",
        ActivityOutcome::Expired => "Expired — not answered",
        ActivityOutcome::WrongPassword => "Wrong password",
        ActivityOutcome::WrongCode => "Wrong verification code",
        ActivityOutcome::Throttled => "Refused: too many attempts",
        ActivityOutcome::DeniedNotMe => "Denied on the phone: \"it was not me\"",
    };
    ActivityInfo {
        at: row.at,
        method: String::from(row.method.as_str()),
        method_description: String::from(method_description),
        browser: (!row.user_agent.is_empty())
            .then(|| user_agent::parse(&row.user_agent).describe()),
        client_ip: (!row.client_ip.is_empty()).then(|| row.client_ip.clone()),
        outcome: String::from(row.outcome.as_str()),
        outcome_description: String::from(outcome_description),
        signed_in: row.outcome == ActivityOutcome::SignedIn,
        detail: (!row.detail.is_empty()).then(|| row.detail.clone()),
    }
}

/// How many recent sign-in events the account page shows.
pub(crate) const ACTIVITY_SHOWN: u32 = 20;

/// A name the person gives a phone: surrounding spaces dropped, empty → none, at most
/// [`MAX_PHONE_NAME`] characters, no control characters.
fn phone_name(typed: &str) -> Result<Option<String>, Reply> {
    let name = typed.trim();
    if name.chars().count() > MAX_PHONE_NAME || name.chars().any(char::is_control) {
        return Err(Reply::error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "a phone's name is at most 64 characters, without control characters",
        ));
    }
    Ok((!name.is_empty()).then(|| String::from(name)))
}

impl Flow {
    /// The session of the session cookie, with its hash, if valid (the lookup by the
    /// cookie's SHA-256 is the check).
    fn account_session(&self, cookie: Option<&str>) -> Result<([u8; 32], SessionRow), Reply> {
        let text = cookie
            .filter(|t| secret::is_token(t))
            .ok_or_else(not_signed_in)?;
        let hash = secret::hash(text);
        let row = self
            .store
            .session(&hash)
            .map_err(|e| Reply::internal("session lookup", &e))?
            .filter(|s| !row_expired(s.expires_at, self.app.now()))
            .ok_or_else(not_signed_in)?;
        Ok((hash, row))
    }

    /// What the page shows of a phone: its name, model (from the metadata), dates.
    fn phone_info(&self, p: &PhoneRow) -> PhoneInfo {
        let model = Aaid::parse(&p.aaid)
            .ok()
            .and_then(|aaid| {
                self.app
                    .service
                    .relying_party()
                    .metadata()
                    .lookup(&aaid)
                    .map(|e| String::from(e.statement().description()))
            })
            .unwrap_or_else(|| p.aaid.clone());
        PhoneInfo {
            id: phone_id(&p.aaid, &p.key_id),
            name: p.name.clone(),
            model,
            aaid: p.aaid.clone(),
            added_at: p.created_at,
            last_used_at: p.last_used_at,
        }
    }

    /// The phones of `username`.
    fn phones_of(&self, username: &str) -> Result<Vec<PhoneRow>, Reply> {
        self.app
            .stores
            .account_page
            .phones(username)
            .map_err(|e| Reply::internal("phone list", &e))
    }

    /// The phone `id` of `username` (another account's phone is not found: 404).
    fn phone_by_id(&self, username: &str, id: &str) -> Result<PhoneRow, Reply> {
        self.phones_of(username)?
            .into_iter()
            .find(|p| phone_id(&p.aaid, &p.key_id) == id)
            .ok_or_else(|| Reply::error(StatusCode::NOT_FOUND, "no such phone on this account"))
    }

    /// `GET api/account`.
    pub(crate) fn account(&self, cookie: Option<&str>) -> Reply {
        self.account_answer(cookie).unwrap_or_else(|r| r)
    }

    fn account_answer(&self, cookie: Option<&str>) -> Result<Reply, Reply> {
        let (_, session) = self.account_session(cookie)?;
        let now = self.app.now();
        let (method_description, factors) = describe_method(&session.method);
        let sessions = self
            .app
            .stores
            .account_page
            .count_sessions(&session.username, now)
            .map_err(|e| Reply::internal("session count", &e))?;
        let phones = self.phones_of(&session.username)?;
        let activity = self
            .app
            .stores
            .activity
            .recent_activity(&session.username, ACTIVITY_SHOWN)
            .map_err(|e| Reply::internal("activity", &e))?;
        Ok(Reply::ok(&Account {
            username: session.username.clone(),
            method: session.method.clone(),
            method_description,
            factors,
            signed_in_at: session.created_at,
            expires_at: session.expires_at,
            sessions,
            phones: phones.iter().map(|p| self.phone_info(p)).collect(),
            activity: activity.iter().map(activity_info).collect(),
        }))
    }

    /// `POST api/account/phones/add`: a one-time enrolment code for the signed-in account
    /// (an invite, [`Flow::create_invite`]), its link to `base` and the link's QR code.
    fn add_phone(&self, session: &SessionRow, base: &str) -> Reply {
        let invite = match self.create_invite(&session.username) {
            Ok(i) => i,
            Err(super::InviteError::NotAllowed) => {
                return Reply::error(StatusCode::FORBIDDEN, "this account may not sign in");
            }
            Err(e) => return Reply::internal("invite", &e),
        };
        let link = EnrollLink {
            server: String::from(base),
            username: invite.username.clone(),
            code: invite.code.clone(),
        }
        .to_text();
        let qr_svg = match qr_svg(&link) {
            Ok(svg) => svg,
            Err(e) => return Reply::internal("QR code", &e),
        };
        tracing::info!(
            username = session.username,
            "enrolment code made on the account page"
        );
        Reply::ok(&AddPhoneAnswer {
            code: invite.code,
            server: String::from(base),
            username: invite.username,
            link,
            qr_svg,
            expires_at: invite.expires_at,
        })
    }

    /// `POST api/account/phones/{id}/name`.
    fn rename_phone(&self, session: &SessionRow, id: &str, body: &RenamePhoneRequest) -> Reply {
        let run = || -> Result<Reply, Reply> {
            let name = phone_name(&body.name)?;
            let phone = self.phone_by_id(&session.username, id)?;
            let renamed = self
                .app
                .stores
                .account_page
                .rename_phone(
                    &session.username,
                    &phone.aaid,
                    &phone.key_id,
                    name.as_deref(),
                )
                .map_err(|e| Reply::internal("phone rename", &e))?;
            if !renamed {
                return Err(Reply::error(
                    StatusCode::NOT_FOUND,
                    "no such phone on this account",
                ));
            }
            Ok(Reply::ok(&self.phone_info(&PhoneRow { name, ..phone })))
        };
        run().unwrap_or_else(|r| r)
    }

    /// The UAF deregistration request for one key of `username` (digest §2.10: that AAID and
    /// KeyID), built by uaf-rp from the user's registrations; `None` when the key is not
    /// registered any more (nothing to tell the phone).
    fn deregistration_for(
        &self,
        username: &str,
        phone: &PhoneRow,
    ) -> Result<Option<String>, StoreError> {
        let (Ok(aaid), Ok(key_id)) = (Aaid::parse(&phone.aaid), KeyId::new(phone.key_id.clone()))
        else {
            return Ok(None);
        };
        let registrations = self.app.service.credentials().list_by_user(username)?;
        let target = DeregistrationTarget::Key { aaid, key_id };
        match self
            .app
            .service
            .relying_party()
            .deregistration_request(&target, &registrations)
        {
            Ok(d) => Ok(Some(d.request.to_json())),
            Err(e) => {
                tracing::warn!(error = %e, "a phone without its registration: no request queued");
                Ok(None)
            }
        }
    }

    /// Removes `phones` of `username` (one transaction), queueing a deregistration request
    /// for each.
    pub(crate) fn remove_phones(&self, username: &str, phones: &[PhoneRow]) -> Reply {
        let mut removals = Vec::with_capacity(phones.len());
        for p in phones {
            match self.deregistration_for(username, p) {
                Ok(request) => {
                    removals.push(PhoneToRemove::new(
                        p.aaid.clone(),
                        p.key_id.clone(),
                        request,
                    ));
                }
                Err(e) => return Reply::internal("registration lookup", &e),
            }
        }
        match self
            .app
            .stores
            .account_page
            .remove_phones(username, &removals, self.app.now())
        {
            Ok(done) => {
                tracing::info!(
                    username,
                    phones = done.phones,
                    queued = done.queued,
                    "phones removed on the account page"
                );
                // Open streams re-check their token now: a removed phone's stream ends.
                self.push.wake_account(username);
                Reply::ok(&PhonesRemoved {
                    removed: done.phones,
                })
            }
            Err(e) => Reply::internal("phone removal", &e),
        }
    }

    /// `POST api/account/signout-everywhere`: every session of the account, this one
    /// included.
    fn signout_everywhere(&self, session: &SessionRow) -> Reply {
        match self
            .app
            .stores
            .account_page
            .delete_sessions_of(&session.username)
        {
            Ok(sessions) => {
                tracing::info!(
                    username = session.username,
                    sessions,
                    "signed out everywhere"
                );
                Reply::ok(&SignedOutEverywhere { sessions }).with_cookie(self.clear_session())
            }
            Err(e) => Reply::internal("session delete", &e),
        }
    }

    /// `POST phone/deregister` (device token): the phone removes itself — its registration
    /// and device row are deleted in one transaction; nothing is queued (the phone deletes
    /// its key itself).
    pub(crate) fn phone_deregister(&self, device: &DeviceRow, _body: IgnoredAny) -> Reply {
        let removal = PhoneToRemove::new(device.aaid.clone(), device.key_id.clone(), None);
        match self.app.stores.account_page.remove_phones(
            &device.username,
            &[removal],
            self.app.now(),
        ) {
            Ok(done) => {
                tracing::info!(username = device.username, "phone removed itself");
                self.push.wake_account(&device.username);
                Reply::ok(&PhoneDeregisterAnswer {
                    deregistered: done.registrations > 0,
                })
            }
            Err(e) => Reply::internal("phone removal", &e),
        }
    }

    /// `GET phone/notifications` for a token: the phone's notifications, or — for the token
    /// of a removed phone — the deregistration requests queued for it, once; then 401.
    pub(crate) fn notifications_for(&self, authorization: Option<&str>) -> Reply {
        let refused = match self.device(authorization) {
            Ok(device) => return self.notifications(&device),
            Err(r) => r,
        };
        let Some(token) = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| secret::is_token(t))
        else {
            return refused;
        };
        match self
            .app
            .stores
            .account_page
            .take_deregistrations(&secret::hash(token), self.app.now())
        {
            Ok(queued) if queued.is_empty() => refused,
            Ok(queued) => {
                tracing::info!("deregistration delivered to a removed phone");
                Reply::ok(&Notifications {
                    notifications: Vec::new(),
                    withdrawn: Vec::new(),
                    cursor: String::new(),
                    deregistrations: queued
                        .into_iter()
                        .map(|uaf_request| uaf_signin_api::Deregistration { uaf_request })
                        .collect(),
                })
            }
            Err(e) => Reply::internal("deregistration lookup", &e),
        }
    }

    /// The `Set-Cookie` that deletes the session cookie.
    fn clear_session(&self) -> cookie::Cookie<'static> {
        cookie::Cookie::build((SESSION_COOKIE, ""))
            .path(self.config.prefix.clone())
            .max_age(cookie::time::Duration::seconds(0))
            .http_only(true)
            .same_site(cookie::SameSite::Strict)
            .secure(self.config.secure_cookies)
            .build()
    }

    /// The base URL a phone enrols with: the configured one, or the URL this request came
    /// to (`http(s)://{Host}{prefix}`; https when the cookies are `Secure`, i.e. TLS here or
    /// at a proxy). A `Host` that is not a plain host[:port] is refused (400).
    fn base_url(&self, headers: &HeaderMap) -> Result<String, Reply> {
        if let Some(url) = &self.config.public_url {
            return Ok(url.clone());
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| valid_host(h))
            .ok_or_else(|| Reply::error(StatusCode::BAD_REQUEST, "the Host header is not valid"))?;
        let scheme = if self.config.secure_cookies {
            "https"
        } else {
            "http"
        };
        Ok(format!("{scheme}://{host}{}", self.config.prefix))
    }
}

fn not_signed_in() -> Reply {
    Reply::error(StatusCode::UNAUTHORIZED, "not signed in")
}

/// The QR code of `text` as an SVG document (black on white, 4-module quiet zone).
fn qr_svg(text: &str) -> Result<String, qrcode::types::QrError> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

async fn account(State(s): State<WebState>, headers: HeaderMap) -> Reply {
    let session = session_cookie(&headers);
    blocking(s, move |f| f.account(session.as_deref())).await
}

/// The checks of every state-changing request of the page, in order: same origin (403), the
/// JSON body (415/400/422), then, on the blocking pool, the session (401); then `f`.
async fn signed_in_post<T: Send + 'static>(
    s: WebState,
    headers: &HeaderMap,
    body: Body<T>,
    f: impl FnOnce(&Flow, &SessionRow, T) -> Reply + Send + 'static,
) -> Reply {
    if let Err(r) = same_origin(headers, s.config.public_url.as_deref()) {
        return r;
    }
    let Json(body) = match body {
        Ok(b) => b,
        Err(r) => return rejected_body(&r),
    };
    let cookie = session_cookie(headers);
    blocking(s, move |flow| {
        match flow.account_session(cookie.as_deref()) {
            Ok((_, session)) => f(flow, &session, body),
            Err(r) => r,
        }
    })
    .await
}

/// `POST api/account/phones/add`: also counted against the enrolment buckets (per client
/// address and per account), as the code checks that follow are.
async fn add_phone(
    State(s): State<WebState>,
    peer: Peer,
    headers: HeaderMap,
    body: Body<IgnoredAny>,
) -> Reply {
    let base = match s.base_url(&headers) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let client = s.limits.client(peer, &headers);
    let limits = std::sync::Arc::clone(&s.limits);
    signed_in_post(s, &headers, body, move |f, session, _| {
        if let Err(limited) = limits.enroll(client, &session.username) {
            tracing::warn!(username = ?session.username, "enrolment code refused: rate limit");
            return Reply::too_many(limited);
        }
        f.add_phone(session, &base)
    })
    .await
}

async fn rename_phone(
    State(s): State<WebState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body<RenamePhoneRequest>,
) -> Reply {
    signed_in_post(s, &headers, body, move |f, session, b| {
        f.rename_phone(session, &id, &b)
    })
    .await
}

async fn remove_phone(
    State(s): State<WebState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body<IgnoredAny>,
) -> Reply {
    signed_in_post(s, &headers, body, move |f, session, _| {
        match f.phone_by_id(&session.username, &id) {
            Ok(phone) => f.remove_phones(&session.username, &[phone]),
            Err(r) => r,
        }
    })
    .await
}

async fn remove_all(
    State(s): State<WebState>,
    headers: HeaderMap,
    body: Body<IgnoredAny>,
) -> Reply {
    signed_in_post(s, &headers, body, |f, session, _| {
        match f.phones_of(&session.username) {
            Ok(phones) => f.remove_phones(&session.username, &phones),
            Err(r) => r,
        }
    })
    .await
}

async fn signout_everywhere(
    State(s): State<WebState>,
    headers: HeaderMap,
    body: Body<IgnoredAny>,
) -> Reply {
    signed_in_post(s, &headers, body, |f, session, _| {
        f.signout_everywhere(session)
    })
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn status(r: Result<(), Reply>) -> Option<StatusCode> {
        use axum::response::IntoResponse as _;
        r.err().map(|r| r.into_response().status())
    }

    #[test]
    fn same_origin_requests_pass_cross_site_ones_are_refused() {
        let ok = [
            headers(&[]),
            headers(&[("host", "login.example.com")]),
            headers(&[("sec-fetch-site", "same-origin"), ("host", "a.example")]),
            headers(&[("sec-fetch-site", "none")]),
            headers(&[
                ("origin", "https://a.example:8443"),
                ("host", "A.example:8443"),
            ]),
            headers(&[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080"),
            ]),
        ];
        for h in ok {
            assert_eq!(status(same_origin(&h, None)), None, "{h:?}");
        }
        // Behind a proxy that rewrites Host: the public URL's host is this site too.
        let proxied = headers(&[
            ("origin", "https://login.example.com"),
            ("host", "10.0.0.5:8080"),
        ]);
        assert_eq!(
            status(same_origin(&proxied, None)),
            Some(StatusCode::FORBIDDEN)
        );
        let public = Some("https://login.example.com/uaf/");
        assert_eq!(status(same_origin(&proxied, public)), None);
        let evil = headers(&[
            ("origin", "https://evil.example"),
            ("host", "10.0.0.5:8080"),
        ]);
        assert_eq!(
            status(same_origin(&evil, public)),
            Some(StatusCode::FORBIDDEN)
        );
        let refused = [
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[("origin", "https://evil.example"), ("host", "a.example")]),
            headers(&[("origin", "null"), ("host", "a.example")]),
            headers(&[("origin", "https://a.example")]),
            headers(&[("origin", "https://a.example:1"), ("host", "a.example")]),
            headers(&[("origin", "https://a.example/x"), ("host", "a.example/x")]),
        ];
        for h in refused {
            assert_eq!(
                status(same_origin(&h, None)),
                Some(StatusCode::FORBIDDEN),
                "{h:?}"
            );
        }
    }

    #[test]
    fn hosts_and_public_urls_are_checked() {
        for good in [
            "a.example",
            "a.example:8443",
            "127.0.0.1:8080",
            "[::1]:8080",
            "[::1]",
        ] {
            assert!(valid_host(good), "{good}");
        }
        for bad in [
            "",
            "a.example:",
            "a.example:123456",
            "a b",
            "a.example/x",
            "evil.example@a",
            "[::1",
            "::1",
            "-a.example",
            "a.example:80x",
        ] {
            assert!(!valid_host(bad), "{bad}");
        }
        assert_eq!(
            public_base_url("https://login.example.com/uaf").unwrap(),
            "https://login.example.com/uaf/"
        );
        assert_eq!(
            public_base_url("HTTP://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080/"
        );
        for bad in [
            "login.example.com",
            "ftp://a.example/",
            "https://a.example/?x=1",
            "https://u@a.example/",
            "https:///x",
            "https://a b/",
        ] {
            assert!(public_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phone_ids_are_stable_short_and_distinct() {
        let a = phone_id("FA5E#0001", &[1; 32]);
        assert_eq!(a, phone_id("FA5E#0001", &[1; 32]));
        assert_eq!(a.len(), 22);
        assert_ne!(a, phone_id("FA5E#0001", &[2; 32]));
        assert_ne!(a, phone_id("FA5E#0002", &[1; 32]));
    }

    #[test]
    fn methods_are_described_with_their_factors() {
        let (text, factors) = describe_method("uaf-phone");
        assert!(text.contains("two factors"), "{text}");
        assert_eq!(factors, ["possession", "user-verification"]);
        let (text, factors) = describe_method("password");
        assert!(text.contains("one factor"), "{text}");
        assert_eq!(factors, ["knowledge"]);
        let (text, factors) = describe_method("password+code");
        assert!(text.contains("verification code") && text.contains("two factors"));
        assert_eq!(factors, ["knowledge", "possession"]);
        let (text, _) = describe_method("phone");
        assert!(text.contains("two factors"), "{text}");
        assert_eq!(describe_method("other").1, Vec::<String>::new());
    }

    #[test]
    fn phone_names_are_trimmed_bounded_and_printable() {
        assert_eq!(
            phone_name("  Work phone ").unwrap().as_deref(),
            Some("Work phone")
        );
        assert_eq!(phone_name("   ").unwrap(), None);
        assert!(phone_name(&"x".repeat(64)).is_ok());
        assert!(phone_name(&"x".repeat(65)).is_err());
        assert!(phone_name("a\u{7}b").is_err());
    }

    #[test]
    fn the_qr_code_is_a_self_contained_svg() {
        let svg = qr_svg(
            "uafphone://enroll?server=http%3A%2F%2F127.0.0.1%3A8080%2F&user=alice&code=ABCDEFGHJK",
        )
        .unwrap();
        assert!(svg.contains("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("href") && !svg.contains("<script") && !svg.contains("style"));
    }
}
