//! The binary as CI and people use it: exit codes, --strict, output
//! formats, atomic output, init.

use std::fs;

use crate::support::{backlot, tree};

const CONFIG: &str =
    "title: Test Portal\ncatalog:\n  locations:\n    - { type: dir, target: repos }\n";
const TEAM: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n";
const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\nspec:\n  type: website\n  lifecycle: production\n  owner: team-a\n";
const DANGLING: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: lonely\nspec:\n  type: website\n  lifecycle: production\n  owner: nobody\n";
const INVALID: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Bad Name\nspec:\n  type: website\n  lifecycle: production\n  owner: team-a\n";

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = backlot(dir).args(args).output().expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn clean_build_exits_zero_and_writes_the_site() {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        (
            "repos/a/catalog-info.yaml",
            &format!("{TEAM}---\n{COMPONENT}"),
        ),
    ]);
    let (code, _, err) = run(dir.path(), &["build"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 errors, 0 warnings"), "{err}");
    assert!(dir.path().join("public/catalog/index.html").is_file());
    assert!(
        dir.path()
            .join("public/catalog/default/component/web/index.html")
            .is_file()
    );
    assert!(
        dir.path()
            .join("public/api/catalog/entities.json")
            .is_file()
    );
}

// Issue #2: without --strict, entity errors still publish the valid part and exit 1.
#[test]
fn errors_publish_the_valid_part_and_exit_one() {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        (
            "repos/a/catalog-info.yaml",
            &format!("{TEAM}---\n{COMPONENT}"),
        ),
        ("repos/b/catalog-info.yaml", INVALID),
    ]);
    let (code, _, err) = run(dir.path(), &["build"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[entity/invalid-name]"), "{err}");
    assert!(err.contains("repos/b/catalog-info.yaml:4:9"), "{err}");
    assert!(
        dir.path()
            .join("public/catalog/default/component/web/index.html")
            .is_file()
    );
}

// Issue #2: --strict fails on warnings and leaves the previous output untouched.
#[test]
fn strict_fails_on_warnings_and_keeps_the_previous_site() {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        (
            "repos/a/catalog-info.yaml",
            &format!("{TEAM}---\n{COMPONENT}"),
        ),
    ]);
    assert_eq!(run(dir.path(), &["build", "--strict"]).0, 0);
    let index = dir.path().join("public/catalog/index.html");
    let before = fs::read(&index).unwrap();
    fs::write(
        dir.path().join("repos/b/catalog-info.yaml").tap_parent(),
        DANGLING,
    )
    .unwrap();
    let (code, _, err) = run(dir.path(), &["build", "--strict"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("warning[relation/dangling-ref]"), "{err}");
    assert!(err.contains("left untouched"), "{err}");
    assert_eq!(fs::read(&index).unwrap(), before);
    assert!(
        !dir.path()
            .join("public/catalog/default/component/lonely")
            .exists()
    );
    // Without --strict the warning does not fail the build.
    assert_eq!(run(dir.path(), &["build"]).0, 0);
    assert!(
        dir.path()
            .join("public/catalog/default/component/lonely/index.html")
            .is_file()
    );
}

#[test]
fn check_writes_nothing() {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/b/catalog-info.yaml", INVALID),
    ]);
    let (code, _, err) = run(dir.path(), &["check"]);
    assert_eq!(code, 1, "{err}");
    assert!(!dir.path().join("public").exists());
}

#[test]
fn json_format_is_one_object_per_line_then_a_summary() {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/b/catalog-info.yaml", INVALID),
    ]);
    let (code, out, _) = run(dir.path(), &["check", "--format", "json"]);
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let first = &lines[0];
    assert_eq!(first["code"], "entity/invalid-name");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "repos/b/catalog-info.yaml");
    assert_eq!(first["line"], 4);
    assert_eq!(first["column"], 9);
    assert!(first["help"].is_string());
    let summary = lines.last().unwrap();
    assert_eq!(summary["errors"], 1);
}

