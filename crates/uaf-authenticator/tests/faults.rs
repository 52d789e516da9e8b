//! Every fault changes exactly what it says.
//!
//! For each fault two authenticators are made from the same seed; both run the same commands,
//! the fault is armed on one. Because every random value comes from the seeded RNG, the valid
//! ("base") and the faulty assertion can be compared member by member: the faulty one must be
//! the base one with exactly the fault's edit, and the signature must be made over the faulty
//! bytes (or be the defect itself). The typed parser of uaf-proto must reject exactly the
//! faults whose expected step is the TLV step (R5.2 / A5.2–A5.3), each at the step
//! `uaf-proto`'s malformation table names.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // helpers outside #[test]

mod common;

use common::*;
use uaf_authenticator::{
    AttestationConfig, Error, Fault, KeyStorage, Operation, Profile, ScriptedUser,
    SignedDataMember, TransactionDisplay,
};
use uaf_crypto::{PublicKey, verify};
use uaf_proto::assertion::{
    AssertionError, AssertionKind, Attestation, AuthAssertion, RegAssertion,
};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_proto::status::CmdStatus;
use uaf_proto::tlv::{
    TAG_AAID, TAG_ASSERTION_INFO, TAG_ATTESTATION_BASIC_FULL, TAG_ATTESTATION_BASIC_SURROGATE,
    TAG_ATTESTATION_CERT, TAG_AUTHENTICATOR_NONCE, TAG_COUNTERS, TAG_EXTENSION,
    TAG_FINAL_CHALLENGE_HASH, TAG_KEYID, TAG_PUB_KEY, TAG_SIGNATURE, TAG_TRANSACTION_CONTENT_HASH,
    TAG_UAFV1_AUTH_ASSERTION, TAG_UAFV1_KRD, TAG_UAFV1_REG_ASSERTION, TAG_UAFV1_SIGNED_DATA,
    TlvError, TlvReader,
};

const TRANSACTION: &[u8] = b"Pay 10 EUR to Bob? Code 4711";

type Members = Vec<(u16, Vec<u8>)>;

/// The members of the first composite `tag` found at the top level or one level down.
fn members_of(bytes: &[u8], tag: u16) -> Option<Members> {
    let mut stack = vec![TlvReader::new(bytes)];
    while let Some(reader) = stack.pop() {
        // Stop at a framing error (trailing garbage) but keep what came before it.
        for item in reader.map_while(Result::ok) {
            if item.tag == tag {
                return item
                    .children()
                    .ok()?
                    .map(|m| m.map(|m| (m.tag, m.value.to_vec())).ok())
                    .collect();
            }
            if item.is_composite() {
                stack.push(item.children().ok()?);
            }
        }
    }
    None
}

/// The raw bytes (header included) of the first item `tag` found at the top level or below.
fn raw_of(bytes: &[u8], tag: u16) -> Option<Vec<u8>> {
    let mut stack = vec![TlvReader::new(bytes)];
    while let Some(reader) = stack.pop() {
        // Stop at a framing error (trailing garbage) but keep what came before it.
        for item in reader.map_while(Result::ok) {
            if item.tag == tag {
                return Some(item.raw.to_vec());
            }
            if item.is_composite() {
                stack.push(item.children().ok()?);
            }
        }
    }
    None
}

fn value(members: &Members, tag: u16) -> &[u8] {
    members
        .iter()
        .find(|(t, _)| *t == tag)
        .map(|(_, v)| v.as_slice())
        .unwrap_or_else(|| panic!("no member {tag:#06x}"))
}

fn with(members: &Members, tag: u16, v: Vec<u8>) -> Members {
    members
        .iter()
        .map(|(t, old)| (*t, if *t == tag { v.clone() } else { old.clone() }))
        .collect()
}

fn without(members: &Members, tag: u16) -> Members {
    members.iter().filter(|(t, _)| *t != tag).cloned().collect()
}

fn flip_last_bit(v: &[u8]) -> Vec<u8> {
    let mut v = v.to_vec();
    *v.last_mut().unwrap() ^= 0x01;
    v
}

fn header(tag: u16, len: usize) -> Vec<u8> {
    let mut h = tag.to_le_bytes().to_vec();
    h.extend_from_slice(&u16::try_from(len).unwrap().to_le_bytes());
    h
}

/// The signature and the signed block of an assertion, found structurally.
fn signed_block_and_signature(bytes: &[u8], op: Operation) -> (Vec<u8>, Vec<u8>) {
    let block = match op {
        Operation::Reg => TAG_UAFV1_KRD,
        Operation::Auth => TAG_UAFV1_SIGNED_DATA,
    };
    let signature = raw_of(bytes, TAG_SIGNATURE).expect("signature");
    (
        raw_of(bytes, block).expect("signed block"),
        signature[4..].to_vec(),
    )
}

