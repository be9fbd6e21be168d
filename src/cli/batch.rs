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

/// Text made safe for a terminal: control characters (an escape sequence in a file name, say)
/// are shown escaped instead of being sent to the terminal.
/// Where a batch writes.
pub(crate) struct BatchOutputs {
    pub(crate) out_dir: PathBuf,
    pub(crate) report: Option<PathBuf>,
    pub(crate) junit: Option<PathBuf>,
    pub(crate) sqlite: Option<PathBuf>,
}

pub(crate) fn batch(
    inputs: &[PathBuf],
    outputs: BatchOutputs,
    jobs: Option<usize>,
    fail_on: Severity,
    shard: Option<&str>,
    worker: Option<notice_ingest::batch::Worker>,
    config: &Config,
) -> u8 {
    use notice_ingest::batch::{discover_inputs, input_set_id, run_batch, BatchOptions, Shard, ShardInfo};
    use std::io::IsTerminal;
    let shard = match shard.map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE_OR_IO;
        }
    };
    let mut files = match discover_inputs(inputs) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {}", printable(&e.to_string()));
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
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let BatchOutputs { out_dir, report, junit, sqlite } = outputs;
    let options = BatchOptions {
        report: report.unwrap_or_else(|| out_dir.join("report.json")),
        out_dir,
        jobs,
        junit,
        sqlite,
        shard,
        worker,
    };
    let fancy = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let bar = fancy.then(|| {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} notices  {elapsed_precise}  {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let line = |r: &notice_ingest::batch::FileReport| {
        use notice_ingest::batch::FileStatus;
        let message = printable(r.message.as_deref().unwrap_or(""));
        match r.status {
            FileStatus::Ok => {
                format!("ok   {} ({} tasks, {} errors, {} warnings)", printable(&r.key), r.tasks, r.errors, r.warnings)
            }
            FileStatus::Error => format!("FAIL {}: {message}", printable(&r.key)),
            FileStatus::Attachment => format!("att  {}: {message}", printable(&r.key)),
            FileStatus::Duplicate => format!("dup  {}: {message}", printable(&r.key)),
            FileStatus::Skipped => format!("skip {}: {message}", printable(&r.key)),
        }
    };
    let result = run_batch(&files, config, &options, fail_on, |r| match &bar {
        Some(bar) => {
            bar.inc(1);
            if r.status == notice_ingest::batch::FileStatus::Error {
                bar.println(line(r));
            }
        }
        None => eprintln!("{}", line(r)),
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(summary) => {
            let t = &summary.totals;
            eprintln!(
                "{} files ({} ok, {} failed, {} attachments, {} duplicates), {} tasks, {} errors, {} warnings, {:.2} s, peak memory {}",
                t.files,
                t.ok,
                t.failed,
                t.attachments,
                t.duplicates,
                t.tasks,
                t.errors,
                t.warnings,
                summary.seconds,
                notice_ingest::peak_memory_kib().map_or_else(|| "unknown".to_string(), |kib| format!("{:.1} MiB", kib as f64 / 1024.0))
            );
            if summary.failing.is_empty() {
                OK
            } else {
                INPUT_ERRORS
            }
        }
        Err(e) => {
            eprintln!("error: {}", printable(&e.to_string()));
            USAGE_OR_IO
        }
    }
}

pub(crate) fn merge(dirs: &[PathBuf], output: &Path) -> u8 {
    match notice_ingest::batch::merge_outputs(dirs, output) {
        Ok(t) => {
            eprintln!("merged {} shard(s): {} files, {} tasks", dirs.len(), t.files, t.tasks);
            OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            USAGE_OR_IO
        }
    }
}
