//! Line-level passes before CommonMark parsing (see the parent module).
//!
//! Python-Markdown does not parse CommonMark: it cuts the text into blocks
//! at blank lines and offers each block to a priority-ordered list of block
//! processors, several of which search the *whole* block for their marker
//! (admonitions, headings, rules, quotes) and split it there. Lists follow
//! mdx_truly_sane_lists (nesting unit 2 spaces, no lists without a blank
//! line before them). This module rewrites a page so that pulldown-cmark
//! builds the tree Python-Markdown would have built:
//!
//! 1. front matter is removed (MkDocs `get_data`);
//! 2. GitHub/GitLab alerts become `!!!` admonitions (the gh-admonitions
//!    plugin, on the page's own text only);
//! 3. snippets are pasted (`pymdownx.snippets`, recursively);
//! 4. the block pass (`Cx::blocks`) walks the lines of one container at a
//!    time (the page, an admonition body, a list item, a quote). Containers
//!    that CommonMark lacks become HTML wrapper lines around their
//!    recursively processed body; lists, quotes and fences are re-emitted
//!    with CommonMark's indentation; text that Python-Markdown keeps as
//!    paragraph text but CommonMark would read as structure (a list marker
//!    without a blank line before it, `1)`, `  # x`) is escaped.
//!
//! Every output line goes through one `Out`, which prepends the prefixes
//! of the open containers (`> `, a list marker, the item's indentation), so
//! nesting costs no re-copying and the line map stays exact.

use std::borrow::Cow;
use std::rc::Rc;

use super::{FrontMatter, MarkdownOptions, Problem, ProblemKind, SnippetLoader};
use crate::model::yaml::{self, Node, Value};
use crate::source::FileId;

/// The page as CommonMark text, ready for `render`.
#[derive(Debug, Clone, Default)]
pub struct Preprocessed {
    /// CommonMark text; containers are HTML wrapper lines around Markdown.
    pub text: String,
    /// For each line of `text` (0-based), where it came from: the 1-based
    /// line in its source and the source (`None` = the page itself, else
    /// the snippet path as written).
    pub line_map: Vec<(u32, Option<String>)>,
    pub front_matter: FrontMatter,
    /// `*[HTML]: HyperText Markup Language` definitions (removed from `text`).
    pub abbreviations: Vec<(String, String)>,
    pub problems: Vec<Problem>,
    /// For each line of `text`, whether it is an HTML wrapper line this
    /// pass wrote (a container's tags, with escaped titles) rather than a
    /// line of the author's. The render pass uses it to tell its own HTML
    /// from raw HTML in the page, which only the sanitizer may pass.
    pub generated: Vec<bool>,
    /// An admonition title, details summary or tab label carried raw HTML
    /// of the author's into a wrapper line.
    pub author_html: bool,
}

impl Preprocessed {
    /// Whether line `line` (0-based) of `text` is a wrapper line of ours.
    pub fn is_generated(&self, line: usize) -> bool {
        self.generated.get(line).copied().unwrap_or(false)
    }
}

/// Containers nested deeper than this are emitted as plain lines (Python
/// itself would hit its recursion limit long before).
const MAX_NESTING: usize = 64;
/// Snippets including snippets: deeper than this is reported, not pasted.
const MAX_SNIPPET_DEPTH: usize = 10;
/// Total snippet text pasted into one page (guards against include bombs).
const MAX_SNIPPET_BYTES: usize = 16 << 20;
/// Longer snippet specs are taken as plain paths (no `:1:3` / `:section`).
const MAX_SNIPPET_SPEC: usize = 4096;

const NESTED_LIST_HELP: &str = "nested list items need 2 spaces of indentation in TechDocs \
     (mdx_truly_sane_lists); this item is rendered as text of its parent";
const LIST_NEEDS_BLANK_HELP: &str = "a list needs a blank line before it in TechDocs \
     (Python-Markdown), also between an ordered and an unordered list; this item is rendered \
     as text";

pub fn preprocess(
    source: &str,
    options: &MarkdownOptions,
    snippets: &dyn SnippetLoader,
) -> Preprocessed {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let raw = split_lines(source);
    let mut cx = Cx::new(options);
    let (front_matter, first) = cx.front_matter(&raw);
    let page: Vec<Line> = raw
        .iter()
        .enumerate()
        .skip(first)
        .map(|(k, text)| {
            Line::new(
                text,
                Src {
                    line: line_number(k),
                    file: 0,
                },
            )
        })
        .collect();
    let page = cx.alerts(page);
    let mut budget = MAX_SNIPPET_BYTES;
    let lines = cx.snippets(page, snippets, &mut Vec::new(), false, &mut budget);
    let lines: Vec<Line> = graphviz_braces(lines)
        .into_iter()
        .map(Line::normalized)
        .collect();
    cx.block_budget = lines.len().saturating_mul(8).saturating_add(10_000);
    cx.blocks(&lines);
    cx.finish(front_matter)
}

/// markdown_inline_graphviz's `{% dot name.svg … %}` form (spec §3.21).
/// Backlot does not run Graphviz, so the block becomes a `dot` fence,
/// which the highlighter shows as source behind a notice, like the fenced
/// ```` ```graphviz dot name.svg ```` form.
fn graphviz_braces(lines: Vec<Line>) -> Vec<Line> {
    const COMMANDS: [&str; 6] = ["dot", "neato", "fdp", "sfdp", "twopi", "circo"];
    let opens = |text: &str| -> Option<usize> {
        let trimmed = text.trim_start();
        let rest = trimmed.strip_prefix("{%")?;
        let mut words = rest.split_whitespace();
        let command = words.next()?;
        let file = words.next()?;
        let is_image = file.ends_with(".svg") || file.ends_with(".png");
        if !COMMANDS.contains(&command) || !is_image {
            return None;
        }
        // Byte offset just past the file name.
        let at = text.find(file)? + file.len();
        Some(at)
    };
    if !lines
        .iter()
        .any(|l| l.text().trim_start().starts_with("{%"))
    {
        return lines;
    }
    let mut out = Vec::with_capacity(lines.len() + 2);
    let mut i = 0;
    while i < lines.len() {
        let Some(after) = opens(lines[i].text()) else {
            out.push(lines[i].clone());
            i += 1;
            continue;
        };
        let first = lines[i].text().to_string();
        let close = (i..lines.len()).find(|&j| {
            let text = lines[j].text();
            let from = if j == i { after } else { 0 };
            text.get(from..).is_some_and(|t| t.contains("%}"))
        });
        let Some(close) = close else {
            out.push(lines[i].clone());
            i += 1;
            continue;
        };
        let indent = &first[..first.len() - first.trim_start().len()];
        out.push(lines[i].replaced(format!("{indent}```dot")));
        if close == i {
            let body = first[after..].split("%}").next().unwrap_or_default().trim();
            if !body.is_empty() {
                out.push(lines[i].replaced(format!("{indent}{body}")));
            }
        } else {
            let body = first[after..].trim();
            if !body.is_empty() {
                out.push(lines[i].replaced(format!("{indent}{body}")));
            }
            out.extend(lines[i + 1..close].iter().cloned());
            let last = lines[close].text();
            let before = last.split("%}").next().unwrap_or_default();
            if !before.trim().is_empty() {
                out.push(lines[close].replaced(before.to_string()));
            }
        }
        out.push(lines[close].replaced(format!("{indent}```")));
        i = close + 1;
    }
    out
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------
// Lines and output
// ---------------------------------------------------------------------------

/// Where a line came from: 1-based line, and 0 for the page or `n` for
/// `Cx::files[n - 1]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Src {
    line: u32,
    file: u32,
}

/// One input line, seen from a container: `off` skips the container's
/// indentation (or a list marker) without copying.
#[derive(Debug, Clone)]
struct Line {
    buf: Rc<str>,
    off: usize,
    /// Leading spaces of `buf`, and whether it is all spaces and tabs:
    /// computed once, so that deep nesting does not rescan long indents.
    lead: usize,
    all_blank: bool,
    src: Src,
    /// Starts a Python-Markdown block although no blank line precedes it
    /// (a list item's first line, a nested list after the item's text).
    start: bool,
}

impl Line {
    fn new(text: &str, src: Src) -> Line {
        Line {
            buf: Rc::from(text),
            off: 0,
            lead: indent(text),
            all_blank: is_blank(text),
            src,
            start: false,
        }
    }

    fn blank(src: Src) -> Line {
        Line::new("", src)
    }

    fn text(&self) -> &str {
        &self.buf[self.off..]
    }

    fn indent(&self) -> usize {
        if self.off <= self.lead {
            self.lead - self.off
        } else {
            indent(self.text())
        }
    }

    fn is_blank(&self) -> bool {
        if self.off <= self.lead {
            self.all_blank
        } else {
            is_blank(self.text())
        }
    }

    fn replaced(&self, text: String) -> Line {
        Line {
            start: self.start,
            ..Line::new(&text, self.src)
        }
    }

    /// Skips `n` bytes (always ASCII spaces or list markers).
    fn skip(&self, n: usize) -> Line {
        let off = (self.off + n).min(self.buf.len());
        Line {
            buf: self.buf.clone(),
            off,
            ..*self
        }
    }

    /// Python's `looseDetab`: removes `n` spaces from a line that has them.
    fn detab(&self, n: usize) -> Line {
        if self.indent() >= n {
            self.skip(n)
        } else {
            self.clone()
        }
    }

    fn starting(mut self, start: bool) -> Line {
        self.start = start;
        self
    }

    /// Python-Markdown's NormalizeWhitespace: tabs expanded to 4 columns,
    /// its placeholder markers (STX, ETX) removed.
    fn normalized(self) -> Line {
        let t = self.text();
        if !t.bytes().any(|b| b == b'\t' || b == 2 || b == 3) {
            return self;
        }
        let mut s = String::with_capacity(t.len() + 8);
        let mut col = 0;
        for c in t.chars() {
            match c {
                '\t' => {
                    let n = 4 - col % 4;
                    s.push_str(&"    "[..n]);
                    col += n;
                }
                '\u{2}' | '\u{3}' => {}
                _ => {
                    s.push(c);
                    col += 1;
                }
            }
        }
        self.replaced(s)
    }
}

fn indent(s: &str) -> usize {
    s.bytes().take_while(|&b| b == b' ').count()
}

fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| b == b' ' || b == b'\t')
}

/// Lines without their terminators (`\n`, `\r\n` or `\r`); a final line
/// terminator does not make an extra empty line.
fn split_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push(&text[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                out.push(&text[start..i]);
                i += 1;
                if bytes.get(i) == Some(&b'\n') {
                    i += 1;
                }
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        out.push(&text[start..]);
    }
    out
}

fn next_nonblank(lines: &[Line], mut i: usize) -> usize {
    while i < lines.len() && lines[i].is_blank() {
        i += 1;
    }
    i
}

/// The prefix an open container puts before each of its lines.
struct Prefix {
    /// For the next line only (a list item's marker).
    first: Option<String>,
    rest: String,
}

#[derive(Default)]
struct Out {
    /// Text, origin, and whether the line is a wrapper of ours (see
    /// [`Preprocessed::generated`]).
    lines: Vec<(String, Src, bool)>,
    prefix: Vec<Prefix>,
    /// The last line pushed is blank, with this many prefixes open.
    blank_at: Option<usize>,
}

impl Out {
    fn line(&mut self, text: &str, src: Src) {
        let mut s = String::with_capacity(text.len() + 4 * self.prefix.len());
        for p in &mut self.prefix {
            match p.first.take() {
                Some(first) => s.push_str(&first),
                None => s.push_str(&p.rest),
            }
        }
        s.push_str(text);
        if text.is_empty() {
            s.truncate(s.trim_end().len());
        }
        self.lines.push((s, src, false));
        self.blank_at = None;
    }

    /// A wrapper line: HTML this pass generated, whose author-supplied
    /// parts (titles, labels) went through [`Cx::inline_html`].
    fn html(&mut self, text: &str, src: Src) {
        self.line(text, src);
        if let Some(last) = self.lines.last_mut() {
            last.2 = true;
        }
    }

    /// A blank line that separates HTML wrapper lines from Markdown; one is
    /// enough.
    fn gap(&mut self, src: Src) {
        if self.blank_at != Some(self.prefix.len()) {
            self.blank(src);
        }
    }

    fn blank(&mut self, src: Src) {
        // A list item cannot start with a blank line: the marker waits for
        // the first line with content.
        if self.prefix.iter().any(|p| p.first.is_some()) {
            return;
        }
        let mut s = String::new();
        for p in &self.prefix {
            s.push_str(&p.rest);
        }
        s.truncate(s.trim_end().len());
        self.lines.push((s, src, false));
        self.blank_at = Some(self.prefix.len());
    }
}

// ---------------------------------------------------------------------------
// The context
// ---------------------------------------------------------------------------

struct Cx<'a> {
    options: &'a MarkdownOptions,
    /// Snippet paths as written, for `Src::file`.
    files: Vec<String>,
    problems: Vec<Problem>,
    abbreviations: Vec<(String, String)>,
    /// pymdownx.tabbed's per-page group counter.
    tab_groups: u32,
    out: Out,
    depth: usize,
    /// Open lists (innermost last): whether a folded item was reported.
    lists: Vec<bool>,
    /// Lines `///` blocks may still scan for their end (see `block_end`).
    block_budget: usize,
    /// See [`Preprocessed::author_html`].
    author_html: bool,
}

