//! A first registry for an issuer that has none: every unit name a corpus of its notices uses,
//! counted, with likely aliases grouped, in the registry file format, for a person to confirm.
//!
//! Names are grouped when they differ only by an administrative prefix (县教科局, 大竹县教科局,
//! 教科局 — the issuer's place and the bare 省/市/县/区), by a trailing 等 (市卫生健康委等), or
//! when a base registry already lists them as one entry's names. The commonest spelling of a
//! group is its name; the others become aliases. Codes are drafted from the name's pinyin. Every
//! entry's `note` says how often it was seen and in which roles, and asks for confirmation.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{normalize_name, OfficeKind, OfficeRef, OfficeRegistry};
use crate::record::NoticeDocument;

/// How often one spelling was seen, and in which roles.
#[derive(Clone, Debug, Default)]
struct Seen {
    lead: usize,
    support: usize,
    implementer: usize,
    recipient: usize,
    files: std::collections::BTreeSet<usize>,
}

impl Seen {
    fn total(&self) -> usize {
        self.lead + self.support + self.implementer + self.recipient
    }

    fn add(&mut self, other: &Seen) {
        self.lead += other.lead;
        self.support += other.support;
        self.implementer += other.implementer;
        self.recipient += other.recipient;
        self.files.extend(other.files.iter().copied());
    }
}

/// One drafted entry, in the registry file's field order.
#[derive(Serialize)]
struct DraftEntry {
    code: String,
    kind: OfficeKind,
    name: String,
    short_names: Vec<String>,
    aliases: Vec<String>,
    note: String,
}

/// The drafted registry file.
#[derive(Serialize)]
struct DraftFile {
    id: String,
    issuer: String,
    issuer_names: Vec<String>,
    description: String,
    entries: Vec<DraftEntry>,
}

/// The place an issuer names (`大竹县` in `大竹县人民政府办公室`), for stripping from unit names.
fn place_of(issuer: &str) -> Option<String> {
    let chars: Vec<char> = normalize_name(issuer).chars().collect();
    let end = chars.iter().position(|c| "省市县区州旗盟".contains(*c))?;
    (end >= 1).then(|| chars[..=end].iter().collect())
}

/// The part of a name that identifies the unit: a trailing 等, the issuer's place and a bare
/// administrative prefix removed (`大竹县教科局` → `教科局`).
fn core_of(name: &str, place: Option<&str>) -> String {
    let mut n = normalize_name(name);
    while let Some(stripped) = n.strip_suffix('等') {
        n = stripped.to_string();
    }
    if let Some(p) = place.filter(|p| n.len() > p.len()) {
        if let Some(rest) = n.strip_prefix(p) {
            n = rest.to_string();
        }
    }
    let mut chars = n.chars();
    match chars.next() {
        Some(c) if "省市县区州".contains(c) && chars.clone().count() >= 2 && !n.starts_with("市场") => {
            chars.collect()
        }
        _ => n,
    }
}

/// A code from a name's pinyin: lower-case ASCII, at most 40 characters.
fn code_of(id: &str, name: &str) -> String {
    use pinyin::ToPinyin;
    let mut out = String::new();
    for c in normalize_name(name).chars() {
        match c.to_pinyin() {
            Some(p) => out.push_str(p.plain()),
            None if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            None => {}
        }
    }
    out.truncate(40);
    if out.is_empty() {
        out.push('u');
    }
    format!("{id}.{out}")
}

fn kind_of(name: &str) -> OfficeKind {
    if name.starts_with('各') || name.contains("有关") || name.contains("相关") || name.contains("成员单位") {
        OfficeKind::Collective
    } else {
        OfficeKind::Office
    }
}

