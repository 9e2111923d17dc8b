//! `backlot serve`: the built site served from memory on 127.0.0.1, rebuilt
//! when files change, with open pages reloading themselves.
//!
//! Serving an in-memory [`OutputSet`] means no request path ever reaches
//! the filesystem, and no request can see a half-written site: a rebuild
//! publishes a whole new [`Snapshot`] at once ([`Live`]). Binding to
//! loopback only: a preview server is not meant to be reachable from the
//! network.
//!
//! Live reload needs no WebSocket: every HTML page served gets a small
//! script that long-polls `/__backlot/livereload?gen=N`, which answers as
//! soon as the generation is no longer `N` (or after [`POLL_WAIT`]), and
//! the page reloads when it changed. A rebuild that brings new errors
//! keeps the previous site and puts the errors in an overlay on every page
//! instead ([`Live::offer`]). [`watch`] runs the rebuilds the command line
//! hands it, after each burst of file changes.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tiny_http::{Header, Response, StatusCode};

use crate::output::OutputSet;

/// The reserved path of the live-reload long poll.
pub const LIVERELOAD_PATH: &str = "/__backlot/livereload";
/// How long a long poll waits for a new generation before answering anyway.
pub const POLL_WAIT: Duration = Duration::from_secs(20);

/// One published state of the server.
pub struct Snapshot {
    pub site: Arc<OutputSet>,
    /// The search index of the latest build that has one: a layer under
    /// `site`, so that publishing a site does not copy its ~10,000 paths.
    pub search: Arc<OutputSet>,
    /// Advances with every rebuild, served or not.
    pub generation: u64,
    /// Why the latest rebuild is not the one served (its errors, one per
    /// line), shown over every page; `None` when it is.
    pub problems: Option<String>,
}

/// What a rebuild produced.
pub struct Rebuilt {
    /// The new site, unless it could not be built. Without its search
    /// index when `search` is given: the served index stays until then.
    pub site: Option<OutputSet>,
    /// Why it could not, when that is not in `errors` (an unreadable
    /// config, a template error).
    pub failure: Option<String>,
    /// Its errors, one line each (`diag::emit::error_lines`).
    pub errors: BTreeSet<String>,
    /// Builds the site's search index, after the site is served.
    pub search: Option<SearchJob>,
}

/// The last step of a rebuild: the search index files (path, bytes).
pub type SearchJob = Box<dyn FnOnce() -> Vec<(String, Vec<u8>)> + Send>;

/// The snapshot being served and a way to wait for the next one.
pub struct Live {
    state: Mutex<State>,
    changed: Condvar,
}

struct State {
    snapshot: Arc<Snapshot>,
    /// The errors of the build being served.
    errors: BTreeSet<String>,
    /// The generation whose site is served (the snapshot's, unless a
    /// later rebuild was refused).
    served: u64,
}

impl Snapshot {
    /// A file of the served site: the pages, then the search index.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.site.get(path).or_else(|| self.search.get(path))
    }
}

impl Live {
    /// Serves `site`, a build with these `errors`: errors already there
    /// never hold later rebuilds back.
    pub fn new(site: OutputSet, errors: BTreeSet<String>) -> Arc<Live> {
        Arc::new(Live {
            state: Mutex::new(State {
                snapshot: Arc::new(Snapshot {
                    site: Arc::new(site),
                    search: Arc::default(),
                    generation: 0,
                    problems: None,
                }),
                errors,
                served: 0,
            }),
            changed: Condvar::new(),
        })
    }

