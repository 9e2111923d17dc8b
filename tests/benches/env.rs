//! The environment variables and arguments the benchmarks share:
//! `--quick` / `BACKLOT_BENCH_QUICK`, `BACKLOT_BENCH_PRESET`,
//! `BACKLOT_BENCH_RUNS`, `BACKLOT_BENCH_SEED`, `BACKLOT_BENCH_CORPUS`. A value
//! that does not parse stops the benchmark (exit 2) rather than measuring
//! something else than was asked.

use std::path::PathBuf;

use crate::r#gen::Preset;

/// What every benchmark reads from its environment.
pub struct BenchEnv {
    /// `--quick` or `BACKLOT_BENCH_QUICK`: the small preset, one run.
    pub quick: bool,
    pub preset: Preset,
    pub seed: u64,
    /// `BACKLOT_BENCH_CORPUS`: generate there and keep it.
    pub corpus: Option<PathBuf>,
}

impl BenchEnv {
    /// Reads the environment; `name` names the benchmark in messages,
    /// `default` is its preset when neither quick nor a preset is asked.
    pub fn read(name: &str, default: Preset) -> BenchEnv {
        let mut quick =
            std::env::var("BACKLOT_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        for arg in std::env::args().skip(1) {
            match arg.as_str() {
                "--quick" => quick = true,
                // cargo bench passes --bench to harness = false targets.
                "--bench" => {}
                other => eprintln!("{name} bench: ignoring argument {other:?} (known: --quick)"),
            }
        }
        let preset = match std::env::var("BACKLOT_BENCH_PRESET") {
            _ if quick => Preset::Small,
            Ok(name) => Preset::parse(&name).unwrap_or_else(|| {
                eprintln!("BACKLOT_BENCH_PRESET={name:?} is not small, medium or large");
                std::process::exit(2)
            }),
            Err(_) => default,
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
        BenchEnv {
            quick,
            preset,
            seed,
            corpus,
        }
    }
}

/// A positive number from `var`, if it is set.
pub fn positive(var: &str) -> Option<usize> {
    let n = std::env::var(var).ok()?;
    Some(
        n.trim()
            .parse()
            .ok()
            .filter(|&n: &usize| n > 0)
            .unwrap_or_else(|| {
                eprintln!("{var}={n:?} is not a positive number");
                std::process::exit(2)
            }),
    )
}
