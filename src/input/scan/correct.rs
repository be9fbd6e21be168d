//! Clean-up of a scanned document with what the notice and the registry know.
//!
//! - The header row repeated on every ledger page is taken by majority across pages, then matched
//!   to the header words the ledger reader knows (one character off at most).
//! - Sequence numbers are read as digits and repaired from their order (a `7` read between 6 and
//!   8 where OCR saw something else).
//! - The issuer line is matched to the registries' issuers, and office cells to the chosen
//!   registry's names (one character off in a name of three or more).
//! - Leader names are snapped to the spelling the ledger uses most.
//!
//! Every change is recorded in the [`ScanReport`] (read, chosen, why), which becomes an
//! `ocr-corrected` diagnostic.

use std::collections::BTreeMap;

use crate::ledger::Field;
use crate::model::{Block, Document, RichText, Table};
use crate::offices::OfficeRegistry;
use crate::RegistryChoice;

use super::clean::{edit_distance, is_bar, is_han, read_seq, repair_quotes};
use super::ScanReport;

/// Records a change of a cell's text.
fn record(report: &mut ScanReport, page: u32, bbox: Option<crate::model::BBox>, chosen: &str, why: &str) {
    let Some(bbox) = bbox else { return };
    if let Some(check) = report.cells.iter_mut().find(|c| c.page == page && c.bbox == bbox) {
        if check.read != chosen {
            // A change made before (by the lexicon, when the page was read) keeps its reason.
            let why = match &check.corrected {
                Some((_, before)) if before.starts_with(super::lexicon::WHY) && before != why => {
                    format!("{}; then {why}", super::lexicon::WHY)
                }
                _ => why.to_string(),
            };
            check.corrected = Some((chosen.to_string(), why));
        } else {
            check.corrected = None;
        }
    }
}

fn tables_mut(doc: &mut Document) -> impl Iterator<Item = &mut Table> {
    doc.blocks.iter_mut().filter_map(|b| match b {
        Block::Table(t) => Some(t),
        _ => None,
    })
}

/// Whether a table's first row looks like a header: several cells, text in most, no number first.
fn header_row(table: &Table) -> bool {
    let Some(row) = table.rows.first() else { return false };
    let filled = row.cells.iter().filter(|c| !c.text.is_blank()).count();
    row.cells.len() >= 2
        && filled * 2 >= row.cells.len()
        && row.cells.first().is_some_and(|c| read_seq(&c.text.to_plain()).is_none() && c.col_span == 1)
}

/// The best match of `text` among `words` within `max` edits, when it is the only one that close.
fn nearest<'a>(text: &str, words: impl IntoIterator<Item = &'a str>, max: usize) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    let mut tie = false;
    for w in words {
        let d = edit_distance(text, w);
        if d > max {
            continue;
        }
        match best {
            Some((bd, _)) if d > bd => {}
            Some((bd, bw)) if d == bd => tie |= bw != w,
            _ => {
                best = Some((d, w));
                tie = false;
            }
        }
    }
    best.filter(|_| !tie).map(|(_, w)| w)
}

/// Headers: majority across the pages, then the header vocabulary.
fn correct_headers(doc: &mut Document, report: &mut ScanReport, config: &crate::Config) {
    let mut words: Vec<&str> = config.headers.synonyms().collect();
    words.sort_unstable();
    words.dedup();
    let mut votes: BTreeMap<(usize, usize), BTreeMap<String, usize>> = BTreeMap::new();
    for table in tables_mut(doc).filter(|t| header_row(t)) {
        let width = table.rows[0].cells.len();
        for (i, c) in table.rows[0].cells.iter().enumerate() {
            *votes.entry((width, i)).or_default().entry(c.text.to_plain()).or_default() += 1;
        }
    }
    for table in tables_mut(doc).filter(|t| header_row(t)) {
        let width = table.rows[0].cells.len();
        let page = table.rows[0].origin.page;
        for (i, cell) in table.rows[0].cells.iter_mut().enumerate() {
            let text = cell.text.to_plain();
            let Some((top, n)) = votes
                .get(&(width, i))
                .and_then(|tally| tally.iter().max_by_key(|(t, n)| (**n, std::cmp::Reverse((*t).clone()))))
            else {
                continue;
            };
            let mut chosen = text.clone();
            let mut why = String::new();
            if *n >= 2 && *top != text && edit_distance(top, &text) <= (top.chars().count() / 3).max(1) {
                chosen = top.clone();
                why = format!("the header repeated on {n} pages reads so");
            }
            // A header that is no known word as read, one character off a known one, is that word
            // (奉头处室 → 牵头处室), even where its structure alone names a field.
            if !words.contains(&chosen.as_str()) && chosen.chars().count() >= 2 {
                if let Some(w) = nearest(&chosen, words.iter().copied(), 1) {
                    chosen = w.to_string();
                    why = "a known header word".to_string();
                }
            }
            if chosen != text {
                cell.text = RichText::plain(chosen.clone());
                record(report, page, cell.bbox, &chosen, &why);
            }
        }
    }
}

