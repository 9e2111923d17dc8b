//! The API docs stage: every API entity's `spec.definition`, read by its
//! `spec.type` into an [`ApiDoc`], with the readers' problems turned into
//! diagnostics at the right file and line.
//!
//! It runs right after the catalog is built and its result lives as long
//! as the catalog (`serve` keeps both together): an API doc is a function
//! of its entity's definition alone, which is why page views may read it
//! through `site::tracked::Tracked::api`, recorded as a read of the entity.

use std::sync::Arc;

use rayon::prelude::*;

use super::{Problem, ProblemKind, asyncapi, graphql, openapi, proto};
use crate::catalog::{Catalog, EntityId};
use crate::diag::{Code, Diagnostic};
use crate::model::{Entity, Kind, Node};
use crate::source::{FileId, Pos, SourceDb, Span};

/// Problems reported per definition: a broken 10,000-line spec would
/// otherwise bury the health page; the page says how many were left out.
pub const MAX_PROBLEMS: usize = 50;

/// What a definition was read as.
#[derive(Debug, Clone)]
pub enum Model {
    OpenApi(Box<openapi::OpenApi>),
    AsyncApi(Box<asyncapi::AsyncApi>),
    Graphql(Box<graphql::GraphqlSchema>),
    Proto(Box<proto::ProtoFile>),
    /// Another `spec.type`, or a definition its reader could not read at
    /// all: the page shows the text.
    Raw,
}

/// The language of a definition's text: how it is highlighted and the
/// extension of its download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Yaml,
    Json,
    Graphql,
    Proto,
    Text,
}

impl Language {
    /// The file extension of the download (and the docs highlighter's
    /// language name, where it knows one).
    pub fn extension(self) -> &'static str {
        match self {
            Language::Yaml => "yaml",
            Language::Json => "json",
            Language::Graphql => "graphql",
            Language::Proto => "proto",
            Language::Text => "txt",
        }
    }
}

/// One API entity's definition, read.
#[derive(Debug, Clone)]
pub struct ApiDoc {
    pub model: Model,
    /// The definition as written.
    pub text: String,
    pub language: Language,
    /// Why a definition of a known type is shown raw (its reader's first
    /// problem), `None` when it was read or has no reader.
    pub unreadable: Option<String>,
    /// The definition is a URL left in place by a `$text` placeholder that
    /// was not fetched (the crawl reported it).
    pub not_fetched: Option<String>,
    /// How many problems the readers found (diagnostics beyond
    /// [`MAX_PROBLEMS`] are not reported).
    pub problem_count: usize,
}

impl ApiDoc {
    /// References to other files or URLs, which were not fetched.
    pub fn external_refs(&self) -> &[String] {
        match &self.model {
            Model::OpenApi(m) => &m.external_refs,
            Model::AsyncApi(m) => &m.external_refs,
            _ => &[],
        }
    }
}

/// The API docs of a catalog, by entity id: `None` for other kinds and for
/// APIs without a definition.
#[derive(Debug, Clone, Default)]
pub struct ApiDocs {
    docs: Vec<Option<Arc<ApiDoc>>>,
}

