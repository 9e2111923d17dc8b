//! API reference pages (#6): definitions rendered at build time, the
//! `/api-docs/` list, links from components, operations in search, and
//! bad or hostile definitions.

use backlot::apidocs::Model;
use backlot::diag::Code;
use backlot::output::OutputSet;
use backlot::search::DocKind;

use crate::support::{Portal, fixture, tree};

fn page(site: &OutputSet, path: &str) -> String {
    String::from_utf8(
        site.get(path)
            .unwrap_or_else(|| panic!("{path} not built"))
            .to_vec(),
    )
    .unwrap()
}

const ORG: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-b\nspec:\n  type: team\n  children: []\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-c\nspec:\n  type: team\n  children: []\n";

/// Every API file of Backstage's example catalog (upstream's `all-apis.yaml`
/// leaves out petstore31 and config-schema), copied into a fresh tree.
fn examples_tree() -> tempfile::TempDir {
    let apis = fixture("backstage-examples/apis");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&apis)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                format!("apis/{}", p.file_name().unwrap().to_string_lossy()),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files.push((
        "backlot.yaml".into(),
        "catalog:\n  locations:\n    - { type: file, target: org.yaml }\n    - { type: file, target: 'apis/*-api.yaml' }\n    - { type: file, target: apis/swapi-graphql.yaml }\n".into(),
    ));
    files.push(("org.yaml".into(), ORG.into()));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    tree(&borrowed)
}

fn definition_path(name: &str) -> String {
    format!("catalog/default/api/{name}/definition/index.html")
}

// Issue #6: every operation of the OpenAPI (3.0 inline, 3.1 inline with a
// webhook, 3.1 webhooks via $text) and AsyncAPI examples, and every query
// field of swapi, is on its definition page with its anchor and a
// self-link.
#[test]
fn every_operation_of_the_example_definitions_is_on_its_page() {
    let dir = examples_tree();
    let p = Portal::load(dir.path());
    let api_problems: Vec<_> = p
        .diagnostics()
        .into_iter()
        .filter(|d| d.code.as_str().starts_with("api/"))
        .collect();
    assert!(api_problems.is_empty(), "{}", p.dump());
    let site = p.render();
    let expect = |name: &str, anchors: &[&str], texts: &[&str]| {
        let html = page(&site, &definition_path(name));
        for a in anchors {
            assert!(
                html.contains(&format!("id=\"{a}\"")),
                "{name}: no anchor {a}"
            );
            assert!(
                html.contains(&format!("href=\"#{a}\"")),
                "{name}: no self-link {a}"
            );
        }
        for t in texts {
            assert!(html.contains(t), "{name}: no {t:?}");
        }
    };
    expect(
        "petstore",
        &["op-listPets", "op-createPets", "op-showPetById"],
        &[
            ">/pets</code>",
            ">/pets/{petId}</code>",
            "List all pets",
            ">GET<",
            ">POST<",
        ],
    );
    expect(
        "petstore31",
        &["op-listPets", "op-createPets", "op-showPetById"],
        &["Webhooks", ">newPet</code>"],
    );
    expect("petstore-webhook", &[], &["Webhooks", ">newPet</code>"]);
    expect(
        "streetlights",
        &[
            "operation-receiveLightMeasurement",
            "operation-turnOn",
            "operation-turnOff",
            "operation-dimLight",
        ],
        &["smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured"],
    );
    let queries = [
        "allFilms",
        "film",
        "allPeople",
        "person",
        "allPlanets",
        "planet",
        "allSpecies",
        "species",
        "allStarships",
        "starship",
        "allVehicles",
        "vehicle",
        "node",
    ];
    let anchors: Vec<String> = queries.iter().map(|q| format!("query-{q}")).collect();
    let anchors: Vec<&str> = anchors.iter().map(String::as_str).collect();
    expect("starwars-graphql", &anchors, &["Queries", "type-Film"]);
    // Every operation the readers found, not only those named above.
    for (id, e) in p.loaded.catalog.entities.iter().enumerate() {
        let Some(doc) = p.loaded.apis.get(id) else {
            continue;
        };
        let html = page(&site, &definition_path(&e.metadata.name));
        let anchors: Vec<&str> = match &doc.model {
            Model::OpenApi(m) => m
                .operations
                .iter()
                .chain(&m.webhooks)
                .map(|o| o.anchor.as_str())
                .collect(),
            Model::AsyncApi(m) => m.operations.iter().map(|o| o.anchor.as_str()).collect(),
            Model::Graphql(m) => m.queries.iter().map(|f| f.anchor.as_str()).collect(),
            Model::Proto(m) => m
                .services
                .iter()
                .flat_map(|s| &s.rpcs)
                .map(|r| r.anchor.as_str())
                .collect(),
            Model::Raw => Vec::new(),
        };
        for a in anchors {
            assert!(
                html.contains(&format!("id=\"{a}\"")),
                "{}: {a}",
                e.metadata.name
            );
        }
    }
    // gRPC and other types: the source highlighted, and a download.
    let grpc = page(&site, &definition_path("hello-world"));
    assert!(grpc.contains("rpc-helloworld.Greeter.SayHello"), "{grpc}");
    assert!(site.contains("catalog/default/api/hello-world/definition/hello-world.proto"));
    let trpc = page(&site, &definition_path("hello-world-trpc"));
    assert!(trpc.contains("hello-world-trpc.txt") && trpc.contains("publicProcedure"));
    // A `$text` URL was not fetched: the page says so, and no api/ problem.
    let spotify = page(&site, &definition_path("spotify"));
    assert!(spotify.contains("was not fetched"), "{spotify}");
}

