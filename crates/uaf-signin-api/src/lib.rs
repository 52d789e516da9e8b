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
    /// `GET` (device token): [`Notifications`](crate::Notifications).
    pub const NOTIFICATIONS: &str = "phone/notifications";
    /// `POST` (device token): [`PhoneRespondRequest`](crate::PhoneRespondRequest) →
    /// [`AttemptAnswer`](crate::AttemptAnswer).
    pub const PHONE_RESPOND: &str = "phone/respond";
    /// `POST` (device token): [`PhoneDeclineRequest`](crate::PhoneDeclineRequest) →
    /// [`AttemptAnswer`](crate::AttemptAnswer).
    pub const PHONE_DECLINE: &str = "phone/decline";
    /// `GET`: [`Health`](crate::Health).
    pub const HEALTH: &str = "healthz";
    /// `GET`: the trusted facet list (`application/fido.trusted-apps+json`).
    pub const FACETS: &str = "facets.json";
    /// `POST` (conformance API): `GetUAFRequest` → `ReturnUAFRequest`.
    pub const CONFORMANCE_GET: &str = "get";
    /// `POST` (conformance API): `SendUAFResponse` → `ServerResponse`.
    pub const CONFORMANCE_RESPOND: &str = "respond";
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
}

impl Notification {
    /// What the phone asks: `Sign in to <site> as <user>? code NN`.
    #[must_use]
    pub fn prompt(&self) -> String {
        format!(
            "Sign in to {} as {}? code {}",
            self.site, self.username, self.match_code
        )
    }
}

/// The answer of `GET phone/notifications`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifications {
    /// The pending sign-ins of the phone's account.
    pub notifications: Vec<Notification>,
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

/// The answer of `POST phone/respond` and `POST phone/decline`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptAnswer {
    /// The attempt's new state (`approved`, `declined`).
    pub state: SignInState,
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
redacted_debug!(EnrollFinishAnswer { username, aaid, key_id; device_token });

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn member_names_are_the_documented_ones() {
        let a = EnrollFinishAnswer {
            device_token: "t".into(),
            username: "u".into(),
            aaid: "FA5E#0001".into(),
            key_id: "k".into(),
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
    fn secrets_are_not_in_debug() {
        let r = EnrollStartRequest {
            username: "alice".into(),
            code: "ABCDEFGHIJ".into(),
        };
        let d = format!("{r:?}");
        assert!(d.contains("alice") && !d.contains("ABCDEFGHIJ"), "{d}");
    }
}
