//! Benchmark of `backlot serve` for docs authors (issue #5): from writing a
//! changed file to the rebuilt site being served.
//!
//! ```text
//! cargo bench --bench serve                       # medium preset, 5 edits of each kind
//! BACKLOT_BENCH_PRESET=small cargo bench --bench serve
//! ```
//!
//! Environment: `BACKLOT_BENCH_PRESET` (default medium), `BACKLOT_BENCH_RUNS`
//! (edits per kind, default 5), `BACKLOT_BENCH_CORPUS` (generate there and
//! keep; an existing corpus is reused).
//!
//! The real binary serves the generated organisation on loopback. For each
//! edit the benchmark long-polls `/__backlot/livereload` (as the pages'
//! script does), writes the file, and stops the clock when the poll
//! answers with a new generation and the page shows the edit. The search
//! index follows each rebuild on another thread: the benchmark then waits
//! for the server's "search index updated in N ms" line and reports those
//! N too, so that no edit is timed while the previous one's index is still
//! being built. Idle CPU is the server's user + system time over a quiet
//! period after the last index, from /proc. The clean build time of the
//! same binary is printed beside the medians.

mod r#gen;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use r#gen::Preset;

fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to serve");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .expect("timeout");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("request");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string())
}

fn generation(body: &str) -> u64 {
    body.trim()
        .trim_start_matches("{\"generation\":")
        .trim_end_matches('}')
        .parse()
        .unwrap_or(0)
}

/// User + system CPU time of a process, from /proc (Linux), in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Writes `file` with `text` and times until the served `page` has
/// `marker`; then waits for the rebuild's search index and returns how long
/// the server says that took too.
fn edit(
    addr: &str,
    search: &Receiver<u64>,
    file: &Path,
    text: &str,
    page: &str,
    marker: &str,
) -> (Duration, Duration) {
    let seen = generation(&get(addr, "/__backlot/livereload?gen=999999"));
    // Let the previous burst window pass.
    std::thread::sleep(Duration::from_millis(300));
    let addr_poll = addr.to_string();
    let poll =
        std::thread::spawn(move || get(&addr_poll, &format!("/__backlot/livereload?gen={seen}")));
    // The poll must be waiting before the write.
    std::thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    std::fs::write(file, text).expect("write the edit");
    let answered = poll.join().expect("poll thread");
    let elapsed = started.elapsed();
    assert!(generation(&answered) > seen, "no rebuild: {answered}");
    let body = get(addr, page);
    if !body.contains(marker) {
        eprintln!("warning: {page} does not show the edit (the rebuild may have failed)");
    }
    let index = search
        .recv_timeout(Duration::from_secs(120))
        .map(Duration::from_millis)
        .unwrap_or_default();
    (elapsed, index)
}

fn report(what: &str, runs: &[Duration], target: &str) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: median {:.0} ms (min {:.0}, max {:.0}){target}",
        ms(median(runs.to_vec())),
        ms(*runs.iter().min().unwrap_or(&Duration::ZERO)),
        ms(*runs.iter().max().unwrap_or(&Duration::ZERO))
    );
}

