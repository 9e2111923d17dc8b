//! Builds killed at random moments: `--out` always holds a complete site
//! (the old one or the new, never a mixture, never nothing), and the next
//! build clears what the killed ones left, in the output's parent folder
//! and in the `--cache-dir` (hardening: crash-safe output).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{backlot, fixture};

/// Every file under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The portal's title, as the home page shows it.
fn title_of(site: &Path) -> String {
    let home = std::fs::read_to_string(site.join("index.html")).unwrap();
    let start = home.find("<title>").unwrap() + "<title>".len();
    let end = home[start..].find("</title>").unwrap();
    home[start..start + end].to_string()
}

/// A small deterministic sequence of delays (xorshift), printed so that a
/// failure can be replayed.
struct Delays(u64);

impl Delays {
    fn next(&mut self, below: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_micros(self.0 % below.as_micros().max(1) as u64)
    }
}

#[test]
fn builds_killed_at_random_moments_never_leave_a_broken_site() {
    let dir = tempfile::tempdir().unwrap();
    let portal = dir.path().join("portal");
    copy(&fixture("backstage-examples"), &portal);
    let config = std::fs::read_to_string(portal.join("backlot.yaml")).unwrap();
    let titled = |title: &str| {
        std::fs::write(
            portal.join("backlot.yaml"),
            config.replace(
                "title: Backstage example catalog",
                &format!("title: {title}"),
            ),
        )
        .unwrap();
    };
    let out = dir.path().join("public");
    let cache = dir.path().join("cache");
    let build = || {
        let mut cmd = backlot(&portal);
        cmd.args(["build", "--out"])
            .arg(&out)
            .arg("--cache-dir")
            .arg(&cache)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };
    titled("Site 0");
    let started = Instant::now();
    assert!(build().status().unwrap().success());
    let full = started.elapsed();
    let files = listing(&out);
    assert!(files.len() > 100, "{} files", files.len());

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("delays seeded with {seed}");
    let mut delays = Delays(seed);
    let mut killed = 0;
    for round in 1..=20 {
        titled(&format!("Site {round}"));
        let mut child = build().spawn().unwrap();
        // Anywhere in the build, the swap at its end included.
        std::thread::sleep(delays.next(full + full / 4));
        if child.try_wait().unwrap().is_none() {
            // SIGKILL: no destructor runs, as in a crash or an OOM kill.
            Command::new("kill")
                .args(["-KILL", &child.id().to_string()])
                .status()
                .unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        assert_eq!(listing(&out), files, "round {round}: a complete site");
        let title = title_of(&out);
        assert!(title.starts_with("Site "), "{title}");
        // Every page of the site is of the same build.
        let catalog = std::fs::read_to_string(out.join("catalog/index.html")).unwrap();
        assert!(
            catalog.contains(&title),
            "round {round}: a mixture of sites"
        );
    }
    eprintln!("{killed} of 20 builds killed");
    // A good build clears what the killed ones left, and what a build
    // killed while saving its cache files would leave (planted: such a
    // kill is rare at random), whose writer is gone.
    for name in ["output.manifest", "pages.views", "highlight.cache"] {
        std::fs::write(cache.join(format!("{name}.4194305.tmp")), "partial").unwrap();
    }
    titled("Final");
    assert!(build().status().unwrap().success());
    assert_eq!(title_of(&out), "Final");
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("backlot-"))
        .collect();
    assert!(beside.is_empty(), "left beside the output: {beside:?}");
    let temps: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(temps.is_empty(), "left in the cache: {temps:?}");
}
