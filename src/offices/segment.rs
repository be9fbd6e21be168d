//! The splitter: a cell of office names (`基教处 高教处`, `基教处高教处职成处`,
//! `厅机关各处室按职责分工负责`) into references in the order written. Separators cut first;
//! a run without separators is cut by a small dynamic programme, registry names first, then unknown
//! names after unit-name endings, never inside brackets, words such as 办公室, or collectives.

use std::collections::HashMap;

use super::names::{
    chars_end_with, has_name_suffix, is_close_bracket, is_open_bracket, name_ending, normalize_name,
    split_trailing_group,
};
use super::roles::{role_marker_of_group, split_duty_phrase, strip_marker_text};
use super::{OfficeRef, OfficeRegistry};
use crate::diag::{quote, Diagnostic, Location};

/// Adds `reference` unless the cell already named the same body (same code, or same name when
/// unknown); a repeat raises a `duplicate-office` warning. Returns the index the name went to.
fn push_once(
    refs: &mut Vec<OfficeRef>,
    seen: &mut HashMap<String, usize>,
    reference: OfficeRef,
    location: &Location,
    diags: &mut Vec<Diagnostic>,
) -> usize {
    let key = reference.code.clone().unwrap_or_else(|| format!("?{}", reference.name));
    if let Some(&first) = seen.get(&key) {
        diags.push(Diagnostic::warning(
            crate::diag::DiagnosticKind::DuplicateOffice,
            format!(
                "{} names {} again in the same cell (first written {}); it is listed once",
                quote(&reference.raw, 40),
                quote(&reference.name, 40),
                quote(&refs[first].raw, 40)
            ),
            location.clone(),
        ));
        return first;
    }
    seen.insert(key, refs.len());
    refs.push(reference);
    refs.len() - 1
}

/// Words a cut between unit names never splits, although they contain a unit-name ending.
const UNBREAKABLE_WORDS: &[&str] = &[
    "办公室",
    "院校",
    "委员会",
    "处室", // a unit ending inside a word
    "部门",
    "委会",
    "区直",
    "县直",
    "市直",
    "区县",
    "县区",
    "县市",
    "委属",
    "委管",
    "厅属",
    "厅管",
    "局属",
    "部属",
    "省属",
    "市属",
    "校属", // 委属委管各单位: belonging to, not a name's end
];

/// Words that end unit names but are no name alone: they need the place or body before them
/// (滁州经开区管委会, 区政府办公室, 市级各有关部门).
const GENERIC_WORDS: &[&str] = &[
    "管委会",
    "管理委员会",
    "办公室",
    "委员会",
    "指挥部",
    "办事处",
    "领导小组",
    "工作组",
    "有关部门",
    "有关单位",
    "相关部门",
    "相关单位",
    "成员单位",
    "政府",
    "人民政府",
    "部门",
    "单位",
];

/// Whether `piece` (brackets and a trailing 等 aside) is one of the [`GENERIC_WORDS`].
fn is_generic(piece: &str) -> bool {
    let bare = split_trailing_group(piece).map_or_else(|| normalize_name(piece), |(outer, _)| outer);
    GENERIC_WORDS.contains(&bare.trim_end_matches('等'))
}

/// `各成员单位`, `各处室`, `各有关部门`: the members of the body named before them (区安委会各成员
/// 单位 is one collective), not places of their own (各县市区政府, 各街道).
fn is_member_collective(piece: &[char]) -> bool {
    const MEMBERS: &[&str] = &["成员单位", "处室", "科室", "部门", "单位", "专班", "小组", "站所", "中队"];
    piece.first() == Some(&'各')
        && MEMBERS.iter().any(|m| chars_end_with(piece, m))
        && !piece.iter().any(|&c| "省市州县区乡镇街道".contains(c))
}

/// Endings of units that belong to the body named before them (市生态环境局咸安分局): a cut
/// before such a piece splits one unit in two.
const SUB_UNIT_ENDINGS: &[&str] = &["分局", "分院", "分校", "分中心", "分公司", "分会", "支队", "大队", "中队", "分所"];

/// Connectives that may stand between two names without being part of either.
const GLUE: &[char] = &['和', '及', '与'];

/// Longest piece the segmentation considers, in characters; a longer run stays whole.
pub(super) const MAX_PIECE_CHARS: usize = 48;
/// Tokens longer than this are not segmented (kept whole) to bound the work on hostile input.
const MAX_SEGMENTED_CHARS: usize = 400;
/// Cells longer than this are split at separators only, with a warning: no office cell of a real
/// ledger comes near it, and it bounds the segmentation work per cell.
pub(super) const MAX_SEGMENTED_CELL_CHARS: usize = 2000;

