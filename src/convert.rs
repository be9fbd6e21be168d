//! The pipeline: one input through every stage to a validated [`NoticeDocument`].

use std::borrow::Cow;
use std::path::Path;

use crate::diag::{Diagnostic, Location};
use crate::error::{ErrorKind, Result};
use crate::input::{read_source, Format, Source};
use crate::ledger::{read_ledger, HeaderVocabulary, Ledger, LedgerContext, LedgerError};
use crate::limits::{Budget, Limits};
use crate::model::Document;
use crate::notice::{read_notice_meta, NoticeMeta};
use crate::offices::OfficeRegistry;
use crate::record::validate::SchemaValidator;
use crate::record::{Attachment, Notice, NoticeDocument, SourceFile, SourceInfo, SourceRole, SCHEMA_VERSION};

/// Which office registry resolves a notice's names.
// Made once per run and never moved in a loop: boxing the larger variant would gain nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum RegistryChoice {
    /// The registry whose issuer the notice names (or, without an issuer line, the one that resolves most of the ledger); a notice from any
    /// other issuer gets the unregistered stand-in.
    ByIssuer(Vec<OfficeRegistry>),
    /// This registry for every notice (`--registry FILE`).
    Fixed(OfficeRegistry),
}

/// Everything a conversion needs, validated once before work starts. Cheap to clone: the compiled
/// schema is shared.
#[derive(Clone, Debug)]
pub struct Config {
    pub registries: RegistryChoice,
    pub headers: HeaderVocabulary,
    pub limits: Limits,
    schema: SchemaValidator,
}

impl Config {
    /// The schema every converted document is checked against.
    pub fn schema(&self) -> &SchemaValidator {
        &self.schema
    }

    /// One registry for every notice, with the built-in header table and limits.
    pub fn new(registry: OfficeRegistry) -> Self {
        Config::with_registries(RegistryChoice::Fixed(registry))
    }

    /// The given registry choice, with the built-in header table and limits.
    pub fn with_registries(registries: RegistryChoice) -> Self {
        Config {
            registries,
            headers: HeaderVocabulary::builtin(),
            limits: Limits::default(),
            schema: SchemaValidator::notice(),
        }
    }
}

impl Default for Config {
    /// The built-in registries, chosen by each notice's issuer.
    fn default() -> Self {
        Config::with_registries(RegistryChoice::ByIssuer(OfficeRegistry::builtin_all()))
    }
}

/// Picks the registry for a notice: a fixed one, else the one whose issuer the notice names.
/// Without an issuer line, the registry that resolves the most office names of the ledger wins,
/// provided it resolves at least half of them (one generic name such as 办公室 does not make
/// another issuer's ledger ours); the ledger read with it comes back too, so it is not read
/// again. `None` means no registry covers the notice.
fn choose_registry<'a>(
    choice: &'a RegistryChoice,
    issuer: Option<&str>,
    read: impl Fn(&OfficeRegistry) -> Option<Ledger>,
) -> (Option<&'a OfficeRegistry>, Option<Ledger>) {
    let all = match choice {
        RegistryChoice::Fixed(r) => return (Some(r), None),
        RegistryChoice::ByIssuer(all) => all,
    };
    if let Some(issuer) = issuer {
        return (all.iter().find(|r| r.covers_issuer(issuer)), None);
    }
    let resolved = |l: &Ledger| {
        let refs =
            || l.tasks.iter().flat_map(|t| t.lead_offices.iter().chain(&t.support_offices).chain(&t.implementers));
        (refs().filter(|o| o.code.is_some()).count(), refs().count())
    };
    all.iter()
        .filter_map(|r| read(r).map(|l| (resolved(&l), r, l)))
        .filter(|((known, total), _, _)| *known > 0 && 2 * known >= *total)
        .max_by_key(|((known, _), r, _)| (*known, std::cmp::Reverse(r.id().to_string())))
        .map_or((None, None), |(_, r, l)| (Some(r), Some(l)))
}

