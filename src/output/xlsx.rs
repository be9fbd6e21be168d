//! Excel workbooks, written with rust_xlsxwriter: one notice laid out as its source ledger
//! ([`render_notice_workbook`], `convert --format xlsx`), and a batch's `tasks.xlsx`
//! ([`TasksWorkbookSink`]).
//!
//! A notice's workbook has three sheets: 通知 (the notice: title, issuer, number, dates,
//! recipients, reporting duties, source files), 台账 (the ledger, shown when the file opens:
//! Chinese headers, section rows, one row per measure with the task's cells merged down, offices
//! joined with 、 as written, deadlines as dates where they are dates) and 问题 (every diagnostic
//! with its location). The notice sheet comes first so that reading the workbook back (the XLSX
//! front-end reads sheets in order) finds the notice's metadata before its ledger.
//!
//! Output is deterministic: the creation date in the document properties is fixed
//! ([`CREATED`]; rust_xlsxwriter would write the current time) and zip entries carry a fixed
//! time, so the same notice gives the same bytes. Cells are typed (text is never a formula), so
//! the CSV's apostrophe against formula injection is not needed here.

mod tasks;

use std::borrow::Cow;

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Note, Workbook, Worksheet, XlsxError,
};

pub use tasks::TasksWorkbookSink;

use super::OutputError;
use crate::diag::{Location, Severity};
use crate::offices::OfficeRef;
use crate::record::{Deadline, DeadlineKind, NoticeDocument, Section, Task};

/// The creation date written into every workbook's properties, instead of the time of writing,
/// so that the same input gives the same bytes (the zip entries' own date, 1980-01-01).
pub const CREATED: (u16, u8, u8) = (1980, 1, 1);

/// The headers of the ledger sheet, in order (具体措施 only when a task has measures; columns
/// the record keeps in `extra` follow 备注).
pub const LEDGER_HEADERS: &[&str] =
    &["序号", "重点任务", "具体措施", "分管领导", "牵头单位", "配合单位", "实施单位", "完成时限", "备注"];

/// Names of the sheets of a notice's workbook, in order.
pub const NOTICE_SHEETS: [&str; 3] = ["通知", "台账", "问题"];

/// Most UTF-16 units a cell holds here (Excel's limit is 32,767); longer text is cut with a note
/// that the JSON has it whole.
const MAX_CELL_UNITS: usize = 32_000;

/// Height in points of one line of 11-point text.
const LINE_HEIGHT: f64 = 16.0;

pub(super) fn xlsx_error(what: &str) -> impl Fn(XlsxError) -> OutputError + '_ {
    move |source| OutputError::Xlsx { what: what.to_string(), source }
}

/// `text` cut to what a cell can hold, marked where it was cut.
pub(super) fn cell_text(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_CELL_UNITS {
        return Cow::Borrowed(text);
    }
    let mut units = 0;
    let mut end = text.len();
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL_UNITS - 40 {
            end = i;
            break;
        }
    }
    if end == text.len() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(format!("{}…（超出单元格容量，全文见 JSON）", &text[..end]))
}

/// Width of `text`'s longest line in Excel's column units: a CJK or full-width character counts
/// two, anything else one.
pub(super) fn display_width(text: &str) -> usize {
    text.split('\n').map(|line| line.chars().map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 }).sum()).max().unwrap_or(0)
}

/// Lines `text` takes when wrapped in a column `width` units wide.
fn wrapped_lines(text: &str, width: f64) -> usize {
    let usable = (width - 1.0).max(1.0);
    text.split('\n').map(|line| ((display_width(line) as f64 / usable).ceil() as usize).max(1)).sum()
}

/// `YYYY-MM-DD` as an Excel date; `None` for anything else (or a day that does not exist).
pub(super) fn excel_date(iso: &str) -> Option<ExcelDateTime> {
    let mut parts = iso.splitn(3, '-');
    let (y, m, d) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    ExcelDateTime::from_ymd(y, m, d).ok()
}

