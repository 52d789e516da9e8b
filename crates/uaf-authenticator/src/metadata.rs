//! The metadata statement of a profile (FIDO Metadata Statement v1.1, numeric form).

use alloc::string::String;
use alloc::vec::Vec;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use uaf_proto::registry::{AttachmentHint, UserVerify};

use crate::profile::{Profile, TransactionDisplay};

/// The statement as a JSON value (see [`Profile::metadata_statement`]).
fn statement_value(profile: &Profile, roots: &[Vec<u8>]) -> Value {
    // One OR-alternative per method: the user may verify with any one of them.
    let uv_details: Vec<Value> = UserVerify::NAMED
        .iter()
        .filter(|(flag, _, _)| profile.user_verification().contains(*flag))
        .map(|(flag, _, _)| json!([{ "userVerification": flag.bits() }]))
        .collect();
    let hint = if profile.is_roaming() {
        AttachmentHint::EXTERNAL
    } else {
        AttachmentHint::INTERNAL
    };
    let roots: Vec<Value> = roots
        .iter()
        .map(|der| Value::String(STANDARD.encode(der)))
        .collect();
    let mut s = Map::new();
    s.insert("aaid".into(), Value::from(profile.aaid().as_str()));
    s.insert("description".into(), Value::from(profile.description()));
    s.insert(
        "authenticatorVersion".into(),
        Value::from(profile.authenticator_version()),
    );
    s.insert(
        "upv".into(),
        json!([{ "major": 1, "minor": 1 }, { "major": 1, "minor": 0 }]),
    );
    s.insert("assertionScheme".into(), Value::from("UAFV1TLV"));
    s.insert(
        "authenticationAlgorithm".into(),
        Value::from(profile.sign_alg().value()),
    );
    s.insert(
        "publicKeyAlgAndEncoding".into(),
        Value::from(profile.key_encoding().value()),
    );
    s.insert(
        "attestationTypes".into(),
        json!([profile.attestation_type().value()]),
    );
    s.insert("userVerificationDetails".into(), Value::Array(uv_details));
    s.insert(
        "keyProtection".into(),
        Value::from(profile.key_protection().bits()),
    );
    s.insert(
        "matcherProtection".into(),
        Value::from(profile.matcher_protection().value()),
    );
    s.insert("attachmentHint".into(), Value::from(hint.bits()));
    s.insert(
        "isSecondFactorOnly".into(),
        Value::from(profile.is_second_factor()),
    );
    s.insert("tcDisplay".into(), Value::from(profile.tc_display().bits()));
    if let Some(content_type) = profile.transaction_display().content_type() {
        s.insert("tcDisplayContentType".into(), Value::from(content_type));
    }
    if let TransactionDisplay::Png(list) = profile.transaction_display() {
        let pngs: Vec<Value> = list
            .iter()
            .map(|d| {
                let mut o = Map::new();
                o.insert("width".into(), Value::from(d.width));
                o.insert("height".into(), Value::from(d.height));
                o.insert("bitDepth".into(), Value::from(d.bit_depth));
                o.insert("colorType".into(), Value::from(d.color_type));
                o.insert("compression".into(), Value::from(d.compression));
                o.insert("filter".into(), Value::from(d.filter));
                o.insert("interlace".into(), Value::from(d.interlace));
                if !d.plte.is_empty() {
                    let plte: Vec<Value> = d
                        .plte
                        .iter()
                        .map(|e| json!({ "r": e.r, "g": e.g, "b": e.b }))
                        .collect();
                    o.insert("plte".into(), Value::Array(plte));
                }
                Value::Object(o)
            })
            .collect();
        s.insert("tcDisplayPNGCharacteristics".into(), Value::Array(pngs));
    }
    s.insert("attestationRootCertificates".into(), Value::Array(roots));
    Value::Object(s)
}

/// The statement as pretty-printed JSON text.
pub(crate) fn statement(profile: &Profile, roots: &[Vec<u8>]) -> String {
    let value = statement_value(profile, roots);
    // Serialising a `Value` with string keys cannot fail; `to_string` of `Display` is the
    // fallback that needs no error path.
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| alloc::format!("{value}"))
}

impl Profile {
    /// The metadata statement of this model in the UAF 1.1 numeric form (FIDO Metadata
    /// Statement v1.1 §3), as JSON text, with `roots` (DER) as
    /// `attestationRootCertificates` (base64 standard alphabet with padding, as the
    /// specification writes certificates).
    ///
    /// It lists exactly what the authenticator does: its AAID, `authenticatorVersion`,
    /// `upv` 1.1 and 1.0, `assertionScheme` `UAFV1TLV`, its one `authenticationAlgorithm` and
    /// `publicKeyAlgAndEncoding`, its attestation type, one `userVerificationDetails`
    /// alternative per method, key and matcher protection, `attachmentHint` internal (bound)
    /// or external (roaming), `isSecondFactorOnly`, `tcDisplay` with its content type and PNG
    /// characteristics. For basic surrogate pass no roots (the specification requires an
    /// empty list). An [`Authenticator`](crate::Authenticator) passes its own roots in
    /// [`Authenticator::metadata_statement`](crate::Authenticator::metadata_statement).
    #[must_use]
    pub fn metadata_statement(&self, roots: &[Vec<u8>]) -> String {
        statement(self, roots)
    }
}
