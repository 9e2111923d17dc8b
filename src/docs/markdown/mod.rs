//! TechDocs Markdown: what MkDocs + mkdocs-techdocs-core render, without
//! Python (spec/techdocs.md §3).
//!
//! Two passes, each in its own module:
//!
//! 1. [`preprocess`] works on lines, like Python-Markdown's preprocessors
//!    and block processors that CommonMark lacks: front matter, snippets
//!    (`--8<--`), GitHub alerts, admonitions (`!!!`), details (`???`),
//!    tabs (`===`), blocks mode (`///`), abbreviation definitions, and the
//!    2-space list nesting of mdx_truly_sane_lists. Containers become HTML
//!    wrapper lines around their (recursively preprocessed, de-indented)
//!    Markdown body, separated by blank lines, so that pulldown-cmark
//!    parses the body as Markdown inside the wrapper. It keeps a map from
//!    output lines to source lines for diagnostics.
//! 2. [`render`] runs pulldown-cmark over that text and rewrites the event
//!    stream: heading ids, permalinks and the table of contents, attr_list,
//!    footnotes, definition lists, tables, task lists, inline extensions
//!    (caret, mark, tilde, critic, smart symbols, magic links, emoji,
//!    abbreviations), fenced and inline code through [`CodeHighlighter`],
//!    and links and images through [`LinkResolver`].
//!
//! Neither pass does IO: snippets come through [`SnippetLoader`]. The HTML
//! produced is NOT yet safe when [`RenderedPage::needs_sanitizing`] is set;
//! the docs stage sanitizes those pages afterwards.

pub mod preprocess;
pub mod render;
pub mod slug;

use crate::docs::highlight::FenceOptions;

/// A problem found in a page, at a 1-based line of the page's source file
/// (or of a snippet file, when `file` is set).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub line: u32,
    /// The snippet file the line belongs to, relative to the docs root;
    /// `None` for the page itself.
    pub file: Option<String>,
    pub kind: ProblemKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A link or image target that does not exist.
    BrokenLink,
    /// A `#fragment` that the target page does not have.
    MissingAnchor,
    /// A snippet that could not be included (missing, outside the root).
    Snippet,
    /// Syntax that TechDocs renders differently from what the author
    /// probably meant (4-space list nesting, an unclosed block).
    Compat,
    /// HTML nested deeper than the sanitizer takes: the page is not shown.
    TooComplex,
    /// Invalid front matter.
    FrontMatter,
}

/// Reads snippet files for `--8<--` (spec/techdocs.md §3.19). The docs
/// stage implements it, confined to the docs root.
pub trait SnippetLoader: Sync {
    /// The text of `path` (as written in the marker, relative to the base
    /// path, i.e. the folder holding mkdocs.yml), or why not.
    fn load(&self, path: &str) -> Result<String, String>;
}

/// Rewrites link and image targets written in Markdown (spec §4).
pub trait LinkResolver: Sync {
    fn resolve(&self, target: &str, kind: LinkKind) -> Resolved;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Link,
    Image,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// Use this href/src instead.
    Rewritten(String),
    /// Leave the target as written (external links, `#anchors`).
    Unchanged,
    /// Leave as written and report this problem.
    Problem(ProblemKind, String),
}

/// Syntax highlighting of code (implemented by `docs::highlight`).
pub trait CodeHighlighter: Sync {
    /// The whole HTML of a fenced or indented code block: Pygments'
    /// `highlighttable` layout with line numbers (spec §3.2). `index` is
    /// the 0-based number of the block in the page (for ids).
    fn block(&self, code: &str, options: &FenceOptions, index: usize) -> String;
    /// `<code class="language-x highlight">…</code>` for inlinehilite
    /// (`` `#!python x` ``), or `None` when the language is unknown.
    fn inline(&self, language: &str, code: &str) -> Option<String>;
}

