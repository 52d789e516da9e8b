//! The store contract: what every storage backend guarantees, written once and run against
//! each (`tests/sqlite_store.rs`: SQLite file and `:memory:`; `tests/postgres.rs`: PostgreSQL,
//! run by `scripts/postgres-test.sh`).
//!
//! A backend joins with one line: `contract_suite!(name, FactoryValue);` in its test file,
//! where the factory ([`Factory`]) makes empty databases of that backend. Backends whose
//! every open is a database of its own (`:memory:`) run the cases of one handle only:
//! `contract_suite!(name, FactoryValue, one_handle);`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err,
    dead_code,
    unreachable_pub
)]

pub mod account;
pub use account::*;
pub mod attempt;
pub use self::attempt::*;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};

mod account_page;
pub use account_page::*;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_metadata::MetadataIndex;
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_rp::store::{CasOutcome, InsertOutcome};
use uaf_rp::{
    AuthenticationOptions, AuthenticationRequirements, PendingAuthentication, PendingRegistration,
    Registration, RelyingParty, RelyingPartyBuilder, UserVerificationRequirement,
};
use uaf_server::store::{
    AttemptRow, AttemptState, Backend, Clock, DeviceRow, DynCredentialStore, EnrollOutcome,
    Enrolment, ExpiringPendingStore, InviteRow, NewSession, SCHEMA_VERSION, SessionRow,
    SignInStore, StoreError, system_clock,
};

mod writes;
pub use writes::*;

/// One store of a backend at a time ([`Backend::stores`] makes them all).
pub trait StoresOf {
    /// The credential store.
    fn credentials(&self) -> Arc<DynCredentialStore>;
    /// The phone sign-in rows.
    fn sign_in(&self) -> Arc<dyn SignInStore>;
    /// The pending registrations, expiring `ttl` seconds after issue by `clock`.
    fn pending_registrations(
        &self,
        ttl: u64,
        clock: Clock,
    ) -> Arc<dyn ExpiringPendingStore<PendingRegistration>>;
    /// The pending authentications, expiring `ttl` seconds after issue by `clock`.
    fn pending_authentications(
        &self,
        ttl: u64,
        clock: Clock,
    ) -> Arc<dyn ExpiringPendingStore<PendingAuthentication>>;
}

impl<B: Backend + ?Sized> StoresOf for B {
    fn credentials(&self) -> Arc<DynCredentialStore> {
        self.stores(300, system_clock()).credentials
    }
    fn sign_in(&self) -> Arc<dyn SignInStore> {
        self.stores(300, system_clock()).sign_in
    }
    fn pending_registrations(
        &self,
        ttl: u64,
        clock: Clock,
    ) -> Arc<dyn ExpiringPendingStore<PendingRegistration>> {
        self.stores(ttl, clock).pending_registrations
    }
    fn pending_authentications(
        &self,
        ttl: u64,
        clock: Clock,
    ) -> Arc<dyn ExpiringPendingStore<PendingAuthentication>> {
        self.stores(ttl, clock).pending_authentications
    }
}

/// Where a test's database lives, and whatever must live as long as it (dropped last).
pub struct Place {
    /// What [`Factory::open`] opens.
    pub location: String,
    /// Cleans up on drop (a PostgreSQL schema, a directory).
    pub guard: Box<dyn Send + Sync>,
}

/// Makes databases of one backend for the suite.
pub trait Factory: Sync {
    /// A place for a new, empty database, named after `test`.
    fn place(&self, test: &str) -> Place;

    /// Opens (migrating) the database at `place`; every call a new handle.
    fn open(&self, place: &Place) -> Result<Arc<dyn Backend>, StoreError>;

    /// The rows of the `schema_version` table, read behind the store's back.
    fn version_rows(&self, place: &Place) -> Vec<i64>;

    /// Sets the schema version behind the store's back.
    fn set_version(&self, place: &Place, version: i64);
}

