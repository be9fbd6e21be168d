//! Column headers: which record field each ledger column (or paragraph-ledger label) fills.
//!
//! A header is read in three ways, in order:
//! 1. the synonym table (`src/data/headers.json`, `fields`): the words seen in real ledgers;
//! 2. its structure: the head noun it ends with says what kind of column it is (…任务/事项/实事 →
//!    the task, …措施/内容 → a measure, …领导 → leaders, …单位/部门 → units, …时限/时间/节点 → the
//!    deadline), and for unit columns the role words anywhere in it (牵头 → lead, 配合/协同/协作 →
//!    support, 实施/落实 → implementers);
//! 3. when a table's header row says nothing usable, the columns' content (see `columns::infer_columns`).
//!
//! A unit column with no role word (责任单位) leads unless another column of the same header names
//! the lead (牵头责任单位 beside 责任单位): then it supports. Every decision that is not a plain
//! synonym gets an info diagnostic naming the header and the role chosen.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::offices::normalize_name;

/// The header vocabulary compiled into the binary.
pub const DEFAULT_HEADERS_JSON: &str = include_str!("../data/headers.json");

/// Canonical fields a ledger column can fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Seq,
    Task,
    Measures,
    Leaders,
    LeadOffices,
    SupportOffices,
    Implementers,
    Deadline,
    Progress,
    Remarks,
}

impl Field {
    /// What the field is, in the words of a diagnostic.
    pub fn describe(self) -> &'static str {
        match self {
            Field::Seq => "the sequence number",
            Field::Task => "the task",
            Field::Measures => "the measures",
            Field::Leaders => "the leaders",
            Field::LeadOffices => "the lead units",
            Field::SupportOffices => "the supporting units",
            Field::Implementers => "the implementing units",
            Field::Deadline => "the deadline",
            Field::Progress => "progress (kept in extra)",
            Field::Remarks => "the remarks",
        }
    }
}

/// What one header says on its own, before the other headers of its row are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderRole {
    Field(Field),
    /// A unit column without a role word (责任单位): the lead, or support beside a named lead.
    UnmarkedUnits,
}

/// How a header was understood, for the diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    Synonym,
    /// By its head noun (and, for units, the role word found).
    Structure {
        head: String,
        modifier: Option<String>,
    },
}

#[derive(Deserialize)]
struct VocabularyFile {
    fields: BTreeMap<Field, Vec<String>>,
    heads: Heads,
    unit_roles: UnitRoles,
    metadata_keys: Vec<String>,
}

#[derive(Deserialize)]
struct Heads {
    seq: Vec<String>,
    leaders: Vec<String>,
    units: Vec<String>,
    deadline: Vec<String>,
    progress: Vec<String>,
    remarks: Vec<String>,
    measures: Vec<String>,
    task: Vec<String>,
}

#[derive(Deserialize)]
struct UnitRoles {
    lead: Vec<String>,
    support: Vec<String>,
    implementers: Vec<String>,
}

/// The kind of column a head noun names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Head {
    Field(Field),
    Units,
}

/// Header words: synonyms, head nouns, unit role words and the keys of metadata tables.
#[derive(Clone, Debug)]
pub struct HeaderVocabulary {
    /// (normalized synonym, field), longest synonym first.
    synonyms: Vec<(String, Field)>,
    /// (head noun, kind), longest first.
    heads: Vec<(String, Head)>,
    /// (role word, role), longest first; the role is one of the unit fields.
    unit_roles: Vec<(String, Field)>,
    metadata_keys: Vec<String>,
}

impl HeaderVocabulary {
    /// The built-in vocabulary.
    pub fn builtin() -> Self {
        Self::from_json(DEFAULT_HEADERS_JSON).expect("the built-in header table is valid")
    }

