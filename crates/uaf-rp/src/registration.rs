//! Registration response processing (digest §3.2, UAF protocol 1.1 §3.4.6.5).

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use uaf_crypto::attestation::{PublicKeyKind, verify_attestation_chain};
use uaf_crypto::{PublicKey, SignatureVerifier};
use uaf_metadata::{MetadataEntry, MetadataSource};
use uaf_proto::assertion::{AssertionKind, Attestation, ParseOptions, RegAssertion};
use uaf_proto::id::KeyId;
use uaf_proto::message::{
    AuthenticatorRegistrationAssertion, MessageError, MessageErrorKind, Policy,
    RegistrationResponse,
};
use uaf_proto::registry::{ASSERTION_SCHEME_UAFV1TLV, AlgKey, AlgSign, UserVerify};

use crate::binding::{self, REG_STEPS, ct_eq};
use crate::error::{Error, ErrorKind};
use crate::events::SecurityEvent;
use crate::pending::PendingRegistration;
use crate::policy::{self, Candidate, PolicyDecision};
use crate::step::StepId;
use crate::store::Registration;
use crate::{RegistrationLookup, RelyingParty};

/// The result of a successful registration: the keys to store, and what was learnt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationOutcome {
    /// The verified keys, in response order. Store them with insert-unique, atomically.
    pub registered: Vec<RegisteredKey>,
    /// Assertions that were skipped, with why (the operation succeeds when at least one
    /// assertion verified; digest §3.0).
    pub skipped: Vec<Error>,
    /// The request policy's decision over the verified assertions: which `accepted[i]` they
    /// satisfy and which criterion each assertion matched (digest §2.12).
    pub policy: PolicyDecision,
}

impl RegistrationOutcome {
    /// The records to store.
    pub fn registrations(&self) -> impl Iterator<Item = &Registration> {
        self.registered.iter().map(|k| &k.registration)
    }
}

/// One verified registration assertion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredKey {
    /// The record to store.
    pub registration: Registration,
    /// The user verification methods the metadata lists for the model.
    pub user_verification: UserVerify,
    /// `RegCounter` (registrations the authenticator made so far; very large values are a
    /// risk signal).
    pub reg_counter: u32,
    /// The authenticator's firmware is older than the version the metadata describes
    /// (digest §3.2 R5.6: a risk signal, not a rejection).
    pub older_than_metadata: bool,
    /// The attestation chain was accepted on the legacy path (v1 / SHA-1 certificates).
    pub legacy_attestation: bool,
}

/// Per-assertion inputs that do not come from the assertion itself.
pub(crate) struct RegContext<'a> {
    pub(crate) username: &'a str,
    /// The exact received `fcParams` (None: the standalone API skips R5.7).
    pub(crate) fc_params: Option<&'a str>,
    /// The request policy (None: only the RP's own requirements apply).
    pub(crate) policy: Option<&'a Policy>,
    pub(crate) now: u64,
}

/// The verification key of a basic full attestation: the leaf's public key in the encoding
/// uaf-crypto decodes.
fn attestation_key(kind: PublicKeyKind, spki: &[u8]) -> Result<PublicKey, ErrorKind> {
    let encoding = match kind {
        PublicKeyKind::Rsa => AlgKey::Rsa2048Der,
        _ => AlgKey::EccX962Der,
    };
    PublicKey::decode(encoding, spki).map_err(ErrorKind::AttestationSignature)
}

impl<M: MetadataSource, V: SignatureVerifier> RelyingParty<M, V> {
    /// Verifies a registration response (digest §3.2) against the request it answers.
    ///
    /// `response` is the response text exactly as received; `existing` answers whether an
    /// (AAID, KeyID) is registered already; `now` is the time of verification (unix
    /// seconds). The pending state is consumed: the challenge cannot be used again.
    ///
    /// Message-level failures reject the response; a failing assertion is skipped; the
    /// operation succeeds if at least one assertion verified.
    ///
    /// # Errors
    /// The first failing step; [`Error::status`] gives the UAF status code.
    pub fn finish_registration<L: RegistrationLookup + ?Sized>(
        &self,
        response: &str,
        pending: PendingRegistration,
        existing: &L,
        now: u64,
    ) -> Result<RegistrationOutcome, Error> {
        let msg = self.parse_registration_response(response)?;
        self.verify_registration(&msg, &pending, existing, now)
    }

