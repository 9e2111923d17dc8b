//! Rendering: the site model through the theme's Tera templates into an
//! [`OutputSet`].
//!
//! Steps:
//!
//! 1. load the theme (embedded default + `config.theme` overrides) and parse
//!    its templates once; a broken theme is the only fatal error here;
//! 2. plan the pages (`site::Site::pages`) and render them in parallel: each
//!    worker builds one page's view, renders it (`Tera::render` takes
//!    `&self`) and drops the view, so memory holds HTML, not views;
//! 3. add the theme's static files and the site's data files (JSON API,
//!    catalog index data, sitemap) and the search index.
//!
//! `serve` renders in two steps ([`render_pages`], then [`search_files`])
//! and keeps a [`PageMemo`] between rebuilds, so that only pages whose
//! view changed are rendered again.
//!
//! Output is deterministic: pages are collected in plan order, and the
//! first failing page in that order is the one reported.

pub mod theme;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use siphasher::sip128::{Hasher128, SipHasher13};
use tera::{Context, Tera};

use crate::apidocs::ApiDocs;
use crate::catalog::Catalog;
use crate::catalog::EntityId;
use crate::config::Config;
use crate::diag::Diagnostics;
use crate::docs::build::DocSite;
use crate::output::OutputSet;
use crate::site::{CatalogFiles, PageKind, PageSpec, PageView, Site, tracked};
use crate::source::SourceDb;
use theme::{Assets, Theme};

/// What rendering reads; all borrowed from the build.
pub struct RenderInput<'a> {
    pub catalog: &'a Catalog,
    /// The API entities' definitions, read.
    pub apis: &'a ApiDocs,
    pub sources: &'a SourceDb,
    pub diagnostics: &'a Diagnostics,
    pub config: &'a Config,
    /// Rendered TechDocs sites.
    pub docs: &'a [Arc<DocSite>],
}

/// Renders the whole portal. Err only for fatal problems (a theme override
/// folder that cannot be read or a template that fails to parse/render —
/// the error names the template file and, for render errors, the page URL).
pub fn render_site(input: &RenderInput) -> Result<OutputSet> {
    let mut out = render_pages(input, None)?;
    for (path, bytes) in search_files(input) {
        out.insert(path, bytes);
    }
    Ok(out)
}

/// Everything but the search index: pages, theme files, data files. With
/// a memo, a page whose inputs did not change is not rendered again, and
/// the memo is brought up to date.
pub fn render_pages(input: &RenderInput, memo: Option<&mut PageMemo>) -> Result<OutputSet> {
    let theme = Theme::load(input.config.theme.as_deref())?;
    let tera = theme.tera()?;
    let assets = theme.assets();
    let site = site_of(input);
    let pages = site.pages();

    let now = memo.as_deref().map(|m| Inputs::of(input, &site, m));
    let shortcut = memo
        .as_deref()
        .zip(now.as_ref())
        .map(|(memo, now)| Shortcut::new(memo, now, input.docs));
    // Per page: its memo, and whether the theme rendered it now.
    let rendered: Vec<Result<(Memo, bool)>> = pages
        .par_iter()
        .map(|page| {
            if let Some(kept) = shortcut.as_ref().and_then(|s| s.reuse(page)) {
                return Ok((kept.clone(), false));
            }
            render_page(&tera, &theme, &site, page, &assets, memo.as_deref())
        })
        .collect();

    let mut out = OutputSet::new();
    // The next memo; a clean build keeps nothing.
    let mut kept = memo.is_some().then(|| HashMap::with_capacity(pages.len()));
    let mut reused = 0;
    for (page, rendered) in pages.into_iter().zip(rendered) {
        let (mut rendered, fresh) = rendered?;
        let Some(kept) = &mut kept else {
            out.insert_shared(page.path, rendered.html);
            continue;
        };
        if let PageKind::Doc { site, .. } = page.kind {
            rendered.site = Some(Arc::clone(&input.docs[site]));
        }
        if !fresh {
            reused += 1;
        }
        out.insert_shared(page.path.clone(), Arc::clone(&rendered.html));
        kept.insert(page.path, rendered);
    }
    for (path, bytes) in assets.files {
        out.insert(path, bytes);
    }
    let catalog_files = match &shortcut {
        Some(s) if s.same_catalog => s.memo.catalog_files.clone(),
        Some(s) => {
            let kept = |id| s.kept_entity_file(id);
            site.catalog_files(&kept)
        }
        None => site.catalog_files(&|_| None),
    };
    for (path, bytes) in &catalog_files.files {
        out.insert_shared(path.clone(), Arc::clone(bytes));
    }
    for (path, bytes) in site.site_files() {
        out.insert(path, bytes);
    }
    if let (Some(memo), Some(now), Some(kept)) = (memo, now, kept) {
        memo.rendered = kept.len() - reused;
        memo.reused = reused;
        // What the memo held goes on another thread (a whole catalog may
        // be freed with it).
        crate::background::drop_later((
            std::mem::replace(&mut memo.pages, kept),
            std::mem::replace(&mut memo.catalog_files, catalog_files),
            memo.last.replace(now),
        ));
    }
    Ok(out)
}

