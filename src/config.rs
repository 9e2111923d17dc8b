//! `backlot.yaml`: the portal's configuration.
//!
//! Read with the same position-aware YAML reader as descriptors, then
//! checked key by key so that an unknown key is reported with its line and
//! a "did you mean" (serde's `deny_unknown_fields` knows neither).
//! Paths resolve relative to the config file's folder.

use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::forge::ForgeKind;
use crate::model::yaml::{self, Node, Value};
use crate::source::{FileId, Span};

/// Folder (next to backlot.yaml) of what builds keep for the next build.
pub const CACHE_DIR: &str = ".backlot-cache";

/// Descriptor file name searched by `dir` locations when none is configured
/// (Backstage's `catalog.import.entityFilename` default).
pub const DEFAULT_DESCRIPTOR_NAME: &str = "catalog-info.yaml";

/// The whole configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Portal title shown in the header. Default: "Developer Portal".
    pub title: String,
    /// Public URL of the site, e.g. `https://example.org/portal/`. Used for
    /// canonical links and the sitemap; pages link relatively so the site
    /// also works under any sub-path and from `file://`. Default: none.
    pub base_url: Option<String>,
    /// A folder whose files override the embedded default theme by name.
    pub theme: Option<PathBuf>,
    pub catalog: CatalogConfig,
    pub docs: DocsConfig,
    /// Forge hosts beyond the public ones, and their tokens: Backstage's
    /// `integrations:` section.
    pub integrations: Vec<Integration>,
    /// Fetching repositories.
    pub git: GitConfig,
    /// Folder holding backlot.yaml; every relative path resolves against it,
    /// and it is always a crawl root.
    pub root: PathBuf,
    /// Where builds keep what speeds up the next one (the highlight cache,
    /// the output manifest). Set by `build --cache-dir`, never by
    /// backlot.yaml; `None`: `.backlot-cache` next to backlot.yaml.
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogConfig {
    pub locations: Vec<LocationConfig>,
    /// Global rules; `None` allows every kind (Backlot's default, unlike
    /// Backstage's Component/API/Location: the portal owner writes the config).
    pub rules: Option<Vec<Rule>>,
    /// File names a `dir` location looks for. Default: `catalog-info.yaml`.
    pub descriptor_names: Vec<String>,
    /// Kinds beyond Backstage's that are accepted (with their apiVersions).
    pub custom_kinds: Vec<CustomKind>,
}

/// TechDocs settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocsConfig {
    /// Hosts whose `<iframe>`s survive sanitizing (Backstage's
    /// `techdocs.sanitizer.allowedIframeHosts`). Default: none.
    pub allowed_iframe_hosts: Vec<String>,
    /// Keep highlighted code between builds in `.backlot-cache/` next to
    /// backlot.yaml. Default: true.
    pub cache: bool,
    /// Show when each page's file was last committed, from the git
    /// repository holding the docs. Default: true.
    pub last_updated: bool,
    /// Where pages with Mermaid diagrams load Mermaid from.
    pub mermaid: Mermaid,
}

/// `docs.mermaid`: `true` (default), `false`, or the URL of a
/// `mermaid.min.js`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Mermaid {
    /// The theme's `static/vendor/mermaid.min.js` if it has one, else
    /// [`MERMAID_CDN`] with its integrity hash (as mkdocs-material loads
    /// Mermaid from a CDN by default).
    #[default]
    Default,
    /// Never: diagrams stay as their source, with a notice.
    Off,
    /// This script (http(s) or a path relative to the site root).
    Url(String),
}

