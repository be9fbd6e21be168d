//! Stages 1 and 2, `input`: a notice's bytes, fingerprinted, sniffed for their format, and read by
//! the front-end of that format into the one document model ([`crate::model`]).
//!
//! Sniffing looks at the bytes first (magic numbers, markup) and at the file extension only to
//! tell apart formats that share a container (DOCX and XLSX are both zip archives). The
//! front-ends: [`text`] (the plain-text rendition), [`html`] (with its charset detection),
//! [`ooxml`] (DOCX and XLSX over one zip reader), [`pdf`] (its own object and content-stream
//! readers, lopdf for what they refuse), and [`scan`] (a PDF whose pages are images, read by OCR).

pub mod html;
pub mod links;
pub mod ooxml;
pub mod pdf;
pub mod scan;
pub mod text;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Extensions of the files a notice can be in (a batch's directory walk picks these up).
pub const NOTICE_EXTENSIONS: &[&str] = &["txt", "html", "htm", "shtml", "pdf", "docx", "xlsx", "doc", "xls", "wps"];

/// The formats a notice can arrive in. Legacy Office files are recognised only so that the error
/// can name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// The plain-text rendition: markdown headings, tab-separated table rows, inline `<b>`/`<p>`.
    Text,
    Html,
    Pdf,
    Docx,
    Xlsx,
    /// Legacy binary Office formats (.doc, .xls, .wps) in an OLE compound file.
    LegacyOffice,
}

impl Format {
    /// The name used in the output's `notice.source.format` and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::LegacyOffice => "legacy-office",
        }
    }

    /// The format a file name's extension claims, if it names one.
    pub fn of_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "txt" | "text" | "md" => Format::Text,
            "html" | "htm" | "shtml" | "xhtml" => Format::Html,
            "pdf" => Format::Pdf,
            "docx" => Format::Docx,
            "xlsx" => Format::Xlsx,
            "doc" | "xls" | "wps" | "et" => Format::LegacyOffice,
            _ => return None,
        })
    }
}

/// A notice's bytes with what is known about them before parsing.
#[derive(Clone, Debug)]
pub struct Source {
    /// The path as given by the caller (kept verbatim for provenance).
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// Lower-case hex SHA-256 of `bytes`.
    pub sha256: String,
    pub format: Format,
}

/// Why a source could not be read or recognised.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is {size} bytes, above the input limit of {limit} bytes")]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error("{path} is empty")]
    Empty { path: PathBuf },
    #[error("{path} is not a regular file but {kind}; only regular files are read (a pipe or device could block or never end)")]
    NotRegularFile { path: PathBuf, kind: &'static str },
    #[error(
        "{path}: unrecognised format (first bytes {head:?}); expected a text rendition, HTML, PDF, DOCX or XLSX notice"
    )]
    UnknownFormat { path: PathBuf, head: String },
}

/// Reads `path` (refusing files above `max_bytes`, and anything but a regular file) and sniffs
/// its format.
///
/// A FIFO, socket or device is refused before it is opened (opening a FIFO blocks until a writer
/// comes); the file is then opened without blocking and checked again, and read through a bound of
/// `max_bytes + 1` bytes whatever size it claims, so a file that grows while it is read, or a
/// special file reached by a race, still cannot exhaust memory.
pub fn read_source(path: &Path, max_bytes: u64) -> Result<Source, SourceError> {
    use std::io::Read;
    let (file, size) = open_regular(path, max_bytes)?;
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(max_bytes)).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| SourceError::Io { path: path.to_path_buf(), source })?;
    if bytes.len() as u64 > max_bytes {
        return Err(SourceError::TooLarge { path: path.to_path_buf(), size: bytes.len() as u64, limit: max_bytes });
    }
    source_from_bytes(path, bytes)
}

