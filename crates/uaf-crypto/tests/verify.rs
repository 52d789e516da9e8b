//! Verification rules: every signature encoding rule of digest §6.1 with a positive and a
//! negative case, key/algorithm fit, unsupported algorithms, and known answers from OpenSSL
//! for each optional algorithm. Every case runs on every backend of the build.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    unused_imports,
    dead_code,
    reason = "test code: a failed fixture must stop the test; tests gated on optional \
              features use a part of the helpers"
)]

#[path = "vectors/openssl.rs"]
mod openssl;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_crypto::{Backend, CryptoError, KeyType, PublicKey, SignatureVerifier, SigningKey, verify};
use uaf_proto::registry::{AlgKey, AlgSign};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// Runs `verify` on every backend and checks that they all give `expected`.
fn check_all(
    alg: AlgSign,
    key: &PublicKey,
    msg: &[u8],
    sig: &[u8],
    expected: Result<(), CryptoError>,
) {
    for backend in Backend::ALL {
        assert_eq!(
            backend.verify(alg, key, msg, sig),
            expected,
            "backend {}",
            backend.name()
        );
    }
    assert_eq!(verify(alg, key, msg, sig), expected, "uaf_crypto::verify");
}

fn p256_fixture() -> (PublicKey, Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let key = SigningKey::generate(KeyType::P256, &mut rng).unwrap();
    let msg = b"TAG_UAFV1_SIGNED_DATA bytes".to_vec();
    let raw = key
        .sign(AlgSign::Secp256r1EcdsaSha256Raw, &msg, &mut rng)
        .unwrap()
        .as_bytes()
        .to_vec();
    let der = key
        .sign(AlgSign::Secp256r1EcdsaSha256Der, &msg, &mut rng)
        .unwrap()
        .as_bytes()
        .to_vec();
    (key.public_key(), msg, raw, der)
}

#[test]
fn p256_raw_and_der_verify() {
    let (key, msg, raw, der) = p256_fixture();
    check_all(AlgSign::Secp256r1EcdsaSha256Raw, &key, &msg, &raw, Ok(()));
    check_all(AlgSign::Secp256r1EcdsaSha256Der, &key, &msg, &der, Ok(()));
}

#[test]
fn flipped_bit_in_signature_or_message_fails() {
    let (key, msg, raw, der) = p256_fixture();
    for i in 0..raw.len() {
        let mut bad = raw.clone();
        bad[i] ^= 0x80;
        check_all(
            AlgSign::Secp256r1EcdsaSha256Raw,
            &key,
            &msg,
            &bad,
            Err(CryptoError::VerificationFailed),
        );
    }
    let mut bad_msg = msg.clone();
    bad_msg[0] ^= 1;
    check_all(
        AlgSign::Secp256r1EcdsaSha256Der,
        &key,
        &bad_msg,
        &der,
        Err(CryptoError::VerificationFailed),
    );
}

fn bad_sig(alg: AlgSign) -> impl Fn(Result<(), CryptoError>) -> bool {
    move |r| matches!(r, Err(CryptoError::BadSignatureEncoding { alg: a, .. }) if a == alg)
}

#[test]
fn raw_signature_must_be_exactly_64_bytes() {
    let (key, msg, raw, _) = p256_fixture();
    let alg = AlgSign::Secp256r1EcdsaSha256Raw;
    let is_bad = bad_sig(alg);
    let mut longer = raw.clone();
    longer.push(0);
    let mut padded = vec![0];
    padded.extend(&raw);
    for sig in [&raw[..63], &longer[..], &padded[..], &[][..]] {
        for backend in Backend::ALL {
            assert!(
                is_bad(backend.verify(alg, &key, &msg, sig)),
                "len {}",
                sig.len()
            );
        }
    }
}

#[test]
fn raw_signature_with_zero_or_out_of_range_scalars_fails_verification() {
    let (key, msg, raw, _) = p256_fixture();
    let alg = AlgSign::Secp256r1EcdsaSha256Raw;
    let zero_r = [&[0_u8; 32][..], &raw[32..]].concat();
    let max_s = [&raw[..32], &[0xff_u8; 32][..]].concat();
    check_all(
        alg,
        &key,
        &msg,
        &zero_r,
        Err(CryptoError::VerificationFailed),
    );
    check_all(
        alg,
        &key,
        &msg,
        &max_s,
        Err(CryptoError::VerificationFailed),
    );
}

