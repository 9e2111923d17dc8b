//! Crawling repositories: `url` and `git` locations, Locations across
//! repositories, placeholders and docs read from repositories, the lock
//! file, offline builds, authentication, failures, and reuse between builds.
//!
//! Every repository is made by the test (git CLI, `gitfix`) and published
//! as a bare repository on disk; `git.rewrite` points the forge URLs of the
//! catalog at them (or at a smart-HTTP server on 127.0.0.1). Nothing
//! reaches the internet.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use backlot::diag::Code;
use serde_json::Value as Json;

use crate::gitfix::{FIRST_COMMIT_TIME, Forge, GitHttpServer, Repo, Running, ServerOptions};
use crate::support::{Portal, backlot};

const PAYMENTS: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: team-a
  providesApis: [payments-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ./openapi.yaml
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: payments-more
spec:
  targets:
    - ./more/*.yaml
    - /services/
    - https://github.com/acme/teams/blob/main/teams.yaml
";

const OPENAPI: &str = "openapi: 3.0.0\ninfo: {title: Payments, version: '1'}\npaths:\n  /pay:\n    post:\n      operationId: pay\n      responses: {'200': {description: ok}}\n";

fn component(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
    )
}

const TEAMS: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n";

/// `n` bytes of letters that do not compress (xorshift): a pack about as
/// large as the file.
fn incompressible(n: usize) -> String {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'a' + (x % 26) as u8)
        })
        .collect()
}

/// The first path where two sites differ, for assertion messages.
fn first_difference(a: &Path, b: &Path) -> Option<String> {
    let (a, b) = (files(a), files(b));
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    if names(&a) != names(&b) {
        return Some(format!(
            "different files: {:?} vs {:?}",
            names(&a),
            names(&b)
        ));
    }
    a.iter()
        .zip(&b)
        .find(|(x, y)| x.1 != y.1)
        .map(|(x, _)| x.0.clone())
}

/// An organisation of two repositories published on a forge on disk, and
/// a portal folder next to them.
struct Org {
    dir: tempfile::TempDir,
    forge: Forge,
    payments: Repo,
    teams: Repo,
}

impl Org {
    fn new() -> Org {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let forge = Forge::new(&root.join("forge"));
        let worker = component("worker");
        let billing = component("billing");
        let payments = Repo::init(&root.join("work/payments"));
        payments.write_all(&[
            ("catalog-info.yaml", PAYMENTS),
            ("openapi.yaml", OPENAPI),
            ("more/worker.yaml", &worker),
            ("services/billing/catalog-info.yaml", &billing),
            (
                "mkdocs.yml",
                "site_name: Payments\nnav:\n  - index.md\n  - guide.md\n",
            ),
            ("docs/index.md", "# Payments\n\nHow we take money.\n"),
            ("docs/guide.md", "# Guide\n\nFirst version.\n"),
        ]);
        payments.commit_at("initial", FIRST_COMMIT_TIME);
        payments.annotated_tag("v1", "first release");
        payments.write("docs/guide.md", "# Guide\n\nSecond version.\n");
        payments.commit_at("guide", FIRST_COMMIT_TIME + 3600);
        // A branch with a slash, whose worker is renamed.
        payments.branch("feature/next");
        payments.write("more/worker.yaml", &component("worker-next"));
        payments.commit_at("next", FIRST_COMMIT_TIME + 7200);
        payments.checkout("main");
        forge.publish("acme", "payments", &payments);
        let teams = Repo::with_files(&root.join("work/teams"), &[("teams.yaml", TEAMS)]);
        forge.publish("acme", "teams", &teams);
        std::fs::create_dir_all(root.join("portal")).unwrap();
        Org {
            dir,
            forge,
            payments,
            teams,
        }
    }

    fn root(&self) -> PathBuf {
        std::fs::canonicalize(self.dir.path()).unwrap()
    }

    fn portal(&self) -> PathBuf {
        self.root().join("portal")
    }

    fn cache(&self) -> PathBuf {
        self.root().join("cache")
    }

    /// Writes backlot.yaml: `locations` (YAML list items), the cache and
    /// the rewrite of `https://github.com/acme/` to the forge on disk,
    /// and `extra` top-level settings.
    fn config(&self, locations: &str, extra: &str) {
        let text = format!(
            "title: Acme\ncatalog:\n  locations:\n{locations}git:\n  cache: {}\n  rewrite:\n    - from: https://github.com/acme/\n      to: {}\n{extra}",
            self.cache().display(),
            self.forge.file_prefix("acme"),
        );
        std::fs::write(self.portal().join("backlot.yaml"), text).unwrap();
    }

    fn url_location(&self) {
        self.config(
            "    - type: url\n      target: https://github.com/acme/payments/blob/main/catalog-info.yaml\n",
            "",
        );
    }

    fn load(&self) -> Portal {
        Portal::load(&self.portal())
    }

    /// Runs the binary in the portal folder.
    fn run(&self, args: &[&str]) -> Output {
        backlot(&self.portal()).args(args).output().unwrap()
    }

    fn bare(&self, name: &str) -> PathBuf {
        self.forge.path("acme", name)
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn annotation<'a>(portal: &'a Portal, entity: &str, key: &str) -> Option<&'a str> {
    portal.loaded.catalog.get(entity)?.annotation(key)
}

// spec/catalog.md §8: a `url` location reads the file from its repository;
// the Location in it adds files of the same repository (a glob, and a
// folder searched for descriptors) and of another repository by URL.
#[test]
fn a_url_location_crawls_the_repository_and_follows_its_locations() {
    let org = Org::new();
    org.url_location();
    let portal = org.load();
    for entity in [
        "component:default/payments",
        "api:default/payments-api",
        "component:default/worker",
        "component:default/billing",
        "group:default/team-a",
        "location:default/payments-more",
    ] {
        assert!(portal.has(entity), "{entity} missing:\n{}", portal.dump());
    }
    assert!(
        portal.diagnostics().is_empty(),
        "no diagnostics expected:\n{}",
        portal.dump()
    );
    // The owner is resolved across repositories.
    assert!(
        portal
            .relations("component:default/payments")
            .contains(&"ownedBy group:default/team-a".to_string())
    );
    // $text from the same repository.
    let api = portal
        .loaded
        .catalog
        .get("api:default/payments-api")
        .unwrap();
    let definition = api.root.get("spec").unwrap().get("definition").unwrap();
    assert_eq!(definition.as_str(), Some(OPENAPI));
}

// AnnotateLocationEntityProcessor: entities read from a `url` location get
// view-url, edit-url and source-location; the location annotations name the
// forge URL of the file actually read and the config location.
#[test]
fn entities_from_a_forge_link_to_their_files() {
    let org = Org::new();
    org.url_location();
    let portal = org.load();
    let worker = "component:default/worker";
    let expect = [
        (
            "backstage.io/managed-by-location",
            "url:https://github.com/acme/payments/blob/main/more/worker.yaml",
        ),
        (
            "backstage.io/managed-by-origin-location",
            "url:https://github.com/acme/payments/blob/main/catalog-info.yaml",
        ),
        (
            "backstage.io/view-url",
            "https://github.com/acme/payments/blob/main/more/worker.yaml",
        ),
        (
            "backstage.io/edit-url",
            "https://github.com/acme/payments/edit/main/more/worker.yaml",
        ),
        (
            "backstage.io/source-location",
            "url:https://github.com/acme/payments/tree/main/more/",
        ),
    ];
    for (key, value) in expect {
        assert_eq!(annotation(&portal, worker, key), Some(value), "{key}");
    }
    assert_eq!(
        annotation(&portal, "group:default/team-a", "backstage.io/view-url"),
        Some("https://github.com/acme/teams/blob/main/teams.yaml")
    );
    // Diagnostics name the repository, the ref and the path.
    let file = portal
        .loaded
        .catalog
        .get(worker)
        .map(|e| portal.loaded.sources.display(e.origin.file).to_string());
    assert_eq!(
        file.as_deref(),
        Some("github.com/acme/payments@main:more/worker.yaml")
    );
}

// An entity's own values win over the annotations a location adds.
#[test]
fn an_entity_s_own_links_win() {
    let org = Org::new();
    org.payments.write(
        "more/worker.yaml",
        &component("worker").replace(
            "  name: worker\n",
            "  name: worker\n  annotations:\n    backstage.io/source-location: url:https://example.com/src/\n",
        ),
    );
    org.payments.commit("own source location");
    org.payments.push(&org.bare("payments"), "main");
    org.url_location();
    let portal = org.load();
    assert_eq!(
        annotation(
            &portal,
            "component:default/worker",
            "backstage.io/source-location"
        ),
        Some("url:https://example.com/src/")
    );
}

// `type: git`: a clone URL (or path), a ref (branch, tag, commit; the
// remote's default branch when absent) and a path or glob inside.
#[test]
fn git_locations_by_branch_tag_and_commit() {
    let org = Org::new();
    let first = org.payments.head();
    let at = |git_ref: &str, path: &str| {
        org.config(
            &format!(
                "    - type: git\n      target: https://github.com/acme/payments.git\n      ref: {git_ref}\n      path: {path}\n"
            ),
            "",
        );
        org.load()
    };
    // A branch whose name holds a slash.
    let portal = at("feature/next", "more/*.yaml");
    assert!(
        portal.has("component:default/worker-next"),
        "{}",
        portal.dump()
    );
    assert!(!portal.has("component:default/worker"));
    // An annotated tag: the first commit, whose guide says "First".
    let portal = at("v1", "more/worker.yaml");
    assert!(portal.has("component:default/worker"), "{}", portal.dump());
    // A commit id.
    let portal = at(&first, "more/worker.yaml");
    assert!(portal.has("component:default/worker"), "{}", portal.dump());
    // No ref: the default branch; no path: catalog-info.yaml.
    org.config(
        "    - type: git\n      target: https://github.com/acme/payments.git\n",
        "",
    );
    let portal = org.load();
    assert!(
        portal.has("component:default/payments"),
        "{}",
        portal.dump()
    );
    assert!(portal.has("component:default/worker"));
    // A local path works as a clone URL too.
    org.config(
        &format!(
            "    - type: git\n      target: {}\n      path: more/\n",
            org.bare("payments").display()
        ),
        "",
    );
    let portal = org.load();
    assert!(
        !portal.has("component:default/worker"),
        "a folder holds no catalog-info.yaml"
    );
    assert_eq!(
        portal.with_code(Code::LocationGlobNoMatch).len(),
        1,
        "{}",
        portal.dump()
    );
}

// A ref that is not there, and a URL of no known forge shape.
#[test]
fn bad_refs_and_unknown_urls_are_diagnostics() {
    let org = Org::new();
    org.config(
        "    - type: url\n      target: https://github.com/acme/payments/blob/nope/catalog-info.yaml\n    - type: url\n      target: https://git.example.com/acme/payments/blob/main/catalog-info.yaml\n    - type: url\n      target: https://github.com/acme/teams/blob/main/teams.yaml\n",
        "",
    );
    let portal = org.load();
    let failed = portal.with_code(Code::RepoFetchFailed);
    assert_eq!(failed.len(), 1, "{}", portal.dump());
    assert!(failed[0].message.contains("nope"), "{}", failed[0].message);
    assert_eq!(portal.location(failed[0]), "backlot.yaml:4");
    let unknown = portal.with_code(Code::RepoUnknownUrl);
    assert_eq!(unknown.len(), 1, "{}", portal.dump());
    assert!(unknown[0].message.contains("git.example.com"));
    assert!(
        unknown[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("integrations"),
        "the help says how to declare the host"
    );
    // The rest of the portal is built.
    assert!(portal.has("group:default/team-a"));
}

// Every forge shape Backlot reads, end to end: declared hosts for the
// self-hosted forges, each clone URL rewritten to a bare repository.
#[test]
fn every_forge_s_url_shape_reads_its_repository() {
    let org = Org::new();
    let root = org.root();
    let publish = |dir: &str, name: &str| {
        let repo = Repo::with_files(
            &root.join("work").join(name),
            &[("catalog/catalog-info.yaml", &component(name))],
        );
        repo.bare_clone(&root.join("forges").join(dir))
    };
    publish("gitlab/grp/sub/proj.git", "on-gitlab");
    publish("bitbucket-cloud/ws/repo.git", "on-bitbucket-cloud");
    publish("bitbucket-server/PROJ/repo.git", "on-bitbucket-server");
    publish("azure/repo", "on-azure");
    publish("gitea/owner/repo.git", "on-gitea");
    let forges = root.join("forges");
    let url = |dir: &str| format!("file://{}/{dir}/", forges.display());
    let text = format!(
        "catalog:
  locations:
    - {{ type: url, target: 'https://gitlab.com/grp/sub/proj/-/blob/main/catalog/catalog-info.yaml' }}
    - {{ type: url, target: 'https://bitbucket.org/ws/repo/src/main/catalog/catalog-info.yaml' }}
    - {{ type: url, target: 'https://bitbucket.example.com/projects/PROJ/repos/repo/browse/catalog/catalog-info.yaml?at=refs%2Fheads%2Fmain' }}
    - {{ type: url, target: 'https://dev.azure.com/org/proj/_git/repo?path=/catalog/catalog-info.yaml&version=GBmain' }}
    - {{ type: url, target: 'https://gitea.example.com/owner/repo/src/branch/main/catalog/catalog-info.yaml' }}
integrations:
  bitbucketServer:
    - host: bitbucket.example.com
  gitea:
    - host: gitea.example.com
git:
  cache: {}
  rewrite:
    - {{ from: 'https://gitlab.com/', to: '{}' }}
    - {{ from: 'https://bitbucket.org/', to: '{}' }}
    - {{ from: 'https://bitbucket.example.com/scm/', to: '{}' }}
    - {{ from: 'https://dev.azure.com/org/proj/_git/', to: '{}' }}
    - {{ from: 'https://gitea.example.com/', to: '{}' }}
",
        org.cache().display(),
        url("gitlab"),
        url("bitbucket-cloud"),
        url("bitbucket-server"),
        url("azure"),
        url("gitea"),
    );
    std::fs::write(org.portal().join("backlot.yaml"), text).unwrap();
    let portal = org.load();
    for name in [
        "on-gitlab",
        "on-bitbucket-cloud",
        "on-bitbucket-server",
        "on-azure",
        "on-gitea",
    ] {
        assert!(
            portal.has(&format!("component:default/{name}")),
            "{name}:\n{}",
            portal.dump()
        );
    }
    // Only the owner, which no repository defines, is missing.
    assert!(
        portal
            .diagnostics()
            .iter()
            .all(|d| d.code == Code::RelationDanglingRef),
        "{}",
        portal.dump()
    );
    assert_eq!(
        annotation(
            &portal,
            "component:default/on-gitlab",
            "backstage.io/edit-url"
        ),
        Some("https://gitlab.com/grp/sub/proj/-/edit/main/catalog/catalog-info.yaml")
    );
}

// Confinement inside repositories: relative targets stay in the
// repository, `file` targets are refused there, symlinks out of the
// repository and submodules are not followed.
#[test]
fn nothing_outside_a_repository_is_read() {
    let org = Org::new();
    let secret = org.root().join("secret.yaml");
    std::fs::write(&secret, component("secret")).unwrap();
    org.payments.write(
        "catalog-info.yaml",
        &format!(
            "{PAYMENTS}---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: escapes\nspec:\n  targets:\n    - ../../../secret.yaml\n    - ./links/*.yaml\n    - ./vendor/lib/catalog-info.yaml\n---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: local-file\nspec:\n  type: file\n  target: {}\n",
            secret.display()
        ),
    );
    org.payments
        .symlink("links/secret.yaml", secret.to_str().unwrap());
    org.payments
        .symlink("links/up.yaml", "../../../../secret.yaml");
    org.payments
        .symlink("links/inside.yaml", "../more/worker.yaml");
    org.payments.gitlink(
        "vendor/lib",
        "https://github.com/acme/lib.git",
        &"1".repeat(40),
    );
    org.payments.commit("escapes");
    org.payments.push(&org.bare("payments"), "main");
    org.url_location();
    let portal = org.load();
    assert!(!portal.has("component:default/secret"), "{}", portal.dump());
    assert!(
        portal.has("component:default/worker"),
        "a link inside is followed"
    );
    assert_eq!(
        portal.with_code(Code::LocationInvalidTarget).len(),
        1,
        "{}",
        portal.dump()
    );
    assert_eq!(
        portal.with_code(Code::LocationNotAllowed).len(),
        1,
        "{}",
        portal.dump()
    );
    let outside = portal.with_code(Code::FileOutsideRoot);
    assert_eq!(outside.len(), 2, "{}", portal.dump());
    let unreadable = portal.with_code(Code::FileUnreadable);
    assert!(
        unreadable.iter().any(|d| d.message.contains("submodule")),
        "{}",
        portal.dump()
    );
}

// spec/catalog.md §9: a URL placeholder is read from a repository of the
// catalog at the crawled commit; other URLs stay as the value; an entity
// read from a repository may only read its own repository.
#[test]
fn placeholders_read_urls_from_repositories_of_the_catalog() {
    let org = Org::new();
    let api = |name: &str, url: &str| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: {name}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: {url}\n"
        )
    };
    std::fs::write(
        org.portal().join("apis.yaml"),
        [
            api(
                "from-catalog",
                "https://github.com/acme/payments/blob/main/openapi.yaml",
            ),
            api(
                "elsewhere",
                "https://github.com/other/specs/blob/main/openapi.yaml",
            ),
        ]
        .join("---\n"),
    )
    .unwrap();
    org.teams.write(
        "apis.yaml",
        &api(
            "other-repo",
            "https://github.com/acme/payments/blob/main/openapi.yaml",
        ),
    );
    org.teams.write(
        "teams.yaml",
        &format!("{TEAMS}---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: team-apis\nspec:\n  target: ./apis.yaml\n"),
    );
    org.teams.commit("apis");
    org.teams.push(&org.bare("teams"), "main");
    org.config(
        "    - type: file\n      target: apis.yaml\n    - type: url\n      target: https://github.com/acme/payments/blob/main/catalog-info.yaml\n",
        "",
    );
    let portal = org.load();
    let definition = |name: &str| {
        portal
            .loaded
            .catalog
            .get(&format!("api:default/{name}"))
            .and_then(|e| {
                e.root
                    .get("spec")?
                    .get("definition")?
                    .as_str()
                    .map(str::to_string)
            })
    };
    assert_eq!(
        definition("from-catalog").as_deref(),
        Some(OPENAPI),
        "{}",
        portal.dump()
    );
    assert_eq!(
        definition("elsewhere").as_deref(),
        Some("https://github.com/other/specs/blob/main/openapi.yaml")
    );
    assert_eq!(
        portal.with_code(Code::PlaceholderUnsupported).len(),
        1,
        "{}",
        portal.dump()
    );
    // Backstage's same-repository rule fails the entity.
    assert!(!portal.has("api:default/other-repo"));
    let failed = portal.with_code(Code::PlaceholderReadFailed);
    assert_eq!(failed.len(), 1, "{}", portal.dump());
    assert!(failed[0].message.contains("same repository"));
}

// TechDocs from a repository: `dir:` next to a descriptor read from a
// forge, and `url:` with a folder URL; pages are dated from the
// repository's history and link to the forge for editing.
#[test]
fn docs_are_read_from_repositories() {
    let org = Org::new();
    std::fs::write(
        org.portal().join("site.yaml"),
        component("handbook").replace(
            "  name: handbook\n",
            "  name: handbook\n  annotations:\n    backstage.io/techdocs-ref: url:https://github.com/acme/payments/tree/main/\n",
        ),
    )
    .unwrap();
    org.config(
        "    - type: file\n      target: site.yaml\n    - type: url\n      target: https://github.com/acme/payments/blob/main/catalog-info.yaml\n",
        "",
    );
    let portal = org.load();
    assert!(portal.diagnostics().is_empty(), "{}", portal.dump());
    let site = portal.render();
    for docs in ["payments", "handbook"] {
        let guide = site
            .get(&format!("docs/default/component/{docs}/guide/index.html"))
            .unwrap_or_else(|| panic!("{docs}'s guide page"));
        let html = String::from_utf8_lossy(guide);
        assert!(html.contains("Second version."), "{docs}: {html}");
        // Last changed by the second commit, an hour after the first.
        let date = "2026-01-31T13:00:00";
        assert!(html.contains(date), "{docs}: dated {date}");
        assert!(
            html.contains("https://github.com/acme/payments/edit/main/docs/guide.md"),
            "{docs}: edit link"
        );
    }
}

/// The files of a built site (relative path → bytes), for comparing builds.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn guide_of(site: &Path) -> String {
    std::fs::read_to_string(site.join("docs/default/component/payments/guide/index.html"))
        .unwrap_or_default()
}

// backlot.lock: a plain build writes it; `--locked` builds exactly its
// commits, even after the branch moved; without a lock, or for a
// repository the lock does not name, `--locked` stops with exit 2.
#[test]
fn the_lock_file_pins_the_commits() {
    let org = Org::new();
    org.url_location();
    let lock_path = org.portal().join("backlot.lock");
    let out = org.run(&["build", "--locked", "--out", "../site"]);
    assert_eq!(out.status.code(), Some(2), "no lock yet: {}", stderr(&out));
    assert!(stderr(&out).contains("backlot.lock"));
    let out = org.run(&["build", "--out", "../site"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lock = std::fs::read_to_string(&lock_path).unwrap();
    let head = org.payments.head();
    assert!(lock.contains(&format!("commit: \"{head}\"")), "{lock}");
    assert!(lock.contains("url: \"github.com/acme/teams\""), "{lock}");
    // The remote moves on.
    org.payments
        .write("docs/guide.md", "# Guide\n\nThird version.\n");
    org.payments.commit("third");
    org.payments.push(&org.bare("payments"), "main");
    let out = org.run(&["build", "--locked", "--out", "../locked"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(guide_of(&org.root().join("locked")).contains("Second version."));
    assert_eq!(
        std::fs::read_to_string(&lock_path).unwrap(),
        lock,
        "--locked leaves the lock"
    );
    // A locked build from an empty cache fetches the locked commit.
    std::fs::remove_dir_all(org.cache()).unwrap();
    let out = org.run(&["build", "--locked", "--out", "../locked-again"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        first_difference(&org.root().join("locked"), &org.root().join("locked-again")),
        None
    );
    // A plain build takes the new commit and updates the lock.
    let out = org.run(&["build", "--out", "../site"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(guide_of(&org.root().join("site")).contains("Third version."));
    assert_ne!(std::fs::read_to_string(&lock_path).unwrap(), lock);
    // A repository the lock does not name.
    org.config(
        "    - type: url\n      target: https://github.com/acme/payments/blob/main/catalog-info.yaml\n    - type: git\n      target: https://github.com/acme/payments.git\n      ref: v1\n      path: more/worker.yaml\n",
        "",
    );
    let out = org.run(&["build", "--locked", "--out", "../other"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not in backlot.lock"),
        "{}",
        stderr(&out)
    );
    assert!(!org.root().join("other").exists(), "nothing was published");
}

// `--offline` builds from the cache alone, also when the remote is gone;
// without a cache it reports the repository and builds the rest.
#[test]
fn offline_builds_read_the_cache_only() {
    let org = Org::new();
    org.url_location();
    let out = org.run(&["build", "--out", "../online"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_dir_all(org.root().join("forge")).unwrap();
    let out = org.run(&["build", "--offline", "--out", "../offline"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        first_difference(&org.root().join("online"), &org.root().join("offline")),
        None
    );
    std::fs::remove_dir_all(org.cache()).unwrap();
    let out = org.run(&[
        "build",
        "--offline",
        "--out",
        "../empty",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("repo/fetch-failed"), "{stdout}");
    assert!(stdout.contains("--offline"), "{stdout}");
}

// Failure is contained: an unreachable remote with a cached commit builds
// that commit (repo/cached); a damaged cache is fetched again; the rest
// of the portal always builds.
#[test]
fn failures_are_contained() {
    let org = Org::new();
    std::fs::write(org.portal().join("local.yaml"), component("local")).unwrap();
    org.config(
        "    - type: file\n      target: local.yaml\n    - type: url\n      target: https://github.com/acme/payments/blob/main/catalog-info.yaml\n",
        "",
    );
    assert!(org.load().has("component:default/worker"));
    // The remote disappears: the cached commit is built, with a warning.
    let moved = org.root().join("forge-away");
    std::fs::rename(org.root().join("forge"), &moved).unwrap();
    let portal = org.load();
    assert!(portal.has("component:default/worker"), "{}", portal.dump());
    let cached = portal.with_code(Code::RepoCached);
    assert_eq!(cached.len(), 2, "both repositories: {}", portal.dump());
    assert!(cached.iter().all(|d| d.message.contains("cached commit")));
    std::fs::rename(&moved, org.root().join("forge")).unwrap();
    // A cache damaged beyond use (as by a disk error, or a build killed
    // while it was created) is set aside and fetched again.
    for entry in std::fs::read_dir(org.cache()).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "git") {
            std::fs::write(entry.path().join("HEAD"), "garbage").unwrap();
            std::fs::remove_dir_all(entry.path().join("objects")).unwrap();
        }
    }
    let portal = org.load();
    assert!(portal.has("component:default/worker"), "{}", portal.dump());
    assert!(portal.diagnostics().is_empty(), "{}", portal.dump());
    // A repository without the descriptor a `git` location asks for.
    let empty = Repo::with_files(
        &org.root().join("work/empty"),
        &[("README.md", "# Empty\n")],
    );
    org.forge.publish("acme", "empty", &empty);
    org.config(
        "    - type: file\n      target: local.yaml\n    - type: git\n      target: https://github.com/acme/empty.git\n    - type: url\n      target: https://github.com/acme/empty/tree/main/\n",
        "",
    );
    let portal = org.load();
    assert!(portal.has("component:default/local"));
    assert_eq!(
        portal.with_code(Code::FileNotFound).len(),
        1,
        "{}",
        portal.dump()
    );
    assert_eq!(
        portal.with_code(Code::LocationGlobNoMatch).len(),
        1,
        "{}",
        portal.dump()
    );
    org.url_location();
    std::fs::write(
        org.portal().join("backlot.yaml"),
        std::fs::read_to_string(org.portal().join("backlot.yaml"))
            .unwrap()
            .replace(
                "  locations:\n",
                "  locations:\n    - type: file\n      target: local.yaml\n",
            ),
    )
    .unwrap();
    // No cache and no remote: an error naming the repository, and the
    // local entity is there.
    std::fs::remove_dir_all(org.cache()).unwrap();
    std::fs::rename(org.root().join("forge"), &moved).unwrap();
    let portal = org.load();
    assert!(portal.has("component:default/local"));
    let failed = portal.with_code(Code::RepoFetchFailed);
    assert_eq!(failed.len(), 1, "{}", portal.dump());
    assert!(failed[0].message.contains("github.com/acme/payments"));
}

// A repository larger than `git.max_fetch_mb` is not fetched.
#[test]
fn a_huge_repository_is_refused() {
    let org = Org::new();
    let big = incompressible(3_000_000);
    org.payments.write("big.txt", &big);
    org.payments.commit("big");
    org.payments.push(&org.bare("payments"), "main");
    org.url_location();
    let text = std::fs::read_to_string(org.portal().join("backlot.yaml")).unwrap();
    std::fs::write(
        org.portal().join("backlot.yaml"),
        text.replace("git:\n", "git:\n  max_fetch_mb: 1\n"),
    )
    .unwrap();
    let portal = org.load();
    let failed = portal.with_code(Code::RepoFetchFailed);
    assert_eq!(failed.len(), 1, "{}", portal.dump());
    assert!(failed[0].message.contains("1 MiB"), "{}", failed[0].message);
}

/// backlot.yaml for the payments repository on a server at `url`, with the
/// token read from `$BACKLOT_TEST_TOKEN`.
fn served_config(org: &Org, server: &GitHttpServer, extra: &str) {
    let text = format!(
        "catalog:\n  locations:\n    - type: url\n      target: https://github.com/acme/payments/blob/main/more/worker.yaml\ngit:\n  cache: {}\n  rewrite:\n    - from: https://github.com/acme/\n      to: {}acme/\n  auth:\n    - host: 127.0.0.1:{}\n      token: ${{BACKLOT_TEST_TOKEN}}\n{extra}",
        org.cache().display(),
        server.url(),
        server.port(),
    );
    std::fs::write(org.portal().join("backlot.yaml"), text).unwrap();
}

/// Every file under `dir`, as text, for looking for a secret.
fn all_text(dir: &Path) -> String {
    let mut text = String::new();
    if dir.exists() {
        for (path, bytes) in files(dir) {
            text.push_str(&path);
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    text
}

/// An organisation behind a smart-HTTP server that demands `token`, and
/// backlot.yaml reading it from `$BACKLOT_TEST_TOKEN`.
fn token_server(token: &str) -> (Org, GitHttpServer) {
    let org = Org::new();
    let server = GitHttpServer::start(
        &org.forge.root,
        ServerOptions {
            token: Some(token.to_string()),
            ..Default::default()
        },
    );
    served_config(&org, &server, "");
    (org, server)
}

// Authentication against a real smart-HTTP server that demands a token:
// the build succeeds with it, and the token appears nowhere (output,
// diagnostics in both formats, the lock, the site). Without it, or with a
// wrong one, the repository fails and the rest is reported.
#[test]
fn a_token_opens_a_private_repository_and_is_never_printed() {
    let token = "s3cret-token-0123456789";
    let (org, server) = token_server(token);
    let build = |token: Option<&str>, format: &str| {
        let mut cmd = backlot(&org.portal());
        cmd.args(["build", "--out", "../site", "--format", format]);
        match token {
            Some(t) => cmd.env("BACKLOT_TEST_TOKEN", t),
            None => cmd.env_remove("BACKLOT_TEST_TOKEN"),
        };
        cmd.output().unwrap()
    };
    let out = build(Some(token), "human");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        guide_of(&org.root().join("site")).is_empty(),
        "only worker.yaml is read"
    );
    assert!(
        org.root()
            .join("site/catalog/default/component/worker/index.html")
            .exists()
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.authorized && r.status == 200)
    );
    // One connection lists the refs and downloads the pack: one
    // advertisement answered, one pack.
    let answered = |suffix: &str| {
        server
            .requests()
            .iter()
            .filter(|r| r.status == 200 && r.path.ends_with(suffix))
            .count()
    };
    assert_eq!(answered("/info/refs"), 1, "{:?}", server.requests());
    assert_eq!(answered("/git-upload-pack"), 1, "{:?}", server.requests());
    let mut seen = String::new();
    seen.push_str(&String::from_utf8_lossy(&out.stdout));
    seen.push_str(&stderr(&out));
    // Wrong and missing tokens fail the repository, visibly.
    for (given, format) in [(Some("wrong-token-value"), "json"), (None, "human")] {
        std::fs::remove_dir_all(org.cache()).unwrap();
        let out = build(given, format);
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(all.contains("repo/fetch-failed"), "{all}");
        if given.is_none() {
            assert!(
                all.contains("BACKLOT_TEST_TOKEN"),
                "names the variable: {all}"
            );
        }
        assert!(!all.contains("wrong-token-value"), "{all}");
        seen.push_str(&all);
    }
    seen.push_str(&all_text(&org.root().join("site")));
    seen.push_str(&std::fs::read_to_string(org.portal().join("backlot.lock")).unwrap());
    assert!(!seen.contains(token), "the token leaked");
}

// Without a configured token, git's credential helpers are asked, as git
// asks them.
#[test]
fn git_credential_helpers_are_asked() {
    let token = "helper-token-0123456789";
    let (org, _server) = token_server(token);
    let text = std::fs::read_to_string(org.portal().join("backlot.yaml")).unwrap();
    let without_auth = text.split("  auth:").next().unwrap().to_string();
    std::fs::write(org.portal().join("backlot.yaml"), without_auth).unwrap();
    // libgit2 reads the user's configuration from $HOME/.gitconfig.
    let home = org.root().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let gitconfig = home.join(".gitconfig");
    std::fs::write(
        &gitconfig,
        format!(
            "[credential]\n\thelper = \"!f() {{ echo username=ci; echo password={token}; }}; f\"\n"
        ),
    )
    .unwrap();
    let out = backlot(&org.portal())
        .args(["build", "--out", "../site"])
        .env("HOME", &home)
        .env_remove("XDG_CONFIG_HOME")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains(token));
    assert!(
        org.root()
            .join("site/catalog/default/component/worker/index.html")
            .exists()
    );
}

// A token written into a URL is never printed either.
#[test]
fn credentials_in_urls_are_redacted() {
    let org = Org::new();
    org.config(
        "    - type: git\n      target: https://bot:hunter2-secret@git.invalid/acme/payments.git\n",
        "",
    );
    let out = org.run(&["build", "--out", "../site", "--format", "json"]);
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("repo/fetch-failed"), "{all}");
    let site = all_text(&org.root().join("site"));
    assert!(
        site.contains("git.invalid"),
        "the generated Location shows the URL"
    );
    for text in [&all, &site] {
        assert!(!text.contains("hunter2"), "leaked: {text}");
    }
}

/// An organisation whose payments repository holds a file large enough
/// for its pack to stall, behind a server that stops sending packs after
/// 16 KiB; `extra` goes into the `git:` settings.
fn stalled_server(extra: &str) -> (Org, GitHttpServer) {
    let org = Org::new();
    org.payments.write("big.txt", &incompressible(400_000));
    org.payments.commit("big");
    org.payments.push(&org.bare("payments"), "main");
    let stalled = GitHttpServer::start(
        &org.forge.root,
        ServerOptions {
            stall_after: Some(16 * 1024),
            ..Default::default()
        },
    );
    served_config(&org, &stalled, extra);
    (org, stalled)
}

// A fetch killed midway (the server stops sending the pack; the build is
// killed) leaves a cache the next build uses without trouble.
#[test]
fn a_fetch_killed_midway_is_followed_by_a_good_build() {
    let (org, stalled) = stalled_server("");
    let mut cmd = backlot(&org.portal());
    cmd.args(["build", "--out", "../site"]);
    let mut running = Running::spawn(cmd);
    // Wait until the pack is being sent, then kill the build.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !stalled
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path.ends_with("git-upload-pack"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the build never fetched"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        running.wait_for(Duration::from_millis(10)).is_none(),
        "still fetching"
    );
    drop(running);
    drop(stalled);
    assert!(!org.root().join("site").exists(), "nothing was published");
    let good = GitHttpServer::start(&org.forge.root, ServerOptions::default());
    served_config(&org, &good, "");
    let out = org.run(&["build", "--out", "../site"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        org.root()
            .join("site/catalog/default/component/worker/index.html")
            .exists()
    );
}

// A remote that never answers costs `git.timeout`, not the build.
#[test]
fn a_stalled_remote_is_given_up_after_the_timeout() {
    let (org, stalled) = stalled_server("  timeout: 2\n");
    let started = std::time::Instant::now();
    let out = org.run(&["build", "--out", "../site"]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("longer than 2 s"), "{}", stderr(&out));
    drop(stalled);
}

// Reuse: a second build at the same commits reads no git objects, a build
// after one repository changed reads only that repository's, and each
// gives what a clean build gives.
#[test]
fn unchanged_repositories_are_not_read_again() {
    use backlot::crawl::remote::{Mode, Repos, Settings};
    let org = Org::new();
    org.url_location();
    let read = || {
        let (config, sources, file) =
            backlot::pipeline::read_config(&org.portal().join("backlot.yaml"))
                .unwrap()
                .unwrap();
        let repos = Repos::new(Settings::from_config(&config, Mode::Online, None));
        let loaded = backlot::pipeline::load_with(config, sources, Some(file), &repos);
        repos.save();
        let reads: Vec<(String, usize)> = repos
            .trees()
            .iter()
            .map(|t| (t.origin.display.clone(), t.object_reads()))
            .collect();
        let site = backlot::cli::render_loaded(&loaded).unwrap();
        let mut pages: Vec<(String, Vec<u8>)> = site
            .iter()
            .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
            .collect();
        pages.sort();
        (reads, pages)
    };
    let (first, site) = read();
    assert!(first.iter().all(|(_, n)| *n > 0), "{first:?}");
    let (second, again) = read();
    assert_eq!(second.len(), 2);
    assert!(second.iter().all(|(_, n)| *n == 0), "{second:?}");
    assert!(site == again, "the same site");
    // One repository gains a commit.
    org.teams.write(
        "teams.yaml",
        &TEAMS.replace(
            "children: []",
            "children: []\n  profile:\n    displayName: Team A",
        ),
    );
    org.teams.commit("display name");
    org.teams.push(&org.bare("teams"), "main");
    let (third, changed) = read();
    let reads = |name: &str| third.iter().find(|(d, _)| d.ends_with(name)).unwrap().1;
    assert_eq!(reads("payments"), 0, "{third:?}");
    assert!(reads("teams") > 0, "{third:?}");
    // The memo of the commit no build reads any more is gone.
    let memos: Vec<String> = std::fs::read_dir(org.cache())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("teams"))
        .filter_map(|e| std::fs::read_dir(e.path().join("backlot")).ok())
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(memos.len(), 1, "{memos:?}");
    // A clean build (empty cache) gives the same site.
    std::fs::remove_dir_all(org.cache()).unwrap();
    let (_, clean) = read();
    assert!(changed == clean, "the same site as a clean build");
    assert!(changed != site);
}

/// The commit time `git log` shows, to check a date.
#[allow(dead_code)]
fn commit_time(dir: &Path) -> i64 {
    let out = Command::new("git")
        .args(["log", "-1", "--format=%ct"])
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

// The summary line says how many repositories were read and fetched.
#[test]
fn the_summary_counts_repositories() {
    let org = Org::new();
    org.url_location();
    let out = org.run(&["build", "--out", "../site"]);
    assert!(
        stderr(&out).contains("from 2 repositories (2 fetched)"),
        "{}",
        stderr(&out)
    );
    let out = org.run(&["build", "--out", "../site"]);
    assert!(
        stderr(&out).contains("from 2 repositories into"),
        "{}",
        stderr(&out)
    );
    let json: Vec<Json> = String::from_utf8_lossy(&org.run(&["check", "--format", "json"]).stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(!json.is_empty());
}

// `serve` reads repositories too; a rebuild after an edit does not ask
// the remote again (refs are resolved once a session).
#[test]
fn serve_builds_from_repositories_and_asks_the_remote_once() {
    let org = Org::new();
    let server = GitHttpServer::start(&org.forge.root, ServerOptions::default());
    served_config(&org, &server, "");
    let text = std::fs::read_to_string(org.portal().join("backlot.yaml")).unwrap();
    std::fs::write(
        org.portal().join("backlot.yaml"),
        text.replace(
            "  locations:\n",
            "  locations:\n    - type: file\n      target: local.yaml\n",
        ),
    )
    .unwrap();
    std::fs::write(org.portal().join("local.yaml"), component("local")).unwrap();
    let served = crate::support::serve(&org.portal());
    let (status, body) =
        crate::support::http_get(&served.addr, "/catalog/default/component/worker/");
    assert_eq!(status, 200, "{body}");
    let asked = server.requests().len();
    assert!(asked > 0);
    std::fs::write(
        org.portal().join("local.yaml"),
        component("local").replace("lifecycle: production", "lifecycle: experimental"),
    )
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = crate::support::http_get(&served.addr, "/catalog/default/component/local/");
        if body.contains("experimental") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never rebuilt");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        server.requests().len(),
        asked,
        "the rebuild asked the remote"
    );
}

// HTTPS certificates are verified: a server whose certificate no
// authority signed is refused before anything is sent, whatever the
// location asks.
#[test]
fn an_untrusted_https_certificate_is_refused() {
    let org = Org::new();
    let root = org.root();
    let (key, cert) = (root.join("key.pem"), root.join("cert.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new("openssl");
    server
        .args(["s_server", "-quiet", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key);
    let _server = Running::spawn(server);
    // Until it listens.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "openssl s_server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    org.config(
        &format!("    - type: git\n      target: https://127.0.0.1:{port}/acme/payments.git\n"),
        "",
    );
    let portal = org.load();
    let failed = portal.with_code(Code::RepoFetchFailed);
    assert_eq!(failed.len(), 1, "{}", portal.dump());
    assert!(
        failed[0].message.to_lowercase().contains("certificate"),
        "{}",
        failed[0].message
    );
}

/// A free port on 127.0.0.1 (bound, then released for a server to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs a command that must succeed, with a hint when it is missing.
fn run(cmd: &mut Command, hint: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} cannot run ({e}); {hint}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

// SSH: keys come from the SSH agent, and the server's host key must be in
// known_hosts, else the connection is refused. A real sshd on 127.0.0.1
// serves the repository (`.ci/run` installs openssh-server).
#[test]
fn ssh_uses_the_agent_and_checks_the_host_key() {
    let org = Org::new();
    let root = org.root();
    let hint = "install openssh-server and openssh-client (.ci/run does)";
    for name in ["host_key", "user_key"] {
        run(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(root.join(name)),
            hint,
        );
    }
    std::fs::copy(root.join("user_key.pub"), root.join("authorized_keys")).unwrap();
    let user = String::from_utf8(run(&mut Command::new("id"), hint).stdout)
        .unwrap()
        .split(['(', ')'])
        .nth(3)
        .unwrap()
        .to_string();
    let port = free_port();
    // sshd's privilege separation folder (it runs as root here).
    let _ = std::fs::create_dir_all("/run/sshd");
    std::fs::write(
        root.join("sshd_config"),
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\nStrictModes no\nUsePAM no\nPidFile {}\n",
            root.join("host_key").display(),
            root.join("authorized_keys").display(),
            root.join("sshd.pid").display(),
        ),
    )
    .unwrap();
    let mut sshd = Command::new("/usr/sbin/sshd");
    sshd.arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(root.join("sshd_config"));
    let _sshd = Running::spawn(sshd);
    let socket = root.join("agent.sock");
    let mut agent = Command::new("ssh-agent");
    agent.arg("-D").arg("-a").arg(&socket);
    let _agent = Running::spawn(agent);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !socket.exists() || std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "sshd or ssh-agent did not start; {hint}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    run(
        Command::new("ssh-add")
            .arg("-q")
            .arg(root.join("user_key"))
            .env("SSH_AUTH_SOCK", &socket),
        hint,
    );
    let home = root.join("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    let host_key = std::fs::read_to_string(root.join("host_key.pub")).unwrap();
    let known = format!(
        "[127.0.0.1]:{port} {}\n",
        host_key
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    );
    org.config(
        &format!(
            "    - type: git\n      target: ssh://{user}@127.0.0.1:{port}{}\n      path: more/worker.yaml\n",
            org.bare("payments").display()
        ),
        "",
    );
    let build = || {
        let out = backlot(&org.portal())
            .args(["check"])
            .env("HOME", &home)
            .env("SSH_AUTH_SOCK", &socket)
            .output()
            .unwrap();
        (out.status.code(), stderr(&out))
    };
    // An unknown host: refused.
    let (code, text) = build();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("hostkey"), "{text}");
    // A known host: the agent's key is accepted.
    std::fs::write(home.join(".ssh/known_hosts"), known).unwrap();
    let (code, text) = build();
    assert!(text.contains("1 fetched"), "{text}");
    assert_eq!(code, Some(0), "{text}");
}