/// Reads one source through its format's front-end into the format-neutral document model, with
/// what the front-end noticed on the way (the first stage of [`convert_source`], for tools that
/// want the model itself). The limits bound the input as they do in a conversion.
pub fn read_document(source: &Source, limits: &Limits) -> Result<(Document, Vec<Diagnostic>)> {
    let read = read_model(source, limits, &Budget::start(limits)).map_err(|e| e.with_path(&source.path))?;
    Ok((read.document, read.diagnostics))
}

/// What a front-end read: the document model, what it noticed, and for a scan how OCR read it
/// (the evidence behind the `ocr-*` diagnostics, and what clean-up against the registry needs).
struct FrontEndRead {
    document: Document,
    diagnostics: Vec<Diagnostic>,
    scan: Option<crate::input::scan::ScanReport>,
}

/// Each front-end gives the one document model plus what it noticed on the way.
/// A PDF without a text layer (every page an image: a scan) goes to the scan front-end, which
/// reads it by OCR.
fn read_model(source: &Source, limits: &Limits, budget: &Budget) -> Result<FrontEndRead> {
    let bytes = &source.bytes;
    let mut scan = None;
    let (document, diagnostics) = match source.format {
        Format::Text => crate::input::text::read_text(bytes)?,
        Format::Html => crate::input::html::read_html_with(bytes, limits)?,
        Format::Docx => crate::input::ooxml::docx::read_docx_with(bytes, limits)?,
        Format::Xlsx => crate::input::ooxml::xlsx::read_xlsx_with(bytes, limits)?,
        Format::Pdf => match crate::input::pdf::read_pdf_with(bytes, limits, budget) {
            Err(crate::input::pdf::PdfError::NoTextLayer { .. }) => {
                let read = crate::input::scan::read_scan(bytes, limits, budget)?;
                scan = Some(read.report);
                (read.document, read.diagnostics)
            }
            read => read?,
        },
        Format::LegacyOffice => return Err(ErrorKind::LegacyOffice.into()),
    };
    budget.check("the front-end")?;
    Ok(FrontEndRead { document, diagnostics, scan })
}

/// One file read up to its ledger: the document model's page count, what was noticed, the
/// notice metadata, the registry that resolved it, and its ledger (or why it has none).
struct ReadFile<'c> {
    info: SourceFile,
    diagnostics: Vec<Diagnostic>,
    meta: NoticeMeta,
    registry: Cow<'c, OfficeRegistry>,
    ledger: std::result::Result<Ledger, LedgerError>,
}

