//! Paragraphs and headings: the lines outside tables split where a new paragraph starts (a gap
//! larger than the line pitch, an indent, a short line before, a change of size, a table
//! between), a clearly larger font making a heading, page numbers at the edges dropped.

use crate::model::{Block, Origin};

use super::super::content::PageContent;
use super::lines::{glyph_of, Line, LineJoiner};

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
pub(super) fn paragraphs(
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
                if g.ink {
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
