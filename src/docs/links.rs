//! Link and image targets written in Markdown, rewritten as MkDocs does
//! (spec/techdocs.md §4): a relative path to a page becomes that page's
//! URL relative to the current page, a path to another file of docs_dir
//! the copied file's URL; external, absolute and `#anchor`-only targets
//! stay. Broken targets are reported (and left as written), and every
//! `#fragment` is remembered so it can be checked against the target
//! page's ids once all pages are rendered.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::markdown::{LinkKind, LinkResolver, ProblemKind, Resolved};

/// The files of one docs site, by path relative to docs_dir.
#[derive(Debug, Default, Clone)]
pub struct SiteIndex {
    /// Page source path → index of the page.
    pub pages: HashMap<String, usize>,
    /// Page index → URL relative to the site root (`""`, `a/b/`, `a.html`).
    pub urls: Vec<String>,
    /// Other files copied to the site (images, downloads).
    pub assets: HashSet<String>,
}

/// A fragment to check once every page is rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAnchor {
    /// The page whose ids must contain `fragment`.
    pub page: usize,
    pub fragment: String,
    /// The target as written, for the message.
    pub written: String,
}

/// The resolver for one page.
pub struct PageLinks<'a> {
    site: &'a SiteIndex,
    /// Source path of the current page (relative to docs_dir).
    page_src: &'a str,
    /// URL of the current page relative to the site root.
    page_url: &'a str,
    page_index: usize,
    pending: Mutex<Vec<PendingAnchor>>,
}

impl<'a> PageLinks<'a> {
    pub fn new(site: &'a SiteIndex, page_index: usize, page_src: &'a str) -> PageLinks<'a> {
        PageLinks {
            site,
            page_src,
            page_url: &site.urls[page_index],
            page_index,
            pending: Mutex::new(Vec::new()),
        }
    }

    pub fn into_pending(self) -> Vec<PendingAnchor> {
        self.pending.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn remember(&self, page: usize, fragment: &str, written: &str) {
        if fragment.is_empty() {
            return;
        }
        let anchor = PendingAnchor {
            page,
            fragment: percent_decode(fragment),
            written: written.to_string(),
        };
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(anchor);
    }
}

impl LinkResolver for PageLinks<'_> {
    fn resolve(&self, target: &str, kind: LinkKind) -> Resolved {
        let target = target.trim();
        if target.is_empty()
            || has_scheme(target)
            || target.starts_with("//")
            || target.starts_with('/')
        {
            return Resolved::Unchanged;
        }
        let (path, suffix) = split_suffix(target);
        let fragment = suffix.split_once('#').map(|(_, f)| f).unwrap_or_default();
        if path.is_empty() {
            self.remember(self.page_index, fragment, target);
            return Resolved::Unchanged;
        }
        let Some(resolved) = join(parent(self.page_src), &percent_decode(path)) else {
            return Resolved::Problem(
                ProblemKind::BrokenLink,
                format!("'{target}' points outside the docs folder"),
            );
        };
        if let Some(&page) = self.site.pages.get(&resolved) {
            self.remember(page, fragment, target);
            let url = relative_url(self.page_url, &self.site.urls[page]);
            return Resolved::Rewritten(format!("{url}{suffix}"));
        }
        if self.site.assets.contains(&resolved) {
            let url = relative_url(self.page_url, &encode_path(&resolved));
            return Resolved::Rewritten(format!("{url}{suffix}"));
        }
        if is_page_file(&resolved) || kind == LinkKind::Image {
            let what = if kind == LinkKind::Image {
                "image"
            } else {
                "link"
            };
            return Resolved::Problem(
                ProblemKind::BrokenLink,
                format!(
                    "{what} '{target}': the target '{resolved}' is not among the documentation files"
                ),
            );
        }
        // A folder-style or extension-less link: MkDocs leaves it (INFO).
        Resolved::Unchanged
    }
}

pub fn is_page_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".md", ".markdown", ".mdown", ".mkdn", ".mkd"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

