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

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;

use super::cmap::{Predefined, ToUnicode};
use super::document::Doc;
use super::encoding::{glyph_name_to_char, BaseEncoding};
use super::filters::decode;
use super::object::{Dict, Object};
use super::MAX_STREAM_BYTES;
use rustc_hash::FxBuildHasher;

/// Most `/W` entries kept for one CID font.
const MAX_CID_WIDTHS: usize = 1 << 17;

/// A name object's bytes as text: UTF-8, else GBK (Chinese producers write `/#BA#DA#CC#E5`).
pub(crate) fn name_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK.decode(bytes).0.into_owned(),
    }
}

/// Whether a font name says the face is bold.
pub(crate) fn name_says_bold(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["bold", "heavy", "black", "semibold", "demibold", "simhei", "heiti"].iter().any(|w| lower.contains(w))
        || name.contains("黑体")
        || name.contains("粗")
}

/// One decoded glyph of a shown string.
pub(crate) struct Decoded<'a> {
    pub text: &'a str,
    /// Advance width in text-space units (glyph width / 1000 for most fonts).
    pub width: f32,
    /// A single-byte code 32, to which word spacing (`Tw`) applies.
    pub is_word_space: bool,
}

/// How a simple font's codes become characters: a base encoding (none for Type 3) and the
/// `/Differences` array, turned into a table the first time a code needs it (most fonts map
/// every code through ToUnicode, and a browser's Type 3 fonts name hundreds of glyphs each).
struct SimpleEncoding<'d> {
    base: Option<BaseEncoding>,
    differences: Option<&'d [Object<'d>]>,
    table: OnceCell<Box<[Option<char>; 256]>>,
}

impl SimpleEncoding<'_> {
    fn char_of(&self, code: u8) -> Option<char> {
        let table = self.table.get_or_init(|| {
            let mut table: Box<[Option<char>; 256]> = Box::new(self.base.map_or([None; 256], |b| *b.table()));
            if let Some(diffs) = self.differences {
                let mut code = 0usize;
                for item in diffs {
                    match item {
                        Object::Int(i) => code = (*i).clamp(0, 256) as usize,
                        Object::Name(name) => {
                            if code < 256 {
                                table[code] = glyph_name_to_char(name);
                            }
                            code += 1;
                        }
                        _ => {}
                    }
                }
            }
            table
        });
        table[code as usize]
    }
}

/// A font as the interpreter needs it.
pub(crate) struct Font<'d> {
    /// The base font name without the subset prefix (for messages).
    pub name: String,
    pub bold: bool,
    composite: bool,
    to_unicode: Option<ToUnicode>,
    predefined: Option<Predefined>,
    gb1: bool,
    /// Code → character for simple fonts, from `/Encoding` and `/Differences`.
    simple: Option<SimpleEncoding<'d>>,
    simple_widths: Vec<f32>,
    first_char: u32,
    missing_width: f32,
    cid_widths: HashMap<u32, f32, FxBuildHasher>,
    default_width: f32,
    /// Glyph-space width → text-space width.
    width_scale: f32,
    /// Codes shown that nothing mapped to Unicode.
    pub unmapped: Cell<u32>,
}

