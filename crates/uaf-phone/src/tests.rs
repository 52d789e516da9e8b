//! The keystore: what the state file holds, the PIN lockout, tampering, old files. A phone
//! is enrolled offline (the registration request is made here; no server).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

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

fn header(op: Operation) -> OperationHeader {
    let mut h = OperationHeader::new(Version::V1_1, op);
    h.app_id = Some(AppId::new(FACET).unwrap());
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
    let request = AuthenticationRequest {
        header: header(Operation::Auth),
        challenge: ServerChallenge::new(vec![i; 32]).unwrap(),
        transaction: vec![],
        policy: policy(),
    }
    .to_json();
    Notification {
        attempt: format!("a{i}"),
        uaf_request: request,
        site: String::from("phone.test"),
        username: String::from("alice"),
        match_code: String::from("42"),
        created_at: 0,
        expires_at: 0,
        context: None,
    }
}

/// What `Phone::enroll` does, without the server.
fn enrolled(max: u8) -> (Phone, [u8; 32], [u8; 32]) {
    let request = RegistrationRequest {
        header: header(Operation::Reg),
        challenge: ServerChallenge::new(vec![1; 32]).unwrap(),
        username: String::from("alice"),
        policy: policy(),
    }
    .to_json();
    let salt = os_random::<{ seal::SALT_LEN }>().unwrap();
    let key = SealKey::derive(PIN, &salt, fast()).unwrap();
    let seed = os_random::<32>().unwrap();
    let asm_token = os_random::<32>().unwrap();
    let (mut client, rng) = build_device(seed, asm_token, pin_pad(PIN).unwrap(), max).unwrap();
    pad_of(&mut client).unwrap().enter(PIN);
    let (_, key_id) = register(&mut client, &request, FACET, None).unwrap();
    rng.go_live().unwrap();
    let phone = Phone {
        state: Secrets {
            server: String::from(SERVER),
            username: String::from("alice"),
            facet_id: String::from(FACET),
            trusted_facets: None,
            aaid: String::from(AAID),
            key_id,
            device_token: String::from(TOKEN),
            authenticator_seed: b64(&seed),
            asm_token: b64(&asm_token),
            enrollment_request: request,
        },
        keystore: Keystore {
            kdf: fast(),
            salt,
            key,
            max_attempts: max,
            failed: 0,
            path: None,
            file: None,
        },
        client,
        http: Http::new(SERVER).unwrap(),
    };
    (phone, seed, asm_token)
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
    assert_eq!(v["version"], 2);
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
    assert_eq!(loaded.state.device_token, TOKEN);
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
