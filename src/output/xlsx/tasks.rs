//! A batch's `tasks.xlsx`: every task of every notice on one filterable sheet (任务: one row per
//! measure, with the notice's columns), every diagnostic (问题) and every file with what became of
//! it (文件). Written in rust_xlsxwriter's constant-memory mode, a chunk of files at a time in
//! canonical order, so memory stays flat however large the batch.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use super::{
    cell_text, display_width, location_words, offices, properties, section_heading, severity_word, xlsx_error, Styles,
    Value,
};
use crate::output::report::{FileReport, FileStatus, Totals};
use crate::output::rows::flat_rows;
use crate::output::sink::{Sink, SinkItem};
use crate::output::{AtomicFile, OutputError};
use crate::record::NoticeDocument;

/// The sheets of `tasks.xlsx` and their headers.
pub const TASK_SHEETS: [(&str, &[&str]); 3] = [
    (
        "任务",
        &[
            "通知标题",
            "文号",
            "发文机关",
            "成文日期",
            "来源文件",
            "序号",
            "所属部分",
            "重点任务",
            "具体措施",
            "分管领导",
            "牵头单位",
            "配合单位",
            "实施单位",
            "完成时限",
            "备注",
            "任务编号",
            "通知编号",
        ],
    ),
    ("问题", &["通知标题", "来源文件", "级别", "类型", "位置", "说明"]),
    ("文件", &["文件", "状态", "任务数", "错误", "警告", "提示", "说明"]),
];

/// Rows a sheet holds (Excel's limit); past it, the last row says how many rows `tasks.csv` and
/// `report.json` hold that the sheet could not.
const MAX_ROWS: u32 = 1_048_576;

/// Widest a column of `tasks.xlsx` is made, in Excel's units.
const MAX_WIDTH: usize = 50;

/// One sheet being written: its next row, the widest cell of each column, and the rows left out.
struct SheetState {
    next_row: u32,
    widths: Vec<usize>,
    left_out: u64,
}

/// `tasks.xlsx`, written through the batch's [`Sink`] trait.
pub struct TasksWorkbookSink {
    path: PathBuf,
    book: Workbook,
    sheets: Vec<SheetState>,
    styles: Styles,
}

