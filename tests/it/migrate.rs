//! `backlot init --from-backstage`: a Backstage repository's app-config
//! becomes a backlot.yaml that builds the same catalog, through the real
//! binary.

use std::fs;
use std::path::Path;

use crate::support::{Portal, backlot, tree};

/// A Backstage repository as `@backstage/create-app` lays it out: the
/// app-config at the root, the backend in packages/backend (whose working
/// directory file targets are relative to), example entities in examples/.
const APP_CONFIG: &str = r#"app:
  title: Acme Backstage
  baseUrl: http://localhost:3000

organization:
  name: Acme

backend:
  baseUrl: http://localhost:7007
  database:
    client: better-sqlite3
    connection: ':memory:'

integrations:
  github:
    - host: github.com
      token: ${GITHUB_TOKEN}

techdocs:
  builder: 'local'
  generator:
    runIn: 'docker'
  publisher:
    type: 'local'

catalog:
  rules:
    - allow: [Component, System, API, Resource, Location]
  locations:
    # File locations are relative to the backend process, packages/backend.
    - type: file
      target: ../../examples/entities.yaml
    - type: file
      target: ../../examples/org.yaml
      rules:
        - allow: [User, Group]
    - type: file
      target: ../../examples/more/*.yaml
    - type: github-discovery
      target: https://github.com/acme/*/blob/main/catalog-info.yaml
"#;

const ENTITIES: &str = "apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
spec:
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
spec:
  type: website
  lifecycle: production
  owner: team-a
  system: shop
  providesApis: [orders]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  system: shop
  definition: |
    openapi: 3.0.0
    info: {title: Orders, version: 1.0.0}
    paths: {}
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: shop-resources
spec:
  targets:
    - ./resources.yaml
";

const RESOURCES: &str = "apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-db
spec:
  type: database
  owner: team-a
  system: shop
";

const ORG: &str = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: jane
spec:
  memberOf: [team-a]
";

const MORE: &str = "apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: worker
spec:
  type: service
  lifecycle: experimental
  owner: team-a
";

