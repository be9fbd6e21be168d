//! Stage 2 (front-end), `html`: web pages into the document model.
//!
//! Pages are parsed with a real HTML5 parser (html5ever, through `scraper`), which repairs tag
//! soup the way browsers do: unclosed `<p>`, `<td>` and `<tr>`, upper-case tags, unquoted
//! attributes. The tree is then walked iteratively (never recursively, so deep nesting cannot
//! exhaust the stack) into headings, paragraphs and tables:
//!
//! - When the page has a CMS article body (`TRS_Editor` and similar), only that body is read;
//!   otherwise `<body>` without navigation, headers and footers.
//! - A table that contains another table is layout, not data: its cells are read as flow and the
//!   inner tables as tables.
//! - Bold is `<b>`, `<strong>` or a `font-weight` of bold/600+ (Word's spans), so a task's
//!   title can come from its bold lead-in.
//! - In a cell, `<br>` and block elements (`<p>`, `<div>`, `<li>`) are line breaks; office and
//!   unit columns split on them.
//! - `colspan`/`rowspan` are kept on the cells; the `table` stage expands them.
//! - Hidden elements (`display:none`, `hidden`), scripts, styles and comments (including Word's
//!   conditional comments) are skipped.

pub mod charset;
mod guards;
mod walk;

use std::collections::HashSet;

use ego_tree::iter::Edge;
use ego_tree::NodeId;
use scraper::{ElementRef, Html};

use crate::diag::{Diagnostic, Location};
use crate::input::html::charset::decode_html_bytes;
use crate::model::{Block, DocProperties, Document, Origin, RichText};
use guards::check_depth;
use walk::{collapse_ws, is_element, Walker};

/// Why a page could not be read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HtmlError {
    #[error("elements nest {depth} deep near byte {offset}, above the limit of {limit}; the page is refused rather than parsed for minutes")]
    TooDeep { depth: usize, offset: usize, limit: usize },
    #[error("an element near byte {offset} has more than {limit} attributes; the page is refused rather than parsed for minutes (the parser compares each attribute with all before it)")]
    TooManyAttributes { offset: usize, limit: usize },
}

/// Class names (or ids) of CMS article bodies, matched case-insensitively.
const ARTICLE_BODY_CLASSES: &[&str] = &[
    "trs_editor",
    "trs_ueditor",
    "trs_editor_view",
    "custom_unionstyle",
    "article-content",
    "article_content",
    "articlecontent",
    "zoom",
];

#[cfg(test)]
/// Reads a web page. Invalid bytes become U+FFFD with a warning; a wrong charset declaration is
/// overruled with a warning.
pub fn read_html(bytes: &[u8]) -> Result<(Document, Vec<Diagnostic>), HtmlError> {
    read_html_with(bytes, &crate::Limits::default())
}

