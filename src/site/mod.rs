//! The site model: which pages and data files the portal has, and the view
//! of each page. Pure: no IO, no templates (that is `render`).
//!
//! Steps, driven by `render::render_site`:
//!
//! 1. [`Site::new`] indexes what many pages need: kinds and their entities,
//!    the build's diagnostics in health-page order and by entity;
//! 2. [`Site::pages`] lists every HTML page ([`PageSpec`]: output path,
//!    template, what it shows). It is cheap: views are built later, one page
//!    at a time, in parallel, so 20,000 entity views never sit in memory;
//! 3. [`Site::view`] builds the view structs of one page ([`views`]);
//! 4. [`Site::data_files`] builds the JSON API, the catalog index data and
//!    the sitemap.
//!
//! Output paths and links come from [`urls`] only.

mod api;
mod apiref;
mod date;
mod docs;
mod entity;
mod lists;
mod org;
pub mod search;
pub mod tracked;
pub mod urls;
pub mod views;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::apidocs::ApiDocs;
use crate::catalog::{Catalog, EntityId};
use crate::config::Config;
use crate::diag::emit::{self, Resolved};
use crate::diag::{Diagnostics, Severity};
use crate::docs::build::DocSite;
use crate::model::{EntityRef, Kind};
use crate::source::{FileId, SourceDb};
use views::{EntityLink, HealthCounts, Nav, SiteView};

/// Rows per page of the JavaScript catalog table.
pub const INDEX_PAGE_SIZE: usize = 50;
/// Owned entities listed per kind on a Group or User page; the root group
/// of a 20,000-entity org would otherwise be a page of megabytes. Everything
/// stays reachable through the child groups' pages.
pub const OWNED_PER_KIND: usize = 100;

/// What [`Site::catalog_files`] builds.
#[derive(Clone, Default)]
pub struct CatalogFiles {
    /// (output path, bytes), the per-entity files included.
    pub files: Vec<(String, Arc<Vec<u8>>)>,
    /// The text of each entity's API file, by entity id.
    pub entities: Vec<Arc<Vec<u8>>>,
}

/// One HTML page to render.
#[derive(Debug, Clone, PartialEq)]
pub struct PageSpec {
    /// Output path, relative to the site root (`catalog/index.html`).
    pub path: String,
    /// Template name under the theme's `templates/`.
    pub template: &'static str,
    pub kind: PageKind,
}

/// What a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    Home,
    CatalogIndex,
    /// Page `page` (1-based) of the health page.
    Health {
        page: usize,
    },
    /// Page `page` (1-based) of the static list of `kinds[kind]`.
    KindList {
        kind: usize,
        page: usize,
    },
    Entity(EntityId),
    /// The rendered definition of an API entity (its "Definition" tab).
    ApiDefinition(EntityId),
    /// `/api-docs/`: every API.
    ApiIndex,
    DocsIndex,
    /// The full search page (`search/`).
    Search,
    /// `404.html`, which hosts (and `serve`) answer for missing paths.
    NotFound,
    /// Page `page` of docs site `site`.
    Doc {
        site: usize,
        page: usize,
    },
}

/// `page` of a template: one of the page views.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PageView {
    Home(views::HomePage),
    Catalog(views::CatalogPage),
    Kind(views::KindPage),
    Health(views::HealthPage),
    Entity(Box<views::EntityPage>),
    ApiDefinition(Box<views::ApiDefinitionPage>),
    ApiIndex(views::ApiIndexPage),
    Docs(Box<views::DocsPage>),
    DocsIndex(views::DocsIndexPage),
    Search(views::SearchPage),
    NotFound(views::SearchPage),
}

/// A kind present in the catalog.
#[derive(Debug, Clone)]
struct KindInfo {
    /// Lower-case kind: URL segment and filter value.
    key: String,
    /// As written by its first entity.
    label: String,
    /// Entities of the kind, in catalog order.
    ids: Vec<EntityId>,
}