impl TasksWorkbookSink {
    /// Starts the workbook at `path` (written when the batch finishes).
    pub fn create(path: &Path) -> Result<Self, OutputError> {
        let what = path.display().to_string();
        let styles = Styles::new();
        let mut book = Workbook::new();
        book.set_properties(&properties("notice-ingest batch: tasks").map_err(xlsx_error(&what))?);
        let mut sheets = Vec::new();
        for (name, headers) in TASK_SHEETS {
            let ws = book.add_worksheet_with_constant_memory().map_err(xlsx_error(&what))?;
            ws.set_name(name).map_err(xlsx_error(&what))?;
            for (c, h) in headers.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &styles.header).map_err(xlsx_error(&what))?;
            }
            sheets.push(SheetState {
                next_row: 1,
                widths: headers.iter().map(|h| display_width(h)).collect(),
                left_out: 0,
            });
        }
        Ok(TasksWorkbookSink { path: path.to_path_buf(), book, sheets, styles })
    }

    /// Appends one row of `values` to sheet `index`.
    fn push(&mut self, index: usize, values: &[Value]) -> Result<(), XlsxError> {
        let state = &mut self.sheets[index];
        if state.next_row >= MAX_ROWS - 1 {
            state.left_out += 1;
            return Ok(());
        }
        let ws: &mut Worksheet = self.book.worksheet_from_index(index)?;
        for (c, v) in values.iter().enumerate() {
            v.write(ws, state.next_row, c as u16, &self.styles.text, &self.styles.date)?;
            state.widths[c] = state.widths[c].max(v.width().min(MAX_WIDTH));
        }
        state.next_row += 1;
        Ok(())
    }

    /// The rows of one converted notice: its tasks and its diagnostics.
    fn push_notice(&mut self, doc: &NoticeDocument) -> Result<(), XlsxError> {
        let n = &doc.notice;
        let text = |s: &Option<String>| Value::text(s.clone().unwrap_or_default());
        let date =
            |d: &Option<String>| d.as_ref().map_or(Value::Empty, |d| Value::Date { iso: d.clone(), written: None });
        for row in flat_rows(doc) {
            let (t, m) = (row.task, row.measure.map(|(_, m)| m));
            let section = t.section.as_ref().map_or(Value::Empty, |path| {
                Value::text(doc.sections.iter().find(|s| &s.path == path).map_or_else(|| path.clone(), section_heading))
            });
            let values = [
                text(&n.title),
                text(&n.doc_number),
                text(&n.issuer),
                date(&n.date),
                Value::text(row.source_file(doc)),
                t.seq.map_or(Value::Empty, |s| Value::Number(f64::from(s))),
                section,
                Value::text(t.text.clone()),
                Value::text(m.map(|m| m.text.clone()).unwrap_or_default()),
                Value::text(t.leaders.join("、")),
                Value::text(offices(m.map_or(&t.lead_offices, |m| &m.lead_offices))),
                Value::text(offices(m.map_or(&t.support_offices, |m| &m.support_offices))),
                Value::text(offices(m.map_or(&t.implementers, |m| &m.implementers))),
                Value::deadline(m.map_or(t.deadline.as_ref(), |m| m.deadline.as_ref())),
                text(&t.remarks),
                Value::text(t.id.clone()),
                Value::text(n.id.clone()),
            ];
            self.push(0, &values)?;
        }
        for d in &doc.diagnostics {
            let values = [
                text(&n.title),
                Value::text(n.source.path.clone()),
                Value::text(severity_word(d.severity)),
                Value::text(d.kind.as_str()),
                Value::text(location_words(&d.location)),
                Value::text(cell_text(&d.message).into_owned()),
            ];
            self.push(1, &values)?;
        }
        Ok(())
    }

    /// The row of one file on the 文件 sheet.
    fn push_file(&mut self, r: &FileReport) -> Result<(), XlsxError> {
        let status = match r.status {
            FileStatus::Ok => "成功",
            FileStatus::Error => "失败",
            FileStatus::Attachment => "附件（随正文读取）",
            FileStatus::Duplicate => "重复（同一通知）",
            FileStatus::Skipped => "跳过（没有台账）",
        };
        let count = |n: usize| Value::Number(n as f64);
        let values = [
            Value::text(r.key.clone()),
            Value::text(status),
            count(r.tasks),
            count(r.errors),
            count(r.warnings),
            count(r.infos),
            Value::text(r.message.clone().unwrap_or_default()),
        ];
        self.push(2, &values)
    }

    fn finish_sheets(&mut self) -> Result<(), XlsxError> {
        for (index, (_, headers)) in TASK_SHEETS.iter().enumerate() {
            let state = &self.sheets[index];
            let (last_row, left_out, widths) = (state.next_row, state.left_out, state.widths.clone());
            let ws = self.book.worksheet_from_index(index)?;
            if left_out > 0 {
                let note = format!(
                    "另有 {left_out} 行超出 Excel 的行数上限，未写入本表；完整内容见 tasks.csv 和 report.json。"
                );
                ws.write_string_with_format(last_row, 0, note, &self.styles.text)?;
            }
            for (c, w) in widths.iter().enumerate() {
                ws.set_column_width(c as u16, (*w + 2) as f64)?;
            }
            ws.autofilter(0, 0, last_row.saturating_sub(1).max(1), (headers.len() - 1) as u16)?;
            ws.set_freeze_panes(1, 0)?;
            ws.set_active(index == 0);
        }
        Ok(())
    }
}

impl Sink for TasksWorkbookSink {
    fn chunk(&mut self, items: &[SinkItem]) -> Result<(), OutputError> {
        let what = self.path.display().to_string();
        for item in items {
            if item.tasks_written_here {
                if let Some(doc) = item.doc {
                    self.push_notice(doc).map_err(xlsx_error(&what))?;
                }
            }
            self.push_file(item.report).map_err(xlsx_error(&what))?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, _: &Totals, _: usize) -> Result<(), OutputError> {
        let what = self.path.display().to_string();
        self.finish_sheets().map_err(xlsx_error(&what))?;
        let mut file = AtomicFile::create(&self.path)?;
        self.book.save_to_writer(file.as_writer()).map_err(xlsx_error(&what))?;
        file.commit()
    }
}
