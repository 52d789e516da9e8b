//! The keystore: what the state file holds, the PIN lockout, tampering, old files. A phone
//! is enrolled offline (the registration request is made here; no server).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use uaf_proto::id::{Aaid, AppId};

use uaf_proto::message::{
    AuthenticationRequest, MatchCriteria, Operation, OperationHeader, Policy, RegistrationRequest,
    ServerChallenge, Version,
};

use super::*;

const FACET: &str = "https://phone.test";
const SERVER: &str = "http://127.0.0.1:9";
const PIN: &str = "493817";
const TOKEN: &str = "device-token-that-must-stay-sealed";

fn fast() -> KdfParams {
    KdfParams::new(64, 1, 1).unwrap()
}

fn header_at(op: Operation, app_id: &str) -> OperationHeader {
    let mut h = OperationHeader::new(Version::V1_1, op);
    h.app_id = Some(AppId::new(app_id).unwrap());
    h
}

fn policy() -> Policy {
    Policy {
        accepted: vec![vec![MatchCriteria {
            aaid: Some(vec![Aaid::parse(AAID).unwrap()]),
            ..MatchCriteria::default()
        }]],
        disallowed: vec![],
    }
}

fn notification(i: u8) -> Notification {
    notification_at(i, FACET, "alice")
}

fn notification_at(i: u8, app_id: &str, username: &str) -> Notification {
    let request = AuthenticationRequest {
        header: header_at(Operation::Auth, app_id),
        challenge: ServerChallenge::new(vec![i; 32]).unwrap(),
        transaction: vec![],
        policy: policy(),
    }
    .to_json();
    Notification {
        attempt: format!("a{i}"),
        uaf_request: request,
        site: String::from("phone.test"),
        username: String::from(username),
        match_code: String::from("42"),
        created_at: 0,
        expires_at: 0,
        context: None,
    }
}

/// An account as `Phone::enroll_account` makes it, without the server: a registration
/// request for `username` at the AppID `FACET`, answered by a fresh authenticator.
fn offline_account(
    server: &str,
    username: &str,
    pin: &Arc<PinVerifier>,
    max: u8,
) -> (Account, [u8; 32], [u8; 32]) {
    offline_account_at(server, username, FACET, pin, max)
}

/// As [`offline_account`], for the AppID (and facet) `app_id`.
fn offline_account_at(
    server: &str,
    username: &str,
    app_id: &str,
    pin: &Arc<PinVerifier>,
    max: u8,
) -> (Account, [u8; 32], [u8; 32]) {
    let request = RegistrationRequest {
        header: header_at(Operation::Reg, app_id),
        challenge: ServerChallenge::new(vec![1; 32]).unwrap(),
        username: String::from(username),
        policy: policy(),
    }
    .to_json();
    let seed = os_random::<32>().unwrap();
    let asm_token = os_random::<32>().unwrap();
    let (mut client, rng) =
        build_device(seed, asm_token, PinPad::new(Arc::clone(pin)), max).unwrap();
    pad_of(&mut client).unwrap().enter(PIN);
    let (_, key_id) = register(&mut client, &request, app_id, None).unwrap();
    rng.go_live().unwrap();
    let account = Account {
        secrets: AccountSecrets {
            server: String::from(server),
            username: String::from(username),
            facet_id: String::from(app_id),
            trusted_facets: None,
            aaid: String::from(AAID),
            key_id,
            device_token: format!("{TOKEN}-{username}-{server}"),
            authenticator_seed: b64(&seed),
            asm_token: b64(&asm_token),
            enrollment_request: request,
            added_at: Some(1_765_000_000),
            ca_pem: None,
            verification_code: None,
        },
        client,
        http: Http::new(server).unwrap(),
        written: false,
    };
    (account, seed, asm_token)
}

/// What `Phone::enroll` does, without the server.
fn enrolled(max: u8) -> (Phone, [u8; 32], [u8; 32]) {
    let salt = os_random::<{ seal::SALT_LEN }>().unwrap();
    let key = SealKey::derive(PIN, &salt, fast()).unwrap();
    let pin = pin_check(PIN).unwrap();
    let (mut account, seed, asm_token) = offline_account(SERVER, "alice", &pin, max);
    account.secrets.device_token = String::from(TOKEN);
    let phone = Phone {
        accounts: vec![account],
        keystore: Keystore {
            kdf: fast(),
            salt,
            key,
            max_attempts: max,
            failed: 0,
            path: None,
            generation: None,
        },
        pin,
        queued: Mutex::new(Vec::new()),
        ca_file: None,
    };
    (phone, seed, asm_token)
}