/// DER of `SEQUENCE { r, s }` built from already-encoded INTEGER contents.
fn der_seq(r: &[u8], s: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, u8::try_from(r.len()).unwrap()];
    body.extend(r);
    body.extend([0x02, u8::try_from(s.len()).unwrap()]);
    body.extend(s);
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap()];
    out.extend(body);
    out
}

/// The minimal DER INTEGER content of an unsigned big-endian value.
fn min_int(x: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = x.iter().copied().skip_while(|b| *b == 0).collect();
    if v.first().is_none_or(|b| *b >= 0x80) {
        v.insert(0, 0);
    }
    v
}

#[test]
fn der_signature_must_be_strict_der() {
    let (key, msg, raw, der) = p256_fixture();
    let alg = AlgSign::Secp256r1EcdsaSha256Der;
    let (r, s) = (min_int(&raw[..32]), min_int(&raw[32..]));
    // The hand-made strict encoding of the RAW signature verifies: the rules are not too tight.
    check_all(alg, &key, &msg, &der_seq(&r, &s), Ok(()));
    let is_bad = bad_sig(alg);
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    // Non-minimal INTEGER: an extra leading zero (the conformance tool's old bug, #399/#406).
    let mut r_padded = vec![0];
    r_padded.extend(&r);
    if r_padded[1] == 0 {
        r_padded.remove(0);
        r_padded.insert(0, 0);
        r_padded.insert(0, 0);
    }
    cases.push(("non-minimal r", der_seq(&r_padded, &s)));
    // A negative INTEGER: the high bit set without the 0x00 sign byte.
    let r_neg: Vec<u8> = raw[..32]
        .iter()
        .copied()
        .map(|b| b | 0x80)
        .take(1)
        .chain(raw[1..32].iter().copied())
        .collect();
    cases.push(("negative r", der_seq(&r_neg, &s)));
    // Trailing bytes after the SEQUENCE.
    let mut trailing = der.clone();
    trailing.push(0);
    cases.push(("trailing byte", trailing));
    // Trailing bytes inside the SEQUENCE.
    let mut inner = der_seq(&r, &s);
    inner[1] += 3;
    inner.extend([0x02, 0x01, 0x01]);
    cases.push(("third INTEGER", inner));
    // Non-minimal length (long form for a short length).
    let mut long_len = vec![0x30, 0x81];
    long_len.extend(&der[1..]);
    cases.push(("long-form length", long_len));
    // Indefinite length (BER, not DER).
    let mut indefinite = vec![0x30, 0x80];
    indefinite.extend(&der[2..]);
    indefinite.extend([0, 0]);
    cases.push(("indefinite length", indefinite));
    // An INTEGER longer than the curve order.
    let mut r_long = vec![0x01];
    r_long.extend(&raw[..32]);
    cases.push(("33-byte r", der_seq(&r_long, &s)));
    // Wrong outer tag, truncated, empty, and RAW bytes offered as DER.
    let mut set = der.clone();
    set[0] = 0x31;
    cases.push(("SET instead of SEQUENCE", set));
    cases.push(("truncated", der[..der.len() - 1].to_vec()));
    cases.push(("empty", Vec::new()));
    cases.push(("raw bytes", raw.clone()));
    for (name, sig) in &cases {
        for backend in Backend::ALL {
            assert!(
                is_bad(backend.verify(alg, &key, &msg, sig)),
                "{name}: {:?}",
                backend.verify(alg, &key, &msg, sig)
            );
        }
    }
}

