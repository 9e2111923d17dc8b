//! The catalog: validated entities, indexed by ref, with their relations in
//! both directions.
//!
//! Input is the list of [`Candidate`]s that `crawl` read, in crawl order
//! (which is deterministic). Steps, as Backstage's processing and stitching
//! do them (spec/catalog.md §3, §7, §11):
//!
//! 1. conflicts, on the ref as written, before validation: the first file to
//!    deliver a ref owns it, even if that copy turns out invalid; the same
//!    ref again from the same file replaces the earlier document;
//! 2. validation and catalog rules, in parallel, each entity on its own;
//! 3. relations: every spec reference yields a forward relation on its
//!    source and a reverse one on its target; references to entities that
//!    are not in the catalog are reported, and kept (Backstage stores them).

pub mod relations;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::config::Config;
use crate::crawl::Candidate;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::validate::{self, ValidateOptions};
use crate::model::{Entity, EntityRef, Node};
use crate::source::{SourceDb, Span};

pub use relations::RelationType;

/// One stored relation of an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub rel: RelationType,
    pub target: EntityRef,
    /// Where the entity itself wrote the reference (forward relations only).
    pub span: Option<Span>,
}

/// Index of an entity in [`Catalog::entities`].
pub type EntityId = usize;

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Sorted by canonical ref.
    pub entities: Vec<Entity>,
    /// Per entity (same index): relations sorted by type then target, as
    /// Backstage's stitcher sorts them.
    pub relations: Vec<Vec<Relation>>,
    index: HashMap<String, EntityId>,
}

impl Catalog {
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    pub fn id(&self, entity_ref: &EntityRef) -> Option<EntityId> {
        self.index.get(entity_ref.canonical()).copied()
    }

    /// Looks up by canonical ref (`component:default/foo`); case-insensitive.
    pub fn get(&self, canonical: &str) -> Option<&Entity> {
        let id = self.index.get(&canonical.to_lowercase())?;
        Some(&self.entities[*id])
    }

    pub fn relations_of(&self, id: EntityId) -> &[Relation] {
        &self.relations[id]
    }

    /// Targets of one relation type of an entity.
    pub fn related(&self, id: EntityId, rel: RelationType) -> impl Iterator<Item = &EntityRef> {
        self.relations[id]
            .iter()
            .filter(move |r| r.rel == rel)
            .map(|r| &r.target)
    }

    pub fn iter(&self) -> impl Iterator<Item = (EntityId, &Entity)> {
        self.entities.iter().enumerate()
    }
}

/// Builds the catalog; every problem found goes to `diags`.
pub fn build(
    candidates: Vec<Candidate>,
    config: &Config,
    sources: &SourceDb,
    diags: &mut Diagnostics,
) -> Catalog {
    let survivors = resolve_conflicts(candidates, sources, diags);

    let options = ValidateOptions {
        custom_kinds: &config.catalog.custom_kinds,
    };
    let results: Vec<Accepted> = survivors
        .into_par_iter()
        .map(|c| accept(c, config, &options))
        .collect();

    let mut accepted = Vec::with_capacity(results.len());
    for (entity, found) in results {
        diags.extend(found);
        accepted.extend(entity);
    }
    accepted.sort_by(|a, b| a.0.entity_ref.cmp(&b.0.entity_ref));

    let mut catalog = Catalog {
        index: accepted
            .iter()
            .enumerate()
            .map(|(i, (e, _))| (e.entity_ref.canonical().to_string(), i))
            .collect(),
        relations: vec![Vec::new(); accepted.len()],
        entities: Vec::with_capacity(accepted.len()),
    };
    let mut all_emitted = Vec::new();
    for (entity, emitted) in accepted {
        catalog.entities.push(entity);
        all_emitted.extend(emitted);
    }
    link(&mut catalog, all_emitted, diags);
    catalog
}

/// Step 1: the first file to deliver a ref owns it; later documents of the
/// same file replace earlier ones.
fn resolve_conflicts(
    candidates: Vec<Candidate>,
    sources: &SourceDb,
    diags: &mut Diagnostics,
) -> Vec<Candidate> {
    let mut slots: Vec<Option<Candidate>> = Vec::with_capacity(candidates.len());
    let mut owner: HashMap<String, usize> = HashMap::new();
    for candidate in candidates {
        let Some(entity_ref) = candidate.written_ref() else {
            // Envelope problems are reported by validation.
            slots.push(Some(candidate));
            continue;
        };
        match owner.get(entity_ref.canonical()) {
            None => {
                owner.insert(entity_ref.canonical().to_string(), slots.len());
                slots.push(Some(candidate));
            }
            Some(&slot) => {
                let first = slots[slot].as_ref().expect("owners are kept");
                if first.origin.file == candidate.origin.file {
                    diags.push(
                        Diagnostic::new(
                            Code::EntityReplacedInFile,
                            format!(
                                "{entity_ref} is defined twice in this file; the later document replaces the earlier one"
                            ),
                        )
                        .at(candidate.origin.span)
                        .related(first.origin.span, "earlier definition, ignored")
                        .entity(entity_ref.canonical())
                        .help("remove one of the two documents, or rename one of them"),
                    );
                    slots[slot] = Some(candidate);
                } else {
                    diags.push(
                        Diagnostic::new(
                            Code::EntityConflict,
                            format!(
                                "{entity_ref} is already defined in {}; this definition is ignored",
                                sources.display(first.origin.file)
                            ),
                        )
                        .at(candidate.origin.span)
                        .related(first.origin.span, "first definition, which wins")
                        .entity(entity_ref.canonical())
                        .help("entity refs (kind, namespace, name; case-insensitive) must be unique across the catalog: rename one, or move it to another namespace"),
                    );
                }
            }
        }
    }
    slots.into_iter().flatten().collect()
}

