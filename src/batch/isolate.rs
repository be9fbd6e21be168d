//! Isolation: files whose parsers are not ours (lopdf, zip, calamine) converted in child
//! processes of this program, so that an abort, a crash or running out of memory is that file's
//! error and the batch goes on.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::file::{contain_panic, Failure, Obtained};
use super::inputs::InputFile;
use crate::convert::Config;
use crate::input::Source;
use crate::record::NoticeDocument;

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
    pub(super) fn applies_to(self, format: crate::input::Format) -> bool {
        use crate::input::Format;
        match self {
            Isolation::Off => false,
            Isolation::Office => matches!(format, Format::Pdf | Format::Docx | Format::Xlsx),
            Isolation::All => true,
        }
    }
}

/// How to start the child processes that convert files in isolation: this program with a hidden
/// subcommand (see [`serve`]); a child reads each file's path (and its bytes, or reads the file
/// itself) on standard input and writes a [`WorkerReply`] on standard output, one file after
/// another, and is reused until it fails. An abort, a crash or running out of memory in a child
/// becomes the error of the file it was converting; the batch goes on with a fresh child.
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
#[derive(Debug)]
pub(crate) enum WorkerReply {
    /// The notice, and its notice JSON as the child rendered it (what `convert` writes), which
    /// the batch writes as it is rather than rendering the notice again.
    Document {
        doc: Box<NoticeDocument>,
        json: Vec<u8>,
    },
    Error(String),
    /// The file holds no task ledger (the message says what was seen).
    NoLedger(String),
}

impl WorkerReply {
    /// The frames that say which kind of reply follows.
    const DOCUMENT: &'static [u8] = b"document";
    const ERROR: &'static [u8] = b"error";
    const NO_LEDGER: &'static [u8] = b"no-ledger";

    /// The reply whose kind and body frames a child wrote (see [`serve`]); a kind it does not
    /// know, a message not UTF-8 or a notice JSON that does not read as a notice is a broken
    /// stream.
    fn from_frames(kind: &[u8], body: Vec<u8>) -> std::io::Result<WorkerReply> {
        Ok(match kind {
            Self::DOCUMENT => {
                let doc = serde_json::from_slice(&body).map_err(std::io::Error::other)?;
                WorkerReply::Document { doc: Box::new(doc), json: body }
            }
            Self::ERROR => WorkerReply::Error(frame_text(body)?),
            Self::NO_LEDGER => WorkerReply::NoLedger(frame_text(body)?),
            _ => return Err(std::io::Error::other("a reply of an unknown kind")),
        })
    }
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
    // Room for the whole frame up to a bound (a length from a broken stream reserves no more),
    // so that a reply is read in one piece rather than through a doubling buffer.
    let mut bytes = Vec::with_capacity(len.min(FRAME_RESERVE) as usize);
    input.by_ref().take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(bytes))
}

/// Reads one frame that must follow (see [`read_frame`]): the end of the stream is an error.
fn read_next_frame(input: &mut impl std::io::Read, limit: u64) -> std::io::Result<Vec<u8>> {
    Ok(read_frame(input, limit)?.ok_or(std::io::ErrorKind::UnexpectedEof)?)
}

/// A frame that holds text (a path, a SHA-256 in hex); not UTF-8 is a broken stream.
fn frame_text(frame: Vec<u8>) -> std::io::Result<String> {
    String::from_utf8(frame).map_err(std::io::Error::other)
}

fn write_frame(output: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    output.write_all(&frame_header(bytes))?;
    output.write_all(bytes)
}

/// The header of a frame holding `bytes`: their length as a little-endian `u64`.
fn frame_header(bytes: &[u8]) -> [u8; 8] {
    (bytes.len() as u64).to_le_bytes()
}

/// The most room [`read_frame`] reserves before reading a frame: 1 MiB, the pipes' size.
const FRAME_RESERVE: u64 = 1 << 20;

/// What a parent asks a child to convert, besides the file's path.
pub(super) enum Request<'a> {
    /// The file as the parent read it (its bytes, and the SHA-256 it computed while reading them).
    Read(&'a Source),
    /// Only the path: the child reads the file itself, with the same checks and messages as the
    /// parent's read, and sends back the SHA-256 of what it read. This spares copying the file
    /// through the pipe.
    Path,
}

