//! The stages in order: config → crawl → catalog → API definitions → docs
//! (→ render → output, driven by the CLI). Each stage is a plain function
//! over plain data; this module only threads values and diagnostics
//! through them.
//!
//! `incremental` sits above this module: it keeps stage results between
//! the builds of a `serve` session and calls [`catalog_stage`] and
//! [`docs_stage`] with what it kept (the parse and API memos of the
//! stages, a [`SiteMemo`]). Nothing here imports it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::apidocs::{self, ApiDocs};
use crate::catalog::{self, Catalog};
use crate::config::{self, Config};
use crate::crawl;
use crate::crawl::remote::{Mode, RepoRequest, Repos, Settings};
use crate::forge;
use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::docs::read::DocSource;
use crate::docs::{
    self,
    build::DocSite,
    highlight::{HighlightCache, Highlighter},
    sanitize::{SanitizeOptions, Sanitizer},
};
use crate::model::{Entity, parse_ref};
use crate::render::RenderInput;
use crate::source::{FileId, SourceDb, SourceFile};
use crate::tree::Trees;

/// Everything known after reading the input.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub sources: SourceDb,
    /// Shared with `serve`'s next rebuild, which keeps it when no change
    /// can touch it.
    pub catalog: Arc<Catalog>,
    /// The API entities' definitions, read; kept with the catalog.
    pub apis: Arc<ApiDocs>,
    /// Rendered TechDocs sites.
    pub docs: Vec<Arc<DocSite>>,
    pub diagnostics: Diagnostics,
    /// The folders the crawl read from (canonical): what `serve` watches.
    pub roots: Vec<std::path::PathBuf>,
    /// `--locked` could not be honoured: nothing may be published (exit 2).
    pub fatal: Option<String>,
}

impl Loaded {
    /// Everything a loaded build renders.
    pub fn render_input(&self) -> RenderInput<'_> {
        RenderInput {
            catalog: &self.catalog,
            apis: &self.apis,
            sources: &self.sources,
            diagnostics: &self.diagnostics,
            config: &self.config,
            docs: &self.docs,
        }
    }
}

/// A config that could not be used: the run stops (exit code 2).
#[derive(Debug)]
pub struct ConfigError {
    pub sources: SourceDb,
    pub diagnostics: Diagnostics,
}

/// Reads and parses backlot.yaml. IO failures are `Err(anyhow)`; invalid
/// content is `Ok(Err(ConfigError))` with positioned diagnostics.
pub fn read_config(
    path: &Path,
) -> Result<std::result::Result<(Config, SourceDb, FileId), ConfigError>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    let absolute =
        std::fs::canonicalize(path).with_context(|| format!("resolving {}", path.display()))?;
    let mut sources = SourceDb::new();
    let display = absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| absolute.display().to_string());
    let file = sources.add(SourceFile {
        path: absolute.clone(),
        display,
        text: Some(text.as_str().into()),
    });
    Ok(match config::parse(&text, &absolute, file) {
        Ok(config) => Ok((config, sources, file)),
        Err(found) => {
            let mut diagnostics = Diagnostics::new();
            diagnostics.extend(found);
            diagnostics.sort();
            Err(ConfigError {
                sources,
                diagnostics,
            })
        }
    })
}

/// Crawl, parse, validate and relate: the catalog and every diagnostic.
/// Repositories are fetched as a plain `build` fetches them, and what was
/// read of them is kept in the cache for the next build.
pub fn load(config: Config, sources: SourceDb, config_file: Option<FileId>) -> Loaded {
    let repos = Repos::new(Settings::from_config(&config, Mode::Online, None));
    let loaded = load_with(config, sources, config_file, &repos);
    repos.save();
    loaded
}

/// How a run fetches repositories: the command line's `--offline` and
/// `--locked`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fetch {
    pub offline: bool,
    pub locked: bool,
}

