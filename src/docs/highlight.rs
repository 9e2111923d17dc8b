//! Code highlighting with syntect, in Pygments' HTML layout (spec §3.2).
//!
//! - [`FenceOptions`]: the superfences info string (`python title="a.py"
//!   linenums="10" hl_lines="1-2 4" .class #id`).
//! - [`Highlighter`]: the [`CodeHighlighter`] of the Markdown renderer.
//!   Blocks come out as Pygments' `highlighttable` with line numbers
//!   (TechDocs sets `linenums: true`), tokens as `<span class="y1f">`:
//!   one short class per scope selector of the themes, standing for the
//!   syntect scope classes (`SpacedPrefixed { prefix: "sy-" }`) it replaces
//!   (see `html.rs`).
//! - [`stylesheet`]: CSS for those classes (light and dark) and the table.
//! - [`HighlightCache`]: block HTML persisted between builds.
//!
//! The syntax set is syntect's bundled one (`load_defaults_newlines`, with
//! Oniguruma), loaded once per process and shared by every thread.
//! TypeScript, Dockerfile, Jinja and a few others are missing from it; the
//! closest grammar stands in (see `ALIASES`).
//!
//! Throughput (release build, one core of the 2-core dev machine, measured
//! with a throwaway timing loop; `cargo bench --bench pipeline` measures the
//! whole docs stage): ~57,000 lines/s (1.2 MB/s of
//! code) for a Python/YAML mix, nearly all of it in syntect's parser
//! (Oniguruma's `match_at` alone is a third of the samples; this module's
//! HTML writing a few per cent). Pygments 2.20 does ~43,000 lines/s on the
//! same input. A 710,000-line build is thus ~12 s of CPU uncached, spread
//! over the cores by rayon; cache hits run at ~40 million lines/s (read
//! from the cache file on demand, see `cache.rs`).
//!
//! Size: the bench measured ~9.7 bytes of HTML per byte of code (Pygments:
//! 6.9, with two-letter classes) while spans carried syntect's class lists
//! (`sy-punctuation sy-definition sy-tag`). With one short class per theme
//! selector (`y1f`, see `html.rs`) the Rust/Python/YAML/bash/JSON sample in
//! the tests (`size_sample::SAMPLE`, whole blocks with their tables) went
//! from 8.35 to 5.83 bytes per byte of code, the same spans and colours.

mod cache;
mod html;
mod options;
mod style;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use syntect::parsing::{ParseState, Scope, SyntaxReference, SyntaxSet};

pub use cache::{CACHE_FILE, CacheKey, CacheStats, HighlightCache};
pub use html::escape_into;
pub use options::FenceOptions;
pub use style::stylesheet;

use crate::docs::markdown::CodeHighlighter;
use cache::KeyBuilder;
use html::{ClassTable, SpanWriter};

/// Blocks larger than this, or with a line longer than [`MAX_LINE`], are
/// shown as plain text: regex grammars can take superlinear time on
/// minified or generated text, and nobody reads its colours.
const MAX_HIGHLIGHT_BYTES: usize = 2 << 20;
const MAX_LINE: usize = 16 << 10;

/// Fences whose diagrams Backlot does not render (spec §3.21): shown as
/// highlighted source after [`diagram_source_notice`].
pub const DIAGRAM_SOURCE_LANGUAGES: &[&str] =
    &["plantuml", "uml", "c4plantuml", "puml", "dot", "graphviz"];

/// Names written in MkDocs docs that syntect's defaults lack or spell
/// differently (lower case) → the syntect syntax used. Pygments knows most
/// of them, so the class stays `language-<as written>`; the plain-text
/// ones become `language-text` as in Pygments.
const ALIASES: &[(&str, &str)] = &[
    ("shell", BASH),
    ("sh", BASH),
    ("bash", BASH),
    ("zsh", BASH),
    ("ksh", BASH),
    ("console", BASH),
    ("shell-session", BASH),
    ("shellsession", BASH),
    ("sh-session", BASH),
    ("terminal", BASH),
    // No Dockerfile grammar: shell gets comments, strings and variables right.
    ("dockerfile", BASH),
    ("docker", BASH),
    ("yml", "YAML"),
    ("js", "JavaScript"),
    ("javascript", "JavaScript"),
    ("jsx", "JavaScript"),
    ("mjs", "JavaScript"),
    ("cjs", "JavaScript"),
    // syntect's defaults have no TypeScript: JavaScript is the closest.
    ("ts", "JavaScript"),
    ("typescript", "JavaScript"),
    ("tsx", "JavaScript"),
    ("mts", "JavaScript"),
    ("cts", "JavaScript"),
    ("jsonc", "JSON"),
    ("json5", "JSON"),
    ("py", "Python"),
    ("python3", "Python"),
    ("py3", "Python"),
    ("pycon", "Python"),
    ("ipython", "Python"),
    ("golang", "Go"),
    ("csharp", "C#"),
    ("c#", "C#"),
    ("objective-c", "Objective-C"),
    ("objc", "Objective-C"),
    ("postgresql", "SQL"),
    ("postgres", "SQL"),
    ("psql", "SQL"),
    ("mysql", "SQL"),
    ("plpgsql", "SQL"),
    ("sqlite3", "SQL"),
    // Template languages: the HTML around the tags is what dominates.
    ("django", "HTML"),
    ("jinja", "HTML"),
    ("jinja2", "HTML"),
    ("j2", "HTML"),
    ("html+jinja", "HTML"),
    ("htmldjango", "HTML"),
    ("vue", "HTML"),
    ("svelte", "HTML"),
    ("scss", "CSS"),
    ("less", "CSS"),
    // syntect lists `sass` under Ruby Haml.
    ("sass", "CSS"),
    ("udiff", "Diff"),
    ("graphviz", "Graphviz (DOT)"),
    ("batch", "Batch File"),
    ("dosbatch", "Batch File"),
    ("regex", "Regular Expression"),
    ("text", PLAIN),
    ("plain", PLAIN),
    ("plaintext", PLAIN),
    ("txt", PLAIN),
    ("none", PLAIN),
    ("nohighlight", PLAIN),
];

