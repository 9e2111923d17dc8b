//! The fixture driver: build a portal from a folder, in-process or through
//! the real binary, and look at what came out.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use backlot::diag::{Code, Diagnostic};
use backlot::output::OutputSet;
use backlot::pipeline::{self, Loaded};

/// Absolute path of a fixture folder under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A portal under test: its config, what was loaded, and (once rendered)
/// the site.
pub struct Portal {
    pub loaded: Loaded,
}

impl Portal {
    /// Loads the portal whose config is `dir/backlot.yaml`.
    pub fn load(dir: &Path) -> Portal {
        let (config, sources, file) = pipeline::read_config(&dir.join("backlot.yaml"))
            .expect("config readable")
            .unwrap_or_else(|bad| panic!("config invalid: {:?}", bad.diagnostics));
        Portal {
            loaded: pipeline::load(config, sources, Some(file)),
        }
    }

    /// Canonical refs of every accepted entity, sorted.
    pub fn refs(&self) -> Vec<String> {
        self.loaded
            .catalog
            .entities
            .iter()
            .map(|e| e.entity_ref.canonical().to_string())
            .collect()
    }

    pub fn has(&self, canonical: &str) -> bool {
        self.loaded.catalog.get(canonical).is_some()
    }

    /// `["ownedBy group:default/team-a", ...]` for one entity, in stored order.
    pub fn relations(&self, canonical: &str) -> Vec<String> {
        let entity =
            self.loaded.catalog.get(canonical).unwrap_or_else(|| {
                panic!("{canonical} is not in the catalog; have {:?}", self.refs())
            });
        let id = self.loaded.catalog.id(&entity.entity_ref).unwrap();
        self.loaded
            .catalog
            .relations_of(id)
            .iter()
            .map(|r| format!("{} {}", r.rel.as_str(), r.target))
            .collect()
    }

    pub fn diagnostics(&self) -> Vec<&Diagnostic> {
        self.loaded.diagnostics.iter().collect()
    }

    pub fn with_code(&self, code: Code) -> Vec<&Diagnostic> {
        self.loaded
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .collect()
    }

    /// `file:line` of a diagnostic, as shown to people.
    pub fn location(&self, d: &Diagnostic) -> String {
        let span = d.span.expect("diagnostic has a position");
        format!(
            "{}:{}",
            self.loaded.sources.display(span.file),
            span.start.line
        )
    }

    /// Every diagnostic as `code file:line message`, for assertion messages.
    pub fn dump(&self) -> String {
        self.loaded
            .diagnostics
            .iter()
            .map(|d| match d.span {
                Some(_) => format!("{} {} {}", d.code, self.location(d), d.message),
                None => format!("{} {}", d.code, d.message),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn render(&self) -> OutputSet {
        backlot::cli::render_loaded(&self.loaded).expect("render succeeds")
    }
}

/// Writes files (path → content) under a fresh temporary folder.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    dir
}

/// The real binary, for exit codes and output formats.
pub fn backlot(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_backlot"));
    cmd.current_dir(dir).env_remove("CI").env("NO_COLOR", "1");
    cmd
}

/// `backlot serve --port 0` running in `dir`, killed when dropped.
pub struct Served {
    child: Child,
    /// `127.0.0.1:<port>`, from the "serving on" line.
    pub addr: String,
}

impl Served {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` in `dir` and waits until it says where it listens.
pub fn serve(dir: &Path) -> Served {
    let mut child = backlot(dir)
        .args(["serve", "--port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    for _ in 0..50 {
        line.clear();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(rest) = line.trim().strip_prefix("serving on http://") {
            let addr = rest.split('/').next().unwrap().to_string();
            // Keep draining stderr so the server never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut sink = String::new();
                while stderr.read_line(&mut sink).is_ok_and(|n| n > 0) {
                    sink.clear();
                }
            });
            return Served { child, addr };
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("no 'serving on' line; last line: {line}")
}

/// `GET path` over HTTP/1.0 against `addr`: the status line's code and the
/// body.
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}
