//! Reading, validating and relating catalogs built from small trees.

use backlot::diag::{Code, Severity};

use crate::support::{Portal, tree};

const CONFIG: &str = "catalog:\n  locations:\n    - { type: dir, target: repos }\n";

fn component(name: &str, extra: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n{extra}"
    )
}

const TEAM: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n";

// spec/catalog.md §7: each spec reference gives a forward relation on the
// source and the reverse one on the target.
#[test]
fn relations_in_both_directions() {
    let api = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: orders-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: '{openapi: 3.0.0, info: {title: t, version: \"1\"}, paths: {}}'\n";
    let db = "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\nspec:\n  type: database\n  owner: team-a\n";
    let web = component(
        "web",
        "  consumesApis: [orders-api]\n  dependsOn: [component:orders]\n",
    );
    let orders = component(
        "orders",
        "  providesApis: [orders-api]\n  dependsOn: ['resource:orders-db']\n",
    );
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/org/catalog-info.yaml", TEAM),
        (
            "repos/orders/catalog-info.yaml",
            &format!("{orders}---\n{api}---\n{db}"),
        ),
        ("repos/web/catalog-info.yaml", &web),
    ]);
    let p = Portal::load(dir.path());
    assert_eq!(p.loaded.diagnostics.len(), 0, "{}", p.dump());
    assert_eq!(
        p.relations("component:default/orders"),
        [
            "dependencyOf component:default/web",
            "dependsOn resource:default/orders-db",
            "ownedBy group:default/team-a",
            "providesApi api:default/orders-api",
        ]
    );
    assert_eq!(
        p.relations("api:default/orders-api"),
        [
            "apiConsumedBy component:default/web",
            "apiProvidedBy component:default/orders",
            "ownedBy group:default/team-a",
        ]
    );
    assert_eq!(
        p.relations("resource:default/orders-db"),
        [
            "dependencyOf component:default/orders",
            "ownedBy group:default/team-a"
        ]
    );
    let team = p.relations("group:default/team-a");
    assert_eq!(team.len(), 4, "{team:?}");
    assert!(team.iter().all(|r| r.starts_with("ownerOf ")));
}

// spec/catalog.md §5: refs are case-insensitive; the default namespace of
// a spec reference is the referring entity's own namespace.
#[test]
fn refs_are_case_insensitive_and_namespace_relative() {
    let ns_team = TEAM.replace("name: team-a", "name: team-a\n  namespace: payments");
    let ns_comp = component("Billing", "")
        .replace("name: Billing", "name: Billing\n  namespace: payments")
        .replace("owner: team-a", "owner: Team-A");
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        (
            "repos/a/catalog-info.yaml",
            &format!("{ns_team}---\n{ns_comp}"),
        ),
    ]);
    let p = Portal::load(dir.path());
    assert!(p.loaded.diagnostics.is_empty(), "{}", p.dump());
    assert_eq!(
        p.relations("component:payments/billing"),
        ["ownedBy group:payments/team-a"]
    );
    assert_eq!(
        p.relations("group:payments/team-a"),
        ["ownerOf component:payments/billing"]
    );
    // Display keeps the written case.
    assert_eq!(
        p.loaded
            .catalog
            .get("component:payments/billing")
            .unwrap()
            .metadata
            .name,
        "Billing"
    );
}

// spec/catalog.md §11: dangling targets are stored; Backlot warns with the
// position of the reference.
#[test]
fn dangling_reference_is_a_warning_at_the_reference() {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        (
            "repos/a/catalog-info.yaml",
            &component("a", "  system: nowhere\n"),
        ),
    ]);
    let p = Portal::load(dir.path());
    let dangling = p.with_code(Code::RelationDanglingRef);
    assert_eq!(dangling.len(), 2, "{}", p.dump());
    let lines: Vec<String> = dangling.iter().map(|d| p.location(d)).collect();
    assert_eq!(
        lines,
        ["repos/a/catalog-info.yaml:8", "repos/a/catalog-info.yaml:9"]
    );
    assert!(dangling.iter().all(|d| d.severity == Severity::Warning));
    assert!(dangling[0].message.contains("group:default/team-a"));
    assert!(dangling[0].help.as_deref().unwrap().contains("user:team-a"));
    assert_eq!(
        p.relations("component:default/a"),
        [
            "ownedBy group:default/team-a",
            "partOf system:default/nowhere"
        ]
    );
}