impl ApiDocs {
    pub fn get(&self, id: EntityId) -> Option<&ApiDoc> {
        self.docs.get(id)?.as_deref()
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

/// Definitions read by a build, by `spec.type` and text, for the next
/// build of a `serve` session: a descriptor edit reads again only the
/// definitions that changed. A read depends on nothing else (problems are
/// positioned in the text; mapping them to files happens per build).
#[derive(Debug, Default)]
pub struct ReadMemo {
    reads: rustc_hash::FxHashMap<(String, String), Read>,
}

/// One definition, read: its doc, and its problems in text positions.
type Read = (Arc<ApiDoc>, Arc<Vec<Problem>>);

/// Reads every API entity's definition, in parallel; diagnostics in
/// catalog order.
pub fn read_all(catalog: &Catalog, sources: &SourceDb) -> (ApiDocs, Vec<Diagnostic>) {
    let (docs, diagnostics, _) = read_all_reusing(catalog, sources, None);
    (docs, diagnostics)
}

/// [`read_all`], taking the reads of unchanged definitions from `before`;
/// also returns the memo for the next build (empty without `before`).
pub fn read_all_reusing(
    catalog: &Catalog,
    sources: &SourceDb,
    before: Option<&ReadMemo>,
) -> (ApiDocs, Vec<Diagnostic>, ReadMemo) {
    let read: Vec<Option<(Read, Vec<Diagnostic>, String)>> = catalog
        .entities
        .par_iter()
        .map(|e| {
            let (node, text, spec_type) = definition(e)?;
            let key = (spec_type, text.to_string());
            let read = match before.and_then(|b| b.reads.get(&key)) {
                Some((doc, problems)) => (Arc::clone(doc), Arc::clone(problems)),
                None => {
                    let (doc, problems) = read_definition(&key.0, text);
                    (Arc::new(doc), Arc::new(problems))
                }
            };
            let diagnostics = diagnose(e, node, &read.0, &read.1, &key.0, sources);
            Some((read, diagnostics, key.0))
        })
        .collect();
    let mut diagnostics = Vec::new();
    let mut memo = ReadMemo::default();
    let docs = read
        .into_iter()
        .map(|read| {
            let ((doc, problems), diags, spec_type) = read?;
            diagnostics.extend(diags);
            if before.is_some() {
                memo.reads
                    .insert((spec_type, doc.text.clone()), (Arc::clone(&doc), problems));
            }
            Some(doc)
        })
        .collect();
    (ApiDocs { docs }, diagnostics, memo)
}

/// An API entity's `spec.definition` node, its text, and its `spec.type`
/// (lower case).
fn definition(e: &Entity) -> Option<(&Node, &str, String)> {
    if e.kind != Kind::Api {
        return None;
    }
    let node = e.spec()?.get("definition")?;
    let text = node.as_str()?;
    let spec_type = e.spec_str("type").unwrap_or_default().to_ascii_lowercase();
    Some((node, text, spec_type))
}

/// Reads a definition by its type: the doc and the readers' problems.
fn read_definition(spec_type: &str, text: &str) -> (ApiDoc, Vec<Problem>) {
    if is_unfetched_url(text) {
        let doc = ApiDoc {
            model: Model::Raw,
            text: text.to_string(),
            language: Language::Text,
            unreadable: None,
            not_fetched: Some(text.trim().to_string()),
            problem_count: 0,
        };
        return (doc, Vec::new());
    }
    let (model, problems, language) = match spec_type {
        "openapi" => {
            let (m, p) = openapi::read(text);
            (
                m.map(|m| Model::OpenApi(Box::new(m))),
                p,
                data_language(text),
            )
        }
        "asyncapi" => {
            let (m, p) = asyncapi::read(text);
            (
                m.map(|m| Model::AsyncApi(Box::new(m))),
                p,
                data_language(text),
            )
        }
        "graphql" => {
            let (m, p) = graphql::read(text);
            (m.map(|m| Model::Graphql(Box::new(m))), p, Language::Graphql)
        }
        "grpc" => {
            let (m, p) = proto::read(text);
            (m.map(|m| Model::Proto(Box::new(m))), p, Language::Proto)
        }
        _ => (Some(Model::Raw), Vec::new(), raw_language(spec_type, text)),
    };
    let unreadable = model.is_none().then(|| {
        problems.first().map_or_else(
            || "the definition is empty".to_string(),
            |p| p.message.clone(),
        )
    });
    let doc = ApiDoc {
        model: model.unwrap_or(Model::Raw),
        text: text.to_string(),
        language,
        unreadable,
        not_fetched: None,
        problem_count: problems.len(),
    };
    (doc, problems)
}

/// The diagnostics of a read definition, at their places in the files.
fn diagnose(
    e: &Entity,
    node: &Node,
    doc: &ApiDoc,
    problems: &[Problem],
    spec_type: &str,
    sources: &SourceDb,
) -> Vec<Diagnostic> {
    if doc.not_fetched.is_some() {
        return Vec::new();
    }
    let fatal = doc.unreadable.is_some();
    let place = Placement::of(node, e, &doc.text, sources);
    let canonical = e.entity_ref.canonical();
    let mut diagnostics: Vec<Diagnostic> = problems
        .iter()
        .take(MAX_PROBLEMS)
        .map(|p| {
            let mut d = Diagnostic::new(code_of(p, fatal), message(p, spec_type))
                .at(place.span(p.pos))
                .entity(canonical);
            if let Some(help) = &p.help {
                d = d.help(help.clone());
            }
            d
        })
        .collect();
    if fatal && problems.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                Code::ApiInvalidDefinition,
                format!("the {spec_type} definition has nothing to show"),
            )
            .at(node.span)
            .entity(canonical),
        );
    }
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - MAX_PROBLEMS;
        diagnostics.push(
            Diagnostic::new(
                Code::ApiDefinitionProblem,
                format!("{more} more problems in this definition are not reported"),
            )
            .at(place.span(problems[MAX_PROBLEMS].pos))
            .entity(canonical),
        );
    }
    diagnostics
}

