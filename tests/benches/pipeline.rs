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
//! 42, the corpus script's), `BACKLOT_BENCH_REPOS` and `BACKLOT_BENCH_PAGES`
//! (override the preset's repository count and pages per repository, as the
//! script's `--repos` and `--pages`), `BACKLOT_BENCH_QUICK=1` (same as
//! `--quick`), `BACKLOT_BENCH_CORPUS=<dir>` (generate the corpus there and
//! keep it, instead of a temporary folder).
//!
//! The corpus is `gen_corpus.py`'s, byte for byte: catalog descriptors and,
//! per repository, a TechDocs site (`backstage.io/techdocs-ref: dir:.`,
//! mkdocs.yml, docs/**.md with fenced code in five languages, two images).
//!
//! Each run times, in this order:
//!
//! - the baseline (`baseline.rs`), over the same pages: a pulldown-cmark
//!   parse and `push_html` of every page ("bare"), and the same with every
//!   fenced block highlighted by syntect (classes, Oniguruma);
//! - `pipeline::load` (crawl + catalog + docs) three times: with
//!   `docs: { cache: false }` (a second config file beside backlot.yaml),
//!   with the highlight cache cold (`.backlot-cache/` deleted first) and
//!   warm (kept from the cold load);
//! - render (templates, the whole site in memory) and write (to a fresh
//!   folder, atomically), from the warm load;
//! - the split of `load`, by calling its stages as `pipeline::load` does
//!   (public API, no cache): crawl + catalog, docs read, docs build, and
//!   docs build again with highlighting turned off (every fence rendered
//!   as if it had no language: same HTML layout, no syntect parsing).
//!
//! Times are medians over the runs (minima beside them: on a shared
//! machine they are the steadier figure). Memory is read from
//! /proc/self/status in the first run: VmRSS at the start of each phase,
//! the phase's own VmHWM (reset at its start through
//! `/proc/self/clear_refs` `5`, Linux ≥ 4.0; memory the allocator keeps
//! from earlier phases counts in it) and the process's VmHWM after it. Diagnostics of the load are counted per code, with a few examples:
//! the generated docs have valid links and anchors, so any docs diagnostic
//! points at Backlot. The output is plain text, one figure per line.
//! Nothing is asserted.

mod baseline;
mod env;
// `gen` is a reserved keyword in edition 2024, hence the raw identifier.
mod r#gen;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backlot::config::Config;
use backlot::diag::Diagnostics;
use backlot::docs::highlight::{CacheStats, FenceOptions, HighlightCache, Highlighter};
use backlot::docs::markdown::CodeHighlighter;
use backlot::docs::sanitize::{SanitizeOptions, Sanitizer};
use backlot::pipeline::{self, Loaded};
use backlot::source::{FileId, SourceDb};
use env::{BenchEnv, positive};
use r#gen::Preset;

struct Options {
    preset: Preset,
    repos: Option<usize>,
    pages: Option<usize>,
    runs: usize,
    seed: u64,
    corpus: Option<PathBuf>,
}

fn options() -> Options {
    let env = BenchEnv::read("pipeline", Preset::Medium);
    let runs = if env.quick {
        1
    } else {
        positive("BACKLOT_BENCH_RUNS").unwrap_or(5)
    };
    let (repos, pages) = if env.quick {
        (None, None)
    } else {
        (
            positive("BACKLOT_BENCH_REPOS"),
            positive("BACKLOT_BENCH_PAGES"),
        )
    };
    Options {
        preset: env.preset,
        repos,
        pages,
        runs,
        seed: env.seed,
        corpus: env.corpus,
    }
}

// ---------------------------------------------------------------------------
// Measuring.

/// The phases of a run, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    BaselineRead,
    BaselineBare,
    BaselineHighlight,
    LoadNoCache,
    LoadCold,
    LoadWarm,
    Render,
    Write,
    SearchIndex,
    SplitCatalog,
    SplitDocsRead,
    SplitDocsBuild,
    SplitDocsBuildPlain,
    SplitCacheOpenCold,
    SplitDocsBuildCold,
    SplitCacheSave,
    SplitCacheOpenWarm,
    SplitDocsBuildWarm,
}

