//! Stage 7, `output`: converted notices as JSON, JSONL or CSV, and a batch's outputs behind one
//! [`Sink`] trait: `tasks.jsonl`, `tasks.csv`, `report.json` ([`report`]), JUnit XML ([`junit`])
//! and the SQLite tracker database ([`sqlite`], feature `sqlite`).
//!
//! Output is deterministic (field order fixed by the record types, no maps with random order) and
//! files are written atomically ([`atomic`]).

pub mod atomic;
pub mod junit;
pub mod report;
mod sink;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use atomic::{write_atomic, AtomicFile};
pub use sink::{CsvSink, JsonlSink, ReportSink, Sink, SinkItem};

use std::path::PathBuf;

use serde::Serialize;

use crate::offices::OfficeRef;
use crate::record::{NoticeDocument, Task};

/// Output formats of `convert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// The canonical document, pretty-printed.
    Json,
    /// One task per line, each with its notice id.
    Jsonl,
    /// One task per row, UTF-8 with a byte-order mark so spreadsheet programs read the Chinese.
    Csv,
}

impl OutputFormat {
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Json => "json",
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Csv => "csv",
        }
    }
}

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot serialize output: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot serialize output: {0}")]
    Csv(#[from] csv::Error),
    #[cfg(feature = "sqlite")]
    #[error("SQLite {path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("SQLite {path}: this build has no SQLite support (cargo feature `sqlite`)")]
    SqliteUnavailable { path: PathBuf },
}

/// Renders `doc` in `format` as bytes.
pub fn render(doc: &NoticeDocument, format: OutputFormat) -> Result<Vec<u8>, OutputError> {
    match format {
        OutputFormat::Json => {
            let mut out = serde_json::to_vec_pretty(doc)?;
            out.push(b'\n');
            Ok(out)
        }
        OutputFormat::Jsonl => {
            let mut out = Vec::new();
            for task in &doc.tasks {
                let line = TaskLine { notice_id: &doc.notice.id, task };
                serde_json::to_writer(&mut out, &line)?;
                out.push(b'\n');
            }
            Ok(out)
        }
        OutputFormat::Csv => render_csv(doc),
    }
}

#[derive(Serialize)]
struct TaskLine<'a> {
    notice_id: &'a str,
    #[serde(flatten)]
    task: &'a Task,
}

/// CSV columns, in order.
pub const CSV_HEADER: &[&str] = &[
    "notice_id",
    "task_id",
    "seq",
    "section",
    "title",
    "text",
    "leaders",
    "lead_office_codes",
    "lead_office_names",
    "support_office_codes",
    "support_office_names",
    "implementer_codes",
    "implementer_names",
    "deadline",
    "first_page",
    "last_page",
    "row",
];

fn codes(refs: &[OfficeRef]) -> String {
    refs.iter().map(|r| r.code.as_deref().unwrap_or("")).collect::<Vec<_>>().join(";")
}

fn names(refs: &[OfficeRef]) -> String {
    refs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(";")
}

fn render_csv(doc: &NoticeDocument) -> Result<Vec<u8>, OutputError> {
    let mut out = CSV_BOM.to_vec();
    {
        let mut w = csv_writer(&mut out);
        w.write_record(CSV_HEADER).map_err(csv_error)?;
        write_csv_tasks(&mut w, doc)?;
        w.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}

/// The byte-order mark that starts every CSV file written, so spreadsheet programs read UTF-8.
pub const CSV_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV writer with the project's conventions (CRLF line ends, minimal quoting).
pub fn csv_writer<W: std::io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out)
}

fn csv_error(e: csv::Error) -> OutputError {
    OutputError::Csv(e)
}

/// A text cell made safe for spreadsheets: one that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be read as a formula by Excel, WPS or LibreOffice (`=HYPERLINK(…)`), so it
/// gets a leading apostrophe, as OWASP's guidance on CSV injection recommends. The JSON outputs
/// keep the text as written.
pub fn spreadsheet_safe(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

/// Writes one CSV row per task of `doc` (columns as in [`CSV_HEADER`]); text cells go through
/// [`spreadsheet_safe`].
pub fn write_csv_tasks<W: std::io::Write>(w: &mut csv::Writer<W>, doc: &NoticeDocument) -> Result<(), OutputError> {
    for t in &doc.tasks {
        let seq = t.seq.map(|s| s.to_string()).unwrap_or_default();
        let safe = spreadsheet_safe;
        let record = [
            doc.notice.id.clone(),
            t.id.clone(),
            seq,
            safe(t.section.clone().unwrap_or_default()),
            safe(t.title.clone()),
            safe(t.text.clone()),
            safe(t.leaders.join(";")),
            safe(codes(&t.lead_offices)),
            safe(names(&t.lead_offices)),
            safe(codes(&t.support_offices)),
            safe(names(&t.support_offices)),
            safe(codes(&t.implementers)),
            safe(names(&t.implementers)),
            safe(t.deadline.as_ref().map(|d| d.raw.clone()).unwrap_or_default()),
            t.provenance.pages[0].to_string(),
            t.provenance.pages[1].to_string(),
            t.provenance.row.to_string(),
        ];
        w.write_record(&record).map_err(csv_error)?;
    }
    Ok(())
}
