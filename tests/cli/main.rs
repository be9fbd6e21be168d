//! The integration tests: the real `notice-ingest` executable on the bundled fixtures, plus the
//! splitter spec in `fixtures/splitter/cases.tsv`.
//!
//! Goldens: `UPDATE_GOLDENS=1 cargo test` rewrites a golden that differs and still fails the
//! test, so that the change is read in `git diff fixtures/` before it is committed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use notice_ingest::{Location, OfficeRegistry};
use serde_json::Value;

const SEED: &str = "fixtures/seed/000_289293f812862803.txt";
const SEED_GOLDEN: &str = "fixtures/seed/000_289293f812862803.expected.json";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_notice-ingest")).args(args).current_dir(root()).output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn convert_seed_to_stdout() -> Vec<u8> {
    let out = run(&["convert", SEED, "-o", "-"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    out.stdout
}

fn seed_json() -> Value {
    serde_json::from_slice(&convert_seed_to_stdout()).expect("convert prints JSON")
}

#[test]
fn seed_matches_its_golden() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(&["convert", SEED, "-o", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let actual = std::fs::read(tmp.path().join("000_289293f812862803.json")).unwrap();
    assert_matches_golden(&actual, SEED_GOLDEN);
}

/// Fails when `actual` differs from the golden file at `golden` (relative to the repository),
/// naming the first differing line. With `UPDATE_GOLDENS` set it rewrites the golden and still
/// fails, so that the change is read in `git diff fixtures/` before it is committed.
fn assert_matches_golden(actual: &[u8], golden: &str) {
    let golden_path = root().join(golden);
    let expected = std::fs::read(&golden_path).unwrap_or_default();
    if actual == expected {
        return;
    }
    if std::env::var_os("UPDATE_GOLDENS").is_some() {
        std::fs::write(&golden_path, actual).unwrap();
        panic!("golden {golden} rewritten: read `git diff fixtures/` before committing it");
    }
    let (a, g) = (text(actual), text(&expected));
    let line = a.lines().zip(g.lines()).position(|(x, y)| x != y).unwrap_or(0);
    panic!(
        "output differs from {golden} at line {}:\n  golden: {}\n  actual: {}\n(UPDATE_GOLDENS=1 rewrites it)",
        line + 1,
        g.lines().nth(line).unwrap_or("<end>"),
        a.lines().nth(line).unwrap_or("<end>")
    );
}

#[test]
fn conversion_is_byte_identical_across_runs() {
    assert_eq!(convert_seed_to_stdout(), convert_seed_to_stdout());
}

/// One task row of the seed, read straight from its tab-separated text without the library.
struct SeedRow {
    seq: u32,
    section: String,
    cell: String,
    leaders: Vec<String>,
    lead: Vec<String>,
    support: Vec<String>,
    implementers: Vec<String>,
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn no_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn seed_rows() -> (Vec<SeedRow>, Vec<(String, String)>) {
    let src = std::fs::read_to_string(root().join(SEED)).unwrap();
    let mut rows = Vec::new();
    let mut sections = Vec::new();
    let mut section = String::new();
    for line in src.lines().filter(|l| l.contains('\t')) {
        let cells: Vec<&str> = line.split('\t').collect();
        if let Ok(seq) = cells[0].trim().parse::<u32>() {
            rows.push(SeedRow {
                seq,
                section: section.clone(),
                cell: cells[1].to_string(),
                leaders: words(cells[2]),
                lead: words(cells[3]),
                support: words(cells[4]),
                implementers: words(cells[5]),
            });
        } else if cells[0].starts_with("<b>") {
            let label = strip_tags(cells[0]);
            let (numeral, title) = label.split_once('、').unwrap();
            section = numeral.to_string();
            sections.push((numeral.to_string(), title.to_string()));
        }
    }
    (rows, sections)
}

fn raws(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|r| r["raw"].as_str().unwrap().to_string()).collect()
}

#[test]
fn seed_tasks_match_the_seed_exactly() {
    let doc = seed_json();
    let (rows, sections) = seed_rows();
    assert_eq!(rows.len(), 34);
    assert_eq!(sections.len(), 4);
    let got_sections: Vec<(String, String)> = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["numeral"].as_str().unwrap().to_string(), s["title"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(got_sections, sections);
    let tasks = doc["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), rows.len());
    for (t, row) in tasks.iter().zip(&rows) {
        let seq = row.seq;
        assert_eq!(t["seq"], seq, "task order");
        assert_eq!(t["section"], row.section.as_str(), "task {seq} section");
        let plain = strip_tags(&row.cell);
        assert_eq!(no_space(t["text"].as_str().unwrap()), no_space(&plain), "task {seq} text");
        assert!(!t["text"].as_str().unwrap().contains(['<', '>']), "task {seq} text keeps markup");
        let expected_title = match row.cell.split_once("</b>") {
            Some((bold, _)) => strip_tags(bold),
            None => plain.split('。').next().unwrap().to_string(),
        };
        assert_eq!(t["title"], expected_title.trim().trim_end_matches('。'), "task {seq} title");
        let leaders: Vec<String> =
            t["leaders"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect();
        assert_eq!(leaders, row.leaders, "task {seq} leaders");
        assert_eq!(raws(&t["lead_offices"]), row.lead, "task {seq} lead offices");
        assert_eq!(raws(&t["support_offices"]), row.support, "task {seq} support offices");
        assert_eq!(raws(&t["implementers"]), row.implementers, "task {seq} implementers");
        assert!(t["deadline"].is_null());
    }
    // The typos the notice carries survive (task 23: 德育技并修, task 25: 硕土层次).
    assert!(tasks[22]["text"].as_str().unwrap().contains("德育技并修"));
    assert!(tasks[24]["text"].as_str().unwrap().contains("硕土层次"));
}

#[test]
fn every_seed_office_has_a_code_and_aliases_share_one() {
    let doc = seed_json();
    let mut code_of = std::collections::HashMap::new();
    for t in doc["tasks"].as_array().unwrap() {
        for list in ["lead_offices", "support_offices", "implementers"] {
            for r in t[list].as_array().unwrap() {
                let code = r["code"].as_str().unwrap_or_else(|| panic!("{} has no code", r["raw"]));
                code_of.insert(r["raw"].as_str().unwrap().to_string(), code.to_string());
            }
        }
    }
    assert_eq!(code_of["职教处"], code_of["职成处"]);
    assert_eq!(code_of["发展处"], "gsjyt.fazhan");
    assert_ne!(code_of["职教处"], code_of["发展处"]);
    let reporting = &doc["notice"]["reporting"][0];
    assert_eq!(reporting["frequency"], "quarterly");
    assert_eq!(reporting["to"][0]["code"], code_of["发展处"].as_str(), "the body's 发展规划处 is the ledger's 发展处");
    let diags = doc["diagnostics"].as_array().unwrap();
    assert!(diags.iter().all(|d| d["severity"] == "info"), "the seed raises no warning: {diags:?}");
    assert!(diags.iter().any(|d| d["kind"] == "office-alias" && d["message"].as_str().unwrap().contains("职教处")));
}

#[test]
fn seed_metadata_is_read_from_the_body() {
    let doc = seed_json();
    let n = &doc["notice"];
    assert_eq!(n["issuer"], "甘肃省教育厅");
    assert_eq!(n["title"], "关于印发《教育部 甘肃省人民政府战略合作协议重点任务分解台账》的通知");
    assert_eq!(n["source"]["format"], "text");
    assert_eq!(n["source"]["pages"], 15);
    assert_eq!(
        raws(&n["recipients"]),
        ["各市（州）教育局", "兰州新区教体局", "各高等学校", "厅直有关单位", "甘肃开放大学", "厅机关各处室"]
    );
    assert!(n["recipients"].as_array().unwrap().iter().all(|r| r["code"].is_string()));
    assert_eq!(n["attachments"][0]["title"], "教育部 甘肃省人民政府战略合作协议重点任务分解台账");
    let duty = &n["reporting"][0];
    assert_eq!(duty["from"], "各牵头单位");
    assert_eq!(duty["frequency_raw"], "每季度末");
    assert_eq!(duty["content"], "推进落实情况");
}

fn write_json(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn validate_accepts_the_golden_and_rejects_broken_copies_with_instance_paths() {
    let out = run(&["validate", SEED_GOLDEN]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    let golden: Value = serde_json::from_slice(&std::fs::read(root().join(SEED_GOLDEN)).unwrap()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut missing_seq = golden.clone();
    missing_seq["tasks"][3].as_object_mut().unwrap().remove("seq");
    let mut string_seq = golden.clone();
    string_seq["tasks"][0]["seq"] = Value::from("1");
    let mut no_raw = golden.clone();
    no_raw["tasks"][2]["support_offices"][0].as_object_mut().unwrap().remove("raw");
    let cases = [
        (write_json(tmp.path(), "missing-seq.json", &missing_seq), "/tasks/3", "seq"),
        (write_json(tmp.path(), "string-seq.json", &string_seq), "/tasks/0/seq", "\"1\""),
        (write_json(tmp.path(), "no-raw.json", &no_raw), "/tasks/2/support_offices/0", "raw"),
    ];
    for (path, instance_path, mentions) in cases {
        let out = run(&["validate", &path]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{path} must be rejected: {stdout}");
        let line = stdout
            .lines()
            .find(|l| l.contains(&format!(": {instance_path}: ")))
            .unwrap_or_else(|| panic!("{path}: no violation at {instance_path} in {stdout}"));
        assert!(line.contains(mentions), "{line}");
    }
    let out = run(&["validate", "fixtures/splitter/cases.tsv"]);
    assert_eq!(out.status.code(), Some(1), "non-JSON is invalid: {}", text(&out.stdout));
}

#[test]
fn clear_errors_and_exit_codes_for_bad_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out_dir = out_dir.to_str().unwrap();

    let out = run(&["convert", "no/such/notice.txt", "-o", out_dir]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read no/such/notice.txt"), "{}", text(&out.stderr));

    let junk = tmp.path().join("junk.bin");
    std::fs::write(&junk, [0u8, 159, 146, 150, 0, 1, 2, 3]).unwrap();
    let out = run(&["convert", junk.to_str().unwrap(), "-o", out_dir]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("unrecognised format"), "{}", text(&out.stderr));

    let no_table = tmp.path().join("no-table.txt");
    std::fs::write(&no_table, "# 甘肃省教育厅\n\n## 关于做好某项工作的通知\n\n正文没有台账。\n").unwrap();
    let out = run(&["convert", no_table.to_str().unwrap(), "-o", out_dir]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no task ledger found"), "{}", text(&out.stderr));

    let pdf = tmp.path().join("notice.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n%%EOF\n").unwrap();
    let out = run(&["convert", pdf.to_str().unwrap(), "-o", out_dir]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("notice.pdf: PDF: "), "{}", text(&out.stderr));

    // A file over its time budget fails with an error naming the budget and the stage.
    let out = run(&["convert", SEED, "-o", out_dir, "--time-budget", "0.000001"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("the time budget of 0.0 s ran out"), "{}", text(&out.stderr));
    let out = run(&["convert", SEED, "-o", out_dir, "--time-budget", "-3"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let twin = tmp.path().join("000_289293f812862803.txt");
    std::fs::copy(root().join(SEED), &twin).unwrap();
    let out = run(&["convert", SEED, twin.to_str().unwrap(), "-o", out_dir]);
    assert_eq!(out.status.code(), Some(2), "two inputs with one output name are refused before any work");
    assert!(text(&out.stderr).contains("would both be written to"), "{}", text(&out.stderr));

    let out = run(&["convert", "--format", "yaml", SEED]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");

    // One bad file does not stop the others; the exit code reports it.
    let out = run(&["convert", junk.to_str().unwrap(), SEED, "-o", out_dir]);
    assert_eq!(out.status.code(), Some(1));
    assert!(tmp.path().join("out/000_289293f812862803.json").exists());
}

#[test]
fn jsonl_and_csv_outputs_hold_every_task() {
    let out = run(&["convert", SEED, "-o", "-", "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 34);
    assert!(lines.iter().all(|l| l["notice_id"].as_str().unwrap().starts_with("n-")));
    assert_eq!(lines[33]["seq"], 34);

    let out = run(&["convert", SEED, "-o", "-", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.starts_with(b"\xEF\xBB\xBF"), "CSV starts with a BOM for spreadsheet programs");
    let mut reader = csv::Reader::from_reader(&out.stdout[3..]);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 34);
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&records[22][col("leaders")], "党勤;曾华辉;白江平");
    // Every row names its notice and file; the seed's ledger has no measures column.
    assert!(records.iter().all(|r| r[col("notice_title")].contains("通知") && &r[col("source_file")] == SEED));
    assert!(records.iter().all(|r| r[col("measure_no")].is_empty() && r[col("measure_text")].is_empty()));
    assert_eq!(
        &records[0][col("support_office_codes")],
        "gsjyt.jijiao;gsjyt.gaojiao;gsjyt.zhicheng;gsjyt.minjiao;gsjyt.yuguan"
    );
}

#[test]
fn another_registry_keeps_every_task_and_names_unknown_offices() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("reg.json");
    std::fs::write(
        &reg,
        r#"{"id":"tiny","issuer":"某厅","entries":[{"code":"tiny.jijiao","kind":"office","name":"基础教育处","short_names":["基教处"]}]}"#,
    )
    .unwrap();
    let out = run(&["convert", SEED, "-o", "-", "--registry", reg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "unknown offices are warnings, not errors: {}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 34);
    assert_eq!(doc["notice"]["registry"], "tiny");
    let first = &doc["tasks"][0]["lead_offices"][0];
    assert_eq!(
        (first["code"].clone(), first["raw"].clone(), first["name"].clone()),
        (Value::Null, "思政处".into(), "思政处".into())
    );
    assert_eq!(doc["tasks"][0]["support_offices"][0]["code"], "tiny.jijiao");
    assert!(text(&out.stderr).contains("unknown-office"));

    std::fs::write(&reg, r#"{"id":"bad","issuer":"x","entries":[{"code":"A B","kind":"office","name":"x"}]}"#).unwrap();
    let out = run(&["convert", SEED, "-o", "-", "--registry", reg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("codes must be"), "{}", text(&out.stderr));
}

#[test]
fn split_and_offices_commands() {
    let out = run(&["split", "基教处高教处职教处"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let codes: Vec<&str> = stdout.lines().map(|l| l.split(" -> ").nth(1).unwrap().split(' ').next().unwrap()).collect();
    assert_eq!(codes, ["gsjyt.jijiao", "gsjyt.gaojiao", "gsjyt.zhicheng"]);

    let out = run(&["split", "宣传处"]);
    assert_eq!(out.status.code(), Some(1), "an unknown name is reported");
    assert!(text(&out.stdout).contains("(unknown)"));

    let out = run(&["offices"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("gsjyt.zhicheng") && stdout.contains("职教处"));
    let out = run(&["offices", "--json"]);
    let entries: Vec<Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(entries.len(), OfficeRegistry::builtin().entries().len());
}

/// `offices collect` drafts a registry an issuer without one can start from: it loads as a
/// registry, and with it every unit of the notices it came from resolves.
#[test]
fn offices_collect_drafts_a_registry_that_resolves_the_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    for ext in ["html", "docx", "pdf"] {
        std::fs::copy(root().join(format!("fixtures/real/lishan.{ext}")), tmp.path().join(format!("lishan.{ext}")))
            .unwrap();
    }
    let out = run(&["offices", "collect", tmp.path().to_str().unwrap(), "--id", "lishan"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let draft: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(draft["issuer"], "鞍山市立山区人民政府");
    let entries = draft["entries"].as_array().unwrap();
    let fagai = entries.iter().find(|e| e["name"] == "区发改局").expect("区发改局 drafted");
    assert_eq!(fagai["code"], "lishan.qufagaiju");
    assert!(fagai["note"].as_str().unwrap().contains("lead 9"), "{}", fagai["note"]);
    assert!(entries.iter().all(|e| e["note"].as_str().unwrap().starts_with("draft, to confirm")));
    let path = tmp.path().join("registry.json");
    std::fs::write(&path, &out.stdout).unwrap();
    let out = run(&["convert", "fixtures/real/lishan.docx", "--registry", path.to_str().unwrap(), "-o", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    for t in doc["tasks"].as_array().unwrap() {
        for o in t["lead_offices"].as_array().unwrap().iter().chain(t["support_offices"].as_array().unwrap()) {
            assert!(o["code"].is_string(), "{o} resolves with the draft");
        }
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('n') {
            out.push('\n');
            rest = r;
        } else if let Some(r) = after.strip_prefix('r') {
            out.push('\r');
            rest = r;
        } else if let Some(r) = after.strip_prefix('t') {
            out.push('\t');
            rest = r;
        } else if let Some(r) = after.strip_prefix("u{") {
            let end = r.find('}').expect("closing brace");
            out.push(char::from_u32(u32::from_str_radix(&r[..end], 16).unwrap()).unwrap());
            rest = &r[end + 1..];
        } else {
            out.push('\\');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn splitter_spec() {
    let registry = OfficeRegistry::builtin();
    let spec = std::fs::read_to_string(root().join("fixtures/splitter/cases.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut cases = 0;
    for (n, line) in spec.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "line {}: three tab-separated columns expected", n + 1);
        cases += 1;
        let input = unescape(cols[0]);
        let (refs, diags) = registry.split(&input, &Location::default());
        let got_refs = if refs.is_empty() {
            "-".to_string()
        } else {
            refs.iter()
                .map(|r| {
                    let marker = r.marker.as_deref().map(|m| format!(" [{m}]")).unwrap_or_default();
                    format!("{}=>{}{marker}", r.raw, r.code.as_deref().unwrap_or("?"))
                })
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let got_diags = if diags.is_empty() {
            "-".to_string()
        } else {
            diags.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>().join(",")
        };
        if got_refs != cols[1] || got_diags != cols[2] {
            failures.push(format!(
                "line {}: {:?}\n  expected: {}\t{}\n  got:      {got_refs}\t{got_diags}",
                n + 1,
                cols[0],
                cols[1],
                cols[2]
            ));
        }
        // Nothing is dropped: every non-separator character of the input is in some raw.
        // Two references read from one bracketed segment share its raw text: count it once.
        // A duty phrase is kept as the marker of the names before it, not in their raw text.
        let mut raws: Vec<String> = refs
            .iter()
            .map(|r| match r.marker.as_deref().filter(|m| !r.raw.contains(m)) {
                Some(m) if std::ptr::eq(r, refs.last().unwrap()) => format!("{}{m}", r.raw),
                _ => r.raw.clone(),
            })
            .collect();
        raws.dedup();
        let kept: String = raws.concat().replace('、', "");
        let dropped_marker = diags.iter().any(|d| d.kind == "stray-role-marker" || d.kind == "duplicate-office");
        if !dropped_marker {
            let significant: String =
                input.chars().filter(|c| !c.is_whitespace() && !"、，,；;/和".contains(*c)).collect();
            assert_eq!(no_space(&kept).replace(['和'], ""), significant, "line {}: characters lost", n + 1);
        }
    }
    assert!(cases >= 30, "the spec has {cases} cases");
    assert!(failures.is_empty(), "{} of {cases} splitter cases failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn rowspan_cells_belong_to_every_row_they_span() {
    let page = std::fs::read_to_string(root().join("fixtures/html/rowspan-ledger.html")).unwrap();
    assert!(page.contains("<td rowspan=11>曾华辉</td>"), "the fixture merges the leader of tasks 11–21");
    assert!(page.contains("<td rowspan=6>高教处 职成处</td>"), "and the support offices of tasks 15–20");
    let out = run(&["convert", "fixtures/html/rowspan-ledger.html", "-o", "-"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    for t in &doc["tasks"].as_array().unwrap()[14..20] {
        assert_eq!(t["leaders"], serde_json::json!(["曾华辉"]), "task {}", t["seq"]);
        assert_eq!(raws(&t["lead_offices"]), ["科技处"], "task {}", t["seq"]);
        assert_eq!(raws(&t["support_offices"]), ["高教处", "职成处"], "task {}", t["seq"]);
    }
}

#[test]
fn the_gbk_page_declared_gb2312_needs_gbk() {
    let bytes = std::fs::read(root().join("fixtures/html/word-gb2312.html")).unwrap();
    assert!(String::from_utf8_lossy(&bytes[..2000]).contains("charset=gb2312"));
    assert!(std::str::from_utf8(&bytes).is_err(), "the page is not UTF-8");
    let out = run(&["convert", "fixtures/html/word-gb2312.html", "-o", "-"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["tasks"][8]["text"].as_str().unwrap().contains("管理體系"), "a GBK-only character decodes");
    assert!(doc["diagnostics"].as_array().unwrap().iter().all(|d| d["kind"] != "invalid-bytes"));
}

mod batch;
mod hostile;
mod hostile_outputs;
mod incremental;
mod ledgers;
mod malformed;
mod notices;
mod real;
mod renditions;
mod serve;
mod spreadsheets;
