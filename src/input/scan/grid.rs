//! Rulings from pixels, and the lattice grid they make.
//!
//! On a level page a ruling is a long run of ink along a row (horizontal) or a column (vertical)
//! of pixels, a few pixels thick. Runs are found with a small gap allowed (noise, JPEG), runs on
//! neighbouring rows are joined into one line, and a line is kept when it is long — longer than
//! characters' strokes — or, for short ones, when both its ends meet lines of the other
//! direction (a row of a single line of text between two borders). The lines go to the lattice
//! code of the PDF front-end as segments in points, so spans, sections and page stitching are the
//! vector path's own: [`lattice`] is the one place that calls it.

use super::image::Gray;

/// A ruling found in the image, in pixels of the level page: `pos` is its centre across, `from`
/// and `to` its extent along, `thick` its thickness.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PixelLine {
    pub pos: f32,
    pub from: f32,
    pub to: f32,
    pub thick: f32,
}

/// Rulings of one page, in pixels.
#[derive(Clone, Debug, Default)]
pub struct Rulings {
    pub horizontal: Vec<PixelLine>,
    pub vertical: Vec<PixelLine>,
}

/// Sizes, in points, that tell rulings from the strokes of characters (10–16 pt text).
#[derive(Clone, Copy, Debug)]
pub struct RulingSizes {
    /// A horizontal run at least this long is a ruling.
    pub long_h: f32,
    /// A vertical run at least this long is a ruling.
    pub long_v: f32,
    /// Shortest run kept when both ends meet rulings of the other direction.
    pub short: f32,
    /// How far an end may be from the line it meets.
    pub reach: f32,
    /// Largest gap bridged inside a run.
    pub gap: f32,
}

impl Default for RulingSizes {
    fn default() -> Self {
        RulingSizes { long_h: 28.0, long_v: 30.0, short: 5.0, reach: 1.2, gap: 0.7 }
    }
}

/// Runs of `dark` along `n` lines of length `len`, with gaps up to `gap` bridged, at least
/// `min_len` long: (line index, start, end inclusive).
fn runs(
    n: usize,
    len: usize,
    gap: usize,
    min_len: usize,
    dark: impl Fn(usize, usize) -> bool + Sync,
) -> Vec<(usize, usize, usize)> {
    use rayon::prelude::*;
    (0..n)
        .into_par_iter()
        .flat_map_iter(|i| {
            let mut out = Vec::new();
            let mut start: Option<usize> = None;
            let mut last = 0usize;
            for j in 0..len {
                if dark(i, j) {
                    match start {
                        Some(_) if j - last <= gap + 1 => {}
                        Some(s) => {
                            if last + 1 - s >= min_len {
                                out.push((i, s, last));
                            }
                            start = Some(j);
                        }
                        None => start = Some(j),
                    }
                    last = j;
                }
            }
            if let Some(s) = start {
                if last + 1 - s >= min_len {
                    out.push((i, s, last));
                }
            }
            out
        })
        .collect()
}

/// Joins runs on neighbouring lines that overlap along into one ruling each.
fn join_runs(mut runs: Vec<(usize, usize, usize)>) -> Vec<PixelLine> {
    runs.sort_unstable();
    // (last line index, from, to, sum of index × length, total length, first index)
    let mut open: Vec<(usize, usize, usize, f64, f64, usize)> = Vec::new();
    let mut done = Vec::new();
    let close = |o: (usize, usize, usize, f64, f64, usize)| PixelLine {
        pos: (o.3 / o.4) as f32 + 0.5,
        from: o.1 as f32,
        to: o.2 as f32 + 1.0,
        thick: (o.0 - o.5 + 1) as f32,
    };
    for (i, a, b) in runs {
        // Lines not continued on the previous index are finished.
        let mut k = 0;
        while k < open.len() {
            if open[k].0 + 1 < i {
                done.push(close(open.swap_remove(k)));
            } else {
                k += 1;
            }
        }
        let len = (b - a + 1) as f64;
        let overlapping = open.iter_mut().find(|o| {
            o.0 + 1 == i && {
                let overlap = b.min(o.2) as f64 - a.max(o.1) as f64;
                overlap >= 0.5 * len.min((o.2 - o.1 + 1) as f64)
            }
        });
        match overlapping {
            Some(o) => {
                o.0 = i;
                o.1 = o.1.min(a);
                o.2 = o.2.max(b);
                o.3 += i as f64 * len;
                o.4 += len;
            }
            None => open.push((i, a, b, i as f64 * len, len, i)),
        }
    }
    done.extend(open.into_iter().map(close));
    done.sort_by(|x, y| x.pos.total_cmp(&y.pos).then(x.from.total_cmp(&y.from)));
    done
}

