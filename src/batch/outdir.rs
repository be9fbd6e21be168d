//! The output directory: owned by one run at a time (locked), cleared of a killed run's
//! temporaries and of notices whose inputs are gone, and never overwritten through the paths given
//! for the report, JUnit or SQLite.

use std::path::{Path, PathBuf};

use super::inputs::identity;
use super::{output_error, BatchError, BatchOptions};
use crate::output::atomic::is_temporary;

/// An output directory held by one run at a time: an exclusive lock on the directory itself,
/// released when dropped (or when the process ends, however it ends).
pub struct OutputLock {
    _dir: std::fs::File,
}

/// Locks `out` (created if needed) for this run; a second run on it gets [`BatchError::Locked`].
pub fn lock_output(out: &Path) -> Result<OutputLock, BatchError> {
    std::fs::create_dir_all(out).map_err(output_error(out))?;
    let dir = std::fs::File::open(out).map_err(output_error(out))?;
    match dir.try_lock() {
        Ok(()) => Ok(OutputLock { _dir: dir }),
        Err(std::fs::TryLockError::WouldBlock) => Err(BatchError::Locked { path: out.to_path_buf() }),
        Err(std::fs::TryLockError::Error(source)) => Err(BatchError::Output { path: out.to_path_buf(), source }),
    }
}

/// `path` made absolute, its longest existing ancestor resolved through the file system (links,
/// `..`) and the rest appended, for comparing output paths that may not exist yet.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut rest = Vec::new();
    let mut base = absolute.as_path();
    loop {
        if let Ok(real) = std::fs::canonicalize(base) {
            return rest.iter().rev().fold(real, |p, c| p.join(c));
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                base = parent;
            }
            _ => return absolute,
        }
    }
}

/// Refuses a `--report`, `--junit` or `--sqlite` path that is a file the batch itself writes in
/// the output directory, or the same file as another of them: the run would corrupt it.
pub(super) fn check_output_paths(options: &BatchOptions) -> Result<(), BatchError> {
    // The directory exists (it is locked): resolved whole, through a symbolic link too.
    let out = identity(&options.out_dir);
    let owned: Vec<(&str, PathBuf)> = ["tasks.jsonl", "tasks.csv", "tasks.xlsx", super::STATE_FILE]
        .into_iter()
        .map(|name| (name, out.join(name)))
        .collect();
    let notices = out.join("notices");
    let mut given: Vec<(&str, PathBuf)> = vec![("--report", resolved(&options.report))];
    if let Some(j) = &options.junit {
        given.push(("--junit", resolved(j)));
    }
    if let Some(db) = &options.sqlite {
        let db = resolved(db);
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut side = db.clone().into_os_string();
            side.push(suffix);
            given.push(("--sqlite", PathBuf::from(side)));
        }
        given.push(("--sqlite", db));
    }
    let clash = |flag: &str, path: &Path, what: String| BatchError::OutputClash {
        flag: flag.to_string(),
        path: path.to_path_buf(),
        what,
    };
    for (i, (flag, path)) in given.iter().enumerate() {
        if let Some((name, _)) = owned.iter().find(|(_, p)| p == path) {
            return Err(clash(flag, path, format!("the batch's own {name}")));
        }
        if path.starts_with(&notices) || path == &out {
            return Err(clash(flag, path, "the batch's notices/ directory".into()));
        }
        if *flag != "--report" && *path == out.join("report.json") {
            return Err(clash(flag, path, "the batch's report.json".into()));
        }
        if let Some((other, _)) = given[..i].iter().find(|(f, p)| p == path && f != flag) {
            return Err(clash(flag, path, format!("the file {other} writes")));
        }
    }
    Ok(())
}

/// Removes temporary files a killed run left in the output directory and its `notices/`, and
/// beside the report and JUnit files. Only called with the directory locked.
pub(super) fn remove_stale_temporaries(options: &BatchOptions) {
    let mut dirs = vec![options.out_dir.clone()];
    dirs.extend(options.report.parent().map(Path::to_path_buf));
    dirs.extend(options.junit.as_ref().and_then(|j| j.parent()).map(Path::to_path_buf));
    for dir in dirs {
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            if is_temporary(&e.file_name()) && e.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    for e in walkdir::WalkDir::new(options.out_dir.join("notices")).into_iter().flatten() {
        if e.file_type().is_file() && is_temporary(e.file_name()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Removes files under `notices/` that this run did not write (a previous run's notices whose
/// inputs are gone), then directories left empty, so the directory holds what the report lists.
pub(super) fn remove_stale_notices(out: &Path, written: &std::collections::HashSet<String>) -> Result<(), BatchError> {
    let notices = out.join("notices");
    let mut dirs = Vec::new();
    for e in walkdir::WalkDir::new(&notices).min_depth(1).contents_first(true).into_iter().flatten() {
        let relative = e.path().strip_prefix(out).unwrap_or(e.path());
        let key: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        if e.file_type().is_dir() {
            dirs.push(e.path().to_path_buf());
        } else if !written.contains(&key.join("/")) {
            std::fs::remove_file(e.path()).map_err(output_error(e.path()))?;
        }
    }
    for dir in dirs {
        let _ = std::fs::remove_dir(dir);
    }
    Ok(())
}
