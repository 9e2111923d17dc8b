//! File and folder URLs of git forges, the way Backstage's
//! `@backstage/integration` package understands them.
//!
//! Owns: which hosts are forges (the public ones plus hosts declared under
//! `integrations:`, as in Backstage's app-config), reading a forge URL into
//! a repository, a git ref and a path inside the repository, and the other
//! way, writing the forge URLs Backstage writes: the view URL of a file
//! (`backstage.io/view-url`), the folder URL of `backstage.io/source-location`,
//! the edit URL (`backstage.io/edit-url`, MkDocs' `edit_uri`), clone URLs.
//! Also `redact`, which callers apply to every URL they print.
//!
//! Must not: do IO or networking (deciding which of several ref/path splits
//! exists is the caller's job, with the remote's refs in hand), or import
//! anything from the rest of the crate: it is a leaf.
//!
//! Upstream sources the rules come from, in backstage/backstage:
//! `packages/integration/src/{github,gitlab,bitbucketCloud,bitbucketServer,azure,gitea}/`
//! (`*Integration.ts`: `resolveUrl`, `resolveEditUrl`; `core.ts`;
//! `azure/AzureUrl.ts`), `packages/integration/src/helpers.ts`
//! (`defaultScmResolveUrl`, `parseGitUrlSafe`), the `git-url-parse` package
//! they rely on, and `plugins/catalog-backend/.../AnnotateLocationEntityProcessor.ts`
//! (which annotation gets which URL).

use std::fmt::{self, Write as _};

use url::Url;
use url::form_urlencoded;

/// The forges Backlot knows, one per Backstage `integrations:` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ForgeKind {
    GitHub,
    GitLab,
    BitbucketCloud,
    BitbucketServer,
    Azure,
    Gitea,
}

impl ForgeKind {
    pub const ALL: [ForgeKind; 6] = [
        ForgeKind::GitHub,
        ForgeKind::GitLab,
        ForgeKind::BitbucketCloud,
        ForgeKind::BitbucketServer,
        ForgeKind::Azure,
        ForgeKind::Gitea,
    ];

    /// The key under `integrations:` in Backstage's app-config (and in
    /// backlot.yaml).
    pub fn config_key(self) -> &'static str {
        match self {
            ForgeKind::GitHub => "github",
            ForgeKind::GitLab => "gitlab",
            ForgeKind::BitbucketCloud => "bitbucketCloud",
            ForgeKind::BitbucketServer => "bitbucketServer",
            ForgeKind::Azure => "azure",
            ForgeKind::Gitea => "gitea",
        }
    }

    /// The kind of an `integrations:` key. Backstage's keys are
    /// case-sensitive, and so is this; the deprecated `bitbucket` key (both
    /// Bitbucket flavours at once) is not accepted, since it cannot say which.
    pub fn from_config_key(key: &str) -> Option<ForgeKind> {
        ForgeKind::ALL.into_iter().find(|k| k.config_key() == key)
    }

    /// The host an `integrations:` entry without `host` means, as in
    /// Backstage's config readers (the public instance of the forge).
    pub fn default_host(self) -> Option<&'static str> {
        match self {
            ForgeKind::GitHub => Some("github.com"),
            ForgeKind::GitLab => Some("gitlab.com"),
            ForgeKind::BitbucketCloud => Some("bitbucket.org"),
            ForgeKind::Azure => Some("dev.azure.com"),
            ForgeKind::BitbucketServer | ForgeKind::Gitea => None,
        }
    }

    /// The product name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ForgeKind::GitHub => "GitHub",
            ForgeKind::GitLab => "GitLab",
            ForgeKind::BitbucketCloud => "Bitbucket Cloud",
            ForgeKind::BitbucketServer => "Bitbucket Server",
            ForgeKind::Azure => "Azure DevOps",
            ForgeKind::Gitea => "Gitea",
        }
    }
}

impl fmt::Display for ForgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The hosts that are forges: the public ones, always, and the declared
/// ones (`integrations:`), which are looked at first.
///
/// Backstage matches an integration by `URL.host`, port included, so a
/// declared host may carry a port (`git.example.com:8443`, `127.0.0.1:3000`).
/// Unlike Backstage, hosts compare case-insensitively (URLs lower-case their
/// host anyway; a declared `Git.Example.com` should still match).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forges {
    declared: Vec<(ForgeKind, String)>,
}

impl Forges {
    /// Public hosts plus `declared` (forge, host) pairs. A host written with
    /// a scheme or a trailing slash is tolerated (`https://git.example.com/`).
    pub fn new(declared: impl IntoIterator<Item = (ForgeKind, String)>) -> Forges {
        Forges {
            declared: declared
                .into_iter()
                .map(|(kind, host)| (kind, normalize_host(&host)))
                .filter(|(_, host)| !host.is_empty())
                .collect(),
        }
    }

    /// The forge at `host` (`name` or `name:port`), if any.
    pub fn kind_of(&self, host: &str) -> Option<ForgeKind> {
        let host = normalize_host(host);
        self.declared
            .iter()
            .find(|(_, h)| *h == host)
            .map(|(kind, _)| *kind)
            .or_else(|| public_kind(&host))
    }

    /// The forge behind an ssh host name (no port: an ssh port says nothing
    /// of the web port), and the web host (with its port) to link to.
    fn for_ssh_host(&self, hostname: &str) -> Option<(ForgeKind, String)> {
        let hostname = hostname.to_ascii_lowercase();
        if let Some((kind, host)) = self
            .declared
            .iter()
            .find(|(_, h)| hostname_of(h) == hostname)
        {
            return Some((*kind, host.clone()));
        }
        if hostname == "ssh.dev.azure.com" {
            return Some((ForgeKind::Azure, "dev.azure.com".to_string()));
        }
        public_kind(&hostname).map(|kind| (kind, hostname))
    }
}

/// Hosts known without any declaration: those Backstage's config readers
/// add when not configured (github.com, gitlab.com, bitbucket.org,
/// dev.azure.com), plus the legacy `<org>.visualstudio.com` and
/// raw.githubusercontent.com, Backlot's additions: they can only mean one
/// thing.
fn public_kind(host: &str) -> Option<ForgeKind> {
    match host {
        "github.com" | "raw.githubusercontent.com" => Some(ForgeKind::GitHub),
        "gitlab.com" => Some(ForgeKind::GitLab),
        "bitbucket.org" => Some(ForgeKind::BitbucketCloud),
        "dev.azure.com" => Some(ForgeKind::Azure),
        _ if is_visualstudio(host) => Some(ForgeKind::Azure),
        _ => None,
    }
}

fn is_visualstudio(host: &str) -> bool {
    host.strip_suffix(".visualstudio.com")
        .is_some_and(|org| !org.is_empty() && !org.contains(':'))
}

fn normalize_host(host: &str) -> String {
    let host = host.trim();
    let host = host.split_once("://").map_or(host, |(_, rest)| rest);
    host.trim_end_matches('/').to_ascii_lowercase()
}

/// `name:port` → `name`; `[::1]:80` → `[::1]`.
fn hostname_of(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty() => name,
        _ => host,
    }
}

/// A repository on a forge. It never holds credentials: userinfo of the URL
/// it was read from is dropped, so no URL built from it can leak a token.
///
/// Equality is structural (same host, same spelling); [`Repo::key`] is the
/// identity to compare repositories named by different URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repo {
    pub kind: ForgeKind,
    /// `https`, or `http` for a declared host reached over http (tests on
    /// 127.0.0.1); public hosts are always https.
    scheme: String,
    /// Lower-case host, with the port when the URL had a non-default one.
    host: String,
    /// Path segments before the repository name, decoded: the owner
    /// (GitHub, Gitea, Bitbucket Cloud workspace), the group path (GitLab),
    /// context path + project key or `~user` (Bitbucket Server), collection
    /// path + organization + project (Azure; only the project on
    /// `<org>.visualstudio.com`, whose host names the organization).
    namespace: Vec<String>,
    /// The repository (project, slug) name, decoded, without `.git`.
    name: String,
}

impl Repo {
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn namespace(&self) -> &[String] {
        &self.namespace
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }

    /// The URL to `git clone`: `https://host/owner/repo.git` on GitHub,
    /// GitLab, Gitea and Bitbucket Cloud; `https://host/scm/KEY/repo.git` on
    /// Bitbucket Server (key case kept: the server matches it either way);
    /// `https://dev.azure.com/org/project/_git/repo` on Azure (no `.git`).
    pub fn clone_url(&self) -> String {
        match self.kind {
            ForgeKind::GitHub
            | ForgeKind::GitLab
            | ForgeKind::Gitea
            | ForgeKind::BitbucketCloud => format!("{}.git", self.web_url()),
            ForgeKind::BitbucketServer => {
                let (prefix, key) = self.bitbucket_server_parts();
                let mut url = self.origin();
                for segment in prefix {
                    push_segment(&mut url, segment);
                }
                url.push_str("/scm");
                push_segment(&mut url, key);
                push_segment(&mut url, &self.name);
                url.push_str(".git");
                url
            }
            ForgeKind::Azure => {
                let mut url = self.origin();
                for segment in &self.namespace {
                    push_segment(&mut url, segment);
                }
                url.push_str("/_git");
                push_segment(&mut url, &self.name);
                url
            }
        }
    }

    /// The repository's home page (MkDocs' `repo_url` when the techdocs-ref
    /// is the bare repository). On Azure, the `_git/repo` short form when
    /// the repository is named like its project (`AzureUrl.toRepoUrl`).
    pub fn web_url(&self) -> String {
        let mut url = self.origin();
        match self.kind {
            ForgeKind::GitHub
            | ForgeKind::GitLab
            | ForgeKind::Gitea
            | ForgeKind::BitbucketCloud => {
                for segment in &self.namespace {
                    push_segment(&mut url, segment);
                }
                push_segment(&mut url, &self.name);
            }
            ForgeKind::BitbucketServer => {
                let (prefix, key) = self.bitbucket_server_parts();
                for segment in prefix {
                    push_segment(&mut url, segment);
                }
                match key.strip_prefix('~') {
                    Some(user) => {
                        url.push_str("/users");
                        push_segment(&mut url, user);
                    }
                    None => {
                        url.push_str("/projects");
                        push_segment(&mut url, key);
                    }
                }
                url.push_str("/repos");
                push_segment(&mut url, &self.name);
            }
            ForgeKind::Azure => {
                // `org/_git/repo` only where it reads back unambiguously:
                // one organization segment, not on visualstudio.com.
                let short = !is_visualstudio(&self.host)
                    && self.namespace.len() == 2
                    && self.namespace[1] == self.name;
                let shown = if short {
                    &self.namespace[..1]
                } else {
                    &self.namespace[..]
                };
                for segment in shown {
                    push_segment(&mut url, segment);
                }
                url.push_str("/_git");
                push_segment(&mut url, &self.name);
            }
        }
        url
    }

    /// For humans: `github.com/acme/payments`, `gitlab.com/group/sub/project`.
    pub fn display(&self) -> String {
        let mut text = self.host.clone();
        for segment in self.namespace.iter().chain([&self.name]) {
            text.push('/');
            text.push_str(segment);
        }
        text
    }

    /// Identity of the repository, whatever URL named it: lower-case (every
    /// supported forge matches owner and repository names case-insensitively),
    /// no scheme, no `.git`, and `<org>.visualstudio.com/project/repo` read
    /// as `dev.azure.com/org/project/repo`, the same repository.
    pub fn key(&self) -> String {
        let text = match self.host.strip_suffix(".visualstudio.com") {
            Some(org) if self.kind == ForgeKind::Azure => {
                let mut text = format!("dev.azure.com/{org}");
                for segment in self.namespace.iter().chain([&self.name]) {
                    text.push('/');
                    text.push_str(segment);
                }
                text
            }
            _ => self.display(),
        };
        text.to_lowercase()
    }

    /// The view URL of the file `path` at `git_ref` (`backstage.io/view-url`
    /// of a descriptor read from it).
    ///
    /// `git_ref` is a branch or tag name, a commit, or a full ref:
    /// `refs/heads/x` and `refs/tags/x` become the short name where the
    /// forge's URL wants one; Gitea and Azure put tags and commits in their
    /// own URL forms (`src/tag/x`, `version=GTx`; `src/commit/sha`,
    /// `version=GCsha`), so pass tags as `refs/tags/x` there. Bitbucket
    /// Server's `at=` takes the ref as given.
    pub fn file_url(&self, git_ref: &str, path: &str) -> String {
        self.tree_url(git_ref, path, false)
    }

