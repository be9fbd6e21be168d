//! One notice, one id: metadata read where real pages put it (page chrome, red headers, signature
//! blocks), a page read together with the attachment that holds its ledger, and files that carry
//! nothing identifying a notice kept apart.

use serde_json::Value;

use super::{root, run, text};

fn convert(path: &str) -> Value {
    let out = run(&["convert", path, "-o", "-"]);
    assert_eq!(out.status.code(), Some(0), "{path}: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn kinds(doc: &Value) -> Vec<String> {
    doc["diagnostics"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap().to_string()).collect()
}

const SEED_TITLE: &str = "关于印发《教育部 甘肃省人民政府战略合作协议重点任务分解台账》的通知";
const SEED_RECIPIENTS: [&str; 6] =
    ["各市（州）教育局", "兰州新区教体局", "各高等学校", "厅直有关单位", "甘肃开放大学", "厅机关各处室"];

/// Every rendition of the seed, page chrome and browser print headers included, names the same
/// notice: one id, issuer 甘肃省教育厅 (on the chrome-only pages from their 来源 line), the exact
/// title, the six recipients in order, and `published` where the rendition shows it.
#[test]
fn every_rendition_of_the_seed_names_one_notice() {
    let list = std::fs::read_to_string(root().join("fixtures/seed-renditions.list")).unwrap();
    let mut ids = std::collections::BTreeSet::new();
    let mut checked = 0;
    for path in list.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let doc = convert(path);
        let n = &doc["notice"];
        ids.insert(n["id"].as_str().unwrap().to_string());
        assert_eq!(n["issuer"], "甘肃省教育厅", "{path}");
        assert_eq!(n["title"], SEED_TITLE, "{path}");
        let recipients: Vec<&str> =
            n["recipients"].as_array().unwrap().iter().map(|r| r["raw"].as_str().unwrap()).collect();
        assert_eq!(recipients, SEED_RECIPIENTS, "{path}");
        let published = if path.contains("cms-chrome") || path.contains("attached/") {
            Value::from("2023-08-15")
        } else if path.ends_with("cms-utf8.html") {
            Value::from("2023-09-04")
        } else {
            Value::Null
        };
        assert_eq!(n["published"], published, "{path}");
        assert_eq!(n["date"], Value::Null, "{path}: the seed states no 成文日期");
        let chrome_as_recipient = kinds(&doc).iter().any(|k| k == "unknown-office");
        assert!(!chrome_as_recipient, "{path}: page chrome read as a name: {:?}", doc["diagnostics"]);
        checked += 1;
    }
    assert!(checked >= 19, "{checked} renditions");
    assert_eq!(ids.len(), 1, "one notice id for every rendition: {ids:?}");
}

/// The three notices of the user's material: issuer, title, document number and date as their
/// truth files give them, in every format; a null in the truth stays null.
#[test]
fn real_notices_give_their_metadata_in_every_format() {
    for name in ["dazhu", "lishan", "nanling"] {
        let truth: Value =
            serde_json::from_slice(&std::fs::read(root().join(format!("fixtures/real/{name}.truth.json"))).unwrap())
                .unwrap();
        for ext in ["html", "docx", "pdf"] {
            let path = format!("fixtures/real/{name}.{ext}");
            let doc = convert(&path);
            for field in ["issuer", "title", "doc_number", "date"] {
                assert_eq!(doc["notice"][field], truth["notice"][field], "{path}: {field}");
            }
        }
    }
}

/// A notice page saved beside its attachment: one notice with the page's metadata and the
/// attachment's tasks, the attachment found by the link's file name or by the link's text.
#[test]
fn a_page_and_its_attachment_are_one_notice() {
    let page_alone = convert("fixtures/html/cms-chrome-utf8.html");
    for (path, attachment) in [
        ("fixtures/attached/notice.html", "P020230815385112641829.xlsx"),
        ("fixtures/attached/by-title/notice.html", "教育部 甘肃省人民政府战略合作协议重点任务分解台账.xlsx"),
    ] {
        let doc = convert(path);
        assert_eq!(doc["notice"]["id"], page_alone["notice"]["id"], "{path}: the notice's id, not the attachment's");
        assert_eq!(doc["tasks"].as_array().unwrap().len(), 34, "{path}");
        let sources: Vec<(String, String, String)> = doc["notice"]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["path"].as_str().unwrap().to_string(),
                    s["role"].as_str().unwrap().to_string(),
                    s["format"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(sources.len(), 2, "{path}: {sources:?}");
        assert_eq!((sources[0].1.as_str(), sources[0].2.as_str()), ("page", "html"));
        assert!(sources[1].0.ends_with(attachment), "{sources:?}");
        assert_eq!((sources[1].1.as_str(), sources[1].2.as_str()), ("attachment", "xlsx"));
        let task = &doc["tasks"][0];
        assert_eq!(task["provenance"]["file"], attachment, "tasks name the file they came from");
        let ids: Vec<&str> = doc["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
        let page_ids: Vec<&str> =
            page_alone["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
        assert_eq!(ids, page_ids, "the same tasks as the page that shows the ledger itself");
    }
}

/// Files that carry nothing identifying a notice get ids from their own content: two different
/// attachments, two ids (never a shared constant), each with a warning; the same file, the same id.
#[test]
fn attachments_alone_are_unidentified_and_kept_apart() {
    let a = convert("fixtures/attached/unidentified/a.xlsx");
    let b = convert("fixtures/attached/unidentified/b.xlsx");
    assert_ne!(a["notice"]["id"], b["notice"]["id"]);
    for doc in [&a, &b] {
        assert!(kinds(doc).iter().any(|k| k == "notice-unidentified"), "{:?}", kinds(doc));
    }
    assert_eq!(convert("fixtures/attached/unidentified/a.xlsx")["notice"]["id"], a["notice"]["id"]);
    assert_eq!(a["tasks"].as_array().unwrap().len(), 34);
}
