//! Stage 4b, `notice`: the notice's own metadata — issuer, title, document number, dates,
//! recipients (主送), attachments (附件) and reporting duties — from the text before its ledger
//! and from the page around it.
//!
//! Each item is read by its shape, in this order of trust:
//! - the issuer: a red header (`鞍山市立山区人民政府文件`) or an issuer line above the title, the
//!   publisher of a disclosure index (发布机构), the signature block at the end of the body
//!   (`立山区人民政府` over `2023年3月28日`), the organisation the title starts with
//!   (`大竹县人民政府办公室关于…`), the page's `来源：` line, its `ContentSource` meta tag;
//! - the title: the line(s) that read like a notice's title (`关于…的通知`), joined when a PDF
//!   wrapped them over two headings; a document without a notice part (only a ledger) is titled by
//!   its first heading;
//! - the document number: a line that is one (the 文号 under a red header) or the index's 文号 —
//!   never a number cited inside a sentence;
//! - `date` (成文日期): the signature's date, else the index's; `published`: the page's 发布时间;
//! - recipients: the first line ending in `：` after the title.
//!
//! Page chrome (breadcrumbs, info lines, tools, footers, a browser's print header and footer) is
//! read for its facts and is never recipients or body ([`chrome`]). What is not found stays null
//! or empty; nothing here fails the notice.

pub(crate) mod chrome;
pub(crate) mod reporting;

use std::sync::OnceLock;

use crate::pattern::{rare, RareRegex};

use crate::diag::{Diagnostic, Location};
use crate::model::{Block, Document, Origin};
use crate::normalize::clean_text_single_line;
use crate::offices::OfficeRegistry;
use crate::record::{Attachment, ReportingDuty};

use reporting::read_reporting_clause;

/// Notice-level fields.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NoticeMeta {
    pub issuer: Option<String>,
    pub title: Option<String>,
    pub doc_number: Option<String>,
    /// 成文日期, ISO `YYYY-MM-DD`.
    pub date: Option<String>,
    /// The page's publication date (发布时间), ISO.
    pub published: Option<String>,
    /// The title is a notice's own (`关于…的通知`), not a plan's or a ledger's heading: with the
    /// issuer it identifies the notice.
    pub title_names_notice: bool,
    pub recipients: Vec<crate::offices::OfficeRef>,
    pub attachments: Vec<Attachment>,
    pub reporting: Vec<ReportingDuty>,
}

/// A document number: `鄂教办〔2023〕12号`.
pub(crate) const DOC_NUMBER: &str = r"\p{Han}{1,12}\s*[〔\[【（(]\s*(?:19|20)\d{2}\s*[〕\]】）)]\s*\d{1,5}\s*号";
/// A full date: `2023年3月28日`.
pub(crate) const DATE: &str = r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日";
/// A year: `2016年`.
pub(crate) const YEAR: &str = r"((?:19|20)\d{2})\s*年";

/// The document number in `t`, if any (a line without `号` has none, and costs nothing).
fn find_doc_number(t: &str) -> Option<regex_lite::Match<'_>> {
    static RE: OnceLock<RareRegex> = OnceLock::new();
    t.contains('号').then(|| rare(&RE, || DOC_NUMBER.to_string()).find(t)).flatten()
}

const ORG_ENDINGS: &[&str] =
    &["厅", "局", "委员会", "委", "政府", "部", "办公室", "办公厅", "院", "中心", "管委会", "办"];

fn is_org_name(t: &str) -> bool {
    let n = t.chars().count();
    (2..=30).contains(&n) && ORG_ENDINGS.iter().any(|e| t.ends_with(e)) && !t.contains(['，', '。', '：', ':'])
}

