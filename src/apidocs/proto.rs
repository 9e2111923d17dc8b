//! Protocol Buffers (`spec.type: grpc`) → [`ProtoFile`], the outline of an
//! API reference page: package, imports, services with their RPCs, and
//! messages and enums with fully qualified names and links between them.
//!
//! The reader follows the protobuf language specifications (proto2 and
//! proto3; editions files are read like proto3) far enough for a page:
//! it does not check option semantics, and it does not read imported
//! files (a gRPC API entity has one `.proto` as its definition). It is an
//! outline parser that keeps going: a statement it cannot read is skipped
//! up to its `;` or its `{ … }` block with a [`Problem`], and the
//! definitions around it are kept.
//!
//! Comments become descriptions as protoc attaches them: the comment
//! block right above a definition (no blank line between), else a
//! comment after it on the same line (a trailing comment).
//!
//! [`highlight`] shows the text as a highlighted code block from the
//! reader's tokens, like `graphql::highlight`.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::Problem;
use super::code::{Cursor, code_block, normalize};
use crate::source::Pos;

/// A `.proto` file read for a page.
#[derive(Debug, Clone, Serialize)]
pub struct ProtoFile {
    /// `proto2` or `proto3` from `syntax = "…";`; `proto2` when the
    /// statement is missing (the language spec's default).
    pub syntax: String,
    /// `edition = "2023";` for editions files.
    pub edition: Option<String>,
    pub package: Option<String>,
    pub imports: Vec<Import>,
    /// File options (`java_package`, `go_package`…).
    pub options: Vec<OptionValue>,
    /// In document order.
    pub services: Vec<Service>,
    /// Top-level messages in document order; nested ones inside them.
    pub messages: Vec<Message>,
    /// Top-level enums; nested ones are in their messages.
    pub enums: Vec<Enum>,
    /// Top-level `extend` blocks.
    pub extends: Vec<Extend>,
}

impl ProtoFile {
    /// Every message, nested ones after their parent.
    pub fn all_messages(&self) -> Vec<&Message> {
        fn walk<'m>(list: &'m [Message], out: &mut Vec<&'m Message>) {
            for m in list {
                out.push(m);
                walk(&m.messages, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.messages, &mut out);
        out
    }

    /// Every enum, top-level ones first.
    pub fn all_enums(&self) -> Vec<&Enum> {
        let mut out: Vec<&Enum> = self.enums.iter().collect();
        for m in self.all_messages() {
            out.extend(&m.enums);
        }
        out
    }

    /// A message by fully qualified name (`pkg.Outer.Inner`).
    pub fn find_message(&self, full_name: &str) -> Option<&Message> {
        self.all_messages()
            .into_iter()
            .find(|m| m.full_name == full_name)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Import {
    pub path: String,
    /// `public` or `weak`.
    pub modifier: Option<String>,
    pub pos: Pos,
}

/// `name = value` of an option statement or a field option.
#[derive(Debug, Clone, Serialize)]
pub struct OptionValue {
    /// As written: `deprecated`, `(google.api.http)`, `(a.b).c`.
    pub name: String,
    /// As written (strings with their quotes; aggregates `{ … }` whole).
    pub value: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: String,
    pub full_name: String,
    /// `service-<full name>`.
    pub anchor: String,
    pub description: Option<String>,
    pub options: Vec<OptionValue>,
    pub rpcs: Vec<Rpc>,
    pub pos: Pos,
}

/// `rpc Name (stream Req) returns (stream Resp);`
#[derive(Debug, Clone, Serialize)]
pub struct Rpc {
    pub name: String,
    /// `rpc-<service full name>.<name>`.
    pub anchor: String,
    pub description: Option<String>,
    pub request: TypeRef,
    pub response: TypeRef,
    /// `stream` before the request type.
    pub client_streaming: bool,
    /// `stream` before the response type.
    pub server_streaming: bool,
    pub options: Vec<OptionValue>,
    pub deprecated: bool,
    pub pos: Pos,
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub name: String,
    /// `pkg.Outer.Inner`.
    pub full_name: String,
    /// `message-<full name>`.
    pub anchor: String,
    pub description: Option<String>,
    /// All fields in declaration order, those of oneofs included (see
    /// [`Field::oneof`]).
    pub fields: Vec<Field>,
    pub oneofs: Vec<Oneof>,
    pub messages: Vec<Message>,
    pub enums: Vec<Enum>,
    pub extends: Vec<Extend>,
    /// `reserved` numbers, ranges and names as written (`9 to 11`, `foo`).
    pub reserved: Vec<String>,
    /// `extensions` ranges as written (`100 to max`).
    pub extension_ranges: Vec<String>,
    pub options: Vec<OptionValue>,
    pub deprecated: bool,
    pub pos: Pos,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    /// `field-<message full name>.<name>`.
    pub anchor: String,
    pub description: Option<String>,
    /// `optional`, `required` or `repeated` when written.
    pub label: Option<String>,
    /// The value type (for a map, the value type of the map).
    #[serde(rename = "type")]
    pub ty: TypeRef,
    /// For `map<K, V>`: the key type `K` (always a scalar).
    pub map_key: Option<String>,
    pub number: i64,
    /// The oneof this field belongs to.
    pub oneof: Option<String>,
    pub options: Vec<OptionValue>,
    /// The proto2 `default` option, as written.
    pub default: Option<String>,
    pub deprecated: bool,
    pub pos: Pos,
}

impl Field {
    /// The type as written: `map<string, Project>`, `repeated Item`.
    pub fn type_text(&self) -> String {
        let base = match &self.map_key {
            Some(k) => format!("map<{k}, {}>", self.ty.text),
            None => self.ty.text.clone(),
        };
        match &self.label {
            Some(l) => format!("{l} {base}"),
            None => base,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Oneof {
    pub name: String,
    pub description: Option<String>,
    /// Names of its fields, which are in [`Message::fields`].
    pub fields: Vec<String>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Serialize)]
pub struct Enum {
    pub name: String,
    pub full_name: String,
    /// `enum-<full name>`.
    pub anchor: String,
    pub description: Option<String>,
    pub values: Vec<EnumValue>,
    pub reserved: Vec<String>,
    pub options: Vec<OptionValue>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnumValue {
    pub name: String,
    pub number: i64,
    pub description: Option<String>,
    pub options: Vec<OptionValue>,
    pub deprecated: bool,
    pub pos: Pos,
}

/// `extend Foo { … }`: fields added to another message.
#[derive(Debug, Clone, Serialize)]
pub struct Extend {
    pub extendee: TypeRef,
    pub fields: Vec<Field>,
    pub pos: Pos,
}

/// A use of a message or enum type, or a scalar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeRef {
    /// As written: `Item`, `Outer.Inner`, `.pkg.Item`,
    /// `google.protobuf.Timestamp`, `int32`.
    pub text: String,
    /// `int32`, `string`, `bytes`…: nothing to link to.
    pub scalar: bool,
    /// The fully qualified name when the type is defined in this file.
    pub full_name: Option<String>,
    /// The anchor of its section when defined in this file.
    pub link: Option<String>,
    pub pos: Pos,
}

/// Reads a `.proto` file. `None` only when nothing could be read; the
/// problems are sorted by position.
pub fn read(text: &str) -> (Option<ProtoFile>, Vec<Problem>) {
    let mut p = Parser::new(text);
    p.file();
    let Parser {
        mut problems, out, ..
    } = p;
    let file = out.finish(&mut problems);
    problems.sort_by_key(|p| p.pos);
    (file, problems)
}

/// `text` as a highlighted code block, with the classes and markup of the
/// docs' code blocks. Every character of the text is in it once,
/// HTML-escaped (line endings normalized to `\n`).
pub fn highlight(text: &str) -> String {
    let text = normalize(text);
    let mut p = Parser::new(&text);
    p.file();
    let tokens: Vec<(usize, usize, &'static str)> = p
        .toks
        .iter()
        .zip(&p.roles)
        .filter_map(|(t, role)| role.scope(t.kind).map(|s| (t.start, t.end, s)))
        .collect();
    code_block("protobuf", "source.proto", &text, &tokens)
}

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Ident,
    Int,
    Float,
    /// `"…"` or `'…'`, decoded into [`Token::value`].
    Str,
    LineComment,
    BlockComment,
    /// `; , . = { } [ ] ( ) < > - + :` and `/`.
    Punct,
    Error,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
    pos: Pos,
    end_line: u32,
    /// No token before it on its line.
    line_start: bool,
    value: Option<String>,
}

impl Token {
    fn is_comment(&self) -> bool {
        matches!(self.kind, Tok::LineComment | Tok::BlockComment)
    }
}

fn lex(text: &str, problems: &mut Vec<Problem>) -> (Vec<Token>, Pos) {
    let mut c = Cursor::new(text);
    let mut toks = Vec::new();
    let mut last_line = 0;
    loop {
        c.bump_while(|ch| ch.is_whitespace() || ch == '\u{feff}');
        let Some(ch) = c.peek() else { break };
        let (start, pos) = (c.at, c.pos());
        let mut value = None;
        let kind = match ch {
            '/' if c.starts_with("//") => {
                c.bump_while(|ch| ch != '\n' && ch != '\r');
                Tok::LineComment
            }
            '/' if c.starts_with("/*") => {
                c.bump_str("/*");
                loop {
                    if c.starts_with("*/") {
                        c.bump_str("*/");
                        break;
                    }
                    if c.bump().is_none() {
                        problems.push(Problem::new(pos, "unterminated comment `/*`"));
                        break;
                    }
                }
                Tok::BlockComment
            }
            '"' | '\'' => {
                value = Some(string(&mut c, problems));
                Tok::Str
            }
            '_' | 'a'..='z' | 'A'..='Z' => {
                c.bump_while(|ch| ch == '_' || ch.is_ascii_alphanumeric());
                Tok::Ident
            }
            '0'..='9' => number(&mut c, problems),
            '.' if c.peek2().is_some_and(|d| d.is_ascii_digit()) => number(&mut c, problems),
            ';' | ',' | '.' | '=' | '{' | '}' | '[' | ']' | '(' | ')' | '<' | '>' | '-' | '+'
            | ':' | '/' => {
                c.bump();
                Tok::Punct
            }
            other => {
                c.bump();
                problems.push(Problem::new(pos, format!("unexpected character `{other}`")));
                Tok::Error
            }
        };
        let end_line = c.pos().line;
        toks.push(Token {
            kind,
            start,
            end: c.at,
            pos,
            end_line,
            line_start: pos.line > last_line,
            value,
        });
        last_line = end_line;
    }
    (toks, c.pos())
}

/// intLit and floatLit: decimal, octal (`0…`), hex (`0x…`), floats with a
/// fraction or exponent (`inf` and `nan` are identifiers to the lexer).
fn number(c: &mut Cursor, problems: &mut Vec<Problem>) -> Tok {
    let pos = c.pos();
    let start = c.at;
    let mut prev = ' ';
    let hex = c.starts_with("0x") || c.starts_with("0X");
    while let Some(ch) = c.peek() {
        let sign_of_exponent = !hex && matches!(ch, '+' | '-') && matches!(prev, 'e' | 'E');
        if !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.' || sign_of_exponent) {
            break;
        }
        prev = ch;
        c.bump();
    }
    let s = &c.text[start..c.at];
    let kind = if hex {
        (s.len() > 2 && s[2..].bytes().all(|b| b.is_ascii_hexdigit())).then_some(Tok::Int)
    } else if s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()) {
        s.bytes()
            .all(|b| (b'0'..=b'7').contains(&b))
            .then_some(Tok::Int)
    } else if s.bytes().all(|b| b.is_ascii_digit()) {
        Some(Tok::Int)
    } else {
        // decimals "." [decimals] [exponent] | decimals exponent | "." decimals [exponent]
        let (mantissa, exponent) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], Some(s[i + 1..].trim_start_matches(['+', '-']))),
            None => (s, None),
        };
        let mut parts = mantissa.splitn(2, '.');
        let int = parts.next().unwrap_or("");
        let frac = parts.next();
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        let ok = digits(int)
            && frac.is_none_or(|f| digits(f) && !(int.is_empty() && f.is_empty()))
            && (frac.is_some() || exponent.is_some())
            && !(int.is_empty() && frac.is_none())
            && exponent.is_none_or(|e| !e.is_empty() && digits(e));
        ok.then_some(Tok::Float)
    };
    kind.unwrap_or_else(|| {
        problems.push(Problem::new(pos, format!("invalid number `{s}`")));
        Tok::Error
    })
}

