//! Measures (具体措施, 工作举措): the rows and items under one task that a ledger lists as steps,
//! each with its own text, offices and deadline; the task's office lists are the union of its
//! measures'.

use super::*;

impl TableReader<'_, '_> {
    /// Adds one measure row to `task`: the measure gets the row's own text (from `text_col`, the
    /// measures column by default), offices and deadline; the task's office lists are the union of
    /// its measures'. `prev` is the row before when it belongs to the same task, so cells merged
    /// down from it are not counted twice.
    pub(super) fn add_measure_row(
        &mut self,
        task: &mut Task,
        row: &GridRow,
        prev: Option<&GridRow>,
        text_col: Option<Option<usize>>,
        loc: &Location,
        diags: &mut Vec<Diagnostic>,
    ) {
        let fields = self.row_fields(row, loc, diags);
        // A measure's own list numeral (（1）, 1.) only orders it: the measures keep their order.
        let source = text_col.unwrap_or(self.col(Field::Measures));
        let merged_down = prev.is_some_and(|p| source.is_some_and(|c| spanned_from(p, row, c)));
        let text = if merged_down { String::new() } else { clean_text(&cell_text(row, source)) };
        let text = match item_of(&text) {
            Some(item) if text_col.is_none() && !item.rest.is_empty() => item.rest,
            _ => text,
        };
        union_refs(&mut task.lead_offices, &fields.lead);
        union_refs(&mut task.support_offices, &fields.support);
        union_refs(&mut task.implementers, &fields.implementers);
        let deadline = fields.deadline.map(|raw| self.reader.deadline(&raw));
        task.measures.push(Measure {
            text,
            lead_offices: fields.lead,
            support_offices: fields.support,
            implementers: fields.implementers,
            deadline,
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
        self.fill_task_level(task, row, prev, loc, diags);
    }

    /// Reads a row that belongs to the task above as a new measure — or, at the top of a page when
    /// it has no offices or deadline of its own, as the rest of the last measure cut by the break.
    pub(super) fn continue_measures(
        &mut self,
        task: &mut Task,
        row: &GridRow,
        prev: &GridRow,
        loc: &Location,
        diags: &mut Vec<Diagnostic>,
    ) {
        let own = [Field::LeadOffices, Field::SupportOffices, Field::Implementers, Field::Deadline]
            .iter()
            .filter_map(|f| self.col(*f))
            .any(|c| !spanned_from(prev, row, c) && !cell_text(row, Some(c)).trim().is_empty());
        let measure_text = clean_text(&cell_text(row, self.col(Field::Measures)));
        if row.pages.0 > prev.pages.1 && !own && !task.measures.is_empty() {
            let measure = task.measures.last_mut().expect("checked non-empty");
            measure.text.push_str(&measure_text);
            measure.provenance.pages[1] = measure.provenance.pages[1].max(row.pages.1);
            measure.provenance.add_cells(row);
            task.provenance.pages[1] = task.provenance.pages[1].max(row.pages.1);
            task.provenance.add_cells(row);
            return;
        }
        self.add_measure_row(task, row, Some(prev), None, loc, diags);
    }

    /// A row under the same merged 序号 as the task above, in a ledger without a measures column:
    /// the task becomes a list of measures, one per item row (the first row included), each with
    /// its own text (the task cell, unless that is merged too), offices and deadline.
    pub(super) fn merged_item(
        &mut self,
        task: &mut Task,
        row: &GridRow,
        prev: &GridRow,
        same_task: bool,
        loc: &Location,
        diags: &mut Vec<Diagnostic>,
    ) {
        if task.measures.is_empty() {
            let mut provenance = task.provenance.clone();
            provenance.pages[1] = provenance.pages[0];
            task.measures.push(Measure {
                text: task.text.clone(),
                lead_offices: task.lead_offices.clone(),
                support_offices: task.support_offices.clone(),
                implementers: task.implementers.clone(),
                deadline: task.deadline.clone(),
                provenance,
            });
        }
        let text_col = if same_task { None } else { self.col(Field::Task) };
        self.add_measure_row(task, row, Some(prev), Some(text_col), loc, diags);
        if let Some(m) = task.measures.last() {
            if !m.text.is_empty() {
                task.text.push('\n');
                task.text.push_str(&m.text.clone());
            }
        }
        diags.push(Diagnostic::info(
            crate::diag::DiagnosticKind::MergedSeqMeasures,
            format!(
                "row {} shares the merged sequence cell of task {}: the task has {} measures, one per row",
                row.index,
                task.seq.map_or_else(|| "?".to_string(), |s| s.to_string()),
                task.measures.len()
            ),
            loc.clone(),
        ));
    }
}

/// The numbered steps (`1.…2.…3.…`) a text ends with, when there are exactly `n` of them,
/// numbered 1 to `n`: (the text before them, the steps).
pub(super) fn numbered_steps(text: &str, n: usize) -> Option<(String, Vec<String>)> {
    let flat: String = text.split('\n').collect::<Vec<_>>().join("");
    let mut at = Vec::new();
    let mut search = 0;
    for k in 1..=n {
        let marks = [format!("{k}."), format!("{k}．"), format!("{k}、")];
        let found =
            marks.iter().filter_map(|m| flat[search..].find(m.as_str()).map(|p| (search + p, m.len()))).min()?;
        // A step number follows a sentence end or starts the text, and is no part of a number.
        let before = flat[..found.0].chars().last();
        if before.is_some_and(|c| c.is_ascii_digit() || c == '.') {
            return None;
        }
        at.push(found);
        search = found.0 + found.1;
    }
    // No further numbered step after the n-th.
    let tail = &flat[search..];
    if tail.contains(&format!("{}.", n + 1)) {
        return None;
    }
    let lead_in = flat[..at[0].0].trim().to_string();
    let mut steps = Vec::new();
    for (i, &(start, len)) in at.iter().enumerate() {
        let end = at.get(i + 1).map_or(flat.len(), |x| x.0);
        steps.push(flat[start + len..end].trim().to_string());
    }
    steps.iter().all(|s| !s.is_empty()).then_some((lead_in, steps))
}