/// Adds `username` at `server` (AppID `app_id`) to `phone`, offline.
fn add_offline(phone: &mut Phone, server: &str, username: &str, app_id: &str) -> AccountRef {
    let (account, _, _) = offline_account_at(
        server,
        username,
        app_id,
        &phone.pin,
        phone.keystore.max_attempts,
    );
    let r = account.reference();
    phone.accounts.push(account);
    r
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("uaf-phone-keystore-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.json"));
    let _ = std::fs::remove_file(&path);
    path
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn failed_in_file(path: &Path) -> u64 {
    json(path)["failedPinAttempts"].as_u64().unwrap()
}

fn edit(path: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v = json(path);
    f(&mut v);
    std::fs::write(path, serde_json::to_string(&v).unwrap()).unwrap();
}

/// A change made to a state file's JSON.
type Change = Box<dyn Fn(&mut serde_json::Value)>;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_file_holds_no_secret_in_clear_and_round_trips() {
    let path = temp("round-trip");
    let (mut phone, seed, asm_token) = enrolled(5);
    phone.save(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    for secret in [
        PIN.to_owned(),
        TOKEN.to_owned(),
        b64(&seed),
        b64(&asm_token),
        hex(&seed),
        hex(&asm_token),
        phone.key_id().to_owned(),
        String::from("alice"),
        String::from(SERVER),
    ] {
        assert!(!text.contains(&secret), "{secret} in clear");
    }
    for raw in [&seed[..], &asm_token[..]] {
        assert!(!bytes.windows(raw.len()).any(|w| w == raw));
    }
    // What the header says, and nothing else.
    let v = json(&path);
    assert_eq!(v["format"], "uaf-phone state");
    assert_eq!(v["version"], 3);
    assert_eq!(v["kdf"]["algorithm"], "argon2id");
    assert_eq!(v["kdf"]["version"], 19);
    assert_eq!(v["kdf"]["memoryKib"], 64);
    assert_eq!(v["aead"], "AES-256-GCM");
    assert_eq!(v["maxPinAttempts"], 5);
    assert_eq!(v["failedPinAttempts"], 0);
    let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "aead",
            "failedPinAttempts",
            "format",
            "kdf",
            "maxPinAttempts",
            "nonce",
            "sealed",
            "version"
        ]
    );

    // Loaded with the PIN: the same key signs.
    let mut loaded = Phone::load(&path, PIN).unwrap();
    assert_eq!(loaded.key_id(), phone.key_id());
    assert_eq!(loaded.username(), "alice");
    assert_eq!(loaded.server(), SERVER);
    assert_eq!(loaded.accounts[0].secrets.device_token, TOKEN);
    loaded.sign(&notification(2), PIN).unwrap();
    // Saved again: a fresh nonce, the same salt, still opens.
    let before = json(&path);
    loaded.save(&path).unwrap();
    let after = json(&path);
    assert_ne!(before["nonce"], after["nonce"]);
    assert_eq!(before["kdf"], after["kdf"]);
    Phone::load(&path, PIN).unwrap();
}

#[test]
fn wrong_pins_at_unlock_are_counted_across_restarts_and_lock_the_phone() {
    let path = temp("unlock");
    let (mut phone, _, _) = enrolled(3);
    phone.save(&path).unwrap();
    drop(phone);
    // Each load is a restart of the phone program: the count is in the file.
    assert!(matches!(
        Phone::load(&path, "000000"),
        Err(PhoneError::WrongPin { attempts_left: 2 })
    ));
    assert_eq!(failed_in_file(&path), 1);
    assert!(matches!(
        Phone::load(&path, "111111"),
        Err(PhoneError::WrongPin { attempts_left: 1 })
    ));
    assert_eq!(failed_in_file(&path), 2);
    // The right PIN before the limit starts the count again.
    let phone = Phone::load(&path, PIN).unwrap();
    assert_eq!(phone.pin_attempts_left(), 3);
    assert_eq!(failed_in_file(&path), 0);
    drop(phone);
    for left in [2, 1] {
        assert!(matches!(
            Phone::load(&path, "000000"),
            Err(PhoneError::WrongPin { attempts_left }) if attempts_left == left
        ));
    }
    // The third wrong PIN locks, and says so.
    let locked = Phone::load(&path, "000000").unwrap_err();
    assert!(matches!(locked, PhoneError::Locked { attempts: 3 }));
    let message = locked.to_string();
    assert!(message.contains("locked after 3 wrong PINs"), "{message}");
    assert!(message.contains("re-enrol"), "{message}");
    // Locked: even the right PIN is refused, and the file stays locked.
    assert!(matches!(
        Phone::load(&path, PIN),
        Err(PhoneError::Locked { attempts: 3 })
    ));
    assert_eq!(failed_in_file(&path), 3);
}

