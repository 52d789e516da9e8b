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
//!
//! With `--in-process-cpus`, thread `i` runs pinned to the `i`-th CPU of the list
//! (round-robin) from its start. The CPU time of the finishing is this process's own
//! (`/proc/self/stat`), read when every thread has prepared and after the last has finished:
//! nothing else of `uaf-load` runs then (the HTTP phases, their clients and progress thread
//! have ended, the in-process server has stopped; the SQLite group sync is done by the
//! committing threads themselves). The number of threads alive is read too, so that the
//! report can say if any other existed.

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
use crate::pin::{self, CpuList};
use crate::proc::{Meter, PhaseCpu};
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

/// What the in-process measurement found.
pub(crate) struct Measured {
    /// The rate, the latencies and (with a meter) the CPU time.
    pub(crate) summary: PhaseSummary,
    /// Threads of this process alive while finishing, beyond the finishing threads and the
    /// main thread (`None`: not read).
    pub(crate) other_threads: Option<u64>,
}

/// Measures `total` in-process authentications over `threads` threads (one phone each),
/// pinned to `cpus` when given, with their CPU time when `meter` is given.
pub(crate) fn measure(
    threads: usize,
    total: usize,
    pin: &str,
    sqlite: SqliteOptions,
    cpus: Option<&CpuList>,
    meter: Option<&Meter>,
) -> Result<Measured, LoadError> {
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
    // `ready`: every thread has prepared (the main thread reads the CPU time then);
    // `go`: they finish.
    let ready = Barrier::new(threads + 1);
    let go = Barrier::new(threads + 1);
    let (stats, secs, cpu) = std::thread::scope(|s| -> Result<_, LoadError> {
        let mut handles = Vec::with_capacity(threads);
        for (i, mut phone) in phones.into_iter().enumerate() {
            let service = &service;
            let (ready, go) = (&ready, &go);
            let writes = &stores.authentication_writes;
            let cpu = cpus.and_then(|l| l.for_thread(i));
            handles.push(s.spawn(move || -> Result<Stats, LoadError> {
                let prepared = match cpu {
                    Some(c) => pin::pin_current(c).map_err(LoadError::InProcess),
                    None => Ok(()),
                }
                .and_then(|()| prepare(service, &mut phone, per_thread, pin));
                // Everyone waits, whatever happened, so that the main thread is not stuck.
                ready.wait();
                go.wait();
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
        ready.wait();
        let start = meter.and_then(Meter::read_own);
        let t = Instant::now();
        go.wait();
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
        let end = meter.and_then(Meter::read_own);
        match failure {
            Some(e) => Err(e),
            None => Ok((all, secs, start.zip(end))),
        }
    })?;
    let mut summary = stats.summary(secs);
    let mut other_threads = None;
    if let (Some(m), Some((start, end))) = (meter, cpu) {
        let finished = summary.count_of("finish_authentication");
        summary.cpu = Some(PhaseCpu::new(
            m,
            (start, end),
            "finish_authentication",
            (finished, 0),
            secs,
        ));
        let expected = u64::try_from(threads).unwrap_or(u64::MAX).saturating_add(1);
        other_threads = Some(start.own_threads.saturating_sub(expected));
    }
    Ok(Measured {
        summary,
        other_threads,
    })
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
