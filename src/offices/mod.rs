//! Stage 5, `offices`: the office registry, the splitter for joined cells, role words, and name
//! normalization. Personal names (leaders) are not offices: see [`crate::people`].
//!
//! An [`OfficeRegistry`] is data (a JSON file, see `src/data/registries/`): every office and unit
//! an issuer's notices name, with a stable ASCII code, the canonical full name, short names and
//! aliases. [`OfficeRegistry::split`] turns a cell such as `基教处 高教处 职教处` or
//! `基教处高教处职成处` into [`OfficeRef`]s in the order written, and reports aliases, unknown
//! names (with the nearest known names) and duplicates as diagnostics: nothing is dropped silently.

mod draft;

pub use draft::draft_registry;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diag::{quote, Diagnostic, Location};

/// The registry compiled into the binary: the Education Department of Gansu Province.
pub const DEFAULT_REGISTRY_JSON: &str = include_str!("../data/registries/gansu-jyt.json");

/// Every registry compiled into the binary, as (id, JSON). A notice's issuer picks one.
pub const BUILTIN_REGISTRIES: &[(&str, &str)] = &[("gansu-jyt", DEFAULT_REGISTRY_JSON)];

/// What kind of body a registry entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OfficeKind {
    /// An internal office (处室) of the issuing department.
    Office,
    /// A unit affiliated to the department with its own identity (e.g. 教育考试院).
    AffiliatedUnit,
    /// A school, university or other institution.
    Institution,
    /// A collective such as 各高等学校 or 厅机关各处室.
    Collective,
    /// A body outside the department (a ministry, a government, another bureau).
    External,
}

impl OfficeKind {
    /// The kebab-case name used in JSON and SQLite.
    pub fn as_str(self) -> &'static str {
        match self {
            OfficeKind::Office => "office",
            OfficeKind::AffiliatedUnit => "affiliated-unit",
            OfficeKind::Institution => "institution",
            OfficeKind::Collective => "collective",
            OfficeKind::External => "external",
        }
    }
}

/// One body in a registry, as written in the registry file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeEntry {
    pub code: String,
    pub kind: OfficeKind,
    /// Canonical full name.
    pub name: String,
    /// Usual abbreviations; using one is not remarked on.
    #[serde(default)]
    pub short_names: Vec<String>,
    /// Other names for the same body (old names, variant spellings); using one is an info diagnostic.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Where the entry comes from and how sure it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The registry file as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct RegistryFile {
    id: String,
    issuer: String,
    /// Names of the issuer that may prefix an office name (`省教育厅发展规划处`).
    #[serde(default)]
    issuer_names: Vec<String>,
    #[serde(default)]
    description: Option<String>,
    entries: Vec<OfficeEntry>,
}

/// A reference to an office or unit as found in a cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeRef {
    /// Stable ASCII code from the registry; `None` when the registry does not know the name.
    pub code: Option<String>,
    /// Canonical full name; for an unknown name, the name as written.
    pub name: String,
    /// Exactly as written in the source, markers included.
    pub raw: String,
    pub kind: Option<OfficeKind>,
    /// A role marker written with the name, e.g. `牵头` in `基教处（牵头）`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// Why a registry could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error("cannot read registry {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("registry {origin} is not valid registry JSON: {source}")]
    Json { origin: String, source: serde_json::Error },
    #[error("registry {origin}: entry {index} has code {code:?}; codes must be non-empty lower-case ASCII letters, digits, '.', '-' or '_'")]
    BadCode { origin: String, index: usize, code: String },
    #[error("registry {origin}: code {code:?} is used by more than one entry")]
    DuplicateCode { origin: String, code: String },
    #[error("registry {origin}: the name {name:?} belongs to both {first} and {second}")]
    AmbiguousName { origin: String, name: String, first: String, second: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameUse {
    Canonical,
    Short,
    Alias,
}

/// The role-word table compiled into the binary (see its `description`).
pub const ROLES_JSON: &str = include_str!("../data/roles.json");

/// What a role marker says about the unit it follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerRole {
    Lead,
    Support,
    /// A marker that names no role (`负责`).
    Neutral,
}

#[derive(serde::Deserialize)]
struct RoleWords {
    lead_markers: Vec<String>,
    support_markers: Vec<String>,
    neutral_markers: Vec<String>,
    duty_phrases: Vec<String>,
    lead_verbs: Vec<String>,
    support_verbs: Vec<String>,
}

fn role_words() -> &'static RoleWords {
    static WORDS: std::sync::OnceLock<RoleWords> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let mut w: RoleWords = serde_json::from_str(ROLES_JSON).expect("the built-in role table is valid");
        // Longest first, so 按照职责分工负责 wins over 分工负责-like tails.
        w.duty_phrases.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
        w.lead_verbs.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
        w.support_verbs.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
        w
    })
}

/// What one clause of a responsibility sentence says (`市发改委牵头`, `市财政局配合`,
/// `各县区按职责分工负责`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clause {
    /// Units that lead: the text before the lead verb.
    Lead(String),
    /// Units that support: the text before the support verb.
    Support(String),
    /// Units under a duty phrase: the clause whole (the splitter marks the phrase).
    Duty(String),
}

