//! Issue #4: the portal's search, as a person uses it: headless Chromium
//! (through ChromeDriver) types into the header box of a served portal and
//! of one opened from disk, moves with the keyboard, opens results and
//! filters the search page. Ranking on a fixed set of queries is checked
//! without a browser.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::support::{Portal, serve, tree};
use crate::webdriver::{ARROW_DOWN, Browser, ENTER, ESCAPE};

const CATALOG: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
  description: Streaming team
spec:
  type: team
  profile:
    displayName: Team Alpha
    email: team-a@example.com
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: jdoe
spec:
  profile:
    displayName: Jane Doe
    email: jane.doe@example.com
  memberOf: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: artist-lookup
  title: Artist Lookup
  description: Finds artists by id for the player
  tags: [java, artists]
spec:
  type: service
  lifecycle: production
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: artist-web
  description: The web front end; shows artist pages using artist-lookup
spec:
  type: website
  lifecycle: experimental
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: petstore
  description: The pet store example API
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition: '{openapi: 3.0.0, info: {title: Payments, version: ''1''}, paths: {}}'
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: evil
  title: '<img src=x onerror=window.__xss=1>'
  description: '<script>window.__xss=2</script> hostile onerror text'
spec:
  type: service
  lifecycle: production
  owner: team-a
";

const PLAYBACK: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: playback-service
  description: Streams audio to every client
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: team-a
";

const INDEX_MD: &str = "\
# Playback

Playback streams audio for the artist pages.

## Buffering strategy

Playback keeps thirty seconds of audio buffered before it starts.

## Codecs

Opus everywhere; AAC for old clients.
";

const GUIDE_MD: &str = "\
# Operations guide

## Restarting

Restart playback pods one zone at a time.
";

/// The search fixture portal, as files.
fn portal() -> tempfile::TempDir {
    tree(&[
        (
            "backlot.yaml",
            "title: Search Test\ncatalog:\n  locations:\n    - { type: file, target: all.yaml }\n    - { type: file, target: playback/catalog-info.yaml }\n",
        ),
        ("all.yaml", CATALOG),
        ("playback/catalog-info.yaml", PLAYBACK),
        (
            "playback/mkdocs.yml",
            "site_name: Playback\nnav:\n  - index.md\n  - guide.md\n",
        ),
        ("playback/docs/index.md", INDEX_MD),
        ("playback/docs/guide.md", GUIDE_MD),
    ])
}

