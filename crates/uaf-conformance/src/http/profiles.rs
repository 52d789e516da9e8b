//! The simulated authenticator models the server suite uses, and the phone that answers a
//! server: `uaf_client::Client` over `uaf_authenticator::Authenticator`.
//!
//! **Deterministic models.** The attestation CA and attestation key of each basic full
//! model come from a ChaCha20 RNG seeded from its AAID, so the metadata statements
//! ([`super::metadata`]) are the same on every run and a server loads them once. The keys
//! of each case (key wrapping secret, UAuth keys, nonces) come from the case's own seed,
//! different on each run, so that runs against a server that keeps its data do not collide.

use alloc::string::String;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_authenticator::{
    AttestationConfig, Authenticator, Fault, Profile, ScriptedUser, TestCa, TransactionDisplay,
};
use uaf_client::{AuthenticatorOptions, Client, ClientConfig};
use uaf_proto::id::Aaid;
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};

use super::ModelError;

/// The PIN the simulated user types.
const PIN: &str = "1234";

/// The vendor part of every AAID of the suite (`F1D5#....`).
const VENDOR: &str = "F1D5";

/// The AAID of the basic full model faults and request-shape tests use.
pub(crate) const FAULT_FULL: &str = "F1D5#F000";
/// The AAID of the basic surrogate model surrogate faults use.
pub(crate) const FAULT_SURROGATE: &str = "F1D5#F001";
/// The AAID of the basic full model with a text transaction display.
pub(crate) const FAULT_DISPLAY: &str = "F1D5#F002";

/// One simulated authenticator model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Spec {
    pub(crate) aaid: String,
    pub(crate) alg: AlgSign,
    pub(crate) enc: AlgKey,
    pub(crate) attestation: AttestationType,
    pub(crate) display: bool,
}

impl Spec {
    /// "SECP256R1_ECDSA_SHA256_RAW, ECC_X962_RAW keys, basic full attestation".
    pub(crate) fn describe(&self) -> String {
        let att = if self.attestation == AttestationType::BasicSurrogate {
            "basic surrogate"
        } else {
            "basic full"
        };
        let mut s = alloc::format!(
            "{}, {} keys, {att} attestation",
            self.alg.registry_name().unwrap_or("?"),
            self.enc.registry_name().unwrap_or("?"),
        );
        if self.display {
            s.push_str(", text/plain transaction display");
        }
        s
    }

    /// The model, with its fixed attestation credentials.
    pub(crate) fn build(&self) -> Result<Profile, ModelError> {
        let aaid = Aaid::parse(&self.aaid)?;
        let base = || {
            let b = Profile::builder(aaid)
                .authenticator_version(1)
                .description(&alloc::format!(
                    "uaf-conformance server suite: {}",
                    self.describe()
                ))
                .algorithm(self.alg, self.enc);
            if self.display {
                b.transaction_display(TransactionDisplay::Text)
            } else {
                b
            }
        };
        let attestation = if self.attestation == AttestationType::BasicSurrogate {
            AttestationConfig::BasicSurrogate
        } else {
            let key_type = base().build()?.key_type();
            let mut rng = ChaCha20Rng::seed_from_u64(seed_of(&alloc::format!(
                "uaf-conformance server suite attestation {}",
                self.aaid
            )));
            let ca = TestCa::generate(&mut rng)?;
            let creds = ca.issue(&aaid, key_type, &mut rng)?;
            AttestationConfig::BasicFull(creds)
        };
        Ok(base().attestation(attestation).build()?)
    }
}

