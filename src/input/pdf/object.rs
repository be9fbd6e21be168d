//! PDF objects as this reader holds them, and the parser of direct objects.
//!
//! An [`Object`] borrows from the file's bytes where it can: names without `#` escapes and
//! strings without escapes are slices of the file, so reading a font dictionary with hundreds of
//! glyph names allocates only its arrays. A [`Dict`] keeps its entries in file order and answers
//! a key with its last entry, as lopdf does. [`parse_object`] reads one direct object with
//! lopdf's grammar (see [`super::lexer`]), arrays and dictionaries nested at most [`MAX_DEPTH`]
//! deep.

use std::borrow::Cow;

use super::lexer::{self, LexError, Lexer, Token};

/// An object number and generation.
pub(crate) type ObjectId = (u32, u16);

/// Deepest nesting of arrays and dictionaries in an object (lopdf's bound).
pub(crate) const MAX_DEPTH: usize = 100;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Object<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Real(f32),
    Name(Cow<'a, [u8]>),
    String(Cow<'a, [u8]>),
    Array(Vec<Object<'a>>),
    Dict(Dict<'a>),
    Ref(ObjectId),
    Stream(Box<Stream<'a>>),
}

/// A dictionary: entries in the order written; a key's value is its last entry's.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Dict<'a>(pub Vec<(Cow<'a, [u8]>, Object<'a>)>);

/// A stream: its dictionary and its data as stored (filters not applied).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Stream<'a> {
    pub dict: Dict<'a>,
    pub data: Cow<'a, [u8]>,
}

impl<'a> Dict<'a> {
    pub(crate) fn get(&self, key: &[u8]) -> Option<&Object<'a>> {
        self.0.iter().rev().find(|(k, _)| k.as_ref() == key).map(|(_, v)| v)
    }

    /// A name-valued entry.
    pub(crate) fn name(&self, key: &[u8]) -> Option<&[u8]> {
        self.get(key).and_then(Object::as_name)
    }

    /// Whether `/Type` is `kind`.
    pub(crate) fn has_type(&self, kind: &[u8]) -> bool {
        self.name(b"Type") == Some(kind)
    }

    pub(crate) fn into_owned(self) -> Dict<'static> {
        Dict(self.0.into_iter().map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned())).collect())
    }
}

impl<'a> Object<'a> {
    pub(crate) fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }

    /// A number (integer or real) as `f32`.
    pub(crate) fn as_f32(&self) -> Option<f32> {
        match *self {
            Object::Int(i) => Some(i as f32),
            Object::Real(r) => Some(r),
            _ => None,
        }
    }

    /// An integer (not a real).
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match *self {
            Object::Int(i) => Some(i),
            _ => None,
        }
    }

    pub(crate) fn as_dict(&self) -> Option<&Dict<'a>> {
        match self {
            Object::Dict(d) => Some(d),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&[Object<'a>]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }

    pub(crate) fn as_stream(&self) -> Option<&Stream<'a>> {
        match self {
            Object::Stream(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_string(&self) -> Option<&[u8]> {
        match self {
            Object::String(s) => Some(s),
            _ => None,
        }
    }

    /// The same object owning all its bytes.
    pub(crate) fn into_owned(self) -> Object<'static> {
        match self {
            Object::Null => Object::Null,
            Object::Bool(b) => Object::Bool(b),
            Object::Int(i) => Object::Int(i),
            Object::Real(r) => Object::Real(r),
            Object::Name(n) => Object::Name(Cow::Owned(n.into_owned())),
            Object::String(s) => Object::String(Cow::Owned(s.into_owned())),
            Object::Array(a) => Object::Array(a.into_iter().map(Object::into_owned).collect()),
            Object::Dict(d) => Object::Dict(d.into_owned()),
            Object::Ref(id) => Object::Ref(id),
            Object::Stream(s) => {
                let Stream { dict, data } = *s;
                Object::Stream(Box::new(Stream { dict: dict.into_owned(), data: Cow::Owned(data.into_owned()) }))
            }
        }
    }
}

/// Why an object could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub pos: usize,
    pub what: &'static str,
}

impl From<LexError> for ParseError {
    fn from(e: LexError) -> Self {
        ParseError { pos: e.pos, what: e.what }
    }
}

fn name<'a>(raw: &'a [u8]) -> Cow<'a, [u8]> {
    if lexer::name_has_escapes(raw) {
        let mut out = Vec::with_capacity(raw.len());
        lexer::decode_name(raw, &mut out);
        Cow::Owned(out)
    } else {
        Cow::Borrowed(raw)
    }
}

