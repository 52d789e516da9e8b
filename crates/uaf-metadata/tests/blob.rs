//! The Metadata Service BLOB verifier against BLOBs built here with a test CA (rcgen): one
//! test per rule, positive and negative, each negative asserting the exact error.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod blob_support;

use blob_support::{
    CA_SERIAL, EcKey, FIDO2_ENTRY, NOW, SIGNER_SERIAL, SignerKey, TestMds, U2F_ENTRY,
    UAF_STATUS_ONLY_ENTRY, entry, payload,
};
use uaf_crypto::CryptoError;
use uaf_crypto::attestation::{AttestationError, PublicKeyKind};
use uaf_metadata::blob::{JwsAlgorithm, JwsPart};
use uaf_metadata::{
    AuthenticatorStatus, BlobError, BlobVerifier, FIDO_MDS_ROOT_DER, IsoDate, MetadataError,
    MetadataSource as _, Unacceptable, acceptability,
};
use uaf_proto::b64::{self, Base64Error};
use uaf_proto::id::Aaid;

fn entries() -> Vec<String> {
    vec![
        entry("blob-entry-certified.json"),
        FIDO2_ENTRY.to_owned(),
        entry("blob-entry-revoked.json"),
        U2F_ENTRY.to_owned(),
        UAF_STATUS_ONLY_ENTRY.to_owned(),
    ]
}

fn good_payload() -> String {
    payload(42, "2026-02-01", &entries())
}

/// Verifies `blob` with `mds`'s root and current CRLs at [`NOW`].
fn verify(mds: &TestMds, blob: &str) -> Result<uaf_metadata::MetadataBlob, BlobError> {
    let crls = mds.crls();
    let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let anchors = [mds.root.as_slice()];
    BlobVerifier::new(NOW, &crl_refs)
        .trust_anchors(&anchors)
        .verify(blob)
}

#[test]
fn valid_blob_gives_the_uaf_entries_and_counts_the_others() {
    let mds = TestMds::new();
    let blob = verify(&mds, &mds.blob(&good_payload())).unwrap();
    assert_eq!(blob.no(), 42);
    assert_eq!(blob.next_update(), IsoDate::new(2026, 2, 1).unwrap());
    assert_eq!(
        blob.legal_header(),
        "Test BLOB of uaf-rs; no legal meaning."
    );
    assert_eq!(blob.algorithm(), JwsAlgorithm::Es256);
    assert_eq!(blob.entries_total(), 5);
    assert_eq!(blob.skipped_non_uaf(), 2);
    assert_eq!(blob.skipped_without_statement(), 1);
    let index = blob.index();
    assert_eq!(index.len(), 2);
    let revoked = index.lookup(&Aaid::parse("f1d0#3002").unwrap()).unwrap();
    assert_eq!(
        revoked.latest_status_report().unwrap().status,
        AuthenticatorStatus::Revoked
    );
    assert!(matches!(
        acceptability(revoked, Some(3)),
        Err(Unacceptable::Revoked { .. })
    ));
    let certified = index
        .lookup(&Aaid::parse(&certified_aaid()).unwrap())
        .unwrap();
    assert_eq!(acceptability(certified, None), Ok(()));
    assert!(!blob.is_due_for_update(NOW));
    assert!(blob.is_due_for_update(NOW + 31 * 86_400));
    assert!(!blob.is_due_for_update(NOW + 31 * 86_400 - 1));
}

fn certified_aaid() -> String {
    let v: serde_json::Value = serde_json::from_str(&entry("blob-entry-certified.json")).unwrap();
    v["aaid"].as_str().unwrap().to_owned()
}

#[test]
fn surrounding_whitespace_is_ignored_but_not_inner() {
    let mds = TestMds::new();
    let text = mds.blob(&good_payload());
    assert!(verify(&mds, &format!("\n{text}\r\n")).is_ok());
    let (head, tail) = text.split_at(10);
    assert!(matches!(
        verify(&mds, &format!("{head}\n{tail}")),
        Err(BlobError::Base64 {
            part: JwsPart::Header,
            x5c_index: None,
            error: Base64Error::InvalidByte { .. }
        })
    ));
}

