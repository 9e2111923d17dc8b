//! The persistent highlight cache: block HTML keyed by a hash of everything
//! that shapes it, so a rebuild where few pages changed highlights little
//! more than those pages.
//!
//! Keys are 128 bits of SHA-1 (`sha1_smol`, already a dependency) over
//! length-prefixed fields, starting with the fingerprint (Backlot's
//! version, the highlighter's source, syntect's syntaxes and themes). SHA-1
//! rather than a fast non-cryptographic hash because the code is untrusted:
//! one repository must not be able to make a block collide with another's.
//! Hashing costs ~2 ns/byte, negligible beside highlighting (~100 ns/byte).
//!
//! File format (`highlight.cache` in the cache folder), little-endian:
//!
//! ```text
//! magic   8 bytes  "BLHLC\0\0\x01"
//! print  16 bytes  fingerprint; another one means the file is ignored
//! count   8 bytes  number of entries
//! entries          key (16 bytes), length (u32), that many bytes of UTF-8 HTML
//! ```
//!
//! The file must end right after the last entry; anything malformed
//! (truncated, bad UTF-8, overlong lengths) makes the whole file ignored.
//! `save` keeps only the entries this build used, so the file tracks the
//! current docs instead of growing forever, and writes a temporary file
//! then renames it over the old one.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// File name of the cache inside its folder.
pub const CACHE_FILE: &str = "highlight.cache";

const MAGIC: &[u8; 8] = b"BLHLC\0\0\x01";
const SHARDS: usize = 16;

/// The key of one cache entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey(pub u128);

/// Builds a [`CacheKey`] from fields; each is length-prefixed so that
/// `("ab", "c")` and `("a", "bc")` differ.
pub struct KeyBuilder(sha1_smol::Sha1);

impl KeyBuilder {
    /// A key under `fingerprint` ([`HighlightCache::fingerprint`]),
    /// for entries of `kind` (e.g. `b"block"`).
    pub fn new(fingerprint: &[u8; 16], kind: &[u8]) -> KeyBuilder {
        let mut b = KeyBuilder(sha1_smol::Sha1::new());
        b.bytes(fingerprint);
        b.bytes(kind);
        b
    }

    pub fn bytes(&mut self, field: &[u8]) -> &mut KeyBuilder {
        self.0.update(&(field.len() as u64).to_le_bytes());
        self.0.update(field);
        self
    }

    pub fn str(&mut self, field: &str) -> &mut KeyBuilder {
        self.bytes(field.as_bytes())
    }

    /// `None` and `Some("")` differ.
    pub fn opt_str(&mut self, field: Option<&str>) -> &mut KeyBuilder {
        match field {
            None => self.bytes(&[0]),
            Some(s) => self.bytes(&[1]).str(s),
        }
    }

    pub fn u32(&mut self, n: u32) -> &mut KeyBuilder {
        self.bytes(&n.to_le_bytes())
    }

    pub fn finish(&self) -> CacheKey {
        let digest = self.0.digest().bytes();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        CacheKey(u128::from_le_bytes(key))
    }
}

/// Highlighted HTML from earlier builds plus what this build added. Shared
/// by reference across rayon threads; lookups of loaded entries take one
/// short shard lock (to record the use).
pub struct HighlightCache {
    path: PathBuf,
    fingerprint: [u8; 16],
    /// Entries read from the file; never modified after `open`.
    loaded: HashMap<CacheKey, Box<str>>,
    shards: Vec<Mutex<Shard>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Default)]
struct Shard {
    /// Loaded entries this build used.
    used: HashSet<CacheKey>,
    /// Entries this build added.
    fresh: HashMap<CacheKey, Box<str>>,
}

/// Counters for progress output and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Entries read from the file.
    pub loaded: usize,
    pub hits: u64,
    pub misses: u64,
}

impl HighlightCache {
    /// Opens the cache in `dir` (the file need not exist; the folder is
    /// created by `save`). A missing, unreadable, corrupt or outdated file
    /// gives an empty cache: the cache is never a reason for a build to fail.
    pub fn open(dir: &Path) -> HighlightCache {
        HighlightCache::open_with(dir, super::fingerprint())
    }

