//! Binarizing and straightening a scanned page.
//!
//! The threshold between ink and paper is Otsu's. The skew is the angle at which the dark pixels,
//! projected onto the vertical axis, pile up most sharply (rulings and text lines are horizontal
//! on the paper): a coarse search over ±[`MAX_SKEW_DEGREES`] then a fine one around the best. The
//! page is then rotated back about its centre (bilinear), so that rulings are rows and columns of
//! pixels.

use super::image::Gray;

/// Largest skew searched for, in degrees; a page fed more crookedly than this is read as it is.
pub const MAX_SKEW_DEGREES: f32 = 3.0;

/// Otsu's threshold: the grey level that best splits the histogram in two. Pixels darker than it
/// are ink.
pub fn otsu(image: &Gray) -> u8 {
    let mut hist = [0u64; 256];
    for &p in &image.pixels {
        hist[p as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    if total == 0 {
        return 128;
    }
    let sum_all: f64 = hist.iter().enumerate().map(|(i, &c)| i as f64 * c as f64).sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0f64, 0f64, -1f64, 128u8);
    for (t, &count) in hist.iter().enumerate() {
        w0 += count as f64;
        if w0 == 0.0 {
            continue;
        }
        let w1 = total as f64 - w0;
        if w1 == 0.0 {
            break;
        }
        sum0 += t as f64 * count as f64;
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    // A blank page has one peak; keep the threshold on the dark side so paper never becomes ink.
    best_t.clamp(40, 220)
}

/// Dark pixels of a reduced copy (every `step`-th pixel each way), as (x, y) in full-size pixels.
fn dark_points(image: &Gray, threshold: u8, step: usize) -> Vec<(f32, f32)> {
    let mut out = Vec::new();
    for y in (0..image.height).step_by(step) {
        let row = image.row(y);
        for x in (0..image.width).step_by(step) {
            if row[x] < threshold {
                out.push((x as f32, y as f32));
            }
        }
    }
    out
}

/// How sharply the points pile up in rows when sheared by `angle` (degrees): the sum of squared
/// counts per row.
fn sharpness(points: &[(f32, f32)], angle: f32, height: usize, bin: f32) -> f64 {
    let t = angle.to_radians().tan();
    let w = points.iter().map(|p| p.0).fold(0.0, f32::max);
    let offset = w * t.abs() + 1.0;
    let bins = ((height as f32 + 2.0 * offset) / bin) as usize + 2;
    let mut counts = vec![0u32; bins];
    for &(x, y) in points {
        let b = ((y + x * t + offset) / bin) as usize;
        if let Some(c) = counts.get_mut(b) {
            *c += 1;
        }
    }
    counts.iter().map(|&c| f64::from(c) * f64::from(c)).sum()
}

/// The page's skew in degrees: positive when its content is turned counter-clockwise as seen (the
/// right end of a ruling higher than its left). 0 for a page with too little ink to tell.
pub fn estimate_skew(image: &Gray, threshold: u8) -> f32 {
    let step = if image.width * image.height > 4_000_000 { 2 } else { 1 };
    let points = dark_points(image, threshold, step);
    if points.len() < 200 {
        return 0.0;
    }
    let search = |from: f32, to: f32, by: f32| {
        let mut best = (0.0f32, f64::MIN);
        let mut a = from;
        while a <= to + 1e-4 {
            let s = sharpness(&points, a, image.height, step as f32);
            // Ties go to the angle nearest zero, so an unskewed page stays untouched.
            if s > best.1 * (1.0 + 1e-9) || (s >= best.1 && a.abs() < best.0.abs()) {
                best = (a, s);
            }
            a += by;
        }
        best.0
    };
    let coarse = search(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES, 0.1);
    let fine = search(coarse - 0.1, coarse + 0.1, 0.01);
    if fine.abs() < 0.015 {
        0.0
    } else {
        fine
    }
}

/// The image turned so that content skewed by `angle` degrees (see [`estimate_skew`]) is level:
/// same size, rotated about the centre, bilinear, white where nothing maps.
pub fn rotate(image: &Gray, angle: f32) -> Gray {
    if angle == 0.0 {
        return image.clone();
    }
    let (s, c) = angle.to_radians().sin_cos();
    let (cx, cy) = (image.width as f32 / 2.0, image.height as f32 / 2.0);
    let mut out = Gray::white(image.width, image.height);
    for (y, row) in out.pixels.chunks_mut(image.width).enumerate() {
        let v = y as f32 + 0.5 - cy;
        for (x, px) in row.iter_mut().enumerate() {
            let u = x as f32 + 0.5 - cx;
            let sx = u * c + v * s + cx - 0.5;
            let sy = -u * s + v * c + cy - 0.5;
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let (x0, y0) = (x0 as isize, y0 as isize);
            let p = |dx: isize, dy: isize| f32::from(image.get(x0 + dx, y0 + dy));
            let top = p(0, 0) * (1.0 - fx) + p(1, 0) * fx;
            let bottom = p(0, 1) * (1.0 - fx) + p(1, 1) * fx;
            *px = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A white page with a ruled table (`rows` × `cols` cells of `cell` pixels from (`x0`, `y0`),
    /// lines `thick` pixels wide) and some "text" strokes inside the cells.
    pub fn ruled_page(
        w: usize,
        h: usize,
        x0: usize,
        y0: usize,
        cols: usize,
        rows: usize,
        cell: (usize, usize),
    ) -> Gray {
        let mut g = Gray::white(w, h);
        let thick = 3;
        let mut dark = |x: usize, y: usize| {
            if x < w && y < h {
                g.pixels[y * w + x] = 20;
            }
        };
        for r in 0..=rows {
            for t in 0..thick {
                for x in x0..=x0 + cols * cell.0 + thick {
                    dark(x, y0 + r * cell.1 + t);
                }
            }
        }
        for c in 0..=cols {
            for t in 0..thick {
                for y in y0..=y0 + rows * cell.1 + thick {
                    dark(x0 + c * cell.0 + t, y);
                }
            }
        }
        // Short strokes like characters in every cell.
        for r in 0..rows {
            for c in 0..cols {
                let (bx, by) = (x0 + c * cell.0 + 12, y0 + r * cell.1 + 12);
                for k in 0..4 {
                    for x in bx + k * 14..bx + k * 14 + 10 {
                        for y in by..by + 3 {
                            dark(x, y);
                        }
                    }
                    for y in by..by + 12 {
                        dark(bx + k * 14 + 5, y);
                    }
                }
            }
        }
        g
    }

    #[test]
    fn otsu_splits_ink_from_paper() {
        let g = ruled_page(400, 300, 20, 20, 3, 3, (100, 70));
        let t = otsu(&g);
        assert!((20..255).contains(&t), "{t}");
    }

    #[test]
    fn skew_is_found_and_undone() {
        let page = ruled_page(1200, 900, 100, 100, 5, 6, (180, 110));
        assert_eq!(estimate_skew(&page, otsu(&page)), 0.0, "a level page stays level");
        for angle in [0.7f32, -0.45, 1.8] {
            let skewed = rotate(&page, -angle);
            let found = estimate_skew(&skewed, otsu(&skewed));
            assert!((found - angle).abs() < 0.06, "skew {angle}: found {found}");
            let level = rotate(&skewed, found);
            assert!(estimate_skew(&level, otsu(&level)).abs() < 0.05);
        }
    }
}
