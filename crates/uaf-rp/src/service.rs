//! A thin stateful layer over the sans-I/O core: [`Service`] keeps pending ceremonies in a
//! single-use store keyed by `serverData`, looks registrations up in a credential store, and
//! applies the outcome (insert-unique registrations, compare-and-swap counters).
//!
//! Each `begin_*` returns the request JSON to send; each `complete_*` takes the response text.
//! The pending state is taken (removed) from its store before verification, so a response
//! can be verified at most once: a replay finds nothing and fails with 1491.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use rand_core::CryptoRng;
use uaf_crypto::SignatureVerifier;
use uaf_metadata::MetadataSource;
use uaf_proto::message::Transaction;

use crate::RelyingParty;
use crate::authentication::AuthenticationOutcome;
use crate::counter::CounterVerdict;
use crate::error::{Error, ErrorKind};
use crate::events::SecurityEvent;
use crate::pending::{PendingAuthentication, PendingRegistration};
use crate::registration::RegistrationOutcome;
use crate::request::DeregistrationTarget;
use crate::step::StepId;
use crate::store::{CasOutcome, CredentialStore, InsertOutcome, PendingStore, StoreLookup};

/// The relying party with its stores.
#[derive(Debug)]
pub struct Service<M, C, PR, PA, V = uaf_crypto::Backend> {
    rp: RelyingParty<M, V>,
    credentials: C,
    pending_registrations: PR,
    pending_authentications: PA,
}

fn storage<E: core::fmt::Display>(step: StepId) -> impl FnOnce(E) -> Error {
    move |e| Error::new(step, ErrorKind::Storage(e.to_string()))
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

    /// Issues a registration request for `username`; returns the request JSON.
    ///
    /// # Errors
    /// Request generation or storage failures.
    pub fn begin_registration<R: CryptoRng + ?Sized>(
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
        let key = pending
            .server_data()
            .unwrap_or_default()
            .as_bytes()
            .to_vec();
        self.pending_registrations
            .put(&key, pending)
            .map_err(storage(StepId::RequestGeneration))?;
        Ok(request.to_json())
    }

    /// Verifies a registration response and stores its keys (insert-unique).
    ///
    /// # Errors
    /// Any verification failure; [`ErrorKind::ChallengeUnknown`] (1491) for a response
    /// whose pending request is unknown or already used.
    pub fn complete_registration(
        &self,
        response: &str,
        now: u64,
    ) -> Result<RegistrationOutcome, Error> {
        let msg = self.rp.parse_registration_response(response)?;
        let key = msg
            .header
            .server_data
            .as_deref()
            .unwrap_or_default()
            .as_bytes();
        // UAF-PROTO 3.4.6.5 (REG-07): the pending state is found by serverData and taken, so
        // the challenge is single use.
        let pending = self
            .pending_registrations
            .take(key)
            .map_err(storage(StepId::RegServerData))?
            .ok_or_else(|| Error::new(StepId::RegServerData, ErrorKind::ChallengeUnknown))?;
        let outcome = self.rp.finish_registration_parsed(
            &msg,
            pending,
            &StoreLookup(&self.credentials),
            now,
        )?;
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

    /// Issues an authentication request (`username` `None`: any registered user); a non-empty
    /// `transaction` asks for transaction confirmation. Returns the request JSON.
    ///
    /// # Errors
    /// Request generation or storage failures (a known user without keys:
    /// [`ErrorKind::UnknownKeyId`]).
    pub fn begin_authentication<R: CryptoRng + ?Sized>(
        &self,
        username: Option<&str>,
        transaction: Vec<Transaction>,
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
        let (request, pending) = self.rp.start_authentication(user, transaction, now, rng)?;
        let key = pending
            .server_data()
            .unwrap_or_default()
            .as_bytes()
            .to_vec();
        self.pending_authentications
            .put(&key, pending)
            .map_err(storage(StepId::RequestGeneration))?;
        Ok(request.to_json())
    }

    /// Verifies an authentication response and advances the counters (compare-and-swap; a
    /// concurrent sign-in with the same key that got further wins, and this one is then a
    /// regression).
    ///
    /// # Errors
    /// Any verification failure; [`ErrorKind::ChallengeUnknown`] (1491) for a replay.
    pub fn complete_authentication(
        &self,
        response: &str,
        now: u64,
    ) -> Result<AuthenticationOutcome, Error> {
        let msg = self.rp.parse_authentication_response(response)?;
        let key = msg
            .header
            .server_data
            .as_deref()
            .unwrap_or_default()
            .as_bytes();
        // UAF-PROTO 3.5.7.5 (AUTH-07): taken once.
        let pending = self
            .pending_authentications
            .take(key)
            .map_err(storage(StepId::AuthServerData))?
            .ok_or_else(|| Error::new(StepId::AuthServerData, ErrorKind::ChallengeUnknown))?;
        let outcome = self.rp.finish_authentication_parsed(
            &msg,
            pending,
            &StoreLookup(&self.credentials),
            now,
        )?;
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
                    CasOutcome::Conflict { current } => {
                        // UAF-PROTO 3.5.7.5 (AUTH-22): judged against the value now stored.
                        let verdict = CounterVerdict::judge(current, update.new);
                        let accepted = verdict.accepted_under(self.rp.config().counter_policy());
                        self.rp.emit(&SecurityEvent::CounterRegressed {
                            username: r.username.clone(),
                            aaid: r.aaid,
                            key_id: r.key_id.as_bytes().to_vec(),
                            stored: current,
                            received: update.new,
                            accepted,
                        });
                        if accepted {
                            break;
                        }
                        return Err(Error::new(
                            StepId::AuthCounter,
                            ErrorKind::CounterRegressed {
                                stored: current,
                                received: update.new,
                            },
                        ));
                    }
                    CasOutcome::NotFound => {
                        return Err(Error::new(
                            StepId::AuthRegistration,
                            ErrorKind::UnknownKeyId,
                        ));
                    }
                }
            }
        }
        Ok(outcome)
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
