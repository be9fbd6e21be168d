//! Which link targets a front-end may hand on as a notice's attachments: an allow-list of schemes
//! (`http`, `https`, and relative references), not a deny-list, since `jav\tascript:`, `data:`,
//! `vbscript:` and schemes yet unknown all reach a browser that opens them.

use crate::diag::{Diagnostic, Location};
use crate::model::Link;

/// Schemes a link may have.
pub const ALLOWED_SCHEMES: &[&str] = &["http", "https"];

/// The scheme of `href` as a browser parses it (WHATWG URL: leading and trailing C0 controls and
/// spaces stripped, tabs and newlines removed anywhere), lower-cased; `None` for a relative
/// reference.
pub fn scheme(href: &str) -> Option<String> {
    let cleaned: String =
        href.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let colon = cleaned.find(':')?;
    let candidate = &cleaned[..colon];
    let mut chars = candidate.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| candidate.to_ascii_lowercase())
}

/// Whether a link to `href` may be kept: `http`, `https`, or relative.
pub fn is_allowed(href: &str) -> bool {
    scheme(href).is_none_or(|s| ALLOWED_SCHEMES.contains(&s.as_str()))
}

/// Keeps the links whose targets are allowed; the others are dropped with one `link-refused`
/// warning that counts them and names the first.
pub fn keep_allowed(links: Vec<Link>, diagnostics: &mut Vec<Diagnostic>) -> Vec<Link> {
    let (kept, refused): (Vec<Link>, Vec<Link>) = links.into_iter().partition(|l| is_allowed(&l.href));
    if let Some(first) = refused.first() {
        let shown: String = first.href.chars().take(80).collect();
        diagnostics.push(Diagnostic::warning(
            crate::diag::DiagnosticKind::LinkRefused,
            format!(
                "{} link(s) with a scheme other than http or https were dropped, the first {shown:?} ({:?}); \
                 they are not listed as attachments",
                refused.len(),
                first.text
            ),
            Location::default(),
        ));
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_allowed_by_list() {
        for ok in ["/a.xlsx", "附件1.docx", "https://x.gov.cn/a.pdf", "HTTP://x/a", "//x.gov.cn/a", "a/b:c", "?x=1"] {
            assert!(is_allowed(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "jav\tascript:alert(1)",
            " \u{1}JavaScript:x",
            "java\nscript:x",
            "data:text/html,<script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "mailto:a@b",
        ] {
            assert!(!is_allowed(bad), "{bad:?}");
        }
        assert_eq!(scheme("jav\tascript:x").as_deref(), Some("javascript"));
    }

    #[test]
    fn refused_links_are_reported() {
        let link = |href: &str| Link { text: "附件".into(), href: href.into() };
        let mut diags = Vec::new();
        let kept = keep_allowed(vec![link("/a.pdf"), link("data:x"), link("vbscript:y")], &mut diags);
        assert_eq!(kept, vec![link("/a.pdf")]);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.starts_with("2 link(s)"), "{}", diags[0].message);
    }
}
