//! Where every page and data file of the portal lives, and how pages link
//! to each other.
//!
//! Entity pages follow Backstage's route `/catalog/:namespace/:kind/:name`
//! (`entityRouteParams` in `@backstage/plugin-catalog-react`: kind and
//! namespace lower-cased, the name as written), so a link copied from a
//! Backstage instance maps onto a Backlot portal by changing the host only.
//! The JSON API mirrors Backstage's response shapes under `api/catalog/`.
//!
//! Two kinds of strings come out of this module, and they differ:
//!
//! - an output *path* (`catalog/default/component/a%3Cb/index.html`): the
//!   file name on disk, relative to the site root. Every segment taken from
//!   input is percent-encoded down to `[A-Za-z0-9._-]` plus `%`, so no input
//!   can produce a `..`, a `/`, a hidden file or a clash with our own
//!   `_kinds`/`_health` folders, whatever validation let through;
//! - an *href*: a URL relative to the page that links. A browser (or static
//!   server) decodes `%XX` before looking for the file, so the `%` of an
//!   encoded file name is itself encoded (`%253C`) in links.
//!
//! Links are always relative (`../../`), so a portal works under any
//! sub-path and from `file://`. Only `config.base_url` makes absolute URLs,
//! for `<link rel="canonical">` and `sitemap.xml`.

use crate::model::EntityRef;

/// The portal's home page.
pub const HOME: &str = "index.html";
/// The catalog index (filterable table).
pub const CATALOG_INDEX: &str = "catalog/index.html";
/// Data of the catalog index, a script (`fetch` is blocked from `file://`).
pub const CATALOG_DATA: &str = "catalog/entities-index.js";
/// Every diagnostic of the build.
pub const HEALTH: &str = "catalog/_health/index.html";
/// Backstage's `GET /api/catalog/entities` response.
pub const API_ENTITIES: &str = "api/catalog/entities.json";
/// Sitemap, only written when `base_url` is configured.
pub const SITEMAP: &str = "sitemap.xml";
/// The list of documented entities.
pub const DOCS_INDEX: &str = "docs/index.html";
/// The full search page; the index it reads is under `search/` too.
pub const SEARCH: &str = "search/index.html";
/// Every API, filterable: Backstage's API explorer route (`/api-docs`).
pub const API_DOCS: &str = "api-docs/index.html";
/// Answered by static hosts (Netlify, GitHub Pages, S3 with the setting,
/// nginx with `error_page`) and by `serve` for missing paths.
pub const NOT_FOUND: &str = "404.html";
/// Rows per page of the static (no-JavaScript) per-kind lists.
pub const KIND_PAGE_SIZE: usize = 100;
/// Problems per page of the health page: a portal with thousands of
/// warnings would otherwise make one page of many megabytes.
pub const HEALTH_PAGE_SIZE: usize = 500;

/// The output path of page `page` (1-based) of the health page.
pub fn health_page(page: usize) -> String {
    if page <= 1 {
        HEALTH.to_string()
    } else {
        format!("catalog/_health/{page}/index.html")
    }
}

/// The output path of the health page showing the `index`-th problem.
pub fn health_page_of(index: usize) -> String {
    health_page(index / HEALTH_PAGE_SIZE + 1)
}

/// Percent-encodes one path segment taken from input: every byte outside
/// `[A-Za-z0-9._-]` becomes `%XX` (upper-case hex, so the encoding is
/// injective even on case-insensitive file systems). A leading `.` is
/// encoded too, so no segment is `.`, `..` or a hidden file.
pub fn encode_segment(text: &str) -> String {
    encode_with(text, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
    })
}

/// The namespace segment of an entity route. Backstage namespaces are DNS
/// labels (`[a-z0-9-]`), so this encodes nothing for valid input; encoding
/// `_` and `.` as well guarantees that no namespace, valid or not, lands on
/// our own `_kinds`/`_health` folders or on `catalog/index.html`.
fn namespace_segment(namespace: &str) -> String {
    encode_with(&namespace.to_lowercase(), |b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
    })
}

