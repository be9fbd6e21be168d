//! Stage 4, `ledger`: find the task ledger of a notice and turn it into sections and task records.
//!
//! A ledger is a table (the usual form) or numbered paragraphs with responsibility lines (a
//! paragraph ledger). Its parts, in the order they run:
//!
//! - [`headers`]: what each column is, from the header vocabulary (`src/data/headers.json`: synonyms,
//!   then head nouns and role words), or from the columns' content when the header says nothing;
//!   information-disclosure index tables are recognised as metadata and never read as ledgers;
//! - [`rows`]: a table's rows into sections, tasks and measures;
//! - [`paragraphs`]: a paragraph ledger into the same records;
//! - [`sections`]: numbered headings and how they nest;
//! - [`checks`]: sequence numbers as a checksum, and the tasks' id keys.
//!
//! Office cells are split by the `offices` stage and leader cells by `people`. Every row with
//! content becomes part of a task or a section: none is dropped without a diagnostic.

mod checks;
pub mod deadlines;
mod headers;
mod paragraphs;
mod rows;
mod sections;

use crate::diag::{Diagnostic, Location};
use crate::ledger::deadlines::normalize_deadline_in;
use crate::model::Document;
use crate::offices::{marker_role, MarkerRole, OfficeRef, OfficeRegistry};
use crate::people::{person_roster, split_names, Roster};
use crate::record::{Deadline, Section, Task};
use crate::tables::Grid;

pub use checks::assign_keys;
pub use headers::{Field, HeaderRole, HeaderVocabulary, DEFAULT_HEADERS_JSON};

/// Why no ledger could be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    #[error("no task ledger found: {tables} table(s) in the document, none with a sequence column and a task column (headers seen: {headers}), and no numbered paragraphs naming lead or responsible units")]
    NoLedgerTable { tables: usize, headers: String },
    #[error(
        "no task ledger found in the page nor in the {attachments} attachment(s) read beside it; the page: {page}"
    )]
    NotInAttachments { attachments: usize, page: Box<LedgerError> },
}

impl LedgerError {
    /// This error for a page whose `n` attachments were read and hold no ledger either.
    pub fn with_attachments(self, n: usize) -> Self {
        LedgerError::NotInAttachments { attachments: n, page: Box::new(self) }
    }
}

/// What the ledger stage produces for one notice.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub sections: Vec<Section>,
    pub tasks: Vec<Task>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The year a notice is about, for deadlines that name no year (`12月底前`), and where it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoticeYear {
    pub year: i32,
    /// `"title"` or `"date"`.
    pub from: &'static str,
}

/// What reading a ledger needs besides the document.
#[derive(Clone, Copy, Debug)]
pub struct LedgerContext<'a> {
    pub vocabulary: &'a HeaderVocabulary,
    pub registry: &'a OfficeRegistry,
    pub year: Option<NoticeYear>,
}

/// The unit lists of a row or paragraph, role markers applied.
pub(crate) struct Units {
    pub lead: Vec<OfficeRef>,
    pub support: Vec<OfficeRef>,
    pub implementers: Vec<OfficeRef>,
}

/// Reads the cells every ledger form shares: units (with role markers), leaders and deadlines.
/// Counts the deadlines whose year came from the notice, for one diagnostic at the end.
pub(crate) struct RowReader<'c> {
    ctx: LedgerContext<'c>,
    roster: Roster,
    assumed_years: usize,
    /// The notice says the first unit listed leads (`列第一位的为牵头单位`).
    first_listed_leads: bool,
}

impl<'c> RowReader<'c> {
    pub fn new(ctx: &LedgerContext<'c>) -> Self {
        RowReader { ctx: *ctx, roster: Roster::new(), assumed_years: 0, first_listed_leads: false }
    }

