//! The verifier's cost against the bare signature verification it cannot avoid, in one run.
//!
//! For each signature backend compiled in: `bare/<backend>` verifies one P-256 signature over
//! a SignedData-sized message through `uaf_crypto::Backend`; `finish_authentication/<backend>`
//! verifies a complete authentication response (JSON, base64url, fcParams, TLV, metadata,
//! policy, final challenge hash, signature, counter) with a stored key, as a server does: the
//! relying party's decoded-key cache (on by default) holds the key after the first sign-in,
//! just as the bare case decodes its key once. The ratio of the two is the verifier's overhead
//! (goal ≤ 1.1×). `finish_registration/surrogate` and
//! `finish_registration/basic_full_two_cert_path` (a certificate chain checked) are listed
//! for scale.
//!
//! Run: `scripts/bench-ratios.sh --run` (this bench between two `openssl speed` runs, then the
//! ratios), or `cargo bench -p uaf-rp --features ring,aws-lc-rs --bench verify` and then
//! `scripts/bench-ratios.sh`. `scripts/bench-instructions.sh` gives the same ratios in
//! executed instructions, which do not move with the machine's load.
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err,
    dead_code,
    unreachable_pub,
    reason = "benchmark fixtures"
)]

#[path = "../tests/common/mod.rs"]
mod common;

use core::hint::black_box;
use core::time::Duration;

use common::*;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use uaf_crypto::{Backend, SignatureVerifier};
use uaf_proto::registry::AlgSign;
use uaf_rp::RelyingParty;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("verifier");
    g.throughput(Throughput::Elements(1));
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    g.sample_size(50);

    // A registered key, one valid authentication response, and a bare signature.
    let AuthBench {
        enrolled,
        regs,
        response,
        pending,
        message,
        signature: sig,
    } = AuthBench::new();
    let rp0 = rp();
    let public = enrolled.key.public_key();

    for backend in Backend::ALL.iter().copied() {
        g.bench_function(format!("bare/{}", backend.name()), |b| {
            b.iter(|| {
                backend
                    .verify(
                        AlgSign::Secp256r1EcdsaSha256Raw,
                        black_box(&public),
                        black_box(&message),
                        black_box(sig.as_slice()),
                    )
                    .unwrap()
            });
        });
        let rp = RelyingParty::with_verifier(builder().build().unwrap(), metadata(), backend);
        g.bench_function(format!("finish_authentication/{}", backend.name()), |b| {
            b.iter_batched(
                || pending.clone(),
                |p| {
                    rp.finish_authentication(black_box(&response), p, &regs, NOW)
                        .unwrap()
                },
                BatchSize::SmallInput,
            );
        });
    }

    let (req, pending) = reg_request(&rp0);
    let reg_response = RegParts::for_request(&req).build(&uauth(2));
    g.bench_function("finish_registration/surrogate", |b| {
        b.iter_batched(
            || pending.clone(),
            |p| {
                rp0.finish_registration(black_box(&reg_response), p, &[][..], NOW)
                    .unwrap()
            },
            BatchSize::SmallInput,
        );
    });

    // Basic full attestation from the simulated phone: the attestation certificate, issued
    // by the test CA whose root the metadata lists (a two-certificate path), checked on the
    // strict (rustls-webpki) path, then the attestation signature over the KRD.
    let aaid = uaf_proto::id::Aaid::parse("FFFF#FC01").unwrap();
    let profile = uaf_authenticator::Profile::builder(aaid)
        .attestation(uaf_authenticator::AttestationConfig::GenerateBasicFull)
        .build()
        .unwrap();
    let phone = uaf_authenticator::Authenticator::new(
        profile,
        rng(21),
        uaf_authenticator::ScriptedUser::approving("1234"),
    )
    .unwrap();
    let mut index = uaf_metadata::MetadataIndex::new();
    index
        .insert(uaf_metadata::MetadataEntry::from_json(&phone.metadata_statement()).unwrap())
        .unwrap();
    let full_rp = RelyingParty::new(
        uaf_rp::RelyingPartyBuilder::new(APP_ID).build().unwrap(),
        index,
    );
    let mut client = uaf_client::Client::new(uaf_client::ClientConfig::default(), &mut rng(22));
    client.add_authenticator(phone, uaf_client::AuthenticatorOptions::with_version(1));
    let (req, pending) = full_rp
        .start_registration("alice", &[], NOW, &mut rng(23))
        .unwrap();
    let text = req.to_json();
    let response = client
        .process(&uaf_client::ClientRequest::new(&text, FACET))
        .unwrap()
        .response()
        .cloned()
        .unwrap()
        .message;
    g.bench_function("finish_registration/basic_full_two_cert_path", |b| {
        b.iter_batched(
            || pending.clone(),
            |p| {
                full_rp
                    .finish_registration(black_box(&response), p, &[][..], NOW)
                    .unwrap()
            },
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
