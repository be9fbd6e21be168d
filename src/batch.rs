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
    #[error("{path} is in use by another run (batch or merge) writing into it; wait for it to finish or choose another output directory")]
    Locked { path: PathBuf },
    #[error("{flag} {path} is {what}: the run would overwrite or corrupt it; choose another path")]
    OutputClash { flag: String, path: PathBuf, what: String },
    #[error("cannot merge: {0}")]
    IncompleteShards(String),
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
    /// Why the entry cannot be converted, found while walking (an unreadable directory, a link
    /// that is not followed): reported as its error.
    pub problem: Option<String>,
    /// The key of the notice page this file is an attachment of (see [`group_attachments`]): it
    /// is read with that page, not on its own.
    pub attached_to: Option<String>,
    /// This file is a page whose attachments are among the inputs.
    pub has_attachments: bool,
}

impl InputFile {
    /// The key that places the file in a shard: its page's, for an attachment, so a page and
    /// its attachments are always in one shard.
    pub fn shard_key(&self) -> &str {
        self.attached_to.as_deref().unwrap_or(&self.key)
    }
}

/// Finds, among `inputs`, the attachments that the notice pages among them link and that are
/// saved beside them ([`crate::convert::linked_attachment_files`], the same rule `convert`
/// uses): each is marked with its page's key and read with the page, not on its own. A file that
/// two pages link belongs to the first page in key order.
pub fn group_attachments(inputs: &mut [InputFile], config: &Config) {
    let pages: Vec<(usize, Vec<PathBuf>)> = inputs
        .par_iter()
        .enumerate()
        .filter(|(_, i)| i.problem.is_none())
        .filter(|(_, i)| {
            let ext = i.path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            matches!(ext.as_str(), "html" | "htm" | "shtml")
        })
        .map(|(n, i)| (n, crate::convert::linked_attachment_files(&i.path, config)))
        .filter(|(_, files)| !files.is_empty())
        .collect();
    let by_identity: std::collections::HashMap<PathBuf, usize> =
        inputs.iter().enumerate().map(|(n, i)| (identity(&i.path), n)).collect();
    for (page, files) in pages {
        if inputs[page].attached_to.is_some() {
            continue;
        }
        let key = inputs[page].key.clone();
        for file in files {
            if let Some(&n) = by_identity.get(&identity(&file)) {
                if n != page && inputs[n].attached_to.is_none() && !inputs[n].has_attachments {
                    inputs[n].attached_to = Some(key.clone());
                    inputs[page].has_attachments = true;
                }
            }
        }
    }
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

/// Longest key component kept as it is, in bytes: a file name is at most 255 bytes on common file
/// systems, and the output adds `.json` to the last component.
const MAX_KEY_COMPONENT: usize = 200;

/// One path component as a key component: valid UTF-8 is kept except control characters, which
/// (like bytes that are not UTF-8) become `%XX`, so that a key is printable and distinct names
/// stay distinct. A component longer than [`MAX_KEY_COMPONENT`] bytes is cut at a character
/// boundary and gets `~` and a hash of the whole name, so the output's name is never too long.
fn key_component(raw: &std::ffi::OsStr) -> String {
    let bytes = raw.as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.len() > MAX_KEY_COMPONENT {
        let digest = Sha256::digest(bytes);
        let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let cut = (0..=MAX_KEY_COMPONENT - 20).rev().find(|&i| out.is_char_boundary(i)).unwrap_or(0);
        out = format!("{}~{hash}", &out[..cut]);
    }
    out
}

/// Turns a relative path into a key: normal components joined by `/`; `..`, roots and prefixes
/// are dropped so an output derived from the key cannot leave the output directory.
fn key_of(relative: &Path) -> String {
    relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(key_component(s)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The path with `.`/`..` resolved through the file system where it exists, for telling when two
/// arguments name the same file; the path itself when it cannot be resolved.
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Expands the arguments into input files in canonical order: directories are walked for
/// [`NOTICE_EXTENSIONS`] (hidden entries skipped), files are taken as given. A symbolic link
/// inside a directory is followed to a regular file; a link to a directory, a dangling link, a
/// special file and a directory that cannot be read get an entry with their problem, reported as
/// that entry's error. The same file reached twice under the same key (a directory given twice, as
/// `d` and `x/../d`) is one input. Keys that collide get a hash of the full path appended.
pub fn discover_inputs(args: &[PathBuf]) -> Result<Vec<InputFile>, BatchError> {
    // (input, identity) pairs.
    let mut found: Vec<(InputFile, PathBuf)> = Vec::new();
    let mut add = |key: String, path: PathBuf, problem: Option<String>, same: PathBuf| {
        found.push((InputFile { key, path, problem, attached_to: None, has_attachments: false }, same));
    };
    for arg in args {
        let meta = std::fs::metadata(arg).map_err(|source| BatchError::Input { path: arg.clone(), source })?;
        if !meta.is_dir() {
            let name = arg.file_name().map_or_else(|| key_of(arg), key_component);
            add(name, arg.clone(), None, identity(arg));
            continue;
        }
        let walker = walkdir::WalkDir::new(arg).follow_links(false).sort_by_file_name().into_iter();
        for entry in walker.filter_entry(|e| e.depth() == 0 || !e.file_name().as_encoded_bytes().starts_with(b".")) {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    // A directory that cannot be read is that entry's error, not the batch's.
                    let path = e.path().map_or_else(|| arg.clone(), Path::to_path_buf);
                    let relative = path.strip_prefix(arg).unwrap_or(&path).to_path_buf();
                    let why = e.io_error().map_or_else(|| e.to_string(), |io| io.to_string());
                    let problem = format!("cannot read {}: {why}", path.display());
                    add(key_of(&relative), path.clone(), Some(problem), path);
                    continue;
                }
            };
            let path = entry.path();
            let relative = path.strip_prefix(arg).unwrap_or(path);
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            let wanted = NOTICE_EXTENSIONS.contains(&ext.as_str());
            let file_type = entry.file_type();
            if file_type.is_dir() {
                continue;
            }
            let key = key_of(relative);
            if file_type.is_symlink() {
                // Followed to a regular file only: a followed directory link could loop or leave
                // the tree. The link keeps its own identity, so it is converted as its own entry.
                let link = identity(path.parent().unwrap_or(Path::new("."))).join(entry.file_name());
                match std::fs::metadata(path) {
                    Ok(m) if m.is_file() && wanted => add(key, path.to_path_buf(), None, link),
                    Ok(m) if m.is_dir() => {
                        let problem = format!("{} is a symbolic link to a directory; not followed", path.display());
                        add(key, path.to_path_buf(), Some(problem), link);
                    }
                    Ok(m) if wanted && !m.is_file() => {
                        let kind = crate::source::file_kind(&m);
                        let problem = format!("{} is a symbolic link to {kind}, not to a regular file", path.display());
                        add(key, path.to_path_buf(), Some(problem), link);
                    }
                    Ok(_) => {}
                    Err(e) if wanted => {
                        let problem = format!("{} is a symbolic link that cannot be followed: {e}", path.display());
                        add(key, path.to_path_buf(), Some(problem), link);
                    }
                    Err(_) => {}
                }
            } else if wanted {
                // Special files (a FIFO named like a notice) are refused when read, as their entry's error.
                add(key, path.to_path_buf(), None, identity(path));
            }
        }
    }
    // One input per (identity, key); ties broken by the path so the choice does not depend on the
    // order of the arguments.
    found.sort_by(|a, b| (&a.1, &a.0.key, &a.0.path).cmp(&(&b.1, &b.0.key, &b.0.path)));
    found.dedup_by(|a, b| a.1 == b.1 && a.0.key == b.0.key);
    let mut inputs: Vec<InputFile> = found.into_iter().map(|(input, _)| input).collect();
    inputs.sort();
    let mut seen = std::collections::HashMap::new();
    for input in &inputs {
        *seen.entry(input.key.clone()).or_insert(0) += 1;
    }
    for input in &mut inputs {
        if seen[&input.key] > 1 {
            let digest = Sha256::digest(input.path.as_os_str().as_encoded_bytes());
            let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
            input.key = format!("{}~{hash}", input.key);
        }
    }
    inputs.sort();
    Ok(inputs)
}

/// What happened to one input, as the report lists it.
/// What became of one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Converted; its tasks are in the merged outputs.
    Ok,
    /// Could not be converted (`message` says why).
    Error,
    /// Read with the notice page that links it (`message` names the page); no output of its own.
    Attachment,
    /// Converted, but it is a notice an earlier file already gave (same id): its own JSON is
    /// written, its tasks are counted once, with the first file (`message` names it).
    Duplicate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReport {
    pub key: String,
    pub path: String,
    pub status: FileStatus,
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
        match self.status {
            FileStatus::Error => true,
            FileStatus::Attachment => false,
            FileStatus::Ok | FileStatus::Duplicate => {
                self.errors > 0 || (fail_on == Severity::Warning && self.warnings > 0)
            }
        }
    }

    /// This report as a duplicate of the notice `first` gave: tasks counted there.
    fn into_duplicate(mut self, first: &str) -> Self {
        self.status = FileStatus::Duplicate;
        self.tasks = 0;
        self.message = Some(duplicate_message(self.notice_id.as_deref().unwrap_or(""), first));
        self
    }
}

