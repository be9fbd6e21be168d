//! The SVG writer: a page's glyphs, rulings and outlined cells as one SVG document.
//!
//! Coordinates are PDF points in the upright view, with y turned to grow downward. Colours and
//! fonts are presentation attributes (no `<style>`, no script), so the drawing can be put inline
//! into a page with a strict content security policy. Every text from the PDF goes through
//! [`escape`].

use std::fmt::Write;

use super::roles::CellRole;
use super::{PageDrawing, ReadPage, MAX_DRAWN_CELLS, MAX_DRAWN_GLYPHS, MAX_DRAWN_SEGMENTS};
use crate::input::pdf::content::{Glyph, PageContent};
use crate::record::CellBox;

/// One cell fragment to outline.
pub(super) struct OutlinedCell<'a> {
    /// The task's id, for `data-task`.
    pub task: &'a str,
    pub cell: &'a CellBox,
    pub role: CellRole,
}

/// The fonts asked for, Song (serif) faces first as in printed notices.
const FONT_FAMILY: &str =
    "'Noto Serif CJK SC','Source Han Serif SC','SimSun','Songti SC','WenQuanYi Zen Hei','Noto Sans CJK SC',serif";

/// `text` made safe for XML character data and attribute values: markup characters escaped,
/// characters XML 1.0 forbids (C0 controls but tab, line feed and carriage return; U+FFFE, U+FFFF)
/// replaced by U+FFFD.
pub(super) fn escape(text: &str) -> String {
    // A drawn line is one line: tabs and line breaks become spaces.
    let one_line: String = text.chars().map(|c| if matches!(c, '\t' | '\n' | '\r') { ' ' } else { c }).collect();
    crate::normalize::xml_text(&one_line, Some('\u{FFFD}'))
}

/// A coordinate with at most two decimals and no trailing zeros (`12.5`, `7`, `-0.25`); a value
/// that is not finite is 0.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// The text of the glyphs whose centre lies inside `bbox` (`[x0, y0, x1, y1]`, points, upright
/// view), in drawing order.
pub(super) fn text_inside(content: &PageContent, bbox: [f64; 4]) -> String {
    let mut out = String::new();
    for g in &content.glyphs {
        let (x, y) = (f64::from(g.x + g.width / 2.0), f64::from(g.y + g.size * 0.35));
        if x >= bbox[0] && x <= bbox[2] && y >= bbox[1] && y <= bbox[3] {
            out.push_str(content.glyph_text(g));
        }
    }
    out
}

/// Whether two glyphs belong in one `<text>` run: same baseline, size and weight, each one
/// visible character.
fn same_run(a: &Glyph, b: &Glyph, content: &PageContent) -> bool {
    (a.y - b.y).abs() < 0.01 && (a.size - b.size).abs() < 0.01 && a.bold == b.bold && single_char(content, b)
}

/// The glyph's text when it is one character that is not whitespace.
fn single_char(content: &PageContent, g: &Glyph) -> bool {
    let mut chars = content.glyph_text(g).chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_whitespace())
}

/// Writes the glyphs as `<text>` runs: consecutive one-character glyphs on one baseline share an
/// element with one x position per character; any other glyph gets its own element. Whitespace
/// glyphs draw nothing and are skipped. Returns how many glyphs were left out past the bound.
fn write_text(out: &mut String, content: &PageContent, height: f64) -> usize {
    let drawn: Vec<&Glyph> =
        content.glyphs.iter().filter(|g| !content.glyph_text(g).trim().is_empty()).take(MAX_DRAWN_GLYPHS).collect();
    let skipped = content.glyphs.iter().filter(|g| !content.glyph_text(g).trim().is_empty()).count() - drawn.len();
    let mut i = 0;
    while i < drawn.len() {
        let first = drawn[i];
        let mut end = i + 1;
        if single_char(content, first) {
            while end < drawn.len() && same_run(first, drawn[end], content) {
                end += 1;
            }
        }
        let xs: Vec<String> = drawn[i..end].iter().map(|g| num(f64::from(g.x))).collect();
        let text: String = drawn[i..end].iter().map(|g| content.glyph_text(g).trim()).collect();
        let weight = if first.bold { " font-weight=\"bold\"" } else { "" };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{weight}>{}</text>",
            xs.join(" "),
            num(height - f64::from(first.y)),
            num(f64::from(first.size.abs().max(0.1))),
            escape(&text)
        );
        i = end;
    }
    skipped
}

