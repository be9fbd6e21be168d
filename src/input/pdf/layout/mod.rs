//! Layout: a page's glyphs and rulings into blocks — tables, paragraphs and headings.
//!
//! Coordinates here grow downward from the top of the page ("down"), so sorting by them is reading
//! order. Tables come from rulings ([`lattice`]); a page without rulings is searched for text
//! aligned in columns ([`stream`]). Glyphs go to cells by their centre (binary search over the grid
//! positions), are grouped into lines by baseline and joined with the CJK rules of [`lines`]. Text
//! outside tables becomes paragraphs and headings ([`paragraphs`]). Once every page is laid out,
//! [`pages`] fixes what page breaks cut.

pub(crate) mod lattice;
mod lines;
mod pages;
mod paragraphs;
mod stream;

use crate::diag::{Diagnostic, Location};
use crate::model::{BBox, Block, Cell, Origin, RichText, Row, Table};

use super::content::PageContent;
use lattice::{lattice, HLine, Lattice, VLine};
use lines::{glyph_of, group_lines, join_lines, Placed};
pub(crate) use pages::{carry_spans_across_pages, number_rows_cut_before_their_number};
use paragraphs::paragraphs;
use stream::stream_table;

/// Punctuation that may not start a line, so typesetters let it hang past the right edge of the
/// line (and of a table cell) instead.
pub(super) fn is_closing_punctuation(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '》'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '”'
            | '’'
            | '．'
    ) || matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | ')' | ']')
}

fn placed(content: &PageContent, top: f32) -> Vec<Placed> {
    content
        .glyphs
        .iter()
        .enumerate()
        .map(|(i, g)| Placed {
            x0: g.x,
            x1: g.x + g.width.max(0.0),
            base: top - g.y,
            size: g.size.max(0.1),
            bold: g.bold,
            ink: content.glyph_text(g).chars().any(|c| !c.is_whitespace()),
            index: i as u32,
        })
        .collect()
}

/// Turns one page into blocks in reading order, with the diagnostics of the table method used.
/// `media` is the page's MediaBox `[x0, y0, x1, y1]`; `page` its 1-based number.
/// `text_right` carries the right edge of the text area from page to page (start at `f32::MIN`).
pub(crate) fn layout_page(
    content: &PageContent,
    media: [f32; 4],
    page: u32,
    text_right: &mut f32,
) -> (Vec<Block>, Vec<Diagnostic>) {
    let top = media[3];
    let mut diags = Vec::new();
    let mut horizontal = Vec::new();
    let mut vertical = Vec::new();
    for s in &content.segments {
        if s.y0 == s.y1 {
            horizontal.push(HLine { y: top - s.y0, x0: s.x0, x1: s.x1 });
        } else {
            vertical.push(VLine { x: s.x0, y0: top - s.y1, y1: top - s.y0 });
        }
    }
    let Lattice { grids, has_lines } = lattice(&horizontal, &vertical);

    let mut glyphs = placed(content, top);
    // Without a ruled table on the page every glyph is free text, in order: the loop below would
    // only copy them one by one.
    let mut free = if grids.is_empty() { std::mem::take(&mut glyphs) } else { Vec::new() };
    let mut cell_glyphs: Vec<Vec<Vec<Placed>>> = grids.iter().map(|g| vec![Vec::new(); g.cells.len()]).collect();
    // Where the glyph drawn before went, for punctuation hanging past a cell's edge.
    let mut previous: Option<(Placed, Option<(usize, usize)>)> = None;
    for g in glyphs {
        let (cx, cy) = ((g.x0 + g.x1) / 2.0, g.base - 0.35 * g.size);
        let hanging = previous.filter(|(p, _)| {
            (p.base - g.base).abs() < 0.1 * g.size
                && (g.x0 - p.x1).abs() < 0.2 * g.size
                && content.glyph_text(glyph_of(content, &g)).chars().all(is_closing_punctuation)
        });
        let target = match hanging {
            Some((_, target)) => target,
            None => grids.iter().enumerate().find_map(|(t, grid)| grid.cell_at(cx, cy).map(|cell| (t, cell))),
        };
        match target {
            Some((t, cell)) => cell_glyphs[t][cell].push(g),
            None => free.push(g),
        }
        previous = Some((g, target));
    }

    // (top of the block, block)
    let mut placed_blocks: Vec<(f32, Block)> = Vec::new();
    for (grid, glyphs) in grids.iter().zip(cell_glyphs) {
        let texts: Vec<RichText> = glyphs
            .into_iter()
            .zip(&grid.cells)
            .map(|(g, cell)| {
                let edges = (grid.xs[cell.col], grid.xs[cell.col + cell.col_span]);
                join_lines(&group_lines(g, content), content, true, Some(edges))
            })
            .collect();
        let mut rows: Vec<Row> =
            (0..grid.rows()).map(|_| Row { cells: Vec::new(), origin: Origin { page, line: None } }).collect();
        for (cell, text) in grid.cells.iter().zip(texts) {
            // The cell's box back in user space (the grid's edges are in down coordinates).
            let (x0, x1) = (grid.xs[cell.col], grid.xs[cell.col + cell.col_span]);
            let (d0, d1) = (grid.ys[cell.row], grid.ys[cell.row + cell.row_span]);
            let bbox = Some(BBox::from_points(f64::from(x0), f64::from(top - d1), f64::from(x1), f64::from(top - d0)));
            rows[cell.row].cells.push(Cell {
                text,
                col_span: cell.col_span as u32,
                row_span: cell.row_span as u32,
                bbox,
            });
        }
        diags.push(Diagnostic::info(
            crate::diag::DiagnosticKind::PdfTableMethod,
            format!("page {page}: lattice (from rulings), {} columns × {} rows", grid.columns(), grid.rows()),
            Location::page(page),
        ));
        placed_blocks.push((grid.ys[0], Block::Table(Table { rows })));
    }

    let lines = group_lines(free, content);
    let mut paragraph_lines = lines;
    if grids.is_empty() && !has_lines {
        if let Some((table, first, last, diag)) = stream_table(&paragraph_lines, content, page, top) {
            let table_top = paragraph_lines[first].base - paragraph_lines[first].size;
            placed_blocks.push((table_top, Block::Table(table)));
            diags.push(diag);
            paragraph_lines.drain(first..=last);
        }
    }
    // Every block placed so far is a table.
    let table_tops: Vec<f32> = placed_blocks.iter().map(|(t, _)| *t).collect();
    for (top_of, block) in paragraphs(&paragraph_lines, content, media, page, &table_tops, text_right) {
        placed_blocks.push((top_of, block));
    }
    placed_blocks.sort_by(|a, b| a.0.total_cmp(&b.0));
    (placed_blocks.into_iter().map(|(_, b)| b).collect(), diags)
}

