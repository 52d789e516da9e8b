//! `--mds-blob`: the server with a Metadata Service BLOB made by a test MDS CA. A model the
//! BLOB marks REVOKED is refused at registration; a bad new BLOB (by reload or file change)
//! is ignored and the old one stays; a good newer one takes over; a local statement wins over
//! the BLOB; a bad BLOB stops the start.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

// The test MDS (root → signing CA → BLOB signer, CRLs, JWS signing) of uaf-metadata's tests.
#[path = "../../uaf-metadata/tests/blob_support/mod.rs"]
mod blob_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use blob_support::{NOW, TestMds, payload};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng as _;
use serde_json::{Value, json};
use uaf_authenticator::{AttestationConfig, Authenticator, Profile, ScriptedUser};
use uaf_client::{AuthenticatorOptions, Client, ClientConfig, ClientRequest};
use uaf_proto::id::Aaid;
use uaf_server::{MdsConfig, Server, ServerConfig, ServerError, ServerHandle, StatusCodeMode};

const APP_ID: &str = "https://uaf.example.com/facets.json";
const FACET: &str = "https://uaf.example.com";
const AAID: &str = "FFFF#FB02";

fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("uaf-server-mds-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn phone(seed: u64) -> Authenticator<ChaCha20Rng, ScriptedUser> {
    let profile = Profile::builder(Aaid::parse(AAID).unwrap())
        .attestation(AttestationConfig::BasicSurrogate)
        .build()
        .unwrap();
    Authenticator::new(
        profile,
        ChaCha20Rng::seed_from_u64(seed),
        ScriptedUser::approving("2468"),
    )
    .unwrap()
}

/// The phone model's statement in a BLOB entry whose latest status is `status`.
fn entry(status: &str) -> String {
    let statement = phone(1).metadata_statement();
    format!(
        r#"{{"aaid":"{AAID}","metadataStatement":{statement},"statusReports":[
        {{"status":"FIDO_CERTIFIED_L1","effectiveDate":"2023-01-01"}},
        {{"status":"{status}","effectiveDate":"2024-01-01"}}],"timeOfLastStatusChange":"2024-01-01"}}"#
    )
}

/// Writes the root and CRLs of `mds` into `dir`; a config with the BLOB at `dir/blob.jwt`.
fn config(dir: &Path, mds: &TestMds) -> ServerConfig {
    std::fs::write(dir.join("root.der"), &mds.root).unwrap();
    let crls = mds.crls();
    std::fs::write(dir.join("root.crl"), &crls[0]).unwrap();
    std::fs::write(dir.join("ca.crl"), &crls[1]).unwrap();
    let mut m = MdsConfig::new(dir.join("blob.jwt"));
    m.roots = vec![dir.join("root.der")];
    m.crls = vec![dir.join("root.crl"), dir.join("ca.crl")];
    m.poll_interval = Duration::from_millis(50);
    let mut c = ServerConfig::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.app_id = Some(APP_ID.into());
    c.database = ":memory:".into();
    c.status_codes = StatusCodeMode::Specific;
    c.conformance_api = true;
    c.conformance_api_token = Some(String::from("mds-blob-test-conformance-token"));
    c.clock = Arc::new(|| NOW + 86_400);
    c.mds = Some(m);
    c
}

fn post(url: &str, body: &Value) -> Value {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build(),
    );
    let mut r = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
}

/// Registers a fresh phone of the model for `user` through the conformance API: the
/// `statusCode` of `/respond`.
fn register(server: &ServerHandle, user: &str, seed: u64) -> u64 {
    let base = server.conformance_url().unwrap();
    let request = post(
        &format!("{base}/get"),
        &json!({"op": "Reg", "context": json!({"username": user}).to_string()}),
    );
    let uaf_request = request["uafRequest"].as_str().unwrap();
    let mut client = Client::new(
        ClientConfig::default(),
        &mut ChaCha20Rng::seed_from_u64(seed),
    );
    client.add_authenticator(phone(seed), AuthenticatorOptions::with_version(1));
    let response = client
        .process(&ClientRequest::new(uaf_request, FACET))
        .unwrap()
        .response()
        .cloned()
        .unwrap();
    let answer = post(
        &format!("{base}/respond"),
        &json!({"uafResponse": response.message}),
    );
    answer["statusCode"].as_u64().unwrap()
}

