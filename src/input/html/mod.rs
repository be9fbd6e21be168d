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

use std::collections::HashSet;

use ego_tree::iter::Edge;
use ego_tree::NodeId;
use scraper::{ElementRef, Html, Node};

use crate::diag::{Diagnostic, Location};
use crate::input::html::charset::decode_html_bytes;
use crate::model::{Block, Cell, DocProperties, Document, Link, Origin, RichText, Row, Run, Table};

/// Why a page could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    #[error("elements nest {depth} deep near byte {offset}, above the limit of {limit}; the page is refused rather than parsed for minutes")]
    TooDeep { depth: usize, offset: usize, limit: usize },
    #[error("an element near byte {offset} has more than {limit} attributes; the page is refused rather than parsed for minutes (the parser compares each attribute with all before it)")]
    TooManyAttributes { offset: usize, limit: usize },
}

/// Most attributes one element may have: the HTML parser checks each new attribute against all
/// before it, so one element with hundreds of thousands takes minutes. Real pages stay in the tens.
pub const MAX_ATTRIBUTES: usize = 256;

/// Attributes in the inside of a start tag (after its name, before its `>`), counted the way the
/// tokenizer splits them: names separated by white space or `/`, values quoted or not.
fn count_attributes(inside: &[u8]) -> usize {
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

/// Elements whose content is never notice text.
const SKIPPED: &[&str] =
    &["head", "script", "style", "noscript", "template", "iframe", "object", "svg", "select", "button"];

/// Page chrome, skipped when there is no article body to read instead.
const CHROME: &[&str] = &["nav", "header", "footer", "aside"];

/// Elements that end a paragraph (or a line, inside a cell).
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "section",
    "article",
    "main",
    "form",
    "fieldset",
    "address",
    "center",
    "hr",
    "caption",
    "figure",
    "figcaption",
    "body",
    "html",
    "header",
    "footer",
    "nav",
    "aside",
];

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

/// Measures element nesting with a cheap scan of the raw bytes (elements that HTML closes by
/// itself, such as `<p>` and `<td>`, and void elements are not counted).
/// Refuses element nesting deeper than `max_depth` (`Limits::max_depth`), measured before
/// parsing: HTML5 tree construction is quadratic in the depth of nested blocks, and no real notice
/// comes near the default.
fn check_depth(bytes: &[u8], max_depth: usize) -> Result<(), HtmlError> {
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

fn is_element(n: &ego_tree::NodeRef<Node>, name: &str) -> bool {
    matches!(n.value(), Node::Element(e) if e.name() == name)
}

/// Collapses runs of HTML whitespace (not NBSP) to one space, except that a run holding a line
/// break between two CJK characters disappears: producers such as Word wrap long lines of Chinese
/// in the HTML source, and browsers do not render those breaks as spaces (CSS Text 3, segment
/// break transformation).
fn collapse_ws(s: &str) -> String {
    collapse_whitespace(s, true)
}

/// [`collapse_ws`], with the removal of line breaks between CJK characters switchable: LibreOffice
/// wraps its HTML source only at spaces the text has, so there a line break is a typed space.
fn collapse_whitespace(s: &str, cjk_breaks_vanish: bool) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if !matches!(chars[i], ' ' | '\t' | '\n' | '\r' | '\u{0C}') {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && matches!(chars[i], ' ' | '\t' | '\n' | '\r' | '\u{0C}') {
            i += 1;
        }
        let segment_break = chars[start..i].iter().any(|&c| c == '\n' || c == '\r');
        let wide = |c: Option<&char>| c.is_some_and(|&c| crate::normalize::is_cjk(c));
        let vanishes = cjk_breaks_vanish && segment_break;
        if !(vanishes && wide(start.checked_sub(1).and_then(|p| chars.get(p))) && wide(chars.get(i))) {
            out.push(' ');
        }
    }
    out
}

/// Whether an element makes its content bold (`Some(true)`), not bold (`Some(false)`), or leaves
/// it as it is.
fn bold_of(e: &scraper::node::Element) -> Option<bool> {
    if let Some(style) = e.attr("style") {
        for decl in style.split(';') {
            if let Some((k, v)) = decl.split_once(':') {
                if k.trim().eq_ignore_ascii_case("font-weight") {
                    let v = v.trim().to_ascii_lowercase();
                    let numeric = v.parse::<u32>().ok();
                    return Some(v == "bold" || v == "bolder" || numeric.is_some_and(|n| n >= 600));
                }
            }
        }
    }
    matches!(e.name(), "b" | "strong").then_some(true)
}

