//! Stage 5, `offices`: the office registry, the splitter for joined cells, and name normalization.
//!
//! An [`OfficeRegistry`] is data (a JSON file, see `src/data/registries/`): every office and unit
//! an issuer's notices name, with a stable ASCII code, the canonical full name, short names and
//! aliases. [`OfficeRegistry::split`] turns a cell such as `基教处 高教处 职教处` or
//! `基教处高教处职成处` into [`OfficeRef`]s in the order written, and reports aliases, unknown
//! names (with the nearest known names) and duplicates as diagnostics: nothing is dropped silently.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diag::{quote, Diagnostic, Location};

/// The registry compiled into the binary: the Education Department of Gansu Province.
pub const DEFAULT_REGISTRY_JSON: &str = include_str!("data/registries/gansu-jyt.json");

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
pub const ROLES_JSON: &str = include_str!("data/roles.json");

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
}

fn role_words() -> &'static RoleWords {
    static WORDS: std::sync::OnceLock<RoleWords> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let mut w: RoleWords = serde_json::from_str(ROLES_JSON).expect("the built-in role table is valid");
        // Longest first, so 按照职责分工负责 wins over 分工负责-like tails.
        w.duty_phrases.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
        w
    })
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
    "处", "办", "室", "院", "中心", "局", "厅", "部", "委", "会", "校", "单位", "所", "站", "馆", "队", "组", "司",
    "府", "科", "园",
];

