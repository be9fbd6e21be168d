//! The opened document: objects, references followed, the page tree in order, a page's content
//! streams, and stream data decoded under the limits.
//!
//! A well-formed file is read lazily ([`super::xref::LazyFile`]); any other — damaged, encrypted,
//! or one the lazy path gave up on — is loaded whole by lopdf as before ([`open_with_lopdf`]:
//! its objects counted against `--max-pdf-objects`, a broken cross-reference table rebuilt by
//! scanning, an empty user password tried) and its objects taken over. The walks here (page
//! tree, contents) are lopdf's, so both paths give the same pages. Stream filters are in
//! [`super::filters`].

use std::borrow::Cow;
use std::collections::HashMap;

use super::object::{Dict, Object, ObjectId, Stream};
use super::xref::{Failure, LazyFile};
use super::PdfError;

/// Most references followed one after another (lopdf's bound).
const DEREF_LIMIT: usize = 128;
/// Deepest page tree walked (lopdf's bound).
const PAGE_TREE_DEPTH: usize = 256;

/// A document read whole by lopdf, in this reader's objects.
pub(crate) struct Loaded {
    objects: HashMap<ObjectId, Object<'static>>,
    trailer: Dict<'static>,
    pages: Vec<ObjectId>,
}

pub(crate) enum Doc<'a> {
    Lazy(LazyFile<'a>),
    Loaded(Loaded),
}