/// A date written as a line of its own (a signature's `2023年3月28日`), ISO.
fn date_line(t: &str) -> Option<String> {
    static RE: OnceLock<RareRegex> = OnceLock::new();
    if !t.contains('日') {
        return None;
    }
    let c = rare(&RE, || DATE.to_string()).captures(t)?;
    let (y, m, d): (u32, u32, u32) = (c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
    let rest = t.replace(c.get(0)?.as_str(), "");
    let rest = rest.trim_matches(|c: char| c.is_whitespace() || "（）()".contains(c));
    ((1..=12).contains(&m) && (1..=31).contains(&d) && rest.chars().count() <= 4)
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// One text line of the notice's head and body: (text on one line, origin, heading level or 0).
type Line = (String, Origin, u8);

/// The text before the ledger: the blocks before the first table that is not a disclosure index,
/// blank blocks left out. Returns the lines and the index tables' facts.
fn body_before_table(doc: &Document) -> (Vec<Line>, chrome::ChromeFacts) {
    let mut lines = Vec::new();
    let mut index = chrome::ChromeFacts::default();
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text, origin } => {
                lines.push((clean_text_single_line(&text.to_plain()), *origin, *level))
            }
            Block::Paragraph { text, origin } => lines.push((clean_text_single_line(&text.to_plain()), *origin, 0)),
            Block::Table(t) => {
                let rows: Vec<Vec<String>> = t
                    .rows
                    .iter()
                    .map(|r| r.cells.iter().map(|c| clean_text_single_line(&c.text.to_plain())).collect())
                    .collect();
                let facts = chrome::index_table_facts(&rows);
                let known = [&facts.publisher, &facts.written, &facts.doc_number, &facts.published, &facts.title]
                    .iter()
                    .filter(|f| f.is_some())
                    .count();
                if known < 2 {
                    break;
                }
                index.merge(facts);
            }
        }
    }
    lines.retain(|(t, _, _)| !t.is_empty());
    (lines, index)
}

/// The parts of a notice that need no registry, read once per document ([`read_head`]): the
/// issuer chooses the registry, the title or date gives the year, and [`read_notice_meta`] reads
/// the rest from them.
#[derive(Clone, Debug, Default)]
pub(crate) struct NoticeHead {
    pub(crate) issuer: Option<String>,
    title: Option<String>,
    doc_number: Option<String>,
    date: Option<String>,
    published: Option<String>,
    /// Index in the content lines of the recipients line.
    recipients_at: Option<usize>,
    /// Index in the content lines of the line after the title (or 0).
    after_title: usize,
    /// The lines that are not chrome, in order.
    content: Vec<Line>,
}

/// A title wrapped over up to three consecutive lines of the same heading level (a PDF's two
/// title lines): (first line, lines used, joined text). Red headers, document numbers and
/// organisation lines are never part of it.
fn find_title(content: &[Line]) -> Option<(usize, usize, String)> {
    let plain = |t: &str| {
        !is_org_name(t)
            && !t.ends_with("文件")
            && find_doc_number(t).is_none()
            && date_line(t).is_none()
            && t.chars().count() <= 60
    };
    for i in 0..content.len() {
        let first = strip_category_tag(&content[i].0);
        if looks_like_title(&first) && !is_org_name(&first) {
            return Some((i, 1, first));
        }
        if !plain(&first) || !(first.contains("关于") || first.contains("印发")) {
            continue;
        }
        let mut joined = first.clone();
        for span in 2..=3 {
            let Some(next) = content.get(i + span - 1) else { break };
            let same_kind = next.2 == content[i].2 && next.1.page == content[i].1.page;
            if !same_kind || !plain(&next.0) || looks_like_title(&next.0) && next.0.contains("关于") {
                break;
            }
            joined.push_str(&next.0);
            if looks_like_title(&joined) {
                return Some((i, span, joined));
            }
        }
    }
    None
}

/// A CMS's category tag before a title (`【市政府重点工作及责任分解】滁州市人民政府关于…`) removed.
fn strip_category_tag(t: &str) -> String {
    match t.strip_prefix('【').and_then(|r| r.split_once('】')) {
        Some((_, rest)) if !rest.trim().is_empty() => rest.trim().to_string(),
        _ => t.to_string(),
    }
}

