//! Data files: the JSON API in Backstage's response shapes, the catalog
//! index data script, the sitemap.
//!
//! Every JSON text written here goes through [`script_json`]: `<`,
//! `>`, `&`, U+2028 and U+2029 become `\uXXXX`. The JSON means the same, but
//! no field can close a `<script>` element, open an HTML comment, or end a
//! JavaScript line, even if a file is served with the wrong content type.

use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::catalog::{Catalog, EntityId, RelationType};

use super::{CatalogFiles, PageSpec, Site, urls};

/// Global set by `entities-index.js`, read by `static/catalog.js`.
const INDEX_GLOBAL: &str = "BACKLOT_CATALOG";
/// Descriptions in the index data are cut to this many characters.
const INDEX_DESCRIPTION_CHARS: usize = 200;

fn to_json_text(value: &impl Serialize) -> String {
    crate::output::script_json(value)
}

/// `api/catalog/entities.json` (every entity) and one
/// `api/catalog/entities/by-name/...json` per entity, whose text is taken
/// from `kept` when it has one (`serve` keeps the texts of entities whose
/// digest did not change).
pub(super) fn api_files(
    catalog: &Catalog,
    kept: &(dyn Fn(EntityId) -> Option<Arc<Vec<u8>>> + Sync),
) -> CatalogFiles {
    let texts: Vec<Arc<Vec<u8>>> = (0..catalog.len())
        .into_par_iter()
        .map(|id| {
            kept(id)
                .unwrap_or_else(|| Arc::new(to_json_text(&entity_json(catalog, id)).into_bytes()))
        })
        .collect();
    let mut all = Vec::with_capacity(texts.iter().map(|t| t.len() + 1).sum::<usize>() + 2);
    all.push(b'[');
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            all.push(b',');
        }
        all.extend_from_slice(text);
    }
    all.push(b']');
    let mut files = Vec::with_capacity(texts.len() + 1);
    files.push((urls::API_ENTITIES.to_string(), Arc::new(all)));
    for (e, text) in catalog.entities.iter().zip(&texts) {
        files.push((urls::entity_api(&e.entity_ref), Arc::clone(text)));
    }
    CatalogFiles {
        files,
        entities: texts,
    }
}

/// An entity as Backstage's API returns it: the entity as written (after
/// processing), plus `relations` (sorted by type, then target, as the
/// stitcher sorts them), `metadata.uid` and `metadata.etag`.
pub(super) fn entity_json(catalog: &Catalog, id: EntityId) -> Value {
    let entity = &catalog.entities[id];
    let mut value = entity.root.to_json();
    let Some(object) = value.as_object_mut() else {
        return value;
    };
    let relations: Vec<Value> = catalog
        .relations_of(id)
        .iter()
        .map(|r| json!({ "type": r.rel.as_str(), "targetRef": r.target.canonical() }))
        .collect();
    object.insert("relations".into(), Value::Array(relations));
    let metadata = object
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(metadata) = metadata.as_object_mut() {
        metadata.insert(
            "uid".into(),
            Value::String(uid(entity.entity_ref.canonical())),
        );
    }
    // The etag changes whenever anything else in the response does.
    let etag = sha1_smol::Sha1::from(value.to_string())
        .digest()
        .to_string();
    if let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.insert("etag".into(), Value::String(etag));
    }
    value
}

