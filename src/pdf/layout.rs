//! Layout: a page's glyphs and rulings into blocks — tables, paragraphs and headings.
//!
//! Coordinates here grow downward from the top of the page ("down"), so sorting by them is reading
//! order. Tables come from rulings (lattice): segments are snapped and merged ([`merge_rulings`]),
//! connected horizontal and vertical lines form a table whose column and row positions are the
//! lines' positions, and a grid region not split by a line is one cell spanning several positions
//! ([`build_grid`]). A page without rulings is searched for text aligned in columns (stream). Glyphs
//! go to cells by their centre (binary search over the grid positions), are grouped into lines by
//! baseline and joined with the CJK rules of [`LineJoiner`]. Text outside tables becomes paragraphs
//! split at vertical gaps, indents and short lines; a clearly larger font makes a heading.

use crate::diag::{Diagnostic, Location};
use crate::model::{BBox, Block, Cell, Origin, RichText, Row, Run, Table};

use super::content::{Glyph, PageContent};

/// Distance (points) within which ruling positions are the same line.
pub const SNAP: f32 = 2.0;
/// Shortest ruling segment considered (points).
const MIN_RULING: f32 = 3.0;

/// A horizontal ruling, down coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HLine {
    pub y: f32,
    pub x0: f32,
    pub x1: f32,
}

/// A vertical ruling, down coordinates (`y0 < y1`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VLine {
    pub x: f32,
    pub y0: f32,
    pub y1: f32,
}

/// Whether a character is written without spaces around it in Chinese text: CJK ideographs and
/// punctuation, fullwidth forms, kana, hangul, and general punctuation such as quotes and dashes.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2010..=0x206F | 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF)
}

/// Punctuation that may not start a line, so typesetters let it hang past the right edge of the
/// line (and of a table cell) instead.
fn is_closing_punctuation(c: char) -> bool {
    "，。、；：！？）》」』】〕”’．,.;:!?)]".contains(c)
}

/// Merges collinear runs of `(position, start, end)` that lie within [`SNAP`] of each other and
/// overlap or touch; positions are averaged.
fn merge_runs(mut runs: Vec<(f32, f32, f32)>) -> Vec<(f32, f32, f32)> {
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        let mut j = i + 1;
        while j < runs.len() && runs[j].0 - runs[j - 1].0 <= SNAP / 2.0 {
            j += 1;
        }
        let group = &mut runs[i..j];
        let pos = group.iter().map(|r| r.0).sum::<f32>() / group.len() as f32;
        group.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (mut start, mut end) = (group[0].1, group[0].2);
        for r in &group[1..] {
            if r.1 <= end + SNAP {
                end = end.max(r.2);
            } else {
                out.push((pos, start, end));
                (start, end) = (r.1, r.2);
            }
        }
        out.push((pos, start, end));
        i = j;
    }
    out.retain(|r| r.2 - r.1 >= MIN_RULING);
    out
}

/// Snaps and merges ruling segments (already in down coordinates) into horizontal and vertical
/// lines.
pub fn merge_rulings(h: Vec<(f32, f32, f32)>, v: Vec<(f32, f32, f32)>) -> (Vec<HLine>, Vec<VLine>) {
    let h = merge_runs(h).into_iter().map(|(y, x0, x1)| HLine { y, x0, x1 }).collect();
    let v = merge_runs(v).into_iter().map(|(x, y0, y1)| VLine { x, y0, y1 }).collect();
    (h, v)
}

/// One cell of a lattice grid: its first grid position and spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GridCell {
    pub row: usize,
    pub col: usize,
    pub row_span: usize,
    pub col_span: usize,
}

/// A table found from rulings: column edges `xs`, row edges `ys` (both ascending, down
/// coordinates), its cells and which cell owns each grid position.
#[derive(Debug)]
pub struct Grid {
    pub xs: Vec<f32>,
    pub ys: Vec<f32>,
    pub cells: Vec<GridCell>,
    /// `owner[row * columns + col]` is an index into `cells`.
    pub owner: Vec<usize>,
}

impl Grid {
    pub fn columns(&self) -> usize {
        self.xs.len() - 1
    }

    pub fn rows(&self) -> usize {
        self.ys.len() - 1
    }

    /// The cell whose region holds the point, if the point is inside the table.
    pub fn cell_at(&self, x: f32, y: f32) -> Option<usize> {
        if x < self.xs[0] || x > *self.xs.last()? || y < self.ys[0] || y > *self.ys.last()? {
            return None;
        }
        let col = self.xs.partition_point(|&e| e <= x).saturating_sub(1).min(self.columns() - 1);
        let row = self.ys.partition_point(|&e| e <= y).saturating_sub(1).min(self.rows() - 1);
        Some(self.owner[row * self.columns() + col])
    }
}

fn cluster_positions(mut values: Vec<f32>) -> Vec<f32> {
    values.sort_by(f32::total_cmp);
    let mut out: Vec<f32> = Vec::new();
    let mut group: Vec<f32> = Vec::new();
    for v in values {
        if let Some(&last) = group.last() {
            if v - last > SNAP {
                out.push(group.iter().sum::<f32>() / group.len() as f32);
                group.clear();
            }
        }
        group.push(v);
    }
    if !group.is_empty() {
        out.push(group.iter().sum::<f32>() / group.len() as f32);
    }
    out
}

