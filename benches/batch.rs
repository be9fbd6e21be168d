//! Batch throughput and memory: `cargo bench --bench batch`.
//!
//! Generates corpora of 1,000 and 10,000 notices from the seed (in a temporary directory; nothing
//! is committed), runs the release `notice-ingest batch` over each with 1 and 2 worker threads, and
//! prints notices/s, the speed-up of 2 threads over 1, and the peak resident memory the batch
//! reports. Set `BENCH_SIZES=1000,10000` to choose corpus sizes.

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
    let tmp = std::env::temp_dir().join(format!("notice-ingest-bench-{}", std::process::id()));
    println!("{:>8} {:>5} {:>10} {:>12} {:>14}", "notices", "jobs", "seconds", "notices/s", "peak memory");
    for &n in &sizes {
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
    let _ = std::fs::remove_dir_all(&tmp);
}