/// Reads the head and body lines of a notice, up to its ledger.
pub(crate) fn read_head(doc: &Document) -> NoticeHead {
    let (lines, index) = body_before_table(doc);
    let mut page = index;
    let mut content: Vec<Line> = Vec::new();
    for line in lines {
        match chrome::chrome_line(&line.0) {
            Some(facts) => page.merge(facts),
            None => content.push(line),
        }
    }
    let mut parts = NoticeHead::default();
    // The title, and the issuer line or red header above it.
    let title = find_title(&content);
    let head_end = title.as_ref().map_or(content.len().min(6), |t| t.0);
    // A red header (`鞍山市立山区人民政府文件`) anywhere in the head (a CMS page puts its title
    // above the document's own header), else an issuer line above the title.
    let red_header = content.iter().take(12).find_map(|(t, _, _)| {
        let org = t.trim().strip_suffix("文件")?.trim();
        is_org_name(org).then(|| org.to_string())
    });
    let header_issuer = red_header.or_else(|| {
        content[..head_end].iter().find_map(|(t, _, _)| is_org_name(t.trim()).then(|| t.trim().to_string()))
    });
    parts.doc_number = content
        .iter()
        .take(head_end + 6)
        .find_map(|(t, _, _)| {
            let m = find_doc_number(t)?;
            // The line is the number (with a 签发人 or similar beside it), not a sentence citing it.
            let rest = crate::normalize::without_whitespace(&t.replace(m.as_str(), ""));
            (rest.chars().count() <= 8 && !rest.contains(['，', '。', '《']))
                .then(|| clean_text_single_line(m.as_str()))
        })
        .or(page.doc_number.clone());
    let after_title = title.as_ref().map_or(0, |t| t.0 + t.1);
    parts.after_title = after_title;
    parts.recipients_at = content
        .iter()
        .enumerate()
        .skip(after_title)
        .find(|(_, (t, _, _))| (t.ends_with('：') || t.ends_with(':')) && !t.starts_with("附件"))
        .map(|(i, _)| i);
    // The signature: an organisation line next to a date line (a date alone on its line; body
    // sentences that mention dates are no signature). A notice whose title the copy lost still
    // has its signature above the plan's own title.
    let mut signature: Option<(Option<String>, String)> = None;
    for i in 0..content.len() {
        if let Some(date) = date_line(&content[i].0) {
            let org = [i.checked_sub(1), Some(i + 1)]
                .into_iter()
                .flatten()
                .filter_map(|j| content.get(j))
                .map(|(t, _, _)| t.trim().to_string())
                .find(|t| is_org_name(t));
            signature = Some((org, date));
            break;
        }
    }
    let notice_part = parts.recipients_at.is_some() || signature.is_some();
    parts.title = match title {
        Some((_, _, t)) if !notice_part || looks_like_notice_title(&t) => Some(t),
        _ => page
            .title
            .clone()
            .or_else(|| doc.properties.title.clone())
            .map(|t| strip_category_tag(&t))
            .filter(|t| !notice_part || looks_like_notice_title(t))
            .or_else(|| {
                (!notice_part).then(|| content.iter().find(|(_, _, l)| *l > 0).map(|(t, _, _)| t.clone())).flatten()
            }),
    };
    let title_issuer = parts.title.as_deref().and_then(|t| {
        let head = &t[..t.find("关于")?];
        is_org_name(head).then(|| head.to_string())
    });
    parts.issuer = header_issuer
        .or(page.publisher.clone())
        .or(signature.as_ref().and_then(|s| s.0.clone()))
        .or(title_issuer)
        .or(page.source.clone().filter(|s| is_org_name(s)))
        .or(doc.properties.issuer.clone());
    parts.date = signature.map(|s| s.1).or(page.written.clone());
    parts.published = page.published.clone().or(doc.properties.date.clone());
    parts.content = content;
    parts
}

/// The attachments a notice lists (附件：… lines, with the links of the same text) and the links to
/// attachment files it does not list.
fn attachments_of(parts: &NoticeHead, doc: &Document) -> Vec<Attachment> {
    let mut list = Vec::new();
    let mut in_attachments = false;
    for (text, _, _) in &parts.content[parts.after_title..] {
        if let Some(rest) = text.strip_prefix("附件：").or_else(|| text.strip_prefix("附件:")) {
            in_attachments = true;
            push_attachment(&mut list, rest);
        } else if in_attachments && starts_with_list_number(text) {
            push_attachment(&mut list, text);
        } else {
            in_attachments = false;
        }
    }
    attach_links(&mut list, &doc.links);
    list
}