/// How a date is shown: `2024年6月30日`.
pub(super) const DATE_FORMAT: &str = "yyyy\"年\"m\"月\"d\"日\"";

/// `YYYY-MM-DD` as the date format shows it (`2024年6月30日`).
fn shown_date(iso: &str) -> Option<String> {
    let mut p = iso.splitn(3, '-').map(|x| x.parse::<u32>().ok());
    Some(format!("{}年{}月{}日", p.next()??, p.next()??, p.next()??))
}

/// Office references as written, joined with 、.
pub(super) fn offices(refs: &[OfficeRef]) -> String {
    refs.iter().map(|r| r.raw.as_str()).collect::<Vec<_>>().join("、")
}

/// A section's heading as a ledger writes it: `一、…`, `（一）…`, `1.…`.
pub(super) fn section_heading(s: &Section) -> String {
    match s.numeral.as_deref() {
        None => s.title.clone(),
        Some(n) if n.starts_with(['（', '(']) => format!("{n}{}", s.title),
        Some(n) if n.chars().all(|c| c.is_ascii_digit()) => format!("{n}.{}", s.title),
        Some(n) => format!("{n}、{}", s.title),
    }
}

/// The severity in the words of the 问题 sheet.
pub(super) fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "错误",
        Severity::Warning => "警告",
        Severity::Info => "提示",
    }
}

/// A location in the words of the 问题 sheet: `附件 x.xlsx，第 2 页，台账第 5 行，第 4 列，任务 3`.
pub(super) fn location_words(l: &Location) -> String {
    let mut parts = Vec::new();
    if let Some(f) = &l.file {
        parts.push(format!("附件 {f}"));
    }
    if let Some(p) = l.page {
        parts.push(format!("第 {p} 页"));
    }
    if let Some(n) = l.line {
        parts.push(format!("原文第 {n} 行"));
    }
    if let Some(r) = l.row {
        parts.push(format!("台账第 {r} 行"));
    }
    if let Some(c) = l.column {
        parts.push(format!("第 {c} 列"));
    }
    if let Some(t) = l.task_seq {
        parts.push(format!("任务 {t}"));
    }
    if parts.is_empty() {
        "全文".to_string()
    } else {
        parts.join("，")
    }
}

/// The cell formats every workbook uses.
pub(super) struct Styles {
    pub header: Format,
    pub text: Format,
    pub centered: Format,
    pub date: Format,
    /// A date in running text (the notice sheet).
    pub date_left: Format,
    pub label: Format,
    sections: [Format; 4],
}

impl Styles {
    pub fn new() -> Self {
        let border =
            Format::new().set_border(FormatBorder::Thin).set_text_wrap().set_align(FormatAlign::VerticalCenter);
        let section =
            |indent: u8| border.clone().set_bold().set_background_color(Color::RGB(0xF2F2F2)).set_indent(indent);
        Styles {
            header: border.clone().set_bold().set_align(FormatAlign::Center).set_background_color(Color::RGB(0xD9D9D9)),
            text: border.clone(),
            centered: border.clone().set_align(FormatAlign::Center),
            date: border.clone().set_align(FormatAlign::Center).set_num_format(DATE_FORMAT),
            date_left: border.clone().set_num_format(DATE_FORMAT),
            label: border.clone().set_bold().set_background_color(Color::RGB(0xF2F2F2)),
            sections: [section(0), section(1), section(2), section(3)],
        }
    }

    fn section(&self, level: u8) -> &Format {
        &self.sections[usize::from(level.clamp(1, 4)) - 1]
    }
}

/// Fixed document properties (see [`CREATED`]).
pub(super) fn properties(title: &str) -> Result<DocProperties, XlsxError> {
    let created = ExcelDateTime::from_ymd(CREATED.0, CREATED.1, CREATED.2)?;
    Ok(DocProperties::new().set_title(title).set_author("notice-ingest").set_creation_datetime(&created))
}

/// A cell's content before it is written.
#[derive(Clone, Debug)]
enum Value {
    Empty,
    Text(String),
    Number(f64),
    /// A date (`YYYY-MM-DD`), with the words it was read from when they say more than the date.
    Date {
        iso: String,
        written: Option<String>,
    },
}

