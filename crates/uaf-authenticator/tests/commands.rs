//! Command handling: user verification outcomes, transactions, access control, malformed
//! commands, deregistration, profiles that cannot be built, and determinism.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // helpers outside #[test]

mod common;

use common::*;
use uaf_authenticator::{
    AttestationConfig, AttestationCredentials, Authenticator, DisplayPngCharacteristicsDescriptor,
    Error, KeyStorage, Profile, ScriptedUser, TransactionDecision, TransactionDisplay, UserAction,
    Verification,
};
use uaf_crypto::{KeyType, SigningKey};
use uaf_proto::command::{
    DeregisterCommand, DeregisterResponse, OpenSettingsCommand, OpenSettingsResponse,
    RegisterResponse,
};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType, TcDisplay, UserVerify};
use uaf_proto::status::CmdStatus;
use uaf_proto::tlv::{TlvList, TlvWriter};

fn register_status(phone: &mut Phone, attestation: AttestationType) -> CmdStatus {
    let response = phone.process(&register_cmd("alice", attestation, &default_fch()));
    RegisterResponse::parse(&response).unwrap().status
}

fn fc01() -> Profile {
    Profile::builder(aaid("FFFF#FC01")).build().unwrap()
}

fn text_profile() -> Profile {
    Profile::builder(aaid("FFFF#FC03"))
        .transaction_display(TransactionDisplay::Text)
        .build()
        .unwrap()
}

#[test]
fn user_verification_outcomes_map_to_command_statuses() {
    let cases = [
        (UserAction::EnterPin("0000".into()), CmdStatus::AccessDenied),
        (
            UserAction::PresentFingerprint { matches: true },
            CmdStatus::AccessDenied,
        ), // no finger enrolled
        (UserAction::Cancel, CmdStatus::UserCancelled),
        (UserAction::Ignore, CmdStatus::UserNotResponsive),
        (UserAction::LockedOut, CmdStatus::UserLockout),
        (UserAction::EnterPin(PIN.into()), CmdStatus::Ok),
    ];
    for (action, expected) in cases {
        // Register.
        let user = ScriptedUser::with_pin(PIN).then(action.clone());
        let mut phone = phone_with(fc01(), 1, user);
        assert_eq!(
            register_status(&mut phone, AttestationType::BasicFull),
            expected,
            "{action:?}"
        );
        // Sign.
        let user = ScriptedUser::with_pin(PIN)
            .then(UserAction::EnterPin(PIN.into()))
            .then(action.clone());
        let mut phone = phone_with(fc01(), 2, user);
        let reg = register(&mut phone, "alice");
        let cmd = sign_cmd(&reg.handles(phone.profile()), None, &default_fch());
        assert_eq!(sign_status(&mut phone, &cmd), expected, "{action:?}");
    }
}

/// Enrols alice with the right PIN, then scripts `actions` for the Sign commands.
fn enrolled(profile: Profile, actions: &[UserAction]) -> (Phone, Vec<u8>) {
    let mut user = ScriptedUser::with_pin(PIN).then(UserAction::EnterPin(PIN.into()));
    for a in actions {
        user = user.then(a.clone());
    }
    let mut phone = phone_with(profile, 7, user);
    let reg = register(&mut phone, "alice");
    let cmd = sign_cmd(&reg.handles(phone.profile()), None, &default_fch());
    (phone, cmd)
}

fn wrong() -> UserAction {
    UserAction::EnterPin("0000".into())
}

