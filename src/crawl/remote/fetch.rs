//! Resolving one repository's refs to commits: online (ask the remote,
//! fetch what the cache lacks), `--offline` (the cache's refs), `--locked`
//! (the lock's commits); the cache folder it works in (an advisory lock
//! per repository, leftovers of killed fetches cleared, a damaged
//! repository made again); credentials for libgit2.

use std::collections::HashMap;
use std::path::Path;

use git2::{AutotagOption, Cred, CredentialType, FetchOptions, Oid, RemoteCallbacks, Repository};

use crate::forge;

use super::{Failure, Mode, Notice, RepoRequest, Resolved, Settings, dir_name, scrub};

/// One location's (ref, path) readings.
pub(super) type Ask = Vec<(String, String)>;

/// An ask resolved against the remote's refs: the reading's ref, the full
/// ref it names (none for a commit id), the object it points at.
type Picked = Result<(String, Option<String>, Oid), Problem>;

/// How a repository's refs were answered, from the best to the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum How {
    Current,
    Fetched,
    Cached,
    Failed,
}

/// What working on one repository gave: an answer per ask, in order.
pub(super) struct Outcome {
    pub answers: Vec<Result<Resolved, Failure>>,
    pub how: How,
    pub notice: Option<Notice>,
}

impl Outcome {
    fn failed(asks: usize, failure: Failure) -> Outcome {
        Outcome {
            answers: vec![Err(failure); asks],
            how: How::Failed,
            notice: None,
        }
    }
}

