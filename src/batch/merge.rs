//! `merge`: the output directories of the shards of one input set into exactly what one run over
//! the whole set writes.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::outdir::lock_output;
use super::{output_error, BatchError};
use crate::output::report::{FileReport, FileStatus, ShardInfo, Totals, REPORT_FORMAT};
use crate::output::{csv_writer, CsvSink, JsonlSink, ReportSink, Sink, SinkItem, CSV_BOM};

/// A batch report as read back (for `merge`).
#[derive(Debug, Deserialize)]
struct ReportFile {
    format: String,
    #[serde(default)]
    shard: Option<ShardInfo>,
    files: Vec<FileReport>,
}

/// Refuses a set of shard outputs that is not exactly one whole split: every shard present once,
/// all of one split of one input set.
fn check_shard_set(shards: &[(PathBuf, Option<ShardInfo>, usize)]) -> Result<(), BatchError> {
    let bad = |m: String| Err(BatchError::IncompleteShards(m));
    let Some((first_dir, Some(first), _)) = shards.first() else {
        let dir = shards.first().map(|s| s.0.display().to_string()).unwrap_or_default();
        return bad(format!("{dir} is not a shard's output (its report names no shard; run batch with --shard I/N)"));
    };
    let mut seen: Vec<Option<&PathBuf>> = vec![None; first.count as usize];
    let mut files = 0;
    for (dir, info, n) in shards {
        let Some(info) = info else {
            return bad(format!(
                "{} is not a shard's output (its report names no shard; run batch with --shard I/N)",
                dir.display()
            ));
        };
        if info.count != first.count || info.input_set != first.input_set || info.input_files != first.input_files {
            return bad(format!(
                "{} is shard {}/{} of input set {} ({} files), but {} is shard {}/{} of input set {} ({} files): not one split",
                dir.display(), info.index, info.count, info.input_set, info.input_files,
                first_dir.display(), first.index, first.count, first.input_set, first.input_files
            ));
        }
        match seen.get_mut(info.index as usize) {
            Some(Some(other)) => {
                return bad(format!(
                    "shard {}/{} is given twice: {} and {}",
                    info.index,
                    info.count,
                    other.display(),
                    dir.display()
                ));
            }
            Some(slot) => *slot = Some(dir),
            None => {
                return bad(format!(
                    "{} names shard {}/{}, which does not exist",
                    dir.display(),
                    info.index,
                    info.count
                ))
            }
        }
        files += n;
    }
    let missing: Vec<String> =
        seen.iter().enumerate().filter(|(_, d)| d.is_none()).map(|(i, _)| format!("{i}/{}", first.count)).collect();
    if !missing.is_empty() {
        return bad(format!(
            "shard(s) {} of input set {} missing ({} of {} given)",
            missing.join(", "),
            first.input_set,
            shards.len(),
            first.count
        ));
    }
    if files != first.input_files {
        return bad(format!(
            "the shards list {files} files in all, but input set {} has {}: a shard is incomplete or overlaps another",
            first.input_set, first.input_files
        ));
    }
    Ok(())
}

