//! Paragraph ledgers: tasks written as numbered paragraphs instead of table rows.
//!
//! Two forms are read, in every format (they are plain paragraphs of the document model):
//!
//! ```text
//! 一、经济社会发展的主要预期目标            ← a section (a numbered heading without units)
//! 1.努力实现地区生产总值增长6.2%左右。      ← a task: its numeral is the sequence number
//! 牵头单位：区发改局                        ← labelled lines: the labels are read like headers
//! 责任单位：立山经济开发区，全区经济运行各专班
//!
//! 2.全面实施行政许可事项清单管理。……（市政府办公室牵头，市级各有关部门按职责分工负责）
//!                                           ← a closing clause naming the units by their verbs
//! ```
//!
//! A numbered paragraph is a task when labelled lines or a responsibility clause give it units,
//! leaders or a deadline; paragraphs of the same numbering style next to such tasks (consecutive
//! numbers, same section) are tasks too, with a warning that they name no unit. Numbered
//! paragraphs of other styles above the tasks are their sections.

use std::sync::OnceLock;

use regex::Regex;

use super::headers::{Field, HeaderRole};
use super::sections::{item_of, Item, NumberStyle, SectionStack};
use super::{task_title, Ledger, LedgerContext, RowReader};
use crate::diag::{quote, Diagnostic, Location};
use crate::model::Document;
use crate::normalize::{clean_text, clean_text_single_line};
use crate::offices::{is_close_bracket, is_open_bracket, read_clause, Clause};
use crate::record::{Measure, Provenance, Section, Task};

/// One line of the document's text, with where it is.
struct Line {
    text: String,
    page: u32,
    /// 1-based paragraph (text block) of the document.
    paragraph: u32,
}

/// What a line or clause says about a task.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Role {
    Field(Field),
    /// Units without a role word (责任单位).
    Unmarked,
    /// Units under a duty phrase (…按职责分工负责).
    Duty,
}

/// A labelled value or clause: its role and the units (or leaders, or deadline) it names.
#[derive(Clone, Debug)]
struct Entry {
    role: Role,
    value: String,
}

/// A numbered paragraph and what follows it.
struct Candidate {
    item: Item,
    text: String,
    entries: Vec<Entry>,
    /// The sections open when it was read.
    section: Option<String>,
    /// Leaders the enclosing sections name (`王纲市长主抓重点工作`).
    section_leaders: Vec<String>,
    first_page: u32,
    last_page: u32,
    paragraph: u32,
    /// Counts items read without a free paragraph between them: items next to each other have
    /// numbers one apart.
    run: u32,
    /// The candidate this one is a measure of (a sub-item under a task whose responsibility
    /// line follows its sub-items).
    measure_of: Option<usize>,
}

fn label_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // A label starts a line or follows punctuation or a space, and ends with a colon.
    RE.get_or_init(|| {
        Regex::new(r"(?:^|[\s。；;，,、）)〕］\]】])(\p{Han}[\p{Han}（）()]{1,11})\s*[：:]").expect("static pattern")
    })
}

/// The labels in `line` whose words name a task field (units, leaders, deadline), with their
/// values: (label start, label, role, value).
fn labels_in(line: &str, ctx: &LedgerContext) -> Vec<(usize, String, Role, String)> {
    let mut found: Vec<(usize, usize, String, Role)> = Vec::new();
    for c in label_re().captures_iter(line) {
        let label = c.get(1).expect("group 1");
        let whole = c.get(0).expect("match");
        // A label inside brackets belongs to a closing clause, read whole by `responsibility`.
        if bracket_depth(&line[..label.start()]) > 0 {
            continue;
        }
        let role = match ctx.vocabulary.read(label.as_str()).map(|r| r.0) {
            Some(HeaderRole::UnmarkedUnits) => Role::Unmarked,
            Some(HeaderRole::Field(
                f @ (Field::LeadOffices
                | Field::SupportOffices
                | Field::Implementers
                | Field::Leaders
                | Field::Deadline),
            )) => Role::Field(f),
            _ => continue,
        };
        found.push((label.start(), whole.end(), label.as_str().to_string(), role));
    }
    let mut out = Vec::new();
    for (i, (start, value_start, label, role)) in found.iter().enumerate() {
        let end = found.get(i + 1).map_or(line.len(), |n| n.0);
        // A value ends at its sentence's end: what follows (`不再做分工，下同。`) is a note.
        let value = line[*value_start..end].split('。').next().unwrap_or("");
        let value = value.trim().trim_end_matches(['；', ';', '，', ',', '。', ' ']).trim().to_string();
        out.push((*start, label.clone(), role.clone(), value));
    }
    out
}

