//! Backstage's validation of an entity (spec/catalog.md §2–§4, §6).
//!
//! Backstage stops at the first failure of an entity. We run every check
//! and report every failure, in the order Backstage meets them, so that a
//! file is fixed in one round; the entity is still rejected iff any error
//! was found. Messages keep Backstage's wording (people search for it);
//! each diagnostic adds the most precise span and a line on how to fix it.
//!
//! The format rules are written by hand instead of with regexes: they are
//! small, ASCII-only, and JavaScript's regex semantics (`$` does not match
//! before a trailing newline, lengths in UTF-16 units) are easier to match
//! exactly this way.

use crate::config::{CustomKind, did_you_mean};
use crate::diag::{Code, Diagnostic};
use crate::model::refs::EntityRef;
use crate::model::yaml::{Map, Value};
use crate::model::{Kind, Node};
use crate::source::Span;

pub struct ValidateOptions<'a> {
    pub custom_kinds: &'a [CustomKind],
}

/// Step 1 of the pipeline: the envelope (`EntityEnvelope.schema.json`).
/// Run while reading, before placeholders; the first problem found.
#[allow(
    clippy::result_large_err,
    reason = "the reader calls this once per document and keeps the diagnostic; boxing would only add noise"
)]
pub fn check_envelope(root: &Node) -> Result<(), Diagnostic> {
    let Some((span, error, help)) = envelope_problem(root) else {
        return Ok(());
    };
    let mut d = Diagnostic::new(
        Code::EntityEnvelope,
        format!(
            "Entity envelope failed validation before processing; caused by TypeError: {}",
            error.full()
        ),
    )
    .at(span)
    .help(help);
    if let Some(entity) = entity_ref(root) {
        d = d.entity(entity);
    }
    Err(d)
}

/// Steps 3–4: policies and the kind validator. `Ok` with the kind when
/// valid, else every problem found.
pub fn validate(root: &Node, options: &ValidateOptions) -> Result<Kind, Vec<Diagnostic>> {
    let mut c = Checker {
        entity: entity_ref(root),
        kind: None,
        diags: Vec::new(),
    };
    let Some(map) = root.as_map() else {
        c.report(
            Code::EntityEnvelope,
            format!("Malformed envelope, {}", type_error("", "object").plain()),
            root.span,
            "an entity is a mapping with apiVersion, kind, metadata and spec",
        );
        return Err(c.diags);
    };
    // §3 step 3, the policies in Backstage's order.
    c.schema_policy(root, map);
    c.foreign_root_fields_policy(map);
    let head_ok = c.field_format_policy(map);
    // §3 step 4. A malformed apiVersion or kind is already reported; asking
    // the kind validators about it would only repeat the same problem as
    // "No processor recognized ...".
    let kind = if head_ok {
        c.kind_validator(root, map, options)
    } else {
        None
    };
    match kind {
        Some(kind) if c.diags.is_empty() => Ok(kind),
        _ => Err(c.diags),
    }
}

// ---------------------------------------------------------------------------
// Field formats (§4): KubernetesValidatorFunctions, CommonValidatorFunctions,
// makeValidator.

/// JavaScript's `string.length`, which every upstream length limit uses.
fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn len_within(s: &str, max: usize) -> bool {
    (1..=max).contains(&js_len(s))
}

/// DNS label: 1–63 of `[a-z0-9]` and `-`, with `-` only inside (runs
/// allowed: `^[a-z0-9]+(?:\-+[a-z0-9]+)*$`). Also the namespace rule.
pub fn is_valid_dns_label(s: &str) -> bool {
    len_within(s, 63)
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// DNS subdomain: 1–253 characters of `.`-separated DNS labels.
pub fn is_valid_dns_subdomain(s: &str) -> bool {
    len_within(s, 253) && s.split('.').all(is_valid_dns_label)
}

/// Object name (`metadata.name`, label values, name part of keys): 1–63 of
/// `[A-Za-z0-9-_.]`, first and last alphanumeric.
pub fn is_valid_object_name(s: &str) -> bool {
    let alnum = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    len_within(s, 63)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && alnum(s.bytes().next())
        && alnum(s.bytes().last())
}

/// `isValidPrefixAndOrSuffix` with separator `/`.
fn is_valid_prefix_and_or_suffix(
    s: &str,
    prefix: fn(&str) -> bool,
    suffix: fn(&str) -> bool,
) -> bool {
    let mut parts = s.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(only), None, _) => suffix(only),
        (Some(p), Some(sfx), None) => prefix(p) && suffix(sfx),
        _ => false,
    }
}