/// Waits until `done` holds for the server's metadata status (the watcher polls every 50 ms).
fn wait_for(server: &ServerHandle, done: impl Fn(&uaf_server::MetadataStatus) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(&server.metadata_status()) {
        assert!(
            Instant::now() < deadline,
            "metadata status: {:?}",
            server.metadata_status()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

const REVOKED_AUTHENTICATOR: u64 = 1493;
const OK: u64 = 1200;

#[test]
fn revoked_in_the_blob_is_refused_and_a_bad_new_blob_is_ignored() {
    let dir = temp("reload");
    let mds = TestMds::new();
    let blob_path = dir.join("blob.jwt");
    std::fs::write(
        &blob_path,
        mds.blob(&payload(10, "2026-02-01", &[entry("REVOKED")])),
    )
    .unwrap();
    let server = Server::spawn(config(&dir, &mds)).unwrap();
    let status = server.metadata_status();
    assert_eq!(status.blob_no, Some(10));
    assert_eq!(status.entries, 1);
    assert_eq!(register(&server, "alice", 1), REVOKED_AUTHENTICATOR);

    // A newer BLOB that would certify the model, with a broken signature: refused by an
    // explicit reload (what SIGHUP does), the old BLOB stays.
    let good = mds.blob(&payload(11, "2026-02-01", &[entry("FIDO_CERTIFIED_L1")]));
    let (input, signature) = good.rsplit_once('.').unwrap();
    let mut sig = uaf_proto::b64::Base64Policy::Strict
        .decode(signature)
        .unwrap();
    sig[5] ^= 1;
    let forged = format!("{input}.{}", uaf_proto::b64::encode(&sig));
    std::fs::write(&blob_path, &forged).unwrap();
    let err = server.reload_metadata().unwrap_err();
    assert!(err.contains("signature does not verify"), "{err}");
    let status = server.metadata_status();
    assert_eq!(status.blob_no, Some(10));
    assert!(status.reloads_refused >= 1);
    assert_eq!(register(&server, "bob", 2), REVOKED_AUTHENTICATOR);

    // A replayed older BLOB, noticed by the file watcher: refused as not newer.
    let refused = server.metadata_status().reloads_refused;
    std::fs::write(
        &blob_path,
        mds.blob(&payload(9, "2026-02-01", &[entry("FIDO_CERTIFIED_L1")])),
    )
    .unwrap();
    wait_for(&server, |s| s.reloads_refused > refused);
    let status = server.metadata_status();
    assert_eq!(status.blob_no, Some(10));
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("not greater than the last accepted number 10")),
        "{status:?}"
    );
    assert_eq!(register(&server, "carol", 3), REVOKED_AUTHENTICATOR);

    // The good newer BLOB, noticed by the watcher: it takes over.
    std::fs::write(&blob_path, &good).unwrap();
    wait_for(&server, |s| s.blob_no == Some(11));
    assert_eq!(server.metadata_status().last_error, None);
    assert_eq!(register(&server, "dave", 4), OK);
    server.shutdown().unwrap();
}

#[test]
fn a_local_statement_wins_over_the_blob() {
    let dir = temp("local");
    let mds = TestMds::new();
    std::fs::write(
        dir.join("blob.jwt"),
        mds.blob(&payload(3, "2026-02-01", &[entry("REVOKED")])),
    )
    .unwrap();
    let local = dir.join("metadata");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join("phone.json"), phone(1).metadata_statement()).unwrap();
    let mut c = config(&dir, &mds);
    c.metadata = Some(local);
    let server = Server::spawn(c).unwrap();
    let status = server.metadata_status();
    assert_eq!(status.overridden_by_local, 1);
    assert_eq!(status.entries, 1);
    assert_eq!(register(&server, "erin", 5), OK);
}

