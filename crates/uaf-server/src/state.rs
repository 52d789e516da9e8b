//! What every handler shares: the relying party with its stores, the database, the clock
//! and the prepared facet list ([`App`]), and the one per-request random generator
//! ([`fresh_rng`]).

use std::sync::Arc;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_rp::{PendingAuthentication, PendingRegistration, Service, StatusCodeMode};

use crate::mds::SharedMetadata;
use crate::store::{Clock, DynCredentialStore, ExpiringPendingStore, Stores};

/// The relying party with the stores of its database (whichever backend).
pub(crate) type AppService = Service<
    SharedMetadata,
    Arc<DynCredentialStore>,
    Arc<dyn ExpiringPendingStore<PendingRegistration>>,
    Arc<dyn ExpiringPendingStore<PendingAuthentication>>,
>;

/// Everything the handlers share.
pub(crate) struct App {
    /// The relying party and its credential and pending stores.
    pub(crate) service: AppService,
    /// Every store, one handle per trait (health check, phone sign-in rows).
    pub(crate) stores: Stores,
    /// How rejections are reported.
    pub(crate) mode: StatusCodeMode,
    /// Unix seconds of the verifier and the stores.
    pub(crate) clock: Clock,
    /// The trusted facet list, serialised once at start.
    pub(crate) facets_json: String,
}

impl App {
    /// The clock's now (unix seconds).
    pub(crate) fn now(&self) -> u64 {
        (self.clock)()
    }
}

/// The state of the routes: the [`App`], shared.
pub(crate) type Shared = Arc<App>;

/// A generator seeded from the operating system, for one request.
///
/// # Errors
/// The operating system has no randomness to give.
pub(crate) fn fresh_rng() -> Result<ChaCha20Rng, getrandom::Error> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)?;
    Ok(ChaCha20Rng::from_seed(seed))
}
