//! Rebuilding after a change without redoing what the change did not
//! touch: what `serve` keeps from one build to the next.
//!
//! - **Crawl and catalog** ([`CatalogMemo`]): kept while no changed path
//!   can matter to the crawl ([`catalog_unaffected`]); a docs author's
//!   page edit skips both. When the crawl runs, a file whose text is the
//!   same is not parsed again (`crawl::ParseMemo`).
//! - **Docs sites** ([`DocsMemo`]): a site is read and rendered again only
//!   if its entity's descriptor file changed, or a changed path lies in
//!   its docs root (the folder of mkdocs.yml, which holds everything a
//!   site reads: config, pages, assets, snippets, monorepo includes). A
//!   reused site's source files are registered again in the new
//!   [`SourceDb`], in the order a clean build registers them, so file ids,
//!   and with them the order of diagnostics, are those of a clean build.
//! - **Pages** (`render::PageMemo`): taken over without building their
//!   views when their inputs are the same objects, else rendered again
//!   only if their view changed (compared by a 128-bit hash).
//! - **The search index** is built last, after the pages are published.
//!
//! A config change starts from nothing; a theme change clears the page
//! memo only. The contract, which `tests/it/incremental.rs` checks after
//! random sequences of edits, is that the result is byte for byte the
//! clean build's.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::crawl::remote::Repos;
use crate::diag::{Diagnostic, Diagnostics};
use crate::docs::build::DocSite;
use crate::docs::highlight::{HighlightCache, Highlighter};
use crate::docs::read::DocSource;
use crate::model::Entity;
use crate::output::OutputSet;
use crate::pipeline::{self, ConfigError, Loaded, SiteMemo};
use crate::render::{self, PageMemo};
use crate::source::{FileId, SourceDb, SourceFile};
use crate::tree::local;

/// The crawl, catalog and API stages' results, kept while no change can
/// touch them: a docs author's edit of a page skips all three.
pub type CatalogMemo = pipeline::CatalogStage;

/// Whether none of `changed` can change what crawling finds: no path is
/// a file the crawl read or asked for (descriptors, `$text` targets, also
/// missing ones), could become one (a descriptor name, a match of a
/// location's glob, and for safety any YAML or JSON file), changes what
/// walks skip (.gitignore), or is a folder (created, or removed with
/// descriptors in it).
pub fn catalog_unaffected(memo: &CatalogMemo, changed: &[PathBuf], config: &Config) -> bool {
    changed.iter().all(|path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        !config.catalog.descriptor_names.iter().any(|d| d == name)
            && !matches!(extension, "yaml" | "yml" | "json")
            && !matches!(name, ".gitignore" | ".ignore")
            && memo.sources.find(path).is_none()
            && memo.reads.binary_search(path).is_err()
            && !memo.globs.iter().any(|g| local::glob_matches(g, path))
            && !path.is_dir()
            // Only a removed path can be a folder that held read files (a
            // file that exists has nothing below it): the scan is skipped
            // for the thousands of files of a checkout.
            && (path.exists() || !memo.sources.iter().any(|(_, f)| f.path.starts_with(path)))
    })
}

/// Docs sites of the previous build, by canonical entity ref.
#[derive(Default)]
pub struct DocsMemo {
    entries: HashMap<String, DocsEntry>,
    /// Sites the current build took from the memo, and sites it built.
    pub reused: usize,
    pub built: usize,
}

struct DocsEntry {
    /// [`docs_key`] of the entity when the site was built.
    key: u64,
    /// The canonical docs root: a change below it invalidates the entry.
    root: PathBuf,
    /// The files the site registered, in order, and the id the first one had.
    files: Vec<Arc<SourceFile>>,
    first: u32,
    /// Other files its diagnostics name (the descriptor), by path.
    outside: Vec<(FileId, PathBuf)>,
    site: Arc<DocSite>,
    diagnostics: Vec<Diagnostic>,
}