/// Mermaid's script on a CDN, pinned to one release, with its Subresource
/// Integrity hash (sha384 of `dist/mermaid.min.js` of the npm package
/// mermaid@12.3.0, which jsDelivr serves unchanged): the browser refuses
/// the file if its bytes ever differ.
pub const MERMAID_CDN: (&str, &str) = (
    "https://cdn.jsdelivr.net/npm/mermaid@12.3.0/dist/mermaid.min.js",
    "sha384-HHW54r639fK42Ip0coGF3mz8oSiGn0eEoWNTLs75X7H63pLSDBa0Tqs0RwGmLlXE",
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationType {
    /// One descriptor file, or a glob of them.
    File,
    /// A folder crawled for descriptor files.
    Dir,
    /// A file or folder URL of a forge (Backstage's `url` locations), read
    /// from the repository it names.
    Url,
    /// A git repository by its clone URL or local path, at `ref`, reading
    /// `path` (a descriptor, or a glob) inside it.
    Git,
}

impl LocationType {
    pub fn name(&self) -> &'static str {
        match self {
            LocationType::File => "file",
            LocationType::Dir => "dir",
            LocationType::Url => "url",
            LocationType::Git => "git",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LocationConfig {
    pub location_type: LocationType,
    /// As written in the config.
    pub target: String,
    /// `type: git`: the branch, tag or commit (`None`: the remote's
    /// default branch).
    pub git_ref: Option<String>,
    /// `type: git`: the descriptor path or glob inside the repository
    /// (`None`: `catalog-info.yaml`).
    pub path: Option<String>,
    /// Rules that apply only to entities read through this location.
    pub rules: Vec<Rule>,
    /// Where the entry was written (for diagnostics about it).
    pub span: crate::source::Span,
}

/// One forge host of `integrations:` (Backstage's shape:
/// `integrations: { github: [{ host, token }] }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    pub kind: ForgeKind,
    /// `host` or `host:port`, lower case.
    pub host: String,
    /// The token for HTTPS fetches from this host.
    pub token: Option<EnvSecret>,
    /// The user name sent with the token (default: the forge's).
    pub username: Option<String>,
    pub span: Span,
}

/// A secret, named by the environment variable that holds it
/// (`token: ${GITHUB_TOKEN}`): backlot.yaml is usually committed, so it
/// never holds a secret itself.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvSecret {
    pub var: String,
}

impl std::fmt::Debug for EnvSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "${{{}}}", self.var)
    }
}

impl EnvSecret {
    /// The value, when the variable is set and not empty.
    pub fn value(&self) -> Option<String> {
        std::env::var(&self.var).ok().filter(|v| !v.is_empty())
    }
}

/// `git:`: fetching repositories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitConfig {
    /// The repository cache (default: `backlot/git` in the user's cache
    /// folder; `build --cache-dir DIR` uses `DIR/git`).
    pub cache: Option<PathBuf>,
    /// Clone URL rewrites, as git's `url.<to>.insteadOf = <from>`: the
    /// longest matching `from` prefix is replaced by its `to`.
    pub rewrite: Vec<Rewrite>,
    /// Tokens for hosts that are not forges of `integrations:`.
    pub auth: Vec<HostAuth>,
    /// Repositories fetched at once.
    pub jobs: usize,
    /// A fetch taking longer is given up (seconds).
    pub timeout: u64,
    /// A fetch receiving more is given up (MiB).
    pub max_fetch_mb: u64,
}

impl Default for GitConfig {
    fn default() -> GitConfig {
        GitConfig {
            cache: None,
            rewrite: Vec::new(),
            auth: Vec::new(),
            jobs: 8,
            timeout: 600,
            max_fetch_mb: 4096,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub from: String,
    pub to: String,
}

/// `git.auth[]`: a token for a git host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAuth {
    /// `host` or `host:port`, lower case.
    pub host: String,
    pub token: EnvSecret,
    pub username: Option<String>,
    pub span: Span,
}

/// `{ allow: [Component, API] }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub allow: Vec<String>,
}

/// `{ kind: Environment, apiVersions: [example.com/v1] }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomKind {
    pub kind: String,
    /// Accepted apiVersions; empty means any valid apiVersion.
    pub api_versions: Vec<String>,
}

impl Config {
    /// The folder of [`Config::cache_dir`].
    pub fn cache_dir(&self) -> PathBuf {
        self.cache_dir
            .clone()
            .unwrap_or_else(|| self.root.join(CACHE_DIR))
    }

