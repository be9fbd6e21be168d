//! Archive runs as people repeat them: `--incremental` and `--prune` against a run from scratch,
//! files without a ledger skipped, `--exclude`, and the progress lines a log gets.

use super::batch::assert_same_tree;
use super::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn report(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

/// Every row of every table of the tracker database, in primary-key order.
fn dump(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut rows = Vec::new();
    for (table, order) in [
        ("notices", "id"),
        ("tasks", "id"),
        ("offices", "code"),
        ("task_offices", "task_id, role, position"),
        ("sources", "notice_id, path"),
    ] {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY {order}")).unwrap();
        let n = stmt.column_count();
        let found = stmt
            .query_map([], |row| {
                let cells: Vec<String> = (0..n)
                    .map(|i| row.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")))
                    .collect::<Result<_, _>>()?;
                Ok(format!("{table}: {}", cells.join(" | ")))
            })
            .unwrap()
            .map(Result::unwrap);
        rows.extend(found);
    }
    rows
}

/// The line of the summary that starts with `prefix`.
fn summary_line(stderr: &str, prefix: &str) -> String {
    stderr
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in {stderr}"))
        .to_string()
}

#[test]
fn an_incremental_run_converts_what_changed_and_writes_what_a_clean_run_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, spare) = (tmp.path().join("corpus"), tmp.path().join("spare"));
    let seed = std::fs::read_to_string(root().join(SEED)).unwrap();
    let paths = notice_ingest::corpus::generate_corpus(&seed, &corpus, 1000).unwrap();
    let (out, db) = (tmp.path().join("out"), tmp.path().join("tracker.db"));
    let first = run(&["batch", s(&corpus), "-o", s(&out), "--incremental", "--sqlite", s(&db)]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let stderr = text(&first.stderr);
    assert!(summary_line(&stderr, "incremental:").contains("0 unchanged"), "{stderr}");
    let ids_before: Vec<Value> =
        report(&out)["files"].as_array().unwrap().iter().map(|f| f["notice_id"].clone()).collect();

    // 10 changed (5 in the notice's text, 5 in its title: a new notice id), 5 removed, 5 added.
    for (n, path) in paths.iter().step_by(97).take(10).enumerate() {
        let content = std::fs::read_to_string(path).unwrap();
        let changed = if n % 2 == 0 {
            content.replacen("狠抓落实", "狠抓落实、按月调度", 1)
        } else {
            content.replace("》的通知", "（修订）》的通知")
        };
        assert_ne!(changed, content, "{}", path.display());
        std::fs::write(path, changed).unwrap();
    }
    for path in paths.iter().skip(3).step_by(211).take(5) {
        std::fs::remove_file(path).unwrap();
    }
    let more = notice_ingest::corpus::generate_corpus(&seed, &spare, 1005).unwrap();
    for path in &more[1000..] {
        let to = corpus.join(path.strip_prefix(&spare).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(path, to).unwrap();
    }

    let second = run(&["batch", s(&corpus), "-o", s(&out), "--incremental", "--prune", "--sqlite", s(&db)]);
    let stderr = text(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "{stderr}");
    let line = summary_line(&stderr, "incremental:");
    assert!(
        line.contains("985 unchanged") && line.contains(" 15 converted") && line.contains("5 gone"),
        "converts exactly the 10 changed and 5 added files, prunes the 5 removed: {line}"
    );
    let files = report(&out)["files"].as_array().unwrap().clone();
    assert_eq!(files.len(), 1000);
    let retitled = files.iter().filter(|f| !ids_before.contains(&f["notice_id"])).count();
    assert_eq!(retitled, 5 + 5, "5 retitled notices and 5 new ones have ids the first run did not");

    // A run from scratch over the same archive writes the same outputs, byte for byte.
    let (clean, clean_db) = (tmp.path().join("clean"), tmp.path().join("clean.db"));
    let fresh = run(&["batch", s(&corpus), "-o", s(&clean), "--sqlite", s(&clean_db), "--jobs", "1"]);
    assert_eq!(fresh.status.code(), Some(0), "{}", text(&fresh.stderr));
    assert_same_tree(&out, &clean, "an incremental run's outputs equal a clean run's");
    for name in ["tasks.jsonl", "tasks.csv", "tasks.xlsx", "report.json", "state.json"] {
        assert!(out.join(name).is_file(), "{name}");
    }
    // The tracker holds what a fresh database holds: the removed files' notices and the retitled
    // notices' old ids are gone, with their tasks.
    assert_eq!(dump(&db), dump(&clean_db), "the pruned tracker equals a fresh one");

    // Nothing changed: nothing converted.
    let third = run(&["batch", s(&corpus), "-o", s(&out), "--incremental"]);
    let line = summary_line(&text(&third.stderr), "incremental:");
    assert!(line.contains("1000 unchanged") && line.contains(" 0 converted") && line.contains("0 gone"), "{line}");
    assert_same_tree(&out, &clean, "a run that reuses everything writes the same outputs");
}

#[test]
fn files_without_a_ledger_are_skipped_unless_strict_and_exclude_leaves_files_out() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(input.join("drafts")).unwrap();
    std::fs::copy(root().join(SEED), input.join("notice.txt")).unwrap();
    std::fs::write(input.join("说明.txt"), "本文件夹存放 2024 年的通知，请勿删除。\n").unwrap();
    std::fs::copy(root().join(SEED), input.join("drafts/old.txt")).unwrap();
    let out = tmp.path().join("out");
    let o = run(&["batch", s(&input), "-o", s(&out), "--junit", s(&tmp.path().join("junit.xml"))]);
    assert_eq!(o.status.code(), Some(0), "a file without a ledger does not fail the batch: {}", text(&o.stderr));
    let r = report(&out);
    let skipped: Vec<&Value> = r["files"].as_array().unwrap().iter().filter(|f| f["status"] == "skipped").collect();
    assert_eq!(skipped.len(), 1, "{r}");
    assert_eq!(skipped[0]["key"], "说明.txt");
    assert!(skipped[0]["message"].as_str().unwrap().starts_with("no-ledger: "), "{}", skipped[0]);
    assert_eq!(r["totals"]["skipped"], 1);
    let junit = std::fs::read_to_string(tmp.path().join("junit.xml")).unwrap();
    assert!(junit.contains("skipped=\"1\"") && junit.contains("<skipped message=\"no-ledger: "), "{junit}");

    let o = run(&["batch", s(&input), "-o", s(&out), "--strict"]);
    assert_eq!(o.status.code(), Some(1), "with --strict it fails: {}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("files that failed (1):\n  说明.txt: "),
        "the summary names it: {}",
        text(&o.stderr)
    );

    let o = run(&["batch", s(&input), "-o", s(&out), "--strict", "--exclude", "说明.txt", "--exclude", "drafts"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let keys: Vec<String> =
        report(&out)["files"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap().to_string()).collect();
    assert_eq!(keys, ["notice.txt"]);
    assert!(text(&o.stderr).contains("2 input(s) left out by --exclude"), "{}", text(&o.stderr));
    let o = run(&["batch", s(&input), "-o", s(&out), "--exclude", "drafts/**", "--exclude", "*.md"]);
    let keys: Vec<String> =
        report(&out)["files"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap().to_string()).collect();
    assert_eq!(keys, ["notice.txt", "说明.txt"], "{}", text(&o.stderr));
    let o = run(&["batch", s(&input), "-o", s(&out), "--exclude", "[z-a"]);
    assert_eq!(o.status.code(), Some(2), "a bad pattern is a usage error: {}", text(&o.stderr));
    assert!(text(&o.stderr).contains("invalid --exclude pattern"), "{}", text(&o.stderr));
}

/// Without a terminal (a log, CI), each file gets a line as it finishes, numbered in order; `-v`
/// adds the warnings of the files that have them.
#[test]
fn a_log_gets_one_numbered_line_per_file_as_it_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let seed = std::fs::read_to_string(root().join(SEED)).unwrap();
    notice_ingest::corpus::generate_corpus(&seed, &corpus, 40).unwrap();
    std::fs::write(corpus.join("broken.pdf"), b"%PDF-1.7\n%%EOF\n").unwrap();
    let out = tmp.path().join("out");
    let o = run(&["batch", s(&corpus), "-o", s(&out), "-v", "--jobs", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    let numbered: Vec<&str> = stderr.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(numbered.len(), 41, "one line per file: {stderr}");
    for (n, line) in numbered.iter().enumerate() {
        assert!(line.starts_with(&format!("[{}/41] ", n + 1)), "numbered as files finish: {line}");
    }
    let warned = report(&out)["files"].as_array().unwrap().iter().filter(|f| f["warnings"].as_u64() > Some(0)).count();
    assert!(warned > 0);
    let warning_lines = stderr.lines().filter(|l| l.starts_with("       warning[")).count();
    assert!(warning_lines >= warned, "-v lists the warnings of each file with warnings: {stderr}");
    assert!(stderr.contains("files that failed (1):\n  broken.pdf: "), "the summary names the failed file: {stderr}");
    assert!(stderr.lines().last().unwrap().starts_with("41 files ("), "the counts end the run: {stderr}");
}