#[test]
fn wrong_pins_at_sign_in_are_counted_and_lock_the_authenticator() {
    let path = temp("sign");
    let (mut phone, _, _) = enrolled(5);
    phone.save(&path).unwrap();
    let n = notification(3);
    assert!(matches!(
        phone.sign(&n, "000000"),
        Err(PhoneError::WrongPin { attempts_left: 4 })
    ));
    assert_eq!(failed_in_file(&path), 1);
    // The right PIN before the limit resets the count.
    phone.sign(&n, PIN).unwrap();
    assert_eq!(failed_in_file(&path), 0);
    assert_eq!(phone.pin_attempts_left(), 5);
    for left in (1..=4).rev() {
        assert!(matches!(
            phone.sign(&n, "000000"),
            Err(PhoneError::WrongPin { attempts_left }) if attempts_left == left
        ));
        assert_eq!(failed_in_file(&path), u64::from(5 - left));
    }
    // The fifth: locked (the authenticator's USER_LOCKOUT).
    assert!(matches!(
        phone.sign(&n, "000000"),
        Err(PhoneError::Locked { attempts: 5 })
    ));
    assert_eq!(phone.pin_attempts_left(), 0);
    assert_eq!(failed_in_file(&path), 5);
    // Even the right PIN now, in this run and after a restart.
    assert!(matches!(
        phone.sign(&n, PIN),
        Err(PhoneError::Locked { attempts: 5 })
    ));
    drop(phone);
    assert!(matches!(
        Phone::load(&path, PIN),
        Err(PhoneError::Locked { attempts: 5 })
    ));
}

#[test]
fn an_unsaved_phone_locks_too() {
    // 39 wrong PINs then the right one used to be accepted.
    let (mut phone, _, _) = enrolled(DEFAULT_MAX_PIN_ATTEMPTS);
    let n = notification(4);
    for _ in 0..4 {
        assert!(matches!(
            phone.sign(&n, "000000"),
            Err(PhoneError::WrongPin { .. })
        ));
    }
    assert!(matches!(
        phone.sign(&n, "000000"),
        Err(PhoneError::Locked { attempts: 5 })
    ));
    assert!(matches!(
        phone.sign(&n, PIN),
        Err(PhoneError::Locked { attempts: 5 })
    ));
}

#[test]
fn an_altered_file_does_not_open_even_with_the_right_pin() {
    let (mut phone, _, _) = enrolled(9);
    let original = temp("original");
    phone.save(&original).unwrap();
    let flip = |s: &str| {
        let mut c: Vec<char> = s.chars().collect();
        c[3] = if c[3] == 'A' { 'B' } else { 'A' };
        c.into_iter().collect::<String>()
    };
    let cases: Vec<(&str, Change)> = vec![
        (
            "ciphertext",
            Box::new(move |v| {
                v["sealed"] = flip(v["sealed"].as_str().unwrap()).into();
            }),
        ),
        (
            "nonce",
            Box::new(move |v| v["nonce"] = flip(v["nonce"].as_str().unwrap()).into()),
        ),
        (
            "salt",
            Box::new(move |v| {
                v["kdf"]["salt"] = flip(v["kdf"]["salt"].as_str().unwrap()).into();
            }),
        ),
        ("memory", Box::new(|v| v["kdf"]["memoryKib"] = 72.into())),
        ("passes", Box::new(|v| v["kdf"]["iterations"] = 2.into())),
        // The attempt limit is authenticated (associated data).
        ("limit", Box::new(|v| v["maxPinAttempts"] = 50.into())),
    ];
    for (what, change) in cases {
        let path = temp(&format!("tampered-{what}"));
        std::fs::copy(&original, &path).unwrap();
        edit(&path, |v| change(v));
        assert!(
            matches!(Phone::load(&path, PIN), Err(PhoneError::WrongPin { .. })),
            "{what}"
        );
        // Counted like a wrong PIN.
        assert_eq!(failed_in_file(&path), 1, "{what}");
    }
    // The untouched file still opens.
    Phone::load(&original, PIN).unwrap();
}

