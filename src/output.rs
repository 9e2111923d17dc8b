//! The built site as data ([`OutputSet`]: path → bytes), and writing it to
//! disk atomically.
//!
//! `build` never touches the previous site until the new one is complete:
//! it writes into a staging folder beside `--out`, then swaps with renames.
//! A failed or killed build leaves the old site as it was (unlike tools
//! that empty the output folder first, e.g. getzola/zola#574).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

/// Every file of the site, keyed by its path relative to the site root,
/// with `/` separators (`catalog/default/component/foo/index.html`).
/// Contents are shared: `serve` publishes a new set after each rebuild
/// that mostly holds the previous one's files, and cloning a set costs its
/// paths, not its gigabyte of pages.
#[derive(Debug, Default, Clone)]
pub struct OutputSet {
    files: BTreeMap<String, Arc<Vec<u8>>>,
}

impl OutputSet {
    pub fn new() -> OutputSet {
        OutputSet::default()
    }

    /// Adds a file. Paths are produced by Backlot (never taken verbatim from
    /// input) and must be relative and free of `..`; that is checked here
    /// once more so no input can ever make a write escape the site folder.
    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.insert_shared(path, Arc::new(bytes.into()));
    }

    /// Adds a file whose contents another set (or a cache) also holds.
    pub fn insert_shared(&mut self, path: impl Into<String>, bytes: Arc<Vec<u8>>) {
        let path = path.into();
        assert!(is_safe_relative(&path), "unsafe output path {path:?}");
        self.files.insert(path, bytes);
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(|b| b.as_slice())
    }

    pub fn get_shared(&self, path: &str) -> Option<&Arc<Vec<u8>>> {
        self.files.get(path)
    }

    pub fn remove(&mut self, path: &str) {
        self.files.remove(path);
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    pub fn extend(&mut self, other: OutputSet) {
        self.files.extend(other.files);
    }

    /// Total size in bytes.
    pub fn total_bytes(&self) -> usize {
        self.files.values().map(|b| b.len()).sum()
    }
}

fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains('\0')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != ".." && seg != ".")
}

/// Writes `site` to `out` atomically: staging folder, then rename swap.
pub fn write_atomic(site: &OutputSet, out: &Path) -> Result<()> {
    let out = absolute(out)?;
    let parent = out
        .parent()
        .with_context(|| format!("output folder {} has no parent folder", out.display()))?;
    fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let name = out
        .file_name()
        .with_context(|| format!("output folder {} has no name", out.display()))?
        .to_string_lossy()
        .into_owned();
    if out.exists() && !out.is_dir() {
        bail!("output path {} exists and is not a folder", out.display());
    }

    let staging = parent.join(format!(".{name}.backlot-staging-{}", std::process::id()));
    let old = parent.join(format!(".{name}.backlot-old-{}", std::process::id()));
    // Leftovers of a killed build; they are ours (the prefix is specific).
    remove_stale(parent, &name)?;

    let result = write_tree(site, &staging);
    if let Err(err) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(err);
    }
    if out.exists() {
        fs::rename(&out, &old)
            .with_context(|| format!("moving old site {} aside", out.display()))?;
        if let Err(err) = fs::rename(&staging, &out) {
            // Put the old site back so the user is never left without one.
            let _ = fs::rename(&old, &out);
            let _ = fs::remove_dir_all(&staging);
            return Err(err).with_context(|| format!("moving new site into {}", out.display()));
        }
        fs::remove_dir_all(&old).with_context(|| format!("removing old site {}", old.display()))?;
    } else {
        fs::rename(&staging, &out)
            .with_context(|| format!("moving new site into {}", out.display()))?;
    }
    Ok(())
}

fn write_tree(site: &OutputSet, root: &Path) -> Result<()> {
    fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
    // Create folders first (sequentially, few), then write files in parallel.
    let mut dirs: Vec<PathBuf> = site
        .files
        .keys()
        .filter_map(|p| Path::new(p).parent().map(|d| root.join(d)))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in &dirs {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    site.files.par_iter().try_for_each(|(path, bytes)| {
        let target = root.join(path);
        fs::write(&target, bytes.as_slice())
            .with_context(|| format!("writing {}", target.display()))
    })
}

fn remove_stale(parent: &Path, name: &str) -> Result<()> {
    let prefixes = [
        format!(".{name}.backlot-staging-"),
        format!(".{name}.backlot-old-"),
    ];
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| file_name.starts_with(p)) {
            let path = entry.path();
            fs::remove_dir_all(&path)
                .with_context(|| format!("removing stale {}", path.display()))?;
        }
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()
            .context("reading the current folder")?
            .join(path))
    }
}

/// A value as JSON text safe to embed in HTML or JavaScript: `<`, `>`, `&`,
/// U+2028 and U+2029 become `\uXXXX`. The JSON means the same, but no
/// field can close a `<script>` element, open an HTML comment, or end a
/// JavaScript line, even if a file is served with the wrong content type.
/// serde_json never writes these characters outside strings, so replacing
/// them anywhere is exact.
pub fn script_json(value: &(impl serde::Serialize + ?Sized)) -> String {
    let json = serde_json::to_string(value).expect("JSON values always serialize");
    let special = |c: char| matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}');
    if !json.contains(special) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 64);
    let mut rest = json.as_str();
    while let Some(at) = rest.find(special) {
        out.push_str(&rest[..at]);
        let c = rest[at..].chars().next().expect("found a character");
        out.push_str(match c {
            '<' => "\\u003c",
            '>' => "\\u003e",
            '&' => "\\u0026",
            '\u{2028}' => "\\u2028",
            _ => "\\u2029",
        });
        rest = &rest[at + c.len_utf8()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_a_script_or_end_a_line() {
        assert_eq!(
            script_json("</script><!--&\u{2028}x\u{2029}"),
            "\"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028x\\u2029\""
        );
        assert_eq!(script_json("plain ☃"), "\"plain ☃\"");
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in ["", "/etc/passwd", "a/../../b", "a//b", "./a", "a\\b"] {
            assert!(!is_safe_relative(bad), "{bad}");
        }
        assert!(is_safe_relative("catalog/default/component/a.b/index.html"));
    }

    #[test]
    fn swap_replaces_old_site_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("stale.html"), "old").unwrap();
        let mut site = OutputSet::new();
        site.insert("index.html", "new");
        site.insert("catalog/index.html", "cat");
        write_atomic(&site, &out).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "new");
        assert!(!out.join("stale.html").exists());
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("public")]);
    }
}
