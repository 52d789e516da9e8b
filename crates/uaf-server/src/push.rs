//! Push: the notification hub that tells open streams (the phone's `phone/events`, the long
//! poll of `phone/notifications`, the page's `api/signin/{id}/events`) that an account's
//! sign-in attempts changed.
//!
//! **What is published.** Every change of an attempt made by this server — created (and the
//! older ones it superseded), approved, declined, failed, consumed, and the states other
//! flows add — is published, next to the store call that made it, as an [`AttemptChange`]
//! (account, attempt, new state) on the account's topic. Expiry changes no row when it
//! happens: each stream keeps a timer at the expiry of the attempts it shows, and wakes there.
//! (The expiry sweep, `crate::expiry`, later stores an expired pending attempt as `expired`
//! without publishing it: nothing a stream shows changes.)
//!
//! **What a wake-up means.** A topic is a counter ([`tokio::sync::watch`]): publishing bumps
//! it, and every stream of the account wakes and **re-reads the store** (the phone: its
//! pending list; the page: its attempt) and sends what differs from what it sent before. So
//! the store stays the only truth: wake-ups that coalesce, arrive twice or come from another
//! node cannot make a stream lose an attempt or show one twice; a missed wake-up only delays
//! (every stream also re-checks the store every [`crate::Limits::stream_recheck_secs`]).
//!
//! **Several nodes.** With a backend that has a [`ChangeFeed`] (PostgreSQL: `LISTEN/NOTIFY`),
//! each local publish is also sent to the other nodes, and their changes arrive here and wake
//! this node's streams. When the feed's listener reconnects (changes may have been missed
//! meanwhile) every stream of this node re-checks.
//!
//! **Shutdown.** [`Hub::close`] ends every stream and long poll at once (their HTTP responses
//! end, so graceful shutdown does not wait for them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use crate::store::{AttemptChange, ChangeFeed};

/// Why a subscriber woke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Something of the account may have changed: re-read.
    Changed,
    /// The server is shutting down: end.
    Closing,
}

