//! Content-stream operations: a decoded content stream into operators with their operands, one
//! at a time, for the interpreter ([`super::content`]).
//!
//! Operands are kept in buffers reused from one operation to the next: numbers as numbers,
//! names and strings as slices of the stream when they have no escapes (else decoded into a
//! shared byte buffer), the elements of an array (`TJ`) in a second list. Dictionaries (marked
//! content properties) and arrays nested in arrays are skipped: nothing reads them. An inline
//! image (`BI … ID … EI`) is read past as one `BI` operation, its data found as lopdf finds it.
//! Bounds: [`MAX_NESTING`] levels of arrays and dictionaries, [`MAX_OPERANDS`] operands and
//! array elements per operation; past them, or on bytes that are not content syntax, the reader
//! stops with an error naming the position.

use super::lexer::{self, is_space, LexError, Lexer, Token};

/// Deepest nesting of arrays and dictionaries in an operand (lopdf's bound).
pub(crate) const MAX_NESTING: usize = 100;
/// Most operands and array elements one operation may have.
pub(crate) const MAX_OPERANDS: usize = 1 << 16;

/// Bytes of an operand: a slice of the stream, or a range of the decoded buffer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Bytes<'a> {
    Input(&'a [u8]),
    Decoded(u32, u32),
}

/// One operand, or one element of an array operand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Operand<'a> {
    Int(i64),
    Real(f32),
    Bool(bool),
    Null,
    Name(Bytes<'a>),
    String(Bytes<'a>),
    /// A range of [`Operands::elements`].
    Array(u32, u32),
    /// A dictionary, or an array inside an array, or a reference: skipped.
    Other,
}

impl Operand<'_> {
    /// The value of a number; 0 for anything else (as the interpreter always read it).
    pub(crate) fn number(&self) -> f32 {
        match *self {
            Operand::Int(i) => i as f32,
            Operand::Real(r) => r,
            _ => 0.0,
        }
    }
}

/// The operands of the current operation.
#[derive(Debug, Default)]
pub(crate) struct Operands<'a> {
    items: Vec<Operand<'a>>,
    elements: Vec<Operand<'a>>,
    decoded: Vec<u8>,
}

impl<'a> Operands<'a> {
    fn clear(&mut self) {
        self.items.clear();
        self.elements.clear();
        self.decoded.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn get(&self, i: usize) -> Option<&Operand<'a>> {
        self.items.get(i)
    }

    pub(crate) fn last(&self) -> Option<&Operand<'a>> {
        self.items.last()
    }

    /// Operand `i` as a number (0 when absent or not a number).
    pub(crate) fn number(&self, i: usize) -> f32 {
        self.items.get(i).map_or(0.0, Operand::number)
    }

    /// Six operands from `i` as a matrix.
    pub(crate) fn matrix(&self) -> [f32; 6] {
        [self.number(0), self.number(1), self.number(2), self.number(3), self.number(4), self.number(5)]
    }

    pub(crate) fn bytes(&self, b: &Bytes<'a>) -> &[u8] {
        match *b {
            Bytes::Input(s) => s,
            Bytes::Decoded(from, to) => &self.decoded[from as usize..to as usize],
        }
    }

    /// Operand `i` as a name.
    pub(crate) fn name(&self, i: usize) -> Option<&[u8]> {
        match self.items.get(i)? {
            Operand::Name(b) => Some(self.bytes(b)),
            _ => None,
        }
    }

    /// The elements of an array operand.
    pub(crate) fn elements(&self, operand: &Operand<'a>) -> Option<&[Operand<'a>]> {
        match *operand {
            Operand::Array(from, to) => Some(&self.elements[from as usize..to as usize]),
            _ => None,
        }
    }

    fn push(&mut self, into_array: bool, operand: Operand<'a>, lexer: &Lexer) -> Result<(), LexError> {
        if self.items.len() + self.elements.len() >= MAX_OPERANDS {
            return Err(LexError { pos: lexer.pos(), what: "an operation with too many operands" });
        }
        if into_array {
            self.elements.push(operand);
        } else {
            self.items.push(operand);
        }
        Ok(())
    }

    #[inline(never)]
    fn decode(&mut self, raw: &[u8], decode: fn(&[u8], &mut Vec<u8>)) -> Bytes<'a> {
        let from = self.decoded.len();
        decode(raw, &mut self.decoded);
        Bytes::Decoded(from as u32, self.decoded.len() as u32)
    }

    /// A string or name token as an operand value. Inlined: returned through memory, the operand
    /// was written in parts and read back whole, a store the processor cannot forward (a third of
    /// the reader's time in a batch's profile).
    #[inline(always)]
    fn value(&mut self, token: Token<'a>) -> Option<Operand<'a>> {
        Some(match token {
            Token::Int(i) => Operand::Int(i),
            Token::Real(r) => Operand::Real(r),
            Token::Name(raw) if !lexer::name_has_escapes(raw) => Operand::Name(Bytes::Input(raw)),
            Token::Name(raw) => Operand::Name(self.decode(raw, lexer::decode_name)),
            Token::Literal(raw) if lexer::literal_is_plain(raw) => Operand::String(Bytes::Input(raw)),
            Token::Literal(raw) => Operand::String(self.decode(raw, lexer::decode_literal)),
            Token::Hex(raw) => Operand::String(self.decode(raw, lexer::decode_hex)),
            Token::Keyword(b"true") => Operand::Bool(true),
            Token::Keyword(b"false") => Operand::Bool(false),
            Token::Keyword(b"null") => Operand::Null,
            _ => return None,
        })
    }
}

