//! The view of an entity page: the About card, relation sections and
//! problems every kind has, plus the parts specific to APIs, Templates and
//! Locations (Groups and Users are in `org`).

use crate::catalog::{EntityId, RelationType};
use crate::model::{Entity, Kind, Node};

use super::views::{
    About, ApiView, EntityPage, ExternalLink, FormField, FormPage, KeyValue, KindGroup,
    LocationView, Problem, RelationSection, TemplateStep, TemplateView,
};
use super::{Site, kind_rank, org, problem_anchor, severity_name, urls};

/// Relation sections in page order, with their headings.
const SECTIONS: &[(RelationType, &str)] = &[
    (RelationType::HasPart, "Has parts"),
    (RelationType::PartOf, "Part of"),
    (RelationType::ProvidesApi, "Provides APIs"),
    (RelationType::ConsumesApi, "Consumes APIs"),
    (RelationType::ApiProvidedBy, "API provided by"),
    (RelationType::ApiConsumedBy, "API consumed by"),
    (RelationType::DependsOn, "Depends on"),
    (RelationType::DependencyOf, "Dependency of"),
    (RelationType::OwnerOf, "Owner of"),
    (RelationType::ParentOf, "Children"),
    (RelationType::ChildOf, "Parent"),
    (RelationType::HasMember, "Members"),
    (RelationType::MemberOf, "Member of"),
];

pub(super) fn entity_page(site: &Site, from: &str, id: EntityId) -> EntityPage {
    let entity = site.catalog.entity(id);
    // Group and User pages show these relations in their own org sections.
    let shown_by_kind: &[RelationType] = match entity.kind {
        Kind::Group => &[
            RelationType::OwnerOf,
            RelationType::ParentOf,
            RelationType::ChildOf,
            RelationType::HasMember,
        ],
        Kind::User => &[RelationType::OwnerOf, RelationType::MemberOf],
        _ => &[],
    };
    let problems = problems(site, from, entity);
    let problem_severity = if problems.iter().any(|p| p.severity == "error") {
        "error"
    } else {
        "warning"
    };
    EntityPage {
        about: about(site, from, id),
        relations: SECTIONS
            .iter()
            .filter(|(rel, _)| !shown_by_kind.contains(rel))
            .filter_map(|&(rel, title)| relation_section(site, from, id, rel, title))
            .collect(),
        problems,
        problem_severity,
        kind_href: urls::href(from, &urls::kind_page(entity.entity_ref.kind_lower(), 1)),
        defined_in: site.sources.display(entity.origin.file).to_string(),
        api_href: urls::href(from, &urls::entity_api(&entity.entity_ref)),
        docs_href: site.docs_href(from, entity),
        group: (entity.kind == Kind::Group).then(|| org::group_view(site, from, id)),
        user: (entity.kind == Kind::User).then(|| org::user_view(site, from, id)),
        api: (entity.kind == Kind::Api).then(|| api_view(from, entity)),
        template: (entity.kind == Kind::Template).then(|| template_view(entity)),
        location: (entity.kind == Kind::Location).then(|| location_view(entity)),
    }
}