/// The search index files (`search/…`).
pub fn search_files(input: &RenderInput) -> Vec<(String, Vec<u8>)> {
    site_of(input).search_files()
}

fn site_of<'a>(input: &RenderInput<'a>) -> Site<'a> {
    Site::new(
        input.catalog,
        input.apis,
        input.sources,
        input.diagnostics,
        input.config,
        input.docs,
    )
}

/// The pages of the previous build and what they were made from. A page
/// is taken over without building its view when its inputs are known to
/// be the same (`Shortcut`); otherwise it is rendered again only if the
/// hash of its view changed. Templates are in neither: whoever changes
/// the theme clears the memo.
#[derive(Default)]
pub struct PageMemo {
    pages: HashMap<String, Memo>,
    /// The catalog the next build renders, given by its owner
    /// ([`PageMemo::catalog`]), so that a kept catalog is known as such.
    next_catalog: Option<Arc<Catalog>>,
    last: Option<Inputs>,
    /// `Site::catalog_files` of the last build.
    catalog_files: CatalogFiles,
    /// Pages the last build rendered, and pages it took from the memo.
    pub rendered: usize,
    pub reused: usize,
    /// `build --cache-dir`: the pages of the previous build on disk.
    disk: Option<DiskPages>,
}

/// What `build --cache-dir` knows of the previous build's pages: the hash
/// of each page's view, and a way to read the page as it was written
/// (`None` when the file changed since). A page whose view hashes the
/// same is taken from there instead of rendered.
pub struct DiskPages {
    /// Page path → view hash, recorded under [`theme_fingerprint`].
    pub views: HashMap<String, u128>,
    pub previous: PreviousPage,
}

/// Reads a page of the previous output, if it is as that build wrote it.
pub type PreviousPage = Box<dyn Fn(&str) -> Option<Vec<u8>> + Send + Sync>;

/// What the page HTML is a function of besides the views: this Backlot
/// and the theme. A view memo made under another fingerprint is void.
pub fn theme_fingerprint(config: &Config) -> Result<u128> {
    let theme = Theme::load(config.theme.as_deref())?;
    let mut h = Sip::new();
    h.0.write(env!("CARGO_PKG_VERSION").as_bytes());
    h.0.write_u128(theme.fingerprint());
    Ok(h.finish())
}

impl PageMemo {
    /// A memo of pages on disk, for one build.
    pub fn from_disk(disk: DiskPages) -> PageMemo {
        PageMemo {
            disk: Some(disk),
            ..PageMemo::default()
        }
    }

    /// The view hash of every page of the last build, by path.
    pub fn view_hashes(&self) -> impl Iterator<Item = (&str, u128)> {
        self.pages.iter().map(|(path, m)| (path.as_str(), m.hash))
    }

    pub fn clear(&mut self) {
        self.pages.clear();
        self.last = None;
    }

    /// The catalog the next render reads (the same `Arc` as last time when
    /// it was kept).
    pub fn catalog(&mut self, catalog: Arc<Catalog>) {
        self.next_catalog = Some(catalog);
    }
}

#[derive(Clone)]
struct Memo {
    /// Hash of the view it was rendered from.
    hash: u128,
    html: Arc<Vec<u8>>,
    /// A docs page's site: held, so pointer equality means the same site.
    site: Option<Arc<DocSite>>,
    /// The entities the view of a page outside the docs read (sorted);
    /// `None` for docs pages, and pages that read the whole catalog.
    reads: Option<Arc<[EntityId]>>,
}

/// What pages are made of besides their own docs site, compared between
/// builds.
struct Inputs {
    /// Held, so pointer equality means the same catalog.
    catalog: Option<Arc<Catalog>>,
    /// Every diagnostic as shown, and every docs site's header (entity,
    /// names): with the catalog, everything a page outside the docs reads.
    facts: u128,
    /// The facts and the catalog's shape (`Site::hash_shape`): while they
    /// stay, entity ids name the same entities, and a page whose entities
    /// kept their digests is unchanged.
    shape: u128,
    /// `Site::entity_digests`, by entity id.
    digests: Arc<Vec<u128>>,
    counts: (usize, usize),
    /// Docs site entity → hash of the link to it that its pages show.
    links: HashMap<String, u128>,
}

