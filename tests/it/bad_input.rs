//! Hostile and broken input: each case gets a clear diagnostic with a
//! position, nothing outside the roots is read, and the rest still builds.

use backlot::diag::Code;

use crate::support::{Portal, tree};

const CONFIG: &str = "catalog:\n  locations:\n    - { type: dir, target: repos }\n";

const GOOD: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: survivors\nspec:\n  type: team\n  children: []\n";

/// Builds `repos/bad/catalog-info.yaml` = `bad` next to a good file and
/// returns the portal, checking the good entity survived.
fn with_bad_file(bad: &[u8]) -> Portal {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/good/catalog-info.yaml", GOOD),
    ]);
    std::fs::create_dir_all(dir.path().join("repos/bad")).unwrap();
    std::fs::write(dir.path().join("repos/bad/catalog-info.yaml"), bad).unwrap();
    let p = Portal::load(dir.path());
    assert!(
        p.has("group:default/survivors"),
        "good entity lost:\n{}",
        p.dump()
    );
    p
}

fn only(p: &Portal, code: Code) -> String {
    let found = p.with_code(code);
    assert_eq!(found.len(), 1, "expected one {code}; got\n{}", p.dump());
    p.location(found[0])
}

#[test]
fn malformed_yaml() {
    let p = with_bad_file(
        b"apiVersion: backstage.io/v1alpha1\nkind: [Component\nmetadata:\n  name: x\n",
    );
    let at = only(&p, Code::YamlSyntax);
    assert!(at.starts_with("repos/bad/catalog-info.yaml:"), "{at}");
}

#[test]
fn root_that_is_not_a_mapping() {
    let p = with_bad_file(b"- just\n- a list\n");
    assert_eq!(
        only(&p, Code::YamlNotAMapping),
        "repos/bad/catalog-info.yaml:1"
    );
    assert_eq!(
        p.with_code(Code::YamlNotAMapping)[0].message,
        "Expected object at root, got object"
    );
}

#[test]
fn empty_file_is_silently_empty() {
    let p = with_bad_file(b"");
    assert!(p.loaded.diagnostics.is_empty(), "{}", p.dump());
    let p = with_bad_file(b"# only comments\n---\n");
    assert!(p.loaded.diagnostics.is_empty(), "{}", p.dump());
}

#[test]
fn non_utf8_file() {
    let p = with_bad_file(&[0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0xfd, 0x0a]);
    assert_eq!(only(&p, Code::FileNotUtf8), "repos/bad/catalog-info.yaml:1");
}

#[test]
fn alias_bomb() {
    let mut text = String::from(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: bomb\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let p = with_bad_file(text.as_bytes());
    assert!(only(&p, Code::YamlTooComplex).starts_with("repos/bad/catalog-info.yaml:"));
}

#[test]
fn fifty_megabyte_file() {
    let mut big = b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: big\n  description: ".to_vec();
    big.resize(50 * 1024 * 1024, b'x');
    big.push(b'\n');
    let p = with_bad_file(&big);
    assert_eq!(
        only(&p, Code::FileTooLarge),
        "repos/bad/catalog-info.yaml:1"
    );
}

#[test]
fn duplicate_keys() {
    let p = with_bad_file(b"apiVersion: backstage.io/v1alpha1\nkind: Group\nkind: User\n");
    assert_eq!(
        only(&p, Code::YamlDuplicateKey),
        "repos/bad/catalog-info.yaml:3"
    );
}

#[cfg(unix)]
#[test]
fn symlink_to_etc_passwd_is_not_read() {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/good/catalog-info.yaml", GOOD),
    ]);
    std::fs::create_dir_all(dir.path().join("repos/evil")).unwrap();
    std::os::unix::fs::symlink(
        "/etc/passwd",
        dir.path().join("repos/evil/catalog-info.yaml"),
    )
    .unwrap();
    let p = Portal::load(dir.path());
    assert!(p.has("group:default/survivors"));
    let d = p.with_code(Code::FileOutsideRoot);
    assert_eq!(d.len(), 1, "{}", p.dump());
    assert!(d[0].message.contains("/etc/passwd"));
    // Nothing of the file was registered as a source.
    assert!(
        p.loaded
            .sources
            .iter()
            .all(|(_, f)| !f.path.starts_with("/etc"))
    );
}