    /// What the ledger is read with.
    pub fn ctx(&self) -> &LedgerContext<'c> {
        &self.ctx
    }

    /// Applies the notice's rule that the first unit listed in an unmarked unit list leads.
    pub fn set_first_listed_leads(&mut self, on: bool) {
        self.first_listed_leads = on;
    }

    /// The names of people seen in a table's leader cells, for cutting names written together.
    pub fn set_roster<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        self.roster = person_roster(cells);
    }

    /// Splits the lead, support and implementer texts (each with its location) and moves units by
    /// their role markers: in the lead list a unit marked （配合） cooperates, and once any unit
    /// there is marked （牵头）, the unmarked ones cooperate too (`基教处（牵头）、体艺处`); a
    /// unit marked （牵头） in the support list leads. `unmarked_lead` says the lead list comes from
    /// a column or label without a role word (责任单位): under the notice's first-listed rule its
    /// first unit leads and the others support.
    pub fn units_at(
        &mut self,
        cells: [(String, Location); 3],
        unmarked_lead: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> Units {
        let [(lead, lead_at), (support, support_at), (implementers, implementers_at)] = cells;
        let mut split = |text: &str, at: &Location| {
            let text = strip_first_listed_notes(text);
            if text.trim().is_empty() {
                return Vec::new();
            }
            let (refs, d) = self.ctx.registry.split(&text, at);
            diags.extend(d);
            refs
        };
        let lead = split(&lead, &lead_at);
        let support = split(&support, &support_at);
        let implementers = split(&implementers, &implementers_at);
        let role = |r: &OfficeRef| r.marker.as_deref().and_then(marker_role);
        let marked_lead = lead.iter().any(|r| role(r) == Some(MarkerRole::Lead));
        let (mut new_lead, mut new_support) = (Vec::new(), Vec::new());
        let mut moved = Vec::new();
        for r in lead {
            let to_support =
                role(&r) == Some(MarkerRole::Support) || (marked_lead && role(&r) != Some(MarkerRole::Lead));
            if to_support {
                moved.push(format!("{} cooperates", r.raw));
                new_support.push(r);
            } else {
                new_lead.push(r);
            }
        }
        for r in support {
            if role(&r) == Some(MarkerRole::Lead) {
                moved.push(format!("{} leads", r.raw));
                new_lead.push(r);
            } else {
                new_support.push(r);
            }
        }
        if !moved.is_empty() {
            diags.push(Diagnostic::info(
                crate::diag::DiagnosticKind::RoleMarkers,
                format!("role markers assign the units of this row: {}", moved.join("; ")),
                lead_at.clone(),
            ));
        }
        if self.first_listed_leads && unmarked_lead && moved.is_empty() && new_support.is_empty() && new_lead.len() > 1
        {
            new_support = new_lead.split_off(1);
            diags.push(Diagnostic::info(
                crate::diag::DiagnosticKind::FirstListedLeads,
                format!(
                    "the notice says the first unit listed leads: {} leads, {} support",
                    new_lead[0].raw,
                    new_support.iter().map(|r| r.raw.as_str()).collect::<Vec<_>>().join("、")
                ),
                lead_at,
            ));
        }
        Units { lead: new_lead, support: new_support, implementers }
    }

    /// [`RowReader::units_at`] with one location for all three.
    pub fn units(
        &mut self,
        lead: &str,
        support: &str,
        implementers: &str,
        unmarked_lead: bool,
        at: &Location,
        diags: &mut Vec<Diagnostic>,
    ) -> Units {
        self.units_at(
            [(lead.into(), at.clone()), (support.into(), at.clone()), (implementers.into(), at.clone())],
            unmarked_lead,
            diags,
        )
    }

    /// The personal names of a leaders cell.
    pub fn leaders(&self, cell: &str, at: &Location, diags: &mut Vec<Diagnostic>) -> Vec<String> {
        let (names, d) = split_names(cell, &self.roster, at);
        diags.extend(d);
        names
    }

    /// A deadline cell read with the notice's year for dates that name none.
    pub fn deadline(&mut self, raw: &str) -> Deadline {
        let (d, assumed) = normalize_deadline_in(raw, self.ctx.year.map(|y| y.year));
        self.assumed_years += usize::from(assumed);
        d
    }

    /// Reports, once, how many deadlines took the notice's year.
    pub fn finish(&self, diags: &mut Vec<Diagnostic>) {
        if let (Some(y), n @ 1..) = (self.ctx.year, self.assumed_years) {
            diags.push(Diagnostic::info(
                crate::diag::DiagnosticKind::DeadlineYearAssumed,
                format!(
                    "{n} deadline(s) name a month or a part of the year without the year; read as {} (the year of the notice's {})",
                    y.year, y.from
                ),
                Location::default(),
            ));
        }
    }
}

