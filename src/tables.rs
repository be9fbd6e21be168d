//! Stage 3, `table`: turn the tables of a [`Document`] into rectangular grids and stitch tables
//! that a page break cut apart.
//!
//! Assumptions: a table that continues on the next page is either preceded by nothing but page
//! furniture (page numbers) since the previous table, and has the same number of columns. Its first
//! row, if it repeats the header, is dropped; its first body row, if its first (sequence) cell is
//! empty, continues the previous page's last row and is appended to it, cell by cell, with no
//! separator (the splitter and the ledger handle a join without separators).

use crate::diag::{Diagnostic, Location};
use crate::model::{BBox, Block, Document, RichText, Row, Run};
use crate::normalize::without_whitespace;

/// Upper bound on the cells of one grid (rows × columns), so a hostile span cannot exhaust memory.
pub const MAX_GRID_CELLS: usize = 1_000_000;
/// Upper bound on a table's columns; no ledger comes near it.
pub const MAX_GRID_COLUMNS: usize = 1_000;

/// One position of a grid. `anchor` is the (row, column) of the source cell the text came from:
/// the cell's own position unless a row or column span copied it here. `fragments` are the
/// page boxes the text came from, for sources with geometry: one, or more when a page break cut
/// the cell and stitching joined the parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridCell {
    pub text: RichText,
    pub anchor: (usize, usize),
    pub fragments: Vec<Fragment>,
}

/// A part of a cell on one page: the page and the cell's box there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment {
    pub page: u32,
    pub bbox: BBox,
}

/// A body row of a stitched table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridRow {
    pub cells: Vec<GridCell>,
    /// 1-based index among the body rows of the stitched table (header excluded).
    pub index: u32,
    /// First and last page the row's content is on.
    pub pages: (u32, u32),
    /// The line of a line-oriented source where the row starts.
    pub line: Option<u32>,
}

/// A table after span expansion and page stitching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    pub columns: usize,
    /// The header row's cells as plain text, one per column.
    pub header: Vec<String>,
    /// The header row itself (the table's first row).
    pub header_row: GridRow,
    pub header_page: u32,
    pub rows: Vec<GridRow>,
}

impl Grid {
    /// This grid read as if it had no header: its first row becomes body row 1.
    pub fn with_header_as_row(&self) -> Grid {
        let mut rows = Vec::with_capacity(self.rows.len() + 1);
        rows.push(self.header_row.clone());
        rows.extend(self.rows.iter().cloned());
        for (i, r) in rows.iter_mut().enumerate() {
            r.index = i as u32 + 1;
        }
        Grid { rows, ..self.clone() }
    }
}

/// Why tables could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    #[error("table on page {page} would need {rows} rows × {columns} columns, above the limit of {limit} cells")]
    TooLarge { page: u32, rows: usize, columns: usize, limit: usize },
}

/// Expands every table of `doc` into a grid and stitches continuations across pages. Returns the
/// grids in document order and the diagnostics raised on the way.
pub fn stitch_pages(doc: &Document) -> Result<(Vec<Grid>, Vec<Diagnostic>), TableError> {
    let mut diags = Vec::new();
    let mut grids: Vec<Grid> = Vec::new();
    // Whether the last grid may still be continued by the next table.
    let mut open = false;
    for block in &doc.blocks {
        match block {
            Block::Table(table) if !table.rows.is_empty() => {
                let rows = expand_spans(&table.rows, &mut diags)?;
                match grids.last_mut() {
                    Some(prev) if open && continues(prev, &rows, table.rows[0].origin.page) => {
                        append_continuation(prev, rows, &table.rows, &mut diags);
                    }
                    _ => grids.push(new_grid(rows, &table.rows)),
                }
                open = true;
            }
            Block::Table(_) => {}
            Block::Paragraph { text, .. } | Block::Heading { text, .. } => {
                if !is_page_furniture(&text.to_plain()) {
                    open = false;
                }
            }
        }
    }
    Ok((grids, diags))
}