// spec/catalog.md §7: a dependsOn without kind fails the entity.
#[test]
fn unparseable_reference_rejects_the_entity() {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/org/catalog-info.yaml", TEAM),
        (
            "repos/a/catalog-info.yaml",
            &component("a", "  dependsOn: [artists-db]\n"),
        ),
        ("repos/b/catalog-info.yaml", &component("b", "")),
    ]);
    let p = Portal::load(dir.path());
    assert!(!p.has("component:default/a"));
    assert!(p.has("component:default/b"));
    let d = p.with_code(Code::EntityInvalidRef);
    assert_eq!(d.len(), 1, "{}", p.dump());
    assert_eq!(p.location(d[0]), "repos/a/catalog-info.yaml:9");
    assert!(d[0].message.contains("had missing or empty kind"));
}

// spec/catalog.md §11: the first file to deliver a ref wins; the error
// names both files.
#[test]
fn conflict_between_files_keeps_the_first_and_names_both() {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/org/catalog-info.yaml", TEAM),
        (
            "repos/a/catalog-info.yaml",
            &component("svc", "  system: one\n"),
        ),
        ("repos/b/catalog-info.yaml", &component("SVC", "")),
    ]);
    let p = Portal::load(dir.path());
    let conflicts = p.with_code(Code::EntityConflict);
    assert_eq!(conflicts.len(), 1, "{}", p.dump());
    let d = conflicts[0];
    assert_eq!(p.location(d), "repos/b/catalog-info.yaml:1");
    assert!(
        d.message.contains("repos/a/catalog-info.yaml"),
        "{}",
        d.message
    );
    assert_eq!(
        p.loaded.sources.display(d.related[0].span.file),
        "repos/a/catalog-info.yaml"
    );
    // The first definition is the one kept.
    assert_eq!(
        p.loaded
            .catalog
            .get("component:default/svc")
            .unwrap()
            .spec_str("system"),
        Some("one")
    );
}

// spec/catalog.md §11: the same ref twice in one file; the later replaces.
#[test]
fn same_ref_twice_in_a_file_replaces_with_a_warning() {
    let first = component("svc", "  system: first\n");
    let second = component("svc", "  system: second\n");
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        (
            "repos/a/catalog-info.yaml",
            &format!("{TEAM}---\n{first}---\n{second}"),
        ),
    ]);
    let p = Portal::load(dir.path());
    let d = p.with_code(Code::EntityReplacedInFile);
    assert_eq!(d.len(), 1, "{}", p.dump());
    assert_eq!(d[0].severity, Severity::Warning);
    assert_eq!(
        p.loaded
            .catalog
            .get("component:default/svc")
            .unwrap()
            .spec_str("system"),
        Some("second")
    );
}

/// An OpenAPI definition that reads without problems.
const SPEC: &str = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n";

