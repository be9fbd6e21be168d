//! The tracker database: converted notices in SQLite (bundled, so nothing to install), shaped
//! for the questions trackers ask, e.g. every open task that 科技处 leads:
//!
//! ```sql
//! SELECT t.* FROM tasks t JOIN task_offices o ON o.task_id = t.id
//! WHERE o.role = 'lead' AND o.code = 'gsjyt.keji' AND t.status = 'open';
//! ```
//!
//! Tables: `notices`, `tasks` (with a `status` column that trackers own: re-runs never change
//! it), `offices` (every code seen, with its canonical name and kind) and `task_offices` (one row
//! per task and office reference, with its role `lead`, `support` or `implementer`, position and
//! raw text; `code` is NULL for names the registry does not know) and `sources` (every file a
//! notice was read from: its page, its attachments, and other renditions of it seen in a batch).
//! Re-running upserts by id; a task that a re-converted notice no longer has is deleted with its
//! links. A file that gives a notice already stored only adds itself to `sources`.

use std::path::Path;

use rusqlite::{params, Connection};

use crate::record::NoticeDocument;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS notices (
    id TEXT PRIMARY KEY,
    title TEXT, issuer TEXT, doc_number TEXT, date TEXT,
    source_path TEXT NOT NULL, source_format TEXT NOT NULL, source_sha256 TEXT NOT NULL, pages INTEGER NOT NULL,
    registry TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    notice_id TEXT NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
    seq INTEGER, section TEXT, title TEXT NOT NULL, text TEXT NOT NULL,
    leaders TEXT NOT NULL,
    deadline TEXT,
    first_page INTEGER NOT NULL, last_page INTEGER NOT NULL, row INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
);
CREATE TABLE IF NOT EXISTS offices (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT
);
CREATE TABLE IF NOT EXISTS task_offices (
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('lead', 'support', 'implementer')),
    position INTEGER NOT NULL,
    code TEXT REFERENCES offices(code),
    name TEXT NOT NULL,
    raw TEXT NOT NULL,
    PRIMARY KEY (task_id, role, position)
);
CREATE TABLE IF NOT EXISTS sources (
    notice_id TEXT NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('page', 'attachment')),
    PRIMARY KEY (notice_id, path)
);
CREATE INDEX IF NOT EXISTS task_offices_by_code ON task_offices(code, role);
CREATE INDEX IF NOT EXISTS tasks_by_notice ON tasks(notice_id);
";

/// Adds the notice's files to `sources` (a file already listed stays as it is).
fn insert_sources(
    tx: &rusqlite::Transaction,
    notice_id: &str,
    sources: &[crate::record::SourceFile],
) -> rusqlite::Result<()> {
    for f in sources {
        let role = match f.role {
            crate::record::SourceRole::Page => "page",
            crate::record::SourceRole::Attachment => "attachment",
        };
        tx.execute(
            "INSERT INTO sources (notice_id, path, sha256, format, role) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(notice_id, path) DO UPDATE SET sha256 = excluded.sha256, format = excluded.format, role = excluded.role",
            params![notice_id, f.path, f.sha256, f.format.as_str(), role],
        )?;
    }
    Ok(())
}

/// The tracker database as a batch output: each chunk's notices upserted in one transaction; a
/// duplicate file only adds itself to `sources`.
pub struct TrackerSink {
    db: TrackerDb,
    path: std::path::PathBuf,
    /// Source paths to remove when the batch finishes (`--prune`).
    prune: Vec<String>,
    /// With `--prune`: each file's row is kept only for the notice it gives now, so a file whose
    /// notice changed identity (a new title) no longer keeps the old notice alive.
    repoint: bool,
}

impl TrackerSink {
    pub fn open(path: &Path) -> Result<Self, crate::output::OutputError> {
        let db = TrackerDb::open(path).map_err(|e| sqlite_error(path, e))?;
        Ok(TrackerSink { db, path: path.to_path_buf(), prune: Vec::new(), repoint: false })
    }