/// The notification hub of one server (one node).
pub(crate) struct Hub {
    /// One counter per account with subscribers.
    topics: Mutex<HashMap<String, watch::Sender<u64>>>,
    /// Bumped when every subscriber must re-check (the feed reconnected).
    everything: watch::Sender<u64>,
    /// `true` once the server shuts down.
    closing: watch::Sender<bool>,
    /// The other nodes, when the backend has a feed.
    feed: Option<Arc<dyn ChangeFeed>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Hub {
    /// A hub for this node; `feed` carries changes to and from the other nodes.
    pub(crate) fn new(feed: Option<Arc<dyn ChangeFeed>>) -> Arc<Hub> {
        let hub = Arc::new(Hub {
            topics: Mutex::new(HashMap::new()),
            everything: watch::Sender::new(0),
            closing: watch::Sender::new(false),
            feed,
        });
        if let Some(feed) = &hub.feed {
            let weak = Arc::downgrade(&hub);
            feed.listen(
                Arc::new(move |remote: Option<AttemptChange>| {
                    if let Some(hub) = weak.upgrade() {
                        match remote {
                            Some(change) => hub.wake(&change.username),
                            None => hub.wake_everyone(),
                        }
                    }
                }),
                hub.closing.subscribe(),
            );
        }
        hub
    }

    /// Publishes a change made by this node: wakes this node's subscribers of the account and
    /// tells the other nodes (a failure to tell them is logged; their streams re-check within
    /// [`crate::Limits::stream_recheck_secs`]). Blocking (the feed may write to the database):
    /// call it where the store was called, on the blocking pool.
    pub(crate) fn publish(&self, change: &AttemptChange) {
        tracing::debug!(
            username = ?change.username,
            state = change.state.as_str(),
            "attempt change published"
        );
        self.wake(&change.username);
        if let Some(feed) = &self.feed {
            if let Err(e) = feed.notify(change) {
                tracing::warn!(error = %e, "could not tell the other nodes of a sign-in change");
            }
        }
    }

    /// Wakes the streams of `username` on this node without a change of an attempt (a phone
    /// of the account was removed: each stream re-checks its token). Other nodes' streams
    /// see it at their next re-check.
    pub(crate) fn wake_account(&self, username: &str) {
        self.wake(username);
    }

    /// Wakes the subscribers of `username` on this node.
    fn wake(&self, username: &str) {
        if let Some(topic) = lock(&self.topics).get(username) {
            topic.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Wakes every subscriber of this node.
    pub(crate) fn wake_everyone(&self) {
        self.everything.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Subscribes to the changes of `username`'s attempts (subscribe **before** reading the
    /// store, so that no change between the read and the wait is missed).
    pub(crate) fn subscribe(self: &Arc<Self>, username: &str) -> Subscription {
        let account = {
            let mut topics = lock(&self.topics);
            topics
                .entry(String::from(username))
                .or_insert_with(|| watch::Sender::new(0))
                .subscribe()
        };
        Subscription {
            hub: Arc::clone(self),
            username: String::from(username),
            account: Some(account),
            everything: self.everything.subscribe(),
            closing: self.closing.subscribe(),
        }
    }

    /// Ends every stream and long poll (graceful shutdown); later ones end at once.
    pub(crate) fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Whether [`Hub::close`] was called.
    pub(crate) fn is_closing(&self) -> bool {
        *self.closing.borrow()
    }

    /// How many accounts have subscribers on this node (tests).
    #[cfg(test)]
    fn topics(&self) -> usize {
        lock(&self.topics).len()
    }
}

/// A subscriber of one account's changes; leaving drops the account's topic when it was the
/// last subscriber.
pub(crate) struct Subscription {
    hub: Arc<Hub>,
    username: String,
    account: Option<watch::Receiver<u64>>,
    everything: watch::Receiver<u64>,
    closing: watch::Receiver<bool>,
}

impl Subscription {
    /// Waits for the next change of the account (or a re-check of everything), or shutdown.
    pub(crate) async fn changed(&mut self) -> Wake {
        if *self.closing.borrow() {
            return Wake::Closing;
        }
        let Some(account) = self.account.as_mut() else {
            return Wake::Closing;
        };
        tokio::select! {
            r = account.changed() => if r.is_ok() { Wake::Changed } else { Wake::Closing },
            r = self.everything.changed() => if r.is_ok() { Wake::Changed } else { Wake::Closing },
            _ = self.closing.changed() => Wake::Closing,
        }
    }

    /// Whether the server is shutting down.
    pub(crate) fn closing(&self) -> bool {
        *self.closing.borrow()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        drop(self.account.take());
        let mut topics = lock(&self.hub.topics);
        if topics
            .get(&self.username)
            .is_some_and(|t| t.receiver_count() == 0)
        {
            topics.remove(&self.username);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::AttemptState;
    use core::time::Duration;

    fn change(user: &str) -> AttemptChange {
        AttemptChange::new(user, "attempt", AttemptState::Approved)
    }

    async fn woke(s: &mut Subscription) -> Option<Wake> {
        tokio::time::timeout(Duration::from_millis(100), s.changed())
            .await
            .ok()
    }

    #[tokio::test]
    async fn a_change_wakes_the_accounts_subscribers_only() {
        let hub = Hub::new(None);
        let mut alice = hub.subscribe("alice");
        let mut alice2 = hub.subscribe("alice");
        let mut bob = hub.subscribe("bob");
        assert_eq!(hub.topics(), 2);
        hub.publish(&change("alice"));
        assert_eq!(woke(&mut alice).await, Some(Wake::Changed));
        assert_eq!(woke(&mut alice2).await, Some(Wake::Changed));
        assert_eq!(woke(&mut bob).await, None, "bob's topic did not change");
        // Wake-ups coalesce: two publishes before a wait are one wake-up.
        hub.publish(&change("alice"));
        hub.publish(&change("alice"));
        assert_eq!(woke(&mut alice).await, Some(Wake::Changed));
        assert_eq!(woke(&mut alice).await, None);
        // A re-check of everything wakes everyone.
        hub.wake_everyone();
        assert_eq!(woke(&mut bob).await, Some(Wake::Changed));
        // The last subscriber leaving drops the topic.
        drop(bob);
        assert_eq!(hub.topics(), 1);
        drop(alice);
        assert_eq!(hub.topics(), 1);
        drop(alice2);
        assert_eq!(hub.topics(), 0);
        // Publishing to an account nobody listens to is a no-op.
        hub.publish(&change("carol"));
        assert_eq!(hub.topics(), 0);
    }

    #[tokio::test]
    async fn close_ends_every_wait_now_and_later() {
        let hub = Hub::new(None);
        let mut s = hub.subscribe("alice");
        let waiting = tokio::spawn(async move { s.changed().await });
        tokio::task::yield_now().await;
        hub.close();
        assert_eq!(waiting.await.unwrap(), Wake::Closing);
        let mut late = hub.subscribe("alice");
        assert!(late.closing() && hub.is_closing());
        assert_eq!(woke(&mut late).await, Some(Wake::Closing));
    }
}