/// Words a cut between unit names never splits, although they contain a unit-name ending.
const UNBREAKABLE_WORDS: &[&str] = &[
    "办公室",
    "院校",
    "委员会",
    "处室", // a unit ending inside a word
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
                for mut reference in self.resolve(&head, location, &mut diags) {
                    reference.raw = token.clone();
                    reference.marker = Some(phrase.clone());
                    push_once(&mut refs, &mut seen, reference, location, &mut diags);
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
                        Cost { segments: 1, ..Cost::default() }
                    } else {
                        let well_formed = if bracketed {
                            let name = strip_marker_text(&piece());
                            has_name_suffix(&name) && name.chars().count() >= 3
                        } else {
                            len >= 3 && ends_with_name_suffix(&chars[start..end])
                        };
                        Cost { unsuffixed: usize::from(!well_formed), unknown_chars: len, fewer_names: -1, segments: 1 }
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
/// 某某办公室), then unknown text, then (negated) the number of unknown names, so that more
/// well-formed names win, then the number of pieces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Cost {
    unsuffixed: usize,
    unknown_chars: usize,
    fewer_names: i64,
    segments: usize,
}

impl Cost {
    fn add(self, o: Cost) -> Cost {
        Cost {
            unknown_chars: self.unknown_chars + o.unknown_chars,
            unsuffixed: self.unsuffixed + o.unsuffixed,
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
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = depth.saturating_sub(1),
            _ => {}
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

/// Whether `piece` ends with one of the [`NAME_SUFFIXES`].
fn ends_with_name_suffix(piece: &[char]) -> bool {
    NAME_SUFFIXES.iter().any(|s| {
        let n = s.chars().count();
        piece.len() >= n && piece[piece.len() - n..].iter().copied().eq(s.chars())
    })
}

/// Whether `name` ends like a unit name (处, 办, 中心, …), a bracketed alias aside.
pub fn has_name_suffix(name: &str) -> bool {
    let bare = split_trailing_group(name).map_or_else(|| name.to_string(), |(outer, _)| outer);
    NAME_SUFFIXES.iter().any(|s| bare.ends_with(s))
}

/// Splits a cell at separators outside brackets: whitespace of any width, 、 ， , ； ; / and
/// line breaks. A bracket group standing alone after a separator stays its own token.
pub fn split_separators(cell: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in cell.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        let separator =
            depth == 0 && (c.is_whitespace() || matches!(c, '、' | '，' | ',' | '；' | ';' | '/' | '／' | '\u{200B}'));
        if separator {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
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

/// Splits a cell of personal names (leaders). Separators as for offices; a token that is not a
/// 2–4 character name is cut by the `roster` of names seen elsewhere in the same table when the
/// roster covers it exactly. Tokens that still look wrong get a warning and are kept whole.
pub fn split_person_names(cell: &str, roster: &Roster, location: &Location) -> (Vec<String>, Vec<Diagnostic>) {
    let mut names = Vec::new();
    let mut diags = Vec::new();
    for token in split_separators(cell) {
        let len = token.chars().count();
        let parts = covered_by_roster(&token, roster);
        let one_name =
            roster.contains(&token) || ((2..=4).contains(&len) && parts.as_ref().is_none_or(|p| p.len() <= 1));
        match parts {
            _ if one_name => names.push(token),
            Some(parts) => names.extend(parts),
            None => {
                diags.push(Diagnostic::warning(
                    "unsplit-names",
                    format!("{} cannot be cut into names seen elsewhere in the table; kept whole", quote(&token, 20)),
                    location.clone(),
                ));
                names.push(token);
            }
        }
    }
    (names, diags)
}

/// Cuts `token` into roster names exactly, preferring fewer pieces; `None` when impossible.
fn covered_by_roster(token: &str, roster: &Roster) -> Option<Vec<String>> {
    let chars: Vec<char> = token.chars().collect();
    let n = chars.len();
    let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
    best[0] = Some((0, 0));
    for end in 1..=n {
        // Roster names are 2–4 characters: look the candidate pieces up instead of scanning.
        for len in 2..=4.min(end) {
            let start = end - len;
            if let Some((count, _)) = best[start] {
                let piece: String = chars[start..end].iter().collect();
                if roster.contains(&piece) && best[end].is_none_or(|(c, _)| count + 1 < c) {
                    best[end] = Some((count + 1, start));
                }
            }
        }
    }
    best[n]?;
    let mut parts = Vec::new();
    let mut end = n;
    while end > 0 {
        let (_, start) = best[end]?;
        parts.push(chars[start..end].iter().collect());
        end = start;
    }
    parts.reverse();
    Some(parts)
}

/// Names of people seen in a table, for [`split_person_names`].
pub type Roster = std::collections::BTreeSet<String>;

/// Names of people seen as whole 2–4 character tokens in `cells`, for [`split_person_names`].
/// A token that is several other seen names written together (`党勤邓伟`) is not a name.
pub fn person_roster<'a>(cells: impl IntoIterator<Item = &'a str>) -> Roster {
    let mut all = Roster::new();
    for cell in cells {
        for token in split_separators(cell) {
            if (2..=4).contains(&token.chars().count()) {
                all.insert(token);
            }
        }
    }
    let names: Vec<String> = all.iter().cloned().collect();
    let mut composite = Vec::new();
    for name in names {
        // Covered by the other names alone?
        all.remove(&name);
        if covered_by_roster(&name, &all).is_some() {
            composite.push(name.clone());
        }
        all.insert(name);
    }
    for name in composite {
        all.remove(&name);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cell: &str, roster: &[&str]) -> (Vec<String>, Vec<String>) {
        let roster: Roster = roster.iter().map(|s| s.to_string()).collect();
        let (n, d) = split_person_names(cell, &roster, &Location::default());
        (n, d.into_iter().map(|d| d.kind).collect())
    }

    #[test]
    fn leaders_split_by_separators_and_by_roster() {
        let roster = ["党勤", "曾华辉", "白江平", "邓伟", "张晓东"];
        assert_eq!(names("党勤 曾华辉 白江平", &roster).0, ["党勤", "曾华辉", "白江平"]);
        assert_eq!(names("党勤、曾华辉\n白江平", &roster).0, ["党勤", "曾华辉", "白江平"]);
        assert_eq!(names("党勤曾华辉白江平", &roster).0, ["党勤", "曾华辉", "白江平"]);
        assert_eq!(names("党勤邓伟", &roster).0, ["党勤", "邓伟"]);
        assert_eq!(names("欧阳明", &roster).0, ["欧阳明"], "a name outside the roster is kept");
        let (kept, kinds) = names("王某某李某某赵某某", &roster);
        assert_eq!(kept, ["王某某李某某赵某某"]);
        assert_eq!(kinds, ["unsplit-names"]);
    }

    #[test]
    fn roster_skips_names_written_together() {
        let roster = person_roster(["党勤", "邓伟", "党勤邓伟", "曾华辉 白江平", "党勤曾华辉白江平"]);
        let expected: Roster = ["党勤", "曾华辉", "白江平", "邓伟"].iter().map(|s| s.to_string()).collect();
        assert_eq!(roster, expected);
    }

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
