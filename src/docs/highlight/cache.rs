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
//!
//! The file is read lazily: `open` streams through it once (one entry in
//! memory at a time) to check it and to index key → (offset, length), and
//! keeps the handle; `get` reads the one entry it needs with a positional
//! read (`pread` on Unix, so threads do not contend; a locked seek + read
//! elsewhere). A warm build thus holds ~40 bytes per entry (~2 MB for the
//! 49,598 blocks of the bench's medium preset) instead of the whole file
//! (174 MB there), and `save` copies kept entries from the old file to the
//! new one one at a time.
//!
//! New entries are not held in memory either: `put` appends each one, in
//! the same record format (key, length, HTML), to a temporary file next to
//! the cache file (`highlight.cache.<pid>.<n>.append`, unlinked right after
//! creation where the platform allows, so a crash leaves nothing behind)
//! and keeps only its span; records go through a 1 MiB buffer, and `get`
//! of an entry put earlier in the same build reads it back from the buffer
//! or the file. `save` copies them from there record by record. If that
//! file cannot be created or written (read-only folder, full disk), new
//! entries are held in memory as before: the cache never fails a build.

use std::collections::{HashMap, HashSet, hash_map};
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
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
/// short shard lock (to record the use) and one positional read.
pub struct HighlightCache {
    path: PathBuf,
    fingerprint: [u8; 16],
    /// Where each entry of the file is; never modified after `open`.
    loaded: HashMap<CacheKey, Span>,
    /// The file `loaded` points into (`None` when nothing was loaded). Kept
    /// open, so a rename over the path (our own `save`) does not change
    /// what it reads.
    file: Option<Source>,
    shards: Vec<Mutex<Shard>>,
    /// Where new entries go; locked after a shard, never before.
    spill: Mutex<Spill>,
    /// Bytes of HTML held in memory by `Fresh::Held` entries.
    held: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Default)]
struct Shard {
    /// Loaded entries this build used.
    used: HashSet<CacheKey>,
    /// Entries this build added.
    fresh: HashMap<CacheKey, Fresh>,
}

/// An entry this build added.
enum Fresh {
    /// In the append file (or its buffer).
    Spilled(Span),
    /// In memory: the append file is unavailable.
    Held(Box<str>),
}

/// The append file for new entries, created on the first new entry.
enum Spill {
    NotTried,
    Open(AppendFile),
    Unavailable,
}

