//! TechDocs pages in the portal: `/docs/` and
//! `/docs/<namespace>/<kind>/<name>/<page>` (Backstage's reader route),
//! their views, and the files a docs site copies (images, extra CSS,
//! redirect stubs).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::Site;
use super::urls;
use super::views::{
    DiagramScript, DocsIndexItem, DocsIndexPage, DocsNavItem, DocsPage, EntityLink, LastUpdated,
    PagerLink, TocItem,
};
use crate::catalog::Catalog;
use crate::config::{MERMAID_CDN, Mermaid};
use crate::docs::build::DocSite;
use crate::docs::links::{encode_path, relative_url};
use crate::docs::nav::NavNode;
use crate::model::{Entity, parse_ref};

/// Where the code highlighting stylesheet is written.
pub const HIGHLIGHT_CSS: &str = "static/highlight.css";
/// Theme file of the diagram renderer (Mermaid), written only when a page
/// has a diagram.
pub const DIAGRAM_SCRIPT: &str = "vendor/mermaid.min.js";

/// Canonical entity ref → docs site: every site's own entity, and entities
/// that borrow another's docs with `backstage.io/techdocs-entity`.
pub(super) fn docs_of(catalog: &Catalog, docs: &[Arc<DocSite>]) -> HashMap<String, usize> {
    let mut map: HashMap<String, usize> = HashMap::new();
    for (i, site) in docs.iter().enumerate() {
        map.entry(site.entity.canonical().to_string()).or_insert(i);
    }
    for e in &catalog.entities {
        if map.contains_key(e.entity_ref.canonical()) {
            continue;
        }
        let Some(target) = e.annotation("backstage.io/techdocs-entity") else {
            continue;
        };
        let Ok(target) = parse_ref(target, None, &e.metadata.namespace) else {
            continue;
        };
        if let Some(&site) = map.get(target.canonical()) {
            map.insert(e.entity_ref.canonical().to_string(), site);
        }
    }
    map
}

impl Site<'_> {
    /// The link to docs site `s`'s entity, from the site root: what its
    /// pages show, up to the relative path.
    pub fn docs_site_link(&self, s: usize) -> EntityLink {
        entity_link(self, "", &self.docs[s])
    }

    /// Link from page `from` to the docs of `entity`, if it has any.
    pub(super) fn docs_href(&self, from: &str, entity: &Entity) -> Option<String> {
        let site = *self.docs_of.get(entity.entity_ref.canonical())?;
        let mut target = urls::docs_dir(&self.docs[site].entity);
        // techdocs-entity-path deep-links into the borrowed site.
        if let Some(path) = entity.annotation("backstage.io/techdocs-entity-path") {
            let path = path.trim_start_matches('/');
            if !path.split('/').any(|p| p == "..") {
                target.push_str(path);
            }
        }
        Some(urls::href(from, &target))
    }
}

pub(super) fn index_page(site: &Site, from: &str) -> DocsIndexPage {
    let mut sites: Vec<DocsIndexItem> = site
        .docs
        .iter()
        .map(|d| DocsIndexItem {
            site_name: d.site_name.clone(),
            description: d.site_description.clone(),
            href: urls::href(from, &urls::docs_dir(&d.entity)),
            entity: entity_link(site, from, d),
        })
        .collect();
    sites.sort_by_key(|a| a.site_name.to_lowercase());
    DocsIndexPage { sites }
}

fn entity_link(site: &Site, from: &str, d: &DocSite) -> EntityLink {
    site.entity_link(from, &d.entity, None)
}

pub(super) fn docs_page(
    site: &Site,
    from: &str,
    s: usize,
    p: usize,
    assets: &BTreeMap<String, String>,
) -> DocsPage {
    let d = &site.docs[s];
    let page = &d.pages[p];
    // Links inside a docs site are relative to the page URL, as MkDocs
    // makes them; `page.url` is relative to the site root.
    let link = |url: &str| relative_url(&page.url, url);
    let mut nav = Vec::new();
    flatten_nav(d, &d.nav, p, &link, &mut nav);
    let position = d.order.iter().position(|&i| i == p);
    let pager = |i: Option<usize>| {
        let i = i?;
        let target = &d.pages[i];
        Some(PagerLink {
            title: target.title.clone(),
            href: link(&target.url),
        })
    };
    let prev = position
        .and_then(|at| at.checked_sub(1))
        .and_then(|at| pager(d.order.get(at).copied()));
    let next = position.and_then(|at| pager(d.order.get(at + 1).copied()));
    DocsPage {
        site_name: d.site_name.clone(),
        entity: entity_link(site, from, d),
        title: page.title.clone(),
        description: page.description.clone(),
        html: page.html.clone(),
        toc: page
            .toc
            .iter()
            .map(|t| TocItem {
                level: t.level,
                id: t.id.clone(),
                text: t.text.clone(),
            })
            .collect(),
        nav,
        prev,
        next,
        edit_url: page
            .edit_url
            .clone()
            .filter(|u| urls::safe_href(u).is_some()),
        last_updated: page.last_updated.map(|secs| {
            let (date, datetime) = super::date::utc(secs);
            LastUpdated { date, datetime }
        }),
        hide_navigation: page.hide.iter().any(|h| h == "navigation"),
        hide_toc: page.hide.iter().any(|h| h == "toc"),
        extra_css: d
            .extra_css
            .iter()
            .filter(|css| !css.contains("://") && !css.starts_with('/'))
            .map(|css| link(&encode_path(css.trim_start_matches("./"))))
            .collect(),
        highlight_css: urls::href(from, HIGHLIGHT_CSS),
        has_h1: page.has_h1,
        has_diagrams: page.has_diagrams,
        diagram_script: page
            .has_diagrams
            .then(|| diagram_script(site, from, assets))
            .flatten(),
        docs_index_href: urls::href(from, urls::DOCS_INDEX),
    }
}

