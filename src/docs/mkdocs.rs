//! `mkdocs.yml` → [`MkDocsConfig`]: the part of a TechDocs site's MkDocs
//! configuration that Backlot uses (spec/techdocs.md §1.3, §2, §3 intro).
//!
//! Reading never fails: a config with problems still gives a usable
//! [`MkDocsConfig`] (defaults where a value is unusable) plus the
//! [`DocsProblem`]s found, which the docs stage turns into diagnostics.
//! What the real toolchain does, and how each step shows up here:
//!
//! 1. Backstage's generator keeps only allowlisted top-level keys (and
//!    allowlisted `theme` keys) and drops the rest with a warning
//!    ([`DocsProblemKind::DroppedByBackstage`], or
//!    [`DocsProblemKind::UnknownKey`] when MkDocs would not know the key
//!    either, with a did-you-mean).
//! 2. MkDocs validates types and `docs_dir`, and requires `site_name`
//!    ([`DocsProblemKind::InvalidValue`], [`DocsProblemKind::DocsDirOutside`],
//!    [`DocsProblemKind::MissingSiteName`]); those abort a real build, so
//!    they are errors here, but a fallback value keeps Backlot going.
//! 3. techdocs-core appends its Markdown extensions and merges the user's
//!    settings over its defaults key by key (`toc: {toc_depth: 3}` keeps
//!    `permalink: true`), moving the settings of `pymdownx.extra` members
//!    under `pymdownx.extra`. Only the settings that change Backlot's
//!    rendering are kept, in [`MarkdownOptions`].
//!
//! Plugins and extensions that Backlot does not implement are warnings
//! ("Backlot ignores it"), never failures: TechDocs would fail the build if
//! they were not installed in its image, which Backlot cannot know.
//!
//! Our YAML reader drops tags, so tags are recovered from the source text
//! at each value's position: `!ENV` (MkDocs reads an environment variable;
//! Backlot does not), Python tags outside Backstage's list (an error in
//! Backstage, §1.3 step 4) and an unquoted `!include` in `nav` (an error in
//! MkDocs; the monorepo plugin needs the statement quoted).

use crate::config::did_you_mean;
use crate::diag::{Code, Severity};
use crate::docs::markdown::{MarkdownOptions, TabSlugs};
use crate::model::yaml::{self, Key, Map, Node, Value};
use crate::source::{FileId, Span};

/// `site_name` used when the config has none (it is then an error, but the
/// site still builds). Backstage writes the same name into the minimal
/// config it generates for docs without `mkdocs.yml` (§1.3 step 1).
pub const FALLBACK_SITE_NAME: &str = "Documentation Site";

/// Top-level keys that Backstage's generator keeps (§1.3 step 3).
pub const BACKSTAGE_ALLOWED_KEYS: &[&str] = &[
    "site_name",
    "site_url",
    "site_description",
    "site_author",
    "repo_url",
    "repo_name",
    "edit_uri",
    "edit_uri_template",
    "docs_dir",
    "site_dir",
    "nav",
    "exclude_docs",
    "not_in_nav",
    "theme",
    "plugins",
    "markdown_extensions",
    "extra",
    "extra_css",
    "use_directory_urls",
    "strict",
    "dev_addr",
    "watch",
    "copyright",
    "remote_branch",
    "remote_name",
    "validation",
    "google_analytics",
];

/// MkDocs 1.6 keys that are not on Backstage's allowlist: valid MkDocs, but
/// dropped before the build unless the operator allows them.
const MKDOCS_ONLY_KEYS: &[&str] = &[
    "INHERIT",
    "draft_docs",
    "extra_javascript",
    "extra_templates",
    "hooks",
    "pages",
];

/// `theme` keys Backstage keeps (§1.3 step 3).
const BACKSTAGE_THEME_KEYS: &[&str] = &[
    "name",
    "font",
    "icon",
    "logo",
    "favicon",
    "language",
    "direction",
    "palette",
    "features",
];

/// Plugins Backlot handles: techdocs-core and what it installs (§2.4).
/// `search` and `monorepo` are built in; `gh-admonitions` is part of the
/// Markdown pipeline; `redirects` writes redirect pages.
const KNOWN_PLUGINS: &[&str] = &[
    "techdocs-core",
    "search",
    "material/search",
    "monorepo",
    "redirects",
    "gh-admonitions",
];

/// Options of the techdocs-core plugin (its `TechDocsCoreConfig`).
const TECHDOCS_CORE_OPTIONS: &[&str] = &["use_material_search", "use_pymdownx_blocks"];

/// Markdown extensions that are known: techdocs-core's list, the rest of
/// Python-Markdown's and pymdown-extensions 11's, by their short names
/// (`markdown.extensions.` prefixes are removed before the lookup).
const KNOWN_EXTENSIONS: &[&str] = &[
    // techdocs-core's own list (§3), in its order.
    "toc",
    "admonition",
    "pymdownx.details",
    "pymdownx.tabbed",
    "pymdownx.caret",
    "pymdownx.critic",
    "pymdownx.emoji",
    "pymdownx.inlinehilite",
    "pymdownx.magiclink",
    "pymdownx.mark",
    "pymdownx.smartsymbols",
    "pymdownx.snippets",
    "pymdownx.highlight",
    "pymdownx.extra",
    "pymdownx.tasklist",
    "pymdownx.tilde",
    "markdown_inline_graphviz",
    "plantuml_markdown",
    "mdx_truly_sane_lists",
    // Blocks mode (§3.20).
    "pymdownx.blocks.admonition",
    "pymdownx.blocks.details",
    "pymdownx.blocks.tab",
    // Members of pymdownx.extra.
    "pymdownx.betterem",
    "pymdownx.superfences",
    "footnotes",
    "attr_list",
    "def_list",
    "tables",
    "abbr",
    "md_in_html",
    // Python-Markdown's other built-in extensions.
    "extra",
    "codehilite",
    "fenced_code",
    "legacy_attrs",
    "legacy_em",
    "meta",
    "nl2br",
    "sane_lists",
    "smarty",
    "wikilinks",
    // pymdown-extensions' other extensions.
    "pymdownx.arithmatex",
    "pymdownx.b64",
    "pymdownx.blocks.caption",
    "pymdownx.blocks.definition",
    "pymdownx.blocks.html",
    "pymdownx.escapeall",
    "pymdownx.fancylists",
    "pymdownx.keys",
    "pymdownx.pathconverter",
    "pymdownx.progressbar",
    "pymdownx.quotes",
    "pymdownx.saneheaders",
    "pymdownx.striphtml",
];

/// Python tags Backstage accepts in `mkdocs.yml` (§1.3 step 4); any other
/// `tag:yaml.org,2002:python/` tag fails the build.
const ALLOWED_PYTHON_TAGS: &[&str] = &[
    "!!python/name:pymdownx.emoji.emojione",
    "!!python/name:pymdownx.emoji.gemoji",
    "!!python/name:pymdownx.emoji.twemoji",
    "!!python/name:pymdownx.emoji.to_alt",
    "!!python/name:pymdownx.emoji.to_png",
    "!!python/name:pymdownx.emoji.to_png_sprite",
    "!!python/name:pymdownx.emoji.to_svg",
    "!!python/name:pymdownx.emoji.to_svg_sprite",
    "!!python/name:material.extensions.emoji.twemoji",
    "!!python/name:material.extensions.emoji.to_svg",
    "!!python/name:materialx.emoji.twemoji",
    "!!python/name:materialx.emoji.to_svg",
    "!!python/name:pymdownx.superfences.fence_code_format",
    "!!python/name:pymdownx.superfences.fence_div_format",
    "!!python/object/apply:pymdownx.slugs.slugify",
];

/// What went wrong in `mkdocs.yml` or in the docs layout. The docs stage
/// maps each kind to a diagnostic code.
#[derive(Debug, Clone, PartialEq)]
pub struct DocsProblem {
    /// Where in a config file: the key or value at fault, or the file's
    /// first line for problems about docs files (see `path`).
    pub span: Span,
    /// The docs file concerned, relative to `docs_dir` (for problems found
    /// in the file layout rather than in the config).
    pub path: Option<String>,
    pub severity: Severity,
    pub kind: DocsProblemKind,
    /// What is wrong, one sentence, no trailing period.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocsProblemKind {
    /// The file is not valid YAML (the code the YAML reader gave).
    Yaml(Code),
    /// A key neither MkDocs nor Backstage knows (a typo, usually).
    UnknownKey,
    /// A valid MkDocs key that Backstage's allowlist removes before the build.
    DroppedByBackstage,
    /// A plugin Backlot does not implement; it is ignored.
    UnknownPlugin,
    /// A Markdown extension Backlot does not know; it is ignored.
    UnknownExtension,
    /// A value of the wrong type or form.
    InvalidValue,
    /// `site_name` is missing (MkDocs requires it).
    MissingSiteName,
    /// `docs_dir` is absolute or leaves the docs root.
    DocsDirOutside,
    /// A `nav` entry names a file that is not among the docs files.
    NavMissingPage,
    /// A monorepo `!include`/`*include` problem.
    NavInclude,
    /// A file left out because another one gets the same output path
    /// (`README.md` beside `index.md`).
    ReadmeShadowed,
}

