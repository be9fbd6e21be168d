//! Stage 2 (front-end), `pdf`: PDF notices into the document model.
//!
//! A well-formed file is read lazily: its cross-reference data first ([`xref`]), then only the
//! objects the pages reach, parsed by [`object`] with the tokens of [`lexer`]; a file that is
//! damaged, encrypted or otherwise not read exactly as lopdf reads it is loaded whole by lopdf
//! instead ([`document`], which also decodes stream filters through lopdf). Each page's content
//! streams are read operation by operation ([`ops`]) and run by the interpreter in [`content`],
//! which yields positioned glyphs (decoded through [`font`], [`encoding`] and [`cmap`]) and
//! ruling segments; [`layout`] turns them into blocks: tables from rulings (lattice) or, on a
//! page without rulings, from column alignment (stream), and paragraphs and headings from the
//! remaining lines, in reading order. Every table row carries its page, so the `tables` stage can
//! stitch tables across pages.
//!
//! Limits come from [`crate::Limits`]: decompressed bytes per stream and per document, pages,
//! objects, and Form XObject nesting (at most [`content::MAX_FORM_DEPTH`] whatever the limit
//! says, for the stack's sake); a form never draws itself; the page tree is walked as lopdf walks
//! it, and one that is not a tree is left to lopdf. The time budget is checked between pages.
//! `read_pdf` (tests only) uses the default limits.

mod cmap;
mod content;
mod document;
pub(crate) mod draw;
mod encoding;
mod filters;
mod font;
pub(crate) mod layout;
mod lexer;
mod object;
mod ops;
mod xref;

use crate::diag::{Diagnostic, Location};
#[cfg(test)]
use crate::model::Block;
use crate::model::{DocProperties, Document};
pub(crate) use content::multiply;
use content::{FontCache, Interpreter};
use document::Doc;
use object::{Dict, Object};

/// Largest decompressed size of a font's ToUnicode CMap, and of a stream read outside
/// [`read_pdf_with`]'s limits.
pub(crate) const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;

/// Why a PDF could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("not a readable PDF (corrupt or truncated): {0}")]
    Unreadable(String),
    #[error("the PDF is encrypted and needs a password (only an empty user password can be opened): {0}")]
    Encrypted(String),
    #[error("the PDF has no pages")]
    NoPages,
    #[error("the PDF has {pages} pages, above the limit of {limit} (see --max-pages)")]
    TooManyPages { pages: usize, limit: usize },
    #[error(
        "the PDF has no text layer: none of its {pages} pages draws any text ({images} images); \
         run OCR first (e.g. `ocrmypdf --language chi_sim in.pdf out.pdf`)"
    )]
    NoTextLayer { pages: u32, images: u32 },
    #[error(
        "no text could be read from the PDF's {pages} pages: {problem}; \
         ({problems} problem(s) in all; the first is shown)"
    )]
    NoReadableText { pages: u32, problems: usize, problem: String },
    #[error(
        "the PDF holds more than {limit} objects ({counted} counted before loading stopped, those packed in \
         object streams included); each costs memory when loaded (see --max-pdf-objects)"
    )]
    TooManyObjects { counted: u64, limit: u64 },
    #[error(transparent)]
    Budget(#[from] crate::limits::BudgetExceeded),
}

/// Walks a page and its parents in the page tree (at most 64 steps) for the first value `find`
/// gives: how `/Resources`, `/MediaBox` and `/Rotate` are inherited.
fn inherited<'d, 'a, T>(doc: &'d Doc<'a>, page: &'d Dict<'a>, find: impl Fn(&'d Dict<'a>) -> Option<T>) -> Option<T> {
    let mut node = page;
    for _ in 0..64 {
        if let Some(found) = find(node) {
            return Some(found);
        }
        node = doc.entry(node, b"Parent").and_then(Object::as_dict)?;
    }
    None
}