/// State of one container's walk.
#[derive(Default)]
struct Walk {
    /// Paragraph lines so far in the current paragraph (0 = at a block start).
    para: usize,
    /// No fence starts before this line: superfences' single scan already
    /// consumed the lines of an abandoned (or never closed) fence.
    no_fence_until: usize,
    /// Alternating markers keep back-to-back lists apart in CommonMark.
    bullet: bool,
    delim: bool,
    /// A folded list item was reported for the current paragraph.
    reported: bool,
    /// What the previous block was (definition lists need a term).
    prev: Prev,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Prev {
    /// Nothing yet in this container.
    #[default]
    None,
    Para,
    Definition,
    Other,
}

impl<'a> Cx<'a> {
    fn new(options: &'a MarkdownOptions) -> Cx<'a> {
        Cx {
            options,
            files: Vec::new(),
            problems: Vec::new(),
            abbreviations: Vec::new(),
            tab_groups: 0,
            out: Out::default(),
            depth: 0,
            lists: Vec::new(),
            block_budget: 0,
            author_html: false,
        }
    }

    fn file_name(&self, file: u32) -> Option<String> {
        if file == 0 {
            None
        } else {
            self.files.get(file as usize - 1).cloned()
        }
    }

    /// [`inline_html`], remembering raw HTML for [`Preprocessed::author_html`].
    fn inline_html(&mut self, text: &str) -> String {
        let (html, raw) = inline_html(text, self.options);
        self.author_html |= raw;
        html
    }

    fn problem(&mut self, src: Src, kind: ProblemKind, message: impl Into<String>) {
        let file = self.file_name(src.file);
        self.problems.push(Problem {
            line: src.line,
            file,
            kind,
            message: message.into(),
        });
    }

    fn finish(self, front_matter: FrontMatter) -> Preprocessed {
        let mut text =
            String::with_capacity(self.out.lines.iter().map(|(s, _, _)| s.len() + 1).sum());
        let mut line_map = Vec::with_capacity(self.out.lines.len());
        let mut generated = Vec::with_capacity(self.out.lines.len());
        for (s, src, ours) in &self.out.lines {
            text.push_str(s);
            text.push('\n');
            line_map.push((src.line, self.file_name(src.file)));
            generated.push(*ours);
        }
        Preprocessed {
            text,
            line_map,
            front_matter,
            abbreviations: self.abbreviations,
            problems: self.problems,
            generated,
            author_html: self.author_html,
        }
    }

    // -----------------------------------------------------------------------
    // Front matter (MkDocs `utils.meta.get_data`, spec §2.5)
    // -----------------------------------------------------------------------

    /// Returns the front matter and the index of the first content line.
    fn front_matter(&mut self, raw: &[&str]) -> (FrontMatter, usize) {
        let mut fm = FrontMatter::default();
        let is_marker = |l: &str, c: char| {
            let t = l.trim_end_matches([' ', '\t']);
            t.len() == 3 && t.chars().all(|x| x == c)
        };
        if !raw.first().is_some_and(|l| is_marker(l, '-')) {
            return (fm, 0);
        }
        // `(.*?\n)` holds at least one line before the closing marker.
        let Some(close) =
            (2..raw.len()).find(|&k| is_marker(raw[k], '-') || is_marker(raw[k], '.'))
        else {
            return (fm, 0);
        };
        let mut text = raw[1..close].join("\n");
        text.push('\n');
        match yaml::parse_single(&text, FileId(0)) {
            Ok(node) => {
                let Value::Map(map) = &node.value else {
                    // MkDocs keeps a block that is not a mapping as content.
                    return (fm, 0);
                };
                for (key, value) in map.iter() {
                    match key.text.as_str() {
                        "title" => fm.title = scalar_text(value),
                        "description" => fm.description = scalar_text(value),
                        "hide" => {
                            fm.hide = match &value.value {
                                Value::Seq(items) => items.iter().filter_map(scalar_text).collect(),
                                Value::Str(s) => vec![s.clone()],
                                _ => Vec::new(),
                            }
                        }
                        _ => {}
                    }
                }
                (fm, close + 1)
            }
            Err(d) => {
                // Deliberate difference: MkDocs renders a broken block as
                // content; Backlot removes it and reports it.
                let line = d.span.map(|s| s.start.line.saturating_add(1)).unwrap_or(1);
                self.problem(
                    Src { line, file: 0 },
                    ProblemKind::FrontMatter,
                    format!("invalid YAML front matter: {}", d.message),
                );
                (fm, close + 1)
            }
        }
    }

    // -----------------------------------------------------------------------
    // GitHub / GitLab alerts (mkdocs-github-admonitions-plugin 0.1.1, §3.7)
    // -----------------------------------------------------------------------

    /// `> [!NOTE] title` + `>` lines become `!!! note "Title"` + 4-space
    /// lines; `important` → `warning`, `caution` → `danger`. Alerts inside
    /// fenced code stay (the plugin only knows ```` ``` ```` fences at the
    /// margin; Backlot skips every fence superfences would find).
    fn alerts(&mut self, page: Vec<Line>) -> Vec<Line> {
        let n = page.len();
        let mut out = Vec::with_capacity(n);
        let mut i = 0;
        let mut no_fence_until = 0;
        while i < n {
            let line = &page[i];
            let text = line.text();
            if i >= no_fence_until
                && let Some(f) = fence_open(line)
            {
                match fence_close(&page, i, &f) {
                    FenceEnd::Closed(end) => {
                        out.extend_from_slice(&page[i..=end]);
                        i = end + 1;
                        continue;
                    }
                    FenceEnd::Abandoned(k) => no_fence_until = k + 1,
                    FenceEnd::Unclosed => no_fence_until = n,
                }
            }
            if let Some((kind, title)) = alert_header(text, false) {
                let body = (i + 1..n)
                    .take_while(|&j| page[j].text().starts_with('>'))
                    .count();
                if body > 0 {
                    out.push(line.replaced(format!("!!! {kind} \"{title}\"")));
                    for l in &page[i + 1..=i + body] {
                        let t = &l.text()[1..];
                        let t = t.strip_prefix(' ').unwrap_or(t);
                        out.push(l.replaced(format!("    {t}")));
                    }
                    i += body + 1;
                    continue;
                }
            }
            if let Some((kind, title)) = alert_header(text, true) {
                // The plugin's pattern is greedy up to the page's last `>>>`;
                // Backlot closes at the next one.
                if let Some(close) = (i + 2..n).find(|&j| page[j].text().starts_with(">>>")) {
                    out.push(line.replaced(format!("!!! {kind} \"{title}\"")));
                    for l in &page[i + 1..close] {
                        out.push(l.replaced(format!("    {}", l.text())));
                    }
                    let rest = &page[close].text()[3..];
                    out.push(page[close].replaced(rest.to_string()));
                    i = close + 1;
                    continue;
                }
            }
            out.push(line.clone());
            i += 1;
        }
        out
    }

    // -----------------------------------------------------------------------
    // Snippets (pymdownx.snippets, §3.19)
    // -----------------------------------------------------------------------

    fn snippets(
        &mut self,
        lines: Vec<Line>,
        loader: &dyn SnippetLoader,
        stack: &mut Vec<String>,
        is_section: bool,
        budget: &mut usize,
    ) -> Vec<Line> {
        let mut out = Vec::with_capacity(lines.len());
        let mut block = false;
        for line in lines {
            let text = line.text();
            let marker = if text.contains("8<") {
                snippet_marker(text)
            } else {
                None
            };
            let (path, space) = match marker {
                Some(Marker::Escaped) => {
                    out.push(line.replaced(text.replacen(';', "", 1)));
                    continue;
                }
                Some(Marker::Block) => {
                    block = !block;
                    continue;
                }
                Some(Marker::Inline { .. }) if block => continue,
                Some(Marker::Inline { path, space }) => (path, space),
                None if !block => {
                    if !is_section
                        && text.contains("8<")
                        && let Some(m) = section_marker(text)
                    {
                        if m.escaped {
                            let mut s = text.to_string();
                            s.remove(m.escape_at);
                            out.push(line.replaced(s));
                        }
                        continue;
                    }
                    out.push(line);
                    continue;
                }
                None => {
                    let path = text.trim();
                    if path.is_empty() {
                        out.push(Line::blank(line.src));
                        continue;
                    }
                    let space = expand_space(&text[..text.len() - text.trim_start().len()]);
                    (path.to_string(), space)
                }
            };
            if path.starts_with(';') {
                continue;
            }
            self.paste(&path, &space, line.src, loader, stack, budget, &mut out);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn paste(
        &mut self,
        spec: &str,
        space: &str,
        at: Src,
        loader: &dyn SnippetLoader,
        stack: &mut Vec<String>,
        budget: &mut usize,
        out: &mut Vec<Line>,
    ) {
        let (path, sel) = snippet_spec(spec);
        if path.is_empty() {
            return;
        }
        if stack.iter().any(|p| p == path) {
            let chain = stack.join(" → ");
            self.problem(
                at,
                ProblemKind::Snippet,
                format!("snippet `{path}` includes itself ({chain} → {path}); skipped"),
            );
            return;
        }
        if stack.len() >= MAX_SNIPPET_DEPTH {
            self.problem(
                at,
                ProblemKind::Snippet,
                format!("snippets nest more than {MAX_SNIPPET_DEPTH} deep; `{path}` skipped"),
            );
            return;
        }
        let text = match loader.load(path) {
            Ok(text) => text,
            Err(why) => {
                self.problem(
                    at,
                    ProblemKind::Snippet,
                    format!("snippet `{path}` could not be included: {why}"),
                );
                return;
            }
        };
        if text.len() > *budget {
            self.problem(
                at,
                ProblemKind::Snippet,
                format!(
                    "snippet `{path}` skipped: the page already pastes more than 16 MiB of snippets"
                ),
            );
            return;
        }
        *budget -= text.len();
        let file = match self.files.iter().position(|f| f == path) {
            Some(k) => k as u32 + 1,
            None => {
                self.files.push(path.to_string());
                self.files.len() as u32
            }
        };
        let mut s_lines: Vec<(Cow<str>, u32)> = split_lines(&text)
            .into_iter()
            .enumerate()
            .map(|(k, l)| (Cow::Borrowed(l), line_number(k)))
            .collect();
        if text.ends_with(['\n', '\r']) {
            let n = line_number(s_lines.len());
            s_lines.push((Cow::Borrowed(""), n));
        }
        let is_section = matches!(sel, Sel::Section(_));
        let s_lines = match sel {
            Sel::All => s_lines,
            Sel::Lines(ranges) => select_lines(s_lines, &ranges),
            Sel::Section(name) => extract_section(s_lines, &name),
        };
        let lines: Vec<Line> = s_lines
            .iter()
            .map(|(l, n)| Line::new(&format!("{space}{l}"), Src { line: *n, file }))
            .collect();
        stack.push(path.to_string());
        let expanded = self.snippets(lines, loader, stack, is_section, budget);
        stack.pop();
        out.extend(expanded);
    }

    // -----------------------------------------------------------------------
    // The block pass
    // -----------------------------------------------------------------------

    /// Processes the lines of one container (already de-indented).
    fn blocks(&mut self, lines: &[Line]) {
        if self.depth >= MAX_NESTING {
            for l in lines {
                if l.is_blank() {
                    self.out.blank(l.src)
                } else {
                    self.out.line(l.text(), l.src)
                }
            }
            return;
        }
        self.depth += 1;
        let mut w = Walk::default();
        let mut i = 0;
        while i < lines.len() {
            i = self.step(lines, i, &mut w);
        }
        self.depth -= 1;
    }

    /// Handles the construct starting at `lines[i]`; returns the next index.
    fn step(&mut self, lines: &[Line], i: usize, w: &mut Walk) -> usize {
        let line = &lines[i];
        if line.is_blank() {
            self.out.gap(line.src);
            w.para = 0;
            return i + 1;
        }
        if line.start {
            w.para = 0;
        }
        if w.para == 0 {
            w.reported = false;
        }
        let prev = std::mem::replace(&mut w.prev, Prev::Other);
        if let Some(next) = self.construct(lines, i, w, prev) {
            w.para = 0;
            return next;
        }
        self.para_line(line, w);
        i + 1
    }

    /// Everything but paragraph text, in Python-Markdown's priority order
    /// where it matters.
    fn construct(&mut self, lines: &[Line], i: usize, w: &mut Walk, prev: Prev) -> Option<usize> {
        let line = &lines[i];
        let text = line.text();
        let ind = line.indent();
        let rest = &text[ind..];
        let at_start = w.para == 0;

        // Indented code (Python's CodeBlockProcessor; superfences reverts
        // fences inside it to text).
        if at_start && ind >= 4 {
            return Some(self.indented_code(lines, i));
        }
        // Fenced code: superfences finds fences at any indent and position.
        if i >= w.no_fence_until
            && let Some(f) = fence_open(line)
        {
            match fence_close(lines, i, &f) {
                FenceEnd::Closed(end) => {
                    self.fence(lines, i, end, &f);
                    return Some(end + 1);
                }
                FenceEnd::Abandoned(k) => w.no_fence_until = k + 1,
                FenceEnd::Unclosed => {
                    w.no_fence_until = lines.len();
                    self.problem(
                        line.src,
                        ProblemKind::Compat,
                        "this code fence is never closed: TechDocs shows it as text, and finds no code fence after it",
                    );
                }
            }
        }
        if let Some(next) = self.container(lines, i) {
            return Some(next);
        }
        if ind == 0
            && let Some(used) = self.abbreviation(lines, i)
        {
            if w.para > 0 {
                // The definition splits the paragraph around it.
                self.out.gap(line.src);
            }
            w.prev = prev;
            return Some(i + used);
        }
        if ind > 3 {
            return None;
        }
        if let Some(end) = html_block_start(rest, at_start) {
            return Some(self.html_block(lines, i, end));
        }
        if at_start && !rest.starts_with('#') && setext_underline(lines.get(i + 1)) {
            return Some(self.setext(lines, i));
        }
        if rest.starts_with('>') {
            return Some(self.quote(lines, i));
        }
        if at_start
            && ind <= 1
            && !is_hr(rest)
            && let Some(ordered) = list_start(rest)
        {
            return Some(self.list(lines, i, ordered, w));
        }
        if rest.starts_with(": ") && (w.para > 0 || (at_start && prev != Prev::None)) {
            let terms = w.para > 0 || matches!(prev, Prev::Para | Prev::Definition);
            let next = self.definition(lines, i, terms, &mut w.no_fence_until);
            w.prev = Prev::Definition;
            return Some(next);
        }
        None
    }

    /// A line that Python-Markdown keeps in a paragraph (or a heading or
    /// rule on its own line), escaped where CommonMark would see structure.
    fn para_line(&mut self, line: &Line, w: &mut Walk) {
        let text = line.text();
        let ind = line.indent();
        let rest = &text[ind..];
        if ind <= 3 {
            if let Some(ch) = setext_char(rest) {
                if w.para == 1 {
                    // Setext heading in both.
                    self.out.line(text, line.src);
                    w.para = 0;
                    return;
                }
                if w.para >= 2 {
                    // Python only takes a two-line block as a setext heading;
                    // CommonMark would take the whole paragraph.
                    if ch == b'-' && rest.trim_end().len() >= 3 {
                        self.out.gap(line.src);
                        self.out.line(text, line.src);
                        w.para = 0;
                    } else {
                        self.out
                            .line(&format!("{}\\{rest}", &text[..ind]), line.src);
                        w.para += 1;
                    }
                    return;
                }
            }
            if is_hr(rest) {
                self.out.line(text, line.src);
                w.para = 0;
                return;
            }
        }
        if ind == 0 && rest.starts_with('#') {
            // Python's HashHeaderProcessor needs no space after the hashes.
            let hashes = rest.bytes().take_while(|&b| b == b'#').count();
            if hashes <= 6 && rest.len() > hashes && !rest[hashes..].starts_with([' ', '\t']) {
                self.out.line(
                    &format!("{} {}", &rest[..hashes], &rest[hashes..]),
                    line.src,
                );
            } else {
                self.out.line(text, line.src);
            }
            w.para = 0;
            return;
        }
        if ind <= 3
            && let Some(footnote) = definition_start(rest)
        {
            // Python splits the paragraph at a reference or footnote
            // definition; CommonMark does not let one interrupt it.
            if w.para > 0 {
                self.out.gap(line.src);
            }
            self.out.line(text, line.src);
            w.para = usize::from(footnote);
            return;
        }
        if w.para == 0 && ind > 0 && !self.options.blocks_mode && container_header(rest) {
            let message = if self.lists.is_empty() {
                "`!!!`, `???` and `===` blocks must start at the beginning of the line (or 4 spaces deeper \
                 inside a block); this one is rendered as text"
            } else {
                "admonitions, details and tabs inside a list item need 2 spaces of indentation in TechDocs \
                 (mdx_truly_sane_lists); this one is rendered as text"
            };
            self.problem(line.src, ProblemKind::Compat, message);
        }
        let mut out: Cow<str> = Cow::Borrowed(text);
        if ind <= 3 && is_table_delimiter(rest) {
            if w.para >= 2 {
                // Python's tables must start a block; pulldown-cmark lets
                // one interrupt a paragraph.
                out = Cow::Owned(format!("{}\\{rest}", &text[..ind]));
            }
        } else if ind <= 3 && rest.starts_with(':') && !rest.starts_with(": ") {
            // Python's def_list wants `:` and a space; pulldown-cmark takes
            // any `:` (`:smile:` at the start of a line would become a
            // definition).
            out = Cow::Owned(format!("{}\\{rest}", &text[..ind]));
        } else if let Some(at) = cm_list_marker(rest) {
            out = Cow::Owned(format!("{}\\{}", &text[..ind + at], &text[ind + at..]));
            self.report_fold(line.src, ind, w);
        } else if ind > 0 && rest.starts_with('#') {
            out = Cow::Owned(format!("{}\\{rest}", &text[..ind]));
        } else if fence_open(line).is_some() {
            // A fence Python's scanner did not take: keep it text.
            let run = rest.bytes().take_while(|&b| b == b'`' || b == b'~').count();
            let mut s = String::with_capacity(text.len() + run);
            s.push_str(&text[..ind]);
            for c in rest[..run].chars() {
                s.push('\\');
                s.push(c);
            }
            s.push_str(&rest[run..]);
            out = Cow::Owned(s);
        }
        self.out.line(&out, line.src);
        w.para += 1;
        w.prev = Prev::Para;
    }

    fn report_fold(&mut self, src: Src, ind: usize, w: &mut Walk) {
        let message = if ind >= 2 {
            NESTED_LIST_HELP
        } else if w.para == 0 {
            "`1)` does not start a list in TechDocs (Python-Markdown only knows `1.`); this line is rendered as text"
        } else {
            LIST_NEEDS_BLANK_HELP
        };
        let reported = match self.lists.last_mut() {
            Some(r) => r,
            None => &mut w.reported,
        };
        if !*reported {
            *reported = true;
            self.problem(src, ProblemKind::Compat, message);
        }
    }

    /// A two-line Python block whose second line is `===` or `---`: a
    /// setext heading of the first line, whatever it looks like.
    fn setext(&mut self, lines: &[Line], i: usize) -> usize {
        let text = lines[i].text();
        let ind = lines[i].indent();
        let rest = &text[ind..];
        let escaped = if cm_list_marker(rest).is_some() || rest.starts_with(['>', '+', '=', '<']) {
            format!("{}\\{rest}", &text[..ind])
        } else {
            text.to_string()
        };
        self.out.line(&escaped, lines[i].src);
        self.out.line(lines[i + 1].text(), lines[i + 1].src);
        i + 2
    }

    fn indented_code(&mut self, lines: &[Line], i: usize) -> usize {
        let mut end = i;
        let mut j = i;
        while j < lines.len() {
            let l = &lines[j];
            if l.is_blank() {
                j += 1;
            } else if l.indent() >= 4 {
                j += 1;
                end = j;
            } else {
                break;
            }
        }
        for l in &lines[i..end] {
            if l.is_blank() {
                self.out.blank(l.src)
            } else {
                self.out.line(l.text(), l.src)
            }
        }
        end
    }

    /// Re-emits a fence at the container's column, its content without the
    /// fence's indentation, and a fence long enough that CommonMark closes
    /// it where superfences does (superfences wants the exact length).
    fn fence(&mut self, lines: &[Line], i: usize, end: usize, f: &Fence) {
        let content = |l: &'_ Line| -> String {
            let t = l.text();
            if indent(t) >= f.ws {
                t[f.ws..].to_string()
            } else {
                String::new()
            }
        };
        let mut n = f.len;
        for l in &lines[i + 1..end] {
            let c = content(l);
            let ind = indent(&c);
            if ind <= 3 {
                let run = c[ind..].bytes().take_while(|&b| b == f.ch).count();
                if run >= n && is_blank(&c[ind + run..]) {
                    n = run + 1;
                }
            }
        }
        let fence = (f.ch as char).to_string().repeat(n);
        let open = lines[i].text();
        self.out
            .line(&format!("{fence}{}", &open[f.info_at..]), lines[i].src);
        for l in &lines[i + 1..end] {
            if l.is_blank() {
                self.out.blank(l.src)
            } else {
                self.out.line(&content(l), l.src)
            }
        }
        self.out.line(&fence, lines[end].src);
    }

    fn html_block(&mut self, lines: &[Line], i: usize, end: HtmlEnd) -> usize {
        if matches!(end, HtmlEnd::Blank)
            && let Some(close) = raw_block_end(lines, i)
        {
            // Python-Markdown keeps a block element without a `markdown`
            // attribute raw up to its matching end tag, blank lines
            // included; CommonMark would end the HTML block at the first
            // blank line and parse the rest as Markdown. A blank line
            // becomes an empty comment, which keeps the block one HTML
            // block and disappears when the page is sanitized (raw HTML
            // always is), leaving the line break as it was.
            self.out.line(lines[i].text().trim_start(), lines[i].src);
            for l in &lines[i + 1..=close] {
                if l.is_blank() {
                    self.out.line("<!---->", l.src);
                } else {
                    self.out.line(l.text(), l.src);
                }
            }
            return close + 1;
        }
        let ends = |t: &str| match end {
            HtmlEnd::Blank => false,
            HtmlEnd::Contains(marker) => t.contains(marker),
            HtmlEnd::AnyRawEnd => {
                let lower = t.to_ascii_lowercase();
                ["</script>", "</pre>", "</style>", "</textarea>"]
                    .iter()
                    .any(|m| lower.contains(m))
            }
        };
        // Leading spaces would let CommonMark continue a list item before
        // the HTML; they mean nothing to the HTML itself.
        self.out.line(lines[i].text().trim_start(), lines[i].src);
        if ends(lines[i].text()) {
            return i + 1;
        }
        let mut j = i + 1;
        while j < lines.len() {
            let l = &lines[j];
            if l.is_blank() {
                if matches!(end, HtmlEnd::Blank) {
                    break;
                }
                self.out.blank(l.src);
            } else {
                self.out.line(l.text(), l.src);
            }
            j += 1;
            if ends(l.text()) {
                break;
            }
        }
        j
    }

    /// A Python-Markdown block quote: from its first `>` line to the end of
    /// the block (lazy lines included), merged with quote blocks that follow
    /// after blank lines. Its content is processed like any container.
    fn quote(&mut self, lines: &[Line], i: usize) -> usize {
        let mut content: Vec<Line> = Vec::new();
        let mut j = i;
        loop {
            let first = j;
            while j < lines.len() && !lines[j].is_blank() && (j == first || !self.splits(&lines[j]))
            {
                content.push(quote_clean(&lines[j]));
                j += 1;
            }
            if j < lines.len() && !lines[j].is_blank() {
                break;
            }
            let k = next_nonblank(lines, j);
            if k < lines.len()
                && lines[k].indent() <= 3
                && lines[k].text().trim_start().starts_with('>')
            {
                content.extend(lines[j..k].iter().map(|l| Line::blank(l.src)));
                j = k;
                continue;
            }
            break;
        }
        // pulldown-cmark's GFM alerts would turn `> [!NOTE]` into an alert;
        // an alert that reaches this point is a plain quote in TechDocs.
        if let Some(first) = content.iter_mut().find(|l| !l.is_blank()) {
            let t = first.text();
            if alert_header(&format!(">{t}"), false).is_some() {
                let escaped = format!("\\{t}");
                *first = first.replaced(escaped);
            }
        }
        self.out.prefix.push(Prefix {
            first: None,
            rest: "> ".to_string(),
        });
        self.blocks(&content);
        self.out.prefix.pop();
        j
    }

    /// Whether Python-Markdown splits a block at this line before the list
    /// and quote processors see it (raw HTML is even taken out before block
    /// parsing).
    fn splits(&self, l: &Line) -> bool {
        let t = l.text();
        let ind = l.indent();
        let r = &t[ind..];
        (ind <= 3 && is_hr(r))
            || raw_html_line(l)
            || (ind == 0 && r.starts_with('#'))
            || self.splits_high(l)
            || (self.options.blocks_mode && ind <= 3 && block_header(r).is_some())
    }

    /// Processors with a higher priority than ListIndent (admonition,
    /// details, tabbed: 105).
    fn splits_high(&self, l: &Line) -> bool {
        !self.options.blocks_mode && l.indent() == 0 && container_header(l.text())
    }

    // -----------------------------------------------------------------------
    // Lists (Python-Markdown lists + mdx_truly_sane_lists, §3.8)
    // -----------------------------------------------------------------------

    fn list(&mut self, lines: &[Line], i0: usize, ordered: bool, w: &mut Walk) -> usize {
        let mut items: Vec<Item> = Vec::new();
        let mut i = self.list_chunk(lines, i0, ordered, &mut items, &mut w.no_fence_until);
        loop {
            if i < lines.len() && !lines[i].is_blank() {
                break; // stopped at a line that splits the block
            }
            let j = next_nonblank(lines, i);
            if j >= lines.len() {
                break;
            }
            let l = &lines[j];
            let ind = l.indent();
            if ind >= 2 && !raw_html_line(l) {
                // ListIndentProcessor: the block belongs to the last item,
                // one nesting unit (2 spaces) less indented; deeper levels
                // are found the same way inside the item.
                let end = self.indent_chunk_end(lines, j, &mut w.no_fence_until);
                let item = items.last_mut().expect("a list has an item");
                item.body
                    .extend(lines[i..j].iter().map(|b| Line::blank(b.src)));
                // A 3-space block loses 3: the content then sits one unit
                // (2–3 columns) past the marker in the output too, which is
                // how the render pass knows Python wraps the item's text in
                // `<p>` (`ListIndentProcessor` reaches it through the list).
                let unit = if ind == 3 { 3 } else { 2 };
                item.body.extend(
                    lines[j..end]
                        .iter()
                        .enumerate()
                        .map(|(k, l)| l.detab(unit).starting(k == 0)),
                );
                i = end;
                continue;
            }
            let r = &l.text()[ind..];
            if ordered && ind <= 1 && !is_hr(r) && ordered_marker(r).is_some() {
                // Truly sane lists still join ordered lists across blank lines.
                let n = items.len();
                i = self.list_chunk(lines, j, true, &mut items, &mut w.no_fence_until);
                if let Some(item) = items.get_mut(n) {
                    item.loose = Some(lines[j - 1].src);
                }
                continue;
            }
            break;
        }

        let (marker, width) = if ordered {
            w.delim = !w.delim;
            (if w.delim { "1. " } else { "1) " }, 3)
        } else {
            w.bullet = !w.bullet;
            (if w.bullet { "- " } else { "* " }, 2)
        };
        self.lists.push(false);
        for item in items {
            if let Some(src) = item.loose {
                self.out.gap(src);
            }
            self.out.prefix.push(Prefix {
                first: Some(marker.to_string()),
                rest: " ".repeat(width),
            });
            self.blocks(&item.body);
            let prefix = self.out.prefix.pop().expect("pushed above");
            if prefix.first.is_some() {
                self.out.line(marker.trim_end(), item.src);
            }
        }
        self.lists.pop();
        i
    }

    /// One Python block of a list: items at 0–1 spaces, nested items at
    /// 2–3 spaces (handed to the previous item), anything else continues the
    /// previous item as text (this is where 4-space "children" end up).
    fn list_chunk(
        &mut self,
        lines: &[Line],
        i: usize,
        ordered: bool,
        items: &mut Vec<Item>,
        no_fence_until: &mut usize,
    ) -> usize {
        let mut j = i;
        while j < lines.len() {
            let l = &lines[j];
            if l.is_blank() {
                break;
            }
            let text = l.text();
            let ind = l.indent();
            let rest = &text[ind..];
            if j > i {
                if self.splits(l) {
                    break;
                }
                if l.start {
                    // A nested list parsed after its parent's text joins the
                    // list Python already made there.
                    match (ind <= 1).then(|| any_marker(rest)).flatten() {
                        Some(off) => {
                            items.push(Item::new(l.skip(ind + off).starting(true)));
                            j += 1;
                            continue;
                        }
                        None => break,
                    }
                }
                if j >= *no_fence_until
                    && let Some(f) = fence_open(l)
                {
                    match fence_close(lines, j, &f) {
                        FenceEnd::Closed(end) => {
                            for l in &lines[j..=end] {
                                push_continuation(items, l);
                            }
                            j = end + 1;
                            continue;
                        }
                        FenceEnd::Abandoned(k) => *no_fence_until = k + 1,
                        FenceEnd::Unclosed => *no_fence_until = lines.len(),
                    }
                }
            }
            if ind <= 1 {
                if let Some(off) = item_marker(rest, ordered) {
                    items.push(Item::new(l.skip(ind + off).starting(true)));
                    j += 1;
                    continue;
                }
            } else if ind <= 3
                && any_marker(rest).is_some()
                && let Some(item) = items.last_mut()
            {
                let start = !item.group;
                item.group = true;
                item.body.push(l.detab(2).starting(start));
                j += 1;
                continue;
            }
            push_continuation(items, l);
            j += 1;
        }
        j
    }

    /// The block a ListIndentProcessor takes: up to a blank line (fences
    /// included), or to an admonition, details or tab line (those
    /// processors come first and split the block).
    fn indent_chunk_end(&self, lines: &[Line], j: usize, no_fence_until: &mut usize) -> usize {
        self.chunk_end(lines, j, Cx::splits_high, no_fence_until)
    }

    /// The end of the Python block starting at `j`: the next blank line
    /// outside fenced code, or a line after `j` where `stop` splits it.
    fn chunk_end(
        &self,
        lines: &[Line],
        j: usize,
        stop: impl Fn(&Self, &Line) -> bool,
        no_fence_until: &mut usize,
    ) -> usize {
        let mut k = j;
        while k < lines.len() {
            let l = &lines[k];
            if l.is_blank() || (k > j && stop(self, l)) {
                break;
            }
            if k >= *no_fence_until
                && let Some(f) = fence_open(l)
            {
                match fence_close(lines, k, &f) {
                    FenceEnd::Closed(end) => {
                        k = end + 1;
                        continue;
                    }
                    FenceEnd::Abandoned(a) => *no_fence_until = a + 1,
                    FenceEnd::Unclosed => *no_fence_until = lines.len(),
                }
            }
            k += 1;
        }
        k
    }

    /// A definition (`:   text`; def_list, with truly sane lists' 2-space
    /// unit). After a term: CommonMark's definition list syntax. Without
    /// one (Python then makes a `<dl>` without `<dt>`): HTML wrapper lines.
    fn definition(
        &mut self,
        lines: &[Line],
        i: usize,
        terms: bool,
        no_fence_until: &mut usize,
    ) -> usize {
        let l = &lines[i];
        let ind = l.indent();
        let spaces = l.text()[ind + 1..]
            .bytes()
            .take_while(|&b| b == b' ')
            .count()
            .min(3);
        let mut body = vec![l.skip(ind + 1 + spaces).starting(true)];
        let mut j = i + 1;
        if let Some(next) = lines.get(j).filter(|n| !n.is_blank()) {
            let nind = next.indent();
            if nind <= 1 && !next.text()[nind..].starts_with(':') {
                // NO_INDENT_RE: the rest of the block continues lazily.
                let end = self.chunk_end(lines, j, Cx::splits, no_fence_until);
                body.extend(lines[j..end].iter().map(|l| l.clone().starting(false)));
                j = end;
            } else {
                while j < lines.len() && !lines[j].is_blank() && lines[j].indent() >= 2 {
                    body.push(lines[j].detab(2).starting(false));
                    j += 1;
                }
            }
        }
        // DefListIndentProcessor: later blocks indented by 2 or more.
        loop {
            if j < lines.len() && !lines[j].is_blank() {
                break;
            }
            let k = next_nonblank(lines, j);
            if k >= lines.len() || lines[k].indent() < 2 || raw_html_line(&lines[k]) {
                break;
            }
            let end = self.indent_chunk_end(lines, k, no_fence_until);
            body.extend(lines[j..k].iter().map(|b| Line::blank(b.src)));
            body.extend(
                lines[k..end]
                    .iter()
                    .enumerate()
                    .map(|(n, l)| l.detab(2).starting(n == 0)),
            );
            j = end;
        }
        let src = l.src;
        let last = body.last().map_or(src, |b| b.src);
        if terms {
            self.out.prefix.push(Prefix {
                first: Some(": ".to_string()),
                rest: "  ".to_string(),
            });
            self.blocks(&body);
            if self.out.prefix.pop().is_some_and(|p| p.first.is_some()) {
                self.out.line(":", src);
            }
        } else {
            self.out.html("<dl>", src);
            self.out.html("<dd>", src);
            self.out.gap(src);
            self.blocks(&body);
            self.out.gap(last);
            self.out.html("</dd>", last);
            self.out.html("</dl>", last);
            self.out.gap(last);
        }
        j
    }

    // -----------------------------------------------------------------------
    // Abbreviations (abbr, §3.14)
    // -----------------------------------------------------------------------

    /// `*[ABBR]: Title` (the title may be on the next line); returns the
    /// number of lines used.
    fn abbreviation(&mut self, lines: &[Line], i: usize) -> Option<usize> {
        let r = lines[i].text().strip_prefix("*[")?;
        let mut found = None;
        for (p, c) in r.char_indices() {
            if c == '\\' {
                return None;
            }
            if c == ']' {
                let after = &r[p + 1..];
                let after = after.strip_prefix(' ').unwrap_or(after);
                if let Some(after) = after.strip_prefix(':') {
                    found = Some((p, after));
                    break;
                }
            }
        }
        let (p, after) = found?;
        let abbr = r[..p].trim();
        let mut title = after.trim();
        let mut used = 1;
        if title.is_empty() {
            title = lines.get(i + 1)?.text().trim();
            used = 2;
        }
        if abbr.is_empty() || title.is_empty() {
            return None;
        }
        if title == "\"\"" || title == "''" {
            self.abbreviations.retain(|(a, _)| a != abbr);
        } else if let Some(entry) = self.abbreviations.iter_mut().find(|(a, _)| a == abbr) {
            entry.1 = title.to_string();
        } else {
            self.abbreviations
                .push((abbr.to_string(), title.to_string()));
        }
        Some(used)
    }

    // -----------------------------------------------------------------------
    // Admonitions, details, tabs (§3.4–3.6) and blocks mode (§3.20)
    // -----------------------------------------------------------------------

    fn container(&mut self, lines: &[Line], i: usize) -> Option<usize> {
        let text = lines[i].text();
        let ind = lines[i].indent();
        if self.options.blocks_mode {
            if ind > 3 {
                return None;
            }
            let header = block_header(&text[ind..])?;
            return self.blocks_mode_block(lines, i, header);
        }
        if ind != 0 {
            return None;
        }
        if let Some(h) = admonition_header(text) {
            let (body, end) = indented_body(lines, i + 1);
            self.admonition(&h.classes, h.title.as_deref(), &body, lines[i].src);
            return Some(end);
        }
        if let Some(h) = details_header(text) {
            let (body, end) = indented_body(lines, i + 1);
            self.details(&h.classes, h.open, &h.title, &body, lines[i].src);
            return Some(end);
        }
        if tab_header(text).is_some() {
            return Some(self.tabs(lines, i));
        }
        None
    }

    fn admonition(&mut self, classes: &str, title: Option<&str>, body: &[Line], src: Src) {
        let class = if classes.is_empty() {
            "admonition".to_string()
        } else {
            format!("admonition {classes}")
        };
        self.out.html(&format!("<div class=\"{class}\">"), src);
        if let Some(title) = title {
            let title = self.inline_html(title);
            self.out
                .html(&format!("<p class=\"admonition-title\">{title}</p>"), src);
        }
        self.out.gap(src);
        self.blocks(body);
        self.close("</div>", body.last().map_or(src, |l| l.src));
    }

    fn details(&mut self, classes: &str, open: bool, summary: &str, body: &[Line], src: Src) {
        let mut tag = String::from("<details");
        if !classes.is_empty() {
            tag.push_str(&format!(" class=\"{classes}\""));
        }
        if open {
            tag.push_str(" open=\"open\"");
        }
        tag.push('>');
        self.out.html(&tag, src);
        let summary = self.inline_html(summary);
        self.out.html(&format!("<summary>{summary}</summary>"), src);
        self.out.gap(src);
        self.blocks(body);
        self.close("</details>", body.last().map_or(src, |l| l.src));
    }

    fn close(&mut self, tag: &str, src: Src) {
        self.out.gap(src);
        self.out.html(tag, src);
        // Without a blank line the next Markdown would join the HTML block.
        self.out.gap(src);
    }

    /// A run of `===` tabs: one group, unless `===!` starts a new one.
    fn tabs(&mut self, lines: &[Line], i: usize) -> usize {
        let mut tabs = Vec::new();
        let mut j = i;
        while let Some(h) = tab_header(lines[j].text()) {
            let (body, end) = indented_body(lines, j + 1);
            tabs.push(Tab {
                label: h.label,
                select: h.select,
                body,
                src: lines[j].src,
            });
            j = end;
            let k = next_nonblank(lines, j);
            match lines.get(k) {
                Some(l)
                    if l.indent() == 0 && tab_header(l.text()).is_some_and(|h| !h.new_group) =>
                {
                    j = k
                }
                _ => break,
            }
        }
        self.tab_group(tabs);
        j
    }

    fn tab_group(&mut self, tabs: Vec<Tab>) {
        let Some(first) = tabs.first() else { return };
        let src = first.src;
        self.tab_groups += 1;
        let g = self.tab_groups;
        let n = tabs.len();
        let checked = tabs.iter().rposition(|t| t.select).unwrap_or(0);
        let labels: Vec<String> = tabs.iter().map(|t| self.inline_html(&t.label)).collect();
        // With `slugify`, ids come from the labels; the render pass turns
        // the marker into the final id (it knows the heading before the
        // tabs and the ids taken).
        let ids: Vec<String> = labels
            .iter()
            .enumerate()
            .map(|(k, label)| match &self.options.tab_slugs {
                Some(slugs) => format!(
                    "{TAB_MARK}{g}_{}{TAB_SLUG}{}{TAB_MARK}",
                    k + 1,
                    tab_slug(label, slugs)
                ),
                None => format!("__tabbed_{g}_{}", k + 1),
            })
            .collect();
        let mut head = format!("<div class=\"tabbed-set tabbed-alternate\" data-tabs=\"{g}:{n}\">");
        for (k, id) in ids.iter().enumerate() {
            let c = if k == checked {
                "checked=\"checked\" "
            } else {
                ""
            };
            head.push_str(&format!(
                "<input {c}id=\"{id}\" name=\"__tabbed_{g}\" type=\"radio\" />"
            ));
        }
        head.push_str("<div class=\"tabbed-labels\">");
        for (id, label) in ids.iter().zip(&labels) {
            head.push_str(&format!("<label for=\"{id}\">{label}</label>"));
        }
        head.push_str("</div>");
        self.out.html(&head, src);
        self.out.html("<div class=\"tabbed-content\">", src);
        let mut last = src;
        for t in &tabs {
            self.out.html("<div class=\"tabbed-block\">", t.src);
            self.out.gap(t.src);
            self.blocks(&t.body);
            last = t.body.last().map_or(t.src, |l| l.src);
            self.out.gap(last);
            self.out.html("</div>", last);
        }
        self.out.html("</div>", last);
        self.out.html("</div>", last);
        self.out.gap(last);
    }

    /// `/// name | argument` … `///` (pymdownx.blocks). `None` when the
    /// header is not a valid block (it is then text, as in Python).
    fn blocks_mode_block(
        &mut self,
        lines: &[Line],
        i: usize,
        header: BlockHeader,
    ) -> Option<usize> {
        let first = self.parse_block(lines, i, header)?;
        if !matches!(first.kind, BlockKind::Tab { .. }) {
            let src = lines[i].src;
            match &first.kind {
                BlockKind::Admonition { class, title } => {
                    self.admonition(class, title.as_deref(), &first.body, src)
                }
                BlockKind::Details { class, title, open } => self.details(
                    class,
                    *open,
                    title.as_deref().unwrap_or(""),
                    &first.body,
                    src,
                ),
                BlockKind::Tab { .. } => {}
            }
            return Some(first.next);
        }
        let mut next = first.next;
        let mut group = vec![first];
        loop {
            let k = next_nonblank(lines, next);
            let Some(l) = lines.get(k) else { break };
            let ind = l.indent();
            let Some(h) = (ind <= 3).then(|| block_header(&l.text()[ind..])).flatten() else {
                break;
            };
            if h.name != "tab" {
                break;
            }
            let Some(b) = self.parse_block(lines, k, h) else {
                break;
            };
            if matches!(b.kind, BlockKind::Tab { new: true, .. }) {
                break;
            }
            next = b.next;
            group.push(b);
        }
        let tabs = group
            .into_iter()
            .filter_map(|b| match b.kind {
                BlockKind::Tab { label, select, .. } => Some(Tab {
                    label,
                    select,
                    body: b.body,
                    src: b.src,
                }),
                _ => None,
            })
            .collect();
        self.tab_group(tabs);
        Some(next)
    }

    fn parse_block(
        &mut self,
        lines: &[Line],
        i: usize,
        header: BlockHeader,
    ) -> Option<ParsedBlock> {
        // Options: the lines right after the header indented by 4+ (YAML).
        let mut j = i + 1;
        while j < lines.len() && !lines[j].is_blank() && lines[j].indent() >= 4 {
            j += 1;
        }
        let options = if j > i + 1 {
            let common = lines[i + 1..j].iter().map(Line::indent).min().unwrap_or(0);
            let text: Vec<&str> = lines[i + 1..j]
                .iter()
                .map(|l| &l.text()[common..])
                .collect();
            match yaml::parse_single(&text.join("\n"), FileId(0)) {
                Ok(Node {
                    value: Value::Map(map),
                    ..
                }) => map
                    .iter()
                    .map(|(k, v)| (k.text.clone(), v.value.clone()))
                    .collect(),
                Ok(Node {
                    value: Value::Null, ..
                }) => Vec::new(),
                _ => return None,
            }
        } else {
            Vec::new()
        };
        let kind = block_kind(&header, &options)?;
        let (body_end, next) = match self.block_end(lines, j, header.slashes) {
            Ok(end) => (end, end + 1),
            Err(BlockEnd::TooComplex) => return None,
            Err(BlockEnd::Unclosed) => {
                self.problem(
                    lines[i].src,
                    ProblemKind::Compat,
                    format!(
                        "this `{}` block is never closed; it runs to the end of its container",
                        header.name
                    ),
                );
                (lines.len(), lines.len())
            }
        };
        let body = lines[j..body_end].to_vec();
        Some(ParsedBlock {
            kind,
            body,
            next,
            src: lines[i].src,
        })
    }

    /// The `///` line that closes a block opened with `slashes` slashes,
    /// skipping nested blocks and fenced code.
    fn block_end(
        &mut self,
        lines: &[Line],
        from: usize,
        slashes: usize,
    ) -> Result<usize, BlockEnd> {
        let mut stack: Vec<usize> = Vec::new();
        let mut j = from;
        let mut no_fence_until = 0;
        while j < lines.len() {
            // Blocks nest without indentation, so unclosed ones would rescan
            // the rest of the page at every level: the work is capped.
            if self.block_budget == 0 {
                return Err(BlockEnd::TooComplex);
            }
            self.block_budget -= 1;
            let t = lines[j].text();
            if j >= no_fence_until
                && let Some(f) = fence_open(&lines[j])
            {
                match fence_close(lines, j, &f) {
                    FenceEnd::Closed(end) => {
                        j = end + 1;
                        continue;
                    }
                    FenceEnd::Abandoned(k) => no_fence_until = k + 1,
                    FenceEnd::Unclosed => no_fence_until = lines.len(),
                }
            }
            let ind = lines[j].indent();
            if ind <= 3 {
                let r = &t[ind..];
                if let Some(n) = block_close(r) {
                    match stack.last() {
                        Some(&top) if top == n => {
                            stack.pop();
                        }
                        None if n == slashes => return Ok(j),
                        _ => {}
                    }
                } else if let Some(h) = block_header(r) {
                    stack.push(h.slashes);
                }
            }
            j += 1;
        }
        Err(BlockEnd::Unclosed)
    }
}

struct Item {
    body: Vec<Line>,
    /// A nested list (2–3 spaces) has started: further lines belong to it.
    group: bool,
    /// Joined to the list after blank lines (ordered lists only).
    loose: Option<Src>,
    src: Src,
}

impl Item {
    fn new(first: Line) -> Item {
        Item {
            src: first.src,
            body: vec![first],
            group: false,
            loose: None,
        }
    }
}

fn push_continuation(items: &mut [Item], l: &Line) {
    if let Some(item) = items.last_mut() {
        let line = if item.group { l.detab(2) } else { l.clone() };
        item.body.push(line.starting(false));
    }
}

/// Python's `detab` over the following blocks: lines indented by 4 or more,
/// and blank lines while the next non-blank line is still indented.
fn indented_body(lines: &[Line], from: usize) -> (Vec<Line>, usize) {
    let mut body = Vec::new();
    let mut end = from;
    let mut j = from;
    while j < lines.len() {
        let l = &lines[j];
        if l.is_blank() {
            j += 1;
            continue;
        }
        if l.indent() < 4 {
            break;
        }
        body.extend(lines[end..j].iter().map(|b| Line::blank(b.src)));
        body.push(l.skip(4).starting(false));
        j += 1;
        end = j;
    }
    (body, end)
}

/// Block-level raw HTML at a line start: Python-Markdown takes it out
/// before block parsing, so it never continues a list.
fn raw_html_line(l: &Line) -> bool {
    // What Python's preprocessor saw: the whole source line.
    let t = &l.buf[..];
    let ind = l.lead;
    ind <= 3 && html_block_start(&t[ind..], false).is_some()
}

fn quote_clean(l: &Line) -> Line {
    let t = l.text();
    let ind = l.indent();
    if ind <= 3 && t[ind..].starts_with('>') {
        if t.trim() == ">" {
            return Line::blank(l.src);
        }
        let at = ind + 1;
        let at = if t[at..].starts_with(' ') { at + 1 } else { at };
        l.skip(at).starting(false)
    } else {
        l.clone().starting(false)
    }
}

struct Tab {
    label: String,
    select: bool,
    body: Vec<Line>,
    src: Src,
}

// ---------------------------------------------------------------------------
// Recognisers
// ---------------------------------------------------------------------------

/// `- `, `* `, `+ ` (at least one space): returns the content offset.
fn bullet_marker(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if !matches!(b.first(), Some(b'*' | b'+' | b'-')) {
        return None;
    }
    let spaces = b[1..].iter().take_while(|&&c| c == b' ').count();
    (spaces > 0).then_some(1 + spaces)
}

/// `12. ` (Python-Markdown only knows `.`).
fn ordered_marker(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || b.get(digits) != Some(&b'.') {
        return None;
    }
    let spaces = b[digits + 1..].iter().take_while(|&&c| c == b' ').count();
    (spaces > 0).then_some(digits + 1 + spaces)
}

fn item_marker(s: &str, ordered: bool) -> Option<usize> {
    if ordered {
        ordered_marker(s)
    } else {
        bullet_marker(s)
    }
}

fn any_marker(s: &str) -> Option<usize> {
    bullet_marker(s).or_else(|| ordered_marker(s))
}

/// `Some(ordered)` when the line starts a Python-Markdown list.
fn list_start(s: &str) -> Option<bool> {
    if bullet_marker(s).is_some() {
        Some(false)
    } else if ordered_marker(s).is_some() {
        Some(true)
    } else {
        None
    }
}

/// Where to put a backslash so that CommonMark does not start a list item
/// here: a bullet or `1.`/`1)` followed by a space, a tab or the end.
fn cm_list_marker(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let end_ok = |k: usize| matches!(b.get(k), None | Some(b' ' | b'\t'));
    if matches!(b.first(), Some(b'*' | b'+' | b'-')) && end_ok(1) {
        return Some(0);
    }
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=9).contains(&digits) && matches!(b.get(digits), Some(b'.' | b')')) && end_ok(digits + 1)
    {
        return Some(digits);
    }
    None
}

/// Python's HR: 3+ of `-`, `*` or `_`, at most 2 spaces apart.
fn is_hr(s: &str) -> bool {
    let t = s.trim_end_matches(' ');
    let Some(&c) = t.as_bytes().first() else {
        return false;
    };
    if !matches!(c, b'-' | b'*' | b'_') {
        return false;
    }
    let mut count = 0;
    let mut gap = 0;
    for &b in t.as_bytes() {
        if b == c {
            count += 1;
            gap = 0;
        } else if b == b' ' {
            gap += 1;
            if gap > 2 {
                return false;
            }
        } else {
            return false;
        }
    }
    count >= 3
}

/// A table's delimiter row (`| --- | :-: |`, `:-- | --:`).
fn is_table_delimiter(s: &str) -> bool {
    s.contains('|') && s.contains('-') && s.bytes().all(|b| matches!(b, b'|' | b':' | b'-' | b' '))
}

/// `===` or `---` (and trailing spaces): a setext underline.
fn setext_char(s: &str) -> Option<u8> {
    let t = s.trim_end_matches(' ');
    let c = *t.as_bytes().first()?;
    (matches!(c, b'=' | b'-') && t.bytes().all(|b| b == c)).then_some(c)
}

/// Python's SetextHeaderProcessor: the block's second line is `[=-]+` at
/// the left margin.
fn setext_underline(next: Option<&Line>) -> bool {
    next.is_some_and(|l| !l.start && l.indent() == 0 && setext_char(l.text()).is_some())
}

/// A link reference (`false`) or footnote (`true`) definition.
fn definition_start(s: &str) -> Option<bool> {
    let r = s.strip_prefix('[')?;
    let close = r.find(']')?;
    let after = r[close + 1..].strip_prefix(':')?;
    if r.starts_with('^') {
        return Some(true);
    }
    let after = after.trim_start_matches(' ');
    (!after.is_empty()).then_some(false)
}

fn container_header(s: &str) -> bool {
    admonition_header(s).is_some() || details_header(s).is_some() || tab_header(s).is_some()
}

/// `[\w\-]+(?: +[\w\-]+)*`: returns the words (lower-cased, single spaces)
/// and the rest.
fn class_words(s: &str) -> Option<(String, &str)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let first = s.find(|c: char| !is_word(c)).unwrap_or(s.len());
    if first == 0 {
        return None;
    }
    let mut words = s[..first].to_lowercase();
    let mut rest = &s[first..];
    loop {
        let t = rest.trim_start_matches(' ');
        if t.len() == rest.len() || !t.starts_with(is_word) {
            break;
        }
        let n = t.find(|c: char| !is_word(c)).unwrap_or(t.len());
        words.push(' ');
        words.push_str(&t[..n].to_lowercase());
        rest = &t[n..];
    }
    Some((words, rest))
}

/// ` *` (`Some(None)`) or ` +"title" *` (`Some(Some(title))`).
fn title_tail(s: &str) -> Option<Option<&str>> {
    let t = s.trim_end_matches(' ');
    if t.is_empty() {
        return Some(None);
    }
    let q = t.trim_start_matches(' ');
    if q.len() == t.len() || q.len() < 2 {
        return None;
    }
    Some(Some(q.strip_prefix('"')?.strip_suffix('"')?))
}

struct AdmonitionHeader {
    classes: String,
    title: Option<String>,
}

/// `!!! type "Title"` (Python-Markdown's admonition).
fn admonition_header(s: &str) -> Option<AdmonitionHeader> {
    let r = s.strip_prefix("!!!")?;
    let r = r.strip_prefix(' ').unwrap_or(r);
    let (classes, rest) = class_words(r)?;
    let title = match title_tail(rest)? {
        None => Some(capitalize(classes.split(' ').next().unwrap_or(""))),
        Some("") => None,
        Some(t) => Some(t.to_string()),
    };
    Some(AdmonitionHeader { classes, title })
}

struct DetailsHeader {
    classes: String,
    title: String,
    open: bool,
}

/// `??? type "Summary"`, `???+ type`, `??? "Summary"` (pymdownx.details).
fn details_header(s: &str) -> Option<DetailsHeader> {
    let r = s.strip_prefix("???")?;
    let (open, r) = match r.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, r),
    };
    let r1 = r.strip_prefix(' ').unwrap_or(r);
    if let Some((classes, rest)) = class_words(r1) {
        let title = match title_tail(rest)? {
            None => capitalize(classes.split(' ').next().unwrap_or("")),
            Some(t) => t.to_string(),
        };
        return Some(DetailsHeader {
            classes,
            title,
            open,
        });
    }
    let title = title_tail(r)??;
    Some(DetailsHeader {
        classes: String::new(),
        title: title.to_string(),
        open,
    })
}

