//! # uaf-load — a load generator for `uaf-server`
//!
//! Drives a running server over real HTTP with many simulated phones and browsers:
//! enrols N phones by invite (`uaf_phone::Phone`), then, at a given concurrency for a given
//! time, runs full phone sign-ins (the page's and the phone's six calls) and bare
//! conformance-API authentications (`POST get` + `POST respond`); prints throughput and
//! p50/p90/p99/max latency per call kind and per whole sign-in, and errors by kind, with
//! progress while it runs (`--json` for machines). In the same run it measures in-process
//! `uaf_rp::Service` finishing authentications on the server's own SQLite store and prints the
//! ratio HTTP rate ÷ in-process rate. See `docs/server.md`, "Performance".
//!
//! Exit status: 0 when every call succeeded, 1 when any failed, 2 on a usage or setup error.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A std-only binary: `std::` paths are the natural ones here.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod http;
mod inprocess;
mod stats;

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use serde::Serialize;
use uaf_phone::{Enrollment, Phone};
use uaf_server::{Durability, SqliteOptions, create_invite, unix_now};

use crate::http::{Client, Failure};
use crate::stats::{PhaseSummary, Stats};

/// Why the run could not go on.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum LoadError {
    /// A wrong argument.
    Usage(String),
    /// The server or its database cannot be used.
    Setup(String),
    /// The in-process measurement failed.
    InProcess(String),
}

impl core::fmt::Display for LoadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LoadError::Usage(m) => write!(f, "usage: {m}"),
            LoadError::Setup(m) => write!(f, "setup: {m}"),
            LoadError::InProcess(m) => write!(f, "in-process measurement: {m}"),
        }
    }
}

/// A phase of HTTP load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum Phase {
    /// Full phone sign-ins: browser start, phone notifications, phone respond, browser
    /// status, complete, me.
    Signin,
    /// Bare conformance-API authentications: `POST get` (Auth), `POST respond` (needs the
    /// server's `--conformance-api`).
    Respond,
}

/// The SQLite durability of the in-process store (`uaf-server --durability`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum DurabilityArg {
    /// synchronous=FULL (the server's default).
    Full,
    /// WAL synchronous=NORMAL.
    Normal,
}

/// Whether the in-process store syncs its commits in groups (`uaf-server --group-commit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum GroupCommitArg {
    /// One sync for the commits made meanwhile (the server's default).
    On,
    /// A sync inside every commit.
    Off,
}

/// Load generator for uaf-server: simulated phones and browsers over HTTP, and the
/// in-process verification rate on the same backend.
#[derive(Parser, Debug)]
#[command(name = "uaf-load", version, about, long_about = None)]
struct Args {
    /// The server: http://host:port[/prefix].
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// The server's database (SQLite path or postgres:// URL): where the phones' invites are
    /// made, as `uaf-server invite` does.
    #[arg(long)]
    database: String,
    /// Simultaneous clients (one thread each).
    #[arg(long, short = 'c', default_value_t = 10)]
    concurrency: usize,
    /// Phones to enrol (default: the concurrency; at least one per client is used).
    #[arg(long)]
    phones: Option<usize>,
    /// Seconds each phase runs.
    #[arg(long, short = 'd', default_value_t = 10.0)]
    duration: f64,
    /// The phases to run, in order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "signin,respond"
    )]
    phases: Vec<Phase>,
    /// The conformance API token of the server (`--conformance-api-token`), sent as
    /// `Authorization: Bearer …` on `get` and `respond`.
    #[arg(long, env = "UAF_LOAD_TOKEN")]
    token: Option<String>,
    /// In-process authentications to finish for the comparison (0: skip the measurement).
    #[arg(long, default_value_t = 2000)]
    in_process: usize,
    /// The SQLite durability of the in-process measurement: give the server's
    /// `--durability` (full: synchronous=FULL; normal: WAL synchronous=NORMAL).
    #[arg(long, value_enum, default_value = "full")]
    durability: DurabilityArg,
    /// The SQLite group commit of the in-process measurement: give the server's
    /// `--group-commit` (on: one sync of the log for the commits made meanwhile; off: a sync
    /// inside every commit). Only with `--durability full`.
    #[arg(long, value_enum, default_value = "on")]
    group_commit: GroupCommitArg,
    /// Threads of the in-process measurement (default: the clients, `--concurrency`).
    #[arg(long)]
    in_process_threads: Option<usize>,
    /// The PIN of the simulated phones.
    #[arg(long, default_value = "1234")]
    pin: String,
    /// Prefix of the account names enrolled (default: `load-<pid>-<unix time>-`).
    #[arg(long)]
    user_prefix: Option<String>,
    /// Print the result as one JSON object on stdout (progress stays on stderr).
    #[arg(long)]
    json: bool,
    /// No progress lines on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// The whole result (`--json`).
