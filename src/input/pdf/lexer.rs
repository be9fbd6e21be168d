//! The PDF lexer: bytes into tokens — numbers, names, strings, brackets and keywords — for the
//! object parser ([`super::object`]) and the content-stream reader ([`super::ops`]).
//!
//! Tokens borrow from the input: a name's or a string's escapes are decoded only when asked
//! ([`decode_name`], [`decode_literal`], [`decode_hex`]), into a buffer the caller keeps. The
//! grammar is lopdf's, so that a file reads the same whichever path loads it (see
//! [`super::document`]): a number is an optional sign and digits with an optional fraction (a minus
//! sign inside the fraction, which some producers write, is dropped), an integer must fit in
//! `i64`, a keyword is a run of letters, digits and `*'"` that does not start with a digit, and a
//! literal string nests at most [`MAX_STRING_NESTING`] parentheses. Anything else is an error
//! with its position; nothing here allocates or recurses.

use std::fmt;

/// Deepest nesting of parentheses inside a literal string (lopdf's bound).
pub(crate) const MAX_STRING_NESTING: usize = 100;

/// One token. Byte slices are raw: escapes are not decoded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Token<'a> {
    Int(i64),
    Real(f32),
    /// The bytes after `/`, `#xx` escapes not decoded.
    Name(&'a [u8]),
    /// The bytes between the outer parentheses, escapes not decoded.
    Literal(&'a [u8]),
    /// The bytes between `<` and `>`.
    Hex(&'a [u8]),
    ArrayOpen,
    ArrayClose,
    DictOpen,
    DictClose,
    /// Operators and the words of the file structure (`obj`, `R`, `true`, `null`, …).
    Keyword(&'a [u8]),
}

/// Why the bytes are not PDF syntax, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub pos: usize,
    pub what: &'static str,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.pos)
    }
}

const REGULAR: u8 = 0;
const SPACE: u8 = 1;
const DELIMITER: u8 = 2;

/// The class of every byte: white space (`\0 \t \n \f \r` and space), delimiter (`()<>[]{}/%`)
/// or regular.
static CLASS: [u8; 256] = {
    let mut table = [REGULAR; 256];
    let spaces = b"\0\t\n\x0C\r ";
    let mut i = 0;
    while i < spaces.len() {
        table[spaces[i] as usize] = SPACE;
        i += 1;
    }
    let delimiters = b"()<>[]{}/%";
    let mut i = 0;
    while i < delimiters.len() {
        table[delimiters[i] as usize] = DELIMITER;
        i += 1;
    }
    table
};

/// Whether a byte is PDF white space.
#[inline]
pub(crate) fn is_space(b: u8) -> bool {
    CLASS[b as usize] == SPACE
}

#[inline]
fn is_regular(b: u8) -> bool {
    CLASS[b as usize] == REGULAR
}

#[inline]
fn is_keyword_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'*' | b'\'' | b'"')
}