fn profile_for(fault: Fault, variant: usize) -> Profile {
    let req = fault.requirements();
    let (alg, enc, storage, surrogate) = match variant {
        0 => (
            AlgSign::Secp256r1EcdsaSha256Raw,
            AlgKey::EccX962Raw,
            KeyStorage::Wrapped,
            false,
        ),
        1 => (
            AlgSign::Secp256k1EcdsaSha256Der,
            AlgKey::Cose,
            KeyStorage::Wrapped,
            true,
        ),
        _ => (
            AlgSign::Secp256r1EcdsaSha256Der,
            AlgKey::EccX962Der,
            KeyStorage::Internal,
            false,
        ),
    };
    let attestation = match req.attestation {
        Some(AttestationType::BasicFull) => AttestationConfig::GenerateBasicFull,
        Some(_) => AttestationConfig::BasicSurrogate,
        None if surrogate => AttestationConfig::BasicSurrogate,
        None => AttestationConfig::GenerateBasicFull,
    };
    let display = if req.transaction == Some(true) {
        TransactionDisplay::Text
    } else {
        TransactionDisplay::None
    };
    Profile::builder(aaid("FFFF#FC01"))
        .algorithm(alg, enc)
        .attestation(attestation)
        .key_storage(storage)
        .transaction_display(display)
        .build()
        .unwrap()
}

/// Both assertions of one fault, and what is needed to check them.
struct Case {
    fault: Fault,
    profile: Profile,
    base: Vec<u8>,
    faulty: Vec<u8>,
    base_phone: Phone,
    faulty_phone: Phone,
    /// The registration (Auth faults).
    reg: Option<Registered>,
    transaction: Option<&'static [u8]>,
}

fn run(fault: Fault, variant: usize) -> Case {
    let profile = profile_for(fault, variant);
    let mut base_phone = phone(profile.clone(), 42 + u64::try_from(variant).unwrap());
    let mut faulty_phone = phone(profile.clone(), 42 + u64::try_from(variant).unwrap());
    let req = fault.requirements();
    let transaction = (req.transaction == Some(true)).then_some(TRANSACTION);
    let (base, faulty, reg) = match fault.operation() {
        Operation::Reg => {
            faulty_phone.arm(fault).unwrap();
            let (base, _) = register_raw(&mut base_phone, "alice");
            let (faulty, _) = register_raw(&mut faulty_phone, "alice");
            (base, faulty, None)
        }
        Operation::Auth => {
            let reg = register(&mut base_phone, "alice");
            let same = register(&mut faulty_phone, "alice");
            assert_eq!(
                reg.assertion, same.assertion,
                "same seed, same registration"
            );
            if req.prior_authentication {
                authenticate(&mut base_phone, &reg, None);
                authenticate(&mut faulty_phone, &reg, None);
            }
            faulty_phone.arm(fault).unwrap();
            let base = authenticate(&mut base_phone, &reg, transaction);
            let faulty = authenticate(&mut faulty_phone, &reg, transaction);
            (base, faulty, Some(reg))
        }
    };
    assert_eq!(faulty_phone.last_applied(), [fault], "{fault}");
    assert!(faulty_phone.armed().is_empty(), "{fault}");
    assert!(base_phone.last_applied().is_empty());
    Case {
        fault,
        profile,
        base,
        faulty,
        base_phone,
        faulty_phone,
        reg,
        transaction,
    }
}

fn tlv_error(err: AssertionError) -> TlvError {
    match err {
        AssertionError::Tlv(e) => e,
        other => panic!("not a TLV error: {other:?}"),
    }
}

/// The key that signs the KRD of a valid registration of this case.
fn attestation_key(c: &Case, alg: AlgSign, krd_pub_key: &[u8], key_alg: AlgKey) -> PublicKey {
    match c.profile.attestation_type() {
        AttestationType::BasicFull => c
            .faulty_phone
            .attestation_credentials()
            .unwrap()
            .public_key()
            .unwrap(),
        _ => PublicKey::decode_for(alg, key_alg, krd_pub_key).unwrap(),
    }
}