/// A UUID-shaped id (version 5 layout) from the SHA-1 of the canonical ref:
/// stable across builds, as links and caches keyed on uid expect.
pub(super) fn uid(canonical: &str) -> String {
    let mut b = sha1_smol::Sha1::from(canonical).digest().bytes();
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b[..16].iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Column order of the rows in the index data (`fields` in the script).
const INDEX_FIELDS: &[&str] = &[
    "ref",
    "kind",
    "namespace",
    "name",
    "title",
    "type",
    "lifecycle",
    "owner",
    "ownerRef",
    "ownerUrl",
    "tags",
    "description",
    "url",
];

/// `catalog/entities-index.js`: one compact row per entity plus facet
/// counts, as a script (a `<script src>` works from `file://`, `fetch` does
/// not). Rows are arrays in [`INDEX_FIELDS`] order to keep 20,000 entities
/// in a few megabytes.
pub(super) fn index_script(site: &Site) -> String {
    let rows: Vec<Value> = (0..site.catalog.len())
        .map(|id| index_row(site, id))
        .collect();
    let data = json!({
        "fields": INDEX_FIELDS,
        "rows": rows,
        "facets": facets(site, &rows),
    });
    format!("window.{INDEX_GLOBAL} = {};\n", to_json_text(&data))
}

fn index_row(site: &Site, id: EntityId) -> Value {
    let e = site.catalog.entity(id);
    let owner = site.catalog.related(id, RelationType::OwnedBy).next();
    let text = |s: Option<&str>| Value::String(s.unwrap_or_default().to_string());
    json!([
        e.entity_ref.canonical(),
        e.entity_ref.kind,
        e.metadata.namespace,
        e.metadata.name,
        // Shown instead of the name when there is one.
        Some(super::entity::display_name(e))
            .filter(|t| *t != e.metadata.name)
            .unwrap_or_default(),
        text(e.spec_str("type")),
        text(e.spec_str("lifecycle")),
        owner.map(|o| o.humanize(Some("group"))).unwrap_or_default(),
        owner.map(|o| o.canonical().to_string()).unwrap_or_default(),
        // Empty when the owner is not in the catalog: shown as missing.
        owner
            .and_then(|o| site.catalog.id(o))
            .map(|o| urls::href(
                urls::CATALOG_INDEX,
                &urls::entity_page(&site.catalog.entity(o).entity_ref)
            ))
            .unwrap_or_default(),
        e.metadata.tags,
        truncate(
            e.metadata.description.as_deref().unwrap_or_default(),
            INDEX_DESCRIPTION_CHARS
        ),
        // Relative to catalog/index.html, the only page that reads it.
        urls::href(urls::CATALOG_INDEX, &urls::entity_page(&e.entity_ref)),
    ])
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_string(),
    }
}

/// Facet values with counts, per Backstage filter name: `[value, label,
/// count]`, the value lower-cased (filters match case-insensitively).
fn facets(site: &Site, rows: &[Value]) -> Value {
    let column = |name: &str| {
        INDEX_FIELDS
            .iter()
            .position(|f| *f == name)
            .expect("known field")
    };
    let mut out = Map::new();
    let kinds: Vec<Value> = site
        .kinds
        .iter()
        .map(|k| json!([k.key, k.label, k.ids.len()]))
        .collect();
    out.insert("kind".into(), Value::Array(kinds));
    for (facet, field) in [
        ("type", "type"),
        ("lifecycles", "lifecycle"),
        ("owners", "owner"),
        ("namespace", "namespace"),
        ("tags", "tags"),
    ] {
        let col = column(field);
        let values = rows.iter().flat_map(|row| match &row[col] {
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>(),
            Value::String(s) => vec![s.as_str()],
            _ => Vec::new(),
        });
        out.insert(facet.into(), count_values(values));
    }
    Value::Object(out)
}

/// Counts values case-insensitively; the label is the first spelling seen.
/// Sorted by label, so long lists (owners, tags) are easy to scan.
fn count_values<'a>(values: impl Iterator<Item = &'a str>) -> Value {
    let mut counts: std::collections::BTreeMap<String, (&'a str, usize)> = Default::default();
    for v in values.filter(|v| !v.is_empty()) {
        counts.entry(v.to_lowercase()).or_insert((v, 0)).1 += 1;
    }
    Value::Array(
        counts
            .into_iter()
            .map(|(value, (label, n))| json!([value, label, n]))
            .collect(),
    )
}

/// `sitemap.xml` with every HTML page, for a portal with a `base_url`.
pub(super) fn sitemap(base_url: &str, pages: &[PageSpec]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in pages.iter().filter(|p| p.kind != super::PageKind::NotFound) {
        out.push_str("  <url><loc>");
        out.push_str(&xml_escape(&urls::absolute(base_url, &page.path)));
        out.push_str("</loc></url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_escaping_cannot_break_out() {
        let text = to_json_text(&json!({"a": "</script><!-- & \u{2028}\u{2029}"}));
        assert_eq!(
            text,
            r#"{"a":"\u003c/script\u003e\u003c!-- \u0026 \u2028\u2029"}"#
        );
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["a"], "</script><!-- & \u{2028}\u{2029}");
    }

    #[test]
    fn uid_is_uuid_shaped_and_stable() {
        let a = uid("component:default/a");
        assert_eq!(a, uid("component:default/a"));
        assert_ne!(a, uid("component:default/b"));
        let parts: Vec<_> = a.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_eq!(&a[14..15], "5");
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("héllo wörld", 5), "héllo…");
        assert_eq!(truncate("short", 200), "short");
    }
}