#[test]
fn bad_signature_is_refused() {
    let mds = TestMds::new();
    let text = mds.blob(&good_payload());
    let (input, signature) = text.rsplit_once('.').unwrap();
    let mut sig = b64::Base64Policy::Strict.decode(signature).unwrap();
    sig[10] ^= 0x01;
    let forged = format!("{input}.{}", b64::encode(&sig));
    assert_eq!(
        verify(&mds, &forged).unwrap_err(),
        BlobError::Signature(CryptoError::VerificationFailed)
    );
    // A payload changed after signing.
    let other = mds.blob(&payload(43, "2026-02-01", &entries()));
    let (_, other_payload_and_sig) = other.split_once('.').unwrap();
    let (other_payload, _) = other_payload_and_sig.split_once('.').unwrap();
    let (header, rest) = text.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    assert_eq!(
        verify(&mds, &format!("{header}.{other_payload}.{sig}")).unwrap_err(),
        BlobError::Signature(CryptoError::VerificationFailed)
    );
    // A signature of the wrong length for ES256.
    assert!(matches!(
        verify(&mds, &format!("{input}.{}", b64::encode(&[1; 63]))).unwrap_err(),
        BlobError::Signature(CryptoError::BadSignatureEncoding { .. })
    ));
}

#[test]
fn wrong_root_is_refused() {
    let mds = TestMds::new();
    let text = mds.blob(&good_payload());
    let other = TestMds::with_root_seed(
        21,
        (2022, 1, 1),
        (2038, 1, 1),
        SignerKey::Ec(EcKey::new(13)),
    );
    let crls = mds.crls();
    let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let anchors = [other.root.as_slice()];
    let err = BlobVerifier::new(NOW, &crl_refs)
        .trust_anchors(&anchors)
        .verify(&text)
        .unwrap_err();
    // A root with the same name but another key: the CA certificate's signature fails.
    assert_eq!(
        err,
        BlobError::Chain(AttestationError::BadSignature { position: None })
    );
    // The documented default anchor is the FIDO MDS root, which did not sign the test CA.
    let err = BlobVerifier::new(NOW, &crl_refs).verify(&text).unwrap_err();
    assert_eq!(err, BlobError::Chain(AttestationError::UnknownIssuer));
}

#[test]
fn default_root_is_globalsign_root_r3() {
    // SHA-256 of the DER, as published by GlobalSign for Root CA - R3.
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(FIDO_MDS_ROOT_DER);
    assert_eq!(
        digest.as_slice(),
        [
            0xCB, 0xB5, 0x22, 0xD7, 0xB7, 0xF1, 0x27, 0xAD, 0x6A, 0x01, 0x13, 0x86, 0x5B, 0xDF,
            0x1C, 0xD4, 0x10, 0x2E, 0x7D, 0x07, 0x59, 0xAF, 0x63, 0x5A, 0x7C, 0xF4, 0x72, 0x0D,
            0xC9, 0x63, 0xC5, 0x3B
        ]
    );
}

#[test]
fn expired_signer_is_refused() {
    let mds = TestMds::with_signer((2020, 1, 1), (2025, 6, 1), SignerKey::Ec(EcKey::new(13)));
    assert_eq!(
        verify(&mds, &mds.blob(&good_payload())).unwrap_err(),
        BlobError::Chain(AttestationError::CertificateExpired)
    );
    let mds = TestMds::with_signer((2026, 6, 1), (2030, 1, 1), SignerKey::Ec(EcKey::new(13)));
    assert_eq!(
        verify(&mds, &mds.blob(&good_payload())).unwrap_err(),
        BlobError::Chain(AttestationError::CertificateNotYetValid)
    );
}

fn verify_with_crls(mds: &TestMds, crls: &[Vec<u8>], blob: &str) -> Result<u64, BlobError> {
    let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let anchors = [mds.root.as_slice()];
    BlobVerifier::new(NOW, &crl_refs)
        .trust_anchors(&anchors)
        .verify(blob)
        .map(|b| b.no())
}

