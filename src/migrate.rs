//! `backlot init --from-backstage`: a Backstage `app-config.yaml` (and its
//! overrides) → a `backlot.yaml` that builds the same catalog from the same
//! descriptors, plus the list of what could not be carried over.
//!
//! Pure: the CLI reads the app-config files and writes the result. The one
//! question about the disk, whether a `file` target exists (to find the
//! folder Backstage resolved it against), is asked through the `exists`
//! probe the caller passes.
//!
//! Backstage's rules followed here, by upstream file:
//!
//! - merging (`docs/conf/writing.md`, `packages/config/src/reader.ts`):
//!   later files win; mappings merge deeply, lists and scalars are replaced
//!   whole, and a `null` hides what lower files say;
//! - substitution (`packages/config-loader/src/sources/transform/
//!   substitution.ts`, `include.ts`): `${VAR}` anywhere in a string, `$${`
//!   escapes it, `${VAR:-default}`; a mapping with a `$`-key (`$env`,
//!   `$file`, `$include`) is replaced by what it names;
//! - `catalog.locations`: `file` targets are `path.resolve`d against the
//!   backend's working directory (`ConfigLocationEntityProvider.ts`), which
//!   is `packages/backend` in a Backstage repository;
//! - `catalog.rules`: absent means `[{allow: [Component, API, Location]}]`
//!   (`CatalogRules.ts`), while Backlot's default allows every kind;
//! - `integrations.*`: `packages/integration/src/*/config.ts`.

use std::path::{Component, Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::forge::{self, ForgeKind, Forges};
use crate::model::yaml::{self, Map, Node, Value};
use crate::source::{FileId, Span};
use crate::tree;

/// What Backstage's catalog accepts when `catalog.rules` is absent
/// (`DefaultCatalogRulesEnforcer.defaultRules`).
pub const BACKSTAGE_DEFAULT_RULES: [&str; 3] = ["Component", "API", "Location"];

/// One app-config file, in the order Backstage is given them (`--config`
/// flags: the last one wins).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Absolute and normalized: `file` targets are resolved from its folder.
    pub path: PathBuf,
    /// How the file is named to people (as typed on the command line).
    pub shown: String,
    pub text: String,
}

/// The result: the text of `backlot.yaml` and what it could not say.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    pub yaml: String,
    /// Settings that matter to the catalog but could not be carried over
    /// (or were carried over but need a look), sorted by position.
    pub not_carried: Vec<NotCarried>,
    /// Settings that a static build has no use for (TechDocs builder,
    /// generator, publisher, forge API settings): key paths.
    pub not_needed: Vec<String>,
    /// Top-level sections (and `app.*` keys) that belong to a running
    /// Backstage, not to a portal: key paths.
    pub ignored: Vec<String>,
}

/// One setting that was not carried over, where it was written, and what to
/// do about it. Never holds the value of a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct NotCarried {
    /// `span.file` is the index of the [`AppConfig`] it came from.
    pub span: Span,
    /// The key path, e.g. `integrations.github[0].token`.
    pub what: String,
    /// Why, and what to do.
    pub why: String,
}

impl Migration {
    /// The list printed after writing: one line per setting not carried
    /// over (`file:line: what: why`), then one line each for what is not
    /// needed and what was ignored.
    pub fn report(&self, inputs: &[AppConfig]) -> String {
        let mut out = String::new();
        if !self.not_carried.is_empty() {
            out.push_str(&format!(
                "not carried over as it was ({}):\n",
                self.not_carried.len()
            ));
            for item in &self.not_carried {
                let file = inputs
                    .get(item.span.file.0 as usize)
                    .map_or("app-config", |i| i.shown.as_str());
                out.push_str(&format!(
                    "  {file}:{}: {}: {}\n",
                    item.span.start.line, item.what, item.why
                ));
            }
        }
        if !self.not_needed.is_empty() {
            out.push_str(&format!(
                "not needed for a static build: {}\n",
                self.not_needed.join(", ")
            ));
        }
        if !self.ignored.is_empty() {
            out.push_str(&format!(
                "ignored (not part of a static portal): {}\n",
                self.ignored.join(", ")
            ));
        }
        out
    }
}

/// Reads the app-config files (merged as Backstage merges `--config`
/// files) and writes the `backlot.yaml` that will live in `dir` (absolute,
/// normalized). `exists` tells whether a path exists on disk. Errors: the
/// files are not YAML, or not mappings; diagnostics name
/// `FileId(index in inputs)`.
pub fn migrate(
    inputs: &[AppConfig],
    dir: &Path,
    exists: &dyn Fn(&Path) -> bool,
) -> Result<Migration, Vec<Diagnostic>> {
    let mut merged = Map::default();
    let mut errors = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let file = FileId(u32::try_from(index).expect("fewer than 4 billion files"));
        match yaml::parse_single(&input.text, file) {
            Err(d) => errors.push(d),
            // An empty file is no configuration, as in FileConfigSource.ts.
            Ok(root) if root.is_null() => {}
            Ok(root) => match root.value {
                Value::Map(map) => merge_maps(&mut merged, map),
                _ => errors.push(
                    Diagnostic::new(
                        Code::ConfigInvalid,
                        format!(
                            "{} must be a mapping of settings, found {}",
                            input.shown,
                            root.type_name()
                        ),
                    )
                    .at(root.span)
                    .help("pass Backstage's app-config.yaml, e.g. `backlot init --from-backstage app-config.yaml`"),
                ),
            },
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut cx = Cx {
        inputs,
        dir,
        exists,
        not_carried: Vec::new(),
        not_needed: Vec::new(),
        ignored: Vec::new(),
    };
    let out = cx.read(&merged);
    let yaml = render(&out, inputs, dir);
    let mut not_carried = cx.not_carried;
    not_carried.sort_by_key(|n| (n.span.file, n.span.start));
    Ok(Migration {
        yaml,
        not_carried,
        not_needed: cx.not_needed,
        ignored: cx.ignored,
    })
}

/// Backstage's merge of two config files: `from` (later, higher priority)
/// over `into`. Mappings merge deeply; a `null` removes the key (an
/// explicit absence that does not fall back, per docs/conf/writing.md);
/// anything else is replaced whole, lists included.
fn merge_maps(into: &mut Map, from: Map) {
    for (key, value) in from.entries {
        if value.is_null() {
            into.entries.retain(|(k, _)| k.text != key.text);
            continue;
        }
        match into.entries.iter_mut().find(|(k, _)| k.text == key.text) {
            Some((_, slot)) => merge_node(slot, value),
            None => into.entries.push((key, value)),
        }
    }
}

fn merge_node(into: &mut Node, from: Node) {
    // A `$include`/`$env`/`$file` mapping is a value, resolved per file
    // before Backstage merges: it replaces, and is replaced, whole.
    let both_maps = matches!((&into.value, &from.value), (Value::Map(a), Value::Map(b))
        if include_key(a).is_none() && include_key(b).is_none());
    if both_maps {
        let Value::Map(from_map) = from.value else {
            unreachable!("checked above")
        };
        let Value::Map(into_map) = &mut into.value else {
            unreachable!("checked above")
        };
        merge_maps(into_map, from_map);
    } else {
        *into = from;
    }
}

/// The `$`-key of a mapping Backstage replaces by what it names
/// (include.ts: any key starting with `$` makes the mapping an include).
fn include_key(map: &Map) -> Option<&str> {
    map.iter()
        .map(|(k, _)| k.text.as_str())
        .find(|k| k.starts_with('$'))
}

/// A string setting as Backstage would read it.
#[derive(Debug, Clone, PartialEq)]
enum Text {
    /// A value without substitution (`$${` escapes already resolved).
    Plain(String),
    /// The whole value is one environment variable: `${VAR}`,
    /// `${VAR:-default}` or `{$env: VAR}`.
    Env { var: String, default: bool },
    /// Substitutions inside a longer text, or several.
    Composed,
    /// Read from a file: `{$file: …}` or `{$include: …}`.
    Include(String),
    /// Not a string (a number, a list, …): its type name.
    Other(&'static str),
}

fn text_of(node: &Node) -> Text {
    match &node.value {
        Value::Str(s) => substitution(s),
        Value::Map(m) => match include_key(m) {
            Some("$env") if m.len() == 1 => match m.get("$env").and_then(Node::as_str) {
                Some(var) => Text::Env {
                    var: var.trim().to_string(),
                    default: false,
                },
                None => Text::Composed,
            },
            Some(key) => Text::Include(key.to_string()),
            None => Text::Other("object"),
        },
        _ => Text::Other(node.type_name()),
    }
}

/// substitution.ts: the string is split at `$?${[^{}]*}`; `$${…}` is the
/// literal `${…}`, `${…}` the (trimmed) variable.
fn substitution(s: &str) -> Text {
    let mut plain = String::new();
    let mut vars = Vec::new();
    let mut whole = false;
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let escaped = rest.starts_with("$${");
        let open = if escaped { 3 } else { 2 };
        if (escaped || rest.starts_with("${"))
            && let Some(len) = rest[open..].find(['{', '}'])
            && rest[open + len..].starts_with('}')
        {
            let inner = &rest[open..open + len];
            let end = open + len + 1;
            if escaped {
                plain.push_str(&format!("${{{inner}}}"));
            } else {
                whole = i == 0 && end == s.len();
                vars.push(inner.trim().to_string());
            }
            i += end;
            continue;
        }
        let c = rest.chars().next().expect("i < len");
        plain.push(c);
        i += c.len_utf8();
    }
    match vars.as_slice() {
        [] => Text::Plain(plain),
        [var] if whole => match var.split_once(":-") {
            Some((name, _)) => Text::Env {
                var: name.trim().to_string(),
                default: true,
            },
            None => Text::Env {
                var: var.clone(),
                default: false,
            },
        },
        _ => Text::Composed,
    }
}

/// An environment variable name Backlot accepts in `${…}`.
fn valid_var(var: &str) -> bool {
    !var.is_empty()
        && !var.starts_with(|c: char| c.is_ascii_digit())
        && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What `backlot.yaml` will say.
#[derive(Debug, Default)]
struct Out {
    title: Option<String>,
    base_url: Option<String>,
    locations: Vec<Location>,
    /// `None`: Backstage's default, written out.
    rules: Option<Vec<Vec<String>>>,
    descriptor_names: Vec<String>,
    integrations: Vec<(ForgeKind, Vec<Entry>)>,
    iframe_hosts: Vec<String>,
}

#[derive(Debug)]
struct Location {
    kind: &'static str,
    target: String,
    rules: Vec<Vec<String>>,
    /// A comment above the entry: the target as Backstage had it.
    note: Option<String>,
    span: Span,
    what: String,
}

#[derive(Debug)]
struct Entry {
    host: String,
    /// `(key, value)` in output order, values as YAML (a secret is the
    /// plain `${VAR}`, its name checked).
    fields: Vec<(String, String)>,
}

struct Cx<'a> {
    inputs: &'a [AppConfig],
    dir: &'a Path,
    exists: &'a dyn Fn(&Path) -> bool,
    not_carried: Vec<NotCarried>,
    not_needed: Vec<String>,
    ignored: Vec<String>,
}

/// A value of a mapping, `null` counting as absent (Backstage drops nulls
/// when it reads a file).
fn get<'m>(map: &'m Map, key: &str) -> Option<&'m Node> {
    map.get(key).filter(|n| !n.is_null())
}

