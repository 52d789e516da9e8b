//! The phone sign-in flow as plain synchronous functions over the database and
//! [`uaf_rp::Service`]; the HTTP layer (`super`) runs them on the blocking pool.
//!
//! Who may do what:
//!
//! | action | authenticated by |
//! |---|---|
//! | enrol a phone (`/phone/enroll/start`, `/phone/enroll/finish`) | a one-time invite code made by the operator (`uaf-server invite`), consumed at finish |
//! | list sign-ins, approve, decline (`/phone/…`) | the device token (`Authorization: Bearer`), bound to one account and key; an approval also by a verified UAF signature of that key |
//! | start a sign-in (`/api/signin/start`) | nobody (it only creates an expiring attempt no one else can collect) |
//! | watch, collect an attempt (`/api/signin/{id}`, `…/complete`) | the browser secret cookie set at start |
//! | `/api/me`, `/api/signout` | the session cookie |

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::Deserialize;
use serde_json::{Value, json};
use uaf_proto::registry::UserVerify;
use uaf_rp::store::CredentialStore;

use super::secret::{self, expired};
use crate::api::Shared;
use crate::store::{AnySignInStore, AttemptRow, AttemptState, DeviceRow, SessionRow};

/// The factors one phone approval proves.
pub(crate) const FACTORS: [&str; 2] = ["possession", "user-verification"];
/// The sign-in method of sessions made here.
pub(crate) const METHOD: &str = "uaf-phone";
/// How often the page polls, in milliseconds.
pub(crate) const POLL_MILLIS: u64 = 1000;
/// The browser secret cookie.
pub(crate) const SIGNIN_COOKIE: &str = "uaf_signin";
/// The session cookie.
pub(crate) const SESSION_COOKIE: &str = "uaf_session";
/// The longest user name accepted.
const MAX_USERNAME: usize = 128;

/// An answer: HTTP status, JSON body, `Set-Cookie` values.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) cookies: Vec<String>,
}

impl Reply {
    fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body,
            cookies: Vec::new(),
        }
    }

    pub(crate) fn error(status: u16, message: &str) -> Reply {
        Reply {
            status,
            body: json!({ "error": message }),
            cookies: Vec::new(),
        }
    }

    fn internal(what: &str, e: &dyn core::fmt::Display) -> Reply {
        tracing::error!(error = %e, "{what}");
        Reply::error(500, "internal error")
    }
}

/// What the flow needs besides the relying party.
#[derive(Clone, Debug)]
pub(crate) struct WebConfig {
    /// The normalised path prefix (cookie path).
    pub(crate) prefix: String,
    /// How long a session lives, in seconds.
    pub(crate) session_ttl_secs: u64,
    /// How long a sign-in attempt lives (the challenge lifetime), in seconds.
    pub(crate) attempt_ttl_secs: u64,
    /// Mark cookies `Secure` (behind a TLS-terminating proxy).
    pub(crate) secure_cookies: bool,
    /// The site name the phone shows.
    pub(crate) site: String,
}

/// The flow's state: the relying party with its stores, and the sign-in rows.
pub(crate) struct Flow {
    pub(crate) app: Shared,
    pub(crate) store: AnySignInStore,
    pub(crate) config: WebConfig,
}

/// `POST /phone/enroll/start`.
#[derive(Deserialize)]
pub(crate) struct EnrollStart {
    username: String,
    code: String,
}

/// `POST /phone/enroll/finish`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnrollFinish {
    username: String,
    code: String,
    uaf_response: String,
}

/// `POST /api/signin/start`.
#[derive(Deserialize)]
pub(crate) struct SignInStart {
    username: String,
}

/// `POST /phone/respond`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PhoneRespond {
    attempt: String,
    uaf_response: String,
}

/// `POST /phone/decline`.
#[derive(Deserialize)]
pub(crate) struct PhoneDecline {
    attempt: String,
}

/// A user name the flow accepts: 1 to 128 characters, no control characters, no spaces at
/// either end.
pub(crate) fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_USERNAME
        && !name.chars().any(char::is_control)
        && name.trim() == name
}

