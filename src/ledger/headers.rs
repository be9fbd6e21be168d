//! Column headers: which record field each ledger column (or paragraph-ledger label) fills.
//!
//! A header is read in three ways, in order:
//! 1. the synonym table (`src/data/headers.json`, `fields`): the words seen in real ledgers;
//! 2. its structure: the head noun it ends with says what kind of column it is (…任务/事项/实事 →
//!    the task, …措施/内容 → a measure, …领导 → leaders, …单位/部门 → units, …时限/时间/节点 → the
//!    deadline), and for unit columns the role words anywhere in it (牵头 → lead, 配合/协同/协作 →
//!    support, 实施/落实 → implementers);
//! 3. when a table's header row says nothing usable, the columns' content (see [`infer_columns`]).
//!
//! A unit column with no role word (责任单位) leads unless another column of the same header names
//! the lead (牵头责任单位 beside 责任单位): then it supports. Every decision that is not a plain
//! synonym gets an info diagnostic naming the header and the role chosen.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::{quote, Diagnostic, Location};
use crate::offices::normalize_name;
use crate::tables::{Grid, GridRow};

/// The header vocabulary compiled into the binary.
pub const DEFAULT_HEADERS_JSON: &str = include_str!("../data/headers.json");

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

impl Field {
    /// What the field is, in the words of a diagnostic.
    pub fn describe(self) -> &'static str {
        match self {
            Field::Seq => "the sequence number",
            Field::Task => "the task",
            Field::Measures => "the measures",
            Field::Leaders => "the leaders",
            Field::LeadOffices => "the lead units",
            Field::SupportOffices => "the supporting units",
            Field::Implementers => "the implementing units",
            Field::Deadline => "the deadline",
            Field::Progress => "progress (kept in extra)",
            Field::Remarks => "the remarks",
        }
    }
}

/// What one header says on its own, before the other headers of its row are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderRole {
    Field(Field),
    /// A unit column without a role word (责任单位): the lead, or support beside a named lead.
    UnmarkedUnits,
}

/// How a header was understood, for the diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    Synonym,
    /// By its head noun (and, for units, the role word found).
    Structure {
        head: String,
        modifier: Option<String>,
    },
}

#[derive(Deserialize)]
struct VocabularyFile {
    fields: BTreeMap<Field, Vec<String>>,
    heads: Heads,
    unit_roles: UnitRoles,
    metadata_keys: Vec<String>,
}

#[derive(Deserialize)]
struct Heads {
    seq: Vec<String>,
    leaders: Vec<String>,
    units: Vec<String>,
    deadline: Vec<String>,
    progress: Vec<String>,
    remarks: Vec<String>,
    measures: Vec<String>,
    task: Vec<String>,
}

#[derive(Deserialize)]
struct UnitRoles {
    lead: Vec<String>,
    support: Vec<String>,
    implementers: Vec<String>,
}

/// The kind of column a head noun names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Head {
    Field(Field),
    Units,
}

/// Header words: synonyms, head nouns, unit role words and the keys of metadata tables.
#[derive(Clone, Debug)]
pub struct HeaderVocabulary {
    /// (normalized synonym, field), longest synonym first.
    synonyms: Vec<(String, Field)>,
    /// (head noun, kind), longest first.
    heads: Vec<(String, Head)>,
    /// (role word, role), longest first; the role is one of the unit fields.
    unit_roles: Vec<(String, Field)>,
    metadata_keys: Vec<String>,
}

impl HeaderVocabulary {
    /// The built-in vocabulary.
    pub fn builtin() -> Self {
        Self::from_json(DEFAULT_HEADERS_JSON).expect("the built-in header table is valid")
    }

