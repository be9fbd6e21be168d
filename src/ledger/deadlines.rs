//! Deadlines: a ledger's 完成时限 cell as written, plus a normalized form where one exists.
//!
//! Ledgers write deadlines as date bounds (`2024年6月底前`, `2024年9月30日前`, `2025年上半年`,
//! `2024年底`), recurring duties (`每季度末`, `每月`) or standing work (`长期坚持`, `持续推进`).
//! [`normalize_deadline`] reads the first of these the cell states; the raw text always stays in
//! the record, and a cell it cannot read is `unparsed`, never guessed. A date bound is the last day
//! the words allow: `2024年6月底前` and `2024年6月` are both 2024-06-30.

use std::sync::OnceLock;

use regex::Regex;

use crate::record::{Deadline, DeadlineKind, Period};

/// Recurrence words, longest first, and the normalized period they name.
const RECURRING: &[(&str, Period)] = &[
    ("每季度末", Period::Quarterly),
    ("每季度", Period::Quarterly),
    ("按季度", Period::Quarterly),
    ("每半年", Period::Semiannual),
    ("每月底", Period::Monthly),
    ("每月末", Period::Monthly),
    ("每月", Period::Monthly),
    ("按月", Period::Monthly),
    ("每年底", Period::Annual),
    ("每年", Period::Annual),
    ("每学期", Period::PerTerm),
    ("每周", Period::Weekly),
];

/// Words that mark standing work with no end date.
const ONGOING: &[&str] = &["长期坚持", "持续推进", "长期", "持续", "常态化", "经常性", "按年度推进", "逐年推进"];

fn date_bound_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?P<y>(?:19|20)\d{2})\s*年\s*",
            r"(?:",
            r"(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*日|(?P<half>上旬|中旬|下旬|初|中|底|末))?",
            r"|(?P<h>上半年|下半年)",
            r"|第?(?P<q>[一二三四1-4])\s*季度",
            r"|(?P<ye>年?底|年?末|全年|年内)",
            r")?"
        ))
        .expect("static pattern")
    })
}

/// The same phrases without a year (`12月底前`, `9月投入使用`, `全年`, `年底前`), read only when
/// the notice gives the year.
fn yearless_bound_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?:",
            r"(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*日|(?P<half>上旬|中旬|下旬|初|中|底|末))?",
            r"|(?P<h>上半年|下半年)",
            r"|第(?P<q>[一二三四1-4])\s*季度",
            r"|(?P<ye>年底|年末|全年|年内)",
            r")"
        ))
        .expect("static pattern")
    })
}

#[cfg(test)]
/// Reads a deadline cell. `raw` must be non-empty; it is kept as written. The first clause the
/// cell states decides the kind (a cell such as `2024年6月底前完成，长期坚持` is a date bound).
/// A date without a year is `unparsed`: see [`normalize_deadline_in`] for the notice's year.
pub fn normalize_deadline(raw: &str) -> Deadline {
    normalize_deadline_in(raw, None).0
}

/// [`normalize_deadline`] with the year the notice is about (from its title or date): a date
/// phrase that names no year (`12月底前`, `全年`) is bounded in that year. The flag says the year
/// was taken from the notice.
pub fn normalize_deadline_in(raw: &str, year: Option<i32>) -> (Deadline, bool) {
    let squashed = crate::normalize::without_whitespace(raw);
    let mut assumed = false;
    let date = date_bound_re()
        .captures(&squashed)
        .and_then(|c| {
            let start = c.get(0)?.start();
            let by = date_bound(&c, None)?;
            Some((start, by))
        })
        .or_else(|| {
            let year = year?;
            let c = yearless_bound_re().captures(&squashed)?;
            let start = c.get(0)?.start();
            let by = date_bound(&c, Some(year))?;
            assumed = true;
            Some((start, by))
        });
    let recurring =
        RECURRING.iter().filter_map(|(w, period)| squashed.find(w).map(|at| (at, *period))).min_by_key(|r| r.0);
    let ongoing = ONGOING.iter().filter_map(|w| squashed.find(w)).min();
    let first = [date.as_ref().map(|d| d.0), recurring.map(|r| r.0), ongoing].into_iter().flatten().min();
    let mut deadline = Deadline { raw: raw.to_string(), kind: DeadlineKind::Unparsed, by: None, every: None };
    match first {
        Some(at) if date.as_ref().is_some_and(|d| d.0 == at) => {
            deadline.kind = DeadlineKind::ByDate;
            deadline.by = date.map(|d| d.1);
        }
        Some(at) if recurring.is_some_and(|r| r.0 == at) => {
            deadline.kind = DeadlineKind::Recurring;
            deadline.every = recurring.map(|r| r.1);
        }
        Some(_) => deadline.kind = DeadlineKind::Ongoing,
        None => {}
    }
    let assumed = assumed && deadline.kind == DeadlineKind::ByDate;
    (deadline, assumed)
}

