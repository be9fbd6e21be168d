//! A batch's inputs: the files its arguments name, in canonical order with their keys (the path
//! relative to the directory argument it was found under, or the file name), which pages' attachments
//! they are, and which shard each belongs to.

use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::BatchError;
use crate::convert::Config;
pub use crate::input::NOTICE_EXTENSIONS;

/// One input file and its key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputFile {
    /// `/`-separated, relative, never containing `..`: the name outputs are derived from.
    pub key: String,
    pub path: PathBuf,
    /// Why the entry cannot be converted, found while walking (an unreadable directory, a link
    /// that is not followed): reported as its error.
    pub problem: Option<String>,
    /// The key of the notice page this file is an attachment of (see [`group_attachments`]): it
    /// is read with that page, not on its own.
    pub attached_to: Option<String>,
    /// This file is a page whose attachments are among the inputs.
    pub has_attachments: bool,
    /// The files beside this page that its links name, which its conversion reads with it
    /// (whether or not they are inputs): their content is part of its own for `--incremental`.
    pub linked: Vec<PathBuf>,
}

impl InputFile {
    /// The key that places the file in a shard: its page's, for an attachment, so a page and
    /// its attachments are always in one shard.
    pub fn shard_key(&self) -> &str {
        self.attached_to.as_deref().unwrap_or(&self.key)
    }
}

/// Finds, among `inputs`, the attachments that the notice pages among them link and that are
/// saved beside them (the rule [`crate::convert_path`] uses): each is marked with its page's key
/// and read with the page, not on its own. A file that two pages link belongs to the first page in
/// key order.
pub fn group_attachments(inputs: &mut [InputFile], config: &Config) {
    let pages: Vec<(usize, Vec<PathBuf>)> = inputs
        .par_iter()
        .enumerate()
        .filter(|(_, i)| i.problem.is_none())
        .filter(|(_, i)| {
            let ext = i.path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            matches!(ext.as_str(), "html" | "htm" | "shtml")
        })
        .map(|(n, i)| (n, crate::convert::linked_attachment_files(&i.path, config)))
        .filter(|(_, files)| !files.is_empty())
        .collect();
    if pages.is_empty() {
        // No page links a file: nothing to resolve (a batch of PDFs resolved every path for naught).
        return;
    }
    let by_identity: std::collections::HashMap<PathBuf, usize> =
        inputs.iter().enumerate().map(|(n, i)| (identity(&i.path), n)).collect();
    for (page, files) in pages {
        if inputs[page].attached_to.is_some() {
            continue;
        }
        let key = inputs[page].key.clone();
        inputs[page].linked = files.clone();
        for file in files {
            if let Some(&n) = by_identity.get(&identity(&file)) {
                if n != page && inputs[n].attached_to.is_none() && !inputs[n].has_attachments {
                    inputs[n].attached_to = Some(key.clone());
                    inputs[page].has_attachments = true;
                }
            }
        }
    }
}

/// Which part of the inputs this run processes: shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `I/N`.
    pub fn parse(spec: &str) -> Result<Shard, BatchError> {
        let bad = || BatchError::BadShard { spec: spec.to_string() };
        let (i, n) = spec.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the input with `key` belongs to this shard: a hash of the key, so the split is the
    /// same on every machine and does not depend on the order of the inputs.
    pub fn contains(&self, key: &str) -> bool {
        let digest = Sha256::digest(key.as_bytes());
        let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        (n % u64::from(self.count)) as u32 == self.index
    }
}

/// Longest key component kept as it is, in bytes: a file name is at most 255 bytes on common file
/// systems, and the output adds `.json` to the last component.
const MAX_KEY_COMPONENT: usize = 200;

/// One path component as a key component: valid UTF-8 is kept except control characters, which
/// (like bytes that are not UTF-8) become `%XX`, so that a key is printable and distinct names
/// stay distinct. A component longer than [`MAX_KEY_COMPONENT`] bytes is cut at a character
/// boundary and gets `~` and a hash of the whole name, so the output's name is never too long.
fn key_component(raw: &std::ffi::OsStr) -> String {
    let bytes = raw.as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.len() > MAX_KEY_COMPONENT {
        let digest = Sha256::digest(bytes);
        let hash = format!("{digest:.16x}");
        let cut = (0..=MAX_KEY_COMPONENT - 20).rev().find(|&i| out.is_char_boundary(i)).unwrap_or(0);
        out = format!("{}~{hash}", &out[..cut]);
    }
    out
}

