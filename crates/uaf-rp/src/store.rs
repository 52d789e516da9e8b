//! Storage seams: the credential store and the pending-request store (keyed by `serverData`),
//! as small traits, with in-memory implementations.
//!
//! The verifier core never calls a store: it returns what to persist (new registrations, a
//! compare-and-swap counter update). [`crate::Service`] (the convenience layer), and servers,
//! apply those through these traits. The in-memory stores use a `std::sync::Mutex` under the
//! `std` feature (thread-safe) and a `RefCell` otherwise (single-threaded no_std targets).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};

use crate::error::StorageError;

/// One registered authenticator key: what the RP stores after a successful registration
/// (digest §3.2 R5.12).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// The account the key belongs to.
    pub username: String,
    /// The authenticator model.
    pub aaid: Aaid,
    /// The KeyID, compared byte for byte.
    pub key_id: KeyId,
    /// `UAuth.pub` exactly as received in `TAG_PUB_KEY`.
    pub public_key: Vec<u8>,
    /// The encoding of [`Registration::public_key`].
    pub public_key_encoding: AlgKey,
    /// The signature algorithm registered for the key.
    pub sign_alg: AlgSign,
    /// The last sign counter accepted.
    pub sign_counter: u32,
    /// The authenticator version reported at registration.
    pub authenticator_version: u16,
    /// How the registration was attested.
    pub attestation_type: AttestationType,
    /// When the registration was made (unix seconds, as passed to the verifier).
    pub registered_at: u64,
}

/// The outcome of [`CredentialStore::insert_unique`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertOutcome {
    /// Inserted.
    Inserted,
    /// A registration with the same (AAID, KeyID) exists; nothing changed.
    AlreadyExists,
}

/// The outcome of [`CredentialStore::compare_and_swap_counter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CasOutcome {
    /// The counter was `expected` and now is the new value.
    Swapped,
    /// The counter was not `expected` (another sign-in won); nothing changed. Carries the
    /// current value.
    Conflict {
        /// The value found.
        current: u32,
    },
    /// No such registration.
    NotFound,
}

/// Where registrations live. Methods take `&self`: implementations synchronise internally,
/// so one store can serve many threads.
pub trait CredentialStore {
    /// The store's own error (I/O, database…), kept as the source of
    /// [`crate::ErrorKind::Storage`].
    type Error: core::error::Error + Send + Sync + 'static;

    /// The registration with this (AAID, KeyID), if any. AAIDs compare case-insensitively,
    /// KeyIDs byte for byte.
    ///
    /// # Errors
    /// The store's error.
    fn get(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, Self::Error>;

    /// Every registration of `username`.
    ///
    /// # Errors
    /// The store's error.
    fn list_by_user(&self, username: &str) -> Result<Vec<Registration>, Self::Error>;

    /// Inserts `registration` unless its (AAID, KeyID) exists.
    ///
    /// # Errors
    /// The store's error.
    fn insert_unique(&self, registration: Registration) -> Result<InsertOutcome, Self::Error>;

    /// Sets the sign counter of (AAID, KeyID) to `new` only if it is `expected`, atomically.
    ///
    /// # Errors
    /// The store's error.
    fn compare_and_swap_counter(
        &self,
        aaid: &Aaid,
        key_id: &[u8],
        expected: u32,
        new: u32,
    ) -> Result<CasOutcome, Self::Error>;

    /// Deletes the registration of (AAID, KeyID); returns whether one existed.
    ///
    /// # Errors
    /// The store's error.
    fn delete(&self, aaid: &Aaid, key_id: &[u8]) -> Result<bool, Self::Error>;
}

/// Adapts a [`CredentialStore`] to the verifier's read-only [`crate::RegistrationLookup`].
#[derive(Debug)]
pub struct StoreLookup<'a, S>(pub &'a S);

impl<S: CredentialStore> crate::RegistrationLookup for StoreLookup<'_, S> {
    fn find(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, StorageError> {
        self.0.get(aaid, key_id).map_err(StorageError::new)
    }
}

