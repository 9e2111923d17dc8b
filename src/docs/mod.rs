//! TechDocs: documentation sites rendered natively (spec/techdocs.md).

pub mod build;
pub mod highlight;
pub mod links;
pub mod markdown;
pub mod mkdocs;
pub mod nav;
pub mod read;
pub mod sanitize;
pub mod splice;
