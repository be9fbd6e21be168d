//! notice-ingest: Chinese government notices (通知) and their task ledgers (任务分解台账) into
//! validated, structured task records.
//!
//! The pipeline's stages, in the order data flows:
//!
//! 1. [`source`] — read bytes, fingerprint them, sniff the format.
//! 2. A front-end per format — [`text`] (the plain-text rendition) — producing the one
//!    format-neutral document model in [`model`]: headings, paragraphs, tables as grids of cells
//!    with spans and page provenance.
//! 3. [`table`] — expand spans and stitch tables across pages (drop repeated headers, join
//!    continuation rows).
//! 4. [`ledger`] — map header cells to fields, read sections and task records; [`notice`] reads
//!    the notice's metadata (issuer, title, recipients, reporting duties) from the body.
//! 5. [`offices`] — the office registry, the splitter for joined cells, name normalization.
//! 6. [`validate`] — check documents against `schemas/notice.schema.json`.
//! 7. [`emit`] — write JSON, JSONL or CSV.
//!
//! [`convert_path`] runs them all. Findings that do not stop a notice are [`Diagnostic`]s in the
//! output; failures are [`Error`]s whose [`ErrorKind`] names the stage.
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
pub mod corpus;
pub mod diag;
mod error;
pub mod input;
pub mod ledger;
pub mod limits;
pub mod model;
pub mod normalize;
pub mod notice;
pub mod offices;
pub mod output;
pub mod pdf;
pub mod people;
pub mod record;
pub mod tables;

pub use convert::{convert_path, convert_source, Config, RegistryChoice};
pub use diag::{Diagnostic, Location, Severity};
pub use error::{Error, ErrorKind, Result};
pub use limits::Limits;
pub use offices::{OfficeRef, OfficeRegistry};
pub use output::{render, write_atomic, OutputFormat};
pub use record::validate::{SchemaValidator, SchemaViolation};
pub use record::{NoticeDocument, Task, SCHEMA_VERSION};
