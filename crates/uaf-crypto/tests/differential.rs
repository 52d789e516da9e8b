//! Differential tests: every backend gives the same answer as RustCrypto on random valid and
//! invalid (key, message, signature) triples, for every algorithm the build has.
#![cfg(any(feature = "ring", feature = "aws-lc-rs"))]
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
use rand_core::{Rng, SeedableRng};
use uaf_crypto::{Backend, CryptoError, KeyType, PublicKey, SignatureVerifier, SigningKey};
use uaf_proto::registry::{AlgKey, AlgSign};

/// How many random keys per algorithm; each gives a dozen triples.
const ROUNDS: usize = 32;

/// The answers of every backend for one triple; panics if they differ. Returns RustCrypto's.
fn agree(alg: AlgSign, key: &PublicKey, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
    let reference = Backend::RustCrypto.verify(alg, key, msg, sig);
    for backend in Backend::ALL {
        assert_eq!(
            backend.verify(alg, key, msg, sig),
            reference,
            "{} disagrees with rustcrypto: alg {alg}, key {key:?}, msg {}, sig {}",
            backend.name(),
            hex::encode(msg),
            hex::encode(sig)
        );
    }
    reference
}

/// Big-endian `a - b` for equal-length values with `a >= b`.
fn sub_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0_u8; a.len()];
    let mut borrow = 0_i16;
    for i in (0..a.len()).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = u8::try_from(d).unwrap();
    }
    out
}

/// Random invalid variants of a valid signature over `msg`: bit flips in the signature and the
/// message, random bytes, zero and out-of-range scalars for fixed-width ECDSA.
fn mutations(rng: &mut ChaCha20Rng, msg: &[u8], sig: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for _ in 0..4 {
        let mut s = sig.to_vec();
        let i = usize::try_from(rng.next_u32()).unwrap() % s.len();
        s[i] ^= 1 << (rng.next_u32() % 8);
        out.push((msg.to_vec(), s));
    }
    let mut m = msg.to_vec();
    let i = usize::try_from(rng.next_u32()).unwrap() % m.len();
    m[i] ^= 0x20;
    out.push((m, sig.to_vec()));
    let mut random = vec![0_u8; sig.len()];
    rng.fill_bytes(&mut random);
    out.push((msg.to_vec(), random));
    out.push((msg.to_vec(), vec![0; sig.len()]));
    out.push((msg.to_vec(), vec![0xff; sig.len()]));
    out
}

fn random_msg(rng: &mut ChaCha20Rng) -> Vec<u8> {
    let mut msg = vec![0_u8; 1 + usize::try_from(rng.next_u32() % 300).unwrap()];
    rng.fill_bytes(&mut msg);
    msg
}

/// P-256 group order.
const P256_N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
/// secp256k1 group order.
const K256_N: &str = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

fn ecdsa_round(rng: &mut ChaCha20Rng, kt: KeyType, raw: AlgSign, der: AlgSign, n: &str) {
    let n = hex::decode(n).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for _ in 0..ROUNDS {
        let key = SigningKey::generate(kt, rng).unwrap();
        let public = key.public_key();
        let msg = random_msg(rng);
        let sig = key.sign(raw, &msg, rng).unwrap();
        let sig = sig.as_bytes();
        assert_eq!(agree(raw, &public, &msg, sig), Ok(()));
        valid += 1;
        // The other S (n - s) is valid ECDSA too.
        let high = [&sig[..32], &sub_be(&n, &sig[32..])].concat();
        assert_eq!(agree(raw, &public, &msg, &high), Ok(()));
        // s = n and r = n are out of range.
        assert_eq!(
            agree(raw, &public, &msg, &[&sig[..32], &n].concat()),
            Err(CryptoError::VerificationFailed)
        );
        assert_eq!(
            agree(raw, &public, &msg, &[&n, &sig[32..]].concat()),
            Err(CryptoError::VerificationFailed)
        );
        let der_sig = key.sign_deterministic(der, &msg).unwrap();
        assert_eq!(agree(der, &public, &msg, der_sig.as_bytes()), Ok(()));
        for (m, s) in
            mutations(rng, &msg, sig)
                .into_iter()
                .chain(mutations(rng, &msg, der_sig.as_bytes()))
        {
            let alg = if s.len() == 64 { raw } else { der };
            if agree(alg, &public, &m, &s).is_err() {
                invalid += 1;
            }
        }
        // A signature by another key.
        let other = SigningKey::generate(kt, rng).unwrap().public_key();
        assert_eq!(
            agree(raw, &other, &msg, sig),
            Err(CryptoError::VerificationFailed)
        );
    }
    assert!(
        valid == ROUNDS && invalid >= ROUNDS * 15,
        "{valid} valid, {invalid} invalid"
    );
}

#[test]
fn p256_backends_agree() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5032_3536);
    ecdsa_round(
        &mut rng,
        KeyType::P256,
        AlgSign::Secp256r1EcdsaSha256Raw,
        AlgSign::Secp256r1EcdsaSha256Der,
        P256_N,
    );
}

