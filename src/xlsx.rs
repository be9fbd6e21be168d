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

use crate::diag::Diagnostic;
use crate::docx::{open_archive, read_part, DocxError};
use crate::model::{Block, Cell, Document, Origin, RichText, Row, Table};

/// Why a workbook could not be read.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("{0}")]
    Archive(#[from] DocxError),
    #[error("not a readable workbook: {0}")]
    Workbook(String),
    #[error("sheet {sheet:?}: {message}")]
    Sheet { sheet: String, message: String },
    #[error("sheet {sheet:?} spans {rows} rows × {columns} columns, above the limit of {limit} cells")]
    TooLarge { sheet: String, rows: usize, columns: usize, limit: usize },
}

fn cell_text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.replace("\r\n", "\n"),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

/// Reads a workbook into the document model.
pub fn read_xlsx(bytes: &[u8]) -> Result<(Document, Vec<Diagnostic>), XlsxError> {
    read_xlsx_with(bytes, &crate::Limits::default())
}

/// [`read_xlsx`] with explicit limits on decompressed sizes.
pub fn read_xlsx_with(bytes: &[u8], limits: &crate::Limits) -> Result<(Document, Vec<Diagnostic>), XlsxError> {
    // Inflate every part once with the archive limits before calamine reads it: a zip bomb is
    // refused here instead of exhausting memory there.
    let mut archive = open_archive(bytes)?;
    let names: Vec<String> = archive.file_names().filter_map(|n| n.ok().map(|n| n.into_owned())).collect();
    let mut inflation = crate::docx::Inflation::new(limits);
    for name in names.iter().filter(|n| n.ends_with(".xml")) {
        read_part(&mut archive, name, &mut inflation)?;
    }
    let mut book =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).map_err(|e| XlsxError::Workbook(e.to_string()))?;
    let mut text_blocks = Vec::new();
    let mut table_blocks = Vec::new();
    for (sheet_no, sheet) in book.sheet_names().into_iter().enumerate() {
        let page = sheet_no as u32 + 1;
        let range = book
            .worksheet_range(&sheet)
            .map_err(|e| XlsxError::Sheet { sheet: sheet.clone(), message: e.to_string() })?;
        let Some((row0, col0)) = range.start() else { continue };
        let (height, width) = range.get_size();
        if height.saturating_mul(width) > crate::table::MAX_GRID_CELLS {
            return Err(XlsxError::TooLarge {
                sheet,
                rows: height,
                columns: width,
                limit: crate::table::MAX_GRID_CELLS,
            });
        }
        let merges = book
            .merge_cells_by_sheet_name(&sheet)
            .map_err(|e| XlsxError::Sheet { sheet: sheet.clone(), message: e.to_string() })?;
        // Top-left of each merge → (row span, column span); every other covered position is skipped.
        let mut spans: HashMap<(usize, usize), (u32, u32)> = HashMap::new();
        let mut covered: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
        for m in &merges {
            let (r0, c0) = (m.start.0.saturating_sub(row0) as usize, m.start.1.saturating_sub(col0) as usize);
            let (r1, c1) = (
                (m.end.0.saturating_sub(row0) as usize).min(height.saturating_sub(1)),
                (m.end.1.saturating_sub(col0) as usize).min(width.saturating_sub(1)),
            );
            if r1 < r0 || c1 < c0 {
                continue;
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
