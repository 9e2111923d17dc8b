//! End-to-end benchmark of the pipeline over a generated organisation.
//!
//! ```text
//! cargo bench --bench pipeline                  # medium preset, 5 runs
//! cargo bench --bench pipeline -- --quick       # small preset, 1 run (smoke test)
//! BACKLOT_BENCH_PRESET=large BACKLOT_BENCH_RUNS=3 cargo bench --bench pipeline
//! ```
//!
//! Environment: `BACKLOT_BENCH_PRESET` (small | medium | large, default
//! medium), `BACKLOT_BENCH_RUNS` (default 5), `BACKLOT_BENCH_SEED` (default
//! 42, the corpus script's), `BACKLOT_BENCH_REPOS` (overrides the preset's
//! repository count, as the script's `--repos`), `BACKLOT_BENCH_QUICK=1`
//! (same as `--quick`),
//! `BACKLOT_BENCH_CORPUS=<dir>` (generate the corpus there and keep it,
//! instead of a temporary folder).
//!
//! Stages, each timed on its own and reported as the median over the runs:
//! load (read backlot.yaml, crawl, parse, validate, relations), render (the
//! whole site in memory) and write (the site to a fresh folder, atomically).
//! The output is plain text, one figure per line. Nothing is asserted.

// `gen` is a reserved keyword in edition 2024, hence the raw identifier.
mod r#gen;

use std::path::Path;
use std::time::{Duration, Instant};

use r#gen::Preset;

struct Options {
    preset: Preset,
    repos: Option<usize>,
    runs: usize,
    seed: u64,
    corpus: Option<std::path::PathBuf>,
}

fn options() -> Options {
    let mut quick = std::env::var("BACKLOT_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            // cargo bench passes --bench to harness = false targets.
            "--bench" => {}
            other => eprintln!("pipeline bench: ignoring argument {other:?} (known: --quick)"),
        }
    }
    let preset = match std::env::var("BACKLOT_BENCH_PRESET") {
        Ok(name) if !quick => Preset::parse(&name).unwrap_or_else(|| {
            eprintln!("BACKLOT_BENCH_PRESET={name:?} is not small, medium or large");
            std::process::exit(2)
        }),
        _ if quick => Preset::Small,
        _ => Preset::Medium,
    };
    let runs = match std::env::var("BACKLOT_BENCH_RUNS") {
        _ if quick => 1,
        Ok(n) => n
            .trim()
            .parse()
            .ok()
            .filter(|&n: &usize| n > 0)
            .unwrap_or_else(|| {
                eprintln!("BACKLOT_BENCH_RUNS={n:?} is not a positive number");
                std::process::exit(2)
            }),
        Err(_) => 5,
    };
    let seed = match std::env::var("BACKLOT_BENCH_SEED") {
        Ok(s) => s.trim().parse().unwrap_or_else(|_| {
            eprintln!("BACKLOT_BENCH_SEED={s:?} is not a number");
            std::process::exit(2)
        }),
        Err(_) => 42,
    };
    let corpus = std::env::var_os("BACKLOT_BENCH_CORPUS")
        .filter(|v| !v.is_empty())
        .map(Into::into);
    let repos = match std::env::var("BACKLOT_BENCH_REPOS") {
        _ if quick => None,
        Ok(n) => Some(
            n.trim()
                .parse()
                .ok()
                .filter(|&n: &usize| n > 0)
                .unwrap_or_else(|| {
                    eprintln!("BACKLOT_BENCH_REPOS={n:?} is not a positive number");
                    std::process::exit(2)
                }),
        ),
        Err(_) => None,
    };
    Options {
        preset,
        repos,
        runs,
        seed,
        corpus,
    }
}

/// The times of one run, per stage.
#[derive(Clone, Copy)]
struct Run {
    load: Duration,
    render: Duration,
    write: Duration,
}

/// What one run produced (the same every run).
#[derive(Default)]
struct Figures {
    entities: usize,
    diagnostics: usize,
    errors: usize,
    warnings: usize,
    files: usize,
    bytes: usize,
}

