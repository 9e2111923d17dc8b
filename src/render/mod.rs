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
//!    catalog index data, sitemap).
//!
//! Output is deterministic: pages are collected in plan order, and the
//! first failing page in that order is the one reported.

pub mod theme;

use anyhow::Result;
use rayon::prelude::*;
use tera::{Context, Tera};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::diag::Diagnostics;
use crate::docs::build::DocSite;
use crate::output::OutputSet;
use crate::site::{PageSpec, Site};
use crate::source::SourceDb;
use theme::{Assets, Theme};

/// What rendering reads; all borrowed from the build.
pub struct RenderInput<'a> {
    pub catalog: &'a Catalog,
    pub sources: &'a SourceDb,
    pub diagnostics: &'a Diagnostics,
    pub config: &'a Config,
    /// Rendered TechDocs sites.
    pub docs: &'a [DocSite],
}

/// Renders the whole portal. Err only for fatal problems (a theme override
/// folder that cannot be read or a template that fails to parse/render —
/// the error names the template file and, for render errors, the page URL).
pub fn render_site(input: &RenderInput) -> Result<OutputSet> {
    let theme = Theme::load(input.config.theme.as_deref())?;
    let tera = theme.tera()?;
    let assets = theme.assets();
    let site = Site::new(
        input.catalog,
        input.sources,
        input.diagnostics,
        input.config,
        input.docs,
    );
    let pages = site.pages();

    let rendered: Vec<Result<String>> = pages
        .par_iter()
        .map(|page| render_page(&tera, &theme, &site, page, &assets))
        .collect();

    let mut out = OutputSet::new();
    for (page, html) in pages.into_iter().zip(rendered) {
        out.insert(page.path, html?);
    }
    for (path, bytes) in assets.files {
        out.insert(path, bytes);
    }
    for (path, bytes) in site.data_files() {
        out.insert(path, bytes);
    }
    Ok(out)
}

fn render_page(
    tera: &Tera,
    theme: &Theme,
    site: &Site,
    page: &PageSpec,
    assets: &Assets,
) -> Result<String> {
    let (site_view, page_view) = site.view(page, &assets.paths);
    let mut context = Context::new();
    context.insert("site", &site_view);
    context.insert("page", &page_view);
    tera.render(page.template, &context)
        .map_err(|err| theme.template_error(err, Some((&page.path, page.template))))
}

#[cfg(test)]
mod tests;