/// `backstage.io/v1alpha1`, `v1`: an optional DNS-subdomain prefix, then
/// 1–63 ASCII letters and digits (`1.0` fails).
pub fn is_valid_api_version(s: &str) -> bool {
    is_valid_prefix_and_or_suffix(s, is_valid_dns_subdomain, |v| {
        len_within(v, 63) && v.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// 1–63 ASCII letters and digits, starting with a letter.
pub fn is_valid_kind(s: &str) -> bool {
    len_within(s, 63)
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Label and annotation keys: `[<dns subdomain>/]<object name>`.
pub fn is_valid_label_key(s: &str) -> bool {
    is_valid_prefix_and_or_suffix(s, is_valid_dns_subdomain, is_valid_object_name)
}

pub fn is_valid_annotation_key(s: &str) -> bool {
    is_valid_label_key(s)
}

/// Empty, or an object name.
pub fn is_valid_label_value(s: &str) -> bool {
    s.is_empty() || is_valid_object_name(s)
}

/// 1–63 of `[a-z0-9:+#]` in groups separated by single `-`
/// (`^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$`).
pub fn is_valid_tag(s: &str) -> bool {
    len_within(s, 63)
        && s.split('-').all(|part| {
            !part.is_empty()
                && part.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b':' | b'+' | b'#')
                })
        })
}

/// `new URL(value)` succeeds: an absolute URL per WHATWG.
pub fn is_valid_url(s: &str) -> bool {
    url::Url::parse(s).is_ok()
}

/// `isNonEmptyString`: not blank after JavaScript's `trim()`, which strips
/// Unicode spaces, line terminators and U+FEFF, but not U+0085.
fn is_non_blank(s: &str) -> bool {
    s.chars()
        .any(|c| !((c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'))
}

// ---------------------------------------------------------------------------
// Ajv's error texts, `<instancePath> <message> - <param>: <value>`.

struct SchemaError {
    path: String,
    message: String,
    param: &'static str,
    value: String,
}

impl SchemaError {
    /// SchemaValidEntityPolicy's form: without the params.
    fn plain(&self) -> String {
        let path = if self.path.is_empty() {
            "<root>"
        } else {
            &self.path
        };
        format!("{path} {}", self.message)
    }

    /// `throwAjvError`'s form, used by the envelope and kind validators.
    fn full(&self) -> String {
        format!("{} - {}: {}", self.plain(), self.param, self.value)
    }
}

fn schema_error(
    path: &str,
    message: String,
    param: &'static str,
    value: impl Into<String>,
) -> SchemaError {
    SchemaError {
        path: path.to_string(),
        message,
        param,
        value: value.into(),
    }
}

fn type_error(path: &str, ty: &str) -> SchemaError {
    schema_error(path, format!("must be {ty}"), "type", ty)
}

fn required_error(path: &str, property: &str) -> SchemaError {
    schema_error(
        path,
        format!("must have required property '{property}'"),
        "missingProperty",
        property,
    )
}

/// Ajv's `instancePath`: a JSON pointer, so `/` and `~` in keys are escaped.
fn child(path: &str, key: &str) -> String {
    format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// The JSON-schema check `{type: string, minLength, maxLength}`.
fn string_error(node: &Node, path: &str, min: usize, max: Option<usize>) -> Option<SchemaError> {
    let Some(s) = node.as_str() else {
        return Some(type_error(path, "string"));
    };
    let len = js_len(s);
    if len < min {
        return Some(schema_error(
            path,
            format!("must NOT have fewer than {min} characters"),
            "limit",
            min.to_string(),
        ));
    }
    match max {
        Some(max) if len > max => Some(schema_error(
            path,
            format!("must NOT have more than {max} characters"),
            "limit",
            max.to_string(),
        )),
        _ => None,
    }
}

/// How to fix a value that should have been a non-empty string.
fn text_help(node: &Node, what: &str) -> String {
    let quote = |text: String| {
        format!(
            "YAML reads this {what} as a {}: quote it to make it a string, e.g. \"{text}\"",
            node.type_name()
        )
    };
    match &node.value {
        Value::Null => format!("{what} has no value: write one after the colon, or remove the key"),
        Value::Bool(b) => quote(b.to_string()),
        Value::Int(i) => quote(i.to_string()),
        Value::Float(f) => quote(format!("{f:?}")),
        Value::Str(_) => format!("{what} must not be empty"),
        Value::Seq(_) => format!("{what} is a single string, not a list"),
        Value::Map(_) => format!("{what} is a single string, not a mapping"),
    }
}

/// The string of a node, when it is a non-empty string.
fn non_empty(n: Option<&Node>) -> Option<&str> {
    n.and_then(Node::as_str).filter(|s| !s.is_empty())
}

/// The canonical ref, when kind and name are known: what diagnostics link to.
fn entity_ref(root: &Node) -> Option<String> {
    let kind = non_empty(root.get("kind"))?;
    let meta = root.get("metadata");
    let name = non_empty(meta.and_then(|m| m.get("name")))?;
    // DefaultNamespaceEntityPolicy: absent or empty means `default`.
    let namespace = non_empty(meta.and_then(|m| m.get("namespace"))).unwrap_or("default");
    Some(
        EntityRef::new(kind, namespace, name)
            .canonical()
            .to_string(),
    )
}

// ---------------------------------------------------------------------------
// Step 1: the envelope.

fn envelope_problem(root: &Node) -> Option<(Span, SchemaError, String)> {
    let Some(map) = root.as_map() else {
        return Some((
            root.span,
            type_error("", "object"),
            "an entity is a mapping with apiVersion, kind, metadata and spec".to_string(),
        ));
    };
    for key in ["apiVersion", "kind", "metadata"] {
        if map.get(key).is_none() {
            return Some((
                root.span,
                required_error("", key),
                missing_root_help(key).to_string(),
            ));
        }
    }
    for key in ["apiVersion", "kind"] {
        let node = map.get(key)?;
        if let Some(e) = string_error(node, &format!("/{key}"), 1, None) {
            return Some((node.span, e, text_help(node, key)));
        }
    }
    let meta = map.get("metadata")?;
    let Some(meta_map) = meta.as_map() else {
        return Some((
            meta.span,
            type_error("/metadata", "object"),
            METADATA_HELP.to_string(),
        ));
    };
    let Some(name) = meta_map.get("name") else {
        return Some((
            meta.span,
            required_error("/metadata", "name"),
            NAME_HELP.to_string(),
        ));
    };
    if let Some(e) = string_error(name, "/metadata/name", 1, None) {
        return Some((name.span, e, text_help(name, "metadata.name")));
    }
    let namespace = meta_map.get("namespace")?;
    let e = string_error(namespace, "/metadata/namespace", 1, None)?;
    let help = if namespace.as_str() == Some("") {
        "remove the empty namespace to use `default`, or write a namespace name".to_string()
    } else {
        text_help(namespace, "metadata.namespace")
    };
    Some((namespace.span, e, help))
}

fn missing_root_help(key: &str) -> &'static str {
    match key {
        "apiVersion" => {
            "add `apiVersion: backstage.io/v1alpha1` (templates use `scaffolder.backstage.io/v1beta3`)"
        }
        "kind" => "add `kind:` with the kind of entity, e.g. `kind: Component`",
        _ => "add `metadata:` with at least `name:`",
    }
}

const METADATA_HELP: &str =
    "metadata is a mapping with at least `name:`, e.g. `metadata: {name: artist-web}`";
const NAME_HELP: &str = "use 1-63 characters: letters, digits and - _ . between them, starting and ending with a letter or digit";
const NAMESPACE_HELP: &str = "namespaces are lower case: 1-63 characters a-z 0-9 separated by -; leave it out to use `default`";
const TAG_HELP: &str =
    "tags are lower case: a-z 0-9 + # : separated by single -, at most 63 characters";
const KEY_HELP: &str = "keys are `[prefix/]name`: an optional lower-case DNS name such as `example.com/`, then 1-63 letters, digits and - _ . starting and ending with a letter or digit";
const ADR002: &str = "To learn more about catalog file format, visit: https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/adr002-default-catalog-file-format.md";

const NAME_EXPECTATION: &str = "a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total";
const PREFIX_EXPECTATION: &str = "a valid prefix and/or suffix";

// ---------------------------------------------------------------------------
// Steps 3 and 4.

/// The root fields a source file may write.
const ROOT_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
/// In `Entity.schema.json` but filled in by the catalog only.
const OUTPUT_ONLY_ROOT_FIELDS: &[&str] = &["relations", "status"];

const CORE_API_VERSIONS: &[&str] = &["backstage.io/v1alpha1", "backstage.io/v1beta1"];
const AI_RESOURCE_API_VERSIONS: &[&str] = &["backstage.io/v1alpha1"];
const TEMPLATE_API_VERSIONS: &[&str] = &["scaffolder.backstage.io/v1beta3"];

struct Checker {
    entity: Option<String>,
    /// The built-in kind being validated, for examples in help texts.
    kind: Option<Kind>,
    diags: Vec<Diagnostic>,
}

impl Checker {
    fn report(
        &mut self,
        code: Code,
        message: impl Into<String>,
        span: Span,
        help: impl Into<String>,
    ) {
        let mut d = Diagnostic::new(code, message).at(span).help(help);
        if let Some(entity) = &self.entity {
            d = d.entity(entity.clone());
        }
        self.diags.push(d);
    }

    fn malformed(&mut self, code: Code, error: SchemaError, span: Span, help: impl Into<String>) {
        self.report(
            code,
            format!("Malformed envelope, {}", error.plain()),
            span,
            help,
        );
    }

    fn format_error(
        &mut self,
        code: Code,
        field: &str,
        expectation: &str,
        value: &str,
        span: Span,
        help: String,
    ) {
        self.report(
            code,
            format!(
                "\"{field}\" is not valid; expected {expectation} but found \"{value}\". {ADR002}"
            ),
            span,
            help,
        );
    }

    /// SchemaValidEntityPolicy: `Entity.schema.json` with `EntityMeta`.
    fn schema_policy(&mut self, root: &Node, map: &Map) {
        for key in ["apiVersion", "kind", "metadata"] {
            if map.get(key).is_none() {
                self.malformed(
                    Code::EntityEnvelope,
                    required_error("", key),
                    root.span,
                    missing_root_help(key),
                );
            }
        }
        for (key, _) in map.iter() {
            let k = key.text.as_str();
            if ROOT_FIELDS.contains(&k) || OUTPUT_ONLY_ROOT_FIELDS.contains(&k) {
                continue;
            }
            let help = match did_you_mean(k, ROOT_FIELDS) {
                Some(s) => format!("did you mean `{s}`? Only apiVersion, kind, metadata and spec may appear at the top level"),
                None => "only apiVersion, kind, metadata and spec may appear at the top level: move this under metadata (which allows any key) or spec".to_string(),
            };
            let error = schema_error(
                "",
                "must NOT have additional properties".to_string(),
                "additionalProperty",
                k,
            );
            self.malformed(Code::EntityUnknownField, error, key.span, help);
        }
        for key in ["apiVersion", "kind"] {
            if let Some(node) = map.get(key)
                && let Some(e) = string_error(node, &format!("/{key}"), 1, None)
            {
                self.malformed(Code::EntityEnvelope, e, node.span, text_help(node, key));
            }
        }
        if let Some(meta) = map.get("metadata") {
            match meta.as_map() {
                Some(m) => self.metadata_schema(meta, m),
                None => self.malformed(
                    Code::EntityEnvelope,
                    type_error("/metadata", "object"),
                    meta.span,
                    METADATA_HELP,
                ),
            }
        }
        if let Some(spec) = map.get("spec")
            && spec.as_map().is_none()
        {
            self.malformed(
                Code::EntityInvalidSpec,
                type_error("/spec", "object"),
                spec.span,
                "spec is a mapping of the kind's fields, e.g. `spec: {type: service, lifecycle: production, owner: team-a}`",
            );
        }
    }

    /// The type checks of `EntityMeta.schema.json` (uid, etag and unknown
    /// keys are not checked: Backstage does not reject them in sources).
    fn metadata_schema(&mut self, meta: &Node, m: &Map) {
        let code = Code::EntityInvalidMetadata;
        if m.get("name").is_none() {
            self.malformed(
                code,
                required_error("/metadata", "name"),
                meta.span,
                NAME_HELP,
            );
        }
        for (key, min) in [
            ("name", 1),
            ("namespace", 1),
            ("title", 1),
            ("description", 0),
        ] {
            if let Some(n) = m.get(key)
                && let Some(e) = string_error(n, &format!("/metadata/{key}"), min, None)
            {
                let help = if key == "namespace" && n.as_str() == Some("") {
                    "remove the empty namespace to use `default`, or write a namespace name"
                        .to_string()
                } else {
                    text_help(n, &format!("metadata.{key}"))
                };
                self.malformed(code, e, n.span, help);
            }
        }
        for key in ["labels", "annotations"] {
            let Some(n) = m.get(key) else { continue };
            let path = format!("/metadata/{key}");
            let Some(pairs) = n.as_map() else {
                self.malformed(
                    code,
                    type_error(&path, "object"),
                    n.span,
                    format!("{key} is a mapping of `key: value` strings"),
                );
                continue;
            };
            for (k, v) in pairs.iter() {
                // The schema's `patternProperties: {"^.+$": string}` does
                // not cover the empty key; the format policy rejects it.
                if !k.text.is_empty() && v.as_str().is_none() {
                    let what = format!("{} value", key.trim_end_matches('s'));
                    self.malformed(
                        code,
                        type_error(&child(&path, &k.text), "string"),
                        v.span,
                        text_help(v, &what),
                    );
                }
            }
        }
        if let Some(n) = m.get("tags") {
            match n.as_seq() {
                None => self.malformed(
                    code,
                    type_error("/metadata/tags", "array"),
                    n.span,
                    "tags is a list, e.g. `tags: [java, data]`",
                ),
                Some(tags) => {
                    for (i, tag) in tags.iter().enumerate() {
                        if let Some(e) = string_error(tag, &format!("/metadata/tags/{i}"), 1, None)
                        {
                            self.malformed(code, e, tag.span, text_help(tag, "a tag"));
                        }
                    }
                }
            }
        }
        if let Some(n) = m.get("links") {
            let Some(links) = n.as_seq() else {
                self.malformed(
                    code,
                    type_error("/metadata/links", "array"),
                    n.span,
                    "links is a list of `{url, title, icon, type}` mappings",
                );
                return;
            };
            for (i, link) in links.iter().enumerate() {
                let path = format!("/metadata/links/{i}");
                let Some(fields) = link.as_map() else {
                    self.malformed(
                        code,
                        type_error(&path, "object"),
                        link.span,
                        "each link is a mapping, e.g. `- {url: https://example.com, title: Example}`",
                    );
                    continue;
                };
                if fields.get("url").is_none() {
                    self.malformed(
                        code,
                        required_error(&path, "url"),
                        link.span,
                        "every link needs `url:`, an absolute URL",
                    );
                }
                for key in ["url", "title", "icon", "type"] {
                    if let Some(v) = fields.get(key)
                        && let Some(e) = string_error(v, &child(&path, key), 1, None)
                    {
                        self.malformed(code, e, v.span, text_help(v, &format!("the link's {key}")));
                    }
                }
            }
        }
    }

    /// NoForeignRootFieldsEntityPolicy: `relations` and `status` pass the
    /// schema but are written by the catalog only.
    fn foreign_root_fields_policy(&mut self, map: &Map) {
        for (key, _) in map.iter() {
            if OUTPUT_ONLY_ROOT_FIELDS.contains(&key.text.as_str()) {
                self.report(
                    Code::EntityUnknownField,
                    format!("Unknown field {}", key.text),
                    key.span,
                    format!("`{}` is filled in by the catalog and never written in a source file: remove it", key.text),
                );
            }
        }
    }

    /// FieldFormatEntityPolicy, in its order. Values of the wrong type were
    /// reported by the schema policy and are skipped here. Returns whether
    /// apiVersion and kind are well-formed strings.
    fn field_format_policy(&mut self, map: &Map) -> bool {
        let with_text = |key: &str| map.get(key).and_then(|n| Some((n, non_empty(Some(n))?)));
        let api_version = with_text("apiVersion");
        let kind = with_text("kind");
        let mut head_ok = api_version.is_some() && kind.is_some();
        if let Some((n, s)) = api_version
            && !is_valid_api_version(s)
        {
            head_ok = false;
            self.format_error(
                Code::EntityInvalidApiVersion,
                "apiVersion",
                PREFIX_EXPECTATION,
                s,
                n.span,
                "write `<group>/<version>`, e.g. `backstage.io/v1alpha1`: the group a lower-case DNS name, the version letters and digits".to_string(),
            );
        }
        if let Some((n, s)) = kind
            && !is_valid_kind(s)
        {
            head_ok = false;
            self.format_error(
                Code::EntityInvalidKind,
                "kind",
                "a string that is a sequence of [a-zA-Z][a-z0-9A-Z], at most 63 characters in total",
                s,
                n.span,
                "kinds are 1-63 letters and digits starting with a letter, e.g. `Component`".to_string(),
            );
        }
        let Some(meta) = map.get("metadata").and_then(Node::as_map) else {
            return head_ok;
        };
        if let Some(n) = meta.get("name")
            && let Some(s) = n.as_str().filter(|s| !s.is_empty())
            && !is_valid_object_name(s)
        {
            let help = with_example(
                NAME_HELP,
                suggest(s, false, is_name_char, is_valid_object_name),
            );
            self.format_error(
                Code::EntityInvalidName,
                "metadata.name",
                NAME_EXPECTATION,
                s,
                n.span,
                help,
            );
        }
        if let Some(n) = meta.get("namespace")
            && let Some(s) = n.as_str().filter(|s| !s.is_empty())
            && !is_valid_dns_label(s)
        {
            let help = with_example(
                NAMESPACE_HELP,
                suggest(s, true, is_lower_alnum, is_valid_dns_label),
            );
            self.format_error(
                Code::EntityInvalidNamespace,
                "metadata.namespace",
                "a string that is sequences of [a-z0-9] separated by [-], at most 63 characters in total",
                s,
                n.span,
                help,
            );
        }
        if let Some(labels) = meta.get("labels").and_then(Node::as_map) {
            for (k, v) in labels.iter() {
                let field = format!("labels.{}", k.text);
                if !is_valid_label_key(&k.text) {
                    let help = format!("label {KEY_HELP}");
                    self.format_error(
                        Code::EntityInvalidLabel,
                        &field,
                        PREFIX_EXPECTATION,
                        &k.text,
                        k.span,
                        help,
                    );
                }
                if let Some(s) = v.as_str()
                    && !is_valid_label_value(s)
                {
                    let help = with_example(
                        "label values are empty or 1-63 letters, digits and - _ . starting and ending with a letter or digit; put free text in an annotation instead",
                        suggest(s, false, is_name_char, is_valid_object_name),
                    );
                    self.format_error(
                        Code::EntityInvalidLabel,
                        &field,
                        NAME_EXPECTATION,
                        s,
                        v.span,
                        help,
                    );
                }
            }
        }
        if let Some(annotations) = meta.get("annotations").and_then(Node::as_map) {
            for (k, _) in annotations.iter() {
                if !is_valid_annotation_key(&k.text) {
                    self.format_error(
                        Code::EntityInvalidAnnotation,
                        &format!("annotations.{}", k.text),
                        PREFIX_EXPECTATION,
                        &k.text,
                        k.span,
                        format!("annotation {KEY_HELP}"),
                    );
                }
            }
        }
        if let Some(tags) = meta.get("tags").and_then(Node::as_seq) {
            for (i, tag) in tags.iter().enumerate() {
                if let Some(s) = tag.as_str().filter(|s| !s.is_empty())
                    && !is_valid_tag(s)
                {
                    let help = with_example(TAG_HELP, suggest(s, true, is_tag_char, is_valid_tag));
                    self.format_error(
                        Code::EntityInvalidTag,
                        &format!("tags.{i}"),
                        "a string that is sequences of [a-z0-9+#] separated by [-], at most 63 characters in total",
                        s,
                        tag.span,
                        help,
                    );
                }
            }
        }
        if let Some(links) = meta.get("links").and_then(Node::as_seq) {
            for (i, link) in links.iter().enumerate() {
                let Some(fields) = link.as_map() else {
                    continue;
                };
                if let Some(n) = fields.get("url")
                    && let Some(s) = n.as_str().filter(|s| !s.is_empty())
                    && !is_valid_url(s)
                {
                    self.format_error(
                        Code::EntityInvalidLink,
                        &format!("links.{i}.url"),
                        "a string that is a valid url",
                        s,
                        n.span,
                        "links need an absolute URL with a scheme, e.g. `https://example.com/dashboard`".to_string(),
                    );
                }
                for key in ["title", "icon"] {
                    if let Some(n) = fields.get(key)
                        && let Some(s) = n.as_str().filter(|s| !s.is_empty())
                        && !is_non_blank(s)
                    {
                        self.format_error(
                            Code::EntityInvalidLink,
                            &format!("links.{i}.{key}"),
                            "a non empty string",
                            s,
                            n.span,
                            format!("write a non-blank {key}, or remove it"),
                        );
                    }
                }
            }
        }
        head_ok
    }

    /// §3 step 4: the kind validators (BuiltinKindsEntityProcessor, the
    /// scaffolder and AI model modules) and the configured custom kinds.
    /// Called only with well-formed string apiVersion and kind.
    fn kind_validator(
        &mut self,
        root: &Node,
        map: &Map,
        options: &ValidateOptions,
    ) -> Option<Kind> {
        let api_node = map.get("apiVersion")?;
        let kind_node = map.get("kind")?;
        let api_version = api_node.as_str()?;
        let kind_text = kind_node.as_str()?;
        let entity = self
            .entity
            .clone()
            .unwrap_or_else(|| kind_text.to_lowercase());
        let not_recognized = format!(
            "No processor recognized the entity {entity} as valid, possibly caused by a foreign kind or apiVersion"
        );

        if let Some(kind) = Kind::parse(kind_text) {
            let accepted = match kind {
                Kind::Template => TEMPLATE_API_VERSIONS,
                Kind::AiResource => AI_RESOURCE_API_VERSIONS,
                _ => CORE_API_VERSIONS,
            };
            // A kind validator says "not mine" on an apiVersion mismatch,
            // whatever else is wrong, so the spec is not looked at then.
            if !accepted.contains(&api_version) {
                let mut help = format!(
                    "{kind_text} entities need apiVersion {}",
                    accepted.join(" or ")
                );
                if kind == Kind::Template && api_version == "backstage.io/v1beta2" {
                    help.push_str("; v1beta2 templates are no longer accepted and must be migrated to v1beta3");
                }
                self.report(
                    Code::EntityInvalidApiVersion,
                    not_recognized,
                    api_node.span,
                    help,
                );
                return None;
            }
            self.kind = Some(kind);
            match map.get("spec") {
                None => {
                    let help = format!(
                        "add a `spec:` mapping with the fields of a {kind_text}{}",
                        match spec_schema(kind, &Map::default()) {
                            Some(s) if !s.required.is_empty() =>
                                format!(" ({} are required)", s.required.join(", ")),
                            _ => String::new(),
                        }
                    );
                    self.report(
                        Code::EntityInvalidSpec,
                        required_error("", "spec").full(),
                        root.span,
                        help,
                    );
                }
                // A spec that is not a mapping was reported by the schema policy.
                Some(spec) => {
                    if let Some(fields) = spec.as_map()
                        && let Some(schema) = spec_schema(kind, fields)
                    {
                        self.check_object(spec, fields, "/spec", schema);
                    }
                }
            }
            return Some(kind);
        }

        if let Some(custom) = options.custom_kinds.iter().find(|c| c.kind == kind_text) {
            if !custom.api_versions.is_empty()
                && !custom.api_versions.iter().any(|v| v == api_version)
            {
                let help = format!(
                    "catalog.custom_kinds in backlot.yaml accepts {kind_text} with apiVersion {} only",
                    custom.api_versions.join(" or ")
                );
                self.report(
                    Code::EntityInvalidApiVersion,
                    not_recognized,
                    api_node.span,
                    help,
                );
                return None;
            }
            return Some(Kind::Custom);
        }

        let mut known: Vec<&str> = Kind::BUILT_IN.to_vec();
        known.extend(options.custom_kinds.iter().map(|c| c.kind.as_str()));
        let accept = format!("or accept `{kind_text}` with catalog.custom_kinds in backlot.yaml");
        let help = match did_you_mean(kind_text, &known) {
            Some(s) if s.eq_ignore_ascii_case(kind_text) => {
                format!("kinds are case-sensitive: did you mean `{s}`? {accept}")
            }
            Some(s) => format!("did you mean `{s}`? {accept}"),
            None => format!("known kinds: {}; {accept}", known.join(", ")),
        };
        self.report(
            Code::EntityUnknownKind,
            not_recognized,
            kind_node.span,
            help,
        );
        None
    }

    /// A JSON-schema object check: `required` first, then `properties` in
    /// schema order, then `additionalProperties`, as Ajv reports them.
    fn check_object(&mut self, node: &Node, map: &Map, path: &str, schema: &Schema) {
        for &property in schema.required {
            if map.get(property).is_none() {
                let help = self.missing_help(path, property);
                self.report(
                    Code::EntityInvalidSpec,
                    required_error(path, property).full(),
                    node.span,
                    help,
                );
            }
        }
        for &(key, ty) in schema.properties {
            if let Some(value) = map.get(key) {
                self.check_value(value, &child(path, key), key, ty);
            }
        }
        if let Some(ty) = schema.others {
            for (key, value) in map.iter() {
                if !schema.properties.iter().any(|(p, _)| *p == key.text) {
                    self.check_value(value, &child(path, &key.text), &key.text, ty);
                }
            }
        }
    }

    fn spec_error(&mut self, error: SchemaError, span: Span, help: String) {
        self.report(Code::EntityInvalidSpec, error.full(), span, help);
    }

    fn check_value(&mut self, node: &Node, path: &str, key: &str, ty: Ty) {
        match ty {
            Ty::Text | Ty::Ref => self.check_text(node, path, key, 1, None, ty),
            Ty::AnyText => self.check_text(node, path, key, 0, None, ty),
            Ty::TextAtMost(max) => self.check_text(node, path, key, 1, Some(max), ty),
            Ty::Refs | Ty::Texts | Ty::AnyTexts => {
                let Some(items) = node.as_seq() else {
                    let help = match node.as_str() {
                        Some(s) => format!("`{key}` is a list, even for one entry: `{key}: [{s}]`"),
                        None => format!("`{key}` is a list of strings, e.g. `{key}: [a, b]`"),
                    };
                    return self.spec_error(type_error(path, "array"), node.span, help);
                };
                let (min, item) = match ty {
                    Ty::Refs => (1, Ty::Ref),
                    Ty::Texts => (1, Ty::Text),
                    _ => (0, Ty::AnyText),
                };
                for (i, value) in items.iter().enumerate() {
                    self.check_text(value, &format!("{path}/{i}"), key, min, None, item);
                }
            }
            Ty::Object => {
                if node.as_map().is_none() {
                    let help = format!("`{key}` is a mapping of `key: value` pairs");
                    self.spec_error(type_error(path, "object"), node.span, help);
                }
            }
            Ty::TextOrBool => {
                if !matches!(node.value, Value::Str(_) | Value::Bool(_)) {
                    self.spec_error(
                        type_error(path, "string,boolean"),
                        node.span,
                        format!("`{key}` is a condition: a string such as `${{{{ parameters.enabled }}}}`, or true/false"),
                    );
                }
            }
            Ty::OneOf(allowed) => {
                if !node.as_str().is_some_and(|s| allowed.contains(&s)) {
                    let error = schema_error(
                        path,
                        "must be equal to one of the allowed values".to_string(),
                        "allowedValues",
                        allowed.join(","),
                    );
                    self.spec_error(
                        error,
                        node.span,
                        format!("`{key}` is one of: {}", allowed.join(", ")),
                    );
                }
            }
            Ty::Obj(schema) => match node.as_map() {
                Some(map) => self.check_object(node, map, path, schema),
                None => self.spec_error(
                    type_error(path, "object"),
                    node.span,
                    format!("`{key}` is a mapping of `key: value` pairs"),
                ),
            },
            Ty::List(schema) | Ty::NonEmptyList(schema) => {
                let Some(items) = node.as_seq() else {
                    let help = format!("`{key}` is a list of mappings, one per entry");
                    return self.spec_error(type_error(path, "array"), node.span, help);
                };
                if items.is_empty() && matches!(ty, Ty::NonEmptyList(_)) {
                    let error = schema_error(
                        path,
                        "must NOT have fewer than 1 items".to_string(),
                        "limit",
                        "1",
                    );
                    let help = format!("`{key}` needs at least one entry");
                    self.spec_error(error, node.span, help);
                }
                for (i, item) in items.iter().enumerate() {
                    self.check_list_item(item, &format!("{path}/{i}"), key, schema);
                }
            }
            Ty::ObjOrList(schema) => match &node.value {
                Value::Map(map) => self.check_object(node, map, path, schema),
                Value::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.check_list_item(item, &format!("{path}/{i}"), key, schema);
                    }
                }
                _ => {
                    let error = schema_error(
                        path,
                        "must match exactly one schema in oneOf".to_string(),
                        "passingSchemas",
                        "null",
                    );
                    let help = format!(
                        "`{key}` is one form (a mapping) or a list of forms (one mapping per page)"
                    );
                    self.spec_error(error, node.span, help);
                }
            },
        }
    }

    fn check_list_item(&mut self, item: &Node, path: &str, key: &str, schema: &Schema) {
        match item.as_map() {
            Some(map) => self.check_object(item, map, path, schema),
            None => self.spec_error(
                type_error(path, "object"),
                item.span,
                format!("each entry of `{key}` is a mapping"),
            ),
        }
    }

    fn check_text(
        &mut self,
        node: &Node,
        path: &str,
        key: &str,
        min: usize,
        max: Option<usize>,
        ty: Ty,
    ) {
        let Some(error) = string_error(node, path, min, max) else {
            return;
        };
        let help = match (ty, &node.value) {
            (_, Value::Str(s)) if max.is_some_and(|max| js_len(s) > max) => {
                format!(
                    "shorten `{key}` to at most {} characters",
                    max.unwrap_or_default()
                )
            }
            (Ty::Ref, Value::Seq(_)) => {
                format!("`{key}` takes a single entity ref, e.g. `{key}: team-a`")
            }
            (Ty::Ref, _) => format!(
                "{}; it is an entity ref: [<kind>:][<namespace>/]<name>",
                text_help(node, &format!("`{key}`"))
            ),
            _ => text_help(node, &format!("`{key}`")),
        };
        self.spec_error(error, node.span, help);
    }

    fn missing_help(&self, path: &str, property: &str) -> String {
        let under = if path == "/spec" {
            "under spec".to_string()
        } else {
            format!("at {path}")
        };
        match property {
            "owner" => format!("add `owner:` {under}: the owning group (`owner: team-a`) or user (`owner: user:jdoe`)"),
            "lifecycle" => format!("add `lifecycle:` {under}, e.g. `lifecycle: production` (or experimental, deprecated)"),
            "type" if path.starts_with("/spec/remotes") => {
                "every remote needs `type:`, the transport, e.g. `type: streamable-http`".to_string()
            }
            "type" => format!("add `type:` {under}, e.g. {}", type_example(self.kind)),
            "url" => "every remote needs `url:`, its endpoint".to_string(),
            "definition" => format!(
                "add `definition:` {under} with the API description text, usually `definition: {{$text: ./openapi.yaml}}`"
            ),
            "remotes" => format!("add `remotes:` {under}: a list of `{{type: streamable-http, url: https://...}}`"),
            "children" | "memberOf" => {
                format!("add `{property}: []` {under}: the list must be present, but may be empty")
            }
            "steps" => format!("add `steps:` {under}: a list of actions, e.g. `- action: fetch:template`"),
            "action" => "every step needs `action:`, the scaffolder action to run, e.g. `action: fetch:template`".to_string(),
            "skills" | "plugins" => format!("add `{property}:` {under}: a list of AiResource refs"),
            _ => format!("add `{property}:` {under}"),
        }
    }
}

fn type_example(kind: Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::Component) => "`type: service` (or website, library)",
        Some(Kind::Api) => "`type: openapi` (or asyncapi, graphql, grpc, trpc)",
        Some(Kind::Resource) => "`type: database` (or s3-bucket, cluster)",
        Some(Kind::Group) => "`type: team` (or business-unit, product-area, root)",
        Some(Kind::Template) => "`type: service` (the type of what the template creates)",
        Some(Kind::AiResource) => "`type: skill` (or rule, plugin, marketplace)",
        _ => "`type: url`",
    }
}