    /// A config with defaults, rooted at `root` (tests, `init`).
    pub fn with_root(root: impl Into<PathBuf>) -> Config {
        Config {
            title: "Developer Portal".to_string(),
            base_url: None,
            theme: None,
            catalog: CatalogConfig {
                descriptor_names: vec![DEFAULT_DESCRIPTOR_NAME.to_string()],
                ..Default::default()
            },
            docs: DocsConfig {
                allowed_iframe_hosts: Vec::new(),
                cache: true,
                last_updated: true,
                mermaid: Mermaid::Default,
            },
            integrations: Vec::new(),
            git: GitConfig::default(),
            root: root.into(),
            cache_dir: None,
        }
    }

    /// The repository cache: `--cache-dir`'s `git` folder, else
    /// `git.cache`, else the user's cache folder (`$XDG_CACHE_HOME`, else
    /// `~/.cache`), else `.backlot-cache/git` next to backlot.yaml.
    pub fn git_cache(&self) -> PathBuf {
        if let Some(dir) = &self.cache_dir {
            return dir.join("git");
        }
        if let Some(dir) = &self.git.cache {
            return self.root.join(dir);
        }
        let user = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|home| PathBuf::from(home).join(".cache"))
            });
        match user {
            Some(dir) => dir.join("backlot").join("git"),
            None => self.root.join(CACHE_DIR).join("git"),
        }
    }

    /// Whether global and per-location rules allow `kind`.
    pub fn kind_allowed(&self, kind: &str, location_rules: &[Rule]) -> bool {
        let allows = |rules: &[Rule]| {
            rules
                .iter()
                .any(|r| r.allow.iter().any(|k| k.eq_ignore_ascii_case(kind)))
        };
        match &self.catalog.rules {
            None => true,
            Some(global) => allows(global) || allows(location_rules),
        }
    }
}

/// Parses a config file's text. `path` is the config file (its folder
/// becomes the root). Every problem is returned; the config is unusable if
/// any is an error.
pub fn parse(text: &str, path: &Path, file: FileId) -> Result<Config, Vec<Diagnostic>> {
    let root_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let node = yaml::parse_single(text, file).map_err(|d| vec![d])?;
    let mut diags = Vec::new();
    let mut config = Config::with_root(root_dir.clone());
    if node.is_null() {
        return Ok(config);
    }
    let Some(map) = node.as_map() else {
        return Err(vec![
            Diagnostic::new(
                Code::ConfigInvalid,
                "backlot.yaml must be a mapping of settings",
            )
            .at(node.span)
            .help("start from `backlot init`, which writes a commented example"),
        ]);
    };
    check_keys(
        map,
        &[
            "title",
            "base_url",
            "theme",
            "catalog",
            "docs",
            "integrations",
            "git",
        ],
        "",
        &mut diags,
    );
    if let Some(n) = map.get("title")
        && let Some(s) = string(n, "title", &mut diags)
    {
        config.title = s;
    }
    if let Some(n) = map.get("base_url")
        && let Some(s) = string(n, "base_url", &mut diags)
    {
        match url::Url::parse(&s) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {
                let mut s = u.to_string();
                if !s.ends_with('/') {
                    s.push('/');
                }
                config.base_url = Some(s)
            }
            _ => diags.push(
                Diagnostic::new(
                    Code::ConfigInvalid,
                    format!("base_url \"{s}\" is not an absolute http(s) URL"),
                )
                .at(n.span)
                .help("write the public address of the portal, e.g. https://example.org/portal/"),
            ),
        }
    }
    if let Some(n) = map.get("theme")
        && let Some(s) = string(n, "theme", &mut diags)
    {
        config.theme = Some(root_dir.join(s));
    }
    if let Some(catalog) = map.get("catalog") {
        parse_catalog(catalog, &mut config.catalog, &mut diags);
    }
    if let Some(docs) = map.get("docs") {
        parse_docs(docs, &mut config.docs, &mut diags);
    }
    if let Some(node) = map.get("integrations") {
        config.integrations = parse_integrations(node, &mut diags);
    }
    if let Some(node) = map.get("git") {
        parse_git(node, &mut config.git, &mut diags);
    }
    if diags.is_empty() {
        Ok(config)
    } else {
        Err(diags)
    }
}

