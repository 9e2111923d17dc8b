//! TechDocs against the real thing: every doc set of
//! tests/fixtures/techdocs is built into a portal, and each page's
//! structure (headings, admonitions, tabs, code blocks, tables, links) is
//! compared with what MkDocs + techdocs-core 1.7.1 rendered for it
//! (tests/fixtures/techdocs-reference). Structure, not bytes: the page
//! template differs on purpose.

use std::collections::BTreeMap;
use std::path::Path;

use scraper::{ElementRef, Html, Selector};

use backlot::diag::Code;
use backlot::output::OutputSet;

use crate::support::{Portal, fixture};

/// The corpora and the entity each one is documented under.
const CORPORA: &[&str] = &[
    "backstage-demo",
    "features",
    "material-reference",
    "mkdocs-user-guide",
    "monorepo-sample",
    "techdocs-core-fixture",
];

/// Copies every corpus into a portal: `mkdocs.techdocs.yml` (the config
/// the reference was built from) becomes `mkdocs.yml`, and corpora without
/// a descriptor get one.
fn portal() -> (tempfile::TempDir, Portal) {
    let dir = tempfile::tempdir().unwrap();
    let repos = dir.path().join("repos");
    for name in CORPORA {
        let to = repos.join(name);
        copy_dir(&fixture("techdocs").join(name), &to);
        let build_config = to.join("mkdocs.techdocs.yml");
        if build_config.exists() {
            std::fs::rename(&build_config, to.join("mkdocs.yml")).unwrap();
        }
        let descriptor = to.join("catalog-info.yaml");
        // Our own descriptors, so that every corpus is one entity.
        let text = format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: documentation\n  lifecycle: experimental\n  owner: user:guest\n"
        );
        std::fs::write(descriptor, text).unwrap();
    }
    std::fs::write(
        dir.path().join("backlot.yaml"),
        "catalog:\n  locations:\n    - { type: dir, target: repos }\ndocs:\n  cache: false\n",
    )
    .unwrap();
    let portal = Portal::load(dir.path());
    (dir, portal)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Reference pages of a corpus: output path (relative to the site) → HTML.
/// Redirect stubs and 404.html are left out.
fn reference_pages(corpus: &str) -> BTreeMap<String, String> {
    let root = fixture("techdocs-reference").join(corpus);
    let mut pages = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "html")
            || path.file_name().is_some_and(|n| n == "404.html")
        {
            continue;
        }
        let html = std::fs::read_to_string(path).unwrap();
        if html.contains("http-equiv=\"refresh\"") {
            continue;
        }
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        pages.insert(rel, html);
    }
    pages
}

fn select<'a>(html: &'a Html, css: &str) -> Option<ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).next()
}

/// The structure of an article, as comparable lines.
fn structure(article: ElementRef) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_code = false;
    let all = Selector::parse("*").unwrap();
    for el in article.select(&all) {
        let name = el.value().name();
        let class = el.value().attr("class").unwrap_or_default();
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                // Emoji are text in Backlot (no CDN images), images in
                // MkDocs; neither is part of the heading's text there.
                let text: String = el
                    .descendants()
                    .filter_map(|n| n.value().as_text().map(|t| (n, t)))
                    .filter(|(n, _)| {
                        !n.ancestors().filter_map(ElementRef::wrap).any(|a| {
                            a.value().name() == "span" && a.value().attr("class") == Some("emoji")
                        })
                    })
                    .map(|(_, t)| t.to_string())
                    .collect::<String>()
                    .replace('¶', "");
                out.push(format!(
                    "{name}#{} {}",
                    el.value().attr("id").unwrap_or_default(),
                    squash(&text)
                ));
            }
            "div" if class.split_whitespace().any(|c| c == "admonition") => {
                out.push(format!("admonition {class}"))
            }
            "details" => out.push(format!(
                "details {class} open={}",
                el.value().attr("open").is_some()
            )),
            "div" if class.contains("tabbed-set") => {
                // Only this set's own labels, not those of nested sets.
                let labels: Vec<String> = el
                    .children()
                    .filter_map(ElementRef::wrap)
                    .filter(|c| {
                        c.value()
                            .attr("class")
                            .is_some_and(|k| k.contains("tabbed-labels"))
                    })
                    .flat_map(|c| {
                        c.children()
                            .filter_map(ElementRef::wrap)
                            .collect::<Vec<_>>()
                    })
                    .map(|l| squash(&l.text().collect::<String>()))
                    .collect();
                out.push(format!("tabs {}", labels.join(" | ")));
            }
            // PlantUML and Graphviz: MkDocs runs the tools at build time;
            // Backlot shows the source with a notice (issue #3).
            "img" if class.contains("uml") => out.push("diagram".to_string()),
            "svg"
                if el
                    .parent()
                    .and_then(ElementRef::wrap)
                    .is_some_and(|p| p.value().name() == "div") =>
            {
                out.push("diagram".to_string())
            }
            "p" if class.contains("diagram-notice") => {
                out.push("diagram".to_string());
                skip_code = true;
            }
            // The code block shown after a diagram notice is the diagram.
            "table" if class.contains("highlighttable") => {
                let shown_as_diagram = std::mem::take(&mut skip_code);
                if !shown_as_diagram {
                    out.push("code".to_string());
                }
            }
            "pre" if class.contains("mermaid") => out.push("code".to_string()),
            "table" => {
                let heads = el.select(&Selector::parse("th").unwrap()).count();
                out.push(format!("table th={heads}"));
            }
            _ => {}
        }
    }
    out
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The built page for a reference page of `corpus`.
fn built_page<'a>(site: &'a OutputSet, corpus: &str, rel: &str) -> Option<&'a [u8]> {
    site.get(&format!("docs/default/component/{corpus}/{rel}"))
}

