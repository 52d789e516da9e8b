//! The verifier's overhead in executed instructions, for `scripts/bench-instructions.sh`.
//!
//! Wall-clock ratios on a shared machine move with the neighbours; instruction counts under
//! `valgrind --tool=callgrind` do not (the same binary and input give the same count, whatever
//! else runs). This program does one operation `N` times after building its fixtures, so the
//! script can run it with `N` and with `0` and divide the difference by `N`:
//!
//! ```text
//! instructions <case> <N>
//!   case: bare/<backend>                 Backend::verify of one P-256 signature (key decoded once)
//!         decode+bare/<backend>          PublicKey::decode_for, then Backend::verify
//!         finish_authentication/<backend> a whole authentication response, stored key (the
//!                                        count includes cloning its pending state: a bound)
//!         finish_authentication_cold/<backend> the same with the decoded-key cache off
//!   backend: rustcrypto, ring, aws-lc-rs (as compiled in)
//! ```
//!
//! It is a `harness = false` bench target so it is built with the benchmark profile and
//! the same features as `benches/verify.rs`; `cargo bench` runs it with no case and it exits.
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
    clippy::print_stderr,
    dead_code,
    unreachable_pub,
    reason = "measurement fixtures"
)]

#[path = "../tests/common/mod.rs"]
mod common;

use core::hint::black_box;

use common::*;
use uaf_crypto::{Backend, PublicKey, SignatureVerifier};
use uaf_proto::registry::AlgSign;
use uaf_rp::RelyingParty;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; anything that is not "<case> <N>" is not a run.
    let (Some(case), Some(n)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: instructions <case> <N> (see scripts/bench-instructions.sh)");
        return;
    };
    let (op, backend_name) = case.split_once('/').expect("case is <op>/<backend>");
    let backend = Backend::ALL
        .iter()
        .copied()
        .find(|b| b.name() == backend_name)
        .unwrap_or_else(|| panic!("backend {backend_name} is not compiled in"));

    let AuthBench {
        enrolled,
        regs,
        response,
        pending,
        message,
        signature: sig,
    } = AuthBench::new();
    let stored = &enrolled.registration;
    let public = PublicKey::decode_for(
        stored.sign_alg,
        stored.public_key_encoding,
        &stored.public_key,
    )
    .unwrap();
    let cache = if op == "finish_authentication_cold" {
        0
    } else {
        uaf_rp::RelyingPartyBuilder::DEFAULT_KEY_CACHE_CAPACITY
    };
    let rp = RelyingParty::with_verifier(
        builder().key_cache_capacity(cache).build().unwrap(),
        metadata(),
        backend,
    );
    // Fixtures are built and every lazy initialisation (AWS-LC's parsed key, the RP's key
    // cache, CPU feature detection) is done once before the counted loop, for every case.
    backend
        .verify(
            AlgSign::Secp256r1EcdsaSha256Raw,
            &public,
            &message,
            sig.as_slice(),
        )
        .unwrap();
    rp.finish_authentication(&response, pending.clone(), &regs, NOW)
        .unwrap();

    for _ in 0..n {
        match op {
            "bare" => backend
                .verify(
                    AlgSign::Secp256r1EcdsaSha256Raw,
                    black_box(&public),
                    black_box(&message),
                    black_box(sig.as_slice()),
                )
                .unwrap(),
            "decode+bare" => {
                let key = PublicKey::decode_for(
                    stored.sign_alg,
                    stored.public_key_encoding,
                    black_box(&stored.public_key),
                )
                .unwrap();
                backend
                    .verify(
                        AlgSign::Secp256r1EcdsaSha256Raw,
                        &key,
                        black_box(&message),
                        black_box(sig.as_slice()),
                    )
                    .unwrap();
            }
            "finish_authentication" | "finish_authentication_cold" => {
                rp.finish_authentication(black_box(&response), pending.clone(), &regs, NOW)
                    .unwrap();
            }
            other => panic!("unknown operation {other}"),
        }
    }
}