/// Size of the buffer in front of the append file.
const SPILL_BUFFER: usize = 1 << 20;

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
    /// Removes what builds killed while saving the cache in `dir` left.
    pub fn clear_stale(dir: &Path) {
        crate::atomic::remove_stale_temps(dir, |name| name == CACHE_FILE);
    }

    pub fn open(dir: &Path) -> HighlightCache {
        HighlightCache::open_with(dir, super::fingerprint())
    }

    pub(super) fn open_with(dir: &Path, fingerprint: [u8; 16]) -> HighlightCache {
        let path = dir.join(CACHE_FILE);
        HighlightCache::clear_stale(dir);
        let (loaded, file) = File::open(&path)
            .ok()
            .and_then(|file| {
                let loaded = index(&file, &fingerprint)?;
                Some((loaded, Some(Source::new(file))))
            })
            .unwrap_or_default();
        HighlightCache {
            path,
            fingerprint,
            loaded,
            file,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            spill: Mutex::new(Spill::NotTried),
            held: AtomicU64::new(0),
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

    /// The HTML of a loaded entry, read from the file. `None` if the read
    /// fails (the file was damaged under us): the block is then highlighted
    /// again.
    fn read_loaded(&self, key: CacheKey) -> Option<String> {
        let span = self.loaded.get(&key)?;
        let bytes = self.file.as_ref()?.read(span.offset, span.len).ok()?;
        String::from_utf8(bytes).ok()
    }

    fn lock_spill(&self) -> std::sync::MutexGuard<'_, Spill> {
        self.spill.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The HTML of an entry this build added. `None` if it was spilled but
    /// cannot be read back (the append file failed): the block is then
    /// highlighted again.
    fn read_fresh(&self, key: CacheKey) -> Option<String> {
        let span = match self.shard(key).fresh.get(&key)? {
            Fresh::Held(html) => return Some(html.to_string()),
            Fresh::Spilled(span) => *span,
        };
        let bytes = match &*self.lock_spill() {
            Spill::Open(file) => file.read(span)?,
            _ => return None,
        };
        String::from_utf8(bytes).ok()
    }

    pub fn get(&self, key: CacheKey) -> Option<String> {
        let found = if self.loaded.contains_key(&key) {
            let html = self.read_loaded(key);
            if html.is_some() {
                self.shard(key).used.insert(key);
            }
            html
        } else {
            self.read_fresh(key)
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
        } else if let hash_map::Entry::Vacant(slot) = shard.fresh.entry(key) {
            // The shard stays locked so that one key is appended once.
            slot.insert(match self.append(key, html) {
                Some(span) => Fresh::Spilled(span),
                None => {
                    self.held.fetch_add(html.len() as u64, Ordering::Relaxed);
                    Fresh::Held(html.into())
                }
            });
        }
    }

    /// Appends an entry to the append file (creating it on first use),
    /// or `None` if it is unavailable.
    fn append(&self, key: CacheKey, html: &str) -> Option<Span> {
        let mut spill = self.lock_spill();
        if let Spill::NotTried = *spill {
            *spill = match AppendFile::create(&self.path) {
                Some(file) => Spill::Open(file),
                None => Spill::Unavailable,
            };
        }
        let Spill::Open(file) = &mut *spill else {
            return None;
        };
        // A broken file stays open: what reached it can still be read.
        file.append(key, html)
    }

    /// Bytes of new entries' HTML in memory: what `Fresh::Held` entries hold
    /// plus the append file's buffer.
    #[cfg(test)]
    fn held_bytes(&self) -> u64 {
        let buffered = match &*self.lock_spill() {
            Spill::Open(file) => file.buf.capacity() as u64,
            _ => 0,
        };
        self.held.load(Ordering::Relaxed) + buffered
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
    /// nothing when that set equals what was loaded. Loaded and spilled
    /// entries are copied from their file one at a time; one that cannot be
    /// read any more is left out. Then removes the append file (if it still
    /// has a name); its handle stays open, so entries put before still read.
    pub fn save(&self) -> io::Result<()> {
        let saved = self.write_file();
        if let Spill::Open(file) = &mut *self.lock_spill() {
            file.unlink();
        }
        saved
    }

    fn write_file(&self) -> io::Result<()> {
        enum Entry<'a> {
            Loaded(Span),
            Spilled(Span),
            Held(&'a str),
        }
        let mut entries: Vec<(CacheKey, Entry)> = Vec::new();
        let shards: Vec<_> = self
            .shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()))
            .collect();
        let mut fresh = 0;
        for shard in &shards {
            for key in &shard.used {
                entries.push((*key, Entry::Loaded(self.loaded[key])));
            }
            for (key, entry) in &shard.fresh {
                let entry = match entry {
                    Fresh::Spilled(span) => Entry::Spilled(*span),
                    Fresh::Held(html) => Entry::Held(html),
                };
                entries.push((*key, entry));
                fresh += 1;
            }
        }
        if fresh == 0 && entries.len() == self.loaded.len() && self.path.is_file() {
            return Ok(());
        }
        entries.sort_unstable_by_key(|(key, _)| *key);
        // After the shards, as in `put`.
        let spill = self.lock_spill();
        let spill = match &*spill {
            Spill::Open(file) => Some(file),
            _ => None,
        };

        let dir = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let tmp = crate::atomic::temp_path(&self.path);
        let written = (|| {
            let mut out = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
            out.write_all(MAGIC)?;
            out.write_all(&self.fingerprint)?;
            // The count is patched once known (unreadable entries drop out).
            out.write_all(&0u64.to_le_bytes())?;
            let mut count = 0u64;
            let mut buf: Vec<u8>;
            for (key, entry) in &entries {
                let read = match entry {
                    Entry::Held(_) => None,
                    Entry::Loaded(span) => self
                        .file
                        .as_ref()
                        .and_then(|f| f.read(span.offset, span.len).ok()),
                    Entry::Spilled(span) => spill.and_then(|f| f.read(*span)),
                };
                let html: &[u8] = match (entry, read) {
                    (Entry::Held(html), _) => html.as_bytes(),
                    (_, Some(bytes)) if std::str::from_utf8(&bytes).is_ok() => {
                        buf = bytes;
                        &buf
                    }
                    _ => continue,
                };
                let len = u32::try_from(html.len())
                    .map_err(|_| io::Error::other("cache entry over 4 GiB"))?;
                out.write_all(&key.0.to_le_bytes())?;
                out.write_all(&len.to_le_bytes())?;
                out.write_all(html)?;
                count += 1;
            }
            // No fsync, like the site output: after a crash a damaged file
            // fails the checks in `index` and is ignored.
            let mut file = out.into_inner().map_err(|e| e.into_error())?;
            write_count(&mut file, count)
        })();
        let renamed = written.and_then(|()| fs::rename(&tmp, &self.path));
        if renamed.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        renamed
    }
}