#[test]
fn five_wrong_pins_lock_the_authenticator_by_default() {
    assert_eq!(uaf_authenticator::DEFAULT_VERIFICATION_ATTEMPTS, 5);
    assert_eq!(fc01().verification_attempts(), 5);
    let mut actions = vec![wrong(); 5];
    actions.push(UserAction::EnterPin(PIN.into()));
    let (mut phone, cmd) = enrolled(fc01(), &actions);
    for n in 1..=4u8 {
        assert_eq!(
            sign_status(&mut phone, &cmd),
            CmdStatus::AccessDenied,
            "{n}"
        );
        assert_eq!(phone.failed_verifications(), n);
        assert!(!phone.is_locked_out());
    }
    // The fifth wrong PIN says the authenticator is now locked.
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::UserLockout);
    assert!(phone.is_locked_out());
    assert_eq!(phone.failed_verifications(), 5);
    // Even the right PIN is refused now, and the user is not even asked.
    let asked = phone.user().verifications().len();
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::UserLockout);
    assert_eq!(phone.user().verifications().len(), asked);
    // Register too.
    assert_eq!(
        register_status(&mut phone, AttestationType::BasicFull),
        CmdStatus::UserLockout
    );
}

#[test]
fn the_number_of_attempts_is_configurable() {
    let profile = Profile::builder(aaid("FFFF#FC01"))
        .verification_attempts(2)
        .build()
        .unwrap();
    assert_eq!(profile.verification_attempts(), 2);
    let (mut phone, cmd) = enrolled(
        profile,
        &[wrong(), wrong(), UserAction::EnterPin(PIN.into())],
    );
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::AccessDenied);
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::UserLockout);
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::UserLockout);

    // Zero attempts would be locked from the start: refused.
    assert!(matches!(
        Profile::builder(aaid("FFFF#FC01"))
            .verification_attempts(0)
            .build(),
        Err(Error::InvalidProfile(_))
    ));
}

#[test]
fn a_right_pin_before_the_limit_starts_the_count_again() {
    let mut actions = vec![wrong(); 4];
    actions.push(UserAction::EnterPin(PIN.into()));
    actions.extend(vec![wrong(); 4]);
    actions.push(UserAction::EnterPin(PIN.into()));
    let (mut phone, cmd) = enrolled(fc01(), &actions);
    for _ in 0..4 {
        assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::AccessDenied);
    }
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::Ok);
    assert_eq!(phone.failed_verifications(), 0);
    for _ in 0..4 {
        assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::AccessDenied);
    }
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::Ok);
}

#[test]
fn cancelling_or_not_answering_is_not_a_failed_attempt() {
    let (mut phone, cmd) = enrolled(
        Profile::builder(aaid("FFFF#FC01"))
            .verification_attempts(1)
            .build()
            .unwrap(),
        &[
            UserAction::Cancel,
            UserAction::Ignore,
            UserAction::EnterPin(PIN.into()),
        ],
    );
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::UserCancelled);
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::UserNotResponsive);
    assert_eq!(phone.failed_verifications(), 0);
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::Ok);
}

#[test]
fn the_count_can_be_restored_after_a_restart() {
    let (mut phone, cmd) = enrolled(fc01(), &[wrong(), UserAction::EnterPin(PIN.into())]);
    // A host that kept 4 failures across a restart: one more locks.
    phone.restore_failed_verifications(4);
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::UserLockout);
    // Restored as locked: refused without asking.
    let (mut phone, cmd) = enrolled(fc01(), &[UserAction::EnterPin(PIN.into())]);
    phone.restore_failed_verifications(5);
    assert!(phone.is_locked_out());
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::UserLockout);
    // Reset by the owner.
    phone.restore_failed_verifications(0);
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::Ok);
}

