//! Character maps: how a font's string bytes split into codes and what Unicode text each code is.
//!
//! Two sources: a font's embedded `/ToUnicode` CMap ([`ToUnicode`], parsed from its PostScript-like
//! text: `begincodespacerange`, `beginbfchar`, `beginbfrange` including the array form), and the
//! predefined CMaps Chinese producers name in `/Encoding` without embedding anything
//! ([`Predefined`]: `Identity-H` over Adobe-GB1, `GBK-EUC-H`, `GB-EUC-H`, `UniGB-UCS2-H`,
//! `UniGB-UTF16-H`). Adobe-GB1 CIDs map to Unicode through the table in `data/gb1.bin`.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

/// Adobe-GB1 CID → UTF-16 code unit (0: none), big-endian u16 per CID. See `data/make_gb1.py`.
static GB1_TO_UNICODE: &[u8] = include_bytes!("data/gb1.bin");

/// Unicode (BMP) → the lowest Adobe-GB1 CID with that character (0: none), built on first use.
static UNICODE_TO_GB1: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();

/// The Adobe-GB1 CID of a character: the lowest one, which for ASCII is the proportional glyph the
/// `UniGB-UCS2-H` and `GBK-EUC-H` CMaps select. Used for widths (`/W` is keyed by CID) when the
/// CMap file itself is not at hand.
pub(crate) fn gb1_char_to_cid(c: char) -> Option<u32> {
    let table = UNICODE_TO_GB1.get_or_init(|| {
        let mut table = vec![0u16; 0x10000];
        for (cid, pair) in GB1_TO_UNICODE.chunks_exact(2).enumerate().rev() {
            let unit = u16::from_be_bytes([pair[0], pair[1]]);
            if unit != 0 && cid <= u16::MAX as usize {
                table[unit as usize] = cid as u16;
            }
        }
        table
    });
    let cid = *table.get(c as usize)?;
    (cid != 0).then_some(cid as u32)
}

/// Most entries a ToUnicode CMap may expand to, so a hostile `bfrange` cannot exhaust memory.
pub(crate) const MAX_CMAP_ENTRIES: usize = 1 << 20;
/// Most characters one code maps to (ligatures need a few).
pub(crate) const MAX_MAPPED_CHARS: usize = 32;

/// The Unicode text of an Adobe-GB1 CID, when the table has one.
pub(crate) fn gb1_cid_to_char(cid: u32) -> Option<char> {
    let i = cid as usize * 2;
    let unit = u16::from_be_bytes([*GB1_TO_UNICODE.get(i)?, *GB1_TO_UNICODE.get(i + 1)?]);
    (unit != 0).then(|| char::from_u32(unit as u32)).flatten()
}

/// The unified ideographs of the Kangxi radicals U+2F00–U+2FD5, in order (their compatibility
/// decompositions).
const KANGXI_RADICALS: &str = "一丨丶丿乙亅二亠人儿入八冂冖冫几凵刀力勹匕匚匸十卜卩厂厶又口囗土士夂夊夕大女子宀寸小尢尸屮山巛工己巾干幺广廴廾弋弓彐彡彳心戈戶手支攴文斗斤方无日曰月木欠止歹殳毋比毛氏气水火爪父爻爿片牙牛犬玄玉瓜瓦甘生用田疋疒癶白皮皿目矛矢石示禸禾穴立竹米糸缶网羊羽老而耒耳聿肉臣自至臼舌舛舟艮色艸虍虫血行衣襾見角言谷豆豕豸貝赤走足身車辛辰辵邑酉釆里金長門阜隶隹雨靑非面革韋韭音頁風飛食首香馬骨高髟鬥鬯鬲鬼魚鳥鹵鹿麥麻黃黍黑黹黽鼎鼓鼠鼻齊齒龍龜龠";

