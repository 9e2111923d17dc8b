//! The catalog page in a real browser: headless Chromium runs the page's
//! JavaScript on a site opened from file:// (the hardest case: no server,
//! folder links need index.html) and we read the DOM it produced.
//!
//! Chromium is installed by .ci/run. Outside CI, a machine without it
//! gets a failing test that says how to install it.

use std::path::{Path, PathBuf};
use std::process::Command;

use backlot::output;

use crate::support::{Portal, tree};

fn chromium() -> PathBuf {
    for candidate in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(candidate).output()
            && out.status.success()
        {
            return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        }
    }
    panic!(
        "headless Chromium is needed for the browser tests: apt-get install chromium (or run .ci/run)"
    );
}

/// The DOM after the page's scripts ran.
fn dump_dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A catalog of `n` components owned by two teams, built to `dir/public`.
fn big_portal(n: usize) -> (tempfile::TempDir, PathBuf) {
    let mut docs = String::new();
    for team in ["team-a", "team-b"] {
        docs.push_str(&format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {team}\nspec:\n  type: team\n  children: []\n---\n"
        ));
    }
    for i in 0..n {
        let (owner, lifecycle) = if i % 3 == 0 {
            ("team-a", "experimental")
        } else {
            ("team-b", "production")
        };
        let extra = if i == 1234 % n {
            "  description: the needle in the haystack\n"
        } else {
            ""
        };
        docs.push_str(&format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{i:05}\n{extra}  tags: [t{}]\nspec:\n  type: service\n  lifecycle: {lifecycle}\n  owner: {owner}\n---\n",
            i % 7
        ));
    }
    let dir = tree(&[
        (
            "backlot.yaml",
            "catalog:\n  locations:\n    - { type: file, target: all.yaml }\n",
        ),
        ("all.yaml", &docs),
    ]);
    let portal = Portal::load(dir.path());
    assert_eq!(portal.loaded.diagnostics.len(), 0, "{}", portal.dump());
    let public = dir.path().join("public");
    output::write_atomic(&portal.render(), &public).unwrap();
    (dir, public)
}

fn file_url(path: &Path, query: &str) -> String {
    format!("file://{}{query}", path.display())
}

fn rows(dom: &str) -> usize {
    let body = dom
        .split("<tbody>")
        .nth(1)
        .and_then(|b| b.split("</tbody>").next())
        .unwrap_or("");
    body.matches("<tr").count()
}

fn result_count(dom: &str) -> String {
    let start = dom
        .find("id=\"result-count\"")
        .expect("result count element");
    let text = &dom[start..];
    let text = &text[text.find('>').unwrap() + 1..];
    text[..text.find('<').unwrap()].to_string()
}

// Issue #2: 20,000-entity design: only one page of rows in the DOM.
#[test]
fn catalog_renders_one_page_of_rows_from_a_large_catalog() {
    let (_dir, public) = big_portal(3000);
    let dom = dump_dom(&file_url(&public.join("catalog/index.html"), ""));
    assert_eq!(rows(&dom), 50, "{}", result_count(&dom));
    // 3,000 components, 2 groups, the generated Location of the config entry.
    assert!(
        result_count(&dom).contains("of 3,003 entities"),
        "{}",
        result_count(&dom)
    );
    // Links built by the script open index.html from disk.
    assert!(
        dom.contains("svc-00000/index.html"),
        "links lack index.html from file://"
    );
}

// Issue #2: filter state in the URL, Backstage's parameter names.
#[test]
fn catalog_filters_come_from_the_url() {
    let (_dir, public) = big_portal(3000);
    let index = public.join("catalog/index.html");
    let dom = dump_dom(&file_url(
        &index,
        "?filters[kind]=component&filters[lifecycles]=experimental",
    ));
    assert!(
        result_count(&dom).contains("of 1,000 matching entities"),
        "{}",
        result_count(&dom)
    );
    assert_eq!(rows(&dom), 50);
    assert!(
        !dom.contains(">svc-00001<"),
        "a production component is listed"
    );

    let dom = dump_dom(&file_url(
        &index,
        "?filters[owners]=group:default/team-a&filters[tags]=t3",
    ));
    // i % 3 == 0 and i % 7 == 3 → i ≡ 3 (mod 21), i < 3000: 143 components.
    assert!(
        result_count(&dom).contains("of 143 matching"),
        "{}",
        result_count(&dom)
    );

    let dom = dump_dom(&file_url(&index, "?filters[text]=needle"));
    assert_eq!(rows(&dom), 1, "{}", result_count(&dom));
    assert!(dom.contains("svc-01234"));
}

