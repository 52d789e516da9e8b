//! Request generation (digest §3.4) and deregistration (§3.5).

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use uaf_proto::b64;
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::message::{
    AuthenticationRequest, DeregisterAuthenticator, DeregistrationRequest, MatchCriteria,
    Operation, OperationHeader, Policy, RegistrationRequest, ServerChallenge, Transaction,
};

use crate::RelyingParty;
use crate::error::{Error, ErrorKind};
use crate::pending::{PendingAuthentication, PendingRegistration};
use crate::step::StepId;
use crate::store::Registration;

/// Length of generated challenges (digest §3.4: 32 random bytes).
pub(crate) const CHALLENGE_LEN: usize = 32;
/// Length of the random `serverData` session handle.
const SERVER_DATA_LEN: usize = 32;

/// What a deregistration removes (digest §2.10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeregistrationTarget {
    /// One key.
    Key {
        /// Its authenticator model.
        aaid: Aaid,
        /// Its KeyID.
        key_id: KeyId,
    },
    /// Every key of one authenticator model.
    Aaid(Aaid),
    /// Every key of the user.
    All,
}

/// A deregistration: the request to send to the phone, and the records to delete now (the
/// client sends no answer; digest §3.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deregistration {
    /// The request message.
    pub request: DeregistrationRequest,
    /// The (AAID, KeyID) pairs to delete from the credential store.
    pub delete: Vec<(Aaid, KeyId)>,
}

fn random_bytes<R: CryptoRng + ?Sized, const N: usize>(rng: &mut R) -> [u8; N] {
    let mut out = [0u8; N];
    rng.fill_bytes(&mut out);
    out
}

fn gen_error(e: uaf_proto::message::MessageError) -> Error {
    Error::new(StepId::RequestGeneration, ErrorKind::Message(e))
}

impl<M, V> RelyingParty<M, V> {
    fn header<R: CryptoRng + ?Sized>(&self, op: Operation, rng: &mut R) -> OperationHeader {
        let mut header = OperationHeader::new(self.config.request_version(), op);
        header.app_id = Some(self.config.app_id().clone());
        header.server_data = Some(b64::encode(&random_bytes::<R, SERVER_DATA_LEN>(rng)));
        header
    }

    /// Starts a registration for `username` (digest §3.4): a fresh 32-byte challenge, a random
    /// `serverData`, and the configured policy with every key in `existing` (the user's
    /// registrations) added to `disallowed` as `{aaid: [A], keyIDs: [K]}`, so the same
    /// authenticator is not registered twice.
    ///
    /// # Errors
    /// [`StepId::RequestGeneration`] with the schema violation (e.g. a username longer than
    /// 128 characters).
    pub fn start_registration<R: CryptoRng + ?Sized>(
        &self,
        username: &str,
        existing: &[Registration],
        now: u64,
        rng: &mut R,
    ) -> Result<(RegistrationRequest, PendingRegistration), Error> {
        let challenge = ServerChallenge::new(random_bytes::<R, CHALLENGE_LEN>(rng).to_vec())
            .map_err(gen_error)?;
        let mut policy = self.config.policy().clone();
        for r in existing {
            policy
                .disallowed
                .push(MatchCriteria::registered_key(r.aaid, r.key_id.clone()));
        }
        let request = RegistrationRequest {
            header: self.header(Operation::Reg, rng),
            challenge,
            username: String::from(username),
            policy,
        };
        // UAF-PROTO 3.4 (REQ-01): what we send passes the schema we enforce on input.
        request.check().map_err(gen_error)?;
        Ok((
            request.clone(),
            PendingRegistration::from_issued(request, now),
        ))
    }

    /// Starts an authentication (digest §3.4). With `user` = `Some((username, registrations))`
    /// the policy accepts exactly that user's keys (`[[{aaid: [A], keyIDs: [K]}]]`, required for
    /// second-factor authenticators); with `None` any registered key may answer (first-factor
    /// "sign in without a username"). A non-empty `transaction` makes it a transaction
    /// confirmation: give every rendering (text and PNG sizes) of the same transaction.
    ///
    /// # Errors
    /// [`StepId::RequestGeneration`]: a known user without registrations
    /// ([`ErrorKind::UnknownKeyId`]), or a schema violation.
    pub fn start_authentication<R: CryptoRng + ?Sized>(
        &self,
        user: Option<(&str, &[Registration])>,
        transaction: Vec<Transaction>,
        now: u64,
        rng: &mut R,
    ) -> Result<(AuthenticationRequest, PendingAuthentication), Error> {
        let challenge = ServerChallenge::new(random_bytes::<R, CHALLENGE_LEN>(rng).to_vec())
            .map_err(gen_error)?;
        let (policy, username) = match user {
            Some((name, regs)) => {
                if regs.is_empty() {
                    return Err(Error::new(
                        StepId::RequestGeneration,
                        ErrorKind::UnknownKeyId,
                    ));
                }
                let accepted = regs
                    .iter()
                    .map(|r| vec![MatchCriteria::registered_key(r.aaid, r.key_id.clone())])
                    .collect();
                (
                    Policy {
                        accepted,
                        disallowed: Vec::new(),
                    },
                    Some(String::from(name)),
                )
            }
            None => (self.config.policy().clone(), None),
        };
        let request = AuthenticationRequest {
            header: self.header(Operation::Auth, rng),
            challenge,
            transaction,
            policy,
        };
        // UAF-PROTO 3.4 (REQ-01).
        request.check().map_err(gen_error)?;
        Ok((
            request.clone(),
            PendingAuthentication::from_issued(request, username, now),
        ))
    }

    /// Builds a deregistration for one user (digest §2.10, §3.5) from that user's
    /// `registrations`: the request to send (one entry per key, or `{aaid, ""}` for a whole
    /// model, or `{"", ""}` for all), and the records to delete now.
    ///
    /// # Errors
    /// [`StepId::Deregistration`] with [`ErrorKind::UnknownKeyId`] when nothing matches.
    pub fn deregistration_request(
        &self,
        target: &DeregistrationTarget,
        registrations: &[Registration],
    ) -> Result<Deregistration, Error> {
        let matches: Vec<&Registration> = registrations
            .iter()
            .filter(|r| match target {
                DeregistrationTarget::Key { aaid, key_id } => {
                    r.aaid == *aaid && r.key_id == *key_id
                }
                DeregistrationTarget::Aaid(aaid) => r.aaid == *aaid,
                DeregistrationTarget::All => true,
            })
            .collect();
        if matches.is_empty() {
            return Err(Error::new(StepId::Deregistration, ErrorKind::UnknownKeyId));
        }
        let authenticators = match target {
            DeregistrationTarget::Key { aaid, key_id } => {
                vec![DeregisterAuthenticator::Key {
                    aaid: *aaid,
                    key_id: key_id.clone(),
                }]
            }
            DeregistrationTarget::Aaid(aaid) => vec![DeregisterAuthenticator::AllOfAaid(*aaid)],
            DeregistrationTarget::All => vec![DeregisterAuthenticator::All],
        };
        let mut header = OperationHeader::new(self.config.request_version(), Operation::Dereg);
        header.app_id = Some(self.config.app_id().clone());
        let request = DeregistrationRequest {
            header,
            authenticators,
        };
        // UAF-PROTO 3.4 (REQ-01).
        request.check().map_err(gen_error)?;
        Ok(Deregistration {
            request,
            delete: matches.iter().map(|r| (r.aaid, r.key_id.clone())).collect(),
        })
    }
}
