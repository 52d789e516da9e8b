//! [`Policy`] and [`MatchCriteria`] (digest §2.12).

use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

use super::DecodeOptions;
use super::common::{Extension, decode_aaid, decode_key_id};
use super::error::{MessageError, MessageErrorKind, Path};
use super::json::{self, Members, Node};
use super::ser;
use crate::id::{Aaid, KeyId};
use crate::registry::{
    AlgSign, AttachmentHint, AttestationType, KeyProtection, TcDisplay, UserVerify,
};

/// Which authenticators a request accepts (digest §2.12).
///
/// `accepted` is an OR over its entries; each entry is an AND-set of criteria, each matched by a
/// different authenticator. An authenticator matching any `disallowed` entry is never used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// The acceptable combinations of authenticators.
    pub accepted: Vec<Vec<MatchCriteria>>,
    /// Excluded authenticators (e.g. every key the user already registered); empty means absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disallowed: Vec<MatchCriteria>,
}

impl Policy {
    pub(crate) fn decode(
        v: &Node<'_>,
        path: &Path<'_>,
        opts: &DecodeOptions,
    ) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        let criteria = |v: &Node<'_>, p: &Path<'_>| MatchCriteria::decode(v, p, opts);
        Ok(Policy {
            accepted: m.required("accepted", |v, p| {
                json::list(v, p, |v, p| json::list(v, p, criteria))
            })?,
            disallowed: m
                .optional("disallowed", |v, p| json::list(v, p, criteria))?
                .unwrap_or_default(),
        })
    }

    /// Checks the structural rules a server-generated policy must follow: `accepted` and each of
    /// its entries non-empty, and every criteria (accepted and disallowed) passing
    /// [`MatchCriteria::validate`]. Decoding does not apply these rules (the specification's own
    /// examples break them).
    ///
    /// # Errors
    /// The first rule broken, with a path such as `accepted[6][0].authenticationAlgorithms`.
    pub fn validate(&self) -> Result<(), MessageError> {
        let root = Path::Root;
        let accepted = root.key("accepted");
        if self.accepted.is_empty() {
            return Err(MessageError::at(&accepted, MessageErrorKind::Empty));
        }
        for (i, set) in self.accepted.iter().enumerate() {
            let set_path = accepted.index(i);
            if set.is_empty() {
                return Err(MessageError::at(&set_path, MessageErrorKind::Empty));
            }
            for (j, c) in set.iter().enumerate() {
                c.validate_at(&set_path.index(j))?;
            }
        }
        let disallowed = root.key("disallowed");
        for (i, c) in self.disallowed.iter().enumerate() {
            c.validate_at(&disallowed.index(i))?;
        }
        Ok(())
    }
}

/// A description of authenticators (digest §2.12). Every member is optional; numbers the
/// registry does not name are kept (bit sets keep every bit, `AlgSign::Unknown(n)`, …).
///
/// Decoding checks types and value formats only; the structural rules (what may accompany
/// `aaid`, what is required without it) are [`MatchCriteria::validate`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MatchCriteria {
    /// AAIDs (`aaid`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser::opt_display_list"
    )]
    pub aaid: Option<Vec<Aaid>>,
    /// Vendor IDs (`vendorID`): the 4-hex-digit vendor part of AAIDs.
    #[serde(rename = "vendorID", skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<Vec<String>>,
    /// KeyIDs (`keyIDs`).
    #[serde(
        rename = "keyIDs",
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser::opt_display_list"
    )]
    pub key_ids: Option<Vec<KeyId>>,
    /// User verification methods (`userVerification`).
    #[serde(
        rename = "userVerification",
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser::opt_u32"
    )]
    pub user_verification: Option<UserVerify>,
    /// Key protection (`keyProtection`).
    #[serde(
        rename = "keyProtection",
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser::opt_u16"
    )]
    pub key_protection: Option<KeyProtection>,
    /// Matcher protection bits (`matcherProtection`, `MATCHER_PROTECTION_*` values OR-ed; a raw
    /// number because several bits may be set here).
    #[serde(rename = "matcherProtection", skip_serializing_if = "Option::is_none")]
    pub matcher_protection: Option<u16>,
    /// Attachment hints (`attachmentHint`).
    #[serde(
        rename = "attachmentHint",
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser::opt_u32"
    )]
    pub attachment_hint: Option<AttachmentHint>,
    /// Transaction confirmation display (`tcDisplay`).
    #[serde(
        rename = "tcDisplay",
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser::opt_u16"
    )]
    pub tc_display: Option<TcDisplay>,
    /// Signature algorithms (`authenticationAlgorithms`).
    #[serde(
        rename = "authenticationAlgorithms",
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser::opt_u16_list"
    )]
    pub authentication_algorithms: Option<Vec<AlgSign>>,
    /// Assertion schemes (`assertionSchemes`, e.g. `"UAFV1TLV"`).
    #[serde(rename = "assertionSchemes", skip_serializing_if = "Option::is_none")]
    pub assertion_schemes: Option<Vec<String>>,
    /// Attestation types, most preferred first (`attestationTypes`).
    #[serde(
        rename = "attestationTypes",
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser::opt_u16_list"
    )]
    pub attestation_types: Option<Vec<AttestationType>>,
    /// Authenticator version (`authenticatorVersion`).
    #[serde(
        rename = "authenticatorVersion",
        skip_serializing_if = "Option::is_none"
    )]
    pub authenticator_version: Option<u16>,
    /// Extensions (`exts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exts: Option<Vec<Extension>>,
}

