//! JSON Schema for display, and the `$ref` resolution every API format
//! shares.
//!
//! OpenAPI (2.0 definitions, 3.0's schema dialect, 3.1's JSON Schema
//! 2020-12) and AsyncAPI all describe data with JSON Schema and point inside
//! their own document with `$ref` JSON Pointers. [`Ctx`] holds the parsed
//! document while a reader walks it: it resolves local references, records
//! external ones (Backlot never fetches other files or URLs) and collects
//! [`Problem`]s without repeating one that a shared component would raise
//! again at every use.
//!
//! [`Schema`] is the display tree: one node per schema a page lists, with
//! the facts a reader looks for (type label, constraints, enum, examples)
//! precomputed as strings so a template only prints them. A `$ref` to a
//! schema the page lists among its components is a link to it, so each
//! named schema is shown once and the page grows with the definition (a
//! spec where every schema references the next one twice would otherwise
//! expand to 2^n nodes); only a reference that is itself what an operation
//! shows (a body, at the root) opens its first level in place. Other
//! references are expanded inline, under limits: a reference already being
//! expanded on the current path becomes a `recursive` node, and past a node
//! budget or depth the tree stops growing (`truncated` nodes that still
//! name and link their schema).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::{Problem, ProblemKind};
use crate::model::yaml::{Map, Node, Value};
use crate::source::{FileId, Pos};

/// Nodes one schema (a request body, a response, a component) may expand
/// to. Far above anything a person reads on one page, far below what a
/// reference bomb would build.
pub const ROOT_BUDGET: usize = 20_000;
/// Nodes all schemas of one document may expand to together: a spec with
/// thousands of operations that all reference a large shared schema would
/// otherwise still build millions of nodes.
pub const DOCUMENT_BUDGET: usize = 200_000;
/// Nesting of schemas inside one another, counting expanded references.
/// Real data models are far shallower; it also bounds our recursion.
pub const MAX_DEPTH: usize = 32;
/// Hops of a `$ref` whose target is another `$ref`.
const MAX_REF_HOPS: usize = 32;
/// Characters kept of an example or default value. Examples are sometimes
/// whole API responses of many kilobytes, repeated on every operation that
/// uses the schema; a page shows the beginning and the full text stays in
/// the definition.
pub const MAX_VALUE_CHARS: usize = 4_000;
/// Enum values listed per schema; the rest are counted in `enum_more`.
pub const MAX_ENUM_VALUES: usize = 200;

/// A `$ref` that was not followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingRef {
    /// The reference as written.
    pub reference: String,
    /// `true`: another file or a URL, which Backlot does not fetch (this is
    /// legitimate, the page says "not fetched"); `false`: a local reference
    /// (`#/...`) that names nothing in this document (also a [`Problem`]).
    pub external: bool,
}

/// One schema as a page shows it: a node of nested lists.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Schema {
    /// Property name, when this schema is a property of an object (or a
    /// form field, a header...).
    pub name: Option<String>,
    /// The property is listed in its object's `required`.
    pub required: bool,
    /// What the value is, in one line: `string`, `string (date-time)`,
    /// `integer (int64)`, `array of Pet`, `object`, `string | null`, `any`.
    /// A bare `$ref` to a component gives the target's label; the component
    /// name is in `ref_name`.
    pub type_label: String,
    /// Name of the schema this node was reached through by `$ref` (the
    /// last segment of the pointer, e.g. `Pet`).
    pub ref_name: Option<String>,
    /// Anchor of that schema in the document's component list, when the
    /// reference names a component schema (`#/components/schemas/X`,
    /// `#/definitions/X`); the page links to `#{ref_anchor}`.
    pub ref_anchor: Option<String>,
    /// The reference is already being expanded further up this tree: the
    /// node names the schema (`ref_name`, `ref_anchor`) and has no children.
    pub recursive: bool,
    /// The size or depth limit was reached: this node has no children even
    /// though the definition gives some. Link to `ref_anchor` if present.
    pub truncated: bool,
    /// A `$ref` that could not be followed; no other fields are known.
    pub missing_ref: Option<MissingRef>,
    pub title: Option<String>,
    /// Raw Markdown (CommonMark in OpenAPI and AsyncAPI).
    pub description: Option<String>,
    pub format: Option<String>,
    /// Allowed values as JSON text (`"available"`, `3`, `null`); `const`
    /// is listed here as a single value.
    pub enum_values: Vec<String>,
    /// Enum values not listed (beyond [`MAX_ENUM_VALUES`]).
    pub enum_more: usize,
    /// JSON text of `default`.
    pub default: Option<String>,
    /// JSON text (pretty-printed, possibly truncated with `…`) of
    /// `example` and of each entry of `examples`.
    pub examples: Vec<String>,
    /// Validation keywords in source order: `minimum`, `maximum`,
    /// `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `minLength`,
    /// `maxLength`, `pattern`, `minItems`, `maxItems`, `uniqueItems`,
    /// `minProperties`, `maxProperties`.
    pub constraints: Vec<Constraint>,
    pub nullable: bool,
    pub read_only: bool,
    pub write_only: bool,
    pub deprecated: bool,
    /// `discriminator.propertyName`.
    pub discriminator: Option<String>,
    /// Object properties in source order, each with `name` and `required`.
    pub properties: Vec<Schema>,
    /// `additionalProperties` given as a schema (`true` shows as `any`).
    pub additional_properties: Option<Box<Schema>>,
    /// `additionalProperties: false`: no other properties are allowed.
    pub closed: bool,
    /// Schema of the array items.
    pub items: Option<Box<Schema>>,
    /// Tuple items (`prefixItems`, or `items` written as a list).
    pub prefix_items: Vec<Schema>,
    /// `oneOf` alternatives: exactly one matches.
    pub one_of: Vec<Schema>,
    /// `anyOf` alternatives: at least one matches.
    pub any_of: Vec<Schema>,
    /// `allOf` parts: all apply. They are listed as parts, not merged into
    /// one object: merging hides where a property comes from (often a
    /// linked base schema) and is ambiguous for conflicting keywords. The
    /// template shows them as "all of" a list of variants.
    pub all_of: Vec<Schema>,
    /// `not`: the value must not match.
    pub not: Option<Box<Schema>>,
}

