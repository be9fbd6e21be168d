//! Checks over a whole ledger: sequence numbers as a checksum, and the tasks' id keys.

use std::collections::HashMap;

use crate::diag::{Diagnostic, Location};
use crate::record::Task;

/// Sequence numbers are a checksum of the ledger: report gaps, repeats and disorder.
pub(super) fn check_sequence(tasks: &[Task], diags: &mut Vec<Diagnostic>) {
    let mut prev: Option<u32> = None;
    let mut seen: HashMap<u32, u32> = HashMap::new();
    let mut prev_section: Option<String> = None;
    for task in tasks {
        let Some(seq) = task.seq else { continue };
        let loc = Location {
            page: Some(task.provenance.pages[0]),
            row: Some(task.provenance.row),
            task_seq: Some(seq),
            line: task.provenance.line,
            ..Default::default()
        };
        // A ledger that numbers each section afresh starts again at 1 in a new section.
        let restarts = seq == 1 && prev.is_some() && task.section != prev_section;
        prev_section = task.section.clone();
        if restarts {
            seen.clear();
            prev = Some(seq);
            seen.insert(seq, task.provenance.row);
            continue;
        }
        if let Some(first_row) = seen.insert(seq, task.provenance.row) {
            diags.push(Diagnostic::warning(
                crate::diag::DiagnosticKind::DuplicateSeq,
                format!("sequence number {seq} appears again (first at row {first_row})"),
                loc.clone(),
            ));
        }
        match prev {
            Some(p) if seq == p + 1 => {}
            Some(p) if seq > p + 1 => diags.push(Diagnostic::warning(
                crate::diag::DiagnosticKind::SeqGap,
                format!(
                    "sequence jumps from {p} to {seq}: {} missing",
                    if seq == p + 2 { format!("{} is", p + 1) } else { format!("{}–{} are", p + 1, seq - 1) }
                ),
                loc,
            )),
            Some(p) if seq <= p => diags.push(Diagnostic::warning(
                crate::diag::DiagnosticKind::SeqOrder,
                format!("sequence number {seq} follows {p}"),
                loc,
            )),
            None if seq != 1 => diags.push(Diagnostic::warning(
                crate::diag::DiagnosticKind::SeqStart,
                format!("the first sequence number is {seq}, not 1"),
                loc,
            )),
            _ => {}
        }
        prev = Some(seq);
    }
}

/// Gives each task its key (in `id`, to be completed with the notice id): a hash of its title (whitespace and end punctuation ignored), so the
/// same task keeps its key across formats and across revisions that renumber the ledger. Repeated
/// titles get `-2`, `-3`, … in order.
pub fn assign_keys(tasks: &mut [Task], diags: &mut Vec<Diagnostic>) {
    let mut used: HashMap<String, u32> = HashMap::new();
    for task in tasks.iter_mut() {
        let basis =
            if task.title.is_empty() { format!("seq:{:?}\u{0}{}", task.seq, task.text) } else { task.title.clone() };
        let mut key = format!("t-{}", crate::record::ids::short_hash(&crate::record::ids::id_basis(&basis), 10));
        let n = used.entry(key.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            diags.push(Diagnostic::info(
                crate::diag::DiagnosticKind::RepeatedTitle,
                format!("task {:?} has the same title as an earlier task; its id gets suffix -{n}", task.seq),
                Location { row: Some(task.provenance.row), task_seq: task.seq, ..Default::default() },
            ));
            key = format!("{key}-{n}");
        }
        task.id = key;
    }
}
