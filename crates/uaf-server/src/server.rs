//! The HTTP server: [`ServerConfig`], [`Server`] (bind, then serve until a shutdown signal)
//! and [`ServerHandle`] (a server on its own runtime thread, for tests and embedding).

use core::fmt;
use core::future::Future;
use core::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use uaf_metadata::MetadataIndex;
use uaf_rp::StatusCodeMode;

use crate::limits::Limits;
use crate::mds::{self, LiveMetadata, MdsConfig, MetadataStatus, SharedMetadata};
use crate::net::{self, Tls};
use crate::signin::{PhoneSignInBuilder, normalise_prefix};
use crate::store::{Clock, Durability, PgDatabase, SqliteOptions, redact_url, system_clock};

/// How the server runs. Start from [`ServerConfig::default`] and set what differs.
#[derive(Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The address to listen on (default `127.0.0.1:8080`; port 0: any free port).
    pub listen: SocketAddr,
    /// The AppID (normally the `https` URL of the trusted facet list). Default:
    /// `https://{bound address}{prefix}facets.json`, i.e. this server behind a TLS proxy on
    /// the same host and port.
    pub app_id: Option<String>,
    /// The trusted facet IDs (`https://host[:port]`, `android:apk-key-hash:…`,
    /// `ios:bundle-id:…`). Empty: the origin of an `https` AppID.
    pub facets: Vec<String>,
    /// A directory of metadata statements ([`MetadataIndex::load_dir`]). `None`: no
    /// authenticator is known, so every registration is refused.
    pub metadata: Option<PathBuf>,
    /// The FIDO Metadata Service BLOB, its roots and CRLs ([`MdsConfig`]): verified at start
    /// (a bad BLOB stops the start), merged with [`ServerConfig::metadata`] (a local statement
    /// wins for the same AAID), reloaded on SIGHUP and when its files change. `None`: only
    /// the local statements.
    pub mds: Option<MdsConfig>,
    /// Status codes of rejections: [`StatusCodeMode::Conformance`] (1498 for every rejected
    /// response, what the FIDO conformance tool expects; the default) or
    /// [`StatusCodeMode::Specific`].
    pub status_codes: StatusCodeMode,
    /// The database: an SQLite file (default `uaf-server.db`; `:memory:` for a private
    /// in-memory database), or a PostgreSQL URL (`postgres://…` or `postgresql://…`) that
    /// several server nodes may share ([`crate::store::open`]).
    pub database: PathBuf,
    /// The number of PostgreSQL connections of this node (default
    /// [`PgDatabase::DEFAULT_POOL_SIZE`]); unused with SQLite (one connection).
    pub pool_size: usize,
    /// When an SQLite commit is on disk (default [`Durability::Full`]: on disk before it is
    /// acknowledged; [`Durability::Normal`]: safe against a process crash, not against power
    /// loss). Unused with PostgreSQL (its own `synchronous_commit` decides).
    pub durability: Durability,
    /// With [`Durability::Full`], sync SQLite's log once for the commits made meanwhile
    /// rather than inside every commit (default `true`; see [`crate::store::SqliteOptions`]).
    /// Unused with PostgreSQL.
    pub group_commit: bool,
    /// The path prefix of every endpoint (default `/`; e.g. `/uaf/` serves `/uaf/get`).
    pub prefix: String,
    /// How long an issued challenge stays valid, in seconds (default 300).
    pub challenge_ttl_secs: u64,
    /// The clock (unix seconds) of the verifier and the stores. Default: the system clock.
    pub clock: Clock,
    /// Serve the FIDO conformance server API (`POST {prefix}get`, `POST {prefix}respond`).
    /// Default **off**: whoever can call that API can register a key for any user name (and
    /// so sign in as anyone) and deregister any user's keys, so it is for test deployments
    /// that run the FIDO conformance tool or `uaf-conformance server`, never for a server real
    /// users depend on. When on, it also requires [`ServerConfig::conformance_api_token`].
    pub conformance_api: bool,
    /// The secret of the conformance API (required when it is on; at least 16 characters of
    /// `A-Z a-z 0-9 - _ . ~`): given as `Authorization: Bearer <token>`, or in the path as
    /// `{prefix}conformance/<token>/get` and `…/respond` (the FIDO conformance tool can only
    /// be given a URL). Compared in constant time.
    pub conformance_api_token: Option<String>,
    /// The abuse limits: rate limits on sign-in starts and invite checks (per client
    /// address, per user), the pending sign-ins per user, trusted proxies
    /// ([`Limits::default`]).
    pub limits: Limits,
    /// The argon2id cost of new password hashes ([`crate::PasswordHashing`]: 19 MiB, 2
    /// passes, 1 lane by default).
    pub password_hashing: crate::PasswordHashing,
    /// How long a browser session made by a phone sign-in lives, in seconds (default 28800,
    /// 8 hours).
    pub session_ttl_secs: u64,
    /// How long new phone sign-ins of an account are paused after one of its sign-ins was
    /// denied on the phone as "it's not me", in seconds (default 900; 0: no pause). A browser
    /// that signed in to the account within 90 days is never paused.
    pub deny_pause_secs: u64,
    /// Mark the sign-in and session cookies `Secure` even without [`ServerConfig::tls`]
    /// (default off; turn it on behind a TLS-terminating proxy). With `tls` the cookies are
    /// always `Secure`.
    pub secure_cookies: bool,
    /// The server's public base URL (`https://login.example.com/uaf/`), which the account
    /// page puts into a new phone's enrolment link and QR code. `None` (the default): the
    /// URL the browser used, `http(s)://{Host header}{prefix}` (https when the cookies are
    /// `Secure`); set it behind a proxy that rewrites `Host`, or when phones must use
    /// another address than browsers.
    pub public_url: Option<String>,
    /// Serve https with this PEM certificate chain and private key ([`TlsFiles`]); both are
    /// read again on SIGHUP. `None` (the default): plain http, meant for loopback
    /// development or a TLS-terminating proxy (a warning is logged when plain http listens
    /// on an address that is not loopback).
    pub tls: Option<TlsFiles>,
    /// The most connections served at once (default 512); a connection beyond it is closed
    /// as soon as it is accepted. Keep it below the process's file-descriptor limit.
    pub max_connections: usize,
    /// Seconds a client has to send a request's line and headers (default 10), and to finish
    /// the TLS handshake.
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's body, from its headers (default 30).
    pub body_timeout_secs: u64,
    /// Seconds an idle keep-alive connection stays open (default 60).
    pub idle_timeout_secs: u64,
    /// Seconds graceful shutdown waits for open connections before closing them (default 10).
    pub shutdown_timeout_secs: u64,
}

