//! Sections of a ledger: numbered headings (一、 （一） 1. （1）) and how they nest.
//!
//! Each numbering style is one nesting level, in the order the ledger first uses them; a style
//! seen again closes what is inside it. The same rules serve table ledgers (section rows) and
//! paragraph ledgers (numbered headings between the task paragraphs).

use std::sync::OnceLock;

use regex::Regex;

/// A section row's numbered title: the numeral (group 1) and the rest (group 2).
pub(crate) const NUMBERED: &str = r"^\s*([一二三四五六七八九十百零〇]+|[0-9]+|[（(]\s*[一二三四五六七八九十]+\s*[)）]|[（(]\s*[0-9]+\s*[)）])\s*[、.．]?\s*(.*)$";

/// A list item's numeral at the start of a paragraph, as ledgers number tasks and sections:
/// `一、` `（一）` `1.` `1、` `（1）` `(1)`. Unlike a section row, a paragraph needs the punctuation
/// after a bare numeral (`2023年` is not item 2023), and `6.2%` is not item 6.
fn item_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^\s*(?:([一二三四五六七八九十百零〇]{1,4})\s*、|([0-9]{1,3})\s*[.．、](?:[^0-9]|$)|[（(]\s*([一二三四五六七八九十]{1,4}|[0-9]{1,3})\s*[)）])",
        )
        .expect("static pattern")
    })
}

/// How a section numeral is written; each style is one nesting level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumberStyle {
    Han,
    BracketedHan,
    Arabic,
    BracketedArabic,
    /// ① ② ③ (sequence cells only).
    Circled,
    Unnumbered,
}

/// The level official documents give a numbering style: 一、 0, （一） 1, 1. 2, （1） 3.
fn conventional_rank(style: NumberStyle) -> Option<u8> {
    match style {
        NumberStyle::Han => Some(0),
        NumberStyle::BracketedHan => Some(1),
        NumberStyle::Arabic => Some(2),
        NumberStyle::BracketedArabic => Some(3),
        NumberStyle::Circled | NumberStyle::Unnumbered => None,
    }
}

/// The style of a numeral as written (`一`, `（一）`, `1`, `（1）`).
pub fn number_style(numeral: Option<&str>) -> NumberStyle {
    let Some(n) = numeral else { return NumberStyle::Unnumbered };
    let bracketed = n.starts_with(['（', '(']);
    let arabic = n.chars().any(|c| c.is_ascii_digit());
    match (bracketed, arabic) {
        (false, false) => NumberStyle::Han,
        (true, false) => NumberStyle::BracketedHan,
        (false, true) => NumberStyle::Arabic,
        (true, true) => NumberStyle::BracketedArabic,
    }
}

/// Splits a section row's text into (numeral without punctuation or spaces, title); the numeral
/// is `None` for an unnumbered title.
pub fn split_numbered(text: &str) -> (Option<String>, String) {
    // Read on section rows only, a few per ledger: compiled the cheap way.
    static RE: OnceLock<crate::pattern::RareRegex> = OnceLock::new();
    match crate::pattern::rare(&RE, || NUMBERED.to_string()).captures(text).filter(|c| !c[2].is_empty()) {
        Some(c) => (Some(crate::normalize::without_whitespace(&c[1])), c[2].trim().to_string()),
        None => (None, text.trim().to_string()),
    }
}

/// A numbered paragraph: its numeral as written (brackets kept, punctuation dropped), the
/// number it stands for, and the text after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub numeral: String,
    pub number: u32,
    pub style: NumberStyle,
    pub rest: String,
}

/// Reads the list numeral that starts a paragraph, if any (see [`item_re`]).
pub fn item_of(text: &str) -> Option<Item> {
    let c = item_re().captures(text)?;
    let whole = c.get(0)?;
    let (numeral, style, digits) = if let Some(h) = c.get(1) {
        (h.as_str().to_string(), NumberStyle::Han, h.as_str())
    } else if let Some(a) = c.get(2) {
        (a.as_str().to_string(), NumberStyle::Arabic, a.as_str())
    } else {
        let inner = c.get(3)?.as_str();
        let arabic = inner.chars().all(|c| c.is_ascii_digit());
        (format!("（{inner}）"), if arabic { NumberStyle::BracketedArabic } else { NumberStyle::BracketedHan }, inner)
    };
    let number = numeral_value(digits)?;
    // The Arabic form consumed the first character after the punctuation: give it back.
    let rest_start = match c.get(2) {
        Some(_) => {
            let after = &text[whole.start()..whole.end()];
            let punct_end = after
                .find(['.', '．', '、'])
                .map(|p| whole.start() + p + after[p..].chars().next().map_or(1, char::len_utf8));
            punct_end.unwrap_or(whole.end())
        }
        None => whole.end(),
    };
    Some(Item { numeral, number, style, rest: text[rest_start..].trim().to_string() })
}