/// The in-memory stores never fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Infallible {}

impl fmt::Display for Infallible {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl core::error::Error for Infallible {}

#[cfg(feature = "std")]
type Cell<T> = std::sync::Mutex<T>;
#[cfg(not(feature = "std"))]
type Cell<T> = core::cell::RefCell<T>;

#[cfg(feature = "std")]
fn with<T, R>(cell: &Cell<T>, f: impl FnOnce(&mut T) -> R) -> R {
    // A poisoned lock only means another thread panicked while holding it; the map itself is
    // always left consistent by the closures below (single insert/remove/assign).
    let mut guard = match cell.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    f(&mut guard)
}

#[cfg(not(feature = "std"))]
fn with<T, R>(cell: &Cell<T>, f: impl FnOnce(&mut T) -> R) -> R {
    f(&mut cell.borrow_mut())
}

/// A [`CredentialStore`] in memory: for tests, demos and single-process servers.
#[derive(Debug, Default)]
pub struct MemoryCredentialStore {
    records: Cell<Vec<Registration>>,
}

impl MemoryCredentialStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Every registration (a copy).
    #[must_use]
    pub fn all(&self) -> Vec<Registration> {
        with(&self.records, |r| r.clone())
    }
}

fn same_key(r: &Registration, aaid: &Aaid, key_id: &[u8]) -> bool {
    r.aaid == *aaid && r.key_id.as_bytes() == key_id
}

impl CredentialStore for MemoryCredentialStore {
    type Error = Infallible;

    fn get(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, Infallible> {
        Ok(with(&self.records, |r| {
            r.iter().find(|x| same_key(x, aaid, key_id)).cloned()
        }))
    }

    fn list_by_user(&self, username: &str) -> Result<Vec<Registration>, Infallible> {
        Ok(with(&self.records, |r| {
            r.iter()
                .filter(|x| x.username == username)
                .cloned()
                .collect()
        }))
    }

    fn insert_unique(&self, registration: Registration) -> Result<InsertOutcome, Infallible> {
        Ok(with(&self.records, |r| {
            if r.iter()
                .any(|x| same_key(x, &registration.aaid, registration.key_id.as_bytes()))
            {
                InsertOutcome::AlreadyExists
            } else {
                r.push(registration);
                InsertOutcome::Inserted
            }
        }))
    }

    fn compare_and_swap_counter(
        &self,
        aaid: &Aaid,
        key_id: &[u8],
        expected: u32,
        new: u32,
    ) -> Result<CasOutcome, Infallible> {
        Ok(with(&self.records, |r| {
            match r.iter_mut().find(|x| same_key(x, aaid, key_id)) {
                None => CasOutcome::NotFound,
                Some(x) if x.sign_counter == expected => {
                    x.sign_counter = new;
                    CasOutcome::Swapped
                }
                Some(x) => CasOutcome::Conflict {
                    current: x.sign_counter,
                },
            }
        }))
    }

    fn delete(&self, aaid: &Aaid, key_id: &[u8]) -> Result<bool, Infallible> {
        Ok(with(&self.records, |r| {
            let before = r.len();
            r.retain(|x| !same_key(x, aaid, key_id));
            r.len() != before
        }))
    }
}

/// A single-use store of pending ceremonies (`P`: [`crate::PendingRegistration`] or
/// [`crate::PendingAuthentication`]), **keyed by the request's `serverData`**: the random
/// handle the RP puts in the request header and the client echoes in the response header
/// ([`crate::PendingRegistration::server_data`], [`crate::ParsedResponse::server_data`]),
/// as bytes. [`crate::Service`] keys by it; the key is opaque to the store.
///
/// How [`crate::Service`] uses it, so that a rejected response changes nothing:
/// 1. [`PendingStore::peek`] the state (not removed);
/// 2. verify the response completely against it (binding, signature, allowed keys, user
///    verification, counter judgement);
/// 3. [`PendingStore::take`] it: `None` now means a concurrent response with the same
///    `serverData` took it first (→ [`crate::ErrorKind::ChallengeUnknown`], 1491);
/// 4. only then write (insert registrations, compare-and-swap counters).
///
/// A store that expires states should answer `None` for an expired state from both `peek`
/// and `take` (the verifier checks expiry on its own too, REG-10/AUTH-10).
pub trait PendingStore<P> {
    /// The store's own error, kept as the source of [`crate::ErrorKind::Storage`].
    type Error: core::error::Error + Send + Sync + 'static;