/// The PEM files of TLS ([`ServerConfig::tls`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsFiles {
    /// The certificate chain, leaf first (PEM `CERTIFICATE` blocks).
    pub cert: PathBuf,
    /// The private key (PEM: PKCS#8, SEC1 or PKCS#1).
    pub key: PathBuf,
}

impl TlsFiles {
    /// The chain in `cert` and the key in `key`.
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> TlsFiles {
        TlsFiles {
            cert: cert.into(),
            key: key.into(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            app_id: None,
            facets: Vec::new(),
            metadata: None,
            mds: None,
            status_codes: StatusCodeMode::Conformance,
            database: PathBuf::from("uaf-server.db"),
            pool_size: PgDatabase::DEFAULT_POOL_SIZE,
            durability: Durability::Full,
            group_commit: true,
            prefix: String::from("/"),
            challenge_ttl_secs: 300,
            clock: system_clock(),
            conformance_api: false,
            conformance_api_token: None,
            limits: Limits::default(),
            password_hashing: crate::PasswordHashing::default(),
            session_ttl_secs: 8 * 60 * 60,
            deny_pause_secs: 15 * 60,
            secure_cookies: false,
            public_url: None,
            tls: None,
            max_connections: 512,
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            idle_timeout_secs: 60,
            shutdown_timeout_secs: 10,
        }
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The settings that tell deployments apart; the database URL without its password.
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("app_id", &self.app_id)
            .field("database", &redact_url(&self.database.to_string_lossy()))
            .field("durability", &self.durability)
            .field("group_commit", &self.group_commit)
            .field("prefix", &self.prefix)
            .field("conformance_api", &self.conformance_api)
            .field("tls", &self.tls)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

/// Why the server could not start or stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerError {
    /// The listening socket (bind, accept) failed.
    Io(std::io::Error),
    /// The relying-party configuration is wrong (AppID, facets, TTL).
    Config(String),
    /// The metadata directory cannot be loaded.
    Metadata(String),
    /// The Metadata Service BLOB (`--mds-blob`) was refused.
    Mds(crate::mds::MdsError),
    /// The database cannot be opened or migrated.
    Store(crate::StoreError),
    /// The database does not accept writes (a read-only file or directory, a full disk, a
    /// read-only PostgreSQL): refused at start rather than failing every sign-in.
    Unwritable {
        /// The database (without a password).
        location: String,
        /// The failed write.
        source: crate::StoreError,
    },
    /// The runtime failed (a task panicked, the runtime could not start).
    Runtime(String),
    /// The TLS certificate or key cannot be used.
    Tls(crate::net::TlsError),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Io(e) => write!(f, "socket: {e}"),
            ServerError::Config(m) => write!(f, "configuration: {m}"),
            ServerError::Metadata(m) => write!(f, "metadata: {m}"),
            ServerError::Mds(e) => write!(f, "{e}"),
            ServerError::Store(e) => write!(f, "database: {e}"),
            ServerError::Unwritable { location, source } => write!(
                f,
                "database {location} does not accept writes (is the file, or its directory, \
                 read-only for this user, or the disk full?): {source}"
            ),
            ServerError::Runtime(m) => write!(f, "runtime: {m}"),
            ServerError::Tls(e) => write!(f, "TLS: {e}"),
        }
    }
}

