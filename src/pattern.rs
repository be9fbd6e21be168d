//! Regular expressions for the text a notice holds little of: its head (document number, date,
//! labelled page fields), the body's reporting sentences, a note on which unit leads, the lines a
//! browser prints around each page.
//!
//! The `regex` crate spends 0.2–1 ms compiling each of these (its automata for Unicode classes
//! such as `\s`, `\d` and `\p{Han}`), which a single-file conversion pays at every start, while
//! it then runs each only a handful of times. Such a pattern is read by `regex-syntax` (the
//! `regex` crate's own parser, so `\s`, `\d` and `\p{Han}` keep their Unicode meaning), written
//! back with every class spelled out, and compiled by `regex-lite`, which needs microseconds to
//! compile and matches without building automata. Patterns run on every cell of a ledger stay
//! with the `regex` crate, whose matching is faster.
//!
//! The callers also test for a word each pattern needs (`号`, `日`, a colon) before compiling it,
//! so a text without one never pays for it. A test checks that every pattern here finds the
//! same matches and groups under both crates on every line of the text fixtures.

use std::sync::OnceLock;

pub(crate) use regex_lite::Regex as RareRegex;

/// Compiles `pattern` (the `regex` crate's syntax) for rare use, as the module doc describes.
/// Assumes a pattern of our own: a pattern that does not compile is a bug, so it panics.
pub(crate) fn compile_rare(pattern: &str) -> RareRegex {
    let hir = regex_syntax::Parser::new().parse(pattern).expect("static pattern");
    RareRegex::new(&hir.to_string()).expect("regex-syntax writes what regex-lite reads")
}

/// The pattern in `cell`, compiled on first use by [`compile_rare`].
pub(crate) fn rare(cell: &'static OnceLock<RareRegex>, pattern: impl FnOnce() -> String) -> &'static RareRegex {
    cell.get_or_init(|| compile_rare(&pattern()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pattern compiled by [`compile_rare`] in the crate, by name.
    fn rare_patterns() -> Vec<(&'static str, String)> {
        vec![
            ("document number", crate::notice::DOC_NUMBER.to_string()),
            ("date", crate::notice::DATE.to_string()),
            ("year", crate::notice::YEAR.to_string()),
            ("reporting clause", crate::notice::reporting::REPORTING.to_string()),
            ("page label", crate::notice::chrome::label_pattern()),
            ("first-listed note", crate::ledger::FIRST_LISTED.to_string()),
            ("numbered section title", crate::ledger::sections::NUMBERED.to_string()),
            ("print furniture", crate::tables::PRINT_FURNITURE.to_string()),
        ]
    }

    /// Lines to compare on: every line of the text fixtures, plus lines with what ASCII-only
    /// classes would miss (ideographic and no-break spaces, full-width digits).
    fn corpus() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut lines = vec![
            "鄂教办〔２０２３〕１２号".to_string(),
            "2023年\u{3000}3月\u{A0}28日".to_string(),
            "２０２３年３月２８日".to_string(),
            "发布时间\u{3000}：\u{2003}2023-03-28".to_string(),
            "各处室要于每季度末\u{3000}向发展规划处报送推进情况".to_string(),
            "file:///C:/x.html\u{3000}1/7".to_string(),
            "11/29/26,\u{A0}10:42 PM 关于印发的通知".to_string(),
            "（列第一位的为牵头单位\u{3000}，下同）".to_string(),
        ];
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("fixtures are readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "txt" || e == "html" || e == "json") {
                    let text = String::from_utf8_lossy(&std::fs::read(&path).expect("fixture reads")).into_owned();
                    lines.extend(text.lines().map(str::to_string));
                }
            }
        }
        lines
    }

    #[test]
    fn rare_patterns_match_as_the_regex_crate_does() {
        let lines = corpus();
        assert!(lines.len() > 10_000, "the corpus holds the fixtures' lines ({})", lines.len());
        for (name, pattern) in rare_patterns() {
            let full = regex::Regex::new(&pattern).expect("compiles with regex");
            let lite = compile_rare(&pattern);
            let mut matched = 0;
            for line in &lines {
                let a: Vec<Vec<Option<(usize, usize)>>> = full
                    .captures_iter(line)
                    .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
                    .collect();
                let b: Vec<Vec<Option<(usize, usize)>>> = lite
                    .captures_iter(line)
                    .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
                    .collect();
                assert_eq!(a, b, "{name}: {line:?}");
                matched += usize::from(!a.is_empty());
            }
            assert!(matched > 0, "{name} matches some line of the corpus, so the comparison means something");
            let names: Vec<Option<&str>> = full.capture_names().collect();
            assert_eq!(names, lite.capture_names().collect::<Vec<_>>(), "{name}: group names");
        }
    }
}
