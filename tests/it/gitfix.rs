//! Test fixtures for crawling git repositories: repositories made with the
//! git CLI (reproducibly: no user or system config, fixed names and dates),
//! bare "forge" layouts to rewrite clone URLs to, and a real smart-HTTP git
//! server (`git http-backend` as CGI behind tiny_http) on 127.0.0.1 that can
//! ask for a token, fail, or stall a fetch midway. Nothing reaches the
//! internet. The tests at the end check the fixtures themselves.
//!
//! The git CLI, not libgit2, makes the repositories, so that what Backlot's
//! libgit2 code reads was written by the tool people actually use.

// The git crawling feature's tests use most of these helpers; the tests
// here exercise only what proves the fixtures work.
#![allow(dead_code)]

use std::cell::Cell;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// 2026-01-31T12:00:00Z: the date of a repository's first commit unless a
/// test sets one; each further commit is a minute later.
pub const FIRST_COMMIT_TIME: i64 = 1_769_860_800;

pub const AUTHOR_NAME: &str = "Fixture Author";
pub const AUTHOR_EMAIL: &str = "author@example.com";

/// `git` with an environment that makes its results the same on every
/// machine: no user or system config (no signing, hooks, credential helpers
/// or URL rewrites of the developer's), fixed identity, C locale messages,
/// no prompts, no ~/.netrc (curl reads it for git unless HOME points
/// nowhere) and no `http_proxy` that would send 127.0.0.1 traffic
/// elsewhere. Commits and tags get `time` as their date.
pub fn git_command(dir: &Path, time: i64) -> Command {
    let date = format!("@{time} +0000");
    let mut cmd = Command::new("git");
    isolate(&mut cmd)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", AUTHOR_NAME)
        .env("GIT_AUTHOR_EMAIL", AUTHOR_EMAIL)
        .env("GIT_COMMITTER_NAME", AUTHOR_NAME)
        .env("GIT_COMMITTER_EMAIL", AUTHOR_EMAIL)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .stdin(Stdio::null());
    cmd
}

/// The environment every git process here starts from: only PATH of the
/// test's own, no user or system config, and no automatic maintenance.
/// Since git 2.47 commit, fetch and clone start `git maintenance run --auto
/// --detach`, a daemon that outlives the test (and becomes a zombie where
/// PID 1 does not reap), and gc could repack a repository under a test.
fn isolate(cmd: &mut Command) -> &mut Command {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_COUNT", "2")
        .env("GIT_CONFIG_KEY_0", "maintenance.auto")
        .env("GIT_CONFIG_VALUE_0", "false")
        .env("GIT_CONFIG_KEY_1", "gc.auto")
        .env("GIT_CONFIG_VALUE_1", "0")
}

