//! Issue #5: `backlot serve` as a docs author uses it: edit files, and the
//! served site and the open pages follow; break a descriptor and the
//! previous site stays, with the errors over every page, until it is fixed.

use std::time::Duration;

use crate::support::{http_get, serve, tree};

const CONFIG: &str = "title: Before\ncatalog:\n  locations:\n    - { type: dir, target: repos }\ndocs:\n  cache: false\n";
const DESCRIPTOR: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: guest\n";

/// A portal of one component with a docs site, its config at the root.
fn docs_portal() -> tempfile::TempDir {
    tree(&[
        ("backlot.yaml", CONFIG),
        ("repos/svc/catalog-info.yaml", DESCRIPTOR),
        ("repos/svc/mkdocs.yml", "site_name: Svc\n"),
        ("repos/svc/docs/index.md", "# Home\n\nFirst version.\n"),
    ])
}

/// The generation after `seen`: the long poll answers when it changes.
fn next_generation(addr: &str, seen: u64) -> u64 {
    let (status, body) = http_get(addr, &format!("/__backlot/livereload?gen={seen}"));
    assert_eq!(status, 200, "{body}");
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    let generation = value["generation"].as_u64().unwrap();
    assert!(
        generation > seen,
        "no rebuild after generation {seen}: {body}"
    );
    generation
}

fn write(path: &std::path::Path, text: &str) {
    // Let the previous rebuild's burst window pass, so this is a new one.
    std::thread::sleep(Duration::from_millis(250));
    std::fs::write(path, text).unwrap();
}

