//! # uaf-signin-api — the bodies of phone sign-in, typed once
//!
//! The JSON request and answer bodies of `uaf-server`'s phone sign-in endpoints (the
//! browser's `api/…` and the phone's `phone/…`), and the `context` of its conformance API's
//! `POST get`, as serde types. The server deserialises what it receives and serialises what
//! it answers with these; `uaf-phone` does the reverse with the same types, so the two sides
//! cannot disagree on a member name.
//!
//! **For**: the server, the phone, and anyone writing another client of the same endpoints.
//! **Not for**: the UAF messages themselves (`uaf-proto` parses those strictly), or the
//! conformance API's envelopes (`uaf_proto::message::{GetUafRequest, SendUafResponse}`).
//!
//! The types are plain data with public fields (a wire format: adding a member is a change
//! of the protocol between server and phone, made in both at once). Unknown members of a
//! received body are ignored. Endpoint paths, relative to the server's prefix, are in
//! [`path`].
//!
//! ## Features
//! None; std and serde only.
//!
//! ## Example
//! ```
//! use uaf_signin_api::{SignInStartAnswer, SignInStartRequest};
//!
//! let request = SignInStartRequest { username: "alice".into() };
//! let text = serde_json::to_string(&request)?;
//! assert_eq!(text, r#"{"username":"alice"}"#);
//! let answer: SignInStartAnswer = serde_json::from_str(
//!     r#"{"attempt":"A","matchCode":"42","expiresAt":1,"pollMillis":1000}"#,
//! )?;
//! assert_eq!(answer.match_code, "42");
//! # Ok::<(), serde_json::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use serde::{Deserialize, Serialize};

