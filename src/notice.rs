//! Stage 4b, `notice`: the notice's own metadata from the paragraphs before its ledger — issuer,
//! title, document number, date, recipients (主送), attachments (附件) and reporting duties.
//!
//! Each item is read by its shape in the body, not by position alone: the title is the heading or
//! line that reads like a title (`关于…的通知`), recipients the line ending in `：` after it, and
//! so on. What is not found stays null or empty; nothing here fails the notice.

use std::sync::OnceLock;

use regex::Regex;

use crate::diag::{Diagnostic, Location};
use crate::model::{Block, Document, Origin};
use crate::normalize::clean_text_single_line;
use crate::offices::OfficeRegistry;
use crate::record::{Attachment, ReportingDuty};

/// Notice-level fields read from the body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NoticeMeta {
    pub issuer: Option<String>,
    pub title: Option<String>,
    pub doc_number: Option<String>,
    /// ISO date `YYYY-MM-DD`.
    pub date: Option<String>,
    pub recipients: Vec<crate::offices::OfficeRef>,
    pub attachments: Vec<Attachment>,
    pub reporting: Vec<ReportingDuty>,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static pattern"))
}

fn doc_number_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"\p{Han}{1,12}\s*[〔\[【（(]\s*(?:19|20)\d{2}\s*[〕\]】）)]\s*\d{1,5}\s*号")
}

fn date_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
}

fn reporting_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        &RE,
        concat!(
            r"^(?P<who>.*?)(?:要|应当|应|须|需)?(?:于|在)?",
            r"(?P<when>(?:每季度末|每季度|每月底|每月|每半年|每年底|每年|年底前|年底|及时|定期)(?:\d{1,2}\s*日)?)?前?",
            r"(?:于|在)?(?:",
            // 向发展规划处报送推进情况
            r"向(?P<to>.+?)(?:报送|上报|报告|提交|汇报)(?P<what>.*)",
            // 将推进情况报送发展规划处
            r"|将(?P<what2>.+?)(?:报送|上报|报告|提交|汇报)(?:至|给)?(?P<to2>.+)",
            r")$"
        ),
    )
}

const ORG_ENDINGS: &[&str] = &["厅", "局", "委员会", "委", "政府", "部", "办公室", "办公厅", "院", "中心"];

/// The body before the first table: (text on one line, origin, heading level or 0), blank
/// blocks left out.
type Body = Vec<(String, Origin, u8)>;

fn body_before_table(doc: &Document) -> Body {
    doc.blocks
        .iter()
        .take_while(|b| !matches!(b, Block::Table(_)))
        .filter_map(|b| match b {
            Block::Heading { level, text, origin } => Some((clean_text_single_line(&text.to_plain()), *origin, *level)),
            Block::Paragraph { text, origin } => Some((clean_text_single_line(&text.to_plain()), *origin, 0)),
            Block::Table(_) => None,
        })
        .filter(|(t, _, _)| !t.is_empty())
        .collect()
}

/// The issuer: a short organisation name before the title, else the container's issuer property.
fn issuer_of(body: &Body, title_at: Option<usize>, doc: &Document) -> Option<String> {
    let before_title = &body[..title_at.unwrap_or(body.len().min(1))];
    before_title
        .iter()
        .map(|(t, _, _)| t.trim_end_matches("文件").to_string())
        .find(|t| t.chars().count() <= 30 && ORG_ENDINGS.iter().any(|e| t.ends_with(e)))
        .or_else(|| doc.properties.issuer.clone())
}

/// The issuer alone, as [`read_notice_meta`] reads it; it needs no registry, so it can choose one.
pub fn read_issuer(doc: &Document) -> Option<String> {
    let body = body_before_table(doc);
    let title_at = body.iter().position(|(t, _, _)| looks_like_title(t));
    issuer_of(&body, title_at, doc)
}

/// The year the notice is about, for deadlines that name none: the one year its title names
/// (`关于2016年民生实事…的通知`), else the year of its date, else of the container's date.
pub fn notice_year(doc: &Document) -> Option<crate::ledger::NoticeYear> {
    static YEAR: OnceLock<Regex> = OnceLock::new();
    let year_re = re(&YEAR, r"((?:19|20)\d{2})\s*年");
    let body = body_before_table(doc);
    let title =
        body.iter().find(|(t, _, _)| looks_like_title(t)).or_else(|| body.iter().find(|(_, _, level)| *level > 0));
    if let Some((t, _, _)) = title {
        let years: std::collections::BTreeSet<i32> =
            year_re.captures_iter(t).filter_map(|c| c[1].parse().ok()).collect();
        if years.len() == 1 {
            return years.first().map(|&year| crate::ledger::NoticeYear { year, from: "title" });
        }
    }
    let dated = body.iter().rev().find_map(|(t, _, _)| date_re().captures(t).and_then(|c| c[1].parse().ok()));
    dated
        .or_else(|| doc.properties.date.as_deref().and_then(|d| d.get(..4)?.parse().ok()))
        .map(|year| crate::ledger::NoticeYear { year, from: "date" })
}

