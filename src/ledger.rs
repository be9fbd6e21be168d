//! Stage 4, `ledger`: find the task ledger among the stitched tables and turn its rows into task
//! records.
//!
//! Header cells map to canonical fields through a synonym table kept as data
//! (`src/data/headers.json`). A row whose only content is one cell reading like `一、…` is a
//! section; a row with a sequence number is a task. Office columns are split by the `offices`
//! stage; leader cells are split into names with a roster of names seen elsewhere in the table.
//! Every row with content becomes part of a task or a section: none is dropped without a
//! diagnostic.

use std::collections::{BTreeMap, HashMap};

use regex::Regex;
use serde::Deserialize;

use crate::deadline::normalize_deadline;
use crate::diag::{Diagnostic, Location};
use crate::normalize::{clean_text, clean_text_single_line};
use crate::offices::{marker_role, person_roster, split_person_names, MarkerRole, OfficeRef, OfficeRegistry, Roster};
use crate::record::{Deadline, Measure, Provenance, Section, Task};
use crate::table::{Grid, GridRow};

/// The synonym table compiled into the binary.
pub const DEFAULT_HEADERS_JSON: &str = include_str!("data/headers.json");

/// Canonical fields a ledger column can fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Seq,
    Task,
    Measures,
    Leaders,
    LeadOffices,
    SupportOffices,
    Implementers,
    Deadline,
    Progress,
    Remarks,
}

#[derive(Deserialize)]
struct HeaderFile {
    fields: BTreeMap<Field, Vec<String>>,
}

/// Maps header cell text to canonical fields.
#[derive(Clone, Debug)]
pub struct HeaderSynonyms {
    /// (normalized synonym, field), longest synonym first.
    synonyms: Vec<(String, Field)>,
}

impl HeaderSynonyms {
    /// The built-in synonym table.
    pub fn builtin() -> Self {
        Self::from_json(DEFAULT_HEADERS_JSON).expect("the built-in header table is valid")
    }

    /// Parses a synonym table file.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let file: HeaderFile = serde_json::from_str(text)?;
        let mut synonyms: Vec<(String, Field)> =
            file.fields.into_iter().flat_map(|(f, names)| names.into_iter().map(move |n| (squash(&n), f))).collect();
        synonyms.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.0.cmp(&b.0)));
        Ok(HeaderSynonyms { synonyms })
    }

    /// The field a header cell names: an exact match, else the longest synonym it contains.
    pub fn field_of(&self, header: &str) -> Option<Field> {
        let h = squash(header);
        if h.is_empty() {
            return None;
        }
        self.synonyms
            .iter()
            .find(|(s, _)| *s == h)
            .or_else(|| self.synonyms.iter().find(|(s, _)| h.contains(s.as_str())))
            .map(|&(_, f)| f)
    }
}

fn squash(s: &str) -> String {
    crate::offices::normalize_name(s)
}

/// Why no ledger could be read.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("no task ledger table found: {tables} table(s) in the document, none with a sequence column and a task column (headers seen: {headers})")]
    NoLedgerTable { tables: usize, headers: String },
}

/// What the ledger stage produces for one notice.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub sections: Vec<Section>,
    pub tasks: Vec<Task>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Column roles of one ledger table.
struct Columns {
    by_field: BTreeMap<Field, usize>,
    /// Columns with no canonical field: (index, header text, known field kept in `extra`).
    extra: Vec<(usize, String, Option<Field>)>,
}

/// Reads every ledger table among `grids` into sections and tasks. Task ids are completed by the
/// caller (they depend on the notice id); here `id` holds the task's own key.
pub fn read_ledger(grids: &[Grid], headers: &HeaderSynonyms, registry: &OfficeRegistry) -> Result<Ledger, LedgerError> {
    let mut ledger = Ledger::default();
    let mut found = 0;
    let mut last: Option<(usize, Columns)> = None;
    let mut cursor = Cursor::default();
    for grid in grids {
        if let Some(columns) = map_columns(grid, headers, &mut ledger.diagnostics) {
            found += 1;
            cursor.previous = None;
            read_grid(grid, &columns, registry, &mut ledger, &mut cursor);
            last = Some((grid.columns, columns));
            continue;
        }
        let location = Location { page: Some(grid.header_page), ..Default::default() };
        match &last {
            // A table of the ledger's width after it, without a header (a blank line or a
            // 续表 line cut the ledger): it continues the ledger, its first row included.
            Some((width, columns)) if *width == grid.columns => {
                ledger.diagnostics.push(Diagnostic::warning(
                    "headerless-continuation",
                    format!(
                        "a {}-column table on page {} has no ledger header; read as a continuation of the ledger above",
                        grid.columns, grid.header_page
                    ),
                    location,
                ));
                read_grid(&grid.with_header_as_row(), columns, registry, &mut ledger, &mut cursor);
            }
            _ => ledger.diagnostics.push(Diagnostic::warning(
                "table-not-ledger",
                format!(
                    "a {}-column table on page {} with {} row(s) (header: {}) is not a task ledger; its rows are not tasks",
                    grid.columns,
                    grid.header_page,
                    grid.rows.len() + 1,
                    crate::diag::quote(&grid.header.join(" | "), 60)
                ),
                location,
            )),
        }
    }
    if found == 0 {
        let headers = grids.iter().map(|g| format!("[{}]", g.header.join(" | "))).collect::<Vec<_>>().join(", ");
        return Err(LedgerError::NoLedgerTable {
            tables: grids.len(),
            headers: if headers.is_empty() { "none".into() } else { headers },
        });
    }
    check_sequence(&ledger.tasks, &mut ledger.diagnostics);
    assign_keys(&mut ledger.tasks, &mut ledger.diagnostics);
    Ok(ledger)
}

