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
const URL_SCHEMES: &[&str] = &[
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
            .link_rel(Some("noopener noreferrer"))
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

    /// Sanitizes one page's article HTML.
    pub fn clean(&self, html: &str) -> String {
        self.builder.clean(html).to_string()
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

    #[test]
    fn schemes_are_read_as_browsers_read_them() {
        assert_eq!(scheme_of(" java\tscript:x").as_deref(), Some("javascript"));
        assert_eq!(scheme_of("../a:b"), None);
        assert_eq!(scheme_of("DATA:image/png"), Some("data".to_string()));
    }
}
