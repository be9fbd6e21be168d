//! Hostile input, round two (issue #14), the output side: keys of files whose names collide or
//! are not UTF-8, unreadable folders, shard merges that do not fit, output directories owned by
//! another run, stale and temporary files, failed writes, bad job counts and a closed stdout.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::hostile::{report, run, run_guarded, s};
use super::{root, text, SEED};

#[cfg(target_os = "linux")]
fn non_utf8(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[test]
fn output_keys_are_distinct_writable_and_printable() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("d");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::create_dir_all(tmp.path().join("x")).unwrap();
    let seed = std::fs::read(root().join(SEED)).unwrap();
    // Twenty names that are not UTF-8 and differ only in their invalid byte.
    for b in 0x80u8..0x94 {
        std::fs::write(d.join(non_utf8(&[b'n', b, b'.', b't', b'x', b't'])), &seed).unwrap();
    }
    // A name of 250 bytes, an escape sequence in a name, a link to a file and one to a directory.
    let long = format!("{}.txt", "长".repeat(82));
    assert!(long.len() > 245 && long.len() <= 255);
    std::fs::write(d.join(&long), &seed).unwrap();
    std::fs::write(d.join("esc\u{1b}[31mred.txt"), &seed).unwrap();
    std::os::unix::fs::symlink(d.join(&long), d.join("sub/link.txt")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("x"), d.join("sub/dirlink")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("nowhere.txt"), d.join("sub/dangling.txt")).unwrap();
    let out = tmp.path().join("out");
    let same_dir_again = tmp.path().join("x/../d");
    let o = run(&["batch", s(&d), s(&same_dir_again), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "the dangling link fails: {}", text(&o.stderr));
    let stderr = text(&o.stderr);
    assert!(!stderr.contains('\u{1b}'), "no escape byte reaches the terminal: {stderr:?}");
    assert!(stderr.contains("esc%1B[31mred.txt"), "{stderr}");
    let r = report(&out);
    let files = r["files"].as_array().unwrap();
    let keys: Vec<&str> = files.iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 20 + 2 + 3, "the directory given twice is converted once: {keys:?}");
    let mut outputs: Vec<&str> = files.iter().filter_map(|f| f["output"].as_str()).collect();
    outputs.sort();
    outputs.dedup();
    assert_eq!(outputs.len(), 20 + 2 + 1, "one output per converted input: {keys:?}");
    assert!(keys.contains(&"n%80.txt") && keys.contains(&"n%93.txt"), "{keys:?}");
    for f in files {
        let key = f["key"].as_str().unwrap();
        match key {
            "sub/dirlink" => assert!(f["message"].as_str().unwrap().contains("symbolic link to a directory")),
            "sub/dangling.txt" => assert!(f["message"].as_str().unwrap().contains("cannot be followed")),
            _ => {
                // Every input is the seed: converted, and after the first a duplicate of it.
                assert!(f["status"] == "ok" || f["status"] == "duplicate", "{f}");
                assert!(out.join(f["output"].as_str().unwrap()).is_file(), "{f}");
            }
        }
    }
    assert!(keys.iter().any(|k| k.starts_with("长长") && k.contains('~')), "the long name is shortened: {keys:?}");
    assert!(keys.contains(&"sub/link.txt"), "a link to a file is converted: {keys:?}");
    // The exit code and outputs are those of a run with one thread.
    let one = tmp.path().join("one");
    let o = run(&["batch", s(&d), "-o", s(&one), "--jobs", "1"]);
    assert_eq!(o.status.code(), Some(1));
    super::batch::assert_same_tree(&out, &one, "--jobs 1 and 2");
}

