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

use crate::diag::{Diagnostic, Location};
use crate::normalize::{clean_text, clean_text_single_line};
use crate::offices::{person_roster, split_person_names, OfficeRegistry, Roster};
use crate::record::{Deadline, Provenance, Section, Task};
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
    for grid in grids {
        if let Some(columns) = map_columns(grid, headers, &mut ledger.diagnostics) {
            found += 1;
            read_grid(grid, &columns, registry, &mut ledger);
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
                read_grid(&grid.with_header_as_row(), columns, registry, &mut ledger);
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
        if matches!(field, Field::Measures | Field::Progress | Field::Remarks) {
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
        Regex::new(r"^\s*([一二三四五六七八九十百零〇]+|[0-9]+|[（(][一二三四五六七八九十]+[)）])\s*[、.．]?\s*(.*)$")
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

fn read_grid(grid: &Grid, cols: &Columns, registry: &OfficeRegistry, ledger: &mut Ledger) {
    let col = |f: Field| cols.by_field.get(&f).copied();
    let leader_cells: Vec<String> = grid.rows.iter().map(|r| cell_text(r, col(Field::Leaders))).collect();
    let roster = person_roster(leader_cells.iter().map(String::as_str));
    let mut current_section: Option<String> = None;
    for row in &grid.rows {
        if row.cells.iter().all(|c| c.text.is_blank()) {
            continue;
        }
        let seq_raw = clean_text_single_line(&cell_text(row, col(Field::Seq)));
        if let Some(title) = section_title(row).filter(|_| seq_regex().captures(&seq_raw).is_none()) {
            let caps = section_regex().captures(&title).filter(|c| !c[2].is_empty());
            let (numeral, stitle) = match caps {
                Some(c) => (Some(c[1].to_string()), c[2].trim().to_string()),
                None => (None, title.clone()),
            };
            current_section = numeral.clone().or(Some(title.clone()));
            ledger.sections.push(Section { numeral, title: stitle });
            continue;
        }
        let base = Location { page: Some(row.pages.0), row: Some(row.index), line: row.line, ..Default::default() };
        let seq = seq_regex().captures(&seq_raw).and_then(|c| c[1].parse::<u32>().ok());
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
                    continue;
                }
            }
            ledger.diagnostics.push(Diagnostic::error(
                "non-numeric-seq",
                format!(
                    "row {} has sequence cell {seq_raw:?}, not a number; the row is kept as a task with seq null",
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
            section: current_section.clone(),
            title,
            text,
            leaders: Vec::new(),
            lead_offices: Vec::new(),
            support_offices: Vec::new(),
            implementers: Vec::new(),
            deadline: None,
            extra: BTreeMap::new(),
            provenance: Provenance { pages: [row.pages.0, row.pages.1], row: row.index, line: row.line },
        };
        fill_people_and_offices(&mut task, row, cols, registry, &roster, &loc, &mut ledger.diagnostics);
        ledger.tasks.push(task);
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

fn fill_people_and_offices(
    task: &mut Task,
    row: &GridRow,
    cols: &Columns,
    registry: &OfficeRegistry,
    roster: &Roster,
    loc: &Location,
    diags: &mut Vec<Diagnostic>,
) {
    let col = |f: Field| cols.by_field.get(&f).copied();
    let at = |f: Field| loc.clone().with_column(col(f).map_or(1, |c| c as u32 + 1));
    if let Some(c) = col(Field::Leaders) {
        let (names, d) = split_person_names(&cell_text(row, Some(c)), roster, &at(Field::Leaders));
        task.leaders.extend(names);
        diags.extend(d);
    }
    for (field, target) in [
        (Field::LeadOffices, &mut task.lead_offices),
        (Field::SupportOffices, &mut task.support_offices),
        (Field::Implementers, &mut task.implementers),
    ] {
        if let Some(c) = col(field) {
            let (refs, d) = registry.split(&cell_text(row, Some(c)), &at(field));
            target.extend(refs);
            diags.extend(d);
        }
    }
    if let Some(c) = col(Field::Deadline) {
        let raw = clean_text_single_line(&cell_text(row, Some(c)));
        if !raw.is_empty() {
            match task.deadline.as_mut() {
                // A continuation row adds to the deadline; it never replaces it.
                Some(d) if d.raw != raw => {
                    d.raw.push('\n');
                    d.raw.push_str(&raw);
                }
                Some(_) => {}
                None => task.deadline = Some(Deadline { raw }),
            }
        }
    }
    for (i, header, _) in &cols.extra {
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

/// Appends a row without a sequence number to the task above it (text and every list).
fn append_row(
    task: &mut Task,
    row: &GridRow,
    cols: &Columns,
    registry: &OfficeRegistry,
    roster: &Roster,
    diags: &mut Vec<Diagnostic>,
) {
    let col = cols.by_field.get(&Field::Task).copied();
    let more = clean_text(&cell_text(row, col));
    if !more.is_empty() {
        if !task.text.is_empty() {
            task.text.push('\n');
        }
        task.text.push_str(&more);
    }
    task.provenance.pages[1] = task.provenance.pages[1].max(row.pages.1);
    let loc = Location {
        page: Some(row.pages.0),
        row: Some(row.index),
        line: row.line,
        task_seq: task.seq,
        ..Default::default()
    };
    fill_people_and_offices(task, row, cols, registry, roster, &loc, diags);
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
        assert_eq!(first.tasks[0].extra.keys().collect::<Vec<_>>(), ["具体措施", "备注", "进度"]);
    }

    #[test]
    fn a_stray_tab_does_not_make_a_table() {
        let (doc, _) = crate::text::read_text("\t甘肃省教育厅\n\n## 关于某事的通知\n".as_bytes()).unwrap();
        assert!(doc.blocks.iter().all(|b| !matches!(b, crate::model::Block::Table(_))));
    }
}
