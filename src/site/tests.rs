//! Views and data files built from small catalogs.

use std::collections::BTreeMap;

use serde_json::Value;

use super::testing::{ORG, fixture};
use super::views::EntityPage;
use super::{PageKind, PageView, Site, urls};
use crate::model::EntityRef;

fn entity_view(site: &Site, kind: &str, name: &str) -> EntityPage {
    let spec = site
        .pages()
        .into_iter()
        .find(|p| p.path == urls::entity_page(&EntityRef::new(kind, "default", name)))
        .unwrap_or_else(|| panic!("no page for {kind}:{name}"));
    match site.view(&spec, &BTreeMap::new()).1 {
        PageView::Entity(view) => *view,
        _ => panic!("not an entity page"),
    }
}

fn owned_texts(owned: &[super::views::OwnedGroup]) -> Vec<(String, String, Option<String>)> {
    owned
        .iter()
        .flat_map(|g| {
            g.items.iter().map(|i| {
                (
                    g.kind.clone(),
                    i.link.text.clone(),
                    i.via.as_ref().map(|v| v.text.clone()),
                )
            })
        })
        .collect()
}

#[test]
fn group_owns_through_descendants_and_cycles_end() {
    let f = fixture(&[("org.yaml", ORG)]);
    let site = f.site();
    let acme = entity_view(&site, "Group", "acme");
    let group = acme.group.unwrap();
    assert_eq!(
        owned_texts(&group.owned),
        vec![
            ("Component".into(), "deployer".into(), Some("infra".into())),
            ("Component".into(), "web".into(), None),
            ("Resource".into(), "db".into(), Some("platform".into())),
            ("System".into(), "shop".into(), None),
        ]
    );
    assert_eq!(group.owned_count, 4);
    // The cycle infra → acme does not make infra own acme's entities twice.
    let infra = entity_view(&site, "Group", "infra").group.unwrap();
    assert_eq!(infra.owned_count, 4);
    let platform = entity_view(&site, "Group", "platform").group.unwrap();
    assert_eq!(
        platform
            .members
            .iter()
            .map(|m| m.text.as_str())
            .collect::<Vec<_>>(),
        ["jdoe"]
    );
    assert_eq!(platform.parents[0].text, "acme");
    assert_eq!(platform.children[0].text, "infra");
}

#[test]
fn profiles_filter_picture_schemes() {
    let f = fixture(&[("org.yaml", ORG)]);
    let site = f.site();
    let acme = entity_view(&site, "Group", "acme").group.unwrap();
    assert_eq!(acme.profile.picture, None);
    assert_eq!(
        acme.profile.email_href.as_deref(),
        Some("mailto:org@example.org")
    );
    let jdoe = entity_view(&site, "User", "jdoe").user.unwrap();
    assert_eq!(
        jdoe.profile.picture.as_deref(),
        Some("https://example.org/jane.png")
    );
    assert_eq!(jdoe.groups[0].text, "platform");
    assert_eq!(
        owned_texts(&jdoe.owned),
        vec![("API".into(), "web-api".into(), None)]
    );
}

#[test]
fn relations_link_existing_targets_and_mark_missing_ones() {
    let f = fixture(&[("org.yaml", ORG)]);
    let site = f.site();
    let web = entity_view(&site, "Component", "web");
    let owner = web.about.owner.as_ref().unwrap();
    assert_eq!(owner.text, "acme");
    assert_eq!(owner.href.as_deref(), Some("../../group/acme/"));
    assert_eq!(web.about.system.as_ref().unwrap().text, "shop");
    let depends = web.relations.iter().find(|s| s.id == "dependsOn").unwrap();
    let links: Vec<_> = depends.groups.iter().flat_map(|g| &g.items).collect();
    let ghost = links.iter().find(|l| l.text == "ghost").unwrap();
    assert!(ghost.missing && ghost.href.is_none());
    assert!(ghost.tooltip.contains("not in the catalog"));
    let db = links.iter().find(|l| l.text == "db").unwrap();
    assert_eq!(db.href.as_deref(), Some("../../resource/db/"));
    // The dangling reference is a diagnostic about `web`, linked to the health page.
    assert_eq!(web.problems.len(), 1, "{:?}", web.problems);
    assert_eq!(web.problems[0].code, "relation/dangling-ref");
    assert!(
        web.problems[0]
            .href
            .starts_with("../../../_health/#problem-")
    );
    assert_eq!(web.defined_in, "org.yaml");
    assert_eq!(web.kind_href, "../../../_kinds/component/");
    // System page: parts grouped by kind.
    let shop = entity_view(&site, "System", "shop");
    let parts = shop.relations.iter().find(|s| s.id == "hasPart").unwrap();
    assert_eq!(parts.groups[0].kind, "Component");
    assert_eq!(shop.about.domain.as_ref().unwrap().text, "commerce");
    assert!(shop.about.domain.as_ref().unwrap().missing);
}

