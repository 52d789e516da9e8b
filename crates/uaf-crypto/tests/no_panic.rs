//! Property tests: no input makes a decoder or `verify` panic, and every key decodes back
//! from each of its encodings.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed fixture must stop the test"
)]

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_crypto::{Backend, KeyType, PublicKey, SignatureVerifier, SigningKey, verify};
use uaf_proto::registry::{AlgKey, AlgSign};

/// A valid P-256 key in each encoding, to mutate.
fn encodings() -> Vec<(AlgKey, Vec<u8>)> {
    let key = SigningKey::generate(KeyType::P256, &mut ChaCha20Rng::seed_from_u64(8))
        .unwrap()
        .public_key();
    [AlgKey::EccX962Raw, AlgKey::EccX962Der, AlgKey::Cose]
        .into_iter()
        .map(|e| (e, key.encode(e).unwrap()))
        .collect()
}

fn any_alg_key() -> impl Strategy<Value = AlgKey> {
    (0x00FE_u16..=0x0106).prop_map(AlgKey::from_value)
}

fn any_alg_sign() -> impl Strategy<Value = AlgSign> {
    (0_u16..=0x0014).prop_map(AlgSign::from_value)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(enc in any_alg_key(), bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = PublicKey::decode(enc, &bytes);
        for alg in [AlgSign::Secp256r1EcdsaSha256Raw, AlgSign::Secp256k1EcdsaSha256Der, AlgSign::RsassaPssSha256Raw] {
            let _ = PublicKey::decode_for(alg, enc, &bytes);
        }
    }

    #[test]
    fn mutated_valid_keys_never_panic_and_decode_only_to_valid_keys(
        which in 0_usize..3,
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let (enc, mut bytes) = encodings().swap_remove(which);
        let i = at.index(bytes.len());
        bytes[i] = byte;
        bytes.truncate(cut.index(bytes.len() + 1).max(i + 1));
        if let Ok(key) = PublicKey::decode(enc, &bytes) {
            // Whatever decodes encodes back to itself.
            let again = key.encode(enc).unwrap();
            prop_assert_eq!(PublicKey::decode(enc, &again).unwrap(), key);
        }
    }

    #[test]
    fn verifying_arbitrary_signatures_never_panics(
        alg in any_alg_sign(),
        msg in proptest::collection::vec(any::<u8>(), 0..64),
        sig in proptest::collection::vec(any::<u8>(), 0..140),
    ) {
        let key = PublicKey::decode(AlgKey::EccX962Raw, &encodings()[0].1).unwrap();
        for backend in Backend::ALL {
            prop_assert!(backend.verify(alg, &key, &msg, &sig).is_err());
        }
        prop_assert!(verify(alg, &key, &msg, &sig).is_err());
    }
}
