//! PDF stage throughput and memory: `cargo bench --bench pdf`.
//!
//! Reads every PDF with a ledger in `fixtures/pdf/` (and `fixtures/ledgers/`) into the document
//! model with the PDF front-end, over and over for about `BENCH_SECONDS` seconds per file (default
//! 3), single-threaded, and prints pages/s and MB/s per file and in total, then the same for the
//! whole conversion (front-end to validated record), and the process's peak resident memory.
//!
//! Then against pdfplumber (issue #19), when `python3 -c 'import pdfplumber'` works: in process,
//! `benches/pdfplumber_baseline.py` on the same files (tables and text of every page); and as
//! whole processes, side by side in turn, `notice-ingest convert FILE -o -` against the baseline
//! script given FILE (interpreter start-up and imports included), `BENCH_PROCESS_RUNS` runs each
//! (default 7), on every PDF rendition of the seed: median wall and CPU seconds of each, and the
//! ratios. `BENCH_PDFPLUMBER=0` skips both.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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
    let have_pdfplumber = std::env::var("BENCH_PDFPLUMBER").as_deref() != Ok("0")
        && Command::new("python3")
            .args(["-c", "import pdfplumber"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !have_pdfplumber {
        println!("\npdfplumber: not run (python3 -c 'import pdfplumber' fails, or BENCH_PDFPLUMBER=0)");
        return;
    }
    println!("\npdfplumber in process (benches/pdfplumber_baseline.py 1):");
    let baseline = root.join("benches/pdfplumber_baseline.py");
    let _ = Command::new("python3").arg(&baseline).arg("1").current_dir(root).status();
    whole_processes(root, &baseline);
}

/// Wall and CPU seconds of one whole process (its output discarded).
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives its resource usage
fn time_process(command: &mut Command) -> (f64, f64) {
    let started = Instant::now();
    let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("the command runs");
    let mut status = 0;
    // SAFETY: wait4 writes only the status and the rusage it is given; the child is ours.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = started.elapsed().as_secs_f64();
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (wall, secs(usage.ru_utime) + secs(usage.ru_stime))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median wall and CPU seconds of two commands run in turn `runs` times, after one warm-up each,
/// in the order given: taken in turn, both meet the same moments of a shared machine.
fn medians_in_turn(runs: usize, first: &mut Command, second: &mut Command) -> [(f64, f64); 2] {
    time_process(first);
    time_process(second);
    let mut samples: [(Vec<f64>, Vec<f64>); 2] = Default::default();
    for _ in 0..runs {
        for (command, (wall, cpu)) in [&mut *first, &mut *second].into_iter().zip(&mut samples) {
            let (w, c) = time_process(command);
            wall.push(w);
            cpu.push(c);
        }
    }
    samples.map(|(wall, cpu)| (median(wall), median(cpu)))
}

/// notice-ingest against pdfplumber as whole processes, in turn, on each PDF rendition of the seed.
fn whole_processes(root: &Path, baseline: &Path) {
    let exe = env!("CARGO_BIN_EXE_notice-ingest");
    let runs: usize = std::env::var("BENCH_PROCESS_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(7).max(1);
    let list = std::fs::read_to_string(root.join("fixtures/seed-renditions.list")).expect("the renditions list");
    println!("\nwhole processes, in turn, median of {runs} (after one warm-up each): ours `convert FILE -o -`, pdfplumber the baseline script on FILE");
    println!(
        "{:<32} {:>10} {:>9} {:>12} {:>11} {:>9} {:>9}",
        "file", "ours wall", "ours cpu", "plumber wall", "plumber cpu", "wall ×", "cpu ×"
    );
    // What starting a process costs on this machine at this moment: one that does nothing and
    // ours doing nothing. Under a virtual machine both move with the host's load (a CPUID
    // instruction traps to the hypervisor, and the C library's start-up runs dozens: README, PDF
    // batches, eighth round), and the figures below move with them.
    let [(_, version_cpu), (_, idle_cpu)] =
        medians_in_turn(runs.max(21), Command::new(exe).arg("--version"), &mut Command::new("true"));
    println!(
        "{:<32} {:>9} {:>7.2}ms   (`true`, a process that does nothing: {:.2}ms)",
        "start-up (`--version`)",
        "",
        version_cpu * 1e3,
        idle_cpu * 1e3
    );
    for rel in list.lines().filter(|l| !l.starts_with('#') && l.ends_with(".pdf")) {
        let file = root.join(rel);
        let [(ow, oc), (tw, tc)] = medians_in_turn(
            runs,
            Command::new(exe).args(["convert", file.to_str().unwrap(), "-o", "-"]),
            Command::new("python3").arg(baseline).arg(&file),
        );
        println!(
            "{:<32} {:>9.1}ms {:>7.1}ms {:>11.0}ms {:>9.0}ms {:>8.0}× {:>8.0}×",
            Path::new(rel).file_name().unwrap().to_string_lossy(),
            ow * 1e3,
            oc * 1e3,
            tw * 1e3,
            tc * 1e3,
            tw / ow,
            tc / oc.max(1e-4)
        );
    }
}