fn first_listed_re() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"[（(]?[^（(）)，。；]{0,6}(?:列|排)(?:第一|首)位[^，。；）)]{0,12}(?:为|是)[^。；）)]{0,24}牵头[^）)]{0,16}[）)]?")
            .expect("static pattern")
    })
}

/// Whether `text` states that the first unit listed leads (`列第一位的为牵头单位`,
/// `列第一位者为工作牵头单位或汇总单位，下同`).
pub(crate) fn is_first_listed_note(text: &str) -> bool {
    first_listed_re().is_match(text)
}

/// A unit list without the notes that state the first-listed rule (they name no unit).
pub(crate) fn strip_first_listed_notes(text: &str) -> std::borrow::Cow<'_, str> {
    first_listed_re().replace_all(text, "")
}

/// The part of the task cell that names the task: the leading bold text if any, else the first
/// sentence; trailing sentence punctuation removed.
pub(crate) fn task_title(bold: Option<&str>, text: &str) -> String {
    let source = match bold {
        Some(b) => crate::normalize::clean_text_single_line(b),
        None => {
            let first_line = text.split('\n').next().unwrap_or("");
            match first_line.find(['。', '！', '？', '；']) {
                Some(end) => first_line[..end].to_string(),
                None => first_line.to_string(),
            }
        }
    };
    source.trim_end_matches(['。', '！', '？', '；', '.', ' ']).to_string()
}

/// Whether a cell reads as unit names: every piece between separators ends like a unit name or is
/// a name the registry knows.
fn looks_like_units(text: &str, registry: &OfficeRegistry) -> bool {
    let tokens = crate::offices::split_separators(text);
    !tokens.is_empty()
        && tokens.iter().all(|t| {
            let t = t.trim_end_matches(['。', '；']);
            (crate::offices::has_name_suffix(t) || registry.lookup(t).is_some()) && t.chars().count() <= 30
        })
}

/// Whether a cell reads as a deadline.
fn looks_like_deadline(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.chars().count() <= 24
        && normalize_deadline_in(t, Some(2000)).0.kind != crate::record::DeadlineKind::Unparsed
}

