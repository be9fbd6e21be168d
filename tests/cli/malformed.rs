//! The malformed-input corpus: hostile and broken files, generated here at test time, each run
//! through the real executable under a watchdog. Every one must end in a clear error or in a
//! document whose diagnostics say what was wrong — never a panic, a hang or a task lost.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{root, SEED};

/// What a case must give.
pub enum Expect {
    /// Exit 1 with this text in the error message.
    Error(&'static str),
    /// A document with at least this many tasks and a diagnostic of this kind (if any); exit 0, or
    /// exit 1 when the document carries error diagnostics (printed on stderr).
    Converted { tasks: usize, diagnostic: Option<&'static str> },
}

/// Runs `convert FILE -o -` with extra flags and a watchdog; returns (exit code, stdout, stderr).
pub fn convert_with_watchdog(file: &Path, flags: &[&str], limit: Duration) -> (Option<i32>, Vec<u8>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_notice-ingest"))
        .arg("convert")
        .arg(file)
        .args(["-o", "-"])
        .args(flags)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        stdout.read_to_end(&mut b).ok();
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).ok();
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().ok();
            panic!("{} did not finish within {limit:?}: a hang", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.code(), out_reader.join().unwrap(), err_reader.join().unwrap())
}

/// Checks one case and returns the converted document, if any.
pub fn check(file: &Path, flags: &[&str], expect: &Expect) -> Option<Value> {
    let (code, stdout, stderr) = convert_with_watchdog(file, flags, Duration::from_secs(120));
    let name = file.file_name().unwrap().to_string_lossy();
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    match expect {
        Expect::Error(needle) => {
            assert_eq!(code, Some(1), "{name}: exit {code:?}, stderr {stderr}");
            assert!(stderr.contains(needle), "{name}: expected {needle:?} in {stderr}");
            assert!(stderr.contains(&*name), "{name}: the error names the file: {stderr}");
            None
        }
        Expect::Converted { tasks, diagnostic } => {
            assert!(
                code == Some(0) || (code == Some(1) && stderr.contains("error[")),
                "{name}: exit {code:?}, stderr {stderr}"
            );
            let doc: Value = serde_json::from_slice(&stdout).unwrap();
            let n = doc["tasks"].as_array().unwrap().len();
            assert!(n >= *tasks, "{name}: {n} tasks, expected at least {tasks}");
            if let Some(kind) = diagnostic {
                let kinds: Vec<_> = doc["diagnostics"].as_array().unwrap().iter().map(|d| d["kind"].clone()).collect();
                assert!(kinds.iter().any(|k| k == kind), "{name}: no {kind} diagnostic in {kinds:?}");
            }
            Some(doc)
        }
    }
}

fn pseudo_random(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 11) as u8
        })
        .collect()
}

const HEADER: &str = "序号\t主要任务\t分管领导\t牵头处室\t配合处室\t实施单位\n";

#[test]
fn malformed_corpus_gives_clear_errors_or_diagnostics() {
    let tmp = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(root().join(SEED)).unwrap();
    let cms = std::fs::read(root().join("fixtures/html/cms-utf8.html")).unwrap();
    let huge_cell = "很长的任务内容".repeat(2_000_000 / 7);
    let huge_offices = "基教处高教处".repeat(2_000_000 / 6);
    let mut declared_gbk = String::from_utf8(cms.clone()).unwrap();
    declared_gbk = declared_gbk.replacen("<head>", "<head><meta charset=\"gbk\">", 1);
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("empty.txt", Vec::new(), Expect::Error("empty")),
        ("empty.html", Vec::new(), Expect::Error("empty")),
        ("empty.pdf", Vec::new(), Expect::Error("empty")),
        ("random.html", pseudo_random(64 * 1024, 7), Expect::Error("")),
        ("random.pdf", pseudo_random(64 * 1024, 11), Expect::Error("")),
        ("html-sent-as.pdf", cms.clone(), Expect::Converted { tasks: 34, diagnostic: Some("format-mismatch") }),
        ("declared-gbk.html", declared_gbk.into_bytes(), Expect::Converted { tasks: 34, diagnostic: Some("charset-mismatch") }),
        (
            "deep-200k.html",
            format!("<html><body>{}x", "<div>".repeat(200_000)).into_bytes(),
            Expect::Error("nest"),
        ),
        (
            "huge-task-cell.txt",
            format!("{HEADER}1\t{huge_cell}\t张三\t基教处\t\t\n2\t乙。\t张三\t高教处\t\t\n").into_bytes(),
            Expect::Converted { tasks: 2, diagnostic: None },
        ),
        (
            "huge-office-cell.txt",
            format!("{HEADER}1\t甲。\t张三\t{huge_offices}\t\t\n2\t乙。\t张三\t高教处\t\t\n").into_bytes(),
            Expect::Converted { tasks: 2, diagnostic: Some("long-office-cell") },
        ),
        (
            "bad-sequence.txt",
            format!("{HEADER}1\t甲。\t\t基教处\t\t\n1\t乙。\t\t基教处\t\t\n一\t丙。\t\t基教处\t\t\n\t\t\t\t\t\n\t\t\t\t\t\n5\t丁。\t\t基教处\t\t\n").into_bytes(),
            Expect::Converted { tasks: 4, diagnostic: Some("duplicate-seq") },
        ),
        (
            "missing-columns.txt",
            "序号\t主要任务\n1\t甲。\n2\t乙。\n".as_bytes().to_vec(),
            Expect::Converted { tasks: 2, diagnostic: None },
        ),
        ("no-task-column.txt", "序号\t牵头处室\n1\t基教处\n".as_bytes().to_vec(), Expect::Error("no task ledger table found")),
        ("truncated.txt", seed.as_bytes()[..seed.len() / 2].to_vec(), Expect::Converted { tasks: 10, diagnostic: None }),
    ];
    for (name, bytes, expect) in &cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let started = Instant::now();
        let doc = check(&path, &[], expect);
        eprintln!("{name}: {:.1} s", started.elapsed().as_secs_f64());
        if *name == "bad-sequence.txt" {
            let doc = doc.as_ref().unwrap();
            let kinds: Vec<_> = doc["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["kind"].as_str().unwrap().to_string())
                .collect();
            for k in ["duplicate-seq", "non-numeric-seq", "seq-gap"] {
                assert!(kinds.iter().any(|x| x == k), "{k} missing: {kinds:?}");
            }
        }
        if *name == "huge-task-cell.txt" {
            let doc = doc.as_ref().unwrap();
            assert_eq!(
                doc["tasks"][0]["text"].as_str().unwrap().chars().count(),
                huge_cell.chars().count(),
                "nothing cut"
            );
        }
    }
}
