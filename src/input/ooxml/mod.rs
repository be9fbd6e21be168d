//! Office Open XML (DOCX and XLSX): the zip archive both are, read in memory with limits on
//! entries and decompressed sizes (counted on the bytes actually inflated, not on the sizes the
//! archive claims). Nothing is written to disk, so entry names cannot escape anywhere.

pub mod docx;
pub mod xlsx;

use std::io::Read;

/// Most entries an archive may have.
pub const MAX_ENTRIES: usize = 20_000;

/// Why an Office Open XML archive could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    #[error("not a readable zip archive (corrupt or truncated): {0}")]
    Zip(#[source] zip::result::ZipError),
    #[error("not a readable zip archive (corrupt or truncated): entry {index}: {source}")]
    Entry { index: usize, source: zip::result::ZipError },
    #[error("not a readable zip archive (corrupt or truncated): {part}: {source}")]
    Inflate { part: String, source: std::io::Error },
    #[error("the archive has {entries} entries, above the limit of {limit}")]
    TooManyEntries { entries: usize, limit: usize },
    #[error("{part} decompresses to more than {limit} bytes (a zip bomb? see --max-inflated-mib)")]
    TooLarge { part: String, limit: u64 },
    #[error("the archive decompresses to more than {limit} bytes in all by {part} (a zip bomb? see --max-inflated-total-mib)")]
    TooLargeInTotal { part: String, limit: u64 },
    #[error("{part} is not valid UTF-8 XML")]
    NotUtf8 { part: String },
}

pub(crate) type Archive = zip::ZipArchive<std::io::Cursor<Vec<u8>>>;

/// Opens a zip archive held in memory, with the entry-count limit.
pub fn open_archive(bytes: &[u8]) -> Result<Archive, ArchiveError> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).map_err(ArchiveError::Zip)?;
    if archive.len() > MAX_ENTRIES {
        return Err(ArchiveError::TooManyEntries { entries: archive.len(), limit: MAX_ENTRIES });
    }
    Ok(archive)
}

/// Decompressed bytes read from one archive so far, against the limits.
pub struct Inflation<'a> {
    limits: &'a crate::Limits,
    total: u64,
}

impl<'a> Inflation<'a> {
    pub fn new(limits: &'a crate::Limits) -> Self {
        Inflation { limits, total: 0 }
    }
}

/// Reads one part as UTF-8 text, refusing more than `Limits::max_inflated_bytes` decompressed for
/// the part and `Limits::max_inflated_total_bytes` for the archive (checked on the bytes actually
/// inflated, not on the sizes the archive claims). `Ok(None)` when absent.
pub fn read_part(archive: &mut Archive, name: &str, inflation: &mut Inflation) -> Result<Option<String>, ArchiveError> {
    let entry = match archive.by_name(name) {
        Ok(e) => e,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(ArchiveError::Zip(e)),
    };
    let bytes = inflate(entry, name, inflation)?;
    String::from_utf8(bytes).map(Some).map_err(|_| ArchiveError::NotUtf8 { part: name.to_string() })
}

/// Reads entry `index` of the archive, whatever its name or content, under the same limits as
/// [`read_part`]; returns its name (lossy when not UTF-8) and its bytes.
pub fn read_entry(
    archive: &mut Archive,
    index: usize,
    inflation: &mut Inflation,
) -> Result<(String, Vec<u8>), ArchiveError> {
    let entry = archive.by_index(index).map_err(|source| ArchiveError::Entry { index, source })?;
    let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
    let bytes = inflate(entry, &name, inflation)?;
    Ok((name, bytes))
}

fn inflate(entry: impl Read, name: &str, inflation: &mut Inflation) -> Result<Vec<u8>, ArchiveError> {
    let limits = inflation.limits;
    let room = limits.max_inflated_bytes.min(limits.max_inflated_total_bytes.saturating_sub(inflation.total));
    let mut bytes = Vec::new();
    entry
        .take(room + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ArchiveError::Inflate { part: name.to_string(), source })?;
    if bytes.len() as u64 > limits.max_inflated_bytes {
        return Err(ArchiveError::TooLarge { part: name.to_string(), limit: limits.max_inflated_bytes });
    }
    inflation.total += bytes.len() as u64;
    if inflation.total > limits.max_inflated_total_bytes {
        return Err(ArchiveError::TooLargeInTotal { part: name.to_string(), limit: limits.max_inflated_total_bytes });
    }
    Ok(bytes)
}
