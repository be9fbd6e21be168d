//! The office registry: every office and unit an issuer's notices name, with a stable ASCII code,
//! the canonical full name, short names and aliases, loaded from data (`src/data/registries/`)
//! and checked; lookups of one name, and the nearest known names of an unknown one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Serialize};

use super::names::{normalize_name, split_trailing_group};
use super::roles::split_trailing_marker;
use super::segment::MAX_PIECE_CHARS;
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
#[non_exhaustive]
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
pub(super) enum NameUse {
    Canonical,
    Short,
    Alias,
}

/// Offices and units of one issuer, with every name they go by.
#[derive(Clone, Debug)]
pub struct OfficeRegistry {
    pub(super) id: String,
    pub(super) issuer: String,
    pub(super) issuer_prefixes: Vec<Vec<char>>,
    pub(super) entries: Vec<OfficeEntry>,
    /// Normalized name → (entry index, how the name relates to the entry).
    pub(super) names: HashMap<String, (usize, NameUse), FxBuildHasher>,
    /// Longest text, in characters, that can name an entry: longest name, issuer prefix and a
    /// bracketed marker or alias. Longer pieces are not looked up.
    pub(super) max_lookup_chars: usize,
    /// Last characters of every known name: a piece ending otherwise is not looked up.
    pub(super) name_endings: std::collections::HashSet<char, FxBuildHasher>,
    /// True for the stand-in used when no registry covers the notice's issuer: names are split
    /// at separators and unit-name endings and kept with code null, without one diagnostic each.
    pub(super) unregistered: bool,
    /// The character pairs of every name in `names` with its entry, for [`Self::nearest_names`]:
    /// made on its first call and kept, so that a batch worker makes them once.
    name_pairs: std::sync::OnceLock<Vec<NamePairs>>,
}

/// The character pairs of one known name, and the index of its entry.
type NamePairs = (Vec<(char, char)>, usize);

impl OfficeRegistry {
    /// Every registry compiled into the binary (`src/data/registries/`).
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
        let mut names: HashMap<String, (usize, NameUse), FxBuildHasher> = HashMap::default();
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
            name_pairs: std::sync::OnceLock::new(),
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

    /// Resolves one segment (one name, possibly with a bracketed marker or a bracketed second
    /// name) to references: usually one; two when the brackets hold a different known office.
    pub(super) fn resolve(&self, raw: &str, location: &Location, diags: &mut Vec<Diagnostic>) -> Vec<OfficeRef> {
        let (name_part, marker) = split_trailing_marker(raw);
        let known = |index: usize, usage: NameUse, written: &str, diags: &mut Vec<Diagnostic>| {
            let entry = &self.entries[index];
            if usage == NameUse::Alias {
                diags.push(Diagnostic::info(
                    crate::diag::DiagnosticKind::OfficeAlias,
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
                        crate::diag::DiagnosticKind::BracketedOffice,
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
                        crate::diag::DiagnosticKind::BracketedName,
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
                        crate::diag::DiagnosticKind::BracketedName,
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
            crate::diag::DiagnosticKind::UnknownOffice,
            format!("{} is not in registry {}; kept with code null ({hint})", quote(raw, 40), self.id),
            location.clone(),
        ));
        vec![OfficeRef { code: None, name: name_part, raw: raw.to_string(), kind: None, marker }]
    }

    /// Tries the name as written and without an issuer prefix.
    pub(super) fn lookup_candidates(&self, name: &str) -> Option<(usize, NameUse, String)> {
        let key = normalize_name(name);
        if let Some(&(i, u)) = self.names.get(&key) {
            return Some((i, u, key));
        }
        let rest = self.strip_issuer_prefix(&key)?;
        self.names.get(&rest).map(|&(i, u)| (i, u, rest))
    }

    /// Whether `name` resolves, directly or through a bracketed second name.
    pub(super) fn resolves(&self, name: &str) -> bool {
        self.lookup_candidates(name).is_some()
            || split_trailing_group(name)
                .is_some_and(|(o, i)| self.lookup_candidates(&o).is_some() || self.lookup_candidates(&i).is_some())
    }

    pub(super) fn strip_issuer_prefix(&self, key: &str) -> Option<String> {
        self.issuer_prefixes.iter().find_map(|p| {
            let rest = p.iter().try_fold(key, |rest, &c| rest.strip_prefix(c))?;
            (!rest.is_empty() && self.names.contains_key(rest)).then(|| rest.to_string())
        })
    }

    /// Known canonical names most similar to `name` (character-bigram Dice similarity), best first.
    /// (strsim's `sorensen_dice` pairs UTF-8 bytes, not characters, so it misjudges Chinese names.)
    pub fn nearest_names(&self, name: &str, limit: usize) -> Vec<String> {
        let target = crate::normalize::char_pairs(&normalize_name(name));
        let known = self
            .name_pairs
            .get_or_init(|| self.names.iter().map(|(key, &(i, _))| (crate::normalize::char_pairs(key), i)).collect());
        let mut scored: Vec<(u32, &str)> = known
            .iter()
            .filter_map(|(b, i)| {
                let common = target.iter().filter(|g| b.contains(g)).count();
                let score = (200 * common / (target.len() + b.len()).max(1)) as u32;
                (score >= 30).then_some((score, self.entries[*i].name.as_str()))
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
}
