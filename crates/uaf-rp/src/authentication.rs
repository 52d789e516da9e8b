//! Authentication response processing (digest §3.3, UAF protocol 1.1 §3.5.7.5), including
//! transaction confirmation.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::RefCell;

#[cfg(not(feature = "std"))]
use uaf_crypto::PublicKey;
use uaf_crypto::SignatureVerifier;
use uaf_metadata::{MetadataEntry, MetadataSource};
use uaf_proto::assertion::{AssertionKind, AuthAssertion, ParseOptions};
use uaf_proto::message::{AuthenticationResponse, AuthenticatorSignAssertion, Transaction};
use uaf_proto::registry::{ASSERTION_SCHEME_UAFV1TLV, AlgSign, UserVerify};

use crate::binding::{self, AUTH_STEPS, ct_eq};
use crate::config::UserVerificationRequirement;
use crate::counter::{CounterUpdate, CounterVerdict};
use crate::error::{Error, ErrorKind, TransactionProblem};
use crate::events::SecurityEvent;
use crate::pending::{AuthenticationRequirements, PendingAuthentication};
use crate::policy::{self, AuthenticatorRejection, Candidate, PolicyDecision, verifies_user};
use crate::registration::{check_fch, none_verified};
use crate::step::StepId;
use crate::store::Registration;
use crate::{RegistrationLookup, RelyingParty};

/// One verified authentication assertion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticatedKey {
    /// The registration used (as stored before this sign-in).
    pub registration: Registration,
    /// The user verification methods the metadata lists for the model: how the user unlocked
    /// the key (digest §3.3; UAF assertions do not name the method used).
    pub user_verification: UserVerify,
    /// Index of the transaction variant confirmed (mode 0x02), if the request carried one.
    pub transaction_confirmed: Option<usize>,
    /// The counter verdict.
    pub counter: CounterVerdict,
    /// The compare-and-swap counter update to persist, if the counter advanced.
    pub counter_update: Option<CounterUpdate>,
    /// The algorithm used, which may differ from the registered one only in encoding when the
    /// `signature-encoding-switch` relaxation is on.
    pub sign_alg: AlgSign,
    /// `AuthenticatorVersion` of the assertion.
    pub authenticator_version: u16,
}

/// The result of a successful authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticationOutcome {
    /// The verified keys, in response order (normally one).
    pub keys: Vec<AuthenticatedKey>,
    /// Assertions that were skipped, with why.
    pub skipped: Vec<Error>,
    /// The request policy's decision over the verified assertions: which `accepted[i]` they
    /// satisfy and which criterion each assertion matched (digest §2.12).
    pub policy: PolicyDecision,
}

impl AuthenticationOutcome {
    /// The account that signed in (of the first verified key).
    #[must_use]
    pub fn username(&self) -> Option<&str> {
        self.keys.first().map(|k| k.registration.username.as_str())
    }
}

/// Whether `a` and `b` are the same curve/scheme in the other signature encoding (RAW ↔ DER).
fn encoding_switch(a: AlgSign, b: AlgSign) -> bool {
    use AlgSign::*;
    matches!(
        (a, b),
        (Secp256r1EcdsaSha256Raw, Secp256r1EcdsaSha256Der)
            | (Secp256r1EcdsaSha256Der, Secp256r1EcdsaSha256Raw)
            | (Secp256k1EcdsaSha256Raw, Secp256k1EcdsaSha256Der)
            | (Secp256k1EcdsaSha256Der, Secp256k1EcdsaSha256Raw)
            | (RsassaPssSha256Raw, RsassaPssSha256Der)
            | (RsassaPssSha256Der, RsassaPssSha256Raw)
    )
}

pub(crate) struct AuthContext<'a> {
    pub(crate) username: Option<&'a str>,
    pub(crate) fc_params: Option<&'a str>,
    pub(crate) transactions: &'a [Transaction],
    /// Allowed keys and user verification of this authentication (none for the unbound API).
    pub(crate) requirements: Option<&'a AuthenticationRequirements>,
    /// Where counter events wait until the caller knows the response is not a lost duplicate
    /// (`None`: emitted at once).
    pub(crate) deferred: Option<&'a RefCell<Vec<SecurityEvent>>>,
}