#[test]
fn json_api_has_backstage_shape() {
    let f = fixture(&[("org.yaml", ORG)]);
    let site = f.site();
    let files: BTreeMap<String, Vec<u8>> = site.data_files().into_iter().collect();
    let all: Value = serde_json::from_slice(&files[urls::API_ENTITIES]).unwrap();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), f.catalog.len());
    let web = all
        .iter()
        .find(|e| e["metadata"]["name"] == "web")
        .expect("web in entities.json");
    assert_eq!(web["kind"], "Component");
    assert_eq!(web["spec"]["owner"], "acme");
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
    let mut sorted = relations.clone();
    sorted.sort();
    assert_eq!(relations, sorted, "sorted by type then targetRef");
    assert!(relations.contains(&("ownedBy".into(), "group:default/acme".into())));
    assert!(relations.contains(&("dependsOn".into(), "component:default/ghost".into())));
    let uid = web["metadata"]["uid"].as_str().unwrap();
    assert_eq!(uid.len(), 36);
    assert_eq!(web["metadata"]["etag"].as_str().unwrap().len(), 40);
    // by-name: the same entity, lower-cased path.
    let one: Value =
        serde_json::from_slice(&files["api/catalog/entities/by-name/component/default/web.json"])
            .unwrap();
    assert_eq!(&one, web);
    // Deterministic across builds.
    let again: BTreeMap<String, Vec<u8>> = fixture(&[("org.yaml", ORG)])
        .site()
        .data_files()
        .into_iter()
        .collect();
    assert_eq!(files, again);
    assert!(
        !files.contains_key(urls::SITEMAP),
        "no sitemap without base_url"
    );
}

#[test]
fn index_data_is_a_script_with_rows_and_facets() {
    let f = fixture(&[("org.yaml", ORG)]);
    let files: BTreeMap<String, Vec<u8>> = f.site().data_files().into_iter().collect();
    let script = String::from_utf8(files[urls::CATALOG_DATA].clone()).unwrap();
    let json = script
        .strip_prefix("window.BACKLOT_CATALOG = ")
        .and_then(|s| s.strip_suffix(";\n"))
        .unwrap();
    let data: Value = serde_json::from_str(json).unwrap();
    let fields: Vec<&str> = data["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let col = |name: &str| fields.iter().position(|f| *f == name).unwrap();
    let web = data["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[col("name")] == "web")
        .unwrap();
    assert_eq!(web[col("url")], "default/component/web/");
    assert_eq!(web[col("owner")], "acme");
    assert_eq!(web[col("ownerRef")], "group:default/acme");
    assert_eq!(web[col("ownerUrl")], "default/group/acme/");
    assert_eq!(
        data["facets"]["kind"][0],
        serde_json::json!(["component", "Component", 2])
    );
    assert!(
        data["facets"]["tags"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["frontend", "frontend", 1]))
    );
}

#[test]
fn pages_cover_everything_once() {
    let f = fixture(&[("org.yaml", ORG)]);
    let pages = f.site().pages();
    let mut paths: Vec<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    let n = paths.len();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), n);
    let entity_pages = pages
        .iter()
        .filter(|p| matches!(p.kind, PageKind::Entity(_)))
        .count();
    assert_eq!(entity_pages, f.catalog.len());
    assert!(paths.contains(&"catalog/_kinds/group/index.html"));
    let api = pages
        .iter()
        .find(|p| p.path == "catalog/default/api/web-api/index.html")
        .unwrap();
    assert_eq!(api.template, "api.html");
}