/// Whether `read` can be OCR's reading of the header cell `header`: the same, a few characters
/// off (at most half of them), or a part of it (a line of a two-line header lost).
fn reads_as(read: &str, header: &str) -> bool {
    let n = header.chars().count();
    read == header
        || (!header.is_empty() && edit_distance(read, header) <= (n / 2).max(1))
        || (read.chars().count() >= 2 && header.contains(read))
}

/// The header row repeated at the top of later pages, where OCR misread a cell of it beyond what
/// the vote of [`correct_headers`] mends (a line of a two-line header lost, a cell read empty
/// under a seal): a table's first row as wide as the accepted header, whose sequence cell is no
/// number, whose cells each read empty or as that header's cell, and at least half of them (two
/// or more) as it, is the header and takes its text, so that the ledger skips it as the repeated
/// header instead of reading it as a task. The accepted header is each column's commonest reading
/// across the pages' first rows (the earliest page's on a tie).
fn repeated_headers(doc: &mut Document, report: &mut ScanReport) {
    // Per width: each column's readings with their count and first table.
    type Readings = BTreeMap<String, (usize, usize)>;
    let mut tally: BTreeMap<usize, Vec<Readings>> = BTreeMap::new();
    for (k, table) in tables_mut(doc).enumerate().filter(|(_, t)| header_row(t)) {
        let row = &table.rows[0];
        let columns = tally.entry(row.cells.len()).or_insert_with(|| vec![BTreeMap::new(); row.cells.len()]);
        for (i, c) in row.cells.iter().enumerate() {
            let text = c.text.to_plain();
            if !text.trim().is_empty() {
                let e = columns[i].entry(text).or_insert((0, k));
                e.0 += 1;
            }
        }
    }
    let accepted: BTreeMap<usize, Vec<String>> = tally
        .into_iter()
        .map(|(width, columns)| {
            let header = columns
                .into_iter()
                .map(|readings| {
                    readings
                        .into_iter()
                        .max_by_key(|(_, (n, first))| (*n, std::cmp::Reverse(*first)))
                        .map(|(t, _)| t)
                        .unwrap_or_default()
                })
                .collect();
            (width, header)
        })
        .collect();
    for table in tables_mut(doc) {
        let Some(row) = table.rows.first_mut() else { continue };
        let Some(header) = accepted.get(&row.cells.len()) else { continue };
        let texts: Vec<String> = row.cells.iter().map(|c| c.text.to_plain().trim().to_string()).collect();
        if texts == *header || texts.first().is_some_and(|t| read_seq(t).is_some()) {
            continue;
        }
        let fits = texts.iter().zip(header).all(|(t, h)| t.is_empty() || reads_as(t, h));
        let same = texts.iter().zip(header).filter(|(t, h)| !h.is_empty() && reads_as(t, h)).count();
        if !fits || same < 2 || same * 2 < header.len() {
            continue;
        }
        let page = row.origin.page;
        for (cell, h) in row.cells.iter_mut().zip(header) {
            if cell.text.to_plain().trim() != h {
                cell.text = RichText::plain(h.clone());
                record(report, page, cell.bbox, h, "the ledger's header, repeated at the top of this page");
            }
        }
    }
}

