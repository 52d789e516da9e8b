//! One-shot pending ceremony state: what the RP must remember between issuing a request and
//! receiving its response. `finish_*` consumes it by value, so one pending state can verify
//! at most one response.

use alloc::string::String;
use alloc::vec::Vec;

use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::message::{AuthenticationRequest, RegistrationRequest};

use crate::config::UserVerificationRequirement;

/// The expiry rule of a pending state, the one place it is written: a state issued at
/// `issued_at` (unix seconds) has expired at `now` when more than `lifetime_secs` have passed.
/// A state exactly `lifetime_secs` old is still valid. Clocks that go back never expire a state.
///
/// ```
/// use uaf_rp::pending::expired;
/// assert!(!expired(100, 400, 300));
/// assert!(expired(100, 401, 300));
/// assert!(!expired(500, 400, 300));
/// ```
#[must_use]
pub const fn expired(issued_at: u64, now: u64, lifetime_secs: u64) -> bool {
    now.saturating_sub(issued_at) > lifetime_secs
}

/// The same rule as a cut-off for stores that filter in a query: a state has expired at `now`
/// exactly when its `issued_at` is **less than** the returned value
/// (`issued_at < now - lifetime_secs`, saturating at 0).
///
/// ```
/// use uaf_rp::pending::{expired, expiry_cutoff};
/// for issued_at in [0, 99, 100, 101, 400] {
///     assert_eq!(issued_at < expiry_cutoff(400, 300), expired(issued_at, 400, 300));
/// }
/// ```
#[must_use]
pub const fn expiry_cutoff(now: u64, lifetime_secs: u64) -> u64 {
    now.saturating_sub(lifetime_secs)
}

/// The state of an issued registration request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRegistration {
    pub(crate) request: RegistrationRequest,
    pub(crate) issued_at: u64,
}

impl PendingRegistration {
    /// Rebuilds the pending state from a request this RP issued at `issued_at` (unix seconds):
    /// for servers that persist issued requests (several nodes, restarts) and for conformance
    /// runners. Only pass requests your RP made: the request's challenge, AppID, policy and
    /// `serverData` are what the response is checked against.
    #[must_use]
    pub fn from_issued(request: RegistrationRequest, issued_at: u64) -> Self {
        PendingRegistration { request, issued_at }
    }

    /// The request as issued.
    #[must_use]
    pub fn request(&self) -> &RegistrationRequest {
        &self.request
    }

    /// The account being registered.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.request.username
    }

    /// When the request was issued (unix seconds).
    #[must_use]
    pub const fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// The `serverData` of the request, the key under which servers keep the pending state.
    #[must_use]
    pub fn server_data(&self) -> Option<&str> {
        self.request.header.server_data.as_deref()
    }
}

/// What one authentication demands beyond the RP's configuration, checked by the verifier
/// **before** anything is committed (the challenge is still pending and no counter moved
/// when it rejects):
///
/// | requirement | step | error | status |
/// |---|---|---|---|
/// | [`allowed_keys`](Self::allowed_keys): the assertion's (AAID, KeyID) is one of these | AUTH-15 | [`ErrorKind::KeyNotAllowed`](crate::ErrorKind::KeyNotAllowed) | 1492 |
/// | [`user_verification`](Self::user_verification) `Required`: the metadata lists a method that verifies the user ([`crate::policy::verifies_user`]) | AUTH-16 | [`ErrorKind::Policy`](crate::ErrorKind::Policy)`(UserVerificationRequired)` | 1492 |
///
/// Give it when starting ([`crate::AuthenticationOptions`]); it travels in the
/// [`PendingAuthentication`]. Servers that persist pending states store
/// [`allowed_keys`](Self::allowed_keys) and [`user_verification`](Self::user_verification)
/// beside the request and rebuild with [`PendingAuthentication::with_requirements`].
///
/// ```
/// use uaf_proto::id::{Aaid, KeyId};
/// use uaf_rp::{AuthenticationRequirements, UserVerificationRequirement};
///
/// let aaid = Aaid::parse("ABCD#0001")?;
/// let key_id = KeyId::new(vec![7; 32])?;
/// let r = AuthenticationRequirements::new()
///     .allow_keys([(aaid, key_id.clone())])
///     .require_user_verification();
/// assert_eq!(r.allowed_keys(), Some(&[(aaid, key_id)][..]));
/// assert_eq!(r.user_verification(), UserVerificationRequirement::Required);
/// assert_eq!(AuthenticationRequirements::new().allowed_keys(), None, "default: any key");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticationRequirements {
    allowed_keys: Option<Vec<(Aaid, KeyId)>>,
    user_verification: UserVerificationRequirement,
}

impl Default for AuthenticationRequirements {
    fn default() -> Self {
        Self::new()
    }
}

impl AuthenticationRequirements {
    /// No requirement beyond the RP's: any key registered for the request's user (or, for a
    /// request without user, any registered key) may answer, with any user verification
    /// (the RP's [`UserVerificationRequirement`] was already enforced at registration).
    #[must_use]
    pub const fn new() -> Self {
        AuthenticationRequirements {
            allowed_keys: None,
            user_verification: UserVerificationRequirement::Any,
        }
    }

    /// Only these (AAID, KeyID) pairs may answer (e.g. the key of the one device that is
    /// approving). AAIDs compare case-insensitively, KeyIDs byte for byte. An empty set
    /// allows no key. The request's policy accepts only the allowed keys too, so a
    /// well-behaved client offers no other.
    #[must_use]
    pub fn allow_keys(mut self, keys: impl IntoIterator<Item = (Aaid, KeyId)>) -> Self {
        self.allowed_keys = Some(keys.into_iter().collect());
        self
    }

