//! Server-side policy decisions (digest §3.2 R5.4): the request's `Policy` evaluated against
//! what the metadata and the assertion say about the authenticator, plus the RP's own
//! user-verification and attestation requirements. Every rejection says why.
//!
//! The policy is judged at two levels:
//!
//! - **each assertion** ([`check`], R5.4 at registration): the RP's own requirements, then
//!   the authenticator must match no `disallowed[j]` and at least one criterion of some
//!   `accepted[i]`, or it cannot take part in any;
//! - **the response** ([`decide`], R6 / A6, registration and authentication): an
//!   `accepted[i]` is an AND-set, satisfied only when each of its criteria is matched by a
//!   **different** authenticator of the same response (UAF protocol §3.4.2.1, digest §2.12);
//!   one `accepted[i]` suffices. The [`PolicyDecision`] says which criteria each verified
//!   assertion matched, which assertion was assigned to each criterion and which criteria
//!   stayed unmatched; none satisfied is status 1492.
//!
//! The assignment is a bipartite matching (criteria × assertions) solved exactly with
//! augmenting paths, so a greedy choice never hides a solution.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use uaf_metadata::MetadataStatement;
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::message::{AuthenticatorCapabilities, CriteriaMismatch, Policy};

use alloc::collections::BTreeSet;
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

/// What one verified assertion of a response matched (part of a [`PolicyDecision`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssertionMatch {
    /// The assertion's index in the response's `assertions`.
    pub assertion: usize,
    /// `j` of the first `disallowed[j]` it matches: it then takes part in nothing.
    pub disallowed: Option<usize>,
    /// Every criterion `(i, j)` (`accepted[i][j]`) it matches, in policy order (empty when
    /// disallowed).
    pub matches: Vec<(usize, usize)>,
}

/// How one `accepted[i]` fared over the response (part of a [`PolicyDecision`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcceptedSetDecision {
    /// `i`.
    pub index: usize,
    /// For each criterion `j` of `accepted[i]`, the response index of the assertion assigned
    /// to it (all different; a largest such assignment), or `None`: the criterion stayed
    /// unmatched.
    pub assigned: Vec<Option<usize>>,
}

impl AcceptedSetDecision {
    /// Whether every criterion has an assertion of its own (an empty AND-set never has).
    #[must_use]
    pub fn is_satisfied(&self) -> bool {
        !self.assigned.is_empty() && self.assigned.iter().all(Option::is_some)
    }

    /// The criteria `j` that stayed unmatched.
    pub fn unmatched(&self) -> impl Iterator<Item = usize> + '_ {
        self.assigned
            .iter()
            .enumerate()
            .filter(|(_, a)| a.is_none())
            .map(|(j, _)| j)
    }
}

/// The explainable decision of a request policy over the verified assertions of one response
/// ([`decide`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyDecision {
    /// `i` of the first `accepted[i]` satisfied, if any.
    pub satisfied: Option<usize>,
    /// What each verified assertion matched, in response order.
    pub assertions: Vec<AssertionMatch>,
    /// How each `accepted[i]` fared, in policy order.
    pub accepted: Vec<AcceptedSetDecision>,
}

impl PolicyDecision {
    /// Whether some `accepted[i]` is satisfied.
    #[must_use]
    pub fn is_satisfied(&self) -> bool {
        self.satisfied.is_some()
    }
}

impl fmt::Display for PolicyDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.satisfied {
            Some(i) => write!(f, "accepted[{i}] is satisfied")?,
            None if self.accepted.is_empty() => {
                f.write_str("no accepted entry is satisfied (`accepted` is empty)")?;
            }
            None => f.write_str("no accepted entry is satisfied")?,
        }
        for a in &self.assertions {
            write!(f, "; assertion {}", a.assertion)?;
            if let Some(j) = a.disallowed {
                write!(f, " is excluded by disallowed[{j}]")?;
            } else if a.matches.is_empty() {
                f.write_str(" matches no criterion")?;
            } else {
                f.write_str(" matches")?;
                for (n, (i, j)) in a.matches.iter().enumerate() {
                    let sep = if n == 0 { " " } else { ", " };
                    write!(f, "{sep}accepted[{i}][{j}]")?;
                }
            }
        }
        for set in &self.accepted {
            if set.assigned.is_empty() {
                write!(f, "; accepted[{}] is empty", set.index)?;
            }
            for (j, a) in set.assigned.iter().enumerate() {
                match a {
                    Some(n) => write!(f, "; accepted[{}][{j}] by assertion {n}", set.index)?,
                    None => write!(f, "; accepted[{}][{j}] unmatched", set.index)?,
                }
            }
        }
        Ok(())
    }
}