/// Reads a clause of a responsibility sentence by the verb it ends with (`src/data/roles.json`:
/// `lead_verbs`, `support_verbs`, `duty_phrases`). `None` when it ends with none, or names no unit.
pub fn read_clause(clause: &str) -> Option<Clause> {
    let c = normalize_name(clause);
    let c = c.trim_end_matches(['。', '；', ';', '，', ',']);
    let w = role_words();
    if w.duty_phrases.iter().any(|p| c.ends_with(p.as_str())) {
        return split_duty_phrase(c).filter(|(head, _)| !head.is_empty()).map(|_| Clause::Duty(c.to_string()));
    }
    let head = |verbs: &[String]| {
        verbs.iter().find_map(|v| c.strip_suffix(v.as_str())).map(str::to_string).filter(|h| h.chars().count() >= 2)
    };
    head(&w.lead_verbs).map(Clause::Lead).or_else(|| head(&w.support_verbs).map(Clause::Support))
}

/// Adds `reference` unless the cell already named the same body (same code, or same name when
/// unknown); a repeat raises a `duplicate-office` warning. Returns the index the name went to.
fn push_once(
    refs: &mut Vec<OfficeRef>,
    seen: &mut HashMap<String, usize>,
    reference: OfficeRef,
    location: &Location,
    diags: &mut Vec<Diagnostic>,
) -> usize {
    let key = reference.code.clone().unwrap_or_else(|| format!("?{}", reference.name));
    if let Some(&first) = seen.get(&key) {
        diags.push(Diagnostic::warning(
            "duplicate-office",
            format!(
                "{} names {} again in the same cell (first written {}); it is listed once",
                quote(&reference.raw, 40),
                quote(&reference.name, 40),
                quote(&refs[first].raw, 40)
            ),
            location.clone(),
        ));
        return first;
    }
    seen.insert(key, refs.len());
    refs.push(reference);
    refs.len() - 1
}

/// The role a marker (the text inside the brackets, e.g. `牵头`) gives; `None` when the text is
/// not a role marker at all.
pub fn marker_role(marker: &str) -> Option<MarkerRole> {
    let w = role_words();
    let is = |list: &[String]| list.iter().any(|m| m == marker);
    if is(&w.lead_markers) {
        Some(MarkerRole::Lead)
    } else if is(&w.support_markers) {
        Some(MarkerRole::Support)
    } else if is(&w.neutral_markers) {
        Some(MarkerRole::Neutral)
    } else {
        None
    }
}

/// If `token` ends with a duty phrase (`按职责分工负责`), plain or in brackets, returns (the text
/// before it, the phrase).
fn split_duty_phrase(token: &str) -> Option<(String, String)> {
    let key = normalize_name(token);
    let bare = key.strip_suffix('）').and_then(|b| b.rfind('（').map(|open| (b, open)));
    for phrase in &role_words().duty_phrases {
        if let Some((b, open)) = bare {
            if &b[open + '（'.len_utf8()..] == phrase.as_str() {
                return Some((b[..open].to_string(), phrase.clone()));
            }
        }
        if let Some(head) = key.strip_suffix(phrase.as_str()) {
            return Some((head.to_string(), phrase.clone()));
        }
    }
    None
}

/// Endings of unit names, used to cut a run of unknown names that has no separators.
const NAME_SUFFIXES: &[&str] = &[
    "处",
    "办",
    "室",
    "院",
    "中心",
    "局",
    "厅",
    "部",
    "部门",
    "委",
    "会",
    "校",
    "单位",
    "所",
    "站",
    "馆",
    "队",
    "组",
    "司",
    "府",
    "科",
    "幼儿园",
    "产业园",
    "工业园",
    "专班",
    "街道",
    "社区",
    "集团",
    "公司",
    "企业",
];

/// Words that end like a unit name but are none (人力资源社会保障局 is not cut after 社会).
const NOT_NAME_ENDINGS: &[&str] = &["社会", "大会", "全会", "机会", "都会"];

/// Words a cut between unit names never splits, although they contain a unit-name ending.
const UNBREAKABLE_WORDS: &[&str] = &[
    "办公室",
    "院校",
    "委员会",
    "处室", // a unit ending inside a word
    "部门",
    "委会",
    "区直",
    "县直",
    "市直",
    "区县",
    "县区",
    "县市",
    "委属",
    "委管",
    "厅属",
    "厅管",
    "局属",
    "部属",
    "省属",
    "市属",
    "校属", // 委属委管各单位: belonging to, not a name's end
];

/// Words that end unit names but are no name alone: they need the place or body before them
/// (滁州经开区管委会, 区政府办公室, 市级各有关部门).
const GENERIC_WORDS: &[&str] = &[
    "管委会",
    "管理委员会",
    "办公室",
    "委员会",
    "指挥部",
    "办事处",
    "领导小组",
    "工作组",
    "有关部门",
    "有关单位",
    "相关部门",
    "相关单位",
    "成员单位",
    "政府",
    "人民政府",
    "部门",
    "单位",
];

