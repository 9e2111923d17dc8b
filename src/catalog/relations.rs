//! The relation table of spec/catalog.md §7: which spec fields produce
//! which relation pairs (`BuiltinKindsEntityProcessor.postProcessEntity`,
//! plus the AiResource fields of the model processor).

use serde::Serialize;

use crate::diag::{Code, Diagnostic};
use crate::model::{Entity, EntityRef, Kind, Node, parse_ref};
use crate::source::Span;

/// A relation type, as Backstage names it (`ownedBy`, `hasPart`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RelationType {
    ApiConsumedBy,
    ApiProvidedBy,
    ChildOf,
    ConsumesApi,
    DependencyOf,
    DependsOn,
    HasMember,
    HasPart,
    MemberOf,
    OwnedBy,
    OwnerOf,
    ParentOf,
    PartOf,
    ProvidesApi,
}

impl RelationType {
    /// The name used in the API (`relations[].type`); the enum is declared
    /// in this (alphabetical) order so sorting matches Backstage's.
    pub fn as_str(self) -> &'static str {
        match self {
            RelationType::ApiConsumedBy => "apiConsumedBy",
            RelationType::ApiProvidedBy => "apiProvidedBy",
            RelationType::ChildOf => "childOf",
            RelationType::ConsumesApi => "consumesApi",
            RelationType::DependencyOf => "dependencyOf",
            RelationType::DependsOn => "dependsOn",
            RelationType::HasMember => "hasMember",
            RelationType::HasPart => "hasPart",
            RelationType::MemberOf => "memberOf",
            RelationType::OwnedBy => "ownedBy",
            RelationType::OwnerOf => "ownerOf",
            RelationType::ParentOf => "parentOf",
            RelationType::PartOf => "partOf",
            RelationType::ProvidesApi => "providesApi",
        }
    }
}

/// One relation emitted by an entity's spec, before both directions are
/// stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Emitted {
    /// The entity whose spec wrote the reference.
    pub source: EntityRef,
    pub forward: RelationType,
    pub reverse: RelationType,
    pub target: EntityRef,
    /// The spec field, e.g. `owner`.
    pub field: &'static str,
    /// Where the reference was written.
    pub span: Span,
}

struct Field {
    name: &'static str,
    default_kind: Option<&'static str>,
    forward: RelationType,
    reverse: RelationType,
}

const fn field(
    name: &'static str,
    default_kind: Option<&'static str>,
    forward: RelationType,
    reverse: RelationType,
) -> Field {
    Field {
        name,
        default_kind,
        forward,
        reverse,
    }
}

use RelationType as R;

const OWNER: Field = field("owner", Some("Group"), R::OwnedBy, R::OwnerOf);
const SYSTEM: Field = field("system", Some("System"), R::PartOf, R::HasPart);
const DEPENDS_ON: Field = field("dependsOn", None, R::DependsOn, R::DependencyOf);
const DEPENDENCY_OF: Field = field("dependencyOf", None, R::DependencyOf, R::DependsOn);

/// The spec fields that produce relations for an entity of `kind`
/// (`spec.type` matters for AiResource only).
fn fields_for(kind: Kind, spec_type: Option<&str>) -> Vec<Field> {
    match kind {
        Kind::Component => vec![
            OWNER,
            SYSTEM,
            field("subcomponentOf", Some("Component"), R::PartOf, R::HasPart),
            field(
                "providesApis",
                Some("API"),
                R::ProvidesApi,
                R::ApiProvidedBy,
            ),
            field(
                "consumesApis",
                Some("API"),
                R::ConsumesApi,
                R::ApiConsumedBy,
            ),
            DEPENDS_ON,
            DEPENDENCY_OF,
        ],
        Kind::Api => vec![OWNER, SYSTEM],
        Kind::Resource => vec![OWNER, SYSTEM, DEPENDS_ON, DEPENDENCY_OF],
        Kind::System => vec![
            OWNER,
            field("domain", Some("Domain"), R::PartOf, R::HasPart),
        ],
        Kind::Domain => vec![
            OWNER,
            field("subdomainOf", Some("Domain"), R::PartOf, R::HasPart),
        ],
        Kind::Group => vec![
            field("parent", Some("Group"), R::ChildOf, R::ParentOf),
            field("children", Some("Group"), R::ParentOf, R::ChildOf),
            field("members", Some("User"), R::HasMember, R::MemberOf),
        ],
        Kind::User => vec![field("memberOf", Some("Group"), R::MemberOf, R::HasMember)],
        Kind::Template => vec![OWNER],
        Kind::AiResource => {
            let mut fields = vec![OWNER, SYSTEM];
            match spec_type {
                Some("skill") => fields.push(field(
                    "dependsOn",
                    Some("AiResource"),
                    R::DependsOn,
                    R::DependencyOf,
                )),
                Some("plugin") => {
                    fields.push(field("skills", Some("AiResource"), R::HasPart, R::PartOf))
                }
                Some("marketplace") => {
                    fields.push(field("plugins", Some("AiResource"), R::HasPart, R::PartOf))
                }
                _ => {}
            }
            fields
        }
        Kind::Location => Vec::new(),
        // Documented in docs/configuration.md: custom kinds get the two
        // relations every core kind with an owner has.
        Kind::Custom => vec![OWNER, SYSTEM],
    }
}

/// The relations an entity's spec declares. A reference that cannot be
/// parsed fails the whole entity, as in Backstage's postprocessing.
pub fn emit(entity: &Entity) -> Result<Vec<Emitted>, Diagnostic> {
    let Some(spec) = entity.spec() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let namespace = &entity.metadata.namespace;
    for f in fields_for(entity.kind, entity.spec_str("type")) {
        let Some(value) = spec.get(f.name) else {
            continue;
        };
        let items: Vec<&Node> = match value.as_seq() {
            Some(list) => list.iter().collect(),
            None if value.is_null() => Vec::new(),
            None => vec![value],
        };
        for item in items {
            let Some(text) = item.as_str() else {
                return Err(Diagnostic::new(
                    Code::EntityInvalidRef,
                    format!(
                        "spec.{} must hold entity references (strings), found {}",
                        f.name,
                        item.type_name()
                    ),
                )
                .at(item.span)
                .entity(entity.entity_ref.canonical())
                .help("write references as strings such as `component:default/name`"));
            };
            match parse_ref(text, f.default_kind, namespace) {
                Ok(target) => out.push(Emitted {
                    source: entity.entity_ref.clone(),
                    forward: f.forward,
                    reverse: f.reverse,
                    target,
                    field: f.name,
                    span: item.span,
                }),
                Err(err) => {
                    let help = match f.default_kind {
                        None => format!(
                            "spec.{} has no default kind: write the kind, e.g. `resource:{text}` or `component:{text}`",
                            f.name
                        ),
                        Some(_) => "write the reference as [<kind>:][<namespace>/]<name> with no empty part".to_string(),
                    };
                    return Err(Diagnostic::new(
                        Code::EntityInvalidRef,
                        format!(
                            "Processor BuiltinKindsEntityProcessor threw an error while postprocessing; caused by Error: {err}"
                        ),
                    )
                    .at(item.span)
                    .entity(entity.entity_ref.canonical())
                    .help(help));
                }
            }
        }
    }
    Ok(out)
}