fn check_registration_fault(c: &Case) {
    let f = c.fault;
    let base = RegAssertion::parse(&c.base).unwrap();
    let info = base.krd.assertion_info;
    let bm = members_of(&c.base, TAG_UAFV1_KRD).unwrap();
    let parsed = RegAssertion::parse(&c.faulty);
    let base_block_raw = &c.base[4 + base.krd.raw.len()..];

    // Faults outside the KRD: byte-exact edits of the base assertion.
    match f {
        Fault::RegAssertionTagWrong => {
            let mut expected = TAG_UAFV1_AUTH_ASSERTION.to_le_bytes().to_vec();
            expected.extend_from_slice(&c.base[2..]);
            assert_eq!(c.faulty, expected);
            assert!(matches!(
                tlv_error(parsed.unwrap_err()),
                TlvError::UnexpectedTag {
                    expected: TAG_UAFV1_REG_ASSERTION,
                    found: TAG_UAFV1_AUTH_ASSERTION,
                    ..
                }
            ));
            return;
        }
        Fault::RegAssertionUnwrapped => {
            assert_eq!(c.faulty, c.base[4..]);
            assert!(matches!(
                tlv_error(parsed.unwrap_err()),
                TlvError::UnexpectedTag {
                    found: TAG_UAFV1_KRD,
                    ..
                }
            ));
            return;
        }
        Fault::RegTrailingBytes => {
            assert_eq!(c.faulty, [c.base.as_slice(), &[0xFF; 4]].concat());
            assert!(matches!(
                tlv_error(parsed.unwrap_err()),
                TlvError::TrailingBytes { count: 4, .. }
            ));
            return;
        }
        Fault::KrdMissing => {
            let expected = [
                header(TAG_UAFV1_REG_ASSERTION, base_block_raw.len()).as_slice(),
                base_block_raw,
            ]
            .concat();
            assert_eq!(c.faulty, expected);
            assert!(matches!(
                tlv_error(parsed.unwrap_err()),
                TlvError::MissingMember {
                    parent: TAG_UAFV1_REG_ASSERTION,
                    tag: TAG_UAFV1_KRD,
                    ..
                }
            ));
            return;
        }
        Fault::AttestationMissing => {
            let expected = [
                header(TAG_UAFV1_REG_ASSERTION, base.krd.raw.len()).as_slice(),
                base.krd.raw,
            ]
            .concat();
            assert_eq!(c.faulty, expected);
            assert!(matches!(
                parsed.unwrap_err(),
                AssertionError::MissingAttestation { .. }
            ));
            return;
        }
        Fault::AttestationSignatureEmpty => {
            let block_tag = match base.attestation {
                Attestation::BasicFull { .. } => TAG_ATTESTATION_BASIC_FULL,
                _ => TAG_ATTESTATION_BASIC_SURROGATE,
            };
            let block = members_of(&c.faulty, block_tag).unwrap();
            let base_block = members_of(&c.base, block_tag).unwrap();
            assert_eq!(block, with(&base_block, TAG_SIGNATURE, vec![]));
            assert_eq!(raw_of(&c.faulty, TAG_UAFV1_KRD).unwrap(), base.krd.raw);
            assert!(matches!(
                tlv_error(parsed.unwrap_err()),
                TlvError::EmptyValue {
                    tag: TAG_SIGNATURE,
                    ..
                }
            ));
            return;
        }
        Fault::AttestationCertificateMissing => {
            let block = members_of(&c.faulty, TAG_ATTESTATION_BASIC_FULL).unwrap();
            let base_block = members_of(&c.base, TAG_ATTESTATION_BASIC_FULL).unwrap();
            assert_eq!(block, without(&base_block, TAG_ATTESTATION_CERT));
            assert!(matches!(
                tlv_error(parsed.unwrap_err()),
                TlvError::MissingMember {
                    parent: TAG_ATTESTATION_BASIC_FULL,
                    tag: TAG_ATTESTATION_CERT,
                    ..
                }
            ));
            return;
        }
        _ => {}
    }

    // Faults of the attestation: the KRD is the base KRD.
    let att_sig = |bytes: &[u8]| {
        RegAssertion::parse(bytes)
            .unwrap()
            .attestation
            .signature()
            .unwrap()
            .to_vec()
    };
    match f {
        Fault::AttestationSignatureCorrupt => {
            let r = parsed.unwrap();
            assert_eq!(r.krd.raw, base.krd.raw);
            let mut expected = att_sig(&c.base);
            *expected.last_mut().unwrap() ^= 0xFF;
            assert_eq!(att_sig(&c.faulty), expected);
            let key = attestation_key(c, info.sign_alg, base.krd.pub_key, info.pub_key_alg);
            assert!(verify(info.sign_alg, &key, r.krd.raw, &expected).is_err());
            return;
        }
        Fault::AttestationSignatureWrongKey => {
            let r = parsed.unwrap();
            assert_eq!(r.krd.raw, base.krd.raw);
            assert_eq!(
                r.attestation.certificates(),
                base.attestation.certificates()
            );
            let key = attestation_key(c, info.sign_alg, base.krd.pub_key, info.pub_key_alg);
            assert!(verify(info.sign_alg, &key, r.krd.raw, &att_sig(&c.faulty)).is_err());
            return;
        }
        Fault::AttestationCertificateCorrupt => {
            let r = parsed.unwrap();
            assert_eq!(r.krd.raw, base.krd.raw);
            let base_leaf = base.attestation.certificates().first().unwrap();
            let leaf = r.attestation.certificates().first().unwrap();
            assert_eq!(leaf, &base_leaf[..base_leaf.len() - 1]);
            assert!(verify_chain(&r, c.faulty_phone.attestation_roots()).is_err());
            assert!(verify_chain(&base, c.base_phone.attestation_roots()).is_ok());
            let key = attestation_key(c, info.sign_alg, base.krd.pub_key, info.pub_key_alg);
            verify(info.sign_alg, &key, r.krd.raw, &att_sig(&c.faulty)).unwrap();
            return;
        }
        Fault::AttestationCertificateUnchained => {
            let r = parsed.unwrap();
            assert_eq!(r.krd.raw, base.krd.raw);
            assert_eq!(r.attestation.certificates().len(), 1);
            assert!(verify_chain(&r, c.faulty_phone.attestation_roots()).is_err());
            // Trusted as listed, the foreign certificate is well formed, names the model and
            // holds the key that made the signature: the chain is the only defect.
            let leaf = r.attestation.certificates().first().unwrap().to_vec();
            let chain = verify_chain(&r, &[leaf]).unwrap();
            assert_eq!(chain.leaf_aaid(), Some(r.krd.aaid));
            let key = PublicKey::decode(AlgKey::EccX962Der, chain.leaf_spki_der()).unwrap();
            verify(info.sign_alg, &key, r.krd.raw, &att_sig(&c.faulty)).unwrap();
            return;
        }
        Fault::SurrogateSignatureWrongKey => {
            let r = parsed.unwrap();
            assert_eq!(r.krd.raw, base.krd.raw);
            assert_eq!(
                r.attestation.attestation_type(),
                AttestationType::BasicSurrogate
            );
            let key =
                PublicKey::decode_for(info.sign_alg, info.pub_key_alg, r.krd.pub_key).unwrap();
            assert!(verify(info.sign_alg, &key, r.krd.raw, &att_sig(&c.faulty)).is_err());
            return;
        }
        Fault::SurrogateForModelWithRoots => {
            let r = parsed.unwrap();
            assert_eq!(r.krd.raw, base.krd.raw);
            assert_eq!(
                base.attestation.attestation_type(),
                AttestationType::BasicFull
            );
            assert!(!c.faulty_phone.attestation_roots().is_empty());
            let Attestation::BasicSurrogate { signature } = r.attestation else {
                panic!("expected a surrogate block");
            };
            let key =
                PublicKey::decode_for(info.sign_alg, info.pub_key_alg, r.krd.pub_key).unwrap();
            verify(info.sign_alg, &key, r.krd.raw, signature).unwrap();
            return;
        }
        _ => {}
    }

    // Faults inside the KRD: the expected members, and the signature over the faulty KRD.
    let fm = members_of(&c.faulty, TAG_UAFV1_KRD).unwrap();
    let mut sign_alg = info.sign_alg;
    let expected: Members = match f {
        Fault::KrdMemberMissing(m) => without(&bm, m.tag()),
        Fault::KrdMemberEmpty(m) => with(&bm, m.tag(), vec![]),
        Fault::KrdAssertionInfoLength => with(
            &bm,
            TAG_ASSERTION_INFO,
            [value(&bm, TAG_ASSERTION_INFO), &[0]].concat(),
        ),
        Fault::KrdCountersLength => with(&bm, TAG_COUNTERS, value(&bm, TAG_COUNTERS)[..4].to_vec()),
        Fault::KrdDuplicateTag => {
            let mut m = bm.clone();
            m.insert(1, (TAG_AAID, value(&bm, TAG_AAID).to_vec()));
            m
        }
        Fault::KrdUnknownCriticalTag => {
            let mut m = bm.clone();
            m.push((0x2EEE, vec![0, 1, 2, 3]));
            m
        }
        Fault::KrdUnknownCriticalExtension => {
            let mut m = bm.clone();
            m.push((TAG_EXTENSION, value(&fm, TAG_EXTENSION).to_vec()));
            m
        }
        Fault::RegAaidUnknown => with(&bm, TAG_AAID, b"FFFF#03FE".to_vec()),
        Fault::RegAuthenticationModeWrong | Fault::RegUserVerificationSkipped => {
            let mut v = value(&bm, TAG_ASSERTION_INFO).to_vec();
            v[2] = if f == Fault::RegAuthenticationModeWrong {
                0x02
            } else {
                0x00
            };
            with(&bm, TAG_ASSERTION_INFO, v)
        }
        Fault::RegSignAlgNotInMetadata => {
            sign_alg = sibling(info.sign_alg);
            let mut v = value(&bm, TAG_ASSERTION_INFO).to_vec();
            v[3..5].copy_from_slice(&sign_alg.value().to_le_bytes());
            with(&bm, TAG_ASSERTION_INFO, v)
        }
        Fault::RegPublicKeyEncodingNotInMetadata => {
            let key_alg = if info.pub_key_alg == AlgKey::EccX962Raw {
                AlgKey::EccX962Der
            } else {
                AlgKey::EccX962Raw
            };
            let mut v = value(&bm, TAG_ASSERTION_INFO).to_vec();
            v[5..7].copy_from_slice(&key_alg.value().to_le_bytes());
            let key =
                PublicKey::decode_for(info.sign_alg, info.pub_key_alg, base.krd.pub_key).unwrap();
            with(
                &with(&bm, TAG_ASSERTION_INFO, v),
                TAG_PUB_KEY,
                key.encode(key_alg).unwrap(),
            )
        }
        Fault::RegFinalChallengeHashWrong => with(
            &bm,
            TAG_FINAL_CHALLENGE_HASH,
            flip_last_bit(value(&bm, TAG_FINAL_CHALLENGE_HASH)),
        ),
        Fault::RegFinalChallengeHashSha1Length => with(
            &bm,
            TAG_FINAL_CHALLENGE_HASH,
            value(&bm, TAG_FINAL_CHALLENGE_HASH)[..20].to_vec(),
        ),
        Fault::RegKeyIdTooShort => {
            let id = value(&fm, TAG_KEYID);
            assert_eq!(id.len(), 31);
            assert_ne!(id, &value(&bm, TAG_KEYID)[..31]);
            with(&bm, TAG_KEYID, id.to_vec())
        }
        Fault::RegPublicKeyInvalid => {
            let bad = value(&fm, TAG_PUB_KEY);
            let good = value(&bm, TAG_PUB_KEY);
            assert_eq!(bad.len(), good.len());
            assert_eq!(bad[..bad.len() - 1], good[..good.len() - 1]);
            assert!(PublicKey::decode_for(info.sign_alg, info.pub_key_alg, bad).is_err());
            with(&bm, TAG_PUB_KEY, bad.to_vec())
        }
        other => panic!("no check for {other}"),
    };
    assert_eq!(fm, expected, "{f}");
    // The attestation signature covers the faulty KRD.
    let (krd, sig) = signed_block_and_signature(&c.faulty, Operation::Reg);
    let key = attestation_key(c, info.sign_alg, base.krd.pub_key, info.pub_key_alg);
    verify(sign_alg, &key, &krd, &sig).unwrap_or_else(|e| panic!("{f}: {e}"));

    // What the typed parser says.
    match f {
        Fault::KrdMemberMissing(m) => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::MissingMember { parent: TAG_UAFV1_KRD, tag, .. } if tag == m.tag()
        )),
        Fault::KrdMemberEmpty(m) => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::EmptyValue { tag, .. } if tag == m.tag()
        )),
        Fault::KrdAssertionInfoLength => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::WrongLength {
                tag: TAG_ASSERTION_INFO,
                len: 8,
                ..
            }
        )),
        Fault::KrdCountersLength => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::WrongLength {
                tag: TAG_COUNTERS,
                len: 4,
                ..
            }
        )),
        Fault::KrdDuplicateTag => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::DuplicateMember {
                parent: TAG_UAFV1_KRD,
                tag: TAG_AAID,
                ..
            }
        )),
        Fault::KrdUnknownCriticalTag => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::UnknownCriticalTag {
                parent: TAG_UAFV1_KRD,
                tag: 0x2EEE,
                ..
            }
        )),
        Fault::KrdUnknownCriticalExtension => {
            let r = parsed.unwrap();
            let ext = r.unknown_critical_extension(&[]).unwrap();
            assert_eq!(ext.id, "uaf-authenticator.test.critical");
            assert!(ext.critical);
        }
        _ => {
            let r = parsed.unwrap();
            assert_eq!(
                r.attestation.attestation_type(),
                base.attestation.attestation_type()
            );
        }
    }
    if f == Fault::RegUserVerificationSkipped {
        assert_eq!(c.faulty_phone.user().verifications().len(), 0);
        assert_eq!(c.base_phone.user().verifications().len(), 1);
    }
}

