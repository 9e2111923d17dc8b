//! Repositories: fetched with libgit2 into the cache, resolved to a commit,
//! handed out as [`GitTree`]s that the crawl mounts.
//!
//! One bare repository per remote in the cache folder (`<cache>/<name>.git`),
//! fetched into, never checked out. For each (repository, ref) a build asks
//! for, once however many locations name it:
//!
//! - **online** (the default): connect, list the remote's refs, resolve the
//!   ref to a commit, and fetch only if the cache does not hold that commit
//!   yet; then point the cache's own ref at it, so that `--offline` builds
//!   find what the last online build saw;
//! - **offline** (`--offline`): resolve the ref in the cache alone;
//! - **locked** (`--locked`): take the commit from `backlot.lock`, fetching
//!   it if the cache lacks it (unless offline too).
//!
//! Repositories are worked on in parallel, at most `git.jobs` at a time, and
//! each under a deadline (`git.timeout`): libgit2's own network timeouts
//! cannot be set without `unsafe`, so a fetch that stalls is left behind on
//! its thread and the build goes on without it.
//!
//! **Failure is contained.** An unreachable remote, a refused token, a
//! missing ref, a cache damaged by a killed fetch: each is a diagnostic
//! naming the repository (its URL redacted), and where the cache holds a
//! commit for the ref, that commit is built and the diagnostic says so.
//! A damaged cache folder is set aside and fetched again. Two builds
//! sharing a cache take turns per repository (an advisory lock on
//! `<name>.lock`, released by the OS if a build dies).
//!
//! **No secret is printed.** Tokens come from environment variables named
//! in backlot.yaml and reach libgit2 only through its credentials callback,
//! for the host they belong to; every message is passed through
//! [`forge::redact`] and scrubbed of the token values themselves.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use git2::Oid;
use rayon::prelude::*;

use crate::config::{Config, EnvSecret};
use crate::forge::{self, ForgeKind, Forges};
use crate::tree::GIT_MOUNTS;
use crate::tree::git::{GitTree, Origin};

use super::lock::{Lock, LockEntry};

mod fetch;

use fetch::{Ask, How, resolve_repo};

/// How refs are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Ask the remote; fetch what is missing.
    #[default]
    Online,
    /// Never touch the network: resolve in the cache.
    Offline,
}

/// What fetching needs to know, from the config and the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub cache: PathBuf,
    pub mode: Mode,
    /// `--locked`: the commits to build.
    pub locked: Option<Lock>,
    pub forges: Forges,
    pub rewrite: Vec<(String, String)>,
    /// Host (with port) → user name and token variable.
    pub tokens: Vec<(String, String, EnvSecret)>,
    pub jobs: usize,
    pub timeout: Duration,
    pub max_fetch_bytes: u64,
    /// Relative paths of `type: git` targets resolve against it.
    pub config_root: PathBuf,
}

impl Settings {
    pub fn from_config(config: &Config, mode: Mode, locked: Option<Lock>) -> Settings {
        let mut tokens: Vec<(String, String, EnvSecret)> = config
            .git
            .auth
            .iter()
            .map(|a| {
                let user = a.username.clone().unwrap_or_else(|| "git".to_string());
                (a.host.clone(), user, a.token.clone())
            })
            .collect();
        for i in &config.integrations {
            if let Some(token) = &i.token {
                let user = i
                    .username
                    .clone()
                    .unwrap_or_else(|| token_user(i.kind).to_string());
                tokens.push((i.host.clone(), user, token.clone()));
            }
        }
        Settings {
            cache: config.git_cache(),
            mode,
            locked,
            forges: Forges::new(config.integrations.iter().map(|i| (i.kind, i.host.clone()))),
            rewrite: config
                .git
                .rewrite
                .iter()
                .map(|r| (r.from.clone(), r.to.clone()))
                .collect(),
            tokens,
            jobs: config.git.jobs.max(1),
            timeout: Duration::from_secs(config.git.timeout.max(1)),
            max_fetch_bytes: config.git.max_fetch_mb.saturating_mul(1024 * 1024),
            config_root: config.root.clone(),
        }
    }

    /// The URL to fetch `url` from: the longest matching `git.rewrite`
    /// prefix replaced, as git's `insteadOf`; a relative local path made
    /// absolute against the config folder.
    pub fn fetch_url(&self, url: &str) -> String {
        let rewritten = self
            .rewrite
            .iter()
            .filter(|(from, _)| url.starts_with(from.as_str()))
            .max_by_key(|(from, _)| from.len())
            .map(|(from, to)| format!("{to}{}", &url[from.len()..]));
        let url = rewritten.unwrap_or_else(|| url.to_string());
        if is_local_path(&url) && Path::new(&url).is_relative() {
            return self.config_root.join(&url).display().to_string();
        }
        url
    }

