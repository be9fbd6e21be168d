//! The `notice-ingest` command: parses arguments, calls the library, maps errors to exit codes.
//!
//! Exit codes: 0 everything converted without error diagnostics; 1 an input had errors (a file
//! that could not be converted, an error diagnostic, a document that breaks the schema); 2 usage
//! or I/O (bad flags, unreadable file, unwritable output).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use notice_ingest::{
    convert_path, render, write_atomic, Config, OfficeRegistry, OutputFormat, SchemaValidator, Severity,
};

#[derive(Parser)]
#[command(
    name = "notice-ingest",
    version,
    about = "Turn Chinese government notices and their task ledgers into validated task records"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert notices into canonical JSON (or JSONL / CSV), validated against the schema.
    Convert {
        /// Notice files: text renditions, HTML pages, PDF, DOCX and XLSX.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output directory, or `-` for standard output.
        #[arg(short, long, default_value = "output")]
        output: PathBuf,
        #[arg(long, value_enum, default_value_t = FormatArg::Json)]
        format: FormatArg,
        /// Office registry JSON file used for every notice, instead of choosing a built-in registry by the notice's issuer.
        #[arg(long)]
        registry: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
        /// Also print info diagnostics.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Check JSON files against the notice schema; prints each violation with its instance path.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Convert a directory or list of notices in parallel: per-notice JSON, tasks.jsonl,
    /// tasks.csv, a report, optionally JUnit XML and a SQLite database.
    Batch {
        /// Directories (walked for notice files) and files.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output directory.
        #[arg(short, long)]
        output: PathBuf,
        /// Worker threads (default: all cores), 1 to 256.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS))]
        jobs: Option<u16>,
        /// Which files are converted in a child process of their own, so that an abort or running
        /// out of memory in a parser we do not own becomes that file's error: `office` (PDF, DOCX,
        /// XLSX), `all`, or `off`.
        #[arg(long, value_enum, default_value_t = IsolateArg::Office)]
        isolate: IsolateArg,
        /// Address-space limit of each child process, in MiB (see --isolate).
        #[arg(long, value_name = "MIB", default_value_t = 4096, value_parser = clap::value_parser!(u64).range(64..))]
        worker_memory_mib: u64,
        /// Severity that makes a file fail the batch (exit code 1).
        #[arg(long, value_enum, default_value_t = FailOn::Error)]
        fail_on: FailOn,
        /// Where to write the JSON report (default: OUTPUT/report.json).
        #[arg(long)]
        report: Option<PathBuf>,
        /// Also write a JUnit XML report here.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Also upsert every notice into this SQLite database.
        #[arg(long)]
        sqlite: Option<PathBuf>,
        /// Process only shard I of N (0-based), chosen by a hash of each input's key.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Office registry JSON file used for every notice, instead of choosing a built-in registry by the notice's issuer.
        #[arg(long)]
        registry: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Join the output directories of shard runs into what one run would have written.
    Merge {
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Compare two converted versions of a notice: tasks added, removed and changed, by stable id.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Internal: converts the files sent on standard input for `batch --isolate`, one after
    /// another, and writes each result as JSON on standard output.
    #[command(name = "__convert-worker", hide = true)]
    ConvertWorker {
        #[arg(long)]
        registry: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
        /// Address-space limit of this process, in MiB.
        #[arg(long)]
        memory_mib: Option<u64>,
    },
    /// Print the office registry, or draft one from a corpus (`offices collect`).
    Offices {
        #[command(subcommand)]
        action: Option<OfficesAction>,
        /// A registry file to print instead of the built-in one.
        #[arg(long)]
        registry: Option<PathBuf>,
        /// Print the registry as JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show how a joined cell splits into office references.
    Split {
        text: String,
        #[arg(long)]
        registry: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum OfficesAction {
    /// Draft a registry for an issuer without one: converts the notices given (files or folders),
    /// counts every unit name they use that no registry knows, groups likely aliases, and prints the
    /// draft in the registry file format for a person to confirm:
    /// `notice-ingest offices collect archive/ > registry.json`.
    Collect {
        /// Notice files or folders of notices.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The registry's id (lower-case ASCII), prefix of the drafted codes.
        #[arg(long, default_value = "draft")]
        id: String,
        /// The issuer the registry is for; default: the issuer most of the notices name.
        #[arg(long)]
        issuer: Option<String>,
        /// An existing registry whose entries group the names they already list.
        #[arg(long)]
        base: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
}

#[derive(Clone, Copy, ValueEnum)]
enum IsolateArg {
    Off,
    Office,
    All,
}

/// The most worker threads `batch` starts.
const MAX_JOBS: i64 = 256;

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Json,
    Jsonl,
    Csv,
}

impl From<FormatArg> for OutputFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Jsonl => OutputFormat::Jsonl,
            FormatArg::Csv => OutputFormat::Csv,
        }
    }
}

const OK: u8 = 0;
const INPUT_ERRORS: u8 = 1;
const USAGE_OR_IO: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { USAGE_OR_IO } else { OK });
        }
    };
    if cli.command.writes_stdout() && !stdout_is_open() {
        eprintln!("error: standard output is closed; nothing could be written (use -o DIR to write files)");
        return ExitCode::from(USAGE_OR_IO);
    }
    ExitCode::from(match cli.command {
        Command::Convert { files, output, format, registry, limits, verbose } => {
            match load_config(registry.as_deref(), &limits) {
                Ok(config) => convert(&files, &output, format.into(), &config, verbose),
                Err(code) => code,
            }
        }
        Command::Validate { files } => validate(&files),
        Command::Batch {
            inputs,
            output,
            jobs,
            isolate,
            worker_memory_mib,
            fail_on,
            report,
            junit,
            sqlite,
            shard,
            registry,
            limits,
        } => {
            let fail_on = match fail_on {
                FailOn::Error => Severity::Error,
                FailOn::Warning => Severity::Warning,
            };
            match load_config(registry.as_deref(), &limits) {
                Ok(config) => {
                    let worker = worker(isolate, worker_memory_mib, registry.as_deref(), &limits, &config);
                    let outputs = BatchOutputs { out_dir: output, report, junit, sqlite };
                    batch(&inputs, outputs, jobs.map(usize::from), fail_on, shard.as_deref(), worker, &config)
                }
                Err(code) => code,
            }
        }
        Command::ConvertWorker { registry, limits, memory_mib } => {
            if let Some(mib) = memory_mib {
                limit_address_space(mib);
            }
            match load_config(registry.as_deref(), &limits) {
                Ok(config) => {
                    let written =
                        notice_ingest::batch::serve(&config, std::io::stdin().lock(), std::io::stdout().lock());
                    if written.is_ok() {
                        OK
                    } else {
                        USAGE_OR_IO
                    }
                }
                Err(code) => code,
            }
        }
        Command::Merge { dirs, output } => merge(&dirs, &output),
        Command::Diff { old, new, format } => diff(&old, &new, format),
        Command::Offices { action: None, registry, json } => offices(registry.as_deref(), json),
        Command::Offices { action: Some(OfficesAction::Collect { inputs, id, issuer, base, limits }), .. } => {
            collect_offices(&inputs, &id, issuer.as_deref(), base.as_deref(), &limits)
        }
        Command::Split { text, registry } => split(&text, registry.as_deref()),
    })
}

