//! The catalog as page views read it, with the entities each view reads
//! recorded, so that `serve` can tell which pages an edited descriptor can
//! change (`render::PageMemo`).
//!
//! A page view is a function of three things: the build-wide facts (the
//! diagnostics, the docs sites' headers), the catalog's *shape* (which
//! entities exist, in which order, their kinds and docs sites:
//! [`Site::hash_shape`]), and the entities it reads. While the facts and
//! the shape are those of the last build, a page whose entities all have
//! the [`entity_digests`] they had then shows exactly what it showed, and
//! needs no view at all. Entity data reaches views only through
//! [`Tracked`], whose inner catalog is private to this module: a new view
//! cannot read an entity without recording it. That matters because what
//! a page reads is not a fixed neighbourhood: a Group page lists what its
//! descendant groups own, however deep.
//!
//! Recording is per thread (a view is built on one thread, and builds no
//! parallel work of its own), and only while [`recording`] runs; elsewhere
//! the accessors cost a thread-local check.

use std::cell::RefCell;
use std::hash::Hasher;

use rayon::prelude::*;
use siphasher::sip128::{Hasher128, SipHasher13};

use crate::apidocs::{ApiDoc, ApiDocs};
use crate::catalog::{Catalog, EntityId, RelationType};
use crate::model::yaml::Value;
use crate::model::{Entity, EntityRef, Node};
use crate::source::SourceDb;

use super::Site;

/// Recorded in place of an entity when a view read the whole catalog:
/// such a page depends on everything.
const EVERYTHING: EntityId = EntityId::MAX;

thread_local! {
    static READS: RefCell<Option<Vec<EntityId>>> = const { RefCell::new(None) };
}

/// Runs `f` and returns the entities it read through [`Tracked`] on this
/// thread, sorted and unique; `None` when it read the whole catalog.
pub fn recording<T>(f: impl FnOnce() -> T) -> (T, Option<Vec<EntityId>>) {
    let outer = READS.with_borrow_mut(|r| r.replace(Vec::new()));
    let value = f();
    let mut reads = READS
        .with_borrow_mut(|r| std::mem::replace(r, outer))
        .unwrap_or_default();
    reads.sort_unstable();
    reads.dedup();
    if reads.last() == Some(&EVERYTHING) {
        return (value, None);
    }
    (value, Some(reads))
}

fn read(id: EntityId) {
    READS.with_borrow_mut(|r| {
        if let Some(r) = r {
            r.push(id);
        }
    });
}

/// The catalog behind recording accessors.
#[derive(Clone, Copy)]
pub struct Tracked<'a> {
    catalog: &'a Catalog,
    apis: &'a ApiDocs,
}

impl<'a> Tracked<'a> {
    pub fn new(catalog: &'a Catalog, apis: &'a ApiDocs) -> Tracked<'a> {
        Tracked { catalog, apis }
    }

    /// An API entity's definition, read: recorded as a read of the entity,
    /// since it is a function of the entity's `spec.definition` alone (a
    /// `$text` file's content is in the entity's tree, so in its digest).
    pub fn api(&self, id: EntityId) -> Option<&'a ApiDoc> {
        read(id);
        self.apis.get(id)
    }

    /// An entity's data: recorded.
    pub fn entity(&self, id: EntityId) -> &'a Entity {
        read(id);
        &self.catalog.entities[id]
    }

    /// The targets of an entity's relations of one type: recorded.
    pub fn related(&self, id: EntityId, rel: RelationType) -> impl Iterator<Item = &'a EntityRef> {
        read(id);
        self.catalog.related(id, rel)
    }

    /// Which entity a ref names: part of the shape, not recorded (reading
    /// the entity is).
    pub fn id(&self, entity_ref: &EntityRef) -> Option<EntityId> {
        self.catalog.id(entity_ref)
    }

    /// [`Tracked::id`] by a canonical ref (any case).
    pub fn id_of(&self, canonical: &str) -> Option<EntityId> {
        let entity = self.catalog.get(canonical)?;
        self.catalog.id(&entity.entity_ref)
    }

    /// The number of entities: part of the shape.
    pub fn len(&self) -> usize {
        self.catalog.len()
    }

    pub fn is_empty(&self) -> bool {
        self.catalog.is_empty()
    }

    /// The whole catalog, for what is not a page view (data files, the
    /// search index, the shape). Read inside a view, it makes the page
    /// depend on everything.
    pub fn whole(&self) -> &'a Catalog {
        read(EVERYTHING);
        self.catalog
    }
}