fn is_hidden(e: &scraper::node::Element) -> bool {
    e.attr("hidden").is_some()
        || e.attr("style").is_some_and(|s| {
            let s: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
            s.contains("display:none") || s.contains("visibility:hidden")
        })
}

fn span_attr(e: &scraper::node::Element, name: &str, max: u32) -> u32 {
    let Some(v) = e.attr(name) else { return 1 };
    let digits: String = v.trim().chars().take_while(|c| c.is_ascii_digit()).collect();
    match digits.parse::<u32>() {
        // rowspan="0" spans to the end of the table section; the table stage clamps it.
        Ok(0) if name == "rowspan" => max,
        Ok(n) => n.clamp(1, max),
        Err(_) => 1,
    }
}

struct CellBuild {
    runs: Vec<Run>,
    col_span: u32,
    row_span: u32,
}

#[derive(Default)]
struct TableBuild {
    rows: Vec<Row>,
    row: Option<Vec<Cell>>,
    cell: Option<CellBuild>,
}

/// Walks the tree in document order, building blocks.
struct Walker {
    layout: HashSet<NodeId>,
    skip_chrome: bool,
    /// Whether a source line break between CJK characters is dropped (see [`collapse_whitespace`]).
    cjk_breaks_vanish: bool,
    blocks: Vec<Block>,
    links: Vec<Link>,
    para: Vec<Run>,
    /// Bold decisions of open elements that made one.
    bold: Vec<(NodeId, bool)>,
    tables: Vec<(NodeId, TableBuild)>,
    heading: Option<(NodeId, u8)>,
    link: Option<(NodeId, String, String)>,
}

impl Walker {
    fn new(layout: HashSet<NodeId>, skip_chrome: bool, cjk_breaks_vanish: bool) -> Self {
        Walker {
            layout,
            skip_chrome,
            cjk_breaks_vanish,
            blocks: Vec::new(),
            links: Vec::new(),
            para: Vec::new(),
            bold: Vec::new(),
            tables: Vec::new(),
            heading: None,
            link: None,
        }
    }

    fn walk(&mut self, start: ElementRef) {
        let mut skip: Option<NodeId> = None;
        for edge in start.traverse() {
            match edge {
                Edge::Open(node) => {
                    if skip.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(t) => self.text(t),
                        Node::Element(e) => {
                            let name = e.name();
                            if SKIPPED.contains(&name) || is_hidden(e) || (self.skip_chrome && CHROME.contains(&name)) {
                                skip = Some(node.id());
                                continue;
                            }
                            self.open(node.id(), e);
                        }
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if skip == Some(node.id()) {
                        skip = None;
                        continue;
                    }
                    if skip.is_some() {
                        continue;
                    }
                    if let Node::Element(e) = node.value() {
                        self.close(node.id(), e);
                    }
                }
            }
        }
        self.flush_paragraph();
    }

    /// The data table whose cell is open, if any.
    fn open_cell(&mut self) -> Option<&mut CellBuild> {
        self.tables.last_mut().and_then(|(_, t)| t.cell.as_mut())
    }

    fn in_data_table(&self) -> bool {
        !self.tables.is_empty()
    }

    fn push_run(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let bold = self.bold.last().is_some_and(|&(_, b)| b);
        if let Some((_, _, link_text)) = self.link.as_mut() {
            link_text.push_str(text);
        }
        let runs = match self.tables.last_mut() {
            Some((_, t)) => match t.cell.as_mut() {
                Some(cell) => &mut cell.runs,
                // Text between rows of a data table (stray soup) still counts: keep it as flow.
                None => &mut self.para,
            },
            None => &mut self.para,
        };
        match runs.last_mut() {
            Some(last) if last.bold == bold => last.text.push_str(text),
            _ => runs.push(Run { text: text.to_string(), bold }),
        }
    }

    fn text(&mut self, t: &scraper::node::Text) {
        let collapsed = collapse_whitespace(t, self.cjk_breaks_vanish);
        self.push_run(&collapsed);
    }

