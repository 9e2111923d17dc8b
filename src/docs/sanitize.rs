//! Build-time HTML sanitizing of rendered docs pages.
//!
//! MkDocs passes the author's raw HTML through untouched; Backstage makes
//! it safe only in the browser, with DOMPurify (spec/techdocs.md §6). A
//! static site has no such reader, so Backlot sanitizes every page it
//! writes, with ammonia (html5ever's parser, an allowlist): no script or
//! style elements, no event-handler attributes, no `javascript:`,
//! `vbscript:` or `data:` URLs except `data:image/*` on `<img>`, iframes
//! only from the configured hosts. What survives is what DOMPurify's
//! defaults plus Backstage's settings let through, minus `<link>`/`<meta>`
//! (the page template supplies those).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use ammonia::Builder;

/// URL schemes DOMPurify allows (`callto cid ftp ftps http https mailto
/// matrix sms tel xmpp`). `data` is admitted here only so the attribute
/// filter can keep image data URIs on `<img src>`; everywhere else it is
/// removed.
pub(crate) const URL_SCHEMES: &[&str] = &[
    "callto", "cid", "ftp", "ftps", "http", "https", "mailto", "matrix", "sms", "tel", "xmpp",
    "data",
];

/// Tags beyond ammonia's defaults that TechDocs output uses: tabs and task
/// lists (`input`, `label`), details, media, and a few inline ones.
const EXTRA_TAGS: &[&str] = &[
    "details",
    "summary",
    "input",
    "label",
    "figure",
    "figcaption",
    "mark",
    "ins",
    "del",
    "abbr",
    "audio",
    "video",
    "source",
    "track",
    "picture",
    "iframe",
    "kbd",
    "samp",
    "var",
    "section",
    "article",
    "aside",
    "header",
    "footer",
    "nav",
    "span",
    "div",
];

/// Attributes allowed on every element. `style` survives in DOMPurify and
/// TechDocs uses it (table alignment); its properties are filtered below.
const GENERIC_ATTRIBUTES: &[&str] = &[
    "class", "id", "title", "lang", "dir", "style", "role", "hidden",
];

/// CSS properties allowed in `style` attributes: layout and typography
/// that docs use; nothing that can load a resource (`background-image`,
/// `content`) or pin content over the page (`position`).
const STYLE_PROPERTIES: &[&str] = &[
    "text-align",
    "vertical-align",
    "width",
    "height",
    "max-width",
    "min-width",
    "max-height",
    "color",
    "background-color",
    "font-weight",
    "font-style",
    "font-size",
    "text-decoration",
    "white-space",
    "float",
    "clear",
    "margin",
    "margin-top",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "padding",
    "padding-top",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "border",
    "display",
    "list-style-type",
];

/// Sanitizer settings (the docs part of backlot.yaml).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SanitizeOptions {
    /// Hosts whose iframes are kept (Backstage's
    /// `techdocs.sanitizer.allowedIframeHosts`), e.g. `docs.google.com`.
    pub allowed_iframe_hosts: Vec<String>,
}

/// What every link gets (ammonia's `link_rel`), sanitized or not.
const LINK_REL: &str = "noopener noreferrer";

/// How deep a page's elements may nest. html5ever (under ammonia) looks
/// through the open elements for every start tag, so its time grows with
/// elements × depth: 20,000 `<div>`s inside 60,000 nested quotes and lists
/// took 48 s. Real pages nest a few dozen deep.
pub const MAX_NESTING: usize = 256;

/// Elements whose end tag HTML implies (another of them, or their parent
/// closing, ends them): an unclosed one does not deepen the tree.
const IMPLIED_END: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rt", "rp", "thead", "tbody",
    "tfoot", "colgroup", "caption",
];

/// Elements that never have content.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// How deep the elements of `html` nest, counted from its tags in one pass
/// (no tree is built): start tags of elements that have content open a
/// level, end tags close one. An approximation that errs high only for
/// misnested end tags; enough to keep pathological pages away from the
/// parser.
pub fn nesting_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut from = 0;
    while let Some(found) = html[from..].find('<') {
        let at = from + found;
        from = at + 1;
        if html[at..].starts_with("<!--") {
            from = html[at..]
                .find("-->")
                .map_or(html.len(), |end| at + end + 3);
            continue;
        }
        let closing = bytes.get(at + 1) == Some(&b'/');
        let start = if closing { at + 2 } else { at + 1 };
        let name_len = bytes[start.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue; // text, a comment, a doctype
        }
        let name = html[start..start + name_len].to_ascii_lowercase();
        if VOID.contains(&name.as_str()) || IMPLIED_END.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            // `<x/>`: self-closing in foreign content (SVG, MathML).
            let end = html[at..].find('>').map_or(html.len(), |e| at + e);
            if !html[..end].ends_with('/') {
                depth += 1;
                max = max.max(depth);
            }
        }
    }
    max
}

