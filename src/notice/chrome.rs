//! Page chrome: the lines a web page, a disclosure index or a browser's print puts around a
//! notice. They carry metadata (the publication date, the publishing body, the index's 文号 and
//! 成文日期) and are never recipients, body or tasks.
//!
//! Kinds of chrome recognised:
//! - info lines: `发布时间：2023-08-15 来源：甘肃省教育厅 浏览次数：1024`;
//! - disclosure index fields: `索引号：… 发布机构：… 发文日期：… 文号：… 主题分类：…`, as lines
//!   or as a table;
//! - breadcrumbs (`当前位置：首页 > 通知公告`), tools (`字号 大 中 小`, `打印本页`, `关闭窗口`,
//!   `分享到`), footers (`主办单位`, `ICP备`, `网站标识码`);
//! - a browser's print header and footer (`2023/11/29 10:32  …的通知`, `file:///… 1/10`).

use std::sync::OnceLock;

use crate::pattern::{rare, RareRegex};

/// What a chrome line says about the notice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChromeFacts {
    /// 发布时间/发布日期 (the page's publication), ISO.
    pub published: Option<String>,
    /// 成文日期/发文日期 of a disclosure index, ISO.
    pub written: Option<String>,
    /// 来源/信息来源 (the publishing site or office).
    pub source: Option<String>,
    /// 发布机构/发文机关/发文单位 of a disclosure index.
    pub publisher: Option<String>,
    /// 文号/发文字号 of a disclosure index.
    pub doc_number: Option<String>,
    /// 名称/标题 of a disclosure index.
    pub title: Option<String>,
}

impl ChromeFacts {
    /// Fills what `self` does not know yet from `other`.
    pub fn merge(&mut self, other: ChromeFacts) {
        let fill = |a: &mut Option<String>, b: Option<String>| {
            if a.is_none() {
                *a = b;
            }
        };
        fill(&mut self.published, other.published);
        fill(&mut self.written, other.written);
        fill(&mut self.source, other.source);
        fill(&mut self.publisher, other.publisher);
        fill(&mut self.doc_number, other.doc_number);
        fill(&mut self.title, other.title);
    }
}

/// Labels of chrome fields and what each holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Label {
    Published,
    Written,
    Source,
    Publisher,
    DocNumber,
    Title,
    /// A field that says nothing the record keeps (索引号, 主题分类, 浏览次数 …).
    Other,
}

const LABELS: &[(&str, Label)] = &[
    ("发布时间", Label::Published),
    ("发布日期", Label::Published),
    ("公开日期", Label::Published),
    ("更新时间", Label::Published),
    ("时间", Label::Published),
    ("日期", Label::Published),
    ("成文日期", Label::Written),
    ("发文日期", Label::Written),
    ("印发日期", Label::Written),
    ("生成日期", Label::Written),
    ("信息来源", Label::Source),
    ("文章来源", Label::Source),
    ("来源", Label::Source),
    ("发布机构", Label::Publisher),
    ("发文机关", Label::Publisher),
    ("发文单位", Label::Publisher),
    ("发布单位", Label::Publisher),
    ("文号", Label::DocNumber),
    ("发文字号", Label::DocNumber),
    ("文件编号", Label::DocNumber),
    ("名称", Label::Title),
    ("标题", Label::Title),
    ("索引号", Label::Other),
    ("主题分类", Label::Other),
    ("组配分类", Label::Other),
    ("体裁分类", Label::Other),
    ("主题词", Label::Other),
    ("公开方式", Label::Other),
    ("公开范围", Label::Other),
    ("有效性", Label::Other),
    ("统一编号", Label::Other),
    ("分类", Label::Other),
    ("作者", Label::Other),
    ("编辑", Label::Other),
    ("责任编辑", Label::Other),
    ("浏览次数", Label::Other),
    ("浏览量", Label::Other),
    ("点击数", Label::Other),
    ("点击量", Label::Other),
    ("阅读次数", Label::Other),
    ("访问量", Label::Other),
    ("字号", Label::Other),
];

/// A label and its colon, longest label first: `发布时间：`.
pub(crate) fn label_pattern() -> String {
    let mut alternatives: Vec<&str> = LABELS.iter().map(|(w, _)| *w).collect();
    alternatives.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    format!(r"({})\s*[：:]", alternatives.join("|"))
}