fn backstage_repo(app_config: &str) -> tempfile::TempDir {
    tree(&[
        ("app-config.yaml", app_config),
        ("packages/backend/package.json", "{\"name\": \"backend\"}\n"),
        ("packages/app/package.json", "{\"name\": \"app\"}\n"),
        ("examples/entities.yaml", ENTITIES),
        ("examples/resources.yaml", RESOURCES),
        ("examples/org.yaml", ORG),
        ("examples/more/worker.yaml", MORE),
    ])
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = backlot(dir).args(args).output().expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn migrate_backstage_repository_builds_the_same_catalog() {
    let repo = backstage_repo(APP_CONFIG);
    let (code, err) = run(
        repo.path(),
        &["init", "--from-backstage", "app-config.yaml"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("wrote ./backlot.yaml from app-config.yaml"),
        "{err}"
    );
    // What was not carried over names the file and line, and why.
    assert!(
        err.contains(
            "app-config.yaml:3: app.baseUrl: http://localhost:3000 is a development address"
        ),
        "{err}"
    );
    assert!(
        err.contains("app-config.yaml:39: catalog.locations[3] (type: github-discovery): "),
        "{err}"
    );
    assert!(
        err.contains(
            "not needed for a static build: techdocs.builder, techdocs.generator, techdocs.publisher\n"
        ),
        "{err}"
    );
    assert!(
        err.contains("ignored (not part of a static portal): organization, backend\n"),
        "{err}"
    );
    // No catalog-info.yaml: the repository has its descriptors.
    assert!(!repo.path().join("catalog-info.yaml").exists());

    let written = fs::read_to_string(repo.path().join("backlot.yaml")).unwrap();
    assert!(
        written.contains("target: examples/entities.yaml\n"),
        "{written}"
    );
    assert!(written.contains("token: ${GITHUB_TOKEN}\n"), "{written}");

    let (code, err) = run(repo.path(), &["check"]);
    assert_eq!(code, 0, "{err}\n{written}");
    assert!(err.contains("0 errors, 0 warnings"), "{err}");
    let portal = Portal::load(repo.path());
    for entity in [
        "system:default/shop",
        "component:default/web",
        "api:default/orders",
        "resource:default/orders-db",
        "group:default/team-a",
        "user:default/jane",
        "component:default/worker",
    ] {
        assert!(portal.has(entity), "{entity} missing: {:?}", portal.refs());
    }
    assert!(portal.diagnostics().is_empty(), "{}", portal.dump());
}

// Backstage's rules are kept: a Group outside org.yaml is rejected, as
// Backstage would reject it, and the default rules are written out.
#[test]
fn migrate_keeps_backstage_rules() {
    let app_config = "catalog:\n  locations:\n    - type: file\n      target: ../../examples/entities.yaml\n    - type: file\n      target: ../../examples/org.yaml\n      rules:\n        - allow: [Group, User]\n";
    let repo = backstage_repo(app_config);
    fs::write(
        repo.path().join("examples/entities.yaml"),
        format!("{MORE}---\n{ORG}"),
    )
    .unwrap();
    let (code, err) = run(
        repo.path(),
        &["init", "--from-backstage", "app-config.yaml"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, err) = run(repo.path(), &["check"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("entity/kind-not-allowed"), "{err}");
    assert!(err.contains("examples/entities.yaml"), "{err}");
}

#[test]
fn migrate_with_an_override_into_another_folder() {
    let repo = backstage_repo(APP_CONFIG);
    fs::write(
        repo.path().join("app-config.production.yaml"),
        "app:\n  baseUrl: https://backstage.acme.example\ntechdocs: null\n",
    )
    .unwrap();
    let (code, err) = run(
        repo.path(),
        &[
            "init",
            "--from-backstage",
            "app-config.yaml",
            "--from-backstage",
            "app-config.production.yaml",
            "portal",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("next: cd portal && backlot check"), "{err}");
    let written = fs::read_to_string(repo.path().join("portal/backlot.yaml")).unwrap();
    assert!(
        written.contains("base_url: \"https://backstage.acme.example\"\n"),
        "{written}"
    );
    assert!(
        written.contains("target: ../examples/entities.yaml\n"),
        "{written}"
    );
    // Backlot would not read ../examples: said, with the line.
    assert!(
        err.contains("app-config.yaml:32: catalog.locations[0].target: ../examples/entities.yaml is outside the folder of backlot.yaml"),
        "{err}"
    );
    assert!(!err.contains("techdocs"), "{err}");
}

#[test]
fn migrate_refuses_to_overwrite() {
    let repo = backstage_repo(APP_CONFIG);
    fs::write(repo.path().join("backlot.yaml"), "title: mine\n").unwrap();
    let (code, err) = run(
        repo.path(),
        &["init", "--from-backstage", "app-config.yaml"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(
        fs::read_to_string(repo.path().join("backlot.yaml")).unwrap(),
        "title: mine\n"
    );
}

#[test]
fn migrate_never_prints_nor_writes_a_literal_token() {
    let secret = "ghp_0123456789abcdefLITERALtoken";
    let app_config = APP_CONFIG.replace("${GITHUB_TOKEN}", secret);
    let repo = backstage_repo(&app_config);
    let out = backlot(repo.path())
        .args(["init", "--from-backstage", "app-config.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains(secret) && !stdout.contains(secret),
        "{stderr}"
    );
    let written = fs::read_to_string(repo.path().join("backlot.yaml")).unwrap();
    assert!(!written.contains(secret), "{written}");
    assert!(
        stderr.contains(
            "app-config.yaml:17: integrations.github[0].token: a literal secret, left out"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("token: ${GITHUB_TOKEN}"), "{stderr}");
    // The entry stays, without a token; the portal still checks clean.
    assert!(
        written.contains("  github:\n    - host: github.com\n"),
        "{written}"
    );
    let (code, err) = run(repo.path(), &["check"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn migrate_bad_input_exits_two() {
    let repo = backstage_repo("app:\n  title: [unclosed\n");
    let (code, err) = run(
        repo.path(),
        &["init", "--from-backstage", "app-config.yaml"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("app-config.yaml:"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!repo.path().join("backlot.yaml").exists());
    let (code, err) = run(repo.path(), &["init", "--from-backstage", "missing.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.yaml"), "{err}");
    assert!(!repo.path().join("backlot.yaml").exists());
}
