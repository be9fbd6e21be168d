//! Role words (`src/data/roles.json`): role markers after a name (`基教处（牵头）`), duty phrases
//! after the names they govern (`…按职责分工负责`) and the verbs that end a responsibility clause
//! (`市发改委牵头`, `市财政局配合`).

use super::names::{ends_with_closing_bracket, normalize_name, split_trailing_group};

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
pub(super) fn split_duty_phrase(token: &str) -> Option<(String, String)> {
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

/// The marker text when `token` is nothing but a bracketed role marker such as `（牵头）`.
pub(super) fn role_marker_of_group(token: &str) -> Option<String> {
    if !ends_with_closing_bracket(token) {
        return None;
    }
    let key = normalize_name(token);
    let inner = key.strip_prefix('（')?.strip_suffix('）')?;
    marker_role(inner).map(|_| inner.to_string())
}

/// Splits `基教处（牵头）` into (`基教处`, Some(`牵头`)); other text is returned whole.
pub(super) fn split_trailing_marker(raw: &str) -> (String, Option<String>) {
    match split_trailing_group(raw) {
        Some((outer, inner)) if marker_role(&inner).is_some() => (outer, Some(inner)),
        _ => (raw.trim().to_string(), None),
    }
}

pub(super) fn strip_marker_text(piece: &str) -> String {
    split_trailing_marker(piece).0
}
