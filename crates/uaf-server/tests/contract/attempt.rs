//! The contract of [`AttemptStore`]: the phones' reports, the endings other than an approval
//! (one winner among concurrent changes), the pauses after "it's not me", the known browsers.

use std::sync::Arc;

use uaf_server::store::{
    ActivityOutcome, ActivityRow, AttemptEnd, AttemptState, AttemptStore, Backend, SignInMethod,
    system_clock,
};

use super::{NOW, StoresOf as _, Suite, attempt, race};

fn attempts(db: &dyn Backend) -> Arc<dyn AttemptStore> {
    db.stores(300, system_clock()).attempts
}

pub fn reports_are_kept_only_while_pending(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("reports");
    let (rows, s) = (db.sign_in(), attempts(&*db));
    let a = attempt("a", "alice", Some("[]"), NOW)
        .with_context(String::from("Chrome on Linux"), String::from("203.0.113.7"));
    rows.put_attempt(&a).unwrap();
    let stored = rows.attempt("a").unwrap().unwrap();
    assert_eq!(stored.browser.as_deref(), Some("Chrome on Linux"));
    assert_eq!(stored.client_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!((stored.report, stored.wrong_numbers), (None, 0));
    let listed = &rows.pending_attempts("alice", NOW).unwrap()[0];
    assert_eq!(listed.client_ip.as_deref(), Some("203.0.113.7"));

    assert_eq!(s.report("a", "wrong-number", true, NOW).unwrap(), Some(1));
    assert_eq!(s.report("a", "wrong-pin", false, NOW).unwrap(), Some(1));
    assert_eq!(s.report("a", "wrong-number", true, NOW).unwrap(), Some(2));
    let stored = rows.attempt("a").unwrap().unwrap();
    assert_eq!(
        (stored.report.as_deref(), stored.wrong_numbers, stored.state),
        (Some("wrong-number"), 2, AttemptState::Pending)
    );
    // Unknown, expired or no longer pending: nothing changes.
    assert_eq!(s.report("missing", "wrong-pin", false, NOW).unwrap(), None);
    assert_eq!(s.report("a", "wrong-pin", false, NOW + 121).unwrap(), None);
    let ended = AttemptState::Pending.to(AttemptState::Denied);
    assert!(s.end("a", ended, Some("not-me"), NOW).unwrap());
    assert_eq!(s.report("a", "wrong-pin", false, NOW).unwrap(), None);
    let stored = rows.attempt("a").unwrap().unwrap();
    assert_eq!(
        (stored.report.as_deref(), stored.state),
        (Some("not-me"), AttemptState::Denied)
    );
}

pub fn an_attempt_ends_once(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("endings");
    let nodes = suite.nodes(&place, &db, 4);
    let rows = db.sign_in();
    rows.put_attempt(&attempt("a", "alice", Some("[]"), NOW))
        .unwrap();
    // A cancel on the page, an approval, a denial on the phones: one wins.
    let moved: Vec<AttemptState> = race(12, &nodes, |i, db| {
        let to = [
            AttemptState::Cancelled,
            AttemptState::Approved,
            AttemptState::Denied,
        ][i % 3];
        let step = AttemptState::Pending.to(to);
        let moved = if to == AttemptState::Approved {
            db.sign_in().transition("a", step, NOW + 1).unwrap()
        } else {
            attempts(db).end("a", step, None, NOW + 1).unwrap()
        };
        moved.then_some(to)
    })
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(rows.attempt("a").unwrap().unwrap().state, moved[0]);
    // Expired: nothing ends (valid through its end).
    rows.put_attempt(&attempt("b", "alice", Some("[]"), NOW))
        .unwrap();
    let cancel = AttemptState::Pending.to(AttemptState::Cancelled);
    assert!(!attempts(&*db).end("b", cancel, None, NOW + 121).unwrap());
    assert!(attempts(&*db).end("b", cancel, None, NOW + 120).unwrap());
}

pub fn pauses_and_known_browsers_round_trip(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("pauses");
    let s = attempts(&*db);
    assert_eq!(s.paused_until("alice").unwrap(), None);
    s.pause("alice", NOW + 900).unwrap();
    s.pause("alice", NOW + 1800).unwrap();
    assert_eq!(s.paused_until("alice").unwrap(), Some(NOW + 1800));
    assert_eq!(s.paused_until("bob").unwrap(), None);

    let (k1, k2) = ([1u8; 32], [2u8; 32]);
    assert!(!s.known_browser(&k1, "alice", 0).unwrap());
    s.remember_browser(&k1, "alice", NOW, 0).unwrap();
    s.remember_browser(&k1, "alice", NOW + 10, 0).unwrap();
    assert!(s.known_browser(&k1, "alice", NOW + 10).unwrap());
    assert!(!s.known_browser(&k1, "alice", NOW + 11).unwrap(), "too old");
    assert!(!s.known_browser(&k1, "bob", 0).unwrap(), "per account");
    assert!(!s.known_browser(&k2, "alice", 0).unwrap());
    // Remembering forgets the browsers older than the cut-off.
    s.remember_browser(&k2, "bob", NOW + 100, NOW + 50).unwrap();
    assert!(!s.known_browser(&k1, "alice", 0).unwrap());
    assert!(s.known_browser(&k2, "bob", 0).unwrap());
}

/// An ending with its activity row and pause ([`AttemptEnd`]): written together when the
/// attempt moves, and nothing at all when it does not (of racing endings exactly one writes).
pub fn an_ending_records_and_pauses_with_it_or_not_at_all(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("endings_with");
    let nodes = suite.nodes(&place, &db, 4);
    let rows = db.sign_in();
    let log = db.stores(300, system_clock()).activity;
    fn denied(detail: &str) -> ActivityRow {
        ActivityRow::new(
            "alice".into(),
            NOW + 1,
            SignInMethod::Phone,
            ActivityOutcome::DeniedNotMe,
            "Chrome on Linux",
            "203.0.113.7".into(),
        )
        .with_detail(detail)
    }
    rows.put_attempt(&attempt("a", "alice", Some("[]"), NOW))
        .unwrap();
    // Eight racing denials, each with its own record and pause: one moves the attempt, and
    // only its record and pause are there.
    let won: Vec<usize> = race(8, &nodes, |i, db| {
        let step = AttemptState::Pending.to(AttemptState::Denied);
        let until = NOW + 100 + u64::try_from(i).unwrap();
        let ending = AttemptEnd::new("a", step, NOW + 1)
            .with_report(Some("not-me"))
            .with_activity(denied(&format!("denial {i}")))
            .with_pause("alice", until);
        attempts(db).end_with(&ending).unwrap().then_some(i)
    })
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(won.len(), 1, "{won:?}");
    let i = won[0];
    let stored = rows.attempt("a").unwrap().unwrap();
    assert_eq!(
        (stored.state, stored.report.as_deref()),
        (AttemptState::Denied, Some("not-me"))
    );
    assert_eq!(
        log.recent_activity("alice", 10).unwrap(),
        vec![denied(&format!("denial {i}"))]
    );
    let s = attempts(&*db);
    let until = NOW + 100 + u64::try_from(i).unwrap();
    assert_eq!(s.paused_until("alice").unwrap(), Some(until));

    // Expired: nothing moves, nothing is written.
    rows.put_attempt(&attempt("b", "alice", Some("[]"), NOW))
        .unwrap();
    let decline = AttemptState::Pending.to(AttemptState::Declined);
    let late = AttemptEnd::new("b", decline, NOW + 121)
        .with_activity(denied("late"))
        .with_pause("alice", NOW + 5000);
    assert!(!s.end_with(&late).unwrap());
    assert_eq!(log.recent_activity("alice", 10).unwrap().len(), 1);
    assert_eq!(s.paused_until("alice").unwrap(), Some(until));
    // In time, without a pause: the record alone.
    let declined = AttemptEnd::new("b", decline, NOW + 120).with_activity(denied("declined"));
    assert!(s.end_with(&declined).unwrap());
    assert_eq!(log.recent_activity("alice", 10).unwrap().len(), 2);
    assert_eq!(s.paused_until("alice").unwrap(), Some(until));
    assert_eq!(rows.attempt("b").unwrap().unwrap().report, None);
}