impl<M: MetadataSource, V: SignatureVerifier> RelyingParty<M, V> {
    /// Verifies an authentication (or transaction confirmation) response (digest §3.3)
    /// against the request it answers and the stored registrations.
    ///
    /// Nothing is changed by this call: persist each [`AuthenticatedKey::counter_update`]
    /// with [`crate::store::CredentialStore::compare_and_swap_counter`]. A lost swap means
    /// another sign-in with the same key raced this one; treat it as a failed sign-in.
    ///
    /// # Errors
    /// The first failing step; [`Error::status`] gives the UAF status code.
    pub fn finish_authentication<L: RegistrationLookup + ?Sized>(
        &self,
        response: &str,
        pending: PendingAuthentication,
        registrations: &L,
        now: u64,
    ) -> Result<AuthenticationOutcome, Error> {
        let msg = self.parse_authentication_response(response)?;
        self.verify_authentication(&msg, &pending, registrations, now, None)
    }

    /// Verifies an authentication response already decoded by
    /// [`RelyingParty::parse_authentication_response`] or [`RelyingParty::parse_response`]:
    /// [`RelyingParty::finish_authentication`] without the parse, for callers that parse once
    /// to route the response or find its pending state. Same checks, same errors, nothing
    /// changed.
    ///
    /// # Errors
    /// The first failing step from AUTH-03 on.
    pub fn finish_authentication_message<L: RegistrationLookup + ?Sized>(
        &self,
        msg: &AuthenticationResponse,
        pending: PendingAuthentication,
        registrations: &L,
        now: u64,
    ) -> Result<AuthenticationOutcome, Error> {
        self.verify_authentication(msg, &pending, registrations, now, None)
    }

    /// The verification proper, borrowing the pending state (see
    /// `RelyingParty::verify_registration`).
    pub(crate) fn verify_authentication<L: RegistrationLookup + ?Sized>(
        &self,
        msg: &AuthenticationResponse,
        pending: &PendingAuthentication,
        registrations: &L,
        now: u64,
        deferred: Option<&RefCell<Vec<SecurityEvent>>>,
    ) -> Result<AuthenticationOutcome, Error> {
        let request = &pending.request;
        // (AUTH-03 … AUTH-12).
        binding::check_message(
            &self.config,
            &AUTH_STEPS,
            &msg.header,
            &request.header,
            &request.challenge,
            pending.issued_at,
            &msg.fc_params,
            now,
        )?;
        let ctx = AuthContext {
            username: pending.username.as_deref(),
            fc_params: Some(&msg.fc_params),
            transactions: &request.transaction,
            requirements: Some(&pending.requirements),
            deferred,
        };
        let mut keys: Vec<AuthenticatedKey> = Vec::new();
        let mut verified_at = Vec::new();
        let mut skipped = Vec::new();
        for (i, a) in msg.assertions.iter().enumerate() {
            match self.verify_auth_json_assertion(a, &ctx, registrations) {
                Ok((k, entry)) => {
                    keys.push(k);
                    verified_at.push((i, entry));
                }
                Err(e) => skipped.push(e.at_assertion(i)),
            }
        }
        // (AUTH-23): at least one assertion verified.
        if keys.is_empty() {
            return Err(none_verified(
                StepId::AuthResult,
                StepId::AuthMembers,
                skipped,
            ));
        }
        // (AUTH-23, digest §2.12): together the verified authenticators satisfy an AND-set of
        // the request policy, each of its criteria matched by a different one.
        let candidates: Vec<_> = verified_at
            .iter()
            .zip(&keys)
            .map(|((i, entry), k)| {
                let r = &k.registration;
                let candidate = Candidate {
                    aaid: r.aaid,
                    key_id: r.key_id.as_bytes(),
                    statement: entry.statement(),
                    sign_alg: k.sign_alg,
                    attestation_type: None,
                    authenticator_version: k.authenticator_version,
                };
                (*i, candidate.capabilities())
            })
            .collect();
        let decision = policy::require(&request.policy, &candidates, StepId::AuthResult)?;
        Ok(AuthenticationOutcome {
            keys,
            skipped,
            policy: decision,
        })
    }

    /// Verifies one authentication assertion on its own (TLV bytes), against the stored
    /// registrations and metadata: every per-assertion step of digest §3.3 A5 except the final
    /// challenge hash (A5.8), as for a request without transaction and without a user.
    ///
    /// **For conformance runs on material published without its `fcParams`.** An assertion
    /// accepted this way proves nothing about freshness: never sign a user in with it.
    ///
    /// # Errors
    /// The first failing step.
    pub fn verify_authentication_assertion_unbound<L: RegistrationLookup + ?Sized>(
        &self,
        assertion: &[u8],
        registrations: &L,
    ) -> Result<AuthenticatedKey, Error> {
        let ctx = AuthContext {
            username: None,
            fc_params: None,
            transactions: &[],
            requirements: None,
            deferred: None,
        };
        self.verify_auth_tlv(assertion, &ctx, registrations)
            .map(|(key, _)| key)
    }

