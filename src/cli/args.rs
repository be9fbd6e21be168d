//! The command line: every command, argument and flag, with its help text.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use notice_ingest::OutputFormat;

const TOP_HELP: &str = "Examples:
  notice-ingest convert notice.pdf --format xlsx -o out      # one notice as an Excel ledger
  notice-ingest batch archive/ -o out --incremental          # a whole folder, again after changes
  notice-ingest <COMMAND> --help                             # each command's flags and an example

Exit codes:
  0  done, and no input had an error
  1  an input had errors (unrecognised format, no ledger, an error diagnostic, a file that breaks the schema)
  2  usage or I/O: bad flags, a missing or unreadable file, unwritable output";

const CONVERT_HELP: &str = "Examples:
  notice-ingest convert notice.pdf --format xlsx -o out     # out/notice.xlsx: 通知, 台账, 问题 sheets
  notice-ingest convert a.html b.docx -o out                # out/a.json, out/b.json
  notice-ingest convert a.html b.docx -o - | jq .notice.id  # several files to standard output: one JSON document a line

Exit codes:
  0  every file converted with no error diagnostic
  1  a file could not be converted (unrecognised format, no ledger, a scan without text) or has an error diagnostic
  2  usage or I/O: bad flags, a missing or unreadable file, a directory (use `batch`), unwritable output";