const BASH: &str = "Bourne Again Shell (bash)";
const PLAIN: &str = "Plain Text";

/// The syntax set and how fence languages map onto it, built once.
struct Engine {
    syntaxes: SyntaxSet,
    /// Lower-case token → index into `syntaxes.syntaxes()`.
    by_token: HashMap<String, usize>,
    plain: usize,
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let syntaxes = SyntaxSet::load_defaults_newlines();
        let list = syntaxes.syntaxes();
        let index_of = |name: &str| list.iter().position(|s| s.name == name);
        let plain = index_of(PLAIN).expect("syntect has plain text");
        // syntect's `find_syntax_by_token`: extensions before names, later
        // syntaxes before earlier ones; precomputed to skip its scans.
        let mut by_token = HashMap::new();
        for (i, s) in list.iter().enumerate().filter(|(_, s)| !s.hidden) {
            by_token.insert(s.name.to_ascii_lowercase(), i);
        }
        for (i, s) in list.iter().enumerate().filter(|(_, s)| !s.hidden) {
            for ext in &s.file_extensions {
                by_token.insert(ext.to_ascii_lowercase(), i);
            }
        }
        for (alias, name) in ALIASES {
            if let Some(i) = index_of(name) {
                by_token.insert(alias.to_string(), i);
            }
        }
        Engine {
            syntaxes,
            by_token,
            plain,
        }
    })
}

impl Engine {
    /// The syntax for a fence language, `None` when unknown.
    fn find(&self, language: &str) -> Option<&SyntaxReference> {
        let i = *self.by_token.get(&language.to_ascii_lowercase())?;
        Some(&self.syntaxes.syntaxes()[i])
    }

    fn is_plain(&self, syntax: &SyntaxReference) -> bool {
        std::ptr::eq(syntax, &self.syntaxes.syntaxes()[self.plain])
    }
}

/// Compile-time FNV-1a of this module's sources: any change to how HTML is
/// produced changes the cache fingerprint, even without a version bump.
const SOURCE_HASH: u64 = {
    const fn fnv(bytes: &[u8], mut h: u64) -> u64 {
        let mut i = 0;
        while i < bytes.len() {
            h ^= bytes[i] as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
            i += 1;
        }
        h
    }
    let h = fnv(include_bytes!("highlight.rs"), 0xcbf2_9ce4_8422_2325);
    let h = fnv(include_bytes!("highlight/html.rs"), h);
    let h = fnv(include_bytes!("highlight/options.rs"), h);
    fnv(include_bytes!("highlight/style.rs"), h)
};