    /// Keeps `pending` under `server_data` (replacing a state kept under the same key).
    ///
    /// # Errors
    /// The store's error.
    fn put(&self, server_data: &[u8], pending: P) -> Result<(), Self::Error>;

    /// The pending state of `server_data`, if present, **without removing it**: a copy to
    /// verify against. Never a proof of single use: only [`PendingStore::take`] is.
    ///
    /// # Errors
    /// The store's error.
    fn peek(&self, server_data: &[u8]) -> Result<Option<P>, Self::Error>;

    /// Removes and returns the pending state of `server_data`, if present. Atomic: of two
    /// concurrent calls with the same key, at most one gets `Some`.
    ///
    /// # Errors
    /// The store's error.
    fn take(&self, server_data: &[u8]) -> Result<Option<P>, Self::Error>;
}

/// One counter write of an accepted authentication: (AAID, KeyID)'s sign counter, read as
/// `expected` when the response was verified, moves to `new`
/// ([`crate::counter::CounterUpdate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterAdvance<'a> {
    /// The authenticator model.
    pub aaid: &'a Aaid,
    /// The KeyID, compared byte for byte.
    pub key_id: &'a [u8],
    /// The value read before verification.
    pub expected: u32,
    /// The value to store.
    pub new: u32,
}

/// The writes of an accepted authentication applied **in one atomic step**: taking the
/// challenge and advancing the counters (one database transaction, one commit), for
/// [`crate::Service::finish_authentication_message_committing`]. The separate calls
/// ([`PendingStore::take`], then [`CredentialStore::compare_and_swap_counter`] per key) make
/// the same decisions in two or more commits.
pub trait AuthenticationCommit {
    /// The store's own error, kept as the source of [`crate::ErrorKind::Storage`].
    type Error: core::error::Error + Send + Sync + 'static;

    /// Atomically: removes the pending state of `server_data` (single use, as
    /// [`PendingStore::take`]: of two concurrent calls with one key at most one finds it)
    /// and, **only if it was there and unexpired**, advances each counter of `counters`:
    /// - to `new` when the stored value is `expected` or below `new`
    ///   ([`CasOutcome::Swapped`]: what the compare-and-swap loop of the separate calls ends
    ///   with when a concurrent sign-in moved the counter to a lower value);
    /// - not at all when the stored value is neither (`Conflict { current }`: a concurrent
    ///   sign-in got as far or further; the caller judges `new` against `current`);
    /// - [`CasOutcome::NotFound`] for a key no longer registered.
    ///
    /// Returns `None` (and changes no counter) when the state was not there or had expired,
    /// else one outcome per counter, in order.
    ///
    /// # Errors
    /// The store's error: nothing was written.
    fn take_and_advance(
        &self,
        server_data: &[u8],
        counters: &[CounterAdvance<'_>],
    ) -> Result<Option<Vec<CasOutcome>>, Self::Error>;
}

#[cfg(target_has_atomic = "ptr")]
impl<T: AuthenticationCommit + ?Sized> AuthenticationCommit for alloc::sync::Arc<T> {
    type Error = T::Error;

    fn take_and_advance(
        &self,
        server_data: &[u8],
        counters: &[CounterAdvance<'_>],
    ) -> Result<Option<Vec<CasOutcome>>, T::Error> {
        (**self).take_and_advance(server_data, counters)
    }
}

/// A shared store is the store: a server that keeps its stores as `Arc<dyn …>` (to share them
/// with other handlers) hands a clone of the `Arc` to [`crate::Service`].
#[cfg(target_has_atomic = "ptr")]
impl<T: CredentialStore + ?Sized> CredentialStore for alloc::sync::Arc<T> {
    type Error = T::Error;