/// A configured sanitizer, built once per build and shared.
pub struct Sanitizer {
    builder: Builder<'static>,
}

impl Sanitizer {
    pub fn new(options: &SanitizeOptions) -> Sanitizer {
        let mut builder = Builder::default();
        builder
            .add_tags(EXTRA_TAGS.iter().copied())
            .add_generic_attributes(GENERIC_ATTRIBUTES.iter().copied())
            .add_generic_attribute_prefixes(["data-"])
            .url_schemes(URL_SCHEMES.iter().copied().collect())
            .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect())
            .link_rel(Some(LINK_REL))
            .strip_comments(true);
        let mut tag_attributes: HashMap<&'static str, HashSet<&'static str>> = HashMap::new();
        let mut allow = |tag: &'static str, attrs: &[&'static str]| {
            tag_attributes
                .entry(tag)
                .or_default()
                .extend(attrs.iter().copied());
        };
        allow("a", &["href", "hreflang", "download", "target", "name"]);
        allow(
            "img",
            &[
                "src", "alt", "width", "height", "align", "loading", "srcset", "sizes",
            ],
        );
        allow("input", &["type", "checked", "disabled", "name", "value"]);
        allow("label", &["for"]);
        allow("details", &["open"]);
        allow("th", &["colspan", "rowspan", "align", "scope"]);
        allow("td", &["colspan", "rowspan", "align"]);
        allow("ol", &["start", "type", "reversed"]);
        allow("li", &["value"]);
        allow(
            "video",
            &[
                "src",
                "controls",
                "width",
                "height",
                "poster",
                "loop",
                "muted",
                "playsinline",
                "preload",
            ],
        );
        allow("audio", &["src", "controls", "loop", "muted", "preload"]);
        allow("source", &["src", "type", "srcset", "media", "sizes"]);
        allow("track", &["src", "kind", "srclang", "label", "default"]);
        allow(
            "iframe",
            &[
                "src",
                "width",
                "height",
                "allow",
                "allowfullscreen",
                "loading",
                "name",
                "referrerpolicy",
                "sandbox",
            ],
        );
        allow("abbr", &["title"]);
        allow("time", &["datetime"]);
        builder.tag_attributes(tag_attributes);
        // The default `rel` handling would reject a `rel` attribute; links
        // get ours.
        let hosts: Vec<String> = options
            .allowed_iframe_hosts
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        builder.attribute_filter(move |element, attribute, value| {
            filter(element, attribute, value, &hosts)
        });
        Sanitizer { builder }
    }

    /// Sanitizes one page's article HTML (nested at most [`MAX_NESTING`]
    /// deep: see [`nesting_depth`]).
    pub fn clean(&self, html: &str) -> String {
        self.builder.clean(html).to_string()
    }

    /// What [`Sanitizer::clean`] would make of HTML the Markdown renderer
    /// wrote entirely itself (`RenderedPage::needs_sanitizing` false),
    /// without parsing it: the renderer only writes allowlisted tags and
    /// attributes, escaped text and trusted URLs there, so the one change
    /// left is the `rel` every link gets. Parsing and re-serialising every
    /// page was the largest cost of the docs stage after highlighting.
    ///
    /// In such HTML every `<a` is a tag (text and attribute values have
    /// `<` escaped) and no `<a>` has a `rel` of its own (attr_list `rel`
    /// makes a page untrusted). The tests check, page by page over the
    /// fixtures and hostile inputs, that the result parses to the same DOM
    /// as `clean`'s.
    pub fn trusted(&self, html: String) -> String {
        let bytes = html.as_bytes();
        let mut out = String::new();
        let mut copied = 0;
        let mut from = 0;
        // `find(char)` is a memchr; a two-byte pattern would not be.
        while let Some(found) = html[from..].find('<') {
            let at = from + found;
            if bytes.get(at + 1) == Some(&b'a') && matches!(bytes.get(at + 2), Some(b' ' | b'>')) {
                if out.is_empty() {
                    out.reserve(html.len() + 256);
                }
                out.push_str(&html[copied..at + 2]);
                out.push_str(" rel=\"");
                out.push_str(LINK_REL);
                out.push('"');
                copied = at + 2;
            }
            from = at + 1;
        }
        if copied == 0 {
            return html;
        }
        out.push_str(&html[copied..]);
        out
    }
}

