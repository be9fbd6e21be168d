//! Stage 4, `ledger`: find the task ledger of a notice and turn it into sections and task records.
//!
//! A ledger is a table (the usual form) or numbered paragraphs with responsibility lines (a
//! paragraph ledger). Its parts, in the order they run:
//!
//! - [`headers`]: what each column is, from the header vocabulary (`src/data/headers.json`: synonyms,
//!   then head nouns and role words), or from the columns' content when the header says nothing;
//!   information-disclosure index tables are recognised as metadata and never read as ledgers;
//! - [`rows`]: a table's rows into sections, tasks and measures;
//! - [`paragraphs`]: a paragraph ledger into the same records;
//! - [`sections`]: numbered headings and how they nest;
//! - [`checks`]: sequence numbers as a checksum, and the tasks' id keys.
//!
//! Office cells are split by the `offices` stage and leader cells by `people`. Every row with
//! content becomes part of a task or a section: none is dropped without a diagnostic.

mod checks;
mod columns;
pub mod deadlines;
mod headers;
mod paragraphs;
mod rows;
pub(crate) mod sections;

use crate::diag::{Diagnostic, Location};
use crate::ledger::deadlines::normalize_deadline_in;
use crate::model::Document;
use crate::offices::{marker_role, CellSplitter, MarkerRole, OfficeRef, OfficeRegistry};
use crate::people::{person_roster, split_names, Roster};
use crate::record::{Deadline, Section, Task};
use crate::tables::Grid;

pub use checks::assign_keys;
pub(crate) use headers::Field;
pub use headers::HeaderVocabulary;

/// Why no ledger could be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    #[error("no task ledger found: {tables} table(s) in the document, none with a sequence column and a task column (headers seen: {headers}), and no numbered paragraphs naming lead or responsible units")]
    NoLedgerTable { tables: usize, headers: String },
    #[error(
        "no task ledger found in the page nor in the {attachments} attachment(s) read beside it; the page: {page}"
    )]
    NotInAttachments { attachments: usize, page: Box<LedgerError> },
}

impl LedgerError {
    /// This error for a page whose `n` attachments were read and hold no ledger either.
    pub fn with_attachments(self, n: usize) -> Self {
        LedgerError::NotInAttachments { attachments: n, page: Box::new(self) }
    }
}

/// What the ledger stage produces for one notice.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub sections: Vec<Section>,
    pub tasks: Vec<Task>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The year a notice is about, for deadlines that name no year (`12月底前`), and where it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoticeYear {
    pub year: i32,
    /// `"title"` or `"date"`.
    pub from: &'static str,
}

/// What reading a ledger needs besides the document.
#[derive(Clone, Copy, Debug)]
pub struct LedgerContext<'a> {
    pub vocabulary: &'a HeaderVocabulary,
    pub registry: &'a OfficeRegistry,
    pub year: Option<NoticeYear>,
}

/// The unit lists of a row or paragraph, role markers applied.
pub(crate) struct Units {
    pub lead: Vec<OfficeRef>,
    pub support: Vec<OfficeRef>,
    pub implementers: Vec<OfficeRef>,
}

/// Reads the cells every ledger form shares: units (with role markers), leaders and deadlines.
/// Counts the deadlines whose year came from the notice, for one diagnostic at the end.
pub(crate) struct RowReader<'c> {
    ctx: LedgerContext<'c>,
    /// The ledger's office cells, each distinct one split once.
    splitter: CellSplitter<'c>,
    roster: Roster,
    assumed_years: usize,
    /// The notice says the first unit listed leads (`列第一位的为牵头单位`).
    first_listed_leads: bool,
}

impl<'c> RowReader<'c> {
    pub fn new(ctx: &LedgerContext<'c>) -> Self {
        RowReader {
            ctx: *ctx,
            splitter: CellSplitter::new(ctx.registry),
            roster: Roster::new(),
            assumed_years: 0,
            first_listed_leads: false,
        }
    }

