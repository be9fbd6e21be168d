//! Stage 2 (front-end), `scan`: scanned PDFs — pages that are images only — into the document model.
//!
//! A PDF whose pages draw no text (the PDF front-end's `NoTextLayer`) comes here. Each page's scan
//! is decoded ([`image`]: JPEG, Flate, CCITT G4), levelled ([`deskew`]), and its rulings found and
//! turned into the PDF front-end's lattice grid ([`grid`]), so spans, section rows and the stitching
//! of tables across pages are the vector path's own. Every cell with ink is cropped and read by
//! tesseract ([`ocr`]); the text around the tables is read as a column and laid out as paragraphs
//! and headings ([`page`]). Clean-up ([`clean`], [`correct`]) folds confusions with one right
//! reading, repairs sequence numbers from their order, takes the repeated header by majority, and
//! matches headers, the issuer, office names and leader names to what the notice or the registry
//! knows.
//!
//! The result says what came from OCR: a [`ScanReport`] travels with the document, its summary goes
//! into the record's `source.ocr`, and [`annotate`] turns every cell OCR was unsure of
//! (`ocr-low-confidence`) or that clean-up changed (`ocr-corrected`) into a diagnostic with page,
//! row, column and task, so a person checks those cells and only those.

mod clean;
mod correct;
mod deskew;
mod error;
mod grid;
mod image;
#[cfg(feature = "ocr-lexicon")]
mod lexicon;
/// Why a character was changed by the lexicon, as the `ocr-corrected` diagnostic says it.
pub(crate) const LEXICON_WHY: &str =
    "a doubtful character read again without it: the model's next choice forms a word of the lexicon";
/// Without the `ocr-lexicon` feature, doubtful characters keep what OCR read (and their flags).
#[cfg(not(feature = "ocr-lexicon"))]
mod lexicon {
    use super::error::OcrError;
    use super::image::Gray;
    use super::ocr::{OcrLine, Tesseract};

    pub(crate) use super::LEXICON_WHY as WHY;

    /// Changes nothing: no crop has a reading from before a change.
    pub fn recheck_doubtful(
        crops: &[Gray],
        _read: &mut [Vec<OcrLine>],
        _tesseract: &Tesseract,
    ) -> Result<Vec<Option<Vec<OcrLine>>>, OcrError> {
        Ok(vec![None; crops.len()])
    }
}
mod ocr;
mod page;

pub use correct::correct;
pub use error::ScanError;

use crate::diag::{Diagnostic, DiagnosticKind, Location};
use crate::limits::{Budget, Limits};
use crate::model::{BBox, DocProperties, Document};
use crate::record::OcrSource;

/// Word confidence (0–100) below which a cell is flagged for a person to check.
pub const LOW_CONFIDENCE: f32 = 75.0;

/// Lowest resolution read: coarser scans make characters too small for OCR.
pub const MIN_DPI: f32 = 150.0;

/// Most pixels of one page's scan (a 600 dpi A3 page has 70 million).
pub const MAX_PIXELS: usize = 120_000_000;

/// What OCR said about one table cell, and what clean-up made of it: the evidence behind the
/// `ocr-low-confidence` and `ocr-corrected` diagnostics.
#[derive(Clone, Debug, PartialEq)]
pub struct CellCheck {
    pub page: u32,
    /// The cell's box in the document model (its key).
    pub bbox: BBox,
    /// Lowest word confidence and that word.
    pub conf: f32,
    pub weakest: String,
    /// The cell as OCR read it.
    pub read: String,
    /// What clean-up chose instead, and why; `None` when the reading was kept.
    pub corrected: Option<(String, String)>,
}

impl CellCheck {
    /// Whether OCR was unsure of the cell.
    pub fn low(&self) -> bool {
        self.conf < LOW_CONFIDENCE
    }
}

/// How a scan was read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScanReport {
    /// e.g. `tesseract 5.3.0`.
    pub engine: String,
    /// The models read, e.g. `HanS+chi_sim` (`chi_sim` where the script model is missing).
    pub language: String,
    /// Pages read by OCR.
    pub pages: Vec<u32>,
    /// Lowest resolution of the pages, dots per inch.
    pub min_dpi: u32,
    /// Every table cell with ink.
    pub cells: Vec<CellCheck>,
    /// Corrections outside tables (issuer, title): (page, read, chosen).
    pub text_corrections: Vec<(u32, String, String)>,
}

