//! Stage 2 (front-end), `xlsx`: Excel workbooks into the document model, with calamine.
//!
//! Every sheet is read. A sheet with a grid of at least two columns and two rows is a table:
//! merged regions become spans (a row merged across the sheet is one cell spanning it; a vertical
//! merge belongs to every row it covers), rows merged across the whole width at the top (a title)
//! become headings, numbers that are whole become integers (`1.0` → `1`), and line breaks inside
//! cells are kept. Sheets that are not tables (a notes sheet holding the notice's text) become
//! paragraphs, placed before the tables so the notice's metadata can be read from them.
//! calamine does not report cell styles, so bold is unknown: titles come from first sentences.

use std::collections::HashMap;

use calamine::{Data, Reader};

use super::{open_archive, read_entry, ArchiveError};
use crate::diag::Diagnostic;
use crate::model::{Block, Cell, Document, Origin, RichText, Row, Table};

/// Why a workbook could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XlsxError {
    #[error("{0}")]
    Archive(#[from] ArchiveError),
    #[error("not a readable workbook: {0}")]
    Workbook(#[source] calamine::XlsxError),
    #[error("sheet {sheet:?}: {message}")]
    Sheet { sheet: String, message: String },
    #[error("sheet {sheet:?} spans {rows} rows × {columns} columns, above the limit of {limit} cells")]
    TooLarge { sheet: String, rows: usize, columns: usize, limit: usize },
    #[error(
        "{part}: cells from {first} to {last} span {rows} rows × {columns} columns, above the limit of {limit} cells \
         (the workbook reader would allocate every position in between)"
    )]
    CellsTooFarApart { part: String, first: String, last: String, rows: u64, columns: u64, limit: usize },
    #[error(
        "{part}: declares {attribute}=\"{declared}\" but holds {actual} shared strings, above the limit of {limit} \
         (the workbook reader would reserve room for every declared string)"
    )]
    SharedStringCount { part: String, attribute: &'static str, declared: u64, actual: u64, limit: u64 },
    #[error("sheet {sheet:?}: its merged regions cover more than {limit} cell positions in all (overlapping merges?)")]
    TooManyMergedCells { sheet: String, limit: usize },
}

/// The most strings a shared-strings part may declare beyond those it holds.
pub const MAX_DECLARED_SHARED_STRINGS: u64 = crate::tables::MAX_GRID_CELLS as u64;

/// Column letters of a 0-based column index (`0` → `A`, `16383` → `XFD`).
fn column_name(mut col: u64) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// A1-style reference → 0-based (row, column), as the workbook reader reads it; `None` when it is
/// not one.
fn cell_ref(r: &[u8]) -> Option<(u64, u64)> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (col, row) = r.split_at(letters);
    if letters == 0 || letters > 4 || row.is_empty() || row.len() > 10 || !row.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let col = col.iter().fold(0u64, |acc, b| acc * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1)) - 1;
    let row: u64 = std::str::from_utf8(row).ok()?.parse().ok()?;
    Some((row.checked_sub(1)?, col))
}

/// Checks one archive entry, before the workbook reader sees it, for what would make that reader
/// allocate without bound: cells (with content) whose references lie far apart, since the sheet's
/// grid is allocated from the first to the last; and a shared-strings count far above the strings
/// present, since room for that many is reserved. Every entry is checked whatever its name, since
/// the workbook's relationships may name any part as a sheet. A part that is not XML is left to
/// the reader.
fn prescan_part(part: &str, xml: &[u8]) -> Result<(), XlsxError> {
    use quick_xml::events::Event;
    if !xml.iter().take(512).any(|&b| b == b'<') {
        return Ok(());
    }
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    // Bounding box of cells with content: (min row, min col, max row, max col).
    let mut bbox: Option<(u64, u64, u64, u64)> = None;
    let (mut row, mut next_col) = (0u64, 0u64);
    let mut started_rows = false;
    let mut declared: Vec<(&'static str, u64)> = Vec::new();
    let mut strings = 0u64;
    loop {
        let (event, empty) = match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {
                buf.clear();
                continue;
            }
        };
        let attr = |name: &str| {
            event.attributes().flatten().find(|a| a.key.local_name().as_ref() == name).map(|a| a.value.into_owned())
        };
        match event.local_name().as_ref() {
            "row" => {
                row = match attr("r").and_then(|r| r.trim().parse::<u64>().ok()) {
                    Some(r) => r.saturating_sub(1),
                    None if started_rows => row + 1,
                    None => 0,
                };
                started_rows = true;
                next_col = 0;
            }
            "c" => {
                let (r, c) = attr("r").and_then(|r| cell_ref(r.as_bytes())).unwrap_or((row, next_col));
                next_col = c + 1;
                if !empty {
                    let b = bbox.get_or_insert((r, c, r, c));
                    *b = (b.0.min(r), b.1.min(c), b.2.max(r), b.3.max(c));
                    let (rows, columns) = (b.2 - b.0 + 1, b.3 - b.1 + 1);
                    let limit = crate::tables::MAX_GRID_CELLS;
                    if rows.saturating_mul(columns) > limit as u64 {
                        return Err(XlsxError::CellsTooFarApart {
                            part: part.to_string(),
                            first: format!("{}{}", column_name(b.1), b.0 + 1),
                            last: format!("{}{}", column_name(b.3), b.2 + 1),
                            rows,
                            columns,
                            limit,
                        });
                    }
                }
            }
            "sst" => {
                for name in ["count", "uniqueCount"] {
                    if let Some(v) = attr(name) {
                        let n = v.trim().parse::<u64>().unwrap_or(0);
                        declared.push((name, n));
                    }
                }
            }
            "si" => strings += 1,
            _ => {}
        }
        buf.clear();
    }
    for (attribute, n) in declared {
        if n > strings && n > MAX_DECLARED_SHARED_STRINGS {
            return Err(XlsxError::SharedStringCount {
                part: part.to_string(),
                attribute,
                declared: n,
                actual: strings,
                limit: MAX_DECLARED_SHARED_STRINGS,
            });
        }
    }
    Ok(())
}

