//! The lazy file: a PDF's cross-reference data, and its objects parsed when first asked for.
//!
//! A conversion reads the page tree, the pages' resources and content streams, the fonts and
//! their maps: in a browser's printout (a Type 3 font per glyph run, a glyph procedure per glyph)
//! that is a fraction of the objects, and lopdf parses every one before the first page can be
//! read. [`LazyFile::open`] reads only the cross-reference sections (tables and streams, the
//! `/Prev` chain) and the trailer; [`LazyFile::get`] parses an object (from its offset, or from
//! its object stream, decoded once) the first time it is reached.
//!
//! It reads well-formed files only, exactly as lopdf reads them: anything lopdf would repair,
//! skip or decrypt — no `startxref`, an offset that does not point at its object, a stream
//! whose `/Length` is wrong, encryption, a hybrid-reference file, a syntax error in a reached
//! object — makes [`LazyFile::open`] fail or records a failure ([`LazyFile::failure`]), and the
//! caller reads the file again through lopdf ([`super::document`]), so every file reads the
//! same whichever path reads it.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::filters::decode_plain;
use super::lexer::{Lexer, Token};
use super::object::{self, Dict, Object, ObjectId, Stream};

/// A cross-reference entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    Free,
    Normal { offset: u32, generation: u16 },
    Compressed { container: u32 },
}

/// Why the lazy path gave up (the file is then read by lopdf).
pub(crate) type Failure = &'static str;

/// An object stream, decoded: its data and where each member starts.
struct Container {
    data: Vec<u8>,
    /// (object number, offset in `data`), in index order.
    members: Vec<(u32, usize)>,
}

/// Most cross-reference sections followed through `/Prev`.
const MAX_SECTIONS: usize = 4096;

pub(crate) struct LazyFile<'a> {
    /// The file from its `%PDF-` on (offsets count from there, as lopdf counts them).
    bytes: &'a [u8],
    ids: Vec<u32>,
    entries: Vec<Entry>,
    cells: Vec<OnceCell<Option<Object<'a>>>>,
    /// Entries whose object is being parsed (a `/Length` that refers back to its own stream).
    loading: RefCell<Vec<usize>>,
    containers: RefCell<HashMap<u32, Rc<Option<Container>>>>,
    failure: RefCell<Option<Failure>>,
    trailer: Dict<'a>,
    /// Whether any object may live in an object stream (then an object missing from the
    /// cross-reference data may still be one lopdf finds).
    object_streams: bool,
    max_stream: usize,
    /// Objects in use: the cross-reference entries plus the members of every object stream.
    pub(crate) objects: u64,
}

/// lopdf's `startxref` lookup: the last `%%EOF` in the last kilobyte before trailing white
/// space, `startxref` within 25 bytes before it, then the offset.
fn startxref(bytes: &[u8]) -> Option<usize> {
    let end = bytes.iter().rposition(|c| !b" \t\n\r\0\x0C".contains(c)).map_or(0, |p| p + 1);
    let seek = end - end.min(1024);
    let rfind = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..)?.windows(needle.len()).rposition(|w| w == needle).map(|p| from + p)
    };
    let eof = rfind(&bytes[..end], b"%%EOF", seek).filter(|&p| p > 25)?;
    let at = rfind(&bytes[..eof], b"startxref", eof - 25)?;
    let mut rest = &bytes[at + 9..];
    rest = rest.strip_prefix(b" ").unwrap_or(rest);
    rest = strip_eol(rest)?;
    let spaces = rest.iter().take_while(|&&b| b == b' ').count();
    rest = &rest[spaces..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let offset: usize = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    rest = &rest[digits..];
    rest = &rest[rest.iter().take_while(|&&b| b == b' ').count()..];
    strip_eol(rest)?.starts_with(b"%%EOF").then_some(offset)
}

fn strip_eol(rest: &[u8]) -> Option<&[u8]> {
    rest.strip_prefix(b"\r\n").or_else(|| rest.strip_prefix(b"\n")).or_else(|| rest.strip_prefix(b"\r"))
}

/// An unsigned integer token written as digits.
fn unsigned(lexer: &mut Lexer<'_>) -> Option<u64> {
    lexer.skip_space();
    let start = lexer.pos();
    match lexer.next() {
        Ok(Some(Token::Int(i))) if lexer.data()[start].is_ascii_digit() => u64::try_from(i).ok(),
        _ => None,
    }
}

