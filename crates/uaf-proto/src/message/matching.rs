//! Evaluating a [`Policy`] and its [`MatchCriteria`] against what authenticators can do
//! (digest §2.12), as a pure function shared by both sides:
//!
//! - a **client** describes each authenticator from its GetInfo response
//!   ([`AuthenticatorCapabilities::from_authenticator_info`]) plus the KeyIDs it holds for the
//!   AppID, and asks which `accepted` entry it can satisfy;
//! - a **relying party** describes the authenticator that answered from its metadata
//!   statement plus what the assertion says (AAID, KeyID, algorithm, attestation type), and
//!   checks that the response satisfies the policy it sent (UAF status 1492 otherwise).
//!
//! # Semantics
//!
//! | member | an authenticator matches when… |
//! |---|---|
//! | `aaid` | its AAID is listed (hex digits compare case-insensitively) |
//! | `vendorID` | the vendor part of its AAID is listed (case-insensitively) |
//! | `keyIDs` | it holds a key with one of these KeyIDs (for this AppID) |
//! | `userVerification` | without `USER_VERIFY_ALL`: one of its ways to verify the user uses one of the listed methods; with `USER_VERIFY_ALL`: one of its ways to verify the user uses **all** listed methods together (see below) |
//! | `keyProtection`, `matcherProtection`, `attachmentHint`, `tcDisplay` | the bitwise AND of the listed bits and its bits is non-zero |
//! | `authenticationAlgorithms`, `assertionSchemes`, `attestationTypes` | it supports at least one listed value |
//! | `authenticatorVersion` | its version is ≥ the listed one |
//! | `exts` | it supports every listed extension ID |
//!
//! Absent members do not restrict. A present but empty list, and a bit set without any
//! method or flag bit, match nothing (the specification forbids them in generated policies;
//! see [`MatchCriteria::validate`]).
//!
//! **User verification.** An authenticator's ways to verify the user are an OR of AND
//! combinations ([`AuthenticatorCapabilities::user_verification_combinations`]): the
//! metadata statement's `userVerificationDetails` when known; otherwise the GetInfo /
//! metadata bit set, read as one combination when `USER_VERIFY_ALL` is set in it, else as one
//! single-method alternative per bit. A criterion with `USER_VERIFY_ALL` matches when one
//! combination contains every listed method (it may ask for more).
//!
//! **Policy.** `disallowed` is applied first: an authenticator matching any `disallowed[j]`
//! takes part in nothing. Then `accepted[i]` (an AND-set) is satisfied when each of its
//! criteria is matched by a **different** authenticator; this is a bipartite matching,
//! solved exactly (augmenting paths), so a greedy choice never hides a solution. The first
//! satisfied `accepted[i]` is returned; an empty `accepted[i]` is never satisfied.
//!
//! ```
//! use uaf_proto::id::Aaid;
//! use uaf_proto::message::{AuthenticatorCapabilities, CriteriaMismatch, MatchCriteria, Policy};
//! use uaf_proto::registry::{AlgSign, UserVerify};
//!
//! let mut phone = AuthenticatorCapabilities::new(Aaid::parse("ABCD#0001")?);
//! phone.user_verification = UserVerify::PASSCODE | UserVerify::FINGERPRINT;
//! phone.authentication_algorithms = vec![AlgSign::Secp256r1EcdsaSha256Raw];
//! phone.assertion_schemes = vec!["UAFV1TLV".into()];
//!
//! let fingerprint_and_pin = MatchCriteria {
//!     user_verification: Some(UserVerify::ALL | UserVerify::PASSCODE | UserVerify::FINGERPRINT),
//!     authentication_algorithms: Some(vec![AlgSign::Secp256r1EcdsaSha256Raw]),
//!     assertion_schemes: Some(vec!["UAFV1TLV".into()]),
//!     ..MatchCriteria::default()
//! };
//! // PIN *or* fingerprint is not PIN *and* fingerprint.
//! assert_eq!(fingerprint_and_pin.check(&phone), Err(CriteriaMismatch::UserVerification));
//!
//! let pin = MatchCriteria { user_verification: Some(UserVerify::PASSCODE), ..fingerprint_and_pin };
//! let policy = Policy { accepted: vec![vec![pin]], disallowed: vec![] };
//! let found = policy.evaluate(&[phone]).map_err(|e| e.to_string())?;
//! assert_eq!((found.accepted_index, found.authenticators.as_slice()), (0, &[0][..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use super::policy::{MatchCriteria, Policy};
use crate::command::AuthenticatorInfo;
use crate::id::{Aaid, KeyId};
use crate::registry::{
    AlgSign, AttachmentHint, AttestationType, KeyProtection, TcDisplay, UserVerify,
};