impl core::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ServerError::Io(e) => Some(e),
            ServerError::Store(e) | ServerError::Unwritable { source: e, .. } => Some(e),
            ServerError::Tls(e) => Some(e),
            ServerError::Mds(e) => Some(e),
            _ => None,
        }
    }
}

/// Whether opening failed because the database cannot be written (SQLite: read-only, or
/// cannot open the file for writing).
fn read_only(e: &crate::StoreError) -> bool {
    let crate::StoreError::Database(source) = e else {
        return false;
    };
    source
        .downcast_ref::<rusqlite::Error>()
        .and_then(rusqlite::Error::sqlite_error_code)
        .is_some_and(|c| {
            matches!(
                c,
                rusqlite::ErrorCode::ReadOnly
                    | rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::PermissionDenied
                    | rusqlite::ErrorCode::DiskFull
            )
        })
}

/// A bound server, ready to serve.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    router: Router,
    addr: SocketAddr,
    app_id: String,
    prefix: String,
    metadata: SharedMetadata,
    limits: net::Limits,
    tls: Option<Arc<Tls>>,
    /// Ended at shutdown: the streams close, so connections do not wait for them.
    signin: crate::signin::PhoneSignIn,
}

impl Server {
    /// Binds `config.listen`, opens (and migrates) the database, loads the metadata and
    /// builds the relying party. Nothing is served until [`Server::serve`].
    ///
    /// # Errors
    /// [`ServerError`] naming what failed.
    pub async fn bind(mut config: ServerConfig) -> Result<Server, ServerError> {
        if config.max_connections == 0 {
            return Err(ServerError::Config(String::from(
                "max_connections must be at least 1",
            )));
        }
        let tls = match &config.tls {
            Some(files) => Some(Arc::new(
                Tls::load(&files.cert, &files.key).map_err(ServerError::Tls)?,
            )),
            None => None,
        };
        if tls.is_some() {
            config.secure_cookies = true;
        } else if !config.listen.ip().is_loopback() {
            tracing::warn!(
                listen = %config.listen,
                "plain http on an address that is not loopback: sign-in cookies and phone \
                 tokens cross the network in clear unless a TLS-terminating proxy is in front \
                 (use --tls-cert/--tls-key, or --secure-cookies behind such a proxy)"
            );
        }
        let limits = net::Limits {
            max_connections: config.max_connections,
            header_timeout: Duration::from_secs(config.header_timeout_secs.max(1)),
            body_timeout: Duration::from_secs(config.body_timeout_secs.max(1)),
            idle_timeout: Duration::from_secs(config.idle_timeout_secs.max(1)),
            shutdown_timeout: Duration::from_secs(config.shutdown_timeout_secs),
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(ServerError::Io)?;
        let addr = listener.local_addr().map_err(ServerError::Io)?;
        let prefix = normalise_prefix(&config.prefix);
        let app_id = config
            .app_id
            .clone()
            .unwrap_or_else(|| format!("https://{addr}{prefix}facets.json"));

        let metadata_dir = config.metadata.clone();
        let mds = config.mds.clone();
        let clock = Arc::clone(&config.clock);
        let database = config.database.clone();
        let pool_size = config.pool_size;
        let sqlite =
            SqliteOptions::with_durability(config.durability).group_commit(config.group_commit);
        let (metadata, db) = tokio::task::spawn_blocking(move || {
            let local = match &metadata_dir {
                Some(dir) => MetadataIndex::load_dir(dir)
                    .map_err(|e| ServerError::Metadata(format!("{}: {e}", dir.display())))?,
                None => MetadataIndex::new(),
            };
            let metadata = LiveMetadata::load(local, mds, clock).map_err(ServerError::Mds)?;
            let location = database.to_string_lossy();
            let unwritable = |source| ServerError::Unwritable {
                location: redact_url(&location),
                source,
            };
            // (A directory that does not exist is a plain open error, not a read-only one.)
            let dir_exists = std::path::Path::new(&*location)
                .parent()
                .is_some_and(|p| p.as_os_str().is_empty() || p.is_dir());
            let db =
                crate::store::open_with_options(&location, pool_size, sqlite).map_err(|e| {
                    if dir_exists && read_only(&e) {
                        unwritable(e)
                    } else {
                        ServerError::Store(e)
                    }
                })?;
            // A database that cannot be written is refused now, not at every sign-in.
            db.probe_write().map_err(unwritable)?;
            Ok::<_, ServerError>((SharedMetadata(Arc::new(metadata)), db))
        })
        .await
        .map_err(|e| ServerError::Runtime(e.to_string()))??;
        if config.metadata.is_none() && config.mds.is_none() {
            tracing::warn!(
                "no --metadata and no --mds-blob: every registration will be refused (unknown AAID)"
            );
        }
        mds::spawn_watcher(&metadata.0)
            .map_err(|e| ServerError::Runtime(format!("cannot listen for SIGHUP: {e}")))?;
        if let Some(tls) = &tls {
            net::spawn_tls_reloader(tls)
                .map_err(|e| ServerError::Runtime(format!("cannot listen for SIGHUP: {e}")))?;
        }
        let signin = PhoneSignInBuilder::from_config(app_id.clone(), config)
            .live_metadata(metadata.clone())
            .build(db)?;
        let router = signin.router();
        Ok(Server {
            listener,
            router,
            addr,
            app_id,
            prefix,
            metadata,
            limits,
            tls,
            signin,
        })
    }

    /// Whether the server speaks https ([`ServerConfig::tls`]).
    #[must_use]
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The address bound (with the port chosen, when 0 was asked).
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The AppID the relying party issues requests with.
    #[must_use]
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The normalised path prefix (`/` or `/x/`).
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The metadata in force: the BLOB's number, entries, refused reloads.
    #[must_use]
    pub fn metadata_status(&self) -> MetadataStatus {
        self.metadata.0.status()
    }

    /// Serves until `shutdown` completes, then stops accepting, lets the requests in flight
    /// finish for at most [`ServerConfig::shutdown_timeout_secs`] and returns (connections
    /// still open are closed). Accept errors (EMFILE…) are logged and retried after a short
    /// back-off, never returned. Needs a runtime with time and IO enabled.
    ///
    /// # Errors
    /// None today; the `Result` leaves room for failures of the listening socket.
    pub async fn serve<F>(self, shutdown: F) -> Result<(), ServerError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let signin = self.signin;
        let shutdown = async move {
            shutdown.await;
            // Streams and long polls end now: graceful shutdown then waits only for the
            // requests that are really in flight.
            signin.close_streams();
        };
        net::serve(self.listener, self.router, self.limits, self.tls, shutdown).await;
        Ok(())
    }

