//! Stage 2 (front-end), `text`: the plain-text rendition of a notice into the document model.
//!
//! The rendition is what a PDF-to-text export of a notice looks like: markdown headings (`#`, `##`),
//! paragraphs separated by a blank line, table rows as tab-separated cells with inline `<b>`, `<p>`
//! and `<br>` markup, and the table's header row repeated after every page break. A page break
//! is a form feed or a run of two or more blank lines. Each page's run of table rows becomes its
//! own [`Table`]; stitching them into one ledger is the `table` stage's job.

use crate::diag::{Diagnostic, Location};
use crate::model::{Block, Cell, Document, Origin, RichText, Row, Run, Table};

/// Why a text rendition could not be read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    #[error("byte {offset} is a NUL byte: this is binary data, not a text rendition")]
    Binary { offset: usize },
}

/// Parses a text rendition. Invalid UTF-8 is replaced by U+FFFD with one warning naming the line
/// of the first bad byte; it never fails the whole notice.
pub fn read_text(bytes: &[u8]) -> Result<(Document, Vec<Diagnostic>), TextError> {
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(TextError::Binary { offset });
    }
    let mut diagnostics = Vec::new();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(e) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            diagnostics.push(Diagnostic::warning(
                crate::diag::DiagnosticKind::InvalidUtf8,
                format!("invalid UTF-8 at byte {}; undecodable bytes were replaced by U+FFFD", e.valid_up_to()),
                Location { line: Some(line), ..Default::default() },
            ));
            String::from_utf8_lossy(bytes)
        }
    };
    Ok((parse_rendition(&text), diagnostics))
}

fn parse_rendition(text: &str) -> Document {
    let mut blocks = Vec::new();
    let mut page: u32 = 1;
    let mut seen_content_on_page = false;
    let mut blank_run = 0usize;
    let mut table: Option<Table> = None;

    let flush = |table: &mut Option<Table>, blocks: &mut Vec<Block>| {
        if let Some(mut t) = table.take() {
            // A lone line with a stray tab is text, not a one-row table.
            let lone = t.rows.len() == 1 && t.rows[0].cells.iter().filter(|c| !c.text.is_blank()).count() <= 1;
            if lone {
                let row = t.rows.remove(0);
                let text = row.cells.into_iter().find(|c| !c.text.is_blank()).map(|c| c.text).unwrap_or_default();
                if !text.is_blank() {
                    blocks.push(Block::Paragraph { text, origin: row.origin });
                }
            } else {
                blocks.push(Block::Table(t));
            }
        }
    };

    for (index, raw_line) in text.split('\n').enumerate() {
        let line_no = index as u32 + 1;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let form_feeds = line.matches('\u{0C}').count();
        let line = line.replace('\u{0C}', "");
        if form_feeds > 0 && seen_content_on_page {
            flush(&mut table, &mut blocks);
            page += 1;
            seen_content_on_page = false;
        }
        if line.trim().is_empty() {
            blank_run += 1;
            flush(&mut table, &mut blocks);
            continue;
        }
        if blank_run >= 2 && seen_content_on_page {
            page += 1;
        }
        blank_run = 0;
        seen_content_on_page = true;
        let origin = Origin { page, line: Some(line_no) };

        if line.contains('\t') {
            let cells = line.split('\t').map(|c| Cell::new(parse_inline(c))).collect();
            table.get_or_insert_with(Table::default).rows.push(Row { cells, origin });
            continue;
        }
        flush(&mut table, &mut blocks);
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let text = parse_inline(line[hashes..].trim());
            blocks.push(Block::Heading { level: hashes as u8, text, origin });
        } else {
            blocks.push(Block::Paragraph { text: parse_inline(line.trim()), origin });
        }
    }
    flush(&mut table, &mut blocks);
    Document { pages: page, blocks, ..Document::default() }
}

/// Parses the inline markup of one cell or line: `<b>`/`<strong>` set bold, `<p>` and `<br>`
/// separate lines, a handful of entities are decoded. Any other tag is kept as literal text so
/// nothing is lost.
pub fn parse_inline(s: &str) -> RichText {
    let mut runs: Vec<Run> = Vec::new();
    let mut bold = 0u32;
    let mut buf = String::new();
    let mut rest = s;
    let push = |runs: &mut Vec<Run>, buf: &mut String, bold: bool| {
        if buf.is_empty() {
            return;
        }
        let text = decode_entities(buf);
        buf.clear();
        match runs.last_mut() {
            Some(last) if last.bold == bold => last.text.push_str(&text),
            _ => runs.push(Run { text, bold }),
        }
    };
    while let Some(lt) = rest.find('<') {
        buf.push_str(&rest[..lt]);
        let after = &rest[lt..];
        let Some(gt) = after.find('>') else {
            buf.push_str(after);
            rest = "";
            break;
        };
        let tag = after[1..gt].trim().to_ascii_lowercase();
        let name = tag.trim_start_matches('/').trim_end_matches('/').trim();
        let closing = tag.starts_with('/');
        match name {
            "b" | "strong" => {
                push(&mut runs, &mut buf, bold > 0);
                if closing {
                    bold = bold.saturating_sub(1);
                } else {
                    bold += 1;
                }
            }
            "p" => {
                // A new paragraph after text starts a new line; closing tags add nothing.
                if !closing && (!buf.is_empty() || !runs.is_empty()) {
                    buf.push('\n');
                }
            }
            "br" => buf.push('\n'),
            _ => buf.push_str(&after[..=gt]),
        }
        rest = &after[gt + 1..];
    }
    buf.push_str(rest);
    push(&mut runs, &mut buf, bold > 0);
    RichText { runs }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let end = after.bytes().take(12).position(|b| b == b';');
        let decoded = end.and_then(|e| {
            let name = &after[1..e];
            let ch = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{A0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            ch.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_bold_and_paragraphs() {
        let t = parse_inline("<b>标题。</b> 正文<br>第二行&amp;");
        assert_eq!(t.runs, vec![Run::bold("标题。"), Run::plain(" 正文\n第二行&")]);
        assert_eq!(t.leading_bold().as_deref(), Some("标题。"));
        let p = parse_inline("<p>甲</p><p>乙</p>");
        assert_eq!(p.to_plain(), "甲\n乙");
    }

    #[test]
    fn unknown_tags_are_kept_as_text() {
        assert_eq!(parse_inline("a<i>b").to_plain(), "a<i>b");
        assert_eq!(parse_inline("x < y").to_plain(), "x < y");
    }

    #[test]
    fn pages_break_on_two_blank_lines_and_tables_split_per_page() {
        let src = "# 机关\n\n正文\n\n\n序号\t任务\n1\t甲\n\n\n序号\t任务\n2\t乙\n";
        let (doc, diags) = read_text(src.as_bytes()).unwrap();
        assert!(diags.is_empty());
        assert_eq!(doc.pages, 3);
        let tables: Vec<&Table> =
            doc.blocks.iter().filter_map(|b| if let Block::Table(t) = b { Some(t) } else { None }).collect();
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[1].rows[1].origin, Origin { page: 3, line: Some(11) });
    }

    #[test]
    fn invalid_utf8_is_a_warning_with_a_line() {
        let (_, diags) = read_text(b"ok\n\xff\xfe bad\n").unwrap();
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].location.line, Some(2));
        assert!(read_text(b"a\0b").is_err());
    }
}