/// Words that make a line tooling or footer chrome wherever they stand.
const TOOL_WORDS: &[&str] = &[
    "打印本页",
    "关闭窗口",
    "【打印】",
    "【关闭】",
    "[打印]",
    "[关闭]",
    "分享到",
    "【大 中 小】",
    "【大中小】",
    "收藏本页",
    "网站标识码",
    "ICP备",
    "公网安备",
    "版权所有",
    "主办单位：",
    "承办单位：",
    "技术支持：",
    "网站地图",
    "联系我们",
];

/// Whether `text` is a browser's print header or footer line.
pub fn is_print_furniture(text: &str) -> bool {
    crate::tables::is_print_furniture(text)
}

/// A breadcrumb: `当前位置：首页 > 通知公告`, `首页 >> 信息公开 >> 文件`.
fn is_breadcrumb(t: &str) -> bool {
    let t = t.trim();
    ["当前位置", "您现在的位置", "您的位置", "所在位置"].iter().any(|w| t.starts_with(w))
        || (t.starts_with("首页") && t.contains(['>', '》', '→', '/', '＞', '»']))
}

/// Reads the chrome facts of one line, or `None` when the line is no chrome. A line is chrome
/// when it is a breadcrumb, holds tooling or footer words, is a print header or footer, or is
/// made of labelled fields (`发布时间：…`, `来源：…`, `索引号：…`) with nothing else of substance.
pub fn chrome_line(text: &str) -> Option<ChromeFacts> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if is_breadcrumb(t) || TOOL_WORDS.iter().any(|w| t.contains(w)) || is_print_furniture(t) {
        return Some(labelled_fields(t).map(|(f, _)| f).unwrap_or_default());
    }
    let (facts, covered) = labelled_fields(t)?;
    // Labelled fields must make up the line: a sentence that mentions 来源 is body text.
    (covered * 10 >= t.chars().filter(|c| !c.is_whitespace()).count() * 9).then_some(facts)
}

/// What may stand before a label: space, a bar or an opening bracket (`| 来源：`, `【发布时间：`).
fn opens_field(c: char) -> bool {
    c.is_whitespace() || "|丨│【[（(".contains(c)
}

/// The labelled fields of a line, and how many non-space characters they cover (labels and
/// values). `None` when the line starts with no label.
fn labelled_fields(t: &str) -> Option<(ChromeFacts, usize)> {
    static RE: OnceLock<RareRegex> = OnceLock::new();
    if !t.contains(['：', ':']) {
        return None;
    }
    // The first field must open the line (checked below): a line that does not start with a
    // label word cannot have one, and most lines with a colon are body text.
    let head = t.trim_start_matches(opens_field);
    if !LABELS.iter().any(|(w, _)| head.starts_with(w)) {
        return None;
    }
    let found: Vec<(usize, usize, Label)> = rare(&RE, label_pattern)
        .captures_iter(t)
        .filter_map(|c| {
            let m = c.get(0)?;
            let word = c.get(1)?.as_str();
            // `时间`/`日期` alone only at a field's start (not 完成时间：).
            let start_ok = m.start() == 0 || t[..m.start()].ends_with(opens_field);
            if !start_ok {
                return None;
            }
            let label = LABELS.iter().find(|(w, _)| *w == word)?.1;
            Some((m.start(), m.end(), label))
        })
        .collect();
    if found.first().is_none_or(|f| !t[..f.0].trim_matches(opens_field).is_empty()) {
        return None;
    }
    let mut facts = ChromeFacts::default();
    let mut covered = 0;
    for (i, &(start, value_start, label)) in found.iter().enumerate() {
        let end = found.get(i + 1).map_or(t.len(), |n| n.0);
        let raw = t[value_start..end].trim().trim_end_matches(['|', '丨', '│', '】', ']', '）', ')']).trim();
        covered += t[start..end].chars().filter(|c| !c.is_whitespace()).count();
        let value = raw.to_string();
        let first_word = value.split_whitespace().next().unwrap_or("").to_string();
        let date = || crate::input::html::iso_date(&value);
        match label {
            Label::Published if facts.published.is_none() => facts.published = date(),
            Label::Written if facts.written.is_none() => facts.written = date(),
            Label::Source if facts.source.is_none() && !first_word.is_empty() => facts.source = Some(first_word),
            Label::Publisher if facts.publisher.is_none() && !first_word.is_empty() => {
                facts.publisher = Some(first_word)
            }
            Label::DocNumber if facts.doc_number.is_none() && !value.is_empty() => facts.doc_number = Some(value),
            Label::Title if facts.title.is_none() && !value.is_empty() => facts.title = Some(value),
            _ => {}
        }
    }
    Some((facts, covered))
}

