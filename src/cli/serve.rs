//! `serve` (the HTTP API and the review page) and `draw` (a PDF page as SVG with the cells read
//! from it outlined): their arguments and how they run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notice_ingest::serve::ServeConfig;
use notice_ingest::{convert_path, draw_pdf_page, read_source, write_atomic, Format};

use super::args::LimitArgs;
use super::{load_config, printable};
use crate::{INPUT_ERRORS, OK, USAGE_OR_IO};

/// The time budget of one request when `--time-budget` is not given, in seconds.
const DEFAULT_SERVE_BUDGET_SECONDS: u64 = 60;

/// Arguments of `serve`.
#[derive(clap::Args, Debug)]
pub(crate) struct ServeArgs {
    /// Address and port to listen on; the default answers this machine only. Use e.g.
    /// `0.0.0.0:8080` (with --token) to serve an intranet.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub(crate) bind: String,
    /// Require `Authorization: Bearer TOKEN` on /api/* (the review page asks for it once).
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    pub(crate) token: Option<String>,
    /// Read the token from this file (first line), so it is not seen in the process list.
    #[arg(long, value_name = "FILE")]
    pub(crate) token_file: Option<PathBuf>,
    /// Conversions running at once (default: one per core), 1 to 256.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) workers: Option<u16>,
    /// Requests that may wait for a conversion slot beyond those running; more get 503.
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u16).range(0..=4096))]
    pub(crate) queue: u16,
    /// Seconds a request waits for a conversion slot before it gets 503 with Retry-After.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub(crate) queue_wait: u64,
    /// Largest request body, in MiB (413 above it).
    #[arg(long, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub(crate) max_body_mib: u64,
    /// Office registry JSON file used for every notice, instead of choosing a built-in registry by the notice's issuer.
    #[arg(long)]
    pub(crate) registry: Option<PathBuf>,
    /// Do not print a line per request.
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Resource limits of each conversion; --time-budget defaults to 60 seconds here.
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

/// Arguments of `draw`.
#[derive(clap::Args, Debug)]
pub(crate) struct DrawArgs {
    /// A PDF notice.
    pub(crate) file: PathBuf,
    /// The page to draw, from 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) page: u32,
    /// Where to write the SVG, or `-` for standard output.
    #[arg(short, long, default_value = "-")]
    pub(crate) output: PathBuf,
    /// Office registry JSON file used for every notice, instead of choosing a built-in registry by the notice's issuer.
    #[arg(long)]
    pub(crate) registry: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

/// The service's configuration from the flags, or a usage message.
fn serve_config(args: &ServeArgs) -> Result<ServeConfig, u8> {
    let mut convert = load_config(args.registry.as_deref(), &args.limits)?;
    if convert.limits.time_budget.is_none() {
        convert.limits.time_budget = Some(Duration::from_secs(DEFAULT_SERVE_BUDGET_SECONDS));
    }
    let token = match (&args.token, &args.token_file) {
        (Some(t), _) => Some(t.clone()),
        (None, Some(path)) => match std::fs::read_to_string(path) {
            Ok(text) => Some(text.lines().next().unwrap_or("").trim().to_string()),
            Err(e) => {
                note!("error: cannot read the token file {}: {e}", path.display());
                return Err(USAGE_OR_IO);
            }
        },
        (None, None) => None,
    };
    if token.as_deref().is_some_and(|t| t.len() < 16 || !t.is_ascii() || t.contains(char::is_whitespace)) {
        note!("error: the token must be at least 16 printable ASCII characters without spaces");
        return Err(USAGE_OR_IO);
    }
    let mut config = ServeConfig::new(convert);
    if let Some(w) = args.workers {
        config.workers = usize::from(w);
    }
    config.queue = usize::from(args.queue);
    config.queue_wait = Duration::from_secs(args.queue_wait);
    config.max_body_bytes = args.max_body_mib * notice_ingest::MIB;
    config.token = token;
    config.log_requests = !args.quiet;
    Ok(config)
}

/// Completes on Ctrl-C or SIGTERM (how systemd stops a service).
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    note!("notice-ingest serve: stopping; finishing the requests in flight");
}

/// `serve`: binds the address, prints it (`listening on http://…/`, which scripts wait for), and
/// serves until Ctrl-C or SIGTERM. Exit code 2 when the flags are bad or the address cannot be bound.
pub(crate) fn serve(args: &ServeArgs) -> u8 {
    let config = match serve_config(args) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let listener = match std::net::TcpListener::bind(&args.bind).and_then(|l| l.set_nonblocking(true).map(|()| l)) {
        Ok(l) => l,
        Err(e) => {
            note!("error: cannot listen on {}: {e}", printable(&args.bind));
            return USAGE_OR_IO;
        }
    };
    let address = listener.local_addr().map_or_else(|_| args.bind.clone(), |a| a.to_string());
    let loopback = listener.local_addr().is_ok_and(|a| a.ip().is_loopback());
    if !loopback && config.token.is_none() {
        note!("warning: listening on {address} without --token: anyone who reaches it can use the API");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(config.workers + 8)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            note!("error: cannot start the server's runtime: {e}");
            return USAGE_OR_IO;
        }
    };
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        note!(
            "notice-ingest serve: listening on http://{address}/ ({} worker(s), queue {}, bodies up to {} MiB{})",
            config.workers,
            config.queue,
            config.max_body_bytes / notice_ingest::MIB,
            if config.token.is_some() { ", token required" } else { "" }
        );
        notice_ingest::serve::serve(listener, config, shutdown_signal()).await
    });
    match served {
        Ok(()) => OK,
        Err(e) => {
            note!("error: the server stopped: {e}");
            USAGE_OR_IO
        }
    }
}

/// `draw`: converts the PDF (to know its tasks' cells; a file that does not convert is drawn
/// without outlines, with the reason on standard error) and writes page `--page` as SVG.
pub(crate) fn draw(args: &DrawArgs) -> u8 {
    let config = match load_config(args.registry.as_deref(), &args.limits) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let file = args.file.as_path();
    let source = match read_source(file, config.limits.max_input_bytes) {
        Ok(s) => s,
        Err(e) => {
            note!("error: {}", printable(&e.to_string()));
            return USAGE_OR_IO;
        }
    };
    if source.format != Format::Pdf {
        note!(
            "error: {}: draw reads PDF files only, and this file is {}",
            printable(&file.display().to_string()),
            source.format.as_str()
        );
        return INPUT_ERRORS;
    }
    let tasks = match convert_path(file, &config) {
        Ok(doc) => doc.tasks,
        Err(e) => {
            note!("warning: {}; the page is drawn without cell outlines", printable(&e.to_string()));
            Vec::new()
        }
    };
    let drawing = match draw_pdf_page(&source.bytes, args.page, &tasks, &config.limits) {
        Ok(d) => d,
        Err(e) => {
            note!("error: {}: {}", printable(&file.display().to_string()), printable(&e.to_string()));
            return INPUT_ERRORS;
        }
    };
    let written = if args.output == Path::new("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(drawing.svg.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to standard output: {e}"))
    } else {
        write_atomic(&args.output, drawing.svg.as_bytes()).map_err(|e| e.to_string())
    };
    if let Err(e) = written {
        note!("error: {e}");
        return USAGE_OR_IO;
    }
    let line = format!(
        "{} page {} of {} -> {} ({} cell box(es) outlined{})",
        file.display(),
        drawing.page,
        drawing.pages,
        args.output.display(),
        drawing.outlined,
        if drawing.truncated { "; drawn in part, see the note on the drawing" } else { "" }
    );
    note!("{}", printable(&line));
    OK
}