impl Inputs {
    fn of(input: &RenderInput, site: &Site, memo: &PageMemo) -> Inputs {
        let catalog = memo
            .next_catalog
            .as_ref()
            .filter(|c| std::ptr::eq(&***c, input.catalog))
            .cloned();
        // Diagnostics as pages show them: with file names, not ids (an id
        // may name another file in another build).
        // In chunks on all cores: a large portal has 10,000s of warnings,
        // and this runs for every rebuild.
        let display = |file| input.sources.display(file);
        let chunks: Vec<u128> = input
            .diagnostics
            .as_slice()
            .par_chunks(1024)
            .map(|chunk| {
                let mut h = Sip::new();
                for d in chunk {
                    (d.severity, d.code, &d.message, &d.help, &d.entity).hash(&mut h.0);
                    d.span
                        .map(|s| (display(s.file), s.start, s.end))
                        .hash(&mut h.0);
                    for r in &d.related {
                        (display(r.span.file), r.span.start, &r.message).hash(&mut h.0);
                    }
                }
                h.finish()
            })
            .collect();
        let mut h = Sip::new();
        for chunk in chunks {
            h.0.write_u128(chunk);
        }
        for d in input.docs {
            h.json(&(d.entity.canonical(), &d.site_name, &d.site_description));
        }
        let links = (0..input.docs.len())
            .into_par_iter()
            .map(|s| {
                let mut h = Sip::new();
                h.json(&site.docs_site_link(s));
                (input.docs[s].entity.canonical().to_string(), h.finish())
            })
            .collect();
        let facts = h.finish();
        site.hash_shape(&mut h.0);
        let shape = h.finish();
        // The digests are the last build's when the catalog is the same.
        let digests = match (&catalog, &memo.last) {
            (Some(now), Some(last))
                if last.catalog.as_ref().is_some_and(|c| Arc::ptr_eq(c, now)) =>
            {
                Arc::clone(&last.digests)
            }
            _ => Arc::new(site.entity_digests()),
        };
        Inputs {
            catalog,
            facts,
            shape,
            digests,
            counts: (input.diagnostics.errors(), input.diagnostics.warnings()),
            links,
        }
    }
}

/// Which pages of the memo are known to be the same without building
/// their views:
///
/// - every page outside the docs when the catalog is the same object and
///   the facts are equal;
/// - else, while the facts and the catalog's shape are equal, a page
///   outside the docs whose recorded entities all kept their digests (the
///   edit of one descriptor re-renders the pages that show that entity);
/// - a docs page when its site is the same object, the counts in the
///   header are equal and so is the link to the site's entity.
struct Shortcut<'a> {
    memo: &'a PageMemo,
    same_catalog: bool,
    same_facts: bool,
    /// Per entity id, whether its digest changed; `None` when the shape
    /// changed (ids may name other entities).
    dirty: Option<Vec<bool>>,
    /// Per docs site: whether its pages may be taken over.
    sites: Vec<bool>,
    docs: &'a [Arc<DocSite>],
}

impl<'a> Shortcut<'a> {
    fn new(memo: &'a PageMemo, now: &Inputs, docs: &'a [Arc<DocSite>]) -> Shortcut<'a> {
        let Some(last) = &memo.last else {
            return Shortcut {
                memo,
                same_catalog: false,
                same_facts: false,
                dirty: None,
                sites: vec![false; docs.len()],
                docs,
            };
        };
        let same_catalog = match (&last.catalog, &now.catalog) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        let same_counts = last.counts == now.counts;
        let sites = docs
            .iter()
            .map(|d| {
                let entity = d.entity.canonical();
                same_counts && last.links.get(entity) == now.links.get(entity)
            })
            .collect();
        let dirty =
            (last.shape == now.shape && last.digests.len() == now.digests.len()).then(|| {
                last.digests
                    .iter()
                    .zip(now.digests.iter())
                    .map(|(a, b)| a != b)
                    .collect()
            });
        Shortcut {
            memo,
            same_catalog,
            same_facts: same_catalog && last.facts == now.facts,
            dirty,
            sites,
            docs,
        }
    }

    fn reuse(&self, page: &PageSpec) -> Option<&'a Memo> {
        let kept = self.memo.pages.get(&page.path)?;
        let same = match page.kind {
            PageKind::Doc { site, .. } => {
                self.sites[site]
                    && kept
                        .site
                        .as_ref()
                        .is_some_and(|d| Arc::ptr_eq(d, &self.docs[site]))
            }
            _ => {
                self.same_facts
                    || self
                        .dirty
                        .as_ref()
                        .zip(kept.reads.as_ref())
                        .is_some_and(|(dirty, reads)| reads.iter().all(|&id| !dirty[id]))
            }
        };
        same.then_some(kept)
    }

    /// The last build's API file of entity `id`, if its digest is the same.
    fn kept_entity_file(&self, id: EntityId) -> Option<Arc<Vec<u8>>> {
        let dirty = self.dirty.as_ref()?;
        if dirty[id] {
            return None;
        }
        self.memo.catalog_files.entities.get(id).cloned()
    }
}

