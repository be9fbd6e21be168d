//! The borderless fallback ("stream"): on a page without rulings, a table found from text aligned
//! in columns — the bands no chunk of a multi-chunk line crosses — with its rows started by text in
//! the first column and its section rows spanning the table.

use crate::diag::{Diagnostic, Location};
use crate::model::{BBox, Cell, Origin, Row, Table};

use super::super::content::PageContent;
use super::is_closing_punctuation;
use super::lines::{glyph_of, join_lines, lines_of_parts, Line, Placed};

/// A run of glyphs of one line standing apart from the rest, up to glyph `b` (exclusive); `x0`, `x1`
/// the extent of its ink, `x1` without a closing punctuation mark hanging at its end (which may
/// reach past a cell's edge into the padding).
#[derive(Clone, Copy, Debug)]
struct Chunk {
    b: usize,
    x0: f32,
    x1: f32,
}

/// Splits a line into chunks at horizontal gaps of 0.4 em or more (the glyphs of one cell line
/// touch; columns are apart by their cells' padding) and where a glyph starts clearly before the
/// previous one ends (punctuation hanging into the next column's text). Space glyphs neither
/// split nor extend a chunk.
fn line_chunks(line: &Line, content: &PageContent) -> Vec<Chunk> {
    let mut out: Vec<Chunk> = Vec::new();
    let mut open: Option<Chunk> = None;
    let mut prev_end: Option<f32> = None;
    let mut prev_hanging = false;
    for (k, g) in line.glyphs.iter().enumerate() {
        if !g.ink {
            if let Some(c) = open.as_mut() {
                c.b = k + 1;
            }
            continue;
        }
        // Text after a hanging mark overlaps it; elsewhere glyphs overlap only by rounding or kerning.
        let overlap = if prev_hanging { 0.02 } else { 0.3 } * g.size;
        let split = prev_end.is_some_and(|end| g.x0 - end >= 0.4 * g.size || g.x0 < end - overlap);
        if split {
            out.extend(open.take());
        }
        let hanging = content.glyph_text(glyph_of(content, g)).chars().all(is_closing_punctuation);
        prev_hanging = hanging;
        match open.as_mut() {
            Some(c) => {
                c.b = k + 1;
                if !hanging {
                    c.x1 = g.x1;
                }
            }
            None => open = Some(Chunk { b: k + 1, x0: g.x0, x1: g.x1 }),
        }
        prev_end = Some(g.x1);
    }
    out.extend(open);
    out
}