    /// What the ledger is read with.
    pub fn ctx(&self) -> &LedgerContext<'c> {
        &self.ctx
    }

    /// Applies the notice's rule that the first unit listed in an unmarked unit list leads.
    pub fn set_first_listed_leads(&mut self, on: bool) {
        self.first_listed_leads = on;
    }

    /// The names of people seen in a table's leader cells, for cutting names written together.
    pub fn set_roster<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        self.roster = person_roster(cells);
    }

    /// Splits the lead, support and implementer texts (each with its location) and moves units by
    /// their role markers: in the lead list a unit marked （配合） cooperates, and once any unit
    /// there is marked （牵头）, the unmarked ones cooperate too (`基教处（牵头）、体艺处`); a
    /// unit marked （牵头） in the support list leads. `unmarked_lead` says the lead list comes from
    /// a column or label without a role word (责任单位): under the notice's first-listed rule its
    /// first unit leads and the others support.
    pub fn units_at(
        &mut self,
        cells: [(String, Location); 3],
        unmarked_lead: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> Units {
        let [(lead, lead_at), (support, support_at), (implementers, implementers_at)] = cells;
        let mut split = |text: &str, at: &Location| {
            let text = strip_first_listed_notes(text);
            if text.trim().is_empty() {
                return Vec::new();
            }
            let (refs, d) = self.splitter.split(&text, at);
            diags.extend(d);
            refs
        };
        let lead = split(&lead, &lead_at);
        let support = split(&support, &support_at);
        let implementers = split(&implementers, &implementers_at);
        let role = |r: &OfficeRef| r.marker.as_deref().and_then(marker_role);
        let marked_lead = lead.iter().any(|r| role(r) == Some(MarkerRole::Lead));
        let (mut new_lead, mut new_support) = (Vec::new(), Vec::new());
        let mut moved = Vec::new();
        for r in lead {
            let to_support =
                role(&r) == Some(MarkerRole::Support) || (marked_lead && role(&r) != Some(MarkerRole::Lead));
            if to_support {
                moved.push(format!("{} cooperates", r.raw));
                new_support.push(r);
            } else {
                new_lead.push(r);
            }
        }
        for r in support {
            if role(&r) == Some(MarkerRole::Lead) {
                moved.push(format!("{} leads", r.raw));
                new_lead.push(r);
            } else {
                new_support.push(r);
            }
        }
        if !moved.is_empty() {
            diags.push(Diagnostic::info(
                crate::diag::DiagnosticKind::RoleMarkers,
                format!("role markers assign the units of this row: {}", moved.join("; ")),
                lead_at.clone(),
            ));
        }
        if self.first_listed_leads && unmarked_lead && moved.is_empty() && new_support.is_empty() && new_lead.len() > 1
        {
            new_support = new_lead.split_off(1);
            diags.push(Diagnostic::info(
                crate::diag::DiagnosticKind::FirstListedLeads,
                format!(
                    "the notice says the first unit listed leads: {} leads, {} support",
                    new_lead[0].raw,
                    new_support.iter().map(|r| r.raw.as_str()).collect::<Vec<_>>().join("、")
                ),
                lead_at,
            ));
        }
        Units { lead: new_lead, support: new_support, implementers }
    }

    /// [`RowReader::units_at`] with one location for all three.
    pub fn units(
        &mut self,
        lead: &str,
        support: &str,
        implementers: &str,
        unmarked_lead: bool,
        at: &Location,
        diags: &mut Vec<Diagnostic>,
    ) -> Units {
        self.units_at(
            [(lead.into(), at.clone()), (support.into(), at.clone()), (implementers.into(), at.clone())],
            unmarked_lead,
            diags,
        )
    }

    /// The personal names of a leaders cell.
    pub fn leaders(&self, cell: &str, at: &Location, diags: &mut Vec<Diagnostic>) -> Vec<String> {
        let (names, d) = split_names(cell, &self.roster, at);
        diags.extend(d);
        names
    }

    /// A deadline cell read with the notice's year for dates that name none.
    pub fn deadline(&mut self, raw: &str) -> Deadline {
        let (d, assumed) = normalize_deadline_in(raw, self.ctx.year.map(|y| y.year));
        self.assumed_years += usize::from(assumed);
        d
    }

    /// Reports, once, how many deadlines took the notice's year.
    pub fn finish(&self, diags: &mut Vec<Diagnostic>) {
        if let (Some(y), n @ 1..) = (self.ctx.year, self.assumed_years) {
            diags.push(Diagnostic::info(
                crate::diag::DiagnosticKind::DeadlineYearAssumed,
                format!(
                    "{n} deadline(s) name a month or a part of the year without the year; read as {} (the year of the notice's {})",
                    y.year, y.from
                ),
                Location::default(),
            ));
        }
    }
}