/// The field of each column, by the first header row (columns counted with spans).
fn column_fields(doc: &Document, config: &crate::Config) -> BTreeMap<usize, Field> {
    let mut fields = BTreeMap::new();
    for block in &doc.blocks {
        let Block::Table(t) = block else { continue };
        if !header_row(t) {
            continue;
        }
        let mut col = 0;
        for c in &t.rows[0].cells {
            if let Some(f) = config.headers.field_of(&c.text.to_plain()) {
                fields.insert(col, f);
            }
            col += c.col_span.max(1) as usize;
        }
        break;
    }
    fields
}

/// Where a cell's text may be cut by a page break: a cell of a table's first body row may
/// continue text from the page before, one reaching its last row may go on on the next page.
/// Such an edge is not corrected (科技 at the foot of a page is 科技处 cut, not 科技处 misread).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Cut {
    start: bool,
    end: bool,
}

/// Visits each body cell (header rows skipped) with its page, grid column and where it may be
/// cut by a page break.
fn body_cells(doc: &mut Document, mut visit: impl FnMut(u32, usize, Cut, &mut crate::model::Cell)) {
    for table in tables_mut(doc) {
        let skip = usize::from(header_row(table));
        let rows = table.rows.len();
        // Grid columns taken by cells spanning down from rows above.
        let mut taken: Vec<(usize, usize, usize)> = Vec::new(); // (first col, span, rows left)
        for (r, row) in table.rows.iter_mut().enumerate() {
            let page = row.origin.page;
            let mut col = 0;
            for cell in &mut row.cells {
                while let Some(&(_, span, _)) = taken.iter().find(|(c, _, left)| *c == col && *left > 0) {
                    col += span;
                }
                if r >= skip {
                    let cut = Cut { start: r == skip, end: r + (cell.row_span.max(1) as usize) >= rows };
                    visit(page, col, cut, cell);
                }
                if cell.row_span > 1 {
                    taken.push((col, cell.col_span.max(1) as usize, cell.row_span as usize));
                }
                col += cell.col_span.max(1) as usize;
            }
            for t in &mut taken {
                t.2 = t.2.saturating_sub(1);
            }
            taken.retain(|t| t.2 > 0);
        }
    }
}

/// Sequence numbers: digits, and the order repairs what OCR could not read.
fn correct_seq(doc: &mut Document, report: &mut ScanReport, seq_col: usize) {
    // (page, bbox, text, reading)
    let mut cells: Vec<(u32, Option<crate::model::BBox>, String, Option<u32>)> = Vec::new();
    body_cells(doc, |page, col, _, cell| {
        if col == seq_col && cell.col_span == 1 {
            let text = cell.text.to_plain();
            if !text.trim().is_empty() {
                cells.push((page, cell.bbox, text.clone(), read_seq(&text)));
            }
        }
    });
    let mut chosen: Vec<Option<(String, String)>> = vec![None; cells.len()];
    let mut last: Option<u32> = None;
    for i in 0..cells.len() {
        let reading = cells[i].3;
        let next = cells[i + 1..].iter().find_map(|c| c.3);
        let expected = last.map(|l| l + 1);
        let value = match (reading, expected) {
            (Some(r), Some(e)) if r == e => Some(r),
            // Unreadable, or out of order while the next one confirms the order.
            (r, Some(e)) if r.is_none() || next.is_none_or(|n| n == e + 1) => {
                let why = match r {
                    None => "not a number; the numbers before and after it say so".to_string(),
                    Some(_) => format!("out of order between {} and {}", e - 1, e + 1),
                };
                chosen[i] = Some((e.to_string(), why));
                Some(e)
            }
            (Some(r), None) if r > 1 && next == Some(2) => {
                chosen[i] = Some(("1".into(), "the first number, before 2".into()));
                Some(1)
            }
            (r, _) => r,
        };
        if let Some(v) = value {
            if chosen[i].is_none() && cells[i].2.trim() != v.to_string() {
                chosen[i] = Some((v.to_string(), "read as digits".into()));
            }
            last = Some(v);
        }
    }
    let mut k = 0;
    body_cells(doc, |_, col, _, cell| {
        if col == seq_col && cell.col_span == 1 && !cell.text.to_plain().trim().is_empty() {
            if let Some((text, _)) = &chosen[k] {
                cell.text = RichText::plain(text.clone());
            }
            k += 1;
        }
    });
    for ((page, bbox, _, _), c) in cells.iter().zip(&chosen) {
        if let Some((text, why)) = c {
            record(report, *page, *bbox, text, why);
        }
    }
}

