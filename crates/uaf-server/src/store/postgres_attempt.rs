//! [`AttemptStore`] on PostgreSQL: each change one statement (READ COMMITTED: a guarded
//! `UPDATE` re-checks its `WHERE` on the row version it locks, so of concurrent changes of an
//! attempt exactly one matches).

use tokio_postgres::Transaction;

use super::account::{activity_kept_from, sql as account_sql};
use super::attempt::{AttemptStore, ExpiredAttempt, expired_of, sql, sweep_args};
use super::postgres::{Args, PgDatabase, Statements, purge_prepared};
use super::{Columns as _, StoreError, Transition, rows_valid_from, to_i64};

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

    fn end(
        &self,
        id: &str,
        step: Transition,
        report: Option<&str>,
        now: u64,
    ) -> Result<bool, StoreError> {
        let (to, from, valid_from) = step.args(now)?;
        let args: &Args<'_> = &[&to, &report, &id, &from, &valid_from];
        Ok(self.execute(sql::END, args)? == 1)
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

    fn record_expired(&self, now: u64, max: u32) -> Result<Vec<ExpiredAttempt>, StoreError> {
        let (valid_from, limit) = sweep_args(now, max)?;
        // Nothing to do (the usual case): a read, no transaction.
        if self
            .one(sql::ANY_EXPIRED, &[&valid_from], |r| r.text(0))?
            .is_none()
        {
            return Ok(Vec::new());
        }
        // Another node's sweep holds some rows: skip them (it moves them, or, when it rolls
        // back, a later sweep does) rather than wait; the state guard decides the rest.
        let moving = sql::MOVE_EXPIRED.replace("{lock}", " FOR UPDATE SKIP LOCKED");
        self.write_prepared(async |tx, st| {
            let moved = st
                .query(tx, &moving, &[&valid_from, &limit])
                .await?
                .iter()
                .map(expired_of)
                .collect::<Result<Vec<_>, _>>()?;
            let mut purged = false;
            for a in moved.iter().filter_map(|m| m.activity.as_ref()) {
                if !purged {
                    let kept_from = activity_kept_from(now)?;
                    purge_prepared(tx, st, "activity", "id", "at < $1", &[&kept_from]).await?;
                    purged = true;
                }
                let (at, method, outcome) =
                    (to_i64(a.at, "time")?, a.method.as_str(), a.outcome.as_str());
                let row: &Args<'_> = &[
                    &a.username,
                    &at,
                    &method,
                    &a.user_agent,
                    &a.client_ip,
                    &outcome,
                    &a.detail,
                ];
                st.execute(tx, account_sql::INSERT_ACTIVITY, row).await?;
            }
            Ok(moved)
        })
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