/// Radicals of the CJK Radicals Supplement that are simplified or variant forms of a character in
/// their own right, with that character.
const SUPPLEMENT_RADICALS: &[(char, char)] = &[
    ('\u{2E9F}', '母'),
    ('\u{2EA0}', '民'),
    ('\u{2EA1}', '氵'),
    ('\u{2EBC}', '月'),
    ('\u{2EC1}', '虎'),
    ('\u{2EC4}', '西'),
    ('\u{2EC5}', '见'),
    ('\u{2EC6}', '角'),
    ('\u{2EC9}', '贝'),
    ('\u{2ECB}', '车'),
    ('\u{2ED3}', '长'),
    ('\u{2ED4}', '门'),
    ('\u{2ED8}', '青'),
    ('\u{2EDA}', '页'),
    ('\u{2EDB}', '风'),
    ('\u{2EDC}', '飞'),
    ('\u{2EDD}', '食'),
    ('\u{2EE2}', '马'),
    ('\u{2EE3}', '骨'),
    ('\u{2EE4}', '鬼'),
    ('\u{2EE5}', '鱼'),
    ('\u{2EE6}', '鸟'),
    ('\u{2EE7}', '卤'),
    ('\u{2EE8}', '麦'),
    ('\u{2EE9}', '黄'),
    ('\u{2EEA}', '黾'),
    ('\u{2EEB}', '斉'),
    ('\u{2EEC}', '齐'),
    ('\u{2EED}', '歯'),
    ('\u{2EEE}', '齿'),
    ('\u{2EEF}', '竜'),
    ('\u{2EF0}', '龙'),
    ('\u{2EF2}', '亀'),
    ('\u{2EF3}', '龟'),
];

/// The ideograph a radical code point stands for. Fonts whose radical and ideograph glyphs are one
/// glyph get ToUnicode entries for the radical (Chromium and wkhtmltopdf write "⼀" U+2F00 for
/// "一"); a notice never means the radical itself.
pub(crate) fn unify_radical(c: char) -> char {
    match c as u32 {
        0x2F00..=0x2FD5 => KANGXI_RADICALS.chars().nth(c as usize - 0x2F00).unwrap_or(c),
        0x2E80..=0x2EFF => SUPPLEMENT_RADICALS.iter().find(|(r, _)| *r == c).map_or(c, |(_, u)| *u),
        _ => c,
    }
}

/// One `begincodespacerange` entry: codes of `len` bytes whose every byte lies between the
/// corresponding bytes of `low` and `high`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Codespace {
    len: usize,
    low: [u8; 4],
    high: [u8; 4],
}

impl Codespace {
    fn matches(&self, bytes: &[u8]) -> bool {
        bytes.len() >= self.len && (0..self.len).all(|i| self.low[i] <= bytes[i] && bytes[i] <= self.high[i])
    }
}

/// Most bytes of text a ToUnicode CMap keeps in all (mappings redefined over and over included).
const MAX_CMAP_TEXT: usize = 64 * 1024 * 1024;

/// A parsed `/ToUnicode` CMap: code (with its byte length) → Unicode text.
#[derive(Clone, Debug, Default)]
pub(crate) struct ToUnicode {
    codespaces: Vec<Codespace>,
    /// Keyed by `(byte length << 32) | code`; the value is a range of `texts` (usually one
    /// char, several for ligatures).
    map: HashMap<u64, (u32, u32), FxBuildHasher>,
    texts: String,
    /// The byte length used for codes when no codespace is declared, from the mapped codes.
    implied_len: Option<usize>,
}

fn key(len: usize, code: u32) -> u64 {
    ((len as u64) << 32) | code as u64
}

fn code_value(bytes: &[u8]) -> u32 {
    bytes.iter().take(4).fold(0u32, |acc, b| (acc << 8) | *b as u32)
}

/// UTF-16BE bytes as text; an unpaired surrogate becomes U+FFFD.
pub(crate) fn utf16be_to_string(bytes: &[u8]) -> String {
    let mut out = String::new();
    push_utf16be(bytes, &mut out);
    out
}

fn utf16_units(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes.chunks(2).map(|c| if c.len() == 2 { u16::from_be_bytes([c[0], c[1]]) } else { c[0] as u16 })
}

fn push_utf16be(bytes: &[u8], out: &mut String) {
    out.extend(char::decode_utf16(utf16_units(bytes)).map(|r| r.unwrap_or('\u{FFFD}')));
}