/// Resource limits of one input (defaults: `notice_ingest::Limits::default()`; README, reliability).
#[derive(clap::Args, Debug)]
struct LimitArgs {
    /// Largest input file, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    max_input_mib: u64,
    /// Largest decompressed PDF stream or DOCX/XLSX part, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    max_inflated_mib: u64,
    /// Largest decompressed size of all streams or parts of one file together, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    max_inflated_total_mib: u64,
    /// Most pages a PDF may have.
    #[arg(long, value_name = "N", default_value_t = 5000)]
    max_pages: u32,
    /// Most objects a PDF may hold, those packed in object streams included.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    max_pdf_objects: u64,
    /// Deepest nesting of HTML elements or PDF Form XObjects.
    #[arg(long, value_name = "N", default_value_t = 4096)]
    max_depth: usize,
    /// Seconds one file may take; a file over budget fails with an error naming the stage.
    #[arg(long, value_name = "SECONDS")]
    time_budget: Option<f64>,
}

impl LimitArgs {
    /// The validated limits, or a usage message.
    fn to_limits(&self) -> Result<notice_ingest::Limits, String> {
        let mib = |v: u64, flag: &str| {
            if v == 0 {
                Err(format!("--{flag} must be at least 1"))
            } else {
                v.checked_mul(notice_ingest::limits::MIB).ok_or_else(|| format!("--{flag} {v} is too large"))
            }
        };
        let time_budget = match self.time_budget {
            None => None,
            Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Some(std::time::Duration::from_secs_f64(s)),
            Some(s) => return Err(format!("--time-budget must be a positive number of seconds, not {s}")),
        };
        if self.max_pages == 0 || self.max_depth == 0 || self.max_pdf_objects == 0 {
            return Err("--max-pages, --max-pdf-objects and --max-depth must be at least 1".into());
        }
        Ok(notice_ingest::Limits {
            max_input_bytes: mib(self.max_input_mib, "max-input-mib")?,
            max_inflated_bytes: mib(self.max_inflated_mib, "max-inflated-mib")?,
            max_inflated_total_bytes: mib(self.max_inflated_total_mib, "max-inflated-total-mib")?,
            max_pages: self.max_pages,
            max_pdf_objects: self.max_pdf_objects,
            max_depth: self.max_depth,
            time_budget,
        })
    }
}

