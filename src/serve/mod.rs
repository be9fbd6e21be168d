//! The HTTP service behind `notice-ingest serve` (feature `serve`): an API for trackers and a
//! review page for staff, both over the library's own conversion.
//!
//! | route | what |
//! |---|---|
//! | `POST /api/convert[?format=json\|jsonl\|csv\|xlsx]` | a notice (multipart field `file`, or the raw body named by `X-File-Name` / `?name=`) → its canonical JSON or that output |
//! | `POST /api/draw?page=N` | a PDF (and, multipart, `tasks`: tasks as JSON whose cells to outline) → the page drawn as SVG |
//! | `GET /api/schema` | the JSON Schema of the canonical document |
//! | `GET /healthz` | liveness, version, slots in use |
//! | `GET /` | the review page (HTML, CSS and JS compiled into the binary) |
//!
//! The service only reads requests and maps errors ([`errors`]); the library converts. Each
//! conversion runs on a blocking thread, at most [`ServeConfig::workers`] at once; up to
//! [`ServeConfig::queue`] more requests wait for a slot for at most [`ServeConfig::queue_wait`],
//! and a request past both gets 503 with `Retry-After`. Bodies are bounded by
//! [`ServeConfig::max_body_bytes`] (413) and read within [`ServeConfig::read_timeout`] (408); the
//! conversion's limits are the CLI's (`Config::limits`, time budget included).

mod api;
mod assets;
pub mod errors;
mod upload;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::Semaphore;

use crate::Config;

pub use errors::ApiError;
pub use upload::FILE_NAME_HEADER;

/// How the service runs: the conversion's configuration and the service's own bounds.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Registries, header words and limits, as for `convert` (time budget included).
    pub convert: Config,
    /// Largest request body accepted (413 above it).
    pub max_body_bytes: u64,
    /// Conversions (and drawings) running at once, each on a blocking thread.
    pub workers: usize,
    /// Requests that may wait for a worker beyond those running; more get 503 at once.
    pub queue: usize,
    /// How long a request waits for a worker before it gets 503.
    pub queue_wait: Duration,
    /// How long a client may take to send its request body (408 after it).
    pub read_timeout: Duration,
    /// When set, `/api/*` needs `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Print one line per API request on standard error.
    pub log_requests: bool,
}

impl ServeConfig {
    /// The service's defaults around `convert`: bodies up to 64 MiB, one worker per core, 32
    /// waiting for at most 10 s, bodies read within 60 s, no token, requests logged.
    pub fn new(convert: Config) -> Self {
        ServeConfig {
            convert,
            max_body_bytes: 64 * crate::MIB,
            workers: std::thread::available_parallelism().map_or(2, usize::from),
            queue: 32,
            queue_wait: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            token: None,
            log_requests: true,
        }
    }
}

/// What every request shares: the configuration and the two bounds on work in flight.
pub(crate) struct Shared {
    pub config: ServeConfig,
    /// Requests admitted (reading their body, waiting or converting): `workers + queue`.
    pub admitted: Arc<Semaphore>,
    /// Conversions running: `workers`.
    pub running: Arc<Semaphore>,
}

/// The service's routes over `config`, ready for [`axum::serve`] (or to be nested into another
/// axum application).
pub fn router(config: ServeConfig) -> Router {
    let workers = config.workers.max(1);
    let body_limit = usize::try_from(config.max_body_bytes).unwrap_or(usize::MAX);
    let shared = Arc::new(Shared {
        admitted: Arc::new(Semaphore::new(workers + config.queue)),
        running: Arc::new(Semaphore::new(workers)),
        config,
    });
    Router::new()
        .route("/", get(assets::index))
        .route("/app.js", get(assets::script))
        .route("/app.css", get(assets::style))
        .route("/favicon.svg", get(assets::icon))
        .route("/healthz", get(api::healthz))
        .route("/api/schema", get(api::schema))
        .route("/api/convert", post(api::convert))
        .route("/api/draw", post(api::draw))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(shared)
}

/// Serves [`router`]`(config)` on `listener` until `shutdown` completes, then finishes the
/// requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(config)).with_graceful_shutdown(shutdown).await
}