/// Totals of a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub files: usize,
    pub ok: usize,
    pub failed: usize,
    /// Files read as attachments of a page.
    #[serde(default)]
    pub attachments: usize,
    /// Files that gave a notice an earlier file gave.
    #[serde(default)]
    pub duplicates: usize,
    pub tasks: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Totals {
    fn add(&mut self, r: &FileReport) {
        self.files += 1;
        match r.status {
            FileStatus::Ok => self.ok += 1,
            FileStatus::Error => self.failed += 1,
            FileStatus::Attachment => self.attachments += 1,
            FileStatus::Duplicate => self.duplicates += 1,
        }
        self.tasks += r.tasks;
        self.errors += r.errors;
        self.warnings += r.warnings;
        self.infos += r.infos;
    }
}

/// The `duplicate-notice` finding of a file whose notice (`id`) the file at `first` gave already.
fn duplicate_message(id: &str, first: &str) -> String {
    format!("duplicate-notice: this file gives notice {id}, which {first} gave already; its tasks are written once, with that file")
}

/// Report format identifier, the first field of `report.json`.
pub const REPORT_FORMAT: &str = "notice-ingest-batch-report/1";

/// Which shard of which input set a run covers: written into a shard's report so that `merge`
/// can tell a complete, disjoint set of shards from one that is not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    pub index: u32,
    pub count: u32,
    /// A hash of every input key of the whole set, before sharding (see [`input_set_id`]).
    pub input_set: String,
    /// Files in the whole set, before sharding.
    pub input_files: usize,
}

