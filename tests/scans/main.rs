//! Scanned notices (`fixtures/scans/`): the scan front-end against the truth of the vector
//! renditions, scored. Scores are thresholds, not exact strings: OCR may read a character
//! differently on another version of tesseract.
//!
//! The scans, all committed and made from the project's own vector PDFs by
//! `fixtures/scans/make_scans.sh` (poppler, ImageMagick, img2pdf, tiff2pdf): `seed-clean-300.pdf`
//! (300 dpi grey, JPEG 75), `seed-degraded-200.pdf` (200 dpi colour, turned under 1°, noise, a
//! red seal, JPEG 50), `seed-ccitt-300.pdf` (black and white, CCITT G4) and
//! `hierarchical-300.pdf`.
//!
//! OCR of 36 pages takes minutes, and 3–4 times longer in a debug build: the scored tests run
//! against the release binary (`cargo test --release --test scans`, as `.ci/run` does) and are
//! ignored in debug builds. Without tesseract (and its chi_sim model) they say so and pass,
//! unless `NOTICE_INGEST_REQUIRE_OCR` is set (CI sets it), where they fail.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

const SEED: &str = "fixtures/seed/000_289293f812862803.txt";

// The share of fields asserted per scan. Where issue #20's target is met on this machine's
// tesseract (5.3.0 with `HanS+chi_sim`, the CI image), the target; where it is not yet, a
// regression guard a point below the share measured on 2026-11-30. The tests print the measured
// share, the guard and the target side by side.
/// Measured 93.1% (190 of 204 fields) with the lexicon's second look at doubtful characters:
/// the target of 93% is met and asserted.
const CLEAN_GUARD: f64 = 0.93;
/// Measured 92.2%: the target of 88% is met and asserted.
const DEGRADED_GUARD: f64 = 0.88;
/// Measured 93.1%: the target of 88% is met and asserted.
const CCITT_GUARD: f64 = 0.88;
/// Measured 93.1% (108 of 116 fields): the target of 33 of 36 (91.7%) is met and asserted.
const HIERARCHICAL_GUARD: f64 = 33.0 / 36.0;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_notice-ingest"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
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

fn no_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// A task row of the seed's text rendition (the truth).
struct SeedRow {
    seq: u32,
    cell: String,
    leaders: Vec<String>,
    lead: Vec<String>,
    support: Vec<String>,
}

/// The seed's task rows, from its text rendition.
fn seed_rows() -> Vec<SeedRow> {
    let src = std::fs::read_to_string(root().join(SEED)).unwrap();
    src.lines()
        .filter(|l| l.contains('\t'))
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            let seq = cells[0].trim().parse::<u32>().ok()?;
            Some(SeedRow {
                seq,
                cell: cells[1].to_string(),
                leaders: words(cells[2]),
                lead: words(cells[3]),
                support: words(cells[4]),
            })
        })
        .collect()
}

/// Whether OCR can run here; without it, a test that needs it is skipped (or fails when
/// `NOTICE_INGEST_REQUIRE_OCR` is set).
fn ocr_available(test: &str) -> bool {
    let ok = std::process::Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == "chi_sim"));
    if !ok {
        assert!(
            std::env::var_os("NOTICE_INGEST_REQUIRE_OCR").is_none(),
            "{test}: tesseract with chi_sim is required (NOTICE_INGEST_REQUIRE_OCR is set)"
        );
        eprintln!("{test}: skipped, tesseract with the chi_sim model is not installed");
    } else if std::env::var_os("NOTICE_INGEST_REQUIRE_OCR").is_some() {
        // The thresholds are measured with both models: CI reads as users who follow the README.
        assert_eq!(language(), "HanS+chi_sim", "{test}: the HanS model is required (NOTICE_INGEST_REQUIRE_OCR is set)");
    }
    ok
}