/// Reads one file through the front-end, the table stage, the metadata and the ledger. With
/// `registry`, that registry resolves it (an attachment is resolved by its page's).
fn read_file<'c>(
    source: &Source,
    role: SourceRole,
    config: &'c Config,
    registry: Option<&OfficeRegistry>,
    budget: &Budget,
) -> Result<ReadFile<'c>> {
    let FrontEndRead { document: mut doc, mut diagnostics, mut scan } = read_model(source, &config.limits, budget)?;
    // A scan's OCR text is corrected with what the configuration knows (header words, registries).
    if let Some(report) = &mut scan {
        crate::input::scan::correct(&mut doc, report, config);
    }
    if let Some(named) = Format::of_extension(&source.path).filter(|&f| f != source.format) {
        diagnostics.insert(
            0,
            Diagnostic::warning(
                crate::diag::DiagnosticKind::FormatMismatch,
                format!(
                    "the file is named as {} but its bytes are {}; it was read as {}",
                    named.as_str(),
                    source.format.as_str(),
                    source.format.as_str()
                ),
                crate::Location::default(),
            ),
        );
    }
    let (grids, table_diagnostics) = crate::tables::stitch_pages(&doc)?;
    // The issuer decides the registry, and the registry resolves the recipients: read the issuer
    // first (it needs no registry).
    let head = crate::notice::read_head(&doc);
    let issuer = head.issuer.as_deref();
    let year = crate::notice::notice_year(&head);
    let read = |registry: &OfficeRegistry| {
        read_ledger(&doc, &grids, &LedgerContext { vocabulary: &config.headers, registry, year })
    };
    let (registry, ledger_read): (Cow<'c, OfficeRegistry>, _) = match registry {
        Some(r) => (Cow::Owned(r.clone()), None),
        None => match choose_registry(&config.registries, issuer, |r| read(r).ok()) {
            (Some(r), l) => (Cow::Borrowed(r), l),
            (None, _) => (Cow::Owned(OfficeRegistry::unregistered(issuer)), None),
        },
    };
    let (meta, d) = read_notice_meta(&doc, head, &registry);
    diagnostics.extend(d);
    diagnostics.extend(table_diagnostics);
    budget.check("the office registry choice")?;
    let mut ledger = match ledger_read {
        Some(l) => Ok(l),
        None => read(&registry),
    };
    // Every cell OCR was unsure of, or that clean-up changed, located by task for a person to check.
    if let (Some(report), Ok(l)) = (&scan, &mut ledger) {
        l.diagnostics.extend(crate::input::scan::annotate(report, &l.tasks));
    }
    budget.check("the ledger")?;
    let info = SourceFile {
        path: source.path.display().to_string(),
        role,
        format: source.format,
        sha256: source.sha256.clone(),
        pages: doc.pages,
        ocr: scan.as_ref().map(crate::input::scan::ScanReport::summary),
    };
    Ok(ReadFile { info, diagnostics, meta, registry, ledger })
}

/// Reads and converts the notice at `path`. A page that links attachments (附件) saved beside it
/// — found by the link's file name, or by the link's text plus the file's extension — is read
/// with them as one notice: the page's metadata, the tasks of whichever files hold a ledger.
pub fn convert_path(path: &Path, config: &Config) -> Result<NoticeDocument> {
    let source = read_source(path, config.limits.max_input_bytes).map_err(|e| crate::Error::from(e).with_path(path))?;
    convert_source_in_folder(&source, config)
}

/// [`convert_path`] for a file already read: `source.path` names the folder its attachments are
/// looked for in.
pub fn convert_source_in_folder(source: &Source, config: &Config) -> Result<NoticeDocument> {
    let is_file = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.is_file());
    let open = |p: &Path| read_source(p, config.limits.max_input_bytes).map_err(crate::Error::from);
    convert_with_attachments(source, config, is_file, open)
}

/// Converts a notice page with its attachments held in memory (a table of files, an archive):
/// `beside(name)` gives the bytes of the file of that name saved beside the page, if there is
/// one. The attachments are found by the rule [`convert_path`] uses in a folder (see
/// [`attachment_candidates`]) and read with the page as one notice, each named `name_hint`'s
/// folder joined with its name; a name `beside` does not give is not there. `bytes` and every
/// attachment are bounded by `config.limits.max_input_bytes`, as [`convert_bytes`] bounds a file.
pub fn convert_bytes_beside<'a>(
    bytes: &[u8],
    name_hint: &str,
    beside: impl Fn(&str) -> Option<&'a [u8]>,
    config: &Config,
) -> Result<NoticeDocument> {
    let from_memory = |path: &Path, bytes: &[u8]| -> Result<Source> {
        let limit = config.limits.max_input_bytes;
        if bytes.len() as u64 > limit {
            let error =
                crate::input::SourceError::TooLarge { path: path.to_path_buf(), size: bytes.len() as u64, limit };
            return Err(crate::Error::from(error).with_path(path));
        }
        Ok(crate::input::source_from_bytes(path, bytes.to_vec())?)
    };
    let name_of = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let source = from_memory(Path::new(name_hint), bytes)?;
    let exists = |p: &Path| beside(&name_of(p)).is_some();
    let open = |p: &Path| match beside(&name_of(p)) {
        Some(bytes) => from_memory(p, bytes),
        None => Err(crate::input::SourceError::Empty { path: p.to_path_buf() }.into()),
    };
    convert_with_attachments(&source, config, exists, open)
}

