//! The writes of one sign-in step in one transaction (`uaf_server::store::writes`): the same
//! decisions as the separate calls, in one commit.

use uaf_rp::store::CounterAdvance;
use uaf_server::store::{Approval, AttemptMove, AuthenticationWrites};

use super::*;

fn writes(db: &dyn Backend, clock: Clock) -> Arc<dyn AuthenticationWrites> {
    db.stores(60, clock).authentication_writes
}

fn challenge(p: &PendingAuthentication) -> Vec<u8> {
    p.server_data().unwrap().as_bytes().to_vec()
}

fn advance(key: &[u8], expected: u32, new: u32) -> [CounterAdvance<'_>; 1] {
    static AAID: std::sync::OnceLock<Aaid> = std::sync::OnceLock::new();
    [CounterAdvance {
        aaid: AAID.get_or_init(aaid),
        key_id: key,
        expected,
        new,
    }]
}

fn counter(db: &dyn Backend, key: u8) -> u32 {
    db.credentials()
        .get(&aaid(), &[key; 32])
        .unwrap()
        .unwrap()
        .sign_counter
}

pub fn a_challenge_and_its_attempt_are_stored_together(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("put_with_attempt");
    let (_, clock) = manual_clock(NOW);
    let w = writes(&*db, Arc::clone(&clock));
    let pending = db.pending_authentications(60, clock);
    let p = pending_auth(Some("alice"), NOW, 1);
    let a1 = attempt("w1", "alice", Some("[]"), NOW);
    assert_eq!(w.put_with_attempt(&challenge(&p), &p, &a1, 1).unwrap(), 0);
    assert_eq!(pending.peek(&challenge(&p)).unwrap(), Some(p.clone()));
    assert_eq!(db.sign_in().attempt("w1").unwrap(), Some(a1));
    // The cap of `put_attempt_capped`: the newer supersedes.
    let p2 = pending_auth(Some("alice"), NOW, 2);
    let a2 = attempt("w2", "alice", Some("[]"), NOW + 1);
    assert_eq!(w.put_with_attempt(&challenge(&p2), &p2, &a2, 1).unwrap(), 1);
    assert_eq!(
        db.sign_in().attempt("w1").unwrap().unwrap().state,
        AttemptState::Failed
    );
    // A duplicate attempt id fails the whole transaction: the challenge is not stored.
    let p3 = pending_auth(Some("alice"), NOW, 3);
    assert!(matches!(
        w.put_with_attempt(&challenge(&p3), &p3, &attempt("w2", "alice", None, NOW), 1),
        Err(StoreError::Database(_))
    ));
    assert_eq!(pending.peek(&challenge(&p3)).unwrap(), None);
}