#[test]
fn kind_lists_paginate_by_100() {
    let mut yaml = String::new();
    for i in 0..205 {
        yaml.push_str(&format!(
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c{i:03}\nspec:\n  type: service\n  lifecycle: production\n  owner: nobody\n"
        ));
    }
    let f = fixture(&[("many.yaml", &yaml)]);
    let site = f.site();
    let pages: Vec<_> = site
        .pages()
        .into_iter()
        .filter(|p| p.template == "kind.html")
        .collect();
    let paths: Vec<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "catalog/_kinds/component/index.html",
            "catalog/_kinds/component/2/index.html",
            "catalog/_kinds/component/3/index.html"
        ]
    );
    let PageView::Kind(last) = site.view(&pages[2], &BTreeMap::new()).1 else {
        panic!()
    };
    assert_eq!((last.first, last.last, last.rows.len()), (201, 205, 5));
    assert_eq!(last.prev.as_deref(), Some("../2/"));
    assert_eq!(last.next, None);
    let PageView::Kind(first) = site.view(&pages[0], &BTreeMap::new()).1 else {
        panic!()
    };
    assert_eq!(first.next.as_deref(), Some("2/"));
    let numbers: Vec<(usize, bool)> = last
        .page_links
        .iter()
        .map(|l| (l.number, l.gap_before))
        .collect();
    assert_eq!(numbers, [(1, false), (2, false), (3, false)]);
    assert_eq!(
        super::lists::page_window(10, 200),
        [1, 8, 9, 10, 11, 12, 200]
    );
    assert_eq!(
        first.rows[0].link.href.as_deref(),
        Some("../../default/component/c000/")
    );
}

#[test]
fn template_and_location_views() {
    let yaml = r#"
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: node-service
spec:
  type: service
  owner: platform
  parameters:
    - title: Basics
      required: [name]
      properties:
        name: { type: string, title: Name, description: Service name }
        tier: { type: string, enum: [gold, silver], default: silver }
    - title: Repo
      properties:
        port: { type: integer, default: 8080 }
  steps:
    - id: fetch
      name: Fetch skeleton
      action: fetch:template
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: more
spec:
  type: url
  targets: [./a.yaml, ./b.yaml]
"#;
    let f = fixture(&[("t.yaml", yaml)]);
    let site = f.site();
    let tpl = entity_view(&site, "Template", "node-service")
        .template
        .unwrap();
    assert_eq!(tpl.parameters.len(), 2);
    let name = &tpl.parameters[0].fields[0];
    assert_eq!(
        (
            name.name.as_str(),
            name.required,
            name.field_type.as_deref()
        ),
        ("name", true, Some("string"))
    );
    let tier = &tpl.parameters[0].fields[1];
    assert_eq!(
        (
            tier.enum_values.clone(),
            tier.default.as_deref(),
            tier.required
        ),
        (
            vec!["gold".to_string(), "silver".to_string()],
            Some("silver"),
            false
        )
    );
    assert_eq!(tpl.parameters[1].fields[0].default.as_deref(), Some("8080"));
    assert_eq!(tpl.steps[0].action.as_deref(), Some("fetch:template"));
    let loc = entity_view(&site, "Location", "more").location.unwrap();
    assert_eq!(loc.targets, ["./a.yaml", "./b.yaml"]);
}

#[test]
fn large_ownership_lists_are_capped_with_a_link_to_the_rest() {
    let mut yaml = String::from(ORG);
    for i in 0..150 {
        yaml.push_str(&format!(
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc{i:03}\nspec:\n  type: service\n  lifecycle: production\n  owner: platform\n"
        ));
    }
    let f = fixture(&[("org.yaml", &yaml)]);
    let site = f.site();
    let acme = entity_view(&site, "Group", "acme").group.unwrap();
    let components = acme.owned.iter().find(|g| g.kind == "Component").unwrap();
    assert_eq!(
        (components.total, components.items.len()),
        (152, super::OWNED_PER_KIND)
    );
    assert_eq!(
        components.more_href.as_deref(),
        Some(
            "../../../?filters[kind]=component&filters[owners]=group%3Adefault%2Facme&filters[owners]=group%3Adefault%2Finfra&filters[owners]=group%3Adefault%2Fplatform"
        )
    );
    assert_eq!(acme.owned_count, 154);
}