/// Drafts a registry (`id`, `issuer`) from converted notices: every office name they use that the
/// registry used for them did not know (code null), grouped and counted. `base`, when given,
/// groups names its entries already list under one entry, keeping its code and name.
pub fn draft_registry(
    id: &str,
    issuer: &str,
    docs: &[NoticeDocument],
    base: Option<&OfficeRegistry>,
) -> serde_json::Value {
    let place = place_of(issuer);
    // spelling → counts
    let mut spellings: BTreeMap<String, Seen> = BTreeMap::new();
    for (file, doc) in docs.iter().enumerate() {
        let mut note = |r: &OfficeRef, role: fn(&mut Seen) -> &mut usize| {
            if r.code.is_some() && base.is_none() {
                return;
            }
            let name = normalize_name(&r.name);
            if name.is_empty() {
                return;
            }
            let seen = spellings.entry(name).or_default();
            *role(seen) += 1;
            seen.files.insert(file);
        };
        for t in &doc.tasks {
            let measures = t.measures.iter();
            for r in t.lead_offices.iter().chain(measures.clone().flat_map(|m| &m.lead_offices)) {
                note(r, |s| &mut s.lead);
            }
            for r in t.support_offices.iter().chain(measures.clone().flat_map(|m| &m.support_offices)) {
                note(r, |s| &mut s.support);
            }
            for r in t.implementers.iter().chain(measures.flat_map(|m| &m.implementers)) {
                note(r, |s| &mut s.implementer);
            }
        }
        for r in &doc.notice.recipients {
            note(r, |s| &mut s.recipient);
        }
    }
    // Group key: the base registry's entry, else the name's core.
    let mut groups: BTreeMap<String, Vec<(String, Seen)>> = BTreeMap::new();
    for (spelling, seen) in spellings {
        let key = match base.and_then(|b| b.lookup(&spelling)) {
            Some(entry) => format!("\u{0}{}", entry.code),
            None => core_of(&spelling, place.as_deref()),
        };
        groups.entry(key).or_default().push((spelling, seen));
    }
    let mut entries: Vec<(usize, DraftEntry)> = Vec::new();
    let mut used_codes: BTreeMap<String, usize> = BTreeMap::new();
    for (key, mut members) in groups {
        // Commonest spelling first; among equals the longer, then the first in text order.
        members.sort_by(|a, b| {
            b.1.total().cmp(&a.1.total()).then(b.0.chars().count().cmp(&a.0.chars().count())).then(a.0.cmp(&b.0))
        });
        let mut seen = Seen::default();
        for (_, s) in &members {
            seen.add(s);
        }
        let base_entry = key.strip_prefix('\u{0}').and_then(|code| base?.entries().iter().find(|e| e.code == code));
        let (mut code, name, kind) = match base_entry {
            Some(e) => (e.code.clone(), e.name.clone(), e.kind),
            None => {
                let name = members[0].0.trim_end_matches('等').to_string();
                (code_of(id, &name), name.clone(), kind_of(&name))
            }
        };
        let n = used_codes.entry(code.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            code = format!("{code}-{n}");
        }
        let aliases: Vec<String> = members.iter().map(|(s, _)| s.clone()).filter(|s| *s != name).collect();
        let spelled: Vec<String> = members.iter().map(|(s, c)| format!("{s} ×{}", c.total())).collect();
        let note = format!(
            "draft, to confirm: seen {} time(s) in {} file(s) (lead {}, support {}, implementer {}, recipient {}){}{}",
            seen.total(),
            seen.files.len(),
            seen.lead,
            seen.support,
            seen.implementer,
            seen.recipient,
            if members.len() > 1 { format!("; grouped spellings: {}", spelled.join(", ")) } else { String::new() },
            if base_entry.is_some() { "; code and name from the base registry" } else { "" },
        );
        entries.push((seen.total(), DraftEntry { code, kind, name, short_names: Vec::new(), aliases, note }));
    }
    entries.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(&b.1.name)));
    let mut issuer_names = vec![issuer.to_string()];
    if let Some(p) = &place {
        for n in [p.clone(), format!("{p}人民政府")] {
            if !issuer_names.contains(&n) {
                issuer_names.push(n);
            }
        }
    }
    let file = DraftFile {
        id: id.to_string(),
        issuer: issuer.to_string(),
        issuer_names,
        description: format!(
            "Draft registry drafted by `notice-ingest offices collect` from {} notice(s): every unit name seen, with counts; spellings that differ only by a place prefix or a trailing 等 are grouped as aliases of the commonest. Codes are drafted from pinyin. Confirm every entry (merge, split, rename, set the kind) before use, and never change a code once published.",
            docs.len()
        ),
        entries: entries.into_iter().map(|(_, e)| e).collect(),
    };
    serde_json::to_value(file).expect("the draft serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_and_codes() {
        assert_eq!(core_of("大竹县教科局", Some("大竹县")), "教科局");
        assert_eq!(core_of("县教科局", Some("大竹县")), "教科局");
        assert_eq!(core_of("市卫生健康委等", None), "卫生健康委");
        assert_eq!(core_of("市场监管局", None), "市场监管局", "市场 is not a prefix");
        assert_eq!(place_of("大竹县人民政府办公室").as_deref(), Some("大竹县"));
        assert_eq!(code_of("dazhu", "县教科局"), "dazhu.xianjiaokeju");
    }
}