/// The models the record names: the Han script model with the Chinese one where it is
/// installed (CI installs it), the Chinese one alone where not.
fn language() -> &'static str {
    let listed = std::process::Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == "HanS"));
    if listed {
        "HanS+chi_sim"
    } else {
        "chi_sim"
    }
}

fn convert(path: &str) -> Value {
    let out = run(&["convert", path, "-o", "-"]);
    assert_eq!(out.status.code(), Some(0), "{path}: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn raws(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|r| r["raw"].as_str().unwrap().to_string()).collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// Levenshtein distance by characters.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            cur[j] = (prev[j - 1] + usize::from(a[i - 1] != b[j - 1])).min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Where `got` differs from `want`, compactly: each run of differing characters as
/// `…before[read→right]after…` with a few characters around it (short fields whole).
fn differences(got: &str, want: &str) -> String {
    let (a, b): (Vec<char>, Vec<char>) = (got.chars().collect(), want.chars().collect());
    if a.len() + b.len() <= 60 {
        return format!("read {got:?}, truth {want:?}");
    }
    // Levenshtein table, then the alignment back from the end.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, v) in d[0].iter_mut().enumerate() {
        *v = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            d[i][j] = (d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1])).min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
        }
    }
    // (got char, want char) pairs of the alignment, front to back; None is a gap.
    let mut pairs: Vec<(Option<char>, Option<char>)> = Vec::new();
    let (mut i, mut j) = (a.len(), b.len());
    while i > 0 || j > 0 {
        if i > 0 && j > 0 && d[i][j] == d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]) {
            pairs.push((Some(a[i - 1]), Some(b[j - 1])));
            (i, j) = (i - 1, j - 1);
        } else if i > 0 && d[i][j] == d[i - 1][j] + 1 {
            pairs.push((Some(a[i - 1]), None));
            i -= 1;
        } else {
            pairs.push((None, Some(b[j - 1])));
            j -= 1;
        }
    }
    pairs.reverse();
    let same = |p: &(Option<char>, Option<char>)| p.0.is_some() && p.0 == p.1;
    let mut out = Vec::new();
    let mut k = 0;
    while k < pairs.len() {
        if same(&pairs[k]) {
            k += 1;
            continue;
        }
        let start = k;
        while k < pairs.len() && !same(&pairs[k]) {
            k += 1;
        }
        let ctx = |r: std::ops::Range<usize>| pairs[r].iter().filter_map(|p| p.1).collect::<String>();
        let read: String = pairs[start..k].iter().filter_map(|p| p.0).collect();
        let right: String = pairs[start..k].iter().filter_map(|p| p.1).collect();
        out.push(format!(
            "…{}[{read}→{right}]{}…",
            ctx(start.saturating_sub(4)..start),
            ctx(k..(k + 4).min(pairs.len()))
        ));
    }
    out.join(" ")
}

/// Cells a person is sent to: (task, column) of each `ocr-low-confidence` or `ocr-corrected`
/// diagnostic.
fn flagged(doc: &Value) -> std::collections::BTreeSet<(u64, u64)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "ocr-low-confidence" || d["kind"] == "ocr-corrected")
        .filter_map(|d| Some((d["location"]["task_seq"].as_u64()?, d["location"]["column"].as_u64()?)))
        .collect()
}

/// Field scores of one conversion.
#[derive(Default)]
struct Score {
    /// field → (right, total)
    fields: BTreeMap<&'static str, (usize, usize)>,
    wrong: usize,
    wrong_flagged: usize,
    /// Character errors and characters of the task texts.
    char_errors: usize,
    chars: usize,
    /// Each wrong field: task, field, whether flagged, what was read and what is right.
    wrong_fields: Vec<String>,
}

impl Score {
    fn add(&mut self, field: &'static str, right: bool, flagged: bool) {
        let e = self.fields.entry(field).or_default();
        e.1 += 1;
        if right {
            e.0 += 1;
        } else {
            self.wrong += 1;
            self.wrong_flagged += usize::from(flagged);
        }
    }

