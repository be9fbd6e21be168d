//! `convert`, and what every command shares: configuration, registries, printable text.

use std::io::Write;
use std::path::{Path, PathBuf};

use notice_ingest::{convert_path, render, write_atomic, Config, OfficeRegistry, OutputFormat, Severity};

use super::args::*;
use crate::{INPUT_ERRORS, OK, USAGE_OR_IO};

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

pub(crate) fn load_registry(path: Option<&Path>) -> Result<OfficeRegistry, u8> {
    match path {
        None => Ok(OfficeRegistry::builtin()),
        Some(p) => OfficeRegistry::from_path(p).map_err(|e| {
            eprintln!("error: {e}");
            USAGE_OR_IO
        }),
    }
}

pub(crate) fn convert(files: &[PathBuf], output: &Path, format: OutputFormat, config: &Config, verbose: bool) -> u8 {
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
