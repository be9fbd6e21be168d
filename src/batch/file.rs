//! One input's work on a worker thread: its result taken from the previous run when it is
//! unchanged (`--incremental`), else converted (in this process, or in a child for the formats
//! isolation covers); its notice JSON written and its tasks rendered for the batch-wide outputs,
//! so the writer only copies bytes.

use super::inputs::InputFile;
use super::isolate::{Isolation, Request, Worker, WorkerPool};
use super::state::{content_hash, content_hash_of, sha256_hex, FileState, Outcome, PreviousRun};
use super::BatchOptions;
use crate::convert::{convert_source_in_folder, Config};
use crate::diag::Severity;
use crate::output::report::{FileReport, FileStatus};
use crate::output::{csv_writer, render, write_csv_tasks, OutputError, OutputFormat};
use crate::record::NoticeDocument;

/// Why one file gave no notice.
#[derive(Debug)]
pub(super) enum Failure {
    /// Could not be converted: the message says why.
    Error(String),
    /// Read, but it holds no task ledger: the message says what was seen.
    NoLedger(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Error(message)
    }
}

impl From<crate::Error> for Failure {
    fn from(e: crate::Error) -> Self {
        if e.is_no_ledger() {
            Failure::NoLedger(e.to_string())
        } else {
            Failure::Error(e.to_string())
        }
    }
}

/// A converted notice, and its notice JSON when the child that converted it rendered it.
pub(super) struct Obtained {
    pub doc: NoticeDocument,
    /// The notice JSON as the converting child rendered it (what `convert` writes), written as it
    /// is; `None` for a notice converted here, which is rendered here.
    pub json: Option<Vec<u8>>,
}

/// Where the notice JSON of a converted notice comes from.
enum NoticeJson<'a> {
    /// Rendered here from the notice, and written.
    Render,
    /// Rendered by the child that converted the notice: written as it is.
    Rendered(&'a [u8]),
    /// Left by the previous run in the output directory: only hashed.
    OnDisk(&'a [u8]),
}

/// The work done for one file: its report, its tasks rendered as JSON Lines and CSV rows, the
/// notice (for the workbook and the tracker), and its entry in the run state.
pub(super) struct Converted {
    pub report: FileReport,
    pub jsonl: Vec<u8>,
    pub csv: Vec<u8>,
    pub doc: Option<NoticeDocument>,
    pub state: FileState,
    /// Taken from the previous run instead of converted.
    pub reused: bool,
}

/// What every file's work shares.
pub(super) struct FileContext<'a> {
    pub config: &'a Config,
    pub options: &'a BatchOptions,
    pub pool: &'a WorkerPool,
    /// The previous run's state, when this run may take unchanged inputs from it.
    pub previous: Option<&'a PreviousRun>,
}

/// Runs `work`; a panic in it (a bug that slipped through) becomes an error message for that one
/// file instead of taking the batch down.
pub(super) fn contain_panic<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        format!("internal error (panic) while converting: {what}")
    })
}

/// Converts one input, in this process or (for the formats `worker` isolates) in a child.
/// `read` is the input read as a source already (by [`read_input`]), or why it could not be.
fn obtain(
    input: &InputFile,
    read: Result<crate::input::Source, crate::input::SourceError>,
    config: &Config,
    worker: Option<&Worker>,
    pool: &WorkerPool,
) -> Result<Obtained, Failure> {
    let source = read.map_err(|e| crate::Error::from(e).with_path(&input.path))?;
    // Read and sniffed here, with the same checks and messages as in-process; converted in a
    // child when isolation covers its format. A page read with its attachments goes to a child
    // when they would.
    let isolating = worker
        .filter(|w| w.isolation != Isolation::Off && (w.isolation.applies_to(source.format) || input.has_attachments));
    match isolating {
        Some(worker) => pool.convert(input, &Request::Read(&source), worker).0,
        None => Ok(Obtained { doc: contain_panic(|| convert_source_in_folder(&source, config))??, json: None }),
    }
}

/// The worker to hand `input` to by its path alone ([`Request::Path`]), when a child converts it
/// and can also read it: isolation covers the file (every file, or one whose first bytes show a
/// PDF or a zip), no previous run's result may be taken instead (which needs the hash before
/// converting), the file links no others (whose bytes its content hash covers) and its path is
/// text (the child is sent the path as text). Any other input is read here and its bytes sent.
fn by_path<'a>(input: &InputFile, cx: &FileContext<'a>) -> Option<&'a Worker> {
    let worker = cx.options.worker.as_ref()?;
    if cx.previous.is_some() || !input.linked.is_empty() || input.has_attachments || input.path.to_str().is_none() {
        return None;
    }
    match worker.isolation {
        Isolation::Off => None,
        Isolation::All => Some(worker),
        Isolation::Office => crate::input::read_head(&input.path, cx.config.limits.max_input_bytes)
            .filter(|head| crate::input::is_pdf_or_zip(head))
            .map(|_| worker),
    }
}