/// Whether `piece` (brackets and a trailing 等 aside) is one of the [`GENERIC_WORDS`].
fn is_generic(piece: &str) -> bool {
    let bare = split_trailing_group(piece).map_or_else(|| normalize_name(piece), |(outer, _)| outer);
    GENERIC_WORDS.contains(&bare.trim_end_matches('等'))
}

/// `各成员单位`, `各处室`, `各有关部门`: the members of the body named before them (区安委会各成员
/// 单位 is one collective), not places of their own (各县市区政府, 各街道).
fn is_member_collective(piece: &[char]) -> bool {
    const MEMBERS: &[&str] = &["成员单位", "处室", "科室", "部门", "单位", "专班", "小组", "站所", "中队"];
    let text: String = piece.iter().collect();
    piece.first() == Some(&'各')
        && MEMBERS.iter().any(|m| text.ends_with(m))
        && !text.chars().any(|c| "省市州县区乡镇街道".contains(c))
}

/// Endings of units that belong to the body named before them (市生态环境局咸安分局): a cut
/// before such a piece splits one unit in two.
const SUB_UNIT_ENDINGS: &[&str] = &["分局", "分院", "分校", "分中心", "分公司", "分会", "支队", "大队", "中队", "分所"];

/// Connectives that may stand between two names without being part of either.
const GLUE: &[char] = &['和', '及', '与'];

/// Longest piece the segmentation considers, in characters; a longer run stays whole.
const MAX_PIECE_CHARS: usize = 48;
/// Tokens longer than this are not segmented (kept whole) to bound the work on hostile input.
const MAX_SEGMENTED_CHARS: usize = 400;
/// Cells longer than this are split at separators only, with a warning: no office cell of a real
/// ledger comes near it, and it bounds the segmentation work per cell.
const MAX_SEGMENTED_CELL_CHARS: usize = 2000;

/// Offices and units of one issuer, with every name they go by.
#[derive(Clone, Debug)]
pub struct OfficeRegistry {
    id: String,
    issuer: String,
    issuer_prefixes: Vec<Vec<char>>,
    entries: Vec<OfficeEntry>,
    /// Normalized name → (entry index, how the name relates to the entry).
    names: HashMap<String, (usize, NameUse)>,
    /// Longest text, in characters, that can name an entry: longest name, issuer prefix and a
    /// bracketed marker or alias. Longer pieces are not looked up.
    max_lookup_chars: usize,
    /// Last characters of every known name: a piece ending otherwise is not looked up.
    name_endings: std::collections::HashSet<char>,
    /// True for the stand-in used when no registry covers the notice's issuer: names are split
    /// at separators and unit-name endings and kept with code null, without one diagnostic each.
    unregistered: bool,
}

impl OfficeRegistry {
    /// Every registry compiled into the binary (see [`BUILTIN_REGISTRIES`]).
    pub fn builtin_all() -> Vec<Self> {
        BUILTIN_REGISTRIES
            .iter()
            .map(|(id, json)| Self::from_json(json, &format!("builtin:{id}")).expect("built-in registries are valid"))
            .collect()
    }

    /// The default built-in registry (甘肃省教育厅).
    pub fn builtin() -> Self {
        Self::from_json(DEFAULT_REGISTRY_JSON, "builtin:gansu-jyt").expect("the built-in registry is valid")
    }

