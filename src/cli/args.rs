//! The command line: every command, argument and flag, with its help text.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use notice_ingest::OutputFormat;

#[derive(Parser)]
#[command(
    name = "notice-ingest",
    version,
    about = "Turn Chinese government notices and their task ledgers into validated task records"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
    /// Serve the HTTP API (POST /api/convert, /api/draw; GET /api/schema, /healthz) and the review
    /// page for staff at http://127.0.0.1:8080/ (see --bind).
    Serve(super::serve::ServeArgs),
    /// Draw a page of a PDF notice as SVG, as the converter read it (text at its positions,
    /// rulings), with the cells of its tasks outlined: `notice-ingest draw FILE.pdf --page 2 -o page.svg`.
    Draw(super::serve::DrawArgs),
}

#[derive(Subcommand)]
pub(crate) enum OfficesAction {
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
pub(crate) enum FailOn {
    Error,
    Warning,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum IsolateArg {
    Off,
    Office,
    All,
}

/// The most worker threads `batch` starts.
pub(crate) const MAX_JOBS: i64 = 256;

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum DiffFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
    Json,
    Jsonl,
    Csv,
    Xlsx,
}

impl From<FormatArg> for OutputFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Jsonl => OutputFormat::Jsonl,
            FormatArg::Csv => OutputFormat::Csv,
            FormatArg::Xlsx => OutputFormat::Xlsx,
        }
    }
}

/// Resource limits of one input (defaults: `notice_ingest::Limits::default()`; README, reliability).
#[derive(clap::Args, Debug)]
pub(crate) struct LimitArgs {
    /// Largest input file, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub(crate) max_input_mib: u64,
    /// Largest decompressed PDF stream or DOCX/XLSX part, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub(crate) max_inflated_mib: u64,
    /// Largest decompressed size of all streams or parts of one file together, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    pub(crate) max_inflated_total_mib: u64,
    /// Most pages a PDF may have.
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub(crate) max_pages: u32,
    /// Most objects a PDF may hold, those packed in object streams included.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub(crate) max_pdf_objects: u64,
    /// Deepest nesting of HTML elements or PDF Form XObjects.
    #[arg(long, value_name = "N", default_value_t = 4096)]
    pub(crate) max_depth: usize,
    /// Seconds one file may take; a file over budget fails with an error naming the stage.
    #[arg(long, value_name = "SECONDS")]
    pub(crate) time_budget: Option<f64>,
}

impl LimitArgs {
    /// The validated limits, or a usage message.
    pub(crate) fn to_limits(&self) -> Result<notice_ingest::Limits, String> {
        let mib = |v: u64, flag: &str| {
            if v == 0 {
                Err(format!("--{flag} must be at least 1"))
            } else {
                v.checked_mul(notice_ingest::MIB).ok_or_else(|| format!("--{flag} {v} is too large"))
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
    pub(crate) fn to_args(&self) -> Vec<std::ffi::OsString> {
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
    pub(crate) fn writes_stdout(&self) -> bool {
        match self {
            Command::Convert { output, .. } => output == Path::new("-"),
            Command::Validate { .. } | Command::Diff { .. } | Command::Offices { .. } | Command::Split { .. } => true,
            Command::ConvertWorker { .. } => true,
            Command::Batch { .. } | Command::Merge { .. } | Command::Serve(_) => false,
            Command::Draw(args) => args.output == Path::new("-"),
        }
    }
}
