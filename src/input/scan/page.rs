//! One scanned page into blocks: level it, find its tables, OCR each cell and the text around the
//! tables, and lay the result out as the document model's tables and paragraphs.

use crate::model::{BBox, Block, Cell, Origin, RichText, Row, Table};

use super::clean::{fold, join_lines, line_text, repair_quotes, strip_edge_rulings};
use super::deskew::{estimate_skew, otsu, rotate};
use super::error::OcrError;
use super::grid::{find_rulings, lattice, RuledGrid, RulingSizes};
use super::image::{Gray, PageImage};
use super::ocr::{Layout, Models, OcrLine, Tesseract};

/// What OCR said about one table cell.
#[derive(Clone, Debug, PartialEq)]
pub struct CellRead {
    pub page: u32,
    /// The cell's box in the model (points, the page's lower left origin): its key.
    pub bbox: BBox,
    /// Position in its page's table: table index on the page, row, column (0-based).
    pub table: usize,
    pub row: usize,
    pub col: usize,
    /// The text as OCR gave it, words joined and confusions folded.
    pub text: String,
    /// The lowest confidence of its words (100 for an empty cell), and that word.
    pub conf: f32,
    pub weakest: String,
    /// What OCR read before a doubtful character was changed by the lexicon
    /// ([`super::lexicon`]); `None` when nothing was.
    pub lexicon_read: Option<String>,
}

/// A page read by OCR.
#[derive(Clone, Debug, Default)]
pub struct PageRead {
    pub blocks: Vec<Block>,
    pub cells: Vec<CellRead>,
    /// The skew corrected, degrees.
    pub skew: f32,
    pub dpi: f32,
    /// Per table: columns × rows, for the diagnostic the vector path gives too.
    pub tables: Vec<(usize, usize)>,
}

/// A region of the level page to OCR, in pixels `[x0, y0, x1, y1)`.
type PxBox = [usize; 4];

/// Copies the ink inside `area` (pixels outside it white), cropped to the ink's bounding box plus
/// a margin, with a white border for tesseract. `None` when the area holds no ink. The area's
/// edges are first pulled in past any ruling left in them.
fn crop_ink(level: &Gray, ink: u8, area: PxBox, margin: usize, min_ink: usize) -> Option<Gray> {
    let [mut x0, mut y0, mut x1, mut y1] = area;
    let dark = |x: usize, y: usize| level.pixels[y * level.width + x] < ink;
    let row_dark = |y: usize, x0: usize, x1: usize| (x0..x1).filter(|&x| dark(x, y)).count();
    let col_dark = |x: usize, y0: usize, y1: usize| (y0..y1).filter(|&y| dark(x, y)).count();
    for _ in 0..margin {
        if y1 > y0 + 2 && row_dark(y0, x0, x1) * 3 > x1 - x0 {
            y0 += 1;
        }
        if y1 > y0 + 2 && row_dark(y1 - 1, x0, x1) * 3 > x1 - x0 {
            y1 -= 1;
        }
        if x1 > x0 + 2 && col_dark(x0, y0, y1) * 3 > y1 - y0 {
            x0 += 1;
        }
        if x1 > x0 + 2 && col_dark(x1 - 1, y0, y1) * 3 > y1 - y0 {
            x1 -= 1;
        }
    }
    if x1 <= x0 + 2 || y1 <= y0 + 2 {
        return None;
    }
    // Ink: dark pixels with at least two dark neighbours (specks of noise are not ink).
    let (mut bx0, mut by0, mut bx1, mut by1, mut count) = (usize::MAX, usize::MAX, 0, 0, 0usize);
    for y in y0 + 1..y1 - 1 {
        for x in x0 + 1..x1 - 1 {
            if !dark(x, y) {
                continue;
            }
            let neighbours = [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1), (x - 1, y - 1), (x + 1, y + 1)]
                .iter()
                .filter(|&&(a, b)| dark(a, b))
                .count();
            if neighbours >= 2 {
                count += 1;
                (bx0, by0, bx1, by1) = (bx0.min(x), by0.min(y), bx1.max(x + 1), by1.max(y + 1));
            }
        }
    }
    if count < min_ink {
        return None;
    }
    let (cx0, cy0) = (bx0.saturating_sub(margin).max(x0), by0.saturating_sub(margin).max(y0));
    let (cx1, cy1) = ((bx1 + margin).min(x1), (by1 + margin).min(y1));
    Some(level.framed((cx0, cy0, cx1, cy1), margin.max(8)))
}

