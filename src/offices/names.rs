//! Unit names as written: normalization for lookup, brackets, and the endings unit names have.

/// Endings of unit names, used to cut a run of unknown names that has no separators.
const NAME_SUFFIXES: &[&str] = &[
    "处",
    "办",
    "室",
    "院",
    "中心",
    "局",
    "厅",
    "部",
    "部门",
    "委",
    "会",
    "校",
    "单位",
    "所",
    "站",
    "馆",
    "队",
    "组",
    "司",
    "府",
    "科",
    "幼儿园",
    "产业园",
    "工业园",
    "专班",
    "街道",
    "社区",
    "集团",
    "公司",
    "企业",
];

/// Words that end like a unit name but are none (人力资源社会保障局 is not cut after 社会).
const NOT_NAME_ENDINGS: &[&str] = &["社会", "大会", "全会", "机会", "都会"];

/// Opening brackets of every width and shape notices use: （ ( 〔 ［ [ 【.
pub fn is_open_bracket(c: char) -> bool {
    matches!(c, '（' | '(' | '〔' | '［' | '[' | '【')
}

/// Closing brackets matching [`is_open_bracket`].
pub fn is_close_bracket(c: char) -> bool {
    matches!(c, '）' | ')' | '〕' | '］' | ']' | '】')
}

/// Whether `piece` ends with one of the [`NAME_SUFFIXES`] (and not with one of the
/// [`NOT_NAME_ENDINGS`]).
pub(super) fn ends_with_name_suffix(piece: &[char]) -> bool {
    name_ending(piece).fits(piece.len())
}

/// How the characters up to one place end, for every piece that ends there: the lengths of the
/// shortest [`NAME_SUFFIXES`] entry and of the shortest [`NOT_NAME_ENDINGS`] entry they end with
/// (`usize::MAX` for none). Segmentation reads it once for all the pieces that end at one place.
#[derive(Clone, Copy, Debug)]
pub(super) struct NameEnding {
    suffix: usize,
    not_name: usize,
}

impl NameEnding {
    /// Whether the piece of `len` characters ending there ends like a name
    /// ([`ends_with_name_suffix`]): at least as long as the name suffix, shorter than the
    /// non-name ending.
    pub(super) fn fits(self, len: usize) -> bool {
        self.suffix <= len && self.not_name > len
    }
}

/// The [`NameEnding`] of `chars`, for every piece `chars[s..]`.
pub(super) fn name_ending(chars: &[char]) -> NameEnding {
    let shortest = |words: &[&str]| {
        words.iter().filter(|w| chars_end_with(chars, w)).map(|w| w.chars().count()).min().unwrap_or(usize::MAX)
    };
    NameEnding { suffix: shortest(NAME_SUFFIXES), not_name: shortest(NOT_NAME_ENDINGS) }
}

/// Whether the characters `piece` end with `suffix` (as `str::ends_with` on their text, without
/// building it).
pub(super) fn chars_end_with(piece: &[char], suffix: &str) -> bool {
    let mut back = piece.iter().rev();
    suffix.chars().rev().all(|c| back.next() == Some(&c))
}

/// Whether `name` ends like a unit name (处, 办, 中心, …), a bracketed alias aside.
pub fn has_name_suffix(name: &str) -> bool {
    let bare = split_trailing_group(name).map_or_else(|| name.to_string(), |(outer, _)| outer);
    let chars: Vec<char> = bare.chars().collect();
    ends_with_name_suffix(&chars)
}

/// Normalizes a name for lookup: no whitespace or zero-width characters, half-width brackets
/// made full-width.
pub fn normalize_name(name: &str) -> String {
    // Sized for `name` at once (a bracket grows it once): this runs on every office piece.
    let mut key = String::with_capacity(name.len());
    key.extend(name.chars().filter(|&c| !is_name_filler(c)).map(|c| match c {
        '(' => '（',
        ')' => '）',
        other => other,
    }));
    key
}

/// What [`normalize_name`] leaves out: whitespace and zero-width characters.
fn is_name_filler(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}')
}

/// Whether the last character of `s` that [`normalize_name`] keeps is a closing bracket: what a
/// name ending with a bracket group (`基教处（牵头）`) needs, tested before anything is built.
pub(super) fn ends_with_closing_bracket(s: &str) -> bool {
    s.chars().rev().find(|&c| !is_name_filler(c)).is_some_and(|c| matches!(c, ')' | '）'))
}

/// If `s` ends with a bracket group, returns (text before it, text inside it), normalized.
pub(super) fn split_trailing_group(s: &str) -> Option<(String, String)> {
    // Most pieces end otherwise: they are refused before anything is built.
    if !ends_with_closing_bracket(s) {
        return None;
    }
    let key = normalize_name(s);
    let body = key.strip_suffix('）')?;
    let open = body.rfind('（')?;
    let outer = body[..open].to_string();
    let inner = body[open + '（'.len_utf8()..].to_string();
    (!outer.is_empty() && !inner.is_empty()).then_some((outer, inner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ending_lengths_answer_for_every_piece() {
        for text in
            ["人力资源社会保障局市卫生健康委等县政府办公室", "区安委会各成员单位社会大会处", "都会中心产业园公司"]
        {
            let chars: Vec<char> = text.chars().collect();
            for end in 0..=chars.len() {
                let ending = name_ending(&chars[..end]);
                for start in 0..=end {
                    assert_eq!(
                        ending.fits(end - start),
                        ends_with_name_suffix(&chars[start..end]),
                        "{:?}",
                        chars[start..end].iter().collect::<String>()
                    );
                }
            }
        }
    }
}
