//! The local file system as a source tree: the local roots (the folder
//! of backlot.yaml and each `dir` location's folder).
//!
//! A path resolves to its canonical path (symlinks followed by the OS),
//! which must lie inside one of the roots: a symlink from one root into
//! another is fine, one out of every root is refused.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use globset::GlobBuilder;

use super::{Entry, EntryKind, Kind, ReadError, SourceTree};

/// The local roots.
#[derive(Debug, Clone, Default)]
pub struct LocalFs {
    roots: Vec<PathBuf>,
}

impl LocalFs {
    /// Adds a root; it must exist (it is canonicalized).
    pub fn add(&mut self, dir: &Path) -> std::io::Result<PathBuf> {
        let canonical = fs::canonicalize(dir)?;
        if !self.roots.contains(&canonical) {
            self.roots.push(canonical.clone());
        }
        Ok(canonical)
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
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
}

impl SourceTree for LocalFs {
    fn resolve(&self, path: &Path) -> Result<(PathBuf, Kind), ReadError> {
        let canonical = fs::canonicalize(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Io(e),
        })?;
        if !self.contains(&canonical) {
            return Err(ReadError::OutsideRoots(canonical));
        }
        let meta = fs::metadata(&canonical).map_err(ReadError::Io)?;
        let kind = if meta.is_dir() {
            Kind::Dir
        } else if meta.is_file() {
            Kind::File
        } else {
            return Err(ReadError::NotAFile);
        };
        Ok((canonical, kind))
    }

    fn read(&self, resolved: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
        let meta = fs::metadata(resolved).map_err(ReadError::Io)?;
        if meta.len() > limit {
            return Err(ReadError::TooLarge(meta.len()));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        // `take` guards against a file that grows between stat and read.
        fs::File::open(resolved)
            .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
            .map_err(ReadError::Io)?;
        if bytes.len() as u64 > limit {
            return Err(ReadError::TooLarge(bytes.len() as u64));
        }
        Ok(bytes)
    }

    fn list(&self, resolved: &Path) -> Result<Vec<Entry>, ReadError> {
        let mut entries = Vec::new();
        for entry in fs::read_dir(resolved).map_err(ReadError::Io)? {
            let Ok(entry) = entry else { continue };
            // Names that are not UTF-8 cannot be named by a descriptor,
            // a nav or a link: such files do not exist for a portal.
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            // Not following symlinks: walks decide what to do with them.
            let kind = match entry.file_type() {
                Ok(t) if t.is_symlink() => EntryKind::Symlink,
                Ok(t) if t.is_dir() => EntryKind::Dir,
                Ok(t) if t.is_file() => EntryKind::File,
                _ => EntryKind::Other,
            };
            entries.push(Entry { name, kind });
        }
        Ok(entries)
    }
}

/// Whether expanding the glob `pattern` (an absolute path pattern) would
/// list `path` (canonical, local) if it existed. A pattern that does not
/// compile matches everything: the answer must never miss. (`serve` asks
/// this of changed files.)
pub fn glob_matches(pattern: &Path, path: &Path) -> bool {
    let (base, rest) = super::walk::split_glob(pattern);
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

#[cfg(test)]
mod tests {
    use super::super::Trees;
    use super::*;

    fn touch(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn reads_are_confined_to_roots() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        touch(&root.join("in.yaml"), "x: 1");
        touch(&dir.path().join("secret.yaml"), "x: 1");
        let mut trees = Trees::default();
        trees.add_local(&root).unwrap();
        assert!(trees.read(&root.join("in.yaml")).is_ok());
        assert!(matches!(
            trees.read(&root.join("../secret.yaml")),
            Err(ReadError::OutsideRoots(_))
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/passwd", root.join("link.yaml")).unwrap();
            assert!(matches!(
                trees.read(&root.join("link.yaml")),
                Err(ReadError::OutsideRoots(_))
            ));
        }
    }

    #[test]
    fn non_utf8_missing_and_oversized_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut trees = Trees::default();
        trees.add_local(dir.path()).unwrap();
        fs::write(dir.path().join("bin.yaml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
        assert!(matches!(
            trees.read(&dir.path().join("bin.yaml")),
            Err(ReadError::NotUtf8)
        ));
        assert!(matches!(
            trees.read(&dir.path().join("nope.yaml")),
            Err(ReadError::NotFound)
        ));
        fs::write(dir.path().join("big.bin"), vec![b'x'; 10]).unwrap();
        assert!(matches!(
            trees.read_bytes(&dir.path().join("big.bin"), 9),
            Err(ReadError::TooLarge(10))
        ));
        assert!(matches!(trees.read(dir.path()), Err(ReadError::NotAFile)));
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
        let mut trees = Trees::default();
        trees.add_local(&root).unwrap();
        assert_eq!(
            trees.expand_glob(&pattern).unwrap().paths,
            [root.join("extra/new.entity")]
        );
    }
}