/// Everything the page builders share; borrowed from the build.
pub struct Site<'a> {
    /// Views read entities through it only (see [`tracked`]).
    catalog: tracked::Tracked<'a>,
    config: &'a Config,
    sources: &'a SourceDb,
    /// Diagnostics in health-page order (by file, then position).
    health: Vec<Resolved<'a>>,
    /// Canonical entity ref → indices into `health`.
    problems: HashMap<String, Vec<usize>>,
    /// The files of `health`, in order, with their counts: what every
    /// health page needs, computed once.
    health_files: Vec<lists::HealthFileInfo<'a>>,
    /// Per entry of `health`: its index in `health_files`.
    health_file_of: Vec<usize>,
    kinds: Vec<KindInfo>,
    counts: HealthCounts,
    docs: &'a [Arc<DocSite>],
    /// Per entity: its page's path, built once (every link to it needs it).
    entity_paths: Vec<String>,
    /// Canonical entity ref → its docs site (own or borrowed through
    /// `backstage.io/techdocs-entity`).
    docs_of: HashMap<String, usize>,
}

impl<'a> Site<'a> {
    pub fn new(
        catalog: &'a Catalog,
        apis: &'a ApiDocs,
        sources: &'a SourceDb,
        diagnostics: &'a Diagnostics,
        config: &'a Config,
        docs: &'a [Arc<DocSite>],
    ) -> Site<'a> {
        // What the catalog gives is independent of the diagnostics: both
        // halves at once, for `serve`'s rebuilds.
        let (health, (kinds, entity_paths, docs_of)) = rayon::join(
            || health_order(diagnostics, sources),
            || {
                (
                    kinds_of(catalog),
                    catalog
                        .entities
                        .iter()
                        .map(|e| urls::entity_page(&e.entity_ref))
                        .collect::<Vec<_>>(),
                    docs::docs_of(catalog, docs),
                )
            },
        );
        let mut problems: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in health.iter().enumerate() {
            if let Some(entity) = d.entity {
                // Canonical refs are lower case already; only others pay.
                let key = if entity.bytes().any(|b| b.is_ascii_uppercase()) || !entity.is_ascii() {
                    entity.to_lowercase()
                } else {
                    entity.to_string()
                };
                problems.entry(key).or_default().push(i);
            }
        }
        let counts = HealthCounts {
            errors: diagnostics.errors(),
            warnings: diagnostics.warnings(),
        };
        let (health_files, health_file_of) = lists::health_files(&health);
        Site {
            catalog: tracked::Tracked::new(catalog, apis),
            config,
            sources,
            health,
            problems,
            health_files,
            health_file_of,
            kinds,
            entity_paths,
            counts,
            docs,
            docs_of,
        }
    }

    /// Every HTML page of the portal, in a deterministic order.
    pub fn pages(&self) -> Vec<PageSpec> {
        let mut pages = vec![
            PageSpec {
                path: urls::HOME.into(),
                template: "home.html",
                kind: PageKind::Home,
            },
            PageSpec {
                path: urls::CATALOG_INDEX.into(),
                template: "catalog.html",
                kind: PageKind::CatalogIndex,
            },
        ];
        for page in 1..=page_count(self.health.len(), urls::HEALTH_PAGE_SIZE) {
            pages.push(PageSpec {
                path: urls::health_page(page),
                template: "health.html",
                kind: PageKind::Health { page },
            });
        }
        for (k, info) in self.kinds.iter().enumerate() {
            for page in 1..=page_count(info.ids.len(), urls::KIND_PAGE_SIZE) {
                pages.push(PageSpec {
                    path: urls::kind_page(&info.key, page),
                    template: "kind.html",
                    kind: PageKind::KindList { kind: k, page },
                });
            }
        }
        for (id, e) in self.catalog.whole().iter() {
            pages.push(PageSpec {
                path: self.entity_paths[id].clone(),
                template: entity_template(e.kind),
                kind: PageKind::Entity(id),
            });
            if e.kind == Kind::Api {
                pages.push(PageSpec {
                    path: urls::api_definition_page(&e.entity_ref),
                    template: "api_definition.html",
                    kind: PageKind::ApiDefinition(id),
                });
            }
        }
        pages.push(PageSpec {
            path: urls::API_DOCS.into(),
            template: "api_index.html",
            kind: PageKind::ApiIndex,
        });
        pages.push(PageSpec {
            path: urls::DOCS_INDEX.into(),
            template: "docs_index.html",
            kind: PageKind::DocsIndex,
        });
        pages.push(PageSpec {
            path: urls::SEARCH.into(),
            template: "search.html",
            kind: PageKind::Search,
        });
        pages.push(PageSpec {
            path: urls::NOT_FOUND.into(),
            template: "404.html",
            kind: PageKind::NotFound,
        });
        for (s, site) in self.docs.iter().enumerate() {
            let dir = urls::docs_dir(&site.entity);
            for (p, page) in site.pages.iter().enumerate() {
                pages.push(PageSpec {
                    path: format!("{dir}{}", page.output),
                    template: "docs.html",
                    kind: PageKind::Doc { site: s, page: p },
                });
            }
        }
        pages
    }

    /// The two template variables of a page: `site` and `page`. `assets`
    /// maps theme static file names to their output paths.
    pub fn view(&self, spec: &PageSpec, assets: &BTreeMap<String, String>) -> (SiteView, PageView) {
        let from = spec.path.as_str();
        let page = match spec.kind {
            PageKind::Home => PageView::Home(lists::home(self, from)),
            PageKind::CatalogIndex => PageView::Catalog(lists::catalog_index(self, from)),
            PageKind::Health { page } => PageView::Health(lists::health(self, from, page)),
            PageKind::KindList { kind, page } => {
                PageView::Kind(lists::kind_page(self, from, kind, page))
            }
            PageKind::Entity(id) => PageView::Entity(Box::new(entity::entity_page(self, from, id))),
            PageKind::ApiDefinition(id) => {
                PageView::ApiDefinition(Box::new(apiref::definition_page(self, from, id)))
            }
            PageKind::ApiIndex => PageView::ApiIndex(apiref::index_page(self, from)),
            PageKind::DocsIndex => PageView::DocsIndex(docs::index_page(self, from)),
            PageKind::Search => PageView::Search(views::SearchPage {
                catalog: urls::href(from, urls::CATALOG_INDEX),
                docs: urls::href(from, urls::DOCS_INDEX),
            }),
            PageKind::NotFound => PageView::NotFound(views::SearchPage {
                catalog: urls::href(from, urls::CATALOG_INDEX),
                docs: urls::href(from, urls::DOCS_INDEX),
            }),
            PageKind::Doc { site, page } => {
                PageView::Docs(Box::new(docs::docs_page(self, from, site, page, assets)))
            }
        };
        (self.site_view(spec, assets), page)
    }

    /// The JSON API, the catalog index data script, the files docs sites
    /// copy and, with `base_url`, the sitemap: (output path, bytes). The
    /// search index is apart ([`Site::search_files`]): `serve` publishes
    /// pages before it.
    pub fn data_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = self
            .catalog_files(&|_| None)
            .files
            .into_iter()
            .map(|(path, bytes)| (path, Arc::unwrap_or_clone(bytes)))
            .collect();
        files.extend(self.site_files());
        files
    }

    /// The JSON API and the catalog index data script: a function of the
    /// catalog alone, which `serve` keeps while the catalog is kept. An
    /// entity's API file is taken from `kept` when it gives one.
    pub fn catalog_files(
        &self,
        kept: &(dyn Fn(EntityId) -> Option<Arc<Vec<u8>>> + Sync),
    ) -> CatalogFiles {
        let mut files = api::api_files(self.catalog.whole(), kept);
        files.files.push((
            urls::CATALOG_DATA.to_string(),
            Arc::new(api::index_script(self).into_bytes()),
        ));
        files
    }

    /// The files docs sites copy and, with `base_url`, the sitemap.
    pub fn site_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = docs::docs_files(self);
        let api_files = apiref::definition_files(self);
        if self.docs.is_empty() && !api_files.is_empty() {
            // Definition pages highlight code like docs pages do.
            files.push((
                docs::HIGHLIGHT_CSS.to_string(),
                crate::docs::highlight::stylesheet().into_bytes(),
            ));
        }
        files.extend(api_files);
        if let Some(base) = &self.config.base_url {
            let pages = self.pages();
            files.push((
                urls::SITEMAP.to_string(),
                api::sitemap(base, &pages).into_bytes(),
            ));
        }
        files
    }

    /// The search index, under `search/`.
    pub fn search_files(&self) -> Vec<(String, Vec<u8>)> {
        search::search_files(self)
    }

    fn site_view(&self, spec: &PageSpec, assets: &BTreeMap<String, String>) -> SiteView {
        let from = spec.path.as_str();
        let section = match spec.kind {
            PageKind::Home => "home",
            PageKind::Health { .. } => "health",
            PageKind::DocsIndex | PageKind::Doc { .. } => "docs",
            PageKind::Search => "search",
            PageKind::ApiIndex => "apis",
            _ => "catalog",
        };
        SiteView {
            title: self.config.title.clone(),
            root: urls::root_prefix(from),
            nav: Nav {
                home: urls::href(from, urls::HOME),
                catalog: urls::href(from, urls::CATALOG_INDEX),
                docs: urls::href(from, urls::DOCS_INDEX),
                health: urls::href(from, urls::HEALTH),
                search: urls::href(from, urls::SEARCH),
                api: urls::href(from, urls::API_ENTITIES),
                apis: urls::href(from, urls::API_DOCS),
            },
            section,
            current: match spec.kind {
                PageKind::Home
                | PageKind::CatalogIndex
                | PageKind::Health { .. }
                | PageKind::DocsIndex
                | PageKind::ApiIndex
                | PageKind::Search => "page",
                _ => "true",
            },
            canonical: self
                .config
                .base_url
                .as_deref()
                .filter(|_| spec.kind != PageKind::NotFound)
                .map(|base| urls::absolute(base, from)),
            // The 404 page is answered for any missing path, at any depth:
            // its relative links resolve against the site root.
            base_href: (spec.kind == PageKind::NotFound)
                .then(|| urls::root_path(self.config.base_url.as_deref())),
            assets: assets
                .iter()
                .map(|(name, path)| (name.clone(), urls::href(from, path)))
                .collect(),
            health: self.counts,
        }
    }

    /// A link to `target` from page `from`, or the text of a missing one.
    /// `default_kind` is left out of the text (Backstage's humanize).
    fn entity_link(
        &self,
        from: &str,
        target: &EntityRef,
        default_kind: Option<&str>,
    ) -> EntityLink {
        match self.catalog.id(target) {
            Some(id) => self.link_to(from, id, default_kind),
            None => EntityLink {
                text: target.humanize(default_kind),
                href: None,
                tooltip: format!("{} is not in the catalog", target.canonical()),
                missing: true,
                kind: target.kind.clone(),
                description: None,
                definition_href: None,
            },
        }
    }

    /// A link to an entity of the catalog, shown with its own ref (the
    /// case its file wrote, not the referrer's).
    fn link_to(&self, from: &str, id: EntityId, default_kind: Option<&str>) -> EntityLink {
        let e = self.catalog.entity(id);
        let tooltip = match &e.metadata.title {
            Some(title) => format!("{title} ({})", e.entity_ref.canonical()),
            None => e.entity_ref.canonical().to_string(),
        };
        EntityLink {
            text: e.entity_ref.humanize(default_kind),
            href: Some(urls::href(from, &self.entity_paths[id])),
            tooltip,
            missing: false,
            kind: e.entity_ref.kind.clone(),
            description: e.metadata.description.clone(),
            definition_href: None,
        }
    }

    fn kind_count(&self, from: &str, k: usize) -> views::KindCount {
        let info = &self.kinds[k];
        views::KindCount {
            key: info.key.clone(),
            label: info.label.clone(),
            count: info.ids.len(),
            list_href: urls::href(from, &urls::kind_page(&info.key, 1)),
            filter_href: format!(
                "{}?filters[kind]={}",
                urls::href(from, urls::CATALOG_INDEX),
                urls::encode_segment(&info.key)
            ),
        }
    }
}

