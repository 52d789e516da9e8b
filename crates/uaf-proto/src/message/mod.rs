//! The UAF protocol's JSON messages (digest §1.5, §2), the final challenge parameters, the
//! trusted facet list (§7.2) and the transport envelope (§2.13).
//!
//! # Decoding is strict
//! Text is parsed into a strict JSON tree ([`json::parse`]: duplicate member names rejected),
//! then each message is read member by member. Every error is a [`MessageError`] whose `path`
//! names the member (`[0].header.upv.minor`) and whose [`MessageErrorKind`] says what is wrong:
//! missing member, wrong JSON type, integer out of range, empty value, size limit (digest §2.2),
//! bad base64url (under [`DecodeOptions::base64`], strict by default), wrong operation, …
//!
//! - Unknown members are ignored.
//! - `null` is rejected everywhere, also for optional members: the specification's WebIDL has
//!   no nullable members and the FIDO conformance tool sends `null` expecting a rejection.
//! - Messages are JSON arrays: a response array holds exactly one message; a request array
//!   holds one message per protocol version (no version twice).
//! - Decoding checks what the message *is*, not whether the receiver *accepts* it: supported
//!   versions, expected AppID, challenge and facet are the verifier's checks (digest §3).
//! - `MatchCriteria` structural rules are not applied when decoding (the specification's own
//!   examples break them); servers check what they generate with [`Policy::validate`].
//!
//! # Encoding
//! `to_json()` gives spec-shaped JSON: member names as in the specification, absent optional
//! members omitted, unpadded base64url. Every type also implements [`serde::Serialize`].
//! Optional array members are `Vec`s where an empty vector means "absent" (except in
//! [`MatchCriteria`], where an empty list and an absent one mean different things).
//!
//! # What the verifier gets
//! A response keeps `fcParams` as the exact received text (the final challenge hash covers it)
//! and decodes it on demand ([`RegistrationResponse::fc_params`]); assertions keep their
//! base64url text and decode on demand
//! ([`AuthenticatorRegistrationAssertion::decode_assertion`]).
//!
//! ```
//! use uaf_proto::message::{DecodeOptions, Operation, RegistrationResponse};
//! use uaf_proto::b64::Base64Policy;
//!
//! let text = r#"[{"header":{"upv":{"major":1,"minor":1},"op":"Reg"},
//!   "fcParams":"eyJhcHBJRCI6Imh0dHBzOi8vZXhhbXBsZS5jb20iLCJjaGFsbGVuZ2UiOiJBQUFBQUFBQUFBQSIsImZhY2V0SUQiOiJodHRwczovL2V4YW1wbGUuY29tIiwiY2hhbm5lbEJpbmRpbmciOnt9fQ",
//!   "assertions":[{"assertionScheme":"UAFV1TLV","assertion":"AT4AAA"}]}]"#;
//! let response = RegistrationResponse::parse_array(text, &DecodeOptions::default())?;
//! assert_eq!(response.header.op, Operation::Reg);
//! let fcp = response.fc_params(Base64Policy::Strict)?;
//! assert_eq!(fcp.facet_id, "https://example.com");
//! assert_eq!(response.assertions[0].decode_assertion(Base64Policy::Strict)?, [0x01, 0x3e, 0, 0]);
//!
//! // A duplicate member is rejected, with its path.
//! let bad = text.replacen(r#""op":"Reg""#, r#""op":"Reg","op":"Auth""#, 1);
//! let err = RegistrationResponse::parse_array(&bad, &DecodeOptions::default()).unwrap_err();
//! assert_eq!(err.path, "[0].header.op");
//! # Ok::<(), uaf_proto::message::MessageError>(())
//! ```

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use crate::b64::{self, Base64Policy};

mod auth;
mod common;
mod dereg;
mod error;
mod facets;
mod fcparams;
mod header;
pub mod json;
mod matching;
mod policy;
mod reg;
mod ser;
mod transport;

