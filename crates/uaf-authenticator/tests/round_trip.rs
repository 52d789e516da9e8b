//! GetInfo, Register, Sign and Deregister round trips for every algorithm × key encoding ×
//! attestation type, checked as a relying party checks them (uaf-proto parsing, uaf-crypto
//! signatures and chains), and the metadata statement parsed by uaf-metadata.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // helpers outside #[test]

mod common;

use common::*;
use uaf_authenticator::{
    AttestationConfig, AttestationCredentials, Counters, DisplayPngCharacteristicsDescriptor,
    KeyStorage, Profile, TestCa, TransactionDisplay,
};
use uaf_crypto::{KeyType, SigningKey};
use uaf_metadata::MetadataStatement;
use uaf_proto::command::{API_VERSION, GetInfoResponse, RgbPaletteEntry};
use uaf_proto::registry::{
    AlgKey, AlgSign, AttestationType, AuthenticatorType, TcDisplay, UserVerify,
};
use uaf_proto::status::CmdStatus;
use uaf_proto::tlv::TAG_UAFV1_GETINFO_CMD;

fn attestations() -> [AttestationConfig; 2] {
    [
        AttestationConfig::GenerateBasicFull,
        AttestationConfig::BasicSurrogate,
    ]
}

#[test]
fn every_algorithm_encoding_and_attestation_registers_signs_and_deregisters() {
    let mut seed = 100;
    for (alg, enc) in algorithms() {
        for attestation in attestations() {
            for storage in [KeyStorage::Wrapped, KeyStorage::Internal] {
                seed += 1;
                let what = format!("{alg} / {enc} / {attestation:?} / {storage:?}");
                let profile = Profile::builder(aaid("FFFF#FC01"))
                    .algorithm(alg, enc)
                    .attestation(attestation.clone())
                    .key_storage(storage)
                    .build()
                    .unwrap();
                let mut phone = phone(profile.clone(), seed);
                let roots = phone.attestation_roots().to_vec();

                let reg = register(&mut phone, "alice");
                check_registration(&profile, &roots, &reg.assertion, &default_fch());
                assert_eq!(reg.sign_counter, 0, "{what}");
                assert_eq!(reg.key_id.len(), 32, "{what}");
                assert_eq!(
                    reg.key_handle.is_some(),
                    storage == KeyStorage::Wrapped,
                    "{what}"
                );

                for expected in 1..=2 {
                    let fch = fch(&format!("fcParams {expected}"));
                    let cmd = sign_cmd(&reg.handles(&profile), None, &fch);
                    let (status, assertion) = sign_raw(&mut phone, &cmd);
                    assert_eq!(status, CmdStatus::Ok, "{what}");
                    let counter =
                        check_authentication(&profile, &reg, &assertion.unwrap(), &fch, None);
                    assert_eq!(counter, expected, "{what}");
                }

                let status = dereg_status(&mut phone, &reg.key_id, TOKEN);
                match storage {
                    KeyStorage::Wrapped => assert_eq!(status, CmdStatus::CmdNotSupported),
                    KeyStorage::Internal => {
                        assert_eq!(status, CmdStatus::Ok, "{what}");
                        let cmd = sign_cmd(&reg.handles(&profile), None, &default_fch());
                        assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::AccessDenied);
                    }
                }
            }
        }
    }
}