    /// Parses a vocabulary file (the format of `src/data/headers.json`).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let file: VocabularyFile = serde_json::from_str(text)?;
        let mut synonyms: Vec<(String, Field)> = file
            .fields
            .into_iter()
            .flat_map(|(f, names)| names.into_iter().map(move |n| (normalize_name(&n), f)))
            .collect();
        synonyms.sort_by(|a, b| by_length(&a.0, &b.0));
        let h = file.heads;
        let mut heads: Vec<(String, Head)> = Vec::new();
        for (words, head) in [
            (h.seq, Head::Field(Field::Seq)),
            (h.leaders, Head::Field(Field::Leaders)),
            (h.units, Head::Units),
            (h.deadline, Head::Field(Field::Deadline)),
            (h.progress, Head::Field(Field::Progress)),
            (h.remarks, Head::Field(Field::Remarks)),
            (h.measures, Head::Field(Field::Measures)),
            (h.task, Head::Field(Field::Task)),
        ] {
            heads.extend(words.into_iter().map(|w| (normalize_name(&w), head)));
        }
        heads.sort_by(|a, b| by_length(&a.0, &b.0));
        let r = file.unit_roles;
        let mut unit_roles: Vec<(String, Field)> = Vec::new();
        for (words, field) in
            [(r.lead, Field::LeadOffices), (r.support, Field::SupportOffices), (r.implementers, Field::Implementers)]
        {
            unit_roles.extend(words.into_iter().map(|w| (normalize_name(&w), field)));
        }
        unit_roles.sort_by(|a, b| by_length(&a.0, &b.0));
        let metadata_keys = file.metadata_keys.iter().map(|k| normalize_name(k)).collect();
        Ok(HeaderVocabulary { synonyms, heads, unit_roles, metadata_keys })
    }

    /// The field a header names on its own: a synonym, else its structure. `None` for a header
    /// that names no known field (资金来源), kept in the task's `extra`.
    #[cfg(test)]
    pub(crate) fn field_of(&self, header: &str) -> Option<Field> {
        self.read(header).map(|(role, _)| match role {
            HeaderRole::Field(f) => f,
            HeaderRole::UnmarkedUnits => Field::LeadOffices,
        })
    }

    /// Reads one header (or label): its role and how it was understood.
    pub(crate) fn read(&self, header: &str) -> Option<(HeaderRole, Reading)> {
        let h = strip_label_colon(&normalize_name(&super::strip_first_listed_notes(header)));
        if h.is_empty() || h.chars().count() > 24 {
            return None;
        }
        let synonym = self
            .synonyms
            .iter()
            .find(|(s, _)| *s == h)
            .or_else(|| self.synonyms.iter().find(|(s, _)| h.contains(s.as_str())))
            .map(|&(_, f)| f);
        if let Some(field) = synonym {
            // For unit columns the role words decide (协同责任单位 contains 责任单位 but
            // supports); a lead synonym without a role word (责任单位) is an unmarked unit column,
            // which beside a named lead supports.
            let role = match field {
                Field::LeadOffices | Field::SupportOffices | Field::Implementers => match self.unit_role(&h) {
                    Some((_, f)) => HeaderRole::Field(f),
                    None if field == Field::LeadOffices => HeaderRole::UnmarkedUnits,
                    None => HeaderRole::Field(field),
                },
                _ => HeaderRole::Field(field),
            };
            return Some((role, Reading::Synonym));
        }
        self.read_structure(&h)
    }

    /// The role of a header from its head noun and role words.
    fn read_structure(&self, h: &str) -> Option<(HeaderRole, Reading)> {
        // Brackets qualify the head (责任单位（牵头）): the head is read outside them, role words
        // anywhere.
        let outside = without_brackets(h);
        let (head, kind) = self.heads.iter().find(|(w, _)| outside.ends_with(w.as_str())).or_else(|| {
            // No head at the end (任务分解, 牵头单位及责任人): the head noun written last.
            self.heads
                .iter()
                .filter_map(|hw| outside.rfind(hw.0.as_str()).map(|at| (at + hw.0.len(), hw)))
                .max_by_key(|(end, _)| *end)
                .map(|(_, hw)| hw)
        })?;
        let role = match kind {
            Head::Field(f) => HeaderRole::Field(*f),
            Head::Units => match self.unit_role(h) {
                Some((_, f)) => HeaderRole::Field(f),
                None => HeaderRole::UnmarkedUnits,
            },
        };
        let modifier = match kind {
            Head::Units => self.unit_role(h).map(|(w, _)| w.to_string()),
            Head::Field(_) => None,
        };
        Some((role, Reading::Structure { head: head.clone(), modifier }))
    }

    /// The unit role a header's role words give, with the word: support words are checked first
    /// (协同责任单位 has no lead word; 牵头配合单位 does not occur).
    fn unit_role(&self, h: &str) -> Option<(&str, Field)> {
        let found = |field: Field| {
            self.unit_roles.iter().find(|(w, f)| *f == field && h.contains(w.as_str())).map(|(w, f)| (w.as_str(), *f))
        };
        found(Field::LeadOffices).or_else(|| found(Field::SupportOffices)).or_else(|| found(Field::Implementers))
    }

    /// Whether `text` (a cell, trailing colon allowed) is a key of an information-disclosure
    /// index table (索引号, 发布机构, 文号 …).
    pub(crate) fn is_metadata_key(&self, text: &str) -> bool {
        let t = strip_label_colon(&normalize_name(text));
        !t.is_empty() && self.metadata_keys.contains(&t)
    }
}

/// Longest first, then in text order: the order words are tried in.
fn by_length(a: &str, b: &str) -> std::cmp::Ordering {
    b.chars().count().cmp(&a.chars().count()).then(a.cmp(b))
}

