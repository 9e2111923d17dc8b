//! Source files read during a build, addressed by [`FileId`].
//!
//! Every diagnostic points at a [`Span`] inside a file registered here, so a
//! position is computed once, by the parser that saw it, and turned into
//! `path:line:col` only when printed. The database owns the text so the
//! human printer can show a snippet of the offending line.
//!
//! This module does no IO: `crawl` reads files and registers them.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// Index of a file in a [`SourceDb`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FileId(pub u32);

/// A position in a file: line and column both start at 1; the column counts
/// characters, not bytes (what an editor shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub fn new(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }
}

/// A range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub file: FileId,
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn new(file: FileId, start: Pos, end: Pos) -> Span {
        Span { file, start, end }
    }

    /// The first line of a file: used when a whole file is at fault.
    pub fn file_start(file: FileId) -> Span {
        let p = Pos::new(1, 1);
        Span::new(file, p, p)
    }

    pub fn point(file: FileId, pos: Pos) -> Span {
        Span::new(file, pos, pos)
    }
}

/// One file read by the build.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Absolute, canonical path on disk.
    pub path: PathBuf,
    /// Path shown to people: relative to the config folder when inside it.
    pub display: String,
    /// The text, when it was valid UTF-8 and small enough to keep.
    /// Shared, so an incremental rebuild can register a file it did not
    /// read again without copying it.
    pub text: Option<std::sync::Arc<str>>,
}

/// All files of a build, in registration order (which is deterministic:
/// crawl registers in a sorted order).
#[derive(Debug, Default, Clone)]
pub struct SourceDb {
    /// Shared: a `serve` rebuild registers the files of the docs sites it
    /// keeps again, 10,000 of them on a large portal.
    files: Vec<std::sync::Arc<SourceFile>>,
    /// Path → first file registered with it: `find` is called per
    /// placeholder and per unreadable file, on portals of 10,000+ files.
    /// FxHash: a rebuild in `serve` registers ~10,000 files again, and
    /// SipHash of their paths showed in its profile.
    by_path: rustc_hash::FxHashMap<PathBuf, FileId>,
}

impl SourceDb {
    pub fn new() -> SourceDb {
        SourceDb::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.add_shared(std::sync::Arc::new(file))
    }

    /// Registers a file another build registered.
    pub fn add_shared(&mut self, file: std::sync::Arc<SourceFile>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 4 billion files"));
        self.by_path.entry(file.path.clone()).or_insert(id);
        self.files.push(file);
        id
    }

    /// The file with id `id`, shared.
    pub fn shared(&self, id: FileId) -> &std::sync::Arc<SourceFile> {
        &self.files[id.0 as usize]
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    pub fn display(&self, id: FileId) -> &str {
        &self.get(id).display
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), &**f))
    }

    /// The text of one line (1-based), without its line ending.
    pub fn line_text(&self, id: FileId, line: u32) -> Option<&str> {
        let text = self.get(id).text.as_deref()?;
        text.lines().nth(line.checked_sub(1)? as usize)
    }
}

/// Path shown to people: relative to `base` when inside it, else as is.
pub fn display_path(path: &Path, base: &Path) -> String {
    let shown = path.strip_prefix(base).unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}
