//! Batch runs: many notices in parallel into one output directory, for archives and CI.
//!
//! Inputs are put in a canonical order (by key: the path relative to the directory argument it
//! was found under, or the file name for a file argument) so that the outputs do not depend on
//! the order of arguments or on the number of threads. Files are converted in parallel, a chunk
//! at a time, and their results written in canonical order; nothing holds more than one chunk, so
//! memory stays flat however large the archive.
//!
//! Output directory layout:
//! - `notices/<key>.json` — each notice's canonical document;
//! - `tasks.jsonl` — every task, one a line, with its `notice_id`;
//! - `tasks.csv` — every task, one a row (UTF-8 with a BOM);
//! - `report.json` — per file: status, task count, diagnostics by severity, output path;
//! - with `--junit`, a JUnit XML file; with `--sqlite`, a SQLite database (see [`crate::sqlite`]).
//!
//! Every file is written to a temporary name and renamed when complete.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::convert::{convert_path, Config};
use crate::diag::Severity;
use crate::emit::{csv_writer, render, write_csv_tasks, OutputFormat, CSV_BOM, CSV_HEADER};
use crate::record::NoticeDocument;

/// Files per parallel chunk: large enough to keep every thread busy, small enough that memory
/// does not grow with the archive.
const CHUNK: usize = 128;

/// Extensions a directory walk picks up as notices.
pub const NOTICE_EXTENSIONS: &[&str] = &["txt", "html", "htm", "shtml", "pdf", "docx", "xlsx", "doc", "xls", "wps"];

/// Why a batch could not run (as opposed to one file failing, which goes in the report).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("cannot read input {path}: {source}")]
    Input { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Output { path: PathBuf, source: std::io::Error },
    #[error("invalid shard {spec:?}: expected I/N with 0 <= I < N, e.g. 0/4")]
    BadShard { spec: String },
    #[error("{path} is not a batch output directory: {reason}")]
    NotBatchOutput { path: PathBuf, reason: String },
    #[error("cannot start {jobs} worker threads: {message}")]
    Threads { jobs: usize, message: String },
    #[error("SQLite {path}: {message}")]
    Sqlite { path: PathBuf, message: String },
}

fn output_error(path: &Path) -> impl Fn(std::io::Error) -> BatchError + '_ {
    move |source| BatchError::Output { path: path.to_path_buf(), source }
}

/// One input file and its key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputFile {
    /// `/`-separated, relative, never containing `..`: the name outputs are derived from.
    pub key: String,
    pub path: PathBuf,
}

/// Which part of the inputs this run processes: shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `I/N`.
    pub fn parse(spec: &str) -> Result<Shard, BatchError> {
        let bad = || BatchError::BadShard { spec: spec.to_string() };
        let (i, n) = spec.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the input with `key` belongs to this shard: a hash of the key, so the split is the
    /// same on every machine and does not depend on the order of the inputs.
    pub fn contains(&self, key: &str) -> bool {
        let digest = Sha256::digest(key.as_bytes());
        let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        (n % u64::from(self.count)) as u32 == self.index
    }
}

