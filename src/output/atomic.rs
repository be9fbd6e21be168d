//! Files written atomically: to a temporary file beside the final name (`tempfile`), synced, then
//! renamed into place and the directory synced, so a killed run or a crash never leaves a
//! half-written file under the final name, and a full disk shows before the rename.

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
        let tmp_path = self.out.get_ref().path().to_path_buf();
        let tmp =
            self.out.into_inner().map_err(|e| OutputError::Io { path: tmp_path.clone(), source: e.into_error() })?;
        tmp.as_file().sync_all().map_err(io(&tmp_path))?;
        tmp.persist(&self.path).map_err(|e| OutputError::Io { path: self.path.clone(), source: e.error })?;
        // The rename is durable once the directory is synced (where the platform allows it).
        if let Ok(dir) = std::fs::File::open(parent_dir(&self.path)) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

fn parent_dir(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
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