/// The child's side of isolated conversions: for each request on `input` (a frame holding the
/// input's path, one holding the SHA-256 of its bytes as the parent computed it while reading
/// them and then one holding the bytes, or an empty frame when the child is to read the file
/// itself: see [`Request`]), converts the file and writes to `output` three frames: the SHA-256
/// of the bytes converted (empty when they could not be read), the kind of [`WorkerReply`]
/// (`document`, `error` or `no-ledger`) and its body (the notice JSON, or the message), until
/// `input` ends. One child serves many files in turn, so its start-up (the schema, the
/// registries) is paid once.
pub fn serve(config: &Config, mut input: impl std::io::Read, mut output: impl Write) -> std::io::Result<()> {
    let mut frames = Vec::new();
    loop {
        let Some(path) = read_frame(&mut input, 1 << 20)? else { return Ok(()) };
        let path = PathBuf::from(frame_text(path)?);
        let sha256 = frame_text(read_next_frame(&mut input, 64)?)?;
        let read = if sha256.is_empty() {
            crate::input::read_source(&path, config.limits.max_input_bytes)
        } else {
            let bytes = read_next_frame(&mut input, config.limits.max_input_bytes)?;
            crate::input::source_with_sha256(&path, bytes, sha256)
        };
        let read_sha256 = read.as_ref().map_or_else(|_| String::new(), |source| source.sha256.clone());
        let converted = contain_panic(|| {
            let source = read.map_err(|e| crate::Error::from(e).with_path(&path))?;
            let doc = crate::convert::convert_source_in_folder(&source, config)?;
            let json = crate::output::render(&doc, crate::output::OutputFormat::Json).map_err(crate::Error::from)?;
            Ok::<_, crate::Error>(json)
        });
        let message;
        let (kind, body): (&[u8], &[u8]) = match &converted {
            Ok(Ok(json)) => (WorkerReply::DOCUMENT, json),
            Ok(Err(e)) => {
                message = e.to_string();
                (if e.is_no_ledger() { WorkerReply::NO_LEDGER } else { WorkerReply::ERROR }, message.as_bytes())
            }
            Err(panic) => (WorkerReply::ERROR, panic.as_bytes()),
        };
        // The frames in one write: the parent, waiting for them, is woken once.
        frames.clear();
        write_frame(&mut frames, read_sha256.as_bytes())?;
        write_frame(&mut frames, kind)?;
        write_frame(&mut frames, body)?;
        output.write_all(&frames)?;
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

/// The size asked for the pipes to and from a child: 1 MiB, Linux's default ceiling for an
/// unprivileged process (`/proc/sys/fs/pipe-max-size`).
#[cfg(target_os = "linux")]
const PIPE_BYTES: libc::c_int = 1 << 20;

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
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            // A file and its document cross the pipes whole: with Linux's default 64 KiB the
            // parent and the child take turns for every 64 KiB (a PDF of 200 KiB is four turns
            // each way). A larger pipe is a hint; where it is refused the default serves.
            for fd in [stdin.as_raw_fd(), stdout.as_raw_fd()] {
                // SAFETY: fcntl(2) on a pipe this process owns; F_SETPIPE_SZ takes an int.
                unsafe {
                    libc::fcntl(fd, libc::F_SETPIPE_SZ, PIPE_BYTES);
                }
            }
        }
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

    /// Sends one file and reads the reply, with the SHA-256 of the bytes the child converted
    /// (empty when it could not read them); `Err` when the child died or broke the protocol.
    fn convert(&mut self, path: &Path, request: &Request) -> std::io::Result<(String, WorkerReply)> {
        self.said.lock().unwrap_or_else(|p| p.into_inner()).clear();
        let path = path.to_str().ok_or_else(|| std::io::Error::other("path not UTF-8"))?;
        // The small frames in one write, so that the child is woken once for them; a file's
        // bytes follow in a write of their own rather than being copied after them.
        let mut frames = Vec::with_capacity(path.len() + 96);
        write_frame(&mut frames, path.as_bytes())?;
        let file_bytes: &[u8] = match request {
            Request::Read(source) => {
                write_frame(&mut frames, source.sha256.as_bytes())?;
                frames.extend_from_slice(&frame_header(&source.bytes));
                &source.bytes
            }
            Request::Path => {
                write_frame(&mut frames, b"")?;
                &[]
            }
        };
        self.stdin.write_all(&frames)?;
        self.stdin.write_all(file_bytes)?;
        self.stdin.flush()?;
        let sha256 = frame_text(read_next_frame(&mut self.stdout, u64::MAX)?)?;
        let kind = read_next_frame(&mut self.stdout, 64)?;
        let body = read_next_frame(&mut self.stdout, u64::MAX)?;
        Ok((sha256, WorkerReply::from_frames(&kind, body)?))
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
pub(super) struct WorkerPool {
    idle: std::sync::Mutex<Vec<WorkerProcess>>,
}

impl WorkerPool {
    /// Converts `input` in a child, as `request` gives it; `Err` says why the file gave no
    /// notice. Also gives the SHA-256 of the bytes the child converted, when it read them and
    /// replied. A child that fails is ended, and the next file gets a fresh one.
    pub(super) fn convert(
        &self,
        input: &InputFile,
        request: &Request,
        worker: &Worker,
    ) -> (Result<Obtained, Failure>, Option<String>) {
        // The path travels as text; the document and messages show a path lossily in any case.
        let path = PathBuf::from(input.path.to_string_lossy().into_owned());
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut process = match taken {
            Some(p) => p,
            None => match WorkerProcess::start(worker) {
                Ok(p) => p,
                Err(message) => return (Err(Failure::Error(message)), None),
            },
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
        let reply = process.convert(&path, request);
        drop(stop);
        if let Some(k) = killer {
            let _ = k.join();
        }
        if let Ok((sha256, reply)) = reply {
            process.served += 1;
            if process.served < FILES_PER_CHILD {
                self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(process);
            } else {
                process.finish(false);
            }
            let result = match reply {
                WorkerReply::Document { doc, json } => Ok(Obtained { doc: *doc, json: Some(json) }),
                WorkerReply::Error(message) => Err(Failure::Error(message)),
                WorkerReply::NoLedger(message) => Err(Failure::NoLedger(message)),
            };
            return (result, Some(sha256).filter(|s| !s.is_empty()));
        }
        (Err(Failure::Error(Self::failed(process, &timed_out, worker))), None)
    }

    /// Why a child that did not reply failed (a timeout, a signal, an exit), once it is ended.
    fn failed(process: WorkerProcess, timed_out: &std::sync::atomic::AtomicBool, worker: &Worker) -> String {
        let (status, said) = process.finish(true);
        if timed_out.load(std::sync::atomic::Ordering::SeqCst) {
            let limit = worker.timeout.map_or(0.0, |t| t.as_secs_f64());
            return format!(
                "the conversion did not finish within {limit:.0} s (--time-budget plus a grace period) and its process was stopped"
            );
        }
        let said_part = if said.is_empty() { String::new() } else { format!(": {said}") };
        #[cfg(unix)]
        if let Some(signal) = status.and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s)) {
            let memory = worker.memory_mib.map_or_else(String::new, |m| format!(" of {m} MiB (--worker-memory-mib)"));
            let hint = match signal {
                6 | 9 => format!("; out of memory within its limit{memory}?"),
                _ => String::new(),
            };
            return format!(
                "the conversion process was killed by signal {signal} ({}){said_part}{hint}; the parser could not contain this file",
                signal_name(signal)
            );
        }
        let status = status.map_or_else(|| "lost".to_string(), |s| s.to_string());
        format!("the conversion process failed ({status}){said_part}")
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A request as the parent writes it: the path, the SHA-256 it computed, the bytes; or, with
    /// no bytes, the path and an empty frame ([`Request::Path`]).
    fn request(path: &str, sha256: &str, bytes: Option<&[u8]>) -> Vec<u8> {
        let mut frames = Vec::new();
        write_frame(&mut frames, path.as_bytes()).unwrap();
        write_frame(&mut frames, sha256.as_bytes()).unwrap();
        if let Some(bytes) = bytes {
            write_frame(&mut frames, bytes).unwrap();
        }
        frames
    }

    /// The next reply on `replies`: the SHA-256 the child read, and the reply.
    fn reply(replies: &mut &[u8]) -> (String, WorkerReply) {
        let sha256 = String::from_utf8(read_frame(replies, u64::MAX).unwrap().unwrap()).unwrap();
        let kind = read_frame(replies, 64).unwrap().unwrap();
        let body = read_frame(replies, u64::MAX).unwrap().unwrap();
        (sha256, WorkerReply::from_frames(&kind, body).unwrap())
    }

    const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/seed/000_289293f812862803.txt");

    #[test]
    fn a_child_converts_each_request_with_the_hash_its_parent_read() {
        let bytes = std::fs::read(SEED).unwrap();
        // Not the bytes' own hash: what the parent sends is what the document carries, so this
        // fails if the child hashes the bytes again.
        let hash = "ab".repeat(32);
        let mut input = request(SEED, &hash, Some(&bytes));
        input.extend(request("empty.txt", &hash, Some(b"x")));
        let mut output = Vec::new();
        serve(&Config::default(), &input[..], &mut output).unwrap();

        let mut replies = &output[..];
        match reply(&mut replies) {
            (sha256, WorkerReply::Document { doc, .. }) => {
                assert_eq!(sha256, hash);
                assert_eq!(doc.tasks.len(), 34);
                assert_eq!(doc.notice.source.sha256, hash);
                assert!(doc.notice.sources.iter().all(|s| s.sha256 == hash));
            }
            (_, other) => panic!("the seed gave {other:?}"),
        }
        let (_, second) = reply(&mut replies);
        assert!(matches!(second, WorkerReply::NoLedger(_) | WorkerReply::Error(_)), "a one-byte file is no notice");
        assert!(read_frame(&mut replies, u64::MAX).unwrap().is_none(), "one reply per request");
    }

    #[test]
    fn a_child_given_only_the_path_reads_and_hashes_the_file_as_its_parent_would() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pdf");
        let missing = missing.to_str().unwrap();
        let mut input = request(SEED, "", None);
        input.extend(request(missing, "", None));
        let mut output = Vec::new();
        serve(&Config::default(), &input[..], &mut output).unwrap();

        let mut replies = &output[..];
        let in_process = crate::convert::convert_path(Path::new(SEED), &Config::default()).unwrap();
        match reply(&mut replies) {
            (sha256, WorkerReply::Document { doc, json }) => {
                assert_eq!(sha256, crate::input::sha256_hex(&std::fs::read(SEED).unwrap()));
                assert_eq!(doc.notice.source.sha256, sha256);
                assert_eq!(serde_json::to_value(&doc).unwrap(), serde_json::to_value(&in_process).unwrap());
                // The notice JSON the batch writes as it is: byte for byte what `convert` writes.
                let written = crate::output::render(&in_process, crate::output::OutputFormat::Json).unwrap();
                assert!(json == written, "the child's notice JSON differs from convert's");
            }
            (_, other) => panic!("the seed gave {other:?}"),
        }
        // A file the child cannot read: no hash, and the message the parent's own read gives.
        let (sha256, failed) = reply(&mut replies);
        assert_eq!(sha256, "");
        let parent = crate::input::read_source(Path::new(missing), u64::MAX).unwrap_err();
        match failed {
            WorkerReply::Error(message) => {
                assert_eq!(message, crate::Error::from(parent).with_path(Path::new(missing)).to_string())
            }
            other => panic!("a missing file gave {other:?}"),
        }
        assert!(read_frame(&mut replies, u64::MAX).unwrap().is_none(), "one reply per request");
    }

    #[test]
    fn a_request_cut_short_is_an_error_not_a_conversion() {
        // A hash with no bytes after it, and a path with nothing after it.
        for hash in [Some(&b"0123"[..]), None] {
            let mut input = Vec::new();
            write_frame(&mut input, b"notice.txt").unwrap();
            if let Some(hash) = hash {
                write_frame(&mut input, hash).unwrap();
            }
            let mut output = Vec::new();
            let err = serve(&Config::default(), &input[..], &mut output).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
            assert!(output.is_empty());
        }
    }

    #[test]
    fn a_reply_of_an_unknown_kind_or_not_a_notice_is_a_broken_stream() {
        assert!(WorkerReply::from_frames(b"documents", b"{}".to_vec()).is_err());
        assert!(WorkerReply::from_frames(WorkerReply::DOCUMENT, b"{\"tasks\": [".to_vec()).is_err());
        assert!(WorkerReply::from_frames(WorkerReply::ERROR, vec![0xff, 0xfe]).is_err());
        match WorkerReply::from_frames(WorkerReply::NO_LEDGER, "没有台账".as_bytes().to_vec()).unwrap() {
            WorkerReply::NoLedger(message) => assert_eq!(message, "没有台账"),
            other => panic!("{other:?}"),
        }
    }
}