impl LimitArgs {
    /// The same limits as flags, for a child process.
    fn to_args(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<String> = vec![
            format!("--max-input-mib={}", self.max_input_mib),
            format!("--max-inflated-mib={}", self.max_inflated_mib),
            format!("--max-inflated-total-mib={}", self.max_inflated_total_mib),
            format!("--max-pages={}", self.max_pages),
            format!("--max-pdf-objects={}", self.max_pdf_objects),
            format!("--max-depth={}", self.max_depth),
        ];
        if let Some(t) = self.time_budget {
            args.push(format!("--time-budget={t}"));
        }
        args.into_iter().map(Into::into).collect()
    }
}

impl Command {
    /// Whether the command's output goes to standard output.
    fn writes_stdout(&self) -> bool {
        match self {
            Command::Convert { output, .. } => output == Path::new("-"),
            Command::Validate { .. } | Command::Diff { .. } | Command::Offices { .. } | Command::Split { .. } => true,
            Command::ConvertWorker { .. } => true,
            Command::Batch { .. } | Command::Merge { .. } => false,
        }
    }
}

/// Whether standard output is open. Rust's runtime puts `/dev/null` (opened read-write) on a
/// descriptor that was closed at start, so output written to a closed standard output would be
/// lost with exit code 0; a redirection to `/dev/null` by the shell opens it write-only.
fn stdout_is_open() -> bool {
    #[cfg(unix)]
    // SAFETY: fcntl and fstat/stat on a descriptor number and a NUL-terminated path, into zeroed
    // local structs.
    unsafe {
        if libc::fcntl(1, libc::F_GETFD) == -1 {
            return false;
        }
        if libc::fcntl(1, libc::F_GETFL) & libc::O_ACCMODE == libc::O_RDWR {
            let (mut fd, mut null): (libc::stat, libc::stat) = (std::mem::zeroed(), std::mem::zeroed());
            if libc::fstat(1, &mut fd) == 0
                && libc::stat(c"/dev/null".as_ptr(), &mut null) == 0
                && fd.st_mode & libc::S_IFMT == libc::S_IFCHR
                && fd.st_rdev == null.st_rdev
            {
                return false;
            }
        }
    }
    true
}

/// Limits this process's address space to `mib` MiB (never above a limit already in force), so
/// that a runaway allocation fails here instead of exhausting the machine.
fn limit_address_space(mib: u64) {
    #[cfg(unix)]
    {
        let mut current = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit with a valid resource and a pointer to a local struct.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_AS, &mut current) == 0 {
                let want = mib.saturating_mul(1024 * 1024) as libc::rlim_t;
                let limit = libc::rlimit { rlim_cur: want.min(current.rlim_max), rlim_max: current.rlim_max };
                if limit.rlim_cur < current.rlim_cur {
                    libc::setrlimit(libc::RLIMIT_AS, &limit);
                }
            }
        }
    }
}

