//! The in-process measurement: `uaf_rp::Service::finish_authentication_message_committing`
//! (what the server's conformance `respond` runs: the strict parse, the verification, and the
//! challenge take + counter advance in one transaction) on the server's own SQLite store (a
//! file in a temporary directory, opened as `uaf-server` opens it, with the `--durability`
//! given and group commit as the server's default), with the signature backend compiled into
//! this binary, without HTTP.
//!
//! The phones are enrolled through a short-lived in-process `uaf-server` on loopback (so
//! their keys are registered exactly as over the wire); then the server stops, a
//! `uaf_rp::Service` is built over the same database file, every thread prepares its
//! authentications (`start_authentication` + the phone's signature, untimed) and, all
//! threads together, finishes them: the rate is finished authentications per second of wall
//! time.

use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_metadata::MetadataIndex;
use uaf_phone::{Enrollment, Phone};
use uaf_rp::{
    AuthenticationOptions, AuthenticationRequirements, RelyingParty, RelyingPartyBuilder, Service,
};
use uaf_server::store::system_clock;
use uaf_server::{
    Server, ServerConfig, SqliteDatabase, SqliteOptions, Stores, create_invite, unix_now,
};
use uaf_signin_api::Notification;

use crate::LoadError;
use crate::stats::{PhaseSummary, Stats};

/// The challenge lifetime of the in-process relying party (the server's default).
const TTL: u64 = 300;

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn seeded_rng() -> Result<ChaCha20Rng, LoadError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| LoadError::InProcess(format!("randomness: {e}")))?;
    Ok(ChaCha20Rng::from_seed(seed))
}

fn err(what: &str) -> impl Fn(String) -> LoadError + '_ {
    move |e| LoadError::InProcess(format!("{what}: {e}"))
}