/// Text that sits between table parts only because of pagination: page numbers such as `- 3 -`,
/// `3`, `第3页` or `第 3 页 共 9 页`.
pub fn is_page_furniture(text: &str) -> bool {
    if is_print_furniture(text) {
        return true;
    }
    let t = without_whitespace(text);
    if t.is_empty() {
        return true;
    }
    let core = t.trim_matches(|c| matches!(c, '-' | '—' | '－' | '–'));
    if !core.is_empty() && core.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    // Compared as it is read: most cells are text that matches none of these.
    let stripped = || core.chars().filter(|c| !c.is_ascii_digit() && *c != '/');
    ["第页", "第页共页", "页", "Page", "Pageof", "续表", "续上表", "（续表）", "(续表)"]
        .iter()
        .any(|furniture| stripped().eq(furniture.chars()))
}

/// A line a browser prints above or below each page of a saved web page: a time stamp with the
/// page's title (`11/29/26, 10:42 PM 关于…`, `2023/11/29 10:32`), the page's address with a page
/// counter (`file:///…/notice.html 1/7`), a bare counter (`3/7`).
pub fn is_print_furniture(text: &str) -> bool {
    // Every alternative starts with a digit or with `file`/`http` (`ﬁle` with a ligature) and
    // holds a `/` or a `:`: most lines are refused here, and a notice without such a line never
    // compiles the pattern.
    let first = text.trim_start().chars().next();
    if !first.is_some_and(|c| c.is_numeric() || matches!(c, 'f' | 'h' | '\u{FB01}' | '\u{FB02}'))
        || !text.contains(['/', ':'])
    {
        return false;
    }
    static RE: std::sync::OnceLock<crate::pattern::RareRegex> = std::sync::OnceLock::new();
    let re = crate::pattern::rare(&RE, || PRINT_FURNITURE.to_string());
    // Fonts map `fi` and `fl` to ligature glyphs (ﬁle:///).
    re.is_match(&text.replace('\u{FB01}', "fi").replace('\u{FB02}', "fl"))
}

/// A browser's print furniture, for [`is_print_furniture`].
pub(crate) const PRINT_FURNITURE: &str = r"(?x)^\s*(?:
    \d{1,4}[/-]\d{1,2}[/-]\d{1,4},?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?   # 11/29/26, 10:42 PM …
  | (?:file|https?)://\S+(?:\s+\d{1,4}\s*/\s*\d{1,4})?\s*$                  # file:///x.html 1/7
  | \d{1,4}\s*/\s*\d{1,4}\s*$                                                  # 3/7
)";

fn plain_row(cells: &[GridCell]) -> Vec<String> {
    cells.iter().map(|c| without_whitespace(&c.text.to_plain())).collect()
}

fn new_grid(mut rows: Vec<Vec<GridCell>>, src: &[Row]) -> Grid {
    let columns = rows.first().map_or(0, Vec::len);
    let header_cells = rows.remove(0);
    let header = header_cells.iter().map(|c| c.text.to_plain().trim().to_string()).collect();
    let origin = src[0].origin;
    let header_row = GridRow { cells: header_cells, index: 0, pages: (origin.page, origin.page), line: origin.line };
    let mut grid = Grid { columns, header, header_row, header_page: origin.page, rows: Vec::new() };
    for (cells, row) in rows.into_iter().zip(&src[1..]) {
        push_row(&mut grid, cells, row);
    }
    grid
}

fn push_row(grid: &mut Grid, cells: Vec<GridCell>, row: &Row) {
    let index = grid.rows.len() as u32 + 1;
    grid.rows.push(GridRow { cells, index, pages: (row.origin.page, row.origin.page), line: row.origin.line });
}

/// A table continues `prev` when it starts on a later page and has the same width.
fn continues(prev: &Grid, rows: &[Vec<GridCell>], page: u32) -> bool {
    let last_page = prev.rows.last().map_or(prev.header_page, |r| r.pages.1);
    page > last_page && rows.first().is_some_and(|r| r.len() == prev.columns)
}

