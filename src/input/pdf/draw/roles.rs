//! What a task's cell holds, decided from the text drawn inside the cell's box.
//!
//! The record lists a task's cell boxes by table column but not which field each column fed, so
//! the drawing compares the text inside each box with the task's fields: the field whose text
//! shares most of the cell's character pairs is the cell's role.

use std::collections::HashSet;

use crate::record::Task;

/// What a task's cell holds, for its colour on the drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CellRole {
    /// The sequence number (序号).
    Seq,
    /// The task's text (重点任务, 主要任务 …).
    Task,
    /// A measure's text (具体措施).
    Measure,
    /// The leaders (分管领导).
    Leaders,
    /// The lead offices (牵头单位).
    Lead,
    /// The cooperating offices (配合单位).
    Support,
    /// The implementing units (实施单位).
    Implementer,
    /// Lead and cooperating offices in one cell (责任单位 with （牵头） markers).
    Units,
    /// The deadline (完成时限).
    Deadline,
    /// Anything else: remarks, an extra column, an empty cell.
    Other,
}

impl CellRole {
    /// The kebab-case name used in the drawing's `data-role` and class.
    pub fn as_str(self) -> &'static str {
        match self {
            CellRole::Seq => "seq",
            CellRole::Task => "task",
            CellRole::Measure => "measure",
            CellRole::Leaders => "leaders",
            CellRole::Lead => "lead",
            CellRole::Support => "support",
            CellRole::Implementer => "implementer",
            CellRole::Units => "units",
            CellRole::Deadline => "deadline",
            CellRole::Other => "other",
        }
    }

    /// Stroke and fill colour of the outline: lead, support and implementing cells are coloured,
    /// the others grey.
    pub(super) fn colour(self) -> &'static str {
        match self {
            CellRole::Lead => "#d93025",
            CellRole::Support => "#1a73e8",
            CellRole::Implementer => "#188038",
            CellRole::Units => "#9334e6",
            CellRole::Task | CellRole::Measure => "#5f6368",
            CellRole::Seq | CellRole::Leaders | CellRole::Deadline | CellRole::Other => "#9aa0a6",
        }
    }

    /// How strongly the cell is tinted with its colour: the units' cells clearly, the others faintly
    /// (on a ruled table a grey outline alone would vanish into the rulings).
    pub(super) fn fill_opacity(self) -> &'static str {
        match self {
            CellRole::Lead | CellRole::Support | CellRole::Implementer | CellRole::Units => "0.16",
            _ => "0.08",
        }
    }
}

/// Characters that separate names and carry no meaning of their own.
fn is_noise(c: char) -> bool {
    c.is_whitespace() || "、，,；;/\\。.:：".contains(c)
}

/// Pairs of neighbouring characters of `text`, noise removed (a single character is its own pair).
fn pairs(text: &str) -> HashSet<(char, char)> {
    let kept: String = text.chars().filter(|&c| !is_noise(c)).collect();
    crate::normalize::char_pairs(&kept).into_iter().collect()
}

/// The share of the cell's character pairs that `field` also has, 0 to 1.
fn share(cell: &HashSet<(char, char)>, field: &str) -> f64 {
    if cell.is_empty() {
        return 0.0;
    }
    let field = pairs(field);
    cell.iter().filter(|p| field.contains(p)).count() as f64 / cell.len() as f64
}

/// The role of a cell of `task` whose box holds `text` (as drawn). Units' cells win ties, then
/// the text fields; a cell sharing under half its pairs with every field is `Other`.
pub fn classify(task: &Task, text: &str) -> CellRole {
    let cell_text: String = text.chars().filter(|c| !is_noise(*c)).collect();
    if cell_text.is_empty() {
        return CellRole::Other;
    }
    if task.seq.is_some_and(|s| s.to_string() == cell_text) {
        return CellRole::Seq;
    }
    let cell = pairs(&cell_text);
    let names = |refs: &[crate::OfficeRef]| refs.iter().map(|r| r.raw.as_str()).collect::<Vec<_>>().join("、");
    // A cell naming both a lead and a cooperating office whole (one 责任单位 column with markers).
    let names_whole = |refs: &[crate::OfficeRef]| {
        refs.iter().any(|r| {
            let raw: String = r.raw.chars().filter(|c| !is_noise(*c)).collect();
            !raw.is_empty() && cell_text.contains(&raw)
        })
    };
    if names_whole(&task.lead_offices) && names_whole(&task.support_offices) {
        return CellRole::Units;
    }
    let lead = share(&cell, &names(&task.lead_offices));
    let support = share(&cell, &names(&task.support_offices));
    let measures: Vec<&str> = task.measures.iter().map(|m| m.text.as_str()).collect();
    let deadlines: Vec<&str> = task
        .deadline
        .iter()
        .chain(task.measures.iter().filter_map(|m| m.deadline.as_ref()))
        .map(|d| d.raw.as_str())
        .collect();
    let candidates = [
        (CellRole::Lead, lead),
        (CellRole::Support, support),
        (CellRole::Implementer, share(&cell, &names(&task.implementers))),
        (CellRole::Leaders, share(&cell, &task.leaders.join("、"))),
        (CellRole::Deadline, share(&cell, &deadlines.join("\n"))),
        (CellRole::Measure, share(&cell, &measures.join("\n"))),
        (CellRole::Task, share(&cell, &task.text)),
    ];
    // The first of the best wins: `max_by` keeps the last maximum, so compare reversed.
    let best = candidates.iter().rev().max_by(|a, b| a.1.total_cmp(&b.1)).copied();
    match best {
        Some((role, score)) if score >= 0.5 => role,
        _ => CellRole::Other,
    }
}