fn parse_catalog(node: &Node, out: &mut CatalogConfig, diags: &mut Vec<Diagnostic>) {
    let Some(map) = mapping(node, "catalog", diags) else {
        return;
    };
    check_keys(
        map,
        &["locations", "rules", "descriptor_names", "custom_kinds"],
        "catalog.",
        diags,
    );
    if let Some(list) = map
        .get("locations")
        .and_then(|n| sequence(n, "catalog.locations", diags))
    {
        for item in list {
            if let Some(loc) = parse_location(item, diags) {
                out.locations.push(loc);
            }
        }
    }
    if let Some(n) = map.get("rules") {
        out.rules = Some(parse_rules(n, "catalog.rules", diags));
    }
    if let Some(list) = map
        .get("descriptor_names")
        .and_then(|n| sequence(n, "catalog.descriptor_names", diags))
    {
        let names: Vec<String> = list
            .iter()
            .filter_map(|n| string(n, "catalog.descriptor_names[]", diags))
            .collect();
        if !names.is_empty() {
            out.descriptor_names = names;
        }
    }
    if let Some(list) = map
        .get("custom_kinds")
        .and_then(|n| sequence(n, "catalog.custom_kinds", diags))
    {
        for item in list {
            let Some(m) = mapping(item, "catalog.custom_kinds[]", diags) else {
                continue;
            };
            check_keys(
                m,
                &["kind", "apiVersions"],
                "catalog.custom_kinds[].",
                diags,
            );
            let Some(kind) = m.get("kind").and_then(|n| string(n, "kind", diags)) else {
                diags.push(missing(item, "catalog.custom_kinds[].kind"));
                continue;
            };
            let api_versions = m
                .get("apiVersions")
                .and_then(|n| sequence(n, "apiVersions", diags))
                .map(|l| {
                    l.iter()
                        .filter_map(|n| string(n, "apiVersions[]", diags))
                        .collect()
                })
                .unwrap_or_default();
            out.custom_kinds.push(CustomKind { kind, api_versions });
        }
    }
}

fn parse_docs(node: &Node, out: &mut DocsConfig, diags: &mut Vec<Diagnostic>) {
    let Some(map) = mapping(node, "docs", diags) else {
        return;
    };
    check_keys(
        map,
        &["allowed_iframe_hosts", "cache", "last_updated", "mermaid"],
        "docs.",
        diags,
    );
    if let Some(list) = map
        .get("allowed_iframe_hosts")
        .and_then(|n| sequence(n, "docs.allowed_iframe_hosts", diags))
    {
        out.allowed_iframe_hosts = list
            .iter()
            .filter_map(|n| string(n, "docs.allowed_iframe_hosts[]", diags))
            .collect();
    }
    if let Some(n) = map.get("cache") {
        out.cache = boolean(n, "docs.cache", diags).unwrap_or(out.cache);
    }
    if let Some(n) = map.get("last_updated") {
        out.last_updated = boolean(n, "docs.last_updated", diags).unwrap_or(out.last_updated);
    }
    if let Some(n) = map.get("mermaid") {
        match &n.value {
            Value::Bool(true) => out.mermaid = Mermaid::Default,
            Value::Bool(false) => out.mermaid = Mermaid::Off,
            Value::Str(url) if script_url(url) => out.mermaid = Mermaid::Url(url.trim().to_string()),
            _ => diags.push(
                Diagnostic::new(
                    Code::ConfigInvalid,
                    format!(
                        "`docs.mermaid` must be true, false or the http(s) URL or site path of mermaid.min.js, found {}",
                        n.type_name()
                    ),
                )
                .at(n.span),
            ),
        }
    }
}

