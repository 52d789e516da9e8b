//! Reading metadata statements in both forms: every field of the fixtures, and one negative
//! test per rule with the exact error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test]

mod common;

use common::{bytes, edited, edited_statement, set, text};
use serde_json::json;
use uaf_metadata::{
    MetadataEntry, MetadataError, MetadataStatement, ParseOptions, ProtocolFamily, StatementForm,
    Version,
};
use uaf_proto::b64::Base64Error;
use uaf_proto::id::Aaid;
use uaf_proto::registry::{
    AlgKey, AlgSign, AttachmentHint, AttestationType, KeyProtection, MatcherProtection, TcDisplay,
    UserVerify,
};

const BOOL: &str = "a boolean (true or false)";

const V1_U16: &str =
    "an integer 0..=65535 (UAF 1.x form, chosen because the statement has no \"schema\")";
const V1_U32: &str =
    "an integer 0..=4294967295 (UAF 1.x form, chosen because the statement has no \"schema\")";
const V3_NAMES: &str = "an array of strings (MDS3 form, chosen because of \"schema\": 3)";
const V3_NAME: &str = "a string (MDS3 form, chosen because of \"schema\": 3)";

fn statement(name: &str) -> MetadataStatement {
    MetadataStatement::from_json(&text(name)).unwrap()
}

fn err(text: &str) -> MetadataError {
    MetadataEntry::from_json(text).unwrap_err()
}

fn wrong_type(path: &str, expected: &'static str, found: &'static str) -> MetadataError {
    MetadataError::WrongType {
        path: path.into(),
        expected,
        found,
    }
}

fn missing(path: &str) -> MetadataError {
    MetadataError::MissingField { path: path.into() }
}

fn invalid(path: &str, reason: &'static str) -> MetadataError {
    MetadataError::InvalidValue {
        path: path.into(),
        reason,
    }
}