/// A 64-bit seed from a name (FNV-1a).
pub(crate) fn seed_of(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Every signing algorithm the simulator signs with.
const ALGS: [AlgSign; 4] = [
    AlgSign::Secp256r1EcdsaSha256Raw,
    AlgSign::Secp256r1EcdsaSha256Der,
    AlgSign::Secp256k1EcdsaSha256Raw,
    AlgSign::Secp256k1EcdsaSha256Der,
];

/// Every public key encoding the simulator writes.
const ENCODINGS: [AlgKey; 3] = [AlgKey::EccX962Raw, AlgKey::EccX962Der, AlgKey::Cose];

/// The models of the positive tests: every algorithm × key encoding × attestation type
/// (`F1D5#A` + algorithm index + encoding index + attestation index).
pub(crate) fn algorithm_specs() -> Vec<Spec> {
    let mut out = Vec::new();
    for (ai, alg) in ALGS.iter().enumerate() {
        for (ei, enc) in ENCODINGS.iter().enumerate() {
            for (ti, att) in [AttestationType::BasicFull, AttestationType::BasicSurrogate]
                .iter()
                .enumerate()
            {
                out.push(Spec {
                    aaid: alloc::format!("{VENDOR}#A{ai}{ei}{ti}"),
                    alg: *alg,
                    enc: *enc,
                    attestation: *att,
                    display: false,
                });
            }
        }
    }
    out
}

/// The models of the fault and request-shape tests (P-256 RAW, X9.62 raw keys).
pub(crate) fn fault_specs() -> Vec<Spec> {
    let spec = |aaid: &str, attestation, display| Spec {
        aaid: String::from(aaid),
        alg: AlgSign::Secp256r1EcdsaSha256Raw,
        enc: AlgKey::EccX962Raw,
        attestation,
        display,
    };
    alloc::vec![
        spec(FAULT_FULL, AttestationType::BasicFull, false),
        spec(FAULT_SURROGATE, AttestationType::BasicSurrogate, false),
        spec(FAULT_DISPLAY, AttestationType::BasicFull, true),
    ]
}

/// Every model of the suite.
pub(crate) fn all_specs() -> Vec<Spec> {
    let mut all = algorithm_specs();
    all.extend(fault_specs());
    all
}

/// The model an authenticator fault is applied on (what its requirements ask).
pub(crate) fn for_fault(fault: Fault) -> &'static str {
    let req = fault.requirements();
    if req.transaction == Some(true) {
        FAULT_DISPLAY
    } else if req.attestation == Some(AttestationType::BasicSurrogate) {
        FAULT_SURROGATE
    } else {
        FAULT_FULL
    }
}

/// The simulated authenticator.
pub(crate) type Sim = Authenticator<ChaCha20Rng, ScriptedUser>;

/// A phone: the FIDO client with one simulated authenticator whose user types the PIN and
/// confirms every transaction.
pub(crate) struct Phone {
    pub(crate) client: Client<Sim>,
}

impl Phone {
    /// A phone with an authenticator of `profile`, every random value from `seed`.
    pub(crate) fn new(profile: &Profile, seed: u64) -> Result<Phone, ModelError> {
        let version = profile.authenticator_version();
        let sim = Authenticator::new(
            profile.clone(),
            ChaCha20Rng::seed_from_u64(seed),
            ScriptedUser::approving(PIN),
        )?;
        let mut client = Client::new(
            ClientConfig::default(),
            &mut ChaCha20Rng::seed_from_u64(seed ^ 0x5eed_c11e_0000_0001),
        );
        client.add_authenticator(sim, AuthenticatorOptions::with_version(version));
        Ok(Phone { client })
    }

    /// The authenticator.
    pub(crate) fn sim_mut(&mut self) -> Result<&mut Sim, ModelError> {
        self.client
            .authenticator_mut(0)
            .ok_or(ModelError::NoAuthenticator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aaids_are_unique_and_models_build() {
        let all = all_specs();
        assert_eq!(all.len(), 27);
        let mut aaids: Vec<&str> = all.iter().map(|s| s.aaid.as_str()).collect();
        aaids.sort_unstable();
        aaids.dedup();
        assert_eq!(aaids.len(), all.len());
        for s in &all {
            let p = s.build().unwrap();
            assert_eq!(p.sign_alg(), s.alg);
            assert_eq!(p.key_encoding(), s.enc);
            assert_eq!(p.attestation_type(), s.attestation);
        }
    }

    #[test]
    fn every_fault_has_a_model_that_accepts_it() {
        for fault in Fault::ALL {
            let spec = fault_specs()
                .into_iter()
                .find(|s| s.aaid == for_fault(*fault))
                .unwrap();
            let mut phone = Phone::new(&spec.build().unwrap(), 1).unwrap();
            phone.sim_mut().unwrap().arm(*fault).unwrap();
        }
    }
}