fn sibling(alg: AlgSign) -> AlgSign {
    match alg {
        AlgSign::Secp256r1EcdsaSha256Raw => AlgSign::Secp256r1EcdsaSha256Der,
        AlgSign::Secp256r1EcdsaSha256Der => AlgSign::Secp256r1EcdsaSha256Raw,
        AlgSign::Secp256k1EcdsaSha256Raw => AlgSign::Secp256k1EcdsaSha256Der,
        _ => AlgSign::Secp256k1EcdsaSha256Raw,
    }
}

fn check_authentication_fault(c: &Case) {
    let f = c.fault;
    let reg = c.reg.as_ref().unwrap();
    let base = AuthAssertion::parse(&c.base).unwrap();
    let parsed = AuthAssertion::parse(&c.faulty);
    let alg = c.profile.sign_alg();
    let uauth = PublicKey::decode_for(alg, c.profile.key_encoding(), &reg.public_key).unwrap();
    let sig_tlv = &c.base[4 + base.signed_data.raw.len()..];

    match f {
        Fault::AuthAssertionTagWrong => {
            let mut expected = TAG_UAFV1_REG_ASSERTION.to_le_bytes().to_vec();
            expected.extend_from_slice(&c.base[2..]);
            assert_eq!(c.faulty, expected);
            assert!(matches!(
                tlv_error(parsed.unwrap_err()),
                TlvError::UnexpectedTag {
                    found: TAG_UAFV1_REG_ASSERTION,
                    ..
                }
            ));
            return;
        }
        Fault::AuthAssertionUnwrapped => {
            assert_eq!(c.faulty, c.base[4..]);
            assert!(parsed.is_err());
            return;
        }
        Fault::AuthTrailingBytes => {
            assert_eq!(c.faulty, [c.base.as_slice(), &[0xFF; 4]].concat());
            assert!(matches!(
                tlv_error(parsed.unwrap_err()),
                TlvError::TrailingBytes { count: 4, .. }
            ));
            return;
        }
        Fault::SignedDataMissing => {
            let expected = [
                header(TAG_UAFV1_AUTH_ASSERTION, sig_tlv.len()).as_slice(),
                sig_tlv,
            ]
            .concat();
            assert_eq!(c.faulty, expected);
            assert!(matches!(
                tlv_error(parsed.unwrap_err()),
                TlvError::MissingMember {
                    tag: TAG_UAFV1_SIGNED_DATA,
                    ..
                }
            ));
            return;
        }
        Fault::SignatureMissing | Fault::SignatureEmpty => {
            let mut body = base.signed_data.raw.to_vec();
            if f == Fault::SignatureEmpty {
                body.extend_from_slice(&header(TAG_SIGNATURE, 0));
            }
            let expected = [header(TAG_UAFV1_AUTH_ASSERTION, body.len()), body].concat();
            assert_eq!(c.faulty, expected);
            let err = tlv_error(parsed.unwrap_err());
            if f == Fault::SignatureMissing {
                assert!(matches!(
                    err,
                    TlvError::MissingMember {
                        tag: TAG_SIGNATURE,
                        ..
                    }
                ));
            } else {
                assert!(matches!(
                    err,
                    TlvError::EmptyValue {
                        tag: TAG_SIGNATURE,
                        ..
                    }
                ));
            }
            return;
        }
        Fault::AuthSignatureCorrupt => {
            let r = parsed.unwrap();
            assert_eq!(r.signed_data.raw, base.signed_data.raw);
            let mut expected = base.signature.to_vec();
            *expected.last_mut().unwrap() ^= 0xFF;
            assert_eq!(r.signature, expected);
            assert!(verify(alg, &uauth, r.signed_data.raw, r.signature).is_err());
            return;
        }
        Fault::AuthSignatureWrongKey => {
            let r = parsed.unwrap();
            assert_eq!(r.signed_data.raw, base.signed_data.raw);
            assert!(verify(alg, &uauth, r.signed_data.raw, r.signature).is_err());
            return;
        }
        _ => {}
    }

    let bm = members_of(&c.base, TAG_UAFV1_SIGNED_DATA).unwrap();
    let fm = members_of(&c.faulty, TAG_UAFV1_SIGNED_DATA).unwrap();
    let mut sign_alg = alg;
    let set_mode = |mode: u8| {
        let mut v = value(&bm, TAG_ASSERTION_INFO).to_vec();
        v[2] = mode;
        with(&bm, TAG_ASSERTION_INFO, v)
    };
    let counter = |m: &Members| u32::from_le_bytes(value(m, TAG_COUNTERS)[..4].try_into().unwrap());
    let expected: Members = match f {
        Fault::SignedDataMemberMissing(m) => without(&bm, m.tag()),
        Fault::SignedDataMemberEmpty(m) => with(&bm, m.tag(), vec![]),
        Fault::AuthAssertionInfoLength => with(
            &bm,
            TAG_ASSERTION_INFO,
            [value(&bm, TAG_ASSERTION_INFO), &[0]].concat(),
        ),
        Fault::AuthCountersLength => with(
            &bm,
            TAG_COUNTERS,
            [value(&bm, TAG_COUNTERS), &[0; 4]].concat(),
        ),
        Fault::AuthenticatorNonceShort => {
            let nonce = value(&fm, TAG_AUTHENTICATOR_NONCE);
            assert_eq!(nonce.len(), 7);
            with(&bm, TAG_AUTHENTICATOR_NONCE, nonce.to_vec())
        }
        Fault::SignedDataDuplicateTag => {
            let mut m = bm.clone();
            m.insert(1, (TAG_AAID, value(&bm, TAG_AAID).to_vec()));
            m
        }
        Fault::SignedDataUnknownCriticalTag => {
            [bm.clone(), vec![(0x2EEE, vec![0, 1, 2, 3])]].concat()
        }
        Fault::SignedDataUnknownCriticalExtension => [
            bm.clone(),
            vec![(TAG_EXTENSION, value(&fm, TAG_EXTENSION).to_vec())],
        ]
        .concat(),
        Fault::AuthAaidUnknown => with(&bm, TAG_AAID, b"FFFF#03FE".to_vec()),
        Fault::AuthKeyIdUnknown => {
            let id = value(&fm, TAG_KEYID);
            assert_eq!(id.len(), 32);
            assert_ne!(id, reg.key_id.as_slice());
            with(&bm, TAG_KEYID, id.to_vec())
        }
        Fault::AuthKeyIdTruncated => {
            with(&bm, TAG_KEYID, reg.key_id[..reg.key_id.len() - 1].to_vec())
        }
        Fault::AuthAuthenticationModeWrong => set_mode(0x03),
        Fault::AuthUserVerificationSkipped => set_mode(0x00),
        Fault::AuthSignAlgMismatch => {
            sign_alg = sibling(alg);
            let mut v = value(&bm, TAG_ASSERTION_INFO).to_vec();
            v[3..5].copy_from_slice(&sign_alg.value().to_le_bytes());
            with(&bm, TAG_ASSERTION_INFO, v)
        }
        Fault::AuthFinalChallengeHashWrong => with(
            &bm,
            TAG_FINAL_CHALLENGE_HASH,
            flip_last_bit(value(&bm, TAG_FINAL_CHALLENGE_HASH)),
        ),
        Fault::AuthFinalChallengeHashSha1Length => with(
            &bm,
            TAG_FINAL_CHALLENGE_HASH,
            value(&bm, TAG_FINAL_CHALLENGE_HASH)[..20].to_vec(),
        ),
        Fault::TransactionHashWithoutTransaction => {
            assert!(value(&bm, TAG_TRANSACTION_CONTENT_HASH).is_empty());
            with(
                &bm,
                TAG_TRANSACTION_CONTENT_HASH,
                fch_of_bytes(b"no transaction"),
            )
        }
        Fault::TransactionModeWithoutTransaction => set_mode(0x02),
        Fault::TransactionHashMismatch => {
            assert_eq!(
                value(&bm, TAG_TRANSACTION_CONTENT_HASH),
                fch_of_bytes(TRANSACTION)
            );
            with(
                &bm,
                TAG_TRANSACTION_CONTENT_HASH,
                flip_last_bit(&fch_of_bytes(TRANSACTION)),
            )
        }
        Fault::TransactionShownModeOne => {
            assert_eq!(
                value(&bm, TAG_TRANSACTION_CONTENT_HASH),
                fch_of_bytes(TRANSACTION)
            );
            set_mode(0x01)
        }
        Fault::CounterRollback | Fault::CounterFrozen => {
            // The base counter advanced from the last reported value (1) to 2.
            assert_eq!(counter(&bm), 2);
            let reported = if f == Fault::CounterRollback { 0 } else { 1 };
            with(&bm, TAG_COUNTERS, u32::to_le_bytes(reported).to_vec())
        }
        other => panic!("no check for {other}"),
    };
    assert_eq!(fm, expected, "{f}");
    // The signature covers the faulty SignedData.
    let (sd, sig) = signed_block_and_signature(&c.faulty, Operation::Auth);
    verify(sign_alg, &uauth, &sd, &sig).unwrap_or_else(|e| panic!("{f}: {e}"));

    // What the typed parser says.
    match f {
        Fault::SignedDataMemberMissing(m) => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::MissingMember { parent: TAG_UAFV1_SIGNED_DATA, tag, .. } if tag == m.tag()
        )),
        Fault::SignedDataMemberEmpty(SignedDataMember::TransactionContentHash) => {
            let r = parsed.unwrap();
            assert_eq!(r.signed_data.assertion_info.authentication_mode, 0x02);
            assert!(r.signed_data.transaction_content_hash.is_empty());
        }
        Fault::SignedDataMemberEmpty(m) => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::EmptyValue { tag, .. } if tag == m.tag()
        )),
        Fault::AuthAssertionInfoLength => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::WrongLength {
                tag: TAG_ASSERTION_INFO,
                len: 6,
                ..
            }
        )),
        Fault::AuthCountersLength => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::WrongLength {
                tag: TAG_COUNTERS,
                len: 8,
                ..
            }
        )),
        Fault::AuthenticatorNonceShort => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::WrongLength {
                tag: TAG_AUTHENTICATOR_NONCE,
                len: 7,
                min: 8,
                ..
            }
        )),
        Fault::SignedDataDuplicateTag => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::DuplicateMember {
                parent: TAG_UAFV1_SIGNED_DATA,
                tag: TAG_AAID,
                ..
            }
        )),
        Fault::SignedDataUnknownCriticalTag => assert!(matches!(
            tlv_error(parsed.unwrap_err()),
            TlvError::UnknownCriticalTag {
                parent: TAG_UAFV1_SIGNED_DATA,
                tag: 0x2EEE,
                ..
            }
        )),
        Fault::SignedDataUnknownCriticalExtension => {
            let r = parsed.unwrap();
            assert_eq!(
                r.unknown_critical_extension(&[]).unwrap().id,
                "uaf-authenticator.test.critical"
            );
        }
        _ => {
            parsed.unwrap();
        }
    }
    if f == Fault::AuthUserVerificationSkipped {
        let asked = |p: &Phone| p.user().verifications().len();
        assert_eq!(asked(&c.faulty_phone) + 1, asked(&c.base_phone));
    }
    if c.transaction.is_some() {
        assert_eq!(c.faulty_phone.user().shown_transactions().len(), 1);
    }
}

