//! `serve`'s incremental rebuilds (issue #5): after every edit of a random
//! sequence, what a [`Session`] builds from the previous build and the
//! changed paths must be byte for byte what a clean build makes, with the
//! same diagnostics. Edits cover docs pages (text, headings, links, new
//! and removed pages), snippets, assets, mkdocs.yml, descriptors (valid,
//! broken, fixed), whole repositories coming and going, the theme and the
//! config.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use backlot::diag::emit;
use backlot::incremental::{self, Session, Step};
use backlot::output::OutputSet;

use crate::support::{Portal, tree};

/// A small deterministic generator (xorshift64*): the sequences are
/// random but the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn descriptor(name: &str, description: &str, depends: &str, owner: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: {description}\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n  system: shop\n  dependsOn: [{depends}]\n"
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "# {title}\n\n{body}\n\n## Usage\n\nSee [the guide](guide.md#setup) and [home](index.md).\n\n```python\nprint(\"{title}\")\n```\n"
    )
}

fn write(root: &Path, path: &str, text: &str) -> PathBuf {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(&full, text).unwrap();
    full
}

fn add_repo(root: &Path, name: &str) -> Vec<PathBuf> {
    vec![
        write(
            root,
            &format!("repos/{name}/catalog-info.yaml"),
            &descriptor(name, "A service", "", "team-a"),
        ),
        write(
            root,
            &format!("repos/{name}/mkdocs.yml"),
            &format!("site_name: {name} docs\nmarkdown_extensions:\n  - pymdownx.snippets\n"),
        ),
        write(
            root,
            &format!("repos/{name}/docs/index.md"),
            &page(name, "Welcome.\n\n--8<-- \"snippets/note.md\""),
        ),
        write(
            root,
            &format!("repos/{name}/docs/guide.md"),
            "# Guide\n\n## Setup\n\nInstall it.\n",
        ),
        write(
            root,
            &format!("repos/{name}/snippets/note.md"),
            "A shared note.",
        ),
        write(
            root,
            &format!("repos/{name}/docs/img/logo.svg"),
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        ),
    ]
}

/// Repositories found by a walk, the org file by name, and extra entities
/// by a glob that matches no YAML name.
const CONFIG: &str = "title: Portal\ntheme: theme\ncatalog:\n  locations:\n    - type: dir\n      target: .\n    - type: file\n      target: ./org.yaml\n    - type: file\n      target: ./extra/*.entity\n";

/// team-b is a child of team-a, whose page lists what team-b owns.
const ORG: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\n  title: Team A\nspec:\n  type: team\n  children: [team-b]\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-b\nspec:\n  type: team\n  children: []\n---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: shop\nspec:\n  owner: team-a\n---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: orders\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./api/spec.txt\n";

/// The default theme's home template, for an override to change.
fn home_template(marker: &str) -> String {
    let default = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/home.html"),
    )
    .unwrap();
    // A comment is enough to change every byte-level comparison.
    format!(
        "{{# {marker} #}}{}",
        default.replacen("</h1>", &format!(" {marker}</h1>"), 1)
    )
}

fn clean_build(root: &Path) -> (OutputSet, String) {
    let portal = Portal::load(root);
    let site = portal.render();
    (site, diagnostics(&portal.loaded))
}

/// Every diagnostic as the JSON output shows it (file, line, message...),
/// and the file ids behind them, which decide their order.
fn diagnostics(loaded: &backlot::pipeline::Loaded) -> String {
    loaded
        .diagnostics
        .iter()
        .map(|d| {
            let shown = serde_json::to_string(&emit::resolve(d, &loaded.sources)).unwrap();
            format!("{:?} {shown}\n", d.span.map(|s| s.file))
        })
        .collect()
}

fn incremental_build(session: &mut Session, changed: &[PathBuf]) -> (OutputSet, String) {
    let changed: Vec<PathBuf> = changed.iter().map(|p| canonical(p)).collect();
    let Step::Built { loaded, site } = session.build(Some(&changed)).unwrap() else {
        panic!("the config is valid");
    };
    let mut site = site.expect("renders");
    for (path, bytes) in incremental::search_files(&loaded) {
        site.insert(path, bytes);
    }
    (site, diagnostics(&loaded))
}

/// As `serve` reports paths: canonical, or the canonical folder and the
/// name of a removed file.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        let parent = path.parent().unwrap();
        canonical(parent).join(path.file_name().unwrap())
    })
}

fn assert_same(step: &str, clean: &(OutputSet, String), incremental: &(OutputSet, String)) {
    let a: BTreeMap<&str, &[u8]> = clean.0.iter().collect();
    let b: BTreeMap<&str, &[u8]> = incremental.0.iter().collect();
    for (path, bytes) in &a {
        match b.get(path) {
            None => panic!("{step}: {path} is missing from the incremental build"),
            Some(other) if other != bytes => panic!(
                "{step}: {path} differs\n--- clean\n{}\n--- incremental\n{}",
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(other)
            ),
            _ => {}
        }
    }
    for path in b.keys() {
        assert!(a.contains_key(path), "{step}: {path} should not be there");
    }
    assert_eq!(clean.1, incremental.1, "{step}: diagnostics differ");
}

