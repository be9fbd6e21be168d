//! Leaders' names (分管领导 cells): personal names, which are not offices.
//!
//! A cell is cut at separators (、，； and line breaks). Within a line, single characters set
//! apart by spaces are one name padded to a fixed width, as Word documents write two-character
//! names (`俞　悦`, `陆  明`). A token that is several names written together is cut by the
//! roster of names seen elsewhere in the same table, or, without one, where each part starts with
//! a common surname (`src/data/surnames.json`). Tokens that still look wrong are kept whole with a
//! warning.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::diag::{quote, Diagnostic, Location};
use crate::normalize::is_han;

/// Names of people seen in a table, for [`split_names`].
pub type Roster = BTreeSet<String>;

#[derive(serde::Deserialize)]
struct SurnameFile {
    single: String,
    compound: Vec<String>,
}

/// The surname table compiled into the binary.
const SURNAMES_JSON: &str = include_str!("data/surnames.json");

fn surnames() -> &'static (BTreeSet<char>, Vec<String>) {
    static TABLE: OnceLock<(BTreeSet<char>, Vec<String>)> = OnceLock::new();
    TABLE.get_or_init(|| {
        let f: SurnameFile = serde_json::from_str(SURNAMES_JSON).expect("the built-in surname table is valid");
        (f.single.chars().filter(|c| !c.is_whitespace()).collect(), f.compound)
    })
}

fn starts_with_surname(chars: &[char]) -> bool {
    let (single, compound) = surnames();
    chars.first().is_some_and(|c| single.contains(c))
        || compound.iter().any(|s| s.chars().zip(chars).filter(|(a, b)| a == *b).count() == s.chars().count())
}

/// Cuts a line of a leaders cell into tokens: separators cut, and runs of single Han characters
/// set apart only by spaces join into one padded name.
fn line_tokens(line: &str) -> Vec<String> {
    // Separators other than spaces cut first.
    let mut out = Vec::new();
    for part in line.split(['、', '，', ',', '；', ';', '/', '／']) {
        let words: Vec<&str> = part.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let single = |w: &str| w.chars().count() == 1 && w.chars().all(is_han);
            if single(words[i]) {
                let mut j = i;
                while j < words.len() && single(words[j]) {
                    j += 1;
                }
                out.push(words[i..j].concat());
                i = j;
            } else {
                out.push(words[i].to_string());
                i += 1;
            }
        }
    }
    out.retain(|t| !t.is_empty());
    out
}

/// Splits a cell of personal names (leaders) into names, in order. See the module doc.
pub fn split_names(cell: &str, roster: &Roster, location: &Location) -> (Vec<String>, Vec<Diagnostic>) {
    let mut names = Vec::new();
    let mut diags = Vec::new();
    for line in cell.split('\n') {
        for token in line_tokens(line) {
            let len = token.chars().count();
            let by_roster = covered_by_roster(&token, roster);
            let one_name = roster.contains(&token)
                || ((2..=3).contains(&len) && by_roster.as_ref().is_none_or(|p| p.len() <= 1))
                || (len == 4 && starts_with_compound_surname(&token) && by_roster.is_none());
            match by_roster {
                _ if one_name => names.push(token),
                Some(parts) => names.extend(parts),
                None => match by_surnames(&token) {
                    Some(parts) => names.extend(parts),
                    None => {
                        diags.push(Diagnostic::warning(
                            crate::diag::DiagnosticKind::UnsplitNames,
                            format!(
                                "{} cannot be cut into personal names (no roster of the table covers it and no surname cut is certain); kept whole",
                                quote(&token, 20)
                            ),
                            location.clone(),
                        ));
                        names.push(token);
                    }
                },
            }
        }
    }
    (names, diags)
}

fn starts_with_compound_surname(token: &str) -> bool {
    surnames().1.iter().any(|s| token.starts_with(s.as_str()))
}

/// Cuts a run of Han characters into names of two or three characters each starting with a
/// common surname; `None` unless exactly one such cut exists.
fn by_surnames(token: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() < 4 || chars.len() > 12 || !chars.iter().all(|&c| is_han(c)) {
        return None;
    }
    // All cuts into 2–3 character pieces that start with a surname (compound surnames: 3–4).
    fn cuts(chars: &[char], at: usize, acc: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if at == chars.len() {
            out.push(acc.clone());
            return;
        }
        if out.len() > 1 {
            return;
        }
        for len in 2..=4 {
            let end = at + len;
            if end > chars.len() || !starts_with_surname(&chars[at..]) {
                continue;
            }
            let compound = surnames().1.iter().any(|s| chars[at..].iter().take(2).copied().eq(s.chars()));
            if len == 4 && !compound {
                continue;
            }
            acc.push(end);
            cuts(chars, end, acc, out);
            acc.pop();
        }
    }
    let mut found = Vec::new();
    cuts(&chars, 0, &mut Vec::new(), &mut found);
    if found.len() != 1 {
        return None;
    }
    let mut start = 0;
    Some(
        found[0]
            .iter()
            .map(|&end| {
                let name = chars[start..end].iter().collect();
                start = end;
                name
            })
            .collect(),
    )
}

/// Cuts `token` into roster names exactly, preferring fewer pieces; `None` when impossible.
fn covered_by_roster(token: &str, roster: &Roster) -> Option<Vec<String>> {
    let chars: Vec<char> = token.chars().collect();
    let n = chars.len();
    let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
    best[0] = Some((0, 0));
    for end in 1..=n {
        // Roster names are 2–4 characters: look the candidate pieces up instead of scanning.
        for len in 2..=4.min(end) {
            let start = end - len;
            if let Some((count, _)) = best[start] {
                let piece: String = chars[start..end].iter().collect();
                if roster.contains(&piece) && best[end].is_none_or(|(c, _)| count + 1 < c) {
                    best[end] = Some((count + 1, start));
                }
            }
        }
    }
    best[n]?;
    let mut parts = Vec::new();
    let mut end = n;
    while end > 0 {
        let (_, start) = best[end]?;
        parts.push(chars[start..end].iter().collect());
        end = start;
    }
    parts.reverse();
    Some(parts)
}

