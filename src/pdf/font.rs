//! Fonts: how the bytes of a shown string become characters and advance widths.
//!
//! A [`Font`] is built once per font dictionary from what the PDF states: `/ToUnicode` first (it
//! is the producer's own statement; LibreOffice's many 256-glyph subsets of one CJK font only have
//! this), then for simple fonts (TrueType, Type1, Type3) `/Encoding` with its `/Differences`
//! (glyph names like `uni4E00` or AGL names), and for Type0 fonts the predefined CMap named in
//! `/Encoding` ([`Predefined`]), Identity codes being Adobe-GB1 CIDs when `/CIDSystemInfo` says so.
//! Widths come from `/Widths` (simple) or `/W` and `/DW` (CID fonts); Type3 glyph space is scaled
//! by its `/FontMatrix`. A code nothing maps becomes U+FFFD and is counted, so the page can report
//! it once per font.

use std::cell::Cell;
use std::collections::HashMap;

use lopdf::{Dictionary, Document as PdfDocument, Object};

use super::cmap::{Predefined, ToUnicode};
use super::{deref, MAX_STREAM_BYTES};

/// Most `/W` entries kept for one CID font.
const MAX_CID_WIDTHS: usize = 1 << 17;

/// The common Adobe Glyph List names (letters and digits are handled apart).
const AGL_BASICS: &[(&str, char)] = &[
    ("space", ' '),
    ("exclam", '!'),
    ("quotedbl", '"'),
    ("numbersign", '#'),
    ("dollar", '$'),
    ("percent", '%'),
    ("ampersand", '&'),
    ("quotesingle", '\''),
    ("quoteright", '’'),
    ("parenleft", '('),
    ("parenright", ')'),
    ("asterisk", '*'),
    ("plus", '+'),
    ("comma", ','),
    ("hyphen", '-'),
    ("period", '.'),
    ("slash", '/'),
    ("colon", ':'),
    ("semicolon", ';'),
    ("less", '<'),
    ("equal", '='),
    ("greater", '>'),
    ("question", '?'),
    ("at", '@'),
    ("bracketleft", '['),
    ("backslash", '\\'),
    ("bracketright", ']'),
    ("asciicircum", '^'),
    ("underscore", '_'),
    ("grave", '`'),
    ("quoteleft", '‘'),
    ("braceleft", '{'),
    ("bar", '|'),
    ("braceright", '}'),
    ("asciitilde", '~'),
    ("bullet", '•'),
    ("endash", '–'),
    ("emdash", '—'),
    ("quotedblleft", '“'),
    ("quotedblright", '”'),
    ("ellipsis", '…'),
    ("periodcentered", '·'),
    ("middot", '·'),
    ("degree", '°'),
    ("multiply", '×'),
    ("divide", '÷'),
    ("section", '§'),
    ("copyright", '©'),
    ("registered", '®'),
    ("trademark", '™'),
    ("nbspace", '\u{A0}'),
    ("uni00A0", '\u{A0}'),
    ("fi", '\u{FB01}'),
    ("fl", '\u{FB02}'),
    ("minus", '−'),
    ("plusminus", '±'),
    ("zero", '0'),
    ("one", '1'),
    ("two", '2'),
    ("three", '3'),
    ("four", '4'),
    ("five", '5'),
    ("six", '6'),
    ("seven", '7'),
    ("eight", '8'),
    ("nine", '9'),
];

/// The character an Adobe glyph name stands for: single letters, common AGL names (`space`,
/// `comma`, `zero`), `uniXXXX` and `uXXXX[XX]`.
pub fn glyph_name_to_char(name: &[u8]) -> Option<char> {
    let name = std::str::from_utf8(name).ok()?;
    let name = name.split('.').next().unwrap_or(name);
    if name.len() == 1 && name.as_bytes()[0].is_ascii_alphabetic() {
        return name.chars().next();
    }
    if let Some((_, c)) = AGL_BASICS.iter().find(|(n, _)| *n == name) {
        return Some(*c);
    }
    let name = name.split('.').next().unwrap_or(name);
    let hex = name.strip_prefix("uni").filter(|h| h.len() >= 4).map(|h| &h[..4]).or_else(|| {
        name.strip_prefix('u').filter(|h| (4..=6).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()))
    })?;
    char::from_u32(u32::from_str_radix(hex, 16).ok()?)
}

/// A name object's bytes as text: UTF-8, else GBK (Chinese producers write `/#BA#DA#CC#E5`).
pub fn name_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK.decode(bytes).0.into_owned(),
    }
}

/// Whether a font name says the face is bold.
pub fn name_says_bold(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["bold", "heavy", "black", "semibold", "demibold", "simhei", "heiti"].iter().any(|w| lower.contains(w))
        || name.contains("黑体")
        || name.contains("粗")
}