    /// Verifies a registration response already decoded by
    /// [`RelyingParty::parse_registration_response`] or [`RelyingParty::parse_response`]:
    /// [`RelyingParty::finish_registration`] without the parse, for callers that parse once
    /// to route the response or find its pending state. Same checks, same errors.
    ///
    /// # Errors
    /// The first failing step from REG-03 on.
    pub fn finish_registration_message<L: RegistrationLookup + ?Sized>(
        &self,
        msg: &RegistrationResponse,
        pending: PendingRegistration,
        existing: &L,
        now: u64,
    ) -> Result<RegistrationOutcome, Error> {
        self.verify_registration(msg, &pending, existing, now)
    }

    /// The verification proper, borrowing the pending state (the stateful layer verifies
    /// against a state it has only peeked at, and takes it afterwards).
    pub(crate) fn verify_registration<L: RegistrationLookup + ?Sized>(
        &self,
        msg: &RegistrationResponse,
        pending: &PendingRegistration,
        existing: &L,
        now: u64,
    ) -> Result<RegistrationOutcome, Error> {
        let request = &pending.request;
        // (REG-03 … REG-12): header, serverData, fcParams.
        binding::check_message(
            &self.config,
            &REG_STEPS,
            &msg.header,
            &request.header,
            &request.challenge,
            pending.issued_at,
            &msg.fc_params,
            now,
        )?;
        let ctx = RegContext {
            username: &request.username,
            fc_params: Some(&msg.fc_params),
            policy: Some(&request.policy),
            now,
        };
        let mut registered: Vec<RegisteredKey> = Vec::new();
        let mut verified_at = Vec::new();
        let mut skipped = Vec::new();
        for (i, a) in msg.assertions.iter().enumerate() {
            match self.verify_reg_json_assertion(a, &ctx, existing, &registered) {
                Ok(key) => {
                    registered.push(key);
                    verified_at.push(i);
                }
                Err(e) => skipped.push(e.at_assertion(i)),
            }
        }
        // (REG-24): at least one assertion verified.
        if registered.is_empty() {
            return Err(none_verified(
                StepId::RegResult,
                StepId::RegMembers,
                skipped,
            ));
        }
        // (REG-24, digest §2.12): together the verified authenticators satisfy an AND-set of
        // the request policy, each of its criteria matched by a different one.
        let candidates: Vec<_> = verified_at
            .iter()
            .zip(&registered)
            .filter_map(|(i, k)| {
                let r = &k.registration;
                let entry = self.metadata.lookup(&r.aaid)?;
                let candidate = Candidate {
                    aaid: r.aaid,
                    key_id: r.key_id.as_bytes(),
                    statement: entry.statement(),
                    sign_alg: r.sign_alg,
                    attestation_type: Some(r.attestation_type),
                    authenticator_version: r.authenticator_version,
                };
                Some((*i, candidate.capabilities()))
            })
            .collect();
        let decision = policy::require(&request.policy, &candidates, StepId::RegResult)?;
        Ok(RegistrationOutcome {
            registered,
            skipped,
            policy: decision,
        })
    }

    /// Verifies one registration assertion on its own (the TLV bytes of `assertion`, already
    /// base64url-decoded), against metadata and the existing registrations: every
    /// per-assertion step of digest §3.2 R5 except the final challenge hash (R5.7), and the
    /// RP's own user-verification and attestation requirements instead of a request policy.
    ///
    /// **For conformance runs on material published without its `fcParams`** (such as the
    /// UAF specification's example assertions). A registration accepted this way is not bound
    /// to any challenge: never use it to register a user.
    ///
    /// # Errors
    /// The first failing step.
    pub fn verify_registration_assertion_unbound<L: RegistrationLookup + ?Sized>(
        &self,
        assertion: &[u8],
        username: &str,
        existing: &L,
        now: u64,
    ) -> Result<RegisteredKey, Error> {
        let ctx = RegContext {
            username,
            fc_params: None,
            policy: None,
            now,
        };
        self.verify_reg_tlv(assertion, &ctx, existing, &[])
    }

