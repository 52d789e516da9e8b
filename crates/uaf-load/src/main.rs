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
//! On Linux it also reads CPU time from `/proc` (`--server-pid` for the server's): per phase,
//! the server's CPU per operation and per HTTP call, its own per operation, and the CPU per
//! in-process finish, and prints the ratio of those (in-process CPU per finish ÷ server CPU
//! per HTTP authentication), which does not depend on where the generator runs.
//! `--in-process-cpus` pins the in-process threads; `--rate` runs the HTTP phases as an open
//! loop (a fixed schedule of starts, latency from when each was due).
//!
//! Exit status: 0 when every call succeeded, 1 when any failed, 2 on a usage or setup error.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A std-only binary: `std::` paths are the natural ones here.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod http;
mod inprocess;
mod pin;
mod proc;
mod schedule;
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

use crate::http::{AUTH_CALLS, Client, Failure, SIGNIN_CALLS};
use crate::pin::CpuList;
use crate::proc::{Meter, PhaseCpu};
use crate::schedule::{OpenLoop, Schedule, Start, Starts};
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
    /// Pin the in-process threads to these CPUs (`0`, `0-1,3`): thread i runs on the i-th
    /// CPU of the list, round-robin. Default: not pinned.
    #[arg(long, value_name = "LIST", value_parser = pin::parse_cpu_list)]
    in_process_cpus: Option<CpuList>,
    /// The server's process id: its CPU time (Linux `/proc/PID/stat`) is read at the start
    /// and end of each HTTP phase, for the server's CPU per operation and per call and the CPU
    /// ratio.
    #[arg(long, value_name = "PID")]
    server_pid: Option<u32>,
    /// Open loop: start operations on a schedule, this many per second over all clients
    /// (each client rate ÷ clients, evenly staggered), whatever the latency; the whole
    /// operation's latency counts from when it was due. Default: closed loop (each client
    /// starts its next operation when the last ends).
    #[arg(long, value_name = "PER_SECOND")]
    rate: Option<f64>,
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

/// Where the CPU figures come from (`--json`: `cpu`).
#[derive(Serialize)]
struct CpuSource {
    /// Clock ticks per second of `/proc/PID/stat`.
    clock_ticks_per_sec: Option<u64>,
    /// Where the tick was read.
    clock_tick_source: Option<&'static str>,
    /// `--server-pid`.
    server_pid: Option<u32>,
    /// The server process's command name.
    server_comm: Option<String>,
    /// Why figures are missing (`None`: all there).
    unavailable: Option<String>,
}