/// Reads `input` once for both its content hash and its conversion: a file that brings in no
/// linked files hashes to its own bytes' SHA-256, which reading it as a source computes anyway,
/// and a page that links others hashes its bytes as read with theirs. A file that cannot be read
/// as a source is hashed as [`content_hash`] says (the read error is reported when it is
/// converted).
fn read_input(input: &InputFile, config: &Config) -> (String, Result<crate::input::Source, crate::input::SourceError>) {
    let read = crate::input::read_source(&input.path, config.limits.max_input_bytes);
    let content = match &read {
        Ok(source) if input.linked.is_empty() => source.sha256.clone(),
        Ok(source) => content_hash_of(&source.bytes, &input.linked),
        Err(_) => content_hash(input),
    };
    (content, read)
}

/// Where the notice JSON of the input with `key` goes, relative to the output directory.
pub(super) fn notice_output(key: &str) -> String {
    format!("notices/{key}.json")
}

/// The result of an input the previous run left, when the input is what it was then: its path,
/// its content and its notice JSON as the state says.
fn reuse(input: &InputFile, cx: &FileContext, report: &FileReport, state: &FileState) -> Option<Converted> {
    let previous = cx.previous?.get(&input.key)?;
    if state.content.is_empty() || previous.path != state.path || previous.content != state.content {
        return None;
    }
    let mut converted = match previous.outcome {
        Outcome::Converted => {
            let bytes = std::fs::read(cx.options.out_dir.join(notice_output(&input.key))).ok()?;
            if previous.output.as_deref() != Some(sha256_hex(&bytes).as_str()) {
                return None;
            }
            let doc: NoticeDocument = serde_json::from_slice(&bytes).ok()?;
            with_document(doc, NoticeJson::OnDisk(&bytes), report.clone(), state.clone(), cx)
        }
        Outcome::NoLedger => without_ledger(previous.message.clone()?, report.clone(), state.clone(), cx),
        Outcome::Attachment | Outcome::Failed => return None,
    };
    converted.reused = true;
    Some(converted)
}

/// The result of a file that holds no ledger: skipped, or an error with `--strict`.
fn without_ledger(message: String, mut report: FileReport, mut state: FileState, cx: &FileContext) -> Converted {
    report.status = if cx.options.strict { FileStatus::Error } else { FileStatus::Skipped };
    report.message = Some(if cx.options.strict { message.clone() } else { format!("no-ledger: {message}") });
    state.outcome = Outcome::NoLedger;
    state.message = Some(message);
    Converted { report, jsonl: Vec::new(), csv: Vec::new(), doc: None, state, reused: false }
}

/// The result of a converted notice: its report counts, its notice JSON (written unless it is
/// on disk already), its tasks rendered.
fn with_document(
    doc: NoticeDocument,
    json: NoticeJson,
    mut report: FileReport,
    mut state: FileState,
    cx: &FileContext,
) -> Converted {
    let count = |s: Severity| doc.diagnostics.iter().filter(|d| d.severity == s).count();
    report.status = FileStatus::Ok;
    report.notice_id = Some(doc.notice.id.clone());
    report.tasks = doc.tasks.len();
    report.errors = count(Severity::Error);
    report.warnings = count(Severity::Warning);
    report.infos = count(Severity::Info);
    report.message = doc.diagnostics.iter().find(|d| d.severity == Severity::Error).map(|d| d.to_string());
    let output = notice_output(&report.key);
    let rendered = (|| -> Result<_, OutputError> {
        // Each notice's own file is written here, on the worker: its name is its own, so the
        // order of these writes does not matter. It is synced with all the others once, before
        // the report and the state that name it are written (`run_batch`).
        let write = |bytes: &[u8]| -> Result<String, OutputError> {
            crate::output::write_atomic_unsynced(&cx.options.out_dir.join(&output), bytes)?;
            Ok(sha256_hex(bytes))
        };
        let json_hash = match json {
            NoticeJson::OnDisk(bytes) => sha256_hex(bytes),
            NoticeJson::Rendered(bytes) => write(bytes)?,
            NoticeJson::Render => write(&render(&doc, OutputFormat::Json)?)?,
        };
        let jsonl = render(&doc, OutputFormat::Jsonl)?;
        let mut csv = Vec::new();
        {
            let mut w = csv_writer(&mut csv);
            write_csv_tasks(&mut w, &doc)?;
            w.flush().map_err(csv::Error::from)?;
        }
        Ok((json_hash, jsonl, csv))
    })();
    match rendered {
        Ok((json_hash, jsonl, csv)) => {
            report.output = Some(output);
            state.outcome = Outcome::Converted;
            state.output = Some(json_hash);
            Converted { report, jsonl, csv, doc: Some(doc), state, reused: false }
        }
        Err(e) => {
            // Nothing of this notice is written (a full disk, say): its tasks are not counted.
            report.status = FileStatus::Error;
            report.tasks = 0;
            report.message = Some(e.to_string());
            Converted { report, jsonl: Vec::new(), csv: Vec::new(), doc: None, state, reused: false }
        }
    }
}