impl ScanReport {
    /// The record's `source.ocr`.
    pub fn summary(&self) -> OcrSource {
        OcrSource {
            engine: self.engine.clone(),
            language: self.language.clone(),
            pages: self.pages.clone(),
            min_dpi: self.min_dpi,
            cells: self.cells.len() as u32,
            low_confidence_cells: self.cells.iter().filter(|c| c.low()).count() as u32,
            corrected_cells: self.cells.iter().filter(|c| c.corrected.is_some()).count() as u32,
            confidence_threshold: LOW_CONFIDENCE as u32,
        }
    }
}

/// A scan read into the document model.
#[derive(Debug)]
pub struct ScanRead {
    pub document: Document,
    pub diagnostics: Vec<Diagnostic>,
    pub report: ScanReport,
}

/// Parses the PDF (lopdf, with the decompression limit; a parser panic is an error).
fn open(bytes: &[u8], max_stream: usize) -> Result<lopdf::Document, ScanError> {
    let options = lopdf::LoadOptions { max_decompressed_size: Some(max_stream), ..Default::default() };
    std::panic::catch_unwind(|| lopdf::Document::load_mem_with_options(bytes, options))
        .map_err(|_| ScanError::ParserFailed)?
        .map_err(ScanError::Unreadable)
}

/// Reads a scanned PDF (one the PDF front-end found without text): every page's image through
/// OCR into the document model, with the clean-up that needs no registry (folds, spaces). The
/// clean-up against the registries and header words is [`correct`], run by the caller that holds
/// the configuration. Pages are read in parallel (one tesseract process each); the result does
/// not depend on how many. Images larger than [`MAX_PIXELS`] or the inflate limit are errors.
pub fn read_scan(bytes: &[u8], limits: &Limits, budget: &Budget) -> Result<ScanRead, ScanError> {
    use rayon::prelude::*;
    let max_stream = usize::try_from(limits.max_inflated_bytes).unwrap_or(usize::MAX);
    let doc = open(bytes, max_stream)?;
    let pages: Vec<(u32, lopdf::ObjectId)> = doc.get_pages().into_iter().collect();
    let count = pages.len() as u32;
    if pages.len() > limits.max_pages as usize {
        return Err(ScanError::TooManyPages { pages: count, limit: limits.max_pages });
    }
    let decode = image::DecodeLimits { max_pixels: MAX_PIXELS.min(max_stream), max_bytes: max_stream };
    // Where each page's scan is, from the image dictionaries (nothing decoded yet), so that a scan
    // too coarse to read fails before tesseract is needed, and tesseract's absence before any
    // decoding.
    let mut scans = Vec::new();
    for &(number, id) in &pages {
        budget.check("locating scanned pages")?;
        let scan =
            image::locate_scan(&doc, id, max_stream).map_err(|problem| ScanError::Image { page: number, problem })?;
        scans.push((number, scan));
    }
    let coarsest = scans
        .iter()
        .filter_map(|(number, s)| s.as_ref().map(|s| (*number, s.dpi())))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let Some((coarsest_page, min_dpi)) = coarsest else {
        return Err(ScanError::NoImages { pages: count });
    };
    if min_dpi < MIN_DPI {
        return Err(ScanError::TooCoarse { pages: count, page: coarsest_page, dpi: min_dpi, min_dpi: MIN_DPI });
    }
    let tesseract = ocr::Tesseract::find().map_err(ScanError::NoTesseract)?;
    // Each page decoded just before it is read, so that only the pages in flight are in memory.
    let reads: Vec<Result<(u32, Option<page::PageRead>), ScanError>> = scans
        .par_iter()
        .map(|&(number, scan)| {
            budget.check("reading scanned pages")?;
            let Some(scan) = scan else { return Ok((number, None)) };
            let image = image::decode_scan(&doc, &scan, decode)
                .map_err(|problem| ScanError::Image { page: number, problem })?;
            page::read_page(number, &image, &tesseract)
                .map(|read| (number, Some(read)))
                .map_err(|problem| ScanError::Ocr { page: number, problem })
        })
        .collect();
    drop(doc);
    let mut blocks = Vec::new();
    let mut diagnostics = Vec::new();
    let mut report = ScanReport {
        engine: tesseract.version.clone(),
        language: tesseract.languages(ocr::Models::Both),
        min_dpi: min_dpi.round() as u32,
        ..Default::default()
    };
    let mut cells = Vec::new();
    for read in reads {
        let (number, read) = read?;
        let Some(read) = read else {
            diagnostics.push(Diagnostic::info(
                DiagnosticKind::ScanBlankPage,
                format!("page {number} draws no image; read as blank"),
                Location::page(number),
            ));
            continue;
        };
        report.pages.push(number);
        diagnostics.push(Diagnostic::info(
            DiagnosticKind::ScanPage,
            format!(
                "page {number}: read by OCR ({}) from a {:.0} dpi scan, skew {:.2}° corrected",
                tesseract.version, read.dpi, read.skew
            ),
            Location::page(number),
        ));
        for (columns, rows) in &read.tables {
            diagnostics.push(Diagnostic::info(
                DiagnosticKind::PdfTableMethod,
                format!("page {number}: lattice (from rulings in the scan), {columns} columns × {rows} rows"),
                Location::page(number),
            ));
        }
        blocks.extend(read.blocks);
        cells.extend(read.cells);
    }
    let mut document = Document { pages: count, blocks, links: Vec::new(), properties: DocProperties::default() };
    crate::input::pdf::layout::carry_spans_across_pages(&mut document.blocks);
    crate::input::pdf::layout::number_rows_cut_before_their_number(&mut document.blocks);
    report.cells = cells
        .iter()
        .filter(|c| !c.text.is_empty())
        .map(|c| CellCheck {
            page: c.page,
            bbox: c.bbox,
            conf: c.conf,
            weakest: c.weakest.clone(),
            read: c.lexicon_read.clone().unwrap_or_else(|| c.text.clone()),
            corrected: c.lexicon_read.as_ref().map(|_| (c.text.clone(), lexicon::WHY.to_string())),
        })
        .collect();
    Ok(ScanRead { document, diagnostics, report })
}