    fn verify_reg_json_assertion<L: RegistrationLookup + ?Sized>(
        &self,
        a: &AuthenticatorRegistrationAssertion,
        ctx: &RegContext<'_>,
        existing: &L,
        earlier: &[RegisteredKey],
    ) -> Result<RegisteredKey, Error> {
        // UAF-PROTO 3.4.6.5 (REG-13): the assertion scheme is UAFV1TLV.
        if a.assertion_scheme != ASSERTION_SCHEME_UAFV1TLV {
            return Err(Error::new(
                StepId::RegAssertionScheme,
                ErrorKind::UnsupportedAssertionScheme {
                    scheme: a.assertion_scheme.clone(),
                },
            ));
        }
        // (REG-14): unsigned JSON extensions marked fail_if_unknown.
        if let Some(ext) = binding::unknown_critical_extension(&self.config, &a.exts) {
            return Err(Error::new(
                StepId::RegTlv,
                ErrorKind::UnknownCriticalExtension { id: ext.id.clone() },
            ));
        }
        // (REG-14): base64url under the RP's policy.
        let bytes = self
            .config
            .base64()
            .decode(&a.assertion)
            .map_err(|e| Error::new(StepId::RegTlv, ErrorKind::AssertionBase64(e)))?;
        self.verify_reg_tlv(&bytes, ctx, existing, earlier)
    }