/// The identity of an input set: a hash of its keys in canonical order.
pub fn input_set_id(inputs: &[InputFile]) -> String {
    let mut hasher = Sha256::new();
    for input in inputs {
        hasher.update(input.key.as_bytes());
        hasher.update(b"\n");
    }
    hasher.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Which inputs `batch` converts in a child process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// None: every file in the batch's own process.
    Off,
    /// PDF, DOCX and XLSX, whose parsers (lopdf, zip, calamine) are not ours.
    Office,
    /// Every file.
    All,
}

impl Isolation {
    fn applies_to(self, format: crate::source::Format) -> bool {
        use crate::source::Format;
        match self {
            Isolation::Off => false,
            Isolation::Office => matches!(format, Format::Pdf | Format::Docx | Format::Xlsx),
            Isolation::All => true,
        }
    }
}

/// How to start the child processes that convert files in isolation: this program with a hidden
/// subcommand (see [`serve`]); a child reads each file's path and bytes on standard input and
/// writes a [`WorkerReply`] on standard output, one file after another, and is reused until it
/// fails. An abort, a crash or running out of memory in a child becomes the error of the file it
/// was converting; the batch goes on with a fresh child.
#[derive(Clone, Debug)]
pub struct Worker {
    pub program: PathBuf,
    /// The subcommand and the flags that give the child the parent's configuration.
    pub args: Vec<std::ffi::OsString>,
    pub isolation: Isolation,
    /// The child's address-space limit in MiB, which it sets itself (named in messages).
    pub memory_mib: Option<u64>,
    /// A child still running after this long is stopped (the time budget plus a grace period).
    pub timeout: Option<std::time::Duration>,
}