#[cfg(test)]
mod tests {
    use super::super::content::Glyph;
    use super::*;

    /// A page of 10-point glyphs without rulings: `(x, baseline down from the top, text)`, CJK
    /// glyphs one em wide, digits half an em.
    fn borderless_page(lines: &[(f32, f32, &str)]) -> PageContent {
        let mut content = PageContent::default();
        for &(x0, down, text) in lines {
            let mut x = x0;
            for c in text.chars() {
                let start = content.text.len() as u32;
                content.text.push(c);
                let width = if c.is_ascii() { 5.0 } else { 10.0 };
                content.glyphs.push(Glyph {
                    x,
                    y: 600.0 - down,
                    width,
                    size: 10.0,
                    bold: false,
                    text_start: start,
                    text_end: content.text.len() as u32,
                });
                x += width;
            }
        }
        content
    }

    fn texts(block: &Block) -> Vec<Vec<String>> {
        let Block::Table(table) = block else { panic!("not a table: {block:?}") };
        table.rows.iter().map(|r| r.cells.iter().map(|c| c.text.to_plain()).collect()).collect()
    }

    #[test]
    fn stream_columns_six_points_apart() {
        // Columns start at 45, 76, 283, 329 and 364; a cell's text may end 6 points before the next
        // column starts, less than one em, and a full stop hangs into that gap and past it.
        let page = borderless_page(&[
            (150.0, 40.0, "台账标题"),
            (45.0, 70.0, "序号"),
            (76.0, 70.0, "重点任务"),
            (283.0, 70.0, "分管领导"),
            (329.0, 70.0, "牵头"),
            (364.0, 70.0, "实施单位"),
            (329.0, 84.0, "处室"),
            (45.0, 104.0, "一、第一部分的任务"),
            (45.0, 124.0, "1"),
            (76.0, 124.0, "一二三四五六七八九十一二三四五六七八九十"),
            (276.0, 124.0, "。"),
            (283.0, 124.0, "张三"),
            (329.0, 124.0, "思政"),
            (364.0, 124.0, "各高等学校"),
            (76.0, 138.0, "续行"),
            (329.0, 138.0, "处"),
            (45.0, 158.0, "2"),
            (76.0, 158.0, "第二项"),
            (283.0, 158.0, "李四"),
            (329.0, 158.0, "高教"),
            (329.0, 172.0, "处"),
        ]);
        let (blocks, diags) = layout_page(&page, [0.0, 0.0, 800.0, 600.0], 2, &mut { f32::MIN });
        assert!(diags.iter().any(|d| d.message.contains("stream (no rulings), 5 columns × 4 rows")), "{diags:?}");
        let table = blocks.iter().find(|b| matches!(b, Block::Table(_))).expect("a table");
        assert_eq!(
            texts(table),
            [
                vec!["序号", "重点任务", "分管领导", "牵头处室", "实施单位"],
                vec!["一、第一部分的任务"],
                vec!["1", "一二三四五六七八九十一二三四五六七八九十。续行", "张三", "思政处", "各高等学校"],
                vec!["2", "第二项", "李四", "高教处", ""],
            ]
        );
        let Block::Table(t) = table else { unreachable!() };
        assert_eq!(t.rows[1].cells[0].col_span, 5);
        assert!(t.rows.iter().all(|r| r.origin.page == 2 && r.cells.iter().all(|c| c.bbox.is_some())));
        // The title stays a paragraph before the table.
        assert!(matches!(&blocks[0], Block::Paragraph { text, .. } if text.to_plain() == "台账标题"));

        // A page that does not repeat the header and starts inside a row.
        let page = borderless_page(&[
            (76.0, 40.0, "上页续行"),
            (329.0, 40.0, "处"),
            (45.0, 60.0, "3"),
            (76.0, 60.0, "第三项"),
            (283.0, 60.0, "王五"),
            (329.0, 60.0, "基教"),
            (364.0, 60.0, "各市"),
            (45.0, 80.0, "4"),
            (76.0, 80.0, "第四项"),
            (283.0, 80.0, "赵六"),
            (329.0, 80.0, "体艺"),
            (364.0, 80.0, "各县"),
            (45.0, 100.0, "5"),
            (76.0, 100.0, "第五项"),
            (283.0, 100.0, "钱七"),
            (329.0, 100.0, "职成"),
        ]);
        let (blocks, _) = layout_page(&page, [0.0, 0.0, 800.0, 600.0], 3, &mut { f32::MIN });
        assert_eq!(blocks.len(), 1, "{blocks:?}");
        assert_eq!(texts(&blocks[0])[0], ["", "上页续行", "", "处", ""]);
        assert_eq!(texts(&blocks[0]).len(), 4);
    }
}