struct TabHeader {
    label: String,
    select: bool,
    new_group: bool,
}

/// `=== "Label"`, `===+`, `===!`, `===+!` (pymdownx.tabbed).
fn tab_header(s: &str) -> Option<TabHeader> {
    let r = s.strip_prefix("===")?;
    let (flags, r) = ["+!", "!+", "+", "!"]
        .iter()
        .find_map(|f| r.strip_prefix(f).map(|r| (*f, r)))
        .unwrap_or(("", r));
    let label = title_tail(r)??;
    Some(TabHeader {
        label: label.to_string(),
        select: flags.contains('+'),
        new_group: flags.contains('!'),
    })
}

struct BlockHeader<'a> {
    slashes: usize,
    /// The registered name (lower-cased).
    name: &'static str,
    /// `None` without `|`; `Some("")` with an empty argument.
    arg: Option<&'a str>,
}

/// `/// name | argument` for a block name techdocs-core registers.
fn block_header(s: &str) -> Option<BlockHeader<'_>> {
    let slashes = s.bytes().take_while(|&b| b == b'/').count();
    if slashes < 3 {
        return None;
    }
    let r = s[slashes..].trim_start_matches(' ');
    let n = r
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(r.len());
    let name = BLOCK_NAMES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(&r[..n]))?;
    let r = r[n..].trim_start_matches(' ');
    let arg = if r.is_empty() {
        None
    } else {
        Some(r.strip_prefix('|')?.trim_matches(' '))
    };
    Some(BlockHeader { slashes, name, arg })
}