/// The attachments alone, as [`read_notice_meta`] reads them (no registry needed).
pub fn read_attachments(doc: &Document) -> Vec<Attachment> {
    attachments_of(&read_head(doc), doc)
}

/// The year the notice is about, for deadlines that name none: the one year its title names
/// (`关于2016年民生实事…的通知`), else the year of its date, else of its publication.
pub(crate) fn notice_year(parts: &NoticeHead) -> Option<crate::ledger::NoticeYear> {
    static RE: OnceLock<RareRegex> = OnceLock::new();
    let title =
        parts.title.clone().or_else(|| parts.content.iter().find(|(_, _, l)| *l > 0).map(|(t, _, _)| t.clone()));
    if let Some(t) = title.filter(|t| t.contains('年')) {
        let years: std::collections::BTreeSet<i32> =
            rare(&RE, || YEAR.to_string()).captures_iter(&t).filter_map(|c| c[1].parse().ok()).collect();
        if years.len() == 1 {
            return years.first().map(|&year| crate::ledger::NoticeYear { year, from: "title" });
        }
    }
    parts
        .date
        .as_ref()
        .or(parts.published.as_ref())
        .and_then(|d| d.get(..4)?.parse().ok())
        .map(|year| crate::ledger::NoticeYear { year, from: "date" })
}

/// Reads the notice metadata from its head ([`read_head`] of the same `doc`); `registry` resolves
/// the recipients and reporting offices.
pub(crate) fn read_notice_meta(
    doc: &Document,
    parts: NoticeHead,
    registry: &OfficeRegistry,
) -> (NoticeMeta, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let attachments = attachments_of(&parts, doc);
    let mut meta = NoticeMeta {
        issuer: parts.issuer,
        title: parts.title,
        doc_number: parts.doc_number,
        date: parts.date,
        published: parts.published,
        ..Default::default()
    };
    meta.title_names_notice = meta.title.as_deref().is_some_and(looks_like_notice_title);
    let body = &parts.content;
    let after_title = parts.after_title;
    if let Some((text, origin, _)) = parts.recipients_at.map(|i| &body[i]) {
        let list = text.trim_end_matches(['：', ':']);
        let loc = Location { page: Some(origin.page), line: origin.line, ..Default::default() };
        let (refs, d) = registry.split(list, &loc);
        meta.recipients = refs;
        diags.extend(d);
    }
    meta.attachments = attachments;

    for (text, origin, level) in &body[after_title..] {
        if *level > 0 {
            continue;
        }
        let loc = Location { page: Some(origin.page), line: origin.line, ..Default::default() };
        for clause in text.split(['。', '；', '，', ';']) {
            if let Some(duty) = read_reporting_clause(clause, registry, &loc, &mut diags) {
                meta.reporting.push(duty);
            }
        }
    }
    (meta, diags)
}

/// A notice's own title (not a plan's or a ledger's): `关于…` or an ending such as 通知/意见/决定.
fn looks_like_notice_title(t: &str) -> bool {
    looks_like_title(t)
        && (t.contains("关于")
            || ["通知", "通报", "意见", "决定", "函", "批复", "公告", "通告", "决议", "报告"]
                .iter()
                .any(|e| t.ends_with(e)))
}

fn looks_like_title(t: &str) -> bool {
    let n = t.chars().count();
    (4..=150).contains(&n)
        && (t.starts_with("关于")
            || ["通知", "通报", "意见", "方案", "决定", "办法", "规划", "函"].iter().any(|e| t.ends_with(e)))
        && !t.ends_with('：')
}

fn starts_with_list_number(t: &str) -> bool {
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && t[digits..].starts_with(['.', '、', '．'])
}