fn with_example(help: &str, example: Option<String>) -> String {
    match example {
        Some(e) => format!("{help}, e.g. `{e}`"),
        None => help.to_string(),
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

fn is_tag_char(c: char) -> bool {
    is_lower_alnum(c) || matches!(c, ':' | '+' | '#')
}

/// A corrected value to show in help: characters outside `keep` become a
/// single `-`; `None` when that does not give a valid value.
fn suggest(
    value: &str,
    lower: bool,
    keep: fn(char) -> bool,
    valid: fn(&str) -> bool,
) -> Option<String> {
    let mut out = String::new();
    for c in value.chars() {
        let c = if lower { c.to_ascii_lowercase() } else { c };
        if keep(c) {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    // Only ASCII was kept, so truncating by chars is by UTF-16 units too.
    let out: String = out.chars().take(63).collect();
    let out = out.trim_matches(|c| matches!(c, '-' | '_' | '.'));
    (out != value && valid(out)).then(|| out.to_string())
}

// ---------------------------------------------------------------------------
// The kinds' spec schemas (§6), as data.

/// The JSON-schema shapes the kind schemas use.
#[derive(Clone, Copy)]
enum Ty {
    /// A string of length >= 1 ("string" in the spec tables).
    Text,
    /// A string, possibly empty (schemas without `minLength`).
    AnyText,
    /// A string of length 1..=n.
    TextAtMost(usize),
    /// An entity ref: a string of length >= 1.
    Ref,
    /// An array of entity refs.
    Refs,
    /// An array of strings of length >= 1.
    Texts,
    /// An array of strings.
    AnyTexts,
    /// A mapping with free content.
    Object,
    /// `type: [string, boolean]`.
    TextOrBool,
    /// A string `enum`.
    OneOf(&'static [&'static str]),
    /// A mapping with a schema.
    Obj(&'static Schema),
    /// An array of mappings with a schema.
    List(&'static Schema),
    /// The same, with `minItems: 1`.
    NonEmptyList(&'static Schema),
    /// `oneOf` a mapping or an array of mappings (template parameters).
    ObjOrList(&'static Schema),
}

struct Schema {
    required: &'static [&'static str],
    properties: &'static [(&'static str, Ty)],
    /// `additionalProperties`; `None` allows anything (every kind schema
    /// lets unknown spec fields through).
    others: Option<Ty>,
}

const fn schema(
    required: &'static [&'static str],
    properties: &'static [(&'static str, Ty)],
) -> Schema {
    Schema {
        required,
        properties,
        others: None,
    }
}

/// The schema for a kind's spec; API and AiResource pick theirs by
/// `spec.type`, as model mode does.
fn spec_schema(kind: Kind, spec: &Map) -> Option<&'static Schema> {
    let spec_type = spec.get("type").and_then(Node::as_str);
    Some(match kind {
        Kind::Component => &COMPONENT,
        Kind::Api if spec_type == Some("mcp-server") => &API_MCP_SERVER,
        Kind::Api => &API,
        Kind::Resource => &RESOURCE,
        Kind::System => &SYSTEM,
        Kind::Domain => &DOMAIN,
        Kind::Group => &GROUP,
        Kind::User => &USER,
        Kind::Location => &LOCATION,
        Kind::Template => &TEMPLATE,
        Kind::AiResource => match spec_type {
            Some("skill") => &AI_SKILL,
            Some("rule") => &AI_RULE,
            Some("plugin") => &AI_PLUGIN,
            Some("marketplace") => &AI_MARKETPLACE,
            _ => &AI_RESOURCE,
        },
        Kind::Custom => return None,
    })
}