/// The strings of the array `script` returns.
fn strings(b: &Browser, script: &str) -> Vec<String> {
    b.js(script, json!([]))
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn resources(b: &Browser) -> Vec<String> {
    strings(
        b,
        "return performance.getEntriesByType('resource').map(e => e.name);",
    )
}

/// Texts of the header box's options, once the results of `query` are
/// there (the last option names the query).
fn options(b: &Browser, query: &str) -> Vec<String> {
    b.wait_for(&format!(
        "(o => o && o.textContent.includes({}))(document.querySelector('#site-search-option-all'))",
        json!(format!("“{query}”"))
    ));
    strings(
        b,
        "return Array.from(document.querySelectorAll('#site-search-results [role=option]')).map(o => o.textContent.replace(/\\s+/g, ' ').trim());",
    )
}

#[test]
fn the_portal_builds_an_index_and_a_search_page_that_works_without_scripts_too() {
    let dir = portal();
    let p = Portal::load(dir.path());
    assert!(p.loaded.diagnostics.is_empty(), "{}", p.dump());
    let out = p.render();
    for file in ["search/meta.js", "search/docs/0.js", "search/index.html"] {
        assert!(out.contains(file), "{file} missing");
    }
    let page = String::from_utf8_lossy(out.get("search/index.html").unwrap()).into_owned();
    // JavaScript off: a message and ways to browse, not an empty page.
    assert!(page.contains("<noscript>") && page.contains("needs JavaScript"));
    assert!(page.contains("href=\"../catalog/\""));
    // Every page's header form submits to the search page.
    let home = String::from_utf8_lossy(out.get("index.html").unwrap()).into_owned();
    assert!(home.contains("action=\"search/\""), "{home}");
}

// Issue #4: nothing is fetched before the box is focused; typing shows
// instant results, the keyboard opens one.
#[test]
fn typing_in_the_header_box_finds_and_opens_results() {
    let dir = portal();
    let served = serve(dir.path());
    let b = Browser::start();
    b.goto(&served.url("/catalog/"));
    b.wait_for("document.readyState === 'complete'");
    let before = resources(&b);
    assert!(
        !before.iter().any(|r| r.contains("/search/")),
        "index loaded before focus: {before:?}"
    );
    b.click("#site-search-input");
    b.wait_for(
        "performance.getEntriesByType('resource').some(e => e.name.endsWith('/search/meta.js'))",
    );
    assert!(!resources(&b).iter().any(|r| r.contains("/search/terms/")));

    // An exact title first, then everything else that says "artist".
    b.type_into("#site-search-input", "artist lookup");
    let shown = options(&b, "artist lookup");
    assert!(shown[0].contains("Artist Lookup"), "{shown:?}");
    assert!(shown[0].starts_with("Component"), "badge first: {shown:?}");
    assert!(shown.iter().any(|o| o.contains("artist-web")), "{shown:?}");
    assert!(
        shown
            .last()
            .unwrap()
            .contains("results for “artist lookup”")
    );
    // The term shard for `artist` and the one chunk of documents; no more.
    let loaded: Vec<String> = resources(&b)
        .into_iter()
        .filter(|r| r.contains("/search/terms/"))
        .collect();
    assert!(!loaded.is_empty() && loaded.len() <= 2, "{loaded:?}");
    // Matching words are marked.
    let marks = b.js(
        "return Array.from(document.querySelectorAll('#site-search-results mark')).map(m => m.textContent);",
        json!([]),
    );
    assert!(
        marks.as_array().unwrap().iter().any(|m| m == "Artist"),
        "{marks}"
    );
    assert!(
        marks.as_array().unwrap().iter().any(|m| m == "Lookup"),
        "{marks}"
    );

    b.keys(ARROW_DOWN);
    let selected = b.js(
        "return document.querySelector('[aria-selected=true]').textContent;",
        json!([]),
    );
    assert!(selected.as_str().unwrap().contains("Artist Lookup"));
    b.keys(ENTER);
    b.wait_for("location.pathname.endsWith('/catalog/default/component/artist-lookup/')");
}

// Issue #4: `/` focuses the box from anywhere, Escape closes the results;
// docs sections link to their heading.
#[test]
fn slash_focuses_escape_closes_and_docs_sections_link_to_their_heading() {
    let dir = portal();
    let served = serve(dir.path());
    let b = Browser::start();
    b.goto(&served.url("/docs/default/component/playback-service/"));
    b.wait_for("document.readyState === 'complete'");
    b.keys("/");
    b.wait_for("document.activeElement && document.activeElement.id === 'site-search-input'");
    b.keys("buffering");
    let shown = options(&b, "buffering");
    assert!(shown[0].starts_with("Docs"), "{shown:?}");
    assert!(shown[0].contains("Buffering strategy"), "{shown:?}");
    let href = b.js(
        "return document.querySelector('#site-search-results [role=option] a').getAttribute('href');",
        json!([]),
    );
    assert_eq!(
        href,
        "../../../../docs/default/component/playback-service/#buffering-strategy"
    );
    b.keys(ESCAPE);
    b.wait_for("document.querySelector('.site-search-panel').hidden");
    // The docs' own text, not their markup or permalinks.
    b.js(
        "document.getElementById('site-search-input').value = '';",
        json!([]),
    );
    b.type_into("#site-search-input", "codecs");
    let shown = options(&b, "codecs");
    assert!(
        shown[0].contains("Codecs") && shown[0].contains("Opus everywhere"),
        "{shown:?}"
    );
    assert!(!shown[0].contains('¶'), "{shown:?}");
}

// Issue #4: the search page keeps query and filters in the URL.
#[test]
fn the_search_page_filters_by_kind_with_state_in_the_url() {
    let dir = portal();
    let served = serve(dir.path());
    let b = Browser::start();
    b.goto(&served.url("/search/?q=playback&kind=Docs"));
    let kinds = |b: &Browser| -> Vec<String> {
        b.wait_for("document.querySelectorAll('.search-page-results li').length > 0");
        strings(
            b,
            "return Array.from(document.querySelectorAll('.search-page-results .search-badge')).map(e => e.textContent);",
        )
    };
    let docs = kinds(&b);
    assert!(
        docs.len() >= 3 && docs.iter().all(|k| k == "Docs"),
        "{docs:?}"
    );
    assert_eq!(
        b.js(
            "return document.querySelector('select[data-facet=kind]').value;",
            json!([])
        ),
        "Docs"
    );
    b.js(
        "const s = document.querySelector('select[data-facet=kind]'); s.value = 'Component'; s.dispatchEvent(new Event('change'));",
        json!([]),
    );
    b.wait_for("location.search.includes('kind=Component')");
    b.wait_for("Array.from(document.querySelectorAll('.search-page-results .search-badge')).every(e => e.textContent === 'Component')");
    let components = kinds(&b);
    assert_eq!(components, ["Component"], "playback-service only");
    assert!(b.url().contains("q=playback"));
    let status = b.js(
        "return document.querySelector('.search-page-status').textContent;",
        json!([]),
    );
    assert!(status.as_str().unwrap().contains("1 result"), "{status}");
}

// Issue #4: HTML in titles and descriptions shows as text in results.
#[test]
fn hostile_titles_and_descriptions_show_as_text() {
    let dir = portal();
    let served = serve(dir.path());
    let b = Browser::start();
    b.goto(&served.url("/"));
    b.type_into("#site-search-input", "evil");
    let shown = options(&b, "evil");
    assert!(
        shown[0].contains("<img src=x onerror=window.__xss=1>"),
        "{shown:?}"
    );
    let injected = b.js(
        "return [window.__xss === undefined, document.querySelectorAll('.site-search-panel img, .site-search-panel script').length];",
        json!([]),
    );
    assert_eq!(injected, json!([true, 0]));
}

// Issue #4: a portal opened from disk searches too (no server, no fetch).
#[test]
fn search_works_from_disk() {
    let dir = portal();
    let p = Portal::load(dir.path());
    let public = dir.path().join("public");
    backlot::output::write_atomic(&p.render(), &public).unwrap();
    let b = Browser::start();
    b.goto(&format!("file://{}", public.join("index.html").display()));
    b.type_into("#site-search-input", "jane");
    let shown = options(&b, "jane");
    assert!(
        shown[0].starts_with("User") && shown[0].contains("Jane Doe"),
        "{shown:?}"
    );
    let href = b.js(
        "return document.querySelector('#site-search-results [role=option] a').getAttribute('href');",
        json!([]),
    );
    assert_eq!(href, "catalog/default/user/jdoe/index.html");
}

/// Every distinct word of the TechDocs fixtures, plus the cases the
/// tokenizer's rules name.
fn vocabulary(root: &Path) -> Vec<String> {
    let mut words: std::collections::BTreeSet<String> = [
        "artist-lookup artistLookup HTTPServer s3Bucket snake_case v1.2.3 ÜberGröße 日本語 Привет",
        "the The THE running runs ran happiness generalizations conditional sensibility",
        "caresses ponies ties caress cats feed agreed disabled matting mating meeting milling",
        "messing meetings happy sky leeshyy relational rational valenci hesitanci digitizer",
        "conformabli radicalli differentli vileli analogousli vietnamization predication operator",
        "feudalism decisiveness hopefulness callousness formaliti sensitiviti sensibiliti",
        "triplicate formative formalize electriciti electrical hopeful goodness revival",
        "allowance inference airliner gyroscopic adjustable defensible irritant replacement",
        "adjustment dependent adoption homologou communism activate angulariti homologous",
        "effective bowdlerize probate rate cease controll roll generate oed ied ees",
    ]
    .iter()
    .flat_map(|l| l.split_whitespace().map(str::to_string))
    .collect();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "md")
            && let Ok(text) = std::fs::read_to_string(entry.path())
        {
            words.extend(text.split_whitespace().map(str::to_string));
        }
    }
    words.into_iter().collect()
}