/// The endpoint paths, relative to the server's prefix (`/` or `/x/`): the server mounts
/// `{prefix}{path}`, a client calls `{base}/{path}`.
pub mod path {
    /// `POST`: [`SignInStartRequest`](crate::SignInStartRequest) →
    /// [`SignInStartAnswer`](crate::SignInStartAnswer) + the browser secret cookie.
    pub const SIGNIN_START: &str = "api/signin/start";
    /// `GET api/signin/{id}`: [`SignInStatus`](crate::SignInStatus) (browser cookie).
    pub const SIGNIN_STATUS: &str = "api/signin/{id}";
    /// `POST api/signin/{id}/complete`: [`Session`](crate::Session) + the session cookie.
    pub const SIGNIN_COMPLETE: &str = "api/signin/{id}/complete";
    /// `GET`: [`Session`](crate::Session) of the session cookie.
    pub const ME: &str = "api/me";
    /// `POST`: [`SignedOut`](crate::SignedOut).
    pub const SIGNOUT: &str = "api/signout";
    /// `POST`: [`EnrollStartRequest`](crate::EnrollStartRequest) →
    /// [`EnrollStartAnswer`](crate::EnrollStartAnswer).
    pub const ENROLL_START: &str = "phone/enroll/start";
    /// `POST`: [`EnrollFinishRequest`](crate::EnrollFinishRequest) →
    /// [`EnrollFinishAnswer`](crate::EnrollFinishAnswer).
    pub const ENROLL_FINISH: &str = "phone/enroll/finish";
    /// `GET` (device token): [`Notifications`](crate::Notifications). As a long poll with
    /// `?since=CURSOR&wait=SECS`: answered as soon as the pending list differs from the one
    /// `CURSOR` (a [`Notifications::cursor`](crate::Notifications::cursor)) names, or after at most `SECS` (bounded by the
    /// server) with the list as it is.
    pub const NOTIFICATIONS: &str = "phone/notifications";
    /// `GET` (device token): the phone's push stream, Server-Sent Events
    /// (`text/event-stream`): one [`event::ATTEMPT`](crate::event::ATTEMPT) per sign-in to show
    /// ([`Notification`](crate::Notification)), one [`event::WITHDRAWN`](crate::event::WITHDRAWN) per prompt to take
    /// down ([`Withdrawal`](crate::Withdrawal)), [`event::READY`](crate::event::READY) once the sign-ins pending at
    /// (re)connection are sent ([`StreamReady`](crate::StreamReady)). Every event's `id` is
    /// the stream's cursor: reconnect with it as `Last-Event-ID` and the stream sends only
    /// what changed since (no sign-in lost, none twice).
    pub const PHONE_EVENTS: &str = "phone/events";
    /// `GET api/signin/{id}/events` (browser cookie): the attempt's state as Server-Sent
    /// Events, one [`event::STATE`](crate::event::STATE) ([`SignInStatus`](crate::SignInStatus)) at connection
    /// and at each change; the stream ends after the first state that is not `pending`.
    pub const SIGNIN_EVENTS: &str = "api/signin/{id}/events";
    /// `POST` (device token): [`PhoneRespondRequest`](crate::PhoneRespondRequest) →
    /// [`AttemptAnswer`](crate::AttemptAnswer).
    pub const PHONE_RESPOND: &str = "phone/respond";
    /// `POST` (device token): [`PhoneDeclineRequest`](crate::PhoneDeclineRequest) →
    /// [`AttemptAnswer`](crate::AttemptAnswer).
    pub const PHONE_DECLINE: &str = "phone/decline";
    /// `POST` (device token): [`PhoneReportRequest`](crate::PhoneReportRequest) →
    /// [`AttemptAnswer`](crate::AttemptAnswer): what happened on the phone (a wrong number,
    /// a wrong PIN, "it's not me").
    pub const PHONE_REPORT: &str = "phone/report";
    /// `POST api/signin/{id}/cancel` (browser cookie, body `{}`):
    /// [`AttemptAnswer`](crate::AttemptAnswer) — the page's Cancel ends the attempt; it
    /// leaves every phone's list.
    pub const SIGNIN_CANCEL: &str = "api/signin/{id}/cancel";
    /// `POST` (device token, empty body): the phone removes itself from its account →
    /// [`PhoneDeregisterAnswer`](crate::PhoneDeregisterAnswer). The server deletes the
    /// phone's registration and device token; the phone then deletes its key.
    pub const PHONE_DEREGISTER: &str = "phone/deregister";
    /// `POST`: [`PasswordSignInRequest`](crate::PasswordSignInRequest) →
    /// [`PasswordSignInAnswer`](crate::PasswordSignInAnswer) (+ the session cookie, or the
    /// browser secret cookie of the second step). A wrong password and an unknown user get
    /// the same 401 answer.
    pub const PASSWORD_SIGNIN: &str = "api/password/signin";
    /// `POST api/password/{id}/code` (browser cookie):
    /// [`VerificationCodeRequest`](crate::VerificationCodeRequest) →
    /// [`Session`](crate::Session) + the session cookie: the second step by a verification
    /// code.
    pub const PASSWORD_CODE: &str = "api/password/{id}/code";
    /// `POST api/password/{id}/complete` (browser cookie, approved on the phone):
    /// [`Session`](crate::Session) + the session cookie: the second step by the phone.
    pub const PASSWORD_COMPLETE: &str = "api/password/{id}/complete";
    /// `POST`: [`AccountCreateRequest`](crate::AccountCreateRequest) →
    /// [`Session`](crate::Session) + the session cookie: a person makes their account's
    /// password with an operator's invite.
    pub const ACCOUNT_CREATE: &str = "api/account/create";
    /// `GET` (session cookie): [`TwoStepAnswer`](crate::TwoStepAnswer); `POST`
    /// [`TwoStepRequest`](crate::TwoStepRequest) → [`TwoStepAnswer`](crate::TwoStepAnswer).
    pub const TWO_STEP: &str = "api/account/two-step";
    /// `GET`: the account page (HTML), for a signed-in person.
    pub const ACCOUNT_PAGE: &str = "account";
    /// `GET` (session cookie): [`Account`](crate::Account), everything the account page
    /// shows.
    pub const ACCOUNT: &str = "api/account";
    /// `POST` (session cookie, `{}`): a one-time enrolment code for a new phone of the
    /// signed-in account → [`AddPhoneAnswer`](crate::AddPhoneAnswer) (with its QR code).
    pub const ACCOUNT_ADD_PHONE: &str = "api/account/phones/add";
    /// `POST api/account/phones/{id}/name` (session cookie):
    /// [`RenamePhoneRequest`](crate::RenamePhoneRequest) → [`PhoneInfo`](crate::PhoneInfo).
    pub const ACCOUNT_PHONE_NAME: &str = "api/account/phones/{id}/name";
    /// `POST api/account/phones/{id}/remove` (session cookie, `{}`): removes one phone →
    /// [`PhonesRemoved`](crate::PhonesRemoved).
    pub const ACCOUNT_PHONE_REMOVE: &str = "api/account/phones/{id}/remove";
    /// `POST` (session cookie, `{}`): "Turn off phone sign-in", removes every phone of the
    /// account → [`PhonesRemoved`](crate::PhonesRemoved).
    pub const ACCOUNT_PHONES_REMOVE_ALL: &str = "api/account/phones/remove-all";
    /// `POST` (session cookie, `{}`): deletes every session of the account →
    /// [`SignedOutEverywhere`](crate::SignedOutEverywhere).
    pub const SIGNOUT_EVERYWHERE: &str = "api/account/signout-everywhere";
    /// `GET`: [`Health`](crate::Health).
    pub const HEALTH: &str = "healthz";
    /// `GET`: the trusted facet list (`application/fido.trusted-apps+json`).
    pub const FACETS: &str = "facets.json";
    /// `POST` (conformance API): `GetUAFRequest` → `ReturnUAFRequest`.
    pub const CONFORMANCE_GET: &str = "get";
    /// `POST` (conformance API): `SendUAFResponse` → `ServerResponse`.
    pub const CONFORMANCE_RESPOND: &str = "respond";
}

/// The event names (`event:` field) of the Server-Sent Event streams
/// ([`path::PHONE_EVENTS`], [`path::SIGNIN_EVENTS`]); each event's `data` is one JSON object.
pub mod event {
    /// A sign-in to show on the phone: [`Notification`](crate::Notification).
    pub const ATTEMPT: &str = "attempt";
    /// A sign-in no longer waiting (answered, declined, cancelled, superseded, expired): take
    /// its prompt down. [`Withdrawal`](crate::Withdrawal).
    pub const WITHDRAWN: &str = "withdrawn";
    /// Every sign-in pending at (re)connection has been sent: [`StreamReady`](crate::StreamReady).
    pub const READY: &str = "ready";
    /// The page's attempt, now: [`SignInStatus`](crate::SignInStatus).
    pub const STATE: &str = "state";
}