fn append_continuation(prev: &mut Grid, mut rows: Vec<Vec<GridCell>>, src: &[Row], diags: &mut Vec<Diagnostic>) {
    // Anchors name source cells: the continuation's rows come after every row so far, so that a
    // cell of this page is never taken for one merged down from the last page.
    let offset = prev.rows.iter().flat_map(|r| r.cells.iter().map(|c| c.anchor.0)).max().unwrap_or(0) + 1;
    for cell in rows.iter_mut().flatten() {
        cell.anchor.0 += offset;
    }
    let header: Vec<String> = prev.header.iter().map(|h| without_whitespace(h)).collect();
    let mut pairs = rows.into_iter().zip(src).peekable();
    if pairs.peek().is_some_and(|(cells, _)| plain_row(cells) == header) {
        pairs.next();
    }
    let mut first = true;
    for (cells, row) in pairs {
        let seq_blank = cells.first().is_none_or(|c| c.text.is_blank());
        let has_content = cells.iter().any(|c| !c.text.is_blank());
        if first && seq_blank && has_content && !prev.rows.is_empty() {
            let last = prev.rows.last_mut().expect("checked non-empty");
            for (into, from) in last.cells.iter_mut().zip(cells) {
                into.text.runs.extend(from.text.runs);
                into.fragments.extend(from.fragments);
            }
            last.pages.1 = row.origin.page;
            diags.push(Diagnostic::info(
                crate::diag::DiagnosticKind::RowContinued,
                format!(
                    "the first row on page {} has an empty sequence cell and continues row {} from page {}",
                    row.origin.page, last.index, last.pages.0
                ),
                Location {
                    page: Some(row.origin.page),
                    row: Some(last.index),
                    line: row.origin.line,
                    ..Default::default()
                },
            ));
        } else {
            push_row(prev, cells, row);
        }
        first = false;
    }
}

