//! The server's own accept loop: a cap on concurrent connections (excess connections are
//! closed at once), back-off on accept errors (EMFILE and friends never stop the process),
//! header-read, body and idle keep-alive timeouts, TLS (rustls on *ring*, PEM files reloaded
//! on SIGHUP) and graceful shutdown with a deadline.
//!
//! Every limit is in [`Limits`]; docs/server.md ("Under attack") states the memory bound they
//! give under a flood.

use core::future::Future;
use core::net::SocketAddr;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

/// The body limit of endpoints that take a small JSON body (the browser's sign-in calls, the
/// conformance `get`): 16 KiB.
pub const SMALL_BODY_LIMIT: usize = 16 * 1024;

/// The body limit of endpoints that take a UAF response (the phone's enrolment and approval,
/// the conformance `respond`): 64 KiB. The largest legal UAF response (digest §2.2): a
/// header (`appID` ≤ 512, `serverData` ≤ 1536 characters, `upv`, `op`), `fcParams` (the
/// base64url of a JSON text holding an AppID ≤ 512, a challenge ≤ 86 and a facet ID ≤ 512
/// characters: ≤ 2 KiB), and per assertion ≤ 4096 bytes of TLV (base64url: 5462
/// characters). Eight assertions (one per authenticator of a multi-authenticator policy)
/// make ≈ 48 KiB, ≈ 52 KiB once escaped inside the `uafResponse` string: 64 KiB holds them.
pub const UAF_RESPONSE_BODY_LIMIT: usize = 64 * 1024;

/// hyper's per-connection read buffer (request line and headers must fit; larger headers
/// are answered 431): 16 KiB.
pub const HEADER_BUFFER: usize = 16 * 1024;

/// What one open connection may hold at most beyond its body, in bytes: hyper's header
/// buffer ([`HEADER_BUFFER`]), a second copy of the body while it is collected, the TLS
/// record buffers and the connection's task (48 KiB together).
pub const PER_CONNECTION_OVERHEAD: usize = HEADER_BUFFER + UAF_RESPONSE_BODY_LIMIT + 48 * 1024;

/// What the process holds without any connection, in bytes (the runtime and its threads,
/// SQLite's page cache, the metadata, the program): 64 MiB, generous.
pub const BASE_MEMORY: usize = 64 * 1024 * 1024;

/// The resident memory the server stays under with `max_connections` connections open, each
/// sending the largest body any endpoint takes (docs/server.md, "Under attack"):
/// `BASE_MEMORY + max_connections × (UAF_RESPONSE_BODY_LIMIT + PER_CONNECTION_OVERHEAD)`.
#[must_use]
pub const fn memory_bound_bytes(max_connections: usize) -> usize {
    BASE_MEMORY.saturating_add(
        max_connections.saturating_mul(UAF_RESPONSE_BODY_LIMIT + PER_CONNECTION_OVERHEAD),
    )
}

/// The connection limits and timeouts ([`crate::ServerConfig`] carries them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) max_connections: usize,
    pub(crate) header_timeout: Duration,
    pub(crate) body_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
}

/// Why the TLS certificate or key cannot be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// A file cannot be read.
    Read(PathBuf, std::io::Error),
    /// A file holds no PEM certificate / private key, or a malformed one.
    Pem(PathBuf, rustls::pki_types::pem::Error),
    /// rustls refuses the certificate chain and key (e.g. they do not match).
    Rustls(rustls::Error),
}

impl core::fmt::Display for TlsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TlsError::Read(p, e) => write!(f, "{}: {e}", p.display()),
            TlsError::Pem(p, e) => write!(f, "{}: {e}", p.display()),
            TlsError::Rustls(e) => write!(f, "TLS certificate and key: {e}"),
        }
    }
}

impl core::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            TlsError::Read(_, e) => Some(e),
            TlsError::Pem(_, e) => Some(e),
            TlsError::Rustls(e) => Some(e),
        }
    }
}

/// The PEM certificate chain and private key of TLS, and the acceptor made of them
/// (replaced on SIGHUP).
#[derive(Debug)]
pub(crate) struct Tls {
    cert: PathBuf,
    key: PathBuf,
    config: RwLock<Arc<rustls::ServerConfig>>,
}