/// Where a sign-in attempt is, as the browser and the phone see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SignInState {
    /// Waiting for the phone.
    Pending,
    /// Approved by the phone; the browser may complete it.
    Approved,
    /// Declined on the phone.
    Declined,
    /// The phone's answer was refused after its challenge was used.
    Failed,
    /// Not approved, or not completed, in time.
    Expired,
    /// Completed: a session was made from it.
    Consumed,
    /// Cancelled on the sign-in page.
    Cancelled,
    /// Denied on the phone as "it's not me" (reported as suspicious).
    Denied,
}

impl SignInState {
    /// The wire name (`"pending"`, …).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            SignInState::Pending => "pending",
            SignInState::Approved => "approved",
            SignInState::Declined => "declined",
            SignInState::Failed => "failed",
            SignInState::Expired => "expired",
            SignInState::Consumed => "consumed",
            SignInState::Cancelled => "cancelled",
            SignInState::Denied => "denied",
        }
    }
}

/// Every refusal: HTTP 4xx/5xx with `{"error": …}` and, where it helps, more.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorAnswer {
    /// What went wrong, for a person.
    pub error: String,
    /// The UAF status of a rejected UAF response (enrolment), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// The attempt's state, when the refusal is about it (completing a sign-in that is not
    /// approved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SignInState>,
}

impl ErrorAnswer {
    /// `{"error": message}`.
    #[must_use]
    pub fn new(message: impl Into<String>) -> ErrorAnswer {
        ErrorAnswer {
            error: message.into(),
            status_code: None,
            state: None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

/// `POST api/signin/start`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInStartRequest {
    /// The account to sign in to.
    pub username: String,
}

/// The answer of `POST api/signin/start` (with the browser secret cookie).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInStartAnswer {
    /// The attempt's identifier (for `api/signin/{id}`).
    pub attempt: String,
    /// The two-digit code the phone shows too.
    pub match_code: String,
    /// The last second the attempt can be approved (unix seconds).
    pub expires_at: u64,
    /// How often to poll `api/signin/{id}`, in milliseconds.
    pub poll_millis: u64,
}

/// The answer of `GET api/signin/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInStatus {
    /// Where the attempt is.
    pub state: SignInState,
    /// The two-digit code.
    pub match_code: String,
    /// What the phone last reported about this attempt while it waits (a wrong number, a
    /// wrong PIN), for the page to say. Absent: nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportKind>,
    /// The last second the attempt can be approved (unix seconds), for the page's countdown
    /// (against the server's clock: the `Date` header of the answers).
    #[serde(default)]
    pub expires_at: u64,
}

/// A signed-in session: the answer of `POST api/signin/{id}/complete` and `GET api/me`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The account.
    pub username: String,
    /// The factors the sign-in proved (`possession`, `user-verification`).
    pub factors: Vec<String>,
    /// How the session was made (`uaf-phone`).
    pub method: String,
    /// The last second the session is valid (unix seconds).
    pub expires_at: u64,
}

/// The answer of `POST api/signout`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedOut {
    /// Whether a session was deleted.
    pub signed_out: bool,
}

// ---------------------------------------------------------------------------------------------
// Passwords and two-step verification
// ---------------------------------------------------------------------------------------------

/// `POST api/password/signin`. `Debug` does not show the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordSignInRequest {
    /// The account.
    pub username: String,
    /// The password.
    pub password: String,
}

impl core::fmt::Debug for PasswordSignInRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PasswordSignInRequest")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The answer of a right password: signed in, or a second step to take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "next", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PasswordSignInAnswer {
    /// Signed in (no two-step verification: one factor).
    SignedIn {
        /// The session.
        session: Session,
    },
    /// Two-step verification is on: approve on the phone or type a verification code.
    SecondStep(SecondStep),
}

/// The second step of a password sign-in (with the browser secret cookie).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecondStep {
    /// The attempt (for `api/signin/{id}` polling, `api/password/{id}/code` and
    /// `api/password/{id}/complete`).
    pub attempt: String,
    /// The code the phone shows too (when `phone`).
    pub match_code: String,
    /// The last second the step can be taken (unix seconds).
    pub expires_at: u64,
    /// How often to poll `api/signin/{id}`, in milliseconds.
    pub poll_millis: u64,
    /// Whether the account's phones were asked to approve.
    pub phone: bool,
    /// Whether a verification code is accepted.
    pub code: bool,
}

/// `POST api/password/{id}/code`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationCodeRequest {
    /// The code the phone app shows (6 digits).
    pub code: String,
}

/// `POST api/account/create`: an invite code makes the account's password. `Debug` shows
/// neither the code nor the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCreateRequest {
    /// The account (the invite's).
    pub username: String,
    /// The one-time invite code (consumed).
    pub code: String,
    /// The password chosen.
    pub password: String,
}

impl core::fmt::Debug for AccountCreateRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AccountCreateRequest")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// `POST api/account/two-step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepRequest {
    /// Turn two-step verification on (`true`) or off.
    pub enabled: bool,
}

