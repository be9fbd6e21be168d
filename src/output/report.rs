//! The batch report (`report.json`): what became of each input, and the totals.

use serde::{Deserialize, Serialize};

use crate::diag::Severity;

/// What became of one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Converted; its tasks are in the merged outputs.
    Ok,
    /// Could not be converted (`message` says why).
    Error,
    /// Read with the notice page that links it (`message` names the page); no output of its own.
    Attachment,
    /// Converted, but it is a notice an earlier file already gave (same id): its own JSON is
    /// written, its tasks are counted once, with the first file (`message` names it).
    Duplicate,
    /// Not a notice with a ledger (a stray 说明.txt, a notice without a task ledger): left out,
    /// not a failure; `message` starts with the reason (`no-ledger: …`). With `--strict` such a
    /// file is an error instead.
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReport {
    pub key: String,
    pub path: String,
    pub status: FileStatus,
    pub notice_id: Option<String>,
    pub tasks: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// The notice's JSON, relative to the output directory.
    pub output: Option<String>,
    /// Why the file could not be converted, or the first error diagnostic.
    pub message: Option<String>,
}

impl FileReport {
    /// Whether this file fails the batch at `fail_on`.
    pub fn fails(&self, fail_on: Severity) -> bool {
        match self.status {
            FileStatus::Error => true,
            FileStatus::Attachment | FileStatus::Skipped => false,
            FileStatus::Ok | FileStatus::Duplicate => {
                self.errors > 0 || (fail_on == Severity::Warning && self.warnings > 0)
            }
        }
    }

    /// This report as a duplicate of the notice `first` gave: tasks counted there.
    #[cfg(feature = "batch")]
    pub(crate) fn into_duplicate(mut self, first: &str) -> Self {
        self.status = FileStatus::Duplicate;
        self.tasks = 0;
        self.message = Some(duplicate_message(self.notice_id.as_deref().unwrap_or(""), first));
        self
    }
}

/// Totals of a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub files: usize,
    pub ok: usize,
    pub failed: usize,
    /// Files read as attachments of a page.
    #[serde(default)]
    pub attachments: usize,
    /// Files that gave a notice an earlier file gave.
    #[serde(default)]
    pub duplicates: usize,
    /// Files left out as holding no ledger (`skipped`).
    #[serde(default)]
    pub skipped: usize,
    pub tasks: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Totals {
    /// Counts one file's report.
    pub fn add(&mut self, r: &FileReport) {
        self.files += 1;
        match r.status {
            FileStatus::Ok => self.ok += 1,
            FileStatus::Error => self.failed += 1,
            FileStatus::Attachment => self.attachments += 1,
            FileStatus::Duplicate => self.duplicates += 1,
            FileStatus::Skipped => self.skipped += 1,
        }
        self.tasks += r.tasks;
        self.errors += r.errors;
        self.warnings += r.warnings;
        self.infos += r.infos;
    }
}

/// The `duplicate-notice` finding of a file whose notice (`id`) the file at `first` gave already.
#[cfg(feature = "batch")]
pub(crate) fn duplicate_message(id: &str, first: &str) -> String {
    format!("duplicate-notice: this file gives notice {id}, which {first} gave already; its tasks are written once, with that file")
}

/// Report format identifier, the first field of `report.json`.
pub const REPORT_FORMAT: &str = "notice-ingest-batch-report/1";

/// Which shard of which input set a run covers: written into a shard's report so that `merge`
/// can tell a complete, disjoint set of shards from one that is not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    pub index: u32,
    pub count: u32,
    /// A hash of every input key of the whole set, before sharding (see `batch::input_set_id`).
    pub input_set: String,
    /// Files in the whole set, before sharding.
    pub input_files: usize,
}