// spec/catalog.md §9: $text, $json, $yaml relative to the file holding them.
#[test]
fn placeholders_are_resolved_relative_to_the_descriptor() {
    let api = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: a\n  annotations:\n    example.com/data:\n      $text: ./note.txt\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./spec/openapi.yaml\n  extra:\n    json:\n      $json: ./data.json\n    yaml:\n      $yaml: ./data.yaml\n    notPlaceholder:\n      $text: ./x\n      other: 1\n";
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/org/catalog-info.yaml", TEAM),
        ("repos/a/catalog-info.yaml", api),
        ("repos/a/note.txt", "hello"),
        ("repos/a/spec/openapi.yaml", SPEC),
        ("repos/a/data.json", "{\"k\": [1, 2]}"),
        ("repos/a/data.yaml", "k: v\n"),
    ]);
    let p = Portal::load(dir.path());
    assert!(p.loaded.diagnostics.is_empty(), "{}", p.dump());
    let e = p.loaded.catalog.get("api:default/a").unwrap();
    assert_eq!(e.spec_str("definition"), Some(SPEC));
    // A `$text` value carries the span of its file, so that readers of the
    // text (API definitions) can point at that file's lines.
    let span = e.spec().unwrap().get("definition").unwrap().span;
    assert_eq!(
        p.loaded.sources.display(span.file),
        "repos/a/spec/openapi.yaml"
    );
    assert_eq!((span.start.line, span.start.col), (1, 1));
    assert_eq!(e.annotation("example.com/data"), Some("hello"));
    let extra = e.spec().unwrap().get("extra").unwrap().to_json();
    assert_eq!(extra["json"], serde_json::json!({"k": [1, 2]}));
    assert_eq!(extra["yaml"], serde_json::json!({"k": "v"}));
    // A `$` key beside other keys is not a placeholder.
    assert_eq!(extra["notPlaceholder"]["$text"], "./x");
}

#[test]
fn placeholder_outside_the_roots_is_refused() {
    let dir = tree(&[
        ("portal/backlot.yaml", CONFIG),
        ("portal/repos/org/catalog-info.yaml", TEAM),
        (
            "portal/repos/a/catalog-info.yaml",
            &component("a", "  secret:\n    $text: ../../../secret.txt\n"),
        ),
        ("secret.txt", "do not read"),
    ]);
    let p = Portal::load(&dir.path().join("portal"));
    assert!(!p.has("component:default/a"));
    let d = p.with_code(Code::PlaceholderReadFailed);
    assert_eq!(d.len(), 1, "{}", p.dump());
    assert!(d[0].message.contains("outside every crawl root"));
    assert_eq!(p.location(d[0]), "repos/a/catalog-info.yaml:10");
    let text = format!("{:?}", p.loaded.catalog.entities);
    assert!(!text.contains("do not read"));
}

fn location(targets: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: loc\nspec:\n  targets:\n{targets}"
    )
}

// spec/catalog.md §8: Location trees, globs, relative targets.
#[test]
fn locations_are_followed_with_globs() {
    let cfg = "catalog:\n  locations:\n    - { type: file, target: org/all.yaml }\n";
    let dir = tree(&[
        ("backlot.yaml", cfg),
        (
            "org/all.yaml",
            &location("    - ./teams/*.yaml\n    - ./svc/**/*.yaml\n"),
        ),
        ("org/teams/a.yaml", TEAM),
        ("org/svc/x/one.yaml", &component("one", "")),
        ("org/svc/two.yaml", &component("two", "")),
    ]);
    let p = Portal::load(dir.path());
    assert!(p.loaded.diagnostics.is_empty(), "{}", p.dump());
    for r in [
        "group:default/team-a",
        "component:default/one",
        "component:default/two",
        "location:default/loc",
    ] {
        assert!(p.has(r), "{r} missing: {:?}", p.refs());
    }
    let one = p.loaded.catalog.get("component:default/one").unwrap();
    let origin = one
        .annotation("backstage.io/managed-by-origin-location")
        .unwrap();
    assert!(
        origin.starts_with("file:") && origin.ends_with("org/all.yaml"),
        "{origin}"
    );
}