/// [`read_html`] with explicit limits (`max_depth` bounds element nesting).
pub fn read_html_with(bytes: &[u8], limits: &crate::Limits) -> Result<(Document, Vec<Diagnostic>), HtmlError> {
    let mut diags = Vec::new();
    check_depth(bytes, limits.max_depth)?;
    let decoded = decode_html_bytes(bytes);
    if decoded.chosen_by == "detected-over-declared" {
        diags.push(Diagnostic::warning(
            crate::diag::DiagnosticKind::CharsetMismatch,
            format!(
                "the page declares charset {:?} but its bytes are not valid in it; decoded as {} instead",
                decoded.declared.as_deref().unwrap_or(""),
                decoded.encoding
            ),
            Location::default(),
        ));
    }
    if decoded.replacements > 0 {
        let first = decoded.text.find('\u{FFFD}').unwrap_or(0);
        let line = decoded.text[..first].matches('\n').count() as u32 + 1;
        diags.push(Diagnostic::warning(
            crate::diag::DiagnosticKind::InvalidBytes,
            format!(
                "{} byte sequence(s) are not valid {} and were replaced by U+FFFD (first at line {line})",
                decoded.replacements, decoded.encoding
            ),
            Location { line: Some(line), ..Default::default() },
        ));
    }
    let mut tail_start = decoded.text.len().saturating_sub(4096);
    while !decoded.text.is_char_boundary(tail_start) {
        tail_start += 1;
    }
    let tail = decoded.text[tail_start..].to_ascii_lowercase();
    if !tail.contains("</html") && !tail.contains("</body") {
        diags.push(Diagnostic::warning(
            crate::diag::DiagnosticKind::HtmlUnterminated,
            "the page ends without </body> or </html>: it may be truncated, and tasks after the cut would be missing",
            Location::default(),
        ));
    }
    let html = Html::parse_document(&decoded.text);
    let properties = page_properties(&html);
    let root = article_root(&html);
    let generator = meta_content(&html, &["generator"]).unwrap_or_default().to_ascii_lowercase();
    let wraps_at_spaces = generator.contains("libreoffice") || generator.contains("openoffice");
    let mut walker = Walker::new(layout_tables(&html), root.is_none(), !wraps_at_spaces);
    let start = root.unwrap_or_else(|| html.root_element());
    walker.walk(start);
    let mut blocks = walker.blocks;
    if root.is_some() {
        // The title of a CMS page usually sits above the article body.
        if let Some(title) = heading_outside(&html, start) {
            blocks.insert(
                0,
                Block::Heading { level: 1, text: RichText::plain(title), origin: Origin { page: 1, line: None } },
            );
        }
    }
    let links = crate::input::links::keep_allowed(walker.links, &mut diags);
    let doc = Document { pages: 1, blocks, links, properties };
    Ok((doc, diags))
}

fn meta_content(html: &Html, names: &[&str]) -> Option<String> {
    html.tree.root().descendants().filter_map(ElementRef::wrap).filter(|e| e.value().name() == "meta").find_map(|e| {
        let name = e.value().attr("name").or_else(|| e.value().attr("property"))?;
        names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name))
            .then(|| e.value().attr("content").map(|c| c.trim().to_string()))
            .flatten()
            .filter(|c| !c.is_empty())
    })
}

fn page_properties(html: &Html) -> DocProperties {
    let title = meta_content(html, &["ArticleTitle", "og:title"]);
    let issuer = meta_content(html, &["ContentSource"]);
    let date = meta_content(html, &["PubDate", "publishdate", "firstpublishedtime"]).and_then(|d| iso_date(&d));
    DocProperties { title, issuer, date }
}

/// `2023-03-20 10:00`, `2023/3/20`, `2023年3月20日` → `2023-03-20`.
pub fn iso_date(text: &str) -> Option<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})").expect("static pattern")
    });
    let c = re.captures(text)?;
    let (y, m, d): (u32, u32, u32) = (c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

fn is_article_body(e: &ElementRef) -> bool {
    let v = e.value();
    v.classes().chain(v.id()).any(|c| ARTICLE_BODY_CLASSES.iter().any(|k| k.eq_ignore_ascii_case(c)))
}

/// The CMS article body, when the page has one (the outermost match).
fn article_root(html: &Html) -> Option<ElementRef<'_>> {
    html.tree.root().descendants().filter_map(ElementRef::wrap).find(is_article_body)
}

/// The first `<h1>` (else `<h2>`) outside `inside`, as plain text: a CMS page's title.
fn heading_outside(html: &Html, inside: ElementRef) -> Option<String> {
    let inner: HashSet<NodeId> = inside.descendants().map(|n| n.id()).collect();
    ["h1", "h2"].iter().find_map(|tag| {
        html.tree
            .root()
            .descendants()
            .filter(|n| !inner.contains(&n.id()))
            .filter_map(ElementRef::wrap)
            .filter(|e| e.value().name() == *tag)
            .map(|e| collapse_ws(&e.text().collect::<String>()).trim().to_string())
            .find(|t| !t.is_empty())
    })
}

