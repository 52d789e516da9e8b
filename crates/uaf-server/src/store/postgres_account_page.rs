//! [`AccountPageStore`] on PostgreSQL (a child of `postgres.rs`: it uses the pool, the
//! transactions and the purge there). Every write is one transaction (READ COMMITTED): a
//! removal's `DELETE … RETURNING` of the device row decides, on any node, which transaction
//! removes a phone and queues its request.

use super::super::account_page::{
    AccountPageStore, DEREGISTRATION_QUEUE_SECS, PhoneRow, PhoneToRemove, Removed, phone_of, sql,
};
use super::super::{StoreError, rows_valid_from, to_i64};
use super::{Args, PgDatabase, purge};

impl AccountPageStore for PgDatabase {
    fn phones(&self, username: &str) -> Result<Vec<PhoneRow>, StoreError> {
        self.rows(sql::PHONES, &[&username])?
            .iter()
            .map(phone_of)
            .collect()
    }

    fn rename_phone(
        &self,
        username: &str,
        aaid: &str,
        key_id: &[u8],
        name: Option<&str>,
    ) -> Result<bool, StoreError> {
        let args: &Args<'_> = &[&name, &username, &aaid, &key_id];
        Ok(self.execute(sql::RENAME_PHONE, args)? == 1)
    }

    fn phone_used(&self, aaid: &str, key_id: &[u8], now: u64) -> Result<bool, StoreError> {
        let now = to_i64(now, "time")?;
        let args: &Args<'_> = &[&now, &aaid, &key_id];
        Ok(self.execute(sql::PHONE_USED, args)? == 1)
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
        self.write(async |tx| {
            let stale = "expires_at < $1";
            purge(
                tx,
                "phone_deregistrations",
                "token_hash",
                stale,
                &[&valid_from],
            )
            .await?;
            let mut done = Removed::default();
            for p in phones {
                let key: &Args<'_> = &[&username, &p.aaid, &p.key_id];
                let deleted = tx.query(sql::DELETE_PHONE, key).await?;
                let Some(row) = deleted.first() else {
                    continue;
                };
                let token_hash: Vec<u8> = row.try_get(0)?;
                done.phones += 1;
                done.registrations += tx.execute(sql::DELETE_PHONE_KEY, key).await?;
                if let Some(request) = &p.deregistration {
                    let row: &Args<'_> = &[&token_hash, &username, request, &created, &expires];
                    tx.execute(sql::QUEUE_DEREGISTRATION, row).await?;
                    done.queued += 1;
                }
            }
            Ok(done)
        })
    }

    fn take_deregistrations(&self, token_hash: &[u8], now: u64) -> Result<Vec<String>, StoreError> {
        let valid_from = rows_valid_from(now, 0)?;
        // `DELETE … RETURNING`: of concurrent takes on any node exactly one gets them.
        let taken = self.rows(sql::TAKE_DEREGISTRATIONS, &[&token_hash])?;
        let mut out = Vec::new();
        for row in &taken {
            let expires: i64 = row.try_get(1)?;
            if expires >= valid_from {
                out.push(row.try_get::<_, String>(0)?);
            }
        }
        Ok(out)
    }

    fn count_sessions(&self, username: &str, now: u64) -> Result<u64, StoreError> {
        let valid_from = rows_valid_from(now, 0)?;
        let args: &Args<'_> = &[&username, &valid_from];
        let n = self.one(sql::COUNT_SESSIONS, args, |r| Ok(r.try_get::<_, i64>(0)?))?;
        u64::try_from(n.unwrap_or(0)).map_err(|e| StoreError::corrupt("count", e))
    }

    fn delete_sessions_of(&self, username: &str) -> Result<u64, StoreError> {
        self.execute(sql::DELETE_SESSIONS_OF, &[&username])
    }
}