/// The text of recognized lines, folded, with its lowest word confidence and that word.
fn text_of(lines: &[OcrLine], space: f32) -> (String, f32, String) {
    let mut texts = Vec::new();
    let (mut conf, mut weakest) = (100.0f32, String::new());
    for line in lines {
        let (t, _) = line_text(line, space);
        texts.push(strip_edge_rulings(&t));
        for w in &line.words {
            if w.conf < conf {
                conf = w.conf;
                weakest = w.text.clone();
            }
        }
    }
    (fold(&join_lines(texts.iter().map(String::as_str))), conf, weakest)
}

/// The confidence given to a cell OCR read fewer lines of than its crop shows (below
/// [`super::LOW_CONFIDENCE`]: the cell is flagged).
const LOST_LINE_CONFIDENCE: f32 = 50.0;

/// The resolution an unsure crop of a fine scan is read again at: tesseract reads some characters
/// of a 300 dpi grey scan better shrunk to this (measured on the seed's scans: 支 read as 文, 培 as
/// 塔 at 300 dpi).
const REREAD_DPI: f32 = 200.0;

/// Confidence of a reading: its words' confidence weighted by their characters, and the
/// characters read.
fn reading_confidence(lines: &[OcrLine]) -> (f32, usize) {
    let (mut sum, mut chars) = (0.0f32, 0usize);
    for w in lines.iter().flat_map(|l| &l.words) {
        let n = w.text.chars().count();
        sum += w.conf * n as f32;
        chars += n;
    }
    (if chars == 0 { 0.0 } else { sum / chars as f32 }, chars)
}

/// The lines of text a crop shows: bands of rows with ink at least `min_height` pixels tall
/// (specks and the strokes of one character split by a gap are not lines; lines set close enough
/// to touch count as one, so the count errs low).
fn ink_lines(crop: &Gray, ink: u8, min_height: usize) -> usize {
    let mut lines = 0;
    let mut run = 0;
    for y in 0..=crop.height {
        let inked = y < crop.height
            && crop.pixels[y * crop.width..(y + 1) * crop.width].windows(2).any(|w| w[0] < ink && w[1] < ink);
        if inked {
            run += 1;
        } else {
            lines += usize::from(run >= min_height);
            run = 0;
        }
    }
    lines
}

/// Reads again, at another scale and with the Chinese model alone ([`Models::Chinese`]), every
/// crop whose reading has a word below [`super::LOW_CONFIDENCE`] or fewer lines than the crop
/// shows (tesseract drops a line now and then, with no word to say so: 安稳 of 安稳处 read as
/// 处) — shrunk to [`REREAD_DPI`] from a finer scan, grown by half from a coarser one. The two
/// readings err in different places: where the second has all the lines the first has, they are
/// merged character by character, each difference taken from the reading surer of it
/// ([`merge_readings`]: a comma one reading lost, a character the other misread). Where the first
/// lost lines, the second reading is kept whole when OCR is surer of it overall and it lost no
/// more than a tenth of the characters, or the lines it recovers are taken in, no more than the
/// crop shows, read with confidence. Word boxes stay in the crop's own pixels.
fn reread_unsure(
    crops: &[Gray],
    lines_shown: &[usize],
    read: &mut [Vec<OcrLine>],
    dpi: f32,
    tesseract: &Tesseract,
) -> Result<(), OcrError> {
    let lost_lines = |lines: &[OcrLine], i: usize| lines.len() < lines_shown[i];
    let unsure: Vec<usize> = (0..crops.len())
        .filter(|&i| {
            read[i].iter().flat_map(|l| &l.words).any(|w| w.conf < super::LOW_CONFIDENCE) || lost_lines(&read[i], i)
        })
        .collect();
    if unsure.is_empty() {
        return Ok(());
    }
    let factor = if dpi > REREAD_DPI * 1.25 { REREAD_DPI / dpi } else { 1.5 };
    let scaled: Vec<Gray> = unsure.iter().map(|&i| crops[i].resampled(factor)).collect();
    let refs: Vec<&Gray> = scaled.iter().collect();
    let again = tesseract.recognize_with(&refs, Layout::Block, None, Models::Chinese)?;
    for (lines, &i) in again.into_iter().zip(&unsure) {
        let back = |v: i32| (v as f32 / factor).round() as i32;
        let lines: Vec<OcrLine> = lines
            .into_iter()
            .map(|mut l| {
                l.bbox = l.bbox.map(back);
                l.words.iter_mut().for_each(|w| w.bbox = w.bbox.map(back));
                l
            })
            .collect();
        let (before, before_chars) = reading_confidence(&read[i]);
        let (after, after_chars) = reading_confidence(&lines);
        if !lost_lines(&read[i], i) {
            read[i] = merge_readings(&read[i], &lines);
        } else if after > before && after_chars * 10 >= before_chars * 9 {
            read[i] = lines;
        } else {
            // Lines the first reading lost, taken from the second where it read them with
            // confidence; a line both read is kept as the surer one read it.
            let merged = merge_lines(&read[i], &lines);
            if merged.len() > read[i].len() && merged.len() <= lines_shown[i] {
                read[i] = merged;
            }
        }
    }
    Ok(())
}