/// Every block name techdocs-core registers with `use_pymdownx_blocks`.
const BLOCK_NAMES: [&str; 31] = [
    "admonition",
    "details",
    "tab",
    "new",
    "settings",
    "note",
    "abstract",
    "info",
    "tip",
    "success",
    "question",
    "warning",
    "failure",
    "danger",
    "bug",
    "example",
    "quote",
    "details-new",
    "details-settings",
    "details-note",
    "details-abstract",
    "details-info",
    "details-tip",
    "details-success",
    "details-question",
    "details-warning",
    "details-failure",
    "details-danger",
    "details-bug",
    "details-example",
    "details-quote",
];

fn block_close(s: &str) -> Option<usize> {
    let slashes = s.bytes().take_while(|&b| b == b'/').count();
    (slashes >= 3 && s[slashes..].bytes().all(|b| b == b' ')).then_some(slashes)
}

enum BlockEnd {
    Unclosed,
    TooComplex,
}

enum BlockKind {
    Admonition {
        class: String,
        title: Option<String>,
    },
    Details {
        class: String,
        title: Option<String>,
        open: bool,
    },
    Tab {
        label: String,
        new: bool,
        select: bool,
    },
}

struct ParsedBlock {
    kind: BlockKind,
    body: Vec<Line>,
    next: usize,
    src: Src,
}