/// Converts `source` with the attachments it links: `exists` says whether a file is there,
/// `open` reads it (an attachment that cannot be read is a warning, not the notice's error).
fn convert_with_attachments(
    source: &Source,
    config: &Config,
    exists: impl Fn(&Path) -> bool,
    open: impl Fn(&Path) -> Result<Source>,
) -> Result<NoticeDocument> {
    let path = source.path.as_path();
    let budget = Budget::start(&config.limits);
    let page = read_file(source, SourceRole::Page, config, None, &budget).map_err(|e| e.with_path(path))?;
    let mut attachments = Vec::new();
    let mut notes = Vec::new();
    for file in pick_attachments(path, &link_candidates(&page.meta.attachments), exists) {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let read =
            open(&file).and_then(|s| read_file(&s, SourceRole::Attachment, config, Some(&page.registry), &budget));
        match read {
            Ok(a) => attachments.push(a),
            Err(e) => notes.push(Diagnostic::warning(
                crate::diag::DiagnosticKind::AttachmentUnreadable,
                format!("the attachment {name:?} beside the page could not be read: {e}"),
                Location { file: Some(name), ..Default::default() },
            )),
        }
    }
    assemble(page, attachments, notes, config).map_err(|e| e.with_path(path))
}

/// The files a notice page links as attachments (附件), as names to look for beside it: one list
/// per link, in link order, each holding the names to try in turn (the link's file name, then
/// the link's text plus the file's extension). [`convert_path`] reads, for each link, the first
/// name that is a file in the page's folder (other than the page, and not already read). For
/// callers that hold a folder's files elsewhere (a Spark table) and group pages with their
/// attachments themselves. Only web pages link attachments; other formats give none.
pub fn attachment_candidates(source: &Source, limits: &Limits) -> Result<Vec<Vec<String>>> {
    if source.format != Format::Html {
        return Ok(Vec::new());
    }
    let (doc, _) = crate::input::html::read_html_with(&source.bytes, limits)
        .map_err(|e| crate::Error::from(e).with_path(&source.path))?;
    Ok(link_candidates(&crate::notice::read_attachments(&doc)))
}

#[cfg(feature = "batch")]
/// The attachment files a notice page at `path` links and that are saved beside it, as
/// [`convert_path`] reads them: for a batch, which files belong to a page. Only web pages are
/// looked at (other formats' links are not attachments saved beside them); a page that cannot be
/// read links nothing.
pub fn linked_attachment_files(path: &Path, config: &Config) -> Vec<std::path::PathBuf> {
    let Ok(source) = read_source(path, config.limits.max_input_bytes) else { return Vec::new() };
    if source.format != Format::Html {
        return Vec::new();
    }
    match crate::input::html::read_html_with(&source.bytes, &config.limits) {
        Ok((doc, _)) => attachment_files(path, &crate::notice::read_attachments(&doc)),
        Err(_) => Vec::new(),
    }
}

/// Converts a notice held in memory: `bytes` are the file, `name_hint` its name (the extension
/// tells DOCX from XLSX, and appears as the document's `source.path` and in errors). Attachments
/// are not looked for (there is no folder): see [`convert_path`] and [`convert_bytes_beside`]. The
/// result has passed schema validation. Bytes above `config.limits.max_input_bytes` are refused
/// before anything is copied.
pub fn convert_bytes(bytes: &[u8], name_hint: &str, config: &Config) -> Result<NoticeDocument> {
    let path = Path::new(name_hint);
    let limit = config.limits.max_input_bytes;
    if bytes.len() as u64 > limit {
        let error = crate::input::SourceError::TooLarge { path: path.to_path_buf(), size: bytes.len() as u64, limit };
        return Err(crate::Error::from(error).with_path(path));
    }
    let source = crate::input::source_from_bytes(path, bytes.to_vec())?;
    convert_source(&source, config).map_err(|e| e.with_path(path))
}