/// Two readings of one crop merged line by line: lines that overlap by more than half of the
/// shorter's height are one line, kept as the reading surer of it; a line only one reading has
/// is kept when its words are read with confidence ([`super::LOW_CONFIDENCE`]). Top to bottom.
fn merge_lines(first: &[OcrLine], second: &[OcrLine]) -> Vec<OcrLine> {
    let conf = |l: &OcrLine| reading_confidence(std::slice::from_ref(l)).0;
    let mut out: Vec<OcrLine> = Vec::new();
    for a in first {
        match second.iter().find(|b| one_line(a, b, Overlap::OfShorter)) {
            Some(b) if conf(b) > conf(a) => out.push(b.clone()),
            _ => out.push(a.clone()),
        }
    }
    with_sure_lines_only_second_has(out, first, second)
}

/// How much two lines' heights must overlap to be one line: more than half of the shorter's, or
/// of the taller's (a line one reading ran together with the next then pairs with neither).
#[derive(Clone, Copy)]
enum Overlap {
    OfShorter,
    OfTaller,
}

/// Whether two readings' lines are one line of the crop.
fn one_line(a: &OcrLine, b: &OcrLine, overlap: Overlap) -> bool {
    let common = a.bbox[3].min(b.bbox[3]) - a.bbox[1].max(b.bbox[1]);
    let (ha, hb) = (a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1]);
    let base = match overlap {
        Overlap::OfShorter => ha.min(hb),
        Overlap::OfTaller => ha.max(hb),
    };
    common * 2 > base.max(1)
}

/// `out` (lines from the first reading, or merged) with the lines only the second reading has,
/// where it read every word with confidence ([`super::LOW_CONFIDENCE`]); top to bottom.
fn with_sure_lines_only_second_has(mut out: Vec<OcrLine>, first: &[OcrLine], second: &[OcrLine]) -> Vec<OcrLine> {
    let sure = |l: &OcrLine| l.words.iter().all(|w| w.conf >= super::LOW_CONFIDENCE);
    for b in second {
        if !first.iter().any(|a| one_line(a, b, Overlap::OfShorter)) && sure(b) {
            out.push(b.clone());
        }
    }
    out.sort_by_key(|l| l.bbox[1]);
    out
}

/// One character of a line as read, with its word's confidence and its share of the word's box.
#[derive(Clone, Debug)]
pub(super) struct ReadChar {
    pub(super) c: char,
    pub(super) conf: f32,
    bbox: [i32; 4],
}