/// One entry of `nav` as written.
#[derive(Debug, Clone, PartialEq)]
pub struct NavItem {
    /// The key of a `Title: value` entry; `None` for a bare `- path.md`.
    pub title: Option<String>,
    pub value: NavValue,
    /// The value's position for paths (what a missing-page problem names),
    /// the key's for sections.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NavValue {
    /// A page path, a link, or a monorepo include statement
    /// (`!include ./x/mkdocs.yml`, `*include ./x/*/mkdocs.yml`).
    Path(String),
    Section(Vec<NavItem>),
}

/// The settings of `mkdocs.yml` that Backlot uses.
#[derive(Debug, Clone, PartialEq)]
pub struct MkDocsConfig {
    /// The config file; spans of nav entries point into it.
    pub file: FileId,
    pub site_name: String,
    /// Where `site_name` is written; `None` when it is missing (the
    /// fallback name is then in `site_name`).
    pub site_name_span: Option<Span>,
    pub site_description: Option<String>,
    pub site_url: Option<String>,
    pub site_author: Option<String>,
    /// Raw HTML for the footer.
    pub copyright: Option<String>,
    /// Relative to the config's folder, normalised (`docs`, `site/docs`).
    pub docs_dir: String,
    /// `None`: infer the nav from the files (§2.1).
    pub nav: Option<Vec<NavItem>>,
    pub use_directory_urls: bool,
    pub repo_url: Option<String>,
    /// As written; see [`MkDocsConfig::effective_repo_name`].
    pub repo_name: Option<String>,
    /// As written; see [`MkDocsConfig::effective_edit_uri`].
    pub edit_uri: Option<String>,
    pub edit_uri_template: Option<String>,
    pub extra_css: Vec<String>,
    /// gitignore-style lines of `exclude_docs` and `not_in_nav`.
    pub exclude_docs: Vec<String>,
    pub not_in_nav: Vec<String>,
    /// Material's `theme.features` as written (techdocs-core adds
    /// `navigation.footer` and `content.action.edit` to them at build time).
    pub theme_features: Vec<String>,
    pub markdown: MarkdownOptions,
    /// Plugin names in order, as written (Backstage adds `techdocs-core`).
    pub plugins: Vec<String>,
    /// Extension names in order, as written, without duplicates.
    pub markdown_extensions: Vec<String>,
    /// `redirects` plugin: old page → new page (or URL), in source order.
    pub redirect_maps: Vec<(String, String)>,
    /// techdocs-core `use_material_search` (§5).
    pub use_material_search: bool,
}

impl MkDocsConfig {
    /// The defaults MkDocs applies, with `site_name` set.
    pub fn new(file: FileId, site_name: impl Into<String>) -> MkDocsConfig {
        MkDocsConfig {
            file,
            site_name: site_name.into(),
            site_name_span: None,
            site_description: None,
            site_url: None,
            site_author: None,
            copyright: None,
            docs_dir: "docs".to_string(),
            nav: None,
            use_directory_urls: true,
            repo_url: None,
            repo_name: None,
            edit_uri: None,
            edit_uri_template: None,
            extra_css: Vec::new(),
            exclude_docs: Vec::new(),
            not_in_nav: Vec::new(),
            theme_features: Vec::new(),
            markdown: MarkdownOptions::default(),
            plugins: Vec::new(),
            markdown_extensions: Vec::new(),
            redirect_maps: Vec::new(),
            use_material_search: false,
        }
    }

    /// The config Backstage writes when a docs folder has no `mkdocs.yml`
    /// (§1.3 step 1): `{site_name, docs_dir: docs, plugins: [techdocs-core]}`.
    pub fn minimal(file: FileId, site_name: impl Into<String>) -> MkDocsConfig {
        let mut config = MkDocsConfig::new(file, site_name);
        config.plugins = vec!["techdocs-core".to_string()];
        config
    }

    /// `edit_uri` after MkDocs' defaults (§2.3): `edit/master/docs/` for
    /// github.com and gitlab.com, `src/default/docs/` for bitbucket.org,
    /// always ending in `/`; `None` when there is none.
    pub fn effective_edit_uri(&self) -> Option<String> {
        let mut edit_uri = match (&self.edit_uri, &self.repo_url) {
            (Some(uri), _) => uri.clone(),
            (None, Some(repo)) => match url_host(repo).as_str() {
                "github.com" | "gitlab.com" => "edit/master/docs/".to_string(),
                "bitbucket.org" => "src/default/docs/".to_string(),
                _ => return None,
            },
            (None, None) => return None,
        };
        if edit_uri.is_empty() {
            return None;
        }
        if !edit_uri.ends_with('/') {
            edit_uri.push('/');
        }
        Some(edit_uri)
    }

    /// The name of the repository link (§2.3): `repo_name`, else GitHub,
    /// GitLab or Bitbucket by host, else the host's first label, title-cased.
    pub fn effective_repo_name(&self) -> Option<String> {
        if let Some(name) = &self.repo_name {
            return Some(name.clone());
        }
        let host = url_host(self.repo_url.as_deref()?);
        Some(match host.as_str() {
            "github.com" => "GitHub".to_string(),
            "gitlab.com" => "GitLab".to_string(),
            "bitbucket.org" => "Bitbucket".to_string(),
            _ => python_title(host.split('.').next().unwrap_or_default()),
        })
    }
}

/// The names of a docs root's config file, in the order they are tried:
/// `mkdocs.yaml` before `mkdocs.yml`, as Backstage's generator does
/// (§1.3 step 1).
pub const CONFIG_NAMES: [&str; 2] = ["mkdocs.yaml", "mkdocs.yml"];

/// Reads `mkdocs.yml`. Never fails: problems come back with a config that
/// uses defaults where a value was unusable.
pub fn parse(text: &str, file: FileId) -> (MkDocsConfig, Vec<DocsProblem>) {
    // Positions count from after a byte order mark, as the YAML reader's.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader {
        lines: text.lines().collect(),
        problems: Vec::new(),
    };
    let mut config = MkDocsConfig::new(file, FALLBACK_SITE_NAME);
    let root = match yaml::parse_single(text, file) {
        Ok(root) => root,
        Err(d) => {
            reader.push(
                d.span.unwrap_or(Span::file_start(file)),
                Severity::Error,
                DocsProblemKind::Yaml(d.code),
                d.message,
                d.help
                    .unwrap_or_else(|| "fix the YAML syntax of mkdocs.yml".to_string()),
            );
            return (config, reader.problems);
        }
    };
    reader.check_tags(&root);
    let map = match &root.value {
        Value::Map(map) => map.clone(),
        Value::Null => Map::default(),
        _ => {
            reader.invalid(
                root.span,
                Severity::Error,
                format!("mkdocs.yml must be a mapping, not {}", describe(&root)),
                "write the settings as `key: value` lines (`site_name: My Docs`)",
            );
            Map::default()
        }
    };
    reader.read_top_level(&map, &mut config);
    if config.site_name_span.is_none() {
        reader.push(
            Span::file_start(file),
            Severity::Error,
            DocsProblemKind::MissingSiteName,
            "mkdocs.yml has no `site_name`".to_string(),
            format!(
                "MkDocs requires `site_name` (the site's title); add `site_name: My Docs`. \
                 Backlot uses \"{FALLBACK_SITE_NAME}\" meanwhile"
            ),
        );
    }
    (config, reader.problems)
}

struct Reader<'a> {
    /// The source lines, to recover tags (see [`Reader::tag_at`]).
    lines: Vec<&'a str>,
    problems: Vec<DocsProblem>,
}

/// Settings of one Markdown extension, as given by the user.
struct ExtensionConfig<'n> {
    name: String,
    config: Option<&'n Node>,
}

impl<'a> Reader<'a> {
    fn push(
        &mut self,
        span: Span,
        severity: Severity,
        kind: DocsProblemKind,
        message: String,
        help: impl Into<String>,
    ) {
        self.problems.push(DocsProblem {
            span,
            path: None,
            severity,
            kind,
            message,
            help: help.into(),
        });
    }

    fn invalid(
        &mut self,
        span: Span,
        severity: Severity,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(
            span,
            severity,
            DocsProblemKind::InvalidValue,
            message.into(),
            help,
        );
    }

