//! TechDocs: documentation sites rendered natively (spec/techdocs.md).

pub mod highlight;
pub mod markdown;
pub mod sanitize;
