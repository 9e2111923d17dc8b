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
use std::hash::Hasher;
use std::sync::Arc;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use siphasher::sip128::{Hasher128, SipHasher13};
use tera::{Context, Tera};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::diag::Diagnostics;
use crate::docs::build::DocSite;
use crate::output::OutputSet;
use crate::site::{PageSpec, PageView, Site};
use crate::source::SourceDb;
use theme::{Assets, Theme};

/// What rendering reads; all borrowed from the build.
pub struct RenderInput<'a> {
    pub catalog: &'a Catalog,
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
/// a memo, a page whose view is the same as in the memo's build is not
/// rendered again, and the memo is brought up to date.
pub fn render_pages(input: &RenderInput, memo: Option<&mut PageMemo>) -> Result<OutputSet> {
    let theme = Theme::load(input.config.theme.as_deref())?;
    let tera = theme.tera()?;
    let assets = theme.assets();
    let site = site_of(input);
    let pages = site.pages();

    let previous = memo.as_deref();
    let rendered: Vec<Result<(u128, Arc<Vec<u8>>)>> = pages
        .par_iter()
        .map(|page| render_page(&tera, &theme, &site, page, &assets, previous))
        .collect();

    let mut out = OutputSet::new();
    let mut kept = HashMap::with_capacity(pages.len());
    let mut reused = 0;
    for (page, html) in pages.into_iter().zip(rendered) {
        let (hash, html) = html?;
        if previous
            .and_then(|m| m.pages.get(&page.path))
            .is_some_and(|(_, old)| Arc::ptr_eq(old, &html))
        {
            reused += 1;
        }
        out.insert_shared(page.path.clone(), Arc::clone(&html));
        kept.insert(page.path, (hash, html));
    }
    if let Some(memo) = memo {
        memo.rendered = kept.len() - reused;
        memo.reused = reused;
        memo.pages = kept;
    }
    for (path, bytes) in assets.files {
        out.insert(path, bytes);
    }
    for (path, bytes) in site.data_files() {
        out.insert(path, bytes);
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
        input.sources,
        input.diagnostics,
        input.config,
        input.docs,
    )
}

/// The pages of the previous build, each with the hash of the view it was
/// rendered from. Templates are not part of the hash: whoever changes the
/// theme clears the memo.
#[derive(Default)]
pub struct PageMemo {
    pages: HashMap<String, (u128, Arc<Vec<u8>>)>,
    /// Pages the last build rendered, and pages it took from the memo.
    pub rendered: usize,
    pub reused: usize,
}

impl PageMemo {
    pub fn clear(&mut self) {
        self.pages.clear();
    }
}

fn render_page(
    tera: &Tera,
    theme: &Theme,
    site: &Site,
    page: &PageSpec,
    assets: &Assets,
    memo: Option<&PageMemo>,
) -> Result<(u128, Arc<Vec<u8>>)> {
    let (site_view, mut page_view) = site.view(page, &assets.paths);
    // Only a memo needs the hash.
    let hash = match memo {
        Some(memo) => {
            let hash = view_hash(page.template, &site_view, &mut page_view);
            if let Some((seen, html)) = memo.pages.get(&page.path)
                && *seen == hash
            {
                return Ok((hash, Arc::clone(html)));
            }
            hash
        }
        None => 0,
    };
    let mut context = Context::new();
    context.insert("site", &site_view);
    context.insert("page", &page_view);
    let html = tera
        .render(page.template, &context)
        .map_err(|err| theme.template_error(err, Some((&page.path, page.template))))?;
    Ok((hash, Arc::new(html.into_bytes())))
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
    struct Hashing(SipHasher13);
    impl std::io::Write for Hashing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hashing(SipHasher13::new());
    h.0.write(template.as_bytes());
    h.0.write_u8(0xff);
    let article = match page {
        PageView::Docs(docs) => Some(std::mem::take(&mut docs.html)),
        _ => None,
    };
    // Serializing plain view structs into a sink cannot fail.
    let _ = serde_json::to_writer(&mut h, &(site, &*page));
    if let Some(article) = article {
        h.0.write_u128(article.hash());
        if let PageView::Docs(docs) = page {
            docs.html = article;
        }
    }
    h.0.finish128().as_u128()
}

#[cfg(test)]
mod tests;