    /// Parses a vocabulary file (the format of `src/data/headers.json`).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let file: VocabularyFile = serde_json::from_str(text)?;
        let mut synonyms: Vec<(String, Field)> = file
            .fields
            .into_iter()
            .flat_map(|(f, names)| names.into_iter().map(move |n| (normalize_name(&n), f)))
            .collect();
        synonyms.sort_by(|a, b| by_length(&a.0, &b.0));
        let h = file.heads;
        let mut heads: Vec<(String, Head)> = Vec::new();
        for (words, head) in [
            (h.seq, Head::Field(Field::Seq)),
            (h.leaders, Head::Field(Field::Leaders)),
            (h.units, Head::Units),
            (h.deadline, Head::Field(Field::Deadline)),
            (h.progress, Head::Field(Field::Progress)),
            (h.remarks, Head::Field(Field::Remarks)),
            (h.measures, Head::Field(Field::Measures)),
            (h.task, Head::Field(Field::Task)),
        ] {
            heads.extend(words.into_iter().map(|w| (normalize_name(&w), head)));
        }
        heads.sort_by(|a, b| by_length(&a.0, &b.0));
        let r = file.unit_roles;
        let mut unit_roles: Vec<(String, Field)> = Vec::new();
        for (words, field) in
            [(r.lead, Field::LeadOffices), (r.support, Field::SupportOffices), (r.implementers, Field::Implementers)]
        {
            unit_roles.extend(words.into_iter().map(|w| (normalize_name(&w), field)));
        }
        unit_roles.sort_by(|a, b| by_length(&a.0, &b.0));
        let metadata_keys = file.metadata_keys.iter().map(|k| normalize_name(k)).collect();
        Ok(HeaderVocabulary { synonyms, heads, unit_roles, metadata_keys })
    }

    /// The field a header names on its own: a synonym, else its structure. `None` for a header
    /// that names no known field (资金来源), kept in the task's `extra`.
    pub fn field_of(&self, header: &str) -> Option<Field> {
        self.read(header).map(|(role, _)| match role {
            HeaderRole::Field(f) => f,
            HeaderRole::UnmarkedUnits => Field::LeadOffices,
        })
    }

    /// Reads one header (or label): its role and how it was understood.
    pub fn read(&self, header: &str) -> Option<(HeaderRole, Reading)> {
        let h = strip_label_colon(&normalize_name(&super::strip_first_listed_notes(header)));
        if h.is_empty() || h.chars().count() > 24 {
            return None;
        }
        let synonym = self
            .synonyms
            .iter()
            .find(|(s, _)| *s == h)
            .or_else(|| self.synonyms.iter().find(|(s, _)| h.contains(s.as_str())))
            .map(|&(_, f)| f);
        if let Some(field) = synonym {
            // For unit columns the role words decide (协同责任单位 contains 责任单位 but
            // supports); a lead synonym without a role word (责任单位) is an unmarked unit column,
            // which beside a named lead supports.
            let role = match field {
                Field::LeadOffices | Field::SupportOffices | Field::Implementers => match self.unit_role(&h) {
                    Some((_, f)) => HeaderRole::Field(f),
                    None if field == Field::LeadOffices => HeaderRole::UnmarkedUnits,
                    None => HeaderRole::Field(field),
                },
                _ => HeaderRole::Field(field),
            };
            return Some((role, Reading::Synonym));
        }
        self.read_structure(&h)
    }

    /// The role of a header from its head noun and role words.
    fn read_structure(&self, h: &str) -> Option<(HeaderRole, Reading)> {
        // Brackets qualify the head (责任单位（牵头）): the head is read outside them, role words
        // anywhere.
        let outside = without_brackets(h);
        let (head, kind) = self.heads.iter().find(|(w, _)| outside.ends_with(w.as_str())).or_else(|| {
            // No head at the end (任务分解, 牵头单位及责任人): the head noun written last.
            self.heads
                .iter()
                .filter_map(|hw| outside.rfind(hw.0.as_str()).map(|at| (at + hw.0.len(), hw)))
                .max_by_key(|(end, _)| *end)
                .map(|(_, hw)| hw)
        })?;
        let role = match kind {
            Head::Field(f) => HeaderRole::Field(*f),
            Head::Units => match self.unit_role(h) {
                Some((_, f)) => HeaderRole::Field(f),
                None => HeaderRole::UnmarkedUnits,
            },
        };
        let modifier = match kind {
            Head::Units => self.unit_role(h).map(|(w, _)| w.to_string()),
            Head::Field(_) => None,
        };
        Some((role, Reading::Structure { head: head.clone(), modifier }))
    }

    /// The unit role a header's role words give, with the word: support words are checked first
    /// (协同责任单位 has no lead word; 牵头配合单位 does not occur).
    fn unit_role(&self, h: &str) -> Option<(&str, Field)> {
        let found = |field: Field| {
            self.unit_roles.iter().find(|(w, f)| *f == field && h.contains(w.as_str())).map(|(w, f)| (w.as_str(), *f))
        };
        found(Field::LeadOffices).or_else(|| found(Field::SupportOffices)).or_else(|| found(Field::Implementers))
    }

    /// Whether `text` (a cell, trailing colon allowed) is a key of an information-disclosure
    /// index table (索引号, 发布机构, 文号 …).
    pub fn is_metadata_key(&self, text: &str) -> bool {
        let t = strip_label_colon(&normalize_name(text));
        !t.is_empty() && self.metadata_keys.contains(&t)
    }
}