/// A label's trailing colon removed (`牵头单位：` → `牵头单位`).
fn strip_label_colon(s: &str) -> String {
    s.trim_end_matches(['：', ':']).to_string()
}

/// The text outside any brackets.
fn without_brackets(s: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '（' | '(' | '【' | '[' => depth += 1,
            '）' | ')' | '】' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_come_first() {
        let h = HeaderVocabulary::builtin();
        assert_eq!(h.field_of("序 号"), Some(Field::Seq));
        assert_eq!(h.field_of("牵头处室"), Some(Field::LeadOffices));
        assert_eq!(h.field_of("责任单位(牵头处室)"), Some(Field::LeadOffices));
        assert_eq!(h.field_of("配合处室"), Some(Field::SupportOffices));
        assert_eq!(h.field_of("资金来源"), None);
        assert_eq!(h.field_of("重点工作"), Some(Field::Task));
        assert_eq!(h.field_of("完成期限"), Some(Field::Deadline));
        assert_eq!(h.field_of("工作举措"), Some(Field::Measures));
        assert_eq!(h.read("责任单位").map(|r| r.0), Some(HeaderRole::UnmarkedUnits));
        assert_eq!(h.read("牵头单位：").map(|r| r.0), Some(HeaderRole::Field(Field::LeadOffices)), "a label's colon");
    }

    #[test]
    fn structure_reads_what_no_synonym_lists() {
        let h = HeaderVocabulary::builtin();
        for (header, field) in [
            ("民生实事", Field::Task),
            ("目标与任务", Field::Task),
            ("项目名称", Field::Task),
            ("主要内容", Field::Measures),
            ("分管县领导", Field::Leaders),
            ("区政府分管领导", Field::Leaders),
            ("牵头负责领导", Field::Leaders),
            ("牵头责任单位", Field::LeadOffices),
            ("主要协作单位", Field::SupportOffices),
            ("协同责任单位", Field::SupportOffices),
            ("时间节点", Field::Deadline),
            ("完成时限及要求", Field::Deadline),
            ("工作进展", Field::Progress),
            ("具体实施单位", Field::Implementers),
        ] {
            assert_eq!(h.field_of(header), Some(field), "{header}");
        }
        assert_eq!(h.field_of("资金来源"), None);
        assert_eq!(h.field_of("考核指标"), None);
    }

    /// `fixtures/headers/cases.tsv`: real headers with the role a reader gives them. Lines of one
    /// source form one header row; a role `A/B` is A when the row has no column that takes A
    /// explicitly (a 牵头… column; an earlier task column), else B.
    #[test]
    fn header_spec() {
        let vocabulary = HeaderVocabulary::builtin();
        let spec = include_str!("../../fixtures/headers/cases.tsv");
        let mut rows: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for line in spec.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            let source = cols[2].split(" (").next().unwrap().to_string();
            match rows.last_mut() {
                Some((s, items)) if *s == source => items.push((cols[0].into(), cols[1].into())),
                _ => rows.push((source, vec![(cols[0].into(), cols[1].into())])),
            }
        }
        let field = |name: &str| match name {
            "extra" => None,
            other => Some(serde_json::from_value::<Field>(serde_json::Value::String(other.into())).unwrap()),
        };
        let mut failures = Vec::new();
        let mut checked = 0;
        for (source, items) in &rows {
            let headers: Vec<&str> = items.iter().map(|(h, _)| h.as_str()).collect();
            let got = vocabulary.read_row(&headers);
            for (i, (header, role)) in items.iter().enumerate() {
                let want = match role.split_once('/') {
                    None => field(role),
                    Some((alone, beside)) => {
                        let taken = items.iter().enumerate().any(|(j, (h, r))| {
                            j != i
                                && !r.contains('/')
                                && field(r) == field(alone)
                                && (j < i || field(alone) != Some(Field::Task))
                                && !h.is_empty()
                        });
                        field(if taken { beside } else { alone })
                    }
                };
                checked += 1;
                if got[i] != want {
                    failures.push(format!(
                        "{source}: {header:?} read as {:?}, expected {want:?} (row {headers:?})",
                        got[i]
                    ));
                }
            }
        }
        assert!(checked >= 60, "{checked} headers in the spec");
        assert!(failures.is_empty(), "{} of {checked} headers misread:\n{}", failures.len(), failures.join("\n"));
    }

    #[test]
    fn metadata_keys() {
        let h = HeaderVocabulary::builtin();
        assert!(h.is_metadata_key("索引号："));
        assert!(h.is_metadata_key("发布机构"));
        assert!(!h.is_metadata_key("序号"));
    }
}