/// Validates the options of a block as pymdownx.blocks does (unknown
/// options or wrong types make the header plain text).
fn block_kind(h: &BlockHeader, options: &[(String, Value)]) -> Option<BlockKind> {
    let mut open = false;
    let mut new = false;
    let mut select = false;
    let mut typ: Option<String> = None;
    let generic = h.name == "admonition" || h.name == "details";
    let details = h.name == "details" || h.name.starts_with("details-");
    for (key, value) in options {
        match (key.as_str(), value) {
            ("attrs", _) => {}
            ("open", Value::Bool(b)) if details => open = *b,
            ("type", Value::Str(s)) if generic && is_identifier(s) => typ = Some(s.clone()),
            ("new", Value::Bool(b)) if h.name == "tab" => new = *b,
            ("select", Value::Bool(b)) if h.name == "tab" => select = *b,
            _ => return None,
        }
    }
    if h.name == "tab" {
        let label = h.arg.filter(|a| !a.is_empty())?.to_string();
        return Some(BlockKind::Tab { label, new, select });
    }
    let class = if generic {
        typ.unwrap_or_default()
    } else {
        h.name.trim_start_matches("details-").to_string()
    };
    let title = match h.arg {
        None if class.is_empty() => None,
        None => Some(python_title(&class.replace(['-', '_'], " "))),
        Some("") => None,
        Some(a) => Some(a.to_string()),
    };
    let class = if class == "admonition" && !details {
        String::new()
    } else {
        class
    };
    Some(if details {
        BlockKind::Details { class, title, open }
    } else {
        BlockKind::Admonition { class, title }
    })
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Python's `str.capitalize`.
fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// Python's `str.title`.
fn python_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase())
        } else {
            out.extend(c.to_uppercase())
        }
        prev_cased = c.is_alphabetic();
    }
    out
}

/// `> [!NOTE] title` (or GitLab's `>>> [!note] title`): the admonition type
/// and title it becomes.
fn alert_header(s: &str, gitlab: bool) -> Option<(&'static str, String)> {
    let r = if gitlab {
        s.strip_prefix(">>>")?
    } else {
        s.strip_prefix('>')?
    };
    let spaces = r.bytes().take_while(|&b| b == b' ').count();
    if spaces > 3 {
        return None;
    }
    let r = r[spaces..].strip_prefix("[!")?;
    let close = r.find(']')?;
    let word = &r[..close];
    let kind = match word.to_ascii_lowercase().as_str() {
        "note" => "note",
        "tip" => "tip",
        "important" => "warning",
        "warning" => "warning",
        "caution" => "danger",
        _ => return None,
    };
    let title = r[close + 1..].trim();
    let title = if title.is_empty() {
        python_title(word)
    } else {
        title.to_string()
    };
    Some((kind, title))
}

struct Fence {
    ch: u8,
    len: usize,
    /// Indentation of the opening line.
    ws: usize,
    /// Byte offset of the info string in the opening line.
    info_at: usize,
}

enum FenceEnd {
    Closed(usize),
    /// A content line less indented than the fence: superfences gives up
    /// (and skips the lines up to this one).
    Abandoned(usize),
    Unclosed,
}

fn fence_open(l: &Line) -> Option<Fence> {
    fence_at(l.text(), l.indent())
}

/// A fence opening at `ws` (the indentation of `text`).
fn fence_at(text: &str, ws: usize) -> Option<Fence> {
    let r = &text.as_bytes()[ws..];
    let ch = *r.first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = r.iter().take_while(|&&b| b == ch).count();
    if len < 3 || (ch == b'`' && r[len..].contains(&b'`')) {
        return None;
    }
    Some(Fence {
        ch,
        len,
        ws,
        info_at: ws + len,
    })
}

/// superfences' rules: content lines keep the fence's indentation, the
/// closing fence has exactly the opening length and indentation.
fn fence_close(lines: &[Line], i: usize, f: &Fence) -> FenceEnd {
    for (j, l) in lines.iter().enumerate().skip(i + 1) {
        if l.is_blank() {
            continue;
        }
        let t = l.text();
        if l.indent() < f.ws {
            return FenceEnd::Abandoned(j);
        }
        let c = &t.as_bytes()[f.ws..];
        let run = c.iter().take_while(|&&b| b == f.ch).count();
        if run == f.len && c[run..].iter().all(|&b| b == b' ' || b == b'\t') {
            return FenceEnd::Closed(j);
        }
    }
    FenceEnd::Unclosed
}

#[derive(Clone, Copy)]
enum HtmlEnd {
    Blank,
    Contains(&'static str),
    AnyRawEnd,
}

/// CommonMark's HTML block starts (types 1–6 anywhere, 7 only at a block
/// start): their lines are passed through untouched.
/// Lines an element is looked for its end tag in, at most.
const RAW_BLOCK_LINES: usize = 5000;

/// When line `i` opens a block-level element (not void, no `markdown`
/// attribute) whose matching end tag comes on a later line after a blank
/// one: the index of the line with that end tag.
fn raw_block_end(lines: &[Line], i: usize) -> Option<usize> {
    let first = lines[i].text().trim_start();
    let name_len = first[1..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if name_len == 0 {
        return None;
    }
    let name = first[1..1 + name_len].to_ascii_lowercase();
    if !HTML_BLOCK_TAGS.contains(&name.as_str()) || VOID_BLOCK_TAGS.contains(&name.as_str()) {
        return None;
    }
    let tag_end = first.find('>')?;
    let attrs = first[1 + name_len..tag_end].to_ascii_lowercase();
    if attrs.ends_with('/') || has_attribute(&attrs, "markdown") {
        return None;
    }
    let open = format!("<{name}");
    let close = format!("</{name}");
    let mut depth = 0usize;
    let mut blank = false;
    for (j, l) in lines.iter().enumerate().skip(i).take(RAW_BLOCK_LINES) {
        if l.is_blank() {
            blank = true;
            continue;
        }
        let lower = l.text().to_ascii_lowercase();
        let mut rest = lower.as_str();
        while let Some(at) = rest.find('<') {
            let tail = &rest[at..];
            let after = |prefix: &str| {
                tail.strip_prefix(prefix)
                    .is_some_and(|t| t.is_empty() || t.starts_with([' ', '\t', '>', '/']))
            };
            if after(&close) {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (blank && j > i).then_some(j);
                }
            } else if after(&open) {
                depth += 1;
            }
            rest = &tail[1..];
        }
        if depth == 0 {
            return None;
        }
    }
    None
}

/// Block tags that never have content.
const VOID_BLOCK_TAGS: [&str; 4] = ["hr", "col", "param", "source"];

/// Whether an attribute list (lower-cased, after the tag name) has `name`.
fn has_attribute(attrs: &str, name: &str) -> bool {
    let bytes = attrs.as_bytes();
    attrs.match_indices(name).any(|(at, _)| {
        let before = at.checked_sub(1).map(|b| bytes[b]);
        let after = bytes.get(at + name.len()).copied();
        matches!(before, Some(b' ' | b'\t'))
            && matches!(after, None | Some(b' ' | b'\t' | b'=' | b'/'))
    })
}

fn html_block_start(s: &str, at_start: bool) -> Option<HtmlEnd> {
    if !s.starts_with('<') {
        return None;
    }
    let head: String = s.chars().take(12).collect::<String>().to_ascii_lowercase();
    for tag in ["<script", "<pre", "<style", "<textarea"] {
        if let Some(after) = head.strip_prefix(tag)
            && (after.is_empty() || after.starts_with([' ', '\t', '>']))
        {
            return Some(HtmlEnd::AnyRawEnd);
        }
    }
    if s.starts_with("<!--") {
        return Some(HtmlEnd::Contains("-->"));
    }
    if s.starts_with("<?") {
        return Some(HtmlEnd::Contains("?>"));
    }
    if s.starts_with("<![CDATA[") {
        return Some(HtmlEnd::Contains("]]>"));
    }
    if s.as_bytes().get(1) == Some(&b'!')
        && s.as_bytes().get(2).is_some_and(u8::is_ascii_alphabetic)
    {
        return Some(HtmlEnd::Contains(">"));
    }
    let name_at = if s.starts_with("</") { 2 } else { 1 };
    let name_len = s[name_at..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
        .count();
    if name_len == 0 || !s.as_bytes()[name_at].is_ascii_alphabetic() {
        return None;
    }
    let name = s[name_at..name_at + name_len].to_ascii_lowercase();
    let after = &s[name_at + name_len..];
    if HTML_BLOCK_TAGS.contains(&name.as_str())
        && (after.is_empty() || after.starts_with([' ', '\t', '>']) || after.starts_with("/>"))
    {
        return Some(HtmlEnd::Blank);
    }
    (at_start && is_complete_tag(s, name_at == 2)).then_some(HtmlEnd::Blank)
}

const HTML_BLOCK_TAGS: [&str; 62] = [
    "address",
    "article",
    "aside",
    "base",
    "basefont",
    "blockquote",
    "body",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "iframe",
    "legend",
    "li",
    "link",
    "main",
    "menu",
    "menuitem",
    "nav",
    "noframes",
    "ol",
    "optgroup",
    "option",
    "p",
    "param",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "track",
    "ul",
];

/// CommonMark's type 7: a complete open or closing tag alone on its line.
fn is_complete_tag(s: &str, closing: bool) -> bool {
    let b = s.trim_end().as_bytes();
    let mut k = if closing { 2 } else { 1 };
    while k < b.len() && (b[k].is_ascii_alphanumeric() || b[k] == b'-') {
        k += 1;
    }
    if !closing {
        loop {
            let ws = b[k..]
                .iter()
                .take_while(|c| c.is_ascii_whitespace())
                .count();
            let n = b[k + ws..]
                .iter()
                .enumerate()
                .take_while(|&(x, &c)| {
                    if x == 0 {
                        c.is_ascii_alphabetic() || c == b'_' || c == b':'
                    } else {
                        c.is_ascii_alphanumeric() || b"_.:-".contains(&c)
                    }
                })
                .count();
            if ws == 0 || n == 0 {
                break;
            }
            k += ws + n;
            let ws2 = b[k..]
                .iter()
                .take_while(|c| c.is_ascii_whitespace())
                .count();
            if b.get(k + ws2) == Some(&b'=') {
                k += ws2 + 1;
                k += b[k..]
                    .iter()
                    .take_while(|c| c.is_ascii_whitespace())
                    .count();
                match b.get(k) {
                    Some(&q @ (b'"' | b'\'')) => match b[k + 1..].iter().position(|&c| c == q) {
                        Some(p) => k += p + 2,
                        None => return false,
                    },
                    Some(_) => {
                        let n = b[k..]
                            .iter()
                            .take_while(|c| !c.is_ascii_whitespace() && !b"\"'=<>`".contains(c))
                            .count();
                        if n == 0 {
                            return false;
                        }
                        k += n;
                    }
                    None => return false,
                }
            }
        }
    }
    k += b[k..]
        .iter()
        .take_while(|c| c.is_ascii_whitespace())
        .count();
    if !closing && b.get(k) == Some(&b'/') {
        k += 1;
    }
    b.get(k) == Some(&b'>') && k + 1 == b.len()
}

// ---------------------------------------------------------------------------
// Snippet syntax
// ---------------------------------------------------------------------------

enum Marker {
    Inline { path: String, space: String },
    Block,
    Escaped,
}

fn expand_space(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c == '\t' {
            let n = 4 - out.len() % 4;
            out.push_str(&"    "[..n]);
        } else {
            out.push(c);
        }
    }
    out
}

/// `--8<-- "path"`, `--8<-- 'path'` or `--8<--` alone (RE_ALL_SNIPPETS).
fn snippet_marker(line: &str) -> Option<Marker> {
    let body = line.trim_start_matches([' ', '\t']);
    let space = &line[..line.len() - body.len()];
    let semis = body.bytes().take_while(|&b| b == b';').count();
    let m = &body[semis..];
    let d1 = m.bytes().take_while(|&b| b == b'-').count();
    if d1 == 0 {
        return None;
    }
    let m = m[d1..].strip_prefix("8<")?;
    let d2 = m.bytes().take_while(|&b| b == b'-').count();
    if d2 == 0 {
        return None;
    }
    let m = &m[d2..];
    let marker = if m.is_empty() {
        Marker::Block
    } else {
        let q = m.trim_start_matches([' ', '\t']);
        if q.len() == m.len() {
            return None;
        }
        let quote = *q.as_bytes().first()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let inner = q[1..].strip_suffix(quote as char)?;
        if inner.is_empty() || !quoted_ok(inner.as_bytes(), quote) {
            return None;
        }
        Marker::Inline {
            path: inner.trim().to_string(),
            space: expand_space(space),
        }
    };
    Some(if semis > 0 { Marker::Escaped } else { marker })
}

/// `(?:\\"|[^"])+`: quotes inside must be escaped.
fn quoted_ok(b: &[u8], quote: u8) -> bool {
    let mut k = 0;
    while k < b.len() {
        if b[k] == b'\\' && b.get(k + 1) == Some(&quote) {
            k += 2;
        } else if b[k] == quote {
            return false;
        } else {
            k += 1;
        }
    }
    true
}

struct SectionMarker {
    /// Byte offset of the first `;` (when escaped).
    escape_at: usize,
    escaped: bool,
    start: bool,
    name: String,
}

/// `--8<-- [start:name]` / `[end:name]` anywhere in a line
/// (RE_SNIPPET_SECTION, case-insensitive).
fn section_marker(line: &str) -> Option<SectionMarker> {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(pos) = line[from..].find("8<") {
        let k = from + pos;
        let mut d = k;
        while d > 0 && b[d - 1] == b'-' {
            d -= 1;
        }
        if d < k {
            let mut s = d;
            while s > 0 && b[s - 1] == b';' {
                s -= 1;
            }
            if let Some((start, name)) = section_tail(&line[k + 2..]) {
                return Some(SectionMarker {
                    escape_at: s,
                    escaped: s < d,
                    start,
                    name: name.to_string(),
                });
            }
        }
        from = k + 2;
    }
    None
}

fn section_tail(t: &str) -> Option<(bool, &str)> {
    let d = t.bytes().take_while(|&b| b == b'-').count();
    if d == 0 {
        return None;
    }
    let t = &t[d..];
    let r = t.trim_start_matches([' ', '\t']);
    if r.len() == t.len() {
        return None;
    }
    let r = r.strip_prefix('[')?.trim_start_matches([' ', '\t']);
    let lower = r.get(..5).map(str::to_ascii_lowercase).unwrap_or_default();
    let (start, r) = if lower == "start" {
        (true, &r[5..])
    } else if lower.starts_with("end") {
        (false, &r[3..])
    } else {
        return None;
    };
    let r = r
        .trim_start_matches([' ', '\t'])
        .strip_prefix(':')?
        .trim_start_matches([' ', '\t']);
    if !r.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let n = r
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(r.len());
    let name = &r[..n];
    r[n..].trim_start_matches([' ', '\t']).strip_prefix(']')?;
    Some((start, name))
}

enum Sel {
    All,
    Lines(Vec<(Option<i64>, Option<i64>)>),
    Section(String),
}

/// `path`, `path:1:3`, `path:2`, `path::3`, `path:1:2,5:6`, `path:name`
/// (RE_SNIPPET_FILE: the path is the shortest prefix the rest fits).
fn snippet_spec(spec: &str) -> (&str, Sel) {
    if spec.len() <= MAX_SNIPPET_SPEC {
        for (p, _) in spec.match_indices(':') {
            let r = &spec[p..];
            if let Some(ranges) = parse_ranges(r) {
                return (spec[..p].trim(), Sel::Lines(ranges));
            }
            let name = &r[1..];
            if name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return (spec[..p].trim(), Sel::Section(name.to_string()));
            }
        }
    }
    (spec.trim(), Sel::All)
}