/// The characters of a line, each with its word's confidence and an equal share of its word's
/// width (tesseract gives boxes per word only).
pub(super) fn read_chars(line: &OcrLine) -> Vec<ReadChar> {
    let mut out = Vec::new();
    for w in &line.words {
        let n = w.text.chars().count().max(1) as i32;
        let width = w.bbox[2] - w.bbox[0];
        for (k, c) in w.text.chars().enumerate() {
            let k = k as i32;
            let (x0, x1) = (w.bbox[0] + width * k / n, w.bbox[0] + width * (k + 1) / n);
            out.push(ReadChar { c, conf: w.conf, bbox: [x0, w.bbox[1], x1, w.bbox[3]] });
        }
    }
    out
}

/// Characters back into a line: characters that came from one word (touching boxes of the same
/// confidence) are one word again, so that word gaps and spaces stay as read.
pub(super) fn line_of(chars: &[ReadChar]) -> OcrLine {
    let mut words: Vec<super::ocr::Word> = Vec::new();
    for ch in chars {
        match words.last_mut() {
            Some(w) if w.bbox[2] == ch.bbox[0] && w.conf == ch.conf => {
                w.text.push(ch.c);
                w.bbox[2] = ch.bbox[2];
                w.bbox[1] = w.bbox[1].min(ch.bbox[1]);
                w.bbox[3] = w.bbox[3].max(ch.bbox[3]);
            }
            _ => words.push(super::ocr::Word { text: ch.c.to_string(), conf: ch.conf, bbox: ch.bbox }),
        }
    }
    let bbox =
        words.iter().map(|w| w.bbox).reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]);
    OcrLine { words, bbox: bbox.unwrap_or_default() }
}

/// The longest line two readings are aligned on, in characters: a line across an A4 page at 300 dpi
/// holds a few hundred at the smallest print.
const MAX_ALIGNED_CHARS: usize = 1_000;

/// The confidence given to reading nothing where the other reading has characters: a run one
/// reading has and the other lacks is kept when it was read surer than this.
const GAP_CONFIDENCE: f32 = 60.0;

/// The confidence given to what was chosen where the other reading was sure of something else
/// (below [`super::LOW_CONFIDENCE`], so the cell is flagged for a person).
const DISPUTED_CONFIDENCE: f32 = 50.0;

/// Two readings of one line merged character by character: the readings are aligned (fewest
/// edits), and where they differ, the run read with the higher confidence (its least sure
/// character) is kept, or the first reading's where both runs are punctuation; a run only one
/// reading has is kept when read surer than [`GAP_CONFIDENCE`]. What was chosen against a
/// reading sure of something else gets [`DISPUTED_CONFIDENCE`].
fn merge_line(a: &OcrLine, b: &OcrLine) -> OcrLine {
    let (x, y) = (read_chars(a), read_chars(b));
    let (n, m) = (x.len(), y.len());
    // The alignment takes n × m cells: a line longer than any a page holds (garbage read from a
    // damaged image) is not aligned; the reading surer of it overall is kept whole.
    if n > MAX_ALIGNED_CHARS || m > MAX_ALIGNED_CHARS {
        let conf = |l: &OcrLine| reading_confidence(std::slice::from_ref(l)).0;
        return if conf(b) > conf(a) { b.clone() } else { a.clone() };
    }
    let mut d = vec![vec![0u32; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i as u32;
    }
    for (j, v) in d[0].iter_mut().enumerate() {
        *v = j as u32;
    }
    for i in 1..=n {
        for j in 1..=m {
            let sub = d[i - 1][j - 1] + u32::from(x[i - 1].c != y[j - 1].c);
            d[i][j] = sub.min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
        }
    }
    // The alignment, front to back: (index in x, index in y), None for a gap.
    let mut pairs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        if i > 0 && j > 0 && d[i][j] == d[i - 1][j - 1] + u32::from(x[i - 1].c != y[j - 1].c) {
            pairs.push((Some(i - 1), Some(j - 1)));
            (i, j) = (i - 1, j - 1);
        } else if i > 0 && d[i][j] == d[i - 1][j] + 1 {
            pairs.push((Some(i - 1), None));
            i -= 1;
        } else {
            pairs.push((None, Some(j - 1)));
            j -= 1;
        }
    }
    pairs.reverse();
    let same = |p: &(Option<usize>, Option<usize>)| matches!(p, (Some(i), Some(j)) if x[*i].c == y[*j].c);
    let mut out: Vec<ReadChar> = Vec::new();
    let mut k = 0;
    while k < pairs.len() {
        if same(&pairs[k]) {
            let (Some(i), Some(j)) = pairs[k] else { unreachable!() };
            out.push(if y[j].conf > x[i].conf { y[j].clone() } else { x[i].clone() });
            k += 1;
            continue;
        }
        let start = k;
        while k < pairs.len() && !same(&pairs[k]) {
            k += 1;
        }
        let run_x: Vec<&ReadChar> = pairs[start..k].iter().filter_map(|p| p.0.map(|i| &x[i])).collect();
        let run_y: Vec<&ReadChar> = pairs[start..k].iter().filter_map(|p| p.1.map(|j| &y[j])).collect();
        let conf = |run: &[&ReadChar]| {
            if run.is_empty() {
                GAP_CONFIDENCE
            } else {
                run.iter().map(|c| c.conf).fold(f32::MAX, f32::min)
            }
        };
        // Marks against marks: the first reading's, at the scan's own resolution, where small
        // marks (，；：。) keep their shape better than in a resampled crop.
        let small = |c: char| matches!(c, '，' | '；' | '：' | '。' | '、' | ',' | ';' | ':' | '.');
        let marks = |run: &[&ReadChar]| !run.is_empty() && run.iter().all(|c| small(c.c));
        let (chosen, other) = if marks(&run_x) && marks(&run_y) {
            (run_x, run_y)
        } else if conf(&run_y) > conf(&run_x) {
            (run_y, run_x)
        } else {
            (run_x, run_y)
        };
        // Two readings each sure of something else: a person checks the cell.
        let disputed = conf(&other) >= super::LOW_CONFIDENCE;
        out.extend(chosen.into_iter().map(|c| {
            let mut c = c.clone();
            if disputed {
                c.conf = c.conf.min(DISPUTED_CONFIDENCE);
            }
            c
        }));
    }
    line_of(&out)
}

