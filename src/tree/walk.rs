//! Walks over any source tree: glob expansion (Location targets),
//! descriptor search (`dir` locations, folder URLs), and plain walks (docs
//! folders, monorepo includes). Written once over [`SourceTree`], so a
//! git tree is walked by the same rules as a local folder.
//!
//! Folders reached through a symlink are not entered (as `find` without
//! `-L`); symlinks are listed, and whoever reads them resolves them, which
//! checks confinement.

use std::path::{Path, PathBuf};

use globset::GlobBuilder;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::{Entry, EntryKind, Kind, Trees};

/// Folders never crawled for descriptors: VCS data and dependency or
/// build trees, which hold other projects' catalog-info.yaml files.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "target"];

/// Entries one walk looks at, at most: a repository of millions of files
/// cannot stall a build. Past it the walk stops and says so.
pub const MAX_WALK_ENTRIES: usize = 1_000_000;

/// Folder depth the descriptor search goes to: a git tree has no path
/// length limit, and a hostile one nested a million deep must not
/// exhaust the stack.
pub const MAX_DEPTH: usize = 256;

/// What a walk found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Walked {
    /// Paths under the folder walked (as asked, not resolved), sorted.
    pub paths: Vec<PathBuf>,
    /// The walk stopped at [`MAX_WALK_ENTRIES`].
    pub truncated: bool,
}

pub fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// The literal folder of a glob pattern (before the first component with
/// glob characters) and the components after it.
pub(super) fn split_glob(pattern: &Path) -> (PathBuf, Vec<String>) {
    let text = pattern.to_string_lossy().replace('\\', "/");
    let mut base = PathBuf::from("/");
    let mut rest = Vec::new();
    let mut in_pattern = false;
    for part in text.split('/').filter(|p| !p.is_empty()) {
        if in_pattern || has_glob_chars(part) {
            in_pattern = true;
            rest.push(part.to_string());
        } else {
            base.push(part);
        }
    }
    (base, rest)
}

/// The state of one descriptor search.
struct Descent<'a> {
    names: &'a [String],
    /// The `.gitignore` matchers of the folders above.
    ignores: Vec<Gitignore>,
    /// Entries left to look at.
    budget: usize,
    found: &'a mut Walked,
}

/// The literal folder a glob pattern walks.
pub fn glob_base(pattern: &Path) -> PathBuf {
    split_glob(pattern).0
}

impl Trees {
    /// The entries of the resolved folder `resolved`, sorted by name.
    fn entries(&self, resolved: &Path) -> Vec<Entry> {
        let mut entries = self.tree_of(resolved).list(resolved).unwrap_or_default();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        entries
    }

    /// Every entry below `dir` up to `max_depth` levels (1: its own
    /// entries), except folders, with their kind; `skip(folder)` prunes.
    pub fn walk(
        &self,
        dir: &Path,
        max_depth: usize,
        skip: &dyn Fn(&Path) -> bool,
    ) -> (Vec<(PathBuf, EntryKind)>, bool) {
        let mut out = Vec::new();
        let Ok((resolved, Kind::Dir)) = self.resolve(dir) else {
            return (out, false);
        };
        let mut budget = MAX_WALK_ENTRIES;
        let mut stack = vec![(dir.to_path_buf(), resolved, 1usize)];
        while let Some((asked, resolved, depth)) = stack.pop() {
            for entry in self.entries(&resolved) {
                if budget == 0 {
                    return (out, true);
                }
                budget -= 1;
                let path = asked.join(&entry.name);
                match entry.kind {
                    EntryKind::Dir => {
                        if depth < max_depth && !skip(&path) {
                            stack.push((path, resolved.join(&entry.name), depth + 1));
                        }
                    }
                    kind => out.push((path, kind)),
                }
            }
        }
        out.sort();
        (out, false)
    }

    /// Expands a glob written as an absolute path pattern
    /// (`/a/b/**/*.yaml`), as the `glob` package used by Backstage does:
    /// `*`, `**`, `?`, `[..]`, `{a,b}`. Matches are sorted. Symlinked
    /// folders are not followed.
    pub fn expand_glob(&self, pattern: &Path) -> Result<Walked, String> {
        let (base, rest) = split_glob(pattern);
        if rest.is_empty() {
            return Ok(Walked {
                paths: if self.is_file(&base) {
                    vec![base]
                } else {
                    Vec::new()
                },
                truncated: false,
            });
        }
        let glob = GlobBuilder::new(&rest.join("/"))
            .literal_separator(true)
            .build()
            .map_err(|e| e.to_string())?
            .compile_matcher();
        let max_depth = if rest.iter().any(|p| p.contains("**")) {
            usize::MAX
        } else {
            rest.len()
        };
        let (entries, truncated) = self.walk(&base, max_depth, &|_| false);
        let paths = entries
            .into_iter()
            .map(|(path, _)| path)
            .filter(|path| path.strip_prefix(&base).is_ok_and(|rel| glob.is_match(rel)))
            .collect();
        Ok(Walked { paths, truncated })
    }

    /// Finds descriptor files under `root`: files named one of `names`,
    /// skipping [`SKIPPED_DIRS`] and whatever `.gitignore` files ignore
    /// (read through the tree, so confined like every read). Sorted, so
    /// crawl order (and so conflict resolution) is stable.
    pub fn find_descriptors(&self, root: &Path, names: &[String]) -> Walked {
        let mut found = Walked::default();
        let Ok((resolved, Kind::Dir)) = self.resolve(root) else {
            return found;
        };
        let mut walk = Descent {
            names,
            ignores: Vec::new(),
            budget: MAX_WALK_ENTRIES,
            found: &mut found,
        };
        self.descend(root, &resolved, 0, &mut walk);
        found.paths.sort();
        found
    }