/// A note stating that the first unit listed leads.
pub(crate) const FIRST_LISTED: &str = r"[（(]?[^（(）)，。；]{0,6}(?:列|排)(?:第一|首)位[^，。；）)]{0,12}(?:为|是)[^。；）)]{0,24}牵头[^）)]{0,16}[）)]?";

fn first_listed_re() -> &'static crate::pattern::RareRegex {
    static RE: std::sync::OnceLock<crate::pattern::RareRegex> = std::sync::OnceLock::new();
    crate::pattern::rare(&RE, || FIRST_LISTED.to_string())
}

/// Whether `text` states that the first unit listed leads (`列第一位的为牵头单位`,
/// `列第一位者为工作牵头单位或汇总单位，下同`).
pub(crate) fn is_first_listed_note(text: &str) -> bool {
    may_state_first_listed(text) && first_listed_re().is_match(text)
}

/// The words every first-listed note has (`第一位` or `首位`, and `牵头`): most texts are refused
/// here, without running the pattern.
fn may_state_first_listed(text: &str) -> bool {
    (text.contains("第一位") || text.contains("首位")) && text.contains("牵头")
}

/// A unit list without the notes that state the first-listed rule (they name no unit).
pub(crate) fn strip_first_listed_notes(text: &str) -> std::borrow::Cow<'_, str> {
    if !may_state_first_listed(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    first_listed_re().replace_all(text, "")
}

/// The part of the task cell that names the task: the leading bold text if any, else the first
/// sentence; trailing sentence punctuation removed.
pub(crate) fn task_title(bold: Option<&str>, text: &str) -> String {
    let source = match bold {
        Some(b) => crate::normalize::clean_text_single_line(b),
        None => {
            let first_line = text.split('\n').next().unwrap_or("");
            match first_line.find(['。', '！', '？', '；']) {
                Some(end) => first_line[..end].to_string(),
                None => first_line.to_string(),
            }
        }
    };
    source.trim_end_matches(['。', '！', '？', '；', '.', ' ']).to_string()
}

/// Whether a cell reads as unit names: every piece between separators ends like a unit name or is
/// a name the registry knows.
fn looks_like_units(text: &str, registry: &OfficeRegistry) -> bool {
    let tokens = crate::offices::split_separators(text);
    !tokens.is_empty()
        && tokens.iter().all(|t| {
            let t = t.trim_end_matches(['。', '；']);
            (crate::offices::has_name_suffix(t) || registry.lookup(t).is_some()) && t.chars().count() <= 30
        })
}

/// Whether a cell reads as a deadline.
fn looks_like_deadline(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.chars().count() <= 24
        && normalize_deadline_in(t, Some(2000)).0.kind != crate::record::DeadlineKind::Unparsed
}