fn map_columns(grid: &Grid, headers: &HeaderSynonyms, diags: &mut Vec<Diagnostic>) -> Option<Columns> {
    let mut by_field = BTreeMap::new();
    let mut pending = Vec::new();
    for (i, h) in grid.header.iter().enumerate() {
        match headers.field_of(h) {
            Some(f) if !by_field.contains_key(&f) => {
                by_field.insert(f, i);
            }
            other => pending.push((i, h.clone(), other)),
        }
    }
    if !(by_field.contains_key(&Field::Seq) && by_field.contains_key(&Field::Task)) {
        return None;
    }
    let mut extra = Vec::new();
    for (i, header, field) in pending {
        let loc = Location { page: Some(grid.header_page), column: Some(i as u32 + 1), ..Default::default() };
        let msg = match field {
            Some(f) => {
                format!("column {} {header:?} repeats field {f:?}; its text is kept in the task's `extra`", i + 1)
            }
            None => {
                format!("column {} {header:?} matches no known field; its text is kept in the task's `extra`", i + 1)
            }
        };
        diags.push(Diagnostic::warning("unknown-column", msg, loc));
        extra.push((i, header, field));
    }
    for (&field, &i) in &by_field {
        if matches!(field, Field::Progress) {
            extra.push((i, grid.header[i].clone(), Some(field)));
            diags.push(Diagnostic::info(
                "column-in-extra",
                format!(
                    "column {} {:?} ({field:?}) has no record field yet; its text is kept in the task's `extra`",
                    i + 1,
                    grid.header[i]
                ),
                Location { page: Some(grid.header_page), column: Some(i as u32 + 1), ..Default::default() },
            ));
        }
    }
    extra.sort_by_key(|e| e.0);
    Some(Columns { by_field, extra })
}

fn section_regex() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^\s*([一二三四五六七八九十百零〇]+|[0-9]+|[（(]\s*[一二三四五六七八九十]+\s*[)）]|[（(]\s*[0-9]+\s*[)）])\s*[、.．]?\s*(.*)$",
        )
        .unwrap()
    })
}

fn seq_regex() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^\s*([0-9]{1,6})\s*[.、．]?\s*$").unwrap())
}

fn cell_text(row: &GridRow, col: Option<usize>) -> String {
    col.and_then(|c| row.cells.get(c)).map(|c| c.text.to_plain()).unwrap_or_default()
}

/// A section row: all its content in one cell that starts in the first column (spanning the
/// table, or the only non-blank cell), and that cell is not a sequence number.
fn section_title(row: &GridRow) -> Option<String> {
    let mut anchors = row.cells.iter().filter(|c| !c.text.is_blank()).map(|c| c.anchor);
    let first = anchors.next()?;
    if first.1 != 0 || anchors.any(|a| a != first) {
        return None;
    }
    let text = clean_text_single_line(&row.cells.iter().find(|c| c.anchor == first)?.text.to_plain());
    (!seq_regex().is_match(&text)).then_some(text)
}

/// How a section numeral is written; each style is one nesting level, in the order the ledger
/// first uses them (一、 then （一） then 1. then （1） in the usual hierarchy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NumberStyle {
    Han,
    BracketedHan,
    Arabic,
    BracketedArabic,
    Unnumbered,
}

fn number_style(numeral: Option<&str>) -> NumberStyle {
    let Some(n) = numeral else { return NumberStyle::Unnumbered };
    let bracketed = n.starts_with(['（', '(']);
    let arabic = n.chars().any(|c| c.is_ascii_digit());
    match (bracketed, arabic) {
        (false, false) => NumberStyle::Han,
        (true, false) => NumberStyle::BracketedHan,
        (false, true) => NumberStyle::Arabic,
        (true, true) => NumberStyle::BracketedArabic,
    }
}

/// Where the reader is in the ledger: the open sections (outermost first) and the last row read,
/// carried across the tables of one ledger.
#[derive(Default)]
struct Cursor {
    open_sections: Vec<(NumberStyle, String)>,
    /// Index in `Ledger::tasks` of the task the previous row belonged to, and that row.
    previous: Option<(usize, GridRow)>,
}

impl Cursor {
    /// Opens a section: a style already open closes it and everything inside; a new style nests.
    /// Returns (level, path).
    fn enter(&mut self, style: NumberStyle, label: &str) -> (u8, String) {
        if let Some(at) = self.open_sections.iter().position(|(s, _)| *s == style) {
            self.open_sections.truncate(at);
        }
        self.open_sections.push((style, label.to_string()));
        let path = self.open_sections.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("/");
        (self.open_sections.len().min(u8::MAX as usize) as u8, path)
    }

    fn section_path(&self) -> Option<String> {
        (!self.open_sections.is_empty())
            .then(|| self.open_sections.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("/"))
    }
}

/// True when column `c` of `row` is the same source cell as in `prev` (a row span copied it down).
fn spanned_from(prev: &GridRow, row: &GridRow, c: usize) -> bool {
    prev.pages.1 == row.pages.0 && prev.cells.get(c).map(|x| x.anchor) == row.cells.get(c).map(|x| x.anchor)
}