// Issue #4: the browser tokenizes queries exactly as the index was built
// (camelCase and kebab parts, stop words, elasticlunr's Porter stemmer).
#[test]
fn the_browser_tokenizer_matches_the_index_builder() {
    let dir = portal();
    let p = Portal::load(dir.path());
    let public = dir.path().join("public");
    backlot::output::write_atomic(&p.render(), &public).unwrap();
    let words = vocabulary(&crate::support::fixture("techdocs"));
    assert!(words.len() > 3000, "{}", words.len());
    let b = Browser::start();
    b.goto(&format!("file://{}", public.join("index.html").display()));
    b.wait_for("typeof window.__backlotSearchTokenize === 'function'");
    let browser = b.js_async(
        "const done = arguments[arguments.length - 1];
         const words = arguments[0];
         Promise.all(words.map(w => window.__backlotSearchTokenize(w))).then(done, e => done(String(e)));",
        json!([words]),
    );
    let browser = browser.as_array().unwrap_or_else(|| panic!("{browser}"));
    let mut differences = BTreeMap::new();
    for (word, js) in words.iter().zip(browser) {
        let rust: Vec<Value> = backlot::search::tokenize(word)
            .into_iter()
            .map(Value::from)
            .collect();
        if js.as_array() != Some(&rust) {
            differences.insert(word.clone(), (rust, js.clone()));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} words differ, e.g. {:?}",
        differences.len(),
        words.len(),
        differences.iter().take(10).collect::<Vec<_>>()
    );
}

// Issue #4: ranking, on a fixed set of queries with the result people
// expect first (exact names and titles, then title and heading matches).
#[test]
fn fixed_queries_rank_the_expected_result_first() {
    let dir = portal();
    let served = serve(dir.path());
    let b = Browser::start();
    b.goto(&served.url("/"));
    for (query, first) in [
        ("artist lookup", "Artist Lookup"),
        ("artist-lookup", "Artist Lookup"),
        ("ArtistLookup", "Artist Lookup"),
        ("jane", "Jane Doe"),
        ("jane.doe@example.com", "Jane Doe"),
        ("petstore", "petstore"),
        ("team alpha", "Team Alpha"),
        ("buffering", "Buffering strategy"),
        ("restart playback", "Restarting"),
        ("thirty seconds", "Buffering strategy"),
    ] {
        b.js(
            "document.getElementById('site-search-input').value = '';",
            json!([]),
        );
        b.type_into("#site-search-input", query);
        let shown = options(&b, query);
        assert!(shown[0].contains(first), "{query}: {shown:?}");
    }
}