impl OfficeRegistry {
    /// Splits a cell into office references in the order written. `location` is attached to every
    /// diagnostic raised: alias used (info), unknown name (warning, naming the nearest known names),
    /// duplicate (warning; the repeat is not emitted twice), stray role marker (warning).
    pub fn split(&self, cell: &str, location: &Location) -> (Vec<OfficeRef>, Vec<Diagnostic>) {
        let mut refs: Vec<OfficeRef> = Vec::new();
        let mut diags = Vec::new();
        let cell_chars = cell.chars().count();
        let segmenting = cell_chars <= MAX_SEGMENTED_CELL_CHARS;
        if !segmenting {
            diags.push(Diagnostic::warning(
                crate::diag::DiagnosticKind::LongOfficeCell,
                format!(
                    "an office cell of {cell_chars} characters (limit {MAX_SEGMENTED_CELL_CHARS}) is split at separators only; names written together stay together"
                ),
                location.clone(),
            ));
        }
        // Code (or unknown name) → index in `refs`, and the ref the last name went to.
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut last: Option<usize> = None;
        for token in split_separators(cell) {
            // `厅机关各处室按职责分工负责`: the phrase assigns the work by duties and names no lead.
            if let Some((head, phrase)) = split_duty_phrase(&token) {
                diags.push(Diagnostic::warning(
                    crate::diag::DiagnosticKind::DutyPhrase,
                    format!(
                        "{} says {phrase:?}: each unit works by its own duties and no single lead is named; {}",
                        quote(&token, 40),
                        if head.is_empty() {
                            "the phrase names no unit".to_string()
                        } else {
                            format!("{head:?} is listed with the phrase as its marker")
                        }
                    ),
                    location.clone(),
                ));
                if head.is_empty() {
                    last = None;
                    continue;
                }
                // The phrase governs every name before it: each keeps its own name as `raw` and
                // the phrase as its marker.
                let names = if segmenting { self.segment(&head) } else { vec![head] };
                for name in names {
                    for mut reference in self.resolve(&name, location, &mut diags) {
                        reference.marker = Some(phrase.clone());
                        push_once(&mut refs, &mut seen, reference, location, &mut diags);
                    }
                }
                last = None;
                continue;
            }
            let segments = if segmenting { self.segment(&token) } else { vec![token] };
            for segment in segments {
                if let Some(marker) = role_marker_of_group(&segment) {
                    match last.and_then(|i| refs.get_mut(i)) {
                        Some(prev) if prev.marker.is_none() => {
                            prev.raw.push_str(&segment);
                            prev.marker = Some(marker);
                        }
                        _ => diags.push(Diagnostic::warning(
                            crate::diag::DiagnosticKind::StrayRoleMarker,
                            format!("role marker {segment:?} in {} follows no office name; ignored", quote(cell, 40)),
                            location.clone(),
                        )),
                    }
                    last = None;
                    continue;
                }
                for reference in self.resolve(&segment, location, &mut diags) {
                    last = Some(push_once(&mut refs, &mut seen, reference, location, &mut diags));
                }
            }
        }
        (refs, diags)
    }

