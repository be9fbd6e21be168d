//! Clean-up of OCR text where the answer is certain: joining words without the spaces tesseract
//! puts inside Chinese words, folding confusions that have one right reading, and reading
//! sequence numbers as digits.

use super::ocr::OcrLine;

/// Han ideographs (the characters between which Chinese writes no space).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// Han, full-width punctuation and CJK symbols: characters Chinese text sets without spaces.
fn is_wide(c: char) -> bool {
    is_han(c) || matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFFEF | 0x2014 | 0x2018..=0x201D | 0x2026)
}

/// A line's text: words joined, with a space only where the gap between two words is wide (at
/// least `space` pixels: a space the author typed, as between unit names) or between two Latin
/// words; and the line's lowest word confidence.
pub fn line_text(line: &OcrLine, space: f32) -> (String, f32) {
    let mut text = String::new();
    let mut prev: Option<&super::ocr::Word> = None;
    let mut low = 100.0f32;
    for w in &line.words {
        if let Some(p) = prev {
            let gap = (w.bbox[0] - p.bbox[2]) as f32;
            let (a, b) = (p.text.chars().last().unwrap_or(' '), w.text.chars().next().unwrap_or(' '));
            let latin_pair = a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric();
            if gap >= space || (latin_pair && gap > 0.15 * space) {
                text.push(' ');
            }
        }
        text.push_str(&w.text);
        low = low.min(w.conf);
        prev = Some(w);
    }
    (text, low)
}

/// Joins the lines of a cell or paragraph: nothing between Chinese, a space between Latin words.
pub fn join_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let (Some(a), Some(b)) = (out.chars().last(), line.chars().next()) {
            if !is_wide(a) && !is_wide(b) && a != '-' && a != '/' {
                out.push(' ');
            }
        }
        out.push_str(line);
    }
    out
}

/// Characters tesseract reads a vertical ruling as.
pub fn is_bar(c: char) -> bool {
    matches!(c, '|' | '丨' | '｜' | '¦')
}

/// A line of a cell without the vertical ruling read at its ends (`各市（州）教育|`, the cell's
/// edge caught in the crop): bars at either end of a line that has Han text are dropped. A line
/// without Han (a sequence number, where `|` may be a `1`) is kept as read.
pub fn strip_edge_rulings(line: &str) -> String {
    if !line.chars().any(is_han) {
        return line.to_string();
    }
    line.trim_matches(|c: char| c.is_whitespace() || is_bar(c)).to_string()
}

/// The full-width form of ASCII punctuation that Chinese text writes full width.
fn full_width(c: char) -> Option<char> {
    Some(match c {
        '(' => '（',
        ')' => '）',
        ',' => '，',
        ';' => '；',
        ':' => '：',
        '?' => '？',
        '!' => '！',
        _ => return None,
    })
}