/// `n g obj` at the lexer's position.
fn object_header(lexer: &mut Lexer<'_>) -> Option<ObjectId> {
    let number = u32::try_from(unsigned(lexer)?).ok()?;
    let generation = u16::try_from(unsigned(lexer)?).ok()?;
    matches!(lexer.next(), Ok(Some(Token::Keyword(b"obj")))).then_some((number, generation))
}

/// Whether `n g obj` starts here, as lopdf recognises an object header.
fn starts_object(bytes: &[u8]) -> bool {
    let digits = |b: &[u8], cap: usize| {
        let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
        (0 < n && n <= cap).then_some(n)
    };
    let spaces = |b: &[u8]| {
        let n = b.iter().take_while(|&&c| matches!(c, b' ' | b'\t' | b'\r' | b'\n')).count();
        (n > 0).then_some(n)
    };
    (|| {
        let mut rest = bytes;
        for cap in [10, 5] {
            rest = &rest[digits(rest, cap)?..];
            rest = &rest[spaces(rest)?..];
        }
        let tail = rest.strip_prefix(b"obj")?;
        tail.first().is_none_or(|b| !b.is_ascii_alphanumeric()).then_some(())
    })()
    .is_some()
}

/// A cross-reference table at `at` (which starts with `xref`) and its trailer, as lopdf's
/// parser reads them: subsections of `start count`, entries `offset generation n|f` ending in a
/// two-byte or (leniently) one-byte end of line; the count is not trusted.
fn xref_table<'a>(bytes: &'a [u8], at: usize) -> Option<(Vec<(u32, Entry)>, Dict<'a>)> {
    let mut rest = &bytes[at + 4..];
    rest = rest.strip_prefix(b" ").unwrap_or(rest);
    rest = strip_eol(rest)?;
    let number = |rest: &mut &[u8]| -> Option<u64> {
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 19 {
            return None;
        }
        let v = std::str::from_utf8(&rest[..n]).ok()?.parse().ok()?;
        *rest = &rest[n..];
        Some(v)
    };
    let mut entries = Vec::new();
    let mut sections = 0;
    loop {
        let mut line = rest;
        let Some(start) = number(&mut line) else { break };
        let Some(b' ') = line.first() else { break };
        line = &line[1..];
        if number(&mut line).is_none() {
            break;
        }
        line = line.strip_prefix(b" ").unwrap_or(line);
        let Some(after) = strip_eol(line) else { break };
        rest = after;
        sections += 1;
        let mut index = 0u64;
        loop {
            let mut e = rest;
            let Some(offset) = number(&mut e) else { break };
            let Some(b' ') = e.first() else { break };
            e = &e[1..];
            let Some(generation) = number(&mut e) else { break };
            let (Some(b' '), Some(&kind)) = (e.first(), e.get(1)) else { break };
            if kind != b'n' && kind != b'f' {
                break;
            }
            e = &e[2..];
            let eol = [&b" \r"[..], b" \n", b"\r\n", b"\n", b"\r"].into_iter().find(|t| e.starts_with(t));
            let Some(eol) = eol else { break };
            rest = &e[eol.len()..];
            let entry = if kind == b'f' {
                Some(Entry::Free)
            } else {
                match (u32::try_from(offset), u16::try_from(generation)) {
                    (Ok(offset), Ok(generation)) => Some(Entry::Normal { offset, generation }),
                    // lopdf reads the offset as u32 and skips a generation beyond u16.
                    (Err(_), _) => return None,
                    (_, Err(_)) => None,
                }
            };
            if let (Some(entry), Some(id)) = (entry, start.checked_add(index).and_then(|i| u32::try_from(i).ok())) {
                entries.push((id, entry));
            }
            index += 1;
        }
    }
    if sections == 0 {
        return None;
    }
    let mut lexer = Lexer::at(bytes, bytes.len() - rest.len());
    lexer.skip_space();
    if !matches!(lexer.next(), Ok(Some(Token::Keyword(b"trailer")))) {
        return None;
    }
    lexer.skip_space();
    let trailer = match object::parse_object(&mut lexer).ok()? {
        Object::Dict(d) => d,
        _ => return None,
    };
    trailer.get(b"Size")?.as_i64()?;
    Some((entries, trailer))
}