/// A password sign-in's second step: the challenge, the attempt, its record as a second step
/// and the activity row of the right password, in one transaction or not at all.
pub fn a_second_step_is_stored_with_its_attempt_and_activity(suite: &Suite<'_>) {
    use uaf_server::store::{ActivityOutcome, ActivityRow, SignInMethod};
    let (_place, db) = suite.fresh("second_step_with_attempt");
    let (_, clock) = manual_clock(NOW);
    let w = writes(&*db, Arc::clone(&clock));
    let pending = db.pending_authentications(60, clock);
    let stores = db.stores(60, system_clock());
    let (accounts, log) = (stores.accounts, stores.activity);
    let right = |detail: &str| {
        ActivityRow::new(
            "alice".into(),
            NOW,
            SignInMethod::Password,
            ActivityOutcome::SecondStep,
            "Mozilla/5.0",
            "192.0.2.7".into(),
        )
        .with_detail(detail)
    };
    // A second step expired before this one starts: purged with it.
    accounts
        .put_second_step("old", "alice", NOW - 1, NOW - 200)
        .unwrap();

    let p = pending_auth(Some("alice"), NOW, 1);
    let a = attempt("s1", "alice", Some("[]"), NOW);
    let stored = w.put_second_step_with_attempt(&challenge(&p), &p, &a, 4, &right("s1"));
    assert_eq!(stored.unwrap(), 0);
    assert_eq!(pending.peek(&challenge(&p)).unwrap(), Some(p.clone()));
    assert_eq!(db.sign_in().attempt("s1").unwrap(), Some(a.clone()));
    assert_eq!(
        accounts.second_step("s1").unwrap(),
        Some((String::from("alice"), a.expires_at))
    );
    assert_eq!(accounts.second_step("old").unwrap(), None, "purged");
    assert_eq!(log.recent_activity("alice", 10).unwrap(), vec![right("s1")]);

    // A duplicate attempt id fails it all: no challenge, no record, no activity.
    let p2 = pending_auth(Some("alice"), NOW, 2);
    let dup = attempt("s1", "alice", Some("[]"), NOW + 1);
    assert!(matches!(
        w.put_second_step_with_attempt(&challenge(&p2), &p2, &dup, 4, &right("dup")),
        Err(StoreError::Database(_))
    ));
    assert_eq!(pending.peek(&challenge(&p2)).unwrap(), None);
    assert_eq!(log.recent_activity("alice", 10).unwrap().len(), 1);
    // A second-step record that is taken fails it too (the attempt and challenge with it).
    let p3 = pending_auth(Some("alice"), NOW, 3);
    accounts
        .put_second_step("s3", "alice", NOW + 60, NOW)
        .unwrap();
    let a3 = attempt("s3", "alice", Some("[]"), NOW);
    assert!(
        w.put_second_step_with_attempt(&challenge(&p3), &p3, &a3, 4, &right("s3"))
            .is_err()
    );
    assert_eq!(pending.peek(&challenge(&p3)).unwrap(), None);
    assert_eq!(db.sign_in().attempt("s3").unwrap(), None);
    assert_eq!(log.recent_activity("alice", 10).unwrap().len(), 1);
}

pub fn a_challenge_is_taken_and_the_counter_advanced_together(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("take_and_advance");
    let (time, clock) = manual_clock(NOW);
    let w = writes(&*db, Arc::clone(&clock));
    let pending = db.pending_authentications(60, clock);
    db.credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 5))
        .unwrap();
    let key = [1u8; 32];
    let put = |seed| {
        let p = pending_auth(Some("alice"), time.load(Ordering::SeqCst), seed);
        pending.put(&challenge(&p), p.clone()).unwrap();
        challenge(&p)
    };

    // Taken, advanced; used once.
    let c = put(1);
    let done = w.take_and_advance(&c, &advance(&key, 5, 6)).unwrap();
    assert_eq!(done, Some(vec![CasOutcome::Swapped]));
    assert_eq!(counter(&*db, 1), 6);
    assert_eq!(pending.peek(&c).unwrap(), None);
    assert_eq!(w.take_and_advance(&c, &advance(&key, 6, 7)).unwrap(), None);
    assert_eq!(counter(&*db, 1), 6, "no challenge, no counter write");

    // Moved meanwhile to a lower value: still advances (the compare-and-swap loop's end).
    let c = put(2);
    let done = w.take_and_advance(&c, &advance(&key, 2, 9)).unwrap();
    assert_eq!(done, Some(vec![CasOutcome::Swapped]));
    assert_eq!(counter(&*db, 1), 9);

    // Moved as far or further: unchanged, the current value reported; the challenge used.
    for (seed, new) in [(3, 9), (4, 4)] {
        let c = put(seed);
        let done = w.take_and_advance(&c, &advance(&key, 5, new)).unwrap();
        assert_eq!(done, Some(vec![CasOutcome::Conflict { current: 9 }]));
        assert_eq!(counter(&*db, 1), 9);
        assert_eq!(pending.peek(&c).unwrap(), None);
    }

    // An unknown key; no counters at all.
    let c = put(5);
    let done = w.take_and_advance(&c, &advance(&[2; 32], 0, 1)).unwrap();
    assert_eq!(done, Some(vec![CasOutcome::NotFound]));
    let c = put(6);
    assert_eq!(w.take_and_advance(&c, &[]).unwrap(), Some(vec![]));

    // Expired (valid through its lifetime): deleted, and nothing else written.
    let c = put(7);
    time.fetch_add(61, Ordering::SeqCst);
    assert_eq!(w.take_and_advance(&c, &advance(&key, 9, 10)).unwrap(), None);
    assert_eq!(counter(&*db, 1), 9);
    time.fetch_sub(61, Ordering::SeqCst);
    assert_eq!(pending.peek(&c).unwrap(), None, "a late take deletes it");
}

