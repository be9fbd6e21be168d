//! Simple-font encodings: the base encodings (StandardEncoding, WinAnsiEncoding,
//! MacRomanEncoding) and Adobe glyph names, from lopdf's tables.
//!
//! lopdf keeps the tables private but reads them for a font dictionary
//! ([`lopdf::Dictionary::get_font_encoding`]); a small font dictionary made here asks it for one
//! base encoding or one glyph name. Base encodings are read once per process, glyph names once
//! per thread and name (a bounded cache), so a font's `/Differences` costs a lookup per name.
//! `uniXXXX` and `uXXXX[XX]` names are read here, and a name's `.suffix` is dropped first.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use lopdf::{dictionary, Object};

use rustc_hash::FxBuildHasher;

/// A simple font's base encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BaseEncoding {
    Standard,
    WinAnsi,
    MacRoman,
}

/// Most glyph names one thread remembers.
const MAX_CACHED_NAMES: usize = 8192;

impl BaseEncoding {
    pub(crate) fn from_name(name: &[u8]) -> Option<BaseEncoding> {
        match name {
            b"StandardEncoding" => Some(BaseEncoding::Standard),
            b"WinAnsiEncoding" => Some(BaseEncoding::WinAnsi),
            b"MacRomanEncoding" => Some(BaseEncoding::MacRoman),
            _ => None,
        }
    }

    /// Code → character; control characters are left out.
    pub(crate) fn table(self) -> &'static [Option<char>; 256] {
        static TABLES: OnceLock<[[Option<char>; 256]; 3]> = OnceLock::new();
        let tables = TABLES.get_or_init(|| {
            [b"StandardEncoding", &b"WinAnsiEncoding"[..], b"MacRomanEncoding"].map(|name| {
                let font = dictionary! { "Type" => "Font", "Encoding" => Object::Name(name.to_vec()) };
                let doc = lopdf::Document::new();
                let mut table = [None; 256];
                if let Ok(encoding) = font.get_font_encoding(&doc) {
                    for (code, slot) in table.iter_mut().enumerate() {
                        *slot = single_char(encoding.bytes_to_string(&[code as u8]).ok()).filter(|c| !c.is_control());
                    }
                }
                table
            })
        });
        &tables[self as usize]
    }
}

fn single_char(text: Option<String>) -> Option<char> {
    let text = text?;
    let mut chars = text.chars();
    chars.next().filter(|_| chars.next().is_none())
}

/// The character an Adobe glyph name stands for: a name of the Adobe Glyph List (lopdf's
/// table), `uniXXXX` (its first four digits) or `uXXXX` to `uXXXXXX`; `.suffix` dropped.
pub(crate) fn glyph_name_to_char(name: &[u8]) -> Option<char> {
    let name = std::str::from_utf8(name).ok()?;
    let name = name.split('.').next().unwrap_or(name);
    if name.len() == 1 && name.as_bytes()[0].is_ascii_alphabetic() {
        return name.chars().next();
    }
    let hex = name.strip_prefix("uni").filter(|h| h.len() >= 4).map(|h| &h[..4]).or_else(|| {
        name.strip_prefix('u').filter(|h| (4..=6).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()))
    });
    if let Some(hex) = hex {
        if let Some(c) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
            return Some(c);
        }
    }
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    thread_local! {
        static NAMES: RefCell<HashMap<Box<str>, Option<char>, FxBuildHasher>> = RefCell::default();
    }
    if let Some(known) = NAMES.with(|names| names.borrow().get(name).copied()) {
        return known;
    }
    let font = dictionary! {
        "Type" => "Font",
        "Encoding" => dictionary! { "Differences" => vec![Object::Integer(0), Object::Name(name.as_bytes().to_vec())] },
    };
    let doc = lopdf::Document::new();
    // An unknown name makes lopdf fall back to StandardEncoding, which has nothing at code 0.
    let c = font.get_font_encoding(&doc).ok().and_then(|e| single_char(e.bytes_to_string(&[0]).ok()));
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if names.len() < MAX_CACHED_NAMES {
            names.insert(name.into(), c);
        }
    });
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_name_to_char(b"space"), Some(' '));
        assert_eq!(glyph_name_to_char(b"quoteright"), Some('’'));
        assert_eq!(glyph_name_to_char(b"zero.alt"), Some('0'));
        assert_eq!(glyph_name_to_char(b"Euro"), Some('€'));
        assert_eq!(glyph_name_to_char(b"uni4E00"), Some('一'));
        assert_eq!(glyph_name_to_char(b"uni4E00.vert"), Some('一'));
        assert_eq!(glyph_name_to_char(b"u20000"), Some('\u{20000}'));
        assert_eq!(glyph_name_to_char(b"x"), Some('x'));
        assert_eq!(glyph_name_to_char(b"g123"), None);
        assert_eq!(glyph_name_to_char(b"g123"), None, "cached");
        assert_eq!(glyph_name_to_char(b"\xFF"), None);
    }

    #[test]
    fn base_encodings() {
        let standard = BaseEncoding::Standard.table();
        assert_eq!(standard[b'A' as usize], Some('A'));
        assert_eq!(standard[0x27], Some('’'));
        assert_eq!(standard[0x60], Some('‘'));
        assert_eq!(standard[0xA1], Some('¡'), "beyond ASCII too");
        assert_eq!(standard[0x0A], None);
        let win = BaseEncoding::WinAnsi.table();
        assert_eq!(win[0x80], Some('€'));
        assert_eq!(win[0xE9], Some('é'));
        assert_eq!(BaseEncoding::MacRoman.table()[0x8E], Some('é'));
    }
}