/// One random edit: returns what it did and the paths it touched.
fn edit(
    root: &Path,
    rng: &mut Rng,
    repos: &mut Vec<String>,
    serial: usize,
) -> (String, Vec<PathBuf>) {
    let name = repos[rng.below(repos.len())].clone();
    let repo = format!("repos/{name}");
    let text = format!("edit {serial}");
    match rng.below(16) {
        0..=2 => {
            let body = match rng.below(3) {
                0 => format!("{text}: see [a missing anchor](guide.md#nowhere)."),
                1 => format!("{text}\n\n## {text} heading\n\nMore."),
                _ => format!("{text} <script>alert(1)</script>"),
            };
            let path = write(root, &format!("{repo}/docs/index.md"), &page(&name, &body));
            (format!("docs page of {name}"), vec![path])
        }
        3 => {
            let path = write(
                root,
                &format!("{repo}/docs/guide.md"),
                &format!(
                    "# Guide {serial}\n\n## {}\n\nInstall it.\n",
                    ["Setup", "Install"][rng.below(2)]
                ),
            );
            (format!("guide of {name} (its anchor may go)"), vec![path])
        }
        4 => {
            let path = root.join(format!("{repo}/docs/extra-{serial}.md"));
            if rng.below(2) == 0 {
                write(
                    root,
                    &format!("{repo}/docs/extra-{serial}.md"),
                    &format!("# Extra {serial}\n"),
                );
                (format!("new page in {name}"), vec![path])
            } else {
                let gone = std::fs::read_dir(root.join(format!("{repo}/docs")))
                    .unwrap()
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .find(|p| p.to_string_lossy().contains("extra-"));
                match gone {
                    Some(gone) => {
                        std::fs::remove_file(&gone).unwrap();
                        (format!("removed a page of {name}"), vec![gone])
                    }
                    None => (format!("nothing to remove in {name}"), Vec::new()),
                }
            }
        }
        5 => {
            let path = write(
                root,
                &format!("{repo}/snippets/note.md"),
                &format!("Note {serial}."),
            );
            (format!("snippet of {name}"), vec![path])
        }
        6 => {
            let path = write(
                root,
                &format!("{repo}/mkdocs.yml"),
                &format!(
                    "site_name: {name} {serial}\nmarkdown_extensions:\n  - pymdownx.snippets\n"
                ),
            );
            (format!("mkdocs.yml of {name}"), vec![path])
        }
        7 | 8 => {
            let other = &repos[rng.below(repos.len())];
            let depends = match rng.below(3) {
                0 => format!("component:{other}"),
                1 => "component:ghost".to_string(),
                _ => String::new(),
            };
            let owner = ["team-a", "team-b", "nobody"][rng.below(3)];
            let body = if rng.below(6) == 0 {
                "metadata: [unclosed\n".to_string()
            } else {
                descriptor(&name, &text, &depends, owner)
            };
            let path = write(root, &format!("{repo}/catalog-info.yaml"), &body);
            (format!("descriptor of {name}"), vec![path])
        }
        9 => {
            if rng.below(2) == 0 || repos.len() < 3 {
                let new = format!("svc-{serial}");
                repos.push(new.clone());
                (format!("new repository {new}"), add_repo(root, &new))
            } else {
                repos.retain(|r| *r != name);
                let dir = root.join(&repo);
                let path = canonical(&dir);
                std::fs::remove_dir_all(&dir).unwrap();
                (format!("removed repository {name}"), vec![path])
            }
        }
        10 => {
            let path = write(root, "theme/templates/home.html", &home_template(&text));
            ("home template".to_string(), vec![path])
        }
        11 => {
            let path = write(
                root,
                "backlot.yaml",
                &CONFIG.replace("Portal", &format!("Portal {serial}")),
            );
            ("config".to_string(), vec![path])
        }
        12 => {
            // A `$text` target: missing at first, then written and removed.
            let path = root.join("api/spec.txt");
            if path.exists() && rng.below(3) == 0 {
                std::fs::remove_file(&path).unwrap();
                ("removed the API's $text target".to_string(), vec![path])
            } else {
                // A real OpenAPI definition (its operations are pages'
                // anchors and search documents), broken now and then (a
                // diagnostic at a line of this file).
                let spec = if serial.is_multiple_of(4) {
                    format!("openapi: 3.0.0\ninfo: {{title: Orders {serial}\n")
                } else {
                    format!(
                        "openapi: 3.0.0\ninfo: {{title: Orders, version: '{serial}'}}\npaths:\n  /orders/{{id}}:\n    get:\n      operationId: getOrder{}\n      summary: Order {serial}\n      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Order'}}}}}}}}\ncomponents:\n  schemas:\n    Order: {{type: object, properties: {{id: {{type: string}}, next: {{$ref: '#/components/schemas/Order'}}}}}}\n",
                        serial % 3
                    )
                };
                let path = write(root, "api/spec.txt", &spec);
                ("the API's $text target".to_string(), vec![path])
            }
        }
        13 => {
            // A file that only a location's glob makes a descriptor.
            let path = root.join(format!("extra/e{}.entity", serial % 2));
            if path.exists() && rng.below(3) == 0 {
                std::fs::remove_file(&path).unwrap();
                ("removed a globbed entity".to_string(), vec![path])
            } else {
                let path = write(
                    root,
                    &format!("extra/e{}.entity", serial % 2),
                    &descriptor(&format!("extra-{}", serial % 2), &text, "", "team-b"),
                );
                ("a globbed entity".to_string(), vec![path])
            }
        }
        14 => {
            // Only the description, once the owner is team-b: the pages
            // that show the entity change (team-a's through team-b), the
            // diagnostics do not.
            let path = write(
                root,
                &format!("{repo}/catalog-info.yaml"),
                &descriptor(&name, &text, "", "team-b"),
            );
            (format!("description of {name}"), vec![path])
        }
        _ => {
            let path = write(
                root,
                "org.yaml",
                &ORG.replace("Team A", &format!("Team A {serial}")),
            );
            (format!("org ({name} is owned by it)"), vec![path])
        }
    }
}

