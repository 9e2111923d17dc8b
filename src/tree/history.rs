//! "Last updated" of files: the commit time of the newest commit that
//! changed each file, read from the history of the repository holding it:
//! a git tree's own repository (the cache), or the local checkout holding
//! a local file.
//!
//! Confinement holds for local checkouts too: a repository is used only
//! when its work tree, its git folder and the object stores it borrows
//! from lie inside the local roots, and discovery never looks above a
//! root (a checkout of the whole disk must not date a portal's pages).
//! These are checked before libgit2 opens anything.
//!
//! Every failure means "no date": no repository, a bare one, an unborn
//! HEAD, a shallow history that ends before the file's last change,
//! corrupt objects. Dates are a courtesy, never a reason to fail a build.
//!
//! Only committed content is dated, so the output depends on the
//! repository's state alone: a local file whose text differs from its
//! blob at HEAD (edited, staged, untracked, ignored) gets no date, rather
//! than one that describes other text or the file's mtime. A git tree's
//! files are committed by definition.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository, RepositoryOpenFlags, Tree};
use rayon::prelude::*;

use super::{ReadError, Trees, relative};

/// Commits looked at per repository: a file untouched for longer than this
/// gets no date, so a huge history cannot stall a build.
pub const MAX_COMMITS: usize = 5_000;

impl Trees {
    /// When each of `files` (resolved path, text as read) was last
    /// committed (unix seconds), where that can be known. Repositories are
    /// walked in parallel, each once for all the files it holds.
    pub fn last_changed(&self, files: &[(&Path, &str)]) -> Vec<Option<i64>> {
        let mut dates = vec![None; files.len()];
        // Git trees: by tree, repository-relative paths.
        let mut in_trees: BTreeMap<&Path, Vec<(String, usize)>> = BTreeMap::new();
        // Local checkouts: canonical work tree → (path, text, index).
        let mut local: BTreeMap<PathBuf, Vec<(String, &str, usize)>> = BTreeMap::new();
        let mut found: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
        for (i, (path, text)) in files.iter().enumerate() {
            if let Some(tree) = self.repository_of(path) {
                if let Some(rel) = relative(path, tree.mount()) {
                    in_trees.entry(tree.mount()).or_default().push((rel, i));
                }
                continue;
            }
            let Some(dir) = path.parent() else { continue };
            let workdir = found
                .entry(dir.to_path_buf())
                .or_insert_with(|| discover(dir, self));
            if let Some(workdir) = workdir
                && let Some(rel) = relative(path, workdir)
            {
                local
                    .entry(workdir.clone())
                    .or_default()
                    .push((rel, text, i));
            }
        }
        let from_trees: Vec<(usize, i64)> = in_trees
            .into_par_iter()
            .flat_map_iter(|(mount, files)| {
                let tree = self.repository_of(mount).expect("a mounted tree");
                let paths: Vec<&str> = files.iter().map(|(rel, _)| rel.as_str()).collect();
                let times = tree.last_changes(&paths);
                files
                    .into_iter()
                    .filter_map(move |(rel, i)| Some((i, *times.get(&rel)?)))
                    .collect::<Vec<_>>()
            })
            .collect();
        let from_local: Vec<(usize, i64)> = local
            .into_par_iter()
            .flat_map_iter(|(workdir, files)| dates_in(&workdir, self, &files).unwrap_or_default())
            .collect();
        for (i, time) in from_trees.into_iter().chain(from_local) {
            dates[i] = Some(time);
        }
        dates
    }
}

/// The work tree of the repository holding `dir`, looking no higher than
/// the crawl roots, and only if everything git would read of it is inside
/// them. `dir` is canonical.
fn discover(dir: &Path, roots: &Trees) -> Option<PathBuf> {
    let mut at = dir;
    loop {
        let dot_git = at.join(".git");
        if std::fs::symlink_metadata(&dot_git).is_ok() {
            return confined_git_dir(at, &dot_git, roots).map(|_| at.to_path_buf());
        }
        at = at.parent().filter(|parent| roots.contains(parent))?;
    }
}

