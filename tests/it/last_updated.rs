//! "Last updated" of TechDocs pages, from real repositories made with
//! git2 (not the git CLI, which a test machine may lack or configure).

use std::path::Path;

use git2::{Repository, Signature, Time};

use crate::support::{Portal, tree};

const DESCRIPTOR: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: user:guest\n";

/// 2026-01-31T12:00:00Z and 2028-02-29T08:30:00Z.
const FIRST: i64 = 1_769_860_800;
const SECOND: i64 = 1_835_425_800;

/// Commits `paths` (relative to the work tree, already written) at `time`.
fn commit(repo: &Repository, paths: &[&str], time: i64) {
    let mut index = repo.index().unwrap();
    for path in paths {
        index.add_path(Path::new(path)).unwrap();
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let who = Signature::new("Dev", "dev@example.com", &Time::new(time, 60)).unwrap();
    let parent = repo.head().ok().map(|h| h.peel_to_commit().unwrap());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &who, &who, "docs", &tree, &parents)
        .unwrap();
}

/// The `<p class="docs-updated">` of each page, or "-" when there is none.
fn shown(portal: &Portal, pages: &[&str]) -> Vec<String> {
    let site = portal.render();
    pages
        .iter()
        .map(|page| {
            let path = format!("docs/default/component/svc/{page}");
            let html = String::from_utf8_lossy(
                site.get(&path)
                    .unwrap_or_else(|| panic!("{path} missing\n{}", portal.dump())),
            )
            .into_owned();
            match html.find("<p class=\"docs-updated\">") {
                Some(at) => html[at..].split_once("</p>").unwrap().0.to_string() + "</p>",
                None => "-".to_string(),
            }
        })
        .collect()
}

const PAGES: &[&str] = &[
    "index.html",
    "setup/index.html",
    "edited/index.html",
    "draft/index.html",
];

/// A portal whose `repos/svc` is a repository: index.md and edited.md
/// committed first, setup.md later; then edited.md changed and draft.md
/// written without committing either.
fn portal_with_history(config: &str) -> tempfile::TempDir {
    let dir = tree(&[
        ("backlot.yaml", config),
        ("repos/svc/catalog-info.yaml", DESCRIPTOR),
        ("repos/svc/mkdocs.yml", "site_name: Svc\n"),
        ("repos/svc/docs/index.md", "# Home\n"),
        ("repos/svc/docs/edited.md", "# Edited\n"),
    ]);
    let work = dir.path().join("repos/svc");
    let repo = Repository::init(&work).unwrap();
    commit(
        &repo,
        &[
            "catalog-info.yaml",
            "mkdocs.yml",
            "docs/index.md",
            "docs/edited.md",
        ],
        FIRST,
    );
    std::fs::write(work.join("docs/setup.md"), "# Setup\n").unwrap();
    commit(&repo, &["docs/setup.md"], SECOND);
    std::fs::write(work.join("docs/edited.md"), "# Edited\n\nNot committed.\n").unwrap();
    std::fs::write(work.join("docs/draft.md"), "# Draft\n").unwrap();
    dir
}

// Issue #3: "last updated, when known".
#[test]
fn each_page_shows_when_its_file_was_last_committed() {
    let dir = portal_with_history(
        "catalog:\n  locations:\n    - { type: dir, target: repos }\ndocs:\n  cache: false\n",
    );
    let portal = Portal::load(dir.path());
    assert_eq!(
        shown(&portal, PAGES),
        [
            "<p class=\"docs-updated\">Last updated: <time datetime=\"2026-01-31T12:00:00Z\">2026-01-31</time></p>",
            "<p class=\"docs-updated\">Last updated: <time datetime=\"2028-02-29T08:30:00Z\">2028-02-29</time></p>",
            // Changed since its commit, and never committed: the history
            // says nothing about this text.
            "-",
            "-",
        ]
    );
    // The same repository state gives the same pages.
    let again = Portal::load(dir.path());
    assert_eq!(shown(&again, PAGES), shown(&portal, PAGES));
}

#[test]
fn last_updated_can_be_switched_off() {
    let dir = portal_with_history(
        "catalog:\n  locations:\n    - { type: dir, target: repos }\ndocs:\n  cache: false\n  last_updated: false\n",
    );
    let portal = Portal::load(dir.path());
    assert_eq!(shown(&portal, PAGES), ["-", "-", "-", "-"]);
}

// Backlot reads nothing outside its crawl roots, git history included.
#[test]
fn a_repository_above_the_crawl_roots_is_ignored() {
    let dir = tree(&[
        (
            "portal/backlot.yaml",
            "catalog:\n  locations:\n    - { type: dir, target: repos }\ndocs:\n  cache: false\n",
        ),
        ("portal/repos/svc/catalog-info.yaml", DESCRIPTOR),
        ("portal/repos/svc/mkdocs.yml", "site_name: Svc\n"),
        ("portal/repos/svc/docs/index.md", "# Home\n"),
    ]);
    let repo = Repository::init(dir.path()).unwrap();
    commit(
        &repo,
        &[
            "portal/backlot.yaml",
            "portal/repos/svc/catalog-info.yaml",
            "portal/repos/svc/mkdocs.yml",
            "portal/repos/svc/docs/index.md",
        ],
        FIRST,
    );
    let portal = Portal::load(&dir.path().join("portal"));
    assert_eq!(shown(&portal, &["index.html"]), ["-"]);
    // With the repository's work tree as the crawl root, the same page is dated.
    std::fs::write(
        dir.path().join("backlot.yaml"),
        "catalog:\n  locations:\n    - { type: dir, target: portal/repos }\ndocs:\n  cache: false\n",
    )
    .unwrap();
    let portal = Portal::load(dir.path());
    assert_eq!(
        shown(&portal, &["index.html"]),
        [
            "<p class=\"docs-updated\">Last updated: <time datetime=\"2026-01-31T12:00:00Z\">2026-01-31</time></p>"
        ]
    );
}
