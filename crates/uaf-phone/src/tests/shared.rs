//! Several processes (and threads) on one state file: every write a read-modify-write under
//! the sidecar lock, so no change is lost; the wrong-PIN count shared and the lockout kept; a
//! running wait loop taking in accounts enrolled and removed by other commands.

use std::sync::Barrier;
use std::time::Duration;

use super::*;

/// A phone of `alice` saved at a fresh `name` file, and the path.
fn saved(name: &str, max: u8) -> (Phone, PathBuf) {
    let path = temp(name);
    let _ = std::fs::remove_file(state::lock_path(&path).unwrap());
    let (mut phone, _, _) = enrolled(max);
    phone.save(&path).unwrap();
    (phone, path)
}

fn names(phone: &Phone) -> BTreeSet<String> {
    phone
        .accounts()
        .into_iter()
        .map(|a| a.account.username)
        .collect()
}

#[test]
fn two_phones_on_one_file_adding_accounts_at_once_keep_both() {
    let (_, path) = saved("concurrent-add", 5);
    const EACH: usize = 4;
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = ["p", "q"]
        .into_iter()
        .map(|who| {
            let path = path.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                // Each thread its own phone: its own handles on the file and its lock, as
                // another process would have.
                let mut phone = Phone::load(&path, PIN).unwrap();
                barrier.wait();
                for i in 0..EACH {
                    add_offline(&mut phone, SERVER, &format!("{who}{i}"), FACET);
                    assert!(phone.persist().unwrap());
                }
                names(&phone)
            })
        })
        .collect();
    let seen: Vec<BTreeSet<String>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut all: BTreeSet<String> = BTreeSet::from([String::from("alice")]);
    for who in ["p", "q"] {
        all.extend((0..EACH).map(|i| format!("{who}{i}")));
    }
    // Every account of both writers is in the file, each restorable with its key.
    let loaded = Phone::load(&path, PIN).unwrap();
    assert_eq!(names(&loaded), all);
    assert_eq!(loaded.accounts().len(), 1 + 2 * EACH);
    // Each writer's last write took in everything the other had written before it.
    for (mine, other) in [("p", "q"), ("q", "p")] {
        let s = &seen[usize::from(mine == "q")];
        assert!((0..EACH).all(|i| s.contains(&format!("{mine}{i}"))));
        assert!(s.iter().filter(|n| n.starts_with(other)).count() <= EACH);
    }
    // The last writer holds everything.
    assert!(seen.contains(&all));
}

#[test]
fn a_stale_phone_does_not_bring_back_an_account_another_one_removed() {
    let (mut first, path) = saved("stale", 5);
    let bob = add_offline(&mut first, SERVER, "bob", FACET);
    first.persist().unwrap();
    // Two commands loaded the file: `wait` (stale) and `remove`.
    let mut stale = Phone::load(&path, PIN).unwrap();
    let mut remover = Phone::load(&path, PIN).unwrap();
    let request = dereg_request(&remover, &bob, FACET);
    remover.apply_deregistration(&bob, &request).unwrap();
    // The stale phone writes its own change (an account added): bob stays removed, the
    // addition is kept, and the stale phone drops bob too.
    let carol = add_offline(&mut stale, SERVER, "carol", FACET);
    stale.persist().unwrap();
    assert_eq!(
        names(&stale),
        BTreeSet::from(["alice".into(), "carol".into()])
    );
    let loaded = Phone::load(&path, PIN).unwrap();
    assert_eq!(
        names(&loaded),
        BTreeSet::from(["alice".into(), "carol".into()])
    );
    // The remover takes carol in when it looks again, and a removal of its own keeps her.
    assert!(remover.refresh().unwrap());
    assert!(!remover.refresh().unwrap());
    let alice = AccountRef::new(SERVER, "alice");
    let request = dereg_request(&remover, &alice, FACET);
    remover.apply_deregistration(&alice, &request).unwrap();
    let loaded = Phone::load(&path, PIN).unwrap();
    let left: Vec<AccountRef> = loaded.accounts().into_iter().map(|a| a.account).collect();
    assert_eq!(left, std::slice::from_ref(&carol));
    // The account taken in signs with its own key.
    let mut stale = stale;
    assert!(stale.refresh().unwrap());
    stale
        .sign_for(&carol, &notification_at(1, FACET, "carol"), PIN)
        .unwrap();
    // The same account enrolled by two phones at once: the second is refused, not doubled.
    let mut one = Phone::load(&path, PIN).unwrap();
    let mut two = Phone::load(&path, PIN).unwrap();
    add_offline(&mut one, SERVER, "dave", FACET);
    add_offline(&mut two, SERVER, "dave", FACET);
    one.persist().unwrap();
    match two.persist() {
        Err(PhoneError::AlreadyEnrolled(a)) => assert_eq!(a, AccountRef::new(SERVER, "dave")),
        other => panic!("{other:?}"),
    }
    let dave_keys: Vec<String> = Phone::load(&path, PIN)
        .unwrap()
        .accounts()
        .into_iter()
        .filter(|a| a.account.username == "dave")
        .map(|a| a.key_id)
        .collect();
    assert_eq!(dave_keys.len(), 1);
    assert_eq!(
        two.accounts()
            .into_iter()
            .find(|a| a.account.username == "dave")
            .unwrap()
            .key_id,
        dave_keys[0]
    );
}