#[test]
fn biometric_match_and_no_match() {
    let profile = Profile::builder(aaid("FFFF#FC01"))
        .user_verification(UserVerify::FINGERPRINT)
        .build()
        .unwrap();
    let user = ScriptedUser::new()
        .enroll_fingerprint()
        .then(UserAction::PresentFingerprint { matches: true })
        .then(UserAction::PresentFingerprint { matches: false })
        .then(UserAction::PresentFingerprint { matches: true });
    let mut phone = phone_with(profile, 3, user);
    let reg = register(&mut phone, "alice");
    let cmd = sign_cmd(&reg.handles(phone.profile()), None, &default_fch());
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::AccessDenied);
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::Ok);
    let outcomes: Vec<Verification> = phone
        .user()
        .verifications()
        .iter()
        .map(|v| v.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            Verification::Verified(UserVerify::FINGERPRINT),
            Verification::NotVerified,
            Verification::Verified(UserVerify::FINGERPRINT)
        ]
    );
    assert_eq!(
        phone.user().verifications()[0].username.as_deref(),
        Some("alice")
    );
    assert_eq!(
        phone.user().verifications()[1].app_id.as_deref(),
        Some(APP_ID)
    );
}

#[test]
fn a_method_the_profile_does_not_offer_is_refused() {
    // A PIN typed on a fingerprint-only authenticator does not verify the user.
    let profile = Profile::builder(aaid("FFFF#FC01"))
        .user_verification(UserVerify::FINGERPRINT)
        .build()
        .unwrap();
    let user = ScriptedUser::approving(PIN).enroll_fingerprint();
    let mut phone = phone_with(profile, 4, user);
    assert_eq!(
        register_status(&mut phone, AttestationType::BasicFull),
        CmdStatus::AccessDenied
    );
}

#[test]
fn nobody_enrolled_and_silent_authenticators() {
    let mut phone = phone_with(fc01(), 5, ScriptedUser::new());
    assert_eq!(
        register_status(&mut phone, AttestationType::BasicFull),
        CmdStatus::UserNotEnrolled
    );
    assert!(phone.user().verifications().is_empty());

    // A silent authenticator asks nobody.
    let silent = Profile::builder(aaid("FFFF#FC01"))
        .user_verification(UserVerify::NONE)
        .build()
        .unwrap();
    let mut phone = phone_with(silent, 6, ScriptedUser::new());
    let reg = register(&mut phone, "alice");
    authenticate(&mut phone, &reg, None);
    assert!(phone.user().verifications().is_empty());

    // Presence needs no enrolment.
    let presence = Profile::builder(aaid("FFFF#FC01"))
        .user_verification(UserVerify::PRESENCE)
        .build()
        .unwrap();
    let user = ScriptedUser::new().otherwise(UserAction::ConfirmPresence);
    let mut phone = phone_with(presence, 7, user);
    register(&mut phone, "alice");
}

#[test]
fn transaction_decisions() {
    let user = ScriptedUser::approving(PIN)
        .then_decide(TransactionDecision::Refused)
        .then_decide(TransactionDecision::CannotRender)
        .then_decide(TransactionDecision::Confirmed);
    let mut phone = phone_with(text_profile(), 8, user);
    let reg = register(&mut phone, "alice");
    let cmd = sign_cmd(
        &reg.handles(phone.profile()),
        Some(b"Pay 10 EUR"),
        &default_fch(),
    );
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::UserCancelled);
    assert_eq!(
        sign_status(&mut phone, &cmd),
        CmdStatus::CannotRenderTransactionContent
    );
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::Ok);
    let shown = phone.user().shown_transactions();
    assert_eq!(shown.len(), 3);
    assert!(
        shown
            .iter()
            .all(|t| t.content == b"Pay 10 EUR" && t.content_type == "text/plain")
    );

    // Without a display, transaction content is refused and nothing is shown.
    let mut phone = common::phone(fc01(), 9);
    let reg = register(&mut phone, "alice");
    let cmd = sign_cmd(
        &reg.handles(phone.profile()),
        Some(b"Pay 10 EUR"),
        &default_fch(),
    );
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::AccessDenied);
    assert!(phone.user().shown_transactions().is_empty());
}

