//! The API's handlers: convert, draw, schema, health. Each reads its request, hands the work to
//! a blocking thread under the service's bounds, and maps the outcome to a response.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::errors::ApiError;
use super::upload::{read_upload, Upload};
use super::Shared;
use crate::output::{render, OutputFormat};
use crate::record::Task;

/// Most tasks one drawing request may ask to outline.
const MAX_DRAWN_TASKS: usize = 10_000;
/// Time a conversion may run past its budget before the request is answered without it (the
/// budget is checked between stages, so a stage can overrun it).
const BUDGET_GRACE: Duration = Duration::from_secs(10);

/// Query parameters of the API's routes.
#[derive(Debug, Default, Deserialize)]
struct Params {
    /// Output format of `/api/convert`.
    format: Option<String>,
    /// The file's name for a raw body.
    name: Option<String>,
    /// The page of `/api/draw`, 1-based.
    page: Option<String>,
}

/// The query parameters of `uri` (400 when they cannot be read).
fn params(uri: &Uri) -> Result<Params, ApiError> {
    Query::<Params>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| ApiError::bad_request(format!("bad query parameters: {}", e.body_text())))
}

/// The output format asked for (`?format=`, default JSON).
fn output_format(format: Option<&str>) -> Result<OutputFormat, ApiError> {
    match format.unwrap_or("json") {
        "json" => Ok(OutputFormat::Json),
        "jsonl" => Ok(OutputFormat::Jsonl),
        "csv" => Ok(OutputFormat::Csv),
        "xlsx" => Ok(OutputFormat::Xlsx),
        other => Err(ApiError::bad_request(format!("unknown format {other:?}: use json, jsonl, csv or xlsx"))),
    }
}

/// The media type of an output.
fn content_type(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Json => "application/json",
        OutputFormat::Jsonl => "application/x-ndjson",
        OutputFormat::Csv => "text/csv; charset=utf-8",
        OutputFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
}

/// `Authorization: Bearer <token>` when the service has a token (compared in constant time).
fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = &shared.config.token else { return Ok(()) };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let same = sent.len() == token.len() && sent.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "this service needs Authorization: Bearer <token>"))
    }
}

/// Admits the request (or 503 when `workers + queue` are already in), then reads its upload.
async fn admit_and_read(
    shared: &Arc<Shared>,
    request: Request,
    name_query: Option<&str>,
) -> Result<(tokio::sync::OwnedSemaphorePermit, Upload), ApiError> {
    let admitted = shared.admitted.clone().try_acquire_owned().map_err(|_| {
        ApiError::busy(
            format!(
                "the service is busy: {} conversion(s) running and {} waiting; try again shortly",
                shared.config.workers, shared.config.queue
            ),
            1,
        )
    })?;
    let c = &shared.config;
    let upload = read_upload(request, c.max_body_bytes, c.read_timeout, name_query).await?;
    Ok((admitted, upload))
}

/// Runs `work` on a blocking thread once a worker slot is free (waiting at most `queue_wait`,
/// then 503), within the time budget plus [`BUDGET_GRACE`]. A panic is a 500; the slot is held
/// until the work really ends, even when the request was answered before.
async fn run_blocking<T: Send + 'static>(
    shared: &Arc<Shared>,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let c = &shared.config;
    let slot = match tokio::time::timeout(c.queue_wait, shared.running.clone().acquire_owned()).await {
        Ok(Ok(slot)) => slot,
        _ => {
            return Err(ApiError::busy(
                format!("no conversion slot became free within {} s; try again shortly", c.queue_wait.as_secs_f64()),
                2,
            ))
        }
    };
    let started = Instant::now();
    let task = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
    });
    let outcome = match c.convert.limits.time_budget {
        Some(budget) => match tokio::time::timeout(budget + BUDGET_GRACE, task).await {
            Ok(joined) => joined,
            Err(_) => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "time-budget",
                    format!(
                        "the time budget of {:.1} s ran out after {:.1} s and the conversion did not stop; its result will be dropped",
                        budget.as_secs_f64(),
                        started.elapsed().as_secs_f64()
                    ),
                ))
            }
        },
        None => task.await,
    };
    match outcome {
        Ok(Ok(result)) => result,
        Ok(Err(_panic)) => Err(ApiError::internal("the conversion failed unexpectedly (a panic); this is a bug")),
        Err(e) => Err(ApiError::internal(format!("the conversion thread failed: {e}"))),
    }
}

