//! Browser benchmark of the portal's search (issue #4), side by side with
//! Pagefind on the same built site.
//!
//! ```text
//! cargo bench --bench search                        # large preset (~50,000 doc pages)
//! BACKLOT_BENCH_PRESET=medium cargo bench --bench search
//! PAGEFIND=/path/to/pagefind cargo bench --bench search   # else `npx --yes pagefind@1.6.0`
//! ```
//!
//! Environment: `BACKLOT_BENCH_PRESET` (default large), `BACKLOT_BENCH_SEED`
//! (42), `BACKLOT_BENCH_CORPUS` (generate there and keep; an existing
//! corpus is reused), `PAGEFIND` (the Pagefind executable; `skip` leaves
//! Pagefind out).
//!
//! Steps: generate the organisation (`gen.rs`, byte-identical to
//! gen_corpus.py), build the portal, run Pagefind over the built HTML,
//! serve the folder on loopback (no caching, so each query starts cold),
//! and drive headless Chromium through ChromeDriver. For each query:
//!
//! - Backlot: open a catalog page, focus the header search box, type the
//!   word; the page records the time of the last keystroke and of the
//!   first results shown (a MutationObserver), and the resources fetched
//!   from focus on;
//! - Pagefind: a page that imports `pagefind/pagefind.js`, searches, and
//!   loads the data of the first 8 results (what a results list shows);
//!   timed from the import.
//!
//! Bytes are what a host with gzip (level 6, as nginx and most CDNs)
//! would transfer for the fetched files: their gzip sizes, computed here.
//! Latency is a median over runs. Nothing is asserted; the budget (≤ 1 MB,
//! ≤ 300 ms) is printed beside the figures.

mod r#gen;
// Shared with the browser tests; the benchmark uses part of it.
#[allow(dead_code)]
#[path = "../it/webdriver.rs"]
mod webdriver;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::json;

use r#gen::Preset;
use webdriver::Browser;

const RUNS: usize = 3;
const BUDGET_BYTES: usize = 1 << 20;
const BUDGET_MS: f64 = 300.0;

/// One-word queries: common, mid and rare words of the generated docs, and
/// an entity-name part.
const QUERIES: &[&str] = &["service", "deploy", "replay", "latency", "ledger"];

fn gzip_size(bytes: &[u8]) -> usize {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(bytes).expect("gzip in memory");
    enc.finish().expect("gzip in memory").len()
}

/// Paths served since the last `take`: every request counts, including
/// those of workers, which a page's resource timing does not see.
type Served = Arc<Mutex<Vec<PathBuf>>>;

/// Serves `root` on 127.0.0.1 from disk, `Cache-Control: no-store`.
fn serve(root: PathBuf) -> (String, Served) {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind loopback");
    let addr = server.server_addr().to_ip().expect("an IP address");
    let log: Served = Arc::default();
    let served = log.clone();
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let url = request.url().split(['?', '#']).next().unwrap_or("/");
            let mut path = root.clone();
            for part in url.split('/').filter(|p| !p.is_empty() && *p != "..") {
                path.push(backlot::docs::links::percent_decode(part));
            }
            if path.is_dir() {
                path.push("index.html");
            }
            let response = match std::fs::read(&path) {
                Ok(bytes) => {
                    served.lock().unwrap().push(path.clone());
                    let ty = match path.extension().and_then(|e| e.to_str()) {
                        Some("html") => "text/html; charset=utf-8",
                        Some("js") | Some("mjs") => "text/javascript",
                        Some("css") => "text/css",
                        Some("json") => "application/json",
                        Some("wasm") => "application/wasm",
                        _ => "application/octet-stream",
                    };
                    tiny_http::Response::from_data(bytes)
                        .with_header(tiny_http::Header::from_bytes("Content-Type", ty).unwrap())
                        .with_header(
                            tiny_http::Header::from_bytes("Cache-Control", "no-store").unwrap(),
                        )
                }
                Err(_) => {
                    tiny_http::Response::from_data(b"not found".to_vec()).with_status_code(404)
                }
            };
            let _ = request.respond(response);
        }
    });
    (format!("http://{addr}"), log)
}