    /// Removes, once every notice is in, the files at `paths` from `sources` and the notices
    /// left without any file (see [`TrackerDb::prune_sources`]).
    pub fn prune_on_finish(&mut self, paths: Vec<String>) {
        self.prune = paths;
        self.repoint = true;
    }
}

fn sqlite_error(path: &Path, e: rusqlite::Error) -> crate::output::OutputError {
    crate::output::OutputError::Sqlite { path: path.to_path_buf(), source: e }
}

impl crate::output::Sink for TrackerSink {
    fn chunk(&mut self, items: &[crate::output::SinkItem]) -> Result<(), crate::output::OutputError> {
        if self.repoint {
            let docs = items.iter().filter_map(|i| i.doc);
            self.db.repoint_sources(docs).map_err(|e| sqlite_error(&self.path, e))?;
        }
        let docs: Vec<&NoticeDocument> = items.iter().filter(|i| i.tasks_written_here).filter_map(|i| i.doc).collect();
        self.db.upsert(&docs).map_err(|e| sqlite_error(&self.path, e))?;
        for doc in items.iter().filter(|i| !i.tasks_written_here).filter_map(|i| i.doc) {
            self.db.add_sources(&doc.notice.id, &doc.notice.sources).map_err(|e| sqlite_error(&self.path, e))?;
        }
        Ok(())
    }

    fn finish(
        mut self: Box<Self>,
        _: &crate::output::report::Totals,
        _: usize,
    ) -> Result<(), crate::output::OutputError> {
        if self.repoint {
            let paths = std::mem::take(&mut self.prune);
            self.db.prune_sources(&paths).map_err(|e| sqlite_error(&self.path, e))?;
        }
        Ok(())
    }
}

/// An open tracker database.
pub struct TrackerDb {
    conn: Connection,
}