#[test]
fn edits_are_served_and_broken_descriptors_keep_the_previous_site() {
    let dir = docs_portal();
    let served = serve(dir.path());
    let addr = served.addr.clone();
    let page = "/docs/default/component/svc/";

    let (status, html) = http_get(&addr, page);
    assert_eq!(status, 200);
    assert!(html.contains("First version."));
    // Every page carries the reload script; the built site does not.
    assert!(html.contains("/__backlot/livereload?gen="), "{html}");
    assert!(!html.contains("backlot-overlay"));
    // Nothing changed yet: an unknown generation answers at once.
    let (_, now) = http_get(&addr, "/__backlot/livereload?gen=999");
    assert_eq!(now, "{\"generation\":0}");

    // A docs page.
    write(
        &dir.path().join("repos/svc/docs/index.md"),
        "# Home\n\nSecond version.\n",
    );
    let generation = next_generation(&addr, 0);
    let (_, html) = http_get(&addr, page);
    assert!(html.contains("Second version."), "{html}");

    // The config: everything is rebuilt.
    write(
        &dir.path().join("backlot.yaml"),
        &CONFIG.replace("Before", "After"),
    );
    let generation = next_generation(&addr, generation);
    let (_, html) = http_get(&addr, "/");
    assert!(html.contains("<title>After</title>"), "{html}");

    // A broken descriptor: the previous site stays, the errors show.
    let descriptor = dir.path().join("repos/svc/catalog-info.yaml");
    write(
        &descriptor,
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: [\n",
    );
    let generation = next_generation(&addr, generation);
    let (status, html) = http_get(&addr, "/catalog/default/component/svc/");
    assert_eq!(status, 200, "the previous site is still served");
    assert!(html.contains("backlot-overlay"), "{html}");
    assert!(
        html.contains("repos/svc/catalog-info.yaml:4:1: yaml/syntax: invalid YAML"),
        "{html}"
    );
    let (_, docs) = http_get(&addr, page);
    assert!(docs.contains("Second version.") && docs.contains("backlot-overlay"));

    // Fixed: the overlay goes, the site follows again.
    write(&descriptor, DESCRIPTOR);
    next_generation(&addr, generation);
    let (_, html) = http_get(&addr, "/catalog/default/component/svc/");
    assert!(!html.contains("backlot-overlay"), "{html}");
}

// Issue #5: an open page in a real browser reloads by itself after a file
// change, and shows the new text.
#[test]
fn an_open_page_reloads_itself() {
    let dir = docs_portal();
    let served = serve(dir.path());
    let b = crate::webdriver::Browser::start();
    b.goto(&served.url("/docs/default/component/svc/"));
    b.wait_for("document.readyState === 'complete'");
    b.js("window.__notReloaded = true;", serde_json::json!([]));
    write(
        &dir.path().join("repos/svc/docs/index.md"),
        "# Home\n\nSecond version.\n",
    );
    b.wait_for("!window.__notReloaded && document.body.textContent.includes('Second version.')");
}

// Issue #5: missing paths get the theme's 404 page (with working links from
// any depth), HEAD requests no body.
#[test]
fn missing_paths_get_the_404_page() {
    let dir = docs_portal();
    let served = serve(dir.path());
    let (status, html) = http_get(&served.addr, "/catalog/default/component/nope/deeper/");
    assert_eq!(status, 404);
    assert!(html.contains("Page not found"), "{html}");
    assert!(html.contains("<base href=\"/\">"), "{html}");
    assert!(html.contains("href=\"catalog/\""), "{html}");
}

// Issue #5: crawl roots outside the config's folder are watched too.
#[test]
fn roots_outside_the_config_folder_are_watched() {
    let dir = tree(&[
        (
            "portal/backlot.yaml",
            "catalog:\n  locations:\n    - { type: dir, target: ../repos }\ndocs:\n  cache: false\n",
        ),
        ("repos/svc/catalog-info.yaml", DESCRIPTOR),
        ("repos/svc/mkdocs.yml", "site_name: Svc\n"),
        ("repos/svc/docs/index.md", "# Home\n\nFirst version.\n"),
    ]);
    let served = serve(&dir.path().join("portal"));
    write(
        &dir.path().join("repos/svc/docs/index.md"),
        "# Home\n\nSecond version.\n",
    );
    next_generation(&served.addr, 0);
    let (_, html) = http_get(&served.addr, "/docs/default/component/svc/");
    assert!(html.contains("Second version."), "{html}");
}

// Issue #5: a theme template and a descriptor are followed too, and the
// search index, built after the pages are served, catches up without
// another reload.
#[test]
fn templates_descriptors_and_the_search_index_follow_edits() {
    let dir = docs_portal();
    let home = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/home.html"),
    )
    .unwrap();
    let template = dir.path().join("theme/templates/home.html");
    std::fs::create_dir_all(template.parent().unwrap()).unwrap();
    std::fs::write(&template, &home).unwrap();
    std::fs::write(
        dir.path().join("backlot.yaml"),
        format!("{CONFIG}theme: theme\n"),
    )
    .unwrap();
    let served = serve(dir.path());
    let addr = served.addr.clone();

    // A template: pages are rendered again, nothing else changes.
    write(
        &template,
        &home.replacen("</h1>", " (edited template)</h1>", 1),
    );
    let generation = next_generation(&addr, 0);
    let (_, html) = http_get(&addr, "/");
    assert!(html.contains(" (edited template)</h1>"), "{html}");

    // A descriptor.
    write(
        &dir.path().join("repos/svc/catalog-info.yaml"),
        &DESCRIPTOR.replace(
            "  name: svc\n",
            "  name: svc\n  description: Edited description\n",
        ),
    );
    let generation = next_generation(&addr, generation);
    let (_, html) = http_get(&addr, "/catalog/default/component/svc/");
    assert!(html.contains("Edited description"), "{html}");

    // A new docs section: the page first, then the index, same generation.
    let (_, before) = http_get(&addr, "/search/meta.js");
    write(
        &dir.path().join("repos/svc/docs/index.md"),
        "# Home\n\nFirst version.\n\n## Zebra finches\n\nA new section.\n",
    );
    let generation = next_generation(&addr, generation);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (status, meta) = http_get(&addr, "/search/meta.js");
        assert_eq!(status, 200, "the previous index is served meanwhile");
        if meta != before {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the search index never followed the edit"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, now) = http_get(&addr, "/__backlot/livereload?gen=999");
    assert_eq!(
        now,
        format!("{{\"generation\":{generation}}}"),
        "the index alone does not reload pages"
    );
}

/// A raw request to `addr`; the status line and headers of the answer.
fn raw(addr: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    text.split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_string()
}

// Hardening: a page of another site whose name resolves to 127.0.0.1 (DNS
// rebinding) is refused, so are methods that are not reads, and a folder
// redirect never leaves the site.
#[test]
fn serve_answers_only_reads_for_loopback_names() {
    let dir = docs_portal();
    let served = serve(dir.path());
    let ask = |request: &str| raw(&served.addr, request);
    let head = ask("GET / HTTP/1.1\r\nHost: attacker.example:8000\r\nConnection: close\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 421"), "{head}");
    let head =
        ask("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 405"), "{head}");
    let head = ask("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let head = ask(
        "GET //catalog/default/component/svc HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 301"), "{head}");
    assert!(
        head.lines()
            .any(|l| l.eq_ignore_ascii_case("location: /catalog/default/component/svc/")),
        "{head}"
    );
}