    /// The authenticator must verify the user: its metadata must list a method beyond
    /// presence, location or none ([`crate::policy::verifies_user`]).
    #[must_use]
    pub const fn require_user_verification(self) -> Self {
        self.with_user_verification(UserVerificationRequirement::Required)
    }

    /// Sets the user-verification requirement (for servers restoring a persisted state).
    #[must_use]
    pub const fn with_user_verification(
        mut self,
        requirement: UserVerificationRequirement,
    ) -> Self {
        self.user_verification = requirement;
        self
    }

    /// The allowed (AAID, KeyID) pairs; `None`: no restriction.
    #[must_use]
    pub fn allowed_keys(&self) -> Option<&[(Aaid, KeyId)]> {
        self.allowed_keys.as_deref()
    }

    /// The user-verification requirement of this authentication.
    #[must_use]
    pub const fn user_verification(&self) -> UserVerificationRequirement {
        self.user_verification
    }

    /// Whether `(aaid, key_id)` may answer.
    #[must_use]
    pub fn allows(&self, aaid: &Aaid, key_id: &[u8]) -> bool {
        self.allowed_keys.as_deref().is_none_or(|keys| {
            keys.iter()
                .any(|(a, k)| a == aaid && k.as_bytes() == key_id)
        })
    }

    /// These requirements and `more`: both must hold. Requirements only narrow, never widen:
    /// the allowed keys are those both allow (`None` on one side: the other side's set), and
    /// user verification is required when either requires it.
    ///
    /// ```
    /// use uaf_proto::id::{Aaid, KeyId};
    /// use uaf_rp::{AuthenticationRequirements, UserVerificationRequirement};
    ///
    /// let a = (Aaid::parse("ABCD#0001")?, KeyId::new(vec![1; 32])?);
    /// let b = (Aaid::parse("ABCD#0001")?, KeyId::new(vec![2; 32])?);
    /// let started = AuthenticationRequirements::new().allow_keys([a.clone(), b.clone()]);
    /// let both = started.narrowed_by(&AuthenticationRequirements::new()
    ///     .allow_keys([b.clone()])
    ///     .require_user_verification());
    /// assert_eq!(both.allowed_keys(), Some(&[b][..]));
    /// assert_eq!(both.user_verification(), UserVerificationRequirement::Required);
    /// // An empty `more` changes nothing; it cannot lift a requirement either.
    /// let strict = AuthenticationRequirements::new().require_user_verification();
    /// assert_eq!(strict.narrowed_by(&AuthenticationRequirements::new()), strict);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn narrowed_by(&self, more: &AuthenticationRequirements) -> Self {
        let allowed_keys = match (&self.allowed_keys, &more.allowed_keys) {
            (None, None) => None,
            (Some(keys), None) | (None, Some(keys)) => Some(keys.clone()),
            (Some(keys), Some(_)) => Some(
                keys.iter()
                    .filter(|(aaid, key_id)| more.allows(aaid, key_id.as_bytes()))
                    .cloned()
                    .collect(),
            ),
        };
        let user_verification = match more.user_verification {
            UserVerificationRequirement::Required => UserVerificationRequirement::Required,
            UserVerificationRequirement::Any => self.user_verification,
        };
        AuthenticationRequirements {
            allowed_keys,
            user_verification,
        }
    }

    /// Whether nothing beyond the RP's configuration is required.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.allowed_keys.is_none() && self.user_verification == UserVerificationRequirement::Any
    }
}

/// The state of an issued authentication (or transaction confirmation) request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingAuthentication {
    pub(crate) request: AuthenticationRequest,
    pub(crate) username: Option<String>,
    pub(crate) issued_at: u64,
    pub(crate) requirements: AuthenticationRequirements,
}

impl PendingAuthentication {
    /// Rebuilds the pending state from a request this RP issued at `issued_at` for
    /// `username` (`None`: any registered user may answer), without requirements beyond the
    /// RP's; add the persisted ones with [`PendingAuthentication::with_requirements`]. See
    /// [`PendingRegistration::from_issued`].
    #[must_use]
    pub fn from_issued(
        request: AuthenticationRequest,
        username: Option<String>,
        issued_at: u64,
    ) -> Self {
        PendingAuthentication {
            request,
            username,
            issued_at,
            requirements: AuthenticationRequirements::new(),
        }
    }

    /// The same state with `requirements` (replacing any): for servers that persist pending
    /// states and rebuild them with [`PendingAuthentication::from_issued`]. Persist
    /// [`PendingAuthentication::requirements`] with the request, or an authentication started
    /// with allowed keys or a user-verification requirement loses them on the way through the
    /// store.
    #[must_use]
    pub fn with_requirements(mut self, requirements: AuthenticationRequirements) -> Self {
        self.requirements = requirements;
        self
    }

    /// What this authentication requires beyond the RP's configuration (checked before
    /// anything is committed).
    #[must_use]
    pub fn requirements(&self) -> &AuthenticationRequirements {
        &self.requirements
    }

    /// The request as issued.
    #[must_use]
    pub fn request(&self) -> &AuthenticationRequest {
        &self.request
    }

    /// The user the request was issued for, if any.
    #[must_use]
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// When the request was issued (unix seconds).
    #[must_use]
    pub const fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// The `serverData` of the request.
    #[must_use]
    pub fn server_data(&self) -> Option<&str> {
        self.request.header.server_data.as_deref()
    }
}
