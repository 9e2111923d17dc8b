//! The pages, URLs and navigation of a TechDocs site, from the list of its
//! docs files and its [`MkDocsConfig`] (spec/techdocs.md §2.1–2.3, §3.22).
//!
//! Pure functions, no IO: the docs stage walks the folders, reads the files
//! and renders; this module decides what each file becomes.
//!
//! 1. [`layout`]: which files are pages (`.md` and friends) and which are
//!    assets, each page's output file and URL (§2.2), and which files are
//!    left out (`.`-files, `/templates/`, `exclude_docs`, a `README.md`
//!    beside an `index.md`), in MkDocs' file order.
//! 2. [`build_nav`]: the navigation tree, from `nav` or inferred (§2.1).
//!    [`flatten`] gives the page order for previous/next links.
//! 3. Monorepos (§3.22, `mkdocs-monorepo-plugin`): [`includes`] lists the
//!    `!include`/`*include` statements of the root `nav`; the caller reads
//!    each included `mkdocs.yml` and lists its docs folder; then
//!    [`merge_included`] mounts every sub-project's files under its alias
//!    and rewrites the root `nav` into plain entries, exactly as the plugin
//!    rewrites MkDocs' config before the build. Steps 1 and 2 then run on
//!    the merged file list as for any site.
//! 4. [`edit_url`] (§2.3) and [`Merged::edit_url`] for sub-project pages.
//!
//! Page titles need the rendered Markdown, so they are resolved later by
//! the caller: nav title ([`Page::nav_title`]) → front matter `title` →
//! first H1 → "Home" for the homepage → [`title_from_filename`].

use std::collections::{BTreeMap, HashMap, HashSet};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::diag::Severity;
use crate::docs::mkdocs::{
    DocsProblem, DocsProblemKind, MkDocsConfig, NavItem, NavValue, format_edit_template,
    normalize_relative, percent_encode,
};
use crate::source::Span;

/// Extensions of documentation pages (MkDocs' `utils.markdown_extensions`);
/// matched case-sensitively, as MkDocs does.
const PAGE_EXTENSIONS: &[&str] = &[".markdown", ".mdown", ".mkdn", ".mkd", ".md"];

const INCLUDE: &str = "!include ";
const WILDCARD_INCLUDE: &str = "*include ";

/// A documentation page of the site.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Path relative to `docs_dir` (in a monorepo, to the merged tree),
    /// `/`-separated.
    pub src: String,
    /// Site-relative URL, percent-encoded: `""` for the homepage, `foo/`,
    /// `a/b/`, or `foo.html` without directory URLs.
    pub url: String,
    /// The file written, relative to the site root, not encoded:
    /// `index.html`, `foo/index.html`, `a/spaces in name/index.html`.
    pub output: String,
    /// The title given in `nav` (its first entry for the page), if any.
    pub nav_title: Option<String>,
    /// Whether the nav lists the page; pages outside the nav are still
    /// built and reachable, but have no previous/next links.
    pub in_nav: bool,
}

/// Any other file of the docs folder: copied as is, same path.
#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    /// Path relative to `docs_dir`; also the output path.
    pub src: String,
    /// Site-relative URL, percent-encoded.
    pub url: String,
}

/// What the files of a docs folder become.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    /// In MkDocs' file order: a folder's files (index/README first, then by
    /// name) before its sub-folders'.
    pub pages: Vec<Page>,
    pub assets: Vec<Asset>,
}

impl Layout {
    /// The page built from `src` (a path relative to `docs_dir`).
    pub fn page(&self, src: &str) -> Option<usize> {
        self.pages.iter().position(|p| p.src == src)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum NavNode {
    Page {
        /// Index into [`Layout::pages`].
        page: usize,
        /// The nav title (the page's first nav entry's), if any.
        title: Option<String>,
    },
    Section {
        title: String,
        children: Vec<NavNode>,
    },
    Link {
        title: String,
        url: String,
        /// `url` is relative to the site root (a nav entry that is not a
        /// page: a missing file, a folder, an asset) and must be made
        /// relative to the page showing the nav; otherwise it is absolute
        /// (`https://…`, `//host/…`, `/path`) and used as is.
        site_relative: bool,
    },
}

/// Sorts the files, drops the excluded ones and decides each file's
/// output (§2.2). `files` are paths relative to `docs_dir` with `/`
/// separators, in any order.
pub fn layout(config: &MkDocsConfig, files: &[String]) -> (Layout, Vec<DocsProblem>) {
    let mut problems = Vec::new();
    let exclude = matcher(
        [".*", "/templates/"]
            .into_iter()
            .chain(config.exclude_docs.iter().map(String::as_str)),
    );
    let mut files: Vec<String> = files
        .iter()
        .map(|f| f.trim_start_matches("./").to_string())
        .filter(|f| !f.is_empty() && !is_ignored(&exclude, f))
        .collect();
    files.sort_by(|a, b| file_sort_key(a).cmp(&file_sort_key(b)));
    files.dedup();

    // Two files of one folder with the same output: MkDocs keeps the later
    // one in its order (`index.md` over `README.md`) and warns.
    let output_of = |f: &str| -> String {
        if is_page(f) {
            page_paths(f, config.use_directory_urls).0
        } else {
            f.to_string()
        }
    };
    let mut winner: HashMap<String, usize> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        winner.insert(output_of(f), i);
    }
    let mut kept = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let output = output_of(f);
        let w = winner[&output];
        if w == i {
            kept.push(f.clone());
            continue;
        }
        let other = &files[w];
        problems.push(DocsProblem {
            span: Span::file_start(config.file),
            path: Some(f.clone()),
            severity: Severity::Warning,
            kind: DocsProblemKind::ReadmeShadowed,
            message: format!(
                "`{f}` is left out of the site because `{other}` is also built as `{output}`"
            ),
            help: format!(
                "MkDocs builds only one of them (`{other}`); merge the two files or rename `{f}`"
            ),
        });
    }

    let mut out = Layout::default();
    for src in kept {
        if is_page(&src) {
            let (output, url) = page_paths(&src, config.use_directory_urls);
            out.pages.push(Page {
                src,
                url,
                output,
                nav_title: None,
                in_nav: false,
            });
        } else {
            let url = percent_encode(&src, "/");
            out.assets.push(Asset { src, url });
        }
    }
    (out, problems)
}

/// Builds the navigation: `config.nav` if set, else inferred from the
/// pages (§2.1). Sets [`Page::nav_title`] and [`Page::in_nav`].
///
/// A nav entry that names no docs file becomes a link, as in MkDocs; a
/// relative one (a missing page, a folder) is a [`DocsProblemKind::NavMissingPage`]
/// warning at that entry.
pub fn build_nav(config: &MkDocsConfig, layout: &mut Layout) -> (Vec<NavNode>, Vec<DocsProblem>) {
    let mut problems = Vec::new();
    for page in &mut layout.pages {
        page.nav_title = None;
        page.in_nav = false;
    }
    let nav = match &config.nav {
        Some(items) => {
            let mut ctx = Explicit {
                by_src: layout
                    .pages
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.src.clone(), i))
                    .collect(),
                assets: layout
                    .assets
                    .iter()
                    .map(|a| (a.src.clone(), a.url.clone()))
                    .collect(),
                pages: &mut layout.pages,
                problems: &mut problems,
            };
            ctx.items(items)
        }
        None => infer_nav(config, &layout.pages),
    };
    for page in flatten(&nav) {
        layout.pages[page].in_nav = true;
    }
    (nav, problems)
}