fn read_grid(grid: &Grid, cols: &Columns, registry: &OfficeRegistry, ledger: &mut Ledger, cursor: &mut Cursor) {
    let col = |f: Field| cols.by_field.get(&f).copied();
    let leader_cells: Vec<String> = grid.rows.iter().map(|r| cell_text(r, col(Field::Leaders))).collect();
    let roster = person_roster(leader_cells.iter().map(String::as_str));
    let with_measures = col(Field::Measures).is_some();
    for row in &grid.rows {
        if row.cells.iter().all(|c| c.text.is_blank()) {
            continue;
        }
        let seq_raw = clean_text_single_line(&cell_text(row, col(Field::Seq)));
        if let Some(title) = section_title(row).filter(|_| seq_regex().captures(&seq_raw).is_none()) {
            let caps = section_regex().captures(&title).filter(|c| !c[2].is_empty());
            let (numeral, stitle) = match caps {
                Some(c) => {
                    (Some(c[1].chars().filter(|c| !c.is_whitespace()).collect::<String>()), c[2].trim().to_string())
                }
                None => (None, title.clone()),
            };
            let (level, path) = cursor.enter(number_style(numeral.as_deref()), numeral.as_deref().unwrap_or(&title));
            ledger.sections.push(Section { numeral, title: stitle, level, path });
            cursor.previous = None;
            continue;
        }
        let base = Location { page: Some(row.pages.0), row: Some(row.index), line: row.line, ..Default::default() };
        let seq = seq_regex().captures(&seq_raw).and_then(|c| c[1].parse::<u32>().ok());

        // A further measure of the task above: its sequence cell is the same merged cell, or it
        // has neither a number nor a task of its own. At the top of a page, a row whose merged
        // cells the page break cut may repeat the task's number (producers and the PDF reader
        // carry merged text over); its task cell then continues the task's text.
        if with_measures {
            if let Some((index, prev)) = &cursor.previous {
                let index = *index;
                // The row before began on an earlier page: the break cut this task.
                let cut = row.pages.0 > prev.pages.0;
                if cut && seq.is_some() && ledger.tasks[index].seq == seq {
                    let prev = prev.clone();
                    let task = &mut ledger.tasks[index];
                    let more = clean_text(&cell_text(row, col(Field::Task)));
                    if !more.is_empty() && !task.text.ends_with(&more) {
                        let automatic_title = task.title == task_title(None, &task.text);
                        task.text.push_str(&more);
                        if automatic_title {
                            task.title = task_title(None, &task.text);
                        }
                    }
                    ledger.diagnostics.push(Diagnostic::info(
                        "task-continued",
                        format!(
                            "task {} continues on page {} (its number repeats where the page break cut its merged cells)",
                            seq.unwrap_or_default(),
                            row.pages.0
                        ),
                        base.clone(),
                    ));
                    let loc = Location { task_seq: task.seq, ..base.clone() };
                    continue_measures(task, row, &prev, cols, registry, &roster, &loc, &mut ledger.diagnostics);
                    cursor.previous = Some((index, row.clone()));
                    continue;
                }
            }
            if let Some((index, prev)) = &cursor.previous {
                let task_blank = cell_text(row, col(Field::Task)).trim().is_empty();
                let same_seq = col(Field::Seq).is_some_and(|c| spanned_from(prev, row, c));
                let same_task = col(Field::Task).is_some_and(|c| spanned_from(prev, row, c));
                if same_seq || (seq_raw.is_empty() && (task_blank || same_task)) {
                    let index = *index;
                    let prev = prev.clone();
                    let task = &mut ledger.tasks[index];
                    let loc = Location { task_seq: task.seq, ..base.clone() };
                    continue_measures(task, row, &prev, cols, registry, &roster, &loc, &mut ledger.diagnostics);
                    cursor.previous = Some((index, row.clone()));
                    continue;
                }
            }
        }

        if seq.is_none() {
            if seq_raw.is_empty() {
                if let Some(prev) = ledger.tasks.last_mut() {
                    ledger.diagnostics.push(Diagnostic::warning(
                        "row-without-seq",
                        format!(
                            "row {} has no sequence number; its cells were appended to task {:?}",
                            row.index, prev.seq
                        ),
                        base.clone(),
                    ));
                    append_row(prev, row, cols, registry, &roster, &mut ledger.diagnostics);
                    cursor.previous = Some((ledger.tasks.len() - 1, row.clone()));
                    continue;
                }
            }
            let why = if seq_raw.chars().any(|c| c.is_ascii_digit())
                && seq_raw.trim_end_matches(['.', '、', '．']).chars().all(|c| c.is_ascii_digit())
            {
                "a number too large to be a sequence number (more than 6 digits)"
            } else {
                "not a number"
            };
            ledger.diagnostics.push(Diagnostic::error(
                "non-numeric-seq",
                format!(
                    "row {} has sequence cell {seq_raw:?}, {why}; the row is kept as a task with seq null",
                    row.index
                ),
                base.clone().with_column(col(Field::Seq).map_or(1, |c| c as u32 + 1)),
            ));
        }
        let loc = match seq {
            Some(s) => base.clone().with_task(s),
            None => base.clone(),
        };
        let task_cell = col(Field::Task).and_then(|c| row.cells.get(c)).map(|c| c.text.clone()).unwrap_or_default();
        let text = clean_text(&task_cell.to_plain());
        let title = task_title(task_cell.leading_bold().as_deref(), &text);
        let unreadable = text.chars().filter(|&c| c == '\u{FFFD}').count();
        if unreadable > 0 && unreadable * 2 >= text.chars().filter(|c| !c.is_whitespace()).count() {
            ledger.diagnostics.push(Diagnostic::error(
                "unreadable-text",
                format!(
                    "task {seq:?}: {unreadable} of its characters could not be decoded (U+FFFD); its text is not the source's"
                ),
                loc.clone().with_column(col(Field::Task).map_or(1, |c| c as u32 + 1)),
            ));
        }
        if text.is_empty() {
            ledger.diagnostics.push(Diagnostic::warning(
                "empty-task",
                format!("task {seq:?} has an empty task cell"),
                loc.clone().with_column(col(Field::Task).map_or(1, |c| c as u32 + 1)),
            ));
        }
        let mut task = Task {
            id: String::new(),
            seq,
            section: cursor.section_path(),
            title,
            text,
            leaders: Vec::new(),
            lead_offices: Vec::new(),
            support_offices: Vec::new(),
            implementers: Vec::new(),
            deadline: None,
            measures: Vec::new(),
            remarks: None,
            extra: BTreeMap::new(),
            provenance: Provenance::of_row(row),
        };
        if with_measures {
            add_measure_row(&mut task, row, None, cols, registry, &roster, &loc, &mut ledger.diagnostics);
        } else {
            let fields = read_row_fields(row, cols, registry, &loc, &mut ledger.diagnostics);
            task.lead_offices = fields.lead;
            task.support_offices = fields.support;
            task.implementers = fields.implementers;
            task.deadline = fields.deadline.map(|raw| normalize_deadline(&raw));
            fill_task_level(&mut task, row, None, cols, &roster, &loc, &mut ledger.diagnostics);
        }
        ledger.tasks.push(task);
        cursor.previous = Some((ledger.tasks.len() - 1, row.clone()));
    }
}