/// What one authenticator can do, as far as [`MatchCriteria`] asks (digest §2.12).
///
/// Build it with [`AuthenticatorCapabilities::new`] (everything empty) or
/// [`AuthenticatorCapabilities::from_authenticator_info`] (what GetInfo says), then fill in
/// what the source does not carry. Fields never restrict on their own: an empty list simply
/// matches no criteria member that asks about it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthenticatorCapabilities {
    /// The AAID.
    pub aaid: Aaid,
    /// The KeyIDs of the keys it holds **for the AppID of the operation** (client: what the
    /// ASM registered; relying party: the KeyID of the assertion).
    pub key_ids: Vec<KeyId>,
    /// `USER_VERIFY_*` bits as GetInfo or the metadata statement's summary give them: with
    /// `USER_VERIFY_ALL`, all bits form one combination; without, each bit is an alternative.
    pub user_verification: UserVerify,
    /// The OR of AND combinations of the metadata statement's `userVerificationDetails`, each a
    /// bit set of the methods used together (a `USER_VERIFY_ALL` bit in an entry is ignored).
    /// When non-empty it replaces [`user_verification`](Self::user_verification) for matching.
    pub user_verification_details: Vec<UserVerify>,
    /// `KEY_PROTECTION_*` bits.
    pub key_protection: KeyProtection,
    /// `MATCHER_PROTECTION_*` bits (one value in metadata; a bit set in criteria).
    pub matcher_protection: u16,
    /// `ATTACHMENT_HINT_*` bits (not in GetInfo: the ASM or the metadata statement knows them).
    pub attachment_hint: AttachmentHint,
    /// `TRANSACTION_CONFIRMATION_DISPLAY_*` bits (0: no transaction confirmation).
    pub tc_display: TcDisplay,
    /// Signature algorithms it can use.
    pub authentication_algorithms: Vec<AlgSign>,
    /// Assertion schemes it speaks (`UAFV1TLV`).
    pub assertion_schemes: Vec<String>,
    /// Attestation types it can make (relying party: the one in the assertion).
    pub attestation_types: Vec<AttestationType>,
    /// Authenticator version (not in GetInfo: from the metadata statement or an assertion).
    pub authenticator_version: u16,
    /// IDs of the extensions it supports.
    pub extension_ids: Vec<String>,
}

impl AuthenticatorCapabilities {
    /// An authenticator with this AAID that supports nothing yet.
    #[must_use]
    pub const fn new(aaid: Aaid) -> Self {
        AuthenticatorCapabilities {
            aaid,
            key_ids: Vec::new(),
            user_verification: UserVerify::EMPTY,
            user_verification_details: Vec::new(),
            key_protection: KeyProtection::EMPTY,
            matcher_protection: 0,
            attachment_hint: AttachmentHint::EMPTY,
            tc_display: TcDisplay::EMPTY,
            authentication_algorithms: Vec::new(),
            assertion_schemes: Vec::new(),
            attestation_types: Vec::new(),
            authenticator_version: 0,
            extension_ids: Vec::new(),
        }
    }

    /// What a GetInfo `TAG_AUTHENTICATOR_INFO` says (digest §5.8): AAID, user verification,
    /// key and matcher protection, TC display, the algorithm, assertion scheme, attestation
    /// types and extension IDs. GetInfo does not carry the attachment hint, the authenticator
    /// version or the KeyIDs: set [`attachment_hint`](Self::attachment_hint),
    /// [`authenticator_version`](Self::authenticator_version) and
    /// [`key_ids`](Self::key_ids) from what the ASM knows.
    #[must_use]
    pub fn from_authenticator_info(info: &AuthenticatorInfo<'_>) -> Self {
        let m = &info.metadata;
        AuthenticatorCapabilities {
            user_verification: m.user_verification,
            key_protection: m.key_protection,
            matcher_protection: m.matcher_protection.value(),
            tc_display: m.tc_display,
            authentication_algorithms: vec![m.authentication_alg],
            assertion_schemes: vec![String::from(info.assertion_scheme)],
            attestation_types: info.attestation_types.iter().collect(),
            extension_ids: info
                .supported_extension_ids
                .iter()
                .map(String::from)
                .collect(),
            ..AuthenticatorCapabilities::new(info.aaid)
        }
    }

    /// The authenticator's ways to verify the user, each a combination of methods used
    /// together (without the `USER_VERIFY_ALL` bit): see the module documentation.
    #[must_use]
    pub fn user_verification_combinations(&self) -> Vec<UserVerify> {
        let all = UserVerify::ALL.bits();
        if !self.user_verification_details.is_empty() {
            return self
                .user_verification_details
                .iter()
                .map(|c| UserVerify(c.bits() & !all))
                .filter(|c| !c.is_empty())
                .collect();
        }
        let bits = self.user_verification.bits();
        let methods = bits & !all;
        if methods == 0 {
            Vec::new()
        } else if bits & all != 0 {
            vec![UserVerify(methods)]
        } else {
            (0..u32::BITS)
                .map(|i| 1u32 << i)
                .filter(|bit| methods & bit != 0)
                .map(UserVerify)
                .collect()
        }
    }
}

/// The member of a [`MatchCriteria`] an authenticator did not match (the first one, in the
/// member order of digest §2.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CriteriaMismatch {
    /// `aaid` does not list its AAID.
    Aaid,
    /// `vendorID` does not list the vendor part of its AAID.
    VendorId,
    /// It holds no key with one of the `keyIDs`.
    KeyIds,
    /// None of its ways to verify the user fits `userVerification`.
    UserVerification,
    /// `keyProtection` shares no bit with its key protection.
    KeyProtection,
    /// `matcherProtection` shares no bit with its matcher protection.
    MatcherProtection,
    /// `attachmentHint` shares no bit with its attachment hints.
    AttachmentHint,
    /// `tcDisplay` shares no bit with its transaction confirmation display.
    TcDisplay,
    /// It supports none of the `authenticationAlgorithms`.
    AuthenticationAlgorithms,
    /// It speaks none of the `assertionSchemes`.
    AssertionSchemes,
    /// It makes none of the `attestationTypes`.
    AttestationTypes,
    /// Its version is below `authenticatorVersion`.
    AuthenticatorVersion,
    /// It does not support every extension in `exts`.
    Exts,
}

