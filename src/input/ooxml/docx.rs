//! Stage 2 (front-end), `docx`: Word documents (Office Open XML) into the document model.
//!
//! `word/document.xml` is read with quick-xml as a stream of events. DOCX carries the table's true
//! structure, so nothing is guessed from geometry: `w:gridSpan` is a column span, `w:vMerge`
//! restart/continue a row span, several `w:p` or a `w:br` in a cell are line breaks, bold comes from
//! `w:b` in a run's properties (so a task's title is its bold lead-in). Text is taken from `w:t`,
//! `w:tab`, `w:sym`, field results and hyperlinks; inserted revisions (`w:ins`) are kept, deleted
//! ones (`w:del`) dropped, field instructions (`w:instrText`) skipped. A table nested in a cell
//! is read as lines of that cell. Hyperlink targets come from `word/_rels/document.xml.rels`, the
//! title fallback from `docProps/core.xml`.
//!
//! The archive is read in memory with limits on entries and decompressed sizes; nothing is written
//! to disk, so entry names cannot escape anywhere.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::{open_archive, read_part, ArchiveError, Inflation};
use crate::diag::Diagnostic;
use crate::model::{Block, Cell, DocProperties, Document, Link, Origin, RichText, Row, Run, Table};

/// Why a DOCX could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocxError {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error("the archive has no {part}: not a Word document")]
    MissingPart { part: String },
    #[error("{part} is not valid UTF-8 XML")]
    NotUtf8 { part: String },
    #[error("{part}: malformed XML at byte {offset}: {message}")]
    Xml { part: String, offset: u64, message: String },
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Explicit1_0).ok().map(|v| v.into_owned()))
}

/// `w:b`, `w:vMerge` and similar toggles: on unless `w:val` says 0/false/off.
fn toggle_on(e: &BytesStart) -> bool {
    !matches!(attr(e, "w:val").as_deref(), Some("0" | "false" | "off" | "none"))
}

fn xml_error(part: &str, reader: &Reader<&[u8]>, e: impl std::fmt::Display) -> DocxError {
    DocxError::Xml { part: part.to_string(), offset: reader.buffer_position(), message: e.to_string() }
}

#[cfg(test)]
/// Reads a DOCX into the document model.
pub fn read_docx(bytes: &[u8]) -> Result<(Document, Vec<Diagnostic>), DocxError> {
    read_docx_with(bytes, &crate::Limits::default())
}

/// [`read_docx`] with explicit limits on decompressed sizes.
pub fn read_docx_with(bytes: &[u8], limits: &crate::Limits) -> Result<(Document, Vec<Diagnostic>), DocxError> {
    let mut inflation = Inflation::new(limits);
    let mut archive = open_archive(bytes)?;
    let xml = read_part(&mut archive, "word/document.xml", &mut inflation)?
        .ok_or_else(|| DocxError::MissingPart { part: "word/document.xml".into() })?;
    let rels = read_part(&mut archive, "word/_rels/document.xml.rels", &mut inflation)?
        .map(|r| relationships(&r))
        .unwrap_or_default();
    let title = read_part(&mut archive, "docProps/core.xml", &mut inflation)?.and_then(|c| core_title(&c));
    let mut builder = Builder { rels, ..Builder::default() };
    builder.parse(&xml)?;
    let mut diags = Vec::new();
    let links = crate::input::links::keep_allowed(builder.links, &mut diags);
    let doc = Document {
        pages: builder.page,
        blocks: builder.blocks,
        links,
        properties: DocProperties { title, ..Default::default() },
    };
    Ok((doc, diags))
}

/// Hyperlink relationship id → target.
fn relationships(xml: &str) -> HashMap<String, String> {
    let mut reader = Reader::from_str(xml);
    let mut map = HashMap::new();
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                    map.insert(id, target);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    map
}

fn core_title(xml: &str) -> Option<String> {
    let mut reader = Reader::from_str(xml);
    let mut in_title = false;
    let mut title = String::new();
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Start(e) if e.name().as_ref() == "dc:title" => in_title = true,
            Event::End(e) if e.name().as_ref() == "dc:title" => break,
            Event::Text(t) if in_title => title.push_str(&t.xml_content(quick_xml::XmlVersion::Explicit1_0)),
            Event::Eof => break,
            _ => {}
        }
    }
    let title = title.trim().to_string();
    (!title.is_empty()).then_some(title)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum VMerge {
    None,
    Restart,
    Continue,
}

