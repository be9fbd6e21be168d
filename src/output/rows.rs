//! The flat view of a notice's tasks that the CSV and the batch workbook share: one row per
//! measure, and one row for a task without measures.

use crate::record::{Measure, NoticeDocument, Task};

/// One row of the flat view: a task, and one of its measures (0-based index) when it has any.
pub(crate) struct FlatRow<'a> {
    pub task: &'a Task,
    pub measure: Option<(usize, &'a Measure)>,
}

impl FlatRow<'_> {
    /// The file the row was read from: the attachment named in its provenance, else the
    /// notice's own file.
    pub fn source_file<'d>(&self, doc: &'d NoticeDocument) -> &'d str {
        let file =
            self.measure.and_then(|(_, m)| m.provenance.file.as_deref()).or(self.task.provenance.file.as_deref());
        match file {
            Some(f) => {
                doc.notice.sources.iter().find(|s| s.path.ends_with(f)).map_or(&doc.notice.source.path, |s| &s.path)
            }
            None => &doc.notice.source.path,
        }
    }
}

/// The rows of `doc`, in task order, each task's measures in order.
pub(crate) fn flat_rows(doc: &NoticeDocument) -> impl Iterator<Item = FlatRow<'_>> {
    doc.tasks.iter().flat_map(|task| {
        let rows: Vec<FlatRow> = if task.measures.is_empty() {
            vec![FlatRow { task, measure: None }]
        } else {
            task.measures.iter().enumerate().map(|(i, m)| FlatRow { task, measure: Some((i, m)) }).collect()
        };
        rows
    })
}
