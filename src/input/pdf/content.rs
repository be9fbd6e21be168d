//! The content-stream interpreter: a page's operators into positioned glyphs and ruling lines.
//!
//! Only what layout needs is tracked: the graphics state's CTM and text state (saved by `q`/`Q`),
//! the text matrices, and paths. Glyph positions are in user space (PDF points, y up) through the
//! CTM. Rulings are straight horizontal or vertical segments: stroked lines and rectangle edges,
//! and filled rectangles thinner than [`THIN_FILL`] (how Word, WPS and Chromium draw borders).
//! Form XObjects are run recursively with their `/Matrix` and `/Resources` up to
//! [`MAX_FORM_DEPTH`], never one that is already being drawn; images are only counted.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use super::document::Doc;
use super::filters::decode;
use super::font::Font;
use super::object::{Dict, Object, ObjectId};
use super::ops::{Operand, Ops};
use super::MAX_STREAM_BYTES;
use rustc_hash::FxBuildHasher;

/// A filled rectangle thinner than this (points) in one direction is a ruling line.
pub(crate) const THIN_FILL: f32 = 2.5;
/// Deepest nesting of Form XObjects that is followed.
pub(crate) const MAX_FORM_DEPTH: usize = 12;
/// Most glyphs kept for one page, so a hostile page cannot exhaust memory.
pub(crate) const MAX_GLYPHS_PER_PAGE: usize = 2_000_000;
/// Most bytes of text one page keeps (a bound on memory whatever the fonts map codes to).
pub(crate) const MAX_TEXT_BYTES_PER_PAGE: usize = 64 * 1024 * 1024;
/// Most ruling segments one page keeps: real tables have hundreds; the table finder is quadratic in
/// them.
pub(crate) const MAX_SEGMENTS_PER_PAGE: usize = 20_000;

/// A glyph placed on the page. Its text is `PageContent::text[text_start..text_end]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Glyph {
    /// Left edge of the glyph origin, user space.
    pub x: f32,
    /// Baseline, user space (y grows upward).
    pub y: f32,
    /// Advance width in user space.
    pub width: f32,
    /// Font size in user space.
    pub size: f32,
    pub bold: bool,
    pub text_start: u32,
    pub text_end: u32,
}

/// An axis-aligned ruling segment with `x0 <= x1`, `y0 <= y1` (one of the two pairs equal).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Segment {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

/// What a page draws that matters here.
#[derive(Debug, Default)]
pub(crate) struct PageContent {
    pub text: String,
    pub glyphs: Vec<Glyph>,
    pub segments: Vec<Segment>,
    pub images: u32,
    /// Problems met while reading (undecodable stream, truncated operators), for diagnostics.
    pub problems: Vec<String>,
    /// The glyph or text limit was reached (reported once).
    pub truncated: bool,
    /// The ruling-segment limit was reached (reported once).
    pub too_many_segments: bool,
}

impl PageContent {
    /// An empty content that keeps this one's buffers (text, glyphs, segments) for the next page
    /// to fill: pages of one document are much alike, and growing the buffers afresh on every page
    /// copied them over and over.
    pub(crate) fn recycle(self) -> PageContent {
        let PageContent { mut text, mut glyphs, mut segments, .. } = self;
        text.clear();
        glyphs.clear();
        segments.clear();
        PageContent { text, glyphs, segments, ..PageContent::default() }
    }

    /// The text of a glyph.
    pub(crate) fn glyph_text(&self, g: &Glyph) -> &str {
        &self.text[g.text_start as usize..g.text_end as usize]
    }
}

type Matrix = [f32; 6];
/// A box `[x0, y0, x1, y1]` in user space.
pub(crate) type Rect = [f32; 4];

/// Whether a point lies in a box, with half a point of slack.
fn inside(clip: &Rect, x: f32, y: f32) -> bool {
    x >= clip[0] - 0.5 && x <= clip[2] + 0.5 && y >= clip[1] - 0.5 && y <= clip[3] + 0.5
}