/// Runs a command to completion; panics with its stderr unless it succeeds.
fn succeed(mut cmd: Command) -> String {
    let output = cmd.output().expect("git runs");
    if !output.status.success() {
        panic!(
            "{cmd:?} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `git args…` in `dir` (see `git_command`); panics with stderr on failure,
/// returns stdout trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let mut cmd = git_command(dir, FIRST_COMMIT_TIME);
    cmd.args(args);
    succeed(cmd)
}

/// `git args…` in `dir` whatever its outcome, for commands a test expects
/// to fail.
pub fn git_output(dir: &Path, args: &[&str]) -> Output {
    git_command(dir, FIRST_COMMIT_TIME)
        .args(args)
        .output()
        .expect("git runs")
}

/// `file:///…/` URL of a folder (with a trailing slash, for prefix rewrites).
pub fn file_url(dir: &Path) -> String {
    let text = dir.to_str().expect("UTF-8 temp path");
    format!("file://{}/", text.trim_end_matches('/'))
}

/// A non-bare repository with a work tree, built step by step.
pub struct Repo {
    pub dir: PathBuf,
    /// Date of the latest commit; the next default one is a minute later.
    last: Cell<i64>,
}

impl Repo {
    /// `git init -b main` (creating `dir` if needed).
    pub fn init(dir: &Path) -> Repo {
        std::fs::create_dir_all(dir).unwrap();
        git(dir, &["init", "-q", "-b", "main"]);
        Repo {
            dir: dir.to_path_buf(),
            last: Cell::new(FIRST_COMMIT_TIME - 60),
        }
    }

    /// A repository whose first commit ("initial") holds `files`.
    pub fn with_files(dir: &Path, files: &[(&str, &str)]) -> Repo {
        let repo = Repo::init(dir);
        repo.write_all(files);
        repo.commit("initial");
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        let mut cmd = git_command(&self.dir, self.last.get());
        cmd.args(args);
        succeed(cmd)
    }

    /// Writes a file of the work tree, creating its folders.
    pub fn write(&self, path: &str, text: &str) -> &Self {
        let full = self.dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
        self
    }

    pub fn write_all(&self, files: &[(&str, &str)]) -> &Self {
        for (path, text) in files {
            self.write(path, text);
        }
        self
    }

    /// Removes a file or folder of the work tree (the next commit records it).
    pub fn remove(&self, path: &str) -> &Self {
        let full = self.dir.join(path);
        if full.is_dir() {
            std::fs::remove_dir_all(full).unwrap();
        } else {
            std::fs::remove_file(full).unwrap();
        }
        self
    }

    /// A symlink at `path` pointing to `target` (kept as written, so it may
    /// be relative, absolute or dangling); git commits it as a link.
    pub fn symlink(&self, path: &str, target: &str) -> &Self {
        let full = self.dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&full);
        std::os::unix::fs::symlink(target, full).unwrap();
        self
    }

    /// `git add -A && git commit` a minute after the previous commit;
    /// returns the full commit id. An empty commit is allowed, so tests can
    /// move a branch without changing files.
    pub fn commit(&self, message: &str) -> String {
        self.commit_at(message, self.last.get() + 60)
    }

    /// Like `commit`, dated `unix_time` (author and committer, UTC); later
    /// default commits follow it a minute apart.
    pub fn commit_at(&self, message: &str, unix_time: i64) -> String {
        self.last.set(unix_time);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.head()
    }

    /// Creates a branch at HEAD and checks it out.
    pub fn branch(&self, name: &str) {
        self.git(&["checkout", "-q", "-b", name]);
    }

    pub fn checkout(&self, name: &str) {
        self.git(&["checkout", "-q", name]);
    }

    /// A lightweight tag at HEAD.
    pub fn tag(&self, name: &str) {
        self.git(&["tag", name]);
    }

    /// An annotated tag object at HEAD, dated like the latest commit.
    pub fn annotated_tag(&self, name: &str, message: &str) {
        self.git(&["tag", "-a", "-m", message, name]);
    }

    /// The full id of HEAD's commit.
    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    /// `git clone --bare` of this repository into `dest` (every branch and
    /// tag, HEAD on the checked-out branch); returns `dest`.
    pub fn bare_clone(&self, dest: &Path) -> PathBuf {
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let source = self.dir.to_str().unwrap();
        let target = dest.to_str().unwrap();
        self.git(&["clone", "-q", "--bare", source, target]);
        dest.to_path_buf()
    }

    /// `git push <remote_dir> <refspec>`; a leading `+` forces, as in git.
    pub fn push(&self, remote_dir: &Path, refspec: &str) {
        self.git(&["push", "-q", remote_dir.to_str().unwrap(), refspec]);
    }

    /// `git submodule add <url> <path>`: clones `url` (which must be local:
    /// a folder or file:// URL) and stages the `.gitmodules` entry and the
    /// gitlink at its HEAD; the next commit records them.
    pub fn submodule(&self, path: &str, url: &str) -> &Self {
        self.git(&[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            url,
            path,
        ]);
        self
    }

    /// A submodule entry that contacts nothing: `.gitmodules` names `url`
    /// (a forge URL is fine) and the index holds a gitlink to `commit`,
    /// which need not exist anywhere. The folder is left empty, as in a
    /// clone that did not init submodules, so `commit` keeps the gitlink.
    pub fn gitlink(&self, path: &str, url: &str, commit: &str) -> &Self {
        let name = format!("submodule.{path}");
        self.git(&["config", "-f", ".gitmodules", &format!("{name}.path"), path]);
        self.git(&["config", "-f", ".gitmodules", &format!("{name}.url"), url]);
        std::fs::create_dir_all(self.dir.join(path)).unwrap();
        self.git(&[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{commit},{path}"),
        ]);
        self
    }
}

/// Bare repositories laid out like a forge, `<root>/<owner>/<repo>.git`, so
/// that rewriting the prefix `https://github.com/acme/` to `file://<root>/acme/`
/// (or to a `GitHttpServer`'s `http://127.0.0.1:PORT/acme/`) turns the clone
/// URL `https://github.com/acme/<repo>.git` into this repository.
pub struct Forge {
    pub root: PathBuf,
}

impl Forge {
    pub fn new(root: &Path) -> Forge {
        std::fs::create_dir_all(root).unwrap();
        Forge {
            root: root.to_path_buf(),
        }
    }

    /// Where `owner/name` lives: `<root>/<owner>/<name>.git`.
    pub fn path(&self, owner: &str, name: &str) -> PathBuf {
        self.root.join(owner).join(format!("{name}.git"))
    }

    /// Publishes `repo` as `owner/name` (a bare clone); returns its folder.
    /// Later changes reach it with `repo.push(&forge.path(…), refspec)`.
    pub fn publish(&self, owner: &str, name: &str, repo: &Repo) -> PathBuf {
        repo.bare_clone(&self.path(owner, name))
    }

    /// `file://<root>/<owner>/`: what `https://github.com/<owner>/` is
    /// rewritten to for file:// tests.
    pub fn file_prefix(&self, owner: &str) -> String {
        file_url(&self.root.join(owner))
    }
}

/// A command running in its own process group (git clone starts helpers
/// such as `git remote-http`), killed with the whole group if it has not
/// finished when dropped: a test that times out leaves nothing behind.
pub struct Running {
    child: Child,
    status: Option<ExitStatus>,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

impl Running {
    pub fn spawn(mut cmd: Command) -> Running {
        cmd.process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("command starts");
        // Drained on threads so that a chatty command never blocks on a
        // full pipe while the test waits for it.
        let drain = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        };
        let stdout = drain(Box::new(child.stdout.take().unwrap()));
        let stderr = drain(Box::new(child.stderr.take().unwrap()));
        Running {
            child,
            status: None,
            stdout: Some(stdout),
            stderr: Some(stderr),
        }
    }

    /// The command's output if it ends within `limit`; `None` if it is still
    /// running (it keeps running; drop to kill it).
    pub fn wait_for(&mut self, limit: Duration) -> Option<Output> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                self.status = Some(status);
                // The pipes close once every helper of the group exited.
                let stdout = self.stdout.take().unwrap().join().unwrap();
                let stderr = self.stderr.take().unwrap().join().unwrap();
                return Some(Output {
                    status,
                    stdout,
                    stderr,
                });
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.status.is_some() {
            return;
        }
        // The group's id is the leader's pid (process_group(0)), which
        // cannot have been reused: the leader is not reaped yet. kill(1)
        // reaches the helpers too, which `Child::kill` would leave running.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pipe in [self.stdout.take(), self.stderr.take()]
            .into_iter()
            .flatten()
        {
            let _ = pipe.join();
        }
    }
}

