//! A bounded cache of decoded stored keys (feature `std`), so a key that signs in often is
//! decoded and validated once, not at every sign-in (AUTH-21).
//!
//! Decoding a stored `UAuth.pub` means parsing its encoding, checking the point is on its
//! curve, and — with the AWS-LC backend — building AWS-LC's own parsed key; that is a few
//! per cent of a P-256 verification, paid on every authentication. The cache keeps the decoded
//! [`PublicKey`] behind an [`Arc`], keyed by the *exact stored bytes* with their encoding and
//! signature algorithm, so a changed or re-registered key can never be served from a stale
//! entry: only the same bytes decode to the same key. It holds public keys only (no secret).
//!
//! Bounded: when full, the oldest entry is dropped (first in, first out). Readers share a
//! read lock; a miss decodes outside any lock and then inserts under the write lock.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use std::collections::HashMap;
use std::sync::RwLock;

use uaf_crypto::{CryptoError, PublicKey};
use uaf_proto::registry::{AlgKey, AlgSign};

/// The algorithm and encoding a stored key is decoded under; with the stored bytes, what
/// identifies a decoded key.
type Kind = (AlgSign, AlgKey);

#[derive(Default)]
struct Inner {
    /// Per kind, the decoded keys by their exact stored bytes. Two levels so that a look-up
    /// borrows the stored bytes (`Vec<u8>: Borrow<[u8]>`) instead of copying them: a hit, the
    /// common case on the sign-in path, allocates nothing.
    keys: HashMap<Kind, HashMap<Vec<u8>, Arc<PublicKey>>>,
    /// Insertion order, for first-in-first-out eviction: one entry per cached key, so its
    /// length is the number of keys.
    order: VecDeque<(Kind, Vec<u8>)>,
}

/// Decoded stored keys, at most `capacity` of them.
pub(crate) struct KeyCache {
    capacity: usize,
    inner: RwLock<Inner>,
}

impl KeyCache {
    /// A cache of at most `capacity` keys (0: nothing is kept).
    pub(crate) fn new(capacity: usize) -> Self {
        KeyCache {
            capacity,
            inner: RwLock::new(Inner::default()),
        }
    }

    /// The decoded key for these stored bytes: from the cache, or decoded now (and kept).
    pub(crate) fn decode(
        &self,
        sign_alg: AlgSign,
        encoding: AlgKey,
        bytes: &[u8],
    ) -> Result<Arc<PublicKey>, CryptoError> {
        if self.capacity == 0 {
            return PublicKey::decode_for(sign_alg, encoding, bytes).map(Arc::new);
        }
        let kind = (sign_alg, encoding);
        // A poisoned lock means a thread panicked while holding it; every mutation below
        // leaves the maps, the queue and the count consistent, so the data is still usable.
        if let Some(key) = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(kind, bytes)
        {
            return Ok(key);
        }
        // Decode outside the lock; failures are not cached (they are rare and cheap).
        let key = Arc::new(PublicKey::decode_for(sign_alg, encoding, bytes)?);
        let mut inner = self
            .inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(existing) = inner.get(kind, bytes) {
            // Another thread decoded the same key meanwhile; keep one copy.
            return Ok(existing);
        }
        while inner.order.len() >= self.capacity {
            let Some((old_kind, old_bytes)) = inner.order.pop_front() else {
                break;
            };
            if let Some(per_kind) = inner.keys.get_mut(&old_kind) {
                per_kind.remove(&old_bytes);
            }
        }
        inner.order.push_back((kind, bytes.to_vec()));
        inner
            .keys
            .entry(kind)
            .or_default()
            .insert(bytes.to_vec(), Arc::clone(&key));
        Ok(key)
    }

    /// How many keys are cached.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .order
            .len()
    }
}

impl Inner {
    fn get(&self, kind: Kind, bytes: &[u8]) -> Option<Arc<PublicKey>> {
        self.keys.get(&kind)?.get(bytes).map(Arc::clone)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use uaf_crypto::{KeyType, SigningKey};

    fn point(seed: u8) -> Vec<u8> {
        let key = SigningKey::from_private_scalar(KeyType::P256, &[seed; 32]).unwrap();
        key.public_key().x962_point().unwrap().to_vec()
    }

    const ALG: AlgSign = AlgSign::Secp256r1EcdsaSha256Raw;

    #[test]
    fn same_bytes_same_key_and_bounded() {
        let cache = KeyCache::new(2);
        let a = cache.decode(ALG, AlgKey::EccX962Raw, &point(1)).unwrap();
        let again = cache.decode(ALG, AlgKey::EccX962Raw, &point(1)).unwrap();
        assert!(Arc::ptr_eq(&a, &again), "a hit returns the cached key");
        cache.decode(ALG, AlgKey::EccX962Raw, &point(2)).unwrap();
        cache.decode(ALG, AlgKey::EccX962Raw, &point(3)).unwrap();
        assert_eq!(cache.len(), 2, "the oldest entry was dropped");
        let fresh = cache.decode(ALG, AlgKey::EccX962Raw, &point(1)).unwrap();
        assert!(!Arc::ptr_eq(&a, &fresh), "evicted keys are decoded again");
        assert_eq!(*fresh, *a);
    }

    #[test]
    fn other_bytes_or_algorithm_are_other_entries() {
        let cache = KeyCache::new(8);
        let a = cache.decode(ALG, AlgKey::EccX962Raw, &point(1)).unwrap();
        let b = cache.decode(ALG, AlgKey::EccX962Raw, &point(2)).unwrap();
        assert_ne!(*a, *b);
        let der = cache
            .decode(
                AlgSign::Secp256r1EcdsaSha256Der,
                AlgKey::EccX962Raw,
                &point(1),
            )
            .unwrap();
        assert!(!Arc::ptr_eq(&a, &der));
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn bad_keys_are_rejected_and_not_cached() {
        let cache = KeyCache::new(8);
        let mut bad = point(1);
        if let Some(last) = bad.last_mut() {
            *last ^= 1; // off the curve
        }
        assert!(cache.decode(ALG, AlgKey::EccX962Raw, &bad).is_err());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let cache = KeyCache::new(0);
        let a = cache.decode(ALG, AlgKey::EccX962Raw, &point(1)).unwrap();
        let b = cache.decode(ALG, AlgKey::EccX962Raw, &point(1)).unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!(cache.len(), 0);
    }
}