fn write_count(file: &mut File, count: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(24))?;
    file.write_all(&count.to_le_bytes())
}

impl Drop for HighlightCache {
    fn drop(&mut self) {
        if let Spill::Open(file) = &mut *self.lock_spill() {
            file.unlink();
        }
    }
}

/// The file new entries are appended to: records in the cache file's
/// format, the last ones still in `buf`.
struct AppendFile {
    /// Opened for appending, so writes go to the end whatever a read did
    /// to the cursor.
    file: File,
    /// Its name while it has one (it is unlinked as soon as possible).
    path: Option<PathBuf>,
    /// Records not written yet; they start at offset `written`.
    buf: Vec<u8>,
    /// Bytes known to be in the file.
    written: u64,
    /// A write failed: what was in `buf` is lost and nothing is appended
    /// any more (the file may hold a partial write after `written`).
    broken: bool,
}

impl AppendFile {
    /// A new append file next to the cache file `path`, or `None` if it
    /// cannot be created.
    fn create(path: &Path) -> Option<AppendFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).ok()?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{CACHE_FILE}.{}.{n}.append", std::process::id());
        let path = dir.join(name);
        let file = fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(&path)
            .ok()?;
        let mut file = AppendFile {
            file,
            path: Some(path),
            buf: Vec::with_capacity(SPILL_BUFFER),
            written: 0,
            broken: false,
        };
        file.unlink();
        Some(file)
    }

    /// Removes the file's name; the handle keeps working.
    fn unlink(&mut self) {
        if let Some(path) = &self.path
            && fs::remove_file(path).is_ok()
        {
            self.path = None;
        }
    }

    /// Appends a record; `None` if it could not be (the file is then broken
    /// or the entry is over 4 GiB).
    fn append(&mut self, key: CacheKey, html: &str) -> Option<Span> {
        let len = u32::try_from(html.len()).ok()?;
        if self.broken {
            return None;
        }
        if self.buf.len() + 20 + html.len() > SPILL_BUFFER {
            self.flush();
            if self.broken {
                return None;
            }
        }
        let span = Span {
            offset: self.written + self.buf.len() as u64 + 20,
            len,
        };
        if 20 + html.len() > SPILL_BUFFER {
            // Too big for the buffer: straight to the file.
            let written = (&self.file)
                .write_all(&key.0.to_le_bytes())
                .and_then(|()| (&self.file).write_all(&len.to_le_bytes()))
                .and_then(|()| (&self.file).write_all(html.as_bytes()));
            match written {
                Ok(()) => self.written += 20 + u64::from(len),
                Err(_) => self.broken = true,
            }
        } else {
            self.buf.extend_from_slice(&key.0.to_le_bytes());
            self.buf.extend_from_slice(&len.to_le_bytes());
            self.buf.extend_from_slice(html.as_bytes());
        }
        (!self.broken).then_some(span)
    }

    fn flush(&mut self) {
        if self.broken || self.buf.is_empty() {
            return;
        }
        match (&self.file).write_all(&self.buf) {
            Ok(()) => self.written += self.buf.len() as u64,
            Err(_) => self.broken = true,
        }
        self.buf.clear();
        if self.broken {
            self.buf = Vec::new();
        }
    }

    /// The bytes of a record's HTML, from the file or the buffer; `None`
    /// if they were lost or cannot be read.
    fn read(&self, span: Span) -> Option<Vec<u8>> {
        let end = span.offset + u64::from(span.len);
        if end <= self.written {
            read_at(&self.file, span.offset, span.len).ok()
        } else {
            let start = usize::try_from(span.offset.checked_sub(self.written)?).ok()?;
            let end = usize::try_from(end - self.written).ok()?;
            self.buf.get(start..end).map(<[u8]>::to_vec)
        }
    }
}