#[derive(Serialize)]
struct Report {
    version: &'static str,
    server: String,
    concurrency: usize,
    phones: usize,
    /// The signature backend of this binary (the in-process measurement's).
    backend: &'static str,
    enrol: PhaseSummary,
    signin: Option<PhaseSummary>,
    respond: Option<PhaseSummary>,
    in_process: Option<PhaseSummary>,
    in_process_threads: usize,
    /// The SQLite durability of the in-process store.
    durability: DurabilityArg,
    /// The SQLite group commit of the in-process store.
    group_commit: GroupCommitArg,
    /// HTTP conformance authentications/s ÷ in-process finished authentications/s.
    ratio: Option<f64>,
    errors: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("uaf-load: {e}");
            ExitCode::from(2)
        }
    }
}

/// Live counters for the progress line.
#[derive(Default)]
struct Progress {
    ok: AtomicU64,
    failed: AtomicU64,
}

fn run(args: &Args) -> Result<u64, LoadError> {
    if args.concurrency == 0 {
        return Err(LoadError::Usage(String::from(
            "--concurrency must be at least 1",
        )));
    }
    if !(args.duration > 0.0 && args.duration.is_finite()) {
        return Err(LoadError::Usage(String::from(
            "--duration must be positive",
        )));
    }
    let phones_wanted = args.phones.unwrap_or(args.concurrency).max(1);
    let prefix = args
        .user_prefix
        .clone()
        .unwrap_or_else(|| format!("load-{}-{}-", std::process::id(), unix_now()));
    Client::new(&args.server, None)
        .health()
        .map_err(|Failure(m)| LoadError::Setup(format!("the server does not answer: {m}")))?;
    let db = uaf_server::store::open(&args.database, 2)
        .map_err(|e| LoadError::Setup(format!("database {}: {e}", args.database)))?;

    // Enrolment, in parallel.
    note(args, &format!("enrolling {phones_wanted} phones…"));
    let (enrolled, enrol_stats, enrol_secs) = enrol(args, &*db, &prefix, phones_wanted)?;
    let enrol = enrol_stats.summary(enrol_secs);
    if enrolled.is_empty() {
        if !args.json {
            enrol.print("enrolment");
        }
        return Err(LoadError::Setup(String::from("no phone could be enrolled")));
    }
    let phones = enrolled.len();
    let mut errors = enrol.errors.values().sum::<u64>();

    // Phones dealt to the clients, round-robin.
    let clients = args.concurrency.min(phones);
    let mut groups: Vec<Vec<Phone>> = (0..clients).map(|_| Vec::new()).collect();
    for (i, p) in enrolled.into_iter().enumerate() {
        if let Some(g) = groups.get_mut(i % clients) {
            g.push(p);
        }
    }

    let mut signin = None;
    let mut respond = None;
    for phase in &args.phases {
        let (summary, back) = load_phase(args, *phase, groups);
        groups = back;
        errors += summary.errors.values().sum::<u64>();
        match phase {
            Phase::Signin => signin = Some(summary),
            Phase::Respond => respond = Some(summary),
        }
    }

    // As many in-process threads as HTTP clients: the same concurrency on both sides.
    let threads = args.in_process_threads.unwrap_or(clients).max(1);
    let in_process = if args.in_process > 0 {
        note(
            args,
            &format!(
                "in-process: {} authentications on {threads} threads…",
                args.in_process
            ),
        );
        let durability = match args.durability {
            DurabilityArg::Full => Durability::Full,
            DurabilityArg::Normal => Durability::Normal,
        };
        let sqlite = SqliteOptions::with_durability(durability)
            .group_commit(args.group_commit == GroupCommitArg::On);
        let s = inprocess::measure(threads, args.in_process, &args.pin, sqlite)?;
        errors += s.errors.values().sum::<u64>();
        Some(s)
    } else {
        None
    };
    let ratio = match (&respond, &in_process) {
        (Some(r), Some(i)) if i.rate_of("finish_authentication") > 0.0 => {
            Some(r.rate_of("auth") / i.rate_of("finish_authentication"))
        }
        _ => None,
    };

    let report = Report {
        version: env!("CARGO_PKG_VERSION"),
        server: args.server.clone(),
        concurrency: clients,
        phones,
        backend: uaf_crypto::Backend::fastest().name(),
        enrol,
        signin,
        respond,
        in_process,
        in_process_threads: threads,
        durability: args.durability,
        group_commit: args.group_commit,
        ratio,
        errors,
    };
    if args.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| LoadError::Setup(format!("JSON: {e}")))?;
        println!("{text}");
    } else {
        print_report(&report);
    }
    Ok(errors)
}