/// Opens `path` for reading as [`read_source`] does: a regular file of at most `max_bytes` by its
/// size, checked before it is opened and again once it is open, opened without blocking. Gives
/// the file and its size as it was opened.
fn open_regular(path: &Path, max_bytes: u64) -> Result<(std::fs::File, u64), SourceError> {
    let io = |source| SourceError::Io { path: path.to_path_buf(), source };
    let not_regular = |meta: &std::fs::Metadata| {
        (!meta.is_file()).then(|| SourceError::NotRegularFile { path: path.to_path_buf(), kind: file_kind(meta) })
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if let Some(e) = not_regular(&meta) {
        return Err(e);
    }
    if meta.len() > max_bytes {
        return Err(SourceError::TooLarge { path: path.to_path_buf(), size: meta.len(), limit: max_bytes });
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if let Some(e) = not_regular(&meta) {
        return Err(e);
    }
    Ok((file, meta.len()))
}

/// The first bytes of `path` that [`is_pdf_or_zip`] looks at (at most [`HEAD_BYTES`], 1,028),
/// read as [`read_source`] opens a file; `None` when it would refuse the file or reading fails
/// (reading it whole then says why).
#[cfg(feature = "batch")]
pub(crate) fn read_head(path: &Path, max_bytes: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let (file, _) = open_regular(path, max_bytes).ok()?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    file.take(HEAD_BYTES as u64).read_to_end(&mut head).ok()?;
    Some(head)
}

/// How far into a file a PDF header may start: readers accept junk before `%PDF-` within the
/// first kilobyte.
const PDF_HEADER_WITHIN: usize = 1024;

/// How many of a file's first bytes [`read_head`] reads: enough for a PDF header starting at the
/// last place it may start.
#[cfg(feature = "batch")]
const HEAD_BYTES: usize = PDF_HEADER_WITHIN + b"%PDF-".len() - 1;

/// Whether `bytes` hold a PDF header (`%PDF-`) starting within their first kilobyte.
pub(crate) fn has_pdf_header(bytes: &[u8]) -> bool {
    bytes.windows(5).take(PDF_HEADER_WITHIN).any(|w| w == b"%PDF-")
}

/// Whether a file whose first bytes are `head` is, for certain, a PDF or a zip (DOCX, XLSX, or
/// neither, which only the whole file tells): what [`sniff_format`] decides from the start of a
/// file alone. `false` decides nothing.
#[cfg(feature = "batch")]
pub(crate) fn is_pdf_or_zip(head: &[u8]) -> bool {
    has_pdf_header(head) || head.starts_with(ZIP_MAGIC)
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// What kind of file `meta` describes, for messages.
pub fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// SHA-256 of `bytes`, in lower-case hex: a source's [`Source::sha256`], and the hash a batch
/// keeps of its inputs and outputs.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Builds a [`Source`] from bytes already in memory; `path` is used for provenance and to tell
/// zip-based formats apart.
pub fn source_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Source, SourceError> {
    let sha256 = sha256_hex(&bytes);
    source_with_sha256(path, bytes, sha256)
}

/// Builds a [`Source`] from bytes whose SHA-256 (lower-case hex) is already known: a batch's
/// conversion process is handed the hash its parent computed while reading the file, instead of
/// hashing the bytes a second time. Assumes `sha256` is the hash of `bytes`; nothing checks it.
pub(crate) fn source_with_sha256(path: &Path, bytes: Vec<u8>, sha256: String) -> Result<Source, SourceError> {
    if bytes.is_empty() {
        return Err(SourceError::Empty { path: path.to_path_buf() });
    }
    let format = sniff_format(path, &bytes).ok_or_else(|| SourceError::UnknownFormat {
        path: path.to_path_buf(),
        head: String::from_utf8_lossy(&bytes[..bytes.len().min(16)]).into_owned(),
    })?;
    Ok(Source { path: path.to_path_buf(), bytes, sha256, format })
}

/// Decides the format from magic numbers and content; `None` when nothing fits.
pub fn sniff_format(path: &Path, bytes: &[u8]) -> Option<Format> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let body = strip_bom(bytes);
    let head = skip_ascii_space(body);
    if head.starts_with(b"%PDF-") || has_pdf_header(bytes) {
        return Some(Format::Pdf);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return match ext.as_str() {
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "docx" => Some(Format::Docx),
            _ if contains(bytes, b"xl/") => Some(Format::Xlsx),
            _ if contains(bytes, b"word/") => Some(Format::Docx),
            _ => None,
        };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some(Format::LegacyOffice);
    }
    if looks_like_html(head) {
        return Some(Format::Html);
    }
    if is_mostly_text(body) {
        return Some(Format::Text);
    }
    None
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes)
}

fn skip_ascii_space(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn looks_like_html(head: &[u8]) -> bool {
    let start: Vec<u8> = head.iter().take(512).map(|b| b.to_ascii_lowercase()).collect();
    [b"<!doctype html".as_slice(), b"<html", b"<head", b"<meta", b"<body", b"<table", b"<!--"]
        .iter()
        .any(|m| start.starts_with(m))
}

/// Text if the first 8 KiB hold no NUL bytes and few control characters.
fn is_mostly_text(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(8192)];
    let controls = sample.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C)).count();
    !sample.contains(&0) && controls * 100 <= sample.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_extension() {
        let p = Path::new("x.pdf");
        assert_eq!(sniff_format(p, b"%PDF-1.7\n..."), Some(Format::Pdf));
        assert_eq!(sniff_format(p, b"<!DOCTYPE html><html>"), Some(Format::Html));
        assert_eq!(sniff_format(p, "# 标题\n序号\t任务".as_bytes()), Some(Format::Text));
        assert_eq!(sniff_format(p, &[0u8, 1, 2, 3, 0, 0xff]), None);
        assert_eq!(sniff_format(Path::new("a.docx"), b"PK\x03\x04rest"), Some(Format::Docx));
    }

    #[test]
    fn empty_input_is_an_error() {
        let err = source_from_bytes(Path::new("e.txt"), Vec::new()).unwrap_err();
        assert!(err.to_string().contains("e.txt is empty"));
    }

    /// What the first bytes decide agrees with what the whole file decides: a file they call a
    /// PDF or a zip is one of the formats whose parsers a batch isolates (or a zip of neither,
    /// refused either way), and a PDF header past the first kilobyte is seen by neither.
    #[cfg(feature = "batch")]
    #[test]
    fn the_head_decides_only_what_the_whole_file_would() {
        let isolated = |p: &Path, bytes: &[u8]| {
            matches!(sniff_format(p, bytes), Some(Format::Pdf | Format::Docx | Format::Xlsx) | None)
        };
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut seen = 0;
        for dir in std::fs::read_dir(&root).unwrap().flatten().filter(|d| d.path().is_dir()) {
            for file in std::fs::read_dir(dir.path()).unwrap().flatten().map(|f| f.path()).filter(|p| p.is_file()) {
                let bytes = std::fs::read(&file).unwrap();
                let head = read_head(&file, u64::MAX).unwrap();
                assert_eq!(head[..], bytes[..bytes.len().min(1028)], "{}", file.display());
                if is_pdf_or_zip(&head) {
                    seen += 1;
                    assert!(isolated(&file, &bytes), "{}", file.display());
                }
            }
        }
        assert!(seen >= 20, "only {seen} PDF, DOCX and XLSX fixtures");
        let junk = |n: usize| [vec![b'x'; n], b"%PDF-1.4\n".to_vec()].concat();
        assert!(is_pdf_or_zip(&junk(1000)) && sniff_format(Path::new("a"), &junk(1000)) == Some(Format::Pdf));
        assert!(!is_pdf_or_zip(&junk(1024)) && sniff_format(Path::new("a.pdf"), &junk(1024)) != Some(Format::Pdf));
    }

    /// Reading the first bytes refuses what reading the whole file refuses, without blocking on
    /// a FIFO and without reading a file above the limit.
    #[cfg(all(unix, feature = "batch"))]
    #[test]
    fn the_head_of_a_file_read_whole_would_refuse_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("notice.pdf");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo(3) with a NUL-terminated path and a mode.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(read_head(&fifo, u64::MAX).is_none());
        let big = dir.path().join("big.pdf");
        std::fs::write(&big, b"%PDF-1.4\n0123456789").unwrap();
        assert!(read_head(&big, 10).is_none());
        assert_eq!(read_head(&big, 100).unwrap(), b"%PDF-1.4\n0123456789");
        assert!(read_head(&dir.path().join("missing.pdf"), 100).is_none());
    }
}
