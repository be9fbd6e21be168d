//! A ledger table's columns: the header row (or two) mapped to fields through the
//! [`HeaderVocabulary`], the unit columns' roles decided with the whole header in view, index
//! tables told apart, and, when the header says nothing usable, the columns inferred from their
//! content.

use std::collections::BTreeMap;

use super::headers::{Field, HeaderRole, HeaderVocabulary, Reading};
use crate::diag::{quote, Diagnostic, Location};
use crate::offices::normalize_name;
use crate::tables::{Grid, GridRow};

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
    #[cfg(test)]
    pub(crate) fn read_row(&self, headers: &[&str]) -> Vec<Option<Field>> {
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
