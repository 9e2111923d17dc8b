//! What the portal's search finds (#4): one [`SearchDoc`] per catalog
//! entity (groups and users included) and one per h1–h3 section of every
//! docs page, and one per operation of every API definition
//! ([`DocKind::Api`], linking to its anchor on the definition page),
//! handed to `search::build_index`.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::{Site, urls};
use crate::apidocs::Model;
use crate::catalog::{EntityId, RelationType};
use crate::model::{Entity, Kind};
use crate::search::{self, DocKind, IndexOptions, SearchDoc};

/// The `kind` facet of docs sections: they are filtered apart from the
/// entities they document.
pub const DOCS_KIND: &str = "Docs";

/// The index files under `search/`.
pub(super) fn search_files(site: &Site) -> Vec<(String, Vec<u8>)> {
    search::build_index(&search_docs(site), &IndexOptions::default()).files
}

/// Every document of the portal's search.
pub fn search_docs(site: &Site) -> Vec<SearchDoc> {
    let mut docs: Vec<SearchDoc> = (0..site.catalog.len())
        .into_par_iter()
        .map(|id| entity_doc(site, id))
        .collect();
    let pages: Vec<(usize, usize)> = site
        .docs
        .iter()
        .enumerate()
        .flat_map(|(s, d)| (0..d.pages.len()).map(move |p| (s, p)))
        .collect();
    let sections: Vec<Vec<SearchDoc>> = pages
        .par_iter()
        .map(|&(s, p)| section_docs(site, s, p))
        .collect();
    docs.extend(sections.into_iter().flatten());
    let operations: Vec<Vec<SearchDoc>> = (0..site.catalog.len())
        .into_par_iter()
        .map(|id| operation_docs(site, id))
        .collect();
    docs.extend(operations.into_iter().flatten());
    docs
}

/// How much an API operation weighs against entities and docs: a spec of
/// hundreds of operations should not push its own API entity, or other
/// entities, off the first results.
const OPERATION_BOOST: f32 = 0.8;

/// One document per operation of an API's definition (OpenAPI operations
/// and webhooks, AsyncAPI operations, GraphQL root fields, gRPC methods),
/// linking to its anchor on the definition page; the API's facets.
fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or_default()
}

fn operation_docs(site: &Site, id: EntityId) -> Vec<SearchDoc> {
    let Some(doc) = site.catalog.api(id) else {
        return Vec::new();
    };
    let e = site.catalog.entity(id);
    let page = urls::as_dir(&urls::api_definition_page(&e.entity_ref)).to_string();
    let facets = facets(site, id, e);
    // The API's name is among the result's facts (search.js): the
    // heading is the operation's summary.
    let make = |title: String, heading: &Option<String>, text: Vec<&str>, anchor: &str| SearchDoc {
        kind: DocKind::Api,
        title,
        heading: heading.clone(),
        text: text
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
        url: format!("{page}#{anchor}"),
        entity_ref: e.entity_ref.canonical().to_string(),
        entity_kind: e.kind_name().to_string(),
        facets: facets.clone(),
        boost: OPERATION_BOOST,
    };
    let mut out = Vec::new();
    match &doc.model {
        Model::OpenApi(api) => {
            for op in api.operations.iter().chain(&api.webhooks) {
                out.push(make(
                    format!("{} {}", op.method.to_uppercase(), op.path),
                    &op.summary,
                    vec![opt(&op.operation_id), opt(&op.description)],
                    &op.anchor,
                ));
            }
        }
        Model::AsyncApi(api) => {
            for op in &api.operations {
                out.push(make(
                    format!("{} {}", op.action, op.channel),
                    &op.summary,
                    vec![opt(&op.operation_id), opt(&op.title), opt(&op.description)],
                    &op.anchor,
                ));
            }
        }
        Model::Graphql(schema) => {
            for (keyword, fields) in [
                ("query", &schema.queries),
                ("mutation", &schema.mutations),
                ("subscription", &schema.subscriptions),
            ] {
                for f in fields {
                    let signature = f.signature();
                    out.push(make(
                        format!("{keyword} {}", f.name),
                        &None,
                        vec![opt(&f.description), &signature],
                        &f.anchor,
                    ));
                }
            }
        }
        Model::Proto(file) => {
            for service in &file.services {
                for rpc in &service.rpcs {
                    let signature = format!(
                        "{}({}) returns ({})",
                        rpc.name, rpc.request.text, rpc.response.text
                    );
                    out.push(make(
                        format!("rpc {}.{}", service.name, rpc.name),
                        &None,
                        vec![opt(&rpc.description), &signature],
                        &rpc.anchor,
                    ));
                }
            }
        }
        Model::Raw => {}
    }
    out
}