impl MatchCriteria {
    /// Criteria naming one registered key: `{"aaid":[aaid],"keyIDs":[key_id]}` — the shape of
    /// `disallowed` entries for already-registered keys and of second-factor `accepted` entries
    /// (digest §3.4).
    #[must_use]
    pub fn registered_key(aaid: Aaid, key_id: KeyId) -> Self {
        MatchCriteria {
            aaid: Some(alloc::vec![aaid]),
            key_ids: Some(alloc::vec![key_id]),
            ..MatchCriteria::default()
        }
    }

    pub(crate) fn decode(
        v: &Node<'_>,
        path: &Path<'_>,
        opts: &DecodeOptions,
    ) -> Result<Self, MessageError> {
        let m = Members::of(v, path)?;
        Ok(MatchCriteria {
            aaid: m.optional("aaid", |v, p| json::list(v, p, decode_aaid))?,
            vendor_id: m.optional("vendorID", |v, p| json::list(v, p, decode_vendor_id))?,
            key_ids: m.optional("keyIDs", |v, p| {
                json::list(v, p, |v, p| decode_key_id(v, p, opts))
            })?,
            user_verification: m
                .optional("userVerification", |v, p| json::int(v, p).map(UserVerify))?,
            key_protection: m
                .optional("keyProtection", |v, p| json::int(v, p).map(KeyProtection))?,
            matcher_protection: m.optional("matcherProtection", json::int)?,
            attachment_hint: m
                .optional("attachmentHint", |v, p| json::int(v, p).map(AttachmentHint))?,
            tc_display: m.optional("tcDisplay", |v, p| json::int(v, p).map(TcDisplay))?,
            authentication_algorithms: m.optional("authenticationAlgorithms", |v, p| {
                json::list(v, p, |v, p| json::int(v, p).map(AlgSign::from_value))
            })?,
            assertion_schemes: m.optional("assertionSchemes", |v, p| {
                json::list(v, p, |v, p| json::string(v, p).map(String::from))
            })?,
            attestation_types: m.optional("attestationTypes", |v, p| {
                json::list(v, p, |v, p| {
                    json::int(v, p).map(AttestationType::from_value)
                })
            })?,
            authenticator_version: m.optional("authenticatorVersion", json::int)?,
            exts: m.optional("exts", |v, p| Extension::decode_list(v, p, opts))?,
        })
    }

    /// Checks the structural rules of digest §2.12, which a server must follow when it
    /// generates criteria:
    /// - with `aaid`, only `keyIDs`, `attachmentHint`, `authenticatorVersion` and `exts` may be
    ///   present ([`MessageErrorKind::NotAllowedWithAaid`]);
    /// - without `aaid`, `authenticationAlgorithms` and `assertionSchemes` are required
    ///   ([`MessageErrorKind::MissingMember`]);
    /// - no list may be empty ([`MessageErrorKind::Empty`]; an empty list matches nothing).
    ///
    /// Decoding does not apply these rules: several criteria in the specification's own
    /// Examples 7 and 9 break them, so a client must still accept such policies.
    ///
    /// # Errors
    /// The first rule broken; the path names the member (`keyProtection`).
    pub fn validate(&self) -> Result<(), MessageError> {
        self.validate_at(&Path::Root)
    }

    fn validate_at(&self, path: &Path<'_>) -> Result<(), MessageError> {
        let lists: [(&'static str, Option<usize>); 6] = [
            ("aaid", self.aaid.as_ref().map(Vec::len)),
            ("vendorID", self.vendor_id.as_ref().map(Vec::len)),
            ("keyIDs", self.key_ids.as_ref().map(Vec::len)),
            (
                "authenticationAlgorithms",
                self.authentication_algorithms.as_ref().map(Vec::len),
            ),
            (
                "assertionSchemes",
                self.assertion_schemes.as_ref().map(Vec::len),
            ),
            (
                "attestationTypes",
                self.attestation_types.as_ref().map(Vec::len),
            ),
        ];
        for (name, len) in lists {
            if len == Some(0) {
                return Err(MessageError::at(&path.key(name), MessageErrorKind::Empty));
            }
        }
        if self.aaid.is_some() {
            let fixed_by_aaid: [(&'static str, bool); 8] = [
                ("vendorID", self.vendor_id.is_some()),
                ("userVerification", self.user_verification.is_some()),
                ("keyProtection", self.key_protection.is_some()),
                ("matcherProtection", self.matcher_protection.is_some()),
                ("tcDisplay", self.tc_display.is_some()),
                (
                    "authenticationAlgorithms",
                    self.authentication_algorithms.is_some(),
                ),
                ("assertionSchemes", self.assertion_schemes.is_some()),
                ("attestationTypes", self.attestation_types.is_some()),
            ];
            if let Some((name, _)) = fixed_by_aaid.iter().find(|(_, present)| *present) {
                return Err(MessageError::at(
                    &path.key(name),
                    MessageErrorKind::NotAllowedWithAaid,
                ));
            }
        } else {
            if self.authentication_algorithms.is_none() {
                return Err(MessageError::at(
                    &path.key("authenticationAlgorithms"),
                    MessageErrorKind::MissingMember,
                ));
            }
            if self.assertion_schemes.is_none() {
                return Err(MessageError::at(
                    &path.key("assertionSchemes"),
                    MessageErrorKind::MissingMember,
                ));
            }
        }
        Ok(())
    }
}

/// A vendor ID: 4 hex digits.
fn decode_vendor_id(v: &Node<'_>, path: &Path<'_>) -> Result<String, MessageError> {
    let s = json::string(v, path)?;
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.into())
    } else {
        Err(MessageError::at(path, MessageErrorKind::InvalidVendorId))
    }
}