/// Turns a relative path into a key: normal components joined by `/`; `..`, roots and prefixes
/// are dropped so an output derived from the key cannot leave the output directory.
fn key_of(relative: &Path) -> String {
    relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Expands the arguments into input files in canonical order: directories are walked for
/// [`NOTICE_EXTENSIONS`] (hidden entries skipped), files are taken as given. Keys that collide
/// get a hash of the full path appended.
pub fn discover_inputs(args: &[PathBuf]) -> Result<Vec<InputFile>, BatchError> {
    let mut inputs = Vec::new();
    for arg in args {
        let meta = std::fs::metadata(arg).map_err(|source| BatchError::Input { path: arg.clone(), source })?;
        if meta.is_dir() {
            let walker = walkdir::WalkDir::new(arg).follow_links(false).sort_by_file_name().into_iter();
            for entry in walker.filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')) {
                let entry = entry.map_err(|e| BatchError::Input {
                    path: e.path().map_or_else(|| arg.clone(), Path::to_path_buf),
                    source: e.into_io_error().unwrap_or_else(|| std::io::Error::other("directory loop")),
                })?;
                let ext = entry.path().extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
                if entry.file_type().is_file() && NOTICE_EXTENSIONS.contains(&ext.as_str()) {
                    let relative = entry.path().strip_prefix(arg).unwrap_or(entry.path());
                    inputs.push(InputFile { key: key_of(relative), path: entry.path().to_path_buf() });
                }
            }
        } else {
            let name = arg.file_name().map_or_else(|| key_of(arg), |n| n.to_string_lossy().into_owned());
            inputs.push(InputFile { key: name, path: arg.clone() });
        }
    }
    inputs.sort();
    inputs.dedup_by(|a, b| a.path == b.path);
    let mut seen = std::collections::HashMap::new();
    for input in &inputs {
        *seen.entry(input.key.clone()).or_insert(0) += 1;
    }
    for input in &mut inputs {
        if seen[&input.key] > 1 {
            let hash = crate::ids::short_hash(&input.path.to_string_lossy(), 8);
            input.key = format!("{}~{hash}", input.key);
        }
    }
    inputs.sort();
    Ok(inputs)
}

/// What happened to one input, as the report lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReport {
    pub key: String,
    pub path: String,
    /// `ok` or `error` (the file could not be converted).
    pub status: String,
    pub notice_id: Option<String>,
    pub tasks: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// The notice's JSON, relative to the output directory.
    pub output: Option<String>,
    /// Why the file could not be converted, or the first error diagnostic.
    pub message: Option<String>,
}

impl FileReport {
    /// Whether this file fails the batch at `fail_on`.
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.status != "ok" || self.errors > 0 || (fail_on == Severity::Warning && self.warnings > 0)
    }
}

/// Totals of a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub files: usize,
    pub ok: usize,
    pub failed: usize,
    pub tasks: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Totals {
    fn add(&mut self, r: &FileReport) {
        self.files += 1;
        if r.status == "ok" {
            self.ok += 1;
        } else {
            self.failed += 1;
        }
        self.tasks += r.tasks;
        self.errors += r.errors;
        self.warnings += r.warnings;
        self.infos += r.infos;
    }
}

/// Report format identifier, the first field of `report.json`.
pub const REPORT_FORMAT: &str = "notice-ingest-batch-report/1";

/// Everything a batch run needs, checked before work starts.
pub struct BatchOptions {
    pub out_dir: PathBuf,
    pub jobs: usize,
    pub report: PathBuf,
    pub junit: Option<PathBuf>,
    pub sqlite: Option<PathBuf>,
    pub shard: Option<Shard>,
}

/// The outcome of a batch.
#[derive(Clone, Debug, Default)]
pub struct BatchSummary {
    pub totals: Totals,
    /// Reports of the files that fail at the requested severity (for the exit code).
    pub failing: Vec<FileReport>,
    pub seconds: f64,
}

/// The work done for one file on a worker thread: the document rendered in every form the
/// writer needs, so the writer only copies bytes.
struct Converted {
    report: FileReport,
    jsonl: Vec<u8>,
    csv: Vec<u8>,
    doc: Option<NoticeDocument>,
}

/// Runs `work`; a panic in it (a bug that slipped through) becomes an error message for that one
/// file instead of taking the batch down.
fn contain_panic<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        format!("internal error (panic) while converting: {what}")
    })
}

