//! The seed's other renditions (HTML, DOCX, XLSX and the PDFs of four producers): the same
//! notice and tasks as the text rendition, the pages each PDF task spans, borderless PDF tables,
//! and PDFs without a text layer or a ledger.

use serde_json::Value;

use super::{root, run, seed_json, text};

/// Every rendition of the seed (listed in `fixtures/seed-renditions.list`) gives the text
/// rendition's notice id, sections and tasks, field by field and ids included. Only provenance
/// (pages, rows, lines) may differ between formats.
#[test]
fn every_rendition_of_the_seed_gives_the_same_tasks() {
    let reference = seed_json();
    let strip = |doc: &Value| -> Vec<Value> {
        doc["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let mut t = t.clone();
                t.as_object_mut().unwrap().remove("provenance");
                t
            })
            .collect()
    };
    let expected = strip(&reference);
    let manifest = std::fs::read_to_string(root().join("fixtures/seed-renditions.list")).unwrap();
    let paths: Vec<&str> = manifest.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
    assert!(!paths.is_empty());
    for path in paths {
        let out = run(&["convert", path, "-o", "-"]);
        assert_eq!(out.status.code(), Some(0), "{path}: {}", text(&out.stderr));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        for field in ["id", "issuer", "title", "doc_number", "recipients"] {
            assert_eq!(doc["notice"][field], reference["notice"][field], "{path}: notice {field}");
        }
        assert_eq!(doc["sections"], reference["sections"], "{path}: sections");
        let got = strip(&doc);
        assert_eq!(got.len(), expected.len(), "{path}: task count");
        for (g, e) in got.iter().zip(&expected) {
            for (field, value) in e.as_object().unwrap() {
                assert_eq!(&g[field], value, "{path}: task {} field {field}", e["seq"]);
            }
            assert_eq!(g, e, "{path}: task {} has extra fields", e["seq"]);
        }
    }
}

/// `fixtures/pdf/pages.tsv` gives, for every task of each PDF rendition, the pages its row is on
/// (read from the rendered pages, not from our parser): `provenance.pages` must span exactly them,
/// and a split task must list a cell fragment on each of its pages.
#[test]
fn pdf_tasks_know_the_pages_they_span() {
    let truth = std::fs::read_to_string(root().join("fixtures/pdf/pages.tsv")).unwrap();
    let mut by_file: std::collections::BTreeMap<&str, Vec<(u64, Vec<u64>)>> = Default::default();
    for line in truth.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let pages = f[2].split(',').map(|p| p.parse().unwrap()).collect();
        by_file.entry(f[0]).or_default().push((f[1].parse().unwrap(), pages));
    }
    assert_eq!(by_file.len(), 4, "four PDF renditions have page truth");
    let mut split_tasks = 0;
    for (file, tasks) in by_file {
        let path = format!("fixtures/pdf/{file}");
        let out = run(&["convert", &path, "-o", "-"]);
        assert_eq!(out.status.code(), Some(0), "{path}: {}", text(&out.stderr));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let got = doc["tasks"].as_array().unwrap();
        assert_eq!(got.len(), tasks.len(), "{path}: task count");
        for (t, (seq, pages)) in got.iter().zip(&tasks) {
            assert_eq!(t["seq"], *seq, "{path}");
            let span = [pages[0], *pages.last().unwrap()];
            assert_eq!(t["provenance"]["pages"], serde_json::json!(span), "{path}: task {seq} pages");
            let fragment_pages: std::collections::BTreeSet<u64> =
                t["provenance"]["cells"].as_array().unwrap().iter().map(|c| c["page"].as_u64().unwrap()).collect();
            for p in pages {
                assert!(fragment_pages.contains(p), "{path}: task {seq} has no cell fragment on page {p}");
            }
            split_tasks += usize::from(pages.len() > 1);
        }
    }
    assert!(split_tasks >= 10, "the fixtures split rows across pages ({split_tasks} split tasks)");
}

/// The borderless ReportLab rendition has no rulings, so its ledger pages go through the stream
/// fallback; its text sits where the gridded rendition's does, so the cells the fallback finds
/// must have (nearly) the boxes of the gridded cells — except the right edge of the last column,
/// which only the grid knows.
#[test]
fn borderless_pdf_cells_match_the_gridded_rendition() {
    let convert = |path: &str| -> Value {
        let out = run(&["convert", path, "-o", "-"]);
        assert_eq!(out.status.code(), Some(0), "{path}: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let borderless = convert("fixtures/pdf/seed-reportlab-borderless.pdf");
    let grid = convert("fixtures/pdf/seed-reportlab-cid.pdf");
    let methods: Vec<&str> = borderless["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "pdf-table-method")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(methods.len(), 11, "one table on each ledger page: {methods:?}");
    for (page, m) in (2..).zip(&methods) {
        assert!(m.starts_with(&format!("page {page}: stream (no rulings), 6 columns × ")), "{m}");
    }
    let (got, want) = (borderless["tasks"].as_array().unwrap(), grid["tasks"].as_array().unwrap());
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g["provenance"]["pages"], w["provenance"]["pages"], "task {}", w["seq"]);
        let (gc, wc) = (g["provenance"]["cells"].as_array().unwrap(), w["provenance"]["cells"].as_array().unwrap());
        assert_eq!(gc.len(), wc.len(), "task {}", w["seq"]);
        for (a, b) in gc.iter().zip(wc) {
            assert_eq!((&a["column"], &a["page"]), (&b["column"], &b["page"]), "task {}", w["seq"]);
            for k in 0..4 {
                if k == 2 && b["column"] == 6 {
                    continue;
                }
                let (x, y) = (a["bbox"][k].as_f64().unwrap(), b["bbox"][k].as_f64().unwrap());
                assert!(
                    (x - y).abs() <= 6.0,
                    "task {} column {}: {} vs {}",
                    w["seq"],
                    b["column"],
                    a["bbox"],
                    b["bbox"]
                );
            }
        }
    }
}

#[test]
fn a_scanned_pdf_or_one_without_ledger_gives_a_clear_error() {
    let out = run(&["convert", "fixtures/pdf/scanned.pdf", "-o", "-"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("scanned.pdf") && err.contains("no text layer") && err.contains("OCR"), "{err}");
    // A scan too coarse to read: the error says what would work (a new scan), not a tool that
    // would not.
    assert!(err.contains("100 dpi") && err.contains("300 dpi") && !err.contains("ocrmypdf"), "{err}");
    let out = run(&["convert", "fixtures/pdf/no-ledger.pdf", "-o", "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no task ledger found"), "{}", text(&out.stderr));
}
