//! `fleetplan-server`: the local web dashboard behind `fleetplan serve`.
//!
//! A front-end layer like the CLI: it reads requests, calls `fleetplan_io::api`, the engines and
//! `fleetplan_io::charts`, and serialises their documents; it holds no business logic. The
//! single-page app under `assets/` and the workspace's `examples/*.toml` are embedded in the
//! binary (see `build.rs`), so the server reads no file except those named on its command line.
//!
//! Safety model (docs/serve.md): loopback only unless a non-loopback bind address *and*
//! `allow_remote` are given (then a bearer token is required on `/api/*`); Host and Origin
//! checks against DNS rebinding and cross-site requests; request bodies capped; a concurrency
//! limit, a wait queue and a time limit per kind of request; no CORS headers; a strict
//! Content-Security-Policy on every response; graceful shutdown.

pub mod assets;
pub mod body;
pub mod config;
pub mod error;
pub mod files;
pub mod jobs;
pub mod limits;
pub mod routes;
pub mod safety;

pub use config::{KindLimits, ServerConfig};
pub use error::ApiError;

use axum::Router;
use fleetplan_core::catalog::Catalog;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How long connections may take to finish after a shutdown signal before the server stops
/// anyway (open event streams, slow clients), seconds.
pub const SHUTDOWN_GRACE_S: u64 = 10;

/// Everything a request handler can reach: shared, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The catalog (built-in plus `--catalog` overrides), shared read-only.
    pub catalog: Arc<Catalog>,
    /// The files the server may read: embedded examples and the files given at start.
    pub files: Arc<files::AllowedFiles>,
    /// Concurrency, queue and time limits of the inline endpoints (check, evaluate, compare).
    pub inline: Arc<limits::InlineLimiters>,
    /// Host/Origin/token checks.
    pub guard: Arc<safety::Guard>,
    /// Largest request body accepted, bytes.
    pub body_limit_bytes: usize,
    /// The job manager (optimize, simulate, sweep: `src/jobs`).
    pub jobs: Arc<jobs::JobManager>,
    /// Becomes `true` when the server starts shutting down (long-lived responses such as event
    /// streams end when they see it).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

/// What a started server tells its caller (the CLI prints it).
#[derive(Debug, Clone)]
pub struct ServerInfo {
    /// The address actually bound (the port is known after binding port 0).
    pub addr: SocketAddr,
    /// The URL to open; with a token it ends in `#token=…` (a fragment: never sent to the server
    /// or written to logs by the browser).
    pub url: String,
    /// The bearer token required on `/api/*`, when remote access is allowed.
    pub token: Option<String>,
}

/// Why the server did not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A non-loopback address without `allow_remote`.
    #[error(
        "refusing to listen on {addr}: it is not a loopback address, and the dashboard has no other protection than a token\n  help: use --bind 127.0.0.1:PORT, or add --allow-remote to listen on {addr} with a bearer token"
    )]
    RemoteNotAllowed {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The address could not be bound (in use, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A file named on the command line cannot be offered.
    #[error(transparent)]
    File(#[from] files::FileError),
    /// No random token could be drawn from the operating system.
    #[error("cannot draw a random token from the operating system: {0}")]
    Random(getrandom::Error),
    /// The server failed while running (accept loop, runtime).
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

/// The application: static assets, the JSON API and the job endpoints, behind the safety layers
/// (security headers outermost, then Host/Origin/token checks).
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(assets::routes())
        .merge(routes::api())
        .merge(jobs::routes())
        .fallback(routes::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(state.body_limit_bytes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), safety::guard))
        .layer(axum::middleware::from_fn(safety::headers))
        .with_state(state)
}

/// A server bound to its address, not yet accepting requests.
pub struct Bound {
    listener: tokio::net::TcpListener,
    state: AppState,
    info: ServerInfo,
    shutdown: tokio::sync::watch::Sender<bool>,
}

/// Check the configuration, bind the listener and build the state (token drawn when remote
/// access is allowed and none is configured).
pub async fn bind(config: &ServerConfig) -> Result<Bound, ServeError> {
    config.check_bind()?;
    let allowed = files::AllowedFiles::new(&config.files)?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Bind { addr: config.bind, source })?;
    let addr = listener.local_addr()?;
    let token = match (&config.token, config.allow_remote) {
        (_, false) => None,
        (Some(token), true) => Some(token.clone()),
        (None, true) => Some(safety::random_token()?),
    };
    let guard = safety::Guard::new(addr, config.allow_remote, token.clone());
    let url = match &token {
        Some(token) => format!("{}#token={token}", guard.base_url()),
        None => guard.base_url(),
    };
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let state = AppState {
        catalog: config.catalog.clone(),
        files: Arc::new(allowed),
        inline: Arc::new(limits::InlineLimiters::new(&config.inline)),
        guard: Arc::new(guard),
        body_limit_bytes: config.body_limit_bytes,
        jobs: Arc::new(jobs::JobManager::new(config)),
        shutdown: shutdown_rx,
    };
    Ok(Bound { listener, state, info: ServerInfo { addr, url, token }, shutdown: shutdown_tx })
}

impl Bound {
    /// Where the server listens and what to open.
    pub fn info(&self) -> &ServerInfo {
        &self.info
    }

    /// The state the router will use (tests reach the job manager through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until `shutdown` completes, then stop accepting, let open requests finish (at most
    /// [`SHUTDOWN_GRACE_S`]) and return.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServeError> {
        let Bound { listener, state, shutdown: signal, .. } = self;
        let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
        let jobs = state.jobs.clone();
        let graceful = async move {
            shutdown.await;
            // Queued jobs never start; running ones stop at their next check (jobs module).
            jobs.cancel_all();
            let _ = signal.send(true);
            let _ = stopping_tx.send(true);
        };
        let app = router(state).into_make_service();
        let server = axum::serve(listener, app).with_graceful_shutdown(graceful);
        let deadline = async move {
            let _ = stopping_rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(Duration::from_secs(SHUTDOWN_GRACE_S)).await;
        };
        tokio::select! {
            result = server => result.map_err(ServeError::Io),
            () = deadline => Ok(()),
        }
    }
}

/// Bind and serve until `shutdown` completes.
pub async fn serve(
    config: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    bind(config).await?.run(shutdown).await
}

/// Run the server on its own multi-threaded runtime until Ctrl-C (SIGINT) or SIGTERM;
/// `on_ready` is called once the address is bound (the CLI prints the URL there). The signal
/// handlers are installed before that, so a signal sent as soon as the URL appears is a
/// graceful stop too.
pub fn serve_blocking(config: &ServerConfig, on_ready: impl FnOnce(&ServerInfo)) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(async {
        let stop = shutdown_signal();
        let bound = bind(config).await?;
        on_ready(bound.info());
        bound.run(stop).await
    });
    // Work still running on the blocking pool (an evaluation, a job's worker) gets the same
    // grace; dropping the runtime instead would wait for it however long it takes.
    runtime.shutdown_timeout(Duration::from_secs(SHUTDOWN_GRACE_S));
    result
}

/// Installs the Ctrl-C (SIGINT) and, on Unix, SIGTERM handlers now (call it inside the
/// runtime) and returns a future that completes when either signal arrives.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async fn arrives(s: Option<Signal>) {
            match s {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        async move {
            tokio::select! {
                () = arrives(interrupt) => {},
                () = arrives(terminate) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