struct CellBuild {
    runs: Vec<Run>,
    col_span: u32,
    vmerge: VMerge,
    paragraphs: usize,
}

#[derive(Default)]
struct TableBuild {
    rows: Vec<Row>,
    row: Option<Vec<Cell>>,
    /// Grid column where the next cell of the current row starts.
    grid_col: usize,
    cell: Option<CellBuild>,
    /// Grid column → (row index, cell index) of the vertically merged cell open there.
    open_merges: HashMap<usize, (usize, usize)>,
    /// Grid columns each cell of the current row starts at, by cell index.
    cell_cols: Vec<usize>,
}

#[derive(Default)]
struct Builder {
    rels: HashMap<String, String>,
    blocks: Vec<Block>,
    links: Vec<Link>,
    page: u32,
    tables: Vec<TableBuild>,
    /// Depth of tables nested inside a cell, read as lines of that cell.
    nested: usize,
    para: Vec<Run>,
    heading: Option<u8>,
    in_rpr: bool,
    run_bold: bool,
    in_text: bool,
    /// Open elements whose content is skipped (`w:del`, `w:instrText`, …).
    skip: usize,
    link: Option<(String, String)>,
}

impl Builder {
    fn parse(&mut self, xml: &str) -> Result<(), DocxError> {
        self.page = 1;
        let part = "word/document.xml";
        let mut reader = Reader::from_str(xml);
        loop {
            let event = reader.read_event().map_err(|e| xml_error(part, &reader, e))?;
            match event {
                Event::Start(e) => {
                    let name = e.name();
                    if self.skip > 0 || matches!(name.as_ref(), "w:del" | "w:instrText" | "w:delText" | "w:moveFrom") {
                        self.skip += 1;
                        continue;
                    }
                    self.start(&e, false);
                }
                Event::Empty(e) if self.skip == 0 => self.start(&e, true),
                Event::End(e) => {
                    if self.skip > 0 {
                        self.skip -= 1;
                        continue;
                    }
                    self.end(e.name().as_ref());
                }
                Event::Text(t) if self.in_text && self.skip == 0 => {
                    let text = t.xml_content(quick_xml::XmlVersion::Explicit1_0).into_owned();
                    self.push_text(&text);
                }
                Event::GeneralRef(r) if self.in_text && self.skip == 0 => {
                    let text = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => quick_xml::escape::unescape(&format!("&{};", &*r))
                            .map(|s| s.into_owned())
                            .unwrap_or_default(),
                    };
                    self.push_text(&text);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        self.flush_paragraph();
        Ok(())
    }

    fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some((_, link_text)) = self.link.as_mut() {
            link_text.push_str(text);
        }
        let bold = self.run_bold;
        match self.para.last_mut() {
            Some(last) if last.bold == bold => last.text.push_str(text),
            _ => self.para.push(Run { text: text.to_string(), bold }),
        }
    }

    fn start(&mut self, e: &BytesStart, empty: bool) {
        match e.name().as_ref() {
            "w:p" if !empty => {
                self.para.clear();
                self.heading = None;
            }
            "w:pStyle" => {
                let style = attr(e, "w:val").unwrap_or_default().to_ascii_lowercase();
                self.heading = match style.strip_prefix("heading").map(str::trim) {
                    Some(n) => n.parse::<u8>().ok().filter(|n| (1..=9).contains(n)),
                    None if style == "title" => Some(1),
                    None => None,
                };
            }
            "w:r" if !empty => self.run_bold = false,
            "w:rPr" if !empty => self.in_rpr = true,
            "w:b" if self.in_rpr => self.run_bold = toggle_on(e),
            "w:t" if !empty => self.in_text = true,
            "w:tab" if !self.in_rpr => self.push_text(" "),
            "w:br" => {
                if attr(e, "w:type").as_deref() == Some("page") {
                    self.page += 1;
                } else {
                    self.push_text("\n");
                }
            }
            "w:cr" => self.push_text("\n"),
            "w:sym" => {
                if let Some(c) =
                    attr(e, "w:char").and_then(|h| u32::from_str_radix(&h, 16).ok()).and_then(char::from_u32)
                {
                    self.push_text(&c.to_string());
                }
            }
            "w:hyperlink" if !empty => {
                let target = attr(e, "r:id")
                    .and_then(|id| self.rels.get(&id).cloned())
                    .or_else(|| attr(e, "w:anchor").map(|a| format!("#{a}")));
                self.link = target.map(|t| (t, String::new()));
            }
            "w:tbl" if !empty => {
                if self.tables.last().is_some_and(|t| t.cell.is_some()) || self.nested > 0 {
                    self.nested += 1;
                } else {
                    self.flush_paragraph();
                    self.tables.push(TableBuild::default());
                }
            }
            "w:gridBefore" if self.nested == 0 => {
                let n = attr(e, "w:val").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0).min(64);
                if let Some(t) = self.tables.last_mut() {
                    let row = t.row.get_or_insert_with(Vec::new);
                    for _ in 0..n {
                        row.push(Cell::new(RichText::default()));
                        t.cell_cols.push(t.grid_col);
                        t.grid_col += 1;
                    }
                }
            }
            "w:tr" if !empty && self.nested == 0 => {
                if let Some(t) = self.tables.last_mut() {
                    t.row = Some(Vec::new());
                    t.grid_col = 0;
                    t.cell_cols.clear();
                }
            }
            "w:tc" if !empty && self.nested == 0 => {
                if let Some(t) = self.tables.last_mut() {
                    t.cell = Some(CellBuild { runs: Vec::new(), col_span: 1, vmerge: VMerge::None, paragraphs: 0 });
                }
            }
            "w:gridSpan" if self.nested == 0 => {
                let span = attr(e, "w:val").and_then(|v| v.parse::<u32>().ok()).unwrap_or(1).clamp(1, 1000);
                if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    cell.col_span = span;
                }
            }
            "w:vMerge" if self.nested == 0 => {
                let kind =
                    if attr(e, "w:val").as_deref() == Some("restart") { VMerge::Restart } else { VMerge::Continue };
                if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    cell.vmerge = kind;
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "w:t" => self.in_text = false,
            "w:rPr" => self.in_rpr = false,
            "w:p" => self.end_paragraph(),
            "w:hyperlink" => {
                if let Some((href, text)) = self.link.take() {
                    self.links.push(Link { text: text.trim().to_string(), href });
                }
            }
            "w:tc" if self.nested == 0 => self.end_cell(),
            "w:tr" if self.nested == 0 => self.end_row(),
            "w:tbl" => {
                if self.nested > 0 {
                    self.nested -= 1;
                } else if let Some(mut t) = self.tables.pop() {
                    if let Some(row) = t.row.take() {
                        t.rows.push(Row { cells: row, origin: Origin { page: self.page, line: None } });
                    }
                    if !t.rows.is_empty() {
                        self.blocks.push(Block::Table(Table { rows: t.rows }));
                    }
                }
            }
            _ => {}
        }
    }

