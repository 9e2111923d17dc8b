//! YAML with positions: text → documents of [`Node`]s, each carrying its
//! [`Span`].
//!
//! Why our own tree on top of `saphyr-parser` events, instead of a serde
//! YAML crate: `serde_yaml` is deprecated upstream, and no serde crate keeps
//! a position per value, which every diagnostic needs (file:line:column).
//! Building the tree ourselves also lets us match Backstage's reader exactly
//! (the `yaml` v2 JS library, see spec/catalog.md §1):
//!
//! - YAML 1.2 core schema: `on`/`yes` are strings, `0o17` is 15, `1_000`
//!   and dates stay strings;
//! - merge keys are off: `<<` is an ordinary key;
//! - duplicate keys are an error ("Map keys must be unique");
//! - one broken document does not hide the others of the file.
//!
//! Hostile input is bounded: alias expansion (the "billion laughs" bomb) and
//! nesting depth have limits, reported as `yaml/too-complex`.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Pos, Span};

/// Nodes an alias may expand to in one document, in total. Real catalogs
/// use anchors for a few shared mappings; a bomb needs millions.
const MAX_ALIAS_NODES: usize = 100_000;
/// Deeper nesting than this is never a real descriptor, and unbounded depth
/// would overflow the stack of recursive consumers.
const MAX_DEPTH: usize = 200;

/// A YAML value with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Map),
}

/// A mapping; keys are strings (as in JavaScript objects), in source order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    pub entries: Vec<(Key, Node)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub text: String,
    pub span: Span,
}

impl Map {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.text == key)
            .map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k.text == key)
            .map(|(_, v)| v)
    }

    pub fn key(&self, key: &str) -> Option<&Key> {
        self.entries
            .iter()
            .find(|(k, _)| k.text == key)
            .map(|(k, _)| k)
    }

    /// Sets `key`, replacing an existing value in place or appending.
    pub fn insert(&mut self, key: &str, value: Node) {
        if let Some(slot) = self.get_mut(key) {
            *slot = value;
        } else {
            let span = value.span;
            self.entries.push((
                Key {
                    text: key.to_string(),
                    span,
                },
                value,
            ));
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Node)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node { value, span }
    }

    pub fn str(text: impl Into<String>, span: Span) -> Node {
        Node::new(Value::Str(text.into()), span)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// `node.get("metadata")`: a key of a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key)
    }

    /// The JavaScript `typeof`-style name used in Backstage's messages
    /// (`string`, `number`, `boolean`, `null`, `array`, `object`).
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }

    /// The value as JSON, as Backstage's API would return it.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            // JSON.stringify turns NaN and infinities into null.
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(map) => serde_json::Value::Object(
                map.entries
                    .iter()
                    .map(|(k, v)| (k.text.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Builds a node tree from JSON (for `$json` placeholders); every node
    /// gets `span`.
    pub fn from_json(value: &serde_json::Value, span: Span) -> Node {
        let value = match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(items) => {
                Value::Seq(items.iter().map(|v| Node::from_json(v, span)).collect())
            }
            serde_json::Value::Object(map) => Value::Map(Map {
                entries: map
                    .iter()
                    .map(|(k, v)| {
                        (
                            Key {
                                text: k.clone(),
                                span,
                            },
                            Node::from_json(v, span),
                        )
                    })
                    .collect(),
            }),
        };
        Node::new(value, span)
    }

    /// Replaces every span in the tree (for data spliced in from another
    /// file, which must point at the placeholder that brought it).
    pub fn respan(&mut self, span: Span) {
        self.span = span;
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| n.respan(span)),
            Value::Map(map) => map.entries.iter_mut().for_each(|(k, v)| {
                k.span = span;
                v.respan(span)
            }),
            _ => {}
        }
    }
}

/// One document of a YAML stream.
#[derive(Debug, Clone)]
pub struct Document {
    /// The root value; documents that are empty or only comments are not
    /// returned at all (Backstage skips them silently).
    pub root: Node,
    /// 0-based index of the document in its file.
    pub index: usize,
}