/// One piece of a token split by [`segment`]: a known name (its index), or characters that are no
/// known name, kept as read.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Name(usize),
    Unknown(String),
}

/// Splits `token` into names of `names`, each read with at most one character wrong (substituted
/// or dropped) when it has three or more, and characters that are no name kept as read (at most
/// half of the token): (pieces, characters fixed). The split fixing the fewest characters and
/// keeping the fewest unknown wins. `None` when no split qualifies.
fn segment(token: &[char], names: &[Vec<char>]) -> Option<(Vec<Piece>, usize)> {
    let n = token.len();
    if n > 200 {
        return None;
    }
    // best[i]: (cost, fixed, unknown, previous position, piece) covering token[..i]; an unknown
    // character costs 2, a fixed one 1.
    type Step = (usize, usize, usize, usize, Option<usize>);
    let mut best: Vec<Option<Step>> = vec![None; n + 1];
    best[0] = Some((0, 0, 0, 0, None));
    let better = |cand: Step, old: Option<Step>| old.is_none_or(|b| (cand.0, cand.2) < (b.0, b.2));
    for i in 0..n {
        let Some((cost, fixed, unknown, _, _)) = best[i] else { continue };
        let cand = (cost + 2, fixed, unknown + 1, i, None);
        if better(cand, best[i + 1]) {
            best[i + 1] = Some(cand);
        }
        for (k, name) in names.iter().enumerate() {
            let len = name.len();
            // Read as written or with one character substituted.
            if len > 0 && i + len <= n {
                let wrong = token[i..i + len].iter().zip(name).filter(|(a, b)| a != b).count();
                if wrong == 0 || (wrong == 1 && len >= 3) {
                    let cand = (cost + wrong, fixed + wrong, unknown, i, Some(k));
                    if better(cand, best[i + len]) {
                        best[i + len] = Some(cand);
                    }
                }
            }
            // Read with one character dropped.
            if len >= 3 && i + len - 1 <= n {
                let span = &token[i..i + len - 1];
                let dropped = (0..len)
                    .any(|skip| name.iter().enumerate().filter(|(j, _)| *j != skip).map(|(_, c)| c).eq(span.iter()));
                if dropped {
                    let cand = (cost + 1, fixed + 1, unknown, i, Some(k));
                    if better(cand, best[i + len - 1]) {
                        best[i + len - 1] = Some(cand);
                    }
                }
            }
        }
    }
    let (_, fixed, unknown, _, _) = best[n]?;
    if unknown * 2 > n {
        return None;
    }
    let mut pieces = Vec::new();
    let mut at = n;
    while at > 0 {
        let (_, _, _, prev, piece) = best[at]?;
        match piece {
            Some(k) => pieces.push(Piece::Name(k)),
            None => match pieces.last_mut() {
                Some(Piece::Unknown(s)) => s.insert(0, token[prev]),
                _ => pieces.push(Piece::Unknown(token[prev].to_string())),
            },
        }
        at = prev;
    }
    pieces.reverse();
    Some((pieces, fixed))
}

/// Every name the registry knows an office by.
fn registry_names(registry: &OfficeRegistry) -> Vec<Vec<char>> {
    let mut names: Vec<String> = registry
        .entries()
        .iter()
        .flat_map(|e| {
            std::iter::once(e.name.clone()).chain(e.short_names.iter().cloned()).chain(e.aliases.iter().cloned())
        })
        .collect();
    names.sort();
    names.dedup();
    names.into_iter().map(|n| n.chars().collect()).collect()
}