/// The child processes for `batch --isolate`: this executable's hidden `__convert-worker` with
/// the same registry and limits.
fn worker(
    isolate: IsolateArg,
    memory_mib: u64,
    registry: Option<&Path>,
    limits: &LimitArgs,
    config: &Config,
) -> Option<notice_ingest::batch::Worker> {
    use notice_ingest::batch::{Isolation, Worker};
    let isolation = match isolate {
        IsolateArg::Off => return None,
        IsolateArg::Office => Isolation::Office,
        IsolateArg::All => Isolation::All,
    };
    let program = std::env::current_exe().ok()?;
    let mut args: Vec<std::ffi::OsString> = vec!["__convert-worker".into()];
    if let Some(r) = registry {
        args.push("--registry".into());
        args.push(r.into());
    }
    args.extend(limits.to_args());
    args.push(format!("--memory-mib={memory_mib}").into());
    let timeout = config.limits.time_budget.map(|t| t + std::time::Duration::from_secs(10));
    Some(Worker { program, args, isolation, memory_mib: Some(memory_mib), timeout })
}

/// Text made safe for a terminal: control characters (an escape sequence in a file name, say)
/// are shown escaped instead of being sent to the terminal.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// The configuration for converting: `--registry FILE` fixes the registry; without it, each
/// notice's issuer picks one of the built-in registries.
fn load_config(path: Option<&Path>, limits: &LimitArgs) -> Result<Config, u8> {
    let limits = limits.to_limits().map_err(|e| {
        eprintln!("error: {e}");
        USAGE_OR_IO
    })?;
    let mut config = match path {
        None => Config::default(),
        Some(p) => Config::new(load_registry(Some(p))?),
    };
    config.limits = limits;
    Ok(config)
}

fn load_registry(path: Option<&Path>) -> Result<OfficeRegistry, u8> {
    match path {
        None => Ok(OfficeRegistry::builtin()),
        Some(p) => OfficeRegistry::from_path(p).map_err(|e| {
            eprintln!("error: {e}");
            USAGE_OR_IO
        }),
    }
}

fn convert(files: &[PathBuf], output: &Path, format: OutputFormat, config: &Config, verbose: bool) -> u8 {
    let to_stdout = output == Path::new("-");
    let target_of = |file: &Path| {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("notice");
        output.join(format!("{stem}.{}", format.extension()))
    };
    if !to_stdout {
        let mut seen = std::collections::HashMap::new();
        for file in files {
            if let Some(first) = seen.insert(target_of(file), file) {
                eprintln!(
                    "error: {} and {} would both be written to {}; convert them into different directories",
                    first.display(),
                    file.display(),
                    target_of(file).display()
                );
                return USAGE_OR_IO;
            }
        }
    }
    let mut status = OK;
    for file in files {
        let doc = match convert_path(file, config) {
            Ok(doc) => doc,
            Err(e) => {
                eprintln!("error: {}", printable(&e.to_string()));
                status = status.max(if e.is_input_problem() { INPUT_ERRORS } else { USAGE_OR_IO });
                continue;
            }
        };
        for d in &doc.diagnostics {
            if verbose || d.severity != Severity::Info {
                eprintln!("{}", printable(&format!("{}: {d}", file.display())));
            }
        }
        if doc.diagnostics.iter().any(|d| d.severity == Severity::Error) {
            status = status.max(INPUT_ERRORS);
        }
        let bytes = match render(&doc, format) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {}: {e}", file.display());
                status = USAGE_OR_IO;
                continue;
            }
        };
        let written = if to_stdout {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|()| out.flush())
                .map_err(|e| format!("cannot write to standard output: {e}"))
        } else {
            let target = target_of(file);
            write_atomic(&target, &bytes)
                .map(|()| {
                    let line = format!("{} -> {} ({} tasks)", file.display(), target.display(), doc.tasks.len());
                    eprintln!("{}", printable(&line));
                })
                .map_err(|e| e.to_string())
        };
        if let Err(e) = written {
            eprintln!("error: {e}");
            status = USAGE_OR_IO;
        }
    }
    status
}

