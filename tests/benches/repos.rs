//! Benchmark of building from git repositories: the generated organisation
//! as one git repository per `repos/<name>/` behind bare remotes, crawled
//! through `url` and `git` locations, against the same portal built from
//! local folders.
//!
//! ```text
//! cargo bench --bench repos                              # medium preset (1,000 repositories), 3 runs
//! BACKLOT_BENCH_PRESET=small cargo bench --bench repos   # 50 repositories: a quick run
//! BACKLOT_BENCH_RUNS=5 cargo bench --bench repos
//! ```
//!
//! Environment: `BACKLOT_BENCH_PRESET` (small | medium | large, default
//! medium), `BACKLOT_BENCH_RUNS` (default 3), `BACKLOT_BENCH_SEED` (default
//! 42), `BACKLOT_BENCH_QUICK=1` or `--quick` (small preset, one run),
//! `BACKLOT_BENCH_CORPUS=<dir>` (generate there and keep it, instead of a
//! temporary folder; a corpus already there is reused, its remotes reset to
//! their first commit).
//!
//! The corpus (`gen.rs`, [`r#gen::git::generate`]): the folder layout of the
//! other benchmarks (`backlot.yaml`, `org/`, `repos/<name>/`), and the same
//! files as bare repositories under `forge/acme/<name>.git` (one commit on
//! `main`), plus `forge/acme/org.git` holding `org.yaml`, `systems.yaml`
//! and a root Location that names every repository by its forge URL
//! (`https://github.com/acme/<name>/blob/main/catalog-info.yaml`).
//! `git-portal/backlot.yaml` reads that Location through one `type: git`
//! location and rewrites `https://github.com/acme/` to
//! `file://<corpus>/forge/acme/`; its repository cache is
//! `git-portal/.git-cache` (`git.cache`), or `<--cache-dir>/git`.
//!
//! Each run builds, every build a fresh `backlot build` process of the
//! release binary:
//!
//! 1. local folders, cold (the floor): `.backlot-cache/` (highlight cache)
//!    and the output removed first;
//! 2. local folders, warm: `docs/index.md` of the first repository edited
//!    (a paragraph appended), built again keeping the highlight cache;
//! 3. and 4. the same two with `--cache-dir` (cold: an empty folder);
//! 5. git, cold: every remote reset to its first commit, the repository
//!    cache, the highlight cache and the output removed: a clone of every
//!    repository, then the build;
//! 6. git, warm: one commit editing that page pushed to the first
//!    repository's remote (written into the bare repository as a push
//!    leaves it), built again keeping every cache;
//! 7. and 8. the same two with `--cache-dir` (the repository cache is then
//!    `<dir>/git`), as CI runs keep it.
//!
//! The edited page is restored (local) or the remote reset (git) before
//! each cold build, so cold builds of both layouts read the same content.
//! An untimed build of the local layout comes first (binary and files in
//! the page cache).
//!
//! Per build: wall time; user + system CPU (the children's times of this
//! process from `/proc/self/stat`, before and after reaping the build);
//! peak resident memory (`VmHWM` of `/proc/<pid>/status`, polled every
//! 5 ms while the build runs: the last reading before it exits, so growth
//! in its last 5 ms is missed). Figures are medians over the runs with the
//! min–max range; ratios are taken run by run (the same run's builds) and
//! their median reported. The targets: warm under 10% of cold, cold within
//! 1.5x of the floor. Nothing is asserted. Linux only (`/proc`).

// `gen` is a reserved keyword in edition 2024, hence the raw identifier.
mod env;
mod r#gen;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use env::{BenchEnv, positive};
use r#gen::Preset;

struct Options {
    preset: Preset,
    runs: usize,
    seed: u64,
    corpus: Option<PathBuf>,
}

fn options() -> Options {
    let env = BenchEnv::read("repos", Preset::Medium);
    Options {
        preset: env.preset,
        runs: if env.quick {
            1
        } else {
            positive("BACKLOT_BENCH_RUNS").unwrap_or(3)
        },
        seed: env.seed,
        corpus: env.corpus,
    }
}

// ---------------------------------------------------------------------------
// One build as a process.

/// What one build cost and said.
#[derive(Debug, Clone)]
struct Sample {
    wall: Duration,
    /// User + system CPU seconds.
    cpu: f64,
    /// Peak resident set size, bytes.
    peak: u64,
    /// The build's summary line (`built N entities from R repositories …`).
    summary: String,
    exit: Option<i32>,
}

/// User + system CPU seconds of this process's reaped children, from
/// /proc/self/stat (`cutime`, `cstime`; clock ticks of 1/100 s, Linux's
/// USER_HZ).
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the `)`: state is field 3 of proc(5), so cutime (16) and
    // cstime (17) are at 13 and 14.
    (tick(13) + tick(14)) / 100.0
}

