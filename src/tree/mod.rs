//! Source trees: every read of repository content goes through here.
//!
//! A build reads from two kinds of tree:
//!
//! - **local folders** ([`local::LocalFs`]): the folder of backlot.yaml
//!   and each `dir` location's folder, the *local roots*;
//! - **git trees at a commit** ([`git::GitTree`]): repositories the crawl
//!   fetched, read from the objects of the cache, never checked out.
//!
//! Both live in one space of absolute paths, so that the stages above
//! (crawl, placeholders, the docs reader, snippets) name files the same way
//! whatever holds them, and so that [`crate::source::SourceDb`], the
//! memos of `serve` and diagnostics need no second kind of address. A git
//! tree is *mounted* at a path under [`GIT_MOUNTS`], a folder that exists
//! on no disk: a path under a mount is answered by that tree alone and never
//! touches the file system.
//!
//! The [`SourceTree`] trait is what a kind of tree implements: resolve a
//! path (following symlinks, *inside* the tree), read a file, list a
//! folder. Everything built on that (confinement, size limits, UTF-8, glob
//! expansion, descriptor search, `.gitignore`, the read log of `serve`) is
//! written once, here and in [`walk`], for every kind: a later kind (an
//! archive, an object store) is one more implementation of the trait.
//!
//! Confinement: a local path must resolve (symlinks included) inside one
//! of the local roots; a path in a git tree must resolve inside that tree,
//! and a symlink that leaves it, an absolute symlink or a submodule is not
//! followed.

pub mod git;
pub mod history;
pub mod local;
mod walk;

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use walk::{MAX_DEPTH as MAX_WALK_DEPTH, MAX_WALK_ENTRIES, Walked, glob_base, has_glob_chars};

/// Descriptor, placeholder and docs page files larger than this are
/// refused. Real descriptors are kilobytes; inline API definitions reach a
/// few hundred.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Docs assets (images, PDFs) larger than this are not copied: a hostile
/// repository must not be able to fill the memory of a build.
pub const MAX_ASSET_BYTES: u64 = 128 * 1024 * 1024;

/// Where git trees are mounted in the path space. No such folder exists:
/// the leading dot-folder at the file system root keeps it apart from any
/// crawl root, and a path under it is never looked up on disk.
pub const GIT_MOUNTS: &str = "/.backlot-git";

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    NotFound,
    /// It resolves outside every root (or outside its repository): what it
    /// resolves to, for people.
    OutsideRoots(PathBuf),
    TooLarge(u64),
    NotUtf8,
    NotAFile,
    /// A git submodule, which is another repository: never followed.
    Submodule,
    Io(std::io::Error),
}

impl ReadError {
    /// Why, as the end of a sentence ("… could not be read: <why>").
    pub fn why(&self) -> String {
        match self {
            ReadError::NotFound => "it does not exist".to_string(),
            ReadError::OutsideRoots(real) => format!(
                "it resolves to {}, outside the crawled folders and repositories",
                real.display()
            ),
            ReadError::TooLarge(n) => {
                format!("it is {n} bytes, over the {MAX_FILE_BYTES} byte limit")
            }
            ReadError::NotUtf8 => "it is not UTF-8 text".to_string(),
            ReadError::NotAFile => "it is not a regular file".to_string(),
            ReadError::Submodule => {
                "it is a git submodule, which Backlot does not follow".to_string()
            }
            ReadError::Io(e) => e.to_string(),
        }
    }
}

/// What a resolved path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    File,
    Dir,
}

/// What a folder entry is, before resolving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// Submodules, sockets, devices: never read.
    Other,
}

/// One entry of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: EntryKind,
}

/// A kind of source tree. Paths are absolute paths of the shared space
/// that [`Trees`] routed to this tree.
pub trait SourceTree: Send + Sync + std::fmt::Debug {
    /// The path `path` stands for, symlinks resolved, if it stays inside
    /// the tree, and what it is.
    fn resolve(&self, path: &Path) -> Result<(PathBuf, Kind), ReadError>;
    /// The bytes of the file at `resolved` (a path [`SourceTree::resolve`]
    /// returned for a file); `TooLarge` past `limit`.
    fn read(&self, resolved: &Path, limit: u64) -> Result<Vec<u8>, ReadError>;
    /// The entries of the folder at `resolved`, in any order.
    fn list(&self, resolved: &Path) -> Result<Vec<Entry>, ReadError>;
}

/// The trees a build may read from: the local roots and the mounted git
/// trees. Cheap to clone (git trees are shared).
#[derive(Debug, Clone, Default)]
pub struct Trees {
    local: local::LocalFs,
    /// Mounted git trees, sorted by mount path.
    git: Vec<Arc<git::GitTree>>,
    /// Every path asked for while logging is on, found or not: what the
    /// crawl depends on, for `serve` to know when to crawl again.
    log: Arc<ReadLog>,
    /// The forge hosts, to find the tree a forge URL points into.
    forges: crate::forge::Forges,
}