/// Where a batch writes.
struct BatchOutputs {
    out_dir: PathBuf,
    report: Option<PathBuf>,
    junit: Option<PathBuf>,
    sqlite: Option<PathBuf>,
}

fn batch(
    inputs: &[PathBuf],
    outputs: BatchOutputs,
    jobs: Option<usize>,
    fail_on: Severity,
    shard: Option<&str>,
    worker: Option<notice_ingest::batch::Worker>,
    config: &Config,
) -> u8 {
    use notice_ingest::batch::{discover_inputs, input_set_id, run_batch, BatchOptions, Shard, ShardInfo};
    use std::io::IsTerminal;
    let shard = match shard.map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE_OR_IO;
        }
    };
    let mut files = match discover_inputs(inputs) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {}", printable(&e.to_string()));
            return USAGE_OR_IO;
        }
    };
    let shard = shard.map(|s| ShardInfo {
        index: s.index,
        count: s.count,
        input_set: input_set_id(&files),
        input_files: files.len(),
    });
    // A page and the attachments saved beside it are one notice, in one shard.
    notice_ingest::batch::group_attachments(&mut files, config);
    if let Some(info) = &shard {
        let s = Shard { index: info.index, count: info.count };
        files.retain(|f| s.contains(f.shard_key()));
    }
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let BatchOutputs { out_dir, report, junit, sqlite } = outputs;
    let options = BatchOptions {
        report: report.unwrap_or_else(|| out_dir.join("report.json")),
        out_dir,
        jobs,
        junit,
        sqlite,
        shard,
        worker,
    };
    let fancy = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let bar = fancy.then(|| {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} notices  {elapsed_precise}  {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let line = |r: &notice_ingest::batch::FileReport| {
        use notice_ingest::batch::FileStatus;
        let message = printable(r.message.as_deref().unwrap_or(""));
        match r.status {
            FileStatus::Ok => {
                format!("ok   {} ({} tasks, {} errors, {} warnings)", printable(&r.key), r.tasks, r.errors, r.warnings)
            }
            FileStatus::Error => format!("FAIL {}: {message}", printable(&r.key)),
            FileStatus::Attachment => format!("att  {}: {message}", printable(&r.key)),
            FileStatus::Duplicate => format!("dup  {}: {message}", printable(&r.key)),
        }
    };
    let result = run_batch(&files, config, &options, fail_on, |r| match &bar {
        Some(bar) => {
            bar.inc(1);
            if r.status == notice_ingest::batch::FileStatus::Error {
                bar.println(line(r));
            }
        }
        None => eprintln!("{}", line(r)),
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(summary) => {
            let t = &summary.totals;
            eprintln!(
                "{} files ({} ok, {} failed, {} attachments, {} duplicates), {} tasks, {} errors, {} warnings, {:.2} s, peak memory {}",
                t.files,
                t.ok,
                t.failed,
                t.attachments,
                t.duplicates,
                t.tasks,
                t.errors,
                t.warnings,
                summary.seconds,
                peak_memory().map_or_else(|| "unknown".to_string(), |kib| format!("{:.1} MiB", kib as f64 / 1024.0))
            );
            if summary.failing.is_empty() {
                OK
            } else {
                INPUT_ERRORS
            }
        }
        Err(e) => {
            eprintln!("error: {}", printable(&e.to_string()));
            USAGE_OR_IO
        }
    }
}

/// Peak resident memory of this process in KiB (Linux), for the batch summary and benchmarks.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn merge(dirs: &[PathBuf], output: &Path) -> u8 {
    match notice_ingest::batch::merge_outputs(dirs, output) {
        Ok(t) => {
            eprintln!("merged {} shard(s): {} files, {} tasks", dirs.len(), t.files, t.tasks);
            OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            USAGE_OR_IO
        }
    }
}

fn diff(old: &Path, new: &Path, format: DiffFormat) -> u8 {
    let read = |p: &Path| -> Result<serde_json::Value, String> {
        let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", p.display()))
    };
    let (old_doc, new_doc) = match (read(old), read(new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return USAGE_OR_IO;
        }
    };
    match notice_ingest::record::diff::diff_notices(&old_doc, &new_doc) {
        Ok(d) => {
            match format {
                DiffFormat::Text => print!("{}", notice_ingest::record::diff::render_text(&d)),
                DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default()),
            }
            OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            INPUT_ERRORS
        }
    }
}