/// The answer of `GET`/`POST api/account/two-step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TwoStepAnswer {
    /// Whether a password sign-in needs a second step.
    pub enabled: bool,
    /// Whether the account has verification codes (a phone was enrolled, so its app shows
    /// them); two-step verification can be turned on only then.
    pub codes_available: bool,
}

// ---------------------------------------------------------------------------------------------
// The phone
// ---------------------------------------------------------------------------------------------

/// `POST phone/enroll/start`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollStartRequest {
    /// The account.
    pub username: String,
    /// The one-time invite code.
    pub code: String,
}

/// The answer of `POST phone/enroll/start`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollStartAnswer {
    /// The UAF registration request to answer.
    pub uaf_request: String,
}

/// `POST phone/enroll/finish`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollFinishRequest {
    /// The account.
    pub username: String,
    /// The one-time invite code (consumed).
    pub code: String,
    /// The UAF registration response.
    pub uaf_response: String,
}

/// The answer of `POST phone/enroll/finish`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollFinishAnswer {
    /// The phone's bearer token for `phone/…` (shown once; the server keeps its SHA-256).
    pub device_token: String,
    /// The account.
    pub username: String,
    /// The AAID of the key registered.
    pub aaid: String,
    /// The KeyID registered (base64url).
    #[serde(rename = "keyID")]
    pub key_id: String,
    /// The shared secret of the account's verification codes (RFC 6238), when the server
    /// offers them: the phone shows a code for the account from it, for a password sign-in's
    /// second step when the phone is offline. Absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<VerificationCodeSetup>,
}

/// How the phone makes an account's verification codes (RFC 6238 TOTP).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationCodeSetup {
    /// The shared secret, RFC 4648 base32 without padding (as in `otpauth://` URIs).
    pub secret: String,
    /// The HMAC hash: `SHA1` (RFC 6238's default, what authenticator apps expect).
    pub algorithm: String,
    /// Digits per code (6).
    pub digits: u8,
    /// The time step in seconds (30).
    pub period_secs: u64,
}

/// One sign-in waiting for the phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The attempt's identifier.
    pub attempt: String,
    /// The UAF authentication request to answer.
    pub uaf_request: String,
    /// The site (host of the AppID).
    pub site: String,
    /// The account.
    pub username: String,
    /// The code the sign-in page shows too.
    pub match_code: String,
    /// When the sign-in started (unix seconds).
    pub created_at: u64,
    /// The last second it can be approved (unix seconds).
    pub expires_at: u64,
    /// Where the sign-in comes from, to tell an attempt the person did not start. Absent
    /// from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<AttemptContext>,
}

/// Where a sign-in attempt comes from: what the browser said of itself and its address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptContext {
    /// The browser and its operating system, from its `User-Agent` (`Chrome on Linux`).
    pub browser: String,
    /// The client's IP address as the server saw it.
    pub address: String,
}

impl Notification {
    /// A one-line summary for a list: `Sign in to <site> as <user> (<browser>, <address>)`.
    /// The number is never part of it: the person types it from the sign-in page.
    #[must_use]
    pub fn prompt(&self) -> String {
        match &self.context {
            Some(c) => format!(
                "Sign in to {} as {} ({}, {})",
                self.site, self.username, c.browser, c.address
            ),
            None => format!("Sign in to {} as {}", self.site, self.username),
        }
    }
}

/// The line the phone appends to the transaction text it shows, with the number the person
/// typed: what it signs is [`confirmed_text`].
pub const NUMBER_LINE: &str = "\nNumber: ";

/// The text the phone's authenticator confirms and signs (its SHA-256 is the assertion's
/// transaction content hash): the text shown, then [`NUMBER_LINE`] and the typed number.
/// The server verifies the hash against this text made with **its** number for the attempt,
/// so a signature binds the number typed.
///
/// ```
/// assert_eq!(
///     uaf_signin_api::confirmed_text("Sign in to example.com as alice?", "42"),
///     "Sign in to example.com as alice?\nNumber: 42"
/// );
/// ```
#[must_use]
pub fn confirmed_text(shown: &str, number: &str) -> String {
    format!("{shown}{NUMBER_LINE}{number}")
}

/// What the phone reports about an attempt (`POST phone/report`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ReportKind {
    /// The person typed a number that is not the page's: refused on the phone, nothing
    /// signed. The attempt stays pending (the page says so); the third one ends it.
    WrongNumber,
    /// The PIN was wrong: nothing signed, the person may try again (up to the
    /// authenticator's lockout). The attempt stays pending.
    WrongPin,
    /// "No, it's not me": the attempt ends as denied, a security event is recorded, and new
    /// phone sign-ins of the account pause for a while.
    NotMe,
}

impl ReportKind {
    /// The wire name (`wrong-number`, `wrong-pin`, `not-me`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ReportKind::WrongNumber => "wrong-number",
            ReportKind::WrongPin => "wrong-pin",
            ReportKind::NotMe => "not-me",
        }
    }

    /// The kind of a wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<ReportKind> {
        [
            ReportKind::WrongNumber,
            ReportKind::WrongPin,
            ReportKind::NotMe,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// `POST phone/report`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneReportRequest {
    /// The attempt reported on.
    pub attempt: String,
    /// What happened.
    pub kind: ReportKind,
}

