//! The HTTP server: [`ServerConfig`], [`Server`] (bind, then serve until a shutdown signal)
//! and [`ServerHandle`] (a server on its own runtime thread, for tests and embedding).

use core::fmt;
use core::future::Future;
use core::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use uaf_metadata::MetadataIndex;
use uaf_rp::StatusCodeMode;

use crate::mds::{self, LiveMetadata, MdsConfig, MetadataStatus, SharedMetadata};
use crate::signin::{PhoneSignInBuilder, normalise_prefix};
use crate::store::{Clock, Durability, PgDatabase, redact_url, system_clock};

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
    /// When an SQLite commit is on disk (default [`Durability::Full`]: synced at every
    /// commit; [`Durability::Normal`]: safe against a process crash, not against power loss).
    /// Unused with PostgreSQL (its own `synchronous_commit` decides).
    pub durability: Durability,
    /// The path prefix of every endpoint (default `/`; e.g. `/uaf/` serves `/uaf/get`).
    pub prefix: String,
    /// How long an issued challenge stays valid, in seconds (default 300).
    pub challenge_ttl_secs: u64,
    /// The clock (unix seconds) of the verifier and the stores. Default: the system clock.
    pub clock: Clock,
    /// Serve the FIDO conformance server API (`POST {prefix}get`, `POST {prefix}respond`).
    /// Default **off**: that API is unauthenticated by design — whoever can reach it can
    /// register a key for any user name and deregister any user's keys — so it is for test
    /// deployments that run the FIDO conformance tool or `uaf-conformance server`, never for
    /// a server real users depend on.
    pub conformance_api: bool,
    /// How long a browser session made by a phone sign-in lives, in seconds (default 28800,
    /// 8 hours).
    pub session_ttl_secs: u64,
    /// Mark the sign-in and session cookies `Secure` (default off, because the server itself
    /// speaks plain HTTP; turn it on behind a TLS-terminating proxy).
    pub secure_cookies: bool,
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
            prefix: String::from("/"),
            challenge_ttl_secs: 300,
            clock: system_clock(),
            conformance_api: false,
            session_ttl_secs: 8 * 60 * 60,
            secure_cookies: false,
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
            .field("prefix", &self.prefix)
            .field("conformance_api", &self.conformance_api)
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
    /// The database cannot be opened or migrated.
    Store(crate::StoreError),
    /// The runtime failed (a task panicked, the runtime could not start).
    Runtime(String),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Io(e) => write!(f, "socket: {e}"),
            ServerError::Config(m) => write!(f, "configuration: {m}"),
            ServerError::Metadata(m) => write!(f, "metadata: {m}"),
            ServerError::Store(e) => write!(f, "database: {e}"),
            ServerError::Runtime(m) => write!(f, "runtime: {m}"),
        }
    }
}

impl core::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ServerError::Io(e) => Some(e),
            ServerError::Store(e) => Some(e),
            _ => None,
        }
    }
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
}

impl Server {
    /// Binds `config.listen`, opens (and migrates) the database, loads the metadata and
    /// builds the relying party. Nothing is served until [`Server::serve`].
    ///
    /// # Errors
    /// [`ServerError`] naming what failed.
    pub async fn bind(config: ServerConfig) -> Result<Server, ServerError> {
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
        let durability = config.durability;
        let (metadata, db) = tokio::task::spawn_blocking(move || {
            let local = match &metadata_dir {
                Some(dir) => MetadataIndex::load_dir(dir)
                    .map_err(|e| ServerError::Metadata(format!("{}: {e}", dir.display())))?,
                None => MetadataIndex::new(),
            };
            let metadata = LiveMetadata::load(local, mds, clock).map_err(ServerError::Metadata)?;
            let db = crate::store::open_with(&database.to_string_lossy(), pool_size, durability)
                .map_err(ServerError::Store)?;
            Ok::<_, ServerError>((SharedMetadata(Arc::new(metadata)), db))
        })
        .await
        .map_err(|e| ServerError::Runtime(e.to_string()))??;
        if config.metadata.is_none() && config.mds.is_none() {
            tracing::warn!(
                "no --metadata and no --mds-blob: every registration will be refused (unknown AAID)"
            );
        }
        mds::spawn_watcher(&metadata.0).map_err(ServerError::Runtime)?;
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
        })
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

    /// Serves until `shutdown` completes, then stops accepting and lets the requests in
    /// flight finish (graceful shutdown).
    ///
    /// # Errors
    /// [`ServerError::Io`] when the listening socket fails.
    pub async fn serve<F>(self, shutdown: F) -> Result<(), ServerError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(ServerError::Io)
    }

    /// Starts a server on a runtime of its own (a background thread with a small
    /// multi-thread runtime) and returns once it is bound: for tests and for embedding in
    /// synchronous programs.
    ///
    /// # Errors
    /// As [`Server::bind`], or [`ServerError::Runtime`] when the runtime cannot start.
    pub fn spawn(config: ServerConfig) -> Result<ServerHandle, ServerError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_io()
            .build()
            .map_err(|e| ServerError::Runtime(e.to_string()))?;
        let server = runtime.block_on(Server::bind(config))?;
        let (addr, app_id, prefix) = (server.addr, server.app_id.clone(), server.prefix.clone());
        let metadata = server.metadata.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("uaf-server {addr}"))
            .spawn(move || {
                runtime.block_on(server.serve(async {
                    // A dropped sender stops the server too.
                    let _ = stopped.await;
                }))
            })
            .map_err(|e| ServerError::Runtime(e.to_string()))?;
        Ok(ServerHandle {
            addr,
            app_id,
            prefix,
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

    /// `http://{address}{prefix}` without the trailing `/` (the base URL of the conformance
    /// API: `{base}/get`, `{base}/respond`).
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, self.prefix.trim_end_matches('/'))
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
    pub fn reload_metadata(&self) -> Result<MetadataStatus, String> {
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