/// The chrome facts of a disclosure index table: cells that are labels followed by their values
/// (`索引号 | 000014349/2023-00110 | 发布机构 | 某县人民政府`), or cells holding both.
pub fn index_table_facts(rows: &[Vec<String>]) -> ChromeFacts {
    let mut facts = ChromeFacts::default();
    for row in rows {
        let mut i = 0;
        while i < row.len() {
            let cell = row[i].trim();
            let bare = cell.trim_end_matches(['：', ':']).trim();
            let key = crate::normalize::without_whitespace(bare);
            let is_label = LABELS.iter().any(|(w, _)| *w == key);
            if is_label && i + 1 < row.len() {
                let line = format!("{key}：{}", row[i + 1].trim());
                if let Some((f, _)) = labelled_fields(&line) {
                    facts.merge(f);
                }
                i += 2;
                continue;
            }
            if let Some((f, _)) = labelled_fields(cell) {
                facts.merge(f);
            }
            i += 1;
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_lines_are_chrome_with_their_facts() {
        let f = chrome_line("发布时间：2023-08-15 来源：甘肃省教育厅 浏览次数：1024").unwrap();
        assert_eq!(f.published.as_deref(), Some("2023-08-15"));
        assert_eq!(f.source.as_deref(), Some("甘肃省教育厅"));
        let f = chrome_line("来源：信息公开办　发布日期：2016-03-01").unwrap();
        assert_eq!((f.source.as_deref(), f.published.as_deref()), (Some("信息公开办"), Some("2016-03-01")));
        let f = chrome_line(
            "索引号：000014349/2023-00110 发布机构：蔡甸区人民政府办公室 发文日期：2023-02-06 文号：蔡政办〔2023〕1号",
        )
        .unwrap();
        assert_eq!(f.publisher.as_deref(), Some("蔡甸区人民政府办公室"));
        assert_eq!(f.written.as_deref(), Some("2023-02-06"));
        assert_eq!(f.doc_number.as_deref(), Some("蔡政办〔2023〕1号"));
        for line in [
            "当前位置：首页 > 通知公告",
            "首页 >> 信息公开",
            "字号：大 中 小 【打印本页】【关闭窗口】",
            "浏览次数：",
            "网站标识码：6200000001 陇ICP备05000392号",
            "2023/11/29 10:32 关于印发《台账》的通知",
            "file:///tmp/cms-chrome-utf8.html 3/10",
            "3/10",
        ] {
            assert!(chrome_line(line).is_some(), "{line}");
        }
        for line in [
            "各市（州）教育局、兰州新区教体局，各高等学校，厅直有关单位，甘肃开放大学，厅机关各处室：",
            "请各单位于每季度末向发展规划处报送进展，来源：各单位。",
            "完成时间：2023年底",
            "附件：台账",
        ] {
            assert!(chrome_line(line).is_none(), "{line}");
        }
    }

    #[test]
    fn index_tables() {
        let rows = vec![
            vec!["索引号：".into(), "011043/2023-00001".into(), "发布机构：".into(), "蔡甸区人民政府办公室".into()],
            vec!["文号：".into(), "蔡政办〔2023〕1号".into(), "成文日期：".into(), "2023年02月06日".into()],
        ];
        let f = index_table_facts(&rows);
        assert_eq!(f.publisher.as_deref(), Some("蔡甸区人民政府办公室"));
        assert_eq!(f.doc_number.as_deref(), Some("蔡政办〔2023〕1号"));
        assert_eq!(f.written.as_deref(), Some("2023-02-06"));
    }
}
