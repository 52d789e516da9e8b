//! Building registration and authentication assertions, with faults applied.
//!
//! A composite is built as a list of members, the faults edit the list (remove, empty,
//! duplicate, append), and only then is it encoded and signed. Without faults the bytes equal
//! what `uaf-proto`'s `KrdBuilder` / `SignedDataBuilder` and `encode_*_assertion` write (a test
//! checks it).

use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use uaf_crypto::{PublicKey, SigningKey};
use uaf_proto::assertion::{AuthAssertionInfo, RegAssertionInfo};
use uaf_proto::id::Aaid;
use uaf_proto::registry::{AlgKey, AlgSign, HashAlg};
use uaf_proto::tlv::{
    TAG_AAID, TAG_ASSERTION_INFO, TAG_ATTESTATION_BASIC_FULL, TAG_ATTESTATION_BASIC_SURROGATE,
    TAG_ATTESTATION_CERT, TAG_AUTHENTICATOR_NONCE, TAG_COUNTERS, TAG_EXTENSION, TAG_EXTENSION_DATA,
    TAG_EXTENSION_ID, TAG_FINAL_CHALLENGE_HASH, TAG_KEYID, TAG_PUB_KEY, TAG_SIGNATURE,
    TAG_TRANSACTION_CONTENT_HASH, TAG_UAFV1_AUTH_ASSERTION, TAG_UAFV1_KRD, TAG_UAFV1_REG_ASSERTION,
    TAG_UAFV1_SIGNED_DATA, TlvError, TlvWriter,
};

use crate::Error;
use crate::cert::{AttestationCredentials, TestCa};
use crate::fault::{Fault, KrdMember, SignedDataMember};
use crate::keys::KEY_ID_LEN;
use crate::profile::{other_encoding, sibling_alg};

/// The unknown critical tag the faults insert (critical bit set, not composite, not in the
/// registry).
pub(crate) const UNKNOWN_CRITICAL_TAG: u16 = 0x2EEE;
/// The id of the critical extension no server knows.
pub(crate) const UNKNOWN_EXTENSION_ID: &str = "uaf-authenticator.test.critical";
/// The bytes appended by the trailing-bytes faults.
pub(crate) const TRAILING_BYTES: [u8; 4] = [0xFF; 4];
/// The text whose hash the `TransactionHashWithoutTransaction` fault sends.
pub(crate) const NO_TRANSACTION_TEXT: &[u8] = b"no transaction";
/// Length of the authenticator nonce (digest §5.4: at least 8 random bytes).
pub(crate) const NONCE_LEN: usize = 16;

/// The members of one composite, in order.
#[derive(Default)]
struct Members(Vec<(u16, Vec<u8>)>);

impl Members {
    fn push(&mut self, tag: u16, value: Vec<u8>) {
        self.0.push((tag, value));
    }

    fn position(&self, tag: u16) -> Option<usize> {
        self.0.iter().position(|(t, _)| *t == tag)
    }

    fn remove(&mut self, tag: u16) {
        if let Some(i) = self.position(tag) {
            self.0.remove(i);
        }
    }

    fn empty(&mut self, tag: u16) {
        if let Some((_, v)) = self.0.iter_mut().find(|(t, _)| *t == tag) {
            v.clear();
        }
    }

    fn duplicate(&mut self, tag: u16) {
        if let Some(i) = self.position(tag) {
            if let Some(item) = self.0.get(i).cloned() {
                self.0.insert(i.saturating_add(1), item);
            }
        }
    }

    /// The members encoded one after the other (a composite's value).
    fn value(&self) -> Result<Vec<u8>, TlvError> {
        let mut w = TlvWriter::new();
        for (tag, value) in &self.0 {
            w.put(*tag, value)?;
        }
        Ok(w.into_bytes())
    }
}

/// `tag ‖ len ‖ value`.
fn tlv(tag: u16, value: &[u8]) -> Result<Vec<u8>, TlvError> {
    let mut w = TlvWriter::with_capacity(value.len().saturating_add(4));
    w.put(tag, value)?;
    Ok(w.into_bytes())
}

/// Flips the last bit of `bytes`.
fn flip_last_bit(bytes: &mut [u8]) {
    if let Some(b) = bytes.last_mut() {
        *b ^= 0x01;
    }
}