    /// Every token value, for scrubbing messages.
    fn secrets(&self) -> Vec<String> {
        self.tokens
            .iter()
            .filter_map(|(_, _, s)| s.value())
            .collect()
    }
}

/// The user name that goes with a token on each forge's HTTPS git endpoint.
fn token_user(kind: ForgeKind) -> &'static str {
    match kind {
        // Documented by each forge for tokens in git URLs.
        ForgeKind::GitHub => "x-access-token",
        ForgeKind::GitLab => "oauth2",
        ForgeKind::BitbucketCloud | ForgeKind::BitbucketServer => "x-token-auth",
        // Azure ignores the user name of a personal access token; Gitea
        // accepts a token as the password of any user.
        ForgeKind::Azure | ForgeKind::Gitea => "git",
    }
}

/// A repository and where in it, as a location asks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoRequest {
    /// What to fetch: the clone URL or local path as the location wrote it
    /// (a `url` location's forge clone URL), so that a `git` location's
    /// `ssh://` or `git@host:` URL is fetched over SSH even on a forge. It
    /// may hold credentials; it is never printed unredacted.
    pub url: String,
    /// The repository on its forge, when the URL is a known forge's.
    pub forge: Option<forge::Repo>,
    /// The (ref, path) readings of the location, the first that exists
    /// wins (`HEAD`: the remote's default branch).
    pub candidates: Vec<(String, String)>,
}

impl RepoRequest {
    /// The repository a forge URL names, at the (ref, path) readings of
    /// the URL.
    pub fn of(url: forge::ForgeUrl) -> RepoRequest {
        RepoRequest {
            url: url.repo.clone_url(),
            candidates: url.candidates(),
            forge: Some(url.repo),
        }
    }

    /// Identity: the forge's key, else the URL normalized.
    pub fn identity(&self) -> String {
        match &self.forge {
            Some(repo) => repo.key(),
            None => normalize_url(&self.url),
        }
    }

    /// How people see the repository.
    pub fn display(&self) -> String {
        match &self.forge {
            Some(repo) => repo.display(),
            None => forge::redact(self.url.trim_end_matches('/')),
        }
    }
}

/// A request answered: the tree, and the path inside it.
#[derive(Debug, Clone)]
pub struct Opened {
    pub tree: Arc<GitTree>,
    pub path: String,
}

/// Why a request could not be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub help: String,
    /// Only `--locked` failures: the build cannot be what was asked for,
    /// so it stops (exit 2) instead of publishing something else.
    pub fatal: bool,
}

/// A build went on with an older commit: said once per repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub message: String,
    pub help: String,
}

/// What the repositories of a build did, for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Fetched from the remote in this build.
    pub fetched: usize,
    /// Already in the cache at the resolved commit.
    pub current: usize,
    /// Built from the cache after a failed fetch, or offline.
    pub cached: usize,
    pub failed: usize,
}

/// The repositories of one build (or of one `serve` session: refs are
/// then resolved once, and rebuilds read the same commits).
pub struct Repos {
    settings: Settings,
    /// (identity, ref as asked) → what it resolved to.
    resolved: Mutex<HashMap<(String, String), Result<Resolved, Failure>>>,
    /// Mount path → tree: one tree per (repository, ref, commit).
    trees: Mutex<BTreeMap<PathBuf, Arc<GitTree>>>,
    notices: Mutex<Vec<(String, Notice)>>,
    /// Identity → how its refs were answered (the worst, when a
    /// repository was asked at several refs).
    outcomes: Mutex<BTreeMap<String, How>>,
    /// Called as repositories are done: (done, of).
    progress: Option<Box<dyn Fn(usize, usize) + Send + Sync>>,
}

#[derive(Debug, Clone)]
struct Resolved {
    commit: Oid,
    /// The ref as asked (`HEAD` for the default branch): the lock's key.
    asked: String,
    /// A name for links (`main` for `HEAD`), or the commit.
    name: String,
    git_dir: PathBuf,
}