    pub fn current(&self) -> Arc<Snapshot> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&state.snapshot)
    }

    /// Publishes a rebuild as the next generation. Its site replaces the
    /// served one unless it could not be built or it brings errors the
    /// served one did not have; then the previous site stays, with the
    /// errors (or the failure) over every page. Returns the generation
    /// and whether the site was replaced.
    pub fn offer(&self, rebuilt: Rebuilt) -> (u64, bool) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let swap = rebuilt.site.is_some() && rebuilt.errors.is_subset(&state.errors);
        let generation = state.snapshot.generation + 1;
        let (site, problems) = match rebuilt.site {
            Some(site) if swap => {
                state.errors = rebuilt.errors;
                state.served = generation;
                (Arc::new(site), None)
            }
            _ => {
                let text = if rebuilt.errors.is_empty() {
                    rebuilt.failure.unwrap_or_default()
                } else {
                    rebuilt.errors.into_iter().collect::<Vec<_>>().join("\n")
                };
                (Arc::clone(&state.snapshot.site), Some(text))
            }
        };
        state.snapshot = Arc::new(Snapshot {
            site,
            // A new site keeps serving the previous index until its own.
            search: Arc::clone(&state.snapshot.search),
            generation,
            problems,
        });
        self.changed.notify_all();
        (generation, swap)
    }

    /// Puts the search index of the build of `generation` into the served
    /// site, if that build is still the one served, without a new
    /// generation: open pages have nothing to reload for it. Returns
    /// whether it did.
    pub fn patch(&self, generation: u64, files: Vec<(String, Vec<u8>)>) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.served != generation {
            return false;
        }
        let mut search = OutputSet::new();
        for (path, bytes) in files {
            search.insert(path, bytes);
        }
        state.snapshot = Arc::new(Snapshot {
            site: Arc::clone(&state.snapshot.site),
            search: Arc::new(search),
            generation: state.snapshot.generation,
            problems: state.snapshot.problems.clone(),
        });
        true
    }

    /// Whether the build of `generation` is the one served.
    pub fn serves(&self, generation: u64) -> bool {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.served == generation
    }

    /// The current generation once it differs from `seen`, or after
    /// `timeout`.
    pub fn wait_past(&self, seen: u64, timeout: Duration) -> u64 {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (state, _) = self
            .changed
            .wait_timeout_while(state, timeout, |s| s.snapshot.generation == seen)
            .unwrap_or_else(|e| e.into_inner());
        state.snapshot.generation
    }
}

/// How long the watcher waits for more changes after one: editors write
/// in bursts (temp file, rename, chmod), and one rebuild should see the
/// whole save, never a half-written file. Short, because it adds to every
/// rebuild's latency.
pub const QUIET: Duration = Duration::from_millis(30);
/// The wait once every file written in the burst has been closed (the
/// file system says so on Linux): the save is complete unless the editor
/// goes on with another file within this time.
pub const SETTLE: Duration = Duration::from_millis(5);

/// Watches `paths` (each folder once, recursively) and, after each burst
/// of changes, runs `rebuild` with the paths that changed (canonical;
/// `None` when the watcher lost track) and offers its result to `live`,
/// then builds its search index on another thread and patches it in.
/// `poll` checks every half second instead of relying on file-system
/// events.
pub fn watch(
    paths: &[PathBuf],
    poll: bool,
    live: &Arc<Live>,
    mut rebuild: impl FnMut(Option<&[PathBuf]>) -> Rebuilt + Send + 'static,
) -> Result<()> {
    use notify::{RecursiveMode, Watcher};
    let (tx, rx) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher: Box<dyn Watcher + Send> = if poll {
        Box::new(notify::PollWatcher::new(
            tx,
            notify::Config::default().with_poll_interval(Duration::from_millis(500)),
        )?)
    } else {
        Box::new(notify::recommended_watcher(tx)?)
    };
    let mut watched: Vec<PathBuf> = Vec::new();
    for path in paths {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if watched.iter().any(|w| path.starts_with(w)) {
            continue;
        }
        watched.retain(|w| !w.starts_with(&path));
        watched.push(path);
    }
    for path in &watched {
        watcher
            .watch(path, RecursiveMode::Recursive)
            .with_context(|| format!("watching {}", path.display()))?;
    }
    let live = Arc::clone(live);
    let indexer = search_worker(Arc::clone(&live));
    std::thread::spawn(move || {
        // The watcher lives as long as this thread.
        let _watcher = watcher;
        while let Ok(first) = rx.recv() {
            let mut changes = Changes::default();
            changes.add(first);
            if changes.is_empty() {
                continue;
            }
            loop {
                let wait = if changes.settled() { SETTLE } else { QUIET };
                match rx.recv_timeout(wait) {
                    Ok(event) => changes.add(event),
                    Err(_) => break,
                }
            }
            let started = Instant::now();
            let mut rebuilt = rebuild(changes.paths());
            let search = rebuilt.search.take();
            let (generation, swapped) = live.offer(rebuilt);
            eprintln!(
                "{} in {} ms (generation {generation})",
                if swapped {
                    "rebuilt"
                } else {
                    "rebuild failed, still serving the previous build"
                },
                started.elapsed().as_millis()
            );
            if let Some(job) = search.filter(|_| swapped) {
                let _ = indexer.send((generation, job));
            }
        }
    });
    Ok(())
}