#[test]
fn a_file_replaced_by_another_phone_is_not_written_over() {
    let (mut phone, path) = saved("replaced", 5);
    // Another phone (another salt, another PIN key) saved at the same path.
    let (mut other, _, _) = enrolled(5);
    // Saving a new phone over an existing file (two first enrolments at once) is refused.
    let mine = std::fs::read(&path).unwrap();
    assert!(matches!(
        other.save(&path),
        Err(PhoneError::State(m)) if m.contains("exists already")
    ));
    assert_eq!(std::fs::read(&path).unwrap(), mine);
    let theirs = temp("replaced-theirs");
    other.save(&theirs).unwrap();
    std::fs::copy(&theirs, &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    add_offline(&mut phone, SERVER, "bob", FACET);
    assert!(matches!(phone.persist(), Err(PhoneError::State(m)) if m.contains("replaced")));
    assert!(matches!(phone.refresh(), Err(PhoneError::State(_))));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn wrong_pins_at_unlock_from_many_threads_lock_at_the_limit() {
    let (_, path) = saved("threads-unlock", 5);
    let barrier = Arc::new(Barrier::new(8));
    let results: Vec<Result<Phone, PhoneError>> = (0..8)
        .map(|_| {
            let path = path.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                Phone::load(&path, "000000")
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    let mut left: Vec<u8> = results
        .iter()
        .filter_map(|r| match r {
            Err(PhoneError::WrongPin { attempts_left }) => Some(*attempts_left),
            _ => None,
        })
        .collect();
    left.sort_unstable();
    // Each attempt counted once: 4, 3, 2, 1 left, then the fifth locks; the rest refused.
    assert_eq!(left, [1, 2, 3, 4]);
    let locked = results
        .iter()
        .filter(|r| matches!(r, Err(PhoneError::Locked { attempts: 5 })))
        .count();
    assert_eq!(locked, 4);
    assert_eq!(failed_in_file(&path), 5);
    assert!(matches!(
        Phone::load(&path, PIN),
        Err(PhoneError::Locked { attempts: 5 })
    ));
}

#[test]
fn wrong_pins_at_sign_in_from_two_phones_lock_at_the_limit() {
    let (_, path) = saved("threads-sign", 5);
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2u8)
        .map(|t| {
            let path = path.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut phone = Phone::load(&path, PIN).unwrap();
                let alice = AccountRef::new(SERVER, "alice");
                barrier.wait();
                let mut wrong = 0u32;
                for i in 0..10u8 {
                    match phone.sign_for(&alice, &notification(t * 20 + i), "000000") {
                        Err(PhoneError::WrongPin { .. }) => wrong += 1,
                        Err(PhoneError::Locked { attempts: 5 }) => {}
                        other => panic!("{other:?}"),
                    }
                }
                // Locked for the right PIN too, in this phone.
                assert!(matches!(
                    phone.sign_for(&alice, &notification(t * 20 + 15), PIN),
                    Err(PhoneError::Locked { attempts: 5 })
                ));
                wrong
            })
        })
        .collect();
    let wrong: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    // Four answered "wrong PIN", the fifth locked: never more than five tried.
    assert_eq!(wrong, 4);
    assert_eq!(failed_in_file(&path), 5);
    assert!(matches!(
        Phone::load(&path, PIN),
        Err(PhoneError::Locked { attempts: 5 })
    ));
}

/// The child side of [`wrong_pins_from_two_processes_lock_at_the_limit`]: with
/// `UAF_PHONE_CHILD_STATE` set, this test binary is one of the two processes.
const CHILD: &str = "UAF_PHONE_CHILD_STATE";

#[test]
fn wrong_pins_from_two_processes_lock_at_the_limit() {
    if let Some(path) = std::env::var_os(CHILD) {
        // A child: wrong PINs until locked; one line per answer.
        let path = PathBuf::from(path);
        for _ in 0..10 {
            match Phone::load(&path, "000000") {
                Err(PhoneError::WrongPin { attempts_left }) => {
                    println!("\n@@ wrong {attempts_left}");
                }
                Err(PhoneError::Locked { .. }) => println!("\n@@ locked"),
                other => println!("\n@@ unexpected {other:?}"),
            }
        }
        return;
    }
    let (_, path) = saved("processes", 5);
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "tests::shared::wrong_pins_from_two_processes_lock_at_the_limit",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD, &path)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut lines = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let mine: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("@@ "))
            .map(String::from)
            .collect();
        assert_eq!(mine.len(), 10, "{text}");
        lines.extend(mine);
    }
    let mut wrong: Vec<&String> = lines.iter().filter(|l| l.starts_with("wrong")).collect();
    wrong.sort();
    assert_eq!(wrong, ["wrong 1", "wrong 2", "wrong 3", "wrong 4"]);
    assert_eq!(lines.iter().filter(|l| *l == "locked").count(), 16);
    assert_eq!(failed_in_file(&path), 5);
    assert!(matches!(
        Phone::load(&path, PIN),
        Err(PhoneError::Locked { attempts: 5 })
    ));
}

