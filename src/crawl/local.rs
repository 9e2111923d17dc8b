//! The local filesystem: crawl roots and confinement, folder walks that
//! honour `.gitignore`, glob expansion, and size-limited reads.
//!
//! Every read of repository content goes through [`Roots::read`], so
//! confinement is decided in one place: the canonical path (symlinks
//! resolved) must lie inside one of the crawl roots.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use globset::GlobBuilder;
use ignore::gitignore::Gitignore;
use walkdir::WalkDir;

/// Descriptor and placeholder files larger than this are refused. Real
/// descriptors are kilobytes; inline API definitions reach a few hundred.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Folders never crawled by `dir` locations: VCS data and dependency or
/// build trees, which hold other projects' catalog-info.yaml files.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "target"];

/// The folders Backlot may read from.
#[derive(Debug, Clone, Default)]
pub struct Roots {
    roots: Vec<PathBuf>,
    /// Every path asked for while logging is on, found or not: what the
    /// crawl depends on, for `serve` to know when to crawl again.
    log: std::sync::Arc<ReadLog>,
}

#[derive(Debug, Default)]
struct ReadLog {
    on: std::sync::atomic::AtomicBool,
    paths: std::sync::Mutex<Vec<PathBuf>>,
}

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    NotFound,
    OutsideRoots(PathBuf),
    TooLarge(u64),
    NotUtf8,
    NotAFile,
    Io(std::io::Error),
}

impl Roots {
    /// Adds a root; it must exist (it is canonicalized).
    pub fn add(&mut self, dir: &Path) -> std::io::Result<PathBuf> {
        let canonical = fs::canonicalize(dir)?;
        if !self.roots.contains(&canonical) {
            self.roots.push(canonical.clone());
        }
        Ok(canonical)
    }

    /// The roots, canonical.
    pub fn paths(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Starts logging the paths asked for (shared by clones).
    pub fn start_log(&self) {
        self.log
            .on
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Stops logging; the paths asked for since [`Roots::start_log`], as
    /// asked (lexically normalized) and, when they exist, canonical.
    pub fn stop_log(&self) -> Vec<PathBuf> {
        self.log
            .on
            .store(false, std::sync::atomic::Ordering::Relaxed);
        let mut paths =
            std::mem::take(&mut *self.log.paths.lock().unwrap_or_else(|e| e.into_inner()));
        paths.sort();
        paths.dedup();
        paths
    }

    fn note(&self, path: &Path, canonical: Option<&Path>) {
        if self.log.on.load(std::sync::atomic::Ordering::Relaxed) {
            let mut paths = self.log.paths.lock().unwrap_or_else(|e| e.into_inner());
            paths.push(normalize(path));
            paths.extend(canonical.map(Path::to_path_buf));
        }
    }

    pub fn contains(&self, canonical: &Path) -> bool {
        self.roots.iter().any(|r| canonical.starts_with(r))
    }

    /// The root holding `canonical` (the longest match).
    pub fn root_of(&self, canonical: &Path) -> Option<&Path> {
        self.roots
            .iter()
            .filter(|r| canonical.starts_with(r))
            .max_by_key(|r| r.as_os_str().len())
            .map(PathBuf::as_path)
    }

    /// Resolves symlinks and checks confinement, without reading.
    pub fn confine(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let canonical = fs::canonicalize(path).map_err(|e| {
            self.note(path, None);
            match e.kind() {
                std::io::ErrorKind::NotFound => ReadError::NotFound,
                _ => ReadError::Io(e),
            }
        })?;
        self.note(path, Some(&canonical));
        if !self.contains(&canonical) {
            return Err(ReadError::OutsideRoots(canonical));
        }
        Ok(canonical)
    }

    /// Reads a UTF-8 text file inside the roots. Returns its canonical path.
    pub fn read(&self, path: &Path) -> Result<(PathBuf, String), ReadError> {
        let canonical = self.confine(path)?;
        let meta = fs::metadata(&canonical).map_err(ReadError::Io)?;
        if !meta.is_file() {
            return Err(ReadError::NotAFile);
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge(meta.len()));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        // `take` guards against a file that grows between stat and read.
        fs::File::open(&canonical)
            .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(ReadError::Io)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge(bytes.len() as u64));
        }
        let text = String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)?;
        Ok((canonical, text))
    }
}

/// Joins and normalizes `.` and `..` lexically (no filesystem access), so
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

