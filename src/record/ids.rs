//! Stable identifiers for notices and tasks.
//!
//! Ids are short hashes of what identifies a thing to a reader, normalized so that format
//! differences (spacing, a trailing full stop) do not change them: a notice by its issuer and
//! document number (or title when it has none), a task by its title.

use sha2::{Digest, Sha256};

/// Normalizes text for hashing: whitespace removed, trailing sentence punctuation removed,
/// half-width brackets made full-width.
pub fn id_basis(text: &str) -> String {
    let squashed = crate::offices::normalize_name(text);
    squashed.trim_end_matches(['。', '.', '；', ';', '！', '？']).to_string()
}

/// The first `hex_chars` lower-case hex digits of the SHA-256 of `text`.
pub fn short_hash(text: &str, hex_chars: usize) -> String {
    // The digest's own hex formatting, cut at `hex_chars` digits (at most its 64) by the precision.
    format!("{:.*x}", hex_chars.min(64), Sha256::digest(text.as_bytes()))
}

/// The id of a notice: `n-` and 12 hex digits of its issuer and document number, or of its
/// issuer and title when it has no document number.
pub fn notice_id(issuer: Option<&str>, doc_number: Option<&str>, title: Option<&str>) -> String {
    let second = doc_number
        .map(|d| format!("doc:{}", id_basis(d)))
        .unwrap_or_else(|| format!("title:{}", id_basis(title.unwrap_or(""))));
    format!("n-{}", short_hash(&format!("{}\u{0}{second}", id_basis(issuer.unwrap_or(""))), 12))
}

/// The id of a notice nothing identifies (an attachment alone): `n-` and 12 hex digits of its
/// issuer, if any, and its tasks' keys in order, so the same ledger gets the same id and another
/// ledger another one.
pub fn content_notice_id<'a>(issuer: Option<&str>, task_keys: impl Iterator<Item = &'a str>) -> String {
    let keys: Vec<&str> = task_keys.collect();
    format!("n-{}", short_hash(&format!("content:{}\u{0}{}", id_basis(issuer.unwrap_or("")), keys.join(",")), 12))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_ignore_spacing_and_full_stops() {
        assert_eq!(id_basis("实施 工程。"), id_basis("实施工程"));
        assert_eq!(
            notice_id(Some("甘肃省教育厅"), None, Some("关于 印发")),
            notice_id(Some("甘肃省教育厅"), None, Some("关于印发"))
        );
        assert_ne!(
            notice_id(Some("甘肃省教育厅"), Some("甘教发〔2023〕1号"), None),
            notice_id(Some("甘肃省教育厅"), Some("甘教发〔2023〕2号"), None)
        );
        assert_eq!(short_hash("a", 8).len(), 8);
        // SHA-256 of "abc" (FIPS 180-2's example), cut and whole.
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(short_hash("abc", 12), abc[..12]);
        assert_eq!(short_hash("abc", 100), abc);
    }
}