    /// Like [`Score::add`], noting a wrong field's reading and truth for the printout.
    fn add_seen(&mut self, seq: u64, field: &'static str, got: String, want: String, flagged: bool) {
        let right = got == want;
        self.add(field, right, flagged);
        if !right {
            let flag = if flagged { "flagged" } else { "NOT flagged" };
            self.wrong_fields.push(format!("task {seq} {field} ({flag}): {}", differences(&got, &want)));
        }
    }

    fn right(&self) -> f64 {
        let (r, t) = self.fields.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        r as f64 / t.max(1) as f64
    }

    fn coverage(&self) -> f64 {
        if self.wrong == 0 {
            1.0
        } else {
            self.wrong_flagged as f64 / self.wrong as f64
        }
    }

    fn cer(&self) -> f64 {
        self.char_errors as f64 / self.chars.max(1) as f64
    }

    fn print(&self, what: &str) {
        let per: Vec<String> = self.fields.iter().map(|(f, (r, t))| format!("{f} {r}/{t}")).collect();
        eprintln!(
            "{what}: {:.1}% of fields ({}); character error rate of task texts {:.2}%; {} wrong fields, {} of them ({:.0}%) in flagged cells",
            100.0 * self.right(),
            per.join(", "),
            100.0 * self.cer(),
            self.wrong,
            self.wrong_flagged,
            100.0 * self.coverage()
        );
        for w in &self.wrong_fields {
            eprintln!("  {what}: wrong: {w}");
        }
    }
}

/// Scores a conversion of the seed against its text rendition: seq, text (whitespace aside),
/// leaders, lead and supporting offices (as written), deadline.
fn score_seed(doc: &Value) -> Score {
    let rows = seed_rows();
    let flags = flagged(doc);
    let tasks = doc["tasks"].as_array().unwrap();
    let mut s = Score::default();
    for row in &rows {
        let seq = u64::from(row.seq);
        let truth_text = no_space(&strip_tags(&row.cell));
        s.chars += truth_text.chars().count();
        let Some(t) = tasks.iter().find(|t| t["seq"] == seq) else {
            for f in ["seq", "text", "leaders", "lead", "support", "deadline"] {
                s.add(f, false, false);
            }
            s.wrong_fields.push(format!("task {seq}: missing"));
            s.char_errors += truth_text.chars().count();
            continue;
        };
        let got_text = no_space(t["text"].as_str().unwrap());
        s.char_errors += distance(&got_text, &truth_text);
        let flag = |col: u64| flags.contains(&(seq, col));
        s.add("seq", true, flag(1));
        s.add_seen(seq, "text", got_text, truth_text, flag(2));
        s.add_seen(seq, "leaders", format!("{:?}", strings(&t["leaders"])), format!("{:?}", row.leaders), flag(3));
        s.add_seen(seq, "lead", format!("{:?}", raws(&t["lead_offices"])), format!("{:?}", row.lead), flag(4));
        s.add_seen(seq, "support", format!("{:?}", raws(&t["support_offices"])), format!("{:?}", row.support), flag(5));
        s.add("deadline", t["deadline"].is_null(), false);
    }
    s
}

/// The lattice tables of each page: (page, columns, rows), from the `pdf-table-method` diagnostics.
fn lattices(doc: &Value) -> Vec<(u64, String)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "pdf-table-method")
        .map(|d| {
            let m = d["message"].as_str().unwrap();
            (d["location"]["page"].as_u64().unwrap(), m.rsplit(", ").next().unwrap().to_string())
        })
        .collect()
}