    fn get(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, T::Error> {
        (**self).get(aaid, key_id)
    }

    fn list_by_user(&self, username: &str) -> Result<Vec<Registration>, T::Error> {
        (**self).list_by_user(username)
    }

    fn insert_unique(&self, registration: Registration) -> Result<InsertOutcome, T::Error> {
        (**self).insert_unique(registration)
    }

    fn compare_and_swap_counter(
        &self,
        aaid: &Aaid,
        key_id: &[u8],
        expected: u32,
        new: u32,
    ) -> Result<CasOutcome, T::Error> {
        (**self).compare_and_swap_counter(aaid, key_id, expected, new)
    }

    fn delete(&self, aaid: &Aaid, key_id: &[u8]) -> Result<bool, T::Error> {
        (**self).delete(aaid, key_id)
    }
}

/// A shared pending store is the store (see the [`CredentialStore`] impl for `Arc`).
#[cfg(target_has_atomic = "ptr")]
impl<P, T: PendingStore<P> + ?Sized> PendingStore<P> for alloc::sync::Arc<T> {
    type Error = T::Error;

    fn put(&self, server_data: &[u8], pending: P) -> Result<(), T::Error> {
        (**self).put(server_data, pending)
    }

    fn peek(&self, server_data: &[u8]) -> Result<Option<P>, T::Error> {
        (**self).peek(server_data)
    }

    fn take(&self, server_data: &[u8]) -> Result<Option<P>, T::Error> {
        (**self).take(server_data)
    }
}

/// A [`PendingStore`] in memory.
#[derive(Debug)]
pub struct MemoryPendingStore<P> {
    entries: Cell<Vec<(Vec<u8>, P)>>,
}

impl<P> Default for MemoryPendingStore<P> {
    fn default() -> Self {
        Self {
            entries: Cell::new(Vec::new()),
        }
    }
}

impl<P> MemoryPendingStore<P> {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of pending entries.
    #[must_use]
    pub fn len(&self) -> usize {
        with(&self.entries, |e| e.len())
    }

    /// Whether nothing is pending.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the entries for which `expired` says so (e.g. by issue time); returns how many.
    pub fn purge(&self, mut expired: impl FnMut(&P) -> bool) -> usize {
        with(&self.entries, |e| {
            let before = e.len();
            e.retain(|(_, p)| !expired(p));
            before - e.len()
        })
    }
}

impl<P: Clone> PendingStore<P> for MemoryPendingStore<P> {
    type Error = Infallible;

    fn put(&self, server_data: &[u8], pending: P) -> Result<(), Infallible> {
        with(&self.entries, |e| {
            e.retain(|(k, _)| k.as_slice() != server_data);
            e.push((server_data.to_vec(), pending));
        });
        Ok(())
    }

    fn peek(&self, server_data: &[u8]) -> Result<Option<P>, Infallible> {
        Ok(with(&self.entries, |e| {
            e.iter()
                .find(|(k, _)| k.as_slice() == server_data)
                .map(|(_, p)| p.clone())
        }))
    }