fn parse_ranges(r: &str) -> Option<Vec<(Option<i64>, Option<i64>)>> {
    let b = r.as_bytes();
    let mut k = 0;
    let num = |k: &mut usize| -> Option<i64> {
        let s = *k;
        if b.get(*k) == Some(&b'-') {
            *k += 1;
        }
        while b.get(*k).is_some_and(u8::is_ascii_digit) {
            *k += 1;
        }
        r[s..*k].parse().ok()
    };
    let mut first = Vec::new();
    while first.len() < 2 && b.get(k) == Some(&b':') {
        k += 1;
        first.push(num(&mut k));
    }
    if first.is_empty() {
        return None;
    }
    let mut ranges = vec![(first[0], first.get(1).copied().flatten())];
    while b.get(k) == Some(&b',') {
        if !b
            .get(k + 1)
            .is_some_and(|c| c.is_ascii_digit() || *c == b'-' || *c == b':')
        {
            return None;
        }
        k += 1;
        let a = num(&mut k);
        let e = if b.get(k) == Some(&b':') {
            k += 1;
            num(&mut k)
        } else {
            None
        };
        ranges.push((a, e));
    }
    (k == b.len()).then_some(ranges)
}

/// Python slicing of 1-based inclusive ranges (negative counts from the end).
fn select_lines<'t>(
    lines: Vec<(Cow<'t, str>, u32)>,
    ranges: &[(Option<i64>, Option<i64>)],
) -> Vec<(Cow<'t, str>, u32)> {
    let total = lines.len() as i64;
    let mut out = Vec::new();
    for &(st, en) in ranges {
        let start = match st {
            Some(s) if s < 0 => (total + s).clamp(0, total),
            Some(s) => (s - 1).max(0),
            None => 0,
        };
        let end = match en {
            Some(e) if e < 0 => (total + 1 + e).clamp(0, total),
            Some(e) => e,
            None => total,
        };
        let (start, end) = (start.min(total) as usize, end.clamp(0, total) as usize);
        if start < end {
            out.extend(lines[start..end].iter().cloned());
        }
    }
    out
}