/// Reads the ledger of a notice: its ledger tables among `grids` (stitched from `doc`), or, when
/// it has none, its paragraph ledger. Task ids are completed by the caller (they depend on the
/// notice id); here `id` holds the task's own key.
pub fn read_ledger(doc: &Document, grids: &[Grid], ctx: &LedgerContext) -> Result<Ledger, LedgerError> {
    let mut ledger = Ledger::default();
    let mut reader = RowReader::new(ctx);
    let stated = doc.text_blocks().any(|(t, _, _)| is_first_listed_note(&t))
        || grids
            .iter()
            .flat_map(|g| std::iter::once(&g.header_row).chain(&g.rows))
            .flat_map(|r| &r.cells)
            .any(|c| is_first_listed_note(&c.text.to_plain()));
    reader.set_first_listed_leads(stated);
    let mut found = 0;
    let mut last: Option<(usize, columns::Columns)> = None;
    let mut cursor = rows::Cursor::default();
    for grid in grids {
        let location = Location { page: Some(grid.header_page), ..Default::default() };
        if columns::is_metadata_table(grid, ctx.vocabulary) {
            ledger.diagnostics.push(Diagnostic::info(
                crate::diag::DiagnosticKind::MetadataTable,
                format!(
                    "the {}-column table on page {} is an information-disclosure index (索引号, 发布机构, 文号 …): notice metadata, not a ledger",
                    grid.columns, grid.header_page
                ),
                location,
            ));
            continue;
        }
        if let Some(columns) = columns::map_columns(grid, ctx.vocabulary, &mut ledger.diagnostics) {
            found += 1;
            cursor.previous = None;
            rows::TableReader::new(&columns, &mut reader).read(grid, &mut ledger, &mut cursor);
            last = Some((grid.columns, columns));
            continue;
        }
        match &last {
            // A table of the ledger's width after it, without a header (a blank line or a
            // 续表 line cut the ledger): it continues the ledger, its first row included.
            Some((width, columns)) if *width == grid.columns => {
                ledger.diagnostics.push(Diagnostic::warning(
                    crate::diag::DiagnosticKind::HeaderlessContinuation,
                    format!(
                        "a {}-column table on page {} has no ledger header; read as a continuation of the ledger above",
                        grid.columns, grid.header_page
                    ),
                    location,
                ));
                let columns = columns::Columns { header_rows_in_body: 0, ..columns.clone() };
                rows::TableReader::new(&columns, &mut reader).read(
                    &grid.with_header_as_row(),
                    &mut ledger,
                    &mut cursor,
                );
                continue;
            }
            _ => {}
        }
        let mut inferred_diags = Vec::new();
        let inferred = columns::infer_columns(
            grid,
            |t| looks_like_units(t, ctx.registry),
            looks_like_deadline,
            &mut inferred_diags,
        );
        if let Some(columns) = inferred {
            found += 1;
            ledger.diagnostics.extend(inferred_diags);
            cursor.previous = None;
            let body = if columns::first_row_is_data(grid) { grid.with_header_as_row() } else { grid.clone() };
            rows::TableReader::new(&columns, &mut reader).read(&body, &mut ledger, &mut cursor);
            last = Some((grid.columns, columns));
            continue;
        }
        ledger.diagnostics.push(Diagnostic::warning(
            crate::diag::DiagnosticKind::TableNotLedger,
            format!(
                "a {}-column table on page {} with {} row(s) (header: {}) is not a task ledger; its rows are not tasks",
                grid.columns,
                grid.header_page,
                grid.rows.len() + 1,
                crate::diag::quote(&grid.header.join(" | "), 60)
            ),
            location,
        ));
    }
    reader.finish(&mut ledger.diagnostics);
    if found == 0 && !paragraphs::read_paragraph_ledger(doc, ctx, &mut ledger) {
        let headers = grids.iter().map(|g| format!("[{}]", g.header.join(" | "))).collect::<Vec<_>>().join(", ");
        return Err(LedgerError::NoLedgerTable {
            tables: grids.len(),
            headers: if headers.is_empty() { "none".into() } else { headers },
        });
    }
    checks::check_sequence(&ledger.tasks, &mut ledger.diagnostics);
    checks::assign_keys(&mut ledger.tasks, &mut ledger.diagnostics);
    Ok(ledger)
}

#[cfg(test)]
mod tests;