/// Runs the contract cases as `#[test]`s in a module `$name`.
#[macro_export]
macro_rules! contract_suite {
    ($name:ident, $factory:expr) => {
        $crate::contract_suite!($name, $factory, #[cfg(all())]);
    };
    ($name:ident, $factory:expr, one_handle) => {
        mod $name {
            use super::*;
            $crate::contract_cases!($factory, #[cfg(all())], OneHandle, handle_cases account_cases);
        }
    };
    ($name:ident, $factory:expr, #[$attr:meta]) => {
        mod $name {
            use super::*;
            $crate::contract_cases!(
                $factory, #[$attr], ManyHandles, handle_cases reopen_cases account_cases
            );
        }
    };
}

/// The cases, by group.
#[macro_export]
macro_rules! contract_cases {
    ($factory:expr, #[$attr:meta], $handles:ident, $($group:ident)+) => {
        $( $crate::contract_cases!(@$group $factory, #[$attr], $handles); )+
    };
    (@handle_cases $factory:expr, #[$attr:meta], $handles:ident) => {
        $crate::contract_cases!(@each $factory, #[$attr], $handles,
            credentials_insert_unique_get_list_delete,
            credentials_round_trip_extreme_and_unknown_values,
            insert_unique_races_have_one_winner,
            compare_and_swap_outcomes,
            cas_with_one_expected_value_has_exactly_one_winner,
            racing_increments_lose_nothing,
            pending_states_round_trip_and_are_single_use,
            pending_requirements_survive_put_peek_take,
            concurrent_takes_of_one_challenge_have_exactly_one_winner,
            expired_states_are_never_returned_and_are_purged,
            peek_does_not_consume_and_never_returns_an_expired_state,
            invites_are_taken_once_and_expired_ones_purged,
            a_key_has_one_phone,
            attempts_move_once_and_only_while_valid,
            an_approved_attempt_becomes_one_session,
            pending_attempts_are_capped_per_user,
            an_enrolment_commits_all_or_nothing,
            the_database_accepts_a_write_probe,
            a_fresh_database_has_the_current_schema,
            a_challenge_and_its_attempt_are_stored_together,
            a_second_step_is_stored_with_its_attempt_and_activity,
            a_challenge_is_taken_and_the_counter_advanced_together,
            an_approval_takes_advances_and_moves_together,
            accounts_are_unique_and_round_trip,
            the_first_code_secret_stays,
            a_code_step_is_used_once,
            deleting_an_account_deletes_its_sign_ins,
            password_sessions_are_stored_and_expired_ones_purged,
            a_consumed_attempt_stores_its_session_activity_and_browser_together,
            a_password_session_stores_its_activity_and_browser_together,
            activity_is_read_newest_first_and_old_rows_purged,
            reports_are_kept_only_while_pending,
            an_attempt_ends_once,
            an_ending_records_and_pauses_with_it_or_not_at_all,
            pauses_and_known_browsers_round_trip,
            second_steps_are_recorded_and_expired_ones_purged
        );
    };
    (@account_cases $factory:expr, #[$attr:meta], $handles:ident) => {
        $crate::contract_cases!(@each $factory, #[$attr], $handles,
            phones_are_listed_named_and_marked_used_per_account,
            a_removed_phone_loses_token_and_key_at_once_and_its_request_is_delivered_once,
            queued_deregistrations_expire,
            racing_removals_of_one_phone_remove_and_queue_it_once,
            sessions_of_an_account_are_counted_and_deleted_together
        );
    };
    (@reopen_cases $factory:expr, #[$attr:meta], $handles:ident) => {
        $crate::contract_cases!(@each $factory, #[$attr], $handles,
            reopening_keeps_the_data_and_migrates_nothing,
            databases_opened_at_once_migrate_once,
            a_newer_schema_is_refused_and_not_damaged
        );
    };
    (@each $factory:expr, #[$attr:meta], $handles:ident, $($case:ident),+) => {
        $(
            #[test]
            #[$attr]
            fn $case() {
                let suite = $crate::contract::Suite {
                    factory: &$factory,
                    handles: $crate::contract::Handles::$handles,
                };
                $crate::contract::$case(&suite);
            }
        )+
    };
}

/// Whether separate opens of one place share the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handles {
    /// Every open is a database of its own (`:memory:`): "several handles" are clones of one.
    OneHandle,
    /// Every open of a place is a new connection (pool) to the same database.
    ManyHandles,
}

/// A factory and how its handles share.
pub struct Suite<'a> {
    pub factory: &'a dyn Factory,
    pub handles: Handles,
}

impl Suite<'_> {
    /// A new database for `test` and one handle on it.
    fn fresh(&self, test: &str) -> (Place, Arc<dyn Backend>) {
        let place = self.factory.place(test);
        let db = self.factory.open(&place).unwrap();
        (place, db)
    }

    /// `n` handles on the database of `first` ("nodes", or connections of one process).
    fn nodes(&self, place: &Place, first: &Arc<dyn Backend>, n: usize) -> Vec<Arc<dyn Backend>> {
        let mut all = vec![Arc::clone(first)];
        for _ in 1..n {
            all.push(match self.handles {
                Handles::OneHandle => Arc::clone(first),
                Handles::ManyHandles => self.factory.open(place).unwrap(),
            });
        }
        all
    }
}

/// Runs `f(i, handle)` on `n` threads released at once, the handles taken in turn.
pub fn race<T: Send + 'static>(
    n: usize,
    handles: &[Arc<dyn Backend>],
    f: impl Fn(usize, &dyn Backend) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(n));
    let f = Arc::new(f);
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let db = Arc::clone(&handles[i % handles.len()]);
            let (barrier, f) = (Arc::clone(&barrier), Arc::clone(&f));
            std::thread::spawn(move || {
                barrier.wait();
                f(i, &*db)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

pub fn reg(user: &str, aaid: &str, key: u8, counter: u32) -> Registration {
    Registration {
        username: user.into(),
        aaid: Aaid::parse(aaid).unwrap(),
        key_id: KeyId::new(vec![key; 32]).unwrap(),
        public_key: vec![4, key, 1, 2, 3],
        public_key_encoding: AlgKey::EccX962Der,
        sign_alg: AlgSign::Secp256k1EcdsaSha256Der,
        sign_counter: counter,
        authenticator_version: 7,
        attestation_type: AttestationType::BasicFull,
        registered_at: 1_700_000_123,
    }
}

pub fn aaid() -> Aaid {
    Aaid::parse("ABCD#0001").unwrap()
}

fn rp() -> RelyingParty<MetadataIndex> {
    RelyingParty::new(
        RelyingPartyBuilder::new("https://uaf.example.com/facets.json")
            .build()
            .unwrap(),
        MetadataIndex::new(),
    )
}

pub fn pending_reg(now: u64, seed: u64) -> PendingRegistration {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    rp().start_registration("alice", &[], now, &mut rng)
        .unwrap()
        .1
}

pub fn pending_auth(user: Option<&str>, now: u64, seed: u64) -> PendingAuthentication {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let regs = vec![reg("alice", "ABCD#0001", 1, 0)];
    let user = user.map(|u| (u, regs.as_slice()));
    rp().start_authentication(user, Vec::new(), now, &mut rng)
        .unwrap()
        .1
}

/// A clock the test moves.
pub fn manual_clock(start: u64) -> (Arc<AtomicU64>, Clock) {
    let t = Arc::new(AtomicU64::new(start));
    let c = Arc::clone(&t);
    (t, Arc::new(move || c.load(Ordering::SeqCst)))
}

pub const NOW: u64 = 1_700_000_000;

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

pub fn credentials_insert_unique_get_list_delete(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("insert");
    let s = db.credentials();
    let alice = reg("alice", "ABCD#0001", 1, 5);
    assert_eq!(
        s.insert_unique(alice.clone()).unwrap(),
        InsertOutcome::Inserted
    );
    // Same (AAID, KeyID), AAID in another case, another user: refused, nothing changes.
    assert_eq!(
        s.insert_unique(reg("bob", "abcd#0001", 1, 0)).unwrap(),
        InsertOutcome::AlreadyExists
    );
    assert_eq!(
        s.insert_unique(reg("alice", "ABCD#0001", 2, 0)).unwrap(),
        InsertOutcome::Inserted
    );
    assert_eq!(
        s.insert_unique(reg("carol", "EEEE#0002", 1, 0)).unwrap(),
        InsertOutcome::Inserted,
        "the same KeyID under another AAID is another key"
    );
    // Every field round-trips; the AAID lookup is case-insensitive.
    let got = s.get(&Aaid::parse("abcd#0001").unwrap(), &[1; 32]).unwrap();
    assert_eq!(got, Some(alice.clone()));
    assert_eq!(s.get(&aaid(), &[3; 32]).unwrap(), None);

    let list = s.list_by_user("alice").unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0], alice, "in insertion order");
    assert_eq!(list[1].key_id.as_bytes(), &[2; 32]);
    assert!(s.list_by_user("bob").unwrap().is_empty());
    assert_eq!(s.list_by_user("carol").unwrap().len(), 1);

    assert!(s.delete(&aaid(), &[1; 32]).unwrap());
    assert!(!s.delete(&aaid(), &[1; 32]).unwrap());
    assert_eq!(s.get(&aaid(), &[1; 32]).unwrap(), None);
    assert_eq!(s.list_by_user("alice").unwrap().len(), 1);
    // Deleted keys may be registered again.
    assert_eq!(s.insert_unique(alice).unwrap(), InsertOutcome::Inserted);
}