/// The scan's grid is the vector PDF's on every table page: the same tables (columns × rows), and
/// every task's cells in the same columns on the same pages, within 3 pt.
fn assert_same_grid(scan: &Value, vector: &Value, what: &str) {
    assert_eq!(lattices(scan), lattices(vector), "{what}: lattice tables per page");
    let (got, want) = (scan["tasks"].as_array().unwrap(), vector["tasks"].as_array().unwrap());
    for w in want {
        let Some(g) = got.iter().find(|g| g["seq"] == w["seq"]) else { continue };
        let cells = |t: &Value| t["provenance"]["cells"].as_array().unwrap().clone();
        let (gc, wc) = (cells(g), cells(w));
        assert_eq!(gc.len(), wc.len(), "{what}: task {} cell fragments", w["seq"]);
        for (a, b) in gc.iter().zip(&wc) {
            assert_eq!((&a["column"], &a["page"]), (&b["column"], &b["page"]), "{what}: task {}", w["seq"]);
            for k in 0..4 {
                let (x, y) = (a["bbox"][k].as_f64().unwrap(), b["bbox"][k].as_f64().unwrap());
                assert!((x - y).abs() <= 3.0, "{what}: task {}: {} vs {}", w["seq"], a["bbox"], b["bbox"]);
            }
        }
    }
}

/// The share of fields asserted (`guard`, a regression guard a point below what this machine's
/// tesseract reaches) beside issue #20's acceptance target, both printed: a target not met shows
/// as such in the test output instead of being lowered silently.
fn check_fields(what: &str, right: f64, guard: f64, target: f64) {
    let met = if right >= target { "met" } else { "NOT met" };
    let asserted = if guard >= target { "the target" } else { "a regression guard" };
    eprintln!(
        "{what}: {:.1}% of fields; asserted ≥ {:.1}% ({asserted}), issue #20 target {:.1}%: {met}",
        100.0 * right,
        100.0 * guard,
        100.0 * target
    );
    assert!(right >= guard, "{what}: {:.1}% of fields < {:.1}%", 100.0 * right, 100.0 * guard);
}

/// Checks a scan of the seed: the record says it came from OCR, every flagged cell is located,
/// the grid is the vector PDF's, and the field score and flag coverage reach their thresholds
/// (see [`check_fields`] for `guard` and `target`).
fn check_seed_scan(path: &str, what: &str, guard: f64, target: f64) {
    let doc = convert(path);
    let vector = convert("fixtures/pdf/seed-libreoffice.pdf");
    let ocr = &doc["notice"]["source"]["ocr"];
    assert_eq!(ocr["language"], language(), "{what}: the record says OCR read it, and with which models");
    assert_eq!(ocr["pages"].as_array().unwrap().len(), 11, "{what}");
    assert_eq!(doc["notice"]["sources"][0]["ocr"], *ocr);
    assert_eq!(doc["schema_version"], "1.3.0");
    for d in doc["diagnostics"].as_array().unwrap() {
        if d["kind"] == "ocr-low-confidence" {
            assert_eq!(d["severity"], "warning");
            assert!(d["location"]["page"].is_u64(), "{what}: {d}");
        }
    }
    assert_same_grid(&doc, &vector, what);
    let score = score_seed(&doc);
    score.print(what);
    check_fields(what, score.right(), guard, target);
    assert!(score.coverage() >= 0.8, "{what}: only {:.0}% of wrong fields are flagged", 100.0 * score.coverage());
    assert!(score.cer() < 0.05, "{what}: character error rate {:.2}%", 100.0 * score.cer());
}

#[test]
#[cfg_attr(debug_assertions, ignore = "OCR is scored against the release binary: cargo test --release --test scans")]
fn seed_scan_clean_300_dpi() {
    if ocr_available("seed_scan_clean_300_dpi") {
        check_seed_scan("fixtures/scans/seed-clean-300.pdf", "clean 300 dpi", CLEAN_GUARD, 0.93);
    }
}

#[test]
#[cfg_attr(debug_assertions, ignore = "OCR is scored against the release binary: cargo test --release --test scans")]
fn seed_scan_degraded_200_dpi() {
    if ocr_available("seed_scan_degraded_200_dpi") {
        check_seed_scan("fixtures/scans/seed-degraded-200.pdf", "degraded 200 dpi", DEGRADED_GUARD, 0.88);
    }
}

