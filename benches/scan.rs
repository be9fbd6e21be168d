//! Scan front-end speed and memory: `cargo bench --bench scan`.
//!
//! Converts each scan in `fixtures/scans/` once (pages in parallel on all cores, one tesseract
//! process per page) and prints seconds per page, then this process's peak resident memory and the
//! largest peak of a tesseract process. Needs tesseract with chi_sim; says so and stops without it.

use std::path::PathBuf;
use std::time::Instant;

use notice_ingest::{convert_source, source_from_bytes, Config};

/// Peak resident set size of this process in MiB (Linux), if known.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Largest peak resident set of a child process waited for (tesseract), MiB.
fn children_peak_mib() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss as f64 / 1024.0
}

fn main() {
    let has_chi_sim = std::process::Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == "chi_sim"));
    if !has_chi_sim {
        println!("tesseract with chi_sim is not installed: nothing to measure");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("fixtures/scans"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    files.sort();
    let config = Config::default();
    let threads = rayon::current_num_threads();
    println!("{:<28} {:>6} {:>9} {:>10}   ({threads} threads)", "file", "pages", "seconds", "s/page");
    let (mut pages_all, mut seconds_all) = (0u32, 0f64);
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let source = source_from_bytes(&path, bytes).unwrap();
        let started = Instant::now();
        let doc = convert_source(&source, &config).expect("the scan converts");
        let seconds = started.elapsed().as_secs_f64();
        let pages = doc.notice.source.pages;
        pages_all += pages;
        seconds_all += seconds;
        let name = path.file_name().unwrap().to_string_lossy();
        println!("{name:<28} {pages:>6} {seconds:>9.2} {:>10.2}", seconds / f64::from(pages));
    }
    println!("{:<28} {pages_all:>6} {seconds_all:>9.2} {:>10.2}", "all", seconds_all / f64::from(pages_all.max(1)));
    println!(
        "peak memory: this process {} MiB, a tesseract process {:.0} MiB",
        peak_rss_mib().map_or("unknown".into(), |m| format!("{m:.0}")),
        children_peak_mib()
    );
}