    /// Loads a registry file (see the README for its format).
    pub fn from_path(path: &Path) -> Result<Self, OfficeError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| OfficeError::Io { path: path.to_path_buf(), source })?;
        Self::from_json(&text, &path.display().to_string())
    }

    /// Parses and checks a registry: codes well-formed and unique, no name shared by two entries.
    /// `origin` names the registry in error messages.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, OfficeError> {
        let file: RegistryFile =
            serde_json::from_str(text).map_err(|source| OfficeError::Json { origin: origin.to_string(), source })?;
        let mut names: HashMap<String, (usize, NameUse)> = HashMap::new();
        let mut codes: HashMap<&str, usize> = HashMap::new();
        for (index, entry) in file.entries.iter().enumerate() {
            let good = !entry.code.is_empty()
                && entry.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
            if !good {
                return Err(OfficeError::BadCode { origin: origin.to_string(), index, code: entry.code.clone() });
            }
            if codes.insert(&entry.code, index).is_some() {
                return Err(OfficeError::DuplicateCode { origin: origin.to_string(), code: entry.code.clone() });
            }
            let all = std::iter::once((&entry.name, NameUse::Canonical))
                .chain(entry.short_names.iter().map(|n| (n, NameUse::Short)))
                .chain(entry.aliases.iter().map(|n| (n, NameUse::Alias)));
            for (name, usage) in all {
                let key = normalize_name(name);
                match names.get(&key) {
                    Some(&(other, _)) if other != index => {
                        return Err(OfficeError::AmbiguousName {
                            origin: origin.to_string(),
                            name: name.clone(),
                            first: file.entries[other].code.clone(),
                            second: entry.code.clone(),
                        })
                    }
                    Some(_) => {}
                    None => {
                        names.insert(key, (index, usage));
                    }
                }
            }
        }
        let mut issuer_prefixes: Vec<Vec<char>> =
            file.issuer_names.iter().map(|n| normalize_name(n).chars().collect()).collect();
        issuer_prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
        let longest_name = names.keys().map(|k| k.chars().count()).max().unwrap_or(0);
        let longest_prefix = issuer_prefixes.first().map_or(0, Vec::len);
        let max_lookup_chars = 2 * longest_name + longest_prefix + 2;
        let name_endings = names.keys().filter_map(|k| k.chars().last()).collect();
        Ok(OfficeRegistry {
            id: file.id,
            issuer: file.issuer,
            issuer_prefixes,
            entries: file.entries,
            names,
            max_lookup_chars,
            name_endings,
            unregistered: false,
        })
    }

    /// The stand-in registry for an issuer no registry covers (id `none`): every name is kept
    /// with code null. The caller reports that once for the notice.
    pub fn unregistered(issuer: Option<&str>) -> Self {
        let file = serde_json::json!({
            "id": "none",
            "issuer": issuer.unwrap_or(""),
            "issuer_names": issuer.into_iter().collect::<Vec<_>>(),
            "entries": [],
        });
        let mut registry =
            Self::from_json(&file.to_string(), "unregistered").expect("an empty registry is always valid");
        registry.unregistered = true;
        registry
    }

    /// True for the stand-in made by [`OfficeRegistry::unregistered`].
    pub fn is_unregistered(&self) -> bool {
        self.unregistered
    }

    /// Whether this registry covers notices from `issuer` as written at the head of a notice: the
    /// issuer line names this registry's issuer (whitespace ignored), alone or among joint issuers.
    pub fn covers_issuer(&self, issuer: &str) -> bool {
        !self.unregistered && !self.issuer.is_empty() && normalize_name(issuer).contains(&normalize_name(&self.issuer))
    }

    /// The registry's identifier, e.g. `gansu-jyt`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The issuer whose offices this registry lists.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Every entry in file order.
    pub fn entries(&self) -> &[OfficeEntry] {
        &self.entries
    }

    /// Finds the entry for one name exactly as written (whitespace and bracket width ignored).
    pub fn lookup(&self, name: &str) -> Option<&OfficeEntry> {
        self.names.get(&normalize_name(name)).map(|&(i, _)| &self.entries[i])
    }

    /// Splits a cell into office references in the order written. `location` is attached to every
    /// diagnostic raised: alias used (info), unknown name (warning, naming the nearest known names),
    /// duplicate (warning; the repeat is not emitted twice), stray role marker (warning).
    pub fn split(&self, cell: &str, location: &Location) -> (Vec<OfficeRef>, Vec<Diagnostic>) {
        let mut refs: Vec<OfficeRef> = Vec::new();
        let mut diags = Vec::new();
        let cell_chars = cell.chars().count();
        let segmenting = cell_chars <= MAX_SEGMENTED_CELL_CHARS;
        if !segmenting {
            diags.push(Diagnostic::warning(
                "long-office-cell",
                format!(
                    "an office cell of {cell_chars} characters (limit {MAX_SEGMENTED_CELL_CHARS}) is split at separators only; names written together stay together"
                ),
                location.clone(),
            ));
        }
        // Code (or unknown name) → index in `refs`, and the ref the last name went to.
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut last: Option<usize> = None;
        for token in split_separators(cell) {
            // `厅机关各处室按职责分工负责`: the phrase assigns the work by duties and names no lead.
            if let Some((head, phrase)) = split_duty_phrase(&token) {
                diags.push(Diagnostic::warning(
                    "duty-phrase",
                    format!(
                        "{} says {phrase:?}: each unit works by its own duties and no single lead is named; {}",
                        quote(&token, 40),
                        if head.is_empty() {
                            "the phrase names no unit".to_string()
                        } else {
                            format!("{head:?} is listed with the phrase as its marker")
                        }
                    ),
                    location.clone(),
                ));
                if head.is_empty() {
                    last = None;
                    continue;
                }
                // The phrase governs every name before it: each keeps its own name as `raw` and
                // the phrase as its marker.
                let names = if segmenting { self.segment(&head) } else { vec![head] };
                for name in names {
                    for mut reference in self.resolve(&name, location, &mut diags) {
                        reference.marker = Some(phrase.clone());
                        push_once(&mut refs, &mut seen, reference, location, &mut diags);
                    }
                }
                last = None;
                continue;
            }
            let segments = if segmenting { self.segment(&token) } else { vec![token] };
            for segment in segments {
                if let Some(marker) = role_marker_of_group(&segment) {
                    match last.and_then(|i| refs.get_mut(i)) {
                        Some(prev) if prev.marker.is_none() => {
                            prev.raw.push_str(&segment);
                            prev.marker = Some(marker);
                        }
                        _ => diags.push(Diagnostic::warning(
                            "stray-role-marker",
                            format!("role marker {segment:?} in {} follows no office name; ignored", quote(cell, 40)),
                            location.clone(),
                        )),
                    }
                    last = None;
                    continue;
                }
                for reference in self.resolve(&segment, location, &mut diags) {
                    last = Some(push_once(&mut refs, &mut seen, reference, location, &mut diags));
                }
            }
        }
        (refs, diags)
    }

    /// Resolves one segment (one name, possibly with a bracketed marker or a bracketed second
    /// name) to references: usually one; two when the brackets hold a different known office.
    fn resolve(&self, raw: &str, location: &Location, diags: &mut Vec<Diagnostic>) -> Vec<OfficeRef> {
        let (name_part, marker) = split_trailing_marker(raw);
        let known = |index: usize, usage: NameUse, written: &str, diags: &mut Vec<Diagnostic>| {
            let entry = &self.entries[index];
            if usage == NameUse::Alias {
                diags.push(Diagnostic::info(
                    "office-alias",
                    format!("{raw:?} uses the alias {written:?} of {}; resolved to {}", entry.name, entry.code),
                    location.clone(),
                ));
            }
            OfficeRef {
                code: Some(entry.code.clone()),
                name: entry.name.clone(),
                raw: raw.to_string(),
                kind: Some(entry.kind),
                marker: marker.clone(),
            }
        };
        if let Some((index, usage, written)) = self.lookup_candidates(&name_part) {
            return vec![known(index, usage, &written, diags)];
        }
        // `组织处（统战处）`: a second name in brackets, usually another name of the same body.
        if let Some((outer, inner)) = split_trailing_group(&name_part) {
            match (self.lookup_candidates(&outer), self.lookup_candidates(&inner)) {
                (Some(o), Some(i)) if o.0 == i.0 => return vec![known(o.0, o.1, &o.2, diags)],
                (Some(o), Some(i)) => {
                    diags.push(Diagnostic::warning(
                        "bracketed-office",
                        format!(
                            "{raw:?} names {} and, in brackets, {}: both are listed",
                            self.entries[o.0].name, self.entries[i.0].name
                        ),
                        location.clone(),
                    ));
                    return vec![known(o.0, o.1, &o.2, diags), known(i.0, i.1, &i.2, diags)];
                }
                (Some(o), None) => {
                    diags.push(Diagnostic::info(
                        "bracketed-name",
                        format!(
                            "{raw:?}: the bracketed {inner:?} is not in registry {}; read as another name of {}",
                            self.id, self.entries[o.0].name
                        ),
                        location.clone(),
                    ));
                    return vec![known(o.0, o.1, &o.2, diags)];
                }
                (None, Some(i)) => {
                    diags.push(Diagnostic::warning(
                        "bracketed-name",
                        format!(
                            "{raw:?}: {outer:?} is not in registry {}; resolved by the bracketed {}",
                            self.id, self.entries[i.0].name
                        ),
                        location.clone(),
                    ));
                    return vec![known(i.0, i.1, &i.2, diags)];
                }
                (None, None) => {}
            }
        }
        if self.unregistered {
            return vec![OfficeRef { code: None, name: name_part, raw: raw.to_string(), kind: None, marker }];
        }
        // A piece far longer than any name is not compared with every name (that would cost
        // its length times the registry's size for nothing).
        let nearest =
            if name_part.chars().count() <= MAX_PIECE_CHARS { self.nearest_names(&name_part, 3) } else { Vec::new() };
        let hint = if nearest.is_empty() {
            "no similar name is known".to_string()
        } else {
            format!("nearest known: {}", nearest.join(", "))
        };
        diags.push(Diagnostic::warning(
            "unknown-office",
            format!("{} is not in registry {}; kept with code null ({hint})", quote(raw, 40), self.id),
            location.clone(),
        ));
        vec![OfficeRef { code: None, name: name_part, raw: raw.to_string(), kind: None, marker }]
    }

    /// Tries the name as written and without an issuer prefix.
    fn lookup_candidates(&self, name: &str) -> Option<(usize, NameUse, String)> {
        let key = normalize_name(name);
        let mut tries = vec![key.clone()];
        if let Some(rest) = self.strip_issuer_prefix(&key) {
            tries.push(rest);
        }
        tries.into_iter().find_map(|k| self.names.get(&k).map(|&(i, u)| (i, u, k)))
    }

    /// Whether `name` resolves, directly or through a bracketed second name.
    fn resolves(&self, name: &str) -> bool {
        self.lookup_candidates(name).is_some()
            || split_trailing_group(name)
                .is_some_and(|(o, i)| self.lookup_candidates(&o).is_some() || self.lookup_candidates(&i).is_some())
    }

    fn strip_issuer_prefix(&self, key: &str) -> Option<String> {
        let chars: Vec<char> = key.chars().collect();
        self.issuer_prefixes.iter().find_map(|p| {
            (chars.len() > p.len()
                && chars.starts_with(p)
                && self.names.contains_key(&chars[p.len()..].iter().collect::<String>()))
            .then(|| chars[p.len()..].iter().collect())
        })
    }

    /// Known canonical names most similar to `name` (character-bigram Dice similarity), best first.
    pub fn nearest_names(&self, name: &str, limit: usize) -> Vec<String> {
        let target = bigrams(&normalize_name(name));
        let mut scored: Vec<(u32, &str)> = self
            .names
            .iter()
            .filter_map(|(key, &(i, _))| {
                let b = bigrams(key);
                let common = target.iter().filter(|g| b.contains(g)).count();
                let score = (200 * common / (target.len() + b.len()).max(1)) as u32;
                (score >= 30).then_some((score, self.entries[i].name.as_str()))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let mut out: Vec<String> = Vec::new();
        for (_, n) in scored {
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
            if out.len() == limit {
                break;
            }
        }
        out
    }

    /// Cuts a token with no separators into names. Registry names (optionally after an issuer
    /// prefix) are preferred; the rest is cut into unknown names after unit-name endings
    /// (处, 办, 中心, …), never inside brackets or inside a word such as 办公室 or 院校. Among
    /// cuts that leave the same text unknown, the one with more well-formed names wins.
    fn segment(&self, token: &str) -> Vec<String> {
        let chars: Vec<char> = token.chars().collect();
        let n = chars.len();
        if n <= 1 || n > MAX_SEGMENTED_CHARS || self.resolves(token) {
            return vec![token.to_string()];
        }
        let cuttable = cut_points(&chars);
        // best[i]: cheapest segmentation of chars[..i] as (cost, previous cut, glue?). Issuer
        // prefixes (`省教育厅发展规划处`) are handled by the lookup of each piece.
        let mut best: Vec<Option<(Cost, usize, bool)>> = vec![None; n + 1];
        best[0] = Some((Cost::default(), 0, false));
        for end in 1..=n {
            if !cuttable[end] {
                continue;
            }
            for start in end.saturating_sub(MAX_PIECE_CHARS)..end {
                let Some((base, _, _)) = best[start] else { continue };
                if !cuttable[start] {
                    continue;
                }
                let len = end - start;
                let glue = len == 1 && GLUE.contains(&chars[start]) && start > 0 && end < n;
                let last = chars[end - 1];
                let bracketed = matches!(last, '）' | ')');
                let cost = if glue {
                    Cost::default()
                } else {
                    // Strings are built only for pieces that could name a registry entry or end
                    // in brackets; everything else is judged on the characters.
                    let piece = || chars[start..end].iter().collect::<String>();
                    let could_be_known =
                        len <= self.max_lookup_chars && (bracketed || self.name_endings.contains(&last));
                    let known = could_be_known && {
                        let p = piece();
                        self.resolves(&strip_marker_text(&p)) || role_marker_of_group(&p).is_some()
                    };
                    if known {
                        // A generic name (办公室) right after other text belongs to that text's
                        // body (区政府办公室 is not the registry's 办公室).
                        let carved = start > 0 && is_generic(&piece());
                        Cost { split_collectives: usize::from(carved), segments: 1, ..Cost::default() }
                    } else {
                        let well_formed = if bracketed {
                            let name = strip_marker_text(&piece());
                            has_name_suffix(&name) && name.chars().count() >= 3 && !is_generic(&name)
                        } else {
                            // A trailing 等 (市卫生健康委等) leaves the name's ending as it is.
                            let name = &chars[start..end];
                            let name = name.strip_suffix(&['等']).unwrap_or(name);
                            name.len() >= 3 && ends_with_name_suffix(name) && !is_generic(&piece())
                        };
                        // `X各Y` (区安委会各成员单位) is one collective, `X局Y分局` one unit: a cut
                        // before 各 or before a branch splits it.
                        // `县政府园区发展服务中心`: a body of the government named before it, unless
                        // the next name starts a place or collective of its own (区教育局, 各乡镇).
                        let after_government = start >= 2
                            && chars[start - 2..start] == ['政', '府']
                            && !"省市县区乡镇各".contains(chars[start]);
                        let splits_collective = after_government
                            || start > 0
                                && !GLUE.contains(&chars[start - 1])
                                && (is_member_collective(&chars[start..end])
                                    || SUB_UNIT_ENDINGS.iter().any(|e| piece().ends_with(e)));
                        // A name does not start with a connective (及各县市区政府).
                        let well_formed = well_formed && !GLUE.contains(&chars[start]);
                        Cost {
                            unsuffixed: usize::from(!well_formed),
                            split_collectives: usize::from(splits_collective),
                            unknown_chars: len,
                            fewer_names: -1,
                            segments: 1,
                        }
                    }
                };
                let total = base.add(cost);
                if best[end].is_none_or(|(b, _, _)| total < b) {
                    best[end] = Some((total, start, glue));
                }
            }
        }
        if best[n].is_none() {
            // Brackets longer than a piece can be: no cut is possible.
            return vec![token.to_string()];
        }
        let mut pieces: Vec<String> = Vec::new();
        let mut end = n;
        while end > 0 {
            let (_, start, glue) = best[end].expect("every cut on the best path is reachable");
            if !glue {
                pieces.push(chars[start..end].iter().collect());
            }
            end = start;
        }
        pieces.reverse();
        pieces
    }
}

/// Cost of a segmentation, compared field by field in order: unknown pieces that do not look
/// like names (so a registry name is not carved out of the end of an unknown one, as 办公室 from
/// 某某办公室, and no generic word such as 管委会 stands alone), then unknown pieces cut off before
/// 各 (a collective `X各Y` split in two), then unknown text, then (negated) the number of unknown names, so that more
/// well-formed names win, then the number of pieces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Cost {
    unsuffixed: usize,
    split_collectives: usize,
    unknown_chars: usize,
    fewer_names: i64,
    segments: usize,
}

