//! Resource limits: how much one input may cost before it is refused with a clear error.
//!
//! Every limit has a default that no real notice comes near and a CLI flag (see the README's
//! reliability section). Front-ends receive the [`Limits`] with the input; the pipeline checks the
//! per-file time budget between stages and the PDF front-end between pages, so a slow input
//! stops with an error naming the stage instead of holding a batch worker forever.

use std::time::{Duration, Instant};

/// Limits applied to one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file read (`--max-input-mib`).
    pub max_input_bytes: u64,
    /// Largest decompressed size of one PDF stream or one DOCX/XLSX part (`--max-inflated-mib`).
    pub max_inflated_bytes: u64,
    /// Largest decompressed size of all streams or parts of one document together
    /// (`--max-inflated-total-mib`).
    pub max_inflated_total_bytes: u64,
    /// Most pages a PDF may have (`--max-pages`).
    pub max_pages: u32,
    /// Most objects a PDF may hold, those packed in object streams included (`--max-pdf-objects`):
    /// the parser builds every object at load, so memory grows with their number, and a small
    /// compressed object stream can pack millions of them.
    pub max_pdf_objects: u64,
    /// Deepest nesting accepted: HTML elements, PDF Form XObjects inside each other (`--max-depth`).
    pub max_depth: usize,
    /// Wall-clock time one input may take (`--time-budget SECONDS`); `None` for no limit.
    pub time_budget: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 256 * MIB,
            max_inflated_bytes: 256 * MIB,
            max_inflated_total_bytes: 1024 * MIB,
            max_pages: 5_000,
            max_pdf_objects: 1_000_000,
            max_depth: 4_096,
            time_budget: None,
        }
    }
}

/// One mebibyte.
pub const MIB: u64 = 1024 * 1024;

/// Peak resident memory of this process in KiB (Linux `VmHWM`; `None` elsewhere), for the batch
/// summary and the benchmarks.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The time budget of one conversion, started when the conversion starts.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    started: Instant,
    limit: Option<Duration>,
}

/// The budget ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the time budget of {:.1} s ran out after {:.1} s, in {stage}", .limit.as_secs_f64(), .elapsed.as_secs_f64())]
pub struct BudgetExceeded {
    pub limit: Duration,
    pub elapsed: Duration,
    /// The stage that was running, e.g. `pdf page 12`.
    pub stage: &'static str,
}

impl Budget {
    /// Starts the clock for `limits.time_budget`.
    pub fn start(limits: &Limits) -> Self {
        Budget { started: Instant::now(), limit: limits.time_budget }
    }

    #[cfg(test)]
    /// A budget that never runs out.
    pub fn unlimited() -> Self {
        Budget { started: Instant::now(), limit: None }
    }

    /// `Err` once the budget is spent; `stage` names what was running.
    pub fn check(&self, stage: &'static str) -> Result<(), BudgetExceeded> {
        match self.limit {
            Some(limit) if self.started.elapsed() > limit => {
                Err(BudgetExceeded { limit, elapsed: self.started.elapsed(), stage })
            }
            _ => Ok(()),
        }
    }
}