impl Value {
    fn text(s: impl Into<String>) -> Self {
        let s = s.into();
        if s.is_empty() {
            Value::Empty
        } else {
            Value::Text(s)
        }
    }

    /// A deadline: a date where it is one (`by-date`), else its words.
    fn deadline(d: Option<&Deadline>) -> Self {
        match d {
            None => Value::Empty,
            Some(d) => match (&d.kind, d.by.as_deref().filter(|by| excel_date(by).is_some())) {
                (DeadlineKind::ByDate, Some(by)) => {
                    let written = (shown_date(by).as_deref() != Some(d.raw.as_str())).then(|| d.raw.clone());
                    Value::Date { iso: by.to_string(), written }
                }
                _ => Value::text(d.raw.clone()),
            },
        }
    }

    fn width(&self) -> usize {
        match self {
            Value::Empty => 0,
            Value::Text(t) => display_width(t),
            Value::Number(n) => n.to_string().len(),
            Value::Date { .. } => 14,
        }
    }

    fn lines(&self, width: f64) -> usize {
        match self {
            Value::Text(t) => wrapped_lines(t, width),
            _ => 1,
        }
    }

    /// Writes the value at (`row`, `col`) with `format` (`date` for dates).
    fn write(&self, ws: &mut Worksheet, row: u32, col: u16, format: &Format, date: &Format) -> Result<(), XlsxError> {
        match self {
            Value::Empty => ws.write_blank(row, col, format).map(drop),
            Value::Text(t) => ws.write_string_with_format(row, col, cell_text(t), format).map(drop),
            Value::Number(n) => ws.write_number_with_format(row, col, *n, format).map(drop),
            Value::Date { iso, written } => {
                match excel_date(iso) {
                    Some(d) => ws.write_datetime_with_format(row, col, &d, date)?,
                    None => ws.write_string_with_format(row, col, iso.as_str(), format)?,
                };
                if let Some(w) = written {
                    ws.insert_note(row, col, &Note::new(format!("原文：{}", cell_text(w))).add_author_prefix(false))?;
                }
                Ok(())
            }
        }
    }
}

/// What a ledger column holds.
#[derive(Clone, Debug, PartialEq)]
enum Column {
    Seq,
    Task,
    Measure,
    Leaders,
    Lead,
    Support,
    Implementers,
    Deadline,
    Remarks,
    Extra(String),
}

impl Column {
    fn header(&self) -> &str {
        match self {
            Column::Seq => LEDGER_HEADERS[0],
            Column::Task => LEDGER_HEADERS[1],
            Column::Measure => LEDGER_HEADERS[2],
            Column::Leaders => LEDGER_HEADERS[3],
            Column::Lead => LEDGER_HEADERS[4],
            Column::Support => LEDGER_HEADERS[5],
            Column::Implementers => LEDGER_HEADERS[6],
            Column::Deadline => LEDGER_HEADERS[7],
            Column::Remarks => LEDGER_HEADERS[8],
            Column::Extra(h) => h,
        }
    }

    /// The task's own cells, merged down over its measure rows.
    fn is_task_level(&self) -> bool {
        matches!(self, Column::Seq | Column::Task | Column::Leaders | Column::Remarks | Column::Extra(_))
    }

    /// Narrowest and widest the column is made, in Excel's units.
    fn width_bounds(&self) -> (usize, usize) {
        match self {
            Column::Seq => (6, 6),
            Column::Task => (24, 44),
            Column::Measure => (24, 54),
            Column::Deadline => (12, 20),
            _ => (10, 26),
        }
    }