/// Where this page loads Mermaid from: `docs.mermaid`, the theme's own
/// copy before the CDN.
fn diagram_script(
    site: &Site,
    from: &str,
    assets: &BTreeMap<String, String>,
) -> Option<DiagramScript> {
    match &site.config.docs.mermaid {
        Mermaid::Off => None,
        Mermaid::Url(url) if url.contains("://") => Some(DiagramScript {
            src: url.clone(),
            integrity: None,
        }),
        Mermaid::Url(path) => Some(DiagramScript {
            src: urls::href(from, path.trim_start_matches('/')),
            integrity: None,
        }),
        Mermaid::Default => Some(match assets.get(DIAGRAM_SCRIPT) {
            Some(path) => DiagramScript {
                src: urls::href(from, path),
                integrity: None,
            },
            None => DiagramScript {
                src: MERMAID_CDN.0.to_string(),
                integrity: Some(MERMAID_CDN.1.to_string()),
            },
        }),
    }
}

fn flatten_nav(
    d: &DocSite,
    nodes: &[NavNode],
    current: usize,
    link: &dyn Fn(&str) -> String,
    out: &mut Vec<DocsNavItem>,
) {
    for node in nodes {
        match node {
            NavNode::Page { page, title } => {
                let target = &d.pages[*page];
                out.push(DocsNavItem {
                    kind: "page",
                    title: title.clone().unwrap_or_else(|| target.title.clone()),
                    href: Some(link(&target.url)),
                    current: *page == current,
                });
            }
            NavNode::Section { title, children } => {
                out.push(DocsNavItem {
                    kind: "open",
                    title: title.clone(),
                    href: None,
                    current: false,
                });
                flatten_nav(d, children, current, link, out);
                out.push(DocsNavItem {
                    kind: "close",
                    title: String::new(),
                    href: None,
                    current: false,
                });
            }
            NavNode::Link {
                title,
                url,
                site_relative,
            } => {
                let href = if *site_relative {
                    Some(link(url))
                } else {
                    urls::safe_href(url)
                };
                out.push(DocsNavItem {
                    kind: "link",
                    title: title.clone(),
                    href,
                    current: false,
                });
            }
        }
    }
}

/// Files of the docs sites besides their pages: copied assets, redirect
/// stubs, and the highlighting stylesheet.
pub(super) fn docs_files(site: &Site) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    if site.docs.is_empty() {
        return files;
    }
    files.push((
        HIGHLIGHT_CSS.to_string(),
        crate::docs::highlight::stylesheet().into_bytes(),
    ));
    for d in site.docs {
        let base = urls::docs_dir(&d.entity);
        for (path, bytes) in &d.assets {
            files.push((format!("{base}{path}"), bytes.clone()));
        }
        for (from, to) in &d.redirects {
            let from_url = from.strip_suffix("index.html").unwrap_or(from);
            let target = if to.contains("://") {
                urls::safe_href(to).unwrap_or_default()
            } else {
                relative_url(&encode_path(from_url), to)
            };
            files.push((format!("{base}{from}"), redirect_page(&target).into_bytes()));
        }
    }
    files
}

/// The page mkdocs-redirects writes: a meta refresh plus a script that
/// keeps the `#anchor`.
fn redirect_page(target: &str) -> String {
    let mut escaped = String::with_capacity(target.len());
    crate::docs::highlight::escape_into(&mut escaped, target, true);
    let js = crate::output::script_json(target);
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Redirecting...</title>\
<link rel=\"canonical\" href=\"{escaped}\"><meta http-equiv=\"refresh\" content=\"0; url={escaped}\">\
<script>var anchor=window.location.hash.substr(1);location.href={js}+(anchor?'#'+anchor:'');</script></head>\
<body>Redirecting to <a href=\"{escaped}\">{escaped}</a>...</body></html>\n"
    )
}