/// How a `GitHttpServer` behaves. No `Debug`: it holds the token.
#[derive(Clone, Default)]
pub struct ServerOptions {
    /// Every request must carry `Authorization: Basic base64(<any user>:<token>)`;
    /// others get 401 with `WWW-Authenticate: Basic realm="git"`.
    pub token: Option<String>,
    /// Answer 500 to everything.
    pub fail: bool,
    /// Responses to `POST …/git-upload-pack` send this many body bytes and
    /// then nothing more, the connection held open, until the server is
    /// dropped. Shorter responses complete: with a few refs the protocol v2
    /// `ls-refs` answer (git CLI) is a few hundred bytes, so a limit of some
    /// KiB stalls only the pack of a repository with a larger file; libgit2
    /// (protocol v0) makes one POST, whose answer is the pack.
    pub stall_after: Option<usize>,
}

/// One request as the server saw it. Credentials are never stored, only
/// whether they were right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The URL's path, e.g. `/acme/repo.git/info/refs`.
    pub path: String,
    /// The URL's query without `?`, e.g. `service=git-upload-pack`.
    pub query: String,
    /// The request passed authentication: no token is required, or it
    /// carried the right one.
    pub authorized: bool,
    /// The status sent (the CGI's, or the server's own 401/500).
    pub status: u16,
    /// The `Git-Protocol` header (`version=2` from the git CLI).
    pub git_protocol: Option<String>,
    /// What `git http-backend` wrote to stderr, to explain failures.
    pub stderr: String,
}

struct Shared {
    root: PathBuf,
    options: ServerOptions,
    log: Mutex<Vec<Request>>,
    stop: AtomicBool,
}