/// Most grid positions (rows × columns) a lattice table may have; a real ledger page has a few
/// hundred, and a hostile page of thousands of lines would otherwise cost their product.
pub const MAX_LATTICE_POSITIONS: usize = 200_000;

/// Builds the grid of one connected set of rulings. Column edges are the vertical lines'
/// positions, row edges the horizontal ones'; a boundary between two grid positions without a line
/// through its middle joins them into one spanning cell. `None` when the lines do not make at least
/// two cells (a frame around text is not a table).
pub fn build_grid(h: &[HLine], v: &[VLine]) -> Option<Grid> {
    let xs = cluster_positions(v.iter().map(|l| l.x).collect());
    let mut ys = cluster_positions(h.iter().map(|l| l.y).collect());
    // A row cut by a page break may have no closing border (Chromium): when at least two vertical
    // lines run on past the last horizontal one, their end closes the table; the same at the top.
    if let (Some(&first), Some(&last)) = (ys.first(), ys.last()) {
        let below: Vec<f32> = v.iter().filter(|l| l.y1 > last + 2.0 * SNAP).map(|l| l.y1).collect();
        if below.len() >= 2 {
            ys.push(below.iter().copied().fold(f32::MIN, f32::max));
        }
        let above: Vec<f32> = v.iter().filter(|l| l.y0 < first - 2.0 * SNAP).map(|l| l.y0).collect();
        if above.len() >= 2 {
            ys.insert(0, above.iter().copied().fold(f32::MAX, f32::min));
        }
    }
    if xs.len() < 2 || ys.len() < 2 || (xs.len() - 1) * (ys.len() - 1) < 2 {
        return None;
    }
    let (rows, cols) = (ys.len() - 1, xs.len() - 1);
    if rows * cols > MAX_LATTICE_POSITIONS {
        return None;
    }
    // Lines indexed by the edges they lie on, so that each lookup below scans only its edge's lines.
    let by_edge = |edges: &[f32], lines: &mut dyn Iterator<Item = (f32, f32, f32)>| {
        let mut at: Vec<Vec<(f32, f32)>> = vec![Vec::new(); edges.len()];
        for (pos, from, to) in lines {
            let first = edges.partition_point(|&e| e < pos - SNAP);
            for (i, _) in edges.iter().enumerate().skip(first).take_while(|(_, &e)| e <= pos + SNAP) {
                at[i].push((from, to));
            }
        }
        at
    };
    let v_at = by_edge(&xs, &mut v.iter().map(|l| (l.x, l.y0, l.y1)));
    let h_at = by_edge(&ys, &mut h.iter().map(|l| (l.y, l.x0, l.x1)));
    // A vertical line at column edge `edge` through the middle of row `row`.
    let has_v = |edge: usize, row: usize| {
        let mid = (ys[row] + ys[row + 1]) / 2.0;
        v_at[edge].iter().any(|&(y0, y1)| y0 - SNAP <= mid && mid <= y1 + SNAP)
    };
    let has_h = |edge: usize, col: usize| {
        let mid = (xs[col] + xs[col + 1]) / 2.0;
        h_at[edge].iter().any(|&(x0, x1)| x0 - SNAP <= mid && mid <= x1 + SNAP)
    };
    let mut owner = vec![usize::MAX; rows * cols];
    let mut cells = Vec::new();
    for row in 0..rows {
        for col in 0..cols {
            if owner[row * cols + col] != usize::MAX {
                continue;
            }
            let mut last_col = col;
            while last_col + 1 < cols && !has_v(last_col + 1, row) && owner[row * cols + last_col + 1] == usize::MAX {
                last_col += 1;
            }
            let mut last_row = row;
            while last_row + 1 < rows
                && (col..=last_col).all(|c| !has_h(last_row + 1, c) && owner[(last_row + 1) * cols + c] == usize::MAX)
            {
                last_row += 1;
            }
            let id = cells.len();
            cells.push(GridCell { row, col, row_span: last_row - row + 1, col_span: last_col - col + 1 });
            for r in row..=last_row {
                for c in col..=last_col {
                    owner[r * cols + c] = id;
                }
            }
        }
    }
    Some(Grid { xs, ys, cells, owner })
}