/// A token of CMap text. Only what the mapping sections need is distinguished; a hexadecimal
/// string is kept raw (see [`hex`]).
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Hex(&'a [u8]),
    Name(&'a [u8]),
    Word(&'a [u8]),
    ArrayStart,
    ArrayEnd,
}

/// The bytes of a raw hexadecimal string: its digits in pairs, anything else ignored, an odd
/// last digit read as if followed by `0`.
fn hex<'b>(raw: &[u8], buf: &'b mut Vec<u8>) -> &'b [u8] {
    buf.clear();
    super::lexer::decode_hex(raw, buf);
    buf
}

/// Splits CMap text into tokens, skipping comments, literal strings and dictionaries' brackets.
fn tokenize(data: &[u8]) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    let is_delim = |b: u8| b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b);
    while i < data.len() {
        let b = data[i];
        match b {
            b'%' => {
                while i < data.len() && data[i] != b'\n' && data[i] != b'\r' {
                    i += 1;
                }
            }
            b'[' => {
                out.push(Token::ArrayStart);
                i += 1;
            }
            b']' => {
                out.push(Token::ArrayEnd);
                i += 1;
            }
            b'<' if data.get(i + 1) == Some(&b'<') => i += 2,
            b'>' if data.get(i + 1) == Some(&b'>') => i += 2,
            b'<' => {
                let start = i + 1;
                let end = data[start..].iter().position(|&c| c == b'>').map_or(data.len(), |p| start + p);
                out.push(Token::Hex(&data[start..end]));
                i = end + 1;
            }
            b'(' => {
                let mut depth = 0;
                while i < data.len() {
                    match data[i] {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'/' => {
                let start = i + 1;
                i += 1;
                while i < data.len() && !is_delim(data[i]) {
                    i += 1;
                }
                out.push(Token::Name(&data[start..i]));
            }
            _ if b.is_ascii_whitespace() || b == b'{' || b == b'}' || b == b')' || b == b'>' => i += 1,
            _ => {
                let start = i;
                while i < data.len() && !is_delim(data[i]) {
                    i += 1;
                }
                out.push(Token::Word(&data[start..i]));
            }
        }
    }
    out
}

/// Writes the text a `bfchar`/`bfrange` destination stands for (UTF-16BE bytes, or a glyph
/// name) into `out`; false when it stands for nothing.
fn destination_text(token: &Token, buf: &mut Vec<u8>, out: &mut String) -> bool {
    out.clear();
    match token {
        Token::Hex(raw) => {
            push_utf16be(hex(raw, buf), out);
            true
        }
        Token::Name(name) => match super::encoding::glyph_name_to_char(name) {
            Some(c) => {
                out.push(c);
                true
            }
            None => false,
        },
        _ => false,
    }
}

impl ToUnicode {
    /// Parses a ToUnicode CMap. Malformed parts are skipped; what parsed is kept.
    pub(crate) fn parse(data: &[u8]) -> ToUnicode {
        let tokens = tokenize(data);
        let mut cmap = ToUnicode::default();
        let (mut lo_buf, mut hi_buf, mut text) = (Vec::new(), Vec::new(), String::new());
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                Token::Word(b"begincodespacerange") => {
                    i += 1;
                    while let (Some(Token::Hex(lo)), Some(Token::Hex(hi))) = (tokens.get(i), tokens.get(i + 1)) {
                        let (lo, hi) = (hex(lo, &mut lo_buf), hex(hi, &mut hi_buf));
                        if !lo.is_empty() && lo.len() <= 4 && lo.len() == hi.len() {
                            let mut low = [0u8; 4];
                            let mut high = [0u8; 4];
                            low[..lo.len()].copy_from_slice(lo);
                            high[..hi.len()].copy_from_slice(hi);
                            cmap.codespaces.push(Codespace { len: lo.len(), low, high });
                        }
                        i += 2;
                    }
                }
                Token::Word(b"beginbfchar") => {
                    i += 1;
                    while let (Some(Token::Hex(src)), Some(dst)) = (tokens.get(i), tokens.get(i + 1)) {
                        if destination_text(dst, &mut hi_buf, &mut text) {
                            let src = hex(src, &mut lo_buf);
                            if !src.is_empty() && src.len() <= 4 {
                                cmap.insert_code(src.len(), code_value(src), &text);
                            }
                        }
                        i += 2;
                    }
                }
                Token::Word(b"beginbfrange") => {
                    i += 1;
                    i = cmap.parse_bfranges(&tokens, i);
                }
                _ => i += 1,
            }
        }
        cmap
    }

    /// Reads `lo hi dst` triples from `tokens[i..]` up to `endbfrange`; returns the next index.
    fn parse_bfranges(&mut self, tokens: &[Token], mut i: usize) -> usize {
        let (mut buf, mut text, mut range_text) = (Vec::new(), String::new(), String::new());
        while let (Some(Token::Hex(lo)), Some(Token::Hex(hi))) = (tokens.get(i), tokens.get(i + 1)) {
            let lo = hex(lo, &mut buf);
            let (lo_code, len) = (code_value(lo), lo.len());
            let hi_code = code_value(hex(hi, &mut buf));
            i += 2;
            match tokens.get(i) {
                Some(Token::ArrayStart) => {
                    i += 1;
                    let mut code = lo_code;
                    while let Some(token) = tokens.get(i) {
                        if *token == Token::ArrayEnd {
                            i += 1;
                            break;
                        }
                        if code <= hi_code && destination_text(token, &mut buf, &mut text) {
                            self.insert_code(len, code, &text);
                        }
                        code = code.saturating_add(1);
                        i += 1;
                    }
                }
                Some(Token::Hex(dst)) => {
                    i += 1;
                    let dst = hex(dst, &mut buf);
                    if hi_code < lo_code || dst.is_empty() {
                        continue;
                    }
                    // The destination's last UTF-16 unit is incremented through the range.
                    let mut units: Vec<u16> = utf16_units(dst).collect();
                    let base = *units.last().unwrap_or(&0) as u32;
                    // Past this many units the last one is cut off by the length bound.
                    let constant = units.len() > 2 * MAX_MAPPED_CHARS + 1;
                    for offset in 0..=(hi_code - lo_code) {
                        if self.map.len() >= MAX_CMAP_ENTRIES {
                            break;
                        }
                        let Some(unit) = base.checked_add(offset).filter(|u| *u <= 0xFFFF) else { break };
                        if !constant || offset == 0 {
                            if let Some(last) = units.last_mut() {
                                *last = unit as u16;
                            }
                            range_text.clear();
                            range_text
                                .extend(char::decode_utf16(units.iter().copied()).map(|r| r.unwrap_or('\u{FFFD}')));
                        }
                        self.insert_code(len, lo_code + offset, &range_text);
                    }
                }
                Some(other) => {
                    if destination_text(other, &mut buf, &mut text) {
                        self.insert_code(len, lo_code, &text);
                    }
                    i += 1;
                }
                None => break,
            }
        }
        i
    }

    fn insert_code(&mut self, len: usize, code: u32, text: &str) {
        if self.map.len() >= MAX_CMAP_ENTRIES || self.texts.len() >= MAX_CMAP_TEXT {
            return;
        }
        self.implied_len.get_or_insert(len);
        // A ligature maps to a few characters; a longer string is hostile (it would be copied for
        // every glyph drawn): keep its start.
        let text = match text.char_indices().nth(MAX_MAPPED_CHARS) {
            Some((cut, _)) => &text[..cut],
            None => text,
        };
        let start = self.texts.len() as u32;
        if text.chars().any(|c| ('\u{2E80}'..='\u{2FDF}').contains(&c)) {
            self.texts.extend(text.chars().map(unify_radical));
        } else {
            self.texts.push_str(text);
        }
        self.map.insert(key(len, code), (start, self.texts.len() as u32));
    }

    /// Whether the CMap declared its code lengths.
    pub(crate) fn has_codespaces(&self) -> bool {
        !self.codespaces.is_empty()
    }

    /// The length in bytes of the code at the start of `bytes` (at least 1), by the codespace
    /// ranges; `default_len` when none is declared or none matches.
    pub(crate) fn code_len(&self, bytes: &[u8], default_len: usize) -> usize {
        if let Some(cs) = self.codespaces.iter().filter(|cs| cs.matches(bytes)).min_by_key(|cs| cs.len) {
            return cs.len;
        }
        let len = if self.codespaces.is_empty() { self.implied_len.unwrap_or(default_len) } else { default_len };
        len.clamp(1, bytes.len().max(1))
    }

    /// The text a code maps to.
    pub(crate) fn lookup(&self, len: usize, code: u32) -> Option<&str> {
        self.map.get(&key(len, code)).map(|&(from, to)| &self.texts[from as usize..to as usize])
    }
}