/// Characters kept as they are in `filename*` (RFC 8187's attr-char, less a few for safety).
const FILENAME_KEEP: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `filename="…"` (ASCII, quotes and controls replaced) and `filename*=UTF-8''…` for `name`.
fn attachment(name: &str) -> HeaderValue {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(name, FILENAME_KEEP);
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Prints one line about an API request on standard error, when the service logs; a closed or
/// failing standard error drops the line (never a panic in a request).
fn log(shared: &Shared, route: &str, name: &str, status: StatusCode, started: Instant, what: &str) {
    if shared.config.log_requests {
        use std::io::Write as _;
        let name: String = name.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
        let _ = writeln!(
            std::io::stderr().lock(),
            "{route} {name:?} -> {} {what} ({} ms)",
            status.as_u16(),
            started.elapsed().as_millis()
        );
    }
}

/// `POST /api/convert`: the upload converted with the service's configuration, answered as JSON
/// (the canonical document, byte for byte what `convert -o -` prints), JSONL, CSV or XLSX, with
/// `X-Notice-Id` and `X-Task-Count`; outputs other than JSON come as an attachment named after
/// the upload.
pub(super) async fn convert(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let started = Instant::now();
    let mut name = String::new();
    let result = convert_request(&shared, request, &mut name).await;
    answer(&shared, "convert", &name, started, result.map(|(r, tasks)| (r, format!("{tasks} task(s)"))))
}

/// The response of a route, logged with what it did (`done`) or why it failed.
fn answer(
    shared: &Shared,
    route: &str,
    name: &str,
    started: Instant,
    result: Result<(Response, String), ApiError>,
) -> Response {
    match result {
        Ok((response, done)) => {
            log(shared, route, name, StatusCode::OK, started, &done);
            response
        }
        Err(e) => {
            log(shared, route, name, e.status, started, &e.message);
            e.into_response()
        }
    }
}

async fn convert_request(
    shared: &Arc<Shared>,
    request: Request,
    name: &mut String,
) -> Result<(Response, usize), ApiError> {
    authorize(shared, request.headers())?;
    let p = params(request.uri())?;
    let format = output_format(p.format.as_deref())?;
    let (_admitted, upload) = admit_and_read(shared, request, p.name.as_deref()).await?;
    name.clone_from(&upload.name);
    let config = shared.config.convert.clone();
    let (notice_id, tasks, bytes) = run_blocking(shared, move || {
        // Its errors name the upload, as the CLI's name the file.
        let doc = crate::convert_bytes(&upload.bytes, &upload.name, &config)?;
        let bytes = render(&doc, format)?;
        Ok((doc.notice.id, doc.tasks.len(), bytes))
    })
    .await?;
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(format)));
    if let Ok(id) = HeaderValue::from_str(&notice_id) {
        headers.insert("x-notice-id", id);
    }
    headers.insert("x-task-count", HeaderValue::from(tasks));
    if format != OutputFormat::Json {
        let stem = std::path::Path::new(name.as_str()).file_stem().map_or("notice".into(), |s| s.to_string_lossy());
        headers.insert(header::CONTENT_DISPOSITION, attachment(&format!("{stem}.{}", format.extension())));
    }
    Ok((response, tasks))
}

/// `POST /api/draw?page=N`: page N (default 1) of the uploaded PDF drawn as SVG, with the cells of
/// the tasks in the multipart field `tasks` (a JSON array of tasks as `/api/convert` gave them)
/// outlined; `X-Page-Count` says how many pages the PDF has.
pub(super) async fn draw(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let started = Instant::now();
    let mut name = String::new();
    let result = draw_request(&shared, request, &mut name).await;
    answer(&shared, "draw", &name, started, result.map(|(r, outlined)| (r, format!("{outlined} cell(s) outlined"))))
}

async fn draw_request(
    shared: &Arc<Shared>,
    request: Request,
    name: &mut String,
) -> Result<(Response, usize), ApiError> {
    authorize(shared, request.headers())?;
    let p = params(request.uri())?;
    let page = match p.page.as_deref() {
        None => 1,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| ApiError::bad_request(format!("page must be a page number from 1, not {text:?}")))?,
    };
    let (_admitted, upload) = admit_and_read(shared, request, p.name.as_deref()).await?;
    name.clone_from(&upload.name);
    let tasks: Vec<Task> = match upload.field("tasks") {
        None => Vec::new(),
        Some(json) => serde_json::from_str(json)
            .map_err(|e| ApiError::bad_request(format!("the tasks field is not a JSON array of tasks: {e}")))?,
    };
    if tasks.len() > MAX_DRAWN_TASKS {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_DRAWN_TASKS} tasks can be outlined, not {}",
            tasks.len()
        )));
    }
    let limits = shared.config.convert.limits.clone();
    let drawing = run_blocking(shared, move || {
        crate::draw_pdf_page(&upload.bytes, page, &tasks, &limits).map_err(|e| {
            let mut e = ApiError::from(e);
            e.message = format!("{}: {}", upload.name, e.message);
            e
        })
    })
    .await?;
    let outlined = drawing.outlined;
    let mut response = Response::new(Body::from(drawing.svg));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    headers.insert("x-page", HeaderValue::from(drawing.page));
    headers.insert("x-page-count", HeaderValue::from(drawing.pages));
    headers.insert("x-cells-outlined", HeaderValue::from(outlined));
    Ok((response, outlined))
}

/// `GET /api/schema`: the JSON Schema every document of `/api/convert` passes.
pub(super) async fn schema(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(e) = authorize(&shared, &headers) {
        return e.into_response();
    }
    ([(header::CONTENT_TYPE, "application/schema+json")], crate::record::validate::NOTICE_SCHEMA_JSON).into_response()
}

/// `GET /healthz`: `{"status":"ok", …}` with the version and the slots in use (no token needed).
pub(super) async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    let c = &shared.config;
    let running = c.workers.max(1) - shared.running.available_permits().min(c.workers.max(1));
    let admitted = c.workers.max(1) + c.queue - shared.admitted.available_permits().min(c.workers.max(1) + c.queue);
    let body = serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": crate::SCHEMA_VERSION,
        "workers": c.workers.max(1),
        "running": running,
        "queued": admitted.saturating_sub(running),
    });
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// Any other route: 404 as JSON.
pub(super) async fn not_found(uri: Uri) -> Response {
    let path: String = uri.path().chars().take(200).collect();
    ApiError::new(StatusCode::NOT_FOUND, "not-found", format!("no such route: {path}")).into_response()
}
