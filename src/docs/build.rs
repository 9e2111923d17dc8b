//! The docs stage: [`DocSource`]s (read by `docs::read`) → rendered
//! [`DocSite`]s.
//!
//! Steps:
//!
//! 1. per site: navigation (`nav::build_nav`) and the index of its files
//!    that link rewriting needs;
//! 2. every page of every site in parallel: Markdown → HTML, sanitized
//!    when it holds anything of the author's that only the sanitizer may
//!    pass (raw HTML, unusual attributes or URL schemes; most pages have
//!    none and skip it), with highlighted code spliced back in after
//!    sanitizing (the highlighter's output is escaped by construction, so
//!    the sanitizer only parses what authors wrote);
//! 3. titles, previous/next, fragment checks across pages, and the
//!    diagnostics of everything, with file and line.

use std::hash::Hasher;
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use siphasher::sip128::{Hasher128, SipHasher13};

use super::links::{PageLinks, PendingAnchor, SiteIndex};
use super::markdown::{self, CodeHighlighter, PageContext, ProblemKind, TocEntry};
use super::mkdocs::{DocsProblem, DocsProblemKind};
use super::nav::{self, NavNode};
use super::sanitize::Sanitizer;
use super::splice as placeholder;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::docs::read::{DocSource, Snippets};
use crate::model::EntityRef;
use crate::source::{FileId, SourceDb, Span};
use crate::tree::Trees;

/// A rendered documentation site.
#[derive(Debug, Clone)]
pub struct DocSite {
    pub entity: EntityRef,
    pub site_name: String,
    pub site_description: Option<String>,
    pub pages: Vec<DocPage>,
    pub nav: Vec<NavNode>,
    /// Pages in nav order, for previous/next.
    pub order: Vec<usize>,
    /// Files copied as is: path relative to the site root, bytes.
    pub assets: Vec<(String, Vec<u8>)>,
    /// Stylesheets from `extra_css`, relative to the site root.
    pub extra_css: Vec<String>,
    /// `redirects` plugin: old output path → target URL relative to the site root.
    pub redirects: Vec<(String, String)>,
    pub copyright: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DocPage {
    pub src: String,
    /// URL relative to the site root (`""`, `a/b/`).
    pub url: String,
    /// Output file relative to the site root (`a/b/index.html`).
    pub output: String,
    pub title: String,
    pub description: Option<String>,
    /// The article, sanitized.
    pub html: Article,
    pub toc: Vec<TocEntry>,
    pub edit_url: Option<String>,
    /// When the source file was last committed (unix seconds), if known.
    pub last_updated: Option<i64>,
    pub hide: Vec<String>,
    pub has_diagrams: bool,
    pub in_nav: bool,
    /// Whether the article has its own H1 (Material adds one with the
    /// title when it does not).
    pub has_h1: bool,
}

/// A page's sanitized HTML. Shared by the views that show it (an article
/// is tens of kilobytes; thousands of views would copy it), and hashed at
/// most once, when `serve` first compares the page with its previous build
/// (a clean build never asks).
#[derive(Debug, Clone, Default)]
pub struct Article {
    html: Arc<str>,
    hash: Arc<OnceLock<u128>>,
}

impl Article {
    pub fn new(html: String) -> Article {
        Article {
            html: html.into(),
            hash: Arc::default(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.html
    }

    /// 128 bits of SipHash-1-3 of the HTML.
    pub fn hash(&self) -> u128 {
        *self.hash.get_or_init(|| {
            let mut h = SipHasher13::new();
            h.write(self.html.as_bytes());
            h.finish128().as_u128()
        })
    }
}

impl std::ops::Deref for Article {
    type Target = str;
    fn deref(&self) -> &str {
        &self.html
    }
}

impl serde::Serialize for Article {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.html)
    }
}

/// Renders every site.
pub fn build(
    sources: &[DocSource],
    db: &SourceDb,
    trees: &Trees,
    highlighter: &dyn CodeHighlighter,
    sanitizer: &Sanitizer,
    diags: &mut Diagnostics,
) -> Vec<DocSite> {
    build_each(sources, db, trees, highlighter, sanitizer)
        .into_iter()
        .map(|(site, found)| {
            diags.extend(found);
            site
        })
        .collect()
}

/// Renders every site, each with its own diagnostics (which an
/// incremental rebuild keeps with the site it reuses).
pub fn build_each(
    sources: &[DocSource],
    db: &SourceDb,
    trees: &Trees,
    highlighter: &dyn CodeHighlighter,
    sanitizer: &Sanitizer,
) -> Vec<(DocSite, Diagnostics)> {
    // Step 1.
    let mut prepared = Vec::with_capacity(sources.len());
    let mut site_diags: Vec<Diagnostics> = Vec::with_capacity(sources.len());
    for source in sources {
        let mut layout = source.layout.clone();
        let (nav, problems) = nav::build_nav(&source.config, &mut layout);
        let entity = source.entity.canonical();
        let mut diags = Diagnostics::new();
        for p in source.problems.iter().chain(&problems) {
            diags.push(problem_diagnostic(p, entity));
        }
        site_diags.push(diags);
        let index = SiteIndex {
            pages: layout
                .pages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.src.clone(), i))
                .collect(),
            urls: layout.pages.iter().map(|p| p.url.clone()).collect(),
            assets: layout.assets.iter().map(|a| a.src.clone()).collect(),
        };
        prepared.push((layout, nav, index));
    }

    // Step 2.
    let jobs: Vec<(usize, usize)> = prepared
        .iter()
        .enumerate()
        .flat_map(|(s, (layout, _, _))| (0..layout.pages.len()).map(move |p| (s, p)))
        .collect();
    let rendered: Vec<Option<Rendered>> = jobs
        .par_iter()
        .map(|&(s, p)| {
            let source = &sources[s];
            let file = source.page_files[p]?;
            let text = db.get(file).text.as_deref()?;
            let (layout, _, index) = &prepared[s];
            Some(render_one(
                source,
                trees,
                index,
                &layout.pages[p].src,
                p,
                text,
                highlighter,
                sanitizer,
            ))
        })
        .collect();

    // Step 3.
    let mut by_site: Vec<Vec<Option<Rendered>>> = prepared
        .iter()
        .map(|(l, _, _)| Vec::with_capacity(l.pages.len()))
        .collect();
    for ((s, _), r) in jobs.iter().zip(rendered) {
        by_site[*s].push(r);
    }
    let mut sites = Vec::with_capacity(sources.len());
    for (((source, (layout, nav, _)), rendered), mut diags) in
        sources.iter().zip(prepared).zip(by_site).zip(site_diags)
    {
        let site = assemble(source, layout, nav, rendered, db, &mut diags);
        sites.push((site, diags));
    }
    sites
}