impl Tls {
    /// Loads the chain and key (PEM). A wrong file fails the start.
    pub(crate) fn load(cert: &Path, key: &Path) -> Result<Tls, TlsError> {
        let config = tls_config(cert, key)?;
        Ok(Tls {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            config: RwLock::new(config),
        })
    }

    /// Reads the files again; a bad new pair is logged and the one in force stays.
    pub(crate) fn reload(&self) -> Result<(), TlsError> {
        let config = tls_config(&self.cert, &self.key)?;
        match self.config.write() {
            Ok(mut c) => *c = config,
            Err(poisoned) => *poisoned.into_inner() = config,
        }
        Ok(())
    }

    fn current(&self) -> Arc<rustls::ServerConfig> {
        match self.config.read() {
            Ok(c) => Arc::clone(&c),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}

fn tls_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let cert_pem = std::fs::read(cert).map_err(|e| TlsError::Read(cert.to_path_buf(), e))?;
    let key_pem = std::fs::read(key).map_err(|e| TlsError::Read(key.to_path_buf(), e))?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem(cert.to_path_buf(), e))?;
    if chain.is_empty() {
        return Err(TlsError::Pem(
            cert.to_path_buf(),
            rustls::pki_types::pem::Error::NoItemsFound,
        ));
    }
    let key_der =
        PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::Pem(key.to_path_buf(), e))?;
    // *ring*, as the workspace builds it already (rustls 0.23.48 deprecates it only because
    // it lacks the post-quantum key exchange of the aws-lc-rs provider).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Rustls)?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(TlsError::Rustls)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// SIGHUP reloads the certificate and key (the listener stays open; connections made after
/// the reload get the new certificate).
#[cfg(unix)]
pub(crate) fn spawn_tls_reloader(tls: &Arc<Tls>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = signal(SignalKind::hangup())?;
    let tls = Arc::clone(tls);
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            match tls.reload() {
                Ok(()) => tracing::info!(
                    cert = %tls.cert.display(),
                    "SIGHUP: TLS certificate and key reloaded"
                ),
                Err(e) => tracing::error!(
                    error = %e,
                    "SIGHUP: the new TLS certificate or key is refused; the old one stays"
                ),
            }
        }
    });
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn spawn_tls_reloader(_tls: &Arc<Tls>) -> std::io::Result<()> {
    Ok(())
}

/// A request body that fails once `deadline` passes before its end: a client that sends
/// less than its `Content-Length` loses the connection after the body timeout.
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

/// The body did not arrive within the body timeout.
#[derive(Debug)]
struct BodyTimeout;

impl core::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the request body did not arrive within the body timeout")
    }
}

impl core::error::Error for BodyTimeout {}

impl hyper::body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(r) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(r.map(|f| f.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimeout))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// No head started (`Activity::head_started_ms`), no stream open (`Activity::stream_until_ms`).
/// How long data the server sent may stay unacknowledged before the kernel gives the
/// connection up (`TCP_USER_TIMEOUT`, Linux). A peer that vanished without closing (a phone
/// that lost its network, a NAT that forgot the flow) otherwise holds its connection, and a
/// push stream's slot, until the kernel's retransmissions run out (about 15 minutes); with a
/// stream's heartbeats, such a stream now ends within this time plus one heartbeat.
pub const TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);

/// TCP keepalive of accepted connections: probes after this long without traffic...
pub const TCP_KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
/// ...then every this long; the connection is dropped after a few unanswered probes.
pub const TCP_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);

/// An accepted connection's socket options: no Nagle delay, keepalive probes, and (Linux)
/// [`TCP_USER_TIMEOUT`]. A failure is logged, not fatal: the connection is served as it is.
pub(crate) fn tune(stream: &tokio::net::TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "TCP_NODELAY");
    }
    let socket = socket2::SockRef::from(stream);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(TCP_KEEPALIVE_IDLE)
        .with_interval(TCP_KEEPALIVE_INTERVAL);
    if let Err(e) = socket.set_tcp_keepalive(&keepalive) {
        tracing::debug!(error = %e, "TCP keepalive");
    }
    #[cfg(target_os = "linux")]
    if let Err(e) = socket.set_tcp_user_timeout(Some(TCP_USER_TIMEOUT)) {
        tracing::debug!(error = %e, "TCP_USER_TIMEOUT");
    }
}