/// Pages in nav order, each once (its first place): the order of the
/// previous/next links.
pub fn flatten(nav: &[NavNode]) -> Vec<usize> {
    fn walk(nodes: &[NavNode], seen: &mut HashSet<usize>, out: &mut Vec<usize>) {
        for node in nodes {
            match node {
                NavNode::Page { page, .. } => {
                    if seen.insert(*page) {
                        out.push(*page);
                    }
                }
                NavNode::Section { children, .. } => walk(children, seen, out),
                NavNode::Link { .. } => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(nav, &mut HashSet::new(), &mut out);
    out
}

/// The title MkDocs gives a page with no nav title, front matter title or
/// H1 (and that is not the homepage): the file name without extension
/// (`README` counts as `index`), `-`/`_` turned into spaces, capitalised if
/// all lower-case. `untitled.md` → "Untitled", `my-page_x.md` → "My page x".
pub fn title_from_filename(src: &str) -> String {
    let name = src.rsplit('/').next().unwrap_or(src);
    let stem = split_ext(name).0;
    let stem = if stem == "README" { "index" } else { stem };
    dirname_to_title(stem)
}

/// The "Edit this page" URL of a page (§2.3): `edit_uri_template` with
/// `{path}`/`{path_noext}`, else `edit_uri` (or its default for GitHub,
/// GitLab and Bitbucket) + the page's path, URL-joined onto `repo_url`.
/// Only `http(s)` results are returned.
pub fn edit_url(config: &MkDocsConfig, page_src: &str) -> Option<String> {
    let file_edit_uri = match &config.edit_uri_template {
        Some(template) => {
            let noext = match page_src.rsplit_once('/') {
                Some((dir, name)) => format!("{dir}/{}", split_ext(name).0),
                None => split_ext(page_src).0.to_string(),
            };
            format_edit_template(template, page_src, &noext).ok()?
        }
        None => format!("{}{page_src}", config.effective_edit_uri()?),
    };
    let url = match &config.repo_url {
        Some(repo) => {
            let mut repo = repo.clone();
            if !file_edit_uri.starts_with(['?', '#']) && !repo.ends_with('/') {
                repo.push('/');
            }
            url_join(&repo, &file_edit_uri)
        }
        None => file_edit_uri,
    };
    is_http(&url).then_some(url)
}

// ---------------------------------------------------------------------------
// Monorepo (§3.22)

/// One `!include`/`*include` statement of the root `nav`.
#[derive(Debug, Clone, PartialEq)]
pub struct Include {
    /// The nav key of the statement (the section title), if any.
    pub title: Option<String>,
    /// The path or glob, relative to the folder of the root `mkdocs.yml`,
    /// normalised (`v1/mkdocs.yml`, `components/*/mkdocs.yml`).
    pub pattern: String,
    /// `*include`: every `mkdocs.yml` the one-level glob matches.
    pub glob: bool,
    /// The statement's position; identifies the statement.
    pub span: Span,
}

impl Include {
    /// Whether a file path (relative to the folder of the root
    /// `mkdocs.yml`, `/`-separated) is included by this statement. A glob
    /// matches within one path segment per `*`, as Python's `Path.glob`.
    pub fn matches(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        if !self.glob {
            return normalize_relative(path).as_deref() == Some(self.pattern.as_str());
        }
        globset::GlobBuilder::new(&self.pattern)
            .literal_separator(true)
            .build()
            .map(|g| g.compile_matcher().is_match(path))
            .unwrap_or(false)
    }

    /// How many folder levels below the root a match can be (`None`: any,
    /// with `**`), to bound the caller's walk.
    pub fn depth(&self) -> Option<usize> {
        if self.pattern.contains("**") {
            None
        } else {
            Some(self.pattern.split('/').count())
        }
    }
}

/// The include statements of the root `nav`, in nav order. Statements that
/// cannot work (not a `.yml`/`.yaml` file, outside the docs root) are
/// reported and left out.
pub fn includes(config: &MkDocsConfig) -> (Vec<Include>, Vec<DocsProblem>) {
    fn walk(items: &[NavItem], out: &mut Vec<Include>, problems: &mut Vec<DocsProblem>) {
        for item in items {
            match &item.value {
                NavValue::Section(children) => walk(children, out, problems),
                NavValue::Path(_) => match include_of(item) {
                    Some(Ok(include)) => out.push(include),
                    Some(Err(problem)) => problems.push(problem),
                    None => {}
                },
            }
        }
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    if let Some(nav) = &config.nav {
        walk(nav, &mut out, &mut problems);
    }
    (out, problems)
}

/// The include statement of a nav entry: `None` if it is not one, the
/// problem if it cannot work (not a `.yml`/`.yaml` file, outside the root).
fn include_of(item: &NavItem) -> Option<Result<Include, DocsProblem>> {
    let NavValue::Path(p) = &item.value else {
        return None;
    };
    let (rest, glob) = if let Some(rest) = p.strip_prefix(INCLUDE) {
        (rest.trim(), false)
    } else {
        (p.strip_prefix(WILDCARD_INCLUDE)?.trim(), true)
    };
    let problem = |message: String, help: &str| DocsProblem {
        span: item.span,
        path: None,
        severity: Severity::Error,
        kind: DocsProblemKind::NavInclude,
        message,
        help: help.to_string(),
    };
    if !rest.ends_with(".yml") && !rest.ends_with(".yaml") {
        return Some(Err(problem(
            format!("the include `{rest}` does not name a .yml or .yaml file"),
            "point the statement at the sub-project's mkdocs.yml",
        )));
    }
    Some(match normalize_relative(rest) {
        Some(pattern) if !pattern.is_empty() => Ok(Include {
            title: item.title.clone(),
            pattern,
            glob,
            span: item.span,
        }),
        _ => Err(problem(
            format!("the include `{rest}` is outside the docs root"),
            "include only mkdocs.yml files below the folder of the root mkdocs.yml, with a \
             relative path",
        )),
    })
}

/// One sub-project read by the caller for an [`Include`].
#[derive(Debug, Clone)]
pub struct Included {
    /// The statement it answers (for `*include`, one `Included` per match).
    pub include: Include,
    /// Its `mkdocs.yml`, relative to the folder of the root `mkdocs.yml`.
    pub path: String,
    /// [`crate::docs::mkdocs::parse`] of that file.
    pub config: MkDocsConfig,
    /// The files of its docs folder ([`project_docs_dir`]), relative to
    /// that folder.
    pub files: Vec<String>,
}

/// The docs folder of a sub-project, relative to the folder of the root
/// `mkdocs.yml`: its `docs_dir` taken from the folder of its `mkdocs.yml`.
pub fn project_docs_dir(config_path: &str, config: &MkDocsConfig) -> String {
    let dir = config_path.rsplit_once('/').map_or("", |(d, _)| d);
    let joined = if dir.is_empty() {
        config.docs_dir.clone()
    } else {
        format!("{dir}/{}", config.docs_dir)
    };
    normalize_relative(&joined).unwrap_or(joined)
}

/// A sub-project mounted into the merged docs tree.
#[derive(Debug, Clone)]
pub struct Project {
    /// Where its files are mounted (`component-a`, `versions/v1`).
    pub alias: String,
    /// Its `mkdocs.yml` and docs folder, relative to the root config's folder.
    pub config_path: String,
    pub docs_dir: String,
    pub config: MkDocsConfig,
}

/// The docs tree after the monorepo merge.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    /// Every file: the root's (as given) and each sub-project's under its
    /// alias. Give these to [`layout`].
    pub files: Vec<String>,
    pub projects: Vec<Project>,
    /// Merged path → the project it comes from (`None`: the root).
    origins: BTreeMap<String, Option<usize>>,
}

impl Merged {
    /// Where a merged file comes from: the project (`None` for the root's
    /// docs_dir) and its path relative to that docs folder.
    pub fn origin(&self, merged_path: &str) -> Option<(Option<usize>, String)> {
        let project = *self.origins.get(merged_path)?;
        let path = match project {
            None => merged_path.to_string(),
            Some(i) => merged_path
                .strip_prefix(&format!("{}/", self.projects[i].alias))
                .unwrap_or(merged_path)
                .to_string(),
        };
        Some((project, path))
    }

    /// The edit URL of a page of the merged tree. Root pages use
    /// [`edit_url`]. Sub-project pages use the plugin's rule: the
    /// sub-project's `repo_url` (else the root's) + its `edit_uri` (else
    /// the root's, with the root docs_dir replaced by the sub-project's
    /// folder, `edit/main/docs/` → `edit/main/v1/docs/`) + the page's path
    /// in its docs folder, concatenated.
    pub fn edit_url(&self, root: &MkDocsConfig, merged_path: &str) -> Option<String> {
        let (project, path) = self.origin(merged_path)?;
        let Some(i) = project else {
            return edit_url(root, &path);
        };
        let project = &self.projects[i];
        let mut repo = project
            .config
            .repo_url
            .clone()
            .or_else(|| root.repo_url.clone())?;
        let mut edit_uri = match &project.config.edit_uri {
            Some(uri) => uri.clone(),
            None => root
                .effective_edit_uri()
                .unwrap_or_default()
                .replace(&root.docs_dir, &project.docs_dir),
        };
        // The plugin would glue the path straight onto repo_url here; an
        // edit link to that would be broken, so there is none.
        if edit_uri.is_empty() {
            return None;
        }
        if !edit_uri.starts_with(['?', '#']) && !repo.ends_with('/') {
            repo.push('/');
        }
        if !edit_uri.ends_with('/') {
            edit_uri.push('/');
        }
        let url = format!("{repo}{edit_uri}{path}");
        is_http(&url).then_some(url)
    }
}

/// Mounts each included sub-project under its alias and rewrites
/// `root.nav`: `Title: '!include x/mkdocs.yml'` becomes the section
/// `Title` holding the sub-project's nav (or, without one, a nav of its
/// `.md` files: sub-folders first, then files by name), with every path
/// prefixed by the alias; `Title: '*include x/*/mkdocs.yml'` becomes the
/// section `Title` with one section per match, titled by its `site_name`.
///
/// The alias is the sub-project's `site_name` when it only has
/// `[A-Za-z0-9_.-/]` (so `versions/v1` nests), else its slug
/// (`Component A` → `component-a`). Errors, each a
/// [`DocsProblemKind::NavInclude`] with the statement left out: an include
/// nobody answered (file not found), a sub-project without `site_name`, a
/// duplicate alias, and an include inside a sub-project's nav.
///
/// Without includes this returns `root_files` unchanged.
pub fn merge_included(
    root: &mut MkDocsConfig,
    root_files: &[String],
    included: Vec<Included>,
) -> (Merged, Vec<DocsProblem>) {
    let mut merger = Merger {
        included,
        used: Vec::new(),
        merged: Merged::default(),
        aliases: HashMap::new(),
        problems: Vec::new(),
    };
    merger.used = vec![false; merger.included.len()];
    for f in root_files {
        let f = f.trim_start_matches("./").to_string();
        merger.merged.origins.insert(f.clone(), None);
        merger.merged.files.push(f);
    }
    if let Some(nav) = root.nav.take() {
        root.nav = Some(merger.items(nav));
    }
    for (i, used) in merger.used.clone().into_iter().enumerate() {
        if !used {
            let inc = &merger.included[i];
            merger.problems.push(DocsProblem {
                span: inc.include.span,
                path: None,
                severity: Severity::Warning,
                kind: DocsProblemKind::NavInclude,
                message: format!("`{}` answers no include statement of the nav", inc.path),
                help: "this is a bug in Backlot's docs stage; the sub-project is ignored"
                    .to_string(),
            });
        }
    }
    (merger.merged, merger.problems)
}

struct Merger {
    included: Vec<Included>,
    used: Vec<bool>,
    merged: Merged,
    aliases: HashMap<String, String>,
    problems: Vec<DocsProblem>,
}

impl Merger {
    fn problem(&mut self, span: Span, severity: Severity, message: String, help: &str) {
        self.problems.push(DocsProblem {
            span,
            path: None,
            severity,
            kind: DocsProblemKind::NavInclude,
            message,
            help: help.to_string(),
        });
    }

    fn items(&mut self, items: Vec<NavItem>) -> Vec<NavItem> {
        let mut out = Vec::new();
        for item in items {
            match item.value {
                NavValue::Section(children) => out.push(NavItem {
                    value: NavValue::Section(self.items(children)),
                    ..item
                }),
                NavValue::Path(ref p)
                    if p.starts_with(INCLUDE) || p.starts_with(WILDCARD_INCLUDE) =>
                {
                    if let Some(section) = self.include(&item) {
                        out.push(section);
                    }
                }
                NavValue::Path(_) => out.push(item),
            }
        }
        out
    }

    /// The section replacing one include statement.
    fn include(&mut self, item: &NavItem) -> Option<NavItem> {
        let glob = matches!(&item.value, NavValue::Path(p) if p.starts_with(WILDCARD_INCLUDE));
        let mut answers: Vec<usize> = (0..self.included.len())
            .filter(|&i| self.included[i].include.span == item.span)
            .collect();
        answers.sort_by(|&a, &b| self.included[a].path.cmp(&self.included[b].path));
        for &i in &answers {
            self.used[i] = true;
        }
        let statement = match &item.value {
            NavValue::Path(p) => p.clone(),
            NavValue::Section(_) => String::new(),
        };
        if answers.is_empty() {
            // Unusable statements were reported by `includes` already.
            if matches!(include_of(item), Some(Ok(_))) {
                let (severity, message) = if glob {
                    (
                        Severity::Warning,
                        format!("`{statement}` matches no mkdocs.yml"),
                    )
                } else {
                    (
                        Severity::Error,
                        format!("`{statement}`: the file was not found"),
                    )
                };
                self.problem(
                    item.span,
                    severity,
                    message,
                    "the path is relative to the folder of the root mkdocs.yml; the entry is left out",
                );
            }
            return None;
        }
        if glob {
            let children: Vec<NavItem> = answers
                .into_iter()
                .filter_map(|i| {
                    let title = self.included[i].config.site_name.clone();
                    self.mount(i, Some(title), item.span)
                })
                .collect();
            return Some(NavItem {
                title: item.title.clone(),
                value: NavValue::Section(children),
                span: item.span,
            });
        }
        let title = item
            .title
            .clone()
            .or_else(|| Some(self.included[answers[0]].config.site_name.clone()));
        self.mount(answers[0], title, item.span)
    }

    /// Mounts one sub-project; returns its nav section.
    fn mount(&mut self, i: usize, title: Option<String>, span: Span) -> Option<NavItem> {
        let inc = self.included[i].clone();
        if inc.config.site_name_span.is_none() {
            self.problem(
                span,
                Severity::Error,
                format!("the included `{}` has no `site_name`", inc.path),
                "the monorepo plugin mounts a sub-project at its site_name; add one \
                 (`site_name: my-component`). The sub-project is left out",
            );
            return None;
        }
        let Some(alias) = alias(&inc.config.site_name) else {
            self.problem(
                inc.config.site_name_span.unwrap_or(span),
                Severity::Error,
                format!(
                    "the site_name `{}` of `{}` cannot be a folder of the site",
                    inc.config.site_name, inc.path
                ),
                "use a site_name without `..` segments or a leading `/`; the sub-project is left out",
            );
            return None;
        };
        if let Some(first) = self.aliases.get(&alias) {
            let message = format!(
                "`{}` and `{first}` both mount at `{alias}/` (site_name `{}`)",
                inc.path, inc.config.site_name
            );
            self.problem(
                inc.config.site_name_span.unwrap_or(span),
                Severity::Error,
                message,
                "each sub-project needs its own site_name; the second one is left out",
            );
            return None;
        }
        self.aliases.insert(alias.clone(), inc.path.clone());
        let project = self.merged.projects.len();
        let docs_dir = project_docs_dir(&inc.path, &inc.config);

        for f in &inc.files {
            let f = f.trim_start_matches("./");
            let merged = format!("{alias}/{f}");
            match self.merged.origins.insert(merged.clone(), Some(project)) {
                Some(previous) => {
                    let from = match previous {
                        None => "the root docs".to_string(),
                        Some(p) => format!("`{}`", self.merged.projects[p].config_path),
                    };
                    self.problems.push(DocsProblem {
                        span: inc.config.site_name_span.unwrap_or(span),
                        path: Some(merged.clone()),
                        severity: Severity::Warning,
                        kind: DocsProblemKind::NavInclude,
                        message: format!(
                            "`{merged}` of `{}` replaces the file of {from} at the same path",
                            inc.path
                        ),
                        help: "the monorepo plugin copies sub-projects over the root docs; \
                               rename one of the two"
                            .to_string(),
                    });
                }
                None => self.merged.files.push(merged),
            }
        }

        let nav = match &inc.config.nav {
            Some(items) => self.prefix_nav(items, &alias, &inc.path),
            None => nav_from_dir(&inc.files, &alias, span),
        };
        self.merged.projects.push(Project {
            alias,
            config_path: inc.path.clone(),
            docs_dir,
            config: inc.config.clone(),
        });
        Some(NavItem {
            title,
            value: NavValue::Section(nav),
            span,
        })
    }

    /// The plugin's `_prependAliasToNavLinks`: every path that is not a
    /// URL gets `alias/` in front; includes inside are errors.
    fn prefix_nav(&mut self, items: &[NavItem], alias: &str, path: &str) -> Vec<NavItem> {
        let mut out = Vec::new();
        for item in items {
            match &item.value {
                NavValue::Section(children) => out.push(NavItem {
                    value: NavValue::Section(self.prefix_nav(children, alias, path)),
                    ..item.clone()
                }),
                NavValue::Path(p) if p.starts_with(INCLUDE) || p.starts_with(WILDCARD_INCLUDE) => {
                    self.problem(
                        item.span,
                        Severity::Error,
                        format!("`{path}` includes another project, which the monorepo plugin does not support"),
                        "list every sub-project in the root mkdocs.yml; this entry is left out",
                    );
                }
                NavValue::Path(p) => {
                    let value = if has_scheme_or_netloc(p) {
                        p.clone()
                    } else {
                        format!("{alias}/{p}")
                    };
                    out.push(NavItem {
                        value: NavValue::Path(value),
                        ..item.clone()
                    });
                }
            }
        }
        out
    }
}

/// The monorepo plugin's nav for a sub-project without `nav`: per folder,
/// sub-folders first (sorted, titled from their names, empty ones
/// dropped), then the `.md` files sorted by name, untitled.
fn nav_from_dir(files: &[String], alias: &str, span: Span) -> Vec<NavItem> {
    #[derive(Default)]
    struct Dir {
        dirs: BTreeMap<String, Dir>,
        files: Vec<String>,
    }
    fn to_items(dir: &Dir, prefix: &str, alias: &str, span: Span) -> Vec<NavItem> {
        let mut out = Vec::new();
        for (name, sub) in &dir.dirs {
            let children = to_items(sub, &format!("{prefix}{name}/"), alias, span);
            if !children.is_empty() {
                out.push(NavItem {
                    title: Some(dirname_to_title(name)),
                    value: NavValue::Section(children),
                    span,
                });
            }
        }
        let mut files = dir.files.clone();
        files.sort();
        for f in files {
            out.push(NavItem {
                title: None,
                value: NavValue::Path(format!("{alias}/{prefix}{f}")),
                span,
            });
        }
        out
    }
    let mut root = Dir::default();
    for f in files {
        let f = f.trim_start_matches("./");
        let parts: Vec<&str> = f.split('/').collect();
        let (name, dirs) = parts.split_last().expect("split gives one part");
        // `.`-files are excluded from the site anyway.
        if !name.ends_with(".md") || parts.iter().any(|p| p.starts_with('.')) {
            continue;
        }
        let mut dir = &mut root;
        for d in dirs {
            dir = dir.dirs.entry(d.to_string()).or_default();
        }
        dir.files.push(name.to_string());
    }
    to_items(&root, "", alias, span)
}

/// The mount folder of a sub-project (`getAlias`): its `site_name` when it
/// only has `[A-Za-z0-9_.-/]`, else python-slugify's slug of it. `None`
/// when the result would leave the site or be empty.
fn alias(site_name: &str) -> Option<String> {
    let plain = !site_name.is_empty()
        && site_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c));
    let alias = if plain {
        site_name.to_string()
    } else {
        slugify(site_name)
    };
    if alias.is_empty()
        || alias.starts_with('/')
        || alias
            .split('/')
            .any(|p| p == ".." || p == "." || p.is_empty())
    {
        return None;
    }
    Some(alias)
}

/// python-slugify's defaults: transliterate to ASCII (here: drop accents),
/// lower-case, remove apostrophes, every other run of characters outside
/// `[a-z0-9]` becomes one `-`, no `-` at either end.
fn slugify(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let ascii: String = text
        .nfkd()
        .filter(|c| c.is_ascii())
        .collect::<String>()
        .to_lowercase()
        .replace('\'', "");
    let mut out = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

// ---------------------------------------------------------------------------
// Explicit nav

struct Explicit<'a> {
    by_src: HashMap<String, usize>,
    assets: HashMap<String, String>,
    pages: &'a mut Vec<Page>,
    problems: &'a mut Vec<DocsProblem>,
}

impl Explicit<'_> {
    fn items(&mut self, items: &[NavItem]) -> Vec<NavNode> {
        items.iter().filter_map(|item| self.item(item)).collect()
    }

    fn item(&mut self, item: &NavItem) -> Option<NavNode> {
        let path = match &item.value {
            NavValue::Section(children) => {
                return Some(NavNode::Section {
                    title: item.title.clone().unwrap_or_default(),
                    children: self.items(children),
                });
            }
            NavValue::Path(p) => p,
        };
        if path.starts_with(INCLUDE) || path.starts_with(WILDCARD_INCLUDE) {
            self.problems.push(DocsProblem {
                span: item.span,
                path: None,
                severity: Severity::Error,
                kind: DocsProblemKind::NavInclude,
                message: format!("`{path}` was not resolved"),
                help: "include statements are resolved by the monorepo merge before the nav \
                       is built; the entry is left out"
                    .to_string(),
            });
            return None;
        }
        let lookup = lookup_path(path);
        if let Some(&i) = self.by_src.get(&lookup) {
            // MkDocs makes one page object per file: a second nav entry for
            // the same file shows the first entry's title.
            let page = &mut self.pages[i];
            if !page.in_nav {
                page.nav_title = item.title.clone();
                page.in_nav = true;
            }
            return Some(NavNode::Page {
                page: i,
                title: page.nav_title.clone(),
            });
        }
        let title = item.title.clone().unwrap_or_else(|| path.clone());
        if let Some(url) = self.assets.get(&lookup) {
            return Some(NavNode::Link {
                title,
                url: url.clone(),
                site_relative: true,
            });
        }
        let absolute = has_scheme_or_netloc(path) || path.starts_with('/');
        if !absolute {
            let what = if is_page(&lookup) {
                "is not among the docs files"
            } else {
                "is not a docs file"
            };
            self.problems.push(DocsProblem {
                span: item.span,
                path: None,
                severity: Severity::Warning,
                kind: DocsProblemKind::NavMissingPage,
                message: format!("the nav entry `{path}` {what}"),
                help: "nav paths are relative to docs_dir; MkDocs keeps the entry as a link \
                       that leads nowhere. Fix the path or remove the entry"
                    .to_string(),
            });
        }
        Some(NavNode::Link {
            title,
            url: path.clone(),
            site_relative: !absolute,
        })
    }
}