/// The leaders a section heading names, for the tasks under it: a label (`（牵头领导：王纲）`)
/// or a name with an official title and a verb of charge (`王纲市长主抓重点工作`).
pub fn section_leaders(title: &str) -> Vec<String> {
    static LABEL: OnceLock<regex::Regex> = OnceLock::new();
    static TITLED: OnceLock<regex::Regex> = OnceLock::new();
    let label = LABEL.get_or_init(|| {
        regex::Regex::new(r"(?:牵头|责任|分管|包抓|联系)(?:市|县|区)?领导\s*[：:]\s*([^）)〕］\]；;。]+)")
            .expect("static pattern")
    });
    let titled = TITLED.get_or_init(|| {
        regex::Regex::new(
            r"^\s*(\p{Han}{2,3}?)(?:同志)?(?:常务)?副?(?:省长|市长|县长|区长|州长|旗长|书记|主任|秘书长)(?:主抓|分管|牵头|负责|联系|领衔)",
        )
        .expect("static pattern")
    });
    let stripped = title.trim_start_matches(|c: char| !is_han(c) || "一二三四五六七八九十".contains(c));
    let rest = stripped.trim_start_matches(['、', '.', '．']);
    if let Some(c) = label.captures(title) {
        return split_names(&c[1], &Roster::new(), &Location::default()).0;
    }
    for candidate in [title, rest] {
        if let Some(c) = titled.captures(candidate) {
            return vec![c[1].to_string()];
        }
    }
    Vec::new()
}

/// Names of people seen as whole 2–4 character tokens in `cells`, for [`split_names`]. A token
/// that is several other seen names written together (`党勤邓伟`) is not a name.
pub fn person_roster<'a>(cells: impl IntoIterator<Item = &'a str>) -> Roster {
    let mut all = Roster::new();
    for cell in cells {
        for line in cell.split('\n') {
            for token in line_tokens(line) {
                if (2..=4).contains(&token.chars().count()) {
                    all.insert(token);
                }
            }
        }
    }
    let names: Vec<String> = all.iter().cloned().collect();
    let mut composite = Vec::new();
    for name in names {
        // Covered by the other names alone?
        all.remove(&name);
        if covered_by_roster(&name, &all).is_some() {
            composite.push(name.clone());
        }
        all.insert(name);
    }
    for name in composite {
        all.remove(&name);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cell: &str, roster: &[&str]) -> (Vec<String>, Vec<String>) {
        let roster: Roster = roster.iter().map(|s| s.to_string()).collect();
        let (n, d) = split_names(cell, &roster, &Location::default());
        (n, d.into_iter().map(|d| d.kind.to_string()).collect())
    }

    #[test]
    fn leaders_split_by_separators_and_by_roster() {
        let roster = ["党勤", "曾华辉", "白江平", "邓伟", "张晓东"];
        assert_eq!(names("党勤 曾华辉 白江平", &roster).0, ["党勤", "曾华辉", "白江平"]);
        assert_eq!(names("党勤、曾华辉\n白江平", &roster).0, ["党勤", "曾华辉", "白江平"]);
        assert_eq!(names("党勤曾华辉白江平", &roster).0, ["党勤", "曾华辉", "白江平"]);
        assert_eq!(names("党勤邓伟", &roster).0, ["党勤", "邓伟"]);
        assert_eq!(names("欧阳明", &roster).0, ["欧阳明"], "a name outside the roster is kept");
    }

    #[test]
    fn padded_names_are_one_name() {
        assert_eq!(names("俞　悦", &[]).0, ["俞悦"]);
        assert_eq!(names("俞  悦", &[]).0, ["俞悦"]);
        assert_eq!(names("陆  明\n俞  悦", &[]).0, ["陆明", "俞悦"]);
        assert_eq!(names("王 强、李 明", &[]).0, ["王强", "李明"]);
        assert_eq!(names("张三 李四", &[]).0, ["张三", "李四"], "two-character tokens are two names");
    }

    #[test]
    fn names_written_together_are_cut_by_surnames_without_a_roster() {
        assert_eq!(names("陆明俞悦", &[]).0, ["陆明", "俞悦"]);
        assert_eq!(names("欧阳明志", &[]).0, ["欧阳明志"], "a compound surname makes a four-character name");
        let (kept, kinds) = names("某某某某某某某", &[]);
        assert_eq!(kept, ["某某某某某某某"]);
        assert_eq!(kinds, ["unsplit-names"]);
    }

    #[test]
    fn leaders_named_by_section_headings() {
        assert_eq!(section_leaders("一、王纲市长主抓重点工作"), ["王纲"]);
        assert_eq!(section_leaders("（一）稳增长（牵头领导：张三、李四）"), ["张三", "李四"]);
        assert_eq!(section_leaders("一、经济社会发展的主要预期目标"), Vec::<String>::new());
    }

    #[test]
    fn roster_skips_names_written_together() {
        let roster = person_roster(["党勤", "邓伟", "党勤邓伟", "曾华辉 白江平", "党勤曾华辉白江平"]);
        let expected: Roster = ["党勤", "曾华辉", "白江平", "邓伟"].iter().map(|s| s.to_string()).collect();
        assert_eq!(roster, expected);
    }
}
