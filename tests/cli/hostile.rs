//! Hostile input, round two (issue #14): files of a few kilobytes that asked a parser for
//! gigabytes, limits bypassed by a part's name, object streams of millions of tiny objects, names
//! that collide or cannot be written, special files, and batch runs that lose work without an
//! error. Every input is generated here at test time; each run is under the watchdog.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::malformed::{check, convert_with_watchdog, Expect};
use super::{root, text, SEED};

/// Runs the executable with `args` under a watchdog, through `sh -c` with `shell_prefix` (a
/// `ulimit`, say) when given.
pub(super) fn run_guarded(args: &[&str], shell_prefix: Option<&str>, limit: Duration) -> Output {
    let exe = env!("CARGO_BIN_EXE_notice-ingest");
    let mut command = match shell_prefix {
        Some(prefix) => {
            let mut c = Command::new("sh");
            c.arg("-c").arg(format!("{prefix}; exec \"$0\" \"$@\"")).arg(exe).args(args);
            c
        }
        None => {
            let mut c = Command::new(exe);
            c.args(args);
            c
        }
    };
    let mut child = command
        .current_dir(root())
        .env("CI", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > limit {
            child.kill().ok();
            panic!("{args:?} did not finish within {limit:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(super) fn run(args: &[&str]) -> Output {
    run_guarded(args, None, Duration::from_secs(120))
}

pub(super) fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub(super) fn report(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

/// The seed workbook with its entries changed: `edit(name, bytes)` returns the new name and bytes
/// of each entry (or `None` to drop it); `extra` entries are added.
fn rewrite_xlsx(edit: impl Fn(&str, Vec<u8>) -> Option<(String, Vec<u8>)>, extra: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let bytes = std::fs::read(root().join("fixtures/xlsx/seed.xlsx")).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
        let options = zip::write::SimpleFileOptions::default().compression_level(Some(1)).large_file(true);
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).unwrap();
            let name = entry.name().unwrap().into_owned();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            if let Some((name, data)) = edit(&name, data) {
                zip.start_file(name, options).unwrap();
                zip.write_all(&data).unwrap();
            }
        }
        for (name, data) in extra {
            zip.start_file(*name, options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap();
    }
    out
}

fn replace(data: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(data).unwrap();
    assert!(text.contains(from), "{from:?} not found");
    text.replacen(from, to, 1).into_bytes()
}

/// The LibreOffice rendition of the seed, loaded for mutation.
fn seed_pdf() -> lopdf::Document {
    lopdf::Document::load(root().join("fixtures/pdf/seed-libreoffice.pdf")).unwrap()
}

fn save(doc: &mut lopdf::Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// The seed PDF with one object stream packing `members` `null` objects (every index entry
/// points at the same `null`), compressed, appended as an incremental update (lopdf's writer
/// leaves object streams out): a few hundred KB that lopdf would load as that many objects.
fn object_stream_bomb(members: u32) -> Vec<u8> {
    use flate2::write::ZlibEncoder;
    let original = std::fs::read(root().join("fixtures/pdf/seed-libreoffice.pdf")).unwrap();
    let text = String::from_utf8_lossy(&original);
    let number_after = |key: &str| -> u64 {
        let at = text.rfind(key).unwrap() + key.len();
        text[at..].trim_start().split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
    };
    let (size, root_id, prev) = (number_after("/Size"), number_after("/Root"), number_after("startxref"));
    let mut index = String::with_capacity(members as usize * 12);
    for i in 0..members {
        index.push_str(&format!("{} 0 ", size + 1 + u64::from(i)));
    }
    let first = index.len();
    let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(index.as_bytes()).unwrap();
    z.write_all(b"null").unwrap();
    let data = z.finish().unwrap();
    let mut out = original.clone();
    let offset = out.len() + 1;
    out.extend_from_slice(
        format!(
            "\n{size} 0 obj\n<< /Type /ObjStm /N {members} /First {first} /Length {} /Filter /FlateDecode >>\nstream\n",
            data.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n0 1\n0000000000 65535 f \n{size} 1\n{offset:010} 00000 n \ntrailer\n<< /Size {} /Root {root_id} 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
            size + 1
        )
        .as_bytes(),
    );
    out
}

/// The seed PDF with every page drawing only a Flate bomb of `mib` MiB of spaces.
fn bomb_only_pdf(mib: usize) -> Vec<u8> {
    use lopdf::{dictionary, Object, Stream};
    let mut doc = seed_pdf();
    let bomb = super::malformed::flate_bomb(mib);
    let id = doc.add_object(Stream::new(dictionary! {"Filter" => "FlateDecode"}, bomb).with_compression(false));
    for (_, page) in doc.get_pages() {
        doc.get_dictionary_mut(page).unwrap().set("Contents", Object::Reference(id));
    }
    save(&mut doc)
}

/// A text notice in the seed's shape whose first task's title starts like a spreadsheet formula.
fn formula_notice() -> Vec<u8> {
    let seed = std::fs::read_to_string(root().join(SEED)).unwrap();
    let line = seed.lines().find(|l| l.starts_with("1\t")).unwrap();
    let hostile = line.replacen("1\t", "1\t=HYPERLINK(\"http://evil.example/\",\"点击\")", 1);
    seed.replacen(line, &hostile, 1).into_bytes()
}

/// Every generated hostile file of the corpus: (name, bytes, what `convert` must give, flags).
fn hostile_files() -> Vec<(&'static str, Vec<u8>, Expect, &'static [&'static str])> {
    let cms = String::from_utf8(std::fs::read(root().join("fixtures/html/cms-utf8.html")).unwrap()).unwrap();
    let links = concat!(
        "<p>附件：<a href=\"jav&#9;ascript:alert(1)//x.xlsx\">附件2</a>",
        "<a href=\"data:application/pdf;base64,JVBERi0=#x.pdf\">附件3</a>",
        "<a href=\" VBScript:msgbox(1)'x.docx\">附件4</a></p>"
    );
    let attributes: String = (0..300_000).map(|i| format!(" a{i}=1")).collect();
    vec![
        // 1. One cell at A1 and one at XFD1048576: calamine would ask for 549 GB.
        (
            "far-cells.xlsx",
            rewrite_xlsx(
                |name, data| {
                    if name == "xl/worksheets/sheet1.xml" {
                        let far = "<row r=\"1048576\"><c r=\"XFD1048576\" t=\"n\"><v>1</v></c></row></sheetData>";
                        return Some((name.into(), replace(data, "</sheetData>", far)));
                    }
                    Some((name.into(), data))
                },
                &[],
            ),
            Expect::Error("to XFD1048576 span"),
            &[],
        ),
        // 1. A shared-strings part declaring a trillion strings: calamine would reserve 24 TB.
        (
            "shared-strings-count.xlsx",
            rewrite_xlsx(
                |name, data| Some((name.into(), data)),
                &[(
                    "xl/sharedStrings.xml",
                    b"<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
                      count=\"1\" uniqueCount=\"1000000000000\"><si><t>a</t></si></sst>"
                        .to_vec(),
                )],
            ),
            Expect::Error("declares uniqueCount=\"1000000000000\" but holds 1 shared strings"),
            &[],
        ),
        // 2. The sheet part renamed (not `*.xml`) and padded to inflate past the part limit.
        (
            "renamed-sheet-bomb.xlsx",
            rewrite_xlsx(
                |name, data| match name {
                    "xl/worksheets/sheet1.xml" => {
                        let mut padded = replace(data, "<sheetData>", &format!("<sheetData>{}", " ".repeat(20 << 20)));
                        padded.shrink_to_fit();
                        Some(("xl/worksheets/sheet1.bin".into(), padded))
                    }
                    "xl/_rels/workbook.xml.rels" => {
                        Some((name.into(), replace(data, "worksheets/sheet1.xml", "worksheets/sheet1.bin")))
                    }
                    _ => Some((name.into(), data)),
                },
                &[],
            ),
            Expect::Error("xl/worksheets/sheet1.bin decompresses to more than 16777216 bytes"),
            &["--max-inflated-mib", "16"],
        ),
        // 3. An object stream of 1.2 million `null`s, past the default object limit.
        ("object-stream-bomb.pdf", object_stream_bomb(1_200_000), Expect::Error("see --max-pdf-objects"), &[]),
        // 13. Every page draws only a Flate bomb: the limit it hit, not "no text layer".
        ("bomb-only.pdf", bomb_only_pdf(40), Expect::Error("decompresses to more than"), &["--max-inflated-mib", "16"]),
        // 11. One element with 300,000 attributes.
        (
            "many-attributes.html",
            format!("<html><body><div{attributes}>x</div></body></html>").into_bytes(),
            Expect::Error("has more than 256 attributes"),
            &[],
        ),
        // 12. Attachment links with schemes a browser would run.
        (
            "hostile-links.html",
            cms.replacen("<p>附件：", &format!("{links}<p>附件："), 1).into_bytes(),
            Expect::Converted { tasks: 34, diagnostic: Some("link-refused") },
            &[],
        ),
        // 10. A task title that a spreadsheet would run as a formula (checked in the CSV below).
        ("formula.txt", formula_notice(), Expect::Converted { tasks: 34, diagnostic: None }, &[]),
    ]
}

#[test]
fn hostile_files_give_clear_errors_or_diagnostics() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes, expect, flags) in hostile_files() {
        let path = tmp.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        assert!(bytes.len() < 8 << 20, "{name} is small: {} bytes", bytes.len());
        if std::env::var_os("KEEP_MALFORMED").is_some() {
            // Seeds for fuzz/run.sh (SEEDS=$TMPDIR/notice-ingest-hostile).
            let keep = std::env::temp_dir().join("notice-ingest-hostile");
            std::fs::create_dir_all(&keep).unwrap();
            std::fs::copy(&path, keep.join(name)).unwrap();
        }
        let started = Instant::now();
        let doc = check(&path, flags, &expect);
        eprintln!("{name}: {} bytes, {:.1} s", bytes.len(), started.elapsed().as_secs_f64());
        if name == "bomb-only.pdf" {
            let (_, _, stderr) = convert_with_watchdog(&path, flags, Duration::from_secs(60));
            assert!(!stderr.contains("no text layer"), "{stderr}");
            assert!(stderr.contains("--max-inflated-mib"), "{stderr}");
        }
        if name == "hostile-links.html" {
            let attachments = doc.unwrap()["notice"]["attachments"].to_string();
            for bad in ["ascript", "data:", "msgbox"] {
                assert!(!attachments.contains(bad), "{bad} in {attachments}");
            }
            assert!(attachments.contains("/uploads/2023/09/"), "the real attachment stays: {attachments}");
        }
    }
}

#[test]
fn special_files_are_refused_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo.txt");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (code, _, stderr) = convert_with_watchdog(&fifo, &[], Duration::from_secs(20));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is not a regular file but a FIFO"), "{stderr}");
    let (code, _, stderr) =
        convert_with_watchdog(Path::new("/dev/zero"), &["--max-input-mib", "1"], Duration::from_secs(20));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("/dev/zero is not a regular file but a character device"), "{stderr}");
    // In a batch, each is that entry's error.
    let out = tmp.path().join("out");
    let o = run(&["batch", s(&fifo), "/dev/zero", SEED, "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let r = report(&out);
    let files = r["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for f in files {
        let ok = f["key"] == "000_289293f812862803.txt";
        assert_eq!(f["status"] == "ok", ok, "{f}");
        if !ok {
            assert!(f["message"].as_str().unwrap().contains("is not a regular file"), "{f}");
        }
    }
}

/// The corpus above, plus the FIFO, plus every rendition of the seed, in one batch: every good
/// file written, every bad one reported with its reason, exit 1, and the same again under a 2 GB
/// address-space limit (`ulimit -v 2000000`).
#[test]
fn one_batch_over_hostile_files_and_the_seed_renditions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(dir.join("hostile")).unwrap();
    let mut bad: Vec<(String, &str)> = Vec::new();
    for (name, bytes, expect, _) in hostile_files() {
        std::fs::write(dir.join("hostile").join(name), bytes).unwrap();
        if let Expect::Error(needle) = expect {
            bad.push((format!("hostile/{name}"), needle));
        }
    }
    assert!(Command::new("mkfifo").arg(dir.join("hostile/fifo.html")).status().unwrap().success());
    bad.push(("hostile/fifo.html".into(), "is not a regular file but a FIFO"));
    let manifest = std::fs::read_to_string(root().join("fixtures/seed-renditions.list")).unwrap();
    std::fs::create_dir_all(dir.join("seed")).unwrap();
    // Pages read with an attachment beside them are left out: copied alone, they hold no ledger.
    let good: Vec<String> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && !l.starts_with("fixtures/attached/"))
        .map(|l| {
            let key = format!("seed/{}", l.replace('/', "-"));
            std::fs::copy(root().join(l), dir.join(&key)).unwrap();
            key
        })
        .collect();
    // The renamed sheet part and the bombs inflate past 16 MiB; the seed renditions and the
    // object stream (11 MB) stay under it.
    let flags = ["--max-inflated-mib", "16"];
    for (label, prefix) in [("no limit", None), ("ulimit -v 2000000", Some("ulimit -v 2000000"))] {
        let out = tmp.path().join(label.replace(' ', "-"));
        let started = Instant::now();
        let o = run_guarded(
            &[&["batch", s(&dir), "-o", s(&out), "--jobs", "2"][..], &flags].concat(),
            prefix,
            Duration::from_secs(300),
        );
        eprintln!(
            "batch, {label}: {:.1} s; {}",
            started.elapsed().as_secs_f64(),
            text(&o.stderr).lines().last().unwrap_or("")
        );
        assert_eq!(o.status.code(), Some(1), "{label}: {}", text(&o.stderr));
        let r = report(&out);
        let files = r["files"].as_array().unwrap();
        assert_eq!(files.len(), bad.len() + good.len() + 2, "{label}: every file is in the report");
        for f in files {
            let key = f["key"].as_str().unwrap();
            let message = f["message"].as_str().unwrap_or("");
            if let Some((_, needle)) = bad.iter().find(|(k, _)| k == key) {
                assert_eq!(f["status"], "error", "{label}: {f}");
                assert!(message.contains(needle), "{label}: {key}: expected {needle:?} in {message:?}");
            } else if f["status"] == "duplicate" {
                // The seed renditions are one notice: written once, by the first in key order.
                assert!(message.starts_with("duplicate-notice"), "{label}: {f}");
                assert!(out.join(f["output"].as_str().unwrap()).is_file(), "{label}: {f}");
            } else {
                assert_eq!(f["status"], "ok", "{label}: {f}");
                assert!(out.join(f["output"].as_str().unwrap()).is_file(), "{label}: {f}");
                assert!(f["tasks"].as_u64().unwrap() >= 34, "{label}: {f}");
            }
        }
        let jsonl = std::fs::read_to_string(out.join("tasks.jsonl")).unwrap();
        assert_eq!(jsonl.lines().count() as u64, r["totals"]["tasks"].as_u64().unwrap(), "{label}");
        // CSV formula injection is neutralized; the JSON keeps the text as written.
        let csv = std::fs::read_to_string(out.join("tasks.csv")).unwrap();
        assert!(csv.contains(",\"'=HYPERLINK("), "{label}: the formula is quoted away");
        assert!(!csv.contains(",=HYPERLINK(") && !csv.contains(",\"=HYPERLINK("), "{label}");
        assert!(jsonl.contains("\"title\":\"=HYPERLINK("), "{label}");
    }
}