    fn read_top_level<'n>(&mut self, map: &'n Map, config: &mut MkDocsConfig) {
        let mut extensions: Vec<ExtensionConfig<'n>> = Vec::new();
        for (key, node) in map.iter() {
            match key.text.as_str() {
                "site_name" => {
                    if let Some(name) = self.string(key, node) {
                        config.site_name = name;
                        config.site_name_span = Some(node.span);
                    }
                }
                "site_description" => config.site_description = self.string(key, node),
                "site_author" => config.site_author = self.string(key, node),
                "copyright" => config.copyright = self.string(key, node),
                "repo_name" => config.repo_name = self.string(key, node),
                "edit_uri" => config.edit_uri = self.string(key, node),
                "site_url" => config.site_url = self.url(key, node),
                "repo_url" => config.repo_url = self.url(key, node),
                "edit_uri_template" => {
                    config.edit_uri_template = self.string(key, node);
                    if let Some(template) = &config.edit_uri_template
                        && let Err(why) = format_edit_template(template, "", "")
                    {
                        self.invalid(
                            node.span,
                            Severity::Error,
                            format!("`edit_uri_template` is invalid: {why}"),
                            "use `{path}` or `{path_noext}` (optionally `{path!q}`), and `{{`/`}}` for literal braces",
                        );
                        config.edit_uri_template = None;
                    }
                }
                "docs_dir" => {
                    if let Some(dir) = self.string(key, node) {
                        config.docs_dir = self.docs_dir(&dir, node.span);
                    }
                }
                "use_directory_urls" => {
                    if let Some(b) = self.bool(key, node) {
                        config.use_directory_urls = b;
                    }
                }
                "extra_css" => config.extra_css = self.string_list(key, node),
                "exclude_docs" => config.exclude_docs = self.pattern_lines(key, node),
                "not_in_nav" => config.not_in_nav = self.pattern_lines(key, node),
                "nav" => config.nav = self.nav(node),
                "theme" => self.theme(node, config),
                "plugins" => self.plugins(node, config),
                "markdown_extensions" => self.extensions(node, config, &mut extensions),
                // Known, allowlisted, and without effect on Backlot's output.
                "site_dir" | "strict" | "dev_addr" | "watch" | "remote_branch" | "remote_name"
                | "validation" | "google_analytics" | "extra" => {}
                name if MKDOCS_ONLY_KEYS.contains(&name) => self.dropped(key),
                _ => self.unknown_key(key),
            }
        }
        config.markdown.blocks_mode = self.blocks_mode(map);
        self.markdown_options(&extensions, &mut config.markdown);
    }

    fn dropped(&mut self, key: &Key) {
        let effect = match key.text.as_str() {
            "extra_javascript" => "its scripts are not loaded",
            "hooks" => "its Python hooks do not run",
            "INHERIT" => "the parent config is not merged in",
            "pages" => "MkDocs renamed it `nav` long ago",
            _ => "it has no effect",
        };
        self.push(
            key.span,
            Severity::Warning,
            DocsProblemKind::DroppedByBackstage,
            format!(
                "Backstage drops `{}` from mkdocs.yml before building",
                key.text
            ),
            format!(
                "Backstage's TechDocs generator keeps only allowlisted keys \
                 (an operator can allow more with \
                 `techdocs.generator.mkdocs.dangerouslyAllowAdditionalKeys`); \
                 Backlot ignores it the same way, so {effect}. Remove it"
            ),
        );
    }

    fn unknown_key(&mut self, key: &Key) {
        let mut known: Vec<&str> = BACKSTAGE_ALLOWED_KEYS.to_vec();
        known.extend_from_slice(MKDOCS_ONLY_KEYS);
        let hint = match did_you_mean(&key.text, &known) {
            Some(s) => format!("did you mean `{s}`? "),
            None => String::new(),
        };
        self.push(
            key.span,
            Severity::Warning,
            DocsProblemKind::UnknownKey,
            format!("unknown mkdocs.yml key `{}`", key.text),
            format!(
                "{hint}MkDocs does not know this key and Backstage drops it before \
                 building; Backlot ignores it"
            ),
        );
    }

    /// A string value; `null` is "not set". Other scalars are an error
    /// (MkDocs checks the type) but their text is kept.
    fn string(&mut self, key: &Key, node: &Node) -> Option<String> {
        if let Some(tag) = self.tag_at(node.span)
            && tag == "!ENV"
        {
            return self.env_default(key, node);
        }
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            Value::Null => None,
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                let text = scalar_text(node);
                self.invalid(
                    node.span,
                    Severity::Error,
                    format!("`{}` must be a string, not {}", key.text, describe(node)),
                    format!("quote the value: `{}: \"{text}\"`", key.text),
                );
                Some(text)
            }
            Value::Seq(_) | Value::Map(_) => {
                self.invalid(
                    node.span,
                    Severity::Error,
                    format!("`{}` must be a string, not {}", key.text, describe(node)),
                    "write a single text value",
                );
                None
            }
        }
    }

    /// `!ENV VAR` or `!ENV [VAR, …, default]`: Backlot does not read the
    /// environment (builds must not depend on it), so the default is used.
    fn env_default(&mut self, key: &Key, node: &Node) -> Option<String> {
        let default = match &node.value {
            Value::Seq(items) if items.len() >= 2 => items.last().map(scalar_text),
            _ => None,
        };
        self.invalid(
            node.span,
            Severity::Warning,
            format!(
                "`{}` reads an environment variable (`!ENV`), which Backlot does not do",
                key.text
            ),
            match &default {
                Some(d) => format!("Backlot uses the default `{d}`; write the value instead"),
                None => "Backlot leaves it unset; write the value instead".to_string(),
            },
        );
        default
    }

    /// MkDocs' `URL` option: needs a scheme and a host.
    fn url(&mut self, key: &Key, node: &Node) -> Option<String> {
        let url = self.string(key, node)?;
        if url.is_empty() {
            return None;
        }
        match url::Url::parse(&url) {
            Ok(parsed) if parsed.has_host() => Some(url),
            _ => {
                self.invalid(
                    node.span,
                    Severity::Error,
                    format!("`{}` is not a full URL: `{url}`", key.text),
                    "write it with a scheme and host, e.g. `https://github.com/org/repo`",
                );
                None
            }
        }
    }

    fn bool(&mut self, key: &Key, node: &Node) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.invalid(
                    node.span,
                    Severity::Error,
                    format!(
                        "`{}` must be `true` or `false`, not {}",
                        key.text,
                        describe(node)
                    ),
                    "YAML 1.2 only reads `true`/`false` as booleans (`yes`/`on` are strings)",
                );
                None
            }
        }
    }

    fn string_list(&mut self, key: &Key, node: &Node) -> Vec<String> {
        match &node.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => items
                .iter()
                .filter_map(|item| match &item.value {
                    Value::Str(s) => Some(s.clone()),
                    _ => {
                        self.invalid(
                            item.span,
                            Severity::Error,
                            format!(
                                "entries of `{}` must be strings, not {}",
                                key.text,
                                describe(item)
                            ),
                            "write one path per entry",
                        );
                        None
                    }
                })
                .collect(),
            _ => {
                self.invalid(
                    node.span,
                    Severity::Error,
                    format!("`{}` must be a list, not {}", key.text, describe(node)),
                    format!("write `{}:` followed by `- path` lines", key.text),
                );
                Vec::new()
            }
        }
    }

    /// `exclude_docs`/`not_in_nav`: a multi-line string of gitignore lines.
    fn pattern_lines(&mut self, key: &Key, node: &Node) -> Vec<String> {
        let lines = |s: &str| {
            s.lines()
                .map(|l| l.trim_end().to_string())
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .collect::<Vec<_>>()
        };
        match &node.value {
            Value::Str(s) => lines(s),
            Value::Null => Vec::new(),
            Value::Seq(_) => {
                // MkDocs refuses a list; its entries are clearly meant as lines.
                let items = self.string_list(key, node);
                self.invalid(
                    node.span,
                    Severity::Error,
                    format!("`{}` must be a multi-line string, not a list", key.text),
                    format!("write `{}: |` followed by one pattern per line", key.text),
                );
                items
            }
            _ => {
                self.invalid(
                    node.span,
                    Severity::Error,
                    format!(
                        "`{}` must be a multi-line string, not {}",
                        key.text,
                        describe(node)
                    ),
                    format!("write `{}: |` followed by one pattern per line", key.text),
                );
                Vec::new()
            }
        }
    }

    /// Normalises `docs_dir`; absolute paths and paths leaving the docs
    /// root are refused (Backstage, §1.3 step 2), as is the root itself
    /// (MkDocs: docs_dir must be a child of the config's folder).
    fn docs_dir(&mut self, raw: &str, span: Span) -> String {
        match normalize_relative(raw) {
            Some(dir) if !dir.is_empty() => dir,
            Some(_) => {
                self.invalid(
                    span,
                    Severity::Error,
                    format!("`docs_dir: {raw}` is the folder of mkdocs.yml itself"),
                    "MkDocs needs the docs in a child folder: move them to `docs/` and remove \
                     `docs_dir`; Backlot uses `docs` meanwhile",
                );
                "docs".to_string()
            }
            None => {
                self.push(
                    span,
                    Severity::Error,
                    DocsProblemKind::DocsDirOutside,
                    format!("`docs_dir: {raw}` is outside the docs root"),
                    "Backstage refuses absolute paths and paths that leave the folder of \
                     mkdocs.yml; use a relative child folder such as `docs`. Backlot uses \
                     `docs` meanwhile",
                );
                "docs".to_string()
            }
        }
    }

    fn nav(&mut self, node: &Node) -> Option<Vec<NavItem>> {
        let items = match &node.value {
            Value::Null => return None,
            Value::Seq(items) => self.nav_list(items),
            Value::Map(map) => {
                self.invalid(
                    node.span,
                    Severity::Error,
                    "`nav` must be a list, not a mapping",
                    "start each entry with `- ` (`- Home: index.md`)",
                );
                self.nav_entries(map)
            }
            _ => {
                self.invalid(
                    node.span,
                    Severity::Error,
                    format!("`nav` must be a list, not {}", describe(node)),
                    "write `nav:` followed by `- Title: page.md` lines; Backlot infers the nav meanwhile",
                );
                return None;
            }
        };
        // MkDocs treats an empty nav as no nav.
        if items.is_empty() { None } else { Some(items) }
    }

    fn nav_list(&mut self, items: &[Node]) -> Vec<NavItem> {
        let mut out = Vec::new();
        for item in items {
            match &item.value {
                Value::Str(s) => {
                    let path = self.nav_path(s, item.span);
                    out.push(NavItem {
                        title: None,
                        value: NavValue::Path(path),
                        span: item.span,
                    });
                }
                Value::Map(map) if map.len() == 1 => out.extend(self.nav_entries(map)),
                Value::Map(map) if map.len() > 1 => {
                    self.invalid(
                        item.span,
                        Severity::Error,
                        format!(
                            "a nav entry must have one `Title: value`, this one has {}",
                            map.len()
                        ),
                        "put each `Title: value` on its own `- ` line",
                    );
                    out.extend(self.nav_entries(map));
                }
                _ => self.invalid(
                    item.span,
                    Severity::Error,
                    format!(
                        "a nav entry must be a path or `Title: value`, not {}",
                        describe(item)
                    ),
                    "write `- page.md`, `- Title: page.md` or `- Section: [entries]`; Backlot skips this entry",
                ),
            }
        }
        out
    }

    fn nav_entries(&mut self, map: &Map) -> Vec<NavItem> {
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            let title = Some(key.text.clone());
            match &value.value {
                Value::Str(s) => {
                    let path = self.nav_path(s, value.span);
                    out.push(NavItem {
                        title,
                        value: NavValue::Path(path),
                        span: value.span,
                    });
                }
                Value::Seq(items) => {
                    let children = self.nav_list(items);
                    out.push(NavItem {
                        title,
                        value: NavValue::Section(children),
                        span: key.span,
                    });
                }
                Value::Map(inner) if !inner.is_empty() => {
                    // MkDocs only warns here ("Expected nav to be a list").
                    self.invalid(
                        value.span,
                        Severity::Warning,
                        format!("the section `{}` should be a list, not a mapping", key.text),
                        "start each entry of the section with `- `",
                    );
                    let children = self.nav_entries(inner);
                    out.push(NavItem {
                        title,
                        value: NavValue::Section(children),
                        span: key.span,
                    });
                }
                _ => self.invalid(
                    value.span,
                    Severity::Error,
                    format!(
                        "the nav entry `{}` must be a path or a list, not {}",
                        key.text,
                        describe(value)
                    ),
                    "write `Title: page.md` or `Title:` followed by `- ` entries; Backlot skips this entry",
                ),
            }
        }
        out
    }

    /// A nav string; an unquoted `!include path` lost its tag in our YAML
    /// reader, so it is recovered from the source (and reported: MkDocs
    /// fails on the unknown tag).
    fn nav_path(&mut self, value: &str, span: Span) -> String {
        match self.tag_at(span) {
            Some(tag) if tag == "!include" => {
                self.push(
                    span,
                    Severity::Error,
                    DocsProblemKind::NavInclude,
                    "unquoted `!include` in nav is a YAML tag, not an include statement"
                        .to_string(),
                    format!(
                        "quote the whole statement: `'!include {value}'` (MkDocs fails on the \
                         unknown tag); Backlot includes it anyway"
                    ),
                );
                format!("!include {value}")
            }
            _ => value.to_string(),
        }
    }

    fn theme(&mut self, node: &Node, config: &mut MkDocsConfig) {
        let map = match &node.value {
            // `theme: material` (or any name: techdocs-core replaces it).
            Value::Str(_) | Value::Null => return,
            Value::Map(map) => map,
            _ => {
                self.invalid(
                    node.span,
                    Severity::Error,
                    format!(
                        "`theme` must be a name or a mapping, not {}",
                        describe(node)
                    ),
                    "write `theme: {name: material}` or leave `theme` out",
                );
                return;
            }
        };
        // techdocs-core replaces any other theme by a fresh Material theme,
        // so its options are lost anyway: nothing to report.
        let name = map.get("name").and_then(Node::as_str).unwrap_or("material");
        if name != "material" {
            return;
        }
        for (key, value) in map.iter() {
            if !BACKSTAGE_THEME_KEYS.contains(&key.text.as_str()) {
                self.push(
                    key.span,
                    Severity::Warning,
                    DocsProblemKind::DroppedByBackstage,
                    format!("Backstage drops `theme.{}` before building", key.text),
                    format!(
                        "Backstage keeps only these theme keys: {}; Backlot ignores it too",
                        BACKSTAGE_THEME_KEYS.join(", ")
                    ),
                );
            } else if key.text == "features" {
                config.theme_features = self.string_list(key, value);
            }
        }
    }

    fn plugins(&mut self, node: &Node, config: &mut MkDocsConfig) {
        for (name, name_span, options) in self.named_entries(node, "plugins") {
            match name.as_str() {
                "techdocs-core" => self.techdocs_core_options(options, config),
                "redirects" => self.redirects(options, config),
                n if KNOWN_PLUGINS.contains(&n) => {}
                _ => self.push(
                    name_span,
                    Severity::Warning,
                    DocsProblemKind::UnknownPlugin,
                    format!("Backlot does not implement the `{name}` plugin and ignores it"),
                    "pages are built as if it were not listed; TechDocs fails the build if \
                     the plugin is not installed in its image",
                ),
            }
            config.plugins.push(name);
        }
    }

    /// `plugins` and `markdown_extensions`: a list of names or one-key
    /// mappings `name: {options}`, or one mapping of name → options.
    fn named_entries<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
    ) -> Vec<(String, Span, Option<&'n Node>)> {
        let mut out = Vec::new();
        match &node.value {
            Value::Null => {}
            Value::Map(map) => {
                out.extend(map.iter().map(|(k, v)| (k.text.clone(), k.span, Some(v))));
            }
            Value::Seq(items) => {
                for item in items {
                    match &item.value {
                        Value::Str(s) => out.push((s.clone(), item.span, None)),
                        Value::Map(map) if map.len() == 1 => {
                            let (k, v) = &map.entries[0];
                            out.push((k.text.clone(), k.span, Some(v)));
                        }
                        _ => self.invalid(
                            item.span,
                            Severity::Error,
                            format!(
                                "entries of `{what}` must be a name or `name: {{options}}`, not {}",
                                describe(item)
                            ),
                            "write `- name` or `- name:` followed by indented options",
                        ),
                    }
                }
            }
            _ => self.invalid(
                node.span,
                Severity::Error,
                format!("`{what}` must be a list, not {}", describe(node)),
                format!("write `{what}:` followed by `- name` lines"),
            ),
        }
        out
    }

    /// Options must be a mapping (or empty).
    fn options<'n>(&mut self, options: Option<&'n Node>, owner: &str) -> Option<&'n Map> {
        let node = options?;
        match &node.value {
            Value::Map(map) => Some(map),
            Value::Null => None,
            _ => {
                self.invalid(
                    node.span,
                    Severity::Error,
                    format!(
                        "the options of `{owner}` must be a mapping, not {}",
                        describe(node)
                    ),
                    "write the options as indented `key: value` lines",
                );
                None
            }
        }
    }

    fn techdocs_core_options(&mut self, options: Option<&Node>, config: &mut MkDocsConfig) {
        let Some(map) = self.options(options, "techdocs-core") else {
            return;
        };
        for (key, value) in map.iter() {
            match key.text.as_str() {
                "use_material_search" => {
                    if let Some(b) = self.bool(key, value) {
                        config.use_material_search = b;
                    }
                }
                // Read again by `blocks_mode`, which needs it before the
                // extension settings are merged.
                "use_pymdownx_blocks" => {
                    self.bool(key, value);
                }
                _ => {
                    let hint = did_you_mean(&key.text, TECHDOCS_CORE_OPTIONS)
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    self.push(
                        key.span,
                        Severity::Warning,
                        DocsProblemKind::UnknownKey,
                        format!("techdocs-core has no option `{}`", key.text),
                        format!(
                            "{hint}its options are {}; MkDocs warns and ignores others",
                            TECHDOCS_CORE_OPTIONS.join(", ")
                        ),
                    );
                }
            }
        }
    }

    /// `techdocs-core: {use_pymdownx_blocks: true}` (§3.20).
    fn blocks_mode(&self, map: &Map) -> bool {
        let Some(plugins) = map.get("plugins") else {
            return false;
        };
        let options = |node: &Node| -> Option<bool> {
            match node.get("use_pymdownx_blocks")?.value {
                Value::Bool(b) => Some(b),
                _ => None,
            }
        };
        match &plugins.value {
            Value::Map(m) => m.get("techdocs-core").and_then(options),
            Value::Seq(items) => items
                .iter()
                .filter_map(|item| item.as_map())
                .filter_map(|m| m.get("techdocs-core"))
                .find_map(options),
            _ => None,
        }
        .unwrap_or(false)
    }

    fn redirects(&mut self, options: Option<&Node>, config: &mut MkDocsConfig) {
        let Some(map) = self.options(options, "redirects") else {
            return;
        };
        let Some(maps) = map.get("redirect_maps") else {
            return;
        };
        match &maps.value {
            Value::Null => {}
            Value::Map(entries) => {
                for (from, to) in entries.iter() {
                    match &to.value {
                        Value::Str(target) => {
                            config
                                .redirect_maps
                                .push((from.text.clone(), target.clone()));
                        }
                        _ => self.invalid(
                            to.span,
                            Severity::Error,
                            format!(
                                "the redirect of `{}` must be a page path or URL, not {}",
                                from.text,
                                describe(to)
                            ),
                            "write `old/page.md: new/page.md`",
                        ),
                    }
                }
            }
            _ => self.invalid(
                maps.span,
                Severity::Error,
                format!("`redirect_maps` must be a mapping, not {}", describe(maps)),
                "write `redirect_maps:` followed by `old.md: new.md` lines",
            ),
        }
    }

    fn extensions<'n>(
        &mut self,
        node: &'n Node,
        config: &mut MkDocsConfig,
        extensions: &mut Vec<ExtensionConfig<'n>>,
    ) {
        for (name, span, options) in self.named_entries(node, "markdown_extensions") {
            let short = short_extension_name(&name);
            if !KNOWN_EXTENSIONS.contains(&short) {
                self.push(
                    span,
                    Severity::Warning,
                    DocsProblemKind::UnknownExtension,
                    format!("Backlot does not know the Markdown extension `{name}` and ignores it"),
                    "pages are rendered without it; TechDocs fails the build if the extension \
                     is not installed in its image",
                );
            }
            let options = options.filter(|o| !o.is_null());
            if let Some(o) = options
                && o.as_map().is_none()
            {
                self.invalid(
                    o.span,
                    Severity::Error,
                    format!(
                        "the settings of `{name}` must be a mapping, not {}",
                        describe(o)
                    ),
                    "write the settings as indented `key: value` lines",
                );
            }
            if !config.markdown_extensions.contains(&name) {
                config.markdown_extensions.push(name.clone());
            }
            // MkDocs keeps the last settings given for a name.
            if let Some(o) = options.filter(|o| o.as_map().is_some_and(|m| !m.is_empty())) {
                extensions.retain(|e| e.name != name);
                extensions.push(ExtensionConfig {
                    name,
                    config: Some(o),
                });
            }
        }
    }

    /// Merges the user's extension settings over techdocs-core's defaults
    /// and keeps what Backlot's renderer needs (§3 intro).
    fn markdown_options(&mut self, extensions: &[ExtensionConfig<'_>], md: &mut MarkdownOptions) {
        let settings = |name: &str| -> Option<&Map> {
            extensions
                .iter()
                .rev()
                .find(|e| short_extension_name(&e.name) == name)
                .and_then(|e| e.config?.as_map())
        };
        if let Some(toc) = settings("toc") {
            if let Some(permalink) = toc.get("permalink") {
                md.permalink = permalink_text(permalink);
            }
            if let Some(depth) = toc.get("toc_depth") {
                match toc_depth(depth) {
                    Some(d) => md.toc_depth = d,
                    None => self.invalid(
                        depth.span,
                        Severity::Error,
                        format!(
                            "`toc_depth` must be a number 1 to 6 or a range like \"2-4\", not {}",
                            describe(depth)
                        ),
                        "write `toc_depth: 3`",
                    ),
                }
            }
        }
        let highlight = settings("pymdownx.highlight").into_iter().chain(
            settings("pymdownx.extra")
                .and_then(|extra| extra.get("pymdownx.highlight"))
                .and_then(Node::as_map),
        );
        for h in highlight {
            if let Some(Value::Bool(b)) = h.get("use_pygments").map(|n| &n.value) {
                md.use_pygments = *b;
            }
        }
        if let Some(emoji) = settings("pymdownx.emoji")
            && let Some(index) = emoji.get("emoji_index")
        {
            let tag = self.tag_at(index.span).unwrap_or_default();
            let value = index.as_str().unwrap_or_default();
            md.material_icons = [tag.as_str(), value]
                .iter()
                .any(|t| t.contains("material.extensions.emoji") || t.contains("materialx.emoji"));
        }
        for name in ["pymdownx.tabbed", "pymdownx.blocks.tab"] {
            let Some(tabbed) = settings(name) else {
                continue;
            };
            if let Some(slugify) = tabbed.get("slugify") {
                let case = slugify
                    .get("kwds")
                    .and_then(|k| k.get("case"))
                    .and_then(Node::as_str)
                    .unwrap_or("none");
                md.tab_slugs = Some(TabSlugs {
                    lowercase: matches!(case, "lower" | "fold"),
                    combine_header: matches!(
                        tabbed.get("combine_header_slug").map(|n| &n.value),
                        Some(Value::Bool(true))
                    ),
                    // Ids go into attributes unescaped: only word
                    // characters and dashes.
                    separator: tabbed
                        .get("separator")
                        .and_then(Node::as_str)
                        .filter(|sep| {
                            !sep.is_empty()
                                && sep
                                    .chars()
                                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                        })
                        .unwrap_or("-")
                        .to_string(),
                });
            }
        }
        // techdocs-core moves the settings of pymdownx.extra's members under
        // pymdownx.extra, so fences may be configured either way.
        let superfences = settings("pymdownx.superfences").into_iter().chain(
            settings("pymdownx.extra")
                .and_then(|extra| extra.get("pymdownx.superfences"))
                .and_then(Node::as_map),
        );
        for sf in superfences {
            let Some(fences) = sf.get("custom_fences") else {
                continue;
            };
            let Some(fences) = fences.as_seq() else {
                self.invalid(
                    fences.span,
                    Severity::Error,
                    format!("`custom_fences` must be a list, not {}", describe(fences)),
                    "write `custom_fences:` followed by `- name: mermaid` entries",
                );
                continue;
            };
            for fence in fences {
                match fence.get("name").and_then(Node::as_str) {
                    Some(name) => {
                        if !md.diagram_fences.iter().any(|f| f == name) {
                            md.diagram_fences.push(name.to_string());
                        }
                    }
                    None => self.invalid(
                        fence.span,
                        Severity::Error,
                        "a custom fence needs a `name`".to_string(),
                        "write `- {name: mermaid, class: mermaid, format: …}`",
                    ),
                }
            }
        }
    }

    /// Reports YAML tags Backstage or MkDocs would refuse (see the module
    /// documentation). `!ENV` is handled where values are read.
    fn check_tags(&mut self, node: &Node) {
        if let Some(tag) = self.tag_at(node.span) {
            let refused = if tag.starts_with("!!python/") {
                !ALLOWED_PYTHON_TAGS.contains(&tag.as_str())
            } else if let Some(core) = tag.strip_prefix("!!") {
                !matches!(
                    core,
                    "str" | "int" | "float" | "bool" | "null" | "seq" | "map"
                )
            } else {
                !matches!(tag.as_str(), "!ENV" | "!relative" | "!include")
            };
            if refused {
                self.invalid(
                    node.span,
                    Severity::Error,
                    format!("the YAML tag `{tag}` is not allowed in mkdocs.yml"),
                    "Backstage accepts only `!ENV`, `!relative` and a few `!!python/name:` tags \
                     (emoji generators and superfences formats); remove the tag",
                );
            }
        }
        match &node.value {
            Value::Seq(items) => items.iter().for_each(|n| self.check_tags(n)),
            Value::Map(map) => map.entries.iter().for_each(|(_, n)| self.check_tags(n)),
            _ => {}
        }
    }

    /// The tag written at the start of a value, if any: our YAML reader
    /// keeps tagged values but forgets the tag, and a value's span starts at
    /// its tag. Plain scalars cannot start with `!`, so a `!` there is a tag.
    fn tag_at(&self, span: Span) -> Option<String> {
        let line = self.lines.get(span.start.line.checked_sub(1)? as usize)?;
        let rest: String = line
            .chars()
            .skip(span.start.col.saturating_sub(1) as usize)
            .collect();
        if !rest.starts_with('!') {
            return None;
        }
        let tag: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, '[' | '{' | ',' | ']' | '}'))
            .collect();
        Some(tag)
    }
}