/// Two readings of one crop merged: lines that overlap (as in [`merge_lines`]) merged character
/// by character ([`merge_line`]); a line only one reading has is kept as [`merge_lines`] keeps it.
fn merge_readings(first: &[OcrLine], second: &[OcrLine]) -> Vec<OcrLine> {
    let mut out: Vec<OcrLine> = Vec::new();
    let mut used = vec![false; second.len()];
    for a in first {
        let partner = (0..second.len()).find(|&j| !used[j] && one_line(a, &second[j], Overlap::OfTaller));
        match partner {
            Some(j) => {
                used[j] = true;
                out.push(merge_line(a, &second[j]));
            }
            None => out.push(a.clone()),
        }
    }
    with_sure_lines_only_second_has(out, first, second)
}

/// A line of text outside the tables, in points (down coordinates).
struct TextLine {
    text: String,
    x0: f32,
    x1: f32,
    top: f32,
    bottom: f32,
}

/// Groups lines outside tables into paragraphs and headings, as the PDF front-end does with
/// text: a new paragraph after a wide gap, at an indented or centred line, after a short line,
/// or where the size changes; clearly taller lines are headings.
fn paragraphs(lines: Vec<TextLine>, page: u32, page_width: f32) -> Vec<(f32, Block)> {
    if lines.is_empty() {
        return Vec::new();
    }
    let mut heights: Vec<f32> = lines.iter().map(|l| l.bottom - l.top).collect();
    heights.sort_by(f32::total_cmp);
    let body = heights[heights.len() / 2].max(1.0);
    let left = lines.iter().map(|l| l.x0).fold(f32::MAX, f32::min);
    let right = lines.iter().map(|l| l.x1).fold(f32::MIN, f32::max);
    let centre = page_width / 2.0;
    let centred = |l: &TextLine| ((l.x0 + l.x1) / 2.0 - centre).abs() < body && l.x0 - left > 2.0 * body;
    let big = |l: &TextLine| l.bottom - l.top > 1.3 * body;
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let new = match i.checked_sub(1).map(|p| &lines[p]) {
            None => true,
            Some(prev) => {
                let gap = line.top - prev.bottom;
                let indented = line.x0 - left > 1.2 * body;
                let prev_short = right - prev.x1 > 2.0 * body;
                let size_change = big(line) != big(prev);
                let title_continues = centred(prev) && centred(line) && !size_change && gap < 0.8 * body;
                !title_continues && (gap > 0.8 * body || indented || prev_short || size_change || centred(line))
            }
        };
        if new {
            groups.push(Vec::new());
        }
        groups.last_mut().expect("a group was started").push(i);
    }
    groups
        .into_iter()
        .map(|g| {
            let text = repair_quotes(&fold(&join_lines(g.iter().map(|&i| lines[i].text.as_str()))), false, false);
            let top = lines[g[0]].top;
            let origin = Origin { page, line: None };
            let block = if big(&lines[g[0]]) {
                Block::Heading { level: 1, text: RichText::plain(text), origin }
            } else {
                Block::Paragraph { text: RichText::plain(text), origin }
            };
            (top, block)
        })
        .collect()
}

