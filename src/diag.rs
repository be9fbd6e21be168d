//! Diagnostics: findings about the input that do not stop the pipeline.
//!
//! Every stage reports what it noticed (an alias used, an unknown office, a sequence gap) as a
//! [`Diagnostic`] with a severity, a stable kebab-case kind, a message that carries every value
//! that explains it, and a [`Location`] in the source. Diagnostics are collected, never printed by
//! the library, and travel in the output document so that nothing is lost silently.

use serde::{Deserialize, Serialize};

/// How much a diagnostic matters to a consumer of the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Data was lost or cannot be trusted (e.g. a task whose text is unreadable).
    Error,
    /// Output is complete but something needs a human look (e.g. an unknown office).
    Warning,
    /// Worth knowing, nothing wrong (e.g. an alias resolved to its canonical office).
    Info,
}

impl Severity {
    /// The lower-case word used in the JSON output and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Where in the source a diagnostic points. Every field is optional: each diagnostic fills the
/// ones that apply. Pages and rows are 1-based; `row` counts the rows of the stitched ledger table
/// (header excluded), `column` counts table columns from 1, `line` is a line of a text source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The file, when a notice spans several (a page and its attachments): the attachment's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_seq: Option<u32>,
}

impl Location {
    /// A location with only a page.
    pub fn page(page: u32) -> Self {
        Location { page: Some(page), ..Default::default() }
    }

    /// Returns this location with `column` set.
    pub fn with_column(mut self, column: u32) -> Self {
        self.column = Some(column);
        self
    }

    /// Returns this location with `task_seq` set.
    pub fn with_task(mut self, seq: u32) -> Self {
        self.task_seq = Some(seq);
        self
    }

    /// Human-readable form such as `page 3, row 5, column 4, task 5`; empty when nothing is set.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(f) = &self.file {
            parts.push(format!("file {f}"));
        }
        if let Some(p) = self.page {
            parts.push(format!("page {p}"));
        }
        if let Some(l) = self.line {
            parts.push(format!("line {l}"));
        }
        if let Some(r) = self.row {
            parts.push(format!("row {r}"));
        }
        if let Some(c) = self.column {
            parts.push(format!("column {c}"));
        }
        if let Some(t) = self.task_seq {
            parts.push(format!("task {t}"));
        }
        parts.join(", ")
    }
}

/// Declares [`DiagnosticKind`]: each variant with its stable kebab-case name and what it means.
macro_rules! diagnostic_kinds {
    ($($variant:ident = $name:literal: $doc:literal,)*) => {
        /// What a diagnostic is about. The kebab-case names are stable (they are in every output
        /// document); new kinds are added, none is renamed. A kind this version does not know
        /// (from a newer document) reads as [`DiagnosticKind::Other`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum DiagnosticKind {
            $(#[doc = $doc] #[serde(rename = $name)] $variant,)*
            /// A kind from a newer version of this program.
            #[serde(other, rename = "other")]
            Other,
        }

        impl DiagnosticKind {
            /// Every kind, in name order.
            pub const ALL: &'static [DiagnosticKind] = &[$(DiagnosticKind::$variant,)*];

            /// The stable kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(DiagnosticKind::$variant => $name,)*
                    DiagnosticKind::Other => "other",
                }
            }

            /// What the kind means.
            pub fn describe(self) -> &'static str {
                match self {
                    $(DiagnosticKind::$variant => $doc,)*
                    DiagnosticKind::Other => "A kind from a newer version of this program.",
                }
            }
        }
    };
}