/// Python-Markdown's `toc.permalink`: `true` → `¶`, false-ish → none, any
/// other text → that text (its `parseBoolValue` rules).
fn permalink_text(node: &Node) -> Option<String> {
    let on = || Some("¶".to_string());
    match &node.value {
        Value::Null => None,
        Value::Bool(true) => on(),
        Value::Bool(false) => None,
        Value::Int(i) => (*i != 0).then(|| "¶".to_string()),
        Value::Float(f) => (*f != 0.0).then(|| "¶".to_string()),
        Value::Str(s) => match s.to_lowercase().as_str() {
            "true" | "yes" | "y" | "on" | "1" => on(),
            "false" | "no" | "n" | "off" | "0" | "none" => None,
            _ => Some(s.clone()),
        },
        Value::Seq(items) => (!items.is_empty()).then(|| "¶".to_string()),
        Value::Map(map) => (!map.is_empty()).then(|| "¶".to_string()),
    }
}

/// `toc_depth`: a number, or `"top-bottom"` (the bottom is what limits the
/// table of contents).
fn toc_depth(node: &Node) -> Option<u8> {
    let bottom: i64 = match &node.value {
        Value::Int(i) => *i,
        Value::Str(s) => {
            let bottom = s.rsplit_once('-').map_or(s.as_str(), |(_, b)| b);
            bottom.trim().parse().ok()?
        }
        _ => return None,
    };
    Some(bottom.clamp(0, 6) as u8)
}