    fn take(&self, server_data: &[u8]) -> Result<Option<P>, Infallible> {
        Ok(with(&self.entries, |e| {
            let pos = e.iter().position(|(k, _)| k.as_slice() == server_data)?;
            Some(e.swap_remove(pos).1)
        }))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use alloc::vec;

    fn reg(user: &str, aaid: &str, key: u8, counter: u32) -> Registration {
        Registration {
            username: user.into(),
            aaid: Aaid::parse(aaid).unwrap(),
            key_id: KeyId::new(vec![key; 32]).unwrap(),
            public_key: vec![4; 65],
            public_key_encoding: AlgKey::EccX962Raw,
            sign_alg: AlgSign::Secp256r1EcdsaSha256Raw,
            sign_counter: counter,
            authenticator_version: 1,
            attestation_type: AttestationType::BasicSurrogate,
            registered_at: 0,
        }
    }

    #[test]
    fn insert_unique_get_list_delete() {
        let s = MemoryCredentialStore::new();
        assert_eq!(
            s.insert_unique(reg("alice", "ABCD#0001", 1, 0)).unwrap(),
            InsertOutcome::Inserted
        );
        assert_eq!(
            s.insert_unique(reg("bob", "abcd#0001", 1, 0)).unwrap(),
            InsertOutcome::AlreadyExists,
            "AAIDs compare case-insensitively"
        );
        assert_eq!(
            s.insert_unique(reg("alice", "ABCD#0001", 2, 0)).unwrap(),
            InsertOutcome::Inserted
        );
        let aaid = Aaid::parse("ABCD#0001").unwrap();
        assert!(s.get(&aaid, &[1; 32]).unwrap().is_some());
        assert!(s.get(&aaid, &[3; 32]).unwrap().is_none());
        assert_eq!(s.list_by_user("alice").unwrap().len(), 2);
        assert!(s.list_by_user("bob").unwrap().is_empty());
        assert!(s.delete(&aaid, &[1; 32]).unwrap());
        assert!(!s.delete(&aaid, &[1; 32]).unwrap());
    }

    #[test]
    fn compare_and_swap() {
        let s = MemoryCredentialStore::new();
        s.insert_unique(reg("alice", "ABCD#0001", 1, 5)).unwrap();
        let aaid = Aaid::parse("ABCD#0001").unwrap();
        assert_eq!(
            s.compare_and_swap_counter(&aaid, &[1; 32], 5, 6).unwrap(),
            CasOutcome::Swapped
        );
        assert_eq!(
            s.compare_and_swap_counter(&aaid, &[1; 32], 5, 7).unwrap(),
            CasOutcome::Conflict { current: 6 }
        );
        assert_eq!(
            s.compare_and_swap_counter(&aaid, &[2; 32], 0, 1).unwrap(),
            CasOutcome::NotFound
        );
    }

    #[test]
    fn pending_take_is_single_use() {
        let p: MemoryPendingStore<u32> = MemoryPendingStore::new();
        p.put(b"c1", 1).unwrap();
        p.put(b"c2", 2).unwrap();
        assert_eq!(p.peek(b"c1").unwrap(), Some(1));
        assert_eq!(p.peek(b"c1").unwrap(), Some(1), "peek does not remove");
        assert_eq!(p.peek(b"c3").unwrap(), None);
        assert_eq!(p.take(b"c1").unwrap(), Some(1));
        assert_eq!(p.peek(b"c1").unwrap(), None);
        assert_eq!(p.take(b"c1").unwrap(), None);
        assert_eq!(p.purge(|v| *v == 2), 1);
        assert!(p.is_empty());
    }

    #[cfg(feature = "std")]
    #[test]
    fn concurrent_cas_loses_no_update() {
        use alloc::sync::Arc;
        let s = Arc::new(MemoryCredentialStore::new());
        s.insert_unique(reg("alice", "ABCD#0001", 1, 0)).unwrap();
        let aaid = Aaid::parse("ABCD#0001").unwrap();
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let s = Arc::clone(&s);
                std::thread::spawn(move || {
                    let mut wins = 0u32;
                    for _ in 0..500 {
                        loop {
                            let cur = s.get(&aaid, &[1; 32]).unwrap().unwrap().sign_counter;
                            match s
                                .compare_and_swap_counter(&aaid, &[1; 32], cur, cur + 1)
                                .unwrap()
                            {
                                CasOutcome::Swapped => {
                                    wins += 1;
                                    break;
                                }
                                CasOutcome::Conflict { .. } => continue,
                                CasOutcome::NotFound => unreachable!(),
                            }
                        }
                    }
                    wins
                })
            })
            .collect();
        let total: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(total, 4000);
        assert_eq!(s.get(&aaid, &[1; 32]).unwrap().unwrap().sign_counter, 4000);
    }
}
