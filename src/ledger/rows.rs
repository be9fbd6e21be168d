//! Table ledgers: the rows of one stitched table, in order, into sections, tasks and measures.
//!
//! A row whose only content is one cell starting in the first column is a section. A row with a
//! sequence number starts a task. A row that shares the task's merged 序号 cell, or has neither a
//! number nor a task of its own, is a further measure of it: with a measures column (具体措施) its
//! measure text comes from there, without one from the task column (two items under one merged
//! 序号 are one task with two measures). At the top of a page, a row whose merged cells the page
//! break cut continues the task above. Every row with content becomes part of a task or a
//! section: none is dropped without a diagnostic.

mod measures;

use measures::numbered_steps;

use std::collections::BTreeMap;

use super::columns::Columns;
use super::headers::Field;
use super::sections::{item_of, number_style, seq_number, split_numbered, NumberStyle, SectionStack};
use super::{task_title, Ledger, RowReader};
use crate::diag::{Diagnostic, Location};
use crate::normalize::{clean_text, clean_text_single_line, without_whitespace};
use crate::record::{Deadline, Measure, Provenance, Section, Task};
use crate::tables::{Grid, GridRow};

fn cell_text(row: &GridRow, col: Option<usize>) -> String {
    col.and_then(|c| row.cells.get(c)).map(|c| c.text.to_plain()).unwrap_or_default()
}

/// True when column `c` of `row` is the same source cell as in `prev` (a row span copied it down).
fn spanned_from(prev: &GridRow, row: &GridRow, c: usize) -> bool {
    prev.pages.1 == row.pages.0 && prev.cells.get(c).map(|x| x.anchor) == row.cells.get(c).map(|x| x.anchor)
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
    seq_number(&text).is_none().then_some(text)
}

/// Where the reader is in the ledger, carried across the tables of one ledger: the open
/// sections and the task the previous row belonged to.
#[derive(Default)]
pub(super) struct Cursor {
    pub sections: SectionStack,
    /// Index in `Ledger::tasks` of the task the previous row belonged to, and that row.
    pub previous: Option<(usize, GridRow)>,
}

/// The office and deadline cells of one row, split and with role markers applied.
struct RowFields {
    lead: Vec<crate::offices::OfficeRef>,
    support: Vec<crate::offices::OfficeRef>,
    implementers: Vec<crate::offices::OfficeRef>,
    /// The deadline cell as written, when not empty.
    deadline: Option<String>,
}

/// Reads the rows of one table with known columns.
pub(super) struct TableReader<'r, 'c> {
    cols: &'r Columns,
    reader: &'r mut RowReader<'c>,
    /// The header row's texts, squashed: a body row equal to it is a repeated header.
    header_key: Vec<String>,
    /// How most task numbers of the table are written (`1`, `（1）`): a numbered row written
    /// otherwise, with no units, deadline or leaders, is a heading between the tasks.
    dominant_style: Option<NumberStyle>,
    /// The commonest numbering of the sequence cells, whether or not the heading rule applies.
    seq_style: Option<NumberStyle>,
}

impl<'r, 'c> TableReader<'r, 'c> {
    pub fn new(cols: &'r Columns, reader: &'r mut RowReader<'c>) -> Self {
        let header_key = cols.header.iter().map(|h| without_whitespace(h)).collect();
        TableReader { cols, reader, header_key, dominant_style: None, seq_style: None }
    }

    fn col(&self, f: Field) -> Option<usize> {
        self.cols.get(f)
    }

    fn at(&self, base: &Location, f: Field) -> Location {
        base.clone().with_column(self.col(f).map_or(1, |c| c as u32 + 1))
    }