pub fn credentials_round_trip_extreme_and_unknown_values(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("extremes");
    let s = db.credentials();
    let mut r = reg("dave", "ABCD#0001", 0, u32::MAX);
    r.key_id = KeyId::from_stored(b"ascii-key".to_vec()).unwrap();
    r.sign_alg = AlgSign::from_value(0x7777);
    r.public_key_encoding = AlgKey::from_value(u16::MAX);
    r.attestation_type = AttestationType::from_value(0x4000);
    r.authenticator_version = u16::MAX;
    r.registered_at = u64::try_from(i64::MAX).unwrap();
    s.insert_unique(r.clone()).unwrap();
    assert_eq!(s.get(&aaid(), b"ascii-key").unwrap(), Some(r));
    // A time that does not fit the database's 64-bit signed integers is refused, not wrapped.
    let mut late = reg("erin", "ABCD#0001", 9, 0);
    late.registered_at = u64::MAX;
    assert!(matches!(
        s.insert_unique(late),
        Err(StoreError::Unrepresentable { .. })
    ));
    assert_eq!(s.get(&aaid(), &[9; 32]).unwrap(), None);
}

pub fn insert_unique_races_have_one_winner(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("insert_race");
    let nodes = suite.nodes(&place, &db, 4);
    let outcomes = race(16, &nodes, |i, db| {
        db.credentials()
            .insert_unique(reg(&format!("user{i}"), "ABCD#0001", 9, 0))
            .unwrap()
    });
    let inserted = outcomes
        .iter()
        .filter(|o| **o == InsertOutcome::Inserted)
        .count();
    assert_eq!(inserted, 1, "{outcomes:?}");
    let owner = db.credentials().get(&aaid(), &[9; 32]).unwrap().unwrap();
    assert_eq!(
        db.credentials()
            .list_by_user(&owner.username)
            .unwrap()
            .len(),
        1
    );
}

pub fn compare_and_swap_outcomes(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("cas");
    let s = db.credentials();
    s.insert_unique(reg("alice", "ABCD#0001", 1, 5)).unwrap();
    assert_eq!(
        s.compare_and_swap_counter(&aaid(), &[1; 32], 5, 6).unwrap(),
        CasOutcome::Swapped
    );
    assert_eq!(
        s.compare_and_swap_counter(&aaid(), &[1; 32], 5, 7).unwrap(),
        CasOutcome::Conflict { current: 6 }
    );
    assert_eq!(
        s.compare_and_swap_counter(&Aaid::parse("abcd#0001").unwrap(), &[1; 32], 6, 8)
            .unwrap(),
        CasOutcome::Swapped,
        "the AAID compares case-insensitively"
    );
    assert_eq!(
        s.compare_and_swap_counter(&aaid(), &[2; 32], 0, 1).unwrap(),
        CasOutcome::NotFound
    );
    assert_eq!(s.get(&aaid(), &[1; 32]).unwrap().unwrap().sign_counter, 8);
}

pub fn cas_with_one_expected_value_has_exactly_one_winner(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("cas_one");
    let nodes = suite.nodes(&place, &db, 4);
    db.credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 10))
        .unwrap();
    for round in 0..3u32 {
        let expected = db
            .credentials()
            .get(&aaid(), &[1; 32])
            .unwrap()
            .unwrap()
            .sign_counter;
        let outcomes = race(16, &nodes, move |i, db| {
            let new = expected + 100 + u32::try_from(i).unwrap();
            let got = db
                .credentials()
                .compare_and_swap_counter(&aaid(), &[1; 32], expected, new)
                .unwrap();
            (new, got)
        });
        let winners: Vec<u32> = outcomes
            .iter()
            .filter(|(_, o)| *o == CasOutcome::Swapped)
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        let stored = nodes[1]
            .credentials()
            .get(&aaid(), &[1; 32])
            .unwrap()
            .unwrap()
            .sign_counter;
        assert_eq!(stored, winners[0]);
        // Every loser saw the winner's value.
        for (_, o) in &outcomes {
            if *o != CasOutcome::Swapped {
                assert_eq!(*o, CasOutcome::Conflict { current: stored });
            }
        }
    }
}