impl Phase {
    fn label(self) -> &'static str {
        match self {
            Phase::BaselineRead => "baseline: read every page",
            Phase::BaselineBare => "baseline: pulldown-cmark parse + push_html",
            Phase::BaselineHighlight => "baseline: the same + syntect highlighting",
            Phase::LoadNoCache => "load, docs.cache false",
            Phase::LoadCold => "load, cold highlight cache",
            Phase::LoadWarm => "load, warm highlight cache",
            Phase::Render => "render (templates)",
            Phase::Write => "write",
            Phase::SearchIndex => "search index (documents + build_index; also inside render)",
            Phase::SplitCatalog => "split: crawl + catalog",
            Phase::SplitDocsRead => "split: docs read (mkdocs.yml, nav, pages)",
            Phase::SplitDocsBuild => "split: docs build, no cache",
            Phase::SplitDocsBuildPlain => "split: docs build, highlighting off",
            Phase::SplitCacheOpenCold => "split: highlight cache open, no file",
            Phase::SplitDocsBuildCold => "split: docs build, cold cache",
            Phase::SplitCacheSave => "split: highlight cache save",
            Phase::SplitCacheOpenWarm => "split: highlight cache open, file of the cold build",
            Phase::SplitDocsBuildWarm => "split: docs build, warm cache",
        }
    }
}

/// Memory around one phase of the first run.
struct Memory {
    phase: Phase,
    /// VmRSS when the phase started (VmHWM just after the reset).
    start: usize,
    /// VmHWM at the end of the phase: its own peak when the reset worked.
    peak: usize,
    /// The process's VmHWM after the phase (all phases so far).
    process: usize,
}

/// Times of every run and memory of the first.
struct Timings {
    times: BTreeMap<Phase, Vec<Duration>>,
    memory: Vec<Memory>,
    /// Whether VmHWM can be reset here.
    resettable: bool,
    /// The process's peak so far.
    process_peak: usize,
    first_run: bool,
}

impl Timings {
    fn new() -> Timings {
        // Before any reset: the peak of everything so far (generation).
        let process_peak = peak_memory().unwrap_or(0);
        Timings {
            times: BTreeMap::new(),
            memory: Vec::new(),
            resettable: reset_peak(),
            process_peak,
            first_run: true,
        }
    }

    /// Runs `f` as `phase`: resets the memory peak first, records the time
    /// and (first run) the memory after.
    fn phase<T>(&mut self, phase: Phase, f: impl FnOnce() -> T) -> T {
        let start = if self.resettable && reset_peak() {
            peak_memory().unwrap_or(0)
        } else {
            0
        };
        let started = Instant::now();
        let value = f();
        let elapsed = started.elapsed();
        self.times.entry(phase).or_default().push(elapsed);
        let peak = peak_memory().unwrap_or(0);
        self.process_peak = self.process_peak.max(peak);
        if self.first_run {
            self.memory.push(Memory {
                phase,
                start,
                peak,
                process: self.process_peak,
            });
        }
        value
    }

    fn median(&self, phase: Phase) -> Duration {
        median(self.times.get(&phase).cloned().unwrap_or_default())
    }

