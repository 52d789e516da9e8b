//! The relying party against the simulated phone: `uaf-client` (FIDO client + ASM) driving
//! `uaf-authenticator` through real command TLVs.
//!
//! - round trips for every algorithm × key encoding × attestation type the simulator signs;
//! - every authenticator `Fault` and every `ClientFault` is rejected at the step and with the
//!   status it declares, in both status-code modes. The tables are driven by `Fault::ALL` and
//!   `ClientFault::ALL`, so a new fault without a correct expectation fails this test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_authenticator::{
    AttestationConfig, Authenticator, Fault, KeyStorage, Operation, Profile, ScriptedUser,
    TransactionDisplay,
};
use uaf_client::{AuthenticatorOptions, Client, ClientConfig, ClientFault, ClientRequest};
use uaf_metadata::{MetadataEntry, MetadataIndex};
use uaf_proto::id::Aaid;
use uaf_proto::message::{ChannelBinding, Transaction};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_proto::status::UafStatusCode;
use uaf_rp::step::StepId;
use uaf_rp::{
    AuthenticationOutcome, Error, Registration, RegistrationOutcome, RelyingParty,
    RelyingPartyBuilder, StatusCodeMode,
};

const APP_ID: &str = "https://uaf.example.com/facets.json";
const FACET: &str = "https://uaf.example.com";
const PIN: &str = "2468";
const NOW: u64 = 1_800_000_000;

type Phone = Authenticator<ChaCha20Rng, ScriptedUser>;

struct World {
    rp: RelyingParty<MetadataIndex>,
    /// What the client reports of the TLS channel (the RP is configured with the same).
    channel: ChannelBinding,
    client: Client<Phone>,
    regs: Vec<Registration>,
    rng: ChaCha20Rng,
    now: u64,
}

impl World {
    fn new(profile: Profile, seed: u64) -> World {
        World::with(profile, seed, |b| b)
    }

    fn with(
        profile: Profile,
        seed: u64,
        configure: impl FnOnce(RelyingPartyBuilder) -> RelyingPartyBuilder,
    ) -> World {
        let phone = Authenticator::new(
            profile,
            ChaCha20Rng::seed_from_u64(seed),
            ScriptedUser::approving(PIN),
        )
        .unwrap();
        let mut metadata = MetadataIndex::new();
        metadata
            .insert(MetadataEntry::from_json(&phone.metadata_statement()).unwrap())
            .unwrap();
        let channel = ChannelBinding {
            server_end_point: Some("c2VydmVyIGNlcnQgaGFzaA".into()),
            ..ChannelBinding::default()
        };
        let config = configure(RelyingPartyBuilder::new(APP_ID).channel_binding(channel.clone()))
            .build()
            .unwrap();
        let mut client = Client::new(
            ClientConfig::default(),
            &mut ChaCha20Rng::seed_from_u64(seed + 1),
        );
        client.add_authenticator(phone, AuthenticatorOptions::with_version(1));
        World {
            rp: RelyingParty::new(config, metadata),
            channel,
            client,
            regs: Vec::new(),
            rng: ChaCha20Rng::seed_from_u64(seed + 2),
            now: NOW,
        }
    }

    fn phone(&mut self) -> &mut Phone {
        self.client.authenticator_mut(0).unwrap()
    }

    fn register_with(&mut self, fault: Option<ClientFault>) -> Result<RegistrationOutcome, Error> {
        let (request, pending) = self
            .rp
            .start_registration("alice", &self.regs, self.now, &mut self.rng)
            .unwrap();
        let text = request.to_json();
        let mut req = ClientRequest::new(&text, FACET).channel_binding(self.channel.clone());
        if let Some(f) = fault {
            req = req.fault(f);
        }
        let response = self
            .client
            .process(&req)
            .unwrap()
            .response()
            .cloned()
            .unwrap();
        let out = self
            .rp
            .finish_registration(&response.message, pending, &self.regs, self.now)?;
        self.regs.extend(out.registrations().cloned());
        Ok(out)
    }

