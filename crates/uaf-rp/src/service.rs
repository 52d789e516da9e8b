//! A thin stateful layer over the sans-I/O core: [`Service`] keeps pending ceremonies in a
//! single-use store keyed by `serverData`, looks registrations up in a credential store, and
//! applies the outcome (insert-unique registrations, compare-and-swap counters).
//!
//! Each `start_*` returns the request JSON to send; each `finish_*` takes the response (as
//! text, or already decoded by [`Service::parse_response`] so that a server parses it once).
//!
//! **Nothing is written before the response is fully verified.** `finish_*` peeks at the
//! pending state ([`PendingStore::peek`]), verifies everything against it (binding,
//! signatures, attestation, allowed keys, user verification, the counter judgement), and only
//! then takes it ([`PendingStore::take`], the single-use proof: a miss now means a concurrent
//! response took it, 1491) and writes (insert-unique registrations, compare-and-swap counters).
//! A rejected response therefore leaves the challenge pending and every counter as it was: the
//! legitimate response can still be accepted.
//!
//! A store that can take the challenge and advance the counters **in one atomic step** (one
//! database transaction, one commit) implements [`AuthenticationCommit`];
//! [`Service::finish_authentication_message_committing`] then makes the same decisions with
//! that one write instead of a `take` and a compare-and-swap per key.
//!
//! ## Example: one device approves, with user verification
//!
//! A server that lets one enrolled device approve a sign-in names that device's key and
//! requires user verification when it starts the authentication; the verifier then refuses any
//! other key (AUTH-15, [`ErrorKind::KeyNotAllowed`], 1492) and an authenticator that does not
//! verify the user (AUTH-16, `Policy(UserVerificationRequired)`, 1492) before anything is
//! committed, so the server needs no check of its own after `finish_*`.
//!
//! ```
//! use uaf_metadata::MetadataIndex;
//! use uaf_proto::id::{Aaid, KeyId};
//! use uaf_proto::message::{AuthenticationRequest, DecodeOptions};
//! use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
//! use uaf_rp::store::{CredentialStore, MemoryCredentialStore, MemoryPendingStore, PendingStore};
//! use uaf_rp::{AuthenticationOptions, Registration, RelyingParty, RelyingPartyBuilder, Service};
//!
//! let config = RelyingPartyBuilder::new("https://uaf.example.com/facets.json").build()?;
//! let credentials = MemoryCredentialStore::new();
//! for id in [1u8, 2] {
//!     credentials.insert_unique(Registration {
//!         username: "alice".into(),
//!         aaid: Aaid::parse("ABCD#0001")?,
//!         key_id: KeyId::new(vec![id; 32])?,
//!         public_key: vec![4; 65],
//!         public_key_encoding: AlgKey::EccX962Raw,
//!         sign_alg: AlgSign::Secp256r1EcdsaSha256Raw,
//!         sign_counter: 0,
//!         authenticator_version: 1,
//!         attestation_type: AttestationType::BasicSurrogate,
//!         registered_at: 0,
//!     })?;
//! }
//! let svc = Service::new(
//!     RelyingParty::new(config, MetadataIndex::new()),
//!     credentials,
//!     MemoryPendingStore::new(),
//!     MemoryPendingStore::new(),
//! );
//! // The approving device's key (its AAID and KeyID, from the device record).
//! let device = (Aaid::parse("ABCD#0001")?, KeyId::new(vec![2; 32])?);
//! let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
//! # use rand_core::SeedableRng;
//! let json = svc.start_authentication(
//!     Some("alice"),
//!     AuthenticationOptions::new()
//!         .allow_keys([device.clone()])
//!         .require_user_verification(),
//!     1_700_000_000,
//!     &mut rng,
//! )?;
//! let request = AuthenticationRequest::parse_array(&json, &DecodeOptions::new())?.remove(0);
//! // The request asks for that key only, and the pending state remembers the requirements.
//! assert_eq!(request.policy.accepted.len(), 1);
//! let server_data = request.header.server_data.as_deref().unwrap_or_default();
//! let pending = svc.pending_authentications().peek(server_data.as_bytes())?.ok_or("not pending")?;
//! assert_eq!(pending.requirements().allowed_keys(), Some(&[device][..]));
//! // Later: `svc.finish_authentication(response_text, now)`, or `svc.parse_response(text)`
//! // then `svc.finish_authentication_message(&msg, now)`.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use rand_core::CryptoRng;
use uaf_crypto::SignatureVerifier;
use uaf_metadata::MetadataSource;
use uaf_proto::message::{AuthenticationResponse, RegistrationResponse};

