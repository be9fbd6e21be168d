//! Character sets of web pages, as browsers choose them (the WHATWG Encoding Standard through
//! encoding_rs): a BOM wins, then the `<meta>` declaration (`gb2312` decodes as GBK, as browsers
//! do), then detection (chardetng) for undeclared pages or when the declared charset fails where a
//! detected multi-byte one does not.

/// Text decoded from bytes, with how the encoding was chosen.
#[derive(Clone, Debug)]
pub struct Decoded {
    pub text: String,
    /// The WHATWG name of the encoding used, e.g. `UTF-8`, `GBK`.
    pub encoding: &'static str,
    /// How it was chosen: `bom`, `declared`, `detected`, or `detected-over-declared`.
    pub chosen_by: &'static str,
    /// Number of byte sequences that were invalid and became U+FFFD.
    pub replacements: usize,
    /// The charset label the page declares, if any, as written.
    pub declared: Option<String>,
}

/// Finds a `<meta charset=…>` or `<meta http-equiv="Content-Type" content="…charset=…">`
/// declaration in the first 4 KiB, as browsers' prescan does.
pub fn declared_html_charset(bytes: &[u8]) -> Option<String> {
    static RE: std::sync::OnceLock<regex::bytes::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::bytes::Regex::new(r#"(?i-u)<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#)
            .expect("static pattern")
    });
    let head = &bytes[..bytes.len().min(4096)];
    re.captures(head).map(|c| String::from_utf8_lossy(&c[1]).into_owned())
}

/// Decodes a web page the way browsers do: a byte-order mark wins; then the declared charset
/// (labels map per the WHATWG Encoding Standard, so `gb2312` decodes as GBK); with no
/// declaration, or when the declared charset produces invalid sequences that a detected
/// multi-byte one does not, the encoding is detected from the bytes. Invalid sequences become U+FFFD and are counted.
pub fn decode_html_bytes(bytes: &[u8]) -> Decoded {
    use encoding_rs::Encoding;
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            replacements: if had_errors { count_replacements(&text) } else { 0 },
            text: text.into_owned(),
            encoding: enc.name(),
            chosen_by: "bom",
            declared: None,
        };
    }
    let declared = declared_html_charset(bytes);
    let declared_enc = declared.as_deref().and_then(|l| Encoding::for_label(l.as_bytes())).map(|e| {
        // A page cannot really be UTF-16 if its meta tag was readable as ASCII.
        if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE {
            encoding_rs::UTF_8
        } else {
            e
        }
    });
    let detect = || {
        let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        detector.feed(bytes, true);
        detector.guess(None, chardetng::Utf8Detection::Allow)
    };
    let (enc, chosen_by) = match declared_enc {
        Some(enc) => {
            let (_, had_errors) = enc.decode_without_bom_handling(bytes);
            let guess = detect();
            // Single-byte encodings decode anything without error, so only a multi-byte guess
            // that decodes cleanly can overrule the declaration.
            if had_errors && guess != enc && !guess.is_single_byte() && !guess.decode_without_bom_handling(bytes).1 {
                (guess, "detected-over-declared")
            } else {
                (enc, "declared")
            }
        }
        None => (detect(), "detected"),
    };
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    Decoded {
        replacements: if had_errors { count_replacements(&text) } else { 0 },
        text: text.into_owned(),
        encoding: enc.name(),
        chosen_by,
        declared,
    }
}

fn count_replacements(text: &str) -> usize {
    text.chars().filter(|&c| c == '\u{FFFD}').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb2312_label_decodes_as_gbk() {
        let (bytes, _, _) = encoding_rs::GBK.encode("<meta charset=gb2312><p>管理體系</p>");
        let d = decode_html_bytes(&bytes);
        assert_eq!((d.encoding, d.chosen_by, d.replacements), ("GBK", "declared", 0));
        assert!(d.text.contains("管理體系"));
    }

    #[test]
    fn undeclared_and_wrongly_declared_pages_are_detected() {
        let body = "<html><body><p>甘肃省教育厅关于印发重点任务分解台账的通知，各市（州）教育局、各高等学校：</p></body></html>";
        let (gbk, _, _) = encoding_rs::GBK.encode(body);
        let d = decode_html_bytes(&gbk);
        assert_eq!((d.encoding, d.chosen_by), ("GBK", "detected"));
        let mut lying = b"<meta charset=\"utf-8\">".to_vec();
        lying.extend_from_slice(&gbk);
        let d = decode_html_bytes(&lying);
        assert_eq!((d.encoding, d.chosen_by, d.replacements), ("GBK", "detected-over-declared", 0));
        assert!(d.text.contains("甘肃省教育厅"));
    }

    #[test]
    fn invalid_bytes_are_replaced_and_counted() {
        let mut bytes = "<meta charset=utf-8><p>甘肃".as_bytes().to_vec();
        bytes.extend_from_slice(&[0xFF, 0xFE, b'x']);
        let d = decode_html_bytes(&bytes);
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.replacements >= 1);
        assert!(d.text.contains("甘肃"));
    }
}
