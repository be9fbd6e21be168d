//! Bounds checked on the raw bytes before a page is parsed: element nesting and attributes per
//! element, the two shapes that make HTML5 tree construction take minutes.

use super::HtmlError;

/// Most attributes one element may have: the HTML parser checks each new attribute against all
/// before it, so one element with hundreds of thousands takes minutes. Real pages stay in the tens.
pub const MAX_ATTRIBUTES: usize = 256;

/// Attributes in the inside of a start tag (after its name, before its `>`), counted the way the
/// tokenizer splits them: names separated by white space or `/`, values quoted or not.
pub(super) fn count_attributes(inside: &[u8]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < inside.len() {
        let b = inside[i];
        if b.is_ascii_whitespace() || b == b'/' {
            i += 1;
            continue;
        }
        count += 1;
        // The name, up to white space, `/`, `=` or the end.
        while i < inside.len() && !inside[i].is_ascii_whitespace() && !matches!(inside[i], b'/' | b'=') {
            i += 1;
        }
        while i < inside.len() && inside[i].is_ascii_whitespace() {
            i += 1;
        }
        if inside.get(i) == Some(&b'=') {
            i += 1;
            while i < inside.len() && inside[i].is_ascii_whitespace() {
                i += 1;
            }
            match inside.get(i) {
                Some(&q) if q == b'"' || q == b'\'' => {
                    i += 1;
                    i += inside[i..].iter().position(|&b| b == q).map_or(inside.len() - i, |p| p + 1);
                }
                _ => {
                    while i < inside.len() && !inside[i].is_ascii_whitespace() {
                        i += 1;
                    }
                }
            }
        }
    }
    count
}

/// Measures element nesting with a cheap scan of the raw bytes (elements that HTML closes by
/// itself, such as `<p>` and `<td>`, and void elements are not counted).
/// Refuses element nesting deeper than `max_depth` (`Limits::max_depth`), measured before
/// parsing: HTML5 tree construction is quadratic in the depth of nested blocks, and no real notice
/// comes near the default.
pub(super) fn check_depth(bytes: &[u8], max_depth: usize) -> Result<(), HtmlError> {
    // Also bounds the attributes of each element (see [`MAX_ATTRIBUTES`]).
    const SELF_CLOSING: &[&[u8]] = &[
        b"p",
        b"li",
        b"td",
        b"th",
        b"tr",
        b"dt",
        b"dd",
        b"option",
        b"optgroup",
        b"thead",
        b"tbody",
        b"tfoot",
        b"colgroup",
        b"caption",
        b"rb",
        b"rt",
        b"rp",
        b"br",
        b"hr",
        b"img",
        b"input",
        b"meta",
        b"link",
        b"area",
        b"base",
        b"col",
        b"embed",
        b"param",
        b"source",
        b"track",
        b"wbr",
        b"html",
        b"head",
        b"body",
    ];
    let mut depth: usize = 0;
    let mut i = 0;
    while let Some(pos) = bytes[i..].iter().position(|&b| b == b'<') {
        i += pos + 1;
        if bytes[i..].starts_with(b"!--") {
            match bytes[i..].windows(3).position(|w| w == b"-->") {
                Some(end) => i += end + 3,
                None => break,
            }
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = i + usize::from(closing);
        let name_len = bytes[name_start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if name_len == 0 {
            continue;
        }
        let name = bytes[name_start..name_start + name_len].to_ascii_lowercase();
        let tag_end = bytes[name_start..].iter().position(|&b| b == b'>').map_or(bytes.len(), |p| name_start + p);
        if !closing {
            let inside = &bytes[name_start + name_len..tag_end];
            // Cheap test first: an attribute needs at least two bytes.
            if inside.len() > 2 * MAX_ATTRIBUTES && count_attributes(inside) > MAX_ATTRIBUTES {
                return Err(HtmlError::TooManyAttributes { offset: i - 1, limit: MAX_ATTRIBUTES });
            }
        }
        // The rest of the tag is attributes, never another tag: skip it, so that a tag holding
        // many `<` is not scanned again from each of them.
        let after_tag = tag_end.max(i);
        if SELF_CLOSING.contains(&name.as_slice()) {
            i = after_tag;
            continue;
        }
        i = after_tag;
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            if tag_end > 0 && bytes[tag_end - 1] == b'/' {
                continue;
            }
            depth += 1;
            if depth > max_depth {
                return Err(HtmlError::TooDeep {
                    depth,
                    offset: name_start - 1 - usize::from(closing),
                    limit: max_depth,
                });
            }
        }
    }
    Ok(())
}