fn render_page(
    tera: &Tera,
    theme: &Theme,
    site: &Site,
    page: &PageSpec,
    assets: &Assets,
    memo: Option<&PageMemo>,
) -> Result<(Memo, bool)> {
    // Only a memo needs the hash, and the entities the view reads.
    let Some(memo) = memo else {
        let (site_view, page_view) = site.view(page, &assets.paths);
        let html = render_view(tera, theme, page, &site_view, &page_view)?;
        let memo = Memo {
            hash: 0,
            html,
            site: None,
            reads: None,
        };
        return Ok((memo, true));
    };
    let ((site_view, mut page_view), reads) = tracked::recording(|| site.view(page, &assets.paths));
    let reads = match page.kind {
        PageKind::Doc { .. } => None,
        _ => reads.map(Arc::from),
    };
    let hash = view_hash(page.template, &site_view, &mut page_view);
    if let Some(kept) = memo.pages.get(&page.path)
        && kept.hash == hash
    {
        let memo = Memo {
            reads,
            ..kept.clone()
        };
        return Ok((memo, false));
    }
    if let Some(disk) = &memo.disk
        && disk.views.get(&page.path) == Some(&hash)
        && let Some(html) = (disk.previous)(&page.path)
    {
        let memo = Memo {
            hash,
            html: Arc::new(html),
            site: None,
            reads,
        };
        return Ok((memo, false));
    }
    let memo = Memo {
        hash,
        html: render_view(tera, theme, page, &site_view, &page_view)?,
        site: None,
        reads,
    };
    Ok((memo, true))
}

fn render_view(
    tera: &Tera,
    theme: &Theme,
    page: &PageSpec,
    site_view: &impl Serialize,
    page_view: &PageView,
) -> Result<Arc<Vec<u8>>> {
    let mut context = Context::new();
    context.insert("site", site_view);
    context.insert("page", page_view);
    let html = tera
        .render(page.template, &context)
        .map_err(|err| theme.template_error(err, Some((&page.path, page.template))))?;
    Ok(Arc::new(html.into_bytes()))
}

/// SipHash-1-3 with 128 bits of output, fed with JSON.
struct Sip(SipHasher13);

impl Sip {
    fn new() -> Sip {
        Sip(SipHasher13::new())
    }

    fn json(&mut self, value: &impl Serialize) {
        // Serializing plain view structs into a sink cannot fail.
        let _ = serde_json::to_writer(&mut *self, value);
    }

    fn finish(&self) -> u128 {
        self.0.finish128().as_u128()
    }
}

impl std::io::Write for Sip {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.write(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// 128 bits of SipHash-1-3 over the views' JSON: what a page's HTML is a
/// function of, once the templates are fixed. 128 bits so that no two
/// views of a portal's lifetime collide in practice (a collision would
/// serve a stale page); SipHash because it is already in the dependency
/// tree and fast. A docs article counts by its own hash, computed once
/// per article, instead of its text: most of the bytes of a portal's
/// views are articles, and hashing them for every rebuild cost more than
/// rendering the few pages that changed.
fn view_hash(template: &str, site: &impl Serialize, page: &mut PageView) -> u128 {
    let mut h = Sip::new();
    h.0.write(template.as_bytes());
    h.0.write_u8(0xff);
    let article = match page {
        PageView::Docs(docs) => Some(std::mem::take(&mut docs.html)),
        _ => None,
    };
    h.json(&(site, &*page));
    if let Some(article) = article {
        h.0.write_u128(article.hash());
        if let PageView::Docs(docs) = page {
            docs.html = article;
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests;