pub fn racing_increments_lose_nothing(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("increments");
    let nodes = suite.nodes(&place, &db, 4);
    db.credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 0))
        .unwrap();
    const THREADS: u32 = 16;
    const EACH: u32 = 25;
    let conflicts: u32 = race(16, &nodes, |_, db| {
        let s = db.credentials();
        let mut conflicts = 0u32;
        for _ in 0..EACH {
            let mut cur = s.get(&aaid(), &[1; 32]).unwrap().unwrap().sign_counter;
            loop {
                match s
                    .compare_and_swap_counter(&aaid(), &[1; 32], cur, cur + 1)
                    .unwrap()
                {
                    CasOutcome::Swapped => break,
                    CasOutcome::Conflict { current } => {
                        conflicts += 1;
                        cur = current;
                    }
                    CasOutcome::NotFound => panic!("the key vanished"),
                }
            }
        }
        conflicts
    })
    .into_iter()
    .sum();
    let stored = nodes[2].credentials().get(&aaid(), &[1; 32]).unwrap();
    assert_eq!(
        stored.unwrap().sign_counter,
        THREADS * EACH,
        "({conflicts} conflicts retried)"
    );
}

// ---------------------------------------------------------------------------------------------
// Pending ceremonies
// ---------------------------------------------------------------------------------------------

pub fn pending_states_round_trip_and_are_single_use(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("pending");
    let (_t, clock) = manual_clock(NOW);
    let regs = db.pending_registrations(300, Arc::clone(&clock));
    let auths = db.pending_authentications(300, clock);

    let r = pending_reg(NOW, 1);
    regs.put(b"k1", r.clone()).unwrap();
    let a = pending_auth(Some("alice"), NOW, 2);
    let anon = pending_auth(None, NOW, 3);
    auths.put(b"k1", a.clone()).unwrap();
    auths.put(b"k2", anon.clone()).unwrap();
    assert_eq!(regs.len().unwrap(), 1);
    assert_eq!(auths.len().unwrap(), 2);

    // The kinds are apart: the same key holds one state of each.
    assert_eq!(regs.take(b"k1").unwrap(), Some(r));
    assert_eq!(regs.take(b"k1").unwrap(), None);
    assert_eq!(auths.take(b"k1").unwrap(), Some(a));
    assert_eq!(auths.take(b"k1").unwrap(), None);
    let got = auths.take(b"k2").unwrap().unwrap();
    assert_eq!(got, anon);
    assert_eq!(got.username(), None);
    assert!(auths.is_empty().unwrap() && regs.is_empty().unwrap());
    assert_eq!(regs.take(b"never put").unwrap(), None);

    // `put` on an existing key replaces it.
    regs.put(b"k", pending_reg(NOW, 4)).unwrap();
    let newer = pending_reg(NOW, 5);
    regs.put(b"k", newer.clone()).unwrap();
    assert_eq!(regs.len().unwrap(), 1);
    assert_eq!(regs.take(b"k").unwrap(), Some(newer));
}

/// An authentication started with requirements (allowed keys, user verification) keeps them
/// through the store: `peek` and `take` answer the state as it was put, requirements included.
pub fn pending_requirements_survive_put_peek_take(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("requirements");
    let (_t, clock) = manual_clock(NOW);
    let auths = db.pending_authentications(300, clock);
    let regs = vec![
        reg("alice", "ABCD#0001", 1, 0),
        reg("alice", "ABCD#0001", 2, 0),
    ];
    let allowed = |key: u8| {
        (
            Aaid::parse("ABCD#0001").unwrap(),
            KeyId::new(vec![key; 32]).unwrap(),
        )
    };
    let started = |options: AuthenticationOptions, seed: u64| {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        rp().start_authentication(Some(("alice", regs.as_slice())), options, NOW, &mut rng)
            .unwrap()
            .1
    };
    let cases = [
        // Both requirements.
        started(
            AuthenticationOptions::new()
                .allow_keys([allowed(2)])
                .require_user_verification(),
            11,
        ),
        // Allowed keys only (two of them), user verification `Any`.
        started(
            AuthenticationOptions::new().allow_keys([allowed(1), allowed(2)]),
            12,
        ),
        // User verification only.
        started(AuthenticationOptions::new().require_user_verification(), 13),
        // An empty set of allowed keys (no key may answer) is not "any key".
        pending_auth(Some("alice"), NOW, 14)
            .with_requirements(AuthenticationRequirements::new().allow_keys([])),
        // Nothing.
        pending_auth(Some("alice"), NOW, 15),
    ];
    for (i, state) in cases.iter().enumerate() {
        let key = format!("r{i}");
        auths.put(key.as_bytes(), state.clone()).unwrap();
        let peeked = auths.peek(key.as_bytes()).unwrap().unwrap();
        assert_eq!(
            peeked.requirements(),
            state.requirements(),
            "case {i}: peek"
        );
        assert_eq!(&peeked, state, "case {i}: peek");
        let taken = auths.take(key.as_bytes()).unwrap().unwrap();
        assert_eq!(&taken, state, "case {i}: take");
    }
    assert_eq!(
        cases[0].requirements().allowed_keys(),
        Some(&[allowed(2)][..])
    );
    assert_eq!(
        cases[0].requirements().user_verification(),
        UserVerificationRequirement::Required
    );
    assert_eq!(cases[3].requirements().allowed_keys(), Some(&[][..]));
    assert!(cases[4].requirements().is_empty());
    // `put` over a key replaces the requirements too.
    auths.put(b"k", cases[0].clone()).unwrap();
    auths.put(b"k", cases[4].clone()).unwrap();
    assert!(auths.take(b"k").unwrap().unwrap().requirements().is_empty());
}