/// What every cache key starts with: Backlot's version, the source hash
/// above, and syntect's syntax set and the two themes (serialized, so an
/// upgrade of syntect that changes a grammar changes it too).
pub(crate) fn fingerprint() -> [u8; 16] {
    static PRINT: OnceLock<[u8; 16]> = OnceLock::new();
    *PRINT.get_or_init(|| {
        struct Hashing(sha1_smol::Sha1);
        impl Write for Hashing {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut h = Hashing(sha1_smol::Sha1::new());
        h.0.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.0.update(&SOURCE_HASH.to_le_bytes());
        let _ = serde_json::to_writer(&mut h, &engine().syntaxes);
        let themes = style::themes();
        let _ = serde_json::to_writer(&mut h, &[&themes.light.theme, &themes.dark.theme]);
        let mut print = [0u8; 16];
        print.copy_from_slice(&h.0.digest().bytes()[..16]);
        print
    })
}

/// The highlighter the docs stage shares across its threads.
pub struct Highlighter {
    cache: Option<Arc<HighlightCache>>,
}

impl Highlighter {
    /// Loads the syntax set and themes (once per process) and uses `cache`
    /// for block HTML when given.
    pub fn new(cache: Option<Arc<HighlightCache>>) -> Highlighter {
        engine();
        style::themes();
        Highlighter { cache }
    }

    /// The cache key of a block: everything its HTML depends on.
    fn block_key(cache: &HighlightCache, code: &str, options: &FenceOptions) -> CacheKey {
        let mut key = KeyBuilder::new(cache.fingerprint(), b"block");
        key.opt_str(options.language.as_deref())
            .str(code)
            .opt_str(options.title.as_deref());
        key.u32(u32::from(options.linenums_start.is_some()));
        key.u32(options.linenums_start.unwrap_or(0));
        key.u32(options.hl_lines.len() as u32);
        for &line in &options.hl_lines {
            key.u32(line);
        }
        key.u32(options.classes.len() as u32);
        for class in &options.classes {
            key.str(class);
        }
        key.opt_str(options.id.as_deref()).finish()
    }
}

impl CodeHighlighter for Highlighter {
    fn block(&self, code: &str, options: &FenceOptions, _index: usize) -> String {
        let Some(cache) = &self.cache else {
            return render_block(code, options);
        };
        let key = Highlighter::block_key(cache, code, options);
        if let Some(html) = cache.get(key) {
            return html;
        }
        let html = render_block(code, options);
        cache.put(key, &html);
        html
    }

    fn inline(&self, language: &str, code: &str) -> Option<String> {
        render_inline(language, code)
    }
}

/// `<p class="diagram-notice">…</p>` before the source of a diagram fence
/// Backlot does not render (spec §3.21: PlantUML and Graphviz need a JVM or
/// the `dot` binary at build time; Backlot shows the source instead).
pub fn diagram_source_notice(kind: &str) -> String {
    let name = match kind.to_ascii_lowercase().as_str() {
        "plantuml" | "uml" | "c4plantuml" | "puml" => "PlantUML".to_string(),
        "dot" | "graphviz" => "Graphviz".to_string(),
        _ => {
            let mut s = String::new();
            escape_into(&mut s, kind, false);
            s
        }
    };
    format!(
        "<p class=\"diagram-notice\">{name} diagrams are not rendered by Backlot; the source is shown below.</p>"
    )
}

/// Pygments' preprocessing: `\r\n` and `\r` become `\n`, leading and
/// trailing newlines go (`stripnl`), and one newline ends the text.
fn normalize(code: &str) -> String {
    let mut text = if code.contains('\r') {
        code.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        code.to_string()
    };
    let end = text.trim_end_matches('\n').len();
    text.truncate(end);
    let start = text.len() - text.trim_start_matches('\n').len();
    text.drain(..start);
    text.push('\n');
    text
}

/// Whether to run the grammar at all (see [`MAX_HIGHLIGHT_BYTES`]).
fn worth_highlighting(text: &str) -> bool {
    text.len() <= MAX_HIGHLIGHT_BYTES && text.split('\n').all(|line| line.len() <= MAX_LINE)
}

thread_local! {
    static CLASSES: std::cell::RefCell<ClassTable> = std::cell::RefCell::default();
}

/// The token class that syntect-highlighted code gets for a token whose
/// innermost TextMate scope is `scope` (`keyword.other.graphql` → `y1f`),
/// or `None` when no theme rule can match it (such tokens get no span).
/// For highlighters outside syntect (`apidocs`: GraphQL SDL and `.proto`,
/// which the bundled syntaxes lack) so that their tokens share the classes
/// and the stylesheet of docs code blocks. An invalid scope name is `None`.
pub fn scope_class(scope: &str) -> Option<String> {
    let scope = Scope::new(scope).ok()?;
    CLASSES.with(|table| {
        table
            .borrow_mut()
            .classes_of(scope, &style::themes().selector_scopes)
            .map(str::to_owned)
    })
}

/// Writes `text` (lines ending in `\n`) highlighted with `syntax`; `hll`
/// tells whether a 0-based line is highlighted. `Err` when the grammar
/// fails; `out` then holds a partial result the caller discards.
fn write_highlighted(
    syntax: &SyntaxReference,
    text: &str,
    hoisted: Option<Scope>,
    mut hll: impl FnMut(usize) -> bool,
    last_newline: bool,
    out: &mut String,
) -> Result<(), syntect::parsing::ParsingError> {
    let engine = engine();
    let selectors = &style::themes().selector_scopes;
    let mut state = ParseState::new(syntax);
    let mut writer = SpanWriter::new(selectors, hoisted);
    CLASSES.with(|table| {
        let mut table = table.borrow_mut();
        let count = text.matches('\n').count();
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let ops = state.parse_line(line, &engine.syntaxes)?;
            let marked = hll(i);
            if marked {
                out.push_str("<span class=\"hll\">");
            }
            writer.line(&mut table, line, &ops, last_newline || i + 1 < count, out);
            if marked {
                out.push_str("</span>");
            }
        }
        Ok(())
    })
}

/// The same lines as plain escaped text.
fn write_plain(
    text: &str,
    mut hll: impl FnMut(usize) -> bool,
    last_newline: bool,
    out: &mut String,
) {
    let count = text.matches('\n').count();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let marked = hll(i);
        if marked {
            out.push_str("<span class=\"hll\">");
        }
        let newline = last_newline || i + 1 < count;
        escape_into(out, line.strip_suffix('\n').unwrap_or(line), false);
        if newline {
            out.push('\n');
        }
        if marked {
            out.push_str("</span>");
        }
    }
}

/// A 0-based line → "is it in hl_lines" test. `FenceOptions::parse` sorts
/// the list; one built by hand may not be.
fn hl_lookup(hl_lines: &[u32]) -> impl FnMut(usize) -> bool + Clone + '_ {
    let lines: Cow<[u32]> = if hl_lines.is_sorted() {
        Cow::Borrowed(hl_lines)
    } else {
        let mut sorted = hl_lines.to_vec();
        sorted.sort_unstable();
        Cow::Owned(sorted)
    };
    move |i| u32::try_from(i + 1).is_ok_and(|n| lines.binary_search(&n).is_ok())
}