/// A nav path as MkDocs looks it up (`PurePath(path).as_posix()`): `.`
/// segments, repeated and trailing `/` removed; `..` kept.
fn lookup_path(path: &str) -> String {
    let absolute = path.starts_with('/');
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

// ---------------------------------------------------------------------------
// Inferred nav

/// MkDocs' nav without `nav` (§2.1): the pages in file order, nested by
/// folder; a folder's section is titled from its name, and folders whose
/// titles coincide share one section (`nest_paths`). Pages matching
/// `not_in_nav` are left out.
fn infer_nav(config: &MkDocsConfig, pages: &[Page]) -> Vec<NavNode> {
    let not_in_nav = matcher(config.not_in_nav.iter().map(String::as_str));
    let mut order: Vec<usize> = (0..pages.len())
        .filter(|&i| !is_ignored(&not_in_nav, &pages[i].src))
        .collect();
    order.sort_by(|&a, &b| file_sort_key(&pages[a].src).cmp(&file_sort_key(&pages[b].src)));
    let mut nav: Vec<NavNode> = Vec::new();
    for i in order {
        let src = &pages[i].src;
        let dirs: Vec<&str> = match src.rsplit_once('/') {
            Some((dir, _)) => dir.split('/').collect(),
            None => Vec::new(),
        };
        let mut branch = &mut nav;
        for d in dirs {
            let title = dirname_to_title(d);
            let pos = branch
                .iter()
                .position(|n| matches!(n, NavNode::Section { title: t, .. } if *t == title));
            let pos = match pos {
                Some(p) => p,
                None => {
                    branch.push(NavNode::Section {
                        title,
                        children: Vec::new(),
                    });
                    branch.len() - 1
                }
            };
            branch = match &mut branch[pos] {
                NavNode::Section { children, .. } => children,
                _ => unreachable!("position() found a section"),
            };
        }
        branch.push(NavNode::Page {
            page: i,
            title: None,
        });
    }
    nav
}

// ---------------------------------------------------------------------------
// Helpers

fn is_page(path: &str) -> bool {
    PAGE_EXTENSIONS.iter().any(|ext| path.ends_with(ext))
}

/// Python's `os.path.splitext` on a file name: the last `.` that is not
/// leading.
fn split_ext(name: &str) -> (&str, &str) {
    let leading = name.len() - name.trim_start_matches('.').len();
    match name[leading..].rfind('.') {
        Some(i) => name.split_at(leading + i),
        None => (name, ""),
    }
}

/// MkDocs' `File` naming (§2.2): output file and percent-encoded URL of a
/// page. `README` counts as `index`.
fn page_paths(src: &str, use_directory_urls: bool) -> (String, String) {
    let (parent, filename) = src.rsplit_once('/').unwrap_or(("", src));
    let stem = split_ext(filename).0;
    let name = if stem == "README" { "index" } else { stem };
    let join = |parts: &[&str]| {
        parts
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("/")
    };
    let output = if !use_directory_urls || name == "index" {
        join(&[parent, &format!("{name}.html")])
    } else {
        join(&[parent, name, "index.html"])
    };
    let url = match output.rsplit_once('/') {
        _ if !use_directory_urls => output.clone(),
        Some((dir, "index.html")) => format!("{dir}/"),
        None if output == "index.html" => String::new(),
        _ => output.clone(),
    };
    (output, percent_encode(&url, "/"))
}

/// MkDocs' file order (`file_sort_key`): by folder (component-wise, so a
/// folder's files come before its sub-folders'), then `index`/`README`
/// first, then by file name (byte order, extension included).
fn file_sort_key(path: &str) -> (Vec<&str>, bool, &str) {
    let mut parts: Vec<&str> = path.split('/').collect();
    let name = parts.pop().unwrap_or_default();
    let stem = split_ext(name).0;
    (parts, !(stem == "index" || stem == "README"), name)
}

/// MkDocs' `dirname_to_title`: `-`/`_` → space, capitalised if the result
/// is all lower-case.
fn dirname_to_title(name: &str) -> String {
    let title = name.replace(['-', '_'], " ");
    if title.to_lowercase() == title {
        let mut chars = title.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => title,
        }
    } else {
        title
    }
}

