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
//! - with `--junit`, a JUnit XML file; with `--sqlite`, a SQLite database (see [`crate::output::sqlite`]).
//!
//! Every file is written to a temporary name and renamed when complete.

mod inputs;
mod isolate;
mod merge;
mod outdir;

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

pub use inputs::{discover_inputs, group_attachments, input_set_id, InputFile, Shard, NOTICE_EXTENSIONS};
pub use isolate::{serve, Isolation, Worker, WorkerReply};
pub use merge::merge_outputs;
pub use outdir::{lock_output, OutputLock};
// The report's types, where the batch's users look for them.
pub use crate::output::report::{FileReport, FileStatus, ShardInfo, Totals, REPORT_FORMAT};

use crate::convert::{convert_path, Config};
use crate::diag::Severity;
use crate::output::{csv_writer, render, write_csv_tasks, OutputError, OutputFormat, Sink, SinkItem};
use crate::record::NoticeDocument;
use isolate::{convert_bytes, WorkerPool};

/// Files per parallel chunk: large enough to keep every thread busy, small enough that memory
/// does not grow with the archive.
const CHUNK: usize = 128;

/// Why a batch could not run (as opposed to one file failing, which goes in the report).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    #[error("cannot read input {path}: {source}")]
    Input { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Output { path: PathBuf, source: std::io::Error },
    #[error("invalid shard {spec:?}: expected I/N with 0 <= I < N, e.g. 0/4")]
    BadShard { spec: String },
    #[error("{path} is not a batch output directory: {reason}")]
    NotBatchOutput { path: PathBuf, reason: String },
    #[error("cannot start {jobs} worker threads: {source}")]
    Threads { jobs: usize, source: rayon::ThreadPoolBuildError },
    #[error("{path} is in use by another run (batch or merge) writing into it; wait for it to finish or choose another output directory")]
    Locked { path: PathBuf },
    #[error("{flag} {path} is {what}: the run would overwrite or corrupt it; choose another path")]
    OutputClash { flag: String, path: PathBuf, what: String },
    #[error("cannot merge: {0}")]
    IncompleteShards(String),
    #[error(transparent)]
    Write(#[from] OutputError),
}

fn output_error(path: &Path) -> impl Fn(std::io::Error) -> BatchError + '_ {
    move |source| BatchError::Output { path: path.to_path_buf(), source }
}

