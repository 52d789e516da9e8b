//! [`AttemptStore`] on SQLite: each change one statement in a write transaction of its own.

use rusqlite::{Connection, params};

use super::attempt::{AttemptEnd, AttemptStore, sql};
use super::sqlite::{SqliteDatabase, exec, first, insert_activity, rows};
use super::{Columns as _, StoreError, rows_valid_from, to_i64};

impl AttemptStore for SqliteDatabase {
    fn report(
        &self,
        id: &str,
        report: &str,
        wrong_number: bool,
        now: u64,
    ) -> Result<Option<u32>, StoreError> {
        let valid_from = rows_valid_from(now, 0)?;
        let add = i64::from(wrong_number);
        let found = self.write(|tx| {
            rows(tx, sql::REPORT, params![report, add, id, valid_from], |r| {
                r.num::<u32>(0, "wrong numbers")
            })
        })?;
        Ok(first(found))
    }

    fn end_with(&self, e: &AttemptEnd<'_>) -> Result<bool, StoreError> {
        let (to, from, valid_from) = e.step.args(e.now)?;
        let pause = match e.pause {
            Some((user, until)) => Some((user, to_i64(until, "time")?)),
            None => None,
        };
        self.write(|tx| {
            let change = params![to, e.report, e.id, from, valid_from];
            // Not moved (ended, approved, expired): nothing else is written.
            if exec(tx, sql::END, change)? != 1 {
                return Ok(false);
            }
            if let Some(a) = &e.activity {
                insert_activity(tx, a)?;
            }
            if let Some((user, until)) = pause {
                exec(tx, sql::PAUSE, params![user, until])?;
            }
            Ok(true)
        })
    }

    fn pause(&self, username: &str, until: u64) -> Result<(), StoreError> {
        let until = to_i64(until, "time")?;
        self.execute(sql::PAUSE, params![username, until]).map(drop)
    }

    fn paused_until(&self, username: &str) -> Result<Option<u64>, StoreError> {
        let found =
            self.read(|c| rows(c, sql::PAUSED_UNTIL, [username], |r| r.uint(0, "pause end")))?;
        Ok(first(found))
    }

    fn remember_browser(
        &self,
        token_hash: &[u8],
        username: &str,
        now: u64,
        forget_before: u64,
    ) -> Result<(), StoreError> {
        self.write(|tx| remember_in(tx, token_hash, username, now, forget_before))
    }

    fn known_browser(
        &self,
        token_hash: &[u8],
        username: &str,
        since: u64,
    ) -> Result<bool, StoreError> {
        let since = to_i64(since, "time")?;
        let found = self.read(|c| {
            rows(
                c,
                sql::KNOWN_BROWSER,
                params![token_hash, username, since],
                |r| r.int(0),
            )
        })?;
        Ok(first(found).unwrap_or(0) > 0)
    }
}

/// Remembers the browser whose cookie hashes to `token_hash` for `username` at `now`,
/// forgetting every browser remembered before `forget_before`, in the caller's write
/// transaction: [`AttemptStore::remember_browser`] and the known browser of a
/// [`super::NewSession`].
pub(super) fn remember_in(
    tx: &Connection,
    token_hash: &[u8],
    username: &str,
    now: u64,
    forget_before: u64,
) -> Result<(), StoreError> {
    let (now, before) = (to_i64(now, "time")?, to_i64(forget_before, "time")?);
    exec(tx, sql::FORGET_BROWSERS, [before])?;
    exec(
        tx,
        sql::REMEMBER_BROWSER,
        params![token_hash, username, now],
    )?;
    Ok(())
}