/// The next event that `want` accepts, skipping the others (the servers of these phones are
/// closed ports: their transports report them unreachable); `None` after a minute.
fn next_matching(
    waiter: &mut Waiter,
    phone: &mut Phone,
    want: impl Fn(&WaitEvent) -> bool,
) -> Option<WaitEvent> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if let Some(e) = waiter.next(phone, Duration::from_millis(200))
            && want(&e)
        {
            return Some(e);
        }
    }
    None
}

#[test]
fn the_wait_loop_serves_accounts_added_and_stops_those_removed_by_other_commands() {
    let (mut waiting, path) = saved("wait-loop", 5);
    let mut options = WaitOptions::polling(Duration::from_secs(3600));
    options.backoff = Backoff::new(Duration::from_secs(3600), Duration::from_secs(3600));
    let mut waiter = Waiter::start(&waiting, options).unwrap();
    let alice = AccountRef::new(SERVER, "alice");
    assert_eq!(waiter.accounts(), std::slice::from_ref(&alice));

    // `uaf-phone enroll` in another process: bob is added to the file.
    let mut enroll = Phone::load(&path, PIN).unwrap();
    let bob = add_offline(&mut enroll, OTHER_SERVER, "bob", OTHER_FACET);
    enroll.persist().unwrap();
    match next_matching(&mut waiter, &mut waiting, |e| {
        matches!(e, WaitEvent::NowServing(_))
    }) {
        Some(WaitEvent::NowServing(a)) => assert_eq!(a, bob),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        waiter.accounts().into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([alice.clone(), bob.clone()])
    );
    // Its key came along: the waiting phone signs for bob.
    waiting
        .sign_for(&bob, &notification_at(1, OTHER_FACET, "bob"), PIN)
        .unwrap();

    // `uaf-phone remove` in another process: alice leaves the file.
    let mut remove = Phone::load(&path, PIN).unwrap();
    let request = dereg_request(&remove, &alice, FACET);
    remove.apply_deregistration(&alice, &request).unwrap();
    match next_matching(&mut waiter, &mut waiting, |e| {
        matches!(e, WaitEvent::NoLongerServing(_))
    }) {
        Some(WaitEvent::NoLongerServing(a)) => assert_eq!(a, alice),
        other => panic!("{other:?}"),
    }
    assert_eq!(waiter.accounts(), std::slice::from_ref(&bob));
    assert!(matches!(
        waiting.sign_for(&alice, &notification(2), PIN),
        Err(PhoneError::NoSuchAccount(_))
    ));

    // The waiting phone's own change (the server removed bob) keeps what the others wrote:
    // carol, added meanwhile, stays in the file.
    let mut enroll = Phone::load(&path, PIN).unwrap();
    let carol = add_offline(&mut enroll, SERVER, "carol", FACET);
    enroll.persist().unwrap();
    let request = dereg_request(&waiting, &bob, OTHER_FACET);
    waiting.apply_deregistration(&bob, &request).unwrap();
    let loaded = Phone::load(&path, PIN).unwrap();
    let left: Vec<AccountRef> = loaded.accounts().into_iter().map(|a| a.account).collect();
    assert_eq!(left, std::slice::from_ref(&carol));
    // The loop: bob no longer served, carol served.
    let mut told = BTreeSet::new();
    while told.len() < 2 {
        match next_matching(&mut waiter, &mut waiting, |e| {
            matches!(e, WaitEvent::NowServing(_) | WaitEvent::NoLongerServing(_))
        }) {
            Some(WaitEvent::NowServing(a)) => assert!(told.insert(format!("+{a}"))),
            Some(WaitEvent::NoLongerServing(a)) => assert!(told.insert(format!("-{a}"))),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        told,
        BTreeSet::from([format!("+{carol}"), format!("-{bob}")])
    );
    assert_eq!(waiter.accounts(), [carol]);
}
