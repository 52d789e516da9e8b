//! [`AccountStore`] and [`ActivityStore`] on PostgreSQL (a child module of `postgres.rs`, so
//! it uses the same pool and row helpers). Each guarantee is the statement's:
//! `ON CONFLICT (username) DO NOTHING` (one account per name, on any node); `UPDATE … WHERE
//! code_last_step = $expected` (under READ COMMITTED a concurrent update waits for the first
//! and re-checks the `WHERE`: of two uses of one step exactly one matches); `INSERT … ON
//! CONFLICT DO UPDATE … RETURNING` (one statement: the first secret stays).

use super::super::account::{
    AccountRow, AccountStore, ActivityRow, ActivityStore, account_of, activity_kept_from,
    activity_of, sql, stored_secret, stored_step,
};
use tokio_postgres::Transaction;

use super::super::{Columns as _, NewSession, StoreError, rows_valid_from, to_i64};
use super::{Args, PgDatabase, Statements, purge_prepared};

impl AccountStore for PgDatabase {
    fn create_account(&self, a: &AccountRow) -> Result<bool, StoreError> {
        let created = to_i64(a.created_at, "time")?;
        let secret = stored_secret(a.code_secret.as_ref());
        let last = stored_step(a.code_last_step)?;
        let two_step = i64::from(a.two_step);
        let row: &Args<'_> = &[
            &a.username,
            &a.password_hash,
            &created,
            &two_step,
            &secret,
            &last,
        ];
        Ok(self.execute(sql::INSERT_ACCOUNT, row)? == 1)
    }

    fn account(&self, username: &str) -> Result<Option<AccountRow>, StoreError> {
        self.one(sql::FIND_ACCOUNT, &[&username], account_of)
    }

    fn list_accounts(&self) -> Result<Vec<AccountRow>, StoreError> {
        self.rows(sql::LIST_ACCOUNTS, &[])?
            .iter()
            .map(account_of)
            .collect()
    }

    fn delete_account(&self, username: &str) -> Result<bool, StoreError> {
        self.write(async |tx| {
            for q in sql::DELETE_ACCOUNT_ROWS {
                tx.execute(*q, &[&username]).await?;
            }
            Ok(tx.execute(sql::DELETE_ACCOUNT, &[&username]).await? == 1)
        })
    }

    fn set_password_hash(&self, username: &str, hash: &str) -> Result<bool, StoreError> {
        Ok(self.execute(sql::SET_PASSWORD, &[&hash, &username])? == 1)
    }

    fn replace_password_hash(
        &self,
        username: &str,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.execute(sql::REPLACE_PASSWORD, &[&new, &username, &old])? == 1)
    }

    fn set_two_step(&self, username: &str, enabled: bool) -> Result<bool, StoreError> {
        let on = i64::from(enabled);
        Ok(self.execute(sql::SET_TWO_STEP, &[&on, &username])? == 1)
    }

    fn code_secret_or_insert(
        &self,
        username: &str,
        secret: &[u8],
        now: u64,
    ) -> Result<Vec<u8>, StoreError> {
        let now = to_i64(now, "time")?;
        let stored = self.one(sql::SECRET_OR_INSERT, &[&username, &now, &secret], |r| {
            r.bytes(0)
        })?;
        stored.ok_or_else(|| {
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
        Ok(self.execute(sql::USE_CODE_STEP, &[&step, &username, &expected])? == 1)
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
        let row: &Args<'_> = &[&attempt_id, &username, &expires];
        let stale = ("second_steps", "attempt_id", valid_from);
        self.insert_purging(stale, sql::INSERT_SECOND_STEP, row)
    }

    fn second_step(&self, attempt_id: &str) -> Result<Option<(String, u64)>, StoreError> {
        self.one(sql::FIND_SECOND_STEP, &[&attempt_id], |r| {
            Ok((r.text(0)?, r.uint(1, "expiry time")?))
        })
    }

    fn insert_session(&self, s: &NewSession) -> Result<(), StoreError> {
        self.write_prepared(async |tx, st| super::insert_session_in(tx, st, s).await)
    }
}

/// Appends activity row `a`, deleting the rows older than [`ACTIVITY_RETENTION_SECS`]
/// before its time (skipping rows another transaction holds, as every purge here), in the
/// caller's transaction: [`ActivityStore::record_activity`] and the activity of a
/// [`NewSession`].
///
/// [`ACTIVITY_RETENTION_SECS`]: super::super::ACTIVITY_RETENTION_SECS
pub(crate) async fn insert_activity_in(
    tx: &Transaction<'_>,
    st: &mut Statements,
    a: &ActivityRow,
) -> Result<(), StoreError> {
    let at = to_i64(a.at, "time")?;
    let kept_from = activity_kept_from(a.at)?;
    let (method, outcome) = (a.method.as_str(), a.outcome.as_str());
    purge_prepared(tx, st, "activity", "id", "at < $1", &[&kept_from]).await?;
    let row: &Args<'_> = &[
        &a.username,
        &at,
        &method,
        &a.user_agent,
        &a.client_ip,
        &outcome,
        &a.detail,
    ];
    st.execute(tx, sql::INSERT_ACTIVITY, row).await?;
    Ok(())
}

impl ActivityStore for PgDatabase {
    fn record_activity(&self, a: &ActivityRow) -> Result<(), StoreError> {
        self.write_prepared(async |tx, st| insert_activity_in(tx, st, a).await)
    }

    fn recent_activity(&self, username: &str, limit: u32) -> Result<Vec<ActivityRow>, StoreError> {
        // `id` orders the rows of one second as recorded.
        const RECENT: &str = "\
            SELECT username, at, method, user_agent, client_ip, outcome, detail FROM activity \
            WHERE username = $1 ORDER BY at DESC, id DESC LIMIT $2";
        let limit = i64::from(limit);
        self.rows(RECENT, &[&username, &limit])?
            .iter()
            .map(activity_of)
            .collect()
    }
}
