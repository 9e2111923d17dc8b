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
    write_atomic_reusing(site, out, None).map(|_| ())
}

/// How a write went: files written, and files kept from the previous site.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub kept: usize,
}

/// [`write_atomic`], keeping unchanged files: with a cache folder, a file
/// whose content is what the previous build wrote there (its manifest
/// says so, and the file was not touched since) is hard-linked from the
/// previous site into the new one instead of written again. A portal of
/// 20,000 files where one repository changed then writes a few dozen. The
/// result is the same bytes as a clean write; the manifest is then
/// replaced by the new one.
pub fn write_atomic_reusing(site: &OutputSet, out: &Path, cache: Option<&Path>) -> Result<Written> {
    let out = absolute(out)?;
    let manifest = cache.map(|dir| Manifest::load(dir, &out));
    let mut written = Written::default();
    let mut hashes = Vec::new();
    write_swap(&out, |staging| {
        (written, hashes) = write_tree(site, staging, &out, manifest.as_ref())?;
        Ok(())
    })?;
    if let (Some(dir), Some(manifest)) = (cache, manifest) {
        // The manifest only saves time: a failure to write it costs the
        // next build its shortcut, nothing else.
        let _ = manifest
            .record(site, &hashes, &out)
            .and_then(|m| m.save(dir));
    }
    Ok(written)
}

/// The output folder of the previous `build --cache-dir`, as its manifest
/// describes it.
pub struct Previous {
    manifest: Manifest,
}

impl Previous {
    /// The previous site in `out`, if `cache` holds its manifest.
    pub fn open(cache: &Path, out: &Path) -> Result<Option<Previous>> {
        let manifest = Manifest::load(cache, &absolute(out)?);
        Ok((!manifest.files.is_empty()).then_some(Previous { manifest }))
    }

    /// The bytes of the previous site's `path` when the file holds what
    /// that build wrote: content that hashes as the manifest recorded,
    /// under its secret key (so also in a copy restored by a CI cache, with
    /// new times and inodes).
    pub fn unchanged_file(&self, path: &str) -> Option<Vec<u8>> {
        let stamp = self.manifest.files.get(path)?;
        let bytes = fs::read(self.manifest.out.join(path)).ok()?;
        (bytes.len() as u64 == stamp.len && self.manifest.hash(&bytes) == stamp.hash)
            .then_some(bytes)
    }
}

/// Writes a new site with `write` into a staging folder beside `out`, then
/// swaps it in.
///
/// `out` always holds a complete site, the old one or the new: the two
/// folders are exchanged in one system call (`renameat2` with
/// `RENAME_EXCHANGE` on Linux, `renamex_np` on macOS). Where the file
/// system cannot exchange, the old site is renamed aside and the new one
/// into place, and a build killed between the two leaves the old site
/// aside, which the next build puts back first. One build at a time holds
/// `.<out>.backlot.lock` (an advisory lock the OS releases when a build
/// dies), so what it finds of another build's folders is stale.
fn write_swap(out: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
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
    let lock_path = parent.join(format!(".{name}.backlot.lock"));
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("creating {}", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("locking {}", lock_path.display()))?;

    let staging = parent.join(format!(".{name}.backlot-staging-{}", std::process::id()));
    let old = parent.join(format!(".{name}.backlot-old-{}", std::process::id()));
    recover(parent, &name, out)?;

    let result = write(&staging);
    if let Err(err) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(err);
    }
    if out.exists() {
        match exchange(&staging, out) {
            // `staging` now holds the old site.
            Ok(()) => fs::remove_dir_all(&staging)
                .with_context(|| format!("removing old site {}", staging.display()))?,
            Err(_) => {
                fs::rename(out, &old)
                    .with_context(|| format!("moving old site {} aside", out.display()))?;
                if let Err(err) = fs::rename(&staging, out) {
                    // Put the old site back so the user is never left without one.
                    let _ = fs::rename(&old, out);
                    let _ = fs::remove_dir_all(&staging);
                    return Err(err)
                        .with_context(|| format!("moving new site into {}", out.display()));
                }
                fs::remove_dir_all(&old)
                    .with_context(|| format!("removing old site {}", old.display()))?;
            }
        }
    } else {
        fs::rename(&staging, out)
            .with_context(|| format!("moving new site into {}", out.display()))?;
    }
    Ok(())
}

/// Exchanges two folders in one system call, where the system can.
#[cfg(any(target_os = "linux", target_os = "macos"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// What builds killed midway left beside `out`: a site moved aside with no
/// site in `out` is put back; every other staging or old folder is
/// removed. Runs under the output lock, so none is another build's.
fn recover(parent: &Path, name: &str, out: &Path) -> Result<()> {
    let prefixes = [
        format!(".{name}.backlot-staging-"),
        format!(".{name}.backlot-old-"),
    ];
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let mut stale: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let file_name = e.file_name().to_string_lossy().into_owned();
            prefixes.iter().any(|p| file_name.starts_with(p))
        })
        .map(|e| e.path())
        .collect();
    stale.sort();
    if !out.exists()
        && let Some(at) = stale.iter().position(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefixes[1]))
        })
    {
        let old = stale.remove(at);
        fs::rename(&old, out)
            .with_context(|| format!("putting the site {} back", old.display()))?;
    }
    for path in stale {
        fs::remove_dir_all(&path).with_context(|| format!("removing stale {}", path.display()))?;
    }
    Ok(())
}

