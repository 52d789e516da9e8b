//! Signing for the authenticator: RFC 6979 known answers, sign→verify for every signable
//! algorithm and encoding on every backend, key import/export, and the error cases.
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

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_crypto::{Backend, CryptoError, KeyType, SignatureVerifier, SigningKey};
use uaf_proto::registry::{AlgKey, AlgSign};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// RFC 6979 appendix A.2.5 (ECDSA, 256 bits, prime field): the private key.
const RFC6979_X: &str = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
/// RFC 6979 A.2.5: the public key, uncompressed.
const RFC6979_Q: &str = "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";

#[test]
fn rfc6979_p256_sha256_known_answers() {
    let key = SigningKey::from_private_scalar(KeyType::P256, &h(RFC6979_X)).unwrap();
    assert_eq!(key.public_key().x962_point().unwrap(), h(RFC6979_Q));
    let cases = [
        (
            "sample",
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
            "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
        ),
        (
            "test",
            "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
            "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083",
        ),
    ];
    for (msg, r, s) in cases {
        let sig = key
            .sign_deterministic(AlgSign::Secp256r1EcdsaSha256Raw, msg.as_bytes())
            .unwrap();
        assert_eq!(sig.alg(), AlgSign::Secp256r1EcdsaSha256Raw);
        assert_eq!(hex::encode(sig.as_bytes()), format!("{r}{s}"), "{msg}");
        // The DER form carries the same r and s (s of "test" starts 0x01: a 32-byte INTEGER).
        let der = key
            .sign_deterministic(AlgSign::Secp256r1EcdsaSha256Der, msg.as_bytes())
            .unwrap();
        let der_hex = hex::encode(der.as_bytes());
        assert!(der_hex.contains(r) && der_hex.contains(s), "{der_hex}");
    }
}

fn signable() -> Vec<(KeyType, AlgSign)> {
    let mut v = vec![
        (KeyType::P256, AlgSign::Secp256r1EcdsaSha256Raw),
        (KeyType::P256, AlgSign::Secp256r1EcdsaSha256Der),
    ];
    if cfg!(feature = "secp256k1") {
        v.push((KeyType::Secp256k1, AlgSign::Secp256k1EcdsaSha256Raw));
        v.push((KeyType::Secp256k1, AlgSign::Secp256k1EcdsaSha256Der));
    }
    v
}

#[test]
fn sign_then_verify_for_every_signable_algorithm_on_every_backend() {
    let mut rng = ChaCha20Rng::seed_from_u64(2024);
    for (kt, alg) in signable() {
        for i in 0_u8..8 {
            let key = SigningKey::generate(kt, &mut rng).unwrap();
            assert_eq!(key.key_type(), kt);
            let msg = [i; 100];
            let hedged = key.sign(alg, &msg, &mut rng).unwrap();
            let deterministic = key.sign_deterministic(alg, &msg).unwrap();
            let public = key.public_key();
            for backend in Backend::ALL {
                for sig in [&hedged, &deterministic] {
                    backend.verify(alg, &public, &msg, sig.as_bytes()).unwrap();
                    assert_eq!(
                        backend.verify(alg, &public, &msg[1..], sig.as_bytes()),
                        Err(CryptoError::VerificationFailed)
                    );
                }
            }
        }
    }
}

#[test]
fn deterministic_mode_repeats_and_hedged_mode_does_not() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    for (kt, alg) in signable() {
        let key = SigningKey::generate(kt, &mut rng).unwrap();
        let a = key.sign_deterministic(alg, b"KRD").unwrap();
        let b = key.sign_deterministic(alg, b"KRD").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, key.sign_deterministic(alg, b"KRE").unwrap());
        let c = key.sign(alg, b"KRD", &mut rng).unwrap();
        let d = key.sign(alg, b"KRD", &mut rng).unwrap();
        assert_ne!(c, d);
    }
}

#[test]
fn same_seed_gives_same_key() {
    let a = SigningKey::generate(KeyType::P256, &mut ChaCha20Rng::seed_from_u64(77)).unwrap();
    let b = SigningKey::generate(KeyType::P256, &mut ChaCha20Rng::seed_from_u64(77)).unwrap();
    assert_eq!(a.public_key(), b.public_key());
    assert_eq!(*a.private_scalar(), *b.private_scalar());
}