impl TrackerDb {
    /// Opens (creating if needed) the database at `path` and its tables.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;")?;
        conn.execute_batch(SCHEMA)?;
        // Databases made before `published` was recorded get the column.
        let has_published: bool =
            conn.query_row("SELECT COUNT(*) FROM pragma_table_info('notices') WHERE name = 'published'", [], |r| {
                r.get(0)
            })?;
        if !has_published {
            conn.execute_batch("ALTER TABLE notices ADD COLUMN published TEXT")?;
        }
        Ok(TrackerDb { conn })
    }

    /// Records files that gave notice `notice_id` (a rendition or attachment seen again), without
    /// touching the notice or its tasks.
    pub fn add_sources(&mut self, notice_id: &str, sources: &[crate::record::SourceFile]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        insert_sources(&tx, notice_id, sources)?;
        tx.commit()
    }

    /// Inserts or updates `docs` in one transaction.
    pub fn upsert(&mut self, docs: &[&NoticeDocument]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        for doc in docs {
            let n = &doc.notice;
            let document = serde_json::to_string(doc).expect("documents serialize");
            tx.execute(
                "INSERT INTO notices (id, title, issuer, doc_number, date, source_path, source_format, source_sha256, pages, registry, document)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(id) DO UPDATE SET title = excluded.title, issuer = excluded.issuer, doc_number = excluded.doc_number,
                   date = excluded.date, source_path = excluded.source_path, source_format = excluded.source_format,
                   source_sha256 = excluded.source_sha256, pages = excluded.pages, registry = excluded.registry, document = excluded.document",
                params![n.id, n.title, n.issuer, n.doc_number, n.date, n.source.path, n.source.format.as_str(), n.source.sha256, n.source.pages, n.registry, document],
            )?;
            tx.execute("UPDATE notices SET published = ?2 WHERE id = ?1", params![n.id, n.published])?;
            insert_sources(&tx, &n.id, &n.sources)?;
            let ids: Vec<&str> = doc.tasks.iter().map(|t| t.id.as_str()).collect();
            let keep = serde_json::to_string(&ids).expect("ids serialize");
            tx.execute(
                "DELETE FROM tasks WHERE notice_id = ?1 AND id NOT IN (SELECT value FROM json_each(?2))",
                params![n.id, keep],
            )?;
            for t in &doc.tasks {
                tx.execute(
                    "INSERT INTO tasks (id, notice_id, seq, section, title, text, leaders, deadline, first_page, last_page, row)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                     ON CONFLICT(id) DO UPDATE SET notice_id = excluded.notice_id, seq = excluded.seq, section = excluded.section,
                       title = excluded.title, text = excluded.text, leaders = excluded.leaders, deadline = excluded.deadline,
                       first_page = excluded.first_page, last_page = excluded.last_page, row = excluded.row",
                    params![
                        t.id,
                        n.id,
                        t.seq,
                        t.section,
                        t.title,
                        t.text,
                        serde_json::to_string(&t.leaders).expect("names serialize"),
                        t.deadline.as_ref().map(|d| d.raw.clone()),
                        t.provenance.pages[0],
                        t.provenance.pages[1],
                        t.provenance.row
                    ],
                )?;
                tx.execute("DELETE FROM task_offices WHERE task_id = ?1", params![t.id])?;
                for (role, refs) in
                    [("lead", &t.lead_offices), ("support", &t.support_offices), ("implementer", &t.implementers)]
                {
                    for (position, r) in refs.iter().enumerate() {
                        let kind = r.kind.map(|k| k.as_str());
                        if let Some(code) = &r.code {
                            tx.execute(
                                "INSERT INTO offices (code, name, kind) VALUES (?1, ?2, ?3)
                                 ON CONFLICT(code) DO UPDATE SET name = excluded.name, kind = excluded.kind",
                                params![code, r.name, kind],
                            )?;
                        }
                        tx.execute(
                            "INSERT INTO task_offices (task_id, role, position, code, name, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            params![t.id, role, position as i64, r.code, r.name, r.raw],
                        )?;
                    }
                }
            }
        }
        tx.commit()
    }

    /// Removes the rows of `sources` that list a file of `docs` under another notice than the
    /// one it gives now (a revised file whose notice changed identity); the notices they leave
    /// without a file are deleted by [`TrackerDb::prune_sources`].
    pub fn repoint_sources<'a>(&mut self, docs: impl Iterator<Item = &'a NoticeDocument>) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("CREATE TEMP TABLE IF NOT EXISTS pruned (notice_id TEXT PRIMARY KEY)", [])?;
        for doc in docs {
            for f in &doc.notice.sources {
                tx.execute(
                    "INSERT OR IGNORE INTO pruned SELECT notice_id FROM sources WHERE path = ?1 AND notice_id != ?2",
                    params![f.path, doc.notice.id],
                )?;
                tx.execute("DELETE FROM sources WHERE path = ?1 AND notice_id != ?2", params![f.path, doc.notice.id])?;
            }
        }
        tx.commit()
    }

    /// Removes the files at `paths` from `sources`; a notice left with no file (by this, or by
    /// [`TrackerDb::repoint_sources`]) is deleted with its tasks and their offices (tracker status
    /// included: its files are gone), and offices no task names any more are dropped. Returns the
    /// notices deleted.
    pub fn prune_sources(&mut self, paths: &[String]) -> rusqlite::Result<usize> {
        let tx = self.conn.transaction()?;
        let list = serde_json::to_string(paths).expect("paths serialize");
        tx.execute("CREATE TEMP TABLE IF NOT EXISTS pruned (notice_id TEXT PRIMARY KEY)", [])?;
        tx.execute(
            "INSERT OR IGNORE INTO pruned SELECT notice_id FROM sources WHERE path IN (SELECT value FROM json_each(?1))",
            params![list],
        )?;
        tx.execute("DELETE FROM sources WHERE path IN (SELECT value FROM json_each(?1))", params![list])?;
        let notices = tx.execute(
            "DELETE FROM notices WHERE id IN (SELECT notice_id FROM pruned) AND id NOT IN (SELECT notice_id FROM sources)",
            [],
        )?;
        tx.execute("DELETE FROM offices WHERE code NOT IN (SELECT code FROM task_offices WHERE code IS NOT NULL)", [])?;
        tx.execute("DROP TABLE pruned", [])?;
        tx.commit()?;
        Ok(notices)
    }

    /// The underlying connection, for queries.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}