/// Groups horizontal and vertical lines that touch or cross into connected sets (candidate
/// tables), each as its lines.
pub fn connected_rulings(h: &[HLine], v: &[VLine]) -> Vec<(Vec<HLine>, Vec<VLine>)> {
    let n = h.len() + v.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, hl) in h.iter().enumerate() {
        for (j, vl) in v.iter().enumerate() {
            let touches = vl.x >= hl.x0 - SNAP && vl.x <= hl.x1 + SNAP && hl.y >= vl.y0 - SNAP && hl.y <= vl.y1 + SNAP;
            if touches {
                let (a, b) = (find(&mut parent, i), find(&mut parent, h.len() + j));
                parent[a] = b;
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, (Vec<HLine>, Vec<VLine>)> = Default::default();
    for i in 0..n {
        let root = find(&mut parent, i);
        let entry = groups.entry(root).or_default();
        if i < h.len() {
            entry.0.push(h[i]);
        } else {
            entry.1.push(v[i - h.len()]);
        }
    }
    groups.into_values().filter(|(h, v)| h.len() >= 2 && v.len() >= 2).collect()
}

/// A glyph in down coordinates with what layout needs.
#[derive(Clone, Copy, Debug)]
struct Placed {
    x0: f32,
    x1: f32,
    base: f32,
    size: f32,
    bold: bool,
    index: u32,
}

/// A line of text: glyphs left to right on one baseline.
#[derive(Debug)]
struct Line {
    glyphs: Vec<Placed>,
    x0: f32,
    x1: f32,
    base: f32,
    size: f32,
}

/// Groups glyphs into lines by baseline, then orders each line by x. A glyph drawn twice at
/// (almost) the same place — fake bold by overprinting — is kept once, as bold.
fn group_lines(mut glyphs: Vec<Placed>, content: &PageContent) -> Vec<Line> {
    glyphs.sort_by(|a, b| a.base.total_cmp(&b.base));
    let mut lines: Vec<Line> = Vec::new();
    for g in glyphs {
        match lines.last_mut() {
            Some(line) if g.base - line.base <= 0.45 * line.size.max(g.size) => line.glyphs.push(g),
            _ => lines.push(Line { glyphs: vec![g], x0: 0.0, x1: 0.0, base: g.base, size: g.size }),
        }
    }
    for line in &mut lines {
        line.glyphs.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        let mut kept: Vec<Placed> = Vec::with_capacity(line.glyphs.len());
        for g in line.glyphs.drain(..) {
            let text = content.glyph_text(glyph_of(content, &g));
            let duplicate = kept.iter().rev().take(3).position(|k| {
                (k.x0 - g.x0).abs() < 0.2 * g.size.max(1.0) && content.glyph_text(glyph_of(content, k)) == text
            });
            match duplicate {
                Some(back) if !text.trim().is_empty() => {
                    let at = kept.len() - 1 - back;
                    kept[at].bold = true;
                }
                _ => kept.push(g),
            }
        }
        line.glyphs = kept;
        line.x0 = line.glyphs.iter().map(|g| g.x0).fold(f32::MAX, f32::min);
        line.x1 = line.glyphs.iter().map(|g| g.x1).fold(f32::MIN, f32::max);
        let mut sizes: Vec<f32> = line.glyphs.iter().map(|g| g.size).collect();
        sizes.sort_by(f32::total_cmp);
        line.size = sizes[sizes.len() / 2];
    }
    lines.retain(|l| l.glyphs.iter().any(|g| !content.glyph_text(glyph_of(content, g)).trim().is_empty()));
    lines
}

fn glyph_of<'c>(content: &'c PageContent, p: &Placed) -> &'c Glyph {
    &content.glyphs[p.index as usize]
}

/// Builds rich text from glyphs and lines with the spacing rules of Chinese text: no space between
/// CJK and Latin or digits (which removes the "autospace" gap producers put there), one space
/// between two Latin words (a space glyph or a gap of a quarter em), and a space glyph between two
/// CJK characters kept as one space (a deliberate one, as in "教育部 甘肃省人民政府"). A soft line
/// break adds a space only between two Latin words.
#[derive(Default)]
pub struct LineJoiner {
    runs: Vec<Run>,
    last: Option<char>,
    /// A space glyph was seen since the last character.
    space_glyph: bool,
    /// A word gap or a soft line break was seen since the last character.
    soft_gap: bool,
}

