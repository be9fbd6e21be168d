//! Lines of text: glyphs grouped into lines by baseline (a glyph overprinted for fake bold kept
//! once, as bold), and lines joined into text with the spacing rules of Chinese text
//! ([`LineJoiner`]), keeping a break where the author made one ([`join_lines`]).

use crate::model::{RichText, Run};

use super::super::content::{Glyph, PageContent};
use super::is_closing_punctuation;
use crate::normalize::{is_cjk, is_han};

/// A glyph in down coordinates with what layout needs.
#[derive(Clone, Copy, Debug)]
pub(super) struct Placed {
    pub(super) x0: f32,
    pub(super) x1: f32,
    pub(super) base: f32,
    pub(super) size: f32,
    pub(super) bold: bool,
    /// The glyph's text is not all white space (decided once, when the glyph is placed).
    pub(super) ink: bool,
    pub(super) index: u32,
}

/// A line of text: glyphs left to right on one baseline.
#[derive(Debug)]
pub(super) struct Line {
    pub(super) glyphs: Vec<Placed>,
    pub(super) x0: f32,
    pub(super) x1: f32,
    pub(super) base: f32,
    pub(super) size: f32,
}

/// Groups glyphs into lines by baseline, then orders each line by x. A glyph drawn twice at
/// (almost) the same place — fake bold by overprinting — is kept once, as bold.
pub(super) fn group_lines(mut glyphs: Vec<Placed>, content: &PageContent) -> Vec<Line> {
    // Glyphs usually come in reading order, already sorted: checking is cheaper than sorting.
    if !glyphs.is_sorted_by(|a, b| a.base.total_cmp(&b.base).is_le()) {
        glyphs.sort_by(|a, b| a.base.total_cmp(&b.base));
    }
    // A line is a run of the sorted glyphs: each glyph within 0.45 of a size below the run's
    // first. Each line's glyphs are copied once, at their number, rather than pushed one by one.
    let mut lines: Vec<Line> = Vec::new();
    let mut rest = &glyphs[..];
    while let Some(first) = rest.first() {
        let n = rest[1..].iter().position(|g| !joins_line(first, g)).map_or(rest.len(), |p| p + 1);
        lines.push(Line { glyphs: rest[..n].to_vec(), x0: 0.0, x1: 0.0, base: first.base, size: first.size });
        rest = &rest[n..];
    }
    // The median size of each line, found in one buffer for all lines.
    let mut sizes: Vec<f32> = Vec::new();
    for line in &mut lines {
        if !line.glyphs.is_sorted_by(|a, b| a.x0.total_cmp(&b.x0).is_le()) {
            line.glyphs.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        }
        // A glyph drawn again at about the same place (a producer's fake bold) is dropped and
        // makes the one kept bold; the kept glyphs are moved to the front in place.
        let mut kept = 0;
        for i in 0..line.glyphs.len() {
            let g = line.glyphs[i];
            // Of the last three kept, the nearest that starts within a fifth of a size and has the
            // same text; the texts are compared only for a glyph that close (rare).
            let near = 0.2 * g.size.max(1.0);
            let duplicate = (1..=kept.min(3)).find(|&back| {
                let k = &line.glyphs[kept - back];
                (k.x0 - g.x0).abs() < near
                    && content.glyph_text(glyph_of(content, k)) == content.glyph_text(glyph_of(content, &g))
            });
            match duplicate {
                Some(back) if g.ink => line.glyphs[kept - back].bold = true,
                _ => {
                    line.glyphs[kept] = g;
                    kept += 1;
                }
            }
        }
        line.glyphs.truncate(kept);
        measure_line(line, &mut sizes);
    }
    lines.retain(|l| l.glyphs.iter().any(|g| g.ink));
    lines
}

/// Whether glyph `g`, sorted by baseline after `first`, is on the line `first` starts: within
/// 0.45 of a size below it.
fn joins_line(first: &Placed, g: &Placed) -> bool {
    g.base - first.base <= 0.45 * first.size.max(g.size)
}

/// Sets a line's extent and its size (the median of its glyphs'; `sizes` is a buffer to reuse).
/// The line has a glyph.
fn measure_line(line: &mut Line, sizes: &mut Vec<f32>) {
    line.x0 = line.glyphs.iter().map(|g| g.x0).fold(f32::MAX, f32::min);
    line.x1 = line.glyphs.iter().map(|g| g.x1).fold(f32::MIN, f32::max);
    // Most lines are in one size, which is then the median.
    let first = line.glyphs[0].size;
    if line.glyphs.iter().all(|g| g.size.to_bits() == first.to_bits()) {
        line.size = first;
        return;
    }
    sizes.clear();
    sizes.extend(line.glyphs.iter().map(|g| g.size));
    let middle = sizes.len() / 2;
    line.size = *sizes.select_nth_unstable_by(middle, f32::total_cmp).1;
}