/// A cross-reference stream at `at` and its dictionary (the section's trailer).
fn xref_stream<'a>(bytes: &'a [u8], at: usize, max_stream: usize) -> Option<(Vec<(u32, Entry)>, Dict<'a>)> {
    let mut lexer = Lexer::at(bytes, at);
    object_header(&mut lexer)?;
    let stream = match parse_indirect_body(bytes, &mut lexer, &|_| None).ok()? {
        Object::Stream(s) => s,
        _ => return None,
    };
    let data = decode_plain(&stream, max_stream).ok()?.into_owned();
    let dict = stream.dict;
    let size = dict.get(b"Size")?.as_i64()?;
    let ints = |o: &Object| o.as_array()?.iter().map(Object::as_i64).collect::<Option<Vec<i64>>>();
    let index = match dict.get(b"Index") {
        Some(o) => ints(o)?,
        None => vec![0, size],
    };
    let widths = ints(dict.get(b"W")?)?;
    if widths.len() < 3 || widths[..3].iter().any(|w| !(0..=8).contains(w)) {
        return None;
    }
    let w = [widths[0] as usize, widths[1] as usize, widths[2] as usize];
    let entry_width = w[0] + w[1] + w[2];
    if entry_width == 0 {
        return None;
    }
    let total = index.chunks_exact(2).try_fold(0usize, |t, s| t.checked_add(usize::try_from(s[1]).ok()?))?;
    if total > data.len() / entry_width.max(3) {
        return None;
    }
    let mut entries = Vec::with_capacity(total);
    let mut at = 0usize;
    let mut field = |width: usize, default: u32| -> Option<u32> {
        if width == 0 {
            return Some(default);
        }
        let bytes = data.get(at..at + width)?;
        at += width;
        Some(bytes.iter().fold(0u32, |v, &b| (v << 8).wrapping_add(u32::from(b))))
    };
    for section in index.chunks_exact(2) {
        let (start, count) = (section[0], section[1]);
        for j in 0..count {
            let kind = field(w[0], 1)?;
            let second = field(w[1], 0)?;
            let third = field(w[2], 0)?;
            let entry = match kind {
                0 => Some(Entry::Free),
                1 => Some(Entry::Normal { offset: second, generation: third as u16 }),
                2 => Some(Entry::Compressed { container: second }),
                _ => None,
            };
            if let (Some(entry), Some(id)) = (entry, start.checked_add(j).and_then(|i| u32::try_from(i).ok())) {
                entries.push((id, entry));
            }
        }
    }
    let trailer =
        Dict(dict.0.into_iter().filter(|(k, _)| !matches!(k.as_ref(), b"Length" | b"W" | b"Index")).collect());
    Some((entries, trailer))
}

/// The object after an object header: a dictionary, followed by `stream` and exactly `/Length`
/// bytes and `endstream` when it is a stream, or any other object. `length` resolves an
/// indirect `/Length`.
fn parse_indirect_body<'a>(
    bytes: &'a [u8],
    lexer: &mut Lexer<'a>,
    length: &dyn Fn(ObjectId) -> Option<i64>,
) -> Result<Object<'a>, Failure> {
    let object = object::parse_object(lexer).map_err(|_| "an object could not be parsed")?;
    let Object::Dict(dict) = object else { return Ok(object) };
    let mut probe = *lexer;
    probe.skip_space();
    let mut at = probe.pos();
    if !bytes[at..].starts_with(b"stream") {
        return Ok(Object::Dict(dict));
    }
    at += 6;
    while matches!(bytes.get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    let rest = strip_eol(&bytes[at..]).ok_or("a stream keyword without an end of line")?;
    let start = bytes.len() - rest.len();
    let len = match dict.get(b"Length") {
        Some(Object::Int(l)) => Some(*l),
        Some(Object::Ref(id)) => length(*id),
        _ => None,
    };
    let len = len.and_then(|l| usize::try_from(l).ok()).ok_or("a stream without a usable /Length")?;
    let end = start.checked_add(len).filter(|&e| e <= bytes.len()).ok_or("a stream running past the file")?;
    let after = &bytes[end..];
    let after = strip_eol(after).unwrap_or(after);
    if !after.starts_with(b"endstream") {
        return Err("a stream whose /Length does not end at endstream");
    }
    lexer.set_pos(bytes.len() - after.len() + 9);
    Ok(Object::Stream(Box::new(Stream { dict, data: std::borrow::Cow::Borrowed(&bytes[start..end]) })))
}