/// `VmHWM` of a running process, in bytes; `None` once it has exited.
fn peak_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line["VmHWM:".len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Runs `backlot build --format json --config <config> <args>` and
/// measures it; its JSON Lines go to `log`.
fn build(config: &Path, args: &[OsString], log: &Path) -> anyhow::Result<Sample> {
    let bin = env!("CARGO_BIN_EXE_backlot");
    let stdout = std::fs::File::create(log)?;
    let folder = config.parent().unwrap_or(Path::new("."));
    let cpu_before = children_cpu();
    let started = Instant::now();
    let mut child = Command::new(bin)
        .current_dir(folder)
        .args(["build", "--format", "json", "--config"])
        .arg(config)
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()?;
    let pid = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let poller = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                match peak_of(pid) {
                    Some(now) => peak = peak.max(now),
                    None => break,
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let status = child.wait()?;
    let wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let peak = poller.join().unwrap_or(0);
    let cpu = children_cpu() - cpu_before;
    let text = std::fs::read_to_string(log)?;
    let summary = text
        .lines()
        .rev()
        .find_map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            value.get("summary")?.as_str().map(str::to_string)
        })
        .unwrap_or_else(|| "(no summary)".to_string());
    Ok(Sample {
        wall,
        cpu,
        peak,
        summary,
        exit: status.code(),
    })
}

// ---------------------------------------------------------------------------
// The builds of a run.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    LocalCold,
    LocalWarm,
    LocalColdDir,
    LocalWarmDir,
    GitCold,
    GitWarm,
    GitColdDir,
    GitWarmDir,
}

const KINDS: [Kind; 8] = [
    Kind::LocalCold,
    Kind::LocalWarm,
    Kind::LocalColdDir,
    Kind::LocalWarmDir,
    Kind::GitCold,
    Kind::GitWarm,
    Kind::GitColdDir,
    Kind::GitWarmDir,
];

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::LocalCold => "local folders, cold (floor)",
            Kind::LocalWarm => "local folders, warm (1 page edited)",
            Kind::LocalColdDir => "local folders, cold, --cache-dir",
            Kind::LocalWarmDir => "local folders, warm, --cache-dir",
            Kind::GitCold => "git, cold (clone every repo + build)",
            Kind::GitWarm => "git, warm (1 commit pushed)",
            Kind::GitColdDir => "git, cold, --cache-dir",
            Kind::GitWarmDir => "git, warm, --cache-dir",
        }
    }
}

fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// `median (min–max)` of `values`, each shown with `fmt`.
fn spread(values: &[f64], fmt: impl Fn(f64) -> String) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!(
        "{} ({}–{})",
        fmt(median(values.to_vec())),
        fmt(min),
        fmt(max)
    )
}