fn push_attachment(list: &mut Vec<Attachment>, text: &str) {
    let mut title = text.trim();
    if starts_with_list_number(title) {
        let digits = title.chars().take_while(|c| c.is_ascii_digit()).count();
        title = title[digits..].trim_start_matches(['.', '、', '．']).trim();
    }
    if !title.is_empty() {
        list.push(Attachment { title: title.to_string(), href: None });
    }
}

/// File types that a link to an attachment points at.
const ATTACHMENT_EXTENSIONS: &[&str] =
    &[".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".ofd", ".zip", ".rar", ".7z"];

/// Gives listed attachments the href of the link with the same text, and adds links to
/// attachment files that the 附件 lines did not list.
fn attach_links(list: &mut Vec<Attachment>, links: &[crate::model::Link]) {
    for link in links {
        let text = clean_text_single_line(&link.text);
        let text = text.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | '、' | '．')).trim();
        if let Some(a) = list
            .iter_mut()
            .find(|a| a.href.is_none() && !text.is_empty() && (a.title == text || a.title.contains(text)))
        {
            a.href = Some(link.href.clone());
            continue;
        }
        let path = link.href.split(['?', '#']).next().unwrap_or("").to_ascii_lowercase();
        if ATTACHMENT_EXTENSIONS.iter().any(|e| path.ends_with(e))
            && !list.iter().any(|a| a.href.as_deref() == Some(&link.href))
        {
            let title = if text.is_empty() {
                link.href.rsplit('/').next().unwrap_or(&link.href).to_string()
            } else {
                text.to_string()
            };
            list.push(Attachment { title, href: Some(link.href.clone()) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, RichText};

    fn para(text: &str) -> Block {
        Block::Paragraph { text: RichText::plain(text), origin: Origin { page: 1, line: None } }
    }

    #[test]
    fn metadata_is_read_by_shape() {
        let doc = Document {
            pages: 1,
            blocks: vec![
                para("甘肃省教育厅文件"),
                para("甘教发〔2023〕12号"),
                para("甘肃省教育厅关于做好2023年重点工作的通知"),
                para("各市（州）教育局，各高等学校："),
                para("请于每月底前向厅办公室报送工作进展，年底前向教育部提交总结。"),
                para("附件：1.重点任务台账"),
                para("2.联系人名单"),
                para("甘肃省教育厅"),
                para("2023年3月5日"),
            ],
            links: vec![
                Link { text: "重点任务台账".into(), href: "/files/a.xlsx".into() },
                Link { text: "下载".into(), href: "/files/b.pdf".into() },
            ],
            properties: crate::model::DocProperties { date: Some("2023-03-20".into()), ..Default::default() },
        };
        let (meta, diags) = read_notice_meta(&doc, read_head(&doc), &OfficeRegistry::builtin());
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(meta.issuer.as_deref(), Some("甘肃省教育厅"));
        assert_eq!(meta.doc_number.as_deref(), Some("甘教发〔2023〕12号"));
        assert_eq!(meta.title.as_deref(), Some("甘肃省教育厅关于做好2023年重点工作的通知"));
        assert_eq!(meta.date.as_deref(), Some("2023-03-05"), "the date written in the body wins over the page's");
        let codes: Vec<_> = meta.recipients.iter().map(|r| r.code.as_deref().unwrap()).collect();
        assert_eq!(codes, ["gsjyt.all.shizhou-jyj", "gsjyt.all.gaoxiao"]);
        let attachments: Vec<(&str, Option<&str>)> =
            meta.attachments.iter().map(|a| (a.title.as_str(), a.href.as_deref())).collect();
        assert_eq!(
            attachments,
            [("重点任务台账", Some("/files/a.xlsx")), ("联系人名单", None), ("下载", Some("/files/b.pdf"))]
        );
        let duties: Vec<(&str, Option<crate::record::Frequency>, &str)> = meta
            .reporting
            .iter()
            .map(|d| (d.to[0].code.as_deref().unwrap(), d.frequency, d.content.as_str()))
            .collect();
        assert_eq!(
            duties,
            [
                ("gsjyt.bangongshi", Some(crate::record::Frequency::Monthly), "工作进展"),
                ("cn.moe", Some(crate::record::Frequency::Annual), "总结")
            ]
        );
    }
}
