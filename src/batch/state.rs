//! The run state (`state.json` in the output directory): what each input was when the outputs
//! were made — its content's hash and what became of it — so that `batch --incremental` can take
//! the result of an unchanged input from the output directory instead of converting it again,
//! and `--prune` can tell which inputs are gone.
//!
//! Every run writes the state, last, after the report; a run with `--incremental` reads the one
//! the previous run left. The state is only used when it was written by this version of the
//! program with the same configuration (registry, limits: the fingerprint the caller gives); an
//! input is only taken as unchanged when its path, its content (and that of the files its links
//! bring in) and the notice JSON it gave are all what the state says.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::inputs::InputFile;
use crate::output::OutputError;

/// The state file's name in the output directory.
pub const STATE_FILE: &str = "state.json";

/// The state format identifier, its first field.
pub const STATE_FORMAT: &str = "notice-ingest-batch-state/1";

/// What became of an input, as far as reusing it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Converted; its notice JSON is `notices/<key>.json`.
    Converted,
    /// Read, but it holds no task ledger (`message` says what was seen).
    NoLedger,
    /// Read with the notice page that links it.
    Attachment,
    /// Could not be converted: converted again on the next run, whatever its content.
    Failed,
}

/// One input in the state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    pub key: String,
    pub path: String,
    /// SHA-256 of the file's bytes and of the files its links bring in; empty when it could not
    /// be read.
    pub content: String,
    pub outcome: Outcome,
    /// SHA-256 of the notice JSON written for it (`converted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Why it holds no ledger (`no-ledger`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The state of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunState {
    pub format: String,
    /// The program's version and the caller's configuration fingerprint.
    pub fingerprint: String,
    pub files: Vec<FileState>,
}

/// The fingerprint a state is valid for: this program's version, the record's schema version and
/// what the caller says decides the outputs besides the inputs (`config`).
pub fn run_fingerprint(config: &str) -> String {
    format!("notice-ingest {} / schema {} / {config}", env!("CARGO_PKG_VERSION"), crate::record::SCHEMA_VERSION)
}

pub use crate::input::sha256_hex;

/// Feeds the regular file at `path` to `hasher`, streamed; `None` when it is not a regular file
/// or cannot be read (a FIFO is never opened).
fn hash_file(hasher: &mut Sha256, path: &Path) -> Option<()> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Some(()),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// The hash of what converting `input` reads: its bytes, then for each file its links bring in,
/// the file's name and bytes (or a mark that it is missing). Empty when the input cannot be read.
pub fn content_hash(input: &InputFile) -> String {
    let mut hasher = Sha256::new();
    if input.problem.is_some() || hash_file(&mut hasher, &input.path).is_none() {
        return String::new();
    }
    with_linked(hasher, &input.linked)
}

/// [`content_hash`] of an input whose bytes are read already: `bytes`, then the files `linked`.
pub(super) fn content_hash_of(bytes: &[u8], linked: &[std::path::PathBuf]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(bytes);
    with_linked(hasher, linked)
}

/// Finishes a content hash that has the input's own bytes: each linked file's name and bytes
/// (or a mark that it is missing) follow, and the digest is given in hex.
fn with_linked(mut hasher: Sha256, linked: &[std::path::PathBuf]) -> String {
    for linked in linked {
        hasher.update(linked.as_os_str().as_encoded_bytes());
        hasher.update([0]);
        let mut part = Sha256::new();
        match hash_file(&mut part, linked) {
            Some(()) => hasher.update(part.finalize()),
            None => hasher.update(b"missing"),
        }
    }
    format!("{:x}", hasher.finalize())
}

/// The previous run's state, by key, when it can be used for this run.
#[derive(Debug, Default)]
pub struct PreviousRun {
    files: HashMap<String, FileState>,
}

/// What reading the previous state found.
#[derive(Debug)]
pub enum Previous {
    /// Usable: the same version and configuration.
    Usable(PreviousRun),
    /// None, or one this run cannot trust (the reason is for the summary).
    Unusable(String),
}

impl PreviousRun {
    /// The state of the input with `key`.
    pub fn get(&self, key: &str) -> Option<&FileState> {
        self.files.get(key)
    }

    /// The inputs the previous run had that `current` (keys) does not, in key order.
    pub fn gone<'a>(&'a self, current: &std::collections::HashSet<&str>) -> Vec<&'a FileState> {
        let mut gone: Vec<&FileState> = self.files.values().filter(|f| !current.contains(f.key.as_str())).collect();
        gone.sort_by(|a, b| a.key.cmp(&b.key));
        gone
    }
}