#[test]
fn keys_are_bound_to_the_access_token_and_app_id() {
    for storage in [KeyStorage::Wrapped, KeyStorage::Internal] {
        let profile = Profile::builder(aaid("FFFF#FC01"))
            .key_storage(storage)
            .build()
            .unwrap();
        let mut phone = phone(profile, 10);
        let reg = register(&mut phone, "alice");
        let handles = reg.handles(phone.profile());
        let fch = default_fch();
        let other_token = sign_cmd_with(&handles, None, &fch, b"another ASM", Some(APP_ID));
        assert_eq!(
            sign_status(&mut phone, &other_token),
            CmdStatus::AccessDenied,
            "{storage:?}"
        );
        let other_app = sign_cmd_with(&handles, None, &fch, TOKEN, Some("https://evil.example"));
        assert_eq!(
            sign_status(&mut phone, &other_app),
            CmdStatus::AccessDenied,
            "{storage:?}"
        );
        let no_app = sign_cmd_with(&handles, None, &fch, TOKEN, None);
        assert_eq!(
            sign_status(&mut phone, &no_app),
            CmdStatus::AccessDenied,
            "{storage:?}"
        );
        let right = sign_cmd_with(&handles, None, &fch, TOKEN, Some(APP_ID));
        assert_eq!(
            sign_status(&mut phone, &right),
            CmdStatus::Ok,
            "{storage:?}"
        );
    }
}

#[test]
fn foreign_and_tampered_key_handles_are_refused() {
    let mut phone_a = phone(fc01(), 11);
    let mut phone_b = phone(fc01(), 12);
    let reg = register(&mut phone_a, "alice");
    let kh = reg.key_handle.clone().unwrap();
    // Another authenticator of the same model has another wrapping secret.
    let cmd = sign_cmd(core::slice::from_ref(&kh), None, &default_fch());
    assert_eq!(sign_status(&mut phone_b, &cmd), CmdStatus::AccessDenied);
    // A tampered key handle does not unwrap.
    let mut bad = kh.clone();
    bad[20] ^= 0x01;
    let cmd = sign_cmd(&[bad], None, &default_fch());
    assert_eq!(sign_status(&mut phone_a, &cmd), CmdStatus::AccessDenied);
    // No key handle at all: a wrapped-handle authenticator has nothing to sign with.
    let cmd = sign_cmd(&[], None, &default_fch());
    assert_eq!(sign_status(&mut phone_a, &cmd), CmdStatus::AccessDenied);
    // Too many key handles.
    let many = vec![kh; usize::from(uaf_authenticator::MAX_KEY_HANDLES) + 1];
    let cmd = sign_cmd(&many, None, &default_fch());
    assert_eq!(sign_status(&mut phone_a, &cmd), CmdStatus::ParamsInvalid);
}

#[test]
fn second_factor_signs_with_the_first_matching_key() {
    let profile = Profile::builder(aaid("FFFF#FC2F"))
        .second_factor(true)
        .key_storage(KeyStorage::Internal)
        .build()
        .unwrap();
    let mut phone = phone(profile.clone(), 13);
    let a = register(&mut phone, "alice");
    let b = register(&mut phone, "bob");
    // Without KeyIDs a second-factor authenticator signs nothing.
    let cmd = sign_cmd(&[], None, &default_fch());
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::AccessDenied);
    // With several, the first one that is stored is used (no account list).
    let cmd = sign_cmd(&[b.key_id.clone(), a.key_id.clone()], None, &default_fch());
    let (status, assertion) = sign_raw(&mut phone, &cmd);
    assert_eq!(status, CmdStatus::Ok);
    check_authentication(&profile, &a, &assertion.unwrap(), &default_fch(), None);
}