/// Resolves every ask of one repository, under the deadline.
pub(super) fn resolve_repo(
    settings: &Settings,
    request: &RepoRequest,
    asks: &[Vec<(String, String)>],
) -> Outcome {
    let display = request.display();
    let dir = settings
        .cache
        .join(format!("{}.git", dir_name(&request.identity())));
    let secrets = settings.secrets();
    let scrub = |text: &str| scrub(text, &secrets);
    if let Err(e) = std::fs::create_dir_all(&settings.cache) {
        return Outcome::failed(
            asks.len(),
            Failure {
                message: format!(
                    "{display} cannot be fetched: the cache folder {} cannot be created ({e})",
                    settings.cache.display()
                ),
                help: "set `git.cache` in backlot.yaml, or pass --cache-dir, to a writable folder"
                    .to_string(),
                fatal: false,
            },
        );
    }
    let locked = settings.locked.as_ref().map(|lock| {
        asks.iter()
            .map(|ask| {
                ask.iter().find_map(|(r, _)| {
                    lock.commit_of(&request.identity(), r)
                        .map(|commit| (r.clone(), commit))
                })
            })
            .collect::<Vec<_>>()
    });
    if let Some(locked) = &locked
        && let Some(i) = locked.iter().position(Option::is_none)
    {
        let asked: Vec<&str> = asks[i].iter().map(|(r, _)| r.as_str()).collect();
        return Outcome::failed(
            asks.len(),
            Failure {
                message: format!(
                    "{display} at {} is not in backlot.lock, and --locked builds only what the lock names",
                    asked.join(" or ")
                ),
                help: "run `backlot build` without --locked to resolve it and update backlot.lock, then commit the lock"
                    .to_string(),
                fatal: true,
            },
        );
    }

    // The work with the network runs on its own thread, so that a remote
    // that never answers costs `git.timeout`, not the build.
    let online = settings.mode == Mode::Online;
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let settings = settings.clone();
        let request = request.clone();
        let all_asks = asks.to_vec();
        let dir = dir.clone();
        let locked = locked.clone();
        let spawned = std::thread::Builder::new()
            .name("backlot-fetch".to_string())
            .spawn(move || {
                let result = with_cache_lock(&dir, || {
                    // Offline, a repository the cache does not hold is not
                    // made: there is nothing to fill it with.
                    if !online && !dir.exists() {
                        return Err(Problem::offline());
                    }
                    let repo = open_cache(&dir)?;
                    match &locked {
                        Some(locked) => resolve_locked(&settings, &repo, &request, locked, online),
                        None if online => resolve_online(&settings, &repo, &request, &all_asks),
                        None => resolve_offline(&repo, &all_asks),
                    }
                });
                let _ = tx.send(result);
            });
        if spawned.is_err() {
            return Outcome::failed(
                asks.len(),
                Failure {
                    message: format!("{display} cannot be fetched: no thread could be started"),
                    help: String::new(),
                    fatal: false,
                },
            );
        }
    }
    let result = match rx.recv_timeout(settings.timeout) {
        Ok(result) => result,
        Err(_) => Err(Problem {
            message: format!(
                "fetching took longer than {} s and was given up",
                settings.timeout.as_secs()
            ),
            help: "check that the remote answers; raise `git.timeout` in backlot.yaml for very large repositories".to_string(),
            kind: ProblemKind::Network,
        }),
    };
    match result {
        Ok((found, how)) => {
            let answers = asks
                .iter()
                .zip(found)
                .map(|(_, found)| {
                    found
                        .map_err(|p| Failure {
                            message: scrub(&format!("{display}: {}", p.message)),
                            help: scrub(&p.help),
                            fatal: locked.is_some(),
                        })
                        .map(|(asked, name, commit)| Resolved {
                            commit,
                            asked,
                            name,
                            git_dir: dir.clone(),
                        })
                })
                .collect();
            Outcome {
                answers,
                how,
                notice: None,
            }
        }
        Err(problem) => {
            // The last commit the cache holds for each ask, when the
            // network failed.
            let fallback = (problem.kind == ProblemKind::Network && locked.is_none() && online)
                .then(|| cached_answers(&dir, asks))
                .flatten();
            match fallback {
                Some(found) => {
                    let shown: Vec<String> = found
                        .iter()
                        .map(|(asked, _, commit)| format!("{asked} at {}", short(*commit)))
                        .collect();
                    Outcome {
                        answers: found
                            .into_iter()
                            .map(|(asked, name, commit)| {
                                Ok(Resolved {
                                    commit,
                                    asked,
                                    name,
                                    git_dir: dir.clone(),
                                })
                            })
                            .collect(),
                        how: How::Cached,
                        notice: Some(Notice {
                            message: scrub(&format!(
                                "{display} could not be fetched ({}); built from the cached commit: {}",
                                problem.message,
                                shown.join(", ")
                            )),
                            help: scrub(&problem.help),
                        }),
                    }
                }
                None => {
                    let message = match settings.mode {
                        Mode::Offline if problem.kind == ProblemKind::Network => {
                            format!("{display} is not in the cache, and --offline fetches nothing")
                        }
                        _ => format!("{display} could not be fetched: {}", problem.message),
                    };
                    let fatal = locked.is_some();
                    Outcome::failed(
                        asks.len(),
                        Failure {
                            message: scrub(&message),
                            help: scrub(&problem.help),
                            fatal,
                        },
                    )
                }
            }
        }
    }
}

/// What went wrong with one repository.
#[derive(Debug, Clone)]
struct Problem {
    message: String,
    help: String,
    kind: ProblemKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProblemKind {
    /// The remote could not be asked (unreachable, refused, timed out,
    /// offline): the cache may stand in.
    Network,
    /// The remote or the cache has no such ref or commit.
    Missing,
    /// The cache folder cannot be used.
    Cache,
}

impl Problem {
    fn offline() -> Problem {
        Problem {
            message: "--offline fetches nothing".to_string(),
            help: "run once without --offline to fill the cache".to_string(),
            kind: ProblemKind::Network,
        }
    }

