//! GraphQL SDL (`spec.type: graphql`) → [`GraphqlSchema`], the model of an
//! API reference page: root operations, the queries, mutations and
//! subscriptions they offer, and every type grouped by kind with links
//! between them.
//!
//! The reader follows the type system part of the GraphQL specification
//! (October 2021 and the current draft): schema definitions and extensions,
//! the six named type kinds and their `extend` forms, directive
//! definitions, descriptions (with the block string indentation rules of
//! §2.9.4), default values and directive applications. It is hand-written
//! rather than generated because it has to keep going: SDL in catalogs is
//! pasted by hand, and a page with one broken type is worth more than no
//! page. After a syntax error it skips to the next line that starts a
//! top-level definition and reports a [`Problem`] at the error.
//!
//! Executable definitions (`query { … }`, fragments) may appear in a
//! GraphQL document but mean nothing in a schema: they are skipped with a
//! problem. Validation beyond what the page needs (type references
//! resolve, root types exist, names are unique) is left to GraphQL tools.
//!
//! [`highlight`] shows the same text as a highlighted code block from the
//! reader's own tokens, each with the TextMate scope its role suggests.

use std::collections::HashMap;

use serde::Serialize;

use super::Problem;
use super::code::{Cursor, code_block, normalize};
use crate::source::Pos;

/// A schema read from SDL, ready for a page.
#[derive(Debug, Clone, Serialize)]
pub struct GraphqlSchema {
    /// The description of the `schema` definition, raw Markdown.
    pub description: Option<String>,
    /// Where `schema { … }` stands; `None` when the default root type
    /// names apply (spec §3.3.1).
    pub schema_pos: Option<Pos>,
    /// The root operation types, from `schema { query: Root }` or the
    /// default names `Query`, `Mutation`, `Subscription` when those types
    /// exist and there is no schema definition.
    pub query_type: Option<TypeRef>,
    pub mutation_type: Option<TypeRef>,
    pub subscription_type: Option<TypeRef>,
    /// The fields of the root types, in document order; their anchors are
    /// `query-<name>`, `mutation-<name>`, `subscription-<name>`.
    pub queries: Vec<Field>,
    pub mutations: Vec<Field>,
    pub subscriptions: Vec<Field>,
    /// Every named type, grouped by kind (objects, interfaces, unions,
    /// enums, input objects, scalars; empty groups left out), sorted by
    /// name within a group. Root types are among the objects.
    pub groups: Vec<TypeGroup>,
    /// Directive definitions, sorted by name.
    pub directives: Vec<DirectiveDef>,
}

impl GraphqlSchema {
    /// Every type, group after group.
    pub fn types(&self) -> impl Iterator<Item = &TypeDef> {
        self.groups.iter().flat_map(|g| &g.types)
    }

    pub fn find_type(&self, name: &str) -> Option<&TypeDef> {
        self.types().find(|t| t.name == name)
    }
}

/// The types of one kind.
#[derive(Debug, Clone, Serialize)]
pub struct TypeGroup {
    pub kind: TypeKind,
    /// Heading: "Objects", "Input objects"…
    pub title: &'static str,
    /// `types-object`, `types-input_object`…
    pub anchor: String,
    pub types: Vec<TypeDef>,
}

/// The kinds of named types (spec §3.4), in the order a page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeKind {
    Object,
    Interface,
    Union,
    Enum,
    InputObject,
    Scalar,
}

impl TypeKind {
    /// The SDL keyword that defines this kind.
    pub fn keyword(self) -> &'static str {
        match self {
            TypeKind::Object => "type",
            TypeKind::Interface => "interface",
            TypeKind::Union => "union",
            TypeKind::Enum => "enum",
            TypeKind::InputObject => "input",
            TypeKind::Scalar => "scalar",
        }
    }

    fn from_keyword(word: &str) -> Option<TypeKind> {
        Some(match word {
            "type" => TypeKind::Object,
            "interface" => TypeKind::Interface,
            "union" => TypeKind::Union,
            "enum" => TypeKind::Enum,
            "input" => TypeKind::InputObject,
            "scalar" => TypeKind::Scalar,
            _ => return None,
        })
    }

    fn title(self) -> &'static str {
        match self {
            TypeKind::Object => "Objects",
            TypeKind::Interface => "Interfaces",
            TypeKind::Union => "Unions",
            TypeKind::Enum => "Enums",
            TypeKind::InputObject => "Input objects",
            TypeKind::Scalar => "Scalars",
        }
    }

    fn slug(self) -> &'static str {
        match self {
            TypeKind::Object => "object",
            TypeKind::Interface => "interface",
            TypeKind::Union => "union",
            TypeKind::Enum => "enum",
            TypeKind::InputObject => "input_object",
            TypeKind::Scalar => "scalar",
        }
    }
}

/// A named type with everything its definition and extensions say. Only
/// the lists that belong to its kind are filled.
#[derive(Debug, Clone, Serialize)]
pub struct TypeDef {
    pub name: String,
    pub kind: TypeKind,
    /// `type-<name>`: unique, since type names are (GraphQL names are
    /// `[_A-Za-z][_0-9A-Za-z]*`, valid in an HTML id as they are).
    pub anchor: String,
    pub description: Option<String>,
    /// Where the name stands in the definition (or in the first extension
    /// when the type is only extended).
    pub pos: Pos,
    /// Where `extend <kind> <name>` forms merged into this type stand.
    pub extensions: Vec<Pos>,
    /// `query`, `mutation` or `subscription` when this is a root type.
    pub root: Option<&'static str>,
    /// `implements A & B` (objects and interfaces).
    pub interfaces: Vec<TypeRef>,
    pub directives: Vec<DirectiveUse>,
    /// Objects and interfaces, in document order.
    pub fields: Vec<Field>,
    /// Input objects, in document order.
    pub input_fields: Vec<InputValue>,
    /// Unions.
    pub members: Vec<TypeRef>,
    /// Enums.
    pub values: Vec<EnumValue>,
}

/// A field of an object or interface; also a query, mutation or
/// subscription when its type is a root type.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    /// `type-<Type>-field-<name>` in its type; `query-<name>` (and so on)
    /// in the operation lists.
    pub anchor: String,
    pub description: Option<String>,
    pub args: Vec<InputValue>,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    pub deprecated: bool,
    /// The `reason` of `@deprecated`, or the spec's default "No longer
    /// supported" (§3.13.3) when it has none.
    pub deprecation_reason: Option<String>,
    pub directives: Vec<DirectiveUse>,
    pub pos: Pos,
}

impl Field {
    /// `film(id: ID, filmID: ID): Film`, as SDL writes it (no defaults).
    pub fn signature(&self) -> String {
        let mut s = self.name.clone();
        if !self.args.is_empty() {
            s.push('(');
            for (i, a) in self.args.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(&a.name);
                s.push_str(": ");
                s.push_str(&a.ty.text);
            }
            s.push(')');
        }
        s.push_str(": ");
        s.push_str(&self.ty.text);
        s
    }
}

/// An argument of a field or directive, or a field of an input object
/// (spec §3.6.1 InputValueDefinition).
#[derive(Debug, Clone, Serialize)]
pub struct InputValue {
    pub name: String,
    /// `<owner anchor>-arg-<name>` for arguments, `type-<Type>-field-<name>`
    /// for input fields.
    pub anchor: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    /// The default value as written (`10`, `"x"`, `[RED]`).
    pub default: Option<String>,
    pub deprecated: bool,
    pub deprecation_reason: Option<String>,
    pub directives: Vec<DirectiveUse>,
    pub pos: Pos,
}

/// A value of an enum.
#[derive(Debug, Clone, Serialize)]
pub struct EnumValue {
    pub name: String,
    /// `type-<Enum>-value-<name>`.
    pub anchor: String,
    pub description: Option<String>,
    pub deprecated: bool,
    pub deprecation_reason: Option<String>,
    pub directives: Vec<DirectiveUse>,
    pub pos: Pos,
}

/// A use of a type: `[Film!]!` is `prefix` `[`, `name` `Film`, `suffix`
/// `!]!`. A template writes `prefix`, the name (a link to `#<link>` when
/// there is one), then `suffix`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeRef {
    /// The named type inside the list and non-null wrappers.
    pub name: String,
    pub prefix: String,
    pub suffix: String,
    /// The whole reference as SDL writes it, without spaces.
    pub text: String,
    /// `Int`, `Float`, `String`, `Boolean` or `ID` (spec §3.5): no page
    /// section to link to.
    pub builtin: bool,
    /// Defined in this document (false for built-ins and unknown names).
    pub resolved: bool,
    /// The anchor of the type's section when it is defined here.
    pub link: Option<String>,
    /// Where the name stands.
    pub pos: Pos,
}

/// A directive definition (`directive @key(fields: String!) on OBJECT`).
#[derive(Debug, Clone, Serialize)]
pub struct DirectiveDef {
    pub name: String,
    /// `directive-<name>`.
    pub anchor: String,
    pub description: Option<String>,
    pub args: Vec<InputValue>,
    pub repeatable: bool,
    /// `FIELD_DEFINITION`, `OBJECT`…
    pub locations: Vec<String>,
    pub pos: Pos,
}

