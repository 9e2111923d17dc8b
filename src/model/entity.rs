//! The validated entity: what every later stage consumes.
//!
//! An [`Entity`] only exists for input that passed every check of
//! `validate` (spec/catalog.md §3), so its typed metadata can be read
//! without re-checking. The whole tree is kept as [`Node`]s too: it is the
//! source of the JSON API (Backstage returns unknown fields as written) and
//! of spans for later diagnostics (dangling references).

use std::collections::BTreeMap;

use serde::Serialize;

use super::refs::EntityRef;
use super::yaml::{Node, Value};
use crate::source::{FileId, Span};

/// The kinds Backlot knows. Matching is exact, as in Backstage, whose kind
/// schemas use `"enum": ["Component"]`: `kind: component` is an unknown kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Kind {
    Component,
    Api,
    Resource,
    System,
    Domain,
    Group,
    User,
    Location,
    Template,
    AiResource,
    /// A kind accepted through `catalog.custom_kinds` in backlot.yaml.
    Custom,
}

impl Kind {
    pub fn parse(kind: &str) -> Option<Kind> {
        Some(match kind {
            "Component" => Kind::Component,
            "API" => Kind::Api,
            "Resource" => Kind::Resource,
            "System" => Kind::System,
            "Domain" => Kind::Domain,
            "Group" => Kind::Group,
            "User" => Kind::User,
            "Location" => Kind::Location,
            "Template" => Kind::Template,
            "AiResource" => Kind::AiResource,
            _ => return None,
        })
    }

    /// The name as written in descriptors (`API`, not `Api`); `None` for custom kinds.
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            Kind::Component => "Component",
            Kind::Api => "API",
            Kind::Resource => "Resource",
            Kind::System => "System",
            Kind::Domain => "Domain",
            Kind::Group => "Group",
            Kind::User => "User",
            Kind::Location => "Location",
            Kind::Template => "Template",
            Kind::AiResource => "AiResource",
            Kind::Custom => return None,
        })
    }

    /// The kinds Backstage's built-in processors know, in display order.
    pub const BUILT_IN: &'static [&'static str] = &[
        "Component",
        "API",
        "Resource",
        "System",
        "Domain",
        "Group",
        "User",
        "Location",
        "Template",
        "AiResource",
    ];
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub url: String,
    pub title: Option<String>,
    pub icon: Option<String>,
    #[serde(rename = "type")]
    pub link_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata {
    pub name: String,
    /// `default` when absent or empty (DefaultNamespaceEntityPolicy).
    pub namespace: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub tags: Vec<String>,
    pub links: Vec<Link>,
}

/// The ref of an entity document as written (kind, namespace, name), before
/// validation: used for conflicts and Location self-references. `None` when
/// the envelope lacks a part.
pub fn written_ref(root: &Node) -> Option<EntityRef> {
    let kind = root.get("kind")?.as_str()?;
    let meta = root.get("metadata")?;
    let name = meta.get("name")?.as_str()?;
    let namespace = meta
        .get("namespace")
        .and_then(Node::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or("default");
    Some(EntityRef::new(kind, namespace, name))
}

/// Where an entity was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    pub file: FileId,
    /// The document's root mapping.
    pub span: Span,
    /// 0-based index of the YAML document in the file.
    pub doc_index: usize,
}

/// A valid entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub entity_ref: EntityRef,
    pub kind: Kind,
    pub api_version: String,
    pub metadata: Metadata,
    /// The whole entity after preprocessing (placeholders substituted,
    /// namespace defaulted, location annotations added).
    pub root: Node,
    pub origin: Origin,
}

impl Entity {
    /// Builds the typed view of a root node that passed validation. Fields
    /// of the wrong type cannot occur then; they are skipped defensively.
    pub fn from_validated(root: Node, kind: Kind, origin: Origin) -> Entity {
        let s = |n: Option<&Node>| n.and_then(Node::as_str).map(str::to_string);
        let string_map = |n: Option<&Node>| -> BTreeMap<String, String> {
            n.and_then(Node::as_map)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.text.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default()
        };
        let meta = root.get("metadata");
        let get = |key: &str| meta.and_then(|m| m.get(key));
        let namespace = s(get("namespace"))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".to_string());
        let metadata = Metadata {
            name: s(get("name")).unwrap_or_default(),
            namespace,
            title: s(get("title")),
            description: s(get("description")),
            labels: string_map(get("labels")),
            annotations: string_map(get("annotations")),
            tags: get("tags")
                .and_then(Node::as_seq)
                .map(|t| {
                    t.iter()
                        .filter_map(|n| n.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            links: get("links")
                .and_then(Node::as_seq)
                .map(|links| {
                    links
                        .iter()
                        .filter_map(|l| {
                            Some(Link {
                                url: l.get("url")?.as_str()?.to_string(),
                                title: s(l.get("title")),
                                icon: s(l.get("icon")),
                                link_type: s(l.get("type")),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let mut root = root;
        // DefaultNamespaceEntityPolicy writes the namespace into the entity,
        // so the API shows `namespace: default` like Backstage's.
        if let Some(meta) = root.as_map_mut().and_then(|m| m.get_mut("metadata")) {
            let span = meta.span;
            if let Some(map) = meta.as_map_mut()
                && map
                    .get("namespace")
                    .and_then(Node::as_str)
                    .is_none_or(str::is_empty)
            {
                map.insert("namespace", Node::str(metadata.namespace.clone(), span));
            }
        }
        let kind_text = s(root.get("kind")).unwrap_or_default();
        let api_version = s(root.get("apiVersion")).unwrap_or_default();
        Entity {
            entity_ref: EntityRef::new(&kind_text, &metadata.namespace, &metadata.name),
            kind,
            api_version,
            metadata,
            root,
            origin,
        }
    }

    /// The kind as written (`Component`, or a custom kind's name).
    pub fn kind_name(&self) -> &str {
        &self.entity_ref.kind
    }

    pub fn spec(&self) -> Option<&Node> {
        self.root.get("spec")
    }

    /// A string field of `spec`, e.g. `spec_str("type")`.
    pub fn spec_str(&self, key: &str) -> Option<&str> {
        self.spec()?.get(key)?.as_str()
    }

    /// `metadata.title`, else `metadata.name`.
    pub fn display_name(&self) -> &str {
        self.metadata
            .title
            .as_deref()
            .unwrap_or(&self.metadata.name)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata.annotations.get(key).map(String::as_str)
    }

    /// Sets an annotation in both the typed view and the tree.
    pub fn set_annotation(&mut self, key: &str, value: &str) {
        self.metadata
            .annotations
            .insert(key.to_string(), value.to_string());
        let span = self.origin.span;
        if let Some(meta) = self.root.as_map_mut().and_then(|m| m.get_mut("metadata")) {
            let Some(meta_map) = meta.as_map_mut() else {
                return;
            };
            if meta_map
                .get("annotations")
                .is_none_or(|a| a.as_map().is_none())
            {
                meta_map.insert(
                    "annotations",
                    Node::new(Value::Map(Default::default()), span),
                );
            }
            if let Some(ann) = meta_map.get_mut("annotations").and_then(Node::as_map_mut) {
                ann.insert(key, Node::str(value, span));
            }
        }
    }
}