pub fn concurrent_takes_of_one_challenge_have_exactly_one_winner(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("take");
    let nodes = suite.nodes(&place, &db, 4);
    let (_t, clock) = manual_clock(NOW);
    for round in 0..5u64 {
        let key = format!("challenge-{round}");
        let p = pending_reg(NOW, round);
        db.pending_registrations(300, Arc::clone(&clock))
            .put(key.as_bytes(), p.clone())
            .unwrap();
        let clock = Arc::clone(&clock);
        let got: Vec<PendingRegistration> = race(16, &nodes, move |_, db| {
            db.pending_registrations(300, Arc::clone(&clock))
                .take(key.as_bytes())
                .unwrap()
        })
        .into_iter()
        .flatten()
        .collect();
        assert_eq!(got, vec![p], "round {round}");
    }
    assert!(
        nodes[3]
            .pending_registrations(300, clock)
            .is_empty()
            .unwrap()
    );
}

pub fn expired_states_are_never_returned_and_are_purged(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("expiry");
    let (t, clock) = manual_clock(NOW);
    let regs = db.pending_registrations(300, Arc::clone(&clock));

    regs.put(b"old", pending_reg(NOW, 1)).unwrap();
    regs.put(b"edge", pending_reg(NOW, 2)).unwrap();
    // Exactly at the TTL: still valid (uaf_rp::pending::expired: older than the TTL).
    t.store(NOW + 300, Ordering::SeqCst);
    assert!(regs.take(b"edge").unwrap().is_some(), "valid at the TTL");
    // One second later: expired; the late take removes it and answers nothing.
    t.store(NOW + 301, Ordering::SeqCst);
    assert_eq!(regs.take(b"old").unwrap(), None, "expired one second later");
    assert!(regs.is_empty().unwrap(), "the late take removed it");

    // A put purges what expired.
    regs.put(b"a", pending_reg(NOW + 301, 3)).unwrap();
    regs.put(b"b", pending_reg(NOW + 301, 4)).unwrap();
    t.store(NOW + 1000, Ordering::SeqCst);
    regs.put(b"c", pending_reg(NOW + 1000, 5)).unwrap();
    assert_eq!(regs.len().unwrap(), 1, "a put purges what expired");
    assert!(regs.take(b"c").unwrap().is_some());

    // purge_expired, explicitly; the other kind is untouched.
    let auths = db.pending_authentications(300, clock);
    regs.put(b"d", pending_reg(NOW + 1000, 6)).unwrap();
    regs.put(b"e", pending_reg(NOW + 1700, 7)).unwrap();
    auths.put(b"d", pending_auth(None, NOW + 1000, 8)).unwrap();
    t.store(NOW + 2000, Ordering::SeqCst);
    assert_eq!(
        regs.purge_expired().unwrap(),
        1,
        "d expired, e is 300 s old"
    );
    assert_eq!(regs.purge_expired().unwrap(), 0);
    assert_eq!(regs.len().unwrap(), 1);
    assert_eq!(auths.len().unwrap(), 1, "the other kind is untouched");
    // A state issued "in the future" (a clock that went back) never expires early.
    regs.put(b"f", pending_reg(NOW + 5000, 9)).unwrap();
    assert!(regs.take(b"f").unwrap().is_some());
}