fn validate(files: &[PathBuf]) -> u8 {
    let validator = SchemaValidator::notice();
    let mut status = OK;
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", file.display());
                status = USAGE_OR_IO;
                continue;
            }
        };
        match validator.validate_text(&text, &file.display().to_string()) {
            Ok(v) if v.is_empty() => println!("{}: valid", file.display()),
            Ok(violations) => {
                for v in &violations {
                    println!("{}: {v}", file.display());
                }
                println!("{}: invalid ({} violation(s))", file.display(), violations.len());
                status = status.max(INPUT_ERRORS);
            }
            Err(e) => {
                println!("{}: invalid: {e}", file.display());
                status = status.max(INPUT_ERRORS);
            }
        }
    }
    status
}

fn offices(registry: Option<&Path>, json: bool) -> u8 {
    let registry = match load_registry(registry) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut out = std::io::stdout().lock();
    if !json {
        let _ =
            writeln!(out, "registry {} ({}), {} entries", registry.id(), registry.issuer(), registry.entries().len());
    }
    for e in registry.entries() {
        let line = if json {
            serde_json::to_string(e).unwrap_or_default()
        } else {
            let kind = e.kind.as_str();
            let mut other: Vec<&str> = e.short_names.iter().map(String::as_str).collect();
            other.extend(e.aliases.iter().map(|a| a.as_str()));
            format!("{:<24} {:<16} {}  {}", e.code, kind, e.name, other.join(" "))
        };
        if writeln!(out, "{line}").is_err() {
            return USAGE_OR_IO;
        }
    }
    OK
}

/// `offices collect`: converts every input, drafts a registry from the names no registry knows,
/// and prints it. Files that cannot be converted are reported and left out.
fn collect_offices(inputs: &[PathBuf], id: &str, issuer: Option<&str>, base: Option<&Path>, limits: &LimitArgs) -> u8 {
    let config = match load_config(None, limits) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let base = match base.map(|p| load_registry(Some(p))).transpose() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let files = match notice_ingest::batch::discover_inputs(inputs) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE_OR_IO;
        }
    };
    let mut docs = Vec::new();
    let mut failed = false;
    for file in &files {
        match convert_path(&file.path, &config) {
            Ok(doc) => docs.push(doc),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    let issuer = issuer.map(str::to_string).or_else(|| {
        let mut counts = std::collections::BTreeMap::new();
        for d in &docs {
            if let Some(i) = &d.notice.issuer {
                *counts.entry(i.clone()).or_insert(0usize) += 1;
            }
        }
        counts.into_iter().max_by_key(|(_, n)| *n).map(|(i, _)| i)
    });
    let draft = notice_ingest::offices::draft_registry(id, issuer.as_deref().unwrap_or(""), &docs, base.as_ref());
    let text = serde_json::to_string_pretty(&draft).unwrap_or_default();
    if writeln!(std::io::stdout().lock(), "{text}").is_err() {
        return USAGE_OR_IO;
    }
    eprintln!(
        "{} entr(ies) drafted from {} of {} file(s); confirm each before use",
        draft["entries"].as_array().map_or(0, Vec::len),
        docs.len(),
        files.len()
    );
    if failed {
        INPUT_ERRORS
    } else {
        OK
    }
}

fn split(text: &str, registry: Option<&Path>) -> u8 {
    let registry = match load_registry(registry) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let (refs, diags) = registry.split(text, &notice_ingest::Location::default());
    for r in &refs {
        let marker = r.marker.as_deref().map(|m| format!(" [{m}]")).unwrap_or_default();
        println!("{:?} -> {} {}{marker}", r.raw, r.code.as_deref().unwrap_or("(unknown)"), r.name);
    }
    for d in &diags {
        eprintln!("{d}");
    }
    if diags.iter().any(|d| d.severity != Severity::Info) {
        INPUT_ERRORS
    } else {
        OK
    }
}