/// The model name of the first CPU in /proc/cpuinfo, if any.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name") || l.starts_with("Hardware"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// MemTotal of /proc/meminfo, bytes.
fn memory_total() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info
                .lines()
                .find(|l| l.starts_with("MemTotal:"))?
                .to_string();
            line["MemTotal:".len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

fn dir_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// `built 162 entities from 51 repositories (1 fetched) into …`: the
/// part before ` into`.
fn what_was_built(summary: &str) -> &str {
    summary.split(" into ").next().unwrap_or(summary)
}

fn main() -> anyhow::Result<()> {
    let opts = options();
    let temp = tempfile::Builder::new()
        .prefix("backlot-bench-repos-")
        .tempdir()?;
    let corpus_dir = opts
        .corpus
        .clone()
        .unwrap_or_else(|| temp.path().join("corpus"));

    println!("backlot repos benchmark");
    println!(
        "machine: {} CPUs, {}, {:.1} GB memory",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model(),
        memory_total() as f64 / 1e9
    );
    let started = Instant::now();
    let corpus = r#gen::git::generate(opts.preset, opts.seed, &corpus_dir);
    let generated = started.elapsed();
    let counts = &corpus.counts;
    println!(
        "preset: {} ({} repositories + the org repository, seed {}), {} run{}",
        opts.preset.name(),
        corpus.repos.len(),
        opts.seed,
        opts.runs,
        if opts.runs == 1 { "" } else { "s" }
    );
    println!(
        "corpus: {} entities, {} docs pages, {} files ({}) as folders; {} in {} bare repositories; generated in {:.1} s",
        counts.entities(),
        counts.pages,
        counts.files,
        mb(counts.bytes as u64),
        mb(corpus.bytes),
        corpus.repos.len() + 1,
        generated.as_secs_f64()
    );
    if opts.corpus.is_some() {
        println!("corpus folder (kept): {}", corpus_dir.display());
    }

    let corpus_dir = corpus_dir.canonicalize()?;
    let local_config = corpus_dir.join("backlot.yaml");
    let git_config = corpus.config.clone();
    let git_portal = git_config.parent().expect("config folder").to_path_buf();
    // The page both layouts edit: the first repository's docs home page.
    let edited_repo = corpus
        .repos
        .first()
        .ok_or_else(|| anyhow::anyhow!("no repositories"))?
        .clone();
    let page = "docs/index.md";
    let local_page = corpus_dir.join("repos").join(&edited_repo).join(page);
    let original = std::fs::read(&local_page)?;
    let remote = corpus.remote(&edited_repo);
    let reset_remotes = || {
        for name in &corpus.repos {
            r#gen::git::reset_to_first(&corpus.remote(name));
        }
        r#gen::git::reset_to_first(&corpus.remote(r#gen::git::ORG_REPO));
    };
    // A reused corpus may hold commits of an earlier run.
    reset_remotes();
    anyhow::ensure!(
        r#gen::git::read_file(&remote, page) == original,
        "{page} of {edited_repo} differs between the folder and the repository"
    );
    // The same edit in both layouts (new words may add search shards).
    let edited = |run: usize| {
        let mut text = original.clone();
        text.extend_from_slice(format!("\nEdited for the benchmark, run {run}.\n").as_bytes());
        text
    };

    let out = |name: &str| temp.path().join(name);
    let arg = |s: &str| OsString::from(s);
    let path_arg = |p: PathBuf| p.into_os_string();
    let logs = temp.path().join("logs");
    std::fs::create_dir_all(&logs)?;

    // Untimed: the binary and the corpus into the page cache.
    remove(&corpus_dir.join(backlot::config::CACHE_DIR))?;
    let warmup = build(
        &local_config,
        &[arg("--out"), path_arg(out("warm-up"))],
        &logs.join("warm-up.jsonl"),
    )?;
    eprintln!(
        "warm-up build: {:.2} s: {}",
        warmup.wall.as_secs_f64(),
        warmup.summary
    );
    remove(&out("warm-up"))?;

    let mut samples: Vec<(Kind, Vec<Sample>)> = KINDS.iter().map(|k| (*k, Vec::new())).collect();
    let mut git_cache_bytes = 0;
    for run in 0..opts.runs {
        let mut record = |kind: Kind, sample: Sample| {
            eprintln!(
                "run {}/{}: {}: {:.2} s wall, {:.2} s CPU, {} peak: {}",
                run + 1,
                opts.runs,
                kind.label(),
                sample.wall.as_secs_f64(),
                sample.cpu,
                mb(sample.peak),
                sample.summary
            );
            if sample.exit != Some(0) {
                eprintln!("  exit status {:?}", sample.exit);
            }
            samples
                .iter_mut()
                .find(|(k, _)| *k == kind)
                .expect("every kind")
                .1
                .push(sample);
        };
        let log = |kind: Kind| logs.join(format!("run{run}-{kind:?}.jsonl"));

        // Local folders.
        std::fs::write(&local_page, &original)?;
        let site = out("local");
        remove(&corpus_dir.join(backlot::config::CACHE_DIR))?;
        remove(&site)?;
        let args = [arg("--out"), path_arg(site.clone())];
        record(
            Kind::LocalCold,
            build(&local_config, &args, &log(Kind::LocalCold))?,
        );
        std::fs::write(&local_page, edited(run))?;
        record(
            Kind::LocalWarm,
            build(&local_config, &args, &log(Kind::LocalWarm))?,
        );

        std::fs::write(&local_page, &original)?;
        let (site, dir) = (out("local-ci"), out("local-ci-cache"));
        remove(&site)?;
        remove(&dir)?;
        let args = [
            arg("--out"),
            path_arg(site.clone()),
            arg("--cache-dir"),
            path_arg(dir.clone()),
        ];
        record(
            Kind::LocalColdDir,
            build(&local_config, &args, &log(Kind::LocalColdDir))?,
        );
        std::fs::write(&local_page, edited(run))?;
        record(
            Kind::LocalWarmDir,
            build(&local_config, &args, &log(Kind::LocalWarmDir))?,
        );
        std::fs::write(&local_page, &original)?;

        // Git repositories.
        let when = r#gen::git::EPOCH + 3600 * (run as i64 + 1);
        reset_remotes();
        let site = out("git");
        remove(&git_portal.join(backlot::config::CACHE_DIR))?;
        remove(&git_portal.join(".git-cache"))?;
        remove(&site)?;
        let args = [arg("--out"), path_arg(site.clone())];
        record(
            Kind::GitCold,
            build(&git_config, &args, &log(Kind::GitCold))?,
        );
        git_cache_bytes = dir_size(&git_portal.join(".git-cache"));
        r#gen::git::commit_file(
            &remote,
            page,
            &edited(run),
            "docs: edit the home page",
            when,
        );
        record(
            Kind::GitWarm,
            build(&git_config, &args, &log(Kind::GitWarm))?,
        );

        reset_remotes();
        let (site, dir) = (out("git-ci"), out("git-ci-cache"));
        remove(&site)?;
        remove(&dir)?;
        let args = [
            arg("--out"),
            path_arg(site.clone()),
            arg("--cache-dir"),
            path_arg(dir.clone()),
        ];
        record(
            Kind::GitColdDir,
            build(&git_config, &args, &log(Kind::GitColdDir))?,
        );
        r#gen::git::commit_file(
            &remote,
            page,
            &edited(run),
            "docs: edit the home page",
            when,
        );
        record(
            Kind::GitWarmDir,
            build(&git_config, &args, &log(Kind::GitWarmDir))?,
        );
        reset_remotes();
    }

    // What the builds said (the first run's), then the figures.
    println!("builds (first run):");
    for (kind, runs) in &samples {
        let first = &runs[0];
        let exit = match first.exit {
            Some(0) => String::new(),
            other => format!(" [exit {other:?}]"),
        };
        println!(
            "  {:<40} {}{exit}",
            kind.label(),
            what_was_built(&first.summary)
        );
    }
    println!(
        "repository cache after a cold build: {}",
        mb(git_cache_bytes)
    );
    println!(
        "{:<40} {:>24} {:>24} {:>22}",
        "build", "wall s", "user+sys CPU s", "peak RSS MB"
    );
    for (kind, runs) in &samples {
        let wall: Vec<f64> = runs.iter().map(|s| s.wall.as_secs_f64()).collect();
        let cpu: Vec<f64> = runs.iter().map(|s| s.cpu).collect();
        let peak: Vec<f64> = runs.iter().map(|s| s.peak as f64 / 1e6).collect();
        println!(
            "{:<40} {:>24} {:>24} {:>22}",
            kind.label(),
            spread(&wall, |x| format!("{x:.2}")),
            spread(&cpu, |x| format!("{x:.2}")),
            spread(&peak, |x| format!("{x:.0}")),
        );
    }

    // Ratios run by run.
    let of = |kind: Kind, cpu: bool| -> Vec<f64> {
        samples
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, runs)| {
                runs.iter()
                    .map(|s| if cpu { s.cpu } else { s.wall.as_secs_f64() })
                    .collect()
            })
            .unwrap_or_default()
    };
    let ratios = |a: Kind, b: Kind, cpu: bool| -> Vec<f64> {
        of(a, cpu)
            .iter()
            .zip(of(b, cpu))
            .map(|(a, b)| a / b.max(1e-9))
            .collect()
    };
    let percent = |x: f64| format!("{:.1}%", 100.0 * x);
    let times = |x: f64| format!("{x:.2}x");
    println!(
        "{:<40} {:>24} {:>24}   target (on the wall-time median)",
        "ratio (run by run)", "wall", "user+sys CPU"
    );
    let targets: [(Kind, Kind, &str, f64); 4] = [
        (Kind::GitWarm, Kind::GitCold, "git warm / git cold", 0.10),
        (
            Kind::GitWarmDir,
            Kind::GitColdDir,
            "git warm / git cold, --cache-dir",
            0.10,
        ),
        (Kind::GitCold, Kind::LocalCold, "git cold / floor", 1.5),
        (
            Kind::GitColdDir,
            Kind::LocalColdDir,
            "git cold / floor, both --cache-dir",
            1.5,
        ),
    ];
    for (a, b, label, target) in targets {
        let fmt = if target < 1.0 { percent } else { times };
        let wall = ratios(a, b, false);
        let m = median(wall.clone());
        let verdict = if m <= target {
            "met".to_string()
        } else {
            format!("missed: {:.2}x the target", m / target)
        };
        let bound = if target < 1.0 { "<" } else { "<=" };
        println!(
            "{label:<40} {:>24} {:>24}   {bound} {}: {verdict}",
            spread(&wall, fmt),
            spread(&ratios(a, b, true), fmt),
            fmt(target)
        );
    }
    for (a, b, label) in [
        (Kind::GitWarm, Kind::LocalWarm, "git warm / local warm"),
        (
            Kind::GitWarmDir,
            Kind::LocalWarmDir,
            "git warm / local warm, --cache-dir",
        ),
        (Kind::LocalWarm, Kind::LocalCold, "local warm / local cold"),
        (
            Kind::LocalWarmDir,
            Kind::LocalColdDir,
            "local warm / cold, --cache-dir",
        ),
    ] {
        println!(
            "{label:<40} {:>24} {:>24}",
            spread(&ratios(a, b, false), percent),
            spread(&ratios(a, b, true), percent)
        );
    }
    Ok(())
}