/// [`decide`] as the response-level check of a ceremony (R6 / A6, `step`): the decision when
/// an accepted set is satisfied, else [`crate::error::ErrorKind::PolicyNotSatisfied`] (1492) carrying it.
pub(crate) fn require(
    policy: &Policy,
    assertions: &[(usize, AuthenticatorCapabilities)],
    step: crate::step::StepId,
) -> Result<PolicyDecision, crate::error::Error> {
    let decision = decide(policy, assertions);
    if decision.is_satisfied() {
        Ok(decision)
    } else {
        Err(crate::error::Error::new(
            step,
            crate::error::ErrorKind::PolicyNotSatisfied(alloc::boxed::Box::new(decision)),
        ))
    }
}

/// R6 / A6: evaluates `policy` over the verified assertions of one response, each given as
/// `(index in the response, capabilities)` ([`Candidate::capabilities`]). An assertion that
/// matches `disallowed[j]` takes part in nothing; `accepted[i]` is satisfied when each of its
/// criteria is matched by a different assertion; the first satisfied `accepted[i]` decides.
#[must_use]
pub fn decide(
    policy: &Policy,
    assertions: &[(usize, AuthenticatorCapabilities)],
) -> PolicyDecision {
    let mut matches: Vec<AssertionMatch> = Vec::with_capacity(assertions.len());
    for (index, caps) in assertions {
        let disallowed = policy.disallowed_by(caps);
        let mut found = Vec::new();
        if disallowed.is_none() {
            for (i, set) in policy.accepted.iter().enumerate() {
                for (j, criteria) in set.iter().enumerate() {
                    if criteria.check(caps).is_ok() {
                        found.push((i, j));
                    }
                }
            }
        }
        matches.push(AssertionMatch {
            assertion: *index,
            disallowed,
            matches: found,
        });
    }
    let mut accepted = Vec::with_capacity(policy.accepted.len());
    let mut satisfied = None;
    for (i, set) in policy.accepted.iter().enumerate() {
        // fits[j]: positions (in `matches`) of the assertions matching accepted[i][j].
        let fits: Vec<Vec<usize>> = (0..set.len())
            .map(|j| {
                matches
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| m.matches.contains(&(i, j)))
                    .map(|(p, _)| p)
                    .collect()
            })
            .collect();
        let assigned = assign(&fits, matches.len())
            .into_iter()
            .map(|p| p.and_then(|p| matches.get(p)).map(|m| m.assertion))
            .collect();
        let decision = AcceptedSetDecision { index: i, assigned };
        if satisfied.is_none() && decision.is_satisfied() {
            satisfied = Some(i);
        }
        accepted.push(decision);
    }
    PolicyDecision {
        satisfied,
        assertions: matches,
        accepted,
    }
}

/// A largest assignment of different assertions (positions `0..n`) to criteria, each
/// criterion `j` to one of `fits[j]` (augmenting paths).
fn assign(fits: &[Vec<usize>], n: usize) -> Vec<Option<usize>> {
    let mut owner: Vec<Option<usize>> = vec![None; n];
    for j in 0..fits.len() {
        let mut seen = BTreeSet::new();
        augment(j, fits, &mut owner, &mut seen);
    }
    let mut out = vec![None; fits.len()];
    for (p, o) in owner.iter().enumerate() {
        if let Some(slot) = o.and_then(|j| out.get_mut(j)) {
            *slot = Some(p);
        }
    }
    out
}