    fn line_break(&mut self) {
        if let Some(cell) = self.open_cell() {
            if cell.runs.iter().any(|r| !r.text.trim().is_empty()) {
                cell.runs.push(Run::plain("\n"));
            }
        } else if !self.in_data_table() {
            self.flush_paragraph();
        }
    }

    fn flush_paragraph(&mut self) {
        if self.para.iter().all(|r| r.text.trim().is_empty()) {
            self.para.clear();
            return;
        }
        let text = RichText { runs: std::mem::take(&mut self.para) };
        let origin = Origin { page: 1, line: None };
        match self.heading {
            Some((_, level)) => self.blocks.push(Block::Heading { level, text, origin }),
            None => self.blocks.push(Block::Paragraph { text, origin }),
        }
    }

    fn open(&mut self, id: NodeId, e: &scraper::node::Element) {
        let name = e.name();
        if let Some(b) = bold_of(e) {
            self.bold.push((id, b));
        }
        let data_table = !self.layout.contains(&id);
        match name {
            "table" if data_table => {
                self.flush_paragraph();
                self.tables.push((id, TableBuild::default()));
            }
            "tr" if self.in_data_table() => {
                self.finish_row();
                if let Some((_, t)) = self.tables.last_mut() {
                    t.row = Some(Vec::new());
                }
            }
            "td" | "th" if self.in_data_table() => {
                self.finish_cell();
                if let Some((_, t)) = self.tables.last_mut() {
                    t.row.get_or_insert_with(Vec::new);
                    t.cell = Some(CellBuild {
                        runs: Vec::new(),
                        col_span: span_attr(e, "colspan", 1000),
                        row_span: span_attr(e, "rowspan", 65534),
                    });
                }
            }
            "br" => self.line_break(),
            "a" => {
                if let Some(href) = e.attr("href") {
                    self.link = Some((id, href.trim().to_string(), String::new()));
                }
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if !self.in_data_table() => {
                self.flush_paragraph();
                self.heading = Some((id, name.as_bytes()[1] - b'0'));
            }
            _ if BLOCKS.contains(&name) || (name == "td" || name == "th" || name == "tr") => self.line_break(),
            _ => {}
        }
    }

    fn close(&mut self, id: NodeId, e: &scraper::node::Element) {
        let name = e.name();
        if self.bold.last().is_some_and(|&(b, _)| b == id) {
            self.bold.pop();
        }
        match name {
            "table" if self.tables.last().is_some_and(|(t, _)| *t == id) => {
                self.finish_row();
                if let Some((_, t)) = self.tables.pop() {
                    if !t.rows.is_empty() {
                        self.blocks.push(Block::Table(Table { rows: t.rows }));
                    }
                }
            }
            "td" | "th" if self.in_data_table() => self.finish_cell(),
            "tr" if self.in_data_table() => self.finish_row(),
            "a" if self.link.as_ref().is_some_and(|(l, _, _)| *l == id) => {
                if let Some((_, href, text)) = self.link.take() {
                    let text = collapse_ws(&text).trim().to_string();
                    if !href.is_empty()
                        && !href.starts_with('#')
                        && !href.to_ascii_lowercase().starts_with("javascript:")
                    {
                        self.links.push(Link { text, href });
                    }
                }
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if self.heading.is_some_and(|(h, _)| h == id) => {
                self.flush_paragraph();
                self.heading = None;
            }
            _ if BLOCKS.contains(&name) => self.line_break(),
            _ => {}
        }
    }

    fn finish_cell(&mut self) {
        if let Some((_, t)) = self.tables.last_mut() {
            if let Some(cell) = t.cell.take() {
                let mut runs = cell.runs;
                while runs.last().is_some_and(|r| r.text == "\n") {
                    runs.pop();
                }
                t.row.get_or_insert_with(Vec::new).push(Cell {
                    text: RichText { runs },
                    col_span: cell.col_span,
                    row_span: cell.row_span,
                    bbox: None,
                });
            }
        }
    }

    fn finish_row(&mut self) {
        self.finish_cell();
        if let Some((_, t)) = self.tables.last_mut() {
            if let Some(cells) = t.row.take() {
                if !cells.is_empty() {
                    t.rows.push(Row { cells, origin: Origin { page: 1, line: None } });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