/// What a child sends back for one file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkerReply {
    Document(Box<NoticeDocument>),
    Error(String),
}

/// Converts bytes already read, as [`convert_path`] would the file at `path` (a page's
/// attachments are read from beside it).
fn convert_bytes(path: &Path, bytes: Vec<u8>, config: &Config) -> crate::Result<NoticeDocument> {
    let source = crate::source::source_from_bytes(path, bytes).map_err(|e| crate::Error::from(e).with_path(path))?;
    crate::convert::convert_source_in_folder(&source, config).map_err(|e| e.with_path(path))
}

/// Reads one frame of the worker protocol: a little-endian `u64` length and that many bytes (at
/// most `limit`); `Ok(None)` at the end of the stream.
fn read_frame(input: &mut impl std::io::Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut len = [0u8; 8];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u64::from_le_bytes(len);
    if len > limit {
        return Err(std::io::Error::other(format!("a frame of {len} bytes, above {limit}")));
    }
    let mut bytes = Vec::new();
    input.by_ref().take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(bytes))
}

fn write_frame(output: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    output.write_all(&(bytes.len() as u64).to_le_bytes())?;
    output.write_all(bytes)
}

/// The child's side of isolated conversions: for each request on `input` (a frame holding the
/// input's path, then a frame holding its bytes), converts the bytes as the file at that path and
/// writes a frame holding the [`WorkerReply`] as JSON to `output`, until `input` ends. One child
/// serves many files in turn, so its start-up (the schema, the registries) is paid once.
pub fn serve(config: &Config, mut input: impl std::io::Read, mut output: impl Write) -> std::io::Result<()> {
    loop {
        let Some(path) = read_frame(&mut input, 1 << 20)? else { return Ok(()) };
        let path = PathBuf::from(String::from_utf8(path).map_err(std::io::Error::other)?);
        let Some(bytes) = read_frame(&mut input, config.limits.max_input_bytes)? else {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        };
        let reply = match contain_panic(|| convert_bytes(&path, bytes, config)) {
            Ok(Ok(doc)) => WorkerReply::Document(Box::new(doc)),
            Ok(Err(e)) => WorkerReply::Error(e.to_string()),
            Err(message) => WorkerReply::Error(message),
        };
        write_frame(&mut output, &serde_json::to_vec(&reply).map_err(std::io::Error::other)?)?;
        output.flush()?;
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        _ => "a signal",
    }
}

/// A running child process serving conversions (see [`serve`]).
struct WorkerProcess {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    /// What the child said on standard error since the current request began (bounded).
    said: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    errors: Option<std::thread::JoinHandle<()>>,
    /// Files converted so far: a child is replaced after [`FILES_PER_CHILD`], so that whatever
    /// its allocator keeps does not add up over an archive.
    served: usize,
}

/// Files one child converts before it is replaced by a fresh one.
const FILES_PER_CHILD: usize = 256;