/// A generator seeded from the operating system for one request.
fn fresh_rng() -> Result<ChaCha20Rng, getrandom::Error> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)?;
    Ok(ChaCha20Rng::from_seed(seed))
}

/// `header.serverData` of the first message of a UAF request or response array.
fn server_data_of(message: &str) -> Option<String> {
    serde_json::from_str::<Value>(message)
        .ok()?
        .get(0)?
        .get("header")?
        .get("serverData")?
        .as_str()
        .map(str::to_owned)
}

/// Whether the metadata's user verification methods verify the *user* (more than presence;
/// a silent authenticator or presence alone proves possession only).
fn verifies_user(uv: UserVerify) -> bool {
    let not_user = UserVerify::PRESENCE.bits()
        | UserVerify::NONE.bits()
        | UserVerify::ALL.bits()
        | UserVerify::LOCATION.bits();
    uv.bits() & !not_user != 0
}

/// The value of cookie `name` in a `Cookie` header.
pub(crate) fn cookie<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

impl Flow {
    fn now(&self) -> u64 {
        (self.app.clock)()
    }

    fn set_cookie(&self, name: &str, value: &str, max_age: u64) -> String {
        let secure = if self.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        format!(
            "{name}={value}; Path={}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}",
            self.config.prefix
        )
    }

    fn clear_cookie(&self, name: &str) -> String {
        self.set_cookie(name, "", 0)
    }

    // -----------------------------------------------------------------------------------------
    // Enrolment (authenticated by the invite code)
    // -----------------------------------------------------------------------------------------

    /// Checks an invite code for `username` without consuming it.
    fn check_invite(&self, username: &str, code: &str) -> Result<[u8; 32], Reply> {
        let refused = || Reply::error(403, "invalid, used or expired invite code");
        let code = secret::normalise_invite_code(code);
        if code.len() != secret::INVITE_CODE_LEN || !valid_username(username) {
            return Err(refused());
        }
        let hash = secret::hash(&code);
        let row = self
            .store
            .find_invite(&hash)
            .map_err(|e| Reply::internal("invite lookup", &e))?
            .ok_or_else(refused)?;
        if row.username != username || expired(self.now(), row.expires_at) {
            return Err(refused());
        }
        Ok(hash)
    }

    /// `POST /phone/enroll/start {username, code}` → `{uafRequest}` (the code is checked, not
    /// consumed).
    pub(crate) fn enroll_start(&self, body: &EnrollStart) -> Reply {
        if let Err(r) = self.check_invite(&body.username, &body.code) {
            return r;
        }
        let mut rng = match fresh_rng() {
            Ok(r) => r,
            Err(e) => return Reply::internal("no OS randomness", &e),
        };
        match self
            .app
            .service
            .start_registration(&body.username, self.now(), &mut rng)
        {
            Ok(request) => Reply::ok(json!({ "uafRequest": request })),
            Err(e) => Reply::internal("registration request", &e),
        }
    }