/// The part of the task cell that names the task: the leading bold text if any, else the first
/// sentence; trailing sentence punctuation removed.
fn task_title(bold: Option<&str>, text: &str) -> String {
    let source = match bold {
        Some(b) => clean_text_single_line(b),
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

/// The office and deadline cells of one row, split and with role markers applied.
struct RowFields {
    lead: Vec<OfficeRef>,
    support: Vec<OfficeRef>,
    implementers: Vec<OfficeRef>,
    /// The deadline cell as written, when not empty.
    deadline: Option<String>,
}

/// Splits the office cells of `row` and moves units by their role markers: in the lead column a
/// unit marked （配合） cooperates, and once any unit there is marked （牵头）, the unmarked ones
/// cooperate too (`基教处（牵头）、体艺处`); a unit marked （牵头） in the support column leads.
fn read_row_fields(
    row: &GridRow,
    cols: &Columns,
    registry: &OfficeRegistry,
    loc: &Location,
    diags: &mut Vec<Diagnostic>,
) -> RowFields {
    let col = |f: Field| cols.by_field.get(&f).copied();
    let at = |f: Field| loc.clone().with_column(col(f).map_or(1, |c| c as u32 + 1));
    let mut split = |f: Field| match col(f) {
        Some(c) => {
            let (refs, d) = registry.split(&cell_text(row, Some(c)), &at(f));
            diags.extend(d);
            refs
        }
        None => Vec::new(),
    };
    let lead = split(Field::LeadOffices);
    let support = split(Field::SupportOffices);
    let implementers = split(Field::Implementers);
    let role = |r: &OfficeRef| r.marker.as_deref().and_then(marker_role);
    let marked_lead = lead.iter().any(|r| role(r) == Some(MarkerRole::Lead));
    let (mut new_lead, mut new_support) = (Vec::new(), Vec::new());
    let mut moved = Vec::new();
    for r in lead {
        let to_support = role(&r) == Some(MarkerRole::Support) || (marked_lead && role(&r) != Some(MarkerRole::Lead));
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
            "role-markers",
            format!("role markers assign the units of this row: {}", moved.join("; ")),
            at(Field::LeadOffices),
        ));
    }
    let deadline =
        col(Field::Deadline).map(|c| clean_text_single_line(&cell_text(row, Some(c)))).filter(|d| !d.is_empty());
    RowFields { lead: new_lead, support: new_support, implementers, deadline }
}

/// Appends `refs` to `list`, skipping units already listed (same code, or same name if unknown).
fn union_refs(list: &mut Vec<OfficeRef>, refs: &[OfficeRef]) {
    for r in refs {
        let same = |x: &OfficeRef| match (&x.code, &r.code) {
            (Some(a), Some(b)) => a == b,
            (None, None) => x.name == r.name,
            _ => false,
        };
        if !list.iter().any(same) {
            list.push(r.clone());
        }
    }
}