    fn git(e: git2::Error, doing: &str) -> Problem {
        let message = format!("{doing}: {}", e.message());
        let (help, kind) = match e.class() {
            git2::ErrorClass::Http
            | git2::ErrorClass::Net
            | git2::ErrorClass::Ssl
            | git2::ErrorClass::Ssh
            | git2::ErrorClass::Callback => (
                if e.message().contains("401")
                    || e.message().contains("authentication")
                    || e.code() == git2::ErrorCode::Auth
                {
                    "check the token: name its environment variable in `integrations:` (forges) or `git.auth` (other hosts) of backlot.yaml, and make sure it is set"
                } else {
                    "check the URL and that the host is reachable from this machine; `git.rewrite` in backlot.yaml can point it at a mirror"
                },
                ProblemKind::Network,
            ),
            _ if e.code() == git2::ErrorCode::Auth => (
                "check the token: name its environment variable in `integrations:` (forges) or `git.auth` (other hosts) of backlot.yaml, and make sure it is set",
                ProblemKind::Network,
            ),
            git2::ErrorClass::Os | git2::ErrorClass::Repository | git2::ErrorClass::Invalid => (
                "check the URL and that the host is reachable from this machine; `git.rewrite` in backlot.yaml can point it at a mirror",
                ProblemKind::Network,
            ),
            _ => ("", ProblemKind::Network),
        };
        Problem {
            message,
            help: help.to_string(),
            kind,
        }
    }