/// The thread that builds the search index of each served build, after
/// its pages are published; only the newest build's index is built. One
/// thread for the session rather than one per rebuild: with mimalloc, a
/// thread that exits leaves the memory it allocated (an index build
/// allocates hundreds of megabytes) for the next allocating thread to
/// reclaim, which stalled the rebuild after it by tens of milliseconds.
fn search_worker(live: Arc<Live>) -> std::sync::mpsc::Sender<(u64, SearchJob)> {
    let (jobs, queue) = std::sync::mpsc::channel::<(u64, SearchJob)>();
    std::thread::spawn(move || {
        while let Ok(mut next) = queue.recv() {
            while let Ok(newer) = queue.try_recv() {
                next = newer;
            }
            let (generation, job) = next;
            // A newer build is served already: its own index follows.
            if !live.serves(generation) {
                continue;
            }
            let started = Instant::now();
            if live.patch(generation, job()) {
                eprintln!(
                    "search index updated in {} ms (generation {generation})",
                    started.elapsed().as_millis()
                );
            }
        }
    });
    jobs
}

/// The paths a burst of events touched.
#[derive(Default)]
struct Changes {
    paths: Vec<PathBuf>,
    /// The watcher reported an error: anything may have changed.
    lost: bool,
    /// Files written in this burst and not closed yet (as reported).
    writing: Vec<PathBuf>,
    /// Whether the watcher reports closes at all (inotify does; polling
    /// and other platforms' watchers do not).
    closes: bool,
}