    /// The URL of the folder `path` at `git_ref`, as Backstage writes it into
    /// `backstage.io/source-location` (`url:<this>`): its
    /// `resolveUrl({ url: './', base: <file URL> })`. The path part ends
    /// with `/` (on Bitbucket Server and Azure, before the query or inside
    /// the `path` parameter). GitHub's is a `tree` URL; GitLab keeps `-/blob/`
    /// (its `resolveUrl` does not rewrite the type, and GitLab redirects a
    /// folder's blob URL to its tree).
    pub fn folder_url(&self, git_ref: &str, path: &str) -> String {
        self.tree_url(git_ref, path, true)
    }

    fn tree_url(&self, git_ref: &str, path: &str, folder: bool) -> String {
        let path = clean_path(path);
        let mut url = self.web_url();
        match self.kind {
            ForgeKind::GitHub => {
                url.push_str(if folder { "/tree/" } else { "/blob/" });
                push_ref_and_path(&mut url, short_ref(git_ref), &path, folder);
            }
            ForgeKind::GitLab => {
                url.push_str("/-/blob/");
                push_ref_and_path(&mut url, short_ref(git_ref), &path, folder);
            }
            ForgeKind::BitbucketCloud => {
                url.push_str("/src/");
                push_ref_and_path(&mut url, short_ref(git_ref), &path, folder);
            }
            ForgeKind::Gitea => {
                let (form, name) = gitea_ref(git_ref);
                url.push_str("/src/");
                url.push_str(form);
                url.push('/');
                push_ref_and_path(&mut url, name, &path, folder);
            }
            ForgeKind::BitbucketServer => {
                url.push_str("/browse");
                if !path.is_empty() {
                    url.push('/');
                    url.push_str(&encode_path(&path));
                }
                if folder {
                    url.push('/');
                }
                push_query(&mut url, &[("at", git_ref)]);
            }
            ForgeKind::Azure => {
                let mut repo_path = format!("/{path}");
                if folder && !path.is_empty() {
                    repo_path.push('/');
                }
                let version = azure_version(git_ref);
                push_query(&mut url, &[("path", &repo_path), ("version", &version)]);
            }
        }
        url
    }

    /// The edit URL of `path` (a file, or a folder for MkDocs' `edit_uri`)
    /// at `git_ref`, after each integration's `resolveEditUrl`: GitHub
    /// `edit/`, GitLab `-/edit/`, Gitea `_edit/`, Bitbucket Cloud the view
    /// URL with `?mode=edit&at=<ref>`, Bitbucket Server the view URL without
    /// its query (Backstage drops `at`, since Bitbucket Server has no edit
    /// link; backstage/backstage#20042), Azure the view URL itself (Backstage
    /// has no Azure edit URL).
    ///
    /// `None` when the view URL holds a commit hash (40 or more hex digits),
    /// as `AnnotateLocationEntityProcessor` omits `backstage.io/edit-url`
    /// then: a commit cannot be edited. [`has_commit_hash`] is that test, for
    /// callers that keep a location's URL verbatim.
    pub fn edit_url(&self, git_ref: &str, path: &str) -> Option<String> {
        let view = self.file_url(git_ref, path);
        if has_commit_hash(&view) {
            return None;
        }
        let path = clean_path(path);
        let edit = match self.kind {
            ForgeKind::GitHub => {
                let mut url = self.web_url();
                url.push_str("/edit/");
                push_ref_and_path(&mut url, short_ref(git_ref), &path, false);
                url
            }
            ForgeKind::GitLab => {
                let mut url = self.web_url();
                url.push_str("/-/edit/");
                push_ref_and_path(&mut url, short_ref(git_ref), &path, false);
                url
            }
            ForgeKind::Gitea => {
                let mut url = self.web_url();
                url.push_str("/_edit/");
                push_ref_and_path(&mut url, gitea_ref(git_ref).1, &path, false);
                url
            }
            ForgeKind::BitbucketCloud => {
                let mut url = view;
                push_query(&mut url, &[("mode", "edit"), ("at", short_ref(git_ref))]);
                url
            }
            ForgeKind::BitbucketServer => match view.split_once('?') {
                Some((before, _)) => before.to_string(),
                None => view,
            },
            ForgeKind::Azure => view,
        };
        Some(edit)
    }

    /// Bitbucket Server: (context path, project key or `~user`).
    fn bitbucket_server_parts(&self) -> (&[String], &str) {
        match self.namespace.split_last() {
            Some((key, prefix)) => (prefix, key),
            None => (&[], ""),
        }
    }
}

/// Where in the repository a URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefPath {
    /// The URL names no ref: the default branch of the remote.
    Default { path: String },
    /// The URL names the ref apart from the path (Azure `version=`,
    /// Bitbucket Server `at=`, Gitea `src/commit/`). Azure tags come back as
    /// `refs/tags/x`; Bitbucket Server's `at` as written (`refs/heads/x`,
    /// `x` or a commit).
    Exact { git_ref: String, path: String },
    /// `<ref>/<path>` as one text, as GitHub, GitLab, Bitbucket Cloud and
    /// Gitea write them: a ref may contain `/`, so which `/` ends it is only
    /// known from the remote's refs. See [`RefPath::candidates`]. (Gitea
    /// `src/tag/` URLs give `refs/tags/<tag>/<path>`.)
    Ambiguous(String),
}

impl RefPath {
    /// The (ref, path) readings, shortest ref first; the caller keeps the
    /// first whose ref exists on the remote (or is a commit, see
    /// [`looks_like_commit`]).
    ///
    /// Backstage does not ask: `git-url-parse` takes the first segment as
    /// the ref, so `blob/feature/x/catalog-info.yaml` reads as ref `feature`;
    /// that is the first candidate. The last one takes the whole text as the
    /// ref (a folder URL of a ref's root). `Default` gives `HEAD`, the
    /// remote's default branch; `Exact` its one reading.
    pub fn candidates(&self) -> Vec<(String, String)> {
        match self {
            RefPath::Default { path } => vec![("HEAD".to_string(), path.clone())],
            RefPath::Exact { git_ref, path } => vec![(git_ref.clone(), path.clone())],
            RefPath::Ambiguous(text) => {
                let mut out = Vec::new();
                for (i, _) in text.match_indices('/') {
                    out.push((text[..i].to_string(), text[i + 1..].to_string()));
                }
                out.push((text.clone(), String::new()));
                // `refs` and `refs/heads` are namespaces, never refs.
                out.retain(|(git_ref, _)| {
                    let namespace = git_ref == "refs"
                        || (git_ref.starts_with("refs/") && git_ref.matches('/').count() < 2);
                    !git_ref.is_empty() && !namespace
                });
                out
            }
        }
    }
}

/// A forge URL, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgeUrl {
    pub repo: Repo,
    pub at: RefPath,
    /// What the URL says: `Some(true)` for a folder (GitHub/GitLab `tree`,
    /// a path ending in `/`, the repository root), `Some(false)` for a file
    /// (`blob`, `raw`), `None` when the URL does not say (Bitbucket `src`
    /// and `browse`, Gitea `src`, Azure `path=`): look in the tree.
    pub folder: Option<bool>,
}

impl ForgeUrl {
    /// [`RefPath::candidates`], without the readings that contradict
    /// `folder`: a file cannot be a ref's root.
    pub fn candidates(&self) -> Vec<(String, String)> {
        let mut out = self.at.candidates();
        if self.folder == Some(false) {
            out.retain(|(_, path)| !path.is_empty());
        }
        out
    }
}

/// Why a URL is not a forge URL Backlot understands. Holds the URL
/// redacted: neither the message nor the help can show a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError {
    url: String,
    problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not an absolute URL (the parser's reason).
    NotAUrl(String),
    /// Not http(s): ssh and scp-like URLs name a repository, not a file.
    NotHttp,
    /// Neither a public forge nor a declared one.
    UnknownHost(String),
    /// A forge host, but not one of its URL shapes; `detail` says what was
    /// off, when that is known.
    Shape {
        kind: ForgeKind,
        host: String,
        detail: String,
    },
    /// A `.` or `..` path segment, even after decoding (Backstage's
    /// `parseGitUrlSafe` refuses these too).
    Traversal,
    /// The path is not UTF-8 once percent-decoded.
    Encoding,
}

impl UrlError {
    /// The URL, redacted.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// One sentence, no trailing period (a diagnostic's message).
    pub fn message(&self) -> String {
        let url = &self.url;
        match &self.problem {
            Problem::NotAUrl(reason) => format!("`{url}` is not a URL ({reason})"),
            Problem::NotHttp => format!("`{url}` is not an http(s) URL"),
            Problem::UnknownHost(host) => {
                format!("`{url}`: `{host}` is not a known git forge")
            }
            Problem::Shape { kind, detail, .. } => {
                let mut text = format!("`{url}` is not a {kind} file or folder URL");
                if !detail.is_empty() {
                    text.push_str(": ");
                    text.push_str(detail);
                }
                text
            }
            Problem::Traversal => {
                format!("`{url}`: the path has a `.` or `..` segment")
            }
            Problem::Encoding => {
                format!("`{url}`: the path is not UTF-8 once percent-decoded")
            }
        }
    }

    /// How to fix it: the URL shapes understood, and how to declare a host.
    pub fn help(&self) -> String {
        match &self.problem {
            Problem::NotAUrl(_) => format!(
                "write the full https:// URL of a file or folder in a git repository; {}",
                all_shapes()
            ),
            Problem::NotHttp => format!(
                "ssh and scp-like URLs (git@host:owner/repo.git) name a repository to clone, \
                 not a file in it; {}",
                all_shapes()
            ),
            Problem::UnknownHost(host) => format!(
                "Backlot knows github.com, gitlab.com, bitbucket.org, dev.azure.com and \
                 *.visualstudio.com; declare any other host in backlot.yaml as Backstage's \
                 app-config does, e.g. `integrations: {{gitlab: [{{host: {host}}}]}}` (keys: \
                 github, gitlab, bitbucketCloud, bitbucketServer, azure, gitea); {}",
                all_shapes()
            ),
            Problem::Shape { kind, host, .. } => format!(
                "{kind} URLs Backlot reads on {host}: {}; if {host} is not a {kind} server, \
                 declare its forge under `integrations:` in backlot.yaml",
                shapes(*kind, host)
            ),
            Problem::Traversal => "like Backstage, Backlot refuses forge URLs whose path could \
                 leave the repository"
                .to_string(),
            Problem::Encoding => "percent-encode the path's UTF-8 bytes".to_string(),
        }
    }
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.message(), self.help())
    }
}

impl std::error::Error for UrlError {}

fn all_shapes() -> &'static str {
    "understood URLs: GitHub …/OWNER/REPO/blob|tree/REF/PATH; \
     GitLab …/GROUP/PROJECT/-/blob|tree/REF/PATH; \
     Bitbucket Cloud …/WORKSPACE/REPO/src/REF/PATH; \
     Bitbucket Server …/projects/KEY/repos/REPO/browse/PATH?at=REF; \
     Azure DevOps …/ORG/PROJECT/_git/REPO?path=/PATH&version=GBREF; \
     Gitea …/OWNER/REPO/src/branch/REF/PATH (each also the bare repository URL)"
}

fn shapes(kind: ForgeKind, host: &str) -> String {
    let base = format!("https://{host}");
    match kind {
        ForgeKind::GitHub => {
            let mut text = format!(
                "{base}/OWNER/REPO (default branch), {base}/OWNER/REPO/blob/REF/PATH (a file), \
                 …/tree/REF/PATH (a folder), …/raw/REF/PATH"
            );
            if host == "github.com" || host == "raw.githubusercontent.com" {
                text.push_str(", https://raw.githubusercontent.com/OWNER/REPO/REF/PATH");
            }
            text
        }
        ForgeKind::GitLab => format!(
            "{base}/GROUP/…/PROJECT (default branch), {base}/GROUP/…/PROJECT/-/blob/REF/PATH \
             (a file), …/-/tree/REF/PATH (a folder), …/-/raw/REF/PATH, and the older forms \
             without `/-/`"
        ),
        ForgeKind::BitbucketCloud => format!(
            "{base}/WORKSPACE/REPO (default branch), {base}/WORKSPACE/REPO/src/REF/PATH, \
             …/raw/REF/PATH"
        ),
        ForgeKind::BitbucketServer => format!(
            "{base}/projects/KEY/repos/REPO/browse/PATH?at=REF (without `at`, the default \
             branch), …/raw/PATH?at=REF, {base}/users/USER/repos/REPO/…, {base}/scm/KEY/REPO.git"
        ),
        ForgeKind::Azure => {
            if is_visualstudio(host) {
                format!(
                    "{base}/PROJECT/_git/REPO?path=/PATH&version=GBBRANCH (or GTTAG, GCCOMMIT; \
                     without `version`, the default branch)"
                )
            } else {
                format!(
                    "{base}/ORG/PROJECT/_git/REPO?path=/PATH&version=GBBRANCH (or GTTAG, \
                     GCCOMMIT; without `version`, the default branch), {base}/ORG/_git/REPO \
                     when the repository is named like its project"
                )
            }
        }
        ForgeKind::Gitea => format!(
            "{base}/OWNER/REPO (default branch), {base}/OWNER/REPO/src/branch/REF/PATH, \
             …/src/tag/TAG/PATH, …/src/commit/SHA/PATH, …/raw/branch/REF/PATH"
        ),
    }
}

