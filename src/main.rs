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
        /// Notice files (text rendition; more formats to come).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output directory, or `-` for standard output.
        #[arg(short, long, default_value = "output")]
        output: PathBuf,
        #[arg(long, value_enum, default_value_t = FormatArg::Json)]
        format: FormatArg,
        /// Office registry JSON file to use instead of the built-in one.
        #[arg(long)]
        registry: Option<PathBuf>,
        /// Also print info diagnostics.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Check JSON files against the notice schema; prints each violation with its instance path.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the office registry.
    Offices {
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
    ExitCode::from(match cli.command {
        Command::Convert { files, output, format, registry, verbose } => {
            convert(&files, &output, format.into(), registry.as_deref(), verbose)
        }
        Command::Validate { files } => validate(&files),
        Command::Offices { registry, json } => offices(registry.as_deref(), json),
        Command::Split { text, registry } => split(&text, registry.as_deref()),
    })
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

fn convert(files: &[PathBuf], output: &Path, format: OutputFormat, registry: Option<&Path>, verbose: bool) -> u8 {
    let registry = match load_registry(registry) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let config = Config::new(registry);
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
        let doc = match convert_path(file, &config) {
            Ok(doc) => doc,
            Err(e) => {
                eprintln!("error: {e}");
                status = status.max(if e.is_input_problem() { INPUT_ERRORS } else { USAGE_OR_IO });
                continue;
            }
        };
        for d in &doc.diagnostics {
            if verbose || d.severity != Severity::Info {
                eprintln!("{}: {d}", file.display());
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
            std::io::stdout().write_all(&bytes).map_err(|e| e.to_string())
        } else {
            let target = target_of(file);
            write_atomic(&target, &bytes)
                .map(|()| eprintln!("{} -> {} ({} tasks)", file.display(), target.display(), doc.tasks.len()))
                .map_err(|e| e.to_string())
        };
        if let Err(e) = written {
            eprintln!("error: {e}");
            status = USAGE_OR_IO;
        }
    }
    status
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
            let kind =
                serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
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