    /// `POST /phone/enroll/finish {username, code, uafResponse}` → `{deviceToken, …}`: the
    /// code is consumed first (single use, even if the response then fails), the
    /// registration verified and stored, and a device token made.
    pub(crate) fn enroll_finish(&self, body: &EnrollFinish) -> Reply {
        let hash = match self.check_invite(&body.username, &body.code) {
            Ok(h) => h,
            Err(r) => return r,
        };
        // Atomic take: of two finishes with one code, one gets the invite.
        match self.store.take_invite(&hash) {
            Ok(Some(row)) if row.username == body.username => {}
            Ok(_) => return Reply::error(403, "invalid, used or expired invite code"),
            Err(e) => return Reply::internal("invite take", &e),
        }
        let now = self.now();
        let outcome = match self
            .app
            .service
            .finish_registration(&body.uaf_response, now)
        {
            Ok(o) => o,
            Err(e) => {
                tracing::debug!(error = %e, "enrolment response rejected");
                return Reply {
                    status: 400,
                    body: json!({
                        "error": format!("registration rejected: {e}"),
                        "statusCode": e.status(uaf_rp::StatusCodeMode::Specific).value(),
                    }),
                    cookies: Vec::new(),
                };
            }
        };
        let keys: Vec<&uaf_rp::Registration> =
            outcome.registered.iter().map(|k| &k.registration).collect();
        let Some(first) = keys.first() else {
            return Reply::error(400, "the registration response registered no key");
        };
        if keys.iter().any(|k| k.username != body.username) {
            // A response to a challenge issued for another account: undo.
            for k in &keys {
                if let Err(e) = self
                    .app
                    .service
                    .credentials()
                    .delete(&k.aaid, k.key_id.as_bytes())
                {
                    tracing::error!(error = %e, "cannot undo a foreign registration");
                }
            }
            return Reply::error(403, "the registration is not for this account");
        }
        let token = match secret::token() {
            Ok(t) => t,
            Err(e) => return Reply::internal("no OS randomness", &e),
        };
        if let Err(e) = self.store.put_device(
            &token.hash,
            &body.username,
            &first.aaid,
            first.key_id.as_bytes(),
            now,
        ) {
            return Reply::internal("device store", &e);
        }
        tracing::info!(username = body.username, aaid = %first.aaid, "phone enrolled");
        Reply::ok(json!({
            "deviceToken": token.text,
            "username": body.username,
            "aaid": first.aaid.as_str(),
            "keyID": uaf_proto::b64::encode(first.key_id.as_bytes()),
        }))
    }

    // -----------------------------------------------------------------------------------------
    // The phone (authenticated by the device token)
    // -----------------------------------------------------------------------------------------

