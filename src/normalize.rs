//! Text normalization shared by the stages that turn cells and paragraphs into record fields.
//!
//! Producers add and remove spaces differently: a PDF puts an autospace gap in `2024 年`, the
//! text rendition puts a space after a bold run, HTML indents with `&nbsp;`. [`clean_text`]
//! removes exactly the spaces no author typed, so that the same notice gives the same text from
//! every format, and leaves everything else (typos, wording, punctuation) verbatim.

/// CJK punctuation and full-width forms next to which a space is never meaningful.
fn is_cjk_punct(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'   // CJK symbols and punctuation: 、。〈〉《》「」『』【】〔〕…
        | '\u{FF00}'..='\u{FFEF}' // full-width forms: （），：；！？
        | '“' | '”' | '‘' | '’' | '…' | '—' | '·')
}

/// The text with every whitespace character removed: the key two spellings of one header, numeral
/// or name compare by when producers space them differently (`序 号`, `2024 年`).
pub fn without_whitespace(s: &str) -> String {
    // Sized for `s` at once: this runs on most cells, and a string grown a character at a time
    // reallocates three or four times for a short Chinese phrase.
    let mut out = String::with_capacity(s.len());
    out.extend(s.chars().filter(|c| !c.is_whitespace()));
    out
}

/// Han ideographs: the CJK Unified Ideographs with extension A, the compatibility ideographs, and
/// the supplementary and tertiary ideographic planes (extensions B to H and their successors).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// Whether a character is written without spaces around it in Chinese text: Han ideographs, CJK
/// punctuation and symbols, radicals, kana, hangul, vertical and fullwidth forms, general
/// punctuation (quotes, dashes, ellipsis) and the middle dot of transcribed names. A line break
/// between two such characters joins with nothing; one between two others with a space.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x00B7 | 0x2010..=0x206F | 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Normalizes the whitespace of a multi-line text without touching its wording:
/// each line's whitespace runs (any width, NBSP and U+3000 included) become one space; a space
/// next to CJK punctuation, or between a Han character and a Latin letter or digit, is removed;
/// a space between two Han characters (as in `教育部 甘肃省人民政府`) is kept; lines are trimmed
/// and empty lines dropped. Lines stay separated by `\n`.
pub fn clean_text(text: &str) -> String {
    // Most cells hold no white space but their line breaks, and no empty line: nothing to clean.
    let clean = !text.starts_with('\n')
        && !text.ends_with('\n')
        && !text.contains("\n\n")
        && !text.chars().any(|c| c != '\n' && is_cleaned_space(c));
    if clean {
        return text.to_string();
    }
    let mut lines: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let cleaned = clean_line(line);
        if !cleaned.is_empty() {
            lines.push(cleaned);
        }
    }
    lines.join("\n")
}

/// [`clean_text`] with line breaks joined: CJK on either side of the break joins with nothing,
/// two Latin words with a space.
pub fn clean_text_single_line(text: &str) -> String {
    let cleaned = clean_text(text);
    let mut out = String::with_capacity(cleaned.len());
    for (i, line) in cleaned.split('\n').enumerate() {
        if i > 0 {
            let prev = out.chars().last();
            let next = line.chars().next();
            if let (Some(p), Some(n)) = (prev, next) {
                if !is_cjk(p) && !is_cjk(n) {
                    out.push(' ');
                }
            }
        }
        out.push_str(line);
    }
    out
}

/// What [`clean_text`] treats as a space: white space and the zero-width space.
fn is_cleaned_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{200B}'
}