/// Reads the notice metadata from the blocks before the first table.
pub fn read_notice_meta(doc: &Document, registry: &OfficeRegistry) -> (NoticeMeta, Vec<Diagnostic>) {
    let mut meta = NoticeMeta::default();
    let mut diags = Vec::new();
    let body = body_before_table(doc);

    let title_at = body.iter().position(|(t, _, _)| looks_like_title(t));
    meta.title = title_at.map(|i| body[i].0.clone()).or_else(|| doc.properties.title.clone());
    meta.issuer = issuer_of(&body, title_at, doc);
    meta.doc_number =
        body.iter().find_map(|(t, _, _)| doc_number_re().find(t)).map(|m| clean_text_single_line(m.as_str()));
    meta.date = body.iter().rev().find_map(|(t, _, _)| {
        let c = date_re().captures(t)?;
        let (y, m, d): (u32, u32, u32) = (c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
        ((1..=12).contains(&m) && (1..=31).contains(&d) && t.chars().count() <= 40)
            .then(|| format!("{y:04}-{m:02}-{d:02}"))
    });
    if meta.date.is_none() {
        meta.date = doc.properties.date.clone();
    }

    let after_title = title_at.map_or(0, |i| i + 1);
    if let Some((text, origin, _)) = body[after_title..].iter().find(|(t, _, _)| t.ends_with('：') || t.ends_with(':'))
    {
        let list = text.trim_end_matches(['：', ':']);
        let loc = Location { page: Some(origin.page), line: origin.line, ..Default::default() };
        let (refs, d) = registry.split(list, &loc);
        meta.recipients = refs;
        diags.extend(d);
    }

    let mut in_attachments = false;
    for (text, _, _) in &body[after_title..] {
        if let Some(rest) = text.strip_prefix("附件：").or_else(|| text.strip_prefix("附件:")) {
            in_attachments = true;
            push_attachment(&mut meta.attachments, rest);
        } else if in_attachments && starts_with_list_number(text) {
            push_attachment(&mut meta.attachments, text);
        } else {
            in_attachments = false;
        }
    }

    attach_links(&mut meta.attachments, &doc.links);

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

fn frequency_of(when: &str) -> Option<&'static str> {
    // `每月25日` is monthly: the day does not change the period.
    let when = when.trim_end_matches(|c: char| c.is_ascii_digit() || c == '日' || c.is_whitespace());
    Some(match when {
        "每季度末" | "每季度" => "quarterly",
        "每月底" | "每月" => "monthly",
        "每半年" => "semiannual",
        "每年底" | "每年" | "年底前" | "年底" => "annual",
        "及时" => "as-needed",
        "定期" => "periodic",
        _ => return None,
    })
}

/// Reads one clause such as `各牵头单位要每季度末向省教育厅发展规划处报送推进落实情况`.
fn read_reporting_clause(
    clause: &str,
    registry: &OfficeRegistry,
    loc: &Location,
    diags: &mut Vec<Diagnostic>,
) -> Option<ReportingDuty> {
    let clause = clause.trim();
    // A reporting clause is short; long runs of text are not read for one (and would cost time).
    if clause.chars().count() > 200 || !(clause.contains('向') || clause.contains('将')) {
        return None;
    }
    let caps = reporting_re().captures(clause)?;
    let who_raw = caps.name("who").map_or("", |m| m.as_str()).trim().trim_start_matches('请');
    let to_raw = caps.name("to").or_else(|| caps.name("to2")).map_or("", |m| m.as_str()).trim();
    if to_raw.is_empty() {
        return None;
    }
    let when = caps.name("when").map(|m| m.as_str().to_string());
    // The reporter is often followed by what it does first (`发展规划处汇总后`): keep the raw
    // words, and resolve the registry body the words begin with, if any.
    let from_office = leading_registry_body(who_raw, registry);
    let from =
        from_office.as_ref().map(|r| r.raw.clone()).or_else(|| (!who_raw.is_empty()).then(|| who_raw.to_string()));
    let from_offices = from_office.into_iter().collect();
    let (to, d) = registry.split(to_raw, loc);
    diags.extend(d);
    Some(ReportingDuty {
        from,
        from_offices,
        to,
        frequency: when.as_deref().and_then(frequency_of).map(str::to_string),
        frequency_raw: when,
        content: caps.name("what").or_else(|| caps.name("what2")).map_or("", |m| m.as_str()).trim().to_string(),
        text: clause.to_string(),
    })
}

fn leading_registry_body(words: &str, registry: &OfficeRegistry) -> Option<crate::offices::OfficeRef> {
    let chars: Vec<char> = words.chars().take(40).collect();
    (2..=chars.len()).rev().find_map(|end| {
        let prefix: String = chars[..end].iter().collect();
        let (refs, d) = registry.split(&prefix, &Location::default());
        // Without a registry, a prefix that is one unit name by its ending is the body.
        let known = refs.len() == 1
            && (refs[0].code.is_some() || (registry.is_unregistered() && crate::offices::has_name_suffix(&prefix)));
        (known && d.iter().all(|x| x.kind != "unknown-office")).then(|| refs.into_iter().next().unwrap())
    })
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
        let (meta, diags) = read_notice_meta(&doc, &OfficeRegistry::builtin());
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
        let duties: Vec<(&str, Option<&str>, &str)> = meta
            .reporting
            .iter()
            .map(|d| (d.to[0].code.as_deref().unwrap(), d.frequency.as_deref(), d.content.as_str()))
            .collect();
        assert_eq!(duties, [("gsjyt.bangongshi", Some("monthly"), "工作进展"), ("cn.moe", Some("annual"), "总结")]);
    }
}