// Component.v1alpha1.schema.json
static COMPONENT: Schema = schema(
    &["type", "lifecycle", "owner"],
    &[
        ("type", Ty::Text),
        ("lifecycle", Ty::Text),
        ("owner", Ty::Ref),
        ("system", Ty::Ref),
        ("subcomponentOf", Ty::Ref),
        ("providesApis", Ty::Refs),
        ("consumesApis", Ty::Refs),
        ("dependsOn", Ty::Refs),
    ],
);

// API.v1alpha1.schema.json
static API: Schema = schema(
    &["type", "lifecycle", "owner", "definition"],
    &[
        ("type", Ty::Text),
        ("lifecycle", Ty::Text),
        ("owner", Ty::Ref),
        ("system", Ty::Ref),
        ("definition", Ty::Text),
    ],
);

// API.v1alpha1.mcp-server.schema.json
static API_MCP_SERVER: Schema = schema(
    &["type", "lifecycle", "owner", "remotes"],
    &[
        ("lifecycle", Ty::Text),
        ("owner", Ty::Ref),
        ("system", Ty::Ref),
        ("remotes", Ty::NonEmptyList(&MCP_REMOTE)),
    ],
);

static MCP_REMOTE: Schema = schema(&["type", "url"], &[("type", Ty::Text), ("url", Ty::Text)]);

// Resource.v1alpha1.schema.json
static RESOURCE: Schema = schema(
    &["type", "owner"],
    &[
        ("type", Ty::Text),
        ("owner", Ty::Ref),
        ("dependsOn", Ty::Refs),
        ("system", Ty::Ref),
    ],
);

// System.v1alpha1.schema.json
static SYSTEM: Schema = schema(
    &["owner"],
    &[("owner", Ty::Ref), ("domain", Ty::Ref), ("type", Ty::Text)],
);

// Domain.v1alpha1.schema.json
static DOMAIN: Schema = schema(
    &["owner"],
    &[
        ("owner", Ty::Ref),
        ("subdomainOf", Ty::Ref),
        ("type", Ty::Text),
    ],
);

static PROFILE: Schema = schema(
    &[],
    &[
        ("displayName", Ty::Text),
        ("email", Ty::Text),
        ("picture", Ty::Text),
    ],
);

// Group.v1alpha1.schema.json
static GROUP: Schema = schema(
    &["type", "children"],
    &[
        ("type", Ty::Text),
        ("profile", Ty::Obj(&PROFILE)),
        ("parent", Ty::Ref),
        ("children", Ty::Refs),
        ("members", Ty::Refs),
    ],
);

// User.v1alpha1.schema.json
static USER: Schema = schema(
    &["memberOf"],
    &[("profile", Ty::Obj(&PROFILE)), ("memberOf", Ty::Refs)],
);

// Location.v1alpha1.schema.json
static LOCATION: Schema = schema(
    &[],
    &[
        ("type", Ty::Text),
        ("target", Ty::Text),
        ("targets", Ty::Texts),
        ("presence", Ty::OneOf(&["required", "optional"])),
    ],
);

// plugins/scaffolder-common/src/Template.v1beta3.schema.json
static TEMPLATE: Schema = schema(
    &["type", "steps"],
    &[
        ("type", Ty::Text),
        ("owner", Ty::Ref),
        ("lifecycle", Ty::Text),
        ("parameters", Ty::ObjOrList(&TEMPLATE_FORM)),
        ("secrets", Ty::Obj(&TEMPLATE_SECRETS)),
        ("presentation", Ty::Obj(&TEMPLATE_PRESENTATION)),
        ("EXPERIMENTAL_recovery", Ty::Obj(&TEMPLATE_RECOVERY)),
        (
            "EXPERIMENTAL_formDecorators",
            Ty::List(&TEMPLATE_FORM_DECORATOR),
        ),
        ("formDecorators", Ty::List(&TEMPLATE_FORM_DECORATOR)),
        ("steps", Ty::List(&TEMPLATE_STEP)),
        ("output", Ty::Obj(&TEMPLATE_OUTPUT)),
    ],
);

static PERMISSIONS: Schema = schema(&[], &[("tags", Ty::AnyTexts)]);

static TEMPLATE_FORM: Schema = schema(&[], &[("backstage:permissions", Ty::Obj(&PERMISSIONS))]);

static TEMPLATE_SECRETS: Schema = schema(&[], &[("schema", Ty::Object)]);

static TEMPLATE_PRESENTATION: Schema =
    schema(&[], &[("buttonLabels", Ty::Obj(&TEMPLATE_BUTTON_LABELS))]);