/// A page's `/Resources`, looked up through the parent page-tree nodes when the page has none.
fn page_resources<'d, 'a>(doc: &'d Doc<'a>, page: &'d Dict<'a>) -> Option<&'d Dict<'a>> {
    inherited(doc, page, |node| doc.entry(node, b"Resources").and_then(Object::as_dict))
}

/// The page's `/MediaBox` (inherited too) as (x0, y0, x1, y1); A4 when absent.
fn media_box<'a>(doc: &Doc<'a>, page: &Dict<'a>) -> [f32; 4] {
    inherited(doc, page, |node| {
        let arr = doc.entry(node, b"MediaBox").and_then(Object::as_array)?;
        let v: Vec<f32> = arr.iter().filter_map(|o| doc.deref(o)?.as_f32()).collect();
        (v.len() == 4).then(|| [v[0].min(v[2]), v[1].min(v[3]), v[0].max(v[2]), v[1].max(v[3])])
    })
    .unwrap_or([0.0, 0.0, 595.0, 842.0])
}

/// The page's `/Rotate` (inherited too), normalized to 0, 90, 180 or 270.
fn rotation<'a>(doc: &Doc<'a>, page: &Dict<'a>) -> i64 {
    inherited(doc, page, |node| doc.entry(node, b"Rotate").and_then(Object::as_i64))
        .map_or(0, |r| r.rem_euclid(360) / 90 * 90)
}

/// How the page is seen: the matrix from its user space to the upright view (MediaBox moved to the
/// origin and `/Rotate` applied, so that a landscape ledger on a rotated page reads left to right)
/// and the view's box `[0, 0, width, height]`.
fn page_view<'a>(doc: &Doc<'a>, page: &Dict<'a>) -> ([f32; 6], [f32; 4]) {
    let [x0, y0, x1, y1] = media_box(doc, page);
    let (w, h) = (x1 - x0, y1 - y0);
    match rotation(doc, page) {
        90 => ([0.0, -1.0, 1.0, 0.0, -y0, x1], [0.0, 0.0, h, w]),
        180 => ([-1.0, 0.0, 0.0, -1.0, x1, y1], [0.0, 0.0, w, h]),
        270 => ([0.0, 1.0, -1.0, 0.0, y1, -x0], [0.0, 0.0, h, w]),
        _ => ([1.0, 0.0, 0.0, 1.0, -x0, -y0], [0.0, 0.0, w, h]),
    }
}

/// A PDF text string: UTF-16BE with a BOM, UTF-8 with a BOM, else PDFDocEncoding (read as Latin-1).
fn text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return cmap::utf16be_to_string(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    // PDFDocEncoding agrees with Latin-1 outside 0x18–0x1F and 0x80–0xA0, which titles rarely use.
    bytes.iter().map(|&b| b as char).collect()
}

fn info_title(doc: &Doc<'_>) -> Option<String> {
    let info = doc.entry(doc.trailer(), b"Info")?.as_dict()?;
    let title = text_string(doc.entry(info, b"Title")?.as_string()?).trim().to_string();
    (!title.is_empty()).then_some(title)
}

/// Every PDF under `fixtures/`, in path order (tests that compare a reader with lopdf's).
#[cfg(test)]
fn fixture_pdfs() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<_> = walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

/// Reads a PDF held in memory into the document model with the default limits (tests).
#[cfg(test)]
pub fn read_pdf(bytes: &[u8]) -> Result<(Document, Vec<Diagnostic>), PdfError> {
    read_pdf_with(bytes, &crate::Limits::default(), &crate::limits::Budget::unlimited())
}