/// strLit: single or double quotes, C-style escapes (`\n`, `\x41`,
/// `\101`, `\u00e9`, `\U0001F600`). Escapes name bytes, decoded as UTF-8.
fn string(c: &mut Cursor, problems: &mut Vec<Problem>) -> String {
    let start = c.pos();
    let quote = c.bump().expect("the caller saw a quote");
    let mut bytes = Vec::new();
    loop {
        let esc_pos = c.pos();
        match c.peek() {
            None | Some('\n' | '\r') => {
                problems.push(Problem::new(start, "unterminated string"));
                break;
            }
            Some(q) if q == quote => {
                c.bump();
                break;
            }
            Some('\\') => {
                c.bump();
                let Some(e) = c.bump() else { continue };
                let simple = match e {
                    'a' => Some(7u8),
                    'b' => Some(8),
                    'f' => Some(12),
                    'n' => Some(b'\n'),
                    'r' => Some(b'\r'),
                    't' => Some(b'\t'),
                    'v' => Some(11),
                    '\\' | '\'' | '"' | '?' => Some(e as u8),
                    _ => None,
                };
                if let Some(b) = simple {
                    bytes.push(b);
                    continue;
                }
                let mut digits = |max: usize, radix: u32| -> Option<u32> {
                    let start = c.at;
                    let mut n = 0;
                    while n < max && c.peek().is_some_and(|d| d.is_digit(radix)) {
                        c.bump();
                        n += 1;
                    }
                    u32::from_str_radix(&c.text[start..c.at], radix).ok()
                };
                let decoded = match e {
                    'x' | 'X' => digits(2, 16).map(|b| bytes.push(b as u8)),
                    '0'..='7' => {
                        // Up to three octal digits, the first already read.
                        let mut value = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match c.peek().and_then(|d| d.to_digit(8)) {
                                Some(d) => {
                                    value = value * 8 + d;
                                    c.bump();
                                }
                                None => break,
                            }
                        }
                        u8::try_from(value).ok().map(|b| bytes.push(b))
                    }
                    'u' => digits(4, 16)
                        .and_then(char::from_u32)
                        .map(|ch| push_char(&mut bytes, ch)),
                    'U' => digits(8, 16)
                        .and_then(char::from_u32)
                        .map(|ch| push_char(&mut bytes, ch)),
                    _ => None,
                };
                if decoded.is_none() {
                    problems.push(Problem::new(
                        esc_pos,
                        format!("invalid escape sequence `\\{e}`"),
                    ));
                    push_char(&mut bytes, e);
                }
            }
            Some(ch) => {
                c.bump();
                push_char(&mut bytes, ch);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn push_char(bytes: &mut Vec<u8>, ch: char) {
    let mut buf = [0; 4];
    bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
}

/// A comment's text without its markers: `//` (and further `/`s of `///`)
/// and one space, or `/*`, `*/` and the ` * ` that starts its lines.
fn comment_text(raw: &str) -> String {
    if let Some(line) = raw.strip_prefix("//") {
        let line = line.trim_start_matches('/');
        return line
            .strip_prefix(' ')
            .unwrap_or(line)
            .trim_end()
            .to_string();
    }
    let inner = raw.strip_prefix("/*").unwrap_or(raw);
    let inner = inner.strip_suffix("*/").unwrap_or(inner);
    let inner = inner.trim_start_matches('*');
    let lines: Vec<String> = inner
        .lines()
        .map(|l| {
            let t = l.trim_start();
            let t = t
                .strip_prefix('*')
                .map_or(t, |r| r.strip_prefix(' ').unwrap_or(r));
            t.trim_end().to_string()
        })
        .collect();
    let first = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(first, |i| i + 1);
    lines[first..last.max(first)].join("\n")
}

// ---------------------------------------------------------------- parser

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Plain,
    /// `message`, `enum`, `service`, `rpc`, `oneof`, `extend`.
    Storage,
    Keyword,
    TypeName,
    RpcName,
    TypeRef,
    Scalar,
    Field,
    OptionName,
    EnumValue,
    Constant,
    Skipped,
}

impl Role {
    fn scope(self, kind: Tok) -> Option<&'static str> {
        Some(match (self, kind) {
            (_, Tok::LineComment) => "comment.line.double-slash.proto",
            (_, Tok::BlockComment) => "comment.block.proto",
            (_, Tok::Str) => "string.quoted.double.proto",
            (_, Tok::Int | Tok::Float) => "constant.numeric.proto",
            (_, Tok::Error) => "invalid.illegal.proto",
            (Role::Storage, _) => "storage.type.proto",
            (Role::Keyword, _) => "keyword.other.proto",
            (Role::TypeName, _) => "entity.name.class.proto",
            (Role::RpcName, _) => "entity.name.function.proto",
            (Role::TypeRef, _) => "support.type.proto",
            (Role::Scalar, _) => "storage.type.builtin.proto",
            (Role::Field, _) => "variable.other.member.proto",
            (Role::OptionName, _) => "entity.other.attribute-name.proto",
            (Role::EnumValue, _) => "constant.other.enum.proto",
            (Role::Constant, _) => "constant.language.proto",
            (Role::Plain | Role::Skipped, _) => return None,
        })
    }
}

/// The scalar value types of the language spec.
const SCALARS: &[&str] = &[
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
    "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
];

/// Field numbers: 1 to 2^29 - 1, without 19000–19999 (reserved for the
/// implementation).
const MAX_FIELD_NUMBER: i64 = (1 << 29) - 1;

/// Nested messages recurse; untrusted input must not overflow the stack.
const MAX_DEPTH: usize = 64;

type Parsed<T> = Result<T, Problem>;

struct Parser<'a> {
    text: &'a str,
    toks: Vec<Token>,
    roles: Vec<Role>,
    sig: Vec<usize>,
    i: usize,
    end: Pos,
    problems: Vec<Problem>,
    out: Raw,
    depth: usize,
}