/// An abort inside the conversion of one file (here: an allocation past the child's address-space
/// limit, for a workbook whose grid of a million cells is within the cell limit) is that file's
/// error; the batch writes everything else.
#[test]
fn an_abort_in_one_file_is_that_files_error() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big-grid.xlsx");
    let far = "<row r=\"1000\"><c r=\"ALL1000\" t=\"n\"><v>1</v></c></row></sheetData>";
    let bytes = rewrite_xlsx(
        |name, data| match name {
            "xl/worksheets/sheet1.xml" => Some((name.into(), replace(data, "</sheetData>", far))),
            _ => Some((name.into(), data)),
        },
        &[],
    );
    std::fs::write(&big, bytes).unwrap();
    if std::env::var_os("KEEP_MALFORMED").is_some() {
        let keep = std::env::temp_dir().join("notice-ingest-hostile");
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&big, keep.join("big-grid.xlsx")).unwrap();
    }
    // After the abort, a fresh child converts the next workbook.
    let after = tmp.path().join("z-seed.xlsx");
    std::fs::copy(root().join("fixtures/xlsx/seed.xlsx"), &after).unwrap();
    let out = tmp.path().join("out");
    let o = run(&["batch", s(&big), SEED, s(&after), "-o", s(&out), "--worker-memory-mib", "64", "--jobs", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let r = report(&out);
    let files = r["files"].as_array().unwrap();
    let message = files[1]["message"].as_str().unwrap();
    assert_eq!(files[1]["key"], "big-grid.xlsx");
    assert!(message.contains("killed by signal 6 (SIGABRT)"), "{message}");
    assert!(message.contains("memory allocation of"), "{message}");
    assert!(message.contains("64 MiB (--worker-memory-mib)"), "{message}");
    assert_eq!(files[0]["status"], "ok");
    assert!(out.join("notices/000_289293f812862803.txt.json").is_file());
    assert_eq!(files[2]["key"], "z-seed.xlsx");
    // Converted in a fresh child: the seed again, so a duplicate of the first file's notice.
    assert_eq!(files[2]["status"], "duplicate", "{}", files[2]);
    let doc: Value =
        serde_json::from_slice(&std::fs::read(out.join(files[2]["output"].as_str().unwrap())).unwrap()).unwrap();
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 34);
}

/// Isolating a file in a child process gives the same bytes as converting it in-process, whether
/// the child is sent the file's bytes or only its path (every file with `all`; the PDFs, DOCX and
/// XLSX files, told by their first bytes, with `office`), `state.json`'s content hashes included.
#[test]
fn isolation_changes_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("isolated"), tmp.path().join("in-process"), tmp.path().join("office"));
    for (dir, isolate) in [(&a, "all"), (&b, "off"), (&c, "office")] {
        let o = run(&[
            "batch",
            "fixtures/pdf",
            "fixtures/docx",
            "fixtures/xlsx",
            "fixtures/seed",
            "-o",
            s(dir),
            "--isolate",
            isolate,
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    }
    super::batch::assert_same_tree(&a, &b, "--isolate all and --isolate off");
    super::batch::assert_same_tree(&c, &b, "--isolate office and --isolate off");
}