/// Corrects a cell of names (offices or leaders): each whitespace-separated token that is not a
/// known name is split into known names with single wrong characters replaced. Returns the new
/// text when something changed.
fn correct_names(text: &str, names: &[Vec<char>], known: impl Fn(&str) -> bool) -> Option<String> {
    let mut changed = false;
    let mut out = Vec::new();
    for read in text.split_whitespace() {
        // A vertical ruling read inside a name (its cell's edge where a line broke) is no part of it.
        let token: String = read.chars().filter(|&c| !is_bar(c)).collect();
        let token = if token.chars().any(is_han) { token.as_str() } else { read };
        changed |= token != read;
        // Names are Han, some with parentheses (各市（州）教育局), which OCR may read as title marks.
        if known(token) || !token.chars().all(|c| is_han(c) || matches!(c, '（' | '）' | '《' | '》')) {
            out.push(token.to_string());
            continue;
        }
        let chars: Vec<char> = token.chars().collect();
        let Some((pieces, fixed)) = segment(&chars, names) else {
            out.push(token.to_string());
            continue;
        };
        // A lone character at an edge of names that is no name, but the last character of names
        // at the start or the first at the end (处教材处), is what OCR kept of a name whose other
        // characters it lost: it stands apart, as read, for a person to check.
        let stray = |p: &Piece, at_start: bool| match p {
            Piece::Unknown(s) if s.chars().count() == 1 => {
                let c = s.chars().next();
                names.iter().any(|n| if at_start { n.last() } else { n.first() }.copied() == c)
            }
            _ => false,
        };
        let strays =
            usize::from(pieces.len() >= 2 && (stray(&pieces[0], true) || stray(&pieces[pieces.len() - 1], false)));
        // A lone character beside a name that repeats the name's edge (科技处处, 处职成处) is the
        // name's character read twice where a line or a page broke it.
        let edge = |k: Option<&Piece>, last: bool| match k {
            Some(Piece::Name(k)) => if last { names[*k].last() } else { names[*k].first() }.copied(),
            _ => None,
        };
        let doubled = |i: usize| match &pieces[i] {
            Piece::Unknown(s) if s.chars().count() == 1 => {
                let c = s.chars().next();
                (i > 0 && edge(pieces.get(i - 1), true) == c) || edge(pieces.get(i + 1), false) == c
            }
            _ => false,
        };
        let kept: Vec<&Piece> = (0..pieces.len()).filter(|&i| !doubled(i)).map(|i| &pieces[i]).collect();
        match fixed + strays + (pieces.len() - kept.len()) {
            0 => out.push(token.to_string()),
            _ => {
                changed = true;
                let words: Vec<String> = kept
                    .iter()
                    .map(|p| match p {
                        Piece::Name(k) => names[*k].iter().collect(),
                        Piece::Unknown(s) => s.clone(),
                    })
                    .collect();
                out.push(words.join(" "));
            }
        }
    }
    changed.then(|| out.join(" "))
}

