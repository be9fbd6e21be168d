//! `merge`: the output directories of the shards of one input set into exactly what one run over
//! the whole set writes.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::outdir::lock_output;
use super::state::{write_state, FileState, RunState, STATE_FILE, STATE_FORMAT};
use super::{output_error, BatchError};
use crate::output::report::{FileReport, FileStatus, ShardInfo, Totals, REPORT_FORMAT};
use crate::output::{
    csv_writer, render, write_csv_tasks, CsvSink, JsonlSink, OutputFormat, ReportSink, Sink, SinkItem,
};
use crate::record::NoticeDocument;

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

/// Joins the outputs of shard runs (`DIR/report.json`, `notices/`, `state.json`) into `out`,
/// byte for byte what one unsharded run would have written: the notices are copied, and the
/// batch-wide files (`tasks.jsonl`, `tasks.csv`, `tasks.xlsx`, the report, the state) are written
/// anew from them, in key order, a notice that several shards gave first written once.
pub fn merge_outputs(dirs: &[PathBuf], out: &Path) -> Result<Totals, BatchError> {
    struct Shard {
        files: std::vec::IntoIter<FileReport>,
        dir: PathBuf,
    }
    let mut shards = Vec::new();
    let mut infos = Vec::new();
    // The shards' states by key, while every shard has one of the same version and configuration.
    let mut states: Option<(String, std::collections::HashMap<String, FileState>)> =
        Some((String::new(), Default::default()));
    for dir in dirs {
        let not_output = |reason: String| BatchError::NotBatchOutput { path: dir.clone(), reason };
        let text =
            std::fs::read_to_string(dir.join("report.json")).map_err(|e| not_output(format!("report.json: {e}")))?;
        let report: ReportFile = serde_json::from_str(&text).map_err(|e| not_output(format!("report.json: {e}")))?;
        if report.format != REPORT_FORMAT {
            return Err(not_output(format!("report format {:?}, expected {REPORT_FORMAT:?}", report.format)));
        }
        infos.push((dir.clone(), report.shard.clone(), report.files.len()));
        let state: Option<RunState> =
            std::fs::read(dir.join(STATE_FILE)).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
        states = match (states, state) {
            (Some((fingerprint, mut files)), Some(state))
                if state.format == STATE_FORMAT && (fingerprint.is_empty() || fingerprint == state.fingerprint) =>
            {
                files.extend(state.files.into_iter().map(|f| (f.key.clone(), f)));
                Some((state.fingerprint, files))
            }
            _ => None,
        };
        shards.push(Shard { files: report.files.into_iter(), dir: dir.clone() });
    }
    check_shard_set(&infos)?;
    let _lock = lock_output(out)?;
    let mut sinks: Vec<Box<dyn Sink>> = vec![
        Box::new(JsonlSink::create(&out.join("tasks.jsonl"))?),
        Box::new(CsvSink::create(&out.join("tasks.csv"))?),
    ];
    #[cfg(feature = "xlsx")]
    sinks.push(Box::new(crate::output::xlsx::TasksWorkbookSink::create(&out.join("tasks.xlsx"))?));
    let mut report = ReportSink::create(&out.join("report.json"), None)?;
    let mut last_key: Option<(String, usize)> = None;
    let mut heads: Vec<Option<FileReport>> = shards.iter_mut().map(|s| s.files.next()).collect();
    let mut totals = Totals::default();
    let mut seen_notices: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut merged_states = Vec::new();
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
        last_key = Some((key.clone(), i));
        let mut entry = heads[i].take().expect("chosen head exists");
        heads[i] = shards[i].files.next();
        let shard = &shards[i];
        // A notice that two shards each gave first is one notice here, as in one run: the later
        // file is a duplicate of the first of all the shards.
        if matches!(entry.status, FileStatus::Ok | FileStatus::Duplicate) {
            if let Some(id) = entry.notice_id.clone() {
                match seen_notices.get(&id) {
                    Some(first_path) => entry = entry.into_duplicate(first_path),
                    None => {
                        seen_notices.insert(id, entry.path.clone());
                    }
                }
            }
        }
        let mut doc = None;
        let (mut lines, mut rows) = (Vec::new(), Vec::new());
        if let (FileStatus::Ok | FileStatus::Duplicate, Some(rel)) = (entry.status, &entry.output) {
            let from = shard.dir.join(rel);
            let bytes = std::fs::read(&from).map_err(|e| BatchError::Input { path: from.clone(), source: e })?;
            crate::output::write_atomic(&out.join(rel), &bytes)?;
            if entry.status == FileStatus::Ok {
                let notice: NoticeDocument = serde_json::from_slice(&bytes).map_err(|e| {
                    BatchError::NotBatchOutput { path: shard.dir.clone(), reason: format!("{rel}: {e}") }
                })?;
                lines = render(&notice, OutputFormat::Jsonl)?;
                let mut w = csv_writer(&mut rows);
                write_csv_tasks(&mut w, &notice)?;
                w.flush().map_err(output_error(out))?;
                drop(w);
                doc = Some(notice);
            }
        }
        let item = SinkItem {
            report: &entry,
            doc: doc.as_ref(),
            jsonl: &lines,
            csv: &rows,
            tasks_written_here: entry.status == FileStatus::Ok,
        };
        for sink in sinks.iter_mut() {
            sink.chunk(std::slice::from_ref(&item))?;
        }
        report.chunk(std::slice::from_ref(&item))?;
        totals.add(&entry);
        if let Some((_, files)) = &mut states {
            merged_states.extend(files.remove(&key));
        }
    }
    for sink in sinks {
        sink.finish(&totals, 0)?;
    }
    Box::new(report).finish(&totals, 0)?;
    // The state, when every shard left one for every file: the next incremental run over the
    // merged directory reuses what the shards converted.
    match states {
        Some((fingerprint, _)) if merged_states.len() == totals.files => write_state(out, &fingerprint, merged_states)?,
        _ => {
            let _ = std::fs::remove_file(out.join(STATE_FILE));
        }
    }
    Ok(totals)
}