#[test]
fn private_scalar_round_trips() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    for (kt, alg) in signable() {
        let key = SigningKey::generate(kt, &mut rng).unwrap();
        let scalar = key.private_scalar();
        let again = SigningKey::from_private_scalar(kt, &scalar[..]).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(
            again.sign_deterministic(alg, b"m").unwrap(),
            key.sign_deterministic(alg, b"m").unwrap()
        );
    }
}

#[test]
fn invalid_private_scalars_are_rejected() {
    // P-256 group order n.
    let n = h("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let zero = [0_u8; 32];
    let short = [1_u8; 31];
    let long = [1_u8; 33];
    for bad in [&n[..], &zero[..], &short[..], &long[..], &[][..]] {
        assert_eq!(
            SigningKey::from_private_scalar(KeyType::P256, bad).map(|_| ()),
            Err(CryptoError::BadPrivateKey(KeyType::P256)),
            "{}",
            hex::encode(bad)
        );
    }
    let mut n_minus_1 = n.clone();
    n_minus_1[31] -= 1;
    assert!(SigningKey::from_private_scalar(KeyType::P256, &n_minus_1).is_ok());
}

#[test]
fn signing_algorithms_must_fit_the_key() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let key = SigningKey::generate(KeyType::P256, &mut rng).unwrap();
    if cfg!(feature = "secp256k1") {
        assert_eq!(
            key.sign_deterministic(AlgSign::Secp256k1EcdsaSha256Raw, b"m"),
            Err(CryptoError::KeyAlgorithmMismatch {
                alg: AlgSign::Secp256k1EcdsaSha256Raw,
                key: KeyType::P256
            })
        );
    }
    for alg in [
        AlgSign::RsassaPssSha256Raw,
        AlgSign::Ed25519EddsaSha512Raw,
        AlgSign::Secp384r1EcdsaSha384Raw,
        AlgSign::Unknown(9),
    ] {
        assert_eq!(
            key.sign(alg, b"m", &mut rng),
            Err(CryptoError::UnsupportedAlgorithm(alg))
        );
        assert_eq!(
            key.sign_deterministic(alg, b"m"),
            Err(CryptoError::UnsupportedAlgorithm(alg))
        );
    }
}

#[test]
fn only_ecdsa_256_bit_curves_sign() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for kt in [KeyType::Rsa, KeyType::Ed25519, KeyType::P384] {
        assert_eq!(
            SigningKey::generate(kt, &mut rng).map(|_| ()),
            Err(CryptoError::UnsupportedKeyType(kt))
        );
        assert_eq!(
            SigningKey::from_private_scalar(kt, &[1; 32]).map(|_| ()),
            Err(CryptoError::UnsupportedKeyType(kt))
        );
    }
}

#[cfg(all(feature = "secp256k1", feature = "alloc"))]
#[test]
fn secp256k1_public_key_encodings_round_trip() {
    let key = SigningKey::generate(KeyType::Secp256k1, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    let public = key.public_key();
    let raw = public.encode(AlgKey::EccX962Raw).unwrap();
    assert_eq!(
        uaf_crypto::PublicKey::decode_for(
            AlgSign::Secp256k1EcdsaSha256Der,
            AlgKey::EccX962Raw,
            &raw
        )
        .unwrap(),
        public
    );
    for enc in [AlgKey::EccX962Der, AlgKey::Cose] {
        assert_eq!(
            uaf_crypto::PublicKey::decode(enc, &public.encode(enc).unwrap()).unwrap(),
            public
        );
    }
}

#[test]
fn debug_never_shows_the_secret() {
    let key = SigningKey::from_private_scalar(KeyType::P256, &h(RFC6979_X)).unwrap();
    let text = format!("{key:?}");
    assert!(!text.to_lowercase().contains("c9afa9"), "{text}");
    assert!(text.contains("P256"), "{text}");
}

#[test]
fn signing_key_zeroizes_on_drop() {
    fn assert_zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    assert_zeroize_on_drop::<SigningKey>();
    assert_zeroize_on_drop::<zeroize::Zeroizing<[u8; 32]>>();
}