static TEMPLATE_BUTTON_LABELS: Schema = schema(
    &[],
    &[
        ("backButtonText", Ty::AnyText),
        ("createButtonText", Ty::AnyText),
        ("reviewButtonText", Ty::AnyText),
    ],
);

static TEMPLATE_RECOVERY: Schema = schema(&[], &[("EXPERIMENTAL_strategy", Ty::AnyText)]);

static TEMPLATE_FORM_DECORATOR: Schema = schema(&[], &[("id", Ty::AnyText), ("input", Ty::Object)]);

static TEMPLATE_STEP: Schema = schema(
    &["action"],
    &[
        ("id", Ty::AnyText),
        ("name", Ty::AnyText),
        ("action", Ty::AnyText),
        ("input", Ty::Object),
        ("if", Ty::TextOrBool),
        ("backstage:permissions", Ty::Obj(&PERMISSIONS)),
    ],
);

static TEMPLATE_OUTPUT: Schema = Schema {
    required: &[],
    properties: &[
        ("links", Ty::List(&TEMPLATE_OUTPUT_LINK)),
        ("text", Ty::List(&TEMPLATE_OUTPUT_TEXT)),
    ],
    others: Some(Ty::AnyText),
};

static TEMPLATE_OUTPUT_LINK: Schema = schema(
    &[],
    &[
        ("if", Ty::TextOrBool),
        ("url", Ty::Text),
        ("entityRef", Ty::Ref),
        ("title", Ty::Text),
        ("icon", Ty::Text),
    ],
);

static TEMPLATE_OUTPUT_TEXT: Schema = schema(
    &[],
    &[
        ("if", Ty::TextOrBool),
        ("title", Ty::Text),
        ("icon", Ty::Text),
        ("content", Ty::AnyText),
    ],
);

// AiResource.v1alpha1.schema.json: the base, for any other spec.type.
static AI_RESOURCE: Schema = schema(
    &["type", "lifecycle", "owner"],
    &[
        ("type", Ty::Text),
        ("lifecycle", Ty::Text),
        ("owner", Ty::Ref),
        ("system", Ty::Ref),
    ],
);

// AiResource.v1alpha1.skill.schema.json
static AI_SKILL: Schema = schema(
    &["type", "lifecycle", "owner"],
    &[
        ("lifecycle", Ty::Text),
        ("owner", Ty::Ref),
        ("system", Ty::Ref),
        ("disciplines", Ty::Texts),
        ("categories", Ty::Texts),
        ("agents", Ty::Texts),
        ("dependsOn", Ty::Refs),
        ("allowedTools", Ty::Text),
        ("license", Ty::Text),
        ("compatibility", Ty::TextAtMost(500)),
    ],
);

// AiResource.v1alpha1.rule.schema.json
static AI_RULE: Schema = schema(
    &["type", "lifecycle", "owner", "category", "rationale"],
    &[
        ("lifecycle", Ty::Text),
        ("owner", Ty::Ref),
        ("system", Ty::Ref),
        ("disciplines", Ty::Texts),
        ("category", Ty::Text),
        ("rationale", Ty::Text),
    ],
);

// AiResource.v1alpha1.plugin.schema.json
static AI_PLUGIN: Schema = schema(
    &["type", "lifecycle", "owner", "skills"],
    &[
        ("lifecycle", Ty::Text),
        ("owner", Ty::Ref),
        ("system", Ty::Ref),
        ("skills", Ty::Refs),
        ("version", Ty::Text),
    ],
);

