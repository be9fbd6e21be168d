//! The malformed-input corpus: hostile and broken files, generated here at test time, each run
//! through the real executable under a watchdog. Every one must end in a clear error or in a
//! document whose diagnostics say what was wrong — never a panic, a hang or a task lost.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{root, run, text, SEED};

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
        ("no-task-column.txt", "序号\t牵头处室\n1\t基教处\n".as_bytes().to_vec(), Expect::Error("no task ledger found")),
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

/// Malformed PDFs made by mutating a real producer's file (LibreOffice's rendition of the seed)
/// with lopdf or at the byte level, here at test time.
#[test]
fn malformed_pdfs_give_clear_errors_or_diagnostics() {
    use lopdf::{dictionary, Document, Object, Stream};

    let tmp = tempfile::tempdir().unwrap();
    let original = std::fs::read(root().join("fixtures/pdf/seed-libreoffice.pdf")).unwrap();
    let save = |doc: &mut Document| {
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    };
    let load = || Document::load_mem(&original).unwrap();
    let first_page = |doc: &Document| *doc.get_pages().get(&1).unwrap();
    // A dictionary, written inline or behind a reference.
    let resolve = |doc: &Document, o: Object| match o {
        Object::Reference(id) => doc.get_dictionary(id).unwrap().clone(),
        Object::Dictionary(d) => d,
        _ => unreachable!(),
    };
    // Appends a content stream to page 1.
    let add_stream = |doc: &mut Document, stream: Stream| {
        let id = doc.add_object(stream);
        let page = first_page(doc);
        let dict = doc.get_dictionary_mut(page).unwrap();
        let mut contents = match dict.get(b"Contents").unwrap().clone() {
            Object::Array(a) => a,
            other => vec![other],
        };
        contents.push(Object::Reference(id));
        dict.set("Contents", Object::Array(contents));
    };
    let add_content =
        |doc: &mut Document, content: &[u8]| add_stream(doc, Stream::new(dictionary! {}, content.to_vec()));

    let mut cases: Vec<(&str, Vec<u8>, Expect, &[&str])> = Vec::new();
    cases.push(("truncated.pdf", original[..original.len() / 2].to_vec(), Expect::Error("not a readable PDF"), &[]));

    // The startxref offset points into the middle of nowhere: the objects are found by scanning.
    let mut broken_xref = original.clone();
    let at = broken_xref.windows(9).rposition(|w| w == b"startxref").unwrap() + 10;
    let digits = broken_xref[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    broken_xref[at..at + digits].fill(b'7');
    cases.push(("broken-startxref.pdf", broken_xref, Expect::Converted { tasks: 34, diagnostic: None }, &[]));
    // The cross-reference table's offsets are all wrong.
    let mut broken_table = original.clone();
    let table = broken_table.windows(6).rposition(|w| w == b"\nxref\n").unwrap() + 1;
    let end = table + broken_table[table..].windows(7).position(|w| w == b"trailer").unwrap();
    // Entries follow the `xref` and `0 N` lines, 20 bytes each.
    let mut entries = table;
    for _ in 0..2 {
        entries += broken_table[entries..].iter().position(|&b| b == b'\n').unwrap() + 1;
    }
    for line in broken_table[entries..end].chunks_mut(20) {
        if line.len() == 20 && line[17] == b'n' {
            line[..10].copy_from_slice(b"0000000001");
        }
    }
    // lopdf finds each object again by itself here; nothing is lost, so nothing is reported.
    cases.push(("broken-xref.pdf", broken_table, Expect::Converted { tasks: 34, diagnostic: None }, &[]));

    // The page tree lists itself among its kids.
    let mut doc = load();
    let root_pages = doc.catalog().unwrap().get(b"Pages").unwrap().as_reference().unwrap();
    let kids = doc.get_dictionary_mut(root_pages).unwrap().get_mut(b"Kids").unwrap().as_array_mut().unwrap();
    kids.push(Object::Reference(root_pages));
    cases.push(("page-tree-cycle.pdf", save(&mut doc), Expect::Converted { tasks: 34, diagnostic: None }, &[]));

    // A Form XObject that draws itself.
    let mut doc = load();
    let form_id = doc.new_object_id();
    let form = Stream::new(
        dictionary! {"Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
        "Resources" => dictionary! {"XObject" => dictionary! {"Fx" => Object::Reference(form_id)}}},
        b"/Fx Do".to_vec(),
    );
    doc.objects.insert(form_id, Object::Stream(form));
    let page = first_page(&doc);
    let mut resources = resolve(&doc, doc.get_dictionary(page).unwrap().get(b"Resources").unwrap().clone());
    resources.set("XObject", dictionary! {"Fx" => Object::Reference(form_id)});
    doc.get_dictionary_mut(page).unwrap().set("Resources", resources);
    add_content(&mut doc, b"q /Fx Do Q");
    cases.push((
        "form-draws-itself.pdf",
        save(&mut doc),
        Expect::Converted { tasks: 34, diagnostic: Some("pdf-content-unreadable") },
        &[],
    ));

    // Text in a font the page's resources do not have.
    let mut doc = load();
    add_content(&mut doc, b"BT /NoSuchFont 12 Tf 100 100 Td (abc) Tj ET");
    cases.push(("absent-font.pdf", save(&mut doc), Expect::Converted { tasks: 34, diagnostic: None }, &[]));

    // A content stream that is missing (a dangling reference).
    let mut doc = load();
    let page = first_page(&doc);
    doc.get_dictionary_mut(page).unwrap().set("Contents", Object::Reference((999_999, 0)));
    cases.push((
        "missing-object.pdf",
        save(&mut doc),
        Expect::Converted { tasks: 34, diagnostic: Some("pdf-content-unreadable") },
        &[],
    ));

    // Every font's widths and ToUnicode replaced by garbage.
    let mut doc = load();
    let garbage = doc.add_object(Stream::new(
        dictionary! {},
        b"begincmap 1 beginbfrange <00> <FFFF> [<D800> <zz>] endbfrange garbage".to_vec(),
    ));
    for object in doc.objects.values_mut() {
        if let Object::Dictionary(d) = object {
            if d.get(b"Type").ok().and_then(|t| t.as_name().ok()) == Some(b"Font") {
                d.set("ToUnicode", Object::Reference(garbage));
                d.set("Widths", vec![Object::Real(-1e30), Object::Name(b"x".to_vec()), Object::Integer(i64::MAX)]);
                d.set("FirstChar", Object::Integer(-5));
            }
        }
    }
    // The header cells read as U+FFFD, so no ledger is recognised (the error lists them).
    cases.push(("garbage-fonts.pdf", save(&mut doc), Expect::Error("no task ledger found"), &[]));

    // A content stream whose /Length is wrong (longer than the data, then shorter).
    for (name, factor) in [("length-too-long.pdf", 50), ("length-too-short.pdf", 0)] {
        let mut bytes = original.clone();
        let at = bytes.windows(8).position(|w| w == b"/Length ").unwrap() + 8;
        let digits = bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        let value = String::from_utf8(bytes[at..at + digits].to_vec()).unwrap().parse::<u64>().unwrap();
        let lie = format!("{:0width$}", (value * factor / 10).min(10u64.pow(digits as u32) - 1), width = digits);
        bytes[at..at + digits].copy_from_slice(lie.as_bytes());
        cases.push((name, bytes, Expect::Converted { tasks: 34, diagnostic: None }, &[]));
    }

    // A Flate bomb: about 2 MiB that inflates to 2 GiB, refused at the (lowered) stream limit.
    let mut doc = load();
    let bomb = flate_bomb(2048);
    assert!(bomb.len() < 4 << 20, "the bomb is small: {} bytes", bomb.len());
    add_stream(&mut doc, Stream::new(dictionary! {"Filter" => "FlateDecode"}, bomb).with_compression(false));
    cases.push((
        "flate-bomb.pdf",
        save(&mut doc),
        Expect::Converted { tasks: 34, diagnostic: Some("pdf-content-unreadable") },
        &["--max-inflated-mib", "64"],
    ));

    // A ToUnicode map that sends every code to 20,000 characters, and a page drawing 200,000 codes:
    // without a bound on mapped text this needs tens of gigabytes.
    let mut doc = load();
    let long: String = "4E00".repeat(20_000);
    let cmap = format!(
        "begincmap 1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <00> <FF> <{long}> endbfrange endcmap"
    );
    let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap.into_bytes()));
    let page = first_page(&doc);
    let resources = resolve(&doc, doc.get_dictionary(page).unwrap().get(b"Resources").unwrap().clone());
    let fonts = resolve(&doc, resources.get(b"Font").unwrap().clone());
    let (name, font) = fonts.iter().next().map(|(k, v)| (k.clone(), v.as_reference().unwrap())).unwrap();
    doc.get_dictionary_mut(font).unwrap().set("ToUnicode", Object::Reference(to_unicode));
    let name = String::from_utf8(name).unwrap();
    add_content(&mut doc, format!("BT /{name} 1 Tf 0 0 Td ({}) Tj ET", "A".repeat(200_000)).as_bytes());
    cases.push(("tounicode-bomb.pdf", save(&mut doc), Expect::Converted { tasks: 0, diagnostic: None }, &[]));

    // 100,000 short ruling segments on one page: the table finder must not go quadratic on them.
    let mut doc = load();
    let mut rulings = String::new();
    for i in 0..50_000 {
        let (x, y) = (f64::from(i % 250) * 3.0, f64::from(i / 250) * 3.0);
        rulings.push_str(&format!("{x} {y} m {} {y} l S {x} {y} m {x} {} l S\n", x + 2.0, y + 2.0));
    }
    add_content(&mut doc, rulings.as_bytes());
    cases.push((
        "many-rulings.pdf",
        save(&mut doc),
        Expect::Converted { tasks: 0, diagnostic: Some("pdf-content-unreadable") },
        &[],
    ));

    cases.push((
        "image-only.pdf",
        std::fs::read(root().join("fixtures/pdf/scanned.pdf")).unwrap(),
        Expect::Error("no text layer"),
        &[],
    ));

    for (name, bytes, expect, flags) in &cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let started = Instant::now();
        let doc = check(&path, flags, expect);
        eprintln!("{name}: {:.1} s", started.elapsed().as_secs_f64());
        if std::env::var_os("KEEP_MALFORMED").is_some() {
            std::fs::copy(&path, std::env::temp_dir().join(name)).unwrap();
        }
        if let Some(doc) = doc {
            if *name == "flate-bomb.pdf" {
                let message = doc["diagnostics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|d| d["kind"] == "pdf-content-unreadable")
                    .unwrap()["message"]
                    .clone();
                assert!(message.as_str().unwrap().contains("--max-inflated-mib"), "{message}");
            }
        }
    }
}

