//! A git tree at a commit, read straight from the objects of a repository
//! in the cache: nothing is ever checked out, so no file of a repository
//! reaches the disk, and a repository's own hooks, filters and attributes
//! never run.
//!
//! Confinement inside a tree: paths are resolved component by component
//! against the tree objects. A symlink is followed only when its target is
//! relative and stays inside the repository (at most [`MAX_LINKS`] in a
//! row); an absolute target, one that climbs above the root, and a
//! submodule (another repository) are refused.
//!
//! **Reuse.** What a build asks of a tree (resolutions, file contents,
//! folder listings, "last updated" dates) depends on the commit alone, so
//! the answers are kept next to the repository in the cache
//! (`backlot/<commit>.reads`) and the next build at the same commit answers
//! from them without opening the repository; [`GitTree::object_reads`]
//! counts the times libgit2 was asked instead. A question the file does not
//! answer falls back to the objects, so the file can never make a build
//! differ from a clean one.

use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use git2::{Oid, Repository};

use super::{Entry, EntryKind, Kind, MAX_FILE_BYTES, ReadError, SourceTree, relative};

/// Symlinks followed while resolving one path (Linux's own limit).
pub const MAX_LINKS: usize = 40;

/// Where the files of a tree come from, for people and for links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// How diagnostics name the repository: `github.com/acme/payments`.
    pub display: String,
    /// The ref files are linked at: the branch or tag name (the default
    /// branch's name when the location named none), or the commit.
    pub git_ref: String,
    /// The repository on its forge, when the URL is a known forge's:
    /// view, edit and folder URLs of its files.
    pub forge: Option<crate::forge::Repo>,
    /// The clone URL or path as written, credentials redacted.
    pub url: String,
    /// The repository's identity (the same whatever URL named it).
    pub identity: String,
    /// The ref as the location asked for it (`HEAD` when it named none).
    pub asked: String,
}

impl Origin {
    /// Whether `name` (a branch, tag, full ref or commit) names the ref
    /// this tree was read at.
    pub fn names(&self, name: &str) -> bool {
        let short = |r: &str| {
            r.strip_prefix("refs/heads/")
                .or_else(|| r.strip_prefix("refs/tags/"))
                .unwrap_or(r)
                .to_string()
        };
        name == self.asked
            || short(name) == short(&self.git_ref)
            || short(name) == short(&self.asked)
    }
}

/// One entry of a tree object.
#[derive(Debug, Clone)]
struct Item {
    name: String,
    id: Oid,
    kind: EntryKind,
}

/// A git tree at a commit, mounted at a path of the shared path space.
pub struct GitTree {
    mount: PathBuf,
    git_dir: PathBuf,
    commit: Oid,
    pub origin: Origin,
    /// libgit2 handles are `Send` but not `Sync`: a pool of them, so
    /// that threads reading at once each use their own.
    pool: Mutex<Vec<Repository>>,
    /// The commit's root tree, looked up on the first question the
    /// memo cannot answer.
    root: OnceLock<Result<Oid, String>>,
    /// Tree objects read so far, by id.
    items: RwLock<HashMap<Oid, Arc<[Item]>>>,
    memo: Mutex<Memo>,
    object_reads: AtomicUsize,
}