/// Settings from mkdocs.yml that change rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkdownOptions {
    /// The permalink text after each heading (`¶` by default); `None`
    /// removes permalinks (`toc: {permalink: }` in mkdocs.yml).
    pub permalink: Option<String>,
    /// Deepest heading level listed in the table of contents (ids are set
    /// on every heading regardless). Default 6.
    pub toc_depth: u8,
    /// `use_pymdownx_blocks`: `///` blocks instead of `!!!`/`???`/`===`.
    pub blocks_mode: bool,
    /// Custom fences rendered as `<pre class="mermaid"><code>…</code></pre>`
    /// (from `pymdownx.superfences.custom_fences`). Backlot always treats
    /// `mermaid` this way so diagrams render in the browser.
    pub diagram_fences: Vec<String>,
    /// `pymdownx.highlight: {use_pygments: false}`: code blocks are plain
    /// `<pre class="highlight"><code class="language-x">` for a browser
    /// highlighter, without line numbers (spec §3.2).
    pub use_pygments: bool,
    /// The site uses Material's emoji index
    /// (`emoji_index: !!python/name:material.extensions.emoji.twemoji`), so
    /// `:material-…:`, `:octicons-…:`, `:fontawesome-…:` and `:simple-…:`
    /// are icons. Backlot does not bundle the icon sets: they are left out
    /// instead of showing as literal text (spec §3.17).
    pub material_icons: bool,
    /// `pymdownx.tabbed` (or `pymdownx.blocks.tab`) with `slugify`: tab ids
    /// from their labels instead of `__tabbed_<group>_<n>`.
    pub tab_slugs: Option<TabSlugs>,
}

/// Tab ids from labels (`slugify: !!python/object/apply:pymdownx.slugs.slugify`).
#[derive(Debug, Clone, PartialEq)]
pub struct TabSlugs {
    /// `kwds: {case: lower}` (or `fold`).
    pub lowercase: bool,
    /// `combine_header_slug`: prefixed with the id of the heading before the
    /// tabs.
    pub combine_header: bool,
    /// `separator`, `-` by default.
    pub separator: String,
}

impl Default for MarkdownOptions {
    fn default() -> MarkdownOptions {
        MarkdownOptions {
            permalink: Some("¶".to_string()),
            toc_depth: 6,
            blocks_mode: false,
            diagram_fences: vec!["mermaid".to_string()],
            use_pygments: true,
            material_icons: false,
            tab_slugs: None,
        }
    }
}

/// One heading of the table of contents.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    /// Plain text of the heading.
    pub text: String,
}

/// A rendered page.
#[derive(Debug, Clone, Default)]
pub struct RenderedPage {
    /// The article HTML (not sanitized yet).
    pub html: String,
    /// Every heading h2..h{toc_depth} in order (the H1 is the title).
    pub toc: Vec<TocEntry>,
    /// Text of the first H1, if any.
    pub h1: Option<String>,
    /// Every id in the page (headings, footnotes, attr_list), for anchor checks.
    pub ids: Vec<String>,
    /// Front matter `title`, `description` and `hide` entries.
    pub front_matter: FrontMatter,
    /// Whether a diagram fence (mermaid) occurs: the page then loads the
    /// diagram script.
    pub has_diagrams: bool,
    pub problems: Vec<Problem>,
    /// Whether `html` holds anything only the sanitizer may let through
    /// (the author's raw HTML, attr_list attributes beyond id/class/title,
    /// URLs with other schemes). When false, every tag and attribute in it
    /// was written by the renderer from escaped text and allowlisted
    /// values, and the docs stage skips the sanitizer (see
    /// `docs::sanitize::Sanitizer::trusted`).
    pub needs_sanitizing: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    /// `hide: [navigation, toc, footer]`
    pub hide: Vec<String>,
}

/// Everything a page render needs besides its text.
pub struct PageContext<'a> {
    pub options: &'a MarkdownOptions,
    pub snippets: &'a dyn SnippetLoader,
    pub links: &'a dyn LinkResolver,
    pub highlighter: &'a dyn CodeHighlighter,
}

/// Renders one page: preprocess, then render.
pub fn render_page(source: &str, cx: &PageContext) -> RenderedPage {
    let pre = preprocess::preprocess(source, cx.options, cx.snippets);
    render::render(&pre, cx)
}