#[derive(Debug, Default)]
struct ReadLog {
    on: AtomicBool,
    paths: std::sync::Mutex<Vec<PathBuf>>,
}

impl Trees {
    /// Adds a local root; it must exist (it is canonicalized).
    pub fn add_local(&mut self, dir: &Path) -> std::io::Result<PathBuf> {
        self.local.add(dir)
    }

    /// The local roots, canonical.
    pub fn local_roots(&self) -> &[PathBuf] {
        self.local.roots()
    }

    /// Mounts a git tree (once: a tree already mounted at its path stays).
    pub fn mount(&mut self, tree: Arc<git::GitTree>) {
        if let Err(at) = self.git.binary_search_by(|t| t.mount().cmp(tree.mount())) {
            self.git.insert(at, tree);
        }
    }

    /// The mounted git trees.
    pub fn repositories(&self) -> &[Arc<git::GitTree>] {
        &self.git
    }

    /// Sets the forge hosts [`Trees::locate`] knows.
    pub fn set_forges(&mut self, forges: crate::forge::Forges) {
        self.forges = forges;
    }

    /// The path a forge file or folder URL stands for in a mounted tree of
    /// that repository at a ref the URL names (or, with `within`, in that
    /// tree only); `Err` says why there is none.
    pub fn locate<'a>(
        &'a self,
        url: &str,
        within: Option<&'a git::GitTree>,
    ) -> Result<(PathBuf, &'a git::GitTree), String> {
        let parsed = crate::forge::parse(url, &self.forges).map_err(|e| {
            let help = e.help();
            if help.is_empty() {
                e.message()
            } else {
                format!("{} ({help})", e.message())
            }
        })?;
        let identity = parsed.repo.key();
        let mounted: Vec<&git::GitTree> = match within {
            Some(tree) => vec![tree],
            None => self
                .git
                .iter()
                .map(|t| t.as_ref())
                .filter(|t| t.origin.identity == identity)
                .collect(),
        };
        if mounted.is_empty() {
            return Err(format!(
                "{} is not a repository of the catalog",
                parsed.repo.display()
            ));
        }
        for (git_ref, path) in parsed.candidates() {
            let tree = match within {
                Some(tree) => Some(tree),
                None => mounted.iter().copied().find(|t| t.origin.names(&git_ref)),
            };
            if let Some(tree) = tree {
                let path = normalize(&tree.mount().join(path.trim_start_matches('/')));
                if path.starts_with(tree.mount()) {
                    return Ok((path, tree));
                }
            }
        }
        let refs: Vec<&str> = mounted.iter().map(|t| t.origin.asked.as_str()).collect();
        Err(format!(
            "the catalog reads {} at {} only, not at the ref this URL names",
            parsed.repo.display(),
            refs.join(", ")
        ))
    }

    /// The git tree holding `path`, if a git tree holds it. Every path
    /// operation asks this, so it is a binary search: mounts are sorted
    /// (component by component) and never nest, so the only mount that can
    /// hold `path` is the greatest one not after it.
    pub fn repository_of(&self, path: &Path) -> Option<&Arc<git::GitTree>> {
        if !path.starts_with(GIT_MOUNTS) {
            return None;
        }
        let at = match self.git.binary_search_by(|t| t.mount().cmp(path)) {
            Ok(at) => at,
            Err(0) => return None,
            Err(after) => after - 1,
        };
        let tree = &self.git[at];
        path.starts_with(tree.mount()).then_some(tree)
    }

    fn tree_of(&self, path: &Path) -> &dyn SourceTree {
        match self.repository_of(path) {
            Some(tree) => tree.as_ref(),
            None => &self.local,
        }
    }

    /// Whether `resolved` (a path [`Trees::confine`] returned, or a local
    /// canonical path) lies inside a root or a mounted tree.
    pub fn contains(&self, resolved: &Path) -> bool {
        self.repository_of(resolved).is_some() || self.local.contains(resolved)
    }

    /// The local root or the git tree's mount holding `resolved` (the
    /// longest match): the top of what placeholders' `/` paths mean.
    pub fn root_of(&self, resolved: &Path) -> Option<&Path> {
        match self.repository_of(resolved) {
            Some(tree) => Some(tree.mount()),
            None => self.local.root_of(resolved),
        }
    }

    /// Starts logging the paths asked for (shared by clones).
    pub fn start_log(&self) {
        self.log.on.store(true, Ordering::Relaxed);
    }

    /// Stops logging; the paths asked for since [`Trees::start_log`], as
    /// asked (lexically normalized) and, when they exist, resolved.
    pub fn stop_log(&self) -> Vec<PathBuf> {
        self.log.on.store(false, Ordering::Relaxed);
        let mut paths =
            std::mem::take(&mut *self.log.paths.lock().unwrap_or_else(|e| e.into_inner()));
        paths.sort();
        paths.dedup();
        paths
    }

    fn note(&self, path: &Path, resolved: Option<&Path>) {
        if self.log.on.load(Ordering::Relaxed) {
            let mut paths = self.log.paths.lock().unwrap_or_else(|e| e.into_inner());
            paths.push(normalize(path));
            paths.extend(resolved.map(Path::to_path_buf));
        }
    }

    /// Resolves `path` (symlinks included) and checks confinement, without
    /// reading; also says what it is.
    pub fn resolve(&self, path: &Path) -> Result<(PathBuf, Kind), ReadError> {
        let resolved = self.tree_of(path).resolve(path);
        self.note(path, resolved.as_ref().ok().map(|(p, _)| p.as_path()));
        resolved
    }

    /// [`Trees::resolve`], the path only.
    pub fn confine(&self, path: &Path) -> Result<PathBuf, ReadError> {
        self.resolve(path).map(|(p, _)| p)
    }

    /// What `path` is, if it can be resolved inside the trees.
    pub fn kind(&self, path: &Path) -> Option<Kind> {
        self.resolve(path).ok().map(|(_, k)| k)
    }

    pub fn is_dir(&self, path: &Path) -> bool {
        self.kind(path) == Some(Kind::Dir)
    }

    pub fn is_file(&self, path: &Path) -> bool {
        self.kind(path) == Some(Kind::File)
    }

    /// Reads a file of at most `limit` bytes inside the trees. Returns its
    /// resolved path.
    pub fn read_bytes(&self, path: &Path, limit: u64) -> Result<(PathBuf, Vec<u8>), ReadError> {
        let (resolved, kind) = self.resolve(path)?;
        if kind != Kind::File {
            return Err(ReadError::NotAFile);
        }
        let bytes = self.tree_of(&resolved).read(&resolved, limit)?;
        Ok((resolved, bytes))
    }

    /// Reads a UTF-8 text file of at most [`MAX_FILE_BYTES`] inside the
    /// trees. Returns its resolved path.
    pub fn read(&self, path: &Path) -> Result<(PathBuf, String), ReadError> {
        let (resolved, bytes) = self.read_bytes(path, MAX_FILE_BYTES)?;
        let text = String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)?;
        Ok((resolved, text))
    }

    /// How people see `path`: `<repository>@<ref>:<path>` in a git tree,
    /// else relative to `base` when inside it.
    pub fn display(&self, path: &Path, base: &Path) -> String {
        match self.repository_of(path) {
            Some(tree) => tree.display(path),
            None => crate::source::display_path(path, base),
        }
    }

    /// The entries of the folder `path` (resolved first), sorted by name.
    pub fn list(&self, path: &Path) -> Result<(PathBuf, Vec<Entry>), ReadError> {
        let (resolved, kind) = self.resolve(path)?;
        if kind != Kind::Dir {
            return Err(ReadError::NotFound);
        }
        let mut entries = self.tree_of(&resolved).list(&resolved)?;
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((resolved, entries))
    }
}