/// [`correct_names`] for a cell that may be cut by a page break (see [`Cut`]): characters at a cut
/// edge that could be part of a name cut there (a strict prefix of a name at the end, a strict
/// suffix at the start) are kept as read, and the rest is corrected.
fn correct_cut_names(text: &str, names: &[Vec<char>], known: impl Fn(&str) -> bool, cut: Cut) -> Option<String> {
    // Names read whole need nothing kept apart (学位办 at the foot of a page is no 学位办 + a cut 办).
    correct_names(text, names, &known)?;
    let chars: Vec<char> = text.trim().chars().collect();
    let fits = |piece: &[char], at_end: bool| {
        names.iter().any(|n| n.len() > piece.len() && if at_end { n.starts_with(piece) } else { n.ends_with(piece) })
    };
    let longest = |at_end: bool| -> usize {
        let token_len = |at_end: bool| {
            let token: Vec<char> = if at_end {
                chars
                    .iter()
                    .rev()
                    .take_while(|c| !c.is_whitespace())
                    .copied()
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect()
            } else {
                chars.iter().take_while(|c| !c.is_whitespace()).copied().collect()
            };
            token.len()
        };
        (1..=token_len(at_end))
            .rev()
            .find(|&l| if at_end { fits(&chars[chars.len() - l..], true) } else { fits(&chars[..l], false) })
            .unwrap_or(0)
    };
    let head = if cut.start { longest(false) } else { 0 };
    let tail = if cut.end { longest(true) } else { 0 };
    if head + tail >= chars.len() {
        return None;
    }
    let middle: String = chars[head..chars.len() - tail].iter().collect();
    let fixed = correct_names(&middle, names, known)?;
    let (h, t): (String, String) = (chars[..head].iter().collect(), chars[chars.len() - tail..].iter().collect());
    Some(
        [h.as_str(), fixed.as_str(), t.as_str()]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The registry the notice's issuer names (the issuer line corrected first), else the one whose
/// names the office cells use most.
fn choose_registry<'c>(
    doc: &mut Document,
    report: &mut ScanReport,
    config: &'c crate::Config,
) -> Option<&'c OfficeRegistry> {
    let all: Vec<&OfficeRegistry> = match &config.registries {
        RegistryChoice::Fixed(r) => vec![r],
        RegistryChoice::ByIssuer(all) => all.iter().collect(),
    };
    // The issuer line: one of the first text blocks, a few characters off a registry's issuer.
    let mut found: Option<&OfficeRegistry> = None;
    for block in doc.blocks.iter_mut().take(8) {
        let (Block::Heading { text, origin, .. } | Block::Paragraph { text, origin }) = block else { continue };
        let plain = text.to_plain();
        for r in &all {
            let issuer = r.issuer();
            let n = issuer.chars().count();
            if n < 4 {
                continue;
            }
            if plain == issuer || plain.starts_with(issuer) {
                found = Some(r);
                break;
            }
            let head: String = plain.chars().take(n).collect();
            let whole = plain.chars().count() <= n + 1 && edit_distance(&plain, issuer) <= 2;
            let prefix = plain.chars().count() > n && edit_distance(&head, issuer) <= 1;
            if whole || prefix {
                let fixed = if whole { issuer.to_string() } else { format!("{issuer}{}", &plain[head.len()..]) };
                report.text_corrections.push((origin.page, plain.clone(), fixed.clone()));
                *text = RichText::plain(fixed);
                found = Some(r);
                break;
            }
        }
        if found.is_some() {
            break;
        }
    }
    found.or_else(|| all.first().copied().filter(|_| all.len() == 1))
}

/// The lowest word confidence OCR gave a cell (100 for a cell not read).
fn confidence(report: &ScanReport, page: u32, bbox: Option<crate::model::BBox>) -> f32 {
    report.cells.iter().find(|c| c.page == page && Some(c.bbox) == bbox).map_or(100.0, |c| c.conf)
}

/// Leaders: the ledger spells each leader's name many times, and OCR misreads some of them. Among
/// spellings one character apart, the one OCR was surest of in all (each reading weighted by its
/// cell's confidence) and read at least twice is the name; the others are snapped to it. Joined
/// names are split into those spellings.
fn correct_leaders(doc: &mut Document, report: &mut ScanReport, col: usize) {
    // spelling → (readings, summed confidence)
    let mut tally: BTreeMap<String, (usize, f32)> = BTreeMap::new();
    body_cells(doc, |page, c, _, cell| {
        if c == col {
            let weight = confidence(report, page, cell.bbox).max(1.0);
            for t in cell.text.to_plain().split_whitespace() {
                let e = tally.entry(t.to_string()).or_default();
                e.0 += 1;
                e.1 += weight;
            }
        }
    });
    let is_name = |t: &str, n: usize| n >= 2 && t.chars().count() >= 2;
    // The spelling each reading stands for.
    let spelling = |t: &str| -> String {
        let len = t.chars().count();
        tally
            .iter()
            .filter(|(s, (n, _))| is_name(s, *n) && s.chars().count() == len && edit_distance(s, t) <= 1)
            .max_by(|a, b| a.1 .1.total_cmp(&b.1 .1).then_with(|| b.0.cmp(a.0)))
            .map_or_else(|| t.to_string(), |(s, _)| s.clone())
    };
    let names: Vec<Vec<char>> = tally
        .iter()
        .filter(|(t, (n, _))| is_name(t, *n) && spelling(t) == **t)
        .map(|(t, _)| t.chars().collect())
        .collect();
    let mut changes = Vec::new();
    body_cells(doc, |page, c, cut, cell| {
        if c != col {
            return;
        }
        let text = cell.text.to_plain();
        let tokens: Vec<String> = text
            .split_whitespace()
            .map(|t| match spelling(t) {
                s if s != t => s,
                _ if tally.get(t).is_some_and(|(n, _)| *n >= 2) => t.to_string(),
                _ => correct_cut_names(t, &names, |_| false, cut).unwrap_or_else(|| t.to_string()),
            })
            .collect();
        let fixed = tokens.join(" ");
        if fixed != text.split_whitespace().collect::<Vec<_>>().join(" ") {
            cell.text = RichText::plain(fixed.clone());
            changes.push((page, cell.bbox, fixed));
        }
    });
    for (page, bbox, fixed) in changes {
        record(report, page, bbox, &fixed, "the ledger's own spelling of the name, as OCR read it surest");
    }
}