/// Adds one measure row (具体措施) to `task`: the measure gets the row's own text, offices and
/// deadline; the task's office lists are the union of its measures'. `prev` is the row before
/// when it belongs to the same task, so cells merged down from it are not counted twice.
#[allow(clippy::too_many_arguments)]
fn add_measure_row(
    task: &mut Task,
    row: &GridRow,
    prev: Option<&GridRow>,
    cols: &Columns,
    registry: &OfficeRegistry,
    roster: &Roster,
    loc: &Location,
    diags: &mut Vec<Diagnostic>,
) {
    let fields = read_row_fields(row, cols, registry, loc, diags);
    let text = clean_text(&cell_text(row, cols.by_field.get(&Field::Measures).copied()));
    union_refs(&mut task.lead_offices, &fields.lead);
    union_refs(&mut task.support_offices, &fields.support);
    union_refs(&mut task.implementers, &fields.implementers);
    task.measures.push(Measure {
        text,
        lead_offices: fields.lead,
        support_offices: fields.support,
        implementers: fields.implementers,
        deadline: fields.deadline.map(|raw| normalize_deadline(&raw)),
        provenance: Provenance::of_row(row),
    });
    task.provenance.pages[1] = task.provenance.pages[1].max(row.pages.1);
    task.provenance.add_cells(row);
    // The task's deadline is the one all its measures share, if they share one.
    let first = task.measures[0].deadline.as_ref().map(|d| &d.raw);
    task.deadline = if task.measures.iter().all(|m| m.deadline.as_ref().map(|d| &d.raw) == first) {
        task.measures[0].deadline.clone()
    } else {
        None
    };
    fill_task_level(task, row, prev, cols, roster, loc, diags);
}

/// Reads a row that belongs to the task above as a new measure — or, at the top of a page when
/// it has no offices or deadline of its own, as the rest of the last measure cut by the break.
#[allow(clippy::too_many_arguments)]
fn continue_measures(
    task: &mut Task,
    row: &GridRow,
    prev: &GridRow,
    cols: &Columns,
    registry: &OfficeRegistry,
    roster: &Roster,
    loc: &Location,
    diags: &mut Vec<Diagnostic>,
) {
    let own = [Field::LeadOffices, Field::SupportOffices, Field::Implementers, Field::Deadline]
        .iter()
        .filter_map(|f| cols.by_field.get(f).copied())
        .any(|c| !spanned_from(prev, row, c) && !cell_text(row, Some(c)).trim().is_empty());
    let measure_text = clean_text(&cell_text(row, cols.by_field.get(&Field::Measures).copied()));
    if row.pages.0 > prev.pages.1 && !own && !task.measures.is_empty() {
        let measure = task.measures.last_mut().expect("checked non-empty");
        measure.text.push_str(&measure_text);
        measure.provenance.pages[1] = measure.provenance.pages[1].max(row.pages.1);
        measure.provenance.add_cells(row);
        task.provenance.pages[1] = task.provenance.pages[1].max(row.pages.1);
        task.provenance.add_cells(row);
        return;
    }
    add_measure_row(task, row, Some(prev), cols, registry, roster, loc, diags);
}

/// Fills the fields that belong to the task as a whole from one of its rows: leaders, remarks and
/// the columns kept in `extra`. Cells merged down from `prev` are skipped (already read).
fn fill_task_level(
    task: &mut Task,
    row: &GridRow,
    prev: Option<&GridRow>,
    cols: &Columns,
    roster: &Roster,
    loc: &Location,
    diags: &mut Vec<Diagnostic>,
) {
    let fresh = |c: usize| prev.is_none_or(|p| !spanned_from(p, row, c));
    let col = |f: Field| cols.by_field.get(&f).copied().filter(|&c| fresh(c));
    if let Some(c) = col(Field::Leaders) {
        let (names, d) = split_person_names(&cell_text(row, Some(c)), roster, &loc.clone().with_column(c as u32 + 1));
        for n in names {
            if !task.leaders.contains(&n) {
                task.leaders.push(n);
            }
        }
        diags.extend(d);
    }
    if let Some(c) = col(Field::Remarks) {
        let value = clean_text(&cell_text(row, Some(c)));
        if !value.is_empty() {
            match task.remarks.as_mut() {
                Some(r) => {
                    r.push('\n');
                    r.push_str(&value);
                }
                None => task.remarks = Some(value),
            }
        }
    }
    for (i, header, _) in &cols.extra {
        if !fresh(*i) {
            continue;
        }
        let value = clean_text(&cell_text(row, Some(*i)));
        if !value.is_empty() {
            let slot = task.extra.entry(header.clone()).or_default();
            if !slot.is_empty() {
                slot.push('\n');
            }
            slot.push_str(&value);
        }
    }
}

/// Appends a row without a sequence number to the task above it: its task text to the task's,
/// its measure text to the last measure's, its offices to both, its deadline to the deadline.
fn append_row(
    task: &mut Task,
    row: &GridRow,
    cols: &Columns,
    registry: &OfficeRegistry,
    roster: &Roster,
    diags: &mut Vec<Diagnostic>,
) {
    let col = |f: Field| cols.by_field.get(&f).copied();
    let more = clean_text(&cell_text(row, col(Field::Task)));
    if !more.is_empty() {
        if !task.text.is_empty() {
            task.text.push('\n');
        }
        task.text.push_str(&more);
    }
    task.provenance.pages[1] = task.provenance.pages[1].max(row.pages.1);
    task.provenance.add_cells(row);
    let loc = Location {
        page: Some(row.pages.0),
        row: Some(row.index),
        line: row.line,
        task_seq: task.seq,
        ..Default::default()
    };
    let fields = read_row_fields(row, cols, registry, &loc, diags);
    let append_deadline = |slot: &mut Option<Deadline>, raw: &str| {
        let joined = match slot.as_ref() {
            // A continuation row adds to the deadline; it never replaces it.
            Some(d) if d.raw != raw => format!("{}\n{raw}", d.raw),
            Some(d) => d.raw.clone(),
            None => raw.to_string(),
        };
        *slot = Some(normalize_deadline(&joined));
    };
    if let Some(measure) = task.measures.last_mut() {
        let more = clean_text(&cell_text(row, col(Field::Measures)));
        if !more.is_empty() {
            if !measure.text.is_empty() {
                measure.text.push('\n');
            }
            measure.text.push_str(&more);
        }
        measure.lead_offices.extend(fields.lead.iter().cloned());
        measure.support_offices.extend(fields.support.iter().cloned());
        measure.implementers.extend(fields.implementers.iter().cloned());
        if let Some(raw) = &fields.deadline {
            append_deadline(&mut measure.deadline, raw);
        }
        measure.provenance.pages[1] = measure.provenance.pages[1].max(row.pages.1);
        measure.provenance.add_cells(row);
    }
    task.lead_offices.extend(fields.lead);
    task.support_offices.extend(fields.support);
    task.implementers.extend(fields.implementers);
    if let Some(raw) = &fields.deadline {
        append_deadline(&mut task.deadline, raw);
    }
    fill_task_level(task, row, None, cols, roster, &loc, diags);
}