pub use auth::{
    AuthenticationRequest, AuthenticationResponse, AuthenticatorSignAssertion, Transaction,
};
pub use common::{
    DisplayPngCharacteristicsDescriptor, Extension, Operation, RgbPaletteEntry, ServerChallenge,
    Version,
};
pub use dereg::{DeregisterAuthenticator, DeregistrationRequest};
pub use error::{JsonType, LengthUnit, MessageError, MessageErrorKind};
pub use facets::{FacetIdCheck, FacetIdProblem, RejectedFacetId, TrustedFacetList, TrustedFacets};
pub use fcparams::{ChannelBinding, FinalChallengeParams};
pub use header::OperationHeader;
pub use matching::{
    AcceptedRejection, AcceptedSetFailure, AuthenticatorCapabilities, AuthenticatorMismatch,
    CriteriaMismatch, DisallowedMatch, PolicyMatch, PolicyRejection,
};
pub use policy::{MatchCriteria, Policy};
pub use reg::{AuthenticatorRegistrationAssertion, RegistrationRequest, RegistrationResponse};
pub use transport::{
    GetUafRequest, ReturnUafRequest, SendUafResponse, ServerResponse, Token, TokenType, UafMessage,
};

use error::{LengthUnit as Unit, Path};
use json::Node;

/// How messages are decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// How base64url members are decoded: [`Base64Policy::Strict`] (the default, what the FIDO
    /// conformance tool demands) or [`Base64Policy::Lenient`] (a compatibility relaxation for
    /// legacy Android clients).
    pub base64: Base64Policy,
    /// Reads a `FinalChallengeParams` without a `channelBinding` member as if it held `{}`
    /// (the verifier's `missing-channel-binding` compatibility relaxation: some early UAF 1.0
    /// clients omit the member). Off by default: the member is required.
    pub allow_missing_channel_binding: bool,
}

impl DecodeOptions {
    /// The defaults: strict base64url, `channelBinding` required.
    #[must_use]
    pub const fn new() -> Self {
        DecodeOptions {
            base64: Base64Policy::Strict,
            allow_missing_channel_binding: false,
        }
    }

    /// These options with [`DecodeOptions::allow_missing_channel_binding`] set to `allow`.
    #[must_use]
    pub const fn with_missing_channel_binding(mut self, allow: bool) -> Self {
        self.allow_missing_channel_binding = allow;
        self
    }

    /// These options with `policy` for base64url members.
    #[must_use]
    pub const fn with_base64(mut self, policy: Base64Policy) -> Self {
        self.base64 = policy;
        self
    }
}

/// Longest assertion, in bytes (digest §2.2).
const MAX_ASSERTION_LEN: usize = 4096;

/// A UAF protocol message type (internal: ties decoding to the operation).
pub(crate) trait Message: Sized {
    /// The operation every message of this type carries.
    const OP: Operation;
    /// Decodes one message object.
    fn decode(v: &Node<'_>, path: &Path<'_>, opts: &DecodeOptions) -> Result<Self, MessageError>;
    /// The header.
    fn header(&self) -> &OperationHeader;
}

/// A request array: at least one message, each `T`, no `upv` twice.
pub(crate) fn parse_request_array<T: Message>(
    v: &Node<'_>,
    opts: &DecodeOptions,
) -> Result<Vec<T>, MessageError> {
    let root = Path::Root;
    let items = json::array(v, &root)?;
    if items.is_empty() {
        return Err(MessageError::at(&root, MessageErrorKind::Empty));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = root.index(i);
        let message = T::decode(item, &path, opts)?;
        let version = message.header().upv;
        if !seen.insert(version) {
            let header = path.key("header");
            return Err(MessageError::at(
                &header.key("upv"),
                MessageErrorKind::DuplicateVersion { version },
            ));
        }
        out.push(message);
    }
    Ok(out)
}

/// A response array: exactly one message `T`.
pub(crate) fn parse_response_array<T: Message>(
    v: &Node<'_>,
    opts: &DecodeOptions,
) -> Result<T, MessageError> {
    let root = Path::Root;
    match json::array(v, &root)? {
        [only] => T::decode(only, &root.index(0), opts),
        items => Err(MessageError::at(
            &root,
            MessageErrorKind::Length {
                len: items.len(),
                min: 1,
                max: 1,
                unit: Unit::Elements,
            },
        )),
    }
}