#[test]
fn every_fault_changes_exactly_what_it_says() {
    for variant in 0..3 {
        for fault in Fault::ALL {
            let case = run(*fault, variant);
            match fault.operation() {
                Operation::Reg => check_registration_fault(&case),
                Operation::Auth => check_authentication_fault(&case),
            }
        }
    }
}

#[test]
fn parse_errors_are_expected_at_the_step_the_malformation_table_names() {
    let mut rejected_by_parser = 0;
    for fault in Fault::ALL {
        let case = run(*fault, 0);
        let (kind, tlv_labels) = match fault.operation() {
            Operation::Reg => (AssertionKind::Reg, &["R5.2"][..]),
            Operation::Auth => (AssertionKind::Auth, &["A5.2", "A5.3"][..]),
        };
        // Ok(whether an unknown critical extension is present) or the parse error.
        let parsed = match kind {
            AssertionKind::Reg => RegAssertion::parse(&case.faulty)
                .map(|r| r.unknown_critical_extension(&[]).is_some()),
            AssertionKind::Auth => AuthAssertion::parse(&case.faulty)
                .map(|a| a.unknown_critical_extension(&[]).is_some()),
        };
        let tlv_step = tlv_labels.contains(&fault.expected_step());
        match parsed {
            Err(e) => {
                rejected_by_parser += 1;
                assert_eq!(fault.expected_step(), e.digest_step(kind), "{fault}: {e}");
                assert_eq!(fault.expected_status().value(), 1498, "{fault}");
            }
            Ok(true) => assert!(tlv_step, "{fault}"),
            Ok(false) => assert!(!tlv_step, "{fault} parses, so it is not a TLV-step fault"),
        }
    }
    assert!(rejected_by_parser > 40, "{rejected_by_parser}");
}

