//! JUnit XML for batch runs, so CI systems show failing notices natively: one test case per
//! notice; a file that could not be converted is an `<error>`, a notice with error diagnostics
//! (or warnings, with `--fail-on warning`) a `<failure>`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::batch::{BatchError, FileReport, Totals};
use crate::diag::Severity;

/// Escapes text for XML content and attributes, dropping characters XML 1.0 forbids.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes test cases as they come; the suite's counts are known only at the end, so cases go to
/// a temporary body file that [`JunitWriter::finish`] wraps.
pub struct JunitWriter {
    path: PathBuf,
    body_path: PathBuf,
    body: BufWriter<std::fs::File>,
}

impl JunitWriter {
    pub fn create(path: &Path) -> Result<Self, BatchError> {
        let err = |source| BatchError::Output { path: path.to_path_buf(), source };
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(err)?;
        let body_path = crate::emit::temporary_path(dir);
        let body = BufWriter::new(std::fs::File::create(&body_path).map_err(err)?);
        Ok(JunitWriter { path: path.to_path_buf(), body_path, body })
    }

    /// Adds the test case of one notice.
    pub fn add(&mut self, r: &FileReport, fail_on: Severity) -> Result<(), BatchError> {
        let mut case = format!(
            "    <testcase classname=\"notice-ingest\" name=\"{}\" file=\"{}\">\n",
            xml_escape(&r.key),
            xml_escape(&r.path)
        );
        let message = xml_escape(r.message.as_deref().unwrap_or(""));
        if r.status == crate::batch::FileStatus::Error {
            case.push_str(&format!("      <error type=\"conversion\" message=\"{message}\">{message}</error>\n"));
        } else if r.fails(fail_on) {
            let what = format!("{} error(s), {} warning(s)", r.errors, r.warnings);
            case.push_str(&format!("      <failure type=\"diagnostics\" message=\"{what}\">{message}</failure>\n"));
        }
        case.push_str(&format!(
            "      <system-out>{} task(s), {} error(s), {} warning(s), {} info(s)</system-out>\n    </testcase>\n",
            r.tasks, r.errors, r.warnings, r.infos
        ));
        self.body
            .write_all(case.as_bytes())
            .map_err(|source| BatchError::Output { path: self.body_path.clone(), source })
    }

    /// Writes the complete file and removes the temporary body.
    pub fn finish(mut self, totals: &Totals, failing: usize) -> Result<(), BatchError> {
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| BatchError::Output { path: path.clone(), source }
        };
        self.body.flush().map_err(err(&self.body_path))?;
        drop(self.body);
        let failures = failing - totals.failed.min(failing);
        let head = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"notice-ingest\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\">\n  <testsuite name=\"notice-ingest batch\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\" skipped=\"0\">\n",
            totals.files, failures, totals.failed
        );
        let body = std::fs::read(&self.body_path).map_err(err(&self.body_path))?;
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(b"  </testsuite>\n</testsuites>\n");
        let _ = std::fs::remove_file(&self.body_path);
        crate::emit::write_atomic(&self.path, &bytes)
            .map_err(|e| BatchError::Output { path: self.path.clone(), source: std::io::Error::other(e.to_string()) })
    }
}