/// A directive applied to a definition (`@deprecated(reason: "…")`).
#[derive(Debug, Clone, Serialize)]
pub struct DirectiveUse {
    pub name: String,
    pub args: Vec<DirectiveArg>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirectiveArg {
    pub name: String,
    /// The value as written.
    pub value: String,
    /// The value's text when it is a string (escapes decoded).
    pub string: Option<String>,
}

/// Reads SDL. `None` only when no definition at all could be read; the
/// problems are sorted by position.
pub fn read(text: &str) -> (Option<GraphqlSchema>, Vec<Problem>) {
    let mut parser = Parser::new(text);
    parser.document();
    let Parser {
        problems, build, ..
    } = parser;
    let (schema, mut problems) = build.finish(problems);
    problems.sort_by_key(|p| p.pos);
    (schema, problems)
}

/// `text` as a highlighted code block (see the module docs), with the
/// classes and markup of the docs' code blocks. Every character of the
/// text is in it once, HTML-escaped (line endings normalized to `\n`).
pub fn highlight(text: &str) -> String {
    let text = normalize(text);
    let mut parser = Parser::new(&text);
    parser.document();
    let tokens: Vec<(usize, usize, &'static str)> = parser
        .toks
        .iter()
        .zip(&parser.roles)
        .filter_map(|(t, role)| role.scope(t.kind).map(|s| (t.start, t.end, s)))
        .collect();
    code_block("graphql", "source.graphql", &text, &tokens)
}

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// `! $ & ( ) ... : = @ [ ] { | }` (spec §2.1.8).
    Punct,
    Name,
    Int,
    Float,
    /// `"…"`; its value is decoded into [`Token::value`].
    Str,
    /// `"""…"""`, value after §2.9.4's indentation rules.
    BlockStr,
    Comment,
    /// A character no token starts with, or a malformed number.
    Error,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
    pos: Pos,
    /// No token before it on its line: recovery looks for definitions
    /// there.
    line_start: bool,
    value: Option<String>,
}

fn lex(text: &str, problems: &mut Vec<Problem>) -> (Vec<Token>, Pos) {
    let mut c = Cursor::new(text);
    let mut toks = Vec::new();
    let mut last_line = 0;
    loop {
        // §2.1: white space, line terminators, commas and a byte order
        // mark are ignored tokens.
        c.bump_while(|ch| matches!(ch, ' ' | '\t' | '\n' | '\r' | ',' | '\u{feff}'));
        let Some(ch) = c.peek() else { break };
        let (start, pos) = (c.at, c.pos());
        let mut value = None;
        let kind = match ch {
            '#' => {
                c.bump_while(|ch| ch != '\n' && ch != '\r');
                Tok::Comment
            }
            '"' if c.starts_with("\"\"\"") => {
                value = Some(block_string(&mut c, problems));
                Tok::BlockStr
            }
            '"' => {
                value = Some(string(&mut c, problems));
                Tok::Str
            }
            '.' if c.starts_with("...") => {
                c.bump_str("...");
                Tok::Punct
            }
            '!' | '$' | '&' | '(' | ')' | ':' | '=' | '@' | '[' | ']' | '{' | '|' | '}' => {
                c.bump();
                Tok::Punct
            }
            '_' | 'a'..='z' | 'A'..='Z' => {
                c.bump_while(is_name_char);
                Tok::Name
            }
            '-' | '0'..='9' => number(&mut c, problems),
            other => {
                c.bump();
                problems.push(Problem::new(
                    pos,
                    format!("unexpected character {}", show_char(other)),
                ));
                Tok::Error
            }
        };
        toks.push(Token {
            kind,
            start,
            end: c.at,
            pos,
            line_start: pos.line > last_line,
            value,
        });
        last_line = c.pos().line;
    }
    (toks, c.pos())
}

fn is_name_char(ch: char) -> bool {
    ch == '_' || ch.is_ascii_alphanumeric()
}

fn show_char(ch: char) -> String {
    if ch.is_control() || ch.is_whitespace() {
        format!("U+{:04X}", ch as u32)
    } else {
        format!("`{ch}`")
    }
}

/// IntValue and FloatValue (§2.9.1–2): no leading zeros, and a number
/// must not run into a name or a `.` (`0x1F`, `1.2.3` are errors).
fn number(c: &mut Cursor, problems: &mut Vec<Problem>) -> Tok {
    let pos = c.pos();
    let start = c.at;
    c.eat('-');
    let int_start = c.at;
    c.bump_while(|ch| ch.is_ascii_digit());
    let digits = &c.text[int_start..c.at];
    let mut bad = digits.is_empty() || (digits.len() > 1 && digits.starts_with('0'));
    let mut float = false;
    if c.peek() == Some('.') && c.peek2().is_some_and(|d| d.is_ascii_digit()) {
        c.bump();
        c.bump_while(|ch| ch.is_ascii_digit());
        float = true;
    }
    if matches!(c.peek(), Some('e' | 'E')) {
        let mut probe = c.clone();
        probe.bump();
        if matches!(probe.peek(), Some('+' | '-')) {
            probe.bump();
        }
        if probe.peek().is_some_and(|d| d.is_ascii_digit()) {
            probe.bump_while(|ch| ch.is_ascii_digit());
            *c = probe;
            float = true;
        }
    }
    if c.peek().is_some_and(|ch| is_name_char(ch) || ch == '.') {
        c.bump_while(|ch| is_name_char(ch) || ch == '.');
        bad = true;
    }
    if bad {
        problems.push(Problem::new(
            pos,
            format!("invalid number `{}`", &c.text[start..c.at]),
        ));
        Tok::Error
    } else if float {
        Tok::Float
    } else {
        Tok::Int
    }
}

/// A quoted string (§2.9.4 StringValue) → its value, escapes decoded.
/// An unterminated string ends at its line's end.
fn string(c: &mut Cursor, problems: &mut Vec<Problem>) -> String {
    let start = c.pos();
    c.bump();
    let mut out = String::new();
    loop {
        let esc_pos = c.pos();
        match c.peek() {
            None | Some('\n' | '\r') => {
                problems.push(Problem::new(start, "unterminated string").help(
                    "close it with `\"` on the same line, or use a block string `\"\"\"…\"\"\"` for several lines",
                ));
                return out;
            }
            Some('"') => {
                c.bump();
                return out;
            }
            Some('\\') => {
                c.bump();
                let Some(e) = c.peek() else { continue };
                if e == '\n' || e == '\r' {
                    continue;
                }
                c.bump();
                match e {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => match unicode_escape(c) {
                        Some(ch) => out.push(ch),
                        None => {
                            problems.push(Problem::new(esc_pos, "invalid Unicode escape sequence"));
                            out.push('\u{fffd}');
                        }
                    },
                    other => {
                        problems.push(Problem::new(
                            esc_pos,
                            format!("invalid escape sequence `\\{other}`"),
                        ));
                        out.push(other);
                    }
                }
            }
            Some(ch) => {
                c.bump();
                out.push(ch);
            }
        }
    }
}

/// After `\u`: `XXXX` (a surrogate pair as two escapes) or the draft's
/// `{X…}` (§2.9.4 EscapedUnicode).
fn unicode_escape(c: &mut Cursor) -> Option<char> {
    if c.eat('{') {
        let start = c.at;
        c.bump_while(|ch| ch.is_ascii_hexdigit());
        let hex = &c.text[start..c.at];
        if !c.eat('}') || hex.is_empty() || hex.len() > 8 {
            return None;
        }
        return char::from_u32(u32::from_str_radix(hex, 16).ok()?);
    }
    fn four(c: &mut Cursor) -> Option<u32> {
        let hex = c.rest().get(..4)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        c.bump_str(hex);
        u32::from_str_radix(hex, 16).ok()
    }
    let high = four(c)?;
    if (0xD800..0xDC00).contains(&high) && c.starts_with("\\u") {
        let mut probe = c.clone();
        probe.bump_str("\\u");
        if let Some(low) = four(&mut probe).filter(|l| (0xDC00..0xE000).contains(l)) {
            *c = probe;
            return char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00));
        }
    }
    char::from_u32(high)
}

/// `"""…"""` → its value. Only `\"""` is an escape in a block string.
fn block_string(c: &mut Cursor, problems: &mut Vec<Problem>) -> String {
    let start = c.pos();
    c.bump_str("\"\"\"");
    let mut raw = String::new();
    loop {
        if c.starts_with("\\\"\"\"") {
            c.bump_str("\\\"\"\"");
            raw.push_str("\"\"\"");
        } else if c.starts_with("\"\"\"") {
            c.bump_str("\"\"\"");
            break;
        } else if let Some(ch) = c.bump() {
            raw.push(ch);
        } else {
            problems.push(Problem::new(start, "unterminated block string"));
            break;
        }
    }
    block_string_value(&raw)
}

/// §2.9.4 BlockStringValue: the common indentation of all lines but the
/// first (counting only lines with more than white space) is removed,
/// then leading and trailing blank lines; lines are joined with `\n`.
fn block_string_value(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = raw.split('\n').collect();
    let indent = |l: &str| l.len() - l.trim_start_matches([' ', '\t']).len();
    let common = lines
        .iter()
        .skip(1)
        .filter(|l| indent(l) < l.len())
        .map(|l| indent(l))
        .min();
    let mut out: Vec<&str> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| match common {
            Some(n) if i > 0 => &l[n.min(indent(l))..],
            _ => l,
        })
        .collect();
    let blank = |l: &&str| l.trim_start_matches([' ', '\t']).is_empty();
    while out.first().is_some_and(blank) {
        out.remove(0);
    }
    while out.last().is_some_and(blank) {
        out.pop();
    }
    out.join("\n")
}

// ---------------------------------------------------------------- parser

/// What a token is, for highlighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Decided by the token kind alone.
    Plain,
    /// `type`, `interface`… `directive`: what a definition defines.
    Storage,
    Keyword,
    /// The name a type definition introduces.
    TypeName,
    TypeRef,
    Builtin,
    Field,
    Arg,
    Directive,
    /// `true`, `false`, `null`.
    Constant,
    /// Enum values (in definitions and as values), directive locations.
    EnumValue,
    Description,
    Skipped,
}

impl Role {
    fn scope(self, kind: Tok) -> Option<&'static str> {
        Some(match (self, kind) {
            (_, Tok::Comment) => "comment.line.number-sign.graphql",
            (Role::Description, _) => "comment.block.documentation.graphql",
            (_, Tok::Str | Tok::BlockStr) => "string.quoted.double.graphql",
            (_, Tok::Int | Tok::Float) => "constant.numeric.graphql",
            (_, Tok::Error) => "invalid.illegal.graphql",
            (Role::Storage, _) => "storage.type.graphql",
            (Role::Keyword, _) => "keyword.other.graphql",
            // Neither theme styles `entity.name.type`; Python's grammar
            // names a class being defined so.
            (Role::TypeName, _) => "entity.name.class.graphql",
            (Role::TypeRef, _) => "support.type.graphql",
            (Role::Builtin, _) => "storage.type.builtin.graphql",
            (Role::Field, _) => "variable.other.member.graphql",
            (Role::Arg, _) => "variable.parameter.graphql",
            (Role::Directive, _) => "entity.name.function.directive.graphql",
            (Role::Constant, _) => "constant.language.graphql",
            (Role::EnumValue, _) => "constant.other.enum.graphql",
            (Role::Plain | Role::Skipped, _) => return None,
        })
    }
}