#[test]
fn incremental_builds_equal_clean_builds_after_random_edits() {
    for seed in [0x5eed_u64, 42, 7, 2026] {
        let dir = tree(&[("backlot.yaml", CONFIG), ("org.yaml", ORG)]);
        let root = dir.path();
        let mut repos: Vec<String> = ["alpha", "beta", "gamma"].map(String::from).to_vec();
        for name in &repos {
            add_repo(root, name);
        }
        write(root, "theme/templates/home.html", &home_template("start"));
        let mut session = Session::new(&root.join("backlot.yaml"), Default::default());
        let Step::Built { .. } = session.build(None).unwrap() else {
            panic!("builds");
        };
        let mut rng = Rng(seed);
        for serial in 0..14 {
            let (what, changed) = edit(root, &mut rng, &mut repos, serial);
            let step = format!("seed {seed}, edit {serial}: {what}");
            let incremental = incremental_build(&mut session, &changed);
            let clean = clean_build(root);
            assert_same(&step, &clean, &incremental);
            // `build --cache-dir` takes unchanged pages from its last
            // output: the same bytes again (two seeds: it runs the binary).
            if seed != 0x5eed && seed != 7 {
                continue;
            }
            let status = crate::support::backlot(root)
                .args(["build", "--cache-dir", "ci-cache", "--out", "public"])
                .output()
                .unwrap()
                .status;
            // 1: the portal has errors, and is written all the same.
            assert!(matches!(status.code(), Some(0 | 1)), "{step}: {status}");
            let cached = read_tree(&root.join("public"));
            let clean: BTreeMap<String, Vec<u8>> = clean
                .0
                .iter()
                .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
                .collect();
            same_tree(&format!("{step}, cached build"), &clean, &cached);
        }
    }
}

#[test]
fn a_docs_page_edit_rebuilds_one_site_and_few_pages() {
    let dir = tree(&[("backlot.yaml", CONFIG), ("org.yaml", ORG)]);
    let root = dir.path();
    for name in ["alpha", "beta", "gamma"] {
        add_repo(root, name);
    }
    write(root, "theme/templates/home.html", &home_template("start"));
    let mut session = Session::new(&root.join("backlot.yaml"), Default::default());
    session.build(None).unwrap();
    let ((reused, built), (_, all_pages)) = session.reuse_counts();
    assert_eq!((reused, built), (0, 3), "the first build builds every site");

    let path = write(
        root,
        "repos/beta/docs/guide.md",
        "# Guide\n\n## Setup\n\nInstall it, then run it.\n",
    );
    let edited = incremental_build(&mut session, &[path]);
    assert_same("guide of beta", &clean_build(root), &edited);
    let ((reused, built), (pages_reused, rendered)) = session.reuse_counts();
    assert_eq!(
        (reused, built),
        (2, 1),
        "only beta's docs are rendered again"
    );
    assert!(
        rendered <= 2 && pages_reused + rendered == all_pages,
        "only the edited page's HTML changes: {rendered} of {all_pages} pages rendered"
    );

    // A descriptor edit re-renders its entity's pages, not every site.
    let path = write(
        root,
        "repos/gamma/catalog-info.yaml",
        &descriptor("gamma", "Edited", "", "team-a"),
    );
    let edited = incremental_build(&mut session, &[path]);
    assert_same("descriptor of gamma", &clean_build(root), &edited);
    let ((reused, built), _) = session.reuse_counts();
    assert_eq!((reused, built), (2, 1));
}