/// What one forge's reader made of the path: repository, ref/path, folder.
type Read = (Repo, RefPath, Option<bool>);

/// The path of the URL, split and decoded once.
struct Segments {
    /// Decoded, without empty segments (`a//b` is `a/b`, as in git trees).
    parts: Vec<String>,
    /// The URL path ended in `/`.
    trailing_slash: bool,
}

/// Reads a forge URL: repository, ref and path, file or folder.
///
/// http and https only. Userinfo is accepted and dropped (the result holds
/// no credentials; messages show the URL through [`redact`]). Query strings
/// and fragments are ignored except Azure's `path`/`version` and Bitbucket
/// Server's `at`. Paths are percent-decoded once (`%20` → space).
pub fn parse(url: &str, forges: &Forges) -> Result<ForgeUrl, UrlError> {
    let input = url.trim();
    let fail = |problem| UrlError {
        url: redact(input),
        problem,
    };
    let parsed = Url::parse(input).map_err(|e| fail(Problem::NotAUrl(e.to_string())))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(fail(Problem::NotHttp));
    }
    let host = host_with_port(&parsed).ok_or_else(|| fail(Problem::NotAUrl("no host".into())))?;
    let kind = forges
        .kind_of(&host)
        .ok_or_else(|| fail(Problem::UnknownHost(host.clone())))?;
    let scheme = if public_kind(&host).is_some() {
        "https"
    } else {
        parsed.scheme()
    };
    let segments = segments(&parsed).map_err(fail)?;
    let read = match kind {
        ForgeKind::GitHub => read_github(scheme, &host, &segments),
        ForgeKind::GitLab => read_gitlab(scheme, &host, &segments),
        ForgeKind::BitbucketCloud => read_bitbucket_cloud(scheme, &host, &segments),
        ForgeKind::BitbucketServer => read_bitbucket_server(scheme, &host, &segments, &parsed),
        ForgeKind::Azure => read_azure(scheme, &host, &segments, &parsed),
        ForgeKind::Gitea => read_gitea(scheme, &host, &segments),
    };
    // Azure's `path` parameter is checked for `..` here rather than in
    // `segments`, which sees only the URL path.
    if kind == ForgeKind::Azure
        && let Some((_, value)) = parsed.query_pairs().find(|(k, _)| k == "path")
        && climbs(&value)
    {
        return Err(fail(Problem::Traversal));
    }
    let (repo, at, folder) = read
        .and_then(|read| {
            // An encoded `/` or `\` inside an owner or repository name
            // would make `display` and `key` ambiguous; no forge allows one.
            if plain_names(&read.0) {
                Ok(read)
            } else {
                Err("an owner or repository name holds an encoded `/`".to_string())
            }
        })
        .map_err(|detail| {
            fail(Problem::Shape {
                kind,
                host: host.clone(),
                detail,
            })
        })?;
    Ok(ForgeUrl { repo, at, folder })
}

/// The repository a clone URL names, on a known forge, so that a
/// `type: git` location still gets forge links: https clone URLs (and bare
/// repository URLs), `ssh://[user@]host[:port]/path`, `git://host/path` and
/// scp-like `user@host:path`. The ssh port is ignored when finding the
/// forge (it is not the web port); links use the declared host's port.
/// `None` for unknown hosts and for URLs that point inside a repository.
pub fn repo_from_clone_url(url: &str, forges: &Forges) -> Option<Repo> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let read = parse(url, forges).ok()?;
        return match &read.at {
            RefPath::Default { path } if path.is_empty() => Some(read.repo),
            _ => None,
        };
    }
    let (hostname, path) = if let Some((scheme, _)) = url.split_once("://") {
        if !matches!(
            scheme.to_ascii_lowercase().as_str(),
            "ssh" | "git+ssh" | "ssh+git" | "git"
        ) {
            return None;
        }
        let parsed = Url::parse(url).ok()?;
        (parsed.host_str()?.to_string(), parsed.path().to_string())
    } else {
        // scp-like: `[user@]host:path`, the colon before any slash.
        let (authority, path) = url.split_once(':')?;
        if authority.contains('/') || path.starts_with("//") {
            return None;
        }
        let host = authority.rsplit('@').next()?;
        (host.to_string(), path.to_string())
    };
    let (kind, web_host) = forges.for_ssh_host(&hostname)?;
    let mut parts = Vec::new();
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        if climbs(raw) {
            return None;
        }
        parts.push(percent_decode(raw)?);
    }
    let segments = Segments {
        parts,
        trailing_slash: false,
    };
    let scheme = "https";
    let repo = match kind {
        ForgeKind::Azure => {
            // ssh.dev.azure.com:v3/org/project/repo and
            // vs-ssh.visualstudio.com:v3/org/project/repo; a declared Azure
            // DevOps Server may serve the https path shape over ssh.
            match segments.parts.as_slice() {
                [v3, org, project, name] if v3 == "v3" => {
                    let host = if is_visualstudio(&web_host) {
                        format!("{}.visualstudio.com", org.to_ascii_lowercase())
                    } else {
                        web_host
                    };
                    let namespace = if is_visualstudio(&host) {
                        vec![project.clone()]
                    } else {
                        vec![org.clone(), project.clone()]
                    };
                    make_repo(kind, scheme, &host, namespace, strip_git(name))
                }
                _ => {
                    let (repo, rest) = azure_repo(scheme, &web_host, &segments.parts).ok()?;
                    if rest != segments.parts.len() {
                        return None;
                    }
                    repo
                }
            }
        }
        ForgeKind::BitbucketServer => {
            // Over ssh the path is `KEY/repo.git`; over https `scm/KEY/repo.git`.
            let parts = match segments.parts.as_slice() {
                [scm, rest @ ..] if scm == "scm" => rest,
                all => all,
            };
            match parts {
                [key, name] => {
                    make_repo(kind, scheme, &web_host, vec![key.clone()], strip_git(name))
                }
                _ => return None,
            }
        }
        _ => {
            let (repo, at, _) = match kind {
                ForgeKind::GitHub => read_github(scheme, &web_host, &segments),
                ForgeKind::GitLab => read_gitlab(scheme, &web_host, &segments),
                ForgeKind::BitbucketCloud => read_bitbucket_cloud(scheme, &web_host, &segments),
                _ => read_gitea(scheme, &web_host, &segments),
            }
            .ok()?;
            match at {
                RefPath::Default { path } if path.is_empty() => repo,
                _ => return None,
            }
        }
    };
    plain_names(&repo).then_some(repo)
}

fn plain_names(repo: &Repo) -> bool {
    repo.namespace
        .iter()
        .chain([&repo.name])
        .all(|name| !name.is_empty() && !name.contains(['/', '\\']))
}

fn make_repo(
    kind: ForgeKind,
    scheme: &str,
    host: &str,
    namespace: Vec<String>,
    name: &str,
) -> Repo {
    Repo {
        kind,
        scheme: scheme.to_string(),
        host: host.to_string(),
        namespace,
        name: name.to_string(),
    }
}

fn host_with_port(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

fn segments(url: &Url) -> Result<Segments, Problem> {
    let raw: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
    let trailing_slash = raw.len() > 1 && raw.last() == Some(&"");
    let mut parts = Vec::new();
    for segment in raw.into_iter().filter(|s| !s.is_empty()) {
        if climbs(segment) {
            return Err(Problem::Traversal);
        }
        parts.push(percent_decode(segment).ok_or(Problem::Encoding)?);
    }
    Ok(Segments {
        parts,
        trailing_slash,
    })
}

/// Whether a path text, decoded over and over as Backstage's
/// `parseGitUrlSafe` does, has a `.` or `..` segment.
fn climbs(text: &str) -> bool {
    let mut text = text.to_string();
    for _ in 0..8 {
        if text.split(['/', '\\']).any(|s| s == "." || s == "..") {
            return true;
        }
        match percent_decode(&text) {
            Some(next) if next != text => text = next,
            _ => break,
        }
    }
    false
}

/// WHATWG percent-decoding (a `%` without two hex digits stays), then
/// UTF-8; `None` when the bytes are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16)),
                bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16)),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Appends `?k=v&…` encoded as `URLSearchParams` does (the integrations
/// set query parameters with `searchParams.set`): `/` → `%2F`, space → `+`.
fn push_query(url: &mut String, pairs: &[(&str, &str)]) {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        query.append_pair(key, value);
    }
    url.push('?');
    url.push_str(&query.finish());
}

/// Appends `/segment`, percent-encoded.
fn push_segment(url: &mut String, segment: &str) {
    url.push('/');
    encode_segment(url, segment);
}

/// RFC 3986 `pchar`: unreserved, sub-delims, `:` and `@` stay; everything
/// else (space, `%`, `?`, `#`, non-ASCII bytes…) is percent-encoded.
fn encode_segment(out: &mut String, segment: &str) {
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// A `/`-separated text (a path, a ref), each segment encoded.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode_segment(&mut out, segment);
    }
    out
}

fn push_ref_and_path(url: &mut String, git_ref: &str, path: &str, folder: bool) {
    url.push_str(&encode_path(git_ref.trim_matches('/')));
    if !path.is_empty() {
        url.push('/');
        url.push_str(&encode_path(path));
    }
    if folder {
        url.push('/');
    }
}

/// No leading or trailing `/`, no empty segments: a path in a git tree.
fn clean_path(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

fn short_ref(git_ref: &str) -> &str {
    git_ref
        .strip_prefix("refs/heads/")
        .or_else(|| git_ref.strip_prefix("refs/tags/"))
        .unwrap_or(git_ref)
}

/// Gitea's URL form of a ref: (`branch`|`tag`|`commit`, name).
fn gitea_ref(git_ref: &str) -> (&'static str, &str) {
    if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
        ("tag", tag)
    } else if let Some(branch) = git_ref.strip_prefix("refs/heads/") {
        ("branch", branch)
    } else if is_full_commit(git_ref) {
        ("commit", git_ref)
    } else {
        ("branch", git_ref)
    }
}

/// Azure's `version=`: `GB` branch, `GT` tag, `GC` commit.
fn azure_version(git_ref: &str) -> String {
    if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
        format!("GT{tag}")
    } else if let Some(branch) = git_ref.strip_prefix("refs/heads/") {
        format!("GB{branch}")
    } else if is_full_commit(git_ref) {
        format!("GC{git_ref}")
    } else {
        format!("GB{git_ref}")
    }
}