    /// The phone of `Authorization: Bearer <device token>`: the token is looked up by its
    /// SHA-256 and compared in constant time.
    pub(crate) fn device(&self, authorization: Option<&str>) -> Result<DeviceRow, Reply> {
        let refused = || Reply::error(401, "a valid device token is required");
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| secret::is_token(t))
            .ok_or_else(refused)?;
        let hash = secret::hash(token);
        let device = self
            .store
            .find_device(&hash)
            .map_err(|e| Reply::internal("device lookup", &e))?
            .ok_or_else(refused)?;
        // The row was found by the hash; the explicit comparison is constant time.
        if !secret::matches(token, &hash) {
            return Err(refused());
        }
        Ok(device)
    }

    /// `GET /phone/notifications` → `{notifications: [{attempt, uafRequest, site, username,
    /// matchCode, createdAt, expiresAt}]}`: the pending sign-ins of the phone's account.
    pub(crate) fn notifications(&self, device: &DeviceRow) -> Reply {
        match self.store.pending_attempts(&device.username, self.now()) {
            Ok(list) => Reply::ok(json!({
                "notifications": list
                    .iter()
                    .map(|a| json!({
                        "attempt": a.id,
                        "uafRequest": a.request,
                        "site": self.config.site,
                        "username": a.username,
                        "matchCode": a.match_code,
                        "createdAt": a.created_at,
                        "expiresAt": a.expires_at,
                    }))
                    .collect::<Vec<_>>(),
            })),
            Err(e) => Reply::internal("attempt lookup", &e),
        }
    }

    /// The attempt `id` if it is the phone's account's and pending.
    fn owned_pending(&self, device: &DeviceRow, id: &str) -> Result<AttemptRow, Reply> {
        let attempt = self
            .store
            .attempt(id)
            .map_err(|e| Reply::internal("attempt lookup", &e))?;
        // Another account's attempt looks like an unknown one.
        let Some(attempt) = attempt.filter(|a| a.username == device.username) else {
            return Err(Reply::error(404, "no such sign-in for this phone"));
        };
        if attempt.state != AttemptState::Pending {
            return Err(Reply::error(409, "this sign-in is no longer waiting"));
        }
        if expired(self.now(), attempt.expires_at) {
            return Err(Reply::error(410, "this sign-in has expired"));
        }
        Ok(attempt)
    }

    /// `POST /phone/respond {attempt, uafResponse}`: the response must answer this attempt's
    /// challenge, verify (`Service::finish_authentication`: signature, single-use
    /// challenge, counter compare-and-swap) with the phone's own key, and then the attempt
    /// moves from pending to approved (compare-and-swap).
    pub(crate) fn respond(&self, device: &DeviceRow, body: &PhoneRespond) -> Reply {
        let attempt = match self.owned_pending(device, &body.attempt) {
            Ok(a) => a,
            Err(r) => return r,
        };
        let (Some(expected), Some(received)) = (
            attempt.server_data.as_deref(),
            server_data_of(&body.uaf_response),
        ) else {
            return Reply::error(400, "the response does not answer this sign-in");
        };
        if expected != received {
            return Reply::error(400, "the response does not answer this sign-in");
        }
        let now = self.now();
        let failed = |status: u16, message: String| {
            // The challenge is used up: the attempt cannot be approved any more.
            if let Err(e) = self.store.transition(
                &attempt.id,
                AttemptState::Pending,
                AttemptState::Failed,
                now,
            ) {
                tracing::error!(error = %e, "attempt transition");
            }
            Reply::error(status, &message)
        };
        let outcome = match self
            .app
            .service
            .finish_authentication(&body.uaf_response, now)
        {
            Ok(o) => o,
            Err(e) => {
                tracing::debug!(error = %e, "phone response rejected");
                return failed(400, format!("authentication rejected: {e}"));
            }
        };
        let own_key = |k: &uaf_rp::AuthenticatedKey| {
            k.registration.username == attempt.username
                && k.registration.aaid.to_uppercase().as_str() == device.aaid
                && k.registration.key_id.as_bytes() == device.key_id.as_slice()
        };
        if outcome.keys.is_empty() || !outcome.keys.iter().all(own_key) {
            return failed(403, String::from("the key that signed is not this phone's"));
        }
        if !outcome
            .keys
            .iter()
            .all(|k| verifies_user(k.user_verification))
        {
            return failed(
                403,
                String::from("the authenticator does not verify its user (one factor only)"),
            );
        }
        match self.store.transition(
            &attempt.id,
            AttemptState::Pending,
            AttemptState::Approved,
            now,
        ) {
            Ok(true) => {
                tracing::info!(username = attempt.username, "sign-in approved by phone");
                Reply::ok(json!({ "state": "approved" }))
            }
            Ok(false) => Reply::error(409, "this sign-in is no longer waiting"),
            Err(e) => Reply::internal("attempt transition", &e),
        }
    }

    /// `POST /phone/decline {attempt}`.
    pub(crate) fn decline(&self, device: &DeviceRow, body: &PhoneDecline) -> Reply {
        let attempt = match self.owned_pending(device, &body.attempt) {
            Ok(a) => a,
            Err(r) => return r,
        };
        match self.store.transition(
            &attempt.id,
            AttemptState::Pending,
            AttemptState::Declined,
            self.now(),
        ) {
            Ok(true) => {
                tracing::info!(username = attempt.username, "sign-in declined by phone");
                Reply::ok(json!({ "state": "declined" }))
            }
            Ok(false) => Reply::error(409, "this sign-in is no longer waiting"),
            Err(e) => Reply::internal("attempt transition", &e),
        }
    }

    // -----------------------------------------------------------------------------------------
    // The browser
    // -----------------------------------------------------------------------------------------

    /// `POST /api/signin/start {username}` → `{attempt, matchCode, expiresAt, pollMillis}` and
    /// the browser secret cookie. An unknown user (or one without keys) gets the same answer;
    /// no phone will ever see that attempt, so it expires.
    pub(crate) fn signin_start(&self, body: &SignInStart) -> Reply {
        if !valid_username(&body.username) {
            return Reply::error(400, "enter a user name");
        }
        let now = self.now();
        let (id, browser, match_code) =
            match (secret::token(), secret::token(), secret::match_code()) {
                (Ok(i), Ok(b), Ok(m)) => (i, b, m),
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                    return Reply::internal("no OS randomness", &e);
                }
            };
        let has_keys = match self.app.service.credentials().list_by_user(&body.username) {
            Ok(keys) => !keys.is_empty(),
            Err(e) => return Reply::internal("key lookup", &e),
        };
        let request = if has_keys {
            let mut rng = match fresh_rng() {
                Ok(r) => r,
                Err(e) => return Reply::internal("no OS randomness", &e),
            };
            match self.app.service.start_authentication(
                Some(&body.username),
                Vec::new(),
                now,
                &mut rng,
            ) {
                Ok(r) => Some(r),
                Err(e) => return Reply::internal("authentication request", &e),
            }
        } else {
            None
        };
        let expires_at = now.saturating_add(self.config.attempt_ttl_secs);
        let row = AttemptRow::new(
            id.text.clone(),
            body.username.clone(),
            browser.hash.to_vec(),
            request.as_deref().and_then(server_data_of),
            request,
            match_code.clone(),
            now,
            expires_at,
        );
        if let Err(e) = self.store.put_attempt(&row) {
            return Reply::internal("attempt store", &e);
        }
        Reply {
            status: 200,
            body: json!({
                "attempt": id.text,
                "matchCode": match_code,
                "expiresAt": expires_at,
                "pollMillis": POLL_MILLIS,
            }),
            cookies: vec![self.set_cookie(
                SIGNIN_COOKIE,
                &browser.text,
                self.config.attempt_ttl_secs,
            )],
        }
    }

    /// The attempt `id` if the browser secret cookie belongs to it (constant-time).
    fn browser_attempt(&self, id: &str, cookies: Option<&str>) -> Result<AttemptRow, Reply> {
        let unknown = || Reply::error(404, "no such sign-in in this browser");
        let browser = cookie(cookies, SIGNIN_COOKIE)
            .filter(|t| secret::is_token(t))
            .ok_or_else(unknown)?;
        if !secret::is_token(id) {
            return Err(unknown());
        }
        let attempt = self
            .store
            .attempt(id)
            .map_err(|e| Reply::internal("attempt lookup", &e))?
            .ok_or_else(unknown)?;
        if !secret::matches(browser, &attempt.browser_hash) {
            return Err(unknown());
        }
        Ok(attempt)
    }

    /// What the page shows of an attempt.
    fn visible_state(&self, a: &AttemptRow) -> &'static str {
        match a.state {
            AttemptState::Pending | AttemptState::Approved if expired(self.now(), a.expires_at) => {
                "expired"
            }
            s => s.as_str(),
        }
    }

    /// `GET /api/signin/{id}` (with the browser cookie) → `{state, matchCode}`: `pending`,
    /// `approved`, `declined`, `failed`, `expired` or `consumed`.
    pub(crate) fn signin_status(&self, id: &str, cookies: Option<&str>) -> Reply {
        match self.browser_attempt(id, cookies) {
            Ok(a) => Reply::ok(json!({
                "state": self.visible_state(&a),
                "matchCode": a.match_code,
            })),
            Err(r) => r,
        }
    }

    /// `POST /api/signin/{id}/complete` (with the browser cookie) → a session cookie and
    /// `{username, factors, method}`; the attempt is consumed (single use).
    pub(crate) fn signin_complete(&self, id: &str, cookies: Option<&str>) -> Reply {
        let attempt = match self.browser_attempt(id, cookies) {
            Ok(a) => a,
            Err(r) => return r,
        };
        let state = self.visible_state(&attempt);
        if state != "approved" {
            return Reply {
                status: 409,
                body: json!({ "error": "this sign-in is not approved", "state": state }),
                cookies: Vec::new(),
            };
        }
        let session = match secret::token() {
            Ok(s) => s,
            Err(e) => return Reply::internal("no OS randomness", &e),
        };
        let now = self.now();
        let row = SessionRow {
            username: attempt.username.clone(),
            method: String::from(METHOD),
            created_at: now,
            expires_at: now.saturating_add(self.config.session_ttl_secs),
        };
        match self
            .store
            .consume_into_session(&attempt.id, now, &session.hash, &row)
        {
            Ok(true) => {}
            Ok(false) => {
                return Reply {
                    status: 409,
                    body: json!({ "error": "this sign-in was already used or expired" }),
                    cookies: Vec::new(),
                };
            }
            Err(e) => return Reply::internal("session store", &e),
        }
        tracing::info!(username = row.username, "signed in with a phone");
        Reply {
            status: 200,
            body: json!({
                "username": row.username,
                "factors": FACTORS,
                "method": METHOD,
                "expiresAt": row.expires_at,
            }),
            cookies: vec![
                self.set_cookie(SESSION_COOKIE, &session.text, self.config.session_ttl_secs),
                self.clear_cookie(SIGNIN_COOKIE),
            ],
        }
    }

    /// The session of the session cookie, if valid.
    fn session(&self, cookies: Option<&str>) -> Result<Option<([u8; 32], SessionRow)>, Reply> {
        let Some(text) = cookie(cookies, SESSION_COOKIE).filter(|t| secret::is_token(t)) else {
            return Ok(None);
        };
        let hash = secret::hash(text);
        let row = self
            .store
            .session(&hash)
            .map_err(|e| Reply::internal("session lookup", &e))?;
        Ok(row
            .filter(|_| secret::matches(text, &hash))
            .filter(|s| !expired(self.now(), s.expires_at))
            .map(|s| (hash, s)))
    }

    /// `GET /api/me` → `{username, factors, method, expiresAt}`, or 401.
    pub(crate) fn me(&self, cookies: Option<&str>) -> Reply {
        match self.session(cookies) {
            Ok(Some((_, s))) => Reply::ok(json!({
                "username": s.username,
                "factors": FACTORS,
                "method": s.method,
                "expiresAt": s.expires_at,
            })),
            Ok(None) => Reply::error(401, "not signed in"),
            Err(r) => r,
        }
    }

    /// `POST /api/signout`: deletes the cookie's session (nothing else changes).
    pub(crate) fn signout(&self, cookies: Option<&str>) -> Reply {
        let signed_out = match self.session(cookies) {
            Ok(Some((hash, _))) => match self.store.delete_session(&hash) {
                Ok(b) => b,
                Err(e) => return Reply::internal("session delete", &e),
            },
            Ok(None) => false,
            Err(r) => return r,
        };
        Reply {
            status: 200,
            body: json!({ "signedOut": signed_out }),
            cookies: vec![self.clear_cookie(SESSION_COOKIE)],
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let h = Some("a=1; uaf_signin=xyz; uaf_signin_other=no");
        assert_eq!(cookie(h, "uaf_signin"), Some("xyz"));
        assert_eq!(cookie(h, "uaf"), None);
        assert_eq!(cookie(None, "a"), None);
    }

    #[test]
    fn usernames_are_checked() {
        assert!(valid_username("alice"));
        assert!(valid_username("alice@example.com"));
        assert!(!valid_username(""));
        assert!(!valid_username(" alice"));
        assert!(!valid_username("al\nice"));
        assert!(!valid_username(&"a".repeat(129)));
    }

    #[test]
    fn presence_alone_is_not_user_verification() {
        assert!(verifies_user(UserVerify::PASSCODE));
        assert!(verifies_user(UserVerify(
            UserVerify::FINGERPRINT.bits() | UserVerify::PRESENCE.bits()
        )));
        assert!(!verifies_user(UserVerify::PRESENCE));
        assert!(!verifies_user(UserVerify::NONE));
    }

    #[test]
    fn server_data_is_read_from_the_first_message() {
        let m = r#"[{"header":{"serverData":"abc","op":"Auth"}}]"#;
        assert_eq!(server_data_of(m).as_deref(), Some("abc"));
        assert_eq!(server_data_of("[]"), None);
        assert_eq!(server_data_of("not json"), None);
    }
}