impl DocsMemo {
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Starts counting a new build.
    pub fn new_build(&mut self) {
        self.reused = 0;
        self.built = 0;
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets the sites `changed` (canonical paths of created, modified or
    /// removed files and folders) may have touched: those whose docs root
    /// holds a changed path, or lies in a changed folder.
    pub fn invalidate(&mut self, changed: &[PathBuf]) {
        self.entries.retain(|_, entry| {
            !changed
                .iter()
                .any(|path| path.starts_with(&entry.root) || entry.root.starts_with(path))
        });
    }
}

impl SiteMemo for DocsMemo {
    /// The site of `entity` from the previous build if nothing it depends
    /// on changed since: its files registered again in `sources` (under
    /// the ids a clean build gives them) and its diagnostics pointing at
    /// them. The entry stays for the next build.
    fn reuse(
        &mut self,
        entity: &Entity,
        key: u64,
        sources: &mut SourceDb,
    ) -> Option<(Arc<DocSite>, Vec<Diagnostic>)> {
        let entry = self.entries.get(entity.entity_ref.canonical())?;
        if entry.key != key {
            return None;
        }
        let mut outside = HashMap::with_capacity(entry.outside.len());
        for (old, path) in &entry.outside {
            outside.insert(*old, sources.find(path)?);
        }
        let first = sources.len() as u32;
        for file in &entry.files {
            sources.add_shared(Arc::clone(file));
        }
        let own = entry.first..entry.first + entry.files.len() as u32;
        let map = |id: FileId| {
            if own.contains(&id.0) {
                FileId(id.0 - own.start + first)
            } else {
                outside.get(&id).copied().unwrap_or(id)
            }
        };
        let diagnostics = entry
            .diagnostics
            .iter()
            .map(|d| d.clone().map_files(map))
            .collect();
        self.reused += 1;
        Some((Arc::clone(&entry.site), diagnostics))
    }

    /// Keeps a site built in this build: `files` are the ids it registered
    /// in `sources`.
    fn record(
        &mut self,
        source: &DocSource,
        key: u64,
        files: Range<u32>,
        site: &Arc<DocSite>,
        diagnostics: &Diagnostics,
        sources: &SourceDb,
    ) {
        self.built += 1;
        let mut outside: Vec<(FileId, PathBuf)> = Vec::new();
        for d in diagnostics.iter() {
            let spans = d.span.iter().chain(d.related.iter().map(|r| &r.span));
            for span in spans {
                if !files.contains(&span.file.0) && !outside.iter().any(|(id, _)| *id == span.file)
                {
                    outside.push((span.file, sources.get(span.file).path.clone()));
                }
            }
        }
        self.entries.insert(
            source.entity.canonical().to_string(),
            DocsEntry {
                key,
                root: source.root.clone(),
                files: (files.start..files.end)
                    .map(|id| Arc::clone(sources.shared(FileId(id))))
                    .collect(),
                first: files.start,
                outside,
                site: Arc::clone(site),
                diagnostics: diagnostics.iter().cloned().collect(),
            },
        );
    }

    /// Drops the entries of entities that are gone (`keep` says which stay).
    fn retain(&mut self, keep: &dyn Fn(&str) -> bool) {
        self.entries.retain(|entity, _| keep(entity));
    }
}

/// A build reusing what the builds before it kept: the catalog stage when
/// no changed path can touch it ([`catalog_unaffected`]; else the parse and
/// API memos, by content), the docs sites of `docs`. The result is a clean
/// build's.
#[allow(clippy::too_many_arguments)]
fn load(
    config: Config,
    sources: SourceDb,
    config_file: FileId,
    changed: Option<&[PathBuf]>,
    catalog: &mut Option<CatalogMemo>,
    docs: &mut DocsMemo,
    highlighter: &Highlighter,
    repos: &Repos,
) -> Loaded {
    let kept = catalog
        .as_ref()
        .and_then(|memo| catalog_unaffected(memo, changed?, &config).then(|| memo.clone()));
    let stage = match kept {
        Some(memo) => memo,
        None => {
            // Parses are reused by content, whatever the changed paths;
            // so are API definition reads.
            let before = catalog
                .as_ref()
                .map(|m| (Arc::clone(&m.parsed), Arc::clone(&m.api_reads)))
                .unwrap_or_default();
            let stage = pipeline::catalog_stage(
                &config,
                sources,
                Some(config_file),
                repos,
                Some((&before.0, &before.1)),
            );
            crate::background::drop_later(catalog.replace(stage.clone()));
            stage
        }
    };
    pipeline::finish(config, stage, repos, Some(docs), Some(highlighter))
}

/// The builds of one `serve` session: the first from nothing, each later
/// one reusing what the builds before it did.
pub struct Session {
    config_path: PathBuf,
    /// The config text the memos were built under.
    config_text: Option<Arc<str>>,
    /// The theme folder of that config, canonical.
    theme: Option<PathBuf>,
    catalog: Option<CatalogMemo>,
    docs: DocsMemo,
    pages: PageMemo,
    /// Opened once per config and kept for the session, so that its cache
    /// is opened once and never pruned to the sites one rebuild rendered.
    highlighter: Option<(Highlighter, Option<Arc<HighlightCache>>)>,
    /// How repositories are fetched, and the repositories of this config:
    /// their refs are resolved once a session, so that rebuilds read the
    /// same commits and never wait for the network.
    fetch: pipeline::Fetch,
    repos: Option<Repos>,
}

/// What one build of a session gives.
pub enum Step {
    /// backlot.yaml has errors.
    BadConfig(ConfigError),
    /// The catalog and docs, and the site without its search index
    /// ([`search_files`] builds that from `loaded`). `site` is an error
    /// for a fatal render problem (a broken template).
    Built {
        loaded: Box<Loaded>,
        site: anyhow::Result<OutputSet>,
    },
}

impl Session {
    pub fn new(config_path: &Path, fetch: pipeline::Fetch) -> Session {
        Session {
            fetch,
            repos: None,
            config_path: config_path.to_path_buf(),
            config_text: None,
            theme: None,
            catalog: None,
            docs: DocsMemo::default(),
            pages: PageMemo::default(),
            highlighter: None,
        }
    }

    /// Builds again after `changed` (canonical paths; `None`: anything may
    /// have changed). Err only when the config file cannot be read.
    pub fn build(&mut self, changed: Option<&[PathBuf]>) -> anyhow::Result<Step> {
        let (config, sources, file) = match pipeline::read_config(&self.config_path)? {
            Ok(read) => read,
            Err(bad) => return Ok(Step::BadConfig(bad)),
        };
        let text = sources.get(file).text.clone();
        match changed {
            Some(changed) if text == self.config_text => {
                self.docs.invalidate(changed);
                if let Some(theme) = &self.theme
                    && changed
                        .iter()
                        .any(|p| p.starts_with(theme) || theme.starts_with(p))
                {
                    self.pages.clear();
                }
            }
            _ => self.start_over(&config, text),
        }
        let (highlighter, cache) = self.highlighter.get_or_insert_with(|| {
            let cache = config
                .docs
                .cache
                .then(|| Arc::new(HighlightCache::open(&config.cache_dir())));
            (Highlighter::new(cache.clone()), cache)
        });
        let first = self.docs.is_empty();
        self.docs.new_build();
        if self.repos.is_none() {
            let repos = pipeline::repos_for(&config, self.fetch).map_err(anyhow::Error::msg)?;
            self.repos = Some(repos);
        }
        let repos = self.repos.as_ref().expect("set above");
        let loaded = load(
            config,
            sources,
            file,
            changed,
            &mut self.catalog,
            &mut self.docs,
            highlighter,
            repos,
        );
        repos.save();
        // Saving prunes the cache to what this build used, so only a build
        // that rendered every site may save; what later rebuilds add is
        // kept in memory for the session.
        if first && let Some(cache) = cache {
            let _ = cache.save();
        }
        self.pages.catalog(Arc::clone(&loaded.catalog));
        let site = render::render_pages(&loaded.render_input(), Some(&mut self.pages));
        Ok(Step::Built {
            loaded: Box::new(loaded),
            site,
        })
    }

    /// What the last build reused: (docs sites reused, built), (pages
    /// reused, rendered).
    pub fn reuse_counts(&self) -> ((usize, usize), (usize, usize)) {
        (
            (self.docs.reused, self.docs.built),
            (self.pages.reused, self.pages.rendered),
        )
    }

    /// Forgets everything built under another config.
    fn start_over(&mut self, config: &Config, text: Option<Arc<str>>) {
        self.config_text = text;
        self.theme = config.theme.as_ref().map(|t| {
            std::fs::canonicalize(config.root.join(t)).unwrap_or_else(|_| config.root.join(t))
        });
        self.catalog = None;
        self.docs.clear();
        self.pages.clear();
        self.highlighter = None;
        self.repos = None;
    }
}

/// `build --cache-dir`'s page memo (`pages.views` in the cache folder):
/// the view hash of every page the last build wrote, under the theme
/// fingerprint (`render::theme_fingerprint`) it was made with. Format: a
/// header line `backlot-page-views 1 <fingerprint hex>`, then `<hash hex>
/// <path>` per page. Anything else, or another fingerprint, means none.
const VIEWS: &str = "pages.views";
const VIEWS_HEADER: &str = "backlot-page-views 1";

/// The view hashes saved in `dir` under `fingerprint` (empty if none).
pub fn load_views(dir: &Path, fingerprint: u128) -> HashMap<String, u128> {
    // What a build killed while saving left.
    crate::atomic::remove_stale_temps(dir, |name| name == VIEWS);
    let parse = |text: &str| -> Option<HashMap<String, u128>> {
        let mut lines = text.lines();
        let header = lines
            .next()?
            .strip_prefix(VIEWS_HEADER)?
            .strip_prefix(' ')?;
        if u128::from_str_radix(header, 16).ok()? != fingerprint {
            return None;
        }
        lines
            .map(|line| {
                let (hash, path) = line.split_once(' ')?;
                Some((path.to_string(), u128::from_str_radix(hash, 16).ok()?))
            })
            .collect()
    };
    std::fs::read_to_string(dir.join(VIEWS))
        .ok()
        .and_then(|text| parse(&text))
        .unwrap_or_default()
}

/// Removes the view hashes before the output they describe is replaced:
/// a build stopped between the two must not leave hashes of pages that
/// are no longer there.
pub fn forget_views(dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(dir.join(VIEWS)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Saves the view hashes of the pages just written.
pub fn save_views<'a>(
    dir: &Path,
    fingerprint: u128,
    views: impl Iterator<Item = (&'a str, u128)>,
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let mut views: Vec<(&str, u128)> = views.collect();
    views.sort_unstable();
    let mut text = format!("{VIEWS_HEADER} {fingerprint:032x}\n");
    for (path, hash) in views {
        let _ = writeln!(text, "{hash:032x} {path}");
    }
    std::fs::create_dir_all(dir)?;
    crate::atomic::write(&dir.join(VIEWS), text.as_bytes())
}

/// The search index of a build, the last step.
pub fn search_files(loaded: &Loaded) -> Vec<(String, Vec<u8>)> {
    render::search_files(&loaded.render_input())
}