/// Reads the ledger of a notice: its ledger tables among `grids` (stitched from `doc`), or, when
/// it has none, its paragraph ledger. Task ids are completed by the caller (they depend on the
/// notice id); here `id` holds the task's own key.
pub fn read_ledger(doc: &Document, grids: &[Grid], ctx: &LedgerContext) -> Result<Ledger, LedgerError> {
    let mut ledger = Ledger::default();
    let mut reader = RowReader::new(ctx);
    let stated = doc.text_blocks().any(|(t, _, _)| is_first_listed_note(&t))
        || grids
            .iter()
            .flat_map(|g| std::iter::once(&g.header_row).chain(&g.rows))
            .flat_map(|r| &r.cells)
            .any(|c| is_first_listed_note(&c.text.to_plain()));
    reader.set_first_listed_leads(stated);
    let mut found = 0;
    let mut last: Option<(usize, headers::Columns)> = None;
    let mut cursor = rows::Cursor::default();
    for grid in grids {
        let location = Location { page: Some(grid.header_page), ..Default::default() };
        if headers::is_metadata_table(grid, ctx.vocabulary) {
            ledger.diagnostics.push(Diagnostic::info(
                crate::diag::DiagnosticKind::MetadataTable,
                format!(
                    "the {}-column table on page {} is an information-disclosure index (索引号, 发布机构, 文号 …): notice metadata, not a ledger",
                    grid.columns, grid.header_page
                ),
                location,
            ));
            continue;
        }
        if let Some(columns) = headers::map_columns(grid, ctx.vocabulary, &mut ledger.diagnostics) {
            found += 1;
            cursor.previous = None;
            rows::TableReader::new(&columns, &mut reader).read(grid, &mut ledger, &mut cursor);
            last = Some((grid.columns, columns));
            continue;
        }
        match &last {
            // A table of the ledger's width after it, without a header (a blank line or a
            // 续表 line cut the ledger): it continues the ledger, its first row included.
            Some((width, columns)) if *width == grid.columns => {
                ledger.diagnostics.push(Diagnostic::warning(
                    crate::diag::DiagnosticKind::HeaderlessContinuation,
                    format!(
                        "a {}-column table on page {} has no ledger header; read as a continuation of the ledger above",
                        grid.columns, grid.header_page
                    ),
                    location,
                ));
                let columns = headers::Columns { header_rows_in_body: 0, ..columns.clone() };
                rows::TableReader::new(&columns, &mut reader).read(
                    &grid.with_header_as_row(),
                    &mut ledger,
                    &mut cursor,
                );
                continue;
            }
            _ => {}
        }
        let mut inferred_diags = Vec::new();
        let inferred = headers::infer_columns(
            grid,
            |t| looks_like_units(t, ctx.registry),
            looks_like_deadline,
            &mut inferred_diags,
        );
        if let Some(columns) = inferred {
            found += 1;
            ledger.diagnostics.extend(inferred_diags);
            cursor.previous = None;
            let body = if headers::first_row_is_data(grid) { grid.with_header_as_row() } else { grid.clone() };
            rows::TableReader::new(&columns, &mut reader).read(&body, &mut ledger, &mut cursor);
            last = Some((grid.columns, columns));
            continue;
        }
        ledger.diagnostics.push(Diagnostic::warning(
            crate::diag::DiagnosticKind::TableNotLedger,
            format!(
                "a {}-column table on page {} with {} row(s) (header: {}) is not a task ledger; its rows are not tasks",
                grid.columns,
                grid.header_page,
                grid.rows.len() + 1,
                crate::diag::quote(&grid.header.join(" | "), 60)
            ),
            location,
        ));
    }
    reader.finish(&mut ledger.diagnostics);
    if found == 0 && !paragraphs::read_paragraph_ledger(doc, ctx, &mut ledger) {
        let headers = grids.iter().map(|g| format!("[{}]", g.header.join(" | "))).collect::<Vec<_>>().join(", ");
        return Err(LedgerError::NoLedgerTable {
            tables: grids.len(),
            headers: if headers.is_empty() { "none".into() } else { headers },
        });
    }
    checks::check_sequence(&ledger.tasks, &mut ledger.diagnostics);
    checks::assign_keys(&mut ledger.tasks, &mut ledger.diagnostics);
    Ok(ledger)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_bold_or_first_sentence() {
        assert_eq!(task_title(Some("实施“工程”。"), "实施“工程”。推进。"), "实施“工程”");
        assert_eq!(task_title(None, "构建体系。实施行动。"), "构建体系");
        assert_eq!(task_title(None, "没有句号"), "没有句号");
    }

    fn read(doc: &crate::model::Document) -> Result<Ledger, LedgerError> {
        let (grids, _) = crate::tables::stitch_pages(doc).unwrap();
        let vocabulary = HeaderVocabulary::builtin();
        let registry = OfficeRegistry::builtin();
        read_ledger(doc, &grids, &LedgerContext { vocabulary: &vocabulary, registry: &registry, year: None })
    }

    fn ledger_of(rendition: &str) -> Ledger {
        let (doc, _) = crate::input::text::read_text(rendition.as_bytes()).unwrap();
        read(&doc).unwrap()
    }

    fn kinds(l: &Ledger) -> Vec<&str> {
        l.diagnostics.iter().map(|d| d.kind.as_str()).collect()
    }

    const HEADER: &str = "序号\t主要任务\t分管领导\t牵头处室\t配合处室\t资金来源\n";

    #[test]
    fn a_row_cut_by_a_page_break_stays_one_task() {
        let l = ledger_of(&format!(
            "{HEADER}<b>一、第一部分</b>\t\t\t\t\t\n1\t<b>甲任务。</b>前半\t党勤\t基教处\t高教处\t\n\n\n{HEADER}\t后半。\t\t\t职成处\t\n2\t乙任务。\t党勤曾华辉\t科技处\t\t省级\n\n\n{HEADER}3\t丙任务。\t曾华辉\t人事处\t\t\n"
        ));
        assert_eq!(l.tasks.len(), 3);
        let t = &l.tasks[0];
        assert_eq!((t.title.as_str(), t.text.as_str()), ("甲任务", "甲任务。前半后半。"));
        assert_eq!(t.provenance.pages, [1, 2]);
        assert_eq!(t.support_offices.iter().map(|r| r.raw.as_str()).collect::<Vec<_>>(), ["高教处", "职成处"]);
        assert_eq!(l.tasks[1].leaders, ["党勤", "曾华辉"], "joined leaders are cut by the table's roster");
        assert_eq!(l.tasks[1].extra.get("资金来源").map(String::as_str), Some("省级"));
        assert_eq!(l.tasks[2].section.as_deref(), Some("一"));
        assert_eq!(kinds(&l), ["unknown-column"]);
    }

    #[test]
    fn sequence_numbers_are_checked() {
        let l = ledger_of(&format!(
            "{HEADER}1\t甲。\t\t\t\t\n3\t乙。\t\t\t\t\n3\t丙。\t\t\t\t\n第四\t丁。\t\t\t\t\n\t戊。\t\t\t\t\n"
        ));
        assert_eq!(l.tasks.len(), 4, "no row is dropped");
        assert_eq!(l.tasks[3].seq, None);
        assert_eq!(l.tasks[3].text, "丁。\n戊。");
        let k = kinds(&l);
        for expected in ["seq-gap", "duplicate-seq", "seq-order", "non-numeric-seq", "row-without-seq"] {
            assert!(k.contains(&expected), "{expected} missing from {k:?}");
        }
        assert_ne!(l.tasks[1].id, l.tasks[2].id, "ids stay unique");
    }

    #[test]
    fn a_table_without_sequence_or_task_columns_is_no_ledger() {
        let (doc, _) = crate::input::text::read_text("姓名\t电话\n张三\t123\n".as_bytes()).unwrap();
        let err = read(&doc).unwrap_err();
        assert!(err.to_string().contains("姓名 | 电话"), "{err}");
    }

    #[test]
    fn extra_columns_are_deterministic_and_continuations_without_header_are_read() {
        let header = "序号\t主要任务\t具体措施\t进度\t备注\t牵头处室\t完成时限\n";
        let src = format!("{header}1\t甲。\t措施\t进度\t备注\t基教处\t2024年6月底前\n\t续。\t\t\t\t\t长期坚持\n\n2\t乙。\t\t\t\t高教处\t\n3\t丙。\t\t\t\t高教处\t\n");
        let first = ledger_of(&src);
        for _ in 0..8 {
            let again = ledger_of(&src);
            assert_eq!(format!("{:?}", again.diagnostics), format!("{:?}", first.diagnostics));
            assert_eq!(format!("{:?}", again.tasks), format!("{:?}", first.tasks));
        }
        assert_eq!(first.tasks.len(), 3, "the rows after a blank line are still tasks");
        assert!(kinds(&first).contains(&"headerless-continuation"));
        assert_eq!(
            first.tasks[0].deadline.as_ref().map(|d| d.raw.as_str()),
            Some("2024年6月底前\n长期坚持"),
            "appended, not replaced"
        );
        assert_eq!(first.tasks[0].extra.keys().collect::<Vec<_>>(), ["进度"], "measures and remarks are fields now");
        assert_eq!(first.tasks[0].measures.len(), 1);
        assert_eq!(first.tasks[0].measures[0].text, "措施");
        assert_eq!(first.tasks[0].remarks.as_deref(), Some("备注"));
    }

    #[test]
    fn a_stray_tab_does_not_make_a_table() {
        let (doc, _) = crate::input::text::read_text("\t甘肃省教育厅\n\n## 关于某事的通知\n".as_bytes()).unwrap();
        assert!(doc.blocks.iter().all(|b| !matches!(b, crate::model::Block::Table(_))));
    }

    fn ledger_of_html(html: &str) -> Ledger {
        let (doc, _) = crate::input::html::read_html(html.as_bytes()).unwrap();
        read(&doc).unwrap()
    }

    fn raws(refs: &[OfficeRef]) -> Vec<&str> {
        refs.iter().map(|r| r.raw.as_str()).collect()
    }

    #[test]
    fn a_key_task_over_several_rows_has_one_measure_per_row() {
        let l = ledger_of_html(concat!(
            "<table><tr><th>序号</th><th>重点任务</th><th>具体措施</th><th>牵头处室</th><th>配合处室</th><th>完成时限</th></tr>",
            "<tr><td colspan=6>一、深化改革</td></tr>",
            "<tr><td rowspan=3>1</td><td rowspan=3>推进甲工作</td><td>措施一</td><td rowspan=3>基教处</td><td>高教处</td><td>2024年6月底前</td></tr>",
            "<tr><td>措施二</td><td>职教处、发展处</td><td>每季度末</td></tr>",
            "<tr><td>措施三</td><td></td><td>长期坚持</td></tr>",
            "<tr><td>2</td><td>推进乙工作</td><td>唯一措施</td><td>科技处</td><td>人事处</td><td>2024年12月</td></tr>",
            "</table>"
        ));
        assert_eq!(l.tasks.len(), 2, "merged rows are measures, not tasks");
        let t = &l.tasks[0];
        assert_eq!(t.measures.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["措施一", "措施二", "措施三"]);
        for m in &t.measures {
            assert_eq!(raws(&m.lead_offices), ["基教处"], "a lead merged down belongs to every measure");
        }
        assert_eq!(raws(&t.measures[1].support_offices), ["职教处", "发展处"]);
        assert!(t.measures[2].support_offices.is_empty());
        let kinds: Vec<_> = t.measures.iter().map(|m| m.deadline.as_ref().unwrap().kind.as_str()).collect();
        assert_eq!(kinds, ["by-date", "recurring", "ongoing"]);
        assert_eq!(t.deadline, None, "the measures' deadlines differ");
        assert_eq!(raws(&t.lead_offices), ["基教处"], "the union lists a merged lead once");
        assert_eq!(raws(&t.support_offices), ["高教处", "职教处", "发展处"]);
        assert_eq!(t.measures[2].provenance.row, 4);
        let t2 = &l.tasks[1];
        assert_eq!(t2.measures.len(), 1);
        assert_eq!(t2.deadline.as_ref().and_then(|d| d.by.as_deref()), Some("2024-12-31"));
        assert!(!kinds_of(&l).contains(&"row-without-seq"), "{:?}", kinds_of(&l));
    }

    #[test]
    fn a_task_of_undecodable_characters_is_an_error_not_text() {
        let l =
            ledger_of("序号\t主要任务\t牵头处室\n1\t\u{FFFD}\u{FFFD}\u{FFFD}。\t基教处\n2\t乙\u{FFFD}任务。\t基教处\n");
        assert_eq!(l.tasks.len(), 2, "the task is kept");
        let errors: Vec<_> = l.diagnostics.iter().filter(|d| d.kind == "unreadable-text").collect();
        assert_eq!(errors.len(), 1, "one mostly unreadable task: {errors:?}");
        assert_eq!(errors[0].severity, crate::Severity::Error);
        assert_eq!(errors[0].location.task_seq, Some(1));
    }

    fn kinds_of(l: &Ledger) -> Vec<&str> {
        l.diagnostics.iter().map(|d| d.kind.as_str()).collect()
    }

    #[test]
    fn role_markers_in_one_responsibility_column() {
        let l = ledger_of(concat!(
            "序号\t工作任务\t责任单位\t完成时限\n",
            "1\t甲。\t基教处（牵头）、体艺处、各市（州）教育局\t2024年6月底前\n",
            "2\t乙。\t基教处（牵头）、高教处（牵头）、职成处\t\n",
            "3\t丙。\t厅机关各处室按职责分工负责\t持续推进\n",
            "4\t丁。\t科技处、人事处\t\n",
            "5\t戊。\t人事处（配合）、财务处\t\n",
        ));
        let t = &l.tasks;
        assert_eq!(raws(&t[0].lead_offices), ["基教处（牵头）"]);
        assert_eq!(raws(&t[0].support_offices), ["体艺处", "各市（州）教育局"]);
        assert_eq!(raws(&t[1].lead_offices), ["基教处（牵头）", "高教处（牵头）"], "several markers, several leads");
        assert_eq!(raws(&t[1].support_offices), ["职成处"]);
        assert_eq!(raws(&t[2].lead_offices), ["厅机关各处室"], "the phrase is the marker, not part of the name");
        assert_eq!(t[2].lead_offices[0].marker.as_deref(), Some("按职责分工负责"));
        assert!(kinds_of(&l).contains(&"duty-phrase"));
        assert_eq!(raws(&t[3].lead_offices), ["科技处", "人事处"], "no marker: every unit leads");
        assert_eq!(raws(&t[4].lead_offices), ["财务处"]);
        assert_eq!(raws(&t[4].support_offices), ["人事处（配合）"]);
        assert_eq!(t[2].deadline.as_ref().map(|d| d.kind.as_str()), Some("ongoing"));
    }

    #[test]
    fn sections_nest_by_numbering_style() {
        let l = ledger_of(concat!(
            "序号\t工作任务\t牵头处室\n",
            "一、总体\t\t\n",
            "（一）第一组\t\t\n",
            "1\t甲。\t基教处\n",
            "（二）第二组\t\t\n",
            "2\t乙。\t基教处\n",
            "二、其他\t\t\n",
            "（一）又一组\t\t\n",
            "3\t丙。\t基教处\n",
            "（1）细目\t\t\n",
            "4\t丁。\t基教处\n",
        ));
        let shape: Vec<_> = l.sections.iter().map(|s| (s.level, s.path.as_str(), s.title.as_str())).collect();
        assert_eq!(
            shape,
            [
                (1, "一", "总体"),
                (2, "一/（一）", "第一组"),
                (2, "一/（二）", "第二组"),
                (1, "二", "其他"),
                (2, "二/（一）", "又一组"),
                (3, "二/（一）/（1）", "细目")
            ]
        );
        let sections: Vec<_> = l.tasks.iter().map(|t| t.section.as_deref().unwrap()).collect();
        assert_eq!(sections, ["一/（一）", "一/（二）", "二/（一）", "二/（一）/（1）"]);
    }

    #[test]
    fn a_merged_sequence_cell_over_two_items_is_one_task_with_two_measures() {
        let l = ledger_of_html(concat!(
            "<table><tr><td>序号</td><td>民生实事</td><td>责任单位</td><td>完成时限</td></tr>",
            "<tr><td>4</td><td>建成县残疾人综合服务中心。</td><td>县残联</td><td>5月底前动工</td></tr>",
            "<tr><td rowspan=2>5</td><td>开工建设县老年养护楼。</td><td rowspan=2>县民政局</td><td>5月底前动工</td></tr>",
            "<tr><td>开工建设老年大学。</td><td>12月底前</td></tr>",
            "<tr><td>6</td><td>迁建县政务服务中心。</td><td>县政务服务中心<br>县代建中心</td><td>12月底前</td></tr></table>"
        ));
        assert_eq!(l.tasks.iter().map(|t| t.seq).collect::<Vec<_>>(), [Some(4), Some(5), Some(6)]);
        let t = &l.tasks[1];
        assert_eq!(t.text, "开工建设县老年养护楼。\n开工建设老年大学。");
        let m: Vec<_> =
            t.measures.iter().map(|m| (m.text.as_str(), m.deadline.as_ref().unwrap().raw.as_str())).collect();
        assert_eq!(m, [("开工建设县老年养护楼。", "5月底前动工"), ("开工建设老年大学。", "12月底前")]);
        assert_eq!(t.deadline, None, "the measures' deadlines differ");
        assert_eq!(raws(&t.lead_offices), ["县民政局"], "the merged unit is listed once");
        assert_eq!(raws(&l.tasks[2].lead_offices), ["县政务服务中心", "县代建中心"], "units on separate lines");
        assert!(l.tasks[0].measures.is_empty());
        assert!(kinds_of(&l).contains(&"merged-seq-measures"));
    }

    #[test]
    fn a_title_row_and_a_two_row_header() {
        let l = ledger_of_html(concat!(
            "<table><tr><td colspan=5>2024年重点工作任务分解表</td></tr>",
            "<tr><td rowspan=2>序号</td><td rowspan=2>目标与任务</td><td colspan=2>责任单位</td><td rowspan=2>时间节点</td></tr>",
            "<tr><td>牵头</td><td>配合</td></tr>",
            "<tr><td>1</td><td>推进甲工作。</td><td>基教处</td><td>高教处</td><td>2024年6月底前</td></tr></table>"
        ));
        assert_eq!(l.tasks.len(), 1);
        let t = &l.tasks[0];
        assert_eq!(raws(&t.lead_offices), ["基教处"]);
        assert_eq!(raws(&t.support_offices), ["高教处"]);
        assert_eq!(t.deadline.as_ref().and_then(|d| d.by.as_deref()), Some("2024-06-30"));
        assert!(kinds_of(&l).contains(&"header-below-title"), "{:?}", kinds_of(&l));
    }

    #[test]
    fn an_index_table_is_metadata_and_a_headerless_ledger_is_read_by_its_content() {
        let l = ledger_of_html(concat!(
            "<table><tr><td>索引号：</td><td>000014349/2023-00110</td><td>发布机构：</td><td>某县人民政府</td></tr>",
            "<tr><td>文号：</td><td>某政发〔2023〕2号</td><td>发文日期：</td><td>2023-03-28</td></tr></table>",
            "<p>正文。</p>",
            "<table><tr><td>1</td><td>启动县图书馆新馆建设。</td><td>县文体广新局、县代建中心</td><td>12月底前</td></tr>",
            "<tr><td>2</td><td>完成棚户区改造2836户。</td><td>县住建局</td><td>12月底前</td></tr>",
            "<tr><td>3</td><td>城区再新建1个农贸市场。</td><td>县商务局</td><td>2023年6月底前</td></tr></table>"
        ));
        assert_eq!(l.tasks.len(), 3, "the index table gives no task; the ledger's first row is a task");
        assert_eq!(raws(&l.tasks[0].lead_offices), ["县文体广新局", "县代建中心"]);
        assert_eq!(l.tasks[0].deadline.as_ref().unwrap().raw, "12月底前");
        let k = kinds_of(&l);
        assert!(k.contains(&"metadata-table") && k.contains(&"column-role-inferred"), "{k:?}");
    }
}