/// The part of an axis-aligned segment inside a box, if any.
fn clip_segment(seg: Segment, clip: &Rect) -> Option<Segment> {
    let clipped =
        Segment { x0: seg.x0.max(clip[0]), y0: seg.y0.max(clip[1]), x1: seg.x1.min(clip[2]), y1: seg.y1.min(clip[3]) };
    (clipped.x0 <= clipped.x1 + 0.5 && clipped.y0 <= clipped.y1 + 0.5).then_some(clipped)
}

/// The bounding box of a path's points.
fn path_box(path: &[Subpath]) -> Option<Rect> {
    let mut points = path.iter().flat_map(|sp| sp.points.iter());
    let &(x, y) = points.next()?;
    Some(points.fold([x, y, x, y], |b, &(x, y)| [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)]))
}
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `first` then `second`, as PDF composes matrices (`first × second`).
pub(crate) fn multiply(m1: &Matrix, m2: &Matrix) -> Matrix {
    [
        m1[0] * m2[0] + m1[1] * m2[2],
        m1[0] * m2[1] + m1[1] * m2[3],
        m1[2] * m2[0] + m1[3] * m2[2],
        m1[2] * m2[1] + m1[3] * m2[3],
        m1[4] * m2[0] + m1[5] * m2[2] + m2[4],
        m1[4] * m2[1] + m1[5] * m2[3] + m2[5],
    ]
}

fn apply(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

#[derive(Clone)]
struct GraphicsState<'d> {
    ctm: Matrix,
    font: Option<Rc<Font<'d>>>,
    size: f32,
    char_spacing: f32,
    word_spacing: f32,
    horizontal_scale: f32,
    leading: f32,
    rise: f32,
    render_mode: i64,
    /// The clipping region as a user-space box `[x0, y0, x1, y1]` (rectangular approximation).
    clip: Rect,
}

impl GraphicsState<'_> {
    fn new(ctm: Matrix, clip: Rect) -> Self {
        GraphicsState {
            ctm,
            font: None,
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            horizontal_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
            render_mode: 0,
            clip,
        }
    }
}

/// A subpath in user space (a curve ends it: curves are never rulings); `closed` after `h` or `re`.
#[derive(Default)]
struct Subpath {
    points: Vec<(f32, f32)>,
    closed: bool,
}

/// Narrows the clip to the current path's box when `W`/`W*` asked for it.
fn apply_clip(gs: &mut GraphicsState<'_>, pending: &mut bool, path: &[Subpath]) {
    if std::mem::take(pending) {
        if let Some(b) = path_box(path) {
            gs.clip = [gs.clip[0].max(b[0]), gs.clip[1].max(b[1]), gs.clip[2].min(b[2]), gs.clip[3].min(b[3])];
        }
    }
}

/// Fonts built so far for a document, by font dictionary object.
#[derive(Default)]
pub(crate) struct FontCache<'d> {
    fonts: HashMap<ObjectId, Rc<Font<'d>>, FxBuildHasher>,
}

impl<'d> FontCache<'d> {
    /// All fonts built, for the per-font unmapped-glyph report.
    pub(crate) fn fonts(&self) -> impl Iterator<Item = &Rc<Font<'d>>> {
        self.fonts.values()
    }
}

/// Runs content streams for one page.
pub(crate) struct Interpreter<'d, 'a, 'c> {
    doc: &'d Doc<'a>,
    fonts: &'c mut FontCache<'d>,
    /// Decompressed bytes the document may still use.
    budget: &'c mut usize,
    pub out: PageContent,
    /// Form XObjects being drawn, to refuse one drawing itself.
    form_stack: Vec<ObjectId>,
    /// Largest decompressed size of one stream (`Limits::max_inflated_bytes`).
    pub max_stream: usize,
    /// Deepest nesting of Form XObjects (`Limits::max_depth`, at most [`MAX_FORM_DEPTH`]).
    pub max_form_depth: usize,
}

