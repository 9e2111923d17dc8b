//! Backstage's validation of an entity (spec/catalog.md §2–§4, §6).

use crate::config::CustomKind;
use crate::diag::Diagnostic;
use crate::model::{Kind, Node};

pub struct ValidateOptions<'a> {
    pub custom_kinds: &'a [CustomKind],
}

/// Step 1 of the pipeline: the envelope. Run while reading, before placeholders.
pub fn check_envelope(_root: &Node) -> Result<(), Diagnostic> {
    Ok(())
}

/// Steps 3–4: policies and the kind validator. `Ok` with the kind when
/// valid, else every problem found.
pub fn validate(root: &Node, _options: &ValidateOptions) -> Result<Kind, Vec<Diagnostic>> {
    Ok(root.get("kind").and_then(Node::as_str).and_then(Kind::parse).unwrap_or(Kind::Custom))
}