/// The git folder `dot_git` stands for, if it and what it refers to (a
/// linked worktree's common folder, alternate object stores) are inside
/// the roots.
fn confined_git_dir(workdir: &Path, dot_git: &Path, roots: &Trees) -> Option<PathBuf> {
    let git_dir = if dot_git.is_dir() {
        roots.confine(dot_git).ok()?
    } else {
        // A `gitdir: <path>` file: submodules and linked worktrees.
        let text = read_if_present(dot_git, roots)??;
        let target = text.strip_prefix("gitdir:")?.trim();
        roots.confine(&workdir.join(target)).ok()?
    };
    let common = match read_if_present(&git_dir.join("commondir"), roots)? {
        Some(text) => roots.confine(&git_dir.join(text.trim())).ok()?,
        None => git_dir.clone(),
    };
    // Alternates may name further alternates; libgit2 follows five levels.
    let mut stores = vec![(common.join("objects"), 0)];
    while let Some((objects, depth)) = stores.pop() {
        let Some(text) = read_if_present(&objects.join("info/alternates"), roots)? else {
            continue;
        };
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let store = roots.confine(&objects.join(line)).ok()?;
            if depth < 5 {
                stores.push((store, depth + 1));
            }
        }
    }
    Some(git_dir)
}

/// `Some(None)` when `path` does not exist, `None` when it exists but
/// cannot be read inside the roots (libgit2 would read it all the same).
fn read_if_present(path: &Path, roots: &Trees) -> Option<Option<String>> {
    match roots.read(path) {
        Ok((_, text)) => Some(Some(text)),
        Err(ReadError::NotFound) => Some(None),
        Err(_) => None,
    }
}

/// Dates of `pages` (repo-relative path, text, index) in the repository
/// whose work tree is `workdir`. `None` on any git error before the walk.
fn dates_in(
    workdir: &Path,
    roots: &Trees,
    pages: &[(String, &str, usize)],
) -> Option<Vec<(usize, i64)>> {
    // NO_SEARCH: `discover` chose the folder; libgit2 must not look above it.
    let repo = Repository::open_ext(
        workdir,
        RepositoryOpenFlags::NO_SEARCH,
        std::iter::empty::<&OsStr>(),
    )
    .ok()?;
    // core.worktree or a moved git folder could point elsewhere.
    let inside = |p: &Path| roots.confine(p).is_ok();
    if repo.is_bare()
        || repo
            .workdir()
            .and_then(|w| std::fs::canonicalize(w).ok())
            .as_deref()
            != Some(workdir)
        || !inside(repo.path())
        || !inside(repo.commondir())
    {
        return None;
    }
    let head = repo.head().ok()?.peel_to_commit().ok()?;
    let head_tree = head.tree().ok()?;

    // Only pages whose text is exactly their blob at HEAD can be dated.
    // Hashing is the costly part and git2's objects are not `Sync`: look
    // the blobs up first, hash in parallel.
    let blobs: Vec<Option<Oid>> = pages
        .iter()
        .map(|(rel, _, _)| head_tree.get_path(Path::new(rel)).ok().map(|e| e.id()))
        .collect();
    let committed: Vec<bool> = pages
        .par_iter()
        .zip(blobs)
        .map(|((_, text, _), blob)| blob.is_some_and(|id| is_blob_of(id, text)))
        .collect();
    let mut pending: HashMap<&str, Vec<usize>> = HashMap::new();
    for ((rel, _, slot), committed) in pages.iter().zip(committed) {
        if committed {
            pending.entry(rel.as_str()).or_default().push(*slot);
        }
    }
    if pending.is_empty() {
        return Some(Vec::new());
    }
    let times = last_changes(
        &repo,
        &shallow_commits(&repo, roots),
        head,
        pending.keys().copied(),
        MAX_COMMITS,
    );
    let mut dated = Vec::new();
    for (rel, slots) in pending {
        if let Some(&time) = times.get(rel) {
            dated.extend(slots.into_iter().map(|slot| (slot, time)));
        }
    }
    Some(dated)
}