/// A gitignore matcher over paths relative to the docs folder (MkDocs
/// uses gitignore semantics for `exclude_docs` and `not_in_nav`). Lines
/// that do not parse are skipped.
fn matcher<'a>(lines: impl IntoIterator<Item = &'a str>) -> Gitignore {
    let mut builder = GitignoreBuilder::new(".");
    for line in lines {
        let _ = builder.add_line(None, line);
    }
    builder.build().unwrap_or_else(|_| Gitignore::empty())
}

fn is_ignored(matcher: &Gitignore, path: &str) -> bool {
    !path.starts_with('/') && matcher.matched_path_or_any_parents(path, false).is_ignore()
}

/// `urlsplit(url).scheme or .netloc`.
fn has_scheme_or_netloc(url: &str) -> bool {
    if url.starts_with("//") {
        return true;
    }
    match url.split_once(':') {
        Some((scheme, _)) => {
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

fn is_http(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Python's `urllib.parse.urljoin` for the cases edit links meet: `rel`
/// absolute, network-path (`//host`), absolute-path, query, fragment or
/// relative-path, with `.`/`..` segments resolved.
fn url_join(base: &str, rel: &str) -> String {
    if base.is_empty() {
        return rel.to_string();
    }
    if rel.is_empty() {
        return base.to_string();
    }
    if has_scheme_or_netloc(rel) && !rel.starts_with("//") {
        return rel.to_string();
    }
    let Some((scheme, rest)) = base.split_once("://") else {
        return rel.to_string();
    };
    if let Some(net) = rel.strip_prefix("//") {
        return format!("{scheme}://{net}");
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let (base_path, base_query_fragment) = tail.split_at(path_end);
    let base_query = base_query_fragment.split('#').next().unwrap_or_default();
    let prefix = format!("{scheme}://{authority}");
    if rel.starts_with('#') {
        return format!("{prefix}{base_path}{base_query}{rel}");
    }
    if rel.starts_with('?') {
        return format!("{prefix}{base_path}{rel}");
    }
    let rel_path_end = rel.find(['?', '#']).unwrap_or(rel.len());
    let (rel_path, rel_rest) = rel.split_at(rel_path_end);
    let merged = if rel_path.starts_with('/') {
        rel_path.to_string()
    } else {
        let dir = match base_path.rfind('/') {
            Some(i) => &base_path[..=i],
            None => "/",
        };
        format!("{dir}{rel_path}")
    };
    format!("{prefix}{}{rel_rest}", remove_dot_segments(&merged))
}

/// RFC 3986 §5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len() - 1;
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::docs::mkdocs::parse;
    use crate::source::FileId;

    const F: FileId = FileId(0);

    fn config(yaml: &str) -> MkDocsConfig {
        let (config, problems) = parse(&format!("site_name: Test\n{yaml}\n"), F);
        assert_eq!(problems, [], "{yaml}");
        config
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// The nav as lines: `[S] Section`, `title -> url` (pages show their
    /// nav title or `src`), indented two spaces per level.
    fn outline(nav: &[NavNode], layout: &Layout, title: &dyn Fn(&Page) -> String) -> Vec<String> {
        fn walk(
            nodes: &[NavNode],
            depth: usize,
            layout: &Layout,
            title: &dyn Fn(&Page) -> String,
            out: &mut Vec<String>,
        ) {
            let indent = "  ".repeat(depth);
            for node in nodes {
                match node {
                    NavNode::Section { title: t, children } => {
                        out.push(format!("{indent}[S] {t}"));
                        walk(children, depth + 1, layout, title, out);
                    }
                    NavNode::Page { page, .. } => {
                        let page = &layout.pages[*page];
                        let url = if page.url.is_empty() { "." } else { &page.url };
                        out.push(format!("{indent}{} -> {url}", title(page)));
                    }
                    NavNode::Link { title, url, .. } => {
                        out.push(format!("{indent}{title} -> {url}"))
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(nav, 0, layout, title, &mut out);
        out
    }

    fn src_title(page: &Page) -> String {
        page.nav_title.clone().unwrap_or_else(|| page.src.clone())
    }

    // spec §2.2: the URL table, with and without directory URLs.
    #[test]
    fn url_layout() {
        let cases = [
            ("index.md", "index.html", "", "index.html", "index.html"),
            ("foo.md", "foo/index.html", "foo/", "foo.html", "foo.html"),
            ("a/b.md", "a/b/index.html", "a/b/", "a/b.html", "a/b.html"),
            (
                "a/README.md",
                "a/index.html",
                "a/",
                "a/index.html",
                "a/index.html",
            ),
            (
                "a/spaces in name.md",
                "a/spaces in name/index.html",
                "a/spaces%20in%20name/",
                "a/spaces in name.html",
                "a/spaces%20in%20name.html",
            ),
            (
                "b/index.markdown",
                "b/index.html",
                "b/",
                "b/index.html",
                "b/index.html",
            ),
            ("c.mkd", "c/index.html", "c/", "c.html", "c.html"),
            (
                "ü:x.md",
                "ü:x/index.html",
                "%C3%BC%3Ax/",
                "ü:x.html",
                "%C3%BC%3Ax.html",
            ),
            (
                "readme.md",
                "readme/index.html",
                "readme/",
                "readme.html",
                "readme.html",
            ),
        ];
        for (src, output, url, flat_output, flat_url) in cases {
            assert_eq!(page_paths(src, true), (output.into(), url.into()), "{src}");
            assert_eq!(
                page_paths(src, false),
                (flat_output.into(), flat_url.into()),
                "{src}"
            );
        }
        let (layout, problems) = layout(
            &config("use_directory_urls: false"),
            &strings(&["index.md", "img/x y.png", "guide/setup.md", "Index.MD"]),
        );
        assert_eq!(problems, []);
        let pages: Vec<(&str, &str)> = layout
            .pages
            .iter()
            .map(|p| (p.output.as_str(), p.url.as_str()))
            .collect();
        assert_eq!(
            pages,
            [
                ("index.html", "index.html"),
                ("guide/setup.html", "guide/setup.html")
            ]
        );
        let assets: Vec<(&str, &str)> = layout
            .assets
            .iter()
            .map(|a| (a.src.as_str(), a.url.as_str()))
            .collect();
        // Extensions are case-sensitive, as in MkDocs.
        assert_eq!(
            assets,
            [("Index.MD", "Index.MD"), ("img/x y.png", "img/x%20y.png")]
        );
    }

    // spec §2 (exclude_docs, not_in_nav): `.`-files and `/templates/` are
    // always excluded; patterns are gitignore-style.
    #[test]
    fn excluded_files() {
        let files = strings(&[
            "index.md",
            ".hidden.md",
            ".git/config",
            "a/.draft.md",
            "templates/page.html",
            "a/templates/kept.md",
            "hooks.py",
            "a/b/gen.py",
            "drafts/x.md",
            "notes/y.md",
        ]);
        let config = config("exclude_docs: |\n  *.py\n  /drafts/\nnot_in_nav: |\n  notes/");
        let (mut layout, problems) = layout(&config, &files);
        assert_eq!(problems, []);
        let pages: Vec<&str> = layout.pages.iter().map(|p| p.src.as_str()).collect();
        assert_eq!(pages, ["index.md", "a/templates/kept.md", "notes/y.md"]);
        assert!(layout.assets.is_empty());
        let (nav, _) = build_nav(&config, &mut layout);
        assert_eq!(
            outline(&nav, &layout, &src_title),
            [
                "index.md -> .",
                "[S] A",
                "  [S] Templates",
                "    a/templates/kept.md -> a/templates/kept/"
            ]
        );
        assert!(
            !layout.pages[2].in_nav,
            "not_in_nav pages are built, not listed"
        );
    }

    // spec §2.1: README.md is its folder's index; index.md wins, with a
    // warning.
    #[test]
    fn readme_shadowed_by_index() {
        let files = strings(&["a/README.md", "a/index.md", "README.md", "b/README.md"]);
        let (layout, problems) = layout(&config(""), &files);
        let pages: Vec<(&str, &str)> = layout
            .pages
            .iter()
            .map(|p| (p.src.as_str(), p.url.as_str()))
            .collect();
        assert_eq!(
            pages,
            [
                ("README.md", ""),
                ("a/index.md", "a/"),
                ("b/README.md", "b/")
            ]
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, DocsProblemKind::ReadmeShadowed);
        assert_eq!(problems[0].path.as_deref(), Some("a/README.md"));
        assert!(problems[0].message.contains("`a/index.md`"));

        // Without directory URLs an HTML asset can collide with a page too.
        let (layout, problems) = super::layout(
            &config("use_directory_urls: false"),
            &strings(&["x.html", "x.md"]),
        );
        assert_eq!(layout.pages.len(), 1);
        assert!(layout.assets.is_empty());
        assert_eq!(problems[0].path.as_deref(), Some("x.html"));
    }

    // spec §2.1 (observed in backstage-demo): inferred nav, a folder's own
    // files first, index first, then byte order with the extension.
    #[test]
    fn inferred_nav_backstage_demo() {
        let files = strings(&[
            "examples/plantuml.md",
            "examples/mermaid.md",
            "examples/mermaid-github.md",
            "examples/lists.md",
            "examples/iframe.md",
            "examples/files/sample1.py",
            "examples/download.md",
            "examples/code.md",
            "examples/basic.md",
            "images/opentelemetry-grafana.png",
            "index.md",
        ]);
        let config = config("plugins: [techdocs-core]");
        let (mut layout, problems) = layout(&config, &files);
        assert_eq!(problems, []);
        assert_eq!(layout.assets.len(), 2);
        let (nav, problems) = build_nav(&config, &mut layout);
        assert_eq!(problems, []);
        assert_eq!(
            outline(&nav, &layout, &src_title),
            [
                "index.md -> .",
                "[S] Examples",
                "  examples/basic.md -> examples/basic/",
                "  examples/code.md -> examples/code/",
                "  examples/download.md -> examples/download/",
                "  examples/iframe.md -> examples/iframe/",
                "  examples/lists.md -> examples/lists/",
                "  examples/mermaid-github.md -> examples/mermaid-github/",
                "  examples/mermaid.md -> examples/mermaid/",
                "  examples/plantuml.md -> examples/plantuml/",
            ]
        );
        assert!(layout.pages.iter().all(|p| p.in_nav));
    }

    // spec §2.1: the `features` files without their explicit nav.
    #[test]
    fn inferred_nav_features() {
        let files = strings(&[
            "assets/sample.txt",
            "blocks/admonitions.md",
            "blocks/code.md",
            "blocks/tabs.md",
            "css/extra.css",
            "diagrams.md",
            "images/pipeline.svg",
            "images/square.png",
            "index.md",
            "js/extra.js",
            "orphan.md",
            "reference/README.md",
            "reference/footnotes.md",
            "reference/hostile.md",
            "reference/links.md",
            "reference/snippets.md",
            "reference/spaces in name.md",
            "reference/untitled.md",
            "writing/formatting.md",
            "writing/lists.md",
            "writing/tables.md",
        ]);
        let config = config("");
        let (mut layout, _) = layout(&config, &files);
        let (nav, _) = build_nav(&config, &mut layout);
        assert_eq!(
            outline(&nav, &layout, &src_title),
            [
                "index.md -> .",
                "diagrams.md -> diagrams/",
                "orphan.md -> orphan/",
                "[S] Blocks",
                "  blocks/admonitions.md -> blocks/admonitions/",
                "  blocks/code.md -> blocks/code/",
                "  blocks/tabs.md -> blocks/tabs/",
                "[S] Reference",
                "  reference/README.md -> reference/",
                "  reference/footnotes.md -> reference/footnotes/",
                "  reference/hostile.md -> reference/hostile/",
                "  reference/links.md -> reference/links/",
                "  reference/snippets.md -> reference/snippets/",
                "  reference/spaces in name.md -> reference/spaces%20in%20name/",
                "  reference/untitled.md -> reference/untitled/",
                "[S] Writing",
                "  writing/formatting.md -> writing/formatting/",
                "  writing/lists.md -> writing/lists/",
                "  writing/tables.md -> writing/tables/",
            ]
        );
    }

    // spec §2.1: section titles from folder names; folders with the same
    // title share a section (MkDocs' nest_paths); deeper folders nest.
    #[test]
    fn inferred_sections() {
        let files = strings(&[
            "user-guide/a.md",
            "user_guide/b.md",
            "user-guide/deep/c.md",
            "API_v2/d.md",
            "Z.md",
            "a.md",
        ]);
        let config = config("");
        let (mut layout, _) = layout(&config, &files);
        let (nav, _) = build_nav(&config, &mut layout);
        assert_eq!(
            outline(&nav, &layout, &src_title),
            [
                "Z.md -> Z/",
                "a.md -> a/",
                "[S] API v2",
                "  API_v2/d.md -> API_v2/d/",
                "[S] User guide",
                "  user-guide/a.md -> user-guide/a/",
                "  [S] Deep",
                "    user-guide/deep/c.md -> user-guide/deep/c/",
                "  user_guide/b.md -> user_guide/b/",
            ]
        );
    }

    // spec §2.1: explicit nav with nested sections, links, assets, and a
    // missing page kept as a link with a warning at its line.
    #[test]
    fn explicit_nav() {
        let yaml = "nav:\n  - Home: index.md\n  - Guide:\n      - guide/start.md\n      \
                    - Deep:\n          - Again: guide/start.md\n          - ./guide/deep/x.md\n      \
                    - Missing: guide/missing.md\n  - Folder: guide/\n  - PDF: files/a.pdf\n  \
                    - Ext: https://example.com/x\n  - Abs: /docs/other\n";
        let config = config(yaml);
        let files = strings(&[
            "index.md",
            "guide/start.md",
            "guide/deep/x.md",
            "files/a.pdf",
            "orphan.md",
        ]);
        let (mut layout, problems) = layout(&config, &files);
        assert_eq!(problems, []);
        let (nav, problems) = build_nav(&config, &mut layout);
        assert_eq!(
            outline(&nav, &layout, &src_title),
            [
                "Home -> .",
                "[S] Guide",
                "  guide/start.md -> guide/start/",
                "  [S] Deep",
                "    guide/start.md -> guide/start/",
                "    guide/deep/x.md -> guide/deep/x/",
                "  Missing -> guide/missing.md",
                "Folder -> guide/",
                "PDF -> files/a.pdf",
                "Ext -> https://example.com/x",
                "Abs -> /docs/other",
            ]
        );
        let missing: Vec<(u32, &str)> = problems
            .iter()
            .map(|p| {
                assert_eq!(p.kind, DocsProblemKind::NavMissingPage);
                assert_eq!(p.severity, Severity::Warning);
                (p.span.start.line, p.message.as_str())
            })
            .collect();
        assert_eq!(
            missing,
            [
                (
                    9,
                    "the nav entry `guide/missing.md` is not among the docs files"
                ),
                (10, "the nav entry `guide/` is not a docs file"),
            ]
        );
        let NavNode::Link { site_relative, .. } = &nav[4] else {
            panic!()
        };
        assert!(!site_relative);
        // A page listed twice keeps its first entry's (absent) title and
        // appears once in the previous/next order.
        let order: Vec<&str> = flatten(&nav)
            .iter()
            .map(|&i| layout.pages[i].src.as_str())
            .collect();
        assert_eq!(order, ["index.md", "guide/start.md", "guide/deep/x.md"]);
        let orphan = layout.page("orphan.md").unwrap();
        assert!(!layout.pages[orphan].in_nav);
        assert_eq!(layout.pages[0].nav_title.as_deref(), Some("Home"));
    }

    // spec §2.1: the title fallback (observed: `untitled.md` → "Untitled").
    #[test]
    fn titles_from_file_names() {
        let cases = [
            ("untitled.md", "Untitled"),
            ("reference/untitled.md", "Untitled"),
            ("my-page_x.md", "My page x"),
            ("API-Guide.md", "API Guide"),
            ("reference/README.md", "Index"),
            ("spaces in name.md", "Spaces in name"),
            ("v1.2-notes.md", "V1.2 notes"),
            ("ünïcode.md", "Ünïcode"),
        ];
        for (src, title) in cases {
            assert_eq!(title_from_filename(src), title, "{src}");
        }
    }

    // spec §2.3: edit URLs.
    #[test]
    fn edit_urls() {
        let cases = [
            (
                "repo_url: https://github.com/o/r",
                "a/b.md",
                Some("https://github.com/o/r/edit/master/docs/a/b.md"),
            ),
            (
                "repo_url: https://github.com/o/r/",
                "a/b.md",
                Some("https://github.com/o/r/edit/master/docs/a/b.md"),
            ),
            (
                "repo_url: https://github.com/example-org/feature-tour\nedit_uri: edit/main/docs/",
                "reference/spaces in name.md",
                Some(
                    "https://github.com/example-org/feature-tour/edit/main/docs/reference/spaces in name.md",
                ),
            ),
            (
                "repo_url: https://github.com/backstage/mkdocs-techdocs-core\nedit_uri: edit/main/test-fixtures/docs",
                "index.md",
                Some(
                    "https://github.com/backstage/mkdocs-techdocs-core/edit/main/test-fixtures/docs/index.md",
                ),
            ),
            (
                "repo_url: https://bitbucket.org/o/r",
                "x.md",
                Some("https://bitbucket.org/o/r/src/default/docs/x.md"),
            ),
            ("repo_url: https://git.example.com/o/r", "x.md", None),
            (
                "repo_url: https://git.example.com/o/r\nedit_uri: -/edit/main/docs",
                "x.md",
                Some("https://git.example.com/o/r/-/edit/main/docs/x.md"),
            ),
            // A leading `/` replaces the repository path; a full URL replaces all.
            (
                "repo_url: https://github.com/o/r\nedit_uri: /other/edit/docs/",
                "x.md",
                Some("https://github.com/other/edit/docs/x.md"),
            ),
            (
                "repo_url: https://github.com/o/r\nedit_uri: https://edit.example.com/d/",
                "x.md",
                Some("https://edit.example.com/d/x.md"),
            ),
            (
                "edit_uri: https://edit.example.com/d/",
                "x.md",
                Some("https://edit.example.com/d/x.md"),
            ),
            (
                "repo_url: https://github.com/o/r\nedit_uri: ../../x/docs/",
                "a.md",
                Some("https://github.com/x/docs/a.md"),
            ),
            (
                "repo_url: https://github.com/o/r\nedit_uri: '?path=/docs/'",
                "a.md",
                Some("https://github.com/o/r?path=/docs/a.md"),
            ),
            (
                "repo_url: https://github.com/o/r\nedit_uri: ''",
                "a.md",
                None,
            ),
            (
                "repo_url: https://github.com/o/r\nedit_uri_template: 'blob/main/docs/{path_noext}.md?plain=1'",
                "a/b.markdown",
                Some("https://github.com/o/r/blob/main/docs/a/b.md?plain=1"),
            ),
            (
                "repo_url: https://dev.azure.com/o/p/_git/r\nedit_uri_template: '?path=/docs/{path}&version=GBmain'",
                "a b.md",
                Some("https://dev.azure.com/o/p/_git/r?path=/docs/a b.md&version=GBmain"),
            ),
            ("edit_uri: edit/docs/", "x.md", None),
            ("edit_uri: 'javascript:alert(1)//'", "x.md", None),
        ];
        for (yaml, src, expect) in cases {
            assert_eq!(edit_url(&config(yaml), src).as_deref(), expect, "{yaml}");
        }
    }

    #[test]
    fn url_join_like_python() {
        let base = "http://a/b/c/d;p?q";
        // RFC 3986 §5.4 examples that urljoin gets right.
        let cases = [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("https://x/y", "https://x/y"),
        ];
        for (rel, expect) in cases {
            assert_eq!(url_join(base, rel), expect, "{rel}");
        }
    }

    // spec §3.22: aliases are the site_name, or its slug.
    #[test]
    fn monorepo_aliases() {
        let cases = [
            ("Component A", Some("component-a")),
            ("versions/v1", Some("versions/v1")),
            ("MyProject", Some("MyProject")),
            ("Café's API", Some("cafes-api")),
            ("../escape", None),
            ("/abs", None),
            ("!!!", None),
        ];
        for (name, expect) in cases {
            assert_eq!(alias(name).as_deref(), expect, "{name}");
        }
    }

    fn fixture(corpus: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/techdocs")
            .join(corpus)
    }

    /// Every file below `dir`, relative, `/`-separated.
    fn walk(dir: &Path) -> Vec<String> {
        fn go(dir: &Path, prefix: &str, out: &mut Vec<String>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap())
                .collect();
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let name = entry.file_name().to_string_lossy().into_owned();
                let rel = format!("{prefix}{name}");
                if entry.file_type().unwrap().is_dir() {
                    go(&entry.path(), &format!("{rel}/"), out);
                } else {
                    out.push(rel);
                }
            }
        }
        let mut out = Vec::new();
        go(dir, "", &mut out);
        out
    }

    /// A page's title as MkDocs resolves it (§2.1), with a simple reading
    /// of front matter and the first `# ` heading, enough for the corpora.
    fn resolved_title(page: &Page, text: &str) -> String {
        if let Some(title) = &page.nav_title {
            return title.clone();
        }
        if let Some(rest) = text.strip_prefix("---\n")
            && let Some(end) = rest.find("\n---")
        {
            for line in rest[..end].lines() {
                if let Some(t) = line.strip_prefix("title:") {
                    return t.trim().trim_matches('"').to_string();
                }
            }
        }
        let mut in_fence = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
            } else if !in_fence && let Some(h) = line.strip_prefix("# ") {
                return h.trim().to_string();
            }
        }
        if page.url.is_empty() {
            return "Home".to_string();
        }
        title_from_filename(&page.src)
    }

    /// The primary navigation of a reference page, as `outline` lines.
    fn reference_nav(corpus: &str) -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/techdocs-reference")
            .join(corpus)
            .join("index.html");
        let html = std::fs::read_to_string(path).unwrap();
        fn nav_end(html: &str, start: usize) -> usize {
            let mut depth = 0;
            let mut pos = start;
            loop {
                let open = html[pos..].find("<nav").map(|i| i + pos);
                let close = html[pos..].find("</nav>").map(|i| i + pos).unwrap();
                match open {
                    Some(o) if o < close => {
                        depth += 1;
                        pos = o + 4;
                    }
                    _ => {
                        depth -= 1;
                        pos = close + 6;
                        if depth == 0 {
                            return pos;
                        }
                    }
                }
            }
        }
        fn text(html: &str) -> String {
            let mut out = String::new();
            let mut in_tag = false;
            for c in html.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => out.push(c),
                    _ => {}
                }
            }
            out.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace("&amp;", "&")
        }
        let primary = html.find("md-nav--primary").unwrap();
        let start = html[..primary].rfind("<nav").unwrap();
        let mut nav = html[start..nav_end(&html, start)].to_string();
        while let Some(i) = nav.find("md-nav--secondary") {
            let s = nav[..i].rfind("<nav").unwrap();
            let e = nav_end(&nav, s);
            nav.replace_range(s..e, "");
        }
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut pos = 0;
        let tokens = [
            "<nav",
            "</nav>",
            "<label class=\"md-nav__link",
            "<a href=\"",
        ];
        while let Some((i, token)) = tokens
            .iter()
            .filter_map(|t| nav[pos..].find(t).map(|i| (i + pos, *t)))
            .min()
        {
            let tag_end = i + nav[i..].find('>').unwrap();
            let indent = "  ".repeat(depth.saturating_sub(1));
            match token {
                "<nav" => depth += 1,
                "</nav>" => depth -= 1,
                "<a href=\"" if nav[i..tag_end].contains("md-nav__link") => {
                    let href = nav[i + 9..].split('"').next().unwrap();
                    let close = tag_end + nav[tag_end..].find("</a>").unwrap();
                    out.push(format!(
                        "{indent}{} -> {href}",
                        text(&nav[tag_end + 1..close])
                    ));
                }
                "<label class=\"md-nav__link" if !nav[i..tag_end].contains("for=\"__toc\"") => {
                    let close = tag_end + nav[tag_end..].find("</label>").unwrap();
                    out.push(format!("{indent}[S] {}", text(&nav[tag_end + 1..close])));
                }
                _ => {}
            }
            pos = tag_end + 1;
        }
        out
    }

    /// Builds the nav of a corpus as Backlot would and renders it as the
    /// reference's root page shows it.
    fn corpus_nav(corpus: &str, config_name: &str) -> (Vec<String>, Vec<DocsProblem>) {
        let root = fixture(corpus);
        let text = std::fs::read_to_string(root.join(config_name)).unwrap();
        let (config, mut problems) = parse(&text, F);
        let docs = root.join(&config.docs_dir);
        let (mut layout, p) = layout(&config, &walk(&docs));
        problems.extend(p);
        let (nav, p) = build_nav(&config, &mut layout);
        problems.extend(p);
        let title = |page: &Page| {
            resolved_title(
                page,
                &std::fs::read_to_string(docs.join(&page.src)).unwrap(),
            )
        };
        (outline(&nav, &layout, &title), problems)
    }

    // spec §2.1, §2.2: each corpus's nav equals the reference rendering's
    // (`md-nav--primary` of its index.html: titles, URLs, nesting).
    #[test]
    fn navs_match_the_reference_renderings() {
        let corpora = [
            ("backstage-demo", "mkdocs.yml"),
            ("features", "mkdocs.yml"),
            ("mkdocs-user-guide", "mkdocs.techdocs.yml"),
            ("techdocs-core-fixture", "mkdocs.yml"),
        ];
        for (corpus, config_name) in corpora {
            let (ours, problems) = corpus_nav(corpus, config_name);
            assert_eq!(ours, reference_nav(corpus), "{corpus}");
            // The build logs have no nav warnings for these corpora; the
            // only config problem is features' extra_javascript.
            let kinds: Vec<DocsProblemKind> = problems.iter().map(|p| p.kind).collect();
            let expect: &[DocsProblemKind] = if corpus == "features" {
                &[DocsProblemKind::DroppedByBackstage]
            } else {
                &[]
            };
            assert_eq!(kinds, expect, "{corpus}");
        }
    }

    // The material-reference corpus keeps only docs/reference: its nav is
    // one section of 16 pages (the reference renders it with Material's
    // `navigation.indexes`, so its HTML is not compared line by line).
    #[test]
    fn material_reference_nav() {
        let root = fixture("material-reference");
        let (config, _) = parse(
            &std::fs::read_to_string(root.join("mkdocs.techdocs.yml")).unwrap(),
            F,
        );
        let (mut layout, _) = layout(&config, &walk(&root.join("docs")));
        let (nav, problems) = build_nav(&config, &mut layout);
        assert_eq!(problems, []);
        let [NavNode::Section { title, children }] = nav.as_slice() else {
            panic!("{nav:?}")
        };
        assert_eq!(title, "Reference");
        assert_eq!(children.len(), 16);
        assert_eq!(flatten(&nav).len(), 16);
        assert!(matches!(children[0], NavNode::Page { title: None, .. }));
    }

    /// The monorepo sample merged as the docs stage would: read the
    /// included configs, list their docs folders, merge.
    fn monorepo() -> (MkDocsConfig, Merged, Layout, Vec<NavNode>, Vec<DocsProblem>) {
        let root = fixture("monorepo-sample");
        let (mut config, mut problems) = parse(
            &std::fs::read_to_string(root.join("mkdocs.techdocs.yml")).unwrap(),
            F,
        );
        let (incs, p) = includes(&config);
        problems.extend(p);
        let all_files = walk(&root);
        let mut included = Vec::new();
        for (n, include) in incs.iter().enumerate() {
            for path in all_files.iter().filter(|f| include.matches(f)) {
                let (sub, p) = parse(
                    &std::fs::read_to_string(root.join(path)).unwrap(),
                    FileId(n as u32 + 1),
                );
                problems.extend(p);
                let docs = root.join(project_docs_dir(path, &sub));
                included.push(Included {
                    include: include.clone(),
                    path: path.clone(),
                    files: walk(&docs),
                    config: sub,
                });
            }
        }
        let (merged, p) = merge_included(&mut config, &walk(&root.join("docs")), included);
        problems.extend(p);
        let (mut layout, p) = layout(&config, &merged.files);
        problems.extend(p);
        let (nav, p) = build_nav(&config, &mut layout);
        problems.extend(p);
        (config, merged, layout, nav, problems)
    }

    // spec §3.22: the monorepo sample equals the reference rendering.
    #[test]
    fn monorepo_merge_matches_the_reference() {
        let (config, merged, layout, nav, problems) = monorepo();
        assert_eq!(problems, []);
        let root = fixture("monorepo-sample");
        let aliases: Vec<(&str, &str)> = merged
            .projects
            .iter()
            .map(|p| (p.alias.as_str(), p.docs_dir.as_str()))
            .collect();
        assert_eq!(
            aliases,
            [
                ("component-a", "components/a/docs"),
                ("component-b", "components/b/docs"),
                ("component-c", "components/c/docs"),
                ("versions/v1", "v1/docs"),
                ("versions/v2", "v2/docs"),
                ("versions/v3", "v3/docs"),
            ]
        );
        let title = |page: &Page| {
            let (project, path) = merged.origin(&page.src).unwrap();
            let dir = match project {
                None => root.join(&config.docs_dir),
                Some(i) => root.join(&merged.projects[i].docs_dir),
            };
            resolved_title(page, &std::fs::read_to_string(dir.join(path)).unwrap())
        };
        assert_eq!(
            outline(&nav, &layout, &title),
            reference_nav("monorepo-sample")
        );
        assert_eq!(layout.pages.len(), 13, "the reference has 13 pages");
        assert!(layout.pages.iter().all(|p| p.in_nav));
        assert_eq!(
            merged.origin("versions/v2/migrating.md"),
            Some((Some(4), "migrating.md".to_string()))
        );
        assert_eq!(
            merged.origin("index.md"),
            Some((None, "index.md".to_string()))
        );
    }

    // spec §3.22: edit URLs point into the sub-project's folder.
    #[test]
    fn monorepo_edit_urls() {
        let (mut config, merged, ..) = monorepo();
        assert_eq!(
            merged.edit_url(&config, "versions/v1/reference.md"),
            None,
            "no repo_url"
        );
        config.repo_url = Some("https://github.com/o/r".to_string());
        config.edit_uri = Some("edit/main/docs/".to_string());
        assert_eq!(
            merged
                .edit_url(&config, "versions/v1/reference.md")
                .as_deref(),
            Some("https://github.com/o/r/edit/main/v1/docs/reference.md")
        );
        assert_eq!(
            merged.edit_url(&config, "component-a/README.md").as_deref(),
            Some("https://github.com/o/r/edit/main/components/a/docs/README.md")
        );
        assert_eq!(
            merged.edit_url(&config, "authentication.md").as_deref(),
            Some("https://github.com/o/r/edit/main/docs/authentication.md")
        );
    }

    fn included(include: &Include, path: &str, yaml: &str, files: &[&str], file: u32) -> Included {
        let (config, _) = parse(yaml, FileId(file));
        Included {
            include: include.clone(),
            path: path.to_string(),
            config,
            files: strings(files),
        }
    }

    // spec §3.22: the errors the monorepo plugin reports.
    #[test]
    fn monorepo_errors() {
        let mut root = config(
            "nav:\n  - Home: index.md\n  - A: '!include a/mkdocs.yml'\n  - B: '!include b/mkdocs.yml'\n  \
             - C: '!include c/mkdocs.yml'\n  - D: '!include d/mkdocs.yml'\n  - E: '!include ../e/mkdocs.yml'\n  \
             - F: '!include f/docs'\n  - G: '*include g/*/mkdocs.yml'\n",
        );
        let (incs, problems) = includes(&root);
        let bad: Vec<(u32, &str)> = problems
            .iter()
            .map(|p| (p.span.start.line, p.message.as_str()))
            .collect();
        assert_eq!(
            bad,
            [
                (8, "the include `../e/mkdocs.yml` is outside the docs root"),
                (9, "the include `f/docs` does not name a .yml or .yaml file"),
            ]
        );
        assert_eq!(incs.len(), 5);
        assert_eq!(incs[0].pattern, "a/mkdocs.yml");
        assert!(incs[0].matches("./a/mkdocs.yml"));
        assert!(incs[4].matches("g/x/mkdocs.yml"));
        assert!(!incs[4].matches("g/x/y/mkdocs.yml"));
        assert_eq!(incs[4].depth(), Some(3));

        let answers = vec![
            // A: fine, but its nav includes another project.
            included(
                &incs[0],
                "a/mkdocs.yml",
                "site_name: Same\nnav:\n  - a.md\n  - X: '!include ../x/mkdocs.yml'\n",
                &["a.md"],
                1,
            ),
            // B: same site_name as A.
            included(&incs[1], "b/mkdocs.yml", "site_name: Same\n", &["b.md"], 2),
            // C: no site_name.
            included(&incs[2], "c/mkdocs.yml", "nav: [c.md]\n", &["c.md"], 3),
            // D: not answered (the file does not exist); G matches nothing.
        ];
        let (merged, problems) = merge_included(&mut root, &strings(&["index.md"]), answers);
        let found: Vec<(u32, u32, Severity)> = problems
            .iter()
            .map(|p| {
                assert_eq!(p.kind, DocsProblemKind::NavInclude);
                (p.span.file.0, p.span.start.line, p.severity)
            })
            .collect();
        assert_eq!(
            found,
            [
                (1, 4, Severity::Error),    // nested include, in a/mkdocs.yml
                (2, 1, Severity::Error),    // duplicate site_name, in b/mkdocs.yml
                (0, 6, Severity::Error),    // no site_name, at the statement
                (0, 7, Severity::Error),    // not found
                (0, 10, Severity::Warning), // glob without match
            ]
        );
        assert_eq!(merged.files, ["index.md", "Same/a.md"]);
        let mut flat = Vec::new();
        fn lines(items: &[NavItem], out: &mut Vec<String>) {
            for item in items {
                match &item.value {
                    NavValue::Path(p) => out.push(p.clone()),
                    NavValue::Section(c) => {
                        out.push(format!("[{}]", item.title.clone().unwrap_or_default()));
                        lines(c, out);
                    }
                }
            }
        }
        lines(root.nav.as_ref().unwrap(), &mut flat);
        assert_eq!(flat, ["index.md", "[A]", "Same/a.md"]);
    }

    // spec §3.22: a sub-project without nav gets the plugin's nav of its
    // folder: sub-folders first, then `.md` files by name, untitled.
    #[test]
    fn monorepo_nav_from_folder() {
        let nav = nav_from_dir(
            &strings(&[
                "index.md",
                "about.md",
                "guide/b.md",
                "guide/a.md",
                "img/x.png",
                "empty/x.txt",
                ".hidden.md",
            ]),
            "p",
            Span::file_start(F),
        );
        let got: Vec<String> = nav
            .iter()
            .map(|i| match &i.value {
                NavValue::Path(p) => p.clone(),
                NavValue::Section(c) => format!("[{}: {}]", i.title.clone().unwrap(), c.len()),
            })
            .collect();
        assert_eq!(got, ["[Guide: 2]", "p/about.md", "p/index.md"]);
    }
}