    fn authenticate_with(
        &mut self,
        transaction: Vec<Transaction>,
        fault: Option<ClientFault>,
    ) -> Result<AuthenticationOutcome, Error> {
        let (request, pending) = self
            .rp
            .start_authentication(
                Some(("alice", &self.regs)),
                transaction,
                self.now,
                &mut self.rng,
            )
            .unwrap();
        let text = request.to_json();
        let mut req = ClientRequest::new(&text, FACET).channel_binding(self.channel.clone());
        if let Some(f) = fault {
            req = req.fault(f);
        }
        let response = self
            .client
            .process(&req)
            .unwrap()
            .response()
            .cloned()
            .unwrap();
        let out =
            self.rp
                .finish_authentication(&response.message, pending, &self.regs, self.now)?;
        for k in &out.keys {
            if let Some(u) = k.counter_update {
                let r = self
                    .regs
                    .iter_mut()
                    .find(|r| r.key_id == k.registration.key_id)
                    .unwrap();
                assert_eq!(r.sign_counter, u.expected);
                r.sign_counter = u.new;
            }
        }
        Ok(out)
    }
}

fn aaid() -> Aaid {
    Aaid::parse("FFFF#FC01").unwrap()
}

#[test]
fn round_trips_for_every_algorithm_key_encoding_and_attestation() {
    let combos = [
        (AlgSign::Secp256r1EcdsaSha256Raw, AlgKey::EccX962Raw),
        (AlgSign::Secp256r1EcdsaSha256Raw, AlgKey::EccX962Der),
        (AlgSign::Secp256r1EcdsaSha256Raw, AlgKey::Cose),
        (AlgSign::Secp256r1EcdsaSha256Der, AlgKey::EccX962Raw),
        (AlgSign::Secp256r1EcdsaSha256Der, AlgKey::EccX962Der),
        (AlgSign::Secp256r1EcdsaSha256Der, AlgKey::Cose),
        (AlgSign::Secp256k1EcdsaSha256Raw, AlgKey::EccX962Raw),
        (AlgSign::Secp256k1EcdsaSha256Raw, AlgKey::EccX962Der),
        (AlgSign::Secp256k1EcdsaSha256Der, AlgKey::Cose),
    ];
    let mut seed = 100;
    for (alg, enc) in combos {
        if !uaf_rp::is_supported_algorithm(alg) {
            continue;
        }
        for attestation in [
            AttestationConfig::GenerateBasicFull,
            AttestationConfig::BasicSurrogate,
        ] {
            for storage in [KeyStorage::Wrapped, KeyStorage::Internal] {
                seed += 3;
                let profile = Profile::builder(aaid())
                    .algorithm(alg, enc)
                    .attestation(attestation.clone())
                    .key_storage(storage)
                    .build()
                    .unwrap();
                let mut w = World::new(profile, seed);
                let reg = w
                    .register_with(None)
                    .unwrap_or_else(|e| panic!("{alg} {enc} register: {e}"));
                assert_eq!(reg.registered[0].registration.sign_alg, alg);
                assert_eq!(reg.registered[0].registration.public_key_encoding, enc);
                let expected_type = match attestation {
                    AttestationConfig::BasicSurrogate => AttestationType::BasicSurrogate,
                    _ => AttestationType::BasicFull,
                };
                assert_eq!(
                    reg.registered[0].registration.attestation_type,
                    expected_type
                );
                for round in 1..=2u32 {
                    let out = w
                        .authenticate_with(Vec::new(), None)
                        .unwrap_or_else(|e| panic!("{alg} {enc} auth {round}: {e}"));
                    assert_eq!(out.username(), Some("alice"));
                    assert!(out.keys[0].counter_update.is_some());
                }
            }
        }
    }
}

#[test]
fn transaction_confirmation_round_trip() {
    let profile = Profile::builder(aaid())
        .transaction_display(TransactionDisplay::Text)
        .build()
        .unwrap();
    let mut w = World::new(profile, 7);
    w.register_with(None).unwrap();
    let t =
        Transaction::text("Sign in to uaf.example.com from Firefox on Linux? Number 37").unwrap();
    let out = w.authenticate_with(vec![t], None).unwrap();
    assert_eq!(out.keys[0].transaction_confirmed, Some(0));
}