#[test]
#[cfg_attr(debug_assertions, ignore = "OCR is scored against the release binary: cargo test --release --test scans")]
fn seed_scan_black_and_white_ccitt() {
    if ocr_available("seed_scan_black_and_white_ccitt") {
        check_seed_scan("fixtures/scans/seed-ccitt-300.pdf", "CCITT G4 300 dpi", CCITT_GUARD, 0.88);
    }
}

/// The hierarchical ledger: per task seq and text, per measure text, lead, supporting offices and
/// deadline, against `fixtures/ledgers/hierarchical.truth.json`.
#[test]
#[cfg_attr(debug_assertions, ignore = "OCR is scored against the release binary: cargo test --release --test scans")]
fn hierarchical_scan() {
    if !ocr_available("hierarchical_scan") {
        return;
    }
    let doc = convert("fixtures/scans/hierarchical-300.pdf");
    let truth: Value =
        serde_json::from_slice(&std::fs::read(root().join("fixtures/ledgers/hierarchical.truth.json")).unwrap())
            .unwrap();
    let vector = convert("fixtures/ledgers/hierarchical.pdf");
    assert_eq!(lattices(&doc), lattices(&vector), "the grid is the vector PDF's");
    let flags = flagged(&doc);
    let names = |v: &Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|r| r["raw"].as_str().unwrap().to_string()).collect()
    };
    let mut s = Score::default();
    for w in truth["tasks"].as_array().unwrap() {
        let seq = w["seq"].as_u64().unwrap();
        let g = doc["tasks"].as_array().unwrap().iter().find(|t| t["seq"] == seq);
        let measures = w["measures"].as_array().unwrap();
        let flag = |col: u64| flags.contains(&(seq, col));
        let Some(g) = g else {
            s.wrong_fields.push(format!("task {seq}: missing"));
            s.add("seq", false, false);
            s.add("text", false, false);
            for _ in measures {
                for f in ["measure", "lead", "support", "deadline"] {
                    s.add(f, false, false);
                }
            }
            continue;
        };
        s.add("seq", true, flag(1));
        s.add_seen(seq, "text", no_space(g["text"].as_str().unwrap()), no_space(w["task"].as_str().unwrap()), flag(2));
        let gm = g["measures"].as_array().unwrap();
        for (i, m) in measures.iter().enumerate() {
            let got = gm.get(i);
            let deadline = |d: &Value| if d.is_null() { Value::Null } else { d["raw"].clone() };
            // What measure `i` read, or a placeholder no truth equals when it is missing.
            let seen = |f: &dyn Fn(&Value) -> String| got.map_or_else(|| "<no measure>".to_string(), f);
            // Measures' columns: 3 text, 4 lead, 5 support, 6 deadline.
            s.add_seen(
                seq,
                "measure",
                seen(&|x| no_space(x["text"].as_str().unwrap())),
                no_space(m["text"].as_str().unwrap()),
                flag(3),
            );
            s.add_seen(
                seq,
                "lead",
                seen(&|x| format!("{:?}", names(&x["lead_offices"]))),
                format!("{:?}", strings(&m["lead"])),
                flag(4),
            );
            s.add_seen(
                seq,
                "support",
                seen(&|x| format!("{:?}", names(&x["support_offices"]))),
                format!("{:?}", strings(&m["support"])),
                flag(5),
            );
            s.add_seen(
                seq,
                "deadline",
                seen(&|x| deadline(&x["deadline"]).to_string()),
                m["deadline"].to_string(),
                flag(6),
            );
        }
    }
    s.print("hierarchical 300 dpi");
    check_fields("hierarchical 300 dpi", s.right(), HIERARCHICAL_GUARD, 33.0 / 36.0);
}