impl CriteriaMismatch {
    /// The JSON member name (`userVerification`).
    #[must_use]
    pub const fn member_name(self) -> &'static str {
        match self {
            CriteriaMismatch::Aaid => "aaid",
            CriteriaMismatch::VendorId => "vendorID",
            CriteriaMismatch::KeyIds => "keyIDs",
            CriteriaMismatch::UserVerification => "userVerification",
            CriteriaMismatch::KeyProtection => "keyProtection",
            CriteriaMismatch::MatcherProtection => "matcherProtection",
            CriteriaMismatch::AttachmentHint => "attachmentHint",
            CriteriaMismatch::TcDisplay => "tcDisplay",
            CriteriaMismatch::AuthenticationAlgorithms => "authenticationAlgorithms",
            CriteriaMismatch::AssertionSchemes => "assertionSchemes",
            CriteriaMismatch::AttestationTypes => "attestationTypes",
            CriteriaMismatch::AuthenticatorVersion => "authenticatorVersion",
            CriteriaMismatch::Exts => "exts",
        }
    }
}

impl fmt::Display for CriteriaMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            CriteriaMismatch::Aaid => "does not list the authenticator's AAID",
            CriteriaMismatch::VendorId => {
                "does not list the vendor part of the authenticator's AAID"
            }
            CriteriaMismatch::KeyIds => "names no key the authenticator holds for this AppID",
            CriteriaMismatch::UserVerification => {
                "asks for user verification methods the authenticator does not offer (together, with USER_VERIFY_ALL)"
            }
            CriteriaMismatch::KeyProtection => {
                "shares no bit with the authenticator's key protection"
            }
            CriteriaMismatch::MatcherProtection => {
                "shares no bit with the authenticator's matcher protection"
            }
            CriteriaMismatch::AttachmentHint => {
                "shares no bit with the authenticator's attachment hints"
            }
            CriteriaMismatch::TcDisplay => {
                "shares no bit with the authenticator's transaction confirmation display"
            }
            CriteriaMismatch::AuthenticationAlgorithms => {
                "lists no signature algorithm the authenticator supports"
            }
            CriteriaMismatch::AssertionSchemes => {
                "lists no assertion scheme the authenticator speaks"
            }
            CriteriaMismatch::AttestationTypes => {
                "lists no attestation type the authenticator makes"
            }
            CriteriaMismatch::AuthenticatorVersion => "asks for a newer authenticator version",
            CriteriaMismatch::Exts => "lists an extension the authenticator does not support",
        };
        write!(f, "`{}` {what}", self.member_name())
    }
}

#[cfg(feature = "std")]
impl core::error::Error for CriteriaMismatch {}

/// Whether `list` (when present) contains an item for which `hit` holds.
fn any_of<T>(list: Option<&Vec<T>>, hit: impl FnMut(&T) -> bool) -> bool {
    list.is_none_or(|l| l.iter().any(hit))
}

impl MatchCriteria {
    /// Checks `authenticator` against every member of these criteria (semantics in the
    /// `MatchCriteria` table of the UAF protocol, digest §2.12).
    ///
    /// # Errors
    /// The first member, in specification order, that the authenticator does not match.
    pub fn check(&self, authenticator: &AuthenticatorCapabilities) -> Result<(), CriteriaMismatch> {
        let a = authenticator;
        let fail = |ok: bool, member: CriteriaMismatch| if ok { Ok(()) } else { Err(member) };
        fail(
            any_of(self.aaid.as_ref(), |x| *x == a.aaid),
            CriteriaMismatch::Aaid,
        )?;
        fail(
            any_of(self.vendor_id.as_ref(), |v| {
                v.eq_ignore_ascii_case(a.aaid.vendor())
            }),
            CriteriaMismatch::VendorId,
        )?;
        fail(
            any_of(self.key_ids.as_ref(), |k| a.key_ids.contains(k)),
            CriteriaMismatch::KeyIds,
        )?;
        fail(
            self.user_verification
                .is_none_or(|uv| user_verification_matches(uv, a)),
            CriteriaMismatch::UserVerification,
        )?;
        fail(
            self.key_protection
                .is_none_or(|k| k.intersects(a.key_protection)),
            CriteriaMismatch::KeyProtection,
        )?;
        fail(
            self.matcher_protection
                .is_none_or(|m| m & a.matcher_protection != 0),
            CriteriaMismatch::MatcherProtection,
        )?;
        fail(
            self.attachment_hint
                .is_none_or(|h| h.intersects(a.attachment_hint)),
            CriteriaMismatch::AttachmentHint,
        )?;
        fail(
            self.tc_display.is_none_or(|t| t.intersects(a.tc_display)),
            CriteriaMismatch::TcDisplay,
        )?;
        fail(
            any_of(self.authentication_algorithms.as_ref(), |alg| {
                a.authentication_algorithms.contains(alg)
            }),
            CriteriaMismatch::AuthenticationAlgorithms,
        )?;
        fail(
            any_of(self.assertion_schemes.as_ref(), |s| {
                a.assertion_schemes.contains(s)
            }),
            CriteriaMismatch::AssertionSchemes,
        )?;
        fail(
            any_of(self.attestation_types.as_ref(), |t| {
                a.attestation_types.contains(t)
            }),
            CriteriaMismatch::AttestationTypes,
        )?;
        fail(
            self.authenticator_version
                .is_none_or(|v| a.authenticator_version >= v),
            CriteriaMismatch::AuthenticatorVersion,
        )?;
        fail(
            self.exts
                .as_ref()
                .is_none_or(|exts| exts.iter().all(|e| a.extension_ids.contains(&e.id))),
            CriteriaMismatch::Exts,
        )
    }