fn parse_location(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<LocationConfig> {
    let map = mapping(node, "catalog.locations[]", diags)?;
    check_keys(
        map,
        &["type", "target", "rules", "ref", "path"],
        "catalog.locations[].",
        diags,
    );
    let Some(type_node) = map.get("type") else {
        diags.push(missing(node, "catalog.locations[].type"));
        return None;
    };
    let type_text = string(type_node, "type", diags)?;
    let location_type = match type_text.as_str() {
        "file" => LocationType::File,
        "dir" => LocationType::Dir,
        "url" => LocationType::Url,
        "git" => LocationType::Git,
        other => {
            diags.push(
                Diagnostic::new(
                    Code::ConfigInvalid,
                    format!("unknown location type \"{other}\""),
                )
                .at(type_node.span)
                .help("use `file` (a descriptor file or glob), `dir` (a folder to crawl), `url` (a file or folder URL on a forge) or `git` (a repository's clone URL)"),
            );
            return None;
        }
    };
    let mut git_only = |key: &str| -> Option<String> {
        let n = map.get(key)?;
        if location_type != LocationType::Git {
            diags.push(
                Diagnostic::new(
                    Code::ConfigInvalid,
                    format!("`{key}` belongs to `type: git` locations"),
                )
                .at(n.span)
                .help("a `url` location carries its ref and path in the URL"),
            );
            return None;
        }
        string(n, &format!("catalog.locations[].{key}"), diags).filter(|v| !v.trim().is_empty())
    };
    let git_ref = git_only("ref");
    let path = git_only("path");
    let Some(target) = map.get("target").and_then(|n| string(n, "target", diags)) else {
        diags.push(missing(node, "catalog.locations[].target"));
        return None;
    };
    let rules = map
        .get("rules")
        .map(|n| parse_rules(n, "catalog.locations[].rules", diags))
        .unwrap_or_default();
    Some(LocationConfig {
        location_type,
        target,
        git_ref,
        path,
        rules,
        span: node.span,
    })
}

/// Backstage's `integrations:` keys that Backlot does not read: git
/// forges it has no URL rules for, and object stores.
const UNSUPPORTED_INTEGRATIONS: &[&str] = &[
    "bitbucket",
    "gerrit",
    "harness",
    "awsS3",
    "awsCodeCommit",
    "googleGcs",
    "azureBlobStorage",
];

fn parse_integrations(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<Integration> {
    let mut out = Vec::new();
    let Some(map) = mapping(node, "integrations", diags) else {
        return out;
    };
    let known: Vec<&str> = ForgeKind::ALL.iter().map(|k| k.config_key()).collect();
    for (key, list) in map.iter() {
        let Some(kind) = ForgeKind::from_config_key(&key.text) else {
            let help = if UNSUPPORTED_INTEGRATIONS.contains(&key.text.as_str()) {
                format!(
                    "Backlot reads repositories of {}; remove this entry",
                    known.join(", ")
                )
            } else {
                match did_you_mean(&key.text, &known) {
                    Some(s) => format!("did you mean `integrations.{s}`?"),
                    None => format!("known forges: {}", known.join(", ")),
                }
            };
            diags.push(
                Diagnostic::new(
                    Code::ConfigUnknownKey,
                    format!("unknown integration `integrations.{}`", key.text),
                )
                .at(key.span)
                .help(help),
            );
            continue;
        };
        let what = format!("integrations.{}", key.text);
        let Some(items) = sequence(list, &what, diags) else {
            continue;
        };
        for item in items {
            let Some(m) = mapping(item, &what, diags) else {
                continue;
            };
            // Backstage's URL and app settings are accepted, so that a
            // copied section works; Backlot talks git, not the forges' APIs.
            check_keys(
                m,
                &[
                    "host",
                    "token",
                    "username",
                    "appPassword",
                    "password",
                    "apiBaseUrl",
                    "rawBaseUrl",
                    "baseUrl",
                ],
                &format!("{what}[]."),
                diags,
            );
            let host = match m.get("host") {
                Some(n) => string(n, "host", diags).map(|h| h.trim().to_ascii_lowercase()),
                None => kind.default_host().map(str::to_string),
            };
            let Some(host) = host.filter(|h| valid_host(h)) else {
                diags.push(
                    Diagnostic::new(
                        Code::ConfigInvalid,
                        format!("`{what}[].host` must be a host name, with an optional port"),
                    )
                    .at(item.span)
                    .help("write the host alone, e.g. `host: ghe.example.com` or `host: git.example.com:8443`"),
                );
                continue;
            };
            let secret = ["token", "appPassword", "password"]
                .iter()
                .find_map(|k| m.get(k).map(|n| (*k, n)));
            let token = secret.and_then(|(k, n)| env_secret(n, &format!("{what}[].{k}"), diags));
            let username = m.get("username").and_then(|n| string(n, "username", diags));
            out.push(Integration {
                kind,
                host,
                token,
                username,
                span: item.span,
            });
        }
    }
    out
}

fn parse_git(node: &Node, out: &mut GitConfig, diags: &mut Vec<Diagnostic>) {
    let Some(map) = mapping(node, "git", diags) else {
        return;
    };
    check_keys(
        map,
        &[
            "cache",
            "rewrite",
            "auth",
            "jobs",
            "timeout",
            "max_fetch_mb",
        ],
        "git.",
        diags,
    );
    if let Some(n) = map.get("cache") {
        out.cache = string(n, "git.cache", diags).map(PathBuf::from);
    }
    if let Some(list) = map
        .get("rewrite")
        .and_then(|n| sequence(n, "git.rewrite", diags))
    {
        for item in list {
            let Some(m) = mapping(item, "git.rewrite[]", diags) else {
                continue;
            };
            check_keys(m, &["from", "to"], "git.rewrite[].", diags);
            let from = m
                .get("from")
                .and_then(|n| string(n, "git.rewrite[].from", diags));
            let to = m
                .get("to")
                .and_then(|n| string(n, "git.rewrite[].to", diags));
            match (from, to) {
                (Some(from), Some(to)) if !from.is_empty() => out.rewrite.push(Rewrite { from, to }),
                _ => diags.push(
                    Diagnostic::new(
                        Code::ConfigInvalid,
                        "`git.rewrite[]` needs a non-empty `from` and a `to`",
                    )
                    .at(item.span)
                    .help("e.g. `{ from: \"https://github.com/acme/\", to: \"file:///srv/mirrors/acme/\" }`"),
                ),
            }
        }
    }
    if let Some(list) = map.get("auth").and_then(|n| sequence(n, "git.auth", diags)) {
        for item in list {
            let Some(m) = mapping(item, "git.auth[]", diags) else {
                continue;
            };
            check_keys(m, &["host", "token", "username"], "git.auth[].", diags);
            let host = m
                .get("host")
                .and_then(|n| string(n, "git.auth[].host", diags))
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| valid_host(h));
            let token = m
                .get("token")
                .and_then(|n| env_secret(n, "git.auth[].token", diags));
            let username = m.get("username").and_then(|n| string(n, "username", diags));
            match (host, token) {
                (Some(host), Some(token)) => out.auth.push(HostAuth {
                    host,
                    token,
                    username,
                    span: item.span,
                }),
                _ => diags.push(
                    Diagnostic::new(
                        Code::ConfigInvalid,
                        "`git.auth[]` needs a `host` (with an optional port) and a `token`",
                    )
                    .at(item.span)
                    .help("e.g. `{ host: git.example.com, token: ${GIT_TOKEN} }`"),
                ),
            }
        }
    }
    for (key, slot, min) in [
        ("jobs", &mut out.jobs as &mut dyn SetNumber, 1u64),
        ("timeout", &mut out.timeout, 1),
        ("max_fetch_mb", &mut out.max_fetch_mb, 1),
    ] {
        if let Some(n) = map.get(key) {
            match n.value {
                Value::Int(v) if v >= min as i64 => slot.set(v as u64),
                _ => diags.push(
                    Diagnostic::new(
                        Code::ConfigInvalid,
                        format!("`git.{key}` must be a whole number of at least {min}"),
                    )
                    .at(n.span),
                ),
            }
        }
    }
}

/// A numeric setting of either width.
trait SetNumber {
    fn set(&mut self, v: u64);
}

impl SetNumber for usize {
    fn set(&mut self, v: u64) {
        *self = usize::try_from(v).unwrap_or(usize::MAX);
    }
}

impl SetNumber for u64 {
    fn set(&mut self, v: u64) {
        *self = v;
    }
}

/// `host` or `host:port`: no scheme, path or user.
pub(crate) fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && !host.contains(['/', '@', ' '])
        && url::Url::parse(&format!("https://{host}/")).is_ok_and(|u| u.path() == "/")
}

