//! [`AccountStore`] and [`ActivityStore`] on SQLite (a child module of `sqlite.rs`, so it
//! uses the same writer, readers and row helpers). Each guarantee is the statement's:
//! `ON CONFLICT (username) DO NOTHING` (one account per name), `UPDATE … WHERE
//! code_last_step = $expected` on the single writer (compare-and-swap of the used step),
//! `INSERT … ON CONFLICT DO UPDATE … RETURNING` (the first secret stays).

use rusqlite::{Connection, params};

use super::super::account::{
    ACCOUNT_COLUMNS, AccountRow, AccountStore, ActivityRow, ActivityStore, account_of,
    activity_kept_from, activity_of, sql, stored_secret, stored_step,
};
use super::super::{Columns as _, NewSession, StoreError, rows_valid_from, to_i64};
use super::{SqliteDatabase, changed, exec, first, rows};

impl AccountStore for SqliteDatabase {
    fn create_account(&self, a: &AccountRow) -> Result<bool, StoreError> {
        let created = to_i64(a.created_at, "time")?;
        let secret = stored_secret(a.code_secret.as_ref());
        let last = stored_step(a.code_last_step)?;
        let row = params![
            a.username,
            a.password_hash,
            created,
            i64::from(a.two_step),
            secret,
            last
        ];
        Ok(self.execute(sql::INSERT_ACCOUNT, row)? == 1)
    }

    fn account(&self, username: &str) -> Result<Option<AccountRow>, StoreError> {
        self.read(|c| rows(c, sql::FIND_ACCOUNT, [username], |r| account_of(r)))
            .map(first)
    }

    fn list_accounts(&self) -> Result<Vec<AccountRow>, StoreError> {
        debug_assert!(sql::LIST_ACCOUNTS.contains(ACCOUNT_COLUMNS));
        self.read(|c| rows(c, sql::LIST_ACCOUNTS, [], |r| account_of(r)))
    }

    fn delete_account(&self, username: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            for q in sql::DELETE_ACCOUNT_ROWS {
                tx.execute(q, [username])?;
            }
            Ok(changed(tx.execute(sql::DELETE_ACCOUNT, [username])?)? == 1)
        })
    }

    fn set_password_hash(&self, username: &str, hash: &str) -> Result<bool, StoreError> {
        Ok(self.execute(sql::SET_PASSWORD, params![hash, username])? == 1)
    }

    fn replace_password_hash(
        &self,
        username: &str,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.execute(sql::REPLACE_PASSWORD, params![new, username, old])? == 1)
    }

    fn set_two_step(&self, username: &str, enabled: bool) -> Result<bool, StoreError> {
        let on = i64::from(enabled);
        Ok(self.execute(sql::SET_TWO_STEP, params![on, username])? == 1)
    }

    fn code_secret_or_insert(
        &self,
        username: &str,
        secret: &[u8],
        now: u64,
    ) -> Result<Vec<u8>, StoreError> {
        let now = to_i64(now, "time")?;
        let stored = self.write(|tx| {
            rows(
                tx,
                sql::SECRET_OR_INSERT,
                params![username, now, secret],
                |r| r.bytes(0),
            )
        })?;
        first(stored).ok_or_else(|| {
            StoreError::corrupt("code secret", super::super::Unreadable::UnknownValue)
        })
    }

    fn use_code_step(
        &self,
        username: &str,
        expected: Option<u64>,
        step: u64,
    ) -> Result<bool, StoreError> {
        let (step, expected) = (to_i64(step, "code step")?, stored_step(expected)?);
        let n = self.execute(sql::USE_CODE_STEP, params![step, username, expected])?;
        Ok(n == 1)
    }

    fn put_second_step(
        &self,
        attempt_id: &str,
        username: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<(), StoreError> {
        let expires = to_i64(expires_at, "time")?;
        let valid_from = rows_valid_from(now, 0)?;
        let row = params![attempt_id, username, expires];
        self.purge_and_insert("second_steps", valid_from, sql::INSERT_SECOND_STEP, row)
    }

    fn second_step(&self, attempt_id: &str) -> Result<Option<(String, u64)>, StoreError> {
        self.read(|c| {
            rows(c, sql::FIND_SECOND_STEP, [attempt_id], |r| {
                Ok((r.text(0)?, r.uint(1, "expiry time")?))
            })
        })
        .map(first)
    }

    fn insert_session(&self, s: &NewSession) -> Result<(), StoreError> {
        self.write(|tx| super::insert_session_in(tx, s))
    }
}

/// Appends activity row `a`, deleting the rows older than [`ACTIVITY_RETENTION_SECS`]
/// before its time, in the caller's write transaction: [`ActivityStore::record_activity`]
/// and the activity of a [`NewSession`].
///
/// [`ACTIVITY_RETENTION_SECS`]: super::super::ACTIVITY_RETENTION_SECS
pub(crate) fn insert_activity(tx: &Connection, a: &ActivityRow) -> Result<(), StoreError> {
    let at = to_i64(a.at, "time")?;
    let kept_from = activity_kept_from(a.at)?;
    let (method, outcome) = (a.method.as_str(), a.outcome.as_str());
    exec(tx, sql::PURGE_ACTIVITY, [kept_from])?;
    let row = params![
        a.username,
        at,
        method,
        a.user_agent,
        a.client_ip,
        outcome,
        a.detail
    ];
    exec(tx, sql::INSERT_ACTIVITY, row)?;
    Ok(())
}

impl ActivityStore for SqliteDatabase {
    fn record_activity(&self, a: &ActivityRow) -> Result<(), StoreError> {
        self.write(|tx| insert_activity(tx, a))
    }

    fn recent_activity(&self, username: &str, limit: u32) -> Result<Vec<ActivityRow>, StoreError> {
        // `rowid` orders the rows of one second as recorded.
        const RECENT: &str = "\
            SELECT username, at, method, user_agent, client_ip, outcome, detail FROM activity \
            WHERE username = ?1 ORDER BY at DESC, rowid DESC LIMIT ?2";
        self.read(|c| {
            rows(c, RECENT, params![username, i64::from(limit)], |r| {
                activity_of(r)
            })
        })
    }
}