/// Reads a PDF held in memory into the document model, with what was noticed on the way, under
/// `limits` and a time budget checked between pages.
///
/// Fails on a file that is not a PDF or cannot be parsed, on encryption other than an empty user
/// password, and on a PDF with no text at all (a scan: run OCR first). Problems of single pages
/// (an undecodable content stream, glyphs without Unicode) are diagnostics.
///
/// A well-formed file is read lazily, only the objects its pages reach; any other, or one in
/// which a reached object turns out malformed, is read again through lopdf (see
/// [`document`]).
pub fn read_pdf_with(
    bytes: &[u8],
    limits: &crate::Limits,
    time: &crate::limits::Budget,
) -> Result<(Document, Vec<Diagnostic>), PdfError> {
    if !crate::input::has_pdf_header(bytes) {
        return Err(PdfError::Unreadable("no %PDF- header in the first kilobyte".into()));
    }
    let max_stream = usize::try_from(limits.max_inflated_bytes).unwrap_or(usize::MAX);
    if let Some(doc) = document::open_lazy(bytes, max_stream, limits.max_pdf_objects)? {
        match read_document(&doc, None, limits, time) {
            Ok(read) if doc.failure().is_none() => return Ok(read),
            Err(Read::Failed(e)) if doc.failure().is_none() => return Err(e),
            _ => {}
        }
    }
    let (doc, repaired) = document::open_with_lopdf(bytes, max_stream, limits.max_pdf_objects)?;
    read_document(&doc, repaired, limits, time).map_err(|e| match e {
        Read::Failed(e) => e,
        Read::GiveUp(why) => PdfError::Unreadable(why.to_string()),
    })
}

/// Why [`read_document`] stopped.
enum Read {
    Failed(PdfError),
    /// The lazy path cannot read this file as lopdf would.
    GiveUp(xref::Failure),
}

impl From<PdfError> for Read {
    fn from(e: PdfError) -> Self {
        Read::Failed(e)
    }
}

impl From<crate::limits::BudgetExceeded> for Read {
    fn from(e: crate::limits::BudgetExceeded) -> Self {
        Read::Failed(e.into())
    }
}

/// Runs page `number` (object `page_id`, dictionary `page`) through the interpreter under
/// `limits`, sharing `fonts` and the document's inflation `budget` with the other pages: its
/// content in the upright view, and that view (`[0, 0, width, height]`, points). Problems inside
/// the content are kept in the content's `problems`. The content is written into `into` (an empty
/// [`content::PageContent`], whose buffers may come from the page before: `recycle`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_page<'d, 'a>(
    doc: &'d Doc<'a>,
    page_id: object::ObjectId,
    page: &'d Dict<'a>,
    number: u32,
    fonts: &mut FontCache<'d>,
    budget: &mut usize,
    limits: &crate::Limits,
    into: content::PageContent,
) -> (content::PageContent, [f32; 4]) {
    let resources = page_resources(doc, page);
    let (view_matrix, view) = page_view(doc, page);
    let mut interp = Interpreter::new(doc, fonts, budget, into);
    interp.max_stream = usize::try_from(limits.max_inflated_bytes).unwrap_or(usize::MAX);
    interp.max_form_depth = limits.max_depth.min(content::MAX_FORM_DEPTH);
    for stream_id in doc.page_contents(page_id) {
        let what = format!("content stream {} {} R of page {number}", stream_id.0, stream_id.1);
        let Some(stream) = doc.get_object(stream_id).and_then(Object::as_stream) else {
            interp.out.problems.push(format!("{what} is missing"));
            continue;
        };
        match interp.stream_bytes(stream) {
            Ok(data) => interp.run(&data, resources, view_matrix, view, &what),
            Err(e) => interp.out.problems.push(format!("{what} {e}")),
        }
    }
    (interp.out, view)
}

