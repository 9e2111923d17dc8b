//! Whole-site rendering of small catalogs: every page renders, links are
//! relative, and hostile input never becomes markup or script.

use super::*;
use crate::site::testing::{Fixture, ORG, fixture};

fn render(f: &Fixture) -> OutputSet {
    render_site(&RenderInput {
        catalog: &f.catalog,
        apis: &f.apis,
        sources: &f.sources,
        diagnostics: &f.diagnostics,
        docs: &[],
        config: &f.config,
    })
    .unwrap()
}

fn text<'a>(out: &'a OutputSet, path: &str) -> &'a str {
    std::str::from_utf8(out.get(path).unwrap_or_else(|| panic!("{path} missing"))).unwrap()
}

/// Values of every `name="..."` attribute in `html`.
fn attr_values<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn renders_every_page_with_relative_links() {
    let f = fixture(&[("org.yaml", ORG)]);
    let out = render(&f);
    for path in [
        "index.html",
        "catalog/index.html",
        "catalog/entities-index.js",
        "catalog/_health/index.html",
        "catalog/_kinds/component/index.html",
        "catalog/default/component/web/index.html",
        "catalog/default/group/acme/index.html",
        "catalog/default/user/jdoe/index.html",
        "catalog/default/api/web-api/index.html",
        "api/catalog/entities.json",
        "api/catalog/entities/by-name/group/default/acme.json",
    ] {
        assert!(out.contains(path), "{path} missing");
    }
    for (path, bytes) in out.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = std::str::from_utf8(bytes).unwrap();
        assert!(
            html.contains("location.protocol !== \"file:\""),
            "{path}: file:// script"
        );
        for href in attr_values(html, "href")
            .into_iter()
            .chain(attr_values(html, "src"))
        {
            // The 404 page is answered at any depth: its `<base>` is the
            // one absolute URL, and its links are relative to it.
            if path == "404.html" && html.contains(&format!("<base href=\"{href}\">")) {
                continue;
            }
            let external = href.starts_with("https://")
                || href.starts_with("http://")
                || href.starts_with("mailto:");
            assert!(
                external || !href.starts_with('/'),
                "{path}: absolute link {href}"
            );
            if !external && !href.starts_with('#') {
                let target = resolve(path, href);
                let file = if target.is_empty() || target.ends_with('/') {
                    format!("{target}index.html")
                } else {
                    target
                };
                assert!(out.contains(&file), "{path}: broken link {href} → {file}");
            }
        }
    }
    let web = text(&out, "catalog/default/component/web/index.html");
    assert!(
        web.contains(r#"href="../../../../static/backlot."#),
        "stylesheet link"
    );
    assert!(web.contains(r#"href="../../group/acme/""#), "owner link");
    assert!(web.contains(
        r#"<span class="ref-missing" title="component:default/ghost is not in the catalog">ghost"#
    ));
    assert!(web.contains("Defined in <code>org.yaml</code>"));
    let acme = text(&out, "catalog/default/group/acme/index.html");
    assert!(
        acme.contains(">deployer</a>") && acme.contains("via <a"),
        "ownership through child groups"
    );
}

/// Resolves a relative href against a page path (both site-relative).
fn resolve(page: &str, href: &str) -> String {
    let href = href.split(['?', '#']).next().unwrap();
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for seg in href.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." => {}
            s => parts.push(s),
        }
    }
    // `%25` in links is a literal `%` in file names.
    parts.join("/").replace("%25", "%")
}

const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"onmouseover=alert(1)",
    "javascript:alert(1)",
    "<img src=x onerror=alert(1)>",
    "<!--",
];

const HOSTILE: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: evil
  title: '<script>alert(1)</script>"onmouseover=alert(1)'
  description: '<img src=x onerror=alert(1)> </script><!-- "onmouseover=alert(1) javascript:alert(1)'
  annotations:
    backstage.io/view-url: 'javascript:alert(1)'
    backstage.io/edit-url: ' JavaScript:alert(1)'
    backstage.io/source-location: 'url:javascript:alert(1)'
    example.com/note: '<script>alert(1)</script>"onmouseover=alert(1)'
  links:
    - url: 'javascript:alert(1)'
      title: '<script>alert(1)</script>'
    - url: 'https://example.org/"onmouseover=alert(1)'
      title: '"onmouseover=alert(1)'
spec:
  type: '<script>alert(1)</script>'
  lifecycle: '"onmouseover=alert(1)'
  owner: '"onmouseover=alert(1)'
  dependsOn: ['component:<script>alert(1)<x']
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: evil-team
spec:
  type: team
  children: []
  profile:
    displayName: '<script>alert(1)</script>'
    email: '"onmouseover=alert(1)@example.org'
    picture: 'javascript:alert(1)'
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: renamed
spec:
  type: service
  lifecycle: production
  owner: evil-team