/// Sequence numbers are a checksum of the ledger: report gaps, repeats and disorder.
fn check_sequence(tasks: &[Task], diags: &mut Vec<Diagnostic>) {
    let mut prev: Option<u32> = None;
    let mut seen: HashMap<u32, u32> = HashMap::new();
    for task in tasks {
        let Some(seq) = task.seq else { continue };
        let loc = Location {
            page: Some(task.provenance.pages[0]),
            row: Some(task.provenance.row),
            task_seq: Some(seq),
            line: task.provenance.line,
            ..Default::default()
        };
        if let Some(first_row) = seen.insert(seq, task.provenance.row) {
            diags.push(Diagnostic::warning(
                "duplicate-seq",
                format!("sequence number {seq} appears again (first at row {first_row})"),
                loc.clone(),
            ));
        }
        match prev {
            Some(p) if seq == p + 1 => {}
            Some(p) if seq > p + 1 => diags.push(Diagnostic::warning(
                "seq-gap",
                format!(
                    "sequence jumps from {p} to {seq}: {} missing",
                    if seq == p + 2 { format!("{} is", p + 1) } else { format!("{}–{} are", p + 1, seq - 1) }
                ),
                loc,
            )),
            Some(p) if seq <= p => {
                diags.push(Diagnostic::warning("seq-order", format!("sequence number {seq} follows {p}"), loc))
            }
            None if seq != 1 => {
                diags.push(Diagnostic::warning("seq-start", format!("the first sequence number is {seq}, not 1"), loc))
            }
            _ => {}
        }
        prev = Some(seq);
    }
}