    /// Starts a server on a runtime of its own (a background thread with a small
    /// multi-thread runtime) and returns once it is bound: for tests and for embedding in
    /// synchronous programs.
    ///
    /// # Errors
    /// As [`Server::bind`], or [`ServerError::Runtime`] when the runtime cannot start.
    pub fn spawn(config: ServerConfig) -> Result<ServerHandle, ServerError> {
        let conformance_token = config
            .conformance_api
            .then(|| config.conformance_api_token.clone())
            .flatten();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| ServerError::Runtime(e.to_string()))?;
        let server = runtime.block_on(Server::bind(config))?;
        let (addr, app_id, prefix) = (server.addr, server.app_id.clone(), server.prefix.clone());
        let scheme = if server.is_tls() { "https" } else { "http" };
        let metadata = server.metadata.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("uaf-server {addr}"))
            .spawn(move || {
                let result = runtime.block_on(server.serve(async {
                    // A dropped sender stops the server too.
                    let _ = stopped.await;
                }));
                // Blocking-pool work still running (a slow database call) does not hold the
                // thread beyond a second.
                runtime.shutdown_timeout(Duration::from_secs(1));
                result
            })
            .map_err(|e| ServerError::Runtime(e.to_string()))?;
        Ok(ServerHandle {
            addr,
            app_id,
            prefix,
            conformance_token,
            scheme,
            metadata,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A server running on its own thread ([`Server::spawn`]). Dropping it shuts it down.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    app_id: String,
    prefix: String,
    conformance_token: Option<String>,
    scheme: &'static str,
    metadata: SharedMetadata,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), ServerError>>>,
}