/// The template of an entity page.
fn entity_template(kind: Kind) -> &'static str {
    match kind {
        Kind::Group => "group.html",
        Kind::User => "user.html",
        Kind::Api => "api.html",
        Kind::Template => "template.html",
        Kind::Location => "location.html",
        _ => "entity.html",
    }
}

fn page_count(rows: usize, per_page: usize) -> usize {
    rows.div_ceil(per_page).max(1)
}

/// Display order of kinds: Backstage's built-in kinds in their usual order,
/// then other kinds alphabetically.
fn kind_rank(kind_lower: &str) -> (usize, String) {
    let builtin = Kind::BUILT_IN
        .iter()
        .position(|k| k.eq_ignore_ascii_case(kind_lower))
        .unwrap_or(Kind::BUILT_IN.len());
    (builtin, kind_lower.to_string())
}

fn kinds_of(catalog: &Catalog) -> Vec<KindInfo> {
    let mut by_key: BTreeMap<(usize, String), KindInfo> = BTreeMap::new();
    for (id, e) in catalog.iter() {
        let key = e.entity_ref.kind_lower().to_string();
        by_key
            .entry(kind_rank(&key))
            .or_insert_with(|| KindInfo {
                key,
                label: e.entity_ref.kind.clone(),
                ids: Vec::new(),
            })
            .ids
            .push(id);
    }
    by_key.into_values().collect()
}