fn number(obj: &Object) -> f32 {
    obj.as_f32().unwrap_or(0.0)
}

/// A sub-dictionary of a resources dictionary (`/Font`, `/XObject`), followed through references.
fn resource<'d, 'a>(doc: &'d Doc<'a>, resources: Option<&'d Dict<'a>>, kind: &[u8]) -> Option<&'d Dict<'a>> {
    doc.entry(resources?, kind).and_then(Object::as_dict)
}

impl<'d, 'a, 'c> Interpreter<'d, 'a, 'c> {
    /// An interpreter that draws into `out` (an empty page content, whose buffers may come from
    /// the page before: [`PageContent::recycle`]).
    pub(crate) fn new(doc: &'d Doc<'a>, fonts: &'c mut FontCache<'d>, budget: &'c mut usize, out: PageContent) -> Self {
        Interpreter {
            doc,
            fonts,
            budget,
            out,
            form_stack: Vec::new(),
            max_stream: MAX_STREAM_BYTES,
            max_form_depth: MAX_FORM_DEPTH,
        }
    }

    /// Decodes a stream within the per-stream and per-document limits.
    pub(crate) fn stream_bytes<'s>(&mut self, stream: &'s super::object::Stream<'_>) -> Result<Cow<'s, [u8]>, String> {
        let limit = self.max_stream.min(*self.budget);
        match decode(stream, limit) {
            Ok(bytes) => {
                *self.budget -= bytes.len().min(*self.budget);
                Ok(bytes)
            }
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
                Err(format!("decompresses to more than {limit} bytes (the per-stream or per-document limit: --max-inflated-mib, --max-inflated-total-mib)"))
            }
            Err(e) => Err(format!("cannot be decoded ({e})")),
        }
    }

    /// Runs one content stream's bytes with the given resources and initial CTM.
    /// `clip` is the region outside which nothing is seen (the page's box, or the clip in force
    /// where a form is drawn).
    pub(crate) fn run(&mut self, data: &[u8], resources: Option<&'d Dict<'a>>, ctm: Matrix, clip: Rect, what: &str) {
        let mut states = vec![GraphicsState::new(ctm, clip)];
        let mut pending_clip = false;
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        let mut path: Vec<Subpath> = Vec::new();
        // Fonts by resource name, for this stream.
        let mut by_name: HashMap<Vec<u8>, Option<Rc<Font<'d>>>, FxBuildHasher> = HashMap::default();
        let mut ops = Ops::new(data);
        let mut count = 0usize;
        loop {
            let operator = match ops.next() {
                Ok(Some(operator)) => operator,
                Ok(None) => break,
                Err(e) => {
                    self.out.problems.push(format!("{what} is truncated or malformed after {count} operators ({e})"));
                    break;
                }
            };
            count += 1;
            let op = ops.operands();
            let depth = states.len();
            let gs = states.last_mut().expect("the state stack is never empty");
            match operator {
                b"q" if depth < 256 => {
                    let top = gs.clone();
                    states.push(top);
                }
                b"Q" if depth > 1 => {
                    states.pop();
                }
                b"cm" => gs.ctm = multiply(&op.matrix(), &gs.ctm),
                b"BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                b"Tf" => {
                    gs.size = op.number(1);
                    gs.font = match op.name(0) {
                        Some(name) => match by_name.get(name) {
                            Some(font) => font.clone(),
                            None => {
                                let font = self.font(resources, name);
                                by_name.insert(name.to_vec(), font.clone());
                                font
                            }
                        },
                        None => None,
                    };
                }
                b"Tc" => gs.char_spacing = op.number(0),
                b"Tw" => gs.word_spacing = op.number(0),
                b"Tz" => gs.horizontal_scale = op.number(0) / 100.0,
                b"TL" => gs.leading = op.number(0),
                b"Ts" => gs.rise = op.number(0),
                b"Tr" => gs.render_mode = op.number(0) as i64,
                b"Tm" => {
                    tm = op.matrix();
                    tlm = tm;
                }
                b"Td" | b"TD" => {
                    if operator == b"TD" {
                        gs.leading = -op.number(1);
                    }
                    tlm = multiply(&[1.0, 0.0, 0.0, 1.0, op.number(0), op.number(1)], &tlm);
                    tm = tlm;
                }
                b"T*" => {
                    tlm = multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], &tlm);
                    tm = tlm;
                }
                b"Tj" | b"'" | b"\"" => {
                    if operator != b"Tj" {
                        if operator == b"\"" {
                            gs.word_spacing = op.number(0);
                            gs.char_spacing = op.number(1);
                        }
                        tlm = multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], &tlm);
                        tm = tlm;
                    }
                    if let Some(Operand::String(bytes)) = op.last() {
                        let gs = gs.clone();
                        self.show(&gs, &mut tm, op.bytes(bytes));
                    }
                }
                b"TJ" => {
                    let gs = gs.clone();
                    if let Some(items) = op.get(0).and_then(|o| op.elements(o)) {
                        for item in items {
                            match item {
                                Operand::String(bytes) => self.show(&gs, &mut tm, op.bytes(bytes)),
                                other => {
                                    let tx = -other.number() / 1000.0 * gs.size * gs.horizontal_scale;
                                    tm = multiply(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                                }
                            }
                        }
                    }
                }
                b"m" => {
                    let p = apply(&gs.ctm, op.number(0), op.number(1));
                    path.push(Subpath { points: vec![p], closed: false });
                }
                b"l" => {
                    let p = apply(&gs.ctm, op.number(0), op.number(1));
                    match path.last_mut() {
                        Some(sp) if !sp.closed => sp.points.push(p),
                        _ => path.push(Subpath { points: vec![p], closed: false }),
                    }
                }
                b"c" | b"v" | b"y" => {
                    // A curve is never a ruling: its end starts a fresh subpath.
                    let n = op.len();
                    if n >= 2 {
                        let p = apply(&gs.ctm, op.number(n - 2), op.number(n - 1));
                        path.push(Subpath { points: vec![p], closed: false });
                    }
                }
                b"h" => {
                    if let Some(sp) = path.last_mut() {
                        sp.closed = true;
                    }
                }
                b"re" => {
                    let (x, y, w, h) = (op.number(0), op.number(1), op.number(2), op.number(3));
                    let points = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
                        .iter()
                        .map(|&(px, py)| apply(&gs.ctm, px, py))
                        .collect();
                    path.push(Subpath { points, closed: true });
                }
                b"S" | b"s" => {
                    if operator == b"s" {
                        if let Some(sp) = path.last_mut() {
                            sp.closed = true;
                        }
                    }
                    self.stroke(&path, gs.clip);
                    apply_clip(gs, &mut pending_clip, &path);
                    path.clear();
                }
                b"f" | b"F" | b"f*" => {
                    self.fill(&path, gs.clip);
                    apply_clip(gs, &mut pending_clip, &path);
                    path.clear();
                }
                b"B" | b"B*" | b"b" | b"b*" => {
                    if operator.starts_with(b"b") {
                        if let Some(sp) = path.last_mut() {
                            sp.closed = true;
                        }
                    }
                    self.fill(&path, gs.clip);
                    self.stroke(&path, gs.clip);
                    apply_clip(gs, &mut pending_clip, &path);
                    path.clear();
                }
                b"W" | b"W*" => pending_clip = true,
                b"n" => {
                    apply_clip(gs, &mut pending_clip, &path);
                    path.clear();
                }
                b"Do" => {
                    if let Some(name) = op.name(0) {
                        let (ctm, clip) = (gs.ctm, gs.clip);
                        self.draw_xobject(resources, name, ctm, clip);
                    }
                }
                // The reader takes a whole inline image (BI … ID … EI) as one `BI` operation.
                b"BI" => self.out.images += 1,
                _ => {}
            }
        }
    }

    fn font(&mut self, resources: Option<&'d Dict<'a>>, name: &[u8]) -> Option<Rc<Font<'d>>> {
        let doc = self.doc;
        let entry = resource(doc, resources, b"Font")?.get(name)?;
        match entry {
            Object::Ref(id) => {
                if let Some(font) = self.fonts.fonts.get(id) {
                    return Some(font.clone());
                }
                let dict = doc.get_object(*id)?.as_dict()?;
                let font = Rc::new(Font::from_dict(doc, dict));
                self.fonts.fonts.insert(*id, font.clone());
                Some(font)
            }
            Object::Dict(dict) => Some(Rc::new(Font::from_dict(doc, dict))),
            _ => None,
        }
    }

    /// Places the glyphs of one shown string and advances the text matrix.
    fn show(&mut self, gs: &GraphicsState<'d>, tm: &mut Matrix, bytes: &[u8]) {
        let Some(font) = gs.font.clone() else { return };
        let bold = font.bold || gs.render_mode == 2;
        font.decode(bytes, |g| {
            let base = multiply(tm, &gs.ctm);
            let (x, y) = apply(&base, 0.0, gs.rise);
            let glyph_width = g.width * gs.size * gs.horizontal_scale;
            let width = glyph_width * (base[0] * base[0] + base[1] * base[1]).sqrt();
            let size = gs.size * (base[2] * base[2] + base[3] * base[3]).sqrt();
            let visible = inside(&gs.clip, x + width / 2.0, y + 0.3 * size);
            let room = self.out.glyphs.len() < MAX_GLYPHS_PER_PAGE
                && self.out.text.len() + g.text.len() <= MAX_TEXT_BYTES_PER_PAGE;
            if visible && !room && !self.out.truncated {
                self.out.truncated = true;
                self.out.problems.push(format!(
                    "more than {MAX_GLYPHS_PER_PAGE} glyphs or {MAX_TEXT_BYTES_PER_PAGE} bytes of text; the rest is not read"
                ));
            }
            if visible && room && !g.text.is_empty() {
                // Within MAX_TEXT_BYTES_PER_PAGE, so the offsets fit in u32.
                let start = self.out.text.len() as u32;
                self.out.text.push_str(g.text);
                let end = self.out.text.len() as u32;
                self.out.glyphs.push(Glyph { x, y, width, size, bold, text_start: start, text_end: end });
            }
            let spacing = gs.char_spacing + if g.is_word_space { gs.word_spacing } else { 0.0 };
            let tx = (g.width * gs.size + spacing) * gs.horizontal_scale;
            *tm = multiply(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], tm);
        });
    }

    fn add_segment(&mut self, seg: Segment, clip: &Rect) {
        if let Some(seg) = clip_segment(seg, clip) {
            if self.out.segments.len() < MAX_SEGMENTS_PER_PAGE {
                self.out.segments.push(seg);
            } else if !self.out.too_many_segments {
                self.out.too_many_segments = true;
                self.out
                    .problems
                    .push(format!("more than {MAX_SEGMENTS_PER_PAGE} ruling segments; the rest are ignored"));
            }
        }
    }

    fn push_segment(&mut self, (ax, ay): (f32, f32), (bx, by): (f32, f32), clip: &Rect) {
        let (dx, dy) = ((ax - bx).abs(), (ay - by).abs());
        if dx < 0.5 && dy >= 0.5 || dy < 0.5 && dx >= 0.5 {
            let seg = Segment { x0: ax.min(bx), y0: ay.min(by), x1: ax.max(bx), y1: ay.max(by) };
            if dx < 0.5 {
                let x = (ax + bx) / 2.0;
                self.add_segment(Segment { x0: x, x1: x, ..seg }, clip);
            } else {
                let y = (ay + by) / 2.0;
                self.add_segment(Segment { y0: y, y1: y, ..seg }, clip);
            }
        }
    }

    fn stroke(&mut self, path: &[Subpath], clip: Rect) {
        for sp in path {
            for pair in sp.points.windows(2) {
                self.push_segment(pair[0], pair[1], &clip);
            }
            if sp.closed && sp.points.len() > 2 {
                self.push_segment(sp.points[sp.points.len() - 1], sp.points[0], &clip);
            }
        }
    }

    /// Thin filled rectangles become the line through their middle.
    fn fill(&mut self, path: &[Subpath], clip: Rect) {
        for sp in path {
            if sp.points.len() < 3 || sp.points.len() > 5 {
                continue;
            }
            let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
            for &(x, y) in &sp.points {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
            let on_corner = |&(x, y): &(f32, f32)| {
                ((x - x0).abs() < 0.5 || (x - x1).abs() < 0.5) && ((y - y0).abs() < 0.5 || (y - y1).abs() < 0.5)
            };
            if !sp.points.iter().all(on_corner) {
                continue;
            }
            let (w, h) = (x1 - x0, y1 - y0);
            if h < THIN_FILL && w > h {
                let y = (y0 + y1) / 2.0;
                self.add_segment(Segment { x0, y0: y, x1, y1: y }, &clip);
            } else if w < THIN_FILL && h > w {
                let x = (x0 + x1) / 2.0;
                self.add_segment(Segment { x0: x, y0, x1: x, y1 }, &clip);
            }
        }
    }

    fn draw_xobject(&mut self, resources: Option<&'d Dict<'a>>, name: &[u8], ctm: Matrix, clip: Rect) {
        let doc = self.doc;
        let Some(Object::Ref(id)) = resource(doc, resources, b"XObject").and_then(|d| d.get(name)) else {
            return;
        };
        let Some(stream) = doc.get_object(*id).and_then(Object::as_stream) else { return };
        match stream.dict.name(b"Subtype") {
            Some(b"Image") => self.out.images += 1,
            Some(b"Form") => {
                if self.form_stack.len() >= self.max_form_depth || self.form_stack.contains(id) {
                    self.out.problems.push(format!(
                        "form XObject {} {} R is drawn inside itself or nested deeper than {}; skipped",
                        id.0, id.1, self.max_form_depth
                    ));
                    return;
                }
                let matrix = stream
                    .dict
                    .get(b"Matrix")
                    .and_then(Object::as_array)
                    .filter(|a| a.len() == 6)
                    .map(|a| [number(&a[0]), number(&a[1]), number(&a[2]), number(&a[3]), number(&a[4]), number(&a[5])])
                    .unwrap_or(IDENTITY);
                let form_resources = doc.entry(&stream.dict, b"Resources").and_then(Object::as_dict).or(resources);
                let what = format!("form XObject {} {} R", id.0, id.1);
                match self.stream_bytes(stream) {
                    Ok(data) => {
                        self.form_stack.push(*id);
                        self.run(&data, form_resources, multiply(&matrix, &ctm), clip, &what);
                        self.form_stack.pop();
                    }
                    Err(e) => self.out.problems.push(format!("{what} {e}")),
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recycled_page_is_empty_and_keeps_its_buffers() {
        let mut page = PageContent { images: 2, truncated: true, too_many_segments: true, ..Default::default() };
        page.text.push_str("基教处");
        page.glyphs.push(Glyph { x: 1.0, y: 2.0, width: 3.0, size: 4.0, bold: false, text_start: 0, text_end: 3 });
        page.segments.push(Segment { x0: 0.0, y0: 0.0, x1: 1.0, y1: 0.0 });
        page.problems.push("a problem".into());
        let (text, glyphs, segments) = (page.text.capacity(), page.glyphs.capacity(), page.segments.capacity());
        let next = page.recycle();
        assert!(next.text.is_empty() && next.glyphs.is_empty() && next.segments.is_empty() && next.problems.is_empty());
        assert_eq!((next.images, next.truncated, next.too_many_segments), (0, false, false));
        assert_eq!((next.text.capacity(), next.glyphs.capacity(), next.segments.capacity()), (text, glyphs, segments));
    }
}