    fn min(&self, phase: Phase) -> Duration {
        self.times
            .get(&phase)
            .and_then(|t| t.iter().min().copied())
            .unwrap_or_default()
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
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

fn per_sec(n: usize, d: Duration) -> String {
    if d.is_zero() {
        return "n/a".to_string();
    }
    format!("{:.0}", n as f64 / d.as_secs_f64())
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

/// A `kB` field of /proc/self/status, in bytes.
fn status_field(name: &str) -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    let kb: usize = line[name.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Peak resident set size (VmHWM), in bytes.
fn peak_memory() -> Option<usize> {
    status_field("VmHWM:")
}

/// Resets VmHWM to the current RSS; whether the kernel allowed it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

// ---------------------------------------------------------------------------
// The pipeline.

fn read_config(path: &Path) -> anyhow::Result<(Config, SourceDb, FileId)> {
    match pipeline::read_config(path)? {
        Ok(read) => Ok(read),
        Err(bad) => anyhow::bail!(
            "the generated {} is invalid: {:?}",
            path.display(),
            bad.diagnostics
        ),
    }
}

fn load(config: &Path) -> anyhow::Result<Loaded> {
    let (config, sources, file) = read_config(config)?;
    Ok(pipeline::load(config, sources, Some(file)))
}

/// What a load produced (the same every run, barring bugs).
#[derive(Default, Clone, PartialEq)]
struct LoadFigures {
    entities: usize,
    doc_sites: usize,
    doc_pages: usize,
    doc_html_bytes: usize,
    diagnostics: usize,
    errors: usize,
    warnings: usize,
    by_code: BTreeMap<String, usize>,
}

fn load_figures(loaded: &Loaded) -> LoadFigures {
    let mut by_code = BTreeMap::new();
    for d in loaded.diagnostics.iter() {
        *by_code.entry(d.code.to_string()).or_default() += 1;
    }
    LoadFigures {
        entities: loaded.catalog.len(),
        doc_sites: loaded.docs.len(),
        doc_pages: loaded.docs.iter().map(|s| s.pages.len()).sum(),
        doc_html_bytes: loaded
            .docs
            .iter()
            .flat_map(|s| &s.pages)
            .map(|p| p.html.len())
            .sum(),
        diagnostics: loaded.diagnostics.len(),
        errors: loaded.diagnostics.errors(),
        warnings: loaded.diagnostics.warnings(),
        by_code,
    }
}

/// Up to `per_code` examples of each code: `file:line:col: message`.
fn examples(loaded: &Loaded, per_code: usize) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for d in loaded.diagnostics.iter() {
        let n = seen.entry(d.code.to_string()).or_default();
        *n += 1;
        if *n > per_code {
            continue;
        }
        let at = d.span.map_or_else(String::new, |s| {
            format!(
                "{}:{}:{}: ",
                loaded.sources.get(s.file).display,
                s.start.line,
                s.start.col
            )
        });
        out.push(format!("{}: {at}{}", d.code, d.message));
    }
    out
}

/// A highlighter that renders every block as if its fence named no
/// language: Backlot's own block layout, no syntect parsing.
struct Plain(Highlighter);

impl CodeHighlighter for Plain {
    fn block(&self, code: &str, options: &FenceOptions, index: usize) -> String {
        let options = FenceOptions {
            language: None,
            ..options.clone()
        };
        self.0.block(code, &options, index)
    }

    fn inline(&self, _language: &str, _code: &str) -> Option<String> {
        None
    }
}

/// `pipeline::load` stage by stage, timing each: without the cache, with
/// highlighting off, then with a cache in `cache_dir` (cold, saved, warm).
/// Returns the cache's counters after the cold and the warm build.
fn split(config: &Path, cache_dir: &Path, t: &mut Timings) -> anyhow::Result<Vec<CacheStats>> {
    let (config, mut sources, file) = read_config(config)?;
    let mut diags = Diagnostics::new();
    let repos =
        backlot::pipeline::repos_for(&config, Default::default()).map_err(anyhow::Error::msg)?;
    let (crawled_roots, catalog) = t.phase(Phase::SplitCatalog, || {
        let crawled = backlot::crawl::crawl(&config, Some(file), &mut sources, &mut diags, &repos);
        let catalog = backlot::catalog::build(crawled.candidates, &config, &sources, &mut diags);
        (crawled.trees, catalog)
    });
    let display_base = std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
    let doc_sources = t.phase(Phase::SplitDocsRead, || {
        let mut docs = backlot::docs::read::read_all(
            &catalog,
            &crawled_roots,
            &display_base,
            &mut sources,
            &mut diags,
        );
        if config.docs.last_updated {
            backlot::docs::read::date_pages(&mut docs, &crawled_roots, &sources);
        }
        docs
    });
    let sanitizer = Sanitizer::new(&SanitizeOptions {
        allowed_iframe_hosts: config.docs.allowed_iframe_hosts.clone(),
    });
    let highlighter = Highlighter::new(None);
    let sites = t.phase(Phase::SplitDocsBuild, || {
        backlot::docs::build::build(
            &doc_sources,
            &sources,
            &crawled_roots,
            &highlighter,
            &sanitizer,
            &mut Diagnostics::new(),
        )
    });
    drop(sites);
    let plain = Plain(highlighter);
    let sites = t.phase(Phase::SplitDocsBuildPlain, || {
        backlot::docs::build::build(
            &doc_sources,
            &sources,
            &crawled_roots,
            &plain,
            &sanitizer,
            &mut Diagnostics::new(),
        )
    });
    drop(sites);

    // The same with the cache (in a folder of its own): cold, save, warm.
    if cache_dir.exists() {
        std::fs::remove_dir_all(cache_dir)?;
    }
    let mut stats = Vec::new();
    for (open, build) in [
        (Phase::SplitCacheOpenCold, Phase::SplitDocsBuildCold),
        (Phase::SplitCacheOpenWarm, Phase::SplitDocsBuildWarm),
    ] {
        let cache = t.phase(open, || Arc::new(HighlightCache::open(cache_dir)));
        let highlighter = Highlighter::new(Some(cache.clone()));
        let sites = t.phase(build, || {
            backlot::docs::build::build(
                &doc_sources,
                &sources,
                &crawled_roots,
                &highlighter,
                &sanitizer,
                &mut Diagnostics::new(),
            )
        });
        drop(sites);
        if open == Phase::SplitCacheOpenCold {
            t.phase(Phase::SplitCacheSave, || cache.save())?;
        }
        stats.push(cache.stats());
    }
    Ok(stats)
}

fn dir_size(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len() as usize)
        .sum()
}

// ---------------------------------------------------------------------------

// The same allocator as the `backlot` binary, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let counts = match (opts.repos, opts.pages) {
        (None, None) => r#gen::generate(opts.preset, opts.seed, &corpus),
        (repos, pages) => r#gen::generate_with(
            opts.preset,
            repos.unwrap_or(opts.preset.repos()),
            pages.unwrap_or(opts.preset.pages()),
            opts.seed,
            r#gen::DANGLING,
            &corpus,
        ),
    };
    let generated = started.elapsed();
    let config = corpus.join("backlot.yaml");
    // The same config with the highlight cache off.
    let config_no_cache = corpus.join("backlot.nocache.yaml");
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str("docs:\n  cache: false\n");
    std::fs::write(&config_no_cache, text)?;
    let cache_dir = corpus.join(backlot::config::CACHE_DIR);

    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("backlot pipeline benchmark");
    println!("machine: {cpus} CPUs, {}", cpu_model());
    let overridden = opts.repos.is_some() || opts.pages.is_some();
    println!(
        "preset: {}{} ({} repos, seed {}), {} run{}",
        opts.preset.name(),
        if overridden {
            " with BACKLOT_BENCH_REPOS/PAGES"
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
    println!(
        "corpus docs (generator): {} sites, {} pages, {} of Markdown, {} fenced code blocks, {} lines of code",
        counts.doc_sites,
        counts.pages,
        mb(counts.md_bytes),
        counts.code_blocks,
        counts.code_lines
    );
    if opts.corpus.is_some() {
        println!("corpus folder (kept): {}", corpus.display());
    }

    let pages = baseline::pages(&corpus);
    let (syntax_load, syntaxes) = baseline::syntaxes();
    // Once-per-process costs of Backlot's highlighter (syntax set, themes)
    // and of the cache's fingerprint (a hash of both), paid here so that no
    // load variant below carries them.
    let started = Instant::now();
    drop(Highlighter::new(None));
    let highlighter_init = started.elapsed();
    let started = Instant::now();
    drop(HighlightCache::open(&temp.path().join("warm-up-cache")));
    let cache_init = started.elapsed();

    let mut t = Timings::new();
    let mut counted = baseline::PageCounts::default();
    let mut highlighted = baseline::PageCounts::default();
    let mut figures: Vec<(Phase, LoadFigures)> = Vec::new();
    let mut diag_examples = Vec::new();
    let mut cache_bytes = 0;
    let mut cache_stats = Vec::new();
    let (mut files, mut bytes) = (0, 0);
    let mut index_stats = backlot::search::IndexStats::default();
    for i in 0..opts.runs {
        t.phase(Phase::BaselineRead, || baseline::read_all(&pages));
        counted = t.phase(Phase::BaselineBare, || baseline::bare(&pages).1);
        highlighted = t.phase(Phase::BaselineHighlight, || {
            baseline::highlighted(&pages, &syntaxes).1
        });

        let loaded = t.phase(Phase::LoadNoCache, || load(&config_no_cache))?;
        figures.push((Phase::LoadNoCache, load_figures(&loaded)));
        if i == 0 {
            diag_examples = examples(&loaded, 3);
        }
        drop(loaded);

        if cache_dir.exists() {
            std::fs::remove_dir_all(&cache_dir)?;
        }
        let loaded = t.phase(Phase::LoadCold, || load(&config))?;
        figures.push((Phase::LoadCold, load_figures(&loaded)));
        drop(loaded);
        cache_bytes = dir_size(&cache_dir);

        let loaded = t.phase(Phase::LoadWarm, || load(&config))?;
        figures.push((Phase::LoadWarm, load_figures(&loaded)));

        let site = t.phase(Phase::Render, || backlot::cli::render_loaded(&loaded))?;
        // A fresh output folder per run: every write stage creates the whole site.
        let out = temp.path().join(format!("site-{i}"));
        t.phase(Phase::Write, || backlot::output::write_atomic(&site, &out))?;
        (files, bytes) = (site.len(), site.total_bytes());
        drop(site);
        index_stats = t.phase(Phase::SearchIndex, || {
            let site = backlot::site::Site::new(
                &loaded.catalog,
                &loaded.apis,
                &loaded.sources,
                &loaded.diagnostics,
                &loaded.config,
                &loaded.docs,
            );
            let docs = backlot::site::search::search_docs(&site);
            backlot::search::build_index(&docs, &backlot::search::IndexOptions::default()).stats
        });
        drop(loaded);
        std::fs::remove_dir_all(&out)?;

        cache_stats = split(&config, &temp.path().join("split-cache"), &mut t)?;
        t.first_run = false;
        eprintln!(
            "run {}/{}: baseline {} / {}, load nocache {} cold {} warm {}, render {}, write {}, \
             split catalog {} docs read {} build {} plain {}",
            i + 1,
            opts.runs,
            secs(*t.times[&Phase::BaselineBare].last().expect("timed")),
            secs(*t.times[&Phase::BaselineHighlight].last().expect("timed")),
            secs(*t.times[&Phase::LoadNoCache].last().expect("timed")),
            secs(*t.times[&Phase::LoadCold].last().expect("timed")),
            secs(*t.times[&Phase::LoadWarm].last().expect("timed")),
            secs(*t.times[&Phase::Render].last().expect("timed")),
            secs(*t.times[&Phase::Write].last().expect("timed")),
            secs(*t.times[&Phase::SplitCatalog].last().expect("timed")),
            secs(*t.times[&Phase::SplitDocsRead].last().expect("timed")),
            secs(*t.times[&Phase::SplitDocsBuild].last().expect("timed")),
            secs(*t.times[&Phase::SplitDocsBuildPlain].last().expect("timed")),
        );
    }

    // What was loaded.
    let first = figures[0].1.clone();
    println!(
        "entities: {} ({} from the corpus files)",
        first.entities,
        counts.entities()
    );
    println!(
        "docs rendered: {} sites, {} pages, {} of article HTML",
        first.doc_sites,
        first.doc_pages,
        mb(first.doc_html_bytes)
    );
    println!(
        "pages (pulldown-cmark count): {} pages, {}, {} fenced code blocks, {} lines / {} of code",
        counted.pages,
        mb(counted.bytes),
        counted.fenced_blocks,
        counted.code_lines,
        mb(counted.code_bytes)
    );
    println!(
        "diagnostics: {} ({} errors, {} warnings)",
        first.diagnostics, first.errors, first.warnings
    );
    for (code, n) in &first.by_code {
        println!("  {code}: {n}");
    }
    for example in &diag_examples {
        println!("    e.g. {example}");
    }
    for (phase, f) in &figures {
        if *f != first {
            println!(
                "  differs under \"{}\": {} diagnostics {:?}, {} sites, {} pages",
                phase.label(),
                f.diagnostics,
                f.by_code,
                f.doc_sites,
                f.doc_pages
            );
        }
    }
    println!("output files: {files}");
    println!("output bytes: {bytes} ({})", mb(bytes));
    for (label, st) in ["cold", "warm"].iter().zip(&cache_stats) {
        println!(
            "highlight cache, split {label} build: {} entries loaded, {} hits, {} misses",
            st.loaded, st.hits, st.misses
        );
    }
    println!(
        "highlight cache on disk after a cold load: {}",
        mb(cache_bytes)
    );

    // Times.
    println!(
        "once per process, not in the times below: syntect default syntaxes (baseline) {}, \
         Backlot highlighter init {}, highlight cache open (fingerprint) {}",
        secs(syntax_load),
        secs(highlighter_init),
        secs(cache_init)
    );
    println!(
        "times (median over {} run{}):",
        opts.runs,
        if opts.runs == 1 { "" } else { "s" }
    );
    for phase in t.times.keys() {
        println!(
            "  {}: {} (min {})",
            phase.label(),
            secs(t.median(*phase)),
            secs(t.min(*phase))
        );
    }
    let m = |p| t.median(p);
    let catalog = m(Phase::SplitCatalog);
    let docs_of = |load: Duration| load.saturating_sub(catalog);
    let (nocache, cold, warm) = (
        docs_of(m(Phase::LoadNoCache)),
        docs_of(m(Phase::LoadCold)),
        docs_of(m(Phase::LoadWarm)),
    );
    let n = counted.pages;
    println!("docs stage (load - split crawl + catalog):");
    println!(
        "  cache false: {} ({} pages/s)",
        secs(nocache),
        per_sec(n, nocache)
    );
    println!(
        "  cold cache: {} ({} pages/s)",
        secs(cold),
        per_sec(n, cold)
    );
    println!(
        "  warm cache: {} ({} pages/s)",
        secs(warm),
        per_sec(n, warm)
    );
    let split_docs = m(Phase::SplitDocsRead) + m(Phase::SplitDocsBuild);
    let split_plain = m(Phase::SplitDocsRead) + m(Phase::SplitDocsBuildPlain);
    println!(
        "  split, read + build: {} ({} pages/s); highlighting off: {} ({} pages/s); highlighting share: {}",
        secs(split_docs),
        per_sec(n, split_docs),
        secs(split_plain),
        per_sec(n, split_plain),
        secs(m(Phase::SplitDocsBuild).saturating_sub(m(Phase::SplitDocsBuildPlain)))
    );
    let split_cold = m(Phase::SplitDocsRead)
        + m(Phase::SplitCacheOpenCold)
        + m(Phase::SplitDocsBuildCold)
        + m(Phase::SplitCacheSave);
    let split_warm =
        m(Phase::SplitDocsRead) + m(Phase::SplitCacheOpenWarm) + m(Phase::SplitDocsBuildWarm);
    println!(
        "  split, read + cache open + build + save, cold: {} ({} pages/s); read + open + build, warm: {} ({} pages/s)",
        secs(split_cold),
        per_sec(n, split_cold),
        secs(split_warm),
        per_sec(n, split_warm)
    );
    let (bare, hl) = (m(Phase::BaselineBare), m(Phase::BaselineHighlight));
    println!(
        "baseline: bare {} ({} pages/s), with highlighting {} ({} pages/s, {} blocks, {} lines of code/s)",
        secs(bare),
        per_sec(n, bare),
        secs(hl),
        per_sec(n, hl),
        highlighted.fenced_blocks,
        per_sec(highlighted.code_lines, hl)
    );
    println!(
        "baseline HTML: bare {}, with highlighting {}",
        mb(counted.html_bytes),
        mb(highlighted.html_bytes)
    );
    let ratio = |a: Duration, b: Duration| {
        if b.is_zero() {
            "n/a".to_string()
        } else {
            format!("{:.2}", a.as_secs_f64() / b.as_secs_f64())
        }
    };
    let cold_min = t
        .min(Phase::LoadCold)
        .saturating_sub(t.min(Phase::SplitCatalog));
    println!(
        "ratio docs stage (cold cache) / baseline with highlighting: {} (of the minima: {})",
        ratio(cold, hl),
        ratio(cold_min, t.min(Phase::BaselineHighlight))
    );
    println!(
        "ratio docs stage (cache false) / baseline with highlighting: {}",
        ratio(nocache, hl)
    );
    println!(
        "ratio docs stage (warm cache) / baseline with highlighting: {}",
        ratio(warm, hl)
    );
    println!(
        "ratio docs build, highlighting off / baseline bare: {}",
        ratio(split_plain, bare)
    );
    let total_cold = m(Phase::LoadCold) + m(Phase::Render) + m(Phase::Write);
    let total_warm = m(Phase::LoadWarm) + m(Phase::Render) + m(Phase::Write);
    println!(
        "total load (cold) + render + write (median): {}",
        secs(total_cold)
    );
    println!(
        "total load (warm) + render + write (median): {}",
        secs(total_warm)
    );
    let share = |whole: Duration| {
        100.0 * m(Phase::SearchIndex).as_secs_f64() / whole.as_secs_f64().max(1e-9)
    };
    println!(
        "search index: {} ({:.1}% of the cold build, {:.1}% of the warm build)",
        secs(m(Phase::SearchIndex)),
        share(total_cold),
        share(total_warm)
    );
    let largest = index_stats
        .shard_bytes
        .iter()
        .max_by_key(|(_, b)| **b)
        .map(|(p, b)| format!("{p} {}", mb(*b)))
        .unwrap_or_default();
    println!(
        "search index: {} documents, {} terms, {} postings; {} shards (largest {largest}), \
         document store {}, meta {}, total {} (uncompressed)",
        index_stats.docs,
        index_stats.terms,
        index_stats.postings,
        index_stats.shard_bytes.len(),
        mb(index_stats.doc_store_bytes),
        mb(index_stats.meta_bytes),
        mb(index_stats.total_bytes)
    );

    // Memory.
    println!(
        "memory, first run (VmRSS at the start of the phase / VmHWM of the phase{} / \
         VmHWM of the process after it):",
        if t.resettable {
            ", reset at its start"
        } else {
            " (not resettable here: the process's)"
        }
    );
    for m in &t.memory {
        println!(
            "  {}: {} / {} / {}",
            m.phase.label(),
            mb(m.start),
            mb(m.peak),
            mb(m.process)
        );
    }
    println!("peak memory of the process (VmHWM): {}", mb(t.process_peak));
    Ok(())
}