#[test]
fn faults_without_a_fitting_command_stay_armed() {
    // A transaction fault waits for a Sign command with transaction content.
    let profile = profile_for(Fault::TransactionShownModeOne, 0);
    let mut phone = phone(profile, 1);
    let reg = register(&mut phone, "alice");
    phone.arm(Fault::TransactionShownModeOne).unwrap();
    phone.arm(Fault::TransactionModeWithoutTransaction).unwrap();
    let plain = authenticate(&mut phone, &reg, None);
    assert_eq!(
        phone.last_applied(),
        [Fault::TransactionModeWithoutTransaction]
    );
    assert_eq!(phone.armed(), [Fault::TransactionShownModeOne]);
    assert_eq!(
        AuthAssertion::parse(&plain)
            .unwrap()
            .signed_data
            .assertion_info
            .authentication_mode,
        0x02
    );
    let confirmed = authenticate(&mut phone, &reg, Some(TRANSACTION));
    assert_eq!(phone.last_applied(), [Fault::TransactionShownModeOne]);
    assert!(phone.armed().is_empty());
    assert_eq!(
        AuthAssertion::parse(&confirmed)
            .unwrap()
            .signed_data
            .assertion_info
            .authentication_mode,
        0x01
    );

    // A counter fault waits for a key that has reported a counter.
    let mut phone = self::phone(profile_for(Fault::CounterFrozen, 0), 2);
    let reg = register(&mut phone, "bob");
    phone.arm(Fault::CounterFrozen).unwrap();
    let first = authenticate(&mut phone, &reg, None);
    assert!(phone.last_applied().is_empty());
    assert_eq!(
        AuthAssertion::parse(&first)
            .unwrap()
            .signed_data
            .sign_counter,
        1
    );
    let frozen = authenticate(&mut phone, &reg, None);
    assert_eq!(phone.last_applied(), [Fault::CounterFrozen]);
    assert_eq!(
        AuthAssertion::parse(&frozen)
            .unwrap()
            .signed_data
            .sign_counter,
        1
    );
    // The real counter did not move: the next valid signature reports 2.
    let next = authenticate(&mut phone, &reg, None);
    assert_eq!(
        AuthAssertion::parse(&next)
            .unwrap()
            .signed_data
            .sign_counter,
        2
    );

    // Registration faults never touch Sign, and the other way round.
    let mut phone = self::phone(profile_for(Fault::KrdMissing, 0), 3);
    phone.arm(Fault::AuthSignatureCorrupt).unwrap();
    phone.arm(Fault::KrdMissing).unwrap();
    let (assertion, _) = register_raw(&mut phone, "carol");
    assert_eq!(phone.last_applied(), [Fault::KrdMissing]);
    assert_eq!(phone.armed(), [Fault::AuthSignatureCorrupt]);
    assert!(RegAssertion::parse(&assertion).is_err());
    phone.disarm_all();
    assert!(phone.armed().is_empty());
}