/// Writes the whole drawing of `read`'s page `page` with `cells` outlined.
pub(super) fn write(read: &ReadPage, page: u32, cells: &[OutlinedCell]) -> PageDrawing {
    let [_, _, width, height] = read.view.map(f64::from);
    let content = &read.content;
    let mut out = String::with_capacity(64 * 1024 + content.glyphs.len().min(MAX_DRAWN_GLYPHS) * 12);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"pdf-page\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" data-page=\"{page}\" data-pages=\"{}\">",
        read.pages,
        w = num(width),
        h = num(height),
    );
    let _ = writeln!(
        out,
        "<rect class=\"paper\" x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        num(width),
        num(height)
    );

    // Cells first, so the text stays readable on top of their fill.
    let _ = writeln!(out, "<g class=\"cells\" stroke-width=\"1.5\">");
    for c in cells.iter().take(MAX_DRAWN_CELLS) {
        let [x0, y0, x1, y1] = c.cell.bbox;
        let colour = c.role.colour();
        let fill = format!("fill=\"{colour}\" fill-opacity=\"{}\"", c.role.fill_opacity());
        let _ = writeln!(
            out,
            "<rect class=\"cell role-{role}\" data-task=\"{task}\" data-column=\"{col}\" data-role=\"{role}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" stroke=\"{colour}\" {fill}/>",
            num(x0.min(x1)),
            num(height - y0.max(y1)),
            num((x1 - x0).abs()),
            num((y1 - y0).abs()),
            role = c.role.as_str(),
            task = escape(c.task),
            col = c.cell.column,
        );
    }
    let _ = writeln!(out, "</g>");

    let _ = writeln!(out, "<g class=\"rulings\" stroke=\"#3c4043\" stroke-width=\"0.6\" stroke-linecap=\"square\">");
    for s in content.segments.iter().take(MAX_DRAWN_SEGMENTS) {
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            num(f64::from(s.x0)),
            num(height - f64::from(s.y0)),
            num(f64::from(s.x1)),
            num(height - f64::from(s.y1))
        );
    }
    let _ = writeln!(out, "</g>");

    let _ = writeln!(out, "<g class=\"glyphs\" fill=\"#202124\" font-family=\"{}\">", escape(FONT_FAMILY));
    let skipped_glyphs = write_text(&mut out, content, height);
    let _ = writeln!(out, "</g>");

    let skipped_segments = content.segments.len().saturating_sub(MAX_DRAWN_SEGMENTS);
    let skipped_cells = cells.len().saturating_sub(MAX_DRAWN_CELLS);
    let truncated = skipped_glyphs + skipped_segments + skipped_cells > 0 || content.truncated;
    if truncated {
        let note = format!(
            "drawn in part: {skipped_glyphs} glyph(s), {skipped_segments} ruling(s) and {skipped_cells} cell box(es) past the drawing's bounds left out{}",
            if content.truncated { "; the page holds more text than is read" } else { "" }
        );
        let _ = writeln!(
            out,
            "<text class=\"note\" x=\"4\" y=\"12\" font-size=\"9\" fill=\"#d93025\" font-family=\"sans-serif\">{}</text>",
            escape(&note)
        );
    }
    out.push_str("</svg>\n");
    PageDrawing { svg: out, page, pages: read.pages, outlined: cells.len().min(MAX_DRAWN_CELLS), truncated }
}