#[test]
fn metadata_statement_matches_the_authenticator() {
    for (i, (alg, enc)) in algorithms().into_iter().enumerate() {
        for attestation in attestations() {
            let profile = Profile::builder(aaid("ABCD#0001"))
                .algorithm(alg, enc)
                .attestation(attestation)
                .authenticator_version(7)
                .user_verification(UserVerify::PASSCODE | UserVerify::FINGERPRINT)
                .build()
                .unwrap();
            let phone = phone(profile.clone(), 900 + u64::try_from(i).unwrap());
            let json = phone.metadata_statement();
            let statement = MetadataStatement::from_json(&json).unwrap();
            assert_eq!(statement.aaid(), profile.aaid());
            assert_eq!(statement.authenticator_version(), 7);
            assert_eq!(statement.authentication_algorithms(), [alg]);
            assert_eq!(statement.public_key_alg_and_encodings(), [enc]);
            assert_eq!(statement.attestation_types(), [profile.attestation_type()]);
            assert!(statement.supports_assertion_scheme("UAFV1TLV"));
            let uv: Vec<u32> = statement
                .user_verification_details()
                .iter()
                .flat_map(|alt| alt.iter().map(|m| m.user_verification.bits()))
                .collect();
            assert_eq!(uv, [0x02, 0x04]); // registry order
            let roots = statement.attestation_root_certificates();
            assert_eq!(roots.len(), phone.attestation_roots().len());
            assert_eq!(
                roots.len(),
                usize::from(profile.attestation_type() == AttestationType::BasicFull)
            );
            for (a, b) in roots.iter().zip(phone.attestation_roots()) {
                assert_eq!(a.as_slice(), b.as_slice());
            }
            assert!(json.contains("\"attestationRootCertificates\""));
        }
    }
}

#[test]
fn png_display_metadata_and_get_info() {
    let png = DisplayPngCharacteristicsDescriptor {
        plte: vec![
            RgbPaletteEntry { r: 200, g: 0, b: 0 },
            RgbPaletteEntry {
                r: 216,
                g: 216,
                b: 216,
            },
        ],
        bit_depth: 1,
        color_type: 3,
        ..DisplayPngCharacteristicsDescriptor::rgba(200, 400)
    };
    let profile = Profile::builder(aaid("FFFF#FC02"))
        .algorithm(AlgSign::Secp256r1EcdsaSha256Raw, AlgKey::EccX962Der)
        .transaction_display(TransactionDisplay::Png(vec![
            png,
            DisplayPngCharacteristicsDescriptor::rgba(300, 500),
        ]))
        .tc_display(TcDisplay::ANY | TcDisplay::PRIVILEGED_SOFTWARE)
        .build()
        .unwrap();
    let mut phone = phone(profile, 3);

    let statement = MetadataStatement::from_json(&phone.metadata_statement()).unwrap();
    let pngs = statement.tc_display_png_characteristics();
    assert_eq!(pngs.len(), 2);
    assert_eq!(
        (pngs[0].width, pngs[0].height, pngs[0].color_type),
        (200, 400, 3)
    );
    assert_eq!(pngs[0].plte.len(), 2);
    assert_eq!(pngs[0].plte[1].g, 216);
    assert_eq!((pngs[1].width, pngs[1].bit_depth), (300, 8));
    assert_eq!(statement.tc_display(), TcDisplay(0x0003));
    assert_eq!(statement.tc_display_content_type(), Some("image/png"));

    let response = phone.process(
        &TAG_UAFV1_GETINFO_CMD
            .to_le_bytes()
            .iter()
            .chain(&[0, 0])
            .copied()
            .collect::<Vec<u8>>(),
    );
    let info = GetInfoResponse::parse(&response).unwrap();
    assert_eq!(info.status, CmdStatus::Ok);
    assert_eq!(info.api_version, Some(API_VERSION));
    let a = info.authenticators.first().unwrap();
    assert_eq!(a.tc_display_content_type, Some("image/png"));
    let listed: Vec<_> = a.tc_display_png_characteristics.iter().collect();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].plte.len(), 2);
    assert_eq!(listed[0].plte.iter().nth(1).unwrap().b, 216);
    assert_eq!(a.metadata.tc_display, TcDisplay(0x0003));
}

