//! Lattice tables: ruling segments snapped and merged into lines ([`merge_rulings`]), lines that
//! touch or cross grouped into tables ([`connected_rulings`]), and each table's grid of column
//! and row edges with its spanning cells ([`build_grid`]). [`lattice`] does all three; the PDF
//! layout uses it for the rulings a page draws, and a scan's line detector can use it for the
//! lines it finds.

/// Distance (points) within which ruling positions are the same line.
pub(crate) const SNAP: f32 = 2.0;
/// Shortest ruling segment considered (points).
const MIN_RULING: f32 = 3.0;

/// A horizontal ruling, down coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct HLine {
    pub(crate) y: f32,
    pub(crate) x0: f32,
    pub(crate) x1: f32,
}

/// A vertical ruling, down coordinates (`y0 < y1`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct VLine {
    pub(crate) x: f32,
    pub(crate) y0: f32,
    pub(crate) y1: f32,
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
pub(crate) fn merge_rulings(h: Vec<(f32, f32, f32)>, v: Vec<(f32, f32, f32)>) -> (Vec<HLine>, Vec<VLine>) {
    let h = merge_runs(h).into_iter().map(|(y, x0, x1)| HLine { y, x0, x1 }).collect();
    let v = merge_runs(v).into_iter().map(|(x, y0, y1)| VLine { x, y0, y1 }).collect();
    (h, v)
}

/// One cell of a ruled grid: its first grid position and spans (not [`crate::tables::GridCell`],
/// a stitched table's text at one position).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RuledCell {
    pub(crate) row: usize,
    pub(crate) col: usize,
    pub(crate) row_span: usize,
    pub(crate) col_span: usize,
}

/// A table found from rulings (not [`crate::tables::Grid`], a stitched table): column edges `xs`,
/// row edges `ys` (both ascending, down coordinates), its cells and which cell owns each grid
/// position.
#[derive(Debug)]
pub(crate) struct RuledGrid {
    pub(crate) xs: Vec<f32>,
    pub(crate) ys: Vec<f32>,
    pub(crate) cells: Vec<RuledCell>,
    /// `owner[row * columns + col]` is an index into `cells`.
    pub(crate) owner: Vec<usize>,
}

impl RuledGrid {
    pub(crate) fn columns(&self) -> usize {
        self.xs.len() - 1
    }

    pub(crate) fn rows(&self) -> usize {
        self.ys.len() - 1
    }

    /// The cell whose region holds the point, if the point is inside the table.
    pub(crate) fn cell_at(&self, x: f32, y: f32) -> Option<usize> {
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
pub(crate) const MAX_LATTICE_POSITIONS: usize = 200_000;

/// Builds the grid of one connected set of rulings. Column edges are the vertical lines'
/// positions, row edges the horizontal ones'; a boundary between two grid positions without a line
/// through its middle joins them into one spanning cell. `None` when the lines do not make at least
/// two cells (a frame around text is not a table).
pub(crate) fn build_grid(h: &[HLine], v: &[VLine]) -> Option<RuledGrid> {
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
            cells.push(RuledCell { row, col, row_span: last_row - row + 1, col_span: last_col - col + 1 });
            for r in row..=last_row {
                for c in col..=last_col {
                    owner[r * cols + c] = id;
                }
            }
        }
    }
    Some(RuledGrid { xs, ys, cells, owner })
}

/// Groups horizontal and vertical lines that touch or cross into connected sets (candidate
/// tables), each as its lines.
pub(crate) fn connected_rulings(h: &[HLine], v: &[VLine]) -> Vec<(Vec<HLine>, Vec<VLine>)> {
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

/// The tables ruling lines draw on a page (or a scanned image).
#[derive(Debug)]
pub(crate) struct Lattice {
    /// One grid per connected set of lines that makes at least two cells.
    pub grids: Vec<RuledGrid>,
    /// Whether any line is left after snapping and merging: a page with lines but no grid holds
    /// no borderless table either.
    pub has_lines: bool,
}

/// Turns ruling segments into grids. Segments are in down coordinates (y grows downward, as in
/// an image), in any order, broken or overlapping: horizontal ones `{ y, x0, x1 }`, vertical ones
/// `{ x, y0, y1 }` (with `x0 <= x1`, `y0 <= y1`). Segments within [`SNAP`] of each other are one
/// line, lines shorter than 3 units are dropped, lines that touch or cross form a table, and a
/// table's column and row edges are its lines' positions; a region of the grid not split by a line
/// is one cell spanning several positions (at most [`MAX_LATTICE_POSITIONS`] per table).
pub(crate) fn lattice(horizontal: &[HLine], vertical: &[VLine]) -> Lattice {
    let (h, v) = merge_rulings(
        horizontal.iter().map(|l| (l.y, l.x0, l.x1)).collect(),
        vertical.iter().map(|l| (l.x, l.y0, l.y1)).collect(),
    );
    let grids = connected_rulings(&h, &v).iter().filter_map(|(h, v)| build_grid(h, v)).collect();
    Lattice { grids, has_lines: !h.is_empty() || !v.is_empty() }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                RuledCell { row: 0, col: 0, row_span: 2, col_span: 1 },
                RuledCell { row: 0, col: 1, row_span: 1, col_span: 2 },
                RuledCell { row: 1, col: 1, row_span: 1, col_span: 1 },
                RuledCell { row: 1, col: 2, row_span: 1, col_span: 1 },
            ]
        );
        assert_eq!(grid.cell_at(25.0, 5.0), Some(1));
        assert_eq!(grid.cell_at(5.0, 15.0), Some(0));
        assert_eq!(grid.cell_at(35.0, 15.0), None);
    }

    #[test]
    fn rulings_snap_and_merge() {
        let (h, _) = merge_rulings(vec![(10.0, 0.0, 50.0), (10.6, 50.5, 100.0), (40.0, 0.0, 2.0)], vec![]);
        assert_eq!(h.len(), 1);
        assert!((h[0].x0 - 0.0).abs() < 1e-3 && (h[0].x1 - 100.0).abs() < 1e-3);
    }

    #[test]
    fn segments_become_grids() {
        // Two tables: a 2 × 2 grid drawn in broken segments, and a frame far below (one cell:
        // not a table), and a stray short stroke.
        let h = [
            HLine { y: 0.0, x0: 0.0, x1: 10.0 },
            HLine { y: 0.4, x0: 10.0, x1: 20.0 },
            HLine { y: 10.0, x0: 0.0, x1: 20.0 },
            HLine { y: 20.0, x0: 0.0, x1: 20.0 },
            HLine { y: 100.0, x0: 0.0, x1: 20.0 },
            HLine { y: 120.0, x0: 0.0, x1: 20.0 },
            HLine { y: 300.0, x0: 0.0, x1: 1.0 },
        ];
        let v = [
            VLine { x: 0.0, y0: 0.0, y1: 20.0 },
            VLine { x: 10.0, y0: 0.0, y1: 20.0 },
            VLine { x: 20.0, y0: 0.0, y1: 20.0 },
            VLine { x: 0.0, y0: 100.0, y1: 120.0 },
            VLine { x: 20.0, y0: 100.0, y1: 120.0 },
        ];
        let found = lattice(&h, &v);
        assert!(found.has_lines);
        assert_eq!(found.grids.len(), 1);
        assert_eq!((found.grids[0].columns(), found.grids[0].rows()), (2, 2));
        assert!(!lattice(&h[6..], &[]).has_lines, "a stroke under 3 units is no line");
    }
}