    /// Whether `authenticator` matches every member of these criteria.
    #[must_use]
    pub fn matches(&self, authenticator: &AuthenticatorCapabilities) -> bool {
        self.check(authenticator).is_ok()
    }
}

/// The `userVerification` rule (module documentation).
fn user_verification_matches(wanted: UserVerify, a: &AuthenticatorCapabilities) -> bool {
    let methods = wanted.bits() & !UserVerify::ALL.bits();
    if methods == 0 {
        return false;
    }
    let together = wanted.contains(UserVerify::ALL);
    a.user_verification_combinations().iter().any(|c| {
        if together {
            c.bits() & methods == methods
        } else {
            c.bits() & methods != 0
        }
    })
}

/// A satisfied `accepted[i]` (from [`Policy::evaluate`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyMatch {
    /// `i`: the first entry of `accepted` that is satisfied.
    pub accepted_index: usize,
    /// For each criteria `j` of `accepted[i]`, the index (into the evaluated slice) of the
    /// authenticator that matches it; all different.
    pub authenticators: Vec<usize>,
}

/// An authenticator excluded by `disallowed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DisallowedMatch {
    /// Index of the authenticator in the evaluated slice.
    pub authenticator: usize,
    /// `j`: the first `disallowed[j]` it matches.
    pub disallowed_index: usize,
}

/// One authenticator that did not match one criteria, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct AuthenticatorMismatch {
    /// Index of the authenticator in the evaluated slice.
    pub authenticator: usize,
    /// The first member it failed.
    pub mismatch: CriteriaMismatch,
}

/// Why one `accepted[i]` is not satisfied.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcceptedSetFailure {
    /// `accepted[i]` holds no criteria (an empty AND-set is never satisfied).
    Empty,
    /// No allowed authenticator matches `accepted[i][criteria]`.
    Unmatched {
        /// `j`: the first criteria no allowed authenticator matches.
        criteria: usize,
        /// For each authenticator not excluded by `disallowed`, the member it failed.
        mismatches: Vec<AuthenticatorMismatch>,
    },
    /// Every criteria is matched by some allowed authenticator, but not each by a different
    /// one (e.g. two criteria only one phone matches).
    NotEnoughAuthenticators {
        /// `j`: the criteria left without an authenticator of its own.
        criteria: usize,
    },
}

/// One entry of [`PolicyRejection::accepted`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcceptedRejection {
    /// `i`.
    pub accepted_index: usize,
    /// Why `accepted[i]` is not satisfied.
    pub failure: AcceptedSetFailure,
}

/// No entry of `accepted` is satisfied (from [`Policy::evaluate`]): the authenticators
/// `disallowed` excluded, then why each `accepted[i]` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyRejection {
    /// The authenticators excluded by `disallowed`, in slice order.
    pub disallowed: Vec<DisallowedMatch>,
    /// One entry per `accepted[i]`, in order (empty if `accepted` is empty).
    pub accepted: Vec<AcceptedRejection>,
}

impl fmt::Display for PolicyRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no entry of the policy's `accepted` is satisfied")?;
        if self.accepted.is_empty() {
            f.write_str(" (`accepted` is empty)")?;
        }
        for d in &self.disallowed {
            write!(
                f,
                "; authenticator {} is excluded by disallowed[{}]",
                d.authenticator, d.disallowed_index
            )?;
        }
        for r in &self.accepted {
            let i = r.accepted_index;
            match &r.failure {
                AcceptedSetFailure::Empty => write!(f, "; accepted[{i}] is empty")?,
                AcceptedSetFailure::Unmatched {
                    criteria,
                    mismatches,
                } => {
                    write!(
                        f,
                        "; accepted[{i}][{criteria}] matches no allowed authenticator"
                    )?;
                    for m in mismatches {
                        write!(f, " (authenticator {}: {})", m.authenticator, m.mismatch)?;
                    }
                }
                AcceptedSetFailure::NotEnoughAuthenticators { criteria } => write!(
                    f,
                    "; accepted[{i}] needs a different authenticator for each criteria, none is left for accepted[{i}][{criteria}]"
                )?,
            }
        }
        Ok(())
    }
}

#[cfg(feature = "std")]
impl core::error::Error for PolicyRejection {}

impl Policy {
    /// The first `disallowed[j]` that `authenticator` matches, if any.
    #[must_use]
    pub fn disallowed_by(&self, authenticator: &AuthenticatorCapabilities) -> Option<usize> {
        self.disallowed
            .iter()
            .position(|c| c.matches(authenticator))
    }

    /// Evaluates the policy against the available `authenticators` (semantics in the
    /// `MatchCriteria` table of the UAF protocol, digest §2.12). the first `accepted[i]` whose criteria are each matched
    /// by a different authenticator not excluded by `disallowed`.
    ///
    /// # Errors
    /// [`PolicyRejection`]: which authenticators `disallowed` excluded, and for each
    /// `accepted[i]` which criteria failed and which member each authenticator failed.
    pub fn evaluate(
        &self,
        authenticators: &[AuthenticatorCapabilities],
    ) -> Result<PolicyMatch, PolicyRejection> {
        let mut disallowed = Vec::new();
        let mut allowed = Vec::new();
        for (index, a) in authenticators.iter().enumerate() {
            match self.disallowed_by(a) {
                Some(j) => disallowed.push(DisallowedMatch {
                    authenticator: index,
                    disallowed_index: j,
                }),
                None => allowed.push((index, a)),
            }
        }
        let mut rejections = Vec::with_capacity(self.accepted.len());
        for (i, set) in self.accepted.iter().enumerate() {
            match evaluate_set(set, &allowed) {
                Ok(assignment) => {
                    return Ok(PolicyMatch {
                        accepted_index: i,
                        authenticators: assignment,
                    });
                }
                Err(failure) => rejections.push(AcceptedRejection {
                    accepted_index: i,
                    failure,
                }),
            }
        }
        Err(PolicyRejection {
            disallowed,
            accepted: rejections,
        })
    }
}