#[test]
fn get_info_describes_the_profile() {
    let profile = Profile::builder(aaid("FFFF#FC2F"))
        .algorithm(AlgSign::Secp256k1EcdsaSha256Der, AlgKey::EccX962Raw)
        .attestation(AttestationConfig::BasicSurrogate)
        .user_verification(UserVerify::FINGERPRINT)
        .second_factor(true)
        .roaming(true)
        .key_storage(KeyStorage::Internal)
        .authenticator_index(3)
        .build()
        .unwrap();
    let mut phone = phone(profile, 4);
    let response = phone.process(&[0x01, 0x34, 0x00, 0x00]);
    let info = GetInfoResponse::parse(&response).unwrap();
    let a = info.authenticators.first().unwrap();
    assert_eq!(info.authenticators.len(), 1);
    assert_eq!(a.authenticator_index, 3);
    assert_eq!(a.aaid.as_str(), "FFFF#FC2F");
    assert_eq!(a.assertion_scheme, "UAFV1TLV");
    assert_eq!(
        a.attestation_types.iter().collect::<Vec<_>>(),
        [AttestationType::BasicSurrogate]
    );
    assert_eq!(
        a.metadata.authentication_alg,
        AlgSign::Secp256k1EcdsaSha256Der
    );
    assert_eq!(a.metadata.user_verification, UserVerify::FINGERPRINT);
    assert_eq!(
        a.metadata.max_key_handles,
        uaf_authenticator::MAX_KEY_HANDLES
    );
    assert!(a.metadata.tc_display.is_empty());
    assert_eq!(a.tc_display_content_type, None);
    // An approving user with a PIN only: FINGERPRINT profiles still see someone enrolled.
    assert_eq!(
        a.metadata.authenticator_type,
        AuthenticatorType::SECOND_FACTOR
            | AuthenticatorType::ROAMING
            | AuthenticatorType::KEY_HANDLE_STORAGE
            | AuthenticatorType::BUILTIN_UI
            | AuthenticatorType::USER_ENROLLED
    );
}

#[test]
fn a_batch_of_phones_shares_one_attestation_chain() {
    let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(5);
    let ca = TestCa::generate(&mut rng).unwrap();
    let model = aaid("FFFF#FC04");
    let creds = ca.issue(&model, KeyType::P256, &mut rng).unwrap();
    assert_eq!(creds.roots(), [ca.root_certificate().to_vec()]);
    let profile = Profile::builder(model)
        .algorithm(AlgSign::Secp256r1EcdsaSha256Der, AlgKey::EccX962Der)
        .attestation(AttestationConfig::BasicFull(creds.clone()))
        .counters(Counters::Global)
        .build()
        .unwrap();
    let mut a = phone(profile.clone(), 6);
    let mut b = phone(profile.clone(), 7);
    assert_eq!(a.metadata_statement(), b.metadata_statement());
    for phone in [&mut a, &mut b] {
        let reg = register(phone, "bob");
        check_registration(&profile, creds.roots(), &reg.assertion, &default_fch());
        let parsed = uaf_proto::assertion::RegAssertion::parse(&reg.assertion).unwrap();
        assert_eq!(
            parsed.attestation.certificates().first(),
            Some(creds.chain()[0].as_slice())
        );
    }
}

#[test]
fn caller_provided_credentials_are_used_as_given() {
    let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(8);
    let ca = TestCa::generate(&mut rng).unwrap();
    let model = aaid("FFFF#FC09");
    let issued = ca.issue(&model, KeyType::Secp256k1, &mut rng).unwrap();
    // Rebuild the credentials from the parts, as a caller with its own chain would.
    let key = SigningKey::generate(KeyType::Secp256k1, &mut rng).unwrap();
    let own = AttestationCredentials::new(&key, issued.chain().to_vec(), issued.roots().to_vec())
        .unwrap();
    assert_eq!(own.key_type(), KeyType::Secp256k1);
    assert_eq!(own.public_key().unwrap(), key.public_key());
    // The chain certifies another key: the KRD signature fails with the certificate's key,
    // which is what a caller's broken chain should give.
    let profile = Profile::builder(model)
        .algorithm(AlgSign::Secp256k1EcdsaSha256Raw, AlgKey::EccX962Raw)
        .attestation(AttestationConfig::BasicFull(own))
        .build()
        .unwrap();
    let mut phone = phone(profile, 9);
    let reg = register(&mut phone, "carol");
    let parsed = uaf_proto::assertion::RegAssertion::parse(&reg.assertion).unwrap();
    let leaf = leaf_key(&parsed, issued.roots());
    let sig = parsed.attestation.signature().unwrap();
    assert!(
        uaf_crypto::verify(AlgSign::Secp256k1EcdsaSha256Raw, &leaf, parsed.krd.raw, sig).is_err()
    );
    assert!(
        uaf_crypto::verify(
            AlgSign::Secp256k1EcdsaSha256Raw,
            &key.public_key(),
            parsed.krd.raw,
            sig
        )
        .is_ok()
    );
}