/// A validation keyword and its value as display text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Constraint {
    pub keyword: String,
    pub value: String,
}

/// A named schema of the components section.
#[derive(Debug, Clone, Serialize)]
pub struct NamedSchema {
    pub name: String,
    /// Unique in the document; `Schema::ref_anchor` of nodes that
    /// reference this schema.
    pub anchor: String,
    pub schema: Schema,
    pub pos: Pos,
}

/// What a `$ref` led to.
pub(crate) enum Deref<'a> {
    /// The object itself (the node given when it was no reference), and the
    /// pointer segments of each reference followed, in order.
    Found(&'a Node, Vec<Vec<String>>),
    Missing(MissingRef),
}

/// The document being read, and what reading it found.
pub(crate) struct Ctx<'a> {
    pub root: &'a Node,
    problems: Vec<Problem>,
    seen_problems: HashSet<(Pos, String)>,
    /// External references in first-use order, without repeats.
    pub external_refs: Vec<String>,
    /// Pointer segments of each component schema → its anchor.
    pub schema_anchors: HashMap<Vec<String>, String>,
    /// Schema nodes built so far in the whole document.
    total: usize,
}

impl<'a> Ctx<'a> {
    pub fn new(root: &'a Node) -> Ctx<'a> {
        Ctx {
            root,
            problems: Vec::new(),
            seen_problems: HashSet::new(),
            external_refs: Vec::new(),
            schema_anchors: HashMap::new(),
            total: 0,
        }
    }

    /// Records a problem once: a broken shared component is visited from
    /// every place that uses it, and one report per position is enough.
    pub fn report(&mut self, problem: Problem) {
        if self
            .seen_problems
            .insert((problem.pos, problem.message.clone()))
        {
            self.problems.push(problem);
        }
    }

    /// The problems, by position.
    pub fn into_problems(mut self) -> Vec<Problem> {
        self.problems.sort_by_key(|p| p.pos);
        self.problems
    }

    fn external(&mut self, reference: &str) {
        if !self.external_refs.iter().any(|r| r == reference) {
            self.external_refs.push(reference.to_string());
        }
    }

    /// Follows `node` while it is a Reference Object (`{$ref: ...}`).
    pub fn deref(&mut self, node: &'a Node) -> Deref<'a> {
        let mut current = node;
        let mut visited: Vec<Vec<String>> = Vec::new();
        for _ in 0..MAX_REF_HOPS {
            let Some(ref_node) = current.get("$ref") else {
                return Deref::Found(current, visited);
            };
            let Some(reference) = ref_node.as_str() else {
                self.report(wrong_type(ref_node, "$ref", "a string"));
                return Deref::Found(current, visited);
            };
            match self.lookup(ref_node, reference) {
                Lookup::Found(target, segments) => {
                    if visited.contains(&segments) {
                        self.report(
                            Problem::new(
                                ref_node.span.start,
                                format!("`$ref: {reference}` refers back to itself"),
                            )
                            .help("a chain of references must end at an object")
                            .kind(ProblemKind::UnresolvedRef),
                        );
                        return Deref::Missing(MissingRef {
                            reference: reference.to_string(),
                            external: false,
                        });
                    }
                    visited.push(segments);
                    current = target;
                }
                Lookup::Missing(missing) => return Deref::Missing(missing),
            }
        }
        let reference = current
            .get("$ref")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string();
        self.report(
            Problem::new(
                node.span.start,
                format!("more than {MAX_REF_HOPS} references in a row; not followed"),
            )
            .kind(ProblemKind::UnresolvedRef),
        );
        Deref::Missing(MissingRef {
            reference,
            external: false,
        })
    }

    /// Resolves one reference; reports a local one that names nothing.
    fn lookup(&mut self, ref_node: &Node, reference: &str) -> Lookup<'a> {
        let Some(fragment) = reference.strip_prefix('#') else {
            self.external(reference);
            return Lookup::Missing(MissingRef {
                reference: reference.to_string(),
                external: true,
            });
        };
        let found = pointer_segments(fragment)
            .and_then(|segments| resolve(self.root, &segments).map(|n| (n, segments)));
        match found {
            Some((node, segments)) => Lookup::Found(node, segments),
            None => {
                let help = if fragment.starts_with('/') || fragment.is_empty() {
                    "check the spelling of each segment; `~1` stands for `/` and `~0` for `~` inside a name"
                } else {
                    "only JSON Pointer fragments (`#/components/...`) are followed, not `$anchor` names"
                };
                self.report(
                    Problem::new(
                        ref_node.span.start,
                        format!("`$ref: {reference}` does not resolve in this document"),
                    )
                    .help(help)
                    .kind(ProblemKind::UnresolvedRef),
                );
                Lookup::Missing(MissingRef {
                    reference: reference.to_string(),
                    external: false,
                })
            }
        }
    }

    /// The display tree of the schema at `node`.
    pub fn schema(&mut self, node: &'a Node) -> Schema {
        let mut walk = Walk {
            stack: Vec::new(),
            count: 0,
        };
        self.build(node, &mut walk, 0)
    }

    /// The display tree of a component schema, which lives at `segments`:
    /// a reference back to it is recursive from the start.
    pub fn component_schema(&mut self, node: &'a Node, segments: Vec<String>) -> Schema {
        let mut walk = Walk {
            stack: vec![segments],
            count: 0,
        };
        self.build(node, &mut walk, 0)
    }

    fn build(&mut self, node: &'a Node, walk: &mut Walk, depth: usize) -> Schema {
        walk.count += 1;
        self.total += 1;
        let exhausted =
            walk.count > ROOT_BUDGET || self.total > DOCUMENT_BUDGET || depth >= MAX_DEPTH;
        let map = match &node.value {
            Value::Map(map) => map,
            // JSON Schema 2020-12 (OpenAPI 3.1): `true` allows anything,
            // `false` nothing.
            Value::Bool(true) => return labelled("any"),
            Value::Bool(false) => return labelled("never"),
            _ => {
                self.report(wrong_type(node, "schema", "a mapping"));
                return labelled("invalid");
            }
        };
        if let Some(ref_node) = map.get("$ref") {
            return self.build_ref(map, ref_node, walk, depth, exhausted);
        }
        let mut s = Schema {
            title: self.string(map, "title"),
            description: self.string(map, "description"),
            format: self.string(map, "format"),
            nullable: self.flag(map, "nullable"),
            read_only: self.flag(map, "readOnly"),
            write_only: self.flag(map, "writeOnly"),
            deprecated: self.flag(map, "deprecated"),
            default: map.get("default").map(value_text),
            discriminator: map
                .get("discriminator")
                .and_then(|d| d.get("propertyName"))
                .and_then(Node::as_str)
                .map(str::to_string),
            ..Schema::default()
        };
        if let Some(values) = map.get("enum") {
            match values.as_seq() {
                Some(values) => {
                    s.enum_values = values
                        .iter()
                        .take(MAX_ENUM_VALUES)
                        .map(value_text)
                        .collect();
                    s.enum_more = values.len().saturating_sub(MAX_ENUM_VALUES);
                }
                None => self.report(wrong_type(values, "enum", "a list")),
            }
        }
        if let Some(value) = map.get("const") {
            s.enum_values.push(value_text(value));
        }
        if let Some(example) = map.get("example") {
            s.examples.push(example_text(example));
        }
        if let Some(examples) = map.get("examples") {
            // 3.1 schemas: a list of values. (Media types and parameters
            // have a map of Example Objects; they are read elsewhere.)
            if let Some(list) = examples.as_seq() {
                s.examples.extend(list.iter().take(16).map(example_text));
            }
        }
        for (key, value) in map.iter() {
            if CONSTRAINTS.contains(&key.text.as_str()) {
                s.constraints.push(Constraint {
                    keyword: key.text.clone(),
                    value: plain_text(value),
                });
            }
        }
        let types = self.types(map, s.nullable);
        if exhausted {
            s.truncated = has_children(map);
        } else {
            self.children(map, &mut s, walk, depth);
        }
        s.type_label = self.label(map, &types, &s);
        s
    }

    fn build_ref(
        &mut self,
        map: &'a Map,
        ref_node: &'a Node,
        walk: &mut Walk,
        depth: usize,
        exhausted: bool,
    ) -> Schema {
        let Some(reference) = ref_node.as_str() else {
            self.report(wrong_type(ref_node, "$ref", "a string"));
            return labelled("invalid");
        };
        let (target, segments) = match self.lookup(ref_node, reference) {
            Lookup::Found(target, segments) => (target, segments),
            Lookup::Missing(missing) => {
                let mut s = labelled(&ref_label(reference));
                s.missing_ref = Some(missing);
                return s;
            }
        };
        let ref_name = segments.last().cloned();
        let ref_anchor = self.schema_anchors.get(&segments).cloned();
        // A schema the page lists among its components is shown there,
        // once, and linked to from everywhere else: the page grows with
        // the definition, not with how often its schemas use each other.
        // Only what an operation or message shows as its own (a body that
        // is a reference, at the root) opens its first level in place.
        let listed = ref_anchor.is_some() && !(walk.stack.is_empty() && depth == 0);
        let recursive = walk.stack.contains(&segments);
        let mut s = if recursive || exhausted || listed {
            let mut stub = labelled(&self.quick_label(target, 0));
            stub.recursive = recursive;
            stub.truncated = exhausted && !recursive && !listed;
            stub
        } else {
            walk.stack.push(segments);
            let s = self.build(target, walk, depth + 1);
            walk.stack.pop();
            s
        };
        // OpenAPI 3.1 (JSON Schema 2020-12) allows keywords beside `$ref`;
        // the ones that change what a reader sees win over the target's.
        if let Some(d) = self.string(map, "description") {
            s.description = Some(d);
        }
        if let Some(t) = self.string(map, "title") {
            s.title = Some(t);
        }
        s.deprecated |= self.flag(map, "deprecated");
        s.read_only |= self.flag(map, "readOnly");
        s.write_only |= self.flag(map, "writeOnly");
        s.ref_name = ref_name;
        s.ref_anchor = ref_anchor;
        s
    }

    fn children(&mut self, map: &'a Map, s: &mut Schema, walk: &mut Walk, depth: usize) {
        let required: Vec<&str> = match map.get("required") {
            Some(node) => match node.as_seq() {
                Some(items) => items.iter().filter_map(Node::as_str).collect(),
                None => {
                    // Swagger 2.0 and 3.0 parameters use a boolean
                    // `required`, and a parameter node doubles as its schema.
                    if !matches!(node.value, Value::Bool(_)) {
                        self.report(wrong_type(node, "required", "a list of property names"));
                    }
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        if let Some(props) = map.get("properties") {
            match props.as_map() {
                Some(props) => {
                    for (key, value) in props.iter() {
                        let mut p = self.build(value, walk, depth + 1);
                        p.name = Some(key.text.clone());
                        p.required = required.contains(&key.text.as_str());
                        s.properties.push(p);
                    }
                }
                None => self.report(wrong_type(props, "properties", "a mapping")),
            }
        }
        if let Some(extra) = map.get("additionalProperties") {
            match extra.value {
                Value::Bool(false) => s.closed = true,
                Value::Bool(true) => s.additional_properties = Some(Box::new(labelled("any"))),
                _ => {
                    s.additional_properties = Some(Box::new(self.build(extra, walk, depth + 1)));
                }
            }
        }
        if let Some(items) = map.get("items") {
            match items.as_seq() {
                Some(list) => s.prefix_items = self.list(list, walk, depth),
                None => s.items = Some(Box::new(self.build(items, walk, depth + 1))),
            }
        }
        if let Some(list) = map.get("prefixItems").and_then(Node::as_seq) {
            s.prefix_items = self.list(list, walk, depth);
        }
        for (key, out) in [
            ("oneOf", &mut s.one_of),
            ("anyOf", &mut s.any_of),
            ("allOf", &mut s.all_of),
        ] {
            if let Some(node) = map.get(key) {
                match node.as_seq() {
                    Some(list) => *out = self.list(list, walk, depth),
                    None => self.report(wrong_type(node, key, "a list of schemas")),
                }
            }
        }
        if let Some(not) = map.get("not") {
            s.not = Some(Box::new(self.build(not, walk, depth + 1)));
        }
    }

    fn list(&mut self, list: &'a [Node], walk: &mut Walk, depth: usize) -> Vec<Schema> {
        list.iter()
            .map(|n| self.build(n, walk, depth + 1))
            .collect()
    }

    /// `type` as a list (2020-12 allows one or several), `null` added for
    /// OpenAPI 3.0's `nullable: true`.
    fn types(&mut self, map: &Map, nullable: bool) -> Vec<String> {
        let mut types: Vec<String> = match map.get("type") {
            None => Vec::new(),
            Some(node) => match &node.value {
                Value::Str(t) => vec![t.clone()],
                Value::Seq(items) => items
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => {
                    self.report(wrong_type(node, "type", "a string or a list of strings"));
                    Vec::new()
                }
            },
        };
        if nullable && !types.is_empty() && !types.iter().any(|t| t == "null") {
            types.push("null".to_string());
        }
        types
    }

    fn label(&self, map: &Map, types: &[String], s: &Schema) -> String {
        let format = s.format.as_deref();
        let one = |t: &str| -> String {
            match t {
                "array" => match map.get("items") {
                    Some(items) if items.as_seq().is_none() => {
                        format!("array of {}", self.quick_label(items, 1))
                    }
                    _ => "array".to_string(),
                },
                "null" => "null".to_string(),
                _ => match format {
                    Some(f) => format!("{t} ({f})"),
                    None => t.to_string(),
                },
            }
        };
        if !types.is_empty() {
            return types.iter().map(|t| one(t)).collect::<Vec<_>>().join(" | ");
        }
        // No `type`: say what the keywords imply, as Swagger UI does.
        let inferred =
            if map.get("properties").is_some() || map.get("additionalProperties").is_some() {
                one("object")
            } else if map.get("items").is_some() || map.get("prefixItems").is_some() {
                one("array")
            } else if map.get("oneOf").is_some() {
                "one of".to_string()
            } else if map.get("anyOf").is_some() {
                "any of".to_string()
            } else if map.get("allOf").is_some() {
                "all of".to_string()
            } else if let Some(f) = format {
                format!("any ({f})")
            } else {
                "any".to_string()
            };
        if s.nullable {
            format!("{inferred} | null")
        } else {
            inferred
        }
    }

    /// A label without expanding anything: a reference gives its name.
    /// Used for `array of X` and for nodes that are not expanded.
    fn quick_label(&self, node: &Node, depth: usize) -> String {
        let Some(map) = node.as_map() else {
            return match node.value {
                Value::Bool(true) => "any".to_string(),
                _ => "invalid".to_string(),
            };
        };
        if let Some(reference) = map.get("$ref").and_then(Node::as_str) {
            return ref_label(reference);
        }
        let t = match map.get("type") {
            Some(node) => match &node.value {
                Value::Str(t) => t.clone(),
                Value::Seq(items) => items
                    .iter()
                    .filter_map(Node::as_str)
                    .collect::<Vec<_>>()
                    .join(" | "),
                _ => "any".to_string(),
            },
            None if map.get("properties").is_some() => "object".to_string(),
            None if map.get("items").is_some() => "array".to_string(),
            None if map.get("oneOf").is_some() => return "one of".to_string(),
            None if map.get("anyOf").is_some() => return "any of".to_string(),
            None if map.get("allOf").is_some() => return "all of".to_string(),
            None => "any".to_string(),
        };
        if t == "array"
            && depth < 8
            && let Some(items) = map.get("items")
            && items.as_seq().is_none()
        {
            return format!("array of {}", self.quick_label(items, depth + 1));
        }
        match map.get("format").and_then(Node::as_str) {
            Some(f) => format!("{t} ({f})"),
            None => t,
        }
    }

    /// A string field; anything else present is reported.
    pub fn string(&mut self, map: &Map, key: &str) -> Option<String> {
        let node = map.get(key)?;
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            Value::Null => None,
            _ => {
                self.report(wrong_type(node, key, "a string"));
                None
            }
        }
    }

    /// A field people often write unquoted (`version: 1.0`): any scalar is
    /// taken as its text.
    pub fn scalar(&mut self, map: &Map, key: &str) -> Option<String> {
        let node = map.get(key)?;
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(plain_text(node)),
            Value::Null => None,
            _ => {
                self.report(wrong_type(node, key, "a string"));
                None
            }
        }
    }

    /// A boolean field (absent is `false`); anything else is reported.
    pub fn flag(&mut self, map: &Map, key: &str) -> bool {
        match map.get(key) {
            None => false,
            Some(node) => match node.value {
                Value::Bool(b) => b,
                _ => {
                    self.report(wrong_type(node, key, "true or false"));
                    false
                }
            },
        }
    }

    /// A mapping field; anything else present is reported.
    pub fn map(&mut self, map: &'a Map, key: &str) -> Option<&'a Map> {
        let node = map.get(key)?;
        match &node.value {
            Value::Map(m) => Some(m),
            Value::Null => None,
            _ => {
                self.report(wrong_type(node, key, "a mapping"));
                None
            }
        }
    }

    /// A list field; anything else present is reported.
    pub fn seq(&mut self, map: &'a Map, key: &str) -> Option<&'a [Node]> {
        let node = map.get(key)?;
        match &node.value {
            Value::Seq(s) => Some(s),
            Value::Null => None,
            _ => {
                self.report(wrong_type(node, key, "a list"));
                None
            }
        }
    }

    /// A list of strings (tags, scopes); other entries are reported.
    pub fn strings(&mut self, map: &'a Map, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        for item in self.seq(map, key).unwrap_or_default() {
            match item.as_str() {
                Some(s) => out.push(s.to_string()),
                None => self.report(wrong_type(item, key, "a list of strings")),
            }
        }
        out
    }
}

/// Reference expansion state of one schema root.
struct Walk {
    /// Pointer segments of the references being expanded, outermost first.
    stack: Vec<Vec<String>>,
    count: usize,
}

enum Lookup<'a> {
    Found(&'a Node, Vec<String>),
    Missing(MissingRef),
}

const CONSTRAINTS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];

fn has_children(map: &Map) -> bool {
    [
        "properties",
        "additionalProperties",
        "items",
        "prefixItems",
        "oneOf",
        "anyOf",
        "allOf",
        "not",
    ]
    .iter()
    .any(|k| map.get(k).is_some())
}

fn labelled(label: &str) -> Schema {
    Schema {
        type_label: label.to_string(),
        ..Schema::default()
    }
}

/// The name a reference shows: its last pointer segment, or the whole
/// reference when it has none (an external file).
pub(crate) fn ref_label(reference: &str) -> String {
    match reference.split_once('#') {
        Some((_, fragment)) => pointer_segments(fragment)
            .and_then(|s| s.last().cloned())
            .unwrap_or_else(|| reference.to_string()),
        None => reference.to_string(),
    }
}

/// `Problem` for a field that has the wrong kind of value.
pub(crate) fn wrong_type(node: &Node, key: &str, expected: &str) -> Problem {
    Problem::new(
        node.span.start,
        format!(
            "`{key}` must be {expected}, not {} {}",
            article(node.type_name()),
            node.type_name()
        ),
    )
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The segments of a JSON Pointer fragment (`/a/b~1c` → `a`, `b/c`), after
/// URI percent-decoding (RFC 6901 §6: a pointer in a URI fragment is
/// percent-encoded). `None` when the fragment is no pointer.
pub(crate) fn pointer_segments(fragment: &str) -> Option<Vec<String>> {
    let decoded = crate::site::urls::percent_decode(fragment)?;
    if decoded.is_empty() {
        return Some(Vec::new());
    }
    let rest = decoded.strip_prefix('/')?;
    Some(
        rest.split('/')
            // RFC 6901 §4: `~1` first, then `~0`, so `~01` is `~1`.
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// The node at `segments` below `root`.
pub(crate) fn resolve<'a>(root: &'a Node, segments: &[String]) -> Option<&'a Node> {
    let mut node = root;
    for segment in segments {
        node = match &node.value {
            Value::Map(map) => map.get(segment)?,
            Value::Seq(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// A value as compact JSON text (enum values, defaults): strings keep their
/// quotes so that `"1"` and `1` stay distinguishable.
pub fn value_text(node: &Node) -> String {
    truncate(serde_json::to_string(&node.to_json()).unwrap_or_default())
}

/// An example as pretty JSON text, cut at [`MAX_VALUE_CHARS`]. A string
/// example is shown as written (it is often XML or plain text).
pub fn example_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => truncate(s.clone()),
        _ => truncate(serde_json::to_string_pretty(&node.to_json()).unwrap_or_default()),
    }
}

/// A scalar as written: strings without quotes (`pattern`), numbers and
/// booleans as JSON.
pub fn plain_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => s.clone(),
        _ => value_text(node),
    }
}

fn truncate(mut text: String) -> String {
    if let Some((cut, _)) = text.char_indices().nth(MAX_VALUE_CHARS) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// Parses a definition. JSON definitions are read too: JSON is YAML's flow
/// syntax.
pub(crate) fn parse(text: &str) -> Result<Node, Problem> {
    let text = join_surrogate_escapes(text);
    let text = untab_json(&text);
    crate::model::yaml::parse_single(&text, FileId(0)).map_err(|d| {
        let pos = d.span.map_or(Pos::new(1, 1), |s| s.start);
        let problem = Problem::new(pos, d.message);
        match d.help {
            Some(help) => problem.help(help),
            None => problem,
        }
    })
}

/// `\uD83D\uDE00` (a character outside the Basic Multilingual Plane
/// written as a UTF-16 surrogate pair, as JSON writers such as Python's
/// `json.dumps` do) becomes `\U0001F600`: JSON accepts the pair, the
/// YAML parser refuses each half. A column after it on the same line moves
/// two to the left in diagnostics. Escaped backslashes (`\\uD83D`) are
/// left alone.
fn join_surrogate_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    fn hex4(s: &str, at: usize) -> Option<u32> {
        let digits = s.get(at..at + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(digits, 16).ok()
    }
    let bytes = text.as_bytes();
    // Cheap exit: most definitions have no `\u` escape at all.
    if !text.contains("\\u") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    let mut backslashes = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' {
            backslashes += 1;
            i += 1;
            continue;
        }
        let escaping = backslashes % 2 == 1;
        backslashes = 0;
        if escaping
            && b == b'u'
            && let Some(high @ 0xD800..=0xDBFF) = hex4(text, i + 1)
            && text.get(i + 5..i + 7) == Some("\\u")
            && let Some(low @ 0xDC00..=0xDFFF) = hex4(text, i + 7)
        {
            let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            out.push_str(&text[copied..i]);
            out.push_str(&format!("U{c:08X}"));
            i += 11;
            copied = i;
            continue;
        }
        i += 1;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// A JSON text with its tabs outside strings turned into spaces: JSON
/// allows a tab anywhere between tokens, the YAML parser not right after
/// a `:` (as in `{"a":\t1}`). One character for one, so positions stay.
/// YAML texts are returned as they are.
fn untab_json(text: &str) -> std::borrow::Cow<'_, str> {
    let json = matches!(text.trim_start().chars().next(), Some('{' | '['));
    if !json || !text.contains('\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        match c {
            '\t' if !in_string => {
                out.push(' ');
                continue;
            }
            '\\' if in_string => escaped = !escaped,
            '"' if !escaped => in_string = !in_string,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
        out.push(c);
    }
    std::borrow::Cow::Owned(out)
}

/// Anchors unique within one page: `prefix-` + a URL-safe form of `base`,
/// numbered from `-2` when taken.
#[derive(Debug, Default)]
pub(crate) struct Anchors {
    used: HashSet<String>,
}

impl Anchors {
    pub fn unique(&mut self, prefix: &str, base: &str) -> String {
        let slug = slug(base);
        let stem = if slug.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}-{slug}")
        };
        let mut anchor = stem.clone();
        let mut n = 2;
        while !self.used.insert(anchor.clone()) {
            anchor = format!("{stem}-{n}");
            n += 1;
        }
        anchor
    }
}

/// ASCII letters, digits, `_` and `-` are kept (case too: operationIds are
/// camelCase and read better that way); every other run becomes one `-`.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn root(text: &str) -> Node {
        parse(text).unwrap()
    }

    /// The display tree of `components.schemas.<name>`, and the problems.
    fn build(text: &str, name: &str) -> (Schema, Vec<Problem>, usize) {
        let root = root(text);
        let mut ctx = Ctx::new(&root);
        let segments: Vec<String> = vec!["components".into(), "schemas".into(), name.into()];
        let node = resolve(&root, &segments).unwrap();
        let schema = ctx.component_schema(node, segments);
        let total = ctx.total;
        (schema, ctx.into_problems(), total)
    }

    fn count(s: &Schema) -> usize {
        1 + s.properties.iter().map(count).sum::<usize>()
            + s.items.as_deref().map_or(0, count)
            + s.additional_properties.as_deref().map_or(0, count)
            + s.not.as_deref().map_or(0, count)
            + [&s.prefix_items, &s.one_of, &s.any_of, &s.all_of]
                .iter()
                .flat_map(|l| l.iter())
                .map(count)
                .sum::<usize>()
    }

    fn depth(s: &Schema) -> usize {
        1 + s
            .properties
            .iter()
            .chain(s.items.as_deref())
            .chain(s.all_of.iter())
            .map(depth)
            .max()
            .unwrap_or(0)
    }

    // A schema that references itself (a tree) is shown once, with the
    // inner reference marked recursive instead of expanded forever.
    #[test]
    fn self_reference_is_marked_recursive() {
        let text = "components:
  schemas:
    Node:
      type: object
      properties:
        value: {type: string}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
        parent: {$ref: '#/components/schemas/Node'}
";
        let (node, problems, _) = build(text, "Node");
        assert!(problems.is_empty());
        let children = &node.properties[1];
        assert_eq!(children.type_label, "array of Node");
        let item = children.items.as_deref().unwrap();
        assert!(item.recursive);
        assert!(item.properties.is_empty());
        assert_eq!(item.ref_name.as_deref(), Some("Node"));
        assert_eq!(item.type_label, "object");
        assert!(node.properties[2].recursive);
        assert!(!node.recursive);
    }

    // Mutual recursion through allOf and a chain of plain references.
    #[test]
    fn mutual_recursion_and_reference_chains_end() {
        let text = "components:
  schemas:
    A: {allOf: [{$ref: '#/components/schemas/B'}]}
    B: {type: object, properties: {a: {$ref: '#/components/schemas/A'}}}
    Loop1: {$ref: '#/components/schemas/Loop2'}
    Loop2: {$ref: '#/components/schemas/Loop1'}
";
        let (a, _, _) = build(text, "A");
        assert_eq!(a.type_label, "all of");
        let b = &a.all_of[0];
        assert_eq!(b.ref_name.as_deref(), Some("B"));
        let inner_a = &b.properties[0];
        assert_eq!(inner_a.ref_name.as_deref(), Some("A"));
        // A is the component being shown: its first reappearance is a cycle.
        assert!(inner_a.recursive);
        assert!(inner_a.all_of.is_empty());
        assert_eq!(inner_a.type_label, "all of");
        let (looped, problems, _) = build(text, "Loop1");
        assert!(problems.is_empty());
        assert_eq!(looped.ref_name.as_deref(), Some("Loop2"));
        assert!(count(&looped) < 5);
    }

    // Each schema references the next one twice: 2^40 nodes if expanded.
    // The budget stops the expansion quickly; past it, nodes still name and
    // link their schema.
    #[test]
    fn reference_bomb_is_bounded() {
        let mut text = String::from("components:\n  schemas:\n");
        for i in 0..40 {
            text.push_str(&format!(
                "    S{i}:\n      type: object\n      properties:\n        left: {{$ref: '#/components/schemas/S{n}'}}\n        right: {{$ref: '#/components/schemas/S{n}'}}\n        oneOf: {{oneOf: [{{$ref: '#/components/schemas/S{n}'}}, {{$ref: '#/components/schemas/S{n}'}}]}}\n",
                n = i + 1
            ));
        }
        text.push_str("    S40: {type: string}\n");
        let start = Instant::now();
        let (s, problems, total) = build(&text, "S0");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert!(problems.is_empty());
        let nodes = count(&s);
        assert!(nodes <= ROOT_BUDGET + 4 * MAX_DEPTH, "{nodes}");
        assert!(total <= ROOT_BUDGET + 4 * MAX_DEPTH, "{total}");
        assert!(nodes > ROOT_BUDGET / 2, "{nodes}");
        assert!(depth(&s) <= MAX_DEPTH + 1);
        fn find_truncated(s: &Schema) -> Option<&Schema> {
            if s.truncated {
                return Some(s);
            }
            s.properties.iter().find_map(find_truncated)
        }
        let cut = find_truncated(&s).expect("some node was cut");
        assert!(cut.ref_name.as_deref().unwrap().starts_with('S'));
        assert!(cut.properties.is_empty());
    }

    // The document budget bounds all schemas together.
    #[test]
    fn document_budget_is_shared() {
        let mut text = String::from("components:\n  schemas:\n");
        for i in 0..20 {
            text.push_str(&format!(
                "    S{i}:\n      properties:\n        a: {{$ref: '#/components/schemas/S{n}'}}\n        b: {{$ref: '#/components/schemas/S{n}'}}\n",
                n = i + 1
            ));
        }
        text.push_str("    S20: {type: string}\n");
        let root = root(&text);
        let mut ctx = Ctx::new(&root);
        let node = resolve(&root, &["components".into(), "schemas".into(), "S0".into()]).unwrap();
        let mut nodes = 0;
        for _ in 0..30 {
            nodes += count(&ctx.schema(node));
        }
        assert!(nodes <= DOCUMENT_BUDGET + 30 * 4 * MAX_DEPTH, "{nodes}");
        // Once it is spent, a schema is a single unexpanded node.
        let last = ctx.schema(node);
        assert!(last.truncated);
        assert!(last.properties.is_empty());
    }

    // OpenAPI 3.1 (JSON Schema 2020-12 §6.1.1): `type` may be a list;
    // OpenAPI 3.0 §4.7.24.1 `nullable` adds null. Boolean schemas.
    #[test]
    fn type_labels() {
        let text = r#"components:
  schemas:
    S:
      properties:
        a: {type: [string, "null"], format: date-time}
        b: {type: integer, format: int64, nullable: true}
        c: {type: array, items: {type: array, items: {$ref: '#/components/schemas/S'}}}
        d: {oneOf: [{type: string}, {type: integer}], discriminator: {propertyName: kind}}
        e: true
        f: {type: object, additionalProperties: false, readOnly: true, deprecated: true}
        g: {anyOf: [{type: string}], not: {const: x}}
        h: {prefixItems: [{type: string}, {type: number}]}
        i: {description: anything}
        j: {$ref: 'other.yaml#/Thing'}
        k: {enum: [1, "1", null, {a: b}], default: "1"}
        l: {type: string, minLength: 1, maxLength: 5, pattern: '^[a-z]+$'}
"#;
        let (s, problems, _) = build(text, "S");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(s.type_label, "object");
        let labels: Vec<&str> = s.properties.iter().map(|p| p.type_label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "string (date-time) | null",
                "integer (int64) | null",
                "array of array of S",
                "one of",
                "any",
                "object",
                "any of",
                "array",
                "any",
                "Thing",
                "any",
                "string",
            ]
        );
        let p = &s.properties;
        assert_eq!(p[3].one_of.len(), 2);
        assert_eq!(p[3].discriminator.as_deref(), Some("kind"));
        assert!(p[5].closed && p[5].read_only && p[5].deprecated);
        assert_eq!(p[6].not.as_ref().unwrap().enum_values, ["\"x\""]);
        assert_eq!(p[7].prefix_items.len(), 2);
        assert_eq!(p[8].description.as_deref(), Some("anything"));
        assert!(p[9].missing_ref.as_ref().unwrap().external);
        assert_eq!(p[10].enum_values, ["1", "\"1\"", "null", "{\"a\":\"b\"}"]);
        assert_eq!(p[10].default.as_deref(), Some("\"1\""));
        let constraints: Vec<String> = p[11]
            .constraints
            .iter()
            .map(|c| format!("{}={}", c.keyword, c.value))
            .collect();
        assert_eq!(
            constraints,
            ["minLength=1", "maxLength=5", "pattern=^[a-z]+$"]
        );
    }

    // JSON Schema 2020-12 §8.2.3.1: keywords beside `$ref` apply too (3.1).
    #[test]
    fn ref_siblings_override_description() {
        let text = "components:
  schemas:
    Base: {type: string, description: base}
    S:
      properties:
        a: {$ref: '#/components/schemas/Base', description: own}
        b: {$ref: '#/components/schemas/Base'}
";
        let (s, _, _) = build(text, "S");
        assert_eq!(s.properties[0].description.as_deref(), Some("own"));
        assert_eq!(s.properties[1].description.as_deref(), Some("base"));
    }

    #[test]
    fn big_examples_and_enums_are_cut() {
        let long = "x".repeat(MAX_VALUE_CHARS * 3);
        let values: Vec<String> = (0..MAX_ENUM_VALUES + 7).map(|i| i.to_string()).collect();
        let text = format!(
            "components:\n  schemas:\n    S:\n      type: string\n      example: {long}\n      enum: [{}]\n",
            values.join(", ")
        );
        let (s, _, _) = build(&text, "S");
        assert_eq!(s.examples[0].chars().count(), MAX_VALUE_CHARS + 1);
        assert!(s.examples[0].ends_with('…'));
        assert_eq!(s.enum_values.len(), MAX_ENUM_VALUES);
        assert_eq!(s.enum_more, 7);
    }

    #[test]
    fn wrong_types_are_reported_once_per_position() {
        let text = "components:
  schemas:
    Bad: {type: 3, properties: [a], enum: x}
    S:
      properties:
        a: {$ref: '#/components/schemas/Bad'}
        b: {$ref: '#/components/schemas/Bad'}
        c: 12
";
        let (_, problems, _) = build(text, "S");
        let found: Vec<(u32, &str)> = problems
            .iter()
            .map(|p| (p.pos.line, p.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    3,
                    "`type` must be a string or a list of strings, not a number"
                ),
                (3, "`properties` must be a mapping, not an array"),
                (3, "`enum` must be a list, not a string"),
                (8, "`schema` must be a mapping, not a number"),
            ]
        );
    }

    // RFC 6901 §4 escapes, §6 URI fragment percent-encoding.
    #[test]
    fn json_pointers() {
        assert_eq!(pointer_segments("").unwrap(), Vec::<String>::new());
        assert_eq!(
            pointer_segments("/a~1b/c~0d/~01").unwrap(),
            ["a/b", "c~d", "~1"]
        );
        assert_eq!(
            pointer_segments("/a%20b/%7Bid%7D").unwrap(),
            ["a b", "{id}"]
        );
        assert_eq!(pointer_segments("Pet"), None);
        assert_eq!(pointer_segments("/bad%zz"), None);
        let root = root("a: [x, {b: y}]\n");
        assert_eq!(
            resolve(&root, &["a".into(), "1".into(), "b".into()]).and_then(Node::as_str),
            Some("y")
        );
        assert!(resolve(&root, &["a".into(), "7".into()]).is_none());
        assert_eq!(ref_label("#/components/schemas/A~1B"), "A/B");
        assert_eq!(ref_label("other.yaml"), "other.yaml");
    }

    #[test]
    fn anchors_are_url_safe_and_unique() {
        let mut anchors = Anchors::default();
        assert_eq!(anchors.unique("op", "get /pets/{id}"), "op-get-pets-id");
        assert_eq!(anchors.unique("op", "get-pets-id"), "op-get-pets-id-2");
        assert_eq!(anchors.unique("op", "¿?"), "op");
        assert_eq!(anchors.unique("op", ""), "op-2");
        assert_eq!(anchors.unique("tag", "Ünïcode tag"), "tag-n-code-tag");
    }

    // JSON definitions are read as YAML flow syntax (YAML 1.2 §1.3 "JSON
    // compatibility"); serde_json is the oracle. What the YAML parser
    // refuses is mended before parsing: surrogate-pair escapes (RFC 8259
    // §7) are joined, tabs between tokens (RFC 8259 §2) become spaces.
    #[test]
    fn json_syntax_reads_like_json() {
        let long = "x".repeat(100_000);
        let cases = [
            r#"{"a":1,"b":[1,2,{"c":null}],"d":{"e":"f"},"g":true}"#.to_string(),
            "{\n\t\"a\": 1,\n\t\"b\": {\n\t\t\"c\": [\n\t\t\t1\n\t\t]\n\t}\n}".to_string(),
            "{\r\n  \"a\": [1,\t2],\r\n  \"b\": \"\"\r\n}".to_string(),
            r#"{"s": "http:\/\/x \u00e9 \"q\" \\ \n \t", "": 0}"#.to_string(),
            r##"{"#/a": "b#c", "?": 1, "-": 2, ":": 3, "{x}": "[y]"}"##.to_string(),
            r#"{"n": [0, -1, 1.5, 1E+2, -0.5e-3, 2e10]}"#.to_string(),
            format!("{}{}", "[".repeat(100), "]".repeat(100)),
            format!("{{\"a\": \"{long}\"}}"),
            r#"{"emoji": "pets \ud83d\udc36 \uD83D\uDE00!", "bs": "\\ud83d\\ude00", "lone": "\u00e9"}"#.to_string(),
            "{\"a\":\t1,\t\"b\\\"\\\\\":\t[\t\"x\\ty\"]}".to_string(),
        ];
        for text in cases {
            let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
            let node =
                parse(&text).unwrap_or_else(|p| panic!("{p:?}: {}", &text[..40.min(text.len())]));
            assert_eq!(node.to_json(), expected);
        }
    }
}