/// Folds confusions with one right reading: angle brackets read for parentheses (〈州) → （州）),
/// ASCII punctuation beside Han to full width, straight quotes beside Han to curly ones (opening
/// after a closing one, closing after an opening one), a `.` between Han to `。`, vertical bars and stray rulings at the ends, and
/// spaces next to Chinese punctuation or between Han characters that tesseract split.
pub fn fold(text: &str) -> String {
    let chars: Vec<char> = text
        .chars()
        .map(|c| match c {
            '〈' | '＜' => '（',
            '〉' | '＞' => '）',
            _ => c,
        })
        .collect();
    // Neighbours ignoring spaces.
    let neighbour = |i: usize| -> Option<char> { chars[i + 1..].iter().find(|c| !c.is_whitespace()).copied() };
    let mut out = String::with_capacity(text.len());
    let mut open_quote = true;
    for (i, &c) in chars.iter().enumerate() {
        // Before: as already folded (a quote made curly counts as Chinese).
        let (before, after) = (out.chars().rev().find(|c| !c.is_whitespace()), neighbour(i));
        let han_beside = before.is_some_and(is_wide) || after.is_some_and(is_wide);
        let mapped = match c {
            // A straight quote beside Chinese is a curly one: opening or closing by its order
            // among the quotes read so far (a straight quote has no direction to keep).
            '"' if han_beside => {
                let q = if open_quote { '“' } else { '”' };
                open_quote = !open_quote;
                q
            }
            // A curly quote keeps the direction OCR read ([`repair_quotes`] sets it by order where
            // the cell allows one answer).
            '“' | '”' => {
                open_quote = c == '”';
                c
            }
            '.' if before.is_some_and(is_wide) && after.is_none_or(is_wide) => '。',
            c if han_beside => full_width(c).unwrap_or(c),
            c => c,
        };
        out.push(mapped);
    }
    // Spaces: none next to wide characters' punctuation, none between two Han characters.
    let chars: Vec<char> = out.chars().collect();
    let mut cleaned = String::with_capacity(out.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            let prev = chars[..i].iter().rev().find(|c| !c.is_whitespace()).copied();
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace()).copied();
            let punct = |c: Option<char>| c.is_some_and(|c| is_wide(c) && !is_han(c));
            let han_pair = prev.is_some_and(is_han) && next.is_some_and(is_han);
            if punct(prev) || punct(next) || han_pair || cleaned.ends_with(' ') {
                continue;
            }
        }
        cleaned.push(c);
    }
    let cleaned = cleaned.trim_matches(|c: char| c.is_whitespace() || matches!(c, '|' | '丨' | '｜')).to_string();
    plus_in_lists(&pair_parentheses(&cleaned))
}

/// An opening bracket OCR read as another kind (`《`, `〔`) where the bracket that closes it is a
/// parenthesis `）`: the pair is a parenthesis, `（`, as the closing one says (`基地《营地）` →
/// `基地（营地）`). Book-title marks and tortoise-shell brackets closed by their own kind stay.
pub fn pair_parentheses(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for k in 0..chars.len() {
        if !matches!(chars[k], '《' | '〔') {
            continue;
        }
        let next = chars[k + 1..].iter().find(|&&c| matches!(c, '（' | '）' | '《' | '》' | '〔' | '〕'));
        if next == Some(&'）') {
            chars[k] = '（';
        }
    }
    chars.into_iter().collect()
}

/// Chinese numerals: a `十` beside one is a number (二十, 十五), never a plus.
fn is_numeral(c: char) -> bool {
    matches!(
        c,
        '零' | '〇'
            | '一'
            | '二'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
            | '千'
            | '万'
            | '亿'
            | '两'
            | '几'
            | '第'
    )
}

/// `十` read for `+` in a list joined by plus signs: within one phrase (the text between two
/// marks of Chinese punctuation or quotes) that has a `+`, a `十` between two Han characters,
/// neither a numeral, is that list's `+` (“地方政府+职业院校十龙头企业” → “…职业院校+龙头企业”).
/// A `十` in a phrase with no `+` is kept as read: there it is as often the numeral.
pub fn plus_in_lists(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let boundary =
        |c: char| matches!(c, '，' | '。' | '；' | '：' | '、' | '“' | '”' | '（' | '）' | '《' | '》' | '！' | '？');
    let mut out = chars.clone();
    let mut start = 0;
    while start < chars.len() {
        let end = (start..chars.len()).find(|&k| boundary(chars[k])).unwrap_or(chars.len());
        let phrase = &chars[start..end];
        if phrase.iter().any(|&c| c == '+' || c == '＋') {
            for k in start + 1..end.saturating_sub(1) {
                let (a, b) = (chars[k - 1], chars[k + 1]);
                if chars[k] == '十' && is_han(a) && is_han(b) && !is_numeral(a) && !is_numeral(b) {
                    out[k] = '+';
                }
            }
        }
        start = end + 1;
    }
    out.into_iter().collect()
}