    /// Cuts a token with no separators into names. Registry names (optionally after an issuer
    /// prefix) are preferred; the rest is cut into unknown names after unit-name endings
    /// (处, 办, 中心, …), never inside brackets or inside a word such as 办公室 or 院校. Among
    /// cuts that leave the same text unknown, the one with more well-formed names wins.
    fn segment(&self, token: &str) -> Vec<String> {
        let chars: Vec<char> = token.chars().collect();
        let n = chars.len();
        if n <= 1 || n > MAX_SEGMENTED_CHARS || self.resolves(token) {
            return vec![token.to_string()];
        }
        let cuttable = cut_points(&chars);
        // best[i]: cheapest segmentation of chars[..i] as (cost, previous cut, glue?). Issuer
        // prefixes (`省教育厅发展规划处`) are handled by the lookup of each piece.
        let mut best: Vec<Option<(Cost, usize, bool)>> = vec![None; n + 1];
        best[0] = Some((Cost::default(), 0, false));
        for end in 1..=n {
            if !cuttable[end] {
                continue;
            }
            // What depends on the piece's end only is read once for all its starts.
            let last = chars[end - 1];
            let bracketed = matches!(last, '）' | ')');
            let ends_like_known = bracketed || self.name_endings.contains(&last);
            // A trailing 等 (市卫生健康委等) leaves the name's ending as it is.
            let name_end = if last == '等' { end - 1 } else { end };
            // name_ending(&chars[..name_end]), once a piece asks for it.
            let mut ending_here = None;
            for start in end.saturating_sub(MAX_PIECE_CHARS)..end {
                let Some((base, _, _)) = best[start] else { continue };
                if !cuttable[start] {
                    continue;
                }
                let len = end - start;
                let glue = len == 1 && GLUE.contains(&chars[start]) && start > 0 && end < n;
                let cost = if glue {
                    Cost::default()
                } else {
                    // Strings are built only for pieces that could name a registry entry or end
                    // in brackets; everything else is judged on the characters.
                    let piece = || chars[start..end].iter().collect::<String>();
                    let could_be_known = len <= self.max_lookup_chars && ends_like_known;
                    let known = could_be_known && {
                        let p = piece();
                        self.resolves(&strip_marker_text(&p)) || role_marker_of_group(&p).is_some()
                    };
                    if known {
                        // A generic name (办公室) right after other text belongs to that text's
                        // body (区政府办公室 is not the registry's 办公室).
                        let carved = start > 0 && is_generic(&piece());
                        Cost { split_collectives: usize::from(carved), segments: 1, ..Cost::default() }
                    } else {
                        let well_formed = if bracketed {
                            let name = strip_marker_text(&piece());
                            has_name_suffix(&name) && name.chars().count() >= 3 && !is_generic(&name)
                        } else {
                            let name_len = name_end.saturating_sub(start);
                            name_len >= 3
                                && ending_here.get_or_insert_with(|| name_ending(&chars[..name_end])).fits(name_len)
                                && !is_generic(&piece())
                        };
                        // `X各Y` (区安委会各成员单位) is one collective, `X局Y分局` one unit: a cut
                        // before 各 or before a branch splits it.
                        // `县政府园区发展服务中心`: a body of the government named before it, unless
                        // the next name starts a place or collective of its own (区教育局, 各乡镇).
                        let after_government = start >= 2
                            && chars[start - 2..start] == ['政', '府']
                            && !"省市县区乡镇各".contains(chars[start]);
                        let splits_collective = after_government
                            || start > 0
                                && !GLUE.contains(&chars[start - 1])
                                && (is_member_collective(&chars[start..end])
                                    || SUB_UNIT_ENDINGS.iter().any(|e| chars_end_with(&chars[start..end], e)));
                        // A name does not start with a connective (及各县市区政府).
                        let well_formed = well_formed && !GLUE.contains(&chars[start]);
                        Cost {
                            unsuffixed: usize::from(!well_formed),
                            split_collectives: usize::from(splits_collective),
                            unknown_chars: len,
                            fewer_names: -1,
                            segments: 1,
                        }
                    }
                };
                let total = base.add(cost);
                if best[end].is_none_or(|(b, _, _)| total < b) {
                    best[end] = Some((total, start, glue));
                }
            }
        }
        if best[n].is_none() {
            // Brackets longer than a piece can be: no cut is possible.
            return vec![token.to_string()];
        }
        let mut pieces: Vec<String> = Vec::new();
        let mut end = n;
        while end > 0 {
            let (_, start, glue) = best[end].expect("every cut on the best path is reachable");
            if !glue {
                pieces.push(chars[start..end].iter().collect());
            }
            end = start;
        }
        pieces.reverse();
        pieces
    }
}

/// Cells longer than this are split afresh each time rather than remembered by [`CellSplitter`].
const MAX_REMEMBERED_CELL_CHARS: usize = 200;
/// How many distinct cells one [`CellSplitter`] remembers; later ones are split afresh.
const MAX_REMEMBERED_CELLS: usize = 4096;

/// Splits the office cells of one document with [`OfficeRegistry::split`], remembering each
/// cell's result: a ledger repeats the same unit lists from row to row (`各市教育局`, the same
/// lead office), and each is split once. A cell's result does not depend on where it stands, only
/// its diagnostics' location does, so a remembered result is given the location of each use.
/// The memory is bounded: short cells only, and at most [`MAX_REMEMBERED_CELLS`] of them.
pub struct CellSplitter<'r> {
    registry: &'r OfficeRegistry,
    memo: HashMap<String, (Vec<OfficeRef>, Vec<Diagnostic>)>,
}

impl<'r> CellSplitter<'r> {
    /// A splitter over `registry` that remembers nothing yet.
    pub fn new(registry: &'r OfficeRegistry) -> Self {
        CellSplitter { registry, memo: HashMap::new() }
    }