fn convert_one(input: &InputFile, config: &Config, out_dir: &Path, keep_doc: bool) -> Converted {
    let mut report = FileReport {
        key: input.key.clone(),
        path: input.path.to_string_lossy().into_owned(),
        status: "error".into(),
        notice_id: None,
        tasks: 0,
        errors: 0,
        warnings: 0,
        infos: 0,
        output: None,
        message: None,
    };
    let doc = match contain_panic(|| convert_path(&input.path, config)) {
        Ok(Ok(doc)) => doc,
        Ok(Err(e)) => {
            report.message = Some(e.to_string());
            return Converted { report, jsonl: Vec::new(), csv: Vec::new(), doc: None };
        }
        Err(message) => {
            report.message = Some(message);
            return Converted { report, jsonl: Vec::new(), csv: Vec::new(), doc: None };
        }
    };
    let count = |s: Severity| doc.diagnostics.iter().filter(|d| d.severity == s).count();
    report.status = "ok".into();
    report.notice_id = Some(doc.notice.id.clone());
    report.tasks = doc.tasks.len();
    report.errors = count(Severity::Error);
    report.warnings = count(Severity::Warning);
    report.infos = count(Severity::Info);
    report.message = doc.diagnostics.iter().find(|d| d.severity == Severity::Error).map(|d| d.to_string());
    let output = format!("notices/{}.json", input.key);
    let rendered = (|| -> Result<_, crate::emit::EmitError> {
        // Each notice's own file is written here, on the worker: its name is its own, so the
        // order of these writes does not matter.
        crate::emit::write_atomic(&out_dir.join(&output), &render(&doc, OutputFormat::Json)?)?;
        let jsonl = render(&doc, OutputFormat::Jsonl)?;
        let mut csv = Vec::new();
        {
            let mut w = csv_writer(&mut csv);
            write_csv_tasks(&mut w, &doc)?;
            w.flush().map_err(|e| crate::emit::EmitError::Serialize(e.to_string()))?;
        }
        Ok((jsonl, csv))
    })();
    match rendered {
        Ok((jsonl, csv)) => {
            report.output = Some(output);
            Converted { report, jsonl, csv, doc: keep_doc.then_some(doc) }
        }
        Err(e) => {
            report.status = "error".into();
            report.message = Some(e.to_string());
            Converted { report, jsonl: Vec::new(), csv: Vec::new(), doc: None }
        }
    }
}

/// A file being written under a temporary name, renamed into place by [`Staged::commit`].
struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    out: BufWriter<std::fs::File>,
}

impl Staged {
    fn create(path: &Path) -> Result<Staged, BatchError> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(output_error(path))?;
        let name = path.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = std::fs::File::create(&tmp).map_err(output_error(&tmp))?;
        Ok(Staged { tmp, path: path.to_path_buf(), out: BufWriter::new(file) })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), BatchError> {
        self.out.write_all(bytes).map_err(output_error(&self.tmp))
    }

    fn commit(mut self) -> Result<(), BatchError> {
        self.out.flush().map_err(output_error(&self.tmp))?;
        std::fs::rename(&self.tmp, &self.path).map_err(output_error(&self.path))
    }
}

/// Starts the batch-wide outputs under temporary names: `tasks.jsonl`, `tasks.csv` (BOM and
/// header written) and the report (its opening written).
fn start_outputs(out: &Path, report_path: &Path) -> Result<(Staged, Staged, Staged), BatchError> {
    let jsonl = Staged::create(&out.join("tasks.jsonl"))?;
    let mut csv = Staged::create(&out.join("tasks.csv"))?;
    let mut header = CSV_BOM.to_vec();
    {
        let mut w = csv_writer(&mut header);
        w.write_record(CSV_HEADER).map_err(|e| BatchError::Output { path: out.join("tasks.csv"), source: e.into() })?;
        w.flush().map_err(output_error(out))?;
    }
    csv.write(&header)?;
    let mut report = Staged::create(report_path)?;
    report.write(format!("{{\n  \"format\": \"{REPORT_FORMAT}\",\n  \"files\": [").as_bytes())?;
    Ok((jsonl, csv, report))
}