impl<'a> Doc<'a> {
    /// A document without objects, for tests.
    #[cfg(test)]
    pub(crate) fn empty() -> Doc<'static> {
        Doc::Loaded(Loaded { objects: HashMap::new(), trailer: Dict::default(), pages: Vec::new() })
    }

    /// The object with this id, references not followed.
    pub(crate) fn get(&self, id: ObjectId) -> Option<&Object<'a>> {
        match self {
            Doc::Lazy(file) => file.get(id),
            Doc::Loaded(loaded) => loaded.objects.get(&id),
        }
    }

    /// The object with this id, references followed.
    pub(crate) fn get_object(&self, id: ObjectId) -> Option<&Object<'a>> {
        self.deref(self.get(id)?)
    }

    pub(crate) fn get_dict(&self, id: ObjectId) -> Option<&Dict<'a>> {
        self.get_object(id)?.as_dict()
    }

    /// An object with references followed (at most [`DEREF_LIMIT`]); `None` for a dangling one.
    pub(crate) fn deref<'s>(&'s self, mut object: &'s Object<'a>) -> Option<&'s Object<'a>> {
        let mut hops = 0;
        while let Object::Ref(id) = object {
            object = self.get(*id)?;
            hops += 1;
            if hops > DEREF_LIMIT {
                return None;
            }
        }
        Some(object)
    }

    /// A dictionary entry with references followed.
    pub(crate) fn entry<'s>(&'s self, dict: &'s Dict<'a>, key: &[u8]) -> Option<&'s Object<'a>> {
        self.deref(dict.get(key)?)
    }

    pub(crate) fn trailer(&self) -> &Dict<'a> {
        match self {
            Doc::Lazy(file) => file.trailer(),
            Doc::Loaded(loaded) => &loaded.trailer,
        }
    }

    /// Why the lazy path cannot go on (the file must be read by lopdf), if it cannot.
    pub(crate) fn failure(&self) -> Option<Failure> {
        match self {
            Doc::Lazy(file) => file.failure(),
            Doc::Loaded(_) => None,
        }
    }

    /// The pages in order, as lopdf's page-tree walk gives them. The lazy path fails on a tree
    /// that is not a tree (a node reached twice) or is deeper than lopdf walks.
    pub(crate) fn pages(&self) -> Result<Vec<ObjectId>, Failure> {
        let file = match self {
            Doc::Loaded(loaded) => return Ok(loaded.pages.clone()),
            Doc::Lazy(file) => file,
        };
        let kids = |id: ObjectId| -> Option<&[Object<'a>]> { self.entry(self.get_dict(id)?, b"Kids")?.as_array() };
        let catalog = self.trailer().get(b"Root").and_then(|r| match r {
            Object::Ref(id) => self.get_dict(*id),
            _ => None,
        });
        let Some(Object::Ref(root)) = catalog.and_then(|c| c.get(b"Pages")) else { return Ok(Vec::new()) };
        let mut pages = Vec::new();
        let mut seen = vec![*root];
        let mut stack: Vec<&[Object<'a>]> = Vec::new();
        let mut current = kids(*root);
        let mut steps = 0u64;
        loop {
            while let Some((kid, rest)) = current.and_then(|k| k.split_first()) {
                steps += 1;
                if steps > file.objects {
                    return Err("a page tree longer than the file's objects");
                }
                current = Some(rest);
                let Object::Ref(kid) = kid else { continue };
                let kind = self.get_dict(*kid).and_then(|d| match d.get(b"Type") {
                    Some(t) => t.as_name(),
                    None => d.get(b"Linearized").map(|_| &b"Linearized"[..]),
                });
                match kind {
                    Some(b"Page") => pages.push(*kid),
                    Some(b"Pages") => {
                        if seen.contains(kid) || stack.len() >= PAGE_TREE_DEPTH {
                            return Err("a page tree that is not a tree");
                        }
                        seen.push(*kid);
                        if !rest.is_empty() {
                            stack.push(rest);
                        }
                        current = kids(*kid);
                    }
                    Some(_) => {}
                    // A kid that is not a dictionary with a type stays a (blank) page.
                    None => pages.push(*kid),
                }
            }
            match stack.pop() {
                Some(kids) => current = Some(kids),
                None => break,
            }
        }
        match self.failure() {
            Some(why) => Err(why),
            None => Ok(pages),
        }
    }

    /// A page's content streams, as lopdf lists them: `/Contents` a stream (or a reference to
    /// nothing), or an array of references, possibly behind references.
    pub(crate) fn page_contents(&self, page: ObjectId) -> Vec<ObjectId> {
        let mut streams = Vec::new();
        let Some(mut contents) = self.get_dict(page).and_then(|p| p.get(b"Contents")) else { return streams };
        let mut hops = 0;
        loop {
            match contents {
                Object::Ref(id) => match self.get(*id) {
                    None | Some(Object::Stream(_)) => streams.push(*id),
                    Some(o) => {
                        hops += 1;
                        if hops < DEREF_LIMIT {
                            contents = o;
                            continue;
                        }
                    }
                },
                Object::Array(items) => {
                    streams.extend(items.iter().filter_map(|o| match o {
                        Object::Ref(id) => Some(*id),
                        _ => None,
                    }));
                }
                _ => {}
            }
            break;
        }
        streams
    }
}

fn from_lopdf(object: lopdf::Object) -> Object<'static> {
    match object {
        lopdf::Object::Null => Object::Null,
        lopdf::Object::Boolean(b) => Object::Bool(b),
        lopdf::Object::Integer(i) => Object::Int(i),
        lopdf::Object::Real(r) => Object::Real(r),
        lopdf::Object::Name(n) => Object::Name(Cow::Owned(n)),
        lopdf::Object::String(s, _) => Object::String(Cow::Owned(s)),
        lopdf::Object::Array(a) => Object::Array(a.into_iter().map(from_lopdf).collect()),
        lopdf::Object::Dictionary(d) => Object::Dict(from_lopdf_dict(d)),
        lopdf::Object::Reference(id) => Object::Ref(id),
        lopdf::Object::Stream(s) => {
            Object::Stream(Box::new(Stream { dict: from_lopdf_dict(s.dict), data: Cow::Owned(s.content) }))
        }
    }
}

fn from_lopdf_dict(dict: lopdf::Dictionary) -> Dict<'static> {
    Dict(dict.into_iter().map(|(k, v)| (Cow::Owned(k), from_lopdf(v))).collect())
}

/// Objects counted while lopdf loads a file on this thread, against the limit (see [`count_object`]).
#[derive(Clone, Copy, Default)]
struct ObjectCount {
    counted: u64,
    limit: u64,
    max_stream: usize,
    exceeded: bool,
}

thread_local! {
    static OBJECT_COUNT: std::cell::Cell<ObjectCount> = const {
        std::cell::Cell::new(ObjectCount { counted: 0, limit: u64::MAX, max_stream: usize::MAX, exceeded: false })
    };
}