/// A smart-HTTP git server on 127.0.0.1 serving the bare repositories under
/// a root folder (a `Forge` root) through `git http-backend`. Stops, joining
/// every thread and CGI process it started, when dropped.
pub struct GitHttpServer {
    port: u16,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl GitHttpServer {
    pub fn start(root: &Path, options: ServerOptions) -> GitHttpServer {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = server.server_addr().to_ip().unwrap().port();
        let shared = Arc::new(Shared {
            root: root.to_path_buf(),
            options,
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let accept = {
            let shared = shared.clone();
            std::thread::spawn(move || accept_loop(server, &shared))
        };
        GitHttpServer {
            port,
            shared,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request answered so far (stalled ones included), in the order
    /// their status was decided.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.log.lock().unwrap().clone()
    }
}

impl Drop for GitHttpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// Hands each request to its own thread, so that a stalled response does
/// not hold up the others, until the server is dropped; then waits for
/// them all.
fn accept_loop(server: tiny_http::Server, shared: &Arc<Shared>) {
    let mut handlers: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stop.load(Ordering::SeqCst) {
        // A short timeout rather than `recv`: the loop must see `stop`.
        match server.recv_timeout(Duration::from_millis(20)) {
            Ok(Some(request)) => {
                let shared = shared.clone();
                handlers.push(std::thread::spawn(move || handle(&shared, request)));
            }
            Ok(None) => {}
            Err(_) => break,
        }
        handlers.retain(|h| !h.is_finished());
    }
    for handler in handlers {
        let _ = handler.join();
    }
}

fn header(request: &tiny_http::Request, name: &'static str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str().to_string())
}

/// The user and password of a `Basic` Authorization header.
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Standard base64 (RFC 4648, padding optional); `None` if malformed. Small
/// enough not to need a crate.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digits = text.trim_end_matches('=');
    if digits.len() % 4 == 1 || text.len() - digits.len() > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0u32);
    for byte in digits.bytes() {
        let value = ALPHABET.iter().position(|&a| a == byte)? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The `Authorization` header value that `GitHttpServer` accepts for
/// `token`, e.g. for `git -c http.extraHeader=…`.
pub fn basic_auth(user: &str, token: &str) -> String {
    format!(
        "Basic {}",
        base64_encode(format!("{user}:{token}").as_bytes())
    )
}

/// Path to `git-http-backend`, run directly rather than as `git
/// http-backend` so that no wrapper process sits between us and it.
fn http_backend() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let exec_path = git(Path::new("/"), &["--exec-path"]);
        Path::new(&exec_path).join("git-http-backend")
    })
}

fn handle(shared: &Shared, mut request: tiny_http::Request) {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let credentials = header(&request, "Authorization").and_then(|v| basic_credentials(&v));
    let token = shared.options.token.as_ref();
    let authorized = token.is_none_or(|t| credentials.as_ref().is_some_and(|(_, p)| p == t));
    let mut entry = Request {
        method: request.method().as_str().to_string(),
        path: path.to_string(),
        query: query.to_string(),
        authorized,
        status: 0,
        git_protocol: header(&request, "Git-Protocol"),
        stderr: String::new(),
    };
    // The whole body first: tiny_http has undone any chunked encoding, the
    // CGI gets an exact CONTENT_LENGTH, and the connection is ready for the
    // next request even when the answer is 401. Test bodies are small.
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);

    if shared.options.fail || !authorized {
        let (status, extra) = if shared.options.fail {
            (500, "")
        } else {
            (401, "WWW-Authenticate: Basic realm=\"git\"\r\n")
        };
        entry.status = status;
        shared.log.lock().unwrap().push(entry);
        let text = format!("{status}\n");
        let mut writer = request.into_writer();
        let _ = write!(
            writer,
            "HTTP/1.1 {status} {}\r\n{extra}Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{text}",
            reason(status),
            text.len()
        );
        let _ = writer.flush();
        return;
    }

    // As a web server would after authenticating; http-backend then also
    // allows pushes (receive-pack).
    let user = token
        .and(credentials.as_ref())
        .map(|(user, _)| user.as_str());
    let mut child = spawn_cgi(shared, &request, &entry, user, body.len());
    // Fed and drained on threads: the CGI may write before it has read
    // everything, and must never block on a full stderr pipe.
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let head = read_cgi_head(&mut stdout);

    entry.status = head.status;
    let stall_after = shared
        .options
        .stall_after
        .filter(|_| is_upload_pack(&entry));
    let index = {
        let mut log = shared.log.lock().unwrap();
        log.push(entry);
        log.len() - 1
    };
    let http10 = request.http_version() == &tiny_http::HTTPVersion(1, 0);
    let mut writer = request.into_writer();
    let mut response = format!("HTTP/1.1 {} {}\r\n", head.status, head.reason);
    for line in &head.headers {
        let _ = write!(response, "{line}\r\n");
    }
    // HTTP/1.0 has no chunked encoding: the body ends when the connection
    // closes (tiny_http closes it after an HTTP/1.0 exchange).
    response.push_str(if http10 {
        "Connection: close\r\n\r\n"
    } else {
        "Transfer-Encoding: chunked\r\n\r\n"
    });
    let mut whole = writer.write_all(response.as_bytes()).is_ok() && writer.flush().is_ok();
    if whole && head.complete {
        whole = send_body(shared, &mut stdout, &mut writer, http10, stall_after);
    }
    // Closing our end makes a git still writing get EPIPE and exit.
    drop(stdout);
    wait_or_kill(&mut child, Duration::from_secs(5));
    let _ = feeder.join();
    let stderr = errors.join().unwrap_or_default();
    shared.log.lock().unwrap()[index].stderr = stderr;
    // The response ends only now, so that a client that has its answer
    // finds the log complete.
    if whole && !http10 {
        let _ = writer.write_all(b"0\r\n\r\n");
        let _ = writer.flush();
    }
}

