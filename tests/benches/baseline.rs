//! The baseline the docs stage is compared with, on the same pages: a bare
//! pulldown-cmark parse + `push_html` of every page, and the same plus
//! syntect's class-based highlighting (Oniguruma) of every fenced block.
//!
//! Both read each page from disk and render it, in parallel over pages with
//! rayon, as the docs stage reads and renders them. Neither sanitizes,
//! rewrites links, builds navigation or tables of contents: this is the
//! floor of "Markdown to HTML with highlighted code", not an equivalent of
//! what TechDocs produces.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd, html};
use rayon::prelude::*;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// Every page of the corpus: `repos/*/docs/**/*.md`, sorted.
pub fn pages(corpus: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(repos) = std::fs::read_dir(corpus.join("repos")) else {
        return out;
    };
    for repo in repos.flatten() {
        let docs = repo.path().join("docs");
        for entry in walkdir::WalkDir::new(&docs).into_iter().flatten() {
            let path = entry.path();
            if entry.file_type().is_file() && path.extension().is_some_and(|e| e == "md") {
                out.push(path.to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// What the pages hold, counted from pulldown-cmark's events.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PageCounts {
    pub pages: usize,
    pub bytes: usize,
    pub fenced_blocks: usize,
    /// Lines inside fenced blocks.
    pub code_lines: usize,
    pub code_bytes: usize,
    /// Bytes of HTML written by the run that produced these counts.
    pub html_bytes: usize,
}

impl std::ops::Add for PageCounts {
    type Output = PageCounts;
    fn add(self, o: PageCounts) -> PageCounts {
        PageCounts {
            pages: self.pages + o.pages,
            bytes: self.bytes + o.bytes,
            fenced_blocks: self.fenced_blocks + o.fenced_blocks,
            code_lines: self.code_lines + o.code_lines,
            code_bytes: self.code_bytes + o.code_bytes,
            html_bytes: self.html_bytes + o.html_bytes,
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Reads every page (in parallel), nothing else: the IO floor.
pub fn read_all(pages: &[PathBuf]) -> (Duration, usize) {
    let started = Instant::now();
    let bytes = pages.par_iter().map(|p| read(p).len()).sum();
    (started.elapsed(), bytes)
}

/// Bare: `Parser::new_ext(text, Options::all())` + `html::push_html`.
pub fn bare(pages: &[PathBuf]) -> (Duration, PageCounts) {
    let started = Instant::now();
    let counts = pages
        .par_iter()
        .map(|path| {
            let text = read(path);
            let mut counts = PageCounts {
                pages: 1,
                bytes: text.len(),
                ..PageCounts::default()
            };
            let mut in_fence = false;
            let events = Parser::new_ext(&text, Options::all()).inspect(|event| match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => {
                    in_fence = true;
                    counts.fenced_blocks += 1;
                }
                Event::Text(code) if in_fence => {
                    counts.code_lines += code.matches('\n').count();
                    counts.code_bytes += code.len();
                }
                Event::End(TagEnd::CodeBlock) => in_fence = false,
                _ => {}
            });
            let mut out = String::with_capacity(text.len() * 3 / 2);
            html::push_html(&mut out, events);
            counts.html_bytes = out.len();
            counts
        })
        .reduce(PageCounts::default, |a, b| a + b);
    (started.elapsed(), counts)
}

/// Loads syntect's bundled syntaxes (with newlines), as the highlighting
/// baseline uses them; returned so the load is paid (and timed) once.
pub fn syntaxes() -> (Duration, SyntaxSet) {
    let started = Instant::now();
    let set = SyntaxSet::load_defaults_newlines();
    (started.elapsed(), set)
}

/// The bare pass plus every fenced block highlighted with syntect's
/// `ClassedHTMLGenerator` (`ClassStyle::Spaced`), syntax found by the
/// fence's token (plain text when unknown).
pub fn highlighted(pages: &[PathBuf], set: &SyntaxSet) -> (Duration, PageCounts) {
    let started = Instant::now();
    let counts = pages
        .par_iter()
        .map(|path| {
            let text = read(path);
            let mut counts = PageCounts {
                pages: 1,
                bytes: text.len(),
                ..PageCounts::default()
            };
            // (language, code so far) while inside a fenced block.
            let mut fence: Option<(String, String)> = None;
            let events = Parser::new_ext(&text, Options::all()).filter_map(|event| match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    let lang = info.split_whitespace().next().unwrap_or("").to_string();
                    fence = Some((lang, String::new()));
                    None
                }
                Event::Text(code) if fence.is_some() => {
                    fence.as_mut().expect("in a fence").1.push_str(&code);
                    None
                }
                Event::End(TagEnd::CodeBlock) if fence.is_some() => {
                    let (lang, code) = fence.take().expect("in a fence");
                    counts.fenced_blocks += 1;
                    counts.code_lines += code.matches('\n').count();
                    counts.code_bytes += code.len();
                    Some(Event::Html(highlight(set, &lang, &code).into()))
                }
                other => Some(other),
            });
            let mut out = String::with_capacity(text.len() * 4);
            html::push_html(&mut out, events);
            counts.html_bytes = out.len();
            counts
        })
        .reduce(PageCounts::default, |a, b| a + b);
    (started.elapsed(), counts)
}

fn highlight(set: &SyntaxSet, lang: &str, code: &str) -> String {
    let syntax = set
        .find_syntax_by_token(lang)
        .unwrap_or_else(|| set.find_syntax_plain_text());
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, ClassStyle::Spaced);
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .unwrap_or_else(|e| panic!("highlighting {lang}: {e}"));
    }
    let mut out = String::with_capacity(code.len() * 8 + 64);
    out.push_str("<pre><code class=\"language-");
    out.push_str(&html_escape(lang));
    out.push_str("\">");
    out.push_str(&generator.finalize());
    out.push_str("</code></pre>\n");
    out
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}
