//! [`OperationHeader`] (digest §2.4).

use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

use super::DecodeOptions;
use super::common::{Extension, Operation, Version};
use super::error::{MessageError, MessageErrorKind, Path};
use super::json::{self, Members, Node};
use super::ser;
use crate::id::AppId;

/// The header of every UAF message (digest §2.4). A response repeats `upv`, `op`, `appID` and
/// `serverData` of the request it answers; the server checks them (digest §3.2 R1–R2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OperationHeader {
    /// Protocol version of this message.
    pub upv: Version,
    /// The operation; decoding checks it matches the message type.
    pub op: Operation,
    /// The AppID (`appID`, ≤ 512 characters): an `https` URL of the trusted-facets list, or
    /// empty / absent (then the client uses its facet ID). Kept as received (`Some("")` and
    /// `None` both mean "the facet ID").
    #[serde(
        rename = "appID",
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser::opt_display"
    )]
    pub app_id: Option<AppId>,
    /// Opaque server data (`serverData`, 1..=1536 characters when present), echoed by the client.
    #[serde(rename = "serverData", skip_serializing_if = "Option::is_none")]
    pub server_data: Option<String>,
    /// Extensions (`exts`); empty means absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exts: Vec<Extension>,
}

impl OperationHeader {
    /// Longest `serverData`.
    pub const MAX_SERVER_DATA_LEN: usize = 1536;

    /// A header with only `upv` and `op`.
    #[must_use]
    pub const fn new(upv: Version, op: Operation) -> Self {
        OperationHeader {
            upv,
            op,
            app_id: None,
            server_data: None,
            exts: Vec::new(),
        }
    }

    /// Decodes a header whose `op` must be `expected`.
    pub(crate) fn decode(
        v: &Node<'_>,
        path: &Path<'_>,
        opts: &DecodeOptions,
        expected: Operation,
    ) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        let upv = m.required("upv", Version::decode)?;
        let op = m.required("op", |v, p| {
            let op = Operation::decode(v, p)?;
            if op == expected {
                Ok(op)
            } else {
                Err(MessageError::at(
                    p,
                    MessageErrorKind::WrongOperation {
                        expected,
                        found: op,
                    },
                ))
            }
        })?;
        Ok(OperationHeader {
            upv,
            op,
            app_id: m.optional("appID", decode_app_id)?,
            server_data: m
                .optional("serverData", |v, p| {
                    json::string_chars(v, p, 1, Self::MAX_SERVER_DATA_LEN)
                })?
                .map(String::from),
            exts: m
                .optional("exts", |v, p| Extension::decode_list(v, p, opts))?
                .unwrap_or_default(),
        })
    }
}

/// An AppID string of at most 512 characters (may be empty).
pub(crate) fn decode_app_id(v: &Node<'_>, path: &Path<'_>) -> Result<AppId, MessageError> {
    let s = json::string_chars(v, path, 0, AppId::MAX_LEN)?;
    // The length is checked above, so this cannot fail; map the error anyway.
    AppId::new(s).map_err(|_| {
        MessageError::at(
            path,
            MessageErrorKind::Length {
                len: s.chars().count(),
                min: 0,
                max: AppId::MAX_LEN,
                unit: super::error::LengthUnit::Characters,
            },
        )
    })
}
