//! The crate's error: one boxed kind per failing stage, with the input path as context.

use std::path::{Path, PathBuf};

use crate::input::text::TextError;
use crate::input::SourceError;
use crate::ledger::LedgerError;
use crate::offices::OfficeError;
use crate::output::OutputError;
use crate::record::validate::{SchemaViolation, ValidateError};
use crate::tables::TableError;

/// An error that stopped the conversion of one input.
#[derive(Debug)]
pub struct Error {
    kind: Box<ErrorKind>,
    path: Option<PathBuf>,
}

/// What went wrong, by stage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("legacy binary Office file (.doc/.xls/.wps): convert it first, e.g. `soffice --headless --convert-to docx FILE`")]
    LegacyOffice,
    #[error("text rendition: {0}")]
    Text(#[from] TextError),
    #[error("HTML page: {0}")]
    Html(#[from] crate::input::html::HtmlError),
    #[error("DOCX: {0}")]
    Docx(#[from] crate::input::ooxml::docx::DocxError),
    #[error("PDF: {0}")]
    Pdf(#[from] crate::input::pdf::PdfError),
    #[error("PDF (scan): {0}")]
    Scan(#[from] crate::input::scan::ScanError),
    #[error("XLSX: {0}")]
    Xlsx(#[from] crate::input::ooxml::xlsx::XlsxError),
    #[error(transparent)]
    Budget(#[from] crate::limits::BudgetExceeded),
    #[error(transparent)]
    Table(#[from] TableError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Office(#[from] OfficeError),
    #[error(transparent)]
    Validate(#[from] ValidateError),
    #[error("the converted document breaks the schema ({} violation(s)); first: {}", .0.len(), .0.first().map(|v| v.to_string()).unwrap_or_default())]
    SchemaViolations(Vec<SchemaViolation>),
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl ErrorKind {
    /// The stage that failed, as a stable kebab-case name (`source`, `legacy-office`, `text`,
    /// `html`, `docx`, `pdf`, `scan`, `xlsx`, `budget`, `table`, `ledger`, `office`, `validate`,
    /// `schema-violations`, `output`), for bindings and tools that sort failures.
    pub fn name(&self) -> &'static str {
        match self {
            ErrorKind::Source(_) => "source",
            ErrorKind::LegacyOffice => "legacy-office",
            ErrorKind::Text(_) => "text",
            ErrorKind::Html(_) => "html",
            ErrorKind::Docx(_) => "docx",
            ErrorKind::Pdf(_) => "pdf",
            ErrorKind::Scan(_) => "scan",
            ErrorKind::Xlsx(_) => "xlsx",
            ErrorKind::Budget(_) => "budget",
            ErrorKind::Table(_) => "table",
            ErrorKind::Ledger(_) => "ledger",
            ErrorKind::Office(_) => "office",
            ErrorKind::Validate(_) => "validate",
            ErrorKind::SchemaViolations(_) => "schema-violations",
            ErrorKind::Output(_) => "output",
        }
    }
}

impl Error {
    /// The kind of failure.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The input the error is about, when known.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Attaches the input path (kept if one is already set).
    pub fn with_path(mut self, path: &Path) -> Self {
        if self.path.is_none() {
            self.path = Some(path.to_path_buf());
        }
        self
    }

    /// True when the input was read but holds no task ledger (a notice without one, a stray
    /// text file): `batch` reports such a file as skipped rather than failed, unless `--strict`.
    pub fn is_no_ledger(&self) -> bool {
        matches!(
            &*self.kind,
            ErrorKind::Ledger(LedgerError::NoLedgerTable { .. } | LedgerError::NotInAttachments { .. })
        )
    }

    /// True when the input itself is at fault (bad format, no ledger), false for I/O and usage
    /// failures. The CLI maps the first to exit code 1 and the second to 2.
    pub fn is_input_problem(&self) -> bool {
        !matches!(
            &*self.kind,
            ErrorKind::Source(SourceError::Io { .. } | SourceError::NotRegularFile { .. })
                | ErrorKind::Output(_)
                | ErrorKind::Office(_)
                | ErrorKind::Validate(ValidateError::BadSchema { .. })
                // The machine lacks tesseract: nothing is wrong with the scan.
                | ErrorKind::Scan(crate::input::scan::ScanError::NoTesseract(_))
        )
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Source errors already name their path.
        match (&self.path, &*self.kind) {
            (Some(p), kind) if !matches!(kind, ErrorKind::Source(_)) => write!(f, "{}: {kind}", p.display()),
            (_, kind) => write!(f, "{kind}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.kind)
    }
}

impl<E: Into<ErrorKind>> From<E> for Error {
    fn from(e: E) -> Self {
        Error { kind: Box::new(e.into()), path: None }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