// Issue #2: without JavaScript the catalog works through static lists.
#[test]
fn static_kind_lists_page_through_every_entity() {
    let (_dir, public) = big_portal(250);
    let first =
        std::fs::read_to_string(public.join("catalog/_kinds/component/index.html")).unwrap();
    let second =
        std::fs::read_to_string(public.join("catalog/_kinds/component/2/index.html")).unwrap();
    let third =
        std::fs::read_to_string(public.join("catalog/_kinds/component/3/index.html")).unwrap();
    let total = [&first, &second, &third]
        .iter()
        .map(|page| page.matches("/component/svc-").count())
        .sum::<usize>();
    assert_eq!(total, 250);
    assert!(
        !public
            .join("catalog/_kinds/component/4/index.html")
            .exists()
    );
    // The pager links the pages both ways.
    assert!(
        second.contains("<nav class=\"pager\" aria-label=\"Component pages\">"),
        "{second}"
    );
    assert!(
        second.contains("href=\"../\" rel=\"prev\"")
            && second.contains("href=\"../3/\" rel=\"next\"")
    );
}

// Issue #6: /api-docs/ filters its static rows by type, lifecycle, owner
// and text from Backstage's `filters[...]` parameters, from file:// too;
// without a filter every row shows.
#[test]
fn api_docs_filters_come_from_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    let site = Portal::load(&crate::support::fixture("backstage-examples")).render();
    output::write_atomic(&site, &public).unwrap();
    let index = public.join("api-docs/index.html");
    let shown = |dom: &str| {
        dom.split("<tr data-type=")
            .skip(1)
            .filter(|row| !row[..row.find('>').unwrap_or(0)].contains("hidden"))
            .count()
    };
    let all = dump_dom(&file_url(&index, ""));
    assert_eq!(shown(&all), 10, "every API shows without filters");
    assert!(all.contains("10 APIs"), "no count");
    // openapi APIs owned by team-a: spotify, wayback-archive, wayback-search.
    let dom = dump_dom(&file_url(
        &index,
        "?filters[type]=openapi&filters[owners]=team-a",
    ));
    assert_eq!(shown(&dom), 3, "type and owner filters");
    assert!(dom.contains("3 of 10 APIs"));
    let dom = dump_dom(&file_url(&index, "?filters[text]=streetlights"));
    assert_eq!(shown(&dom), 1, "text filter");
    let dom = dump_dom(&file_url(&index, "?filters[lifecycles]=deprecated"));
    assert_eq!(shown(&dom), 1, "lifecycle filter (hello-world)");
}

// A search result or shared link to an operation of a definition page
// (`definition/#op-…`) must show the operation: it sits in a closed
// <details>, which api-definition.js opens for the URL's fragment.
#[test]
fn a_link_to_an_operation_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    let site = Portal::load(&crate::support::fixture("backstage-examples")).render();
    output::write_atomic(&site, &public).unwrap();
    let page = public.join("catalog/default/api/petstore/definition/index.html");
    let open_state = |dom: &str, anchor: &str| {
        let at = dom
            .find(&format!("id=\"{anchor}\""))
            .unwrap_or_else(|| panic!("no {anchor}"));
        let details = &dom[at..][dom[at..].find("<details").unwrap()..];
        details[..details.find('>').unwrap()].contains("open")
    };
    let dom = dump_dom(&file_url(&page, "#op-showPetById"));
    assert!(
        open_state(&dom, "op-showPetById"),
        "the linked operation is open"
    );
    assert!(!open_state(&dom, "op-listPets"), "the others stay closed");
    let dom = dump_dom(&file_url(&page, ""));
    assert!(
        !open_state(&dom, "op-showPetById"),
        "closed without a fragment"
    );
}