/// One AND-set against the allowed authenticators `(slice index, capabilities)`.
fn evaluate_set(
    set: &[MatchCriteria],
    allowed: &[(usize, &AuthenticatorCapabilities)],
) -> Result<Vec<usize>, AcceptedSetFailure> {
    if set.is_empty() {
        return Err(AcceptedSetFailure::Empty);
    }
    // candidates[j] = positions in `allowed` of the authenticators matching set[j].
    let mut candidates = Vec::with_capacity(set.len());
    for (j, criteria) in set.iter().enumerate() {
        let mut fits = Vec::new();
        let mut mismatches = Vec::new();
        for (pos, (index, a)) in allowed.iter().enumerate() {
            match criteria.check(a) {
                Ok(()) => fits.push(pos),
                Err(mismatch) => mismatches.push(AuthenticatorMismatch {
                    authenticator: *index,
                    mismatch,
                }),
            }
        }
        if fits.is_empty() {
            return Err(AcceptedSetFailure::Unmatched {
                criteria: j,
                mismatches,
            });
        }
        candidates.push(fits);
    }
    // Bipartite matching criteria → authenticators (Kuhn's augmenting paths). `owner[pos]` is
    // the criteria authenticator `pos` serves.
    let mut owner: Vec<Option<usize>> = vec![None; allowed.len()];
    for j in 0..set.len() {
        let mut visited = vec![false; allowed.len()];
        if !augment(j, &candidates, &mut owner, &mut visited) {
            return Err(AcceptedSetFailure::NotEnoughAuthenticators { criteria: j });
        }
    }
    let mut assignment = vec![0usize; set.len()];
    for (pos, served) in owner.iter().enumerate() {
        if let (Some(j), Some((index, _))) = (served, allowed.get(pos)) {
            if let Some(slot) = assignment.get_mut(*j) {
                *slot = *index;
            }
        }
    }
    Ok(assignment)
}

