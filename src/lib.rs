//! notice-ingest: Chinese government notices (通知) and their task ledgers (任务分解台账) into
//! validated, structured task records.
//!
//! The pipeline's stages, in the order data flows (folders under `src/`, one error type each):
//!
//! 1. `input` — read bytes ([`read_source`]: size limit, regular files only), sniff the
//!    [`Format`] and the charset; one front-end per format (`input/text`, `input/html`,
//!    `input/ooxml/{docx,xlsx}`, `input/pdf`) produces the one format-neutral document model in
//!    [`model`]: headings, paragraphs, tables as grids of cells with spans and page provenance
//!    ([`read_document`] stops here).
//! 2. `tables` — expand spans and stitch tables across pages (drop repeated headers and print
//!    furniture, join continuation rows).
//! 3. `ledger` — map header cells to fields ([`HeaderVocabulary`]), read sections, task rows or
//!    paragraph ledgers, measures and deadlines; `notice` reads the notice's metadata (issuer,
//!    document number, title, recipients, attachments, reporting duties).
//! 4. `offices` — the [`OfficeRegistry`], the splitter for joined cells, name normalization;
//!    `people` splits leader names.
//! 5. [`record`] — the published record types, ids, schema validation ([`SchemaValidator`]
//!    against `schemas/notice.schema.json`) and the diff of two conversions.
//! 6. [`output`] — JSON, JSONL and CSV renderings, atomic writes, and the sinks a batch writes
//!    through (JSONL, CSV, report, JUnit, SQLite tracker).
//! 7. [`batch`] (feature `batch`) — many inputs in parallel, attachments grouped with their page,
//!    duplicates written once, isolation in child processes, shards and their merge.
//!
//! [`convert_path`] runs them all (with the attachments saved beside a page),
//! [`convert_bytes`] converts a file held in memory. Findings that do not stop a notice are
//! [`Diagnostic`]s in the output, each with a [`DiagnosticKind`] and a [`Location`]; failures are
//! [`Error`]s whose [`ErrorKind`] names the stage.
//!
//! Cargo features: `cli` (default; the binary, with clap and indicatif) turns on `batch` (walkdir)
//! and `sqlite` (rusqlite). `--no-default-features` is the lean library an embedding service or
//! binding needs: conversion, validation, JSON/JSONL/CSV rendering.
//!
//! ```
//! use notice_ingest::{convert_path, Config, Location, OfficeRegistry};
//!
//! let doc = convert_path("fixtures/seed/000_289293f812862803.txt".as_ref(), &Config::default())?;
//! assert_eq!(doc.tasks.len(), 34);
//!
//! // A cell joined without separators, as PDF line joins leave it; 职教处 is an alias of 职成处.
//! let (refs, diagnostics) = OfficeRegistry::builtin().split("基教处高教处职教处", &Location::default());
//! let codes: Vec<_> = refs.iter().map(|r| r.code.as_deref().unwrap()).collect();
//! assert_eq!(codes, ["gsjyt.jijiao", "gsjyt.gaojiao", "gsjyt.zhicheng"]);
//! assert_eq!(diagnostics[0].kind, "office-alias");
//! # Ok::<(), notice_ingest::Error>(())
//! ```

#[cfg(feature = "batch")]
pub mod batch;
mod convert;
#[doc(hidden)]
pub mod corpus;
mod diag;
mod error;
mod input;
mod ledger;
mod limits;
pub mod model;
mod normalize;
mod notice;
mod offices;
pub mod output;
mod pattern;
mod people;
pub mod record;
#[cfg(feature = "serve")]
pub mod serve;
mod tables;

pub use convert::{
    attachment_candidates, convert_bytes, convert_bytes_beside, convert_path, convert_source, read_document, Config,
    RegistryChoice,
};
pub use diag::{Diagnostic, DiagnosticKind, Location, Severity};
pub use error::{Error, ErrorKind, Result};
pub use input::html::HtmlError;
pub use input::ooxml::docx::DocxError;
pub use input::ooxml::xlsx::XlsxError;
pub use input::ooxml::ArchiveError;
pub use input::pdf::draw::{draw_pdf_page, CellRole, DrawError, PageDrawing};
pub use input::pdf::PdfError;
pub use input::scan::ScanError;
pub use input::text::TextError;
pub use input::{read_source, sniff_format, source_from_bytes, Format, Source, SourceError, NOTICE_EXTENSIONS};
pub use ledger::{HeaderVocabulary, LedgerError};
pub use limits::{peak_memory_kib, BudgetExceeded, Limits, MIB};
pub use offices::{draft_registry, OfficeEntry, OfficeError, OfficeKind, OfficeRef, OfficeRegistry};
pub use output::{render, write_atomic, OutputError, OutputFormat};
pub use record::validate::{SchemaValidator, SchemaViolation, ValidateError};
pub use record::{NoticeDocument, Task, SCHEMA_VERSION};
pub use tables::TableError;
