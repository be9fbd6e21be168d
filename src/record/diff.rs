//! Differences between two versions of a notice, keyed by stable task id: what a tracker needs
//! to update its items when a revised notice is issued.
//!
//! Tasks are matched by their key, the part of the task id after the notice id (`t-…`, a hash of
//! the title), so a revision with a new document number still matches its tasks, and a ledger
//! renumbered by an inserted task shows one addition rather than every later task changed.
//!
//! Every field of a task is compared, whatever the record holds (the fields come from the
//! documents themselves, in the record's order, so a field added to [`crate::record::Task`] is
//! compared without a change here), except `id` and provenance (pages, rows, cell boxes), which
//! move whenever anything above them does. A task's measures are compared one by one
//! (`measures[2].deadline`) when both versions have as many; otherwise the list as a whole.

use serde::Serialize;
use serde_json::Value;

/// Task fields not compared: the id (tasks are matched by it) and where the task sits.
const NOT_COMPARED: &[&str] = &["id", "provenance"];

/// `value` without provenance (a measure's too).
fn without_provenance(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "provenance")
                .map(|(k, v)| (k.clone(), without_provenance(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_provenance).collect()),
        other => other.clone(),
    }
}

/// The fields two versions of a task differ in, in the record's order.
fn field_changes(old: &Value, new: &Value) -> Vec<FieldChange> {
    let mut names: Vec<&str> = Vec::new();
    for t in [new, old] {
        if let Some(map) = t.as_object() {
            for k in map.keys() {
                if !NOT_COMPARED.contains(&k.as_str()) && !names.contains(&k.as_str()) {
                    names.push(k);
                }
            }
        }
    }
    let mut changes = Vec::new();
    for name in names {
        let a = without_provenance(old.get(name).unwrap_or(&Value::Null));
        let b = without_provenance(new.get(name).unwrap_or(&Value::Null));
        if a == b {
            continue;
        }
        match (name, &a, &b) {
            ("measures", Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (m, n)) in x.iter().zip(y).enumerate() {
                    for c in field_changes(m, n) {
                        changes.push(FieldChange { field: format!("measures[{i}].{}", c.field), ..c });
                    }
                }
            }
            _ => changes.push(FieldChange { field: name.to_string(), old: a, new: b }),
        }
    }
    changes
}

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
#[non_exhaustive]
pub enum DiffError {
    #[error("{which} document has no `tasks` array")]
    NoTasks { which: &'static str },
    #[error("{which} document: task {index} has no string `id`")]
    NoId { which: &'static str, index: usize },
}

pub(crate) fn key_of(id: &str) -> &str {
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
                let changes = field_changes(old_t, t);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of a hierarchical task, changed one at a time, is reported — measures and
    /// remarks included — and provenance alone is not.
    #[test]
    fn every_field_of_a_task_is_compared() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/ledgers/hierarchical.expected.json"
        ))
        .unwrap();
        let old: Value = serde_json::from_str(&text).unwrap();
        let task = old["tasks"][0].clone();
        type Edit = Box<dyn Fn(&mut Value)>;
        let edits: Vec<(&str, Edit)> = vec![
            ("seq", Box::new(|t| t["seq"] = Value::from(99))),
            ("section", Box::new(|t| t["section"] = Value::from("九"))),
            ("title", Box::new(|t| t["title"] = Value::from("新标题"))),
            ("text", Box::new(|t| t["text"] = Value::from("新的任务文本"))),
            ("leaders", Box::new(|t| t["leaders"] = serde_json::json!(["张三"]))),
            ("lead_offices", Box::new(|t| t["lead_offices"] = serde_json::json!([]))),
            ("support_offices", Box::new(|t| t["support_offices"] = serde_json::json!([]))),
            (
                "implementers",
                Box::new(|t| {
                    t["implementers"] =
                        serde_json::json!([{"code": null, "name": "某单位", "raw": "某单位", "kind": null}])
                }),
            ),
            ("deadline", Box::new(|t| t["deadline"] = serde_json::json!({"raw": "长期坚持", "kind": "ongoing"}))),
            ("measures[0].text", Box::new(|t| t["measures"][0]["text"] = Value::from("改过的措施"))),
            (
                "measures[1].deadline",
                Box::new(|t| {
                    t["measures"][1]["deadline"] =
                        serde_json::json!({"raw": "2030年", "kind": "by-date", "by": "2030-12-31"})
                }),
            ),
            ("measures", Box::new(|t| t["measures"].as_array_mut().unwrap().truncate(1))),
            ("remarks", Box::new(|t| t["remarks"] = Value::from("新备注"))),
            ("extra", Box::new(|t| t["extra"] = serde_json::json!({"进度情况": "完成"}))),
        ];
        for (field, edit) in edits {
            let mut new = old.clone();
            let mut t = task.clone();
            edit(&mut t);
            new["tasks"][0] = t;
            let d = diff_notices(&old, &new).unwrap();
            assert_eq!(d.changed.len(), 1, "{field}: {d:?}");
            let fields: Vec<&str> = d.changed[0].changes.iter().map(|c| c.field.as_str()).collect();
            assert_eq!(fields, [field], "{field}");
        }
        let mut moved = old.clone();
        moved["tasks"][0]["provenance"]["row"] = Value::from(77);
        moved["tasks"][0]["measures"][0]["provenance"]["row"] = Value::from(77);
        assert!(diff_notices(&old, &moved).unwrap().is_empty(), "provenance is not compared");
    }
}