/// The same vendor with every hex digit of the model inverted (`FC01` → `03FE`): a model
/// that has no metadata next to the real one.
pub(crate) fn unknown_aaid(aaid: &Aaid) -> Aaid {
    let mut text = String::from(aaid.vendor());
    text.push('#');
    for c in aaid.model().chars() {
        let inverted = c
            .to_digit(16)
            .and_then(|d| char::from_digit(15_u32.saturating_sub(d), 16))
            .unwrap_or('0');
        text.push(inverted.to_ascii_uppercase());
    }
    Aaid::parse(&text).unwrap_or(*aaid)
}

/// The hash that goes with `alg` (the FCH and TC hash function).
pub(crate) fn hash_for(alg: AlgSign, data: &[u8]) -> Result<Vec<u8>, Error> {
    let h = alg.hash().unwrap_or(HashAlg::Sha256);
    Ok(Vec::from(uaf_crypto::hash(h, data)?.as_bytes()))
}

/// A public key that decodes under no key type: the encoded key with the last byte of its
/// Y coordinate changed until decoding fails (the first change already does for every key
/// seen; a truncated key is the fallback).
fn invalid_public_key(alg: AlgSign, enc: AlgKey, valid: &[u8]) -> Vec<u8> {
    for bit in 0..8_u8 {
        let mut candidate = Vec::from(valid);
        if let Some(b) = candidate.last_mut() {
            *b ^= 1 << bit;
        }
        if PublicKey::decode_for(alg, enc, &candidate).is_err() {
            return candidate;
        }
    }
    let mut truncated = Vec::from(valid);
    truncated.pop();
    truncated
}

/// An extension composite (`TAG_EXTENSION`, critical) with an id no server knows.
fn unknown_critical_extension() -> Result<Vec<u8>, TlvError> {
    let mut members = Members::default();
    members.push(TAG_EXTENSION_ID, Vec::from(UNKNOWN_EXTENSION_ID.as_bytes()));
    members.push(TAG_EXTENSION_DATA, alloc::vec![0x01]);
    members.value()
}

/// Appends the two "unknown critical" members the faults ask for.
fn add_unknown_members(
    members: &mut Members,
    tag_fault: bool,
    extension_fault: bool,
) -> Result<(), TlvError> {
    if tag_fault {
        members.push(UNKNOWN_CRITICAL_TAG, alloc::vec![0x00, 0x01, 0x02, 0x03]);
    }
    if extension_fault {
        members.push(TAG_EXTENSION, unknown_critical_extension()?);
    }
    Ok(())
}

/// Wraps `members` under `tag` (or not, when `unwrapped`), then appends trailing bytes.
fn top_level(
    members: &Members,
    tag: u16,
    unwrapped: bool,
    trailing: bool,
) -> Result<Vec<u8>, TlvError> {
    let value = members.value()?;
    let mut out = if unwrapped { value } else { tlv(tag, &value)? };
    if trailing {
        out.extend_from_slice(&TRAILING_BYTES);
    }
    Ok(out)
}

/// Signs `message` with `key` for `alg`, then applies the corrupt / empty faults.
fn signature<R: CryptoRng + ?Sized>(
    key: &SigningKey,
    alg: AlgSign,
    message: &[u8],
    corrupt: bool,
    empty: bool,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    let mut sig = Vec::from(key.sign(alg, message, rng)?.as_bytes());
    if corrupt {
        if let Some(b) = sig.last_mut() {
            *b ^= 0xFF;
        }
    }
    if empty {
        sig.clear();
    }
    Ok(sig)
}

/// The attestation the authenticator has.
pub(crate) enum AttestationKind<'a> {
    /// Basic full with these credentials.
    BasicFull(&'a AttestationCredentials),
    /// Basic surrogate.
    BasicSurrogate,
}

/// What goes into one registration assertion.
pub(crate) struct RegInput<'a> {
    pub(crate) aaid: Aaid,
    pub(crate) authenticator_version: u16,
    pub(crate) sign_alg: AlgSign,
    pub(crate) key_encoding: AlgKey,
    pub(crate) final_challenge_hash: &'a [u8],
    pub(crate) key_id: &'a [u8],
    pub(crate) sign_counter: u32,
    pub(crate) reg_counter: u32,
    pub(crate) uauth: &'a SigningKey,
    pub(crate) attestation: AttestationKind<'a>,
}

