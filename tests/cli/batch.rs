//! Batch runs, shards, merge, SQLite, JUnit and diff, through the real executable.

use super::*;

fn read_tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// Asserts two output trees are byte-identical, naming the first difference (not dumping both).
pub fn assert_same_tree(a: &Path, b: &Path, what: &str) {
    let (ta, tb) = (read_tree(a), read_tree(b));
    let names_a: Vec<&String> = ta.keys().collect();
    let names_b: Vec<&String> = tb.keys().collect();
    assert_eq!(names_a, names_b, "{what}: different file lists");
    for (name, bytes) in &ta {
        assert!(bytes == &tb[name], "{what}: {name} differs");
    }
}

fn report(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

/// The program run with OCR unavailable (`NOTICE_INGEST_TESSERACT` names no program): the scans
/// among the fixtures then fail fast with the error that says what to install, instead of being
/// read by OCR for minutes in a debug build (`tests/scans` reads them, against the release build).
fn run_without_ocr(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_notice-ingest"))
        .args(args)
        .current_dir(root())
        .env("NOTICE_INGEST_TESSERACT", "/nonexistent/tesseract")
        .output()
        .expect("the binary runs")
}

#[test]
fn batch_over_fixtures_and_a_generated_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let seed = std::fs::read_to_string(root().join(SEED)).unwrap();
    let generated = notice_ingest::corpus::generate_corpus(&seed, &corpus, 1000).unwrap();
    assert_eq!(generated.len(), 1000);
    let corrupt = corpus.join("batch-004").join("corrupt.pdf");
    std::fs::write(&corrupt, (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect::<Vec<u8>>())
        .unwrap();
    let (c, o1, o2) = (corpus.to_str().unwrap(), tmp.path().join("one"), tmp.path().join("two"));

    let out = run_without_ocr(&[
        "batch",
        "fixtures",
        c,
        "-o",
        o1.to_str().unwrap(),
        "--jobs",
        "1",
        "--junit",
        tmp.path().join("junit.xml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "a corrupt file fails the batch: {}", text(&out.stderr));
    let summary = text(&out.stderr);
    assert!(summary.lines().last().unwrap().contains("tasks"), "a summary ends the run: {summary}");
    let out = run_without_ocr(&["batch", c, "fixtures", "-o", o2.to_str().unwrap(), "--jobs", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert_same_tree(&o1, &o2, "outputs are byte-identical for --jobs 1 and 2 and any argument order");

    let r = report(&o1);
    let files = r["files"].as_array().unwrap();
    let fixtures = walkdir::WalkDir::new(root().join("fixtures"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| {
            e.file_type().is_file()
                && notice_ingest::batch::NOTICE_EXTENSIONS.iter().any(|x| e.path().extension().is_some_and(|y| y == *x))
        })
        .count();
    assert_eq!(files.len(), fixtures + 1001);
    for f in files {
        let message = f["message"].as_str().unwrap_or("");
        if f["status"] == "ok" || f["status"] == "duplicate" {
            assert!(o1.join(f["output"].as_str().unwrap()).is_file(), "{f}");
        } else if f["status"] == "attachment" {
            assert!(f["key"].as_str().unwrap().starts_with("attached/"), "{f}");
            assert!(message.contains("attached/") && message.contains("notice.html"), "read with its page: {f}");
        } else if f["key"] == "batch-004/corrupt.pdf" {
            assert!(message.contains("unrecognised format"), "{f}");
        } else if f["key"].as_str().unwrap().ends_with("pdf/scanned.pdf") {
            assert!(message.contains("no text layer"), "{f}");
        } else if f["key"].as_str().unwrap().starts_with("scans/") {
            // OCR is unavailable in this run: the scans say what to install.
            assert!(message.contains("tesseract-ocr-chi-sim"), "{f}");
        } else {
            let key = f["key"].as_str().unwrap();
            assert!(key.ends_with("pdf/no-ledger.pdf"), "only the corrupt, scanned and ledger-less files fail: {f}");
            assert!(message.contains("no task ledger found"), "{f}");
        }
    }
    assert_eq!(r["totals"]["files"], files.len());
    let jsonl = std::fs::read_to_string(o1.join("tasks.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), r["totals"]["tasks"].as_u64().unwrap() as usize);
    let csv = std::fs::read(o1.join("tasks.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    // One CSV row per measure, one per task without measures.
    let rows: usize = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["measures"].as_array().unwrap().len().max(1))
        .sum();
    assert!(rows > jsonl.lines().count(), "the fixtures hold hierarchical ledgers");
    assert_eq!(csv::Reader::from_reader(&csv[3..]).records().count(), rows);

    // JUnit: well-formed, one test case per file, the corrupt one an error.
    let junit = std::fs::read_to_string(tmp.path().join("junit.xml")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&junit);
    let (mut cases, mut errors, mut depth) = (0, 0, 0i32);
    loop {
        match reader.read_event().expect("well-formed JUnit XML") {
            quick_xml::events::Event::Start(e) => {
                depth += 1;
                cases += usize::from(e.name().as_ref() == "testcase");
                errors += usize::from(e.name().as_ref() == "error");
            }
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0);
    assert_eq!(cases, files.len());
    assert_eq!(errors, files.iter().filter(|f| f["status"] == "error").count());

    // Two shards merged equal the unsharded run, byte for byte.
    let (s0, s1, merged) = (tmp.path().join("s0"), tmp.path().join("s1"), tmp.path().join("merged"));
    for (shard, dir) in [("0/2", &s0), ("1/2", &s1)] {
        run_without_ocr(&["batch", "fixtures", c, "-o", dir.to_str().unwrap(), "--shard", shard]);
    }
    let n0 = report(&s0)["files"].as_array().unwrap().len();
    assert!(n0 > 300 && n0 < files.len() - 300, "shards split the work: {n0}");
    let out = run_without_ocr(&["merge", s1.to_str().unwrap(), s0.to_str().unwrap(), "-o", merged.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_same_tree(&merged, &o1, "two shards merged equal one run");
}

fn query(db: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |row| {
        (0..n).map(|i| row.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}"))).collect()
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn sqlite_answers_tracker_questions_and_upserts() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("tracker.db");
    let args = [
        "batch",
        "fixtures/seed",
        "fixtures/html",
        "-o",
        tmp.path().join("out").to_str().unwrap().to_string().leak(),
        "--sqlite",
        db.to_str().unwrap().to_string().leak(),
    ];
    run(&args);
    let keji_leads = "SELECT t.seq FROM tasks t JOIN task_offices o ON o.task_id = t.id
                      WHERE o.role = 'lead' AND o.code = 'gsjyt.keji' AND t.status = 'open' ORDER BY t.seq";
    let seqs: Vec<String> = query(&db, keji_leads).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        seqs,
        [
            "Integer(15)",
            "Integer(16)",
            "Integer(17)",
            "Integer(18)",
            "Integer(19)",
            "Integer(20)",
            "Integer(21)",
            "Integer(26)"
        ]
    );
    assert_eq!(
        query(&db, "SELECT count(*) FROM notices"),
        [["Integer(1)"]],
        "five renditions of one notice are one notice"
    );
    assert_eq!(query(&db, "SELECT count(*) FROM tasks"), [["Integer(34)"]]);
    // Support offices keep the order written, aliases resolved.
    let task1 = query(&db, "SELECT o.code FROM task_offices o JOIN tasks t ON t.id = o.task_id WHERE t.seq = 1 AND o.role = 'support' ORDER BY o.position");
    assert_eq!(
        task1.concat(),
        [
            "Text(\"gsjyt.jijiao\")",
            "Text(\"gsjyt.gaojiao\")",
            "Text(\"gsjyt.zhicheng\")",
            "Text(\"gsjyt.minjiao\")",
            "Text(\"gsjyt.yuguan\")"
        ]
    );
    // A tracker's status survives a re-run; nothing is duplicated.
    rusqlite::Connection::open(&db).unwrap().execute("UPDATE tasks SET status = 'done' WHERE seq = 15", []).unwrap();
    run(&args);
    assert_eq!(query(&db, "SELECT count(*) FROM tasks"), [["Integer(34)"]]);
    assert_eq!(query(&db, "SELECT count(*) FROM task_offices"), query(&db, "SELECT count(*) FROM task_offices"));
    assert_eq!(
        query(&db, &keji_leads.replace("ORDER BY", "AND 1 ORDER BY")).len(),
        7,
        "the done task is no longer open"
    );
}

#[test]
fn diff_lists_added_removed_and_changed_tasks_by_id() {
    let tmp = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(root().join(SEED)).unwrap();
    // The revision: task 3 removed, task 5's support offices changed, a new task after task 34,
    // and the ledger renumbered.
    let mut revised = String::new();
    for line in seed.lines() {
        if line.starts_with("3\t") {
            continue;
        }
        let line = if line.starts_with("5\t") {
            line.replace("\t发展处 教材处\t", "\t发展处 教材处 财务处\t")
        } else {
            line.to_string()
        };
        revised.push_str(&line);
        revised.push('\n');
        if line.starts_with("34\t") {
            revised.push_str("35\t<b>建立年度评估机制。</b>每年底前开展评估。\t白江平\t发展处\t督导办\t各高等学校\n");
        }
    }
    let old_txt = root().join(SEED);
    let new_txt = tmp.path().join("revised.txt");
    std::fs::write(&new_txt, revised).unwrap();
    let (old_json, new_json) = (tmp.path().join("old.json"), tmp.path().join("new.json"));
    std::fs::write(&old_json, run(&["convert", old_txt.to_str().unwrap(), "-o", "-"]).stdout).unwrap();
    std::fs::write(&new_json, run(&["convert", new_txt.to_str().unwrap(), "-o", "-"]).stdout).unwrap();

    let out = run(&["diff", old_json.to_str().unwrap(), new_json.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let titles =
        |k: &str| d[k].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(titles("added"), ["建立年度评估机制"]);
    assert_eq!(titles("removed"), ["构建高质量“五育并举”育人体系"]);
    assert_eq!(titles("changed"), ["加快推进基础教育优质公平发展"], "renumbering alone is not a change: {d}");
    let change = &d["changed"][0]["changes"][0];
    assert_eq!(change["field"], "support_offices");
    assert_eq!(raws(&change["new"]), ["发展处", "教材处", "财务处"]);

    let out = run(&["diff", old_json.to_str().unwrap(), new_json.to_str().unwrap()]);
    let text_out = text(&out.stdout);
    assert!(text_out.contains("support_offices: [发展处 教材处] -> [发展处 教材处 财务处]"), "{text_out}");
    assert!(text_out.ends_with("1 added, 1 removed, 1 changed\n"), "{text_out}");
}

/// Every rendition of the seed in one batch is one notice: 34 tasks written once, every file a
/// source of it in SQLite, a duplicate-notice entry for each file after the first; a page's
/// attachment is read with it; two different attachments alone are two notices.
#[test]
fn one_notice_from_many_files_in_a_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let list = std::fs::read_to_string(root().join("fixtures/seed-renditions.list")).unwrap();
    let mut renditions = Vec::new();
    for line in list.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        // Each rendition in its own folder, with what lies beside it (a page's attachment).
        let from = root().join(line);
        let dir = input.join(line.replace('/', "_"));
        std::fs::create_dir_all(&dir).unwrap();
        for sibling in std::fs::read_dir(from.parent().unwrap()).unwrap().map(|e| e.unwrap().path()) {
            let is_attachment =
                sibling.extension().is_some_and(|e| e == "xlsx") && line.starts_with("fixtures/attached/");
            if sibling == from || is_attachment {
                std::fs::copy(&sibling, dir.join(sibling.file_name().unwrap())).unwrap();
            }
        }
        renditions.push(line.to_string());
    }
    let out = tmp.path().join("out");
    let db = tmp.path().join("tracker.db");
    let o = run(&["batch", input.to_str().unwrap(), "-o", out.to_str().unwrap(), "--sqlite", db.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let r = report(&out);
    let files = r["files"].as_array().unwrap();
    let count = |status: &str| files.iter().filter(|f| f["status"] == status).count();
    assert_eq!(count("ok"), 1, "one notice: {files:?}");
    assert_eq!(count("duplicate"), renditions.len() - 1, "a duplicate entry per extra file");
    assert_eq!(count("attachment"), 2, "the two pages' attachments are read with them");
    for f in files.iter().filter(|f| f["status"] == "duplicate") {
        let first = files.iter().find(|f| f["status"] == "ok").unwrap()["path"].as_str().unwrap();
        let message = f["message"].as_str().unwrap();
        assert!(message.starts_with("duplicate-notice") && message.contains(first), "names both files: {message}");
    }
    assert_eq!(r["totals"]["tasks"], 34);
    let jsonl = std::fs::read_to_string(out.join("tasks.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), 34, "tasks written once");
    let ids: std::collections::BTreeSet<String> =
        jsonl.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 34, "no task id repeated");
    assert_eq!(query(&db, "SELECT COUNT(*) FROM notices"), [["Integer(1)"]]);
    assert_eq!(query(&db, "SELECT COUNT(*) FROM tasks"), [["Integer(34)"]]);
    let sources = query(&db, "SELECT COUNT(*) FROM sources");
    assert_eq!(sources, [[format!("Integer({})", renditions.len() + 2)]], "every file, attachments included");
    assert_eq!(query(&db, "SELECT COUNT(*) FROM sources WHERE role = 'attachment'"), [["Integer(2)"]]);

    // Two different attachments alone: two notices, every task kept.
    let alone = tmp.path().join("alone");
    let o = run(&[
        "batch",
        "fixtures/attached/unidentified",
        "-o",
        alone.to_str().unwrap(),
        "--sqlite",
        db.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let r = report(&alone);
    let notices: std::collections::BTreeSet<&str> =
        r["files"].as_array().unwrap().iter().map(|f| f["notice_id"].as_str().unwrap()).collect();
    assert_eq!(notices.len(), 2);
    assert_eq!(r["totals"]["tasks"], 34 + 10);
    assert_eq!(query(&db, "SELECT COUNT(*) FROM notices"), [["Integer(3)"]]);
    assert_eq!(query(&db, "SELECT COUNT(*) FROM tasks"), [["Integer(78)"]], "no notice's tasks replaced by another's");
}