fn about(site: &Site, from: &str, id: EntityId) -> About {
    let e = site.catalog.entity(id);
    let part_of = |kind: &str| {
        site.catalog
            .related(id, RelationType::PartOf)
            .find(|t| t.kind_lower() == kind)
            .map(|t| site.entity_link(from, t, Some(kind)))
    };
    let m = &e.metadata;
    About {
        entity_ref: e.entity_ref.canonical().to_string(),
        kind: e.entity_ref.kind.clone(),
        namespace: m.namespace.clone(),
        name: m.name.clone(),
        display_name: display_name(e),
        title: m.title.clone(),
        description: m.description.clone(),
        spec_type: e.spec_str("type").map(str::to_string),
        lifecycle: e.spec_str("lifecycle").map(str::to_string),
        owner: site
            .catalog
            .related(id, RelationType::OwnedBy)
            .next()
            .map(|t| site.entity_link(from, t, Some("group"))),
        system: part_of("system"),
        domain: if e.kind == Kind::System {
            part_of("domain")
        } else {
            None
        },
        tags: m.tags.clone(),
        labels: key_values(&m.labels),
        links: m
            .links
            .iter()
            .map(|l| external(l.title.as_deref(), &l.url, l.link_type.as_deref()))
            .collect(),
        view_source: e
            .annotation("backstage.io/view-url")
            .map(|u| external(Some("View source"), u, None)),
        edit_source: e
            .annotation("backstage.io/edit-url")
            .map(|u| external(Some("Edit source"), u, None)),
        source_location: e.annotation("backstage.io/source-location").map(|loc| {
            // A location ref: only `url:` targets can be links.
            let url = loc.strip_prefix("url:").unwrap_or(loc);
            ExternalLink {
                text: loc.to_string(),
                url: url.to_string(),
                href: loc.strip_prefix("url:").and_then(urls::safe_href),
                link_type: None,
            }
        }),
        annotations: key_values(&m.annotations),
    }
}

/// What Backstage shows as an entity's name: `metadata.title`, else a
/// Group's or User's `spec.profile.displayName`, else `metadata.name`.
pub(super) fn display_name(e: &Entity) -> String {
    let profile_name = || {
        e.spec()?
            .get("profile")?
            .get("displayName")?
            .as_str()
            .filter(|s| !s.is_empty())
    };
    match (&e.metadata.title, e.kind) {
        (None, Kind::Group | Kind::User) => profile_name().unwrap_or(&e.metadata.name).to_string(),
        _ => e.display_name().to_string(),
    }
}

