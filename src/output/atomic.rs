//! Files written atomically: to a temporary file beside the final name (`tempfile`), synced, then
//! renamed into place and the directory synced, so a killed run or a crash never leaves a
//! half-written file under the final name, and a full disk shows before the rename.
//!
//! A batch writes thousands of notice files: those are put in place unsynced
//! ([`write_atomic_unsynced`]) and made durable together by one [`sync_folder`] before the
//! outputs that name them.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::OutputError;

/// Prefix and suffix of this program's temporary files: `.ni-XXXXXX.tmp`, short whatever the
/// length of the final name, so a name near the file system's limit still gets one beside it.
const TEMP_PREFIX: &str = ".ni-";
const TEMP_SUFFIX: &str = ".tmp";

/// Whether `name` is a temporary file this program writes or wrote (a killed run's leftover):
/// `.<anything>.tmp`, which covers earlier versions' `.<pid>-<n>.tmp` too.
pub fn is_temporary(name: &std::ffi::OsStr) -> bool {
    let b = name.as_encoded_bytes();
    b.starts_with(b".") && b.ends_with(TEMP_SUFFIX.as_bytes())
}

/// A file being written under a temporary name, put in place by [`AtomicFile::commit`]; dropped
/// uncommitted (an error on the way), it leaves nothing behind.
pub struct AtomicFile {
    path: PathBuf,
    out: BufWriter<tempfile::NamedTempFile>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

impl AtomicFile {
    /// Starts `path` (its directory created if needed).
    pub fn create(path: &Path) -> Result<AtomicFile, OutputError> {
        let dir = parent_dir(path);
        std::fs::create_dir_all(dir).map_err(io(path))?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
        // The permissions any new file gets (0666 less the umask: 0644 as a rule), not
        // tempfile's owner-only 0600: outputs are for colleagues on a shared folder too.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let tmp = builder.tempfile_in(dir).map_err(io(path))?;
        Ok(AtomicFile { path: path.to_path_buf(), out: BufWriter::new(tmp) })
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.out.get_ref().path().to_path_buf();
        self.out.write_all(bytes).map_err(io(&path))
    }

    /// The file as a writer, for writers that take one (the workbook writer); errors come back
    /// as [`std::io::Error`]s of this file.
    pub fn as_writer(&mut self) -> &mut (impl Write + Send) {
        &mut self.out
    }

    /// Flushes and syncs the data, renames it into place and syncs the directory.
    pub fn commit(self) -> Result<(), OutputError> {
        let path = self.path.clone();
        self.put_in_place(true)?;
        // The rename is durable once the directory is synced (where the platform allows it).
        if let Ok(dir) = std::fs::File::open(parent_dir(&path)) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Flushes the data and renames it into place without waiting for the disk: readers and a
    /// killed run still see the file whole or not at all, and [`sync_folder`] later makes a whole
    /// folder of such files durable at once (one sync instead of two per file).
    pub fn commit_unsynced(self) -> Result<(), OutputError> {
        self.put_in_place(false)
    }

    fn put_in_place(self, sync: bool) -> Result<(), OutputError> {
        let tmp_path = self.out.get_ref().path().to_path_buf();
        let tmp =
            self.out.into_inner().map_err(|e| OutputError::Io { path: tmp_path.clone(), source: e.into_error() })?;
        if sync {
            tmp.as_file().sync_all().map_err(io(&tmp_path))?;
        }
        tmp.persist(&self.path).map_err(|e| OutputError::Io { path: self.path.clone(), source: e.error })?;
        Ok(())
    }
}

/// Makes every file written under `dir` so far durable, with the folders that name them: on
/// Linux one `syncfs` of its file system, elsewhere (or where `syncfs` is refused) a sync of each
/// file and folder. A missing `dir` has nothing to sync.
pub fn sync_folder(dir: &Path) -> Result<(), OutputError> {
    let Ok(folder) = std::fs::File::open(dir) else { return Ok(()) };
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: syncfs takes any open descriptor and only reads it.
        if unsafe { libc::syncfs(folder.as_raw_fd()) } == 0 {
            return Ok(());
        }
    }
    drop(folder);
    sync_each(dir)
}

/// Syncs every file under `dir`, then each folder.
fn sync_each(dir: &Path) -> Result<(), OutputError> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(io(&d))?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                std::fs::File::open(&path).and_then(|f| f.sync_all()).map_err(io(&path))?;
            }
        }
        if let Ok(f) = std::fs::File::open(&d) {
            let _ = f.sync_all();
        }
    }
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Writes `bytes` to `path` atomically without syncing it (see [`AtomicFile::commit_unsynced`]).
pub fn write_atomic_unsynced(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut f = AtomicFile::create(path)?;
    f.write(bytes)?;
    f.commit_unsynced()
}

/// Writes `bytes` to `path` atomically (see the module doc).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut f = AtomicFile::create(path)?;
    f.write(bytes)?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write(b"half").unwrap();
        assert!(!path.exists(), "nothing under the final name before the commit");
        drop(f);
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "an uncommitted file leaves nothing");
        write_atomic(&path, b"{}\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}\n");
        assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| !is_temporary(&e.unwrap().file_name())));
    }

    #[test]
    fn unsynced_files_appear_whole_and_a_folder_syncs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notices").join("a.json");
        write_atomic_unsynced(&path, b"{}\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}\n");
        let names: Vec<_> =
            std::fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.json")], "no temporary file is left");
        sync_folder(&dir.path().join("notices")).unwrap();
        sync_each(&dir.path().join("notices")).unwrap();
        sync_folder(&dir.path().join("never-written")).unwrap();
    }

    /// An output gets the permissions of any new file in its folder (the umask's), not a
    /// temporary file's owner-only ones.
    #[cfg(unix)]
    #[test]
    fn outputs_get_the_permissions_of_a_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let ours = dir.path().join("ours.json");
        write_atomic(&ours, b"{}").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
    }
}
