//! The spreadsheet outputs: the Excel workbook read back by the project's own XLSX front-end and
//! by calamine, and the CSV's one row per measure.

use super::*;
use calamine::{Data, Reader};
use notice_ingest::record::{Deadline, DeadlineKind, Measure};
use notice_ingest::{NoticeDocument, OfficeRef, Task};

const HIERARCHICAL: &str = "fixtures/ledgers/hierarchical.html";

/// A deadline as the workbook keeps it: the day for a date (the cell is a date, its words in a
/// note), the words and kind otherwise.
fn deadline_kept(d: &Option<Deadline>) -> Option<String> {
    d.as_ref().map(|d| match d.kind {
        DeadlineKind::ByDate => format!("by {}", d.by.as_deref().unwrap()),
        _ => format!("{} {:?} {:?}", d.raw, d.kind, d.every),
    })
}

fn refs(r: &[OfficeRef]) -> Vec<(Option<String>, String, String)> {
    r.iter().map(|r| (r.code.clone(), r.name.clone(), r.raw.clone())).collect()
}

fn measure_view(m: &Measure) -> String {
    format!(
        "{} | {:?} | {:?} | {:?} | {:?}",
        m.text,
        refs(&m.lead_offices),
        refs(&m.support_offices),
        refs(&m.implementers),
        deadline_kept(&m.deadline)
    )
}

/// Every field of a task that the workbook holds, provenance aside (rows and pages are the
/// workbook's own).
fn task_view(t: &Task) -> Vec<String> {
    vec![
        format!("id {}", t.id),
        format!("seq {:?}", t.seq),
        format!("section {:?}", t.section),
        format!("title {}", t.title),
        format!("text {}", t.text),
        format!("leaders {:?}", t.leaders),
        format!("lead {:?}", refs(&t.lead_offices)),
        format!("support {:?}", refs(&t.support_offices)),
        format!("implementers {:?}", refs(&t.implementers)),
        format!("deadline {:?}", deadline_kept(&t.deadline)),
        format!("remarks {:?}", t.remarks),
        format!("extra {:?}", t.extra),
        format!("measures {:?}", t.measures.iter().map(measure_view).collect::<Vec<_>>()),
    ]
}

