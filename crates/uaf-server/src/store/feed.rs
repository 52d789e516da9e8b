//! Changes of sign-in attempts told to the other nodes of one database ([`ChangeFeed`]): what
//! lets a phone connected to node A hear of an attempt started, cancelled or answered on node
//! B. PostgreSQL has one (`LISTEN/NOTIFY`, `store/postgres_feed.rs`); SQLite has none (one
//! node; several processes on one file re-check the store instead, see `crate::push`).

use std::sync::Arc;

use super::{AttemptState, StoreError};

/// One change of a sign-in attempt: its account, its id and its new state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptChange {
    /// The attempt's account.
    pub username: String,
    /// The attempt's id.
    pub attempt: String,
    /// Its new state.
    pub state: AttemptState,
}

impl AttemptChange {
    /// The change of `attempt` of `username` to `state`.
    #[must_use]
    pub fn new(username: &str, attempt: &str, state: AttemptState) -> AttemptChange {
        AttemptChange {
            username: String::from(username),
            attempt: String::from(attempt),
            state,
        }
    }
}

/// Called with each change another node made (`Some`), or with `None` when changes may have
/// been missed (the feed's connection was lost and is back): then everything must be
/// re-checked.
pub type DeliverChange = Arc<dyn Fn(Option<AttemptChange>) + Send + Sync>;

/// Carries attempt changes between the nodes of one database ([`super::Backend::change_feed`]).
pub trait ChangeFeed: Send + Sync {
    /// Tells the other nodes of a change this node made. Blocking (a database round trip).
    ///
    /// # Errors
    /// [`StoreError`]: the other nodes were not told (they re-check within their bound).
    fn notify(&self, change: &AttemptChange) -> Result<(), StoreError>;

    /// Starts listening (in the background, with a connection of its own, remade when lost)
    /// and hands every change of the other nodes to `deliver`, until `stop` turns `true` or
    /// its sender is dropped.
    fn listen(&self, deliver: DeliverChange, stop: tokio::sync::watch::Receiver<bool>);
}
