//! Security events: what a relying party should log, alert on, or act on.

use alloc::string::String;
use alloc::vec::Vec;

use uaf_proto::id::Aaid;

/// Something security-relevant happened during verification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecurityEvent {
    /// A sign counter did not advance: the key may have been cloned (digest §3.3 A5.10).
    /// Only raised after the assertion's signature verified.
    CounterRegressed {
        /// The account.
        username: String,
        /// The authenticator model.
        aaid: Aaid,
        /// The KeyID.
        key_id: Vec<u8>,
        /// The stored counter.
        stored: u32,
        /// The received counter.
        received: u32,
        /// Whether the assertion was accepted anyway (counter policy `flag-only`).
        accepted: bool,
    },
    /// A metadata status report made an authenticator unacceptable.
    RevokedAuthenticator {
        /// The authenticator model.
        aaid: Aaid,
        /// Why (the status report's verdict, for people).
        reason: String,
    },
    /// An attestation did not verify (chain, signature, type).
    AttestationFailed {
        /// The authenticator model claimed.
        aaid: Aaid,
        /// Why, for people.
        reason: String,
    },
}

/// Receives [`SecurityEvent`]s. Implementations must not block for long: they are called on
/// the verification path.
pub trait SecurityEventSink {
    /// Called once per event.
    fn event(&self, event: &SecurityEvent);
}

#[cfg(feature = "std")]
impl SecurityEventSink for std::sync::Mutex<Vec<SecurityEvent>> {
    fn event(&self, event: &SecurityEvent) {
        let mut guard = match self.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.push(event.clone());
    }
}

#[cfg(feature = "std")]
impl<T: SecurityEventSink + ?Sized> SecurityEventSink for alloc::sync::Arc<T> {
    fn event(&self, event: &SecurityEvent) {
        (**self).event(event);
    }
}