/// One decoded glyph of a shown string.
pub struct Decoded<'a> {
    pub text: &'a str,
    /// Advance width in text-space units (glyph width / 1000 for most fonts).
    pub width: f32,
    /// A single-byte code 32, to which word spacing (`Tw`) applies.
    pub is_word_space: bool,
}

/// A font as the interpreter needs it.
pub struct Font {
    /// The base font name without the subset prefix (for messages).
    pub name: String,
    pub bold: bool,
    composite: bool,
    to_unicode: Option<ToUnicode>,
    predefined: Option<Predefined>,
    gb1: bool,
    /// Code → character for simple fonts, from `/Encoding` and `/Differences`.
    simple_map: Option<Box<[Option<char>; 256]>>,
    simple_widths: Vec<f32>,
    first_char: u32,
    missing_width: f32,
    cid_widths: HashMap<u32, f32>,
    default_width: f32,
    /// Glyph-space width → text-space width.
    width_scale: f32,
    /// Codes shown that nothing mapped to Unicode.
    pub unmapped: Cell<u32>,
}

fn number(obj: &Object) -> Option<f32> {
    match obj {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// The base encodings of simple fonts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BaseEncoding {
    WinAnsi,
    MacRoman,
    Standard,
}

impl BaseEncoding {
    fn from_name(name: &[u8]) -> Option<BaseEncoding> {
        match name {
            b"WinAnsiEncoding" => Some(BaseEncoding::WinAnsi),
            b"MacRomanEncoding" => Some(BaseEncoding::MacRoman),
            b"StandardEncoding" => Some(BaseEncoding::Standard),
            _ => None,
        }
    }

    /// The character of a code. StandardEncoding is covered for its ASCII part only.
    fn char_of(self, code: u8) -> Option<char> {
        let bytes = [code];
        let decode = |enc: &'static encoding_rs::Encoding| {
            let (text, _) = enc.decode_without_bom_handling(&bytes);
            text.chars().next().filter(|c| *c != '\u{FFFD}' && !c.is_control())
        };
        match self {
            BaseEncoding::WinAnsi => decode(encoding_rs::WINDOWS_1252),
            BaseEncoding::MacRoman => decode(encoding_rs::MACINTOSH),
            BaseEncoding::Standard => match code {
                0x27 => Some('’'),
                0x60 => Some('‘'),
                0x20..=0x7E => Some(code as char),
                _ => None,
            },
        }
    }
}