    #[allow(clippy::too_many_lines)]
    fn verify_reg_tlv<L: RegistrationLookup + ?Sized>(
        &self,
        bytes: &[u8],
        ctx: &RegContext<'_>,
        existing: &L,
        earlier: &[RegisteredKey],
    ) -> Result<RegisteredKey, Error> {
        let cfg = &self.config;
        // UAF-PROTO 3.4.6.5 (REG-14): one well-formed TAG_UAFV1_REG_ASSERTION, no trailing
        // bytes, each KRD member once, unknown critical tags rejected (unless the
        // `unknown-critical-tags` relaxation is on).
        let opts =
            ParseOptions::new().with_unknown_critical_tags(cfg.compat().unknown_critical_tags);
        let assertion = RegAssertion::parse_with(bytes, opts)
            .map_err(|e| Error::malformed(AssertionKind::Reg, e))?;
        let known: Vec<&str> = cfg.known_extensions().iter().map(String::as_str).collect();
        if let Some(ext) = assertion.unknown_critical_extension(&known) {
            return Err(Error::new(
                StepId::RegTlv,
                ErrorKind::UnknownCriticalExtension {
                    id: ext.id.to_string(),
                },
            ));
        }
        let krd = &assertion.krd;
        let info = krd.assertion_info;
        let aaid = krd.aaid;
        // (REG-15): the AAID has metadata.
        let entry: &MetadataEntry = self
            .metadata
            .lookup(&aaid)
            .ok_or_else(|| Error::new(StepId::RegMetadata, ErrorKind::UnknownAaid))?;
        let statement = entry.statement();
        // (REG-15, with R5.1): the metadata describes an authenticator of this assertion
        // scheme (known only now that the AAID is).
        if !statement.supports_assertion_scheme(ASSERTION_SCHEME_UAFV1TLV) {
            return Err(Error::new(
                StepId::RegMetadata,
                ErrorKind::UnsupportedAssertionScheme {
                    scheme: String::from(statement.assertion_scheme().unwrap_or_default()),
                },
            ));
        }
        let attestation_type = assertion.attestation.attestation_type();
        // (REG-16): request policy (accepted, not disallowed) and the RP's requirements.
        let candidate = Candidate {
            aaid,
            key_id: krd.key_id,
            statement,
            sign_alg: info.sign_alg,
            attestation_type: Some(attestation_type),
            authenticator_version: info.authenticator_version,
        };
        policy::check(cfg, ctx.policy, &candidate)
            .map_err(|r| Error::new(StepId::RegPolicy, ErrorKind::Policy(r)))?;
        // (REG-17): no revoking or compromise status report.
        if let Err(u) =
            uaf_metadata::acceptability(entry, Some(u32::from(info.authenticator_version)))
        {
            self.emit(&SecurityEvent::RevokedAuthenticator {
                aaid,
                reason: u.to_string(),
            });
            return Err(Error::new(StepId::RegStatus, ErrorKind::Revoked(u)));
        }
        // (REG-18): mode 0x01, algorithm accepted and listed, key encoding listed.
        if info.authentication_mode != 0x01 {
            return Err(Error::new(
                StepId::RegAssertionInfo,
                ErrorKind::WrongAuthenticationMode {
                    mode: info.authentication_mode,
                },
            ));
        }
        if !cfg.accepts_algorithm(info.sign_alg) {
            return Err(Error::new(
                StepId::RegAssertionInfo,
                ErrorKind::AlgorithmNotAccepted { alg: info.sign_alg },
            ));
        }
        if !statement.supports_sign_alg(info.sign_alg) {
            return Err(Error::new(
                StepId::RegAssertionInfo,
                ErrorKind::AlgorithmNotInMetadata { alg: info.sign_alg },
            ));
        }
        if !statement.supports_key_encoding(info.pub_key_alg) {
            return Err(Error::new(
                StepId::RegAssertionInfo,
                ErrorKind::KeyEncodingNotInMetadata {
                    encoding: info.pub_key_alg,
                },
            ));
        }
        // (REG-19): FCH == H(fcParams as received), H per the signature algorithm.
        if let Some(fc_params) = ctx.fc_params {
            check_fch(info.sign_alg, fc_params, krd.final_challenge_hash)
                .map_err(|k| Error::new(StepId::RegFinalChallengeHash, k))?;
        }
        // (REG-20): KeyID 32..=2048 bytes, (AAID, KeyID) not registered yet.
        let key_id = KeyId::new(krd.key_id.to_vec()).map_err(|_| {
            Error::new(
                StepId::RegKeyId,
                ErrorKind::KeyIdLength {
                    len: krd.key_id.len(),
                },
            )
        })?;
        let taken_earlier = earlier
            .iter()
            .any(|k| k.registration.aaid == aaid && k.registration.key_id == key_id);
        let stored = existing
            .find(&aaid, krd.key_id)
            .map_err(|e| Error::new(StepId::RegKeyId, ErrorKind::Storage(e)))?;
        if taken_earlier || stored.is_some() {
            return Err(Error::new(StepId::RegKeyId, ErrorKind::AlreadyRegistered));
        }
        // (REG-21): counters are 8 bytes (enforced by the parser); SignCounter is stored.
        // (REG-22): the public key decodes under its encoding and fits the algorithm.
        let public_key = PublicKey::decode_for(info.sign_alg, info.pub_key_alg, krd.pub_key)
            .map_err(|e| Error::new(StepId::RegPublicKey, ErrorKind::UnacceptableKey(e)))?;
        // (REG-23): attestation.
        let legacy = self
            .verify_attestation(&assertion, entry, &public_key, ctx.now)
            .map_err(|k| {
                self.emit(&SecurityEvent::AttestationFailed {
                    aaid,
                    reason: k.to_string(),
                });
                Error::new(StepId::RegAttestation, k)
            })?;
        let older_than_metadata =
            u32::from(info.authenticator_version) < statement.authenticator_version();
        Ok(RegisteredKey {
            registration: Registration {
                username: String::from(ctx.username),
                aaid,
                key_id,
                public_key: krd.pub_key.to_vec(),
                public_key_encoding: info.pub_key_alg,
                sign_alg: info.sign_alg,
                sign_counter: krd.sign_counter,
                authenticator_version: info.authenticator_version,
                attestation_type,
                registered_at: ctx.now,
            },
            user_verification: statement.user_verification_methods(),
            reg_counter: krd.reg_counter,
            older_than_metadata,
            legacy_attestation: legacy,
        })
    }