/// Reads a closing bracket group as a responsibility clause: labelled parts
/// (`牵头单位：X；责任单位：Y`), or clauses ending in a role verb (`X牵头，Y配合`,
/// `Z按职责分工负责`) or naming a deadline. `None` unless every part is one of these.
fn responsibility(group: &str, ctx: &LedgerContext) -> Option<Vec<Entry>> {
    let mut entries = Vec::new();
    for part in split_top(group, &['；', ';']) {
        let labels = labels_in(&part, ctx);
        if labels.first().is_some_and(|l| l.0 == 0) {
            entries.extend(labels.into_iter().map(|(_, _, role, value)| Entry { role, value }));
            continue;
        }
        for clause in split_top(&part, &['，', ',']) {
            let role = match read_clause(&clause) {
                Some(Clause::Lead(units)) => Entry { role: Role::Field(Field::LeadOffices), value: units },
                Some(Clause::Support(units)) => Entry { role: Role::Field(Field::SupportOffices), value: units },
                Some(Clause::Duty(units)) => Entry { role: Role::Duty, value: units },
                None if is_deadline_clause(&clause) => Entry { role: Role::Field(Field::Deadline), value: clause },
                None => return None,
            };
            entries.push(role);
        }
    }
    (!entries.is_empty()).then_some(entries)
}

/// A clause that only states when (`2023年6月底前完成`, `长期坚持`).
fn is_deadline_clause(clause: &str) -> bool {
    let d = crate::ledger::deadlines::normalize_deadline_in(clause, Some(2000)).0;
    d.kind != crate::record::DeadlineKind::Unparsed && clause.chars().count() <= 20
}

/// How many brackets are open at the end of `text`.
fn bracket_depth(text: &str) -> usize {
    let mut depth = 0usize;
    for c in text.chars() {
        if is_open_bracket(c) {
            depth += 1;
        } else if is_close_bracket(c) {
            depth = depth.saturating_sub(1);
        }
    }
    depth
}