impl Cx<'_> {
    fn skip(&mut self, span: Span, what: impl Into<String>, why: impl Into<String>) {
        self.not_carried.push(NotCarried {
            span,
            what: what.into(),
            why: why.into(),
        });
    }

    /// Why a string setting that is not plain cannot be carried.
    fn not_plain(&mut self, node: &Node, what: &str, text: &Text, hint: &str) {
        let why = match text {
            Text::Plain(_) => return,
            Text::Env { .. } | Text::Composed => format!(
                "its value comes from an environment variable, and backlot.yaml takes this setting as written: {hint}"
            ),
            Text::Include(key) => {
                format!("its value is read with `{key}`, which backlot.yaml does not have: {hint}")
            }
            Text::Other(found) => format!("expected a string, found {found}"),
        };
        self.skip(node.span, what, why);
    }

    /// A plain string setting, or `None` after listing why not.
    fn plain(&mut self, node: &Node, what: &str, hint: &str) -> Option<String> {
        match text_of(node) {
            Text::Plain(s) => Some(s),
            other => {
                self.not_plain(node, what, &other, hint);
                None
            }
        }
    }

    /// A mapping section, or `None` after listing why not.
    fn section<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n Map> {
        let map = match &node.value {
            Value::Map(m) => m,
            _ => {
                let why = format!("expected a mapping, found {}", node.type_name());
                self.skip(node.span, what, why);
                return None;
            }
        };
        if let Some(key) = include_key(map) {
            self.skip(
                node.span,
                what,
                format!(
                    "read from another file with `{key}`, which Backlot does not follow: copy that file's settings here and run init again"
                ),
            );
            return None;
        }
        Some(map)
    }

    fn read(&mut self, root: &Map) -> Out {
        let mut out = Out::default();
        let app = get(root, "app").and_then(|n| self.section(n, "app"));
        if let Some(app) = app {
            if let Some(n) = get(app, "title") {
                out.title = self.plain(n, "app.title", "write the title under `title:`");
            }
            if let Some(n) = get(app, "baseUrl") {
                out.base_url = self.base_url(n);
            }
        }
        let org_name = get(root, "organization")
            .and_then(Node::as_map)
            .and_then(|m| get(m, "name"));
        // organization.name names the company in Backstage's UI; it is
        // the best title there is when the app has none.
        let title_from_org = app.is_none_or(|a| get(a, "title").is_none()) && org_name.is_some();
        if title_from_org && let Some(n) = org_name {
            out.title = self.plain(n, "organization.name", "write the title under `title:`");
        }
        for (key, value) in root.iter() {
            if value.is_null() {
                continue;
            }
            match key.text.as_str() {
                "app" => {
                    for (k, _) in app.map(Map::iter).into_iter().flatten() {
                        if !matches!(k.text.as_str(), "title" | "baseUrl") {
                            self.ignored.push(format!("app.{}", k.text));
                        }
                    }
                }
                "organization" if title_from_org => {}
                "catalog" => {
                    if let Some(map) = self.section(value, "catalog") {
                        self.catalog(map, &mut out);
                    }
                }
                "integrations" => {
                    if let Some(map) = self.section(value, "integrations") {
                        out.integrations = self.integrations(map);
                    }
                }
                "techdocs" => {
                    if let Some(map) = self.section(value, "techdocs") {
                        out.iframe_hosts = self.techdocs(map);
                    }
                }
                other => self.ignored.push(other.to_string()),
            }
        }
        self.check_urls(&out);
        out
    }

    fn base_url(&mut self, node: &Node) -> Option<String> {
        let what = "app.baseUrl";
        let s = self.plain(
            node,
            what,
            "write the portal's public address under `base_url:`",
        )?;
        let why = match url::Url::parse(s.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => match u.host() {
                Some(url::Host::Domain(d))
                    if d.eq_ignore_ascii_case("localhost")
                        || d.to_ascii_lowercase().ends_with(".localhost") =>
                {
                    "a development address"
                }
                Some(url::Host::Ipv4(ip)) if ip.is_loopback() || ip.is_unspecified() => {
                    "a development address"
                }
                Some(url::Host::Ipv6(ip)) if ip.is_loopback() || ip.is_unspecified() => {
                    "a development address"
                }
                _ => return Some(s.trim().to_string()),
            },
            _ => "not an absolute http(s) URL",
        };
        self.skip(
            node.span,
            what,
            format!(
                "{} is {why}; set `base_url:` to the public address of the portal once it has one",
                forge::redact(s.trim())
            ),
        );
        None
    }

    fn catalog(&mut self, map: &Map, out: &mut Out) {
        for (key, value) in map.iter() {
            if value.is_null() {
                continue;
            }
            let what = format!("catalog.{}", key.text);
            match key.text.as_str() {
                "locations" => match value.as_seq() {
                    Some(items) => {
                        for (i, item) in items.iter().enumerate() {
                            let what = format!("catalog.locations[{i}]");
                            if let Some(loc) = self.location(item, &what) {
                                out.locations.push(loc);
                            }
                        }
                    }
                    None => {
                        let why = format!("expected a list, found {}", value.type_name());
                        self.skip(value.span, what, why)
                    }
                },
                "rules" => out.rules = Some(self.global_rules(value)),
                "import" => {
                    let Some(import) = self.section(value, &what) else {
                        continue;
                    };
                    for (k, v) in import.iter() {
                        let what = format!("catalog.import.{}", k.text);
                        if k.text == "entityFilename" {
                            if let Some(name) = self.plain(
                                v,
                                &what,
                                "write the file name under `catalog.descriptor_names`",
                            ) {
                                out.descriptor_names = vec![name];
                            }
                        } else if !v.is_null() {
                            self.skip(
                                k.span,
                                what,
                                "the catalog-import page registers repositories in a running Backstage; a static portal lists them as locations instead",
                            );
                        }
                    }
                }
                "providers" | "processors" => {
                    let Some(section) = self.section(value, &what) else {
                        continue;
                    };
                    for (k, v) in section.iter() {
                        if v.is_null() {
                            continue;
                        }
                        self.skip(
                            k.span,
                            format!("{what}.{}", k.text),
                            "an entity provider or processor of a Backstage backend module, which discovers entities through an API; Backlot reads only the locations listed in backlot.yaml: list the repositories' descriptor files as `url` locations",
                        );
                    }
                }
                "orphanStrategy" | "orphanProviderStrategy" => self.skip(
                    key.span,
                    what,
                    "Backlot builds the catalog from its locations every time, so an entity whose descriptor is gone is gone from the portal (as with `orphanStrategy: delete`)",
                ),
                // Settings of a catalog database that a build has no use
                // for: it never writes back, never refreshes.
                "readonly"
                | "processingInterval"
                | "stitchingStrategy"
                | "useUrlReadersSearch"
                | "disableRelationsCompatibility" => self.not_needed.push(what),
                _ => self.skip(
                    key.span,
                    what,
                    "no counterpart in backlot.yaml (see Backlot's Configuration page)",
                ),
            }
        }
    }

    fn location(&mut self, node: &Node, what: &str) -> Option<Location> {
        let map = self.section(node, what)?;
        let type_node = get(map, "type");
        let target_node = get(map, "target");
        let (Some(type_node), Some(target_node)) = (type_node, target_node) else {
            self.skip(
                node.span,
                what,
                "needs a `type` and a `target` (Backstage would not start)",
            );
            return None;
        };
        let kind = self.plain(type_node, &format!("{what}.type"), "write the type")?;
        for (k, v) in map.iter() {
            if !matches!(k.text.as_str(), "type" | "target" | "rules") && !v.is_null() {
                self.skip(
                    k.span,
                    format!("{what}.{}", k.text),
                    "not a setting of Backstage's configured locations; left out",
                );
            }
        }
        let kind: &'static str = match kind.as_str() {
            "file" => "file",
            "url" => "url",
            other => {
                let why = discovery_help(other);
                self.skip(node.span, format!("{what} (type: {other})"), why);
                return None;
            }
        };
        let target = self.plain(
            target_node,
            &format!("{what}.target"),
            "write the target itself; the entry was left out",
        )?;
        let rules = match get(map, "rules") {
            Some(n) => self.location_rules(n, &format!("{what}.rules")),
            None => Vec::new(),
        };
        let mut loc = Location {
            kind,
            target: target.clone(),
            rules,
            note: None,
            span: node.span,
            what: what.to_string(),
        };
        if kind == "file" {
            self.file_target(&mut loc, target_node.span);
        } else {
            self.url_target(&mut loc)?;
        }
        Some(loc)
    }

    /// Rebases a `file` target. Backstage resolves it against the backend's
    /// working directory: the app-config's folder when the backend runs
    /// there, `packages/backend` in a Backstage repository (hence the
    /// `../../examples/…` of Backstage's own examples). The first base where
    /// the target (or a glob's literal folder) exists wins; the result is
    /// written relative to the folder of backlot.yaml.
    fn file_target(&mut self, loc: &mut Location, span: Span) {
        let written = loc.target.trim().to_string();
        let path = Path::new(&written);
        let what = format!("{}.target", loc.what);
        if path.is_absolute() {
            let absolute = tree::normalize(path);
            self.inside_dir(&absolute, span, &what, &written);
            return;
        }
        let config_dir = self.config_dir(span.file);
        let bases = [
            (config_dir.clone(), "the folder of the app-config"),
            (config_dir.join("packages/backend"), "packages/backend"),
        ];
        let glob = tree::has_glob_chars(&written);
        let found = bases.iter().find_map(|(base, name)| {
            let resolved = tree::normalize(&base.join(path));
            let probe = if glob {
                tree::glob_base(&resolved)
            } else {
                resolved.clone()
            };
            (self.exists)(&probe).then_some((resolved, *name))
        });
        let resolved = match found {
            Some((resolved, base)) => {
                loc.target = relative_path(&resolved, self.dir);
                if loc.target != written {
                    loc.note = Some(format!("Backstage: {written} (from {base})"));
                }
                resolved
            }
            None => {
                let resolved = tree::normalize(&config_dir.join(path));
                loc.target = relative_path(&resolved, self.dir);
                if loc.target != written {
                    loc.note = Some(format!("Backstage: {written}"));
                }
                self.skip(
                    span,
                    what.clone(),
                    format!(
                        "{written} was not found from the app-config's folder nor from packages/backend; it was written as {}: check the path",
                        loc.target
                    ),
                );
                resolved
            }
        };
        self.inside_dir(&resolved, span, &what, &loc.target);
    }

    /// Backlot reads no file outside the folder of backlot.yaml (its crawl
    /// root): a target there would be refused at build time.
    fn inside_dir(&mut self, resolved: &Path, span: Span, what: &str, shown: &str) {
        let probe = if tree::has_glob_chars(&resolved.to_string_lossy()) {
            tree::glob_base(resolved)
        } else {
            resolved.to_path_buf()
        };
        if !probe.starts_with(self.dir) {
            self.skip(
                span,
                what,
                format!(
                    "{shown} is outside the folder of backlot.yaml, and Backlot reads nothing outside it: write backlot.yaml in a folder that holds it (run init again with that folder)"
                ),
            );
        }
    }

    fn config_dir(&self, file: FileId) -> PathBuf {
        self.inputs
            .get(file.0 as usize)
            .and_then(|i| i.path.parent())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.dir.to_path_buf())
    }

    /// A `url` target is copied as written: Backlot reads forge URLs itself.
    /// Credentials in it are not (backlot.yaml is usually committed).
    fn url_target(&mut self, loc: &mut Location) -> Option<()> {
        let written = loc.target.trim().to_string();
        let what = format!("{}.target", loc.what);
        if let Ok(mut u) = url::Url::parse(&written)
            && (!u.username().is_empty() || u.password().is_some())
        {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            loc.target = u.to_string();
            self.skip(
                loc.span,
                what.clone(),
                "the URL carried credentials, which were left out: name the token under `integrations:` instead (`token: ${VAR}`)",
            );
        }
        if forge::redact(&loc.target) != loc.target {
            self.skip(
                loc.span,
                what,
                format!(
                    "{} carries a credential in its query; the location was left out: remove it and name the token under `integrations:`",
                    forge::redact(&loc.target)
                ),
            );
            return None;
        }
        Some(())
    }

    /// `url` targets Backlot cannot read, with the forges of the
    /// integrations written: listed, and kept (declaring the forge fixes
    /// them).
    fn check_urls(&mut self, out: &Out) {
        let forges = Forges::new(
            out.integrations
                .iter()
                .flat_map(|(kind, entries)| entries.iter().map(|e| (*kind, e.host.clone()))),
        );
        for loc in out.locations.iter().filter(|l| l.kind == "url") {
            if let Err(e) = forge::parse(&loc.target, &forges) {
                self.skip(
                    loc.span,
                    format!("{}.target", loc.what),
                    format!(
                        "written, but Backlot cannot read it: {}; {}",
                        e.message(),
                        e.help()
                    ),
                );
            }
        }
    }

    /// `catalog.rules`: `allow` lists of kinds. Backstage also accepts
    /// `{kind, spec.type}` matchers and rules limited to `locations`
    /// (CatalogRules.ts); Backlot's rules are kinds only, so those are
    /// left out (narrower, and `backlot check` shows what they rejected)
    /// rather than widened.
    fn global_rules(&mut self, node: &Node) -> Vec<Vec<String>> {
        let Some(items) = node.as_seq() else {
            let why = format!("expected a list, found {}", node.type_name());
            self.skip(node.span, "catalog.rules", why);
            return Vec::new();
        };
        let mut rules = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let what = format!("catalog.rules[{i}]");
            let Some(map) = self.section(item, &what) else {
                continue;
            };
            if let Some(n) = get(map, "locations") {
                self.skip(
                    n.span,
                    format!("{what}.locations"),
                    "Backlot's rules cannot be limited to locations; the rule was left out: add its kinds to the `rules` of the matching locations",
                );
                continue;
            }
            let Some(allow) = get(map, "allow") else {
                self.skip(item.span, what, "a rule needs `allow`");
                continue;
            };
            rules.push(self.allow(allow, &format!("{what}.allow"), true));
        }
        rules
    }

    fn location_rules(&mut self, node: &Node, what: &str) -> Vec<Vec<String>> {
        let Some(items) = node.as_seq() else {
            let why = format!("expected a list, found {}", node.type_name());
            self.skip(node.span, what, why);
            return Vec::new();
        };
        let mut rules = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let what = format!("{what}[{i}]");
            let Some(map) = self.section(item, &what) else {
                continue;
            };
            match get(map, "allow") {
                Some(allow) => rules.push(self.allow(allow, &format!("{what}.allow"), false)),
                None => self.skip(item.span, what, "a rule needs `allow`"),
            }
        }
        rules
    }

    fn allow(&mut self, node: &Node, what: &str, matchers: bool) -> Vec<String> {
        let Some(items) = node.as_seq() else {
            let why = format!("expected a list of kinds, found {}", node.type_name());
            self.skip(node.span, what, why);
            return Vec::new();
        };
        let mut kinds = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let what = format!("{what}[{i}]");
            match &item.value {
                Value::Map(m) if matchers => {
                    let kind = get(m, "kind").and_then(Node::as_str);
                    match (kind, m.len()) {
                        (Some(kind), 1) => kinds.push(kind.to_string()),
                        (Some(kind), _) => self.skip(
                            item.span,
                            what,
                            format!(
                                "Backlot's rules allow whole kinds, not one `spec.type` of {kind}; left out: add `{kind}` to allow every {kind}"
                            ),
                        ),
                        (None, _) => self.skip(item.span, what, "a matcher needs a `kind`"),
                    }
                }
                _ => {
                    if let Some(kind) = self.plain(item, &what, "write the kind") {
                        kinds.push(kind);
                    }
                }
            }
        }
        kinds
    }

    fn integrations(&mut self, map: &Map) -> Vec<(ForgeKind, Vec<Entry>)> {
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            if value.is_null() {
                continue;
            }
            let what = format!("integrations.{}", key.text);
            let Some(kind) = ForgeKind::from_config_key(&key.text) else {
                let why = match key.text.as_str() {
                    "bitbucket" => {
                        "the deprecated key for both Bitbucket flavours: move its entries under `bitbucketCloud` (bitbucket.org) or `bitbucketServer`, then run init again"
                    }
                    "awsS3" | "googleGcs" | "azureBlobStorage" => {
                        "object storage, from which Backstage reads files and published TechDocs; Backlot reads descriptors and docs from git repositories"
                    }
                    _ => {
                        "Backlot reads repositories of github, gitlab, bitbucketCloud, bitbucketServer, azure and gitea only"
                    }
                };
                self.skip(key.span, what, why);
                continue;
            };
            let Some(items) = value.as_seq() else {
                let why = format!("expected a list, found {}", value.type_name());
                self.skip(value.span, what, why);
                continue;
            };
            let mut entries = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let what = format!("{what}[{i}]");
                if let Some(entry) = self.integration(kind, item, &what) {
                    entries.push(entry);
                }
            }
            if !entries.is_empty() {
                out.push((kind, entries));
            }
        }
        out
    }

    fn integration(&mut self, kind: ForgeKind, node: &Node, what: &str) -> Option<Entry> {
        let map = self.section(node, what)?;
        let host = match get(map, "host") {
            Some(n) => self
                .plain(
                    n,
                    &format!("{what}.host"),
                    "write the host; the entry was left out",
                )?
                .trim()
                .to_ascii_lowercase(),
            None => match kind.default_host() {
                Some(host) => host.to_string(),
                None => {
                    self.skip(node.span, what, "needs a `host`; the entry was left out");
                    return None;
                }
            },
        };
        if !crate::config::valid_host(&host) {
            self.skip(
                node.span,
                format!("{what}.host"),
                "not a host name with an optional port; the entry was left out",
            );
            return None;
        }
        let mut fields = Vec::new();
        for (key, value) in map.iter() {
            if value.is_null() {
                continue;
            }
            let field = format!("{what}.{}", key.text);
            match key.text.as_str() {
                "host" => {}
                "username" => {
                    if let Some(name) = self.plain(
                        value,
                        &field,
                        "write the user name itself (it is not a secret)",
                    ) {
                        fields.push(("username".to_string(), scalar(&name)));
                    }
                }
                k @ ("token" | "appPassword" | "password") => {
                    if let Some(var) = self.secret(kind, k, value, &field) {
                        fields.push((k.to_string(), var));
                    }
                }
                "credentials" if kind == ForgeKind::Azure => {
                    if let Some(var) = self.azure_credentials(value, &field) {
                        fields.push(("token".to_string(), var));
                    }
                }
                k @ ("apiBaseUrl" | "rawBaseUrl" | "baseUrl") => {
                    // Accepted by backlot.yaml (so that a copied section
                    // works) but unused: Backlot talks git, not the APIs.
                    match text_of(value) {
                        Text::Plain(s) => fields.push((k.to_string(), scalar(&s))),
                        _ => self.not_needed.push(field),
                    }
                }
                "apps" if kind == ForgeKind::GitHub => self.skip(
                    key.span,
                    field,
                    "GitHub App credentials: Backlot fetches over git with a token; give it one (e.g. an installation token made in CI) in an environment variable and name it: token: ${GITHUB_TOKEN}",
                ),
                // API settings a git fetch has no use for.
                "apiVersion" | "commitSigningKey" => self.not_needed.push(field),
                _ => self.skip(key.span, field, "no counterpart in backlot.yaml"),
            }
        }
        Some(Entry { host, fields })
    }

    /// A secret setting: `${VAR}` (or `{$env: VAR}`) is carried; anything
    /// else is left out and listed, without its value.
    fn secret(&mut self, kind: ForgeKind, key: &str, node: &Node, what: &str) -> Option<String> {
        let suggestion = format!("{key}: ${{{}}}", suggested_var(kind, key));
        let why = match text_of(node) {
            Text::Env { var, default } if valid_var(&var) => {
                if default {
                    self.skip(
                        node.span,
                        what,
                        format!(
                            "carried as ${{{var}}}: backlot.yaml has no `:-` default, so the default was left out"
                        ),
                    );
                }
                return Some(format!("${{{var}}}"));
            }
            Text::Env { .. } => format!(
                "the environment variable's name is not one backlot.yaml accepts (letters, digits, _): rename it, e.g. {suggestion}"
            ),
            Text::Plain(s) if s.is_empty() => return None,
            Text::Plain(_) | Text::Other(_) => format!(
                "a literal secret, left out: backlot.yaml is usually committed and holds no secrets. Move it into an environment variable and name it: {suggestion}"
            ),
            Text::Composed => format!(
                "built from several parts; backlot.yaml needs the whole secret in one environment variable: {suggestion}"
            ),
            Text::Include(k) => format!(
                "read with `{k}`, which backlot.yaml does not have: put the secret in an environment variable and name it: {suggestion}"
            ),
        };
        self.skip(node.span, what, why);
        None
    }

    /// Azure's `credentials`: one personal access token in a variable is a
    /// `token`; service principals and managed identities are not.
    fn azure_credentials(&mut self, node: &Node, what: &str) -> Option<String> {
        let single = node.as_seq().and_then(|items| match items {
            [one] => one.as_map(),
            _ => None,
        });
        let pat = single.and_then(|m| match (m.len(), get(m, "personalAccessToken")) {
            (1, Some(pat)) => Some(pat),
            _ => None,
        });
        match pat {
            Some(pat) => self.secret(
                ForgeKind::Azure,
                "token",
                pat,
                &format!("{what}[0].personalAccessToken"),
            ),
            None => {
                self.skip(
                    node.span,
                    what,
                    "Backlot takes one personal access token per Azure DevOps host, not per organization, service principals or managed identities: make a token and name its variable: token: ${AZURE_TOKEN}",
                );
                None
            }
        }
    }

    fn techdocs(&mut self, map: &Map) -> Vec<String> {
        let mut hosts = Vec::new();
        for (key, value) in map.iter() {
            if value.is_null() {
                continue;
            }
            let what = format!("techdocs.{}", key.text);
            if key.text != "sanitizer" {
                self.not_needed.push(what);
                continue;
            }
            let Some(sanitizer) = self.section(value, &what) else {
                continue;
            };
            for (k, v) in sanitizer.iter() {
                let what = format!("{what}.{}", k.text);
                if k.text != "allowedIframeHosts" {
                    if !v.is_null() {
                        self.skip(
                            k.span,
                            what,
                            "Backlot's sanitizer has no such setting; only iframe hosts can be allowed (docs.allowed_iframe_hosts)",
                        );
                    }
                    continue;
                }
                match v.as_seq() {
                    Some(items) => {
                        for (i, item) in items.iter().enumerate() {
                            if let Some(host) =
                                self.plain(item, &format!("{what}[{i}]"), "write the host")
                            {
                                hosts.push(host);
                            }
                        }
                    }
                    None => {
                        let why = format!("expected a list of hosts, found {}", v.type_name());
                        self.skip(v.span, what, why)
                    }
                }
            }
        }
        hosts
    }
}

