//! `uaf-server`: the reference FIDO UAF relying party (see `docs/server.md`).
#![forbid(unsafe_code)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

mod cli_users;
use tracing_subscriber::EnvFilter;
use uaf_server::{
    Durability, Limits, MdsConfig, PasswordHashing, PgDatabase, Rate, Server, ServerConfig,
    StatusCodeMode, TlsFiles,
};

/// Status codes of rejected responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum StatusCodes {
    /// 1498 for every rejected response (what the FIDO conformance tool expects).
    Conformance,
    /// Each error's own status code (1491 replay, 1480 unknown AAID, 1496 attestation, …).
    Specific,
}

/// When an SQLite commit is on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DurabilityArg {
    /// synchronous=FULL: every commit synced before it is acknowledged (survives power loss).
    Full,
    /// WAL synchronous=NORMAL: survives a crash of the process, not power loss (the last
    /// commits may be lost: a used challenge usable again until it expires).
    Normal,
}

/// Whether SQLite commits are synced in groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum GroupCommitArg {
    /// One sync of the log for all the commits made meanwhile; each write answered once its
    /// commit is on disk.
    On,
    /// SQLite syncs inside every commit (synchronous=FULL).
    Off,
}

/// The reference FIDO UAF 1.1 relying party: phone sign-in (the page at /, enrolment by
/// invite, approval on the phone), the trusted facet list (GET /facets.json), GET /healthz
/// and, opt-in, the FIDO conformance server API (POST /get, POST /respond), with SQLite
/// storage in SQLite or, for several nodes on one database, PostgreSQL. Logs go to stderr; set RUST_LOG (e.g. `uaf_server=debug`) for more.
#[derive(Debug, Parser)]
#[command(name = "uaf-server", version)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on (port 0: any free port; the address is logged).
    #[arg(long, env = "UAF_SERVER_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The AppID (https URL of the trusted facet list). Default:
    /// https://{listen address}{prefix}facets.json.
    #[arg(long, env = "UAF_SERVER_APP_ID")]
    app_id: Option<String>,
    /// A trusted facet ID (repeatable): https://host[:port], android:apk-key-hash:…,
    /// ios:bundle-id:…. Default: the AppID's origin.
    #[arg(long = "facet", value_name = "FACET")]
    facets: Vec<String>,
    /// Directory of metadata statements (*.json, recursively). Without it every registration
    /// is refused.
    #[arg(long, env = "UAF_SERVER_METADATA", value_name = "DIR")]
    metadata: Option<PathBuf>,
    /// The FIDO Metadata Service BLOB (the JWS downloaded from https://mds3.fidoalliance.org/):
    /// verified at start (a bad BLOB stops the start), its UAF entries merged with --metadata
    /// (a local statement wins for the same AAID), reloaded on SIGHUP and when the file, a
    /// root or a CRL changes (a bad new BLOB is logged and ignored).
    #[arg(long, env = "UAF_SERVER_MDS_BLOB", value_name = "FILE")]
    mds_blob: Option<PathBuf>,
    /// Trust anchor of the BLOB (PEM or DER; repeatable). Default: the FIDO MDS root
    /// (GlobalSign Root CA - R3), built in.
    #[arg(long = "mds-root", value_name = "CERT.pem", requires = "mds_blob")]
    mds_roots: Vec<PathBuf>,
    /// CRL of an issuer on the BLOB's certificate path (PEM or DER; repeatable): for the FIDO
    /// MDS, the root's and the signing CA's. Required unless --danger-mds-skip-revocation.
    #[arg(long = "mds-crl", value_name = "FILE", requires = "mds_blob")]
    mds_crls: Vec<PathBuf>,
    /// Dangerous: do not check the revocation of the BLOB signer's certificates (a revoked,
    /// possibly leaked signing key is then accepted). For test setups only.
    #[arg(long, requires = "mds_blob")]
    danger_mds_skip_revocation: bool,
    /// How often the BLOB, root and CRL files are checked for changes, in seconds.
    #[arg(long, default_value_t = 60, requires = "mds_blob")]
    mds_poll_secs: u64,
    /// Status codes of rejected responses.
    #[arg(
        long,
        env = "UAF_SERVER_STATUS_CODES",
        value_enum,
        default_value = "conformance"
    )]
    status_codes: StatusCodes,
    /// SQLite database file (`:memory:`: in memory, lost on exit), or a PostgreSQL URL
    /// (`postgres://user[:password]@host[:port]/dbname`) shared by several nodes.
    #[arg(
        long,
        env = "UAF_SERVER_DATABASE",
        default_value = "uaf-server.db",
        global = true
    )]
    database: PathBuf,
    /// PostgreSQL connections of this node (a fixed pool; unused with SQLite).
    #[arg(long, env = "UAF_SERVER_POOL_SIZE", default_value_t = PgDatabase::DEFAULT_POOL_SIZE,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
    pool_size: usize,
    /// When an SQLite commit is on disk (unused with PostgreSQL; see docs/server.md).
    #[arg(
        long,
        env = "UAF_SERVER_DURABILITY",
        value_enum,
        default_value = "full"
    )]
    durability: DurabilityArg,
    /// With --durability full: sync SQLite's log once for many concurrent commits, each write
    /// answered only once its commit is on disk (on), or inside every commit (off).
    #[arg(
        long,
        env = "UAF_SERVER_GROUP_COMMIT",
        value_enum,
        default_value = "on"
    )]
    group_commit: GroupCommitArg,
    /// Path prefix of every endpoint (e.g. /uaf/).
    #[arg(long, env = "UAF_SERVER_PREFIX", default_value = "/")]
    prefix: String,
    /// How long an issued challenge stays valid, in seconds.
    #[arg(long, env = "UAF_SERVER_CHALLENGE_TTL", default_value_t = 300)]
    challenge_ttl: u64,
    /// Serve the FIDO conformance server API (POST /get, POST /respond): whoever can call it
    /// registers keys for any user name (and so signs in as anyone) and deregisters any
    /// user's keys, so it needs --conformance-api-token, and is for test deployments only.
    #[arg(
        long,
        env = "UAF_SERVER_CONFORMANCE_API",
        requires = "conformance_api_token"
    )]
    conformance_api: bool,
    /// The secret of the conformance API (at least 16 characters of A-Z a-z 0-9 - _ . ~):
    /// `Authorization: Bearer TOKEN`, or in the URL given to the FIDO conformance tool,
    /// http(s)://host/{prefix}conformance/TOKEN (its /get and /respond under it).
    #[arg(long, env = "UAF_SERVER_CONFORMANCE_API_TOKEN", hide_env_values = true)]
    conformance_api_token: Option<String>,
    /// Sign-in starts per client address, all users: COUNT/SECONDS or off (429 beyond).
    #[arg(
        long,
        env = "UAF_SERVER_SIGNIN_LIMIT_PER_ADDRESS",
        default_value = "20/60"
    )]
    signin_limit_per_address: Rate,
    /// Sign-in starts per user name and client address: COUNT/SECONDS or off (429 beyond).
    #[arg(long, env = "UAF_SERVER_SIGNIN_LIMIT_PER_USER", default_value = "5/60")]
    signin_limit_per_user: Rate,
    /// The most pending sign-ins a user's phone is shown; a new one supersedes the oldest.
    #[arg(long, env = "UAF_SERVER_PENDING_PER_USER", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pending_per_user: u32,
    /// Push streams and long polls open at once per phone (429 beyond).
    #[arg(long, env = "UAF_SERVER_STREAMS_PER_DEVICE", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..))]
    streams_per_device: u32,
    /// Push streams and long polls open at once per account, all its phones.
    #[arg(long, env = "UAF_SERVER_STREAMS_PER_ACCOUNT", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..))]
    streams_per_account: u32,
    /// Streams (phones' and pages') and long polls open at once per client address.
    #[arg(long, env = "UAF_SERVER_STREAMS_PER_ADDRESS", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..))]
    streams_per_address: u32,
    /// Seconds a push stream stays open before the server ends it (the client resumes).
    #[arg(long, env = "UAF_SERVER_STREAM_MAX_SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    stream_max_secs: u64,
    /// Seconds between heartbeats of an idle push stream.
    #[arg(long, env = "UAF_SERVER_STREAM_HEARTBEAT_SECS", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    stream_heartbeat_secs: u64,
    /// Seconds between two re-reads of the database by an idle stream (the bound on a change
    /// that was not published, e.g. by another process on the same SQLite file).
    #[arg(long, env = "UAF_SERVER_STREAM_RECHECK_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    stream_recheck_secs: u64,
    /// The longest `phone/notifications?wait=` waits, in seconds.
    #[arg(long, env = "UAF_SERVER_LONG_POLL_MAX_SECS", default_value_t = 25,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    long_poll_max_secs: u64,
    /// Seconds between two runs of the expiry sweep, which records the sign-in attempts that
    /// expired unanswered in their accounts' recent activity (0: off).
    #[arg(long, env = "UAF_SERVER_EXPIRY_SWEEP_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(0..=3_600))]
    expiry_sweep_secs: u64,
    /// Invite code checks (enrolment calls) per client address: COUNT/SECONDS or off.
    #[arg(
        long,
        env = "UAF_SERVER_ENROLL_LIMIT_PER_ADDRESS",
        default_value = "20/600"
    )]
    enroll_limit_per_address: Rate,
    /// Invite code checks (enrolment calls) per user name: COUNT/SECONDS or off.
    #[arg(
        long,
        env = "UAF_SERVER_ENROLL_LIMIT_PER_ACCOUNT",
        default_value = "10/600"
    )]
    enroll_limit_per_account: Rate,
    /// A reverse proxy whose X-Forwarded-For is believed (repeatable; env: comma-separated).
    /// Default none: the client address is always the TCP peer's.
    #[arg(
        long = "trusted-proxy",
        env = "UAF_SERVER_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "IP"
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Password sign-ins (and verification codes) per client address: COUNT/SECONDS or off.
    #[arg(
        long,
        env = "UAF_SERVER_PASSWORD_LIMIT_PER_ADDRESS",
        default_value = "20/600"
    )]
    password_limit_per_address: Rate,
    /// Password sign-ins (and verification codes) per account, from every address:
    /// COUNT/SECONDS or off.
    #[arg(
        long,
        env = "UAF_SERVER_PASSWORD_LIMIT_PER_ACCOUNT",
        default_value = "10/600"
    )]
    password_limit_per_account: Rate,
    /// Password hashes computed at once, server-wide (default: the CPUs available); each
    /// holds the argon2 memory while it runs. More wait up to 10 s, then get 503.
    #[arg(long, env = "UAF_SERVER_PASSWORD_HASHES_AT_ONCE",
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    password_hashes_at_once: Option<u32>,
    /// argon2id memory of new password hashes, in KiB (stored hashes keep their own).
    #[arg(
        long,
        env = "UAF_SERVER_ARGON2_MEMORY_KIB",
        default_value_t = 19_456,
        global = true
    )]
    argon2_memory_kib: u32,
    /// argon2id passes of new password hashes.
    #[arg(
        long,
        env = "UAF_SERVER_ARGON2_ITERATIONS",
        default_value_t = 2,
        global = true
    )]
    argon2_iterations: u32,
    /// argon2id lanes of new password hashes.
    #[arg(
        long,
        env = "UAF_SERVER_ARGON2_PARALLELISM",
        default_value_t = 1,
        global = true
    )]
    argon2_parallelism: u32,
    /// How long a browser session made by a phone sign-in lives, in seconds.
    #[arg(long, env = "UAF_SERVER_SESSION_TTL", default_value_t = 8 * 60 * 60)]
    session_ttl: u64,
    /// How long new phone sign-ins of an account pause after one was denied on the phone as
    /// "it's not me", in seconds (0: no pause). A browser that signed in to the account
    /// within 90 days is never paused; the password path stays open.
    #[arg(long, env = "UAF_SERVER_DENY_PAUSE", default_value_t = 15 * 60)]
    deny_pause_secs: u64,
    /// Mark the sign-in and session cookies `Secure` without --tls-cert (when a
    /// TLS-terminating proxy serves the site over https). With --tls-cert they always are.
    #[arg(long, env = "UAF_SERVER_SECURE_COOKIES")]
    secure_cookies: bool,
    /// The server's public base URL, put into the enrolment links and QR codes of the
    /// account page (default: the URL the browser used, from its Host header).
    #[arg(long, env = "UAF_SERVER_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// Serve https with this certificate chain (PEM, leaf first). Read again on SIGHUP.
    #[arg(
        long,
        env = "UAF_SERVER_TLS_CERT",
        value_name = "CERT.pem",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, SEC1 or PKCS#1). Read again on SIGHUP.
    #[arg(
        long,
        env = "UAF_SERVER_TLS_KEY",
        value_name = "KEY.pem",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,
    /// The most connections served at once; more are closed as soon as they are accepted.
    /// Keep it below the file-descriptor limit (`ulimit -n`).
    #[arg(long, env = "UAF_SERVER_MAX_CONNECTIONS", default_value_t = 512,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    max_connections: usize,
    /// Threads of the blocking pool (default: 8 per CPU available): database calls,
    /// signature verification and password hashing run there. Requests beyond them queue
    /// (first come, first served) instead of all running at once: a small pool avoids the
    /// lock convoy of many threads preempting the one that holds SQLite's write lock
    /// (docs/server.md, "Performance").
    #[arg(long, env = "UAF_SERVER_BLOCKING_THREADS",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=4096))]
    blocking_threads: Option<usize>,
    /// Seconds a client has to send a request's line and headers (and the TLS handshake).
    #[arg(long, env = "UAF_SERVER_HEADER_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, env = "UAF_SERVER_BODY_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    body_timeout: u64,
    /// Seconds an idle keep-alive connection stays open.
    #[arg(long, env = "UAF_SERVER_IDLE_TIMEOUT", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
    /// Seconds SIGTERM / Ctrl-C waits for open connections before the process exits.
    #[arg(long, env = "UAF_SERVER_SHUTDOWN_TIMEOUT", default_value_t = 10)]
    shutdown_timeout: u64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Prints a one-time code (valid 15 minutes) that lets a phone enrol for USERNAME with
    /// `uaf-phone enroll`, or lets the person choose the account's password on the sign-in
    /// page ("Have an invite?"). Only its SHA-256 is stored in the database (the server's:
    /// --database or UAF_SERVER_DATABASE; it must exist).
    Invite {
        /// The account the phone signs in to.
        username: String,
    },
    /// Accounts with a password, in the server's database (--database or
    /// UAF_SERVER_DATABASE; it must exist).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Adds an account with a password (asked twice on the terminal, without echo).
    Add {
        /// The user name.
        username: String,
        /// Read the password from the first line of standard input instead.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Lists the accounts: name, password, two-step, codes, creation date (tab-separated).
    List,
    /// Removes an account and its sessions, phones and pending sign-ins.
    Remove {
        /// The user name.
        username: String,
    },
    /// Sets a new password for an account.
    ResetPassword {
        /// The user name.
        username: String,
        /// Read the password from the first line of standard input instead.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn source(password_stdin: bool) -> cli_users::PasswordSource {
    if password_stdin {
        cli_users::PasswordSource::Stdin
    } else {
        cli_users::PasswordSource::Terminal
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// The default blocking pool: 8 threads per CPU available (16 on 2 CPUs). Measured on 2
/// CPUs with 100 clients signing in (docs/server.md, "Performance"): 16 threads against
/// tokio's default of 512 cut the p99 of a whole sign-in from 199–241 ms to 130–133 ms at the
/// same throughput; 8 and 32 were slower than 16.
fn default_blocking_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .saturating_mul(8)
}

fn main() -> ExitCode {
    let matches = Args::command().get_matches();
    // Named by the operator (flag or environment), or the default.
    let named = matches
        .value_source("database")
        .is_some_and(|s| s != ValueSource::DefaultValue);
    let args = match Args::from_arg_matches(&matches) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    let mut hashing = PasswordHashing::default();
    hashing.memory_kib = args.argon2_memory_kib;
    hashing.iterations = args.argon2_iterations;
    hashing.parallelism = args.argon2_parallelism;
    match &args.command {
        Some(Command::Invite { username }) => {
            let db = cli_users::Database {
                location: &args.database,
                named,
            };
            return cli_users::invite(db, username);
        }
        Some(Command::User { command }) => {
            let db = cli_users::Database {
                location: &args.database,
                named,
            };
            return match command {
                UserCommand::Add {
                    username,
                    password_stdin,
                } => cli_users::user_add(db, hashing, username, source(*password_stdin)),
                UserCommand::List => cli_users::user_list(db),
                UserCommand::Remove { username } => cli_users::user_remove(db, username),
                UserCommand::ResetPassword {
                    username,
                    password_stdin,
                } => cli_users::user_reset_password(db, hashing, username, source(*password_stdin)),
            };
        }
        None => {}
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .init();

    let mut config = ServerConfig::default();
    config.listen = args.listen;
    config.app_id = args.app_id;
    config.facets = args.facets;
    config.metadata = args.metadata;
    config.mds = args.mds_blob.map(|blob| {
        let mut mds = MdsConfig::new(blob);
        mds.roots = args.mds_roots;
        mds.crls = args.mds_crls;
        mds.danger_skip_revocation = args.danger_mds_skip_revocation;
        mds.poll_interval = std::time::Duration::from_secs(args.mds_poll_secs.max(1));
        mds
    });
    config.status_codes = match args.status_codes {
        StatusCodes::Conformance => StatusCodeMode::Conformance,
        StatusCodes::Specific => StatusCodeMode::Specific,
    };
    config.database = args.database;
    config.pool_size = args.pool_size;
    config.durability = match args.durability {
        DurabilityArg::Full => Durability::Full,
        DurabilityArg::Normal => Durability::Normal,
    };
    config.group_commit = args.group_commit == GroupCommitArg::On;
    config.prefix = args.prefix;
    config.challenge_ttl_secs = args.challenge_ttl;
    config.conformance_api = args.conformance_api;
    config.conformance_api_token = args.conformance_api_token;
    let mut limits = Limits::default();
    limits.signin_per_address = args.signin_limit_per_address;
    limits.signin_per_user = args.signin_limit_per_user;
    limits.pending_per_user = args.pending_per_user;
    limits.streams_per_device = args.streams_per_device;
    limits.streams_per_account = args.streams_per_account;
    limits.streams_per_address = args.streams_per_address;
    limits.stream_max_secs = args.stream_max_secs;
    limits.stream_heartbeat_secs = args.stream_heartbeat_secs;
    limits.stream_recheck_secs = args.stream_recheck_secs;
    limits.long_poll_max_secs = args.long_poll_max_secs;
    limits.expiry_sweep_secs = args.expiry_sweep_secs;
    limits.enroll_per_address = args.enroll_limit_per_address;
    limits.enroll_per_account = args.enroll_limit_per_account;
    limits.password_per_address = args.password_limit_per_address;
    limits.password_per_account = args.password_limit_per_account;
    if let Some(n) = args.password_hashes_at_once {
        limits.password_hashes_at_once = n;
    }
    limits.trusted_proxies = args.trusted_proxies;
    config.limits = limits;
    config.password_hashing = hashing;
    config.session_ttl_secs = args.session_ttl;
    config.deny_pause_secs = args.deny_pause_secs;
    config.secure_cookies = args.secure_cookies;
    config.public_url = args.public_url;
    config.tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles::new(cert, key)),
        _ => None,
    };
    config.max_connections = args.max_connections;
    config.header_timeout_secs = args.header_timeout;
    config.body_timeout_secs = args.body_timeout;
    config.idle_timeout_secs = args.idle_timeout;
    config.shutdown_timeout_secs = args.shutdown_timeout;

    // Time and IO: the accept back-off, the connection timeouts and the shutdown deadline
    // all sleep on the runtime's timer.
    let blocking_threads = args
        .blocking_threads
        .unwrap_or_else(default_blocking_threads);
    tracing::info!(
        blocking_threads,
        password_hashes_at_once = config.limits.password_hashes_at_once,
        "worker pools"
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(blocking_threads)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("uaf-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let server = Server::bind(config).await?;
        tracing::info!(
            address = %server.local_addr(),
            app_id = server.app_id(),
            prefix = server.prefix(),
            "listening on {}://{}{}",
            if server.is_tls() { "https" } else { "http" },
            server.local_addr(),
            server.prefix()
        );
        server.serve(shutdown_signal()).await
    });
    // Work still running on the blocking pool (a slow database call) does not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("uaf-server: {e}");
            ExitCode::FAILURE
        }
    }
}