/// `use_pygments: false`: code left for a browser-side highlighter, as
/// pymdownx.highlight writes it (spec §3.2).
struct PlainCode;

impl CodeHighlighter for PlainCode {
    fn block(&self, code: &str, options: &super::highlight::FenceOptions, _index: usize) -> String {
        let language = options.language.as_deref().unwrap_or("text");
        let mut out = String::from("<pre class=\"highlight\"><code class=\"language-");
        out.push_str(&escape(language));
        out.push_str("\">");
        out.push_str(&escape(code));
        out.push_str("</code></pre>");
        out
    }

    fn inline(&self, language: &str, code: &str) -> Option<String> {
        Some(format!(
            "<code class=\"language-{} highlight\">{}</code>",
            escape(language),
            escape(code)
        ))
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    super::highlight::escape_into(&mut out, text, true);
    out
}

struct Rendered {
    page: markdown::RenderedPage,
    pending: Vec<PendingAnchor>,
}

#[allow(clippy::too_many_arguments)]
fn render_one(
    source: &DocSource,
    trees: &Trees,
    index: &SiteIndex,
    src: &str,
    page_index: usize,
    text: &str,
    highlighter: &dyn CodeHighlighter,
    sanitizer: &Sanitizer,
) -> Rendered {
    let links = PageLinks::new(index, page_index, src);
    let splicer = if source.config.markdown.use_pygments {
        placeholder::Splicer::new(highlighter)
    } else {
        placeholder::Splicer::new(&PlainCode)
    };
    let snippets = Snippets {
        root: &source.root,
        trees,
    };
    let cx = PageContext {
        options: &source.config.markdown,
        snippets: &snippets,
        links: &links,
        highlighter: &splicer,
    };
    let mut page = markdown::render_page(text, &cx);
    // The HTML parser behind the sanitizer checks, for every element, the
    // elements open around it: a page nested thousands deep takes minutes.
    // No real page comes near the limit, so such a page is refused.
    let depth = super::sanitize::nesting_depth(&page.html);
    if depth > super::sanitize::MAX_NESTING {
        page.problems.push(markdown::Problem {
            line: 1,
            file: None,
            kind: ProblemKind::TooComplex,
            message: format!(
                "the page's HTML nests {depth} elements deep, more than the {} Backlot renders; it is not shown",
                super::sanitize::MAX_NESTING
            ),
        });
        page.html = format!(
            "<p>This page is not shown: its HTML nests more than {} elements deep.</p>",
            super::sanitize::MAX_NESTING
        );
        page.toc.clear();
        page.ids.clear();
        page.needs_sanitizing = false;
    }
    let clean = if page.needs_sanitizing {
        sanitizer.clean(&page.html)
    } else {
        sanitizer.trusted(std::mem::take(&mut page.html))
    };
    page.html = splicer.splice(&clean);
    Rendered {
        page,
        pending: links.into_pending(),
    }
}

fn assemble(
    source: &DocSource,
    layout: nav::Layout,
    nav: Vec<NavNode>,
    rendered: Vec<Option<Rendered>>,
    db: &SourceDb,
    diags: &mut Diagnostics,
) -> DocSite {
    let entity = source.entity.canonical();
    let ids: Vec<Vec<String>> = rendered
        .iter()
        .map(|r| r.as_ref().map(|r| r.page.ids.clone()).unwrap_or_default())
        .collect();
    let mut pages = Vec::with_capacity(layout.pages.len());
    for (i, (meta, r)) in layout.pages.iter().zip(rendered).enumerate() {
        let Some(r) = r else { continue };
        let file = source.page_files[i].expect("rendered pages have a file");
        for p in &r.page.problems {
            diags.push(page_problem(p, file, entity));
        }
        for anchor in &r.pending {
            if !ids[anchor.page].contains(&anchor.fragment) {
                let target = &layout.pages[anchor.page].src;
                diags.push(
                    Diagnostic::new(
                        Code::DocsMissingAnchor,
                        format!("link '{}': {target} has no heading or anchor '#{}'", anchor.written, anchor.fragment),
                    )
                    .at(Span::point(file, crate::source::Pos::new(line_of(db, file, &anchor.written), 1)))
                    .entity(entity)
                    .help("link to an existing heading id (shown by the ¶ next to each heading), or add `{ #id }` to the heading"),
                );
            }
        }
        let title = meta
            .nav_title
            .clone()
            .or_else(|| r.page.front_matter.title.clone())
            .or_else(|| r.page.h1.clone())
            .unwrap_or_else(|| {
                if meta.url.is_empty() {
                    "Home".to_string()
                } else {
                    nav::title_from_filename(&meta.src)
                }
            });
        pages.push((
            i,
            DocPage {
                src: meta.src.clone(),
                url: meta.url.clone(),
                output: meta.output.clone(),
                title,
                description: r
                    .page
                    .front_matter
                    .description
                    .clone()
                    .or_else(|| source.config.site_description.clone()),
                html: Article::new(r.page.html),
                toc: r.page.toc,
                edit_url: source.merged.edit_url(&source.config, &meta.src),
                last_updated: source.page_updated[i],
                hide: r.page.front_matter.hide,
                has_diagrams: r.page.has_diagrams,
                in_nav: meta.in_nav,
                has_h1: r.page.h1.is_some(),
            },
        ));
    }
    // Pages that could not be read are gone: renumber nav and order.
    let mut renumber = vec![None; layout.pages.len()];
    for (new, (old, _)) in pages.iter().enumerate() {
        renumber[*old] = Some(new);
    }
    let nav = remap_nav(nav, &renumber);
    let order = nav::flatten(&nav);
    let mut pages: Vec<DocPage> = pages.into_iter().map(|(_, p)| p).collect();
    if !pages.iter().any(|p| p.output == "index.html") {
        diags.push(
            Diagnostic::new(
                Code::DocsMissingIndex,
                format!(
                    "{}: the docs have no readable index.md, the site's home page; a list of its pages stands in",
                    source.config.docs_dir
                ),
            )
            .at(Span::file_start(source.config.file))
            .entity(entity)
            .help("write an index.md in docs_dir: it is what the docs link of the entity opens"),
        );
        let index = contents_page(&source.config, &pages, &order);
        pages.push(index);
    }
    let redirects = source
        .config
        .redirect_maps
        .iter()
        .filter_map(|(from, to)| redirect(&layout, from, to))
        .collect();
    DocSite {
        entity: source.entity.clone(),
        site_name: source.config.site_name.clone(),
        site_description: source.config.site_description.clone(),
        pages,
        nav,
        order,
        assets: source.assets.clone(),
        extra_css: source.config.extra_css.clone(),
        redirects,
        copyright: source.config.copyright.clone(),
    }
}

/// The home page of a site without `index.md`: its title and every page,
/// in nav order, then the pages outside the nav. Titles and URLs are
/// escaped here, so the article needs no sanitizing.
fn contents_page(
    config: &crate::docs::mkdocs::MkDocsConfig,
    pages: &[DocPage],
    order: &[usize],
) -> DocPage {
    let mut html = String::from("<h1 id=\"contents\">");
    super::highlight::escape_into(&mut html, &config.site_name, false);
    html.push_str("</h1>\n<p>This site has no <code>index.md</code>. Its pages:</p>\n<ul>\n");
    let rest = (0..pages.len()).filter(|i| !order.contains(i));
    for i in order.iter().copied().chain(rest) {
        let page = &pages[i];
        html.push_str("<li><a href=\"");
        let href = if page.url.is_empty() { "./" } else { &page.url };
        super::highlight::escape_into(&mut html, href, true);
        html.push_str("\">");
        super::highlight::escape_into(&mut html, &page.title, false);
        html.push_str("</a></li>\n");
    }
    html.push_str("</ul>\n");
    DocPage {
        src: String::new(),
        url: String::new(),
        output: "index.html".to_string(),
        title: config.site_name.clone(),
        description: config.site_description.clone(),
        html: Article::new(html),
        toc: Vec::new(),
        edit_url: None,
        last_updated: None,
        hide: Vec::new(),
        has_diagrams: false,
        in_nav: false,
        has_h1: true,
    }
}

fn remap_nav(nav: Vec<NavNode>, renumber: &[Option<usize>]) -> Vec<NavNode> {
    nav.into_iter()
        .filter_map(|node| match node {
            NavNode::Page { page, title } => Some(NavNode::Page {
                page: renumber.get(page).copied().flatten()?,
                title,
            }),
            NavNode::Section { title, children } => Some(NavNode::Section {
                title,
                children: remap_nav(children, renumber),
            }),
            link @ NavNode::Link { .. } => Some(link),
        })
        .collect()
}

/// mkdocs-redirects: `old.md: new.md` writes `old/index.html` pointing at
/// the new page (or an absolute URL).
fn redirect(layout: &nav::Layout, from: &str, to: &str) -> Option<(String, String)> {
    let stem = from.strip_suffix(".md").unwrap_or(from);
    let output = match stem
        .strip_suffix("index")
        .or_else(|| stem.strip_suffix("README"))
    {
        Some(dir) => format!("{dir}index.html"),
        None => format!("{stem}/index.html"),
    };
    let (path, fragment) = to.split_once('#').map_or((to, ""), |(p, f)| (p, f));
    let target = if to.contains("://") {
        to.to_string()
    } else {
        let page = layout.page(path)?;
        let url = &layout.pages[page].url;
        if fragment.is_empty() {
            url.clone()
        } else {
            format!("{url}#{fragment}")
        }
    };
    Some((output, target))
}

/// The 1-based line where `needle` first appears in a file (1 if nowhere).
fn line_of(db: &SourceDb, file: FileId, needle: &str) -> u32 {
    let Some(text) = db.get(file).text.as_deref() else {
        return 1;
    };
    text.find(needle)
        .map(|at| text[..at].matches('\n').count() as u32 + 1)
        .unwrap_or(1)
}

fn page_problem(p: &markdown::Problem, file: FileId, entity: &str) -> Diagnostic {
    let (code, help) = match p.kind {
        ProblemKind::BrokenLink => (
            Code::DocsBrokenLink,
            "link to an existing .md file with a path relative to this page; MkDocs leaves the link as written, one folder off",
        ),
        ProblemKind::MissingAnchor => (Code::DocsMissingAnchor, "link to an existing heading id"),
        ProblemKind::Snippet => (
            Code::DocsSnippet,
            "snippet paths are relative to the folder holding mkdocs.yml and must stay inside it",
        ),
        ProblemKind::Compat => (
            Code::DocsListIndent,
            "indent nested list items by 2 spaces, as TechDocs' mdx_truly_sane_lists expects",
        ),
        ProblemKind::FrontMatter => (
            Code::DocsFrontMatter,
            "fix the YAML between the leading --- lines",
        ),
        ProblemKind::TooComplex => (
            Code::DocsTooComplex,
            "close the HTML elements the page opens, and nest lists and quotes less deeply",
        ),
    };
    let message = match &p.file {
        Some(snippet) => format!("{} (in snippet {snippet})", p.message),
        None => p.message.clone(),
    };
    Diagnostic::new(code, message)
        .at(Span::point(file, crate::source::Pos::new(p.line.max(1), 1)))
        .entity(entity)
        .help(help)
}

fn problem_diagnostic(p: &DocsProblem, entity: &str) -> Diagnostic {
    let code = match p.kind {
        DocsProblemKind::Yaml(_)
        | DocsProblemKind::InvalidValue
        | DocsProblemKind::MissingSiteName => Code::DocsConfig,
        DocsProblemKind::DocsDirOutside => Code::DocsOutsideRoot,
        DocsProblemKind::UnknownKey
        | DocsProblemKind::DroppedByBackstage
        | DocsProblemKind::UnknownPlugin
        | DocsProblemKind::UnknownExtension => Code::DocsConfigIgnored,
        DocsProblemKind::NavMissingPage
        | DocsProblemKind::NavInclude
        | DocsProblemKind::ReadmeShadowed => Code::DocsNav,
    };
    let message = match &p.path {
        Some(path) => format!("{path}: {}", p.message),
        None => p.message.clone(),
    };
    Diagnostic::new(code, message)
        .severity(p.severity)
        .at(p.span)
        .entity(entity)
        .help(p.help.clone())
}