fn is_full_commit(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `text` could be a commit hash, abbreviated or not: 7 to 40 hex
/// digits (SHA-1), or 64 (SHA-256). A candidate ref that is no branch or
/// tag of the remote may still be one of these.
pub fn looks_like_commit(text: &str) -> bool {
    ((7..=40).contains(&text.len()) || text.len() == 64)
        && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `AnnotateLocationEntityProcessor`'s `/\b[0-9a-f]{40,}\b/`: a whole
/// word (ASCII letters, digits, `_`) of 40 or more lower-case hex digits.
/// Backstage omits `backstage.io/edit-url` for a location URL that has one.
pub fn has_commit_hash(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|word| {
            word.len() >= 40 && word.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
}

fn strip_git(name: &str) -> &str {
    match name.strip_suffix(".git") {
        Some(stem) if !stem.is_empty() => stem,
        _ => name,
    }
}

/// The bare repository URL (`OWNER/REPO`, `.git` and `/` allowed): the
/// default branch's root.
fn bare(repo: Repo) -> Read {
    (
        repo,
        RefPath::Default {
            path: String::new(),
        },
        Some(true),
    )
}

/// `<ref>/<path>` text after a type segment; `folder` from the type, unless
/// the URL path ends in `/` (a folder whatever the type: Backstage's
/// source-location URLs keep GitLab's `blob`).
fn ambiguous(repo: Repo, rest: &[String], type_folder: Option<bool>, trailing: bool) -> Read {
    let folder = if trailing { Some(true) } else { type_folder };
    (repo, RefPath::Ambiguous(rest.join("/")), folder)
}

/// GitHub and GitHub Enterprise (`git-url-parse`: owner, name, then
/// `blob`/`tree`/`raw`, ref, path; `getGithubFileFetchUrl` accepts those
/// three types), and raw.githubusercontent.com/OWNER/REPO/REF/PATH.
fn read_github(scheme: &str, host: &str, segments: &Segments) -> Result<Read, String> {
    let parts = &segments.parts;
    if host == "raw.githubusercontent.com" {
        if parts.len() < 4 {
            return Err("a raw.githubusercontent.com URL is OWNER/REPO/REF/PATH".into());
        }
        let repo = make_repo(
            ForgeKind::GitHub,
            "https",
            "github.com",
            vec![parts[0].clone()],
            &parts[1],
        );
        return Ok((repo, RefPath::Ambiguous(parts[2..].join("/")), Some(false)));
    }
    match parts.as_slice() {
        [] | [_] => Err("it names no repository".into()),
        [owner, name] => Ok(bare(make_repo(
            ForgeKind::GitHub,
            scheme,
            host,
            vec![owner.clone()],
            strip_git(name),
        ))),
        [owner, name, kind, rest @ ..] => {
            let type_folder = match kind.as_str() {
                "blob" | "raw" => Some(false),
                "tree" => Some(true),
                _ => return Err(format!("`{kind}` pages are not files or folders")),
            };
            if rest.is_empty() {
                return Err(format!("`{kind}` is not followed by a ref"));
            }
            let repo = make_repo(ForgeKind::GitHub, scheme, host, vec![owner.clone()], name);
            Ok(ambiguous(repo, rest, type_folder, segments.trailing_slash))
        }
    }
}

/// GitLab, with nested groups: everything before `/-/` is the project path
/// (`git-url-parse`: the segment before `-` is the name). The older form
/// without `/-/` is accepted as Backstage's `getProjectId` accepts it
/// (splitting on `/blob/`): the first `blob`/`tree`/`raw` after at least a
/// group and a project (GitLab reserves those names for projects).
fn read_gitlab(scheme: &str, host: &str, segments: &Segments) -> Result<Read, String> {
    let parts = &segments.parts;
    if parts.len() < 2 {
        return Err("it names no project (GROUP/PROJECT)".into());
    }
    let split = match parts.iter().position(|s| s == "-") {
        Some(dash) if dash < 2 => {
            return Err("`/-/` comes before GROUP/PROJECT".into());
        }
        Some(dash) => Some((dash - 1, dash + 1)),
        None => (2..parts.len().saturating_sub(1))
            .find(|&i| matches!(parts[i].as_str(), "blob" | "tree" | "raw"))
            .map(|i| (i - 1, i)),
    };
    let Some((name_at, type_at)) = split else {
        let (name, namespace) = parts.split_last().expect("two parts");
        return Ok(bare(make_repo(
            ForgeKind::GitLab,
            scheme,
            host,
            namespace.to_vec(),
            strip_git(name),
        )));
    };
    let repo = make_repo(
        ForgeKind::GitLab,
        scheme,
        host,
        parts[..name_at].to_vec(),
        &parts[name_at],
    );
    let kind = parts.get(type_at).map_or("", String::as_str);
    let type_folder = match kind {
        "blob" | "raw" => Some(false),
        "tree" => Some(true),
        "" => return Err("`/-/` is not followed by blob, tree or raw".into()),
        _ => return Err(format!("`-/{kind}` pages are not files or folders")),
    };
    let rest = &parts[type_at + 1..];
    if rest.is_empty() {
        return Err(format!("`{kind}` is not followed by a ref"));
    }
    Ok(ambiguous(repo, rest, type_folder, segments.trailing_slash))
}

/// Bitbucket Cloud: WORKSPACE/REPO, then `src` or `raw` (what
/// `getBitbucketCloudFileFetchUrl` accepts), ref, path. `src` serves files
/// and folders alike; `src` without a ref is the default branch, as
/// `getBitbucketCloudDownloadUrl` reads it.
fn read_bitbucket_cloud(scheme: &str, host: &str, segments: &Segments) -> Result<Read, String> {
    let parts = &segments.parts;
    match parts.as_slice() {
        [] | [_] => Err("it names no repository (WORKSPACE/REPO)".into()),
        [workspace, name] => Ok(bare(make_repo(
            ForgeKind::BitbucketCloud,
            scheme,
            host,
            vec![workspace.clone()],
            strip_git(name),
        ))),
        [workspace, name, kind, rest @ ..] => {
            let type_folder = match kind.as_str() {
                "src" => None,
                "raw" => Some(false),
                _ => return Err(format!("`{kind}` pages are not files or folders")),
            };
            let repo = make_repo(
                ForgeKind::BitbucketCloud,
                scheme,
                host,
                vec![workspace.clone()],
                name,
            );
            if rest.is_empty() {
                if kind == "raw" {
                    return Err("`raw` is not followed by a ref".into());
                }
                return Ok(bare(repo));
            }
            Ok(ambiguous(repo, rest, type_folder, segments.trailing_slash))
        }
    }
}

/// Bitbucket Server / Data Center (`git-url-parse`'s
/// `(projects|users)/X/repos/Y` anywhere in the path, so a context path may
/// come first; `~user` for personal repositories; `scm/KEY/REPO.git` clone
/// URLs): `browse` or `raw`, then the path; the ref is `?at=`, absent for
/// the default branch (`getBitbucketServerDownloadUrl`).
fn read_bitbucket_server(
    scheme: &str,
    host: &str,
    segments: &Segments,
    url: &Url,
) -> Result<Read, String> {
    let parts = &segments.parts;
    let found = (0..parts.len()).find(|&i| {
        matches!(parts[i].as_str(), "projects" | "users")
            && parts.get(i + 2).is_some_and(|s| s == "repos")
            && i + 3 < parts.len()
    });
    let Some(i) = found else {
        // The clone URL: [context/]scm/KEY/REPO.git.
        if let Some(scm) = parts.iter().rposition(|s| s == "scm")
            && scm + 3 == parts.len()
        {
            let mut namespace = parts[..scm].to_vec();
            namespace.push(parts[scm + 1].clone());
            return Ok(bare(make_repo(
                ForgeKind::BitbucketServer,
                scheme,
                host,
                namespace,
                strip_git(&parts[scm + 2]),
            )));
        }
        return Err("it has no projects/KEY/repos/REPO".into());
    };
    let mut namespace = parts[..i].to_vec();
    namespace.push(if parts[i] == "users" {
        format!("~{}", parts[i + 1].trim_start_matches('~'))
    } else {
        parts[i + 1].clone()
    });
    let repo = make_repo(
        ForgeKind::BitbucketServer,
        scheme,
        host,
        namespace,
        &parts[i + 3],
    );
    let rest = &parts[i + 4..];
    let (path, type_folder) = match rest.split_first() {
        None => (String::new(), Some(true)),
        Some((kind, path)) if kind == "browse" => (path.join("/"), None),
        Some((kind, path)) if kind == "raw" && !path.is_empty() => (path.join("/"), Some(false)),
        Some((kind, _)) => return Err(format!("`{kind}` pages are not files or folders")),
    };
    let folder = if path.is_empty() || segments.trailing_slash {
        Some(true)
    } else {
        type_folder
    };
    let at = url
        .query_pairs()
        .find(|(k, _)| k == "at")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty());
    let at = match at {
        Some(git_ref) => RefPath::Exact { git_ref, path },
        None => RefPath::Default { path },
    };
    Ok((repo, at, folder))
}

/// The repository part of an Azure path, as `AzureUrl.fromRepoUrl` reads
/// it from where `_git` is: `ORG/_git/REPO` (project named like the
/// repository), `ORG/PROJECT/_git/REPO`, `COLLECTION/ORG/PROJECT/_git/REPO`
/// (Azure DevOps Server under a sub path, e.g. `tfs/DefaultCollection`);
/// on `<org>.visualstudio.com`, `PROJECT/_git/REPO` (and Backlot also reads
/// `_git/REPO` and `DefaultCollection/PROJECT/_git/REPO` there). Returns
/// the repository and how many segments it took.
fn azure_repo(scheme: &str, host: &str, parts: &[String]) -> Result<(Repo, usize), String> {
    let Some(git) = parts.iter().position(|s| s == "_git") else {
        return Err("it has no `_git/REPO`".into());
    };
    let Some(name) = parts.get(git + 1) else {
        return Err("`_git` is not followed by a repository".into());
    };
    let namespace = if is_visualstudio(host) {
        match git {
            0 => vec![name.clone()],
            1 => vec![parts[0].clone()],
            2 if parts[0].eq_ignore_ascii_case("DefaultCollection") => vec![parts[1].clone()],
            _ => return Err("expected PROJECT/_git/REPO".into()),
        }
    } else {
        match git {
            1 => vec![parts[0].clone(), name.clone()],
            2 | 3 => parts[..git].to_vec(),
            _ => return Err("expected ORG/PROJECT/_git/REPO".into()),
        }
    };
    Ok((
        make_repo(ForgeKind::Azure, scheme, host, namespace, name),
        git + 2,
    ))
}

/// Azure DevOps: the repository from the path, the file from `path=`, the
/// ref from `version=`. Backstage accepts only `GB<branch>`; Backlot also
/// reads `GT<tag>` (as `refs/tags/<tag>`) and `GC<commit>`. Azure URLs do
/// not say file or folder, except a `path` ending in `/` (what
/// `resolveUrl('./')` writes) and no `path` at all (the root).
fn read_azure(scheme: &str, host: &str, segments: &Segments, url: &Url) -> Result<Read, String> {
    let (repo, used) = azure_repo(scheme, host, &segments.parts)?;
    if used != segments.parts.len() {
        let extra = &segments.parts[used];
        return Err(format!(
            "`{extra}` after the repository is not a file or folder (the path goes in `?path=`)"
        ));
    }
    let mut path_param = None;
    let mut version = None;
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "path" if path_param.is_none() => path_param = Some(value.into_owned()),
            "version" if version.is_none() => version = Some(value.into_owned()),
            _ => {}
        }
    }
    let folder = match &path_param {
        None => Some(true),
        Some(p) if p.ends_with('/') || clean_path(p).is_empty() => Some(true),
        Some(_) => None,
    };
    let path = clean_path(path_param.as_deref().unwrap_or(""));
    let at = match version.filter(|v| !v.is_empty()) {
        None => RefPath::Default { path },
        Some(version) => {
            let (prefix, name) = version.split_at_checked(2).unwrap_or((&version, ""));
            let git_ref = match prefix {
                "GB" => name.to_string(),
                "GT" => format!("refs/tags/{name}"),
                "GC" => name.to_string(),
                _ => {
                    return Err(format!(
                        "`version={version}` is not GB<branch>, GT<tag> or GC<commit>"
                    ));
                }
            };
            if name.is_empty() {
                return Err(format!("`version={version}` names no ref"));
            }
            RefPath::Exact { git_ref, path }
        }
    };
    Ok((repo, at, folder))
}

/// Gitea and Forgejo: OWNER/REPO, then `src` or `raw`, then `branch`,
/// `tag` or `commit`, the ref, the path (`parseGiteaUrl` takes the segment
/// after the form as the ref). A commit is one segment, so exact; a tag
/// comes back as `refs/tags/<text>`. The legacy `src/<ref>/…` form is not
/// read: Backstage would take its first path segment for the ref.
fn read_gitea(scheme: &str, host: &str, segments: &Segments) -> Result<Read, String> {
    let parts = &segments.parts;
    match parts.as_slice() {
        [] | [_] => Err("it names no repository (OWNER/REPO)".into()),
        [owner, name] => Ok(bare(make_repo(
            ForgeKind::Gitea,
            scheme,
            host,
            vec![owner.clone()],
            strip_git(name),
        ))),
        [owner, name, kind, form, rest @ ..]
            if matches!(kind.as_str(), "src" | "raw")
                && matches!(form.as_str(), "branch" | "tag" | "commit")
                && !rest.is_empty() =>
        {
            let repo = make_repo(ForgeKind::Gitea, scheme, host, vec![owner.clone()], name);
            let type_folder = if kind == "raw" { Some(false) } else { None };
            match form.as_str() {
                "commit" => {
                    let path = rest[1..].join("/");
                    let folder = if path.is_empty() || segments.trailing_slash {
                        Some(true)
                    } else {
                        type_folder
                    };
                    let at = RefPath::Exact {
                        git_ref: rest[0].clone(),
                        path,
                    };
                    Ok((repo, at, folder))
                }
                "tag" => {
                    let mut text = vec!["refs".to_string(), "tags".to_string()];
                    text.extend_from_slice(rest);
                    let (repo, at, folder) =
                        ambiguous(repo, &text, type_folder, segments.trailing_slash);
                    Ok((repo, at, folder.or((rest.len() == 1).then_some(true))))
                }
                _ => {
                    let (repo, at, folder) =
                        ambiguous(repo, rest, type_folder, segments.trailing_slash);
                    Ok((repo, at, folder.or((rest.len() == 1).then_some(true))))
                }
            }
        }
        [_, _, kind, ..] if matches!(kind.as_str(), "src" | "raw") => Err(format!(
            "`{kind}` is not followed by branch/REF, tag/TAG or commit/SHA"
        )),
        [_, _, kind, ..] => Err(format!("`{kind}` pages are not files or folders")),
    }
}

