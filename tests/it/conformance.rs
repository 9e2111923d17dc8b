//! Backstage's own example catalog (tests/fixtures/backstage-examples, a copy
//! of backstage/backstage packages/catalog-model/examples), registered as
//! Backstage's example app registers it: `all.yaml` and `acme-corp.yaml`.
//!
//! Backlot must accept the entities Backstage accepts and give each the
//! relations Backstage's stitcher stores (spec/catalog.md §7), with one
//! documented difference: Backstage rejects `api:default/petstore-webhook`
//! because its relative `$text` cannot form a URL from a file location
//! (§9); Backlot resolves it as Backstage's documentation describes.

use backlot::diag::Code;

use crate::support::{Portal, fixture};

fn portal() -> Portal {
    Portal::load(&fixture("backstage-examples"))
}

#[test]
fn accepts_the_same_entities_as_backstage() {
    let p = portal();
    let refs: Vec<String> = p
        .refs()
        .into_iter()
        .filter(|r| !r.starts_with("location:default/generated-"))
        .collect();
    let expected = [
        "airesource:default/code-review-plugin",
        "airesource:default/frontend-design",
        "airesource:default/use-internal-apis",
        "api:default/backstage-mcp-server",
        "api:default/hello-world",
        "api:default/hello-world-trpc",
        "api:default/petstore",
        // Rejected by Backstage (relative $text from a file location, §9).
        "api:default/petstore-webhook",
        "api:default/spotify",
        "api:default/starwars-graphql",
        "api:default/streetlights",
        "api:default/wayback-archive",
        "api:default/wayback-search",
        "component:default/artist-lookup",
        "component:default/petstore",
        "component:default/playback-order",
        "component:default/playback-sdk",
        "component:default/podcast-api",
        "component:default/queue-proxy",
        "component:default/searcher",
        "component:default/shuffle-api",
        "component:default/wayback-archive",
        "component:default/wayback-archive-ingestion",
        "component:default/wayback-archive-storage",
        "component:default/wayback-search",
        "component:default/www-artist",
        "domain:default/artists",
        "domain:default/audio",
        "domain:default/playback",
        "group:default/acme-corp",
        "group:default/backstage",
        "group:default/boxoffice",
        "group:default/infrastructure",
        "group:default/team-a",
        "group:default/team-b",
        "group:default/team-c",
        "group:default/team-d",
        "location:default/acme-corp",
        "location:default/example-ai-resources",
        "location:default/example-all",
        "location:default/example-apis",
        "location:default/example-components",
        "location:default/example-domains",
        "location:default/example-groups",
        "location:default/example-resources",
        "location:default/example-systems",
        "resource:default/artists-db",
        "system:default/artist-engagement-portal",
        "system:default/audio-playback",
        "system:default/podcast",
        "user:default/amelia.park",
        "user:default/breanna.davison",
        "user:default/calum.leavy",
        "user:default/colette.brock",
        "user:default/eva.macdowell",
        "user:default/frank.tiernan",
        "user:default/guest",
        "user:default/janelle.dawe",
        "user:default/jenny.doe",
        "user:default/jonathon.page",
        "user:default/justine.barrow",
        "user:default/lucy.sheehan",
        "user:default/nigel.manning",
        "user:default/peadar.macmahon",
        "user:default/sarah.gilroy",
        "user:default/tara.macgovern",
        "user:development/guest",
    ];
    assert_eq!(refs, expected, "\n{}", p.dump());
    // ConfigLocationEntityProvider: one generated Location per config entry.
    let generated = p
        .refs()
        .iter()
        .filter(|r| r.starts_with("location:default/generated-"))
        .count();
    assert_eq!(generated, 2);
}

#[test]
fn no_errors_and_only_the_expected_warnings() {
    let p = portal();
    assert_eq!(p.loaded.diagnostics.errors(), 0, "\n{}", p.dump());
    let mut warnings: Vec<String> = p
        .diagnostics()
        .iter()
        .map(|d| format!("{} {}", d.code, p.location(d)))
        .collect();
    warnings.sort();
    assert_eq!(
        warnings,
        [
            // code-review-plugin lists two skills that the corpus lacks.
            "placeholder/unsupported apis/spotify-api.yaml:17",
            "placeholder/unsupported apis/wayback-archive-api.yaml:11",
            "placeholder/unsupported apis/wayback-search-api.yaml:11",
            "relation/dangling-ref ai-resources/code-review-plugin.yaml:12",
            "relation/dangling-ref ai-resources/code-review-plugin.yaml:13",
            // `owner: guest` is group:default/guest; the corpus has a user guest.
            "relation/dangling-ref components/playback-order-component.yaml:12",
        ],
        "\n{}",
        p.dump()
    );
}