/// Whether a line's two ends each meet a line of the other direction.
fn ends_meet(line: &PixelLine, others: &[PixelLine], reach: f32) -> bool {
    let meets = |end: f32| {
        others.iter().any(|o| {
            (o.pos - end).abs() <= reach + o.thick / 2.0 && line.pos >= o.from - reach && line.pos <= o.to + reach
        })
    };
    meets(line.from) && meets(line.to)
}

/// Whether a line stands alone: along its inside (its ends, where it meets other lines, left
/// out), the pixels just beyond each of its edges are mostly paper. A ruling is drawn clear of
/// the text (cells have padding); a character's stroke that happens to run from border to border
/// of a low row has other strokes joined to its sides. `dark(along, across)` reads a pixel in the
/// line's own frame.
fn stands_alone(line: &PixelLine, end_margin: f32, dark: impl Fn(isize, isize) -> bool) -> bool {
    let left = (line.pos - line.thick / 2.0).floor() as isize - 2;
    let right = (line.pos + line.thick / 2.0).ceil() as isize + 1;
    let (from, to) = ((line.from + end_margin).ceil() as isize, (line.to - end_margin).floor() as isize);
    if to <= from {
        return true;
    }
    let touched = (from..to).filter(|&a| dark(a, left) || dark(a, right)).count();
    touched * 100 <= (to - from) as usize * 15
}

/// Finds the rulings of a level page. `threshold` is the ink threshold (see
/// [`super::deskew::otsu`]); `px_per_pt` the resolution.
pub fn find_rulings(image: &Gray, threshold: u8, px_per_pt: f32, sizes: RulingSizes) -> Rulings {
    let (w, h) = (image.width, image.height);
    // Rulings are thin and often lighter than text after scanning, but a shaded background
    // (header and section rows filled light grey) is lighter still: mid-grey at most.
    let line_threshold = threshold.saturating_add((255 - threshold) / 3).min(170);
    let px = |pt: f32| (pt * px_per_pt).round().max(1.0) as usize;
    let gap = px(sizes.gap);
    let dark = |x: usize, y: usize| image.pixels[y * w + x] < line_threshold;
    let short = px(sizes.short);
    let reach = sizes.reach * px_per_pt;
    let h_runs = runs(h, w, gap, short, |y, x| dark(x, y));
    let v_runs = runs(w, h, gap, short, dark);
    let all_h = join_runs(h_runs);
    let all_v = join_runs(v_runs);
    let (long_h, long_v) = (sizes.long_h * px_per_pt, sizes.long_v * px_per_pt);
    // A ruling is thin: thicker "lines" are filled areas or bold strokes.
    let thin = |l: &PixelLine| l.thick <= (2.5 * px_per_pt).max(3.0);
    let long: Vec<PixelLine> = all_h.iter().filter(|l| thin(l) && l.to - l.from >= long_h).copied().collect();
    // A short line is a ruling when both its ends meet rulings of the other direction and it
    // stands alone (a stroke of a large character in a low row may also span the row).
    let pixel =
        |x: isize, y: isize| x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h && dark(x as usize, y as usize);
    let alone_v = |l: &PixelLine| stands_alone(l, reach, |along, across| pixel(across, along));
    let alone_h = |l: &PixelLine| stands_alone(l, reach, pixel);
    let vertical: Vec<PixelLine> = all_v
        .iter()
        .filter(|l| thin(l) && (l.to - l.from >= long_v || (ends_meet(l, &long, reach) && alone_v(l))))
        .copied()
        .collect();
    let horizontal: Vec<PixelLine> = all_h
        .iter()
        .filter(|l| thin(l) && (l.to - l.from >= long_h || (ends_meet(l, &vertical, reach) && alone_h(l))))
        .copied()
        .collect();
    Rulings { horizontal, vertical }
}

/// The lattice tables the rulings make, in points (down coordinates, from the page's top left):
/// `to_points` maps a pixel position `(x, y)` of the level page to points. This is the one place
/// that calls the PDF front-end's lattice code (`merge_rulings`, `connected_rulings`,
/// `build_grid`).
pub fn lattice(rulings: &Rulings, to_points: impl Fn(f32, f32) -> (f32, f32)) -> Vec<RuledGrid> {
    use crate::input::pdf::layout::lattice::{build_grid, connected_rulings, merge_rulings};
    let h: Vec<(f32, f32, f32)> = rulings
        .horizontal
        .iter()
        .map(|l| {
            let (x0, y) = to_points(l.from, l.pos);
            let (x1, _) = to_points(l.to, l.pos);
            (y, x0, x1)
        })
        .collect();
    let v: Vec<(f32, f32, f32)> = rulings
        .vertical
        .iter()
        .map(|l| {
            let (x, y0) = to_points(l.pos, l.from);
            let (_, y1) = to_points(l.pos, l.to);
            (x, y0, y1)
        })
        .collect();
    let (h, v) = merge_rulings(h, v);
    connected_rulings(&h, &v).iter().filter_map(|(h, v)| build_grid(h, v)).collect()
}