/// The last day a matched date phrase allows, as `YYYY-MM-DD`; `None` for an impossible date.
/// `year` stands in for a phrase that names none.
fn date_bound(c: &regex::Captures, year: Option<i32>) -> Option<String> {
    let year: i32 = match c.name("y") {
        Some(y) => y.as_str().parse().ok()?,
        None => year?,
    };
    if let Some(m) = c.name("m") {
        let month: u32 = m.as_str().parse().ok()?;
        if !(1..=12).contains(&month) {
            return None;
        }
        let last = days_in_month(year, month);
        let day = match (c.name("d"), c.name("half").map(|h| h.as_str())) {
            (Some(d), _) => d.as_str().parse().ok().filter(|d| (1..=last).contains(d))?,
            (None, Some("上旬" | "初")) => 10,
            (None, Some("中旬" | "中")) => 20,
            _ => last,
        };
        return Some(format!("{year:04}-{month:02}-{day:02}"));
    }
    if let Some(h) = c.name("h") {
        return Some(if h.as_str() == "上半年" { format!("{year:04}-06-30") } else { format!("{year:04}-12-31") });
    }
    if let Some(q) = c.name("q") {
        let quarter = match q.as_str() {
            "一" | "1" => 1,
            "二" | "2" => 2,
            "三" | "3" => 3,
            _ => 4,
        };
        let month = quarter * 3;
        return Some(format!("{year:04}-{month:02}-{:02}", days_in_month(year, month)));
    }
    // `2024年`, `2024年底`, `2024年内`: the year's last day.
    Some(format!("{year:04}-12-31"))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(raw: &str) -> (String, Option<String>, Option<String>) {
        let d = normalize_deadline(raw);
        assert_eq!(d.raw, raw, "raw is kept verbatim");
        (d.kind.as_str().to_string(), d.by, d.every.map(|p| p.as_str().to_string()))
    }

    fn by(date: &str) -> (String, Option<String>, Option<String>) {
        ("by-date".into(), Some(date.into()), None)
    }

    #[test]
    fn date_bounds_are_the_last_day_the_words_allow() {
        assert_eq!(read("2024年6月底前"), by("2024-06-30"));
        assert_eq!(read("2024年6月"), by("2024-06-30"));
        assert_eq!(read("2024年2月底"), by("2024-02-29"), "leap year");
        assert_eq!(read("2023年2月底"), by("2023-02-28"));
        assert_eq!(read("2024年9月30日前"), by("2024-09-30"));
        assert_eq!(read("2024 年 12 月"), by("2024-12-31"), "autospace gaps");
        assert_eq!(read("2025年上半年"), by("2025-06-30"));
        assert_eq!(read("2025年下半年"), by("2025-12-31"));
        assert_eq!(read("2024年底前"), by("2024-12-31"));
        assert_eq!(read("2024年"), by("2024-12-31"));
        assert_eq!(read("2024年第三季度"), by("2024-09-30"));
        assert_eq!(read("2024年3月上旬"), by("2024-03-10"));
        assert_eq!(read("2024年6月底前完成，长期坚持"), by("2024-06-30"), "the first clause decides");
    }

    #[test]
    fn recurring_and_ongoing_work() {
        assert_eq!(read("每季度末"), ("recurring".into(), None, Some("quarterly".into())));
        assert_eq!(read("每月10日前"), ("recurring".into(), None, Some("monthly".into())));
        assert_eq!(read("长期坚持"), ("ongoing".into(), None, None));
        assert_eq!(read("持续推进"), ("ongoing".into(), None, None));
        assert_eq!(read("长期坚持，2024年底前见成效"), ("ongoing".into(), None, None));
    }

    #[test]
    fn a_date_without_year_takes_the_notices_year() {
        let read_in = |raw: &str| {
            let (d, assumed) = normalize_deadline_in(raw, Some(2016));
            (d.kind.as_str().to_string(), d.by, assumed)
        };
        assert_eq!(read_in("12月底前"), ("by-date".into(), Some("2016-12-31".into()), true));
        assert_eq!(read_in("9月投入使用"), ("by-date".into(), Some("2016-09-30".into()), true));
        assert_eq!(read_in("5月底前动工"), ("by-date".into(), Some("2016-05-31".into()), true));
        assert_eq!(read_in("全年"), ("by-date".into(), Some("2016-12-31".into()), true));
        assert_eq!(read_in("年底前"), ("by-date".into(), Some("2016-12-31".into()), true));
        assert_eq!(read_in("上半年"), ("by-date".into(), Some("2016-06-30".into()), true));
        assert_eq!(read_in("2017年3月"), ("by-date".into(), Some("2017-03-31".into()), false), "a stated year wins");
        assert_eq!(read_in("每月10日前").0, "recurring");
        assert_eq!(read_in("长期坚持").0, "ongoing");
        assert_eq!(read_in("每季度末月20日前").0, "recurring");
    }

    #[test]
    fn what_cannot_be_read_is_unparsed_not_guessed() {
        assert_eq!(read("年底前").0, "unparsed", "no year: not guessed");
        assert_eq!(read("2024年13月").0, "unparsed");
        assert_eq!(read("2024年2月30日").0, "unparsed");
        assert_eq!(read("视情况而定").0, "unparsed");
    }
}
