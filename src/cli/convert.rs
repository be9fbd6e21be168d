//! `convert`, and what every command shares: configuration, registries, printable text.

use std::io::Write;
use std::path::{Path, PathBuf};

use notice_ingest::{convert_path, render, write_atomic, Config, OfficeRegistry, OutputFormat, Severity};

use super::args::*;
use crate::{INPUT_ERRORS, OK, USAGE_OR_IO};

/// Text made safe for a terminal: control characters (an escape sequence in a file name, say)
/// are shown escaped instead of being sent to the terminal.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
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
pub(crate) fn load_config(path: Option<&Path>, limits: &LimitArgs) -> Result<Config, u8> {
    let limits = limits.to_limits().map_err(|e| {
        note!("error: {e}");
        USAGE_OR_IO
    })?;
    let mut config = match path {
        None => Config::default(),
        Some(p) => Config::new(load_registry(Some(p))?),
    };
    config.limits = limits;
    Ok(config)
}

pub(crate) fn load_registry(path: Option<&Path>) -> Result<OfficeRegistry, u8> {
    match path {
        None => Ok(OfficeRegistry::builtin()),
        Some(p) => OfficeRegistry::from_path(p).map_err(|e| {
            note!("error: {e}");
            USAGE_OR_IO
        }),
    }
}

/// How `convert` writes what it renders to standard output when it is given several files:
/// JSON as JSON Lines (each document compact on one line, so the stream is one document a line
/// that line-oriented tools and `jq` read alike), CSV with one byte-order mark and header, JSON
/// Lines as they are. One file is written as it is written to a file.
fn stdout_bytes(
    doc: &notice_ingest::NoticeDocument,
    bytes: Vec<u8>,
    format: OutputFormat,
    several: bool,
    first: bool,
) -> Result<Vec<u8>, String> {
    match (format, several) {
        (_, false) | (OutputFormat::Jsonl, true) => Ok(bytes),
        (OutputFormat::Json, true) => {
            let mut line = serde_json::to_vec(doc).map_err(|e| e.to_string())?;
            line.push(b'\n');
            Ok(line)
        }
        (OutputFormat::Csv, true) if first => Ok(bytes),
        (OutputFormat::Csv, true) => {
            // The rows only: after the byte-order mark and the header line.
            let body = bytes.strip_prefix(notice_ingest::output::CSV_BOM).unwrap_or(&bytes);
            let end = body.windows(2).position(|w| w == b"\r\n").map_or(body.len(), |i| i + 2);
            Ok(body[end..].to_vec())
        }
        (_, true) => Err("an Excel workbook holds one notice: write several to a directory (-o DIR)".into()),
    }
}

pub(crate) fn convert(files: &[PathBuf], output: &Path, format: OutputFormat, config: &Config, verbose: bool) -> u8 {
    let to_stdout = output == Path::new("-");
    let several = files.len() > 1;
    if to_stdout && several && format == OutputFormat::Xlsx {
        note!("error: an Excel workbook holds one notice, and standard output takes one file: write them to a directory (-o DIR)");
        return USAGE_OR_IO;
    }
    let target_of = |file: &Path| {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("notice");
        output.join(format!("{stem}.{}", format.extension()))
    };
    if !to_stdout {
        let mut seen = std::collections::HashMap::new();
        for file in files {
            if let Some(first) = seen.insert(target_of(file), file) {
                note!(
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
    let mut first_out = true;
    for file in files {
        let doc = match convert_path(file, config) {
            Ok(doc) => doc,
            Err(e) => {
                note!("error: {}", printable(&e.to_string()));
                if file.is_dir() {
                    let shown = file.display().to_string();
                    let folder = printable(&shown);
                    note!("hint: `convert` takes notice files; to convert every notice in {folder}: notice-ingest batch {folder} -o OUT");
                }
                status = status.max(if e.is_input_problem() { INPUT_ERRORS } else { USAGE_OR_IO });
                continue;
            }
        };
        for d in &doc.diagnostics {
            if verbose || d.severity != Severity::Info {
                note!("{}", printable(&format!("{}: {d}", file.display())));
            }
        }
        if doc.diagnostics.iter().any(|d| d.severity == Severity::Error) {
            status = status.max(INPUT_ERRORS);
        }
        let bytes = match render(&doc, format) {
            Ok(b) => b,
            Err(e) => {
                note!("error: {}: {e}", file.display());
                status = USAGE_OR_IO;
                continue;
            }
        };
        let written = if to_stdout {
            stdout_bytes(&doc, bytes, format, several, first_out).and_then(|bytes| {
                first_out = false;
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes)
                    .and_then(|()| out.flush())
                    .map_err(|e| format!("cannot write to standard output: {e}"))
            })
        } else {
            let target = target_of(file);
            write_atomic(&target, &bytes)
                .map(|()| {
                    let line = format!("{} -> {} ({} tasks)", file.display(), target.display(), doc.tasks.len());
                    note!("{}", printable(&line));
                })
                .map_err(|e| e.to_string())
        };
        if let Err(e) = written {
            note!("error: {e}");
            status = USAGE_OR_IO;
        }
    }
    status
}