#[test]
fn der_signature_with_short_integers_is_left_padded() {
    // An r or s below 2^247 has a DER INTEGER shorter than 32 bytes; it must still verify.
    // Search a deterministic signature with such a value.
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let key = SigningKey::generate(KeyType::P256, &mut rng).unwrap();
    let mut found = false;
    for i in 0_u32..2000 {
        let msg = i.to_be_bytes();
        let raw = key
            .sign_deterministic(AlgSign::Secp256r1EcdsaSha256Raw, &msg)
            .unwrap();
        let raw = raw.as_bytes();
        if (raw[0] == 0 && raw[1] < 0x80) || (raw[32] == 0 && raw[33] < 0x80) {
            let der = key
                .sign_deterministic(AlgSign::Secp256r1EcdsaSha256Der, &msg)
                .unwrap();
            let short = if raw[0] == 0 { &raw[..32] } else { &raw[32..] };
            assert!(min_int(short).len() < 32);
            assert_eq!(
                der.as_bytes(),
                der_seq(&min_int(&raw[..32]), &min_int(&raw[32..]))
            );
            check_all(
                AlgSign::Secp256r1EcdsaSha256Der,
                &key.public_key(),
                &msg,
                der.as_bytes(),
                Ok(()),
            );
            check_all(
                AlgSign::Secp256r1EcdsaSha256Raw,
                &key.public_key(),
                &msg,
                raw,
                Ok(()),
            );
            found = true;
            break;
        }
    }
    assert!(found);
}

#[test]
fn unsupported_algorithms_are_typed_errors() {
    let (key, msg, raw, _) = p256_fixture();
    let mut unsupported = vec![
        AlgSign::Sm2Sm3Raw,
        AlgSign::RsassaPssSha384Raw,
        AlgSign::RsassaPssSha512Raw,
        AlgSign::RsassaPkcsv15Sha384Raw,
        AlgSign::RsassaPkcsv15Sha512Raw,
        AlgSign::RsassaPkcsv15Sha1Raw,
        AlgSign::Secp521r1EcdsaSha512Raw,
        AlgSign::Ed448EddsaSha512Raw,
        AlgSign::Unknown(0),
        AlgSign::Unknown(0xFFFF),
    ];
    if !cfg!(feature = "secp256k1") {
        unsupported.extend([
            AlgSign::Secp256k1EcdsaSha256Raw,
            AlgSign::Secp256k1EcdsaSha256Der,
        ]);
    }
    if !cfg!(feature = "rsa") {
        unsupported.extend([AlgSign::RsassaPssSha256Raw, AlgSign::RsaEmsaPkcs1Sha256Der]);
    }
    if !cfg!(feature = "p384") {
        unsupported.push(AlgSign::Secp384r1EcdsaSha384Raw);
    }
    if !cfg!(feature = "ed25519") {
        unsupported.push(AlgSign::Ed25519EddsaSha512Raw);
    }
    for alg in unsupported {
        check_all(
            alg,
            &key,
            &msg,
            &raw,
            Err(CryptoError::UnsupportedAlgorithm(alg)),
        );
    }
}

#[cfg(feature = "secp256k1")]
#[test]
fn wrong_curve_key_is_a_mismatch() {
    let k256_key = PublicKey::decode(AlgKey::EccX962Der, &h(openssl::K256_SPKI)).unwrap();
    let (p256_key, msg, raw, der) = p256_fixture();
    check_all(
        AlgSign::Secp256r1EcdsaSha256Raw,
        &k256_key,
        &msg,
        &raw,
        Err(CryptoError::KeyAlgorithmMismatch {
            alg: AlgSign::Secp256r1EcdsaSha256Raw,
            key: KeyType::Secp256k1,
        }),
    );
    check_all(
        AlgSign::Secp256k1EcdsaSha256Der,
        &p256_key,
        &msg,
        &der,
        Err(CryptoError::KeyAlgorithmMismatch {
            alg: AlgSign::Secp256k1EcdsaSha256Der,
            key: KeyType::P256,
        }),
    );
}

#[cfg(feature = "secp256k1")]
#[test]
fn secp256k1_openssl_vectors_low_and_high_s_verify() {
    let msg = h(openssl::MESSAGE);
    let key = PublicKey::decode_for(
        AlgSign::Secp256k1EcdsaSha256Raw,
        AlgKey::EccX962Raw,
        &h(openssl::K256_POINT),
    )
    .unwrap();
    assert_eq!(
        key,
        PublicKey::decode(AlgKey::EccX962Der, &h(openssl::K256_SPKI)).unwrap()
    );
    for sig in [openssl::K256_SIG_LOW_S_RAW, openssl::K256_SIG_HIGH_S_RAW] {
        let raw = h(sig);
        check_all(AlgSign::Secp256k1EcdsaSha256Raw, &key, &msg, &raw, Ok(()));
        let der = [vec![], min_int(&raw[..32]), min_int(&raw[32..])];
        check_all(
            AlgSign::Secp256k1EcdsaSha256Der,
            &key,
            &msg,
            &der_seq(&der[1], &der[2]),
            Ok(()),
        );
        check_all(
            AlgSign::Secp256k1EcdsaSha256Raw,
            &key,
            b"other",
            &raw,
            Err(CryptoError::VerificationFailed),
        );
    }
}