/// The `TAG_UAFV1_REG_ASSERTION` of `input` with `faults` applied.
pub(crate) fn reg_assertion<R: CryptoRng + ?Sized>(
    input: &RegInput<'_>,
    faults: &[Fault],
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    let has = |f: Fault| faults.contains(&f);
    let alg = if has(Fault::RegSignAlgNotInMetadata) {
        sibling_alg(input.sign_alg)
    } else {
        input.sign_alg
    };
    let encoding = if has(Fault::RegPublicKeyEncodingNotInMetadata) {
        other_encoding(input.key_encoding)
    } else {
        input.key_encoding
    };

    // --- KRD members (digest §5.3), faults applied before signing ---
    let aaid = if has(Fault::RegAaidUnknown) {
        unknown_aaid(&input.aaid)
    } else {
        input.aaid
    };
    let mode = if has(Fault::RegUserVerificationSkipped) {
        0x00
    } else if has(Fault::RegAuthenticationModeWrong) {
        0x02
    } else {
        0x01
    };
    let mut info = Vec::from(
        RegAssertionInfo {
            authenticator_version: input.authenticator_version,
            authentication_mode: mode,
            sign_alg: alg,
            pub_key_alg: encoding,
        }
        .to_bytes(),
    );
    if has(Fault::KrdAssertionInfoLength) {
        info.push(0x00);
    }
    let mut fch = Vec::from(input.final_challenge_hash);
    if has(Fault::RegFinalChallengeHashWrong) {
        flip_last_bit(&mut fch);
    }
    if has(Fault::RegFinalChallengeHashSha1Length) {
        fch.truncate(20);
    }
    let key_id = if has(Fault::RegKeyIdTooShort) {
        let mut short = alloc::vec![0_u8; KEY_ID_LEN - 1];
        rng.fill_bytes(&mut short);
        short
    } else {
        Vec::from(input.key_id)
    };
    let mut counters = Vec::with_capacity(8);
    counters.extend_from_slice(&input.sign_counter.to_le_bytes());
    if !has(Fault::KrdCountersLength) {
        counters.extend_from_slice(&input.reg_counter.to_le_bytes());
    }
    let mut pub_key = input.uauth.public_key().encode(encoding)?;
    if has(Fault::RegPublicKeyInvalid) {
        pub_key = invalid_public_key(alg, encoding, &pub_key);
    }

    let mut krd = Members::default();
    krd.push(TAG_AAID, Vec::from(&aaid.as_bytes()[..]));
    krd.push(TAG_ASSERTION_INFO, info);
    krd.push(TAG_FINAL_CHALLENGE_HASH, fch);
    krd.push(TAG_KEYID, key_id);
    krd.push(TAG_COUNTERS, counters);
    krd.push(TAG_PUB_KEY, pub_key);
    for m in KrdMember::ALL {
        if has(Fault::KrdMemberMissing(*m)) {
            krd.remove(m.tag());
        }
        if has(Fault::KrdMemberEmpty(*m)) {
            krd.empty(m.tag());
        }
    }
    if has(Fault::KrdDuplicateTag) {
        krd.duplicate(TAG_AAID);
    }
    add_unknown_members(
        &mut krd,
        has(Fault::KrdUnknownCriticalTag),
        has(Fault::KrdUnknownCriticalExtension),
    )?;
    let krd_value = krd.value()?;
    let krd_tlv = tlv(TAG_UAFV1_KRD, &krd_value)?;

    // --- Attestation (digest §3.2 R5.11): signed over the whole KRD TLV ---
    let corrupt = has(Fault::AttestationSignatureCorrupt);
    let empty = has(Fault::AttestationSignatureEmpty);
    let mut block = Members::default();
    let block_tag = match input.attestation {
        AttestationKind::BasicFull(creds) if !has(Fault::SurrogateForModelWithRoots) => {
            let (signer, mut chain) = if has(Fault::AttestationCertificateUnchained) {
                // Same CA name as the test CA, another key: the chain does not verify.
                let impostor = TestCa::generate(rng)?;
                let key = SigningKey::generate(creds.key_type(), rng)?;
                let leaf = impostor.certify(&input.aaid, &key.public_key(), rng)?;
                (key, alloc::vec![leaf])
            } else if has(Fault::AttestationSignatureWrongKey) {
                (
                    SigningKey::generate(creds.key_type(), rng)?,
                    Vec::from(creds.chain()),
                )
            } else {
                (creds.signing_key()?, Vec::from(creds.chain()))
            };
            let sig = signature(&signer, alg, &krd_tlv, corrupt, empty, rng)?;
            if has(Fault::AttestationCertificateCorrupt) {
                if let Some(leaf) = chain.first_mut() {
                    leaf.pop();
                }
            }
            if has(Fault::AttestationCertificateMissing) {
                chain.clear();
            }
            block.push(TAG_SIGNATURE, sig);
            for cert in chain {
                block.push(TAG_ATTESTATION_CERT, cert);
            }
            TAG_ATTESTATION_BASIC_FULL
        }
        _ => {
            let fresh;
            let signer = if has(Fault::SurrogateSignatureWrongKey) {
                fresh = SigningKey::generate(input.uauth.key_type(), rng)?;
                &fresh
            } else {
                input.uauth
            };
            let sig = signature(signer, alg, &krd_tlv, corrupt, empty, rng)?;
            block.push(TAG_SIGNATURE, sig);
            TAG_ATTESTATION_BASIC_SURROGATE
        }
    };

    // --- The assertion ---
    let mut top = Members::default();
    top.push(TAG_UAFV1_KRD, krd_value);
    top.push(block_tag, block.value()?);
    if has(Fault::KrdMissing) {
        top.remove(TAG_UAFV1_KRD);
    }
    if has(Fault::AttestationMissing) {
        top.remove(block_tag);
    }
    let tag = if has(Fault::RegAssertionTagWrong) {
        TAG_UAFV1_AUTH_ASSERTION
    } else {
        TAG_UAFV1_REG_ASSERTION
    };
    Ok(top_level(
        &top,
        tag,
        has(Fault::RegAssertionUnwrapped),
        has(Fault::RegTrailingBytes),
    )?)
}