fn run_once(config: &Path, out: &Path) -> anyhow::Result<(Run, Figures)> {
    let started = Instant::now();
    let (config, sources, file) = match backlot::pipeline::read_config(config)? {
        Ok(read) => read,
        Err(bad) => anyhow::bail!(
            "the generated backlot.yaml is invalid: {:?}",
            bad.diagnostics
        ),
    };
    let loaded = backlot::pipeline::load(config, sources, Some(file));
    let load = started.elapsed();

    let started = Instant::now();
    let site = backlot::cli::render_loaded(&loaded)?;
    let render = started.elapsed();

    let started = Instant::now();
    backlot::output::write_atomic(&site, out)?;
    let write = started.elapsed();

    let result = Figures {
        entities: loaded.catalog.len(),
        diagnostics: loaded.diagnostics.len(),
        errors: loaded.diagnostics.errors(),
        warnings: loaded.diagnostics.warnings(),
        files: site.len(),
        bytes: site.total_bytes(),
    };
    Ok((
        Run {
            load,
            render,
            write,
        },
        result,
    ))
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The model name of the first CPU in /proc/cpuinfo (Linux), if any.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| {
                    l.starts_with("model name")
                        || l.starts_with("Model")
                        || l.starts_with("Hardware")
                })
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// Peak resident set size (VmHWM in /proc/self/status), in bytes.
fn peak_memory() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: usize = line["VmHWM:".len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

fn main() -> anyhow::Result<()> {
    let opts = options();
    let temp = tempfile::Builder::new()
        .prefix("backlot-bench-")
        .tempdir()?;
    let corpus = opts
        .corpus
        .clone()
        .unwrap_or_else(|| temp.path().join("corpus"));

    let started = Instant::now();
    let counts = match opts.repos {
        Some(n) => r#gen::generate_repos(n, opts.seed, r#gen::DANGLING, &corpus),
        None => r#gen::generate(opts.preset, opts.seed, &corpus),
    };
    let generated = started.elapsed();
    let config = corpus.join("backlot.yaml");

    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("backlot pipeline benchmark");
    println!("machine: {cpus} CPUs, {}", cpu_model());
    println!(
        "preset: {}{} ({} repos, seed {}), {} run{}",
        opts.preset.name(),
        if opts.repos.is_some() {
            " with BACKLOT_BENCH_REPOS"
        } else {
            ""
        },
        counts.repos,
        opts.seed,
        opts.runs,
        if opts.runs == 1 { "" } else { "s" }
    );
    let kinds: Vec<String> = counts
        .by_kind()
        .iter()
        .map(|(k, n)| format!("{k}={n}"))
        .collect();
    println!(
        "corpus: {} entities ({}), {} dangling refs, {} files, {}, generated in {}",
        counts.entities(),
        kinds.join(" "),
        counts.dangling_refs,
        counts.files,
        mb(counts.bytes),
        secs(generated)
    );
    if opts.corpus.is_some() {
        println!("corpus folder (kept): {}", corpus.display());
    }

    let mut runs = Vec::with_capacity(opts.runs);
    let mut result = Figures::default();
    for i in 0..opts.runs {
        // A fresh output folder per run: every write stage creates the whole site.
        let out = temp.path().join(format!("site-{i}"));
        let (run, res) = run_once(&config, &out)?;
        eprintln!(
            "run {}/{}: load {}, render {}, write {}",
            i + 1,
            opts.runs,
            secs(run.load),
            secs(run.render),
            secs(run.write)
        );
        std::fs::remove_dir_all(&out)?;
        runs.push(run);
        result = res;
    }

    let stage = |f: fn(&Run) -> Duration| median(runs.iter().map(f).collect());
    // The catalog also holds the Location Backlot generates for the config entry.
    println!(
        "entities: {} ({} from the corpus files)",
        result.entities,
        counts.entities()
    );
    println!(
        "diagnostics: {} ({} errors, {} warnings)",
        result.diagnostics, result.errors, result.warnings
    );
    println!("output files: {}", result.files);
    println!("output bytes: {} ({})", result.bytes, mb(result.bytes));
    println!("load (median): {}", secs(stage(|r| r.load)));
    println!("render (median): {}", secs(stage(|r| r.render)));
    println!("write (median): {}", secs(stage(|r| r.write)));
    println!(
        "total (median): {}",
        secs(stage(|r| r.load + r.render + r.write))
    );
    match peak_memory() {
        Some(bytes) => println!("peak memory (VmHWM): {}", mb(bytes)),
        None => println!("peak memory (VmHWM): unavailable"),
    }
    Ok(())
}