/// The answer of `GET phone/notifications`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifications {
    /// The pending sign-ins of the phone's account, newest first.
    pub notifications: Vec<Notification>,
    /// The prompts to take down: the sign-ins of the `since` cursor that are no longer
    /// pending (long poll only; empty otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<Withdrawal>,
    /// Names this list of pending sign-ins: pass it back as `since` to wait for a change.
    /// Opaque to the phone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cursor: String,
    /// UAF deregistration requests for this phone's key, queued when the phone was removed
    /// from its account (on the account page, or by the operator). The phone hands each to
    /// its authenticator (which deletes the key) and forgets the account; the server answers
    /// them once, and the phone's token stops working after that answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deregistrations: Vec<Deregistration>,
}

/// A sign-in whose prompt the phone takes down: it is no longer waiting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// The attempt.
    pub attempt: String,
    /// Where it went (`approved`, `declined`, `failed`, `expired`, `consumed`, …).
    pub state: SignInState,
}

/// The [`event::READY`] event of the phone's stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamReady {
    /// How many sign-ins are pending (shown) now.
    pub pending: usize,
}

/// A queued deregistration, delivered in [`Notifications`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deregistration {
    /// The UAF deregistration request message (a JSON array text, digest §3.6).
    pub uaf_request: String,
}

/// The answer of `POST phone/deregister`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneDeregisterAnswer {
    /// Whether the server deleted a registration (false: it was already gone).
    pub deregistered: bool,
}

/// `POST phone/respond`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneRespondRequest {
    /// The attempt answered.
    pub attempt: String,
    /// The UAF authentication response.
    pub uaf_response: String,
}

/// `POST phone/decline`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneDeclineRequest {
    /// The attempt declined.
    pub attempt: String,
}

/// The answer of `POST phone/respond`, `phone/decline`, `phone/report` and
/// `api/signin/{id}/cancel`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptAnswer {
    /// The attempt's state now (`approved`, `declined`, `denied`, `cancelled`, or `pending`
    /// after a report that does not end it).
    pub state: SignInState,
}

// ---------------------------------------------------------------------------------------------
// The account page
// ---------------------------------------------------------------------------------------------

/// The answer of `GET api/account`: who is signed in and how, the account's phones, and the
/// number of its sessions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The account.
    pub username: String,
    /// How this session was made (`uaf-phone`, …).
    pub method: String,
    /// The same for a person: "your phone (two factors in one approval)", …
    pub method_description: String,
    /// The factors this session's sign-in proved (`possession`, `user-verification`,
    /// `knowledge`).
    pub factors: Vec<String>,
    /// When this session was made (unix seconds).
    pub signed_in_at: u64,
    /// The last second this session is valid (unix seconds).
    pub expires_at: u64,
    /// The account's sessions still valid, this one included.
    pub sessions: u64,
    /// The account's phones, oldest first.
    pub phones: Vec<PhoneInfo>,
    /// The account's recent sign-in activity, newest first: sign-ins and their declined and
    /// failed attempts (at most 20).
    #[serde(default)]
    pub activity: Vec<ActivityInfo>,
}

/// One sign-in event of the account, as the account page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityInfo {
    /// When (unix seconds).
    pub at: u64,
    /// How (`phone`, `password`, `password+phone`, `password+code`).
    pub method: String,
    /// The same for a person ("Password and verification code").
    pub method_description: String,
    /// The browser, read from its `User-Agent` ("Firefox 128 on Linux"); absent when none was
    /// recorded (an answer on the phone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// The client's IP address; absent when none was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    /// What came of it (`signed-in`, `declined`, `failed`, `expired`, `wrong-password`, …).
    pub outcome: String,
    /// The same for a person ("Declined on the phone").
    pub outcome_description: String,
    /// Whether it made a session.
    pub signed_in: bool,
    /// More, for a person, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One phone of the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneInfo {
    /// The phone's identifier on the account page (for renaming and removing it; not a
    /// secret, and meaningful only with the account's session).
    pub id: String,
    /// The name the person gave it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The model: the description of its authenticator's metadata statement (the AAID when
    /// the server has no statement for it any more).
    pub model: String,
    /// The AAID of its authenticator.
    pub aaid: String,
    /// When it was added (unix seconds).
    pub added_at: u64,
    /// When it last approved a sign-in (unix seconds), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<u64>,
}

/// The answer of `POST api/account/phones/add`: a one-time enrolment code for a new phone,
/// as text and as the QR code of its [`EnrollLink`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddPhoneAnswer {
    /// The one-time code (to type into the phone).
    pub code: String,
    /// The server URL the phone enrols with.
    pub server: String,
    /// The account.
    pub username: String,
    /// The [`EnrollLink`] text: what the QR code holds.
    pub link: String,
    /// The QR code of `link`, an SVG document (made by the server; no external references).
    pub qr_svg: String,
    /// The last second the code is valid (unix seconds).
    pub expires_at: u64,
}

/// `POST api/account/phones/{id}/name`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenamePhoneRequest {
    /// The new name (surrounding spaces dropped; empty clears it; at most 64 characters, no
    /// control characters).
    pub name: String,
}