/// Longest first, then in text order: the order words are tried in.
fn by_length(a: &str, b: &str) -> std::cmp::Ordering {
    b.chars().count().cmp(&a.chars().count()).then(a.cmp(b))
}

/// A label's trailing colon removed (`牵头单位：` → `牵头单位`).
fn strip_label_colon(s: &str) -> String {
    s.trim_end_matches(['：', ':']).to_string()
}

/// The text outside any brackets.
fn without_brackets(s: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '（' | '(' | '【' | '[' => depth += 1,
            '）' | ')' | '】' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Column roles of one ledger table.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    pub by_field: BTreeMap<Field, usize>,
    /// Columns with no canonical field: (index, header text, known field kept in `extra`).
    pub extra: Vec<(usize, String, Option<Field>)>,
    /// Body rows (0-based indices into `Grid::rows`) that belong to the header: a second header
    /// row, or a title row above the header. Rows before and including the last of them are not
    /// ledger rows.
    pub header_rows_in_body: usize,
    /// The header texts, one per column, as read (two header rows joined).
    pub header: Vec<String>,
    /// The lead column names no role (责任单位): a notice's first-listed rule may apply to it.
    pub lead_unmarked: bool,
    /// Further leader columns (牵头领导 beside 责任人): their names join the task's leaders.
    pub more_leaders: Vec<usize>,
}

impl Columns {
    pub fn get(&self, f: Field) -> Option<usize> {
        self.by_field.get(&f).copied()
    }
}

/// Whether a table is an information-disclosure index (索引号 | … | 发布机构 | …): at least two of
/// its first rows' cells are metadata keys.
pub fn is_metadata_table(grid: &Grid, vocabulary: &HeaderVocabulary) -> bool {
    let cells = std::iter::once(&grid.header_row).chain(grid.rows.iter().take(8)).flat_map(|r| &r.cells);
    let mut keys = std::collections::BTreeSet::new();
    for c in cells {
        let t = c.text.to_plain();
        if vocabulary.is_metadata_key(&t) {
            keys.insert(normalize_name(&t));
        }
    }
    keys.len() >= 2
}

