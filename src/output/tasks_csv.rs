//! CSV: one row per measure (a task without measures is one row), the task's columns repeated on
//! each of its measure rows, with the notice's title, number, issuer, date and source file on
//! every row, so that a filtered or sorted sheet never loses which notice a row belongs to.
//! UTF-8 with a byte-order mark, CRLF line ends, formula-like text neutralized.

use super::rows::{flat_rows, FlatRow};
use super::OutputError;
use crate::offices::OfficeRef;
use crate::record::{Deadline, NoticeDocument};

/// CSV columns, in order (documented in the README, "CSV columns").
pub const CSV_HEADER: &[&str] = &[
    "notice_id",
    "notice_title",
    "notice_doc_number",
    "notice_issuer",
    "notice_date",
    "source_file",
    "task_id",
    "seq",
    "section",
    "title",
    "text",
    "leaders",
    "lead_office_codes",
    "lead_office_names",
    "support_office_codes",
    "support_office_names",
    "implementer_codes",
    "implementer_names",
    "deadline",
    "deadline_kind",
    "deadline_by",
    "remarks",
    "extra",
    "first_page",
    "last_page",
    "row",
    "measure_no",
    "measure_count",
    "measure_text",
    "measure_lead_office_codes",
    "measure_lead_office_names",
    "measure_support_office_codes",
    "measure_support_office_names",
    "measure_implementer_codes",
    "measure_implementer_names",
    "measure_deadline",
    "measure_deadline_kind",
    "measure_deadline_by",
    "measure_first_page",
    "measure_last_page",
    "measure_row",
];

/// The byte-order mark that starts every CSV file written, so spreadsheet programs read UTF-8.
pub const CSV_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV writer with the project's conventions (CRLF line ends, minimal quoting).
pub fn csv_writer<W: std::io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out)
}

/// A text cell made safe for spreadsheets: one that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be read as a formula by Excel, WPS or LibreOffice (`=HYPERLINK(…)`), so it
/// gets a leading apostrophe, as OWASP's guidance on CSV injection recommends. The JSON outputs
/// keep the text as written.
pub fn spreadsheet_safe(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

fn codes(refs: &[OfficeRef]) -> String {
    refs.iter().map(|r| r.code.as_deref().unwrap_or("")).collect::<Vec<_>>().join(";")
}

fn names(refs: &[OfficeRef]) -> String {
    refs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(";")
}

/// The three deadline columns: as written, its kind, and its last day (by-date only).
fn deadline_cells(d: Option<&Deadline>) -> [String; 3] {
    match d {
        None => Default::default(),
        Some(d) => [d.raw.clone(), d.kind.as_str().to_string(), d.by.clone().unwrap_or_default()],
    }
}

/// The cells of one row, in [`CSV_HEADER`] order; text cells go through [`spreadsheet_safe`].
fn record(doc: &NoticeDocument, row: &FlatRow) -> Result<Vec<String>, OutputError> {
    let (n, t) = (&doc.notice, row.task);
    let safe = spreadsheet_safe;
    let opt = |s: &Option<String>| safe(s.clone().unwrap_or_default());
    let extra = if t.extra.is_empty() { String::new() } else { serde_json::to_string(&t.extra)? };
    let mut cells = vec![
        n.id.clone(),
        opt(&n.title),
        opt(&n.doc_number),
        opt(&n.issuer),
        opt(&n.date),
        safe(row.source_file(doc).to_string()),
        t.id.clone(),
        t.seq.map(|s| s.to_string()).unwrap_or_default(),
        opt(&t.section),
        safe(t.title.clone()),
        safe(t.text.clone()),
        safe(t.leaders.join(";")),
        safe(codes(&t.lead_offices)),
        safe(names(&t.lead_offices)),
        safe(codes(&t.support_offices)),
        safe(names(&t.support_offices)),
        safe(codes(&t.implementers)),
        safe(names(&t.implementers)),
    ];
    cells.extend(deadline_cells(t.deadline.as_ref()).map(safe));
    cells.extend([
        opt(&t.remarks),
        safe(extra),
        t.provenance.pages[0].to_string(),
        t.provenance.pages[1].to_string(),
        t.provenance.row.to_string(),
    ]);
    match row.measure {
        None => cells.extend(std::iter::repeat_n(String::new(), 15)),
        Some((i, m)) => {
            cells.extend([
                (i + 1).to_string(),
                t.measures.len().to_string(),
                safe(m.text.clone()),
                safe(codes(&m.lead_offices)),
                safe(names(&m.lead_offices)),
                safe(codes(&m.support_offices)),
                safe(names(&m.support_offices)),
                safe(codes(&m.implementers)),
                safe(names(&m.implementers)),
            ]);
            cells.extend(deadline_cells(m.deadline.as_ref()).map(safe));
            cells.extend([
                m.provenance.pages[0].to_string(),
                m.provenance.pages[1].to_string(),
                m.provenance.row.to_string(),
            ]);
        }
    }
    debug_assert_eq!(cells.len(), CSV_HEADER.len());
    Ok(cells)
}

/// Writes the rows of `doc` (one per measure, one per task without measures; columns as in
/// [`CSV_HEADER`]), without the byte-order mark and the header.
pub fn write_csv_tasks<W: std::io::Write>(w: &mut csv::Writer<W>, doc: &NoticeDocument) -> Result<(), OutputError> {
    for row in flat_rows(doc) {
        w.write_record(&record(doc, &row)?)?;
    }
    Ok(())
}

/// `doc` as a whole CSV file: byte-order mark, header, rows.
pub(super) fn render_csv(doc: &NoticeDocument) -> Result<Vec<u8>, OutputError> {
    let mut out = CSV_BOM.to_vec();
    {
        let mut w = csv_writer(&mut out);
        w.write_record(CSV_HEADER)?;
        write_csv_tasks(&mut w, doc)?;
        w.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}