/// A fenced or indented code block as Pygments' table (spec §3.2).
fn render_block(code: &str, options: &FenceOptions) -> String {
    let engine = engine();
    let written = options.language.as_deref();
    let syntax = written
        .and_then(|l| engine.find(l))
        .filter(|s| !engine.is_plain(s));
    let class_language = match (syntax, written) {
        (Some(_), Some(written)) => written,
        _ => "text",
    };
    let text = normalize(code);
    let line_count = text.matches('\n').count();
    let mut out = String::with_capacity(text.len() * 3 + line_count * 32 + 512);

    if let Some(kind) =
        written.filter(|l| DIAGRAM_SOURCE_LANGUAGES.contains(&l.to_ascii_lowercase().as_str()))
    {
        out.push_str(&diagram_source_notice(kind));
    }
    out.push_str("<div");
    if let Some(id) = &options.id {
        out.push_str(" id=\"");
        escape_into(&mut out, id, true);
        out.push('"');
    }
    out.push_str(" class=\"language-");
    escape_into(&mut out, class_language, true);
    for class in &options.classes {
        out.push(' ');
        escape_into(&mut out, class, true);
    }
    out.push_str(" highlight\"><table class=\"highlighttable\"><tr>");
    if let Some(title) = &options.title {
        out.push_str("<th colspan=\"2\" class=\"filename\"><span class=\"filename\">");
        escape_into(&mut out, title, false);
        out.push_str("</span></th></tr><tr>");
    }

    // Line numbers, right-aligned to the widest as Pygments pads them.
    out.push_str("<td class=\"linenos\"><div class=\"linenodiv\"><pre><span></span>");
    let first = options.linenums_start.unwrap_or(1) as u64;
    let last = first + line_count as u64 - 1;
    let width = last.to_string().len();
    for n in first..=last {
        if n != first {
            out.push('\n');
        }
        out.push_str("<span class=\"normal\">");
        let digits = n.to_string();
        out.extend(std::iter::repeat_n(' ', width - digits.len()));
        out.push_str(&digits);
        out.push_str("</span>");
    }
    out.push_str("</pre></div></td><td class=\"code\"><div><pre><span></span>");

    let hll = hl_lookup(&options.hl_lines);
    let code_start = out.len();
    let mut done = false;
    if let Some(syntax) = syntax.filter(|_| worth_highlighting(&text)) {
        // The syntax's own scope (`source.python`) sits on `<code>` rather
        // than on a span per line, when a theme rule names it.
        let root = CLASSES.with(|t| {
            t.borrow_mut()
                .classes_of(syntax.scope, &style::themes().selector_scopes)
                .map(str::to_owned)
        });
        match &root {
            Some(classes) => {
                out.push_str("<code class=\"");
                out.push_str(classes);
                out.push_str("\">");
            }
            None => out.push_str("<code>"),
        }
        let hoisted = root.is_some().then_some(syntax.scope);
        done = write_highlighted(syntax, &text, hoisted, hll.clone(), true, &mut out).is_ok();
        if !done {
            out.truncate(code_start);
        }
    }
    if !done {
        out.push_str("<code>");
        write_plain(&text, hll, true, &mut out);
    }
    out.push_str("</code></pre></div></td></tr></table></div>");
    out
}

/// Inline code with a language (`` `#!python x` ``, spec §3.3).
fn render_inline(language: &str, code: &str) -> Option<String> {
    let engine = engine();
    let syntax = engine.find(language)?;
    let plain = engine.is_plain(syntax);
    let class_language = if plain { "text" } else { language };
    let mut out = String::with_capacity(code.len() * 3 + 64);
    out.push_str("<code class=\"language-");
    escape_into(&mut out, class_language, true);
    out.push_str(" highlight\">");
    let start = out.len();
    let mut text = code.to_string();
    text.push('\n');
    let done = !plain && worth_highlighting(&text) && {
        let ok = write_highlighted(syntax, &text, None, |_| false, false, &mut out).is_ok();
        if !ok {
            out.truncate(start);
        }
        ok
    };
    if !done {
        write_plain(&text, |_| false, false, &mut out);
    }
    out.push_str("</code>");
    Some(out)
}

/// Test helpers for highlighted HTML, shared with the highlighters of API
/// definitions (`apidocs::graphql`, `apidocs::proto`).
#[cfg(test)]
pub(crate) mod testing {
    /// The text of highlighted HTML: tags removed, entities decoded (the
    /// four that `escape_into` writes outside attributes).
    pub fn text_of(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    }

