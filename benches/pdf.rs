//! PDF stage throughput and memory: `cargo bench --bench pdf`.
//!
//! Reads every PDF with a ledger in `fixtures/pdf/` (and `fixtures/ledgers/`) into the document
//! model with the PDF front-end, over and over for about `BENCH_SECONDS` seconds per file (default
//! 3), single-threaded, and prints pages/s and MB/s per file and in total, then the same for the
//! whole conversion (front-end to validated record), and the process's peak resident memory.
//! `benches/pdfplumber_baseline.py` measures pdfplumber on the same files for comparison.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use notice_ingest::{convert_source, read_document, source_from_bytes, Config};

fn pdfs(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["fixtures/pdf", "fixtures/ledgers"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".pdf") && name != "scanned.pdf" && name != "no-ledger.pdf" {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// Peak resident set size of this process in MiB (Linux), if known.
fn peak_rss_mib() -> Option<f64> {
    notice_ingest::peak_memory_kib().map(|kib| kib as f64 / 1024.0)
}

/// Runs `work` repeatedly for about `budget`; returns (runs, seconds).
fn repeat(budget: Duration, mut work: impl FnMut()) -> (u32, f64) {
    let started = Instant::now();
    let mut runs = 0;
    while runs == 0 || started.elapsed() < budget {
        work();
        runs += 1;
    }
    (runs, started.elapsed().as_secs_f64())
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seconds: f64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let budget = Duration::from_secs_f64(seconds);
    let config = Config::default();
    println!(
        "{:<34} {:>5} {:>9} {:>10} {:>8} {:>12} {:>8}",
        "file", "pages", "KiB", "pages/s", "MB/s", "convert p/s", "tasks"
    );
    let (mut all_pages, mut all_bytes, mut front_secs, mut convert_secs) = (0.0, 0.0, 0.0, 0.0);
    for path in pdfs(root) {
        let bytes = std::fs::read(&path).unwrap();
        let source = source_from_bytes(&path, bytes.clone()).unwrap();
        let (doc, _) = match read_document(&source, &config.limits) {
            Ok(d) => d,
            Err(e) => {
                println!("{:<34} error: {e}", path.file_name().unwrap().to_string_lossy());
                continue;
            }
        };
        let pages = f64::from(doc.pages);
        let (runs, secs) = repeat(budget, || {
            std::hint::black_box(read_document(std::hint::black_box(&source), &config.limits).ok());
        });
        let per_run = secs / f64::from(runs);
        let tasks = convert_source(&source, &config).map(|d| d.tasks.len()).unwrap_or(0);
        let (cruns, csecs) = repeat(budget, || {
            std::hint::black_box(convert_source(std::hint::black_box(&source), &config).ok());
        });
        let convert_per_run = csecs / f64::from(cruns);
        println!(
            "{:<34} {:>5} {:>9.0} {:>10.1} {:>8.2} {:>12.1} {:>8}",
            path.file_name().unwrap().to_string_lossy(),
            doc.pages,
            bytes.len() as f64 / 1024.0,
            pages / per_run,
            bytes.len() as f64 / 1e6 / per_run,
            pages / convert_per_run,
            tasks
        );
        all_pages += pages;
        all_bytes += bytes.len() as f64;
        front_secs += per_run;
        convert_secs += convert_per_run;
    }
    println!(
        "{:<34} {:>5} {:>9.0} {:>10.1} {:>8.2} {:>12.1}",
        "total (one pass over every file)",
        all_pages,
        all_bytes / 1024.0,
        all_pages / front_secs,
        all_bytes / 1e6 / front_secs,
        all_pages / convert_secs
    );
    match peak_rss_mib() {
        Some(m) => println!("peak resident memory: {m:.1} MiB"),
        None => println!("peak resident memory: unknown"),
    }
}
