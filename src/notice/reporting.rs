//! Reporting duties in a notice's body: who reports what, how often, to whom
//! (`各牵头单位要每季度末向省教育厅发展规划处报送推进落实情况`).

use std::sync::OnceLock;

use crate::diag::{Diagnostic, Location};
use crate::offices::OfficeRegistry;
use crate::pattern::{rare, RareRegex};
use crate::record::{Frequency, ReportingDuty};

/// The verbs of reporting; a clause without one is not read for a duty.
const REPORT_VERBS: [&str; 5] = ["报送", "上报", "报告", "提交", "汇报"];

/// A reporting clause: who reports, how often, to whom, what.
pub(crate) const REPORTING: &str = concat!(
    r"^(?P<who>.*?)(?:要|应当|应|须|需)?(?:于|在)?",
    r"(?P<when>(?:每季度末|每季度|每月底|每月|每半年|每年底|每年|年底前|年底|及时|定期)(?:\d{1,2}\s*日)?)?前?",
    r"(?:于|在)?(?:",
    // 向发展规划处报送推进情况
    r"向(?P<to>.+?)(?:报送|上报|报告|提交|汇报)(?P<what>.*)",
    // 将推进情况报送发展规划处
    r"|将(?P<what2>.+?)(?:报送|上报|报告|提交|汇报)(?:至|给)?(?P<to2>.+)",
    r")$"
);

fn frequency_of(when: &str) -> Option<Frequency> {
    // `每月25日` is monthly: the day does not change the period.
    let when = when.trim_end_matches(|c: char| c.is_ascii_digit() || c == '日' || c.is_whitespace());
    Some(match when {
        "每季度末" | "每季度" => Frequency::Quarterly,
        "每月底" | "每月" => Frequency::Monthly,
        "每半年" => Frequency::Semiannual,
        "每年底" | "每年" | "年底前" | "年底" => Frequency::Annual,
        "及时" => Frequency::AsNeeded,
        "定期" => Frequency::Periodic,
        _ => return None,
    })
}

/// Reads one clause such as `各牵头单位要每季度末向省教育厅发展规划处报送推进落实情况`.
pub(super) fn read_reporting_clause(
    clause: &str,
    registry: &OfficeRegistry,
    loc: &Location,
    diags: &mut Vec<Diagnostic>,
) -> Option<ReportingDuty> {
    let clause = clause.trim();
    // A reporting clause is short; long runs of text are not read for one (and would cost time).
    if clause.chars().count() > 200
        || !(clause.contains('向') || clause.contains('将'))
        || !REPORT_VERBS.iter().any(|v| clause.contains(v))
    {
        return None;
    }
    static RE: OnceLock<RareRegex> = OnceLock::new();
    let caps = rare(&RE, || REPORTING.to_string()).captures(clause)?;
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
        frequency: when.as_deref().and_then(frequency_of),
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
