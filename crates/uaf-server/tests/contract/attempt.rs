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

fn activity_of(db: &dyn Backend, user: &str) -> Vec<ActivityRow> {
    db.stores(300, system_clock())
        .activity
        .recent_activity(user, 100)
        .unwrap()
}

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

pub fn expired_attempts_are_recorded_once_with_their_browser(suite: &Suite<'_>) {
    let (_place, db) = suite.fresh("expired");
    let (rows, s) = (db.sign_in(), attempts(&*db));
    let accounts = db.stores(300, system_clock()).accounts;
    // Asked on a phone, started by Firefox from 203.0.113.7; a phone reported a wrong PIN.
    let asked = attempt("asked", "alice", Some("[]"), NOW)
        .with_context(
            String::from("Firefox on Linux"),
            String::from("203.0.113.7"),
        )
        .with_user_agent(FIREFOX);
    rows.put_attempt(&asked).unwrap();
    assert_eq!(
        rows.attempt("asked")
            .unwrap()
            .unwrap()
            .user_agent
            .as_deref(),
        Some(FIREFOX)
    );
    assert_eq!(s.report("asked", "wrong-pin", false, NOW).unwrap(), Some(0));
    // A password sign-in's second step (no phone asked), from an address not known, and
    // without its User-Agent text kept: the short browser name stands in.
    let second = attempt("second", "alice", None, NOW + 1).with_context(
        String::from("Chrome on Windows"),
        String::from("unknown address"),
    );
    rows.put_attempt(&second).unwrap();
    accounts
        .put_second_step("second", "alice", NOW + 121, NOW)
        .unwrap();
    // Nobody could answer it (no phone asked, no second step): moved, not recorded.
    rows.put_attempt(&attempt("nobody", "alice", None, NOW))
        .unwrap();
    // Not yet expired at the sweep.
    rows.put_attempt(&attempt("fresh", "alice", Some("[]"), NOW + 60))
        .unwrap();
    // Decided before their expiry: never touched.
    let decided = [
        ("approved", AttemptState::Approved),
        ("declined", AttemptState::Declined),
        ("consumed", AttemptState::Consumed),
        ("cancelled", AttemptState::Cancelled),
    ];
    for (id, state) in decided {
        rows.put_attempt(&attempt(id, "alice", Some("[]"), NOW))
            .unwrap();
        if state == AttemptState::Consumed {
            let approve = AttemptState::Pending.to(AttemptState::Approved);
            assert!(rows.transition(id, approve, NOW + 1).unwrap());
        }
        let from = match state {
            AttemptState::Consumed => AttemptState::Approved,
            _ => AttemptState::Pending,
        };
        assert!(s.end(id, from.to(state), None, NOW + 1).unwrap());
    }

    // Valid through its end: nothing to sweep yet.
    assert!(s.record_expired(NOW + 120, 100).unwrap().is_empty());
    assert!(activity_of(&*db, "alice").is_empty());

    let moved = s.record_expired(NOW + 122, 100).unwrap();
    let mut ids: Vec<&str> = moved.iter().map(|m| m.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["asked", "nobody", "second"]);
    assert!(moved.iter().all(|m| m.username == "alice"));
    let state = |id: &str| rows.attempt(id).unwrap().unwrap().state;
    for id in ["asked", "nobody", "second"] {
        assert_eq!(state(id), AttemptState::Expired, "{id}");
    }
    assert_eq!(state("fresh"), AttemptState::Pending);
    for (id, decided) in decided {
        assert_eq!(state(id), decided, "{id}");
    }
    // An expired attempt is no longer anything's to change.
    let cancel = AttemptState::Pending.to(AttemptState::Cancelled);
    assert!(!s.end("asked", cancel, None, NOW + 1).unwrap());
    assert_eq!(
        s.report("asked", "wrong-pin", false, NOW + 1).unwrap(),
        None
    );

    // One activity row per answerable attempt, at its start, with where it came from.
    let recorded = activity_of(&*db, "alice");
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    let find = |method| recorded.iter().find(|r| r.method == method).unwrap();
    let phone = find(SignInMethod::Phone);
    assert_eq!(
        (phone.at, phone.outcome, phone.user_agent.as_str()),
        (NOW, ActivityOutcome::Expired, FIREFOX)
    );
    assert_eq!(phone.client_ip, "203.0.113.7");
    assert_eq!(
        phone.detail,
        "nobody answered it on a phone before it expired (a phone reported a wrong PIN)"
    );
    let step = find(SignInMethod::PasswordPhone);
    assert_eq!(
        (step.at, step.outcome, step.user_agent.as_str()),
        (NOW + 1, ActivityOutcome::Expired, "Chrome on Windows")
    );
    assert_eq!(step.client_ip, "", "not an address");
    assert!(step.detail.contains("second step"), "{}", step.detail);
    // What the store returned is what it recorded.
    let returned: Vec<&ActivityRow> = moved.iter().filter_map(|m| m.activity.as_ref()).collect();
    assert_eq!(returned.len(), 2);
    assert!(returned.iter().all(|r| recorded.contains(r)));

    // A second sweep records nothing more; the fresh one expires in its turn.
    assert!(s.record_expired(NOW + 122, 100).unwrap().is_empty());
    assert_eq!(activity_of(&*db, "alice").len(), 2);
    let later = s.record_expired(NOW + 181, 100).unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].id, "fresh");
    assert_eq!(activity_of(&*db, "alice").len(), 3);

    // Bounded: at most `max` per call, oldest expiry first.
    for i in 0..5u64 {
        let id = format!("bob-{i}");
        rows.put_attempt(&attempt(&id, "bob", Some("[]"), NOW + i))
            .unwrap();
    }
    let batch = |max| -> Vec<String> {
        s.record_expired(NOW + 500, max)
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect()
    };
    assert_eq!(batch(2), ["bob-0", "bob-1"]);
    assert_eq!(batch(2), ["bob-2", "bob-3"]);
    assert_eq!(batch(0), ["bob-4"], "at least one");
    assert!(batch(2).is_empty());
    assert_eq!(activity_of(&*db, "bob").len(), 5);
}

pub fn racing_sweeps_record_each_expired_attempt_once(suite: &Suite<'_>) {
    let (place, db) = suite.fresh("expired_race");
    let nodes = suite.nodes(&place, &db, 4);
    let rows = db.sign_in();
    let total = 30u64;
    for i in 0..total {
        rows.put_attempt(&attempt(&format!("a-{i:02}"), "carol", Some("[]"), NOW + i))
            .unwrap();
    }
    // Eight sweeps on four nodes at once, each until it finds nothing left.
    let swept: Vec<String> = race(8, &nodes, |_, db| {
        let s = attempts(db);
        let mut mine = Vec::new();
        loop {
            let batch = s.record_expired(NOW + 1000, 4).unwrap();
            if batch.is_empty() {
                return mine;
            }
            mine.extend(batch.into_iter().map(|m| m.id));
        }
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(
        attempts(&*db)
            .record_expired(NOW + 1000, 100)
            .unwrap()
            .is_empty()
    );
    let mut ids = swept.clone();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), swept.len(), "an attempt moved twice: {swept:?}");
    assert_eq!(ids.len(), 30);
    let recorded = activity_of(&*db, "carol");
    assert_eq!(recorded.len(), 30, "one row per attempt");
    let mut ats: Vec<u64> = recorded.iter().map(|r| r.at).collect();
    ats.sort_unstable();
    assert_eq!(ats, (0..total).map(|i| NOW + i).collect::<Vec<_>>());
}
