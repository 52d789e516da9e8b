//! Target of `uaf-metadata`: metadata statements and MDS3 BLOB entries.

use uaf_metadata::{
    MetadataEntry, MetadataIndex, MetadataSource, ParseOptions, Version, acceptability,
};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};

use crate::text;

/// `MetadataEntry::from_json` (strict, and with whitespace allowed in certificates), then what
/// a verifier asks of an entry: the status verdict, the statement's lists, index look-up.
///
/// Invariants: the lenient reader accepts whatever the strict reader accepts, with the same
/// result; an inserted entry is found by its AAID, in upper case too.
pub fn metadata(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let strict = MetadataEntry::from_json(text);
    let lenient = MetadataEntry::from_json_with(
        text,
        &ParseOptions::new().allow_certificate_whitespace(true),
    );
    if let Ok(e) = &strict {
        assert_eq!(
            lenient.as_ref().ok(),
            Some(e),
            "lenient metadata reading ⊇ strict"
        );
    }
    let Ok(entry) = lenient else { return };
    let _ = entry.latest_status_report();
    let _ = entry.time_of_last_status_change();
    for v in [None, Some(0), Some(1), Some(256), Some(u32::MAX)] {
        let _ = acceptability(&entry, v);
    }
    let s = entry.statement();
    let _ = (
        s.form(),
        s.schema(),
        s.legal_header(),
        s.description(),
        s.alternative_descriptions(),
    );
    let _ = (
        s.authenticator_version(),
        s.protocol_family(),
        s.upv(),
        s.assertion_scheme(),
    );
    let _ = (
        s.user_verification_details(),
        s.user_verification_methods(),
        s.key_protection(),
    );
    let _ = (
        s.is_key_restricted(),
        s.is_fresh_user_verification_required(),
    );
    let _ = (
        s.matcher_protection(),
        s.matcher_protection_bits(),
        s.crypto_strength(),
    );
    let _ = (
        s.operating_env(),
        s.attachment_hint(),
        s.is_second_factor_only(),
        s.tc_display(),
    );
    let _ = (
        s.tc_display_content_type(),
        s.tc_display_png_characteristics(),
    );
    let _ = (
        s.attestation_root_certificates(),
        s.ecdaa_trust_anchors(),
        s.icon(),
    );
    let _ = s.supported_extensions();
    let _ = s.supports_upv(Version { major: 1, minor: 1 });
    let _ = s.supports_assertion_scheme("UAFV1TLV");
    for a in AlgSign::KNOWN {
        let _ = s.supports_sign_alg(*a);
    }
    for k in AlgKey::KNOWN {
        let _ = s.supports_key_encoding(*k);
    }
    for t in AttestationType::KNOWN {
        let _ = s.supports_attestation(*t);
    }
    let aaid = entry.aaid();
    let mut index = MetadataIndex::new();
    index
        .insert(entry.clone())
        .expect("one entry inserts into an empty index");
    assert_eq!(
        index.lookup(&aaid),
        Some(&entry),
        "an entry is found by its AAID"
    );
    assert_eq!(
        index.lookup(&aaid.to_uppercase()),
        Some(&entry),
        "AAID look-up ignores case"
    );
}