/// Parses every document of `text`. A syntax error in one document is
/// reported and the following documents are still read, as Backstage does.
pub fn parse_documents(text: &str, file: FileId) -> (Vec<Document>, Vec<Diagnostic>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut docs = Vec::new();
    let mut diags = Vec::new();
    for (index, chunk) in split_documents(text).into_iter().enumerate() {
        match parse_chunk(chunk.text, file, chunk.first_line) {
            Ok(roots) => {
                for root in roots {
                    if !root.is_null() {
                        docs.push(Document { root, index });
                    }
                }
            }
            Err(d) => diags.push(d),
        }
    }
    (docs, diags)
}

/// Parses text that must hold exactly one document (config files, `$yaml`
/// placeholders). An empty text gives a null node.
pub fn parse_single(text: &str, file: FileId) -> Result<Node, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let roots = parse_chunk(text, file, 1)?;
    let n = roots.len();
    let mut roots = roots.into_iter();
    match (roots.next(), n) {
        (None, _) => Ok(Node::new(Value::Null, Span::file_start(file))),
        (Some(root), 1) => Ok(root),
        (Some(root), n) => Err(Diagnostic::new(
            Code::YamlSyntax,
            format!("expected exactly one YAML document, found {n}"),
        )
        .at(root.span)
        .help("remove the extra `---` separated documents")),
    }
}

struct Chunk<'a> {
    text: &'a str,
    /// 1-based line of the chunk's first line in the file.
    first_line: u32,
}

/// Cuts a stream at `---` document markers so that each document is parsed
/// on its own: saphyr stops at the first error, Backstage does not. A `---`
/// at column 0 always starts a document in YAML 1.2 (block content must be
/// indented and the marker is forbidden as content), so the cut is exact
/// except inside multi-line flow scalars, which never cross documents.
fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u32;
    let mut offset = 0usize;
    for (line, raw_line) in (1u32..).zip(text.split_inclusive('\n')) {
        let is_marker = raw_line.starts_with("---")
            && raw_line[3..]
                .chars()
                .next()
                .is_none_or(|c| c == ' ' || c == '\t' || c == '\n' || c == '\r');
        if is_marker && offset > start {
            chunks.push(Chunk {
                text: &text[start..offset],
                first_line: start_line,
            });
            start = offset;
            start_line = line;
        }
        offset += raw_line.len();
    }
    if start < text.len() || chunks.is_empty() {
        chunks.push(Chunk {
            text: &text[start..],
            first_line: start_line,
        });
    }
    chunks
}

fn pos(marker: &Marker, first_line: u32) -> Pos {
    Pos::new(
        marker.line() as u32 + first_line - 1,
        marker.col() as u32 + 1,
    )
}

/// A collection under construction.
enum Frame {
    Seq {
        items: Vec<Node>,
        start: Pos,
        anchor: usize,
    },
    Map {
        map: Map,
        pending_key: Option<Key>,
        start: Pos,
        anchor: usize,
    },
}