fn main() -> anyhow::Result<()> {
    let preset = std::env::var("BACKLOT_BENCH_PRESET")
        .ok()
        .and_then(|p| Preset::parse(&p))
        .unwrap_or(Preset::Medium);
    let runs: usize = std::env::var("BACKLOT_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(5);
    let temp = tempfile::tempdir()?;
    let corpus: std::path::PathBuf = std::env::var_os("BACKLOT_BENCH_CORPUS")
        .filter(|v| !v.is_empty())
        .map(Into::into)
        .unwrap_or_else(|| temp.path().join("corpus"));
    if !corpus.join("backlot.yaml").exists() {
        r#gen::generate(preset, 42, &corpus);
    }
    println!("backlot serve benchmark");
    println!(
        "machine: {} CPUs; preset {}, {runs} edits of each kind",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        preset.name()
    );

    let bin = env!("CARGO_BIN_EXE_backlot");
    let out = temp.path().join("clean-build");
    let started = Instant::now();
    let status = Command::new(bin)
        .current_dir(&corpus)
        .args(["build", "--format", "json", "--out"])
        .arg(&out)
        .stderr(Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "backlot build failed");
    let clean = started.elapsed();
    println!(
        "clean build (warm highlight cache, to disk): {:.2} s",
        clean.as_secs_f64()
    );

    let started = Instant::now();
    let mut child = Command::new(bin)
        .current_dir(&corpus)
        .args(["serve", "--format", "json", "--port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let mut line = String::new();
    let addr = loop {
        line.clear();
        anyhow::ensure!(stderr.read_line(&mut line)? > 0, "serve exited");
        if let Some(rest) = line.trim().strip_prefix("serving on http://") {
            break rest.split('/').next().unwrap_or_default().to_string();
        }
    };
    let (tx, search) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
            if let Some(ms) = line
                .strip_prefix("search index updated in ")
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse::<u64>().ok())
            {
                let _ = tx.send(ms);
            }
            line.clear();
        }
    });
    println!("serve ready in {:.2} s", started.elapsed().as_secs_f64());

    // A docs page and a descriptor of the first generated repository.
    let repo = std::fs::read_dir(corpus.join("repos"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("docs/index.md").exists())
        .min()
        .ok_or_else(|| anyhow::anyhow!("no repository with docs"))?;
    let name = repo
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let page_file = repo.join("docs/index.md");
    let descriptor = repo.join("catalog-info.yaml");
    let page_text = std::fs::read_to_string(&page_file)?;
    let descriptor_text = std::fs::read_to_string(&descriptor)?;

    let mut docs = Vec::new();
    let mut catalog = Vec::new();
    for i in 0..runs {
        let marker = format!("Edited paragraph {i}.");
        docs.push(edit(
            &addr,
            &search,
            &page_file,
            &format!("{page_text}\n\n{marker}\n"),
            &format!("/docs/default/component/{name}/"),
            &marker,
        ));
        let marker = format!("edited description {i}");
        let text = descriptor_text.replacen("description: ", &format!("description: {marker} "), 1);
        catalog.push(edit(
            &addr,
            &search,
            &descriptor,
            &text,
            &format!("/catalog/default/component/{name}/"),
            &marker,
        ));
    }
    // Restore the files, and let the rebuild that follows finish before
    // measuring idle.
    let seen = generation(&get(&addr, "/__backlot/livereload?gen=999999"));
    std::fs::write(&page_file, &page_text)?;
    std::fs::write(&descriptor, &descriptor_text)?;
    get(&addr, &format!("/__backlot/livereload?gen={seen}"));
    let _ = search.recv_timeout(Duration::from_secs(120));
    std::thread::sleep(Duration::from_secs(1));

    let pid = child.id();
    let before = cpu_seconds(pid);
    std::thread::sleep(Duration::from_secs(5));
    let after = cpu_seconds(pid);
    let _ = child.kill();
    let _ = child.wait();

    let served = |runs: &[(Duration, Duration)]| runs.iter().map(|r| r.0).collect::<Vec<_>>();
    let indexed = |runs: &[(Duration, Duration)]| runs.iter().map(|r| r.1).collect::<Vec<_>>();
    report(
        "docs page edit → served",
        &served(&docs),
        "; target < 100 ms",
    );
    report("  then its search index built in", &indexed(&docs), "");
    report(
        "catalog-info.yaml edit → served",
        &served(&catalog),
        "; target < 300 ms",
    );
    report("  then its search index built in", &indexed(&catalog), "");
    if let (Some(b), Some(a)) = (before, after) {
        println!(
            "idle CPU over 5 s: {:.2}% of one core",
            (a - b) / 5.0 * 100.0
        );
    }
    println!("clean build beside them: {:.2} s", clean.as_secs_f64());
    Ok(())
}
