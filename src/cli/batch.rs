//! `batch`, `merge` and the hidden worker that converts files for `batch --isolate`.

use std::path::{Path, PathBuf};

use notice_ingest::{Config, Severity};

use super::args::*;
use super::*;
use crate::{INPUT_ERRORS, OK, USAGE_OR_IO};

/// Whether standard output is open. Rust's runtime puts `/dev/null` (opened read-write) on a
/// descriptor that was closed at start, so output written to a closed standard output would be
/// lost with exit code 0; a redirection to `/dev/null` by the shell opens it write-only.
pub(crate) fn stdout_is_open() -> bool {
    #[cfg(unix)]
    // SAFETY: fcntl and fstat/stat on a descriptor number and a NUL-terminated path, into zeroed
    // local structs.
    unsafe {
        if libc::fcntl(1, libc::F_GETFD) == -1 {
            return false;
        }
        if libc::fcntl(1, libc::F_GETFL) & libc::O_ACCMODE == libc::O_RDWR {
            let (mut fd, mut null): (libc::stat, libc::stat) = (std::mem::zeroed(), std::mem::zeroed());
            if libc::fstat(1, &mut fd) == 0
                && libc::stat(c"/dev/null".as_ptr(), &mut null) == 0
                && fd.st_mode & libc::S_IFMT == libc::S_IFCHR
                && fd.st_rdev == null.st_rdev
            {
                return false;
            }
        }
    }
    true
}

/// Limits this process's address space to `mib` MiB (never above a limit already in force), so
/// that a runaway allocation fails here instead of exhausting the machine.
pub(crate) fn limit_address_space(mib: u64) {
    #[cfg(unix)]
    {
        let mut current = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit with a valid resource and a pointer to a local struct.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_AS, &mut current) == 0 {
                let want = mib.saturating_mul(1024 * 1024) as libc::rlim_t;
                let limit = libc::rlimit { rlim_cur: want.min(current.rlim_max), rlim_max: current.rlim_max };
                if limit.rlim_cur < current.rlim_cur {
                    libc::setrlimit(libc::RLIMIT_AS, &limit);
                }
            }
        }
    }
}

/// The child processes for `batch --isolate`: this executable's hidden `__convert-worker` with
/// the same registry and limits.
pub(crate) fn worker(
    isolate: IsolateArg,
    memory_mib: u64,
    registry: Option<&Path>,
    limits: &LimitArgs,
    config: &Config,
) -> Option<notice_ingest::batch::Worker> {
    use notice_ingest::batch::{Isolation, Worker};
    let isolation = match isolate {
        IsolateArg::Off => return None,
        IsolateArg::Office => Isolation::Office,
        IsolateArg::All => Isolation::All,
    };
    let program = std::env::current_exe().ok()?;
    let mut args: Vec<std::ffi::OsString> = vec!["__convert-worker".into()];
    if let Some(r) = registry {
        args.push("--registry".into());
        args.push(r.into());
    }
    args.extend(limits.to_args());
    args.push(format!("--memory-mib={memory_mib}").into());
    let timeout = config.limits.time_budget.map(|t| t + std::time::Duration::from_secs(10));
    Some(Worker { program, args, isolation, memory_mib: Some(memory_mib), timeout })
}

/// Where a batch writes.
pub(crate) struct BatchOutputs {
    pub(crate) out_dir: PathBuf,
    pub(crate) report: Option<PathBuf>,
    pub(crate) junit: Option<PathBuf>,
    pub(crate) sqlite: Option<PathBuf>,
}

/// How a batch runs, besides where it writes.
pub(crate) struct BatchFlags<'a> {
    pub(crate) jobs: Option<usize>,
    pub(crate) fail_on: Severity,
    pub(crate) shard: Option<&'a str>,
    pub(crate) exclude: &'a [String],
    pub(crate) incremental: bool,
    pub(crate) prune: bool,
    pub(crate) strict: bool,
    pub(crate) verbose: bool,
    /// What decides the outputs besides the inputs (registry, limits), for the run state.
    pub(crate) fingerprint: String,
}

/// The configuration that decides a batch's outputs besides its inputs, in words: the registry
/// file's content (or the built-in registries) and the limits.
pub(crate) fn config_fingerprint(registry: Option<&Path>, limits: &LimitArgs) -> String {
    let registry = match registry.map(std::fs::read) {
        None => "built-in registries".to_string(),
        Some(Ok(bytes)) => format!("registry sha256 {}", notice_ingest::batch::sha256_hex(&bytes)),
        Some(Err(e)) => format!("registry unreadable: {e}"),
    };
    let limits: Vec<String> = limits.to_args().iter().map(|a| a.to_string_lossy().into_owned()).collect();
    format!("{registry}; {}", limits.join(" "))
}

pub(crate) fn batch(
    inputs: &[PathBuf],
    outputs: BatchOutputs,
    flags: BatchFlags,
    worker: Option<notice_ingest::batch::Worker>,
    config: &Config,
) -> u8 {
    use notice_ingest::batch::{
        discover_inputs, exclude_inputs, input_set_id, run_batch, BatchOptions, Shard, ShardInfo,
    };
    let shard = match flags.shard.map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => {
            note!("error: {e}");
            return USAGE_OR_IO;
        }
    };
    let mut files = match discover_inputs(inputs) {
        Ok(f) => f,
        Err(e) => {
            note!("error: {}", printable(&e.to_string()));
            return USAGE_OR_IO;
        }
    };
    let excluded = match exclude_inputs(&mut files, flags.exclude) {
        Ok(n) => n,
        Err(e) => {
            note!("error: {}", printable(&e.to_string()));
            return USAGE_OR_IO;
        }
    };
    let shard = shard.map(|s| ShardInfo {
        index: s.index,
        count: s.count,
        input_set: input_set_id(&files),
        input_files: files.len(),
    });
    // A page and the attachments saved beside it are one notice, in one shard.
    notice_ingest::batch::group_attachments(&mut files, config);
    if let Some(info) = &shard {
        let s = Shard { index: info.index, count: info.count };
        files.retain(|f| s.contains(f.shard_key()));
    }
    let jobs = flags.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let BatchOutputs { out_dir, report, junit, sqlite } = outputs;
    let options = BatchOptions {
        report: report.unwrap_or_else(|| out_dir.join("report.json")),
        out_dir,
        jobs,
        junit,
        sqlite,
        shard,
        worker,
        incremental: flags.incremental,
        prune: flags.prune,
        strict: flags.strict,
        fingerprint: flags.fingerprint,
    };
    if flags.prune && options.sqlite.is_none() {
        note!("note: --prune without --sqlite: the notices/ files of inputs that are gone are removed in any case");
    }
    let display = super::progress::Display::start(files.len(), flags.verbose);
    let result = run_batch(&files, config, &options, flags.fail_on, &display);
    display.finish();
    match result {
        Ok(summary) => {
            display.summary(&summary, excluded, &options);
            if summary.failing.is_empty() {
                OK
            } else {
                INPUT_ERRORS
            }
        }
        Err(e) => {
            note!("error: {}", printable(&e.to_string()));
            USAGE_OR_IO
        }
    }
}

pub(crate) fn merge(dirs: &[PathBuf], output: &Path) -> u8 {
    match notice_ingest::batch::merge_outputs(dirs, output) {
        Ok(t) => {
            note!("merged {} shard(s): {} files, {} tasks", dirs.len(), t.files, t.tasks);
            OK
        }
        Err(e) => {
            note!("error: {e}");
            USAGE_OR_IO
        }
    }
}
