//! JUnit XML for batch runs, so CI systems show failing notices natively: one test case per
//! notice; a file that could not be converted is an `<error>`, a notice with error diagnostics
//! (or warnings, with `--fail-on warning`) a `<failure>`.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::report::{FileReport, FileStatus, Totals};
use super::sink::{Sink, SinkItem};
use super::{AtomicFile, OutputError};
use crate::diag::Severity;

/// Escapes text for XML content and attributes, dropping characters XML 1.0 forbids.
fn xml_escape(s: &str) -> String {
    crate::normalize::xml_text(s, None)
}

/// Writes test cases as they come; the suite's counts are known only at the end, so cases go to
/// a temporary body file that [`Sink::finish`] wraps.
pub struct JunitSink {
    path: std::path::PathBuf,
    body: tempfile::NamedTempFile,
    out: BufWriter<std::fs::File>,
    fail_on: Severity,
}

impl JunitSink {
    /// Starts the file at `path`; a notice fails when it could not be converted, or has
    /// diagnostics at `fail_on` or worse.
    pub fn create(path: &Path, fail_on: Severity) -> Result<Self, OutputError> {
        let err = |source| OutputError::Io { path: path.to_path_buf(), source };
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(err)?;
        let body = tempfile::Builder::new().prefix(".ni-").suffix(".tmp").tempfile_in(dir).map_err(err)?;
        let out = BufWriter::new(body.reopen().map_err(err)?);
        Ok(JunitSink { path: path.to_path_buf(), body, out, fail_on })
    }

    /// The test case of one notice.
    fn case(&self, r: &FileReport) -> String {
        let mut case = format!(
            "    <testcase classname=\"notice-ingest\" name=\"{}\" file=\"{}\">\n",
            xml_escape(&r.key),
            xml_escape(&r.path)
        );
        let message = xml_escape(r.message.as_deref().unwrap_or(""));
        if r.status == FileStatus::Error {
            case.push_str(&format!("      <error type=\"conversion\" message=\"{message}\">{message}</error>\n"));
        } else if r.status == FileStatus::Skipped {
            case.push_str(&format!("      <skipped message=\"{message}\"/>\n"));
        } else if r.fails(self.fail_on) {
            let what = format!("{} error(s), {} warning(s)", r.errors, r.warnings);
            case.push_str(&format!("      <failure type=\"diagnostics\" message=\"{what}\">{message}</failure>\n"));
        }
        case.push_str(&format!(
            "      <system-out>{} task(s), {} error(s), {} warning(s), {} info(s)</system-out>\n    </testcase>\n",
            r.tasks, r.errors, r.warnings, r.infos
        ));
        case
    }
}

impl Sink for JunitSink {
    fn chunk(&mut self, items: &[SinkItem]) -> Result<(), OutputError> {
        for item in items {
            let case = self.case(item.report);
            self.out
                .write_all(case.as_bytes())
                .map_err(|source| OutputError::Io { path: self.body.path().to_path_buf(), source })?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, totals: &Totals, failing: usize) -> Result<(), OutputError> {
        let body_path = self.body.path().to_path_buf();
        let err = |source| OutputError::Io { path: body_path.clone(), source };
        self.out.flush().map_err(err)?;
        let failures = failing - totals.failed.min(failing);
        let head = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"notice-ingest\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\">\n  <testsuite name=\"notice-ingest batch\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\" skipped=\"{3}\">\n",
            totals.files, failures, totals.failed, totals.skipped
        );
        let body = std::fs::read(&body_path).map_err(err)?;
        let mut file = AtomicFile::create(&self.path)?;
        file.write(head.as_bytes())?;
        file.write(&body)?;
        file.write(b"  </testsuite>\n</testsuites>\n")?;
        file.commit()
    }
}