#[test]
fn transactions_are_shown_then_signed_with_their_hash() {
    for display in [
        TransactionDisplay::Text,
        TransactionDisplay::Png(vec![DisplayPngCharacteristicsDescriptor::rgba(320, 480)]),
    ] {
        let profile = Profile::builder(aaid("FFFF#FC03"))
            .algorithm(AlgSign::Secp256r1EcdsaSha256Der, AlgKey::EccX962Raw)
            .transaction_display(display.clone())
            .build()
            .unwrap();
        let mut phone = phone(profile.clone(), 10);
        let reg = register(&mut phone, "alice");
        let content = b"Sign in to example.com? Code 4711";
        let assertion = authenticate(&mut phone, &reg, Some(content));
        check_authentication(&profile, &reg, &assertion, &default_fch(), Some(content));
        let shown = phone.user().shown_transactions();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].content, content);
        assert_eq!(Some(shown[0].content_type.as_str()), display.content_type());
    }
}

#[test]
fn counters_per_key_global_and_none() {
    // Per key: each key counts from 1.
    let per_key = Profile::builder(aaid("FFFF#FC01")).build().unwrap();
    let mut phone_a = phone(per_key.clone(), 11);
    let r1 = register(&mut phone_a, "a");
    let r2 = register(&mut phone_a, "b");
    let c = |p: &mut Phone, r: &Registered, prof: &Profile| {
        let a = authenticate(p, r, None);
        check_authentication(prof, r, &a, &default_fch(), None)
    };
    assert_eq!(c(&mut phone_a, &r1, &per_key), 1);
    assert_eq!(c(&mut phone_a, &r1, &per_key), 2);
    assert_eq!(c(&mut phone_a, &r2, &per_key), 1);
    let reg_counters: Vec<u32> = [&r1, &r2]
        .iter()
        .map(|r| {
            uaf_proto::assertion::RegAssertion::parse(&r.assertion)
                .unwrap()
                .krd
                .reg_counter
        })
        .collect();
    assert_eq!(reg_counters, [1, 2]);

    // Global: one counter for every key, growing by 1..=16 per signature; the KRD reports it.
    let global = Profile::builder(aaid("FFFF#FC01"))
        .counters(Counters::Global)
        .build()
        .unwrap();
    let mut phone_b = phone(global.clone(), 12);
    let g1 = register(&mut phone_b, "a");
    let mut last = 0;
    let mut steps = Vec::new();
    for _ in 0..20 {
        let now = c(&mut phone_b, &g1, &global);
        assert!(now > last && now - last <= uaf_authenticator::MAX_GLOBAL_COUNTER_STEP);
        steps.push(now - last);
        last = now;
    }
    assert!(
        steps.iter().any(|s| *s != steps[0]),
        "increments vary: {steps:?}"
    );
    let g2 = register(&mut phone_b, "b");
    assert_eq!(g2.sign_counter, last);
    assert!(c(&mut phone_b, &g2, &global) > last);

    // None: always 0, RegCounter too.
    let none = Profile::builder(aaid("FFFF#FC01"))
        .counters(Counters::None)
        .build()
        .unwrap();
    let mut phone_c = phone(none.clone(), 13);
    let n1 = register(&mut phone_c, "a");
    assert_eq!(c(&mut phone_c, &n1, &none), 0);
    assert_eq!(c(&mut phone_c, &n1, &none), 0);
    let krd = uaf_proto::assertion::RegAssertion::parse(&n1.assertion)
        .unwrap()
        .krd;
    assert_eq!((krd.sign_counter, krd.reg_counter), (0, 0));
}

