//! Built portals, inspected as files: pages, links, the JSON API, the
//! health page.

use std::path::Path;

use backlot::output::OutputSet;

use crate::support::{Portal, tree};

const CONFIG: &str = "catalog:\n  locations:\n    - { type: dir, target: repos }\n";
const TEAM: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n";
const WEB: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\n  title: Web Shop\nspec:\n  type: website\n  lifecycle: production\n  owner: team-a\n  system: ghost-system\n  consumesApis: [orders-api]\n  dependsOn: [resource:zeta, component:alpha]\n";
const API: &str = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: orders-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: \"openapi: 3.0.0\"\n";
const INVALID: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken\n  tags: [Java]\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";

fn page(site: &OutputSet, path: &str) -> String {
    String::from_utf8(
        site.get(path)
            .unwrap_or_else(|| panic!("{path} not built"))
            .to_vec(),
    )
    .unwrap()
}

fn small_site() -> OutputSet {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/org/catalog-info.yaml", TEAM),
        ("repos/web/catalog-info.yaml", WEB),
        ("repos/api/catalog-info.yaml", API),
        ("repos/bad/catalog-info.yaml", INVALID),
    ]);
    Portal::load(dir.path()).render()
}

// Issue #2: Backstage's URL shape /catalog/<namespace>/<kind>/<name>/.
#[test]
fn entity_pages_live_at_backstage_urls() {
    let site = small_site();
    for path in [
        "index.html",
        "catalog/index.html",
        "catalog/default/component/web/index.html",
        "catalog/default/api/orders-api/index.html",
        "catalog/default/group/team-a/index.html",
        "catalog/_health/index.html",
        "catalog/_kinds/component/index.html",
        "api/catalog/entities.json",
        "api/catalog/entities/by-name/component/default/web.json",
    ] {
        assert!(site.contains(path), "{path} missing");
    }
    assert!(!site.contains("catalog/default/component/broken/index.html"));
}

#[test]
fn relations_show_in_both_directions_with_relative_links() {
    let site = small_site();
    let web = page(&site, "catalog/default/component/web/index.html");
    assert!(
        web.contains("href=\"../../api/orders-api/\""),
        "consumed API not linked"
    );
    assert!(
        web.contains("href=\"../../group/team-a/\""),
        "owner not linked"
    );
    let api = page(&site, "catalog/default/api/orders-api/index.html");
    assert!(
        api.contains("href=\"../../component/web/\""),
        "consumer not linked back"
    );
    let team = page(&site, "catalog/default/group/team-a/index.html");
    assert!(
        team.contains("href=\"../../component/web/\"")
            && team.contains("href=\"../../api/orders-api/\"")
    );
    // No absolute links: the site works under any sub-path and from file://.
    // (404.html is answered at any depth; its `<base>` names the root.)
    for (path, bytes) in site
        .iter()
        .filter(|(p, _)| p.ends_with(".html") && *p != "404.html")
    {
        let html = String::from_utf8_lossy(bytes);
        assert!(
            !html.contains("href=\"/"),
            "{path} has a root-absolute link"
        );
    }
}

// Issue #2: a dangling target is plain text marked missing, never a link.
#[test]
fn dangling_targets_are_marked_missing_not_linked() {
    let site = small_site();
    let web = page(&site, "catalog/default/component/web/index.html");
    assert!(web.contains("ref-missing"), "no missing marker");
    assert!(web.contains("ghost-system"));
    assert!(
        !web.contains("system/ghost-system/"),
        "dangling ref rendered as a link"
    );
}

// Issue #2: every diagnostic on the health page, linked from the entity.
#[test]
fn health_page_lists_diagnostics_by_file_and_entity_pages_link_there() {
    let site = small_site();
    let health = page(&site, "catalog/_health/index.html");
    assert!(health.contains("repos/bad/catalog-info.yaml"));
    assert!(health.contains("entity/invalid-tag"));
    assert!(health.contains("relation/dangling-ref"));
    let web = page(&site, "catalog/default/component/web/index.html");
    assert!(
        web.contains("_health/"),
        "entity page does not link its problems"
    );
}

