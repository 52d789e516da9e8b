//! The sign-counter rule (digest §3.3 A5.10) as a small, explicit state machine.
//!
//! | stored | received | verdict |
//! |---|---|---|
//! | 0 | 0 | [`CounterVerdict::Unsupported`]: the authenticator has no counter; accept |
//! | s | r > s | [`CounterVerdict::Advanced`]: accept; store `r` (compare-and-swap from `s`) |
//! | s | r ≤ s, not both 0 | [`CounterVerdict::Regressed`]: the key may have been cloned |
//!
//! A regression is a security event. With [`CounterPolicy::RejectRegression`] (the default) the
//! assertion is rejected; with [`CounterPolicy::FlagOnly`] it is accepted, reported, and the
//! stored counter is never lowered.
//!
//! One judgement, one event: the verifier judges every received counter in one place
//! (`RelyingParty::judge_counter` below), both against the stored value during verification
//! and, in [`crate::Service`], against the value a concurrent sign-in stored meanwhile (a lost
//! compare-and-swap). That function alone emits [`crate::SecurityEvent::CounterRegressed`],
//! exactly once per regression it finds.

/// What to do when a counter regresses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CounterPolicy {
    /// Reject the assertion (the default).
    #[default]
    RejectRegression,
    /// Accept it, report a security event, keep the stored counter.
    FlagOnly,
}

/// The verdict on one received sign counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CounterVerdict {
    /// Received > stored: the normal case.
    Advanced {
        /// The stored value.
        stored: u32,
        /// The received value, to store.
        received: u32,
    },
    /// Both 0: the authenticator does not implement counters.
    Unsupported,
    /// Received ≤ stored (not both 0): possible cloned authenticator.
    Regressed {
        /// The stored value.
        stored: u32,
        /// The received value.
        received: u32,
    },
}

impl CounterVerdict {
    /// Judges `received` against `stored`.
    #[must_use]
    pub const fn judge(stored: u32, received: u32) -> Self {
        if stored == 0 && received == 0 {
            CounterVerdict::Unsupported
        } else if received > stored {
            CounterVerdict::Advanced { stored, received }
        } else {
            CounterVerdict::Regressed { stored, received }
        }
    }

    /// The compare-and-swap update to persist (`expected` old value → `new`), if any. A
    /// regression never produces an update, whatever the policy.
    #[must_use]
    pub const fn update(self) -> Option<CounterUpdate> {
        match self {
            CounterVerdict::Advanced { stored, received } => Some(CounterUpdate {
                expected: stored,
                new: received,
            }),
            CounterVerdict::Unsupported | CounterVerdict::Regressed { .. } => None,
        }
    }

    /// Whether the verdict lets the assertion pass under `policy`.
    #[must_use]
    pub const fn accepted_under(self, policy: CounterPolicy) -> bool {
        match self {
            CounterVerdict::Advanced { .. } | CounterVerdict::Unsupported => true,
            CounterVerdict::Regressed { .. } => matches!(policy, CounterPolicy::FlagOnly),
        }
    }
}

/// A compare-and-swap counter update: set the stored counter to `new` only if it still is
/// `expected`. Applying it is the store's job ([`crate::store::CredentialStore`]); a failed
/// swap means another sign-in with the same key won the race.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CounterUpdate {
    /// The value the counter must still have.
    pub expected: u32,
    /// The value to store.
    pub new: u32,
}

#[cfg(feature = "alloc")]
impl<M, V> crate::RelyingParty<M, V> {
    /// UAF-PROTO 3.5.7.5 (AUTH-22): judges `received` against `stored` for `registration`'s
    /// key. A regression produces one [`crate::SecurityEvent::CounterRegressed`] and, unless
    /// the RP's [`CounterPolicy`] lets it pass, fails at AUTH-22. The event goes to the sink,
    /// or into `deferred` when the caller ([`crate::Service`]) emits only once it knows the
    /// response was not a duplicate that lost the race for its challenge.
    pub(crate) fn judge_counter(
        &self,
        registration: &crate::Registration,
        stored: u32,
        received: u32,
        deferred: Option<&core::cell::RefCell<alloc::vec::Vec<crate::SecurityEvent>>>,
    ) -> Result<CounterVerdict, crate::Error> {
        let verdict = CounterVerdict::judge(stored, received);
        if let CounterVerdict::Regressed { stored, received } = verdict {
            let accepted = verdict.accepted_under(self.config.counter_policy());
            let event = crate::SecurityEvent::CounterRegressed {
                username: registration.username.clone(),
                aaid: registration.aaid,
                key_id: registration.key_id.as_bytes().to_vec(),
                stored,
                received,
                accepted,
            };
            match deferred {
                Some(events) => events.borrow_mut().push(event),
                None => self.emit(&event),
            }
            if !accepted {
                return Err(crate::Error::new(
                    crate::step::StepId::AuthCounter,
                    crate::ErrorKind::CounterRegressed { stored, received },
                ));
            }
        }
        Ok(verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(CounterVerdict::judge(0, 0), CounterVerdict::Unsupported);
        assert_eq!(
            CounterVerdict::judge(0, 1),
            CounterVerdict::Advanced {
                stored: 0,
                received: 1
            }
        );
        assert_eq!(
            CounterVerdict::judge(5, 5),
            CounterVerdict::Regressed {
                stored: 5,
                received: 5
            }
        );
        assert_eq!(
            CounterVerdict::judge(5, 0),
            CounterVerdict::Regressed {
                stored: 5,
                received: 0
            }
        );
        assert_eq!(
            CounterVerdict::judge(5, 4),
            CounterVerdict::Regressed {
                stored: 5,
                received: 4
            }
        );
        assert_eq!(
            CounterVerdict::judge(u32::MAX - 1, u32::MAX),
            CounterVerdict::Advanced {
                stored: u32::MAX - 1,
                received: u32::MAX
            }
        );
    }

    #[test]
    fn updates_and_policies() {
        let adv = CounterVerdict::judge(1, 9);
        assert_eq!(
            adv.update(),
            Some(CounterUpdate {
                expected: 1,
                new: 9
            })
        );
        assert!(adv.accepted_under(CounterPolicy::RejectRegression));
        let reg = CounterVerdict::judge(9, 1);
        assert_eq!(reg.update(), None);
        assert!(!reg.accepted_under(CounterPolicy::RejectRegression));
        assert!(reg.accepted_under(CounterPolicy::FlagOnly));
        assert_eq!(CounterVerdict::Unsupported.update(), None);
        assert!(CounterVerdict::Unsupported.accepted_under(CounterPolicy::RejectRegression));
    }
}
