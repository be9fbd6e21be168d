//! Batch throughput and memory: `cargo bench --bench batch`. Corpora and outputs go under
//! `BENCH_DIR`, else `/dev/shm` where it is writable, else the temporary directory (see `bench_dir`).
//!
//! Generates corpora of 1,000 and 10,000 notices from the seed (in a temporary directory; nothing
//! is committed), runs the release `notice-ingest batch` over each with 1 and 2 worker threads, and
//! prints notices/s, the speed-up of 2 threads over 1, and the peak resident memory the batch
//! reports. Set `BENCH_SIZES=1000,10000` to choose corpus sizes.
//!
//! Then the cost of isolation: every PDF, DOCX and XLSX rendition of the seed, copied
//! `BENCH_ISOLATION_COPIES` times (default 20), converted with `--isolate office` (each file in a
//! child process) and `--isolate off`, with 1 and 2 threads; it prints files/s and the time each
//! child adds per file. `BENCH_SIZES=0` runs only this part (with `BENCH_PDF_FILES=0`).
//!
//! Then PDF pages/s (issue #19): every PDF fixture that converts (scanned.pdf and no-ledger.pdf
//! left out), copied until the corpus holds `BENCH_PDF_FILES` files (default `1000,10000`), run
//! with 1 and 2 threads, `--isolate` at its default (office: each PDF in a reused child process)
//! and `off`, after the corpus is synced to disk and converted once untimed; each configuration
//! runs `BENCH_PDF_RUNS` times (default 3 up to 2,000 files, 1 above) and the run with the median
//! wall time is printed. It prints pages/s (wall clock), pages per CPU second (user and system time of the
//! run, workers included: the figure that holds on a shared machine), the speed-up of 2 threads
//! over 1, the peak resident memory the batch reports (its own) and that of the largest process
//! of the run (a worker, with isolation). `BENCH_PDF_JOBS=1` runs only one thread;
//! `BENCH_SIZES=0 BENCH_ISOLATION_COPIES=0` runs only this part.