/// Whether `text` as checked out is the blob `id`. Checkouts with
/// `core.autocrlf` or `eol=crlf` turn the blob's LF into CRLF.
fn is_blob_of(id: Oid, text: &str) -> bool {
    let hash = |bytes: &[u8]| Oid::hash_object(ObjectType::Blob, bytes).ok();
    hash(text.as_bytes()) == Some(id)
        || (text.contains("\r\n") && hash(text.replace("\r\n", "\n").as_bytes()) == Some(id))
}

/// The commits where a shallow clone's history is cut: they look like
/// root commits, but what they "add" may be far older.
fn shallow_commits(repo: &Repository, roots: &Trees) -> HashSet<Oid> {
    if !repo.is_shallow() {
        return HashSet::new();
    }
    let Ok((_, text)) = roots.read(&repo.commondir().join("shallow")) else {
        return HashSet::new();
    };
    text.lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// Repo-relative path → committer time (unix seconds) of the newest
/// first-parent commit from `head` whose tree differs from its parent's
/// at that path. Paths must exist at `head`. A path not found within
/// `limit` commits, or before an error or a shallow boundary, is
/// left out: what was found before is still right, since the walk goes
/// from newest to oldest.
pub(super) fn last_changes<'a>(
    repo: &Repository,
    shallow: &HashSet<Oid>,
    head: git2::Commit<'_>,
    paths: impl Iterator<Item = &'a str>,
    limit: usize,
) -> HashMap<String, i64> {
    let mut pending: HashSet<String> = paths.map(str::to_string).collect();
    // Every folder on the way to a pending page: the tree walk descends
    // only into these, so its work is bounded by the docs' own depth.
    let folders: HashSet<String> = pending
        .iter()
        .flat_map(|p| p.match_indices('/').map(move |(at, _)| p[..at].to_string()))
        .collect();
    let mut times = HashMap::new();
    let mut commit = head;
    for _ in 0..limit {
        let parent = match commit.parent_count() {
            0 if shallow.contains(&commit.id()) => break,
            0 => None,
            _ => match commit.parent(0) {
                Ok(parent) => Some(parent),
                Err(_) => break,
            },
        };
        let (Ok(tree), Ok(old)) = (commit.tree(), parent.as_ref().map(|p| p.tree()).transpose())
        else {
            break;
        };
        let mut changed = Vec::new();
        if changed_paths(repo, old.as_ref(), &tree, "", &folders, &mut changed).is_err() {
            break;
        }
        let time = commit.time().seconds();
        for path in changed {
            if pending.remove(&path) {
                times.insert(path, time);
            }
        }
        match parent {
            Some(parent) if !pending.is_empty() => commit = parent,
            _ => break,
        }
    }
    times
}