impl Font {
    /// Builds a font from its dictionary. Never fails: what cannot be read is left out, and codes
    /// that end up unmapped are counted when shown.
    pub fn from_dict(doc: &PdfDocument, dict: &Dictionary) -> Font {
        let subtype = dict.get(b"Subtype").and_then(Object::as_name).unwrap_or(b"");
        let base = dict.get(b"BaseFont").and_then(Object::as_name).map(name_text).unwrap_or_default();
        let name = match base.split_once('+') {
            Some((prefix, rest)) if prefix.len() == 6 => rest.to_string(),
            _ => base,
        };
        let to_unicode = dict
            .get(b"ToUnicode")
            .ok()
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_stream().ok())
            .and_then(|s| s.decompressed_content_with_limit(MAX_STREAM_BYTES).ok())
            .map(|bytes| ToUnicode::parse(&bytes));
        let mut font = Font {
            bold: name_says_bold(&name),
            name,
            composite: subtype == b"Type0",
            to_unicode,
            predefined: None,
            gb1: false,
            simple_map: None,
            simple_widths: Vec::new(),
            first_char: 0,
            missing_width: 0.0,
            cid_widths: HashMap::new(),
            default_width: 1000.0,
            width_scale: 0.001,
            unmapped: Cell::new(0),
        };
        if font.composite {
            font.read_composite(doc, dict);
        } else {
            font.read_simple(doc, dict, subtype);
        }
        font
    }

    fn read_descriptor(&mut self, doc: &PdfDocument, dict: &Dictionary) {
        let Some(desc) = dict.get(b"FontDescriptor").ok().and_then(|o| deref(doc, o)).and_then(|o| o.as_dict().ok())
        else {
            return;
        };
        let weight = desc.get(b"FontWeight").ok().and_then(number).unwrap_or(0.0);
        let flags = desc.get(b"Flags").ok().and_then(number).unwrap_or(0.0) as i64;
        if weight >= 600.0 || flags & (1 << 18) != 0 {
            self.bold = true;
        }
        if let Some(Object::String(family, _)) = desc.get(b"FontFamily").ok().and_then(|o| deref(doc, o)) {
            if name_says_bold(&name_text(family)) {
                self.bold = true;
            }
        }
        self.missing_width = desc.get(b"MissingWidth").ok().and_then(number).unwrap_or(0.0);
    }

    fn read_simple(&mut self, doc: &PdfDocument, dict: &Dictionary, subtype: &[u8]) {
        self.read_descriptor(doc, dict);
        if subtype == b"Type3" {
            if let Some(a) = dict
                .get(b"FontMatrix")
                .ok()
                .and_then(|o| deref(doc, o))
                .and_then(|o| o.as_array().ok())
                .and_then(|m| m.first())
                .and_then(number)
            {
                self.width_scale = a;
            }
        }
        self.first_char = dict.get(b"FirstChar").ok().and_then(number).unwrap_or(0.0).max(0.0) as u32;
        if let Some(widths) = dict.get(b"Widths").ok().and_then(|o| deref(doc, o)).and_then(|o| o.as_array().ok()) {
            self.simple_widths =
                widths.iter().take(256).map(|w| deref(doc, w).and_then(number).unwrap_or(self.missing_width)).collect();
        }
        let encoding = dict.get(b"Encoding").ok().and_then(|o| deref(doc, o));
        let (base_name, differences) = match encoding {
            Some(Object::Name(n)) => (Some(n.as_slice()), None),
            Some(Object::Dictionary(d)) => (
                d.get(b"BaseEncoding").and_then(Object::as_name).ok(),
                d.get(b"Differences").ok().and_then(|o| deref(doc, o)).and_then(|o| o.as_array().ok()),
            ),
            _ => (None, None),
        };
        let default_base = if subtype == b"TrueType" { BaseEncoding::WinAnsi } else { BaseEncoding::Standard };
        let base = base_name.and_then(BaseEncoding::from_name).unwrap_or(default_base);
        let mut map: Box<[Option<char>; 256]> = Box::new([None; 256]);
        if subtype != b"Type3" {
            for (code, slot) in map.iter_mut().enumerate() {
                *slot = base.char_of(code as u8);
            }
        }
        if let Some(diffs) = differences {
            let mut code = 0usize;
            for item in diffs {
                match item {
                    Object::Integer(i) => code = (*i).clamp(0, 256) as usize,
                    Object::Name(name) => {
                        if code < 256 {
                            map[code] = glyph_name_to_char(name);
                        }
                        code += 1;
                    }
                    _ => {}
                }
            }
        }
        self.simple_map = Some(map);
    }

    fn read_composite(&mut self, doc: &PdfDocument, dict: &Dictionary) {
        match dict.get(b"Encoding").ok().and_then(|o| deref(doc, o)) {
            Some(Object::Name(n)) => self.predefined = Predefined::from_name(n),
            // An embedded encoding CMap: read codes as 2-byte CIDs, the common case.
            _ => self.predefined = Some(Predefined::Identity),
        }
        let descendant = dict
            .get(b"DescendantFonts")
            .ok()
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok());
        let Some(cid_font) = descendant else { return };
        self.read_descriptor(doc, cid_font);
        if let Ok(base) = cid_font.get(b"BaseFont").and_then(Object::as_name) {
            if name_says_bold(&name_text(base)) {
                self.bold = true;
            }
        }
        if let Some(info) =
            cid_font.get(b"CIDSystemInfo").ok().and_then(|o| deref(doc, o)).and_then(|o| o.as_dict().ok())
        {
            if let Some(Object::String(ordering, _)) = info.get(b"Ordering").ok().and_then(|o| deref(doc, o)) {
                self.gb1 = ordering.as_slice() == b"GB1";
            }
        }
        self.default_width = cid_font.get(b"DW").ok().and_then(number).unwrap_or(1000.0);
        let Some(w) = cid_font.get(b"W").ok().and_then(|o| deref(doc, o)).and_then(|o| o.as_array().ok()) else {
            return;
        };
        let mut i = 0;
        while i < w.len() && self.cid_widths.len() < MAX_CID_WIDTHS {
            let Some(first) = deref(doc, &w[i]).and_then(number) else { break };
            match w.get(i + 1).and_then(|o| deref(doc, o)) {
                Some(Object::Array(list)) => {
                    for (k, width) in list.iter().enumerate() {
                        if let Some(width) = number(width) {
                            self.cid_widths.insert(first as u32 + k as u32, width);
                        }
                    }
                    i += 2;
                }
                Some(last) => {
                    let (Some(last), Some(width)) =
                        (number(last), w.get(i + 2).and_then(|o| deref(doc, o)).and_then(number))
                    else {
                        break;
                    };
                    let (first, last) = (first as u32, (last as u32).min(first as u32 + MAX_CID_WIDTHS as u32));
                    for cid in first..=last {
                        self.cid_widths.insert(cid, width);
                    }
                    i += 3;
                }
                None => break,
            }
        }
    }

    /// Splits `bytes` into codes and calls `each` with every glyph's text and width, in order.
    pub fn decode(&self, bytes: &[u8], mut each: impl FnMut(Decoded<'_>)) {
        let mut buf = [0u8; 4];
        let mut i = 0;
        while i < bytes.len() {
            let rest = &bytes[i..];
            let len = if self.composite {
                match (&self.to_unicode, self.predefined) {
                    (_, Some(p)) if p != Predefined::Identity => p.code_len(rest),
                    (Some(tu), _) if tu.has_codespaces() => tu.code_len(rest, 2),
                    _ => 2.min(rest.len()),
                }
            } else {
                1
            };
            let code_bytes = &rest[..len];
            let code = code_bytes.iter().fold(0u32, |acc, b| (acc << 8) | *b as u32);
            i += len;
            let mapped: Option<&str> = self.to_unicode.as_ref().and_then(|tu| tu.lookup(len, code));
            let text: &str = match mapped {
                Some(t) => t,
                None => {
                    let c = if self.composite {
                        self.predefined.and_then(|p| p.decode(code_bytes, self.gb1))
                    } else {
                        self.simple_map.as_ref().and_then(|m| m[code as usize & 0xFF])
                    };
                    match c {
                        Some(c) => c.encode_utf8(&mut buf),
                        None => {
                            self.unmapped.set(self.unmapped.get() + 1);
                            "\u{FFFD}"
                        }
                    }
                }
            };
            let width = if self.composite {
                let cid = match self.predefined {
                    Some(p) => p.cid(code_bytes),
                    None => Some(code),
                };
                // Without the CMap file the CID of a Unicode-keyed code is found back through the
                // Adobe-GB1 table (exact for what ReportLab and Acrobat write).
                let cid = cid.or_else(|| {
                    let mut chars = text.chars();
                    chars.next().filter(|_| chars.next().is_none()).and_then(super::cmap::gb1_char_to_cid)
                });
                match cid {
                    Some(cid) => self.cid_widths.get(&cid).copied().unwrap_or(self.default_width),
                    // Still unknown: half width for narrow characters.
                    None if text.chars().all(|c| (c as u32) < 0x2000) => self.default_width / 2.0,
                    None => self.default_width,
                }
            } else if self.simple_widths.is_empty() && self.missing_width == 0.0 {
                // No widths at all (a standard-14 font written without them): an estimate keeps
                // glyphs apart, half an em for narrow characters.
                if text.chars().all(|c| (c as u32) < 0x2E80) {
                    500.0 / 1000.0 / self.width_scale
                } else {
                    1.0 / self.width_scale
                }
            } else {
                code.checked_sub(self.first_char)
                    .and_then(|k| self.simple_widths.get(k as usize).copied())
                    .unwrap_or(self.missing_width)
            };
            each(Decoded { text, width: width * self.width_scale, is_word_space: len == 1 && code == 32 });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_name_to_char(b"space"), Some(' '));
        assert_eq!(glyph_name_to_char(b"uni4E00"), Some('一'));
        assert_eq!(glyph_name_to_char(b"u20000"), Some('\u{20000}'));
        assert_eq!(glyph_name_to_char(b"g123"), None);
    }

    #[test]
    fn bold_names() {
        assert!(name_says_bold("SimHei"));
        assert!(name_says_bold("Arial-BoldMT"));
        assert!(name_says_bold("黑体"));
        assert!(!name_says_bold("SimSun"));
    }

    #[test]
    fn type0_gbk_euc_without_tounicode() {
        let doc = PdfDocument::with_version("1.5");
        let mut cid = Dictionary::new();
        cid.set("Type", "Font");
        cid.set("Subtype", "CIDFontType0");
        cid.set("BaseFont", "STSong-Light");
        // Digits are CIDs 17–26 in Adobe-GB1; widths keyed by CID apply to GBK codes too.
        cid.set("W", vec![Object::Integer(17), Object::Array(vec![Object::Integer(500); 10])]);
        let mut font = Dictionary::new();
        font.set("Type", "Font");
        font.set("Subtype", "Type0");
        font.set("BaseFont", "STSong-Light");
        font.set("Encoding", "GBK-EUC-H");
        font.set("DescendantFonts", vec![Object::Dictionary(cid)]);
        let font = Font::from_dict(&doc, &font);
        let mut text = String::new();
        let mut widths = Vec::new();
        font.decode(&[b'2', b'0', 0xC4, 0xEA, 0xFF], |g| {
            text.push_str(g.text);
            widths.push(g.width);
        });
        assert_eq!(text, "20年\u{FFFD}");
        assert_eq!(widths[0], 0.5);
        assert_eq!(widths[2], 1.0);
        assert_eq!(font.unmapped.get(), 1);
    }
}