/// Reads every page of an opened document.
fn read_document(
    doc: &Doc<'_>,
    repaired: Option<String>,
    limits: &crate::Limits,
    time: &crate::limits::Budget,
) -> Result<(Document, Vec<Diagnostic>), Read> {
    let max_pages = usize::try_from(limits.max_pages).unwrap_or(usize::MAX);
    let pages = doc.pages().map_err(Read::GiveUp)?;
    if pages.is_empty() {
        if let Doc::Lazy(_) = doc {
            // lopdf looks for the page tree again by scanning the file.
            return Err(Read::GiveUp("no pages"));
        }
        return Err(Read::Failed(match repaired {
            Some(why) => PdfError::Unreadable(format!("{why}; no page could be recovered")),
            None => PdfError::NoPages,
        }));
    }
    if pages.len() > max_pages {
        return Err(PdfError::TooManyPages { pages: pages.len(), limit: max_pages }.into());
    }
    let mut diags = Vec::new();
    let mut text_right = f32::MIN;
    if let Some(why) = repaired {
        diags.push(Diagnostic::warning(
            crate::diag::DiagnosticKind::PdfRepaired,
            format!(
                "the file is damaged ({why}); its objects were recovered by scanning it and {} pages were found: \
                 pages or text may be missing (truncated download?)",
                pages.len()
            ),
            Location::default(),
        ));
    }
    let mut first_problem: Option<String> = None;
    let mut problem_count = 0usize;
    let mut fonts = FontCache::default();
    let mut budget = usize::try_from(limits.max_inflated_total_bytes).unwrap_or(usize::MAX);
    let mut blocks = Vec::new();
    let (mut total_glyphs, mut total_images) = (0usize, 0u32);
    // The last page's content, whose buffers the next page reuses.
    let mut spare = content::PageContent::default();
    for (index, &page_id) in pages.iter().enumerate() {
        let number = index as u32 + 1;
        time.check("reading PDF pages")?;
        let Some(page) = doc.get_dict(page_id) else {
            diags.push(Diagnostic::error(
                crate::diag::DiagnosticKind::PdfPageUnreadable,
                format!("page {number} (object {} {} R) is not a dictionary; skipped", page_id.0, page_id.1),
                Location::page(number),
            ));
            continue;
        };
        let into = std::mem::take(&mut spare).recycle();
        let (page_content, view) = run_page(doc, page_id, page, number, &mut fonts, &mut budget, limits, into);
        if let Some(why) = doc.failure() {
            return Err(Read::GiveUp(why));
        }
        for problem in &page_content.problems {
            problem_count += 1;
            first_problem.get_or_insert_with(|| format!("page {number}: {problem}"));
            diags.push(Diagnostic::error(
                crate::diag::DiagnosticKind::PdfContentUnreadable,
                format!("page {number}: {problem}; the page may be read only in part"),
                Location::page(number),
            ));
        }
        total_glyphs += page_content.glyphs.len();
        total_images += page_content.images;
        let unreadable = page_content.glyphs.iter().filter(|g| page_content.glyph_text(g) == "\u{FFFD}").count();
        if unreadable >= 10 && unreadable * 2 >= page_content.glyphs.len() {
            diags.push(Diagnostic::error(
                crate::diag::DiagnosticKind::PdfUnreadablePage,
                format!(
                    "page {number}: {unreadable} of {} glyphs have no Unicode mapping; its text cannot be trusted",
                    page_content.glyphs.len()
                ),
                Location::page(number),
            ));
        }
        time.check("laying out PDF pages")?;
        let (page_blocks, page_diags) = layout::layout_page(&page_content, view, number, &mut text_right);
        blocks.extend(page_blocks);
        diags.extend(page_diags);
        spare = page_content;
    }
    layout::carry_spans_across_pages(&mut blocks);
    layout::number_rows_cut_before_their_number(&mut blocks);
    if total_glyphs == 0 {
        // A page whose content could not be read (a stream past the size limit, say) is not a
        // scan: name what stopped it rather than suggest OCR.
        return Err(Read::Failed(match first_problem {
            Some(problem) => PdfError::NoReadableText { pages: pages.len() as u32, problems: problem_count, problem },
            None => PdfError::NoTextLayer { pages: pages.len() as u32, images: total_images },
        }));
    }
    let mut unmapped: Vec<(String, u32)> =
        fonts.fonts().filter(|f| f.unmapped.get() > 0).map(|f| (f.name.clone(), f.unmapped.get())).collect();
    unmapped.sort();
    for (name, count) in unmapped {
        diags.push(Diagnostic::warning(
            crate::diag::DiagnosticKind::PdfUnmappedGlyphs,
            format!("font {name:?}: {count} glyphs have no Unicode mapping and were read as U+FFFD"),
            Location::default(),
        ));
    }
    let title = info_title(doc);
    if let Some(why) = doc.failure() {
        return Err(Read::GiveUp(why));
    }
    let document = Document {
        pages: pages.len() as u32,
        blocks,
        links: Vec::new(),
        properties: DocProperties { title, ..Default::default() },
    };
    Ok((document, diags))
}