fn unknown(path: &str, value: &str) -> MetadataError {
    MetadataError::UnknownName {
        path: path.into(),
        value: value.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// UAF 1.1 numeric form (metadata statement v1.1 §3)

#[test]
fn uaf11_fc01_shape() {
    let s = statement("uaf11-fc01-shape.json");
    assert_eq!(s.form(), StatementForm::Uaf1);
    assert_eq!(s.schema(), None);
    assert_eq!(s.aaid().as_str(), "F1D0#FC01");
    assert!(
        s.description()
            .starts_with("uaf-metadata test authenticator")
    );
    assert_eq!(s.authenticator_version(), 1);
    assert_eq!(s.protocol_family(), ProtocolFamily::Uaf);
    assert_eq!(s.upv(), &[Version::V1_1, Version::V1_0]);
    assert!(s.supports_upv(Version { major: 1, minor: 0 }));
    assert!(!s.supports_upv(Version { major: 1, minor: 2 }));
    assert_eq!(s.assertion_scheme(), Some("UAFV1TLV"));
    assert!(s.supports_assertion_scheme("UAFV1TLV"));
    assert!(!s.supports_assertion_scheme("U2FV1BIN"));
    assert_eq!(
        s.authentication_algorithms(),
        &[AlgSign::Secp256r1EcdsaSha256Raw]
    );
    assert!(s.supports_sign_alg(AlgSign::Secp256r1EcdsaSha256Raw));
    assert!(!s.supports_sign_alg(AlgSign::Secp256r1EcdsaSha256Der));
    assert_eq!(s.public_key_alg_and_encodings(), &[AlgKey::EccX962Raw]);
    assert!(s.supports_key_encoding(AlgKey::EccX962Raw));
    assert!(!s.supports_key_encoding(AlgKey::EccX962Der));
    assert_eq!(s.attestation_types(), &[AttestationType::BasicFull]);
    assert!(s.supports_attestation(AttestationType::BasicFull));
    assert!(!s.supports_attestation(AttestationType::BasicSurrogate));
    assert_eq!(s.user_verification_details().len(), 2);
    assert_eq!(
        s.user_verification_methods(),
        UserVerify::PASSCODE | UserVerify::FINGERPRINT
    );
    assert_eq!(s.key_protection(), KeyProtection::SOFTWARE);
    assert_eq!(s.matcher_protection(), &[MatcherProtection::Software]);
    assert_eq!(s.matcher_protection_bits(), 1);
    assert_eq!(s.attachment_hint(), AttachmentHint::INTERNAL);
    assert!(!s.is_second_factor_only());
    assert!(s.is_key_restricted(), "default true");
    assert!(s.is_fresh_user_verification_required(), "default true");
    assert!(s.tc_display().is_empty());
    assert_eq!(s.tc_display_content_type(), None);
    assert!(s.tc_display_png_characteristics().is_empty());
    assert_eq!(s.attestation_root_certificates(), &[bytes("test-root.der")]);
    assert!(
        s.icon()
            .is_some_and(|i| i.starts_with("data:image/png;base64,"))
    );
    assert!(s.ecdaa_trust_anchors().is_empty());
    assert!(s.supported_extensions().is_empty());
    assert_eq!(s.legal_header(), None);
    assert_eq!(s.crypto_strength(), None);
}

#[test]
fn uaf11_fc02_shape_png_display() {
    let s = statement("uaf11-fc02-shape.json");
    assert_eq!(s.public_key_alg_and_encodings(), &[AlgKey::EccX962Der]);
    assert_eq!(s.tc_display(), TcDisplay::ANY);
    assert_eq!(s.tc_display_content_type(), Some("image/png"));
    let png = s.tc_display_png_characteristics();
    assert_eq!(png.len(), 2);
    let first = &png[0];
    assert_eq!((first.width, first.height), (200, 400));
    assert_eq!((first.bit_depth, first.color_type), (1, 3));
    assert_eq!(
        (first.compression, first.filter, first.interlace),
        (0, 0, 0)
    );
    assert_eq!(first.plte.len(), 2);
    assert_eq!(
        (first.plte[0].r, first.plte[0].g, first.plte[0].b),
        (200, 0, 0)
    );
    assert_eq!(
        (first.plte[1].r, first.plte[1].g, first.plte[1].b),
        (216, 216, 216)
    );
    assert_eq!(
        (png[1].width, png[1].bit_depth, png[1].color_type),
        (300, 8, 6)
    );
    assert!(png[1].plte.is_empty());
}

#[test]
fn uaf11_fc03_shape_text_display() {
    let s = statement("uaf11-fc03-shape.json");
    assert_eq!(
        s.authentication_algorithms(),
        &[AlgSign::Secp256r1EcdsaSha256Der]
    );
    assert_eq!(s.public_key_alg_and_encodings(), &[AlgKey::EccX962Raw]);
    assert_eq!(
        s.tc_display(),
        TcDisplay::ANY | TcDisplay::PRIVILEGED_SOFTWARE
    );
    assert_eq!(s.tc_display().bits(), 0x0003);
    assert_eq!(s.tc_display_content_type(), Some("text/plain"));
    assert!(s.tc_display_png_characteristics().is_empty());
}

#[test]
fn uaf11_every_optional_member_and_unknown_numbers() {
    let s = statement("uaf11-full.json");
    assert_eq!(
        s.legal_header(),
        Some("Test data of uaf-rs; no legal meaning.")
    );
    assert_eq!(
        s.alternative_descriptions()
            .get("de-DE")
            .map(String::as_str),
        Some("Testauthentifikator")
    );
    assert_eq!(s.alternative_descriptions().len(), 2);
    assert_eq!(s.authenticator_version(), 2);
    // The singular member first, then the rest of the list without repeats; the unknown
    // number 0x0099 is kept.
    assert_eq!(
        s.authentication_algorithms(),
        &[
            AlgSign::Secp256r1EcdsaSha256Raw,
            AlgSign::Secp256r1EcdsaSha256Der,
            AlgSign::Secp256k1EcdsaSha256Der,
            AlgSign::Unknown(0x0099),
        ]
    );
    assert!(s.supports_sign_alg(AlgSign::Unknown(0x0099)));
    assert_eq!(
        s.public_key_alg_and_encodings(),
        &[AlgKey::EccX962Raw, AlgKey::EccX962Der]
    );
    assert_eq!(
        s.attestation_types(),
        &[AttestationType::BasicFull, AttestationType::BasicSurrogate]
    );
    // HARDWARE | TEE and an unknown bit 0x0100, kept.
    assert_eq!(s.key_protection().bits(), 0x0106);
    assert!(
        s.key_protection()
            .contains(KeyProtection::HARDWARE | KeyProtection::TEE)
    );
    assert_eq!(s.key_protection().unknown_bits(), 0x0100);
    assert!(!s.is_key_restricted());
    assert!(!s.is_fresh_user_verification_required());
    assert_eq!(s.matcher_protection(), &[MatcherProtection::Tee]);
    assert_eq!(s.crypto_strength(), Some(128));
    assert_eq!(s.operating_env(), Some("TEEs based on ARM TrustZone HW"));
    assert!(s.is_second_factor_only());
    assert_eq!(
        s.user_verification_methods(),
        UserVerify::PASSCODE | UserVerify::FINGERPRINT | UserVerify::PATTERN
    );
    let details = s.user_verification_details();
    let ca = details[0][0].ca_desc.unwrap();
    assert_eq!(
        (ca.base, ca.min_length, ca.max_retries, ca.block_slowdown),
        (10, 6, Some(5), Some(30))
    );
    let ba = details[1][0].ba_desc.unwrap();
    assert_eq!(ba.far, Some(0.00002));
    assert_eq!(
        (ba.frr, ba.eer, ba.faar),
        (Some(0.02), Some(0.01), Some(0.5))
    );
    assert_eq!(ba.max_reference_data_sets, Some(5));
    assert_eq!(ba.self_attested_far, None);
    let pa = details[1][1].pa_desc.unwrap();
    assert_eq!(pa.min_complexity, 389_112);
    assert_eq!(details[1][1].user_verification, UserVerify::PATTERN);
    let anchor = &s.ecdaa_trust_anchors()[0];
    assert_eq!(
        (
            &*anchor.x,
            &*anchor.y,
            &*anchor.c,
            &*anchor.sx,
            &*anchor.sy,
            &*anchor.g1_curve
        ),
        ("eHg", "eXk", "Yw", "c3g", "c3k", "BN_P256")
    );
    let ext = s.supported_extensions();
    assert_eq!(ext.len(), 2);
    assert_eq!(
        (ext[0].id.as_str(), ext[0].tag, ext[0].fail_if_unknown),
        ("fido.uaf.android.key_attestation", None, false)
    );
    assert_eq!(
        (ext[1].tag, ext[1].data.as_deref(), ext[1].fail_if_unknown),
        (Some(4097), Some("opaque"), true)
    );
}

// ---------------------------------------------------------------------------------------------
// MDS3 string form (metadata statement v3.0 §4)

#[test]
fn mds3_statement() {
    let s = statement("mds3-statement.json");
    assert_eq!(s.form(), StatementForm::Mds3);
    assert_eq!(s.schema(), Some(3));
    // The AAID keeps its spelling and compares case-insensitively.
    assert_eq!(s.aaid().as_str(), "f1d0#3001");
    assert_eq!(s.aaid(), Aaid::parse("F1D0#3001").unwrap());
    assert_eq!(s.authenticator_version(), 3);
    assert_eq!(s.upv(), &[Version::V1_0, Version::V1_1]);
    // MDS3 has no assertionScheme: UAF statements take UAFV1TLV.
    assert_eq!(s.assertion_scheme(), None);
    assert!(s.supports_assertion_scheme("UAFV1TLV"));
    assert!(!s.supports_assertion_scheme("UAFV1TLV "));
    assert_eq!(
        s.authentication_algorithms(),
        &[
            AlgSign::Secp256r1EcdsaSha256Raw,
            AlgSign::Secp256r1EcdsaSha256Der,
            AlgSign::Secp256k1EcdsaSha256Der
        ]
    );
    assert_eq!(
        s.public_key_alg_and_encodings(),
        &[AlgKey::EccX962Raw, AlgKey::EccX962Der]
    );
    assert_eq!(
        s.attestation_types(),
        &[AttestationType::BasicFull, AttestationType::BasicSurrogate]
    );
    assert_eq!(
        s.user_verification_methods(),
        UserVerify::PASSCODE | UserVerify::FINGERPRINT | UserVerify::PRESENCE | UserVerify::PATTERN
    );
    let details = s.user_verification_details();
    assert_eq!(details.len(), 3);
    assert_eq!(details[1].len(), 2, "fingerprint AND presence");
    let ba = details[1][0].ba_desc.unwrap();
    assert_eq!(
        (ba.self_attested_frr, ba.self_attested_far, ba.max_templates),
        (Some(0.03), Some(0.00002), Some(5))
    );
    assert_eq!(details[0][0].ca_desc.unwrap().min_length, 4);
    assert_eq!(details[2][0].pa_desc.unwrap().max_retries, None);
    assert_eq!(
        s.key_protection(),
        KeyProtection::HARDWARE | KeyProtection::TEE
    );
    assert_eq!(s.matcher_protection(), &[MatcherProtection::Tee]);
    assert_eq!(s.attachment_hint(), AttachmentHint::INTERNAL);
    assert_eq!(s.tc_display(), TcDisplay::ANY | TcDisplay::TEE);
    assert_eq!(s.tc_display_content_type(), Some("image/png"));
    assert_eq!(s.tc_display_png_characteristics()[0].width, 320);
    assert!(!s.is_second_factor_only(), "absent in MDS3: false");
    assert_eq!(s.crypto_strength(), Some(128));
    assert_eq!(
        s.alternative_descriptions()
            .get("ja-JP")
            .map(String::as_str),
        Some("テスト認証器")
    );
    assert_eq!(s.attestation_root_certificates(), &[bytes("test-root.der")]);
}

#[test]
fn mds3_empty_lists_mean_none() {
    let s = MetadataStatement::from_json(&edited("mds3-statement.json", |o| {
        o.insert("tcDisplay".into(), json!([]));
        o.insert("keyProtection".into(), json!([]));
        o.insert("matcherProtection".into(), json!([]));
        o.insert("attestationRootCertificates".into(), json!([]));
    }))
    .unwrap();
    assert!(s.tc_display().is_empty());
    assert!(s.key_protection().is_empty());
    assert!(s.matcher_protection().is_empty());
    assert!(s.attestation_root_certificates().is_empty());
}

#[test]
fn assertion_scheme_of_non_uaf_mds3_statement() {
    let s =
        MetadataStatement::from_json(&set("mds3-statement.json", "/protocolFamily", json!("u2f")))
            .unwrap();
    assert_eq!(s.protocol_family(), ProtocolFamily::U2f);
    assert!(!s.supports_assertion_scheme("UAFV1TLV"));
}

#[test]
fn a_bare_statement_is_an_entry_without_reports() {
    let entry = MetadataEntry::from_json(&text("uaf11-fc01-shape.json")).unwrap();
    assert!(entry.status_reports().is_empty());
    assert_eq!(entry.time_of_last_status_change(), None);
    assert_eq!(entry.latest_status_report(), None);
    assert_eq!(entry.statement(), &statement("uaf11-fc01-shape.json"));
    assert_eq!(
        MetadataEntry::from(statement("uaf11-fc01-shape.json")),
        entry
    );
}

// ---------------------------------------------------------------------------------------------
// Negative: not JSON, wrong types

#[test]
fn not_json() {
    assert!(matches!(
        err("{\"aaid\": "),
        MetadataError::Syntax { line: 1, .. }
    ));
    assert!(matches!(
        err("{}\n}"),
        MetadataError::Syntax { line: 2, column: 1 }
    ));
    assert!(err("{").to_string().starts_with("not valid JSON"));
}

#[test]
fn document_must_be_an_object() {
    assert_eq!(err("[]"), wrong_type("", "an object", "array"));
    assert_eq!(
        err("[]").to_string(),
        "the metadata document: expected an object, found array"
    );
}

#[test]
fn uaf1_field_with_mds3_shape_is_a_wrong_type() {
    let text = set(
        "uaf11-fc01-shape.json",
        "/keyProtection",
        json!(["hardware"]),
    );
    let e = err(&text);
    assert_eq!(e, wrong_type("keyProtection", V1_U16, "array"));
    assert_eq!(
        e.to_string(),
        "metadata field `keyProtection`: expected an integer 0..=65535 (UAF 1.x form, chosen because the statement has no \"schema\"), found array"
    );
}

#[test]
fn mds3_field_with_uaf1_shape_is_a_wrong_type() {
    let text = set("mds3-statement.json", "/keyProtection", json!(6));
    assert_eq!(err(&text), wrong_type("keyProtection", V3_NAMES, "number"));
    let text = set(
        "mds3-statement.json",
        "/authenticationAlgorithms",
        json!([1]),
    );
    assert_eq!(
        err(&text),
        wrong_type("authenticationAlgorithms[0]", V3_NAME, "number")
    );
}

#[test]
fn numbers_out_of_range() {
    let text = set(
        "uaf11-fc01-shape.json",
        "/authenticationAlgorithm",
        json!(65536),
    );
    assert_eq!(
        err(&text),
        wrong_type("authenticationAlgorithm", V1_U16, "number")
    );
    let text = set("uaf11-fc01-shape.json", "/attachmentHint", json!(-1));
    assert_eq!(err(&text), wrong_type("attachmentHint", V1_U32, "number"));
    let text = set(
        "uaf11-fc02-shape.json",
        "/tcDisplayPNGCharacteristics/0/bitDepth",
        json!(256),
    );
    assert_eq!(
        err(&text),
        wrong_type(
            "tcDisplayPNGCharacteristics[0].bitDepth",
            "an integer 0..=255",
            "number"
        )
    );
    let text = set("uaf11-fc01-shape.json", "/authenticatorVersion", json!(1.5));
    assert_eq!(
        err(&text),
        wrong_type("authenticatorVersion", V1_U16, "number")
    );
}

#[test]
fn other_wrong_types_name_the_path() {
    #[rustfmt::skip]
    let cases = [
        ("uaf11-fc01-shape.json", "/description", json!(7), wrong_type("description", "a string", "number")),
        ("uaf11-fc01-shape.json", "/isSecondFactorOnly", json!("no"), wrong_type("isSecondFactorOnly", BOOL, "string")),
        ("uaf11-fc01-shape.json", "/icon", json!(null), wrong_type("icon", "a string", "null")),
        ("uaf11-fc01-shape.json", "/upv", json!({"major": 1, "minor": 1}), wrong_type("upv", "an array of {\"major\", \"minor\"} objects", "object")),
        ("uaf11-fc01-shape.json", "/upv/1/minor", json!("0"), wrong_type("upv[1].minor", "an integer 0..=65535", "string")),
        ("uaf11-fc01-shape.json", "/userVerificationDetails/1", json!({"userVerification": 2}), wrong_type("userVerificationDetails[1]", "an array of VerificationMethodDescriptor objects", "object")),
        ("uaf11-fc01-shape.json", "/userVerificationDetails/0/0/caDesc", json!({"base": 10, "minLength": "4"}), wrong_type("userVerificationDetails[0][0].caDesc.minLength", "an integer 0..=65535", "string")),
        ("uaf11-fc01-shape.json", "/attestationRootCertificates", json!([[]]), wrong_type("attestationRootCertificates[0]", "a string", "array")),
        ("uaf11-full.json", "/ecdaaTrustAnchors/0/G1Curve", json!(1), wrong_type("ecdaaTrustAnchors[0].G1Curve", "a string", "number")),
        ("uaf11-full.json", "/supportedExtensions/1/fail_if_unknown", json!(1), wrong_type("supportedExtensions[1].fail_if_unknown", BOOL, "number")),
        ("uaf11-full.json", "/userVerificationDetails/1/0/baDesc/FAR", json!("0.1"), wrong_type("userVerificationDetails[1][0].baDesc.FAR", "a number", "string")),
        ("uaf11-full.json", "/alternativeDescriptions/de-DE", json!(false), wrong_type("alternativeDescriptions.de-DE", "a string", "boolean")),
        ("mds3-statement.json", "/isKeyRestricted", json!("true"), wrong_type("isKeyRestricted", BOOL, "string")),
        ("mds3-statement.json", "/schema", json!("3"), wrong_type("schema", "an integer 0..=65535", "string")),
    ];
    for (file, pointer, value, expected) in cases {
        assert_eq!(
            err(&set(file, pointer, value)),
            expected,
            "{file} {pointer}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Negative: unknown registry strings; unknown members are ignored

#[test]
fn unknown_registry_strings_name_field_and_value() {
    #[rustfmt::skip]
    let cases = [
        ("/authenticationAlgorithms/1", "secp256r1_ecdsa_sha256", "authenticationAlgorithms[1]"),
        ("/publicKeyAlgAndEncodings/0", "ECC_X962_RAW", "publicKeyAlgAndEncodings[0]"),
        ("/attestationTypes/0", "basic", "attestationTypes[0]"),
        ("/userVerificationDetails/1/0/userVerificationMethod", "retina_internal", "userVerificationDetails[1][0].userVerificationMethod"),
        ("/keyProtection/1", "trustzone", "keyProtection[1]"),
        ("/matcherProtection/0", "onchip", "matcherProtection[0]"),
        ("/attachmentHint/0", "usb", "attachmentHint[0]"),
        ("/tcDisplay/1", "secure", "tcDisplay[1]"),
        ("/protocolFamily", "fido3", "protocolFamily"),
    ];
    for (pointer, value, path) in cases {
        let text = set("mds3-statement.json", pointer, json!(value));
        assert_eq!(err(&text), unknown(path, value));
    }
    let e = err(&set(
        "mds3-statement.json",
        "/attestationTypes/0",
        json!("basic"),
    ));
    assert!(
        e.to_string()
            .starts_with("metadata field `attestationTypes[0]`: \"basic\" is not a name")
    );
}

#[test]
fn unknown_members_are_ignored() {
    let plain = statement("uaf11-fc01-shape.json");
    let extra = MetadataStatement::from_json(&edited("uaf11-fc01-shape.json", |o| {
        o.insert("aaguid".into(), json!("not checked"));
        o.insert("vendorSpecific".into(), json!({"anything": [1, 2, 3]}));
    }))
    .unwrap();
    assert_eq!(plain, extra);
}

// ---------------------------------------------------------------------------------------------
// Negative: missing required members

#[test]
fn missing_required_members_uaf1() {
    for field in [
        "aaid",
        "description",
        "authenticatorVersion",
        "upv",
        "assertionScheme",
        "authenticationAlgorithm",
        "publicKeyAlgAndEncoding",
        "attestationTypes",
        "userVerificationDetails",
        "keyProtection",
        "matcherProtection",
        "attachmentHint",
        "isSecondFactorOnly",
        "tcDisplay",
        "attestationRootCertificates",
    ] {
        let text = edited("uaf11-fc01-shape.json", |o| {
            o.remove(field);
        });
        assert_eq!(err(&text), missing(field), "{field}");
    }
    // Optional in UAF 1.x: protocolFamily (default uaf), the plural lists, icon, ...
    for field in [
        "protocolFamily",
        "icon",
        "authenticationAlgorithms",
        "isKeyRestricted",
    ] {
        let text = edited("uaf11-full.json", |o| {
            o.remove(field);
        });
        assert!(MetadataStatement::from_json(&text).is_ok(), "{field}");
    }
}

#[test]
fn missing_required_members_mds3() {
    for field in [
        "aaid",
        "description",
        "authenticatorVersion",
        "protocolFamily",
        "upv",
        "authenticationAlgorithms",
        "publicKeyAlgAndEncodings",
        "attestationTypes",
        "userVerificationDetails",
        "keyProtection",
        "matcherProtection",
        "attachmentHint",
        "tcDisplay",
        "attestationRootCertificates",
    ] {
        let text = edited("mds3-statement.json", |o| {
            o.remove(field);
        });
        assert_eq!(err(&text), missing(field), "{field}");
    }
    let e = err(&edited("mds3-statement.json", |o| {
        o.remove("upv");
    }));
    assert_eq!(
        e.to_string(),
        "metadata field `upv` is required by the metadata specification but absent"
    );
}

#[test]
fn missing_members_of_nested_objects() {
    let text = set(
        "uaf11-fc01-shape.json",
        "/userVerificationDetails/1/0",
        json!({}),
    );
    assert_eq!(
        err(&text),
        missing("userVerificationDetails[1][0].userVerification")
    );
    let text = set(
        "mds3-statement.json",
        "/userVerificationDetails/0/0",
        json!({"userVerification": 4}),
    );
    assert_eq!(
        err(&text),
        missing("userVerificationDetails[0][0].userVerificationMethod")
    );
    let text = edited("uaf11-fc02-shape.json", |o| {
        o["tcDisplayPNGCharacteristics"][1]
            .as_object_mut()
            .unwrap()
            .remove("interlace");
    });
    assert_eq!(
        err(&text),
        missing("tcDisplayPNGCharacteristics[1].interlace")
    );
    let text = set(
        "uaf11-fc02-shape.json",
        "/tcDisplayPNGCharacteristics/0/plte/1",
        json!({"r": 1, "g": 2}),
    );
    assert_eq!(
        err(&text),
        missing("tcDisplayPNGCharacteristics[0].plte[1].b")
    );
    let text = edited("uaf11-full.json", |o| {
        o["supportedExtensions"][0]
            .as_object_mut()
            .unwrap()
            .remove("id");
    });
    assert_eq!(err(&text), missing("supportedExtensions[0].id"));
    let text = set(
        "uaf11-full.json",
        "/userVerificationDetails/1/1/paDesc",
        json!({"maxRetries": 5}),
    );
    assert_eq!(
        err(&text),
        missing("userVerificationDetails[1][1].paDesc.minComplexity")
    );
}

// ---------------------------------------------------------------------------------------------
// Negative: values the specification does not allow

#[test]
fn user_verification_is_one_flag() {
    for bad in [0, 6, 0x0400 | 0x0002] {
        let text = set(
            "uaf11-fc01-shape.json",
            "/userVerificationDetails/0/0/userVerification",
            json!(bad),
        );
        assert_eq!(
            err(&text),
            invalid(
                "userVerificationDetails[0][0].userVerification",
                "must be exactly one USER_VERIFY_* flag (list several methods as several descriptors of one AND-set)"
            ),
            "{bad}"
        );
    }
    // One unknown flag is one method: kept.
    let s = MetadataStatement::from_json(&set(
        "uaf11-fc01-shape.json",
        "/userVerificationDetails/0/0/userVerification",
        json!(0x0001_0000),
    ))
    .unwrap();
    assert_eq!(s.user_verification_methods().unknown_bits(), 0x0001_0000);
}

#[test]
fn empty_lists_that_must_not_be_empty() {
    let text = set(
        "uaf11-fc01-shape.json",
        "/userVerificationDetails",
        json!([[]]),
    );
    assert_eq!(
        err(&text),
        invalid("userVerificationDetails[0]", "must not be an empty array")
    );
    for field in ["upv", "attestationTypes"] {
        let text = edited("uaf11-fc01-shape.json", |o| {
            o.insert(field.into(), json!([]));
        });
        assert_eq!(
            err(&text),
            invalid(field, "must not be an empty array"),
            "{field}"
        );
    }
    for field in [
        "authenticationAlgorithms",
        "publicKeyAlgAndEncodings",
        "attestationTypes",
    ] {
        let text = edited("mds3-statement.json", |o| {
            o.insert(field.into(), json!([]));
        });
        assert_eq!(
            err(&text),
            invalid(field, "must not be an empty array"),
            "{field}"
        );
    }
}

#[test]
fn aaid_must_be_well_formed() {
    let text = set("uaf11-fc01-shape.json", "/aaid", json!("F1D0-FC01"));
    assert_eq!(
        err(&text),
        invalid(
            "aaid",
            "must be an AAID \"VVVV#MMMM\" (4 hex digits, '#', 4 hex digits)"
        )
    );
}

#[test]
fn schema_other_than_3_is_refused() {
    let text = set("mds3-statement.json", "/schema", json!(2));
    assert_eq!(
        err(&text),
        invalid(
            "schema",
            "unsupported schema version: this reader knows \"schema\": 3 (MDS3) and statements without \"schema\" (UAF 1.0/1.1)"
        )
    );
}

#[test]
fn transaction_confirmation_needs_content_type_and_png_shapes() {
    let text = edited("uaf11-fc03-shape.json", |o| {
        o.remove("tcDisplayContentType");
    });
    assert_eq!(
        err(&text),
        MetadataError::MissingDependentField {
            path: "tcDisplayContentType".into(),
            because: "tcDisplay is not empty (the authenticator can confirm transactions)",
        }
    );
    let text = edited("uaf11-fc02-shape.json", |o| {
        o.remove("tcDisplayPNGCharacteristics");
    });
    assert_eq!(
        err(&text),
        MetadataError::MissingDependentField {
            path: "tcDisplayPNGCharacteristics".into(),
            because: "tcDisplayContentType is \"image/png\"",
        }
    );
    let text = set(
        "mds3-statement.json",
        "/tcDisplayPNGCharacteristics",
        json!([]),
    );
    assert_eq!(
        err(&text),
        invalid(
            "tcDisplayPNGCharacteristics",
            "must not be an empty array when tcDisplayContentType is \"image/png\""
        )
    );
    // Without a display, neither is required.
    let s = MetadataStatement::from_json(&edited("mds3-statement.json", |o| {
        o.insert("tcDisplay".into(), json!([]));
        o.remove("tcDisplayContentType");
        o.remove("tcDisplayPNGCharacteristics");
    }))
    .unwrap();
    assert!(s.tc_display().is_empty());
}

#[test]
fn png_palette_is_1_to_256_entries() {
    let entry = json!({"r": 1, "g": 2, "b": 3});
    let full = MetadataStatement::from_json(&edited("uaf11-fc02-shape.json", |o| {
        o["tcDisplayPNGCharacteristics"][0]["plte"] = json!(vec![entry.clone(); 256]);
    }))
    .unwrap();
    assert_eq!(full.tc_display_png_characteristics()[0].plte.len(), 256);
    let text = edited("uaf11-fc02-shape.json", |o| {
        o["tcDisplayPNGCharacteristics"][0]["plte"] = json!(vec![entry.clone(); 257]);
    });
    assert_eq!(
        err(&text),
        invalid(
            "tcDisplayPNGCharacteristics[0].plte",
            "must hold at most 256 palette entries"
        )
    );
    let text = set(
        "uaf11-fc02-shape.json",
        "/tcDisplayPNGCharacteristics/0/plte",
        json!([]),
    );
    assert_eq!(
        err(&text),
        invalid(
            "tcDisplayPNGCharacteristics[0].plte",
            "must not be an empty array"
        )
    );
}

#[test]
fn certificates_are_strict_standard_base64() {
    let root = text("uaf11-fc01-shape.json");
    let root_b64 =
        serde_json::from_str::<serde_json::Value>(&root).unwrap()["attestationRootCertificates"][0]
            .as_str()
            .unwrap()
            .to_owned();
    // base64url alphabet in a certificate: rejected with the offset.
    let text = set(
        "uaf11-fc01-shape.json",
        "/attestationRootCertificates",
        json!(["MIIB-w=="]),
    );
    assert_eq!(
        err(&text),
        MetadataError::InvalidBase64 {
            path: "attestationRootCertificates[0]".into(),
            error: Base64Error::InvalidByte {
                offset: 4,
                byte: b'-'
            },
        }
    );
    assert!(
        err(&text)
            .to_string()
            .contains("invalid character '-' at offset 4")
    );
    // Empty certificate.
    let text = set(
        "uaf11-fc01-shape.json",
        "/attestationRootCertificates",
        json!([""]),
    );
    assert_eq!(
        err(&text),
        invalid(
            "attestationRootCertificates[0]",
            "must not be an empty certificate"
        )
    );
    // Line breaks, as published in some MDS3 entries: strict by default, accepted by option.
    let wrapped = format!("\n\n{}\r\n{}", &root_b64[..64], &root_b64[64..]);
    let text = set(
        "uaf11-fc01-shape.json",
        "/attestationRootCertificates",
        json!([wrapped]),
    );
    assert!(matches!(
        err(&text),
        MetadataError::InvalidBase64 { ref path, error: Base64Error::InvalidByte { offset: 0, byte: b'\n' } }
            if path == "attestationRootCertificates[0]"
    ));
    let lenient = ParseOptions::new().allow_certificate_whitespace(true);
    let s = MetadataStatement::from_json_with(&text, &lenient).unwrap();
    assert_eq!(s.attestation_root_certificates(), &[bytes("test-root.der")]);
    // The option removes whitespace only.
    let text = set(
        "uaf11-fc01-shape.json",
        "/attestationRootCertificates",
        json!(["MIIB w-=="]),
    );
    assert!(matches!(
        MetadataStatement::from_json_with(&text, &lenient),
        Err(MetadataError::InvalidBase64 {
            error: Base64Error::InvalidByte { byte: b'-', .. },
            ..
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// BLOB entries

#[test]
fn blob_entry_fields() {
    let entry = MetadataEntry::from_json(&text("blob-entry-certified.json")).unwrap();
    assert_eq!(entry.aaid().as_str(), "F1D0#3004");
    assert_eq!(entry.statement().form(), StatementForm::Mds3);
    assert_eq!(
        entry
            .time_of_last_status_change()
            .map(|d| d.to_string())
            .as_deref(),
        Some("2021-08-06")
    );
    let reports = entry.status_reports();
    assert_eq!(reports.len(), 2);
    let l2 = &reports[1];
    assert_eq!(l2.status.as_str(), "FIDO_CERTIFIED_L2");
    assert_eq!(
        l2.url.as_deref(),
        Some("https://example.invalid/certificate")
    );
    assert_eq!(
        l2.certification_descriptor.as_deref(),
        Some("Test Authenticator L2")
    );
    assert_eq!(l2.certificate_number.as_deref(), Some("UAF100020210806001"));
    assert_eq!(l2.certification_policy_version.as_deref(), Some("1.3"));
    assert_eq!(
        l2.certification_requirements_version.as_deref(),
        Some("1.4")
    );
    assert_eq!(l2.authenticator_version, None);
    assert_eq!(l2.certificate, None);
    assert_eq!(entry.latest_status_report(), Some(l2));

    let compromise =
        MetadataEntry::from_json(&text("blob-entry-attestation-key-compromise.json")).unwrap();
    assert_eq!(
        compromise.status_reports()[1].certificate.as_deref(),
        Some(&bytes("compromised-batch.der")[..])
    );
}

#[test]
fn blob_entry_statement_errors_are_prefixed() {
    let text = edited_statement("blob-entry-certified.json", |s| {
        s.remove("description");
    });
    assert_eq!(err(&text), missing("metadataStatement.description"));
    let text = edited_statement("blob-entry-certified.json", |s| {
        s["userVerificationDetails"][1][0]["userVerificationMethod"] = json!("iris_internal");
    });
    assert_eq!(
        err(&text),
        unknown(
            "metadataStatement.userVerificationDetails[1][0].userVerificationMethod",
            "iris_internal"
        )
    );
    let text = set(
        "blob-entry-certified.json",
        "/metadataStatement",
        json!("inline"),
    );
    assert_eq!(
        err(&text),
        wrong_type("metadataStatement", "an object", "string")
    );
}

#[test]
fn blob_entry_required_members() {
    for field in ["statusReports", "timeOfLastStatusChange"] {
        let text = edited("blob-entry-certified.json", |o| {
            o.remove(field);
        });
        assert_eq!(err(&text), missing(field), "{field}");
    }
    let text = edited("blob-entry-certified.json", |o| {
        o["statusReports"][1]
            .as_object_mut()
            .unwrap()
            .remove("status");
    });
    assert_eq!(err(&text), missing("statusReports[1].status"));
    // The entry's aaid is optional (the statement's is required).
    let text = edited("blob-entry-certified.json", |o| {
        o.remove("aaid");
    });
    assert_eq!(
        MetadataEntry::from_json(&text).unwrap().aaid().as_str(),
        "F1D0#3004"
    );
}

#[test]
fn blob_entry_wrong_values() {
    const DATE: &str = "must be a date written YYYY-MM-DD that exists in the calendar";
    const AAID: &str = "must be an AAID \"VVVV#MMMM\" (4 hex digits, '#', 4 hex digits)";
    let bad_certificate = MetadataError::InvalidBase64 {
        path: "statusReports[1].certificate".into(),
        error: Base64Error::InvalidByte {
            offset: 3,
            byte: b' ',
        },
    };
    #[rustfmt::skip]
    let cases = [
        ("/statusReports/0/status", json!(1), wrong_type("statusReports[0].status", "a string", "number")),
        ("/statusReports/0/effectiveDate", json!("2020-13-01"), invalid("statusReports[0].effectiveDate", DATE)),
        ("/statusReports/1/authenticatorVersion", json!(-3), wrong_type("statusReports[1].authenticatorVersion", "an integer 0..=4294967295", "number")),
        ("/statusReports/1/certificate", json!("not base64!"), bad_certificate),
        ("/statusReports/1/url", json!(["https://example.invalid"]), wrong_type("statusReports[1].url", "a string", "array")),
        ("/statusReports", json!({}), wrong_type("statusReports", "an array of StatusReport objects", "object")),
        ("/timeOfLastStatusChange", json!("2021-08-06T00:00:00Z"), invalid("timeOfLastStatusChange", DATE)),
        ("/aaid", json!("F1D0#30O4"), invalid("aaid", AAID)),
    ];
    for (pointer, value, expected) in cases {
        let text = set("blob-entry-certified.json", pointer, value);
        assert_eq!(err(&text), expected, "{pointer}");
    }
}

#[test]
fn blob_entry_aaid_must_match_its_statement() {
    let text = set("blob-entry-certified.json", "/aaid", json!("F1D0#3005"));
    assert_eq!(
        err(&text),
        MetadataError::AaidMismatch {
            entry: Aaid::parse("F1D0#3005").unwrap(),
            statement: Aaid::parse("F1D0#3004").unwrap(),
        }
    );
    // Case differences are not a mismatch.
    let text = set("blob-entry-certified.json", "/aaid", json!("f1d0#3004"));
    assert!(MetadataEntry::from_json(&text).is_ok());
}

#[test]
fn unrecognized_status_values_are_kept() {
    let text = set(
        "blob-entry-certified.json",
        "/statusReports/0/status",
        json!("RETIRED"),
    );
    let entry = MetadataEntry::from_json(&text).unwrap();
    assert_eq!(entry.status_reports()[0].status.as_str(), "RETIRED");
}

#[test]
fn errors_say_where() {
    let e = err(&edited("uaf11-fc01-shape.json", |o| {
        o.remove("description");
    }));
    assert_eq!(e.path(), Some("description"));
    assert_eq!(err("[").path(), None);
}

/// A member name twice in one object is refused, wherever it is: with "the last one wins"
/// (what `serde_json::Value` does) two readers of one statement could see two authenticators.
#[test]
fn a_repeated_member_is_refused_not_resolved() {
    let fixture = text("uaf11-fc01-shape.json");
    let original = statement("uaf11-fc01-shape.json");
    // The same statement with a second `aaid` in front: once accepted as the original.
    let twice = fixture.replacen('{', r#"{"aaid": "FFFF#FFFF", "#, 1);
    assert_eq!(
        MetadataStatement::from_json(&twice).unwrap_err(),
        MetadataError::DuplicateMember {
            path: "aaid".into()
        }
    );
    assert_eq!(
        MetadataStatement::from_json(&twice)
            .unwrap_err()
            .to_string(),
        "metadata field `aaid` appears more than once in its object; remove all but one (readers disagree on which copy counts)"
    );
    // Positive: the fixture itself, with no member twice, is read.
    assert_eq!(MetadataStatement::from_json(&fixture).unwrap(), original);

    // Inside a BLOB entry, the path names the nesting.
    let entry = text("blob-entry-certified.json");
    let at = entry.find("\"metadataStatement\"").unwrap();
    let brace = at + entry[at..].find('{').unwrap();
    let nested = format!(
        "{}{{\"legalHeader\": \"x\", {}",
        &entry[..brace],
        &entry[brace + 1..]
    );
    assert!(entry.contains("\"legalHeader\""));
    assert_eq!(
        err(&nested),
        MetadataError::DuplicateMember {
            path: "metadataStatement.legalHeader".into()
        }
    );
    assert!(MetadataEntry::from_json(&entry).is_ok());
}