/// A borderless table on a page without rulings: lines whose text falls into several chunks,
/// aligned in columns. The columns are apart by vertical bands that no chunk of a line with
/// several chunks crosses; the table starts at the first line with at least three chunks (the
/// header) and goes on while the lines follow at a row's pitch and keep to the columns. A row
/// starts at a line with text in the first column (the sequence number); a line whose first chunk
/// starts in the first column and runs across the next column is a section row, one cell spanning
/// the table; other lines continue the current row's cells. Glyphs go to the column of the band
/// they start after. Returns the table, the first and last line it covers and the diagnostic
/// naming the method.
pub(super) fn stream_table(
    lines: &[Line],
    content: &PageContent,
    page: u32,
    top: f32,
) -> Option<(Table, usize, usize, Diagnostic)> {
    let chunks: Vec<Vec<Chunk>> = lines.iter().map(|l| line_chunks(l, content)).collect();
    let multi: Vec<usize> = (0..lines.len()).filter(|&i| chunks[i].len() >= 3).collect();
    if multi.len() < 3 {
        return None;
    }
    let (first_multi, last_multi) = (multi[0], *multi.last()?);
    let mut sizes: Vec<f32> = multi.iter().map(|&i| lines[i].size).collect();
    sizes.sort_by(f32::total_cmp);
    let size = sizes[sizes.len() / 2];

    // Column gaps: bands between the merged extents of the chunks of lines with several chunks.
    let mut extents: Vec<(f32, f32)> = (first_multi..=last_multi)
        .filter(|&i| chunks[i].len() >= 2)
        .flat_map(|i| chunks[i].iter().map(|c| (c.x0, c.x1)))
        .collect();
    extents.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut gaps: Vec<(f32, f32)> = Vec::new();
    let mut end = extents.first()?.1;
    for &(x0, x1) in &extents[1..] {
        if x0 - end >= 0.3 * size {
            gaps.push((end, x0));
        }
        end = end.max(x1);
    }
    let n_cols = gaps.len() + 1;
    if n_cols < 3 {
        return None;
    }
    let col_of = |x: f32| gaps.iter().filter(|g| (g.0 + g.1) / 2.0 <= x).count();
    let is_section =
        |i: usize| chunks[i].first().is_some_and(|c| col_of(c.x0) == 0 && lines[i].glyphs[c.b - 1].x1 > gaps[0].1);
    // Lines next to the first and last ones with three chunks still belong to the table while they
    // are at a row's pitch from it and keep to the columns: after it also section rows, before it
    // (a page that does not repeat the header) only lines of a row's cells after the first column.
    let belongs = |i: usize, neighbour: usize| {
        let close = (lines[i].base - lines[neighbour].base).abs() <= 2.5 * size.max(lines[i].size);
        let same_size = (lines[i].size - size).abs() <= 0.15 * size;
        let in_columns = chunks[i].iter().all(|c| col_of(c.x0) == col_of(c.x1));
        let below = i > neighbour;
        // Above the table, a line with text in the first column is a caption or a heading.
        let continues_cells = below || chunks[i].iter().all(|c| col_of(c.x0) > 0);
        close && same_size && (in_columns && continues_cells || below && is_section(i))
    };
    let mut first = first_multi;
    while first > 0 && belongs(first - 1, first) {
        first -= 1;
    }
    let mut last = last_multi;
    while last + 1 < lines.len() && belongs(last + 1, last) {
        last += 1;
    }

    /// A row's cells, each as the runs of glyphs each of its lines gave it (see `lines_of_parts`).
    struct StreamRow {
        cells: Vec<Vec<Vec<Placed>>>,
        section: bool,
        top: f32,
    }
    let mut rows: Vec<StreamRow> = Vec::new();
    for i in first..=last {
        let line = &lines[i];
        let line_top = line.base - line.size;
        // A section title wrapped onto a second line that starts in the first column.
        let section_goes_on = rows.last().is_some_and(|r| r.section)
            && chunks[i].len() == 1
            && col_of(chunks[i][0].x0) == 0
            && line.base - lines[i - 1].base <= 1.6 * line.size;
        if section_goes_on {
            rows.last_mut()?.cells[0].push(line.glyphs.clone());
            continue;
        }
        if is_section(i) {
            rows.push(StreamRow { cells: vec![vec![line.glyphs.clone()]], section: true, top: line_top });
            continue;
        }
        let starts_row =
            rows.last().is_none_or(|r| r.section) || line.glyphs.iter().any(|g| g.ink && col_of(g.x0) == 0);
        if starts_row {
            rows.push(StreamRow { cells: vec![Vec::new(); n_cols], section: false, top: line_top });
        }
        // The line's glyphs are in x order, so each column's are one run of them, copied at once.
        let row = rows.last_mut()?;
        let mut rest = &line.glyphs[..];
        while let Some(first) = rest.first() {
            let col = col_of(first.x0);
            let run = rest.iter().position(|g| col_of(g.x0) != col).unwrap_or(rest.len());
            row.cells[col].push(rest[..run].to_vec());
            rest = &rest[run..];
        }
    }

    // Cell boxes: column edges halfway across the gaps, row edges at the tops of the rows' text.
    let table_glyphs = || lines[first..=last].iter().flat_map(|l| l.glyphs.iter().filter(|g| g.ink));
    let left = table_glyphs().map(|g| g.x0).fold(f32::MAX, f32::min);
    let right = table_glyphs().map(|g| g.x1).fold(f32::MIN, f32::max);
    let mut xs = vec![left];
    xs.extend(gaps.iter().map(|g| (g.0 + g.1) / 2.0));
    xs.push(right);
    let bottom = lines[last].base + 0.3 * lines[last].size;
    let n_rows = rows.len();
    let tops: Vec<f32> = rows.iter().map(|r| r.top).chain(std::iter::once(bottom)).collect();
    let table_rows = rows
        .into_iter()
        .enumerate()
        .map(|(r, row)| {
            let (d0, d1) = (tops[r], tops[r + 1]);
            let span = if row.section { n_cols } else { 1 };
            let cells = row
                .cells
                .into_iter()
                .enumerate()
                .map(|(c, parts)| {
                    let (x0, x1) = (xs[c], xs[c + span]);
                    Cell {
                        text: join_lines(&lines_of_parts(parts, content), content, true, None),
                        col_span: span as u32,
                        row_span: 1,
                        bbox: Some(BBox::from_points(
                            f64::from(x0),
                            f64::from(top - d1),
                            f64::from(x1),
                            f64::from(top - d0),
                        )),
                    }
                })
                .collect();
            Row { cells, origin: Origin { page, line: None } }
        })
        .collect();
    let diag = Diagnostic::info(
        crate::diag::DiagnosticKind::PdfTableMethod,
        format!("page {page}: stream (no rulings), {n_cols} columns × {n_rows} rows"),
        Location::page(page),
    );
    Some((Table { rows: table_rows }, first, last, diag))
}