/// What goes into one authentication assertion.
pub(crate) struct AuthInput<'a> {
    pub(crate) aaid: Aaid,
    pub(crate) authenticator_version: u16,
    pub(crate) sign_alg: AlgSign,
    pub(crate) final_challenge_hash: &'a [u8],
    /// The transaction content shown and confirmed, if any.
    pub(crate) transaction: Option<&'a [u8]>,
    pub(crate) key_id: &'a [u8],
    pub(crate) sign_counter: u32,
    pub(crate) uauth: &'a SigningKey,
}

/// The `TAG_UAFV1_AUTH_ASSERTION` of `input` with `faults` applied.
pub(crate) fn auth_assertion<R: CryptoRng + ?Sized>(
    input: &AuthInput<'_>,
    faults: &[Fault],
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    let has = |f: Fault| faults.contains(&f);
    let alg = if has(Fault::AuthSignAlgMismatch) {
        sibling_alg(input.sign_alg)
    } else {
        input.sign_alg
    };

    // --- SignedData members (digest §5.4), faults applied before signing ---
    let aaid = if has(Fault::AuthAaidUnknown) {
        unknown_aaid(&input.aaid)
    } else {
        input.aaid
    };
    let mut mode = if input.transaction.is_some() {
        0x02
    } else {
        0x01
    };
    if has(Fault::TransactionShownModeOne) {
        mode = 0x01;
    }
    if has(Fault::TransactionModeWithoutTransaction) {
        mode = 0x02;
    }
    if has(Fault::AuthAuthenticationModeWrong) {
        mode = 0x03;
    }
    if has(Fault::AuthUserVerificationSkipped) {
        mode = 0x00;
    }
    let mut info = Vec::from(
        AuthAssertionInfo {
            authenticator_version: input.authenticator_version,
            authentication_mode: mode,
            sign_alg: alg,
        }
        .to_bytes(),
    );
    if has(Fault::AuthAssertionInfoLength) {
        info.push(0x00);
    }
    let mut nonce = alloc::vec![
        0_u8;
        if has(Fault::AuthenticatorNonceShort) {
            7
        } else {
            NONCE_LEN
        }
    ];
    rng.fill_bytes(&mut nonce);
    let mut fch = Vec::from(input.final_challenge_hash);
    if has(Fault::AuthFinalChallengeHashWrong) {
        flip_last_bit(&mut fch);
    }
    if has(Fault::AuthFinalChallengeHashSha1Length) {
        fch.truncate(20);
    }
    // TCHash = H(content) with the hash of the algorithm (digest §5.4); empty without one.
    let mut tc_hash = match input.transaction {
        Some(content) => hash_for(input.sign_alg, content)?,
        None if has(Fault::TransactionHashWithoutTransaction) => {
            hash_for(input.sign_alg, NO_TRANSACTION_TEXT)?
        }
        None => Vec::new(),
    };
    if has(Fault::TransactionHashMismatch) {
        flip_last_bit(&mut tc_hash);
    }
    let key_id = if has(Fault::AuthKeyIdUnknown) {
        let mut random = alloc::vec![0_u8; KEY_ID_LEN];
        rng.fill_bytes(&mut random);
        random
    } else if has(Fault::AuthKeyIdTruncated) {
        let mut truncated = Vec::from(input.key_id);
        truncated.pop();
        truncated
    } else {
        Vec::from(input.key_id)
    };
    let mut counters = Vec::from(input.sign_counter.to_le_bytes());
    if has(Fault::AuthCountersLength) {
        counters.extend_from_slice(&[0; 4]);
    }

    let mut sd = Members::default();
    sd.push(TAG_AAID, Vec::from(&aaid.as_bytes()[..]));
    sd.push(TAG_ASSERTION_INFO, info);
    sd.push(TAG_AUTHENTICATOR_NONCE, nonce);
    sd.push(TAG_FINAL_CHALLENGE_HASH, fch);
    sd.push(TAG_TRANSACTION_CONTENT_HASH, tc_hash);
    sd.push(TAG_KEYID, key_id);
    sd.push(TAG_COUNTERS, counters);
    for m in SignedDataMember::ALL {
        if has(Fault::SignedDataMemberMissing(*m)) {
            sd.remove(m.tag());
        }
        if has(Fault::SignedDataMemberEmpty(*m)) {
            sd.empty(m.tag());
        }
    }
    if has(Fault::SignedDataDuplicateTag) {
        sd.duplicate(TAG_AAID);
    }
    add_unknown_members(
        &mut sd,
        has(Fault::SignedDataUnknownCriticalTag),
        has(Fault::SignedDataUnknownCriticalExtension),
    )?;
    let sd_value = sd.value()?;
    let sd_tlv = tlv(TAG_UAFV1_SIGNED_DATA, &sd_value)?;

    // --- Signature over the whole SignedData TLV (digest §5.5) ---
    let fresh;
    let signer = if has(Fault::AuthSignatureWrongKey) {
        fresh = SigningKey::generate(input.uauth.key_type(), rng)?;
        &fresh
    } else {
        input.uauth
    };
    let sig = signature(
        signer,
        alg,
        &sd_tlv,
        has(Fault::AuthSignatureCorrupt),
        has(Fault::SignatureEmpty),
        rng,
    )?;

    let mut top = Members::default();
    top.push(TAG_UAFV1_SIGNED_DATA, sd_value);
    top.push(TAG_SIGNATURE, sig);
    if has(Fault::SignedDataMissing) {
        top.remove(TAG_UAFV1_SIGNED_DATA);
    }
    if has(Fault::SignatureMissing) {
        top.remove(TAG_SIGNATURE);
    }
    let tag = if has(Fault::AuthAssertionTagWrong) {
        TAG_UAFV1_REG_ASSERTION
    } else {
        TAG_UAFV1_AUTH_ASSERTION
    };
    Ok(top_level(
        &top,
        tag,
        has(Fault::AuthAssertionUnwrapped),
        has(Fault::AuthTrailingBytes),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_aaid_inverts_the_model() {
        let a = Aaid::parse("FFFF#FC01").unwrap();
        assert_eq!(unknown_aaid(&a).as_str(), "FFFF#03FE");
        let b = Aaid::parse("abcd#0f9e").unwrap();
        assert_eq!(unknown_aaid(&b).as_str(), "abcd#F061");
    }

    #[test]
    fn member_edits() {
        let mut m = Members::default();
        m.push(1, alloc::vec![1]);
        m.push(2, alloc::vec![2, 2]);
        m.duplicate(1);
        m.empty(2);
        assert_eq!(
            m.value().unwrap(),
            [1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 2, 0, 0, 0]
        );
        m.remove(1);
        m.remove(9);
        assert_eq!(m.value().unwrap(), [1, 0, 1, 0, 1, 2, 0, 0, 0]);
    }
}