    /// The `<code>` element of a block.
    pub fn code_of(html: &str) -> &str {
        let start = html.find("<code").expect("a code element");
        let end = html.rfind("</code>").expect("a code element");
        &html[start..end + "</code>".len()]
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{code_of, text_of};
    use super::*;

    fn block(code: &str, info: &str) -> String {
        render_block(code, &FenceOptions::parse(info))
    }

    /// `html` with each short token class replaced by the scope classes it
    /// stands for (`y1f` → `sy-storage sy-type`), as before the renaming.
    pub(super) fn legacy(html: &str) -> String {
        let selectors = &style::themes().selector_scopes;
        let mut out = String::with_capacity(html.len() * 2);
        let mut rest = html;
        while let Some(at) = rest.find("class=\"") {
            let (head, tail) = rest.split_at(at + 7);
            out.push_str(head);
            let end = tail.find('"').unwrap();
            let name = &tail[..end];
            let index = name
                .strip_prefix(html::CLASS_PREFIX)
                .and_then(|n| usize::from_str_radix(n, 36).ok())
                .filter(|&i| i < selectors.len() && html::class_name(i) == name);
            match index {
                Some(i) => {
                    let scope = selectors[i].build_string();
                    let classes: Vec<String> =
                        scope.split('.').map(|a| format!("sy-{a}")).collect();
                    escape_into(&mut out, &classes.join(" "), true);
                }
                None => out.push_str(name),
            }
            rest = &tail[end..];
        }
        out.push_str(rest);
        out
    }

    // spec §3.2: the exact table around the code, without a title
    // (reference: features/blocks/code, "A fence with no language.").
    #[test]
    fn table_layout_plain() {
        assert_eq!(
            block("A fence with no language.\n", ""),
            "<div class=\"language-text highlight\"><table class=\"highlighttable\"><tr><td class=\"linenos\">\
             <div class=\"linenodiv\"><pre><span></span><span class=\"normal\">1</span></pre></div></td>\
             <td class=\"code\"><div><pre><span></span><code>A fence with no language.\n</code></pre></div></td>\
             </tr></table></div>"
        );
    }

    // spec §3.2: with a title, the filename row comes first (reference:
    // `python title="greet.py"`); line numbers one per line.
    #[test]
    fn table_layout_with_title() {
        let html = block(
            "def greet(name):\n    return name\n",
            "python title=\"greet.py\"",
        );
        assert!(html.starts_with(
            "<div class=\"language-python highlight\"><table class=\"highlighttable\"><tr>\
             <th colspan=\"2\" class=\"filename\"><span class=\"filename\">greet.py</span></th></tr><tr>\
             <td class=\"linenos\"><div class=\"linenodiv\"><pre><span></span><span class=\"normal\">1</span>\n\
             <span class=\"normal\">2</span></pre></div></td><td class=\"code\"><div><pre><span></span><code"
        ));
        assert!(html.ends_with("\n</code></pre></div></td></tr></table></div>"));
        assert_eq!(
            text_of(code_of(&html)),
            "def greet(name):\n    return name\n"
        );
        assert!(legacy(&html).contains("<span class=\"sy-storage sy-type\">def</span>"));
        // The title is escaped.
        let html = block("x\n", "text title=\"<b>&\"");
        assert!(html.contains("<span class=\"filename\">&lt;b&gt;&amp;</span>"));
    }

    // spec §3.2: hl_lines="1-2 4" wraps those lines, newline included, in
    // `<span class="hll">` (reference: the `one = 1` … `four = 4` block).
    #[test]
    fn hl_lines_wrap_whole_lines() {
        let html = block(
            "one = 1\ntwo = 2\nthree = 3\nfour = 4\n",
            "python linenums=\"1\" hl_lines=\"1-2 4\"",
        );
        let code = code_of(&html);
        let lines: Vec<&str> = code.split_inclusive('\n').collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[4], "</span></code>");
        assert!(lines[0].contains("<span class=\"hll\">"));
        assert!(lines[1].starts_with("</span><span class=\"hll\">"));
        assert!(lines[2].starts_with("</span>") && !lines[2].contains("hll"));
        assert!(lines[3].starts_with("<span class=\"hll\">"));
        assert!(code.ends_with("\n</span></code>"));
        assert_eq!(text_of(code), "one = 1\ntwo = 2\nthree = 3\nfour = 4\n");
        // Unsorted lists built by hand work too.
        let options = FenceOptions {
            hl_lines: vec![3, 1],
            ..FenceOptions::parse("text")
        };
        assert!(render_block("a\nb\nc\n", &options).contains(
            "<code><span class=\"hll\">a\n</span>b\n<span class=\"hll\">c\n</span></code>"
        ));
        // Out-of-range lines are ignored; plain text is wrapped too.
        let html = block("a\nb\n", "text hl_lines=\"2 9\"");
        assert!(html.contains("<code>a\n<span class=\"hll\">b\n</span></code>"));
    }

    // spec §3.2: a multi-line token (docstring) is closed and reopened at
    // each line so that hll spans nest.
    #[test]
    fn multiline_tokens_nest_inside_hll() {
        let html = block("x = \"\"\"a\nb\nc\"\"\"\n", "python hl_lines=\"2\"");
        let old = legacy(&html);
        let line2 = code_of(&old).split_inclusive('\n').nth(1).unwrap();
        assert!(
            line2.starts_with("<span class=\"hll\"><span class=\"sy-string"),
            "{line2}"
        );
        assert!(line2.ends_with("b</span>\n"), "{line2}");
        let (mut depth, mut max) = (0i32, 0);
        for part in code_of(&html).split('<').skip(1) {
            if part.starts_with("span") {
                depth += 1;
            } else if part.starts_with("/span") {
                depth -= 1;
            }
            assert!(depth >= 0);
            max = max.max(depth);
        }
        assert_eq!(depth, 0);
        assert!(max >= 2);
    }

    // spec §3.2: linenums="10" starts at 10; numbers are padded to the
    // widest (Pygments: `<span class="normal"> 9</span>` … `10`).
    #[test]
    fn linenums_start_and_padding() {
        let html = block(
            "fn main() {\n}\n",
            "rust linenums=\"10\" title=\"src/main.rs\"",
        );
        assert!(
            html.contains(
                "<span class=\"normal\">10</span>\n<span class=\"normal\">11</span></pre>"
            )
        );
        let html = block(&"x\n".repeat(10), "text");
        assert!(
            html.contains("<span class=\"normal\"> 1</span>\n<span class=\"normal\"> 2</span>")
        );
        assert!(html.contains("<span class=\"normal\">10</span></pre>"));
        let html = block("x\ny\n", "text linenums=\"99\"");
        assert!(html.contains(
            "<span class=\"normal\"> 99</span>\n<span class=\"normal\">100</span></pre>"
        ));
    }