/// The answer of removing phones (`api/account/phones/{id}/remove`, `…/remove-all`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhonesRemoved {
    /// How many phones were removed (their keys deleted on the server; each phone is told to
    /// delete its key at its next contact).
    pub removed: u64,
}

/// The answer of `POST api/account/signout-everywhere`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOutEverywhere {
    /// How many sessions were deleted (this one included).
    pub sessions: u64,
}

// ---------------------------------------------------------------------------------------------
// The enrolment link (the account page's QR code)
// ---------------------------------------------------------------------------------------------

/// Everything a phone needs to enrol, as one text: what the account page's QR code holds
/// and what `uaf-phone enroll` accepts instead of `--server/--user/--code`.
///
/// The text is `uafphone://enroll?server=URL&user=NAME&code=CODE`, each value
/// percent-encoded (RFC 3986 unreserved characters stay as they are). Reading it is strict
/// about the scheme and the three members (each exactly once, non-empty, valid UTF-8) and
/// ignores unknown members, so a later version can add some.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrollLink {
    /// The server's base URL (`https://signin.example.com/`).
    pub server: String,
    /// The account.
    pub username: String,
    /// The one-time enrolment code.
    pub code: String,
}

/// Why a text is not an [`EnrollLink`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnrollLinkError {
    /// It does not start with `uafphone://enroll?`.
    NotAnEnrollLink,
    /// A member is missing or empty (`server`, `user` or `code`).
    Missing(&'static str),
    /// A member appears twice.
    Repeated(&'static str),
    /// A value is not valid percent-encoded UTF-8.
    BadEncoding,
}

impl core::fmt::Display for EnrollLinkError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EnrollLinkError::NotAnEnrollLink => f.write_str("not a uafphone://enroll? link"),
            EnrollLinkError::Missing(m) => write!(f, "the enrolment link has no `{m}`"),
            EnrollLinkError::Repeated(m) => write!(f, "the enrolment link repeats `{m}`"),
            EnrollLinkError::BadEncoding => {
                f.write_str("the enrolment link has a value that is not percent-encoded UTF-8")
            }
        }
    }
}

impl core::error::Error for EnrollLinkError {}

