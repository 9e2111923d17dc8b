//! The stages in order: config → crawl → catalog (→ render → output, driven
//! by the CLI). Each stage is a plain function over plain data; this module
//! only threads values and diagnostics through them.

use std::path::Path;

use anyhow::{Context, Result};

use crate::catalog::{self, Catalog};
use crate::config::{self, Config};
use crate::crawl;
use std::sync::Arc;

use crate::crawl::local::Roots;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::docs::{
    self,
    build::DocSite,
    highlight::{HighlightCache, Highlighter},
    sanitize::{SanitizeOptions, Sanitizer},
};
use crate::model::parse_ref;
use crate::source::{FileId, SourceDb, SourceFile};

/// Everything known after reading the input.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub sources: SourceDb,
    pub catalog: Catalog,
    /// Rendered TechDocs sites.
    pub docs: Vec<DocSite>,
    pub diagnostics: Diagnostics,
    /// The folders the crawl read from (canonical): what `serve` watches.
    pub roots: Vec<std::path::PathBuf>,
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
        text: Some(text.clone()),
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
pub fn load(config: Config, mut sources: SourceDb, config_file: Option<FileId>) -> Loaded {
    let mut diagnostics = Diagnostics::new();
    let crawled = crawl::crawl(&config, config_file, &mut sources, &mut diagnostics);
    let catalog = catalog::build(crawled.candidates, &config, &sources, &mut diagnostics);
    let docs = load_docs(
        &config,
        &catalog,
        &crawled.roots,
        &mut sources,
        &mut diagnostics,
    );
    diagnostics.sort();
    Loaded {
        config,
        sources,
        catalog,
        docs,
        diagnostics,
        roots: crawled.roots.paths().to_vec(),
    }
}

/// The docs stage: read every entity's docs, render them, keep the
/// highlight cache for the next build.
fn load_docs(
    config: &Config,
    catalog: &Catalog,
    roots: &Roots,
    sources: &mut SourceDb,
    diagnostics: &mut Diagnostics,
) -> Vec<DocSite> {
    check_techdocs_entity(catalog, diagnostics);
    let display_base = std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
    let mut doc_sources =
        crawl::docs::read_all(catalog, roots, &display_base, sources, diagnostics);
    if doc_sources.is_empty() {
        return Vec::new();
    }
    if config.docs.last_updated {
        crawl::git::date_pages(&mut doc_sources, roots, sources);
    }
    let cache = config
        .docs
        .cache
        .then(|| Arc::new(HighlightCache::open(&config.root.join(CACHE_DIR))));
    let highlighter = Highlighter::new(cache.clone());
    let sanitizer = Sanitizer::new(&SanitizeOptions {
        allowed_iframe_hosts: config.docs.allowed_iframe_hosts.clone(),
    });
    let sites = docs::build::build(
        &doc_sources,
        sources,
        roots,
        &highlighter,
        &sanitizer,
        diagnostics,
    );
    // The cache only saves time; failing to write it is not the build's problem.
    if let Some(cache) = cache {
        let _ = cache.save();
    }
    sites
}

/// Folder (next to backlot.yaml) of what builds keep for the next build.
pub const CACHE_DIR: &str = ".backlot-cache";

/// `backstage.io/techdocs-entity` must name an entity of the catalog.
fn check_techdocs_entity(catalog: &Catalog, diagnostics: &mut Diagnostics) {
    for e in &catalog.entities {
        let Some(target) = e.annotation("backstage.io/techdocs-entity") else {
            continue;
        };
        let at = crawl::docs::annotation_span(e, "backstage.io/techdocs-entity");
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