/// A definition that is only a URL: a `$text` placeholder naming a URL
/// keeps it as the value, and the crawl already said it was not fetched.
fn is_unfetched_url(text: &str) -> bool {
    let t = text.trim();
    !t.contains(char::is_whitespace)
        && (t.starts_with("http://") || t.starts_with("https://"))
        && t.len() > "https://".len()
}

/// JSON when the text starts like a JSON document, else YAML.
fn data_language(text: &str) -> Language {
    match text.trim_start().chars().next() {
        Some('{' | '[') => Language::Json,
        _ => Language::Yaml,
    }
}

/// Types without a reader: YAML/JSON when they are data formats we know
/// to be written so, else plain text.
fn raw_language(spec_type: &str, text: &str) -> Language {
    match data_language(text) {
        Language::Json => Language::Json,
        _ if matches!(spec_type, "jsonschema" | "json-schema" | "yaml") => Language::Yaml,
        _ => Language::Text,
    }
}

fn message(p: &Problem, spec_type: &str) -> String {
    format!("{spec_type} definition: {}", p.message)
}

/// Which code a reader's problem is reported with: a problem that kept the
/// definition from being read at all is `api/invalid-definition`, unless a
/// more specific kind says otherwise.
fn code_of(p: &Problem, fatal: bool) -> Code {
    match p.kind {
        ProblemKind::UnresolvedRef => Code::ApiUnresolvedRef,
        ProblemKind::UnsupportedVersion => Code::ApiUnsupportedVersion,
        ProblemKind::Other if fatal => Code::ApiInvalidDefinition,
        ProblemKind::Other => Code::ApiDefinitionProblem,
    }
}

/// Where a definition's text lies in a source file, to map positions in
/// the text to positions in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Placement {
    file: FileId,
    /// Line of the file holding the text's line 1, minus one.
    line_offset: u32,
    /// Columns added to every line but the first (a block scalar's
    /// indentation).
    indent: u32,
    /// Columns added to the first line.
    first_indent: u32,
    /// Every position is shown at `start`: the text's lines are not the
    /// file's.
    collapse: bool,
    /// Where the definition's node starts.
    start: Pos,
}

impl Placement {
    /// `$text` values carry the span of their whole file (1:1). The span
    /// of an inline block scalar (`definition: |`) starts at its first
    /// non-blank line, every line indented alike: its blank leading lines
    /// (kept in the text) are above. A flow scalar starts where its node
    /// does (after its quote).
    fn of(node: &Node, e: &Entity, text: &str, sources: &SourceDb) -> Placement {
        let span = node.span;
        let whole = Placement {
            file: span.file,
            line_offset: 0,
            indent: 0,
            first_indent: 0,
            collapse: false,
            start: span.start,
        };
        if span.start == Pos::new(1, 1) && span.file != e.origin.file {
            return whole;
        }
        let Some(line) = sources.line_text(span.file, span.start.line) else {
            return whole;
        };
        let col = span.start.col.saturating_sub(1);
        let prefix_blank = line.chars().take(col as usize).all(char::is_whitespace);
        if prefix_blank && text.contains('\n') {
            let blank_lines = text.split('\n').take_while(|l| l.trim().is_empty()).count() as u32;
            return Placement {
                file: span.file,
                line_offset: span.start.line.saturating_sub(1 + blank_lines),
                indent: col,
                first_indent: col,
                ..whole
            };
        }
        // A flow scalar's lines are the file's only if it has as many:
        // `\n` escapes add lines to the text, and plain or quoted scalars
        // over several lines fold them. Then every problem is shown at the
        // scalar's start, which is at least the right definition.
        let file_lines = span.end.line.saturating_sub(span.start.line) + 1;
        if text.split('\n').count() as u32 != file_lines {
            return Placement {
                collapse: true,
                ..whole
            };
        }
        let quoted = matches!(line.chars().nth(col as usize), Some('"' | '\''));
        Placement {
            file: span.file,
            line_offset: span.start.line.saturating_sub(1),
            indent: 0,
            first_indent: col + u32::from(quoted),
            ..whole
        }
    }