/// A cell's text. A date cell (a number with a date format) is written the way notices write
/// dates, `2024年6月30日` (with the time when it has one), not as the serial number it is stored as.
fn cell_text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.replace("\r\n", "\n"),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(dt) if dt.is_datetime() && (0.0..2_958_466.0).contains(&dt.as_f64()) => {
            let (y, m, d, h, min, _, _) = dt.to_ymd_hms_milli();
            if dt.as_f64().fract() == 0.0 {
                format!("{y}年{m}月{d}日")
            } else {
                format!("{y}年{m}月{d}日 {h:02}:{min:02}")
            }
        }
        other => other.to_string(),
    }
}

/// [`read_xlsx`] with explicit limits on decompressed sizes.
pub fn read_xlsx_with(bytes: &[u8], limits: &crate::Limits) -> Result<(Document, Vec<Diagnostic>), XlsxError> {
    // Inflate every entry once with the archive limits before calamine reads it, whatever its
    // name: a zip bomb is refused here instead of exhausting memory there. Each XML entry is also
    // checked for declared sizes that would make calamine allocate without bound.
    let mut archive = open_archive(bytes)?;
    let mut inflation = crate::input::ooxml::Inflation::new(limits);
    for index in 0..archive.len() {
        let (name, part) = read_entry(&mut archive, index, &mut inflation)?;
        prescan_part(&name, &part)?;
    }
    drop(archive);
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).map_err(XlsxError::Workbook)?;
    let mut text_blocks = Vec::new();
    let mut table_blocks = Vec::new();
    for (sheet_no, sheet) in book.sheet_names().into_iter().enumerate() {
        let page = sheet_no as u32 + 1;
        let range = book
            .worksheet_range(&sheet)
            .map_err(|e| XlsxError::Sheet { sheet: sheet.clone(), message: e.to_string() })?;
        let Some((row0, col0)) = range.start() else { continue };
        let (height, width) = range.get_size();
        if height.saturating_mul(width) > crate::tables::MAX_GRID_CELLS {
            return Err(XlsxError::TooLarge {
                sheet,
                rows: height,
                columns: width,
                limit: crate::tables::MAX_GRID_CELLS,
            });
        }
        let merges = book
            .merge_cells_by_sheet_name(&sheet)
            .map_err(|e| XlsxError::Sheet { sheet: sheet.clone(), message: e.to_string() })?;
        // Top-left of each merge → (row span, column span); every other covered position is skipped.
        let mut spans: HashMap<(usize, usize), (u32, u32)> = HashMap::new();
        let mut covered: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
        let mut merged_positions = 0usize;
        for m in &merges {
            let (r0, c0) = (m.start.0.saturating_sub(row0) as usize, m.start.1.saturating_sub(col0) as usize);
            let (r1, c1) = (
                (m.end.0.saturating_sub(row0) as usize).min(height.saturating_sub(1)),
                (m.end.1.saturating_sub(col0) as usize).min(width.saturating_sub(1)),
            );
            if r1 < r0 || c1 < c0 || spans.contains_key(&(r0, c0)) || covered.contains(&(r0, c0)) {
                continue;
            }
            merged_positions += (r1 - r0 + 1) * (c1 - c0 + 1);
            if merged_positions > 4 * crate::tables::MAX_GRID_CELLS {
                return Err(XlsxError::TooManyMergedCells { sheet, limit: 4 * crate::tables::MAX_GRID_CELLS });
            }
            spans.insert((r0, c0), ((r1 - r0 + 1) as u32, (c1 - c0 + 1) as u32));
            for r in r0..=r1 {
                for c in c0..=c1 {
                    if (r, c) != (r0, c0) {
                        covered.insert((r, c));
                    }
                }
            }
        }
        let origin = Origin { page, line: None };
        let mut rows: Vec<Row> = Vec::new();
        for r in 0..height {
            let mut cells = Vec::new();
            for c in 0..width {
                if covered.contains(&(r, c)) {
                    continue;
                }
                let text = range.get((r, c)).map(cell_text).unwrap_or_default();
                let (row_span, col_span) = spans.get(&(r, c)).copied().unwrap_or((1, 1));
                cells.push(Cell { text: RichText::plain(text), col_span, row_span, bbox: None });
            }
            rows.push(Row { cells, origin });
        }
        if width < 2 || height < 2 {
            for row in rows {
                for cell in row.cells.into_iter().filter(|c| !c.text.is_blank()) {
                    for line in cell.text.to_plain().split('\n').filter(|l| !l.trim().is_empty()) {
                        text_blocks.push(Block::Paragraph { text: RichText::plain(line.trim()), origin });
                    }
                }
            }
            continue;
        }
        // Title rows merged across the whole sheet, above the table.
        while rows.len() > 1 && rows[0].cells.len() == 1 && rows[0].cells[0].col_span as usize == width {
            let title = rows.remove(0).cells.remove(0).text;
            if !title.is_blank() {
                table_blocks.push(Block::Heading { level: 2, text: title, origin });
            }
        }
        rows.retain(|r| r.cells.iter().any(|c| !c.text.is_blank()) || r.cells.iter().any(|c| c.row_span > 1));
        if !rows.is_empty() {
            table_blocks.push(Block::Table(Table { rows }));
        }
    }
    text_blocks.extend(table_blocks);
    Ok((Document { pages: 1, blocks: text_blocks, ..Document::default() }, Vec::new()))
}