/// Sets the direction of the curly double quotes of a text by their order, where it has one
/// answer. Chinese quotes pair up, opening then closing, and tesseract often reads the wrong one
/// of the pair (“一带一路“). A text wholly inside its cell pairs its quotes from the first; a cell
/// that a page break may have cut can start inside a quotation (its first quote closes,
/// `may_start_inside`) or end inside one (its last quote opens, `may_end_inside`). Of the
/// alternations the count of quotes and the cuts allow, the only one is taken, or of two the
/// one that agrees with more of the directions as read (the balanced one on a tie of an even
/// count). An odd count with no cut to explain it (a quote lost or one too many) leaves the
/// quotes as read.
pub fn repair_quotes(text: &str, may_start_inside: bool, may_end_inside: bool) -> String {
    let quotes: Vec<bool> = text.chars().filter_map(|c| matches!(c, '“' | '”').then_some(c == '“')).collect();
    let n = quotes.len();
    if n == 0 {
        return text.to_string();
    }
    let even = n.is_multiple_of(2);
    // Alternations: opening first, or closing first (the text starts inside a quotation).
    // Opening first ends inside a quotation when the count is odd; closing first when even.
    let open_first_ok = even || may_end_inside;
    let close_first_ok = may_start_inside && (!even || may_end_inside);
    let agree =
        |open_first: bool| quotes.iter().enumerate().filter(|(i, &q)| q == ((i % 2 == 0) == open_first)).count();
    let open_first = match (open_first_ok, close_first_ok) {
        (true, false) => true,
        (false, true) => false,
        (true, true) => match agree(true).cmp(&agree(false)) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal if even => true,
            std::cmp::Ordering::Equal => return text.to_string(),
        },
        (false, false) => return text.to_string(),
    };
    let mut k = 0;
    text.chars()
        .map(|c| match c {
            '“' | '”' => {
                let open = (k % 2 == 0) == open_first;
                k += 1;
                if open {
                    '“'
                } else {
                    '”'
                }
            }
            c => c,
        })
        .collect()
}

/// Reads a sequence-number cell as digits, with the look-alikes tesseract gives for them (l, I,
/// |, 丨 for 1; O, o, 〇 for 0; …). `None` when it is not a number.
pub fn read_seq(text: &str) -> Option<u32> {
    let mut digits = String::new();
    for c in text.chars() {
        let d = match c {
            '0'..='9' => c,
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32)?,
            'l' | 'I' | '|' | 'i' | '丨' | '｜' | '!' | ']' | '[' | 'ı' => '1',
            'O' | 'o' | '〇' | 'D' | 'Q' => '0',
            'S' | 's' => '5',
            'Z' | 'z' => '2',
            'B' => '8',
            'g' | 'q' => '9',
            'G' | 'b' => '6',
            'T' => '7',
            'A' => '4',
            c if c.is_whitespace() || matches!(c, '.' | '、' | '．' | ',' | '，' | '。' | '\'' | '‘' | '’') => {
                continue
            }
            _ => return None,
        };
        digits.push(d);
    }
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    digits.parse().ok()
}

