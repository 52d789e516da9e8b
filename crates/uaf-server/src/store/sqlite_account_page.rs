//! [`AccountPageStore`] on SQLite (a child of `sqlite.rs`: it uses the writer, the readers and
//! the row helpers there). Every write is one `BEGIN IMMEDIATE` transaction.

use rusqlite::params;

use super::super::account_page::{
    AccountPageStore, DEREGISTRATION_QUEUE_SECS, PhoneRow, PhoneToRemove, Removed, phone_of, sql,
};
use super::super::{StoreError, rows_valid_from, to_i64};
use super::{SqliteDatabase, changed, first, rows};

impl AccountPageStore for SqliteDatabase {
    fn phones(&self, username: &str) -> Result<Vec<PhoneRow>, StoreError> {
        self.read(|c| rows(c, sql::PHONES, [username], |r| phone_of(r)))
    }

    fn rename_phone(
        &self,
        username: &str,
        aaid: &str,
        key_id: &[u8],
        name: Option<&str>,
    ) -> Result<bool, StoreError> {
        let n = self.execute(sql::RENAME_PHONE, params![name, username, aaid, key_id])?;
        Ok(n == 1)
    }

    fn phone_used(&self, aaid: &str, key_id: &[u8], now: u64) -> Result<bool, StoreError> {
        let now = to_i64(now, "time")?;
        Ok(self.execute(sql::PHONE_USED, params![now, aaid, key_id])? == 1)
    }

    fn remove_phones(
        &self,
        username: &str,
        phones: &[PhoneToRemove],
        now: u64,
    ) -> Result<Removed, StoreError> {
        let created = to_i64(now, "time")?;
        let expires = to_i64(now.saturating_add(DEREGISTRATION_QUEUE_SECS), "time")?;
        let valid_from = rows_valid_from(now, 0)?;
        self.write(|tx| {
            tx.execute(sql::PURGE_DEREGISTRATIONS, [valid_from])?;
            let mut done = Removed::default();
            for p in phones {
                let key = params![username, p.aaid, p.key_id];
                let Some(token_hash) = first(rows(tx, sql::DELETE_PHONE, key, |r| {
                    Ok(r.get::<_, Vec<u8>>(0)?)
                })?) else {
                    continue;
                };
                done.phones += 1;
                done.registrations += changed(tx.execute(sql::DELETE_PHONE_KEY, key)?)?;
                if let Some(request) = &p.deregistration {
                    let row = params![token_hash, username, request, created, expires];
                    tx.execute(sql::QUEUE_DEREGISTRATION, row)?;
                    done.queued += 1;
                }
            }
            Ok(done)
        })
    }

    fn take_deregistrations(&self, token_hash: &[u8], now: u64) -> Result<Vec<String>, StoreError> {
        let valid_from = rows_valid_from(now, 0)?;
        // `DELETE … RETURNING`: of concurrent takes exactly one gets them.
        let taken = self.write(|tx| {
            rows(tx, sql::TAKE_DEREGISTRATIONS, [token_hash], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
        })?;
        Ok(taken
            .into_iter()
            .filter(|(_, expires)| *expires >= valid_from)
            .map(|(request, _)| request)
            .collect())
    }

    fn count_sessions(&self, username: &str, now: u64) -> Result<u64, StoreError> {
        let valid_from = rows_valid_from(now, 0)?;
        let n = self.read(|c| {
            rows(c, sql::COUNT_SESSIONS, params![username, valid_from], |r| {
                Ok(r.get::<_, i64>(0)?)
            })
        })?;
        u64::try_from(first(n).unwrap_or(0)).map_err(|e| StoreError::corrupt("count", e))
    }

    fn delete_sessions_of(&self, username: &str) -> Result<u64, StoreError> {
        self.execute(sql::DELETE_SESSIONS_OF, [username])
    }
}