fn has_scheme(target: &str) -> bool {
    let Some(colon) = target.find(':') else {
        return false;
    };
    let scheme = &target[..colon];
    !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// `path`, and `?query#fragment` (with its separator).
fn split_suffix(target: &str) -> (&str, &str) {
    match target.find(['?', '#']) {
        Some(i) => (&target[..i], &target[i..]),
        None => (target, ""),
    }
}

fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Joins a relative path onto a folder; `None` when `..` leaves the root.
pub fn join(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// The URL of `to` relative to the page at `from` (both relative to the
/// site root, folder URLs ending in `/`).
pub fn relative_url(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let (to_dirs, to_file) = to_parts.split_at(to_parts.len() - 1);
    let common = from_dirs
        .iter()
        .zip(to_dirs)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = "../".repeat(from_dirs.len() - common);
    for part in &to_dirs[common..] {
        out.push_str(part);
        out.push('/');
    }
    out.push_str(to_file[0]);
    if out.is_empty() {
        "./".to_string()
    } else {
        out
    }
}

/// Percent-encodes a path for use in a URL (`spaces in name/` →
/// `spaces%20in%20name/`), keeping `/`.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteIndex {
        let pages = [
            "index.md",
            "writing/lists.md",
            "reference/README.md",
            "reference/spaces in name.md",
        ];
        let urls = [
            "",
            "writing/lists/",
            "reference/",
            "reference/spaces%20in%20name/",
        ];
        SiteIndex {
            pages: pages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.to_string(), i))
                .collect(),
            urls: urls.iter().map(|u| u.to_string()).collect(),
            assets: ["images/square.png".to_string()].into_iter().collect(),
        }
    }

    fn resolve(from: usize, src: &str, target: &str) -> Resolved {
        let s = site();
        PageLinks::new(&s, from, src).resolve(target, LinkKind::Link)
    }

    // spec §4: a relative page link becomes the page URL, fragment kept.
    #[test]
    fn page_links_become_relative_urls() {
        assert_eq!(
            resolve(2, "reference/README.md", "../writing/lists.md#task-lists"),
            Resolved::Rewritten("../writing/lists/#task-lists".into())
        );
        assert_eq!(
            resolve(1, "writing/lists.md", "../index.md"),
            Resolved::Rewritten("../../".into())
        );
        assert_eq!(
            resolve(0, "index.md", "reference/README.md"),
            Resolved::Rewritten("reference/".into())
        );
        assert_eq!(
            resolve(0, "index.md", "reference/spaces%20in%20name.md"),
            Resolved::Rewritten("reference/spaces%20in%20name/".into())
        );
        assert_eq!(
            resolve(1, "writing/lists.md", "../images/square.png"),
            Resolved::Rewritten("../../images/square.png".into())
        );
    }

    // spec §4: external, absolute and anchor-only targets stay.
    #[test]
    fn external_and_anchor_links_stay() {
        for t in [
            "https://example.org/x.md",
            "mailto:a@b.c",
            "#top",
            "/docs/x",
            "//cdn.example/x",
        ] {
            assert_eq!(resolve(0, "index.md", t), Resolved::Unchanged, "{t}");
        }
    }

    // spec §4: a missing page is left as written and reported.
    #[test]
    fn broken_links_are_problems() {
        assert!(matches!(
            resolve(0, "index.md", "missing-page.md"),
            Resolved::Problem(ProblemKind::BrokenLink, _)
        ));
        assert!(matches!(
            resolve(0, "index.md", "../../etc/passwd.md"),
            Resolved::Problem(ProblemKind::BrokenLink, _)
        ));
        assert_eq!(resolve(0, "index.md", "blocks/tabs/"), Resolved::Unchanged);
    }

    #[test]
    fn fragments_are_remembered_for_checking() {
        let s = site();
        let links = PageLinks::new(&s, 0, "index.md");
        links.resolve("writing/lists.md#task-lists", LinkKind::Link);
        links.resolve("#local", LinkKind::Link);
        let pending = links.into_pending();
        assert_eq!(pending.len(), 2);
        assert_eq!(
            (pending[0].page, pending[0].fragment.as_str()),
            (1, "task-lists")
        );
        assert_eq!(
            (pending[1].page, pending[1].fragment.as_str()),
            (0, "local")
        );
    }

    #[test]
    fn relative_urls() {
        assert_eq!(relative_url("a/b/", "a/c/"), "../c/");
        assert_eq!(relative_url("", ""), "./");
        assert_eq!(relative_url("a/", ""), "../");
        assert_eq!(relative_url("x.html", "y/z.html"), "y/z.html");
    }
}