// spec/techdocs.md §2.2: every page MkDocs builds, Backlot builds at the
// same path under /docs/<namespace>/<kind>/<name>/.
#[test]
fn every_reference_page_is_built() {
    let (_dir, portal) = portal();
    let site = portal.render();
    let mut missing = Vec::new();
    for corpus in CORPORA {
        for rel in reference_pages(corpus).keys() {
            if built_page(&site, corpus, rel).is_none() {
                missing.push(format!("{corpus}/{rel}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "pages not built: {missing:#?}\n{}",
        portal.dump()
    );
}

// The structure of each page matches the reference rendering. Known,
// deliberate differences are listed in `ALLOWED`.
#[test]
fn page_structure_matches_the_reference() {
    let (_dir, portal) = portal();
    let site = portal.render();
    let mut report = Vec::new();
    let mut compared = 0;
    for corpus in CORPORA {
        for (rel, reference) in reference_pages(corpus) {
            let Some(ours) = built_page(&site, corpus, &rel) else {
                continue;
            };
            let reference = Html::parse_document(&reference);
            let ours = Html::parse_document(&String::from_utf8_lossy(ours));
            let (Some(theirs), Some(mine)) = (
                select(&reference, "article.md-content__inner"),
                select(&ours, "div.md-content__inner"),
            ) else {
                report.push(format!("{corpus}/{rel}: no article"));
                continue;
            };
            compared += 1;
            let expected = structure(theirs);
            let actual = structure(mine);
            if expected != actual {
                let page = format!("{corpus}/{rel}");
                if ALLOWED.iter().any(|(p, _)| *p == page) {
                    continue;
                }
                report.push(format!("{page}:\n{}", diff(&expected, &actual)));
            }
        }
    }
    assert!(compared > 40, "only {compared} pages compared");
    assert!(
        report.is_empty(),
        "{} pages differ:\n\n{}",
        report.len(),
        report.join("\n\n")
    );
}

/// Pages whose structure differs on purpose, and why.
const ALLOWED: &[(&str, &str)] = &[(
    "mkdocs-user-guide/dev-guide/plugins/index.html",
    "an SVG pasted by a snippet into raw HTML is removed by the sanitizer: \
     untrusted SVG markup is never inlined (spec §6)",
)];

fn diff(expected: &[String], actual: &[String]) -> String {
    let mut out = String::new();
    let n = expected.len().max(actual.len());
    for i in 0..n {
        let e = expected.get(i).map(String::as_str).unwrap_or("-");
        let a = actual.get(i).map(String::as_str).unwrap_or("-");
        if e != a {
            out.push_str(&format!("  [{i}] reference: {e}\n  [{i}] backlot:   {a}\n"));
            if out.len() > 1500 {
                out.push_str("  ...\n");
                break;
            }
        }
    }
    out
}

// The deliberate problems of the `features` corpus are reported with file
// and line (the reference build.log has the same three warnings).
#[test]
fn features_corpus_reports_its_deliberate_problems() {
    let (_dir, portal) = portal();
    let in_features = |code: Code| -> Vec<String> {
        portal
            .with_code(code)
            .into_iter()
            .filter(|d| d.entity.as_deref() == Some("component:default/features"))
            .map(|d| portal.location(d))
            .collect()
    };
    let broken = in_features(Code::DocsBrokenLink);
    assert!(
        broken
            .iter()
            .any(|l| l.starts_with("repos/features/docs/reference/links.md:")),
        "{broken:?}\n{}",
        portal.dump()
    );
    assert!(
        !in_features(Code::DocsMissingAnchor).is_empty(),
        "{}",
        portal.dump()
    );
    assert_eq!(portal.loaded.diagnostics.errors(), 0, "{}", portal.dump());
}

/// Every site renders without errors; the warnings name a file and line.
#[test]
fn corpora_build_without_errors() {
    let (_dir, portal) = portal();
    assert_eq!(portal.loaded.docs.len(), CORPORA.len(), "{}", portal.dump());
    assert_eq!(portal.loaded.diagnostics.errors(), 0, "{}", portal.dump());
    for d in portal.diagnostics() {
        assert!(d.span.is_some(), "{d:?}");
    }
}

/// A repository with one docs site for the bad-input tests.
fn docs_tree(extra: &[(&str, &str)], mkdocs: &str, annotation: &str) -> tempfile::TempDir {
    let descriptor = format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  annotations:\n    backstage.io/techdocs-ref: {annotation}\nspec:\n  type: service\n  lifecycle: production\n  owner: user:guest\n"
    );
    let mut files: Vec<(&str, &str)> = vec![
        (
            "backlot.yaml",
            "catalog:\n  locations:\n    - { type: dir, target: repos }\ndocs:\n  cache: false\n",
        ),
        ("repos/svc/catalog-info.yaml", &descriptor),
        ("repos/svc/mkdocs.yml", mkdocs),
        (
            "repos/svc/docs/index.md",
            "# Home\n\nSee [setup](setup.md).\n",
        ),
        ("repos/svc/docs/setup.md", "# Setup\n\n## Install\n"),
    ];
    files.extend_from_slice(extra);
    crate::support::tree(&files)
}

// Issue #3: bad input gives clear diagnostics and the rest builds.
#[test]
fn bad_docs_input_is_reported_and_the_rest_builds() {
    let big = format!(
        "# Big\n\n{}",
        "A line of a very long page.\n".repeat(380_000)
    );
    let dir = docs_tree(
        &[
            (
                "repos/svc/docs/links.md",
                "# Links\n\n[gone](missing.md) [anchor](setup.md#nope)\n\n--8<-- \"../../../../etc/passwd\"\n",
            ),
            ("repos/svc/docs/big.md", &big),
            ("secret.txt", "top secret"),
        ],
        "site_name: Svc\nnav:\n  - Home: index.md\n  - Setup: setup.md\n  - Gone: not-there.md\n",
        "dir:.",
    );
    std::fs::write(
        dir.path().join("repos/svc/docs/binary.md"),
        [0u8, 159, 146, 150, 255, 0, 1],
    )
    .unwrap();
    let p = Portal::load(dir.path());
    let codes: Vec<(Code, String)> = p
        .diagnostics()
        .iter()
        .map(|d| (d.code, p.location(d)))
        .collect();
    let expect = [
        (Code::DocsNav, "repos/svc/mkdocs.yml:5"),
        (Code::DocsBrokenLink, "repos/svc/docs/links.md:3"),
        (Code::DocsMissingAnchor, "repos/svc/docs/links.md:3"),
        (Code::DocsSnippet, "repos/svc/docs/links.md:5"),
        (Code::DocsUnreadablePage, "repos/svc/docs/binary.md:1"),
    ];
    for (code, at) in expect {
        assert!(
            codes.iter().any(|(c, l)| *c == code && l == at),
            "expected {code} at {at}:\n{}",
            p.dump()
        );
    }
    let site = p.render();
    let page = |rel: &str| {
        String::from_utf8_lossy(
            site.get(&format!("docs/default/component/svc/{rel}"))
                .unwrap_or_else(|| panic!("{rel} missing")),
        )
        .into_owned()
    };
    // The 10 MB page and the others are built; nothing outside was read.
    assert!(page("big/index.html").contains("A line of a very long page."));
    assert!(page("setup/index.html").contains("id=\"install\""));
    assert!(
        !page("links/index.html").contains("root:"),
        "a snippet escaped the docs root"
    );
    assert!(page("index.html").contains("href=\"setup/\""));
}

#[test]
fn techdocs_ref_outside_the_descriptor_folder_is_refused() {
    let dir = docs_tree(
        &[
            ("repos/shared/mkdocs.yml", "site_name: Shared\n"),
            ("repos/shared/docs/index.md", "# S\n"),
        ],
        "site_name: Svc\n",
        "dir:../shared",
    );
    let p = Portal::load(dir.path());
    assert_eq!(p.with_code(Code::DocsOutsideRoot).len(), 1, "{}", p.dump());
    assert!(p.loaded.docs.is_empty());
    assert_eq!(
        p.location(p.with_code(Code::DocsOutsideRoot)[0]),
        "repos/svc/catalog-info.yaml:6"
    );
}

// Issue #3 / spec §6: hostile Markdown and raw HTML never reach the page.
#[test]
fn hostile_markdown_is_sanitized() {
    let hostile = "# Hostile\n\n[click](javascript:alert(1)) [x](JaVaScRiPt:alert(2))\n\n![img](x.png){ onerror=\"alert(3)\" }\n\n<script>alert(4)</script>\n\n<img src=x onerror=alert(5)>\n\n<a href=\"&#106;avascript:alert(6)\">e</a>\n\n<iframe src=\"https://evil.example/\"></iframe>\n\n!!! note \"<script>alert(7)</script>\"\n    body\n\n=== \"<img src=x onerror=alert(8)>\"\n    tab\n\n```html\n<script>alert(9)</script>\n```\n";
    // The same attacks without any raw HTML: such pages skip the sanitizer
    // when nothing in them needs it (docs::sanitize::Sanitizer::trusted).
    let markdown_only = "# Markdown only\n\n[click](javascript:alert(1))\n\n[x](JaVaScRiPt:alert(2))\n\n![img](x.png){ onerror=\"alert(3)\" }\n\n[y](https://ok.example/){ onclick=\"alert(4)\" }\n\n!!! note \"<script>alert(7)</script>\"\n    body\n\n=== \"<img src=x onerror=alert(8)>\"\n    tab\n";
    let dir = docs_tree(
        &[
            ("repos/svc/docs/hostile.md", hostile),
            ("repos/svc/docs/markdown.md", markdown_only),
        ],
        "site_name: Svc\n",
        "dir:.",
    );
    let site = Portal::load(dir.path()).render();
    for page in ["hostile", "markdown"] {
        let html = String::from_utf8_lossy(
            site.get(&format!("docs/default/component/svc/{page}/index.html"))
                .unwrap(),
        )
        .into_owned();
        assert_harmless(&html);
    }
}

fn assert_harmless(html: &str) {
    let doc = Html::parse_document(html);
    let article = select(&doc, "div.md-content__inner").expect("article");
    let all = Selector::parse("*").unwrap();
    for el in article.select(&all) {
        let name = el.value().name();
        assert!(
            !matches!(name, "script" | "style" | "object" | "embed"),
            "<{name}> survived"
        );
        for (attr, value) in el.value().attrs() {
            assert!(
                !attr.to_ascii_lowercase().starts_with("on"),
                "<{name} {attr}> survived"
            );
            let value = value
                .to_ascii_lowercase()
                .replace(|c: char| c.is_whitespace(), "");
            if matches!(attr, "href" | "src") {
                assert!(
                    !value.starts_with("javascript:") && !value.contains("evil.example"),
                    "<{name} {attr}={value}>"
                );
            }
        }
    }
    let article = article.html();
    // The code block (or the admonition title) shows the script as text.
    assert!(
        article.contains("&lt;script&gt;") || article.contains("&lt;</span>"),
        "{article}"
    );
}

// Issue #3: Mermaid fences become diagrams in the browser; the script is
// loaded only on pages that have one: by default from a CDN pinned by an
// integrity hash (as mkdocs-material does), or from where docs.mermaid says.
#[test]
fn mermaid_loads_only_on_pages_with_diagrams() {
    let diagram = "# Flow\n\n```mermaid\ngraph LR\n  A --> B\n```\n";
    let page = |site: &backlot::output::OutputSet, name: &str| {
        String::from_utf8_lossy(
            site.get(&format!("docs/default/component/svc/{name}"))
                .unwrap(),
        )
        .into_owned()
    };
    let dir = docs_tree(
        &[("repos/svc/docs/flow.md", diagram)],
        "site_name: Svc\n",
        "dir:.",
    );
    let site = Portal::load(dir.path()).render();
    let flow = page(&site, "flow/index.html");
    assert!(
        flow.contains("<pre class=\"mermaid\"><code>graph LR"),
        "{flow}"
    );
    assert!(
        flow.contains(&format!(
            "<script src=\"{}\" integrity=\"{}\" crossorigin=\"anonymous\"></script>",
            backlot::config::MERMAID_CDN.0,
            backlot::config::MERMAID_CDN.1
        )),
        "{flow}"
    );
    assert!(!page(&site, "index.html").contains("mermaid"));

    for (setting, expected) in [
        ("false", None),
        (
            "static/mermaid.min.js",
            Some("src=\"../../../../../static/mermaid.min.js\""),
        ),
        (
            "https://mermaid.example/m.js",
            Some("src=\"https://mermaid.example/m.js\"></script>"),
        ),
    ] {
        std::fs::write(
            dir.path().join("backlot.yaml"),
            format!(
                "catalog:\n  locations:\n    - {{ type: dir, target: repos }}\ndocs:\n  cache: false\n  mermaid: {setting}\n"
            ),
        )
        .unwrap();
        let p = Portal::load(dir.path());
        assert!(p.with_code(Code::ConfigInvalid).is_empty(), "{}", p.dump());
        let flow = page(&p.render(), "flow/index.html");
        match expected {
            None => {
                assert!(!flow.contains("<script src=\"https://cdn"), "{flow}");
                assert!(flow.contains("docs.mermaid: false"), "{flow}");
            }
            Some(script) => assert!(flow.contains(script), "{setting}: {flow}"),
        }
    }
    // A script URL that is not http(s) or a site path is refused.
    std::fs::write(
        dir.path().join("backlot.yaml"),
        "catalog:\n  locations:\n    - { type: dir, target: repos }\ndocs:\n  mermaid: \"javascript:alert(1)\"\n",
    )
    .unwrap();
    let (code, _, err) = {
        let out = crate::support::backlot(dir.path())
            .arg("check")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("docs.mermaid"), "{err}");
}

// Issue #3 / spec §3.6: content tab ids are MkDocs' on every page of the
// real doc sets: `__tabbed_<group>_<n>` by default, and with `slugify` +
// `combine_header_slug` (material-reference) the heading's id and the
// label's slug, so links to tabs keep working.
#[test]
fn tab_ids_match_the_reference() {
    let (_dir, portal) = portal();
    let site = portal.render();
    let ids = |doc: &Html, article: &str| -> Vec<String> {
        let sel = Selector::parse(&format!("{article} div.tabbed-set > input")).unwrap();
        let labels = Selector::parse(&format!("{article} div.tabbed-labels > label")).unwrap();
        doc.select(&sel)
            .map(|e| e.value().attr("id").unwrap_or("").to_string())
            .chain(
                doc.select(&labels)
                    .map(|e| format!("for={}", e.value().attr("for").unwrap_or(""))),
            )
            .collect()
    };
    let mut slugged = 0;
    let mut pages = 0;
    for corpus in CORPORA {
        for (rel, reference) in reference_pages(corpus) {
            let Some(ours) = built_page(&site, corpus, &rel) else {
                continue;
            };
            let expected = ids(
                &Html::parse_document(&reference),
                "article.md-content__inner",
            );
            if expected.is_empty() {
                continue;
            }
            pages += 1;
            slugged += expected.iter().filter(|i| !i.contains("__tabbed_")).count();
            let actual = ids(
                &Html::parse_document(&String::from_utf8_lossy(ours)),
                "div.md-content__inner",
            );
            assert_eq!(actual, expected, "{corpus}/{rel}");
        }
    }
    assert!(
        pages >= 3 && slugged > 10,
        "{pages} pages, {slugged} slugged ids"
    );
}
