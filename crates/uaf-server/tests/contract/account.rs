//! The contract of [`AccountStore`] and [`ActivityStore`] (accounts, passwords, two-step
//! verification, verification-code steps, the activity record).

use std::sync::Arc;

use uaf_server::store::{
    AccountRow, AccountStore, ActivityOutcome, ActivityRow, ActivityStore, AttemptState, Backend,
    DeviceRow, InviteRow, KnownBrowser, NewSession, SessionRow, SignInMethod, system_clock,
};

use super::{NOW, StoresOf as _, Suite, aaid, attempt, race, reg};

fn accounts(db: &dyn Backend) -> Arc<dyn AccountStore> {
    db.stores(300, system_clock()).accounts
}

fn activity(db: &dyn Backend) -> Arc<dyn ActivityStore> {
    db.stores(300, system_clock()).activity
}

const PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

pub fn accounts_are_unique_and_round_trip(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("accounts");
    let s = accounts(&*db);
    let alice = AccountRow::new("alice".into(), Some(PHC.into()), NOW);
    assert!(s.create_account(&alice).unwrap());
    // The name is taken: nothing changes.
    let other = AccountRow::new("alice".into(), Some("$argon2id$other".into()), NOW + 1);
    assert!(!s.create_account(&other).unwrap());
    assert_eq!(s.account("alice").unwrap(), Some(alice.clone()));
    assert_eq!(s.account("Alice").unwrap(), None, "names are exact");
    let bob = AccountRow::new("bob".into(), None, NOW + 2);
    assert!(s.create_account(&bob).unwrap());
    assert_eq!(s.list_accounts().unwrap(), vec![alice.clone(), bob.clone()]);

    assert!(s.set_password_hash("bob", PHC).unwrap());
    assert!(!s.set_password_hash("carol", PHC).unwrap());
    assert_eq!(
        s.account("bob").unwrap().unwrap().password_hash.as_deref(),
        Some(PHC)
    );
    // A rehash replaces the hash only while it is still the one verified.
    let rehashed = "$argon2id$v=19$m=32768,t=3,p=1$c2FsdA$aGFzaA";
    assert!(
        !s.replace_password_hash("bob", "$argon2id$stale", rehashed)
            .unwrap()
    );
    assert_eq!(
        s.account("bob").unwrap().unwrap().password_hash.as_deref(),
        Some(PHC)
    );
    assert!(s.replace_password_hash("bob", PHC, rehashed).unwrap());
    assert_eq!(
        s.account("bob").unwrap().unwrap().password_hash.as_deref(),
        Some(rehashed)
    );
    assert!(
        !s.replace_password_hash("bob", PHC, rehashed).unwrap(),
        "only once"
    );
    assert!(!s.replace_password_hash("carol", PHC, rehashed).unwrap());
    assert!(s.set_password_hash("bob", PHC).unwrap());
    assert!(s.set_two_step("alice", true).unwrap());
    assert!(!s.set_two_step("carol", true).unwrap());
    let got = s.account("alice").unwrap().unwrap();
    assert!(got.two_step);
    assert_eq!((got.code_secret, got.code_last_step), (None, None));
    assert!(s.set_two_step("alice", false).unwrap());
    assert!(!s.account("alice").unwrap().unwrap().two_step);
}

pub fn the_first_code_secret_stays(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("secrets");
    let nodes = suite.nodes(&place, &db, 4);
    let s = accounts(&*db);
    // No account yet: a phone-only account is made with the secret.
    assert_eq!(
        s.code_secret_or_insert("alice", &[1; 20], NOW).unwrap(),
        vec![1; 20]
    );
    let a = s.account("alice").unwrap().unwrap();
    assert_eq!(a.password_hash, None);
    assert_eq!(a.created_at, NOW);
    assert_eq!(a.code_secret, Some(vec![1; 20]));
    // A later phone gets the same secret.
    assert_eq!(
        s.code_secret_or_insert("alice", &[2; 20], NOW).unwrap(),
        vec![1; 20]
    );
    // An account with a password keeps it, and gets a secret.
    s.create_account(&AccountRow::new("bob".into(), Some(PHC.into()), NOW))
        .unwrap();
    assert_eq!(
        s.code_secret_or_insert("bob", &[3; 20], NOW + 5).unwrap(),
        vec![3; 20]
    );
    let b = s.account("bob").unwrap().unwrap();
    assert_eq!((b.password_hash.as_deref(), b.created_at), (Some(PHC), NOW));
    // Racing first enrolments: one secret wins, every caller gets it.
    let got = race(12, &nodes, |i, db| {
        let byte = u8::try_from(i).unwrap() + 10;
        accounts(db)
            .code_secret_or_insert("carol", &[byte; 20], NOW)
            .unwrap()
    });
    let stored = s.account("carol").unwrap().unwrap().code_secret.unwrap();
    assert!(got.iter().all(|g| *g == stored), "{got:?}");
}