#[cfg(feature = "secp256k1")]
#[test]
fn secp256k1_backends_agree() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x6b32_3536);
    ecdsa_round(
        &mut rng,
        KeyType::Secp256k1,
        AlgSign::Secp256k1EcdsaSha256Raw,
        AlgSign::Secp256k1EcdsaSha256Der,
        K256_N,
    );
}

#[cfg(feature = "p384")]
#[test]
fn p384_backends_agree() {
    use p384::ecdsa::signature::Signer as _;
    use p384::elliptic_curve::Generate as _;
    let mut rng = ChaCha20Rng::seed_from_u64(0x5033_3834);
    let alg = AlgSign::Secp384r1EcdsaSha384Raw;
    for _ in 0..ROUNDS / 4 {
        let sk = p384::ecdsa::SigningKey::generate_from_rng(&mut rng);
        let point = sk.verifying_key().to_sec1_point(false);
        let public = PublicKey::decode(AlgKey::EccX962Raw, point.as_bytes()).unwrap();
        let msg = random_msg(&mut rng);
        let sig: p384::ecdsa::Signature = sk.sign(&msg);
        let sig = sig.to_bytes();
        assert_eq!(agree(alg, &public, &msg, &sig), Ok(()));
        for (m, s) in mutations(&mut rng, &msg, &sig) {
            assert_eq!(
                agree(alg, &public, &m, &s),
                Err(CryptoError::VerificationFailed)
            );
        }
    }
}

#[cfg(feature = "ed25519")]
#[test]
fn ed25519_backends_agree() {
    use ed25519_dalek::Signer as _;
    let mut rng = ChaCha20Rng::seed_from_u64(0x6564_3235);
    let alg = AlgSign::Ed25519EddsaSha512Raw;
    // Fewer rounds: unoptimised curve25519 arithmetic is slow in test builds.
    for _ in 0..ROUNDS / 4 {
        let mut seed = [0_u8; 32];
        rng.fill_bytes(&mut seed);
        let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
        let public = PublicKey::decode(
            AlgKey::EccX962Der,
            &ed25519_spki(sk.verifying_key().as_bytes()),
        )
        .unwrap();
        let msg = random_msg(&mut rng);
        let sig = sk.sign(&msg).to_bytes();
        assert_eq!(agree(alg, &public, &msg, &sig), Ok(()));
        for (m, s) in mutations(&mut rng, &msg, &sig) {
            assert_eq!(
                agree(alg, &public, &m, &s),
                Err(CryptoError::VerificationFailed)
            );
        }
    }
}

#[cfg(feature = "ed25519")]
fn ed25519_spki(key: &[u8; 32]) -> Vec<u8> {
    [&hex::decode("302a300506032b6570032100").unwrap()[..], key].concat()
}

#[cfg(feature = "rsa")]
#[test]
fn rsa_backends_agree() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x0072_7361);
    let msg = hex::decode(openssl::MESSAGE).unwrap();
    let key = PublicKey::decode(
        AlgKey::Rsa2048Der,
        &hex::decode(openssl::RSA2048_SPKI).unwrap(),
    )
    .unwrap();
    let cases = [
        (
            AlgSign::RsassaPssSha256Raw,
            openssl::RSA_PSS_SHA256_SALT32,
            Ok(()),
        ),
        (
            AlgSign::RsassaPssSha256Raw,
            openssl::RSA_PSS_SHA256_SALT20,
            Err(CryptoError::VerificationFailed),
        ),
        (
            AlgSign::RsassaPssSha256Raw,
            openssl::RSA_PKCS1_SHA256,
            Err(CryptoError::VerificationFailed),
        ),
        (
            AlgSign::RsaEmsaPkcs1Sha256Raw,
            openssl::RSA_PKCS1_SHA256,
            Ok(()),
        ),
        (
            AlgSign::RsassaPkcsv15Sha256Raw,
            openssl::RSA_PSS_SHA256_SALT32,
            Err(CryptoError::VerificationFailed),
        ),
    ];
    for (alg, sig, expected) in cases {
        let sig = hex::decode(sig).unwrap();
        assert_eq!(agree(alg, &key, &msg, &sig), expected, "{alg}");
        for _ in 0..8 {
            for (m, s) in mutations(&mut rng, &msg, &sig) {
                assert_eq!(
                    agree(alg, &key, &m, &s),
                    Err(CryptoError::VerificationFailed)
                );
            }
        }
    }
}

#[test]
fn malformed_inputs_are_classified_before_any_backend() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let public = SigningKey::generate(KeyType::P256, &mut rng)
        .unwrap()
        .public_key();
    for len in [0, 1, 63, 65, 72, 200] {
        let mut junk = vec![0_u8; len];
        rng.fill_bytes(&mut junk);
        for alg in [
            AlgSign::Secp256r1EcdsaSha256Raw,
            AlgSign::Secp256r1EcdsaSha256Der,
        ] {
            assert!(matches!(
                agree(alg, &public, b"m", &junk),
                Err(CryptoError::BadSignatureEncoding { .. })
            ));
        }
    }
}