/// Turns a relative path into a key: normal components joined by `/`; `..`, roots and prefixes
/// are dropped so an output derived from the key cannot leave the output directory.
pub(super) fn key_of(relative: &Path) -> String {
    relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(key_component(s)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The path with `.`/`..` resolved through the file system where it exists, for telling when two
/// arguments name the same file; the path itself when it cannot be resolved.
pub(super) fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The identity of `path`, an entry the walk reached: its directory resolved (once for all the
/// entries of a directory, kept in `resolved_dir` as the directory and its resolved path) joined
/// with its name. For a file that is what [`identity`] of the whole path gives; a symbolic link
/// keeps its own identity this way, not its target's. Resolving each file's path walked every
/// component of it again (five `readlink` calls a file in `/dev/shm/corpus/copy-0001/a.pdf`).
fn walked_identity(path: &Path, resolved_dir: &mut Option<(PathBuf, PathBuf)>) -> PathBuf {
    let (Some(dir), Some(name)) = (path.parent().filter(|d| !d.as_os_str().is_empty()), path.file_name()) else {
        return identity(path);
    };
    match resolved_dir {
        Some((d, real)) if d == dir => real.join(name),
        _ => {
            let real = identity(dir);
            let id = real.join(name);
            *resolved_dir = Some((dir.to_path_buf(), real));
            id
        }
    }
}

/// Expands the arguments into input files in canonical order: directories are walked for
/// [`NOTICE_EXTENSIONS`] (hidden entries skipped), files are taken as given. A symbolic link
/// inside a directory is followed to a regular file; a link to a directory, a dangling link, a
/// special file and a directory that cannot be read get an entry with their problem, reported as
/// that entry's error. The same file reached twice under the same key (a directory given twice, as
/// `d` and `x/../d`) is one input. Keys that collide get a hash of the full path appended.
pub fn discover_inputs(args: &[PathBuf]) -> Result<Vec<InputFile>, BatchError> {
    // (input, identity) pairs.
    let mut found: Vec<(InputFile, PathBuf)> = Vec::new();
    // The walk yields a directory's files one after another: its resolved path is kept for them.
    let mut resolved_dir: Option<(PathBuf, PathBuf)> = None;
    let mut add = |key: String, path: PathBuf, problem: Option<String>, same: PathBuf| {
        let input = InputFile { key, path, problem, attached_to: None, has_attachments: false, linked: Vec::new() };
        found.push((input, same));
    };
    for arg in args {
        let meta = std::fs::metadata(arg).map_err(|source| BatchError::Input { path: arg.clone(), source })?;
        if !meta.is_dir() {
            let name = arg.file_name().map_or_else(|| key_of(arg), key_component);
            add(name, arg.clone(), None, identity(arg));
            continue;
        }
        let walker = walkdir::WalkDir::new(arg).follow_links(false).sort_by_file_name().into_iter();
        for entry in walker.filter_entry(|e| e.depth() == 0 || !e.file_name().as_encoded_bytes().starts_with(b".")) {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    // A directory that cannot be read is that entry's error, not the batch's.
                    let path = e.path().map_or_else(|| arg.clone(), Path::to_path_buf);
                    let relative = path.strip_prefix(arg).unwrap_or(&path).to_path_buf();
                    let why = e.io_error().map_or_else(|| e.to_string(), |io| io.to_string());
                    let problem = format!("cannot read {}: {why}", path.display());
                    add(key_of(&relative), path.clone(), Some(problem), path);
                    continue;
                }
            };
            let path = entry.path();
            let relative = path.strip_prefix(arg).unwrap_or(path);
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            let wanted = NOTICE_EXTENSIONS.contains(&ext.as_str());
            let file_type = entry.file_type();
            // The argument itself is a directory (checked above), also when it is a link to one,
            // which the walk reports as a link: it is walked, not an input of its own.
            if file_type.is_dir() || entry.depth() == 0 {
                continue;
            }
            let key = key_of(relative);
            if file_type.is_symlink() {
                // Followed to a regular file only: a followed directory link could loop or leave
                // the tree. The link keeps its own identity, so it is converted as its own entry.
                let link = walked_identity(path, &mut resolved_dir);
                match std::fs::metadata(path) {
                    Ok(m) if m.is_file() && wanted => add(key, path.to_path_buf(), None, link),
                    Ok(m) if m.is_dir() => {
                        let problem = format!("{} is a symbolic link to a directory; not followed", path.display());
                        add(key, path.to_path_buf(), Some(problem), link);
                    }
                    Ok(m) if wanted && !m.is_file() => {
                        let kind = crate::input::file_kind(&m);
                        let problem = format!("{} is a symbolic link to {kind}, not to a regular file", path.display());
                        add(key, path.to_path_buf(), Some(problem), link);
                    }
                    Ok(_) => {}
                    Err(e) if wanted => {
                        let problem = format!("{} is a symbolic link that cannot be followed: {e}", path.display());
                        add(key, path.to_path_buf(), Some(problem), link);
                    }
                    Err(_) => {}
                }
            } else if wanted {
                // Special files (a FIFO named like a notice) are refused when read, as their entry's error.
                add(key, path.to_path_buf(), None, walked_identity(path, &mut resolved_dir));
            }
        }
    }
    // One input per (identity, key); ties broken by the path so the choice does not depend on the
    // order of the arguments.
    found.sort_by(|a, b| (&a.1, &a.0.key, &a.0.path).cmp(&(&b.1, &b.0.key, &b.0.path)));
    found.dedup_by(|a, b| a.1 == b.1 && a.0.key == b.0.key);
    let mut inputs: Vec<InputFile> = found.into_iter().map(|(input, _)| input).collect();
    inputs.sort();
    let mut seen = std::collections::HashMap::new();
    for input in &inputs {
        *seen.entry(input.key.clone()).or_insert(0) += 1;
    }
    for input in &mut inputs {
        if seen[&input.key] > 1 {
            let digest = Sha256::digest(input.path.as_os_str().as_encoded_bytes());
            let hash = format!("{digest:.8x}");
            input.key = format!("{}~{hash}", input.key);
        }
    }
    inputs.sort();
    Ok(inputs)
}

/// The identity of an input set: a hash of its keys in canonical order.
pub fn input_set_id(inputs: &[InputFile]) -> String {
    let mut hasher = Sha256::new();
    for input in inputs {
        hasher.update(input.key.as_bytes());
        hasher.update(b"\n");
    }
    format!("{:.16x}", hasher.finalize())
}

/// Leaves out the inputs that `patterns` (globs) name and returns how many. A pattern without
/// `/` is matched against each part of an input's key (its file name, or a folder it is under:
/// `说明.txt`, `*.doc`, `drafts`); a pattern with `/` against the whole key (`2023/*.pdf`,
/// `drafts/**`), where `*` stays within one folder and `**` crosses folders.
pub fn exclude_inputs(inputs: &mut Vec<InputFile>, patterns: &[String]) -> Result<usize, BatchError> {
    let mut parts = globset::GlobSetBuilder::new();
    let mut keys = globset::GlobSetBuilder::new();
    for pattern in patterns {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|source| BatchError::BadExclude { pattern: pattern.clone(), source })?;
        if pattern.contains('/') {
            keys.add(glob);
        } else {
            parts.add(glob);
        }
    }
    let bad = |source| BatchError::BadExclude { pattern: patterns.join(" "), source };
    let (parts, keys) = (parts.build().map_err(bad)?, keys.build().map_err(bad)?);
    let before = inputs.len();
    inputs.retain(|i| !(keys.is_match(&i.key) || i.key.split('/').any(|part| parts.is_match(part))));
    Ok(before - inputs.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory's resolved path joined with a file's name is the file's resolved path, through
    /// `..` and a linked directory, from one directory to the next; so the inputs are the same ones.
    #[cfg(unix)]
    #[test]
    fn walked_files_resolve_as_their_whole_paths_do() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for dir in ["real/a", "real/b"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::os::unix::fs::symlink(root.join("real"), root.join("linked")).unwrap();
        for file in ["real/a/1.pdf", "real/a/2.pdf", "real/b/3.pdf"] {
            std::fs::write(root.join(file), b"%PDF").unwrap();
        }
        let mut resolved_dir = None;
        let mut walked = Vec::new();
        for path in ["linked/a/1.pdf", "linked/a/2.pdf", "real/b/../a/1.pdf", "linked/b/3.pdf"] {
            let path = root.join(path);
            let id = walked_identity(&path, &mut resolved_dir);
            assert_eq!(id, identity(&path), "{}", path.display());
            walked.push(id);
        }
        assert_eq!(walked[0], walked[2], "one file under two spellings");
        assert!(walked[0].starts_with(identity(&root.join("real"))), "resolved through the link");

        let inputs = discover_inputs(&[root.join("real"), root.join("real/b/..")]).unwrap();
        let keys: Vec<&str> = inputs.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["a/1.pdf", "a/2.pdf", "b/3.pdf"], "the same files under the same keys are one input each");
    }

    /// A link to a directory given as the argument is walked like the directory; it was also an
    /// input of its own, with an empty key, that failed as "a symbolic link to a directory".
    #[cfg(unix)]
    #[test]
    fn a_linked_directory_argument_is_walked_and_is_not_an_input() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("real/a")).unwrap();
        std::fs::write(tmp.path().join("real/a/1.pdf"), b"%PDF").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("real"), tmp.path().join("linked")).unwrap();
        let inputs = discover_inputs(&[tmp.path().join("linked")]).unwrap();
        let found: Vec<(&str, bool)> = inputs.iter().map(|i| (i.key.as_str(), i.problem.is_none())).collect();
        assert_eq!(found, [("a/1.pdf", true)]);
    }
}