/// Levenshtein distance between two strings, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::super::ocr::Word;
    use super::*;

    fn word(text: &str, x0: i32, x1: i32) -> Word {
        Word { text: text.into(), conf: 90.0, bbox: [x0, 0, x1, 30] }
    }

    #[test]
    fn words_join_without_spaces_inside_chinese() {
        let line = OcrLine {
            words: vec![word("基教", 0, 60), word("处", 62, 90), word("高教处", 130, 220)],
            bbox: [0, 0, 220, 30],
        };
        assert_eq!(line_text(&line, 25.0).0, "基教处 高教处");
        assert_eq!(fold("基教处 高教处"), "基教处高教处", "no spaces between Han");
        assert_eq!(join_lines(["基教", "处", "Web", "page"]), "基教处Web page");
    }

    #[test]
    fn ten_in_a_list_joined_by_plus_signs_is_a_plus() {
        assert_eq!(plus_in_lists("推行“学校+家庭十社区”模式"), "推行“学校+家庭+社区”模式");
        assert_eq!(fold("推行\"学校+家庭十社区\"模式"), "推行“学校+家庭+社区”模式");
        // No plus in the phrase: the numeral stays, as does a ten beside numerals.
        assert_eq!(plus_in_lists("落实“十要十不要”规定"), "落实“十要十不要”规定");
        assert_eq!(plus_in_lists("“三十+N”项目"), "“三十+N”项目");
        assert_eq!(plus_in_lists("打造“一核+二十个”格局"), "打造“一核+二十个”格局");
        // A plus in another phrase is no evidence.
        assert_eq!(plus_in_lists("“互联网+”行动，开展“城市十乡村”试点"), "“互联网+”行动，开展“城市十乡村”试点");
    }

    #[test]
    fn an_opening_bracket_closed_by_a_parenthesis_is_one() {
        assert_eq!(pair_parentheses("研学基地《营地）建设"), "研学基地（营地）建设");
        assert_eq!(pair_parentheses("培训中心〔某大学）"), "培训中心（某大学）");
        assert_eq!(pair_parentheses("落实《条例》（试行）"), "落实《条例》（试行）");
        assert_eq!(pair_parentheses("某教〔2024〕15号"), "某教〔2024〕15号");
        assert_eq!(pair_parentheses("《方案"), "《方案", "nothing closes it");
    }

    #[test]
    fn confusions_fold_to_their_one_reading() {
        assert_eq!(fold("各市〈州) 教育局"), "各市（州）教育局");
        assert_eq!(fold("厅机关各处室:"), "厅机关各处室：");
        assert_eq!(fold("实施\"时代新人铸魂工程\". 推进"), "实施“时代新人铸魂工程”。推进");
        assert_eq!(fold("建设 , 形成"), "建设，形成");
        assert_eq!(fold("2024年6月底前"), "2024年6月底前");
        assert_eq!(fold("|思政处|"), "思政处");
        assert_eq!(fold("Web 2.0"), "Web 2.0");
    }

    #[test]
    fn quotes_take_their_direction_from_their_order() {
        // Balanced in the cell: paired from the first.
        assert_eq!(repair_quotes("“一带一路“、“接东及西”", false, false), "“一带一路”、“接东及西”");
        // An odd count in a cell no page break cut: a quote was lost; left as read.
        assert_eq!(repair_quotes("“入学有编”，一批三农“工作", false, false), "“入学有编”，一批三农“工作");
        // A cell that continues a quotation from the page before: its first quote closes.
        assert_eq!(
            repair_quotes("西“，跨领域”1+N“，与”一流大学+产业园区“合作", true, false),
            "西”，跨领域“1+N”，与“一流大学+产业园区”合作"
        );
        // A cell the page break cuts inside a quotation: its last quote opens.
        assert_eq!(repair_quotes("“一带一路“、资源”接东及", false, true), "“一带一路”、资源“接东及");
        // Cut at both ends, an even count: the reading decides, balanced on a tie.
        assert_eq!(repair_quotes("西”，“甲”，“乙", true, true), "西”，“甲”，“乙");
        assert_eq!(repair_quotes("“甲“，”乙”", true, true), "“甲”，“乙”");
        assert_eq!(repair_quotes("没有引号", true, true), "没有引号");
    }

    #[test]
    fn rulings_at_line_ends_are_dropped() {
        assert_eq!(strip_edge_rulings("各市（州）教育|"), "各市（州）教育");
        assert_eq!(strip_edge_rulings("丨 思政处 |"), "思政处");
        assert_eq!(strip_edge_rulings("|"), "|", "a sequence number 1 read as a bar");
        assert_eq!(strip_edge_rulings("l|"), "l|");
    }

    #[test]
    fn sequence_numbers_read_as_digits() {
        assert_eq!(read_seq("1"), Some(1));
        assert_eq!(read_seq("l2"), Some(12));
        assert_eq!(read_seq("|"), Some(1));
        assert_eq!(read_seq("2O"), Some(20));
        assert_eq!(read_seq("一、"), None);
        assert_eq!(read_seq(""), None);
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("基教处", "基教外"), 1);
        assert_eq!(edit_distance("甘肃省教育厅", "甘肃省教育厅"), 0);
        assert_eq!(edit_distance("分管领导", "分管领"), 1);
    }
}