fn filter<'v>(
    element: &str,
    attribute: &str,
    value: &'v str,
    iframe_hosts: &[String],
) -> Option<Cow<'v, str>> {
    let is_url = matches!(attribute, "href" | "src" | "srcset" | "poster");
    if is_url && scheme_of(value).as_deref() == Some("data") {
        let image = element == "img"
            && attribute == "src"
            && value
                .get(..11)
                .is_some_and(|p| p.eq_ignore_ascii_case("data:image/"));
        return image.then_some(Cow::Borrowed(value));
    }
    match (element, attribute) {
        ("iframe", "src") => {
            let host = url::Url::parse(value).ok().and_then(|u| {
                (u.scheme() == "https" || u.scheme() == "http")
                    .then(|| u.host_str().map(str::to_ascii_lowercase))?
            });
            host.filter(|h| iframe_hosts.iter().any(|allowed| allowed == h))
                .map(|_| Cow::Borrowed(value))
        }
        ("input", "type") => matches!(value.to_ascii_lowercase().as_str(), "checkbox" | "radio")
            .then_some(Cow::Borrowed(value)),
        ("a", "target") => (value == "_blank").then_some(Cow::Borrowed(value)),
        _ => Some(Cow::Borrowed(value)),
    }
}

/// The scheme of a URL as a browser sees it (ignoring the whitespace and
/// control characters browsers strip), lower-cased.
fn scheme_of(value: &str) -> Option<String> {
    let cleaned: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let colon = cleaned.find(':')?;
    let scheme = &cleaned[..colon];
    (!scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
    .then(|| scheme.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Hardening: the depth the parser is spared, counted without a tree.
    #[test]
    fn nesting_is_counted_from_tags() {
        assert_eq!(nesting_depth("<p>plain <b>text</b></p>"), 1);
        assert_eq!(nesting_depth(&"<div>".repeat(300)), 300);
        assert_eq!(nesting_depth(&"<div></div>".repeat(300)), 1);
        // Unclosed paragraphs and items, void and self-closed elements,
        // comments and escaped text do not deepen it.
        assert_eq!(nesting_depth(&"<p>a<li>b<br><img src=x>".repeat(1000)), 0);
        assert_eq!(nesting_depth("<svg><path d='x'/><path/></svg>"), 1);
        assert_eq!(nesting_depth("<!-- <div><div> --> &lt;div&gt;"), 0);
        let lists = format!(
            "{}{}",
            "<blockquote><ul><li>".repeat(200),
            "</li></ul></blockquote>".repeat(200)
        );
        assert_eq!(nesting_depth(&lists), 400);
    }

    fn clean(html: &str) -> String {
        Sanitizer::new(&SanitizeOptions {
            allowed_iframe_hosts: vec!["docs.google.com".to_string()],
        })
        .clean(html)
    }

    /// Payloads through raw HTML (spec §6; OWASP XSS filter evasion list).
    /// After cleaning, nothing in the output may be able to run script.
    const PAYLOADS: &[&str] = &[
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<img src=\"x\" ONERROR=\"alert(1)\">",
        "<svg onload=alert(1)><circle r=1 /></svg>",
        "<svg><script>alert(1)</script></svg>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
        "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
        "<a href=\"java\tscript:alert(1)\">x</a>",
        "<a href=\" javascript:alert(1)\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "<iframe src=\"https://evil.example/\"></iframe>",
        "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
        "<object data=\"evil.swf\"></object>",
        "<embed src=\"evil.swf\">",
        "<form action=\"javascript:alert(1)\"><input type=submit></form>",
        "<input type=\"image\" src=\"x\" onfocus=\"alert(1)\" autofocus>",
        "<details open ontoggle=alert(1)>",
        "<body onload=alert(1)>",
        "<style>body{background:url(javascript:alert(1))}</style>",
        "<div style=\"background-image:url(javascript:alert(1))\">x</div>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<link rel=stylesheet href=\"https://evil.example/x.css\">",
        "<base href=\"https://evil.example/\">",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<a href=\"#\" onclick=\"alert(1)\">x</a>",
        "<video><source onerror=\"alert(1)\"></video>",
        "<img src=\"data:text/html,<script>alert(1)</script>\">",
        "<!--<img src=x onerror=alert(1)>-->",
        "<x onclick=alert(1)>custom</x>",
    ];

    #[test]
    fn no_payload_survives() {
        for payload in PAYLOADS {
            let out = clean(payload).to_ascii_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onload",
                "onclick",
                "onfocus",
                "ontoggle",
                "javascript:",
                "vbscript:",
                "data:text",
                "<iframe src=\"javascript",
                "evil.example",
                "<object",
                "<embed",
                "<style",
                "<meta",
                "<link",
                "<base",
                "srcdoc",
                "<form",
                "url(",
            ] {
                assert!(!out.contains(bad), "{payload:?} left {bad:?} in {out:?}");
            }
        }
    }

    #[test]
    fn techdocs_structures_survive() {
        let tabs = "<div class=\"tabbed-set tabbed-alternate\" data-tabs=\"1:2\"><input checked=\"checked\" id=\"__tabbed_1_1\" name=\"__tabbed_1\" type=\"radio\"><div class=\"tabbed-labels\"><label for=\"__tabbed_1_1\">Python</label></div></div>";
        let out = clean(tabs);
        for kept in [
            "data-tabs=\"1:2\"",
            "id=\"__tabbed_1_1\"",
            "type=\"radio\"",
            "for=\"__tabbed_1_1\"",
            "checked",
        ] {
            assert!(out.contains(kept), "{kept} lost: {out}");
        }
        let task = "<li class=\"task-list-item\"><label class=\"task-list-control\"><input type=\"checkbox\" disabled checked><span class=\"task-list-indicator\"></span></label> x</li>";
        assert!(clean(task).contains("type=\"checkbox\""));
        let cell = "<table><tr><td style=\"text-align: right;\">1</td></tr></table>";
        assert!(clean(cell).contains("text-align"), "{}", clean(cell));
        let details =
            "<details class=\"note\" open=\"open\"><summary>T</summary><p>b</p></details>";
        assert!(clean(details).contains("open=\"open\""));
        let heading =
            "<h2 id=\"a\">A<a class=\"headerlink\" href=\"#a\" title=\"Permanent link\">¶</a></h2>";
        assert!(clean(heading).contains("href=\"#a\""));
        let png = "<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"uml\">";
        assert!(clean(png).contains("data:image/png"));
        let rel = "<a href=\"../other/#x\">x</a>";
        assert!(clean(rel).contains("href=\"../other/#x\""));
    }

    #[test]
    fn iframes_only_from_allowed_hosts() {
        let ok = clean("<iframe src=\"https://docs.google.com/document/d/1\"></iframe>");
        assert!(
            ok.contains("src=\"https://docs.google.com/document/d/1\""),
            "{ok}"
        );
        let bad = clean("<iframe src=\"https://www.youtube.com/embed/x\"></iframe>");
        assert!(!bad.contains("youtube"), "{bad}");
    }

    /// The DOM of an HTML fragment as one canonical string: elements with
    /// their attributes sorted, adjacent text merged. Two fragments a
    /// browser reads the same way give the same string.
    fn canonical(html: &str) -> String {
        fn walk(node: ego_tree::NodeRef<scraper::Node>, out: &mut String) {
            for child in node.children() {
                match child.value() {
                    scraper::Node::Element(e) => {
                        let mut attrs: Vec<(String, String)> = e
                            .attrs()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect();
                        attrs.sort();
                        out.push('<');
                        out.push_str(e.name());
                        for (k, v) in attrs {
                            out.push_str(&format!(" {k}={v:?}"));
                        }
                        out.push('>');
                        walk(child, out);
                        out.push_str(&format!("</{}>", e.name()));
                    }
                    scraper::Node::Text(t) => out.push_str(&format!("{:?}", &**t)),
                    scraper::Node::Comment(c) => out.push_str(&format!("<!--{:?}-->", &**c)),
                    _ => walk(child, out),
                }
            }
        }
        let fragment = scraper::Html::parse_fragment(html);
        let mut out = String::new();
        walk(fragment.tree.root(), &mut out);
        // Adjacent text nodes print as `"a""b"`: merge them.
        out.replace("\"\"", "")
    }

    mod page {
        use crate::docs::highlight::FenceOptions;
        use crate::docs::markdown::{
            CodeHighlighter, LinkKind, LinkResolver, MarkdownOptions, PageContext, RenderedPage,
            Resolved, SnippetLoader,
        };

        pub struct Fake;

        impl SnippetLoader for Fake {
            fn load(&self, path: &str) -> Result<String, String> {
                Err(format!("no snippet {path}"))
            }
        }

        impl LinkResolver for Fake {
            fn resolve(&self, _target: &str, _kind: LinkKind) -> Resolved {
                Resolved::Unchanged
            }
        }

        /// The splicer's placeholders: what the sanitizer sees of code.
        impl CodeHighlighter for Fake {
            fn block(&self, _code: &str, _options: &FenceOptions, index: usize) -> String {
                format!("<pre data-backlot-code=\"{index}\"></pre>")
            }

            fn inline(&self, _language: &str, _code: &str) -> Option<String> {
                Some("<code data-backlot-code=\"0\"></code>".to_string())
            }
        }

        pub fn render(text: &str) -> RenderedPage {
            let options = MarkdownOptions::default();
            let cx = PageContext {
                options: &options,
                snippets: &Fake,
                links: &Fake,
                highlighter: &Fake,
            };
            crate::docs::markdown::render_page(text, &cx)
        }
    }

    /// Markdown-only attacks (no raw HTML): each must either come out of
    /// the renderer marked for sanitizing or be harmless as written.
    const MARKDOWN_PAYLOADS: &[&str] = &[
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](java&#9;script:alert(1))",
        "[x](<java script:alert(1)>)",
        "[x](\\javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](data:text/html,<script>alert(1)</script>)",
        "<javascript:alert(1)>",
        "[x]: javascript:alert(1)\n\n[y][x]",
        "[x](https://ok.example/ \"t\\\" onmouseover=\\\"alert(1)\")",
        "[x](https://ok.example/){ onclick=\"alert(1)\" }",
        "[x](https://ok.example/){ href=\"javascript:alert(1)\" }",
        "![x](a.png){ onerror=\"alert(1)\" }",
        "![x](a.png){ src=\"javascript:alert(1)\" }",
        "Para\n{: style=\"background:url(javascript:alert(1))\" }",
        "## Title { #\"><script>alert(1)</script> .x }",
        "## Title { data-x='\"><img src=x onerror=alert(1)>' }",
        "!!! note \"<script>alert(1)</script>\"\n    body",
        "!!! note \"<img src=x onerror=alert(1)>\"\n    body",
        "??? note \"`<b>` and <i onclick=alert(1)>x</i>\"\n    body",
        "=== \"<img src=x onerror=alert(1)>\"\n    tab",
        "=== \"**bold** `code` :smile:\"\n    tab",
        "*[HTML]: <script>alert(1)</script>\n\nHTML here",
        "Footnote[^a\"><script>].\n\n[^a\"><script>]: x",
        "Text ==<script>== ^^<b>^^ ~~<i>~~ {++<img>++}",
        "https://ok.example/\"><script>alert(1)</script>",
        "www.example.com/<script>",
        "`#!python <script>alert(1)</script>`",
        "```mermaid\n</pre><script>alert(1)</script>\n```",
        "- [x] <b>task</b>\n- [ ] task",
        "Term\n:   <script>alert(1)</script>",
        "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
        "&lt;script&gt;alert(1)&lt;/script&gt; &#60;script&#62;",
    ];

    /// Pages the renderer calls trusted are fixed points of the sanitizer:
    /// `trusted` (no parse) and `clean` give the same DOM. Runs over every
    /// page of the real doc sets in tests/fixtures/techdocs and over the
    /// payloads above; the trusted share is checked so the test cannot
    /// pass by trusting nothing.
    #[test]
    fn trusted_pages_are_what_the_sanitizer_would_make_of_them() {
        let sanitizer = Sanitizer::new(&SanitizeOptions::default());
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/techdocs");
        let mut pages: Vec<(String, String)> = walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
            .filter_map(|e| {
                let text = std::fs::read_to_string(e.path()).ok()?;
                Some((e.path().display().to_string(), text))
            })
            .collect();
        assert!(pages.len() > 50, "fixtures missing: {}", pages.len());
        let fixtures = pages.len();
        for (i, p) in MARKDOWN_PAYLOADS.iter().enumerate() {
            pages.push((format!("payload {i}"), p.to_string()));
        }
        let mut trusted = 0;
        for (name, text) in &pages {
            let page = page::render(text);
            if page.needs_sanitizing {
                continue;
            }
            trusted += 1;
            let ours = canonical(&sanitizer.trusted(page.html.clone()));
            let theirs = canonical(&sanitizer.clean(&page.html));
            if ours != theirs {
                let at = ours
                    .bytes()
                    .zip(theirs.bytes())
                    .position(|(a, b)| a != b)
                    .unwrap_or(ours.len().min(theirs.len()));
                let from = at.saturating_sub(120);
                panic!(
                    "{name}: the sanitizer changes a page the renderer trusted\n ours: …{}\nclean: …{}",
                    ours.get(from..(at + 200).min(ours.len())).unwrap_or(""),
                    theirs.get(from..(at + 200).min(theirs.len())).unwrap_or(""),
                );
            }
        }
        assert!(
            trusted * 2 > fixtures,
            "only {trusted} of {} pages trusted",
            pages.len()
        );
    }

    /// Whatever path a hostile page takes, no script survives it: no
    /// script element, no event handler, no style declaration, no URL a
    /// browser would read as javascript:, vbscript: or data:.
    #[test]
    fn markdown_payloads_come_out_harmless() {
        let sanitizer = Sanitizer::new(&SanitizeOptions::default());
        for payload in MARKDOWN_PAYLOADS {
            let page = page::render(payload);
            let out = if page.needs_sanitizing {
                sanitizer.clean(&page.html)
            } else {
                sanitizer.trusted(page.html)
            };
            let dom = scraper::Html::parse_fragment(&out);
            for node in dom.tree.nodes() {
                let scraper::Node::Element(e) = node.value() else {
                    continue;
                };
                assert!(
                    !matches!(e.name(), "script" | "style" | "iframe"),
                    "{payload:?} left <{}> in {out}",
                    e.name()
                );
                for (name, value) in e.attrs() {
                    assert!(
                        !name.starts_with("on")
                            && !(name == "style" && (value.contains('(') || value.contains(':'))),
                        "{payload:?} left {name}={value:?} in {out}"
                    );
                    // The URL standard: leading C0 controls and spaces are
                    // stripped, tabs and newlines removed anywhere.
                    let read: String = value
                        .trim_start_matches(|c: char| c <= ' ')
                        .chars()
                        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                        .collect();
                    let scheme = scheme_of(&read).filter(|_| !read.contains(' '));
                    assert!(
                        !matches!(scheme.as_deref(), Some("javascript" | "vbscript" | "data")),
                        "{payload:?} left {name}={value:?} in {out}"
                    );
                }
            }
        }
    }

    #[test]
    fn trusted_adds_the_link_rel_to_every_link() {
        let s = Sanitizer::new(&SanitizeOptions::default());
        assert_eq!(
            s.trusted("<p><a href=\"#a\">a</a> <abbr title=\"x\">b</abbr><a>c</a></p>".into()),
            "<p><a rel=\"noopener noreferrer\" href=\"#a\">a</a> <abbr title=\"x\">b</abbr><a rel=\"noopener noreferrer\">c</a></p>"
        );
        assert_eq!(s.trusted("<p>no links</p>".into()), "<p>no links</p>");
    }

    #[test]
    fn urls_the_renderer_may_write_unsanitized() {
        for ok in [
            "https://a.example/x",
            "../a/",
            "#frag",
            "a:b/../",
            "mailto:x@y.z",
            "?q=a:b",
            "img.png",
        ] {
            assert!(
                crate::docs::markdown::render::trusted_url(ok) || ok == "a:b/../",
                "{ok}"
            );
        }
        for bad in [
            "javascript:x",
            "JAVASCRIPT:x",
            "java\tscript:x",
            " javascript:x",
            "data:image/png;base64,x",
            "vbscript:x",
            "a\\b",
            "x-evil:1",
        ] {
            assert!(!crate::docs::markdown::render::trusted_url(bad), "{bad}");
        }
    }

    #[test]
    fn schemes_are_read_as_browsers_read_them() {
        assert_eq!(scheme_of(" java\tscript:x").as_deref(), Some("javascript"));
        assert_eq!(scheme_of("../a:b"), None);
        assert_eq!(scheme_of("DATA:image/png"), Some("data".to_string()));
    }
}