// Issue #5: a portal with thousands of problems gets a health page in
// pages of 500 (the medium benchmark portal's was one 14 MB page); the
// first lists every file, and entity pages link to the right page.
#[test]
fn a_long_health_page_is_split_into_pages() {
    // 540 components in three files, each with one dangling dependency.
    let component = |i: usize| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c{i:03}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  dependsOn: [component:ghost]\n"
        )
    };
    let first: Vec<String> = (0..400).map(component).collect();
    let second: Vec<String> = (400..520).map(component).collect();
    let third: Vec<String> = (520..540).map(component).collect();
    let (first, second, third) = (
        first.join("---\n"),
        second.join("---\n"),
        third.join("---\n"),
    );
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/org/catalog-info.yaml", TEAM),
        ("repos/a/catalog-info.yaml", &first),
        ("repos/b/catalog-info.yaml", &second),
        ("repos/c/catalog-info.yaml", &third),
    ]);
    let site = Portal::load(dir.path()).render();
    let one = page(&site, "catalog/_health/index.html");
    let two = page(&site, "catalog/_health/2/index.html");
    assert!(!site.contains("catalog/_health/3/index.html"));
    assert!(one.contains("540 warnings in 3 files") && one.contains("Problems 1–500"));
    // The list of files, with where each one starts.
    assert!(
        one.contains("href=\"#file-1\">repos/a/catalog-info.yaml"),
        "{one}"
    );
    assert!(one.contains("href=\"#file-2\">repos/b/catalog-info.yaml"));
    assert!(one.contains("href=\"2/#file-3\">repos/c/catalog-info.yaml"));
    assert!(one.contains("id=\"problem-500\"") && !one.contains("id=\"problem-501\""));
    assert!(one.contains("href=\"2/\" rel=\"next\""), "{one}");
    // The second file goes on over the page break.
    assert!(two.contains("id=\"problem-501\"") && two.contains("id=\"problem-520\""));
    assert!(two.contains("repos/b/catalog-info.yaml</code> <span class=\"muted\">(continued)"));
    assert!(
        !two.contains("files-heading"),
        "the list of files is on page 1 only"
    );
    assert!(two.contains("href=\"../\" rel=\"prev\""), "{two}");
    // Problems are sorted by file then line: c519 is the last one.
    let entity = page(&site, "catalog/default/component/c519/index.html");
    assert!(
        entity.contains("../../../_health/2/#problem-520"),
        "{entity}"
    );
}

// Issue #2: Backstage's response shape for the static API.
#[test]
fn json_api_has_backstage_shape() {
    let site = small_site();
    let all: serde_json::Value =
        serde_json::from_slice(site.get("api/catalog/entities.json").unwrap()).unwrap();
    let list = all.as_array().expect("an array of entities");
    let web = list
        .iter()
        .find(|e| e["metadata"]["name"] == "web")
        .expect("web in entities.json");
    assert_eq!(web["kind"], "Component");
    assert_eq!(web["metadata"]["namespace"], "default");
    assert!(web["metadata"]["uid"].is_string() && web["metadata"]["etag"].is_string());
    let relations: Vec<(String, String)> = web["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap().into(),
                r["targetRef"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        relations,
        [
            ("consumesApi".into(), "api:default/orders-api".into()),
            ("dependsOn".into(), "component:default/alpha".into()),
            ("dependsOn".into(), "resource:default/zeta".into()),
            ("ownedBy".into(), "group:default/team-a".into()),
            ("partOf".into(), "system:default/ghost-system".into()),
        ]
    );
    // Preprocessing sorts the relation lists of the spec.
    assert_eq!(
        web["spec"]["dependsOn"],
        serde_json::json!(["component:alpha", "resource:zeta"])
    );
    let one: serde_json::Value = serde_json::from_slice(
        site.get("api/catalog/entities/by-name/component/default/web.json")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(one, *web);
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let hostile = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: evil\n  title: \"</script><script>alert(1)</script>\"\n  description: \"<img src=x onerror=alert(1)>\"\n  links:\n    - url: \"javascript:alert(1)\"\n      title: click\n  annotations:\n    backstage.io/view-url: \"javascript:alert(2)\"\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/org/catalog-info.yaml", TEAM),
        ("repos/evil/catalog-info.yaml", hostile),
    ]);
    let site = Portal::load(dir.path()).render();
    for (path, bytes) in site
        .iter()
        .filter(|(p, _)| p.ends_with(".html") || p.ends_with(".js"))
    {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("<script>alert"), "{path}");
        assert!(!text.contains("<img src=x"), "{path}");
        assert!(!text.contains("href=\"javascript:"), "{path}");
    }
}

// The example portal of README's first command builds clean.
#[test]
fn example_portal_builds_without_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme");
    let p = Portal::load(&dir);
    assert!(p.loaded.diagnostics.is_empty(), "{}", p.dump());
    assert!(p.loaded.catalog.len() > 40);
    let site = p.render();
    let template = p
        .refs()
        .into_iter()
        .find(|r| r.starts_with("template:"))
        .expect("a template");
    let name = template.rsplit('/').next().unwrap();
    assert!(site.contains(&format!("catalog/default/template/{name}/index.html")));
}

// Issue #5: the 404 page hosts answer for missing paths starts its links at
// the site root, under base_url's path too, and is not in the sitemap.
#[test]
fn the_404_page_links_from_the_site_root() {
    let dir = crate::support::tree(&[
        (
            "backlot.yaml",
            "base_url: https://example.org/portal\ncatalog:\n  locations:\n    - { type: file, target: all.yaml }\n",
        ),
        (
            "all.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n",
        ),
    ]);
    let site = crate::support::Portal::load(dir.path()).render();
    let page = String::from_utf8_lossy(site.get("404.html").unwrap()).into_owned();
    assert!(page.contains("<base href=\"/portal/\">"), "{page}");
    assert!(!page.contains("rel=\"canonical\""), "{page}");
    let sitemap = String::from_utf8_lossy(site.get("sitemap.xml").unwrap()).into_owned();
    assert!(!sitemap.contains("404"), "{sitemap}");
}