use crate::RelyingParty;
use crate::authentication::AuthenticationOutcome;
use crate::error::{Error, ErrorKind, StorageError};
use crate::events::SecurityEvent;
use crate::pending::{AuthenticationRequirements, PendingAuthentication, PendingRegistration};
use crate::registration::RegistrationOutcome;
use crate::request::{AuthenticationOptions, DeregistrationTarget};
use crate::response::ParsedResponse;
use crate::step::StepId;
use crate::store::{
    AuthenticationCommit, CasOutcome, CounterAdvance, CredentialStore, InsertOutcome, PendingStore,
    Registration, StoreLookup,
};

/// The relying party with its stores.
#[derive(Debug)]
pub struct Service<M, C, PR, PA, V = uaf_crypto::Backend> {
    rp: RelyingParty<M, V>,
    credentials: C,
    pending_registrations: PR,
    pending_authentications: PA,
}

fn storage<E: core::error::Error + Send + Sync + 'static>(step: StepId) -> impl FnOnce(E) -> Error {
    move |e| Error::new(step, ErrorKind::Storage(StorageError::new(e)))
}

/// A response verified against its peeked pending state: the store key, the outcome, and the
/// counter events held back until the challenge is known to be this response's.
type Verified<'m> = (&'m [u8], AuthenticationOutcome, RefCell<Vec<SecurityEvent>>);

/// The answer to a response whose challenge is unknown, used or taken meanwhile (AUTH-07,
/// AUTH-10: 1491).
fn challenge_unknown() -> Error {
    Error::new(StepId::AuthServerData, ErrorKind::ChallengeUnknown)
}

/// The `serverData` of a message header as the pending-store key (absent: empty).
fn key_of(server_data: Option<&str>) -> &[u8] {
    server_data.unwrap_or_default().as_bytes()
}

/// Whether the pending state of `key`, present when we looked it up, has been taken since by
/// a concurrent response with the same `serverData` (a double submit). A rejection of the
/// loser is then reported as what it is, a used challenge (1491), rather than as whatever the
/// now stale comparison found (the counter the winner just advanced, the key it just
/// registered), and its counter events are dropped.
fn taken_meanwhile<P, S: PendingStore<P>>(store: &S, key: &[u8]) -> bool {
    matches!(store.peek(key), Ok(None))
}