/// `git http-backend` with the CGI variables of one request.
fn spawn_cgi(
    shared: &Shared,
    request: &tiny_http::Request,
    entry: &Request,
    user: Option<&str>,
    length: usize,
) -> Child {
    let remote = request
        .remote_addr()
        .map_or("127.0.0.1".to_string(), |a| a.ip().to_string());
    let mut cgi = Command::new(http_backend());
    isolate(&mut cgi)
        .env("GIT_PROJECT_ROOT", &shared.root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("REQUEST_METHOD", &entry.method)
        .env("PATH_INFO", &entry.path)
        .env("QUERY_STRING", &entry.query)
        .env("REMOTE_ADDR", remote)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(value) = header(request, "Content-Type") {
        cgi.env("CONTENT_TYPE", value);
    }
    if entry.method == "POST" {
        cgi.env("CONTENT_LENGTH", length.to_string());
    }
    if let Some(user) = user {
        cgi.env("REMOTE_USER", user);
    }
    if let Some(value) = &entry.git_protocol {
        // Without it http-backend answers in protocol v0.
        cgi.env("HTTP_GIT_PROTOCOL", value);
    }
    if let Some(value) = header(request, "Content-Encoding") {
        // http-backend inflates gzip bodies itself.
        cgi.env("HTTP_CONTENT_ENCODING", value);
    }
    cgi.spawn().expect("git http-backend starts")
}

/// The header part of a CGI response.
struct CgiHead {
    status: u16,
    reason: String,
    /// `Name: value` lines to pass on.
    headers: Vec<String>,
    /// The blank line was seen (otherwise the CGI failed: 502).
    complete: bool,
}

/// Reads the CGI's header lines, up to the blank line: `Status:` gives the
/// status (200 without one); the others are passed on except the body's
/// framing, which the server redoes.
fn read_cgi_head(stdout: &mut impl BufRead) -> CgiHead {
    let mut head = CgiHead {
        status: 200,
        reason: String::new(),
        headers: Vec::new(),
        complete: false,
    };
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            head.complete = true;
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("Status") {
            let (code, text) = value.split_once(' ').unwrap_or((value, ""));
            head.status = code.parse().unwrap_or(502);
            head.reason = text.to_string();
        } else if !name.eq_ignore_ascii_case("Content-Length")
            && !name.eq_ignore_ascii_case("Transfer-Encoding")
        {
            head.headers.push(format!("{name}: {value}"));
        }
    }
    if !head.complete {
        head.status = 502;
        head.reason.clear();
        head.headers.clear();
    }
    if head.reason.is_empty() {
        head.reason = reason(head.status).to_string();
    }
    head
}

/// Streams the CGI's body to the client, chunked unless HTTP/1.0 (the
/// caller ends it). With `stall_after`, stops after that many bytes until
/// the server stops. False if the response was cut.
fn send_body(
    shared: &Shared,
    stdout: &mut impl Read,
    writer: &mut impl Write,
    http10: bool,
    stall_after: Option<usize>,
) -> bool {
    let mut sent = 0usize;
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let mut n = match stdout.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let stalling = stall_after.is_some_and(|limit| sent + n > limit);
        if let Some(limit) = stall_after {
            n = n.min(limit - sent);
        }
        // Each piece is its own chunk and flushed at once, so the client
        // sees exactly what was sent (sideband progress, and the stall's
        // first bytes) without waiting for a buffer to fill.
        if !write_piece(writer, &buffer[..n], http10) {
            return false;
        }
        sent += n;
        if stalling {
            while !shared.stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
            // Cut the response with a malformed chunk: a client still
            // waiting gets an error instead of hanging on a connection that
            // tiny_http keeps open.
            let _ = writer.write_all(b"zz\r\n");
            let _ = writer.flush();
            return false;
        }
    }
    true
}

fn is_upload_pack(request: &Request) -> bool {
    request.method == "POST" && request.path.ends_with("/git-upload-pack")
}

/// Writes one piece of body, chunked unless HTTP/1.0; false once the
/// client has gone.
fn write_piece(writer: &mut impl Write, bytes: &[u8], http10: bool) -> bool {
    if bytes.is_empty() {
        return true;
    }
    let written = if http10 {
        writer.write_all(bytes)
    } else {
        write!(writer, "{:x}\r\n", bytes.len())
            .and_then(|()| writer.write_all(bytes))
            .and_then(|()| writer.write_all(b"\r\n"))
    };
    written.and_then(|()| writer.flush()).is_ok()
}

/// Waits for a CGI that should end by itself; kills it if it does not, so
/// that no test leaves a process behind.
fn wait_or_kill(child: &mut Child, limit: Duration) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "",
    }
}

mod tests {
    use super::*;
    use crate::support::http_get;