const NO_HEAD: u64 = u64::MAX;

/// Marks a streaming response (Server-Sent Events): a response extension holding the longest
/// the stream may stay open. The connection stays open while the response body is being sent
/// (the request counts as in flight until the body ends, so the idle timeout does not cut
/// it), and is closed once the stream outlives this bound (a client that stopped reading).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Streaming(pub(crate) Duration);

/// A streaming response's body: the request stays in flight (and the stream's bound armed)
/// until the body ends or is dropped.
struct StreamingBody {
    inner: Body,
    guard: Option<InFlight>,
}

impl StreamingBody {
    fn finish(&mut self) {
        if let Some(guard) = self.guard.take() {
            guard.0.stream_until_ms.store(NO_HEAD, Ordering::Relaxed);
        }
    }
}

impl Drop for StreamingBody {
    fn drop(&mut self) {
        self.finish();
    }
}

impl hyper::body::Body for StreamingBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let r = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.finish();
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// What a connection's watchdog reads: the requests in flight, when the last one ended and
/// when the bytes of the next request's head began to arrive.
struct Activity {
    start: Instant,
    in_flight: AtomicUsize,
    last_millis: AtomicU64,
    head_started_ms: AtomicU64,
    /// When the streaming response in flight must have ended (`NO_HEAD`: none).
    stream_until_ms: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            in_flight: AtomicUsize::new(0),
            last_millis: AtomicU64::new(0),
            head_started_ms: AtomicU64::new(NO_HEAD),
            stream_until_ms: AtomicU64::new(NO_HEAD),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(NO_HEAD - 1)
    }

    fn touch(&self) {
        self.last_millis.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Bytes arrived: with no request in flight they begin the next request's head.
    fn bytes_read(&self) {
        if self.in_flight.load(Ordering::Relaxed) == 0 {
            let now = self.now_ms();
            let _ = self.head_started_ms.compare_exchange(
                NO_HEAD,
                now,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }

    /// Whether the connection must close now: no request in flight, and either a head
    /// begun longer than `header` ago or nothing received for longer than `idle`.
    fn expired(&self, header: Duration, idle: Duration) -> Option<&'static str> {
        let now = self.now_ms();
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            let until = self.stream_until_ms.load(Ordering::Relaxed);
            return (until != NO_HEAD && now >= until).then_some("stream outlived its bound");
        }
        let since = |ms: u64| Duration::from_millis(now.saturating_sub(ms));
        let head = self.head_started_ms.load(Ordering::Relaxed);
        if head != NO_HEAD {
            return (since(head) >= header).then_some("header-read timeout");
        }
        (since(self.last_millis.load(Ordering::Relaxed)) >= idle)
            .then_some("idle keep-alive timeout")
    }
}