    // spec §3.2: unknown or missing languages, and mermaid without a
    // custom fence, become `language-text` with line numbers.
    #[test]
    fn unknown_language_is_text() {
        for info in [
            "",
            "not-a-real-language",
            "mermaid",
            "plain",
            "none",
            "TXT",
            "<b>",
        ] {
            let html = block("a < b\n", info);
            assert!(
                html.starts_with("<div class=\"language-text highlight\">"),
                "{info}: {html}"
            );
            assert!(html.contains("<code>a &lt; b\n</code>"), "{info}: {html}");
        }
    }

    // spec §3.2: the class keeps the language as written (`language-py`,
    // `language-MD`, `language-c++` in the references).
    #[test]
    fn language_class_as_written() {
        for lang in ["py", "MD", "c++", "typescript", "bash", "yml", "js"] {
            let html = block("x\n", lang);
            assert!(
                html.starts_with(&format!("<div class=\"language-{lang} highlight\">")),
                "{html}"
            );
        }
    }

    // spec §3.2: `.class` and `#id` land on the outer div, escaped
    // (reference: `language-yaml no-copy highlight`).
    #[test]
    fn classes_and_id_on_outer_div() {
        let html = block("a: 1\n", "{ .yaml .no-copy #cfg }");
        assert!(
            html.starts_with("<div id=\"cfg\" class=\"language-yaml no-copy highlight\">"),
            "{html}"
        );
        let options = FenceOptions {
            language: Some("yaml".into()),
            classes: vec!["a\"b".into()],
            id: Some("x\"><script>".into()),
            ..Default::default()
        };
        let html = render_block("a: 1\n", &options);
        assert!(html.starts_with(
            "<div id=\"x&quot;&gt;&lt;script&gt;\" class=\"language-yaml a&quot;b highlight\">"
        ));
    }

    // spec §3.2 / §6: code is text, never markup.
    #[test]
    fn script_in_code_is_escaped() {
        let code =
            "<script>alert(\"escaped, never executed\")</script>\n<a href=\"?a=1&b=2\">&amp;</a>\n";
        for info in ["html", "text", "python", "markdown", "js"] {
            let html = block(code, info);
            assert!(!html.contains("<script"), "{info}: {html}");
            assert!(!html.contains("<a "), "{info}: {html}");
            assert_eq!(text_of(code_of(&html)), code, "{info}");
        }
        let inline = render_inline("html", "<script>x</script>").unwrap();
        assert!(!inline.contains("<script"));
        assert_eq!(text_of(&inline), "<script>x</script>");
    }

    // spec §3.2: Pygments strips leading/trailing newlines, turns CRLF into
    // LF, and ends the code with one newline.
    #[test]
    fn newlines_as_pygments() {
        let html = block("\n\nx\r\ny\n\n\n", "text");
        assert!(html.contains("<code>x\ny\n</code>"));
        assert!(html.contains("<span class=\"normal\">2</span></pre>"));
        let html = block("no newline", "text");
        assert!(html.contains("<code>no newline\n</code>"));
        let html = block("", "python");
        assert!(html.contains("<span class=\"normal\">1</span></pre>"));
        assert!(html.contains("\n</code>"));
        // Blank lines inside stay, indentation stays.
        let html = block("a\n\n  b\n", "text");
        assert!(html.contains("<code>a\n\n  b\n</code>"));
    }

    // spec §3.3: `#!python sorted(x)` → `<code class="language-python
    // highlight">` with token spans; unknown languages give `None`.
    #[test]
    fn inline_highlight() {
        let html = render_inline("python", "sorted(items, key=len)").unwrap();
        assert!(
            html.starts_with("<code class=\"language-python highlight\">"),
            "{html}"
        );
        assert!(html.ends_with("</code>"));
        assert!(legacy(&html).contains("<span class=\"sy-"), "{html}");
        assert_eq!(text_of(&html), "sorted(items, key=len)");
        assert!(!html.contains('\n'));
        assert_eq!(render_inline("not-a-language", "x"), None);
        assert_eq!(
            render_inline("text", "a<b").unwrap(),
            "<code class=\"language-text highlight\">a&lt;b</code>"
        );
        let html = render_inline("bash", "make test").unwrap();
        assert!(html.starts_with("<code class=\"language-bash highlight\">"));
        assert_eq!(text_of(&html), "make test");
    }

