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
//! - `tasks.csv` — every task, one row per measure (UTF-8 with a BOM);
//! - `tasks.xlsx` — every task, every diagnostic and every file on filterable sheets (feature `xlsx`);
//! - `report.json` — per file: status, task count, diagnostics by severity, output path;
//! - `state.json` — each input's content hash and outcome, for the next `--incremental` run;
//! - with `--junit`, a JUnit XML file; with `--sqlite`, a SQLite database (see [`crate::output::sqlite`]).
//!
//! Every file is written to a temporary name and renamed when complete. With `incremental`, an
//! input unchanged since the previous run (same content, version and configuration) is taken
//! from the output directory instead of converted, and the outputs are still complete: byte for
//! byte what a run from scratch writes.

mod file;
mod inputs;
mod isolate;
mod merge;
mod outdir;
mod state;

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

pub use inputs::{
    discover_inputs, exclude_inputs, group_attachments, input_set_id, InputFile, Shard, NOTICE_EXTENSIONS,
};
pub use isolate::{serve, Isolation, Worker};
pub use merge::merge_outputs;
pub use outdir::{lock_output, OutputLock};
pub use state::{run_fingerprint, sha256_hex, STATE_FILE};
// The report's types, where the batch's users look for them.
pub use crate::output::report::{FileReport, FileStatus, ShardInfo, Totals, REPORT_FORMAT};

use crate::convert::Config;
use crate::diag::{Diagnostic, Severity};
use crate::output::{OutputError, Sink, SinkItem};
use file::{process, FileContext};
use isolate::WorkerPool;
use state::{read_previous, Previous, StateWriter};

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
    #[error("invalid --exclude pattern {pattern:?}: {source}")]
    BadExclude { pattern: String, source: globset::Error },
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
    /// Take the result of each input that is unchanged since the previous run from the output
    /// directory instead of converting it again (see [`STATE_FILE`]).
    pub incremental: bool,
    /// Also remove from the `sqlite` tracker the files of inputs the previous run had and this one
    /// has not (and the notices left with no file). Their `notices/` files go in any case.
    pub prune: bool,
    /// A file without a task ledger is an error, not `skipped`.
    pub strict: bool,
    /// What decides the outputs besides the inputs and this program's version (the registry, the
    /// limits), in any words: a previous run with another fingerprint is not reused.
    pub fingerprint: String,
}

/// What a batch tells its caller while it runs, for progress display. Both are called from the
/// batch's threads.
pub trait BatchProgress: Sync {
    /// A file's work is done (converted, or found unchanged), in the order files finish: its
    /// report so far (a file found to repeat an earlier notice is still `ok` here) and its
    /// diagnostics.
    fn converted(&self, _report: &FileReport, _diagnostics: &[Diagnostic]) {}
    /// A file's result is written, in canonical order, with its final status.
    fn written(&self, _report: &FileReport) {}
}

/// No progress display.
pub struct NoProgress;

impl BatchProgress for NoProgress {}

/// The outcome of a batch.
#[derive(Clone, Debug, Default)]
pub struct BatchSummary {
    pub totals: Totals,
    /// Reports of the files that fail at the requested severity (for the exit code).
    pub failing: Vec<FileReport>,
    pub seconds: f64,
    /// Files whose conversion ran in this run.
    pub converted: usize,
    /// Files taken unchanged from the previous run (`incremental`).
    pub reused: usize,
    /// Keys of the inputs the previous run had and this one has not (with `incremental` or
    /// `prune`); their outputs are removed.
    pub gone: Vec<String>,
    /// Why the previous run's state could not be used, when it was asked for.
    pub previous_state: Option<String>,
}