"#;

#[test]
fn hostile_content_never_survives() {
    let mut f = fixture(&[("evil.yaml", HOSTILE)]);
    f.config.base_url = Some("https://example.org/portal/".into());
    // Tags are validated upstream; bypass validation to prove the pages
    // would still be safe.
    for e in &mut f.catalog.entities {
        e.metadata.tags.push("<script>alert(1)</script>".into());
        e.metadata.tags.push("\"onmouseover=alert(1)".into());
        // Names too (nothing refers to this one, so the index stays right
        // for the others).
        if e.metadata.name == "renamed" {
            e.metadata.name = "<script>alert(1)</script>".into();
            e.entity_ref =
                crate::model::EntityRef::new("Component", "default", "<script>alert(1)</script>");
        }
    }
    let out = render(&f);
    assert!(out.contains("catalog/default/component/evil/index.html"));
    for (path, bytes) in out.iter() {
        let body = std::str::from_utf8(bytes).unwrap();
        if path.ends_with(".html") {
            for payload in PAYLOADS.iter().filter(|p| **p != "javascript:alert(1)") {
                assert!(!body.contains(payload), "{path} contains {payload}");
            }
            // Our own scripts only: the file:// fix and search.js, on the
            // catalog page the data and catalog.js, on /api-docs/ its
            // filter script.
            let scripts = match path {
                "catalog/index.html" => 4,
                "api-docs/index.html" => 3,
                _ => 2,
            };
            assert_eq!(
                body.matches("<script").count(),
                scripts,
                "{path}: unexpected <script>"
            );
            for url in attr_values(body, "href")
                .into_iter()
                .chain(attr_values(body, "src"))
            {
                let lower = url.trim().to_lowercase();
                assert!(
                    !lower.contains("javascript:") && !lower.starts_with("data:"),
                    "{path}: unsafe URL {url}"
                );
            }
        } else if !path.starts_with("static/") {
            // Data files (JSON, the index script, the sitemap): no markup at all.
            assert!(
                !body.contains("<script") && !body.contains("</script") && !body.contains("<!--"),
                "{path}"
            );
            if !path.ends_with(".xml") {
                assert!(
                    !body.contains('<') && !body.contains('>'),
                    "{path} has raw < or >"
                );
            }
        }
    }
    // The text is still there, escaped: nothing was silently dropped.
    let evil = text(&out, "catalog/default/component/evil/index.html");
    assert!(evil.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        evil.contains("javascript:alert(1)"),
        "unsafe URLs are shown as text"
    );
    assert!(evil.contains(r#"href="https://example.org/%22onmouseover=alert(1)""#));
    assert!(
        evil.contains("ref-missing"),
        "dangling owner shown as missing"
    );
    // Hostile names get encoded folders.
    assert!(
        out.contains(
            "catalog/default/component/%3Cscript%3Ealert%281%29%3C%2Fscript%3E/index.html"
        )
    );
    let data = text(&out, "catalog/entities-index.js");
    assert!(data.contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"));
}

#[test]
fn canonical_links_and_sitemap_use_base_url() {
    let mut f = fixture(&[("org.yaml", ORG)]);
    f.config.base_url = Some("https://example.org/portal/".into());
    let out = render(&f);
    let web = text(&out, "catalog/default/component/web/index.html");
    assert!(web.contains(
        r#"<link rel="canonical" href="https://example.org/portal/catalog/default/component/web/">"#
    ));
    let sitemap = text(&out, "sitemap.xml");
    assert!(sitemap.contains("<loc>https://example.org/portal/catalog/default/group/acme/</loc>"));
    assert!(sitemap.contains("<loc>https://example.org/portal/</loc>"));
}

#[test]
fn render_errors_name_template_and_page() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/user.html"),
        r#"{% extends "entity.html" %}{% block kind_content %}{{ page.user.nope.deeper }}{% endblock kind_content %}"#,
    )
    .unwrap();
    let mut f = fixture(&[("org.yaml", ORG)]);
    f.config.theme = Some(dir.path().to_path_buf());
    let err = render_site(&RenderInput {
        catalog: &f.catalog,
        apis: &f.apis,
        sources: &f.sources,
        diagnostics: &f.diagnostics,
        docs: &[],
        config: &f.config,
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("catalog/default/user/jdoe/index.html"),
        "{err}"
    );
    assert!(
        err.contains(&dir.path().join("templates/user.html").display().to_string()),
        "{err}"
    );
}

#[test]
fn empty_catalog_renders() {
    let f = fixture(&[]);
    let out = render(&f);
    assert!(
        out.contains("index.html")
            && out.contains("catalog/index.html")
            && out.contains("catalog/_health/index.html")
    );
    assert_eq!(text(&out, "api/catalog/entities.json"), "[]");
}
