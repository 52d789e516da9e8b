//! [`AuthenticationRequest`], [`Transaction`], [`AuthenticationResponse`] and
//! [`AuthenticatorSignAssertion`] (digest §2.8, §2.9).

use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

use super::common::{DisplayPngCharacteristicsDescriptor, Extension, Operation, ServerChallenge};
use super::error::{LengthUnit, MessageError, MessageErrorKind, Path};
use super::fcparams::FinalChallengeParams;
use super::header::OperationHeader;
use super::json::{self, Members, Node};
use super::policy::Policy;
use super::ser;
use super::{
    DecodeOptions, Message, assertion_bytes, decode_assertion_text, parse_request_array,
    parse_response_array,
};
use crate::b64::Base64Policy;
use crate::registry::{CONTENT_TYPE_IMAGE_PNG, CONTENT_TYPE_TEXT_PLAIN};

/// An authentication request (`op` `"Auth"`; digest §2.8); with `transaction` it asks for
/// transaction confirmation. On the wire it is an element of a JSON array holding one request
/// per protocol version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthenticationRequest {
    /// The header (`op` `"Auth"`).
    pub header: OperationHeader,
    /// The server challenge.
    pub challenge: ServerChallenge,
    /// The transaction to confirm, in one or more renderings (`transaction`); empty means
    /// absent (plain authentication).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transaction: Vec<Transaction>,
    /// Which authenticators may answer.
    pub policy: Policy,
}

impl AuthenticationRequest {
    /// Decodes a request array (one message per protocol version; all `op` `"Auth"`; no
    /// version twice).
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

    /// Checks this request against the same strict decoder incoming messages go through
    /// (digest §3.4). It does not apply [`Policy::validate`].
    ///
    /// # Errors
    /// The first member the decoder rejects.
    pub fn check(&self) -> Result<(), MessageError> {
        Self::parse_array(&self.to_json(), &DecodeOptions::new()).map(|_| ())
    }
}

impl Message for AuthenticationRequest {
    const OP: Operation = Operation::Auth;

    fn decode(v: &Node<'_>, path: &Path<'_>, opts: &DecodeOptions) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(AuthenticationRequest {
            header: m.required("header", |v, p| {
                OperationHeader::decode(v, p, opts, Self::OP)
            })?,
            challenge: m.required("challenge", |v, p| ServerChallenge::decode(v, p, opts))?,
            transaction: m
                .optional("transaction", |v, p| {
                    json::list(v, p, |v, p| Transaction::decode(v, p, opts))
                })?
                .unwrap_or_default(),
            policy: m.required("policy", |v, p| Policy::decode(v, p, opts))?,
        })
    }

    fn header(&self) -> &OperationHeader {
        &self.header
    }
}

/// One rendering of a transaction (digest §2.8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transaction {
    /// MIME type (`contentType`): `"text/plain"` or `"image/png"`.
    #[serde(rename = "contentType")]
    pub content_type: String,
    /// The content (`content`, base64url in JSON): UTF-8 text of at most 200 characters for
    /// `text/plain`, a PNG file for `image/png`. The authenticator hashes these bytes.
    #[serde(serialize_with = "ser::base64")]
    pub content: Vec<u8>,
    /// The image's characteristics (`tcDisplayPNGCharacteristics`), required for `image/png`.
    #[serde(
        rename = "tcDisplayPNGCharacteristics",
        skip_serializing_if = "Option::is_none"
    )]
    pub tc_display_png_characteristics: Option<DisplayPngCharacteristicsDescriptor>,
}

impl Transaction {
    /// Longest `text/plain` content, in characters.
    pub const MAX_TEXT_LEN: usize = 200;

    /// A `text/plain` transaction.
    ///
    /// # Errors
    /// [`MessageErrorKind::Length`] at `content` unless `text` has 1..=200 characters.
    pub fn text(text: &str) -> Result<Self, MessageError> {
        let path = Path::Root;
        json::check_len(
            text.chars().count(),
            1,
            Self::MAX_TEXT_LEN,
            LengthUnit::Characters,
            &path.key("content"),
        )?;
        Ok(Transaction {
            content_type: CONTENT_TYPE_TEXT_PLAIN.into(),
            content: text.as_bytes().into(),
            tc_display_png_characteristics: None,
        })
    }