    /// A paragraph ends: inside a cell it becomes a line of the cell, else a block.
    fn end_paragraph(&mut self) {
        let runs = std::mem::take(&mut self.para);
        if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
            if runs.iter().all(|r| r.text.trim().is_empty()) {
                return;
            }
            if cell.paragraphs > 0 {
                cell.runs.push(Run::plain("\n"));
            }
            cell.paragraphs += 1;
            cell.runs.extend(runs);
            return;
        }
        self.para = runs;
        self.flush_paragraph();
    }

    fn flush_paragraph(&mut self) {
        let runs = std::mem::take(&mut self.para);
        if runs.iter().all(|r| r.text.trim().is_empty()) {
            return;
        }
        let text = RichText { runs };
        let origin = Origin { page: self.page, line: None };
        self.blocks.push(match self.heading.take() {
            Some(level) => Block::Heading { level, text, origin },
            None => Block::Paragraph { text, origin },
        });
    }

    fn end_cell(&mut self) {
        let Some(t) = self.tables.last_mut() else { return };
        let Some(cell) = t.cell.take() else { return };
        let col = t.grid_col;
        t.grid_col += cell.col_span as usize;
        let row_index = t.rows.len();
        let row = t.row.get_or_insert_with(Vec::new);
        match cell.vmerge {
            VMerge::Continue => {
                if let Some(&(r, c)) = t.open_merges.get(&col) {
                    // The merged cell grows by this row; this cell adds no position of its own.
                    let target = if r == row_index {
                        row.get_mut(c)
                    } else {
                        t.rows.get_mut(r).and_then(|rw| rw.cells.get_mut(c))
                    };
                    if let Some(target) = target {
                        target.row_span += 1;
                        return;
                    }
                }
                // A continuation with nothing to continue: keep it as an ordinary cell.
                t.cell_cols.push(col);
                row.push(Cell { text: RichText { runs: cell.runs }, col_span: cell.col_span, row_span: 1, bbox: None });
            }
            vmerge => {
                for c in col..col + cell.col_span as usize {
                    t.open_merges.remove(&c);
                }
                if vmerge == VMerge::Restart {
                    t.open_merges.insert(col, (row_index, row.len()));
                }
                t.cell_cols.push(col);
                row.push(Cell { text: RichText { runs: cell.runs }, col_span: cell.col_span, row_span: 1, bbox: None });
            }
        }
    }

    fn end_row(&mut self) {
        let page = self.page;
        if let Some(t) = self.tables.last_mut() {
            if let Some(cells) = t.row.take() {
                t.rows.push(Row { cells, origin: Origin { page, line: None } });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal document part wrapped in a zip, for constructs the fixtures do not cover.
    fn docx_with(body: &str) -> Vec<u8> {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>{body}</w:body></w:document>"#
        );
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, xml.as_bytes()).unwrap();
        zip.finish().unwrap();
        out.into_inner()
    }

    fn texts(doc: &Document) -> Vec<String> {
        doc.text_blocks().map(|(t, _, _)| t).collect()
    }

    #[test]
    fn revisions_fields_symbols_and_breaks() {
        let body = r#"<w:p><w:r><w:t xml:space="preserve">保留 </w:t></w:r><w:ins><w:r><w:t>插入</w:t></w:r></w:ins><w:del><w:r><w:delText>删除</w:delText></w:r></w:del><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:tab/><w:t>A&amp;B</w:t><w:br/><w:t>下一行</w:t></w:r></w:p>"#;
        let (doc, _) = read_docx(&docx_with(body)).unwrap();
        assert_eq!(texts(&doc), ["保留 插入3 A&B\n下一行"]);
    }

    #[test]
    fn bold_runs_and_merged_cells() {
        let body = r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>序号</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>任务</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>一、节</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:rPr><w:b w:val="0"/></w:rPr><w:t>a</w:t></w:r></w:p><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#;
        let (doc, _) = read_docx(&docx_with(body)).unwrap();
        let Block::Table(t) = &doc.blocks[0] else { panic!("a table") };
        assert_eq!(t.rows[1].cells[0].col_span, 2);
        assert!(t.rows[1].cells[0].text.is_all_bold());
        assert_eq!(t.rows[2].cells[0].row_span, 2);
        assert_eq!(t.rows[2].cells[1].text.to_plain(), "a\nb");
        assert!(!t.rows[2].cells[1].text.runs[0].bold);
        assert_eq!(t.rows[3].cells.len(), 1, "the continued cell adds no cell of its own");
    }

    #[test]
    fn broken_archives_are_clear_errors() {
        assert!(matches!(read_docx(b"PK\x03\x04 truncated"), Err(DocxError::Archive(ArchiveError::Zip(_)))));
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file("other.xml", zip::write::SimpleFileOptions::default()).unwrap();
        zip.finish().unwrap();
        assert!(matches!(read_docx(&out.into_inner()), Err(DocxError::MissingPart { .. })));
        assert!(matches!(read_docx(&docx_with("<w:p><w:r><w:t>未闭合")), Err(DocxError::Xml { .. })));
    }
}
