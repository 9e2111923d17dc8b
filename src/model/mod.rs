//! Backstage's entity model: YAML with positions, entity references,
//! validation and the validated [`Entity`]. Pure: no IO here.

pub mod entity;
pub mod refs;
pub mod validate;
pub mod yaml;

pub use entity::{Entity, Kind, Link, Metadata, Origin};
pub use refs::{EntityRef, RefError, parse_ref};
pub use yaml::{Document, Key, Map, Node, Value};