/// Files under `base` that differ between `old` (none: everything is
/// new) and `new`, descending only into `folders`. Deletions are not
/// reported: pending paths exist in the newer tree.
fn changed_paths(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
    base: &str,
    folders: &HashSet<String>,
    out: &mut Vec<String>,
) -> Result<(), git2::Error> {
    if old.is_some_and(|old| old.id() == new.id()) {
        return Ok(());
    }
    for entry in new.iter() {
        let Ok(name) = entry.name() else { continue };
        let before = old.and_then(|old| old.get_name(name));
        if before
            .as_ref()
            .is_some_and(|b| b.id() == entry.id() && b.filemode() == entry.filemode())
        {
            continue;
        }
        let path = if base.is_empty() {
            name.to_string()
        } else {
            format!("{base}/{name}")
        };
        match entry.kind() {
            Some(ObjectType::Tree) if folders.contains(&path) => {
                let before = match before.filter(|b| b.kind() == Some(ObjectType::Tree)) {
                    Some(b) => Some(repo.find_tree(b.id())?),
                    None => None,
                };
                let tree = repo.find_tree(entry.id())?;
                changed_paths(repo, before.as_ref(), &tree, &path, folders, out)?;
            }
            Some(ObjectType::Blob) => out.push(path),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::{Signature, Time};

    /// A repository in a fresh temporary folder (canonical path).
    fn repo() -> (tempfile::TempDir, PathBuf, Repository) {
        let dir = tempfile::tempdir().unwrap();
        let path = std::fs::canonicalize(dir.path()).unwrap();
        let repo = Repository::init(&path).unwrap();
        (dir, path, repo)
    }

    /// Writes `files` and commits them (on top of HEAD) at `time`.
    fn commit(repo: &Repository, files: &[(&str, &str)], time: i64) -> Oid {
        let workdir = repo.workdir().unwrap().to_path_buf();
        let mut index = repo.index().unwrap();
        for (path, text) in files {
            let full = workdir.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, text).unwrap();
            index.add_path(Path::new(path)).unwrap();
        }
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = Signature::new("Dev", "dev@example.com", &Time::new(time, 0)).unwrap();
        let parent = repo.head().ok().map(|h| h.peel_to_commit().unwrap());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        repo.commit(Some("HEAD"), &sig, &sig, "change", &tree, &parents)
            .unwrap()
    }

    fn changes(repo: &Repository, paths: &[&str], limit: usize) -> Vec<(String, i64)> {
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let shallow = HashSet::new();
        let mut found: Vec<_> = last_changes(repo, &shallow, head, paths.iter().copied(), limit)
            .into_iter()
            .collect();
        found.sort();
        found
    }

    fn roots(dir: &Path) -> Trees {
        let mut roots = Trees::default();
        roots.add_local(dir).unwrap();
        roots
    }

    #[test]
    fn newest_commit_touching_each_path() {
        let (_dir, _, repo) = repo();
        commit(
            &repo,
            &[("docs/a.md", "a"), ("docs/sub/b.md", "b"), ("x.txt", "1")],
            1_000,
        );
        commit(&repo, &[("docs/sub/b.md", "b2")], 2_000);
        commit(&repo, &[("x.txt", "2"), ("docs/c.md", "c")], 3_000);
        // Content back to an older state is still a change.
        commit(&repo, &[("docs/sub/b.md", "b")], 4_000);
        commit(&repo, &[("x.txt", "3")], 5_000);
        assert_eq!(
            changes(
                &repo,
                &["docs/a.md", "docs/sub/b.md", "docs/c.md"],
                MAX_COMMITS
            ),
            [
                ("docs/a.md".to_string(), 1_000),
                ("docs/c.md".to_string(), 3_000),
                ("docs/sub/b.md".to_string(), 4_000),
            ]
        );
        // The walk gives up after `limit` commits: a.md was last changed in
        // the fifth from HEAD.
        assert_eq!(
            changes(&repo, &["docs/a.md", "docs/c.md"], 4),
            [("docs/c.md".to_string(), 3_000)]
        );
    }

    #[test]
    fn a_shallow_boundary_dates_nothing() {
        let (_dir, path, repo) = repo();
        commit(&repo, &[("docs/a.md", "a"), ("docs/b.md", "b")], 1_000);
        let boundary = commit(&repo, &[("docs/b.md", "b2")], 2_000);
        commit(&repo, &[("docs/c.md", "c")], 3_000);
        // What `git clone --depth 2` leaves: the boundary's parents are
        // not there, so what it "adds" may be older than it.
        std::fs::write(path.join(".git/shallow"), format!("{boundary}\n")).unwrap();
        let repo = Repository::open(&path).unwrap();
        assert!(repo.is_shallow());
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let shallow = shallow_commits(&repo, &roots(&path));
        assert_eq!(shallow, HashSet::from([boundary]));
        let paths = ["docs/a.md", "docs/b.md", "docs/c.md"];
        let found = last_changes(&repo, &shallow, head, paths.into_iter(), MAX_COMMITS);
        assert_eq!(found, HashMap::from([("docs/c.md".to_string(), 3_000)]));
    }

    #[test]
    fn only_text_identical_to_the_committed_blob_is_dated() {
        let (_dir, _, repo) = repo();
        commit(&repo, &[("a.md", "one\ntwo\n")], 1_000);
        let tree = repo.head().unwrap().peel_to_tree().unwrap();
        let blob = tree.get_path(Path::new("a.md")).unwrap().id();
        assert!(is_blob_of(blob, "one\ntwo\n"));
        assert!(is_blob_of(blob, "one\r\ntwo\r\n"));
        assert!(!is_blob_of(blob, "one\ntwo\nthree\n"));
    }

    #[test]
    fn discovery_stays_inside_the_roots() {
        let (_dir, path, repo) = repo();
        commit(&repo, &[("site/docs/index.md", "x")], 1_000);
        let docs_root = path.join("site");
        // Root at the work tree, or above it: found.
        assert_eq!(discover(&docs_root, &roots(&path)), Some(path.clone()));
        // Root below the work tree: the repository is out of reach.
        assert_eq!(discover(&docs_root, &roots(&docs_root)), None);
    }

    #[test]
    fn git_files_and_alternates_must_not_leave_the_roots() {
        let (_dir, path, repo) = repo();
        commit(&repo, &[("a.md", "x")], 1_000);
        let outside = tempfile::tempdir().unwrap();
        let inner = path.join("inner");
        std::fs::create_dir_all(&inner).unwrap();
        // A `gitdir:` file naming a repository outside the roots.
        std::fs::write(
            inner.join(".git"),
            format!("gitdir: {}\n", path.join(".git").display()),
        )
        .unwrap();
        assert_eq!(discover(&inner, &roots(&inner)), None);
        // The same target inside the roots is what submodules and linked
        // work trees look like, and fine.
        assert_eq!(discover(&inner, &roots(&path)), Some(inner.clone()));
        std::fs::remove_file(inner.join(".git")).unwrap();
        // Borrowing objects from outside the roots.
        let alternates = path.join(".git/objects/info/alternates");
        std::fs::create_dir_all(alternates.parent().unwrap()).unwrap();
        std::fs::write(&alternates, format!("{}\n", outside.path().display())).unwrap();
        assert_eq!(discover(&path, &roots(&path)), None);
        std::fs::write(&alternates, "../../.git/objects\n").unwrap();
        assert_eq!(discover(&path, &roots(&path)), Some(path.clone()));
        // An alternate inside whose own alternates lead outside.
        let store = path.join("store/objects");
        std::fs::create_dir_all(store.join("info")).unwrap();
        std::fs::write(&alternates, format!("{}\n", store.display())).unwrap();
        assert_eq!(discover(&path, &roots(&path)), Some(path.clone()));
        std::fs::write(
            store.join("info/alternates"),
            format!("{}\n", outside.path().display()),
        )
        .unwrap();
        assert_eq!(discover(&path, &roots(&path)), None);
        std::fs::remove_file(store.join("info/alternates")).unwrap();
        // An alternates file that is a symlink out of the roots.
        #[cfg(unix)]
        {
            let list = outside.path().join("alternates");
            std::fs::write(&list, "../../.git/objects\n").unwrap();
            std::fs::remove_file(&alternates).unwrap();
            std::os::unix::fs::symlink(&list, &alternates).unwrap();
            assert_eq!(discover(&path, &roots(&path)), None);
        }
    }
}