/// What was read, before names are qualified and references resolved.
#[derive(Default)]
struct Raw {
    syntax: Option<String>,
    edition: Option<String>,
    package: Option<String>,
    imports: Vec<Import>,
    options: Vec<OptionValue>,
    services: Vec<Service>,
    messages: Vec<Message>,
    enums: Vec<Enum>,
    extends: Vec<Extend>,
    read_anything: bool,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        let mut problems = Vec::new();
        let (toks, end) = lex(text, &mut problems);
        let sig = (0..toks.len()).filter(|&i| !toks[i].is_comment()).collect();
        Parser {
            text,
            roles: vec![Role::Plain; toks.len()],
            toks,
            sig,
            i: 0,
            end,
            problems,
            out: Raw::default(),
            depth: 0,
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

    fn at_punct(&self, p: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == Tok::Punct && self.src(t) == p)
    }

    fn at_ident(&self, word: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == Tok::Ident && self.src(t) == word)
    }

    fn here(&self) -> Pos {
        self.peek().map_or(self.end, |t| t.pos)
    }

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

    fn eat_ident(&mut self, word: &str, role: Role) -> bool {
        let at = self.at_ident(word);
        if at {
            self.bump(role);
        }
        at
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "found the end of the file".into(),
            Some(t) if t.kind == Tok::Str => "found a string".into(),
            Some(t) => format!("found `{}`", self.src(t)),
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

    fn ident(&mut self, role: Role, what: impl std::fmt::Display) -> Parsed<(String, Pos)> {
        match self.peek() {
            Some(t) if t.kind == Tok::Ident => {
                let out = (self.src(t).to_string(), t.pos);
                self.bump(role);
                Ok(out)
            }
            _ => Err(self.error(what)),
        }
    }

    /// `ident { "." ident }`, optionally with a leading `.` (a fully
    /// qualified type name).
    fn full_ident(&mut self, role: Role, what: impl std::fmt::Display) -> Parsed<(String, Pos)> {
        let pos = self.here();
        let mut name = String::new();
        if self.eat_punct(".") {
            name.push('.');
        }
        let (first, _) = self.ident(role, &what)?;
        name.push_str(&first);
        while self.at_punct(".") && self.tok(self.i + 1).is_some_and(|t| t.kind == Tok::Ident) {
            self.bump(Role::Plain);
            let (part, _) = self.ident(role, &what)?;
            name.push('.');
            name.push_str(&part);
        }
        Ok((name, pos))
    }

    fn string_value(&mut self, what: impl std::fmt::Display) -> Parsed<String> {
        let mut out = None::<String>;
        // Adjacent string literals concatenate (strLit { strLit }).
        while let Some(t) = self.peek().filter(|t| t.kind == Tok::Str) {
            let v = t.value.clone().unwrap_or_default();
            out.get_or_insert_with(String::new).push_str(&v);
            self.bump(Role::Plain);
        }
        out.ok_or_else(|| self.error(what))
    }

    /// The leading comment of the token at `n` (sig index): the comment
    /// block ending on the line right above it, each comment alone on
    /// its lines, no blank line in between (protoc's leading comments).
    fn leading_comment(&self, n: usize) -> Option<String> {
        let &k = self.sig.get(n)?;
        let mut line = self.toks[k].pos.line;
        let mut parts = Vec::new();
        let mut j = k;
        while j > 0 {
            let c = &self.toks[j - 1];
            if !c.is_comment() || !c.line_start || c.end_line + 1 != line {
                break;
            }
            parts.push(comment_text(&self.text[c.start..c.end]));
            line = c.pos.line;
            j -= 1;
        }
        if parts.is_empty() {
            return None;
        }
        parts.reverse();
        Some(parts.join("\n")).filter(|s| !s.trim().is_empty())
    }

    /// A comment after the last token read, on its line.
    fn trailing_comment(&self) -> Option<String> {
        let &k = self.sig.get(self.i.checked_sub(1)?)?;
        let last = &self.toks[k];
        let c = self.toks.get(k + 1)?;
        (c.is_comment() && c.pos.line == last.end_line)
            .then(|| comment_text(&self.text[c.start..c.end]))
            .filter(|s| !s.is_empty())
    }

    /// Skips a statement that could not be read: up to and including its
    /// `;`, or its `{ … }` block; stops before a `}` that closes the
    /// enclosing body.
    fn skip_statement(&mut self, in_body: bool) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            let p = if t.kind == Tok::Punct {
                self.src(t)
            } else {
                ""
            };
            match p {
                "}" if depth == 0 => {
                    if !in_body {
                        self.bump(Role::Skipped);
                    }
                    return;
                }
                "}" => {
                    depth -= 1;
                    self.bump(Role::Skipped);
                    if depth == 0 {
                        return;
                    }
                }
                "{" => {
                    depth += 1;
                    self.bump(Role::Skipped);
                }
                ";" if depth == 0 => {
                    self.bump(Role::Skipped);
                    return;
                }
                _ => self.bump(Role::Skipped),
            }
        }
    }

    // ------------------------------------------------------ statements

    fn file(&mut self) {
        while self.peek().is_some() {
            if let Err(problem) = self.top_statement() {
                self.problems.push(problem);
                self.skip_statement(false);
            }
        }
    }

    fn top_statement(&mut self) -> Parsed<()> {
        if self.eat_punct(";") {
            return Ok(());
        }
        let Some(t) = self.peek().filter(|t| t.kind == Tok::Ident) else {
            return Err(self.error("a statement (`syntax`, `package`, `import`, `option`, `message`, `enum`, `service` or `extend`)"));
        };
        let word = self.src(t);
        let desc = self.leading_comment(self.i);
        match word {
            "syntax" | "edition" => {
                let pos = self.here();
                self.bump(Role::Keyword);
                self.expect_punct("=", format_args!("after `{word}`"))?;
                let value = self.string_value(format_args!("a quoted value for `{word}`"))?;
                self.expect_punct(";", format_args!("after the `{word}` statement"))?;
                if word == "syntax" {
                    if value != "proto2" && value != "proto3" {
                        self.problems.push(Problem::new(
                            pos,
                            format!("unknown syntax `{value}`: `proto2` or `proto3`"),
                        ));
                    }
                    self.out.syntax = Some(value);
                } else {
                    self.out.edition = Some(value);
                }
            }
            "package" => {
                let pos = self.here();
                self.bump(Role::Keyword);
                let (name, _) = self.full_ident(Role::TypeName, "a package name")?;
                self.expect_punct(";", "after the package name")?;
                if self.out.package.is_some() {
                    self.problems
                        .push(Problem::new(pos, "a second `package` statement"));
                } else {
                    self.out.package = Some(name);
                }
            }
            "import" => {
                let pos = self.here();
                self.bump(Role::Keyword);
                let modifier = ["public", "weak"]
                    .into_iter()
                    .find(|m| self.at_ident(m))
                    .map(str::to_string);
                if modifier.is_some() {
                    self.bump(Role::Keyword);
                }
                let path = self.string_value("a quoted file name after `import`")?;
                self.expect_punct(";", "after the import")?;
                self.out.imports.push(Import {
                    path,
                    modifier,
                    pos,
                });
            }
            "option" => {
                let option = self.option_statement()?;
                self.out.options.push(option);
            }
            "message" => {
                let m = self.message(desc)?;
                self.out.messages.push(m);
            }
            "enum" => {
                let e = self.enumeration(desc)?;
                self.out.enums.push(e);
            }
            "service" => {
                let s = self.service(desc)?;
                self.out.services.push(s);
            }
            "extend" => {
                let e = self.extend()?;
                self.out.extends.push(e);
            }
            _ => {
                return Err(self.error(
                    "a statement (`syntax`, `package`, `import`, `option`, `message`, `enum`, `service` or `extend`)",
                ));
            }
        }
        self.out.read_anything = true;
        Ok(())
    }

    /// `option name = constant ;`
    fn option_statement(&mut self) -> Parsed<OptionValue> {
        self.bump(Role::Keyword);
        let option = self.option_assignment()?;
        self.expect_punct(";", format_args!("after option `{}`", option.name))?;
        Ok(option)
    }

    /// `optionName = constant`, where optionName is `ident` or `(full.ident)`
    /// followed by `.ident`s.
    fn option_assignment(&mut self) -> Parsed<OptionValue> {
        let pos = self.here();
        let start = self.peek().map_or(self.text.len(), |t| t.start);
        loop {
            if self.eat_punct("(") {
                self.full_ident(Role::OptionName, "an option name")?;
                self.expect_punct(")", "after the extension name")?;
            } else {
                self.ident(Role::OptionName, "an option name")?;
            }
            if !self.eat_punct(".") {
                break;
            }
        }
        let name = self.text[start..self.prev_end()].to_string();
        self.expect_punct("=", format_args!("after option name `{name}`"))?;
        let value = self.constant()?;
        Ok(OptionValue { name, value, pos })
    }

    fn prev_end(&self) -> usize {
        self.i
            .checked_sub(1)
            .and_then(|n| self.tok(n))
            .map_or(0, |t| t.end)
    }

    /// constant: fullIdent, signed numbers, strings, booleans, or a text
    /// format aggregate `{ … }` (taken whole).
    fn constant(&mut self) -> Parsed<String> {
        let Some(t) = self.peek() else {
            return Err(self.error("a value"));
        };
        let start = t.start;
        match t.kind {
            Tok::Punct if matches!(self.src(t), "-" | "+") => {
                self.bump(Role::Plain);
                match self.peek() {
                    Some(n) if matches!(n.kind, Tok::Int | Tok::Float | Tok::Ident) => {
                        self.bump(Role::Constant)
                    }
                    _ => return Err(self.error("a number after the sign")),
                }
            }
            Tok::Int | Tok::Float => self.bump(Role::Plain),
            Tok::Str => {
                self.string_value("a string")?;
            }
            Tok::Ident => {
                self.full_ident(Role::Constant, "a value")?;
            }
            Tok::Punct if self.src(t) == "{" => {
                let mut depth = 0usize;
                while let Some(t) = self.peek() {
                    let p = if t.kind == Tok::Punct {
                        self.src(t)
                    } else {
                        ""
                    };
                    self.bump(Role::Plain);
                    match p {
                        "{" => depth += 1,
                        "}" => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                if depth > 0 {
                    return Err(self.error("`}` to close the option value"));
                }
            }
            _ => return Err(self.error("a value")),
        }
        Ok(self.text[start..self.prev_end()].to_string())
    }

    /// `[name = value, …]` after a field or enum value.
    fn field_options(&mut self) -> Parsed<Vec<OptionValue>> {
        let mut out = Vec::new();
        if self.eat_punct("[") {
            loop {
                out.push(self.option_assignment()?);
                if self.eat_punct("]") {
                    break;
                }
                self.expect_punct(",", "or `]` between field options")?;
            }
        }
        Ok(out)
    }

    /// `Name { body }` after `message`, `enum` or `service`: the name, its
    /// position, and the `{` consumed.
    fn header(&mut self, kind: &str) -> Parsed<(String, Pos)> {
        self.bump(Role::Storage);
        let (name, pos) = self.ident(Role::TypeName, format_args!("a name after `{kind}`"))?;
        self.expect_punct("{", format_args!("after {kind} `{name}`"))?;
        Ok((name, pos))
    }

    /// Runs `item` for each statement of a body up to its `}`; a statement
    /// that fails is skipped. `Err` only when the text ends first.
    fn body(&mut self, what: &str, mut item: impl FnMut(&mut Self) -> Parsed<()>) -> Parsed<()> {
        loop {
            if self.eat_punct("}") {
                return Ok(());
            }
            if self.peek().is_none() {
                return Err(self.error(format_args!("`}}` to close {what}")));
            }
            if self.eat_punct(";") {
                continue;
            }
            if let Err(problem) = item(self) {
                self.problems.push(problem);
                self.skip_statement(true);
            }
        }
    }

    fn message(&mut self, description: Option<String>) -> Parsed<Message> {
        let (name, pos) = self.header("message")?;
        let mut m = Message {
            name,
            full_name: String::new(),
            anchor: String::new(),
            description,
            fields: Vec::new(),
            oneofs: Vec::new(),
            messages: Vec::new(),
            enums: Vec::new(),
            extends: Vec::new(),
            reserved: Vec::new(),
            extension_ranges: Vec::new(),
            options: Vec::new(),
            deprecated: false,
            pos,
        };
        self.message_body(&mut m)?;
        m.deprecated = is_deprecated(&m.options);
        Ok(m)
    }

    fn message_body(&mut self, m: &mut Message) -> Parsed<()> {
        if self.depth >= MAX_DEPTH {
            return Err(Problem::new(m.pos, "messages nested too deeply"));
        }
        self.depth += 1;
        let what = format!("message `{}`", m.name);
        let result = self.body(&what, |p| p.message_item(m));
        self.depth -= 1;
        result
    }

    fn message_item(&mut self, m: &mut Message) -> Parsed<()> {
        let desc = self.leading_comment(self.i);
        let word = self
            .peek()
            .filter(|t| t.kind == Tok::Ident)
            .map(|t| self.src(t));
        match word {
            Some("message") if !self.next_is_punct("=") => {
                let nested = self.message(desc)?;
                m.messages.push(nested);
            }
            Some("enum") if !self.next_is_punct("=") => {
                let e = self.enumeration(desc)?;
                m.enums.push(e);
            }
            Some("extend") if !self.next_is_punct("=") => {
                let e = self.extend()?;
                m.extends.push(e);
            }
            Some("option") if !self.next_is_punct("=") => {
                let o = self.option_statement()?;
                m.options.push(o);
            }
            Some("reserved") if !self.next_is_punct("=") => {
                self.bump(Role::Keyword);
                let list = self.ranges("reserved")?;
                m.reserved.extend(list);
            }
            Some("extensions") if !self.next_is_punct("=") => {
                self.bump(Role::Keyword);
                let list = self.ranges("extensions")?;
                self.field_options()?;
                self.expect_punct(";", "after the extension ranges")?;
                m.extension_ranges.extend(list);
            }
            Some("oneof") if !self.next_is_punct("=") => {
                self.bump(Role::Storage);
                let (name, pos) = self.ident(Role::TypeName, "a name after `oneof`")?;
                self.expect_punct("{", format_args!("after oneof `{name}`"))?;
                let mut oneof = Oneof {
                    name: name.clone(),
                    description: desc,
                    fields: Vec::new(),
                    pos,
                };
                let what = format!("oneof `{name}`");
                let mut fields = Vec::new();
                let result = self.body(&what, |p| {
                    if p.at_ident("option") && !p.next_is_punct("=") {
                        p.option_statement()?;
                        return Ok(());
                    }
                    let desc = p.leading_comment(p.i);
                    let mut f = p.field(desc, true, &mut Vec::new())?;
                    f.oneof = Some(name.clone());
                    fields.push(f);
                    Ok(())
                });
                oneof.fields = fields.iter().map(|f| f.name.clone()).collect();
                m.fields.extend(fields);
                m.oneofs.push(oneof);
                result?;
            }
            _ => {
                let f = self.field(desc, false, &mut m.messages)?;
                m.fields.push(f);
            }
        }
        Ok(())
    }

    fn next_is_punct(&self, p: &str) -> bool {
        self.tok(self.i + 1)
            .is_some_and(|t| t.kind == Tok::Punct && self.src(t) == p)
    }

    /// `reserved 2, 15, 9 to 11, 40 to max;` or `reserved "foo", "bar";`
    /// (editions: bare names); `extensions 100 to 199`. The `;` of
    /// `reserved` is consumed here, that of `extensions` by the caller
    /// (options may follow).
    fn ranges(&mut self, what: &str) -> Parsed<Vec<String>> {
        let mut out = Vec::new();
        loop {
            let item = match self.peek() {
                Some(t) if t.kind == Tok::Str => {
                    let v = t.value.clone().unwrap_or_default();
                    self.bump(Role::Plain);
                    v
                }
                Some(t) if t.kind == Tok::Ident && what == "reserved" => {
                    let v = self.src(t).to_string();
                    self.bump(Role::Field);
                    v
                }
                Some(t) if t.kind == Tok::Int => {
                    let mut v = self.src(t).to_string();
                    self.bump(Role::Plain);
                    if self.eat_ident("to", Role::Keyword) {
                        match self.peek() {
                            Some(t) if t.kind == Tok::Int || self.src(t) == "max" => {
                                v.push_str(" to ");
                                v.push_str(self.src(t));
                                self.bump(Role::Keyword);
                            }
                            _ => return Err(self.error("a number or `max` after `to`")),
                        }
                    }
                    v
                }
                _ => return Err(self.error(format_args!("a field number or name after `{what}`"))),
            };
            out.push(item);
            if !self.eat_punct(",") {
                break;
            }
        }
        if what == "reserved" {
            self.expect_punct(";", "after the reserved list")?;
        }
        Ok(out)
    }

    /// A field: `label? type name = number [options];`, a map field
    /// `map<K, V> name = number;`, or a proto2 group, whose message goes to
    /// `nested`.
    fn field(
        &mut self,
        description: Option<String>,
        in_oneof: bool,
        nested: &mut Vec<Message>,
    ) -> Parsed<Field> {
        let pos = self.here();
        let label = ["optional", "required", "repeated"]
            .into_iter()
            .find(|l| self.at_ident(l) && !self.next_is_punct("."))
            .filter(|_| !self.next_is_punct("="))
            .map(str::to_string);
        if label.is_some() {
            self.bump(Role::Keyword);
        }
        let mut map_key = None;
        let ty = if self.at_ident("map") && self.next_is_punct("<") {
            self.bump(Role::Keyword);
            self.bump(Role::Plain);
            let (key, _) = self.ident(Role::Scalar, "a key type after `map<`")?;
            self.expect_punct(",", "after the map key type")?;
            let value = self.type_ref("the map value type")?;
            self.expect_punct(">", "after the map value type")?;
            map_key = Some(key);
            value
        } else if self.at_ident("group") && label.is_some() {
            return self.group(description, label, nested);
        } else {
            self.type_ref("a field type, or a statement")?
        };
        let (name, name_pos) = self.ident(
            Role::Field,
            format_args!("a field name after type `{}`", ty.text),
        )?;
        self.expect_punct(
            "=",
            format_args!("and a field number after field name `{name}`"),
        )?;
        let number = self.field_number(&name)?;
        let options = self.field_options()?;
        self.expect_punct(";", format_args!("after field `{name}`"))?;
        let description = description.or_else(|| self.trailing_comment());
        self.check_label(&label, map_key.is_some(), in_oneof, pos);
        Ok(Field {
            name,
            anchor: String::new(),
            description,
            label,
            ty,
            map_key,
            number,
            oneof: None,
            default: options
                .iter()
                .find(|o| o.name == "default")
                .map(|o| o.value.clone()),
            deprecated: is_deprecated(&options),
            options,
            pos: name_pos,
        })
    }

    /// proto2 `optional group Result = 1 { … }`: a field named after the
    /// group in lower case, of a nested message type named like the group.
    fn group(
        &mut self,
        description: Option<String>,
        label: Option<String>,
        nested: &mut Vec<Message>,
    ) -> Parsed<Field> {
        self.bump(Role::Keyword);
        let (name, name_pos) = self.ident(Role::TypeName, "a group name")?;
        self.expect_punct("=", format_args!("and a field number after group `{name}`"))?;
        let number = self.field_number(&name)?;
        let options = self.field_options()?;
        self.expect_punct("{", format_args!("after group `{name}`"))?;
        let mut m = Message {
            name: name.clone(),
            full_name: String::new(),
            anchor: String::new(),
            description: description.clone(),
            fields: Vec::new(),
            oneofs: Vec::new(),
            messages: Vec::new(),
            enums: Vec::new(),
            extends: Vec::new(),
            reserved: Vec::new(),
            extension_ranges: Vec::new(),
            options: Vec::new(),
            deprecated: false,
            pos: name_pos,
        };
        let result = self.message_body(&mut m);
        nested.push(m);
        result?;
        Ok(Field {
            name: name.to_ascii_lowercase(),
            anchor: String::new(),
            description,
            label,
            ty: TypeRef::new(name, name_pos),
            map_key: None,
            number,
            oneof: None,
            default: None,
            deprecated: is_deprecated(&options),
            options,
            pos: name_pos,
        })
    }

    fn field_number(&mut self, name: &str) -> Parsed<i64> {
        let Some(t) = self.peek().filter(|t| t.kind == Tok::Int) else {
            return Err(self.error(format_args!("a field number for `{name}`")));
        };
        let pos = t.pos;
        let n = parse_int(self.src(t));
        self.bump(Role::Plain);
        match n {
            Some(n) if (1..=MAX_FIELD_NUMBER).contains(&n) => {
                if (19000..=19999).contains(&n) {
                    self.problems.push(Problem::new(
                        pos,
                        format!("field number {n} of `{name}` is in the range 19000–19999 reserved for the protobuf implementation"),
                    ));
                }
                Ok(n)
            }
            _ => {
                self.problems.push(Problem::new(
                    pos,
                    format!("field number of `{name}` is outside 1 to {MAX_FIELD_NUMBER}"),
                ));
                Ok(n.unwrap_or(0))
            }
        }
    }

    /// Labels by syntax: proto2 fields need one (outside oneofs and maps),
    /// proto3 has no `required`, and oneof and map fields take none.
    fn check_label(&mut self, label: &Option<String>, map: bool, in_oneof: bool, pos: Pos) {
        let proto3 = self.out.syntax.as_deref() == Some("proto3") || self.out.edition.is_some();
        let problem = match label.as_deref() {
            Some(l) if in_oneof => Some(format!("fields of a oneof take no label (`{l}`)")),
            Some(l) if map => Some(format!("map fields take no label (`{l}`)")),
            Some("required") if proto3 => Some("`required` does not exist in proto3".to_string()),
            None if !proto3 && !in_oneof && !map => {
                Some("proto2 fields need a label: `optional`, `required` or `repeated`".to_string())
            }
            _ => None,
        };
        if let Some(message) = problem {
            self.problems.push(Problem::new(pos, message));
        }
    }

    fn type_ref(&mut self, what: &str) -> Parsed<TypeRef> {
        let scalar = self
            .peek()
            .is_some_and(|t| t.kind == Tok::Ident && SCALARS.contains(&self.src(t)))
            && !self.next_is_punct(".");
        let role = if scalar { Role::Scalar } else { Role::TypeRef };
        let (text, pos) = self.full_ident(role, what)?;
        let mut r = TypeRef::new(text, pos);
        r.scalar = scalar;
        Ok(r)
    }

    fn enumeration(&mut self, description: Option<String>) -> Parsed<Enum> {
        let (name, pos) = self.header("enum")?;
        let mut e = Enum {
            name,
            full_name: String::new(),
            anchor: String::new(),
            description,
            values: Vec::new(),
            reserved: Vec::new(),
            options: Vec::new(),
            pos,
        };
        let what = format!("enum `{}`", e.name);
        self.body(&what, |p| {
            let desc = p.leading_comment(p.i);
            if p.at_ident("option") && !p.next_is_punct("=") {
                let o = p.option_statement()?;
                e.options.push(o);
            } else if p.at_ident("reserved") && !p.next_is_punct("=") {
                p.bump(Role::Keyword);
                let list = p.ranges("reserved")?;
                e.reserved.extend(list);
            } else {
                let (name, pos) = p.ident(Role::EnumValue, "an enum value name")?;
                p.expect_punct("=", format_args!("and a number after enum value `{name}`"))?;
                let negative = p.eat_punct("-");
                let Some(t) = p.peek().filter(|t| t.kind == Tok::Int) else {
                    return Err(p.error(format_args!("a number for enum value `{name}`")));
                };
                let number = parse_int(p.src(t)).unwrap_or(0) * if negative { -1 } else { 1 };
                p.bump(Role::Plain);
                let options = p.field_options()?;
                p.expect_punct(";", format_args!("after enum value `{name}`"))?;
                let description = desc.or_else(|| p.trailing_comment());
                e.values.push(EnumValue {
                    name,
                    number,
                    description,
                    deprecated: is_deprecated(&options),
                    options,
                    pos,
                });
            }
            Ok(())
        })?;
        Ok(e)
    }

    fn service(&mut self, description: Option<String>) -> Parsed<Service> {
        let (name, pos) = self.header("service")?;
        let mut s = Service {
            name,
            full_name: String::new(),
            anchor: String::new(),
            description,
            options: Vec::new(),
            rpcs: Vec::new(),
            pos,
        };
        let what = format!("service `{}`", s.name);
        self.body(&what, |p| {
            let desc = p.leading_comment(p.i);
            if p.at_ident("option") && !p.next_is_punct("=") {
                let o = p.option_statement()?;
                s.options.push(o);
                return Ok(());
            }
            if !p.at_ident("rpc") {
                return Err(p.error("`rpc` or `option` in a service"));
            }
            let rpc = p.rpc(desc)?;
            s.rpcs.push(rpc);
            Ok(())
        })?;
        Ok(s)
    }

    /// `rpc Name ( [stream] Req ) returns ( [stream] Resp ) (";" | "{" options "}")`
    fn rpc(&mut self, description: Option<String>) -> Parsed<Rpc> {
        self.bump(Role::Storage);
        let (name, pos) = self.ident(Role::RpcName, "a method name after `rpc`")?;
        self.expect_punct("(", format_args!("after rpc name `{name}`"))?;
        let client_streaming = self.stream_keyword();
        let request = self.type_ref("a request message type")?;
        self.expect_punct(")", format_args!("after the request type of `{name}`"))?;
        if !self.eat_ident("returns", Role::Keyword) {
            return Err(self.error(format_args!("`returns` after the request of rpc `{name}`")));
        }
        self.expect_punct("(", "after `returns`")?;
        let server_streaming = self.stream_keyword();
        let response = self.type_ref("a response message type")?;
        self.expect_punct(")", format_args!("after the response type of `{name}`"))?;
        let mut options = Vec::new();
        if self.eat_punct("{") {
            let what = format!("rpc `{name}`");
            self.body(&what, |p| {
                if !p.at_ident("option") {
                    return Err(p.error("`option` in an rpc body"));
                }
                options.push(p.option_statement()?);
                Ok(())
            })?;
        } else {
            self.expect_punct(";", format_args!("or `{{` after rpc `{name}`"))?;
        }
        let description = description.or_else(|| self.trailing_comment());
        Ok(Rpc {
            name,
            anchor: String::new(),
            description,
            request,
            response,
            client_streaming,
            server_streaming,
            deprecated: is_deprecated(&options),
            options,
            pos,
        })
    }

    /// `stream` before a type, unless it is the type's own name
    /// (`rpc A (stream) …` names a message `stream`).
    fn stream_keyword(&mut self) -> bool {
        let next_is_type = self
            .tok(self.i + 1)
            .is_some_and(|t| t.kind == Tok::Ident || (t.kind == Tok::Punct && self.src(t) == "."));
        next_is_type && self.eat_ident("stream", Role::Keyword)
    }

    fn extend(&mut self) -> Parsed<Extend> {
        let pos = self.here();
        self.bump(Role::Storage);
        let extendee = self.type_ref("a message name after `extend`")?;
        self.expect_punct("{", format_args!("after `extend {}`", extendee.text))?;
        let mut fields = Vec::new();
        let what = format!("`extend {}`", extendee.text);
        self.body(&what, |p| {
            let desc = p.leading_comment(p.i);
            let f = p.field(desc, false, &mut Vec::new())?;
            fields.push(f);
            Ok(())
        })?;
        Ok(Extend {
            extendee,
            fields,
            pos,
        })
    }
}

fn parse_int(s: &str) -> Option<i64> {
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        i64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

fn is_deprecated(options: &[OptionValue]) -> bool {
    options
        .iter()
        .any(|o| o.name == "deprecated" && o.value == "true")
}

impl TypeRef {
    fn new(text: String, pos: Pos) -> TypeRef {
        TypeRef {
            text,
            scalar: false,
            full_name: None,
            link: None,
            pos,
        }
    }
}

// ---------------------------------------------------------------- model

impl Raw {
    fn finish(self, problems: &mut Vec<Problem>) -> Option<ProtoFile> {
        if !self.read_anything {
            problems.push(Problem::new(
                Pos::new(1, 1),
                "no protobuf definitions found in the file",
            ));
            return None;
        }
        let package = self.package.clone().unwrap_or_default();
        let mut file = ProtoFile {
            syntax: self.syntax.unwrap_or_else(|| "proto2".to_string()),
            edition: self.edition,
            package: self.package,
            imports: self.imports,
            options: self.options,
            services: self.services,
            messages: self.messages,
            enums: self.enums,
            extends: self.extends,
        };
        if file.edition.is_some() && file.syntax == "proto2" {
            file.syntax = "editions".to_string();
        }

        // Names: package + enclosing messages.
        let mut defined: HashMap<String, String> = HashMap::new();
        let mut duplicates = Vec::new();
        fn name_messages(
            list: &mut [Message],
            scope: &str,
            defined: &mut HashMap<String, String>,
            duplicates: &mut Vec<(Pos, String)>,
        ) {
            for m in list {
                m.full_name = qualify(scope, &m.name);
                m.anchor = format!("message-{}", m.full_name);
                if defined
                    .insert(m.full_name.clone(), m.anchor.clone())
                    .is_some()
                {
                    duplicates.push((m.pos, m.full_name.clone()));
                }
                for f in &mut m.fields {
                    f.anchor = format!("field-{}.{}", m.full_name, f.name);
                }
                name_enums(&mut m.enums, &m.full_name, defined, duplicates);
                name_messages(&mut m.messages, &m.full_name, defined, duplicates);
            }
        }
        fn name_enums(
            list: &mut [Enum],
            scope: &str,
            defined: &mut HashMap<String, String>,
            duplicates: &mut Vec<(Pos, String)>,
        ) {
            for e in list {
                e.full_name = qualify(scope, &e.name);
                e.anchor = format!("enum-{}", e.full_name);
                if defined
                    .insert(e.full_name.clone(), e.anchor.clone())
                    .is_some()
                {
                    duplicates.push((e.pos, e.full_name.clone()));
                }
            }
        }
        name_messages(&mut file.messages, &package, &mut defined, &mut duplicates);
        name_enums(&mut file.enums, &package, &mut defined, &mut duplicates);
        for s in &mut file.services {
            s.full_name = qualify(&package, &s.name);
            s.anchor = format!("service-{}", s.full_name);
            for r in &mut s.rpcs {
                r.anchor = format!("rpc-{}.{}", s.full_name, r.name);
            }
        }
        for (pos, name) in duplicates {
            problems.push(Problem::new(pos, format!("`{name}` is defined twice")));
        }

        // References, by protobuf's scoping: innermost scope first.
        let has_imports = !file.imports.is_empty();
        let resolve = |r: &mut TypeRef, scope: &str, problems: &mut Vec<Problem>| {
            if r.scalar {
                return;
            }
            let found = if let Some(abs) = r.text.strip_prefix('.') {
                defined.get(abs).map(|a| (abs.to_string(), a.clone()))
            } else {
                let mut scope = scope.to_string();
                loop {
                    let candidate = qualify(&scope, &r.text);
                    if let Some(a) = defined.get(&candidate) {
                        break Some((candidate, a.clone()));
                    }
                    if scope.is_empty() {
                        break None;
                    }
                    scope.truncate(scope.rfind('.').unwrap_or(0));
                }
            };
            match found {
                Some((full, anchor)) => {
                    r.full_name = Some(full);
                    r.link = Some(anchor);
                }
                // Types of imported files are expected to be missing here.
                None if !has_imports => problems.push(
                    Problem::new(
                        r.pos,
                        format!("unknown type `{}`: not defined in this file", r.text),
                    )
                    .help("define it, or import the file that does"),
                ),
                None => {}
            }
        };
        fn walk(
            list: &mut [Message],
            problems: &mut Vec<Problem>,
            resolve: &dyn Fn(&mut TypeRef, &str, &mut Vec<Problem>),
        ) {
            for m in list {
                let scope = m.full_name.clone();
                check_numbers(m, problems);
                for f in &mut m.fields {
                    resolve(&mut f.ty, &scope, problems);
                }
                for x in &mut m.extends {
                    resolve(&mut x.extendee, &scope, problems);
                    for f in &mut x.fields {
                        resolve(&mut f.ty, &scope, problems);
                    }
                }
                walk(&mut m.messages, problems, resolve);
            }
        }
        walk(&mut file.messages, problems, &resolve);
        for x in &mut file.extends {
            resolve(&mut x.extendee, &package, problems);
            for f in &mut x.fields {
                resolve(&mut f.ty, &package, problems);
            }
        }
        for s in &mut file.services {
            for r in &mut s.rpcs {
                resolve(&mut r.request, &package, problems);
                resolve(&mut r.response, &package, problems);
            }
        }
        Some(file)
    }
}

/// Field names and numbers are unique within a message. One pass with
/// maps: hostile input can have very long messages.
fn check_numbers(m: &Message, problems: &mut Vec<Problem>) {
    let mut numbers: HashMap<i64, &str> = HashMap::new();
    let mut names: HashSet<&str> = HashSet::new();
    for f in &m.fields {
        if let Some(first) = numbers.get(&f.number) {
            problems.push(Problem::new(
                f.pos,
                format!(
                    "field number {} of `{}` is already used by `{first}` in `{}`",
                    f.number, f.name, m.name
                ),
            ));
        } else {
            numbers.insert(f.number, &f.name);
        }
        if !names.insert(&f.name) {
            problems.push(Problem::new(
                f.pos,
                format!("field `{}` is defined twice in `{}`", f.name, m.name),
            ));
        }
    }
}

fn qualify(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apidocs::code::pos_of;
    use crate::docs::highlight::scope_class;
    use crate::docs::highlight::testing::{code_of, text_of};

    const LIBRARY: &str = r#"// Library API.
syntax = "proto3";

package example.library.v1;

import "google/protobuf/timestamp.proto";
import public "other.proto";

option go_package = "example.com/library/v1;library";
option java_multiple_files = true;

// Manages shelves and books.
// Second line of the service comment.
service LibraryService {
  option (google.api.default_host) = "library.example.com";

  // Gets a book.
  rpc GetBook(GetBookRequest) returns (Book) {
    option (google.api.http) = { get: "/v1/{name=shelves/*/books/*}" };
  }
  /* Streams books
   * of a shelf. */
  rpc ListBooks (ListBooksRequest) returns (stream Book);
  rpc UploadBooks(stream Book) returns (UploadSummary); // Client streaming.

  rpc Chat(stream ChatMessage) returns (stream ChatMessage) {
    option deprecated = true;
  }
}

// Detached: a blank line separates it from the message.

// A book on a shelf.
message Book {
  // Resource name.
  string name = 1;
  repeated string authors = 2;
  google.protobuf.Timestamp published = 3;
  Format format = 4 [deprecated = true];
  map<string, Chapter> chapters = 5;
  oneof location {
    Shelf.Position shelf_position = 6;
    string archive_id = 7; // Where archived books live.
  }

  message Chapter {
    string title = 1;
    int32 pages = 2;
    Kind kind = 3;
    enum Kind {
      KIND_UNSPECIFIED = 0;
      PROSE = 1;
    }
  }

  enum Format {
    FORMAT_UNSPECIFIED = 0;
    HARDCOVER = 1;
    EBOOK = 2 [deprecated = true];
  }
  reserved 8, 10 to 12;
  reserved "isbn";
}

message Shelf {
  message Position { int32 row = 1; int32 column = 2; }
}

message GetBookRequest { string name = 1; }
message ListBooksRequest { string parent = 1; int32 page_size = 2; }
message UploadSummary { int32 count = 1; }
message ChatMessage { string text = 1; .example.library.v1.Book book = 2; }
"#;

    fn read_ok(text: &str) -> (ProtoFile, Vec<Problem>) {
        let (file, problems) = read(text);
        (file.expect("a file"), problems)
    }

    fn messages(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.message.as_str()).collect()
    }

    fn field<'m>(m: &'m Message, name: &str) -> &'m Field {
        m.fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("field {name} missing in {}", m.name))
    }

    // Language spec (proto3): syntax, package, imports (with `public`),
    // options; every message of the file, counted by a line scan.
    #[test]
    fn proto3_file_outline() {
        let (f, problems) = read_ok(LIBRARY);
        assert_eq!(problems, vec![]);
        assert_eq!(f.syntax, "proto3");
        assert_eq!(f.package.as_deref(), Some("example.library.v1"));
        let imports: Vec<(&str, Option<&str>)> = f
            .imports
            .iter()
            .map(|i| (i.path.as_str(), i.modifier.as_deref()))
            .collect();
        assert_eq!(
            imports,
            [
                ("google/protobuf/timestamp.proto", None),
                ("other.proto", Some("public"))
            ]
        );
        assert_eq!(f.options[0].name, "go_package");
        assert_eq!(f.options[0].value, "\"example.com/library/v1;library\"");
        assert_eq!(f.options[1].value, "true");
        let expected = LIBRARY
            .lines()
            .filter(|l| l.trim_start().starts_with("message "))
            .count();
        assert_eq!(f.all_messages().len(), expected);
        assert_eq!(expected, 8);
        let names: Vec<&str> = f
            .all_messages()
            .iter()
            .map(|m| m.full_name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "example.library.v1.Book",
                "example.library.v1.Book.Chapter",
                "example.library.v1.Shelf",
                "example.library.v1.Shelf.Position",
                "example.library.v1.GetBookRequest",
                "example.library.v1.ListBooksRequest",
                "example.library.v1.UploadSummary",
                "example.library.v1.ChatMessage",
            ]
        );
        let enums: Vec<&str> = f.all_enums().iter().map(|e| e.full_name.as_str()).collect();
        assert_eq!(
            enums,
            [
                "example.library.v1.Book.Format",
                "example.library.v1.Book.Chapter.Kind"
            ]
        );
    }

    // Language spec: `rpc Name ( [stream] Req ) returns ( [stream] Resp )`
    // with `;` or an options body; comments above (or after, on the same
    // line) describe.
    #[test]
    fn services_and_rpcs() {
        let (f, _) = read_ok(LIBRARY);
        let s = &f.services[0];
        assert_eq!(s.full_name, "example.library.v1.LibraryService");
        assert_eq!(s.anchor, "service-example.library.v1.LibraryService");
        assert_eq!(
            s.description.as_deref(),
            Some("Manages shelves and books.\nSecond line of the service comment.")
        );
        assert_eq!(s.pos, pos_of(LIBRARY, "LibraryService {", 0));
        assert_eq!(s.options[0].name, "(google.api.default_host)");
        let rpcs: Vec<(&str, bool, bool)> = s
            .rpcs
            .iter()
            .map(|r| (r.name.as_str(), r.client_streaming, r.server_streaming))
            .collect();
        assert_eq!(
            rpcs,
            [
                ("GetBook", false, false),
                ("ListBooks", false, true),
                ("UploadBooks", true, false),
                ("Chat", true, true),
            ]
        );
        let get = &s.rpcs[0];
        assert_eq!(get.description.as_deref(), Some("Gets a book."));
        assert_eq!(get.anchor, "rpc-example.library.v1.LibraryService.GetBook");
        assert_eq!(
            get.request.link.as_deref(),
            Some("message-example.library.v1.GetBookRequest")
        );
        assert_eq!(
            get.response.full_name.as_deref(),
            Some("example.library.v1.Book")
        );
        assert_eq!(get.options[0].name, "(google.api.http)");
        assert_eq!(
            get.options[0].value,
            "{ get: \"/v1/{name=shelves/*/books/*}\" }"
        );
        assert_eq!(
            s.rpcs[1].description.as_deref(),
            Some("Streams books\nof a shelf.")
        );
        assert_eq!(s.rpcs[2].description.as_deref(), Some("Client streaming."));
        assert!(s.rpcs[3].deprecated && !get.deprecated);
        assert_eq!(s.rpcs[3].request.text, "ChatMessage");
    }

    // Language spec: fields with labels, map fields, oneofs, nested types,
    // reserved; type names resolve from the innermost scope outwards, and
    // a leading `.` is fully qualified.
    #[test]
    fn messages_fields_and_resolution() {
        let (f, _) = read_ok(LIBRARY);
        let book = f.find_message("example.library.v1.Book").unwrap();
        assert_eq!(book.description.as_deref(), Some("A book on a shelf."));
        let fields: Vec<(&str, i64, Option<&str>)> = book
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.number, f.label.as_deref()))
            .collect();
        assert_eq!(
            fields,
            [
                ("name", 1, None),
                ("authors", 2, Some("repeated")),
                ("published", 3, None),
                ("format", 4, None),
                ("chapters", 5, None),
                ("shelf_position", 6, None),
                ("archive_id", 7, None),
            ]
        );
        assert_eq!(
            field(book, "name").description.as_deref(),
            Some("Resource name.")
        );
        assert_eq!(
            field(book, "name").anchor,
            "field-example.library.v1.Book.name"
        );
        assert_eq!(field(book, "name").pos, pos_of(LIBRARY, "name = 1", 0));
        assert!(field(book, "name").ty.scalar);
        let published = &field(book, "published").ty;
        assert_eq!(published.text, "google.protobuf.Timestamp");
        assert!(!published.scalar && published.link.is_none());
        let format = field(book, "format");
        assert!(format.deprecated);
        assert_eq!(
            format.ty.link.as_deref(),
            Some("enum-example.library.v1.Book.Format")
        );
        let chapters = field(book, "chapters");
        assert_eq!(chapters.map_key.as_deref(), Some("string"));
        assert_eq!(chapters.type_text(), "map<string, Chapter>");
        assert_eq!(
            chapters.ty.full_name.as_deref(),
            Some("example.library.v1.Book.Chapter")
        );
        assert_eq!(field(book, "authors").type_text(), "repeated string");
        let position = field(book, "shelf_position");
        assert_eq!(position.oneof.as_deref(), Some("location"));
        assert_eq!(
            position.ty.link.as_deref(),
            Some("message-example.library.v1.Shelf.Position")
        );
        assert_eq!(
            field(book, "archive_id").description.as_deref(),
            Some("Where archived books live.")
        );
        assert_eq!(book.oneofs[0].name, "location");
        assert_eq!(book.oneofs[0].fields, ["shelf_position", "archive_id"]);
        assert_eq!(book.reserved, ["8", "10 to 12", "isbn"]);

        let chapter = &book.messages[0];
        assert_eq!(
            field(chapter, "kind").ty.full_name.as_deref(),
            Some("example.library.v1.Book.Chapter.Kind")
        );
        let format_enum = &book.enums[0];
        let values: Vec<(&str, i64, bool)> = format_enum
            .values
            .iter()
            .map(|v| (v.name.as_str(), v.number, v.deprecated))
            .collect();
        assert_eq!(
            values,
            [
                ("FORMAT_UNSPECIFIED", 0, false),
                ("HARDCOVER", 1, false),
                ("EBOOK", 2, true)
            ]
        );
        let chat = f.find_message("example.library.v1.ChatMessage").unwrap();
        assert_eq!(
            field(chat, "book").ty.link.as_deref(),
            Some("message-example.library.v1.Book")
        );
    }

    const SEARCH: &str = r#"syntax = "proto2";