    /// Reads `grid`'s body rows (after the header rows the column map used) into `ledger`.
    pub fn read(&mut self, grid: &Grid, ledger: &mut Ledger, cursor: &mut Cursor) {
        let leader_cols: Vec<usize> =
            self.col(Field::Leaders).into_iter().chain(self.cols.more_leaders.iter().copied()).collect();
        let leader_cells: Vec<String> =
            grid.rows.iter().flat_map(|r| leader_cols.iter().map(|&c| cell_text(r, Some(c)))).collect();
        self.reader.set_roster(leader_cells.iter().map(String::as_str));
        let mut styles: Vec<(NumberStyle, usize)> = Vec::new();
        for row in grid.rows.iter().skip(self.cols.header_rows_in_body) {
            if let Some((_, style)) = seq_number(&cell_text(row, self.col(Field::Seq))) {
                match styles.iter_mut().find(|(s, _)| *s == style) {
                    Some((_, n)) => *n += 1,
                    None => styles.push((style, 1)),
                }
            }
        }
        self.dominant_style = styles.iter().max_by_key(|(_, n)| *n).map(|(s, _)| *s);
        self.seq_style = self.dominant_style;
        // The heading rule needs tasks that name units: a row without them must stand out.
        let (tasks, with_fields) = grid
            .rows
            .iter()
            .skip(self.cols.header_rows_in_body)
            .filter(|r| seq_number(&cell_text(r, self.col(Field::Seq))).map(|x| x.1) == self.dominant_style)
            .fold((0, 0), |(n, f), r| (n + 1, f + usize::from(self.has_fields(r))));
        if with_fields * 2 < tasks {
            self.dominant_style = None;
        }
        let first_task = ledger.tasks.len();
        for row in grid.rows.iter().skip(self.cols.header_rows_in_body) {
            if row.cells.iter().all(|c| c.text.is_blank()) {
                continue;
            }
            let key: Vec<String> = row.cells.iter().map(|c| without_whitespace(&c.text.to_plain())).collect();
            if key == self.header_key {
                ledger.diagnostics.push(Diagnostic::info(
                    crate::diag::DiagnosticKind::RepeatedHeader,
                    format!("row {} repeats the ledger header; skipped", row.index),
                    Location { page: Some(row.pages.0), row: Some(row.index), line: row.line, ..Default::default() },
                ));
                continue;
            }
            self.read_row(row, ledger, cursor);
        }
        for task in &mut ledger.tasks[first_task..] {
            self.finish_task(task, &mut ledger.diagnostics);
        }
    }

    /// Whether `row` has anything of a task besides its number and text: units, a deadline,
    /// leaders or a measure.
    fn has_fields(&self, row: &GridRow) -> bool {
        [
            Field::LeadOffices,
            Field::SupportOffices,
            Field::Implementers,
            Field::Deadline,
            Field::Leaders,
            Field::Measures,
        ]
        .iter()
        .filter_map(|f| self.col(*f))
        .any(|c| !cell_text(row, Some(c)).trim().is_empty())
    }

    /// Last touches once a table's rows are read: a task named in a name column (任务名称) with
    /// a single requirement reads as the name and the requirement; measure rows that share one
    /// merged text ending in as many numbered steps as there are rows take a step each.
    fn finish_task(&mut self, task: &mut Task, diags: &mut Vec<Diagnostic>) {
        let name_column = self.col(Field::Task).is_some_and(|c| {
            let h = self.cols.header.get(c).map(|h| without_whitespace(h)).unwrap_or_default();
            h.ends_with("名称")
        });
        if name_column && task.measures.len() == 1 && !task.measures[0].text.is_empty() {
            task.text = format!("{}\n{}", task.text, task.measures[0].text);
        }
        let n = task.measures.len();
        if n >= 2 && task.measures[1..].iter().all(|m| m.text.is_empty()) {
            if let Some((lead_in, steps)) = numbered_steps(&task.measures[0].text, n) {
                if !lead_in.is_empty() {
                    if let Some(c) = self.col(Field::Measures) {
                        task.extra.insert(self.cols.header[c].clone(), lead_in);
                    }
                }
                for (m, step) in task.measures.iter_mut().zip(steps) {
                    m.text = step;
                }
                diags.push(Diagnostic::info(
                    crate::diag::DiagnosticKind::MeasuresFromSteps,
                    format!(
                        "task {}: its {n} rows share one merged text ending in {n} numbered steps; each row takes one step",
                        task.seq.map_or_else(|| "?".into(), |s| s.to_string())
                    ),
                    Location { row: Some(task.provenance.row), task_seq: task.seq, ..Default::default() },
                ));
            }
        }
    }