/// Why a location type other than `file` and `url` cannot be carried.
fn discovery_help(kind: &str) -> String {
    let source = if kind.ends_with("-discovery") {
        "discovers repositories through the forge's API"
    } else if kind.ends_with("-org") || kind.contains("ldap") || kind.contains("graph") {
        "reads users and groups from an API"
    } else {
        "is read by a Backstage backend module"
    };
    format!(
        "this location type {source}; Backlot reads `file` and `url` locations only: list the repositories' descriptor files as `url` locations (and users and groups as descriptor files)"
    )
}

/// The variable name suggested for a literal secret.
fn suggested_var(kind: ForgeKind, key: &str) -> String {
    let forge = match kind {
        ForgeKind::GitHub => "GITHUB",
        ForgeKind::GitLab => "GITLAB",
        ForgeKind::BitbucketCloud => "BITBUCKET",
        ForgeKind::BitbucketServer => "BITBUCKET_SERVER",
        ForgeKind::Azure => "AZURE",
        ForgeKind::Gitea => "GITEA",
    };
    let what = match key {
        "appPassword" => "APP_PASSWORD",
        "password" => "PASSWORD",
        _ => "TOKEN",
    };
    format!("{forge}_{what}")
}

/// `path` relative to `base` (both absolute and normalized), `/`-separated;
/// absolute when they do not share a root (another drive on Windows).
fn relative_path(path: &Path, base: &Path) -> String {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return path.to_string_lossy().replace('\\', "/");
    }
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// A YAML scalar: plain when that is unambiguous in block and flow context
/// and stays a string, else double-quoted with JSON-style escapes (which
/// YAML's double-quoted style shares).
fn scalar(s: &str) -> String {
    // `./` and `../` cannot start a number (`.5`, `.inf`), unlike `.`.
    let plain = (s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '/')
        || s.starts_with("./")
        || s.starts_with("../"))
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | ' '))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // Controls (C0, DEL, C1) and the BOM are not printable YAML.
            c if c.is_control() || c == '\u{feff}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A flow list of scalars: `[Component, API]`.