package legacy;

message SearchRequest {
  required string query = 1;
  optional int32 page = 2 [default = 1];
  repeated Result results = 3;
  optional group Meta = 4 {
    optional string source = 1;
  }
  extensions 100 to 199;
  extensions 1000 to max;
}

message Result { required string url = 1; optional string title = 2 [default = "untitled"]; }

extend SearchRequest {
  optional bool verbose = 100;
}

enum Corpus {
  option allow_alias = true;
  UNIVERSAL = 0;
  WEB = 1;
  ALIAS = 1;
  NEGATIVE = -1;
  HEX = 0x1F;
}
"#;

    // Language spec (proto2): required/optional labels, defaults, groups,
    // extension ranges and `extend`, enum aliases and negative values.
    #[test]
    fn proto2_file() {
        let (f, problems) = read_ok(SEARCH);
        assert_eq!(problems, vec![]);
        assert_eq!(f.syntax, "proto2");
        let req = f.find_message("legacy.SearchRequest").unwrap();
        let labels: Vec<(&str, Option<&str>)> = req
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.label.as_deref()))
            .collect();
        assert_eq!(
            labels,
            [
                ("query", Some("required")),
                ("page", Some("optional")),
                ("results", Some("repeated")),
                ("meta", Some("optional")),
            ]
        );
        assert_eq!(field(req, "page").default.as_deref(), Some("1"));
        assert_eq!(
            field(req, "results").ty.link.as_deref(),
            Some("message-legacy.Result")
        );
        assert_eq!(
            field(req, "meta").ty.link.as_deref(),
            Some("message-legacy.SearchRequest.Meta")
        );
        assert_eq!(req.messages[0].fields[0].name, "source");
        assert_eq!(req.extension_ranges, ["100 to 199", "1000 to max"]);
        let result = f.find_message("legacy.Result").unwrap();
        assert_eq!(
            field(result, "title").default.as_deref(),
            Some("\"untitled\"")
        );
        let ext = &f.extends[0];
        assert_eq!(
            ext.extendee.link.as_deref(),
            Some("message-legacy.SearchRequest")
        );
        assert_eq!(ext.fields[0].name, "verbose");
        assert_eq!(ext.fields[0].number, 100);
        let corpus = &f.enums[0];
        assert_eq!(corpus.options[0].name, "allow_alias");
        let numbers: Vec<i64> = corpus.values.iter().map(|v| v.number).collect();
        assert_eq!(numbers, [0, 1, 1, -1, 31]);
    }

    // Language spec: proto2 fields need a label, proto3 has no
    // `required`; field numbers are unique, within 1..2^29-1, not in
    // 19000–19999. No `syntax` means proto2.
    #[test]
    fn labels_and_numbers_checked() {
        let (f, problems) = read_ok(
            "message M { string x = 1; optional int32 y = 1; int32 z = 19001 [deprecated = true]; }",
        );
        assert_eq!(f.syntax, "proto2");
        assert_eq!(
            messages(&problems),
            [
                "proto2 fields need a label: `optional`, `required` or `repeated`",
                "field number 1 of `y` is already used by `x` in `M`",
                "proto2 fields need a label: `optional`, `required` or `repeated`",
                "field number 19001 of `z` is in the range 19000–19999 reserved for the protobuf implementation",
            ]
        );
        assert!(field(&f.messages[0], "z").deprecated);
        let (_, problems) =
            read_ok("syntax = \"proto3\"; message M { required int32 a = 1; int32 b = 0; }");
        assert_eq!(
            messages(&problems),
            [
                "`required` does not exist in proto3",
                "field number of `b` is outside 1 to 536870911"
            ]
        );
    }

    // Recovery: a statement that cannot be read is skipped to its `;` or
    // past its block, with a problem where reading stopped; the rest of
    // the file is read.
    #[test]
    fn broken_file() {
        let text = "syntax = \"proto3\";\npackage broken;\n\nmessage A {\n  string ok = 1;\n  string bad = ;\n  int32 after = 3;\n  frobnicate { nested junk; }\n  int32 last = 4\n}\n\nservice S {\n  rpc Get(A) returns A;\n  rpc Fine(A) returns (A);\n}\n\ngarbage here;\nenum E { X = 0; }\nmessage B { Missing m = 1; int32 dup = 1; }\n";
        let (f, problems) = read_ok(text);
        assert_eq!(
            messages(&problems),
            [
                "expected a field number for `bad`, found `;`",
                "expected a field name after type `frobnicate`, found `{`",
                "expected `;` after field `last`, found `}`",
                "expected `(` after `returns`, found `A`",
                "expected a statement (`syntax`, `package`, `import`, `option`, `message`, `enum`, `service` or `extend`), found `garbage`",
                "unknown type `Missing`: not defined in this file",
                "field number 1 of `dup` is already used by `m` in `B`",
            ]
        );
        assert_eq!(problems[0].pos, Pos::new(6, 16));
        assert_eq!(problems[2].pos, Pos::new(10, 1));
        assert_eq!(problems[4].pos, Pos::new(17, 1));
        assert_eq!(problems[5].pos, pos_of(text, "Missing", 0));
        let a = &f.messages[0];
        let names: Vec<&str> = a.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["ok", "after"]);
        let rpcs: Vec<&str> = f.services[0].rpcs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(rpcs, ["Fine"]);
        assert_eq!(f.enums[0].full_name, "broken.E");
        assert_eq!(f.messages[1].full_name, "broken.B");
    }

    // Untrusted input: comments are data; nesting is bounded; an empty
    // file gives `None`; strings decode C escapes as bytes (UTF-8).
    #[test]
    fn hostile_empty_and_escapes() {
        let text = "// <script>alert(1)</script>\nmessage M { optional string s = 1 [default = \"\\x41\\101\\u00e9\\303\\251\"]; }\n";
        let (f, _) = read_ok(text);
        assert_eq!(
            f.messages[0].description.as_deref(),
            Some("<script>alert(1)</script>")
        );
        assert_eq!(
            Parser::new(text)
                .toks
                .iter()
                .find(|t| t.kind == Tok::Str)
                .unwrap()
                .value
                .as_deref(),
            Some("AAéé")
        );

        let deep = "message A {".repeat(500);
        let (_, problems) = read(&deep);
        assert!(
            problems
                .iter()
                .any(|p| p.message == "messages nested too deeply")
        );

        for empty in ["", "// nothing\n/* at all */", "garbage"] {
            let (f, problems) = read(empty);
            assert!(f.is_none(), "{empty:?}");
            assert!(
                problems
                    .iter()
                    .any(|p| p.message.starts_with("no protobuf definitions"))
            );
        }
        let (_, problems) = read("/* open");
        assert!(messages(&problems).contains(&"unterminated comment `/*`"));
    }

    // Highlighting: docs code block markup, the text complete and escaped,
    // theme classes for keywords, names, types, comments and literals.
    #[test]
    fn highlight_is_complete_escaped_and_classed() {
        let text = "// <script>x</script> & more\nsyntax = \"proto3\";\nservice S {\n  rpc Get(stream Req) returns (Book);\n}\nmessage Book { map<string, int32> m = 1; /* a\n b */ Kind k = 2 [deprecated = true]; }\n";
        let html = highlight(text);
        assert!(html.starts_with(
            "<div class=\"language-protobuf highlight\"><table class=\"highlighttable\">"
        ));
        assert!(!html.contains("<script"));
        let code = code_of(&html);
        assert_eq!(text_of(code), text);
        let span = |scope: &str, text: &str| {
            let class = scope_class(scope).unwrap_or_else(|| panic!("{scope} is styled"));
            format!("<span class=\"{class}\">{text}</span>")
        };
        for (scope, token) in [
            (
                "comment.line.double-slash.proto",
                "// &lt;script&gt;x&lt;/script&gt; &amp; more",
            ),
            ("keyword.other.proto", "syntax"),
            ("string.quoted.double.proto", "\"proto3\""),
            ("storage.type.proto", "service"),
            ("storage.type.proto", "rpc"),
            ("storage.type.proto", "message"),
            ("entity.name.function.proto", "Get"),
            ("keyword.other.proto", "stream"),
            ("keyword.other.proto", "returns"),
            ("keyword.other.proto", "map"),
            ("entity.name.class.proto", "Book"),
            ("support.type.proto", "Req"),
            ("storage.type.builtin.proto", "string"),
            ("variable.other.member.proto", "m"),
            ("constant.numeric.proto", "1"),
            ("comment.block.proto", "/* a"),
            ("comment.block.proto", " b */"),
            ("entity.other.attribute-name.proto", "deprecated"),
        ] {
            let want = span(scope, token);
            assert!(code.contains(&want), "{want} in {code}");
        }
        assert_eq!(text_of(code_of(&highlight(LIBRARY))), LIBRARY);
        assert_eq!(text_of(code_of(&highlight(SEARCH))), SEARCH);
    }
}