/// Maps a table's columns to fields from its header row — or, when the first row is a title or
/// the header takes two rows, from the rows below it. `None` when no header row names a
/// sequence and a task column (see [`infer_columns`] for the content-based fallback).
pub fn map_columns(grid: &Grid, vocabulary: &HeaderVocabulary, diags: &mut Vec<Diagnostic>) -> Option<Columns> {
    let rows: Vec<&GridRow> = std::iter::once(&grid.header_row).chain(grid.rows.iter().take(3)).collect();
    for start in 0..rows.len() {
        let texts = |r: &GridRow| r.cells.iter().map(|c| c.text.to_plain().trim().to_string()).collect::<Vec<_>>();
        let mut header = texts(rows[start]);
        let mut used = 1;
        // A two-row header: cells spanning several columns over cells that name the parts
        // (责任单位 over 牵头单位 | 配合单位).
        if let Some(below) = rows.get(start + 1) {
            let spanned: Vec<bool> = (0..grid.columns)
                .map(|c| {
                    let a = rows[start].cells.get(c).map(|x| x.anchor);
                    rows[start].cells.iter().filter(|x| Some(x.anchor) == a).count() > 1
                        && below.cells.get(c).is_some_and(|x| Some(x.anchor) != a)
                })
                .collect();
            let lower = texts(below);
            let lower_is_header = spanned
                .iter()
                .enumerate()
                .any(|(c, &s)| s && vocabulary.read(&format!("{}{}", header[c], lower[c])).is_some())
                && lower.iter().all(|t| !t.chars().any(|ch| ch.is_ascii_digit()));
            if lower_is_header {
                for c in 0..grid.columns {
                    if spanned[c] {
                        header[c] = format!("{}{}", header[c], lower[c]);
                    }
                }
                used = 2;
            }
        }
        if let Some(columns) = columns_of_header(&header, vocabulary, grid.header_page, diags) {
            let header_rows_in_body = start + used - 1;
            if header_rows_in_body > 0 && start > 0 {
                diags.push(Diagnostic::info(
                    crate::diag::DiagnosticKind::HeaderBelowTitle,
                    format!(
                        "the ledger header is row {} of the table on page {} (the rows above it are titles)",
                        start + 1,
                        grid.header_page
                    ),
                    Location::page(grid.header_page),
                ));
            }
            return Some(Columns { header_rows_in_body, header, ..columns });
        }
    }
    None
}

/// Assigns fields to the headers of one row; `None` without a sequence and a task column.
fn columns_of_header(
    header: &[String],
    vocabulary: &HeaderVocabulary,
    page: u32,
    diags: &mut Vec<Diagnostic>,
) -> Option<Columns> {
    let read: Vec<Option<(HeaderRole, Reading)>> = header.iter().map(|h| vocabulary.read(h)).collect();
    let has = |f: Field| read.iter().any(|r| matches!(r, Some((HeaderRole::Field(x), _)) if *x == f));
    let task_like = has(Field::Task) || has(Field::Measures);
    // Without a 序号 column a table is a ledger when it names who does the task or by when
    // (the number, if any, starts the task cell).
    let responsible = read.iter().any(|r| {
        matches!(
            r,
            Some((HeaderRole::UnmarkedUnits, _))
                | Some((
                    HeaderRole::Field(Field::LeadOffices | Field::SupportOffices | Field::Leaders | Field::Deadline),
                    _
                ))
        )
    });
    if !(task_like && (has(Field::Seq) || responsible)) {
        return None;
    }
    let mut local = Vec::new();
    let columns = vocabulary.assign(header, &read, page, &mut local)?;
    if !has(Field::Seq) {
        local.push(Diagnostic::info(
            crate::diag::DiagnosticKind::NoSeqColumn,
            "the ledger has no 序号 column: each task's number is read from the start of its task cell".to_string(),
            Location::page(page),
        ));
    }
    diags.extend(local);
    Some(columns)
}