fn flow(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| scalar(s)).collect();
    format!("[{}]", items.join(", "))
}

/// Text for a `#` comment: one line, no control characters.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn render(out: &Out, inputs: &[AppConfig], dir: &Path) -> String {
    let mut y = String::new();
    y.push_str("# Written by `backlot init --from-backstage` from Backstage's\n");
    for input in inputs {
        let shown = relative_path(&input.path, dir);
        y.push_str(&format!("#   {}\n", comment(&shown)));
    }
    if inputs.len() > 1 {
        y.push_str("# (merged as Backstage merges them: later files win).\n");
    }
    y.push_str(
        "# What could not be carried over was listed when this file was written.\n\
         # Settings: see Backlot's manual, Configuration.\n\n",
    );
    if let Some(title) = &out.title {
        y.push_str(&format!("title: {}\n", scalar(title)));
    }
    if let Some(url) = &out.base_url {
        y.push_str(&format!("base_url: {}\n", scalar(url)));
    }

    y.push_str("\ncatalog:\n");
    if out.locations.is_empty() {
        y.push_str("  # No location could be carried over.\n  locations: []\n");
    } else {
        y.push_str("  locations:\n");
        for loc in &out.locations {
            if let Some(note) = &loc.note {
                y.push_str(&format!("    # {}\n", comment(note)));
            }
            y.push_str(&format!("    - type: {}\n", loc.kind));
            y.push_str(&format!("      target: {}\n", scalar(&loc.target)));
            if !loc.rules.is_empty() {
                y.push_str("      rules:\n");
                for allow in &loc.rules {
                    y.push_str(&format!("        - allow: {}\n", flow(allow)));
                }
            }
        }
    }
    match &out.rules {
        Some(rules) if rules.is_empty() => y.push_str("  rules: []\n"),
        Some(rules) => {
            y.push_str("  rules:\n");
            for allow in rules {
                y.push_str(&format!("    - allow: {}\n", flow(allow)));
            }
        }
        None => {
            let kinds: Vec<String> = BACKSTAGE_DEFAULT_RULES
                .iter()
                .map(|k| k.to_string())
                .collect();
            y.push_str(
                "  # Backstage's default, written out: without `catalog.rules` Backstage\n  \
                 # accepts only these kinds (plus each location's own rules), while\n  \
                 # Backlot's default accepts every kind. Add kinds to accept more.\n",
            );
            y.push_str(&format!("  rules:\n    - allow: {}\n", flow(&kinds)));
        }
    }
    if !out.descriptor_names.is_empty() {
        y.push_str(&format!(
            "  descriptor_names: {}\n",
            flow(&out.descriptor_names)
        ));
    }

    if !out.integrations.is_empty() {
        y.push_str("\nintegrations:\n");
        for (kind, entries) in &out.integrations {
            y.push_str(&format!("  {}:\n", kind.config_key()));
            for entry in entries {
                y.push_str(&format!("    - host: {}\n", scalar(&entry.host)));
                for (key, value) in &entry.fields {
                    y.push_str(&format!("      {key}: {value}\n"));
                }
            }
        }
    }

    if !out.iframe_hosts.is_empty() {
        y.push_str(&format!(
            "\ndocs:\n  allowed_iframe_hosts: {}\n",
            flow(&out.iframe_hosts)
        ));
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// A Backstage repository as `backstage-cli` creates it, at /repo:
    /// `app-config.yaml` at the root, the backend in `packages/backend`,
    /// example entities in `examples/`.
    const REPO: &str = "/repo";

    fn repo_files() -> BTreeSet<PathBuf> {
        [
            "/repo/app-config.yaml",
            "/repo/packages/backend",
            "/repo/examples",
            "/repo/examples/entities.yaml",
            "/repo/examples/org.yaml",
            "/repo/examples/template/template.yaml",
            "/repo/catalog",
        ]
        .iter()
        .map(PathBuf::from)
        .collect()
    }

    fn input(name: &str, text: &str) -> AppConfig {
        AppConfig {
            path: Path::new(REPO).join(name),
            shown: name.to_string(),
            text: text.to_string(),
        }
    }

    fn run(inputs: &[AppConfig]) -> Migration {
        run_in(inputs, Path::new(REPO))
    }

    fn run_in(inputs: &[AppConfig], dir: &Path) -> Migration {
        let files = repo_files();
        let m = migrate(inputs, dir, &|p: &Path| files.contains(p)).expect("app-config reads");
        // The written file is a valid backlot.yaml, with no diagnostic.
        if let Err(d) = crate::config::parse(&m.yaml, &dir.join("backlot.yaml"), FileId(0)) {
            panic!("backlot.yaml does not parse: {d:?}\n{}", m.yaml);
        }
        m
    }

    fn config(m: &Migration) -> crate::config::Config {
        crate::config::parse(&m.yaml, &Path::new(REPO).join("backlot.yaml"), FileId(0)).unwrap()
    }

    fn listed<'a>(m: &'a Migration, what: &str) -> Option<&'a NotCarried> {
        m.not_carried.iter().find(|n| n.what == what)
    }

    /// Modelled on backstage/backstage's app-config.yaml and the create-app
    /// template: `../../examples/…` targets from packages/backend.
    const BACKSTAGE_APP_CONFIG: &str = r#"app:
  title: Scaffolded Backstage App
  baseUrl: http://localhost:3000