pub fn a_code_step_is_used_once(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("steps");
    let nodes = suite.nodes(&place, &db, 4);
    let s = accounts(&*db);
    s.code_secret_or_insert("alice", &[1; 20], NOW).unwrap();
    assert!(s.use_code_step("alice", None, 100).unwrap());
    assert_eq!(
        s.account("alice").unwrap().unwrap().code_last_step,
        Some(100)
    );
    // The expected value is no longer right.
    assert!(!s.use_code_step("alice", None, 101).unwrap());
    assert!(!s.use_code_step("alice", Some(99), 101).unwrap());
    assert!(s.use_code_step("alice", Some(100), 101).unwrap());
    assert!(!s.use_code_step("bob", None, 1).unwrap(), "no account");
    // Step 0 is a step like any other.
    s.code_secret_or_insert("zero", &[1; 20], NOW).unwrap();
    assert!(s.use_code_step("zero", None, 0).unwrap());
    assert!(!s.use_code_step("zero", None, 0).unwrap());
    // Sixteen uses of one code at once: exactly one wins.
    let won = race(16, &nodes, |_, db| {
        accounts(db).use_code_step("alice", Some(101), 102).unwrap()
    });
    assert_eq!(won.iter().filter(|w| **w).count(), 1);
    assert_eq!(
        s.account("alice").unwrap().unwrap().code_last_step,
        Some(102)
    );
}

pub fn deleting_an_account_deletes_its_sign_ins(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("delete_account");
    let s = accounts(&*db);
    let sign_in = db.stores(300, system_clock()).sign_in;
    s.create_account(&AccountRow::new("alice".into(), Some(PHC.into()), NOW))
        .unwrap();
    s.create_account(&AccountRow::new("bob".into(), Some(PHC.into()), NOW))
        .unwrap();
    let session = SessionRow::new("alice".into(), "password".into(), NOW, NOW + 60);
    s.insert_session(&new_session(1, &session)).unwrap();
    let bobs = SessionRow::new("bob".into(), "password".into(), NOW, NOW + 60);
    s.insert_session(&new_session(2, &bobs)).unwrap();
    sign_in
        .put_device(
            &[3; 32],
            &DeviceRow::new("alice".into(), &aaid(), vec![1; 32], NOW),
        )
        .unwrap();
    sign_in
        .put_invite(&[4; 32], &InviteRow::new("alice".into(), NOW, NOW + 60))
        .unwrap();
    let creds = db.stores(300, system_clock()).credentials;
    creds
        .insert_unique(reg("alice", "ABCD#0001", 1, 0))
        .unwrap();
    assert_eq!(sign_in.session(&[1; 32]).unwrap(), Some(session));

    assert!(s.delete_account("alice").unwrap());
    assert_eq!(s.account("alice").unwrap(), None);
    assert_eq!(sign_in.session(&[1; 32]).unwrap(), None);
    assert_eq!(sign_in.find_device(&[3; 32]).unwrap(), None);
    assert_eq!(sign_in.find_invite(&[4; 32]).unwrap(), None);
    assert!(creds.list_by_user("alice").unwrap().is_empty());
    // Bob's are untouched.
    assert!(sign_in.session(&[2; 32]).unwrap().is_some());
    assert!(s.account("bob").unwrap().is_some());
    assert!(!s.delete_account("alice").unwrap());
}

pub fn password_sessions_are_stored_and_expired_ones_purged(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("password_sessions");
    let s = accounts(&*db);
    let sign_in = db.stores(300, system_clock()).sign_in;
    let old = SessionRow::new("alice".into(), "password".into(), NOW, NOW + 10);
    s.insert_session(&new_session(1, &old)).unwrap();
    assert_eq!(sign_in.session(&[1; 32]).unwrap(), Some(old.clone()));
    // A duplicate id hash is refused.
    assert!(s.insert_session(&new_session(1, &old)).is_err());
    // Valid through its end: kept by an insert at NOW + 10, purged by one at NOW + 11.
    let at = |t: u64| SessionRow::new("bob".into(), "password+code".into(), t, t + 60);
    s.insert_session(&new_session(2, &at(NOW + 10))).unwrap();
    assert!(sign_in.session(&[1; 32]).unwrap().is_some());
    s.insert_session(&new_session(3, &at(NOW + 11))).unwrap();
    assert_eq!(sign_in.session(&[1; 32]).unwrap(), None);
    assert_eq!(sign_in.session(&[3; 32]).unwrap(), Some(at(NOW + 11)));
}