impl std::fmt::Debug for GitTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitTree")
            .field("mount", &self.mount)
            .field("commit", &self.commit)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl GitTree {
    /// The tree of `commit` in the repository at `git_dir`, mounted at
    /// `mount`; the answers of earlier builds at this commit are loaded.
    pub fn open(git_dir: &Path, commit: Oid, mount: PathBuf, origin: Origin) -> GitTree {
        let memo = Memo::load(&memo_path(git_dir, commit), commit).unwrap_or_default();
        GitTree {
            mount,
            git_dir: git_dir.to_path_buf(),
            commit,
            origin,
            pool: Mutex::new(Vec::new()),
            root: OnceLock::new(),
            items: RwLock::new(HashMap::new()),
            memo: Mutex::new(memo),
            object_reads: AtomicUsize::new(0),
        }
    }

    pub fn mount(&self) -> &Path {
        &self.mount
    }

    pub fn commit(&self) -> Oid {
        self.commit
    }

    /// How many times this build asked libgit2 for objects of this tree:
    /// zero when every answer came from the memo of an earlier build.
    pub fn object_reads(&self) -> usize {
        self.object_reads.load(Ordering::Relaxed)
    }

    /// How people see `path`: `github.com/acme/payments@main:docs/index.md`.
    pub fn display(&self, path: &Path) -> String {
        let rel = self.relative(path).unwrap_or_default();
        let git_ref = &self.origin.git_ref;
        let shown = git_ref
            .strip_prefix("refs/heads/")
            .or_else(|| git_ref.strip_prefix("refs/tags/"))
            .unwrap_or(git_ref);
        format!("{}@{shown}:{rel}", self.origin.display)
    }

    /// The path of `path` inside the repository, `/`-separated.
    pub fn relative(&self, path: &Path) -> Option<String> {
        relative(path, &self.mount)
    }

    /// Removes the memos of other commits of this tree's repository but
    /// `keep`: a repository built at many commits keeps only the memos the
    /// last build used. (A portal sharing the cache at other commits
    /// writes its own again, which costs it one slower build.)
    pub fn prune_memos(&self, keep: &[Oid]) {
        let Ok(entries) = std::fs::read_dir(self.git_dir.join("backlot")) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(commit) = name.to_str().and_then(|n| n.strip_suffix(".reads")) else {
                continue;
            };
            if Oid::from_str(commit).is_ok_and(|oid| !keep.contains(&oid)) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// The repository in the cache this tree is read from.
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// Writes what this build learned for the next build at this commit,
    /// if it learned anything. A failure only costs the next build time.
    pub fn save(&self) -> std::io::Result<()> {
        let memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        if !memo.dirty {
            return Ok(());
        }
        memo.save(&memo_path(&self.git_dir, self.commit), self.commit)
    }

    /// Runs `f` with a repository handle of this thread's own.
    fn with_repo<T>(
        &self,
        f: impl FnOnce(&Repository) -> Result<T, git2::Error>,
    ) -> Result<T, ReadError> {
        self.object_reads.fetch_add(1, Ordering::Relaxed);
        let repo = self.pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let repo = match repo {
            Some(repo) => repo,
            None => Repository::open_bare(&self.git_dir).map_err(|e| self.broken(e))?,
        };
        let result = f(&repo).map_err(|e| self.broken(e));
        self.pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(repo);
        result
    }

    /// A git error while reading: the cached copy is damaged.
    fn broken(&self, e: git2::Error) -> ReadError {
        ReadError::Io(std::io::Error::other(format!(
            "the cached copy of {} cannot be read ({}); delete {} to fetch it again",
            self.origin.display,
            e.message(),
            self.git_dir.display()
        )))
    }

    fn root_tree(&self) -> Result<Oid, ReadError> {
        let root = self.root.get_or_init(|| {
            self.with_repo(|repo| Ok(repo.find_commit(self.commit)?.tree_id()))
                .map_err(|e| e.why())
        });
        root.clone()
            .map_err(|why| ReadError::Io(std::io::Error::other(why)))
    }

    /// The entries of the tree object `id`.
    fn items(&self, id: Oid) -> Result<Arc<[Item]>, ReadError> {
        if let Some(items) = self
            .items
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
        {
            return Ok(Arc::clone(items));
        }
        let items: Arc<[Item]> = self.with_repo(|repo| {
            let tree = repo.find_tree(id)?;
            Ok(tree
                .iter()
                .filter_map(|entry| {
                    // Names that are not UTF-8 cannot be named by a
                    // descriptor, a nav or a link.
                    let name = entry.name().ok()?.to_string();
                    let kind = match entry.filemode() {
                        0o040000 => EntryKind::Dir,
                        0o100644 | 0o100755 | 0o100664 => EntryKind::File,
                        0o120000 => EntryKind::Symlink,
                        _ => EntryKind::Other,
                    };
                    Some(Item {
                        name,
                        id: entry.id(),
                        kind,
                    })
                })
                .collect())
        })?;
        self.items
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, Arc::clone(&items));
        Ok(items)
    }

    fn blob(&self, id: Oid, limit: u64) -> Result<Vec<u8>, ReadError> {
        self.with_repo(|repo| {
            let blob = repo.find_blob(id)?;
            Ok(blob.content().to_vec())
        })
        .and_then(|bytes| {
            if bytes.len() as u64 > limit {
                Err(ReadError::TooLarge(bytes.len() as u64))
            } else {
                Ok(bytes)
            }
        })
    }

    /// The size of the blob `id`, from its header (not inflated).
    fn blob_size(&self, id: Oid) -> Result<u64, ReadError> {
        self.with_repo(|repo| {
            let odb = repo.odb()?;
            let (size, _) = odb.read_header(id)?;
            Ok(size as u64)
        })
    }

    /// Resolves `rel` component by component: the resolved path, what it
    /// is, and for a file its blob.
    fn walk_path(&self, rel: &str) -> Result<(String, Kind, Option<Oid>), Failure> {
        let mut pending: VecDeque<String> = rel
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .map(str::to_string)
            .collect();
        let root = self.root_tree().map_err(|e| Failure::Read(e.why()))?;
        // The folders resolved so far, with their tree ids.
        let mut stack: Vec<(String, Oid)> = Vec::new();
        let mut links = 0;
        while let Some(name) = pending.pop_front() {
            if name == "." {
                continue;
            }
            if name == ".." {
                if stack.pop().is_none() {
                    return Err(Failure::Outside(rel.to_string()));
                }
                continue;
            }
            let current = stack.last().map_or(root, |(_, id)| *id);
            let items = self.items(current).map_err(|e| Failure::Read(e.why()))?;
            let Some(item) = items.iter().find(|i| i.name == name) else {
                return Err(Failure::NotFound);
            };
            match item.kind {
                EntryKind::Dir => stack.push((name, item.id)),
                EntryKind::File => {
                    if pending.iter().any(|c| !c.is_empty() && c != ".") {
                        return Err(Failure::NotFound);
                    }
                    let mut path: Vec<&str> = stack.iter().map(|(n, _)| n.as_str()).collect();
                    path.push(&name);
                    return Ok((path.join("/"), Kind::File, Some(item.id)));
                }
                EntryKind::Symlink => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(Failure::NotFound);
                    }
                    let target = self
                        .blob(item.id, 4096)
                        .map_err(|e| Failure::Read(e.why()))?;
                    let target = String::from_utf8_lossy(&target).into_owned();
                    if target.starts_with('/') || target.is_empty() {
                        return Err(Failure::Outside(target));
                    }
                    for part in target.rsplit('/') {
                        if !part.is_empty() && part != "." {
                            pending.push_front(part.to_string());
                        }
                    }
                }
                EntryKind::Other => return Err(Failure::Submodule),
            }
        }
        let path: Vec<&str> = stack.iter().map(|(n, _)| n.as_str()).collect();
        Ok((path.join("/"), Kind::Dir, None))
    }

    /// Resolves `rel`, from the memo when it knows.
    fn resolve_rel(&self, rel: &str) -> Result<(String, Kind), ReadError> {
        if let Some(known) = self.memo().resolved.get(rel) {
            return known.clone().map_err(|f| f.error());
        }
        let found = self.walk_path(rel);
        let mut memo = self.memo();
        let answer = match found {
            Ok((path, kind, _)) => Ok((path, kind)),
            // Not a fact of the commit: not remembered.
            Err(f @ Failure::Read(_)) => return Err(f.error()),
            Err(f) => Err(f),
        };
        memo.resolved.insert(rel.to_string(), answer.clone());
        memo.dirty = true;
        answer.map_err(|f| f.error())
    }

    fn memo(&self) -> std::sync::MutexGuard<'_, Memo> {
        self.memo.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn rel_of(&self, path: &Path) -> Result<String, ReadError> {
        self.relative(path)
            .ok_or_else(|| ReadError::OutsideRoots(path.to_path_buf()))
    }

    /// When each of `paths` (repository-relative, files at this commit)
    /// was last changed on the first-parent history of the commit.
    pub fn last_changes(&self, paths: &[&str]) -> HashMap<String, i64> {
        let mut times = HashMap::new();
        let mut missing = Vec::new();
        {
            let memo = self.memo();
            for path in paths {
                match memo.dates.get(*path) {
                    Some(Some(time)) => {
                        times.insert(path.to_string(), *time);
                    }
                    Some(None) => {}
                    None => missing.push(*path),
                }
            }
        }
        if missing.is_empty() {
            return times;
        }
        let found = self.with_repo(|repo| {
            let commit = repo.find_commit(self.commit)?;
            Ok(super::history::last_changes(
                repo,
                &Default::default(),
                commit,
                missing.iter().copied(),
                super::history::MAX_COMMITS,
            ))
        });
        // A read error dates nothing, and is not remembered.
        let Ok(found) = found else {
            return times;
        };
        let mut memo = self.memo();
        for path in missing {
            let time = found.get(path).copied();
            memo.dates.insert(path.to_string(), time);
            if let Some(time) = time {
                times.insert(path.to_string(), time);
            }
        }
        memo.dirty = true;
        times
    }
}