impl HeaderVocabulary {
    /// The field each header of one header row fills, the other headers considered: a unit
    /// column without a role word supports beside a named lead, a second task-like column holds
    /// the measures, measures alone are the task. `None` for a column kept in `extra`.
    pub fn read_row(&self, headers: &[&str]) -> Vec<Option<Field>> {
        let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
        let read: Vec<Option<(HeaderRole, Reading)>> = header.iter().map(|h| self.read(h)).collect();
        let mut fields = vec![None; header.len()];
        if let Some(columns) = self.assign(&header, &read, 1, &mut Vec::new()) {
            for (field, i) in columns.by_field {
                if field != Field::Progress || columns.extra.iter().all(|e| e.0 != i) {
                    fields[i] = Some(field);
                }
            }
            for (i, _, field) in columns.extra {
                if field == Some(Field::Progress) {
                    fields[i] = Some(Field::Progress);
                }
            }
            for i in columns.more_leaders {
                fields[i] = Some(Field::Leaders);
            }
        }
        fields
    }

    /// Assigns fields to the columns of a header row from each header's own reading.
    fn assign(
        &self,
        header: &[String],
        read: &[Option<(HeaderRole, Reading)>],
        page: u32,
        local: &mut Vec<Diagnostic>,
    ) -> Option<Columns> {
        let has = |f: Field| read.iter().any(|r| matches!(r, Some((HeaderRole::Field(x), _)) if *x == f));
        let loc = |i: usize| Location { page: Some(page), column: Some(i as u32 + 1), ..Default::default() };
        let mut by_field: BTreeMap<Field, usize> = BTreeMap::new();
        let mut pending: Vec<(usize, String, Option<Field>)> = Vec::new();
        let named_lead = has(Field::LeadOffices);
        let mut unmarked_seen = 0;
        let mut lead_unmarked = false;
        let mut more_leaders = Vec::new();
        for (i, (h, r)) in header.iter().zip(read).enumerate() {
            let Some((role, how)) = r else {
                pending.push((i, h.clone(), None));
                continue;
            };
            let field = match role {
                HeaderRole::Field(f) => *f,
                HeaderRole::UnmarkedUnits => {
                    unmarked_seen += 1;
                    let lead = !named_lead && unmarked_seen == 1;
                    lead_unmarked |= lead;
                    let field = if lead { Field::LeadOffices } else { Field::SupportOffices };
                    if !lead {
                        local.push(Diagnostic::info(
                            crate::diag::DiagnosticKind::HeaderRole,
                            format!(
                                "column {} {h:?} names units without a role; read as the supporting units because {}",
                                i + 1,
                                if named_lead {
                                    "another column names the lead"
                                } else {
                                    "an earlier unit column leads"
                                }
                            ),
                            loc(i),
                        ));
                    }
                    field
                }
            };
            // A second task-like column: the first is the task, the next the measures.
            let field = if field == Field::Task
                && by_field.contains_key(&Field::Task)
                && !by_field.contains_key(&Field::Measures)
            {
                local.push(Diagnostic::info(
                    crate::diag::DiagnosticKind::HeaderRole,
                    format!("column {} {h:?} follows another task column; read as the measures", i + 1),
                    loc(i),
                ));
                Field::Measures
            } else {
                field
            };
            if field == Field::Leaders && by_field.contains_key(&field) {
                local.push(Diagnostic::info(
                    crate::diag::DiagnosticKind::HeaderRole,
                    format!("column {} {h:?} names people too; its names join the task's leaders", i + 1),
                    loc(i),
                ));
                more_leaders.push(i);
                continue;
            }
            if by_field.contains_key(&field) {
                pending.push((i, h.clone(), Some(field)));
                continue;
            }
            if let Reading::Structure { head, modifier } = how {
                let why = match modifier {
                    Some(m) => format!("its head noun {head:?} and the word {m:?}"),
                    None => format!("its head noun {head:?}"),
                };
                local.push(Diagnostic::info(
                    crate::diag::DiagnosticKind::HeaderRole,
                    format!("column {} {h:?} read as {} by {why}", i + 1, field.describe()),
                    loc(i),
                ));
            }
            by_field.insert(field, i);
        }
        // Measures without a task column (项目名称 absent, 主要内容 alone): the measures are the task.
        if let Some(i) = by_field.get(&Field::Measures).copied().filter(|_| !by_field.contains_key(&Field::Task)) {
            by_field.remove(&Field::Measures);
            local.push(Diagnostic::info(
                crate::diag::DiagnosticKind::HeaderRole,
                format!("column {} {:?} is the only task-like column; read as the task", i + 1, header[i]),
                loc(i),
            ));
            by_field.insert(Field::Task, i);
        }
        let mut extra = Vec::new();
        for (i, h, field) in pending {
            let msg = match field {
                Some(f) => {
                    format!("column {} {h:?} repeats field {f:?}; its text is kept in the task's `extra`", i + 1)
                }
                None => {
                    format!("column {} {h:?} matches no known field; its text is kept in the task's `extra`", i + 1)
                }
            };
            local.push(Diagnostic::warning(crate::diag::DiagnosticKind::UnknownColumn, msg, loc(i)));
            extra.push((i, h, field));
        }
        if let Some(&i) = by_field.get(&Field::Progress) {
            extra.push((i, header[i].clone(), Some(Field::Progress)));
            local.push(Diagnostic::info(
                crate::diag::DiagnosticKind::ColumnInExtra,
                format!(
                    "column {} {:?} (Progress) has no record field yet; its text is kept in the task's `extra`",
                    i + 1,
                    header[i]
                ),
                loc(i),
            ));
        }
        extra.sort_by_key(|e| e.0);
        Some(Columns { by_field, extra, header_rows_in_body: 0, header: header.to_vec(), lead_unmarked, more_leaders })
    }
}