/// Expands row and column spans into a rectangle. A spanned position gets a copy of the source
/// cell's text and the source's anchor. Rows shorter than the widest are padded with empty cells.
fn expand_spans(rows: &[Row], diags: &mut Vec<Diagnostic>) -> Result<Vec<Vec<GridCell>>, TableError> {
    let page = rows[0].origin.page;
    let width =
        rows.iter().map(|r| r.cells.iter().map(|c| c.col_span.max(1) as usize).sum::<usize>()).max().unwrap_or(0);
    if width > MAX_GRID_COLUMNS || width.saturating_mul(rows.len()) > MAX_GRID_CELLS {
        return Err(TableError::TooLarge { page, rows: rows.len(), columns: width, limit: MAX_GRID_CELLS });
    }
    let mut grid: Vec<Vec<Option<GridCell>>> = vec![vec![None; width]; rows.len()];
    for (r, row) in rows.iter().enumerate() {
        let mut c = 0;
        for cell in &row.cells {
            while c < width && grid[r][c].is_some() {
                c += 1;
            }
            if c >= width {
                diags.push(Diagnostic::warning(
                    crate::diag::DiagnosticKind::SpanOverlap,
                    "a cell falls outside the table after expanding the spans above it; its text was appended to the row's last cell",
                    Location { page: Some(row.origin.page), line: row.origin.line, ..Default::default() },
                ));
                if let Some(Some(last)) = grid[r].last_mut() {
                    last.text.runs.push(Run::plain("\n"));
                    last.text.runs.extend(cell.text.runs.iter().cloned());
                }
                continue;
            }
            let col_span = (cell.col_span.max(1) as usize).min(width - c);
            let row_span = (cell.row_span.max(1) as usize).min(rows.len() - r);
            for grid_row in &mut grid[r..r + row_span] {
                for slot in &mut grid_row[c..c + col_span] {
                    if slot.is_none() {
                        let fragments =
                            cell.bbox.map(|bbox| Fragment { page: row.origin.page, bbox }).into_iter().collect();
                        *slot = Some(GridCell { text: cell.text.clone(), anchor: (r, c), fragments });
                    }
                }
            }
            c += col_span;
        }
    }
    Ok(grid
        .into_iter()
        .enumerate()
        .map(|(r, row)| {
            row.into_iter()
                .enumerate()
                .map(|(c, cell)| {
                    cell.unwrap_or(GridCell { text: RichText::default(), anchor: (r, c), fragments: Vec::new() })
                })
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cell, Origin, Table};

    fn row(page: u32, cells: &[&str]) -> Row {
        Row {
            cells: cells.iter().map(|c| Cell::new(RichText::plain(*c))).collect(),
            origin: Origin { page, line: None },
        }
    }

    fn texts(g: &Grid) -> Vec<Vec<String>> {
        g.rows.iter().map(|r| r.cells.iter().map(|c| c.text.to_plain()).collect()).collect()
    }

    #[test]
    fn repeated_headers_are_dropped_and_continuations_joined() {
        let doc = Document {
            pages: 3,
            links: Vec::new(),
            properties: Default::default(),
            blocks: vec![
                Block::Table(Table { rows: vec![row(1, &["序号", "任务"]), row(1, &["1", "甲的前半"])] }),
                Block::Paragraph { text: RichText::plain("- 1 -"), origin: Origin { page: 1, line: None } },
                Block::Table(Table {
                    rows: vec![row(2, &["序号", "任务"]), row(2, &["", "后半"]), row(2, &["2", "乙"])],
                }),
                Block::Table(Table { rows: vec![row(3, &["3", "丙"])] }),
            ],
        };
        let (grids, diags) = stitch_pages(&doc).unwrap();
        assert_eq!(grids.len(), 1);
        assert_eq!(texts(&grids[0]), vec![vec!["1", "甲的前半后半"], vec!["2", "乙"], vec!["3", "丙"]]);
        assert_eq!(grids[0].rows[0].pages, (1, 2));
        assert_eq!(grids[0].rows[2].index, 3);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].kind, "row-continued");
    }

    #[test]
    fn a_paragraph_between_tables_keeps_them_apart() {
        let doc = Document {
            pages: 2,
            links: Vec::new(),
            properties: Default::default(),
            blocks: vec![
                Block::Table(Table { rows: vec![row(1, &["a", "b"]), row(1, &["1", "x"])] }),
                Block::Paragraph { text: RichText::plain("附件2"), origin: Origin { page: 2, line: None } },
                Block::Table(Table { rows: vec![row(2, &["a", "b"]), row(2, &["1", "y"])] }),
            ],
        };
        assert_eq!(stitch_pages(&doc).unwrap().0.len(), 2);
    }

    #[test]
    fn spans_are_copied_into_every_position() {
        let mut merged = Cell::new(RichText::plain("节"));
        merged.col_span = 2;
        let mut tall = Cell::new(RichText::plain("竖"));
        tall.row_span = 2;
        let rows = vec![
            Row { cells: vec![merged], origin: Origin::default() },
            Row { cells: vec![tall, Cell::new(RichText::plain("a"))], origin: Origin::default() },
            Row { cells: vec![Cell::new(RichText::plain("b"))], origin: Origin::default() },
        ];
        let grid = expand_spans(&rows, &mut Vec::new()).unwrap();
        assert_eq!(grid[0][1].text.to_plain(), "节");
        assert_eq!(grid[0][1].anchor, (0, 0));
        assert_eq!(grid[2][0].text.to_plain(), "竖");
        assert_eq!(grid[2][1].text.to_plain(), "b");
    }

    #[test]
    fn page_furniture() {
        assert!(is_page_furniture("- 12 -"));
        assert!(is_page_furniture("第 3 页 共 9 页"));
        assert!(!is_page_furniture("附件"));
        assert!(is_page_furniture("\u{FB01}le:///work/notice.html 1/7"));
        assert!(is_page_furniture("11/29/26, 10:42 PM关于印发《台账》的通"));
        assert!(!is_page_furniture("2023年11月29日"));
    }
}