/// Facets of an entity: its kind as written, `spec.type`, its owner as the
/// catalog shows it, `spec.lifecycle`.
fn facets(site: &Site, id: EntityId, e: &Entity) -> BTreeMap<String, String> {
    let mut facets = BTreeMap::new();
    facets.insert("kind".to_string(), e.kind_name().to_string());
    if let Some(t) = e.spec_str("type") {
        facets.insert("type".to_string(), t.to_string());
    }
    if let Some(owner) = site.catalog.related(id, RelationType::OwnedBy).next() {
        facets.insert("owner".to_string(), owner.humanize(Some("group")));
    }
    if let Some(l) = e.spec_str("lifecycle") {
        facets.insert("lifecycle".to_string(), l.to_string());
    }
    facets
}

/// How much an entity's results weigh: Locations are plumbing, users are
/// many and rarely what a query is after.
fn entity_boost(kind: Kind) -> f32 {
    match kind {
        Kind::Location => 0.3,
        Kind::User => 0.8,
        _ => 1.0,
    }
}

fn entity_doc(site: &Site, id: EntityId) -> SearchDoc {
    let e = site.catalog.entity(id);
    let title = super::entity::display_name(e);
    let mut text: Vec<&str> = Vec::new();
    if title != e.metadata.name {
        text.push(&e.metadata.name);
    }
    if let Some(d) = &e.metadata.description {
        text.push(d);
    }
    text.extend(e.metadata.tags.iter().map(String::as_str));
    for key in ["system", "domain"] {
        if let Some(v) = e.spec_str(key) {
            text.push(v);
        }
    }
    let email = e
        .spec()
        .and_then(|s| s.get("profile"))
        .and_then(|p| p.get("email"))
        .and_then(|m| m.as_str());
    text.extend(email);
    SearchDoc {
        kind: DocKind::Entity,
        title,
        heading: None,
        text: text.join(" · "),
        url: urls::as_dir(&urls::entity_page(&e.entity_ref)).to_string(),
        entity_ref: e.entity_ref.canonical().to_string(),
        entity_kind: e.kind_name().to_string(),
        facets: facets(site, id, e),
        boost: entity_boost(e.kind),
    }
}

/// One document per section of page `p` of docs site `s`; the facets of
/// the documented entity, with kind [`DOCS_KIND`].
fn section_docs(site: &Site, s: usize, p: usize) -> Vec<SearchDoc> {
    let doc_site = &site.docs[s];
    let page = &doc_site.pages[p];
    let canonical = doc_site.entity.canonical();
    let entity = site
        .catalog
        .id(&doc_site.entity)
        .map(|id| (id, site.catalog.entity(id)));
    let mut facets = entity
        .map(|(id, e)| facets(site, id, e))
        .unwrap_or_default();
    facets.insert("kind".to_string(), DOCS_KIND.to_string());
    let entity_kind = entity.map_or_else(
        || doc_site.entity.kind.clone(),
        |(_, e)| e.kind_name().to_string(),
    );
    let base = format!("{}{}", urls::docs_dir(&doc_site.entity), page.url);
    search::sections_of(&page.html)
        .into_iter()
        .map(|(heading, text)| {
            let (url, heading) = match heading {
                // The page's own title is the result's title already.
                Some((_, h)) if h == page.title => (base.clone(), None),
                Some((id, h)) if !id.is_empty() => (format!("{base}#{id}"), Some(h)),
                Some((_, h)) => (base.clone(), Some(h)),
                None => (base.clone(), None),
            };
            SearchDoc {
                kind: DocKind::DocSection,
                title: page.title.clone(),
                heading,
                text,
                url,
                entity_ref: canonical.to_string(),
                entity_kind: entity_kind.clone(),
                facets: facets.clone(),
                boost: 1.0,
            }
        })
        .collect()
}
