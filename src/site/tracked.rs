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
    // Fields go into a buffer hashed once: SipHash's per-write cost was
    // most of the digests' time, with several small writes per node.
    let mut b = Buf(Vec::with_capacity(4096));
    entity_ref(&mut b, &e.entity_ref);
    b.str(sources.display(e.origin.file));
    b.u32(e.origin.file.0);
    b.span(&e.origin.span);
    b.u64(e.origin.doc_index as u64);
    b.node(&e.root);
    let relations = catalog.relations_of(id);
    b.u64(relations.len() as u64);
    for r in relations {
        b.str(r.rel.as_str());
        entity_ref(&mut b, &r.target);
        match &r.span {
            Some(s) => b.span(s),
            None => b.0.push(0),
        }
    }
    let mut h = SipHasher13::new();
    h.write(&b.0);
    h.finish128().as_u128()
}

fn entity_ref(b: &mut Buf, r: &EntityRef) {
    b.str(&r.kind);
    b.str(&r.namespace);
    b.str(&r.name);
}

struct Buf(Vec<u8>);

impl Buf {
    fn u32(&mut self, n: u32) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    fn u64(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    /// Strings are written with their length, so that no two sequences of
    /// fields give the same bytes.
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn span(&mut self, s: &crate::source::Span) {
        self.0.push(1);
        for n in [s.file.0, s.start.line, s.start.col, s.end.line, s.end.col] {
            self.u32(n);
        }
    }

    fn node(&mut self, n: &Node) {
        self.span(&n.span);
        match &n.value {
            Value::Null => self.0.push(0),
            Value::Bool(v) => self.0.extend_from_slice(&[1, u8::from(*v)]),
            Value::Int(i) => {
                self.0.push(2);
                self.u64(*i as u64);
            }
            Value::Float(f) => {
                self.0.push(3);
                self.u64(f.to_bits());
            }
            Value::Str(s) => {
                self.0.push(4);
                self.str(s);
            }
            Value::Seq(items) => {
                self.0.push(5);
                self.u64(items.len() as u64);
                for item in items {
                    self.node(item);
                }
            }
            Value::Map(map) => {
                self.0.push(6);
                self.u64(map.len() as u64);
                for (key, value) in map.iter() {
                    self.str(&key.text);
                    self.span(&key.span);
                    self.node(value);
                }
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
