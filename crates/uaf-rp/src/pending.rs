//! One-shot pending ceremony state: what the RP must remember between issuing a request and
//! receiving its response. `finish_*` consumes it by value, so one pending state can verify
//! at most one response.

use alloc::string::String;

use uaf_proto::message::{AuthenticationRequest, RegistrationRequest};

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

/// The state of an issued authentication (or transaction confirmation) request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingAuthentication {
    pub(crate) request: AuthenticationRequest,
    pub(crate) username: Option<String>,
    pub(crate) issued_at: u64,
}

impl PendingAuthentication {
    /// Rebuilds the pending state from a request this RP issued at `issued_at` for
    /// `username` (`None`: any registered user may answer). See
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
        }
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