    pub(super) fn open_with(dir: &Path, fingerprint: [u8; 16]) -> HighlightCache {
        let path = dir.join(CACHE_FILE);
        let loaded = fs::read(&path)
            .ok()
            .and_then(|bytes| parse(&bytes, &fingerprint))
            .unwrap_or_default();
        HighlightCache {
            path,
            fingerprint,
            loaded,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The fingerprint keys of this cache must be built under.
    pub fn fingerprint(&self) -> &[u8; 16] {
        &self.fingerprint
    }

    fn shard(&self, key: CacheKey) -> std::sync::MutexGuard<'_, Shard> {
        let shard = &self.shards[(key.0 as usize) % SHARDS];
        // A panic elsewhere while holding the lock leaves valid data.
        shard
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, key: CacheKey) -> Option<String> {
        let found = if let Some(html) = self.loaded.get(&key) {
            self.shard(key).used.insert(key);
            Some(html.to_string())
        } else {
            self.shard(key).fresh.get(&key).map(|html| html.to_string())
        };
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub fn put(&self, key: CacheKey, html: &str) {
        let mut shard = self.shard(key);
        if self.loaded.contains_key(&key) {
            shard.used.insert(key);
        } else {
            shard.fresh.entry(key).or_insert_with(|| html.into());
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            loaded: self.loaded.len(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    /// Writes the entries this build used (loaded and fresh), sorted by key,
    /// to a temporary file that is then renamed over the cache file. Does
    /// nothing when that set equals what was loaded.
    pub fn save(&self) -> io::Result<()> {
        let mut entries: Vec<(CacheKey, &str)> = Vec::new();
        let shards: Vec<_> = self
            .shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()))
            .collect();
        let mut fresh = 0;
        for shard in &shards {
            for key in &shard.used {
                entries.push((*key, &self.loaded[key]));
            }
            for (key, html) in &shard.fresh {
                entries.push((*key, html));
                fresh += 1;
            }
        }
        if fresh == 0 && entries.len() == self.loaded.len() && self.path.is_file() {
            return Ok(());
        }
        entries.sort_unstable_by_key(|(key, _)| *key);

        let dir = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let tmp = dir.join(format!("{CACHE_FILE}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut out = BufWriter::with_capacity(1 << 20, fs::File::create(&tmp)?);
            out.write_all(MAGIC)?;
            out.write_all(&self.fingerprint)?;
            out.write_all(&(entries.len() as u64).to_le_bytes())?;
            for (key, html) in &entries {
                let len = u32::try_from(html.len())
                    .map_err(|_| io::Error::other("cache entry over 4 GiB"))?;
                out.write_all(&key.0.to_le_bytes())?;
                out.write_all(&len.to_le_bytes())?;
                out.write_all(html.as_bytes())?;
            }
            // No fsync, like the site output: after a crash a damaged file
            // fails the checks in `parse` and is ignored.
            out.flush()
        })();
        let renamed = written.and_then(|()| fs::rename(&tmp, &self.path));
        if renamed.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        renamed
    }
}

/// The entries of a cache file, or `None` if it is not a valid file for
/// `fingerprint`.
fn parse(bytes: &[u8], fingerprint: &[u8; 16]) -> Option<HashMap<CacheKey, Box<str>>> {
    let mut r = Reader(bytes);
    if r.take(8)? != MAGIC || r.take(16)? != fingerprint {
        return None;
    }
    let count = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
    // Each entry takes at least 20 bytes: a count beyond that is corrupt
    // (and must not drive a huge allocation).
    if count > (r.0.len() / 20) as u64 {
        return None;
    }
    let mut entries = HashMap::with_capacity(count as usize);
    for _ in 0..count {
        let key = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
        let len = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
        let html = std::str::from_utf8(r.take(len as usize)?).ok()?;
        entries.insert(CacheKey(key), html.into());
    }
    r.0.is_empty().then_some(entries)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRINT: [u8; 16] = [7; 16];

    fn key(s: &str) -> CacheKey {
        KeyBuilder::new(&PRINT, b"test").str(s).finish()
    }

    // Issue #3 (highlight cache): a saved entry is found by the next build.
    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HighlightCache::open_with(dir.path(), PRINT);
        assert_eq!(cache.stats().loaded, 0);
        assert_eq!(cache.get(key("a")), None);
        cache.put(key("a"), "<span>a</span>");
        cache.put(key("b"), "é\n");
        assert_eq!(cache.get(key("a")).as_deref(), Some("<span>a</span>"));
        cache.save().unwrap();

        let cache = HighlightCache::open_with(dir.path(), PRINT);
        assert_eq!(cache.stats().loaded, 2);
        assert_eq!(cache.get(key("b")).as_deref(), Some("é\n"));
        assert_eq!(cache.stats().hits, 1);
        // Only the entry used in this build is kept.
        cache.save().unwrap();
        let cache = HighlightCache::open_with(dir.path(), PRINT);
        assert_eq!(cache.stats().loaded, 1);
        assert_eq!(cache.get(key("a")), None);
        assert!(cache.get(key("b")).is_some());
        // Nothing new and everything used: the file is left alone.
        let before = fs::metadata(dir.path().join(CACHE_FILE))
            .unwrap()
            .modified()
            .unwrap();
        cache.save().unwrap();
        let after = fs::metadata(dir.path().join(CACHE_FILE))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after);
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    // Cache: a file from another fingerprint (version, syntaxes) is ignored.
    #[test]
    fn other_fingerprint_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HighlightCache::open_with(dir.path(), PRINT);
        cache.put(key("a"), "x");
        cache.save().unwrap();
        let other = HighlightCache::open_with(dir.path(), [8; 16]);
        assert_eq!(other.stats().loaded, 0);
    }

    // Cache: corrupt files are ignored, never fatal.
    #[test]
    fn corrupt_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HighlightCache::open_with(dir.path(), PRINT);
        cache.put(key("a"), "first");
        cache.put(key("b"), "second");
        cache.save().unwrap();
        let path = dir.path().join(CACHE_FILE);
        let good = fs::read(&path).unwrap();
        assert_eq!(
            HighlightCache::open_with(dir.path(), PRINT).stats().loaded,
            2
        );

        let mut bad_utf8 = good.clone();
        let at = bad_utf8.len() - 1;
        bad_utf8[at] = 0xff;
        let mut huge_count = good.clone();
        huge_count[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
        let mut huge_len = good.clone();
        huge_len[48..52].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut trailing = good.clone();
        trailing.push(0);
        let variants: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"garbage".to_vec(),
            good[..good.len() - 1].to_vec(),
            good[..40].to_vec(),
            bad_utf8,
            huge_count,
            huge_len,
            trailing,
        ];
        for bytes in variants {
            fs::write(&path, &bytes).unwrap();
            let cache = HighlightCache::open_with(dir.path(), PRINT);
            assert_eq!(cache.stats().loaded, 0, "{bytes:?}");
            // …and it is replaced by a good one on save.
            cache.put(key("c"), "third");
            cache.save().unwrap();
            assert_eq!(
                HighlightCache::open_with(dir.path(), PRINT).stats().loaded,
                1
            );
        }

        // A folder where the file should be: still just an empty cache.
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        let cache = HighlightCache::open_with(dir.path(), PRINT);
        assert_eq!(cache.stats().loaded, 0);
        cache.put(key("a"), "x");
        assert!(cache.save().is_err());
    }