/// The session `row` under the id hash `[hash; 32]`, made at its creation time, alone.
fn new_session(hash: u8, row: &SessionRow) -> NewSession {
    NewSession::new(vec![hash; 32], row.clone(), row.created_at)
}

fn event(user: &str, at: u64, outcome: ActivityOutcome, detail: &str) -> ActivityRow {
    ActivityRow::new(
        user.into(),
        at,
        SignInMethod::Password,
        outcome,
        "Mozilla/5.0 (X11; Linux x86_64) Chrome/131",
        "192.0.2.7".into(),
    )
    .with_detail(detail)
}

pub fn activity_is_read_newest_first_and_old_rows_purged(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("activity");
    let s = activity(&*db);
    assert!(s.recent_activity("alice", 10).unwrap().is_empty());
    let first = event("alice", NOW, ActivityOutcome::WrongPassword, "");
    let second = event("alice", NOW, ActivityOutcome::SignedIn, "same second");
    let mut third = event("alice", NOW + 5, ActivityOutcome::Declined, "");
    third.method = SignInMethod::Phone;
    let bobs = event("bob", NOW + 1, ActivityOutcome::SignedIn, "");
    for e in [&first, &second, &bobs, &third] {
        s.record_activity(e).unwrap();
    }
    assert_eq!(
        s.recent_activity("alice", 10).unwrap(),
        vec![third.clone(), second.clone(), first.clone()]
    );
    assert_eq!(
        s.recent_activity("alice", 2).unwrap(),
        vec![third.clone(), second]
    );
    assert_eq!(s.recent_activity("bob", 10).unwrap(), vec![bobs]);
    assert!(s.recent_activity("carol", 10).unwrap().is_empty());
    // Rows older than the retention are purged by the next record.
    let later = NOW + 5 + uaf_server::store::ACTIVITY_RETENTION_SECS;
    let kept = event("alice", later, ActivityOutcome::Expired, "");
    s.record_activity(&kept).unwrap();
    assert_eq!(s.recent_activity("alice", 10).unwrap(), vec![kept, third]);
    assert!(s.recent_activity("bob", 10).unwrap().is_empty());
}

pub fn second_steps_are_recorded_and_expired_ones_purged(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("second_steps");
    let s = accounts(&*db);
    assert_eq!(s.second_step("attempt-1").unwrap(), None);
    s.put_second_step("attempt-1", "alice", NOW + 10, NOW)
        .unwrap();
    assert_eq!(
        s.second_step("attempt-1").unwrap(),
        Some(("alice".into(), NOW + 10))
    );
    assert!(
        s.put_second_step("attempt-1", "bob", NOW + 10, NOW)
            .is_err()
    );
    // Valid through its end: kept by a put at NOW + 10, purged by one at NOW + 11.
    s.put_second_step("attempt-2", "bob", NOW + 100, NOW + 10)
        .unwrap();
    assert!(s.second_step("attempt-1").unwrap().is_some());
    s.put_second_step("attempt-3", "bob", NOW + 100, NOW + 11)
        .unwrap();
    assert_eq!(s.second_step("attempt-1").unwrap(), None);
    // Deleting the account deletes its second steps.
    s.create_account(&AccountRow::new("bob".into(), None, NOW))
        .unwrap();
    assert!(s.delete_account("bob").unwrap());
    assert_eq!(s.second_step("attempt-2").unwrap(), None);
}