pub fn an_approval_takes_advances_and_moves_together(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("approval");
    let nodes = suite.nodes(&place, &db, 4);
    let (_, clock) = manual_clock(NOW);
    let w = writes(&*db, Arc::clone(&clock));
    db.credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 5))
        .unwrap();
    let key = [1u8; 32];
    let approve = AttemptState::Pending.to(AttemptState::Approved);
    let start = |id: &str, seed| {
        let p = pending_auth(Some("alice"), NOW, seed);
        let a = attempt(id, "alice", Some("[]"), NOW);
        w.put_with_attempt(&challenge(&p), &p, &a, 100).unwrap();
        challenge(&p)
    };
    let state = |id: &str| db.sign_in().attempt(id).unwrap().unwrap().state;

    // The phone of the key, for the account page's "last used" (moved with the attempt).
    let phone = DeviceRow::new(String::from("alice"), &aaid(), key.to_vec(), NOW);
    db.sign_in().put_device(&[9; 32], &phone).unwrap();
    let last_used = || {
        let pages = db.stores(60, Arc::new(|| NOW)).account_page;
        pages.phones("alice").unwrap()[0].last_used_at
    };
    assert_eq!(last_used(), None);
    let c = start("m1", 1);
    let m = AttemptMove {
        id: "m1",
        step: approve,
        now: NOW + 1,
    };
    let done = w
        .take_advance_and_move(&c, &advance(&key, 5, 6), &m)
        .unwrap()
        .unwrap();
    assert_eq!(done.counters, [CasOutcome::Swapped]);
    assert_eq!(done.moved, Some(true));
    assert_eq!(state("m1"), AttemptState::Approved);
    assert_eq!(counter(&*db, 1), 6);
    assert_eq!(last_used(), Some(NOW + 1), "marked used in the same write");
    // The challenge is gone: nothing is written.
    assert_eq!(
        w.take_advance_and_move(&c, &advance(&key, 6, 7), &m)
            .unwrap(),
        None
    );
    assert_eq!(counter(&*db, 1), 6);

    // A counter that did not simply swap: the attempt is not tried (the caller judges).
    let c = start("m2", 2);
    let m = AttemptMove { id: "m2", ..m };
    let done = w
        .take_advance_and_move(&c, &advance(&key, 5, 6), &m)
        .unwrap()
        .unwrap();
    assert_eq!(done.counters, [CasOutcome::Conflict { current: 6 }]);
    assert_eq!(done.moved, None);
    assert_eq!(state("m2"), AttemptState::Pending);

    // An attempt no longer pending: the take and the counter stand, the attempt stays.
    let c = start("m3", 3);
    let declined = AttemptState::Pending.to(AttemptState::Declined);
    assert!(db.sign_in().transition("m3", declined, NOW).unwrap());
    let m = AttemptMove { id: "m3", ..m };
    let done = w
        .take_advance_and_move(&c, &advance(&key, 6, 7), &m)
        .unwrap()
        .unwrap();
    assert_eq!(done.moved, Some(false));
    assert_eq!(state("m3"), AttemptState::Declined);
    assert_eq!(counter(&*db, 1), 7);

    // 16 copies of one approval on every handle: exactly one takes, advances and moves.
    let c = start("m4", 4);
    let won = race(16, &nodes, move |_, db| {
        let w = db.stores(60, Arc::new(|| NOW)).authentication_writes;
        let m = AttemptMove {
            id: "m4",
            step: AttemptState::Pending.to(AttemptState::Approved),
            now: NOW + 1,
        };
        let key = [1u8; 32];
        let adv = [CounterAdvance {
            aaid: &aaid(),
            key_id: &key,
            expected: 7,
            new: 8,
        }];
        w.take_advance_and_move(&c, &adv, &m).unwrap()
    });
    let won: Vec<Approval> = won.into_iter().flatten().collect();
    assert_eq!(won.len(), 1);
    assert_eq!(won[0].moved, Some(true));
    assert_eq!(counter(&*db, 1), 8);
    assert_eq!(state("m4"), AttemptState::Approved);
}