/// The repositories of a run under `config`. With `--locked`, the lock
/// next to backlot.yaml must exist and be readable (else `Err`: exit 2).
pub fn repos_for(config: &Config, fetch: Fetch) -> std::result::Result<Repos, String> {
    let locked = if fetch.locked {
        let path = config.root.join(crawl::lock::FILE_NAME);
        match crawl::lock::Lock::read(&path)? {
            Some(lock) => Some(lock),
            None => {
                return Err(format!(
                    "--locked: there is no {}; run `backlot build` once without --locked to write it",
                    path.display()
                ));
            }
        }
    } else {
        None
    };
    let mode = if fetch.offline {
        Mode::Offline
    } else {
        Mode::Online
    };
    Ok(Repos::new(Settings::from_config(config, mode, locked)))
}

/// [`load`] with the repositories of `repos` (its mode, its lock, the
/// refs it resolved already).
pub fn load_with(
    config: Config,
    sources: SourceDb,
    config_file: Option<FileId>,
    repos: &Repos,
) -> Loaded {
    let stage = catalog_stage(&config, sources, config_file, repos, None);
    finish(config, stage, repos, None, None)
}

/// What the crawl, catalog and API definition stages give: everything the
/// docs stage and the pages need of the catalog, and what the stages read
/// (for `incremental` to know when they must run again).
#[derive(Clone)]
pub struct CatalogStage {
    /// The files the crawl read (the docs stage adds its own to a copy).
    pub sources: SourceDb,
    pub catalog: Arc<Catalog>,
    /// The API definitions of the catalog, read (a function of it).
    pub apis: Arc<ApiDocs>,
    /// What crawling, validating and reading API definitions found.
    pub diagnostics: Diagnostics,
    pub trees: Trees,
    /// Every file the crawl asked for, found or not, and the glob patterns
    /// of its file locations.
    pub reads: Vec<PathBuf>,
    pub globs: Vec<PathBuf>,
    /// The YAML documents of the files read, for the next crawl.
    pub parsed: Arc<crawl::ParseMemo>,
    /// The API definitions read, for the next build.
    pub api_reads: Arc<apidocs::ReadMemo>,
    /// `--locked` could not be honoured.
    pub fatal: Option<String>,
}

/// Crawl, catalog and API definitions. `before` holds the parse and API
/// memos of an earlier build (files with the same text are not parsed
/// again, definitions with the same text not read again).
pub fn catalog_stage(
    config: &Config,
    mut sources: SourceDb,
    config_file: Option<FileId>,
    repos: &Repos,
    before: Option<(&crawl::ParseMemo, &apidocs::ReadMemo)>,
) -> CatalogStage {
    let mut diagnostics = Diagnostics::new();
    let (crawled, parsed) = crawl::crawl_reusing(
        config,
        config_file,
        &mut sources,
        &mut diagnostics,
        before.map(|b| b.0),
        repos,
    );
    let catalog = catalog::build(crawled.candidates, config, &sources, &mut diagnostics);
    let (apis, found, api_reads) =
        apidocs::read_all_reusing(&catalog, &sources, before.map(|b| b.1));
    diagnostics.extend(found);
    CatalogStage {
        sources,
        catalog: Arc::new(catalog),
        apis: Arc::new(apis),
        diagnostics,
        trees: crawled.trees,
        reads: crawled.reads,
        globs: crawled.globs,
        parsed: Arc::new(parsed),
        api_reads: Arc::new(api_reads),
        fatal: crawled.fatal,
    }
}

/// The docs stage on top of a catalog stage, and everything assembled.
/// `memo` keeps sites between builds; `highlighter` is one that outlives
/// the build (its cache is then the caller's to save).
pub fn finish(
    config: Config,
    stage: CatalogStage,
    repos: &Repos,
    memo: Option<&mut dyn SiteMemo>,
    highlighter: Option<&Highlighter>,
) -> Loaded {
    let CatalogStage {
        mut sources,
        catalog,
        apis,
        mut diagnostics,
        mut trees,
        fatal,
        ..
    } = stage;
    let docs = docs_stage(
        &config,
        &catalog,
        &mut trees,
        &mut sources,
        &mut diagnostics,
        repos,
        memo,
        highlighter,
    );
    diagnostics.sort();
    Loaded {
        config,
        sources,
        catalog,
        apis,
        docs,
        diagnostics,
        roots: trees.local_roots().to_vec(),
        fatal,
    }
}