    fn missing(message: String) -> Problem {
        Problem {
            message,
            help: "check the branch, tag or commit in the location; `ref` of a `git` location, or the URL's"
                .to_string(),
            kind: ProblemKind::Missing,
        }
    }
}

/// (ref as asked, name for links, commit) per ask.
type Found = Vec<Result<(String, String, Oid), Problem>>;

/// Runs `f` holding the cache's lock for `dir` (an advisory file lock the
/// OS releases when the process ends, however it ends).
fn with_cache_lock<T>(dir: &Path, f: impl FnOnce() -> Result<T, Problem>) -> Result<T, Problem> {
    let lock_path = dir.with_extension("lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| cache_problem(dir, &e.to_string()))?;
    file.lock()
        .map_err(|e| cache_problem(dir, &e.to_string()))?;
    let result = f();
    let _ = file.unlock();
    result
}

fn cache_problem(dir: &Path, why: &str) -> Problem {
    Problem {
        message: format!("the cache folder {} cannot be used ({why})", dir.display()),
        help: "set `git.cache` in backlot.yaml, or pass --cache-dir, to a writable folder"
            .to_string(),
        kind: ProblemKind::Cache,
    }
}

/// The cache's bare repository at `dir`, created if missing. Runs with the
/// cache lock held, so that what a killed build left behind can be
/// cleared: lock files of refs and half-written packs. A folder libgit2
/// cannot open is set aside and made again.
fn open_cache(dir: &Path) -> Result<Repository, Problem> {
    if dir.exists() {
        clear_leftovers(dir);
        match Repository::open_bare(dir) {
            Ok(repo) if repo.is_bare() => return Ok(repo),
            _ => {
                let aside = dir.with_extension(format!("broken-{}", std::process::id()));
                let _ = std::fs::rename(dir, &aside);
                let _ = std::fs::remove_dir_all(&aside);
            }
        }
    }
    // Made in a temporary folder and renamed: a build killed here leaves
    // no half-made repository under the real name.
    let tmp = dir.with_extension(format!("new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    // No templates: the system's would add a dozen hook samples to every
    // repository of the cache, and hooks never run here anyway.
    let mut options = git2::RepositoryInitOptions::new();
    options.bare(true).external_template(false);
    Repository::init_opts(&tmp, &options).map_err(|e| cache_problem(dir, e.message()))?;
    std::fs::rename(&tmp, dir).map_err(|e| cache_problem(dir, &e.to_string()))?;
    Repository::open_bare(dir).map_err(|e| cache_problem(dir, e.message()))
}

/// Removes what a killed fetch leaves: `*.lock` files of refs (which
/// would make every later ref update fail) and packs being written.
fn clear_leftovers(dir: &Path) {
    let mut stack = vec![dir.join("refs")];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(_) if path.extension().is_some_and(|e| e == "lock") => {
                    let _ = std::fs::remove_file(&path);
                }
                _ => {}
            }
        }
    }
    for name in [
        "packed-refs.lock",
        "HEAD.lock",
        "config.lock",
        "shallow.lock",
    ] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    if let Ok(entries) = std::fs::read_dir(dir.join("objects/pack")) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // libgit2 writes a pack as `pack_git2_*` and renames it when done.
            if name.starts_with("pack_git2_") || name.starts_with("tmp_") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The refs a remote advertises.
struct Advertised {
    /// Ref name → the commit it peels to (annotated tags peeled).
    refs: HashMap<String, Oid>,
    /// `refs/heads/<branch>` of the remote's HEAD.
    default: Option<String>,
}

impl Advertised {
    /// The full ref a name means: a branch before a tag (what a forge
    /// URL's `blob/<name>` means), `HEAD` the default branch.
    fn find(&self, name: &str) -> Option<(String, Oid)> {
        let full: Vec<String> = if name == "HEAD" {
            self.default.iter().cloned().collect()
        } else if name.starts_with("refs/") {
            vec![name.to_string()]
        } else {
            vec![format!("refs/heads/{name}"), format!("refs/tags/{name}")]
        };
        full.into_iter()
            .find_map(|f| self.refs.get(&f).map(|oid| (f, *oid)))
    }
}

/// Connects to the remote (through the build's credentials and the
/// system's proxy): one connection serves both the list of refs and the
/// download, so a fetch costs one round trip less than `Remote::fetch`.
fn connect<'r, 'c>(
    settings: &Settings,
    remote: &'c mut git2::Remote<'r>,
) -> Result<git2::RemoteConnection<'r, 'c, 'static>, Problem> {
    remote
        .connect_auth(
            git2::Direction::Fetch,
            Some(callbacks(settings)),
            Some(proxy()),
        )
        .map_err(|e| Problem::git(e, "connecting failed"))
}

/// The refs the remote advertises; records which branch is the remote's
/// default (`refs/remotes/origin/HEAD`, a symbolic ref), for offline
/// builds and links.
fn advertise(
    repo: &Repository,
    connection: &git2::RemoteConnection<'_, '_, '_>,
) -> Result<Advertised, Problem> {
    let mut refs = HashMap::new();
    let mut tag_objects = HashMap::new();
    for head in connection
        .list()
        .map_err(|e| Problem::git(e, "listing the refs failed"))?
    {
        let name = head.name();
        match name.strip_suffix("^{}") {
            Some(tag) => {
                refs.insert(tag.to_string(), head.oid());
            }
            None => {
                tag_objects.insert(name.to_string(), head.oid());
            }
        }
    }
    // Peeled entries win; other refs point at commits already.
    for (name, oid) in tag_objects {
        refs.entry(name).or_insert(oid);
    }
    let default = connection
        .default_branch()
        .ok()
        .and_then(|b| b.as_str().ok().map(str::to_string));
    if let Some(default) = &default {
        let _ = repo.reference_symbolic(
            "refs/remotes/origin/HEAD",
            &tracking_ref(default),
            true,
            "backlot: default branch",
        );
    }
    Ok(Advertised { refs, default })
}

/// Connects, lists the refs, resolves each ask, fetches what the cache
/// lacks, and records the refs in the cache.
fn resolve_online(
    settings: &Settings,
    repo: &Repository,
    request: &RepoRequest,
    asks: &[Vec<(String, String)>],
) -> Result<(Found, How), Problem> {
    let url = settings.fetch_url(&request.url);
    let mut remote = repo
        .remote_anonymous(&url)
        .map_err(|e| Problem::git(e, "the remote cannot be used"))?;
    let mut connection = connect(settings, &mut remote)?;
    let advertised = advertise(repo, &connection)?;
    // Each ask: its first reading whose ref exists, or a commit.
    let mut picked: Vec<Picked> = Vec::new();
    for ask in asks {
        let found = ask.iter().find_map(|(r, _)| {
            advertised
                .find(r)
                .map(|(full, oid)| (r.clone(), Some(full), oid))
        });
        let found = found.or_else(|| {
            ask.iter().find_map(|(r, _)| {
                forge::looks_like_commit(r)
                    .then(|| Oid::from_str(r).ok())
                    .flatten()
                    .filter(|_| r.len() == 40)
                    .map(|oid| (r.clone(), None, oid))
            })
        });
        picked.push(found.ok_or_else(|| {
            let asked: Vec<&str> = ask.iter().map(|(r, _)| r.as_str()).collect();
            Problem::missing(format!(
                "no branch, tag or full commit id named {} on the remote",
                asked.join(" or ")
            ))
        }));
    }
    // Fetch what the cache lacks: the refs by name; commits with every
    // branch and tag (a server need not serve a commit by id).
    let have = |oid: Oid| repo.find_commit(oid).is_ok() || peel_commit(repo, oid).is_some();
    let mut refspecs: Vec<String> = Vec::new();
    for pick in picked.iter().flatten() {
        if have(pick.2) {
            continue;
        }
        match &pick.1 {
            Some(full) => refspecs.push(tracking_refspec(full)),
            None => {
                refspecs.push("+refs/heads/*:refs/remotes/origin/*".to_string());
                refspecs.push("+refs/tags/*:refs/tags/*".to_string());
            }
        }
    }
    refspecs.sort();
    refspecs.dedup();
    let fetched = !refspecs.is_empty();
    if fetched {
        connection
            .remote()
            .download(&refspecs, Some(&mut fetch_options(settings)))
            .map_err(|e| {
                if e.class() == git2::ErrorClass::Callback || e.code() == git2::ErrorCode::User {
                    Problem {
                        message: format!(
                            "the fetch was stopped past {} MiB",
                            settings.max_fetch_bytes / (1024 * 1024)
                        ),
                        help: "the repository is larger than `git.max_fetch_mb` in backlot.yaml allows; raise it if the repository is trusted".to_string(),
                        kind: ProblemKind::Network,
                    }
                } else {
                    Problem::git(e, "fetching failed")
                }
            })?;
    }
    // Record what was resolved, for `--offline` builds and cached fallbacks.
    if let Some(default) = &advertised.default
        && let Some(oid) = advertised.refs.get(default)
        && have(*oid)
    {
        let _ = repo.reference(
            &tracking_ref(default),
            *oid,
            true,
            "backlot: default branch",
        );
    }
    let found: Found = picked
        .into_iter()
        .map(|pick| {
            let (asked, full, oid) = pick?;
            let commit = peel_commit(repo, oid).ok_or_else(|| {
                Problem::missing(format!(
                    "{asked} ({}) is not a commit the remote sent",
                    short(oid)
                ))
            })?;
            if let Some(full) = &full {
                let _ = repo.reference(&tracking_ref(full), commit, true, "backlot: resolved");
            }
            // Full ref names: the forge's URLs tell branches from tags.
            let name = full.unwrap_or_else(|| asked.clone());
            Ok((asked, name, commit))
        })
        .collect();
    Ok((found, if fetched { How::Fetched } else { How::Current }))
}

/// `--locked`: each ask's commit from the lock, fetched if the cache lacks
/// it (by its ref, then every branch and tag), unless offline.
fn resolve_locked(
    settings: &Settings,
    repo: &Repository,
    request: &RepoRequest,
    locked: &[Option<(String, String)>],
    online: bool,
) -> Result<(Found, How), Problem> {
    let wanted: Vec<(String, Oid)> = locked
        .iter()
        .flatten()
        .map(|(r, commit)| {
            Oid::from_str(commit)
                .map(|oid| (r.clone(), oid))
                .map_err(|_| {
                    Problem::missing(format!(
                        "backlot.lock names {commit}, which is not a commit id"
                    ))
                })
        })
        .collect::<Result<_, _>>()?;
    let missing: Vec<&(String, Oid)> = wanted
        .iter()
        .filter(|(_, oid)| repo.find_commit(*oid).is_err())
        .collect();
    let mut how = How::Current;
    if !missing.is_empty() {
        if !online {
            return Err(Problem {
                message: format!(
                    "the cache does not hold commit {} that backlot.lock names, and --offline fetches nothing",
                    short(missing[0].1)
                ),
                help: "run once without --offline to fetch it".to_string(),
                kind: ProblemKind::Missing,
            });
        }
        let url = settings.fetch_url(&request.url);
        let mut remote = repo
            .remote_anonymous(&url)
            .map_err(|e| Problem::git(e, "the remote cannot be used"))?;
        let by_name: Vec<String> = {
            let connection = connect(settings, &mut remote)?;
            let advertised = advertise(repo, &connection)?;
            // The refs by name first (the locked commit is usually on
            // them); then every branch and tag.
            missing
                .iter()
                .filter_map(|(r, _)| advertised.find(r))
                .map(|(full, _)| tracking_refspec(&full))
                .collect()
        };
        let everything = vec![
            "+refs/heads/*:refs/remotes/origin/*".to_string(),
            "+refs/tags/*:refs/tags/*".to_string(),
        ];
        for refspecs in [by_name, everything] {
            if refspecs.is_empty() {
                continue;
            }
            // A named ref that moved on, or is gone, may fail: the second
            // round fetches everything.
            let options = &mut fetch_options(settings);
            let _ = remote.fetch(&refspecs, Some(options), Some("backlot: fetch locked"));
            how = How::Fetched;
            if missing
                .iter()
                .all(|(_, oid)| repo.find_commit(*oid).is_ok())
            {
                break;
            }
        }
    }
    let found: Found = wanted
        .into_iter()
        .map(|(asked, oid)| {
            if repo.find_commit(oid).is_err() {
                return Err(Problem::missing(format!(
                    "commit {} that backlot.lock names for {asked} is not on the remote any more",
                    short(oid)
                )));
            }
            let name = link_name(repo, &asked).unwrap_or_else(|| oid.to_string());
            Ok((asked, name, oid))
        })
        .collect();
    Ok((found, how))
}

/// The full ref name links use for `asked` in a locked build, as a plain
/// build names it: the branch or tag of that name (the default branch for
/// `HEAD`, as the last build that asked the remote recorded), whichever
/// commit it points at now.
fn link_name(repo: &Repository, asked: &str) -> Option<String> {
    if asked == "HEAD" {
        let head = repo.find_reference("refs/remotes/origin/HEAD").ok()?;
        let target = head.symbolic_target().ok()??;
        return Some(target.replace("refs/remotes/origin/", "refs/heads/"));
    }
    if asked.starts_with("refs/") {
        return Some(asked.to_string());
    }
    let branch = format!("refs/remotes/origin/{asked}");
    let tag = format!("refs/tags/{asked}");
    if repo.find_reference(&branch).is_ok() {
        Some(format!("refs/heads/{asked}"))
    } else if repo.find_reference(&tag).is_ok() {
        Some(tag)
    } else if forge::looks_like_commit(asked) {
        None
    } else {
        Some(format!("refs/heads/{asked}"))
    }
}

/// `--offline`: each ask resolved in the cache alone.
fn resolve_offline(repo: &Repository, asks: &[Ask]) -> Result<(Found, How), Problem> {
    let found = asks
        .iter()
        .map(|ask| {
            ask.iter()
                .find_map(|(r, _)| {
                    let (name, oid) = resolve_cached(repo, r)?;
                    Some((r.clone(), name, oid))
                })
                .ok_or_else(|| {
                    let asked: Vec<&str> = ask.iter().map(|(r, _)| r.as_str()).collect();
                    Problem {
                        message: format!(
                            "the cache holds no branch, tag or commit named {}, and --offline fetches nothing",
                            asked.join(" or ")
                        ),
                        help: "run once without --offline to fetch it".to_string(),
                        kind: ProblemKind::Missing,
                    }
                })
        })
        .collect();
    Ok((found, How::Cached))
}

/// Each ask resolved in the cache alone (after a failed fetch): `None`
/// unless every ask resolves.
fn cached_answers(
    dir: &Path,
    asks: &[Vec<(String, String)>],
) -> Option<Vec<(String, String, Oid)>> {
    let repo = Repository::open_bare(dir).ok()?;
    asks.iter()
        .map(|ask| {
            ask.iter().find_map(|(r, _)| {
                let (name, oid) = resolve_cached(&repo, r)?;
                Some((r.clone(), name, oid))
            })
        })
        .collect()
}

/// A ref in the cache: what the last online build recorded.
fn resolve_cached(repo: &Repository, name: &str) -> Option<(String, Oid)> {
    let candidates: Vec<String> = if name == "HEAD" {
        vec!["refs/remotes/origin/HEAD".to_string()]
    } else if let Some(branch) = name.strip_prefix("refs/heads/") {
        vec![format!("refs/remotes/origin/{branch}")]
    } else if name.starts_with("refs/") {
        vec![name.to_string()]
    } else {
        vec![
            format!("refs/remotes/origin/{name}"),
            format!("refs/tags/{name}"),
        ]
    };
    for full in candidates {
        if let Ok(reference) = repo.find_reference(&full) {
            let resolved = reference.resolve().ok()?;
            // Back from the cache's names to the remote's full ref names.
            let shown = resolved
                .name()
                .map(|n| match n.strip_prefix("refs/remotes/origin/") {
                    Some(branch) => format!("refs/heads/{branch}"),
                    None => n.to_string(),
                })
                .unwrap_or_else(|_| name.to_string());
            let oid = resolved.target()?;
            return Some((shown, peel_commit(repo, oid)?));
        }
    }
    if forge::looks_like_commit(name) {
        let object = repo.revparse_single(name).ok()?;
        let oid = object.peel_to_commit().ok()?.id();
        return Some((name.to_string(), oid));
    }
    None
}

fn peel_commit(repo: &Repository, oid: Oid) -> Option<Oid> {
    Some(
        repo.find_object(oid, None)
            .ok()?
            .peel_to_commit()
            .ok()?
            .id(),
    )
}

/// Where the cache keeps a remote ref: branches under `refs/remotes/origin/`,
/// tags and others as they are.
fn tracking_ref(full: &str) -> String {
    match full.strip_prefix("refs/heads/") {
        Some(branch) => format!("refs/remotes/origin/{branch}"),
        None => full.to_string(),
    }
}

fn tracking_refspec(full: &str) -> String {
    format!("+{full}:{}", tracking_ref(full))
}

fn short(oid: Oid) -> String {
    oid.to_string()[..12].to_string()
}

/// How every fetch runs: the build's credentials and size limit, the
/// system's proxy settings, only the refspecs asked for (no tags that
/// come along), no FETCH_HEAD.
fn fetch_options(settings: &Settings) -> FetchOptions<'static> {
    let mut options = FetchOptions::new();
    options
        .remote_callbacks(callbacks(settings))
        .proxy_options(proxy())
        .download_tags(AutotagOption::None)
        .update_fetchhead(false);
    options
}