/// Gives each task its key: a hash of its title (whitespace and end punctuation ignored), so the
/// same task keeps its key across formats and across revisions that renumber the ledger. Repeated
/// titles get `-2`, `-3`, … in order.
fn assign_keys(tasks: &mut [Task], diags: &mut Vec<Diagnostic>) {
    let mut used: HashMap<String, u32> = HashMap::new();
    for task in tasks.iter_mut() {
        let basis =
            if task.title.is_empty() { format!("seq:{:?}\u{0}{}", task.seq, task.text) } else { task.title.clone() };
        let mut key = format!("t-{}", crate::ids::short_hash(&crate::ids::id_basis(&basis), 10));
        let n = used.entry(key.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            diags.push(Diagnostic::info(
                "repeated-title",
                format!("task {:?} has the same title as an earlier task; its id gets suffix -{n}", task.seq),
                Location { row: Some(task.provenance.row), task_seq: task.seq, ..Default::default() },
            ));
            key = format!("{key}-{n}");
        }
        task.id = key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_map_by_synonym() {
        let h = HeaderSynonyms::builtin();
        assert_eq!(h.field_of("序 号"), Some(Field::Seq));
        assert_eq!(h.field_of("牵头处室"), Some(Field::LeadOffices));
        assert_eq!(h.field_of("责任单位(牵头处室)"), Some(Field::LeadOffices));
        assert_eq!(h.field_of("配合处室"), Some(Field::SupportOffices));
        assert_eq!(h.field_of("资金来源"), None);
        assert_eq!(h.field_of("重点工作"), Some(Field::Task));
        assert_eq!(h.field_of("完成期限"), Some(Field::Deadline));
        assert_eq!(h.field_of("工作举措"), Some(Field::Measures));
        assert_eq!(h.field_of("责任部门"), Some(Field::LeadOffices));
    }

    #[test]
    fn titles_come_from_bold_or_first_sentence() {
        assert_eq!(task_title(Some("实施“工程”。"), "实施“工程”。推进。"), "实施“工程”");
        assert_eq!(task_title(None, "构建体系。实施行动。"), "构建体系");
        assert_eq!(task_title(None, "没有句号"), "没有句号");
    }

    fn ledger_of(rendition: &str) -> Ledger {
        let (doc, _) = crate::text::read_text(rendition.as_bytes()).unwrap();
        let (grids, _) = crate::table::stitch_pages(&doc).unwrap();
        read_ledger(&grids, &HeaderSynonyms::builtin(), &OfficeRegistry::builtin()).unwrap()
    }

    fn kinds(l: &Ledger) -> Vec<&str> {
        l.diagnostics.iter().map(|d| d.kind.as_str()).collect()
    }

    const HEADER: &str = "序号\t主要任务\t分管领导\t牵头处室\t配合处室\t资金来源\n";

    #[test]
    fn a_row_cut_by_a_page_break_stays_one_task() {
        let l = ledger_of(&format!(
            "{HEADER}<b>一、第一部分</b>\t\t\t\t\t\n1\t<b>甲任务。</b>前半\t党勤\t基教处\t高教处\t\n\n\n{HEADER}\t后半。\t\t\t职成处\t\n2\t乙任务。\t党勤曾华辉\t科技处\t\t省级\n\n\n{HEADER}3\t丙任务。\t曾华辉\t人事处\t\t\n"
        ));
        assert_eq!(l.tasks.len(), 3);
        let t = &l.tasks[0];
        assert_eq!((t.title.as_str(), t.text.as_str()), ("甲任务", "甲任务。前半后半。"));
        assert_eq!(t.provenance.pages, [1, 2]);
        assert_eq!(t.support_offices.iter().map(|r| r.raw.as_str()).collect::<Vec<_>>(), ["高教处", "职成处"]);
        assert_eq!(l.tasks[1].leaders, ["党勤", "曾华辉"], "joined leaders are cut by the table's roster");
        assert_eq!(l.tasks[1].extra.get("资金来源").map(String::as_str), Some("省级"));
        assert_eq!(l.tasks[2].section.as_deref(), Some("一"));
        assert_eq!(kinds(&l), ["unknown-column"]);
    }

    #[test]
    fn sequence_numbers_are_checked() {
        let l = ledger_of(&format!(
            "{HEADER}1\t甲。\t\t\t\t\n3\t乙。\t\t\t\t\n3\t丙。\t\t\t\t\n（四）\t丁。\t\t\t\t\n\t戊。\t\t\t\t\n"
        ));
        assert_eq!(l.tasks.len(), 4, "no row is dropped");
        assert_eq!(l.tasks[3].seq, None);
        assert_eq!(l.tasks[3].text, "丁。\n戊。");
        let k = kinds(&l);
        for expected in ["seq-gap", "duplicate-seq", "seq-order", "non-numeric-seq", "row-without-seq"] {
            assert!(k.contains(&expected), "{expected} missing from {k:?}");
        }
        assert_ne!(l.tasks[1].id, l.tasks[2].id, "ids stay unique");
    }

    #[test]
    fn a_table_without_sequence_or_task_columns_is_no_ledger() {
        let (doc, _) = crate::text::read_text("姓名\t电话\n张三\t123\n".as_bytes()).unwrap();
        let (grids, _) = crate::table::stitch_pages(&doc).unwrap();
        let err = read_ledger(&grids, &HeaderSynonyms::builtin(), &OfficeRegistry::builtin()).unwrap_err();
        assert!(err.to_string().contains("姓名 | 电话"), "{err}");
    }

    #[test]
    fn extra_columns_are_deterministic_and_continuations_without_header_are_read() {
        let header = "序号\t主要任务\t具体措施\t进度\t备注\t牵头处室\t完成时限\n";
        let src = format!("{header}1\t甲。\t措施\t进度\t备注\t基教处\t2024年6月底前\n\t续。\t\t\t\t\t长期坚持\n\n2\t乙。\t\t\t\t高教处\t\n3\t丙。\t\t\t\t高教处\t\n");
        let first = ledger_of(&src);
        for _ in 0..8 {
            let again = ledger_of(&src);
            assert_eq!(format!("{:?}", again.diagnostics), format!("{:?}", first.diagnostics));
            assert_eq!(format!("{:?}", again.tasks), format!("{:?}", first.tasks));
        }
        assert_eq!(first.tasks.len(), 3, "the rows after a blank line are still tasks");
        assert!(kinds(&first).contains(&"headerless-continuation"));
        assert_eq!(
            first.tasks[0].deadline.as_ref().map(|d| d.raw.as_str()),
            Some("2024年6月底前\n长期坚持"),
            "appended, not replaced"
        );
        assert_eq!(first.tasks[0].extra.keys().collect::<Vec<_>>(), ["进度"], "measures and remarks are fields now");
        assert_eq!(first.tasks[0].measures.len(), 1);
        assert_eq!(first.tasks[0].measures[0].text, "措施");
        assert_eq!(first.tasks[0].remarks.as_deref(), Some("备注"));
    }

    #[test]
    fn a_stray_tab_does_not_make_a_table() {
        let (doc, _) = crate::text::read_text("\t甘肃省教育厅\n\n## 关于某事的通知\n".as_bytes()).unwrap();
        assert!(doc.blocks.iter().all(|b| !matches!(b, crate::model::Block::Table(_))));
    }

    fn ledger_of_html(html: &str) -> Ledger {
        let (doc, _) = crate::html::read_html(html.as_bytes()).unwrap();
        let (grids, _) = crate::table::stitch_pages(&doc).unwrap();
        read_ledger(&grids, &HeaderSynonyms::builtin(), &OfficeRegistry::builtin()).unwrap()
    }

    fn raws(refs: &[OfficeRef]) -> Vec<&str> {
        refs.iter().map(|r| r.raw.as_str()).collect()
    }

    #[test]
    fn a_key_task_over_several_rows_has_one_measure_per_row() {
        let l = ledger_of_html(concat!(
            "<table><tr><th>序号</th><th>重点任务</th><th>具体措施</th><th>牵头处室</th><th>配合处室</th><th>完成时限</th></tr>",
            "<tr><td colspan=6>一、深化改革</td></tr>",
            "<tr><td rowspan=3>1</td><td rowspan=3>推进甲工作</td><td>措施一</td><td rowspan=3>基教处</td><td>高教处</td><td>2024年6月底前</td></tr>",
            "<tr><td>措施二</td><td>职教处、发展处</td><td>每季度末</td></tr>",
            "<tr><td>措施三</td><td></td><td>长期坚持</td></tr>",
            "<tr><td>2</td><td>推进乙工作</td><td>唯一措施</td><td>科技处</td><td>人事处</td><td>2024年12月</td></tr>",
            "</table>"
        ));
        assert_eq!(l.tasks.len(), 2, "merged rows are measures, not tasks");
        let t = &l.tasks[0];
        assert_eq!(t.measures.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["措施一", "措施二", "措施三"]);
        for m in &t.measures {
            assert_eq!(raws(&m.lead_offices), ["基教处"], "a lead merged down belongs to every measure");
        }
        assert_eq!(raws(&t.measures[1].support_offices), ["职教处", "发展处"]);
        assert!(t.measures[2].support_offices.is_empty());
        let kinds: Vec<_> = t.measures.iter().map(|m| m.deadline.as_ref().unwrap().kind.as_str()).collect();
        assert_eq!(kinds, ["by-date", "recurring", "ongoing"]);
        assert_eq!(t.deadline, None, "the measures' deadlines differ");
        assert_eq!(raws(&t.lead_offices), ["基教处"], "the union lists a merged lead once");
        assert_eq!(raws(&t.support_offices), ["高教处", "职教处", "发展处"]);
        assert_eq!(t.measures[2].provenance.row, 4);
        let t2 = &l.tasks[1];
        assert_eq!(t2.measures.len(), 1);
        assert_eq!(t2.deadline.as_ref().and_then(|d| d.by.as_deref()), Some("2024-12-31"));
        assert!(!kinds_of(&l).contains(&"row-without-seq"), "{:?}", kinds_of(&l));
    }

    #[test]
    fn a_task_of_undecodable_characters_is_an_error_not_text() {
        let l =
            ledger_of("序号\t主要任务\t牵头处室\n1\t\u{FFFD}\u{FFFD}\u{FFFD}。\t基教处\n2\t乙\u{FFFD}任务。\t基教处\n");
        assert_eq!(l.tasks.len(), 2, "the task is kept");
        let errors: Vec<_> = l.diagnostics.iter().filter(|d| d.kind == "unreadable-text").collect();
        assert_eq!(errors.len(), 1, "one mostly unreadable task: {errors:?}");
        assert_eq!(errors[0].severity, crate::Severity::Error);
        assert_eq!(errors[0].location.task_seq, Some(1));
    }

    fn kinds_of(l: &Ledger) -> Vec<&str> {
        l.diagnostics.iter().map(|d| d.kind.as_str()).collect()
    }

    #[test]
    fn role_markers_in_one_responsibility_column() {
        let l = ledger_of(concat!(
            "序号\t工作任务\t责任单位\t完成时限\n",
            "1\t甲。\t基教处（牵头）、体艺处、各市（州）教育局\t2024年6月底前\n",
            "2\t乙。\t基教处（牵头）、高教处（牵头）、职成处\t\n",
            "3\t丙。\t厅机关各处室按职责分工负责\t持续推进\n",
            "4\t丁。\t科技处、人事处\t\n",
            "5\t戊。\t人事处（配合）、财务处\t\n",
        ));
        let t = &l.tasks;
        assert_eq!(raws(&t[0].lead_offices), ["基教处（牵头）"]);
        assert_eq!(raws(&t[0].support_offices), ["体艺处", "各市（州）教育局"]);
        assert_eq!(raws(&t[1].lead_offices), ["基教处（牵头）", "高教处（牵头）"], "several markers, several leads");
        assert_eq!(raws(&t[1].support_offices), ["职成处"]);
        assert_eq!(raws(&t[2].lead_offices), ["厅机关各处室按职责分工负责"]);
        assert_eq!(t[2].lead_offices[0].marker.as_deref(), Some("按职责分工负责"));
        assert!(kinds_of(&l).contains(&"duty-phrase"));
        assert_eq!(raws(&t[3].lead_offices), ["科技处", "人事处"], "no marker: every unit leads");
        assert_eq!(raws(&t[4].lead_offices), ["财务处"]);
        assert_eq!(raws(&t[4].support_offices), ["人事处（配合）"]);
        assert_eq!(t[2].deadline.as_ref().map(|d| d.kind.as_str()), Some("ongoing"));
    }

    #[test]
    fn sections_nest_by_numbering_style() {
        let l = ledger_of(concat!(
            "序号\t工作任务\t牵头处室\n",
            "一、总体\t\t\n",
            "（一）第一组\t\t\n",
            "1\t甲。\t基教处\n",
            "（二）第二组\t\t\n",
            "2\t乙。\t基教处\n",
            "二、其他\t\t\n",
            "（一）又一组\t\t\n",
            "3\t丙。\t基教处\n",
            "（1）细目\t\t\n",
            "4\t丁。\t基教处\n",
        ));
        let shape: Vec<_> = l.sections.iter().map(|s| (s.level, s.path.as_str(), s.title.as_str())).collect();
        assert_eq!(
            shape,
            [
                (1, "一", "总体"),
                (2, "一/（一）", "第一组"),
                (2, "一/（二）", "第二组"),
                (1, "二", "其他"),
                (2, "二/（一）", "又一组"),
                (3, "二/（一）/（1）", "细目")
            ]
        );
        let sections: Vec<_> = l.tasks.iter().map(|t| t.section.as_deref().unwrap()).collect();
        assert_eq!(sections, ["一/（一）", "一/（二）", "二/（一）", "二/（一）/（1）"]);
    }
}