/// Measures `total` in-process authentications over `threads` threads (one phone each).
pub(crate) fn measure(
    threads: usize,
    total: usize,
    pin: &str,
    sqlite: SqliteOptions,
) -> Result<PhaseSummary, LoadError> {
    let threads = threads.max(1);
    let dir = TempDir(std::env::temp_dir().join(format!("uaf-load-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).map_err(|e| err("temp dir")(e.to_string()))?;
    let metadata = dir.0.join("metadata");
    uaf_phone::write_metadata(&metadata).map_err(|e| err("metadata")(e.to_string()))?;
    let db_path = dir.0.join("server.db");

    // Enrol the phones over loopback, as a real phone does.
    let mut config = ServerConfig::default();
    config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.database = db_path.clone();
    config.metadata = Some(metadata.clone());
    config.challenge_ttl_secs = TTL;
    config.durability = sqlite.durability;
    config.group_commit = sqlite.group_commit;
    let server = Server::spawn(config).map_err(|e| err("in-process server")(e.to_string()))?;
    let db = SqliteDatabase::open_with_options(&db_path, sqlite)
        .map_err(|e| err("database")(e.to_string()))?;
    let mut phones = Vec::with_capacity(threads);
    for i in 0..threads {
        let user = format!("inproc-{i}");
        let invite =
            create_invite(&db, &user, unix_now()).map_err(|e| err("invite")(e.to_string()))?;
        let phone = Phone::enroll(&Enrollment::new(
            &server.base_url(),
            &user,
            &invite.code,
            pin,
        ))
        .map_err(|e| err("enrol")(e.to_string()))?;
        phones.push(phone);
    }
    let app_id = server.app_id().to_owned();
    server
        .shutdown()
        .map_err(|e| err("in-process server")(e.to_string()))?;

    // The relying party over the same file, as the server builds it.
    let rp_config = RelyingPartyBuilder::new(app_id)
        .challenge_ttl_secs(TTL)
        .build()
        .map_err(|e| err("relying party")(e.to_string()))?;
    let index = MetadataIndex::load_dir(&metadata).map_err(|e| err("metadata")(e.to_string()))?;
    let stores = Stores::new(&db, TTL, system_clock());
    let service = Service::new(
        RelyingParty::new(rp_config, index),
        Arc::clone(&stores.credentials),
        Arc::clone(&stores.pending_registrations),
        Arc::clone(&stores.pending_authentications),
    );

    let per_thread = total.div_ceil(threads).max(1);
    let barrier = Barrier::new(threads + 1);
    let (stats, secs) = std::thread::scope(|s| -> Result<(Stats, f64), LoadError> {
        let mut handles = Vec::with_capacity(threads);
        for mut phone in phones {
            let service = &service;
            let barrier = &barrier;
            let writes = &stores.authentication_writes;
            handles.push(s.spawn(move || -> Result<Stats, LoadError> {
                let prepared = prepare(service, &mut phone, per_thread, pin);
                // Everyone waits, whatever happened, so that the main thread is not stuck.
                barrier.wait();
                let prepared = prepared?;
                let mut stats = Stats::default();
                for response in prepared {
                    let t = Instant::now();
                    // What the server's `respond` does: one strict parse, then the
                    // verification and the one-transaction take + counter advance.
                    let finished = match service
                        .relying_party()
                        .parse_authentication_response(&response)
                    {
                        Ok(msg) => service
                            .finish_authentication_message_committing(
                                &msg,
                                unix_now(),
                                &AuthenticationRequirements::new(),
                                writes,
                            )
                            .map(drop),
                        Err(e) => Err(e),
                    };
                    match finished {
                        Ok(()) => stats.record("finish_authentication", t.elapsed()),
                        Err(e) => stats.error(format!("finish_authentication: {}", e.kind.code())),
                    }
                }
                Ok(stats)
            }));
        }
        barrier.wait();
        let t = Instant::now();
        let mut all = Stats::default();
        let mut failure = None;
        for h in handles {
            match h.join() {
                Ok(Ok(st)) => all.merge(st),
                Ok(Err(e)) => failure = Some(e),
                Err(_) => failure = Some(LoadError::InProcess(String::from("a thread panicked"))),
            }
        }
        let secs = t.elapsed().as_secs_f64();
        match failure {
            Some(e) => Err(e),
            None => Ok((all, secs)),
        }
    })?;
    Ok(stats.summary(secs))
}

/// `n` authentication responses of `phone`, each to its own fresh request (in counter order).
fn prepare<S>(service: &S, phone: &mut Phone, n: usize, pin: &str) -> Result<Vec<String>, LoadError>
where
    S: StartAuth,
{
    let mut rng = seeded_rng()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let request = service.start(phone.username(), &mut rng)?;
        let note = Notification {
            attempt: String::new(),
            uaf_request: request,
            site: String::new(),
            username: phone.username().to_owned(),
            match_code: String::new(),
            created_at: 0,
            expires_at: 0,
            context: None,
        };
        out.push(
            phone
                .sign(&note, pin)
                .map_err(|e| err("sign")(e.to_string()))?,
        );
    }
    Ok(out)
}

/// `start_authentication` of the in-process service (keeps `prepare` readable).
trait StartAuth {
    fn start(&self, user: &str, rng: &mut ChaCha20Rng) -> Result<String, LoadError>;
}

impl<M, C, PR, PA, V> StartAuth for Service<M, C, PR, PA, V>
where
    M: uaf_metadata::MetadataSource,
    V: uaf_crypto::SignatureVerifier,
    C: uaf_rp::store::CredentialStore,
    PR: uaf_rp::store::PendingStore<uaf_rp::PendingRegistration>,
    PA: uaf_rp::store::PendingStore<uaf_rp::PendingAuthentication>,
{
    fn start(&self, user: &str, rng: &mut ChaCha20Rng) -> Result<String, LoadError> {
        self.start_authentication(Some(user), AuthenticationOptions::new(), unix_now(), rng)
            .map_err(|e| err("start_authentication")(e.to_string()))
    }
}