    // spec §3.2: language names MkDocs users write resolve to a grammar.
    #[test]
    fn aliases() {
        let e = engine();
        let name = |l: &str| e.find(l).map(|s| s.name.as_str());
        for l in ["shell", "sh", "bash", "console", "zsh", "dockerfile"] {
            assert_eq!(name(l), Some(BASH), "{l}");
        }
        assert_eq!(name("yml"), Some("YAML"));
        assert_eq!(name("YAML"), Some("YAML"));
        for l in ["js", "javascript", "ts", "typescript", "tsx"] {
            assert_eq!(name(l), Some("JavaScript"), "{l}");
        }
        assert_eq!(name("py"), Some("Python"));
        assert_eq!(name("Python"), Some("Python"));
        assert_eq!(name("golang"), Some("Go"));
        assert_eq!(name("jsonc"), Some("JSON"));
        assert_eq!(name("rust"), Some("Rust"));
        assert_eq!(name("c++"), Some("C++"));
        assert_eq!(name("c"), Some("C"));
        assert_eq!(name("sass"), Some("CSS"));
        assert_eq!(name("django"), Some("HTML"));
        for l in ["text", "plain", "none", "txt"] {
            assert_eq!(name(l), Some(PLAIN), "{l}");
        }
        assert_eq!(name("not-a-real-language"), None);
        assert_eq!(
            name("commands-builtin-shell-bash"),
            None,
            "hidden syntaxes are not offered"
        );
        // Highlighted, not plain: a keyword span appears.
        assert!(legacy(&block("if true; then echo hi; fi\n", "shell")).contains("sy-keyword"));
        assert!(legacy(&block("const x: number = 1;\n", "ts")).contains("sy-storage"));
    }

    // spec §3.21: PlantUML and Graphviz fences show a notice, then the source.
    #[test]
    fn diagram_fences_get_a_notice() {
        let html = block(
            "@startuml\nA -> B\n@enduml\n",
            "plantuml format=\"svg\" title=\"Flow\"",
        );
        assert!(html.starts_with(
            "<p class=\"diagram-notice\">PlantUML diagrams are not rendered by Backlot; the source is shown below.</p>\
             <div class=\"language-text highlight\">"
        ));
        let html = block("digraph S { A -> B }\n", "graphviz dot system.svg");
        assert!(html.starts_with("<p class=\"diagram-notice\">Graphviz diagrams"));
        assert!(html.contains("<div class=\"language-graphviz highlight\">"));
        assert!(legacy(&html).contains("sy-"));
        assert!(!block("x\n", "python").contains("diagram-notice"));
        assert_eq!(
            diagram_source_notice("<x>"),
            "<p class=\"diagram-notice\">&lt;x&gt; diagrams are not rendered by Backlot; the source is shown below.</p>"
        );
    }

    // Scopes no theme rule names get no span (`meta.generic-name`), and
    // `source.python` is on `<code>` rather than on every line.
    #[test]
    fn spans_only_for_styled_scopes() {
        let html = legacy(&block("greet(name)\n", "python"));
        assert!(
            code_of(&html).starts_with("<code class=\"sy-source sy-python\">"),
            "{html}"
        );
        assert!(!html.contains("generic-name"), "{html}");
        // No rule names `source.yaml`: a bare `<code>`.
        let html = legacy(&block("a: b\n", "yaml"));
        assert!(
            code_of(&html).starts_with("<code><span class=\"sy-string"),
            "{html}"
        );
    }

    // Huge or minified input is not run through the grammar.
    #[test]
    fn oversized_input_is_plain() {
        let long = format!("var x = \"{}\";\n", "a".repeat(MAX_LINE + 1));
        let html = block(&long, "js");
        assert!(html.starts_with("<div class=\"language-js highlight\">"));
        assert!(code_of(&html).starts_with("<code>var x"));
    }

    // Issue #3 (highlight cache): the key covers language, code, every option that
    // shapes the HTML, and the fingerprint (version, syntaxes, source).
    #[test]
    fn cache_key_covers_what_shapes_output() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HighlightCache::open(dir.path());
        let base = FenceOptions::parse("python title=\"a.py\" linenums=\"3\" hl_lines=\"1\" .c #i");
        let k = |code: &str, o: &FenceOptions| Highlighter::block_key(&cache, code, o);
        let k0 = k("x\n", &base);
        assert_eq!(k0, k("x\n", &base.clone()));
        assert_ne!(k0, k("y\n", &base));
        let variants = [
            FenceOptions {
                language: Some("py".into()),
                ..base.clone()
            },
            FenceOptions {
                language: None,
                ..base.clone()
            },
            FenceOptions {
                title: None,
                ..base.clone()
            },
            FenceOptions {
                title: Some(String::new()),
                ..base.clone()
            },
            FenceOptions {
                linenums_start: None,
                ..base.clone()
            },
            FenceOptions {
                linenums_start: Some(4),
                ..base.clone()
            },
            FenceOptions {
                hl_lines: vec![],
                ..base.clone()
            },
            FenceOptions {
                hl_lines: vec![2],
                ..base.clone()
            },
            FenceOptions {
                classes: vec![],
                ..base.clone()
            },
            FenceOptions {
                id: None,
                ..base.clone()
            },
        ];
        for v in &variants {
            assert_ne!(k0, k("x\n", v), "{v:?}");
        }
        // Another fingerprint (another Backlot version or syntax set) gives
        // other keys.
        let other = HighlightCache::open_with(dir.path(), [0; 16]);
        assert_ne!(k0, Highlighter::block_key(&other, "x\n", &base));
        // The real fingerprint is stable within a process and mixes in the version.
        assert_eq!(fingerprint(), fingerprint());
        assert_eq!(cache.fingerprint(), &fingerprint());
    }

    // Issue #3 (highlight cache): the highlighter stores block HTML and serves it on
    // the next build without highlighting again.
    #[test]
    fn highlighter_uses_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let options = FenceOptions::parse("python hl_lines=\"1\"");
        let cache = Arc::new(HighlightCache::open(dir.path()));
        let h = Highlighter::new(Some(cache.clone()));
        let first = h.block("print('hi')\n", &options, 0);
        assert_eq!(first, render_block("print('hi')\n", &options));
        assert_eq!(h.block("print('hi')\n", &options, 3), first);
        assert_eq!(
            cache.stats(),
            CacheStats {
                loaded: 0,
                hits: 1,
                misses: 1
            }
        );
        cache.save().unwrap();

        let cache = Arc::new(HighlightCache::open(dir.path()));
        assert_eq!(cache.stats().loaded, 1);
        let h = Highlighter::new(Some(cache.clone()));
        assert_eq!(h.block("print('hi')\n", &options, 0), first);
        assert_eq!(cache.stats().hits, 1);
        // Without a cache the output is the same.
        assert_eq!(
            Highlighter::new(None).block("print('hi')\n", &options, 0),
            first
        );
    }

    #[test]
    fn highlighter_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Highlighter>();
        assert_send_sync::<HighlightCache>();
        let h = Highlighter::new(None);
        let outputs: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| h.block("def f():\n    return 1\n", &FenceOptions::parse("py"), 0))
                })
                .collect();
            handles.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert!(outputs.windows(2).all(|w| w[0] == w[1]));
    }
}