    /// One assertion of a response: the key it authenticated, and the metadata entry its
    /// checks used (the response-level policy check reads it again, without a second look-up).
    fn verify_auth_json_assertion<'s, L: RegistrationLookup + ?Sized>(
        &'s self,
        a: &AuthenticatorSignAssertion,
        ctx: &AuthContext<'_>,
        registrations: &L,
    ) -> Result<(AuthenticatedKey, &'s MetadataEntry), Error> {
        // UAF-PROTO 3.5.7.5 (AUTH-13): the assertion scheme is UAFV1TLV.
        if a.assertion_scheme != ASSERTION_SCHEME_UAFV1TLV {
            return Err(Error::new(
                StepId::AuthAssertionScheme,
                ErrorKind::UnsupportedAssertionScheme {
                    scheme: a.assertion_scheme.clone(),
                },
            ));
        }
        // (AUTH-14): unsigned JSON extensions marked fail_if_unknown.
        if let Some(ext) = binding::unknown_critical_extension(&self.config, &a.exts) {
            return Err(Error::new(
                StepId::AuthTlv,
                ErrorKind::UnknownCriticalExtension { id: ext.id.clone() },
            ));
        }
        // (AUTH-14): base64url under the RP's policy.
        let bytes = self
            .config
            .base64()
            .decode(&a.assertion)
            .map_err(|e| Error::new(StepId::AuthTlv, ErrorKind::AssertionBase64(e)))?;
        self.verify_auth_tlv(&bytes, ctx, registrations)
    }

    #[allow(clippy::too_many_lines)]
    fn verify_auth_tlv<'s, L: RegistrationLookup + ?Sized>(
        &'s self,
        bytes: &[u8],
        ctx: &AuthContext<'_>,
        registrations: &L,
    ) -> Result<(AuthenticatedKey, &'s MetadataEntry), Error> {
        let cfg = &self.config;
        // UAF-PROTO 3.5.7.5 (AUTH-14): one TAG_UAFV1_AUTH_ASSERTION with one SignedData and
        // one signature, no trailing bytes, each member once.
        let opts =
            ParseOptions::new().with_unknown_critical_tags(cfg.compat().unknown_critical_tags);
        let assertion = AuthAssertion::parse_with(bytes, opts)
            .map_err(|e| Error::malformed(AssertionKind::Auth, e))?;
        let known: Vec<&str> = cfg.known_extensions().iter().map(String::as_str).collect();
        if let Some(ext) = assertion.unknown_critical_extension(&known) {
            return Err(Error::new(
                StepId::AuthTlv,
                ErrorKind::UnknownCriticalExtension {
                    id: ext.id.to_string(),
                },
            ));
        }
        let sd = &assertion.signed_data;
        let info = sd.assertion_info;
        // (AUTH-15): the (AAID, KeyID) is one the request allows (checked first: a key that
        // may not answer costs no store lookup) ...
        if let Some(req) = ctx.requirements {
            if !req.allows(&sd.aaid, sd.key_id) {
                return Err(Error::new(
                    StepId::AuthRegistration,
                    ErrorKind::KeyNotAllowed,
                ));
            }
        }
        // ... and registered, for the user of the request.
        let registration = registrations
            .find(&sd.aaid, sd.key_id)
            .map_err(|e| Error::new(StepId::AuthRegistration, ErrorKind::Storage(e)))?
            .filter(|r| ctx.username.is_none_or(|u| r.username == u))
            .ok_or_else(|| Error::new(StepId::AuthRegistration, ErrorKind::UnknownKeyId))?;
        // (AUTH-16): metadata known, status reports acceptable.
        let entry = self
            .metadata
            .lookup(&sd.aaid)
            .ok_or_else(|| Error::new(StepId::AuthStatus, ErrorKind::UnknownAaid))?;
        if let Err(u) =
            uaf_metadata::acceptability(entry, Some(u32::from(info.authenticator_version)))
        {
            self.emit(&SecurityEvent::RevokedAuthenticator {
                aaid: sd.aaid,
                reason: u.to_string(),
            });
            return Err(Error::new(StepId::AuthStatus, ErrorKind::Revoked(u)));
        }
        let statement = entry.statement();
        // (AUTH-16): the authenticator verifies the user, if this authentication requires it
        // (the rule of `policy::verifies_user`, as for the RP's requirement at registration).
        if let Some(req) = ctx.requirements {
            if req.user_verification() == UserVerificationRequirement::Required
                && !verifies_user(statement.user_verification_methods())
            {
                return Err(Error::new(
                    StepId::AuthStatus,
                    ErrorKind::Policy(AuthenticatorRejection::UserVerificationRequired),
                ));
            }
        }
        // (AUTH-17): mode 0x01 or 0x02; the algorithm registered (or, with
        // `signature-encoding-switch`, its other encoding), accepted and in the metadata.
        if !matches!(info.authentication_mode, 0x01 | 0x02) {
            return Err(Error::new(
                StepId::AuthAssertionInfo,
                ErrorKind::WrongAuthenticationMode {
                    mode: info.authentication_mode,
                },
            ));
        }
        let alg = info.sign_alg;
        let switch_ok =
            cfg.compat().signature_encoding_switch && encoding_switch(registration.sign_alg, alg);
        if alg != registration.sign_alg && !switch_ok {
            return Err(Error::new(
                StepId::AuthAssertionInfo,
                ErrorKind::AlgorithmNotAsRegistered {
                    registered: registration.sign_alg,
                    found: alg,
                },
            ));
        }
        if !cfg.accepts_algorithm(alg) {
            return Err(Error::new(
                StepId::AuthAssertionInfo,
                ErrorKind::AlgorithmNotAccepted { alg },
            ));
        }
        if !statement.supports_sign_alg(alg) && !switch_ok {
            return Err(Error::new(
                StepId::AuthAssertionInfo,
                ErrorKind::AlgorithmNotInMetadata { alg },
            ));
        }
        // (AUTH-18): nonce of at least 8 bytes (the parser enforces it; kept explicit).
        if sd.authenticator_nonce.len() < 8 {
            return Err(Error::new(
                StepId::AuthNonce,
                ErrorKind::NonceTooShort {
                    len: sd.authenticator_nonce.len(),
                },
            ));
        }
        // (AUTH-19): FCH == H(fcParams as received).
        if let Some(fc_params) = ctx.fc_params {
            check_fch(alg, fc_params, sd.final_challenge_hash)
                .map_err(|k| Error::new(StepId::AuthFinalChallengeHash, k))?;
        }
        // (AUTH-20): transaction mode and content hash agree with the request.
        let transaction_confirmed = check_transaction(
            ctx.transactions,
            info.authentication_mode,
            sd.transaction_content_hash,
            alg,
            !statement.tc_display().is_empty(),
        )
        .map_err(|p| Error::new(StepId::AuthTransaction, ErrorKind::Transaction(p)))?;
        // (AUTH-21): the signature over the received SignedData TLV, with the stored key.
        // Checked before the counter so an unauthenticated assertion cannot raise an alarm.
        #[cfg(feature = "std")]
        let key = self.keys.decode(
            registration.sign_alg,
            registration.public_key_encoding,
            &registration.public_key,
        );
        #[cfg(not(feature = "std"))]
        let key = PublicKey::decode_for(
            registration.sign_alg,
            registration.public_key_encoding,
            &registration.public_key,
        );
        let key =
            key.map_err(|e| Error::new(StepId::AuthSignature, ErrorKind::UnacceptableKey(e)))?;
        self.verifier
            .verify(alg, &key, sd.raw, assertion.signature)
            .map_err(|e| Error::new(StepId::AuthSignature, ErrorKind::SignatureInvalid(e)))?;
        // (AUTH-22): the counter advanced, or counters are unsupported (`counter.rs`: the
        // one judgement, with its one event on a regression).
        let counter = self.judge_counter(
            &registration,
            registration.sign_counter,
            sd.sign_counter,
            ctx.deferred,
        )?;
        let key = AuthenticatedKey {
            user_verification: statement.user_verification_methods(),
            transaction_confirmed,
            counter_update: counter.update(),
            counter,
            sign_alg: alg,
            authenticator_version: info.authenticator_version,
            registration,
        };
        Ok((key, entry))
    }
}

/// A5.9: returns the index of the confirmed transaction variant.
fn check_transaction(
    sent: &[Transaction],
    mode: u8,
    tc_hash: &[u8],
    alg: AlgSign,
    has_display: bool,
) -> Result<Option<usize>, TransactionProblem> {
    if sent.is_empty() {
        if mode != 0x01 || !tc_hash.is_empty() {
            return Err(TransactionProblem::NotRequested);
        }
        return Ok(None);
    }
    if mode != 0x02 {
        return Err(TransactionProblem::NotConfirmed);
    }
    if !has_display {
        return Err(TransactionProblem::NoDisplay);
    }
    let hash_alg = alg.hash().ok_or(TransactionProblem::HashMismatch)?;
    for (i, t) in sent.iter().enumerate() {
        let digest =
            uaf_crypto::hash(hash_alg, &t.content).map_err(|_| TransactionProblem::HashMismatch)?;
        if ct_eq(digest.as_bytes(), tc_hash) {
            return Ok(Some(i));
        }
    }
    Err(TransactionProblem::HashMismatch)
}