/// Reads the state in `out_dir`, usable when it was written with `fingerprint`.
pub fn read_previous(out_dir: &Path, fingerprint: &str) -> Previous {
    let path = out_dir.join(STATE_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Previous::Unusable(format!("no {STATE_FILE} in {} (no earlier run)", out_dir.display()))
        }
        Err(e) => return Previous::Unusable(format!("cannot read {}: {e}", path.display())),
    };
    let state: RunState = match serde_json::from_str(&text) {
        Ok(s) => s,
        Err(e) => return Previous::Unusable(format!("{} is not a state file: {e}", path.display())),
    };
    if state.format != STATE_FORMAT {
        return Previous::Unusable(format!("{} has format {:?}, not {STATE_FORMAT:?}", path.display(), state.format));
    }
    if state.fingerprint != fingerprint {
        return Previous::Unusable(format!(
            "{} was written by {:?}, this run is {fingerprint:?}",
            path.display(),
            state.fingerprint
        ));
    }
    Previous::Usable(PreviousRun { files: state.files.into_iter().map(|f| (f.key.clone(), f)).collect() })
}

/// The state of a run written as the run goes, one input at a time in canonical order, so a run
/// of any size keeps none of it in memory; put in place by [`StateWriter::finish`], after the
/// report.
pub struct StateWriter {
    file: crate::output::AtomicFile,
    first: bool,
}

impl StateWriter {
    /// Starts `state.json` in `out_dir` for a run with `fingerprint`.
    pub fn create(out_dir: &Path, fingerprint: &str) -> Result<Self, OutputError> {
        let mut file = crate::output::AtomicFile::create(&out_dir.join(STATE_FILE))?;
        let head = format!(
            "{{\n  \"format\": {},\n  \"fingerprint\": {},\n  \"files\": [",
            serde_json::to_string(STATE_FORMAT)?,
            serde_json::to_string(fingerprint)?
        );
        file.write(head.as_bytes())?;
        Ok(StateWriter { file, first: true })
    }

    /// Adds the next input's state.
    pub fn push(&mut self, state: &FileState) -> Result<(), OutputError> {
        let entry = serde_json::to_string(state)?;
        self.file.write(format!("{}\n    {entry}", if self.first { "" } else { "," }).as_bytes())?;
        self.first = false;
        Ok(())
    }

    /// Completes the state and puts it in place (synced).
    pub fn finish(mut self) -> Result<(), OutputError> {
        self.file.write(b"\n  ]\n}\n")?;
        self.file.commit()
    }
}

/// Writes the state of a run (`files` in canonical order) into `out_dir` at once.
pub fn write_state(out_dir: &Path, fingerprint: &str, files: Vec<FileState>) -> Result<(), OutputError> {
    let mut writer = StateWriter::create(out_dir, fingerprint)?;
    files.iter().try_for_each(|f| writer.push(f))?;
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_covers_the_linked_files() {
        let dir = tempfile::tempdir().unwrap();
        let (page, attachment) = (dir.path().join("p.html"), dir.path().join("a.xlsx"));
        std::fs::write(&page, "page").unwrap();
        let mut input = InputFile {
            key: "p.html".into(),
            path: page.clone(),
            problem: None,
            attached_to: None,
            has_attachments: false,
            linked: vec![attachment.clone()],
        };
        let missing = content_hash(&input);
        std::fs::write(&attachment, "one").unwrap();
        let one = content_hash(&input);
        std::fs::write(&attachment, "two").unwrap();
        let two = content_hash(&input);
        assert!(missing != one && one != two && !two.is_empty());
        input.problem = Some("unreadable".into());
        assert_eq!(content_hash(&input), "");
    }

    #[test]
    fn a_state_of_another_version_or_configuration_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read_previous(dir.path(), "a"), Previous::Unusable(m) if m.contains("no earlier run")));
        let file = FileState {
            key: "k".into(),
            path: "p".into(),
            content: "c".into(),
            outcome: Outcome::Converted,
            output: Some("o".into()),
            message: None,
        };
        write_state(dir.path(), "a", vec![file.clone()]).unwrap();
        assert!(matches!(read_previous(dir.path(), "b"), Previous::Unusable(m) if m.contains("this run is")));
        let Previous::Usable(previous) = read_previous(dir.path(), "a") else { panic!("usable") };
        assert_eq!(previous.get("k"), Some(&file));
        assert_eq!(previous.gone(&["x"].into_iter().collect()).len(), 1);
    }
}