impl std::fmt::Debug for Repos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repos")
            .field("settings", &self.settings)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Repos {
    pub fn new(settings: Settings) -> Repos {
        Repos {
            settings,
            resolved: Mutex::new(HashMap::new()),
            trees: Mutex::new(BTreeMap::new()),
            notices: Mutex::new(Vec::new()),
            outcomes: Mutex::new(BTreeMap::new()),
            progress: None,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Repositories by how this build answered them.
    pub fn stats(&self) -> Stats {
        let mut stats = Stats::default();
        for how in self
            .outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            match how {
                How::Fetched => stats.fetched += 1,
                How::Current => stats.current += 1,
                How::Cached => stats.cached += 1,
                How::Failed => stats.failed += 1,
            }
        }
        stats
    }

    /// Reports progress while repositories are fetched (a terminal's
    /// spinner): `done` of `of` in the current batch.
    pub fn on_progress(&mut self, report: impl Fn(usize, usize) + Send + Sync + 'static) {
        self.progress = Some(Box::new(report));
    }

    /// Notices of repositories built from an older commit, drained (each
    /// is reported once), with the identity of the repository.
    pub fn take_notices(&self) -> Vec<(String, Notice)> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Answers every request: repositories fetched in parallel (at most
    /// `git.jobs` at once), each (repository, ref) resolved once.
    pub fn open_all(&self, requests: &[RepoRequest]) -> Vec<Result<Opened, Failure>> {
        // The distinct repositories not resolved yet, each with the refs
        // asked of it.
        let mut work: BTreeMap<String, (RepoRequest, Vec<Ask>)> = BTreeMap::new();
        {
            let resolved = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
            for request in requests {
                let identity = request.identity();
                let known = request
                    .candidates
                    .iter()
                    .any(|(r, _)| resolved.contains_key(&(identity.clone(), r.clone())));
                if known {
                    continue;
                }
                let entry = work
                    .entry(identity)
                    .or_insert_with(|| (request.clone(), Vec::new()));
                if !entry.1.contains(&request.candidates) {
                    entry.1.push(request.candidates.clone());
                }
            }
        }
        if !work.is_empty() {
            let jobs: Vec<_> = work.into_iter().collect();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(self.settings.jobs.min(jobs.len()))
                .build();
            let run = || -> Vec<_> {
                jobs.par_iter()
                    .map(|(identity, (request, asks))| {
                        (
                            identity,
                            request,
                            asks,
                            resolve_repo(&self.settings, request, asks),
                        )
                    })
                    .collect()
            };
            let done = match pool {
                Ok(pool) => pool.install(run),
                Err(_) => run(),
            };
            let mut resolved = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
            let mut outcomes = self.outcomes.lock().unwrap_or_else(|e| e.into_inner());
            for (identity, request, asks, outcome) in done {
                let how = outcomes.entry(identity.clone()).or_insert(outcome.how);
                *how = (*how).max(outcome.how);
                if let Some(notice) = outcome.notice {
                    self.notices
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((request.display(), notice));
                }
                for (ask, answer) in asks.iter().zip(outcome.answers) {
                    // Recorded under every reading, so that a later request
                    // with the same readings is not resolved again.
                    for (r, _) in ask {
                        resolved.insert((identity.clone(), r.clone()), answer.clone());
                    }
                }
            }
        }
        requests.iter().map(|r| self.open(r)).collect()
    }

    /// A request whose repository is resolved: its tree.
    fn open(&self, request: &RepoRequest) -> Result<Opened, Failure> {
        let identity = request.identity();
        let resolved = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
        let (answer, path) = request
            .candidates
            .iter()
            .find_map(|(r, path)| {
                let answer = resolved.get(&(identity.clone(), r.clone()))?;
                match answer {
                    Ok(found) if found.asked == *r => Some((Ok(found.clone()), path.clone())),
                    Ok(_) => None,
                    Err(f) => Some((Err(f.clone()), path.clone())),
                }
            })
            .ok_or_else(|| Failure {
                message: format!("{} was not resolved", request.display()),
                help: String::new(),
                fatal: false,
            })?;
        drop(resolved);
        let found = answer?;
        let mount = PathBuf::from(GIT_MOUNTS)
            .join(dir_name(&identity))
            .join(encode_ref(&found.asked))
            .join(found.commit.to_string());
        let mut trees = self.trees.lock().unwrap_or_else(|e| e.into_inner());
        let tree = trees.entry(mount.clone()).or_insert_with(|| {
            Arc::new(GitTree::open(
                &found.git_dir,
                found.commit,
                mount,
                Origin {
                    display: request.display(),
                    git_ref: found.name.clone(),
                    forge: request.forge.clone(),
                    url: forge::redact(&request.url),
                    identity: identity.clone(),
                    asked: found.asked.clone(),
                },
            ))
        });
        Ok(Opened {
            tree: Arc::clone(tree),
            path,
        })
    }

    /// The lock entries of every ref this build resolved, sorted.
    pub fn lock(&self) -> Lock {
        let resolved = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
        let mut entries: Vec<LockEntry> = resolved
            .iter()
            .filter_map(|((identity, asked), answer)| {
                let found = answer.as_ref().ok()?;
                (found.asked == *asked).then(|| LockEntry {
                    url: identity.clone(),
                    git_ref: asked.clone(),
                    commit: found.commit.to_string(),
                })
            })
            .collect();
        entries.sort();
        entries.dedup();
        Lock { entries }
    }

    /// The trees handed out, in mount order.
    pub fn trees(&self) -> Vec<Arc<GitTree>> {
        self.trees
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Keeps what this build learned of each tree for the next build
    /// (see `tree::git`); failing only costs time.
    /// Also removes the memos of commits this build did not read, so
    /// that the cache does not grow with every commit ever built.
    pub fn save(&self) {
        let trees = self.trees();
        let mut commits: BTreeMap<&Path, Vec<Oid>> = BTreeMap::new();
        for tree in &trees {
            let _ = tree.save();
            commits
                .entry(tree.git_dir())
                .or_default()
                .push(tree.commit());
        }
        for tree in &trees {
            if let Some(keep) = commits.remove(tree.git_dir()) {
                tree.prune_memos(&keep);
            }
        }
    }
}

/// Whether `url` is a local path rather than a URL (`scp`-like
/// `user@host:path` counts as a URL).
pub(super) fn is_local_path(url: &str) -> bool {
    let url = url.trim();
    let scp_like = url
        .split_once(':')
        .is_some_and(|(host, _)| host.contains(['.', '@']) && !host.contains('/'));
    !url.contains("://") && !scp_like
}

/// A URL's identity when it is no forge's: credentials dropped, host
/// lower-cased, no trailing `/` or `.git`.
fn normalize_url(url: &str) -> String {
    let url = url.trim();
    let mut text = match url::Url::parse(url) {
        Ok(mut parsed) if parsed.has_host() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        _ => url.to_string(),
    };
    while text.ends_with('/') {
        text.pop();
    }
    text.strip_suffix(".git")
        .map(str::to_string)
        .unwrap_or(text)
}

/// The cache folder's name for a repository: readable, and unique by a
/// hash of the identity.
pub fn dir_name(identity: &str) -> String {
    let readable: String = identity
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let readable = readable.trim_matches(['-', '.']);
    let readable: String = readable
        .chars()
        .rev()
        .take(60)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let hash = sha1_smol::Sha1::from(identity.as_bytes())
        .digest()
        .to_string();
    format!("{readable}-{}", &hash[..10])
}

/// A ref as one path component of a mount path.
fn encode_ref(name: &str) -> String {
    name.replace('%', "%25").replace('/', "%2F")
}

/// `text` with URL credentials and the given secret values hidden.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut text = forge::redact(text);
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret.as_str(), "***");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_take_the_longest_prefix() {
        let mut settings = Settings::from_config(&Config::with_root("/portal"), Mode::Online, None);
        settings.rewrite = vec![
            ("https://github.com/".into(), "file:///mirror/all/".into()),
            (
                "https://github.com/acme/".into(),
                "file:///mirror/acme/".into(),
            ),
        ];
        assert_eq!(
            settings.fetch_url("https://github.com/acme/x.git"),
            "file:///mirror/acme/x.git"
        );
        assert_eq!(
            settings.fetch_url("https://github.com/other/x.git"),
            "file:///mirror/all/other/x.git"
        );
        assert_eq!(settings.fetch_url("../repos/x"), "/portal/../repos/x");
        assert_eq!(
            settings.fetch_url("git@host.example:x.git"),
            "git@host.example:x.git"
        );
    }

    #[test]
    fn secrets_are_scrubbed_from_messages() {
        let text = "failed: https://bot:s3cret-token@git.example.com/x.git said s3cret-token";
        let out = scrub(text, &["s3cret-token".to_string()]);
        assert!(!out.contains("s3cret"), "{out}");
    }

    #[test]
    fn cache_names_are_readable_and_distinct() {
        let a = dir_name("github.com/acme/payments");
        assert!(a.starts_with("github.com-acme-payments-"), "{a}");
        assert_ne!(a, dir_name("github.com/acme-payments"));
        assert!(!dir_name("../../etc").contains('/'));
        assert_eq!(encode_ref("feature/a%b"), "feature%2Fa%25b");
    }

    #[test]
    fn local_paths_and_urls() {
        assert!(is_local_path("../repos/x"));
        assert!(is_local_path("/srv/x.git"));
        assert!(!is_local_path("file:///srv/x.git"));
        assert!(!is_local_path("git@github.com:acme/x.git"));
        assert_eq!(
            normalize_url("https://u:p@Git.Example.com/x.git/"),
            "https://git.example.com/x"
        );
    }
}