    /// One folder of [`Trees::find_descriptors`], `depth` folders below
    /// its start.
    fn descend(&self, asked: &Path, resolved: &Path, depth: usize, walk: &mut Descent) {
        if depth > MAX_DEPTH {
            walk.found.truncated = true;
            return;
        }
        let entries = self.entries(resolved);
        let own = entries
            .iter()
            .any(|e| e.name == ".gitignore" && e.kind == EntryKind::File)
            .then(|| self.gitignore(asked, &resolved.join(".gitignore")));
        let pushed = own.is_some();
        walk.ignores.extend(own);
        for entry in entries {
            if walk.budget == 0 {
                walk.found.truncated = true;
                break;
            }
            walk.budget -= 1;
            let path = asked.join(&entry.name);
            let is_dir = entry.kind == EntryKind::Dir;
            if walk
                .ignores
                .iter()
                .any(|gi| gi.matched(&path, is_dir).is_ignore())
            {
                continue;
            }
            if is_dir {
                if !SKIPPED_DIRS.contains(&entry.name.as_str()) {
                    let next = resolved.join(&entry.name);
                    self.descend(&path, &next, depth + 1, walk);
                }
            } else if walk.names.contains(&entry.name) {
                walk.found.paths.push(path);
            }
        }
        if pushed {
            walk.ignores.pop();
        }
    }

    /// The matcher of one `.gitignore` (`resolved` is its resolved path),
    /// for paths under `dir` as walked.
    fn gitignore(&self, dir: &Path, resolved: &Path) -> Gitignore {
        let mut builder = GitignoreBuilder::new(dir);
        if let Ok(bytes) = self.tree_of(resolved).read(resolved, super::MAX_FILE_BYTES) {
            for line in String::from_utf8_lossy(&bytes).lines() {
                // A bad pattern is skipped, as git skips it.
                let _ = builder.add_line(None, line);
            }
        }
        builder.build().unwrap_or_else(|_| Gitignore::empty())
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn touch(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn trees(root: &Path) -> Trees {
        let mut trees = Trees::default();
        trees.add_local(root).unwrap();
        trees
    }

    #[test]
    fn descriptor_search_skips_dependency_trees_and_gitignored_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(&root.join("a/catalog-info.yaml"), "");
        touch(&root.join("a/node_modules/x/catalog-info.yaml"), "");
        touch(&root.join("a/.git/catalog-info.yaml"), "");
        touch(&root.join("b/target/catalog-info.yaml"), "");
        touch(&root.join("b/.gitignore"), "vendor/\n");
        touch(&root.join("b/vendor/catalog-info.yaml"), "");
        touch(&root.join("b/src/catalog-info.yaml"), "");
        touch(&root.join("b/src/other.yaml"), "");
        let found = trees(root).find_descriptors(root, &["catalog-info.yaml".to_string()]);
        let rel: Vec<_> = found
            .paths
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            rel,
            [
                PathBuf::from("a/catalog-info.yaml"),
                PathBuf::from("b/src/catalog-info.yaml")
            ]
        );
        assert!(!found.truncated);
    }

    #[test]
    fn globs_expand_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        touch(&root.join("g/b.yaml"), "");
        touch(&root.join("g/a.yaml"), "");
        touch(&root.join("g/sub/c.yaml"), "");
        touch(&root.join("g/a.txt"), "");
        let trees = trees(&root);
        let one = trees.expand_glob(&root.join("g/*.yaml")).unwrap().paths;
        assert_eq!(one, [root.join("g/a.yaml"), root.join("g/b.yaml")]);
        let all = trees.expand_glob(&root.join("g/**/*.yaml")).unwrap().paths;
        assert_eq!(all.len(), 3);
        let braces = trees.expand_glob(&root.join("g/{a,b}.*")).unwrap().paths;
        assert_eq!(braces.len(), 3);
        assert!(trees.expand_glob(&root.join("g/[.yaml")).is_err());
    }

    // A git tree may nest folders without limit; the search stops.
    #[test]
    fn descriptor_search_stops_at_a_depth() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        let deep: PathBuf = (0..MAX_DEPTH + 5).map(|_| "d").collect();
        touch(&root.join(&deep).join("catalog-info.yaml"), "");
        touch(&root.join("catalog-info.yaml"), "");
        let found = trees(&root).find_descriptors(&root, &["catalog-info.yaml".to_string()]);
        assert_eq!(found.paths, [root.join("catalog-info.yaml")]);
        assert!(found.truncated);
    }

    #[cfg(unix)]
    #[test]
    fn walks_do_not_enter_symlinked_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        touch(&root.join("real/catalog-info.yaml"), "");
        std::os::unix::fs::symlink(root.join("real"), root.join("link")).unwrap();
        let trees = trees(&root);
        let found = trees.find_descriptors(&root, &["catalog-info.yaml".to_string()]);
        assert_eq!(found.paths, [root.join("real/catalog-info.yaml")]);
        let (entries, _) = trees.walk(&root, usize::MAX, &|_| false);
        assert_eq!(
            entries,
            [
                (root.join("link"), EntryKind::Symlink),
                (root.join("real/catalog-info.yaml"), EntryKind::File)
            ]
        );
    }
}