impl SourceTree for GitTree {
    fn resolve(&self, path: &Path) -> Result<(PathBuf, Kind), ReadError> {
        let rel = self.rel_of(path)?;
        let (resolved, kind) = self.resolve_rel(&rel)?;
        let path = if resolved.is_empty() {
            self.mount.clone()
        } else {
            self.mount.join(resolved)
        };
        Ok((path, kind))
    }

    fn read(&self, resolved: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
        let rel = self.rel_of(resolved)?;
        if let Some(blob) = self.memo().blobs.get(&rel) {
            if blob.size > limit {
                return Err(ReadError::TooLarge(blob.size));
            }
            if let Some(bytes) = &blob.bytes {
                return Ok(bytes.to_vec());
            }
        }
        let id = match self.walk_path(&rel) {
            Ok((_, Kind::File, Some(id))) => id,
            Ok(_) => return Err(ReadError::NotAFile),
            Err(f) => return Err(f.error()),
        };
        // The header first: a huge blob is refused without inflating it.
        let size = self.blob_size(id)?;
        let bytes = if size > limit {
            None
        } else {
            Some(self.blob(id, limit)?)
        };
        let mut memo = self.memo();
        memo.blobs.insert(
            rel,
            Blob {
                size,
                bytes: bytes
                    .as_ref()
                    .filter(|b| b.len() as u64 <= MAX_FILE_BYTES)
                    .map(|b| Arc::from(b.as_slice())),
            },
        );
        memo.dirty = true;
        bytes.ok_or(ReadError::TooLarge(size))
    }