/// Every file under `dir` (relative path → bytes).
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The same paths with the same bytes; names the first difference.
fn same_tree(step: &str, a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) {
    let paths = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(paths(a), paths(b), "{step}: different files");
    if let Some((path, _)) = a.iter().find(|(path, bytes)| b[*path] != **bytes) {
        panic!("{step}: {path} differs from the clean build's");
    }
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
}

fn build_with_cache(root: &Path) -> String {
    let out = crate::support::backlot(root)
        .args(["build", "--cache-dir", "ci-cache", "--out", "public"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    err
}

/// The output of a clean build (no cache) of `root`, in `clean/`.
fn clean_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let _ = std::fs::remove_dir_all(root.join("clean"));
    let out = crate::support::backlot(root)
        .args(["build", "--out", "clean"])
        .output()
        .unwrap();
    assert!(out.status.success());
    read_tree(&root.join("clean"))
}

// Issue #5: `build --cache-dir` (CI) writes only what changed, keeping the
// other files of the previous output by hard links, and the result is byte
// for byte a clean build's, also after an output file was tampered with
// or the whole output was restored elsewhere (a CI cache).
#[cfg(unix)]
#[test]
fn build_with_a_cache_writes_only_what_changed() {
    let dir = tree(&[
        (
            "backlot.yaml",
            "title: Portal\ncatalog:\n  locations:\n    - type: dir\n      target: repos\ndocs:\n  cache: false\n",
        ),
        ("org.yaml", ORG),
    ]);
    let root = dir.path();
    for name in ["alpha", "beta"] {
        add_repo(root, name);
    }
    let public = root.join("public");
    let first = build_with_cache(root);
    assert!(!first.contains("unchanged"), "{first}");
    let all_pages = pages_rendered(&first);
    let beta_page = public.join("docs/default/component/beta/index.html");
    let alpha_page = public.join("docs/default/component/alpha/index.html");
    let (beta_before, alpha_before) = (inode(&beta_page), inode(&alpha_page));

    write(root, "repos/alpha/docs/index.md", &page("alpha", "Edited."));
    let second = build_with_cache(root);
    assert!(second.contains("unchanged"), "{second}");
    assert!(
        pages_rendered(&second) <= 2 && all_pages > 10,
        "only the edited page is rendered again: {second}"
    );
    same_tree("after an edit", &read_tree(&public), &clean_tree(root));
    assert_eq!(
        inode(&beta_page),
        beta_before,
        "an unchanged page is the same file"
    );
    assert_ne!(
        inode(&alpha_page),
        alpha_before,
        "the edited page was written"
    );

    // A file changed behind Backlot's back (same length) is written again.
    let original = std::fs::read(&beta_page).unwrap();
    let mut tampered = original.clone();
    tampered[0] ^= 1;
    std::fs::write(&beta_page, &tampered).unwrap();
    let after_tamper = build_with_cache(root);
    assert_eq!(pages_rendered(&after_tamper), 1, "{after_tamper}");
    assert!(
        std::fs::read(&beta_page).unwrap() == original,
        "the tampered file was not written again"
    );

    // A restored cache: new inodes and times; contents are compared.
    let moved = root.join("moved");
    std::fs::rename(&public, &moved).unwrap();
    let copy = std::process::Command::new("cp")
        .args(["-r"])
        .arg(&moved)
        .arg(&public)
        .status()
        .unwrap();
    assert!(copy.success());
    let restored = build_with_cache(root);
    assert!(restored.contains("unchanged"), "{restored}");
    assert_eq!(pages_rendered(&restored), 0, "{restored}");
    same_tree("after a restore", &read_tree(&public), &clean_tree(root));

    // Another theme: no page can be taken over.
    std::fs::write(
        root.join("backlot.yaml"),
        "title: Portal\ntheme: theme\ncatalog:\n  locations:\n    - type: dir\n      target: repos\ndocs:\n  cache: false\n",
    )
    .unwrap();
    write(root, "theme/templates/home.html", &home_template("cached"));
    let themed = build_with_cache(root);
    assert_eq!(pages_rendered(&themed), all_pages, "{themed}");
    same_tree("another theme", &read_tree(&public), &clean_tree(root));
}

/// `N` of the build summary's "N pages rendered".
fn pages_rendered(summary: &str) -> usize {
    let before = summary
        .split(" pages rendered")
        .next()
        .filter(|s| s.len() < summary.len())
        .unwrap_or_else(|| panic!("no page count in {summary}"));
    before
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no page count in {summary}"))
}