/// Infers column roles from the cells when no header row names a sequence and a task column
/// (a table without header, or with words the vocabulary does not know): a column of small
/// increasing numbers is the sequence, the column of the longest prose is the task, columns whose
/// cells are unit names are the lead and then the supporting units, a column of dates is the
/// deadline, a column of short personal names the leaders. Needs at least two body rows with a
/// number; every role chosen gets an info diagnostic.
pub fn infer_columns(
    grid: &Grid,
    looks_like_units: impl Fn(&str) -> bool,
    looks_like_deadline: impl Fn(&str) -> bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<Columns> {
    // A first row that reads as data (its first cell a number) is a body row: no header.
    let first_is_data = first_row_is_data(grid);
    let rows: Vec<&GridRow> = if first_is_data {
        std::iter::once(&grid.header_row).chain(&grid.rows).collect()
    } else {
        grid.rows.iter().collect()
    };
    if rows.len() < 2 {
        return None;
    }
    let texts = |c: usize| rows.iter().map(move |r| r.cells.get(c).map(|x| x.text.to_plain()).unwrap_or_default());
    let share = |c: usize, test: &dyn Fn(&str) -> bool| {
        let filled: Vec<String> = texts(c).filter(|t| !t.trim().is_empty()).collect();
        if filled.len() < 2 {
            return 0.0;
        }
        filled.iter().filter(|t| test(t)).count() as f64 / filled.len() as f64
    };
    let mut by_field: BTreeMap<Field, usize> = BTreeMap::new();
    let mut why: Vec<(usize, Field, &str)> = Vec::new();
    // Sequence: the first column whose cells are small numbers, mostly increasing.
    let seq = (0..grid.columns).find(|&c| {
        let nums: Vec<u32> = texts(c).filter_map(|t| small_number(&t)).collect();
        nums.len() >= 2
            && nums.len() * 10 >= rows.len() * 6
            && nums.windows(2).filter(|w| w[1] > w[0]).count() * 10 >= (nums.len() - 1) * 8
    })?;
    by_field.insert(Field::Seq, seq);
    why.push((seq, Field::Seq, "its cells are increasing numbers"));
    let free = |by: &BTreeMap<Field, usize>, c: usize| !by.values().any(|&x| x == c);
    // Task: the widest prose.
    let mean_len = |c: usize| {
        let filled: Vec<usize> =
            texts(c).map(|t| t.chars().filter(|c| !c.is_whitespace()).count()).filter(|&n| n > 0).collect();
        if filled.is_empty() {
            0.0
        } else {
            filled.iter().sum::<usize>() as f64 / filled.len() as f64
        }
    };
    let task = (0..grid.columns)
        .filter(|&c| free(&by_field, c) && share(c, &|t| !looks_like_units(t) && !looks_like_deadline(t)) >= 0.6)
        .map(|c| (c, mean_len(c)))
        .filter(|(_, m)| *m >= 6.0)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))?
        .0;
    by_field.insert(Field::Task, task);
    why.push((task, Field::Task, "it holds the longest prose"));
    for c in 0..grid.columns {
        if !free(&by_field, c) {
            continue;
        }
        if share(c, &looks_like_deadline) >= 0.6 && !by_field.contains_key(&Field::Deadline) {
            by_field.insert(Field::Deadline, c);
            why.push((c, Field::Deadline, "its cells read as deadlines"));
        } else if share(c, &looks_like_units) >= 0.6 {
            let f = if by_field.contains_key(&Field::LeadOffices) { Field::SupportOffices } else { Field::LeadOffices };
            if let std::collections::btree_map::Entry::Vacant(slot) = by_field.entry(f) {
                slot.insert(c);
                why.push((c, f, "its cells are unit names"));
            }
        } else if share(c, &looks_like_person_names) >= 0.6 && !by_field.contains_key(&Field::Leaders) {
            by_field.insert(Field::Leaders, c);
            why.push((c, Field::Leaders, "its cells are short personal names"));
        }
    }
    let header: Vec<String> = grid
        .header_row
        .cells
        .iter()
        .map(|c| if first_is_data { String::new() } else { c.text.to_plain().trim().to_string() })
        .collect();
    for (c, field, reason) in why {
        diags.push(Diagnostic::info(
            crate::diag::DiagnosticKind::ColumnRoleInferred,
            format!(
                "column {} {} read as {} because {reason}",
                c + 1,
                if header[c].is_empty() { "(no header)".to_string() } else { quote(&header[c], 20) },
                field.describe()
            ),
            Location { page: Some(grid.header_page), column: Some(c as u32 + 1), ..Default::default() },
        ));
    }
    let extra = (0..grid.columns)
        .filter(|&c| free(&by_field, c) && texts(c).any(|t| !t.trim().is_empty()))
        .map(|c| (c, if header[c].is_empty() { format!("第{}列", c + 1) } else { header[c].clone() }, None))
        .collect();
    Some(Columns { by_field, extra, header_rows_in_body: 0, header, lead_unmarked: false, more_leaders: Vec::new() })
}