fn is_ideograph(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

impl LineJoiner {
    fn push(&mut self, text: &str, bold: bool) {
        match self.runs.last_mut() {
            Some(run) if run.bold == bold => run.text.push_str(text),
            _ => self.runs.push(Run { text: text.to_string(), bold }),
        }
    }

    /// Adds the text of one glyph. `gap_before` says the glyph stands apart from the previous one
    /// (a word gap).
    pub fn glyph(&mut self, text: &str, bold: bool, gap_before: bool) {
        if text.chars().all(char::is_whitespace) {
            self.space_glyph = true;
            return;
        }
        let first = text.chars().next().unwrap_or(' ');
        if let Some(prev) = self.last {
            // After a hyphen or slash at a line end the word goes on ("1-\n2" is "1-2").
            let latin_pair = !(is_cjk(prev) || is_cjk(first) || self.soft_gap && matches!(prev, '-' | '/'));
            let ideograph_pair = is_ideograph(prev) && is_ideograph(first);
            if (latin_pair && (self.space_glyph || self.soft_gap || gap_before)) || (ideograph_pair && self.space_glyph)
            {
                self.push(" ", bold);
            }
        }
        self.space_glyph = false;
        self.soft_gap = false;
        self.push(text, bold);
        self.last = text.chars().last();
    }

    /// Ends a line. `hard` makes it a line break kept as `'\n'`; otherwise the next line continues
    /// the text (a space only between two Latin words).
    pub fn line_break(&mut self, hard: bool) {
        if self.last.is_none() {
            return;
        }
        self.space_glyph = false;
        if hard {
            self.push("\n", false);
            self.last = None;
            self.soft_gap = false;
        } else {
            self.soft_gap = true;
        }
    }

    pub fn finish(mut self) -> RichText {
        if let Some(run) = self.runs.last_mut() {
            let trimmed = run.text.trim_end().len();
            run.text.truncate(trimmed);
        }
        self.runs.retain(|r| !r.text.is_empty());
        // A hard break inside a bold stretch is written in its own non-bold run; fold it back so
        // the bold lead-in stays one run.
        let mut merged: Vec<Run> = Vec::with_capacity(self.runs.len());
        for run in self.runs {
            match merged.last_mut() {
                Some(prev) if prev.bold == run.bold => prev.text.push_str(&run.text),
                _ => merged.push(run),
            }
        }
        RichText { runs: merged }
    }
}

/// Joins lines into one text. A line is followed by a kept `'\n'` (when `keep_breaks`) when it
/// ends clearly before the longest line ends (more than 3.5 ems and 30% of the text width: a
/// paragraph end, not a wrap that kinsoku shortened), or, for a short line inside a table cell
/// whose left and right edges `cell` gives, when the next line's first unbreakable piece would
/// have fitted at its end: a line that wrapped is full, so a short line with room left was broken
/// by its author (units written one per line: 县教科局 / 县代建中心).
fn join_lines(lines: &[Line], content: &PageContent, keep_breaks: bool, cell: Option<(f32, f32)>) -> RichText {
    let mut joiner = LineJoiner::default();
    let right = lines.iter().map(|l| l.x1).fold(f32::MIN, f32::max);
    let left = lines.iter().map(|l| l.x0).fold(f32::MAX, f32::min);
    // The cell's text area: its edges less the padding, estimated from where lines start (at
    // most 6 pt, so centred text does not make the area narrower than it is).
    let limit = cell.map(|(x0, x1)| {
        let pad = (left - x0).clamp(0.0, 6.0);
        x1 - pad
    });
    for (i, line) in lines.iter().enumerate() {
        let mut prev_end: Option<f32> = None;
        for g in &line.glyphs {
            let text = content.glyph_text(glyph_of(content, g));
            let gap = prev_end.is_some_and(|end| g.x0 - end > 0.25 * g.size);
            joiner.glyph(text, g.bold, gap);
            if !text.trim().is_empty() {
                prev_end = Some(g.x1);
            }
        }
        if let Some(next) = lines.get(i + 1) {
            let short = right - line.x1 > (3.5 * line.size).max(0.3 * (right - left));
            // Only short lines are judged by what would have fitted: names and dates, one per
            // line. Prose wraps by rules (kinsoku, quotes) that differ between producers, and a
            // break there changes nothing the record keeps.
            let room_left = line.glyphs.len() <= 16
                && limit.is_some_and(|limit| limit - line.x1 > first_piece_width(next, content) + 0.15 * line.size);
            joiner.line_break(keep_breaks && (short || room_left));
        }
    }
    joiner.finish()
}

/// Width of what a line break could not have split from the start of `line`: one CJK character
/// with the closing marks after it and what opening marks hold to it, or a run of Latin letters
/// and digits.
fn first_piece_width(line: &Line, content: &PageContent) -> f32 {
    let texts: Vec<(&str, &Placed)> = line
        .glyphs
        .iter()
        .map(|g| (content.glyph_text(glyph_of(content, g)), g))
        .filter(|(t, _)| !t.trim().is_empty())
        .collect();
    let Some(&(first, g0)) = texts.first() else { return 0.0 };
    let latin = |t: &str| t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '%' | '/'));
    let mut end = 1;
    if latin(first) {
        while end < texts.len() && latin(texts[end].0) && texts[end].1.x0 - texts[end - 1].1.x1 < 0.25 * g0.size {
            end += 1;
        }
    } else {
        // Line breaking keeps a closing mark with the character before it and an opening mark
        // with the character after it (`神”“西` moves down whole).
        let opening = |t: &str| t.chars().all(|c| "（《「『【〔“‘([".contains(c));
        while end < texts.len() && (texts[end].0.chars().all(is_closing_punctuation) || opening(texts[end - 1].0)) {
            end += 1;
        }
    }
    texts[end - 1].1.x1 - g0.x0
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
            index: i as u32,
        })
        .collect()
}