// A cycle through a thousand files is one readable diagnostic: its ends
// and how many files lie between.
#[test]
fn a_long_location_cycle_is_reported_briefly() {
    let n = 1000;
    let location = |i: usize| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l{i}\nspec:\n  target: ./l{}.yaml\n",
            (i + 1) % n
        )
    };
    let files: Vec<(String, String)> = (0..n)
        .map(|i| (format!("portal/l{i}.yaml"), location(i)))
        .chain([(
            "portal/backlot.yaml".to_string(),
            "catalog:\n  locations:\n    - { type: file, target: l0.yaml }\n".to_string(),
        )])
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = tree(&refs);
    let p = Portal::load(&dir.path().join("portal"));
    assert_eq!(p.loaded.catalog.len(), n + 1, "{}", p.dump());
    let cycles = p.with_code(Code::LocationCycle);
    assert_eq!(cycles.len(), 1, "{}", p.dump());
    let message = &cycles[0].message;
    assert!(message.len() < 300, "{} bytes: {message}", message.len());
    assert!(
        message.starts_with("Location cycle: l0.yaml → l1.yaml → l2.yaml → … 995 more … → l998.yaml → l999.yaml → l0.yaml"),
        "{message}"
    );
}

#[test]
fn location_pointing_at_itself_or_outside() {
    let cfg = "catalog:\n  locations:\n    - { type: file, target: loc.yaml }\n";
    let loc = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: loc\nspec:\n  targets: [./loc.yaml, ../../../../../../etc/hostname, ./team.yaml]\n";
    let dir = tree(&[
        ("portal/backlot.yaml", cfg),
        ("portal/loc.yaml", loc),
        ("portal/team.yaml", GOOD),
    ]);
    let p = Portal::load(&dir.path().join("portal"));
    assert!(p.has("group:default/survivors"), "{}", p.dump());
    assert_eq!(p.with_code(Code::LocationCycle).len(), 1, "{}", p.dump());
    assert_eq!(p.with_code(Code::FileOutsideRoot).len(), 1, "{}", p.dump());
}

#[test]
fn yaml_error_in_one_document_keeps_the_others() {
    let text = format!(
        "{GOOD}---\nkind: [broken\n---\n{}",
        GOOD.replace("survivors", "second")
    );
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/a/catalog-info.yaml", &text),
    ]);
    let p = Portal::load(dir.path());
    assert!(
        p.has("group:default/survivors") && p.has("group:default/second"),
        "{}",
        p.dump()
    );
    assert_eq!(p.with_code(Code::YamlSyntax).len(), 1);
}

// A docs site without index.md (or with one that is a folder) is reported,
// and its home page lists its pages instead of being missing.
#[test]
fn a_docs_site_without_an_index_gets_a_contents_page() {
    let component = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: survivors\n";
    for index in [None, Some("docs/index.md/note.md")] {
        let mut files = vec![
            ("backlot.yaml", CONFIG),
            ("repos/good/catalog-info.yaml", GOOD),
            ("repos/svc/catalog-info.yaml", component),
            ("repos/svc/mkdocs.yml", "site_name: Svc <docs>\n"),
            ("repos/svc/docs/guide.md", "# Fish & chips\n"),
            ("repos/svc/docs/more/setup.md", "# Setup\n"),
        ];
        files.extend(index.map(|path| (path, "# A folder called index.md\n")));
        let dir = tree(&files);
        let p = Portal::load(dir.path());
        let missing = p.with_code(Code::DocsMissingIndex);
        assert_eq!(missing.len(), 1, "{}", p.dump());
        assert_eq!(p.location(missing[0]), "repos/svc/mkdocs.yml:1");
        let site = p.render();
        let home = site
            .get("docs/default/component/svc/index.html")
            .expect("a home page");
        let home = String::from_utf8_lossy(home);
        assert!(home.contains("href=\"guide/\""), "{home}");
        assert!(home.contains("href=\"more/setup/\""), "{home}");
        assert!(home.contains(">Fish &amp; chips</a>"), "titles are escaped");
        assert!(home.contains("Svc &lt;docs&gt;</h1>"), "{home}");
        assert!(!home.contains("<docs>"));
    }
}

// Hardening: a page nested tens of thousands deep (the sanitizer's parser
// took 48 s on it) is refused at once, with a diagnostic at its file; the
// rest of the site builds.
#[test]
fn a_pathologically_nested_page_is_refused_quickly() {
    let component = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: survivors\n";
    let deep = format!("{}{}", "> - ".repeat(30_000), "<div>".repeat(20_000));
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/good/catalog-info.yaml", GOOD),
        ("repos/svc/catalog-info.yaml", component),
        ("repos/svc/mkdocs.yml", "site_name: Svc\n"),
        ("repos/svc/docs/index.md", "# Fine\n"),
        ("repos/svc/docs/deep.md", &deep),
    ]);
    let started = std::time::Instant::now();
    let p = Portal::load(dir.path());
    // Generous: a debug build on a busy machine; it took 48 s in release.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let refused = p.with_code(Code::DocsTooComplex);
    assert_eq!(refused.len(), 1, "{}", p.dump());
    assert_eq!(p.location(refused[0]), "repos/svc/docs/deep.md:1");
    let site = p.render();
    let page = String::from_utf8_lossy(
        site.get("docs/default/component/svc/deep/index.html")
            .unwrap(),
    )
    .into_owned();
    assert!(page.contains("This page is not shown"));
    assert!(site.get("docs/default/component/svc/index.html").is_some());
}