/// pymdownx.snippets' `extract_section`, quirks included.
fn extract_section<'t>(lines: Vec<(Cow<'t, str>, u32)>, section: &str) -> Vec<(Cow<'t, str>, u32)> {
    let mut out = Vec::new();
    let mut start = false;
    for (l, n) in lines {
        let mut l = l;
        if let Some(m) = section_marker(&l) {
            if start && m.escaped {
                let mut s = l.into_owned();
                s.remove(m.escape_at);
                l = Cow::Owned(s);
            } else if m.name == section {
                if !start && m.start {
                    start = true;
                    continue;
                }
                if start && m.start {
                    continue;
                }
                break;
            } else if start {
                continue;
            }
        }
        if start {
            out.push((l, n));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Inline Markdown in titles and labels
// ---------------------------------------------------------------------------

/// A title or tab label as HTML. Python-Markdown renders inline Markdown in
/// them; this covers code, emphasis and raw inline HTML (links keep only
/// their text, since no link resolver runs here). Anything that is not a
/// plain paragraph is escaped text.
/// The inline HTML of a container title (Markdown, links dropped) and
/// whether it holds raw HTML of the author's.
fn inline_html(text: &str, options: &MarkdownOptions) -> (String, bool) {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let text = text.trim();
    if text.is_empty() {
        return (String::new(), false);
    }
    let events: Vec<Event> = Parser::new(text).collect();
    let paragraphs = events
        .iter()
        .filter(|e| matches!(e, Event::Start(Tag::Paragraph)))
        .count();
    let plain = paragraphs == 1
        && matches!(events.first(), Some(Event::Start(Tag::Paragraph)))
        && matches!(events.last(), Some(Event::End(TagEnd::Paragraph)));
    if !plain {
        return (escape_html(text), false);
    }
    let raw = events
        .iter()
        .any(|e| matches!(e, Event::Html(_) | Event::InlineHtml(_)));
    let inner = events[1..events.len() - 1].iter().filter(|e| {
        !matches!(
            e,
            Event::Start(Tag::Link { .. } | Tag::Image { .. })
                | Event::End(TagEnd::Link | TagEnd::Image)
        )
    });
    // Emoji and icon shortcodes, as the render pass treats them in text.
    let inner = inner.cloned().map(|e| match e {
        Event::Text(t) => match super::render::shortcodes_html(&t, options.material_icons) {
            Some(html) => Event::InlineHtml(html.into()),
            None => Event::Text(t),
        },
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, inner);
    (html, raw)
}

/// Brackets a tab id still to be decided: `TAB_MARK group_n TAB_SLUG slug
/// TAB_MARK` (private-use characters; see the render pass).
pub const TAB_MARK: char = '\u{E000}';
pub const TAB_SLUG: char = '\u{E001}';

/// pymdownx.slugs.slugify of a tab label's text: tags dropped, entities
/// decoded, NFC, lower-cased when configured, everything but word
/// characters, `-` and spaces removed, spaces replaced by the separator
/// (not trimmed: `Open me …` gives `open-me-`).
fn tab_slug(label_html: &str, slugs: &crate::docs::markdown::TabSlugs) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut text = String::new();
    let mut in_tag = false;
    for c in label_html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let text: String = text.nfc().collect();
    let text = if slugs.lowercase {
        text.to_lowercase()
    } else {
        text
    };
    let mut out = String::new();
    for c in text.chars() {
        if c == ' ' {
            out.push_str(&slugs.separator);
        } else if c.is_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        }
    }
    out
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Snippet files for the tests: `(path, text)`.
    struct Files(&'static [(&'static str, &'static str)]);

    impl SnippetLoader for Files {
        fn load(&self, path: &str) -> Result<String, String> {
            self.0
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| "no such file".to_string())
        }
    }

    /// Drops the first line break and the common indentation, so that test
    /// inputs can be indented with the code around them.
    fn trim_indent(s: &str) -> String {
        let s = s.strip_prefix('\n').unwrap_or(s);
        let common = s
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(indent)
            .min()
            .unwrap_or(0);
        let mut out = String::new();
        for l in s.lines() {
            out.push_str(l.get(common..).unwrap_or(""));
            out.push('\n');
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }

    fn blocks_mode() -> MarkdownOptions {
        MarkdownOptions {
            blocks_mode: true,
            ..MarkdownOptions::default()
        }
    }

    fn run_with(
        input: &str,
        options: &MarkdownOptions,
        files: &'static [(&'static str, &'static str)],
    ) -> Preprocessed {
        preprocess(&trim_indent(input), options, &Files(files))
    }

    fn run(input: &str) -> Preprocessed {
        run_with(input, &MarkdownOptions::default(), &[])
    }

    #[track_caller]
    fn check_with(
        input: &str,
        expected: &str,
        options: &MarkdownOptions,
        files: &'static [(&'static str, &'static str)],
    ) {
        let got = run_with(input, options, files);
        assert_eq!(
            got.text.trim_end(),
            trim_indent(expected).trim_end(),
            "\n--- got ---\n{}",
            got.text
        );
        assert_eq!(got.line_map.len(), got.text.lines().count());
    }

    #[track_caller]
    fn check(input: &str, expected: &str) {
        check_with(input, expected, &MarkdownOptions::default(), &[]);
    }

    /// pulldown-cmark's HTML for the preprocessed text, as the render pass
    /// parses it (minus its event rewrites).
    fn html_with(
        input: &str,
        options: &MarkdownOptions,
        files: &'static [(&'static str, &'static str)],
    ) -> String {
        let pre = run_with(input, options, files);
        let mut opts = pulldown_cmark::Options::all();
        opts.remove(pulldown_cmark::Options::ENABLE_SMART_PUNCTUATION);
        let mut html = String::new();
        pulldown_cmark::html::push_html(
            &mut html,
            pulldown_cmark::Parser::new_ext(&pre.text, opts),
        );
        html
    }

    /// Whitespace between tags removed, other runs of whitespace collapsed:
    /// the structure and text, not the layout.
    fn norm(html: &str) -> String {
        let mut out = String::new();
        let mut pending_space = false;
        for c in html.chars() {
            if c.is_whitespace() {
                pending_space = true;
                continue;
            }
            if pending_space && !out.ends_with('>') && c != '<' && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
        out
    }

    #[track_caller]
    fn check_html_with(
        input: &str,
        reference: &str,
        options: &MarkdownOptions,
        files: &'static [(&'static str, &'static str)],
    ) {
        let got = html_with(input, options, files);
        assert_eq!(norm(&got), norm(reference), "\n--- got ---\n{got}");
    }

    #[track_caller]
    fn check_html(input: &str, reference: &str) {
        check_html_with(input, reference, &MarkdownOptions::default(), &[]);
    }

    fn messages(pre: &Preprocessed) -> Vec<(u32, ProblemKind)> {
        pre.problems.iter().map(|p| (p.line, p.kind)).collect()
    }

    // --- front matter (MkDocs get_data, spec §2.5) ---------------------------

    #[test]
    fn front_matter_is_removed_and_read() {
        let pre = run(r#"
            ---
            title: Getting started
            description: "How to start"
            hide: [navigation, toc]
            icon: material/plus
            ---
            # Heading
            "#);
        assert_eq!(pre.text, "# Heading\n");
        assert_eq!(pre.line_map, vec![(7, None)]);
        assert_eq!(
            pre.front_matter,
            FrontMatter {
                title: Some("Getting started".into()),
                description: Some("How to start".into()),
                hide: vec!["navigation".into(), "toc".into()],
            }
        );
        assert!(pre.problems.is_empty());
    }

    #[test]
    fn front_matter_closed_by_dots() {
        let pre = run("---\ntitle: x\n...\ntext\n");
        assert_eq!(pre.text, "text\n");
        assert_eq!(pre.front_matter.title.as_deref(), Some("x"));
    }

    #[test]
    fn invalid_front_matter_is_reported_and_still_removed() {
        // Deliberate difference: MkDocs would render the broken block as
        // content (a rule and a setext heading); Backlot drops and reports it.
        let pre = run("---\ntitle: [unclosed\n---\ntext\n");
        assert_eq!(pre.text, "text\n");
        assert_eq!(pre.line_map, vec![(4, None)]);
        assert_eq!(pre.problems.len(), 1);
        assert_eq!(pre.problems[0].kind, ProblemKind::FrontMatter);
        assert!(pre.problems[0].line >= 2, "{:?}", pre.problems);
    }

    #[test]
    fn front_matter_that_is_not_a_mapping_stays_content() {
        // MkDocs keeps the text when the YAML is not a dict.
        let pre = run("---\njust text\n---\n");
        assert_eq!(pre.text, "---\njust text\n---\n");
        assert_eq!(pre.front_matter, FrontMatter::default());
        assert!(pre.problems.is_empty());
    }

    // --- snippets (pymdownx.snippets, spec §3.19) ---------------------------

    const SNIPPETS: &[(&str, &str)] = &[
        (
            "snippets/note.md",
            "!!! info \"Shared\"\n    Body of the note.\n",
        ),
        (
            "snippets/sections.md",
            "Line one.\nLine two.\n\n<!-- --8<-- [start:install] -->\nInstall it.\n<!-- --8<-- [end:install] -->\n\nAfter.\n",
        ),
        ("snippets/alert.md", "> [!WARNING]\n> From a snippet.\n"),
        (
            "snippets/outer.md",
            "Outer start.\n--8<-- \"snippets/inner.md\"\nOuter end.\n",
        ),
        ("snippets/inner.md", "Inner."),
        ("snippets/loop-a.md", "A\n--8<-- \"snippets/loop-b.md\"\n"),
        ("snippets/loop-b.md", "B\n--8<-- \"snippets/loop-a.md\"\n"),
        ("config.yml", "site_name: x\nplugins:\n  - techdocs-core\n"),
    ];

    #[test]
    fn snippet_whole_file_maps_to_its_own_lines() {
        let pre = run_with(
            "Before.\n\n--8<-- \"snippets/note.md\"\n",
            &MarkdownOptions::default(),
            SNIPPETS,
        );
        assert_eq!(
            pre.text,
            "Before.\n\n<div class=\"admonition info\">\n<p class=\"admonition-title\">Shared</p>\n\nBody of the note.\n\n</div>\n\n"
        );
        let note = Some("snippets/note.md".to_string());
        assert_eq!(pre.line_map[0], (1, None));
        assert_eq!(pre.line_map[2], (1, note.clone()));
        assert_eq!(pre.line_map[5], (2, note));
    }

    #[test]
    fn snippet_section_and_line_ranges() {
        check_with(
            r#"
            --8<-- "snippets/sections.md:install"

            --8<-- "snippets/sections.md:1:2"

            --8<-- 'snippets/sections.md:8'

            --8<-- "snippets/sections.md::1"

            --8<-- "snippets/sections.md:-2:-2"
            "#,
            r#"
            Install it.

            Line one.
            Line two.

            After.

            Line one.

            After.
            "#,
            &MarkdownOptions::default(),
            SNIPPETS,
        );
    }

    #[test]
    fn snippet_section_markers_are_removed_from_the_page() {
        check_with(
            "a\n<!-- --8<-- [start:x] -->\nb\n<!-- ;--8<-- [end:x] -->\n",
            "a\nb\n<!-- --8<-- [end:x] -->",
            &MarkdownOptions::default(),
            SNIPPETS,
        );
    }

    #[test]
    fn escaped_snippet_marker_stays_literal() {
        check_with(
            ";--8<-- \"snippets/note.md\"\n",
            "--8<-- \"snippets/note.md\"",
            &MarkdownOptions::default(),
            SNIPPETS,
        );
    }

    #[test]
    fn missing_snippet_is_dropped_and_reported() {
        // MkDocs skips it silently (no `check_paths`); Backlot reports it.
        let pre = run_with(
            "a\n\n--8<-- \"snippets/nope.md\"\n\nb\n",
            &MarkdownOptions::default(),
            SNIPPETS,
        );
        assert_eq!(pre.text, "a\n\nb\n");
        assert_eq!(messages(&pre), vec![(3, ProblemKind::Snippet)]);
        assert!(pre.problems[0].message.contains("snippets/nope.md"));
    }

    #[test]
    fn nested_snippets_and_cycles() {
        let pre = run_with(
            "--8<-- \"snippets/outer.md\"\n",
            &MarkdownOptions::default(),
            SNIPPETS,
        );
        // outer.md ends with a line break: one more (empty) line, as in Python.
        assert_eq!(pre.text, "Outer start.\nInner.\nOuter end.\n\n");
        assert_eq!(pre.line_map[1], (1, Some("snippets/inner.md".to_string())));

        let pre = run_with(
            "--8<-- \"snippets/loop-a.md\"\n",
            &MarkdownOptions::default(),
            SNIPPETS,
        );
        assert_eq!(pre.text, "A\nB\n\n");
        assert_eq!(pre.problems.len(), 1);
        assert_eq!(pre.problems[0].kind, ProblemKind::Snippet);
        assert_eq!(pre.problems[0].file.as_deref(), Some("snippets/loop-b.md"));
        assert_eq!(pre.problems[0].line, 2);
    }

    #[test]
    fn snippet_block_form() {
        check_with(
            r#"
            --8<--
            snippets/inner.md

            ;snippets/note.md
            snippets/inner.md
            --8<--
            "#,
            "Inner.\n\nInner.",
            &MarkdownOptions::default(),
            SNIPPETS,
        );
    }

    #[test]
    fn snippet_inside_a_fence_keeps_the_marker_indentation() {
        // The file's trailing newline gives an empty last line, as in Python
        // (Pygments strips it when highlighting).
        check_with(
            r#"
            - Config:

                ```yaml
                --8<-- "config.yml"
                ```
            "#,
            r#"
            - Config:

              ```yaml
              site_name: x
              plugins:
                - techdocs-core

              ```
            "#,
            &MarkdownOptions::default(),
            SNIPPETS,
        );
    }

    // --- GitHub alerts (gh-admonitions 0.1.1, spec §3.7) --------------------

    #[test]
    fn alerts_become_admonitions() {
        check_html(
            r#"
            > [!NOTE]
            > Useful information.

            > [!tip]
            > Helpful advice.

            > [!IMPORTANT]
            > Key information.

            > [!WARNING]
            > Urgent info.

            > [!CAUTION] Watch out
            > Risks.
            >
            > - one
            > - two

            > A plain block quote is not an alert.
            "#,
            r#"
            <div class="admonition note"><p class="admonition-title">Note</p><p>Useful information.</p></div>
            <div class="admonition tip"><p class="admonition-title">Tip</p><p>Helpful advice.</p></div>
            <div class="admonition warning"><p class="admonition-title">Important</p><p>Key information.</p></div>
            <div class="admonition warning"><p class="admonition-title">Warning</p><p>Urgent info.</p></div>
            <div class="admonition danger"><p class="admonition-title">Watch out</p><p>Risks.</p>
            <ul><li>one</li><li>two</li></ul></div>
            <blockquote><p>A plain block quote is not an alert.</p></blockquote>
            "#,
        );
    }

    #[test]
    fn alerts_inside_fences_are_left_alone() {
        check(
            "```markdown\n> [!NOTE]\n> text\n```\n",
            "```markdown\n> [!NOTE]\n> text\n```",
        );
    }

    #[test]
    fn alerts_from_snippets_stay_quotes() {
        // The plugin runs before snippets are pasted (spec §3.7). The `[` is
        // escaped so that pulldown-cmark's own GFM alerts do not fire either.
        check_html_with(
            "--8<-- \"snippets/alert.md\"\n",
            "<blockquote><p>[!WARNING] From a snippet.</p></blockquote>",
            &MarkdownOptions::default(),
            SNIPPETS,
        );
    }

    #[test]
    fn gitlab_multiline_alert() {
        check(
            r#"
            >>> [!tip] Custom
            GitLab body.

            - item
            >>>
            after
            "#,
            r#"
            <div class="admonition tip">
            <p class="admonition-title">Custom</p>

            GitLab body.

            - item

            </div>

            after
            "#,
        );
    }

    #[test]
    fn alerts_stay_literal_in_blocks_mode() {
        // The produced `!!!` is not an admonition with use_pymdownx_blocks
        // (observed in spec §3.7).
        check_with(
            "> [!NOTE]\n> text\n",
            "!!! note \"Note\"\n    text",
            &blocks_mode(),
            &[],
        );
    }

    // --- admonitions and details (spec §3.4, §3.5) --------------------------

    #[test]
    fn admonition_titles_and_classes() {
        check(
            r#"
            !!! note
                Default title.

            !!! warning "Custom title with `code`"
                Own title.

            !!! tip ""
                No title.

            !!! danger inline end "Two classes"
                Classes.

            !!! Unknown-Type
                Lower-cased class, capitalised title.
            "#,
            r#"
            <div class="admonition note">
            <p class="admonition-title">Note</p>

            Default title.

            </div>

            <div class="admonition warning">
            <p class="admonition-title">Custom title with <code>code</code></p>

            Own title.

            </div>

            <div class="admonition tip">

            No title.

            </div>

            <div class="admonition danger inline end">
            <p class="admonition-title">Two classes</p>

            Classes.

            </div>

            <div class="admonition unknown-type">
            <p class="admonition-title">Unknown-type</p>

            Lower-cased class, capitalised title.

            </div>
            "#,
        );
    }

    #[test]
    fn admonition_titles_are_escaped() {
        check(
            "!!! note \"a < b & [link](x.md)\"\n    x\n",
            r#"
            <div class="admonition note">
            <p class="admonition-title">a &lt; b &amp; link</p>

            x

            </div>
            "#,
        );
    }

    #[test]
    fn nested_admonition_admonition_details() {
        // features/docs/blocks/admonitions.md, "Nested admonitions".
        check_html(
            r#"
            !!! note "Outer"
                The outer admonition.

                !!! warning "Inner"
                    An admonition inside an admonition.

                    ??? tip "Collapsed details three levels deep"
                        Details inside an admonition inside an admonition.

                | A table | inside |
                | ------- | ------ |
                | 1       | 2      |
            "#,
            r#"
            <div class="admonition note">
            <p class="admonition-title">Outer</p>
            <p>The outer admonition.</p>
            <div class="admonition warning">
            <p class="admonition-title">Inner</p>
            <p>An admonition inside an admonition.</p>
            <details class="tip">
            <summary>Collapsed details three levels deep</summary>
            <p>Details inside an admonition inside an admonition.</p>
            </details>
            </div>
            <table>
            <thead>
            <tr>
            <th>A table</th>
            <th>inside</th>
            </tr>
            </thead>
            <tbody>
            <tr>
            <td>1</td>
            <td>2</td>
            </tr>
            </tbody>
            </table>
            </div>
            "#,
        );
    }

    #[test]
    fn admonition_body_ends_at_an_unindented_line() {
        check_html(
            "!!! note\n    Body one.\n\n    Body two.\nNot in the body.\n!!! tip\n    Tip.\n",
            r#"
            <div class="admonition note"><p class="admonition-title">Note</p><p>Body one.</p><p>Body two.</p></div>
            <p>Not in the body.</p>
            <div class="admonition tip"><p class="admonition-title">Tip</p><p>Tip.</p></div>
            "#,
        );
    }

    #[test]
    fn admonition_interrupts_a_paragraph() {
        // Python's admonition processor searches the whole block.
        check_html(
            "Text\n!!! note\n    Body.\n",
            r#"<p>Text</p><div class="admonition note"><p class="admonition-title">Note</p><p>Body.</p></div>"#,
        );
    }

    #[test]
    fn details_open_and_closed() {
        // features/docs/blocks/admonitions.md, "Collapsible details".
        check_html(
            r#"
            ??? question "Closed by default"
                Only visible after a click.

            ???+ note
                Open, with the default title.

            ??? "No type"
                Body.
            "#,
            r#"
            <details class="question">
            <summary>Closed by default</summary>
            <p>Only visible after a click.</p>
            </details>
            <details class="note" open="open">
            <summary>Note</summary>
            <p>Open, with the default title.</p>
            </details>
            <details><summary>No type</summary><p>Body.</p></details>
            "#,
        );
    }

    // --- content tabs (pymdownx.tabbed alternate_style, spec §3.6) ----------

    #[test]
    fn tabs_holding_code() {
        // features/docs/blocks/tabs.md, "Tabs holding code" (code blocks are
        // the highlighter's; here plain).
        check_html(
            r#"
            === "Python"

                ```python
                print("Hello from Python")
                ```

            === "Shell"

                ```bash
                echo "Hello"
                ```
            "#,
            r#"
            <div class="tabbed-set tabbed-alternate" data-tabs="1:2"><input checked="checked" id="__tabbed_1_1" name="__tabbed_1" type="radio" /><input id="__tabbed_1_2" name="__tabbed_1" type="radio" /><div class="tabbed-labels"><label for="__tabbed_1_1">Python</label><label for="__tabbed_1_2">Shell</label></div>
            <div class="tabbed-content">
            <div class="tabbed-block">
            <pre><code class="language-python">print("Hello from Python")
            </code></pre>
            </div>
            <div class="tabbed-block">
            <pre><code class="language-bash">echo "Hello"
            </code></pre>
            </div>
            </div>
            </div>
            "#,
        );
    }

    #[test]
    fn tabs_selection_and_back_to_back_groups() {
        // pymdownx.tabbed: `===+` selects (the last one wins), `===!` starts
        // a new group; groups are counted per page.
        check_html(
            r#"
            === "A1"
                First.

            ===+ "A2"
                Selected.

            ===! "B1"
                New group.

            === "B2"
                Second group.
            "#,
            r#"
            <div class="tabbed-set tabbed-alternate" data-tabs="1:2"><input id="__tabbed_1_1" name="__tabbed_1" type="radio" /><input checked="checked" id="__tabbed_1_2" name="__tabbed_1" type="radio" /><div class="tabbed-labels"><label for="__tabbed_1_1">A1</label><label for="__tabbed_1_2">A2</label></div>
            <div class="tabbed-content"><div class="tabbed-block"><p>First.</p></div><div class="tabbed-block"><p>Selected.</p></div></div></div>
            <div class="tabbed-set tabbed-alternate" data-tabs="2:2"><input checked="checked" id="__tabbed_2_1" name="__tabbed_2" type="radio" /><input id="__tabbed_2_2" name="__tabbed_2" type="radio" /><div class="tabbed-labels"><label for="__tabbed_2_1">B1</label><label for="__tabbed_2_2">B2</label></div>
            <div class="tabbed-content"><div class="tabbed-block"><p>New group.</p></div><div class="tabbed-block"><p>Second group.</p></div></div></div>
            "#,
        );
    }

    #[test]
    fn nested_tab_groups_are_numbered_in_document_order() {
        // features/docs/blocks/tabs.md: outer group 1, inner 2, then a group
        // inside an admonition 3.
        let pre = run(r#"
            === "Outer 1"

                === "Inner 1"
                    Inner.

                === "Inner 2"
                    More.

            === "Outer 2"
                Plain.

            !!! example "Install"

                === "pip"
                    pip

                === "npx"
                    npx
            "#);
        let groups: Vec<&str> = pre
            .text
            .match_indices("data-tabs=\"")
            .map(|(i, _)| &pre.text[i + 11..i + 14])
            .collect();
        assert_eq!(groups, vec!["1:2", "2:2", "3:2"]);
        assert!(pre.text.contains("<label for=\"__tabbed_3_2\">npx</label>"));
    }

    #[test]
    fn tab_labels_are_escaped() {
        let pre = run("=== \"<b>\"\n    x\n");
        assert!(
            pre.text
                .contains("<label for=\"__tabbed_1_1\">&lt;b&gt;</label>"),
            "{}",
            pre.text
        );
        let pre = run("=== \"`pip` *install*\"\n    x\n");
        assert!(
            pre.text
                .contains("><code>pip</code> <em>install</em></label>"),
            "{}",
            pre.text
        );
        let pre = run("=== \"a & # b\"\n    x\n");
        assert!(pre.text.contains(">a &amp; # b</label>"), "{}", pre.text);
    }

    // --- lists (mdx_truly_sane_lists, spec §3.8) -----------------------------

    #[test]
    fn two_space_nesting_nests() {
        // features/docs/writing/lists.md, "Sane lists".
        check_html(
            r#"
            1. First item
            2. Second item
              1. Nested with two spaces
              2. Another nested item
                - Third level, unordered, two more spaces
            3. Third item
            "#,
            r#"
            <ol>
            <li>First item</li>
            <li>Second item<ol>
            <li>Nested with two spaces</li>
            <li>Another nested item<ul>
            <li>Third level, unordered, two more spaces</li>
            </ul>
            </li>
            </ol>
            </li>
            <li>Third item</li>
            </ol>
            "#,
        );
    }

    #[test]
    fn four_space_nesting_is_folded_into_the_parent() {
        // features/docs/writing/lists.md, "Four-space nesting": the reference
        // keeps `<li>Parent item\n    - Four spaces…</li>` (the spaces
        // collapse in the browser; pulldown-cmark drops them).
        let input = r#"
            - Parent item
                - Four spaces: not nested under TechDocs
            - Next item
              - Two spaces: nested
            "#;
        check_html(
            input,
            r#"
            <ul>
            <li>Parent item
            - Four spaces: not nested under TechDocs</li>
            <li>Next item<ul>
            <li>Two spaces: nested</li>
            </ul>
            </li>
            </ul>
            "#,
        );
        let pre = run(input);
        assert_eq!(messages(&pre), vec![(2, ProblemKind::Compat)]);
        assert!(pre.problems[0].message.contains("2 spaces"));
    }

    #[test]
    fn folded_items_are_reported_once_per_list() {
        let pre = run("- a\n    - b\n- c\n    - d\n\n* e\n    * f\n");
        assert_eq!(
            messages(&pre),
            vec![(2, ProblemKind::Compat), (7, ProblemKind::Compat)]
        );
    }

    #[test]
    fn blank_lines_split_unordered_lists() {
        // truly_sane: an unordered list never continues after a blank line;
        // alternating bullets keep CommonMark's lists apart too.
        check(
            r#"
            - Loose item one

            - Loose item two
            - Three
            "#,
            r#"
            - Loose item one

            * Loose item two
            * Three
            "#,
        );
        check_html("- a\n\n- b\n", "<ul><li>a</li></ul><ul><li>b</li></ul>");
    }

    #[test]
    fn ordered_list_after_unordered_list_stays_separate() {
        check_html(
            "1. one\n\n- a\n- b\n\n1. two\n",
            "<ol><li>one</li></ol><ul><li>a</li><li>b</li></ul><ol><li>two</li></ol>",
        );
    }

    #[test]
    fn ordered_start_numbers_are_dropped() {
        // Python-Markdown's lazy ordered lists: `3.` is still a plain `<ol>`.
        check(
            "3. Starts at three\n4. Continues at four\n",
            "1. Starts at three\n1. Continues at four",
        );
        check_html("3. a\n4. b\n", "<ol><li>a</li><li>b</li></ol>");
    }

    #[test]
    fn ordered_lists_join_across_blank_lines() {
        // mdx_truly_sane_lists 1.3 still merges an `<ol>` with the previous
        // sibling `<ol>` (as a loose list).
        check_html(
            "1. a\n\n2. b\n",
            "<ol><li><p>a</p></li><li><p>b</p></li></ol>",
        );
    }

    #[test]
    fn admonition_in_a_list_item_at_two_spaces_but_not_four() {
        // features/docs/writing/lists.md, "Lists with other blocks inside".
        check_html(
            r#"
            3. A step with an admonition indented by two spaces (renders):

              !!! tip
                  Admonitions nest inside list items when indented by the sane-lists unit.

            4. A step with an admonition indented by four spaces (stays literal text under TechDocs):

                !!! tip
                    This admonition is not recognised.
            "#,
            r#"
            <ol>
            <li>
            <p>A step with an admonition indented by two spaces (renders):</p>
            <div class="admonition tip">
            <p class="admonition-title">Tip</p>
            <p>Admonitions nest inside list items when indented by the sane-lists unit.</p>
            </div>
            </li>
            <li>
            <p>A step with an admonition indented by four spaces (stays literal text under TechDocs):</p>
            <p>!!! tip
            This admonition is not recognised.</p>
            </li>
            </ol>
            "#,
        );
        let pre = run("1. x\n\n    !!! tip\n        y\n");
        assert_eq!(messages(&pre), vec![(3, ProblemKind::Compat)]);
    }

    #[test]
    fn fenced_code_in_a_list_item_at_any_indent() {
        // superfences finds the fence whatever its indent; it is re-emitted
        // at the item's content column (the render pass leaves the item's
        // text bare, as Python does for a 4-space block).
        check(
            r#"
            - A list item with code:

                ```sql
                SELECT 1;
                ```
            "#,
            r#"
            - A list item with code:

              ```sql
              SELECT 1;
              ```
            "#,
        );
        // 8 spaces: still 4 after the item's 2, so indented code, and
        // superfences turns the fence inside back into text.
        check(
            "1. Step\n\n        ```\n        deep\n        ```\n",
            "1. Step\n\n         ```\n         deep\n         ```",
        );
    }

    #[test]
    fn loose_paragraph_in_a_list_item() {
        check(
            "- Item.\n\n    Its second paragraph.\n",
            "- Item.\n\n    Its second paragraph.",
        );
    }

    #[test]
    fn a_list_needs_a_blank_line_before_it() {
        // Python-Markdown: lists only start a block; the lines stay text.
        let input = "Intro:\n- one\n- two\n";
        check(input, "Intro:\n\\- one\n\\- two");
        let pre = run(input);
        assert_eq!(messages(&pre), vec![(2, ProblemKind::Compat)]);
    }

    #[test]
    fn paren_markers_and_mixed_types_are_text() {
        check("1) not a list\n", "1\\) not a list");
        // An unordered line right under an ordered list continues the item.
        check_html("1. one\n- two\n", "<ol><li>one - two</li></ol>");
    }

    #[test]
    fn blocks_after_a_list_go_to_its_last_item() {
        // ListIndentProcessor: one unit (2 spaces) less indented, inside the
        // last item. A 3-space block stays one unit past the marker (Python
        // wraps the item's text in `<p>` then; the render pass decides).
        check(
            "- [A]\n- [B]\n\n  [A]: a.md\n\n1. one\n\n   Three spaces.\n\n    Four spaces.\n",
            "- [A]\n- [B]\n\n  [A]: a.md\n\n1. one\n\n   Three spaces.\n\n     Four spaces.",
        );
    }

    /// md_in_html: without a `markdown` attribute, Python-Markdown keeps a
    /// block element raw up to its end tag, across blank lines (nested
    /// elements of the same name counted); with it, the content is
    /// Markdown.
    #[test]
    fn block_html_stays_raw_across_blank_lines_without_markdown() {
        let html = html_with(
            "<div class=\"x\">\n\n*raw*\n\n<div>\n\ninner\n\n</div>\n\n</div>\n\n*after*\n",
            &MarkdownOptions::default(),
            &[],
        );
        assert!(
            html.contains("*raw*") && !html.contains("<em>raw</em>"),
            "{html}"
        );
        assert!(html.contains("<em>after</em>"), "{html}");
        assert!(!html.contains("<p>inner"), "{html}");
        let html = html_with(
            "<div markdown>\n\n*parsed*\n\n</div>\n",
            &MarkdownOptions::default(),
            &[],
        );
        assert!(html.contains("<em>parsed</em>"), "{html}");
        // A blank line in a <pre> inside survives as a line break.
        let pre = run("<div>\n<pre>a\n\nb</pre>\n\n</div>\n");
        assert!(
            pre.text.contains("<pre>a\n<!---->\nb</pre>"),
            "{:?}",
            pre.text
        );
        // Unclosed: CommonMark's rule (the block ends at the blank line).
        let open = html_with("<div>\n\n*md*\n", &MarkdownOptions::default(), &[]);
        assert!(open.contains("<em>md</em>"), "{open}");
    }

    #[test]
    fn raw_html_after_a_list_is_not_part_of_it() {
        check_html(
            "<div markdown>\n\n- a\n\n  </div>\n",
            "<div markdown><ul><li>a</li></ul></div>",
        );
    }

    #[test]
    fn lists_inside_quotes_follow_the_same_rules() {
        check_html(
            "> - a\n>     - b\n>\n> more\n\n> merged\n",
            "<blockquote><ul><li>a - b</li></ul><p>more</p><p>merged</p></blockquote>",
        );
    }

    // --- blocks mode (pymdownx.blocks, spec §3.20) ---------------------------

    #[test]
    fn blocks_mode_admonition_details_and_tabs() {
        check_html_with(
            r#"
            /// note | Title
            Body of the note.
            ///

            /// details-warning | Summary
                open: True

            Hidden body.
            ///

            /// tab | One
            First.
            ///

            /// tab | Two
                select: true
            Second.
            ///

            /// admonition
            Plain.
            ///
            "#,
            r#"
            <div class="admonition note"><p class="admonition-title">Title</p><p>Body of the note.</p></div>
            <details class="warning" open="open"><summary>Summary</summary><p>Hidden body.</p></details>
            <div class="tabbed-set tabbed-alternate" data-tabs="1:2"><input id="__tabbed_1_1" name="__tabbed_1" type="radio" /><input checked="checked" id="__tabbed_1_2" name="__tabbed_1" type="radio" /><div class="tabbed-labels"><label for="__tabbed_1_1">One</label><label for="__tabbed_1_2">Two</label></div>
            <div class="tabbed-content"><div class="tabbed-block"><p>First.</p></div><div class="tabbed-block"><p>Second.</p></div></div></div>
            <div class="admonition"><p>Plain.</p></div>
            "#,
            &blocks_mode(),
            &[],
        );
    }

    #[test]
    fn blocks_mode_nesting_and_classic_syntax() {
        check_html_with(
            r#"
            /// note
            Outer.

            /// tip | Inner
            ```
            ///
            ```
            ///
            ///

            !!! note
                stays text
            "#,
            r#"
            <div class="admonition note"><p class="admonition-title">Note</p><p>Outer.</p>
            <div class="admonition tip"><p class="admonition-title">Inner</p><pre><code>///
            </code></pre></div></div>
            <p>!!! note stays text</p>
            "#,
            &blocks_mode(),
            &[],
        );
    }

    #[test]
    fn blocks_mode_invalid_or_unclosed_blocks() {
        // An unknown option makes the header text; an unclosed block runs to
        // the end and is reported.
        let pre = run_with("/// note\n    colour: red\nx\n", &blocks_mode(), &[]);
        assert!(pre.text.starts_with("/// note\n"), "{}", pre.text);
        let pre = run_with("/// note\nx\n", &blocks_mode(), &[]);
        assert!(pre.text.contains("<div class=\"admonition note\">"));
        assert_eq!(messages(&pre), vec![(1, ProblemKind::Compat)]);
    }

    #[test]
    fn slashes_are_text_without_blocks_mode() {
        check(
            "/// note | Title\nBody\n///\n",
            "/// note | Title\nBody\n///",
        );
    }

    // --- abbreviations (abbr, spec §3.14) ------------------------------------

    #[test]
    fn abbreviation_definitions_are_removed() {
        let pre = run(
            "The HTML spec.\n*[HTML]: HyperText Markup Language\n*[W3C]:\n  World Wide Web Consortium\n*[X]: Temp\n*[X]: ''\n",
        );
        assert_eq!(pre.text, "The HTML spec.\n\n");
        assert_eq!(
            pre.abbreviations,
            vec![
                ("HTML".to_string(), "HyperText Markup Language".to_string()),
                ("W3C".to_string(), "World Wide Web Consortium".to_string()),
            ]
        );
    }

    // --- fenced code (superfences) -------------------------------------------

    #[test]
    fn fences_are_opaque() {
        check(
            r#"
            ```markdown
            !!! note
                not an admonition
            === "not a tab"
            - list
                - item
            *[X]: not an abbreviation
            ```
            "#,
            r#"
            ```markdown
            !!! note
                not an admonition
            === "not a tab"
            - list
                - item
            *[X]: not an abbreviation
            ```
            "#,
        );
    }

    #[test]
    fn longer_fences_nest_shorter_ones() {
        // superfences closes only on the exact fence; CommonMark closes on
        // any longer one, so the fence is lengthened where needed.
        check(
            "````markdown\n```python\nx\n```\n````\n",
            "````markdown\n```python\nx\n```\n````",
        );
        check("```\n````\n```\n", "`````\n````\n`````");
    }

    #[test]
    fn unclosed_fence_is_text() {
        // superfences abandons a fence that never closes.
        let pre = run("```python\n- item\n");
        assert_eq!(pre.text, "\\`\\`\\`python\n\\- item\n");
        assert_eq!(messages(&pre)[0], (1, ProblemKind::Compat));
    }

    #[test]
    fn indented_code_keeps_fences_as_text() {
        check(
            "Text\n\n    ```\n    code\n    ```\n",
            "Text\n\n    ```\n    code\n    ```",
        );
    }

    #[test]
    fn fence_interrupts_a_paragraph_at_any_indent() {
        check("Text\n    ```\n    code\n    ```\n", "Text\n```\ncode\n```");
    }

    // --- Python-Markdown paragraphs ------------------------------------------

    #[test]
    fn python_markdown_paragraph_rules() {
        // HashHeader needs no space; a setext underline only counts on a
        // block's second line (later, `---` is a rule); `  # x` is text; a
        // reference definition splits the paragraph.
        check(
            "#Heading\n\nline one\nline two\n---\n\nline one\nline two\n===\n\n  # not a heading\n\nSee [x].\n[x]: https://example.com\n",
            "# Heading\n\nline one\nline two\n\n---\n\nline one\nline two\n\\===\n\n  \\# not a heading\n\nSee [x].\n\n[x]: https://example.com",
        );
    }

    #[test]
    fn setext_heading_of_a_list_line() {
        // Python's SetextHeaderProcessor runs before the list processors.
        check_html("- item\n---\n", "<h2>- item</h2>");
    }

    #[test]
    fn colons_only_start_definitions_with_a_space() {
        check_html(
            "Term\n:   Definition\n\nText\n:smile: start\n",
            "<dl><dt>Term</dt><dd>Definition</dd></dl><p>Text :smile: start</p>",
        );
    }

    #[test]
    fn admonition_inside_a_definition() {
        // material-reference: `:   !!! note` after an HTML comment term.
        check_html(
            "Term\n\n:   !!! note\n\n        Lorem.\n",
            r#"<dl><dt>Term</dt><dd><div class="admonition note"><p class="admonition-title">Note</p><p>Lorem.</p></div></dd></dl>"#,
        );
    }

    // --- robustness ----------------------------------------------------------

    #[test]
    fn line_map_follows_the_output() {
        let pre = run("---\ntitle: t\n---\n!!! note\n    a\n\n- b\n    - c\n");
        assert_eq!(pre.line_map.len(), pre.text.lines().count(), "{}", pre.text);
        let line_of = |needle: &str| {
            let k = pre
                .text
                .lines()
                .position(|l| l.trim_start() == needle)
                .unwrap();
            pre.line_map[k].0
        };
        assert_eq!(line_of("<div class=\"admonition note\">"), 4);
        assert_eq!(line_of("a"), 5);
        assert_eq!(line_of("- b"), 7);
        assert_eq!(line_of("\\- c"), 8);
    }

    #[test]
    fn never_panics_on_odd_input() {
        // A small deterministic generator over the syntax this pass knows.
        let pieces = [
            "- ",
            "* ",
            "1. ",
            "1) ",
            "  ",
            "    ",
            "!!! note",
            "??? tip \"t\"",
            "===+ \"x\"",
            "/// tab | a",
            "///",
            "```",
            "~~~~",
            "> ",
            ">>> [!NOTE]",
            "> [!TIP]",
            "--8<-- \"snippets/loop-a.md\"",
            "--8<--",
            ";",
            "*[A]: b",
            ": ",
            "#",
            "---",
            "===",
            "<div>",
            "<!--",
            "-->",
            "[x]: y",
            "[^1]:",
            "|a|b|",
            "|-|-|",
            "\t",
            "é",
            "\u{2}",
            "text",
            "\r",
            "\n",
            "\n\n",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..300 {
            let mut doc = String::new();
            for _ in 0..(20 + round % 60) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                doc.push_str(pieces[(seed % pieces.len() as u64) as usize]);
                if seed.is_multiple_of(3) {
                    doc.push('\n');
                }
            }
            for options in [MarkdownOptions::default(), blocks_mode()] {
                let pre = preprocess(&doc, &options, &Files(SNIPPETS));
                assert_eq!(pre.line_map.len(), pre.text.lines().count(), "{doc:?}");
            }
        }
    }

    #[test]
    fn hostile_inputs_stay_fast() {
        let started = std::time::Instant::now();
        let deep_list = "- ".repeat(100_000) + "x\n";
        let deep_admonitions: String = (0..2_000)
            .map(|d| format!("{}!!! note\n", "    ".repeat(d)))
            .collect();
        let unclosed_fences = "```x\n".repeat(50_000);
        let long_line = "-".repeat(200_000) + "8<" + &"-".repeat(200_000) + "\n";
        let many_lines = "- item\n    - folded\n\ntext with `code`\n".repeat(20_000);
        let lists_with_lazy_fences = "- a\n```x\n\n".repeat(30_000);
        for doc in [
            deep_list,
            deep_admonitions,
            unclosed_fences,
            long_line,
            many_lines,
            lists_with_lazy_fences,
        ] {
            let t = std::time::Instant::now();
            let pre = preprocess(&doc, &MarkdownOptions::default(), &Files(SNIPPETS));
            assert_eq!(pre.line_map.len(), pre.text.lines().count());
            eprintln!("{} bytes: {:?}", doc.len(), t.elapsed());
        }
        let unclosed_blocks = "/// note\n".repeat(30_000);
        let t = std::time::Instant::now();
        let pre = preprocess(&unclosed_blocks, &blocks_mode(), &Files(SNIPPETS));
        assert_eq!(pre.line_map.len(), pre.text.lines().count());
        eprintln!("unclosed blocks: {:?}", t.elapsed());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }
}