impl ServerHandle {
    /// The address bound.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://{address}{prefix}` (`https://` with TLS) without the trailing `/` (the base
    /// URL of the conformance API: `{base}/get`, `{base}/respond`).
    #[must_use]
    pub fn base_url(&self) -> String {
        format!(
            "{}://{}{}",
            self.scheme,
            self.addr,
            self.prefix.trim_end_matches('/')
        )
    }

    /// The base URL of the conformance API with its token in the path,
    /// `{base_url}/conformance/<token>` (`…/get`, `…/respond` under it): what the FIDO
    /// conformance tool and `uaf-conformance server --url` are given. `None` when the API is
    /// off.
    #[must_use]
    pub fn conformance_url(&self) -> Option<String> {
        let token = self.conformance_token.as_deref()?;
        Some(format!("{}/conformance/{token}", self.base_url()))
    }

    /// The AppID the relying party issues requests with.
    #[must_use]
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The metadata in force: the BLOB's number, entries, refused reloads.
    #[must_use]
    pub fn metadata_status(&self) -> MetadataStatus {
        self.metadata.0.status()
    }

    /// Reloads the Metadata Service BLOB now (what SIGHUP does). A refused BLOB is logged and
    /// the one in force stays.
    ///
    /// # Errors
    /// Why the new BLOB was refused, or that there is no `--mds-blob`.
    pub fn reload_metadata(&self) -> Result<MetadataStatus, crate::mds::MdsError> {
        self.metadata.0.reload("reload_metadata")
    }

    /// Stops the server gracefully and waits for it.
    ///
    /// # Errors
    /// What made the server fail, if it did.
    pub fn shutdown(mut self) -> Result<(), ServerError> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .map_err(|_| ServerError::Runtime(String::from("the server thread panicked")))?,
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Err(e) = self.stop_and_join() {
            tracing::error!(error = %e, "server stopped with an error");
        }
    }
}