// AiResource.v1alpha1.marketplace.schema.json
static AI_MARKETPLACE: Schema = schema(
    &["type", "lifecycle", "owner", "plugins"],
    &[
        ("lifecycle", Ty::Text),
        ("owner", Ty::Ref),
        ("system", Ty::Ref),
        ("plugins", Ty::Refs),
        ("version", Ty::Text),
    ],
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::yaml::parse_documents;
    use crate::source::{FileId, Pos};

    const CORE: &str = "backstage.io/v1alpha1";
    const COMPONENT_SPEC: &str = "spec: {type: service, lifecycle: production, owner: team-a}\n";

    fn parse(text: &str) -> Node {
        let (docs, diags) = parse_documents(text, FileId(0));
        assert!(diags.is_empty(), "{diags:?}");
        docs.into_iter().next().expect("one document").root
    }

    fn run_with(text: &str, custom_kinds: &[CustomKind]) -> Result<Kind, Vec<Diagnostic>> {
        validate(&parse(text), &ValidateOptions { custom_kinds })
    }

    fn run(text: &str) -> Result<Kind, Vec<Diagnostic>> {
        run_with(text, &[])
    }

    fn diags(text: &str) -> Vec<Diagnostic> {
        match run(text) {
            Ok(kind) => panic!("expected errors, got Ok({kind:?}) for:\n{text}"),
            Err(d) => d,
        }
    }

    fn messages(text: &str) -> Vec<String> {
        diags(text).into_iter().map(|d| d.message).collect()
    }

    fn codes(text: &str) -> Vec<Code> {
        diags(text).into_iter().map(|d| d.code).collect()
    }

    /// `metadata: {name: x<meta>}` plus `spec_line` (may be empty).
    fn entity(api: &str, kind: &str, meta: &str, spec_line: &str) -> String {
        format!("apiVersion: {api}\nkind: {kind}\nmetadata: {{name: x{meta}}}\n{spec_line}")
    }

    fn component(meta: &str) -> String {
        entity(CORE, "Component", meta, COMPONENT_SPEC)
    }

    fn with_spec(kind: &str, spec: &str) -> String {
        entity(CORE, kind, "", &format!("spec: {spec}\n"))
    }

    fn start(d: &Diagnostic) -> (u32, u32) {
        let Pos { line, col } = d.span.expect("a span").start;
        (line, col)
    }

    fn adr(body: &str) -> String {
        format!("{body} {ADR002}")
    }

    // ---- §4 building blocks ----

    // KubernetesValidatorFunctions.isValidObjectName: 1-63, alnum at both
    // ends, - _ . anywhere inside (repeats allowed).
    #[test]
    fn object_name_rule() {
        for ok in [
            "a",
            "a..b",
            "a__b",
            "a-_.b",
            "Bad-Name",
            "0",
            &"a".repeat(63),
        ] {
            assert!(is_valid_object_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Bad Name",
            "-a",
            "a-",
            "_a",
            "a.",
            "ä",
            "a\n",
            &"a".repeat(64),
        ] {
            assert!(!is_valid_object_name(bad), "{bad}");
        }
    }

    // CommonValidatorFunctions.isValidDnsLabel as in spec/catalog.md §4:
    // lower case only, runs of `-` inside allowed. Also the namespace rule.
    #[test]
    fn dns_label_rule() {
        for ok in ["default", "a-b", "a--b", "0", &"a".repeat(63)] {
            assert!(is_valid_dns_label(ok), "{ok}");
        }
        for bad in ["", "Default", "-a", "a-", "a_b", "a.b", &"a".repeat(64)] {
            assert!(!is_valid_dns_label(bad), "{bad}");
        }
    }

    // CommonValidatorFunctions.isValidDnsSubdomain: 1-253, `.`-separated labels.
    #[test]
    fn dns_subdomain_rule() {
        assert!(is_valid_dns_subdomain("backstage.io"));
        assert!(is_valid_dns_subdomain("scaffolder.backstage.io"));
        let l63 = "a".repeat(63);
        let at_limit = format!("{l63}.{l63}.{l63}.{}", "a".repeat(61));
        assert_eq!(at_limit.len(), 253);
        assert!(is_valid_dns_subdomain(&at_limit));
        assert!(!is_valid_dns_subdomain(&format!("{at_limit}a")));
        for bad in ["", "a..b", ".a", "a.", "Backstage.io"] {
            assert!(!is_valid_dns_subdomain(bad), "{bad}");
        }
    }

    // KubernetesValidatorFunctions.isValidApiVersion: DNS-subdomain prefix,
    // suffix ^[a-z0-9A-Z]+$ of 1-63; `1.0` fails.
    #[test]
    fn api_version_rule() {
        for ok in [
            "backstage.io/v1alpha1",
            "v1",
            "V1",
            "scaffolder.backstage.io/v1beta3",
            "my-company.net/v1",
        ] {
            assert!(is_valid_api_version(ok), "{ok}");
        }
        let long = format!("backstage.io/{}", "v".repeat(64));
        for bad in [
            "1.0",
            "a/b/c",
            "Backstage.io/v1",
            "backstage.io/",
            "/v1",
            "backstage.io/v1-alpha",
            "",
            &long,
        ] {
            assert!(!is_valid_api_version(bad), "{bad}");
        }
    }

    // KubernetesValidatorFunctions.isValidKind: ^[a-zA-Z][a-z0-9A-Z]*$, 1-63.
    #[test]
    fn kind_rule() {
        for ok in ["Component", "API", "AiResource", "K8s", &"K".repeat(63)] {
            assert!(is_valid_kind(ok), "{ok}");
        }
        for bad in ["", "1Kind", "My-Kind", "My Kind", "Kind\n", &"K".repeat(64)] {
            assert!(!is_valid_kind(bad), "{bad}");
        }
    }

    // makeValidator isValidTag: ^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$, 1-63.
    #[test]
    fn tag_rule() {
        for ok in ["java", "c++", "c#", "a:b", "go-1-15", "0", &"a".repeat(63)] {
            assert!(is_valid_tag(ok), "{ok}");
        }
        for bad in [
            "Java",
            "go 1.15.3",
            "Bad_Tag",
            "a--b",
            "-a",
            "a-",
            "",
            "a.b",
            &"a".repeat(64),
        ] {
            assert!(!is_valid_tag(bad), "{bad}");
        }
    }

    // KubernetesValidatorFunctions.isValidLabelKey / isValidAnnotationKey /
    // isValidLabelValue.
    #[test]
    fn label_and_annotation_rules() {
        for ok in [
            "example.com/custom",
            "custom",
            "backstage.io/techdocs-ref",
            "a.b/C_d",
        ] {
            assert!(
                is_valid_label_key(ok) && is_valid_annotation_key(ok),
                "{ok}"
            );
        }
        for bad in ["a/b/c", "Example.com/x", "/x", "x/", "", "a b"] {
            assert!(
                !is_valid_label_key(bad) && !is_valid_annotation_key(bad),
                "{bad}"
            );
        }
        for ok in ["", "custom_label_value", "go1.15.3"] {
            assert!(is_valid_label_value(ok), "{ok}");
        }
        for bad in ["a b", "-x", "x/y"] {
            assert!(!is_valid_label_value(bad), "{bad}");
        }
    }

    // CommonValidatorFunctions.isValidUrl: `new URL(value)`, absolute only.
    #[test]
    fn url_rule() {
        for ok in [
            "https://admin.example-org.com",
            "http://localhost:7007/x",
            "mailto:a@b.c",
        ] {
            assert!(is_valid_url(ok), "{ok}");
        }
        for bad in ["/relative", "example.com", "", "https://"] {
            assert!(!is_valid_url(bad), "{bad}");
        }
    }

    // CommonValidatorFunctions.isNonEmptyString: `value.trim().length >= 1`.
    #[test]
    fn non_blank_rule() {
        assert!(is_non_blank("a"));
        assert!(is_non_blank("\u{85}"), "JavaScript's trim keeps U+0085");
        for bad in [" ", "\t\n", "\u{feff}", "\u{a0}\u{2028}"] {
            assert!(!is_non_blank(bad), "{bad:?}");
        }
    }

    // ---- §3 step 1: the envelope ----

    // EntityEnvelope.schema.json: a well-formed envelope passes.
    #[test]
    fn envelope_ok() {
        assert!(check_envelope(&parse(&component(", namespace: ns"))).is_ok());
        // The envelope only needs the skeleton: no spec, unknown kind.
        assert!(check_envelope(&parse("apiVersion: x\nkind: Y\nmetadata: {name: z}\n")).is_ok());
    }

    // EntityEnvelope.schema.json `required`, reported through throwAjvError.
    #[test]
    fn envelope_missing_kind() {
        let d = check_envelope(&parse(
            "apiVersion: backstage.io/v1alpha1\nmetadata: {name: x}\n",
        ))
        .unwrap_err();
        assert_eq!(d.code, Code::EntityEnvelope);
        assert_eq!(
            d.message,
            "Entity envelope failed validation before processing; caused by TypeError: <root> must have required property 'kind' - missingProperty: kind"
        );
        assert_eq!(start(&d), (1, 1));
        assert!(d.help.is_some());
        assert_eq!(d.entity, None);
    }

    // EntityEnvelope.schema.json: metadata.name is a string (YAML 1.2 reads 123 as a number).
    #[test]
    fn envelope_name_must_be_string() {
        let d = check_envelope(&parse(
            "apiVersion: v1\nkind: Component\nmetadata:\n  name: 123\n",
        ))
        .unwrap_err();
        assert!(
            d.message
                .ends_with("/metadata/name must be string - type: string"),
            "{}",
            d.message
        );
        assert_eq!(start(&d), (4, 9));
        assert!(d.help.unwrap().contains("quote"));
    }

    // EntityEnvelope.schema.json: namespace minLength 1.
    #[test]
    fn envelope_empty_namespace() {
        let d = check_envelope(&parse(&component(", namespace: ''"))).unwrap_err();
        assert!(
            d.message
                .ends_with("/metadata/namespace must NOT have fewer than 1 characters - limit: 1"),
            "{}",
            d.message
        );
        assert_eq!(d.entity.as_deref(), Some("component:default/x"));
    }

    // EntityEnvelope.schema.json: type object; metadata object; apiVersion minLength.
    #[test]
    fn envelope_types() {
        let d = check_envelope(&parse("- a\n")).unwrap_err();
        assert!(d.message.ends_with("<root> must be object - type: object"));
        let d =
            check_envelope(&parse("apiVersion: ''\nkind: A\nmetadata: {name: x}\n")).unwrap_err();
        assert!(
            d.message
                .ends_with("/apiVersion must NOT have fewer than 1 characters - limit: 1")
        );
        let d = check_envelope(&parse("apiVersion: a\nkind: A\nmetadata: [x]\n")).unwrap_err();
        assert!(
            d.message
                .ends_with("/metadata must be object - type: object")
        );
        let d =
            check_envelope(&parse("apiVersion: a\nkind: A\nmetadata: {title: x}\n")).unwrap_err();
        assert!(
            d.message
                .ends_with("/metadata must have required property 'name' - missingProperty: name")
        );
    }

    // ---- §3 step 3: policies ----

    // The whole pipeline accepts a well-formed Component in both core apiVersions.
    #[test]
    fn valid_component() {
        assert_eq!(run(&component("")), Ok(Kind::Component));
        let beta = entity("backstage.io/v1beta1", "Component", "", COMPONENT_SPEC);
        assert_eq!(run(&beta), Ok(Kind::Component));
    }

    // FieldFormatEntityPolicy metadata.name with isValidObjectName; message text.
    #[test]
    fn invalid_name() {
        let ds = diags(&component(", name: Bad Name").replace("{name: x, ", "{"));
        assert_eq!(ds.len(), 1, "{ds:?}");
        let d = &ds[0];
        assert_eq!(d.code, Code::EntityInvalidName);
        assert_eq!(
            d.message,
            adr(
                "\"metadata.name\" is not valid; expected a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total but found \"Bad Name\"."
            )
        );
        assert_eq!(start(d), (3, 18));
        let help = d.help.as_deref().unwrap();
        assert!(help.starts_with(NAME_HELP), "{help}");
        assert!(help.contains("`Bad-Name`"), "{help}");
        assert_eq!(d.entity.as_deref(), Some("component:default/bad name"));
    }

    // spec/catalog.md §4 consequences: `a..b`, `a__b` valid; 64 characters invalid.
    #[test]
    fn name_lengths_and_repeats() {
        let named = |n: &str| component("").replace("{name: x}", &format!("{{name: {n}}}"));
        assert!(run(&named("a..b")).is_ok());
        assert!(run(&named("a__b")).is_ok());
        assert!(run(&named(&"a".repeat(63))).is_ok());
        assert_eq!(
            codes(&named(&"a".repeat(64))),
            vec![Code::EntityInvalidName]
        );
    }

    // FieldFormatEntityPolicy metadata.namespace with isValidNamespace: lower case.
    #[test]
    fn namespace_lower_case() {
        let ds = diags(&component(", namespace: Prod"));
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].code, Code::EntityInvalidNamespace);
        assert!(ds[0].message.contains("but found \"Prod\""));
        assert!(ds[0].help.as_deref().unwrap().contains("`prod`"));
        assert_eq!(ds[0].entity.as_deref(), Some("component:prod/x"));
        assert!(run(&component(", namespace: team-a")).is_ok());
    }

    // FieldFormatEntityPolicy tags with isValidTag; spec/catalog.md §4 consequences.
    #[test]
    fn invalid_tags() {
        let ds = diags(&component(
            ", tags: [java, Java, \"go 1.15.3\", Bad_Tag, c++]",
        ));
        let fields: Vec<_> = ds
            .iter()
            .map(|d| (d.code, d.message.split('"').nth(1).unwrap_or("")))
            .collect();
        assert_eq!(
            fields,
            vec![
                (Code::EntityInvalidTag, "tags.1"),
                (Code::EntityInvalidTag, "tags.2"),
                (Code::EntityInvalidTag, "tags.3"),
            ]
        );
        assert!(ds[1].message.contains(
            "expected a string that is sequences of [a-z0-9+#] separated by [-], at most 63 characters in total but found \"go 1.15.3\""
        ));
        let help = ds[0].help.as_deref().unwrap();
        assert!(
            help.starts_with("tags are lower case: a-z 0-9 + # : separated by single -"),
            "{help}"
        );
        assert!(help.contains("`java`"));
        assert!(ds[1].help.as_deref().unwrap().contains("`go-1-15-3`"));
        assert!(ds[2].help.as_deref().unwrap().contains("`bad-tag`"));
    }

    // EntityMeta.schema.json tags items minLength 1 (schema, not the format rule).
    #[test]
    fn empty_tag_is_a_schema_error() {
        let ds = diags(&component(", tags: ['']"));
        assert_eq!(ds.len(), 1, "{ds:?}");
        assert_eq!(ds[0].code, Code::EntityInvalidMetadata);
        assert_eq!(
            ds[0].message,
            "Malformed envelope, /metadata/tags/0 must NOT have fewer than 1 characters"
        );
    }

    // FieldFormatEntityPolicy links: isValidUrl for url, isNonEmptyString for title/icon.
    #[test]
    fn invalid_links() {
        let ds = diags(&component(
            ", links: [{url: /relative}, {url: example.com}, {url: 'https://ok.example', title: ' ', icon: ''}, {title: t}]",
        ));
        let got: Vec<_> = ds.iter().map(|d| (d.code, d.message.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Code::EntityInvalidMetadata, "Malformed envelope, /metadata/links/2/icon must NOT have fewer than 1 characters"),
                (Code::EntityInvalidMetadata, "Malformed envelope, /metadata/links/3 must have required property 'url'"),
                (
                    Code::EntityInvalidLink,
                    adr("\"links.0.url\" is not valid; expected a string that is a valid url but found \"/relative\".").as_str()
                ),
                (
                    Code::EntityInvalidLink,
                    adr("\"links.1.url\" is not valid; expected a string that is a valid url but found \"example.com\".").as_str()
                ),
                (
                    Code::EntityInvalidLink,
                    adr("\"links.2.title\" is not valid; expected a non empty string but found \" \".").as_str()
                ),
            ]
        );
        assert!(
            run(&component(
                ", links: [{url: 'https://a.example', title: Admin, icon: dashboard, type: admin}]"
            ))
            .is_ok()
        );
    }

    // EntityMeta.schema.json annotations: values must be strings (`true`, `1` rejected).
    #[test]
    fn annotation_values_must_be_strings() {
        let ds = diags(&component(
            ", annotations: {x: true, y: 1, backstage.io/z: 1.5, ok: 'true'}",
        ));
        let got: Vec<_> = ds.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            got,
            vec![
                "Malformed envelope, /metadata/annotations/x must be string",
                "Malformed envelope, /metadata/annotations/y must be string",
                // Ajv's instancePath is a JSON pointer: `/` in a key is `~1`.
                "Malformed envelope, /metadata/annotations/backstage.io~1z must be string",
            ]
        );
        assert!(ds.iter().all(|d| d.code == Code::EntityInvalidMetadata));
        assert!(ds[0].help.as_deref().unwrap().contains("\"true\""));
        assert!(ds[1].help.as_deref().unwrap().contains("\"1\""));
    }

    // FieldFormatEntityPolicy annotations: key isValidAnnotationKey, at the key.
    #[test]
    fn invalid_annotation_key() {
        let ds = diags(&component(
            ", annotations: {a/b/c: v, 'backstage.io/techdocs-ref': 'dir:.'}",
        ));
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].code, Code::EntityInvalidAnnotation);
        assert_eq!(
            ds[0].message,
            adr(
                "\"annotations.a/b/c\" is not valid; expected a valid prefix and/or suffix but found \"a/b/c\"."
            )
        );
        assert_eq!(start(&ds[0]), (3, 35));
    }

    // FieldFormatEntityPolicy labels: key isValidLabelKey, value isValidLabelValue (empty allowed).
    #[test]
    fn labels() {
        assert!(
            run(&component(
                ", labels: {example.com/custom: custom_label_value, empty: '', goVersion: go1.15.3}"
            ))
            .is_ok()
        );
        let ds = diags(&component(", labels: {Example.com/x: v, ok: a b, n: 5}"));
        let got: Vec<_> = ds
            .iter()
            .map(|d| (d.code, d.message.split(" but ").next().unwrap_or("")))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Code::EntityInvalidMetadata,
                    "Malformed envelope, /metadata/labels/n must be string"
                ),
                (
                    Code::EntityInvalidLabel,
                    "\"labels.Example.com/x\" is not valid; expected a valid prefix and/or suffix"
                ),
                (
                    Code::EntityInvalidLabel,
                    &format!("\"labels.ok\" is not valid; expected {NAME_EXPECTATION}")
                ),
            ]
        );
    }

    // NoForeignRootFieldsEntityPolicy (relations, status) and Entity.schema.json
    // additionalProperties: false (anything else).
    #[test]
    fn root_unknown_fields() {
        let text = format!(
            "{}status: {{items: []}}\nrelations: []\nextra: 1\n",
            component("")
        );
        let ds = diags(&text);
        let got: Vec<_> = ds
            .iter()
            .map(|d| (d.code, d.message.as_str(), start(d)))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Code::EntityUnknownField,
                    "Malformed envelope, <root> must NOT have additional properties",
                    (7, 1)
                ),
                (Code::EntityUnknownField, "Unknown field status", (5, 1)),
                (Code::EntityUnknownField, "Unknown field relations", (6, 1)),
            ]
        );
        let d = diags(&format!("{}specs: {{}}\n", component("")));
        assert!(
            d[0].help
                .as_deref()
                .unwrap()
                .contains("did you mean `spec`?")
        );
    }

    // spec/catalog.md §2: uid and etag are ignored; metadata allows extra keys.
    #[test]
    fn metadata_extra_keys_allowed() {
        let meta =
            ", uid: 123e4567, etag: abc, generation: 1, custom: {any: [thing]}, description: ''";
        assert_eq!(run(&component(meta)), Ok(Kind::Component));
    }

    // EntityMeta.schema.json type checks of title, description, tags, labels.
    #[test]
    fn metadata_types() {
        let ds = messages(&component(
            ", title: '', description: 5, tags: java, labels: [a], links: {url: x}",
        ));
        assert_eq!(
            ds,
            vec![
                "Malformed envelope, /metadata/title must NOT have fewer than 1 characters",
                "Malformed envelope, /metadata/description must be string",
                "Malformed envelope, /metadata/labels must be object",
                "Malformed envelope, /metadata/tags must be array",
                "Malformed envelope, /metadata/links must be array",
            ]
        );
    }

    // FieldFormatEntityPolicy apiVersion with isValidApiVersion: `1.0` fails
    // and the kind validators are not asked (no second error).
    #[test]
    fn invalid_api_version_format() {
        let ds = diags(&entity("'1.0'", "Component", "", COMPONENT_SPEC));
        assert_eq!(ds.len(), 1, "{ds:?}");
        assert_eq!(ds[0].code, Code::EntityInvalidApiVersion);
        assert_eq!(
            ds[0].message,
            adr(
                "\"apiVersion\" is not valid; expected a valid prefix and/or suffix but found \"1.0\"."
            )
        );
    }

    // FieldFormatEntityPolicy kind with isValidKind.
    #[test]
    fn invalid_kind_format() {
        let ds = diags(&entity(CORE, "My-Kind", "", COMPONENT_SPEC));
        assert_eq!(ds.len(), 1, "{ds:?}");
        assert_eq!(ds[0].code, Code::EntityInvalidKind);
        assert!(ds[0].message.contains(
            "expected a string that is a sequence of [a-zA-Z][a-z0-9A-Z], at most 63 characters in total but found \"My-Kind\""
        ));
    }

    // spec/catalog.md §3: one pass reports every failure, in the pipeline's order
    // (schema, foreign root fields, field formats, kind validator).
    #[test]
    fn all_failures_in_pipeline_order() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x, tags: [Java], title: 1}\nspec: {type: service}\nstatus: {}\n";
        let got = codes(text);
        assert_eq!(
            got,
            vec![
                Code::EntityInvalidMetadata,
                Code::EntityUnknownField,
                Code::EntityInvalidTag,
                Code::EntityInvalidSpec,
                Code::EntityInvalidSpec,
            ]
        );
    }

    // Every diagnostic carries help and the canonical ref (namespace default when absent).
    #[test]
    fn every_diagnostic_has_help_and_entity() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: Web, tags: [A], labels: {a b: c}, annotations: {x: 1}, links: [{url: x}]}\nspec: {type: 1, owner: [a], providesApis: a}\nrelations: []\n";
        let ds = diags(text);
        assert!(ds.len() >= 7, "{ds:?}");
        for d in &ds {
            assert!(d.help.as_deref().is_some_and(|h| !h.is_empty()), "{d:?}");
            assert_eq!(d.entity.as_deref(), Some("component:default/web"), "{d:?}");
            assert!(d.span.is_some());
        }
    }

    // No panics and no acceptance for hostile shapes.
    #[test]
    fn odd_shapes_are_rejected_without_panic() {
        let inputs = [
            "- a\n",
            "just text\n",
            "{}\n",
            "apiVersion: [a]\nkind: {b: c}\nmetadata: 1\n",
            "apiVersion: v1\nkind: Component\nmetadata: {name: [x], namespace: {a: b}, labels: 1, annotations: [], links: [1, {url: [x]}]}\nspec: []\n",
            "apiVersion: ~\nkind: ~\nmetadata: ~\nspec: ~\n",
        ];
        for text in inputs {
            let root = parse(text);
            assert!(check_envelope(&root).is_err(), "{text}");
            let ds = validate(&root, &ValidateOptions { custom_kinds: &[] }).unwrap_err();
            assert!(!ds.is_empty(), "{text}");
        }
    }

    // ---- §3 step 4 and §6: kind validators ----

    // entityKindSchemaValidator: no validator accepts an unknown kind; kinds are exact-case.
    #[test]
    fn unknown_kind_case_sensitive() {
        let ds = diags(&entity(CORE, "component", "", COMPONENT_SPEC));
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].code, Code::EntityUnknownKind);
        assert_eq!(
            ds[0].message,
            "No processor recognized the entity component:default/x as valid, possibly caused by a foreign kind or apiVersion"
        );
        assert_eq!(start(&ds[0]), (2, 7));
        let help = ds[0].help.as_deref().unwrap();
        assert!(
            help.contains("kinds are case-sensitive: did you mean `Component`?"),
            "{help}"
        );
        assert!(
            help.contains("catalog.custom_kinds in backlot.yaml"),
            "{help}"
        );
    }

    // spec/catalog.md §6.11: unreleased kinds (Environment) are unknown.
    #[test]
    fn unreleased_kind_is_unknown() {
        assert_eq!(
            codes(&with_spec("Environment", "{}")),
            vec![Code::EntityUnknownKind]
        );
    }

    // Component.v1alpha1.schema.json apiVersion enum: a mismatch means "not mine".
    #[test]
    fn known_kind_with_foreign_api_version() {
        let ds = diags(&entity("backstage.io/v2", "Component", "", "spec: {}\n"));
        assert_eq!(ds.len(), 1, "the spec is not checked then: {ds:?}");
        assert_eq!(ds[0].code, Code::EntityInvalidApiVersion);
        assert!(
            ds[0]
                .message
                .starts_with("No processor recognized the entity component:default/x")
        );
        assert!(
            ds[0]
                .help
                .as_deref()
                .unwrap()
                .contains("backstage.io/v1alpha1 or backstage.io/v1beta1")
        );
    }

    // Template.v1beta3.schema.json apiVersion enum: v1beta2 templates are refused.
    #[test]
    fn template_v1beta2_refused() {
        let ds = diags(&entity(
            "backstage.io/v1beta2",
            "Template",
            "",
            "spec: {type: service, steps: []}\n",
        ));
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].code, Code::EntityInvalidApiVersion);
        assert!(
            ds[0]
                .help
                .as_deref()
                .unwrap()
                .contains("scaffolder.backstage.io/v1beta3")
        );
    }

    // AiResource.v1alpha1.schema.json apiVersion enum: v1alpha1 only.
    #[test]
    fn ai_resource_v1beta1_refused() {
        let text = entity(
            "backstage.io/v1beta1",
            "AiResource",
            "",
            "spec: {type: skill, lifecycle: production, owner: a}\n",
        );
        assert_eq!(codes(&text), vec![Code::EntityInvalidApiVersion]);
    }

    // Kind schemas `required: ["spec"]`, at the entity root.
    #[test]
    fn spec_required_for_built_in_kinds() {
        for kind in [
            "Component",
            "API",
            "Resource",
            "System",
            "Domain",
            "Group",
            "User",
            "Location",
        ] {
            let ds = diags(&entity(CORE, kind, "", ""));
            assert_eq!(ds.len(), 1, "{kind}");
            assert_eq!(
                ds[0].message,
                "<root> must have required property 'spec' - missingProperty: spec"
            );
            assert_eq!(ds[0].code, Code::EntityInvalidSpec);
            assert_eq!(start(&ds[0]), (1, 1));
        }
    }

    // Entity.schema.json spec type object, reported once.
    #[test]
    fn spec_must_be_object() {
        assert_eq!(
            messages(&with_spec("Component", "[a]")),
            vec!["Malformed envelope, /spec must be object"]
        );
    }

    // Component.v1alpha1.schema.json required type, lifecycle, owner.
    #[test]
    fn component_required() {
        let ds = diags(&with_spec(
            "Component",
            "{type: service, lifecycle: production}",
        ));
        assert_eq!(ds.len(), 1);
        assert_eq!(
            ds[0].message,
            "/spec must have required property 'owner' - missingProperty: owner"
        );
        assert_eq!(start(&ds[0]), (4, 7));
        assert!(ds[0].help.as_deref().unwrap().contains("owner: team-a"));
        assert_eq!(
            messages(&with_spec("Component", "{}")),
            vec![
                "/spec must have required property 'type' - missingProperty: type",
                "/spec must have required property 'lifecycle' - missingProperty: lifecycle",
                "/spec must have required property 'owner' - missingProperty: owner",
            ]
        );
    }

    // Component.v1alpha1.schema.json: refs are strings, ref lists arrays of strings, minLength 1.
    #[test]
    fn component_field_types() {
        let spec = "{type: '', lifecycle: production, owner: [a], system: 5, providesApis: a, dependsOn: ['', b]}";
        assert_eq!(
            messages(&with_spec("Component", spec)),
            vec![
                "/spec/type must NOT have fewer than 1 characters - limit: 1",
                "/spec/owner must be string - type: string",
                "/spec/system must be string - type: string",
                "/spec/providesApis must be array - type: array",
                "/spec/dependsOn/0 must NOT have fewer than 1 characters - limit: 1",
            ]
        );
        let ds = diags(&with_spec(
            "Component",
            "{type: s, lifecycle: l, owner: o, providesApis: a}",
        ));
        assert!(
            ds[0]
                .help
                .as_deref()
                .unwrap()
                .contains("`providesApis: [a]`")
        );
    }

    // spec/catalog.md §3: kind schemas allow unknown spec fields (dependencyOf is honoured, not checked).
    #[test]
    fn unknown_spec_fields_allowed() {
        let spec = "{type: s, lifecycle: l, owner: o, dependencyOf: 5, whatever: {a: 1}}";
        assert_eq!(run(&with_spec("Component", spec)), Ok(Kind::Component));
    }

    // API.v1alpha1.schema.json: definition required (a string; placeholders are substituted before).
    #[test]
    fn api_definition() {
        assert_eq!(
            run(&with_spec(
                "API",
                "{type: openapi, lifecycle: production, owner: a, definition: 'openapi: 3.0.0'}"
            )),
            Ok(Kind::Api)
        );
        assert_eq!(
            messages(&with_spec(
                "API",
                "{type: openapi, lifecycle: production, owner: a}"
            )),
            vec!["/spec must have required property 'definition' - missingProperty: definition"]
        );
        assert_eq!(
            messages(&with_spec(
                "API",
                "{type: openapi, lifecycle: production, owner: a, definition: {$text: ./x.yaml}}"
            )),
            vec!["/spec/definition must be string - type: string"]
        );
    }

    // API.v1alpha1.mcp-server.schema.json (model mode): remotes instead of definition.
    #[test]
    fn api_mcp_server() {
        let ok = "{type: mcp-server, lifecycle: experimental, owner: team-a, remotes: [{type: streamable-http, url: 'http://localhost:7007/api/mcp/v1'}]}";
        assert_eq!(run(&with_spec("API", ok)), Ok(Kind::Api));
        assert_eq!(
            messages(&with_spec(
                "API",
                "{type: mcp-server, lifecycle: experimental, owner: a}"
            )),
            vec!["/spec must have required property 'remotes' - missingProperty: remotes"]
        );
        assert_eq!(
            messages(&with_spec(
                "API",
                "{type: mcp-server, lifecycle: experimental, owner: a, remotes: []}"
            )),
            vec!["/spec/remotes must NOT have fewer than 1 items - limit: 1"]
        );
        assert_eq!(
            messages(&with_spec(
                "API",
                "{type: mcp-server, lifecycle: e, owner: a, remotes: [{type: sse}, x]}"
            )),
            vec![
                "/spec/remotes/0 must have required property 'url' - missingProperty: url",
                "/spec/remotes/1 must be object - type: object",
            ]
        );
    }

    // Resource.v1alpha1.schema.json required type, owner.
    #[test]
    fn resource_required() {
        assert_eq!(
            run(&with_spec(
                "Resource",
                "{type: database, owner: a, dependsOn: [resource:b]}"
            )),
            Ok(Kind::Resource)
        );
        assert_eq!(
            messages(&with_spec("Resource", "{system: s}")),
            vec![
                "/spec must have required property 'type' - missingProperty: type",
                "/spec must have required property 'owner' - missingProperty: owner",
            ]
        );
    }

    // System.v1alpha1.schema.json and Domain.v1alpha1.schema.json: owner required.
    #[test]
    fn system_and_domain_required() {
        assert_eq!(
            run(&with_spec("System", "{owner: a, domain: d, type: t}")),
            Ok(Kind::System)
        );
        assert_eq!(
            run(&with_spec("Domain", "{owner: a, subdomainOf: d}")),
            Ok(Kind::Domain)
        );
        for kind in ["System", "Domain"] {
            assert_eq!(
                messages(&with_spec(kind, "{}")),
                vec!["/spec must have required property 'owner' - missingProperty: owner"]
            );
        }
        assert_eq!(
            messages(&with_spec("System", "{owner: a, domain: [d]}")),
            vec!["/spec/domain must be string - type: string"]
        );
        assert_eq!(
            messages(&with_spec("Domain", "{owner: a, subdomainOf: 1}")),
            vec!["/spec/subdomainOf must be string - type: string"]
        );
    }

    // Group.v1alpha1.schema.json: type and children required; children may be [].
    #[test]
    fn group_required() {
        assert_eq!(
            run(&with_spec("Group", "{type: team, children: []}")),
            Ok(Kind::Group)
        );
        assert_eq!(
            messages(&with_spec("Group", "{type: team}")),
            vec!["/spec must have required property 'children' - missingProperty: children"]
        );
        assert_eq!(
            messages(&with_spec(
                "Group",
                "{children: [], profile: {email: 5}, members: [1]}"
            )),
            vec![
                "/spec must have required property 'type' - missingProperty: type",
                "/spec/profile/email must be string - type: string",
                "/spec/members/0 must be string - type: string",
            ]
        );
    }

    // User.v1alpha1.schema.json: memberOf required; may be [].
    #[test]
    fn user_required() {
        assert_eq!(run(&with_spec("User", "{memberOf: []}")), Ok(Kind::User));
        let ds = diags(&with_spec("User", "{profile: {displayName: Jenny}}"));
        assert_eq!(
            ds[0].message,
            "/spec must have required property 'memberOf' - missingProperty: memberOf"
        );
        assert!(ds[0].help.as_deref().unwrap().contains("memberOf: []"));
    }

    // Location.v1alpha1.schema.json: all optional; presence required|optional.
    #[test]
    fn location_fields() {
        assert_eq!(run(&with_spec("Location", "{}")), Ok(Kind::Location));
        assert_eq!(
            run(&with_spec(
                "Location",
                "{type: file, target: ./a.yaml, targets: [./b.yaml], presence: optional}"
            )),
            Ok(Kind::Location)
        );
        assert_eq!(
            messages(&with_spec(
                "Location",
                "{target: 5, targets: ./b.yaml, presence: maybe}"
            )),
            vec![
                "/spec/target must be string - type: string",
                "/spec/targets must be array - type: array",
                "/spec/presence must be equal to one of the allowed values - allowedValues: required,optional",
            ]
        );
    }

    fn template(spec: &str) -> String {
        entity(
            "scaffolder.backstage.io/v1beta3",
            "Template",
            "",
            &format!("spec: {spec}\n"),
        )
    }

    // Template.v1beta3.schema.json: type and steps required; steps need action.
    #[test]
    fn template_steps() {
        assert_eq!(
            run(&template(
                "{type: service, owner: a, steps: [{id: f, name: Fetch, action: 'fetch:template', input: {url: ./t}, if: true}]}"
            )),
            Ok(Kind::Template)
        );
        assert_eq!(
            messages(&template("{owner: a}")),
            vec![
                "/spec must have required property 'type' - missingProperty: type",
                "/spec must have required property 'steps' - missingProperty: steps",
            ]
        );
        assert_eq!(
            messages(&template(
                "{type: s, steps: [{id: a}, fetch, {action: x, input: 1, if: 2}]}"
            )),
            vec![
                "/spec/steps/0 must have required property 'action' - missingProperty: action",
                "/spec/steps/1 must be object - type: object",
                "/spec/steps/2/input must be object - type: object",
                "/spec/steps/2/if must be string,boolean - type: string,boolean",
            ]
        );
        assert_eq!(
            messages(&template("{type: s, steps: {a: 1}}")),
            vec!["/spec/steps must be array - type: array"]
        );
    }

    // Template.v1beta3.schema.json parameters: oneOf object | array of objects.
    #[test]
    fn template_parameters() {
        assert!(
            run(&template(
                "{type: s, steps: [], parameters: {title: A, properties: {}}}"
            ))
            .is_ok()
        );
        assert!(
            run(&template(
                "{type: s, steps: [], parameters: [{title: A}, {title: B}]}"
            ))
            .is_ok()
        );
        assert_eq!(
            messages(&template(
                "{type: s, steps: [], parameters: [{title: A}, page]}"
            )),
            vec!["/spec/parameters/1 must be object - type: object"]
        );
        assert_eq!(
            messages(&template("{type: s, steps: [], parameters: 5}")),
            vec!["/spec/parameters must match exactly one schema in oneOf - passingSchemas: null"]
        );
        assert_eq!(
            messages(&template(
                "{type: s, steps: [], parameters: {'backstage:permissions': {tags: a}}}"
            )),
            vec!["/spec/parameters/backstage:permissions/tags must be array - type: array"]
        );
    }

    // Template.v1beta3.schema.json output: links/text item shapes, other keys strings.
    #[test]
    fn template_output() {
        let ok = "{type: s, steps: [], output: {links: [{title: Repo, url: 'https://x.example', if: '${{ a }}'}, {entityRef: 'component:a'}], text: [{title: T, content: ''}], catalogInfoUrl: '${{ steps.x.output.y }}'}}";
        assert!(run(&template(ok)).is_ok());
        assert_eq!(
            messages(&template(
                "{type: s, steps: [], output: {links: [{url: ''}, x], text: {}, other: 1}}"
            )),
            vec![
                "/spec/output/links/0/url must NOT have fewer than 1 characters - limit: 1",
                "/spec/output/links/1 must be object - type: object",
                "/spec/output/text must be array - type: array",
                "/spec/output/other must be string - type: string",
            ]
        );
    }

    fn ai(spec: &str) -> String {
        with_spec("AiResource", spec)
    }

    // AiResource.v1alpha1.*.schema.json chosen by spec.type; other types use the base schema.
    #[test]
    fn ai_resource_types() {
        assert_eq!(
            run(&ai(
                "{type: skill, lifecycle: production, owner: a, disciplines: [web], agents: [claude-code], dependsOn: [airesource:b]}"
            )),
            Ok(Kind::AiResource)
        );
        assert_eq!(
            run(&ai("{type: prompt, lifecycle: production, owner: a}")),
            Ok(Kind::AiResource)
        );
        assert_eq!(
            messages(&ai("{type: rule, lifecycle: production, owner: a}")),
            vec![
                "/spec must have required property 'category' - missingProperty: category",
                "/spec must have required property 'rationale' - missingProperty: rationale",
            ]
        );
        assert_eq!(
            messages(&ai(
                "{type: plugin, lifecycle: production, owner: a, version: ''}"
            )),
            vec![
                "/spec must have required property 'skills' - missingProperty: skills",
                "/spec/version must NOT have fewer than 1 characters - limit: 1",
            ]
        );
        assert_eq!(
            messages(&ai("{type: marketplace, lifecycle: production, owner: a}")),
            vec!["/spec must have required property 'plugins' - missingProperty: plugins"]
        );
        assert_eq!(
            messages(&ai("{type: skill, owner: a, categories: web}")),
            vec![
                "/spec must have required property 'lifecycle' - missingProperty: lifecycle",
                "/spec/categories must be array - type: array",
            ]
        );
    }

    // AiResource skill compatibility maxLength 500, counted in UTF-16 units.
    #[test]
    fn ai_skill_compatibility_length() {
        let with = |c: &str| {
            ai(&format!(
                "{{type: skill, lifecycle: l, owner: a, compatibility: \"{c}\"}}"
            ))
        };
        assert!(run(&with(&"😀".repeat(250))).is_ok());
        let ds = diags(&with(&"😀".repeat(251)));
        assert_eq!(ds.len(), 1);
        assert_eq!(
            ds[0].message,
            "/spec/compatibility must NOT have more than 500 characters - limit: 500"
        );
    }

    fn custom(kind: &str, api_versions: &[&str]) -> CustomKind {
        CustomKind {
            kind: kind.to_string(),
            api_versions: api_versions.iter().map(|s| s.to_string()).collect(),
        }
    }

    // spec/catalog.md §6.11: other kinds only through configuration (catalog.custom_kinds).
    #[test]
    fn custom_kinds() {
        let text = entity("example.com/v1", "Environment", "", "");
        let any = [custom("Environment", &[])];
        assert_eq!(
            run_with(&text, &any),
            Ok(Kind::Custom),
            "spec is optional for custom kinds"
        );
        assert_eq!(
            run_with(&format!("{text}spec: {{a: 1}}\n"), &any),
            Ok(Kind::Custom)
        );
        let ds = run_with(&format!("{text}spec: 1\n"), &any).unwrap_err();
        assert_eq!(ds[0].message, "Malformed envelope, /spec must be object");

        let pinned = [custom("Environment", &["example.com/v2"])];
        let ds = run_with(&text, &pinned).unwrap_err();
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].code, Code::EntityInvalidApiVersion);
        assert!(ds[0].help.as_deref().unwrap().contains("example.com/v2"));
        assert_eq!(
            run_with(&text.replace("/v1", "/v2"), &pinned),
            Ok(Kind::Custom)
        );

        // Exact kind names, as for built-in kinds.
        let ds = run_with(&text.replace("Environment", "environment"), &any).unwrap_err();
        assert_eq!(ds[0].code, Code::EntityUnknownKind);
        assert!(ds[0].help.as_deref().unwrap().contains("`Environment`"));
        // Field formats still apply to custom kinds.
        let ds = run_with(&text.replace("name: x", "name: -x"), &any).unwrap_err();
        assert_eq!(ds[0].code, Code::EntityInvalidName);
    }
}
