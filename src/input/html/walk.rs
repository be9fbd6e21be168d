//! The walk over the parsed page: headings, paragraphs, tables (cells with their spans and line
//! breaks), bold runs and links, in document order, without recursion.

use std::collections::HashSet;

use ego_tree::iter::Edge;
use ego_tree::NodeId;
use scraper::{ElementRef, Node};

use crate::model::{Block, Cell, Link, Origin, RichText, Row, Run, Table};

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

pub(super) fn is_element(n: &ego_tree::NodeRef<Node>, name: &str) -> bool {
    matches!(n.value(), Node::Element(e) if e.name() == name)
}

/// Collapses runs of HTML whitespace (not NBSP) to one space, except that a run holding a line
/// break between two CJK characters disappears: producers such as Word wrap long lines of Chinese
/// in the HTML source, and browsers do not render those breaks as spaces (CSS Text 3, segment
/// break transformation).
pub(super) fn collapse_ws(s: &str) -> String {
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
            let s = crate::normalize::without_whitespace(s).to_ascii_lowercase();
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
pub(super) struct Walker {
    layout: HashSet<NodeId>,
    skip_chrome: bool,
    /// Whether a source line break between CJK characters is dropped (see [`collapse_whitespace`]).
    cjk_breaks_vanish: bool,
    pub(super) blocks: Vec<Block>,
    pub(super) links: Vec<Link>,
    para: Vec<Run>,
    /// Bold decisions of open elements that made one.
    bold: Vec<(NodeId, bool)>,
    tables: Vec<(NodeId, TableBuild)>,
    heading: Option<(NodeId, u8)>,
    link: Option<(NodeId, String, String)>,
}

impl Walker {
    pub(super) fn new(layout: HashSet<NodeId>, skip_chrome: bool, cjk_breaks_vanish: bool) -> Self {
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

    pub(super) fn walk(&mut self, start: ElementRef) {
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