#[inline]
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Exact powers of ten in `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// The value of a real's text (`[sign] digits [. digits]`, no inner minus), rounded as
/// `f32::from_str` rounds it. With at most 2^53 as mantissa and 22 fraction digits, one IEEE
/// division of two exact `f64`s gives the value correctly rounded to `f64`; rounding that to
/// `f32` gives the correctly rounded `f32` unless it lies within one `f64` unit of halfway
/// between two `f32`s, which goes, with the rest, through the standard library.
fn real_value(text: &[u8]) -> Option<f32> {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut mantissa: u64 = 0;
    let mut fraction_digits = 0usize;
    let mut in_fraction = false;
    let mut fast = true;
    for &b in digits {
        if b == b'.' {
            in_fraction = true;
            continue;
        }
        mantissa = mantissa * 10 + u64::from(b - b'0');
        fraction_digits += usize::from(in_fraction);
        if mantissa > 1 << 53 {
            fast = false;
            break;
        }
    }
    if fast {
        if let Some(value) = exact_decimal(mantissa, fraction_digits, negative) {
            return Some(value);
        }
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// `±mantissa / 10^fraction_digits` correctly rounded to `f32` by one division (see
/// [`real_value`]), or `None` when that cannot be sure of the rounding. `mantissa` is at most 2^53.
#[inline]
fn exact_decimal(mantissa: u64, fraction_digits: usize, negative: bool) -> Option<f32> {
    let q = mantissa as f64 / *POW10.get(fraction_digits)?;
    let low = q.to_bits() & ((1 << 29) - 1);
    if q == 0.0 || (low.abs_diff(1 << 28) > 1 && (1e-30..1e30).contains(&q)) {
        let value = q as f32;
        return Some(if negative { -value } else { value });
    }
    None
}

/// A cursor over PDF bytes. Copying it saves a position to come back to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Lexer { data, pos: 0 }
    }

    pub(crate) fn at(data: &'a [u8], pos: usize) -> Self {
        Lexer { data, pos: pos.min(data.len()) }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn data(&self) -> &'a [u8] {
        self.data
    }

    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.data.len());
    }

    fn error(&self, pos: usize, what: &'static str) -> LexError {
        LexError { pos, what }
    }

    /// Skips white space only (not comments).
    pub(crate) fn skip_white(&mut self) {
        while self.pos < self.data.len() && is_space(self.data[self.pos]) {
            self.pos += 1;
        }
    }

    /// Skips white space and comments.
    pub(crate) fn skip_space(&mut self) {
        loop {
            self.skip_white();
            if self.data.get(self.pos) != Some(&b'%') {
                return;
            }
            while self.pos < self.data.len() && !matches!(self.data[self.pos], b'\r' | b'\n') {
                self.pos += 1;
            }
        }
    }

    /// The next token, or `None` at the end of the input.
    #[inline(always)]
    pub(crate) fn next(&mut self) -> Result<Option<Token<'a>>, LexError> {
        self.skip_space();
        let data = self.data;
        let Some(&b) = data.get(self.pos) else { return Ok(None) };
        let start = self.pos;
        let token = match b {
            b'/' => {
                self.pos += 1;
                let from = self.pos;
                self.scan_name();
                Token::Name(&data[from..self.pos])
            }
            b'(' => {
                let end = self.scan_literal()?;
                Token::Literal(&data[start + 1..end])
            }
            b'<' if data.get(start + 1) == Some(&b'<') => {
                self.pos += 2;
                Token::DictOpen
            }
            b'<' => {
                let end = self.scan_hex()?;
                Token::Hex(&data[start + 1..end])
            }
            b'>' if data.get(start + 1) == Some(&b'>') => {
                self.pos += 2;
                Token::DictClose
            }
            b'[' => {
                self.pos += 1;
                Token::ArrayOpen
            }
            b']' => {
                self.pos += 1;
                Token::ArrayClose
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => match self.scan_short_number() {
                Some(token) => token,
                None => self.scan_number()?,
            },
            _ if is_keyword_byte(b) => {
                while self.pos < data.len() && is_keyword_byte(data[self.pos]) {
                    self.pos += 1;
                }
                Token::Keyword(&data[start..self.pos])
            }
            b'>' => return Err(self.error(start, "a '>' that closes nothing")),
            b')' => return Err(self.error(start, "a ')' that closes nothing")),
            _ => return Err(self.error(start, "a byte that starts no token")),
        };
        Ok(Some(token))
    }

    /// A name's bytes: regular bytes, a `#` counting only with two hexadecimal digits after it.
    fn scan_name(&mut self) {
        let data = self.data;
        while self.pos < data.len() {
            let b = data[self.pos];
            if b == b'#' {
                let escape = data.get(self.pos + 1..self.pos + 3);
                if escape.is_some_and(|h| hex_value(h[0]).is_some() && hex_value(h[1]).is_some()) {
                    self.pos += 3;
                    continue;
                }
                return;
            }
            if !is_regular(b) {
                return;
            }
            self.pos += 1;
        }
    }

    /// From a `(`, finds the matching `)`; returns its position and moves past it.
    #[inline(never)]
    fn scan_literal(&mut self) -> Result<usize, LexError> {
        let data = self.data;
        let start = self.pos;
        let mut depth = 0usize;
        let mut i = self.pos;
        while i < data.len() {
            match data[i] {
                b'\\' => i += 1,
                b'(' => {
                    depth += 1;
                    if depth > MAX_STRING_NESTING + 1 {
                        return Err(self.error(i, "a string nesting parentheses too deep"));
                    }
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos = i + 1;
                        return Ok(i);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Err(self.error(start, "a string that never ends"))
    }

    /// From a `<`, finds the `>` ending a hexadecimal string; returns its position.
    fn scan_hex(&mut self) -> Result<usize, LexError> {
        let data = self.data;
        let start = self.pos;
        let mut i = start + 1;
        while i < data.len() {
            let b = data[i];
            if b == b'>' {
                self.pos = i + 1;
                return Ok(i);
            }
            if hex_value(b).is_none() && !is_space(b) {
                return Err(self.error(i, "a byte that is not a hexadecimal digit in a hexadecimal string"));
            }
            i += 1;
        }
        Err(self.error(start, "a hexadecimal string that never ends"))
    }

    /// The next token when one space stands before it and it is a number or a name without `#`
    /// escapes (the items of a `/Widths` or `/Differences` array): the token [`Lexer::next`]
    /// would give, without its dispatch and its white-space and comment handling. `None`, the
    /// position unmoved, for anything else; a name given has no escapes to decode.
    #[inline(always)]
    pub(crate) fn next_after_one_space(&mut self) -> Option<Token<'a>> {
        let data = self.data;
        let start = self.pos;
        if data.get(start) != Some(&b' ') {
            return None;
        }
        match data.get(start + 1)? {
            b'0'..=b'9' => {
                self.pos = start + 1;
                let token = self.scan_short_number();
                if token.is_none() {
                    self.pos = start;
                }
                token
            }
            b'/' => {
                let from = start + 2;
                let end =
                    data[from..].iter().position(|&b| !is_regular(b) || b == b'#').map_or(data.len(), |n| from + n);
                if data.get(end) == Some(&b'#') {
                    return None;
                }
                self.pos = end;
                Some(Token::Name(&data[from..end]))
            }
            _ => None,
        }
    }

    /// Numbers as most are written — an optional sign, at most 17 digits before the point and
    /// 17 after it — read in one pass, the token's value the same as [`Lexer::scan_number`]'s.
    /// `None`, the position unmoved, for anything else (longer numbers, a minus sign inside the
    /// fraction, a sign or dot without digits, a real whose rounding needs the slow path).
    #[inline(always)]
    fn scan_short_number(&mut self) -> Option<Token<'a>> {
        let data = self.data;
        let mut i = self.pos;
        let negative = data[i] == b'-';
        if matches!(data[i], b'+' | b'-') {
            i += 1;
        }
        let mut mantissa: u64 = 0;
        let int_start = i;
        while i < data.len() && data[i].is_ascii_digit() && i - int_start < 17 {
            mantissa = mantissa * 10 + u64::from(data[i] - b'0');
            i += 1;
        }
        let int_digits = i - int_start;
        match data.get(i) {
            Some(b'.') => {
                i += 1;
                let fraction_start = i;
                while i < data.len() && data[i].is_ascii_digit() && i - fraction_start < 17 {
                    if mantissa > 1 << 53 {
                        return None;
                    }
                    mantissa = mantissa * 10 + u64::from(data[i] - b'0');
                    i += 1;
                }
                let fraction_digits = i - fraction_start;
                if int_digits + fraction_digits == 0
                    || mantissa > 1 << 53
                    || data.get(i).is_some_and(|&c| c == b'-' || c.is_ascii_digit())
                {
                    return None;
                }
                let value = exact_decimal(mantissa, fraction_digits, negative)?;
                self.pos = i;
                Some(Token::Real(value))
            }
            Some(c) if c.is_ascii_digit() => None,
            _ if int_digits == 0 => None,
            _ => {
                self.pos = i;
                let magnitude = mantissa as i64;
                Some(Token::Int(if negative { -magnitude } else { magnitude }))
            }
        }
    }

    #[inline(never)]
    fn scan_number(&mut self) -> Result<Token<'a>, LexError> {
        let data = self.data;
        let start = self.pos;
        let digit = |i: usize| data.get(i).is_some_and(u8::is_ascii_digit);
        let mut i = start;
        let negative = data[i] == b'-';
        if matches!(data[i], b'+' | b'-') {
            i += 1;
        }
        let int_start = i;
        while digit(i) {
            i += 1;
        }
        let int_end = i;
        let is_real = data.get(i) == Some(&b'.') && (int_end > int_start || digit(i + 1));
        if is_real {
            i += 1;
            while digit(i) {
                i += 1;
            }
            let mandatory_end = i;
            // A minus sign inside the fraction (`0.00-4142502`) is dropped, as pdf.js, Poppler
            // and lopdf do.
            while data.get(i).is_some_and(|b| *b == b'-' || b.is_ascii_digit()) {
                i += 1;
            }
            self.pos = i;
            let text = &data[start..i];
            let value = if data[mandatory_end..i].contains(&b'-') {
                let mut digits: Vec<u8> = Vec::with_capacity(text.len());
                digits.push(text[0]);
                digits.extend(text[1..].iter().filter(|&&c| c != b'-'));
                std::str::from_utf8(&digits).ok().and_then(|s| s.parse().ok())
            } else {
                real_value(text)
            };
            return value.map(Token::Real).ok_or_else(|| self.error(start, "a malformed number"));
        }
        if int_end == int_start {
            return Err(self.error(start, "a sign or a dot without digits"));
        }
        self.pos = int_end;
        let mut magnitude: u64 = 0;
        for &b in &data[int_start..int_end] {
            magnitude = magnitude
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(b - b'0')))
                .ok_or_else(|| self.error(start, "an integer out of range"))?;
        }
        let value = if negative { 0i64.checked_sub_unsigned(magnitude) } else { i64::try_from(magnitude).ok() };
        value.map(Token::Int).ok_or_else(|| self.error(start, "an integer out of range"))
    }
}