#[test]
fn a_bad_blob_stops_the_start() {
    let dir = temp("start");
    let mds = TestMds::new();
    // Signed by the test MDS, but the CRL lists the signer.
    std::fs::write(
        dir.join("blob.jwt"),
        mds.blob(&payload(3, "2026-02-01", &[entry("REVOKED")])),
    )
    .unwrap();
    let mut c = config(&dir, &mds);
    let crls = mds.crls_with(&[blob_support::SIGNER_SERIAL], (2026, 2, 1));
    std::fs::write(dir.join("ca.crl"), &crls[1]).unwrap();
    let Err(ServerError::Metadata(message)) = Server::spawn(c.clone()) else {
        panic!("a BLOB with a revoked signer must stop the start")
    };
    assert!(message.contains("blob.jwt"), "{message}");
    assert!(message.contains("revoked"), "{message}");
    // Without the CRLs: revocation unknown, refused too.
    if let Some(m) = c.mds.as_mut() {
        m.crls.clear();
    }
    let Err(ServerError::Metadata(message)) = Server::spawn(c.clone()) else {
        panic!("a BLOB without CRLs must stop the start")
    };
    assert!(message.contains("revocation status"), "{message}");
    // ... unless revocation is explicitly skipped.
    if let Some(m) = c.mds.as_mut() {
        m.danger_skip_revocation = true;
    }
    let server = Server::spawn(c).unwrap();
    assert_eq!(server.metadata_status().blob_no, Some(3));
}

#[test]
fn the_binary_refuses_a_bad_blob_and_mds_flags_without_a_blob() {
    let dir = temp("binary");
    let blob = dir.join("blob.jwt");
    std::fs::write(&blob, "not a BLOB").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_uaf-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--database",
            ":memory:",
            "--mds-blob",
        ])
        .arg(&blob)
        .arg("--danger-mds-skip-revocation")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("blob.jwt") && stderr.contains("not a compact JWS"),
        "{stderr}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_uaf-server"))
        .args(["--database", ":memory:", "--mds-crl", "x.crl"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--mds-blob"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The binary reloads on SIGHUP (the poll is set to an hour, so only the signal can do it).
#[cfg(unix)]
#[test]
fn the_binary_reloads_on_sighup() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};

    let dir = temp("sighup");
    let mds = TestMds::new();
    let blob = dir.join("blob.jwt");
    std::fs::write(
        &blob,
        mds.blob(&payload(1, "2040-01-01", &[entry("REVOKED")])),
    )
    .unwrap();
    std::fs::write(dir.join("root.der"), &mds.root).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_uaf-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--database",
            ":memory:",
            "--mds-blob",
        ])
        .arg(&blob)
        .arg("--mds-root")
        .arg(dir.join("root.der"))
        // The test CRLs are dated for the tests' fixed clock, the binary uses the real one.
        .args(["--danger-mds-skip-revocation", "--mds-poll-secs", "3600"])
        .env("RUST_LOG", "uaf_server=info")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_line = |needle: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(e) => panic!("no log line with {needle:?}: {e}"),
            }
        }
    };
    let verified = wait_line("metadata BLOB verified");
    assert!(verified.contains("no=1"), "{verified}");
    wait_line("listening on");
    std::fs::write(
        &blob,
        mds.blob(&payload(2, "2040-01-01", &[entry("FIDO_CERTIFIED")])),
    )
    .unwrap();
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let reloaded = wait_line("metadata BLOB reloaded");
    assert!(
        reloaded.contains("SIGHUP") && reloaded.contains("no=2"),
        "{reloaded}"
    );
    // A second SIGHUP with the same file: refused as not newer, the server keeps running.
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let refused = wait_line("reload refused");
    assert!(refused.contains("not greater"), "{refused}");
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(child.wait().unwrap().success());
}