/// A zlib stream of `mib` MiB of spaces made without compressing them all: after a sync flush the
/// compressor's state repeats, so each further MiB compresses to the same bytes and is copied.
/// (The trailing checksum covers only what was compressed; a reader hits its size limit long
/// before it could check it.)
pub fn flate_bomb(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut z = Compress::new(Compression::best(), true);
    let chunk = vec![b' '; 1 << 20];
    let mut step = |input: &[u8], flush| {
        let mut out = Vec::with_capacity(64 << 10);
        let before = z.total_in();
        let mut fed = 0;
        loop {
            out.reserve(64 << 10);
            z.compress_vec(&input[fed..], &mut out, flush).unwrap();
            fed = (z.total_in() - before) as usize;
            if fed == input.len() && out.len() < out.capacity() {
                break out;
            }
        }
    };
    let first = step(&chunk, FlushCompress::Sync);
    let second = step(&chunk, FlushCompress::Sync);
    let third = step(&chunk, FlushCompress::Sync);
    assert_eq!(second, third, "the compressor's state repeats after a flush");
    let mut bomb = first;
    for _ in 1..mib {
        bomb.extend_from_slice(&second);
    }
    bomb.extend(step(&[], FlushCompress::Finish));
    bomb
}

#[test]
fn malformed_pages_give_clear_errors_or_diagnostics() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };
    let cms = std::fs::read(root().join("fixtures/html/cms-utf8.html")).unwrap();

    let no_table = write("no-table.html", "<html><body><h1>关于某事的通知</h1><p>正文</p></body></html>".as_bytes());
    let out = run(&["convert", &no_table, "-o", "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no task ledger found"), "{}", text(&out.stderr));

    // Cut in the middle of the ledger, at a character boundary.
    let text_page = String::from_utf8(cms.clone()).unwrap();
    let cut = text_page.find("<TR><TD align=center>9<TD>").unwrap() + 400;
    let cut = (cut..).find(|&i| text_page.is_char_boundary(i)).unwrap();
    let truncated = write("truncated.html", &text_page.as_bytes()[..cut]);
    let out = run(&["convert", &truncated, "-o", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 9, "tasks before the cut are all kept");
    assert!(doc["diagnostics"].as_array().unwrap().iter().any(|d| d["kind"] == "html-unterminated"));

    let mut junk = b"<html><body><table><tr><td>".to_vec();
    junk.extend((0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 1));
    let junk = write("junk.html", &junk);
    let out = run(&["convert", &junk, "-o", "-"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"));

    let random = write("random.html", &(0..5000u32).map(|i| (i.wrapping_mul(40_503) >> 7) as u8).collect::<Vec<u8>>());
    let out = run(&["convert", &random, "-o", "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!text(&out.stderr).contains("panicked"));

    let deep = write("deep.html", format!("<html><body>{}x", "<div>".repeat(100_000)).as_bytes());
    let out = run(&["convert", &deep, "-o", "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("nest"), "{}", text(&out.stderr));

    let deep_tables = write("deep-tables.html", format!("<html><body>{}x", "<table><tr><td>".repeat(3000)).as_bytes());
    let out = run(&["convert", &deep_tables, "-o", "-"]);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"));

    let mut bad_bytes = cms.clone();
    let at = text_page.find("各市（州）教育局、").unwrap();
    bad_bytes.splice(at..at, [0xFFu8, 0xFE]);
    let bad_bytes = write("bad-bytes.html", &bad_bytes);
    let out = run(&["convert", &bad_bytes, "-o", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 34);
    assert!(doc["diagnostics"].as_array().unwrap().iter().any(|d| d["kind"] == "invalid-bytes"));
}

#[test]
fn broken_office_files_give_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let docx = std::fs::read(root().join("fixtures/docx/rowspan-ledger.docx")).unwrap();
    let truncated = tmp.path().join("truncated.docx");
    std::fs::write(&truncated, &docx[..docx.len() / 2]).unwrap();
    let out = run(&["convert", truncated.to_str().unwrap(), "-o", "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not a readable zip archive"), "{}", text(&out.stderr));

    let xlsx = std::fs::read(root().join("fixtures/xlsx/seed.xlsx")).unwrap();
    let truncated = tmp.path().join("truncated.xlsx");
    std::fs::write(&truncated, &xlsx[..xlsx.len() * 2 / 3]).unwrap();
    let out = run(&["convert", truncated.to_str().unwrap(), "-o", "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("XLSX: not a readable zip archive"), "{}", text(&out.stderr));

    // Zip bombs: a few hundred KiB that inflate past the part limit, and parts each under it that
    // together pass the per-archive limit. The limits are lowered by flag so the test stays quick.
    let bomb = |name: &str, parts: &[(&str, usize)]| {
        let path = tmp.path().join(name);
        let file = std::fs::File::create(&path).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default().compression_level(Some(1)).large_file(true);
        let spaces = vec![b' '; 1 << 20];
        for (part, mib) in parts {
            zip.start_file(*part, options).unwrap();
            for _ in 0..*mib {
                std::io::Write::write_all(&mut zip, &spaces).unwrap();
            }
        }
        zip.finish().unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() < 1 << 20);
        path
    };
    let one = bomb("bomb.docx", &[("word/document.xml", 33)]);
    let out = run(&["convert", one.to_str().unwrap(), "-o", "-", "--max-inflated-mib", "32"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("zip bomb? see --max-inflated-mib"), "{}", text(&out.stderr));
    let two = bomb("bomb2.docx", &[("word/document.xml", 20), ("word/_rels/document.xml.rels", 20)]);
    let args = ["convert", two.to_str().unwrap(), "-o", "-", "--max-inflated-mib", "32"];
    let out = run(&[&args[..], &["--max-inflated-total-mib", "32"]].concat());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("see --max-inflated-total-mib"), "{}", text(&out.stderr));
    let out = run(&["convert", one.to_str().unwrap(), "-o", "-", "--max-inflated-mib", "0"]);
    assert_eq!(out.status.code(), Some(2), "a limit of 0 is a usage error");

    let doc = tmp.path().join("legacy.doc");
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0);
    std::fs::write(&doc, ole).unwrap();
    let out = run(&["convert", doc.to_str().unwrap(), "-o", "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("soffice --headless --convert-to docx"), "{}", text(&out.stderr));
}