fn literal<'a>(raw: &'a [u8]) -> Cow<'a, [u8]> {
    if lexer::literal_is_plain(raw) {
        Cow::Borrowed(raw)
    } else {
        let mut out = Vec::with_capacity(raw.len());
        lexer::decode_literal(raw, &mut out);
        Cow::Owned(out)
    }
}

fn hex(raw: &[u8]) -> Cow<'static, [u8]> {
    let mut out = Vec::with_capacity(raw.len() / 2 + 1);
    lexer::decode_hex(raw, &mut out);
    Cow::Owned(out)
}

/// Reads one direct object at the lexer's position. An integer followed by another and `R` is a
/// reference.
pub(crate) fn parse_object<'a>(lexer: &mut Lexer<'a>) -> Result<Object<'a>, ParseError> {
    lexer.skip_space();
    let start = lexer.pos();
    match lexer.next()? {
        Some(token) => parse_value(lexer, start, token, 0),
        None => Err(ParseError { pos: start, what: "an object missing" }),
    }
}

/// After an unsigned integer that fits `u32`: whether `g R` follows (lopdf's grammar: digits
/// that fit `u16`, white space or comments, `R`); the generation and where the reference ends.
fn reference_tail(lexer: &Lexer<'_>) -> Option<(u16, usize)> {
    let mut probe = *lexer;
    probe.skip_space();
    let data = probe.data();
    let from = probe.pos();
    let digits = data[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let generation = data[from..from + digits]
        .iter()
        .try_fold(0u64, |v, &b| v.checked_mul(10)?.checked_add(u64::from(b - b'0')))
        .and_then(|v| u16::try_from(v).ok())?;
    probe.set_pos(from + digits);
    probe.skip_space();
    let at = probe.pos();
    (data.get(at) == Some(&b'R')).then_some((generation, at + 1))
}

fn parse_dict_body<'a>(lexer: &mut Lexer<'a>, depth: usize) -> Result<Dict<'a>, ParseError> {
    let mut entries = Vec::new();
    loop {
        lexer.skip_space();
        let pos = lexer.pos();
        match lexer.next()? {
            Some(Token::DictClose) => return Ok(Dict(entries)),
            Some(Token::Name(raw)) => {
                lexer.skip_space();
                let start = lexer.pos();
                let value = match lexer.next()? {
                    Some(token) => match scalar(lexer, start, token) {
                        Some(value) => value,
                        None => parse_value(lexer, start, token, depth + 1)?,
                    },
                    None => return Err(ParseError { pos: start, what: "a dictionary that never ends" }),
                };
                entries.push((name(raw), value));
            }
            Some(_) => return Err(ParseError { pos, what: "a dictionary key that is not a name" }),
            None => return Err(ParseError { pos, what: "a dictionary that never ends" }),
        }
    }
}

/// The object a token is by itself (numbers, references, names, strings, keywords); `None` for
/// a bracket. Inlined into the array and dictionary loops, so an element is built in place.
#[inline(always)]
fn scalar<'a>(lexer: &mut Lexer<'a>, start: usize, token: Token<'a>) -> Option<Object<'a>> {
    Some(match token {
        Token::Int(i) => {
            // `n g R`, both written as plain digits.
            if lexer.data()[start].is_ascii_digit() && u32::try_from(i).is_ok() {
                if let Some((generation, end)) = reference_tail(lexer) {
                    lexer.set_pos(end);
                    return Some(Object::Ref((i as u32, generation)));
                }
            }
            Object::Int(i)
        }
        Token::Real(r) => Object::Real(r),
        Token::Name(raw) => Object::Name(name(raw)),
        Token::Literal(raw) => Object::String(literal(raw)),
        Token::Hex(raw) => Object::String(hex(raw)),
        Token::Keyword(b"true") => Object::Bool(true),
        Token::Keyword(b"false") => Object::Bool(false),
        Token::Keyword(b"null") => Object::Null,
        _ => return None,
    })
}