/// Turns one page into blocks in reading order, with the diagnostics of the table method used.
/// `media` is the page's MediaBox `[x0, y0, x1, y1]`; `page` its 1-based number.
/// `text_right` carries the right edge of the text area from page to page (start at `f32::MIN`).
pub fn layout_page(
    content: &PageContent,
    media: [f32; 4],
    page: u32,
    text_right: &mut f32,
) -> (Vec<Block>, Vec<Diagnostic>) {
    let top = media[3];
    let mut diags = Vec::new();
    let mut h_runs = Vec::new();
    let mut v_runs = Vec::new();
    for s in &content.segments {
        if s.y0 == s.y1 {
            h_runs.push((top - s.y0, s.x0, s.x1));
        } else {
            v_runs.push((s.x0, top - s.y1, top - s.y0));
        }
    }
    let (h, v) = merge_rulings(h_runs, v_runs);
    let grids: Vec<Grid> = connected_rulings(&h, &v).iter().filter_map(|(h, v)| build_grid(h, v)).collect();

    let glyphs = placed(content, top);
    let mut free = Vec::new();
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
    if grids.is_empty() && h.is_empty() && v.is_empty() {
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

/// The rightmost line end that another line reaches too (within half an em), else the longest
/// line's end.
fn right_edge(lines: &[Line]) -> f32 {
    let mut ends: Vec<(f32, f32)> = lines.iter().map(|l| (l.x1, l.size)).collect();
    ends.sort_by(|a, b| b.0.total_cmp(&a.0));
    ends.windows(2)
        .find(|w| w[0].0 - w[1].0 <= 0.5 * w[0].1.max(w[1].1))
        .map(|w| w[0].0)
        .or(ends.first().map(|e| e.0))
        .unwrap_or(f32::MIN)
}

/// Splits the lines outside tables into paragraphs and headings: a new paragraph starts after a
/// gap larger than the usual line pitch, at an indented line, after a line that ends short of
/// the right margin, when the font size changes, or across a table. Page numbers at the very top
/// or bottom are dropped.
fn paragraphs(
    lines: &[Line],
    content: &PageContent,
    media: [f32; 4],
    page: u32,
    table_tops: &[f32],
    text_right: &mut f32,
) -> Vec<(f32, Block)> {
    if lines.is_empty() {
        return Vec::new();
    }
    let left = lines.iter().map(|l| l.x0).fold(f32::MAX, f32::min);
    // The text area's right edge: where wrapped lines end — the rightmost end that at least two
    // lines reach (a single wide line, such as a web page's navigation bar, is no measure) — on
    // this page or an earlier one (a page of short lines, such as a paragraph ledger's
    // responsibility lines, has no full line).
    *text_right = text_right.max(right_edge(lines));
    let right = *text_right;
    let centre = (media[0] + media[2]) / 2.0;
    // The body size is the median size of the glyphs (not of the lines: a title is few glyphs).
    let mut sizes: Vec<f32> = lines.iter().flat_map(|l| l.glyphs.iter().map(|g| g.size)).collect();
    sizes.sort_by(f32::total_cmp);
    let body_size = sizes[sizes.len() / 2];
    let mut pitches: Vec<f32> = lines.windows(2).map(|w| w[1].base - w[0].base).filter(|p| *p > 0.0).collect();
    pitches.sort_by(f32::total_cmp);
    let pitch = pitches.get(pitches.len() / 3).copied().unwrap_or(body_size * 1.8).max(body_size);
    let page_height = media[3] - media[1];

    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let new = match i.checked_sub(1).map(|p| &lines[p]) {
            None => true,
            Some(prev) => {
                let gap = line.base - prev.base;
                let indented = line.x0 - left > 1.2 * line.size;
                let prev_short = right - prev.x1 > 2.0 * prev.size;
                let size_change = (line.size - prev.size).abs() > 0.15 * prev.size;
                let centred = |l: &Line| ((l.x0 + l.x1) / 2.0 - centre).abs() < l.size && l.x0 - left > 2.0 * l.size;
                let table_between = table_tops.iter().any(|&t| t > prev.base && t < line.base);
                let title_continues = centred(prev) && centred(line) && !size_change && gap <= pitch * 1.3;
                !title_continues && (gap > pitch * 1.3 || indented || prev_short || size_change || table_between)
            }
        };
        if new {
            groups.push(Vec::new());
        }
        groups.last_mut().expect("a group was started").push(i);
    }
    let mut out = Vec::new();
    for group in groups {
        let group_lines: Vec<&Line> = group.iter().map(|&i| &lines[i]).collect();
        let first = group_lines[0];
        let mut joiner = LineJoiner::default();
        for (k, line) in group_lines.iter().enumerate() {
            let mut prev_end: Option<f32> = None;
            for g in &line.glyphs {
                let text = content.glyph_text(glyph_of(content, g));
                joiner.glyph(text, g.bold, prev_end.is_some_and(|end| g.x0 - end > 0.25 * g.size));
                if !text.trim().is_empty() {
                    prev_end = Some(g.x1);
                }
            }
            if k + 1 < group_lines.len() {
                joiner.line_break(false);
            }
        }
        let text = joiner.finish();
        if text.is_blank() {
            continue;
        }
        let at_edge = first.base < page_height * 0.1 || first.base > page_height * 0.88;
        if at_edge && group_lines.len() == 1 && crate::tables::is_page_furniture(&text.to_plain()) {
            continue;
        }
        let origin = Origin { page, line: None };
        let block_top = first.base - first.size;
        if first.size >= body_size * 1.2 {
            out.push((block_top, Block::Heading { level: 1, text, origin }));
        } else {
            out.push((block_top, Block::Paragraph { text, origin }));
        }
    }
    out
}

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
        let text = content.glyph_text(glyph_of(content, g));
        if text.trim().is_empty() {
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
        let hanging = text.chars().all(is_closing_punctuation);
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
fn stream_table(
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

    struct StreamRow {
        cells: Vec<Vec<Placed>>,
        section: bool,
        top: f32,
    }
    let mut rows: Vec<StreamRow> = Vec::new();
    let ink = |g: &Placed| !content.glyph_text(glyph_of(content, g)).trim().is_empty();
    for i in first..=last {
        let line = &lines[i];
        let line_top = line.base - line.size;
        // A section title wrapped onto a second line that starts in the first column.
        let section_goes_on = rows.last().is_some_and(|r| r.section)
            && chunks[i].len() == 1
            && col_of(chunks[i][0].x0) == 0
            && line.base - lines[i - 1].base <= 1.6 * line.size;
        if section_goes_on {
            rows.last_mut()?.cells[0].extend(line.glyphs.iter().copied());
            continue;
        }
        if is_section(i) {
            rows.push(StreamRow { cells: vec![line.glyphs.clone()], section: true, top: line_top });
            continue;
        }
        let starts_row =
            rows.last().is_none_or(|r| r.section) || line.glyphs.iter().any(|g| ink(g) && col_of(g.x0) == 0);
        if starts_row {
            rows.push(StreamRow { cells: vec![Vec::new(); n_cols], section: false, top: line_top });
        }
        let row = rows.last_mut()?;
        for g in &line.glyphs {
            row.cells[col_of(g.x0)].push(*g);
        }
    }

    // Cell boxes: column edges halfway across the gaps, row edges at the tops of the rows' text.
    let table_glyphs = || lines[first..=last].iter().flat_map(|l| l.glyphs.iter().filter(|g| ink(g)));
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
                .map(|(c, glyphs)| {
                    let (x0, x1) = (xs[c], xs[c + span]);
                    Cell {
                        text: join_lines(&group_lines(glyphs, content), content, true, None),
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

/// The grid column each cell of each row starts at, after the row spans from rows above.
fn cell_columns(rows: &[Row]) -> Vec<Vec<usize>> {
    let mut covered: Vec<usize> = Vec::new(); // rows still covered by a span, per column
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut starts = Vec::with_capacity(row.cells.len());
        let mut col = 0;
        for cell in &row.cells {
            while covered.get(col).is_some_and(|&n| n > 0) {
                col += 1;
            }
            starts.push(col);
            let end = col + cell.col_span.max(1) as usize;
            if covered.len() < end {
                covered.resize(end, 0);
            }
            for slot in &mut covered[col..end] {
                *slot = cell.row_span.max(1) as usize;
            }
            col = end;
        }
        for slot in &mut covered {
            *slot = slot.saturating_sub(1);
        }
        out.push(starts);
    }
    out
}

/// What covers each grid column of a table's last row: the row the covering cell starts in (a
/// cell of that row or a row span from above) and its text.
fn last_row_cover(rows: &[Row]) -> Vec<Option<(usize, RichText)>> {
    let columns = cell_columns(rows);
    let mut covering: Vec<Option<(usize, usize, &RichText)>> = Vec::new(); // (first row, last row, text)
    for (r, (row, starts)) in rows.iter().zip(&columns).enumerate() {
        for (cell, &col) in row.cells.iter().zip(starts) {
            let end = col + cell.col_span.max(1) as usize;
            if covering.len() < end {
                covering.resize(end, None);
            }
            for slot in &mut covering[col..end] {
                *slot = Some((r, r + cell.row_span.max(1) as usize - 1, &cell.text));
            }
        }
    }
    let last = rows.len().saturating_sub(1);
    covering
        .into_iter()
        .map(|c| c.filter(|(_, end, _)| *end >= last).map(|(first, _, text)| (first, text.clone())))
        .collect()
}

/// Carries a vertically merged cell across page breaks. When a table continues the previous
/// page's table and its first body row continues the previous page's last row (empty sequence
/// cell), an empty cell there that spans further rows is the rest of a merged cell whose text was
/// printed on an earlier page: it is split into the continuation part (left empty, because the
/// `table` stage appends it to the previous row) and the rows below, which get the text. The text
/// is followed back over pages the merged cell crosses entirely.
pub fn carry_spans_across_pages(blocks: &mut [Block]) {
    // Per grid column, the text of the merged cell open at the bottom of the previous table.
    let mut open: Option<Vec<Option<RichText>>> = None;
    for block in blocks.iter_mut() {
        match block {
            Block::Table(t) if !t.rows.is_empty() => {
                let body = open.as_ref().and_then(|texts| carry_into(texts, t));
                let cover = last_row_cover(&t.rows);
                let previous = open.take().unwrap_or_default();
                open = Some(
                    cover
                        .into_iter()
                        .enumerate()
                        .map(|(col, c)| match c {
                            Some((first, text)) if text.is_blank() && Some(first) == body => {
                                previous.get(col).cloned().flatten()
                            }
                            Some((_, text)) => Some(text),
                            None => None,
                        })
                        .collect(),
                );
            }
            Block::Paragraph { text, .. } | Block::Heading { text, .. }
                if !crate::tables::is_page_furniture(&text.to_plain()) =>
            {
                open = None
            }
            _ => {}
        }
    }
}

/// Joins a row that a page break cut so that its sequence number landed on the next page.
/// Producers that centre cells vertically (wkhtmltopdf) print the top part of such a row, without
/// its number, at the bottom of one page and the rest, with the number, at the top of the next.
/// When a table's last row has an empty first cell but other text, is not its table's first body
/// row, and the next page's table (no header repeated) starts with a numbered row of the same
/// width, the number moves up into the last row, and the next page's row becomes its continuation.
pub fn number_rows_cut_before_their_number(blocks: &mut Vec<Block>) {
    let mut previous: Option<usize> = None;
    for i in 0..blocks.len() {
        match &blocks[i] {
            Block::Table(t) if !t.rows.is_empty() => {
                if let Some(p) = previous {
                    let (before, after) = blocks.split_at_mut(i);
                    if let (Block::Table(prev), Block::Table(next)) = (&mut before[p], &mut after[0]) {
                        number_cut_row(prev, next);
                    }
                }
                previous = Some(i);
            }
            Block::Paragraph { text, .. } | Block::Heading { text, .. }
                if !crate::tables::is_page_furniture(&text.to_plain()) =>
            {
                previous = None
            }
            _ => {}
        }
    }
    for block in blocks.iter_mut() {
        if let Block::Table(t) = block {
            drop_blank_edge_rows(t);
        }
    }
    blocks.retain(|b| !matches!(b, Block::Table(t) if t.rows.is_empty()));
}

/// Removes a first or last row without any text (the sliver of a row a page break cut, as
/// wkhtmltopdf draws it), unless a row span reaches into or out of it.
fn drop_blank_edge_rows(table: &mut Table) {
    let blank = |row: &Row| row.cells.iter().all(|c| c.text.is_blank() && c.row_span == 1);
    if table.rows.len() > 1 && table.rows.first().is_some_and(blank) {
        table.rows.remove(0);
    }
    let last = table.rows.len().saturating_sub(1);
    let spanned_into = table.rows[..last]
        .iter()
        .enumerate()
        .any(|(r, row)| row.cells.iter().any(|c| r + c.row_span.max(1) as usize > last));
    if table.rows.len() > 1 && !spanned_into && table.rows.last().is_some_and(blank) {
        table.rows.pop();
    }
}

fn number_cut_row(prev: &mut Table, next: &mut Table) {
    let plain_cells = |row: &Row| row.cells.iter().map(|c| c.text.to_plain().trim().to_string()).collect::<Vec<_>>();
    let (Some(last), Some(first)) = (prev.rows.last(), next.rows.first()) else { return };
    let simple = |row: &Row| row.cells.iter().all(|c| c.col_span == 1 && c.row_span == 1);
    let last_cells = plain_cells(last);
    let first_cells = plain_cells(first);
    let numbered = first_cells.first().is_some_and(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit()));
    let cut = last_cells.first().is_some_and(|c| c.is_empty()) && last_cells.iter().skip(1).any(|c| !c.is_empty());
    if prev.rows.len() < 3
        || first.origin.page <= last.origin.page
        || !numbered
        || !cut
        || last.cells.len() != first.cells.len()
        || !simple(last)
        || !simple(first)
    {
        return;
    }
    // The number moves up to the row's first part; the rest becomes a continuation row, which the
    // `table` stage appends to it (so the task keeps both pages).
    let (Some(last), Some(first)) = (prev.rows.last_mut(), next.rows.first_mut()) else { return };
    last.cells[0].text = std::mem::take(&mut first.cells[0].text);
}

/// Splits the empty merged cells of `next`'s continuation row (see
/// [`carry_spans_across_pages`]); returns the index of that row when `next` starts with one.
fn carry_into(texts: &[Option<RichText>], next: &mut Table) -> Option<usize> {
    let first = next.rows.first()?;
    let plain = |row: &Row| {
        row.cells.iter().map(|c| c.text.to_plain().split_whitespace().collect::<String>()).collect::<Vec<_>>()
    };
    let is_header = plain(first).first().is_some_and(|c| !c.is_empty() && !c.chars().all(|ch| ch.is_ascii_digit()))
        && first.cells.iter().all(|c| !c.text.is_blank());
    let body = usize::from(is_header);
    if next.rows.get(body)?.cells.first().is_none_or(|c| !c.text.is_blank()) {
        return None;
    }
    let columns = cell_columns(&next.rows);
    // (cell index, column, rows left, text, box)
    let mut moves: Vec<(usize, usize, u32, RichText, Option<BBox>)> = Vec::new();
    for (k, (cell, &col)) in next.rows[body].cells.iter().zip(&columns[body]).enumerate() {
        if cell.row_span >= 2 && cell.text.is_blank() && cell.col_span == 1 && body + 1 < next.rows.len() {
            if let Some(Some(text)) = texts.get(col).filter(|t| t.as_ref().is_some_and(|t| !t.is_blank())) {
                moves.push((k, col, cell.row_span - 1, text.clone(), cell.bbox));
            }
        }
    }
    for (k, col, rows_left, text, bbox) in moves.into_iter().rev() {
        next.rows[body].cells[k].row_span = 1;
        let below = &columns[body + 1];
        let at = below.iter().position(|&c| c > col).unwrap_or(below.len());
        next.rows[body + 1].cells.insert(at, Cell { text, col_span: 1, row_span: rows_left, bbox });
    }
    Some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(parts: &[(&str, bool)]) -> String {
        let mut j = LineJoiner::default();
        for (t, gap) in parts {
            j.glyph(t, false, *gap);
        }
        j.finish().to_plain()
    }

    #[test]
    fn no_space_next_to_cjk_one_between_latin_words() {
        assert_eq!(
            joined(&[("2", false), ("0", false), ("2", false), ("4", false), (" ", false), ("年", false)]),
            "2024年"
        );
        assert_eq!(joined(&[("年", false), ("A", true), ("I", false)]), "年AI");
        assert_eq!(joined(&[("A", false), ("I", false), ("x", true)]), "AI x");
        assert_eq!(joined(&[("A", false), (" ", false), (" ", false), ("B", false)]), "A B");
        assert_eq!(joined(&[("部", false), (" ", false), ("甘", false), ("肃", true)]), "部 甘肃");
    }

    #[test]
    fn line_breaks_join_cjk_without_space() {
        let mut j = LineJoiner::default();
        j.glyph("高", false, false);
        j.glyph("教", false, false);
        j.line_break(false);
        j.glyph("处", false, false);
        j.line_break(false);
        j.glyph("A", false, false);
        j.line_break(false);
        j.glyph("B", false, false);
        j.glyph("-", false, false);
        j.line_break(false);
        j.glyph("2", false, false);
        assert_eq!(j.finish().to_plain(), "高教处A B-2");
    }

    #[test]
    fn bold_runs_survive() {
        let mut j = LineJoiner::default();
        j.glyph("标", true, false);
        j.glyph("题", true, false);
        j.line_break(true);
        j.glyph("正", false, false);
        let text = j.finish();
        assert_eq!(text.leading_bold().as_deref(), Some("标题"));
        assert_eq!(text.to_plain(), "标题\n正");
    }

    #[test]
    fn missing_internal_line_makes_spans() {
        // 3 columns × 2 rows; the vertical line between columns 1 and 2 is missing in row 0
        // (a header cell spanning two columns), and the horizontal line between rows 0 and 1 is
        // missing under column 0 (a cell spanning two rows).
        let h = vec![
            HLine { y: 0.0, x0: 0.0, x1: 30.0 },
            HLine { y: 10.0, x0: 10.0, x1: 30.0 },
            HLine { y: 20.0, x0: 0.0, x1: 30.0 },
        ];
        let v = vec![
            VLine { x: 0.0, y0: 0.0, y1: 20.0 },
            VLine { x: 10.0, y0: 0.0, y1: 20.0 },
            VLine { x: 20.0, y0: 10.0, y1: 20.0 },
            VLine { x: 30.0, y0: 0.0, y1: 20.0 },
        ];
        let grid = build_grid(&h, &v).unwrap();
        assert_eq!((grid.columns(), grid.rows()), (3, 2));
        assert_eq!(
            grid.cells,
            vec![
                GridCell { row: 0, col: 0, row_span: 2, col_span: 1 },
                GridCell { row: 0, col: 1, row_span: 1, col_span: 2 },
                GridCell { row: 1, col: 1, row_span: 1, col_span: 1 },
                GridCell { row: 1, col: 2, row_span: 1, col_span: 1 },
            ]
        );
        assert_eq!(grid.cell_at(25.0, 5.0), Some(1));
        assert_eq!(grid.cell_at(5.0, 15.0), Some(0));
        assert_eq!(grid.cell_at(35.0, 15.0), None);
    }

    fn row(page: u32, cells: Vec<Cell>) -> Row {
        Row { cells, origin: Origin { page, line: None } }
    }

    fn cell(text: &str, row_span: u32) -> Cell {
        Cell { text: RichText::plain(text), col_span: 1, row_span, bbox: None }
    }

    #[test]
    fn merged_cell_carried_across_a_page_break() {
        // Page 1: task 1 with leader "甲" in a merged cell that continues on page 2, where the
        // continuation row and task 2 share the (empty) rest of it.
        let page1 = Table {
            rows: vec![row(1, vec![cell("序号", 1), cell("领导", 1)]), row(1, vec![cell("1", 1), cell("甲", 1)])],
        };
        let page2 = Table {
            rows: vec![
                row(2, vec![cell("序号", 1), cell("领导", 1)]),
                row(2, vec![cell("", 1), cell("", 2)]),
                row(2, vec![cell("2", 1)]),
            ],
        };
        let mut blocks = vec![Block::Table(page1), Block::Table(page2)];
        carry_spans_across_pages(&mut blocks);
        let Block::Table(t) = &blocks[1] else { panic!("a table") };
        assert_eq!(t.rows[1].cells[1].row_span, 1);
        assert!(t.rows[1].cells[1].text.is_blank());
        assert_eq!(t.rows[2].cells.len(), 2);
        assert_eq!(t.rows[2].cells[1].text.to_plain(), "甲");
    }

    #[test]
    fn row_cut_before_its_number_is_joined() {
        let texts = |t: &Table| -> Vec<Vec<String>> {
            t.rows.iter().map(|r| r.cells.iter().map(|c| c.text.to_plain()).collect()).collect()
        };
        let page1 = Table {
            rows: vec![
                row(1, vec![cell("序号", 1), cell("任务", 1), cell("处室", 1)]),
                row(1, vec![cell("5", 1), cell("甲", 1), cell("A", 1)]),
                row(1, vec![cell("", 1), cell("乙的上半", 1), cell("基教处", 1)]),
            ],
        };
        let page2 = Table { rows: vec![row(2, vec![cell("6", 1), cell("下半", 1), cell("高教处", 1)])] };
        let mut blocks = vec![Block::Table(page1), Block::Table(page2)];
        number_rows_cut_before_their_number(&mut blocks);
        let (Block::Table(a), Block::Table(b)) = (&blocks[0], &blocks[1]) else { panic!("two tables") };
        assert_eq!(texts(a)[2], vec!["6", "乙的上半", "基教处"]);
        assert_eq!(texts(b), vec![vec!["", "下半", "高教处"]]);
    }

    #[test]
    fn rulings_snap_and_merge() {
        let (h, _) = merge_rulings(vec![(10.0, 0.0, 50.0), (10.6, 50.5, 100.0), (40.0, 0.0, 2.0)], vec![]);
        assert_eq!(h.len(), 1);
        assert!((h[0].x0 - 0.0).abs() < 1e-3 && (h[0].x1 - 100.0).abs() < 1e-3);
    }

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