fn proxy() -> git2::ProxyOptions<'static> {
    let mut proxy = git2::ProxyOptions::new();
    proxy.auto();
    proxy
}

/// Credentials for the host libgit2 talks to: the configured token, then
/// git's credential helpers, then the SSH agent. Each kind is tried once,
/// so a refused token ends the fetch instead of looping.
fn callbacks(settings: &Settings) -> RemoteCallbacks<'static> {
    let tokens = settings.tokens.clone();
    let max = settings.max_fetch_bytes;
    let mut tried_token = false;
    let mut tried_helper = false;
    let mut tried_agent = false;
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |url, user_from_url, allowed| {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| {
                let host = u.host_str()?.to_ascii_lowercase();
                Some(match u.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                })
            })
            .unwrap_or_default();
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
            if !tried_token {
                tried_token = true;
                let token = tokens.iter().find(|(h, _, _)| *h == host);
                if let Some((_, user, secret)) = token {
                    return match secret.value() {
                        Some(value) => Cred::userpass_plaintext(user, &value),
                        None => Err(git2::Error::from_str(&format!(
                            "the token for {host} is read from ${}, which is not set",
                            secret.var
                        ))),
                    };
                }
            }
            if !tried_helper {
                tried_helper = true;
                if let Ok(config) = git2::Config::open_default()
                    && let Ok(cred) = Cred::credential_helper(&config, url, user_from_url)
                {
                    return Ok(cred);
                }
            }
        }
        if allowed.contains(CredentialType::SSH_KEY) && !tried_agent {
            tried_agent = true;
            return Cred::ssh_key_from_agent(user_from_url.unwrap_or("git"));
        }
        if allowed.contains(CredentialType::USERNAME) {
            return Cred::username(user_from_url.unwrap_or("git"));
        }
        Err(git2::Error::new(
            git2::ErrorCode::Auth,
            git2::ErrorClass::Http,
            format!("authentication to {host} failed"),
        ))
    });
    callbacks.transfer_progress(move |progress| progress.received_bytes() as u64 <= max);
    callbacks
}
