//! Differences between two versions of a notice, keyed by stable task id: what a tracker needs
//! to update its items when a revised notice is issued.
//!
//! Tasks are matched by their key, the part of the task id after the notice id (`t-…`, a hash of
//! the title), so a revision with a new document number still matches its tasks, and a ledger
//! renumbered by an inserted task shows one addition rather than every later task changed.
//! Provenance (pages, rows) is not compared: it moves whenever anything above it does.

use serde::Serialize;
use serde_json::Value;

/// Fields compared, in output order.
const FIELDS: &[&str] = &[
    "seq",
    "section",
    "title",
    "text",
    "leaders",
    "lead_offices",
    "support_offices",
    "implementers",
    "deadline",
    "extra",
];

/// One field that differs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

/// A task present in both versions whose fields differ.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskChange {
    pub key: String,
    pub old_id: String,
    pub new_id: String,
    pub title: String,
    pub changes: Vec<FieldChange>,
}

/// A task only one version has.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskRef {
    pub key: String,
    pub id: String,
    pub seq: Value,
    pub title: String,
}

/// The differences between two notice documents.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NoticeDiff {
    pub added: Vec<TaskRef>,
    pub removed: Vec<TaskRef>,
    pub changed: Vec<TaskChange>,
}

impl NoticeDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Why two documents could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("{which} document has no `tasks` array")]
    NoTasks { which: &'static str },
    #[error("{which} document: task {index} has no string `id`")]
    NoId { which: &'static str, index: usize },
}

fn key_of(id: &str) -> &str {
    id.rsplit_once('.').map_or(id, |(_, key)| key)
}

fn tasks<'a>(doc: &'a Value, which: &'static str) -> Result<Vec<(&'a str, &'a Value)>, DiffError> {
    let list = doc.get("tasks").and_then(Value::as_array).ok_or(DiffError::NoTasks { which })?;
    list.iter()
        .enumerate()
        .map(|(index, t)| t.get("id").and_then(Value::as_str).map(|id| (id, t)).ok_or(DiffError::NoId { which, index }))
        .collect()
}

fn task_ref(id: &str, t: &Value) -> TaskRef {
    TaskRef {
        key: key_of(id).to_string(),
        id: id.to_string(),
        seq: t.get("seq").cloned().unwrap_or(Value::Null),
        title: t.get("title").and_then(Value::as_str).unwrap_or("").to_string(),
    }
}

/// Compares two canonical documents (as JSON). Added and changed tasks are listed in the new
/// document's order, removed ones in the old document's.
pub fn diff_notices(old: &Value, new: &Value) -> Result<NoticeDiff, DiffError> {
    let old_tasks = tasks(old, "old")?;
    let new_tasks = tasks(new, "new")?;
    let old_by_key: std::collections::HashMap<&str, (&str, &Value)> =
        old_tasks.iter().map(|&(id, t)| (key_of(id), (id, t))).collect();
    let new_keys: std::collections::HashSet<&str> = new_tasks.iter().map(|&(id, _)| key_of(id)).collect();
    let mut diff = NoticeDiff::default();
    for &(id, t) in &new_tasks {
        match old_by_key.get(key_of(id)) {
            None => diff.added.push(task_ref(id, t)),
            Some(&(old_id, old_t)) => {
                let changes: Vec<FieldChange> = FIELDS
                    .iter()
                    .filter_map(|&f| {
                        let (a, b) =
                            (old_t.get(f).cloned().unwrap_or(Value::Null), t.get(f).cloned().unwrap_or(Value::Null));
                        (a != b).then(|| FieldChange { field: f.to_string(), old: a, new: b })
                    })
                    .collect();
                if !changes.is_empty() {
                    let title = t.get("title").and_then(Value::as_str).unwrap_or("").to_string();
                    diff.changed.push(TaskChange {
                        key: key_of(id).to_string(),
                        old_id: old_id.to_string(),
                        new_id: id.to_string(),
                        title,
                        changes,
                    });
                }
            }
        }
    }
    for &(id, t) in &old_tasks {
        if !new_keys.contains(key_of(id)) {
            diff.removed.push(task_ref(id, t));
        }
    }
    Ok(diff)
}

fn show(v: &Value) -> String {
    match v {
        Value::Array(items) if items.iter().all(|i| i.get("raw").is_some()) => {
            format!("[{}]", items.iter().filter_map(|i| i["raw"].as_str()).collect::<Vec<_>>().join(" "))
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The diff as text for people: one line per added or removed task, and per changed field.
pub fn render_text(diff: &NoticeDiff) -> String {
    let mut out = String::new();
    for t in &diff.added {
        out.push_str(&format!("added    {}  seq {}  {}\n", t.key, t.seq, t.title));
    }
    for t in &diff.removed {
        out.push_str(&format!("removed  {}  seq {}  {}\n", t.key, t.seq, t.title));
    }
    for c in &diff.changed {
        out.push_str(&format!("changed  {}  {}\n", c.key, c.title));
        for f in &c.changes {
            out.push_str(&format!("    {}: {} -> {}\n", f.field, show(&f.old), show(&f.new)));
        }
    }
    out.push_str(&format!(
        "{} added, {} removed, {} changed\n",
        diff.added.len(),
        diff.removed.len(),
        diff.changed.len()
    ));
    out
}