#[test]
fn revoked_signer_is_refused() {
    let mds = TestMds::new();
    let text = mds.blob(&good_payload());
    let revoked_signer = mds.crls_with(&[SIGNER_SERIAL], (2026, 2, 1));
    assert_eq!(
        verify_with_crls(&mds, &revoked_signer, &text),
        Err(BlobError::Chain(AttestationError::CertificateRevoked))
    );
    // The signing CA revoked by the root: the chain is refused too.
    let revoked_ca = mds.crls_with(&[CA_SERIAL], (2026, 2, 1));
    assert_eq!(
        verify_with_crls(&mds, &revoked_ca, &text),
        Err(BlobError::Chain(AttestationError::CertificateRevoked))
    );
    // Another serial revoked: accepted.
    let other = mds.crls_with(&[99], (2026, 2, 1));
    assert_eq!(verify_with_crls(&mds, &other, &text), Ok(42));
}

#[test]
fn revocation_must_be_known_and_current() {
    let mds = TestMds::new();
    let text = mds.blob(&good_payload());
    let crls = mds.crls();
    // No CRLs at all.
    assert_eq!(
        verify_with_crls(&mds, &[], &text),
        Err(BlobError::Chain(AttestationError::RevocationStatusUnknown))
    );
    // Only the root's CRL: nothing says whether the signer is revoked.
    assert_eq!(
        verify_with_crls(&mds, &crls[..1], &text),
        Err(BlobError::Chain(AttestationError::RevocationStatusUnknown))
    );
    // Only the CA's CRL: the CA's own status is unknown.
    assert_eq!(
        verify_with_crls(&mds, &crls[1..], &text),
        Err(BlobError::Chain(AttestationError::RevocationStatusUnknown))
    );
    // CRLs past their nextUpdate.
    let stale = mds.crls_with(&[], (2025, 12, 15));
    assert_eq!(
        verify_with_crls(&mds, &stale, &text),
        Err(BlobError::Chain(AttestationError::CrlExpired))
    );
    // Not a CRL.
    assert_eq!(
        verify_with_crls(
            &mds,
            &[crls[0].clone(), b"\x30\x03\x02\x01\x01".to_vec()],
            &text
        ),
        Err(BlobError::Chain(AttestationError::MalformedCrl {
            index: 1
        }))
    );
    // A CRL signed by another key under the CA's name.
    let other = TestMds::with_root_seed(
        21,
        (2022, 1, 1),
        (2038, 1, 1),
        SignerKey::Ec(EcKey::new(13)),
    );
    let forged_root_crl = other.crls()[0].clone();
    assert!(matches!(
        verify_with_crls(&mds, &[forged_root_crl, crls[1].clone()], &text),
        Err(BlobError::Chain(AttestationError::CrlRejected { .. }))
    ));
}

#[test]
fn revocation_can_be_skipped_only_by_the_named_option() {
    let mds = TestMds::new();
    let text = mds.blob(&good_payload());
    let revoked = mds.crls_with(&[SIGNER_SERIAL], (2026, 2, 1));
    let crl_refs: Vec<&[u8]> = revoked.iter().map(Vec::as_slice).collect();
    let anchors = [mds.root.as_slice()];
    let verifier = BlobVerifier::new(NOW, &crl_refs).trust_anchors(&anchors);
    assert!(verifier.verify(&text).is_err());
    let blob = verifier.danger_skip_revocation(true).verify(&text).unwrap();
    assert_eq!(blob.no(), 42);
    let no_crls = BlobVerifier::new(NOW, &[])
        .trust_anchors(&anchors)
        .danger_skip_revocation(true);
    assert_eq!(no_crls.verify(&text).unwrap().no(), 42);
}

#[test]
fn no_must_increase() {
    let mds = TestMds::new();
    let text = mds.blob(&good_payload());
    let crls = mds.crls();
    let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let anchors = [mds.root.as_slice()];
    let verifier = BlobVerifier::new(NOW, &crl_refs).trust_anchors(&anchors);
    assert_eq!(
        verifier
            .clone()
            .last_accepted_no(41)
            .verify(&text)
            .unwrap()
            .no(),
        42
    );
    for last in [42, 43, u64::MAX] {
        assert_eq!(
            verifier
                .clone()
                .last_accepted_no(last)
                .verify(&text)
                .unwrap_err(),
            BlobError::NotNewer {
                no: 42,
                last_accepted: last
            }
        );
    }
}