    /// What [`OfficeRegistry::split`] gives for `cell` at `location`.
    pub fn split(&mut self, cell: &str, location: &Location) -> (Vec<OfficeRef>, Vec<Diagnostic>) {
        if let Some((refs, diags)) = self.memo.get(cell) {
            let diags = diags.iter().map(|d| Diagnostic { location: location.clone(), ..d.clone() }).collect();
            return (refs.clone(), diags);
        }
        let (refs, diags) = self.registry.split(cell, location);
        if self.memo.len() < MAX_REMEMBERED_CELLS && cell.chars().count() <= MAX_REMEMBERED_CELL_CHARS {
            self.memo.insert(cell.to_string(), (refs.clone(), diags.clone()));
        }
        (refs, diags)
    }
}

/// Cost of a segmentation, compared field by field in order: unknown pieces that do not look
/// like names (so a registry name is not carved out of the end of an unknown one, as 办公室 from
/// 某某办公室, and no generic word such as 管委会 stands alone), then unknown pieces cut off before
/// 各 (a collective `X各Y` split in two), then unknown text, then (negated) the number of unknown names, so that more
/// well-formed names win, then the number of pieces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Cost {
    unsuffixed: usize,
    split_collectives: usize,
    unknown_chars: usize,
    fewer_names: i64,
    segments: usize,
}

impl Cost {
    fn add(self, o: Cost) -> Cost {
        Cost {
            unknown_chars: self.unknown_chars + o.unknown_chars,
            unsuffixed: self.unsuffixed + o.unsuffixed,
            split_collectives: self.split_collectives + o.split_collectives,
            fewer_names: self.fewer_names + o.fewer_names,
            segments: self.segments + o.segments,
        }
    }
}

/// `cut[i]` is true when a segment may start or end before `chars[i]`: outside brackets and
/// not inside one of the [`UNBREAKABLE_WORDS`].
fn cut_points(chars: &[char]) -> Vec<bool> {
    let mut depth = 0usize;
    let mut cut = vec![true; chars.len() + 1];
    for (i, &c) in chars.iter().enumerate() {
        cut[i] = depth == 0;
        if is_open_bracket(c) {
            depth += 1;
        } else if is_close_bracket(c) {
            depth = depth.saturating_sub(1);
        }
    }
    // `等` belongs to the names around it: 市卫生健康委等, 区司法局等有关部门.
    for (i, &c) in chars.iter().enumerate() {
        if c == '等' {
            cut[i] = false;
            cut[i + 1] = i + 1 == chars.len();
        }
    }
    for word in UNBREAKABLE_WORDS {
        let w: Vec<char> = word.chars().collect();
        for start in 0..chars.len().saturating_sub(w.len() - 1) {
            if chars[start..].starts_with(&w) {
                cut[start + 1..start + w.len()].iter_mut().for_each(|c| *c = false);
            }
        }
    }
    cut[chars.len()] = true;
    cut
}

/// Splits a cell at separators outside brackets: whitespace of any width, 、 ， , ； ; / 。 and
/// line breaks. A bracket group standing alone after a separator stays its own token. A collective
/// that lists administrative levels with 、 (`各县、市、区政府`, `省、市、县教育部门`) stays whole:
/// a bare level (`各县`, `市`) followed by 、 joins the token after it.
pub fn split_separators(cell: &str) -> Vec<String> {
    // (token, the separator that ended it)
    let mut tokens: Vec<(String, Option<char>)> = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in cell.chars() {
        if is_open_bracket(c) {
            depth += 1;
        } else if is_close_bracket(c) {
            depth = depth.saturating_sub(1);
        }
        let separator = depth == 0
            && (c.is_whitespace() || matches!(c, '、' | '，' | ',' | '；' | ';' | '/' | '／' | '。' | '\u{200B}'));
        if separator {
            if !current.is_empty() {
                tokens.push((std::mem::take(&mut current), Some(c)));
            } else if let Some(last) = tokens.last_mut() {
                // Runs of separators: a line break or 、 after a space says more than the space.
                if last.1.is_some_and(char::is_whitespace) && !c.is_whitespace() {
                    last.1 = Some(c);
                }
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push((current, None));
    }
    let mut out: Vec<String> = Vec::new();
    let mut joining = false;
    for (token, sep) in tokens {
        if joining {
            let last = out.last_mut().expect("joining follows a token");
            last.push('、');
            last.push_str(&token);
        } else {
            out.push(token.clone());
        }
        joining = sep == Some('、') && is_bare_level(&token);
    }
    out
}

/// An administrative level standing alone in a list of levels: `市`, `区`, `各县`.
fn is_bare_level(token: &str) -> bool {
    let t = token.strip_prefix('各').unwrap_or(token);
    t.chars().count() == 1 && t.chars().all(|c| "省市县区州旗盟镇乡".contains(c))
}