fn encode_with(text: &str, keep: impl Fn(u8) -> bool) -> String {
    if text.is_empty() {
        // Refs never have empty parts; an empty segment would merge two
        // folders (`a//b`), so it gets a visible stand-in.
        return "%20".to_string();
    }
    let mut out = String::with_capacity(text.len());
    for (i, b) in text.bytes().enumerate() {
        if keep(b) && !(i == 0 && b == b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The folder of an entity page, ending with `/`:
/// `catalog/<namespace>/<kind>/<name>/`.
pub fn entity_dir(entity_ref: &EntityRef) -> String {
    format!(
        "catalog/{}/{}/{}/",
        namespace_segment(&entity_ref.namespace),
        encode_segment(entity_ref.kind_lower()),
        encode_segment(&entity_ref.name)
    )
}

/// `docs/<namespace>/<kind>/<name>/`: TechDocs' reader route. Backstage
/// stores the triplet lower-cased, so the folder is lower-case too.
pub fn docs_dir(entity_ref: &EntityRef) -> String {
    format!(
        "docs/{}/{}/{}/",
        namespace_segment(&entity_ref.namespace.to_lowercase()),
        encode_segment(entity_ref.kind_lower()),
        encode_segment(&entity_ref.name.to_lowercase())
    )
}

/// The output path of an entity page.
pub fn entity_page(entity_ref: &EntityRef) -> String {
    format!("{}index.html", entity_dir(entity_ref))
}

/// The folder of an API's definition page: Backstage's "Definition" tab
/// of the entity page (`/catalog/:namespace/api/:name/definition`).
pub fn api_definition_dir(entity_ref: &EntityRef) -> String {
    format!("{}definition/", entity_dir(entity_ref))
}

/// The output path of an API's definition page.
pub fn api_definition_page(entity_ref: &EntityRef) -> String {
    format!("{}index.html", api_definition_dir(entity_ref))
}

/// The raw definition beside its page, for download:
/// `definition/<name>.<extension>`.
pub fn api_definition_file(entity_ref: &EntityRef, extension: &str) -> String {
    format!(
        "{}{}.{extension}",
        api_definition_dir(entity_ref),
        encode_segment(&entity_ref.name)
    )
}

/// Backstage's `GET /api/catalog/entities/by-name/:kind/:namespace/:name`,
/// as a file: every part lower-cased, as lookups are case-insensitive.
pub fn entity_api(entity_ref: &EntityRef) -> String {
    format!(
        "api/catalog/entities/by-name/{}/{}/{}.json",
        encode_segment(entity_ref.kind_lower()),
        encode_segment(&entity_ref.namespace.to_lowercase()),
        encode_segment(&entity_ref.name.to_lowercase())
    )
}

/// The folder of a static per-kind list; `kind_key` is the lower-cased kind.
/// Page 1 is the folder itself, page `n ≥ 2` is `<n>/`.
pub fn kind_dir(kind_key: &str, page: usize) -> String {
    let base = format!("catalog/_kinds/{}/", encode_segment(kind_key));
    if page <= 1 {
        base
    } else {
        format!("{base}{page}/")
    }
}

/// The output path of a static per-kind list page.
pub fn kind_page(kind_key: &str, page: usize) -> String {
    format!("{}index.html", kind_dir(kind_key, page))
}

/// Decodes `%XX` escapes; `None` for a malformed escape or invalid UTF-8
/// (a request path in `serve`, a JSON Pointer fragment of an API
/// definition's `$ref`).
pub fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_string());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            // from_str_radix alone would take a sign: `%+1`.
            let hex = text
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The path the site lives at on its host, ending with `/`: `base_url`'s
/// path (`https://example.org/portal` → `/portal/`), else `/`.
pub fn root_path(base_url: Option<&str>) -> String {
    let path = base_url
        .and_then(|b| url::Url::parse(b).ok())
        .map_or_else(|| "/".to_string(), |u| u.path().to_string());
    if path.ends_with('/') {
        path
    } else {
        format!("{path}/")
    }
}

/// Output path of a theme asset copied to `static/`.
pub fn static_file(name: &str) -> String {
    format!("static/{name}")
}

/// The folder form of an output path (`a/index.html` → `a/`), used for
/// links and absolute URLs: servers map `a/` to `a/index.html`.
pub fn as_dir(path: &str) -> &str {
    path.strip_suffix("index.html").unwrap_or(path)
}

/// `../` once per folder level of `from` (an output path): the prefix that
/// turns a site-root-relative path into one relative to that page.
pub fn root_prefix(from: &str) -> String {
    "../".repeat(from.matches('/').count())
}

/// The href from page `from` to output path `to` (both site-root-relative
/// output paths): up to their common folder, then down. `index.html`
/// targets become their folder (`…/`); the `%` of encoded segments is
/// encoded once more (see the module doc).
pub fn href(from: &str, to: &str) -> String {
    let mut from_dirs: Vec<&str> = from.split('/').collect();
    from_dirs.pop();
    let mut to_parts: Vec<&str> = as_dir(to).split('/').collect();
    // The file name, or "" for a folder.
    let to_file = to_parts.pop().unwrap_or_default();
    let common = from_dirs
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = "../".repeat(from_dirs.len() - common);
    for part in &to_parts[common..] {
        out.push_str(part);
        out.push('/');
    }
    out.push_str(to_file);
    if out.is_empty() {
        "./".to_string()
    } else {
        out.replace('%', "%25")
    }
}

/// An absolute URL for an output path, when `base_url` is configured
/// (config guarantees it ends with `/`).
pub fn absolute(base_url: &str, path: &str) -> String {
    format!("{base_url}{}", as_dir(path).replace('%', "%25"))
}

/// The schemes an input URL may have to become an `href`/`src`. Anything
/// else (`javascript:`, `data:`, `vbscript:`, relative paths, which would
/// resolve against our own site) is shown as text only.
const SAFE_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// An input URL fit for `href`, or `None`. Parsed as browsers do (WHATWG),
/// and the *serialized* form is returned: tabs, newlines and control
/// characters that could hide a scheme (`java\tscript:`) are already gone
/// from it, so what was checked is exactly what is written.
pub fn safe_href(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    SAFE_SCHEMES
        .contains(&parsed.scheme())
        .then(|| parsed.to_string())
}

/// Like [`safe_href`], but for images: http(s) only.
pub fn safe_image_src(url: &str) -> Option<String> {
    safe_href(url).filter(|u| u.starts_with("http://") || u.starts_with("https://"))
}

#[cfg(test)]
mod tests {

    #[test]
    fn percent_decoding_is_strict() {
        assert_eq!(percent_decode("a%20b%2Fc").as_deref(), Some("a b/c"));
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        for bad in ["%", "%2", "%zz", "%+1", "%C3"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
    }
    use super::*;

    fn r(kind: &str, ns: &str, name: &str) -> EntityRef {
        EntityRef::new(kind, ns, name)
    }

    #[test]
    fn entity_routes_follow_backstage() {
        let e = r("Component", "default", "Artist-Web");
        assert_eq!(
            entity_page(&e),
            "catalog/default/component/Artist-Web/index.html"
        );
        assert_eq!(entity_dir(&e), "catalog/default/component/Artist-Web/");
        assert_eq!(
            entity_api(&e),
            "api/catalog/entities/by-name/component/default/artist-web.json"
        );
        assert_eq!(
            entity_page(&r("API", "Team-A", "x.y_z")),
            "catalog/team-a/api/x.y_z/index.html"
        );
    }

    #[test]
    fn api_definitions_follow_backstage() {
        let e = r("API", "default", "Pet.Store");
        assert_eq!(
            api_definition_page(&e),
            "catalog/default/api/Pet.Store/definition/index.html"
        );
        assert_eq!(
            api_definition_file(&e, "yaml"),
            "catalog/default/api/Pet.Store/definition/Pet.Store.yaml"
        );
        let evil = r("API", "default", "..");
        assert_eq!(
            api_definition_file(&evil, "txt"),
            "catalog/default/api/%2E./definition/%2E..txt"
        );
    }

    #[test]
    fn kind_pages() {
        assert_eq!(
            kind_page("component", 1),
            "catalog/_kinds/component/index.html"
        );
        assert_eq!(
            kind_page("component", 3),
            "catalog/_kinds/component/3/index.html"
        );
    }

    #[test]
    fn hostile_segments_are_encoded() {
        assert_eq!(encode_segment(".."), "%2E.");
        assert_eq!(encode_segment("."), "%2E");
        assert_eq!(encode_segment("a/b"), "a%2Fb");
        assert_eq!(encode_segment("<script>"), "%3Cscript%3E");
        assert_eq!(encode_segment("a%b"), "a%25b");
        assert_eq!(encode_segment("é"), "%C3%A9");
        assert_eq!(encode_segment(""), "%20");
        // Our own folders cannot be reached through a namespace.
        let e = r("Component", "_health", "x");
        assert_eq!(entity_page(&e), "catalog/%5Fhealth/component/x/index.html");
        let e = r("Component", "index.html", "x");
        assert_eq!(
            entity_page(&e),
            "catalog/index%2Ehtml/component/x/index.html"
        );
        let e = r("../..", "..", "../../etc");
        let page = entity_page(&e);
        assert!(
            page.split('/')
                .all(|s| s != ".." && s != "." && !s.is_empty()),
            "{page}"
        );
    }

    #[test]
    fn relative_prefixes() {
        assert_eq!(root_prefix("index.html"), "");
        assert_eq!(root_prefix("catalog/index.html"), "../");
        assert_eq!(
            root_prefix("catalog/default/component/x/index.html"),
            "../../../../"
        );
        assert_eq!(href("index.html", "index.html"), "./");
        assert_eq!(href("index.html", CATALOG_INDEX), "catalog/");
        assert_eq!(href(CATALOG_INDEX, HOME), "../");
        assert_eq!(
            href(
                "catalog/default/component/x/index.html",
                "catalog/default/group/team-a/index.html"
            ),
            "../../group/team-a/"
        );
        assert_eq!(
            href(
                "catalog/default/component/x/index.html",
                "catalog/default/component/x/index.html"
            ),
            "./"
        );
        assert_eq!(
            href("catalog/default/component/x/index.html", HOME),
            "../../../../"
        );
        assert_eq!(
            href(
                "catalog/_kinds/api/2/index.html",
                "catalog/_kinds/api/index.html"
            ),
            "../"
        );
        assert_eq!(
            href(
                "catalog/_kinds/api/index.html",
                "catalog/_kinds/api/2/index.html"
            ),
            "2/"
        );
        assert_eq!(
            href("catalog/a/b/c/index.html", API_ENTITIES),
            "../../../../api/catalog/entities.json"
        );
        assert_eq!(
            href(CATALOG_INDEX, "static/backlot.css"),
            "../static/backlot.css"
        );
    }

    #[test]
    fn encoded_names_are_encoded_again_in_links() {
        let e = r("Component", "default", "a<b");
        assert_eq!(
            href(HOME, &entity_page(&e)),
            "catalog/default/component/a%253Cb/"
        );
    }

    #[test]
    fn only_safe_schemes_become_links() {
        assert_eq!(
            safe_href("https://example.org/a b").as_deref(),
            Some("https://example.org/a%20b")
        );
        assert_eq!(
            safe_href("mailto:team@example.org").as_deref(),
            Some("mailto:team@example.org")
        );
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "\u{0}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "/relative",
            "relative/path",
            "",
        ] {
            assert_eq!(safe_href(bad), None, "{bad:?}");
        }
        assert_eq!(safe_image_src("mailto:x@example.org"), None);
        assert!(safe_image_src("https://example.org/p.png").is_some());
    }

    #[test]
    fn absolute_urls() {
        assert_eq!(
            absolute(
                "https://example.org/portal/",
                "catalog/default/component/x/index.html"
            ),
            "https://example.org/portal/catalog/default/component/x/"
        );
        assert_eq!(
            absolute("https://example.org/", HOME),
            "https://example.org/"
        );
    }
}