pub fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// The literal folder of a glob pattern (before the first component with
/// glob characters) and the components after it.
fn split_glob(pattern: &Path) -> (PathBuf, Vec<String>) {
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

/// Whether [`expand_glob`] of `pattern` would list `path` (canonical) if
/// it existed. A pattern that does not compile matches everything: the
/// answer must never miss.
pub fn glob_matches(pattern: &Path, path: &Path) -> bool {
    let (base, rest) = split_glob(pattern);
    if rest.is_empty() {
        return path == base;
    }
    let Ok(glob) = GlobBuilder::new(&rest.join("/"))
        .literal_separator(true)
        .build()
    else {
        return true;
    };
    let glob = glob.compile_matcher();
    let canonical = fs::canonicalize(&base).unwrap_or_else(|_| base.clone());
    [base, canonical]
        .iter()
        .any(|b| path.strip_prefix(b).is_ok_and(|rel| glob.is_match(rel)))
}

/// Expands a glob written as an absolute path pattern (`/a/b/**/*.yaml`),
/// as the `glob` package used by Backstage does: `*`, `**`, `?`, `[..]`,
/// `{a,b}`. Matches are sorted. Symlinked folders are not followed.
pub fn expand_glob(pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let (base, rest) = split_glob(pattern);
    if rest.is_empty() {
        return Ok(if base.is_file() {
            vec![base]
        } else {
            Vec::new()
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
    let mut matches: Vec<PathBuf> = WalkDir::new(&base)
        .min_depth(1)
        .max_depth(max_depth)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .filter(|e| {
            e.path()
                .strip_prefix(&base)
                .is_ok_and(|rel| glob.is_match(rel))
        })
        .map(|e| e.into_path())
        .collect();
    matches.sort();
    Ok(matches)
}

/// Finds descriptor files under `root`: files named one of `names`,
/// skipping [`SKIPPED_DIRS`] and whatever `.gitignore` files ignore.
/// Sorted, so crawl order (and so conflict resolution) is stable.
pub fn find_descriptors(root: &Path, names: &[String]) -> Vec<PathBuf> {
    let skip = |e: &walkdir::DirEntry| {
        e.depth() > 0
            && e.file_type().is_dir()
            && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref())
    };
    // First pass: the .gitignore of every folder, so the second pass can
    // ask every ancestor's matcher about an entry.
    let mut ignores: HashMap<PathBuf, Gitignore> = HashMap::new();
    for entry in WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| !skip(e))
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file()
            && entry.file_name() == ".gitignore"
            && let Some(dir) = entry.path().parent()
        {
            let (gi, _err) = Gitignore::new(entry.path());
            ignores.insert(dir.to_path_buf(), gi);
        }
    }
    let ignored = |path: &Path, is_dir: bool| {
        path.ancestors().skip(1).any(|dir| {
            dir.starts_with(root)
                && ignores
                    .get(dir)
                    .is_some_and(|gi| gi.matched(path, is_dir).is_ignore())
        })
    };
    let mut found: Vec<PathBuf> = WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| {
            !skip(e) && (e.depth() == 0 || !ignored(e.path(), e.file_type().is_dir()))
        })
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .filter(|e| names.iter().any(|n| e.file_name() == n.as_str()))
        .map(|e| e.into_path())
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn walk_skips_dependency_trees_and_gitignored_paths() {
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
        let found = find_descriptors(root, &["catalog-info.yaml".to_string()]);
        let rel: Vec<_> = found
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
    }

    #[test]
    fn globs_expand_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        touch(&root.join("g/b.yaml"), "");
        touch(&root.join("g/a.yaml"), "");
        touch(&root.join("g/sub/c.yaml"), "");
        touch(&root.join("g/a.txt"), "");
        let one = expand_glob(&root.join("g/*.yaml")).unwrap();
        assert_eq!(one, [root.join("g/a.yaml"), root.join("g/b.yaml")]);
        let all = expand_glob(&root.join("g/**/*.yaml")).unwrap();
        assert_eq!(all.len(), 3);
        let braces = expand_glob(&root.join("g/{a,b}.*")).unwrap();
        assert_eq!(braces.len(), 3);
    }

    #[test]
    fn glob_matches_what_expand_glob_would_list_even_before_it_exists() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        let pattern = root.join("extra/*.entity");
        assert!(glob_matches(&pattern, &root.join("extra/new.entity")));
        assert!(!glob_matches(
            &pattern,
            &root.join("extra/deeper/new.entity")
        ));
        assert!(!glob_matches(&pattern, &root.join("extra/new.yaml")));
        let deep = root.join("teams/**/*.yaml");
        assert!(glob_matches(&deep, &root.join("teams/a/b/c.yaml")));
        touch(&root.join("extra/new.entity"), "x: 1");
        assert_eq!(
            expand_glob(&pattern).unwrap(),
            [root.join("extra/new.entity")]
        );
    }

    #[test]
    fn reads_are_confined_to_roots() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        touch(&root.join("in.yaml"), "x: 1");
        touch(&dir.path().join("secret.yaml"), "x: 1");
        let mut roots = Roots::default();
        roots.add(&root).unwrap();
        assert!(roots.read(&root.join("in.yaml")).is_ok());
        assert!(matches!(
            roots.read(&root.join("../secret.yaml")),
            Err(ReadError::OutsideRoots(_))
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/passwd", root.join("link.yaml")).unwrap();
            assert!(matches!(
                roots.read(&root.join("link.yaml")),
                Err(ReadError::OutsideRoots(_))
            ));
        }
    }

    #[test]
    fn non_utf8_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut roots = Roots::default();
        roots.add(dir.path()).unwrap();
        fs::write(dir.path().join("bin.yaml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
        assert!(matches!(
            roots.read(&dir.path().join("bin.yaml")),
            Err(ReadError::NotUtf8)
        ));
        assert!(matches!(
            roots.read(&dir.path().join("nope.yaml")),
            Err(ReadError::NotFound)
        ));
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(normalize(Path::new("/a/../../etc")), PathBuf::from("/etc"));
    }
}