fn write_tree(
    site: &OutputSet,
    root: &Path,
    previous: &Path,
    manifest: Option<&Manifest>,
) -> Result<(Written, Vec<u128>)> {
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
    // Per file: whether it was kept, and its hash for the next manifest.
    let done: Vec<(bool, u128)> = site
        .files
        .par_iter()
        .map(|(path, bytes)| -> Result<(bool, u128)> {
            let target = root.join(path);
            let hash = manifest.map_or(0, |m| m.hash(bytes));
            if let Some(manifest) = manifest
                && manifest.unchanged(path, bytes, hash, &previous.join(path))
                && fs::hard_link(previous.join(path), &target).is_ok()
            {
                return Ok((true, hash));
            }
            fs::write(&target, bytes.as_slice())
                .with_context(|| format!("writing {}", target.display()))?;
            Ok((false, hash))
        })
        .collect::<Result<_>>()?;
    let kept = done.iter().filter(|(kept, _)| *kept).count();
    let written = Written {
        written: site.files.len() - kept,
        kept,
    };
    Ok((written, done.into_iter().map(|(_, hash)| hash).collect()))
}

/// What a build with a cache folder wrote into an output folder: per file
/// its length, a keyed hash of its content, and what the file system said
/// of it right after (modification time, inode), so that a later change to
/// the file is noticed.
///
/// The hash is SipHash-1-3 (128 bits) under a random key kept in the
/// manifest: the content comes from repositories, and without the key no
/// one can make a changed file hash like the one it replaces. Format
/// (`output.manifest`, text): a header line `backlot-output-manifest 1
/// <key hex> <output folder>`, then one line per file: `<hash hex> <len>
/// <mtime ns> <inode> <path>`. Anything malformed means no manifest.
pub struct Manifest {
    key: (u64, u64),
    out: PathBuf,
    files: std::collections::HashMap<String, Stamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    hash: u128,
    len: u64,
    mtime: i128,
    inode: u64,
}

const MANIFEST: &str = "output.manifest";
const MANIFEST_HEADER: &str = "backlot-output-manifest 1";

impl Manifest {
    /// The manifest of `out` in `dir`, or an empty one (with a new key).
    fn load(dir: &Path, out: &Path) -> Manifest {
        // What a build killed while saving left.
        crate::atomic::remove_stale_temps(dir, |name| name == MANIFEST);
        let empty = || {
            use std::hash::{BuildHasher, Hasher};
            let random = || {
                std::collections::hash_map::RandomState::new()
                    .build_hasher()
                    .finish()
            };
            Manifest {
                key: (random(), random()),
                out: out.to_path_buf(),
                files: Default::default(),
            }
        };
        let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
            return empty();
        };
        Manifest::parse(&text, out).unwrap_or_else(empty)
    }

    fn parse(text: &str, out: &Path) -> Option<Manifest> {
        let mut lines = text.lines();
        let header = lines
            .next()?
            .strip_prefix(MANIFEST_HEADER)?
            .strip_prefix(' ')?;
        let (key, folder) = header.split_once(' ')?;
        if Path::new(folder) != out || key.len() != 32 {
            return None;
        }
        let key = (
            u64::from_str_radix(&key[..16], 16).ok()?,
            u64::from_str_radix(&key[16..], 16).ok()?,
        );
        let mut files = std::collections::HashMap::new();
        for line in lines {
            let mut fields = line.splitn(5, ' ');
            let stamp = Stamp {
                hash: u128::from_str_radix(fields.next()?, 16).ok()?,
                len: fields.next()?.parse().ok()?,
                mtime: fields.next()?.parse().ok()?,
                inode: fields.next()?.parse().ok()?,
            };
            files.insert(fields.next()?.to_string(), stamp);
        }
        Some(Manifest {
            key,
            out: out.to_path_buf(),
            files,
        })
    }

    fn hash(&self, bytes: &[u8]) -> u128 {
        use siphasher::sip128::{Hasher128, SipHasher13};
        use std::hash::Hasher;
        let mut h = SipHasher13::new_with_keys(self.key.0, self.key.1);
        h.write(bytes);
        h.finish128().as_u128()
    }

    /// Whether `file` (the previous site's `path`) holds exactly `bytes`:
    /// known without reading it when it is the file this manifest
    /// recorded (same length, time and inode) with the same content hash
    /// (`hash`, of `bytes`); otherwise (a cache restored elsewhere, a file touched since) by
    /// comparing its bytes.
    fn unchanged(&self, path: &str, bytes: &[u8], hash: u128, file: &Path) -> bool {
        let Ok(meta) = fs::symlink_metadata(file) else {
            return false;
        };
        if !meta.is_file() || meta.len() != bytes.len() as u64 {
            return false;
        }
        if let Some(stamp) = self.files.get(path)
            && stamp_of(&meta, stamp.hash) == *stamp
        {
            return stamp.hash == hash;
        }
        fs::read(file).is_ok_and(|old| old == bytes)
    }

    /// The manifest of `site` as just written to `out`.
    /// `hashes`: of the site's files, in order.
    fn record(self, site: &OutputSet, hashes: &[u128], out: &Path) -> Result<Manifest> {
        let entries: Vec<(&String, &u128)> = site.files.keys().zip(hashes).collect();
        let files = entries
            .par_iter()
            .map(|(path, hash)| {
                let file = out.join(path);
                let meta = fs::symlink_metadata(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                Ok(((*path).clone(), stamp_of(&meta, **hash)))
            })
            .collect::<Result<_>>()?;
        Ok(Manifest { files, ..self })
    }

    fn save(&self, dir: &Path) -> Result<()> {
        use std::fmt::Write as _;
        let mut text = format!(
            "{MANIFEST_HEADER} {:016x}{:016x} {}\n",
            self.key.0,
            self.key.1,
            self.out.display()
        );
        let mut paths: Vec<&String> = self.files.keys().collect();
        paths.sort();
        for path in paths {
            let s = &self.files[path];
            let _ = writeln!(
                text,
                "{:032x} {} {} {} {path}",
                s.hash, s.len, s.mtime, s.inode
            );
        }
        fs::create_dir_all(dir)?;
        crate::atomic::write(&dir.join(MANIFEST), text.as_bytes())?;
        Ok(())
    }
}

