//! A fixed set of connections shared by threads: what the SQLite readers and the PostgreSQL
//! connections both are.

use core::time::Duration;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

use super::{StoreError, Waited};

/// Locks `m`. A poisoned lock only means a thread panicked while holding it; what the stores
/// keep behind their locks (connections, a list of idle ones) stays sound: every write runs in
/// a transaction that rolled back when that thread unwound.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Idle connections (or slots) of type `C`, handed out one per caller.
pub(crate) struct Pool<C> {
    idle: Mutex<Vec<C>>,
    returned: Condvar,
}

impl<C> Pool<C> {
    /// A pool of `items`.
    pub(crate) fn new(items: Vec<C>) -> Self {
        Pool {
            idle: Mutex::new(items),
            returned: Condvar::new(),
        }
    }

    /// An idle item, waiting up to `patience` for one to be given back.
    pub(crate) fn take(&self, patience: Duration) -> Result<C, StoreError> {
        let deadline = Instant::now() + patience;
        let mut idle = lock(&self.idle);
        loop {
            if let Some(item) = idle.pop() {
                return Ok(item);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::Timeout {
                    waiting_for: Waited::Connection,
                    after: patience,
                });
            }
            idle = match self.returned.wait_timeout(idle, left) {
                Ok((g, _)) => g,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Gives `item` back.
    pub(crate) fn give(&self, item: C) {
        lock(&self.idle).push(item);
        self.returned.notify_one();
    }

    /// Drops every idle item (closing connections before their driver stops).
    pub(crate) fn clear(&mut self) {
        if let Ok(idle) = self.idle.get_mut() {
            idle.clear();
        }
    }
}
