//! What `batch` shows while it runs and when it ends. On a terminal (without `CI` set): a bar that
//! moves as each file finishes, with the rate and the time left, and keeps its clock ticking
//! between files; files that failed are printed above it, and with `-v` files with warnings and
//! their warnings. Elsewhere (a log, a pipe): one line per file as it finishes, numbered
//! `[n/N]`. The summary counts everything and names the files that failed.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use notice_ingest::batch::{BatchOptions, BatchProgress, BatchSummary, FileReport, FileStatus};
use notice_ingest::{Diagnostic, Severity};

use super::printable;

/// Files that failed named in the summary; the rest are in the report.
const FAILURES_LISTED: usize = 20;

/// The progress display of one batch.
pub(crate) struct Display {
    bar: Option<indicatif::ProgressBar>,
    verbose: bool,
    total: usize,
    /// Files done so far, behind the lock that keeps their lines whole and numbered in order.
    done: Mutex<usize>,
    /// Files that had warnings.
    warned: std::sync::atomic::AtomicUsize,
}

impl Display {
    /// A display for `total` files: the bar on a terminal, lines elsewhere.
    pub(crate) fn start(total: usize, verbose: bool) -> Self {
        let fancy = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = fancy.then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} files  {per_sec}  ETA {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Display { bar, verbose, total, done: Mutex::new(0), warned: Default::default() }
    }

    /// Clears the bar (the summary follows).
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// One file's line: what became of it so far.
fn file_line(r: &FileReport) -> String {
    let key = printable(&r.key);
    let message = printable(r.message.as_deref().unwrap_or(""));
    match r.status {
        FileStatus::Ok => format!("ok   {key} ({} tasks, {} errors, {} warnings)", r.tasks, r.errors, r.warnings),
        FileStatus::Error => format!("FAIL {key}: {message}"),
        FileStatus::Attachment => format!("att  {key}: {message}"),
        FileStatus::Duplicate => format!("dup  {key}: {message}"),
        FileStatus::Skipped => format!("skip {key}: {message}"),
    }
}

/// The warnings of a file, one indented line each.
fn warning_lines(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| format!("       {}", printable(&d.to_string())))
        .collect()
}

impl BatchProgress for Display {
    fn converted(&self, r: &FileReport, diagnostics: &[Diagnostic]) {
        if r.warnings > 0 {
            self.warned.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let with_warnings = self.verbose && r.warnings > 0;
        match &self.bar {
            Some(bar) => {
                if r.status == FileStatus::Error || r.errors > 0 || with_warnings {
                    bar.println(file_line(r));
                    if with_warnings {
                        warning_lines(diagnostics).iter().for_each(|l| bar.println(l));
                    }
                }
                bar.inc(1);
            }
            None => {
                let mut done = self.done.lock().unwrap_or_else(|p| p.into_inner());
                *done += 1;
                let mut lines = vec![format!("[{}/{}] {}", *done, self.total, file_line(r))];
                if with_warnings {
                    lines.extend(warning_lines(diagnostics));
                }
                note!("{}", lines.join("\n"));
            }
        }
    }
}

impl Display {
    /// Prints the summary of a finished batch: the files that failed, what an incremental run
    /// reused, where the warnings are, and last the counts.
    pub(crate) fn summary(&self, summary: &BatchSummary, excluded: usize, options: &BatchOptions) {
        let t = &summary.totals;
        if !summary.failing.is_empty() {
            note!("files that failed ({}):", summary.failing.len());
            for f in summary.failing.iter().take(FAILURES_LISTED) {
                let why = match f.status {
                    FileStatus::Error => f.message.clone().unwrap_or_default(),
                    _ => {
                        format!("{} errors, {} warnings: {}", f.errors, f.warnings, f.message.as_deref().unwrap_or(""))
                    }
                };
                note!("  {}: {}", printable(&f.key), printable(&why));
            }
            if summary.failing.len() > FAILURES_LISTED {
                note!("  … and {} more: see {}", summary.failing.len() - FAILURES_LISTED, options.report.display());
            }
        }
        let warned = self.warned.load(std::sync::atomic::Ordering::Relaxed);
        if warned > 0 && !self.verbose {
            note!(
                "{} warning(s) in {warned} file(s): -v lists them as files finish; report.json and the 问题 sheet of tasks.xlsx say where",
                t.warnings
            );
        }
        if excluded > 0 {
            note!("{excluded} input(s) left out by --exclude");
        }
        if options.incremental || options.prune {
            if let Some(why) = &summary.previous_state {
                note!("no earlier run to compare with ({}): every input converted", printable(why));
            }
            let pruned = if options.prune && options.sqlite.is_some() { ", and from the database" } else { "" };
            note!(
                "incremental: {} unchanged (taken from the last run), {} converted, {} gone since the last run (outputs removed{pruned})",
                summary.reused,
                summary.converted,
                summary.gone.len()
            );
        }
        let peak = notice_ingest::peak_memory_kib()
            .map_or_else(|| "unknown".to_string(), |kib| format!("{:.1} MiB", kib as f64 / 1024.0));
        note!(
            "{} files ({} ok, {} failed, {} attachments, {} duplicates, {} skipped), {} tasks, {} errors, {} warnings, {:.2} s, peak memory {peak}",
            t.files, t.ok, t.failed, t.attachments, t.duplicates, t.skipped, t.tasks, t.errors, t.warnings, summary.seconds
        );
    }
}