/// Joins the outputs of shard runs (`DIR/report.json`, `tasks.jsonl`, `tasks.csv`, `notices/`)
/// into `out`, byte for byte what one unsharded run would have written.
pub fn merge_outputs(dirs: &[PathBuf], out: &Path) -> Result<Totals, BatchError> {
    struct Shard {
        files: std::vec::IntoIter<FileReport>,
        jsonl: std::io::Lines<std::io::BufReader<std::fs::File>>,
        csv: csv::Reader<std::io::BufReader<std::fs::File>>,
        dir: PathBuf,
    }
    let mut shards = Vec::new();
    let mut infos = Vec::new();
    for dir in dirs {
        let not_output = |reason: String| BatchError::NotBatchOutput { path: dir.clone(), reason };
        let text =
            std::fs::read_to_string(dir.join("report.json")).map_err(|e| not_output(format!("report.json: {e}")))?;
        let report: ReportFile = serde_json::from_str(&text).map_err(|e| not_output(format!("report.json: {e}")))?;
        if report.format != REPORT_FORMAT {
            return Err(not_output(format!("report format {:?}, expected {REPORT_FORMAT:?}", report.format)));
        }
        infos.push((dir.clone(), report.shard.clone(), report.files.len()));
        let open = |name: &str| std::fs::File::open(dir.join(name)).map_err(|e| not_output(format!("{name}: {e}")));
        let mut file = std::io::BufReader::new(open("tasks.csv")?);
        let mut bom = [0u8; 3];
        std::io::Read::read_exact(&mut file, &mut bom).map_err(|e| not_output(format!("tasks.csv: {e}")))?;
        if bom != CSV_BOM {
            return Err(not_output("tasks.csv does not start with a byte-order mark".into()));
        }
        let csv = csv::ReaderBuilder::new().has_headers(true).from_reader(file);
        shards.push(Shard {
            files: report.files.into_iter(),
            jsonl: std::io::BufReader::new(open("tasks.jsonl")?).lines(),
            csv,
            dir: dir.clone(),
        });
    }
    check_shard_set(&infos)?;
    let _lock = lock_output(out)?;
    let mut jsonl = JsonlSink::create(&out.join("tasks.jsonl"))?;
    let mut csv = CsvSink::create(&out.join("tasks.csv"))?;
    let mut report = ReportSink::create(&out.join("report.json"), None)?;
    let mut last_key: Option<(String, usize)> = None;
    let mut heads: Vec<Option<FileReport>> = shards.iter_mut().map(|s| s.files.next()).collect();
    let mut totals = Totals::default();
    let mut seen_notices: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    loop {
        let next = heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|h| (i, h.key.clone())))
            .min_by(|a, b| a.1.cmp(&b.1));
        let Some((i, key)) = next else { break };
        if let Some((previous, j)) = last_key.as_ref().filter(|(k, _)| *k == key) {
            return Err(BatchError::IncompleteShards(format!(
                "{previous:?} is in both {} and {}: the shards overlap",
                shards[*j].dir.display(),
                shards[i].dir.display()
            )));
        }
        last_key = Some((key, i));
        let mut entry = heads[i].take().expect("chosen head exists");
        heads[i] = shards[i].files.next();
        let shard = &mut shards[i];
        let broken = |what: &str| BatchError::NotBatchOutput {
            path: shard.dir.clone(),
            reason: format!("{what} ends before the report says"),
        };
        // A notice that two shards each gave first is one notice here, as in one run: the later
        // file's tasks are read past, not written.
        let mut skip_tasks = 0;
        if matches!(entry.status, FileStatus::Ok | FileStatus::Duplicate) {
            if let Some(id) = entry.notice_id.clone() {
                match seen_notices.get(&id) {
                    Some(first_path) => {
                        // A shard's own first file, or a duplicate of one: named by the first file
                        // of all the shards.
                        if entry.status == FileStatus::Ok {
                            skip_tasks = entry.tasks;
                        }
                        entry = entry.into_duplicate(first_path);
                    }
                    None => {
                        seen_notices.insert(id, entry.path.clone());
                    }
                }
            }
        }
        for _ in 0..skip_tasks {
            shard.jsonl.next().ok_or_else(|| broken("tasks.jsonl"))?.map_err(output_error(&shard.dir))?;
            let mut record = csv::ByteRecord::new();
            if !shard
                .csv
                .read_byte_record(&mut record)
                .map_err(|e| BatchError::Output { path: shard.dir.join("tasks.csv"), source: e.into() })?
            {
                return Err(broken("tasks.csv"));
            }
        }
        let mut lines = Vec::new();
        let mut rows = Vec::new();
        if matches!(entry.status, FileStatus::Ok | FileStatus::Duplicate) {
            for _ in 0..entry.tasks {
                let line =
                    shard.jsonl.next().ok_or_else(|| broken("tasks.jsonl"))?.map_err(output_error(&shard.dir))?;
                lines.extend_from_slice(line.as_bytes());
                lines.push(b'\n');
            }
            let rdr = &mut shard.csv;
            {
                let mut w = csv_writer(&mut rows);
                let mut record = csv::ByteRecord::new();
                for _ in 0..entry.tasks {
                    if !rdr
                        .read_byte_record(&mut record)
                        .map_err(|e| BatchError::Output { path: shard.dir.join("tasks.csv"), source: e.into() })?
                    {
                        return Err(broken("tasks.csv"));
                    }
                    w.write_byte_record(&record)
                        .map_err(|e| BatchError::Output { path: out.join("tasks.csv"), source: e.into() })?;
                }
                w.flush().map_err(output_error(out))?;
            }
            if let Some(rel) = &entry.output {
                let bytes = std::fs::read(shard.dir.join(rel))
                    .map_err(|e| BatchError::Input { path: shard.dir.join(rel), source: e })?;
                crate::output::write_atomic(&out.join(rel), &bytes)?;
            }
        }
        let item = SinkItem { report: &entry, doc: None, jsonl: &lines, csv: &rows, tasks_written_here: true };
        for sink in [&mut jsonl as &mut dyn Sink, &mut csv, &mut report] {
            sink.chunk(std::slice::from_ref(&item))?;
        }
        totals.add(&entry);
    }
    Box::new(jsonl).finish(&totals, 0)?;
    Box::new(csv).finish(&totals, 0)?;
    Box::new(report).finish(&totals, 0)?;
    Ok(totals)
}