/// Converts a notice already read into memory. The result has passed schema validation.
/// Attachments are not looked for (there is no folder to look in): see [`convert_path`].
pub fn convert_source(source: &Source, config: &Config) -> Result<NoticeDocument> {
    let budget = Budget::start(&config.limits);
    let page = read_file(source, SourceRole::Page, config, None, &budget)?;
    assemble(page, Vec::new(), Vec::new(), config)
}

/// The files beside `page` that its attachment links name, in link order, each once: the link's
/// file name (percent-decoded), else the attachment's title plus the link's extension. Only the
/// last path segment of a link is used, so no link can point outside the page's folder.
#[cfg(feature = "batch")]
fn attachment_files(page: &Path, attachments: &[Attachment]) -> Vec<std::path::PathBuf> {
    pick_attachments(page, &link_candidates(attachments), |p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
}

/// For each link's candidate names, the first that `exists` beside `page` (other than the page
/// and the files already picked), in link order.
fn pick_attachments(page: &Path, links: &[Vec<String>], exists: impl Fn(&Path) -> bool) -> Vec<std::path::PathBuf> {
    let Some(dir) = page.parent() else { return Vec::new() };
    let mut found: Vec<std::path::PathBuf> = Vec::new();
    for names in links {
        for name in names {
            let candidate = dir.join(name);
            if candidate != page && !found.contains(&candidate) && exists(&candidate) {
                found.push(candidate);
                break;
            }
        }
    }
    found
}

/// The names each attachment link may be saved under beside its page (see
/// [`attachment_candidates`]); links to other web pages or to files that are not notices are
/// left out.
fn link_candidates(attachments: &[Attachment]) -> Vec<Vec<String>> {
    let mut links = Vec::new();
    for a in attachments {
        let Some(href) = a.href.as_deref() else { continue };
        let path_part = href.split(['?', '#']).next().unwrap_or("");
        let last = path_part.rsplit(['/', '\\']).next().unwrap_or("");
        let decoded = percent_encoding::percent_decode_str(last).decode_utf8_lossy().into_owned();
        let ext = decoded.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        if !crate::input::NOTICE_EXTENSIONS.contains(&ext.as_str()) || ext.starts_with("htm") {
            continue;
        }
        let by_title = format!("{}.{ext}", a.title.replace(['/', '\\'], "_"));
        links.push([decoded, by_title].into_iter().filter(|n| !n.is_empty() && !n.starts_with('.')).collect());
    }
    links
}

/// One notice from its page and the attachments read with it: the page's metadata; the sections
/// and tasks of every file that holds a ledger, in order (an attachment's tasks and diagnostics
/// name its file); the id; schema validation.
fn assemble(
    page: ReadFile,
    attachments: Vec<ReadFile>,
    notes: Vec<Diagnostic>,
    config: &Config,
) -> Result<NoticeDocument> {
    let mut diagnostics = page.diagnostics;
    diagnostics.extend(notes);
    let mut sources = vec![page.info.clone()];
    let mut sections = Vec::new();
    let mut tasks = Vec::new();
    let mut first_error = None;
    let mut from_files = 0;
    match page.ledger {
        Ok(mut l) => {
            sections.append(&mut l.sections);
            tasks.append(&mut l.tasks);
            diagnostics.append(&mut l.diagnostics);
            from_files += 1;
        }
        Err(e) => first_error = Some(e),
    }
    for a in attachments {
        let name = Path::new(&a.info.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mark = |d: &mut Diagnostic| d.location.file = Some(name.clone());
        sources.push(a.info);
        let mut own = a.diagnostics;
        match a.ledger {
            Ok(mut l) => {
                from_files += 1;
                own.append(&mut l.diagnostics);
                for t in &mut l.tasks {
                    t.provenance.file = Some(name.clone());
                    for m in &mut t.measures {
                        m.provenance.file = Some(name.clone());
                    }
                }
                sections.append(&mut l.sections);
                tasks.append(&mut l.tasks);
            }
            Err(e) => own.push(Diagnostic::info(
                crate::diag::DiagnosticKind::AttachmentWithoutLedger,
                format!("the attachment {name:?} holds no task ledger: {e}"),
                Location::default(),
            )),
        }
        own.iter_mut().for_each(mark);
        diagnostics.append(&mut own);
    }
    if from_files == 0 {
        // The page's own reason; its attachments' are in their diagnostics, which an error drops,
        // so it names how many were read.
        let e = first_error.expect("a file without ledger left its error");
        return Err(ErrorKind::Ledger(if sources.len() > 1 { e.with_attachments(sources.len() - 1) } else { e }).into());
    }
    if from_files > 1 {
        // Keys are unique per notice: tasks of several files may share a title.
        crate::ledger::assign_keys(&mut tasks, &mut diagnostics);
    }
    let registry = page.registry;
    if registry.is_unregistered() {
        diagnostics.push(no_registry_diagnostic(&config.registries, page.meta.issuer.as_deref(), &tasks));
    }
    let meta = page.meta;
    // A plan's or a ledger's own heading (2024年重点任务分解表) does not identify a notice: many
    // issuers write the same one.
    let identifying_title = meta.title.as_deref().filter(|_| meta.title_names_notice);
    let notice_id = match (identifying_title, meta.doc_number.as_deref()) {
        (None, None) => {
            diagnostics.push(Diagnostic::warning(
                crate::diag::DiagnosticKind::NoticeUnidentified,
                "nothing identifies the notice (no notice title and no document number, as in an attachment alone): its id comes from its issuer and its tasks, so the same ledger gets the same id and another ledger another one; convert it with the notice page beside it to give it the notice's id",
                Location::default(),
            ));
            crate::record::ids::content_notice_id(meta.issuer.as_deref(), tasks.iter().map(|t| t.id.as_str()))
        }
        _ => crate::record::ids::notice_id(meta.issuer.as_deref(), meta.doc_number.as_deref(), meta.title.as_deref()),
    };
    for task in &mut tasks {
        task.id = format!("{notice_id}.{}", task.id);
    }
    let primary = &sources[0];
    let document = NoticeDocument {
        schema_version: SCHEMA_VERSION.to_string(),
        notice: Notice {
            id: notice_id,
            source: SourceInfo {
                path: primary.path.clone(),
                format: primary.format,
                sha256: primary.sha256.clone(),
                pages: primary.pages,
                ocr: primary.ocr.clone(),
            },
            sources,
            registry: registry.id().to_string(),
            issuer: meta.issuer,
            title: meta.title,
            doc_number: meta.doc_number,
            date: meta.date,
            published: meta.published,
            recipients: meta.recipients,
            attachments: meta.attachments,
            reporting: meta.reporting,
        },
        sections,
        tasks,
        diagnostics,
    };
    let value = serde_json::to_value(&document).map_err(crate::output::OutputError::Json)?;
    let violations = config.schema.violations(&value);
    if !violations.is_empty() {
        return Err(ErrorKind::SchemaViolations(violations).into());
    }
    Ok(document)
}

/// The one diagnostic for a notice no registry covers: how many names stayed unresolved and what
/// to do about it.
fn no_registry_diagnostic(choice: &RegistryChoice, issuer: Option<&str>, tasks: &[crate::Task]) -> Diagnostic {
    let names: usize =
        tasks.iter().map(|t| t.lead_offices.len() + t.support_offices.len() + t.implementers.len()).sum();
    let known = match choice {
        RegistryChoice::ByIssuer(all) => {
            all.iter().map(|r| format!("{} ({})", r.id(), r.issuer())).collect::<Vec<_>>().join(", ")
        }
        RegistryChoice::Fixed(r) => r.id().to_string(),
    };
    Diagnostic::warning(
        crate::diag::DiagnosticKind::NoRegistry,
        format!(
            "no office registry covers the issuer {}; {names} office name(s) of the ledger are kept as written with code null, split at separators and unit-name endings (registries: {known}; pass --registry FILE to resolve them)",
            issuer.map_or_else(|| "(none found)".to_string(), |i| format!("{i:?}")),
        ),
        crate::Location::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::source_from_bytes;

    fn convert_text(text: &str, config: &Config) -> NoticeDocument {
        let source = source_from_bytes(Path::new("notice.txt"), text.as_bytes().to_vec()).unwrap();
        convert_source(&source, config).unwrap()
    }

    const LEDGER: &str = "序号\t主要任务\t责任单位\t配合单位\n1\t甲。\t医政医管处疾控处\t规划信息处、各市州卫生健康委\n2\t乙。\t基教处\t\n";
    const EDUCATION_LEDGER: &str =
        "序号\t主要任务\t责任单位\t配合单位\n1\t甲。\t基教处\t高教处、办公室\n2\t乙。\t职成处\t某某中心\n";

    #[test]
    fn a_notice_from_an_issuer_without_registry_keeps_every_name_with_one_summary() {
        let doc = convert_text(&format!("# 甘肃省卫生健康委员会\n\n## 关于某事的通知\n\n{LEDGER}"), &Config::default());
        assert_eq!(doc.notice.registry, "none");
        assert_eq!(doc.tasks.len(), 2);
        let leads: Vec<_> = doc.tasks[0].lead_offices.iter().map(|o| (o.raw.as_str(), o.code.is_none())).collect();
        assert_eq!(leads, [("医政医管处", true), ("疾控处", true)], "split at the unit-name ending");
        assert_eq!(doc.tasks[0].support_offices.len(), 2);
        assert_eq!(
            doc.tasks[1].lead_offices[0].code, None,
            "another issuer's 基教处 is not the education department's"
        );
        let kinds: Vec<_> = doc.diagnostics.iter().map(|d| d.kind.as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "no-registry").count(), 1, "{kinds:?}");
        assert!(!kinds.contains(&"unknown-office"), "one summary, not one warning per name: {kinds:?}");
        assert!(doc.diagnostics.iter().any(|d| d.message.contains("5 office name(s)")), "{:?}", doc.diagnostics);
    }

    #[test]
    fn the_issuer_picks_the_registry_and_a_fixed_registry_overrides_it() {
        let doc = convert_text(&format!("# 甘肃省教育厅\n\n## 关于某事的通知\n\n{LEDGER}"), &Config::default());
        assert_eq!(doc.notice.registry, "gansu-jyt");
        assert_eq!(doc.tasks[1].lead_offices[0].code.as_deref(), Some("gsjyt.jijiao"));
        let fixed = Config::new(OfficeRegistry::builtin());
        let doc = convert_text(&format!("# 甘肃省卫生健康委员会\n\n## 关于某事的通知\n\n{LEDGER}"), &fixed);
        assert_eq!(doc.notice.registry, "gansu-jyt", "--registry applies whatever the issuer");
        // Without an issuer line, the registry that resolves most of the ledger's names is used …
        let doc = convert_text(&format!("## 关于某事的通知\n\n{EDUCATION_LEDGER}"), &Config::default());
        assert_eq!(doc.notice.registry, "gansu-jyt");
        // … but not one that resolves a name or two of another issuer's ledger.
        let doc = convert_text(&format!("## 关于某事的通知\n\n{LEDGER}"), &Config::default());
        assert_eq!(doc.notice.registry, "none");
    }
}