#[test]
fn second_factor_wrapped_key_id_is_the_key_handle() {
    let profile = Profile::builder(aaid("FFFF#FC2F"))
        .second_factor(true)
        .roaming(true)
        .build()
        .unwrap();
    let mut phone = phone(profile.clone(), 14);
    let reg = register(&mut phone, "dave");
    // No TAG_KEYHANDLE: the server stores the KeyID, which is the wrapped key handle.
    assert_eq!(reg.key_handle, None);
    assert!(reg.key_id.len() > 32);
    assert_eq!(reg.key_id.first(), Some(&0x01)); // key handle format version
    let assertion = authenticate(&mut phone, &reg, None);
    check_authentication(&profile, &reg, &assertion, &default_fch(), None);
    // The username never enters a second-factor key handle: a fresh, identical phone with
    // another username yields a key handle of the same length.
    let mut other = self::phone(profile, 14);
    let reg2 = register(&mut other, "a-much-longer-username-than-dave");
    assert_eq!(reg2.key_id.len(), reg.key_id.len());
}

#[test]
fn first_factor_internal_storage_offers_accounts_then_signs_the_chosen_one() {
    let profile = Profile::builder(aaid("FFFF#FC01"))
        .key_storage(KeyStorage::Internal)
        .build()
        .unwrap();
    let mut phone = phone(profile.clone(), 15);
    let alice = register(&mut phone, "alice");
    let bob = register(&mut phone, "bob");
    assert_eq!(phone.stored_key_count(), 2);

    // No key handles: every key of this AppID and token, oldest first.
    let response = phone.process(&sign_cmd(&[], None, &default_fch()));
    let parsed = uaf_proto::command::SignResponse::parse(&response).unwrap();
    assert_eq!(parsed.status, CmdStatus::Ok);
    let uaf_proto::command::SignResponseContent::UsernamesAndKeyHandles(list) = parsed.content
    else {
        panic!("expected the account list");
    };
    let accounts: Vec<(&str, &[u8])> = list.iter().map(|u| (u.username, u.key_handle)).collect();
    assert_eq!(
        accounts,
        [
            ("alice", alice.key_id.as_slice()),
            ("bob", bob.key_id.as_slice())
        ]
    );
    // The ASM picks bob.
    let (status, assertion) = sign_raw(
        &mut phone,
        &sign_cmd(core::slice::from_ref(&bob.key_id), None, &default_fch()),
    );
    assert_eq!(status, CmdStatus::Ok);
    check_authentication(&profile, &bob, &assertion.unwrap(), &default_fch(), None);
    // Another token sees no key at all.
    let cmd = sign_cmd_with(&[], None, &default_fch(), b"another ASM", Some(APP_ID));
    assert_eq!(sign_status(&mut phone, &cmd), CmdStatus::AccessDenied);
}

#[test]
fn output_is_the_canonical_uaf_proto_encoding() {
    use uaf_proto::assertion::{AuthAssertion, RegAssertion, encode_reg_assertion};
    for (i, (alg, enc)) in algorithms().into_iter().enumerate() {
        for attestation in attestations() {
            let profile = Profile::builder(aaid("FFFF#FC01"))
                .algorithm(alg, enc)
                .attestation(attestation)
                .transaction_display(TransactionDisplay::Text)
                .build()
                .unwrap();
            let mut phone = phone(profile, 300 + u64::try_from(i).unwrap());
            let reg = register(&mut phone, "alice");
            let parsed = RegAssertion::parse(&reg.assertion).unwrap();
            assert_eq!(parsed.krd.to_builder().encode().unwrap(), parsed.krd.raw);
            assert_eq!(
                encode_reg_assertion(parsed.krd.raw, &parsed.attestation, parsed.extensions)
                    .unwrap(),
                reg.assertion
            );
            for transaction in [None, Some(&b"Pay 1 EUR"[..])] {
                let bytes = authenticate(&mut phone, &reg, transaction);
                let auth = AuthAssertion::parse(&bytes).unwrap();
                assert_eq!(
                    auth.signed_data.to_builder().encode().unwrap(),
                    auth.signed_data.raw
                );
                assert_eq!(auth.encode().unwrap(), bytes);
            }
        }
    }
}