/// The writes of a sign-in's last step ([`NewSession`]): the attempt consumed, the session
/// (with its purge), the activity row and the known browser (with its forgetting) are one
/// transaction: all of them or none, whoever races.
pub fn a_consumed_attempt_stores_its_session_activity_and_browser_together(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("session_writes");
    let nodes = suite.nodes(&place, &db, 4);
    let stores = db.stores(300, system_clock());
    let (rows, log, known) = (stores.sign_in, stores.activity, stores.attempts);
    let approve = AttemptState::Pending.to(AttemptState::Approved);
    const AT: u64 = NOW + 3;
    let row = SessionRow::new("alice".into(), "uaf-phone".into(), AT, AT + 3600);
    fn signed_in(detail: &str) -> ActivityRow {
        let mut e = event("alice", AT, ActivityOutcome::SignedIn, detail);
        e.method = SignInMethod::Phone;
        e
    }
    // What a sign-in of browser `k` with session `[hash; 32]` writes.
    fn new(hash: u8, k: u8, detail: &str) -> NewSession {
        let row = SessionRow::new("alice".into(), "uaf-phone".into(), AT, AT + 3600);
        NewSession::new(vec![hash; 32], row, AT)
            .with_activity(signed_in(detail))
            .with_known_browser(KnownBrowser::new(vec![k; 32], AT - 50))
    }
    let at = AT;
    // A browser remembered long ago, forgotten by the next one remembered.
    known
        .remember_browser(&[9; 32], "carol", at - 100, 0)
        .unwrap();

    rows.put_attempt(&attempt("a", "alice", Some("[]"), NOW))
        .unwrap();
    // Not approved: nothing at all.
    assert!(!rows.consume_into_session("a", &new(1, 1, "early")).unwrap());
    assert!(log.recent_activity("alice", 10).unwrap().is_empty());
    assert!(!known.known_browser(&[1; 32], "alice", 0).unwrap());
    assert!(known.known_browser(&[9; 32], "carol", 0).unwrap());
    assert!(rows.transition("a", approve, NOW + 2).unwrap());

    // Eight racing collections, each with its own session, record and browser: one wins,
    // and only its writes are there.
    let won: Vec<u8> = race(8, &nodes, move |i, db| {
        let n = 10 + u8::try_from(i).unwrap();
        db.sign_in()
            .consume_into_session("a", &new(n, n, &format!("collection {n}")))
            .unwrap()
            .then_some(n)
    })
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(won.len(), 1, "{won:?}");
    let n = won[0];
    assert_eq!(rows.session(&[n; 32]).unwrap(), Some(row.clone()));
    assert_eq!(
        log.recent_activity("alice", 10).unwrap(),
        vec![signed_in(&format!("collection {n}"))]
    );
    for other in 10..18u8 {
        assert_eq!(
            known.known_browser(&[other; 32], "alice", at).unwrap(),
            other == n,
            "browser {other}"
        );
        assert_eq!(rows.session(&[other; 32]).unwrap().is_some(), other == n);
    }
    assert!(
        !known.known_browser(&[9; 32], "carol", 0).unwrap(),
        "forgotten"
    );

    // A second collection of the consumed attempt writes nothing.
    assert!(
        !rows
            .consume_into_session("a", &new(20, 20, "again"))
            .unwrap()
    );
    assert_eq!(rows.session(&[20; 32]).unwrap(), None);
    assert_eq!(log.recent_activity("alice", 10).unwrap().len(), 1);
    assert!(!known.known_browser(&[20; 32], "alice", 0).unwrap());

    // A write that fails (the session id hash is taken) rolls everything back: the attempt
    // stays approved, and no record or browser is stored.
    rows.put_attempt(&attempt("b", "alice", Some("[]"), NOW))
        .unwrap();
    assert!(rows.transition("b", approve, NOW + 2).unwrap());
    assert!(rows.consume_into_session("b", &new(n, 21, "dup")).is_err());
    assert_eq!(
        rows.attempt("b").unwrap().unwrap().state,
        AttemptState::Approved
    );
    assert_eq!(log.recent_activity("alice", 10).unwrap().len(), 1);
    assert!(!known.known_browser(&[21; 32], "alice", 0).unwrap());
    // Then it collects once, with its writes.
    assert!(rows.consume_into_session("b", &new(22, 22, "b")).unwrap());
    assert_eq!(log.recent_activity("alice", 10).unwrap()[0], signed_in("b"));
    assert!(known.known_browser(&[22; 32], "alice", at).unwrap());
}

/// A session without an attempt (a password alone) is stored with its activity row and
/// known browser in one transaction, or none of them.
pub fn a_password_session_stores_its_activity_and_browser_together(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("password_session_writes");
    let stores = db.stores(300, system_clock());
    let (s, rows, log, known) = (
        stores.accounts,
        stores.sign_in,
        stores.activity,
        stores.attempts,
    );
    let row = SessionRow::new("alice".into(), "password".into(), NOW, NOW + 60);
    let signed_in = event("alice", NOW, ActivityOutcome::SignedIn, "");
    let new = |k: u8| {
        new_session(1, &row)
            .with_activity(signed_in.clone())
            .with_known_browser(KnownBrowser::new(vec![k; 32], 0))
    };
    s.insert_session(&new(1)).unwrap();
    assert_eq!(rows.session(&[1; 32]).unwrap(), Some(row.clone()));
    assert_eq!(
        log.recent_activity("alice", 10).unwrap(),
        vec![signed_in.clone()]
    );
    assert!(known.known_browser(&[1; 32], "alice", NOW).unwrap());
    // The same id hash again: refused, and neither its record nor its browser is stored.
    assert!(s.insert_session(&new(2)).is_err());
    assert_eq!(log.recent_activity("alice", 10).unwrap().len(), 1);
    assert!(!known.known_browser(&[2; 32], "alice", 0).unwrap());
    // Alone, as before: only the session.
    let bobs = SessionRow::new("bob".into(), "password".into(), NOW, NOW + 60);
    s.insert_session(&new_session(3, &bobs)).unwrap();
    assert!(log.recent_activity("bob", 10).unwrap().is_empty());
}