    // Cache: keys separate fields and kinds.
    #[test]
    fn key_fields_are_separated() {
        let k = |a: &str, b: &str| KeyBuilder::new(&PRINT, b"t").str(a).str(b).finish();
        assert_ne!(k("ab", "c"), k("a", "bc"));
        let o = |a: Option<&str>| KeyBuilder::new(&PRINT, b"t").opt_str(a).finish();
        assert_ne!(o(None), o(Some("")));
        assert_ne!(
            KeyBuilder::new(&PRINT, b"a").finish(),
            KeyBuilder::new(&PRINT, b"b").finish()
        );
        assert_ne!(
            KeyBuilder::new(&PRINT, b"a").finish(),
            KeyBuilder::new(&[8; 16], b"a").finish()
        );
    }

    #[test]
    fn shared_across_threads() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HighlightCache::open_with(dir.path(), PRINT);
        std::thread::scope(|s| {
            for t in 0..4 {
                let cache = &cache;
                s.spawn(move || {
                    for i in 0..200 {
                        let k = key(&format!("{}", (i * 7 + t) % 300));
                        if cache.get(k).is_none() {
                            cache.put(k, "v");
                        }
                    }
                });
            }
        });
        cache.save().unwrap();
        let n = HighlightCache::open_with(dir.path(), PRINT).stats().loaded;
        assert!(n > 0 && n <= 300);
    }
}