/// Reads a content stream one operation at a time.
pub(crate) struct Ops<'a> {
    lexer: Lexer<'a>,
    operands: Operands<'a>,
}

impl<'a> Ops<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Ops { lexer: Lexer::new(data), operands: Operands::default() }
    }

    /// The operands of the operation [`Ops::next`] returned last.
    pub(crate) fn operands(&self) -> &Operands<'a> {
        &self.operands
    }

    /// The next operator (its operands in [`Ops::operands`]), `None` at the end of the stream
    /// (operands left without an operator there are dropped).
    pub(crate) fn next(&mut self) -> Result<Option<&'a [u8]>, LexError> {
        self.operands.clear();
        loop {
            let Some(token) = self.lexer.next()? else { return Ok(None) };
            match token {
                Token::Keyword(b"BI") => {
                    self.operands.clear();
                    self.inline_image()?;
                    return Ok(Some(b"BI"));
                }
                Token::Keyword(word) if !matches!(word, b"true" | b"false" | b"null") => return Ok(Some(word)),
                Token::ArrayOpen => self.array()?,
                Token::DictOpen => {
                    self.skip_nested(1)?;
                    self.operands.push(false, Operand::Other, &self.lexer)?;
                }
                Token::ArrayClose | Token::DictClose => {
                    return Err(LexError { pos: self.lexer.pos() - 1, what: "a bracket that closes nothing" })
                }
                other => {
                    let value = self.operands.value(other).expect("every other token is a value");
                    self.operands.push(false, value, &self.lexer)?;
                }
            }
        }
    }

    /// An array operand, after its `[`: its elements; arrays and dictionaries inside it, and
    /// references, become [`Operand::Other`].
    fn array(&mut self) -> Result<(), LexError> {
        let from = self.operands.elements.len() as u32;
        loop {
            let pos = self.lexer.pos();
            let Some(token) = self.lexer.next()? else {
                return Err(LexError { pos, what: "an array that never ends" });
            };
            match token {
                Token::ArrayClose => break,
                Token::ArrayOpen | Token::DictOpen => {
                    self.skip_nested(1)?;
                    self.operands.push(true, Operand::Other, &self.lexer)?;
                }
                Token::DictClose => return Err(LexError { pos, what: "a '>>' inside an array" }),
                Token::Keyword(b"R") => {
                    let elements = &mut self.operands.elements;
                    let n = elements.len();
                    match elements.get(n.saturating_sub(2)..) {
                        Some([Operand::Int(id), Operand::Int(generation)])
                            if n >= from as usize + 2
                                && u32::try_from(*id).is_ok()
                                && u16::try_from(*generation).is_ok() =>
                        {
                            elements.truncate(n - 2);
                            elements.push(Operand::Other);
                        }
                        _ => return Err(LexError { pos, what: "an operator inside an array" }),
                    }
                }
                other => match self.operands.value(other) {
                    Some(value) => self.operands.push(true, value, &self.lexer)?,
                    None => return Err(LexError { pos, what: "an operator inside an array" }),
                },
            }
        }
        let to = self.operands.elements.len() as u32;
        self.operands.push(false, Operand::Array(from, to), &self.lexer)
    }

    /// Skips the rest of an array or dictionary whose opening bracket was read (`depth` levels
    /// are open), with everything nested in it.
    fn skip_nested(&mut self, mut depth: usize) -> Result<(), LexError> {
        let start = self.lexer.pos();
        while depth > 0 {
            let Some(token) = self.lexer.next()? else {
                return Err(LexError { pos: start, what: "an array or dictionary that never ends" });
            };
            match token {
                Token::ArrayOpen | Token::DictOpen => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(LexError { pos: self.lexer.pos(), what: "arrays or dictionaries nested too deep" });
                    }
                }
                Token::ArrayClose | Token::DictClose => depth -= 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// Reads an inline image after its `BI`: the dictionary up to `ID`, then the data — as many
    /// bytes as its size says when that can be computed (no filter, a known colour space), else up
    /// to the first `EI` between white space — and the `EI`.
    fn inline_image(&mut self) -> Result<(), LexError> {
        let mut entries: Vec<(Vec<u8>, Operand<'a>)> = Vec::new();
        let mut first_names: Vec<Option<Vec<u8>>> = Vec::new();
        loop {
            let pos = self.lexer.pos();
            match self.lexer.next()? {
                Some(Token::Keyword(b"ID")) => break,
                Some(Token::Name(raw)) => {
                    let mut key = Vec::new();
                    lexer::decode_name(raw, &mut key);
                    let value_pos = self.lexer.pos();
                    let value = match self.lexer.next()? {
                        Some(Token::ArrayOpen) => {
                            // Only an array's first element matters (an Indexed colour space).
                            let mut first = None;
                            let save = self.lexer;
                            if let Some(Token::Name(raw)) = self.lexer.next()? {
                                let mut name = Vec::new();
                                lexer::decode_name(raw, &mut name);
                                first = Some(name);
                            }
                            self.lexer = save;
                            self.skip_nested(1)?;
                            first_names.push(first);
                            Operand::Array(first_names.len() as u32 - 1, 0)
                        }
                        Some(Token::DictOpen) => {
                            self.skip_nested(1)?;
                            Operand::Other
                        }
                        Some(token) => match self.operands.value(token) {
                            Some(v) => v,
                            None => return Err(LexError { pos: value_pos, what: "a bad value in an inline image" }),
                        },
                        None => return Err(LexError { pos: value_pos, what: "an inline image that never ends" }),
                    };
                    if entries.len() >= MAX_OPERANDS {
                        return Err(LexError { pos, what: "an inline image with too many entries" });
                    }
                    entries.push((key, value));
                }
                _ => return Err(LexError { pos, what: "an inline image without ID" }),
            }
        }
        // One end of line or white-space byte separates ID from the data.
        let data = self.lexer.data();
        let mut at = self.lexer.pos();
        if data.get(at..at + 2) == Some(b"\r\n") {
            at += 2;
        } else if data.get(at).is_some_and(|&b| is_space(b)) {
            at += 1;
        }
        let get = |abbr: &[u8], full: &[u8]| {
            let find = |key: &[u8]| entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v);
            find(abbr).or_else(|| find(full))
        };
        let size = |abbr: &[u8], full: &[u8]| match get(abbr, full) {
            Some(Operand::Int(i)) => usize::try_from(i).ok(),
            _ => None,
        };
        let operands = &self.operands;
        let name_of = |v: Option<Operand<'a>>| match v {
            Some(Operand::Name(b)) => Some(operands.bytes(&b).to_vec()),
            _ => None,
        };
        let image_mask = matches!(get(b"IM", b"ImageMask"), Some(Operand::Bool(true)));
        let length = (|| {
            let width = size(b"W", b"Width")?;
            let height = size(b"H", b"Height")?;
            let bpc = match get(b"BPC", b"BitsPerComponent") {
                None if image_mask => 1,
                _ => size(b"BPC", b"BitsPerComponent")?,
            };
            let colours = if image_mask {
                1
            } else {
                match get(b"CS", b"ColorSpace")? {
                    Operand::Array(k, _) => match first_names[k as usize].as_deref() {
                        Some(b"Indexed" | b"I") => 1,
                        _ => return None,
                    },
                    other => match name_of(Some(other))?.as_slice() {
                        b"DeviceGray" | b"G" | b"Gray" => 1,
                        b"DeviceRGB" | b"RGB" => 3,
                        b"DeviceRGBA" | b"RGBA" | b"DeviceCMYK" | b"CMYK" => 4,
                        _ => return None,
                    },
                }
            };
            if get(b"F", b"Filter").is_some() {
                return None;
            }
            bpc.checked_mul(colours)
                .and_then(|bits| width.checked_mul(bits))
                .and_then(|row_bits| row_bits.div_ceil(8).checked_mul(height))
                .filter(|&length| length <= data.len() - at)
        })();
        match length {
            Some(length) => {
                self.lexer.set_pos(at + length);
                self.lexer.skip_white();
                let ei = self.lexer.pos();
                if data.get(ei..ei + 2) != Some(b"EI") {
                    return Err(LexError { pos: ei, what: "an inline image whose data does not end at EI" });
                }
                self.lexer.set_pos(ei + 2);
            }
            None => {
                // EI after white space, followed by white space or the end.
                let found = data[at..].windows(3).enumerate().find(|&(i, w)| {
                    is_space(w[0]) && &w[1..] == b"EI" && data.get(at + i + 3).is_none_or(|&c| is_space(c))
                });
                let Some((i, _)) = found else {
                    return Err(LexError { pos: at, what: "an inline image without EI" });
                };
                self.lexer.set_pos(at + i + 3);
            }
        }
        self.lexer.skip_white();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation as `operator(operands…)`, or the error.
    fn read(data: &[u8]) -> Result<Vec<String>, LexError> {
        let mut ops = Ops::new(data);
        let mut out = Vec::new();
        while let Some(op) = ops.next()? {
            let operands = ops.operands();
            let show = |o: &Operand| match o {
                Operand::Int(i) => i.to_string(),
                Operand::Real(r) => format!("{r:?}"),
                Operand::Bool(b) => b.to_string(),
                Operand::Null => "null".into(),
                Operand::Name(b) => format!("/{}", String::from_utf8_lossy(operands.bytes(b))),
                Operand::String(b) => format!("({})", String::from_utf8_lossy(operands.bytes(b))),
                Operand::Array(..) => "[…]".into(),
                Operand::Other => "?".into(),
            };
            let mut parts: Vec<String> = Vec::new();
            for i in 0..operands.len() {
                let o = operands.get(i).unwrap();
                match operands.elements(o) {
                    Some(items) => parts.push(format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(" "))),
                    None => parts.push(show(o)),
                }
            }
            out.push(format!("{}({})", String::from_utf8_lossy(op), parts.join(" ")));
        }
        Ok(out)
    }

    #[test]
    fn operations_with_their_operands() {
        let ops =
            read(b"q 1 0 0 1 72 700 cm BT /F#31 12 Tf [(A\\(b) -250 <4142> [1] 3 0 R] TJ ET /P <</MCID 0>> BDC EMC Q")
                .unwrap();
        assert_eq!(
            ops,
            [
                "q()",
                "cm(1 0 0 1 72 700)",
                "BT()",
                "Tf(/F1 12)",
                "TJ([(A(b) -250 (AB) ? ?])",
                "ET()",
                "BDC(/P ?)",
                "EMC()",
                "Q()"
            ]
        );
    }

    #[test]
    fn inline_images_are_read_past() {
        // Sized data that holds "EI" and white space, then a filtered image found by its EI.
        let data = b"BI /W 4 /H 1 /BPC 8 /CS /G ID  EI EI Q BI /W 9 /H 9 /F /AHx /CS /RGB ID\n00ff> EI\nq";
        assert_eq!(read(data).unwrap(), ["BI()", "Q()", "BI()", "q()"]);
        let indexed = b"BI /W 2 /H 2 /IM true ID \x80\x40 EI BI /W 1 /H 1 /BPC 8 /CS [/I /RGB 1 <00>] ID \xFF EI";
        assert_eq!(read(indexed).unwrap(), ["BI()", "BI()"]);
        assert_eq!(read(b"BI /W 4 /H 1 ID xxxx").unwrap_err().what, "an inline image without EI");
        assert_eq!(
            read(b"BI /W 2 /H 1 /BPC 8 /CS /G ID abcd EI").unwrap_err().what,
            "an inline image whose data does not end at EI"
        );
        assert_eq!(read(b"BI 5 ID").unwrap_err().what, "an inline image without ID");
    }

    #[test]
    fn hostile_operand_streams_fail_cleanly() {
        assert_eq!(read(b"BT (abc Tj ET").unwrap_err().what, "a string that never ends");
        assert_eq!(read(b"[1 2 3").unwrap_err().what, "an array that never ends");
        let deep = format!("{} TJ", "[".repeat(10_000));
        assert_eq!(read(deep.as_bytes()).unwrap_err().what, "arrays or dictionaries nested too deep");
        let deep_dict = format!("/P {} BDC", "<<".repeat(10_000));
        assert_eq!(read(deep_dict.as_bytes()).unwrap_err().what, "arrays or dictionaries nested too deep");
        assert_eq!(read(b"99999999999999999999999 0 Td").unwrap_err().what, "an integer out of range");
        assert_eq!(read(b"1e400 0 Td").unwrap(), ["e400(1)", "Td(0)"]);
        assert_eq!(read(b"(\\777\\q\\)) Tj").unwrap(), ["Tj((\u{FFFD}q)))"]);
        let many = "1 ".repeat(MAX_OPERANDS + 1);
        assert_eq!(read(many.as_bytes()).unwrap_err().what, "an operation with too many operands");
        assert_eq!(read(b"] Tj").unwrap_err().what, "a bracket that closes nothing");
        assert_eq!(read(b"[(a) Tj] TJ").unwrap_err().what, "an operator inside an array");
        // Operands with no operator at the end are dropped; an empty stream has no operation.
        assert_eq!(read(b"1 2 % trailing comment").unwrap(), Vec::<String>::new());
        assert_eq!(read(b"").unwrap(), Vec::<String>::new());
    }

    /// An operand as text, the same for lopdf's objects and ours.
    fn lopdf_text(o: &lopdf::Object) -> String {
        match o {
            lopdf::Object::Integer(i) => i.to_string(),
            lopdf::Object::Real(r) => format!("{r:?}"),
            lopdf::Object::Boolean(b) => b.to_string(),
            lopdf::Object::Null => "null".into(),
            lopdf::Object::Name(n) => format!("/{}", String::from_utf8_lossy(n)),
            lopdf::Object::String(s, _) => format!("({})", String::from_utf8_lossy(s)),
            _ => "?".into(),
        }
    }

    /// One of our operands as text, in [`lopdf_text`]'s form.
    fn our_text(operands: &Operands<'_>, o: &Operand<'_>) -> String {
        match o {
            Operand::Int(i) => i.to_string(),
            Operand::Real(r) => format!("{r:?}"),
            Operand::Name(b) => format!("/{}", String::from_utf8_lossy(operands.bytes(b))),
            Operand::String(b) => format!("({})", String::from_utf8_lossy(operands.bytes(b))),
            Operand::Bool(b) => b.to_string(),
            Operand::Null => "null".into(),
            _ => "?".into(),
        }
    }

    /// Every operation of every page of every fixture, as lopdf reads it and as we do.
    #[test]
    fn operations_equal_lopdf_operations_on_the_fixtures() {
        let files = super::super::fixture_pdfs();
        let mut total = 0usize;
        for path in files {
            let doc = lopdf::Document::load(&path).unwrap();
            for (_, page) in doc.get_pages() {
                for id in doc.get_page_contents(page) {
                    let Ok(stream) = doc.get_object(id).and_then(lopdf::Object::as_stream) else { continue };
                    let data = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
                    let mut ours = Ops::new(&data);
                    for theirs in lopdf::content::Content::decode_iter(&data) {
                        let theirs = theirs.unwrap();
                        let op = ours.next().unwrap().unwrap();
                        assert_eq!(String::from_utf8_lossy(op), theirs.operator, "{}", path.display());
                        let operands = ours.operands();
                        let mine: Vec<String> = (0..operands.len())
                            .map(|i| {
                                let o = operands.get(i).unwrap();
                                match operands.elements(o) {
                                    Some(items) => format!(
                                        "[{}]",
                                        items.iter().map(|e| our_text(operands, e)).collect::<Vec<_>>().join(" ")
                                    ),
                                    None => our_text(operands, o),
                                }
                            })
                            .collect();
                        let expected: Vec<String> = if theirs.operator == "BI" {
                            Vec::new()
                        } else {
                            theirs
                                .operands
                                .iter()
                                .map(|o| match o {
                                    lopdf::Object::Array(items) => {
                                        format!("[{}]", items.iter().map(lopdf_text).collect::<Vec<_>>().join(" "))
                                    }
                                    other => lopdf_text(other),
                                })
                                .collect()
                        };
                        assert_eq!(mine, expected, "{}: {}", path.display(), theirs.operator);
                        total += 1;
                    }
                    assert_eq!(ours.next(), Ok(None), "{}: we read more than lopdf", path.display());
                }
            }
        }
        assert!(total > 100_000, "{total} operations");
    }
}
