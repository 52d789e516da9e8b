//! The account page's store ([`AccountPageStore`]): phones listed, named and marked used per
//! account; a removal deletes the phone's token and key in one transaction and queues its
//! deregistration request, which is delivered once; sessions of an account counted and
//! deleted together.

use super::*;
use uaf_server::store::{AccountPageStore, DEREGISTRATION_QUEUE_SECS, PhoneToRemove, Removed};

fn account(db: &Arc<dyn Backend>) -> Arc<dyn AccountPageStore> {
    db.stores(300, system_clock()).account_page
}

/// Enrols a phone of `user` holding key `key` under token `[token; 32]` (invite `code`).
fn phone(db: &Arc<dyn Backend>, code: u8, token: u8, user: &str, key: u8, at: u64) {
    let s = db.sign_in();
    s.put_invite(
        &[code; 32],
        &InviteRow::new(String::from(user), at, at + 900),
    )
    .unwrap();
    let e = Enrolment::new(
        vec![code; 32],
        vec![reg(user, "ABCD#0001", key, 0)],
        vec![token; 32],
        DeviceRow::new(String::from(user), &aaid(), vec![key; 32], at),
    );
    assert_eq!(s.enroll(&e).unwrap(), EnrollOutcome::Enrolled);
}

fn removal(key: u8, request: Option<&str>) -> PhoneToRemove {
    PhoneToRemove::new(
        String::from("ABCD#0001"),
        vec![key; 32],
        request.map(String::from),
    )
}