    /// The cell of this column for `task` (and `measure`, on a measure row).
    fn value(&self, task: &Task, measure: Option<&crate::record::Measure>) -> Value {
        let units = |task_refs: &[OfficeRef], pick: fn(&crate::record::Measure) -> &[OfficeRef]| {
            Value::text(offices(measure.map_or(task_refs, pick)))
        };
        match self {
            Column::Seq => task.seq.map_or(Value::Empty, |s| Value::Number(f64::from(s))),
            Column::Task => Value::text(task.text.clone()),
            Column::Measure => Value::text(measure.map(|m| m.text.clone()).unwrap_or_default()),
            Column::Leaders => Value::text(task.leaders.join("、")),
            Column::Lead => units(&task.lead_offices, |m| &m.lead_offices),
            Column::Support => units(&task.support_offices, |m| &m.support_offices),
            Column::Implementers => units(&task.implementers, |m| &m.implementers),
            Column::Deadline => Value::deadline(measure.map_or(task.deadline.as_ref(), |m| m.deadline.as_ref())),
            Column::Remarks => Value::text(task.remarks.clone().unwrap_or_default()),
            Column::Extra(h) => Value::text(task.extra.get(h).cloned().unwrap_or_default()),
        }
    }
}

/// One row of the ledger sheet before it is written.
enum LedgerRow {
    Section {
        heading: String,
        level: u8,
    },
    /// The cells of a measure row (or a task's only row); `first` marks a task's first row,
    /// `span` the rows of the task, and `merged` the columns whose cell covers them all.
    Cells {
        cells: Vec<Value>,
        first: bool,
        span: usize,
        merged: std::rc::Rc<Vec<bool>>,
    },
}

/// Which columns of a task's rows are one cell merged down: the task's own cells, and an office
/// or deadline column whose measures all say the same (or say nothing where the task says
/// something: offices a task names for all its measures), as ledgers merge them.
fn merged_columns(task: &Task, columns: &[Column]) -> Vec<bool> {
    columns
        .iter()
        .map(|c| {
            if task.measures.len() < 2 || matches!(c, Column::Measure) {
                return false;
            }
            if c.is_task_level() {
                return true;
            }
            let texts: Vec<String> = task.measures.iter().map(|m| format!("{:?}", c.value(task, Some(m)))).collect();
            texts.windows(2).all(|w| w[0] == w[1])
        })
        .collect()
}

/// The value a merged column shows for `task`: its measures' common value, else the task's own.
fn merged_value(column: &Column, task: &Task) -> Value {
    match task.measures.first().map(|m| column.value(task, Some(m))) {
        Some(Value::Empty) | None => column.value(task, None),
        Some(v) if !column.is_task_level() => v,
        Some(_) => column.value(task, None),
    }
}

/// The ledger's columns for `doc`: 具体措施 when any task has measures, `extra` headers (in order
/// of first use) after 备注.
fn ledger_columns(doc: &NoticeDocument) -> Vec<Column> {
    let mut columns = vec![Column::Seq, Column::Task];
    if doc.tasks.iter().any(|t| !t.measures.is_empty()) {
        columns.push(Column::Measure);
    }
    columns.extend([
        Column::Leaders,
        Column::Lead,
        Column::Support,
        Column::Implementers,
        Column::Deadline,
        Column::Remarks,
    ]);
    for t in &doc.tasks {
        for h in t.extra.keys() {
            if !columns.iter().any(|c| *c == Column::Extra(h.clone())) {
                columns.push(Column::Extra(h.clone()));
            }
        }
    }
    columns
}

/// The ledger's rows: each section before the first task under it (sections without tasks where
/// they stand), then the task's rows.
fn ledger_rows(doc: &NoticeDocument, columns: &[Column]) -> Vec<LedgerRow> {
    let mut rows = Vec::new();
    // Sections before `next_section` are written.
    let mut next_section = 0;
    let sections_until = |rows: &mut Vec<LedgerRow>, from: usize, end: usize| {
        for s in &doc.sections[from..end] {
            rows.push(LedgerRow::Section { heading: section_heading(s), level: s.level });
        }
    };
    for task in &doc.tasks {
        if let Some(path) = &task.section {
            if let Some(i) = doc.sections[next_section..].iter().position(|s| &s.path == path) {
                sections_until(&mut rows, next_section, next_section + i + 1);
                next_section += i + 1;
            }
        }
        let span = task.measures.len().max(1);
        let merged = std::rc::Rc::new(merged_columns(task, columns));
        for k in 0..span {
            let measure = task.measures.get(k);
            let cells = columns
                .iter()
                .zip(merged.iter())
                .map(|(c, &m)| match (m, k) {
                    (true, 0) => merged_value(c, task),
                    (true, _) => Value::Empty,
                    (false, _) => c.value(task, measure),
                })
                .collect();
            rows.push(LedgerRow::Cells { cells, first: k == 0, span, merged: merged.clone() });
        }
    }
    sections_until(&mut rows, next_section, doc.sections.len());
    rows
}