fn note(args: &Args, line: &str) {
    if !args.quiet {
        eprintln!("uaf-load: {line}");
    }
}

fn print_report(r: &Report) {
    println!(
        "uaf-load {} against {}: {} clients, {} phones; in-process backend {}",
        r.version, r.server, r.concurrency, r.phones, r.backend
    );
    r.enrol.print("enrolment");
    if let Some(s) = &r.signin {
        s.print("phone sign-ins (signin = the whole six-call sign-in)");
    }
    if let Some(s) = &r.respond {
        s.print("conformance authentications (auth = get + sign + respond)");
    }
    if let Some(s) = &r.in_process {
        s.print(&format!(
            "in-process finish_authentication, SQLite file (durability {:?}, group commit {:?}), {} threads",
            r.durability, r.group_commit, r.in_process_threads
        ));
    }
    if let Some(ratio) = r.ratio {
        println!(
            "ratio: HTTP conformance authentications/s ÷ in-process finish_authentication/s = {ratio:.3}"
        );
    }
    println!("errors: {}", r.errors);
}

/// Enrols `n` phones with `args.concurrency` threads; returns the phones enrolled.
fn enrol(
    args: &Args,
    db: &dyn uaf_server::Backend,
    prefix: &str,
    n: usize,
) -> Result<(Vec<Phone>, Stats, f64), LoadError> {
    // The invites first (one database connection, sequential: cheap).
    let mut invites = Vec::with_capacity(n);
    for i in 0..n {
        let user = format!("{prefix}{i}");
        let invite = create_invite(db, &user, unix_now())
            .map_err(|e| LoadError::Setup(format!("invite for {user}: {e}")))?;
        invites.push((user, invite.code));
    }
    let threads = args.concurrency.min(n).max(1);
    let mut chunks: Vec<Vec<(String, String)>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, inv) in invites.into_iter().enumerate() {
        if let Some(c) = chunks.get_mut(i % threads) {
            c.push(inv);
        }
    }
    let t = Instant::now();
    let results: Vec<(Vec<Phone>, Stats)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut phones = Vec::new();
                    let mut stats = Stats::default();
                    for (user, code) in chunk {
                        let start = Instant::now();
                        match Phone::enroll(&Enrollment::new(&args.server, &user, &code, &args.pin))
                        {
                            Ok(p) => {
                                stats.record("enrol", start.elapsed());
                                phones.push(p);
                            }
                            Err(e) => stats.error(format!("enrol: {e}")),
                        }
                    }
                    (phones, stats)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    let mut st = Stats::default();
                    st.error(String::from("enrol: a thread panicked"));
                    (Vec::new(), st)
                })
            })
            .collect()
    });
    let secs = t.elapsed().as_secs_f64();
    let mut phones = Vec::new();
    let mut stats = Stats::default();
    for (mut p, st) in results {
        phones.append(&mut p);
        stats.merge(st);
    }
    Ok((phones, stats, secs))
}