/// Runs a batch over `inputs` (already in canonical order and sharded). `progress` hears of each
/// file as its work finishes and as it is written.
pub fn run_batch(
    inputs: &[InputFile],
    config: &Config,
    options: &BatchOptions,
    fail_on: Severity,
    progress: &dyn BatchProgress,
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
    let mut summary = BatchSummary::default();
    let fingerprint = run_fingerprint(&options.fingerprint);
    let previous = match (options.incremental || options.prune).then(|| read_previous(out, &fingerprint)) {
        Some(Previous::Usable(p)) => Some(p),
        Some(Previous::Unusable(why)) => {
            summary.previous_state = Some(why);
            None
        }
        None => None,
    };
    let current: std::collections::HashSet<&str> = inputs.iter().map(|i| i.key.as_str()).collect();
    let gone: Vec<state::FileState> =
        previous.as_ref().map(|p| p.gone(&current).into_iter().cloned().collect()).unwrap_or_default();
    summary.gone = gone.iter().map(|f| f.key.clone()).collect();
    let mut sinks: Vec<Box<dyn Sink>> = vec![
        Box::new(crate::output::JsonlSink::create(&out.join("tasks.jsonl"))?),
        Box::new(crate::output::CsvSink::create(&out.join("tasks.csv"))?),
    ];
    #[cfg(feature = "xlsx")]
    sinks.push(Box::new(crate::output::xlsx::TasksWorkbookSink::create(&out.join("tasks.xlsx"))?));
    if let Some(p) = &options.junit {
        sinks.push(Box::new(crate::output::junit::JunitSink::create(p, fail_on)?));
    }
    #[cfg(feature = "sqlite")]
    if let Some(p) = &options.sqlite {
        let mut tracker = crate::output::sqlite::TrackerSink::open(p)?;
        if options.prune {
            tracker.prune_on_finish(gone.iter().map(|f| f.path.clone()).collect());
        }
        sinks.push(Box::new(tracker));
    }
    #[cfg(not(feature = "sqlite"))]
    if let Some(p) = &options.sqlite {
        return Err(BatchError::Write(OutputError::SqliteUnavailable { path: p.clone() }));
    }
    // The report counts what the other outputs hold: it is completed last, then the state.
    let mut report = crate::output::ReportSink::create(&options.report, options.shard.as_ref())?;
    let workers = WorkerPool::default();
    let cx =
        FileContext { config, options, pool: &workers, previous: previous.as_ref().filter(|_| options.incremental) };
    let mut written = std::collections::HashSet::new();
    // Each input's state goes to the file as its chunk is done (committed last, after the report).
    let mut states = StateWriter::create(out, &fingerprint)?;
    let mut seen_notices: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for chunk in inputs.chunks(CHUNK) {
        let mut results: Vec<file::Converted> = pool.install(|| {
            chunk
                .par_iter()
                .map(|input| {
                    let converted = process(input, &cx);
                    let diagnostics = converted.doc.as_ref().map_or(&[][..], |d| &d.diagnostics[..]);
                    progress.converted(&converted.report, diagnostics);
                    converted
                })
                .collect()
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
        for converted in results {
            if let Some(o) = &converted.report.output {
                written.insert(o.clone());
            }
            summary.totals.add(&converted.report);
            if converted.report.fails(fail_on) {
                summary.failing.push(converted.report.clone());
            }
            if converted.reused {
                summary.reused += 1;
            } else if converted.report.status != FileStatus::Attachment {
                summary.converted += 1;
            }
            progress.written(&converted.report);
            states.push(&converted.state)?;
        }
    }
    // The data first, the report that counts it next, the state that lets the next run reuse
    // it last. The notices' own files were put in place unsynced; one sync makes them all
    // durable before anything that names them is (a crash before it can damage a notice file,
    // which the next --incremental run sees by its hash and converts again).
    crate::output::sync_folder(&out.join("notices"))?;
    for sink in sinks {
        sink.finish(&summary.totals, summary.failing.len())?;
    }
    outdir::remove_stale_notices(out, &written)?;
    Box::new(report).finish(&summary.totals, summary.failing.len())?;
    states.finish()?;
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
}
