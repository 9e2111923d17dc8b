//! Conventions turned into tests (rust-analyzer's tidy): what the docs
//! promise stays true.

use std::path::Path;

use backlot::diag::Code;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

#[test]
fn every_diagnostic_code_is_documented() {
    let docs = read("docs/docs/diagnostics.md");
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|code| !docs.lines().any(|l| l.trim() == format!("## {code}")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a `## <code>` section in docs/docs/diagnostics.md: {missing:?}"
    );
}

#[test]
fn readme_starts_with_the_two_commands_and_ci_runs_the_test_one() {
    let readme = read("README.md");
    let block: Vec<&str> = readme
        .split("```sh")
        .nth(1)
        .expect("README opens with a sh block")
        .split("```")
        .next()
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(block.len(), 2, "{block:?}");
    assert!(block[0].contains("serve --config examples/acme/backlot.yaml"));
    assert!(block[1].trim_start().starts_with(".ci/run"));
    let ci = read(".ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test --locked"),
        "{ci}"
    );
}

// Backlot's own manual (docs/) is a TechDocs site: it builds with no
// diagnostic, so its links and anchors stay valid.
#[test]
fn the_manual_builds_clean() {
    let manual = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "catalog:\n  locations:\n    - type: dir\n      target: {}\ndocs:\n  cache: false\n",
        manual.display()
    );
    std::fs::write(dir.path().join("backlot.yaml"), config).unwrap();
    let portal = crate::support::Portal::load(dir.path());
    assert_eq!(portal.loaded.docs.len(), 1, "{}", portal.dump());
    assert!(portal.loaded.diagnostics.is_empty(), "{}", portal.dump());
    assert!(portal.loaded.docs[0].pages.len() >= 8);
}