    /// Pseudo-random hex text (a fixed LCG): compresses poorly enough that
    /// its pack is about half its length.
    fn noise(len: usize) -> String {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                char::from(b"0123456789abcdef"[(state >> 60) as usize])
            })
            .collect()
    }

    /// The same steps in two folders give the same commit ids: names, dates
    /// and config do not leak in from the machine.
    fn sample(dir: &Path) -> Repo {
        Repo::with_files(&dir.join("module"), &[("lib.txt", "shared\n")]);
        let repo = Repo::init(&dir.join("work"));
        repo.write_all(&[
            ("catalog-info.yaml", "kind: Component\n"),
            ("docs/index.md", "# Home\n"),
        ])
        .symlink("docs/link.md", "index.md");
        repo.commit("first");
        repo.tag("v1");
        repo.branch("feature");
        repo.write("docs/feature.md", "# Feature\n");
        repo.commit("feature");
        repo.checkout("main");
        // Relative to the superproject (which has no remote): the same text
        // in every folder.
        repo.submodule("vendor/module", "../module");
        repo.gitlink(
            "vendor/remote",
            "https://github.com/acme/remote.git",
            "1111111111111111111111111111111111111111",
        );
        repo.remove("docs/index.md");
        repo.commit_at("second", FIRST_COMMIT_TIME + 3600);
        repo.annotated_tag("v2", "release 2");
        repo.commit("third");
        repo
    }

    #[test]
    fn repositories_have_the_refs_and_objects_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let repo = sample(dir.path());
        let refs = git(&repo.dir, &["ls-remote", "."]);
        let names: Vec<&str> = refs
            .lines()
            .map(|l| l.split_once('\t').unwrap().1)
            .collect();
        assert_eq!(
            names,
            [
                "HEAD",
                "refs/heads/feature",
                "refs/heads/main",
                "refs/tags/v1",
                "refs/tags/v2",
                "refs/tags/v2^{}",
            ]
        );
        // A lightweight tag names the commit; an annotated one a tag object.
        assert_eq!(git(&repo.dir, &["cat-file", "-t", "v1"]), "commit");
        assert_eq!(git(&repo.dir, &["cat-file", "-t", "v2"]), "tag");
        assert_eq!(
            git(&repo.dir, &["rev-parse", "v2^{}"]),
            git(&repo.dir, &["rev-parse", "main~1"])
        );
        // Dates: the default clock, a set one, and a minute after it.
        assert_eq!(
            git(&repo.dir, &["log", "--format=%at %ct %an <%ae> %s", "main"]),
            format!(
                "{t3} {t3} {AUTHOR_NAME} <{AUTHOR_EMAIL}> third\n\
                 {t2} {t2} {AUTHOR_NAME} <{AUTHOR_EMAIL}> second\n\
                 {t1} {t1} {AUTHOR_NAME} <{AUTHOR_EMAIL}> first",
                t1 = FIRST_COMMIT_TIME,
                t2 = FIRST_COMMIT_TIME + 3600,
                t3 = FIRST_COMMIT_TIME + 3660,
            )
        );
        // The tree of `second`: the symlink as a link (mode 120000) to its
        // target text, both submodules as gitlinks (mode 160000).
        let tree = git(&repo.dir, &["ls-tree", "-r", "v2"]);
        let entries: Vec<(&str, &str, &str)> = tree
            .lines()
            .map(|l| {
                let (meta, path) = l.split_once('\t').unwrap();
                let mut meta = meta.split(' ');
                (meta.next().unwrap(), meta.nth(1).unwrap(), path)
            })
            .collect();
        let module_head = git(&dir.path().join("module"), &["rev-parse", "HEAD"]);
        let modes: Vec<(&str, &str)> = entries.iter().map(|e| (e.0, e.2)).collect();
        assert_eq!(
            modes,
            [
                ("100644", ".gitmodules"),
                ("100644", "catalog-info.yaml"),
                ("120000", "docs/link.md"),
                ("160000", "vendor/module"),
                ("160000", "vendor/remote"),
            ]
        );
        assert_eq!(entries[3].1, module_head);
        assert_eq!(entries[4].1, "1111111111111111111111111111111111111111");
        assert_eq!(
            git(&repo.dir, &["cat-file", "-p", "v2:docs/link.md"]),
            "index.md"
        );
        let modules = git(&repo.dir, &["cat-file", "-p", "v2:.gitmodules"]);
        assert!(
            modules.contains("url = ../module")
                && modules.contains("url = https://github.com/acme/remote.git"),
            "{modules}"
        );
        // `feature` has its own file; main does not.
        assert_eq!(
            git(&repo.dir, &["cat-file", "-p", "feature:docs/feature.md"]),
            "# Feature"
        );
        assert!(
            !git_output(&repo.dir, &["cat-file", "-e", "main:docs/feature.md"])
                .status
                .success()
        );

        // Reproducible: the same steps elsewhere give the same ids.
        let again = tempfile::tempdir().unwrap();
        let other = sample(again.path());
        assert_eq!(git(&other.dir, &["ls-remote", "."]), refs);
    }

    #[test]
    fn forge_layout_answers_rewritten_forge_urls() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::with_files(&dir.path().join("work"), &[("README.md", "one\n")]);
        let forge = Forge::new(&dir.path().join("forge"));
        let bare = forge.publish("acme", "repo", &repo);
        assert_eq!(bare, dir.path().join("forge/acme/repo.git"));
        assert_eq!(git(&bare, &["rev-parse", "--is-bare-repository"]), "true");
        // A new commit reaches the remote by push.
        repo.write("README.md", "two\n");
        let second = repo.commit("second");
        repo.push(&bare, "main");
        assert_eq!(git(&bare, &["rev-parse", "refs/heads/main"]), second);

        // The forge URL, rewritten to the folder; https itself is refused
        // so that a broken rewrite can never reach the internet.
        let rewrite = format!(
            "url.{}.insteadOf=https://github.com/acme/",
            forge.file_prefix("acme")
        );
        git(
            dir.path(),
            &[
                "-c",
                &rewrite,
                "-c",
                "protocol.https.allow=never",
                "clone",
                "-q",
                "https://github.com/acme/repo.git",
                "clone",
            ],
        );
        let cloned = dir.path().join("clone");
        assert_eq!(
            std::fs::read_to_string(cloned.join("README.md")).unwrap(),
            "two\n"
        );
        assert_eq!(git(&cloned, &["rev-parse", "HEAD"]), second);
    }

    /// A forge with acme/repo (one small file) served over HTTP.
    fn served(options: ServerOptions) -> (tempfile::TempDir, GitHttpServer, String) {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::with_files(&dir.path().join("work"), &[("README.md", "hello\n")]);
        let forge = Forge::new(&dir.path().join("forge"));
        forge.publish("acme", "repo", &repo);
        let server = GitHttpServer::start(&forge.root, options);
        let head = repo.head();
        (dir, server, head)
    }

    fn clone_url(server: &GitHttpServer, credentials: &str) -> String {
        server
            .url()
            .replace("http://", &format!("http://{credentials}"))
            + "acme/repo.git"
    }

    const TOKEN: &str = "s3cret-T0ken";

    #[test]
    fn http_clones_need_the_token() {
        let (dir, server, head) = served(ServerOptions {
            token: Some(TOKEN.to_string()),
            ..ServerOptions::default()
        });

        // The token as password in the URL.
        git(
            dir.path(),
            &[
                "clone",
                "-q",
                &clone_url(&server, &format!("x:{TOKEN}@")),
                "a",
            ],
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a/README.md")).unwrap(),
            "hello\n"
        );
        assert_eq!(git(&dir.path().join("a"), &["rev-parse", "HEAD"]), head);
        let log = server.requests();
        // git (curl) first asks without the URL's credentials, to learn the
        // scheme from the 401, then with them. Protocol v2: the capability
        // advertisement, then ls-refs and fetch as two POSTs.
        let summary: Vec<String> = log
            .iter()
            .map(|r| format!("{} {} {} {}", r.status, r.method, r.path, r.query))
            .collect();
        assert_eq!(
            summary,
            [
                "401 GET /acme/repo.git/info/refs service=git-upload-pack",
                "200 GET /acme/repo.git/info/refs service=git-upload-pack",
                "200 POST /acme/repo.git/git-upload-pack ",
                "200 POST /acme/repo.git/git-upload-pack ",
            ],
            "{log:#?}"
        );
        assert!(log.iter().all(|r| r.authorized == (r.status == 200)));
        assert!(
            log.iter()
                .all(|r| r.git_protocol.as_deref() == Some("version=2")),
            "{log:#?}"
        );

        // The token in a header sent with every request: no 401 round.
        let header = format!(
            "http.extraHeader=Authorization: {}",
            basic_auth("any", TOKEN)
        );
        let url = clone_url(&server, "");
        git(dir.path(), &["-c", &header, "clone", "-q", &url, "b"]);
        assert_eq!(git(&dir.path().join("b"), &["rev-parse", "HEAD"]), head);
        let statuses: Vec<u16> = server.requests()[4..].iter().map(|r| r.status).collect();
        assert_eq!(statuses, [200, 200, 200]);

        // No token, and a wrong one: 401 and no clone.
        for (credentials, name) in [("", "c"), ("x:wrong@", "d")] {
            let before = server.requests().len();
            let out = git_output(
                dir.path(),
                &["clone", "-q", &clone_url(&server, credentials), name],
            );
            assert!(!out.status.success());
            assert!(!dir.path().join(name).exists());
            let after = server.requests();
            assert!(after.len() > before);
            assert!(
                after[before..]
                    .iter()
                    .all(|r| r.status == 401 && !r.authorized),
                "{after:#?}"
            );
        }

        let shown = format!("{:?}", server.requests());
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(
            !shown.contains(&base64_encode(TOKEN.as_bytes())[..8]),
            "{shown}"
        );
    }

    // What Backlot will use: libgit2 (git2) over plain HTTP, with the token
    // from a credentials callback.
    #[test]
    fn libgit2_fetches_through_the_server() {
        let (dir, server, head) = served(ServerOptions {
            token: Some(TOKEN.to_string()),
            ..ServerOptions::default()
        });
        let asked = Cell::new(0);
        let mut callbacks = git2::RemoteCallbacks::new();
        callbacks.credentials(|_url, _user, _allowed| {
            asked.set(asked.get() + 1);
            // libgit2 asks again after every 401: a caller must give up.
            if asked.get() > 3 {
                return Err(git2::Error::from_str("credentials refused"));
            }
            git2::Cred::userpass_plaintext("x-access-token", TOKEN)
        });
        let mut fetch = git2::FetchOptions::new();
        fetch.remote_callbacks(callbacks);
        let cloned = git2::build::RepoBuilder::new()
            .fetch_options(fetch)
            .clone(&clone_url(&server, ""), &dir.path().join("lib"))
            .unwrap();
        let got = cloned.head().unwrap().peel_to_commit().unwrap().id();
        assert_eq!(got.to_string(), head);
        drop(cloned);
        assert_eq!(asked.get(), 1);
        let log = server.requests();
        // libgit2 speaks protocol v0 (no Git-Protocol header): asks without
        // credentials, is told 401, and then sends them.
        let summary: Vec<String> = log
            .iter()
            .map(|r| format!("{} {} {} {:?}", r.status, r.method, r.path, r.git_protocol))
            .collect();
        assert_eq!(
            summary,
            [
                "401 GET /acme/repo.git/info/refs None",
                "200 GET /acme/repo.git/info/refs None",
                "200 POST /acme/repo.git/git-upload-pack None",
            ],
            "{log:#?}"
        );
    }

    // Clients without Git-Protocol get protocol v0; HTTP/1.0 ones a body
    // ended by closing the connection; the CGI's statuses pass through.
    #[test]
    fn http_backend_answers_pass_through() {
        let (_dir, server, head) = served(ServerOptions::default());
        let addr = format!("127.0.0.1:{}", server.port());
        let (status, body) = http_get(&addr, "/acme/repo.git/info/refs?service=git-upload-pack");
        assert_eq!(status, 200);
        assert!(
            body.starts_with("001e# service=git-upload-pack\n0000"),
            "{body}"
        );
        assert!(body.contains(&format!("{head} refs/heads/main")), "{body}");
        let (status, _) = http_get(&addr, "/acme/missing.git/info/refs?service=git-upload-pack");
        assert_eq!(status, 404);
        let log = server.requests();
        assert_eq!(
            log.iter()
                .map(|r| (r.status, r.authorized))
                .collect::<Vec<_>>(),
            [(200, true), (404, true)]
        );
        assert!(log[1].stderr.contains("Not a git repository"), "{log:#?}");
    }

    #[test]
    fn a_failing_server_answers_500() {
        let (dir, server, _) = served(ServerOptions {
            fail: true,
            ..ServerOptions::default()
        });
        let out = git_output(dir.path(), &["clone", "-q", &clone_url(&server, ""), "c"]);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("500"), "{stderr}");
        let log = server.requests();
        assert!(!log.is_empty());
        assert!(log.iter().all(|r| r.status == 500), "{log:#?}");
    }

    #[test]
    fn a_stalled_fetch_hangs_until_the_server_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::with_files(
            &dir.path().join("work"),
            &[("README.md", "hello\n"), ("big.txt", &noise(256 * 1024))],
        );
        let forge = Forge::new(&dir.path().join("forge"));
        forge.publish("acme", "repo", &repo);
        let server = GitHttpServer::start(
            &forge.root,
            ServerOptions {
                stall_after: Some(4096),
                ..ServerOptions::default()
            },
        );
        let mut clone = git_command(dir.path(), FIRST_COMMIT_TIME);
        clone.args(["clone", "-q", &clone_url(&server, ""), "c"]);
        let mut running = Running::spawn(clone);
        assert!(
            running.wait_for(Duration::from_secs(3)).is_none(),
            "the clone finished: {:#?}",
            server.requests()
        );
        // It hangs in the pack: the small ls-refs answer went through.
        let log = server.requests();
        let posts: Vec<u16> = log
            .iter()
            .filter(|r| is_upload_pack(r))
            .map(|r| r.status)
            .collect();
        assert_eq!(posts, [200, 200], "{log:#?}");

        // Dropping the server ends the stalled response; the clone, still
        // connected, fails instead of waiting forever.
        let started = Instant::now();
        drop(server);
        assert!(started.elapsed() < Duration::from_secs(2));
        let out = running
            .wait_for(Duration::from_secs(5))
            .expect("the clone ends once the server is gone");
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("RPC failed"), "{stderr}");
        assert!(!dir.path().join("c/big.txt").exists());
    }

    #[test]
    fn base64_round_trips() {
        for text in ["", "a", "ab", "abc", "abcd", "x:s3cret-T0ken"] {
            let encoded = base64_encode(text.as_bytes());
            assert_eq!(base64_decode(&encoded).unwrap(), text.as_bytes());
        }
        assert_eq!(base64_encode(b"x:y"), "eDp5");
        assert_eq!(base64_decode("eDp5").unwrap(), b"x:y");
        assert_eq!(base64_decode("e"), None);
        assert_eq!(base64_decode("e!p5"), None);
    }
}