// Issue #6: /api-docs/ lists every API with type, lifecycle, owner,
// system, providers and consumers, linking to each definition; the
// navigation links there.
#[test]
fn api_docs_lists_every_api() {
    let p = Portal::load(&fixture("backstage-examples"));
    let site = p.render();
    let html = page(&site, "api-docs/index.html");
    let apis: Vec<_> = p
        .loaded
        .catalog
        .entities
        .iter()
        .filter(|e| e.entity_ref.kind_lower() == "api")
        .collect();
    assert!(apis.len() >= 10);
    for e in &apis {
        let name = &e.metadata.name;
        assert!(
            html.contains(&format!(
                "href=\"../catalog/default/api/{name}/definition/\""
            )),
            "{name} has no definition link"
        );
        assert!(html.contains(&format!("href=\"../catalog/default/api/{name}/\"")));
    }
    assert_eq!(html.matches("<tr data-type=").count(), apis.len());
    // petstore: provided by the petstore component, owned by team-c.
    let row = html
        .split("<tr data-type=")
        .find(|r| r.contains("api/petstore/\""))
        .unwrap();
    assert!(
        row.contains("component/petstore/") && row.contains("group/team-c/"),
        "{row}"
    );
    assert!(
        row.contains("data-lifecycle=\"experimental\"")
            || html.contains("data-lifecycle=\"experimental\"")
    );
    // wayback-archive is consumed by wayback-search.
    let row = html
        .split("<tr data-type=")
        .find(|r| r.contains("api/wayback-archive/\""))
        .unwrap();
    assert!(row.contains("component/wayback-search/"), "{row}");
    let home = page(&site, "index.html");
    assert!(
        home.contains("href=\"api-docs/\""),
        "no APIs in the navigation"
    );
}

// Issue #6: components link their provided and consumed APIs to the
// definitions; the API page links its Definition tab.
#[test]
fn component_pages_link_to_api_definitions() {
    let site = Portal::load(&fixture("backstage-examples")).render();
    let component = page(&site, "catalog/default/component/petstore/index.html");
    for api in ["petstore", "streetlights", "hello-world"] {
        assert!(
            component.contains(&format!("href=\"../../api/{api}/definition/\"")),
            "no definition link to {api}"
        );
    }
    let consumer = page(&site, "catalog/default/component/wayback-search/index.html");
    assert!(consumer.contains("href=\"../../api/wayback-archive/definition/\""));
    let api = page(&site, "catalog/default/api/petstore/index.html");
    assert!(api.contains("href=\"definition/\""));
    // A team's Ownership card links the APIs it owns to their definitions.
    let team = page(&site, "catalog/default/group/team-c/index.html");
    assert!(
        team.contains("href=\"../../api/petstore/definition/\""),
        "no definition link on the owner's page"
    );
}