/// Resolves every diagnostic and sorts them as the health page lists them:
/// by file, position, code; problems without a file last.
fn health_order<'a>(diagnostics: &'a Diagnostics, sources: &'a SourceDb) -> Vec<Resolved<'a>> {
    // By file name, then position, code, message. Files are ranked once,
    // so that sorting 10,000s of diagnostics compares numbers, not paths;
    // files shown under the same name share a rank.
    let mut files: Vec<FileId> = diagnostics
        .iter()
        .filter_map(|d| d.span.map(|s| s.file))
        .collect();
    files.sort_unstable();
    files.dedup();
    files.sort_by(|a, b| sources.display(*a).cmp(sources.display(*b)));
    let mut rank = vec![usize::MAX; sources.len()];
    for (i, file) in files.iter().enumerate() {
        rank[file.0 as usize] = match i.checked_sub(1) {
            Some(p) if sources.display(files[p]) == sources.display(*file) => {
                rank[files[p].0 as usize]
            }
            _ => i,
        };
    }
    let mut resolved: Vec<(usize, Resolved<'a>)> = diagnostics
        .as_slice()
        .par_iter()
        .map(|d| {
            let r = d.span.map_or(usize::MAX, |s| rank[s.file.0 as usize]);
            (r, emit::resolve(d, sources))
        })
        .collect();
    resolved.par_sort_by(|(ra, a), (rb, b)| {
        let key = |d: &Resolved<'a>| (d.line, d.column, d.code, d.message);
        ra.cmp(rb).then_with(|| key(a).cmp(&key(b)))
    });
    resolved.into_iter().map(|(_, r)| r).collect()
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Anchor id of the `index`-th entry of the health page.
fn problem_anchor(index: usize) -> String {
    format!("problem-{}", index + 1)
}

/// Anchor id of the `index`-th file group of the health page.
fn file_anchor(index: usize) -> String {
    format!("file-{}", index + 1)
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