#[cfg(feature = "secp256k1")]
#[test]
fn raw_secp256k1_point_needs_decode_for() {
    // ALG_KEY_ECC_X962_RAW does not name its curve: `decode` reads P-256, where this point is
    // not on the curve.
    assert!(matches!(
        PublicKey::decode(AlgKey::EccX962Raw, &h(openssl::K256_POINT)),
        Err(CryptoError::BadKeyEncoding {
            encoding: AlgKey::EccX962Raw,
            ..
        })
    ));
}

#[cfg(feature = "p384")]
#[test]
fn p384_openssl_vector_verifies() {
    let msg = h(openssl::MESSAGE);
    let key = PublicKey::decode(AlgKey::EccX962Raw, &h(openssl::P384_POINT)).unwrap();
    assert_eq!(key.key_type(), KeyType::P384);
    let sig = h(openssl::P384_SIG_RAW);
    let alg = AlgSign::Secp384r1EcdsaSha384Raw;
    check_all(alg, &key, &msg, &sig, Ok(()));
    check_all(
        alg,
        &key,
        &msg[1..],
        &sig,
        Err(CryptoError::VerificationFailed),
    );
    assert!(bad_sig(alg)(verify(alg, &key, &msg, &sig[..64])));
    let (p256_key, _, _, _) = p256_fixture();
    check_all(
        alg,
        &p256_key,
        &msg,
        &sig,
        Err(CryptoError::KeyAlgorithmMismatch {
            alg,
            key: KeyType::P256,
        }),
    );
}

#[cfg(feature = "ed25519")]
#[test]
fn ed25519_openssl_vector_verifies() {
    let msg = h(openssl::MESSAGE);
    let key = PublicKey::decode(AlgKey::EccX962Der, &h(openssl::ED25519_SPKI)).unwrap();
    assert_eq!(key.key_type(), KeyType::Ed25519);
    let sig = h(openssl::ED25519_SIG);
    let alg = AlgSign::Ed25519EddsaSha512Raw;
    check_all(alg, &key, &msg, &sig, Ok(()));
    let mut flipped = sig.clone();
    flipped[10] ^= 4;
    check_all(
        alg,
        &key,
        &msg,
        &flipped,
        Err(CryptoError::VerificationFailed),
    );
    // S >= L is rejected (non-canonical), not reduced.
    let mut big_s = sig.clone();
    big_s[63] |= 0xf0;
    check_all(
        alg,
        &key,
        &msg,
        &big_s,
        Err(CryptoError::VerificationFailed),
    );
    assert!(bad_sig(alg)(verify(alg, &key, &msg, &sig[..63])));
}

#[cfg(feature = "rsa")]
mod rsa {
    use super::*;

    fn key() -> PublicKey {
        PublicKey::decode(AlgKey::Rsa2048Der, &h(openssl::RSA2048_SPKI)).unwrap()
    }

    /// DER OCTET STRING wrapping `s` (256 bytes: long-form length 0x82 0x01 0x00).
    fn octet_string(s: &[u8]) -> Vec<u8> {
        let len = u16::try_from(s.len()).unwrap().to_be_bytes();
        let mut out = vec![0x04, 0x82, len[0], len[1]];
        out.extend(s);
        out
    }

    #[test]
    fn pss_sha256_salt32_raw_and_der_verify() {
        let msg = h(openssl::MESSAGE);
        let sig = h(openssl::RSA_PSS_SHA256_SALT32);
        check_all(AlgSign::RsassaPssSha256Raw, &key(), &msg, &sig, Ok(()));
        check_all(
            AlgSign::RsassaPssSha256Der,
            &key(),
            &msg,
            &octet_string(&sig),
            Ok(()),
        );
        check_all(
            AlgSign::RsassaPssSha256Raw,
            &key(),
            &msg[1..],
            &sig,
            Err(CryptoError::VerificationFailed),
        );
    }

