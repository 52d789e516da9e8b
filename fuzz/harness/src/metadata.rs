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

/// The harness test chain's signer key and `x5c` header, for BLOBs signed here.
fn blob_signer() -> &'static (uaf_crypto::SigningKey, String) {
    static SIGNER: std::sync::OnceLock<(uaf_crypto::SigningKey, String)> =
        std::sync::OnceLock::new();
    SIGNER.get_or_init(|| {
        let key = uaf_crypto::SigningKey::from_private_scalar(
            uaf_crypto::KeyType::P256,
            &crate::data::unhex(crate::data::CHAIN_LEAF_SCALAR_HEX),
        )
        .expect("the test chain's leaf scalar");
        let header = format!(
            r#"{{"alg":"ES256","typ":"JWT","x5c":["{}","{}"]}}"#,
            uaf_proto::b64::encode_standard(crate::data::CHAIN_LEAF),
            uaf_proto::b64::encode_standard(crate::data::CHAIN_INTERMEDIATE)
        );
        (key, header)
    })
}

/// A compact JWS over `payload`, signed (ES256, deterministic) by the harness test chain's
/// leaf with `x5c` = [leaf, intermediate]: a BLOB the `metadata_blob` target verifies up to
/// its payload.
#[must_use]
pub fn signed_blob(payload: &[u8]) -> String {
    let (key, header) = blob_signer();
    let input = format!(
        "{}.{}",
        uaf_proto::b64::encode(header.as_bytes()),
        uaf_proto::b64::encode(payload)
    );
    let signature = key
        .sign_deterministic(AlgSign::Secp256r1EcdsaSha256Raw, input.as_bytes())
        .expect("P-256 signing");
    format!("{input}.{}", uaf_proto::b64::encode(signature.as_bytes()))
}

/// `BlobVerifier::verify` (the Metadata Service BLOB) to the harness test root, revocation
/// skipped (the harness has no CRLs), at a time inside the chain's validity.
///
/// The first byte chooses what the rest is: even, a whole BLOB text (the JWS framing, header,
/// `x5c` and chain code see arbitrary input); odd, a payload that is signed here first, so the
/// `MetadataBLOBPayload` reader behind the signature check sees arbitrary input.
///
/// Invariants: an accepted BLOB's entries are all accounted for (indexed + skipped = total),
/// each indexed entry is found by its AAID, and the same BLOB is refused as not newer once
/// its `no` is the last accepted.
pub fn metadata_blob(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let signed;
    let text = if mode % 2 == 0 {
        let Some(text) = text(rest) else { return };
        text
    } else {
        signed = signed_blob(rest);
        signed.as_str()
    };
    let anchors: [&[u8]; 1] = [crate::data::CHAIN_ROOT];
    let verifier = uaf_metadata::BlobVerifier::new(crate::data::SIM_NOW, &[])
        .trust_anchors(&anchors)
        .danger_skip_revocation(true);
    let Ok(blob) = verifier.verify(text) else {
        return;
    };
    assert_eq!(
        blob.index()
            .len()
            .saturating_add(blob.skipped_non_uaf())
            .saturating_add(blob.skipped_without_statement()),
        blob.entries_total(),
        "every BLOB entry is indexed or counted as skipped"
    );
    for entry in blob.index().iter() {
        assert_eq!(
            blob.index().lookup(&entry.aaid()),
            Some(entry),
            "a BLOB entry is found by its AAID"
        );
    }
    let _ = (
        blob.legal_header(),
        blob.next_update(),
        blob.algorithm(),
        blob.is_due_for_update(crate::data::SIM_NOW),
    );
    assert_eq!(
        verifier.last_accepted_no(blob.no()).verify(text).err(),
        Some(uaf_metadata::BlobError::NotNewer {
            no: blob.no(),
            last_accepted: blob.no()
        }),
        "a BLOB is not newer than itself"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in `metadata_blob` seeds get past the signature: the whole BLOB verifies and
    /// its UAF entries are indexed, so fuzzing starts from inputs that reach the payload reader.
    #[test]
    fn blob_seeds_are_accepted() {
        let seeds: Vec<Vec<u8>> = crate::seeds::builtin()
            .into_iter()
            .filter(|(t, _)| *t == "metadata_blob")
            .map(|(_, d)| d)
            .collect();
        assert_eq!(seeds.len(), 2);
        for seed in &seeds {
            let (mode, rest) = seed.split_first().expect("a mode byte");
            let text = if *mode == 0 {
                String::from_utf8(rest.to_vec()).expect("text")
            } else {
                signed_blob(rest)
            };
            let anchors: [&[u8]; 1] = [crate::data::CHAIN_ROOT];
            let blob = uaf_metadata::BlobVerifier::new(crate::data::SIM_NOW, &[])
                .trust_anchors(&anchors)
                .danger_skip_revocation(true)
                .verify(&text)
                .expect("the seed BLOB verifies");
            assert_eq!(blob.index().len(), 2);
            assert_eq!(blob.skipped_non_uaf(), 1);
            assert_eq!(blob.skipped_without_statement(), 1);
            metadata_blob(seed);
        }
    }
}