/// The predefined CMaps this reader knows, named in a Type0 font's `/Encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Predefined {
    /// `Identity-H`/`-V`: 2-byte codes equal to CIDs.
    Identity,
    /// `GBK-EUC-H`, `GB-EUC-H`, `GBpc-EUC-H`, `GBK2K-H` (and `-V`): GBK/GB2312 bytes; a byte
    /// 0x81–0xFE starts a 2-byte code.
    GbkEuc,
    /// `UniGB-UCS2-H`/`-V`: 2-byte UCS-2 codes.
    Ucs2,
    /// `UniGB-UTF16-H`/`-V`: UTF-16BE, a high surrogate starts a 4-byte code.
    Utf16,
}

impl Predefined {
    /// The predefined CMap named `name`, if known.
    pub(crate) fn from_name(name: &[u8]) -> Option<Predefined> {
        let name = name.strip_suffix(b"-H").or_else(|| name.strip_suffix(b"-V")).unwrap_or(name);
        match name {
            b"Identity" => Some(Predefined::Identity),
            b"GBK-EUC" | b"GB-EUC" | b"GBpc-EUC" | b"GBK2K" | b"GBKp-EUC" | b"GBT-EUC" => Some(Predefined::GbkEuc),
            b"UniGB-UCS2" => Some(Predefined::Ucs2),
            b"UniGB-UTF16" => Some(Predefined::Utf16),
            _ => None,
        }
    }