    #[test]
    fn pss_with_another_salt_length_fails() {
        let msg = h(openssl::MESSAGE);
        let sig = h(openssl::RSA_PSS_SHA256_SALT20);
        check_all(
            AlgSign::RsassaPssSha256Raw,
            &key(),
            &msg,
            &sig,
            Err(CryptoError::VerificationFailed),
        );
    }

    #[test]
    fn pkcs1_sha256_verifies_under_all_three_ids() {
        let msg = h(openssl::MESSAGE);
        let sig = h(openssl::RSA_PKCS1_SHA256);
        check_all(AlgSign::RsaEmsaPkcs1Sha256Raw, &key(), &msg, &sig, Ok(()));
        check_all(AlgSign::RsassaPkcsv15Sha256Raw, &key(), &msg, &sig, Ok(()));
        check_all(
            AlgSign::RsaEmsaPkcs1Sha256Der,
            &key(),
            &msg,
            &octet_string(&sig),
            Ok(()),
        );
        // A PKCS#1 v1.5 signature is not a PSS signature.
        check_all(
            AlgSign::RsassaPssSha256Raw,
            &key(),
            &msg,
            &sig,
            Err(CryptoError::VerificationFailed),
        );
    }

    #[test]
    fn rsa_3072_key_verifies() {
        let key = PublicKey::decode(AlgKey::Rsa2048Der, &h(openssl::RSA3072_SPKI)).unwrap();
        let msg = h(openssl::MESSAGE);
        check_all(
            AlgSign::RsassaPkcsv15Sha256Raw,
            &key,
            &msg,
            &h(openssl::RSA3072_PKCS1_SHA256),
            Ok(()),
        );
    }

    #[test]
    fn rsa_signature_encoding_rules() {
        let msg = h(openssl::MESSAGE);
        let sig = h(openssl::RSA_PSS_SHA256_SALT32);
        let der_alg = AlgSign::RsassaPssSha256Der;
        // DER must be an OCTET STRING, not a BIT STRING, with nothing after it.
        let mut bit_string = octet_string(&sig);
        bit_string[0] = 0x03;
        let mut trailing = octet_string(&sig);
        trailing.push(0);
        for bad in [bit_string, trailing, sig.clone()] {
            assert!(bad_sig(der_alg)(verify(der_alg, &key(), &msg, &bad)));
        }
        // S is exactly as long as the modulus: no stripped or added zero bytes.
        let raw_alg = AlgSign::RsassaPssSha256Raw;
        let mut longer = vec![0];
        longer.extend(&sig);
        for bad in [&sig[1..], &longer[..], &octet_string(&sig)[..]] {
            for backend in Backend::ALL {
                assert!(bad_sig(raw_alg)(backend.verify(raw_alg, &key(), &msg, bad)));
            }
        }
    }

    #[test]
    fn ec_key_with_rsa_algorithm_is_a_mismatch() {
        let (p256_key, msg, raw, _) = p256_fixture();
        let alg = AlgSign::RsassaPssSha256Raw;
        check_all(
            alg,
            &p256_key,
            &msg,
            &raw,
            Err(CryptoError::KeyAlgorithmMismatch {
                alg,
                key: KeyType::P256,
            }),
        );
        let alg = AlgSign::Secp256r1EcdsaSha256Raw;
        check_all(
            alg,
            &key(),
            &msg,
            &raw,
            Err(CryptoError::KeyAlgorithmMismatch {
                alg,
                key: KeyType::Rsa,
            }),
        );
    }
}

#[test]
fn verifier_trait_works_through_references_and_trait_objects() {
    let (key, msg, raw, _) = p256_fixture();
    let backend = Backend::default();
    assert_eq!(backend, Backend::fastest());
    let by_ref: &dyn SignatureVerifier = &backend;
    by_ref
        .verify(AlgSign::Secp256r1EcdsaSha256Raw, &key, &msg, &raw)
        .unwrap();
    // The blanket impl for references: a verifier can be passed by reference to generic code.
    fn generic<V: SignatureVerifier>(v: V, key: &PublicKey, msg: &[u8], sig: &[u8]) {
        v.verify(AlgSign::Secp256r1EcdsaSha256Raw, key, msg, sig)
            .unwrap();
    }
    generic::<&Backend>(&backend, &key, &msg, &raw);
    generic(by_ref, &key, &msg, &raw);
    assert!(Backend::ALL.contains(&Backend::RustCrypto));
    assert_eq!(Backend::RustCrypto.name(), "rustcrypto");
}

