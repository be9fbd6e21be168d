//! A bounded load run of `notice-ingest serve` on loopback: `cargo bench --bench serve`.
//!
//! Starts the release binary on a free port of 127.0.0.1, then sends `BENCH_REQUESTS` (default
//! 2,000) `POST /api/convert` requests, `BENCH_CONCURRENCY` (default 16) at a time, cycling
//! through the seed's renditions (text, HTML, DOCX, XLSX and PDF from five producers: the files
//! of `fixtures/seed-renditions.list` that convert alone). Prints requests/s, p50/p90/p99/max
//! latency, the responses by status (any error is a failure of the bench) and the server's peak
//! resident memory. The run stops by itself: after the requests, or after `BENCH_MAX_SECONDS`
//! (default 900). Only loopback is ever addressed.

#[allow(dead_code)]
#[path = "../tests/cli/serve/http.rs"]
mod http;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The server's peak resident memory in KiB (`VmHWM`).
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let requests = env_number("BENCH_REQUESTS", 2000);
    let concurrency = env_number("BENCH_CONCURRENCY", 16).max(1);
    let deadline = Duration::from_secs(env_number("BENCH_MAX_SECONDS", 900) as u64);
    let list = std::fs::read_to_string(format!("{root}/fixtures/seed-renditions.list")).expect("the list");
    let files: Vec<(String, Vec<u8>)> = list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && !l.contains("attached/"))
        .map(|l| {
            let name = l.rsplit('/').next().unwrap().to_string();
            (name, std::fs::read(format!("{root}/{l}")).expect("a rendition"))
        })
        .collect();
    let workers = std::thread::available_parallelism().map_or(2, usize::from).to_string();
    let queue = (concurrency * 2).to_string();
    let server = Arc::new(http::Server::start(&["--workers", &workers, "--queue", &queue, "--queue-wait", "60"]));
    println!(
        "serve load: {requests} requests, {concurrency} at a time, {} files ({} workers, queue {queue}) on {}",
        files.len(),
        workers,
        server.addr
    );
    let baseline = peak_kib(server.pid());
    let files = Arc::new(files);
    let next = Arc::new(AtomicUsize::new(0));
    let results = Arc::new(Mutex::new(Vec::with_capacity(requests)));
    let started = Instant::now();
    let clients: Vec<_> = (0..concurrency)
        .map(|_| {
            let (server, files, next, results) = (server.clone(), files.clone(), next.clone(), results.clone());
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests || started.elapsed() > deadline {
                    break;
                }
                let (name, bytes) = &files[i % files.len()];
                let sent = Instant::now();
                let reply = server.request("POST", "/api/convert", &[("X-File-Name", name.as_str())], bytes);
                let ok_tasks = reply.status == 200 && reply.header("x-task-count") == Some("34");
                let status = if reply.status == 200 && !ok_tasks { 0 } else { reply.status };
                results.lock().unwrap().push((status, sent.elapsed(), name.clone()));
            })
        })
        .collect();
    for c in clients {
        c.join().expect("a client");
    }
    let seconds = started.elapsed().as_secs_f64();
    let results = results.lock().unwrap();
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    for (status, _, _) in results.iter() {
        *by_status.entry(*status).or_default() += 1;
    }
    let mut latencies: Vec<Duration> = results.iter().map(|(_, d, _)| *d).collect();
    latencies.sort();
    let mut by_file: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for (_, d, name) in results.iter() {
        by_file.entry(name.as_str()).or_default().push(*d);
    }
    let errors = results.iter().filter(|(s, _, _)| *s != 200).count();
    println!("requests done      {}", results.len());
    println!("seconds            {seconds:.2}");
    println!("requests/s         {:.1}", results.len() as f64 / seconds);
    println!(
        "latency ms         p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
    println!("responses          {by_status:?} (0: 200 without the seed's 34 tasks)");
    println!(
        "server peak memory {:.1} MiB (idle after start: {:.1} MiB)",
        peak_kib(server.pid()).unwrap_or(0) as f64 / 1024.0,
        baseline.unwrap_or(0) as f64 / 1024.0
    );
    println!("median latency by file (ms):");
    for (name, mut ds) in by_file {
        ds.sort();
        println!("  {name:<32} {:>8.1}", percentile(&ds, 0.5));
    }
    if errors > 0 || results.len() < requests {
        eprintln!("{errors} error(s), {} of {requests} requests done", results.len());
        std::process::exit(1);
    }
}