impl Cost {
    fn add(self, o: Cost) -> Cost {
        Cost {
            unknown_chars: self.unknown_chars + o.unknown_chars,
            unsuffixed: self.unsuffixed + o.unsuffixed,
            split_collectives: self.split_collectives + o.split_collectives,
            fewer_names: self.fewer_names + o.fewer_names,
            segments: self.segments + o.segments,
        }
    }
}

/// `cut[i]` is true when a segment may start or end before `chars[i]`: outside brackets and
/// not inside one of the [`UNBREAKABLE_WORDS`].
fn cut_points(chars: &[char]) -> Vec<bool> {
    let mut depth = 0usize;
    let mut cut = vec![true; chars.len() + 1];
    for (i, &c) in chars.iter().enumerate() {
        cut[i] = depth == 0;
        if is_open_bracket(c) {
            depth += 1;
        } else if is_close_bracket(c) {
            depth = depth.saturating_sub(1);
        }
    }
    // `等` belongs to the names around it: 市卫生健康委等, 区司法局等有关部门.
    for (i, &c) in chars.iter().enumerate() {
        if c == '等' {
            cut[i] = false;
            cut[i + 1] = i + 1 == chars.len();
        }
    }
    for word in UNBREAKABLE_WORDS {
        let w: Vec<char> = word.chars().collect();
        for start in 0..chars.len().saturating_sub(w.len() - 1) {
            if chars[start..].starts_with(&w) {
                cut[start + 1..start + w.len()].iter_mut().for_each(|c| *c = false);
            }
        }
    }
    cut[chars.len()] = true;
    cut
}

