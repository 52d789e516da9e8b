//! P-256 ECDSA verification per backend, in one run (the README's numbers).
//!
//! `bare/*` calls each library directly with a pre-parsed signature: the fastest each can be.
//! `uaf_crypto/*` goes through [`uaf_crypto::Backend::verify`] (algorithm dispatch, key-type
//! check, signature decoding), which must cost no more than 10 % over the bare call.
//!
//! Run: `cargo bench -p uaf-crypto --features ring,aws-lc-rs --bench verify`
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]
#![allow(
    clippy::expect_used,
    reason = "a benchmark whose fixtures fail must stop"
)]

use core::hint::black_box;
use core::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use p256::ecdsa::signature::Verifier as _;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_crypto::{Backend, KeyType, PublicKey, SignatureVerifier, SigningKey};
use uaf_proto::registry::{AlgKey, AlgSign};

/// A realistic signed message: a TAG_UAFV1_SIGNED_DATA of the size in the UAF spec example.
const MESSAGE: [u8; 146] = [0x5a; 146];

fn p256_verify(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(2017);
    let key = SigningKey::generate(KeyType::P256, &mut rng).expect("P-256 key");
    let public = key.public_key();
    let point = public.x962_point().expect("EC key").to_vec();
    let raw = key
        .sign(AlgSign::Secp256r1EcdsaSha256Raw, &MESSAGE, &mut rng)
        .expect("signature");
    let der = key
        .sign(AlgSign::Secp256r1EcdsaSha256Der, &MESSAGE, &mut rng)
        .expect("signature");

    let mut g = c.benchmark_group("p256_verify");
    g.throughput(Throughput::Elements(1));
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.sample_size(40);

    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).expect("point");
    let sig = p256::ecdsa::Signature::from_slice(raw.as_bytes()).expect("sig");
    g.bench_function("bare/rustcrypto-p256", |b| {
        b.iter(|| {
            vk.verify(black_box(&MESSAGE), black_box(&sig))
                .expect("valid")
        });
    });

    #[cfg(feature = "ring")]
    {
        use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
        let pk = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point);
        g.bench_function("bare/ring", |b| {
            b.iter(|| {
                pk.verify(black_box(&MESSAGE), black_box(raw.as_bytes()))
                    .expect("valid")
            });
        });
    }

    #[cfg(feature = "aws-lc-rs")]
    {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ParsedPublicKey, UnparsedPublicKey};
        let pk = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point);
        g.bench_function("bare/aws-lc-rs", |b| {
            b.iter(|| {
                pk.verify(black_box(&MESSAGE), black_box(raw.as_bytes()))
                    .expect("valid")
            });
        });
        let parsed = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point).expect("point");
        g.bench_function("bare/aws-lc-rs-preparsed", |b| {
            b.iter(|| {
                parsed
                    .verify_sig(black_box(&MESSAGE), black_box(raw.as_bytes()))
                    .expect("valid")
            });
        });
    }

    for backend in Backend::ALL {
        g.bench_function(format!("uaf_crypto/{}/raw", backend.name()), |b| {
            b.iter(|| {
                backend
                    .verify(
                        AlgSign::Secp256r1EcdsaSha256Raw,
                        &public,
                        black_box(&MESSAGE),
                        black_box(raw.as_bytes()),
                    )
                    .expect("valid");
            });
        });
        g.bench_function(format!("uaf_crypto/{}/der", backend.name()), |b| {
            b.iter(|| {
                backend
                    .verify(
                        AlgSign::Secp256r1EcdsaSha256Der,
                        &public,
                        black_box(&MESSAGE),
                        black_box(der.as_bytes()),
                    )
                    .expect("valid");
            });
        });
    }
    // The work around the primitive: decoding the signature, dispatching and (inside each
    // backend) parsing the key, measured with r = 0, which every backend rejects before any
    // curve arithmetic.
    let zero_der = [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01];
    for backend in Backend::ALL {
        g.bench_function(format!("uaf_crypto/{}/overhead-der", backend.name()), |b| {
            b.iter(|| {
                backend
                    .verify(
                        AlgSign::Secp256r1EcdsaSha256Der,
                        &public,
                        black_box(&MESSAGE),
                        black_box(&zero_der),
                    )
                    .expect_err("r = 0");
            });
        });
    }
    // Decoding a stored key (an RP does this once per assertion unless it caches keys).
    g.bench_function("uaf_crypto/decode/x962-raw", |b| {
        b.iter(|| PublicKey::decode(AlgKey::EccX962Raw, black_box(&point)).expect("key"));
    });
    #[cfg(feature = "alloc")]
    {
        let cose = public.to_cose_key().expect("COSE");
        g.bench_function("uaf_crypto/decode/cose", |b| {
            b.iter(|| PublicKey::from_cose_key(black_box(&cose)).expect("key"));
        });
    }
    g.finish();
}

criterion_group!(benches, p256_verify);
criterion_main!(benches);