/// Everything a batch run needs, checked before work starts.
pub struct BatchOptions {
    pub out_dir: PathBuf,
    pub jobs: usize,
    pub report: PathBuf,
    pub junit: Option<PathBuf>,
    pub sqlite: Option<PathBuf>,
    /// The shard this run covers, written into its report for `merge`.
    pub shard: Option<ShardInfo>,
    /// Converting in child processes, when set (see [`Worker`]).
    pub worker: Option<Worker>,
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
pub(crate) fn contain_panic<T>(work: impl FnOnce() -> T) -> Result<T, String> {
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
fn obtain(
    input: &InputFile,
    config: &Config,
    worker: Option<&Worker>,
    pool: &WorkerPool,
) -> Result<NoticeDocument, String> {
    if let Some(problem) = &input.problem {
        return Err(problem.clone());
    }
    let Some(worker) = worker.filter(|w| w.isolation != Isolation::Off) else {
        return contain_panic(|| convert_path(&input.path, config))?.map_err(|e| e.to_string());
    };
    // Read and sniffed here, with the same checks and messages as in-process; converted there.
    let source = crate::input::read_source(&input.path, config.limits.max_input_bytes)
        .map_err(|e| crate::Error::from(e).with_path(&input.path).to_string())?;
    // A page read with its attachments goes to a child when they would.
    if !(worker.isolation.applies_to(source.format) || input.has_attachments && worker.isolation != Isolation::Off) {
        return contain_panic(|| convert_bytes(&input.path, source.bytes, config))?.map_err(|e| e.to_string());
    }
    pool.convert(input, &source.bytes, worker)
}

fn convert_one(
    input: &InputFile,
    config: &Config,
    options: &BatchOptions,
    pool: &WorkerPool,
    keep_doc: bool,
) -> Converted {
    let out_dir = &options.out_dir;
    let mut report = FileReport {
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
    if let Some(page) = &input.attached_to {
        report.status = FileStatus::Attachment;
        report.message = Some(format!("read with the notice page {page} that links it"));
        return Converted { report, jsonl: Vec::new(), csv: Vec::new(), doc: None };
    }
    let doc = match obtain(input, config, options.worker.as_ref(), pool) {
        Ok(doc) => doc,
        Err(message) => {
            report.message = Some(message);
            return Converted { report, jsonl: Vec::new(), csv: Vec::new(), doc: None };
        }
    };
    let count = |s: Severity| doc.diagnostics.iter().filter(|d| d.severity == s).count();
    report.status = FileStatus::Ok;
    report.notice_id = Some(doc.notice.id.clone());
    report.tasks = doc.tasks.len();
    report.errors = count(Severity::Error);
    report.warnings = count(Severity::Warning);
    report.infos = count(Severity::Info);
    report.message = doc.diagnostics.iter().find(|d| d.severity == Severity::Error).map(|d| d.to_string());
    let output = format!("notices/{}.json", input.key);
    let rendered = (|| -> Result<_, crate::output::OutputError> {
        // Each notice's own file is written here, on the worker: its name is its own, so the
        // order of these writes does not matter.
        crate::output::write_atomic(&out_dir.join(&output), &render(&doc, OutputFormat::Json)?)?;
        let jsonl = render(&doc, OutputFormat::Jsonl)?;
        let mut csv = Vec::new();
        {
            let mut w = csv_writer(&mut csv);
            write_csv_tasks(&mut w, &doc)?;
            w.flush().map_err(csv::Error::from)?;
        }
        Ok((jsonl, csv))
    })();
    match rendered {
        Ok((jsonl, csv)) => {
            report.output = Some(output);
            Converted { report, jsonl, csv, doc: keep_doc.then_some(doc) }
        }
        Err(e) => {
            // Nothing of this notice is written (a full disk, say): its tasks are not counted.
            report.status = FileStatus::Error;
            report.tasks = 0;
            report.message = Some(e.to_string());
            Converted { report, jsonl: Vec::new(), csv: Vec::new(), doc: None }
        }
    }
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
    let _lock = lock_output(out)?;
    outdir::check_output_paths(options)?;
    outdir::remove_stale_temporaries(options);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(|e| BatchError::Threads { jobs: options.jobs, source: e })?;
    let mut sinks: Vec<Box<dyn Sink>> = vec![
        Box::new(crate::output::JsonlSink::create(&out.join("tasks.jsonl"))?),
        Box::new(crate::output::CsvSink::create(&out.join("tasks.csv"))?),
    ];
    if let Some(p) = &options.junit {
        sinks.push(Box::new(crate::output::junit::JunitSink::create(p, fail_on)?));
    }
    #[cfg(feature = "sqlite")]
    if let Some(p) = &options.sqlite {
        sinks.push(Box::new(crate::output::sqlite::TrackerSink::open(p)?));
    }
    #[cfg(not(feature = "sqlite"))]
    if let Some(p) = &options.sqlite {
        return Err(BatchError::Write(OutputError::SqliteUnavailable { path: p.clone() }));
    }
    // The report counts what the other outputs hold: it is completed last.
    let mut report = crate::output::ReportSink::create(&options.report, options.shard.as_ref())?;
    let keep_doc = options.sqlite.is_some();
    let workers = WorkerPool::default();
    let mut summary = BatchSummary::default();
    let mut written = std::collections::HashSet::new();
    let mut seen_notices: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for chunk in inputs.chunks(CHUNK) {
        let mut results: Vec<Converted> = pool.install(|| {
            chunk.par_iter().map(|input| convert_one(input, config, options, &workers, keep_doc)).collect()
        });
        // A notice an earlier file gave already (in key order, so the same whatever the threads)
        // is written once: its own JSON stays, its tasks are not repeated, its file is one more
        // source of the notice.
        let mut duplicate = vec![false; results.len()];
        for (n, converted) in results.iter_mut().enumerate() {
            if converted.report.status != FileStatus::Ok {
                continue;
            }
            let Some(id) = converted.report.notice_id.clone() else { continue };
            match seen_notices.get(&id) {
                Some(first_path) => {
                    converted.report = converted.report.clone().into_duplicate(first_path);
                    duplicate[n] = true;
                }
                None => {
                    seen_notices.insert(id, converted.report.path.clone());
                }
            }
        }
        let items: Vec<SinkItem> = results
            .iter()
            .zip(&duplicate)
            .map(|(r, &d)| SinkItem {
                report: &r.report,
                doc: r.doc.as_ref(),
                jsonl: &r.jsonl,
                csv: &r.csv,
                tasks_written_here: !d,
            })
            .collect();
        for sink in &mut sinks {
            sink.chunk(&items)?;
        }
        report.chunk(&items)?;
        for converted in &results {
            if let Some(o) = &converted.report.output {
                written.insert(o.clone());
            }
            summary.totals.add(&converted.report);
            if converted.report.fails(fail_on) {
                summary.failing.push(converted.report.clone());
            }
            on_file(&converted.report);
        }
    }
    // The data first, the report that counts it last.
    for sink in sinks {
        sink.finish(&summary.totals, summary.failing.len())?;
    }
    outdir::remove_stale_notices(out, &written)?;
    Box::new(report).finish(&summary.totals, summary.failing.len())?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::inputs::key_of;
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