/// Opening brackets of every width and shape notices use: （ ( 〔 ［ [ 【.
pub fn is_open_bracket(c: char) -> bool {
    matches!(c, '（' | '(' | '〔' | '［' | '[' | '【')
}

/// Closing brackets matching [`is_open_bracket`].
pub fn is_close_bracket(c: char) -> bool {
    matches!(c, '）' | ')' | '〕' | '］' | ']' | '】')
}

/// Whether `piece` ends with one of the [`NAME_SUFFIXES`] (and not with one of the
/// [`NOT_NAME_ENDINGS`]).
fn ends_with_name_suffix(piece: &[char]) -> bool {
    let ends = |s: &&str| {
        let n = s.chars().count();
        piece.len() >= n && piece[piece.len() - n..].iter().copied().eq(s.chars())
    };
    NAME_SUFFIXES.iter().any(ends) && !NOT_NAME_ENDINGS.iter().any(ends)
}

/// Whether `name` ends like a unit name (处, 办, 中心, …), a bracketed alias aside.
pub fn has_name_suffix(name: &str) -> bool {
    let bare = split_trailing_group(name).map_or_else(|| name.to_string(), |(outer, _)| outer);
    let chars: Vec<char> = bare.chars().collect();
    ends_with_name_suffix(&chars)
}