/// The object that `token`, read from `start`, begins.
fn parse_value<'a>(
    lexer: &mut Lexer<'a>,
    start: usize,
    token: Token<'a>,
    depth: usize,
) -> Result<Object<'a>, ParseError> {
    if depth > MAX_DEPTH {
        return Err(ParseError { pos: start, what: "arrays or dictionaries nested too deep" });
    }
    if let Some(object) = scalar(lexer, start, token) {
        return Ok(object);
    }
    Ok(match token {
        Token::ArrayOpen => {
            let mut items = Vec::with_capacity(array_capacity_hint(&lexer.data()[lexer.pos()..]));
            let mut pending = PendingItems::default();
            // How many of the last items are integers written as plain digits (0, 1 or 2): an
            // `R` after two makes them a reference. Seen from the `R` rather than looked ahead
            // for from each integer, as in a dictionary, since arrays are mostly numbers
            // (`/Widths`) that no `R` follows.
            let mut plain_ints = 0u8;
            loop {
                // Most items stand one space after the last (`/Widths [1000 0 0 …]`).
                let before = lexer.pos();
                let (at, token) = match lexer.next_after_one_space() {
                    Some(Token::Name(raw)) => {
                        pending.name(raw, &mut items);
                        plain_ints = 0;
                        continue;
                    }
                    Some(token) => (before + 1, Some(token)),
                    None => {
                        lexer.skip_space();
                        (lexer.pos(), lexer.next()?)
                    }
                };
                if let Some(Token::Int(i)) = token {
                    pending.int(i, &mut items);
                    plain_ints = if lexer.data()[at].is_ascii_digit() { (plain_ints + 1).min(2) } else { 0 };
                    continue;
                }
                // After two integers they are the last two items, pending or not.
                if plain_ints == 2 && token == Some(Token::Keyword(b"R")) {
                    pending.flush(&mut items);
                    if let [.., Object::Int(number), Object::Int(generation)] = items[..] {
                        if let (Ok(number), Ok(generation)) = (u32::try_from(number), u16::try_from(generation)) {
                            items.truncate(items.len() - 2);
                            items.push(Object::Ref((number, generation)));
                            plain_ints = 0;
                            continue;
                        }
                    }
                }
                plain_ints = 0;
                pending.flush(&mut items);
                match token {
                    Some(Token::ArrayClose) => break,
                    Some(token) => match scalar(lexer, at, token) {
                        Some(item) => items.push(item),
                        None => items.push(parse_value(lexer, at, token, depth + 1)?),
                    },
                    None => return Err(ParseError { pos: start, what: "an array that never ends" }),
                }
            }
            Object::Array(items)
        }
        Token::DictOpen => Object::Dict(parse_dict_body(lexer, depth)?),
        _ => return Err(ParseError { pos: start, what: "a keyword or bracket where an object was expected" }),
    })
}

/// Integers or names just read in an array (one kind at a time, at most [`PENDING_ITEMS`]), not
/// yet added to it: added by one `extend`, each object is written where it goes. Pushed one at a
/// time, each was built on the stack, written in parts and read back whole to be copied, a store
/// the processor cannot forward: a stall on every item of the `/Widths` and `/Differences` of a
/// font (Chromium writes 253 of each in each of its Type 3 fonts, two hundred fonts a notice).
#[derive(Default)]
struct PendingItems<'a> {
    ints: [i64; PENDING_ITEMS],
    names: [&'a [u8]; PENDING_ITEMS],
    /// How many integers (`ints`) or names (`names`) are pending; one of them is 0.
    n_ints: usize,
    n_names: usize,
}

const PENDING_ITEMS: usize = 32;

impl<'a> PendingItems<'a> {
    #[inline(always)]
    fn int(&mut self, i: i64, items: &mut Vec<Object<'a>>) {
        if self.n_names > 0 || self.n_ints == PENDING_ITEMS {
            self.flush(items);
        }
        self.ints[self.n_ints] = i;
        self.n_ints += 1;
    }

