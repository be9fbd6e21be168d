//! The canonical record: the JSON contract downstream systems consume.
//!
//! These types are the wire format only; `schemas/notice.schema.json` documents every field and
//! [`SCHEMA_VERSION`] names the contract. Field order here is the output's field order.

pub mod diff;
pub mod ids;
pub mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::offices::OfficeRef;

/// Version of the record contract; bumped when a field changes meaning or shape.
pub const SCHEMA_VERSION: &str = "1.2.0";

/// One converted notice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoticeDocument {
    pub schema_version: String,
    pub notice: Notice,
    pub sections: Vec<Section>,
    pub tasks: Vec<Task>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub id: String,
    /// The file converted (the page, when the notice came with attachments).
    pub source: SourceInfo,
    /// Every file the notice was read from: the page and the attachments found beside it.
    #[serde(default)]
    pub sources: Vec<SourceFile>,
    /// The registry used to resolve offices.
    pub registry: String,
    pub issuer: Option<String>,
    pub title: Option<String>,
    pub doc_number: Option<String>,
    /// 成文日期: the date the notice was written (its signature, or a disclosure index's).
    pub date: Option<String>,
    /// 发布时间: the date a web page published it.
    #[serde(default)]
    pub published: Option<String>,
    pub recipients: Vec<OfficeRef>,
    pub attachments: Vec<Attachment>,
    pub reporting: Vec<ReportingDuty>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub path: String,
    pub format: crate::input::Format,
    pub sha256: String,
    pub pages: u32,
}

/// The part a file plays in a notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceRole {
    /// The notice itself (a web page, a document).
    Page,
    /// A file the notice links as 附件, found beside it.
    Attachment,
}

/// One file of a notice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceFile {
    pub path: String,
    pub role: SourceRole,
    pub format: crate::input::Format,
    pub sha256: String,
    pub pages: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub title: String,
    pub href: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportingDuty {
    /// Who reports, as written (e.g. `各牵头单位`); `None` when the clause does not say (the
    /// addressees are meant).
    pub from: Option<String>,
    /// The registry bodies `from` names, if any.
    pub from_offices: Vec<OfficeRef>,
    pub to: Vec<OfficeRef>,
    /// How often, when the clause says.
    pub frequency: Option<Frequency>,
    pub frequency_raw: Option<String>,
    /// What is reported, as written.
    pub content: String,
    /// The clause the duty was read from.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub numeral: Option<String>,
    pub title: String,
    /// Nesting depth, 1 for the outermost numbering style (一、), 2 for the next (（一）) …
    pub level: u8,
    /// Numerals (or titles) of the enclosing sections and this one, joined with `/`: `一/（二）`.
    /// Tasks name their section by this path.
    pub path: String,
}

/// How a deadline cell reads (read in `ledger/deadlines.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeadlineKind {
    /// A date bound (`2024年6月底前`): `by` is the last day allowed.
    ByDate,
    /// A recurring duty (`每季度末`): `every` is the period.
    Recurring,
    /// Standing work with no end (`长期坚持`, `持续推进`).
    Ongoing,
    /// Nothing the reader can normalize; the raw text stands.
    Unparsed,
}

/// How often something recurs (a recurring deadline).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Period {
    Quarterly,
    Monthly,
    Semiannual,
    Annual,
    PerTerm,
    Weekly,
}

/// How often a reporting duty falls due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Frequency {
    Quarterly,
    Monthly,
    Semiannual,
    Annual,
    /// 及时: whenever there is something to report.
    AsNeeded,
    /// 定期: at regular times the notice does not name.
    Periodic,
}

impl DeadlineKind {
    /// The kebab-case name used in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::ByDate => "by-date",
            DeadlineKind::Recurring => "recurring",
            DeadlineKind::Ongoing => "ongoing",
            DeadlineKind::Unparsed => "unparsed",
        }
    }
}

impl Period {
    /// The kebab-case name used in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Quarterly => "quarterly",
            Period::Monthly => "monthly",
            Period::Semiannual => "semiannual",
            Period::Annual => "annual",
            Period::PerTerm => "per-term",
            Period::Weekly => "weekly",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deadline {
    pub raw: String,
    pub kind: DeadlineKind,
    /// For `by-date`: the last day allowed, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// For `recurring`: the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Period>,
}

/// One measure (具体措施) of a task in a hierarchical ledger: its own text, offices and deadline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    pub text: String,
    pub lead_offices: Vec<OfficeRef>,
    pub support_offices: Vec<OfficeRef>,
    pub implementers: Vec<OfficeRef>,
    pub deadline: Option<Deadline>,
    pub provenance: Provenance,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The attachment the task was read from, when the notice spans several files; absent for
    /// the notice's own file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub pages: [u32; 2],
    pub row: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Where each cell fragment of the row(s) sits, for sources with geometry (PDF); a cell cut by
    /// a page break has one fragment per page. Empty (and absent in JSON) otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<CellBox>,
}

/// One cell fragment's place in the source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellBox {
    /// 1-based table column.
    pub column: u32,
    pub page: u32,
    /// `[x0, y0, x1, y1]` in PDF points, origin at the page's lower left.
    pub bbox: [f64; 4],
}

impl Provenance {
    /// Provenance of a task or measure that starts at `row`.
    pub(crate) fn of_row(row: &crate::tables::GridRow) -> Self {
        let mut p = Provenance {
            file: None,
            pages: [row.pages.0, row.pages.1],
            row: row.index,
            line: row.line,
            cells: Vec::new(),
        };
        p.add_cells(row);
        p
    }

    /// Adds the cell fragments of `row` not already listed (a cell merged down over several rows
    /// is listed once).
    pub(crate) fn add_cells(&mut self, row: &crate::tables::GridRow) {
        for (i, cell) in row.cells.iter().enumerate() {
            for f in &cell.fragments {
                let b = CellBox { column: i as u32 + 1, page: f.page, bbox: f.bbox.to_points() };
                if !self.cells.contains(&b) {
                    self.cells.push(b);
                }
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub seq: Option<u32>,
    pub section: Option<String>,
    pub title: String,
    pub text: String,
    pub leaders: Vec<String>,
    pub lead_offices: Vec<OfficeRef>,
    pub support_offices: Vec<OfficeRef>,
    pub implementers: Vec<OfficeRef>,
    pub deadline: Option<Deadline>,
    /// The measures of a ledger with a measures column (具体措施), in order; empty otherwise.
    #[serde(default)]
    pub measures: Vec<Measure>,
    /// The remarks column (备注), when the ledger has one and the cell is not empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    pub provenance: Provenance,
}