#[test]
fn malformed_old_and_hostile_files_are_refused() {
    let (mut phone, _, _) = enrolled(5);
    let original = temp("hostile-original");
    phone.save(&original).unwrap();
    let refused = |path: &Path| match Phone::load(path, PIN) {
        Err(PhoneError::State(m)) => m,
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("loaded"),
    };
    // A version 1 file: re-enrol (no migration).
    let old = temp("old");
    std::fs::write(
        &old,
        r#"{"version":1,"server":"http://x","username":"alice","pinSalt":"AA","pinHash":"AA"}"#,
    )
    .unwrap();
    let m = refused(&old);
    assert!(m.contains("old-format") && m.contains("re-enrol"), "{m}");
    // Memory beyond the cap is refused before anything is allocated.
    let huge = temp("huge");
    std::fs::copy(&original, &huge).unwrap();
    edit(&huge, |v| {
        v["kdf"]["memoryKib"] = u64::from(MAX_MEMORY_KIB + 1).into()
    });
    assert!(refused(&huge).contains("too large"));
    // Another KDF or AEAD, a zero limit, an unknown field, not JSON.
    let cases: [(&str, Change); 5] = [
        (
            "kdf",
            Box::new(|v| v["kdf"]["algorithm"] = "argon2i".into()),
        ),
        ("aead", Box::new(|v| v["aead"] = "ChaCha20-Poly1305".into())),
        ("zero", Box::new(|v| v["maxPinAttempts"] = 0.into())),
        ("field", Box::new(|v| v["pinHash"] = "AA".into())),
        ("format", Box::new(|v| v["format"] = "other".into())),
    ];
    for (name, change) in cases {
        let path = temp(&format!("hostile-{name}"));
        std::fs::copy(&original, &path).unwrap();
        edit(&path, |v| change(v));
        refused(&path);
    }
    let junk = temp("junk");
    std::fs::write(&junk, "not json").unwrap();
    assert!(refused(&junk).contains("not a state file"));
}

#[test]
fn enrolment_checks_its_parameters_before_the_server() {
    let mut e = Enrollment::new(SERVER, "alice", "CODE", PIN);
    e.max_pin_attempts = 0;
    assert!(matches!(Phone::enroll(&e), Err(PhoneError::Usage(_))));
    let mut e = Enrollment::new(SERVER, "alice", "CODE", PIN);
    e.kdf.memory_kib = 1;
    assert!(matches!(Phone::enroll(&e), Err(PhoneError::Usage(m)) if m.contains("argon2id")));
}

#[test]
fn kdf_cost_measures_a_derivation() {
    assert!(kdf_cost(fast(), 2).unwrap() > core::time::Duration::ZERO);
    assert!(
        kdf_cost(
            KdfParams {
                memory_kib: 1,
                ..fast()
            },
            1
        )
        .is_err()
    );
}

const OTHER_SERVER: &str = "http://127.0.0.1:10";
const OTHER_FACET: &str = "https://other.test";

/// The UAF deregistration request a server sends for `account`'s key (digest §3.6).
fn dereg_request(phone: &Phone, account: &AccountRef, app_id: &str) -> String {
    let a = phone.account(account).unwrap();
    let r = a.client.registrations().first().unwrap();
    DeregistrationRequest {
        header: header_at(Operation::Dereg, app_id),
        authenticators: vec![DeregisterAuthenticator::Key {
            aaid: *r.aaid(),
            key_id: r.key_id().clone(),
        }],
    }
    .to_json()
}