/// `${NAME}` or `{ $env: NAME }` (Backstage's two ways of naming an
/// environment variable). A literal value is refused: backlot.yaml is
/// usually committed.
fn env_secret(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<EnvSecret> {
    let var = match &node.value {
        Value::Str(s) => s
            .trim()
            .strip_prefix("${")
            .and_then(|s| s.strip_suffix('}'))
            .map(str::trim),
        Value::Map(m) if m.len() == 1 => m.get("$env").and_then(Node::as_str).map(str::trim),
        _ => None,
    };
    let valid = |v: &str| {
        !v.is_empty()
            && !v.starts_with(|c: char| c.is_ascii_digit())
            && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match var {
        Some(var) if valid(var) => Some(EnvSecret {
            var: var.to_string(),
        }),
        // The value is never repeated: it may be the secret itself.
        _ => {
            diags.push(
                Diagnostic::new(
                    Code::ConfigInvalid,
                    format!("`{what}` must name an environment variable, as `${{NAME}}`"),
                )
                .at(node.span)
                .help("keep the token in an environment variable (a CI secret) and write its name: `token: ${GITHUB_TOKEN}`; backlot.yaml never holds secrets"),
            );
            None
        }
    }
}

fn parse_rules(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Vec<Rule> {
    let Some(list) = sequence(node, what, diags) else {
        return Vec::new();
    };
    let mut rules = Vec::new();
    for item in list {
        let Some(m) = mapping(item, what, diags) else {
            continue;
        };
        check_keys(m, &["allow"], &format!("{what}[]."), diags);
        let allow = m
            .get("allow")
            .and_then(|n| sequence(n, "allow", diags))
            .map(|l| {
                l.iter()
                    .filter_map(|n| string(n, "allow[]", diags))
                    .collect()
            })
            .unwrap_or_default();
        rules.push(Rule { allow });
    }
    rules
}

fn check_keys(map: &yaml::Map, known: &[&str], prefix: &str, diags: &mut Vec<Diagnostic>) {
    for (key, _) in map.iter() {
        if known.contains(&key.text.as_str()) {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::ConfigUnknownKey,
            format!("unknown setting `{prefix}{}`", key.text),
        )
        .at(key.span);
        d = match did_you_mean(&key.text, known) {
            Some(s) => d.help(format!("did you mean `{prefix}{s}`?")),
            None => d.help(format!("known settings here: {}", known.join(", "))),
        };
        diags.push(d);
    }
}

/// The closest known word, if it is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &k.to_lowercase()),
                *k,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

fn string(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        _ => {
            diags.push(
                Diagnostic::new(
                    Code::ConfigInvalid,
                    format!("`{what}` must be a string, found {}", node.type_name()),
                )
                .at(node.span),
            );
            None
        }
    }
}

/// An http(s) URL, or a path (no scheme) relative to the site root.
fn script_url(url: &str) -> bool {
    let url = url.trim();
    let web = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    web || (!url.is_empty() && !url.contains(':') && !url.starts_with("//"))
}

fn boolean(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<bool> {
    match node.value {
        Value::Bool(b) => Some(b),
        _ => {
            diags.push(
                Diagnostic::new(
                    Code::ConfigInvalid,
                    format!("`{what}` must be true or false, found {}", node.type_name()),
                )
                .at(node.span),
            );
            None
        }
    }
}

fn mapping<'a>(node: &'a Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<&'a yaml::Map> {
    node.as_map().or_else(|| {
        diags.push(
            Diagnostic::new(
                Code::ConfigInvalid,
                format!("`{what}` must be a mapping, found {}", node.type_name()),
            )
            .at(node.span),
        );
        None
    })
}

fn sequence<'a>(node: &'a Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<&'a [Node]> {
    node.as_seq().or_else(|| {
        diags.push(
            Diagnostic::new(
                Code::ConfigInvalid,
                format!("`{what}` must be a list, found {}", node.type_name()),
            )
            .at(node.span),
        );
        None
    })
}

fn missing(node: &Node, what: &str) -> Diagnostic {
    Diagnostic::new(Code::ConfigInvalid, format!("`{what}` is required")).at(node.span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Config {
        parse(text, Path::new("/portal/backlot.yaml"), FileId(0)).unwrap()
    }

    fn parse_err(text: &str) -> Vec<Diagnostic> {
        parse(text, Path::new("/portal/backlot.yaml"), FileId(0)).unwrap_err()
    }

    #[test]
    fn full_config() {
        let c = parse_ok(
            "title: Acme\nbase_url: https://acme.example/portal\ntheme: mytheme\ncatalog:\n  locations:\n    - { type: dir, target: repos }\n    - type: file\n      target: org/*.yaml\n      rules: [{ allow: [Group, User] }]\n  rules:\n    - allow: [Component, API]\n  custom_kinds:\n    - kind: Environment\n      apiVersions: [example.com/v1]\n",
        );
        assert_eq!(c.title, "Acme");
        assert_eq!(c.base_url.as_deref(), Some("https://acme.example/portal/"));
        assert_eq!(c.theme, Some(PathBuf::from("/portal/mytheme")));
        assert_eq!(c.catalog.locations.len(), 2);
        assert_eq!(c.catalog.locations[1].rules[0].allow, ["Group", "User"]);
        assert!(c.kind_allowed("Component", &[]));
        assert!(!c.kind_allowed("Group", &[]));
        assert!(c.kind_allowed("Group", &c.catalog.locations[1].rules));
        assert_eq!(c.catalog.custom_kinds[0].kind, "Environment");
    }

    #[test]
    fn default_allows_every_kind() {
        let c = parse_ok("title: x\n");
        assert!(c.kind_allowed("Template", &[]));
        assert_eq!(c.catalog.descriptor_names, ["catalog-info.yaml"]);
    }

    #[test]
    fn unknown_key_suggests_the_closest() {
        let d = parse_err("titel: Acme\n");
        assert_eq!(d[0].code, Code::ConfigUnknownKey);
        assert_eq!(d[0].help.as_deref(), Some("did you mean `title`?"));
        assert_eq!(d[0].span.unwrap().start.line, 1);
        let d = parse_err("catalog:\n  location: []\n");
        assert_eq!(
            d[0].help.as_deref(),
            Some("did you mean `catalog.locations`?")
        );
        assert_eq!(d[0].span.unwrap().start.line, 2);
    }

    #[test]
    fn docs_switches() {
        let c = parse_ok("title: x\n");
        assert!(c.docs.cache && c.docs.last_updated);
        let c = parse_ok("docs:\n  last_updated: false\n  cache: false\n");
        assert!(!c.docs.cache && !c.docs.last_updated);
        let d = parse_err("docs:\n  last_updated: yes please\n");
        assert_eq!(d[0].code, Code::ConfigInvalid);
        assert!(
            d[0].message
                .contains("`docs.last_updated` must be true or false")
        );
        let d = parse_err("docs:\n  last_update: false\n");
        assert_eq!(
            d[0].help.as_deref(),
            Some("did you mean `docs.last_updated`?")
        );
    }

    #[test]
    fn wrong_types_and_missing_fields() {
        let d = parse_err(
            "catalog:\n  locations:\n    - type: dir\n    - type: ftp\n      target: x\n",
        );
        assert_eq!(d.len(), 2);
        assert!(d[0].message.contains("target"));
        assert!(d[1].message.contains("ftp"));
    }
}
