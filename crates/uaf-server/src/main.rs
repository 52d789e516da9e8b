//! `uaf-server`: the reference FIDO UAF relying party (see `docs/server.md`).
#![forbid(unsafe_code)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;
use uaf_server::{
    Durability, Limits, MdsConfig, PgDatabase, Rate, Server, ServerConfig, StatusCodeMode,
    TlsFiles, create_invite, unix_now,
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
    /// `uaf-phone enroll`. Only its SHA-256 is stored in the database.
    Invite {
        /// The account the phone signs in to.
        username: String,
    },
}

/// `uaf-server invite USERNAME [--database PATH]`.
fn invite(database: &std::path::Path, username: &str) -> ExitCode {
    let db = match uaf_server::store::open(&database.to_string_lossy(), 1) {
        Ok(db) => db,
        Err(e) => {
            eprintln!(
                "uaf-server: {}: {e}",
                uaf_server::store::redact_url(&database.to_string_lossy())
            );
            return ExitCode::FAILURE;
        }
    };
    match create_invite(&*db, username, unix_now()) {
        Ok(invite) => {
            println!("{}", invite.code);
            eprintln!(
                "one-time code for {:?}, valid for 15 minutes: uaf-phone enroll --server URL \
                 --username {:?} --code {}",
                invite.username, invite.username, invite.code
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("uaf-server: {e}");
            ExitCode::FAILURE
        }
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

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Command::Invite { username }) = &args.command {
        return invite(&args.database, username);
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
    limits.enroll_per_address = args.enroll_limit_per_address;
    limits.enroll_per_account = args.enroll_limit_per_account;
    limits.trusted_proxies = args.trusted_proxies;
    config.limits = limits;
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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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