/// Marks a request in flight until it ends (or is dropped).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn begin(activity: Arc<Activity>) -> InFlight {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        activity.head_started_ms.store(NO_HEAD, Ordering::Relaxed);
        InFlight(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The connection's socket (or TLS stream), telling [`Activity`] when bytes arrive.
struct Watched<I> {
    io: I,
    activity: Arc<Activity>,
}

impl<I: AsyncRead + Unpin> AsyncRead for Watched<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        r
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Watched<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the connections
/// finish for at most `limits.shutdown_timeout` and returns (the connections still open
/// are dropped).
pub(crate) async fn serve<F>(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<Arc<Tls>>,
    shutdown: F,
) where
    F: Future<Output = ()> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut backoff = Duration::ZERO;
    let mut refused: u64 = 0;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    backoff = Duration::ZERO;
                    let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                        // Over the cap: closed at once, never queued.
                        refused = refused.saturating_add(1);
                        if refused.is_power_of_two() {
                            tracing::warn!(
                                max_connections = limits.max_connections,
                                refused,
                                "connection cap reached: new connections are closed at once"
                            );
                        }
                        drop(stream);
                        continue;
                    };
                    tune(&stream);
                    let router = router.clone();
                    let stop = stop_rx.clone();
                    let tls = tls.as_ref().map(|t| t.current());
                    connections.spawn(async move {
                        match tls {
                            None => serve_connection(stream, peer, router, limits, stop).await,
                            Some(config) => {
                                let acceptor = tokio_rustls::TlsAcceptor::from(config);
                                match tokio::time::timeout(
                                    limits.header_timeout,
                                    acceptor.accept(stream),
                                )
                                .await
                                {
                                    Ok(Ok(tls_stream)) => {
                                        serve_connection(tls_stream, peer, router, limits, stop)
                                            .await;
                                    }
                                    Ok(Err(e)) => {
                                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                                    }
                                    Err(_) => {
                                        tracing::debug!(%peer, "TLS handshake timed out");
                                    }
                                }
                            }
                        }
                        drop(permit);
                    });
                }
                Err(e) => {
                    // EMFILE, ENFILE, ENOBUFS, ECONNABORTED…: never fatal. Wait a little (up
                    // to a second) so that connections can close, then accept again.
                    backoff = (backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                    tracing::warn!(
                        error = %e,
                        retry_in_ms = u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX),
                        open_connections = limits.max_connections - permits.available_permits(),
                        "accept failed; retrying"
                    );
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        () = &mut shutdown => break,
                    }
                }
            },
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let open = connections.len();
    if open > 0 {
        tracing::info!(
            open,
            deadline_secs = limits.shutdown_timeout.as_secs(),
            "waiting for open connections to finish"
        );
    }
    let drained = tokio::time::timeout(limits.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "shutdown deadline passed: closing the connections still open"
        );
        connections.abort_all();
    }
}