/// The lines of a cell whose glyphs come in `parts`, each a run of consecutive glyphs of one line
/// [`group_lines`] made (so ordered by x and without overprinted duplicates), in the order of
/// those lines: what `group_lines` makes of all the glyphs, which is the parts themselves when
/// they are in baseline order and each would start a line of its own that ends where the part
/// ends. Then the grouping, ordering and deduplication are not done again (the last finds nothing
/// in a run of a deduplicated line: it compares each glyph with fewer of the glyphs before it);
/// otherwise (a part's glyphs on two baselines, two parts on one) the glyphs are grouped anew.
pub(super) fn lines_of_parts(mut parts: Vec<Vec<Placed>>, content: &PageContent) -> Vec<Line> {
    parts.retain(|p| !p.is_empty());
    let in_order = parts.iter().flatten().is_sorted_by(|a, b| a.base.total_cmp(&b.base).is_le());
    let own_lines = in_order
        && parts.iter().enumerate().all(|(k, part)| {
            let first = &part[0];
            part[1..].iter().all(|g| joins_line(first, g))
                && parts.get(k + 1).is_none_or(|next| !joins_line(first, &next[0]))
        });
    if !own_lines {
        return group_lines(parts.concat(), content);
    }
    let mut sizes: Vec<f32> = Vec::new();
    let mut lines: Vec<Line> = parts
        .into_iter()
        .map(|glyphs| {
            let (base, size) = (glyphs[0].base, glyphs[0].size);
            let mut line = Line { glyphs, x0: 0.0, x1: 0.0, base, size };
            measure_line(&mut line, &mut sizes);
            line
        })
        .collect();
    lines.retain(|l| l.glyphs.iter().any(|g| g.ink));
    lines
}

pub(super) fn glyph_of<'c>(content: &'c PageContent, p: &Placed) -> &'c Glyph {
    &content.glyphs[p.index as usize]
}

/// Builds rich text from glyphs and lines with the spacing rules of Chinese text: no space between
/// CJK and Latin or digits (which removes the "autospace" gap producers put there), one space
/// between two Latin words (a space glyph or a gap of a quarter em), and a space glyph between two
/// CJK characters kept as one space (a deliberate one, as in "教育部 甘肃省人民政府"). A soft line
/// break adds a space only between two Latin words.
#[derive(Default)]
pub(super) struct LineJoiner {
    runs: Vec<Run>,
    last: Option<char>,
    /// A space glyph was seen since the last character.
    space_glyph: bool,
    /// A word gap or a soft line break was seen since the last character.
    soft_gap: bool,
    /// Bytes to reserve for a new run: the text expected in all (glyph texts and separators).
    expected_len: usize,
}

impl LineJoiner {
    /// A joiner for about `expected_len` bytes of text, so that a run grows in one allocation.
    pub(super) fn with_expected_len(expected_len: usize) -> Self {
        LineJoiner { expected_len, ..Default::default() }
    }

    fn push(&mut self, text: &str, bold: bool) {
        match self.runs.last_mut() {
            Some(run) if run.bold == bold => run.text.push_str(text),
            _ => {
                let mut run = String::with_capacity(self.expected_len.max(text.len()));
                run.push_str(text);
                self.runs.push(Run { text: run, bold });
            }
        }
    }

    /// [`LineJoiner::push`] for one character (encoded in place, not copied from a slice).
    fn push_char(&mut self, c: char, bold: bool) {
        match self.runs.last_mut() {
            Some(run) if run.bold == bold => run.text.push(c),
            _ => self.push(c.encode_utf8(&mut [0; 4]), bold),
        }
    }

    /// Adds the text of one glyph. `gap_before` says the glyph stands apart from the previous one
    /// (a word gap).
    pub(super) fn glyph(&mut self, text: &str, bold: bool, gap_before: bool) {
        let mut chars = text.chars();
        let first = chars.next().unwrap_or(' ');
        // Most glyphs are one character: it is decoded once and pushed as a character.
        let single = chars.as_str().is_empty();
        let blank = if single { first.is_whitespace() } else { text.chars().all(char::is_whitespace) };
        if blank {
            self.space_glyph = true;
            return;
        }
        if let Some(prev) = self.last {
            // After a hyphen or slash at a line end the word goes on ("1-\n2" is "1-2").
            let latin_pair = !(is_cjk(prev) || is_cjk(first) || self.soft_gap && matches!(prev, '-' | '/'));
            let ideograph_pair = is_han(prev) && is_han(first);
            if (latin_pair && (self.space_glyph || self.soft_gap || gap_before)) || (ideograph_pair && self.space_glyph)
            {
                self.push(" ", bold);
            }
        }
        self.space_glyph = false;
        self.soft_gap = false;
        if single {
            self.push_char(first, bold);
            self.last = Some(first);
        } else {
            self.push(text, bold);
            self.last = text.chars().last();
        }
    }