    /// The text of a `text/plain` transaction (`None` for other types or non-UTF-8 content).
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        if self
            .content_type
            .eq_ignore_ascii_case(CONTENT_TYPE_TEXT_PLAIN)
        {
            core::str::from_utf8(&self.content).ok()
        } else {
            None
        }
    }

    fn decode(v: &Node<'_>, path: &Path<'_>, opts: &DecodeOptions) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        let content_type = m.required("contentType", json::nonempty_string)?;
        let is_text = content_type.eq_ignore_ascii_case(CONTENT_TYPE_TEXT_PLAIN);
        let content = m.required("content", |v, p| {
            let bytes = json::base64(v, p, opts)?;
            if is_text {
                let text = core::str::from_utf8(&bytes)
                    .map_err(|_| MessageError::at(p, MessageErrorKind::InvalidUtf8))?;
                json::check_len(
                    text.chars().count(),
                    1,
                    Self::MAX_TEXT_LEN,
                    LengthUnit::Characters,
                    p,
                )?;
            } else if bytes.is_empty() {
                return Err(MessageError::at(p, MessageErrorKind::Empty));
            }
            Ok(bytes)
        })?;
        let png = m.optional(
            "tcDisplayPNGCharacteristics",
            DisplayPngCharacteristicsDescriptor::decode,
        )?;
        if png.is_none() && content_type.eq_ignore_ascii_case(CONTENT_TYPE_IMAGE_PNG) {
            // Required for image/png (digest §2.8).
            return Err(m.missing("tcDisplayPNGCharacteristics"));
        }
        Ok(Transaction {
            content_type: content_type.into(),
            content,
            tc_display_png_characteristics: png,
        })
    }
}

/// An authentication response (digest §2.9): exactly one message in a JSON array.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthenticationResponse {
    /// The header, echoing the request's (`op` `"Auth"`).
    pub header: OperationHeader,
    /// `fcParams` exactly as received: the final challenge hash covers this text. Decode it
    /// with [`AuthenticationResponse::fc_params`].
    #[serde(rename = "fcParams")]
    pub fc_params: String,
    /// One assertion per authenticator used (at least one).
    pub assertions: Vec<AuthenticatorSignAssertion>,
}

impl AuthenticationResponse {
    /// Decodes a response array: a JSON array holding exactly one authentication response.
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

    /// Decodes `fcParams` (digest §3.3 A3).
    ///
    /// # Errors
    /// See [`FinalChallengeParams::from_fc_params`]; paths start with `fcParams`.
    pub fn fc_params(&self, policy: Base64Policy) -> Result<FinalChallengeParams, MessageError> {
        FinalChallengeParams::from_fc_params(&self.fc_params, policy)
    }
}

impl Message for AuthenticationResponse {
    const OP: Operation = Operation::Auth;

    fn decode(v: &Node<'_>, path: &Path<'_>, opts: &DecodeOptions) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(AuthenticationResponse {
            header: m.required("header", |v, p| {
                OperationHeader::decode(v, p, opts, Self::OP)
            })?,
            fc_params: m.required("fcParams", json::nonempty_string)?.into(),
            assertions: m.required("assertions", |v, p| {
                json::nonempty_list(v, p, |v, p| AuthenticatorSignAssertion::decode(v, p, opts))
            })?,
        })
    }

    fn header(&self) -> &OperationHeader {
        &self.header
    }
}

/// One authenticator's authentication assertion (digest §2.9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthenticatorSignAssertion {
    /// The assertion scheme (`assertionScheme`, non-empty; `"UAFV1TLV"` for UAF 1.x).
    #[serde(rename = "assertionScheme")]
    pub assertion_scheme: String,
    /// The assertion as received: base64url of a `TAG_UAFV1_AUTH_ASSERTION` TLV of 1..=4096
    /// bytes (checked when decoded). Get the bytes with
    /// [`decode_assertion`](Self::decode_assertion).
    pub assertion: String,
    /// Unsigned extensions (`exts`); empty means absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exts: Vec<Extension>,
}

impl AuthenticatorSignAssertion {
    /// A `UAFV1TLV` assertion carrying `tlv` (the bytes of a `TAG_UAFV1_AUTH_ASSERTION`).
    ///
    /// # Errors
    /// [`MessageErrorKind::Length`] at `assertion` unless `tlv` is 1..=4096 bytes.
    pub fn from_tlv(tlv: &[u8]) -> Result<Self, MessageError> {
        Ok(AuthenticatorSignAssertion {
            assertion_scheme: crate::registry::ASSERTION_SCHEME_UAFV1TLV.into(),
            assertion: assertion_bytes(tlv)?,
            exts: Vec::new(),
        })
    }

    /// The assertion bytes, decoded under `policy`.
    ///
    /// # Errors
    /// [`MessageErrorKind::Base64`] or [`MessageErrorKind::Length`] at `assertion`.
    pub fn decode_assertion(&self, policy: Base64Policy) -> Result<Vec<u8>, MessageError> {
        decode_assertion_text(
            &self.assertion,
            &Path::Root.key("assertion"),
            &DecodeOptions::new().with_base64(policy),
        )
    }

    fn decode(v: &Node<'_>, path: &Path<'_>, opts: &DecodeOptions) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(AuthenticatorSignAssertion {
            assertion_scheme: m.required("assertionScheme", json::nonempty_string)?.into(),
            assertion: m.required("assertion", |v, p| {
                let text = json::string(v, p)?;
                decode_assertion_text(text, p, opts)?;
                Ok(String::from(text))
            })?,
            exts: m
                .optional("exts", |v, p| Extension::decode_list(v, p, opts))?
                .unwrap_or_default(),
        })
    }
}
