//! Fix-ups across pages, once every page is laid out: a vertically merged cell carried over a
//! page break ([`carry_spans_across_pages`]), a row cut before its sequence number joined with its
//! number ([`number_rows_cut_before_their_number`]), and blank slivers of rows dropped.

use crate::model::{BBox, Block, Cell, RichText, Row, Table};

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
/// `tables` stage appends it to the previous row) and the rows below, which get the text. The text
/// is followed back over pages the merged cell crosses entirely.
pub(crate) fn carry_spans_across_pages(blocks: &mut [Block]) {
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
            // (Only asked while something is open: the answer changes nothing otherwise.)
            Block::Paragraph { text, .. } | Block::Heading { text, .. }
                if open.is_some() && !crate::tables::is_page_furniture(&text.to_plain()) =>
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
pub(crate) fn number_rows_cut_before_their_number(blocks: &mut Vec<Block>) {
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
                if previous.is_some() && !crate::tables::is_page_furniture(&text.to_plain()) =>
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
    // `tables` stage appends to it (so the task keeps both pages).
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
    use crate::model::Origin;

    use super::*;

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
}