/// Finds an authenticator for criteria `j`, moving earlier criteria to other authenticators
/// if needed. Recursion depth is bounded by the number of authenticators (each level marks
/// one more as visited).
fn augment(
    j: usize,
    candidates: &[Vec<usize>],
    owner: &mut [Option<usize>],
    visited: &mut [bool],
) -> bool {
    let Some(fits) = candidates.get(j) else {
        return false;
    };
    for &pos in fits {
        match visited.get_mut(pos) {
            Some(seen) if !*seen => *seen = true,
            _ => continue,
        }
        let current = owner.get(pos).copied().flatten();
        let free = match current {
            None => true,
            Some(other) => augment(other, candidates, owner, visited),
        };
        if free {
            if let Some(slot) = owner.get_mut(pos) {
                *slot = Some(j);
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Extension;
    use alloc::string::ToString;

    fn aaid(s: &str) -> Aaid {
        Aaid::parse(s).unwrap()
    }

    fn key(b: u8) -> KeyId {
        KeyId::new(vec![b; 32]).unwrap()
    }

    /// A fully described authenticator.
    fn phone() -> AuthenticatorCapabilities {
        let mut a = AuthenticatorCapabilities::new(aaid("ABCD#0001"));
        a.key_ids = vec![key(1), key(2)];
        a.user_verification = UserVerify::PASSCODE | UserVerify::FINGERPRINT;
        a.key_protection = KeyProtection::HARDWARE | KeyProtection::TEE;
        a.matcher_protection = 0x0002;
        a.attachment_hint = AttachmentHint::INTERNAL;
        a.tc_display = TcDisplay::ANY | TcDisplay::PRIVILEGED_SOFTWARE;
        a.authentication_algorithms = vec![AlgSign::Secp256r1EcdsaSha256Raw];
        a.assertion_schemes = vec!["UAFV1TLV".into()];
        a.attestation_types = vec![AttestationType::BasicFull];
        a.authenticator_version = 3;
        a.extension_ids = vec!["fido.uaf.uvm".into()];
        a
    }

    fn ext(id: &str) -> Extension {
        Extension {
            id: id.into(),
            data: Vec::new(),
            fail_if_unknown: false,
        }
    }

    /// (criteria that matches `phone()`, criteria that does not, the expected mismatch), one
    /// row per member.
    fn per_member() -> Vec<(MatchCriteria, MatchCriteria, CriteriaMismatch)> {
        let c = MatchCriteria::default;
        vec![
            (
                MatchCriteria {
                    aaid: Some(vec![aaid("FFFF#0000"), aaid("abcd#0001")]),
                    ..c()
                },
                MatchCriteria {
                    aaid: Some(vec![aaid("ABCD#0002")]),
                    ..c()
                },
                CriteriaMismatch::Aaid,
            ),
            (
                MatchCriteria {
                    vendor_id: Some(vec!["abcd".into()]),
                    ..c()
                },
                MatchCriteria {
                    vendor_id: Some(vec!["ABCE".into()]),
                    ..c()
                },
                CriteriaMismatch::VendorId,
            ),
            (
                MatchCriteria {
                    key_ids: Some(vec![key(9), key(2)]),
                    ..c()
                },
                MatchCriteria {
                    key_ids: Some(vec![key(3)]),
                    ..c()
                },
                CriteriaMismatch::KeyIds,
            ),
            (
                MatchCriteria {
                    user_verification: Some(UserVerify::FINGERPRINT | UserVerify::FACEPRINT),
                    ..c()
                },
                MatchCriteria {
                    user_verification: Some(UserVerify::FACEPRINT),
                    ..c()
                },
                CriteriaMismatch::UserVerification,
            ),
            (
                MatchCriteria {
                    key_protection: Some(KeyProtection::TEE | KeyProtection::SECURE_ELEMENT),
                    ..c()
                },
                MatchCriteria {
                    key_protection: Some(KeyProtection::SOFTWARE),
                    ..c()
                },
                CriteriaMismatch::KeyProtection,
            ),
            (
                MatchCriteria {
                    matcher_protection: Some(0x0006),
                    ..c()
                },
                MatchCriteria {
                    matcher_protection: Some(0x0001),
                    ..c()
                },
                CriteriaMismatch::MatcherProtection,
            ),
            (
                MatchCriteria {
                    attachment_hint: Some(AttachmentHint::INTERNAL | AttachmentHint::NFC),
                    ..c()
                },
                MatchCriteria {
                    attachment_hint: Some(AttachmentHint::EXTERNAL),
                    ..c()
                },
                CriteriaMismatch::AttachmentHint,
            ),
            (
                MatchCriteria {
                    tc_display: Some(TcDisplay::PRIVILEGED_SOFTWARE),
                    ..c()
                },
                MatchCriteria {
                    tc_display: Some(TcDisplay::HARDWARE | TcDisplay::TEE),
                    ..c()
                },
                CriteriaMismatch::TcDisplay,
            ),
            (
                MatchCriteria {
                    authentication_algorithms: Some(vec![
                        AlgSign::Secp256r1EcdsaSha256Der,
                        AlgSign::Secp256r1EcdsaSha256Raw,
                    ]),
                    ..c()
                },
                MatchCriteria {
                    authentication_algorithms: Some(vec![
                        AlgSign::Secp256r1EcdsaSha256Der,
                        AlgSign::Unknown(0x7777),
                    ]),
                    ..c()
                },
                CriteriaMismatch::AuthenticationAlgorithms,
            ),
            (
                MatchCriteria {
                    assertion_schemes: Some(vec!["WAV1CBOR".into(), "UAFV1TLV".into()]),
                    ..c()
                },
                MatchCriteria {
                    assertion_schemes: Some(vec!["uafv1tlv".into()]),
                    ..c()
                },
                CriteriaMismatch::AssertionSchemes,
            ),
            (
                MatchCriteria {
                    attestation_types: Some(vec![
                        AttestationType::BasicSurrogate,
                        AttestationType::BasicFull,
                    ]),
                    ..c()
                },
                MatchCriteria {
                    attestation_types: Some(vec![AttestationType::BasicSurrogate]),
                    ..c()
                },
                CriteriaMismatch::AttestationTypes,
            ),
            (
                MatchCriteria {
                    authenticator_version: Some(3),
                    ..c()
                },
                MatchCriteria {
                    authenticator_version: Some(4),
                    ..c()
                },
                CriteriaMismatch::AuthenticatorVersion,
            ),
            (
                MatchCriteria {
                    exts: Some(vec![ext("fido.uaf.uvm")]),
                    ..c()
                },
                MatchCriteria {
                    exts: Some(vec![ext("fido.uaf.uvm"), ext("fido.uaf.uvi")]),
                    ..c()
                },
                CriteriaMismatch::Exts,
            ),
        ]
    }

    #[test]
    fn every_member_positive_and_negative() {
        let rows = per_member();
        assert_eq!(rows.len(), 13, "one row per MatchCriteria member");
        for (good, bad, expected) in rows {
            assert_eq!(good.check(&phone()), Ok(()), "{good:?}");
            assert!(good.matches(&phone()));
            assert_eq!(bad.check(&phone()), Err(expected), "{bad:?}");
            assert!(!bad.matches(&phone()));
        }
    }

    #[test]
    fn absent_members_do_not_restrict_but_empty_lists_match_nothing() {
        assert_eq!(MatchCriteria::default().check(&phone()), Ok(()));
        let empty_aaid = MatchCriteria {
            aaid: Some(vec![]),
            ..MatchCriteria::default()
        };
        assert_eq!(empty_aaid.check(&phone()), Err(CriteriaMismatch::Aaid));
        let zero_bits = MatchCriteria {
            key_protection: Some(KeyProtection::EMPTY),
            ..MatchCriteria::default()
        };
        assert_eq!(
            zero_bits.check(&phone()),
            Err(CriteriaMismatch::KeyProtection)
        );
        let only_all = MatchCriteria {
            user_verification: Some(UserVerify::ALL),
            ..MatchCriteria::default()
        };
        assert_eq!(
            only_all.check(&phone()),
            Err(CriteriaMismatch::UserVerification)
        );
    }

    #[test]
    fn first_failing_member_in_spec_order() {
        let both = MatchCriteria {
            aaid: Some(vec![aaid("ABCD#0002")]),
            authenticator_version: Some(99),
            ..MatchCriteria::default()
        };
        assert_eq!(both.check(&phone()), Err(CriteriaMismatch::Aaid));
    }

    #[test]
    fn user_verify_all_needs_one_combination_with_every_method() {
        let all_pin_fp = UserVerify::ALL | UserVerify::PASSCODE | UserVerify::FINGERPRINT;
        let wanted = MatchCriteria {
            user_verification: Some(all_pin_fp),
            ..MatchCriteria::default()
        };
        // PIN or fingerprint (GetInfo bits without ALL): alternatives, not a combination.
        assert_eq!(
            wanted.check(&phone()),
            Err(CriteriaMismatch::UserVerification)
        );
        // GetInfo bits with ALL: one combination of both.
        let mut both = phone();
        both.user_verification = all_pin_fp;
        assert_eq!(wanted.check(&both), Ok(()));
        // A combination asking more than the criteria still covers it.
        both.user_verification = all_pin_fp | UserVerify::FACEPRINT;
        assert_eq!(wanted.check(&both), Ok(()));
        // Metadata details (OR of AND-sets) replace the summary bits.
        let mut details = phone();
        details.user_verification_details = vec![
            UserVerify::FACEPRINT,
            UserVerify::PASSCODE | UserVerify::FINGERPRINT,
        ];
        assert_eq!(wanted.check(&details), Ok(()));
        details.user_verification_details = vec![UserVerify::PASSCODE, UserVerify::FINGERPRINT];
        assert_eq!(
            wanted.check(&details),
            Err(CriteriaMismatch::UserVerification)
        );
        // Without ALL, one method of any combination is enough.
        let any_fp = MatchCriteria {
            user_verification: Some(UserVerify::FINGERPRINT),
            ..MatchCriteria::default()
        };
        assert_eq!(any_fp.check(&details), Ok(()));
        // A single method with ALL.
        let all_pin = MatchCriteria {
            user_verification: Some(UserVerify::ALL | UserVerify::PASSCODE),
            ..MatchCriteria::default()
        };
        assert_eq!(all_pin.check(&phone()), Ok(()));
        // A silent authenticator matches USER_VERIFY_NONE only.
        let mut silent = phone();
        silent.user_verification = UserVerify::NONE;
        let none = MatchCriteria {
            user_verification: Some(UserVerify::NONE),
            ..MatchCriteria::default()
        };
        assert_eq!(none.check(&silent), Ok(()));
        assert_eq!(
            any_fp.check(&silent),
            Err(CriteriaMismatch::UserVerification)
        );
    }

    #[test]
    fn combinations_from_bits() {
        let mut a = phone();
        assert_eq!(
            a.user_verification_combinations(),
            vec![UserVerify::FINGERPRINT, UserVerify::PASSCODE]
        );
        a.user_verification = UserVerify::ALL | UserVerify::FINGERPRINT | UserVerify::PASSCODE;
        assert_eq!(
            a.user_verification_combinations(),
            vec![UserVerify::FINGERPRINT | UserVerify::PASSCODE]
        );
        a.user_verification = UserVerify::ALL;
        assert!(a.user_verification_combinations().is_empty());
        a.user_verification_details = vec![UserVerify::ALL | UserVerify::EYEPRINT, UserVerify::ALL];
        assert_eq!(
            a.user_verification_combinations(),
            vec![UserVerify::EYEPRINT]
        );
    }

    fn only_aaid(s: &str) -> MatchCriteria {
        MatchCriteria {
            aaid: Some(vec![aaid(s)]),
            ..MatchCriteria::default()
        }
    }

    fn with_aaid(s: &str) -> AuthenticatorCapabilities {
        let mut a = phone();
        a.aaid = aaid(s);
        a
    }

    #[test]
    fn first_satisfied_accepted_entry_wins() {
        let policy = Policy {
            accepted: vec![
                vec![only_aaid("AAAA#0001")],
                vec![only_aaid("ABCD#0001")],
                vec![MatchCriteria::default()],
            ],
            disallowed: vec![],
        };
        let m = policy.evaluate(&[with_aaid("FFFF#0001"), phone()]).unwrap();
        assert_eq!(
            m,
            PolicyMatch {
                accepted_index: 1,
                authenticators: vec![1]
            }
        );
    }

    #[test]
    fn disallowed_excludes_and_is_reported() {
        let policy = Policy {
            accepted: vec![vec![MatchCriteria::default()]],
            disallowed: vec![
                only_aaid("EEEE#0001"),
                MatchCriteria {
                    key_ids: Some(vec![key(2)]),
                    ..MatchCriteria::default()
                },
            ],
        };
        assert_eq!(policy.disallowed_by(&phone()), Some(1));
        let mut fresh = phone();
        fresh.key_ids.clear();
        assert_eq!(policy.disallowed_by(&fresh), None);
        // The registered phone is excluded; the fresh one is used.
        let m = policy.evaluate(&[phone(), fresh]).unwrap();
        assert_eq!(m.authenticators, vec![1]);
        // Only the registered phone: rejected, with the reason.
        let r = policy.evaluate(&[phone()]).unwrap_err();
        assert_eq!(
            r.disallowed,
            vec![DisallowedMatch {
                authenticator: 0,
                disallowed_index: 1
            }]
        );
        assert_eq!(
            r.accepted,
            vec![AcceptedRejection {
                accepted_index: 0,
                failure: AcceptedSetFailure::Unmatched {
                    criteria: 0,
                    mismatches: vec![]
                }
            }]
        );
        assert!(r.to_string().contains("excluded by disallowed[1]"), "{r}");
    }

    #[test]
    fn each_criteria_of_a_set_needs_a_different_authenticator() {
        let pin = MatchCriteria {
            user_verification: Some(UserVerify::PASSCODE),
            ..MatchCriteria::default()
        };
        let fp = MatchCriteria {
            user_verification: Some(UserVerify::FINGERPRINT),
            ..MatchCriteria::default()
        };
        let policy = Policy {
            accepted: vec![vec![pin.clone(), fp.clone()]],
            disallowed: vec![],
        };
        // One phone that can do both does not satisfy a two-authenticator set.
        let r = policy.evaluate(&[phone()]).unwrap_err();
        assert_eq!(
            r.accepted[0].failure,
            AcceptedSetFailure::NotEnoughAuthenticators { criteria: 1 }
        );
        assert!(
            r.to_string().contains("none is left for accepted[0][1]"),
            "{r}"
        );
        // A greedy choice would give the versatile phone to `pin` and fail; the matching moves it.
        let mut pin_only = with_aaid("ABCD#0002");
        pin_only.user_verification = UserVerify::PASSCODE;
        let m = policy.evaluate(&[phone(), pin_only]).unwrap();
        assert_eq!(m.authenticators, vec![1, 0]);
        // Neither can do fingerprint: the criteria and each authenticator's reason.
        let mut pin_too = with_aaid("ABCD#0003");
        pin_too.user_verification = UserVerify::PASSCODE;
        let r = policy
            .evaluate(&[pin_too, with_aaid_uv("ABCD#0004", UserVerify::PASSCODE)])
            .unwrap_err();
        assert_eq!(
            r.accepted[0].failure,
            AcceptedSetFailure::Unmatched {
                criteria: 1,
                mismatches: vec![
                    AuthenticatorMismatch {
                        authenticator: 0,
                        mismatch: CriteriaMismatch::UserVerification
                    },
                    AuthenticatorMismatch {
                        authenticator: 1,
                        mismatch: CriteriaMismatch::UserVerification
                    },
                ]
            }
        );
    }

    fn with_aaid_uv(s: &str, uv: UserVerify) -> AuthenticatorCapabilities {
        let mut a = with_aaid(s);
        a.user_verification = uv;
        a
    }

    #[test]
    fn empty_accepted_and_empty_sets_are_never_satisfied() {
        let none = Policy::default();
        let r = none.evaluate(&[phone()]).unwrap_err();
        assert!(r.accepted.is_empty());
        assert!(r.to_string().contains("`accepted` is empty"));
        let empty_set = Policy {
            accepted: vec![vec![]],
            disallowed: vec![],
        };
        let r = empty_set.evaluate(&[phone()]).unwrap_err();
        assert_eq!(r.accepted[0].failure, AcceptedSetFailure::Empty);
        // No authenticators at all.
        let any = Policy {
            accepted: vec![vec![MatchCriteria::default()]],
            disallowed: vec![],
        };
        assert!(any.evaluate(&[]).is_err());
        assert!(any.evaluate(&[phone()]).is_ok());
    }

    #[test]
    fn mismatch_display_names_the_member() {
        for (_, _, m) in per_member() {
            let text = m.to_string();
            assert!(
                text.starts_with(&alloc::format!("`{}`", m.member_name())),
                "{text}"
            );
        }
    }

    #[test]
    fn capabilities_from_get_info() {
        use crate::command::{AuthenticatorMetadata, GetInfoResponse};
        use crate::registry::{AuthenticatorType, MatcherProtection};
        use crate::status::CmdStatus;
        use crate::tlv::TlvList;
        let att = [AttestationType::BasicFull, AttestationType::BasicSurrogate];
        let exts = ["fido.uaf.uvm"];
        let info = AuthenticatorInfo {
            authenticator_index: 0,
            aaid: aaid("ABCD#0001"),
            metadata: AuthenticatorMetadata {
                authenticator_type: AuthenticatorType::USER_ENROLLED,
                max_key_handles: 1,
                user_verification: UserVerify::PASSCODE,
                key_protection: KeyProtection::SOFTWARE,
                matcher_protection: MatcherProtection::Tee,
                tc_display: TcDisplay::ANY,
                authentication_alg: AlgSign::Secp256r1EcdsaSha256Der,
            },
            tc_display_content_type: Some("text/plain"),
            tc_display_png_characteristics: TlvList::empty(),
            assertion_scheme: "UAFV1TLV",
            attestation_types: TlvList::from_slice(&att),
            supported_extension_ids: TlvList::from_slice(&exts),
        };
        let infos = [info];
        let bytes = GetInfoResponse {
            status: CmdStatus::Ok,
            api_version: Some(1),
            authenticators: TlvList::from_slice(&infos),
            extensions: TlvList::empty(),
        }
        .encode()
        .unwrap();
        let parsed = GetInfoResponse::parse(&bytes).unwrap();
        let caps = AuthenticatorCapabilities::from_authenticator_info(
            &parsed.authenticators.first().unwrap(),
        );
        assert_eq!(caps.aaid, aaid("ABCD#0001"));
        assert_eq!(caps.user_verification, UserVerify::PASSCODE);
        assert_eq!(caps.key_protection, KeyProtection::SOFTWARE);
        assert_eq!(caps.matcher_protection, 0x0002);
        assert_eq!(caps.tc_display, TcDisplay::ANY);
        assert_eq!(
            caps.authentication_algorithms,
            vec![AlgSign::Secp256r1EcdsaSha256Der]
        );
        assert_eq!(caps.assertion_schemes, vec!["UAFV1TLV".to_string()]);
        assert_eq!(caps.attestation_types, att.to_vec());
        assert_eq!(caps.extension_ids, vec!["fido.uaf.uvm".to_string()]);
        assert!(caps.key_ids.is_empty());
        assert_eq!(caps.attachment_hint, AttachmentHint::EMPTY);
        assert_eq!(caps.authenticator_version, 0);
    }
}