pub fn peek_does_not_consume_and_never_returns_an_expired_state(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("peek");
    let (t, clock) = manual_clock(NOW);
    let auths = db.pending_authentications(300, clock);
    let a = pending_auth(Some("alice"), NOW, 1);
    auths.put(b"k", a.clone()).unwrap();
    assert_eq!(auths.peek(b"nothing").unwrap(), None);
    assert_eq!(auths.peek(b"k").unwrap(), Some(a.clone()));
    assert_eq!(auths.peek(b"k").unwrap(), Some(a.clone()), "peek again");
    assert_eq!(auths.len().unwrap(), 1, "peek does not consume");
    t.store(NOW + 300, Ordering::SeqCst);
    assert_eq!(
        auths.peek(b"k").unwrap(),
        Some(a.clone()),
        "valid at the TTL"
    );
    t.store(NOW + 301, Ordering::SeqCst);
    assert_eq!(auths.peek(b"k").unwrap(), None, "expired: never returned");
    assert_eq!(auths.take(b"k").unwrap(), None, "nor taken");
    // After a take, peek finds nothing.
    auths.put(b"k2", a.clone()).unwrap();
    t.store(NOW + 10, Ordering::SeqCst);
    let b = pending_auth(None, NOW + 10, 2);
    auths.put(b"k3", b.clone()).unwrap();
    assert_eq!(auths.take(b"k3").unwrap(), Some(b));
    assert_eq!(auths.peek(b"k3").unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Phone sign-in rows
// ---------------------------------------------------------------------------------------------

pub fn invites_are_taken_once_and_expired_ones_purged(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("invites");
    let nodes = suite.nodes(&place, &db, 4);
    let s = db.sign_in();
    let invite = InviteRow::new(String::from("alice"), NOW, NOW + 900);
    s.put_invite(&[7; 32], &invite).unwrap();
    assert_eq!(s.find_invite(&[7; 32]).unwrap(), Some(invite.clone()));
    assert_eq!(
        s.find_invite(&[7; 32]).unwrap(),
        Some(invite.clone()),
        "find does not consume"
    );
    assert_eq!(s.find_invite(&[6; 32]).unwrap(), None);
    // Taken by exactly one of 16 racing finishes.
    let taken: Vec<InviteRow> = race(16, &nodes, |_, db| {
        db.sign_in().take_invite(&[7; 32]).unwrap()
    })
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(taken, vec![invite]);
    assert_eq!(s.find_invite(&[7; 32]).unwrap(), None);
    assert_eq!(s.take_invite(&[7; 32]).unwrap(), None);
    // A duplicate code hash is refused.
    let bob = InviteRow::new(String::from("bob"), NOW, NOW + 10);
    s.put_invite(&[8; 32], &bob).unwrap();
    assert!(matches!(
        s.put_invite(&[8; 32], &bob),
        Err(StoreError::Database(_))
    ));
    // The next put purges the expired ones: bob's is valid through NOW + 10.
    let carol = InviteRow::new(String::from("carol"), NOW + 10, NOW + 900);
    s.put_invite(&[9; 32], &carol).unwrap();
    assert_eq!(
        s.find_invite(&[8; 32]).unwrap(),
        Some(bob),
        "valid at its end"
    );
    let dave = InviteRow::new(String::from("dave"), NOW + 11, NOW + 900);
    s.put_invite(&[10; 32], &dave).unwrap();
    assert_eq!(
        s.find_invite(&[8; 32]).unwrap(),
        None,
        "purged a second later"
    );
    assert_eq!(s.find_invite(&[9; 32]).unwrap(), Some(carol));
}

pub fn a_key_has_one_phone(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("devices");
    let s = db.sign_in();
    let phone = DeviceRow::new(String::from("alice"), &aaid(), b"key".to_vec(), NOW);
    s.put_device(&[1; 32], &phone).unwrap();
    let d = s.find_device(&[1; 32]).unwrap().unwrap();
    assert_eq!(d, phone);
    assert_eq!(
        (d.username.as_str(), d.aaid.as_str(), d.key_id.as_slice()),
        ("alice", "ABCD#0001", b"key".as_slice())
    );
    assert_eq!(s.find_device(&[2; 32]).unwrap(), None);
    // The same key (AAID in another case) under another token: refused.
    let again = DeviceRow::new(
        String::from("alice"),
        &Aaid::parse("abcd#0001").unwrap(),
        b"key".to_vec(),
        NOW,
    );
    assert!(matches!(
        s.put_device(&[2; 32], &again),
        Err(StoreError::Database(_))
    ));
    // The same token for another key: refused.
    let other = DeviceRow::new(String::from("bob"), &aaid(), b"other".to_vec(), NOW);
    assert!(matches!(
        s.put_device(&[1; 32], &other),
        Err(StoreError::Database(_))
    ));
    assert_eq!(s.find_device(&[2; 32]).unwrap(), None);
    assert_eq!(s.find_device(&[1; 32]).unwrap(), Some(phone));
}

pub fn attempt(id: &str, user: &str, request: Option<&str>, created: u64) -> AttemptRow {
    AttemptRow::new(
        String::from(id),
        String::from(user),
        vec![3; 32],
        request.map(|_| String::from("server-data")),
        request.map(String::from),
        String::from("42"),
        created,
        created + 120,
    )
}

pub fn attempts_move_once_and_only_while_valid(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("attempts");
    let nodes = suite.nodes(&place, &db, 4);
    let s = db.sign_in();
    let a1 = attempt("attempt-1", "alice", Some("[]"), NOW);
    s.put_attempt(&a1).unwrap();
    assert_eq!(s.attempt("attempt-1").unwrap(), Some(a1.clone()));
    assert_eq!(s.attempt("attempt-0").unwrap(), None);
    assert!(matches!(s.put_attempt(&a1), Err(StoreError::Database(_))));

    // Pending attempts: the user's, pending, unexpired, with a request, oldest first.
    s.put_attempt(&attempt("attempt-0", "alice", Some("[]"), NOW - 1))
        .unwrap();
    s.put_attempt(&attempt("no-request", "alice", None, NOW))
        .unwrap();
    s.put_attempt(&attempt("bobs", "bob", Some("[]"), NOW))
        .unwrap();
    let ids = |now| -> Vec<String> {
        s.pending_attempts("alice", now)
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect()
    };
    assert_eq!(ids(NOW), ["attempt-0", "attempt-1"]);
    assert_eq!(ids(NOW + 119), ["attempt-0", "attempt-1"]);
    assert_eq!(ids(NOW + 120), ["attempt-1"], "valid through its end");
    assert!(ids(NOW + 121).is_empty());

    // Of 16 racing transitions out of pending (approve or decline), one wins.
    let moved: Vec<AttemptState> = race(16, &nodes, |i, db| {
        let to = if i % 2 == 0 {
            AttemptState::Approved
        } else {
            AttemptState::Declined
        };
        let step = AttemptState::Pending.to(to);
        db.sign_in()
            .transition("attempt-1", step, NOW + 1)
            .unwrap()
            .then_some(to)
    })
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(moved.len(), 1);
    assert_eq!(s.attempt("attempt-1").unwrap().unwrap().state, moved[0]);
    assert_eq!(ids(NOW + 1), ["attempt-0"], "no longer pending");
    // From a state it is not in: nothing moves.
    let step = AttemptState::Pending.to(AttemptState::Failed);
    assert!(!s.transition("attempt-1", step, NOW + 2).unwrap());
    assert!(!s.transition("missing", step, NOW + 2).unwrap());
    // Expired: nothing moves (valid through its end).
    assert!(!s.transition("attempt-0", step, NOW + 120).unwrap());
    assert!(s.transition("attempt-0", step, NOW + 119).unwrap());
    assert_eq!(
        s.attempt("attempt-0").unwrap().unwrap().state,
        AttemptState::Failed
    );

    // A put purges the attempts expired for more than an hour.
    s.put_attempt(&attempt("later", "carol", Some("[]"), NOW + 120 + 3600))
        .unwrap();
    assert!(
        s.attempt("attempt-1").unwrap().is_some(),
        "expired an hour ago"
    );
    s.put_attempt(&attempt(
        "later-still",
        "carol",
        Some("[]"),
        NOW + 121 + 3600,
    ))
    .unwrap();
    assert_eq!(s.attempt("attempt-1").unwrap(), None);
    assert_eq!(s.attempt("attempt-0").unwrap(), None);
    assert!(s.attempt("later").unwrap().is_some());
}

pub fn an_approved_attempt_becomes_one_session(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("sessions");
    let nodes = suite.nodes(&place, &db, 4);
    let s = db.sign_in();
    s.put_attempt(&attempt("a", "alice", Some("[]"), NOW))
        .unwrap();
    let row = SessionRow::new(
        String::from("alice"),
        String::from("uaf-phone"),
        NOW + 3,
        NOW + 3 + 3600,
    );
    // Not approved yet: no session.
    let early = NewSession::new(vec![99; 32], row.clone(), NOW + 3);
    assert!(!s.consume_into_session("a", &early).unwrap());
    assert_eq!(s.session(&[99; 32]).unwrap(), None);
    let step = AttemptState::Pending.to(AttemptState::Approved);
    assert!(s.transition("a", step, NOW + 2).unwrap());

    // Of 8 racing collections, one makes a session.
    let made: Vec<u8> = race(8, &nodes, move |i, db| {
        let hash = 100 + u8::try_from(i).unwrap();
        let new = NewSession::new(vec![hash; 32], row.clone(), NOW + 3);
        db.sign_in()
            .consume_into_session("a", &new)
            .unwrap()
            .then_some(hash)
    })
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(made.len(), 1);
    assert_eq!(
        s.attempt("a").unwrap().unwrap().state,
        AttemptState::Consumed
    );
    let hash = [made[0]; 32];
    let stored = nodes[3].sign_in().session(&hash).unwrap().unwrap();
    assert_eq!(
        (stored.username.as_str(), stored.method.as_str()),
        ("alice", "uaf-phone")
    );
    assert_eq!(stored.expires_at, NOW + 3 + 3600);
    let others = (100..108u8)
        .filter(|h| s.session(&[*h; 32]).unwrap().is_some())
        .count();
    assert_eq!(others, 1);

    // An expired approved attempt makes no session.
    s.put_attempt(&attempt("b", "alice", Some("[]"), NOW))
        .unwrap();
    assert!(s.transition("b", step, NOW + 5).unwrap());
    let late = NewSession::new(vec![7; 32], stored.clone(), NOW + 121);
    assert!(!s.consume_into_session("b", &late).unwrap());
    assert_eq!(s.session(&[7; 32]).unwrap(), None);

    // Storing a session purges the expired ones (the first ended at NOW + 3 + 3600).
    let after = NOW + 3 + 3601;
    s.put_attempt(&attempt("c", "bob", Some("[]"), after))
        .unwrap();
    assert!(s.transition("c", step, after).unwrap());
    let bobs = SessionRow::new(
        String::from("bob"),
        String::from("uaf-phone"),
        after,
        after + 60,
    );
    let new = NewSession::new(vec![8; 32], bobs.clone(), after);
    assert!(s.consume_into_session("c", &new).unwrap());
    assert_eq!(
        s.session(&hash).unwrap(),
        None,
        "the expired session was purged"
    );
    assert_eq!(s.session(&[8; 32]).unwrap(), Some(bobs));

    // Sign-out deletes once, from any handle.
    assert!(nodes[2].sign_in().delete_session(&[8; 32]).unwrap());
    assert!(!s.delete_session(&[8; 32]).unwrap());
    assert_eq!(s.session(&[8; 32]).unwrap(), None);
}

pub fn pending_attempts_are_capped_per_user(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("capped");
    let nodes = suite.nodes(&place, &db, 4);
    let s = db.sign_in();
    let ids = |user: &str| -> Vec<String> {
        s.pending_attempts(user, NOW + 10)
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect()
    };
    // Attempts without a request (unknown users) and other users' do not count.
    s.put_attempt(&attempt("bobs", "bob", Some("[]"), NOW))
        .unwrap();
    assert_eq!(
        s.put_attempt_capped(&attempt("none", "alice", None, NOW), 3)
            .unwrap(),
        0
    );
    for (i, expected) in [(1u64, 0u64), (2, 0), (3, 0), (4, 1), (5, 1)] {
        let a = attempt(&format!("a{i}"), "alice", Some("[]"), NOW + i);
        assert_eq!(s.put_attempt_capped(&a, 3).unwrap(), expected, "a{i}");
    }
    assert_eq!(
        ids("alice"),
        ["a3", "a4", "a5"],
        "the three newest, oldest first"
    );
    assert_eq!(
        s.attempt("a1").unwrap().unwrap().state,
        AttemptState::Failed,
        "superseded"
    );
    assert_eq!(
        s.attempt("none").unwrap().unwrap().state,
        AttemptState::Pending
    );
    assert_eq!(ids("bob"), ["bobs"]);
    // A cap of 1: only the new one stays.
    let a = attempt("a6", "alice", Some("[]"), NOW + 6);
    assert_eq!(s.put_attempt_capped(&a, 1).unwrap(), 3);
    assert_eq!(ids("alice"), ["a6"]);
    // Racing starts on every handle: the cap holds.
    race(12, &nodes, |i, db| {
        let a = attempt(&format!("r{i}"), "carol", Some("[]"), NOW + 7);
        db.sign_in().put_attempt_capped(&a, 3).unwrap()
    });
    assert_eq!(ids("carol").len(), 3);
}

fn enrolment(code: u8, token: u8, user: &str, key: u8) -> Enrolment {
    Enrolment::new(
        vec![code; 32],
        vec![reg(user, "ABCD#0001", key, 0)],
        vec![token; 32],
        DeviceRow::new(String::from(user), &aaid(), vec![key; 32], NOW),
    )
}

pub fn an_enrolment_commits_all_or_nothing(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("enrol");
    let (s, creds) = (db.sign_in(), db.credentials());
    let invite = |code: u8, user: &str| {
        s.put_invite(
            &[code; 32],
            &InviteRow::new(String::from(user), NOW, NOW + 900),
        )
        .unwrap();
    };
    invite(1, "alice");
    assert_eq!(
        s.enroll(&enrolment(1, 10, "alice", 1)).unwrap(),
        EnrollOutcome::Enrolled
    );
    assert_eq!(s.find_invite(&[1; 32]).unwrap(), None, "the invite is used");
    assert_eq!(creds.list_by_user("alice").unwrap().len(), 1);
    assert_eq!(s.find_device(&[10; 32]).unwrap().unwrap().username, "alice");
    // The invite again: gone, nothing changes.
    assert_eq!(
        s.enroll(&enrolment(1, 11, "alice", 2)).unwrap(),
        EnrollOutcome::InviteGone
    );
    assert_eq!(s.find_device(&[11; 32]).unwrap(), None);
    assert_eq!(creds.list_by_user("alice").unwrap().len(), 1);
    // An invite of another user: refused, and kept.
    invite(2, "bob");
    assert_eq!(
        s.enroll(&enrolment(2, 12, "mallory", 3)).unwrap(),
        EnrollOutcome::InviteGone
    );
    assert!(s.find_invite(&[2; 32]).unwrap().is_some());
    assert!(creds.list_by_user("mallory").unwrap().is_empty());
    // A key already registered: refused, the invite kept, no device.
    assert_eq!(
        s.enroll(&enrolment(2, 12, "bob", 1)).unwrap(),
        EnrollOutcome::AlreadyRegistered
    );
    assert!(s.find_invite(&[2; 32]).unwrap().is_some());
    assert_eq!(s.find_device(&[12; 32]).unwrap(), None);
    // A failure at the last step (a device token hash already stored): the registration
    // inserted before it and the invite taken before it are rolled back.
    assert!(matches!(
        s.enroll(&enrolment(2, 10, "bob", 4)),
        Err(StoreError::Database(_))
    ));
    assert!(s.find_invite(&[2; 32]).unwrap().is_some(), "invite kept");
    assert!(creds.list_by_user("bob").unwrap().is_empty(), "no key");
    assert_eq!(s.find_device(&[10; 32]).unwrap().unwrap().username, "alice");
    // And then it works.
    assert_eq!(
        s.enroll(&enrolment(2, 13, "bob", 4)).unwrap(),
        EnrollOutcome::Enrolled
    );
    assert_eq!(creds.list_by_user("bob").unwrap().len(), 1);
}

pub fn the_database_accepts_a_write_probe(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("probe");
    db.probe_write().unwrap();
    db.probe_write().unwrap();
    assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION, "unchanged");
}

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

pub fn a_fresh_database_has_the_current_schema(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("schema");
    assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION);
    db.ping().unwrap();
    assert!(!db.name().is_empty());
    assert!(!db.location().is_empty());
}