/// Column widths that fit the content within each column's bounds.
fn fitted_widths(columns: &[Column], rows: &[LedgerRow]) -> Vec<f64> {
    columns
        .iter()
        .enumerate()
        .map(|(c, column)| {
            let (min, max) = column.width_bounds();
            let widest = rows
                .iter()
                .filter_map(|r| match r {
                    LedgerRow::Cells { cells, .. } => Some(cells[c].width()),
                    LedgerRow::Section { .. } => None,
                })
                .chain([display_width(column.header())])
                .max()
                .unwrap_or(0);
            (widest + 2).clamp(min, max) as f64
        })
        .collect()
}

/// Writes the 台账 sheet.
fn write_ledger_sheet(ws: &mut Worksheet, doc: &NoticeDocument, styles: &Styles) -> Result<(), XlsxError> {
    let columns = ledger_columns(doc);
    let rows = ledger_rows(doc, &columns);
    let widths = fitted_widths(&columns, &rows);
    let last_col = (columns.len() - 1) as u16;
    for (c, column) in columns.iter().enumerate() {
        ws.set_column_width(c as u16, widths[c])?;
        ws.write_string_with_format(0, c as u16, column.header(), &styles.header)?;
    }
    let header_lines = columns.iter().zip(&widths).map(|(c, w)| wrapped_lines(c.header(), *w)).max().unwrap_or(1);
    ws.set_row_height(0, LINE_HEIGHT * header_lines as f64)?;
    // Lines each row needs; a merged cell's lines are shared by its rows, the last taking the rest.
    let mut heights: Vec<usize> = vec![1; rows.len()];
    for (i, row) in rows.iter().enumerate() {
        if let LedgerRow::Cells { cells, merged, .. } = row {
            heights[i] = (0..cells.len()).filter(|&c| !merged[c]).map(|c| cells[c].lines(widths[c])).max().unwrap_or(1);
        }
    }
    for (i, row) in rows.iter().enumerate() {
        if let LedgerRow::Cells { cells, first: true, span, merged } = row {
            let needed = (0..cells.len()).filter(|&c| merged[c]).map(|c| cells[c].lines(widths[c])).max().unwrap_or(1);
            let have: usize = heights[i..i + span].iter().sum();
            heights[i + span - 1] += needed.saturating_sub(have);
        }
    }
    let total_width: f64 = widths.iter().sum();
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        match row {
            LedgerRow::Section { heading, level } => {
                let format = styles.section(*level);
                ws.merge_range(r, 0, r, last_col, &cell_text(heading), format)?;
                ws.set_row_height(r, LINE_HEIGHT * wrapped_lines(heading, total_width) as f64)?;
            }
            LedgerRow::Cells { cells, first, span, merged } => {
                for (c, (value, column)) in cells.iter().zip(&columns).enumerate() {
                    let c16 = c as u16;
                    let format = if matches!(column, Column::Seq) { &styles.centered } else { &styles.text };
                    if merged[c] {
                        if *first {
                            ws.merge_range(r, c16, r + *span as u32 - 1, c16, "", format)?;
                            value.write(ws, r, c16, format, &styles.date)?;
                        }
                        continue;
                    }
                    value.write(ws, r, c16, format, &styles.date)?;
                }
                ws.set_row_height(r, LINE_HEIGHT * heights[i] as f64)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_repeat_rows(0, 0)?;
    ws.set_landscape().set_paper_size(9).set_print_fit_to_pages(1, 0);
    Ok(())
}

/// The notice sheet's rows: a label and its value.
fn notice_rows(doc: &NoticeDocument) -> Vec<(&'static str, Value)> {
    let n = &doc.notice;
    let date = |d: &Option<String>| d.as_ref().map_or(Value::Empty, |d| Value::Date { iso: d.clone(), written: None });
    let lines = |items: Vec<String>| Value::text(items.join("\n"));
    let count = |s: Severity| doc.diagnostics.iter().filter(|d| d.severity == s).count();
    let measures: usize = doc.tasks.iter().map(|t| t.measures.len()).sum();
    vec![
        ("标题", Value::text(n.title.clone().unwrap_or_default())),
        ("发文机关", Value::text(n.issuer.clone().unwrap_or_default())),
        ("文号", Value::text(n.doc_number.clone().unwrap_or_default())),
        ("成文日期", date(&n.date)),
        ("发布日期", date(&n.published)),
        ("主送", Value::text(offices(&n.recipients))),
        ("附件", lines(n.attachments.iter().map(|a| a.title.clone()).collect())),
        ("报送要求", lines(n.reporting.iter().map(|r| r.text.clone()).collect())),
        (
            "来源文件",
            lines(
                n.sources
                    .iter()
                    .map(|s| {
                        let role = match s.role {
                            crate::record::SourceRole::Page => "正文",
                            crate::record::SourceRole::Attachment => "附件",
                        };
                        format!("{}（{role}，{}，SHA-256 {}）", s.path, s.format.as_str(), s.sha256)
                    })
                    .collect(),
            ),
        ),
        ("任务", Value::text(format!("{} 项任务，{measures} 条具体措施（见“台账”表）", doc.tasks.len()))),
        (
            "问题",
            Value::text(format!(
                "{} 个错误，{} 个警告，{} 条提示（见“问题”表）",
                count(Severity::Error),
                count(Severity::Warning),
                count(Severity::Info)
            )),
        ),
        ("通知编号", Value::text(n.id.clone())),
        ("办公室名录", Value::text(n.registry.clone())),
    ]
}

/// Writes the 通知 sheet.
fn write_notice_sheet(ws: &mut Worksheet, doc: &NoticeDocument, styles: &Styles) -> Result<(), XlsxError> {
    let rows = notice_rows(doc);
    let width = rows.iter().map(|(_, v)| v.width()).max().unwrap_or(0).clamp(30, 90) as f64 + 2.0;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, width)?;
    for (i, (label, value)) in rows.iter().enumerate() {
        let r = i as u32;
        ws.write_string_with_format(r, 0, *label, &styles.label)?;
        value.write(ws, r, 1, &styles.text, &styles.date_left)?;
        ws.set_row_height(r, LINE_HEIGHT * value.lines(width) as f64)?;
    }
    ws.set_landscape().set_paper_size(9).set_print_fit_to_pages(1, 0);
    Ok(())
}

/// The 问题 sheet's headers.
pub const PROBLEM_HEADERS: [&str; 4] = ["级别", "类型", "位置", "说明"];

/// Writes the 问题 sheet: every diagnostic with its location, filterable.
fn write_problem_sheet(ws: &mut Worksheet, doc: &NoticeDocument, styles: &Styles) -> Result<(), XlsxError> {
    let widths = [6.0, 22.0, 30.0, 90.0];
    for (c, h) in PROBLEM_HEADERS.iter().enumerate() {
        ws.set_column_width(c as u16, widths[c])?;
        ws.write_string_with_format(0, c as u16, *h, &styles.header)?;
    }
    let mut r = 1;
    for d in &doc.diagnostics {
        let cells = [severity_word(d.severity).to_string(), d.kind.to_string(), location_words(&d.location)];
        for (c, text) in cells.iter().enumerate() {
            ws.write_string_with_format(r, c as u16, text.as_str(), &styles.text)?;
        }
        ws.write_string_with_format(r, 3, cell_text(&d.message), &styles.text)?;
        ws.set_row_height(r, LINE_HEIGHT * wrapped_lines(&d.message, widths[3]).min(40) as f64)?;
        r += 1;
    }
    if doc.diagnostics.is_empty() {
        ws.write_string_with_format(1, 3, "没有发现问题。", &styles.text)?;
        r = 2;
    }
    ws.autofilter(0, 0, r - 1, 3)?;
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// `doc` as an Excel workbook (the sheets 通知, 台账 and 问题; see the module documentation).
pub fn render_notice_workbook(doc: &NoticeDocument) -> Result<Vec<u8>, OutputError> {
    let title = doc.notice.title.clone().unwrap_or_else(|| doc.notice.id.clone());
    let styles = Styles::new();
    let mut book = Workbook::new();
    let what = "of the notice";
    book.set_properties(&properties(&title).map_err(xlsx_error(what))?);
    let ws = book.add_worksheet().set_name(NOTICE_SHEETS[0]).map_err(xlsx_error(what))?;
    write_notice_sheet(ws, doc, &styles).map_err(xlsx_error(what))?;
    let ws = book.add_worksheet().set_name(NOTICE_SHEETS[1]).map_err(xlsx_error(what))?;
    write_ledger_sheet(ws, doc, &styles).map_err(xlsx_error(what))?;
    ws.set_active(true);
    let ws = book.add_worksheet().set_name(NOTICE_SHEETS[2]).map_err(xlsx_error(what))?;
    write_problem_sheet(ws, doc, &styles).map_err(xlsx_error(what))?;
    book.save_to_buffer().map_err(xlsx_error(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_what_a_cell_holds() {
        let long = "任".repeat(40_000);
        let cut = cell_text(&long);
        assert!(cut.encode_utf16().count() <= 32_767, "{}", cut.len());
        assert!(cut.ends_with("全文见 JSON）"));
        assert_eq!(cell_text("短"), "短");
    }

    #[test]
    fn widths_count_cjk_double_and_lines_wrap() {
        assert_eq!(display_width("基教处"), 6);
        assert_eq!(display_width("ab\n基教处高教处"), 12);
        assert_eq!(wrapped_lines("基教处高教处", 7.0), 2);
        assert_eq!(wrapped_lines("a\nb", 10.0), 2);
    }

    #[test]
    fn deadlines_are_dates_where_they_are_dates() {
        let d =
            |raw: &str, kind, by: Option<&str>| Deadline { raw: raw.into(), kind, by: by.map(Into::into), every: None };
        match Value::deadline(Some(&d("2024年6月底前", DeadlineKind::ByDate, Some("2024-06-30")))) {
            Value::Date { iso, written } => {
                assert_eq!(iso, "2024-06-30");
                assert_eq!(written.as_deref(), Some("2024年6月底前"));
            }
            other => panic!("{other:?}"),
        }
        match Value::deadline(Some(&d("2024年6月30日", DeadlineKind::ByDate, Some("2024-06-30")))) {
            Value::Date { written, .. } => assert_eq!(written, None, "the date says it all"),
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(Value::deadline(Some(&d("每季度末", DeadlineKind::Recurring, None))), Value::Text(t) if t == "每季度末")
        );
        assert!(matches!(Value::deadline(Some(&d("x", DeadlineKind::ByDate, Some("2024-02-30")))), Value::Text(_)));
    }

    #[test]
    fn section_headings_are_written_as_ledgers_number_them() {
        let s = |numeral: Option<&str>, title: &str| Section {
            numeral: numeral.map(Into::into),
            title: title.into(),
            level: 1,
            path: String::new(),
        };
        assert_eq!(section_heading(&s(Some("一"), "总体要求")), "一、总体要求");
        assert_eq!(section_heading(&s(Some("（二）"), "保障")), "（二）保障");
        assert_eq!(section_heading(&s(Some("3"), "落实")), "3.落实");
        assert_eq!(section_heading(&s(None, "其他")), "其他");
    }
}
