//! Stage 2 (front-end), `pdf`: PDF notices into the document model.
//!
//! (Under construction: the content-stream interpreter, fonts and table reconstruction land here.)

use crate::diag::Diagnostic;
use crate::model::Document;

/// Why a PDF could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("not a readable PDF: {0}")]
    Unreadable(String),
}

/// Reads a PDF held in memory into the document model, with what was noticed on the way.
pub fn read_pdf(_bytes: &[u8]) -> Result<(Document, Vec<Diagnostic>), PdfError> {
    Err(PdfError::Unreadable("the PDF front-end is not built yet".into()))
}