/// Characters escaped in a link value: everything but RFC 3986's unreserved ones.
const LINK_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl EnrollLink {
    /// The scheme and path every link starts with.
    pub const PREFIX: &'static str = "uafphone://enroll?";

    /// The link's text (what the QR code encodes).
    #[must_use]
    pub fn to_text(&self) -> String {
        let enc = |v: &str| percent_encoding::utf8_percent_encode(v, LINK_ESCAPED).to_string();
        format!(
            "{}server={}&user={}&code={}",
            Self::PREFIX,
            enc(&self.server),
            enc(&self.username),
            enc(&self.code)
        )
    }

    /// Reads a link's text (surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`EnrollLinkError`] says what is wrong.
    pub fn parse(text: &str) -> Result<EnrollLink, EnrollLinkError> {
        let query = text
            .trim()
            .strip_prefix(Self::PREFIX)
            .ok_or(EnrollLinkError::NotAnEnrollLink)?;
        let (mut server, mut username, mut code) = (None, None, None);
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (slot, member) = match name {
                "server" => (&mut server, "server"),
                "user" => (&mut username, "user"),
                "code" => (&mut code, "code"),
                _ => continue,
            };
            if slot.is_some() {
                return Err(EnrollLinkError::Repeated(member));
            }
            let decoded = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map_err(|_| EnrollLinkError::BadEncoding)?;
            *slot = Some(decoded.into_owned());
        }
        let need = |v: Option<String>, m| {
            v.filter(|v| !v.is_empty())
                .ok_or(EnrollLinkError::Missing(m))
        };
        Ok(EnrollLink {
            server: need(server, "server")?,
            username: need(username, "user")?,
            code: need(code, "code")?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The rest
// ---------------------------------------------------------------------------------------------

/// The answer of `GET healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok`, or why not.
    pub status: String,
}

/// The `context` JSON text of the conformance API's `POST get` (digest §10.1): a JSON object
/// (an array is refused, though serde would read a struct from one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConformanceContext {
    /// The account (Reg, Dereg; Auth optionally).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Text to confirm (Auth, a `text/plain` transaction).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction: Option<String>,
    /// Deregister every key of this AAID (Dereg).
    #[serde(rename = "deregisterAAID", skip_serializing_if = "Option::is_none")]
    pub deregister_aaid: Option<String>,
    /// Deregister every key (Dereg).
    #[serde(rename = "deregisterAll", skip_serializing_if = "Option::is_none")]
    pub deregister_all: Option<bool>,
}

/// The members of [`ConformanceContext`], read by serde's derive.
#[derive(Deserialize)]
struct ContextMembers {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    transaction: Option<String>,
    #[serde(rename = "deregisterAAID", default)]
    deregister_aaid: Option<String>,
    #[serde(rename = "deregisterAll", default)]
    deregister_all: Option<bool>,
}

impl<'de> Deserialize<'de> for ConformanceContext {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectOnly;
        impl<'de> serde::de::Visitor<'de> for ObjectOnly {
            type Value = ContextMembers;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ContextMembers, A::Error> {
                ContextMembers::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        let m = d.deserialize_map(ObjectOnly)?;
        Ok(ConformanceContext {
            username: m.username,
            transaction: m.transaction,
            deregister_aaid: m.deregister_aaid,
            deregister_all: m.deregister_all,
        })
    }
}

// Secrets stay out of `Debug`.
macro_rules! redacted_debug {
    ($t:ident { $($shown:ident),* ; $($hidden:ident),* }) => {
        impl core::fmt::Debug for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($t))
                    $(.field(stringify!($shown), &self.$shown))*
                    $(.field(stringify!($hidden), &"<secret>"))*
                    .finish()
            }
        }
    };
}
redacted_debug!(EnrollStartRequest { username; code });
redacted_debug!(EnrollFinishRequest { username, uaf_response; code });
redacted_debug!(EnrollFinishAnswer { username, aaid, key_id; device_token, verification_code });
redacted_debug!(VerificationCodeSetup { algorithm, digits, period_secs; secret });
redacted_debug!(EnrollLink { server, username; code });
redacted_debug!(AddPhoneAnswer { server, username, expires_at; code, link, qr_svg });

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn password_bodies_have_the_documented_members() {
        let step = PasswordSignInAnswer::SecondStep(SecondStep {
            attempt: "A".into(),
            match_code: "42".into(),
            expires_at: 9,
            poll_millis: 1000,
            phone: true,
            code: false,
        });
        assert_eq!(
            serde_json::to_string(&step).unwrap(),
            r#"{"next":"second-step","attempt":"A","matchCode":"42","expiresAt":9,"pollMillis":1000,"phone":true,"code":false}"#
        );
        let done = PasswordSignInAnswer::SignedIn {
            session: Session {
                username: "u".into(),
                factors: vec!["knowledge".into()],
                method: "password".into(),
                expires_at: 5,
            },
        };
        let text = serde_json::to_string(&done).unwrap();
        assert_eq!(
            text,
            r#"{"next":"signed-in","session":{"username":"u","factors":["knowledge"],"method":"password","expiresAt":5}}"#
        );
        assert_eq!(
            serde_json::from_str::<PasswordSignInAnswer>(&text).unwrap(),
            done
        );
        assert_eq!(
            serde_json::to_string(&TwoStepAnswer {
                enabled: true,
                codes_available: false
            })
            .unwrap(),
            r#"{"enabled":true,"codesAvailable":false}"#
        );
        // Passwords and codes stay out of debug output.
        let r = PasswordSignInRequest {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{r:?}").contains("hunter2"));
        let c = AccountCreateRequest {
            username: "u".into(),
            code: "CODE".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2") && !format!("{c:?}").contains("CODE"));
    }

    #[test]
    fn member_names_are_the_documented_ones() {
        let a = EnrollFinishAnswer {
            device_token: "t".into(),
            username: "u".into(),
            aaid: "FA5E#0001".into(),
            key_id: "k".into(),
            verification_code: None,
        };
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"deviceToken":"t","username":"u","aaid":"FA5E#0001","keyID":"k"}"#
        );
        let e = ErrorAnswer {
            state: Some(SignInState::Pending),
            ..ErrorAnswer::new("no")
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"error":"no","state":"pending"}"#
        );
        assert_eq!(
            serde_json::to_string(&ErrorAnswer::new("x")).unwrap(),
            r#"{"error":"x"}"#
        );
    }

    #[test]
    fn states_round_trip_by_their_wire_names() {
        for s in [
            SignInState::Pending,
            SignInState::Approved,
            SignInState::Declined,
            SignInState::Failed,
            SignInState::Expired,
            SignInState::Consumed,
            SignInState::Cancelled,
            SignInState::Denied,
        ] {
            let text = serde_json::to_string(&s).unwrap();
            assert_eq!(text, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<SignInState>(&text).unwrap(), s);
        }
        assert!(serde_json::from_str::<SignInState>("\"Pending\"").is_err());
    }

    #[test]
    fn the_conformance_context_reads_its_members() {
        let c: ConformanceContext = serde_json::from_str(
            r#"{"username":"a","deregisterAAID":"FFFF#0001","deregisterAll":true,"x":1}"#,
        )
        .unwrap();
        assert_eq!(c.username.as_deref(), Some("a"));
        assert_eq!(c.deregister_aaid.as_deref(), Some("FFFF#0001"));
        assert_eq!(c.deregister_all, Some(true));
        let none: ConformanceContext = serde_json::from_str(r#"{"username":null}"#).unwrap();
        assert_eq!(none, ConformanceContext::default());
        assert!(serde_json::from_str::<ConformanceContext>(r#"{"username":1}"#).is_err());
        assert!(serde_json::from_str::<ConformanceContext>(r#"{"deregisterAll":"yes"}"#).is_err());
        assert!(serde_json::from_str::<ConformanceContext>("[]").is_err());
        assert!(serde_json::from_str::<ConformanceContext>(r#"["a"]"#).is_err());
        assert!(serde_json::from_str::<ConformanceContext>("\"a\"").is_err());
    }

    #[test]
    fn an_enrol_link_round_trips_with_escapes() {
        let link = EnrollLink {
            server: "https://signin.example.com:8443/x/".into(),
            username: "Zoë & co=1".into(),
            code: "AB-CD_ef.9~".into(),
        };
        let text = link.to_text();
        assert_eq!(
            text,
            "uafphone://enroll?server=https%3A%2F%2Fsignin.example.com%3A8443%2Fx%2F\
             &user=Zo%C3%AB%20%26%20co%3D1&code=AB-CD_ef.9~"
        );
        assert_eq!(EnrollLink::parse(&format!("  {text}\n")).unwrap(), link);
        let later = format!("{text}&v=2");
        assert_eq!(EnrollLink::parse(&later).unwrap(), link);
    }

    #[test]
    fn a_bad_enrol_link_says_what_is_wrong() {
        let e = |t: &str| EnrollLink::parse(t).unwrap_err();
        assert_eq!(
            e("https://x/?server=a&user=b&code=c"),
            EnrollLinkError::NotAnEnrollLink
        );
        assert_eq!(
            e("uafphone://enroll?server=a&user=b"),
            EnrollLinkError::Missing("code")
        );
        assert_eq!(
            e("uafphone://enroll?server=&user=b&code=c"),
            EnrollLinkError::Missing("server")
        );
        assert_eq!(
            e("uafphone://enroll?server=a&user=b&user=c&code=c"),
            EnrollLinkError::Repeated("user")
        );
        assert_eq!(
            e("uafphone://enroll?server=a&user=%FF&code=c"),
            EnrollLinkError::BadEncoding
        );
    }

    #[test]
    fn queued_deregistrations_are_optional_on_the_wire() {
        let n: Notifications = serde_json::from_str(r#"{"notifications":[]}"#).unwrap();
        assert!(n.deregistrations.is_empty());
        assert_eq!(
            serde_json::to_string(&n).unwrap(),
            r#"{"notifications":[]}"#
        );
        let d = Notifications {
            notifications: vec![],
            withdrawn: vec![],
            cursor: String::new(),
            deregistrations: vec![Deregistration {
                uaf_request: "[]".into(),
            }],
        };
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"notifications":[],"deregistrations":[{"uafRequest":"[]"}]}"#
        );
    }

    #[test]
    fn reports_and_contexts_use_their_wire_names() {
        for k in [
            ReportKind::WrongNumber,
            ReportKind::WrongPin,
            ReportKind::NotMe,
        ] {
            let text = serde_json::to_string(&k).unwrap();
            assert_eq!(text, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<ReportKind>(&text).unwrap(), k);
            assert_eq!(ReportKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ReportKind::parse("wrong_pin"), None);
        assert!(
            serde_json::from_str::<PhoneReportRequest>(r#"{"attempt":"a","kind":"x"}"#).is_err()
        );
        let r: PhoneReportRequest =
            serde_json::from_str(r#"{"attempt":"a","kind":"wrong-number"}"#).unwrap();
        assert_eq!(r.kind, ReportKind::WrongNumber);
        let n: Notification = serde_json::from_str(
            r#"{"attempt":"a","uafRequest":"[]","site":"s","username":"u","matchCode":"42",
                "createdAt":1,"expiresAt":2,"context":{"browser":"Firefox on Linux","address":"::1"}}"#,
        )
        .unwrap();
        assert_eq!(n.prompt(), "Sign in to s as u (Firefox on Linux, ::1)");
        assert!(!n.prompt().contains("42"));
        let old: SignInStatus =
            serde_json::from_str(r#"{"state":"pending","matchCode":"42"}"#).unwrap();
        assert_eq!((old.report, old.expires_at), (None, 0));
        assert_eq!(confirmed_text("a", "07"), "a\nNumber: 07");
    }

    #[test]
    fn long_poll_members_are_optional_on_the_wire() {
        let n: Notifications = serde_json::from_str(
            r#"{"notifications":[],"cursor":"c","withdrawn":[{"attempt":"a","state":"declined"}]}"#,
        )
        .unwrap();
        assert_eq!(n.cursor, "c");
        assert_eq!(
            n.withdrawn,
            vec![Withdrawal {
                attempt: "a".into(),
                state: SignInState::Declined
            }]
        );
        let old: Notifications = serde_json::from_str(r#"{"notifications":[]}"#).unwrap();
        assert!(old.cursor.is_empty() && old.withdrawn.is_empty());
        assert_eq!(
            serde_json::to_string(&StreamReady { pending: 2 }).unwrap(),
            r#"{"pending":2}"#
        );
    }

    #[test]
    fn secrets_are_not_in_debug() {
        let v = VerificationCodeSetup {
            secret: "JBSWY3DPEHPK3PXP".into(),
            algorithm: "SHA1".into(),
            digits: 6,
            period_secs: 30,
        };
        assert!(!format!("{v:?}").contains("JBSWY3DP"));
        let l = EnrollLink {
            server: "s".into(),
            username: "u".into(),
            code: "SECRETCODE".into(),
        };
        assert!(!format!("{l:?}").contains("SECRETCODE"));
        let r = EnrollStartRequest {
            username: "alice".into(),
            code: "ABCDEFGHIJ".into(),
        };
        let d = format!("{r:?}");
        assert!(d.contains("alice") && !d.contains("ABCDEFGHIJ"), "{d}");
    }
}