/// Runs one phase for `args.duration` seconds, one thread per group of phones; returns the
/// summary and the phones (their counters moved on).
fn load_phase(
    args: &Args,
    phase: Phase,
    groups: Vec<Vec<Phone>>,
) -> (PhaseSummary, Vec<Vec<Phone>>) {
    let name = match phase {
        Phase::Signin => "signin",
        Phase::Respond => "respond",
    };
    note(
        args,
        &format!("{name}: {} clients for {} s…", groups.len(), args.duration),
    );
    let progress = Arc::new(Progress::default());
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration);
    let t = Instant::now();
    let (stats, back) = std::thread::scope(|s| {
        let ticker = (!args.quiet).then(|| {
            let progress = Arc::clone(&progress);
            let stop = Arc::clone(&stop);
            s.spawn(move || tick(name, &progress, &stop, t))
        });
        let handles: Vec<_> = groups
            .into_iter()
            .map(|mut phones| {
                let progress = Arc::clone(&progress);
                s.spawn(move || {
                    let client = Client::new(&args.server, args.token.as_deref());
                    let mut stats = Stats::default();
                    let mut next = 0usize;
                    while Instant::now() < deadline && !phones.is_empty() {
                        let i = next % phones.len();
                        next = next.wrapping_add(1);
                        let Some(phone) = phones.get_mut(i) else {
                            break;
                        };
                        let outcome = match phase {
                            Phase::Signin => client.phone_signin(phone, &args.pin, &mut stats),
                            Phase::Respond => client.conformance_auth(phone, &args.pin, &mut stats),
                        };
                        match outcome {
                            Ok(()) => progress.ok.fetch_add(1, Ordering::Relaxed),
                            Err(Failure(kind)) => {
                                stats.error(kind);
                                progress.failed.fetch_add(1, Ordering::Relaxed)
                            }
                        };
                    }
                    (stats, phones)
                })
            })
            .collect();
        let mut all = Stats::default();
        let mut back = Vec::new();
        for h in handles {
            match h.join() {
                Ok((st, phones)) => {
                    all.merge(st);
                    back.push(phones);
                }
                Err(_) => all.error(format!("{name}: a client thread panicked")),
            }
        }
        stop.store(true, Ordering::Relaxed);
        if let Some(tk) = ticker {
            let _ = tk.join();
        }
        (all, back)
    });
    (stats.summary(t.elapsed().as_secs_f64()), back)
}

/// Prints a progress line every second until `stop`.
fn tick(name: &str, p: &Progress, stop: &AtomicBool, start: Instant) {
    let mut last = 0u64;
    let mut shown = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if shown.elapsed() < Duration::from_secs(1) {
            continue;
        }
        shown = Instant::now();
        let ok = p.ok.load(Ordering::Relaxed);
        let failed = p.failed.load(Ordering::Relaxed);
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "uaf-load: [{:>5.1} s] {name}: {ok} ok ({} in the last second), {failed} failed",
            start.elapsed().as_secs_f64(),
            ok.saturating_sub(last)
        );
        last = ok;
    }
}