/// Runs a batch over `inputs` (already in canonical order and sharded). `on_file` sees each
/// file's report as it is written (for progress display).
pub fn run_batch(
    inputs: &[InputFile],
    config: &Config,
    options: &BatchOptions,
    fail_on: Severity,
    mut on_file: impl FnMut(&FileReport),
) -> Result<BatchSummary, BatchError> {
    let started = Instant::now();
    let out = &options.out_dir;
    std::fs::create_dir_all(out).map_err(output_error(out))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(|e| BatchError::Threads { jobs: options.jobs, message: e.to_string() })?;
    let (mut jsonl, mut csv, mut report) = start_outputs(out, &options.report)?;
    let mut junit = match &options.junit {
        Some(p) => Some(crate::junit::JunitWriter::create(p)?),
        None => None,
    };
    let mut db = match &options.sqlite {
        Some(p) => Some(
            crate::sqlite::TrackerDb::open(p)
                .map_err(|e| BatchError::Sqlite { path: p.clone(), message: e.to_string() })?,
        ),
        None => None,
    };
    let mut summary = BatchSummary::default();
    let mut first = true;
    for chunk in inputs.chunks(CHUNK) {
        let keep_doc = db.is_some();
        let results: Vec<Converted> =
            pool.install(|| chunk.par_iter().map(|input| convert_one(input, config, out, keep_doc)).collect());
        let docs: Vec<&NoticeDocument> = results.iter().filter_map(|r| r.doc.as_ref()).collect();
        if let (Some(db), Some(path)) = (db.as_mut(), options.sqlite.as_ref()) {
            db.upsert(&docs).map_err(|e| BatchError::Sqlite { path: path.clone(), message: e.to_string() })?;
        }
        for converted in &results {
            jsonl.write(&converted.jsonl)?;
            csv.write(&converted.csv)?;
            let entry = serde_json::to_string(&converted.report).expect("reports serialize");
            report.write(format!("{}\n    {entry}", if first { "" } else { "," }).as_bytes())?;
            first = false;
            if let Some(j) = junit.as_mut() {
                j.add(&converted.report, fail_on)?;
            }
            summary.totals.add(&converted.report);
            if converted.report.fails(fail_on) {
                summary.failing.push(converted.report.clone());
            }
            on_file(&converted.report);
        }
    }
    let totals = serde_json::to_string(&summary.totals).expect("totals serialize");
    report.write(format!("\n  ],\n  \"totals\": {totals}\n}}\n").as_bytes())?;
    jsonl.commit()?;
    csv.commit()?;
    report.commit()?;
    if let Some(j) = junit {
        j.finish(&summary.totals, summary.failing.len())?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// A batch report as read back (for `merge`).
#[derive(Debug, Deserialize)]
struct ReportFile {
    format: String,
    files: Vec<FileReport>,
}

/// Joins the outputs of shard runs (`DIR/report.json`, `tasks.jsonl`, `tasks.csv`, `notices/`)
/// into `out`, byte for byte what one unsharded run would have written.
pub fn merge_outputs(dirs: &[PathBuf], out: &Path) -> Result<Totals, BatchError> {
    struct Shard {
        files: std::vec::IntoIter<FileReport>,
        jsonl: std::io::Lines<std::io::BufReader<std::fs::File>>,
        csv: csv::Reader<std::io::BufReader<std::fs::File>>,
        dir: PathBuf,
    }
    let mut shards = Vec::new();
    for dir in dirs {
        let not_output = |reason: String| BatchError::NotBatchOutput { path: dir.clone(), reason };
        let text =
            std::fs::read_to_string(dir.join("report.json")).map_err(|e| not_output(format!("report.json: {e}")))?;
        let report: ReportFile = serde_json::from_str(&text).map_err(|e| not_output(format!("report.json: {e}")))?;
        if report.format != REPORT_FORMAT {
            return Err(not_output(format!("report format {:?}, expected {REPORT_FORMAT:?}", report.format)));
        }
        let open = |name: &str| std::fs::File::open(dir.join(name)).map_err(|e| not_output(format!("{name}: {e}")));
        let mut file = std::io::BufReader::new(open("tasks.csv")?);
        let mut bom = [0u8; 3];
        std::io::Read::read_exact(&mut file, &mut bom).map_err(|e| not_output(format!("tasks.csv: {e}")))?;
        if bom != CSV_BOM {
            return Err(not_output("tasks.csv does not start with a byte-order mark".into()));
        }
        let csv = csv::ReaderBuilder::new().has_headers(true).from_reader(file);
        shards.push(Shard {
            files: report.files.into_iter(),
            jsonl: std::io::BufReader::new(open("tasks.jsonl")?).lines(),
            csv,
            dir: dir.clone(),
        });
    }
    std::fs::create_dir_all(out).map_err(output_error(out))?;
    let (mut jsonl, mut csv, mut report) = start_outputs(out, &out.join("report.json"))?;
    let mut heads: Vec<Option<FileReport>> = shards.iter_mut().map(|s| s.files.next()).collect();
    let mut totals = Totals::default();
    let mut first = true;
    loop {
        let next = heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|h| (i, h.key.clone())))
            .min_by(|a, b| a.1.cmp(&b.1));
        let Some((i, _)) = next else { break };
        let entry = heads[i].take().expect("chosen head exists");
        heads[i] = shards[i].files.next();
        let shard = &mut shards[i];
        let broken = |what: &str| BatchError::NotBatchOutput {
            path: shard.dir.clone(),
            reason: format!("{what} ends before the report says"),
        };
        if entry.status == "ok" {
            for _ in 0..entry.tasks {
                let line =
                    shard.jsonl.next().ok_or_else(|| broken("tasks.jsonl"))?.map_err(output_error(&shard.dir))?;
                jsonl.write(line.as_bytes())?;
                jsonl.write(b"\n")?;
            }
            let rdr = &mut shard.csv;
            let mut rows = Vec::new();
            {
                let mut w = csv_writer(&mut rows);
                let mut record = csv::ByteRecord::new();
                for _ in 0..entry.tasks {
                    if !rdr
                        .read_byte_record(&mut record)
                        .map_err(|e| BatchError::Output { path: shard.dir.join("tasks.csv"), source: e.into() })?
                    {
                        return Err(broken("tasks.csv"));
                    }
                    w.write_byte_record(&record)
                        .map_err(|e| BatchError::Output { path: out.join("tasks.csv"), source: e.into() })?;
                }
                w.flush().map_err(output_error(out))?;
            }
            csv.write(&rows)?;
            if let Some(rel) = &entry.output {
                let bytes = std::fs::read(shard.dir.join(rel))
                    .map_err(|e| BatchError::Input { path: shard.dir.join(rel), source: e })?;
                crate::emit::write_atomic(&out.join(rel), &bytes).map_err(|e| BatchError::Output {
                    path: out.join(rel),
                    source: std::io::Error::other(e.to_string()),
                })?;
            }
        }
        let line = serde_json::to_string(&entry).expect("reports serialize");
        report.write(format!("{}\n    {line}", if first { "" } else { "," }).as_bytes())?;
        first = false;
        totals.add(&entry);
    }
    let t = serde_json::to_string(&totals).expect("totals serialize");
    report.write(format!("\n  ],\n  \"totals\": {t}\n}}\n").as_bytes())?;
    jsonl.commit()?;
    csv.commit()?;
    report.commit()?;
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_keys() {
        let keys: Vec<String> = (0..1000).map(|i| format!("dir/notice-{i}.txt")).collect();
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        for k in &keys {
            assert_eq!(shards.iter().filter(|s| s.contains(k)).count(), 1);
        }
        let sizes: Vec<usize> = shards.iter().map(|s| keys.iter().filter(|k| s.contains(k)).count()).collect();
        assert!(sizes.iter().all(|&n| n > 250), "{sizes:?}");
        assert!(Shard::parse("3/3").is_err() && Shard::parse("x").is_err() && Shard::parse("0/0").is_err());
        assert_eq!(Shard::parse(" 1/4").unwrap(), Shard { index: 1, count: 4 });
    }

    #[test]
    fn keys_never_leave_the_output_directory() {
        assert_eq!(key_of(Path::new("../../etc/passwd")), "etc/passwd");
        assert_eq!(key_of(Path::new("/abs/a.txt")), "abs/a.txt");
        assert_eq!(key_of(Path::new("a/./b.txt")), "a/b.txt");
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
