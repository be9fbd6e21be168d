//! Why a scan could not be read: the front-end's errors, each with the page, the object and the
//! values that explain it, and the library error underneath as its source.

use std::path::PathBuf;

use super::ocr::INSTALL_HINT;

/// Why a scanned PDF could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    #[error("not a readable PDF: {0}")]
    Unreadable(#[source] lopdf::Error),
    #[error("not a readable PDF: the PDF parser failed on this file")]
    ParserFailed,
    #[error("the PDF has no text layer (a scan of {pages} pages), and its pages are above the limit of {limit} (see --max-pages)")]
    TooManyPages { pages: u32, limit: u32 },
    #[error("the PDF has no text layer and none of its {pages} pages draws an image: there is nothing to read")]
    NoImages { pages: u32 },
    #[error(
        "the PDF has no text layer (a scan of {pages} pages), and page {page} is scanned at {dpi:.0} dpi, too coarse \
         for OCR to read characters: scan the paper again at 300 dpi (at least {min_dpi:.0})"
    )]
    TooCoarse { pages: u32, page: u32, dpi: f32, min_dpi: f32 },
    #[error("page {page} of the scan: {problem}")]
    Image {
        page: u32,
        #[source]
        problem: ImageError,
    },
    #[error("the PDF has no text layer (a scan), and reading it needs OCR, which is not available here: {0}; {INSTALL_HINT}")]
    NoTesseract(#[source] TesseractMissing),
    #[error("OCR of page {page} of the scan failed: {problem}")]
    Ocr {
        page: u32,
        #[source]
        problem: OcrError,
    },
    #[error(transparent)]
    Budget(#[from] crate::limits::BudgetExceeded),
}

/// Why a page's scan could not be taken from the PDF or decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    #[error("the page object is unreadable: {0}")]
    PageObject(#[source] lopdf::Error),
    #[error("the page is shown rotated by {degrees}° (/Rotate), which scans are not read with yet")]
    PageRotated { degrees: i64 },
    #[error("image {} {} R is unreadable: {source}", .object.0, .object.1)]
    ImageObject { object: lopdf::ObjectId, source: lopdf::Error },
    #[error("image {} {} R is drawn rotated or mirrored on the page, which is not read yet", .object.0, .object.1)]
    Placement { object: lopdf::ObjectId },
    #[error("image {} {} R: {problem}", .object.0, .object.1)]
    Decode {
        object: lopdf::ObjectId,
        #[source]
        problem: DecodeError,
    },
}

/// Why an image XObject's pixels could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("no /Width or /Height")]
    NoSize,
    #[error("empty size {width}×{height}")]
    EmptySize { width: i64, height: i64 },
    #[error("{width}×{height} pixels, above the limit of {limit} pixels for one page's scan")]
    TooManyPixels { width: usize, height: usize, limit: usize },
    #[error("its stream could not be decompressed (filters {filters}): {source}")]
    Stream { filters: String, source: lopdf::Error },
    #[error("JPEG (DCTDecode) could not be decoded: {0}")]
    Jpeg(#[source] zune_jpeg::errors::DecodeErrors),
    #[error("the JPEG is {got_width}×{got_height} but the image says {width}×{height}")]
    JpegSize { got_width: usize, got_height: usize, width: usize, height: usize },
    #[error("{filter}-compressed, which is not decoded: re-save the scan with {instead} (e.g. `img2pdf`, `tiff2pdf`)")]
    UnsupportedFilter { filter: &'static str, instead: &'static str },
    #[error("CCITT /Columns {columns} differs from the image width {width}")]
    CcittColumns { columns: i64, width: usize },
    #[error("two-dimensional CCITT Group 3 (/K {k}) is not decoded; use Group 4")]
    CcittTwoDimensional { k: i64 },
    #[error("the CCITT fax data is corrupt (decoding stopped after {lines} of {height} lines)")]
    CcittCorrupt { lines: usize, height: usize },
    #[error("{bits} bits per component is not read (1, 2, 4 or 8 are)")]
    BitsPerComponent { bits: i64 },
    #[error("the image data is short: {len} bytes for {width}×{height} at {bits} bits and {components} components")]
    ShortData { len: usize, width: usize, height: usize, bits: usize, components: usize },
    #[error("colour space /{name} is not read")]
    ColourSpace { name: String },
    #[error("an indexed colour space without a palette")]
    NoPalette,
    #[error("the indexed colour space's palette is unreadable: {0}")]
    Palette(#[source] lopdf::Error),
    #[error("an unreadable colour space")]
    UnreadableColourSpace,
}

/// Why tesseract cannot be used here (the message then says what to install).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TesseractMissing {
    #[error("`{} {arg}` could not be run: {source}", .program.display())]
    CannotRun { program: PathBuf, arg: &'static str, source: std::io::Error },
    #[error("`{} --version` says {version:?}; version 4 or later (LSTM) is needed", .program.display())]
    TooOld { program: PathBuf, version: String },
    #[error("{version} has no {language} model (its languages: {languages})")]
    NoModel { version: String, language: &'static str, languages: String },
}

/// Why one tesseract run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OcrError {
    #[error("the temporary files for OCR could not be written: {0}")]
    TempFiles(#[source] std::io::Error),
    #[error("`{}` could not be run: {source}", .program.display())]
    Run { program: PathBuf, source: std::io::Error },
    #[error("tesseract failed ({status}): {message}")]
    Failed { status: std::process::ExitStatus, message: String },
}