    /// The length in bytes of the code at the start of `bytes` (1 when the bytes run out).
    pub(crate) fn code_len(self, bytes: &[u8]) -> usize {
        let len = match self {
            Predefined::Identity | Predefined::Ucs2 => 2,
            Predefined::GbkEuc => {
                if (0x81..=0xFE).contains(&bytes[0]) {
                    2
                } else {
                    1
                }
            }
            Predefined::Utf16 => {
                if bytes.len() >= 4 && (0xD8..=0xDB).contains(&bytes[0]) {
                    4
                } else {
                    2
                }
            }
        };
        len.min(bytes.len()).max(1)
    }

    /// The character a code (its bytes) stands for. `gb1` says whether Identity CIDs are
    /// Adobe-GB1 CIDs; without that an Identity code has no meaning here.
    pub(crate) fn decode(self, code: &[u8], gb1: bool) -> Option<char> {
        match self {
            Predefined::Identity => gb1.then(|| gb1_cid_to_char(code_value(code))).flatten(),
            // One unit, the usual case, is a character unless it is a surrogate.
            Predefined::Ucs2 | Predefined::Utf16 if code.len() == 2 => {
                char::from_u32(u32::from(u16::from_be_bytes([code[0], code[1]]))).filter(|c| *c != '\u{FFFD}')
            }
            Predefined::Ucs2 | Predefined::Utf16 => char::decode_utf16(utf16_units(code))
                .next()
                .map(|r| r.unwrap_or('\u{FFFD}'))
                .filter(|c| *c != '\u{FFFD}' && code.len() >= 2),
            Predefined::GbkEuc => {
                if code.len() == 1 {
                    return (code[0] < 0x80).then_some(code[0] as char);
                }
                // A byte-order mark is no character here, and a code is never one.
                let mut decoder = encoding_rs::GBK.new_decoder_without_bom_handling();
                let mut out = [0u8; 16];
                let (result, _, written) = decoder.decode_to_utf8_without_replacement(code, &mut out, true);
                if !matches!(result, encoding_rs::DecoderResult::InputEmpty) {
                    return None;
                }
                std::str::from_utf8(&out[..written]).ok()?.chars().next()
            }
        }
    }