impl Site<'_> {
    /// Per entity, a 128-bit digest of everything a view can read of it
    /// through [`Tracked`]: the entity as processed (its whole tree, with
    /// positions), its refs as written, where it was defined, and its
    /// relations. Equal digests in two builds of the same shape mean the
    /// views read the same data.
    pub fn entity_digests(&self) -> Vec<u128> {
        let catalog = self.catalog.whole();
        (0..catalog.len())
            .into_par_iter()
            .map(|id| digest(catalog, self.sources, id))
            .collect()
    }
}

fn digest(catalog: &Catalog, sources: &SourceDb, id: EntityId) -> u128 {
    let e = &catalog.entities[id];
    let mut h = SipHasher13::new();
    entity_ref(&mut h, &e.entity_ref);
    str(&mut h, sources.display(e.origin.file));
    h.write_u32(e.origin.file.0);
    span(&mut h, &e.origin.span);
    h.write_usize(e.origin.doc_index);
    node(&mut h, &e.root);
    let relations = catalog.relations_of(id);
    h.write_usize(relations.len());
    for r in relations {
        str(&mut h, r.rel.as_str());
        entity_ref(&mut h, &r.target);
        match &r.span {
            Some(s) => span(&mut h, s),
            None => h.write_u8(0),
        }
    }
    h.finish128().as_u128()
}

/// Strings are written with their length, so that no two sequences of
/// fields hash the same input.
fn str(h: &mut SipHasher13, s: &str) {
    h.write_usize(s.len());
    h.write(s.as_bytes());
}

fn entity_ref(h: &mut SipHasher13, r: &EntityRef) {
    str(h, &r.kind);
    str(h, &r.namespace);
    str(h, &r.name);
}

fn span(h: &mut SipHasher13, s: &crate::source::Span) {
    h.write_u8(1);
    h.write_u32(s.file.0);
    for p in [s.start, s.end] {
        h.write_u32(p.line);
        h.write_u32(p.col);
    }
}

fn node(h: &mut SipHasher13, n: &Node) {
    span(h, &n.span);
    match &n.value {
        Value::Null => h.write_u8(0),
        Value::Bool(b) => {
            h.write_u8(1);
            h.write_u8(u8::from(*b));
        }
        Value::Int(i) => {
            h.write_u8(2);
            h.write_i64(*i);
        }
        Value::Float(f) => {
            h.write_u8(3);
            h.write_u64(f.to_bits());
        }
        Value::Str(s) => {
            h.write_u8(4);
            str(h, s);
        }
        Value::Seq(items) => {
            h.write_u8(5);
            h.write_usize(items.len());
            for item in items {
                node(h, item);
            }
        }
        Value::Map(map) => {
            h.write_u8(6);
            h.write_usize(map.len());
            for (key, value) in map.iter() {
                str(h, &key.text);
                span(h, &key.span);
                node(h, value);
            }
        }
    }
}

impl Site<'_> {
    /// Feeds `h` with the catalog's shape: every entity's canonical ref in
    /// order (so entity ids mean the same entities), the kinds with their
    /// labels and members, and which docs site each entity links to. Views
    /// read these without recording.
    pub fn hash_shape(&self, h: &mut impl Hasher) {
        let catalog = self.catalog.whole();
        h.write_usize(catalog.len());
        for e in &catalog.entities {
            h.write(e.entity_ref.canonical().as_bytes());
            h.write_u8(0xff);
        }
        h.write_usize(self.kinds.len());
        for kind in &self.kinds {
            h.write(kind.key.as_bytes());
            h.write_u8(0xff);
            h.write(kind.label.as_bytes());
            h.write_u8(0xff);
            h.write_usize(kind.ids.len());
            for &id in &kind.ids {
                h.write_usize(id);
            }
        }
        let mut docs: Vec<(&String, &usize)> = self.docs_of.iter().collect();
        docs.sort_unstable();
        h.write_usize(docs.len());
        for (entity, site) in docs {
            h.write(entity.as_bytes());
            h.write_u8(0xff);
            h.write_usize(*site);
        }
    }
}