#[test]
fn attestation_type_and_index_are_checked() {
    let mut phone = phone(fc01(), 14);
    assert_eq!(
        register_status(&mut phone, AttestationType::BasicSurrogate),
        CmdStatus::AttestationNotSupported
    );
    assert_eq!(
        register_status(&mut phone, AttestationType::Ecdaa),
        CmdStatus::AttestationNotSupported
    );
    let mut cmd = register_cmd("alice", AttestationType::BasicFull, &default_fch());
    // TAG_AUTHENTICATOR_INDEX is the first member: 0D 28 01 00 ii.
    assert_eq!(cmd[4..8], [0x0D, 0x28, 0x01, 0x00]);
    cmd[8] = 1;
    let response = phone.process(&cmd);
    let r = RegisterResponse::parse(&response).unwrap();
    assert_eq!(r.status, CmdStatus::ParamsInvalid);
}

#[test]
fn malformed_input_gets_a_status_response() {
    let mut phone = phone(fc01(), 15);
    let status_of = |response: &[u8]| -> (u16, u16) {
        assert_eq!(response.len(), 10, "{response:02x?}");
        (
            u16::from_le_bytes([response[0], response[1]]),
            u16::from_le_bytes([response[8], response[9]]),
        )
    };
    // Not a command at all.
    assert_eq!(status_of(&phone.process(&[])), (0x3600, 0x06));
    assert_eq!(status_of(&phone.process(&[0x01])), (0x3600, 0x06));
    assert_eq!(
        status_of(&phone.process(&[0x01, 0x3E, 0, 0])),
        (0x3600, 0x06)
    );
    // An unassigned command tag.
    assert_eq!(
        status_of(&phone.process(&[0x05, 0x34, 0, 0])),
        (0x3605, 0x06)
    );
    // A Register command that does not parse (truncated).
    let cmd = register_cmd("alice", AttestationType::BasicFull, &default_fch());
    assert_eq!(
        status_of(&phone.process(&cmd[..cmd.len() - 1])),
        (0x3602, 0x08)
    );
    // A Sign command without its access token.
    let mut w = TlvWriter::new();
    w.put_composite(0x3403, |w| {
        w.put_u8(0x280D, 0);
        w.put(0x2E0A, &[1; 32])
    })
    .unwrap();
    assert_eq!(status_of(&phone.process(w.as_bytes())), (0x3603, 0x08));
    // OpenSettings: no settings UI.
    let open = OpenSettingsCommand {
        authenticator_index: 0,
        extensions: TlvList::empty(),
    }
    .encode()
    .unwrap();
    let response = phone.process(&open);
    let r = OpenSettingsResponse::parse(&response).unwrap();
    assert_eq!(r.status, CmdStatus::CmdNotSupported);
}

#[test]
fn deregister_internal_keys() {
    let profile = Profile::builder(aaid("FFFF#FC01"))
        .key_storage(KeyStorage::Internal)
        .build()
        .unwrap();
    let mut phone = phone(profile, 16);
    let a = register(&mut phone, "alice");
    let b = register(&mut phone, "bob");
    assert_eq!(
        dereg_status(&mut phone, &a.key_id, b"another ASM"),
        CmdStatus::AccessDenied
    );
    assert_eq!(
        dereg_status(&mut phone, &[7; 32], TOKEN),
        CmdStatus::AccessDenied
    );
    assert_eq!(phone.stored_key_count(), 2);
    assert_eq!(dereg_status(&mut phone, &a.key_id, TOKEN), CmdStatus::Ok);
    assert_eq!(phone.stored_key_count(), 1);
    let cmd = sign_cmd(core::slice::from_ref(&a.key_id), None, &default_fch());
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::AccessDenied);
    authenticate(&mut phone, &b, None);

    // UAF 1.2: an empty KeyID deletes every key of the AppID with a matching token.
    register(&mut phone, "carol");
    let all = DeregisterCommand {
        authenticator_index: 0,
        app_id: Some(APP_ID),
        key_id: &[],
        kh_access_token: TOKEN,
        extensions: TlvList::empty(),
    }
    .encode()
    .unwrap();
    let response = phone.process(&all);
    let r = DeregisterResponse::parse(&response).unwrap();
    assert_eq!(r.status, CmdStatus::Ok);
    assert_eq!(phone.stored_key_count(), 0);
}