async fn serve_connection<I>(
    io: I,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let service_activity = Arc::clone(&activity);
    let body_timeout = limits.body_timeout;
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let guard = InFlight::begin(Arc::clone(&service_activity));
        let router = router.clone();
        async move {
            let (mut parts, body) = req.into_parts();
            parts.extensions.insert(ConnectInfo(peer));
            let body = Body::new(DeadlineBody {
                inner: body,
                deadline: Box::pin(tokio::time::sleep(body_timeout)),
            });
            let response = router.oneshot(Request::from_parts(parts, body)).await;
            match response {
                Ok(mut r) => match r.extensions_mut().remove::<Streaming>() {
                    Some(Streaming(bound)) => {
                        // In flight until the stream's body ends, and at most `bound`.
                        let a = &guard.0;
                        let until = a.now_ms().saturating_add(
                            u64::try_from(bound.as_millis()).unwrap_or(NO_HEAD - 1),
                        );
                        a.stream_until_ms
                            .store(until.min(NO_HEAD - 1), Ordering::Relaxed);
                        let (parts, body) = r.into_parts();
                        let body = Body::new(StreamingBody {
                            inner: body,
                            guard: Some(guard),
                        });
                        Ok(axum::http::Response::from_parts(parts, body))
                    }
                    None => {
                        drop(guard);
                        Ok(r)
                    }
                },
                Err(e) => {
                    drop(guard);
                    Err(e)
                }
            }
        }
    });
    let io = Watched {
        io,
        activity: Arc::clone(&activity),
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    // The header-read and idle timeouts are the watchdog's below (hyper's own header timer
    // also runs while a keep-alive connection waits, which would make the idle timeout the
    // header timeout).
    http.timer(TokioTimer::new())
        .header_read_timeout(None)
        .max_buf_size(HEADER_BUFFER)
        .keep_alive(true);
    let conn = http.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let tick = (limits.header_timeout.min(limits.idle_timeout) / 8)
        .clamp(Duration::from_millis(50), Duration::from_millis(500));
    let mut closing = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended");
                }
                return;
            }
            changed = stop.changed(), if !closing => {
                // Shutdown (or the server dropped): finish the request in flight, then close.
                let _ = changed;
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep(tick) => {
                if let Some(why) = activity.expired(limits.header_timeout, limits.idle_timeout) {
                    // No request in flight: nothing is lost by closing now.
                    tracing::debug!(%peer, "{why}: connection closed");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("uaf-net-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn tls_files_that_cannot_be_used_are_refused_with_their_reason() {
        let dir = temp("tls");
        let missing = dir.join("missing.pem");
        let err = Tls::load(&missing, &missing).unwrap_err();
        assert!(
            matches!(&err, TlsError::Read(p, _) if *p == missing),
            "{err}"
        );

        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "no PEM here\n").unwrap();
        let err = Tls::load(&empty, &empty).unwrap_err();
        assert!(
            matches!(
                &err,
                TlsError::Pem(p, rustls::pki_types::pem::Error::NoItemsFound) if *p == empty
            ),
            "{err}"
        );

        // A certificate block whose content is not a certificate, with a key block that is
        // not a key: rustls refuses the pair (or the key is not found).
        let cert = dir.join("cert.pem");
        std::fs::write(
            &cert,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let err = Tls::load(&cert, &empty).unwrap_err();
        assert!(matches!(&err, TlsError::Pem(p, _) if *p == empty), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_memory_bound_grows_with_the_connection_cap() {
        assert_eq!(memory_bound_bytes(0), BASE_MEMORY);
        assert_eq!(
            memory_bound_bytes(512),
            BASE_MEMORY + 512 * (UAF_RESPONSE_BODY_LIMIT + PER_CONNECTION_OVERHEAD)
        );
        assert_eq!(memory_bound_bytes(512), 160 * 1024 * 1024);
        assert_eq!(memory_bound_bytes(usize::MAX), usize::MAX);
    }

    #[test]
    fn the_watchdog_tells_header_and_idle_timeouts_apart() {
        let header = Duration::from_millis(40);
        let idle = Duration::from_secs(3600);
        let a = Arc::new(Activity::new());
        // Nothing received yet: only the idle timeout applies.
        assert_eq!(a.expired(header, idle), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(a.expired(header, idle), None);
        // The first bytes of a head start the header timeout.
        a.bytes_read();
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(a.expired(header, idle), Some("header-read timeout"));
        // A request in flight is never cut by the watchdog (the body timeout applies).
        let guard = InFlight::begin(Arc::clone(&a));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(a.expired(header, Duration::ZERO), None);
        // A streaming response in flight: closed once it outlives its bound, not before.
        a.stream_until_ms.store(a.now_ms() + 40, Ordering::Relaxed);
        assert_eq!(a.expired(header, Duration::ZERO), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(
            a.expired(header, Duration::ZERO),
            Some("stream outlived its bound")
        );
        a.stream_until_ms.store(NO_HEAD, Ordering::Relaxed);
        // Bytes while a request is in flight do not start a head.
        a.bytes_read();
        drop(guard);
        assert_eq!(a.expired(header, idle), None);
        assert_eq!(
            a.expired(header, Duration::ZERO),
            Some("idle keep-alive timeout")
        );
    }
}

#[cfg(test)]
mod socket_tests {
    use super::*;

    #[test]
    fn accepted_connections_get_keepalive_and_a_user_timeout() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (accepted, _) = listener.accept().await.unwrap();
            let before = socket2::SockRef::from(&accepted);
            assert!(!before.keepalive().unwrap());
            tune(&accepted);
            let after = socket2::SockRef::from(&accepted);
            assert!(accepted.nodelay().unwrap());
            assert!(after.keepalive().unwrap());
            assert_eq!(after.tcp_keepalive_time().unwrap(), TCP_KEEPALIVE_IDLE);
            assert_eq!(
                after.tcp_keepalive_interval().unwrap(),
                TCP_KEEPALIVE_INTERVAL
            );
            #[cfg(target_os = "linux")]
            assert_eq!(after.tcp_user_timeout().unwrap(), Some(TCP_USER_TIMEOUT));
            // The client's own socket is left as it was.
            assert!(!socket2::SockRef::from(&client).keepalive().unwrap());
        });
    }
}