/// Members of an object stream as lopdf will parse them: one per pair of numbers in the index
/// before `/First` (not `/N`, which lopdf only warns about when it disagrees).
fn object_stream_members(stream: &lopdf::Stream, max_stream: usize) -> u64 {
    let Ok(first) = stream.dict.get(b"First").and_then(lopdf::Object::as_i64) else { return 0 };
    let Ok(content) = stream.get_plain_content_with_limit(max_stream) else { return 0 };
    let index = &content[..usize::try_from(first).unwrap_or(0).min(content.len())];
    (index.split(|b| b.is_ascii_whitespace()).filter(|t| !t.is_empty()).count() / 2) as u64
}

/// lopdf's load filter: counts every object it loads, an object stream for each member it
/// holds (seen before lopdf parses them), and drops objects once the count passes the limit, so
/// that memory stays bounded; [`load`] then refuses the file.
fn count_object(id: lopdf::ObjectId, object: &mut lopdf::Object) -> Option<(lopdf::ObjectId, lopdf::Object)> {
    let mut count = OBJECT_COUNT.with(|c| c.get());
    if count.exceeded {
        return None;
    }
    let members = match &*object {
        lopdf::Object::Stream(s) if s.dict.has_type(b"ObjStm") => object_stream_members(s, count.max_stream),
        _ => 0,
    };
    count.counted = count.counted.saturating_add(1 + members);
    count.exceeded = count.counted > count.limit;
    OBJECT_COUNT.with(|c| c.set(count));
    if count.exceeded {
        return None;
    }
    // lopdf keeps its own copy of a top-level object and uses what is returned only for members
    // of object streams, which are never streams: streams need no copy.
    Some((id, if matches!(object, lopdf::Object::Stream(_)) { lopdf::Object::Null } else { object.clone() }))
}

/// Parses the file with lopdf, catching a parser panic as an error, with at most `max_objects`
/// objects loaded.
fn load(bytes: &[u8], options: lopdf::LoadOptions, max_objects: u64) -> Result<lopdf::Document, PdfError> {
    let max_stream = options.max_decompressed_size.unwrap_or(usize::MAX);
    OBJECT_COUNT.with(|c| c.set(ObjectCount { counted: 0, limit: max_objects, max_stream, exceeded: false }));
    let options = lopdf::LoadOptions { filter: Some(count_object), ..options };
    let loaded = std::panic::catch_unwind(|| lopdf::Document::load_mem_with_options(bytes, options))
        .map_err(|_| PdfError::Unreadable("the PDF parser failed on this file".into()));
    let count = OBJECT_COUNT.with(|c| c.replace(ObjectCount::default()));
    if count.exceeded {
        return Err(PdfError::TooManyObjects { counted: count.counted, limit: max_objects });
    }
    match loaded? {
        Ok(doc) => Ok(doc),
        Err(lopdf::Error::InvalidPassword) => {
            Err(PdfError::Encrypted("the empty user password does not open it".into()))
        }
        Err(lopdf::Error::Decryption(e)) => Err(PdfError::Encrypted(e.to_string())),
        Err(e) => Err(PdfError::Unreadable(e.to_string())),
    }
}

