//! `backlot.yaml`: the portal's configuration.
//!
//! Read with the same position-aware YAML reader as descriptors, then
//! checked key by key so that an unknown key is reported with its line and
//! a "did you mean" (serde's `deny_unknown_fields` knows neither).
//! Paths resolve relative to the config file's folder.

use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::model::yaml::{self, Node, Value};
use crate::source::FileId;

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
    /// A URL (git crawling; not supported yet).
    Url,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LocationConfig {
    pub location_type: LocationType,
    /// As written in the config.
    pub target: String,
    /// Rules that apply only to entities read through this location.
    pub rules: Vec<Rule>,
    /// Where the entry was written (for diagnostics about it).
    pub span: crate::source::Span,
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
            .unwrap_or_else(|| self.root.join(crate::pipeline::CACHE_DIR))
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
            root: root.into(),
            cache_dir: None,
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
        &["title", "base_url", "theme", "catalog", "docs"],
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
        &["type", "target", "rules"],
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
        other => {
            diags.push(
                Diagnostic::new(
                    Code::ConfigInvalid,
                    format!("unknown location type \"{other}\""),
                )
                .at(type_node.span)
                .help("use `file` (a descriptor file or glob), `dir` (a folder to crawl) or `url`"),
            );
            return None;
        }
    };
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
        rules,
        span: node.span,
    })
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