#[test]
fn x5u_is_refused() {
    let mds = TestMds::new();
    let mut header = mds.header();
    header["x5u"] = "https://mds.example/chain.pem".into();
    assert_eq!(
        verify(&mds, &mds.sign(&header, &good_payload())).unwrap_err(),
        BlobError::X5uNotSupported
    );
    // x5u instead of x5c: still the x5u error, not "x5c missing".
    header.as_object_mut().unwrap().remove("x5c");
    assert_eq!(
        verify(&mds, &mds.sign(&header, &good_payload())).unwrap_err(),
        BlobError::X5uNotSupported
    );
}

#[test]
fn header_rules() {
    let mds = TestMds::new();
    let check = |edit: &dyn Fn(&mut serde_json::Value), expected: BlobError| {
        let mut header = mds.header();
        edit(&mut header);
        assert_eq!(
            verify(&mds, &mds.sign(&header, &good_payload())).unwrap_err(),
            expected
        );
    };
    check(
        &|h| h["alg"] = "none".into(),
        BlobError::UnsupportedAlgorithm { alg: "none".into() },
    );
    check(
        &|h| h["alg"] = "HS256".into(),
        BlobError::UnsupportedAlgorithm {
            alg: "HS256".into(),
        },
    );
    check(
        &|h| {
            h.as_object_mut().unwrap().remove("alg");
        },
        BlobError::Header(MetadataError::MissingField { path: "alg".into() }),
    );
    check(
        &|h| h["alg"] = 256.into(),
        BlobError::Header(MetadataError::WrongType {
            path: "alg".into(),
            expected: "a string",
            found: "number",
        }),
    );
    check(
        &|h| h["crit"] = serde_json::json!(["b64"]),
        BlobError::CriticalHeader,
    );
    check(
        &|h| {
            h.as_object_mut().unwrap().remove("x5c");
        },
        BlobError::Header(MetadataError::MissingField { path: "x5c".into() }),
    );
    check(
        &|h| h["x5c"] = serde_json::json!([]),
        BlobError::Header(MetadataError::InvalidValue {
            path: "x5c".into(),
            reason: "must not be an empty array",
        }),
    );
    check(
        &|h| h["x5c"][1] = "not*base64".into(),
        BlobError::Base64 {
            part: JwsPart::Header,
            x5c_index: Some(1),
            error: Base64Error::InvalidByte {
                offset: 3,
                byte: b'*',
            },
        },
    );
    // The ES256 header over a chain whose signer is fine but whose alg the key cannot make.
    check(
        &|h| h["alg"] = "RS256".into(),
        BlobError::SignerKeyMismatch {
            alg: JwsAlgorithm::Rs256,
            key: PublicKeyKind::EcP256,
        },
    );
}

#[test]
fn compact_serialization_rules() {
    let mds = TestMds::new();
    let text = mds.blob(&good_payload());
    let (two_parts, _) = text.rsplit_once('.').unwrap();
    let expected = BlobError::NotCompactJws {
        reason: "expected exactly three parts separated by '.'",
    };
    assert_eq!(verify(&mds, two_parts).unwrap_err(), expected);
    assert_eq!(verify(&mds, &format!("{text}.")).unwrap_err(), expected);
    assert_eq!(verify(&mds, "").unwrap_err(), expected);
    // Padding is not base64url as JWS uses it.
    let (input, sig) = text.rsplit_once('.').unwrap();
    let padded = if sig.len() % 4 == 0 {
        format!("{input}.{sig}====")
    } else {
        format!("{input}.{sig}{}", "=".repeat(4 - sig.len() % 4))
    };
    assert!(matches!(
        verify(&mds, &padded).unwrap_err(),
        BlobError::Base64 {
            part: JwsPart::Signature,
            ..
        }
    ));
    // A header that is not JSON.
    let garbage = format!("{}.{}.{}", b64::encode(b"{alg"), b64::encode(b"{}"), sig);
    assert!(matches!(
        verify(&mds, &garbage).unwrap_err(),
        BlobError::Header(MetadataError::Syntax { .. })
    ));
}