#[test]
fn location_problems_are_reported_and_the_rest_builds() {
    let cfg = "catalog:\n  locations:\n    - { type: file, target: all.yaml }\n";
    let loc = location(
        "    - ./nothing-*.yaml\n    - ./missing.yaml\n    - ../outside.yaml\n    - /etc/passwd\n    - ./all.yaml\n    - ./team.yaml\n    - ./dir/\n",
    );
    let dir = tree(&[
        ("portal/backlot.yaml", cfg),
        ("portal/all.yaml", &loc),
        ("portal/team.yaml", TEAM),
        ("outside.yaml", &component("outside", "")),
    ]);
    let p = Portal::load(&dir.path().join("portal"));
    assert!(p.has("group:default/team-a"), "{}", p.dump());
    assert!(!p.has("component:default/outside"));
    let codes: Vec<(Code, String)> = p
        .diagnostics()
        .iter()
        .map(|d| (d.code, p.location(d)))
        .collect();
    let expect = [
        (Code::LocationGlobNoMatch, "all.yaml:7"),
        (Code::FileNotFound, "all.yaml:8"),
        (Code::FileOutsideRoot, "all.yaml:9"),
        (Code::FileOutsideRoot, "all.yaml:10"),
        (Code::LocationCycle, "all.yaml:11"),
        (Code::LocationInvalidTarget, "all.yaml:13"),
    ];
    for (code, at) in expect {
        assert!(
            codes.iter().any(|(c, l)| *c == code && l == at),
            "expected {code} at {at}; got\n{}",
            p.dump()
        );
    }
    // The glob that matches nothing is a warning, not silence.
    assert_eq!(
        p.with_code(Code::LocationGlobNoMatch)[0].severity,
        Severity::Warning
    );
}

#[test]
fn optional_presence_tolerates_missing_files() {
    let cfg = "catalog:\n  locations:\n    - { type: file, target: all.yaml }\n";
    let loc = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: loc\nspec:\n  presence: optional\n  target: ./maybe.yaml\n";
    let dir = tree(&[("backlot.yaml", cfg), ("all.yaml", loc)]);
    let p = Portal::load(dir.path());
    assert!(p.loaded.diagnostics.is_empty(), "{}", p.dump());
}

// Issue #2: dir locations skip .git, node_modules, target and .gitignore'd paths.
#[test]
fn dir_locations_skip_ignored_trees() {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/org/catalog-info.yaml", TEAM),
        ("repos/web/.gitignore", "generated/\n"),
        (
            "repos/web/generated/catalog-info.yaml",
            &component("generated", ""),
        ),
        (
            "repos/web/node_modules/dep/catalog-info.yaml",
            &component("dep", ""),
        ),
        (
            "repos/web/target/catalog-info.yaml",
            &component("built", ""),
        ),
        ("repos/web/catalog-info.yaml", &component("web", "")),
    ]);
    let p = Portal::load(dir.path());
    assert!(p.loaded.diagnostics.is_empty(), "{}", p.dump());
    let components: Vec<String> = p
        .refs()
        .into_iter()
        .filter(|r| r.starts_with("component:"))
        .collect();
    assert_eq!(components, ["component:default/web"]);
}

// Backstage CatalogRules: kinds allowed globally or per location.
#[test]
fn catalog_rules_restrict_kinds() {
    // No `Location` in the global rules: the generated Locations of the
    // config entries are not read through a location, so rules skip them.
    let cfg = "catalog:\n  rules:\n    - allow: [Component]\n  locations:\n    - type: dir\n      target: repos\n    - type: file\n      target: org.yaml\n      rules:\n        - allow: [Group]\n";
    let dir = tree(&[
        ("backlot.yaml", cfg),
        ("org.yaml", TEAM),
        (
            "repos/a/catalog-info.yaml",
            &format!(
                "{}---\n{}",
                component("a", ""),
                TEAM.replace("team-a", "team-b")
            ),
        ),
    ]);
    let p = Portal::load(dir.path());
    assert!(p.has("group:default/team-a"));
    assert!(p.has("component:default/a"));
    assert!(!p.has("group:default/team-b"));
    let d = p.with_code(Code::EntityKindNotAllowed);
    assert_eq!(d.len(), 1, "{}", p.dump());
    assert_eq!(p.location(d[0]), "repos/a/catalog-info.yaml:10");
}