impl<'d> Font<'d> {
    /// Builds a font from its dictionary. Never fails: what cannot be read is left out, and codes
    /// that end up unmapped are counted when shown.
    pub(crate) fn from_dict<'a>(doc: &'d Doc<'a>, dict: &'d Dict<'a>) -> Font<'d> {
        let subtype = dict.name(b"Subtype").unwrap_or(b"");
        let base = dict.name(b"BaseFont").map(name_text).unwrap_or_default();
        let name = match base.split_once('+') {
            Some((prefix, rest)) if prefix.len() == 6 => rest.to_string(),
            _ => base,
        };
        let to_unicode = doc
            .entry(dict, b"ToUnicode")
            .and_then(Object::as_stream)
            .and_then(|s| decode(s, MAX_STREAM_BYTES).ok())
            .map(|bytes| ToUnicode::parse(&bytes));
        let mut font = Font {
            bold: name_says_bold(&name),
            name,
            composite: subtype == b"Type0",
            to_unicode,
            predefined: None,
            gb1: false,
            simple: None,
            simple_widths: Vec::new(),
            first_char: 0,
            missing_width: 0.0,
            cid_widths: HashMap::default(),
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

    fn read_descriptor<'a>(&mut self, doc: &Doc<'a>, dict: &Dict<'a>) {
        let Some(desc) = doc.entry(dict, b"FontDescriptor").and_then(Object::as_dict) else { return };
        let weight = desc.get(b"FontWeight").and_then(Object::as_f32).unwrap_or(0.0);
        let flags = desc.get(b"Flags").and_then(Object::as_f32).unwrap_or(0.0) as i64;
        if weight >= 600.0 || flags & (1 << 18) != 0 {
            self.bold = true;
        }
        if let Some(Object::String(family)) = doc.entry(desc, b"FontFamily") {
            if name_says_bold(&name_text(family)) {
                self.bold = true;
            }
        }
        self.missing_width = desc.get(b"MissingWidth").and_then(Object::as_f32).unwrap_or(0.0);
    }

    fn read_simple<'a>(&mut self, doc: &'d Doc<'a>, dict: &'d Dict<'a>, subtype: &[u8]) {
        self.read_descriptor(doc, dict);
        if subtype == b"Type3" {
            if let Some(a) = doc
                .entry(dict, b"FontMatrix")
                .and_then(Object::as_array)
                .and_then(|m| m.first())
                .and_then(Object::as_f32)
            {
                self.width_scale = a;
            }
        }
        self.first_char = dict.get(b"FirstChar").and_then(Object::as_f32).unwrap_or(0.0).max(0.0) as u32;
        if let Some(widths) = doc.entry(dict, b"Widths").and_then(Object::as_array) {
            self.simple_widths = widths
                .iter()
                .take(256)
                .map(|w| doc.deref(w).and_then(Object::as_f32).unwrap_or(self.missing_width))
                .collect();
        }
        let (base_name, differences) = match doc.entry(dict, b"Encoding") {
            Some(Object::Name(n)) => (Some(n.as_ref()), None),
            Some(Object::Dict(d)) => (d.name(b"BaseEncoding"), doc.entry(d, b"Differences").and_then(Object::as_array)),
            _ => (None, None),
        };
        let default_base = if subtype == b"TrueType" { BaseEncoding::WinAnsi } else { BaseEncoding::Standard };
        let base = base_name.and_then(BaseEncoding::from_name).unwrap_or(default_base);
        self.simple =
            Some(SimpleEncoding { base: (subtype != b"Type3").then_some(base), differences, table: OnceCell::new() });
    }