    fn list(&self, resolved: &Path) -> Result<Vec<Entry>, ReadError> {
        let rel = self.rel_of(resolved)?;
        if let Some(entries) = self.memo().lists.get(&rel) {
            return Ok(entries.clone());
        }
        let mut id = self.root_tree()?;
        for name in rel.split('/').filter(|c| !c.is_empty()) {
            let items = self.items(id)?;
            match items.iter().find(|i| i.name == name) {
                Some(item) if item.kind == EntryKind::Dir => id = item.id,
                _ => return Err(ReadError::NotFound),
            }
        }
        let entries: Vec<Entry> = self
            .items(id)?
            .iter()
            .map(|i| Entry {
                name: i.name.clone(),
                kind: i.kind,
            })
            .collect();
        let mut memo = self.memo();
        memo.lists.insert(rel, entries.clone());
        memo.dirty = true;
        Ok(entries)
    }
}

/// A resolution that failed for a reason that is a fact of the commit
/// (and so may be remembered), or a read error (which may not).
#[derive(Debug, Clone)]
enum Failure {
    NotFound,
    /// The symlink target, or the path, that leaves the tree.
    Outside(String),
    Submodule,
    /// Why the objects could not be read.
    Read(String),
}

impl Failure {
    fn error(self) -> ReadError {
        match self {
            Failure::NotFound => ReadError::NotFound,
            Failure::Outside(target) => ReadError::OutsideRoots(PathBuf::from(target)),
            Failure::Submodule => ReadError::Submodule,
            Failure::Read(why) => ReadError::Io(std::io::Error::other(why)),
        }
    }
}