/// Finds an assertion for criterion `j`, moving others along an augmenting path.
fn augment(
    j: usize,
    fits: &[Vec<usize>],
    owner: &mut [Option<usize>],
    seen: &mut BTreeSet<usize>,
) -> bool {
    let Some(candidates) = fits.get(j) else {
        return false;
    };
    for &p in candidates {
        if !seen.insert(p) {
            continue;
        }
        let current = owner.get(p).copied().flatten();
        let free = match current {
            None => true,
            Some(k) => augment(k, fits, owner, seen),
        };
        if free {
            if let Some(o) = owner.get_mut(p) {
                *o = Some(j);
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn caps(aaid: &str) -> AuthenticatorCapabilities {
        AuthenticatorCapabilities::new(Aaid::parse(aaid).unwrap())
    }

    fn model(aaid: &str) -> uaf_proto::message::MatchCriteria {
        uaf_proto::message::MatchCriteria {
            aaid: Some(vec![Aaid::parse(aaid).unwrap()]),
            ..uaf_proto::message::MatchCriteria::default()
        }
    }

    fn and_set(models: &[&str]) -> Policy {
        Policy {
            accepted: vec![models.iter().map(|m| model(m)).collect()],
            disallowed: Vec::new(),
        }
    }

    /// An AND-set is satisfied by different authenticators of one response, one per
    /// criterion; the decision names the assertion of each criterion.
    #[test]
    fn an_and_set_is_satisfied_by_different_authenticators() {
        let policy = and_set(&["AAAA#0001", "BBBB#0001"]);
        let d = decide(&policy, &[(0, caps("AAAA#0001")), (1, caps("BBBB#0001"))]);
        assert_eq!(d.satisfied, Some(0));
        assert_eq!(d.accepted[0].assigned, [Some(0), Some(1)]);
        assert_eq!(d.assertions[0].matches, [(0, 0)]);
        assert_eq!(d.assertions[1].matches, [(0, 1)]);
        assert_eq!(
            d.to_string(),
            "accepted[0] is satisfied; assertion 0 matches accepted[0][0]; assertion 1 matches accepted[0][1]; accepted[0][0] by assertion 0; accepted[0][1] by assertion 1"
        );
    }

    /// One authenticator matching one criterion does not satisfy an AND-set (the old
    /// behaviour accepted it); the decision says which criterion stayed unmatched.
    #[test]
    fn one_authenticator_does_not_satisfy_an_and_set() {
        let policy = and_set(&["AAAA#0001", "BBBB#0001"]);
        let d = decide(&policy, &[(3, caps("BBBB#0001"))]);
        assert!(!d.is_satisfied());
        assert_eq!(d.accepted[0].assigned, [None, Some(3)]);
        assert_eq!(d.accepted[0].unmatched().collect::<Vec<_>>(), [0]);
        assert_eq!(
            d.to_string(),
            "no accepted entry is satisfied; assertion 3 matches accepted[0][1]; accepted[0][0] unmatched; accepted[0][1] by assertion 3"
        );
        // The same authenticator twice cannot fill two criteria that only it matches.
        let policy = Policy {
            accepted: vec![vec![model("AAAA#0001"), model("AAAA#0001")]],
            disallowed: Vec::new(),
        };
        let d = decide(&policy, &[(0, caps("AAAA#0001"))]);
        assert_eq!(d.accepted[0].assigned, [Some(0), None]);
        assert!(!d.is_satisfied());
    }

    /// The assignment is exact: a greedy choice (the first assertion to the first criterion
    /// it matches) would leave a criterion unmatched here.
    #[test]
    fn the_assignment_finds_a_solution_a_greedy_choice_misses() {
        let wide = uaf_proto::message::MatchCriteria {
            vendor_id: Some(vec![String::from("AAAA")]),
            ..uaf_proto::message::MatchCriteria::default()
        };
        let policy = Policy {
            accepted: vec![vec![wide, model("AAAA#0001")]],
            disallowed: Vec::new(),
        };
        let d = decide(&policy, &[(0, caps("AAAA#0001")), (1, caps("AAAA#0002"))]);
        assert_eq!(d.satisfied, Some(0));
        assert_eq!(d.accepted[0].assigned, [Some(1), Some(0)]);
    }

    /// Any one satisfied entry of `accepted` suffices; disallowed authenticators take part in
    /// nothing; an empty AND-set and an empty `accepted` are never satisfied.
    #[test]
    fn or_over_accepted_disallowed_and_empty_sets() {
        let policy = Policy {
            accepted: vec![
                vec![model("AAAA#0001"), model("BBBB#0001")],
                vec![model("CCCC#0001")],
            ],
            disallowed: vec![model("BBBB#0001")],
        };
        let d = decide(&policy, &[(0, caps("CCCC#0001"))]);
        assert_eq!(d.satisfied, Some(1));
        let d = decide(&policy, &[(0, caps("AAAA#0001")), (1, caps("BBBB#0001"))]);
        assert_eq!(d.satisfied, None);
        assert_eq!(d.assertions[1].disallowed, Some(0));
        assert!(d.assertions[1].matches.is_empty());
        assert!(
            d.to_string()
                .contains("assertion 1 is excluded by disallowed[0]")
        );
        let empty = Policy {
            accepted: vec![Vec::new()],
            disallowed: Vec::new(),
        };
        let d = decide(&empty, &[(0, caps("AAAA#0001"))]);
        assert!(!d.is_satisfied());
        assert!(d.to_string().contains("accepted[0] is empty"));
        let none = Policy {
            accepted: Vec::new(),
            disallowed: Vec::new(),
        };
        assert_eq!(
            decide(&none, &[(0, caps("AAAA#0001"))]).to_string(),
            "no accepted entry is satisfied (`accepted` is empty); assertion 0 matches no criterion"
        );
    }

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