/// The CPUs each side may run on (`--json`: `cpus`).
#[derive(Serialize)]
struct Cpus {
    /// `Cpus_allowed_list` of uaf-load (`taskset -c`).
    load: Option<String>,
    /// `Cpus_allowed_list` of the server (with `--server-pid`).
    server: Option<String>,
    /// `--in-process-cpus` (`None`: not pinned).
    in_process: Option<String>,
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
    /// In-process CPU per finish ÷ the server's CPU per HTTP conformance authentication.
    cpu_ratio: Option<f64>,
    /// `--rate` (`None`: closed loop).
    rate: Option<f64>,
    cpu: CpuSource,
    cpus: Cpus,
    /// Threads of uaf-load alive during the in-process finishing beyond its own threads and
    /// the main thread.
    in_process_other_threads: Option<u64>,
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
    if let Some(r) = args.rate {
        Schedule::new(r, 1, 0).map_err(|e| LoadError::Usage(e.to_string()))?;
    }
    if let Some(list) = &args.in_process_cpus {
        pin::check_pinnable(list)
            .map_err(|e| LoadError::Usage(format!("--in-process-cpus: {e}")))?;
    }
    // CPU time: this process's, and the server's with --server-pid (a wrong id is an error;
    // no /proc is not: the figures are then unavailable and the report says so).
    let (meter, mut unavailable) = match Meter::new(args.server_pid) {
        Ok(m) => (Some(m), None),
        Err(e) => (None, Some(format!("no CPU figures: {e}"))),
    };
    let server_comm = match meter.as_ref().and_then(Meter::server_comm) {
        Some(Ok(comm)) => Some(comm),
        Some(Err(e)) => return Err(LoadError::Usage(format!("--server-pid: {e}"))),
        None => None,
    };
    if meter.is_some() && args.server_pid.is_none() {
        unavailable = Some(String::from("no server CPU figures: no --server-pid"));
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

    let schedules = match args.rate {
        Some(r) => Some(
            (0..clients)
                .map(|k| Schedule::new(r, clients, k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| LoadError::Usage(e.to_string()))?,
        ),
        None => None,
    };
    let mut signin = None;
    let mut respond = None;
    for phase in &args.phases {
        let (summary, back) =
            load_phase(args, *phase, groups, schedules.as_deref(), meter.as_ref());
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
        let m = inprocess::measure(
            threads,
            args.in_process,
            &args.pin,
            sqlite,
            args.in_process_cpus.as_ref(),
            meter.as_ref(),
        )?;
        errors += m.summary.errors.values().sum::<u64>();
        Some(m)
    } else {
        None
    };
    let (in_process, in_process_other_threads) = match in_process {
        Some(m) => (Some(m.summary), m.other_threads),
        None => (None, None),
    };
    let ratio = match (&respond, &in_process) {
        (Some(r), Some(i)) if i.rate_of("finish_authentication") > 0.0 => {
            Some(r.rate_of("auth") / i.rate_of("finish_authentication"))
        }
        _ => None,
    };
    let cpu_ratio = cpu_ratio(respond.as_ref(), in_process.as_ref());

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
        cpu_ratio,
        rate: args.rate,
        cpu: CpuSource {
            clock_ticks_per_sec: meter.as_ref().map(|m| m.clock.hz),
            clock_tick_source: meter.as_ref().map(|m| m.clock.source),
            server_pid: args.server_pid,
            server_comm,
            unavailable,
        },
        cpus: Cpus {
            load: proc::allowed_cpus_of(None),
            server: args.server_pid.and_then(|p| proc::allowed_cpus_of(Some(p))),
            in_process: args.in_process_cpus.as_ref().map(ToString::to_string),
        },
        in_process_other_threads,
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

/// In-process CPU per finish ÷ the server's CPU per HTTP conformance authentication: how
/// the server's work over HTTP compares with the in-process baseline, wherever the generator
/// runs.
fn cpu_ratio(respond: Option<&PhaseSummary>, in_process: Option<&PhaseSummary>) -> Option<f64> {
    let per_finish = in_process?.cpu.as_ref()?.load_ms_per_op?;
    let per_auth = respond?.cpu.as_ref()?.server_ms_per_op?;
    (per_auth > 0.0).then(|| per_finish / per_auth)
}

fn print_report(r: &Report) {
    let or_any = |c: &Option<String>| c.clone().unwrap_or_else(|| String::from("?"));
    println!(
        "uaf-load {} against {}: {} clients, {} phones, {}; in-process backend {}; CPUs: uaf-load {}, server {}, in-process {}",
        r.version,
        r.server,
        r.concurrency,
        r.phones,
        r.rate.map_or_else(
            || String::from("closed loop"),
            |x| format!("open loop at {x}/s")
        ),
        r.backend,
        or_any(&r.cpus.load),
        if r.cpu.server_pid.is_some() {
            or_any(&r.cpus.server)
        } else {
            String::from("?")
        },
        r.cpus
            .in_process
            .as_ref()
            .map_or_else(|| String::from("not pinned"), |l| format!("pinned to {l}")),
    );
    if let (Some(hz), Some(src)) = (r.cpu.clock_ticks_per_sec, r.cpu.clock_tick_source) {
        let server = match (r.cpu.server_pid, &r.cpu.server_comm) {
            (Some(pid), Some(comm)) => format!("; server: pid {pid} ({comm})"),
            _ => String::new(),
        };
        println!("CPU time from /proc (clock tick {hz}/s, from {src}){server}");
    }
    if let Some(why) = &r.cpu.unavailable {
        println!("CPU: {why}");
    }
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
        if let Some(n) = r.in_process_other_threads.filter(|n| *n > 0) {
            println!(
                "  note: {n} other thread(s) of uaf-load were alive while finishing (their CPU, if any, is in the figure)"
            );
        }
    }
    if let Some(ratio) = r.ratio {
        println!(
            "ratio: HTTP conformance authentications/s ÷ in-process finish_authentication/s = {ratio:.3}"
        );
    }
    if r.respond.is_some() && r.in_process.is_some() {
        match r.cpu_ratio {
            Some(x) => println!(
                "CPU ratio: in-process CPU per finish ÷ server CPU per HTTP authentication = {x:.3}"
            ),
            None => println!(
                "CPU ratio: unavailable ({})",
                r.cpu
                    .unavailable
                    .as_deref()
                    .unwrap_or("too few clock ticks counted")
            ),
        }
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

/// How long before the first start of an open loop the clients are spawned (so that the
/// first starts are not late for the threads' start).
const OPEN_LOOP_LEAD: Duration = Duration::from_millis(20);

/// Runs one phase for `args.duration` seconds, one thread per group of phones (closed loop;
/// with `schedules`, client `k` starts on `schedules[k]`); returns the summary and the phones
/// (their counters moved on).
fn load_phase(
    args: &Args,
    phase: Phase,
    groups: Vec<Vec<Phone>>,
    schedules: Option<&[Schedule]>,
    meter: Option<&Meter>,
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
    let cpu_start = meter.and_then(Meter::read);
    let end = Duration::from_secs_f64(args.duration);
    // The phase's origin: now (closed loop), or just after the clients are spawned.
    let t = match schedules {
        Some(_) => Instant::now() + OPEN_LOOP_LEAD,
        None => Instant::now(),
    };
    let deadline = t + end;
    let (stats, back, starts) = std::thread::scope(|s| {
        let ticker = (!args.quiet).then(|| {
            let progress = Arc::clone(&progress);
            let stop = Arc::clone(&stop);
            s.spawn(move || tick(name, &progress, &stop, t))
        });
        let handles: Vec<_> = groups
            .into_iter()
            .enumerate()
            .map(|(k, mut phones)| {
                let progress = Arc::clone(&progress);
                let schedule = schedules.and_then(|v| v.get(k)).copied();
                s.spawn(move || {
                    let client = Client::new(&args.server, args.token.as_deref());
                    let mut stats = Stats::default();
                    let mut starts = Starts::default();
                    let mut next = 0usize;
                    let mut n = 0u64;
                    while !phones.is_empty() {
                        // When this operation is due: now (closed loop), or on the schedule.
                        let due = match schedule {
                            None if Instant::now() < deadline => Instant::now(),
                            None => break,
                            Some(sch) => {
                                let Some(at) = sch.offset(n).filter(|at| *at < end) else {
                                    break;
                                };
                                let now = Instant::now();
                                if now >= deadline {
                                    starts.not_started = sch.due_before(end).saturating_sub(n);
                                    break;
                                }
                                let start = schedule::plan(at, now.saturating_duration_since(t));
                                if let Start::Wait(_) = start {
                                    std::thread::sleep((t + at).saturating_duration_since(now));
                                }
                                starts.record(start);
                                t + at
                            }
                        };
                        n = n.wrapping_add(1);
                        let i = next % phones.len();
                        next = next.wrapping_add(1);
                        let Some(phone) = phones.get_mut(i) else {
                            break;
                        };
                        let outcome = match phase {
                            Phase::Signin => client.phone_signin(phone, &args.pin, &mut stats, due),
                            Phase::Respond => {
                                client.conformance_auth(phone, &args.pin, &mut stats, due)
                            }
                        };
                        match outcome {
                            Ok(()) => progress.ok.fetch_add(1, Ordering::Relaxed),
                            Err(Failure(kind)) => {
                                stats.error(kind);
                                progress.failed.fetch_add(1, Ordering::Relaxed)
                            }
                        };
                    }
                    (stats, phones, starts)
                })
            })
            .collect();
        let mut all = Stats::default();
        let mut back = Vec::new();
        let mut starts = Starts::default();
        for h in handles {
            match h.join() {
                Ok((st, phones, sts)) => {
                    all.merge(st);
                    back.push(phones);
                    starts.merge(sts);
                }
                Err(_) => all.error(format!("{name}: a client thread panicked")),
            }
        }
        stop.store(true, Ordering::Relaxed);
        if let Some(tk) = ticker {
            let _ = tk.join();
        }
        (all, back, starts)
    });
    let secs = Instant::now().saturating_duration_since(t).as_secs_f64();
    let cpu_end = meter.and_then(Meter::read);
    let mut summary = stats.summary(secs);
    let (operation, calls): (&'static str, &[&str]) = match phase {
        Phase::Signin => ("signin", &SIGNIN_CALLS),
        Phase::Respond => ("auth", &AUTH_CALLS),
    };
    let operations = summary.count_of(operation);
    if let Some(r) = args.rate {
        summary.open_loop = Some(OpenLoop::new(r, starts, operations, secs));
    }
    if let (Some(m), Some(a), Some(b)) = (meter, cpu_start, cpu_end) {
        let http_calls = calls.iter().map(|c| summary.count_of(c)).sum();
        summary.cpu = Some(PhaseCpu::new(
            m,
            (a, b),
            operation,
            (operations, http_calls),
            secs,
        ));
    }
    (summary, back)
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
