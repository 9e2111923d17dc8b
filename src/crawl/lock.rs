//! `backlot.lock`: the commit each repository was built at.
//!
//! A plain `build` resolves every ref again and writes the lock; `build
//! --locked` builds exactly the commits it names. The file is YAML,
//! sorted, with one line per field, so that it diffs well when committed:
//!
//! ```yaml
//! # backlot.lock: the commit each repository was built at.
//! version: 1
//! repositories:
//!   - url: "github.com/acme/payments"
//!     ref: "main"
//!     commit: "3f2a…"
//! ```
//!
//! `url` is the repository's identity (a forge repository's host and path,
//! else its URL without credentials), `ref` the ref as the location asked
//! for it (`HEAD`: the remote's default branch).

use std::path::Path;

use crate::model::yaml::{self, Node};
use crate::source::FileId;

/// The lock file's name, next to backlot.yaml.
pub const FILE_NAME: &str = "backlot.lock";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    /// Sorted.
    pub entries: Vec<LockEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LockEntry {
    pub url: String,
    pub git_ref: String,
    pub commit: String,
}

impl Lock {
    /// The commit locked for `url` at `git_ref`.
    pub fn commit_of(&self, url: &str, git_ref: &str) -> Option<String> {
        self.entries
            .iter()
            .find(|e| e.url == url && e.git_ref == git_ref)
            .map(|e| e.commit.clone())
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut text = String::from(
            "# backlot.lock: the commit each repository was built at. Written by\n\
             # `backlot build`; `backlot build --locked` builds exactly these.\n\
             version: 1\n",
        );
        if self.entries.is_empty() {
            text.push_str("repositories: []\n");
            return text;
        }
        text.push_str("repositories:\n");
        // JSON strings are YAML strings, and escape whatever a URL holds.
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
        for e in &self.entries {
            text.push_str(&format!(
                "  - url: {}\n    ref: {}\n    commit: {}\n",
                quote(&e.url),
                quote(&e.git_ref),
                quote(&e.commit)
            ));
        }
        text
    }

    /// Reads a lock's text; the error says what is wrong, with its line.
    pub fn parse(text: &str) -> Result<Lock, String> {
        let node = yaml::parse_single(text, FileId(0)).map_err(|d| {
            let line = d.span.map(|s| s.start.line).unwrap_or(1);
            format!("line {line}: {}", d.message)
        })?;
        let at = |n: &Node| n.span.start.line;
        if node.get("version").and_then(Node::as_str).is_none()
            && !matches!(
                node.get("version").map(|v| &v.value),
                Some(yaml::Value::Int(1))
            )
        {
            return Err(format!("line {}: `version: 1` is missing", at(&node)));
        }
        let mut entries = Vec::new();
        let list = node
            .get("repositories")
            .and_then(Node::as_seq)
            .ok_or_else(|| format!("line {}: `repositories` must be a list", at(&node)))?;
        for item in list {
            let field = |key: &str| {
                item.get(key)
                    .and_then(Node::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| format!("line {}: `{key}` is missing", at(item)))
            };
            entries.push(LockEntry {
                url: field("url")?,
                git_ref: field("ref")?,
                commit: field("commit")?,
            });
        }
        entries.sort();
        Ok(Lock { entries })
    }

    /// Reads the lock at `path`: `Ok(None)` when there is none.
    pub fn read(path: &Path) -> Result<Option<Lock>, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Lock::parse(&text)
                .map(Some)
                .map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Writes the lock at `path` unless it holds this text already
    /// (through a temporary file: never half written). Returns whether it
    /// wrote.
    pub fn write(&self, path: &Path) -> std::io::Result<bool> {
        let text = self.to_text();
        if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
            return Ok(false);
        }
        if let Some(dir) = path.parent() {
            crate::atomic::remove_stale_temps(dir, |name| name == FILE_NAME);
        }
        crate::atomic::write(path, text.as_bytes())?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: &str, git_ref: &str, commit: &str) -> LockEntry {
        LockEntry {
            url: url.to_string(),
            git_ref: git_ref.to_string(),
            commit: commit.to_string(),
        }
    }

    #[test]
    fn round_trips_sorted() {
        let lock = Lock {
            entries: vec![
                entry("github.com/acme/a", "HEAD", "1111"),
                entry("github.com/acme/b", "feature/\"x\"", "2222"),
            ],
        };
        let text = lock.to_text();
        assert_eq!(Lock::parse(&text).unwrap(), lock);
        assert!(text.contains("    ref: \"feature/\\\"x\\\"\"\n"), "{text}");
        assert_eq!(
            lock.commit_of("github.com/acme/b", "feature/\"x\""),
            Some("2222".into())
        );
        assert_eq!(lock.commit_of("github.com/acme/b", "main"), None);
        let empty = Lock::default();
        assert_eq!(Lock::parse(&empty.to_text()).unwrap(), empty);
    }

    #[test]
    fn damaged_locks_say_where() {
        let err =
            Lock::parse("version: 1\nrepositories:\n  - url: x\n    ref: main\n").unwrap_err();
        assert_eq!(err, "line 3: `commit` is missing");
        assert!(
            Lock::parse("repositories: []\n")
                .unwrap_err()
                .contains("version")
        );
        assert!(Lock::parse("version: 1\nrepositories: {}\n").is_err());
        assert!(Lock::parse("version: 1\n  bad: [\n").is_err());
    }

    #[test]
    fn writing_the_same_lock_leaves_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let lock = Lock {
            entries: vec![entry("u", "HEAD", "c")],
        };
        assert!(lock.write(&path).unwrap());
        assert!(!lock.write(&path).unwrap());
        assert_eq!(Lock::read(&path).unwrap(), Some(lock));
        assert_eq!(Lock::read(&dir.path().join("none")).unwrap(), None);
    }
}