/// Reads one page: level it, find its tables, OCR their cells and the text outside them.
pub fn read_page(number: u32, scan: &PageImage, tesseract: &Tesseract) -> Result<PageRead, OcrError> {
    let (sx, sy) = scan.scale();
    let dpi = scan.dpi();
    let threshold = otsu(&scan.image);
    let skew = estimate_skew(&scan.image, threshold);
    let level = rotate(&scan.image, skew);
    let ink = otsu(&level);
    let rulings = find_rulings(&level, ink, sx, RulingSizes::default());
    let placed = scan.placed;
    let grids: Vec<RuledGrid> = lattice(&rulings, |x, y| (placed[0] + x / sx, placed[1] + y / sy));
    let to_px = |x: f32, y: f32| {
        let px = ((x - placed[0]) * sx).round().clamp(0.0, level.width as f32) as usize;
        let py = ((y - placed[1]) * sy).round().clamp(0.0, level.height as f32) as usize;
        (px, py)
    };
    let line_px = rulings.horizontal.iter().chain(&rulings.vertical).map(|l| l.thick).fold(1.0f32, f32::max);
    let inset = (line_px / 2.0).ceil() as usize + 2;
    // A character is about 10 pt: margins, the smallest ink worth reading and a word space.
    let margin = (3.0 * sx).round() as usize;
    let min_ink = ((0.35 * sx) * (4.0 * sx)) as usize;
    let space = 4.5 * sx;

    // Crops of every cell with ink.
    let mut crops: Vec<Gray> = Vec::new();
    // (grid, cell, crop index)
    let mut cell_crops: Vec<(usize, usize, Option<usize>)> = Vec::new();
    let mut masked = level.clone();
    for (t, grid) in grids.iter().enumerate() {
        for (c, cell) in grid.cells.iter().enumerate() {
            let (x0, y0) = to_px(grid.xs[cell.col], grid.ys[cell.row]);
            let (x1, y1) = to_px(grid.xs[cell.col + cell.col_span], grid.ys[cell.row + cell.row_span]);
            let area = [x0 + inset, y0 + inset, x1.saturating_sub(inset), y1.saturating_sub(inset)];
            let crop = (area[2] > area[0] + 4 && area[3] > area[1] + 4)
                .then(|| crop_ink(&level, ink, area, margin, min_ink))
                .flatten();
            cell_crops.push((
                t,
                c,
                crop.map(|g| {
                    crops.push(g);
                    crops.len() - 1
                }),
            ));
        }
        // The table is masked out of the page for reading the text around it.
        let (x0, y0) = to_px(grid.xs[0], grid.ys[0]);
        let (x1, y1) = to_px(*grid.xs.last().expect("a grid has edges"), *grid.ys.last().expect("a grid has edges"));
        let pad = inset + 2;
        for y in y0.saturating_sub(pad)..(y1 + pad).min(masked.height) {
            let row = &mut masked.pixels[y * masked.width..(y + 1) * masked.width];
            let end = (x1 + pad).min(row.len());
            row[x0.saturating_sub(pad)..end].fill(255);
        }
    }
    let refs: Vec<&Gray> = crops.iter().collect();
    let mut read = tesseract.recognize(&refs, Layout::Block, None)?;
    // A line of text is about 10 pt tall; half of it is the least a line of ink is.
    let lines_shown: Vec<usize> = crops.iter().map(|c| ink_lines(c, ink, (5.0 * sy).round() as usize)).collect();
    reread_unsure(&crops, &lines_shown, &mut read, dpi, tesseract)?;
    // Each cell's reading from before the lexicon changed it, where it did.
    let before = super::lexicon::recheck_doubtful(&crops, &mut read, tesseract)?;

    let top = scan.page_size.1;
    let mut cells = Vec::new();
    let mut blocks: Vec<(f32, Block)> = Vec::new();
    let mut tables = Vec::new();
    for (t, grid) in grids.iter().enumerate() {
        let mut rows: Vec<Row> =
            (0..grid.rows()).map(|_| Row { cells: Vec::new(), origin: Origin { page: number, line: None } }).collect();
        for &(_, c, crop) in cell_crops.iter().filter(|(g, _, _)| *g == t) {
            let cell = grid.cells[c];
            let lexicon_read = crop.and_then(|i| before[i].as_ref()).map(|lines| text_of(lines, space).0);
            let (text, conf, weakest) = match crop {
                // Fewer lines read than the crop shows, after the second reading too: a line was
                // lost with no word to say so, and a person checks the cell.
                Some(i) if read[i].len() < lines_shown[i] => {
                    let (text, conf, weakest) = text_of(&read[i], space);
                    if conf < LOST_LINE_CONFIDENCE {
                        (text, conf, weakest)
                    } else {
                        (text, LOST_LINE_CONFIDENCE, "(a line of ink read as no text)".to_string())
                    }
                }
                Some(i) => text_of(&read[i], space),
                None => (String::new(), 100.0, String::new()),
            };
            let (x0, x1) = (grid.xs[cell.col], grid.xs[cell.col + cell.col_span]);
            let (d0, d1) = (grid.ys[cell.row], grid.ys[cell.row + cell.row_span]);
            let bbox = BBox::from_points(f64::from(x0), f64::from(top - d1), f64::from(x1), f64::from(top - d0));
            cells.push(CellRead {
                page: number,
                bbox,
                table: t,
                row: cell.row,
                col: cell.col,
                lexicon_read: lexicon_read.filter(|read| *read != text),
                text: text.clone(),
                conf,
                weakest,
            });
            rows[cell.row].cells.push(Cell {
                text: RichText::plain(text),
                col_span: cell.col_span as u32,
                row_span: cell.row_span as u32,
                bbox: Some(bbox),
            });
        }
        tables.push((grid.columns(), grid.rows()));
        blocks.push((grid.ys[0], Block::Table(Table { rows })));
    }

    // The text around the tables, as one column.
    let page_area = [0, 0, masked.width, masked.height];
    if let Some(_probe) = crop_ink(&masked, ink, page_area, margin, min_ink) {
        let lines = tesseract.recognize(&[&masked], Layout::Column, None)?.pop().unwrap_or_default();
        let text_lines: Vec<TextLine> = lines
            .iter()
            .filter_map(|l| {
                let (text, _) = line_text(l, space);
                let text = fold(&text);
                (!text.is_empty()).then(|| TextLine {
                    text,
                    x0: placed[0] + l.bbox[0] as f32 / sx,
                    x1: placed[0] + l.bbox[2] as f32 / sx,
                    top: placed[1] + l.bbox[1] as f32 / sy,
                    bottom: placed[1] + l.bbox[3] as f32 / sy,
                })
            })
            .collect();
        blocks.extend(paragraphs(text_lines, number, scan.page_size.0));
    }
    blocks.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(PageRead { blocks: blocks.into_iter().map(|(_, b)| b).collect(), cells, skew, dpi, tables })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ink_lines_counts_bands_of_text_not_specks() {
        let mut crop = Gray::white(60, 100);
        let mut fill = |y0: usize, y1: usize, x0: usize, x1: usize| {
            for y in y0..y1 {
                crop.pixels[y * 60 + x0..y * 60 + x1].fill(0);
            }
        };
        fill(10, 30, 5, 50); // a line
        fill(45, 65, 5, 20); // a second, shorter line
        fill(80, 82, 30, 33); // a speck
        assert_eq!(ink_lines(&crop, 128, 8), 2);
    }

    /// Lines longer than a page holds are not aligned (n × m cells): the surer one is kept whole.
    #[test]
    fn overlong_lines_are_not_aligned() {
        let long = |c: char, conf: f32| {
            let text: String = std::iter::repeat_n(c, MAX_ALIGNED_CHARS + 1).collect();
            line_read(&text, &vec![conf; MAX_ALIGNED_CHARS + 1], 0)
        };
        let (unsure, sure) = (long('甲', 40.0), long('乙', 90.0));
        assert_eq!(merge_line(&unsure, &sure), sure);
        assert_eq!(merge_line(&sure, &unsure), sure);
    }

    /// A line of one-character words at 40 px each, `confs[i]` the confidence of character i.
    fn line_read(text: &str, confs: &[f32], y: i32) -> OcrLine {
        let words: Vec<super::super::ocr::Word> = text
            .chars()
            .zip(confs)
            .enumerate()
            .map(|(i, (c, &conf))| {
                let x = 40 * i as i32;
                super::super::ocr::Word { text: c.to_string(), conf, bbox: [x, y, x + 38, y + 30] }
            })
            .collect();
        let bbox = [0, y, 40 * words.len() as i32, y + 30];
        OcrLine { words, bbox }
    }

    fn text(lines: &[OcrLine]) -> Vec<String> {
        lines.iter().map(|l| l.words.iter().map(|w| w.text.as_str()).collect()).collect()
    }

    #[test]
    fn two_readings_merge_character_by_character_by_confidence() {
        // The first misreads a character the second reads surely; the second loses a comma the
        // first read surely and adds a character neither is sure of.
        let first = line_read("加强甲乙，丙丁戊己庚", &[95.0, 95.0, 20.0, 95.0, 90.0, 95.0, 95.0, 95.0, 95.0, 95.0], 0);
        let second =
            line_read("加强申乙丙丁戊辛己庚", &[95.0, 95.0, 85.0, 95.0, 95.0, 95.0, 95.0, 30.0, 95.0, 95.0], 0);
        assert_eq!(
            text(&merge_readings(std::slice::from_ref(&first), std::slice::from_ref(&second))),
            ["加强申乙，丙丁戊己庚"]
        );
        // Order does not matter.
        assert_eq!(text(&merge_readings(&[second], &[first])), ["加强申乙，丙丁戊己庚"]);
        // Punctuation against punctuation: the first reading's; both sure: disputed, flagged.
        let merged = merge_readings(
            &[line_read("甲；乙", &[95.0, 80.0, 95.0], 0)],
            &[line_read("甲，乙", &[95.0, 96.0, 95.0], 0)],
        );
        assert_eq!(text(&merged), ["甲；乙"]);
        assert!(merged[0].words[1].conf < super::super::LOW_CONFIDENCE);
    }

    #[test]
    fn a_line_read_run_together_with_the_next_is_not_merged_into_both() {
        let first = [line_read("甲乙丙", &[90.0; 3], 0), line_read("丁戊", &[90.0; 2], 40)];
        // The second reading ran both lines into one, as tall as both.
        let mut both = line_read("甲乙丙丁戊", &[95.0; 5], 0);
        both.bbox[3] = 70;
        let merged = merge_readings(&first, &[both]);
        assert_eq!(text(&merged), ["甲乙丙", "丁戊"]);
    }

    #[test]
    fn a_line_lost_by_one_reading_is_taken_from_the_other() {
        let line = |text: &str, conf: f32, y: i32| OcrLine {
            words: vec![super::super::ocr::Word { text: text.into(), conf, bbox: [0, y, 40, y + 20] }],
            bbox: [0, y, 40, y + 20],
        };
        let first = [line("处", 96.0, 40)];
        let second = [line("安稳", 96.0, 10), line("福", 30.0, 42)];
        let merged = merge_lines(&first, &second);
        let texts: Vec<&str> = merged.iter().map(|l| l.words[0].text.as_str()).collect();
        assert_eq!(texts, ["安稳", "处"]);
        assert_eq!(merge_lines(&first, &[line("某", 40.0, 10)]).len(), 1, "an unsure line is not taken");
    }
}