    fn read_composite<'a>(&mut self, doc: &Doc<'a>, dict: &Dict<'a>) {
        match doc.entry(dict, b"Encoding") {
            Some(Object::Name(n)) => self.predefined = Predefined::from_name(n),
            // An embedded encoding CMap: read codes as 2-byte CIDs, the common case.
            _ => self.predefined = Some(Predefined::Identity),
        }
        let descendant = doc
            .entry(dict, b"DescendantFonts")
            .and_then(Object::as_array)
            .and_then(|a| a.first())
            .and_then(|o| doc.deref(o))
            .and_then(Object::as_dict);
        let Some(cid_font) = descendant else { return };
        self.read_descriptor(doc, cid_font);
        if let Some(base) = cid_font.name(b"BaseFont") {
            if name_says_bold(&name_text(base)) {
                self.bold = true;
            }
        }
        if let Some(info) = doc.entry(cid_font, b"CIDSystemInfo").and_then(Object::as_dict) {
            if let Some(Object::String(ordering)) = doc.entry(info, b"Ordering") {
                self.gb1 = ordering.as_ref() == b"GB1";
            }
        }
        self.default_width = cid_font.get(b"DW").and_then(Object::as_f32).unwrap_or(1000.0);
        let Some(w) = doc.entry(cid_font, b"W").and_then(Object::as_array) else { return };
        let mut i = 0;
        while i < w.len() && self.cid_widths.len() < MAX_CID_WIDTHS {
            let Some(first) = doc.deref(&w[i]).and_then(Object::as_f32) else { break };
            match w.get(i + 1).and_then(|o| doc.deref(o)) {
                Some(Object::Array(list)) => {
                    for (k, width) in list.iter().enumerate() {
                        if let Some(width) = width.as_f32() {
                            self.cid_widths.insert(first as u32 + k as u32, width);
                        }
                    }
                    i += 2;
                }
                Some(last) => {
                    let (Some(last), Some(width)) =
                        (last.as_f32(), w.get(i + 2).and_then(|o| doc.deref(o)).and_then(Object::as_f32))
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
    pub(crate) fn decode(&self, bytes: &[u8], mut each: impl FnMut(Decoded<'_>)) {
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
            // The character decoded when no ToUnicode entry mapped the code.
            let mut decoded = None;
            let text: &str = match mapped {
                Some(t) => t,
                None => {
                    let c = if self.composite {
                        self.predefined.and_then(|p| p.decode(code_bytes, self.gb1))
                    } else {
                        self.simple.as_ref().and_then(|m| m.char_of(code as u8))
                    };
                    decoded = c;
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
                    let single = decoded.or_else(|| {
                        let mut chars = text.chars();
                        chars.next().filter(|_| chars.next().is_none())
                    });
                    single.and_then(super::cmap::gb1_char_to_cid)
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
    use std::borrow::Cow;

    use super::*;

    fn name(n: &str) -> Object<'static> {
        Object::Name(Cow::Owned(n.as_bytes().to_vec()))
    }

    fn dict(entries: Vec<(&str, Object<'static>)>) -> Dict<'static> {
        Dict(entries.into_iter().map(|(k, v)| (Cow::Owned(k.as_bytes().to_vec()), v)).collect())
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
        let doc = Doc::empty();
        // Digits are CIDs 17–26 in Adobe-GB1; widths keyed by CID apply to GBK codes too.
        let cid = dict(vec![
            ("Type", name("Font")),
            ("Subtype", name("CIDFontType0")),
            ("BaseFont", name("STSong-Light")),
            ("W", Object::Array(vec![Object::Int(17), Object::Array(vec![Object::Int(500); 10])])),
        ]);
        let font = dict(vec![
            ("Type", name("Font")),
            ("Subtype", name("Type0")),
            ("BaseFont", name("STSong-Light")),
            ("Encoding", name("GBK-EUC-H")),
            ("DescendantFonts", Object::Array(vec![Object::Dict(cid)])),
        ]);
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

    #[test]
    fn simple_fonts_read_base_encodings_and_differences() {
        let doc = Doc::empty();
        let font = dict(vec![
            ("Subtype", name("Type1")),
            ("BaseFont", name("ABCDEF+Helvetica-Bold")),
            (
                "Encoding",
                Object::Dict(dict(vec![(
                    "Differences",
                    Object::Array(vec![Object::Int(65), name("uni4E00"), name("g7"), name("quoteright")]),
                )])),
            ),
            ("FirstChar", Object::Int(65)),
            ("Widths", Object::Array(vec![Object::Int(1000), Object::Real(250.5)])),
        ]);
        let font = Font::from_dict(&doc, &font);
        assert_eq!(font.name, "Helvetica-Bold");
        assert!(font.bold);
        let mut out = Vec::new();
        font.decode(b"ABCD'", |g| out.push((g.text.to_string(), g.width)));
        let texts: Vec<&str> = out.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["一", "\u{FFFD}", "’", "D", "’"]);
        assert_eq!(out[0].1, 1.0);
        assert!((out[1].1 - 0.2505).abs() < 1e-6);
        assert_eq!(font.unmapped.get(), 1);
    }
}
