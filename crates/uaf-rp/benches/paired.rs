//! The verifier's overhead in wall-clock time, measured as *paired, interleaved* batches.
//!
//! On a shared machine the speed drifts by tens of per cent within a minute, so two criterion
//! benchmarks measured one after the other can disagree by more than the overhead being
//! measured. Here the two operations alternate in short batches — `BATCH` bare verifications,
//! then `BATCH` whole `finish_authentication` calls, and again — and each round gives one ratio
//! of two neighbouring batches, which a drift slower than a round cancels out of. The report is
//! the median ratio over `ROUNDS` rounds with its interquartile range, per backend, and the
//! median rates.
//!
//! Run: `cargo bench -p uaf-rp --features ring,aws-lc-rs --bench paired`
//! (`UAF_PAIRED_ROUNDS`, `UAF_PAIRED_BATCH` change the defaults 200 and 40).
#![allow(missing_docs, reason = "a measurement program")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err,
    clippy::print_stdout,
    dead_code,
    unreachable_pub,
    reason = "measurement fixtures"
)]

#[path = "../tests/common/mod.rs"]
mod common;

use core::hint::black_box;
use std::time::Instant;

use common::*;
use uaf_crypto::{Backend, PublicKey, SignatureVerifier};
use uaf_proto::registry::AlgSign;
use uaf_rp::RelyingParty;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

/// The `percent` percentile of sorted values (nearest rank below).
fn percentile(sorted: &[f64], percent: usize) -> f64 {
    sorted[(sorted.len() - 1) * percent / 100]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument that names no backend skips them all.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let rounds = env_or("UAF_PAIRED_ROUNDS", 200);
    let batch = env_or("UAF_PAIRED_BATCH", 40);
    let batch_f = f64::from(u32::try_from(batch).expect("a batch fits in u32"));
    let AuthBench {
        enrolled,
        regs,
        response,
        pending,
        message,
        signature,
    } = AuthBench::new();
    let stored = &enrolled.registration;
    let public = PublicKey::decode_for(
        stored.sign_alg,
        stored.public_key_encoding,
        &stored.public_key,
    )
    .unwrap();

    println!(
        "paired batches: {rounds} rounds of {batch} bare verifications then {batch} \
         finish_authentication calls"
    );
    println!(
        "{:<11} {:>14} {:>14} {:>24}",
        "backend", "bare /s", "finish /s", "ratio median [IQR]"
    );
    for backend in Backend::ALL.iter().copied() {
        if filter
            .as_deref()
            .is_some_and(|f| !backend.name().contains(f))
        {
            continue;
        }
        let rp = RelyingParty::with_verifier(builder().build().unwrap(), metadata(), backend);
        // The pending states are made outside the timed batches (criterion's iter_batched).
        let mut pendings: Vec<_> = Vec::with_capacity(batch);
        let bare = || {
            backend
                .verify(
                    AlgSign::Secp256r1EcdsaSha256Raw,
                    black_box(&public),
                    black_box(&message),
                    black_box(signature.as_slice()),
                )
                .unwrap();
        };
        // Warm-up: caches, the RP's key cache, AWS-LC's parsed key, CPU frequency.
        for _ in 0..batch {
            bare();
            rp.finish_authentication(&response, pending.clone(), &regs, NOW)
                .unwrap();
        }
        let mut ratios = Vec::with_capacity(rounds);
        let mut bare_rates = Vec::with_capacity(rounds);
        let mut finish_rates = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            pendings.clear();
            pendings.extend((0..batch).map(|_| pending.clone()));
            let t0 = Instant::now();
            for _ in 0..batch {
                bare();
            }
            let t_bare = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            for p in pendings.drain(..) {
                rp.finish_authentication(black_box(&response), p, &regs, NOW)
                    .unwrap();
            }
            let t_finish = t1.elapsed().as_secs_f64();
            ratios.push(t_finish / t_bare);
            bare_rates.push(batch_f / t_bare);
            finish_rates.push(batch_f / t_finish);
        }
        for v in [&mut ratios, &mut bare_rates, &mut finish_rates] {
            v.sort_by(f64::total_cmp);
        }
        println!(
            "{:<11} {:>14.0} {:>14.0} {:>10.3}x [{:.3}, {:.3}]",
            backend.name(),
            percentile(&bare_rates, 50),
            percentile(&finish_rates, 50),
            percentile(&ratios, 50),
            percentile(&ratios, 25),
            percentile(&ratios, 75),
        );
    }
}