fn short_extension_name(name: &str) -> &str {
    name.strip_prefix("markdown.extensions.").unwrap_or(name)
}

/// `a/./b/` → `a/b`; `None` when absolute or leaving the root (through
/// `..`). Backslashes count as separators (Windows-authored configs).
pub(crate) fn normalize_relative(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let bytes = raw.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if raw.starts_with('/') || raw.starts_with('\\') || drive {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The host of a URL, lower-cased (empty when there is none).
pub(crate) fn url_host(url: &str) -> String {
    let after_scheme = match url.split_once("://") {
        Some((_, rest)) => rest,
        None => return String::new(),
    };
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host_port,
    };
    host.to_lowercase()
}

/// Python's `str.title()` for one ASCII-ish word.
fn python_title(word: &str) -> String {
    let mut out = String::new();
    let mut start = true;
    for c in word.chars() {
        if c.is_alphabetic() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
        } else {
            out.push(c);
            start = true;
        }
    }
    out
}

/// MkDocs' `edit_uri_template` formatting (Python `str.format` with the
/// fields `path` and `path_noext`, and the `!q` conversion that quotes
/// everything, `/` included).
pub(crate) fn format_edit_template(
    template: &str,
    path: &str,
    path_noext: &str,
) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => field.push(c),
                        None => return Err("a `{` is not closed".to_string()),
                    }
                }
                let (name, conversion) = match field.split_once('!') {
                    Some((n, c)) => (n, Some(c)),
                    None => (field.as_str(), None),
                };
                let value = match name {
                    "path" => path,
                    "path_noext" => path_noext,
                    other => return Err(format!("unknown field `{{{other}}}`")),
                };
                match conversion {
                    None => out.push_str(value),
                    Some("q") => out.push_str(&percent_encode(value, "")),
                    Some(other) => return Err(format!("unknown conversion `!{other}`")),
                }
            }
            '}' => return Err("a `}` is not opened".to_string()),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Python's `urllib.parse.quote(text, safe)`: keeps ASCII letters, digits,