    /// The Adobe-GB1 CID of a code when it can be known without the CMap file (Identity).
    pub(crate) fn cid(self, code: &[u8]) -> Option<u32> {
        (self == Predefined::Identity).then(|| code_value(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bfchar_and_codespace() {
        let cmap = ToUnicode::parse(
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
              1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
              2 beginbfchar <0003> <0020> <0102> <4E00> endbfchar endcmap",
        );
        assert_eq!(cmap.code_len(&[1, 2], 1), 2);
        assert_eq!(cmap.lookup(2, 0x0102), Some("一"));
        assert_eq!(cmap.lookup(2, 3), Some(" "));
        assert_eq!(cmap.lookup(2, 4), None);
    }

    #[test]
    fn bfrange_plain_and_array_forms() {
        let cmap = ToUnicode::parse(
            b"1 begincodespacerange <00> <FF> endcodespacerange\n\
              2 beginbfrange <20> <22> <0041> <30> <32> [<4E00> <4E8C> <FB01>] endbfrange",
        );
        assert_eq!(cmap.lookup(1, 0x20), Some("A"));
        assert_eq!(cmap.lookup(1, 0x22), Some("C"));
        assert_eq!(cmap.lookup(1, 0x30), Some("一"));
        assert_eq!(cmap.lookup(1, 0x31), Some("二"));
        assert_eq!(cmap.lookup(1, 0x32), Some("\u{FB01}"));
    }

    #[test]
    fn surrogate_pairs_and_ligatures() {
        let cmap = ToUnicode::parse(b"2 beginbfchar <01> <D840DC00> <02> <00660069> endbfchar");
        assert_eq!(cmap.lookup(1, 1), Some("\u{20000}"));
        assert_eq!(cmap.lookup(1, 2), Some("fi"));
        // No codespace: codes take the length of the mapped ones.
        assert_eq!(cmap.code_len(&[1, 2], 2), 1);
    }

    #[test]
    fn mixed_length_codespaces() {
        let cmap = ToUnicode::parse(
            b"2 begincodespacerange <00> <80> <8140> <FEFE> endcodespacerange\n\
              2 beginbfchar <41> <0041> <B0A1> <554A> endbfchar",
        );
        let bytes = [0x41, 0xB0, 0xA1];
        assert_eq!(cmap.code_len(&bytes, 2), 1);
        assert_eq!(cmap.code_len(&bytes[1..], 1), 2);
        assert_eq!(cmap.lookup(2, 0xB0A1), Some("啊"));
    }

    #[test]
    fn radicals_become_ideographs() {
        let cmap = ToUnicode::parse(b"3 beginbfchar <01> <2F00> <02> <2EA0> <03> <2F08> endbfchar");
        assert_eq!(cmap.lookup(1, 1), Some("一"));
        assert_eq!(cmap.lookup(1, 2), Some("民"));
        assert_eq!(cmap.lookup(1, 3), Some("人"));
    }

    #[test]
    fn predefined_gbk_and_ucs2() {
        let gbk = Predefined::from_name(b"GBK-EUC-H").unwrap();
        let bytes = [b'2', 0xC4, 0xEA]; // "2年"
        assert_eq!(gbk.code_len(&bytes), 1);
        assert_eq!(gbk.decode(&bytes[..1], false), Some('2'));
        assert_eq!(gbk.code_len(&bytes[1..]), 2);
        assert_eq!(gbk.decode(&bytes[1..], false), Some('年'));
        let ucs2 = Predefined::from_name(b"UniGB-UCS2-H").unwrap();
        assert_eq!(ucs2.decode(&[0x5E, 0x74], false), Some('年'));
        // A lone surrogate, the replacement character and a short code are no character.
        assert_eq!(ucs2.decode(&[0xD8, 0x40], false), None);
        assert_eq!(ucs2.decode(&[0xFF, 0xFD], false), None);
        assert_eq!(ucs2.decode(&[0x41], false), None);
        let utf16 = Predefined::from_name(b"UniGB-UTF16-H").unwrap();
        assert_eq!(utf16.code_len(&[0xD8, 0x40, 0xDC, 0x00]), 4);
        assert_eq!(utf16.decode(&[0xD8, 0x40, 0xDC, 0x00], false), Some('\u{20000}'));
    }

    #[test]
    fn identity_over_adobe_gb1() {
        assert_eq!(gb1_cid_to_char(34), Some('A'));
        assert_eq!(gb1_cid_to_char(4162), Some('一'));
        assert_eq!(gb1_char_to_cid('A'), Some(34));
        assert_eq!(gb1_char_to_cid('一'), Some(4162));
        assert_eq!(Predefined::Identity.decode(&[0x00, 0x22], true), Some('A'));
        assert_eq!(Predefined::Identity.decode(&[0x00, 0x22], false), None);
    }
}