    fn read_row(&mut self, row: &GridRow, ledger: &mut Ledger, cursor: &mut Cursor) {
        let seq_raw = clean_text_single_line(&cell_text(row, self.col(Field::Seq)));
        let parsed = seq_number(&seq_raw);
        if let Some(title) = section_title(row).filter(|_| parsed.is_none()) {
            let (numeral, stitle) = split_numbered(&title);
            let (level, path) =
                cursor.sections.enter(number_style(numeral.as_deref()), numeral.as_deref().unwrap_or(&title));
            ledger.sections.push(Section { numeral, title: stitle, level, path });
            cursor.previous = None;
            return;
        }
        let base = Location { page: Some(row.pages.0), row: Some(row.index), line: row.line, ..Default::default() };
        // A numbered row written unlike the tasks (`1` among `（1）`…) with nothing but a text is a
        // heading between them.
        if let Some((_, style)) = parsed.filter(|(_, s)| self.dominant_style.is_some_and(|d| d != *s)) {
            if !self.has_fields(row) {
                let title = clean_text_single_line(&cell_text(row, self.col(Field::Task)));
                let numeral = without_whitespace(&seq_raw);
                let numeral = numeral.trim_end_matches(['.', '、', '．']).to_string();
                let (level, path) = cursor.sections.enter(style, &numeral);
                ledger.diagnostics.push(Diagnostic::info(
                    crate::diag::DiagnosticKind::NumberedHeading,
                    format!(
                        "row {} is numbered {numeral:?}, unlike the tasks, and names no unit: read as a heading",
                        row.index
                    ),
                    base.clone(),
                ));
                ledger.sections.push(Section { numeral: Some(numeral), title, level, path });
                cursor.previous = None;
                return;
            }
        }
        // Chinese numerals number tasks only in a ledger numbered that way (一 among 1, 2, 3 is
        // no sequence number).
        let seq = parsed
            .filter(|(_, style)| *style != NumberStyle::Han || self.seq_style == Some(NumberStyle::Han))
            .map(|(n, _)| n);
        let with_measures = self.col(Field::Measures).is_some();
        let no_seq_column = self.col(Field::Seq).is_none();

        if let Some((index, prev)) = cursor.previous.clone() {
            // At the top of a page, a row whose merged cells the page break cut may repeat the
            // task's number (producers and the PDF reader carry merged text over); its task cell
            // then continues the task's text.
            let cut = row.pages.0 > prev.pages.0;
            if with_measures && cut && seq.is_some() && ledger.tasks[index].seq == seq {
                let more = clean_text(&cell_text(row, self.col(Field::Task)));
                let task = &mut ledger.tasks[index];
                if !more.is_empty() && !task.text.ends_with(&more) {
                    let automatic_title = task.title == task_title(None, &task.text);
                    task.text.push_str(&more);
                    if automatic_title {
                        task.title = task_title(None, &task.text);
                    }
                }
                ledger.diagnostics.push(Diagnostic::info(
                    crate::diag::DiagnosticKind::TaskContinued,
                    format!(
                        "task {} continues on page {} (its number repeats where the page break cut its merged cells)",
                        seq.unwrap_or_default(),
                        row.pages.0
                    ),
                    base.clone(),
                ));
                let loc = Location { task_seq: ledger.tasks[index].seq, ..base.clone() };
                self.continue_measures(&mut ledger.tasks[index], row, &prev, &loc, &mut ledger.diagnostics);
                cursor.previous = Some((index, row.clone()));
                return;
            }
            let task_blank = cell_text(row, self.col(Field::Task)).trim().is_empty();
            let same_seq = self.col(Field::Seq).is_some_and(|c| spanned_from(&prev, row, c));
            let same_task = self.col(Field::Task).is_some_and(|c| spanned_from(&prev, row, c));
            if with_measures && (same_seq || (seq_raw.is_empty() && (task_blank || same_task))) {
                let loc = Location { task_seq: ledger.tasks[index].seq, ..base.clone() };
                self.continue_measures(&mut ledger.tasks[index], row, &prev, &loc, &mut ledger.diagnostics);
                cursor.previous = Some((index, row.clone()));
                return;
            }
            // No measures column: items under one merged 序号 (or one merged task cell, in a
            // table without 序号) are the measures of one task.
            if !with_measures && (same_seq || (no_seq_column && same_task)) {
                let loc = Location { task_seq: ledger.tasks[index].seq, ..base.clone() };
                self.merged_item(&mut ledger.tasks[index], row, &prev, same_task, &loc, &mut ledger.diagnostics);
                cursor.previous = Some((index, row.clone()));
                return;
            }
        }

        if no_seq_column {
            let task = self.new_task(row, None, cursor.sections.path(), &base, &mut ledger.diagnostics);
            ledger.tasks.push(task);
            cursor.previous = Some((ledger.tasks.len() - 1, row.clone()));
            return;
        }
        if seq.is_none() {
            if seq_raw.is_empty() {
                if let Some(index) = ledger.tasks.len().checked_sub(1) {
                    ledger.diagnostics.push(Diagnostic::warning(
                        crate::diag::DiagnosticKind::RowWithoutSeq,
                        format!(
                            "row {} has no sequence number; its cells were appended to task {:?}",
                            row.index, ledger.tasks[index].seq
                        ),
                        base.clone(),
                    ));
                    self.append_row(&mut ledger.tasks[index], row, &mut ledger.diagnostics);
                    cursor.previous = Some((index, row.clone()));
                    return;
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
                crate::diag::DiagnosticKind::NonNumericSeq,
                format!(
                    "row {} has sequence cell {seq_raw:?}, {why}; the row is kept as a task with seq null",
                    row.index
                ),
                self.at(&base, Field::Seq),
            ));
        }
        let loc = match seq {
            Some(s) => base.clone().with_task(s),
            None => base.clone(),
        };
        let task = self.new_task(row, seq, cursor.sections.path(), &loc, &mut ledger.diagnostics);
        ledger.tasks.push(task);
        cursor.previous = Some((ledger.tasks.len() - 1, row.clone()));
    }

