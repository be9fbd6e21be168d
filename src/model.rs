//! The format-neutral document model every front-end produces.
//!
//! A [`Document`] is the notice as a sequence of [`Block`]s in reading order: headings, paragraphs
//! and tables. Tables are grids of [`Cell`]s that carry their row and column spans; every row
//! knows the page it was on. Text is kept as [`Run`]s so that emphasis (bold) survives: the ledger
//! takes a task's title from its bold part. A line break inside a cell is a `'\n'` in a run's text.
//!
//! Front-ends (text, HTML, PDF, …) must only produce this model; everything downstream (table
//! stitching, the ledger, offices) reads nothing else.

/// A piece of text with uniform emphasis.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub bold: bool,
}

impl Run {
    pub fn plain(text: impl Into<String>) -> Self {
        Run { text: text.into(), bold: false }
    }

    pub fn bold(text: impl Into<String>) -> Self {
        Run { text: text.into(), bold: true }
    }
}

/// Text with emphasis: a list of runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RichText {
    pub runs: Vec<Run>,
}

impl RichText {
    pub fn plain(text: impl Into<String>) -> Self {
        RichText { runs: vec![Run::plain(text)] }
    }

    /// All runs' text concatenated, emphasis dropped.
    pub fn to_plain(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }

    /// The text of the leading bold runs (after any leading whitespace), or `None` when the text
    /// does not start with bold.
    pub fn leading_bold(&self) -> Option<String> {
        let mut out = String::new();
        for run in &self.runs {
            if run.bold {
                out.push_str(&run.text);
            } else if out.trim().is_empty() && run.text.trim().is_empty() {
                continue;
            } else {
                break;
            }
        }
        let trimmed = out.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_string())
    }

    /// True when the text holds nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        self.runs.iter().all(|r| r.text.trim().is_empty())
    }

    /// True when every non-blank run is bold and there is at least one.
    pub fn is_all_bold(&self) -> bool {
        let mut any = false;
        for r in &self.runs {
            if r.text.trim().is_empty() {
                continue;
            }
            if !r.bold {
                return false;
            }
            any = true;
        }
        any
    }
}

/// Where a block or row came from in the source: the page (1-based; sources without pages use 1)
/// and, for line-oriented sources, the 1-based line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub page: u32,
    pub line: Option<u32>,
}

/// A rectangle on a page in tenths of a PDF point (1/720 inch), origin at the page's lower left,
/// as sources with geometry (PDF) place a cell. Integers keep the model comparable and the output
/// byte-stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BBox {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl BBox {
    /// A box from coordinates in points, rounded to tenths.
    pub fn from_points(x0: f64, y0: f64, x1: f64, y1: f64) -> Self {
        let t = |v: f64| (v * 10.0).round().clamp(i32::MIN as f64, i32::MAX as f64) as i32;
        BBox { x0: t(x0.min(x1)), y0: t(y0.min(y1)), x1: t(x0.max(x1)), y1: t(y0.max(y1)) }
    }

    /// The corners in points: `[x0, y0, x1, y1]`.
    pub fn to_points(self) -> [f64; 4] {
        [self.x0, self.y0, self.x1, self.y1].map(|v| f64::from(v) / 10.0)
    }
}

/// One table cell. A cell covering several grid positions has spans above 1; the positions it
/// covers are not repeated in the row. `bbox` is where the cell sits on its row's page, for sources
/// with geometry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub text: RichText,
    pub col_span: u32,
    pub row_span: u32,
    pub bbox: Option<BBox>,
}

impl Cell {
    pub fn new(text: RichText) -> Self {
        Cell { text, col_span: 1, row_span: 1, bbox: None }
    }
}

/// One table row as the source wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub cells: Vec<Cell>,
    pub origin: Origin,
}

/// A table as found on the page(s): rows in order, spans unexpanded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub rows: Vec<Row>,
}

/// A unit of the document in reading order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A heading; `level` 1 is the most prominent.
    Heading {
        level: u8,
        text: RichText,
        origin: Origin,
    },
    Paragraph {
        text: RichText,
        origin: Origin,
    },
    Table(Table),
}

/// A hyperlink found in the document (attachments are often links).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The link's text, whitespace-normalized.
    pub text: String,
    pub href: String,
}

/// Facts the container format states about the notice outside its body text: a web page's
/// `ArticleTitle`/`PubDate` meta tags, a DOCX's core properties. Used when the body does not
/// say the same thing itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocProperties {
    pub title: Option<String>,
    pub issuer: Option<String>,
    /// ISO date `YYYY-MM-DD` (publication date of a page, creation date of a file).
    pub date: Option<String>,
}

/// A whole notice in the format-neutral model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    /// Number of pages the source has (1 for sources without pages).
    pub pages: u32,
    pub blocks: Vec<Block>,
    pub links: Vec<Link>,
    pub properties: DocProperties,
}

impl Document {
    /// Headings and paragraphs in order, as (plain text, origin, heading level or 0).
    pub fn text_blocks(&self) -> impl Iterator<Item = (String, Origin, u8)> + '_ {
        self.blocks.iter().filter_map(|b| match b {
            Block::Heading { level, text, origin } => Some((text.to_plain(), *origin, *level)),
            Block::Paragraph { text, origin } => Some((text.to_plain(), *origin, 0)),
            Block::Table(_) => None,
        })
    }
}