#[test]
fn deregister_all_reports_keys_of_another_token() {
    let profile = Profile::builder(aaid("FFFF#FC01"))
        .key_storage(KeyStorage::Internal)
        .build()
        .unwrap();
    let mut phone = phone(profile, 17);
    register(&mut phone, "alice");
    // Bob's key belongs to another ASM of the same AppID.
    let other = uaf_proto::command::RegisterCommand {
        authenticator_index: 0,
        app_id: Some(APP_ID),
        final_challenge_hash: &default_fch(),
        username: "bob",
        attestation_type: AttestationType::BasicFull,
        kh_access_token: b"another ASM",
        user_verify_token: None,
        extensions: TlvList::empty(),
    }
    .encode()
    .unwrap();
    assert_eq!(
        RegisterResponse::parse(&phone.process(&other))
            .unwrap()
            .status,
        CmdStatus::Ok
    );
    let all = DeregisterCommand {
        authenticator_index: 0,
        app_id: Some(APP_ID),
        key_id: &[],
        kh_access_token: TOKEN,
        extensions: TlvList::empty(),
    }
    .encode()
    .unwrap();
    let response = phone.process(&all);
    let r = DeregisterResponse::parse(&response).unwrap();
    assert_eq!(r.status, CmdStatus::AccessDenied);
    assert_eq!(
        phone.stored_key_count(),
        1,
        "alice's key is gone, bob's stays"
    );
}

#[test]
fn profiles_that_cannot_be_built() {
    let b = || Profile::builder(aaid("FFFF#FC01"));
    assert_eq!(
        b().algorithm(AlgSign::RsassaPssSha256Raw, AlgKey::Rsa2048Raw)
            .build()
            .unwrap_err(),
        Error::UnsupportedAlgorithm(AlgSign::RsassaPssSha256Raw)
    );
    assert_eq!(
        b().algorithm(AlgSign::Secp384r1EcdsaSha384Raw, AlgKey::EccX962Raw)
            .build()
            .unwrap_err(),
        Error::UnsupportedAlgorithm(AlgSign::Secp384r1EcdsaSha384Raw)
    );
    assert_eq!(
        b().algorithm(AlgSign::Secp256r1EcdsaSha256Raw, AlgKey::Rsa2048Der)
            .build()
            .unwrap_err(),
        Error::UnsupportedKeyEncoding(AlgKey::Rsa2048Der)
    );
    assert!(matches!(
        b().user_verification(UserVerify::EMPTY).build(),
        Err(Error::InvalidProfile(_))
    ));
    assert!(matches!(
        b().user_verification(UserVerify::NONE | UserVerify::PASSCODE)
            .build(),
        Err(Error::InvalidProfile(_))
    ));
    assert!(matches!(
        b().user_verification(UserVerify::NONE)
            .transaction_display(TransactionDisplay::Text)
            .build(),
        Err(Error::InvalidProfile(_))
    ));
    assert!(matches!(
        b().transaction_display(TransactionDisplay::Png(vec![]))
            .build(),
        Err(Error::InvalidProfile(_))
    ));
    assert!(matches!(
        b().transaction_display(TransactionDisplay::Text)
            .tc_display(TcDisplay::EMPTY)
            .build(),
        Err(Error::InvalidProfile(_))
    ));
    // Attestation credentials of another curve.
    let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(18);
    let k1 =
        AttestationCredentials::generate(&aaid("FFFF#FC01"), KeyType::Secp256k1, &mut rng).unwrap();
    assert_eq!(
        b().attestation(AttestationConfig::BasicFull(k1))
            .build()
            .unwrap_err(),
        Error::AttestationKeyMismatch {
            alg: AlgSign::Secp256r1EcdsaSha256Raw,
            key: KeyType::Secp256k1
        }
    );
    // Credentials need a certificate.
    let key = SigningKey::generate(KeyType::P256, &mut rng).unwrap();
    assert!(matches!(
        AttestationCredentials::new(&key, vec![], vec![]),
        Err(Error::InvalidCredentials(_))
    ));
    assert!(matches!(
        AttestationCredentials::new(&key, vec![vec![]], vec![]),
        Err(Error::InvalidCredentials(_))
    ));
    // Every error says what to fix.
    let e = b()
        .algorithm(AlgSign::RsassaPssSha256Raw, AlgKey::Rsa2048Raw)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("choose"), "{e}");
    // Valid edge cases build.
    b().transaction_display(TransactionDisplay::Png(vec![
        DisplayPngCharacteristicsDescriptor::rgba(1, 1),
    ]))
    .build()
    .unwrap();
}

