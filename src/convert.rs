//! The pipeline: one input through every stage to a validated [`NoticeDocument`].

use std::path::Path;

use crate::diag::Diagnostic;
use crate::error::{ErrorKind, Result};
use crate::ledger::{read_ledger, HeaderSynonyms};
use crate::notice::read_notice_meta;
use crate::offices::OfficeRegistry;
use crate::record::{Notice, NoticeDocument, SourceInfo, SCHEMA_VERSION};
use crate::source::{read_source, Format, Source, DEFAULT_MAX_INPUT_BYTES};
use crate::validate::SchemaValidator;

/// Everything a conversion needs, validated once before work starts.
pub struct Config {
    pub registry: OfficeRegistry,
    pub headers: HeaderSynonyms,
    pub max_input_bytes: u64,
    schema: SchemaValidator,
}

impl Config {
    /// The built-in registry, header table and limits.
    pub fn new(registry: OfficeRegistry) -> Self {
        Config {
            registry,
            headers: HeaderSynonyms::builtin(),
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            schema: SchemaValidator::notice(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::new(OfficeRegistry::builtin())
    }
}

/// Reads and converts the notice at `path`.
pub fn convert_path(path: &Path, config: &Config) -> Result<NoticeDocument> {
    let source = read_source(path, config.max_input_bytes).map_err(|e| crate::Error::from(e).with_path(path))?;
    convert_source(&source, config).map_err(|e| e.with_path(path))
}

/// Converts a notice already read into memory. The result has passed schema validation.
pub fn convert_source(source: &Source, config: &Config) -> Result<NoticeDocument> {
    // Each front-end gives the one document model plus what it noticed on the way.
    let bytes = &source.bytes;
    let (doc, mut diagnostics): (_, Vec<Diagnostic>) = match source.format {
        Format::Text => crate::text::read_text(bytes)?,
        Format::Html => crate::html::read_html(bytes)?,
        Format::Docx => crate::docx::read_docx(bytes)?,
        Format::Xlsx => crate::xlsx::read_xlsx(bytes)?,
        Format::Pdf => crate::pdf::read_pdf(bytes)?,
        Format::LegacyOffice => return Err(ErrorKind::LegacyOffice.into()),
    };
    let (meta, d) = read_notice_meta(&doc, &config.registry);
    diagnostics.extend(d);
    let (grids, d) = crate::table::stitch_pages(&doc)?;
    diagnostics.extend(d);
    let mut ledger = read_ledger(&grids, &config.headers, &config.registry)?;
    diagnostics.append(&mut ledger.diagnostics);

    let notice_id = crate::ids::notice_id(meta.issuer.as_deref(), meta.doc_number.as_deref(), meta.title.as_deref());
    for task in &mut ledger.tasks {
        task.id = format!("{notice_id}.{}", task.id);
    }
    let document = NoticeDocument {
        schema_version: SCHEMA_VERSION.to_string(),
        notice: Notice {
            id: notice_id,
            source: SourceInfo {
                path: source.path.display().to_string(),
                format: source.format.as_str().to_string(),
                sha256: source.sha256.clone(),
                pages: doc.pages,
            },
            registry: config.registry.id().to_string(),
            issuer: meta.issuer,
            title: meta.title,
            doc_number: meta.doc_number,
            date: meta.date,
            recipients: meta.recipients,
            attachments: meta.attachments,
            reporting: meta.reporting,
        },
        sections: ledger.sections,
        tasks: ledger.tasks,
        diagnostics,
    };
    let value = serde_json::to_value(&document).map_err(|e| crate::emit::EmitError::Serialize(e.to_string()))?;
    let violations = config.schema.violations(&value);
    if !violations.is_empty() {
        return Err(ErrorKind::SchemaViolations(violations).into());
    }
    Ok(document)
}
