//! API definitions → plain reference models for the API docs pages.
//!
//! Backstage's api-docs plugin renders definitions in the browser (Swagger
//! UI, AsyncAPI React, GraphiQL). Backlot reads them at build time instead,
//! into plain data (one module per `spec.type`) that the site stage turns
//! into views and the search stage into documents. Nothing here does IO or
//! renders HTML from untrusted text: descriptions stay raw Markdown for the
//! caller to render and sanitize.
//!
//! Definitions are untrusted and often hand-written, so every parser here
//! keeps going past problems and reports them as [`Problem`]s with a
//! position inside the definition text; the caller maps that position to
//! the descriptor or `$text` file it came from.

use serde::Serialize;

use crate::source::Pos;

pub mod asyncapi;
mod code;
pub mod graphql;
pub mod openapi;
pub mod proto;
pub mod read;
pub mod schema;

pub use read::{ApiDoc, ApiDocs, Language, Model, ReadMemo, read_all, read_all_reusing};

/// Something wrong with a definition, at a position inside its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Line and column in the definition text (both from 1).
    pub pos: Pos,
    pub message: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
    /// What kind of problem it is: the diagnostic code it is reported with.
    pub kind: ProblemKind,
}

/// Problems the API docs stage reports under codes of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum ProblemKind {
    /// Anything else wrong in a definition.
    #[default]
    Other,
    /// A local `$ref` that names nothing, or a chain of them that loops.
    UnresolvedRef,
    /// A format version the reader does not know.
    UnsupportedVersion,
}

impl Problem {
    pub fn new(pos: Pos, message: impl Into<String>) -> Problem {
        Problem {
            pos,
            message: message.into(),
            help: None,
            kind: ProblemKind::Other,
        }
    }

    pub fn kind(mut self, kind: ProblemKind) -> Problem {
        self.kind = kind;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }
}