#[cfg(test)]
mod size_sample {
    use super::*;

    /// Blocks in the mix of the pipeline bench's generated docs.
    pub(super) const SAMPLE: &[(&str, &str)] = &[
        (
            "rust",
            "use std::time::Duration;\n\n/// Sends the payment batch to the ledger service.\n#[derive(Debug, Clone)]\npub struct LedgerConfig {\n    pub retry_limit: u32,\n    pub endpoint: String,\n    pub enabled: bool,\n}\n\nimpl LedgerConfig {\n    pub fn submit(&self, client: &Client) -> Result<Response, Error> {\n        let req = client.post(\"/v1/ledgers\").timeout(Duration::from_millis(1500));\n        req.header(\"x-ledger\", &self.retry_limit.to_string()).send()\n    }\n}\n",
        ),
        (
            "python",
            "import requests\n\n\ndef fetch_order(order_id: str, timeout: float = 12.0) -> dict:\n    \"\"\"Fetch one order from the order service with retries.\"\"\"\n    url = f\"https://orders.internal/api/v1/orders/{order_id}\"\n    resp = requests.get(url, timeout=timeout)\n    resp.raise_for_status()\n    data = resp.json()\n    data.setdefault(\"retry_limit\", None)\n    data.setdefault(\"endpoint\", None)\n    return data\n",
        ),
        (
            "yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\n  namespace: payments\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: orders\n          image: registry.example.com/acme/orders:1.12.0\n          env:\n            - name: RETRY_LIMIT\n              value: \"42\"\n            - name: ENDPOINT\n              value: \"8080\"\n",
        ),
        (
            "bash",
            "git clone git@github.example.com:acme/orders.git && cd orders\nmake build\nkubectl -n payments rollout status deploy/orders --timeout=5m\ncurl -sf https://orders.internal/api/v1/queues?retry_limit=3 | jq .\ncurl -sf https://orders.internal/api/v1/caches?endpoint=7 | jq .\n",
        ),
        (
            "json",
            "{\n  \"service\": \"orders\",\n  \"fetch_order\": {\n    \"retry_limit\": 17,\n    \"endpoint\": 9120,\n    \"enabled\": 3\n  }\n}\n",
        ),
    ];

    /// Bytes of `<code>` HTML per byte of code, over [`SAMPLE`].
    pub(super) fn ratio() -> f64 {
        let (mut html, mut code) = (0, 0);
        for (lang, text) in SAMPLE {
            let out = render_block(text, &FenceOptions::parse(lang));
            html += out.len();
            code += text.len();
        }
        html as f64 / code as f64
    }

    // Short token classes: the Python block keeps the spans it had with
    // syntect's class lists (53, counted before the renaming, hll-free), the
    // same classes once mapped back, and every class it uses is styled by
    // the stylesheet.
    #[test]
    fn short_classes_keep_spans_and_are_styled() {
        let (lang, text) = SAMPLE[1];
        let html = render_block(text, &FenceOptions::parse(lang));
        assert_eq!(html.matches("<span").count(), 53);
        let old = super::tests::legacy(&html);
        assert_eq!(old.matches("<span").count(), 53);
        assert!(
            old.contains("<code class=\"sy-source sy-python\">"),
            "{old}"
        );
        assert!(old.contains("<span class=\"sy-storage sy-type\">def</span>"));

        let css = stylesheet();
        let styled = |class: &str| css.split([',', ' ', '\n', '.']).any(|t| t == class);
        let mut used = Vec::new();
        for part in html.split("class=\"").skip(1) {
            let class = &part[..part.find('"').unwrap()];
            if class.starts_with(html::CLASS_PREFIX) && !used.contains(&class) {
                used.push(class);
            }
        }
        assert!(used.len() >= 10, "{used:?}");
        for class in used {
            assert!(styled(class), "no rule for {class}");
        }
        // Pygments' table classes are untouched.
        for class in ["highlighttable", "linenos", "normal", "code"] {
            assert!(html.contains(&format!("class=\"{class}\"")));
        }
        // Measured: 8.35 bytes of block HTML per byte of code over SAMPLE
        // with syntect's class lists, 5.83 now.
        assert!(ratio() < 6.0, "{}", ratio());
    }
}