type Accepted = (Option<(Entity, Vec<relations::Emitted>)>, Vec<Diagnostic>);

/// Step 2 for one candidate: validation, rules, location annotations,
/// relation extraction.
fn accept(candidate: Candidate, config: &Config, options: &ValidateOptions) -> Accepted {
    let kind = match validate::validate(&candidate.root, options) {
        Ok(kind) => kind,
        Err(found) => return (None, found),
    };
    let mut entity = Entity::from_validated(candidate.root, kind, candidate.origin);
    if !candidate.generated && !config.kind_allowed(entity.kind_name(), &candidate.location_rules) {
        let d = Diagnostic::new(
            Code::EntityKindNotAllowed,
            format!(
                "{} is of kind {}, which the catalog rules do not allow for this location",
                entity.entity_ref,
                entity.kind_name()
            ),
        )
        .at(entity.origin.span)
        .entity(entity.entity_ref.canonical())
        .help(format!(
            "add `{}` to an `allow` list in catalog.rules of backlot.yaml, or to this location's own rules",
            entity.kind_name()
        ));
        return (None, vec![d]);
    }
    sort_relation_lists(&mut entity);
    // ProcessorOutputCollector: the location annotations override any
    // value written in the file.
    entity.set_annotation("backstage.io/managed-by-location", &candidate.location);
    entity.set_annotation(
        "backstage.io/managed-by-origin-location",
        &candidate.origin_location,
    );
    // AnnotateLocationEntityProcessor: the entity's own values win.
    for (key, value) in &candidate.defaults {
        if entity.annotation(key).is_none() {
            entity.set_annotation(key, value);
        }
    }
    match relations::emit(&entity) {
        Ok(emitted) => (Some((entity, emitted)), Vec::new()),
        Err(d) => (None, vec![d]),
    }
}

/// Backstage's preprocessing sorts these spec lists, so its API returns
/// them sorted (spec/catalog.md §3 step 2). JavaScript's default sort
/// compares UTF-16 code units; for strings of entity refs that is the
/// order of `str`.
const SORTED_SPEC_LISTS: &[&str] = &[
    "providesApis",
    "consumesApis",
    "dependsOn",
    "dependencyOf",
    "memberOf",
    "children",
    "members",
];

fn sort_relation_lists(entity: &mut Entity) {
    let Some(spec) = entity
        .root
        .as_map_mut()
        .and_then(|m| m.get_mut("spec"))
        .and_then(Node::as_map_mut)
    else {
        return;
    };
    for key in SORTED_SPEC_LISTS {
        if let Some(crate::model::Value::Seq(items)) = spec.get_mut(key).map(|n| &mut n.value)
            && items.iter().all(|n| n.as_str().is_some())
        {
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
    }
}

/// Step 3: store both directions and report dangling references.
fn link(catalog: &mut Catalog, emitted: Vec<relations::Emitted>, diags: &mut Diagnostics) {
    for e in emitted {
        let source = catalog.index[e.source.canonical()];
        catalog.relations[source].push(Relation {
            rel: e.forward,
            target: e.target.clone(),
            span: Some(e.span),
        });
        match catalog.index.get(e.target.canonical()) {
            Some(&target) => catalog.relations[target].push(Relation {
                rel: e.reverse,
                target: e.source.clone(),
                span: None,
            }),
            None => diags.push(dangling(&e)),
        }
    }
    for rels in &mut catalog.relations {
        // A relation written on both sides (a group's `children` and the
        // child's `parent`) is stored once; keep the copy with a span.
        rels.sort_by(|a, b| {
            (a.rel, &a.target, a.span.is_none()).cmp(&(b.rel, &b.target, b.span.is_none()))
        });
        rels.dedup_by(|b, a| a.rel == b.rel && a.target == b.target);
    }
}

fn dangling(e: &relations::Emitted) -> Diagnostic {
    let kind = e.target.kind_lower();
    let help = if e.field == "owner" && kind == "group" {
        format!(
            "add {} to the catalog, fix the name, or write `user:{}` if the owner is a user",
            e.target, e.target.name
        )
    } else {
        format!("add {} to the catalog or fix the reference", e.target)
    };
    Diagnostic::new(
        Code::RelationDanglingRef,
        format!(
            "spec.{} of {} refers to {}, which is not in the catalog",
            e.field, e.source, e.target
        ),
    )
    .at(e.span)
    .entity(e.source.canonical())
    .help(help)
}