/// Quotes: the direction of each curly quote of a body cell by their order ([`repair_quotes`]),
/// knowing where a page break may have cut the cell inside a quotation.
fn correct_quotes(doc: &mut Document, report: &mut ScanReport) {
    let mut changes = Vec::new();
    body_cells(doc, |page, _, cut, cell| {
        let text = cell.text.to_plain();
        let fixed = repair_quotes(&text, cut.start, cut.end);
        if fixed != text {
            cell.text = RichText::plain(fixed.clone());
            changes.push((page, cell.bbox, fixed));
        }
    });
    for (page, bbox, fixed) in changes {
        record(report, page, bbox, &fixed, "quotes open and close in turn");
    }
}

/// Runs every correction (see the module documentation).
pub fn correct(doc: &mut Document, report: &mut ScanReport, config: &crate::Config) {
    correct_headers(doc, report, config);
    repeated_headers(doc, report);
    let fields = column_fields(doc, config);
    let col_of = |f: Field| fields.iter().find(|(_, &g)| g == f).map(|(&c, _)| c);
    correct_seq(doc, report, col_of(Field::Seq).unwrap_or(0));
    correct_quotes(doc, report);
    if let Some(registry) = choose_registry(doc, report, config) {
        let names = registry_names(registry);
        let office_cols: Vec<usize> =
            [Field::LeadOffices, Field::SupportOffices, Field::Implementers].into_iter().filter_map(col_of).collect();
        let mut changes = Vec::new();
        body_cells(doc, |page, col, cut, cell| {
            if !office_cols.contains(&col) {
                return;
            }
            let text = cell.text.to_plain();
            if let Some(fixed) = correct_cut_names(&text, &names, |t| registry.lookup(t).is_some(), cut) {
                cell.text = RichText::plain(fixed.clone());
                changes.push((page, cell.bbox, fixed));
            }
        });
        for (page, bbox, fixed) in changes {
            record(report, page, bbox, &fixed, &format!("office names of the registry {}", registry.id()));
        }
    }
    if let Some(col) = col_of(Field::Leaders) {
        correct_leaders(doc, report, col);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_one_character_off_are_split_and_fixed() {
        let names: Vec<Vec<char>> =
            ["基教处", "高教处", "职教处", "学位办"].iter().map(|n| n.chars().collect()).collect();
        assert_eq!(correct_names("基教外高教处", &names, |_| false).as_deref(), Some("基教处 高教处"));
        assert_eq!(correct_names("基教处高教处", &names, |_| false), None, "nothing to fix");
        assert_eq!(correct_names("学位力", &names, |_| false).as_deref(), Some("学位办"));
        assert_eq!(correct_names("完全不同", &names, |_| false), None);
        // A name's edge read twice where a line or a page broke it.
        assert_eq!(correct_names("高教处处职教处", &names, |_| false).as_deref(), Some("高教处 职教处"));
        assert_eq!(correct_names("学学位办", &names, |_| false).as_deref(), Some("学位办"));
        // At a page break a name may be cut: its part is kept as read, the rest corrected.
        let end = Cut { start: false, end: true };
        assert_eq!(correct_cut_names("基教外高教", &names, |_| false, end).as_deref(), Some("基教处 高教"));
        assert_eq!(correct_cut_names("高教", &names, |_| false, end), None);
        assert_eq!(correct_cut_names("基教处学位办", &names, |_| false, end), None, "whole names stay whole");
        let start = Cut { start: true, end: false };
        assert_eq!(correct_cut_names("处学位力", &names, |_| false, start).as_deref(), Some("处 学位办"));
        // Unknown characters kept, a dropped character restored.
        assert_eq!(correct_names("基教处某某某学位力", &names, |_| false).as_deref(), Some("基教处 某某某 学位办"));
        assert_eq!(
            correct_names("发展处教处", &["发展处", "高教处"].map(|n| n.chars().collect()), |_| false).as_deref(),
            Some("发展处 高教处")
        );
    }

    #[test]
    fn rulings_and_stray_characters_in_names() {
        let names: Vec<Vec<char>> =
            ["教材处", "发展处", "各市（州）教育局", "兰州新区教体局"].iter().map(|n| n.chars().collect()).collect();
        // A ruling read inside a name, parentheses in names, one character off.
        assert_eq!(
            correct_names("各市（州）教育|局兰州新区教体出", &names, |_| false).as_deref(),
            Some("各市（州）教育局 兰州新区教体局")
        );
        assert_eq!(correct_names("各市《州）教育局", &names, |_| false).as_deref(), Some("各市（州）教育局"));
        // What is left of a name whose other characters OCR lost stands apart.
        assert_eq!(correct_names("处教材处", &names, |_| false).as_deref(), Some("处 教材处"));
        assert_eq!(correct_names("教材处发", &names, |_| false).as_deref(), Some("教材处 发"));
        assert_eq!(correct_names("某教材处", &names, |_| false), None, "no name ends or starts so");
    }

    #[test]
    fn repeated_header_misread_is_the_header() {
        let header = ["序号", "主要任务", "分管领导", "牵头处室", "配合处室", "实施单位"];
        assert!(reads_as("处室", "牵头处室"), "a line of a two-line header lost");
        assert!(reads_as("分管领寻", "分管领导"));
        assert!(!reads_as("加大基础学科拔尖人才培养", "主要任务"));
        let row = |texts: &[&str], page: u32| crate::model::Row {
            cells: texts
                .iter()
                .map(|t| crate::model::Cell { text: RichText::plain(*t), col_span: 1, row_span: 1, bbox: None })
                .collect(),
            origin: crate::model::Origin { page, line: None },
        };
        let table = |rows: Vec<crate::model::Row>| Block::Table(Table { rows });
        let mut doc = Document {
            pages: 3,
            blocks: vec![
                table(vec![row(&header, 1), row(&["1", "任务", "张三", "基教处", "", ""], 1)]),
                table(vec![row(&["序号", "主要任务", "分管领导", "处室", "配合处室", ""], 2)]),
                table(vec![row(&["", "接上页的任务", "", "", "处学生处", ""], 3)]),
            ],
            links: Vec::new(),
            properties: Default::default(),
        };
        repeated_headers(&mut doc, &mut ScanReport::default());
        let first_rows: Vec<Vec<String>> = doc
            .blocks
            .iter()
            .map(|b| match b {
                Block::Table(t) => t.rows[0].cells.iter().map(|c| c.text.to_plain()).collect(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(first_rows[1], header, "the misread repetition takes the header's text");
        assert_eq!(first_rows[2][1], "接上页的任务", "a continued row is no header");
    }

    #[test]
    fn nearest_needs_a_unique_best() {
        assert_eq!(nearest("分管领寻", ["分管领导", "牵头处室"], 1), Some("分管领导"));
        assert_eq!(nearest("ab", ["ac", "ad"], 1), None);
    }
}