impl Changes {
    /// Adds an event's paths that are worth a rebuild: not reads, nothing
    /// under .git or the highlight cache (which builds write).
    fn add(&mut self, event: notify::Result<notify::Event>) {
        let event = match event {
            Ok(event) => event,
            Err(_) => {
                self.lost = true;
                return;
            }
        };
        use notify::EventKind;
        use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind};
        // Git data, Backlot's own cache, and bare repositories (a
        // repository cache kept under the portal's folder, `*.git`): none
        // is input, and the build itself writes there.
        let ignored = |path: &std::path::Path| {
            path.components().any(|c| match c.as_os_str().to_str() {
                Some(name) => name == crate::config::CACHE_DIR || name.ends_with(".git"),
                None => false,
            })
        };
        match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
                self.closes = true;
                self.writing.retain(|w| !event.paths.contains(w));
                return;
            }
            EventKind::Create(CreateKind::File) | EventKind::Modify(ModifyKind::Data(_)) => {
                for path in event.paths.iter().filter(|p| !ignored(p)) {
                    if !self.writing.contains(path) {
                        self.writing.push(path.clone());
                    }
                }
            }
            _ => {}
        }
        if !(event.kind.is_create() || event.kind.is_modify() || event.kind.is_remove()) {
            return;
        }
        for path in event.paths {
            if !ignored(&path) {
                let path = canonical(&path);
                if !self.paths.contains(&path) {
                    self.paths.push(path);
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.paths.is_empty() && !self.lost
    }

    /// Whether every file written in the burst is known to be closed.
    fn settled(&self) -> bool {
        self.closes && self.writing.is_empty()
    }

    fn paths(&self) -> Option<&[PathBuf]> {
        (!self.lost).then_some(self.paths.as_slice())
    }
}

/// `path` with symlinks resolved, as the crawl sees it; for a removed
/// file, its folder's canonical path and its name.
fn canonical(path: &std::path::Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent)
            .map(|p| p.join(name))
            .unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

pub struct Server {
    http: Arc<tiny_http::Server>,
}

impl Server {
    /// Binds `host:port` (port 0 picks a free one).
    pub fn bind(host: &str, port: u16) -> Result<Server> {
        let http = tiny_http::Server::http((host, port))
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("binding {host}:{port}"))?;
        Ok(Server {
            http: Arc::new(http),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.http
            .server_addr()
            .to_ip()
            .expect("bound to an IP address")
    }

    /// Serves until the process ends. Long polls hold a thread each, so
    /// there are more workers than a static server would need.
    /// `prefix` is where the site lives (`/`, or `base_url`'s path such as
    /// `/portal/`): requests outside it are redirected into it.
    pub fn run(self, live: Arc<Live>, prefix: &str) {
        let prefix: Arc<str> = Arc::from(prefix);
        let workers: Vec<_> = (0..16)
            .map(|_| {
                let http = Arc::clone(&self.http);
                let live = Arc::clone(&live);
                let prefix = Arc::clone(&prefix);
                std::thread::spawn(move || {
                    for request in http.incoming_requests() {
                        let host = request
                            .headers()
                            .iter()
                            .find(|h| h.field.equiv("Host"))
                            .map(|h| h.value.as_str().to_string());
                        let method = request.method().as_str().to_string();
                        let response = match refusal(&method, host.as_deref()) {
                            Some(refused) => refused,
                            None => live_response(&live, request.url(), &prefix),
                        };
                        // A client that went away is not our problem.
                        let _ = request.respond(response);
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
    }
}

/// The answer to a request `serve` refuses: a method other than GET and
/// HEAD (405), or a `Host` that is not a loopback name or an IP address
/// (421). A page of attacker.example whose name was made to resolve to
/// 127.0.0.1 (DNS rebinding) sends its own name as the host, so it cannot
/// read the preview; an address cannot be rebound.
pub fn refusal(method: &str, host: Option<&str>) -> Option<Response<std::io::Cursor<Vec<u8>>>> {
    if !matches!(method, "GET" | "HEAD") {
        return Some(
            Response::from_data(b"only GET and HEAD are answered\n".to_vec())
                .with_status_code(StatusCode(405))
                .with_header(header("Allow", "GET, HEAD")),
        );
    }
    let allowed = match host {
        // HTTP/1.0 clients may send none; browsers always do.
        None => true,
        Some(host) => {
            let name = match host.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or_default(),
                None => host.rsplit_once(':').map_or(host, |(name, _)| name),
            };
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost"
                || name.ends_with(".localhost")
                || name.parse::<std::net::IpAddr>().is_ok()
        }
    };
    (!allowed).then(|| {
        Response::from_data(b"this preview answers only to localhost and IP addresses\n".to_vec())
            .with_status_code(StatusCode(421))
    })
}

/// A request against the live server: the long poll, or the current
/// snapshot with the reload script (and the overlay) in its pages.
pub fn live_response(live: &Live, url: &str, prefix: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if path == LIVERELOAD_PATH {
        let seen = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("gen="))
            .and_then(|g| g.parse().ok())
            .unwrap_or(u64::MAX);
        let generation = live.wait_past(seen, POLL_WAIT);
        return Response::from_data(format!("{{\"generation\":{generation}}}").into_bytes())
            .with_header(header("Content-Type", "application/json"))
            .with_header(header("Cache-Control", "no-store"));
    }
    // The site under `prefix`: `/portal/catalog/` is `catalog/`.
    let inner = match url.strip_prefix(prefix.trim_end_matches('/')) {
        Some(rest) if rest.starts_with('/') => rest,
        _ => {
            let target = format!("{prefix}{}", url.trim_start_matches('/'));
            return Response::from_data(Vec::new())
                .with_status_code(StatusCode(302))
                .with_header(header("Location", &target));
        }
    };
    let snapshot = live.current();
    let (status, content_type, body) = answer(&[&snapshot.site, &snapshot.search], inner);
    let body = if content_type.starts_with("text/html") {
        inject(body, &snapshot)
    } else {
        body
    };
    to_response(url, status, content_type, body)
}

/// The reload script (and the overlay, when there are problems) before
/// `</body>`.
fn inject(body: Vec<u8>, snapshot: &Snapshot) -> Vec<u8> {
    let mut extra = String::new();
    if let Some(problems) = &snapshot.problems {
        extra.push_str(
            "<div id=\"backlot-overlay\" role=\"alert\" style=\"position:fixed;inset:auto 1rem 1rem 1rem;\
             z-index:2147483647;max-height:50vh;overflow:auto;padding:1rem;border-radius:6px;\
             background:#3c1618;color:#ffebe9;font:14px/1.4 ui-monospace,monospace;\
             box-shadow:0 8px 24px rgba(0,0,0,.4)\"><strong>The last rebuild failed; \
             this is the previous build.</strong><pre style=\"white-space:pre-wrap;margin:.5rem 0 0\">",
        );
        crate::docs::highlight::escape_into(&mut extra, problems, false);
        extra.push_str("</pre></div>");
    }
    extra.push_str(&format!(
        "<script>/* backlot serve: live reload */(function () {{\
         var seen = {};\
         function poll() {{\
           fetch(\"{LIVERELOAD_PATH}?gen=\" + seen, {{ cache: \"no-store\" }})\
             .then(function (r) {{ return r.json(); }})\
             .then(function (d) {{ if (d.generation !== seen) {{ location.reload(); }} else {{ poll(); }} }})\
             .catch(function () {{ setTimeout(poll, 1000); }});\
         }}\
         poll();\
         }})();</script>",
        snapshot.generation
    ));
    let text = String::from_utf8_lossy(&body);
    match text.rfind("</body>") {
        Some(at) => {
            let mut out = String::with_capacity(text.len() + extra.len());
            out.push_str(&text[..at]);
            out.push_str(&extra);
            out.push_str(&text[at..]);
            out.into_bytes()
        }
        None => {
            let mut out = text.into_owned();
            out.push_str(&extra);
            out.into_bytes()
        }
    }
}

/// What to answer for a request path (without scheme and host), without
/// live reload.
pub fn respond(site: &OutputSet, url: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let (status, content_type, body) = answer(&[site], url);
    to_response(url, status, content_type, body)
}

fn to_response(
    url: &str,
    status: StatusCode,
    content_type: &str,
    body: Vec<u8>,
) -> Response<std::io::Cursor<Vec<u8>>> {
    let mut response = Response::from_data(body)
        .with_status_code(status)
        .with_header(header("Content-Type", content_type))
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("Cache-Control", "no-cache"));
    if status == StatusCode(301) {
        // One leading slash: `//host/x/` (or `/\host`) would send the
        // browser to another site.
        let path = url.split(['?', '#']).next().unwrap_or("/");
        let path = path.trim_start_matches(['/', '\\']);
        response = response.with_header(header("Location", &format!("/{path}/")));
    }
    response
}

/// Status, content type and body for a request path.
/// The answer for `url` from `layers` (the first that has a path wins).
fn answer(layers: &[&OutputSet], url: &str) -> (StatusCode, &'static str, Vec<u8>) {
    let site = Layers(layers);
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let Some(decoded) = crate::site::urls::percent_decode(path) else {
        return not_found(site);
    };
    let rel = decoded.trim_start_matches('/');
    let candidate = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    if let Some(bytes) = site.get(&candidate) {
        return (StatusCode(200), content_type(&candidate), bytes.to_vec());
    }
    // `/catalog/default/component/x` → `/catalog/default/component/x/`,
    // as static hosts do for folders.
    if !rel.is_empty() && !rel.ends_with('/') && site.contains(&format!("{rel}/index.html")) {
        return (StatusCode(301), "text/plain; charset=utf-8", Vec::new());
    }
    not_found(site)
}

/// Files looked up in several sets, in order.
struct Layers<'a>(&'a [&'a OutputSet]);

impl Layers<'_> {
    fn get(&self, path: &str) -> Option<&[u8]> {
        self.0.iter().find_map(|set| set.get(path))
    }

    fn contains(&self, path: &str) -> bool {
        self.0.iter().any(|set| set.contains(path))
    }
}

fn not_found(site: Layers) -> (StatusCode, &'static str, Vec<u8>) {
    let body = site
        .get("404.html")
        .map(<[u8]>::to_vec)
        .unwrap_or_else(|| b"<!doctype html><title>Not found</title><h1>Not found</h1>".to_vec());
    (StatusCode(404), "text/html; charset=utf-8", body)
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("static header names and values are valid")
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> OutputSet {
        let mut s = OutputSet::new();
        s.insert("index.html", "home");
        s.insert("catalog/default/component/a/index.html", "a");
        s.insert("static/x.css", "css");
        s
    }

    #[test]
    fn serves_index_files_and_redirects_folders() {
        let s = site();
        assert_eq!(respond(&s, "/").status_code(), StatusCode(200));
        assert_eq!(
            respond(&s, "/catalog/default/component/a/").status_code(),
            StatusCode(200)
        );
        assert_eq!(
            respond(&s, "/catalog/default/component/a").status_code(),
            StatusCode(301)
        );
        assert_eq!(
            respond(&s, "/static/x.css?v=1").status_code(),
            StatusCode(200)
        );
    }

    fn body(response: Response<std::io::Cursor<Vec<u8>>>) -> String {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut response.into_reader(), &mut out).unwrap();
        out
    }

    #[test]
    fn pages_get_the_reload_script_and_an_escaped_overlay() {
        let mut s = OutputSet::new();
        s.insert("index.html", "<html><body><p>home</p></body></html>");
        s.insert("a.css", "p{}");
        let live = Live::new(s, BTreeSet::new());
        let page = body(live_response(&live, "/", "/"));
        assert!(
            page.contains("var seen = 0;") && page.ends_with("</body></html>"),
            "{page}"
        );
        assert!(!page.contains("backlot-overlay"));
        assert_eq!(body(live_response(&live, "/a.css", "/")), "p{}");
        live.offer(Rebuilt {
            site: None,
            failure: None,
            errors: BTreeSet::from(["x.yaml:1:1: <script>alert(1)</script>".to_string()]),
            search: None,
        });
        let page = body(live_response(&live, "/", "/"));
        assert!(
            page.contains("backlot-overlay") && page.contains("<p>home</p>"),
            "{page}"
        );
        assert!(page.contains("&lt;script&gt;alert(1)"), "{page}");
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("var seen = 1;"));
    }

    /// With `base_url: https://example.org/portal/` the site is served
    /// under `/portal/`; anything else is redirected into it.
    #[test]
    fn the_site_lives_under_the_base_url_path() {
        let live = Live::new(site(), BTreeSet::new());
        let at = |url: &str| live_response(&live, url, "/portal/");
        assert_eq!(at("/portal/").status_code(), StatusCode(200));
        assert_eq!(
            at("/portal/catalog/default/component/a/").status_code(),
            StatusCode(200)
        );
        let location = |r: Response<std::io::Cursor<Vec<u8>>>| {
            assert!(matches!(r.status_code().0, 301 | 302));
            r.headers()
                .iter()
                .find(|h| h.field.equiv("Location"))
                .map(|h| h.value.to_string())
        };
        assert_eq!(
            location(at("/catalog/default/component/a/")).as_deref(),
            Some("/portal/catalog/default/component/a/")
        );
        assert_eq!(at("/portal").status_code(), StatusCode(302));
        assert_eq!(at("/portalx/").status_code(), StatusCode(302));
        // A folder without its slash keeps the prefix in the redirect.
        assert_eq!(
            location(at("/portal/catalog/default/component/a")).as_deref(),
            Some("/portal/catalog/default/component/a/")
        );
    }

    /// Errors the served build already had never hold a rebuild back; new
    /// ones, or a build that failed, keep the previous site.
    #[test]
    fn rebuilds_with_new_errors_keep_the_previous_site() {
        let with = |text: &str| {
            let mut s = OutputSet::new();
            s.insert("index.html", text.to_string());
            s
        };
        let old = BTreeSet::from(["a.yaml:1:1: old".to_string()]);
        let live = Live::new(with("v0"), old.clone());
        let served = |live: &Live| {
            String::from_utf8_lossy(live.current().site.get("index.html").unwrap()).into_owned()
        };
        let offer = |site: Option<&str>, errors: &[&str], failure: Option<&str>| {
            live.offer(Rebuilt {
                site: site.map(with),
                failure: failure.map(str::to_string),
                errors: errors.iter().map(|e| e.to_string()).collect(),
                search: None,
            })
        };
        assert_eq!(offer(Some("v1"), &["a.yaml:1:1: old"], None), (1, true));
        assert_eq!(served(&live), "v1");
        assert!(live.current().problems.is_none());
        assert_eq!(
            offer(Some("v2"), &["a.yaml:1:1: old", "b.yaml:2:1: new"], None),
            (2, false)
        );
        assert_eq!(served(&live), "v1");
        assert_eq!(
            live.current().problems.as_deref(),
            Some("a.yaml:1:1: old\nb.yaml:2:1: new")
        );
        assert_eq!(offer(None, &[], Some("template error")), (3, false));
        assert_eq!(live.current().problems.as_deref(), Some("template error"));
        assert_eq!(offer(Some("v4"), &[], None), (4, true));
        assert_eq!(served(&live), "v4");
        // Once fixed, the old error no longer counts as already there.
        assert_eq!(offer(Some("v5"), &["a.yaml:1:1: old"], None), (5, false));
    }

    #[test]
    fn the_search_index_follows_its_build_without_a_reload() {
        let page = |text: &str| {
            let mut s = OutputSet::new();
            s.insert("index.html", text);
            s
        };
        let file = |live: &Live, path: &str| {
            live.current()
                .get(path)
                .map(|b| String::from_utf8_lossy(b).into_owned())
        };
        let index = |text: &str| vec![("search/meta.js".to_string(), text.as_bytes().to_vec())];
        let live = Live::new(page("v0"), BTreeSet::new());
        assert!(live.patch(0, index("i0")));
        let offer = |site: Option<OutputSet>, errors: &[&str]| {
            live.offer(Rebuilt {
                site,
                failure: None,
                errors: errors.iter().map(|e| e.to_string()).collect(),
                search: None,
            })
        };
        // A new site keeps serving the previous index until its own comes.
        assert_eq!(offer(Some(page("v1")), &[]), (1, true));
        assert_eq!(file(&live, "search/meta.js").as_deref(), Some("i0"));
        assert!(live.patch(1, index("i1")));
        assert_eq!(file(&live, "search/meta.js").as_deref(), Some("i1"));
        assert_eq!(file(&live, "index.html").as_deref(), Some("v1"));
        assert_eq!(live.current().generation, 1, "no reload for the index");
        // The index of a build that is no longer served is dropped.
        assert_eq!(offer(Some(page("v2")), &[]), (2, true));
        assert!(!live.patch(1, index("stale")));
        assert_eq!(file(&live, "search/meta.js").as_deref(), Some("i1"));
        // A refused build's index is never patched in.
        assert_eq!(offer(Some(page("v3")), &["a.yaml:1:1: new"]), (3, false));
        assert!(!live.serves(3) && !live.patch(3, index("refused")));
        assert!(
            live.patch(2, index("i2")),
            "the served build's index still lands"
        );
        assert_eq!(file(&live, "search/meta.js").as_deref(), Some("i2"));
        // Files an index no longer has go with it.
        let two = vec![
            ("search/meta.js".to_string(), b"i3".to_vec()),
            ("search/terms/a.js".to_string(), b"a".to_vec()),
        ];
        assert!(live.patch(2, two));
        assert!(live.patch(2, index("i4")));
        assert_eq!(file(&live, "search/terms/a.js"), None);
    }

    #[test]
    fn a_burst_settles_once_every_written_file_is_closed() {
        use notify::event::{
            AccessKind, AccessMode, CreateKind, DataChange, ModifyKind, RenameMode,
        };
        use notify::{Event, EventKind};
        let event =
            |kind: EventKind, path: &str| Ok(Event::new(kind).add_path(PathBuf::from(path)));
        let modify = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        let close = EventKind::Access(AccessKind::Close(AccessMode::Write));
        // An editor writing in place: modified, then closed.
        let mut c = Changes::default();
        c.add(event(modify, "/p/docs/a.md"));
        assert!(!c.settled() && !c.is_empty());
        c.add(event(close, "/p/docs/other.md"));
        assert!(!c.settled(), "another file's close settles nothing");
        c.add(event(close, "/p/docs/a.md"));
        assert!(c.settled());
        // A safe save: a temporary file written and closed, then renamed.
        let mut c = Changes::default();
        c.add(event(
            EventKind::Create(CreateKind::File),
            "/p/docs/.a.md.tmp",
        ));
        c.add(event(modify, "/p/docs/.a.md.tmp"));
        c.add(event(close, "/p/docs/.a.md.tmp"));
        c.add(event(
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            "/p/docs/a.md",
        ));
        assert!(c.settled());
        // Without close events (polling, other platforms): the quiet window.
        let mut c = Changes::default();
        c.add(event(modify, "/p/docs/a.md"));
        c.add(event(
            EventKind::Remove(notify::event::RemoveKind::File),
            "/p/docs/b.md",
        ));
        assert!(!c.settled());
        // Builds' own writes count for nothing.
        let mut c = Changes::default();
        c.add(event(modify, "/p/.backlot-cache/highlight.cache"));
        assert!(c.is_empty());
        // A watcher error: anything may have changed.
        let mut c = Changes::default();
        c.add(Err(notify::Error::generic("overflow")));
        assert!(!c.is_empty() && c.paths().is_none());
    }

    #[test]
    fn the_long_poll_answers_when_the_generation_moves() {
        let live = Live::new(OutputSet::new(), BTreeSet::new());
        assert_eq!(
            live.wait_past(7, Duration::from_secs(5)),
            0,
            "an old generation answers at once"
        );
        let publisher = Arc::clone(&live);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            publisher.offer(Rebuilt {
                site: Some(OutputSet::new()),
                failure: None,
                errors: BTreeSet::new(),
                search: None,
            });
        });
        assert_eq!(live.wait_past(0, Duration::from_secs(10)), 1);
        t.join().unwrap();
        assert_eq!(
            live.wait_past(1, Duration::from_millis(10)),
            1,
            "times out unchanged"
        );
    }

    // Hardening: no open redirect through `//` or `/\`.
    #[test]
    fn folder_redirects_stay_on_the_site() {
        let s = site();
        for url in [
            "//catalog/default/component/a",
            "/\\catalog/default/component/a",
            "///catalog/default/component/a",
        ] {
            let r = respond(&s, url);
            let location = r
                .headers()
                .iter()
                .find(|h| h.field.equiv("Location"))
                .map(|h| h.value.to_string());
            match r.status_code().0 {
                301 => assert_eq!(
                    location.as_deref(),
                    Some("/catalog/default/component/a/"),
                    "{url}"
                ),
                404 => assert!(location.is_none()),
                other => panic!("{url}: {other}"),
            }
        }
        // What a browser would follow off the site before.
        assert_eq!(
            respond(&s, "//catalog/default/component/a").status_code(),
            StatusCode(301)
        );
    }

    // Hardening: DNS rebinding and methods.
    #[test]
    fn only_loopback_names_and_addresses_and_reads_are_answered() {
        let code = |m: &str, h: Option<&str>| refusal(m, h).map(|r| r.status_code().0);
        for ok in [
            None,
            Some("localhost:8000"),
            Some("LOCALHOST"),
            Some("127.0.0.1:8000"),
            Some("[::1]:8000"),
            Some("portal.localhost:8000"),
            Some("192.168.1.20:8000"),
        ] {
            assert_eq!(code("GET", ok), None, "{ok:?}");
            assert_eq!(code("HEAD", ok), None, "{ok:?}");
        }
        for bad in [
            "attacker.example:8000",
            "attacker.example",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
        ] {
            assert_eq!(code("GET", Some(bad)), Some(421), "{bad}");
        }
        for method in ["POST", "PUT", "DELETE", "OPTIONS", "TRACE"] {
            assert_eq!(code(method, Some("localhost")), Some(405), "{method}");
        }
    }

    #[test]
    fn traversal_and_garbage_are_not_found() {
        let s = site();
        for url in [
            "/../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/%zz",
            "/%ff%fe",
        ] {
            assert_eq!(respond(&s, url).status_code(), StatusCode(404), "{url}");
        }
    }
}