const VALIDATE_HELP: &str = "Example:
  notice-ingest validate out/*.json

Exit codes:
  0  every file is valid
  1  a file breaks the schema or is not JSON
  2  a file cannot be read";

const BATCH_HELP: &str = "Examples:
  notice-ingest batch archive/ -o out                                   # every notice under archive/
  notice-ingest batch archive/ -o out --incremental --prune --sqlite tracker.db --exclude '说明.txt'
  notice-ingest batch archive/ -o out-0 --shard 0/4                     # then `merge out-0 … out-3 -o out`

The output directory holds notices/<key>.json, tasks.jsonl, tasks.csv, tasks.xlsx, report.json and
state.json (what --incremental compares against).

Exit codes:
  0  every file converted (or skipped, read as an attachment, or a duplicate) without failing
  1  some file failed: it could not be converted, or has error diagnostics (warnings with --fail-on warning),
     or holds no ledger with --strict; the other files are still written
  2  usage or I/O: bad flags or patterns, an output directory another run is writing into, a --report,
     --junit or --sqlite path that is one of the batch's own files, unwritable output";

const MERGE_HELP: &str = "Example:
  notice-ingest merge out-0 out-1 out-2 out-3 -o out

Exit codes:
  0  merged: OUTPUT holds what one run over the whole input set writes
  2  the directories are not exactly the shards of one input set (one missing, given twice, of another
     split, overlapping), or I/O";

const DIFF_HELP: &str = "Example:
  notice-ingest diff out-2024-03/notice.json out-2024-05/notice.json --format json

Exit codes:
  0  compared (whether or not there are differences)
  1  a file is not a notice document
  2  a file cannot be read or is not JSON";

const OFFICES_HELP: &str = "Examples:
  notice-ingest offices                          # the built-in registry as a table
  notice-ingest offices --registry mine.json     # check what a registry file loads
  notice-ingest offices collect archive/ --id dazhu > registry.json

Exit codes:
  0  printed
  1  (collect) some input could not be converted; the draft leaves it out
  2  a registry file cannot be read or is invalid, or standard output is closed";

const COLLECT_HELP: &str = "Example:
  notice-ingest offices collect archive/ --id dazhu --base registry.json > draft.json

Exit codes:
  0  drafted from every input
  1  some input could not be converted; the draft leaves it out
  2  usage or I/O";

const SPLIT_HELP: &str = "Example:
  notice-ingest split \"基教处高教处职教处\"

Exit codes:
  0  every name resolved
  1  a name is unknown or needed a warning
  2  the registry file cannot be read";

const SERVE_HELP: &str = "Examples:
  notice-ingest serve                                        # http://127.0.0.1:8080/ on this machine
  notice-ingest serve --bind 0.0.0.0:8080 --token-file token.txt --workers 2
  curl -F file=@notice.pdf http://127.0.0.1:8080/api/convert

Exit codes:
  0  stopped by Ctrl-C or SIGTERM after the requests in flight were answered
  2  bad flags, the address cannot be bound, or the registry or token file cannot be read";

const DRAW_HELP: &str = "Example:
  notice-ingest draw notice.pdf --page 3 -o page3.svg          # open page3.svg in a browser

Exit codes:
  0  drawn (a file whose ledger cannot be read is drawn without cell outlines, with a warning)
  1  the file is not a PDF, or the page cannot be drawn (no such page, an unreadable PDF)
  2  the file or the registry cannot be read, or the SVG cannot be written";

#[derive(Parser)]
#[command(
    name = "notice-ingest",
    version,
    about = "Turn Chinese government notices and their task ledgers into validated task records",
    after_help = TOP_HELP
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Convert notices into canonical JSON, JSON Lines, CSV or an Excel ledger, validated
    /// against the schema.
    #[command(after_help = CONVERT_HELP)]
    Convert {
        /// Notice files: text renditions, HTML pages, PDF, DOCX and XLSX (a folder: use `batch`).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Output directory (FILE's name with the format's extension), or `-` for standard output
        /// (several files: JSON Lines, one document a line).
        #[arg(short, long, value_name = "DIR|-", default_value = "output")]
        output: PathBuf,
        /// json: the canonical document; jsonl: one task a line; csv: one row per measure;
        /// xlsx: an Excel workbook laid out as the ledger, with the notice and its problems.
        #[arg(long, value_enum, default_value_t = FormatArg::Json)]
        format: FormatArg,
        /// Office registry JSON file used for every notice, instead of choosing a built-in registry by the notice's issuer.
        #[arg(long, value_name = "FILE")]
        registry: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
        /// Also print info diagnostics.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Check JSON files against the notice schema; prints each violation with its instance path.
    #[command(after_help = VALIDATE_HELP)]
    Validate {
        /// Notice documents (JSON) to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Convert a directory or list of notices in parallel: per-notice JSON, tasks.jsonl,
    /// tasks.csv, tasks.xlsx, a report, optionally JUnit XML and a SQLite database.
    #[command(after_help = BATCH_HELP)]
    Batch {
        /// Directories (walked for notice files) and files.
        #[arg(required = true, value_name = "DIR|FILE")]
        inputs: Vec<PathBuf>,
        /// Output directory.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// Worker threads (default: all cores), 1 to 256.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS))]
        jobs: Option<u16>,
        /// Leave out inputs matching GLOB (repeatable): without `/` it matches a file or folder
        /// name anywhere (`说明.txt`, `*.doc`, `drafts`), with `/` the path under the directory
        /// argument (`2023/*.pdf`, `drafts/**`).
        #[arg(long, value_name = "GLOB")]
        exclude: Vec<String>,
        /// Take each input unchanged since the last run into OUTPUT (same content, version and
        /// configuration; see state.json) from OUTPUT instead of converting it again; the outputs
        /// are still complete.
        #[arg(long)]
        incremental: bool,
        /// Also remove from the --sqlite database the files, and the notices left without one, of
        /// inputs the last run had and this one has not (their notices/ files go in any case).
        #[arg(long)]
        prune: bool,
        /// A file without a task ledger (a stray 说明.txt) fails the batch instead of being skipped.
        #[arg(long)]
        strict: bool,
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
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Also write a JUnit XML report here.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Also upsert every notice into this SQLite database.
        #[arg(long, value_name = "FILE")]
        sqlite: Option<PathBuf>,
        /// Process only shard I of N (0-based), chosen by a hash of each input's key.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Office registry JSON file used for every notice, instead of choosing a built-in registry by the notice's issuer.
        #[arg(long, value_name = "FILE")]
        registry: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
        /// List each file with warnings, and its warnings, as it finishes.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Join the output directories of shard runs into what one run would have written.
    #[command(after_help = MERGE_HELP)]
    Merge {
        /// The output directories of the shard runs (`batch --shard I/N`), every shard once.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// The directory to write the merged outputs into.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Compare two converted versions of a notice: tasks added, removed and changed, by stable id.
    #[command(after_help = DIFF_HELP)]
    Diff {
        /// The earlier notice document (JSON).
        old: PathBuf,
        /// The later notice document (JSON).
        new: PathBuf,
        /// text: for people; json: for tools.
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
    #[command(after_help = OFFICES_HELP)]
    Offices {
        #[command(subcommand)]
        action: Option<OfficesAction>,
        /// A registry file to print instead of the built-in one.
        #[arg(long, value_name = "FILE")]
        registry: Option<PathBuf>,
        /// Print the registry as JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show how a joined cell splits into office references.
    #[command(after_help = SPLIT_HELP)]
    Split {
        /// The cell's text, e.g. "基教处高教处职教处".
        text: String,
        /// Office registry JSON file to resolve the names with, instead of the built-in one.
        #[arg(long, value_name = "FILE")]
        registry: Option<PathBuf>,
    },
    /// Serve the HTTP API (POST /api/convert, /api/draw; GET /api/schema, /healthz) and the review
    /// page for staff at http://127.0.0.1:8080/ (see --bind).
    #[command(after_help = SERVE_HELP)]
    Serve(super::serve::ServeArgs),
    /// Draw a page of a PDF notice as SVG, as the converter read it (text at its positions,
    /// rulings), with the cells of its tasks outlined: `notice-ingest draw FILE.pdf --page 2 -o page.svg`.
    #[command(after_help = DRAW_HELP)]
    Draw(super::serve::DrawArgs),
}

#[derive(Subcommand)]
pub(crate) enum OfficesAction {
    /// Draft a registry for an issuer without one: converts the notices given (files or folders),
    /// counts every unit name they use that no registry knows, groups likely aliases, and prints the
    /// draft in the registry file format for a person to confirm.
    #[command(after_help = COLLECT_HELP)]
    Collect {
        /// Notice files or folders of notices.
        #[arg(required = true, value_name = "DIR|FILE")]
        inputs: Vec<PathBuf>,
        /// The registry's id (lower-case ASCII), prefix of the drafted codes.
        #[arg(long, default_value = "draft")]
        id: String,
        /// The issuer the registry is for; default: the issuer most of the notices name.
        #[arg(long)]
        issuer: Option<String>,
        /// An existing registry whose entries group the names they already list.
        #[arg(long, value_name = "FILE")]
        base: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FailOn {
    /// A file with an error diagnostic fails.
    Error,
    /// A file with a warning fails too.
    Warning,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum IsolateArg {
    /// Every file in the batch's own process.
    Off,
    /// PDF, DOCX and XLSX in child processes.
    Office,
    /// Every file in a child process.
    All,
}

/// The most worker threads `batch` starts.
pub(crate) const MAX_JOBS: i64 = 256;

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum DiffFormat {
    /// Lines for people.
    Text,
    /// A JSON object for tools.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
    /// The canonical document, pretty-printed.
    Json,
    /// One task a line, each with its notice id.
    Jsonl,
    /// One row per measure, UTF-8 with a byte-order mark.
    Csv,
    /// An Excel workbook: the notice, the ledger, the problems.
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every command a user can call has an example and its exit codes after its help, and
    /// every argument and flag is described.
    #[test]
    fn every_command_and_argument_is_described() {
        fn check(cmd: &clap::Command, path: &str, checked: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name()).trim().to_string();
            if cmd.is_hide_set() {
                return;
            }
            let after = cmd.get_after_help().map(|h| h.to_string()).unwrap_or_default();
            assert!(after.contains("Example"), "{path}: an example after the help");
            assert!(after.contains("Exit codes:") && after.contains("  0 "), "{path}: the exit codes");
            assert!(cmd.get_about().is_some(), "{path}: what the command does");
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") || arg.is_hide_set() {
                    continue;
                }
                assert!(arg.get_help().is_some(), "{path}: argument {id} has no description");
                let values = if arg.get_action().takes_values() { arg.get_possible_values() } else { Vec::new() };
                for value in values {
                    assert!(value.get_help().is_some(), "{path}: {id} value {} has no description", value.get_name());
                }
            }
            checked.push(path.clone());
            for sub in cmd.get_subcommands() {
                check(sub, &path, checked);
            }
        }
        let mut checked = Vec::new();
        check(&super::Cli::command(), "", &mut checked);
        assert_eq!(checked.len(), 11, "{checked:?}");
    }
}