/// Opens the file with lopdf: it parses every object and decrypts the file when the user
/// password is empty. When the cross-reference table is broken (a truncated download), or read
/// but leads to no page, the objects are found again by scanning the file; the second value then
/// says so, for a diagnostic. (lopdf would rebuild a missing page tree by itself, but not for a
/// load with a filter, which counting objects needs.)
pub(crate) fn open_with_lopdf(
    bytes: &[u8],
    max_stream: usize,
    max_objects: u64,
) -> Result<(Doc<'static>, Option<String>), PdfError> {
    let options = || lopdf::LoadOptions { max_decompressed_size: Some(max_stream), ..Default::default() };
    let reconstruct = || load(bytes, lopdf::LoadOptions { force_reconstruct: true, ..options() }, max_objects);
    let (doc, repaired) = match load(bytes, options(), max_objects) {
        Ok(doc)
            if doc.get_pages().is_empty()
                && doc.xref_recovery != Some(lopdf::xref::XrefRecovery::Reconstructed)
                && (doc.trailer.get(b"Encrypt").is_err() || doc.encryption_state.is_some()) =>
        {
            match reconstruct() {
                Ok(rebuilt) if !rebuilt.get_pages().is_empty() => (rebuilt, None),
                _ => (doc, None),
            }
        }
        Ok(doc) => (doc, None),
        Err(PdfError::Unreadable(first)) => {
            let doc = reconstruct().map_err(|e| match e {
                e @ PdfError::TooManyObjects { .. } => e,
                _ => PdfError::Unreadable(first.clone()),
            })?;
            (doc, Some(first))
        }
        Err(e) => return Err(e),
    };
    if doc.trailer.get(b"Encrypt").is_ok() && doc.encryption_state.is_none() {
        return Err(PdfError::Encrypted("the empty user password does not open it".into()));
    }
    let pages = doc.get_pages().into_values().collect();
    let trailer = from_lopdf_dict(doc.trailer);
    let objects = doc.objects.into_iter().map(|(id, o)| (id, from_lopdf(o))).collect();
    Ok((Doc::Loaded(Loaded { objects, trailer, pages }), repaired))
}

/// Opens a well-formed file lazily; `None` when it is not one the lazy path reads.
pub(crate) fn open_lazy(bytes: &[u8], max_stream: usize, max_objects: u64) -> Result<Option<Doc<'_>>, PdfError> {
    match LazyFile::open(bytes, max_stream) {
        Ok(file) if file.objects > max_objects => {
            Err(PdfError::TooManyObjects { counted: file.objects, limit: max_objects })
        }
        Ok(file) => Ok(Some(Doc::Lazy(file))),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every object both paths give for a fixture, compared: the lazy path must read what lopdf
    /// reads.
    #[test]
    fn lazy_objects_equal_lopdf_objects_on_the_fixtures() {
        let files = super::super::fixture_pdfs();
        assert!(files.len() > 30);
        for path in files {
            let bytes = std::fs::read(&path).unwrap();
            let Some(lazy) = open_lazy(&bytes, usize::MAX, u64::MAX).unwrap() else {
                panic!("{}: the lazy path does not read it", path.display())
            };
            let (loaded, _) = open_with_lopdf(&bytes, usize::MAX, u64::MAX).unwrap();
            let Doc::Loaded(l) = &loaded else { unreachable!() };
            let mut ids: Vec<_> = l.objects.keys().copied().collect();
            ids.sort();
            for id in ids {
                let mut expected = l.objects[&id].clone();
                // lopdf rewrites a stream's /Length to its data's length.
                if let (Object::Stream(s), Some(Object::Stream(actual))) = (&mut expected, lazy.get(id)) {
                    if let Some(len) = actual.dict.get(b"Length") {
                        for (k, v) in &mut s.dict.0 {
                            if k.as_ref() == b"Length" {
                                *v = len.clone();
                            }
                        }
                    }
                }
                assert_eq!(lazy.get(id), Some(&expected), "{}: object {id:?}", path.display());
            }
            assert_eq!(lazy.pages().unwrap(), loaded.pages().unwrap(), "{}", path.display());
            assert_eq!(lazy.failure(), None, "{}", path.display());
            let trailer_keys = |d: &Doc| {
                let mut k: Vec<Vec<u8>> = d.trailer().0.iter().map(|(k, _)| k.to_vec()).collect();
                k.sort();
                k
            };
            assert_eq!(trailer_keys(&lazy), trailer_keys(&loaded), "{}", path.display());
        }
    }

    #[test]
    fn pages_of_a_tree_that_loops_are_left_to_lopdf() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pdf/seed-reportlab-cid.pdf")).unwrap();
        let mut doc = lopdf::Document::load_mem(&bytes).unwrap();
        let root = doc.catalog().unwrap().get(b"Pages").unwrap().as_reference().unwrap();
        let kids = doc.get_dictionary_mut(root).unwrap().get_mut(b"Kids").unwrap().as_array_mut().unwrap();
        kids.push(lopdf::Object::Reference(root));
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        let lazy = open_lazy(&out, usize::MAX, u64::MAX).unwrap().expect("well formed");
        assert!(lazy.pages().is_err());
    }
}
