//! [`RegistrationRequest`], [`RegistrationResponse`] and
//! [`AuthenticatorRegistrationAssertion`] (digest §2.6, §2.7).

use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

use super::common::{DisplayPngCharacteristicsDescriptor, Extension, Operation, ServerChallenge};
use super::error::{MessageError, Path};
use super::fcparams::FinalChallengeParams;
use super::header::OperationHeader;
use super::json::{self, Members, Node};
use super::policy::Policy;
use super::{
    DecodeOptions, Message, assertion_bytes, decode_assertion_text, parse_request_array,
    parse_response_array,
};
use crate::b64::Base64Policy;

/// A registration request (`op` `"Reg"`; digest §2.6). On the wire it is an element of a JSON
/// array holding one request per protocol version the server offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistrationRequest {
    /// The header (`op` `"Reg"`).
    pub header: OperationHeader,
    /// The server challenge.
    pub challenge: ServerChallenge,
    /// The user name, 1..=128 characters.
    pub username: String,
    /// Which authenticators may be registered.
    pub policy: Policy,
}

impl RegistrationRequest {
    /// Longest user name.
    pub const MAX_USERNAME_LEN: usize = 128;

    /// Decodes a request array (one message per protocol version; all `op` `"Reg"`; no version
    /// twice).
    ///
    /// # Errors
    /// [`MessageError`] naming the first member that is wrong.
    pub fn parse_array(text: &str, options: &DecodeOptions) -> Result<Vec<Self>, MessageError> {
        parse_request_array(&json::parse_node(text, &Path::Root)?, options)
    }

    /// This request as a one-element JSON array.
    #[must_use]
    pub fn to_json(&self) -> String {
        json::to_string(&[self])
    }

    /// Several requests (one per protocol version) as one JSON array.
    #[must_use]
    pub fn array_to_json(requests: &[Self]) -> String {
        json::to_string(requests)
    }

    /// Checks this request against the same strict decoder incoming messages go through (what
    /// digest §3.4 asks of every generated message). It does not apply
    /// [`Policy::validate`].
    ///
    /// # Errors
    /// The first member the decoder rejects (e.g. a 129-character user name).
    pub fn check(&self) -> Result<(), MessageError> {
        Self::parse_array(&self.to_json(), &DecodeOptions::new()).map(|_| ())
    }
}

impl Message for RegistrationRequest {
    const OP: Operation = Operation::Reg;

    fn decode(v: &Node<'_>, path: &Path<'_>, opts: &DecodeOptions) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(RegistrationRequest {
            header: m.required("header", |v, p| {
                OperationHeader::decode(v, p, opts, Self::OP)
            })?,
            challenge: m.required("challenge", |v, p| ServerChallenge::decode(v, p, opts))?,
            username: m
                .required("username", |v, p| {
                    json::string_chars(v, p, 1, Self::MAX_USERNAME_LEN)
                })?
                .into(),
            policy: m.required("policy", |v, p| Policy::decode(v, p, opts))?,
        })
    }

    fn header(&self) -> &OperationHeader {
        &self.header
    }
}

/// A registration response (digest §2.7): exactly one message in a JSON array.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistrationResponse {
    /// The header, echoing the request's (`op` `"Reg"`).
    pub header: OperationHeader,
    /// `fcParams` exactly as received: the final challenge hash covers this text. Decode it
    /// with [`RegistrationResponse::fc_params`].
    #[serde(rename = "fcParams")]
    pub fc_params: String,
    /// One assertion per registered authenticator (at least one).
    pub assertions: Vec<AuthenticatorRegistrationAssertion>,
}

impl RegistrationResponse {
    /// Decodes a response array: a JSON array holding exactly one registration response.
    ///
    /// # Errors
    /// [`MessageError`] naming the first member that is wrong.
    pub fn parse_array(text: &str, options: &DecodeOptions) -> Result<Self, MessageError> {
        parse_response_array(&json::parse_node(text, &Path::Root)?, options)
    }

    /// This response as a one-element JSON array.
    #[must_use]
    pub fn to_json(&self) -> String {
        json::to_string(&[self])
    }