// Issue #6: each operation is a search document whose URL points at an
// anchor that exists on the page it names.
#[test]
fn operations_are_search_documents_linking_to_existing_anchors() {
    let dir = examples_tree();
    let p = Portal::load(dir.path());
    let out = p.render();
    let l = &p.loaded;
    let site = backlot::site::Site::new(
        &l.catalog,
        &l.apis,
        &l.sources,
        &l.diagnostics,
        &l.config,
        &l.docs,
    );
    let docs: Vec<_> = backlot::site::search::search_docs(&site)
        .into_iter()
        .filter(|d| d.kind == DocKind::Api)
        .collect();
    assert!(docs.iter().any(|d| d.title == "GET /pets/{petId}"));
    assert!(docs.iter().any(|d| d.title == "query allFilms"));
    assert!(docs.iter().any(|d| d.title.starts_with("subscribe ")));
    assert!(docs.iter().any(|d| d.title == "rpc Greeter.SayHello"));
    for d in &docs {
        let (path, anchor) = d.url.split_once('#').expect("an anchor");
        let html = page(&out, &format!("{path}index.html"));
        assert!(
            html.contains(&format!("id=\"{anchor}\"")),
            "{}: {}",
            d.title,
            d.url
        );
        assert_eq!(d.facets.get("kind").map(String::as_str), Some("API"));
        assert!(d.facets.contains_key("owner"));
    }
}

const HOSTILE_OAS: &str = r#"openapi: 3.0.0
info:
  title: "<script>alert('title')</script>"
  version: "1"
  description: "<img src=x onerror=alert(1)> [click](javascript:alert(2)) <a href=\"javascript:alert(3)\">x</a>"
paths:
  /x:
    get:
      operationId: "\"><script>alert(4)</script>"
      summary: "<script>alert('summary')</script>"
      description: "<iframe src=\"https://evil.example\"></iframe><b onclick=alert(5)>b</b>"
      parameters:
        - name: "<svg onload=alert(6)>"
          in: query
          schema:
            type: string
            enum: ["<script>alert('enum')</script>"]
            example: "<img src=y onerror=alert(7)>"
      responses:
        '200':
          description: "[x](JaVaScRiPt:alert(8))"
"#;

const HOSTILE_SDL: &str = "\"\"\"<script>alert('gql')</script> [x](javascript:alert(9)) <img src=z onerror=alert(10)>\"\"\"\ntype Query {\n  \"\"\"<script>alert('field')</script>\"\"\"\n  a(\"\"\"<img onerror=alert(11) src=q>\"\"\" x: Int): String\n}\n";

fn api_descriptor(name: &str, spec_type: &str, definition: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: {name}\nspec:\n  type: {spec_type}\n  lifecycle: production\n  owner: team-a\n  definition: {definition}\n"
    )
}

/// Every start tag in `html` (`<name ...>`), as written.
fn tags(html: &str) -> Vec<&str> {
    html.match_indices('<')
        .filter_map(|(i, _)| {
            let rest = &html[i + 1..];
            rest.chars().next().filter(|c| c.is_ascii_alphabetic())?;
            Some(&html[i..i + 1 + rest.find('>').unwrap_or(rest.len())])
        })
        .collect()
}