    #[inline(always)]
    fn name(&mut self, raw: &'a [u8], items: &mut Vec<Object<'a>>) {
        if self.n_ints > 0 || self.n_names == PENDING_ITEMS {
            self.flush(items);
        }
        self.names[self.n_names] = raw;
        self.n_names += 1;
    }

    /// Adds the pending items to the array, in the order read.
    fn flush(&mut self, items: &mut Vec<Object<'a>>) {
        items.extend(self.ints[..self.n_ints].iter().map(|&i| Object::Int(i)));
        items.extend(self.names[..self.n_names].iter().map(|&raw| Object::Name(Cow::Borrowed(raw))));
        self.n_ints = 0;
        self.n_names = 0;
    }
}

/// About how many items the array whose text starts at `rest` (just after its `[`) holds: the
/// spaces before the first `]`, plus one. Arrays are mostly flat lists of numbers written one
/// space apart (a Type 3 font's 253 `/Widths`), which this counts exactly; a nested or unusual
/// array grows past it as any vector does. Only the first 4 KiB are looked at, so the hint is at
/// most about 4,000 items however the bytes run on.
fn array_capacity_hint(rest: &[u8]) -> usize {
    let window = &rest[..rest.len().min(4096)];
    let text = memchr::memchr(b']', window).map_or(window, |end| &window[..end]);
    memchr::memchr_iter(b' ', text).count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> Object<'_> {
        parse_object(&mut Lexer::new(text)).unwrap()
    }

    #[test]
    fn an_array_is_sized_from_its_spaces() {
        assert_eq!(array_capacity_hint(b"1 2 3] >>"), 3);
        assert_eq!(array_capacity_hint(b"]"), 1);
        assert_eq!(array_capacity_hint(b"1 [2 3] 4]"), 3, "counted up to the nested array's end only");
        assert!(array_capacity_hint(&[b' '; 100_000]) <= 4097, "bounded without a closing bracket");
        let widths: String = (0..253).map(|i| format!("{} ", 500 + i)).collect();
        let text = format!("<< /Widths [{}] >>", widths.trim_end());
        let o = parse(text.as_bytes());
        let w = match o.as_dict().unwrap().get(b"Widths") {
            Some(Object::Array(items)) => items,
            other => panic!("{other:?}"),
        };
        assert_eq!((w.len(), w.capacity()), (253, 253), "a flat array is read into a vector of its size");
        assert_eq!(w[252], Object::Int(752));
    }

    #[test]
    fn objects_borrow_what_they_can() {
        let o = parse(b"<< /Type /Font /W [1 [500 600] 3 4 500] /F 12 0 R /N#20 (a\\)) >>");
        let d = o.as_dict().unwrap();
        assert!(d.has_type(b"Font"));
        assert!(matches!(d.get(b"Type"), Some(Object::Name(Cow::Borrowed(_)))));
        assert_eq!(d.get(b"F"), Some(&Object::Ref((12, 0))));
        assert_eq!(d.get(b"N "), Some(&Object::String(Cow::Owned(b"a)".to_vec()))));
        // `-1 2 R` is not a reference: the sign makes -1 an integer, then 2 and the keyword R
        // stop the dictionary.
        assert!(parse_object(&mut Lexer::new(b"<< /X -1 2 R >>")).is_err());
        let w = d.get(b"W").unwrap().as_array().unwrap();
        assert_eq!(w.len(), 5);
        assert_eq!(w[1], Object::Array(vec![Object::Int(500), Object::Int(600)]));
    }

    #[test]
    fn references_among_numbers() {
        let o = parse(b"[1 0 R 2 3 4 0 R 5 6 7 8]");
        let items = o.as_array().unwrap();
        let ints = |v: &[i64]| v.iter().map(|&i| Object::Int(i)).collect::<Vec<_>>();
        assert_eq!(items[0], Object::Ref((1, 0)));
        assert_eq!(&items[1..3], &ints(&[2, 3])[..]);
        assert_eq!(items[3], Object::Ref((4, 0)));
        assert_eq!(&items[4..8], &ints(&[5, 6, 7, 8])[..]);
        // `+8 0 R` is no reference: the 0 and the R stay, and R stops the array.
        assert!(parse_object(&mut Lexer::new(b"[+8 0 R]")).is_err());
        assert!(parse_object(&mut Lexer::new(b"[9 -1 R]")).is_err());
        // Neither a generation past u16 nor an object number past u32 makes a reference.
        assert!(parse_object(&mut Lexer::new(b"[1 65536 R]")).is_err());
        assert!(parse_object(&mut Lexer::new(b"[4294967296 0 R]")).is_err());
        assert_eq!(parse(b"[1 65535 R]"), Object::Array(vec![Object::Ref((1, 65535))]));
        // Integers one space apart among reals, signs and long integers.
        assert_eq!(
            parse(b"[1 2.5 -3 4 123456789012345678 5]"),
            Object::Array(vec![
                Object::Int(1),
                Object::Real(2.5),
                Object::Int(-3),
                Object::Int(4),
                Object::Int(123_456_789_012_345_678),
                Object::Int(5)
            ])
        );
        // Names one space apart, with and without escapes, and an empty one.
        let names = parse(b"[/a /b#20c /d / /e]");
        let names: Vec<_> = names.as_array().unwrap().iter().map(|o| o.as_name().unwrap().to_vec()).collect();
        assert_eq!(names, [&b"a"[..], b"b c", b"d", b"", b"e"]);
        assert!(parse_object(&mut Lexer::new(b"[/a /b")).is_err());
        // A reference after a nested array, and numbers on either side of one.
        assert_eq!(
            parse(b"[[7] 3 0 R 9]"),
            Object::Array(vec![Object::Array(ints(&[7])), Object::Ref((3, 0)), Object::Int(9)])
        );
        assert_eq!(parse(b"[10 0]"), Object::Array(ints(&[10, 0])));
        // After a number, the lexer is left where the next object starts.
        let mut lexer = Lexer::new(b"5 6 /N");
        assert_eq!(parse_object(&mut lexer), Ok(Object::Int(5)));
        assert_eq!(parse_object(&mut lexer), Ok(Object::Int(6)));
        assert_eq!(parse_object(&mut lexer).unwrap().as_name(), Some(&b"N"[..]));
    }

    #[test]
    fn runs_of_integers_and_names_longer_than_the_pending_buffer_keep_their_order() {
        // 70 integers (past two buffers' worth), 40 names, then a reference after integers that
        // fill a buffer exactly, and names and integers alternating.
        let ints: Vec<String> = (0..70).map(|i| i.to_string()).collect();
        let names: Vec<String> = (0..40).map(|i| format!("/g{i}")).collect();
        let filler: Vec<String> = (0..30).map(|i| (100 + i).to_string()).collect();
        let text = format!("[{} {} {} 7 0 R /a 1 /b 2 (s)]", ints.join(" "), names.join(" "), filler.join(" "));
        let o = parse(text.as_bytes());
        let items = o.as_array().unwrap();
        let mut expected: Vec<Object> = (0..70).map(Object::Int).collect();
        expected.extend(names.iter().map(|n| Object::Name(Cow::Owned(n.as_bytes()[1..].to_vec()))));
        expected.extend((0..30).map(|i| Object::Int(100 + i)));
        expected.push(Object::Ref((7, 0)));
        for (name, int) in [(b"a", 1), (b"b", 2)] {
            expected.push(Object::Name(Cow::Owned(name.to_vec())));
            expected.push(Object::Int(int));
        }
        expected.push(Object::String(Cow::Owned(b"s".to_vec())));
        assert_eq!(items, &expected[..]);
    }

    #[test]
    fn last_entry_wins_and_nesting_is_bounded() {
        let o = parse(b"<</A 1 /A 2>>");
        assert_eq!(o.as_dict().unwrap().get(b"A"), Some(&Object::Int(2)));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert!(parse_object(&mut Lexer::new(deep.as_bytes())).is_err());
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse_object(&mut Lexer::new(ok.as_bytes())).is_ok());
        assert!(parse_object(&mut Lexer::new(b"[1 2")).is_err());
        assert!(parse_object(&mut Lexer::new(b"<</A>>")).is_err());
    }
}
