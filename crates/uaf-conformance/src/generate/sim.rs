//! The simulated phone (`uaf-authenticator` behind `uaf-client`) and the relying party that
//! issues the requests, both deterministic.

use alloc::string::String;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::Value;
use uaf_authenticator::{
    Authenticator, Fault, Profile, ProfileBuilder, ScriptedUser, TransactionDecision, UserAction,
};
use uaf_client::{AuthenticatorOptions, Client, ClientConfig, ClientFault, ClientRequest};
use uaf_metadata::MetadataIndex;
use uaf_proto::id::Aaid;
use uaf_proto::message::{
    AuthenticationRequest, ChannelBinding, Policy, RegistrationRequest, Transaction,
    TrustedFacetList,
};
use uaf_proto::registry::UserVerify;
use uaf_rp::{PendingAuthentication, PendingRegistration, Registration, RelyingParty};

use crate::run;
use crate::vector::RpSettings;

use super::{CaseError, FACET};

/// A seed derived from a name (FNV-1a, 64 bits): stable when cases are added or reordered.
pub(crate) fn seed(name: &str, salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A deterministic RNG for `name`.
pub(crate) fn rng(name: &str, salt: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed(name, salt))
}

/// A profile builder for `aaid` with the simulator's defaults (P-256 RAW, X9.62 raw keys,
/// basic full attestation from a generated test CA, PIN, per-key counters).
pub(crate) fn profile(aaid: &str) -> Result<ProfileBuilder, CaseError> {
    let aaid = Aaid::parse(aaid)?;
    Ok(Profile::builder(aaid).authenticator_version(1))
}

type Sim = Authenticator<ChaCha20Rng, ScriptedUser>;

/// The user of an authenticator of `p`: types the PIN `1234`, or touches a presence-only
/// authenticator, and confirms every transaction.
fn user_for(p: &Profile) -> ScriptedUser {
    let uv = p.user_verification();
    if uv.contains(UserVerify::PASSCODE) || !uv.contains(UserVerify::PRESENCE) {
        ScriptedUser::approving("1234")
    } else {
        ScriptedUser::new()
            .otherwise(UserAction::ConfirmPresence)
            .otherwise_decide(TransactionDecision::Confirmed)
    }
}

/// A phone: the FIDO client with one or more simulated authenticators, each unlocked by the
/// PIN `1234` and confirming every transaction.
pub(crate) struct Phone {
    client: Client<Sim>,
    count: usize,
}

/// How the phone answers one request.
pub(crate) struct Answer<'a> {
    /// The caller's facet ID.
    pub(crate) facet: &'a str,
    /// Client faults to put into the response.
    pub(crate) faults: &'a [ClientFault],
    /// What the client knows of the TLS channel.
    pub(crate) channel_binding: ChannelBinding,
    /// The trusted facet list of the AppID, when the facet is not on the AppID's host.
    pub(crate) trusted: Option<&'a TrustedFacetList>,
}

impl Default for Answer<'_> {
    fn default() -> Self {
        Answer {
            facet: FACET,
            faults: &[],
            channel_binding: ChannelBinding::default(),
            trusted: None,
        }
    }
}

impl Phone {
    /// A phone with authenticators of `profiles`, every random value from `name`.
    pub(crate) fn new(profiles: Vec<Profile>, name: &str) -> Result<Phone, CaseError> {
        let mut client_rng = rng(name, 1);
        let mut client = Client::new(ClientConfig::default(), &mut client_rng);
        let count = profiles.len();
        for (i, p) in profiles.into_iter().enumerate() {
            let version = p.authenticator_version();
            let salt = 100_u64.saturating_add(u64::try_from(i).unwrap_or(0));
            let sim = Authenticator::new(p.clone(), rng(name, salt), user_for(&p))?;
            client.add_authenticator(sim, AuthenticatorOptions::with_version(version));
        }
        Ok(Phone { client, count })
    }

    /// The metadata statements of the phone's authenticators, as JSON values.
    pub(crate) fn metadata(&self) -> Result<Vec<Value>, CaseError> {
        (0..self.count)
            .map(|i| {
                let sim = self
                    .client
                    .authenticator(i)
                    .ok_or(CaseError::Missing("no such authenticator"))?;
                serde_json::from_str(&sim.metadata_statement())
                    .map_err(CaseError::MetadataStatement)
            })
            .collect()
    }

