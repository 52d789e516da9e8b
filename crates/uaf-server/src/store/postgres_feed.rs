//! The PostgreSQL [`ChangeFeed`]: `NOTIFY` on a change, `LISTEN` on a connection of its own.
//!
//! - **Channel** [`CHANNEL`] (`uaf_signin`), one for every schema of the database; the payload
//!   is `node TAB schema TAB state TAB attempt TAB username` (a user name has no control
//!   characters), at most a few hundred bytes (PostgreSQL allows 8000). A listener ignores
//!   its own node's changes (they were delivered locally) and other schemas' changes.
//! - **Sending**: `SELECT pg_notify($1, $2)` on a pooled connection, after the change was
//!   committed (PostgreSQL delivers a notification when its transaction commits: here its own
//!   one-statement transaction). A node that dies between the commit and the notify leaves
//!   the others to their periodic re-check.
//! - **Listening**: a dedicated connection (not from the pool) runs `LISTEN uaf_signin`; its
//!   notifications are handed over as they arrive. A lost connection is made again after a
//!   back-off of 100 ms doubling to 5 s; once listening again, every subscriber re-checks
//!   (changes may have been sent while nobody listened).

use core::time::Duration;
use std::sync::Arc;

use tokio_postgres::{AsyncMessage, NoTls};

use super::PgDatabase;
use crate::store::{AttemptChange, AttemptState, ChangeFeed, DeliverChange, StoreError};

/// The notification channel.
pub(crate) const CHANNEL: &str = "uaf_signin";

/// The feed of one node over one [`PgDatabase`].
pub(crate) struct PgFeed {
    db: PgDatabase,
    /// This node (random), to skip its own notifications.
    node: String,
}

/// The statement that notifies: the schema (`current_schema()`, where the tables are) is put
/// in by the database, between the node and the change.
const NOTIFY: &str =
    "SELECT pg_notify($1, $2 || chr(9) || coalesce(current_schema(), '') || chr(9) || $3)";

impl PgFeed {
    /// The feed of a new node over `db`.
    pub(crate) fn new(db: PgDatabase) -> Result<PgFeed, getrandom::Error> {
        let mut id = [0u8; 12];
        getrandom::fill(&mut id)?;
        let node = id.iter().map(|b| format!("{b:02x}")).collect();
        Ok(PgFeed { db, node })
    }
}

/// The part of a payload after the node and the schema.
fn change_text(c: &AttemptChange) -> String {
    format!("{}\t{}\t{}", c.state.as_str(), c.attempt, c.username)
}

/// The change in `payload` if another node of `schema` sent it.
fn parse(payload: &str, node: &str, schema: &str) -> Option<AttemptChange> {
    let mut parts = payload.splitn(5, '\t');
    let (from, their_schema) = (parts.next()?, parts.next()?);
    let state = AttemptState::parse(parts.next()?)?;
    let (attempt, username) = (parts.next()?, parts.next()?);
    (from != node && their_schema == schema).then(|| AttemptChange::new(username, attempt, state))
}

impl ChangeFeed for PgFeed {
    fn notify(&self, change: &AttemptChange) -> Result<(), StoreError> {
        let text = change_text(change);
        self.db.with(async |c| {
            c.execute(NOTIFY, &[&CHANNEL, &self.node, &text]).await?;
            Ok(())
        })
    }

    fn listen(&self, deliver: DeliverChange, stop: tokio::sync::watch::Receiver<bool>) {
        // The task holds the connection settings, not the database handle (whose runtime
        // runs it).
        let config = self.db.inner.config.clone();
        let location = self.db.inner.location.clone();
        let node = self.node.clone();
        self.db.inner.handle.spawn(async move {
            listen(config, location, node, deliver, stop).await;
        });
    }
}

/// How long to wait before connecting again after `failures` failures in a row.
fn backoff(failures: u32) -> Duration {
    let ms = 100u64.saturating_mul(1u64 << failures.min(6));
    Duration::from_millis(ms.min(5_000))
}

async fn listen(
    config: tokio_postgres::Config,
    location: String,
    node: String,
    deliver: DeliverChange,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut failures: u32 = 0;
    loop {
        if *stop.borrow() {
            return;
        }
        match listen_once(&config, &node, &deliver, &mut stop).await {
            Ok(Ended::Stopped) => return,
            Ok(Ended::Lost) => {
                failures = 0;
                tracing::warn!(
                    database = location,
                    "sign-in change listener lost; reconnecting"
                );
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::warn!(database = location, error = %e, "sign-in change listener failed");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(backoff(failures)) => {}
            r = stop.changed() => if r.is_err() || *stop.borrow() { return },
        }
    }
}

/// How one listening connection ended.
enum Ended {
    /// The hub closed (or is gone).
    Stopped,
    /// The connection was lost.
    Lost,
}

async fn listen_once(
    config: &tokio_postgres::Config,
    node: &str,
    deliver: &DeliverChange,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> Result<Ended, tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The connection's driver: hands notifications over; ends (dropping `tx`) when it is lost.
    let driver = tokio::spawn(async move {
        while let Some(message) = core::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx.send(n).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "sign-in change listener connection");
                    return;
                }
            }
        }
    });
    // The schema of this connection's `search_path` is the node's (same settings).
    let listening = async {
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        let row = client
            .query_one("SELECT coalesce(current_schema(), '')", &[])
            .await?;
        row.try_get::<_, String>(0)
    };
    let schema = match listening.await {
        Ok(s) => s,
        Err(e) => {
            driver.abort();
            return Err(e);
        }
    };
    // Changes may have been sent while nobody listened: everyone re-checks.
    deliver(None);
    let ended = loop {
        tokio::select! {
            n = rx.recv() => match n {
                Some(n) => {
                    if let Some(change) = parse(n.payload(), node, &schema) {
                        deliver(Some(change));
                    }
                }
                None => break Ended::Lost,
            },
            r = stop.changed() => if r.is_err() || *stop.borrow() { break Ended::Stopped },
        }
    };
    drop(client);
    driver.abort();
    Ok(ended)
}

impl PgDatabase {
    /// This database's [`ChangeFeed`] for a new node (`None`, logged, when the schema cannot
    /// be read: streams then rely on their periodic re-check).
    pub(super) fn feed(&self) -> Option<Arc<dyn ChangeFeed>> {
        match PgFeed::new(self.clone()) {
            Ok(f) => Some(Arc::new(f)),
            Err(e) => {
                tracing::warn!(error = %e, "no sign-in change feed: streams re-check periodically");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_of_other_nodes_of_this_schema_are_read() {
        let c = AttemptChange::new("alice", "ATT", AttemptState::Declined);
        let p = format!("n1\tpublic\t{}", change_text(&c));
        assert_eq!(parse(&p, "n2", "public"), Some(c));
        assert_eq!(parse(&p, "n1", "public"), None, "our own");
        assert_eq!(parse(&p, "n2", "other"), None, "another schema");
        assert_eq!(parse("n1\tpublic\tnonsense\tA\tb", "n2", "public"), None);
        assert_eq!(parse("n1\tpublic", "n2", "public"), None);
        assert_eq!(backoff(0), Duration::from_millis(100));
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(30), Duration::from_secs(5));
    }
}