// Repository content is untrusted (ARCHITECTURE.md): hostile strings in
// titles, summaries, descriptions, names, enum values, examples and
// GraphQL descriptions stay text or are sanitized; no script, event
// handler or javascript: URL reaches the page.
#[test]
fn hostile_definitions_stay_text() {
    let dir = tree(&[
        (
            "backlot.yaml",
            "catalog:\n  locations:\n    - { type: file, target: 'c/*.yaml' }\n",
        ),
        ("c/org.yaml", ORG),
        (
            "c/oas.yaml",
            &api_descriptor("evil", "openapi", "{$text: ./evil.oas}"),
        ),
        ("c/evil.oas", HOSTILE_OAS),
        (
            "c/sdl.yaml",
            &api_descriptor("evil-gql", "graphql", "{$text: ./evil.graphql}"),
        ),
        ("c/evil.graphql", HOSTILE_SDL),
        (
            "c/fine.yaml",
            &api_descriptor("fine", "graphql", "'type Query { a: Int }'"),
        ),
    ]);
    let p = Portal::load(dir.path());
    let site = p.render();
    let benign = page(&site, &definition_path("fine"));
    for name in ["evil", "evil-gql"] {
        let html = page(&site, &definition_path(name));
        for tag in tags(&html) {
            let lower = tag.to_ascii_lowercase();
            assert!(
                !lower.contains(" on") || !lower.contains('='),
                "{name}: event handler in {tag}"
            );
            assert!(
                !lower.contains("javascript:"),
                "{name}: javascript: in {tag}"
            );
            // The sanitizer keeps iframes only from allowed hosts (none
            // here): the element may stay, without a source.
            assert!(
                !(lower.starts_with("<svg")
                    || (lower.starts_with("<iframe") && lower.contains("src"))),
                "{name}: {tag}"
            );
        }
        assert!(!html.contains("<script>alert"), "{name}");
        assert_eq!(
            html.matches("<script").count(),
            benign.matches("<script").count(),
            "{name}: a script of the definition's"
        );
    }
    let evil = page(&site, &definition_path("evil"));
    assert!(
        evil.contains("&lt;script&gt;alert(&#39;summary&#39;)&lt;/script&gt;"),
        "summary not shown as text"
    );
    assert!(
        evil.contains("&lt;svg onload=alert(6)&gt;"),
        "parameter name not shown as text"
    );
    // The search index stores text: titles stay as written, the page
    // escapes them when it shows results.
    let gql = page(&site, &definition_path("evil-gql"));
    assert!(gql.contains("query-a"));
}

// Issue #6 and ARCHITECTURE.md ("bad input is data"): a definition that
// cannot be read is a warning at its file and line (the `$text` target's,
// or the descriptor's line inside the block scalar), its page shows the
// raw text, and the rest of the portal is built.
#[test]
fn malformed_definitions_are_reported_at_their_line_and_shown_raw() {
    let inline = api_descriptor(
        "inline",
        "openapi",
        "|\n    openapi: 3.0.0\n    info:\n      title: [broken\n    paths: {}\n",
    );
    let dir = tree(&[
        (
            "backlot.yaml",
            "catalog:\n  locations:\n    - { type: file, target: 'c/*.yaml' }\n",
        ),
        ("c/org.yaml", ORG),
        (
            "c/a-text.yaml",
            &api_descriptor("from-file", "openapi", "{$text: ./spec/broken.txt}"),
        ),
        (
            "c/spec/broken.txt",
            "openapi: 3.0.0\ninfo:\n  title: <b>x</b>\n  version: [1\npaths: {}\n",
        ),
        ("c/b-inline.yaml", &inline),
    ]);
    let p = Portal::load(dir.path());
    let found = p.with_code(Code::ApiInvalidDefinition);
    assert_eq!(found.len(), 2, "{}", p.dump());
    let locations: Vec<String> = found.iter().map(|d| p.location(d)).collect();
    // `[1` opens a flow sequence on line 4 that never closes: the parser
    // notices at the end of the text. Inline: the block starts on line 10;
    // its 4th line holds `[broken`.
    assert!(
        locations
            .iter()
            .any(|l| l.starts_with("c/spec/broken.txt:")),
        "{locations:?}"
    );
    assert!(
        locations.iter().any(|l| l.starts_with("c/b-inline.yaml:")),
        "{locations:?}"
    );
    for d in &found {
        let line = d.span.unwrap().start.line;
        let file = p.loaded.sources.display(d.span.unwrap().file);
        let want = if file == "c/spec/broken.txt" {
            4..=6
        } else {
            13..=15
        };
        assert!(want.contains(&line), "{file}:{line}: {}", d.message);
        assert_eq!(d.severity, backlot::diag::Severity::Warning);
        assert!(d.entity.is_some());
    }
    let site = p.render();
    let raw = page(&site, &definition_path("from-file"));
    assert!(raw.contains("&lt;b&gt;x&lt;/b&gt;"), "raw text not shown");
    assert!(raw.contains("shown as text"));
    let inline_page = page(&site, &definition_path("inline"));
    assert!(inline_page.contains("broken"));
    // The entity page lists the problem; the rest of the portal is there.
    let overview = page(&site, "catalog/default/api/inline/index.html");
    assert!(overview.contains("api/invalid-definition"));
    assert!(site.contains("catalog/default/group/team-a/index.html"));
    assert!(site.contains("api-docs/index.html"));
}