/// The grid type the lattice code makes (re-exported so callers name it through this module).
pub(crate) use crate::input::pdf::layout::lattice::RuledGrid;

#[cfg(test)]
mod tests {
    use super::super::deskew::{estimate_skew, otsu, rotate, tests::ruled_page};
    use super::*;

    fn grid_of(page: &Gray, px_per_pt: f32) -> Vec<RuledGrid> {
        let t = otsu(page);
        let rulings = find_rulings(page, t, px_per_pt, RulingSizes::default());
        lattice(&rulings, |x, y| (x / px_per_pt, y / px_per_pt))
    }

    /// 300 dpi: 4.17 pixels a point.
    const PX: f32 = 300.0 / 72.0;

    #[test]
    fn a_ruled_table_is_one_grid_with_its_cells() {
        let page = ruled_page(1600, 1200, 100, 100, 5, 6, (250, 150));
        let grids = grid_of(&page, PX);
        assert_eq!(grids.len(), 1);
        let g = &grids[0];
        assert_eq!((g.columns(), g.rows()), (5, 6));
        assert_eq!(g.cells.len(), 30);
        // Edges every 250 px = 60 pt.
        for (i, x) in g.xs.iter().enumerate() {
            assert!((x - (100.0 + 250.0 * i as f32 + 1.5) / PX).abs() < 0.5, "{x}");
        }
    }

    #[test]
    fn merged_cells_become_spans() {
        let mut page = ruled_page(1600, 1200, 100, 100, 5, 6, (250, 150));
        // Erase the vertical lines inside row 2 (a section row spanning the table), and the
        // horizontal line between rows 4 and 5 in column 0 (a merged 序号 cell).
        for y in 100 + 2 * 150 + 4..100 + 3 * 150 {
            for c in 1..5 {
                for t in 0..3 {
                    page.pixels[y * 1600 + 100 + c * 250 + t] = 255;
                }
            }
        }
        for x in 104..100 + 250 {
            for t in 0..3 {
                page.pixels[(100 + 5 * 150 + t) * 1600 + x] = 255;
            }
        }
        let g = &grid_of(&page, PX)[0];
        assert_eq!((g.columns(), g.rows()), (5, 6));
        let section = g.cells.iter().find(|c| c.row == 2).unwrap();
        assert_eq!((section.col, section.col_span, section.row_span), (0, 5, 1));
        let merged = g.cells.iter().find(|c| c.row == 4 && c.col == 0).unwrap();
        assert_eq!(merged.row_span, 2);
        assert_eq!(g.cells.len(), 30 - 4 - 1);
    }

    #[test]
    fn rotation_noise_and_a_seal_keep_the_grid() {
        let clean = ruled_page(1600, 1200, 100, 100, 5, 6, (250, 150));
        let want = grid_of(&clean, PX);
        let mut page = rotate(&clean, -0.6);
        // Noise: a pseudo-random scatter of dark and light pixels.
        let mut seed = 12345u32;
        for p in page.pixels.iter_mut() {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            match seed >> 24 {
                0..=2 => *p = 40,
                3..=5 => *p = 250,
                _ => {}
            }
        }
        // A seal: a ring that in the red channel is a light grey over the paper (black stays black), across the table's corner.
        for y in 0..1200usize {
            for x in 0..1600usize {
                let d = ((x as f32 - 400.0).powi(2) + (y as f32 - 300.0).powi(2)).sqrt();
                if (140.0..150.0).contains(&d) {
                    page.pixels[y * 1600 + x] = page.pixels[y * 1600 + x].min(225);
                }
            }
        }
        let angle = estimate_skew(&page, otsu(&page));
        assert!((angle - 0.6).abs() < 0.06, "{angle}");
        let level = rotate(&page, angle);
        let got = grid_of(&level, PX);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].columns(), got[0].rows()), (want[0].columns(), want[0].rows()));
        assert_eq!(got[0].cells, want[0].cells);
    }

    #[test]
    fn text_strokes_alone_make_no_table() {
        let mut page = Gray::white(800, 600);
        for k in 0..30 {
            for x in 100 + k * 20..100 + k * 20 + 14 {
                for y in 200..203 {
                    page.pixels[y * 800 + x] = 0;
                }
            }
            for y in 190..240 {
                page.pixels[y * 800 + 107 + k * 20] = 0;
            }
        }
        assert!(grid_of(&page, PX).is_empty());
    }
}