/// `text` with the userinfo of every http(s) URL in it replaced by `***`
/// (`https://user:token@host/…` → `https://***@host/…`), the password of
/// other URLs too (`ssh://git:pw@host` → `ssh://git:***@host`; ssh user
/// names like `git@` stay), and the values of query parameters that carry
/// credentials (`token`, `private_token`, `access_token`, `sig`…). For
/// everything a caller prints.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let scheme_start = rest[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |i| i + 1);
        let scheme = &rest[scheme_start..at];
        out.push_str(&rest[..at + 3]);
        let after = &rest[at + 3..];
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(after.len());
        let (url, tail) = after.split_at(end);
        let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
        let (authority, path) = url.split_at(authority_end);
        match authority.rsplit_once('@') {
            Some((userinfo, host)) if !scheme.is_empty() => {
                if matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
                    out.push_str("***@");
                } else if let Some((user, _)) = userinfo.split_once(':') {
                    out.push_str(user);
                    out.push_str(":***@");
                } else {
                    out.push_str(userinfo);
                    out.push('@');
                }
                out.push_str(host);
            }
            _ => out.push_str(authority),
        }
        out.push_str(&redact_query(path));
        rest = tail;
    }
    out.push_str(rest);
    out
}

fn redact_query(path: &str) -> String {
    let Some((before, query)) = path.split_once('?') else {
        return path.to_string();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_param(name) => format!("{name}=***"),
            _ => pair.to_string(),
        })
        .collect();
    let mut out = format!("{before}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

fn is_secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("token")
        || name.contains("password")
        || name.contains("secret")
        || name == "sig"
        || name == "signature"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public() -> Forges {
        Forges::default()
    }

    fn read(url: &str) -> ForgeUrl {
        read_with(url, &public())
    }

    fn read_with(url: &str, forges: &Forges) -> ForgeUrl {
        match parse(url, forges) {
            Ok(read) => read,
            Err(e) => panic!("{url}: {e}"),
        }
    }

    fn ns(repo: &Repo) -> Vec<&str> {
        repo.namespace().iter().map(String::as_str).collect()
    }

    fn amb(text: &str) -> RefPath {
        RefPath::Ambiguous(text.to_string())
    }

    fn default_at(path: &str) -> RefPath {
        RefPath::Default {
            path: path.to_string(),
        }
    }

    fn exact(git_ref: &str, path: &str) -> RefPath {
        RefPath::Exact {
            git_ref: git_ref.to_string(),
            path: path.to_string(),
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(r, p)| (r.to_string(), p.to_string()))
            .collect()
    }

    fn declared(list: &[(ForgeKind, &str)]) -> Forges {
        Forges::new(list.iter().map(|(k, h)| (*k, h.to_string())))
    }

    // ---------------------------------------------------------------- kinds

    // Each *Integration.ts `get type()`: the integrations keys.
    #[test]
    fn config_keys_round_trip() {
        let keys: Vec<&str> = ForgeKind::ALL.iter().map(|k| k.config_key()).collect();
        assert_eq!(
            keys,
            [
                "github",
                "gitlab",
                "bitbucketCloud",
                "bitbucketServer",
                "azure",
                "gitea"
            ]
        );
        for kind in ForgeKind::ALL {
            assert_eq!(ForgeKind::from_config_key(kind.config_key()), Some(kind));
        }
        assert_eq!(ForgeKind::from_config_key("GitHub"), None);
        assert_eq!(ForgeKind::from_config_key("bitbucket"), None);
    }

    // github/config.ts readGithubIntegrationConfigs and azure/config.ts add
    // github.com and dev.azure.com by default; helpers.ts basicIntegrations
    // byUrl matches `URL.host` (port included).
    #[test]
    fn public_and_declared_hosts() {
        let forges = declared(&[
            (ForgeKind::GitLab, "Git.Example.com:8443"),
            (ForgeKind::Gitea, "https://gitea.example.com/"),
        ]);
        assert_eq!(forges.kind_of("github.com"), Some(ForgeKind::GitHub));
        assert_eq!(forges.kind_of("GitHub.com"), Some(ForgeKind::GitHub));
        assert_eq!(forges.kind_of("gitlab.com"), Some(ForgeKind::GitLab));
        assert_eq!(
            forges.kind_of("bitbucket.org"),
            Some(ForgeKind::BitbucketCloud)
        );
        assert_eq!(forges.kind_of("dev.azure.com"), Some(ForgeKind::Azure));
        assert_eq!(
            forges.kind_of("acme.visualstudio.com"),
            Some(ForgeKind::Azure)
        );
        assert_eq!(forges.kind_of("visualstudio.com"), None);
        assert_eq!(
            forges.kind_of("git.example.com:8443"),
            Some(ForgeKind::GitLab)
        );
        // The port is part of the host, as in Backstage.
        assert_eq!(forges.kind_of("git.example.com"), None);
        assert_eq!(forges.kind_of("gitea.example.com"), Some(ForgeKind::Gitea));
        assert_eq!(forges.kind_of("example.com"), None);
    }

    // helpers.ts basicIntegrations: declared integrations come first, so a
    // declaration wins over a default.
    #[test]
    fn declared_host_wins() {
        let forges = declared(&[(ForgeKind::Gitea, "gitlab.com")]);
        assert_eq!(forges.kind_of("gitlab.com"), Some(ForgeKind::Gitea));
    }

    // --------------------------------------------------------------- GitHub

    // git-url-parse: owner, name, `blob`, ref = next segment, filepath; the
    // ref/path split is not decided here (Backstage takes the first segment).
    #[test]
    fn github_blob() {
        let r = read("https://github.com/acme/payments/blob/main/catalog-info.yaml");
        assert_eq!(r.repo.kind, ForgeKind::GitHub);
        assert_eq!(r.repo.host(), "github.com");
        assert_eq!(ns(&r.repo), ["acme"]);
        assert_eq!(r.repo.name(), "payments");
        assert_eq!(r.at, amb("main/catalog-info.yaml"));
        assert_eq!(r.folder, Some(false));
        assert_eq!(r.candidates(), pairs(&[("main", "catalog-info.yaml")]));
        assert_eq!(r.repo.clone_url(), "https://github.com/acme/payments.git");
        assert_eq!(r.repo.display(), "github.com/acme/payments");
    }

    // GithubIntegration.ts resolveUrl: `tree` is the folder type.
    #[test]
    fn github_tree() {
        let r = read("https://github.com/acme/payments/tree/main/docs-site");
        assert_eq!(r.at, amb("main/docs-site"));
        assert_eq!(r.folder, Some(true));
        let r = read("https://github.com/acme/payments/tree/main");
        assert_eq!(r.candidates(), pairs(&[("main", "")]));
        assert_eq!(r.folder, Some(true));
    }

    // techdocs-node generate/helpers.ts getRepoUrlFromLocationAnnotation:
    // `url:https://github.com/backstage/backstage` (filepathtype '') is the
    // repository itself; git-url-parse strips `.git` and a trailing `/`.
    #[test]
    fn github_bare_repository() {
        for url in [
            "https://github.com/acme/payments",
            "https://github.com/acme/payments/",
            "https://github.com/acme/payments.git",
            "https://github.com/acme/payments.git/",
        ] {
            let r = read(url);
            assert_eq!(r.repo.name(), "payments", "{url}");
            assert_eq!(r.at, default_at(""), "{url}");
            assert_eq!(r.folder, Some(true), "{url}");
            assert_eq!(r.candidates(), pairs(&[("HEAD", "")]));
        }
    }

    // github/core.ts getGithubFileFetchUrl accepts filepathtype `raw`;
    // github/config.ts: raw.githubusercontent.com is github.com's rawBaseUrl
    // (read here as github.com; Backstage itself would need it declared).
    #[test]
    fn github_raw_forms() {
        let r = read("https://github.com/acme/payments/raw/main/catalog-info.yaml");
        assert_eq!(r.at, amb("main/catalog-info.yaml"));
        assert_eq!(r.folder, Some(false));
        let r = read("https://raw.githubusercontent.com/acme/payments/feature/x/catalog-info.yaml");
        assert_eq!(r.repo.host(), "github.com");
        assert_eq!(r.repo.key(), "github.com/acme/payments");
        assert_eq!(r.at, amb("feature/x/catalog-info.yaml"));
        assert_eq!(r.folder, Some(false));
        // A file cannot be the root of ref `feature/x/catalog-info.yaml`.
        assert_eq!(
            r.candidates(),
            pairs(&[
                ("feature", "x/catalog-info.yaml"),
                ("feature/x", "catalog-info.yaml")
            ])
        );
    }

    // GithubIntegration.test.ts replaceGithubUrlType: a repository may be
    // named `blob`; the type is found by position, not by name.
    #[test]
    fn github_repo_named_blob() {
        let r = read("https://github.com/webmodules/blob/blob/master/test");
        assert_eq!((ns(&r.repo), r.repo.name()), (vec!["webmodules"], "blob"));
        assert_eq!(r.at, amb("master/test"));
    }

    // GithubIntegration.ts resolveUrl (`./` of a blob URL, type replaced by
    // `tree`), resolveEditUrl (type replaced by `edit`); the view URL is the
    // location target itself (AnnotateLocationEntityProcessor).
    #[test]
    fn github_generated_urls() {
        let repo = read("https://github.com/acme/payments").repo;
        assert_eq!(
            repo.file_url("main", "catalog-info.yaml"),
            "https://github.com/acme/payments/blob/main/catalog-info.yaml"
        );
        assert_eq!(
            repo.folder_url("main", ""),
            "https://github.com/acme/payments/tree/main/"
        );
        assert_eq!(
            repo.folder_url("main", "/test/"),
            "https://github.com/acme/payments/tree/main/test/"
        );
        assert_eq!(
            repo.edit_url("main", "README.md").as_deref(),
            Some("https://github.com/acme/payments/edit/main/README.md")
        );
        assert_eq!(repo.web_url(), "https://github.com/acme/payments");
        // Full refs become the short names GitHub URLs use.
        assert_eq!(
            repo.file_url("refs/heads/feature/x", "a.md"),
            "https://github.com/acme/payments/blob/feature/x/a.md"
        );
    }

    // AnnotateLocationEntityProcessor: no edit URL when the target matches
    // /\b[0-9a-f]{40,}\b/.
    #[test]
    fn no_edit_url_at_a_commit() {
        let repo = read("https://github.com/acme/payments").repo;
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(repo.edit_url(sha, "catalog-info.yaml"), None);
        assert!(repo.edit_url("0123456", "catalog-info.yaml").is_some());
        assert!(has_commit_hash(&format!(
            "https://github.com/o/r/blob/{sha}/x"
        )));
        assert!(!has_commit_hash(&format!(
            "https://github.com/o/r/blob/{sha}g/x"
        )));
        assert!(!has_commit_hash(&format!(
            "https://github.com/o/r/blob/x{sha}/x"
        )));
        assert!(!has_commit_hash(&sha.to_uppercase()));
        assert!(!has_commit_hash(&sha[..39]));
        assert!(has_commit_hash(&format!("a_b-{sha}9")));
    }

    // github/config.ts: GitHub Enterprise hosts are declared; clone URLs keep
    // the host's port; http works for a declared host (tests on 127.0.0.1).
    #[test]
    fn github_enterprise_with_port() {
        let forges = declared(&[
            (ForgeKind::GitHub, "ghe.example.com:8443"),
            (ForgeKind::GitHub, "127.0.0.1:3000"),
        ]);
        let r = read_with(
            "https://GHE.example.com:8443/acme/payments/blob/main/catalog-info.yaml",
            &forges,
        );
        assert_eq!(r.repo.host(), "ghe.example.com:8443");
        assert_eq!(
            r.repo.clone_url(),
            "https://ghe.example.com:8443/acme/payments.git"
        );
        let r = read_with(
            "http://127.0.0.1:3000/acme/payments/tree/main/docs",
            &forges,
        );
        assert_eq!(r.repo.scheme(), "http");
        assert_eq!(
            r.repo.clone_url(),
            "http://127.0.0.1:3000/acme/payments.git"
        );
        assert_eq!(
            r.repo.folder_url("main", "docs"),
            "http://127.0.0.1:3000/acme/payments/tree/main/docs/"
        );
        // Public hosts are always linked over https.
        let r = read("http://github.com/acme/payments");
        assert_eq!(r.repo.clone_url(), "https://github.com/acme/payments.git");
    }

    // git-url-parse on `https://ghe/raw/OWNER/REPO/REF/PATH` finds no type
    // segment after the name, so getGithubFileFetchUrl throws: Backstage has
    // no such location form (rawBaseUrl is only for fetching).
    #[test]
    fn github_enterprise_raw_base_form_is_refused() {
        let forges = declared(&[(ForgeKind::GitHub, "ghe.example.com")]);
        let err = parse(
            "https://ghe.example.com/raw/acme/payments/main/x.yaml",
            &forges,
        )
        .unwrap_err();
        assert!(matches!(
            err.problem(),
            Problem::Shape {
                kind: ForgeKind::GitHub,
                ..
            }
        ));
    }

    // getGithubFileFetchUrl: only blob/raw/tree are files or folders.
    #[test]
    fn github_other_pages_are_errors() {
        let err = parse("https://github.com/acme/payments/issues/12", &public()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`issues` pages are not files or folders"),
            "{text}"
        );
        assert!(
            text.contains("https://github.com/OWNER/REPO/blob/REF/PATH"),
            "{text}"
        );
        assert!(text.contains("…/tree/REF/PATH"), "{text}");
        assert!(text.contains("raw.githubusercontent.com"), "{text}");
        assert!(text.contains("integrations:"), "{text}");
        assert!(parse("https://github.com/acme/payments/blob", &public()).is_err());
        assert!(parse("https://github.com/acme", &public()).is_err());
    }

    // --------------------------------------------------------------- GitLab

    // git-url-parse: with `/-/`, the name is the segment before `-` and the
    // owner everything before it (nested groups); gitlab/core.ts
    // buildProjectUrl takes what follows `/blob/` as branch + path.
    #[test]
    fn gitlab_nested_groups() {
        let r = read(
            "https://gitlab.com/groupA/teams/teamA/subgroupA/repoA/-/blob/branch/filepath/x.yaml",
        );
        assert_eq!(r.repo.kind, ForgeKind::GitLab);
        assert_eq!(ns(&r.repo), ["groupA", "teams", "teamA", "subgroupA"]);
        assert_eq!(r.repo.name(), "repoA");
        assert_eq!(r.at, amb("branch/filepath/x.yaml"));
        assert_eq!(r.folder, Some(false));
        assert_eq!(
            r.repo.clone_url(),
            "https://gitlab.com/groupA/teams/teamA/subgroupA/repoA.git"
        );
        let r = read("https://gitlab.com/g/sub/p/-/tree/main/docs");
        assert_eq!(r.folder, Some(true));
        let r = read("https://gitlab.com/g/sub/p/-/raw/main/docs/a.md");
        assert_eq!((r.at, r.folder), (amb("main/docs/a.md"), Some(false)));
    }

    // gitlab/core.ts getProjectId: `url.pathname.split('/-/blob/')[0]
    // .split('/blob/')[0]`, so the form without `/-/` is read too.
    #[test]
    fn gitlab_older_form_without_dash() {
        let r = read("https://gitlab.com/g/sub/p/blob/main/catalog-info.yaml");
        assert_eq!((ns(&r.repo), r.repo.name()), (vec!["g", "sub"], "p"));
        assert_eq!(r.at, amb("main/catalog-info.yaml"));
        let r = read("https://gitlab.com/g/p/tree/main");
        assert_eq!((r.at, r.folder), (amb("main"), Some(true)));
    }

    // git-url-parse: no type segment → the whole path is the project.
    #[test]
    fn gitlab_bare_project() {
        let r = read("https://gitlab.com/g/sub/p.git");
        assert_eq!((ns(&r.repo), r.repo.name()), (vec!["g", "sub"], "p"));
        assert_eq!(r.at, default_at(""));
        assert_eq!(r.repo.web_url(), "https://gitlab.com/g/sub/p");
    }

    // GitLabIntegration.ts: resolveUrl is defaultScmResolveUrl (so `./` of a
    // blob URL keeps `-/blob/`), resolveEditUrl replaceGitLabUrlType 'edit'.
    #[test]
    fn gitlab_generated_urls() {
        let repo = read("https://gitlab.com/g/sub/p").repo;
        assert_eq!(
            repo.file_url("main", "catalog-info.yaml"),
            "https://gitlab.com/g/sub/p/-/blob/main/catalog-info.yaml"
        );
        assert_eq!(
            repo.folder_url("main", "docs"),
            "https://gitlab.com/g/sub/p/-/blob/main/docs/"
        );
        assert_eq!(
            repo.edit_url("main", "docs/index.md").as_deref(),
            Some("https://gitlab.com/g/sub/p/-/edit/main/docs/index.md")
        );
        // A source-location URL reads back as a folder.
        let r = read(&repo.folder_url("main", "docs"));
        assert_eq!((r.at, r.folder), (amb("main/docs"), Some(true)));
    }

    // gitlab/config.ts: self-hosted hosts are declared, with a port if any.
    #[test]
    fn gitlab_self_hosted_with_port() {
        let forges = declared(&[(ForgeKind::GitLab, "git.example.com:8443")]);
        let r = read_with(
            "https://git.example.com:8443/a/b/c/-/blob/main/x.yaml",
            &forges,
        );
        assert_eq!(r.repo.clone_url(), "https://git.example.com:8443/a/b/c.git");
        assert!(matches!(
            parse("https://git.example.com/a/b/-/blob/main/x.yaml", &forges)
                .unwrap_err()
                .problem(),
            Problem::UnknownHost(h) if h == "git.example.com"
        ));
    }

    // replaceGitLabUrlType only knows blob/tree/edit; other `-/` pages are
    // not files.
    #[test]
    fn gitlab_other_pages_are_errors() {
        let err = parse("https://gitlab.com/g/p/-/issues/3", &public()).unwrap_err();
        let help = err.help();
        assert!(help.contains("-/blob/REF/PATH"), "{help}");
        assert!(help.contains("-/tree/REF/PATH"), "{help}");
        assert!(parse("https://gitlab.com/g/p/-/blob", &public()).is_err());
        assert!(parse("https://gitlab.com/g/-/blob/main/x", &public()).is_err());
    }

    // ------------------------------------------------------ Bitbucket Cloud

    // bitbucketCloud/core.ts getBitbucketCloudFileFetchUrl: `src` (or `raw`),
    // ref, path; `src` does not say file or folder.
    #[test]
    fn bitbucket_cloud_src() {
        let r = read("https://bitbucket.org/ws/repo/src/main/catalog-info.yaml");
        assert_eq!(r.repo.kind, ForgeKind::BitbucketCloud);
        assert_eq!((ns(&r.repo), r.repo.name()), (vec!["ws"], "repo"));
        assert_eq!(r.at, amb("main/catalog-info.yaml"));
        assert_eq!(r.folder, None);
        assert_eq!(r.repo.clone_url(), "https://bitbucket.org/ws/repo.git");
        let r = read("https://bitbucket.org/ws/repo/src/main/docs/");
        assert_eq!(r.folder, Some(true));
        let r = read("https://bitbucket.org/ws/repo/raw/main/a.md");
        assert_eq!(r.folder, Some(false));
    }

    // bitbucketCloud/core.ts getBitbucketCloudDownloadUrl: no ref → the
    // default branch.
    #[test]
    fn bitbucket_cloud_default_branch() {
        for url in [
            "https://bitbucket.org/ws/repo",
            "https://bitbucket.org/ws/repo.git",
            "https://bitbucket.org/ws/repo/src",
            "https://bitbucket.org/ws/repo/src/",
        ] {
            let r = read(url);
            assert_eq!((r.at, r.folder), (default_at(""), Some(true)), "{url}");
        }
    }

    // BitbucketCloudIntegration.ts resolveEditUrl: searchParams mode=edit and
    // at=<ref> (URLSearchParams encoding); resolveUrl is defaultScmResolveUrl.
    #[test]
    fn bitbucket_cloud_generated_urls() {
        let repo = read("https://bitbucket.org/my-owner/my-project").repo;
        assert_eq!(
            repo.edit_url("master", "README.md").as_deref(),
            Some(
                "https://bitbucket.org/my-owner/my-project/src/master/README.md?mode=edit&at=master"
            )
        );
        assert_eq!(
            repo.edit_url("feature/x", "README.md").as_deref(),
            Some(
                "https://bitbucket.org/my-owner/my-project/src/feature/x/README.md?mode=edit&at=feature%2Fx"
            )
        );
        assert_eq!(
            repo.folder_url("master", "docs"),
            "https://bitbucket.org/my-owner/my-project/src/master/docs/"
        );
    }

    // ----------------------------------------------------- Bitbucket Server

    // git-url-parse: `projects/X/repos/Y`, filepathtype `browse`, ref from
    // `at`; bitbucketServer/core.ts uses `at` verbatim.
    #[test]
    fn bitbucket_server_browse() {
        let forges = declared(&[(ForgeKind::BitbucketServer, "bitbucket.example.com")]);
        let r = read_with(
            "https://bitbucket.example.com/projects/PAY/repos/payments/browse/catalog-info.yaml?at=refs%2Fheads%2Ffeature%2Fx",
            &forges,
        );
        assert_eq!(r.repo.kind, ForgeKind::BitbucketServer);
        assert_eq!((ns(&r.repo), r.repo.name()), (vec!["PAY"], "payments"));
        assert_eq!(r.at, exact("refs/heads/feature/x", "catalog-info.yaml"));
        assert_eq!(r.folder, None);
        assert_eq!(
            r.repo.clone_url(),
            "https://bitbucket.example.com/scm/PAY/payments.git"
        );
        let r = read_with(
            "https://bitbucket.example.com/projects/PAY/repos/payments/browse/docs?at=refs/tags/v1",
            &forges,
        );
        assert_eq!(r.at, exact("refs/tags/v1", "docs"));
        let r = read_with(
            "https://bitbucket.example.com/projects/PAY/repos/payments/browse/a.yaml?at=0123abc",
            &forges,
        );
        assert_eq!(r.at, exact("0123abc", "a.yaml"));
        assert!(looks_like_commit("0123abc"));
    }

    // bitbucketServer/core.ts getBitbucketServerDownloadUrl: no `at` → the
    // default branch; `browse` with no path is the root.
    #[test]
    fn bitbucket_server_default_branch_and_raw() {
        let forges = declared(&[(ForgeKind::BitbucketServer, "bitbucket.example.com")]);
        let r = read_with(
            "https://bitbucket.example.com/projects/PAY/repos/payments/browse/catalog-info.yaml",
            &forges,
        );
        assert_eq!(r.at, default_at("catalog-info.yaml"));
        for url in [
            "https://bitbucket.example.com/projects/PAY/repos/payments",
            "https://bitbucket.example.com/projects/PAY/repos/payments/browse",
        ] {
            let r = read_with(url, &forges);
            assert_eq!((r.at, r.folder), (default_at(""), Some(true)), "{url}");
        }
        let r = read_with(
            "https://bitbucket.example.com/projects/PAY/repos/payments/raw/a.yaml?at=main",
            &forges,
        );
        assert_eq!((r.at, r.folder), (exact("main", "a.yaml"), Some(false)));
    }

    // git-url-parse: `users/X/repos/Y` → owner `~X`; `scm/` clone URLs;
    // the regex matches anywhere in the path (context paths).
    #[test]
    fn bitbucket_server_users_scm_and_context_path() {
        let forges = declared(&[(ForgeKind::BitbucketServer, "host.example.com:7990")]);
        let r = read_with(
            "https://host.example.com:7990/users/jdoe/repos/dotfiles/browse/README.md",
            &forges,
        );
        assert_eq!(ns(&r.repo), ["~jdoe"]);
        assert_eq!(
            r.repo.clone_url(),
            "https://host.example.com:7990/scm/~jdoe/dotfiles.git"
        );
        assert_eq!(
            r.repo.web_url(),
            "https://host.example.com:7990/users/jdoe/repos/dotfiles"
        );
        let r = read_with(
            "https://host.example.com:7990/scm/pay/payments.git",
            &forges,
        );
        assert_eq!((ns(&r.repo), r.repo.name()), (vec!["pay"], "payments"));
        assert_eq!(r.at, default_at(""));
        let r = read_with(
            "https://host.example.com:7990/bitbucket/projects/PAY/repos/payments/browse/a.yaml?at=main",
            &forges,
        );
        assert_eq!(ns(&r.repo), ["bitbucket", "PAY"]);
        assert_eq!(
            r.repo.clone_url(),
            "https://host.example.com:7990/bitbucket/scm/PAY/payments.git"
        );
        assert_eq!(
            r.repo.file_url("main", "a.yaml"),
            "https://host.example.com:7990/bitbucket/projects/PAY/repos/payments/browse/a.yaml?at=main"
        );
    }

    // BitbucketServerIntegration.ts resolveEditUrl: the query is dropped
    // (no edit deep link; backstage/backstage#20042); resolveUrl is
    // defaultScmResolveUrl, which keeps the base's query.
    #[test]
    fn bitbucket_server_generated_urls() {
        let forges = declared(&[(ForgeKind::BitbucketServer, "bitbucket.example.com")]);
        let repo = read_with(
            "https://bitbucket.example.com/projects/PAY/repos/payments",
            &forges,
        )
        .repo;
        assert_eq!(
            repo.file_url("refs/heads/main", "catalog-info.yaml"),
            "https://bitbucket.example.com/projects/PAY/repos/payments/browse/catalog-info.yaml?at=refs%2Fheads%2Fmain"
        );
        assert_eq!(
            repo.folder_url("refs/heads/main", ""),
            "https://bitbucket.example.com/projects/PAY/repos/payments/browse/?at=refs%2Fheads%2Fmain"
        );
        assert_eq!(
            repo.folder_url("main", "docs"),
            "https://bitbucket.example.com/projects/PAY/repos/payments/browse/docs/?at=main"
        );
        assert_eq!(
            repo.edit_url("main", "catalog-info.yaml").as_deref(),
            Some(
                "https://bitbucket.example.com/projects/PAY/repos/payments/browse/catalog-info.yaml"
            )
        );
    }

    // getBitbucketServerFileFetchUrl: only browse/raw/src paths are files.
    #[test]
    fn bitbucket_server_other_pages_are_errors() {
        let forges = declared(&[(ForgeKind::BitbucketServer, "bitbucket.example.com")]);
        let err = parse(
            "https://bitbucket.example.com/projects/PAY/repos/payments/pull-requests/4",
            &forges,
        )
        .unwrap_err();
        assert!(err.help().contains("browse/PATH?at=REF"), "{}", err.help());
        let err = parse("https://bitbucket.example.com/PAY/payments", &forges).unwrap_err();
        assert!(
            err.message().contains("projects/KEY/repos/REPO"),
            "{}",
            err.message()
        );
    }

    // ---------------------------------------------------------------- Azure

    // AzureUrl.fromRepoUrl: `ORG/PROJECT/_git/REPO`, `path` and
    // `version=GB<branch>` from the query.
    #[test]
    fn azure_branch() {
        let r = read(
            "https://dev.azure.com/org/project/_git/repo?path=%2Fcatalog-info.yaml&version=GBfeature%2Fx",
        );
        assert_eq!(r.repo.kind, ForgeKind::Azure);
        assert_eq!(
            (ns(&r.repo), r.repo.name()),
            (vec!["org", "project"], "repo")
        );
        assert_eq!(r.at, exact("feature/x", "catalog-info.yaml"));
        assert_eq!(r.folder, None);
        assert_eq!(
            r.repo.clone_url(),
            "https://dev.azure.com/org/project/_git/repo"
        );
        // Unrelated parameters of the Azure UI are ignored.
        let r = read(
            "https://dev.azure.com/org/project/_git/repo?path=/docs/&version=GBmain&_a=contents",
        );
        assert_eq!((r.at, r.folder), (exact("main", "docs"), Some(true)));
    }

    // AzureUrl.fromRepoUrl throws for a version that is not GB ("Azure URL
    // version must point to a git branch"); Backlot also reads GT and GC,
    // and refuses anything else.
    #[test]
    fn azure_tags_commits_and_default() {
        let sha = "6eead79870d998a3befd4bc7c72cc89e446f2970";
        let r = read(&format!(
            "https://dev.azure.com/org/_git/project?version=GC{sha}"
        ));
        assert_eq!(r.at, exact(sha, ""));
        let r = read("https://dev.azure.com/org/p/_git/r?path=/a.md&version=GTv1.2");
        assert_eq!(r.at, exact("refs/tags/v1.2", "a.md"));
        let r = read("https://dev.azure.com/org/p/_git/r?path=/a.md");
        assert_eq!((r.at, r.folder), (default_at("a.md"), None));
        let r = read("https://dev.azure.com/org/p/_git/r");
        assert_eq!((r.at, r.folder), (default_at(""), Some(true)));
        let err = parse("https://dev.azure.com/org/p/_git/r?version=XYz", &public()).unwrap_err();
        assert!(
            err.message().contains("GB<branch>, GT<tag> or GC<commit>"),
            "{err}"
        );
        assert!(parse("https://dev.azure.com/org/p/_git/r?version=GB", &public()).is_err());
    }

    // AzureUrl.fromRepoUrl: `_git` second → owner, project = repo;
    // toRepoUrl writes the short form back when project === repo.
    #[test]
    fn azure_repo_named_like_project() {
        let r = read("https://dev.azure.com/org/_git/project?path=/a.yaml&version=GBmain");
        assert_eq!(
            (ns(&r.repo), r.repo.name()),
            (vec!["org", "project"], "project")
        );
        assert_eq!(r.repo.web_url(), "https://dev.azure.com/org/_git/project");
        assert_eq!(
            r.repo.clone_url(),
            "https://dev.azure.com/org/project/_git/project"
        );
        assert_eq!(
            r.repo.file_url("main", "a.yaml"),
            "https://dev.azure.com/org/_git/project?path=%2Fa.yaml&version=GBmain"
        );
        // Both forms are the same repository.
        let long = read("https://dev.azure.com/org/project/_git/project");
        assert_eq!(long.repo.key(), r.repo.key());
    }

    // AzureUrl.fromRepoUrl: on visualstudio.com the organization is the
    // host's first label; toRepoUrl writes PROJECT/_git/REPO.
    #[test]
    fn azure_visualstudio_legacy_host() {
        let r = read("https://acme.visualstudio.com/project/_git/repo?path=/a.yaml&version=GBmain");
        assert_eq!(r.repo.host(), "acme.visualstudio.com");
        assert_eq!((ns(&r.repo), r.repo.name()), (vec!["project"], "repo"));
        assert_eq!(r.at, exact("main", "a.yaml"));
        assert_eq!(
            r.repo.clone_url(),
            "https://acme.visualstudio.com/project/_git/repo"
        );
        assert_eq!(r.repo.key(), "dev.azure.com/acme/project/repo");
        assert_eq!(
            r.repo.key(),
            read("https://dev.azure.com/Acme/Project/_git/Repo")
                .repo
                .key()
        );
        let r = read("https://acme.visualstudio.com/DefaultCollection/project/_git/repo");
        assert_eq!(ns(&r.repo), ["project"]);
    }

    // AzureUrl.test.ts: Azure DevOps Server under a sub path,
    // `http://my-host/tfs/projects/my-project/_git/my-repo` → owner
    // `tfs/projects`.
    #[test]
    fn azure_server_sub_path() {
        let forges = declared(&[(ForgeKind::Azure, "my-host")]);
        let r = read_with(
            "http://my-host/tfs/projects/my-project/_git/my-repo?path=%2Ffolder&version=GBtest-branch",
            &forges,
        );
        assert_eq!(ns(&r.repo), ["tfs", "projects", "my-project"]);
        assert_eq!(r.repo.name(), "my-repo");
        assert_eq!(r.at, exact("test-branch", "folder"));
        assert_eq!(
            r.repo.clone_url(),
            "http://my-host/tfs/projects/my-project/_git/my-repo"
        );
        // AzureUrl.test.ts: not repository URLs.
        for url in [
            "https://dev.azure.com/my-org/_git",
            "https://dev.azure.com/my-org/_git/",
            "https://dev.azure.com/my-org/my-project/",
            "https://dev.azure.com/my-org/my-project/_not-git",
            "https://dev.azure.com/org/p/_git/r/pullrequest/3",
        ] {
            assert!(parse(url, &public()).is_err(), "{url}");
        }
    }

    // AzureIntegration.ts resolveUrl (`path` set with URLSearchParams, the
    // folder resolved like a URL path, other parameters kept in place) and
    // resolveEditUrl (returns the URL unchanged).
    #[test]
    fn azure_generated_urls() {
        let repo = read("https://dev.azure.com/organization/project/_git/repository").repo;
        assert_eq!(
            repo.file_url("main", "catalog-info.yaml"),
            "https://dev.azure.com/organization/project/_git/repository?path=%2Fcatalog-info.yaml&version=GBmain"
        );
        assert_eq!(
            repo.folder_url("main", "folder"),
            "https://dev.azure.com/organization/project/_git/repository?path=%2Ffolder%2F&version=GBmain"
        );
        assert_eq!(
            repo.folder_url("main", ""),
            "https://dev.azure.com/organization/project/_git/repository?path=%2F&version=GBmain"
        );
        assert_eq!(
            repo.edit_url("main", "catalog-info.yaml"),
            Some(repo.file_url("main", "catalog-info.yaml"))
        );
        assert_eq!(
            repo.file_url("refs/tags/v1", "a b.md"),
            "https://dev.azure.com/organization/project/_git/repository?path=%2Fa+b.md&version=GTv1"
        );
    }

    // ---------------------------------------------------------------- Gitea

    // gitea/core.ts parseGiteaUrl: OWNER/REPO/src/<form>/REF/PATH.
    #[test]
    fn gitea_forms() {
        let forges = declared(&[(ForgeKind::Gitea, "gitea.example.com")]);
        let r = read_with(
            "https://gitea.example.com/a/b/src/branch/branch_name/path/to/c.yaml",
            &forges,
        );
        assert_eq!(r.repo.kind, ForgeKind::Gitea);
        assert_eq!((ns(&r.repo), r.repo.name()), (vec!["a"], "b"));
        assert_eq!(r.at, amb("branch_name/path/to/c.yaml"));
        assert_eq!(r.folder, None);
        let r = read_with(
            "https://gitea.example.com/a/b/src/tag/v1.0/docs/x.md",
            &forges,
        );
        assert_eq!(r.at, amb("refs/tags/v1.0/docs/x.md"));
        assert_eq!(
            r.candidates(),
            pairs(&[
                ("refs/tags/v1.0", "docs/x.md"),
                ("refs/tags/v1.0/docs", "x.md"),
                ("refs/tags/v1.0/docs/x.md", "")
            ])
        );
        let r = read_with(
            "https://gitea.example.com/a/b/src/commit/0a1b2c3/docs/x.md",
            &forges,
        );
        assert_eq!(r.at, exact("0a1b2c3", "docs/x.md"));
        let r = read_with(
            "https://gitea.example.com/a/b/raw/branch/main/x.md",
            &forges,
        );
        assert_eq!(r.folder, Some(false));
        let r = read_with("https://gitea.example.com/a/b/src/branch/main", &forges);
        assert_eq!(
            (r.candidates(), r.folder),
            (pairs(&[("main", "")]), Some(true))
        );
        assert_eq!(r.repo.clone_url(), "https://gitea.example.com/a/b.git");
    }

    // parseGiteaUrl skips the segment after `src` as the form, so the legacy
    // `src/<ref>/…` would lose a path segment there: refused, with the shapes.
    #[test]
    fn gitea_legacy_src_form_is_an_error() {
        let forges = declared(&[(ForgeKind::Gitea, "gitea.example.com")]);
        let err = parse("https://gitea.example.com/a/b/src/main/x.md", &forges).unwrap_err();
        assert!(err.help().contains("src/branch/REF/PATH"), "{}", err.help());
    }

    // gitea/core.ts getGiteaEditContentsUrl: OWNER/REPO/_edit/REF/PATH;
    // GiteaIntegration.ts resolveUrl is defaultScmResolveUrl.
    #[test]
    fn gitea_generated_urls() {
        let forges = declared(&[(ForgeKind::Gitea, "127.0.0.1:3000")]);
        let repo = read_with("http://127.0.0.1:3000/owner/repo", &forges).repo;
        assert_eq!(
            repo.edit_url("branch_name", "path/to/c.yaml").as_deref(),
            Some("http://127.0.0.1:3000/owner/repo/_edit/branch_name/path/to/c.yaml")
        );
        assert_eq!(
            repo.file_url("main", "c.yaml"),
            "http://127.0.0.1:3000/owner/repo/src/branch/main/c.yaml"
        );
        assert_eq!(
            repo.folder_url("refs/tags/v1", "docs"),
            "http://127.0.0.1:3000/owner/repo/src/tag/v1/docs/"
        );
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            repo.file_url(sha, "c.yaml"),
            format!("http://127.0.0.1:3000/owner/repo/src/commit/{sha}/c.yaml")
        );
        assert_eq!(repo.edit_url(sha, "c.yaml"), None);
    }

    // ------------------------------------------------------ refs and paths

    // git-url-parse takes the first segment as the ref; the other readings
    // follow, shortest ref first, so the caller can match the remote's refs.
    #[test]
    fn refs_with_slashes() {
        let r = read("https://github.com/o/r/tree/feature/x/docs/site");
        assert_eq!(
            r.candidates(),
            pairs(&[
                ("feature", "x/docs/site"),
                ("feature/x", "docs/site"),
                ("feature/x/docs", "site"),
                ("feature/x/docs/site", ""),
            ])
        );
        // A fully qualified ref is never `refs` or `refs/heads` alone.
        assert_eq!(
            amb("refs/heads/main/a.md").candidates(),
            pairs(&[("refs/heads/main", "a.md"), ("refs/heads/main/a.md", "")])
        );
        assert_eq!(exact("v1", "a").candidates(), pairs(&[("v1", "a")]));
    }

    // A ref may be a commit: 7 to 40 hex digits (or a SHA-256 one).
    #[test]
    fn commit_refs() {
        let r = read("https://github.com/o/r/blob/0a1b2c3d/catalog-info.yaml");
        assert_eq!(
            r.candidates()[0],
            ("0a1b2c3d".to_string(), "catalog-info.yaml".to_string())
        );
        assert!(looks_like_commit("0a1b2c3"));
        assert!(looks_like_commit(&"a".repeat(40)));
        assert!(looks_like_commit(&"a".repeat(64)));
        assert!(!looks_like_commit("0a1b2c"));
        assert!(!looks_like_commit(&"a".repeat(41)));
        assert!(!looks_like_commit("main"));
    }

    // git-url-parse decodes names (decodeURIComponent); the path is decoded
    // once and encoded again in generated URLs.
    #[test]
    fn percent_encoding() {
        let r = read("https://github.com/o/r/blob/main/my%20docs/%C3%A9t%C3%A9%2520.md");
        assert_eq!(r.at, amb("main/my docs/été%20.md"));
        assert_eq!(
            r.repo.file_url("main", "my docs/été%20.md"),
            "https://github.com/o/r/blob/main/my%20docs/%C3%A9t%C3%A9%2520.md"
        );
        // The WHATWG parser encodes a raw space; it is decoded the same.
        let r = read("https://github.com/o/r/blob/main/a b.md");
        assert_eq!(r.at, amb("main/a b.md"));
        let r = read("https://dev.azure.com/org/My%20Project/_git/repo?path=/a%20b.md");
        assert_eq!(ns(&r.repo), ["org", "My Project"]);
        assert_eq!(r.at, default_at("a b.md"));
        assert_eq!(
            r.repo.clone_url(),
            "https://dev.azure.com/org/My%20Project/_git/repo"
        );
        let err = parse("https://github.com/o/r/blob/main/%FF.md", &public()).unwrap_err();
        assert_eq!(err.problem(), &Problem::Encoding);
    }

    // helpers.ts parseGitUrlSafe: a path that decodes (repeatedly) to a `.`
    // or `..` segment is refused.
    #[test]
    fn traversal_is_refused() {
        for url in [
            "https://github.com/o/r/blob/main/%2e%2e%2f%2e%2e%2fuser/repos",
            "https://github.com/o/r/blob/main/%252e%252e/x",
            "https://github.com/o/r/blob/main/a%2F..%2Fb",
            "https://dev.azure.com/org/p/_git/r?path=/../../etc/passwd",
        ] {
            let err = parse(url, &public()).unwrap_err();
            assert_eq!(err.problem(), &Problem::Traversal, "{url}");
        }
        // No forge has `/` in an owner or repository name.
        let err = parse("https://github.com/acme%2Fx/payments", &public()).unwrap_err();
        assert!(err.message().contains("encoded `/`"), "{err}");
        // The WHATWG parser itself removes literal dot segments.
        let r = read("https://github.com/o/r/blob/main/a/../b.md");
        assert_eq!(r.at, amb("main/b.md"));
    }

    // parse(file_url(..)) and parse(folder_url(..)) give back the
    // repository, and the ref and path among the candidates, on every forge.
    #[test]
    fn round_trips() {
        let forges = declared(&[
            (ForgeKind::BitbucketServer, "bb.example.com:7990"),
            (ForgeKind::Gitea, "127.0.0.1:3000"),
        ]);
        let repos = [
            "https://github.com/acme/payments",
            "https://gitlab.com/g/sub/p",
            "https://bitbucket.org/ws/repo",
            "https://bb.example.com:7990/projects/PAY/repos/payments",
            "https://dev.azure.com/org/My%20Project/_git/repo",
            "https://dev.azure.com/org/_git/repo",
            "https://acme.visualstudio.com/project/_git/repo",
            "http://127.0.0.1:3000/owner/repo",
        ];
        for url in repos {
            let repo = read_with(url, &forges).repo;
            for (git_ref, path) in [
                ("main", "catalog-info.yaml"),
                ("feature/x", "docs/my file #1.md"),
                ("release-1", "ünïcödé/a?b.md"),
            ] {
                for generated in [repo.file_url(git_ref, path), repo.folder_url(git_ref, path)] {
                    let back = read_with(&generated, &forges);
                    assert_eq!(back.repo, repo, "{generated}");
                    assert!(
                        back.at
                            .candidates()
                            .contains(&(git_ref.to_string(), path.to_string())),
                        "{generated}: {:?}",
                        back.at
                    );
                }
                let back = read_with(&repo.folder_url(git_ref, path), &forges);
                assert_eq!(back.folder, Some(true), "{url}");
            }
            assert_eq!(
                read_with(&repo.clone_url(), &forges).repo.key(),
                repo.key(),
                "{url}"
            );
            assert_eq!(read_with(&repo.web_url(), &forges).repo, repo, "{url}");
        }
    }

    // ---------------------------------------------------------------- errors

    // helpers.ts basicIntegrations byUrl finds no integration: the message
    // names the host, the shapes of every forge and how to declare one.
    #[test]
    fn unknown_host_error() {
        let err = parse("https://git.corp.example/a/b/-/blob/main/x.yaml", &public()).unwrap_err();
        assert_eq!(
            err.problem(),
            &Problem::UnknownHost("git.corp.example".to_string())
        );
        let text = err.to_string();
        for needle in [
            "`git.corp.example` is not a known git forge",
            "integrations:",
            "backlot.yaml",
            "host: git.corp.example",
            "bitbucketServer",
            "GitHub …/OWNER/REPO/blob|tree/REF/PATH",
            "GitLab …/GROUP/PROJECT/-/blob|tree/REF/PATH",
            "Bitbucket Cloud …/WORKSPACE/REPO/src/REF/PATH",
            "Bitbucket Server …/projects/KEY/repos/REPO/browse/PATH?at=REF",
            "Azure DevOps …/ORG/PROJECT/_git/REPO?path=/PATH&version=GBREF",
            "Gitea …/OWNER/REPO/src/branch/REF/PATH",
        ] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
    }

    #[test]
    fn not_a_url_and_not_http() {
        let err = parse("catalog-info.yaml", &public()).unwrap_err();
        assert!(matches!(err.problem(), Problem::NotAUrl(_)));
        let err = parse("git@github.com:acme/payments.git", &public()).unwrap_err();
        assert!(
            matches!(err.problem(), Problem::NotAUrl(_) | Problem::NotHttp),
            "{err}"
        );
        let err = parse("ssh://git@github.com/acme/payments.git", &public()).unwrap_err();
        assert_eq!(err.problem(), &Problem::NotHttp);
        assert!(err.help().contains("name a repository to clone"));
    }

    // ------------------------------------------------------------ redaction

    #[test]
    fn redact_userinfo() {
        assert_eq!(
            redact("https://user:s3cret@github.com/o/r.git"),
            "https://***@github.com/o/r.git"
        );
        assert_eq!(
            redact("https://ghp_token@github.com/o/r"),
            "https://***@github.com/o/r"
        );
        assert_eq!(redact("HTTP://a:b@host:8080/x"), "HTTP://***@host:8080/x");
        assert_eq!(
            redact("ssh://git@github.com/o/r.git"),
            "ssh://git@github.com/o/r.git"
        );
        assert_eq!(
            redact("ssh://git:pw@github.com/o/r.git"),
            "ssh://git:***@github.com/o/r.git"
        );
        assert_eq!(redact("git@github.com:o/r.git"), "git@github.com:o/r.git");
        assert_eq!(redact("https://github.com/o/r"), "https://github.com/o/r");
        assert_eq!(
            redact("https://github.com/@scope/x"),
            "https://github.com/@scope/x"
        );
        assert_eq!(
            redact("fetching https://u:p@a.example/x and http://v:q@b.example failed"),
            "fetching https://***@a.example/x and http://***@b.example failed"
        );
        assert_eq!(
            redact("https://raw.githubusercontent.com/o/r/main/a?token=abc&x=1#L2"),
            "https://raw.githubusercontent.com/o/r/main/a?token=***&x=1#L2"
        );
        assert_eq!(
            redact("https://gitlab.com/api?private_token=abc"),
            "https://gitlab.com/api?private_token=***"
        );
    }

    // Userinfo never reaches a Repo, a generated URL or a message.
    #[test]
    fn userinfo_is_dropped_and_never_shown() {
        let r = read("https://user:s3cret@github.com/acme/payments/blob/main/a.yaml");
        for text in [
            r.repo.clone_url(),
            r.repo.web_url(),
            r.repo.file_url("main", "a.yaml"),
            r.repo.edit_url("main", "a.yaml").unwrap(),
            format!("{:?}", r),
        ] {
            assert!(!text.contains("s3cret") && !text.contains("user"), "{text}");
        }
        let err = parse("https://user:s3cret@unknown.example/a/b", &public()).unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(err.url().starts_with("https://***@unknown.example"));
        let err = parse("https://user:s3cret@github.com/a/b/pulls", &public()).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cret"));
        let repo =
            repo_from_clone_url("https://x-token:s3cret@gitlab.com/g/p.git", &public()).unwrap();
        assert_eq!(repo.clone_url(), "https://gitlab.com/g/p.git");
    }

    // ----------------------------------------------------------- clone URLs

    // git-url-parse reads ssh, scp-like and https clone URLs alike; a
    // `type: git` location on a forge gets the same links.
    #[test]
    fn clone_urls() {
        let forges = declared(&[
            (ForgeKind::BitbucketServer, "bitbucket.example.com:8443"),
            (ForgeKind::GitLab, "git.example.com"),
        ]);
        let cases = [
            (
                "https://github.com/acme/payments.git",
                "https://github.com/acme/payments.git",
            ),
            (
                "git@github.com:acme/payments.git",
                "https://github.com/acme/payments.git",
            ),
            (
                "ssh://git@github.com/acme/payments",
                "https://github.com/acme/payments.git",
            ),
            (
                "git://github.com/acme/payments.git",
                "https://github.com/acme/payments.git",
            ),
            (
                "git@gitlab.com:g/sub/p.git",
                "https://gitlab.com/g/sub/p.git",
            ),
            (
                "ssh://git@git.example.com:2222/g/p.git",
                "https://git.example.com/g/p.git",
            ),
            (
                "ssh://git@bitbucket.example.com:7999/pay/payments.git",
                "https://bitbucket.example.com:8443/scm/pay/payments.git",
            ),
            (
                "https://bitbucket.example.com:8443/scm/pay/payments.git",
                "https://bitbucket.example.com:8443/scm/pay/payments.git",
            ),
            (
                "git@bitbucket.org:ws/repo.git",
                "https://bitbucket.org/ws/repo.git",
            ),
            (
                "git@ssh.dev.azure.com:v3/org/project/repo",
                "https://dev.azure.com/org/project/_git/repo",
            ),
            (
                "acme@vs-ssh.visualstudio.com:v3/acme/project/repo",
                "https://acme.visualstudio.com/project/_git/repo",
            ),
            (
                "https://org@dev.azure.com/org/project/_git/repo",
                "https://dev.azure.com/org/project/_git/repo",
            ),
        ];
        for (url, clone) in cases {
            let repo = repo_from_clone_url(url, &forges).unwrap_or_else(|| panic!("{url}"));
            assert_eq!(repo.clone_url(), clone, "{url}");
        }
        assert_eq!(
            repo_from_clone_url("git@example.org:o/r.git", &forges),
            None
        );
        assert_eq!(
            repo_from_clone_url("https://github.com/o/r/blob/main/a.yaml", &forges),
            None
        );
        assert_eq!(repo_from_clone_url("/srv/git/repo.git", &forges), None);
        assert_eq!(
            repo_from_clone_url("git@github.com:o/r/x.git", &forges),
            None
        );
    }

    // Identity: same repository, same key, whatever the URL form or case.
    #[test]
    fn keys() {
        let a = read("https://github.com/Acme/Payments/blob/main/a.yaml").repo;
        let b = repo_from_clone_url("git@github.com:acme/payments.git", &public()).unwrap();
        let c = read("https://raw.githubusercontent.com/acme/payments/main/a.yaml").repo;
        assert_eq!(a.key(), "github.com/acme/payments");
        assert_eq!(a.key(), b.key());
        assert_eq!(a.key(), c.key());
        assert_eq!(a.display(), "github.com/Acme/Payments");
    }
}
