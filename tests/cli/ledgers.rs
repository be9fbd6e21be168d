//! The ledgers of other shapes in `fixtures/ledgers/` (hierarchical with merged rows, one
//! responsibility column with （牵头） markers, an issuer without a registry): every rendition must
//! give the tasks its `.truth.json` states. The truth files are written by `make_ledgers.py` from
//! the same data the producers were fed, so they do not come from our parser.

use serde_json::Value;

use super::{assert_matches_golden, root, run, text};

/// A reference's name as written, role marker or duty phrase removed.
fn bare(r: &Value) -> String {
    let raw = r["raw"].as_str().unwrap();
    let Some(marker) = r["marker"].as_str() else { return raw.to_string() };
    for form in [format!("（{marker}）"), format!("({marker})"), marker.to_string()] {
        if let Some(head) = raw.strip_suffix(&form) {
            return head.to_string();
        }
    }
    raw.to_string()
}

fn names(refs: &Value) -> Vec<String> {
    refs.as_array().unwrap().iter().map(bare).collect()
}

fn deadline_raw(d: &Value) -> Value {
    if d.is_null() {
        Value::Null
    } else {
        d["raw"].clone()
    }
}

/// Compares one converted document with the truth, field by field.
fn check_against_truth(path: &str, doc: &Value, truth: &Value, with_metadata: bool) {
    if with_metadata {
        for field in ["issuer", "doc_number", "date"] {
            assert_eq!(doc["notice"][field], truth[field], "{path}: notice {field}");
        }
    }
    let sections: Vec<Value> = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| serde_json::json!({"numeral": s["numeral"], "title": s["title"], "level": s["level"], "path": s["path"]}))
        .collect();
    assert_eq!(Value::from(sections), truth["sections"], "{path}: sections");
    let got = doc["tasks"].as_array().unwrap();
    let want = truth["tasks"].as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{path}: task count");
    for (g, w) in got.iter().zip(want) {
        let seq = &w["seq"];
        assert_eq!(g["seq"], *seq, "{path}");
        assert_eq!(g["section"], w["section"], "{path}: task {seq} section");
        assert_eq!(g["text"], w["task"], "{path}: task {seq} text");
        if w["measures"].as_array().unwrap().is_empty() {
            assert_eq!(names(&g["lead_offices"]), names_of(&w["lead"]), "{path}: task {seq} lead");
            assert_eq!(names(&g["support_offices"]), names_of(&w["support"]), "{path}: task {seq} support");
        } else {
            // The task's lists are the union of its measures' (checked against the truth below),
            // one entry per office: 职教处 and 职成处 in two measures are one office.
            for field in ["lead_offices", "support_offices"] {
                let mut union: Vec<&Value> = Vec::new();
                for m in g["measures"].as_array().unwrap() {
                    for r in m[field].as_array().unwrap() {
                        let same = |x: &&Value| {
                            if r["code"].is_null() {
                                x["name"] == r["name"]
                            } else {
                                x["code"] == r["code"]
                            }
                        };
                        if !union.iter().any(same) {
                            union.push(r);
                        }
                    }
                }
                assert_eq!(
                    g[field].as_array().unwrap().iter().collect::<Vec<_>>(),
                    union,
                    "{path}: task {seq} {field}"
                );
            }
        }
        assert_eq!(deadline_raw(&g["deadline"]), w["deadline"], "{path}: task {seq} deadline");
        let measures = g["measures"].as_array().unwrap();
        let expected: Vec<Value> = match w.get("measures_cell") {
            // A flat ledger with a measures column: one measure, the row's.
            Some(cell) => vec![
                serde_json::json!({"text": cell, "lead": w["lead"], "support": w["support"], "deadline": w["deadline"]}),
            ],
            None => w["measures"].as_array().unwrap().clone(),
        };
        assert_eq!(measures.len(), expected.len(), "{path}: task {seq} measures");
        for (i, (m, e)) in measures.iter().zip(&expected).enumerate() {
            assert_eq!(m["text"], e["text"], "{path}: task {seq} measure {i} text");
            assert_eq!(names(&m["lead_offices"]), names_of(&e["lead"]), "{path}: task {seq} measure {i} lead");
            assert_eq!(names(&m["support_offices"]), names_of(&e["support"]), "{path}: task {seq} measure {i} support");
            assert_eq!(deadline_raw(&m["deadline"]), e["deadline"], "{path}: task {seq} measure {i} deadline");
        }
        let extra = g.get("extra").cloned().unwrap_or_else(|| serde_json::json!({}));
        let want_extra = w.get("extra").cloned().unwrap_or_else(|| serde_json::json!({}));
        assert_eq!(extra, want_extra, "{path}: task {seq} extra");
    }
}

fn names_of(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

fn convert(path: &str) -> Value {
    let out = run(&["convert", path, "-o", "-"]);
    assert!(matches!(out.status.code(), Some(0)), "{path}: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn ledgers_of_other_shapes_match_their_truth_in_every_rendition() {
    for name in ["hierarchical", "markers", "other-issuer"] {
        let truth: Value =
            serde_json::from_slice(&std::fs::read(root().join(format!("fixtures/ledgers/{name}.truth.json"))).unwrap())
                .unwrap();
        for ext in ["html", "docx", "pdf", "xlsx"] {
            let path = format!("fixtures/ledgers/{name}.{ext}");
            if !root().join(&path).exists() {
                continue;
            }
            let doc = convert(&path);
            // The workbook holds the ledger sheet only, without the notice's body.
            check_against_truth(&path, &doc, &truth, ext != "xlsx");
        }
    }
}

#[test]
fn ledgers_of_other_shapes_match_their_goldens() {
    for name in ["hierarchical", "markers", "other-issuer"] {
        let path = format!("fixtures/ledgers/{name}.html");
        let out = run(&["convert", &path, "-o", "-"]);
        assert_matches_golden(&out.stdout, &format!("fixtures/ledgers/{name}.expected.json"));
    }
}

#[test]
fn markers_and_registries_in_the_new_ledgers() {
    let doc = convert("fixtures/ledgers/markers.html");
    let kinds: Vec<&str> = doc["diagnostics"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"duty-phrase"), "{kinds:?}");
    let t2 = &doc["tasks"][1];
    assert_eq!(t2["lead_offices"].as_array().unwrap().len(), 2, "two （牵头） markers, two leads");
    let doc = convert("fixtures/ledgers/other-issuer.html");
    assert_eq!(doc["notice"]["registry"], "none");
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 10, "never an empty result");
    let codes: Vec<&Value> = doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["lead_offices"].as_array().unwrap())
        .map(|o| &o["code"])
        .collect();
    assert!(codes.iter().all(|c| c.is_null()));
    assert_eq!(kinds_of(&doc).iter().filter(|k| *k == "no-registry").count(), 1);
    let doc = convert("fixtures/ledgers/hierarchical.html");
    let kinds: Vec<String> = kinds_of(&doc);
    assert!(!kinds.iter().any(|k| k == "row-without-seq"), "merged rows are measures: {kinds:?}");
    let by_dates: Vec<&str> = doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["measures"].as_array().unwrap())
        .filter_map(|m| m["deadline"]["by"].as_str())
        .collect();
    assert!(by_dates.contains(&"2024-06-30") && by_dates.contains(&"2025-06-30"), "{by_dates:?}");
}

fn kinds_of(doc: &Value) -> Vec<String> {
    doc["diagnostics"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap().to_string()).collect()
}