use std::process::Command;
use std::time::Instant;

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let exe = env!("CARGO_BIN_EXE_notice-ingest");
    let seed =
        std::fs::read_to_string(format!("{root}/fixtures/seed/000_289293f812862803.txt")).expect("the seed fixture");
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let tmp = bench_dir().join(format!("notice-ingest-bench-{}", std::process::id()));
    println!("corpora and outputs under {}", tmp.display());
    println!("{:>8} {:>5} {:>10} {:>12} {:>14}", "notices", "jobs", "seconds", "notices/s", "peak memory");
    for &n in sizes.iter().filter(|&&n| n > 0) {
        let corpus = tmp.join(format!("corpus-{n}"));
        notice_ingest::corpus::generate_corpus(&seed, &corpus, n).expect("corpus written");
        let mut rates = Vec::new();
        for jobs in [1, 2] {
            let out = tmp.join(format!("out-{n}-{jobs}"));
            let started = Instant::now();
            let result = Command::new(exe)
                .args(["batch", corpus.to_str().unwrap(), "-o", out.to_str().unwrap(), "--jobs", &jobs.to_string()])
                .env("CI", "1")
                .output()
                .expect("the batch runs");
            let seconds = started.elapsed().as_secs_f64();
            let stderr = String::from_utf8_lossy(&result.stderr);
            let peak =
                stderr.lines().last().and_then(|l| l.split("peak memory ").nth(1)).unwrap_or("unknown").to_string();
            let rate = n as f64 / seconds;
            rates.push(rate);
            println!("{n:>8} {jobs:>5} {seconds:>10.2} {rate:>12.1} {peak:>14}");
        }
        println!("{n:>8} speed-up of 2 threads over 1: {:.2}x", rates[1] / rates[0]);
    }
    if std::env::var("BENCH_ISOLATION_COPIES").as_deref() != Ok("0") {
        isolation_cost(root, exe, &tmp);
    }
    pdf_pages(root, exe, &tmp);
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Where the corpora and the outputs go: `BENCH_DIR`, else `/dev/shm` where it is a writable
/// directory (memory), else the temporary directory. A batch writes a file per notice, and what a
/// disk's file system charges for creating one is its own: on 2026-11-30 this machine's ext4 took
/// 0.5 ms a file (its inode allocator scanning past recently deleted inodes: `recently_deleted`,
/// `find_inode_bit` in a profile), a fifth of a 1,000-file batch, against 0.05 ms in memory.
fn bench_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("BENCH_DIR") {
        return dir.into();
    }
    let shm = std::path::Path::new("/dev/shm");
    let writable = shm.is_dir() && tempfile::tempfile_in(shm).is_ok();
    if writable {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// Files/s of a batch over the seed's PDF, DOCX and XLSX renditions with and without a child
/// process per file.
fn isolation_cost(root: &str, exe: &str, tmp: &std::path::Path) {
    let copies: usize = std::env::var("BENCH_ISOLATION_COPIES").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let manifest = std::fs::read_to_string(format!("{root}/fixtures/seed-renditions.list")).expect("the list");
    let office: Vec<&str> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && [".pdf", ".docx", ".xlsx"].iter().any(|e| l.ends_with(e)))
        .collect();
    let corpus = tmp.join("office");
    for i in 0..copies {
        let dir = corpus.join(format!("copy-{i:03}"));
        std::fs::create_dir_all(&dir).expect("corpus directory");
        for path in &office {
            std::fs::copy(format!("{root}/{path}"), dir.join(path.replace('/', "-"))).expect("copied");
        }
    }
    let n = copies * office.len();
    println!();
    println!("isolation: {n} files ({} PDF/DOCX/XLSX renditions of the seed x {copies})", office.len());
    println!("{:>8} {:>5} {:>10} {:>12} {:>14}", "isolate", "jobs", "seconds", "files/s", "peak memory");
    for jobs in [1, 2] {
        let mut seconds_by_mode = Vec::new();
        for isolate in ["off", "office"] {
            let out = tmp.join(format!("office-out-{isolate}-{jobs}"));
            let started = Instant::now();
            let result = Command::new(exe)
                .args(["batch", corpus.to_str().unwrap(), "-o", out.to_str().unwrap()])
                .args(["--jobs", &jobs.to_string(), "--isolate", isolate])
                .env("CI", "1")
                .output()
                .expect("the batch runs");
            let seconds = started.elapsed().as_secs_f64();
            let stderr = String::from_utf8_lossy(&result.stderr);
            let peak =
                stderr.lines().last().and_then(|l| l.split("peak memory ").nth(1)).unwrap_or("unknown").to_string();
            println!("{isolate:>8} {jobs:>5} {seconds:>10.2} {:>12.1} {peak:>14}", n as f64 / seconds);
            seconds_by_mode.push(seconds);
        }
        let extra = (seconds_by_mode[1] - seconds_by_mode[0]) / n as f64 * 1000.0 * jobs as f64;
        println!(
            "{:>8} {jobs:>5} isolation costs {:+.1}% of the run, {extra:.1} ms of a thread per file",
            "",
            (seconds_by_mode[1] / seconds_by_mode[0] - 1.0) * 100.0
        );
    }
}

/// Runs `command` (stdout discarded, stderr to `log`) and returns its wall seconds, its CPU
/// seconds (user and system, its children's included), its stderr, and the largest resident set
/// of it and its own children (KiB); both from `wait4`.
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives its resource usage
fn run_measured(command: &mut Command, log: &std::path::Path) -> (f64, f64, String, i64) {
    let started = Instant::now();
    let child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("the batch runs");
    let mut status = 0;
    // SAFETY: wait4 writes only the status and the rusage it is given; the child is ours.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = secs(usage.ru_utime) + secs(usage.ru_stime);
    (seconds, cpu, std::fs::read_to_string(log).unwrap_or_default(), usage.ru_maxrss)
}

/// Every PDF fixture with a text layer that converts, with its page count. Scans
/// (`fixtures/scans`) are left out: OCR is seconds a page, and `cargo bench --bench scan` times it.
fn pdf_fixtures(root: &str) -> Vec<(std::path::PathBuf, u32)> {
    let scans = std::path::Path::new(root).join("fixtures").join("scans");
    let mut files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(format!("{root}/fixtures"))
        .into_iter()
        .flatten()
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf") && !p.starts_with(&scans))
        .filter(|p| !p.ends_with("scanned.pdf") && !p.ends_with("no-ledger.pdf"))
        .collect();
    files.sort();
    let limits = notice_ingest::Limits::default();
    files
        .into_iter()
        .filter_map(|p| {
            let source = notice_ingest::read_source(&p, limits.max_input_bytes).ok()?;
            let (doc, _) = notice_ingest::read_document(&source, &limits).ok()?;
            Some((p, doc.pages))
        })
        .collect()
}