/// What the docs stage asks of a memo of docs sites (`incremental`'s
/// `DocsMemo`): a site built before, if what it depends on is unchanged
/// (`key`: [`crate::docs::read::docs_key`]; its files are registered again
/// in `sources`), and to keep the sites built now.
pub trait SiteMemo {
    fn reuse(
        &mut self,
        entity: &Entity,
        key: u64,
        sources: &mut SourceDb,
    ) -> Option<(Arc<DocSite>, Vec<Diagnostic>)>;
    fn record(
        &mut self,
        source: &DocSource,
        key: u64,
        files: std::ops::Range<u32>,
        site: &Arc<DocSite>,
        diagnostics: &Diagnostics,
        sources: &SourceDb,
    );
    /// Forgets the sites of entities `keep` says are gone.
    fn retain(&mut self, keep: &dyn Fn(&str) -> bool);
}

/// A docs site read in this build, beside its `DocSource`.
struct Fresh {
    /// What reading it found.
    found: Diagnostics,
    /// The ids of the files it registered.
    files: std::ops::Range<u32>,
    key: u64,
}

/// The docs stage: read every entity's docs (or take them from `memo`),
/// render them, keep the highlight cache for the next build.
#[allow(clippy::too_many_arguments)]
pub fn docs_stage(
    config: &Config,
    catalog: &Catalog,
    trees: &mut Trees,
    sources: &mut SourceDb,
    diagnostics: &mut Diagnostics,
    repos: &Repos,
    mut memo: Option<&mut dyn SiteMemo>,
    shared: Option<&Highlighter>,
) -> Vec<Arc<DocSite>> {
    check_techdocs_entity(catalog, diagnostics);
    let unfetched = open_docs_repositories(catalog, trees, repos, diagnostics);
    let trees = &*trees;
    let display_base = std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
    // In catalog order, as a clean build registers their files: a reused
    // site (`Ok`) or the index of one read now (`Err`).
    let mut slots: Vec<Result<Arc<DocSite>, usize>> = Vec::new();
    let mut fresh: Vec<Fresh> = Vec::new();
    let mut doc_sources = Vec::new();
    for entity in &catalog.entities {
        let Some(reference) = entity.annotation("backstage.io/techdocs-ref") else {
            continue;
        };
        // Its repository could not be fetched, which is reported already.
        if unfetched.contains(entity.entity_ref.canonical()) {
            continue;
        }
        let key = docs::read::docs_key(entity, sources);
        if let Some(memo) = memo.as_deref_mut()
            && let Some((site, found)) = memo.reuse(entity, key, sources)
        {
            diagnostics.extend(found);
            slots.push(Ok(site));
            continue;
        }
        let start = sources.len() as u32;
        let mut found = Diagnostics::new();
        let read =
            docs::read::read_one(entity, reference, trees, &display_base, sources, &mut found);
        match read {
            Some(source) => {
                slots.push(Err(fresh.len()));
                doc_sources.push(source);
                fresh.push(Fresh {
                    found,
                    files: start..sources.len() as u32,
                    key,
                });
            }
            None => diagnostics.extend(found),
        }
    }
    if let Some(memo) = memo.as_deref_mut() {
        memo.retain(&|entity| catalog.get(entity).is_some());
    }
    let built = if fresh.is_empty() {
        Vec::new()
    } else {
        if config.docs.last_updated {
            docs::read::date_pages(&mut doc_sources, trees, sources);
        }
        let sanitizer = Sanitizer::new(&SanitizeOptions {
            allowed_iframe_hosts: config.docs.allowed_iframe_hosts.clone(),
        });
        let built = match shared {
            Some(highlighter) => {
                docs::build::build_each(&doc_sources, sources, trees, highlighter, &sanitizer)
            }
            None => {
                let cache = config
                    .docs
                    .cache
                    .then(|| Arc::new(HighlightCache::open(&config.cache_dir())));
                let highlighter = Highlighter::new(cache.clone());
                let built =
                    docs::build::build_each(&doc_sources, sources, trees, &highlighter, &sanitizer);
                // The cache only saves time; failing to write it is not the build's problem.
                if let Some(cache) = cache {
                    let _ = cache.save();
                }
                built
            }
        };
        built
            .into_iter()
            .zip(&doc_sources)
            .zip(fresh)
            .map(|(((site, found), source), f)| {
                let site = Arc::new(site);
                let mut all = f.found;
                all.extend(found);
                if let Some(memo) = memo.as_deref_mut() {
                    memo.record(source, f.key, f.files, &site, &all, sources);
                }
                diagnostics.extend(all);
                site
            })
            .collect()
    };
    let mut built: Vec<Option<Arc<DocSite>>> = built.into_iter().map(Some).collect();
    slots
        .into_iter()
        .filter_map(|slot| match slot {
            Ok(site) => Some(site),
            Err(i) => built[i].take(),
        })
        .collect()
}