/// A profile on which `fault` can be applied.
fn profile_for(fault: Fault) -> Profile {
    let req = fault.requirements();
    let attestation = match req.attestation {
        Some(AttestationType::BasicSurrogate) => AttestationConfig::BasicSurrogate,
        _ => AttestationConfig::GenerateBasicFull,
    };
    let display = if req.transaction == Some(true) {
        TransactionDisplay::Text
    } else {
        TransactionDisplay::None
    };
    Profile::builder(aaid())
        .attestation(attestation)
        .transaction_display(display)
        .build()
        .unwrap()
}

fn check_rejection(label: &str, err: &Error, step: &str, status: UafStatusCode) {
    assert_eq!(err.decisive_step().id(), step, "{label}: {err}");
    assert_eq!(
        err.status(StatusCodeMode::Specific),
        status,
        "{label}: {err}"
    );
    assert_eq!(
        err.status(StatusCodeMode::Conformance),
        UafStatusCode::UnacceptableContent,
        "{label}: {err}"
    );
}

#[test]
fn every_authenticator_fault_is_rejected_where_it_says() {
    assert!(!Fault::ALL.is_empty());
    for (i, fault) in Fault::ALL.iter().copied().enumerate() {
        let seed = 1000 + 10 * u64::try_from(i).unwrap();
        let mut w = World::new(profile_for(fault), seed);
        let req = fault.requirements();
        let err = match fault.operation() {
            Operation::Reg => {
                w.phone().arm(fault).unwrap();
                w.register_with(None)
                    .expect_err(&format!("{fault} must be rejected"))
            }
            _ => {
                w.register_with(None).unwrap();
                if req.prior_authentication {
                    w.authenticate_with(Vec::new(), None).unwrap();
                }
                w.phone().arm(fault).unwrap();
                let tx = if req.transaction == Some(true) {
                    vec![Transaction::text("Pay 10.00 EUR to Bob?").unwrap()]
                } else {
                    Vec::new()
                };
                w.authenticate_with(tx, None)
                    .expect_err(&format!("{fault} must be rejected"))
            }
        };
        let step = StepId::from_digest_label(fault.expected_step());
        assert!(step.is_some(), "{fault}");
        check_rejection(
            &fault.to_string(),
            &err,
            step.map_or("", StepId::id),
            fault.expected_status(),
        );
    }
}

#[test]
fn every_client_fault_is_rejected_where_it_says() {
    for (i, fault) in ClientFault::ALL.iter().copied().enumerate() {
        for op in [
            uaf_proto::message::Operation::Reg,
            uaf_proto::message::Operation::Auth,
        ] {
            let seed = 5000
                + 20 * u64::try_from(i).unwrap()
                + u64::from(op == uaf_proto::message::Operation::Auth);
            let mut w = World::new(Profile::builder(aaid()).build().unwrap(), seed);
            let err = if op == uaf_proto::message::Operation::Reg {
                if fault == ClientFault::ReplayPreviousResponse {
                    // Something to replay: a first registration of another account.
                    w.register_with(None).unwrap();
                }
                w.register_with(Some(fault))
                    .expect_err(&format!("{fault:?} must be rejected"))
            } else {
                w.register_with(None).unwrap();
                if fault == ClientFault::ReplayPreviousResponse {
                    w.authenticate_with(Vec::new(), None).unwrap();
                }
                w.authenticate_with(Vec::new(), Some(fault))
                    .expect_err(&format!("{fault:?} must be rejected"))
            };
            check_rejection(
                &format!("{fault:?} {op:?}"),
                &err,
                fault.step_id(op).unwrap(),
                fault.expected_status(),
            );
        }
    }
}

#[test]
fn lenient_base64_accepts_android_style_client_output() {
    let profile = Profile::builder(aaid()).build().unwrap();
    let mut w = World::with(profile, 77, |b| b.danger_lenient_base64(true));
    w.register_with(Some(ClientFault::AndroidBase64FcParams))
        .unwrap();
    w.authenticate_with(Vec::new(), Some(ClientFault::AndroidBase64Assertion))
        .unwrap();
}