pub fn phones_are_listed_named_and_marked_used_per_account(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("account_phones");
    let a = account(&db);
    assert!(a.phones("alice").unwrap().is_empty());
    phone(&db, 1, 11, "alice", 1, NOW + 5);
    phone(&db, 2, 12, "alice", 2, NOW);
    phone(&db, 3, 13, "bob", 3, NOW);
    let list = a.phones("alice").unwrap();
    // Oldest first; no name, never used.
    assert_eq!(list.iter().map(|p| p.key_id[0]).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(list[0].aaid, "ABCD#0001");
    assert_eq!(
        (list[0].name.as_deref(), list[0].last_used_at),
        (None, None)
    );
    assert_eq!(list[1].created_at, NOW + 5);

    assert!(
        a.rename_phone("alice", "ABCD#0001", &[1; 32], Some("Work phone"))
            .unwrap()
    );
    // Bob cannot name alice's phone; an unknown key is not found.
    assert!(
        !a.rename_phone("bob", "ABCD#0001", &[1; 32], Some("mine"))
            .unwrap()
    );
    assert!(
        !a.rename_phone("alice", "ABCD#0001", &[9; 32], Some("x"))
            .unwrap()
    );
    assert!(a.phone_used("ABCD#0001", &[1; 32], NOW + 60).unwrap());
    assert!(!a.phone_used("ABCD#0001", &[9; 32], NOW + 60).unwrap());
    let p = a.phones("alice").unwrap().pop().unwrap();
    assert_eq!(
        (p.name.as_deref(), p.last_used_at),
        (Some("Work phone"), Some(NOW + 60))
    );
    assert!(
        a.rename_phone("alice", "ABCD#0001", &[1; 32], None)
            .unwrap()
    );
    assert_eq!(a.phones("alice").unwrap()[1].name, None);
    assert_eq!(a.phones("bob").unwrap()[0].name, None);
}

pub fn a_removed_phone_loses_token_and_key_at_once_and_its_request_is_delivered_once(
    suite: &Suite<'_>,
) {
    let (_place, db) = suite.fresh("account_remove");
    let a = account(&db);
    phone(&db, 1, 11, "alice", 1, NOW);
    phone(&db, 2, 12, "alice", 2, NOW);
    phone(&db, 3, 13, "bob", 3, NOW);
    // Alice cannot remove bob's phone: skipped, nothing changes.
    assert_eq!(
        a.remove_phones("alice", &[removal(3, Some("[bob]"))], NOW)
            .unwrap(),
        Removed::default()
    );
    assert!(db.sign_in().find_device(&[13; 32]).unwrap().is_some());
    assert!(a.take_deregistrations(&[13; 32], NOW).unwrap().is_empty());

    let done = a
        .remove_phones("alice", &[removal(1, Some("[dereg-1]"))], NOW + 1)
        .unwrap();
    assert_eq!((done.phones, done.registrations, done.queued), (1, 1, 1));
    assert_eq!(db.sign_in().find_device(&[11; 32]).unwrap(), None);
    assert_eq!(db.credentials().get(&aaid(), &[1; 32]).unwrap(), None);
    // The other phone and bob's stay.
    assert!(db.sign_in().find_device(&[12; 32]).unwrap().is_some());
    assert_eq!(a.phones("alice").unwrap().len(), 1);
    assert_eq!(db.credentials().list_by_user("bob").unwrap().len(), 1);
    // Removing it again does nothing.
    assert_eq!(
        a.remove_phones("alice", &[removal(1, Some("[again]"))], NOW + 2)
            .unwrap(),
        Removed::default()
    );
    // Delivered once, to the removed token only.
    assert!(
        a.take_deregistrations(&[12; 32], NOW + 3)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        a.take_deregistrations(&[11; 32], NOW + 3).unwrap(),
        ["[dereg-1]"]
    );
    assert!(
        a.take_deregistrations(&[11; 32], NOW + 4)
            .unwrap()
            .is_empty()
    );

    // A phone that removed itself queues nothing.
    let done = a
        .remove_phones("alice", &[removal(2, None)], NOW + 5)
        .unwrap();
    assert_eq!((done.phones, done.registrations, done.queued), (1, 1, 0));
    assert!(
        a.take_deregistrations(&[12; 32], NOW + 5)
            .unwrap()
            .is_empty()
    );
    assert!(a.phones("alice").unwrap().is_empty());
}

pub fn queued_deregistrations_expire(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("account_queue_expiry");
    let a = account(&db);
    phone(&db, 1, 11, "alice", 1, NOW);
    phone(&db, 2, 12, "alice", 2, NOW);
    phone(&db, 3, 13, "alice", 3, NOW);
    a.remove_phones(
        "alice",
        &[removal(1, Some("[1]")), removal(2, Some("[2]"))],
        NOW,
    )
    .unwrap();
    let end = NOW + DEREGISTRATION_QUEUE_SECS;
    // Valid through its last second, not after.
    assert_eq!(a.take_deregistrations(&[11; 32], end).unwrap(), ["[1]"]);
    assert!(
        a.take_deregistrations(&[12; 32], end + 1)
            .unwrap()
            .is_empty()
    );
    // The expired one was deleted by that take, and a later removal purges the rest.
    a.remove_phones("alice", &[removal(3, Some("[3]"))], end + 10)
        .unwrap();
    assert!(a.take_deregistrations(&[12; 32], NOW).unwrap().is_empty());
    assert_eq!(
        a.take_deregistrations(&[13; 32], end + 10).unwrap(),
        ["[3]"]
    );
}

pub fn racing_removals_of_one_phone_remove_and_queue_it_once(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("account_remove_race");
    let nodes = suite.nodes(&place, &db, 4);
    phone(&db, 1, 11, "alice", 1, NOW);
    let done: Vec<Removed> = race(8, &nodes, |i, db| {
        let request = format!("[{i}]");
        db.stores(300, system_clock())
            .account_page
            .remove_phones("alice", &[removal(1, Some(&request))], NOW)
            .unwrap()
    });
    assert_eq!(done.iter().map(|d| d.phones).sum::<u64>(), 1);
    assert_eq!(done.iter().map(|d| d.queued).sum::<u64>(), 1);
    assert_eq!(
        account(&db)
            .take_deregistrations(&[11; 32], NOW)
            .unwrap()
            .len(),
        1
    );
}

pub fn sessions_of_an_account_are_counted_and_deleted_together(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("account_sessions");
    let (s, a) = (db.sign_in(), account(&db));
    let session = |n: u8, user: &str, ttl: u64| {
        let id = format!("attempt-{n}");
        s.put_attempt(&AttemptRow::new(
            id.clone(),
            String::from(user),
            vec![3; 32],
            Some(String::from("sd")),
            Some(String::from("[]")),
            String::from("42"),
            NOW,
            NOW + 120,
        ))
        .unwrap();
        let step = AttemptState::Pending.to(AttemptState::Approved);
        assert!(s.transition(&id, step, NOW).unwrap());
        let row = SessionRow::new(
            String::from(user),
            String::from("uaf-phone"),
            NOW,
            NOW + ttl,
        );
        assert!(
            s.consume_into_session(&id, &NewSession::new(vec![n; 32], row, NOW))
                .unwrap()
        );
    };
    session(1, "alice", 3600);
    session(2, "alice", 3600);
    session(3, "alice", 10);
    session(4, "bob", 3600);
    assert_eq!(a.count_sessions("alice", NOW).unwrap(), 3);
    // An expired session is not counted.
    assert_eq!(a.count_sessions("alice", NOW + 11).unwrap(), 2);
    assert_eq!(a.count_sessions("carol", NOW).unwrap(), 0);
    assert_eq!(a.delete_sessions_of("alice").unwrap(), 3);
    for n in 1..=3 {
        assert_eq!(s.session(&[n; 32]).unwrap(), None);
    }
    assert!(
        s.session(&[4; 32]).unwrap().is_some(),
        "bob's session stays"
    );
    assert_eq!(a.count_sessions("bob", NOW).unwrap(), 1);
    assert_eq!(a.delete_sessions_of("alice").unwrap(), 0);
}