const BUILTIN_SCALARS: &[&str] = &["Int", "Float", "String", "Boolean", "ID"];

/// §3.13 DirectiveLocation.
const LOCATIONS: &[&str] = &[
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
    "SCHEMA",
    "SCALAR",
    "OBJECT",
    "FIELD_DEFINITION",
    "ARGUMENT_DEFINITION",
    "INTERFACE",
    "UNION",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
];

/// Words that start a top-level definition, where recovery resumes.
const DEFINITION_WORDS: &[&str] = &[
    "schema",
    "scalar",
    "type",
    "interface",
    "union",
    "enum",
    "input",
    "directive",
    "extend",
    "query",
    "mutation",
    "subscription",
    "fragment",
];

/// Unknown type names that get a did-you-mean.
const MAX_SUGGESTIONS: usize = 100;

/// Values and lists nest; untrusted input must not overflow the stack.
const MAX_DEPTH: usize = 64;

const OPERATIONS: [&str; 3] = ["query", "mutation", "subscription"];

type Parsed<T> = Result<T, Problem>;

struct Parser<'a> {
    text: &'a str,
    toks: Vec<Token>,
    roles: Vec<Role>,
    /// Indices of the tokens that are not comments.
    sig: Vec<usize>,
    /// Index into `sig`.
    i: usize,
    end: Pos,
    problems: Vec<Problem>,
    build: Build,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        let mut problems = Vec::new();
        let (toks, end) = lex(text, &mut problems);
        let sig = (0..toks.len())
            .filter(|&i| toks[i].kind != Tok::Comment)
            .collect();
        Parser {
            text,
            roles: vec![Role::Plain; toks.len()],
            toks,
            sig,
            i: 0,
            end,
            problems,
            build: Build::default(),
        }
    }

    fn tok(&self, n: usize) -> Option<&Token> {
        self.sig.get(n).map(|&k| &self.toks[k])
    }

    fn peek(&self) -> Option<&Token> {
        self.tok(self.i)
    }

    fn src(&self, t: &Token) -> &'a str {
        &self.text[t.start..t.end]
    }

    fn is_punct(&self, n: usize, p: &str) -> bool {
        self.tok(n)
            .is_some_and(|t| t.kind == Tok::Punct && self.src(t) == p)
    }

    fn at_punct(&self, p: &str) -> bool {
        self.is_punct(self.i, p)
    }

    fn at_name(&self, word: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == Tok::Name && self.src(t) == word)
    }

    /// The position of the next token, or the end of the text.
    fn here(&self) -> Pos {
        self.peek().map_or(self.end, |t| t.pos)
    }

    /// Moves past the next token, giving it `role`.
    fn bump(&mut self, role: Role) {
        if let Some(&k) = self.sig.get(self.i) {
            self.roles[k] = role;
            self.i += 1;
        }
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        let at = self.at_punct(p);
        if at {
            self.bump(Role::Plain);
        }
        at
    }

    /// "found `{`", for messages.
    fn found(&self) -> String {
        match self.peek() {
            None => "found the end of the document".into(),
            Some(t) => match t.kind {
                Tok::Str | Tok::BlockStr => "found a string".into(),
                Tok::Int | Tok::Float => format!("found the number `{}`", self.src(t)),
                _ => format!("found `{}`", self.src(t)),
            },
        }
    }

    fn error(&self, expected: impl std::fmt::Display) -> Problem {
        Problem::new(
            self.here(),
            format!("expected {expected}, {}", self.found()),
        )
    }

    fn expect_punct(&mut self, p: &str, context: impl std::fmt::Display) -> Parsed<()> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(self.error(format_args!("`{p}` {context}")))
        }
    }

    fn name(&mut self, role: Role, what: impl std::fmt::Display) -> Parsed<(String, Pos)> {
        match self.peek() {
            Some(t) if t.kind == Tok::Name => {
                let out = (self.src(t).to_string(), t.pos);
                self.bump(role);
                Ok(out)
            }
            _ => Err(self.error(what)),
        }
    }

    /// Whether token `n` starts a top-level definition: a definition word
    /// first on its line and not used as a field or argument name (not
    /// followed by `:` or `(`), possibly after a description.
    fn starts_definition(&self, n: usize) -> bool {
        let Some(t) = self.tok(n) else { return false };
        if !t.line_start {
            return false;
        }
        let word = if matches!(t.kind, Tok::Str | Tok::BlockStr) {
            n + 1
        } else {
            n
        };
        self.tok(word).is_some_and(|w| {
            w.kind == Tok::Name
                && DEFINITION_WORDS.contains(&self.src(w))
                && !self.is_punct(word + 1, ":")
                && !self.is_punct(word + 1, "(")
        })
    }

    // ------------------------------------------------------ definitions

    fn document(&mut self) {
        while let Some(t) = self.peek() {
            // A description belongs to the definition after it: recovery
            // must not resume at that definition's keyword.
            let described = matches!(t.kind, Tok::Str | Tok::BlockStr);
            let start = self.i + usize::from(described);
            if let Err(problem) = self.definition() {
                self.problems.push(problem);
                self.recover(start);
            }
        }
    }

    /// Skips to the next definition after the one that began at `start`
    /// (its own tokens are searched too: a missing `}` must not swallow
    /// the next type).
    fn recover(&mut self, start: usize) {
        let from = start + 1;
        let mut n = from;
        while self.tok(n).is_some() && !self.starts_definition(n) {
            n += 1;
        }
        // Tokens between the error and the resumption point are shown
        // plain; the ones before keep the roles they were read with.
        for m in self.i.max(from)..n {
            self.roles[self.sig[m]] = Role::Skipped;
        }
        self.i = n;
    }

    fn definition(&mut self) -> Parsed<()> {
        let description = self.description();
        let Some(t) = self.peek() else {
            return Err(self.error("a definition after the description"));
        };
        let word = if t.kind == Tok::Name { self.src(t) } else { "" };
        match word {
            "schema" => self.schema(description, false),
            "directive" => self.directive_def(description),
            "extend" => {
                if description.is_some() {
                    let pos = self.here();
                    self.problems.push(
                        Problem::new(pos, "an extension cannot have a description")
                            .help("move the description to the definition it extends"),
                    );
                }
                self.bump(Role::Keyword);
                if self.at_name("schema") {
                    self.schema(None, true)
                } else if self
                    .peek()
                    .is_some_and(|t| TypeKind::from_keyword(self.src(t)).is_some())
                {
                    self.type_def(None, true)
                } else {
                    Err(self.error("`schema`, `scalar`, `type`, `interface`, `union`, `enum` or `input` after `extend`"))
                }
            }
            "query" | "mutation" | "subscription" | "fragment" => self.executable(),
            _ if TypeKind::from_keyword(word).is_some() => self.type_def(description, false),
            _ if self.at_punct("{") => self.executable(),
            _ => Err(self.error(
                "a definition (`type`, `interface`, `union`, `enum`, `input`, `scalar`, `schema`, `directive` or `extend`)",
            )),
        }
    }

    /// §2.3: operations and fragments are executable definitions; a schema
    /// document has no use for them. Skips up to the closing brace of the
    /// first selection set.
    fn executable(&mut self) -> Parsed<()> {
        let pos = self.here();
        let what = self
            .peek()
            .filter(|t| t.kind == Tok::Name)
            .map_or("an anonymous query".to_string(), |t| {
                format!("a `{}` definition", self.src(t))
            });
        self.problems.push(
            Problem::new(pos, format!("{what} is an executable definition, skipped"))
                .help("an SDL document for an API holds type system definitions only; operations belong in clients"),
        );
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            let open = t.kind == Tok::Punct && self.src(t) == "{";
            let close = t.kind == Tok::Punct && self.src(t) == "}";
            self.bump(Role::Skipped);
            if open {
                depth += 1;
            } else if close && depth > 0 {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
        }
        Ok(())
    }

    /// An optional description (§2.2): a string before a definition.
    fn description(&mut self) -> Option<String> {
        let t = self.peek()?;
        if !matches!(t.kind, Tok::Str | Tok::BlockStr) {
            return None;
        }
        let value = t.value.clone();
        self.bump(Role::Description);
        value
    }

    /// `schema Directives? { query: Root … }` and its extension (§3.3).
    fn schema(&mut self, description: Option<String>, extend: bool) -> Parsed<()> {
        let pos = self.here();
        self.bump(Role::Keyword);
        // Directives on the schema are not part of the page.
        self.directives()?;
        if !extend {
            if let Some(first) = self.build.schema_pos {
                self.problems.push(
                    Problem::new(
                        pos,
                        format!(
                            "a second schema definition (the first is at line {})",
                            first.line
                        ),
                    )
                    .help("a document has one `schema { … }`; add to it with `extend schema`"),
                );
            } else {
                self.build.schema_pos = Some(pos);
                self.build.schema_description = description;
            }
        }
        if extend && !self.at_punct("{") {
            return Ok(());
        }
        self.expect_punct("{", "to list the root operation types after `schema`")?;
        loop {
            if self.eat_punct("}") {
                return Ok(());
            }
            let Some(t) = self.peek() else {
                return Err(self.error("`}` to close the schema definition"));
            };
            let op = self.src(t);
            let Some(slot) = OPERATIONS.iter().position(|o| *o == op) else {
                return Err(self.error("`query`, `mutation` or `subscription`"));
            };
            let op_pos = t.pos;
            self.bump(Role::Keyword);
            self.expect_punct(":", format_args!("after `{op}`"))?;
            let (name, name_pos) =
                self.name(Role::TypeRef, format_args!("a type name for `{op}`"))?;
            let r = TypeRef::named(name, name_pos);
            match &self.build.roots[slot] {
                Some(first) => self.problems.push(Problem::new(
                    op_pos,
                    format!(
                        "the `{op}` root type is given twice (first at line {})",
                        first.pos.line
                    ),
                )),
                _ => self.build.roots[slot] = Some(r),
            }
        }
    }

    /// `directive @name(args) repeatable? on LOCATION | …` (§3.13).
    fn directive_def(&mut self, description: Option<String>) -> Parsed<()> {
        self.bump(Role::Storage);
        if !self.at_punct("@") {
            return Err(self.error("`@` and a name after `directive`"));
        }
        self.bump(Role::Directive);
        let (name, pos) = self.name(Role::Directive, "a directive name after `directive @`")?;
        let anchor = format!("directive-{name}");
        let mut def = DirectiveDef {
            name,
            anchor,
            description,
            args: Vec::new(),
            repeatable: false,
            locations: Vec::new(),
            pos,
        };
        let result = self.directive_rest(&mut def);
        self.build.add_directive(def, &mut self.problems);
        result
    }

    fn directive_rest(&mut self, def: &mut DirectiveDef) -> Parsed<()> {
        if self.at_punct("(") {
            def.args = self.arguments_def(&def.anchor)?;
        }
        if self.at_name("repeatable") {
            self.bump(Role::Keyword);
            def.repeatable = true;
        }
        if !self.at_name("on") {
            return Err(self.error(format_args!(
                "`on` and the locations of directive `@{}`",
                def.name
            )));
        }
        self.bump(Role::Keyword);
        self.eat_punct("|");
        loop {
            let (loc, pos) = self.name(
                Role::EnumValue,
                format_args!("a location for directive `@{}`", def.name),
            )?;
            if !LOCATIONS.contains(&loc.as_str()) {
                self.problems.push(
                    Problem::new(pos, format!("unknown directive location `{loc}`"))
                        .help(format!("locations are {}", LOCATIONS.join(", "))),
                );
            }
            def.locations.push(loc);
            if !self.eat_punct("|") {
                return Ok(());
            }
        }
    }

    /// A type definition or extension (§3.4–3.10). Whatever was read
    /// before an error is kept.
    fn type_def(&mut self, description: Option<String>, extend: bool) -> Parsed<()> {
        let Some(t) = self.peek() else {
            return Err(self.error("a type definition"));
        };
        let keyword = self.src(t);
        let kind = TypeKind::from_keyword(keyword).expect("the caller saw a type keyword");
        let keyword_pos = t.pos;
        self.bump(Role::Storage);
        let (name, pos) = self.name(Role::TypeName, format_args!("a name after `{}`", keyword))?;
        let mut def = TypeDef {
            anchor: format!("type-{name}"),
            name,
            kind,
            description,
            pos,
            extensions: Vec::new(),
            root: None,
            interfaces: Vec::new(),
            directives: Vec::new(),
            fields: Vec::new(),
            input_fields: Vec::new(),
            members: Vec::new(),
            values: Vec::new(),
        };
        let result = self.type_body(&mut def);
        if extend {
            self.build.extensions.push((keyword_pos, def));
        } else {
            self.build.add_type(def, &mut self.problems);
        }
        result
    }

    fn type_body(&mut self, def: &mut TypeDef) -> Parsed<()> {
        if matches!(def.kind, TypeKind::Object | TypeKind::Interface) && self.at_name("implements")
        {
            self.bump(Role::Keyword);
            self.eat_punct("&");
            loop {
                let (name, pos) = self.name(Role::TypeRef, "an interface name")?;
                def.interfaces.push(TypeRef::named(name, pos));
                if self.eat_punct("&") {
                    continue;
                }
                // The 2015 spec separated interfaces with spaces (or
                // commas, which are ignored): still read, but reported.
                match self.peek() {
                    Some(t) if t.kind == Tok::Name && !t.line_start => {
                        let pos = t.pos;
                        self.problems.push(
                            Problem::new(pos, "interfaces are separated by `&`")
                                .help("write `implements A & B` (GraphQL spec §3.6)"),
                        );
                    }
                    _ => break,
                }
            }
        }
        def.directives = self.directives()?;
        match def.kind {
            TypeKind::Object | TypeKind::Interface if self.at_punct("{") => {
                self.bump(Role::Plain);
                while !self.end_of_body(def)? {
                    let field = self.field(&def.anchor, &def.name)?;
                    def.fields.push(field);
                }
            }
            TypeKind::InputObject if self.at_punct("{") => {
                self.bump(Role::Plain);
                while !self.end_of_body(def)? {
                    let owner = def.anchor.clone();
                    let mut value = self.input_value(Role::Field, "input field")?;
                    value.anchor = format!("{owner}-field-{}", value.name);
                    def.input_fields.push(value);
                }
            }
            TypeKind::Enum if self.at_punct("{") => {
                self.bump(Role::Plain);
                while !self.end_of_body(def)? {
                    let value = self.enum_value(&def.anchor)?;
                    def.values.push(value);
                }
            }
            TypeKind::Union if self.at_punct("=") => {
                self.bump(Role::Plain);
                self.eat_punct("|");
                loop {
                    let (name, pos) = self.name(
                        Role::TypeRef,
                        format_args!("a member type of union `{}`", def.name),
                    )?;
                    def.members.push(TypeRef::named(name, pos));
                    if !self.eat_punct("|") {
                        break;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// At the `}` of a body (consumed), or at something that cannot be
    /// in one: the end, or a line starting a new definition.
    fn end_of_body(&mut self, def: &TypeDef) -> Parsed<bool> {
        if self.eat_punct("}") {
            return Ok(true);
        }
        if self.peek().is_none() || (def.kind != TypeKind::Enum && self.starts_definition(self.i)) {
            return Err(self.error(format_args!(
                "`}}` to close {} `{}`",
                def.kind.keyword(),
                def.name
            )));
        }
        Ok(false)
    }

    /// `Description? name ArgumentsDefinition? : Type Directives?` (§3.6).
    fn field(&mut self, owner_anchor: &str, owner: &str) -> Parsed<Field> {
        let description = self.description();
        let (name, pos) = self.name(Role::Field, format_args!("a field name in `{owner}`"))?;
        let anchor = format!("{owner_anchor}-field-{name}");
        let args = if self.at_punct("(") {
            self.arguments_def(&anchor)?
        } else {
            Vec::new()
        };
        self.expect_punct(":", format_args!("after field name `{name}`"))?;
        let ty = self.type_ref(&name)?;
        let directives = self.directives()?;
        let (deprecated, deprecation_reason) = deprecation(&directives);
        Ok(Field {
            name,
            anchor,
            description,
            args,
            ty,
            deprecated,
            deprecation_reason,
            directives,
            pos,
        })
    }

    /// `( InputValueDefinition+ )` (§3.6.1).
    fn arguments_def(&mut self, owner_anchor: &str) -> Parsed<Vec<InputValue>> {
        self.bump(Role::Plain);
        let mut args = Vec::new();
        loop {
            if self.eat_punct(")") {
                return Ok(args);
            }
            if self.peek().is_none() {
                return Err(self.error("`)` to close the arguments"));
            }
            let mut arg = self.input_value(Role::Arg, "argument")?;
            arg.anchor = format!("{owner_anchor}-arg-{}", arg.name);
            args.push(arg);
        }
    }

    /// `Description? name : Type DefaultValue? Directives?`.
    fn input_value(&mut self, role: Role, what: &str) -> Parsed<InputValue> {
        let description = self.description();
        let (name, pos) = self.name(role, format_args!("an {what} name"))?;
        self.expect_punct(":", format_args!("after {what} name `{name}`"))?;
        let ty = self.type_ref(&name)?;
        let default = if self.eat_punct("=") {
            Some(self.value(0)?.0)
        } else {
            None
        };
        let directives = self.directives()?;
        let (deprecated, deprecation_reason) = deprecation(&directives);
        Ok(InputValue {
            name,
            anchor: String::new(),
            description,
            ty,
            default,
            deprecated,
            deprecation_reason,
            directives,
            pos,
        })
    }

    fn enum_value(&mut self, owner_anchor: &str) -> Parsed<EnumValue> {
        let description = self.description();
        let (name, pos) = self.name(Role::EnumValue, "an enum value")?;
        if matches!(name.as_str(), "true" | "false" | "null") {
            // §3.9 EnumValue: Name but not `true`, `false` or `null`.
            self.problems.push(Problem::new(
                pos,
                format!("`{name}` cannot be an enum value"),
            ));
        }
        let directives = self.directives()?;
        let (deprecated, deprecation_reason) = deprecation(&directives);
        Ok(EnumValue {
            anchor: format!("{owner_anchor}-value-{name}"),
            name,
            description,
            deprecated,
            deprecation_reason,
            directives,
            pos,
        })
    }

    /// §2.11 Type: `Name`, `[Type]`, `Type!`.
    fn type_ref(&mut self, of: &str) -> Parsed<TypeRef> {
        let mut prefix = String::new();
        while self.at_punct("[") {
            self.bump(Role::Plain);
            prefix.push('[');
        }
        let (name, pos) = self.name(Role::TypeRef, format_args!("a type for `{of}`"))?;
        if BUILTIN_SCALARS.contains(&name.as_str()) {
            self.roles[self.sig[self.i - 1]] = Role::Builtin;
        }
        let mut suffix = String::new();
        if self.eat_punct("!") {
            suffix.push('!');
        }
        for _ in 0..prefix.len() {
            self.expect_punct("]", format_args!("to close the list type of `{of}`"))?;
            suffix.push(']');
            if self.eat_punct("!") {
                suffix.push('!');
            }
        }
        let mut r = TypeRef::named(name, pos);
        r.text = format!("{prefix}{}{suffix}", r.name);
        r.prefix = prefix;
        r.suffix = suffix;
        Ok(r)
    }

    /// `@name(arg: value …)…` (§2.12), constant arguments only.
    fn directives(&mut self) -> Parsed<Vec<DirectiveUse>> {
        let mut out = Vec::new();
        while self.at_punct("@") {
            let pos = self.here();
            self.bump(Role::Directive);
            let (name, _) = self.name(Role::Directive, "a directive name after `@`")?;
            let mut args = Vec::new();
            if self.at_punct("(") {
                self.bump(Role::Plain);
                while !self.eat_punct(")") {
                    let (arg, _) = self.name(
                        Role::Arg,
                        format_args!("an argument name or `)` for `@{name}`"),
                    )?;
                    self.expect_punct(":", format_args!("after argument `{arg}` of `@{name}`"))?;
                    let (value, string) = self.value(0)?;
                    args.push(DirectiveArg {
                        name: arg,
                        value,
                        string,
                    });
                }
            }
            out.push(DirectiveUse { name, args, pos });
        }
        Ok(out)
    }

    /// A constant value (§2.9) → its source text, and its decoded text when
    /// it is a string.
    fn value(&mut self, depth: usize) -> Parsed<(String, Option<String>)> {
        if depth > MAX_DEPTH {
            return Err(Problem::new(self.here(), "value nested too deeply"));
        }
        let Some(t) = self.peek() else {
            return Err(self.error("a value"));
        };
        let start = t.start;
        let mut string = None;
        match t.kind {
            // A malformed number was reported by the lexer; reading on
            // keeps the rest of the definition.
            Tok::Int | Tok::Float | Tok::Error => self.bump(Role::Plain),
            Tok::Str | Tok::BlockStr => {
                string = t.value.clone();
                self.bump(Role::Plain);
            }
            Tok::Name if matches!(self.src(t), "true" | "false" | "null") => {
                self.bump(Role::Constant)
            }
            Tok::Name => self.bump(Role::EnumValue),
            Tok::Punct if self.src(t) == "[" => {
                self.bump(Role::Plain);
                while !self.eat_punct("]") {
                    if self.peek().is_none() {
                        return Err(self.error("`]` to close the list"));
                    }
                    self.value(depth + 1)?;
                }
            }
            Tok::Punct if self.src(t) == "{" => {
                self.bump(Role::Plain);
                while !self.eat_punct("}") {
                    let (field, _) =
                        self.name(Role::Field, "a field name or `}` in the object value")?;
                    self.expect_punct(":", format_args!("after `{field}` in the object value"))?;
                    self.value(depth + 1)?;
                }
            }
            Tok::Punct if self.src(t) == "$" => {
                return Err(Problem::new(
                    t.pos,
                    "variables cannot be used in a schema: values here are constants",
                ));
            }
            _ => return Err(self.error("a value")),
        }
        let end = self.tok(self.i - 1).map_or(start, |t| t.end);
        Ok((self.text[start..end].to_string(), string))
    }
}

/// `@deprecated(reason: …)` → (deprecated, reason), with the spec's default
/// reason (§3.13.3).
fn deprecation(directives: &[DirectiveUse]) -> (bool, Option<String>) {
    match directives.iter().find(|d| d.name == "deprecated") {
        None => (false, None),
        Some(d) => {
            let reason = d
                .args
                .iter()
                .find(|a| a.name == "reason")
                .and_then(|a| a.string.clone())
                .unwrap_or_else(|| "No longer supported".to_string());
            (true, Some(reason))
        }
    }
}

/// Drops items whose name came before in `list`, with a problem each
/// (§3.6, §3.9: names are unique within a type, argument list, enum). One
/// pass with a map: hostile input can have very long lists.
fn dedup_named<T: HasPos>(list: &mut Vec<T>, what: &str, problems: &mut Vec<Problem>) {
    let mut first: HashMap<String, u32> = HashMap::new();
    list.retain(|item| match first.get(item.name()) {
        Some(line) => {
            problems.push(Problem::new(
                item.pos(),
                format!(
                    "{what} `{}` is defined twice (first at line {line})",
                    item.name()
                ),
            ));
            false
        }
        None => {
            first.insert(item.name().to_string(), item.pos().line);
            true
        }
    });
}

trait HasPos {
    fn pos(&self) -> Pos;
    fn name(&self) -> &str;
}

impl HasPos for Field {
    fn pos(&self) -> Pos {
        self.pos
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl HasPos for InputValue {
    fn pos(&self) -> Pos {
        self.pos
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl HasPos for EnumValue {
    fn pos(&self) -> Pos {
        self.pos
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl TypeRef {
    fn named(name: String, pos: Pos) -> TypeRef {
        TypeRef {
            text: name.clone(),
            name,
            prefix: String::new(),
            suffix: String::new(),
            builtin: false,
            resolved: false,
            link: None,
            pos,
        }
    }
}

// ---------------------------------------------------------------- model

/// What the parser collected, before extensions are merged and
/// references resolved.
#[derive(Default)]
struct Build {
    types: Vec<TypeDef>,
    by_name: HashMap<String, usize>,
    /// `extend …` forms with the position of their `extend`-ed keyword:
    /// merged after reading, since a document may extend a type it
    /// defines further down.
    extensions: Vec<(Pos, TypeDef)>,
    directives: Vec<DirectiveDef>,
    schema_pos: Option<Pos>,
    schema_description: Option<String>,
    roots: [Option<TypeRef>; 3],
}

impl Build {
    fn add_type(&mut self, def: TypeDef, problems: &mut Vec<Problem>) {
        if let Some(&i) = self.by_name.get(&def.name) {
            problems.push(
                Problem::new(
                    def.pos,
                    format!(
                        "type `{}` is defined twice (first at line {})",
                        def.name, self.types[i].pos.line
                    ),
                )
                .help("use `extend` to add to a type defined elsewhere"),
            );
            return;
        }
        self.by_name.insert(def.name.clone(), self.types.len());
        self.types.push(def);
    }

    fn add_directive(&mut self, def: DirectiveDef, problems: &mut Vec<Problem>) {
        if let Some(first) = self.directives.iter().find(|d| d.name == def.name) {
            problems.push(Problem::new(
                def.pos,
                format!(
                    "directive `@{}` is defined twice (first at line {})",
                    def.name, first.pos.line
                ),
            ));
            return;
        }
        self.directives.push(def);
    }

    fn finish(mut self, mut problems: Vec<Problem>) -> (Option<GraphqlSchema>, Vec<Problem>) {
        for (_, ext) in std::mem::take(&mut self.extensions) {
            self.merge(ext, &mut problems);
        }
        if self.types.is_empty() && self.directives.is_empty() && self.schema_pos.is_none() {
            problems.push(Problem::new(
                Pos::new(1, 1),
                "no type system definitions found in the GraphQL schema",
            ));
            return (None, problems);
        }
        let mut types = self.types;
        for t in &mut types {
            dedup_named(&mut t.fields, "field", &mut problems);
            dedup_named(&mut t.input_fields, "input field", &mut problems);
            dedup_named(&mut t.values, "enum value", &mut problems);
            for f in &mut t.fields {
                dedup_named(&mut f.args, "argument", &mut problems);
            }
        }
        for d in &mut self.directives {
            dedup_named(&mut d.args, "argument", &mut problems);
        }
        types.sort_by(|a, b| a.name.cmp(&b.name));
        let anchors: HashMap<String, (String, TypeKind)> = types
            .iter()
            .map(|t| (t.name.clone(), (t.anchor.clone(), t.kind)))
            .collect();
        let candidates: Vec<String> = types
            .iter()
            .map(|t| t.name.clone())
            .chain(BUILTIN_SCALARS.iter().map(|s| s.to_string()))
            .collect();
        let mut suggested = 0;
        let mut resolve = |r: &mut TypeRef| {
            if let Some((anchor, _)) = anchors.get(&r.name) {
                r.resolved = true;
                r.link = Some(anchor.clone());
            } else if BUILTIN_SCALARS.contains(&r.name.as_str()) {
                r.builtin = true;
            } else {
                let mut problem = Problem::new(
                    r.pos,
                    format!(
                        "unknown type `{}`: it is not defined in this schema",
                        r.name
                    ),
                );
                // Suggestions cost a distance per defined type; hostile
                // input with thousands of unknown names gets the first few.
                suggested += 1;
                let close = candidates
                    .iter()
                    .filter(|_| suggested <= MAX_SUGGESTIONS)
                    .filter(|n| strsim::levenshtein(n, &r.name) <= 2)
                    .min_by_key(|n| strsim::levenshtein(n, &r.name));
                problem = match close {
                    Some(n) => problem.help(format!("did you mean `{n}`?")),
                    None => problem.help(
                        "define it in the schema; a page cannot link to a type it does not have",
                    ),
                };
                problems.push(problem);
            }
        };
        for t in &mut types {
            t.interfaces.iter_mut().for_each(&mut resolve);
            t.members.iter_mut().for_each(&mut resolve);
            for f in &mut t.fields {
                resolve(&mut f.ty);
                f.args.iter_mut().for_each(|a| resolve(&mut a.ty));
            }
            t.input_fields.iter_mut().for_each(|v| resolve(&mut v.ty));
        }
        let mut directives = self.directives;
        directives.sort_by(|a, b| a.name.cmp(&b.name));
        for d in &mut directives {
            d.args.iter_mut().for_each(|a| resolve(&mut a.ty));
        }

        // §3.3.1: without a schema definition, the types named Query,
        // Mutation and Subscription are the roots when they exist.
        let mut roots = self.roots;
        if self.schema_pos.is_none() {
            for (slot, name) in ["Query", "Mutation", "Subscription"].iter().enumerate() {
                if let Some(t) = types.iter().find(|t| t.name == *name) {
                    roots[slot] = Some(TypeRef::named(name.to_string(), t.pos));
                }
            }
        }
        let mut lists: [Vec<Field>; 3] = Default::default();
        for (slot, root) in roots.iter_mut().enumerate() {
            let Some(root) = root else { continue };
            match anchors.get(&root.name) {
                Some((anchor, TypeKind::Object)) => {
                    root.resolved = true;
                    root.link = Some(anchor.clone());
                    let op = OPERATIONS[slot];
                    let t = types
                        .iter_mut()
                        .find(|t| t.name == root.name)
                        .expect("anchors come from types");
                    if t.root.is_none() {
                        t.root = Some(op);
                    }
                    lists[slot] = t
                        .fields
                        .iter()
                        .map(|f| {
                            let mut f = f.clone();
                            f.anchor = format!("{op}-{}", f.name);
                            f
                        })
                        .collect();
                }
                Some((_, kind)) => problems.push(Problem::new(
                    root.pos,
                    format!(
                        "the {} root type `{}` is {} {}, not an object type",
                        OPERATIONS[slot],
                        root.name,
                        if matches!(
                            kind,
                            TypeKind::Interface | TypeKind::InputObject | TypeKind::Enum
                        ) {
                            "an"
                        } else {
                            "a"
                        },
                        kind.keyword()
                    ),
                )),
                None => {
                    if BUILTIN_SCALARS.contains(&root.name.as_str()) {
                        root.builtin = true;
                    }
                    problems.push(Problem::new(
                        root.pos,
                        format!(
                            "the {} root type `{}` is not defined in this schema",
                            OPERATIONS[slot], root.name
                        ),
                    ));
                }
            }
        }
        let [queries, mutations, subscriptions] = lists;
        let [query_type, mutation_type, subscription_type] = roots;

        let mut groups: Vec<TypeGroup> = Vec::new();
        for t in types {
            match groups.iter_mut().find(|g| g.kind == t.kind) {
                Some(g) => g.types.push(t),
                None => groups.push(TypeGroup {
                    kind: t.kind,
                    title: t.kind.title(),
                    anchor: format!("types-{}", t.kind.slug()),
                    types: vec![t],
                }),
            }
        }
        groups.sort_by_key(|g| g.kind);
        let schema = GraphqlSchema {
            description: self.schema_description,
            schema_pos: self.schema_pos,
            query_type,
            mutation_type,
            subscription_type,
            queries,
            mutations,
            subscriptions,
            groups,
            directives,
        };
        (Some(schema), problems)
    }

    /// Merges an `extend` form into its type (§3.4.3 and the extension
    /// rules of each kind). Extending a type the document does not define
    /// is common in federated subgraphs (`extend type Query`): the
    /// extension then stands for the type, with a problem.
    fn merge(&mut self, ext: TypeDef, problems: &mut Vec<Problem>) {
        let Some(&i) = self.by_name.get(&ext.name) else {
            problems.push(
                Problem::new(
                    ext.pos,
                    format!(
                        "`extend {} {}` extends a type this schema does not define",
                        ext.kind.keyword(),
                        ext.name
                    ),
                )
                .help("the page shows the extension as the type; define the type to give it a description"),
            );
            let mut def = ext;
            def.extensions.push(def.pos);
            self.by_name.insert(def.name.clone(), self.types.len());
            self.types.push(def);
            return;
        };
        let base = &mut self.types[i];
        if base.kind != ext.kind {
            problems.push(Problem::new(
                ext.pos,
                format!(
                    "`extend {} {}`, but `{}` is defined with `{}` (line {})",
                    ext.kind.keyword(),
                    ext.name,
                    ext.name,
                    base.kind.keyword(),
                    base.pos.line
                ),
            ));
            return;
        }
        base.extensions.push(ext.pos);
        base.interfaces.extend(ext.interfaces);
        base.directives.extend(ext.directives);
        base.members.extend(ext.members);
        // Names repeated across definition and extensions are reported
        // with the other duplicates, after merging.
        base.fields.extend(ext.fields);
        base.input_fields.extend(ext.input_fields);
        base.values.extend(ext.values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apidocs::code::pos_of;
    use crate::docs::highlight::scope_class;
    use crate::docs::highlight::testing::{code_of, text_of};

    const SWAPI: &str =
        include_str!("../../tests/fixtures/backstage-examples/apis/swapi-graphql.yaml");

    fn swapi_sdl() -> String {
        let doc = crate::model::yaml::parse_single(SWAPI, crate::source::FileId(0)).unwrap();
        doc.get("spec")
            .and_then(|s| s.get("definition"))
            .and_then(|d| d.as_str())
            .expect("spec.definition is inline SDL")
            .to_string()
    }

    fn read_ok(text: &str) -> (GraphqlSchema, Vec<Problem>) {
        let (schema, problems) = read(text);
        (schema.expect("a schema"), problems)
    }

    fn ty<'s>(s: &'s GraphqlSchema, name: &str) -> &'s TypeDef {
        s.find_type(name)
            .unwrap_or_else(|| panic!("type {name} missing"))
    }

    fn field<'t>(t: &'t TypeDef, name: &str) -> &'t Field {
        t.fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("field {name} missing in {}", t.name))
    }

    fn messages(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.message.as_str()).collect()
    }

    // Backstage's example API: every type, every field of the query root
    // and every argument in the document, counted by a crude line scan
    // that shares no code with the reader.
    #[test]
    fn swapi_example_is_read_completely() {
        let sdl = swapi_sdl();
        let (schema, problems) = read_ok(&sdl);
        assert_eq!(problems, vec![], "the example is valid SDL");

        // Types: lines `type X`, `interface X`… at the top level.
        let mut expected_types = Vec::new();
        for line in sdl.lines().filter(|l| !l.starts_with(' ')) {
            let mut words = line.split_whitespace();
            let (Some(kw), Some(name)) = (words.next(), words.next()) else {
                continue;
            };
            if ["type", "interface", "enum", "input", "scalar", "union"].contains(&kw) {
                expected_types.push((kw.to_string(), name.trim_end_matches('{').to_string()));
            }
        }
        assert!(expected_types.len() > 50, "{}", expected_types.len());
        let model_types: Vec<(String, String)> = schema
            .types()
            .map(|t| (t.kind.keyword().to_string(), t.name.clone()))
            .collect();
        let mut sorted = expected_types.clone();
        sorted.sort();
        let mut got = model_types.clone();
        got.sort();
        assert_eq!(got, sorted);

        // Query fields: lines indented by exactly two spaces in `type Root`.
        let root_body: Vec<&str> = sdl
            .lines()
            .skip_while(|l| !l.starts_with("type Root "))
            .skip(1)
            .take_while(|l| *l != "}")
            .collect();
        let expected_queries: Vec<String> = root_body
            .iter()
            .filter(|l| l.len() > 2 && &l[..2] == "  " && l.as_bytes()[2].is_ascii_alphabetic())
            .map(|l| l.trim().split(['(', ':']).next().unwrap().to_string())
            .collect();
        assert_eq!(expected_queries.len(), 13);
        let queries: Vec<&str> = schema.queries.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(queries, expected_queries);
        assert!(schema.mutations.is_empty() && schema.subscriptions.is_empty());

        // Arguments: colons inside parentheses, outside descriptions.
        let mut expected_args = 0;
        let mut depth = 0;
        for (i, piece) in sdl.split("\"\"\"").enumerate() {
            if i % 2 == 1 {
                continue;
            }
            for c in piece.chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    ':' if depth > 0 => expected_args += 1,
                    _ => {}
                }
            }
        }
        let model_args: usize = schema
            .types()
            .flat_map(|t| &t.fields)
            .map(|f| f.args.len())
            .sum();
        assert_eq!(model_args, expected_args);
        assert!(expected_args > 100);

        // Spot checks.
        let root = ty(&schema, "Root");
        assert_eq!(root.root, Some("query"));
        assert_eq!(schema.query_type.as_ref().unwrap().name, "Root");
        assert_eq!(
            schema.query_type.as_ref().unwrap().link.as_deref(),
            Some("type-Root")
        );
        assert_eq!(
            field(root, "film").signature(),
            "film(id: ID, filmID: ID): Film"
        );
        let film = &schema.queries[1];
        assert_eq!(film.anchor, "query-film");
        assert_eq!(film.ty.link.as_deref(), Some("type-Film"));
        assert!(film.args[0].ty.builtin && film.args[0].ty.link.is_none());
        assert_eq!(film.pos, pos_of(&sdl, "film(id", 0));
        let node = field(root, "node");
        assert_eq!(
            node.description.as_deref(),
            Some("Fetches an object given its ID")
        );
        assert_eq!(
            node.args[0].description.as_deref(),
            Some("The ID of an object")
        );
        assert_eq!(node.args[0].ty.text, "ID!");
        assert_eq!(node.args[0].ty.suffix, "!");
        let species = ty(&schema, "Species");
        assert_eq!(species.interfaces[0].link.as_deref(), Some("type-Node"));
        assert_eq!(
            field(species, "eyeColors").description.as_deref(),
            Some(
                "Common eye colors for this species, null if this species does not typically\nhave eyes."
            )
        );
        assert_eq!(ty(&schema, "Node").kind, TypeKind::Interface);
        assert_eq!(ty(&schema, "Film").pos, pos_of(&sdl, "Film implements", 0));
    }

    const SHOP: &str = r#"# The shop, with its own root type names.
"""
  The shop's API.

    Indented code stays indented.
"""
schema {
  query: ShopQuery
  mutation: ShopMutation
}

extend schema @tag(name: "x") { subscription: ShopEvents }

type ShopQuery {
  "One product by id"
  product(id: ID!): Product
  products(first: Int = 10, after: String, filter: ProductFilter = {inStock: true}): [Product!]!
  legacySearch(q: String): [Product] @deprecated(reason: "Use `products(filter:)`.")
  oldest: Product @deprecated
}

type ShopMutation {
  addToCart(input: AddToCartInput!): Cart!
}

type ShopEvents {
  cartChanged(cartId: ID!): Cart
}

"Not a root: the schema definition names other types."
type Query { unused: Int }

interface Node { id: ID! }
type Product implements Node & Priced @key(fields: "id") {
  id: ID!
  name: String!
  price: Money
  kind: ProductKind
}
interface Priced { price: Money }
extend type Product { reviews: [Review!] }
scalar Money @specifiedBy(url: "https://example.com/money")
enum ProductKind { BOOK DIGITAL @deprecated(reason: "gone") }
extend enum ProductKind { GADGET }
union SearchResult = | Product | Cart
input ProductFilter { inStock: Boolean = true, kinds: [ProductKind!] = [BOOK] }
input AddToCartInput { productId: ID!, quantity: Int = 1 }
type Cart { items: [Product!]! total: Money }
directive @key(fields: String!) repeatable on OBJECT | INTERFACE
directive @tag(name: String!) on SCHEMA
"#;

    // §3.3: `schema { … }` names the root operation types, `extend schema`
    // adds one; the default names then mean nothing (`Query` is a plain
    // object type here).
    #[test]
    fn custom_roots_and_operation_lists() {
        let (s, problems) = read_ok(SHOP);
        assert_eq!(s.schema_pos, Some(pos_of(SHOP, "schema {", 0)));
        let root = |r: &Option<TypeRef>| r.as_ref().map(|r| r.name.clone());
        assert_eq!(root(&s.query_type).as_deref(), Some("ShopQuery"));
        assert_eq!(root(&s.mutation_type).as_deref(), Some("ShopMutation"));
        assert_eq!(root(&s.subscription_type).as_deref(), Some("ShopEvents"));
        let names = |l: &[Field]| l.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&s.queries),
            ["product", "products", "legacySearch", "oldest"]
        );
        assert_eq!(names(&s.mutations), ["addToCart"]);
        assert_eq!(names(&s.subscriptions), ["cartChanged"]);
        assert_eq!(s.mutations[0].anchor, "mutation-addToCart");
        assert_eq!(s.subscriptions[0].anchor, "subscription-cartChanged");
        assert_eq!(ty(&s, "Query").root, None);
        assert_eq!(ty(&s, "ShopEvents").root, Some("subscription"));
        assert_eq!(
            s.queries[0].description.as_deref(),
            Some("One product by id")
        );
        // The only problem: the undefined `Review`, at its reference.
        assert_eq!(
            messages(&problems),
            ["unknown type `Review`: it is not defined in this schema"]
        );
        assert_eq!(problems[0].pos, pos_of(SHOP, "Review!]", 0));
    }

    // §2.9.4 BlockStringValue: common indentation (of lines after the
    // first) and blank first/last lines go; deeper indentation stays.
    #[test]
    fn block_string_descriptions_lose_common_indentation() {
        let (s, _) = read_ok(SHOP);
        assert_eq!(
            s.description.as_deref(),
            Some("The shop's API.\n\n  Indented code stays indented.")
        );
        assert_eq!(
            block_string_value("  first\n    a\n      b\n"),
            "  first\na\n  b"
        );
        assert_eq!(block_string_value("\n\n  \n  x\n \t \n"), "x");
        assert_eq!(block_string_value("a\r\n  b\r  c"), "a\nb\nc");
        // Blank lines do not count towards the common indentation.
        assert_eq!(block_string_value("\n    a\n\n    b\n"), "a\n\nb");
        let (s, _) = read_ok("\"\"\"say \\\"\"\"hi\\\"\"\" \\n\"\"\" scalar S");
        assert_eq!(
            ty(&s, "S").description.as_deref(),
            Some("say \"\"\"hi\"\"\" \\n")
        );
    }

    // §2.11 (type references), §3.6.1 (default values), §3.13.3
    // (`@deprecated`, default reason "No longer supported").
    #[test]
    fn fields_args_defaults_and_deprecation() {
        let (s, _) = read_ok(SHOP);
        let q = ty(&s, "ShopQuery");
        let products = field(q, "products");
        assert_eq!(products.ty.text, "[Product!]!");
        assert_eq!(
            (
                products.ty.prefix.as_str(),
                products.ty.name.as_str(),
                products.ty.suffix.as_str()
            ),
            ("[", "Product", "!]!")
        );
        assert_eq!(products.ty.link.as_deref(), Some("type-Product"));
        assert!(products.ty.resolved && !products.ty.builtin);
        let defaults: Vec<Option<&str>> =
            products.args.iter().map(|a| a.default.as_deref()).collect();
        assert_eq!(defaults, [Some("10"), None, Some("{inStock: true}")]);
        assert_eq!(
            products.args[2].anchor,
            "type-ShopQuery-field-products-arg-filter"
        );
        assert_eq!(
            products.args[2].ty.link.as_deref(),
            Some("type-ProductFilter")
        );
        let legacy = field(q, "legacySearch");
        assert!(legacy.deprecated);
        assert_eq!(
            legacy.deprecation_reason.as_deref(),
            Some("Use `products(filter:)`.")
        );
        assert_eq!(
            legacy.directives[0].args[0].value,
            "\"Use `products(filter:)`.\""
        );
        let oldest = field(q, "oldest");
        assert_eq!(
            oldest.deprecation_reason.as_deref(),
            Some("No longer supported")
        );
        assert!(!field(q, "product").deprecated);
        assert_eq!(s.queries[2].deprecation_reason, legacy.deprecation_reason);

        let filter = ty(&s, "ProductFilter");
        assert_eq!(filter.kind, TypeKind::InputObject);
        assert_eq!(filter.input_fields[1].default.as_deref(), Some("[BOOK]"));
        assert_eq!(
            filter.input_fields[1].anchor,
            "type-ProductFilter-field-kinds"
        );
        let id = &field(ty(&s, "Node"), "id").ty;
        assert!(id.builtin && !id.resolved && id.link.is_none());
    }

    // §3.6 (interfaces, `&`), §3.8 (union members with a leading `|`),
    // §3.9 (enum values), extensions of each (§3.6.3, §3.9.1), §3.13
    // (directive definitions).
    #[test]
    fn kinds_extensions_and_directives() {
        let (s, _) = read_ok(SHOP);
        let product = ty(&s, "Product");
        let ifaces: Vec<&str> = product.interfaces.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(ifaces, ["Node", "Priced"]);
        assert_eq!(product.directives[0].name, "key");
        assert_eq!(product.directives[0].args[0].string.as_deref(), Some("id"));
        assert_eq!(product.extensions, [pos_of(SHOP, "Product { reviews", 0)]);
        assert_eq!(product.fields.last().unwrap().name, "reviews");
        let reviews = &product.fields.last().unwrap().ty;
        assert!(!reviews.resolved && !reviews.builtin && reviews.link.is_none());

        let kind = ty(&s, "ProductKind");
        let values: Vec<&str> = kind.values.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(values, ["BOOK", "DIGITAL", "GADGET"]);
        assert!(kind.values[1].deprecated);
        assert_eq!(kind.values[1].deprecation_reason.as_deref(), Some("gone"));
        assert_eq!(kind.values[2].anchor, "type-ProductKind-value-GADGET");

        let union = ty(&s, "SearchResult");
        let members: Vec<&str> = union.members.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(members, ["Product", "Cart"]);
        assert_eq!(union.members[1].link.as_deref(), Some("type-Cart"));
        assert_eq!(ty(&s, "Money").kind, TypeKind::Scalar);
        assert_eq!(ty(&s, "Money").directives[0].name, "specifiedBy");

        let key = &s.directives[0];
        assert_eq!((key.name.as_str(), key.repeatable), ("key", true));
        assert_eq!(key.locations, ["OBJECT", "INTERFACE"]);
        assert_eq!(key.anchor, "directive-key");
        assert_eq!(key.args[0].ty.text, "String!");
        assert_eq!(s.directives[1].name, "tag");
        assert!(!s.directives[1].repeatable);
    }

    // The page lists kinds in a fixed order and names sorted within each;
    // every anchor on the page is unique.
    #[test]
    fn groups_sorted_and_anchors_unique() {
        let (s, _) = read_ok(SHOP);
        let groups: Vec<(&str, Vec<&str>)> = s
            .groups
            .iter()
            .map(|g| (g.title, g.types.iter().map(|t| t.name.as_str()).collect()))
            .collect();
        assert_eq!(
            groups,
            [
                (
                    "Objects",
                    vec![
                        "Cart",
                        "Product",
                        "Query",
                        "ShopEvents",
                        "ShopMutation",
                        "ShopQuery"
                    ]
                ),
                ("Interfaces", vec!["Node", "Priced"]),
                ("Unions", vec!["SearchResult"]),
                ("Enums", vec!["ProductKind"]),
                ("Input objects", vec!["AddToCartInput", "ProductFilter"]),
                ("Scalars", vec!["Money"]),
            ]
        );
        assert_eq!(s.groups[4].anchor, "types-input_object");
        for schema in [s, read_ok(&swapi_sdl()).0] {
            let mut anchors: Vec<&str> = Vec::new();
            anchors.extend(schema.groups.iter().map(|g| g.anchor.as_str()));
            for t in schema.types() {
                anchors.push(&t.anchor);
                for f in &t.fields {
                    anchors.push(&f.anchor);
                    anchors.extend(f.args.iter().map(|a| a.anchor.as_str()));
                }
                anchors.extend(t.input_fields.iter().map(|f| f.anchor.as_str()));
                anchors.extend(t.values.iter().map(|v| v.anchor.as_str()));
            }
            for f in schema
                .queries
                .iter()
                .chain(&schema.mutations)
                .chain(&schema.subscriptions)
            {
                anchors.push(&f.anchor);
            }
            anchors.extend(schema.directives.iter().map(|d| d.anchor.as_str()));
            let n = anchors.len();
            anchors.sort();
            anchors.dedup();
            assert_eq!(anchors.len(), n);
        }
    }

    // §3.3.1: without a schema definition, types named Query, Mutation and
    // Subscription are the roots.
    #[test]
    fn default_root_names() {
        let sdl = "type Query { a: Int }\ntype Mutation { b(x: Int): Int }\ntype Other { c: Int }";
        let (s, problems) = read_ok(sdl);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(s.schema_pos, None);
        assert_eq!(s.query_type.as_ref().unwrap().pos, Pos::new(1, 6));
        assert_eq!(s.queries[0].name, "a");
        assert_eq!(s.mutations[0].signature(), "b(x: Int): Int");
        assert!(s.subscription_type.is_none() && s.subscriptions.is_empty());
    }

    // Recovery: a syntax error is reported where it is, what was read of
    // the broken definition stays, and reading resumes at the next line
    // that starts a definition.
    #[test]
    fn syntax_errors_mid_file() {
        let sdl = "type A {\n  ok: String\n  broken {\n  after: Int\n}\n\ntype B {\n  fine: Int\n}\n\ntype C { x: [Int }\nenum D { X Y }\n\"described\"\ntype E {\n  e: Int\n";
        let (s, problems) = read_ok(sdl);
        assert_eq!(
            messages(&problems),
            [
                "expected `:` after field name `broken`, found `{`",
                "expected `]` to close the list type of `x`, found `}`",
                "expected `}` to close type `E`, found the end of the document",
            ]
        );
        assert_eq!(problems[0].pos, Pos::new(3, 10));
        assert_eq!(problems[1].pos, Pos::new(11, 18));
        assert_eq!(problems[2].pos, Pos::new(16, 1));
        let names: Vec<&str> = s.types().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "C", "E", "D"]);
        assert_eq!(ty(&s, "A").fields.len(), 1);
        assert_eq!(field(ty(&s, "B"), "fine").pos, Pos::new(8, 3));
        assert_eq!(ty(&s, "D").values.len(), 2);
        assert_eq!(ty(&s, "E").description.as_deref(), Some("described"));
        assert_eq!(ty(&s, "E").fields.len(), 1);
    }

    // A missing `}` must not swallow the next type: a line starting with
    // a definition keyword (not used as a field name) ends the body.
    #[test]
    fn missing_brace_stops_at_next_definition() {
        let sdl = "type A {\n  type: String\n  input(x: Int): Int\n\ntype B { b: Int }\n";
        let (s, problems) = read_ok(sdl);
        assert_eq!(
            messages(&problems),
            ["expected `}` to close type `A`, found `type`"]
        );
        assert_eq!(problems[0].pos, Pos::new(5, 1));
        assert_eq!(ty(&s, "A").fields.len(), 2);
        assert_eq!(ty(&s, "B").fields.len(), 1);
    }

    // §2.3: executable definitions have no place in a schema.
    #[test]
    fn executable_definitions_are_skipped() {
        let sdl = "query Films { allFilms { films { title } } }\ntype Query { a: Int }\nfragment F on Query { a }\n{ a }\nscalar Z";
        let (s, problems) = read_ok(sdl);
        assert_eq!(
            messages(&problems),
            [
                "a `query` definition is an executable definition, skipped",
                "a `fragment` definition is an executable definition, skipped",
                "an anonymous query is an executable definition, skipped",
            ]
        );
        assert_eq!(problems[1].pos, Pos::new(3, 1));
        let names: Vec<&str> = s.types().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Query", "Z"]);
    }

    // Unknown references warn at the reference, with a suggestion when a
    // name is close; extensions of undefined types (federation subgraphs)
    // stand for the type; kind mismatches and duplicates are reported.
    #[test]
    fn references_extensions_and_duplicates() {
        let sdl = "type T { f: Strin, g: Widget }\nextend type Query { t: T }\nextend enum T { X }\ntype T { h: Int }\ntype U { a: Int a: Int }\n";
        let (s, problems) = read_ok(sdl);
        assert_eq!(
            messages(&problems),
            [
                "unknown type `Strin`: it is not defined in this schema",
                "unknown type `Widget`: it is not defined in this schema",
                "`extend type Query` extends a type this schema does not define",
                "`extend enum T`, but `T` is defined with `type` (line 1)",
                "type `T` is defined twice (first at line 1)",
                "field `a` is defined twice (first at line 5)",
            ]
        );
        assert_eq!(problems[0].help.as_deref(), Some("did you mean `String`?"));
        assert_eq!(problems[0].pos, Pos::new(1, 13));
        assert!(
            problems[1]
                .help
                .as_deref()
                .unwrap()
                .starts_with("define it")
        );
        let query = ty(&s, "Query");
        assert_eq!(query.kind, TypeKind::Object);
        assert_eq!(query.extensions, [Pos::new(2, 13)]);
        assert_eq!(s.queries[0].ty.link.as_deref(), Some("type-T"));
        assert_eq!(ty(&s, "T").fields.len(), 2);
        // An extension of another kind than the definition is not merged.
        let (s, problems) = read_ok("extend type Query { t: Int }\ninterface Query { q: Int }");
        assert_eq!(
            messages(&problems),
            [
                "`extend type Query`, but `Query` is defined with `interface` (line 2)",
                "the query root type `Query` is an interface, not an object type",
            ]
        );
        assert_eq!(ty(&s, "Query").fields.len(), 1);
        assert!(s.queries.is_empty());
    }

    // §2.9.4 escapes (including the draft's `\u{…}` and surrogate
    // pairs), §2.9.1–2 numbers, §2.1 ignored tokens; columns count
    // characters, not bytes.
    #[test]
    fn lexical_details() {
        let sdl = "\u{feff}\"\\u0041\\u{1F600}\\uD83D\\uDE00\\t\\/\" scalar A\n\"ééé\" scalar B\ninput I { a: Int = 01, b: Float = -1.5e3, c: Int = 0x1 }\n\"\\q\\uZZZZ\" scalar C\n\"open\nscalar D\n";
        let (s, problems) = read_ok(sdl);
        assert_eq!(ty(&s, "A").description.as_deref(), Some("A😀😀\t/"));
        assert_eq!(ty(&s, "B").pos, Pos::new(2, 14));
        assert_eq!(ty(&s, "I").input_fields.len(), 3);
        assert_eq!(ty(&s, "C").description.as_deref(), Some("q\u{fffd}ZZZZ"));
        assert_eq!(ty(&s, "D").pos, Pos::new(6, 8));
        let m = messages(&problems);
        assert!(m.contains(&"invalid number `01`"), "{m:?}");
        assert!(m.contains(&"invalid escape sequence `\\q`"), "{m:?}");
        assert!(m.contains(&"invalid Unicode escape sequence"), "{m:?}");
        assert!(m.contains(&"unterminated string"), "{m:?}");
        let at = |msg: &str| problems.iter().find(|p| p.message == msg).unwrap().pos;
        assert_eq!(at("invalid number `01`"), Pos::new(3, 20));
        assert_eq!(at("unterminated string"), Pos::new(5, 1));
        let (s, problems) = read_ok("input J { b: Float = -1.5e3 }");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            ty(&s, "J").input_fields[0].default.as_deref(),
            Some("-1.5e3")
        );
    }

    // Untrusted input: descriptions are data, kept verbatim; deep nesting
    // is refused, not a stack overflow; nothing at all gives `None`.
    #[test]
    fn hostile_and_empty_input() {
        let sdl = "\"\"\"<script>alert('x')</script>\"\"\"\ntype X { \"a & <b>\" f(x: String = \"</code>\"): String }";
        let (s, problems) = read_ok(sdl);
        assert!(problems.is_empty());
        assert_eq!(
            ty(&s, "X").description.as_deref(),
            Some("<script>alert('x')</script>")
        );
        assert_eq!(
            field(ty(&s, "X"), "f").description.as_deref(),
            Some("a & <b>")
        );
        assert_eq!(
            field(ty(&s, "X"), "f").args[0].default.as_deref(),
            Some("\"</code>\"")
        );

        let deep = format!(
            "input I {{ a: [Int] = {} }}\ntype T {{ t: Int }}",
            "[".repeat(100_000)
        );
        let (s, problems) = read_ok(&deep);
        assert_eq!(problems[0].message, "value nested too deeply");
        assert!(s.find_type("T").is_some());
        let deep_type = format!("type T {{ t: {}Int }}", "[".repeat(100_000));
        assert!(read(&deep_type).0.is_some());

        // Long lists stay linear: 40,000 fields, half of them repeated,
        // and 20,000 unknown type names.
        let mut big = String::from("type Big {\n");
        for i in 0..20_000 {
            big.push_str(&format!("  f{i}: Unknown{i}\n  f{i}: Int\n"));
        }
        big.push('}');
        let started = std::time::Instant::now();
        let (s, problems) = read_ok(&big);
        assert_eq!(ty(&s, "Big").fields.len(), 20_000);
        assert_eq!(problems.len(), 40_000);
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());

        for empty in ["", "  \n# only a comment\n", "query { a }"] {
            let (s, problems) = read(empty);
            assert!(s.is_none(), "{empty:?}");
            assert!(
                problems
                    .iter()
                    .any(|p| p.message.starts_with("no type system definitions")),
                "{problems:?}"
            );
        }
    }

    // Highlighting: the markup of a docs code block, every character of
    // the input once (escaped), and the classes syntect-highlighted code
    // would carry for each token's scope.
    #[test]
    fn highlight_is_complete_escaped_and_classed() {
        let sdl = "\"\"\"<script>alert('x')</script>\"\"\"\ntype X implements Node @key(fields: \"id\") {\n  # a & b\n  f(x: Int = 3): [String!]!\n  e: Kind\n}\nenum Kind { A B }\n";
        let html = highlight(sdl);
        assert!(html.starts_with("<div class=\"language-graphql highlight\"><table class=\"highlighttable\"><tr><td class=\"linenos\">"));
        assert!(html.ends_with("</code></pre></div></td></tr></table></div>"));
        assert!(!html.contains("<script"));
        let code = code_of(&html);
        assert_eq!(text_of(code), sdl);
        assert!(html.contains("<span class=\"normal\">7</span></pre>"));
        let span = |scope: &str, text: &str| {
            let class = scope_class(scope).unwrap_or_else(|| panic!("{scope} is styled"));
            format!("<span class=\"{class}\">{text}</span>")
        };
        for (scope, text) in [
            ("storage.type.graphql", "type"),
            ("storage.type.graphql", "enum"),
            ("keyword.other.graphql", "implements"),
            ("entity.name.class.graphql", "X"),
            ("support.type.graphql", "Node"),
            ("support.type.graphql", "Kind"),
            ("storage.type.builtin.graphql", "String"),
            ("variable.other.member.graphql", "f"),
            ("variable.parameter.graphql", "x"),
            ("constant.numeric.graphql", "3"),
            ("string.quoted.double.graphql", "&quot;id&quot;"),
            ("comment.line.number-sign.graphql", "# a &amp; b"),
            (
                "comment.block.documentation.graphql",
                "&quot;&quot;&quot;&lt;script&gt;alert('x')&lt;/script&gt;&quot;&quot;&quot;",
            ),
            ("constant.other.enum.graphql", "A"),
        ] {
            let want = span(scope, text).replace("&quot;", "\"");
            assert!(code.contains(&want), "{want} in {code}");
        }
        // The whole example API: nothing lost.
        let sdl = swapi_sdl();
        assert_eq!(text_of(code_of(&highlight(&sdl))), sdl);
        // CRLF becomes LF; a last newline is added; broken input is shown too.
        assert_eq!(
            text_of(code_of(&highlight("type A {\r\n  x: {"))),
            "type A {\n  x: {\n"
        );
    }
}
