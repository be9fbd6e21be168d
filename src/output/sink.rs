//! Where a batch's results go: one [`Sink`] per output, each given the results of a chunk of
//! files in canonical order, then the totals. The batch renders each notice's JSONL and CSV on its
//! worker threads; sinks only copy those bytes, in order.

use std::path::Path;

use super::atomic::AtomicFile;
use super::report::{FileReport, ShardInfo, Totals, REPORT_FORMAT};
use super::{csv_writer, OutputError, CSV_BOM, CSV_HEADER};
use crate::record::NoticeDocument;

/// One file's result, as the sinks see it.
pub struct SinkItem<'a> {
    pub report: &'a FileReport,
    /// The notice, when the file converted and a sink needs it (the tracker database).
    pub doc: Option<&'a NoticeDocument>,
    /// The notice's tasks as JSON Lines and CSV rows (empty when the file did not convert).
    pub jsonl: &'a [u8],
    pub csv: &'a [u8],
    /// False for a duplicate: the notice's tasks were written with the file that first gave it.
    pub tasks_written_here: bool,
}

/// A batch output.
pub trait Sink {
    /// Takes the results of a chunk of files, in canonical order.
    fn chunk(&mut self, items: &[SinkItem]) -> Result<(), OutputError>;
    /// Completes the output once every file is in; `failing` counts the files that fail the run.
    fn finish(self: Box<Self>, totals: &Totals, failing: usize) -> Result<(), OutputError>;
}

/// `tasks.jsonl`: every task, one a line.
pub struct JsonlSink(AtomicFile);

impl JsonlSink {
    pub fn create(path: &Path) -> Result<Self, OutputError> {
        Ok(JsonlSink(AtomicFile::create(path)?))
    }
}

impl Sink for JsonlSink {
    fn chunk(&mut self, items: &[SinkItem]) -> Result<(), OutputError> {
        items.iter().filter(|i| i.tasks_written_here).try_for_each(|i| self.0.write(i.jsonl))
    }

    fn finish(self: Box<Self>, _: &Totals, _: usize) -> Result<(), OutputError> {
        self.0.commit()
    }
}

/// `tasks.csv`: every task, one a row, after a byte-order mark and the header.
pub struct CsvSink(AtomicFile);

impl CsvSink {
    pub fn create(path: &Path) -> Result<Self, OutputError> {
        let mut file = AtomicFile::create(path)?;
        let mut header = CSV_BOM.to_vec();
        {
            let mut w = csv_writer(&mut header);
            w.write_record(CSV_HEADER)?;
            w.flush().map_err(|source| OutputError::Io { path: path.to_path_buf(), source })?;
        }
        file.write(&header)?;
        Ok(CsvSink(file))
    }
}

impl Sink for CsvSink {
    fn chunk(&mut self, items: &[SinkItem]) -> Result<(), OutputError> {
        items.iter().filter(|i| i.tasks_written_here).try_for_each(|i| self.0.write(i.csv))
    }

    fn finish(self: Box<Self>, _: &Totals, _: usize) -> Result<(), OutputError> {
        self.0.commit()
    }
}

/// `report.json`: the shard the run covers, one entry per file, then the totals.
pub struct ReportSink {
    file: AtomicFile,
    first: bool,
}

impl ReportSink {
    pub fn create(path: &Path, shard: Option<&ShardInfo>) -> Result<Self, OutputError> {
        let mut file = AtomicFile::create(path)?;
        let shard = shard.map_or_else(String::new, |s| {
            format!("\n  \"shard\": {},", serde_json::to_string(s).expect("shard info serializes"))
        });
        file.write(format!("{{\n  \"format\": \"{REPORT_FORMAT}\",{shard}\n  \"files\": [").as_bytes())?;
        Ok(ReportSink { file, first: true })
    }
}

impl Sink for ReportSink {
    fn chunk(&mut self, items: &[SinkItem]) -> Result<(), OutputError> {
        for item in items {
            let entry = serde_json::to_string(item.report)?;
            self.file.write(format!("{}\n    {entry}", if self.first { "" } else { "," }).as_bytes())?;
            self.first = false;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, totals: &Totals, _: usize) -> Result<(), OutputError> {
        let totals = serde_json::to_string(totals)?;
        self.file.write(format!("\n  ],\n  \"totals\": {totals}\n}}\n").as_bytes())?;
        self.file.commit()
    }
}