/// Splits a cell at separators outside brackets: whitespace of any width, 、 ， , ； ; / 。 and
/// line breaks. A bracket group standing alone after a separator stays its own token. A collective
/// that lists administrative levels with 、 (`各县、市、区政府`, `省、市、县教育部门`) stays whole:
/// a bare level (`各县`, `市`) followed by 、 joins the token after it.
pub fn split_separators(cell: &str) -> Vec<String> {
    // (token, the separator that ended it)
    let mut tokens: Vec<(String, Option<char>)> = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in cell.chars() {
        if is_open_bracket(c) {
            depth += 1;
        } else if is_close_bracket(c) {
            depth = depth.saturating_sub(1);
        }
        let separator = depth == 0
            && (c.is_whitespace() || matches!(c, '、' | '，' | ',' | '；' | ';' | '/' | '／' | '。' | '\u{200B}'));
        if separator {
            if !current.is_empty() {
                tokens.push((std::mem::take(&mut current), Some(c)));
            } else if let Some(last) = tokens.last_mut() {
                // Runs of separators: a line break or 、 after a space says more than the space.
                if last.1.is_some_and(char::is_whitespace) && !c.is_whitespace() {
                    last.1 = Some(c);
                }
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push((current, None));
    }
    let mut out: Vec<String> = Vec::new();
    let mut joining = false;
    for (token, sep) in tokens {
        if joining {
            let last = out.last_mut().expect("joining follows a token");
            last.push('、');
            last.push_str(&token);
        } else {
            out.push(token.clone());
        }
        joining = sep == Some('、') && is_bare_level(&token);
    }
    out
}

/// An administrative level standing alone in a list of levels: `市`, `区`, `各县`.
fn is_bare_level(token: &str) -> bool {
    let t = token.strip_prefix('各').unwrap_or(token);
    t.chars().count() == 1 && t.chars().all(|c| "省市县区州旗盟镇乡".contains(c))
}

/// Normalizes a name for lookup: no whitespace or zero-width characters, half-width brackets
/// made full-width.
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200B}' | '\u{FEFF}'))
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            other => other,
        })
        .collect()
}