#[test]
fn an_unreadable_subdirectory_is_that_entrys_error() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::copy(root().join(SEED), d.join("seed.txt")).unwrap();
    // A directory nested past PATH_MAX (4096 bytes) cannot be read by its path, even by root
    // (who reads any directory whatever its mode): made here one level at a time, by descriptor.
    {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        let name = std::ffi::CString::new("深".repeat(60)).unwrap();
        let mut dir: OwnedFd = std::fs::File::open(&d).unwrap().into();
        for _ in 0..30 {
            // SAFETY: mkdirat/openat with a directory descriptor we own and a NUL-terminated name.
            let fd = unsafe {
                assert_eq!(libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), 0o755), 0);
                libc::openat(dir.as_raw_fd(), name.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY)
            };
            assert!(fd >= 0);
            // SAFETY: `fd` was just opened and is owned by nothing else.
            dir = unsafe { OwnedFd::from_raw_fd(fd) };
        }
    }
    let out = tmp.path().join("out");
    let o = run(&["batch", s(&d), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let r = report(&out);
    let files = r["files"].as_array().unwrap();
    let failed: Vec<&Value> = files.iter().filter(|f| f["status"] != "ok").collect();
    assert_eq!(failed.len(), 1, "{files:?}");
    assert!(failed[0]["message"].as_str().unwrap().contains("cannot read"), "{}", failed[0]);
    assert!(files.iter().any(|f| f["key"] == "seed.txt" && f["status"] == "ok"));
}

#[test]
fn merge_refuses_incomplete_or_overlapping_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = |i: usize, n: usize, inputs: &[&str]| {
        let dir = tmp.path().join(format!("s{i}of{n}-{}", inputs.len()));
        let shard = format!("{i}/{n}");
        let o = run(&[&["batch"][..], inputs, &["-o", s(&dir), "--shard", &shard]].concat());
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", text(&o.stderr));
        dir
    };
    let set = ["fixtures/html", "fixtures/seed"];
    let (s0, s1, s2) = (shard(0, 3, &set), shard(1, 3, &set), shard(2, 3, &set));
    let merged = tmp.path().join("merged");
    let merge = |dirs: &[&Path]| {
        let args: Vec<&str> = dirs.iter().map(|d| s(d)).collect();
        run(&[&["merge"][..], &args, &["-o", s(&merged)]].concat())
    };
    let o = merge(&[&s0, &s2]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("shard(s) 1/3 of input set"), "{}", text(&o.stderr));
    let o = merge(&[&s0, &s1, &s1]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("shard 1/3 is given twice"), "{}", text(&o.stderr));
    let other = shard(2, 3, &["fixtures/html"]);
    let o = merge(&[&s0, &s1, &other]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not one split"), "{}", text(&o.stderr));
    let whole = shard(0, 1, &set);
    let o = merge(&[&s0, &s1, &s2]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = merge(&[&whole]);
    assert_eq!(o.status.code(), Some(0), "one shard of one is a complete set: {}", text(&o.stderr));
    // A shard whose report claims a file of another shard too.
    let overlap = tmp.path().join("overlap");
    let o = run(&["batch", "fixtures/html", "fixtures/seed", "-o", s(&overlap), "--shard", "1/3"]);
    assert!(o.status.code().is_some_and(|c| c <= 1));
    let mut r = report(&overlap);
    let stolen = report(&s0)["files"][0].clone();
    r["files"].as_array_mut().unwrap().push(stolen);
    std::fs::write(overlap.join("report.json"), serde_json::to_vec(&r).unwrap()).unwrap();
    let o = merge(&[&s0, &overlap, &s2]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("overlap"), "{}", text(&o.stderr));
}

#[test]
fn one_output_directory_one_run_and_its_own_files_are_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // Another run holding the directory (its lock taken here, as a running batch holds it).
    std::fs::create_dir_all(&out).unwrap();
    let lock = std::fs::File::open(&out).unwrap();
    lock.try_lock().unwrap();
    let o = run(&["batch", SEED, "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is in use by another run"), "{}", text(&o.stderr));
    drop(lock);
    let o = run(&["batch", SEED, "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for (flag, target) in [
        ("--report", "tasks.jsonl"),
        ("--junit", "report.json"),
        ("--sqlite", "tasks.csv"),
        ("--junit", "notices/x.xml"),
    ] {
        let before = std::fs::read(out.join("tasks.jsonl")).unwrap();
        let path = out.join(target);
        let o = run(&["batch", SEED, "-o", s(&out), flag, s(&path)]);
        assert_eq!(o.status.code(), Some(2), "{flag} {target}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains("the run would overwrite or corrupt it"), "{}", text(&o.stderr));
        assert_eq!(std::fs::read(out.join("tasks.jsonl")).unwrap(), before, "{flag} {target}: untouched");
    }
    let same = tmp.path().join("r.xml");
    let o = run(&["batch", SEED, "-o", s(&out), "--report", s(&same), "--junit", s(&same)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn a_rerun_leaves_no_stale_or_temporary_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, out) = (tmp.path().join("in"), tmp.path().join("out"));
    std::fs::create_dir_all(input.join("sub")).unwrap();
    std::fs::copy(root().join(SEED), input.join("a.txt")).unwrap();
    std::fs::copy(root().join(SEED), input.join("sub/b.txt")).unwrap();
    assert_eq!(run(&["batch", s(&input), "-o", s(&out)]).status.code(), Some(0));
    assert!(out.join("notices/sub/b.txt.json").is_file());
    // A killed run's temporaries, then the input removed.
    std::fs::write(out.join(".tasks.jsonl.4242.tmp"), b"half").unwrap();
    std::fs::write(out.join("notices/.a.txt.json.4242.tmp"), b"half").unwrap();
    std::fs::remove_dir_all(input.join("sub")).unwrap();
    assert_eq!(run(&["batch", s(&input), "-o", s(&out)]).status.code(), Some(0));
    let mut left: Vec<String> = walkdir::WalkDir::new(&out)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&out).unwrap().to_string_lossy().into_owned())
        .collect();
    left.sort();
    // The batch's own outputs (state.json is what a later --incremental run compares against),
    // and of the removed input nothing: not its notice, not its entry in the state.
    assert_eq!(left, ["notices/a.txt.json", "report.json", "state.json", "tasks.csv", "tasks.jsonl", "tasks.xlsx"]);
    let state = std::fs::read_to_string(out.join("state.json")).unwrap();
    assert!(state.contains("\"a.txt\"") && !state.contains("sub/b.txt"), "{state}");
}

/// A full disk (simulated by a file-size limit, with SIGXFSZ ignored so writes fail instead):
/// the report never counts tasks that were not written.
#[test]
fn a_failed_write_is_reported_and_counts_no_tasks() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // 64 KiB is below a notice's JSON (about 100 KiB) but above the other outputs of a failed file.
    let o = run_guarded(&["batch", SEED, "-o", s(&out)], Some("trap '' XFSZ; ulimit -f 128"), Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let r = report(&out);
    let f = &r["files"][0];
    assert_eq!(f["status"], "error");
    assert_eq!(f["tasks"], 0);
    assert!(f["message"].as_str().unwrap().contains("File too large"), "{f}");
    assert_eq!(r["totals"]["tasks"], 0);
    assert_eq!(std::fs::read_to_string(out.join("tasks.jsonl")).unwrap(), "");
}

#[test]
fn bad_job_counts_and_a_closed_stdout_are_usage_errors() {
    for jobs in ["0", "100000"] {
        let o = run(&["batch", SEED, "-o", "/nonexistent/never", "--jobs", jobs]);
        assert_eq!(o.status.code(), Some(2), "--jobs {jobs}");
        assert!(text(&o.stderr).contains("not in 1..=256"), "{}", text(&o.stderr));
    }
    let o = run_guarded(&["convert", SEED, "-o", "-"], Some("exec >&-"), Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("standard output is closed"), "{}", text(&o.stderr));
}

/// A log reader that goes away (`batch … 2>&1 | head`) must not crash the run: its outputs are
/// files, and they are all written.
#[test]
fn a_closed_log_reader_does_not_stop_a_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_notice-ingest"))
        .args(["batch", SEED, "fixtures/seed", "-o", s(&out)])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Both read ends closed before the first line is written.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(out.join("tasks.jsonl").is_file() && out.join("report.json").is_file());
}

/// `convert` given a folder says what went wrong (the library's message) and points to `batch`.
#[test]
fn convert_on_a_folder_points_to_batch() {
    let o = run(&["convert", "fixtures/seed", "-o", "-"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("error: fixtures/seed is not a regular file but a directory"), "{err}");
    assert!(err.contains("hint: `convert` takes notice files; to convert every notice in fixtures/seed: notice-ingest batch fixtures/seed -o OUT"), "{err}");
}