fn payload_error(mds: &TestMds, payload: &str) -> BlobError {
    verify(mds, &mds.blob(payload)).unwrap_err()
}

#[test]
fn malformed_payload_fields_are_named() {
    let mds = TestMds::new();
    let e = entries();
    assert_eq!(
        payload_error(&mds, &good_payload().replace(r#""no":42"#, r#""no":"42""#)),
        BlobError::Payload(MetadataError::WrongType {
            path: "no".into(),
            expected: "a non-negative integer",
            found: "string"
        })
    );
    assert_eq!(
        payload_error(&mds, &good_payload().replace(r#""no":42"#, r#""no":-1"#)),
        BlobError::Payload(MetadataError::WrongType {
            path: "no".into(),
            expected: "a non-negative integer",
            found: "number"
        })
    );
    assert_eq!(
        payload_error(&mds, &payload(42, "2026-02-30", &e)),
        BlobError::Payload(MetadataError::InvalidValue {
            path: "nextUpdate".into(),
            reason: "must be a date written YYYY-MM-DD that exists in the calendar"
        })
    );
    assert_eq!(
        payload_error(
            &mds,
            &good_payload().replace(
                r#""legalHeader":"Test BLOB of uaf-rs; no legal meaning.","#,
                ""
            )
        ),
        BlobError::Payload(MetadataError::MissingField {
            path: "legalHeader".into()
        })
    );
    assert_eq!(
        payload_error(
            &mds,
            r#"{"legalHeader":"x","no":1,"nextUpdate":"2026-02-01","entries":{}}"#
        ),
        BlobError::Payload(MetadataError::WrongType {
            path: "entries".into(),
            expected: "an array of MetadataBLOBPayloadEntry objects",
            found: "object"
        })
    );
    assert_eq!(
        payload_error(&mds, &payload(1, "2026-02-01", &["7".to_owned()])),
        BlobError::Payload(MetadataError::WrongType {
            path: "entries[0]".into(),
            expected: "an object",
            found: "number"
        })
    );
    // A field deep inside the third entry.
    let bad_status = entry("blob-entry-revoked.json").replace(r#""REVOKED""#, "17");
    let with_bad = vec![e[0].clone(), e[1].clone(), bad_status];
    assert_eq!(
        payload_error(&mds, &payload(1, "2026-02-01", &with_bad)),
        BlobError::Payload(MetadataError::WrongType {
            path: "entries[2].statusReports[1].status".into(),
            expected: "a string",
            found: "number"
        })
    );
    let bad_statement =
        entry("blob-entry-certified.json").replace(r#""ecc_x962_raw""#, r#""ecc_x962_rawr""#);
    assert_eq!(
        payload_error(&mds, &payload(1, "2026-02-01", &[bad_statement])),
        BlobError::Payload(MetadataError::UnknownName {
            path: "entries[0].metadataStatement.publicKeyAlgAndEncodings[0]".into(),
            value: "ecc_x962_rawr".into()
        })
    );
    assert!(matches!(
        payload_error(&mds, "not json"),
        BlobError::Payload(MetadataError::Syntax { line: 1, .. })
    ));
}

#[test]
fn duplicate_uaf_entries_are_refused() {
    let mds = TestMds::new();
    let twice = vec![
        entry("blob-entry-revoked.json"),
        entry("blob-entry-revoked.json"),
    ];
    assert!(matches!(
        payload_error(&mds, &payload(1, "2026-02-01", &twice)),
        BlobError::Index {
            entry: 1,
            error: uaf_metadata::IndexError::DuplicateAaid { .. }
        }
    ));
}

#[cfg(feature = "rsa")]
#[test]
fn rs256_and_ps256_blobs_verify() {
    let mds = TestMds::rsa();
    let blob = verify(&mds, &mds.blob(&good_payload())).unwrap();
    assert_eq!(blob.algorithm(), JwsAlgorithm::Rs256);
    assert_eq!(blob.index().len(), 2);
    let mut header = mds.header();
    header["alg"] = "PS256".into();
    let blob = verify(&mds, &mds.sign(&header, &good_payload())).unwrap();
    assert_eq!(blob.algorithm(), JwsAlgorithm::Ps256);
    // A PS256 signature under an RS256 header.
    let ps = mds.sign(&header, &good_payload());
    let (_, rest) = ps.split_once('.').unwrap();
    let rs = mds.blob(&good_payload());
    let (rs_header, _) = rs.split_once('.').unwrap();
    assert_eq!(
        verify(&mds, &format!("{rs_header}.{rest}")).unwrap_err(),
        BlobError::Signature(CryptoError::VerificationFailed)
    );
    // An RSA signer cannot make ES256 signatures.
    header["alg"] = "ES256".into();
    assert_eq!(
        verify(&mds, &mds.sign(&header, &good_payload())).unwrap_err(),
        BlobError::SignerKeyMismatch {
            alg: JwsAlgorithm::Es256,
            key: PublicKeyKind::Rsa
        }
    );
}

#[test]
fn files_are_read_as_der_or_pem() {
    let mds = TestMds::new();
    let dir = std::env::temp_dir().join(format!("uaf-metadata-blob-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let blob_path = dir.join("blob.jwt");
    std::fs::write(&blob_path, mds.blob(&good_payload())).unwrap();
    let root_pem = dir.join("root.pem");
    std::fs::write(
        &root_pem,
        format!(
            "junk before\n-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            b64::encode_standard(&mds.root)
        ),
    )
    .unwrap();
    let crl_der = dir.join("ca.crl");
    let crls = mds.crls();
    std::fs::write(&crl_der, &crls[1]).unwrap();
    let crl_pem = dir.join("root.crl.pem");
    std::fs::write(
        &crl_pem,
        format!(
            "-----BEGIN X509 CRL-----\n{}\n-----END X509 CRL-----\n",
            b64::encode_standard(&crls[0])
        ),
    )
    .unwrap();

    let roots = uaf_metadata::read_der_or_pem(&root_pem).unwrap();
    assert_eq!(roots, vec![mds.root.clone()]);
    let mut all_crls = uaf_metadata::read_der_or_pem(&crl_pem).unwrap();
    all_crls.extend(uaf_metadata::read_der_or_pem(&crl_der).unwrap());
    assert_eq!(all_crls, crls);
    let crl_refs: Vec<&[u8]> = all_crls.iter().map(Vec::as_slice).collect();
    let anchors: Vec<&[u8]> = roots.iter().map(Vec::as_slice).collect();
    let verifier = BlobVerifier::new(NOW, &crl_refs).trust_anchors(&anchors);
    assert_eq!(verifier.verify_file(&blob_path).unwrap().no(), 42);

    let missing = dir.join("missing.jwt");
    let err = verifier.verify_file(&missing).unwrap_err();
    assert!(matches!(err, uaf_metadata::BlobFileError::Io { .. }));
    assert_eq!(err.path(), missing);
    std::fs::write(&blob_path, "a.b").unwrap();
    let err = verifier.verify_file(&blob_path).unwrap_err();
    assert!(matches!(
        err.blob_error(),
        Some(BlobError::NotCompactJws { .. })
    ));
    let not_pem = dir.join("text.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    assert!(matches!(
        uaf_metadata::read_der_or_pem(&not_pem).unwrap_err(),
        uaf_metadata::BlobFileError::Pem { .. }
    ));
    std::fs::write(&not_pem, "-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap();
    assert!(matches!(
        uaf_metadata::read_der_or_pem(&not_pem).unwrap_err(),
        uaf_metadata::BlobFileError::Pem { .. }
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_say_what_failed() {
    assert_eq!(
        BlobError::Chain(AttestationError::CertificateRevoked).to_string(),
        "metadata BLOB signer certificate chain: a certificate on the path is revoked: its issuer's CRL lists it"
    );
    assert_eq!(
        BlobError::Payload(MetadataError::MissingField { path: "no".into() }).to_string(),
        "metadata BLOB payload: metadata field `no` is required by the metadata specification but absent"
    );
    assert_eq!(
        BlobError::NotNewer {
            no: 3,
            last_accepted: 4
        }
        .to_string(),
        "metadata BLOB number 3 is not greater than the last accepted number 4 (replayed or rolled back)"
    );
}
