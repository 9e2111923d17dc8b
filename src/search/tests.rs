use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::*;

fn doc(kind: DocKind, title: &str, heading: Option<&str>, text: &str, url: &str) -> SearchDoc {
    SearchDoc {
        kind,
        title: title.to_string(),
        heading: heading.map(str::to_string),
        text: text.to_string(),
        url: url.to_string(),
        entity_ref: format!(
            "component:default/{}",
            title.to_lowercase().replace(' ', "-")
        ),
        entity_kind: "Component".to_string(),
        facets: BTreeMap::from([("owner".to_string(), "team-a".to_string())]),
        boost: 1.0,
    }
}

/// The JSON value of an index file (`__backlotSearch("<path>",<json>);`),
/// checking the path it announces.
pub(super) fn script_value(path: &str, bytes: &[u8]) -> Value {
    let text = std::str::from_utf8(bytes).unwrap();
    let own = path.strip_prefix("search/").unwrap();
    let head = format!("{LOADER}({own:?},");
    let body = text
        .strip_prefix(head.as_str())
        .and_then(|t| t.strip_suffix(");\n"))
        .unwrap_or_else(|| panic!("{path} is not a loader script: {text:.80}"));
    serde_json::from_str(body).unwrap()
}

/// What the browser will do (see the module docs): the ranked URLs and the
/// term shards fetched.
fn search(files: &[(String, Vec<u8>)], query: &str) -> (Vec<String>, BTreeSet<String>) {
    let file = |path: &str| -> Value {
        let bytes = &files
            .iter()
            .find(|f| f.0 == path)
            .unwrap_or_else(|| panic!("{path}"))
            .1;
        script_value(path, bytes)
    };
    let meta = file("search/meta.js");
    let shards = meta["shards"].as_object().unwrap();
    let mut touched = BTreeSet::new();
    let mut scores: BTreeMap<u64, f64> = BTreeMap::new();
    let mut hits: BTreeMap<u64, BTreeSet<usize>> = BTreeMap::new();
    let groups: Vec<Vec<String>> = query
        .split_whitespace()
        .map(tokenize)
        .filter(|g| !g.is_empty())
        .collect();
    for term in query_terms(query) {
        let Some((_, shard_file)) = shards
            .iter()
            .filter(|(prefix, _)| shard_key(&term).starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.chars().count())
        else {
            continue;
        };
        let path = format!("search/terms/{}", shard_file.as_str().unwrap());
        let shard = file(&path);
        touched.insert(path);
        let group = groups.iter().position(|g| g.contains(&term));
        for posting in shard["terms"][&term].as_array().into_iter().flatten() {
            let id = posting[0].as_u64().unwrap();
            *scores.entry(id).or_default() += posting[1].as_u64().unwrap() as f64;
            if let Some(g) = group {
                hits.entry(id).or_default().insert(g);
            }
        }
    }
    if groups.len() > 1 {
        for (id, score) in scores.iter_mut() {
            let share = hits.get(id).map_or(0, BTreeSet::len) as f64 / groups.len() as f64;
            *score *= share * share;
        }
    }
    let mut ranked: Vec<(u64, f64)> = scores.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let chunk = meta["docChunkSize"].as_u64().unwrap();
    let urls = ranked
        .iter()
        .map(|(id, _)| {
            let docs = file(&format!("search/docs/{}.js", id / chunk));
            let offset = docs["offset"].as_u64().unwrap();
            docs["docs"][(id - offset) as usize]["url"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    (urls, touched)
}

fn corpus() -> Vec<SearchDoc> {
    vec![
        doc(
            DocKind::Entity,
            "artist-lookup",
            None,
            "Looks up artists by id.",
            "catalog/default/component/artist-lookup/",
        ),
        doc(
            DocKind::Entity,
            "artist-web",
            None,
            "The artist lookup web front end; uses artist-lookup.",
            "catalog/default/component/artist-web/",
        ),
        doc(
            DocKind::DocSection,
            "Artist lookup guide",
            Some("Calling the artist lookup"),
            "How to call artist-lookup from artist-web, artist-lookup artist-lookup.",
            "docs/default/component/artist-lookup/guide/#calling",
        ),
        doc(
            DocKind::Entity,
            "billing",
            None,
            "Invoices.",
            "catalog/default/component/billing/",
        ),
        doc(
            DocKind::DocSection,
            "Payments",
            Some("Overview"),
            "billing billing billing is handled elsewhere; billing again.",
            "docs/default/component/payments/#overview",
        ),
        doc(
            DocKind::DocSection,
            "Payments",
            Some("Refunds"),
            "Refunds go through the ledger.",
            "docs/default/component/payments/#refunds",
        ),
        doc(
            DocKind::DocSection,
            "Ledger",
            Some("Intro"),
            "The ledger records refunds.",
            "docs/default/component/ledger/#intro",
        ),
    ]
}

#[test]
fn exact_entity_name_ranks_first() {
    let index = build_index(&corpus(), &IndexOptions::default());
    for query in ["artist-lookup", "artist lookup", "ArtistLookup"] {
        let (urls, _) = search(&index.files, query);
        assert_eq!(
            urls[0], "catalog/default/component/artist-lookup/",
            "{query}: {urls:?}"
        );
        assert_eq!(urls.len(), 3, "{query}: {urls:?}");
    }
}

#[test]
fn title_beats_heading_beats_body() {
    let index = build_index(&corpus(), &IndexOptions::default());
    let (urls, _) = search(&index.files, "billing");
    assert_eq!(
        urls,
        [
            "catalog/default/component/billing/",
            "docs/default/component/payments/#overview"
        ]
    );
    let (urls, _) = search(&index.files, "refunds");
    assert_eq!(
        urls,
        [
            "docs/default/component/payments/#refunds",
            "docs/default/component/ledger/#intro"
        ]
    );
    // A page title match (no exact-name bonus: not an entity) beats the body.
    let (urls, _) = search(&index.files, "ledger");
    assert_eq!(
        urls,
        [
            "docs/default/component/ledger/#intro",
            "docs/default/component/payments/#refunds"
        ]
    );
}

#[test]
fn a_one_word_query_touches_one_term_shard_even_when_shards_split() {
    let mut docs = corpus();
    for i in 0..300 {
        let text = format!("component{i} configures commits compute{i} common art{i} artist");
        docs.push(doc(
            DocKind::DocSection,
            &format!("Page {i}"),
            None,
            &text,
            &format!("docs/p{i:03}/"),
        ));
    }
    let options = IndexOptions {
        max_shard_bytes: 2000,
        ..IndexOptions::default()
    };
    let index = build_index(&docs, &options);
    let prefixes: Vec<&String> = index.stats.shard_bytes.keys().collect();
    assert!(
        prefixes.iter().any(|p| p.chars().count() > 2),
        "{prefixes:?}"
    );
    // Only single-term shards may exceed the budget.
    for (path, bytes) in &index.files {
        if path.starts_with("search/terms/") && bytes.len() > 2000 {
            let shard = script_value(path, bytes);
            assert_eq!(shard["terms"].as_object().unwrap().len(), 1, "{path}");
        }
    }
    for query in ["component7", "commits", "artist", "art42", "zzz"] {
        let (urls, touched) = search(&index.files, query);
        assert!(touched.len() <= 1, "{query}: {touched:?}");
        assert_eq!(touched.is_empty(), query == "zzz");
        assert_eq!(urls.is_empty(), query == "zzz", "{query}");
    }
    let (urls, _) = search(&index.files, "component7");
    assert_eq!(urls, ["docs/p007/"]);
}

#[test]
fn postings_are_capped_to_the_best() {
    let mut docs = corpus();
    for i in 0..50 {
        docs.push(doc(
            DocKind::DocSection,
            "Page",
            None,
            "artist",
            &format!("docs/p{i:03}/"),
        ));
    }
    let options = IndexOptions {
        max_postings_per_term: 5,
        ..IndexOptions::default()
    };
    let index = build_index(&docs, &options);
    let (urls, _) = search(&index.files, "artist");
    assert_eq!(urls.len(), 5);
    assert_eq!(
        urls[0],
        "docs/default/component/artist-lookup/guide/#calling"
    );
}

#[test]
fn output_is_deterministic_and_independent_of_input_order() {
    let a = build_index(&corpus(), &IndexOptions::default());
    let mut reversed = corpus();
    reversed.reverse();
    let b = build_index(&reversed, &IndexOptions::default());
    assert_eq!(a.files, b.files);
    assert_eq!(a.stats, b.stats);
    let paths: Vec<&str> = a.files.iter().map(|f| f.0.as_str()).collect();
    assert!(paths.contains(&"search/meta.js") && paths.contains(&"search/docs/0.js"));
    assert_eq!(
        a.stats.total_bytes,
        a.files.iter().map(|f| f.1.len()).sum::<usize>()
    );
}

#[test]
fn doc_store_and_meta_shapes() {
    let mut docs = corpus();
    docs[2].text = "word ".repeat(200);
    let index = build_index(
        &docs,
        &IndexOptions {
            doc_chunk_size: 3,
            ..IndexOptions::default()
        },
    );
    let file =
        |path: &str| script_value(path, &index.files.iter().find(|f| f.0 == path).unwrap().1);
    let meta = file("search/meta.js");
    assert_eq!(meta["version"], FORMAT_VERSION);
    assert_eq!(meta["facets"]["owner"], serde_json::json!([["team-a", 7]]));
    assert_eq!(
        file("search/facets/owner/0.js")["ids"],
        serde_json::json!([0, 1, 2, 3, 4, 5, 6])
    );
    assert!(
        meta["stopWords"]
            .as_array()
            .unwrap()
            .contains(&Value::from("the"))
    );
    assert_eq!(meta["docCount"], 7);
    assert_eq!(meta["docChunks"], 3);
    assert_eq!(meta["fields"]["title"], 10.0);
    let chunk = file("search/docs/1.js");
    assert_eq!(chunk["offset"], 3);
    let all: Vec<Value> = (0..3)
        .flat_map(|c| {
            file(&format!("search/docs/{c}.js"))["docs"]
                .as_array()
                .unwrap()
                .clone()
        })
        .collect();
    let guide = all
        .iter()
        .find(|d| d["url"] == "docs/default/component/artist-lookup/guide/#calling")
        .unwrap();
    assert_eq!(guide["heading"], "Calling the artist lookup");
    assert_eq!(guide["kind"], "docSection");
    let snippet = guide["snippet"].as_str().unwrap();
    assert!(
        snippet.ends_with('…') && snippet.chars().count() <= 181,
        "{snippet}"
    );
    let entity = all
        .iter()
        .find(|d| d["url"] == "catalog/default/component/billing/")
        .unwrap();
    assert!(entity.get("heading").is_none());
    assert_eq!(entity["facets"]["owner"], "team-a");
    assert_eq!(entity["entity"], "component:default/billing");
}

#[test]
fn shard_file_names_are_ascii() {
    assert_eq!(shard_file("ar"), "ar.js");
    assert_eq!(shard_file("é1"), "_e9_1.js");
}