// Issue #6: external `$ref`s are not fetched; the page lists them.
#[test]
fn external_refs_are_noted_not_fetched() {
    let spec = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: 'https://example.org/schemas.yaml#/Pet'}\n";
    let dir = tree(&[
        (
            "backlot.yaml",
            "catalog:\n  locations:\n    - { type: file, target: 'c/*.yaml' }\n",
        ),
        ("c/org.yaml", ORG),
        (
            "c/api.yaml",
            &api_descriptor("ext", "openapi", "{$text: ./spec.txt}"),
        ),
        ("c/spec.txt", spec),
    ]);
    let p = Portal::load(dir.path());
    assert!(p.diagnostics().is_empty(), "{}", p.dump());
    let html = page(&p.render(), &definition_path("ext"));
    assert!(html.contains("were not fetched"));
    assert!(html.contains("<code>https://example.org/schemas.yaml#/Pet</code>"));
}

// Hardening: schemas that reference each other several times are listed
// once and linked, so the page grows with the definition, not with its
// expansion. The finding: 40 chained schemas, each referencing the next
// twice, under every operation: a 9.5 kB definition made a 26.7 MB page.
#[test]
fn chained_schemas_are_listed_once_and_linked() {
    let n = 40;
    let mut spec = String::from("openapi: 3.0.0\ninfo: {title: chain, version: '1'}\npaths:\n");
    for op in 0..20 {
        spec.push_str(&format!(
            "  /r{op}:\n    post:\n      operationId: op{op}\n      requestBody:\n        content:\n          application/json:\n            schema: {{$ref: '#/components/schemas/S0'}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                type: array\n                items: {{$ref: '#/components/schemas/S0'}}\n"
        ));
    }
    spec.push_str("components:\n  schemas:\n");
    for i in 0..n {
        let next = if i + 1 < n {
            format!(
                "\n        left: {{$ref: '#/components/schemas/S{}'}}\n        right: {{$ref: '#/components/schemas/S{}'}}",
                i + 1,
                i + 1
            )
        } else {
            " {}".to_string()
        };
        spec.push_str(&format!(
            "    S{i}:\n      type: object\n      description: Level {i}\n      properties:{next}\n"
        ));
    }
    let dir = tree(&[
        (
            "backlot.yaml",
            "catalog:\n  locations:\n    - { type: file, target: 'c/*.yaml' }\n",
        ),
        ("c/org.yaml", ORG),
        (
            "c/api.yaml",
            &api_descriptor("chain", "openapi", "{$text: ./spec.txt}"),
        ),
        ("c/spec.txt", &spec),
    ]);
    let p = Portal::load(dir.path());
    assert!(p.diagnostics().is_empty(), "{}", p.dump());
    let html = page(&p.render(), &definition_path("chain"));
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
    // Every schema is there, each linked to where it is listed.
    for i in 0..n {
        assert!(html.contains(&format!("id=\"schema-S{i}\"")), "S{i} listed");
        assert!(html.contains(&format!("Level {i}")));
    }
    assert!(html.contains("href=\"#schema-S1\""));
}
