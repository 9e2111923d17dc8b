//! Files replaced whole or not at all: written to a temporary file beside
//! them (`<name>.<pid>.tmp`), then renamed over them. A process killed
//! while writing leaves the old file and a temporary one, which the next
//! run removes ([`remove_stale_temps`]) once the process that wrote it is
//! gone: two builds sharing a cache must not delete each other's files.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The temporary file `path` is written through by this process.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{name}.{}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` through a temporary file, so that a reader (or
/// the next run, after a crash) sees the old content or the new, never
/// half of it.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let written = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(bytes));
    let renamed = written.and_then(|()| std::fs::rename(&tmp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

/// Removes the temporary files in `dir` that processes now gone left
/// while writing a file `ours` accepts the name of.
pub fn remove_stale_temps(dir: &Path, ours: impl Fn(&str) -> bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some((target, pid)) = name
            .strip_suffix(".tmp")
            .and_then(|rest| rest.rsplit_once('.'))
        else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if ours(target) && !process_alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether a process with this id runs. Where `/proc` cannot tell, a
/// temporary file's writer is taken to be alive: leaving a stray file is
/// better than breaking a concurrent build.
pub fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        proc.join(pid.to_string()).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data");
        write(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
    }

    #[test]
    fn only_the_temporaries_of_dead_processes_go() {
        let dir = tempfile::tempdir().unwrap();
        // A pid that cannot be running (beyond Linux's pid_max), ours, and
        // a file that is not a temporary.
        let dead = dir.path().join("data.4194305.tmp");
        let mine = temp_path(&dir.path().join("data"));
        let other = dir.path().join("other.4194305.tmp");
        let plain = dir.path().join("data.txt");
        for f in [&dead, &mine, &other, &plain] {
            std::fs::write(f, "x").unwrap();
        }
        remove_stale_temps(dir.path(), |name| name == "data");
        assert!(!dead.exists());
        assert!(mine.exists(), "this process is alive");
        assert!(other.exists(), "not a file of ours");
        assert!(plain.exists());
    }
}
