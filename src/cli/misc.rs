//! `diff`, `validate`, `offices` (and `offices collect`) and `split`.

use std::io::Write;
use std::path::{Path, PathBuf};

use notice_ingest::{convert_path, SchemaValidator, Severity};

use super::args::*;
use super::*;
use crate::{INPUT_ERRORS, OK, USAGE_OR_IO};

pub(crate) fn diff(old: &Path, new: &Path, format: DiffFormat) -> u8 {
    let read = |p: &Path| -> Result<serde_json::Value, String> {
        let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", p.display()))
    };
    let (old_doc, new_doc) = match (read(old), read(new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            note!("error: {e}");
            return USAGE_OR_IO;
        }
    };
    match notice_ingest::record::diff::diff_notices(&old_doc, &new_doc) {
        Ok(d) => {
            match format {
                DiffFormat::Text => {
                    use std::io::Write as _;
                    let _ = write!(std::io::stdout().lock(), "{}", notice_ingest::record::diff::render_text(&d));
                }
                DiffFormat::Json => say!("{}", serde_json::to_string_pretty(&d).unwrap_or_default()),
            }
            OK
        }
        Err(e) => {
            note!("error: {e}");
            INPUT_ERRORS
        }
    }
}

pub(crate) fn validate(files: &[PathBuf]) -> u8 {
    let validator = SchemaValidator::notice();
    let mut status = OK;
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                note!("error: cannot read {}: {e}", file.display());
                status = USAGE_OR_IO;
                continue;
            }
        };
        match validator.validate_text(&text, &file.display().to_string()) {
            Ok(v) if v.is_empty() => say!("{}: valid", file.display()),
            Ok(violations) => {
                for v in &violations {
                    say!("{}: {v}", file.display());
                }
                say!("{}: invalid ({} violation(s))", file.display(), violations.len());
                status = status.max(INPUT_ERRORS);
            }
            Err(e) => {
                say!("{}: invalid: {e}", file.display());
                status = status.max(INPUT_ERRORS);
            }
        }
    }
    status
}

pub(crate) fn offices(registry: Option<&Path>, json: bool) -> u8 {
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
pub(crate) fn collect_offices(
    inputs: &[PathBuf],
    id: &str,
    issuer: Option<&str>,
    base: Option<&Path>,
    limits: &LimitArgs,
) -> u8 {
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
            note!("error: {e}");
            return USAGE_OR_IO;
        }
    };
    let mut docs = Vec::new();
    let mut failed = false;
    for file in &files {
        match convert_path(&file.path, &config) {
            Ok(doc) => docs.push(doc),
            Err(e) => {
                note!("error: {e}");
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
    let draft = notice_ingest::draft_registry(id, issuer.as_deref().unwrap_or(""), &docs, base.as_ref());
    let text = serde_json::to_string_pretty(&draft).unwrap_or_default();
    if writeln!(std::io::stdout().lock(), "{text}").is_err() {
        return USAGE_OR_IO;
    }
    note!(
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

pub(crate) fn split(text: &str, registry: Option<&Path>) -> u8 {
    let registry = match load_registry(registry) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let (refs, diags) = registry.split(text, &notice_ingest::Location::default());
    for r in &refs {
        let marker = r.marker.as_deref().map(|m| format!(" [{m}]")).unwrap_or_default();
        say!("{:?} -> {} {}{marker}", r.raw, r.code.as_deref().unwrap_or("(unknown)"), r.name);
    }
    for d in &diags {
        note!("{d}");
    }
    if diags.iter().any(|d| d.severity != Severity::Info) {
        INPUT_ERRORS
    } else {
        OK
    }
}