    /// Decodes `fcParams` (digest §3.2 R3).
    ///
    /// # Errors
    /// See [`FinalChallengeParams::from_fc_params`]; paths start with `fcParams`.
    pub fn fc_params(&self, policy: Base64Policy) -> Result<FinalChallengeParams, MessageError> {
        FinalChallengeParams::from_fc_params(&self.fc_params, policy)
    }
}

impl Message for RegistrationResponse {
    const OP: Operation = Operation::Reg;

    fn decode(v: &Node<'_>, path: &Path<'_>, opts: &DecodeOptions) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(RegistrationResponse {
            header: m.required("header", |v, p| {
                OperationHeader::decode(v, p, opts, Self::OP)
            })?,
            fc_params: m.required("fcParams", json::nonempty_string)?.into(),
            assertions: m.required("assertions", |v, p| {
                json::nonempty_list(v, p, |v, p| {
                    AuthenticatorRegistrationAssertion::decode(v, p, opts)
                })
            })?,
        })
    }

    fn header(&self) -> &OperationHeader {
        &self.header
    }
}

/// One authenticator's registration assertion (digest §2.7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthenticatorRegistrationAssertion {
    /// The assertion scheme (`assertionScheme`, non-empty; `"UAFV1TLV"` for UAF 1.x).
    #[serde(rename = "assertionScheme")]
    pub assertion_scheme: String,
    /// The assertion as received: base64url of a `TAG_UAFV1_REG_ASSERTION` TLV of 1..=4096
    /// bytes (checked when decoded). Get the bytes with
    /// [`decode_assertion`](Self::decode_assertion).
    pub assertion: String,
    /// The PNG characteristics of the authenticator's transaction display
    /// (`tcDisplayPNGCharacteristics`); empty means absent.
    #[serde(
        rename = "tcDisplayPNGCharacteristics",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tc_display_png_characteristics: Vec<DisplayPngCharacteristicsDescriptor>,
    /// Unsigned extensions (`exts`); empty means absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exts: Vec<Extension>,
}

impl AuthenticatorRegistrationAssertion {
    /// A `UAFV1TLV` assertion carrying `tlv` (the bytes of a `TAG_UAFV1_REG_ASSERTION`).
    ///
    /// # Errors
    /// [`MessageErrorKind::Length`](super::MessageErrorKind::Length) at `assertion` unless
    /// `tlv` is 1..=4096 bytes.
    pub fn from_tlv(tlv: &[u8]) -> Result<Self, MessageError> {
        Ok(AuthenticatorRegistrationAssertion {
            assertion_scheme: crate::registry::ASSERTION_SCHEME_UAFV1TLV.into(),
            assertion: assertion_bytes(tlv)?,
            tc_display_png_characteristics: Vec::new(),
            exts: Vec::new(),
        })
    }

    /// The assertion bytes, decoded under `policy`.
    ///
    /// # Errors
    /// [`MessageErrorKind::Base64`](super::MessageErrorKind::Base64) or
    /// [`MessageErrorKind::Length`](super::MessageErrorKind::Length) at `assertion`.
    pub fn decode_assertion(&self, policy: Base64Policy) -> Result<Vec<u8>, MessageError> {
        decode_assertion_text(
            &self.assertion,
            &Path::Root.key("assertion"),
            &DecodeOptions::new().with_base64(policy),
        )
    }

    fn decode(v: &Node<'_>, path: &Path<'_>, opts: &DecodeOptions) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(AuthenticatorRegistrationAssertion {
            assertion_scheme: m.required("assertionScheme", json::nonempty_string)?.into(),
            assertion: m.required("assertion", |v, p| {
                let text = json::string(v, p)?;
                decode_assertion_text(text, p, opts)?;
                Ok(String::from(text))
            })?,
            tc_display_png_characteristics: m
                .optional(
                    "tcDisplayPNGCharacteristics",
                    DisplayPngCharacteristicsDescriptor::decode_list,
                )?
                .unwrap_or_default(),
            exts: m
                .optional("exts", |v, p| Extension::decode_list(v, p, opts))?
                .unwrap_or_default(),
        })
    }
}
