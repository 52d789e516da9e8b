//! [`DeregistrationRequest`] and [`DeregisterAuthenticator`] (digest §2.10).

use alloc::string::String;
use alloc::vec::Vec;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::common::{Operation, decode_aaid, key_id_from_text};
use super::error::{MessageError, MessageErrorKind, Path};
use super::header::OperationHeader;
use super::json::{self, Members, Node};
use super::{DecodeOptions, Message, parse_request_array};
use crate::id::{Aaid, KeyId};

/// A deregistration request (`op` `"Dereg"`; digest §2.10). No response message exists.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DeregistrationRequest {
    /// The header (`op` `"Dereg"`).
    pub header: OperationHeader,
    /// What to delete (at least one entry).
    pub authenticators: Vec<DeregisterAuthenticator>,
}

impl DeregistrationRequest {
    /// Decodes a request array (one message per protocol version; all `op` `"Dereg"`).
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
    /// (digest §3.4).
    ///
    /// # Errors
    /// The first member the decoder rejects (e.g. no `authenticators`).
    pub fn check(&self) -> Result<(), MessageError> {
        Self::parse_array(&self.to_json(), &DecodeOptions::new()).map(|_| ())
    }
}

impl Message for DeregistrationRequest {
    const OP: Operation = Operation::Dereg;

    fn decode(v: &Node<'_>, path: &Path<'_>, opts: &DecodeOptions) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(DeregistrationRequest {
            header: m.required("header", |v, p| {
                OperationHeader::decode(v, p, opts, Self::OP)
            })?,
            authenticators: m.required("authenticators", |v, p| {
                json::nonempty_list(v, p, |v, p| DeregisterAuthenticator::decode(v, p, opts))
            })?,
        })
    }

    fn header(&self) -> &OperationHeader {
        &self.header
    }
}

/// One entry of a deregistration request: `{"aaid": …, "keyID": …}` where an empty string
/// widens the scope (digest §2.10). The three meaningful combinations are the variants; an
/// empty `aaid` with a non-empty `keyID` is rejected when decoding.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DeregisterAuthenticator {
    /// `{"aaid":"<AAID>","keyID":"<KeyID>"}`: delete that one key.
    Key {
        /// The authenticator model.
        aaid: Aaid,
        /// The key.
        key_id: KeyId,
    },
    /// `{"aaid":"<AAID>","keyID":""}`: delete every key of that AAID for this AppID.
    AllOfAaid(Aaid),
    /// `{"aaid":"","keyID":""}`: delete every key of every authenticator for this AppID.
    All,
}

impl DeregisterAuthenticator {
    /// The AAID, `None` for [`DeregisterAuthenticator::All`].
    #[must_use]
    pub const fn aaid(&self) -> Option<&Aaid> {
        match self {
            DeregisterAuthenticator::Key { aaid, .. }
            | DeregisterAuthenticator::AllOfAaid(aaid) => Some(aaid),
            DeregisterAuthenticator::All => None,
        }
    }

    /// The KeyID, `None` unless one key is named.
    #[must_use]
    pub const fn key_id(&self) -> Option<&KeyId> {
        match self {
            DeregisterAuthenticator::Key { key_id, .. } => Some(key_id),
            _ => None,
        }
    }

    fn decode(v: &Node<'_>, path: &Path<'_>, opts: &DecodeOptions) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        let aaid = m.required("aaid", |v, p| {
            if json::string(v, p)?.is_empty() {
                Ok(None)
            } else {
                decode_aaid(v, p).map(Some)
            }
        })?;
        let key_id = m.required("keyID", |v, p| {
            let text = json::string(v, p)?;
            if text.is_empty() {
                return Ok(None);
            }
            if aaid.is_none() {
                return Err(MessageError::at(p, MessageErrorKind::KeyIdWithoutAaid));
            }
            key_id_from_text(text, p, opts).map(Some)
        })?;
        Ok(match (aaid, key_id) {
            (Some(aaid), Some(key_id)) => DeregisterAuthenticator::Key { aaid, key_id },
            (Some(aaid), None) => DeregisterAuthenticator::AllOfAaid(aaid),
            // A key ID without an AAID was rejected above.
            (None, _) => DeregisterAuthenticator::All,
        })
    }
}

impl Serialize for DeregisterAuthenticator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("DeregisterAuthenticator", 2)?;
        st.serialize_field("aaid", self.aaid().map_or("", Aaid::as_str))?;
        st.serialize_field(
            "keyID",
            &self.key_id().map(KeyId::to_base64url).unwrap_or_default(),
        )?;
        st.end()
    }
}