/// Fetches and mounts the repositories of `url:` techdocs-refs, in
/// parallel, before the docs are read; failures are reported at the
/// annotation. Returns the entities whose docs repository failed.
fn open_docs_repositories(
    catalog: &Catalog,
    trees: &mut Trees,
    repos: &Repos,
    diagnostics: &mut Diagnostics,
) -> std::collections::HashSet<String> {
    let mut unfetched = std::collections::HashSet::new();
    let mut wanted = Vec::new();
    for e in &catalog.entities {
        let Some(url) = e
            .annotation(TECHDOCS_REF)
            .and_then(|r| r.split_once(':'))
            .filter(|(kind, _)| kind.trim() == "url")
            .map(|(_, url)| url.trim())
        else {
            continue;
        };
        // Unknown shapes are the docs reader's to report.
        if let Ok(parsed) = forge::parse(url, &repos.settings().forges) {
            wanted.push((e, RepoRequest::of(parsed)));
        }
    }
    if wanted.is_empty() {
        return unfetched;
    }
    let requests: Vec<RepoRequest> = wanted.iter().map(|(_, r)| r.clone()).collect();
    let mut reported = std::collections::HashSet::new();
    for ((entity, request), opened) in wanted.iter().zip(repos.open_all(&requests)) {
        match opened {
            Ok(opened) => trees.mount(opened.tree),
            Err(failure) => {
                unfetched.insert(entity.entity_ref.canonical().to_string());
                if reported.insert((request.identity(), failure.message.clone())) {
                    diagnostics.push(
                        Diagnostic::new(Code::RepoFetchFailed, failure.message)
                            .at(docs::read::annotation_span(entity, TECHDOCS_REF))
                            .entity(entity.entity_ref.canonical())
                            .help(failure.help),
                    );
                }
            }
        }
    }
    for (display, notice) in repos.take_notices() {
        // At the first techdocs-ref naming the repository.
        let at = wanted
            .iter()
            .find(|(_, request)| request.display() == display)
            .map(|(entity, _)| docs::read::annotation_span(entity, TECHDOCS_REF));
        diagnostics.push(
            Diagnostic::new(Code::RepoCached, notice.message)
                .at_opt(at)
                .help(notice.help),
        );
    }
    unfetched
}

const TECHDOCS_REF: &str = "backstage.io/techdocs-ref";

/// `backstage.io/techdocs-entity` must name an entity of the catalog.
fn check_techdocs_entity(catalog: &Catalog, diagnostics: &mut Diagnostics) {
    for e in &catalog.entities {
        let Some(target) = e.annotation("backstage.io/techdocs-entity") else {
            continue;
        };
        let at = docs::read::annotation_span(e, "backstage.io/techdocs-entity");
        let problem = match parse_ref(target, None, &e.metadata.namespace) {
            Ok(r) if catalog.get(r.canonical()).is_some() => continue,
            Ok(r) => format!("backstage.io/techdocs-entity names {r}, which is not in the catalog"),
            Err(err) => format!("backstage.io/techdocs-entity: {err}"),
        };
        diagnostics.push(
            Diagnostic::new(Code::DocsEntityRef, problem)
                .at(at)
                .entity(e.entity_ref.canonical())
                .help("write the full ref of the entity whose docs to show, e.g. `system:default/payments`"),
        );
    }
}

/// Whether the run failed: any error, or any warning under `--strict`.
pub fn failed(diagnostics: &Diagnostics, strict: bool) -> bool {
    diagnostics
        .iter()
        .any(|d: &Diagnostic| d.is_error() || strict)
}