impl WorkerProcess {
    fn start(worker: &Worker) -> Result<WorkerProcess, String> {
        use std::io::Read;
        use std::process::{Command, Stdio};
        let mut child = Command::new(&worker.program)
            .args(&worker.args)
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the conversion process {}: {e}", worker.program.display()))?;
        let (stdin, stdout, mut stderr) = (
            child.stdin.take().expect("piped"),
            child.stdout.take().expect("piped"),
            child.stderr.take().expect("piped"),
        );
        let said = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = said.clone();
        let errors = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buf) {
                let mut said = sink.lock().unwrap_or_else(|p| p.into_inner());
                if said.len() < 16 * 1024 {
                    said.extend_from_slice(&buf[..n]);
                }
            }
        });
        Ok(WorkerProcess {
            child,
            stdin,
            stdout: std::io::BufReader::new(stdout),
            said,
            errors: Some(errors),
            served: 0,
        })
    }

    /// Sends one file and reads the reply; `Err` when the child died or broke the protocol.
    fn convert(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<WorkerReply> {
        self.said.lock().unwrap_or_else(|p| p.into_inner()).clear();
        let path = path.to_str().ok_or_else(|| std::io::Error::other("path not UTF-8"))?;
        write_frame(&mut self.stdin, path.as_bytes())?;
        write_frame(&mut self.stdin, bytes)?;
        self.stdin.flush()?;
        let reply = read_frame(&mut self.stdout, u64::MAX)?.ok_or(std::io::ErrorKind::UnexpectedEof)?;
        serde_json::from_slice(&reply).map_err(std::io::Error::other)
    }

    /// Ends the child (killed if it is still running) and says how it ended.
    fn finish(mut self, kill: bool) -> (Option<std::process::ExitStatus>, String) {
        if kill {
            let _ = self.child.kill();
        }
        drop(self.stdin);
        let status = self.child.wait().ok();
        if let Some(t) = self.errors.take() {
            let _ = t.join();
        }
        let said = String::from_utf8_lossy(&self.said.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
        // The first thing said (an allocation failure, say), not a backtrace after it.
        (status, said.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string())
    }
}

/// Child processes waiting for work, reused from file to file.
#[derive(Default)]
struct WorkerPool {
    idle: std::sync::Mutex<Vec<WorkerProcess>>,
}

impl WorkerPool {
    /// Converts `bytes` (read from `input`) in a child; `Err` holds the file's error message. A
    /// child that fails is ended, and the next file gets a fresh one.
    fn convert(&self, input: &InputFile, bytes: &[u8], worker: &Worker) -> Result<NoticeDocument, String> {
        // The path travels as text; the document and messages show a path lossily in any case.
        let path = PathBuf::from(input.path.to_string_lossy().into_owned());
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut process = match taken {
            Some(p) => p,
            None => WorkerProcess::start(worker)?,
        };
        let pid = process.child.id();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let timed_out = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let killer = worker.timeout.map(|limit| {
            let timed_out = timed_out.clone();
            std::thread::spawn(move || {
                if stopped.recv_timeout(limit) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                    timed_out.store(true, std::sync::atomic::Ordering::SeqCst);
                    // The child is waited for only after this thread ends, so the pid is its own.
                    #[cfg(unix)]
                    // SAFETY: kill(2) with the pid of our own unreaped child and a valid signal.
                    unsafe {
                        libc::kill(pid as libc::pid_t, libc::SIGKILL);
                    }
                }
            })
        });
        let reply = process.convert(&path, bytes);
        drop(stop);
        if let Some(k) = killer {
            let _ = k.join();
        }
        if let Ok(reply) = reply {
            process.served += 1;
            if process.served < FILES_PER_CHILD {
                self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(process);
            } else {
                process.finish(false);
            }
            return match reply {
                WorkerReply::Document(doc) => Ok(*doc),
                WorkerReply::Error(message) => Err(message),
            };
        }
        let (status, said) = process.finish(true);
        if timed_out.load(std::sync::atomic::Ordering::SeqCst) {
            let limit = worker.timeout.map_or(0.0, |t| t.as_secs_f64());
            return Err(format!(
                "the conversion did not finish within {limit:.0} s (--time-budget plus a grace period) and its process was stopped"
            ));
        }
        let said_part = if said.is_empty() { String::new() } else { format!(": {said}") };
        #[cfg(unix)]
        if let Some(signal) = status.and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s)) {
            let memory = worker.memory_mib.map_or_else(String::new, |m| format!(" of {m} MiB (--worker-memory-mib)"));
            let hint = match signal {
                6 | 9 => format!("; out of memory within its limit{memory}?"),
                _ => String::new(),
            };
            return Err(format!(
                "the conversion process was killed by signal {signal} ({}){said_part}{hint}; the parser could not contain this file",
                signal_name(signal)
            ));
        }
        let status = status.map_or_else(|| "lost".to_string(), |s| s.to_string());
        Err(format!("the conversion process failed ({status}){said_part}"))
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        // Standard input closed: each child ends when it has read everything.
        for process in self.idle.get_mut().unwrap_or_else(|p| p.into_inner()).drain(..) {
            process.finish(false);
        }
    }
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
    let source = crate::source::read_source(&input.path, config.limits.max_input_bytes)
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
            // Nothing of this notice is written (a full disk, say): its tasks are not counted.
            report.status = FileStatus::Error;
            report.tasks = 0;
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
        let tmp = crate::emit::temporary_path(dir);
        let file = std::fs::File::create(&tmp).map_err(output_error(&tmp))?;
        Ok(Staged { tmp, path: path.to_path_buf(), out: BufWriter::new(file) })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), BatchError> {
        self.out.write_all(bytes).map_err(output_error(&self.tmp))
    }

    /// Flushes and syncs the data (so a full disk shows here, not after the rename) and renames.
    fn commit(mut self) -> Result<(), BatchError> {
        self.out.flush().map_err(output_error(&self.tmp))?;
        self.out.get_ref().sync_all().map_err(output_error(&self.tmp))?;
        std::fs::rename(&self.tmp, &self.path).map_err(output_error(&self.path))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // Not committed (an error on the way): leave no temporary file behind.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Starts the batch-wide outputs under temporary names: `tasks.jsonl`, `tasks.csv` (BOM and
/// header written) and the report (its opening written, with the shard it covers).
fn start_outputs(
    out: &Path,
    report_path: &Path,
    shard: Option<&ShardInfo>,
) -> Result<(Staged, Staged, Staged), BatchError> {
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
    let shard = shard.map_or_else(String::new, |s| {
        format!("\n  \"shard\": {},", serde_json::to_string(s).expect("shard info serializes"))
    });
    report.write(format!("{{\n  \"format\": \"{REPORT_FORMAT}\",{shard}\n  \"files\": [").as_bytes())?;
    Ok((jsonl, csv, report))
}

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
fn check_output_paths(options: &BatchOptions) -> Result<(), BatchError> {
    // The directory exists (it is locked): resolved whole, through a symbolic link too.
    let out = identity(&options.out_dir);
    let owned = [("tasks.jsonl", out.join("tasks.jsonl")), ("tasks.csv", out.join("tasks.csv"))];
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

/// Whether `name` is a temporary file this program writes (`.<anything>.tmp`).
fn is_temporary(name: &std::ffi::OsStr) -> bool {
    let b = name.as_encoded_bytes();
    b.starts_with(b".") && b.ends_with(b".tmp")
}

/// Removes temporary files a killed run left in the output directory and its `notices/`, and
/// beside the report and JUnit files. Only called with the directory locked.
fn remove_stale_temporaries(options: &BatchOptions) {
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
fn remove_stale_notices(out: &Path, written: &std::collections::HashSet<String>) -> Result<(), BatchError> {
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
    check_output_paths(options)?;
    remove_stale_temporaries(options);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(|e| BatchError::Threads { jobs: options.jobs, message: e.to_string() })?;
    let (mut jsonl, mut csv, mut report) = start_outputs(out, &options.report, options.shard.as_ref())?;
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
    let workers = WorkerPool::default();
    let mut summary = BatchSummary::default();
    let mut written = std::collections::HashSet::new();
    let mut seen_notices: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut first = true;
    for chunk in inputs.chunks(CHUNK) {
        let keep_doc = db.is_some();
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
        if let (Some(db), Some(path)) = (db.as_mut(), options.sqlite.as_ref()) {
            let sqlite_error = |e: rusqlite::Error| BatchError::Sqlite { path: path.clone(), message: e.to_string() };
            let docs: Vec<&NoticeDocument> =
                results.iter().zip(&duplicate).filter(|(_, &d)| !d).filter_map(|(r, _)| r.doc.as_ref()).collect();
            db.upsert(&docs).map_err(sqlite_error)?;
            for (r, _) in results.iter().zip(&duplicate).filter(|(_, &d)| d) {
                if let Some(doc) = &r.doc {
                    db.add_sources(&doc.notice.id, &doc.notice.sources).map_err(sqlite_error)?;
                }
            }
        }
        for (converted, &duplicate) in results.iter().zip(&duplicate) {
            if !duplicate {
                jsonl.write(&converted.jsonl)?;
                csv.write(&converted.csv)?;
            }
            let entry = serde_json::to_string(&converted.report).expect("reports serialize");
            report.write(format!("{}\n    {entry}", if first { "" } else { "," }).as_bytes())?;
            first = false;
            if let Some(j) = junit.as_mut() {
                j.add(&converted.report, fail_on)?;
            }
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
    let totals = serde_json::to_string(&summary.totals).expect("totals serialize");
    report.write(format!("\n  ],\n  \"totals\": {totals}\n}}\n").as_bytes())?;
    // The data first, the report that counts it last.
    jsonl.commit()?;
    csv.commit()?;
    if let Some(j) = junit {
        j.finish(&summary.totals, summary.failing.len())?;
    }
    remove_stale_notices(out, &written)?;
    report.commit()?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// A batch report as read back (for `merge`).
#[derive(Debug, Deserialize)]
struct ReportFile {
    format: String,
    #[serde(default)]
    shard: Option<ShardInfo>,
    files: Vec<FileReport>,
}

/// Refuses a set of shard outputs that is not exactly one whole split: every shard present once,
/// all of one split of one input set.
fn check_shard_set(shards: &[(PathBuf, Option<ShardInfo>, usize)]) -> Result<(), BatchError> {
    let bad = |m: String| Err(BatchError::IncompleteShards(m));
    let Some((first_dir, Some(first), _)) = shards.first() else {
        let dir = shards.first().map(|s| s.0.display().to_string()).unwrap_or_default();
        return bad(format!("{dir} is not a shard's output (its report names no shard; run batch with --shard I/N)"));
    };
    let mut seen: Vec<Option<&PathBuf>> = vec![None; first.count as usize];
    let mut files = 0;
    for (dir, info, n) in shards {
        let Some(info) = info else {
            return bad(format!(
                "{} is not a shard's output (its report names no shard; run batch with --shard I/N)",
                dir.display()
            ));
        };
        if info.count != first.count || info.input_set != first.input_set || info.input_files != first.input_files {
            return bad(format!(
                "{} is shard {}/{} of input set {} ({} files), but {} is shard {}/{} of input set {} ({} files): not one split",
                dir.display(), info.index, info.count, info.input_set, info.input_files,
                first_dir.display(), first.index, first.count, first.input_set, first.input_files
            ));
        }
        match seen.get_mut(info.index as usize) {
            Some(Some(other)) => {
                return bad(format!(
                    "shard {}/{} is given twice: {} and {}",
                    info.index,
                    info.count,
                    other.display(),
                    dir.display()
                ));
            }
            Some(slot) => *slot = Some(dir),
            None => {
                return bad(format!(
                    "{} names shard {}/{}, which does not exist",
                    dir.display(),
                    info.index,
                    info.count
                ))
            }
        }
        files += n;
    }
    let missing: Vec<String> =
        seen.iter().enumerate().filter(|(_, d)| d.is_none()).map(|(i, _)| format!("{i}/{}", first.count)).collect();
    if !missing.is_empty() {
        return bad(format!(
            "shard(s) {} of input set {} missing ({} of {} given)",
            missing.join(", "),
            first.input_set,
            shards.len(),
            first.count
        ));
    }
    if files != first.input_files {
        return bad(format!(
            "the shards list {files} files in all, but input set {} has {}: a shard is incomplete or overlaps another",
            first.input_set, first.input_files
        ));
    }
    Ok(())
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
    let mut infos = Vec::new();
    for dir in dirs {
        let not_output = |reason: String| BatchError::NotBatchOutput { path: dir.clone(), reason };
        let text =
            std::fs::read_to_string(dir.join("report.json")).map_err(|e| not_output(format!("report.json: {e}")))?;
        let report: ReportFile = serde_json::from_str(&text).map_err(|e| not_output(format!("report.json: {e}")))?;
        if report.format != REPORT_FORMAT {
            return Err(not_output(format!("report format {:?}, expected {REPORT_FORMAT:?}", report.format)));
        }
        infos.push((dir.clone(), report.shard.clone(), report.files.len()));
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
    check_shard_set(&infos)?;
    let _lock = lock_output(out)?;
    let (mut jsonl, mut csv, mut report) = start_outputs(out, &out.join("report.json"), None)?;
    let mut last_key: Option<(String, usize)> = None;
    let mut heads: Vec<Option<FileReport>> = shards.iter_mut().map(|s| s.files.next()).collect();
    let mut totals = Totals::default();
    let mut seen_notices: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut first = true;
    loop {
        let next = heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|h| (i, h.key.clone())))
            .min_by(|a, b| a.1.cmp(&b.1));
        let Some((i, key)) = next else { break };
        if let Some((previous, j)) = last_key.as_ref().filter(|(k, _)| *k == key) {
            return Err(BatchError::IncompleteShards(format!(
                "{previous:?} is in both {} and {}: the shards overlap",
                shards[*j].dir.display(),
                shards[i].dir.display()
            )));
        }
        last_key = Some((key, i));
        let mut entry = heads[i].take().expect("chosen head exists");
        heads[i] = shards[i].files.next();
        let shard = &mut shards[i];
        let broken = |what: &str| BatchError::NotBatchOutput {
            path: shard.dir.clone(),
            reason: format!("{what} ends before the report says"),
        };
        // A notice that two shards each gave first is one notice here, as in one run: the later
        // file's tasks are read past, not written.
        let mut skip_tasks = 0;
        if matches!(entry.status, FileStatus::Ok | FileStatus::Duplicate) {
            if let Some(id) = entry.notice_id.clone() {
                match seen_notices.get(&id) {
                    Some(first_path) => {
                        // A shard's own first file, or a duplicate of one: named by the first file
                        // of all the shards.
                        if entry.status == FileStatus::Ok {
                            skip_tasks = entry.tasks;
                        }
                        entry = entry.into_duplicate(first_path);
                    }
                    None => {
                        seen_notices.insert(id, entry.path.clone());
                    }
                }
            }
        }
        for _ in 0..skip_tasks {
            shard.jsonl.next().ok_or_else(|| broken("tasks.jsonl"))?.map_err(output_error(&shard.dir))?;
            let mut record = csv::ByteRecord::new();
            if !shard
                .csv
                .read_byte_record(&mut record)
                .map_err(|e| BatchError::Output { path: shard.dir.join("tasks.csv"), source: e.into() })?
            {
                return Err(broken("tasks.csv"));
            }
        }
        if matches!(entry.status, FileStatus::Ok | FileStatus::Duplicate) {
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
