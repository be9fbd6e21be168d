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

/// One finding about the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable kebab-case identifier of the finding, e.g. `unknown-office`.
    pub kind: String,
    pub message: String,
    pub location: Location,
}

impl Diagnostic {
    pub fn new(severity: Severity, kind: &str, message: impl Into<String>, location: Location) -> Self {
        Diagnostic { severity, kind: kind.to_string(), message: message.into(), location }
    }

    pub fn error(kind: &str, message: impl Into<String>, location: Location) -> Self {
        Self::new(Severity::Error, kind, message, location)
    }

    pub fn warning(kind: &str, message: impl Into<String>, location: Location) -> Self {
        Self::new(Severity::Warning, kind, message, location)
    }

    pub fn info(kind: &str, message: impl Into<String>, location: Location) -> Self {
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
