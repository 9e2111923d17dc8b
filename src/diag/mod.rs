//! Diagnostics: what went wrong in the user's input, where, and how to fix it.
//!
//! Diagnostics are values, not errors: every stage returns its result plus
//! the diagnostics it found and keeps going (rust-analyzer's "parsing never
//! fails" invariant). Only failures that stop the whole run (an unusable
//! config, an unwritable output folder) are `anyhow::Error`s.
//!
//! Every diagnostic has a stable [`Code`]; `docs/diagnostics.md` documents
//! each one (a test checks that none is missing).

mod codes;
pub mod emit;

pub use codes::Code;

use serde::Serialize;

use crate::source::{FileId, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A problem found in the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    /// What is wrong, in one sentence, without a trailing period.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Where; `None` only for problems with no file (rare).
    pub span: Option<Span>,
    /// Other places involved (e.g. the first definition of a conflicting entity).
    pub related: Vec<Related>,
    /// Canonical ref of the entity concerned, so entity pages can link to it.
    pub entity: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

impl Diagnostic {
    /// Every file id passed through `map`: the diagnostic of a file that a
    /// later build registered again under another id.
    pub fn map_files(mut self, map: impl Fn(FileId) -> FileId) -> Diagnostic {
        if let Some(span) = &mut self.span {
            span.file = map(span.file);
        }
        for related in &mut self.related {
            related.span.file = map(related.span.file);
        }
        self
    }

    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: code.default_severity(),
            code,
            message: message.into(),
            help: None,
            span: None,
            related: Vec::new(),
            entity: None,
        }
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn at_opt(mut self, span: Option<Span>) -> Diagnostic {
        self.span = span;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    pub fn entity(mut self, entity_ref: impl Into<String>) -> Diagnostic {
        self.entity = Some(entity_ref.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A growing list of diagnostics, passed down by `&mut` to stages.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn errors(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.items.len() - self.errors()
    }

    /// Sort into the order people read and snapshots compare: by file, then
    /// position, then code. Parallel stages push in any order; output never
    /// depends on it.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let key = |d: &Diagnostic| (d.span.map(|s| (s.file, s.start)), d.code);
            key(a)
                .cmp(&key(b))
                .then_with(|| a.message.cmp(&b.message))
                // A total order: the same diagnostics sort the same however
                // they were gathered (an incremental rebuild gathers them
                // in another order than a clean build).
                .then_with(|| a.entity.cmp(&b.entity))
        });
        self.items.dedup();
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<T: IntoIterator<Item = Diagnostic>>(&mut self, iter: T) {
        self.items.extend(iter);
    }
}