diagnostic_kinds! {
    AttachmentUnreadable = "attachment-unreadable": "An attachment found beside the page could not be read; the notice is read without it.",
    AttachmentWithoutLedger = "attachment-without-ledger": "An attachment read with its page holds no task ledger.",
    BracketedName = "bracketed-name": "A bracketed second name was read as another name of the office (or resolved the office).",
    BracketedOffice = "bracketed-office": "A name and a different known office in brackets: both are listed.",
    CharsetMismatch = "charset-mismatch": "A web page's declared charset was wrong; the detected one was used.",
    ColumnInExtra = "column-in-extra": "A column the record has no field for yet is kept in the task's `extra`.",
    ColumnRoleInferred = "column-role-inferred": "A column's role was inferred from its cells (its header said nothing usable).",
    DeadlineYearAssumed = "deadline-year-assumed": "Deadlines without a year were bounded in the notice's year.",
    DuplicateOffice = "duplicate-office": "A cell names the same office twice; it is listed once.",
    DuplicateSeq = "duplicate-seq": "A sequence number appears twice.",
    DutyPhrase = "duty-phrase": "A duty phrase (按职责分工负责) assigns work by duties: no single lead is named.",
    EmptyTask = "empty-task": "A task row has an empty task cell.",
    FirstListedLeads = "first-listed-leads": "The notice says the first unit listed leads: the others support.",
    FormatMismatch = "format-mismatch": "The file's name and its bytes disagree about its format.",
    HeaderBelowTitle = "header-below-title": "The ledger header is below title rows of the table.",
    HeaderRole = "header-role": "A header was read by its structure (head noun, role words) or its context.",
    HeaderlessContinuation = "headerless-continuation": "A table without header was read as the continuation of the ledger above.",
    HtmlUnterminated = "html-unterminated": "A web page ends without `</body>` or `</html>`: it may be truncated.",
    InvalidBytes = "invalid-bytes": "Bytes invalid in the page's charset were replaced by U+FFFD.",
    InvalidUtf8 = "invalid-utf8": "Bytes invalid in UTF-8 were replaced by U+FFFD.",
    LabelWithoutTask = "label-without-task": "A responsibility line follows no numbered task paragraph.",
    LeadersFromSection = "leaders-from-section": "A task takes its leaders from its section's heading.",
    LinkRefused = "link-refused": "Links with a scheme other than http, https or relative were dropped.",
    LongOfficeCell = "long-office-cell": "An office cell too long to segment was split at separators only.",
    MeasuresFromSteps = "measures-from-steps": "Merged rows' measures were paired with the numbered steps of their shared text.",
    MergedSeqMeasures = "merged-seq-measures": "Items under one merged sequence cell are the measures of one task.",
    MetadataTable = "metadata-table": "An information-disclosure index table was read as metadata, not as a ledger.",
    NoRegistry = "no-registry": "No office registry covers the issuer: office names keep code null.",
    NoSeqColumn = "no-seq-column": "The ledger has no 序号 column: tasks' numbers come from their task cells.",
    NonNumericSeq = "non-numeric-seq": "A sequence cell is not a number; the row is kept as a task with seq null.",
    NoticeUnidentified = "notice-unidentified": "Nothing identifies the notice: its id comes from its content.",
    NumberedHeading = "numbered-heading": "A row numbered unlike the tasks and naming no unit was read as a heading.",
    OfficeAlias = "office-alias": "An office was named by an alias and resolved to its canonical office.",
    ParagraphLedger = "paragraph-ledger": "The ledger was read from numbered paragraphs (no ledger table).",
    PdfContentUnreadable = "pdf-content-unreadable": "A PDF page's content stream could not be read.",
    PdfPageUnreadable = "pdf-page-unreadable": "A PDF page could not be read.",
    PdfRepaired = "pdf-repaired": "A damaged PDF was recovered by scanning its objects.",
    PdfTableMethod = "pdf-table-method": "Which table method read a PDF page (lattice from rulings, or stream).",
    PdfUnmappedGlyphs = "pdf-unmapped-glyphs": "Glyphs of a PDF font have no Unicode mapping and were read as U+FFFD.",
    PdfUnreadablePage = "pdf-unreadable-page": "A PDF page could not be read.",
    RepeatedHeader = "repeated-header": "A table row repeating the ledger header was skipped.",
    RepeatedTitle = "repeated-title": "A task has the same title as an earlier one; its id gets a suffix.",
    RoleMarkers = "role-markers": "Role markers (（牵头）, （配合）) assigned the units of a row.",
    RowContinued = "row-continued": "A row cut by a page break was joined to the row it continues.",
    RowWithoutSeq = "row-without-seq": "A row without sequence number was appended to the task above.",
    SeqGap = "seq-gap": "Sequence numbers skip.",
    SeqOrder = "seq-order": "A sequence number is not larger than the one before.",
    SeqStart = "seq-start": "The first sequence number is not 1.",
    SpanOverlap = "span-overlap": "A cell falls outside the table after spans; its text went to the row's last cell.",
    StrayRoleMarker = "stray-role-marker": "A role marker follows no office name.",
    TableNotLedger = "table-not-ledger": "A table is not a task ledger; its rows are not tasks.",
    TaskContinued = "task-continued": "A task continues on the next page (its merged cells were cut).",
    TaskWithoutUnits = "task-without-units": "A task names no lead or supporting unit.",
    UnknownColumn = "unknown-column": "A column matches no known field (or repeats one); its text is kept in `extra`.",
    UnknownOffice = "unknown-office": "An office name is not in the registry; it is kept with code null.",
    UnreadableText = "unreadable-text": "A task's text is mostly undecodable characters.",
    UnsplitNames = "unsplit-names": "A leaders cell could not be cut into personal names; kept whole.",
}

impl std::fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for DiagnosticKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for DiagnosticKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// One finding about the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// What the finding is about, e.g. `unknown-office`.
    pub kind: DiagnosticKind,
    pub message: String,
    pub location: Location,
}

impl Diagnostic {
    pub fn new(severity: Severity, kind: DiagnosticKind, message: impl Into<String>, location: Location) -> Self {
        Diagnostic { severity, kind, message: message.into(), location }
    }

    pub fn error(kind: DiagnosticKind, message: impl Into<String>, location: Location) -> Self {
        Self::new(Severity::Error, kind, message, location)
    }

    pub fn warning(kind: DiagnosticKind, message: impl Into<String>, location: Location) -> Self {
        Self::new(Severity::Warning, kind, message, location)
    }

    pub fn info(kind: DiagnosticKind, message: impl Into<String>, location: Location) -> Self {
        Self::new(Severity::Info, kind, message, location)
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let loc = self.location.describe();
        if loc.is_empty() {
            write!(f, "{}[{}]: {}", self.severity.as_str(), self.kind, self.message)
        } else {
            write!(f, "{}[{}] at {}: {}", self.severity.as_str(), self.kind, loc, self.message)
        }
    }
}

/// `text` quoted for a message, cut to `max_chars` characters with an ellipsis and the full length,
/// so that a hostile input cannot blow up every message that quotes it.
pub fn quote(text: &str, max_chars: usize) -> String {
    let count = text.chars().count();
    if count <= max_chars {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(max_chars).collect();
        format!("\"{}…\" ({count} characters)", head.escape_debug())
    }
}