/// True when the grid's first row must be read as a body row (see [`infer_columns`]).
pub fn first_row_is_data(grid: &Grid) -> bool {
    grid.header_row.cells.first().is_some_and(|c| small_number(&c.text.to_plain()).is_some())
}

/// A sequence-number-like cell: 1–4 digits, optionally followed by `.` or `、`.
fn small_number(text: &str) -> Option<u32> {
    let t = text.trim().trim_end_matches(['.', '、', '．']);
    (!t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok()).flatten()
}

/// A cell of short personal names: every token two to four Han characters (padding aside).
fn looks_like_person_names(text: &str) -> bool {
    let names = crate::people::split_names(text, &Default::default(), &Location::default()).0;
    !names.is_empty()
        && names.iter().all(|n| (2..=4).contains(&n.chars().count()) && n.chars().all(crate::normalize::is_han))
        && !crate::offices::has_name_suffix(text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_come_first() {
        let h = HeaderVocabulary::builtin();
        assert_eq!(h.field_of("序 号"), Some(Field::Seq));
        assert_eq!(h.field_of("牵头处室"), Some(Field::LeadOffices));
        assert_eq!(h.field_of("责任单位(牵头处室)"), Some(Field::LeadOffices));
        assert_eq!(h.field_of("配合处室"), Some(Field::SupportOffices));
        assert_eq!(h.field_of("资金来源"), None);
        assert_eq!(h.field_of("重点工作"), Some(Field::Task));
        assert_eq!(h.field_of("完成期限"), Some(Field::Deadline));
        assert_eq!(h.field_of("工作举措"), Some(Field::Measures));
        assert_eq!(h.read("责任单位").map(|r| r.0), Some(HeaderRole::UnmarkedUnits));
        assert_eq!(h.read("牵头单位：").map(|r| r.0), Some(HeaderRole::Field(Field::LeadOffices)), "a label's colon");
    }

    #[test]
    fn structure_reads_what_no_synonym_lists() {
        let h = HeaderVocabulary::builtin();
        for (header, field) in [
            ("民生实事", Field::Task),
            ("目标与任务", Field::Task),
            ("项目名称", Field::Task),
            ("主要内容", Field::Measures),
            ("分管县领导", Field::Leaders),
            ("区政府分管领导", Field::Leaders),
            ("牵头负责领导", Field::Leaders),
            ("牵头责任单位", Field::LeadOffices),
            ("主要协作单位", Field::SupportOffices),
            ("协同责任单位", Field::SupportOffices),
            ("时间节点", Field::Deadline),
            ("完成时限及要求", Field::Deadline),
            ("工作进展", Field::Progress),
            ("具体实施单位", Field::Implementers),
        ] {
            assert_eq!(h.field_of(header), Some(field), "{header}");
        }
        assert_eq!(h.field_of("资金来源"), None);
        assert_eq!(h.field_of("考核指标"), None);
    }

    /// `fixtures/headers/cases.tsv`: real headers with the role a reader gives them. Lines of one
    /// source form one header row; a role `A/B` is A when the row has no column that takes A
    /// explicitly (a 牵头… column; an earlier task column), else B.
    #[test]
    fn header_spec() {
        let vocabulary = HeaderVocabulary::builtin();
        let spec = include_str!("../../fixtures/headers/cases.tsv");
        let mut rows: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for line in spec.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            let source = cols[2].split(" (").next().unwrap().to_string();
            match rows.last_mut() {
                Some((s, items)) if *s == source => items.push((cols[0].into(), cols[1].into())),
                _ => rows.push((source, vec![(cols[0].into(), cols[1].into())])),
            }
        }
        let field = |name: &str| match name {
            "extra" => None,
            other => Some(serde_json::from_value::<Field>(serde_json::Value::String(other.into())).unwrap()),
        };
        let mut failures = Vec::new();
        let mut checked = 0;
        for (source, items) in &rows {
            let headers: Vec<&str> = items.iter().map(|(h, _)| h.as_str()).collect();
            let got = vocabulary.read_row(&headers);
            for (i, (header, role)) in items.iter().enumerate() {
                let want = match role.split_once('/') {
                    None => field(role),
                    Some((alone, beside)) => {
                        let taken = items.iter().enumerate().any(|(j, (h, r))| {
                            j != i
                                && !r.contains('/')
                                && field(r) == field(alone)
                                && (j < i || field(alone) != Some(Field::Task))
                                && !h.is_empty()
                        });
                        field(if taken { beside } else { alone })
                    }
                };
                checked += 1;
                if got[i] != want {
                    failures.push(format!(
                        "{source}: {header:?} read as {:?}, expected {want:?} (row {headers:?})",
                        got[i]
                    ));
                }
            }
        }
        assert!(checked >= 60, "{checked} headers in the spec");
        assert!(failures.is_empty(), "{} of {checked} headers misread:\n{}", failures.len(), failures.join("\n"));
    }

    #[test]
    fn metadata_keys() {
        let h = HeaderVocabulary::builtin();
        assert!(h.is_metadata_key("索引号："));
        assert!(h.is_metadata_key("发布机构"));
        assert!(!h.is_metadata_key("序号"));
    }
}