/// Runs of each configuration over a corpus of `files` (the one with the median wall time is
/// printed): `BENCH_PDF_RUNS`, else 3 up to 2,000 files and 1 above (a 10,000-file run is 20 s).
fn runs(files: usize) -> usize {
    let default = if files <= 2000 { 3 } else { 1 };
    std::env::var("BENCH_PDF_RUNS").ok().and_then(|v| v.parse().ok()).filter(|&r| r > 0).unwrap_or(default)
}

/// Pages/s of a batch over the PDF fixtures copied to 1,000 and 10,000 files, 1 and 2 threads.
fn pdf_pages(root: &str, exe: &str, tmp: &std::path::Path) {
    let sizes: Vec<usize> = std::env::var("BENCH_PDF_FILES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .filter(|&n| n > 0)
        .collect();
    if sizes.is_empty() {
        return;
    }
    let jobs_list: Vec<usize> = match std::env::var("BENCH_PDF_JOBS").as_deref() {
        Ok("1") => vec![1],
        _ => vec![1, 2],
    };
    let fixtures = pdf_fixtures(root);
    let pages_per_pass: u32 = fixtures.iter().map(|(_, p)| p).sum();
    println!();
    println!("PDF pages: {} PDF fixtures, {pages_per_pass} pages a pass, copied to each corpus size", fixtures.len());
    println!(
        "{:>7} {:>7} {:>8} {:>5} {:>9} {:>10} {:>11} {:>9} {:>13} {:>14} {:>15}",
        "files",
        "pages",
        "isolate",
        "jobs",
        "seconds",
        "pages/s",
        "files/s",
        "cpu s",
        "pages/cpu s",
        "peak (batch)",
        "largest process"
    );
    for &n in &sizes {
        let corpus = tmp.join(format!("pdf-{n}"));
        let mut pages = 0u64;
        for i in 0..n {
            let (src, p) = &fixtures[i % fixtures.len()];
            let dir = corpus.join(format!("copy-{:04}", i / fixtures.len()));
            std::fs::create_dir_all(&dir).expect("corpus directory");
            let name = src.strip_prefix(root).unwrap_or(src).to_string_lossy().replace('/', "-");
            std::fs::copy(src, dir.join(name)).expect("copied");
            pages += u64::from(*p);
        }
        // The corpus just written is flushed to disk before anything is timed, and converted once
        // untimed: otherwise the first run shares the machine with the write-back of its own input
        // and meets the program and its files cold (on 2026-11-30 the first configuration took
        // 2.88 s, where it takes 2.1–2.4 s alone).
        let _ = Command::new("sync").status();
        let batch = |isolate: &str, jobs: usize, out: &std::path::Path| {
            let mut command = Command::new(exe);
            command
                .args(["batch", corpus.to_str().unwrap(), "-o", out.to_str().unwrap()])
                .args(["--jobs", &jobs.to_string(), "--isolate", isolate])
                .env("CI", "1");
            let measured = run_measured(&mut command, &tmp.join("pdf-batch.log"));
            let _ = std::fs::remove_dir_all(out);
            measured
        };
        batch("off", 2, &tmp.join("pdf-out-warm-up"));
        let _ = Command::new("sync").status();
        for isolate in ["office", "off"] {
            let mut rates = Vec::new();
            for &jobs in &jobs_list {
                let out = tmp.join(format!("pdf-out-{n}-{isolate}-{jobs}"));
                let mut measured: Vec<_> = (0..runs(n)).map(|_| batch(isolate, jobs, &out)).collect();
                measured.sort_by(|a, b| a.0.total_cmp(&b.0));
                let (seconds, cpu, stderr, largest_kib) = measured.swap_remove(measured.len() / 2);
                let peak =
                    stderr.lines().last().and_then(|l| l.split("peak memory ").nth(1)).unwrap_or("unknown").to_string();
                let largest = format!("{:.1} MiB", largest_kib as f64 / 1024.0);
                let rate = pages as f64 / seconds;
                rates.push(rate);
                println!(
                    "{n:>7} {pages:>7} {isolate:>8} {jobs:>5} {seconds:>9.2} {rate:>10.1} {:>11.1} {cpu:>9.2} {:>13.1} {peak:>14} {largest:>15}",
                    n as f64 / seconds,
                    pages as f64 / cpu
                );
            }
            if rates.len() == 2 {
                println!("{n:>7} {:>7} {isolate:>8} speed-up of 2 threads over 1: {:.2}x", "", rates[1] / rates[0]);
            }
        }
        let _ = std::fs::remove_dir_all(&corpus);
    }
}
