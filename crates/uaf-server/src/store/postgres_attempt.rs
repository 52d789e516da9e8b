//! [`AttemptStore`] on PostgreSQL: each change one statement (READ COMMITTED: a guarded
//! `UPDATE` re-checks its `WHERE` on the row version it locks, so of concurrent changes of an
//! attempt exactly one matches).

use tokio_postgres::Transaction;

use super::attempt::{AttemptEnd, AttemptStore, sql};
use super::postgres::{Args, PgDatabase, Statements, insert_activity_in, purge_prepared};
use super::{Columns as _, StoreError, rows_valid_from, to_i64};

impl AttemptStore for PgDatabase {
    fn report(
        &self,
        id: &str,
        report: &str,
        wrong_number: bool,
        now: u64,
    ) -> Result<Option<u32>, StoreError> {
        let valid_from = rows_valid_from(now, 0)?;
        let add = i64::from(wrong_number);
        let args: &Args<'_> = &[&report, &add, &id, &valid_from];
        self.one(sql::REPORT, args, |r| r.num::<u32>(0, "wrong numbers"))
    }

    fn end_with(&self, e: &AttemptEnd<'_>) -> Result<bool, StoreError> {
        let (to, from, valid_from) = e.step.args(e.now)?;
        let pause = match e.pause {
            Some((user, until)) => Some((user, to_i64(until, "time")?)),
            None => None,
        };
        self.write_prepared(async |tx, st| {
            let change: &Args<'_> = &[&to, &e.report, &e.id, &from, &valid_from];
            // Not moved (ended, approved, expired): nothing else is written.
            if st.execute(tx, sql::END, change).await? != 1 {
                return Ok(false);
            }
            if let Some(a) = &e.activity {
                insert_activity_in(tx, st, a).await?;
            }
            if let Some((user, until)) = pause {
                st.execute(tx, sql::PAUSE, &[&user, &until]).await?;
            }
            Ok(true)
        })
    }

    fn pause(&self, username: &str, until: u64) -> Result<(), StoreError> {
        let until = to_i64(until, "time")?;
        self.execute(sql::PAUSE, &[&username, &until]).map(drop)
    }

    fn paused_until(&self, username: &str) -> Result<Option<u64>, StoreError> {
        self.one(sql::PAUSED_UNTIL, &[&username], |r| r.uint(0, "pause end"))
    }

    fn remember_browser(
        &self,
        token_hash: &[u8],
        username: &str,
        now: u64,
        forget_before: u64,
    ) -> Result<(), StoreError> {
        self.write_prepared(async |tx, st| {
            remember_in(tx, st, token_hash, username, now, forget_before).await
        })
    }

    fn known_browser(
        &self,
        token_hash: &[u8],
        username: &str,
        since: u64,
    ) -> Result<bool, StoreError> {
        let since = to_i64(since, "time")?;
        let args: &Args<'_> = &[&token_hash, &username, &since];
        let n = self.one(sql::KNOWN_BROWSER, args, |r| r.int(0))?;
        Ok(n.unwrap_or(0) > 0)
    }
}

/// Remembers the browser whose cookie hashes to `token_hash` for `username` at `now`,
/// forgetting every browser remembered before `forget_before` (skipping rows another
/// transaction holds, so concurrent sign-ins never wait for or deadlock with each other over
/// the purge), in the caller's transaction: [`AttemptStore::remember_browser`] and the known
/// browser of a [`super::NewSession`].
pub(super) async fn remember_in(
    tx: &Transaction<'_>,
    st: &mut Statements,
    token_hash: &[u8],
    username: &str,
    now: u64,
    forget_before: u64,
) -> Result<(), StoreError> {
    let (now, before) = (to_i64(now, "time")?, to_i64(forget_before, "time")?);
    let key = "token_hash, username";
    purge_prepared(tx, st, "known_browsers", key, "created_at < $1", &[&before]).await?;
    st.execute(tx, sql::REMEMBER_BROWSER, &[&token_hash, &username, &now])
        .await?;
    Ok(())
}