/// What a host would send for the files served since the last call: gzip
/// (level 6) where it makes them smaller, as is for files that are
/// compressed already (Pagefind's).
fn transferred(log: &Served) -> (usize, usize) {
    let paths = std::mem::take(&mut *log.lock().unwrap());
    let mut total = 0;
    for path in &paths {
        if let Ok(bytes) = std::fs::read(path) {
            total += gzip_size(&bytes).min(bytes.len());
        }
    }
    (total, paths.len())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

struct Measure {
    ms: Vec<f64>,
    bytes: usize,
    files: usize,
    first: String,
}

fn backlot_query(
    b: &Browser,
    base: &str,
    log: &Served,
    query: &str,
) -> (f64, usize, usize, String) {
    b.goto(&format!("{base}/catalog/"));
    b.wait_for("document.readyState === 'complete'");
    transferred(log);
    b.js(
        "performance.clearResourceTimings();
         performance.setResourceTimingBufferSize(100000);
         const input = document.getElementById('site-search-input');
         window.__bench = {};
         input.addEventListener('input', () => { window.__bench.key = performance.now(); });
         const list = document.getElementById('site-search-results');
         new MutationObserver(() => {
           const all = document.getElementById('site-search-option-all');
           if (all && all.textContent.includes('“' + input.value + '”') && !window.__bench.shown
               && input.value === arguments[0]) {
             window.__bench.shown = performance.now();
           }
         }).observe(list, { childList: true, subtree: true });",
        json!([query]),
    );
    b.click("#site-search-input");
    b.type_into("#site-search-input", query);
    b.wait_for("window.__bench.shown");
    let ms = b
        .js(
            "return window.__bench.shown - window.__bench.key;",
            json!([]),
        )
        .as_f64()
        .unwrap_or(f64::NAN);
    let (bytes, files) = transferred(log);
    let first = b
        .js(
            "const o = document.querySelector('#site-search-results [role=option]'); return o ? o.textContent.trim().slice(0, 60) : '';",
            json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string();
    (ms, bytes, files, first)
}

fn pagefind_query(
    b: &Browser,
    base: &str,
    log: &Served,
    query: &str,
) -> (f64, usize, usize, String) {
    b.goto(&format!("{base}/pagefind-bench.html"));
    b.wait_for("document.readyState === 'complete'");
    transferred(log);
    b.js(
        "performance.clearResourceTimings(); performance.setResourceTimingBufferSize(100000);",
        json!([]),
    );
    let result = b.js_async(
        "const done = arguments[arguments.length - 1];
         const t0 = performance.now();
         import('/pagefind/pagefind.js')
           .then(pf => pf.search(arguments[0]))
           .then(r => Promise.all(r.results.slice(0, 8).map(x => x.data())))
           .then(top => done({ ms: performance.now() - t0, first: top.length ? top[0].meta.title || top[0].url : '' }))
           .catch(e => done({ error: String(e) }));",
        json!([query]),
    );
    if let Some(error) = result.get("error") {
        eprintln!("pagefind {query}: {error}");
    }
    let (bytes, files) = transferred(log);
    (
        result["ms"].as_f64().unwrap_or(f64::NAN),
        bytes,
        files,
        result["first"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .take(60)
            .collect(),
    )
}

/// Files under `dir` (with extension `ext`, when given) and their bytes.
fn dir_size(dir: &Path, ext: Option<&str>) -> (usize, usize) {
    let mut files = 0;
    let mut bytes = 0;
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if e.file_type().is_file()
            && ext.is_none_or(|x| e.path().extension().is_some_and(|e| e == x))
        {
            files += 1;
            bytes += e.metadata().map(|m| m.len() as usize).unwrap_or(0);
        }
    }
    (files, bytes)
}

fn main() -> anyhow::Result<()> {
    let preset = std::env::var("BACKLOT_BENCH_PRESET")
        .ok()
        .and_then(|p| Preset::parse(&p))
        .unwrap_or(Preset::Large);
    let seed = std::env::var("BACKLOT_BENCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(42);
    let temp = tempfile::tempdir()?;
    let corpus: PathBuf = std::env::var_os("BACKLOT_BENCH_CORPUS")
        .filter(|v| !v.is_empty())
        .map(Into::into)
        .unwrap_or_else(|| temp.path().join("corpus"));
    println!("backlot search benchmark");
    println!(
        "machine: {} CPUs; preset {} (seed {seed})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        preset.name()
    );
    let config = corpus.join("backlot.yaml");
    if !config.exists() {
        let started = Instant::now();
        r#gen::generate(preset, seed, &corpus);
        println!(
            "corpus generated in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    let site = corpus.join("public-search-bench");
    // The real binary, in its own process: Pagefind, run next, needs most
    // of the machine's memory on the large preset.
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_backlot"))
        .args(["build", "--format", "json", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&site)
        .stderr(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "backlot build failed");
    let built = started.elapsed();
    let (pages, _) = dir_size(&site, Some("html"));
    let (index_files, index_bytes) = dir_size(&site.join("search"), None);
    println!(
        "portal built in {:.1} s (backlot build): {pages} HTML pages; search index {index_files} files, {:.1} MB",
        built.as_secs_f64(),
        index_bytes as f64 / 1e6
    );

    let pagefind = std::env::var("PAGEFIND").ok();
    let with_pagefind = pagefind.as_deref() != Some("skip");
    if with_pagefind {
        let started = Instant::now();
        let status = match &pagefind {
            Some(bin) => Command::new(bin).arg("--site").arg(&site).status(),
            None => Command::new("npx")
                .args(["--yes", "pagefind@1.6.0", "--site"])
                .arg(&site)
                .status(),
        }?;
        anyhow::ensure!(status.success(), "pagefind failed");
        let (files, bytes) = dir_size(&site.join("pagefind"), None);
        println!(
            "pagefind indexed the site in {:.1} s: {files} files, {:.1} MB",
            started.elapsed().as_secs_f64(),
            bytes as f64 / 1e6
        );
        std::fs::write(
            site.join("pagefind-bench.html"),
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>pagefind bench</title></head><body></body></html>",
        )?;
    }

    let (base, log) = serve(site.clone());
    let b = Browser::start();
    let mut rows: BTreeMap<&str, (Measure, Option<Measure>)> = BTreeMap::new();
    for query in QUERIES {
        let mut ours = Measure {
            ms: Vec::new(),
            bytes: 0,
            files: 0,
            first: String::new(),
        };
        let mut theirs = with_pagefind.then(|| Measure {
            ms: Vec::new(),
            bytes: 0,
            files: 0,
            first: String::new(),
        });
        for _ in 0..RUNS {
            let (ms, bytes, files, first) = backlot_query(&b, &base, &log, query);
            ours.ms.push(ms);
            (ours.bytes, ours.files, ours.first) = (bytes, files, first);
            if let Some(t) = &mut theirs {
                let (ms, bytes, files, first) = pagefind_query(&b, &base, &log, query);
                t.ms.push(ms);
                (t.bytes, t.files, t.first) = (bytes, files, first);
            }
        }
        rows.insert(query, (ours, theirs));
    }
    drop(b);

    println!(
        "per query: Backlot (from focusing the box; latency from the last keystroke to the first results, 80 ms debounce included) vs Pagefind (import, search, data of 8 results); gzip bytes, medians of {RUNS} runs; budget {} kB, {BUDGET_MS} ms",
        BUDGET_BYTES / 1024
    );
    let mut ratios_bytes = Vec::new();
    let mut ratios_ms = Vec::new();
    for (query, (ours, theirs)) in &rows {
        let ms = median(ours.ms.clone());
        print!(
            "  {query:10} backlot {:7.1} kB in {:2} files, {:6.1} ms{} | first: {}",
            ours.bytes as f64 / 1024.0,
            ours.files,
            ms,
            if ours.bytes <= BUDGET_BYTES && ms <= BUDGET_MS {
                " (within budget)"
            } else {
                " (OVER BUDGET)"
            },
            ours.first
        );
        if let Some(t) = theirs {
            let tms = median(t.ms.clone());
            print!(
                "\n  {:10} pagefind {:6.1} kB in {:2} files, {:6.1} ms | first: {}",
                "",
                t.bytes as f64 / 1024.0,
                t.files,
                tms,
                t.first
            );
            ratios_bytes.push(ours.bytes as f64 / t.bytes.max(1) as f64);
            ratios_ms.push(ms / tms.max(0.001));
        }
        println!();
    }
    if !ratios_bytes.is_empty() {
        println!(
            "ratio backlot / pagefind, median over queries: bytes {:.2}, latency {:.2}",
            median(ratios_bytes),
            median(ratios_ms)
        );
    }
    // Keep the corpus when asked; the built site goes either way.
    let _ = std::fs::remove_dir_all(&site);
    Ok(())
}