/// Decodes assertion text under `opts` and checks 1..=4096 bytes.
pub(crate) fn decode_assertion_text(
    text: &str,
    path: &Path<'_>,
    opts: &DecodeOptions,
) -> Result<Vec<u8>, MessageError> {
    let bytes = json::decode_base64(text, path, opts)?;
    json::check_len(bytes.len(), 1, MAX_ASSERTION_LEN, Unit::Bytes, path)?;
    Ok(bytes)
}

/// Encodes assertion bytes, checking 1..=4096 bytes.
pub(crate) fn assertion_bytes(tlv: &[u8]) -> Result<String, MessageError> {
    json::check_len(
        tlv.len(),
        1,
        MAX_ASSERTION_LEN,
        Unit::Bytes,
        &Path::Root.key("assertion"),
    )?;
    Ok(b64::encode(tlv))
}

/// Any UAF protocol message array, as told apart by [`parse_any`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnyMessage {
    /// A registration request array.
    RegistrationRequests(Vec<RegistrationRequest>),
    /// A registration response.
    RegistrationResponse(RegistrationResponse),
    /// An authentication request array.
    AuthenticationRequests(Vec<AuthenticationRequest>),
    /// An authentication response.
    AuthenticationResponse(AuthenticationResponse),
    /// A deregistration request array.
    DeregistrationRequests(Vec<DeregistrationRequest>),
}

impl AnyMessage {
    /// The operation of the message.
    #[must_use]
    pub const fn operation(&self) -> Operation {
        match self {
            AnyMessage::RegistrationRequests(_) | AnyMessage::RegistrationResponse(_) => {
                Operation::Reg
            }
            AnyMessage::AuthenticationRequests(_) | AnyMessage::AuthenticationResponse(_) => {
                Operation::Auth
            }
            AnyMessage::DeregistrationRequests(_) => Operation::Dereg,
        }
    }

    /// Whether it is a response (client → server).
    #[must_use]
    pub const fn is_response(&self) -> bool {
        matches!(
            self,
            AnyMessage::RegistrationResponse(_) | AnyMessage::AuthenticationResponse(_)
        )
    }

    /// The JSON text (a message array).
    #[must_use]
    pub fn to_json(&self) -> String {
        match self {
            AnyMessage::RegistrationRequests(r) => RegistrationRequest::array_to_json(r),
            AnyMessage::RegistrationResponse(r) => r.to_json(),
            AnyMessage::AuthenticationRequests(r) => AuthenticationRequest::array_to_json(r),
            AnyMessage::AuthenticationResponse(r) => r.to_json(),
            AnyMessage::DeregistrationRequests(r) => DeregistrationRequest::array_to_json(r),
        }
    }
}

/// Decodes any UAF message array and says what it is (for inspection tools).
///
/// The operation comes from `[0].header.op`; a `Reg` or `Auth` array whose first message has
/// `fcParams` or `assertions` is a response, otherwise a request array. The array is then
/// decoded as that type, strictly (so every message must carry the same `op`).
///
/// # Errors
/// [`MessageError`]: the first thing wrong, as the typed `parse_array` would report it.
pub fn parse_any(text: &str, options: &DecodeOptions) -> Result<AnyMessage, MessageError> {
    let value = json::parse_node(text, &Path::Root)?;
    let root = Path::Root;
    let items = json::array(&value, &root)?;
    let first = items
        .first()
        .ok_or_else(|| MessageError::at(&root, MessageErrorKind::Empty))?;
    let first_path = root.index(0);
    let m = json::Members::of(first, &first_path)?;
    let op = m.required("header", |h, hp| {
        json::Members::of(h, hp)?.required("op", Operation::decode)
    })?;
    let is_response = m.has("fcParams") || m.has("assertions");
    Ok(match (op, is_response) {
        (Operation::Reg, false) => {
            AnyMessage::RegistrationRequests(parse_request_array(&value, options)?)
        }
        (Operation::Reg, true) => {
            AnyMessage::RegistrationResponse(parse_response_array(&value, options)?)
        }
        (Operation::Auth, false) => {
            AnyMessage::AuthenticationRequests(parse_request_array(&value, options)?)
        }
        (Operation::Auth, true) => {
            AnyMessage::AuthenticationResponse(parse_response_array(&value, options)?)
        }
        (Operation::Dereg, _) => {
            AnyMessage::DeregistrationRequests(parse_request_array(&value, options)?)
        }
    })
}