    /// R5.11; returns whether the legacy certificate path was used.
    fn verify_attestation(
        &self,
        assertion: &RegAssertion<'_>,
        entry: &MetadataEntry,
        uauth: &PublicKey,
        now: u64,
    ) -> Result<bool, ErrorKind> {
        let statement = entry.statement();
        let krd = &assertion.krd;
        let alg = krd.assertion_info.sign_alg;
        let found = assertion.attestation.attestation_type();
        // R5.11: the attestation type must be one the metadata lists.
        if !statement.supports_attestation(found) {
            return Err(ErrorKind::AttestationTypeNotAllowed { found });
        }
        let roots: Vec<&[u8]> = statement
            .attestation_root_certificates()
            .iter()
            .map(Vec::as_slice)
            .collect();
        match &assertion.attestation {
            Attestation::BasicFull {
                signature,
                certificates,
            } => {
                // R5.11 basic full 1–4: chain to a metadata root, AAID extension.
                let chain: Vec<&[u8]> = certificates.iter().collect();
                let verified = verify_attestation_chain(
                    &chain,
                    &roots,
                    Some(&krd.aaid),
                    now,
                    &self.config.chain_options(),
                )
                .map_err(ErrorKind::AttestationChain)?;
                // R5.11 basic full 5: the signature over the received KRD TLV.
                let key = attestation_key(verified.leaf_key_kind(), verified.leaf_spki_der())?;
                self.verifier
                    .verify(alg, &key, krd.raw, signature)
                    .map_err(ErrorKind::AttestationSignature)?;
                Ok(verified.used_legacy_path())
            }
            Attestation::BasicSurrogate { signature } => {
                // R5.11 surrogate 1: a model with attestation roots cannot fall back.
                if !roots.is_empty() {
                    return Err(ErrorKind::SurrogateWithRoots);
                }
                // R5.11 surrogate 3: self-signed with the new key over the received KRD TLV.
                self.verifier
                    .verify(alg, uauth, krd.raw, signature)
                    .map_err(ErrorKind::AttestationSignature)?;
                Ok(false)
            }
            Attestation::Ecdaa { .. } => Err(ErrorKind::EcdaaUnsupported),
            #[allow(unreachable_patterns)]
            _ => Err(ErrorKind::AttestationTypeNotAllowed { found }),
        }
    }
}

/// R6 / A6: every assertion was skipped. The decoder guarantees at least one assertion, so
/// `skipped` is never empty; if it were, the error says the list was empty.
pub(crate) fn none_verified(result: StepId, members: StepId, skipped: Vec<Error>) -> Error {
    let count = skipped.len();
    match skipped.into_iter().next() {
        Some(first) => Error::new(
            result,
            ErrorKind::NoAssertionVerified {
                first: Box::new(first),
                count,
            },
        ),
        None => Error::new(
            members,
            ErrorKind::Message(MessageError::new(
                String::from("[0].assertions"),
                MessageErrorKind::Empty,
            )),
        ),
    }
}

/// R5.7 / A5.8: `fch` equals `H(fc_params)`, `H` the hash of `alg`.
pub(crate) fn check_fch(alg: AlgSign, fc_params: &str, fch: &[u8]) -> Result<(), ErrorKind> {
    let hash_alg = alg.hash().ok_or(ErrorKind::AlgorithmNotAccepted { alg })?;
    let digest = uaf_crypto::hash(hash_alg, fc_params.as_bytes())
        .map_err(|_| ErrorKind::AlgorithmNotAccepted { alg })?;
    if ct_eq(digest.as_bytes(), fch) {
        Ok(())
    } else {
        Err(ErrorKind::FinalChallengeHashMismatch)
    }
}