#[test]
fn config_problems_exit_two_with_a_suggestion() {
    let dir = tree(&[("backlot.yaml", "titel: x\n")]);
    let (code, _, err) = run(dir.path(), &["build"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("backlot.yaml:1:1"), "{err}");
    assert!(err.contains("did you mean `title`?"), "{err}");
    let (code, _, err) = run(dir.path(), &["build", "--config", "missing.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.yaml"), "{err}");
    let (code, _, _) = run(dir.path(), &["build", "--no-such-flag"]);
    assert_eq!(code, 2);
}

#[test]
fn human_output_is_plain_when_piped() {
    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/b/catalog-info.yaml", INVALID),
    ]);
    let out = backlot(dir.path())
        .arg("check")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains('\u{1b}'),
        "escape codes in piped output: {err:?}"
    );
    // The source line is shown with a caret under the value.
    assert!(err.contains("  name: Bad Name"), "{err}");
    assert!(err.contains("^"), "{err}");
}

#[test]
fn init_writes_a_portal_that_builds_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(dir.path(), &["init", "portal"]);
    assert_eq!(code, 0, "{err}");
    let portal = dir.path().join("portal");
    let (code, _, err) = run(&portal, &["build", "--strict"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(dir.path(), &["init", "portal"]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
}

trait TapParent {
    /// Creates the parent folder of a path and returns the path.
    fn tap_parent(self) -> Self;
}

impl TapParent for std::path::PathBuf {
    fn tap_parent(self) -> Self {
        fs::create_dir_all(self.parent().unwrap()).unwrap();
        self
    }
}

// Issue #2: serve builds, then serves the portal on 127.0.0.1 only.
#[test]
fn serve_answers_on_loopback() {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    let dir = tree(&[
        ("backlot.yaml", CONFIG),
        (
            "repos/a/catalog-info.yaml",
            &format!("{TEAM}---\n{COMPONENT}"),
        ),
    ]);
    let served = crate::support::serve(dir.path());
    let addr = served.addr.clone();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let get = |path: &str| {
        let mut stream = TcpStream::connect(&addr).unwrap();
        write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    let page = get("/catalog/default/component/web/");
    let folder = get("/catalog/default/component/web");
    let missing = get("/../../etc/passwd");
    drop(served);
    assert!(
        page.starts_with("HTTP/1.0 200") || page.starts_with("HTTP/1.1 200"),
        "{page}"
    );
    assert!(page.contains("text/html"));
    assert!(
        folder.contains(" 301 ") && folder.contains("Location: /catalog/default/component/web/"),
        "{folder}"
    );
    assert!(missing.contains(" 404 "), "{missing}");
}

// Issue #2: custom kinds are rejected like Backstage unless the config accepts them.
#[test]
fn custom_kinds_need_the_config() {
    let env = "apiVersion: example.com/v1\nkind: Environment\nmetadata:\n  name: prod\nspec:\n  owner: team-a\n";
    let files = |cfg: &str| {
        tree(&[
            ("backlot.yaml", cfg),
            ("repos/a/catalog-info.yaml", &format!("{TEAM}---\n{env}")),
        ])
    };
    let dir = files(CONFIG);
    let (code, _, err) = run(dir.path(), &["check"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("entity/unknown-kind"), "{err}");
    let accepting = format!(
        "{CONFIG}  custom_kinds:\n    - kind: Environment\n      apiVersions: [example.com/v1]\n"
    );
    let dir = files(&accepting);
    let (code, _, err) = run(dir.path(), &["build"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        dir.path()
            .join("public/catalog/default/environment/prod/index.html")
            .is_file()
    );
    let team = fs::read_to_string(
        dir.path()
            .join("public/catalog/default/group/team-a/index.html"),
    )
    .unwrap();
    assert!(
        team.contains("environment/prod/"),
        "custom kind's owner relation missing"
    );
}
