//! Stage 7, `output`: converted notices as JSON, JSONL, CSV or an Excel workbook, and a batch's
//! outputs behind one [`Sink`] trait: `tasks.jsonl`, `tasks.csv`, `tasks.xlsx` ([`xlsx`], feature
//! `xlsx`), `report.json` ([`report`]), JUnit XML ([`junit`]) and the SQLite tracker database
//! ([`sqlite`], feature `sqlite`).
//!
//! Output is deterministic (field order fixed by the record types, no maps with random order) and
//! files are written atomically ([`atomic`]).

pub mod atomic;
pub mod junit;
pub mod report;
mod rows;
mod sink;
#[cfg(feature = "sqlite")]
pub mod sqlite;
mod tasks_csv;
#[cfg(feature = "xlsx")]
pub mod xlsx;

pub use atomic::{sync_folder, write_atomic, write_atomic_unsynced, AtomicFile};
pub use sink::{CsvSink, JsonlSink, ReportSink, Sink, SinkItem};
pub use tasks_csv::{csv_writer, spreadsheet_safe, write_csv_tasks, CSV_BOM, CSV_HEADER};

use std::path::PathBuf;

use serde::Serialize;

use crate::record::{NoticeDocument, Task};

/// Output formats of `convert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// The canonical document, pretty-printed.
    Json,
    /// One task per line, each with its notice id.
    Jsonl,
    /// One row per measure (a task without measures is one row), UTF-8 with a byte-order mark so
    /// spreadsheet programs read the Chinese.
    Csv,
    /// An Excel workbook laid out as the source ledger, with the notice and its diagnostics
    /// (cargo feature `xlsx`).
    Xlsx,
}

impl OutputFormat {
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Json => "json",
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Csv => "csv",
            OutputFormat::Xlsx => "xlsx",
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
    #[cfg(feature = "xlsx")]
    #[error("cannot write the Excel workbook {what}: {source}")]
    Xlsx { what: String, source: rust_xlsxwriter::XlsxError },
    #[error("this build writes no Excel workbooks (cargo feature `xlsx`)")]
    XlsxUnavailable,
}

/// Renders `doc` in `format` as bytes.
pub fn render(doc: &NoticeDocument, format: OutputFormat) -> Result<Vec<u8>, OutputError> {
    match format {
        OutputFormat::Json => {
            // Sized at once: a task with its offices and provenance is 2.5–4 KiB of JSON, a
            // diagnostic a few hundred bytes; growing from empty copied the text a dozen times.
            let mut out = Vec::with_capacity(4096 * (doc.tasks.len() + 1) + 512 * doc.diagnostics.len());
            serde_json::to_writer_pretty(&mut out, doc)?;
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
        OutputFormat::Csv => tasks_csv::render_csv(doc),
        #[cfg(feature = "xlsx")]
        OutputFormat::Xlsx => xlsx::render_notice_workbook(doc),
        #[cfg(not(feature = "xlsx"))]
        OutputFormat::Xlsx => Err(OutputError::XlsxUnavailable),
    }
}

#[derive(Serialize)]
struct TaskLine<'a> {
    notice_id: &'a str,
    #[serde(flatten)]
    task: &'a Task,
}
