//! The contract of [`AccountStore`] and [`ActivityStore`] (accounts, passwords, two-step
//! verification, verification-code steps, the activity record).

use std::sync::Arc;

use uaf_server::store::{
    AccountRow, AccountStore, ActivityOutcome, ActivityRow, ActivityStore, Backend, DeviceRow,
    InviteRow, SessionRow, SignInMethod, system_clock,
};

use super::{NOW, Suite, aaid, race, reg};

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
    s.insert_session(&[1; 32], &session).unwrap();
    s.insert_session(
        &[2; 32],
        &SessionRow::new("bob".into(), "password".into(), NOW, NOW + 60),
    )
    .unwrap();
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
    s.insert_session(&[1; 32], &old).unwrap();
    assert_eq!(sign_in.session(&[1; 32]).unwrap(), Some(old.clone()));
    // A duplicate id hash is refused.
    assert!(s.insert_session(&[1; 32], &old).is_err());
    // Valid through its end: kept by an insert at NOW + 10, purged by one at NOW + 11.
    let at = |t: u64| SessionRow::new("bob".into(), "password+code".into(), t, t + 60);
    s.insert_session(&[2; 32], &at(NOW + 10)).unwrap();
    assert!(sign_in.session(&[1; 32]).unwrap().is_some());
    s.insert_session(&[3; 32], &at(NOW + 11)).unwrap();
    assert_eq!(sign_in.session(&[1; 32]).unwrap(), None);
    assert_eq!(sign_in.session(&[3; 32]).unwrap(), Some(at(NOW + 11)));
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