organization:
  name: My Company

backend:
  baseUrl: http://localhost:7007
  listen:
    port: 7007
  database:
    client: better-sqlite3
    connection: ':memory:'

integrations:
  github:
    - host: github.com
      token: ${GITHUB_TOKEN}

proxy:
  endpoints:
    '/test':
      target: 'https://example.com'

techdocs:
  builder: 'local'
  generator:
    runIn: 'docker'
  publisher:
    type: 'local'

auth:
  providers:
    guest: {}

scaffolder: {}

catalog:
  import:
    entityFilename: catalog-info.yaml
    pullRequestBranchName: backstage-integration
  rules:
    - allow: [Component, System, API, Resource, Location]
  locations:
    # Local example data, file locations are relative to the backend process, typically `packages/backend`
    - type: file
      target: ../../examples/entities.yaml

    # Local example template
    - type: file
      target: ../../examples/template/template.yaml
      rules:
        - allow: [Template]

    # Local example organizational data
    - type: file
      target: ../../examples/org.yaml
      rules:
        - allow: [User, Group]

    - type: url
      target: https://github.com/backstage/backstage/blob/master/packages/catalog-model/examples/all-apis.yaml
"#;

    #[test]
    fn backstage_example_app_config() {
        let m = run(&[input("app-config.yaml", BACKSTAGE_APP_CONFIG)]);
        let c = config(&m);
        assert_eq!(c.title, "Scaffolded Backstage App");
        assert_eq!(c.base_url, None, "localhost is a development address");
        let baseurl = listed(&m, "app.baseUrl").expect("baseUrl listed");
        assert_eq!(baseurl.span.start.line, 3);
        assert!(baseurl.why.contains("development address"), "{baseurl:?}");

        // `../../examples/x` from packages/backend is `examples/x` from the
        // repository root, where backlot.yaml goes.
        let targets: Vec<(&str, &str)> = c
            .catalog
            .locations
            .iter()
            .map(|l| (l.location_type.name(), l.target.as_str()))
            .collect();
        assert_eq!(
            targets,
            [
                ("file", "examples/entities.yaml"),
                ("file", "examples/template/template.yaml"),
                ("file", "examples/org.yaml"),
                (
                    "url",
                    "https://github.com/backstage/backstage/blob/master/packages/catalog-model/examples/all-apis.yaml"
                ),
            ]
        );
        assert!(
            m.yaml
                .contains("# Backstage: ../../examples/entities.yaml (from packages/backend)"),
            "{}",
            m.yaml
        );
        assert_eq!(c.catalog.locations[1].rules[0].allow, ["Template"]);
        assert_eq!(c.catalog.locations[2].rules[0].allow, ["User", "Group"]);
        let rules = c.catalog.rules.as_ref().unwrap();
        assert_eq!(
            rules[0].allow,
            ["Component", "System", "API", "Resource", "Location"]
        );
        assert_eq!(c.catalog.descriptor_names, ["catalog-info.yaml"]);

        assert_eq!(c.integrations.len(), 1);
        assert_eq!(c.integrations[0].host, "github.com");
        assert_eq!(
            c.integrations[0].token.as_ref().unwrap().var,
            "GITHUB_TOKEN"
        );
        assert!(
            m.yaml.contains("      token: ${GITHUB_TOKEN}\n"),
            "{}",
            m.yaml
        );

        assert_eq!(
            m.not_needed,
            [
                "techdocs.builder",
                "techdocs.generator",
                "techdocs.publisher"
            ]
        );
        // organization.name is not the title when app.title is set.
        assert_eq!(
            m.ignored,
            ["organization", "backend", "proxy", "auth", "scaffolder"]
        );
        let whats: Vec<&str> = m.not_carried.iter().map(|n| n.what.as_str()).collect();
        assert_eq!(
            whats,
            ["app.baseUrl", "catalog.import.pullRequestBranchName"]
        );
        // Deterministic: no date, the same text every time.
        assert_eq!(m, run(&[input("app-config.yaml", BACKSTAGE_APP_CONFIG)]));
        assert!(
            m.yaml
                .starts_with("# Written by `backlot init --from-backstage`")
        );
        assert!(m.yaml.contains("#   app-config.yaml\n"), "{}", m.yaml);
    }

    #[test]
    fn report_lines_name_file_line_what_and_why() {
        let m = run(&[input("app-config.yaml", BACKSTAGE_APP_CONFIG)]);
        let report = m.report(&[input("app-config.yaml", BACKSTAGE_APP_CONFIG)]);
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines[0], "not carried over as it was (2):");
        assert!(
            lines[1].starts_with(
                "  app-config.yaml:3: app.baseUrl: http://localhost:3000 is a development address"
            ),
            "{report}"
        );
        assert!(
            lines[2].starts_with("  app-config.yaml:42: catalog.import.pullRequestBranchName: "),
            "{report}"
        );
        assert_eq!(
            lines[3],
            "not needed for a static build: techdocs.builder, techdocs.generator, techdocs.publisher"
        );
        assert_eq!(
            lines[4],
            "ignored (not part of a static portal): organization, backend, proxy, auth, scaffolder"
        );
    }

    #[test]
    fn literal_tokens_are_never_copied_nor_echoed() {
        let secret = "ghp_S3cr3tT0kenValue0123456789";
        let text = format!(
            "integrations:\n  github:\n    - host: ghe.example.com\n      token: {secret}\n  bitbucketCloud:\n    - username: acme-bot\n      appPassword: 'pw-{secret}'\n  gitlab:\n    - host: gitlab.example.com\n      token: Bearer ${{GITLAB_TOKEN}}\n"
        );
        let inputs = [input("app-config.yaml", &text)];
        let m = run(&inputs);
        let everything = format!("{}{}{:?}", m.yaml, m.report(&inputs), m);
        assert!(!everything.contains(secret), "{everything}");
        let c = config(&m);
        // The entries stay, without their secrets.
        assert_eq!(c.integrations.len(), 3);
        assert!(c.integrations.iter().all(|i| i.token.is_none()));
        assert_eq!(c.integrations[1].username.as_deref(), Some("acme-bot"));
        let token = listed(&m, "integrations.github[0].token").unwrap();
        assert_eq!(token.span.start.line, 4);
        assert!(
            token.why.contains(
                "move it into an environment variable and name it: token: ${GITHUB_TOKEN}"
            ) || token.why.contains(
                "Move it into an environment variable and name it: token: ${GITHUB_TOKEN}"
            ),
            "{token:?}"
        );
        let app = listed(&m, "integrations.bitbucketCloud[0].appPassword").unwrap();
        assert!(
            app.why.contains("appPassword: ${BITBUCKET_APP_PASSWORD}"),
            "{app:?}"
        );
        let composed = listed(&m, "integrations.gitlab[0].token").unwrap();
        assert!(
            composed.why.contains("one environment variable"),
            "{composed:?}"
        );
    }

    #[test]
    fn env_references_are_carried_in_either_form() {
        let m = run(&[input(
            "app-config.yaml",
            "integrations:\n  gitlab:\n    - host: GitLab.Example.com\n      token:\n        $env: GITLAB_TOKEN\n  gitea:\n    - host: git.example.com:3000\n      username: bot\n      password: ${ GITEA_PASSWORD }\n  bitbucketServer:\n    - host: bitbucket.example.com\n      token: ${BB_TOKEN:-none}\n      apiBaseUrl: https://bitbucket.example.com/rest/api/1.0\n",
        )]);
        let c = config(&m);
        let vars: Vec<(&str, &str)> = c
            .integrations
            .iter()
            .map(|i| (i.host.as_str(), i.token.as_ref().unwrap().var.as_str()))
            .collect();
        assert_eq!(
            vars,
            [
                ("gitlab.example.com", "GITLAB_TOKEN"),
                ("git.example.com:3000", "GITEA_PASSWORD"),
                ("bitbucket.example.com", "BB_TOKEN"),
            ]
        );
        assert!(
            m.yaml
                .contains("apiBaseUrl: \"https://bitbucket.example.com/rest/api/1.0\"")
        );
        let default = listed(&m, "integrations.bitbucketServer[0].token").unwrap();
        assert!(default.why.contains("`:-` default"), "{default:?}");
        assert!(!default.why.contains("none"), "the default may be a secret");
    }

    #[test]
    fn apps_azure_credentials_and_other_integrations() {
        let m = run(&[input(
            "app-config.yaml",
            r#"integrations:
  github:
    - host: github.com
      apps:
        - $include: github-app-credentials.yaml
  azure:
    - host: dev.azure.com
      credentials:
        - personalAccessToken: ${AZURE_TOKEN}
    - host: azure.example.com
      credentials:
        - clientId: x
          clientSecret: ${AZURE_SECRET}
          tenantId: t
  awsS3:
    - host: amazonaws.com
      accessKeyId: ${AWS_ACCESS_KEY_ID}
  gerrit:
    - host: gerrit.example.com
  bitbucket:
    - host: bitbucket.org
"#,
        )]);
        let c = config(&m);
        assert_eq!(c.integrations.len(), 3);
        assert_eq!(c.integrations[0].host, "github.com");
        assert!(c.integrations[0].token.is_none());
        assert_eq!(c.integrations[1].token.as_ref().unwrap().var, "AZURE_TOKEN");
        assert!(c.integrations[2].token.is_none());
        for what in [
            "integrations.github[0].apps",
            "integrations.azure[1].credentials",
            "integrations.awsS3",
            "integrations.gerrit",
            "integrations.bitbucket",
        ] {
            assert!(listed(&m, what).is_some(), "{what} not listed: {m:#?}");
        }
        assert!(
            listed(&m, "integrations.bitbucket")
                .unwrap()
                .why
                .contains("bitbucketCloud")
        );
    }

    #[test]
    fn discovery_and_other_location_types_are_listed() {
        let m = run(&[input(
            "app-config.yaml",
            "catalog:\n  locations:\n    - type: github-discovery\n      target: https://github.com/acme/*/blob/main/catalog-info.yaml\n    - type: microsoft-graph-org\n      target: https://graph.microsoft.com/v1.0\n    - type: file\n      target: ../../examples/entities.yaml\n  providers:\n    github:\n      acme:\n        organization: acme\n  processors:\n    ldapOrg:\n      providers: []\n  orphanStrategy: delete\n",
        )]);
        let c = config(&m);
        assert_eq!(c.catalog.locations.len(), 1);
        let gh = listed(&m, "catalog.locations[0] (type: github-discovery)").unwrap();
        assert_eq!(gh.span.start.line, 3);
        assert!(gh.why.contains("forge's API"), "{gh:?}");
        assert!(gh.why.contains("`url` locations"), "{gh:?}");
        let org = listed(&m, "catalog.locations[1] (type: microsoft-graph-org)").unwrap();
        assert!(org.why.contains("users and groups"), "{org:?}");
        assert!(listed(&m, "catalog.providers.github").is_some());
        assert!(listed(&m, "catalog.processors.ldapOrg").is_some());
        assert!(listed(&m, "catalog.orphanStrategy").is_some());
    }

    #[test]
    fn backstage_default_rules_are_written_out() {
        let m = run(&[input(
            "app-config.yaml",
            "catalog:\n  locations:\n    - type: file\n      target: examples/org.yaml\n      rules:\n        - allow: [User, Group]\n",
        )]);
        let c = config(&m);
        // Backlot's default would accept everything; Backstage's would not.
        assert_eq!(
            c.catalog.rules.as_ref().unwrap()[0].allow,
            BACKSTAGE_DEFAULT_RULES
        );
        assert!(c.kind_allowed("Component", &[]));
        assert!(!c.kind_allowed("Group", &[]));
        assert!(c.kind_allowed("Group", &c.catalog.locations[0].rules));
        assert!(!c.kind_allowed("System", &c.catalog.locations[0].rules));
        assert!(
            m.yaml.contains("# Backstage's default, written out"),
            "{}",
            m.yaml
        );
        // Without any catalog section too.
        let c = config(&run(&[input("app-config.yaml", "app:\n  title: x\n")]));
        assert_eq!(c.catalog.rules.unwrap()[0].allow, BACKSTAGE_DEFAULT_RULES);
    }

    #[test]
    fn rules_backlot_cannot_express_are_left_out() {
        let m = run(&[input(
            "app-config.yaml",
            "catalog:\n  rules:\n    - allow: [Component, {kind: API}, {kind: Resource, spec.type: database}]\n    - allow: [Template]\n      locations:\n        - type: url\n          pattern: https://github.com/acme/*\n",
        )]);
        let c = config(&m);
        let rules = c.catalog.rules.unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].allow, ["Component", "API"]);
        assert!(listed(&m, "catalog.rules[0].allow[2]").is_some(), "{m:#?}");
        assert!(listed(&m, "catalog.rules[1].locations").is_some(), "{m:#?}");
        // An explicitly empty list stays empty: Backstage then rejects all.
        let c = config(&run(&[input("app-config.yaml", "catalog:\n  rules: []\n")]));
        assert_eq!(c.catalog.rules, Some(Vec::new()));
    }

    #[test]
    fn entity_filename_and_iframe_hosts() {
        let m = run(&[input(
            "app-config.yaml",
            "catalog:\n  import:\n    entityFilename: backstage.yaml\ntechdocs:\n  builder: external\n  sanitizer:\n    allowedIframeHosts: [docs.google.com, www.youtube.com]\n    allowedCustomElementTagNameRegExp: '^backstage-'\n",
        )]);
        let c = config(&m);
        assert_eq!(c.catalog.descriptor_names, ["backstage.yaml"]);
        assert_eq!(
            c.docs.allowed_iframe_hosts,
            ["docs.google.com", "www.youtube.com"]
        );
        assert_eq!(m.not_needed, ["techdocs.builder"]);
        assert!(
            listed(&m, "techdocs.sanitizer.allowedCustomElementTagNameRegExp").is_some(),
            "{m:#?}"
        );
    }

    #[test]
    fn two_files_merge_as_backstage_merges_them() {
        let base = input(
            "app-config.yaml",
            "app:\n  title: Dev Portal\n  baseUrl: http://localhost:3000\ncatalog:\n  rules:\n    - allow: [Component, API]\n  locations:\n    - type: file\n      target: ../../examples/entities.yaml\nintegrations:\n  github:\n    - host: github.com\n      token: ${GITHUB_TOKEN}\ntechdocs:\n  sanitizer:\n    allowedIframeHosts: [docs.google.com]\n",
        );
        let production = input(
            "app-config.production.yaml",
            "app:\n  baseUrl: https://backstage.acme.example\ncatalog:\n  locations:\n    - type: url\n      target: https://github.com/acme/catalog/blob/main/all.yaml\nintegrations:\n  gitlab:\n    - host: gitlab.acme.example\n      token: ${GITLAB_TOKEN}\ntechdocs: null\n",
        );
        let m = run(&[base.clone(), production.clone()]);
        let c = config(&m);
        // Mappings merge deeply: the title stays, baseUrl is replaced.
        assert_eq!(c.title, "Dev Portal");
        assert_eq!(
            c.base_url.as_deref(),
            Some("https://backstage.acme.example/")
        );
        assert!(listed(&m, "app.baseUrl").is_none(), "{m:#?}");
        // Lists are replaced whole: only production's location.
        assert_eq!(c.catalog.locations.len(), 1);
        assert_eq!(
            c.catalog.locations[0].target,
            "https://github.com/acme/catalog/blob/main/all.yaml"
        );
        // Rules from the base file survive (a sibling key).
        assert_eq!(c.catalog.rules.unwrap()[0].allow, ["Component", "API"]);
        // Both forges; a null hides the base file's techdocs.
        let hosts: Vec<&str> = c.integrations.iter().map(|i| i.host.as_str()).collect();
        assert_eq!(hosts, ["github.com", "gitlab.acme.example"]);
        assert!(c.docs.allowed_iframe_hosts.is_empty());
        assert!(
            m.yaml
                .contains("#   app-config.yaml\n#   app-config.production.yaml\n")
        );
        // Reported positions name the file each value came from.
        let m = run(&[production, base]);
        let url = listed(&m, "app.baseUrl").unwrap();
        assert_eq!((url.span.file, url.span.start.line), (FileId(1), 3));
    }

    #[test]
    fn file_targets_resolve_from_the_app_config_then_packages_backend() {
        let m = run(&[input(
            "app-config.yaml",
            "catalog:\n  locations:\n    - type: file\n      target: ./catalog\n    - type: file\n      target: ../../examples/*.yaml\n    - type: file\n      target: ../../examples/missing.yaml\n    - type: file\n      target: /srv/catalog/all.yaml\n    - type: file\n      target: examples/org.yaml\n",
        )]);
        let c = config(&m);
        let targets: Vec<&str> = c
            .catalog
            .locations
            .iter()
            .map(|l| l.target.as_str())
            .collect();
        assert_eq!(
            targets,
            [
                // Found next to the app-config: kept there.
                "catalog",
                // A glob: its literal folder exists from packages/backend.
                "examples/*.yaml",
                // Nowhere: kept relative to the app-config (/examples is
                // ../examples from /repo), listed.
                "../examples/missing.yaml",
                "/srv/catalog/all.yaml",
                "examples/org.yaml",
            ]
        );
        let missing = listed(&m, "catalog.locations[2].target");
        assert!(
            m.not_carried
                .iter()
                .any(|n| n.what == "catalog.locations[2].target" && n.why.contains("not found")),
            "{missing:?}"
        );
        // Both the missing one (above /repo) and the absolute one are
        // outside the folder of backlot.yaml, which Backlot does not read.
        let outside: Vec<&str> = m
            .not_carried
            .iter()
            .filter(|n| n.why.contains("outside the folder of backlot.yaml"))
            .map(|n| n.what.as_str())
            .collect();
        assert_eq!(
            outside,
            ["catalog.locations[2].target", "catalog.locations[3].target"]
        );
    }

    #[test]
    fn targets_are_written_relative_to_the_folder_of_backlot_yaml() {
        // backlot.yaml in /repo/portal: the examples are one level up, and
        // outside what Backlot reads, which is said.
        let m = run_in(
            &[input(
                "app-config.yaml",
                "catalog:\n  locations:\n    - type: file\n      target: ../../examples/org.yaml\n",
            )],
            Path::new("/repo/portal"),
        );
        assert!(
            m.yaml.contains("target: ../examples/org.yaml\n"),
            "{}",
            m.yaml
        );
        assert!(m.yaml.contains("#   ../app-config.yaml\n"), "{}", m.yaml);
        assert!(listed(&m, "catalog.locations[0].target").is_some());
    }

    #[test]
    fn substitution_in_settings_backlot_takes_as_written() {
        let m = run(&[input(
            "app-config.yaml",
            "app:\n  title: ${PORTAL_TITLE}\n  baseUrl: https://${HOST}\ncatalog:\n  locations:\n    - type: url\n      target: https://github.com/${ORG}/catalog/blob/main/all.yaml\n    - type: file\n      target:\n        $file: ./target.txt\n",
        )]);
        let c = config(&m);
        assert_eq!(c.title, "Developer Portal");
        assert!(c.catalog.locations.is_empty());
        for what in [
            "app.title",
            "app.baseUrl",
            "catalog.locations[0].target",
            "catalog.locations[1].target",
        ] {
            assert!(listed(&m, what).is_some(), "{what}: {m:#?}");
        }
        assert!(
            listed(&m, "catalog.locations[1].target")
                .unwrap()
                .why
                .contains("`$file`")
        );
        // `$${` is Backstage's escape for a literal `${`.
        assert_eq!(substitution("Cost $${X}"), Text::Plain("Cost ${X}".into()));
        assert_eq!(
            substitution("${ A }"),
            Text::Env {
                var: "A".into(),
                default: false
            }
        );
        assert_eq!(substitution("${A}${B}"), Text::Composed);
        assert_eq!(substitution("x ${A}"), Text::Composed);
    }

    #[test]
    fn organization_name_is_the_title_without_app_title() {
        let m = run(&[input(
            "app-config.yaml",
            "app:\n  baseUrl: https://portal.acme.example/\n  support:\n    url: https://acme.example/help\norganization:\n  name: 'ACME: \"Tools\"'\n",
        )]);
        let c = config(&m);
        assert_eq!(c.title, "ACME: \"Tools\"");
        assert_eq!(c.base_url.as_deref(), Some("https://portal.acme.example/"));
        assert_eq!(m.ignored, ["app.support"]);
    }

    #[test]
    fn url_targets_backlot_cannot_read_are_kept_and_listed() {
        let m = run(&[input(
            "app-config.yaml",
            "catalog:\n  locations:\n    - type: url\n      target: https://user:hunter2@git.internal.example/acme/catalog/raw/all.yaml\n",
        )]);
        assert!(!format!("{m:?}").contains("hunter2"));
        let c = config(&m);
        assert_eq!(
            c.catalog.locations[0].target,
            "https://git.internal.example/acme/catalog/raw/all.yaml"
        );
        let whys: Vec<&str> = m.not_carried.iter().map(|n| n.why.as_str()).collect();
        assert_eq!(whys.len(), 2, "{whys:?}");
        assert!(whys[0].contains("credentials"), "{whys:?}");
        assert!(whys[1].contains("Backlot cannot read it"), "{whys:?}");
    }

    #[test]
    fn invalid_input_is_an_error_with_a_position() {
        let files = repo_files();
        let exists = |p: &Path| files.contains(p);
        let err = migrate(
            &[input("app-config.yaml", "app:\n  title: [unclosed\n")],
            Path::new(REPO),
            &exists,
        )
        .unwrap_err();
        assert_eq!(err[0].code, Code::YamlSyntax);
        let err = migrate(
            &[
                input("ok.yaml", "app: {}\n"),
                input("list.yaml", "- a\n- b\n"),
            ],
            Path::new(REPO),
            &exists,
        )
        .unwrap_err();
        assert_eq!(err[0].span.unwrap().file, FileId(1));
        assert!(err[0].message.contains("list.yaml must be a mapping"));
        // Anchors and aliases, which app-configs use, are read.
        let m = run(&[input(
            "app-config.yaml",
            "x-kinds: &kinds [Component, API, Group]\ncatalog:\n  rules:\n    - allow: *kinds\n",
        )]);
        assert_eq!(
            config(&m).catalog.rules.unwrap()[0].allow,
            ["Component", "API", "Group"]
        );
    }

    #[test]
    fn scalars_are_quoted_when_plain_would_change_them() {
        assert_eq!(scalar("examples/org.yaml"), "examples/org.yaml");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("My Portal"), "My Portal");
        assert_eq!(scalar("trailing "), "\"trailing \"");
        assert_eq!(scalar("../x.yaml"), "../x.yaml");
        assert_eq!(scalar(".5"), "\".5\"");
        assert_eq!(scalar("a: b # c"), "\"a: b # c\"");
        assert_eq!(scalar("tab\there\u{7f}"), "\"tab\\there\\u007f\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(
            relative_path(Path::new("/a/b/c"), Path::new("/a/d")),
            "../b/c"
        );
        assert_eq!(relative_path(Path::new("/a"), Path::new("/a")), ".");
        assert_eq!(
            relative_path(Path::new("/srv/x"), Path::new("/repo")),
            "../srv/x"
        );
    }
}