/// One input's work (see the module documentation).
pub(super) fn process(input: &InputFile, cx: &FileContext) -> Converted {
    let report = FileReport {
        key: input.key.clone(),
        path: input.path.to_string_lossy().into_owned(),
        status: FileStatus::Error,
        notice_id: None,
        tasks: 0,
        errors: 0,
        warnings: 0,
        infos: 0,
        output: None,
        message: None,
    };
    let state = FileState {
        key: input.key.clone(),
        path: report.path.clone(),
        content: String::new(),
        outcome: Outcome::Failed,
        output: None,
        message: None,
    };
    if let Some(page) = &input.attached_to {
        let report = FileReport {
            status: FileStatus::Attachment,
            message: Some(format!("read with the notice page {page} that links it")),
            ..report
        };
        let state = FileState { content: content_hash(input), outcome: Outcome::Attachment, ..state };
        return Converted { report, jsonl: Vec::new(), csv: Vec::new(), doc: None, state, reused: false };
    }
    if let Some(problem) = &input.problem {
        let report = FileReport { message: Some(problem.clone()), ..report };
        return Converted { report, jsonl: Vec::new(), csv: Vec::new(), doc: None, state, reused: false };
    }
    let (state, obtained) = match by_path(input, cx) {
        Some(worker) => {
            let (obtained, sha256) = cx.pool.convert(input, &Request::Path, worker);
            // The child's hash of what it read is the content hash of a file that links none;
            // when it read nothing or did not reply, the file is hashed as a failed read is.
            (FileState { content: sha256.unwrap_or_else(|| content_hash(input)), ..state }, obtained)
        }
        None => {
            let (content, read) = read_input(input, cx.config);
            let state = FileState { content, ..state };
            if let Some(reused) = reuse(input, cx, &report, &state) {
                return reused;
            }
            (state, obtain(input, read, cx.config, cx.options.worker.as_ref(), cx.pool))
        }
    };
    match obtained {
        Ok(Obtained { doc, json }) => {
            let json = json.as_deref().map_or(NoticeJson::Render, NoticeJson::Rendered);
            with_document(doc, json, report, state, cx)
        }
        Err(Failure::NoLedger(message)) => without_ledger(message, report, state, cx),
        Err(Failure::Error(message)) => {
            let report = FileReport { message: Some(message), ..report };
            Converted { report, jsonl: Vec::new(), csv: Vec::new(), doc: None, state, reused: false }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_once_and_hashed_as_the_state_says() {
        let dir = tempfile::tempdir().unwrap();
        let (page, linked, empty) = (dir.path().join("p.html"), dir.path().join("a.xlsx"), dir.path().join("e.txt"));
        std::fs::write(&page, "<p>通知</p>").unwrap();
        std::fs::write(&linked, "attachment").unwrap();
        std::fs::write(&empty, "").unwrap();
        let input = |path: &std::path::Path, linked: Vec<std::path::PathBuf>| InputFile {
            key: path.file_name().unwrap().to_string_lossy().into_owned(),
            path: path.to_path_buf(),
            problem: None,
            attached_to: None,
            has_attachments: false,
            linked,
        };
        let config = Config::default();
        // No links: the hash of the source read for converting, which is the state's content hash.
        let alone = input(&page, Vec::new());
        let (content, read) = read_input(&alone, &config);
        assert_eq!(content, content_hash(&alone));
        assert_eq!(read.unwrap().sha256, content);
        // With links, and for a file that cannot be read as a source, the state's own hash.
        let with_link = input(&page, vec![linked.clone()]);
        let (content, read) = read_input(&with_link, &config);
        assert_eq!(content, content_hash(&with_link));
        assert_ne!(content, read.unwrap().sha256, "the linked file's bytes are part of the content");
        let unreadable = input(&empty, Vec::new());
        let (content, read) = read_input(&unreadable, &config);
        assert!(read.is_err());
        assert_eq!(content, content_hash(&unreadable));
    }

    #[test]
    fn a_panic_in_one_file_becomes_its_error() {
        let outcome: Result<(), String> = contain_panic(|| panic!("index out of bounds in a hostile file"));
        assert_eq!(
            outcome.unwrap_err(),
            "internal error (panic) while converting: index out of bounds in a hostile file"
        );
        let v = 3;
        assert_eq!(
            contain_panic(|| -> () { panic!("formatted {v}") }).unwrap_err(),
            "internal error (panic) while converting: formatted 3"
        );
        assert_eq!(contain_panic(|| 7), Ok(7));
    }
}
