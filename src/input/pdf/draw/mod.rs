//! Drawing what was read: one PDF page as SVG, made from the interpreter's own output (the glyphs
//! at their positions, the ruling segments), with the cell boxes of the tasks read from it
//! outlined and coloured by role.
//!
//! This is for a person checking a conversion (`notice-ingest draw`, the review page of
//! `notice-ingest serve`): it shows what the layout stage saw, not what a PDF viewer renders.
//! Images, curves and colours are not drawn; rotated glyphs are drawn upright at their origin.
//!
//! [`read_page`] is the only code here that knows how a PDF is opened and a page run through the
//! interpreter; [`svg`] writes the drawing from a [`PageContent`] and [`roles`] decides what each
//! outlined cell holds.

mod roles;
mod svg;

use super::content::{FontCache, PageContent};
use super::document::{open_lazy, open_with_lopdf, Doc};
use super::{run_page, PdfError};
use crate::record::Task;
use crate::Limits;

pub use roles::CellRole;

/// Most glyphs one drawing shows; a page holding more is drawn in part, with a note on the
/// drawing (real pages hold a few thousand).
pub const MAX_DRAWN_GLYPHS: usize = 100_000;
/// Most ruling segments one drawing shows (the interpreter keeps at most 20,000 per page).
pub const MAX_DRAWN_SEGMENTS: usize = 20_000;
/// Most outlined cell boxes one drawing shows.
pub const MAX_DRAWN_CELLS: usize = 20_000;

/// Why a page could not be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DrawError {
    /// The file could not be opened as a PDF (or is over a limit).
    #[error("PDF: {0}")]
    Pdf(#[from] PdfError),
    /// The page asked for is not in the file.
    #[error("page {page} does not exist: the PDF has {pages} page(s)")]
    NoSuchPage { page: u32, pages: u32 },
    /// The page's object is not a page dictionary.
    #[error("page {page} (object {object} {generation} R) is not a dictionary")]
    PageUnreadable { page: u32, object: u32, generation: u16 },
}

/// One drawn page.
#[derive(Clone, Debug, PartialEq)]
pub struct PageDrawing {
    /// The SVG document (UTF-8), one user unit per PDF point, y growing downward.
    pub svg: String,
    /// The page drawn, 1-based.
    pub page: u32,
    /// How many pages the PDF has.
    pub pages: u32,
    /// How many cell boxes were outlined (one per cell fragment on this page of the tasks given).
    pub outlined: usize,
    /// Whether glyphs, segments or cells past the drawing's bounds were left out.
    pub truncated: bool,
}

/// One page as the interpreter read it: its content in the upright view, the view's size, the
/// PDF's page count.
pub(crate) struct ReadPage {
    pub content: PageContent,
    /// `[0, 0, width, height]` of the upright view, in points.
    pub view: [f32; 4],
    pub pages: u32,
}

/// Opens the PDF in `bytes` and runs page `page` (1-based) through the interpreter, as the PDF
/// front-end does while converting, under the same limits (stream and document inflation, objects,
/// pages, form depth), and the same way: lazily, or through lopdf for a file the lazy path cannot
/// read exactly as lopdf would. Problems inside the page's content are kept in `content.problems`.
pub(crate) fn read_page(bytes: &[u8], page: u32, limits: &Limits) -> Result<ReadPage, DrawError> {
    if !bytes.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Err(PdfError::Unreadable("no %PDF- header in the first kilobyte".into()).into());
    }
    let max_stream = usize::try_from(limits.max_inflated_bytes).unwrap_or(usize::MAX);
    if let Some(doc) = open_lazy(bytes, max_stream, limits.max_pdf_objects)? {
        let read = read_page_of(&doc, page, limits);
        if doc.failure().is_none() {
            if let Some(read) = read {
                return read;
            }
        }
    }
    let (doc, _repaired) = open_with_lopdf(bytes, max_stream, limits.max_pdf_objects)?;
    read_page_of(&doc, page, limits).unwrap_or(Err(PdfError::NoPages.into()))
}

/// Page `page` of an opened document; `None` where the lazy path gives up on the file.
fn read_page_of(doc: &Doc<'_>, page: u32, limits: &Limits) -> Option<Result<ReadPage, DrawError>> {
    let pages = doc.pages().ok()?;
    if pages.is_empty() {
        return match doc {
            Doc::Lazy(_) => None,
            Doc::Loaded(_) => Some(Err(PdfError::NoPages.into())),
        };
    }
    let max_pages = usize::try_from(limits.max_pages).unwrap_or(usize::MAX);
    if pages.len() > max_pages {
        return Some(Err(PdfError::TooManyPages { pages: pages.len(), limit: max_pages }.into()));
    }
    let count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    let Some(&page_id) = (page as usize).checked_sub(1).and_then(|i| pages.get(i)) else {
        return Some(Err(DrawError::NoSuchPage { page, pages: count }));
    };
    let Some(dict) = doc.get_dict(page_id) else {
        return Some(Err(DrawError::PageUnreadable { page, object: page_id.0, generation: page_id.1 }));
    };
    let mut fonts = FontCache::default();
    let mut budget = usize::try_from(limits.max_inflated_total_bytes).unwrap_or(usize::MAX);
    let (content, view) = run_page(doc, page_id, dict, page, &mut fonts, &mut budget, limits, Default::default());
    Some(Ok(ReadPage { content, view, pages: count }))
}

/// Draws page `page` (1-based) of the PDF in `bytes` as SVG: every glyph's text at its position,
/// every ruling segment, and, for each task given, one outlined box per cell fragment its
/// `provenance.cells` lists on this page, coloured by what the cell holds (lead, support,
/// implementing units; see [`CellRole`]). Tasks read from another file (`provenance.file` set)
/// are not outlined. Text from the PDF is escaped; the drawing is bounded by
/// [`MAX_DRAWN_GLYPHS`], [`MAX_DRAWN_SEGMENTS`] and [`MAX_DRAWN_CELLS`]. The output depends only
/// on the inputs.
pub fn draw_pdf_page(bytes: &[u8], page: u32, tasks: &[Task], limits: &Limits) -> Result<PageDrawing, DrawError> {
    let read = read_page(bytes, page, limits)?;
    let mut cells = Vec::new();
    for task in tasks.iter().filter(|t| t.provenance.file.is_none()) {
        for cell in task.provenance.cells.iter().filter(|c| c.page == page) {
            let text = svg::text_inside(&read.content, cell.bbox);
            cells.push(svg::OutlinedCell { task: &task.id, cell, role: roles::classify(task, &text) });
        }
    }
    Ok(svg::write(&read, page, &cells))
}

#[cfg(test)]
mod tests;