/// A sequence cell's number and how it is written: `12`, `12.`, `（3）`, `(3)`, `③`, `十二`.
/// `None` for anything else (a word, a number of more than six digits).
pub fn seq_number(cell: &str) -> Option<(u32, NumberStyle)> {
    let t: String = cell.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}').collect();
    let t = t.trim_end_matches(['.', '、', '．']);
    if t.is_empty() {
        return None;
    }
    if t.len() <= 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok().map(|n| (n, NumberStyle::Arabic));
    }
    if let Some(inner) = t.strip_prefix(['（', '(']).and_then(|r| r.strip_suffix(['）', ')'])) {
        let style = if inner.bytes().all(|b| b.is_ascii_digit()) {
            NumberStyle::BracketedArabic
        } else {
            NumberStyle::BracketedHan
        };
        return numeral_value(inner).map(|n| (n, style));
    }
    let mut chars = t.chars();
    if let (Some(c @ '①'..='⑳'), None) = (chars.next(), chars.next()) {
        return Some((c as u32 - '①' as u32 + 1, NumberStyle::Circled));
    }
    if t.chars().count() <= 4 && t.chars().all(|c| "零一二三四五六七八九十百〇".contains(c)) {
        return numeral_value(t).map(|n| (n, NumberStyle::Han));
    }
    None
}

/// The value of an Arabic or Chinese numeral (一 … 九十九, 百).
pub fn numeral_value(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok().filter(|_| !s.is_empty());
    }
    let digit =
        |c: char| "零一二三四五六七八九".chars().position(|d| d == c).map(|p| p as u32).or((c == '〇').then_some(0));
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        ['百'] => Some(100),
        ['十'] => Some(10),
        [d] => digit(*d),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(10 * digit(*t)?),
        [t, '十', u] => Some(10 * digit(*t)? + digit(*u)?),
        _ => None,
    }
}

/// The open sections (outermost first) while a ledger is read.
#[derive(Default)]
pub struct SectionStack {
    open: Vec<(NumberStyle, String)>,
}

impl SectionStack {
    /// Opens a section: a style already open closes it and everything inside; a new style nests.
    /// Returns (level, path).
    pub fn enter(&mut self, style: NumberStyle, label: &str) -> (u8, String) {
        if let Some(at) = self.open.iter().position(|(s, _)| *s == style) {
            self.open.truncate(at);
        }
        // Official documents number their levels 一、 （一） 1. （1） (GB/T 9704): a heading of an
        // outer level closes the open ones of inner levels, whatever came first (a list 1. 2. in
        // the notice's body does not hold the plan's 一、).
        if let Some(rank) = conventional_rank(style) {
            if let Some(at) = self.open.iter().position(|(s, _)| conventional_rank(*s).is_some_and(|r| r > rank)) {
                self.open.truncate(at);
            }
        }
        self.open.push((style, label.to_string()));
        (self.open.len().min(u8::MAX as usize) as u8, self.path().unwrap_or_default())
    }

    /// The innermost open section's path (`一/（二）`), if any.
    pub fn path(&self) -> Option<String> {
        (!self.open.is_empty()).then(|| self.open.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_their_numbers() {
        let i = item_of("1.努力实现地区生产总值增长6.2%左右。").unwrap();
        assert_eq!((i.numeral.as_str(), i.number, i.style), ("1", 1, NumberStyle::Arabic));
        assert_eq!(i.rest, "努力实现地区生产总值增长6.2%左右。");
        let i = item_of("（十二）加强组织领导").unwrap();
        assert_eq!((i.numeral.as_str(), i.number, i.style), ("（十二）", 12, NumberStyle::BracketedHan));
        assert_eq!(i.rest, "加强组织领导");
        assert_eq!(item_of("二十一、其他").map(|i| i.number), Some(21));
        assert_eq!(item_of("(3)细目").map(|i| (i.numeral, i.number)), Some(("（3）".into(), 3)));
        assert_eq!(item_of("6.2%左右"), None, "a decimal is not an item");
        assert_eq!(item_of("2023年重点工作"), None);
        assert_eq!(item_of("牵头单位：区发改局"), None);
    }

    #[test]
    fn numerals() {
        assert_eq!(numeral_value("十"), Some(10));
        assert_eq!(numeral_value("三十五"), Some(35));
        assert_eq!(numeral_value("〇"), Some(0));
        assert_eq!(numeral_value("12"), Some(12));
        assert_eq!(numeral_value("甲"), None);
        assert_eq!(seq_number(" 12 "), Some((12, NumberStyle::Arabic)));
        assert_eq!(seq_number("12."), Some((12, NumberStyle::Arabic)));
        assert_eq!(seq_number("（3）"), Some((3, NumberStyle::BracketedArabic)));
        assert_eq!(seq_number("(3)"), Some((3, NumberStyle::BracketedArabic)));
        assert_eq!(seq_number("③"), Some((3, NumberStyle::Circled)));
        assert_eq!(seq_number("十二"), Some((12, NumberStyle::Han)));
        assert_eq!(seq_number("1234567"), None);
        assert_eq!(seq_number("序号"), None);
    }
}