    /// Arms `fault` on authenticator `index`.
    pub(crate) fn arm(&mut self, index: usize, fault: Fault) -> Result<(), CaseError> {
        self.client
            .authenticator_mut(index)
            .ok_or(CaseError::Missing("no such authenticator"))?
            .arm(fault)
            .map_err(|source| CaseError::Arm { fault, source })
    }

    /// The response text to `request` (a request array, JSON).
    pub(crate) fn answer(&mut self, request: &str, how: &Answer<'_>) -> Result<String, CaseError> {
        let mut r =
            ClientRequest::new(request, how.facet).channel_binding(how.channel_binding.clone());
        if let Some(list) = how.trusted {
            r = r.trusted_facets(list);
        }
        for f in how.faults {
            r = r.fault(*f);
        }
        let outcome = self.client.process(&r)?;
        outcome
            .response()
            .map(|resp| resp.message.clone())
            .ok_or(CaseError::Missing("a response from the client"))
    }
}

/// The relying party that issues the requests of a case.
pub(crate) struct Server {
    pub(crate) settings: RpSettings,
    pub(crate) rp: RelyingParty<MetadataIndex>,
}

impl Server {
    /// The RP of `settings` knowing `metadata`; `policy` replaces the default request policy.
    pub(crate) fn new(
        settings: &RpSettings,
        metadata: &[Value],
        policy: Option<Policy>,
    ) -> Result<Server, CaseError> {
        let mut b = run::builder(settings)?;
        if let Some(p) = policy {
            b = b.policy(p);
        }
        let config = b.build()?;
        let index = run::metadata_index(metadata)?;
        Ok(Server {
            settings: settings.clone(),
            rp: RelyingParty::new(config, index),
        })
    }

    fn issued_at(&self) -> u64 {
        self.settings.issued_at.unwrap_or(self.settings.now)
    }

    /// A registration request for `user`, disallowing `existing`.
    pub(crate) fn start_reg(
        &self,
        user: &str,
        existing: &[Registration],
        name: &str,
        salt: u64,
    ) -> Result<(RegistrationRequest, PendingRegistration), CaseError> {
        self.rp
            .start_registration(user, existing, self.issued_at(), &mut rng(name, salt))
            .map_err(CaseError::Rp)
    }

    /// An authentication request (for `user`'s keys, or anyone's), with `transaction`.
    pub(crate) fn start_auth(
        &self,
        user: Option<(&str, &[Registration])>,
        transaction: Vec<Transaction>,
        name: &str,
        salt: u64,
    ) -> Result<(AuthenticationRequest, PendingAuthentication), CaseError> {
        self.rp
            .start_authentication(user, transaction, self.issued_at(), &mut rng(name, salt))
            .map_err(CaseError::Rp)
    }

    /// Verifies a registration response; returns the records to store.
    pub(crate) fn finish_reg(
        &self,
        response: &str,
        pending: PendingRegistration,
        existing: &[Registration],
    ) -> Result<Vec<Registration>, CaseError> {
        self.rp
            .finish_registration(response, pending, existing, self.settings.now)
            .map(|o| o.registrations().cloned().collect())
            .map_err(|source| CaseError::CleanRefused {
                op: "registration",
                source,
            })
    }

    /// Verifies an authentication response; returns `regs` with the counters advanced.
    pub(crate) fn finish_auth(
        &self,
        response: &str,
        pending: PendingAuthentication,
        regs: &[Registration],
    ) -> Result<Vec<Registration>, CaseError> {
        let out = self
            .rp
            .finish_authentication(response, pending, regs, self.settings.now)
            .map_err(|source| CaseError::CleanRefused {
                op: "authentication",
                source,
            })?;
        let mut regs = regs.to_vec();
        for k in &out.keys {
            if let Some(u) = k.counter_update {
                for r in &mut regs {
                    if r.aaid == k.registration.aaid && r.key_id == k.registration.key_id {
                        r.sign_counter = u.new;
                    }
                }
            }
        }
        Ok(regs)
    }
}