/// Where an entry's HTML sits in the file.
#[derive(Debug, Clone, Copy)]
struct Span {
    offset: u64,
    len: u32,
}

/// The open cache file, read at given offsets from any thread.
struct Source {
    #[cfg(unix)]
    file: File,
    #[cfg(not(unix))]
    file: Mutex<File>,
}

impl Source {
    fn new(file: File) -> Source {
        Source {
            #[cfg(unix)]
            file,
            #[cfg(not(unix))]
            file: Mutex::new(file),
        }
    }

    fn read(&self, offset: u64, len: u32) -> io::Result<Vec<u8>> {
        #[cfg(unix)]
        let file = &self.file;
        #[cfg(not(unix))]
        let file = &*self.file.lock().unwrap_or_else(|p| p.into_inner());
        read_at(file, offset, len)
    }
}

/// Reads `len` bytes at `offset`. Elsewhere than on Unix this moves the
/// cursor: the caller must hold the file exclusively.
fn read_at(file: &File, offset: u64, len: u32) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0; len as usize];
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(&mut bytes, offset)?;
    }
    #[cfg(not(unix))]
    {
        use std::io::{Seek, SeekFrom};
        let mut file = file;
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(&mut bytes)?;
    }
    Ok(bytes)
}

/// The index of a cache file, or `None` if it is not a valid file for
/// `fingerprint`. Reads the file through once, holding one entry at a
/// time, and checks everything `get` relies on (lengths, UTF-8, nothing
/// after the last entry).
fn index(file: &File, fingerprint: &[u8; 16]) -> Option<HashMap<CacheKey, Span>> {
    let size = file.metadata().ok()?.len();
    let mut r = BufReader::with_capacity(1 << 16, file);
    let mut head = [0u8; 32];
    r.read_exact(&mut head).ok()?;
    if &head[..8] != MAGIC || &head[8..24] != fingerprint {
        return None;
    }
    let count = u64::from_le_bytes(head[24..32].try_into().ok()?);
    // Each entry takes at least 20 bytes: a count beyond that is corrupt
    // (and must not drive a huge allocation).
    if count > size.saturating_sub(32) / 20 {
        return None;
    }
    let mut entries = HashMap::with_capacity(count as usize);
    let mut offset = 32u64;
    let mut html = Vec::new();
    for _ in 0..count {
        let mut entry = [0u8; 20];
        r.read_exact(&mut entry).ok()?;
        let key = u128::from_le_bytes(entry[..16].try_into().ok()?);
        let len = u32::from_le_bytes(entry[16..].try_into().ok()?);
        offset += 20;
        if u64::from(len) > size.saturating_sub(offset) {
            return None;
        }
        html.resize(len as usize, 0);
        r.read_exact(&mut html).ok()?;
        std::str::from_utf8(&html).ok()?;
        entries.insert(CacheKey(key), Span { offset, len });
        offset += u64::from(len);
    }
    // The file must end here (and must not have grown while we read).
    let mut rest = [0u8; 1];
    (offset == size && r.read(&mut rest).ok()? == 0).then_some(entries)
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

    // Cache: entries are read from the file on demand, from the handle
    // `open` kept: a save renaming a new file over the path in between
    // changes nothing, and hits are copied into the new file.
    #[test]
    fn entries_are_read_lazily() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HighlightCache::open_with(dir.path(), PRINT);
        let big = "<span>x</span>".repeat(1000);
        cache.put(key("a"), &big);
        cache.put(key("b"), "second");
        cache.put(key("c"), "third");
        cache.save().unwrap();

        let cache = HighlightCache::open_with(dir.path(), PRINT);
        assert_eq!(cache.stats().loaded, 3);
        assert_eq!(cache.get(key("b")).as_deref(), Some("second"));
        cache.put(key("d"), "fourth");
        cache.save().unwrap();
        // The old file is gone from the path; the handle still reads it.
        assert_eq!(cache.get(key("a")).as_deref(), Some(big.as_str()));
        assert_eq!(cache.stats().hits, 2);

        let cache = HighlightCache::open_with(dir.path(), PRINT);
        assert_eq!(cache.stats().loaded, 2);
        assert_eq!(cache.get(key("b")).as_deref(), Some("second"));
        assert_eq!(cache.get(key("d")).as_deref(), Some("fourth"));
        assert_eq!(cache.get(key("c")), None);
    }

    // Cache: new entries go to the append file, not memory; they read back
    // before `save` (from its buffer or the file) and after it, from the
    // new cache file; the append file leaves no trace.
    #[test]
    fn new_entries_are_not_held_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HighlightCache::open_with(dir.path(), PRINT);
        let html = |i: usize| format!("<span class=\"n\">{i}</span>").repeat(40);
        let n = 5000; // ~5 MB of HTML, five times the buffer
        let mut total = 0;
        for i in 0..n {
            let h = html(i);
            total += h.len();
            cache.put(key(&i.to_string()), &h);
        }
        let huge = "x".repeat(SPILL_BUFFER + 1);
        cache.put(key("huge"), &huge);
        cache.put(key("after"), "after");
        assert!(total > 4 * SPILL_BUFFER);
        assert_eq!(cache.held.load(Ordering::Relaxed), 0);
        assert!(
            cache.held_bytes() <= SPILL_BUFFER as u64,
            "{}",
            cache.held_bytes()
        );
        // Early entries are in the file, the last ones in the buffer.
        for i in [0, 1, n / 2, n - 1] {
            assert_eq!(cache.get(key(&i.to_string())), Some(html(i)));
        }
        assert_eq!(cache.get(key("huge")).as_deref(), Some(huge.as_str()));
        assert_eq!(cache.get(key("after")).as_deref(), Some("after"));
        // A second put of a key neither duplicates nor replaces it.
        cache.put(key("after"), "other");
        assert_eq!(cache.get(key("after")).as_deref(), Some("after"));
        cache.save().unwrap();
        assert_eq!(cache.get(key("0")), Some(html(0)));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(cache);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        let cache = HighlightCache::open_with(dir.path(), PRINT);
        assert_eq!(cache.stats().loaded, n + 2);
        for i in 0..n {
            assert_eq!(cache.get(key(&i.to_string())), Some(html(i)));
        }
        assert_eq!(cache.get(key("huge")).as_deref(), Some(huge.as_str()));
        assert_eq!(cache.get(key("after")).as_deref(), Some("after"));
    }

    // Cache: without an append file (it cannot be created), new entries
    // are held in memory and saved from there.
    #[test]
    fn without_append_file_entries_stay_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        // A folder that cannot be created: a file is in the way.
        fs::write(dir.path().join("file"), "").unwrap();
        let cache = HighlightCache::open_with(&dir.path().join("file/cache"), PRINT);
        cache.put(key("a"), "first");
        assert!(matches!(*cache.lock_spill(), Spill::Unavailable));
        assert_eq!(cache.held_bytes(), 5);
        assert_eq!(cache.get(key("a")).as_deref(), Some("first"));
        assert!(cache.save().is_err());

        let cache = HighlightCache::open_with(dir.path(), PRINT);
        *cache.lock_spill() = Spill::Unavailable;
        cache.put(key("a"), "first");
        cache.put(key("b"), "second");
        assert_eq!(cache.held_bytes(), 11);
        assert_eq!(cache.get(key("b")).as_deref(), Some("second"));
        cache.save().unwrap();
        let cache = HighlightCache::open_with(dir.path(), PRINT);
        assert_eq!(cache.stats().loaded, 2);
        assert_eq!(cache.get(key("a")).as_deref(), Some("first"));
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