fn clean_line(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_cleaned_space(c) {
            let start = i;
            while i < chars.len() && is_cleaned_space(chars[i]) {
                i += 1;
            }
            let prev = if start == 0 { None } else { Some(chars[start - 1]) };
            let next = chars.get(i).copied();
            if let (Some(p), Some(n)) = (prev, next) {
                let meaningless = is_cjk_punct(p)
                    || is_cjk_punct(n)
                    || (is_han(p) && n.is_ascii_alphanumeric())
                    || (p.is_ascii_alphanumeric() && is_han(n));
                if !meaningless {
                    out.push(' ');
                }
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Whether XML 1.0 forbids `c` in a document: the C0 controls but tab, line feed and carriage
/// return, and U+FFFE, U+FFFF.
fn forbidden_in_xml(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// `text` as XML character data or an attribute value, for the XML files we write (JUnit
/// reports, SVG drawings): markup escaped by quick-xml (`& < > " '`), and each character XML 1.0
/// forbids — which a notice's text can hold — replaced by `forbidden`, or dropped when it is `None`.
pub(crate) fn xml_text(text: &str, forbidden: Option<char>) -> String {
    let allowed: std::borrow::Cow<str> = if text.chars().any(forbidden_in_xml) {
        text.chars().filter_map(|c| if forbidden_in_xml(c) { forbidden } else { Some(c) }).collect::<String>().into()
    } else {
        text.into()
    };
    quick_xml::escape::escape(allowed.as_ref()).into_owned()
}

/// Pairs of neighbouring characters of `s`, in order, for similarity by shared pairs; a single
/// character is its own pair, so one-character names still compare.
pub(crate) fn char_pairs(s: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() == 1 {
        return vec![(chars[0], chars[0])];
    }
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cjk_predicate_covers_ideographs_and_cjk_punctuation() {
        let every = (0..=0x3FFFFu32).filter_map(char::from_u32);
        assert!(every.filter(|&c| is_han(c) || is_cjk_punct(c)).all(is_cjk));
        for c in ['一', '龥', '㐀', '𠀀', '𱍐', '、', '。', '（', '“', '—', '·', 'あ', '한'] {
            assert!(is_cjk(c), "{c}");
        }
        for c in ['a', '1', ' ', '-', '/', 'é'] {
            assert!(!is_cjk(c), "{c}");
        }
        assert!(!is_han('䷀') && !is_han('あ') && !is_han('、') && is_han('𱍐'));
    }

    #[test]
    fn removes_only_spaces_nobody_typed() {
        assert_eq!(clean_text("实施“工程”。 推进"), "实施“工程”。推进");
        assert_eq!(clean_text("  2024 年 6 月 "), "2024年6月");
        assert_eq!(clean_text("教育部 甘肃省人民政府"), "教育部 甘肃省人民政府");
        assert_eq!(clean_text("5G+智慧  教育\u{3000}平台"), "5G+智慧 教育 平台");
        assert_eq!(clean_text("a\n\n b \n"), "a\nb");
        assert_eq!(clean_text("（一） 完善"), "（一）完善");
        // Text with nothing to clean comes back as it was; a `\r`, a zero-width space or an
        // empty line is still cleaned.
        assert_eq!(clean_text("推进\n落实"), "推进\n落实");
        assert_eq!(clean_text("推进\r\n落实"), "推进\n落实");
        assert_eq!(clean_text("推\u{200B}进\n"), "推 进");
        assert_eq!(clean_text("\n推进"), "推进");
        assert_eq!(clean_text(""), "");
    }

    #[test]
    fn joins_lines_like_a_reader() {
        assert_eq!(clean_text_single_line("推进习近平\n新时代"), "推进习近平新时代");
        assert_eq!(clean_text_single_line("open\nsource"), "open source");
    }

    #[test]
    fn xml_text_escapes_markup_and_replaces_or_drops_what_xml_forbids() {
        assert_eq!(xml_text("a<b>&\"'", None), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(xml_text("x\u{1}\u{FFFF}\ty\n", None), "x\ty\n");
        assert_eq!(xml_text("x\u{1}\u{FFFE}", Some('\u{FFFD}')), "x\u{FFFD}\u{FFFD}");
        assert_eq!(xml_text("通知", None), "通知");
    }
}