impl<'a> LazyFile<'a> {
    /// Reads the cross-reference data of a well-formed, unencrypted file.
    pub(crate) fn open(file: &'a [u8], max_stream: usize) -> Result<LazyFile<'a>, Failure> {
        let offset = file.windows(5).position(|w| w == b"%PDF-").ok_or("no header")?;
        let bytes = &file[offset..];
        if !bytes.iter().take(1024).any(|&b| b == b'\n' || b == b'\r') {
            return Err("no end of line after the header");
        }
        let mut at = startxref(bytes).ok_or("no startxref")?;
        let mut merged: BTreeMap<u32, Entry> = BTreeMap::new();
        let mut trailer: Option<Dict<'a>> = None;
        let mut seen = Vec::new();
        loop {
            if at >= bytes.len() || seen.contains(&at) || seen.len() >= MAX_SECTIONS {
                return Err("a cross-reference offset that leads nowhere or back");
            }
            seen.push(at);
            let section = if bytes[at..].starts_with(b"xref") {
                xref_table(bytes, at)
            } else if starts_object(&bytes[at..]) {
                xref_stream(bytes, at, max_stream)
            } else {
                return Err("a cross-reference offset that points at neither a table nor a stream");
            };
            let (entries, section_trailer) = section.ok_or("a cross-reference section that does not parse")?;
            if section_trailer.get(b"XRefStm").is_some() {
                return Err("a hybrid-reference file");
            }
            if section_trailer.get(b"Encrypt").is_some() {
                return Err("an encrypted file");
            }
            for (id, entry) in entries {
                merged.entry(id).or_insert(entry);
            }
            let prev = section_trailer.get(b"Prev").map(|p| p.as_i64().ok_or("a /Prev that is not an integer"));
            if trailer.is_none() {
                trailer = Some(section_trailer);
            }
            match prev {
                None => break,
                Some(prev) => {
                    let prev = usize::try_from(prev?).map_err(|_| "a negative /Prev")?;
                    if seen.contains(&prev) {
                        break;
                    }
                    at = prev;
                }
            }
        }
        let mut trailer = trailer.expect("one section was read");
        trailer.0.retain(|(k, _)| k.as_ref() != b"Prev");
        let object_streams = merged.values().any(|e| matches!(e, Entry::Compressed { .. }));
        let in_use = merged.values().filter(|e| !matches!(e, Entry::Free)).count() as u64;
        let (ids, entries): (Vec<u32>, Vec<Entry>) = merged.into_iter().unzip();
        let cells = (0..ids.len()).map(|_| OnceCell::new()).collect();
        let mut file = LazyFile {
            bytes,
            ids,
            entries,
            cells,
            loading: RefCell::default(),
            containers: RefCell::default(),
            failure: RefCell::default(),
            trailer,
            object_streams,
            max_stream,
            objects: in_use,
        };
        file.objects += file.count_object_stream_members()?;
        Ok(file)
    }

    /// Members of every object stream the file holds, reached or not (lopdf builds them all, and
    /// the object limit counts them): each `/ObjStm` in the file's bytes inside an object the
    /// cross-reference data lists.
    fn count_object_stream_members(&mut self) -> Result<u64, Failure> {
        let mut starts: Vec<(usize, usize)> = (0..self.ids.len())
            .filter_map(|i| match self.entries[i] {
                Entry::Normal { offset, .. } => Some((offset as usize, i)),
                _ => None,
            })
            .collect();
        starts.sort_unstable();
        let mut counted = 0u64;
        let mut done = Vec::new();
        for hit in memchr::memmem::find_iter(self.bytes, b"/ObjStm") {
            let k = starts.partition_point(|&(o, _)| o <= hit);
            let Some(&(_, i)) = k.checked_sub(1).and_then(|k| starts.get(k)) else { continue };
            if done.contains(&i) {
                continue;
            }
            done.push(i);
            let number = self.ids[i];
            let Some(Object::Stream(s)) = self.object_at(i) else { continue };
            if !s.dict.has_type(b"ObjStm") {
                continue;
            }
            self.object_streams = true;
            if let Some(container) = self.container(number).as_ref() {
                counted += container.members.len() as u64;
            }
        }
        match self.failure() {
            Some(why) => Err(why),
            None => Ok(counted),
        }
    }

    pub(crate) fn trailer(&self) -> &Dict<'a> {
        &self.trailer
    }

    /// Why a reached object could not be read as lopdf reads it, if one could not.
    pub(crate) fn failure(&self) -> Option<Failure> {
        *self.failure.borrow()
    }

    fn fail(&self, why: Failure) {
        self.failure.borrow_mut().get_or_insert(why);
    }