fn key_values(map: &std::collections::BTreeMap<String, String>) -> Vec<KeyValue> {
    map.iter()
        .map(|(key, value)| KeyValue {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

/// A link from input; `href` only for allowed schemes.
pub(super) fn external(title: Option<&str>, url: &str, link_type: Option<&str>) -> ExternalLink {
    ExternalLink {
        text: title.filter(|t| !t.is_empty()).unwrap_or(url).to_string(),
        url: url.to_string(),
        href: urls::safe_href(url),
        link_type: link_type.map(str::to_string),
    }
}

fn relation_section(
    site: &Site,
    from: &str,
    id: EntityId,
    rel: RelationType,
    title: &'static str,
) -> Option<RelationSection> {
    let targets: Vec<_> = site.catalog.related(id, rel).collect();
    if targets.is_empty() {
        return None;
    }
    Some(RelationSection {
        id: rel.as_str(),
        title,
        count: targets.len(),
        groups: group_by_kind(targets.into_iter().map(|t| {
            let kind = t.kind_lower().to_string();
            let mut link = site.entity_link(from, t, Some(&kind));
            // A System's parts include its APIs.
            if matches!(
                rel,
                RelationType::ProvidesApi | RelationType::ConsumesApi | RelationType::HasPart
            ) && kind == "api"
            {
                link.definition_href = site
                    .catalog
                    .id(t)
                    .and_then(|target| super::apiref::definition_href(site, from, target));
            }
            (kind, link)
        }))
        .into_iter()
        .map(|(kind, items)| KindGroup { kind, items })
        .collect(),
    })
}

/// Groups `(kind_lower, item)` pairs by kind: (kind as written, items),
/// kinds in display order, items in the order given (catalog order: by ref).
pub(super) fn group_by_kind<T: KindLabel>(
    items: impl IntoIterator<Item = (String, T)>,
) -> Vec<(String, Vec<T>)> {
    let mut groups: std::collections::BTreeMap<(usize, String), (String, Vec<T>)> =
        Default::default();
    for (kind, item) in items {
        groups
            .entry(kind_rank(&kind))
            .or_insert_with(|| (item.kind_label().to_string(), Vec::new()))
            .1
            .push(item);
    }
    groups.into_values().collect()
}

/// Items that know the kind they show, for their group's heading.
pub(super) trait KindLabel {
    fn kind_label(&self) -> &str;
}

impl KindLabel for super::views::EntityLink {
    fn kind_label(&self) -> &str {
        &self.kind
    }
}

fn problems(site: &Site, from: &str, entity: &Entity) -> Vec<Problem> {
    let Some(indices) = site.problems.get(entity.entity_ref.canonical()) else {
        return Vec::new();
    };
    indices
        .iter()
        .map(|&i| {
            let d = &site.health[i];
            Problem {
                severity: severity_name(d.severity),
                code: d.code.to_string(),
                message: d.message.to_string(),
                position: d.line.zip(d.column).map(|(l, c)| format!("{l}:{c}")),
                href: format!(
                    "{}#{}",
                    urls::href(from, &urls::health_page_of(i)),
                    problem_anchor(i)
                ),
            }
        })
        .collect()
}

/// A node as text: strings as written, anything else as compact JSON.
pub(super) fn node_text(node: &Node) -> String {
    match node.as_str() {
        Some(s) => s.to_string(),
        None => node.to_json().to_string(),
    }
}

fn str_field(node: &Node, key: &str) -> Option<String> {
    node.get(key).and_then(Node::as_str).map(str::to_string)
}

/// `spec.remotes` of an `mcp-server` API, as links.
pub(super) fn remotes(e: &Entity) -> Vec<ExternalLink> {
    e.spec()
        .and_then(|s| s.get("remotes"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            let url = r.get("url")?.as_str()?;
            Some(external(r.get("type").and_then(Node::as_str), url, None))
        })
        .collect()
}

fn api_view(from: &str, e: &Entity) -> ApiView {
    let spec = e.spec();
    let remotes = remotes(e);
    ApiView {
        definition: spec.and_then(|s| s.get("definition")).map(node_text),
        definition_href: urls::href(from, &urls::api_definition_page(&e.entity_ref)),
        remotes,
    }
}

fn template_view(e: &Entity) -> TemplateView {
    let spec = e.spec();
    // `parameters` is one form page (an object) or a list of them.
    let parameters = match spec.and_then(|s| s.get("parameters")) {
        Some(p) if p.as_map().is_some() => vec![form_page(p)],
        Some(p) => p
            .as_seq()
            .unwrap_or_default()
            .iter()
            .filter(|n| n.as_map().is_some())
            .map(form_page)
            .collect(),
        None => Vec::new(),
    };
    let steps = spec
        .and_then(|s| s.get("steps"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|step| TemplateStep {
            id: str_field(step, "id"),
            name: str_field(step, "name"),
            action: str_field(step, "action"),
        })
        .collect();
    TemplateView { parameters, steps }
}

fn form_page(page: &Node) -> FormPage {
    let required: Vec<&str> = page
        .get("required")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let fields = page
        .get("properties")
        .and_then(Node::as_map)
        .map(|props| {
            props
                .iter()
                .map(|(key, prop)| {
                    form_field(&key.text, prop, required.contains(&key.text.as_str()))
                })
                .collect()
        })
        .unwrap_or_default();
    FormPage {
        title: str_field(page, "title"),
        description: str_field(page, "description"),
        fields,
    }
}

fn form_field(name: &str, prop: &Node, required: bool) -> FormField {
    FormField {
        name: name.to_string(),
        title: str_field(prop, "title"),
        // JSON Schema allows a list of types.
        field_type: prop.get("type").map(|t| match t.as_seq() {
            Some(types) => types.iter().map(node_text).collect::<Vec<_>>().join(" | "),
            None => node_text(t),
        }),
        description: str_field(prop, "description"),
        required,
        enum_values: prop
            .get("enum")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(node_text)
            .collect(),
        default: prop.get("default").map(node_text),
    }
}

fn location_view(e: &Entity) -> LocationView {
    let spec = e.spec();
    let mut targets: Vec<String> = spec
        .and_then(|s| str_field(s, "target"))
        .into_iter()
        .collect();
    targets.extend(
        spec.and_then(|s| s.get("targets"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(node_text),
    );
    LocationView {
        location_type: e.spec_str("type").map(str::to_string),
        targets,
    }
}