#[test]
fn one_file_holds_several_accounts_on_several_servers() {
    let path = temp("several");
    let (mut phone, _, _) = enrolled(5);
    let bob = add_offline(&mut phone, SERVER, "bob", FACET);
    // alice on a second server, under another AppID.
    let alice2 = add_offline(&mut phone, OTHER_SERVER, "alice", OTHER_FACET);
    phone.save(&path).unwrap();
    // Nothing of any account in clear.
    let text = std::fs::read_to_string(&path).unwrap();
    for secret in ["alice", "bob", SERVER, OTHER_SERVER, TOKEN] {
        assert!(!text.contains(secret), "{secret} in clear");
    }
    assert_eq!(json(&path)["version"], 3);

    let mut loaded = Phone::load(&path, PIN).unwrap();
    let listed: Vec<(String, String, String, Option<u64>)> = loaded
        .accounts()
        .into_iter()
        .map(|a| (a.account.server, a.account.username, a.aaid, a.added_at))
        .collect();
    assert_eq!(
        listed,
        [
            (
                SERVER.into(),
                "alice".into(),
                AAID.into(),
                Some(1_765_000_000)
            ),
            (
                SERVER.into(),
                "bob".into(),
                AAID.into(),
                Some(1_765_000_000)
            ),
            (
                OTHER_SERVER.into(),
                "alice".into(),
                AAID.into(),
                Some(1_765_000_000)
            ),
        ]
    );
    // Each key came back: distinct, and each account signs its own requests.
    let keys: BTreeSet<String> = loaded.accounts().into_iter().map(|a| a.key_id).collect();
    assert_eq!(keys.len(), 3);
    loaded.sign(&notification_at(1, FACET, "bob"), PIN).unwrap();
    // alice is on two servers: the request's AppID tells which key.
    let first = AccountRef::new(SERVER, "alice");
    loaded
        .sign(&notification_at(2, FACET, "alice"), PIN)
        .unwrap();
    loaded
        .sign(&notification_at(3, OTHER_FACET, "alice"), PIN)
        .unwrap();
    loaded
        .sign_for(&alice2, &notification_at(4, OTHER_FACET, "alice"), PIN)
        .unwrap();
    // An account cannot answer another AppID's request (the client has no key for it).
    assert!(matches!(
        loaded.sign_for(&first, &notification_at(5, OTHER_FACET, "alice"), PIN),
        Err(PhoneError::Client(_))
    ));
    assert!(matches!(
        loaded.sign_for(&bob, &notification_at(6, FACET, "alice"), PIN),
        Err(PhoneError::Usage(_))
    ));
    assert!(matches!(
        loaded.sign(&notification_at(7, FACET, "carol"), PIN),
        Err(PhoneError::Usage(_))
    ));
    // Naming accounts.
    assert_eq!(loaded.find("bob", None).unwrap(), bob);
    assert_eq!(loaded.find("alice", Some(OTHER_SERVER)).unwrap(), alice2);
    assert_eq!(
        loaded.find("alice", Some(&format!("{SERVER}/"))).unwrap(),
        first
    );
    match loaded.find("alice", None) {
        Err(PhoneError::AmbiguousAccount { username, servers }) => {
            assert_eq!(username, "alice");
            assert_eq!(servers, [SERVER, OTHER_SERVER]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        loaded.find("carol", None),
        Err(PhoneError::NoSuchAccount(_))
    ));
    assert!(matches!(
        loaded.find("bob", Some(OTHER_SERVER)),
        Err(PhoneError::NoSuchAccount(_))
    ));
    // The first account answers the one-account accessors.
    assert_eq!((loaded.username(), loaded.server()), ("alice", SERVER));
    // One channel per account, the token kept out of Debug.
    let channels = loaded.channels();
    assert_eq!(channels.len(), 3);
    assert_eq!(channels[2].account(), &alice2);
    assert!(!format!("{channels:?}").contains(TOKEN));
}

#[test]
fn the_pin_count_is_the_phones_across_accounts() {
    let path = temp("count-across");
    let (mut phone, _, _) = enrolled(3);
    let bob = add_offline(&mut phone, SERVER, "bob", FACET);
    phone.save(&path).unwrap();
    let alice = AccountRef::new(SERVER, "alice");
    assert!(matches!(
        phone.sign_for(&alice, &notification(1), "000000"),
        Err(PhoneError::WrongPin { attempts_left: 2 })
    ));
    assert!(matches!(
        phone.sign_for(&bob, &notification_at(2, FACET, "bob"), "000000"),
        Err(PhoneError::WrongPin { attempts_left: 1 })
    ));
    assert_eq!(failed_in_file(&path), 2);
    // The third wrong PIN, on either account, locks every account.
    assert!(matches!(
        phone.sign_for(&alice, &notification(3), "000000"),
        Err(PhoneError::Locked { attempts: 3 })
    ));
    assert!(matches!(
        phone.sign_for(&bob, &notification_at(4, FACET, "bob"), PIN),
        Err(PhoneError::Locked { attempts: 3 })
    ));
    // Adding an account to a locked phone is refused before any server is asked.
    assert!(matches!(
        phone.add_account(&Enrollment::new(SERVER, "carol", "CODE", PIN)),
        Err(PhoneError::Locked { attempts: 3 })
    ));
}

#[test]
fn adding_an_account_needs_the_phones_pin_and_a_new_account() {
    let path = temp("add");
    let (mut phone, _, _) = enrolled(5);
    phone.save(&path).unwrap();
    // Counted like any wrong PIN, before the server is contacted (SERVER is a closed port).
    assert!(matches!(
        phone.add_account(&Enrollment::new(SERVER, "carol", "CODE", "000000")),
        Err(PhoneError::WrongPin { attempts_left: 4 })
    ));
    assert_eq!(failed_in_file(&path), 1);
    // The same account twice: refused, whatever the trailing slash.
    match phone.add_account(&Enrollment::new(
        &format!("{SERVER}/"),
        "alice",
        "CODE",
        PIN,
    )) {
        Err(PhoneError::AlreadyEnrolled(a)) => assert_eq!(a, AccountRef::new(SERVER, "alice")),
        other => panic!("{other:?}"),
    }
    // The right PIN resets the count; the closed port then fails the enrolment.
    assert!(matches!(
        phone.add_account(&Enrollment::new(SERVER, "carol", "CODE", PIN)),
        Err(PhoneError::Unreachable(_))
    ));
    assert_eq!(failed_in_file(&path), 0);
    assert_eq!(phone.accounts().len(), 1);
}

/// A version 2 file (one account, sealed as before version 3) as the previous release wrote
/// it.
fn write_v2(path: &Path, phone: &Phone) {
    let account = &phone.accounts[0].secrets;
    let v2 = serde_json::json!({
        "server": account.server,
        "username": account.username,
        "facetId": account.facet_id,
        "trustedFacets": account.trusted_facets,
        "aaid": account.aaid,
        "keyId": account.key_id,
        "deviceToken": account.device_token,
        "authenticatorSeed": account.authenticator_seed,
        "asmToken": account.asm_token,
        "enrollmentRequest": account.enrollment_request,
    });
    let nonce = os_random::<{ seal::NONCE_LEN }>().unwrap();
    let k = &phone.keystore;
    let mut file = StateFile::seal(
        k.kdf,
        &k.salt,
        &nonce,
        k.max_attempts,
        0,
        &k.key,
        &Vault::default(),
    )
    .unwrap();
    file.version = state::VERSION_2;
    let sealed = k
        .key
        .seal(
            &nonce,
            &serde_json::to_vec(&v2).unwrap(),
            &file.aad().unwrap(),
        )
        .unwrap();
    file.sealed = URL_SAFE_NO_PAD.encode(sealed);
    state::write(&state::lock(path).unwrap(), path, &file).unwrap();
}

#[test]
fn a_version_2_file_is_read_and_upgraded_on_the_next_write() {
    let path = temp("v2");
    let (phone, _, _) = enrolled(5);
    write_v2(&path, &phone);
    assert_eq!(json(&path)["version"], 2);
    // A wrong PIN is counted in the version 2 file, which stays version 2.
    assert!(matches!(
        Phone::load(&path, "000000"),
        Err(PhoneError::WrongPin { attempts_left: 4 })
    ));
    assert_eq!(json(&path)["version"], 2);
    assert_eq!(failed_in_file(&path), 1);

    let mut loaded = Phone::load(&path, PIN).unwrap();
    // Upgraded by the write that reset the count.
    let v = json(&path);
    assert_eq!(v["version"], 3);
    assert_eq!(v["failedPinAttempts"], 0);
    let listed = loaded.accounts();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].account, AccountRef::new(SERVER, "alice"));
    assert_eq!(listed[0].key_id, phone.key_id());
    // Not recorded by version 2.
    assert_eq!(listed[0].added_at, None);
    assert!(!listed[0].verification_codes);
    loaded.sign(&notification(9), PIN).unwrap();
    // The upgraded file opens as version 3 and holds the same account.
    let again = Phone::load(&path, PIN).unwrap();
    assert_eq!(again.key_id(), phone.key_id());
    assert_eq!(again.accounts[0].secrets.device_token, TOKEN);
    // A version 2 header over a version 3 vault (or the reverse) does not open: the version
    // is authenticated.
    edit(&path, |v| v["version"] = 2.into());
    assert!(matches!(
        Phone::load(&path, PIN),
        Err(PhoneError::WrongPin { .. })
    ));
    // Other versions are refused outright.
    edit(&path, |v| v["version"] = 4.into());
    match Phone::load(&path, PIN) {
        Err(PhoneError::State(m)) => assert!(m.contains("format version 2 or 3"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_deregistration_from_the_server_deletes_the_key_and_forgets_the_account() {
    let path = temp("dereg");
    let (mut phone, _, _) = enrolled(5);
    let bob = add_offline(&mut phone, SERVER, "bob", FACET);
    let alice2 = add_offline(&mut phone, OTHER_SERVER, "alice", OTHER_FACET);
    phone.save(&path).unwrap();
    let alice = AccountRef::new(SERVER, "alice");

    // Refused, the account kept: another AppID than the account's (the client checks the
    // AppID against the facet), a key of another account.
    let foreign = dereg_request(&phone, &alice2, OTHER_FACET);
    assert!(matches!(
        phone.apply_deregistration(&alice, &foreign),
        Err(PhoneError::Client(_))
    ));
    let bobs = dereg_request(&phone, &bob, FACET);
    assert!(matches!(
        phone.apply_deregistration(&alice, &bobs),
        Err(PhoneError::BadAnswer(_))
    ));
    assert!(matches!(
        phone.apply_deregistration(&alice, "not a request"),
        Err(PhoneError::Client(_))
    ));
    assert_eq!(phone.accounts().len(), 3);
    assert_eq!(
        phone.account(&alice).unwrap().client.registrations().len(),
        1
    );

    // The real one: through the client to the authenticator; the key is gone from the
    // client, the account from the phone and from its file.
    let request = dereg_request(&phone, &alice, FACET);
    let key_id = phone.account(&alice).unwrap().secrets.key_id.clone();
    {
        // What happens inside, on a copy of the account's authenticator: Deregister is sent
        // and the key handle dropped, so the key cannot sign any more.
        let (mut copy, _, _) = offline_account(SERVER, "carol", &phone.pin, 5);
        let own = copy.own_deregistration().unwrap();
        copy.deregister_key(&own).unwrap();
        assert!(copy.client.registrations().is_empty());
        pad_of(&mut copy.client).unwrap().enter(PIN);
        let n = notification_at(1, FACET, "carol");
        let req = ClientRequest::new(&n.uaf_request, FACET).account("carol");
        assert!(copy.client.process(&req).is_err());
    }
    let removal = phone.apply_deregistration(&alice, &request).unwrap();
    assert_eq!(
        removal,
        Removal {
            account: alice.clone(),
            key_id,
            server: ServerRemoval::Removed,
        }
    );
    let left: Vec<AccountRef> = phone.accounts().into_iter().map(|a| a.account).collect();
    assert_eq!(left, [bob.clone(), alice2.clone()]);
    assert!(matches!(
        phone.sign_for(&alice, &notification(2), PIN),
        Err(PhoneError::NoSuchAccount(_))
    ));
    // Saved: a restart does not bring it back, the others still sign.
    let mut loaded = Phone::load(&path, PIN).unwrap();
    let left: Vec<AccountRef> = loaded.accounts().into_iter().map(|a| a.account).collect();
    assert_eq!(left, [bob, alice2.clone()]);
    loaded
        .sign(&notification_at(3, OTHER_FACET, "alice"), PIN)
        .unwrap();
    // Applied twice: the account is gone.
    assert!(matches!(
        loaded.apply_deregistration(&alice, &request),
        Err(PhoneError::NoSuchAccount(_))
    ));
}

#[test]
fn removing_an_account_needs_its_server_unless_forced() {
    let path = temp("remove");
    let (mut phone, _, _) = enrolled(5);
    let alice2 = add_offline(&mut phone, OTHER_SERVER, "alice", OTHER_FACET);
    phone.save(&path).unwrap();
    let alice = AccountRef::new(SERVER, "alice");
    // The server (a closed port) cannot be told: refused, kept.
    assert!(matches!(
        phone.remove(&alice, false),
        Err(PhoneError::Unreachable(_))
    ));
    assert_eq!(phone.accounts().len(), 2);
    // Forced: the key is deleted and the account forgotten anyway, and said so.
    let removal = phone.remove(&alice, true).unwrap();
    assert_eq!(removal.account, alice);
    assert!(matches!(removal.server, ServerRemoval::NotTold(ref m) if m.contains("unreachable")));
    let loaded = Phone::load(&path, PIN).unwrap();
    let left: Vec<AccountRef> = loaded.accounts().into_iter().map(|a| a.account).collect();
    assert_eq!(left, [alice2]);
}

/// RFC 6238 Appendix B: the SHA-1 and SHA-256 seeds, in base32.
const RFC6238_SHA1: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC6238_SHA256: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";

fn setup(secret: &str, algorithm: &str, digits: u8) -> CodeSecret {
    CodeSecret {
        secret: String::from(secret),
        algorithm: String::from(algorithm),
        digits,
        period_secs: 30,
    }
}

#[test]
fn verification_codes_are_the_rfc_6238_ones_and_stay_sealed() {
    let path = temp("codes");
    let (mut phone, _, _) = enrolled(5);
    let bob = add_offline(&mut phone, SERVER, "bob", FACET);
    let alice = AccountRef::new(SERVER, "alice");
    phone.accounts[0].secrets.verification_code = Some(setup(RFC6238_SHA1, "SHA1", 8));
    // RFC 6238 Appendix B (8 digits): T = 59 and 1111111109.
    let c = phone.verification_code_at(&alice, 59).unwrap();
    assert_eq!(
        (c.code.as_str(), c.seconds_left, c.step),
        ("94287082", 1, 1)
    );
    let c = phone.verification_code_at(&alice, 1_111_111_109).unwrap();
    assert_eq!((c.code.as_str(), c.seconds_left), ("07081804", 1));
    // 6 digits (the server's setup): the last six, leading zero kept; the seconds left
    // count down through the step.
    phone.accounts[0].secrets.verification_code = Some(setup(RFC6238_SHA1, "SHA1", 6));
    let c = phone.verification_code_at(&alice, 1_111_111_109).unwrap();
    assert_eq!(c.code, "081804");
    for (t, left) in [(1_111_111_080, 30), (1_111_111_081, 29), (1_111_111_109, 1)] {
        assert_eq!(
            phone.verification_code_at(&alice, t).unwrap().seconds_left,
            left
        );
    }
    assert!(!format!("{c:?}").contains("081804"));
    phone.accounts[1].secrets.verification_code = Some(setup(RFC6238_SHA256, "SHA256", 8));
    assert_eq!(
        phone.verification_code_at(&bob, 59).unwrap().code,
        "46119246"
    );
    // Sealed, and kept across a restart.
    phone.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(RFC6238_SHA1) && !text.contains("GEZDGNBV"));
    let loaded = Phone::load(&path, PIN).unwrap();
    assert_eq!(
        loaded
            .verification_code_at(&alice, 1_111_111_109)
            .unwrap()
            .code,
        "081804"
    );
    assert_eq!(
        loaded.verification_code_at(&bob, 59).unwrap().code,
        "46119246"
    );
    assert!(loaded.accounts().iter().all(|a| a.verification_codes));
}

#[test]
fn an_account_without_codes_or_with_a_bad_setup_says_so() {
    let (mut phone, _, _) = enrolled(5);
    let alice = AccountRef::new(SERVER, "alice");
    match phone.verification_code(&alice) {
        Err(PhoneError::NoVerificationCodes(a)) => assert_eq!(a, alice),
        other => panic!("{other:?}"),
    }
    assert!(!phone.accounts()[0].verification_codes);
    assert!(matches!(
        phone.verification_code(&AccountRef::new(SERVER, "carol")),
        Err(PhoneError::NoSuchAccount(_))
    ));
    let cases = [
        (setup(RFC6238_SHA1, "MD5", 6), "MD5"),
        (setup("not base32!", "SHA1", 6), "secret"),
        (setup("GEZDGNBV", "SHA1", 6), "at least"),
        (setup(RFC6238_SHA1, "SHA1", 9), "digits"),
        (
            {
                let mut s = setup(RFC6238_SHA1, "SHA1", 6);
                s.period_secs = 0;
                s
            },
            "time step",
        ),
    ];
    for (bad, says) in cases {
        phone.accounts[0].secrets.verification_code = Some(bad);
        let e = phone.verification_code_at(&alice, 59).unwrap_err();
        assert!(e.to_string().contains(says), "{says}: {e}");
    }
}

/// Several processes on one state file.
mod shared;

#[test]
fn a_phone_enrolled_while_another_command_made_the_file_is_adopted_into_it() {
    let path = temp("adopt");
    let (mut first, _, _) = enrolled(5);
    first.save(&path).unwrap();
    // The other command's phone, made before the file existed: its save never writes over.
    let (mut late, _, _) = enrolled(5);
    assert!(matches!(late.save(&path), Err(PhoneError::State(_))));
    // It holds an account the file has: refused as a whole, nothing written.
    let mut existing = Phone::load(&path, PIN).unwrap();
    match existing.absorb(late) {
        Err(PhoneError::AlreadyEnrolled(a)) => assert_eq!(a, AccountRef::new(SERVER, "alice")),
        other => panic!("{other:?}"),
    }
    assert_eq!(Phone::load(&path, PIN).unwrap().accounts().len(), 1);
    // A phone with new accounts: taken in and written, and they sign with the file's PIN.
    let (mut other, _, _) = enrolled(5);
    other.accounts.clear();
    let bob = add_offline(&mut other, SERVER, "bob", FACET);
    assert_eq!(existing.absorb(other).unwrap(), vec![bob.clone()]);
    let mut again = Phone::load(&path, PIN).unwrap();
    let names: Vec<String> = again
        .accounts()
        .into_iter()
        .map(|a| a.account.username)
        .collect();
    assert_eq!(names, vec![String::from("alice"), String::from("bob")]);
    assert!(
        again
            .sign_for(&bob, &notification_at(1, FACET, "bob"), PIN)
            .is_ok()
    );
}