/// Tables that contain another table: layout, read as flow.
fn layout_tables(html: &Html) -> HashSet<NodeId> {
    let mut open: Vec<NodeId> = Vec::new();
    let mut layout = HashSet::new();
    for edge in html.tree.root().traverse() {
        match edge {
            Edge::Open(n) if is_element(&n, "table") => {
                if let Some(&outer) = open.last() {
                    layout.insert(outer);
                }
                open.push(n.id());
            }
            Edge::Close(n) if is_element(&n, "table") => {
                open.pop();
            }
            _ => {}
        }
    }
    layout
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, Table};

    fn doc(html: &str) -> Document {
        read_html(html.as_bytes()).unwrap().0
    }

    fn tables(d: &Document) -> Vec<&Table> {
        d.blocks.iter().filter_map(|b| if let Block::Table(t) = b { Some(t) } else { None }).collect()
    }

    #[test]
    fn tag_soup_tables_become_grids() {
        let d = doc("<TABLE border=1><TR><TD>序号<TD>任务<TR><TD>1<TD><B>标题。</B>正文&nbsp;x<br>第二行<tr><td colspan=2>节</TABLE>");
        let t = tables(&d)[0];
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[1].cells[1].text.leading_bold().as_deref(), Some("标题。"));
        assert_eq!(t.rows[1].cells[1].text.to_plain(), "标题。正文\u{a0}x\n第二行");
        assert_eq!(t.rows[2].cells[0].col_span, 2);
    }

    #[test]
    fn layout_tables_are_flow_and_word_bold_spans_count() {
        let d = doc(
            "<table><tr><td><p>正文段落</p><table><tr><td>a</td><td><span style='font-weight:bold'>b</span></td></tr></table></td></tr></table>",
        );
        let t = tables(&d);
        assert_eq!(t.len(), 1, "only the inner table is data");
        assert!(t[0].rows[0].cells[1].text.is_all_bold());
        assert!(matches!(&d.blocks[0], Block::Paragraph { text, .. } if text.to_plain() == "正文段落"));
    }

    #[test]
    fn article_body_and_title_outside_it() {
        let d = doc("<html><head><meta name=ArticleTitle content='标题'><meta name=PubDate content='2023-03-20 10:00'></head><body><div class=nav>首页</div><h1>关于某事的通知</h1><div class=TRS_Editor><p>甘肃省教育厅</p><p>附件：<a href='/a.xlsx'>台账</a></p></div><div>版权所有</div></body></html>");
        let texts: Vec<String> = d.text_blocks().map(|(t, _, _)| t).collect();
        assert_eq!(texts, ["关于某事的通知", "甘肃省教育厅", "附件：台账"]);
        assert_eq!(d.links, [Link { text: "台账".into(), href: "/a.xlsx".into() }]);
        assert_eq!(d.properties.date.as_deref(), Some("2023-03-20"));
        assert_eq!(d.properties.title.as_deref(), Some("标题"));
    }

    #[test]
    fn source_line_breaks_between_chinese_characters_are_not_spaces() {
        assert_eq!(collapse_ws("推进习近平\r\n新时代"), "推进习近平新时代");
        assert_eq!(collapse_ws("教育部 甘肃省"), "教育部 甘肃省", "a typed space stays");
        assert_eq!(collapse_ws("open\nsource"), "open source");
        assert_eq!(collapse_ws("2023年\n 9月"), "2023年 9月", "a digit is not wide; clean_text handles the autospace");
    }

    #[test]
    fn hidden_and_script_content_is_skipped() {
        let d = doc("<body><script>var a='<table>';</script><p style='display: none'>隐藏</p><!--[if gte mso 9]><xml>x</xml><![endif]--><p>可见</p></body>");
        let texts: Vec<String> = d.text_blocks().map(|(t, _, _)| t).collect();
        assert_eq!(texts, ["可见"]);
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        let deep = "<div>".repeat(100_000);
        assert!(matches!(read_html(deep.as_bytes()), Err(HtmlError::TooDeep { .. })));
        let soup = "<p>段落".repeat(20_000) + &"<td>x".repeat(20_000);
        assert!(read_html(soup.as_bytes()).is_ok(), "self-closing elements do not count as nesting");
    }
}
