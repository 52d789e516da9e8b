//! Server-side policy decisions (digest §3.2 R5.4): the request's `Policy` evaluated against
//! what the metadata and the assertion say about the authenticator, plus the RP's own
//! user-verification and attestation requirements. Every rejection says why.
//!
//! One assertion is one authenticator, so the server checks that the authenticator matches
//! at least one criterion of some `accepted[i]` and no `disallowed[j]`. (An `accepted[i]` with
//! several criteria asks the client for several authenticators; whether the client gathered
//! them all is visible only across the assertions of one response, and UAF clients send one.)

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use uaf_metadata::MetadataStatement;
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::message::{AuthenticatorCapabilities, CriteriaMismatch, Policy};
use uaf_proto::registry::{AlgSign, AttestationType, UserVerify};

use crate::config::{AttestationRequirement, Config, UserVerificationRequirement};

/// Why the server rejects the authenticator behind one assertion: the request policy, or the
/// RP's (or the authentication's) own requirements.
///
/// Not [`uaf_proto::message::PolicyRejection`]: that one is the client-side answer to "which
/// of my authenticators satisfy this policy" ([`Policy::evaluate`] over several
/// authenticators, each `accepted[i]` needing all its criteria matched by different ones);
/// this one judges a single authenticator, which passes when it matches *some* criterion of
/// some `accepted[i]` (module docs), and also carries the RP's requirements.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthenticatorRejection {
    /// The authenticator matches `disallowed[index]` (for a registration: normally a key the
    /// user registered already).
    Disallowed {
        /// The index in `disallowed`.
        index: usize,
    },
    /// No criterion of any `accepted[i]` matches. `mismatches` holds, for every
    /// `accepted[i][j]`, the first member the authenticator failed.
    NotAccepted {
        /// `((i, j), member)` for each criterion.
        mismatches: Vec<((usize, usize), CriteriaMismatch)>,
    },
    /// User verification is required (by the RP at registration, by the authentication's
    /// requirements at authentication) and the metadata lists no method that verifies the
    /// user: only presence, location or none ([`verifies_user`]).
    UserVerificationRequired,
    /// The RP requires basic full attestation and the assertion carries another type.
    BasicFullRequired {
        /// The attestation type received.
        found: AttestationType,
    },
}

impl fmt::Display for AuthenticatorRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthenticatorRejection::Disallowed { index } => {
                write!(f, "it matches disallowed[{index}] of the request policy")
            }
            AuthenticatorRejection::NotAccepted { mismatches } => {
                f.write_str("it matches no accepted criterion of the request policy")?;
                for ((i, j), m) in mismatches {
                    write!(f, "; accepted[{i}][{j}]: {}", m.member_name())?;
                }
                Ok(())
            }
            AuthenticatorRejection::UserVerificationRequired => f.write_str(
                "user verification is required, and the metadata lists only presence, location or none",
            ),
            AuthenticatorRejection::BasicFullRequired { found } => {
                write!(f, "the relying party requires basic full attestation, not {found}")
            }
        }
    }
}

/// What the server knows about the authenticator behind one assertion.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    /// `TAG_AAID`.
    pub aaid: Aaid,
    /// `TAG_KEYID`.
    pub key_id: &'a [u8],
    /// The model's metadata statement.
    pub statement: &'a MetadataStatement,
    /// `SignatureAlgAndEncoding` of the assertion.
    pub sign_alg: AlgSign,
    /// The attestation type, for registrations.
    pub attestation_type: Option<AttestationType>,
    /// `AuthenticatorVersion` of the assertion.
    pub authenticator_version: u16,
}