// performStitching: relations sorted by type then targetRef, both
// directions, stored even when the target is missing.
#[test]
fn relations_match_backstage() {
    let p = portal();
    let cases: &[(&str, &[&str])] = &[
        (
            "component:default/petstore",
            &[
                "ownedBy group:default/team-c",
                "providesApi api:default/hello-world",
                "providesApi api:default/petstore",
                "providesApi api:default/streetlights",
            ],
        ),
        (
            "component:default/wayback-archive",
            &[
                "hasPart component:default/wayback-archive-ingestion",
                "hasPart component:default/wayback-archive-storage",
                "ownedBy group:default/team-a",
                "providesApi api:default/wayback-archive",
            ],
        ),
        (
            "component:default/wayback-archive-ingestion",
            &[
                "ownedBy group:default/team-d",
                "partOf component:default/wayback-archive",
            ],
        ),
        (
            "api:default/wayback-archive",
            &[
                "apiConsumedBy component:default/wayback-search",
                "apiProvidedBy component:default/wayback-archive",
                "ownedBy group:default/team-a",
            ],
        ),
        (
            "group:default/backstage",
            &[
                "childOf group:default/infrastructure",
                "parentOf group:default/team-a",
                "parentOf group:default/team-b",
            ],
        ),
        (
            "domain:default/artists",
            &[
                "hasPart system:default/artist-engagement-portal",
                "ownedBy group:default/team-a",
                "partOf domain:default/audio",
            ],
        ),
        ("user:development/guest", &["memberOf group:default/team-a"]),
        // Dangling, still stored (spec/catalog.md §11).
        (
            "component:default/playback-order",
            &["ownedBy group:default/guest"],
        ),
        (
            "airesource:default/code-review-plugin",
            &[
                "hasPart airesource:default/security-review",
                "hasPart airesource:default/typescript-best-practices",
                "ownedBy group:default/team-a",
                "partOf system:default/artist-engagement-portal",
            ],
        ),
        ("location:default/example-all", &[]),
    ];
    for (entity, expected) in cases {
        assert_eq!(p.relations(entity), *expected, "relations of {entity}");
    }
    // A group lists members that only the users' memberOf name.
    let team_a = p.relations("group:default/team-a");
    for member in [
        "user:default/guest",
        "user:development/guest",
        "user:default/breanna.davison",
    ] {
        assert!(
            team_a.contains(&format!("hasMember {member}")),
            "{team_a:?}"
        );
    }
}

// ProcessorOutputCollector: location annotations on every emitted entity.
#[test]
fn location_annotations_are_set_as_backstage_does() {
    let p = portal();
    let root = std::fs::canonicalize(fixture("backstage-examples")).unwrap();
    let api = p.loaded.catalog.get("api:default/petstore").unwrap();
    assert_eq!(
        api.annotation("backstage.io/managed-by-location"),
        Some(format!("file:{}", root.join("apis/petstore-api.yaml").display()).as_str())
    );
    assert_eq!(
        api.annotation("backstage.io/managed-by-origin-location"),
        Some(format!("file:{}", root.join("all.yaml").display()).as_str())
    );
}

// spec/catalog.md §9: Backlot follows the documentation for relative $text.
#[test]
fn relative_text_placeholder_is_resolved_against_the_descriptor() {
    let p = portal();
    let api = p
        .loaded
        .catalog
        .get("api:default/petstore-webhook")
        .unwrap();
    let definition = api.spec_str("definition").unwrap();
    let expected =
        std::fs::read_to_string(fixture("backstage-examples/apis/petstore-webhook.oas.yaml"))
            .unwrap();
    assert_eq!(definition, expected);
    assert!(p.with_code(Code::PlaceholderReadFailed).is_empty());
}