fn parse_chunk(text: &str, file: FileId, first_line: u32) -> Result<Vec<Node>, Diagnostic> {
    let mut parser = Parser::new_from_str(text);
    let mut roots = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut alias_nodes = 0usize;
    let span_of = |s: &saphyr_parser::Span| {
        Span::new(file, pos(&s.start, first_line), pos(&s.end, first_line))
    };

    while let Some(event) = parser.next_event() {
        let (event, ev_span) = event.map_err(|e| {
            let p = pos(e.marker(), first_line);
            if e.info().contains("recursion limit") {
                return too_deep(Span::point(file, p));
            }
            Diagnostic::new(Code::YamlSyntax, format!("invalid YAML: {}", e.info()))
                .at(Span::point(file, p))
                .help("fix the YAML syntax at this position; the other documents of the file are still read")
        })?;
        let span = span_of(&ev_span);
        let complete: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                anchors.clear();
                alias_nodes = 0;
                None
            }
            Event::DocumentEnd => None,
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let value = resolve_scalar(&value, style, tag.as_deref());
                Some((Node::new(value, span), anchor))
            }
            Event::Alias(id) => {
                let node = anchors.get(&id).cloned().ok_or_else(|| {
                    Diagnostic::new(Code::YamlSyntax, "alias to an unknown anchor").at(span)
                })?;
                alias_nodes += count_nodes(&node);
                if alias_nodes > MAX_ALIAS_NODES {
                    return Err(Diagnostic::new(
                        Code::YamlTooComplex,
                        format!("aliases in this document expand to more than {MAX_ALIAS_NODES} values"),
                    )
                    .at(span)
                    .help("this looks like an alias bomb (\"billion laughs\"); write the data out instead of nesting aliases"));
                }
                Some((node, 0))
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(too_deep(span));
                }
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    start: span.start,
                    anchor,
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(too_deep(span));
                }
                stack.push(Frame::Map {
                    map: Map::default(),
                    pending_key: None,
                    start: span.start,
                    anchor,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                }) => {
                    let end = if span.end > start {
                        span.end
                    } else {
                        items.last().map_or(start, |n| n.span.end)
                    };
                    Some((
                        Node::new(Value::Seq(items), Span::new(file, start, end)),
                        anchor,
                    ))
                }
                _ => unreachable!("saphyr balances sequence events"),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    map, start, anchor, ..
                }) => {
                    let end = if span.end > start {
                        span.end
                    } else {
                        map.entries.last().map_or(start, |(_, n)| n.span.end)
                    };
                    Some((
                        Node::new(Value::Map(map), Span::new(file, start, end)),
                        anchor,
                    ))
                }
                _ => unreachable!("saphyr balances mapping events"),
            },
        };
        let Some((node, anchor)) = complete else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => roots.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                map, pending_key, ..
            }) => match pending_key.take() {
                None => {
                    let text = match &node.value {
                        Value::Str(s) => s.clone(),
                        Value::Null => String::new(),
                        Value::Bool(b) => b.to_string(),
                        Value::Int(i) => i.to_string(),
                        Value::Float(f) => f.to_string(),
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(Diagnostic::new(
                                Code::YamlSyntax,
                                "a mapping key must be a plain value, not a list or mapping",
                            )
                            .at(node.span));
                        }
                    };
                    if let Some(first) = map.key(&text) {
                        return Err(Diagnostic::new(
                            Code::YamlDuplicateKey,
                            format!("Map keys must be unique; \"{text}\" is repeated"),
                        )
                        .at(node.span)
                        .related(first.span, "first written here")
                        .help("remove one of the two entries; YAML mappings cannot repeat a key"));
                    }
                    *pending_key = Some(Key {
                        text,
                        span: node.span,
                    });
                }
                Some(key) => map.entries.push((key, node)),
            },
        }
    }
    Ok(roots)
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::YamlTooComplex,
        format!("values are nested more than {MAX_DEPTH} levels deep"),
    )
    .at(span)
    .help("flatten the structure; no catalog descriptor needs this depth")
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(map) => map.entries.iter().map(|(_, v)| count_nodes(v)).sum(),
        _ => 0,
    }
}

/// YAML 1.2 core schema resolution of a scalar (what the `yaml` JS library
/// does by default). Only plain scalars are resolved; quoted and block
/// scalars are strings. Explicit core tags (`!!str`, `!!int`, ...) win;
/// unknown tags keep the text as a string.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("tag:yaml.org,2002:str") | Some("!!str") => return Value::Str(text.to_string()),
        Some("tag:yaml.org,2002:null") | Some("!!null") => return Value::Null,
        Some("tag:yaml.org,2002:bool")
        | Some("!!bool")
        | Some("tag:yaml.org,2002:int")
        | Some("!!int")
        | Some("tag:yaml.org,2002:float")
        | Some("!!float") => return resolve_plain(text),
        Some(_) => return Value::Str(text.to_string()),
        None => {}
    }
    if style != ScalarStyle::Plain {
        return Value::Str(text.to_string());
    }
    resolve_plain(text)
}

fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        _ => {}
    }
    if let Some(octal) = text.strip_prefix("0o")
        && !octal.is_empty()
        && octal.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        if let Ok(i) = i64::from_str_radix(octal, 8) {
            return Value::Int(i);
        }
        return Value::Float(u128::from_str_radix(octal, 8).map_or(f64::INFINITY, |v| v as f64));
    }
    if let Some(hex) = text.strip_prefix("0x")
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        if let Ok(i) = i64::from_str_radix(hex, 16) {
            return Value::Int(i);
        }
        return Value::Float(u128::from_str_radix(hex, 16).map_or(f64::INFINITY, |v| v as f64));
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            // Beyond i64: JavaScript would keep a (rounded) number.
            Err(_) => Value::Float(text.parse::<f64>().unwrap_or(f64::INFINITY)),
        };
    }
    if is_core_float(digits)
        && let Ok(f) = text.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(text.to_string())
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (sign already removed).
fn is_core_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileId = FileId(0);

    fn one(text: &str) -> Node {
        let (docs, diags) = parse_documents(text, F);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(docs.len(), 1);
        docs.into_iter().next().unwrap().root
    }

    fn scalar(text: &str) -> Value {
        one(&format!("v: {text}\n")).get("v").unwrap().value.clone()
    }

    // spec/catalog.md §1: YAML 1.2 core schema, as the `yaml` v2 library.
    #[test]
    fn core_schema_scalars() {
        assert_eq!(scalar("on"), Value::Str("on".into()));
        assert_eq!(scalar("yes"), Value::Str("yes".into()));
        assert_eq!(scalar("no"), Value::Str("no".into()));
        assert_eq!(scalar("2001-12-14"), Value::Str("2001-12-14".into()));
        assert_eq!(scalar("0o17"), Value::Int(15));
        assert_eq!(scalar("0x1F"), Value::Int(31));
        assert_eq!(scalar("1_000"), Value::Str("1_000".into()));
        assert_eq!(scalar("~"), Value::Null);
        assert_eq!(scalar("true"), Value::Bool(true));
        assert_eq!(scalar("'true'"), Value::Str("true".into()));
        assert_eq!(scalar("1.5"), Value::Float(1.5));
        assert_eq!(scalar("1e3"), Value::Float(1000.0));
        assert_eq!(scalar("-12"), Value::Int(-12));
        assert_eq!(scalar("1.0.0"), Value::Str("1.0.0".into()));
        assert_eq!(scalar("!!str 12"), Value::Str("12".into()));
    }

    // spec/catalog.md §1: merge keys are off, `<<` stays a literal key.
    #[test]
    fn merge_keys_are_plain_keys() {
        let root = one("base: &b {a: 1}\nother:\n  <<: *b\n");
        let other = root.get("other").unwrap().as_map().unwrap();
        assert_eq!(other.entries[0].0.text, "<<");
        assert!(other.get("a").is_none());
    }

    // spec/catalog.md §1: duplicate mapping keys are an error.
    #[test]
    fn duplicate_keys_are_errors_with_both_positions() {
        let (docs, diags) = parse_documents("a: 1\nb: 2\na: 3\n", F);
        assert!(docs.is_empty());
        assert_eq!(diags[0].code, Code::YamlDuplicateKey);
        assert_eq!(diags[0].span.unwrap().start, Pos::new(3, 1));
        assert_eq!(diags[0].related[0].span.start, Pos::new(1, 1));
    }

    // spec/catalog.md §1: an error in one document; the others still read.
    #[test]
    fn broken_document_does_not_hide_siblings() {
        let text = "a: 1\n---\nb: [unclosed\n---\nc: 3\n";
        let (docs, diags) = parse_documents(text, F);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].root.get("c").unwrap().span.start, Pos::new(5, 4));
        assert_eq!(diags.len(), 1);
        assert!(diags[0].span.unwrap().start.line >= 3);
    }

    // spec/catalog.md §1: empty and comment-only documents are skipped.
    #[test]
    fn empty_documents_are_skipped() {
        let (docs, diags) = parse_documents("# only a comment\n---\n---\na: 1\n", F);
        assert!(diags.is_empty());
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].index, 2);
    }

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let root = one("metadata:\n  name: foo\n");
        let name = root.get("metadata").unwrap().get("name").unwrap();
        assert_eq!(name.span.start, Pos::new(2, 9));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let (docs, diags) = parse_documents(&text, F);
        assert!(docs.is_empty());
        assert_eq!(diags[0].code, Code::YamlTooComplex);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let (_, diags) = parse_documents(&text, F);
        assert_eq!(diags[0].code, Code::YamlTooComplex);
    }

    #[test]
    fn anchors_and_aliases_work() {
        let root = one("a: &x {k: v}\nb: *x\n");
        assert_eq!(root.get("b").unwrap().get("k").unwrap().as_str(), Some("v"));
    }
}
