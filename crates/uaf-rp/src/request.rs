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
use crate::pending::{AuthenticationRequirements, PendingAuthentication, PendingRegistration};
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

/// How to start an authentication ([`RelyingParty::start_authentication`],
/// [`crate::Service::start_authentication`]): an optional transaction to confirm, and
/// [`AuthenticationRequirements`] (allowed keys, user verification) that the verifier checks
/// before anything is committed.
///
/// A `Vec<Transaction>` converts into options with just that transaction, so
/// `start_authentication(user, Vec::new(), now, rng)` is a plain sign-in.
///
/// ```
/// use uaf_rp::{AuthenticationOptions, AuthenticationRequirements};
/// let options = AuthenticationOptions::new()
///     .requirements(AuthenticationRequirements::new().require_user_verification());
/// assert!(options.transaction_variants().is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthenticationOptions {
    transaction: Vec<Transaction>,
    requirements: AuthenticationRequirements,
}

impl AuthenticationOptions {
    /// A plain authentication: no transaction, no requirement beyond the RP's.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks for transaction confirmation of `transaction`: every rendering (text and PNG
    /// sizes) of the same transaction. Empty: a plain authentication.
    #[must_use]
    pub fn transaction(mut self, transaction: Vec<Transaction>) -> Self {
        self.transaction = transaction;
        self
    }

    /// The requirements the response must meet (replacing any set before).
    #[must_use]
    pub fn requirements(mut self, requirements: AuthenticationRequirements) -> Self {
        self.requirements = requirements;
        self
    }

    /// Only these (AAID, KeyID) pairs may answer
    /// ([`AuthenticationRequirements::allow_keys`]).
    #[must_use]
    pub fn allow_keys(mut self, keys: impl IntoIterator<Item = (Aaid, KeyId)>) -> Self {
        self.requirements = self.requirements.allow_keys(keys);
        self
    }

    /// The authenticator must verify the user
    /// ([`AuthenticationRequirements::require_user_verification`]).
    #[must_use]
    pub fn require_user_verification(mut self) -> Self {
        self.requirements = self.requirements.require_user_verification();
        self
    }

    /// The transaction variants to confirm (empty: none).
    #[must_use]
    pub fn transaction_variants(&self) -> &[Transaction] {
        &self.transaction
    }

    /// The requirements.
    #[must_use]
    pub fn authentication_requirements(&self) -> &AuthenticationRequirements {
        &self.requirements
    }
}

impl From<Vec<Transaction>> for AuthenticationOptions {
    fn from(transaction: Vec<Transaction>) -> Self {
        AuthenticationOptions::new().transaction(transaction)
    }
}

impl From<AuthenticationRequirements> for AuthenticationOptions {
    fn from(requirements: AuthenticationRequirements) -> Self {
        AuthenticationOptions::new().requirements(requirements)
    }
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
    /// "sign in without a username").
    ///
    /// `options` is an [`AuthenticationOptions`], or just a `Vec<Transaction>`: a non-empty
    /// transaction makes it a transaction confirmation. With
    /// [`AuthenticationRequirements::allow_keys`] the policy accepts only the allowed keys
    /// (of the user's, when there is a user), and the verifier rejects any other key at
    /// AUTH-15; with a user-verification requirement it rejects, at AUTH-16, an authenticator
    /// that does not verify the user. Both travel in the returned pending state.
    ///
    /// # Errors
    /// [`StepId::RequestGeneration`]: a known user without registrations, or none of whose
    /// keys is allowed ([`ErrorKind::UnknownKeyId`]), or a schema violation.
    pub fn start_authentication<R: CryptoRng + ?Sized>(
        &self,
        user: Option<(&str, &[Registration])>,
        options: impl Into<AuthenticationOptions>,
        now: u64,
        rng: &mut R,
    ) -> Result<(AuthenticationRequest, PendingAuthentication), Error> {
        let AuthenticationOptions {
            transaction,
            requirements,
        } = options.into();
        let challenge = ServerChallenge::new(random_bytes::<R, CHALLENGE_LEN>(rng).to_vec())
            .map_err(gen_error)?;
        let (policy, username) = match user {
            Some((name, regs)) => {
                let accepted: Vec<Vec<MatchCriteria>> = regs
                    .iter()
                    .filter(|r| requirements.allows(&r.aaid, r.key_id.as_bytes()))
                    .map(|r| vec![MatchCriteria::registered_key(r.aaid, r.key_id.clone())])
                    .collect();
                if accepted.is_empty() {
                    return Err(Error::new(
                        StepId::RequestGeneration,
                        ErrorKind::UnknownKeyId,
                    ));
                }
                (
                    Policy {
                        accepted,
                        disallowed: Vec::new(),
                    },
                    Some(String::from(name)),
                )
            }
            None => match requirements.allowed_keys() {
                // Only the allowed keys may answer: say so in the policy too.
                Some(keys) => (
                    Policy {
                        accepted: keys
                            .iter()
                            .map(|(aaid, key_id)| {
                                vec![MatchCriteria::registered_key(*aaid, key_id.clone())]
                            })
                            .collect(),
                        disallowed: Vec::new(),
                    },
                    None,
                ),
                None => (self.config.policy().clone(), None),
            },
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
            PendingAuthentication::from_issued(request, username, now)
                .with_requirements(requirements),
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