/// A file's size, and its bytes unless it was too large to keep.
#[derive(Debug, Clone)]
struct Blob {
    size: u64,
    bytes: Option<Arc<[u8]>>,
}

/// What builds learned of one commit.
#[derive(Debug, Default)]
struct Memo {
    resolved: HashMap<String, Result<(String, Kind), Failure>>,
    blobs: HashMap<String, Blob>,
    lists: HashMap<String, Vec<Entry>>,
    dates: HashMap<String, Option<i64>>,
    /// Learned something the file on disk does not hold.
    dirty: bool,
}

fn memo_path(git_dir: &Path, commit: Oid) -> PathBuf {
    git_dir.join("backlot").join(format!("{commit}.reads"))
}

/// The memo file's first line; a file of another format or another
/// Backlot version is ignored (limits and rules may have changed).
fn memo_header(commit: Oid) -> String {
    format!(
        "backlot-git-reads 1 {} {commit}\n",
        env!("CARGO_PKG_VERSION")
    )
}

impl Memo {
    /// The memo saved at `path` for `commit`; `None` for anything else
    /// (missing, another version, cut short, malformed).
    fn load(path: &Path, commit: Oid) -> Option<Memo> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .ok()?
            .read_to_end(&mut bytes)
            .ok()?;
        let header = memo_header(commit);
        let mut r = Reader {
            bytes: bytes.strip_prefix(header.as_bytes())?,
        };
        let mut memo = Memo::default();
        while !r.bytes.is_empty() {
            let tag = r.u8()?;
            let key = r.string()?;
            match tag {
                1 => {
                    let resolved = r.string()?;
                    let kind = match r.u8()? {
                        0 => Kind::File,
                        1 => Kind::Dir,
                        _ => return None,
                    };
                    memo.resolved.insert(key, Ok((resolved, kind)));
                }
                2 => {
                    let failure = match r.u8()? {
                        0 => Failure::NotFound,
                        1 => Failure::Outside(r.string()?),
                        2 => Failure::Submodule,
                        _ => return None,
                    };
                    memo.resolved.insert(key, Err(failure));
                }
                3 => {
                    let size = r.u64()?;
                    let bytes = match r.u8()? {
                        0 => None,
                        _ => Some(Arc::from(r.bytes()?)),
                    };
                    memo.blobs.insert(key, Blob { size, bytes });
                }
                4 => {
                    let n = r.u64()? as usize;
                    let mut entries = Vec::with_capacity(n.min(4096));
                    for _ in 0..n {
                        let name = r.string()?;
                        let kind = match r.u8()? {
                            0 => EntryKind::File,
                            1 => EntryKind::Dir,
                            2 => EntryKind::Symlink,
                            3 => EntryKind::Other,
                            _ => return None,
                        };
                        entries.push(Entry { name, kind });
                    }
                    memo.lists.insert(key, entries);
                }
                5 => {
                    let time = match r.u8()? {
                        0 => None,
                        _ => Some(r.u64()? as i64),
                    };
                    memo.dates.insert(key, time);
                }
                _ => return None,
            }
        }
        Some(memo)
    }

    /// Writes the memo (sorted, so the same answers give the same file),
    /// through a temporary file: a killed build leaves the old file or
    /// none, never half of one.
    fn save(&self, path: &Path, commit: Oid) -> std::io::Result<()> {
        let mut out = memo_header(commit).into_bytes();
        let mut w = Writer { out: &mut out };
        let mut resolved: Vec<_> = self.resolved.iter().collect();
        resolved.sort_by(|a, b| a.0.cmp(b.0));
        for (key, answer) in resolved {
            if matches!(answer, Err(Failure::Read(_))) {
                continue; // never remembered; see `resolve_rel`
            }
            match answer {
                Ok((path, kind)) => {
                    w.u8(1);
                    w.str(key);
                    w.str(path);
                    w.u8(match kind {
                        Kind::File => 0,
                        Kind::Dir => 1,
                    });
                }
                Err(failure) => {
                    w.u8(2);
                    w.str(key);
                    match failure {
                        Failure::NotFound => w.u8(0),
                        Failure::Outside(target) => {
                            w.u8(1);
                            w.str(target);
                        }
                        Failure::Submodule | Failure::Read(_) => w.u8(2),
                    }
                }
            }
        }
        let mut blobs: Vec<_> = self.blobs.iter().collect();
        blobs.sort_by(|a, b| a.0.cmp(b.0));
        for (key, blob) in blobs {
            w.u8(3);
            w.str(key);
            w.u64(blob.size);
            match &blob.bytes {
                Some(bytes) => {
                    w.u8(1);
                    w.bytes(bytes);
                }
                None => w.u8(0),
            }
        }
        let mut lists: Vec<_> = self.lists.iter().collect();
        lists.sort_by(|a, b| a.0.cmp(b.0));
        for (key, entries) in lists {
            w.u8(4);
            w.str(key);
            w.u64(entries.len() as u64);
            for entry in entries {
                w.str(&entry.name);
                w.u8(match entry.kind {
                    EntryKind::File => 0,
                    EntryKind::Dir => 1,
                    EntryKind::Symlink => 2,
                    EntryKind::Other => 3,
                });
            }
        }
        let mut dates: Vec<_> = self.dates.iter().collect();
        dates.sort_by(|a, b| a.0.cmp(b.0));
        for (key, time) in dates {
            w.u8(5);
            w.str(key);
            match time {
                Some(time) => {
                    w.u8(1);
                    w.u64(*time as u64);
                }
                None => w.u8(0),
            }
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        // What a build killed while writing left.
        crate::atomic::remove_stale_temps(dir, |name| name.ends_with(".reads"));
        crate::atomic::write(path, &out)
    }
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl Writer<'_> {
    fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    fn u64(&mut self, v: u64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.out.extend_from_slice(v);
    }
    fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use git2::{Signature, Time};

    use super::*;
    use crate::tree::Trees;

    /// A bare repository with one commit of `files` (path, mode, bytes).
    fn repository(files: &[(&str, i32, &[u8])]) -> (tempfile::TempDir, PathBuf, Oid) {
        let dir = tempfile::tempdir().unwrap();
        let git_dir = dir.path().join("r.git");
        let repo = Repository::init_bare(&git_dir).unwrap();
        // Path components, mode, content.
        type Files<'a> = Vec<(Vec<&'a str>, i32, &'a [u8])>;
        // Nested tree builders, from a path → entry list.
        fn build(repo: &Repository, files: &Files) -> Oid {
            let mut builder = repo.treebuilder(None).unwrap();
            let mut folders: std::collections::BTreeMap<&str, Files> = Default::default();
            for (parts, mode, bytes) in files {
                if parts.len() == 1 {
                    let id = if *mode == 0o160000 {
                        Oid::from_str("1111111111111111111111111111111111111111").unwrap()
                    } else {
                        repo.blob(bytes).unwrap()
                    };
                    builder.insert(parts[0], id, *mode).unwrap();
                } else {
                    folders
                        .entry(parts[0])
                        .or_default()
                        .push((parts[1..].to_vec(), *mode, bytes));
                }
            }
            for (name, inner) in folders {
                let id = build(repo, &inner);
                builder.insert(name, id, 0o040000).unwrap();
            }
            builder.write().unwrap()
        }
        let split: Files = files
            .iter()
            .map(|(p, m, b)| (p.split('/').collect(), *m, *b))
            .collect();
        let tree = repo.find_tree(build(&repo, &split)).unwrap();
        let sig = Signature::new("Dev", "dev@example.com", &Time::new(1_000, 0)).unwrap();
        let commit = repo
            .commit(Some("HEAD"), &sig, &sig, "one", &tree, &[])
            .unwrap();
        (dir, git_dir, commit)
    }

    const FILE: i32 = 0o100644;
    const LINK: i32 = 0o120000;

    fn fixture() -> (tempfile::TempDir, PathBuf, Oid) {
        repository(&[
            ("catalog-info.yaml", FILE, b"kind: Component\n"),
            ("docs/index.md", FILE, b"# Hi\n"),
            ("docs/big.bin", FILE, &[7u8; 100]),
            ("docs/alias.md", LINK, b"index.md"),
            ("docs/up.md", LINK, b"../catalog-info.yaml"),
            ("docs/folder", LINK, b"../docs"),
            ("docs/escape.md", LINK, b"../../etc/passwd"),
            ("docs/absolute.md", LINK, b"/etc/passwd"),
            ("docs/loop.md", LINK, b"loop.md"),
            ("vendor/lib", 0o160000, b""),
        ])
    }

    fn mounted(git_dir: &Path, commit: Oid) -> (Trees, PathBuf, Arc<GitTree>) {
        let mount = PathBuf::from(crate::tree::GIT_MOUNTS).join("r/main");
        let origin = Origin {
            display: "example.com/r".to_string(),
            git_ref: "main".to_string(),
            forge: None,
            url: "https://example.com/r.git".to_string(),
            identity: "example.com/r".to_string(),
            asked: "main".to_string(),
        };
        let tree = Arc::new(GitTree::open(git_dir, commit, mount.clone(), origin));
        let mut trees = Trees::default();
        trees.mount(Arc::clone(&tree));
        (trees, mount, tree)
    }

    #[test]
    fn files_folders_and_symlinks_inside_the_tree_resolve() {
        let (_dir, git_dir, commit) = fixture();
        let (trees, m, _) = mounted(&git_dir, commit);
        assert_eq!(
            trees.read(&m.join("catalog-info.yaml")).unwrap(),
            (m.join("catalog-info.yaml"), "kind: Component\n".to_string())
        );
        assert_eq!(
            trees.read(&m.join("docs/alias.md")).unwrap().0,
            m.join("docs/index.md")
        );
        assert_eq!(
            trees.read(&m.join("docs/up.md")).unwrap().0,
            m.join("catalog-info.yaml")
        );
        assert_eq!(
            trees.read(&m.join("docs/folder/index.md")).unwrap().0,
            m.join("docs/index.md")
        );
        assert_eq!(trees.kind(&m.join("docs")), Some(Kind::Dir));
        assert_eq!(trees.kind(&m), Some(Kind::Dir));
        assert!(matches!(
            trees.read(&m.join("docs")),
            Err(ReadError::NotAFile)
        ));
        assert!(matches!(
            trees.read(&m.join("nope.md")),
            Err(ReadError::NotFound)
        ));
        assert!(matches!(
            trees.read(&m.join("catalog-info.yaml/x")),
            Err(ReadError::NotFound)
        ));
        let names: Vec<String> = trees
            .list(&m.join("docs"))
            .unwrap()
            .1
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            [
                "absolute.md",
                "alias.md",
                "big.bin",
                "escape.md",
                "folder",
                "index.md",
                "loop.md",
                "up.md"
            ]
        );
    }

    #[test]
    fn nothing_outside_the_tree_is_reached() {
        let (_dir, git_dir, commit) = fixture();
        let (trees, m, _) = mounted(&git_dir, commit);
        for outside in ["docs/escape.md", "docs/absolute.md", "../x", "docs/../../x"] {
            assert!(
                matches!(
                    trees.read(&m.join(outside)),
                    Err(ReadError::OutsideRoots(_))
                ),
                "{outside}"
            );
        }
        assert!(matches!(
            trees.read(&m.join("docs/loop.md")),
            Err(ReadError::NotFound)
        ));
        assert!(matches!(
            trees.read(&m.join("vendor/lib/x")),
            Err(ReadError::Submodule)
        ));
        assert!(matches!(
            trees.read(&m.join("vendor/lib")),
            Err(ReadError::Submodule)
        ));
        // A path under no mount is the local file system's, where no root
        // was added: refused, whatever exists there.
        assert!(trees.read(Path::new("/etc/passwd")).is_err());
    }

    #[test]
    fn a_blob_over_the_limit_is_refused_from_its_header() {
        let (_dir, git_dir, commit) = fixture();
        let (trees, m, _) = mounted(&git_dir, commit);
        assert!(matches!(
            trees.read_bytes(&m.join("docs/big.bin"), 99),
            Err(ReadError::TooLarge(100))
        ));
        assert_eq!(
            trees
                .read_bytes(&m.join("docs/big.bin"), 100)
                .unwrap()
                .1
                .len(),
            100
        );
    }

    #[test]
    fn walks_and_globs_work_as_on_local_folders() {
        let (_dir, git_dir, commit) = fixture();
        let (trees, m, _) = mounted(&git_dir, commit);
        let found = trees.find_descriptors(&m, &["index.md".to_string()]);
        assert_eq!(found.paths, [m.join("docs/index.md")]);
        let globbed = trees.expand_glob(&m.join("docs/*.md")).unwrap().paths;
        assert_eq!(globbed.len(), 6, "{globbed:?}");
    }

    #[test]
    fn a_second_build_at_the_same_commit_reads_no_objects() {
        let (_dir, git_dir, commit) = fixture();
        let (trees, m, tree) = mounted(&git_dir, commit);
        let ask = |trees: &Trees| {
            (
                trees.read(&m.join("docs/alias.md")).unwrap(),
                trees.list(&m.join("docs")).unwrap(),
                trees.read(&m.join("nope")).is_err(),
                trees.read(&m.join("docs/escape.md")).is_err(),
                trees.find_descriptors(&m, &["catalog-info.yaml".to_string()]),
                tree_dates(trees, &m),
            )
        };
        let first = ask(&trees);
        assert!(tree.object_reads() > 0);
        tree.save().unwrap();
        let (again, _, tree) = mounted(&git_dir, commit);
        assert_eq!(ask(&again), first);
        assert_eq!(tree.object_reads(), 0, "every answer came from the memo");
        // Something new is read from the objects, and remembered.
        again.read(&m.join("catalog-info.yaml")).unwrap();
        assert!(tree.object_reads() > 0);
    }

    fn tree_dates(trees: &Trees, m: &Path) -> Vec<Option<i64>> {
        let path = m.join("docs/index.md");
        trees.last_changed(&[(&path, "# Hi\n")])
    }

    #[test]
    fn a_damaged_memo_is_ignored() {
        let (_dir, git_dir, commit) = fixture();
        let (trees, m, tree) = mounted(&git_dir, commit);
        trees.read(&m.join("docs/index.md")).unwrap();
        tree.save().unwrap();
        let path = memo_path(&git_dir, commit);
        let bytes = std::fs::read(&path).unwrap();
        // Cut short, then with a byte changed in the header.
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(Memo::load(&path, commit).is_none());
        let mut other = bytes.clone();
        other[5] ^= 1;
        std::fs::write(&path, &other).unwrap();
        assert!(Memo::load(&path, commit).is_none());
        let (again, _, _) = mounted(&git_dir, commit);
        assert_eq!(again.read(&m.join("docs/index.md")).unwrap().1, "# Hi\n");
    }

    #[test]
    fn dates_come_from_the_history_of_the_commit() {
        let (_dir, git_dir, commit) = fixture();
        let (trees, m, _) = mounted(&git_dir, commit);
        assert_eq!(tree_dates(&trees, &m), [Some(1_000)]);
    }
}