    fn span(&self, pos: Pos) -> Span {
        if self.collapse {
            return Span::point(self.file, self.start);
        }
        let add = if pos.line <= 1 {
            self.first_indent
        } else {
            self.indent
        };
        Span::point(
            self.file,
            Pos::new(self.line_offset + pos.line.max(1), pos.col.max(1) + add),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::testing::fixture;

    fn api(definition: &str, spec_type: &str) -> String {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: a\nspec:\n  type: {spec_type}\n  lifecycle: production\n  owner: team-a\n  definition: {definition}\n"
        )
    }

    fn read(descriptor: &str) -> (ApiDocs, Vec<Diagnostic>) {
        let f = fixture(&[("catalog-info.yaml", descriptor)]);
        read_all(&f.catalog, &f.sources)
    }

    // An inline block scalar starts on the line after `definition: |`,
    // indented: a problem on the text's line 3, column 7 is on the file's
    // line 10 + 3, column 4 + 7.
    #[test]
    fn block_scalar_positions_map_to_the_descriptor() {
        let (docs, diags) = read(&api(
            "|\n    openapi: 3.0.0\n    info: {title: t, version: '1'}\n    paths: [oops]\n",
            "openapi",
        ));
        assert!(docs.get(0).is_some());
        assert_eq!(diags.len(), 1, "{diags:?}");
        let span = diags[0].span.unwrap();
        assert_eq!(diags[0].code, Code::ApiDefinitionProblem);
        assert_eq!((span.start.line, span.start.col), (12, 12));
        assert_eq!(diags[0].entity.as_deref(), Some("api:default/a"));
    }

    // Backstage accepts any string: a broken definition is a warning, the
    // doc is kept raw with the reason.
    #[test]
    fn unreadable_definitions_are_raw_with_a_warning() {
        let (docs, diags) = read(&api("|\n    openapi: 3.0.0\n    info: [\n", "OpenAPI"));
        let doc = docs.get(0).unwrap();
        assert!(matches!(doc.model, Model::Raw));
        assert!(doc.unreadable.is_some());
        assert_eq!(diags[0].code, Code::ApiInvalidDefinition);
        assert_eq!(diags[0].severity, crate::diag::Severity::Warning);
        let (_, diags) = read(&api("'swagger: \"1.2\"'", "openapi"));
        assert_eq!(diags[0].code, Code::ApiUnsupportedVersion, "{diags:?}");
        let span = diags[0].span.unwrap();
        assert_eq!((span.start.line, span.start.col), (9, 25));
    }

    // A quoted definition on one line maps column for column; one whose
    // `\n` escapes make several text lines has no line of its own in the
    // file, so its problems point at the definition itself.
    #[test]
    fn flow_scalar_positions_map_to_the_descriptor() {
        let (_, diags) = read(&api(r#""type Query { a: Nope }""#, "graphql"));
        let span = diags[0].span.unwrap();
        // The quote is at column 15, so the text starts at 16; `Nope` is at
        // the text's column 17.
        assert_eq!(
            (span.start.line, span.start.col),
            (9, 16 + 17 - 1),
            "{diags:?}"
        );
        let (_, diags) = read(&api(
            r#""openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: [oops]""#,
            "openapi",
        ));
        assert_eq!(diags.len(), 1, "{diags:?}");
        let span = diags[0].span.unwrap();
        assert_eq!((span.start.line, span.start.col), (9, 15), "{diags:?}");
    }

    #[test]
    fn unresolved_local_refs_have_their_code() {
        let (_, diags) = read(&api(
            "|\n    openapi: 3.0.0\n    info: {title: t, version: '1'}\n    paths:\n      /a:\n        get:\n          responses:\n            '200':\n              $ref: '#/components/responses/Nope'\n",
            "openapi",
        ));
        assert!(
            diags.iter().any(|d| d.code == Code::ApiUnresolvedRef),
            "{diags:?}"
        );
    }

    // The crawl reports a `$text` URL as not fetched; the stage does not
    // report it again.
    #[test]
    fn url_definitions_are_not_reported_twice() {
        let (docs, diags) = read(&api("https://example.org/openapi.yaml", "openapi"));
        assert!(diags.is_empty());
        assert_eq!(
            docs.get(0).unwrap().not_fetched.as_deref(),
            Some("https://example.org/openapi.yaml")
        );
    }

    #[test]
    fn other_types_are_raw_and_problem_free() {
        let (docs, diags) = read(&api("'{\"a\": 1}'", "jsonschema"));
        assert!(diags.is_empty());
        let doc = docs.get(0).unwrap();
        assert!(matches!(doc.model, Model::Raw) && doc.unreadable.is_none());
        assert_eq!(doc.language, Language::Json);
    }
}