/// `_.-~` and the `safe` characters; encodes every other byte of the UTF-8.
pub(crate) fn percent_encode(text: &str, safe: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "_.-~".contains(c) || (c.is_ascii() && safe.contains(c)) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

/// "a number", "a list", … for messages.
fn describe(node: &Node) -> String {
    match &node.value {
        Value::Null => "empty".to_string(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Int(_) | Value::Float(_) => format!("the number `{}`", scalar_text(node)),
        Value::Str(s) => format!("the text `{s}`"),
        Value::Seq(_) => "a list".to_string(),
        Value::Map(_) => "a mapping".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Pos;

    const F: FileId = FileId(0);

    fn fixture_config(corpus: &str, name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/techdocs")
            .join(corpus)
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn kinds(problems: &[DocsProblem]) -> Vec<(DocsProblemKind, u32)> {
        problems
            .iter()
            .map(|p| (p.kind, p.span.start.line))
            .collect()
    }

    fn nav_paths(items: &[NavItem], out: &mut Vec<String>) {
        for item in items {
            match &item.value {
                NavValue::Path(p) => out.push(format!(
                    "{}{p}",
                    item.title
                        .as_ref()
                        .map(|t| format!("{t}: "))
                        .unwrap_or_default()
                )),
                NavValue::Section(children) => {
                    out.push(format!("[{}]", item.title.clone().unwrap_or_default()));
                    nav_paths(children, out);
                    out.push("[end]".to_string());
                }
            }
        }
    }

    // spec §2, §2.4, §3 intro: the `features` corpus uses most settings.
    #[test]
    fn features_config() {
        let (config, problems) = parse(&fixture_config("features", "mkdocs.yml"), F);
        assert_eq!(config.site_name, "TechDocs Feature Tour");
        assert_eq!(
            config.repo_url.as_deref(),
            Some("https://github.com/example-org/feature-tour")
        );
        assert_eq!(config.edit_uri.as_deref(), Some("edit/main/docs/"));
        assert_eq!(config.docs_dir, "docs");
        assert!(config.use_directory_urls);
        assert_eq!(config.extra_css, ["css/extra.css"]);
        assert_eq!(config.plugins, ["techdocs-core", "redirects"]);
        assert_eq!(config.markdown_extensions, ["pymdownx.superfences", "toc"]);
        assert_eq!(
            config.redirect_maps,
            [
                ("old/getting-started.md".to_string(), "index.md".to_string()),
                (
                    "blocks/callouts.md".to_string(),
                    "blocks/admonitions.md".to_string()
                ),
            ]
        );
        // `toc: {toc_depth: 3}` is merged over techdocs-core's permalink: true.
        assert_eq!(config.markdown.permalink.as_deref(), Some("¶"));
        assert_eq!(config.markdown.toc_depth, 3);
        assert_eq!(config.markdown.diagram_fences, ["mermaid"]);
        assert!(!config.markdown.blocks_mode);
        // extra_javascript is dropped by Backstage's allowlist (§1.3 step 3).
        assert_eq!(
            kinds(&problems),
            [(DocsProblemKind::DroppedByBackstage, 49)]
        );
        assert!(problems[0].message.contains("extra_javascript"));
        assert!(problems.iter().all(|p| p.severity == Severity::Warning));

        let mut nav = Vec::new();
        nav_paths(config.nav.as_ref().unwrap(), &mut nav);
        assert_eq!(nav[0], "Home: index.md");
        assert_eq!(nav[1], "[Writing]");
        assert!(nav.contains(&"reference/untitled.md".to_string()));
        assert_eq!(
            nav.last().unwrap(),
            "Backstage TechDocs docs: https://backstage.io/docs/features/techdocs/"
        );
    }

    // spec §1.3 steps 3-4: the build-only copy of Material's config is clean,
    // Python tags included; the upstream one has keys and plugins TechDocs
    // does not run.
    #[test]
    fn material_reference_configs() {
        let (config, problems) = parse(
            &fixture_config("material-reference", "mkdocs.techdocs.yml"),
            F,
        );
        assert_eq!(problems, []);
        assert_eq!(
            config.repo_name.as_deref(),
            Some("squidfunk/mkdocs-material")
        );
        assert!(
            config
                .theme_features
                .contains(&"navigation.indexes".to_string())
        );
        assert_eq!(config.markdown.permalink.as_deref(), Some("¶"));
        assert_eq!(config.markdown.diagram_fences, ["mermaid"]);
        assert_eq!(config.markdown_extensions.len(), 23);

        let (_, problems) = parse(&fixture_config("material-reference", "mkdocs.yml"), F);
        let found: Vec<(DocsProblemKind, &str)> = problems
            .iter()
            .map(|p| (p.kind, p.message.split('`').nth(1).unwrap_or_default()))
            .collect();
        assert_eq!(
            found,
            [
                (DocsProblemKind::DroppedByBackstage, "theme.custom_dir"),
                (DocsProblemKind::UnknownPlugin, "blog"),
                (DocsProblemKind::UnknownPlugin, "minify"),
                (DocsProblemKind::DroppedByBackstage, "hooks"),
            ]
        );
    }

    // spec §3 intro + reference README: `toc: {permalink: }` (null) in the
    // build copy removes the anchors; upstream's extra extensions and
    // plugins are not in the TechDocs image.
    #[test]
    fn mkdocs_user_guide_config() {
        let (config, problems) = parse(&fixture_config("mkdocs-user-guide", "mkdocs.yml"), F);
        // Upstream writes a Font Awesome private-use character as the text.
        assert_eq!(config.markdown.permalink.as_deref(), Some("\u{f0c1}"));
        assert_eq!(config.exclude_docs, ["*.py"]);
        assert_eq!(
            config.edit_uri.as_deref(),
            Some("blob/master/docs/"),
            "as written"
        );
        let found: Vec<(DocsProblemKind, String)> = problems
            .iter()
            .map(|p| {
                (
                    p.kind,
                    p.message.split('`').nth(1).unwrap_or_default().to_string(),
                )
            })
            .collect();
        let expect = [
            (DocsProblemKind::UnknownExtension, "callouts"),
            (DocsProblemKind::UnknownExtension, "mdx_gh_links"),
            (DocsProblemKind::UnknownExtension, "mkdocs-click"),
            (DocsProblemKind::DroppedByBackstage, "hooks"),
            (DocsProblemKind::UnknownPlugin, "autorefs"),
            (DocsProblemKind::UnknownPlugin, "literate-nav"),
            (DocsProblemKind::UnknownPlugin, "mkdocstrings"),
        ];
        let expect: Vec<(DocsProblemKind, String)> =
            expect.iter().map(|(k, s)| (*k, s.to_string())).collect();
        assert_eq!(found, expect);

        let (config, problems) = parse(
            &fixture_config("mkdocs-user-guide", "mkdocs.techdocs.yml"),
            F,
        );
        assert_eq!(problems, []);
        assert_eq!(config.markdown.permalink, None);
        assert_eq!(config.plugins, ["search", "redirects", "techdocs-core"]);
        assert_eq!(config.redirect_maps.len(), 3);
    }

    // spec §1.3 step 3: one warning per key outside the allowlist; known
    // but ignored keys are silent.
    #[test]
    fn allowlist_warnings() {
        let text = "site_name: x\nsite_nmae: y\nhooks: [h.py]\nextra_javascript: [a.js]\n\
                    strict: true\nwatch: [src]\nextra: {a: 1}\nfoo: 1\n";
        let (config, problems) = parse(text, F);
        assert_eq!(config.site_name, "x");
        assert_eq!(
            kinds(&problems),
            [
                (DocsProblemKind::UnknownKey, 2),
                (DocsProblemKind::DroppedByBackstage, 3),
                (DocsProblemKind::DroppedByBackstage, 4),
                (DocsProblemKind::UnknownKey, 8),
            ]
        );
        assert!(problems[0].help.contains("did you mean `site_name`?"));
        assert!(problems[3].help.starts_with("MkDocs does not know"));
        assert!(problems.iter().all(|p| p.severity == Severity::Warning));
    }

    // spec §2: site_name is required; the config stays usable.
    #[test]
    fn missing_site_name_is_an_error_with_a_fallback() {
        for text in ["", "docs_dir: docs\n", "site_name:\n"] {
            let (config, problems) = parse(text, F);
            assert_eq!(config.site_name, FALLBACK_SITE_NAME, "{text:?}");
            assert_eq!(config.site_name_span, None);
            assert_eq!(
                problems.last().map(|p| (p.kind, p.severity)),
                Some((DocsProblemKind::MissingSiteName, Severity::Error)),
                "{text:?}"
            );
        }
        let (config, problems) = parse("site_name: 2024\n", F);
        assert_eq!(config.site_name, "2024");
        assert_eq!(kinds(&problems), [(DocsProblemKind::InvalidValue, 1)]);
    }

    // spec §1.3 step 2.
    #[test]
    fn docs_dir_must_stay_inside() {
        let cases = [
            ("docs", Ok("docs")),
            ("./docs/", Ok("docs")),
            ("site/./docs", Ok("site/docs")),
            ("a/../b", Ok("b")),
            ("/abs/docs", Err(DocsProblemKind::DocsDirOutside)),
            ("../docs", Err(DocsProblemKind::DocsDirOutside)),
            ("a/../../docs", Err(DocsProblemKind::DocsDirOutside)),
            ("C:\\\\docs", Err(DocsProblemKind::DocsDirOutside)),
            (".", Err(DocsProblemKind::InvalidValue)),
        ];
        for (raw, expect) in cases {
            let (config, problems) = parse(&format!("site_name: x\ndocs_dir: \"{raw}\"\n"), F);
            match expect {
                Ok(dir) => {
                    assert_eq!(config.docs_dir, dir, "{raw}");
                    assert_eq!(problems, [], "{raw}");
                }
                Err(kind) => {
                    assert_eq!(config.docs_dir, "docs", "{raw}");
                    assert_eq!(kinds(&problems), [(kind, 2)], "{raw}");
                    assert_eq!(problems[0].severity, Severity::Error);
                }
            }
        }
    }

    // spec §3 intro / §3.1: toc.permalink as Python-Markdown reads it,
    // merged over techdocs-core's `permalink: true`.
    #[test]
    fn permalink_settings() {
        let cases: [(&str, Option<&str>); 9] = [
            ("markdown_extensions: [attr_list]", Some("¶")),
            ("markdown_extensions: [toc]", Some("¶")),
            (
                "markdown_extensions:\n  - toc:\n      toc_depth: 2",
                Some("¶"),
            ),
            ("markdown_extensions:\n  - toc:\n      permalink:", None),
            (
                "markdown_extensions:\n  - toc:\n      permalink: false",
                None,
            ),
            (
                "markdown_extensions:\n  - toc:\n      permalink: true",
                Some("¶"),
            ),
            (
                "markdown_extensions:\n  - toc:\n      permalink: '#'",
                Some("#"),
            ),
            (
                "markdown_extensions:\n  - toc:\n      permalink: 'off'",
                None,
            ),
            (
                "markdown_extensions:\n  - markdown.extensions.toc:\n      permalink: §",
                Some("§"),
            ),
        ];
        for (yaml, expect) in cases {
            let (config, problems) = parse(&format!("site_name: x\n{yaml}\n"), F);
            assert_eq!(problems, [], "{yaml}");
            assert_eq!(config.markdown.permalink.as_deref(), expect, "{yaml}");
        }
        let depth = |yaml: &str| {
            parse(&format!("site_name: x\n{yaml}\n"), F)
                .0
                .markdown
                .toc_depth
        };
        assert_eq!(depth("markdown_extensions: [toc]"), 6);
        assert_eq!(depth("markdown_extensions:\n  - toc: {toc_depth: 2}"), 2);
        assert_eq!(
            depth("markdown_extensions:\n  - toc: {toc_depth: '2-4'}"),
            4
        );
        let (_, problems) = parse(
            "site_name: x\nmarkdown_extensions:\n  - toc: {toc_depth: deep}\n",
            F,
        );
        assert_eq!(kinds(&problems), [(DocsProblemKind::InvalidValue, 3)]);
    }

    // spec §3.21: custom fences, standalone or under pymdownx.extra (where
    // techdocs-core moves them); mermaid is always a diagram fence.
    #[test]
    fn custom_fences() {
        let text = "site_name: x\nmarkdown_extensions:\n  - pymdownx.superfences:\n      \
                    custom_fences:\n        - name: flow\n          class: flow\n          \
                    format: !!python/name:pymdownx.superfences.fence_div_format\n        \
                    - {name: mermaid, class: mermaid}\n";
        let (config, problems) = parse(text, F);
        assert_eq!(problems, []);
        assert_eq!(config.markdown.diagram_fences, ["mermaid", "flow"]);

        let text = "site_name: x\nmarkdown_extensions:\n  - pymdownx.extra:\n      \
                    pymdownx.superfences:\n        custom_fences: [{name: vega}]\n";
        let (config, problems) = parse(text, F);
        assert_eq!(problems, []);
        assert_eq!(config.markdown.diagram_fences, ["mermaid", "vega"]);
    }

    // spec §3.20, §2.4: techdocs-core options.
    #[test]
    fn blocks_mode_and_techdocs_core_options() {
        let text = "site_name: x\nplugins:\n  - techdocs-core:\n      use_pymdownx_blocks: true\n      \
                    use_material_search: true\n      use_blocks: true\n";
        let (config, problems) = parse(text, F);
        assert!(config.markdown.blocks_mode);
        assert!(config.use_material_search);
        assert_eq!(kinds(&problems), [(DocsProblemKind::UnknownKey, 6)]);
        assert!(problems[0].help.contains("use_pymdownx_blocks"));

        // The mapping form of `plugins` works too.
        let text =
            "site_name: x\nplugins:\n  techdocs-core: {use_pymdownx_blocks: true}\n  search: {}\n";
        let (config, problems) = parse(text, F);
        assert_eq!(problems, []);
        assert!(config.markdown.blocks_mode);
        assert_eq!(config.plugins, ["techdocs-core", "search"]);
    }

    // spec §2.4: plugins and extensions Backlot does not implement are
    // warnings, never failures.
    #[test]
    fn unknown_plugins_and_extensions_warn() {
        let text = "site_name: x\nplugins: [search, tags, monorepo, gh-admonitions]\n\
                    markdown_extensions: [admonition, pymdownx.keys, callouts, md_in_html]\n";
        let (config, problems) = parse(text, F);
        assert_eq!(
            kinds(&problems),
            [
                (DocsProblemKind::UnknownPlugin, 2),
                (DocsProblemKind::UnknownExtension, 3),
            ]
        );
        assert!(problems[0].message.contains("`tags`"));
        assert!(problems[1].message.contains("`callouts`"));
        assert!(problems[1].message.contains("ignores it"));
        assert_eq!(config.plugins.len(), 4);
    }

    // spec §2.1: nav entries as written, with positions.
    #[test]
    fn nav_entries_keep_their_positions() {
        let text = "site_name: x\nnav:\n  - index.md\n  - Guide:\n      - Start: guide/start.md\n      \
                    - Deeper:\n          - guide/deep/a.md\n  - Ext: https://example.com/\n  \
                    - 42\n  - Empty:\n  - {A: a.md, B: b.md}\n";
        let (config, problems) = parse(text, F);
        let nav = config.nav.unwrap();
        let mut flat = Vec::new();
        nav_paths(&nav, &mut flat);
        assert_eq!(
            flat,
            [
                "index.md",
                "[Guide]",
                "Start: guide/start.md",
                "[Deeper]",
                "guide/deep/a.md",
                "[end]",
                "[end]",
                "Ext: https://example.com/",
                "A: a.md",
                "B: b.md",
            ]
        );
        assert_eq!(nav[0].span.start, Pos::new(3, 5));
        assert_eq!(nav[1].span.start.line, 4);
        let NavValue::Section(guide) = &nav[1].value else {
            panic!()
        };
        assert_eq!(guide[0].span.start, Pos::new(5, 16));
        // `- 42`, `- Empty:` and the two-key entry are errors (MkDocs refuses
        // them); Backlot skips the first two and splits the third.
        assert_eq!(
            kinds(&problems),
            [
                (DocsProblemKind::InvalidValue, 9),
                (DocsProblemKind::InvalidValue, 10),
                (DocsProblemKind::InvalidValue, 11),
            ]
        );
        // An empty nav is no nav.
        assert_eq!(parse("site_name: x\nnav: []\n", F).0.nav, None);
    }

    // spec §3.22: the monorepo statements must be quoted; an unquoted
    // `!include` is a YAML tag that MkDocs refuses.
    #[test]
    fn nav_include_statements() {
        let (config, problems) = parse(&fixture_config("monorepo-sample", "mkdocs.yml"), F);
        assert_eq!(problems, []);
        let mut flat = Vec::new();
        nav_paths(config.nav.as_ref().unwrap(), &mut flat);
        assert_eq!(flat[2], "Components: *include ./components/*/mkdocs.yml");
        assert_eq!(flat[4], "v1: !include ./v1/mkdocs.yml");

        let (config, problems) = parse("site_name: x\nnav:\n  - A: !include ./a/mkdocs.yml\n", F);
        assert_eq!(kinds(&problems), [(DocsProblemKind::NavInclude, 3)]);
        assert_eq!(problems[0].severity, Severity::Error);
        assert_eq!(
            config.nav.unwrap()[0].value,
            NavValue::Path("!include ./a/mkdocs.yml".to_string())
        );
    }

    // spec §1.3 step 4: Python tags outside Backstage's list are refused.
    #[test]
    fn python_tags() {
        let text = "site_name: x\nmarkdown_extensions:\n  - pymdownx.emoji:\n      \
                    emoji_generator: !!python/name:pymdownx.emoji.to_svg\n      \
                    emoji_index: !!python/name:os.system\n";
        let (_, problems) = parse(text, F);
        assert_eq!(kinds(&problems), [(DocsProblemKind::InvalidValue, 5)]);
        assert!(problems[0].message.contains("!!python/name:os.system"));
    }

    // MkDocs' `!ENV`: Backlot does not read the environment.
    #[test]
    fn env_tag_uses_the_default() {
        let (config, problems) = parse("site_name: !ENV [SITE_NAME, 'My Docs']\n", F);
        assert_eq!(config.site_name, "My Docs");
        assert_eq!(kinds(&problems), [(DocsProblemKind::InvalidValue, 1)]);
        assert_eq!(problems[0].severity, Severity::Warning);
    }

    #[test]
    fn yaml_errors_are_reported_with_their_code() {
        let (config, problems) = parse("site_name: [x\n", F);
        assert_eq!(config.site_name, FALLBACK_SITE_NAME);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, DocsProblemKind::Yaml(Code::YamlSyntax));
    }

    #[test]
    fn wrong_types_are_errors_with_defaults() {
        let text = "site_name: x\nuse_directory_urls: 'no'\nextra_css: a.css\nrepo_url: github.com/o/r\n\
                    exclude_docs: ['*.py']\n";
        let (config, problems) = parse(text, F);
        assert!(config.use_directory_urls);
        assert_eq!(config.extra_css, Vec::<String>::new());
        assert_eq!(config.repo_url, None);
        assert_eq!(config.exclude_docs, ["*.py"]);
        assert_eq!(
            kinds(&problems),
            [
                (DocsProblemKind::InvalidValue, 2),
                (DocsProblemKind::InvalidValue, 3),
                (DocsProblemKind::InvalidValue, 4),
                (DocsProblemKind::InvalidValue, 5),
            ]
        );
    }

    // spec §2.3: MkDocs' defaults for edit_uri and repo_name.
    #[test]
    fn edit_uri_and_repo_name_defaults() {
        let config = |yaml: &str| parse(&format!("site_name: x\n{yaml}\n"), F).0;
        let cases = [
            (
                "repo_url: https://github.com/o/r",
                Some("edit/master/docs/"),
                Some("GitHub"),
            ),
            (
                "repo_url: https://GitLab.com/o/r",
                Some("edit/master/docs/"),
                Some("GitLab"),
            ),
            (
                "repo_url: https://bitbucket.org/o/r",
                Some("src/default/docs/"),
                Some("Bitbucket"),
            ),
            ("repo_url: https://git.example.com/o/r", None, Some("Git")),
            (
                "repo_url: https://github.com/o/r\nedit_uri: edit/main/site",
                Some("edit/main/site/"),
                Some("GitHub"),
            ),
            (
                "repo_url: https://github.com/o/r\nedit_uri: ''",
                None,
                Some("GitHub"),
            ),
            (
                "repo_url: https://github.com/o/r\nrepo_name: o/r",
                Some("edit/master/docs/"),
                Some("o/r"),
            ),
            (
                "edit_uri: https://example.com/edit/",
                Some("https://example.com/edit/"),
                None,
            ),
        ];
        for (yaml, edit_uri, repo_name) in cases {
            let c = config(yaml);
            assert_eq!(c.effective_edit_uri().as_deref(), edit_uri, "{yaml}");
            assert_eq!(c.effective_repo_name().as_deref(), repo_name, "{yaml}");
        }
    }

    #[test]
    fn edit_uri_template_is_validated() {
        let (config, problems) = parse("site_name: x\nedit_uri_template: 'e/{path}/{nope}'\n", F);
        assert_eq!(config.edit_uri_template, None);
        assert_eq!(kinds(&problems), [(DocsProblemKind::InvalidValue, 2)]);
        assert_eq!(
            format_edit_template("{path!q}?x={{a}}", "a b/c.md", "a b/c").unwrap(),
            "a%20b%2Fc.md?x={a}"
        );
    }
}