/// Joins and normalizes `.` and `..` lexically (no file system access), so
/// that confinement can also be checked on paths that do not exist.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` below `base`, `/`-separated, if it is below and UTF-8.
pub fn relative(path: &Path, base: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(normalize(Path::new("/a/../../etc")), PathBuf::from("/etc"));
    }

    // Routing by binary search: the mount holding a path, among many.
    #[test]
    fn paths_route_to_the_tree_mounted_above_them() {
        let mut trees = Trees::default();
        let mounts = ["a/main/1", "a/main/2", "a/v1/1", "b/main/1", "b.x/main/1"];
        for m in mounts {
            let origin = git::Origin {
                display: m.to_string(),
                git_ref: "main".to_string(),
                forge: None,
                url: String::new(),
                identity: m.to_string(),
                asked: "main".to_string(),
            };
            let mount = Path::new(GIT_MOUNTS).join(m);
            trees.mount(Arc::new(git::GitTree::open(
                Path::new("/nonexistent"),
                git2::Oid::ZERO_SHA1,
                mount,
                origin,
            )));
        }
        for m in mounts {
            let path = Path::new(GIT_MOUNTS).join(m).join("docs/index.md");
            let found = trees
                .repository_of(&path)
                .map(|t| t.origin.display.as_str());
            assert_eq!(found, Some(m), "{}", path.display());
            let root = Path::new(GIT_MOUNTS).join(m);
            assert_eq!(
                trees
                    .repository_of(&root)
                    .map(|t| t.origin.display.as_str()),
                Some(m)
            );
        }
        for outside in ["a/main", "a/main/3/x", "b", "c/main/1/x", "0/x"] {
            let path = Path::new(GIT_MOUNTS).join(outside);
            assert!(trees.repository_of(&path).is_none(), "{}", path.display());
        }
        assert!(trees.repository_of(Path::new("/etc/passwd")).is_none());
    }

    #[test]
    fn relative_paths_are_slash_separated() {
        assert_eq!(
            relative(Path::new("/r/a/b.md"), Path::new("/r")).as_deref(),
            Some("a/b.md")
        );
        assert_eq!(
            relative(Path::new("/r"), Path::new("/r")).as_deref(),
            Some("")
        );
        assert_eq!(relative(Path::new("/x/a"), Path::new("/r")), None);
    }
}