/// If `s` ends with a bracket group, returns (text before it, text inside it), normalized.
fn split_trailing_group(s: &str) -> Option<(String, String)> {
    let key = normalize_name(s);
    let body = key.strip_suffix('）')?;
    let open = body.rfind('（')?;
    let outer = body[..open].to_string();
    let inner = body[open + '（'.len_utf8()..].to_string();
    (!outer.is_empty() && !inner.is_empty()).then_some((outer, inner))
}

/// The marker text when `token` is nothing but a bracketed role marker such as `（牵头）`.
fn role_marker_of_group(token: &str) -> Option<String> {
    let key = normalize_name(token);
    let inner = key.strip_prefix('（')?.strip_suffix('）')?;
    marker_role(inner).map(|_| inner.to_string())
}

/// Splits `基教处（牵头）` into (`基教处`, Some(`牵头`)); other text is returned whole.
fn split_trailing_marker(raw: &str) -> (String, Option<String>) {
    match split_trailing_group(raw) {
        Some((outer, inner)) if marker_role(&inner).is_some() => (outer, Some(inner)),
        _ => (raw.trim().to_string(), None),
    }
}

fn strip_marker_text(piece: &str) -> String {
    split_trailing_marker(piece).0
}

fn bigrams(s: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() == 1 {
        return vec![(chars[0], chars[0])];
    }
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_spacing_and_bracket_width() {
        let r = OfficeRegistry::builtin();
        assert_eq!(r.lookup("各市(州)教育局").map(|e| e.code.as_str()), Some("gsjyt.all.shizhou-jyj"));
        assert_eq!(r.lookup(" 基 教 处 ").map(|e| e.code.as_str()), Some("gsjyt.jijiao"));
        assert_eq!(r.lookup("宣传处"), None);
    }

    #[test]
    fn unknown_names_get_the_nearest_known_names() {
        let r = OfficeRegistry::builtin();
        assert_eq!(r.nearest_names("基础教育科", 1), ["基础教育处"]);
        let (refs, diags) = r.split("高教科", &Location::page(3).with_column(5));
        assert_eq!(refs[0].code, None);
        assert_eq!(refs[0].raw, "高教科");
        assert_eq!(diags[0].location, Location::page(3).with_column(5));
        assert!(
            diags[0].message.contains("高等教育处") || diags[0].message.contains("nearest"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn registry_files_are_checked() {
        let entry = |code: &str, name: &str| format!(r#"{{"code":"{code}","kind":"office","name":"{name}"}}"#);
        let file = |entries: &[String]| format!(r#"{{"id":"t","issuer":"x","entries":[{}]}}"#, entries.join(","));
        let err = OfficeRegistry::from_json(&file(&[entry("a.b", "甲处"), entry("a.b", "乙处")]), "t").unwrap_err();
        assert!(matches!(err, OfficeError::DuplicateCode { .. }), "{err}");
        let err = OfficeRegistry::from_json(&file(&[entry("A", "甲处")]), "t").unwrap_err();
        assert!(matches!(err, OfficeError::BadCode { .. }), "{err}");
        let err = OfficeRegistry::from_json(&file(&[entry("a", "甲处"), entry("b", "甲 处")]), "t").unwrap_err();
        assert!(err.to_string().contains("belongs to both a and b"), "{err}");
        let err = OfficeRegistry::from_json("{", "t").unwrap_err();
        assert!(matches!(err, OfficeError::Json { .. }));
    }

    #[test]
    fn hostile_tokens_are_bounded() {
        let r = OfficeRegistry::builtin();
        let long = "处".repeat(5000);
        let (refs, _) = r.split(&long, &Location::default());
        assert_eq!(refs.len(), 1, "a token past the segmentation limit is kept whole");
        assert_eq!(refs[0].raw.chars().count(), 5000);
        let cell = format!("{} 基教处高教处", "处".repeat(MAX_SEGMENTED_CELL_CHARS));
        let (refs, diags) = r.split(&cell, &Location::default());
        assert_eq!(diags[0].kind, "long-office-cell");
        assert_eq!(refs.last().map(|r| r.raw.as_str()), Some("基教处高教处"), "kept whole, not dropped");
        assert!(diags.iter().all(|d| d.message.chars().count() < 300), "messages quote long text briefly");
        let (refs, _) = r.split("（（（（）", &Location::default());
        assert_eq!(refs.len(), 1, "unbalanced brackets stay one unknown name");
    }
}