#[test]
fn errors_say_what_to_fix() {
    let e = CryptoError::KeyAlgorithmMismatch {
        alg: AlgSign::Secp256r1EcdsaSha256Raw,
        key: KeyType::Secp256k1,
    };
    let text = e.to_string();
    assert!(
        text.contains("secp256k1") && text.contains("ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW"),
        "{text}"
    );
    let e = CryptoError::UnsupportedKeyType(KeyType::Rsa);
    assert!(e.to_string().contains("`rsa`"), "{e}");
    let e: Box<dyn core::error::Error> = Box::new(CryptoError::VerificationFailed);
    assert!(e.to_string().contains("verification failed"));
}

#[test]
fn ec_keys_encode_without_alloc_into_a_buffer() {
    // encode_to_slice is the allocation-free encoder: the EC encodings work in every build.
    let (key, msg, raw, _) = p256_fixture();
    let mut buf = [0_u8; 96];
    let point = key
        .encode_to_slice(AlgKey::EccX962Raw, &mut buf)
        .unwrap()
        .to_vec();
    assert_eq!(Some(point.as_slice()), key.x962_point());
    let spki = key
        .encode_to_slice(AlgKey::EccX962Der, &mut buf)
        .unwrap()
        .to_vec();
    let again = PublicKey::decode(AlgKey::EccX962Der, &spki).unwrap();
    assert_eq!(again, key);
    check_all(AlgSign::Secp256r1EcdsaSha256Raw, &again, &msg, &raw, Ok(()));
    let mut short = [0_u8; 90];
    assert_eq!(
        key.encode_to_slice(AlgKey::EccX962Der, &mut short),
        Err(CryptoError::BufferTooSmall { needed: 91 })
    );
}

#[cfg(not(feature = "alloc"))]
#[test]
fn cose_keys_need_alloc() {
    let (key, _, _, _) = p256_fixture();
    assert_eq!(
        PublicKey::decode(AlgKey::Cose, &[0xa0]),
        Err(CryptoError::UnsupportedKeyEncoding(AlgKey::Cose))
    );
    assert_eq!(
        key.encode_to_slice(AlgKey::Cose, &mut [0; 128]),
        Err(CryptoError::UnsupportedKeyEncoding(AlgKey::Cose))
    );
}

#[test]
fn hash_known_answers_and_unsupported_hashes() {
    use uaf_crypto::hash;
    use uaf_proto::registry::HashAlg;
    // FIPS 180-4 examples ("abc").
    let cases = [
        (
            HashAlg::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            HashAlg::Sha384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            HashAlg::Sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];
    for (alg, expected) in cases {
        let d = hash(alg, b"abc").unwrap();
        assert_eq!(hex::encode(d.as_bytes()), expected);
        assert_eq!(d.len(), alg.output_len());
        assert!(!d.is_empty());
    }
    for alg in [HashAlg::Sha1, HashAlg::Sm3] {
        assert_eq!(hash(alg, b"abc"), Err(CryptoError::UnsupportedHash(alg)));
    }
    // The hash of each verifiable algorithm is offered.
    for alg in [
        AlgSign::Secp256r1EcdsaSha256Raw,
        AlgSign::Secp384r1EcdsaSha384Raw,
        AlgSign::Ed25519EddsaSha512Raw,
        AlgSign::RsassaPssSha256Der,
    ] {
        assert!(hash(alg.hash().unwrap(), b"fcParams").is_ok());
    }
}

/// `is_supported` says exactly which algorithms `verify` handles in this build: for every
/// other one, `verify` answers `UnsupportedAlgorithm` before looking at key or signature.
#[test]
fn is_supported_matches_verify() {
    let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(5);
    let key = uaf_crypto::SigningKey::generate(uaf_crypto::KeyType::P256, &mut rng)
        .unwrap()
        .public_key();
    for n in 0..=0x20u16 {
        let alg = uaf_proto::registry::AlgSign::from_value(n);
        let unsupported = matches!(
            uaf_crypto::verify(alg, &key, b"m", &[0; 64]),
            Err(uaf_crypto::CryptoError::UnsupportedAlgorithm(_))
        );
        assert_eq!(uaf_crypto::is_supported(alg), !unsupported, "{alg}");
    }
}