#[test]
fn the_same_seed_gives_byte_identical_responses() {
    let run = |seed: u64| -> Vec<Vec<u8>> {
        let profile = Profile::builder(aaid("FFFF#FC03"))
            .algorithm(AlgSign::Secp256r1EcdsaSha256Der, AlgKey::EccX962Der)
            .transaction_display(TransactionDisplay::Text)
            .counters(uaf_authenticator::Counters::Global)
            .build()
            .unwrap();
        let mut phone: Phone = Authenticator::new(
            profile,
            <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(seed),
            ScriptedUser::approving(PIN),
        )
        .unwrap();
        let mut out = vec![phone.metadata_statement().into_bytes()];
        out.push(phone.process(&[0x01, 0x34, 0x00, 0x00]));
        let cmd = register_cmd("alice", AttestationType::BasicFull, &default_fch());
        let response = phone.process(&cmd);
        let kh = RegisterResponse::parse(&response)
            .unwrap()
            .key_handle
            .unwrap()
            .to_vec();
        out.push(response);
        out.push(phone.process(&sign_cmd(core::slice::from_ref(&kh), None, &default_fch())));
        out.push(phone.process(&sign_cmd(
            core::slice::from_ref(&kh),
            Some(b"Pay 5 EUR"),
            &default_fch(),
        )));
        phone
            .arm(uaf_authenticator::Fault::AuthSignatureWrongKey)
            .unwrap();
        out.push(phone.process(&sign_cmd(&[kh], None, &default_fch())));
        out
    };
    let a = run(21);
    assert_eq!(a, run(21));
    let b = run(22);
    for (x, y) in a.iter().zip(&b).skip(2) {
        assert_ne!(x, y, "another seed gives other keys and signatures");
    }
}

#[test]
fn process_never_panics_on_mutated_commands() {
    let mut phone = phone(text_profile(), 23);
    let reg = register(&mut phone, "alice");
    let commands = [
        register_cmd("bob", AttestationType::BasicFull, &default_fch()),
        sign_cmd(&reg.handles(phone.profile()), Some(b"Pay"), &default_fch()),
        dereg_cmd(&reg.key_id, TOKEN),
        vec![0x01, 0x34, 0x00, 0x00],
    ];
    let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(24);
    for cmd in &commands {
        for i in 0..cmd.len() {
            for delta in [0x01_u8, 0x80, 0xFF] {
                let mut m = cmd.clone();
                m[i] ^= delta;
                let response = phone.process(&m);
                // Every response is one TLV whose first member is the status code.
                assert!(response.len() >= 10);
                assert_eq!(response[4..8], [0x08, 0x28, 0x02, 0x00]);
            }
            let truncated = phone.process(&cmd[..i]);
            assert!(truncated.len() >= 10);
        }
        for _ in 0..50 {
            let len = usize::try_from(rand_core::Rng::next_u32(&mut rng) % 64).unwrap();
            let mut noise = vec![0; len];
            rand_core::Rng::fill_bytes(&mut rng, &mut noise);
            assert!(phone.process(&noise).len() >= 10);
        }
    }
}
