//! Storage seams: the credential store and the pending-challenge store, as small traits, with
//! in-memory implementations.
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
    /// The store's own error (I/O, database…).
    type Error: fmt::Debug + fmt::Display;

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
    fn find(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, String> {
        self.0
            .get(aaid, key_id)
            .map_err(|e| alloc::string::ToString::to_string(&e))
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

/// A single-use store of pending ceremonies keyed by challenge: `take` removes atomically, so
/// a challenge can be redeemed at most once.
pub trait PendingStore<P> {
    /// The store's own error.
    type Error: fmt::Debug + fmt::Display;

    /// Keeps `pending` under `challenge` (raw challenge bytes).
    ///
    /// # Errors
    /// The store's error.
    fn put(&self, challenge: &[u8], pending: P) -> Result<(), Self::Error>;

    /// Removes and returns the pending state of `challenge`, if present. Atomic: of two
    /// concurrent calls with the same challenge, at most one gets `Some`.
    ///
    /// # Errors
    /// The store's error.
    fn take(&self, challenge: &[u8]) -> Result<Option<P>, Self::Error>;
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

impl<P> PendingStore<P> for MemoryPendingStore<P> {
    type Error = Infallible;

    fn put(&self, challenge: &[u8], pending: P) -> Result<(), Infallible> {
        with(&self.entries, |e| {
            e.retain(|(c, _)| c.as_slice() != challenge);
            e.push((challenge.to_vec(), pending));
        });
        Ok(())
    }

    fn take(&self, challenge: &[u8]) -> Result<Option<P>, Infallible> {
        Ok(with(&self.entries, |e| {
            let pos = e.iter().position(|(c, _)| c.as_slice() == challenge)?;
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
        assert_eq!(p.take(b"c1").unwrap(), Some(1));
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