impl Candidate<'_> {
    /// The capabilities the policy is matched against: the metadata's, narrowed to what the
    /// assertion shows (its algorithm, attestation type, version and KeyID).
    #[must_use]
    pub fn capabilities(&self) -> AuthenticatorCapabilities {
        let s = self.statement;
        let user_verification_details: Vec<UserVerify> = s
            .user_verification_details()
            .iter()
            .map(|set| {
                set.iter()
                    .fold(UserVerify::EMPTY, |acc, d| acc | d.user_verification)
            })
            .collect();
        let mut caps = AuthenticatorCapabilities::new(self.aaid);
        caps.key_ids = KeyId::from_stored(self.key_id.to_vec())
            .map(|k| vec![k])
            .unwrap_or_default();
        caps.user_verification = s.user_verification_methods();
        caps.user_verification_details = user_verification_details;
        caps.key_protection = s.key_protection();
        caps.matcher_protection = s.matcher_protection_bits();
        caps.attachment_hint = s.attachment_hint();
        caps.tc_display = s.tc_display();
        caps.authentication_algorithms = vec![self.sign_alg];
        caps.assertion_schemes = vec![String::from(uaf_proto::registry::ASSERTION_SCHEME_UAFV1TLV)];
        caps.attestation_types = match self.attestation_type {
            Some(t) => vec![t],
            None => s.attestation_types().to_vec(),
        };
        caps.authenticator_version = self.authenticator_version;
        caps.extension_ids = s
            .supported_extensions()
            .iter()
            .map(|e| e.id.clone())
            .collect();
        caps
    }
}

/// Whether `methods` (the metadata's `userVerificationMethods`, an OR of methods) verifies
/// the **user**: it lists a method beyond presence, location and none. The one rule of this
/// crate, used for the RP's [`UserVerificationRequirement::Required`] at registration
/// (REG-16) and for [`crate::AuthenticationRequirements::require_user_verification`] at
/// authentication (AUTH-16).
///
/// **Location does not count.** `USER_VERIFY_LOCATION` says the authenticator checks where
/// the device is, not who holds it: anyone with the phone at the right place passes, so it
/// proves possession (like presence), not the user. It still counts when listed together with
/// a method that verifies the user. (UAF assertions do not say which listed method was used;
/// the metadata's list is what the server can judge.)
///
/// ```
/// use uaf_proto::registry::UserVerify;
/// use uaf_rp::policy::verifies_user;
/// assert!(verifies_user(UserVerify::FINGERPRINT | UserVerify::PRESENCE));
/// assert!(!verifies_user(UserVerify::PRESENCE | UserVerify::LOCATION));
/// ```
#[must_use]
pub fn verifies_user(methods: UserVerify) -> bool {
    let weak = UserVerify::PRESENCE | UserVerify::LOCATION | UserVerify::NONE | UserVerify::ALL;
    !(methods & UserVerify(!weak.bits())).is_empty()
}

/// R5.4: the RP's requirements, then the request policy (when there is one).
///
/// # Errors
/// Why the authenticator is not acceptable.
pub fn check(
    config: &Config,
    policy: Option<&Policy>,
    candidate: &Candidate<'_>,
) -> Result<(), AuthenticatorRejection> {
    if config.user_verification() == UserVerificationRequirement::Required
        && !verifies_user(candidate.statement.user_verification_methods())
    {
        return Err(AuthenticatorRejection::UserVerificationRequired);
    }
    if let (AttestationRequirement::BasicFullOnly, Some(found)) =
        (config.attestation(), candidate.attestation_type)
    {
        if found != AttestationType::BasicFull {
            return Err(AuthenticatorRejection::BasicFullRequired { found });
        }
    }
    let Some(policy) = policy else {
        return Ok(());
    };
    let caps = candidate.capabilities();
    if let Some(index) = policy.disallowed_by(&caps) {
        return Err(AuthenticatorRejection::Disallowed { index });
    }
    let mut mismatches = Vec::new();
    for (i, set) in policy.accepted.iter().enumerate() {
        for (j, criteria) in set.iter().enumerate() {
            match criteria.check(&caps) {
                Ok(()) => return Ok(()),
                Err(m) => mismatches.push(((i, j), m)),
            }
        }
    }
    Err(AuthenticatorRejection::NotAccepted { mismatches })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_verifying_methods() {
        assert!(verifies_user(UserVerify::PASSCODE));
        assert!(verifies_user(
            UserVerify::FINGERPRINT | UserVerify::PRESENCE
        ));
        assert!(!verifies_user(UserVerify::PRESENCE));
        assert!(!verifies_user(UserVerify::NONE));
        assert!(!verifies_user(UserVerify::EMPTY));
        assert!(!verifies_user(UserVerify::LOCATION));
        assert!(!verifies_user(
            UserVerify::LOCATION | UserVerify::PRESENCE | UserVerify::ALL
        ));
        assert!(verifies_user(UserVerify::LOCATION | UserVerify::VOICEPRINT));
    }
}