#[cfg(test)]
mod tests {
    use lopdf::{dictionary, Document as PdfDocument, Object, Stream};

    use super::*;

    /// A one-page PDF whose content shows `text` in Helvetica (WinAnsi) and draws Form XObject
    /// `/Fm1`, which draws itself.
    fn pdf_with_self_drawing_form(text: &str, title: &[u8]) -> Vec<u8> {
        let mut doc = PdfDocument::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica-Bold", "Encoding" => "WinAnsiEncoding",
        });
        let form_id = doc.new_object_id();
        let form = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
                "Resources" => dictionary! { "XObject" => dictionary! { "Fm1" => form_id } },
            },
            b"/Fm1 Do".to_vec(),
        );
        doc.objects.insert(form_id, Object::Stream(form));
        let content = format!("BT /F1 12 Tf 72 700 Td ({text}) Tj ET /Fm1 Do");
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Resources" => dictionary! {
                    "Font" => dictionary! { "F1" => font_id },
                    "XObject" => dictionary! { "Fm1" => form_id },
                },
            }),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        let info_id = doc.add_object(dictionary! { "Title" => Object::string_literal(title.to_vec()) });
        doc.trailer.set("Info", info_id);
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("saved");
        out
    }

    #[test]
    fn inherited_resources_simple_font_and_a_form_drawing_itself() {
        let bytes = pdf_with_self_drawing_form("Task list 2024", b"\xFE\xFF\x90\x1A\x77\xE5");
        let (doc, diags) = read_pdf(&bytes).expect("readable");
        assert_eq!(doc.pages, 1);
        assert_eq!(doc.properties.title.as_deref(), Some("通知"));
        let (text, origin, _) = doc.text_blocks().next().expect("one paragraph");
        assert_eq!(text, "Task list 2024");
        assert_eq!(origin.page, 1);
        assert!(
            matches!(&doc.blocks[0], Block::Paragraph { text, .. } | Block::Heading { text, .. } if text.is_all_bold())
        );
        assert!(diags.iter().any(|d| d.kind == "pdf-content-unreadable" && d.message.contains("inside itself")));
    }

    #[test]
    fn rotated_page_reads_upright() {
        // Text drawn upward along the y axis on a page shown rotated by 90°.
        let mut doc = PdfDocument::load_mem(&pdf_with_self_drawing_form("x", b"t")).expect("loads");
        let page_id = doc.get_pages()[&1];
        let content_id = doc.get_page_contents(page_id)[0];
        let text = b"BT /F1 12 Tf 0 1 -1 0 300 100 Tm (Ledger 2024) Tj ET".to_vec();
        doc.objects.insert(content_id, Object::Stream(Stream::new(dictionary! {}, text)));
        doc.get_dictionary_mut(page_id).expect("page").set("Rotate", 90);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("saved");
        let (read, _) = read_pdf(&bytes).expect("readable");
        let texts: Vec<String> = read.text_blocks().map(|(t, _, _)| t).collect();
        assert_eq!(texts, vec!["Ledger 2024".to_string()]);
    }

    #[test]
    fn not_a_pdf_and_truncated_files_are_errors() {
        assert!(matches!(read_pdf(b"hello"), Err(PdfError::Unreadable(_))));
        let bytes = pdf_with_self_drawing_form("x", b"t");
        assert!(read_pdf(&bytes[..bytes.len() / 3]).is_err());
    }
}