#[test]
fn several_armed_faults_apply_together() {
    let mut phone = self::phone(profile_for(Fault::KrdDuplicateTag, 0), 4);
    phone.arm(Fault::RegFinalChallengeHashWrong).unwrap();
    phone.arm(Fault::RegTrailingBytes).unwrap();
    let (assertion, _) = register_raw(&mut phone, "alice");
    assert_eq!(
        phone.last_applied(),
        [Fault::RegFinalChallengeHashWrong, Fault::RegTrailingBytes]
    );
    let fm = members_of(&assertion, TAG_UAFV1_KRD).unwrap();
    assert_eq!(
        value(&fm, TAG_FINAL_CHALLENGE_HASH),
        flip_last_bit(&default_fch())
    );
    assert_eq!(assertion[assertion.len() - 4..], [0xFF; 4]);
}

#[test]
fn arming_checks_the_profile() {
    let full = Profile::builder(aaid("FFFF#FC01")).build().unwrap();
    let surrogate = Profile::builder(aaid("FFFF#FC0D"))
        .attestation(AttestationConfig::BasicSurrogate)
        .build()
        .unwrap();
    let no_counters = Profile::builder(aaid("FFFF#FC01"))
        .counters(uaf_authenticator::Counters::None)
        .build()
        .unwrap();
    let cases = [
        (
            &surrogate,
            Fault::AttestationCertificateUnchained,
            "it needs basic full attestation",
        ),
        (
            &surrogate,
            Fault::SurrogateForModelWithRoots,
            "it needs basic full attestation",
        ),
        (
            &full,
            Fault::SurrogateSignatureWrongKey,
            "it needs basic surrogate attestation",
        ),
        (
            &no_counters,
            Fault::CounterRollback,
            "it needs a profile with sign counters",
        ),
        (
            &full,
            Fault::TransactionHashMismatch,
            "it needs a profile with a transaction display",
        ),
    ];
    for (profile, fault, reason) in cases {
        let mut phone = phone(profile.clone(), 5);
        assert_eq!(
            phone.arm(fault),
            Err(Error::FaultNotApplicable { fault, reason })
        );
        assert!(phone.armed().is_empty());
        let message = phone.arm(fault).unwrap_err().to_string();
        assert!(
            message.contains(fault.id()) && message.contains(reason),
            "{message}"
        );
    }
    // Faults without profile requirements arm anywhere.
    for profile in [&full, &surrogate, &no_counters] {
        let mut phone = phone(profile.clone(), 6);
        phone.arm(Fault::TransactionHashWithoutTransaction).unwrap();
        phone.arm(Fault::AttestationSignatureCorrupt).unwrap();
    }
}

#[test]
fn a_user_who_refuses_produces_no_faulty_assertion() {
    let profile = profile_for(Fault::KrdMissing, 0);
    let user = ScriptedUser::with_pin(PIN).then(uaf_authenticator::UserAction::Cancel);
    let mut phone = phone_with(profile, 7, user);
    phone.arm(Fault::KrdMissing).unwrap();
    let response = phone.process(&register_cmd(
        "alice",
        AttestationType::BasicFull,
        &default_fch(),
    ));
    let r = uaf_proto::command::RegisterResponse::parse(&response).unwrap();
    assert_eq!(r.status, CmdStatus::UserCancelled);
    assert_eq!(phone.armed(), [Fault::KrdMissing]);
    assert!(phone.last_applied().is_empty());
}