/// Whether a raw name needs decoding (holds a `#` escape).
#[inline]
pub(crate) fn name_has_escapes(raw: &[u8]) -> bool {
    raw.contains(&b'#')
}

/// Appends a raw name's bytes with its `#xx` escapes decoded.
pub(crate) fn decode_name(raw: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#' {
            if let (Some(h), Some(l)) =
                (raw.get(i + 1).and_then(|&b| hex_value(b)), raw.get(i + 2).and_then(|&b| hex_value(b)))
            {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
}

/// Whether a raw literal string reads as its own bytes (no escape, no carriage return).
#[inline]
pub(crate) fn literal_is_plain(raw: &[u8]) -> bool {
    !raw.iter().any(|&b| b == b'\\' || b == b'\r')
}

/// Appends a raw literal string's bytes with escapes decoded: `\n \r \t \b \f`, `\ddd` octal (the
/// overflow of `\777` ignored), a backslash before an end of line joining the lines, a backslash
/// before any other byte standing for it, and an unescaped end of line read as `\n`.
pub(crate) fn decode_literal(raw: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        i += 1;
        match b {
            b'\\' => {
                let Some(&e) = raw.get(i) else { break };
                i += 1;
                match e {
                    b'0'..=b'7' => {
                        let mut value = u16::from(e - b'0');
                        for _ in 0..2 {
                            match raw.get(i) {
                                Some(&d @ b'0'..=b'7') => {
                                    value = value * 8 + u16::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(value as u8);
                    }
                    b'\r' => {
                        if raw.get(i) == Some(&b'\n') {
                            i += 1;
                        }
                    }
                    b'\n' => {}
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0C),
                    other => out.push(other),
                }
            }
            b'\r' => {
                if raw.get(i) == Some(&b'\n') {
                    i += 1;
                }
                out.push(b'\n');
            }
            other => out.push(other),
        }
    }
}

/// Appends a raw hexadecimal string's bytes: digit pairs, white space ignored, an odd last
/// digit read as if followed by `0`.
pub(crate) fn decode_hex(raw: &[u8], out: &mut Vec<u8>) {
    let mut high: Option<u8> = None;
    for &b in raw {
        let Some(v) = hex_value(b) else { continue };
        match high.take() {
            Some(h) => out.push(h << 4 | v),
            None => high = Some(v),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
}

#[cfg(test)]
mod tests;