/// Splits at the given separators outside brackets.
fn split_top(text: &str, seps: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in text.chars() {
        if is_open_bracket(c) {
            depth += 1;
        } else if is_close_bracket(c) {
            depth = depth.saturating_sub(1);
        }
        if depth == 0 && seps.contains(&c) {
            if !current.trim().is_empty() {
                out.push(current.trim().to_string());
            }
            current.clear();
        } else {
            current.push(c);
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// The last top-level bracket group at the end of `text` (trailing sentence punctuation
/// aside): (text before it, the group's content, text after it).
fn closing_group(text: &str) -> Option<(String, String, String)> {
    let trimmed = text.trim_end_matches(['。', '；', ';', ' ', '\n']);
    let after = &text[trimmed.len()..];
    let last = trimmed.chars().last().filter(|&c| is_close_bracket(c))?;
    let body = &trimmed[..trimmed.len() - last.len_utf8()];
    let mut depth = 1usize;
    for (i, c) in body.char_indices().rev() {
        if is_close_bracket(c) {
            depth += 1;
        } else if is_open_bracket(c) {
            depth -= 1;
            if depth == 0 {
                let inner = &body[i + c.len_utf8()..];
                return Some((body[..i].trim_end().to_string(), inner.to_string(), after.trim().to_string()));
            }
        }
    }
    None
}

fn lines_of(doc: &Document) -> Vec<Line> {
    let mut out = Vec::new();
    for (i, (text, origin, _)) in doc.text_blocks().enumerate() {
        for line in text.split('\n') {
            let line = clean_text_single_line(line);
            if !line.is_empty() {
                out.push(Line { text: line, page: origin.page.max(1), paragraph: i as u32 + 1 });
            }
        }
    }
    out
}

/// Entries of a line that only names responsibilities: labels from its start (`牵头单位：…`), or
/// one bracket group (`（责任单位：…）`).
fn standalone_entries(line: &str, ctx: &LedgerContext) -> Option<Vec<Entry>> {
    let labels = labels_in(line, ctx);
    if labels.first().is_some_and(|l| l.0 == 0) {
        return Some(labels.into_iter().map(|(_, _, role, value)| Entry { role, value }).collect());
    }
    let (before, group, after) = closing_group(line)?;
    (before.is_empty() && after.is_empty()).then(|| responsibility(&group, ctx)).flatten()
}

/// Reads the paragraph ledger of `doc` into `ledger`; false when the document has none (no
/// numbered paragraph with units, leaders or a deadline).
pub(super) fn read_paragraph_ledger(doc: &Document, ctx: &LedgerContext, ledger: &mut Ledger) -> bool {
    let lines = lines_of(doc);
    let mut candidates = read_candidates(&lines, ctx, &mut ledger.diagnostics);
    let labelled: Vec<bool> = candidates.iter().map(|c| !c.entries.is_empty()).collect();
    if !labelled.iter().any(|&l| l) {
        return false;
    }
    // The tasks' numbering style: the commonest among labelled paragraphs.
    let mut counts: Vec<(NumberStyle, usize)> = Vec::new();
    for c in candidates.iter().filter(|c| !c.entries.is_empty()) {
        match counts.iter_mut().find(|(s, _)| *s == c.item.style) {
            Some((_, n)) => *n += 1,
            None => counts.push((c.item.style, 1)),
        }
    }
    let task_style = counts.iter().max_by_key(|(_, n)| *n).map(|(s, _)| *s).expect("a labelled candidate exists");

    // Sections and their leaders, in order.
    let mut is_task: Vec<bool> =
        candidates.iter().map(|c| !c.entries.is_empty() && c.item.style == task_style).collect();
    let mut stack = SectionStack::default();
    let mut open_sections: Vec<(Section, Vec<String>)> = Vec::new();
    let mut pending: Vec<Section> = Vec::new();
    for (i, c) in candidates.iter_mut().enumerate() {
        if c.measure_of.is_some() {
            continue;
        }
        if c.item.style != task_style {
            let (level, path) = stack.enter(c.item.style, &c.item.numeral);
            let title = clean_text_single_line(&c.text);
            let leaders = crate::people::section_leaders(&title);
            open_sections.retain(|(s, _)| s.level < level);
            open_sections.push((
                Section { numeral: Some(c.item.numeral.clone()), title: title.clone(), level, path: path.clone() },
                leaders,
            ));
            pending.retain(|s| s.level < level);
            pending.push(Section { numeral: Some(c.item.numeral.clone()), title, level, path });
            continue;
        }
        c.section = stack.path();
        c.section_leaders =
            open_sections.iter().rev().find(|(_, l)| !l.is_empty()).map(|(_, l)| l.clone()).unwrap_or_default();
        if is_task[i] {
            // Sections above a task are recorded when their first task comes.
            for s in pending.drain(..) {
                ledger.sections.push(s);
            }
        }
    }
    // Unlabelled paragraphs of the task style next to tasks, with consecutive numbers in the same
    // section, are tasks that name no unit.
    loop {
        let mut grew = false;
        for i in 0..candidates.len() {
            if is_task[i] || candidates[i].item.style != task_style || candidates[i].measure_of.is_some() {
                continue;
            }
            let next_to = |j: usize| {
                let (a, b) = (&candidates[i], &candidates[j]);
                is_task[j]
                    && a.section == b.section
                    && a.item.number.abs_diff(b.item.number) == 1
                    && a.run.abs_diff(b.run) == 1
            };
            let same_style = |j: &usize| candidates[*j].item.style == task_style && candidates[*j].measure_of.is_none();
            let before = (0..i).rev().find(same_style);
            let after = (i + 1..candidates.len()).find(same_style);
            if before.is_some_and(next_to) || after.is_some_and(next_to) {
                is_task[i] = true;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    let first_paragraph = candidates.iter().zip(&is_task).find(|(_, &t)| t).map_or(0, |(c, _)| c.paragraph);
    let last_paragraph = candidates.iter().zip(&is_task).rev().find(|(_, &t)| t).map_or(0, |(c, _)| c.paragraph);
    let count = is_task.iter().filter(|&&t| t).count();
    ledger.diagnostics.push(Diagnostic::info(
        crate::diag::DiagnosticKind::ParagraphLedger,
        format!(
            "no ledger table: {count} task(s) read from numbered paragraphs {first_paragraph}–{last_paragraph} with their responsibility lines or clauses"
        ),
        Location { row: Some(first_paragraph), ..Default::default() },
    ));
    let mut reader = RowReader::new(ctx);
    reader.set_first_listed_leads(first_listed_leads(doc));
    for (i, c) in candidates.iter().enumerate() {
        if !is_task[i] {
            continue;
        }
        let measures: Vec<&Candidate> = candidates.iter().filter(|m| m.measure_of == Some(i)).collect();
        let task = build_task(c, &measures, &mut reader, &mut ledger.diagnostics);
        ledger.tasks.push(task);
    }
    reader.finish(&mut ledger.diagnostics);
    true
}

/// Pass 1: numbered paragraphs with the text and responsibility entries that follow them.
fn read_candidates(lines: &[Line], ctx: &LedgerContext, diags: &mut Vec<Diagnostic>) -> Vec<Candidate> {
    let mut candidates: Vec<Candidate> = Vec::new();
    // The candidate that still takes continuation text or entries.
    let mut open: Option<usize> = None;
    let mut run = 0u32;
    for line in lines {
        if let Some(entries) = standalone_entries(&line.text, ctx) {
            match open {
                Some(i) => {
                    let target = parent_of_sub_items(&mut candidates, i);
                    let c = &mut candidates[target];
                    c.entries.extend(entries);
                    c.last_page = c.last_page.max(line.page);
                }
                None => diags.push(Diagnostic::warning(
                    crate::diag::DiagnosticKind::LabelWithoutTask,
                    format!(
                        "{} names units but follows no numbered paragraph; it is not part of any task",
                        quote(&line.text, 40)
                    ),
                    Location { page: Some(line.page), row: Some(line.paragraph), ..Default::default() },
                )),
            }
            continue;
        }
        if let Some(item) = item_of(&line.text) {
            run += 1;
            let mut text = item.rest.clone();
            let mut entries = Vec::new();
            // Labels later in the same line: the text before the first is the task's.
            if let Some(first) = labels_in(&text, ctx).first().map(|l| l.0) {
                let tail = text[first..].to_string();
                entries.extend(labels_in(&tail, ctx).into_iter().map(|(_, _, role, value)| Entry { role, value }));
                text.truncate(first);
            }
            candidates.push(Candidate {
                item,
                text,
                entries,
                section: None,
                section_leaders: Vec::new(),
                first_page: line.page,
                last_page: line.page,
                paragraph: line.paragraph,
                run,
                measure_of: None,
            });
            open = Some(candidates.len() - 1);
            continue;
        }
        match open {
            // Continuation of the task's text (a wrapped or second paragraph), before its labels.
            Some(i) if candidates[i].entries.is_empty() => {
                let c = &mut candidates[i];
                c.text.push('\n');
                c.text.push_str(&line.text);
                c.last_page = line.page;
            }
            _ => {
                open = None;
                run += 1_000;
            }
        }
    }
    // Closing responsibility clauses.
    for c in &mut candidates {
        if let Some((before, group, after)) = closing_group(&c.text) {
            if let Some(entries) = responsibility(&group, ctx) {
                c.text = format!("{before}{after}");
                c.entries.extend(entries);
            }
        }
    }
    candidates
}

/// Where a responsibility line after candidate `i` belongs. When `i` ends a list of sub-items
/// (（1）…（4）, numbered from 1, none with entries of its own) right under an item without
/// entries, the line names the units of that item and the sub-items are its measures.
fn parent_of_sub_items(candidates: &mut [Candidate], i: usize) -> usize {
    let style = candidates[i].item.style;
    let mut first = i;
    while first > 0
        && candidates[first - 1].item.style == style
        && candidates[first - 1].run + 1 == candidates[first].run
    {
        first -= 1;
    }
    let Some(parent) = first.checked_sub(1) else { return i };
    let sub_items = &candidates[first..=i];
    let is_list = candidates[first].item.number == 1
        && sub_items.len() >= 2
        && sub_items.iter().all(|c| c.entries.is_empty())
        && candidates[parent].entries.is_empty()
        && candidates[parent].item.style != style
        && candidates[parent].run + 1 == candidates[first].run;
    if !is_list {
        return i;
    }
    for c in &mut candidates[first..=i] {
        c.measure_of = Some(parent);
    }
    parent
}

/// Whether the notice says the first unit listed leads (`列第一位的为牵头单位`), anywhere in its
/// text.
fn first_listed_leads(doc: &Document) -> bool {
    doc.text_blocks().any(|(t, _, _)| super::is_first_listed_note(&t))
}

/// What a task's responsibility entries name, as the cell texts the row reader splits.
#[derive(Debug, Default)]
pub(super) struct Responsibility {
    pub lead: String,
    pub support: String,
    pub implementers: String,
    pub leaders: String,
    pub deadline: Option<String>,
    /// The lead comes from units without a role word (a lone 责任单位).
    pub unmarked_lead: bool,
}

impl Responsibility {
    /// Gathers entries by role: units without a role word (责任单位, a duty phrase) lead unless a
    /// lead is named, then they support.
    fn of(entries: &[Entry]) -> Self {
        let has_lead = entries.iter().any(|e| e.role == Role::Field(Field::LeadOffices));
        let (mut lead, mut support, mut implementers, mut leaders) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut deadline: Option<String> = None;
        let mut unmarked_lead = false;
        for e in entries {
            match &e.role {
                Role::Field(Field::LeadOffices) => lead.push(e.value.clone()),
                Role::Field(Field::SupportOffices) => support.push(e.value.clone()),
                Role::Field(Field::Implementers) => implementers.push(e.value.clone()),
                Role::Field(Field::Leaders) => leaders.push(e.value.clone()),
                Role::Field(Field::Deadline) => {
                    deadline = Some(match deadline.take() {
                        Some(d) => format!("{d}\n{}", e.value),
                        None => e.value.clone(),
                    })
                }
                Role::Unmarked | Role::Duty if has_lead || unmarked_lead => support.push(e.value.clone()),
                Role::Unmarked | Role::Duty => {
                    lead.push(e.value.clone());
                    unmarked_lead = true;
                }
                Role::Field(_) => {}
            }
        }
        Responsibility {
            lead: lead.join("，"),
            support: support.join("，"),
            implementers: implementers.join("，"),
            leaders: leaders.join("\n"),
            deadline,
            unmarked_lead,
        }
    }
}

/// A task cell or paragraph that closes with a responsibility clause (`…。（牵头单位：市教育局；
/// 责任单位：市财政局）`): the text without it, and what it names.
pub(super) fn split_closing_clause(text: &str, ctx: &LedgerContext) -> Option<(String, Responsibility)> {
    let (before, group, after) = closing_group(text)?;
    let entries = responsibility(&group, ctx)?;
    Some((format!("{before}{after}"), Responsibility::of(&entries)))
}

/// One task from a numbered paragraph, its entries and its sub-item measures.
fn build_task(c: &Candidate, measures: &[&Candidate], reader: &mut RowReader, diags: &mut Vec<Diagnostic>) -> Task {
    let text = clean_text(&c.text);
    let loc = Location {
        page: Some(c.first_page),
        row: Some(c.paragraph),
        task_seq: Some(c.item.number),
        ..Default::default()
    };
    let r = Responsibility::of(&c.entries);
    let units = reader.units(&r.lead, &r.support, &r.implementers, r.unmarked_lead, &loc, diags);
    if units.lead.is_empty() && units.support.is_empty() && units.implementers.is_empty() {
        diags.push(Diagnostic::warning(
            crate::diag::DiagnosticKind::TaskWithoutUnits,
            format!(
                "task {} names no lead or supporting unit (no 牵头单位：… line or clause follows it)",
                c.item.number
            ),
            loc.clone(),
        ));
    }
    let mut leaders = reader.leaders(&r.leaders, &loc, diags);
    if leaders.is_empty() && !c.section_leaders.is_empty() {
        leaders = c.section_leaders.clone();
        diags.push(Diagnostic::info(
            crate::diag::DiagnosticKind::LeadersFromSection,
            format!("task {} takes its leaders {} from its section's heading", c.item.number, leaders.join("、")),
            loc.clone(),
        ));
    }
    let deadline = r.deadline.filter(|d| !d.is_empty()).map(|d| reader.deadline(&d));
    let measures: Vec<Measure> = measures
        .iter()
        .map(|m| Measure {
            text: clean_text(&m.text),
            lead_offices: units.lead.clone(),
            support_offices: units.support.clone(),
            implementers: units.implementers.clone(),
            deadline: deadline.clone(),
            provenance: Provenance {
                file: None,
                pages: [m.first_page, m.last_page.max(m.first_page)],
                row: m.paragraph,
                line: None,
                cells: Vec::new(),
            },
        })
        .collect();
    let last_page = measures.iter().map(|m: &Measure| m.provenance.pages[1]).max().unwrap_or(0).max(c.last_page);
    Task {
        id: String::new(),
        seq: Some(c.item.number),
        section: c.section.clone(),
        title: task_title(None, &text),
        text,
        leaders,
        lead_offices: units.lead,
        support_offices: units.support,
        implementers: units.implementers,
        deadline,
        measures,
        remarks: None,
        extra: Default::default(),
        provenance: Provenance {
            file: None,
            pages: [c.first_page, last_page.max(c.first_page)],
            row: c.paragraph,
            line: None,
            cells: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests;