    /// A task from its first row.
    fn new_task(
        &mut self,
        row: &GridRow,
        seq: Option<u32>,
        section: Option<String>,
        loc: &Location,
        diags: &mut Vec<Diagnostic>,
    ) -> Task {
        let task_cell =
            self.col(Field::Task).and_then(|c| row.cells.get(c)).map(|c| c.text.clone()).unwrap_or_default();
        let mut text = clean_text(&task_cell.to_plain());
        let mut seq = seq;
        // Without a 序号 column the number starts the task cell (`17.实行…`).
        if self.col(Field::Seq).is_none() {
            if let Some(item) = item_of(&text).filter(|i| !i.rest.is_empty()) {
                seq = Some(item.number);
                text = item.rest;
            }
        }
        // Units named in a clause closing the task cell (`…。（牵头单位：市教育局；责任单位：…）`).
        let clause = super::paragraphs::split_closing_clause(&text, self.reader.ctx());
        if let Some((without, _)) = &clause {
            text = clean_text(without);
        }
        let loc = &match seq {
            Some(s) => loc.clone().with_task(s),
            None => loc.clone(),
        };
        let title = match task_cell.leading_bold() {
            Some(bold) if text.starts_with(&clean_text(&bold)) => task_title(Some(&bold), &text),
            _ => task_title(None, &text),
        };
        let unreadable = text.chars().filter(|&c| c == '\u{FFFD}').count();
        if unreadable > 0 && unreadable * 2 >= text.chars().filter(|c| !c.is_whitespace()).count() {
            diags.push(Diagnostic::error(
                crate::diag::DiagnosticKind::UnreadableText,
                format!(
                    "task {seq:?}: {unreadable} of its characters could not be decoded (U+FFFD); its text is not the source's"
                ),
                self.at(loc, Field::Task),
            ));
        }
        if text.is_empty() {
            diags.push(Diagnostic::warning(
                crate::diag::DiagnosticKind::EmptyTask,
                format!("task {seq:?} has an empty task cell"),
                self.at(loc, Field::Task),
            ));
        }
        let mut task = Task {
            id: String::new(),
            seq,
            section,
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
        if self.col(Field::Measures).is_some() {
            self.add_measure_row(&mut task, row, None, None, loc, diags);
        } else {
            let fields = self.row_fields(row, loc, diags);
            task.lead_offices = fields.lead;
            task.support_offices = fields.support;
            task.implementers = fields.implementers;
            task.deadline = fields.deadline.map(|raw| self.reader.deadline(&raw));
            self.fill_task_level(&mut task, row, None, loc, diags);
        }
        if let Some((_, r)) = clause {
            let units = self.reader.units(&r.lead, &r.support, &r.implementers, r.unmarked_lead, loc, diags);
            union_refs(&mut task.lead_offices, &units.lead);
            union_refs(&mut task.support_offices, &units.support);
            union_refs(&mut task.implementers, &units.implementers);
            for n in self.reader.leaders(&r.leaders, loc, diags) {
                if !task.leaders.contains(&n) {
                    task.leaders.push(n);
                }
            }
            if task.deadline.is_none() && task.measures.is_empty() {
                task.deadline = r.deadline.map(|d| self.reader.deadline(&d));
            }
        }
        task
    }

    /// The office and deadline cells of `row`, split, with role markers applied.
    fn row_fields(&mut self, row: &GridRow, loc: &Location, diags: &mut Vec<Diagnostic>) -> RowFields {
        let text = |f: Field| cell_text(row, self.col(f));
        let units = self.reader.units_at(
            [
                (text(Field::LeadOffices), self.at(loc, Field::LeadOffices)),
                (text(Field::SupportOffices), self.at(loc, Field::SupportOffices)),
                (text(Field::Implementers), self.at(loc, Field::Implementers)),
            ],
            self.cols.lead_unmarked,
            diags,
        );
        let deadline = self
            .col(Field::Deadline)
            .map(|c| clean_text_single_line(&cell_text(row, Some(c))))
            .filter(|d| !d.is_empty());
        RowFields { lead: units.lead, support: units.support, implementers: units.implementers, deadline }
    }

    /// Fills the fields that belong to the task as a whole from one of its rows: leaders, remarks
    /// and the columns kept in `extra`. Cells merged down from `prev` are skipped (already read).
    fn fill_task_level(
        &mut self,
        task: &mut Task,
        row: &GridRow,
        prev: Option<&GridRow>,
        loc: &Location,
        diags: &mut Vec<Diagnostic>,
    ) {
        let fresh = |c: usize| prev.is_none_or(|p| !spanned_from(p, row, c));
        let col = |f: Field| self.cols.get(f).filter(|&c| fresh(c));
        let leader_cols =
            col(Field::Leaders).into_iter().chain(self.cols.more_leaders.iter().copied().filter(|&c| fresh(c)));
        for c in leader_cols.collect::<Vec<_>>() {
            for n in self.reader.leaders(&cell_text(row, Some(c)), &loc.clone().with_column(c as u32 + 1), diags) {
                if !task.leaders.contains(&n) {
                    task.leaders.push(n);
                }
            }
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
        for (i, header, _) in &self.cols.extra {
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
    fn append_row(&mut self, task: &mut Task, row: &GridRow, diags: &mut Vec<Diagnostic>) {
        let more = clean_text(&cell_text(row, self.col(Field::Task)));
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
        let fields = self.row_fields(row, &loc, diags);
        let reader = &mut *self.reader;
        let mut append_deadline = |slot: &mut Option<Deadline>, raw: &str| {
            let joined = match slot.as_ref() {
                // A continuation row adds to the deadline; it never replaces it.
                Some(d) if d.raw != raw => format!("{}\n{raw}", d.raw),
                Some(d) => d.raw.clone(),
                None => raw.to_string(),
            };
            *slot = Some(reader.deadline(&joined));
        };
        if let Some(measure) = task.measures.last_mut() {
            let more = clean_text(&cell_text(row, self.cols.get(Field::Measures)));
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
        self.fill_task_level(task, row, None, &loc, diags);
    }
}

/// Appends `refs` to `list`, skipping units already listed (same code, or same name if unknown).
fn union_refs(list: &mut Vec<crate::offices::OfficeRef>, refs: &[crate::offices::OfficeRef]) {
    for r in refs {
        let same = |x: &crate::offices::OfficeRef| match (&x.code, &r.code) {
            (Some(a), Some(b)) => a == b,
            (None, None) => x.name == r.name,
            _ => false,
        };
        if !list.iter().any(same) {
            list.push(r.clone());
        }
    }
}