    /// Ends a line. `hard` makes it a line break kept as `'\n'`; otherwise the next line continues
    /// the text (a space only between two Latin words).
    pub(super) fn line_break(&mut self, hard: bool) {
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

    pub(super) fn finish(mut self) -> RichText {
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
pub(super) fn join_lines(
    lines: &[Line],
    content: &PageContent,
    keep_breaks: bool,
    cell: Option<(f32, f32)>,
) -> RichText {
    // Glyph texts, and a space or line break after each line.
    let expected_len =
        lines.iter().flat_map(|l| &l.glyphs).map(|g| content.glyph_text(glyph_of(content, g)).len()).sum::<usize>()
            + lines.len();
    let mut joiner = LineJoiner::with_expected_len(expected_len);
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
            if g.ink {
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
    let texts: Vec<(&str, &Placed)> =
        line.glyphs.iter().filter(|g| g.ink).map(|g| (content.glyph_text(glyph_of(content, g)), g)).collect();
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
        let opening =
            |t: &str| t.chars().all(|c| matches!(c, '（' | '《' | '「' | '『' | '【' | '〔' | '“' | '‘' | '(' | '['));
        while end < texts.len() && (texts[end].0.chars().all(is_closing_punctuation) || opening(texts[end - 1].0)) {
            end += 1;
        }
    }
    texts[end - 1].1.x1 - g0.x0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Placed glyphs of 10-point text: `(x, baseline down from the top, text)`, each character one
    /// em wide; with the page content they index.
    fn page(runs: &[(f32, f32, &str)]) -> (PageContent, Vec<Placed>) {
        let mut content = PageContent::default();
        for &(x0, down, text) in runs {
            for (k, c) in text.chars().enumerate() {
                let start = content.text.len() as u32;
                content.text.push(c);
                content.glyphs.push(Glyph {
                    x: x0 + 10.0 * k as f32,
                    y: 600.0 - down,
                    width: 10.0,
                    size: 10.0,
                    bold: false,
                    text_start: start,
                    text_end: content.text.len() as u32,
                });
            }
        }
        let placed = super::super::placed(&content, 600.0);
        (content, placed)
    }

    /// A line's glyphs (index, bold) and its `[x0, x1, base, size]`.
    type Shape = (Vec<(u32, bool)>, [f32; 4]);

    /// What a line is made of, to compare the lines two ways give.
    fn shape(lines: &[Line]) -> Vec<Shape> {
        lines
            .iter()
            .map(|l| (l.glyphs.iter().map(|g| (g.index, g.bold)).collect(), [l.x0, l.x1, l.base, l.size]))
            .collect()
    }

    /// A cell's parts cut from the page's lines: each line's glyphs starting at or after `from`.
    fn column(lines: &[Line], from: f32) -> Vec<Vec<Placed>> {
        lines.iter().map(|l| l.glyphs.iter().filter(|g| g.x0 >= from).copied().collect()).collect()
    }

    #[test]
    fn parts_of_grouped_lines_are_the_lines_group_lines_makes() {
        // Two columns on three lines; in the second column a glyph overprinted for bold and a
        // superscript-like glyph a little below its line's baseline.
        let (content, glyphs) = page(&[
            (0.0, 100.0, "序号"),
            (100.0, 100.0, "牵头处室"),
            (110.0, 100.0, "头"),
            (0.0, 114.0, "1"),
            (100.0, 114.0, "基教处"),
            (130.0, 116.0, "注"),
            (100.0, 128.0, "高教处"),
        ]);
        let lines = group_lines(glyphs, &content);
        assert_eq!(lines.len(), 3);
        let parts = column(&lines, 100.0);
        let fast = lines_of_parts(parts.clone(), &content);
        assert_eq!(shape(&fast), shape(&group_lines(parts.concat(), &content)));
        assert!(fast[0].glyphs.iter().any(|g| g.bold), "the overprinted glyph stays bold");
        assert_eq!(fast.len(), 3);
    }

    #[test]
    fn parts_that_are_not_lines_of_their_own_are_grouped_anew() {
        let (content, glyphs) = page(&[(0.0, 100.0, "基教处"), (0.0, 101.0, "高教处"), (0.0, 130.0, "职教处")]);
        let all = |k: usize| glyphs[k];
        // Two parts on one baseline: one line.
        let same_line = vec![vec![all(0), all(1)], vec![all(3), all(4)]];
        // One part with glyphs on two baselines: two lines.
        let two_lines = vec![vec![all(0), all(1), all(6), all(7)]];
        // Parts out of baseline order.
        let upside_down = vec![vec![all(6), all(7)], vec![all(0), all(1)]];
        for parts in [same_line, two_lines, upside_down] {
            let expected = group_lines(parts.concat(), &content);
            assert_eq!(shape(&lines_of_parts(parts, &content)), shape(&expected));
        }
        assert_eq!(lines_of_parts(vec![vec![all(0), all(1)], vec![all(3), all(4)]], &content).len(), 1);
        assert_eq!(lines_of_parts(vec![vec![all(0), all(1), all(6), all(7)]], &content).len(), 2);
    }

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
}