    /// The object with this number and generation, parsed on first use; `None` when the file
    /// has none (or it could not be read: then [`LazyFile::failure`] says so).
    pub(crate) fn get(&self, id: ObjectId) -> Option<&Object<'a>> {
        let Ok(i) = self.ids.binary_search(&id.0) else {
            if self.object_streams {
                // lopdf also keeps object stream members the cross-reference data leaves out.
                self.fail("an object missing from the cross-reference data of a file with object streams");
            }
            return None;
        };
        match self.entries[i] {
            Entry::Free => None,
            Entry::Normal { generation, .. } if generation != id.1 => None,
            Entry::Compressed { .. } if id.1 != 0 => None,
            _ => self.object_at(i),
        }
    }

    fn object_at(&self, i: usize) -> Option<&Object<'a>> {
        if let Some(object) = self.cells[i].get() {
            return object.as_ref();
        }
        if self.loading.borrow().contains(&i) {
            self.fail("an object whose /Length refers to itself");
            return None;
        }
        self.loading.borrow_mut().push(i);
        let object = match self.entries[i] {
            Entry::Normal { offset, generation } => self.load_normal((self.ids[i], generation), offset as usize),
            Entry::Compressed { container } => self.load_member(self.ids[i], container),
            Entry::Free => None,
        };
        self.loading.borrow_mut().retain(|&k| k != i);
        self.cells[i].get_or_init(|| object).as_ref()
    }

    fn load_normal(&self, id: ObjectId, offset: usize) -> Option<Object<'a>> {
        let bytes = self.bytes;
        if offset >= bytes.len() {
            self.fail("an offset past the end of the file");
            return None;
        }
        let mut lexer = Lexer::at(bytes, offset);
        if object_header(&mut lexer) != Some(id) {
            self.fail("an offset that does not point at its object");
            return None;
        }
        let length = |id: ObjectId| self.get(id).and_then(Object::as_i64);
        match parse_indirect_body(bytes, &mut lexer, &length) {
            Ok(object) => Some(object),
            Err(why) => {
                self.fail(why);
                None
            }
        }
    }

    /// The object stream `number`, decoded and indexed once.
    fn container(&self, number: u32) -> Rc<Option<Container>> {
        if let Some(c) = self.containers.borrow().get(&number) {
            return c.clone();
        }
        let container = self.decode_container(number);
        let container = Rc::new(container);
        self.containers.borrow_mut().insert(number, container.clone());
        container
    }

    fn decode_container(&self, number: u32) -> Option<Container> {
        let i = self.ids.binary_search(&number).ok()?;
        let Entry::Normal { .. } = self.entries[i] else {
            self.fail("an object stream inside an object stream");
            return None;
        };
        let stream = self.object_at(i)?.as_stream()?;
        let data = match decode_plain(stream, self.max_stream) {
            Ok(d) => d.into_owned(),
            Err(_) => {
                self.fail("an object stream that cannot be decoded");
                return None;
            }
        };
        if data.is_empty() {
            return Some(Container { data, members: Vec::new() });
        }
        let Some(first) = stream.dict.get(b"First").and_then(Object::as_i64).and_then(|f| usize::try_from(f).ok())
        else {
            self.fail("an object stream without /First");
            return None;
        };
        let Some(index) = data.get(..first).and_then(|i| std::str::from_utf8(i).ok()) else {
            self.fail("an object stream whose index does not read");
            return None;
        };
        let numbers: Vec<Option<u32>> = index
            .split(['\r', '\n'])
            .flat_map(|line| line.split('%').next().unwrap_or_default().split_whitespace())
            .map(|n| n.parse().ok())
            .collect();
        let members = numbers.chunks_exact(2).filter_map(|pair| Some((pair[0]?, first + pair[1]? as usize))).collect();
        Some(Container { data, members })
    }

    fn load_member(&self, number: u32, container: u32) -> Option<Object<'a>> {
        let c = self.container(container);
        let c = c.as_ref().as_ref()?;
        // lopdf keeps the last member with this number.
        let &(_, offset) = c.members.iter().rev().find(|(n, _)| *n == number)?;
        if offset >= c.data.len() {
            return None;
        }
        let mut lexer = Lexer::at(&c.data, offset);
        lexer.skip_space();
        if lexer.pos() >= c.data.len() {
            return None;
        }
        match object::parse_object(&mut lexer) {
            Ok(object) => Some(object.into_owned()),
            Err(_) => {
                self.fail("an object stream member that does not parse");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