fn convert_json(input: &str) -> NoticeDocument {
    let out = run(&["convert", input, "-o", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn convert_xlsx(input: &str, dir: &Path) -> PathBuf {
    let out = run(&["convert", input, "--format", "xlsx", "-o", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stem = Path::new(input).file_stem().unwrap().to_str().unwrap();
    dir.join(format!("{stem}.xlsx"))
}

#[test]
fn the_workbook_read_back_gives_the_same_tasks_and_measures() {
    let tmp = tempfile::tempdir().unwrap();
    for (input, tasks, measures) in [(SEED, 34, 0), (HIERARCHICAL, 10, 24)] {
        let json = convert_json(input);
        assert_eq!((json.tasks.len(), json.tasks.iter().map(|t| t.measures.len()).sum::<usize>()), (tasks, measures));
        let book = convert_xlsx(input, tmp.path());
        let back = notice_ingest::convert_path(&book, &notice_ingest::Config::default()).unwrap();
        assert_eq!(back.notice.id, json.notice.id, "{input}: the notice sheet gives the notice's identity");
        assert_eq!(
            (&back.notice.title, &back.notice.issuer, &back.notice.doc_number, &back.notice.date),
            (&json.notice.title, &json.notice.issuer, &json.notice.doc_number, &json.notice.date),
            "{input}"
        );
        assert_eq!(back.sections, json.sections, "{input}: section rows");
        assert_eq!(back.tasks.len(), json.tasks.len(), "{input}");
        for (a, b) in json.tasks.iter().zip(&back.tasks) {
            assert_eq!(task_view(a), task_view(b), "{input}: task {:?}", a.seq);
        }
        // The same notice gives the same bytes.
        let again = tmp.path().join("again");
        assert_eq!(std::fs::read(&book).unwrap(), std::fs::read(convert_xlsx(input, &again)).unwrap(), "{input}");
    }
}

/// Cell text as calamine reads it.
fn cell(range: &calamine::Range<Data>, row: usize, col: usize) -> String {
    match range.get((row, col)) {
        None | Some(Data::Empty) => String::new(),
        Some(Data::Float(f)) => format!("{f}"),
        Some(other) => other.to_string(),
    }
}

#[test]
fn the_ledger_sheet_has_chinese_headers_merged_task_cells_and_dates() {
    let tmp = tempfile::tempdir().unwrap();
    let json = convert_json(HIERARCHICAL);
    let path = convert_xlsx(HIERARCHICAL, tmp.path());
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["通知", "台账", "问题"]);
    let ledger = book.worksheet_range("台账").unwrap();
    let headers: Vec<String> = (0..9).map(|c| cell(&ledger, 0, c)).collect();
    assert_eq!(
        headers,
        ["序号", "重点任务", "具体措施", "分管领导", "牵头单位", "配合单位", "实施单位", "完成时限", "备注"]
    );
    let merges = book.merge_cells_by_sheet_name("台账").unwrap();
    let merged = |r0: u32, c: u32| merges.iter().find(|m| m.start == (r0, c)).map(|m| m.end);
    // A cell's text, taken from the top of the merged cell that covers it.
    let shown = |r: usize, c: usize| {
        let (r, c) = (r as u32, c as u32);
        let top = merges.iter().find(|m| m.start.0 <= r && r <= m.end.0 && m.start.1 <= c && c <= m.end.1);
        top.map_or((r, c), |m| m.start)
    };
    // Walk the sheet: section rows merged across it, then each task's rows.
    let mut row = 1usize;
    let mut sections = json.sections.iter();
    for task in &json.tasks {
        while cell(&ledger, row, 0).is_empty() || merged(row as u32, 0).is_some_and(|e| e.1 == 8) {
            let section = sections.next().expect("a section row is a section");
            assert!(cell(&ledger, row, 0).ends_with(&section.title), "row {row}");
            assert_eq!(merged(row as u32, 0), Some((row as u32, 8)), "a section row spans the sheet: row {row}");
            row += 1;
        }
        assert_eq!(cell(&ledger, row, 0), task.seq.unwrap().to_string(), "row {row}");
        assert_eq!(cell(&ledger, row, 1), task.text);
        let n = task.measures.len();
        for col in [0, 1, 3, 8] {
            let expected = (n > 1).then_some((row as u32 + n as u32 - 1, col));
            assert_eq!(
                merged(row as u32, col),
                expected,
                "task {:?} column {col}: merged over its {n} measure rows",
                task.seq
            );
        }
        let units = |refs: &[OfficeRef]| refs.iter().map(|o| o.raw.as_str()).collect::<Vec<_>>().join("、");
        let one_lead = task.measures.windows(2).all(|w| units(&w[0].lead_offices) == units(&w[1].lead_offices));
        if n > 1 && one_lead {
            assert_eq!(
                merged(row as u32, 4),
                Some((row as u32 + n as u32 - 1, 4)),
                "one lead for every measure: merged"
            );
        }
        for (k, m) in task.measures.iter().enumerate() {
            let r = row + k;
            assert_eq!(cell(&ledger, r, 2), m.text);
            let at = |c: usize| {
                let (r, c) = shown(r, c);
                cell(&ledger, r as usize, c as usize)
            };
            assert_eq!(at(4), units(&m.lead_offices), "offices joined with 、");
            assert_eq!(at(5), units(&m.support_offices));
            let d = m.deadline.as_ref().unwrap();
            let (dr, dc) = shown(r, 7);
            match ledger.get((dr as usize, dc as usize)).unwrap() {
                Data::DateTime(dt) => {
                    let (y, mo, day, ..) = dt.to_ymd_hms_milli();
                    assert_eq!(Some(format!("{y:04}-{mo:02}-{day:02}")), d.by, "row {r}");
                }
                other => {
                    assert_ne!(d.kind, DeadlineKind::ByDate, "a by-date deadline is a date cell: {other:?}");
                    assert_eq!(other.to_string(), d.raw);
                }
            }
        }
        row += n.max(1);
    }
    assert!(sections.next().is_none());
    // The problems sheet lists every diagnostic with its location.
    let problems = book.worksheet_range("问题").unwrap();
    assert_eq!((0..4).map(|c| cell(&problems, 0, c)).collect::<Vec<_>>(), ["级别", "类型", "位置", "说明"]);
    assert_eq!(problems.height() - 1, json.diagnostics.len());
    for (i, d) in json.diagnostics.iter().enumerate() {
        assert_eq!(cell(&problems, i + 1, 1), d.kind.as_str());
        assert_eq!(cell(&problems, i + 1, 3), d.message);
        assert!(cell(&problems, i + 1, 2).contains(&format!("台账第 {} 行", d.location.row.unwrap())));
    }
    let notice = book.worksheet_range("通知").unwrap();
    assert_eq!((cell(&notice, 0, 0), cell(&notice, 0, 1)), ("标题".to_string(), json.notice.title.clone().unwrap()));
    assert_eq!(cell(&notice, 2, 1), json.notice.doc_number.clone().unwrap());
}

#[test]
fn csv_has_one_row_per_measure_with_the_notice_on_every_row() {
    let json = convert_json(HIERARCHICAL);
    let out = run(&["convert", HIERARCHICAL, "-o", "-", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::Reader::from_reader(&out.stdout[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, notice_ingest::output::CSV_HEADER);
    for column in ["notice_title", "source_file", "measure_no", "measure_text", "measure_deadline_by"] {
        assert!(header.iter().any(|h| h == column), "{column}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 24, "one row per measure: 24 measures of 10 tasks");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut rows = rows.iter();
    for task in &json.tasks {
        for (k, m) in task.measures.iter().enumerate() {
            let r = rows.next().unwrap();
            assert_eq!(&r[col("task_id")], task.id, "the task's columns repeat on each measure row");
            assert_eq!(&r[col("text")], task.text);
            assert_eq!(&r[col("notice_title")], json.notice.title.as_deref().unwrap());
            assert_eq!(&r[col("source_file")], HIERARCHICAL);
            assert_eq!(&r[col("measure_no")], (k + 1).to_string());
            assert_eq!(&r[col("measure_count")], task.measures.len().to_string());
            assert_eq!(&r[col("measure_text")], m.text);
            let d = m.deadline.as_ref().unwrap();
            assert_eq!(&r[col("measure_deadline")], d.raw);
            assert_eq!(&r[col("measure_deadline_by")], d.by.as_deref().unwrap_or(""));
            let codes: Vec<&str> = m.lead_offices.iter().map(|o| o.code.as_deref().unwrap()).collect();
            assert_eq!(&r[col("measure_lead_office_codes")], codes.join(";"));
        }
    }
    assert!(rows.next().is_none());
}

/// A batch's tasks.xlsx: the 任务 sheet holds the rows tasks.csv holds (one per measure, a task
/// without measures one row), with the notice's columns on each and a filter over the header; the
/// 文件 sheet one row per file with its status; the 问题 sheet one row per diagnostic.
#[test]
fn the_batch_workbook_holds_every_task_row_and_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run(&["batch", HIERARCHICAL, SEED, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(out.join("tasks.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["任务", "问题", "文件"]);
    let tasks = book.worksheet_range("任务").unwrap();
    assert_eq!(cell(&tasks, 0, 0), "通知标题");
    let csv_text = std::fs::read(out.join("tasks.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(&csv_text[3..]);
    let csv_rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(tasks.height() - 1, csv_rows.len(), "one sheet row per tasks.csv row");
    let docs: Vec<NoticeDocument> = [HIERARCHICAL, SEED].iter().map(|f| convert_json(f)).collect();
    let expected: usize = docs.iter().map(|d| d.tasks.iter().map(|t| t.measures.len().max(1)).sum::<usize>()).sum();
    assert_eq!(csv_rows.len(), expected);
    let titles: std::collections::BTreeSet<String> = (1..tasks.height()).map(|r| cell(&tasks, r, 0)).collect();
    let want: std::collections::BTreeSet<String> = docs.iter().map(|d| d.notice.title.clone().unwrap()).collect();
    assert_eq!(titles, want, "every row names its notice");
    let files = book.worksheet_range("文件").unwrap();
    assert_eq!(files.height(), 3, "a header and one row per file");
    let problems = book.worksheet_range("问题").unwrap();
    let diagnostics: usize = docs.iter().map(|d| d.diagnostics.len()).sum();
    assert_eq!(problems.height() - 1, diagnostics, "one row per diagnostic");
}