impl<M, C, PR, PA, V> Service<M, C, PR, PA, V>
where
    M: MetadataSource,
    V: SignatureVerifier,
    C: CredentialStore,
    PR: PendingStore<PendingRegistration>,
    PA: PendingStore<PendingAuthentication>,
{
    /// Puts the relying party and its stores together.
    pub fn new(
        rp: RelyingParty<M, V>,
        credentials: C,
        pending_registrations: PR,
        pending_authentications: PA,
    ) -> Self {
        Service {
            rp,
            credentials,
            pending_registrations,
            pending_authentications,
        }
    }

    /// The relying party.
    pub fn relying_party(&self) -> &RelyingParty<M, V> {
        &self.rp
    }

    /// The credential store.
    pub fn credentials(&self) -> &C {
        &self.credentials
    }

    /// The store of pending registrations (to purge expired ones, or to look at one).
    pub fn pending_registrations(&self) -> &PR {
        &self.pending_registrations
    }

    /// The store of pending authentications.
    pub fn pending_authentications(&self) -> &PA {
        &self.pending_authentications
    }

    fn emit_all(&self, events: RefCell<Vec<SecurityEvent>>) {
        for event in events.into_inner() {
            self.rp.emit(&event);
        }
    }

    /// Issues a registration request for `username`; returns the request JSON.
    ///
    /// # Errors
    /// Request generation or storage failures.
    pub fn start_registration<R: CryptoRng + ?Sized>(
        &self,
        username: &str,
        now: u64,
        rng: &mut R,
    ) -> Result<String, Error> {
        let existing = self
            .credentials
            .list_by_user(username)
            .map_err(storage(StepId::RequestGeneration))?;
        let (request, pending) = self.rp.start_registration(username, &existing, now, rng)?;
        let key = key_of(pending.server_data()).to_vec();
        self.pending_registrations
            .put(&key, pending)
            .map_err(storage(StepId::RequestGeneration))?;
        Ok(request.to_json())
    }

    /// Decodes a response once, strictly ([`RelyingParty::parse_response`]), for servers
    /// with one endpoint for both operations or that need `serverData` before verifying:
    /// route on [`ParsedResponse::op`], then call [`Service::finish_registration_message`] or
    /// [`Service::finish_authentication_message`] with the decoded message.
    ///
    /// # Errors
    /// The decode failure (REG-01 … / AUTH-01 …).
    pub fn parse_response(&self, text: &str) -> Result<ParsedResponse, Error> {
        self.rp.parse_response(text)
    }

    /// Verifies a registration response text and stores its keys (insert-unique); see
    /// [`Service::finish_registration_message`].
    ///
    /// # Errors
    /// As [`Service::finish_registration_message`], plus decode failures.
    pub fn finish_registration(
        &self,
        response: &str,
        now: u64,
    ) -> Result<RegistrationOutcome, Error> {
        let msg = self.rp.parse_registration_response(response)?;
        self.finish_registration_message(&msg, now)
    }

    /// Verifies a decoded registration response and stores its keys (insert-unique). The
    /// pending request is peeked at, the response verified in full, and only then is the
    /// request taken (single use) and are the keys inserted: a rejected response leaves the
    /// request pending.
    ///
    /// # Errors
    /// Any verification failure; [`ErrorKind::ChallengeUnknown`] (1491) for a response whose
    /// pending request is unknown, already used, or taken by a concurrent response meanwhile;
    /// [`ErrorKind::AlreadyRegistered`] when a key was inserted concurrently.
    pub fn finish_registration_message(
        &self,
        msg: &RegistrationResponse,
        now: u64,
    ) -> Result<RegistrationOutcome, Error> {
        let key = key_of(msg.header.server_data.as_deref());
        let unknown = || Error::new(StepId::RegServerData, ErrorKind::ChallengeUnknown);
        // UAF-PROTO 3.4.6.5 (REG-07): the pending state is found by serverData ...
        let pending = self
            .pending_registrations
            .peek(key)
            .map_err(storage(StepId::RegServerData))?
            .ok_or_else(unknown)?;
        let outcome = self
            .rp
            .verify_registration(msg, &pending, &StoreLookup(&self.credentials), now)
            .map_err(|e| {
                if taken_meanwhile(&self.pending_registrations, key) {
                    unknown()
                } else {
                    e
                }
            })?;
        // ... and, the response verified, taken: the challenge is single use (REG-10).
        self.pending_registrations
            .take(key)
            .map_err(storage(StepId::RegServerData))?
            .ok_or_else(unknown)?;
        for key in &outcome.registered {
            match self
                .credentials
                .insert_unique(key.registration.clone())
                .map_err(storage(StepId::RegKeyId))?
            {
                InsertOutcome::Inserted => {}
                InsertOutcome::AlreadyExists => {
                    return Err(Error::new(StepId::RegKeyId, ErrorKind::AlreadyRegistered));
                }
            }
        }
        Ok(outcome)
    }

    /// Issues an authentication request (`username` `None`: any registered user). `options`
    /// is an [`AuthenticationOptions`] (transaction, allowed keys, user verification), or
    /// just a `Vec<Transaction>` (non-empty: transaction confirmation). Returns the request
    /// JSON.
    ///
    /// # Errors
    /// Request generation or storage failures (a known user without keys, or without an
    /// allowed one: [`ErrorKind::UnknownKeyId`]).
    pub fn start_authentication<R: CryptoRng + ?Sized>(
        &self,
        username: Option<&str>,
        options: impl Into<AuthenticationOptions>,
        now: u64,
        rng: &mut R,
    ) -> Result<String, Error> {
        let regs = match username {
            Some(u) => Some(
                self.credentials
                    .list_by_user(u)
                    .map_err(storage(StepId::RequestGeneration))?,
            ),
            None => None,
        };
        let user = username.zip(regs.as_deref());
        let (request, pending) = self.rp.start_authentication(user, options, now, rng)?;
        let key = key_of(pending.server_data()).to_vec();
        self.pending_authentications
            .put(&key, pending)
            .map_err(storage(StepId::RequestGeneration))?;
        Ok(request.to_json())
    }

    /// Verifies an authentication response text and advances the counters; see
    /// [`Service::finish_authentication_message`].
    ///
    /// # Errors
    /// As [`Service::finish_authentication_message`], plus decode failures.
    pub fn finish_authentication(
        &self,
        response: &str,
        now: u64,
    ) -> Result<AuthenticationOutcome, Error> {
        let msg = self.rp.parse_authentication_response(response)?;
        self.finish_authentication_message(&msg, now)
    }

    /// Verifies a decoded authentication response and advances the counters
    /// (compare-and-swap; a concurrent sign-in with the same key that got further wins, and
    /// this one is then a regression).
    ///
    /// The pending request is peeked at and the response verified in full — including the
    /// requirements the authentication was started with
    /// ([`crate::AuthenticationRequirements`]: allowed keys at AUTH-15, user verification at
    /// AUTH-16) and the counter judgement (AUTH-22) — before the request is taken and any
    /// counter written. A rejected response leaves the challenge pending and the counters
    /// untouched.
    ///
    /// # Errors
    /// Any verification failure; [`ErrorKind::ChallengeUnknown`] (1491) for a replay or a
    /// response that lost the race for its challenge to a concurrent one.
    pub fn finish_authentication_message(
        &self,
        msg: &AuthenticationResponse,
        now: u64,
    ) -> Result<AuthenticationOutcome, Error> {
        self.finish_authentication_message_with(msg, now, &AuthenticationRequirements::new())
    }

    /// [`Service::finish_authentication_message`] with requirements known only now, when the
    /// response arrives (e.g. which enrolled device is answering): `more` narrows the
    /// requirements the authentication was started with
    /// ([`AuthenticationRequirements::narrowed_by`]: both must hold; it never widens them).
    /// They are checked with the others (AUTH-15, AUTH-16), in the one verification, before
    /// the challenge is taken or any counter moved: a response `more` refuses leaves the
    /// challenge pending and the counters untouched.
    ///
    /// # Errors
    /// As [`Service::finish_authentication_message`]; a key `more` does not allow:
    /// [`ErrorKind::KeyNotAllowed`] (1492); an authenticator that does not verify the user
    /// when `more` requires it: `Policy(UserVerificationRequired)` (1492).
    pub fn finish_authentication_message_with(
        &self,
        msg: &AuthenticationResponse,
        now: u64,
        more: &AuthenticationRequirements,
    ) -> Result<AuthenticationOutcome, Error> {
        let (key, outcome, events) = self.verify_pending(msg, now, more)?;
        // ... and, the response verified, taken once (AUTH-10: single use).
        self.pending_authentications
            .take(key)
            .map_err(storage(StepId::AuthServerData))?
            .ok_or_else(challenge_unknown)?;
        self.emit_all(events);
        for k in &outcome.keys {
            let Some(update) = k.counter_update else {
                continue;
            };
            let r = &k.registration;
            let mut expected = update.expected;
            loop {
                match self
                    .credentials
                    .compare_and_swap_counter(&r.aaid, r.key_id.as_bytes(), expected, update.new)
                    .map_err(storage(StepId::AuthCounter))?
                {
                    CasOutcome::Swapped => break,
                    // Another sign-in moved the counter; ours still advances it.
                    CasOutcome::Conflict { current } if update.new > current => expected = current,
                    other => {
                        self.settle_counter(r, update.new, other)?;
                        break;
                    }
                }
            }
        }
        Ok(outcome)
    }

    /// [`Service::finish_authentication_message_with`] with the writes applied in **one
    /// atomic step** by `commit` ([`AuthenticationCommit::take_and_advance`]: the challenge
    /// taken and every counter advanced in one transaction, one commit) rather than by the
    /// separate `take` and compare-and-swap calls of the service's own stores. The
    /// decisions are the same: verified in full before anything is written; a challenge that
    /// is gone by then is [`ErrorKind::ChallengeUnknown`] (nothing written); a counter that a
    /// concurrent sign-in moved to `new` or beyond is judged against the value now stored
    /// (AUTH-22; the challenge stays used); a key no longer registered is
    /// [`ErrorKind::UnknownKeyId`].
    ///
    /// # Errors
    /// As [`Service::finish_authentication_message_with`]; `commit`'s error as
    /// [`ErrorKind::Storage`] at AUTH-10 (nothing was written).
    pub fn finish_authentication_message_committing<W: AuthenticationCommit>(
        &self,
        msg: &AuthenticationResponse,
        now: u64,
        more: &AuthenticationRequirements,
        commit: &W,
    ) -> Result<AuthenticationOutcome, Error> {
        let (key, outcome, events) = self.verify_pending(msg, now, more)?;
        let updates: Vec<(&Registration, CounterAdvance<'_>)> = outcome
            .keys
            .iter()
            .filter_map(|k| {
                let update = k.counter_update?;
                let r = &k.registration;
                Some((
                    r,
                    CounterAdvance {
                        aaid: &r.aaid,
                        key_id: r.key_id.as_bytes(),
                        expected: update.expected,
                        new: update.new,
                    },
                ))
            })
            .collect();
        let advances: Vec<CounterAdvance<'_>> = updates.iter().map(|(_, a)| *a).collect();
        // AUTH-10 (single use) and the counter writes, in one step.
        let settled = commit
            .take_and_advance(key, &advances)
            .map_err(storage(StepId::AuthServerData))?
            .ok_or_else(challenge_unknown)?;
        self.emit_all(events);
        for ((r, advance), result) in updates.iter().zip(settled) {
            if result != CasOutcome::Swapped {
                self.settle_counter(r, advance.new, result)?;
            }
        }
        Ok(outcome)
    }

    /// Peeks at the pending authentication of `msg` (narrowed by `more`) and verifies `msg`
    /// against it; nothing is written. Returns the store key, the outcome and the counter
    /// events held back until the challenge is known to be this response's.
    fn verify_pending<'m>(
        &self,
        msg: &'m AuthenticationResponse,
        now: u64,
        more: &AuthenticationRequirements,
    ) -> Result<Verified<'m>, Error> {
        let key = key_of(msg.header.server_data.as_deref());
        // UAF-PROTO 3.5.7.5 (AUTH-07): found by serverData ...
        let mut pending = self
            .pending_authentications
            .peek(key)
            .map_err(storage(StepId::AuthServerData))?
            .ok_or_else(challenge_unknown)?;
        if !more.is_empty() {
            pending.requirements = pending.requirements.narrowed_by(more);
        }
        // Counter events wait until we know this response is not a duplicate that lost the
        // race for its challenge (the winner's counter would read as a regression).
        let events = RefCell::new(Vec::new());
        let verified = self.rp.verify_authentication(
            msg,
            &pending,
            &StoreLookup(&self.credentials),
            now,
            Some(&events),
        );
        match verified {
            Ok(outcome) => Ok((key, outcome, events)),
            Err(_) if taken_meanwhile(&self.pending_authentications, key) => {
                Err(challenge_unknown())
            }
            Err(e) => {
                self.emit_all(events);
                Err(e)
            }
        }
    }

    /// A counter write that did not simply swap: a concurrent sign-in left the counter at
    /// `current` ≥ `new`, judged by the one counter judgement (UAF-PROTO 3.5.7.5, AUTH-22;
    /// its event included; a regression the policy lets pass keeps the stored value), or
    /// the key is gone.
    fn settle_counter(&self, r: &Registration, new: u32, outcome: CasOutcome) -> Result<(), Error> {
        match outcome {
            CasOutcome::Swapped => Ok(()),
            CasOutcome::Conflict { current } => {
                self.rp.judge_counter(r, current, new, None).map(drop)
            }
            CasOutcome::NotFound => Err(Error::new(
                StepId::AuthRegistration,
                ErrorKind::UnknownKeyId,
            )),
        }
    }

    /// Deregisters `target` for `username`: deletes the records now and returns the request
    /// JSON for the phone (digest §3.5).
    ///
    /// # Errors
    /// Nothing matches ([`ErrorKind::UnknownKeyId`]) or storage failures.
    pub fn deregister(
        &self,
        username: &str,
        target: &DeregistrationTarget,
    ) -> Result<String, Error> {
        let regs = self
            .credentials
            .list_by_user(username)
            .map_err(storage(StepId::Deregistration))?;
        let d = self.rp.deregistration_request(target, &regs)?;
        for (aaid, key_id) in &d.delete {
            self.credentials
                .delete(aaid, key_id.as_bytes())
                .map_err(storage(StepId::Deregistration))?;
        }
        Ok(d.request.to_json())
    }
}