/// Length, modification time and inode of a file, with `hash`.
fn stamp_of(meta: &fs::Metadata, hash: u128) -> Stamp {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0;
    Stamp {
        hash,
        len: meta.len(),
        mtime,
        inode,
    }
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
    fn manifests_round_trip_and_refuse_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut site = OutputSet::new();
        site.insert("index.html", "home");
        site.insert("docs/a b/index.html", "a page with a space in its path");
        let written = write_atomic_reusing(&site, &out, Some(dir.path())).unwrap();
        assert_eq!(
            written,
            Written {
                written: 2,
                kept: 0
            }
        );
        let loaded = Manifest::load(dir.path(), &out);
        assert_eq!(loaded.files.len(), 2);
        assert!(loaded.files.contains_key("docs/a b/index.html"));
        // Written again: both kept, through the manifest.
        let written = write_atomic_reusing(&site, &out, Some(dir.path())).unwrap();
        assert_eq!(
            written,
            Written {
                written: 0,
                kept: 2
            }
        );
        // Another output folder, a bad header or a bad line: no manifest.
        assert!(
            Manifest::load(dir.path(), &dir.path().join("other"))
                .files
                .is_empty()
        );
        let text = fs::read_to_string(dir.path().join(MANIFEST)).unwrap();
        assert!(Manifest::parse(&text.replacen(" 1 ", " 2 ", 1), &out).is_none());
        assert!(Manifest::parse(&format!("{text}zz 1 2 3 x\n"), &out).is_none());
        assert!(Manifest::parse(&text, &out).is_some());
    }

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
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        // The site, and the lock builds take turns with.
        assert_eq!(names, [".public.backlot.lock", "public"]);
    }

    // A build killed between the two renames of the fallback swap leaves no
    // `out`, and the old site aside: the next build puts it back before
    // anything else, so a failing build still leaves a site.
    #[test]
    fn a_site_left_aside_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let aside = dir.path().join(".public.backlot-old-4194305");
        let staging = dir.path().join(".public.backlot-staging-4194305");
        fs::create_dir_all(&aside).unwrap();
        fs::write(aside.join("index.html"), "old").unwrap();
        fs::create_dir_all(&staging).unwrap();
        fs::write(staging.join("index.html"), "half").unwrap();
        let failed = write_swap(&out, |_| anyhow::bail!("the build failed"));
        assert!(failed.is_err());
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "old");
        assert!(!aside.exists() && !staging.exists());
    }

    // The exchange: one system call, and `out` never missing.
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    #[test]
    fn folders_are_exchanged_in_one_call() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(&b).unwrap();
        fs::write(a.join("x"), "a").unwrap();
        fs::write(b.join("x"), "b").unwrap();
        exchange(&a, &b).unwrap();
        assert_eq!(fs::read_to_string(a.join("x")).unwrap(), "b");
        assert_eq!(fs::read_to_string(b.join("x")).unwrap(), "a");
    }
}