/// The diagnostics that send a person to the cells to check: one `ocr-low-confidence` (warning)
/// for each cell OCR was unsure of and one `ocr-corrected` (info) for each cell clean-up changed,
/// located by page, ledger row, column and task where the cell belongs to a task.
pub fn annotate(report: &ScanReport, tasks: &[crate::Task]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let locate = |check: &CellCheck| -> Location {
        let bbox = check.bbox.to_points();
        for task in tasks {
            let provenances = std::iter::once(&task.provenance).chain(task.measures.iter().map(|m| &m.provenance));
            for p in provenances {
                if let Some(cell) = p.cells.iter().find(|c| c.page == check.page && c.bbox == bbox) {
                    return Location {
                        page: Some(check.page),
                        row: Some(p.row),
                        column: Some(cell.column),
                        task_seq: task.seq,
                        ..Default::default()
                    };
                }
            }
        }
        Location::page(check.page)
    };
    for check in &report.cells {
        let at = locate(check);
        let [x0, y0, x1, y1] = check.bbox.to_points();
        let place = format!("page {}, cell at [{x0}, {y0}, {x1}, {y1}]", check.page);
        if check.low() {
            out.push(Diagnostic::warning(
                DiagnosticKind::OcrLowConfidence,
                format!(
                    "{place}: OCR is unsure of this cell (lowest word confidence {:.0} < {:.0}, {:?}); it reads {:?}: check it against the scan",
                    check.conf, LOW_CONFIDENCE, check.weakest, check.read
                ),
                at.clone(),
            ));
        }
        if let Some((chosen, why)) = &check.corrected {
            out.push(Diagnostic::info(
                DiagnosticKind::OcrCorrected,
                format!("{place}: OCR read {:?}; {chosen:?} was chosen ({why})", check.read),
                at,
            ));
        }
    }
    for (page, read, chosen) in &report.text_corrections {
        out.push(Diagnostic::info(
            DiagnosticKind::OcrCorrected,
            format!("page {page}: OCR read {read:?}; {chosen:?} was chosen (the registry's issuer)"),
            Location::page(*page),
        ));
    }
    out
}