pub fn reopening_keeps_the_data_and_migrates_nothing(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("reopen");
    db.credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 3))
        .unwrap();
    let (_t, clock) = manual_clock(NOW);
    let p = pending_auth(Some("alice"), NOW, 9);
    db.pending_authentications(300, Arc::clone(&clock))
        .put(b"pending", p.clone())
        .unwrap();
    let again = suite.factory.open(&place).unwrap();
    drop(db);
    assert_eq!(
        suite.factory.version_rows(&place),
        [i64::from(SCHEMA_VERSION)],
        "one version row"
    );
    let got = again.credentials().get(&aaid(), &[1; 32]).unwrap().unwrap();
    assert_eq!(got.sign_counter, 3);
    let auths = again.pending_authentications(300, clock);
    assert_eq!(auths.take(b"pending").unwrap(), Some(p));
}

pub fn databases_opened_at_once_migrate_once(suite: &Suite<'_>) {
    for round in 0..3 {
        let place = Arc::new(suite.factory.place(&format!("race{round}")));
        let barrier = Arc::new(Barrier::new(8));
        let opened: Vec<Arc<dyn Backend>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (place, barrier) = (Arc::clone(&place), Arc::clone(&barrier));
                    scope.spawn(move || {
                        barrier.wait();
                        suite.factory.open(&place)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap().unwrap())
                .collect()
        });
        for db in &opened {
            assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION);
        }
        assert_eq!(
            suite.factory.version_rows(&place),
            [i64::from(SCHEMA_VERSION)],
            "round {round}: one version row"
        );
    }
}

pub fn a_newer_schema_is_refused_and_not_damaged(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("newer");
    db.credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 0))
        .unwrap();
    drop(db);
    let newer = i64::from(SCHEMA_VERSION) + 1;
    suite.factory.set_version(&place, newer);
    match suite.factory.open(&place) {
        Err(StoreError::NewerSchema { found, known }) => {
            assert_eq!(found, SCHEMA_VERSION + 1);
            assert_eq!(known, SCHEMA_VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert_eq!(suite.factory.version_rows(&place), [newer], "not touched");
    // Back at the known version, everything is there.
    suite.factory.set_version(&place, i64::from(SCHEMA_VERSION));
    let db = suite.factory.open(&place).unwrap();
    assert!(db.credentials().get(&aaid(), &[1; 32]).unwrap().is_some());
}
