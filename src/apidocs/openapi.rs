//! OpenAPI definitions (Swagger 2.0, OpenAPI 3.0 and 3.1) → one model.
//!
//! Backstage shows `openapi` APIs with Swagger UI; this reader produces the
//! same content as plain data for a static page: info, servers, operations
//! grouped by tag (Swagger UI's order), parameters, request bodies,
//! responses, component schemas and security schemes. The three versions
//! differ mostly in where things are written, so they are normalized into
//! the 3.x shapes:
//!
//! - 2.0 `schemes` + `host` + `basePath` become server URLs;
//! - a 2.0 `in: body` parameter becomes the request body, `in: formData`
//!   parameters a form request body (one object schema, one property per
//!   field), each for the operation's `consumes` media types;
//! - a 2.0 response `schema` is listed under each `produces` media type;
//! - 2.0 `definitions` are the component schemas and `securityDefinitions`
//!   the security schemes (`basic` → `http`/`basic`, flow names as in 3.x).
//!
//! Not read: callbacks, links, operation-level servers, XML objects,
//! specification extensions (`x-...`). Nothing is fetched: references to
//! other files or URLs are listed in [`OpenApi::external_refs`].

use serde::Serialize;

use super::schema::{
    Anchors, Ctx, Deref, MissingRef, NamedSchema, Schema, example_text, parse, plain_text,
    wrong_type,
};
use super::{Problem, ProblemKind};
use crate::model::yaml::{Map, Node, Value};
use crate::source::Pos;

/// HTTP methods of a Path Item Object, in the order the spec lists them
/// (OpenAPI 3.1 §4.8.9).
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A whole OpenAPI definition.
#[derive(Debug, Clone, Serialize)]
pub struct OpenApi {
    /// The version as written: `2.0`, `3.0.3`, `3.1.0`.
    pub spec_version: String,
    pub info: Info,
    pub external_docs: Option<ExternalDocs>,
    pub servers: Vec<Server>,
    /// Every operation of `paths`, in source order (paths, then methods as
    /// written); anchors are unique in the document. Search indexes these.
    pub operations: Vec<Operation>,
    /// The operations by tag, as Swagger UI lists them: the tags of the
    /// top-level `tags` list in its order, then tags used by operations but
    /// not declared, in first-use order, then operations without a tag in a
    /// group named `default`. An operation with several tags is in each of
    /// their groups. Groups without operations are left out.
    pub groups: Vec<TagGroup>,
    /// OpenAPI 3.1 `webhooks`: requests the API sends; `path` is the
    /// webhook's name.
    pub webhooks: Vec<Operation>,
    /// `components.schemas` (2.0: `definitions`), in source order.
    pub schemas: Vec<NamedSchema>,
    /// `components.securitySchemes` (2.0: `securityDefinitions`).
    pub security_schemes: Vec<SecurityScheme>,
    /// Top-level `security`: applies to operations that set none.
    pub security: Vec<SecurityRequirement>,
    /// References to other files or URLs, which were not fetched, in
    /// first-use order.
    pub external_refs: Vec<String>,
}

/// The Info Object (shared with AsyncAPI).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Info {
    pub title: String,
    pub version: String,
    /// OpenAPI 3.1 one-line summary.
    pub summary: Option<String>,
    /// Raw Markdown.
    pub description: Option<String>,
    pub terms_of_service: Option<String>,
    pub contact: Option<Contact>,
    pub license: Option<License>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Contact {
    pub name: Option<String>,
    pub url: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct License {
    pub name: Option<String>,
    pub url: Option<String>,
    /// SPDX expression (OpenAPI 3.1).
    pub identifier: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExternalDocs {
    pub url: String,
    /// Raw Markdown.
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Server {
    /// May contain `{variable}` placeholders.
    pub url: String,
    pub description: Option<String>,
    pub variables: Vec<ServerVariable>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerVariable {
    pub name: String,
    pub default: Option<String>,
    pub enum_values: Vec<String>,
    pub description: Option<String>,
}

/// Operations sharing a tag.
#[derive(Debug, Clone, Serialize)]
pub struct TagGroup {
    pub name: String,
    pub anchor: String,
    /// Raw Markdown, from the top-level `tags` list.
    pub description: Option<String>,
    pub external_docs: Option<ExternalDocs>,
    /// Indices into [`OpenApi::operations`].
    pub operations: Vec<usize>,
    /// The group of operations without tags (named `default`).
    pub untagged: bool,
}

/// One method of one path (or of one webhook).
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// Unique in the document: `op-` + operationId, else
    /// `op-method-path` (webhooks: `webhook-...`), URL-safe.
    pub anchor: String,
    /// Lowercase, as written: `get`, `post`, ...
    pub method: String,
    /// The path template (`/pets/{petId}`), or the webhook's name.
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    /// Raw Markdown.
    pub description: Option<String>,
    pub deprecated: bool,
    pub tags: Vec<String>,
    pub external_docs: Option<ExternalDocs>,
    /// Path-level parameters merged with the operation's (an operation
    /// parameter replaces a path-level one with the same name and `in`).
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    /// In source order; `default` where it was written.
    pub responses: Vec<Response>,
    /// The requirements that apply: the operation's own, else the
    /// top-level ones. Any one of them suffices; an empty list means no
    /// authentication.
    pub security: Vec<SecurityRequirement>,
    /// `security` was set on the operation itself.
    pub security_overridden: bool,
    /// Where the operation is written in the definition.
    pub pos: Pos,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Parameter {
    pub name: String,
    /// `path`, `query`, `header` or `cookie` (`in` in the definition).
    pub location: String,
    pub required: bool,
    pub deprecated: bool,
    /// Raw Markdown.
    pub description: Option<String>,
    /// The value's schema (2.0: built from the parameter's own `type`,
    /// `format`, `items`, `enum`...).
    pub schema: Option<Schema>,
    /// JSON text of `example` and of each `examples` entry.
    pub examples: Vec<Example>,
    /// Set when the parameter is a `$ref` that was not followed.
    pub missing_ref: Option<MissingRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RequestBody {
    /// Raw Markdown.
    pub description: Option<String>,
    pub required: bool,
    pub content: Vec<MediaType>,
    pub missing_ref: Option<MissingRef>,
}

/// One media type of a body (`application/json`...).
#[derive(Debug, Clone, Serialize)]
pub struct MediaType {
    pub media_type: String,
    pub schema: Option<Schema>,
    pub examples: Vec<Example>,
}

/// An example value: `example` (no name) or an entry of `examples`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Example {
    pub name: Option<String>,
    pub summary: Option<String>,
    /// Raw Markdown.
    pub description: Option<String>,
    /// Pretty JSON text (strings as written), possibly truncated.
    pub value: Option<String>,
    /// A URL where the example lives; not fetched.
    pub external_value: Option<String>,
    pub missing_ref: Option<MissingRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Response {
    /// `200`, `4XX`, `default`...
    pub status: String,
    /// Raw Markdown.
    pub description: Option<String>,
    pub headers: Vec<Header>,
    pub content: Vec<MediaType>,
    pub missing_ref: Option<MissingRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Header {
    pub name: String,
    /// Raw Markdown.
    pub description: Option<String>,
    pub required: bool,
    pub deprecated: bool,
    pub schema: Option<Schema>,
    pub missing_ref: Option<MissingRef>,
}

/// A security scheme (shared with AsyncAPI).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SecurityScheme {
    /// The key it is declared under; requirements name it.
    pub name: String,
    pub anchor: String,
    /// `type`: `apiKey`, `http`, `oauth2`, `openIdConnect`, `mutualTLS`
    /// (AsyncAPI adds `userPassword`, `X509`, `httpApiKey`, ...). Swagger
    /// 2.0 `basic` is given as `http` with `scheme: basic`.
    pub kind: String,
    /// Raw Markdown.
    pub description: Option<String>,
    /// `http`: the HTTP auth scheme (`basic`, `bearer`).
    pub scheme: Option<String>,
    pub bearer_format: Option<String>,
    /// `apiKey`: where the key goes (`header`, `query`, `cookie`; AsyncAPI
    /// `user`, `password`).
    pub location: Option<String>,
    /// `apiKey`: the header/query/cookie name.
    pub param_name: Option<String>,
    pub open_id_connect_url: Option<String>,
    pub flows: Vec<OAuthFlow>,
    pub missing_ref: Option<MissingRef>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Serialize)]
pub struct OAuthFlow {
    /// `implicit`, `password`, `clientCredentials`, `authorizationCode`
    /// (2.0's `application` and `accessCode` are renamed to the latter two).
    pub kind: String,
    pub authorization_url: Option<String>,
    pub token_url: Option<String>,
    pub refresh_url: Option<String>,
    pub scopes: Vec<Scope>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    pub name: String,
    pub description: Option<String>,
}

/// One way to authenticate: all of its schemes together.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityRequirement {
    /// Empty: anonymous access is allowed (`{}` in the definition).
    pub schemes: Vec<RequiredScheme>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequiredScheme {
    pub name: String,
    /// The anchor of the declared scheme, `None` when none has this name.
    pub anchor: Option<String>,
    /// OAuth2/OpenID scopes (3.1: roles for other types).
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Swagger2,
    OpenApi30,
    OpenApi31,
}

/// Reads an OpenAPI definition. `None` only when the text is no usable
/// OpenAPI document (YAML/JSON syntax error, not a mapping, no supported
/// `openapi`/`swagger` version); otherwise the broken parts are skipped and
/// reported.
pub fn read(text: &str) -> (Option<OpenApi>, Vec<Problem>) {
    let root = match parse(text) {
        Ok(root) => root,
        Err(problem) => return (None, vec![problem]),
    };
    let Some(map) = root.as_map() else {
        return (
            None,
            vec![Problem::new(
                root.span.start,
                format!(
                    "an OpenAPI definition must be a mapping, not {}",
                    root.type_name()
                ),
            )],
        );
    };
    let mut ctx = Ctx::new(&root);
    let (dialect, spec_version) = match dialect(&mut ctx, &root, map) {
        Ok(found) => found,
        Err(problem) => return (None, vec![problem]),
    };
    let mut reader = Reader {
        ctx,
        anchors: Anchors::default(),
        dialect,
        scheme_anchors: Vec::new(),
        consumes: Vec::new(),
        produces: Vec::new(),
    };
    let api = reader.document(map, &root, spec_version);
    (Some(api), reader.ctx.into_problems())
}

/// The version keys (OpenAPI 3.1 §4.8.1 `openapi`, Swagger 2.0 `swagger`).
fn dialect(ctx: &mut Ctx, root: &Node, map: &Map) -> Result<(Dialect, String), Problem> {
    if let Some(node) = map.get("openapi") {
        let version = ctx.scalar(map, "openapi").unwrap_or_default();
        let mut parts = version.split('.');
        return match (parts.next(), parts.next()) {
            (Some("3"), Some("0")) => Ok((Dialect::OpenApi30, version)),
            (Some("3"), Some("1")) => Ok((Dialect::OpenApi31, version)),
            (Some("3"), _) => {
                ctx.report(
                    Problem::new(
                        node.span.start,
                        format!("OpenAPI {version} is not known; read as OpenAPI 3.1"),
                    )
                    .help("Backlot reads OpenAPI 2.0, 3.0 and 3.1"),
                );
                Ok((Dialect::OpenApi31, version))
            }
            _ => Err(Problem::new(
                node.span.start,
                format!("OpenAPI version `{version}` is not supported"),
            )
            .help("Backlot reads `swagger: \"2.0\"` and `openapi: 3.0.x` or `3.1.x`")
            .kind(ProblemKind::UnsupportedVersion)),
        };
    }
    if let Some(node) = map.get("swagger") {
        let version = ctx.scalar(map, "swagger").unwrap_or_default();
        return if version == "2.0" || version == "2" {
            Ok((Dialect::Swagger2, "2.0".to_string()))
        } else {
            Err(Problem::new(
                node.span.start,
                format!("Swagger version `{version}` is not supported"),
            )
            .help("Backlot reads `swagger: \"2.0\"` and `openapi: 3.0.x` or `3.1.x`")
            .kind(ProblemKind::UnsupportedVersion))
        };
    }
    Err(Problem::new(
        root.span.start,
        "this is no OpenAPI definition: it has no `openapi` or `swagger` version field",
    )
    .help("start the definition with `openapi: 3.1.0` (or the version it follows)"))
}

struct Reader<'a> {
    ctx: Ctx<'a>,
    anchors: Anchors,
    dialect: Dialect,
    /// Declared security schemes: name → anchor.
    scheme_anchors: Vec<(String, String)>,
    /// Swagger 2.0 document-wide media types.
    consumes: Vec<String>,
    produces: Vec<String>,
}

impl<'a> Reader<'a> {
    fn document(&mut self, map: &'a Map, root: &'a Node, spec_version: String) -> OpenApi {
        let swagger = self.dialect == Dialect::Swagger2;
        let schemas = self.component_schemas(map);
        let security_schemes = self.security_schemes(map);
        let info = match map.get("info") {
            Some(node) => match node.as_map() {
                Some(info) => self.info(info, node),
                None => {
                    self.ctx.report(wrong_type(node, "info", "a mapping"));
                    Info::default()
                }
            },
            None => {
                self.ctx.report(
                    Problem::new(root.span.start, "the definition has no `info`")
                        .help("`info` with `title` and `version` is required"),
                );
                Info::default()
            }
        };
        let external_docs = self.external_docs(map);
        let servers = if swagger {
            self.swagger_servers(map)
        } else {
            self.servers(map)
        };
        if swagger {
            self.consumes = self.ctx.strings(map, "consumes");
            self.produces = self.ctx.strings(map, "produces");
        }
        let security = self.requirements(map).unwrap_or_default();

        let paths = self.ctx.map(map, "paths");
        let webhooks = if self.dialect == Dialect::OpenApi31 {
            self.ctx.map(map, "webhooks")
        } else {
            None
        };
        match self.dialect {
            Dialect::Swagger2 | Dialect::OpenApi30 if map.get("paths").is_none() => {
                self.ctx.report(
                    Problem::new(root.span.start, "the definition has no `paths`")
                        .help("`paths` is required before OpenAPI 3.1; write `paths: {}` for none"),
                )
            }
            Dialect::OpenApi31
                if ["paths", "webhooks", "components"]
                    .iter()
                    .all(|k| map.get(k).is_none()) =>
            {
                self.ctx.report(
                    Problem::new(
                        root.span.start,
                        "the definition has none of `paths`, `webhooks` and `components`",
                    )
                    .help("OpenAPI 3.1 requires at least one of them"),
                )
            }
            _ => {}
        }
        let operations = match paths {
            Some(paths) => self.path_items(paths, &security, "op"),
            None => Vec::new(),
        };
        let webhooks = match webhooks {
            Some(hooks) => self.path_items(hooks, &security, "webhook"),
            None => Vec::new(),
        };
        let groups = self.groups(map, &operations);
        OpenApi {
            spec_version,
            info,
            external_docs,
            servers,
            operations,
            groups,
            webhooks,
            schemas,
            security_schemes,
            security,
            external_refs: std::mem::take(&mut self.ctx.external_refs),
        }
    }

    fn component_schemas(&mut self, map: &'a Map) -> Vec<NamedSchema> {
        let path: &[&str] = if self.dialect == Dialect::Swagger2 {
            &["definitions"]
        } else {
            &["components", "schemas"]
        };
        let Some(schemas) = self.nested_map(map, path) else {
            return Vec::new();
        };
        components(&mut self.ctx, &mut self.anchors, schemas, path)
    }

    /// A mapping under nested keys, reporting a wrong type at any level.
    fn nested_map(&mut self, map: &'a Map, path: &[&str]) -> Option<&'a Map> {
        let mut current = map;
        for key in path {
            current = self.ctx.map(current, key)?;
        }
        Some(current)
    }

    fn security_schemes(&mut self, map: &'a Map) -> Vec<SecurityScheme> {
        let path: &[&str] = if self.dialect == Dialect::Swagger2 {
            &["securityDefinitions"]
        } else {
            &["components", "securitySchemes"]
        };
        let Some(schemes) = self.nested_map(map, path) else {
            return Vec::new();
        };
        let out = security_schemes(&mut self.ctx, &mut self.anchors, schemes);
        self.scheme_anchors = out
            .iter()
            .map(|s| (s.name.clone(), s.anchor.clone()))
            .collect();
        out
    }

    fn info(&mut self, info: &'a Map, node: &Node) -> Info {
        read_info(&mut self.ctx, info, node)
    }

    fn external_docs(&mut self, map: &'a Map) -> Option<ExternalDocs> {
        external_docs(&mut self.ctx, map)
    }

    /// OpenAPI 3.x §4.8.5 Server Object.
    fn servers(&mut self, map: &'a Map) -> Vec<Server> {
        let mut out = Vec::new();
        for node in self.ctx.seq(map, "servers").unwrap_or_default() {
            let Some(server) = node.as_map() else {
                self.ctx
                    .report(wrong_type(node, "servers", "a list of mappings"));
                continue;
            };
            let Some(url) = self.ctx.string(server, "url") else {
                self.ctx
                    .report(Problem::new(node.span.start, "a server has no `url`"));
                continue;
            };
            out.push(Server {
                url,
                description: self.ctx.string(server, "description"),
                variables: server_variables(&mut self.ctx, server),
            });
        }
        out
    }

    /// Swagger 2.0 §"Swagger Object": one URL per scheme; without
    /// `schemes` or `host` the spec means "the one serving the definition",
    /// which a static page cannot know, so the URL stays scheme- or
    /// host-relative.
    fn swagger_servers(&mut self, map: &'a Map) -> Vec<Server> {
        let host = self.ctx.string(map, "host");
        let base = self.ctx.string(map, "basePath").unwrap_or_default();
        let schemes = self.ctx.strings(map, "schemes");
        if host.is_none() && map.get("basePath").is_none() {
            return Vec::new();
        }
        let server = |url: String| Server {
            url,
            description: None,
            variables: Vec::new(),
        };
        match host {
            Some(host) if schemes.is_empty() => vec![server(format!("//{host}{base}"))],
            Some(host) => schemes
                .iter()
                .map(|s| server(format!("{s}://{host}{base}")))
                .collect(),
            None => vec![server(if base.is_empty() { "/".into() } else { base })],
        }
    }

    /// `security`: `None` when absent. OpenAPI 3.1 §4.8.30.
    fn requirements(&mut self, map: &'a Map) -> Option<Vec<SecurityRequirement>> {
        let list = self.ctx.seq(map, "security")?;
        Some(requirements(&mut self.ctx, &self.scheme_anchors, list))
    }

    fn path_items(
        &mut self,
        paths: &'a Map,
        security: &[SecurityRequirement],
        prefix: &str,
    ) -> Vec<Operation> {
        let mut out = Vec::new();
        for (key, node) in paths.iter() {
            if key.text.starts_with("x-") {
                continue;
            }
            let item = match self.ctx.deref(node) {
                Deref::Found(item, _) => item,
                // External path items are listed in `external_refs`; a
                // missing local one was reported.
                Deref::Missing(_) => continue,
            };
            let Some(item_map) = item.as_map() else {
                self.ctx.report(Problem::new(
                    item.span.start,
                    format!("path item `{}` must be a mapping", key.text),
                ));
                continue;
            };
            let shared = self.ctx.seq(item_map, "parameters").unwrap_or_default();
            for (method, op) in item_map.iter() {
                if !METHODS.contains(&method.text.as_str()) {
                    continue;
                }
                let Some(op_map) = op.as_map() else {
                    self.ctx.report(
                        Problem::new(
                            op.span.start,
                            format!(
                                "operation `{} {}` must be a mapping, not {}",
                                method.text.to_uppercase(),
                                key.text,
                                op.type_name()
                            ),
                        )
                        .help("the operation is left out of the page"),
                    );
                    continue;
                };
                let operation = self.operation(
                    &method.text,
                    &key.text,
                    op_map,
                    op,
                    shared,
                    security,
                    prefix,
                );
                out.push(operation);
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        method: &str,
        path: &str,
        op: &'a Map,
        node: &Node,
        shared: &'a [Node],
        security: &[SecurityRequirement],
        prefix: &str,
    ) -> Operation {
        let operation_id = self.ctx.string(op, "operationId");
        let anchor = match &operation_id {
            Some(id) => self.anchors.unique(prefix, id),
            None => self.anchors.unique(prefix, &format!("{method}-{path}")),
        };
        let own = self.ctx.seq(op, "parameters").unwrap_or_default();
        let mut parameters: Vec<Parameter> = Vec::new();
        let mut body = None;
        let mut form = Vec::new();
        let mut form_has_file = false;
        let shared_params: Vec<_> = shared.iter().map(|p| self.parameter(p)).collect();
        let own_params: Vec<_> = own.iter().map(|p| self.parameter(p)).collect();
        let mut merged: Vec<ParamOut> = Vec::new();
        let mut rest = own_params;
        // Path-level parameters keep their place, replaced by an operation
        // parameter with the same name and location (OpenAPI 3.1 §4.8.10.1).
        for p in shared_params {
            let key = p.key();
            if let Some(i) = key
                .as_ref()
                .and_then(|k| rest.iter().position(|o| o.key().as_ref() == Some(k)))
            {
                merged.push(rest.remove(i));
            } else {
                merged.push(p);
            }
        }
        merged.extend(rest);
        for p in merged {
            match p {
                ParamOut::Param(param) => parameters.push(param),
                ParamOut::Body(b) => body = Some(b),
                ParamOut::Form(field, file) => {
                    form_has_file |= file;
                    form.push(field);
                }
            }
        }
        let request_body = if self.dialect == Dialect::Swagger2 {
            let consumes = match op.get("consumes") {
                Some(_) => self.ctx.strings(op, "consumes"),
                None => self.consumes.clone(),
            };
            match body {
                Some(b) => Some(self.swagger_body(b, &consumes)),
                None if !form.is_empty() => Some(swagger_form(form, form_has_file, &consumes)),
                None => None,
            }
        } else {
            op.get("requestBody").map(|n| self.request_body(n))
        };
        let responses = self.responses(op);
        let (security, security_overridden) = match self.requirements(op) {
            Some(own) => (own, true),
            None => (security.to_vec(), false),
        };
        Operation {
            anchor,
            method: method.to_string(),
            path: path.to_string(),
            operation_id,
            summary: self.ctx.string(op, "summary"),
            description: self.ctx.string(op, "description"),
            deprecated: self.ctx.flag(op, "deprecated"),
            tags: self.ctx.strings(op, "tags"),
            external_docs: self.external_docs(op),
            parameters,
            request_body,
            responses,
            security,
            security_overridden,
            pos: node.span.start,
        }
    }

    /// A Parameter Object (OpenAPI 3.1 §4.8.12, Swagger 2.0 "Parameter
    /// Object").
    fn parameter(&mut self, node: &'a Node) -> ParamOut {
        let param = match self.ctx.deref(node) {
            Deref::Found(param, _) => param,
            Deref::Missing(missing) => {
                return ParamOut::Param(Parameter {
                    missing_ref: Some(missing),
                    ..Parameter::default()
                });
            }
        };
        let Some(map) = param.as_map() else {
            self.ctx
                .report(wrong_type(param, "parameters", "a list of mappings"));
            return ParamOut::Param(Parameter::default());
        };
        let name = self.ctx.string(map, "name").unwrap_or_default();
        let location = self.ctx.string(map, "in").unwrap_or_default();
        if name.is_empty() || location.is_empty() {
            self.ctx.report(
                Problem::new(param.span.start, "a parameter needs `name` and `in`")
                    .help("both are required; the parameter cannot be identified without them"),
            );
        }
        let description = self.ctx.string(map, "description");
        let required = self.ctx.flag(map, "required");
        let deprecated = self.ctx.flag(map, "deprecated");
        if self.dialect == Dialect::Swagger2 {
            match location.as_str() {
                "body" => {
                    let schema = map.get("schema").map(|s| self.ctx.schema(s));
                    return ParamOut::Body(RequestBody {
                        description,
                        required,
                        content: vec![MediaType {
                            media_type: String::new(),
                            schema,
                            examples: Vec::new(),
                        }],
                        missing_ref: None,
                    });
                }
                "formData" => {
                    let mut field = self.own_schema(param);
                    let file = map.get("type").and_then(Node::as_str) == Some("file");
                    field.name = Some(name);
                    field.required = required;
                    field.description = description;
                    return ParamOut::Form(field, file);
                }
                _ => {}
            }
        }
        let schema = if self.dialect == Dialect::Swagger2 {
            Some(self.own_schema(param))
        } else {
            self.value_schema(map)
        };
        let mut examples = Vec::new();
        if let Some(example) = map.get("example") {
            examples.push(Example {
                value: Some(example_text(example)),
                ..Example::default()
            });
        }
        examples.extend(self.examples(map));
        ParamOut::Param(Parameter {
            name,
            location,
            required,
            deprecated,
            description,
            schema,
            examples,
            missing_ref: None,
        })
    }

    /// Swagger 2.0 parameters and headers carry their schema keywords
    /// themselves; the description belongs to the parameter, not its type.
    fn own_schema(&mut self, node: &'a Node) -> Schema {
        let mut schema = self.ctx.schema(node);
        schema.description = None;
        schema
    }

    /// `schema`, or the schema of the single entry of `content` (3.x
    /// parameters and headers may use either).
    fn value_schema(&mut self, map: &'a Map) -> Option<Schema> {
        if let Some(schema) = map.get("schema") {
            return Some(self.ctx.schema(schema));
        }
        let content = self.ctx.map(map, "content")?;
        let (_, media) = content.iter().next()?;
        media.get("schema").map(|s| self.ctx.schema(s))
    }

    /// `examples`: a map of Example Objects (3.x §4.8.19) or, in a 2.0
    /// response, of media type → value.
    fn examples(&mut self, map: &'a Map) -> Vec<Example> {
        let Some(examples) = self.ctx.map(map, "examples") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, node) in examples.iter() {
            let example = match self.ctx.deref(node) {
                Deref::Found(example, _) => example,
                Deref::Missing(missing) => {
                    out.push(Example {
                        name: Some(name.text.clone()),
                        missing_ref: Some(missing),
                        ..Example::default()
                    });
                    continue;
                }
            };
            let Some(ex) = example.as_map() else {
                out.push(Example {
                    name: Some(name.text.clone()),
                    value: Some(example_text(example)),
                    ..Example::default()
                });
                continue;
            };
            out.push(Example {
                name: Some(name.text.clone()),
                summary: self.ctx.string(ex, "summary"),
                description: self.ctx.string(ex, "description"),
                value: ex.get("value").map(example_text),
                external_value: self.ctx.string(ex, "externalValue"),
                missing_ref: None,
            });
        }
        out
    }

    /// `content`: Media Type Objects (OpenAPI 3.1 §4.8.14).
    fn content(&mut self, map: &'a Map) -> Vec<MediaType> {
        let Some(content) = self.ctx.map(map, "content") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (media_type, node) in content.iter() {
            let Some(media) = node.as_map() else {
                if !node.is_null() {
                    self.ctx
                        .report(wrong_type(node, &media_type.text, "a mapping"));
                }
                out.push(MediaType {
                    media_type: media_type.text.clone(),
                    schema: None,
                    examples: Vec::new(),
                });
                continue;
            };
            let schema = media.get("schema").map(|s| self.ctx.schema(s));
            let mut examples = Vec::new();
            if let Some(example) = media.get("example") {
                examples.push(Example {
                    value: Some(example_text(example)),
                    ..Example::default()
                });
            }
            examples.extend(self.examples(media));
            out.push(MediaType {
                media_type: media_type.text.clone(),
                schema,
                examples,
            });
        }
        out
    }

    /// OpenAPI 3.x §4.8.13 Request Body Object.
    fn request_body(&mut self, node: &'a Node) -> RequestBody {
        let body = match self.ctx.deref(node) {
            Deref::Found(body, _) => body,
            Deref::Missing(missing) => {
                return RequestBody {
                    missing_ref: Some(missing),
                    ..RequestBody::default()
                };
            }
        };
        let Some(map) = body.as_map() else {
            self.ctx
                .report(wrong_type(body, "requestBody", "a mapping"));
            return RequestBody::default();
        };
        RequestBody {
            description: self.ctx.string(map, "description"),
            required: self.ctx.flag(map, "required"),
            content: self.content(map),
            missing_ref: None,
        }
    }

    fn swagger_body(&mut self, mut body: RequestBody, consumes: &[String]) -> RequestBody {
        let template = body.content.pop().expect("a body parameter has one entry");
        let types = if consumes.is_empty() {
            vec!["application/json".to_string()]
        } else {
            consumes.to_vec()
        };
        body.content = types
            .into_iter()
            .map(|media_type| MediaType {
                media_type,
                ..template.clone()
            })
            .collect();
        body
    }

    /// Responses Object (OpenAPI 3.1 §4.8.16, Swagger 2.0 "Responses
    /// Object").
    fn responses(&mut self, op: &'a Map) -> Vec<Response> {
        let Some(responses) = self.ctx.map(op, "responses") else {
            return Vec::new();
        };
        let produces = match op.get("produces") {
            Some(_) => self.ctx.strings(op, "produces"),
            None => self.produces.clone(),
        };
        let mut out = Vec::new();
        for (status, node) in responses.iter() {
            if status.text.starts_with("x-") {
                continue;
            }
            let response = match self.ctx.deref(node) {
                Deref::Found(response, _) => response,
                Deref::Missing(missing) => {
                    out.push(Response {
                        status: status.text.clone(),
                        missing_ref: Some(missing),
                        ..Response::default()
                    });
                    continue;
                }
            };
            let Some(map) = response.as_map() else {
                self.ctx.report(wrong_type(
                    response,
                    &format!("response {}", status.text),
                    "a mapping",
                ));
                continue;
            };
            let content = if self.dialect == Dialect::Swagger2 {
                self.swagger_content(map, &produces)
            } else {
                self.content(map)
            };
            out.push(Response {
                status: status.text.clone(),
                description: self.ctx.string(map, "description"),
                headers: self.headers(map),
                content,
                missing_ref: None,
            });
        }
        out
    }

    /// A 2.0 response's `schema`, once per `produces` type, with the
    /// `examples` given for that type.
    fn swagger_content(&mut self, map: &'a Map, produces: &[String]) -> Vec<MediaType> {
        let schema = map.get("schema").map(|s| self.ctx.schema(s));
        let examples = self.ctx.map(map, "examples");
        if schema.is_none() && examples.is_none() {
            return Vec::new();
        }
        let mut types = if produces.is_empty() {
            vec!["application/json".to_string()]
        } else {
            produces.to_vec()
        };
        for (media_type, _) in examples.map(Map::iter).into_iter().flatten() {
            if !types.contains(&media_type.text) {
                types.push(media_type.text.clone());
            }
        }
        types
            .into_iter()
            .map(|media_type| MediaType {
                examples: examples
                    .and_then(|e| e.get(&media_type))
                    .map(|value| Example {
                        value: Some(example_text(value)),
                        ..Example::default()
                    })
                    .into_iter()
                    .collect(),
                media_type,
                schema: schema.clone(),
            })
            .collect()
    }

    fn headers(&mut self, map: &'a Map) -> Vec<Header> {
        let Some(headers) = self.ctx.map(map, "headers") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, node) in headers.iter() {
            let header = match self.ctx.deref(node) {
                Deref::Found(header, _) => header,
                Deref::Missing(missing) => {
                    out.push(Header {
                        name: name.text.clone(),
                        missing_ref: Some(missing),
                        ..Header::default()
                    });
                    continue;
                }
            };
            let Some(h) = header.as_map() else {
                self.ctx.report(wrong_type(header, &name.text, "a mapping"));
                continue;
            };
            let schema = if self.dialect == Dialect::Swagger2 {
                Some(self.own_schema(header))
            } else {
                self.value_schema(h)
            };
            out.push(Header {
                name: name.text.clone(),
                description: self.ctx.string(h, "description"),
                required: self.ctx.flag(h, "required"),
                deprecated: self.ctx.flag(h, "deprecated"),
                schema,
                missing_ref: None,
            });
        }
        out
    }

    fn groups(&mut self, map: &'a Map, operations: &[Operation]) -> Vec<TagGroup> {
        let mut groups: Vec<TagGroup> = Vec::new();
        for node in self.ctx.seq(map, "tags").unwrap_or_default() {
            let Some(tag) = node.as_map() else {
                self.ctx
                    .report(wrong_type(node, "tags", "a list of mappings"));
                continue;
            };
            let Some(name) = self.ctx.string(tag, "name") else {
                self.ctx
                    .report(Problem::new(node.span.start, "a tag has no `name`"));
                continue;
            };
            if groups.iter().any(|g| g.name == name) {
                continue;
            }
            groups.push(TagGroup {
                anchor: String::new(),
                description: self.ctx.string(tag, "description"),
                external_docs: external_docs(&mut self.ctx, tag),
                name,
                operations: Vec::new(),
                untagged: false,
            });
        }
        let mut untagged = Vec::new();
        for (i, op) in operations.iter().enumerate() {
            if op.tags.is_empty() {
                untagged.push(i);
            }
            for tag in &op.tags {
                match groups.iter_mut().find(|g| &g.name == tag) {
                    Some(group) => {
                        if !group.operations.contains(&i) {
                            group.operations.push(i);
                        }
                    }
                    None => groups.push(TagGroup {
                        name: tag.clone(),
                        anchor: String::new(),
                        description: None,
                        external_docs: None,
                        operations: vec![i],
                        untagged: false,
                    }),
                }
            }
        }
        if !untagged.is_empty() {
            groups.push(TagGroup {
                name: "default".to_string(),
                anchor: String::new(),
                description: None,
                external_docs: None,
                operations: untagged,
                untagged: true,
            });
        }
        groups.retain(|g| !g.operations.is_empty());
        for group in &mut groups {
            group.anchor = self.anchors.unique("tag", &group.name);
        }
        groups
    }
}

/// What one parameter contributes to an operation.
enum ParamOut {
    Param(Parameter),
    /// Swagger 2.0 `in: body` (one media type entry, filled in later).
    Body(RequestBody),
    /// Swagger 2.0 `in: formData`: a field, and whether it is a file.
    Form(Schema, bool),
}

impl ParamOut {
    /// Identity for merging path-level and operation parameters.
    fn key(&self) -> Option<(String, String)> {
        match self {
            ParamOut::Param(p) if p.missing_ref.is_none() => {
                Some((p.name.clone(), p.location.clone()))
            }
            ParamOut::Param(_) => None,
            ParamOut::Body(_) => Some((String::new(), "body".to_string())),
            ParamOut::Form(field, _) => Some((
                field.name.clone().unwrap_or_default(),
                "formData".to_string(),
            )),
        }
    }
}

/// Swagger 2.0 form parameters as one object schema. The media type is
/// the operation's form type from `consumes`, else the one the fields need
/// (files need `multipart/form-data`).
fn swagger_form(fields: Vec<Schema>, has_file: bool, consumes: &[String]) -> RequestBody {
    let form_types: Vec<String> = consumes
        .iter()
        .filter(|c| {
            c.starts_with("multipart/form-data")
                || c.starts_with("application/x-www-form-urlencoded")
        })
        .cloned()
        .collect();
    let types = if !form_types.is_empty() {
        form_types
    } else if has_file {
        vec!["multipart/form-data".to_string()]
    } else {
        vec!["application/x-www-form-urlencoded".to_string()]
    };
    let required = fields.iter().any(|f| f.required);
    let schema = Schema {
        type_label: "object".to_string(),
        properties: fields,
        ..Schema::default()
    };
    RequestBody {
        description: None,
        required,
        content: types
            .into_iter()
            .map(|media_type| MediaType {
                media_type,
                schema: Some(schema.clone()),
                examples: Vec::new(),
            })
            .collect(),
        missing_ref: None,
    }
}

/// Component schemas under `path`, anchored `schema-Name`. Anchors are
/// registered before any schema is built, so references from earlier
/// components to later ones link too.
pub(crate) fn components<'a>(
    ctx: &mut Ctx<'a>,
    anchors: &mut Anchors,
    schemas: &'a Map,
    path: &[&str],
) -> Vec<NamedSchema> {
    let named: Vec<(String, String, &'a Node, Vec<String>)> = schemas
        .iter()
        .map(|(key, node)| {
            let anchor = anchors.unique("schema", &key.text);
            let mut segments: Vec<String> = path.iter().map(|s| s.to_string()).collect();
            segments.push(key.text.clone());
            ctx.schema_anchors.insert(segments.clone(), anchor.clone());
            (key.text.clone(), anchor, node, segments)
        })
        .collect();
    named
        .into_iter()
        .map(|(name, anchor, node, segments)| NamedSchema {
            schema: ctx.component_schema(node, segments),
            name,
            anchor,
            pos: node.span.start,
        })
        .collect()
}

pub(crate) fn read_info(ctx: &mut Ctx, info: &Map, node: &Node) -> Info {
    let title = ctx.scalar(info, "title");
    let version = ctx.scalar(info, "version");
    for (key, value) in [("title", &title), ("version", &version)] {
        if value.is_none() {
            ctx.report(Problem::new(
                node.span.start,
                format!("`info` has no `{key}`"),
            ));
        }
    }
    let contact = match info.get("contact") {
        Some(node) => match node.as_map() {
            Some(c) => Some(Contact {
                name: ctx.string(c, "name"),
                url: ctx.string(c, "url"),
                email: ctx.string(c, "email"),
            }),
            None => {
                ctx.report(wrong_type(node, "contact", "a mapping"));
                None
            }
        },
        None => None,
    };
    let license = match info.get("license") {
        Some(node) => match node.as_map() {
            Some(l) => Some(License {
                name: ctx.string(l, "name"),
                url: ctx.string(l, "url"),
                identifier: ctx.string(l, "identifier"),
            }),
            None => {
                ctx.report(wrong_type(node, "license", "a mapping"));
                None
            }
        },
        None => None,
    };
    Info {
        title: title.unwrap_or_default(),
        version: version.unwrap_or_default(),
        summary: ctx.string(info, "summary"),
        description: ctx.string(info, "description"),
        terms_of_service: ctx.string(info, "termsOfService"),
        contact,
        license,
    }
}

pub(crate) fn external_docs(ctx: &mut Ctx, map: &Map) -> Option<ExternalDocs> {
    let node = map.get("externalDocs")?;
    let Some(docs) = node.as_map() else {
        ctx.report(wrong_type(node, "externalDocs", "a mapping"));
        return None;
    };
    let Some(url) = ctx.string(docs, "url") else {
        ctx.report(Problem::new(node.span.start, "`externalDocs` has no `url`"));
        return None;
    };
    Some(ExternalDocs {
        url,
        description: ctx.string(docs, "description"),
    })
}

pub(crate) fn server_variables<'a>(ctx: &mut Ctx<'a>, server: &'a Map) -> Vec<ServerVariable> {
    let Some(node) = server.get("variables") else {
        return Vec::new();
    };
    let Some(vars) = node.as_map() else {
        ctx.report(wrong_type(node, "variables", "a mapping"));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, node) in vars.iter() {
        let var = match ctx.deref(node) {
            Deref::Found(var, _) => var,
            Deref::Missing(_) => continue,
        };
        let Some(v) = var.as_map() else {
            ctx.report(wrong_type(var, &name.text, "a mapping"));
            continue;
        };
        let enum_values = v
            .get("enum")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(plain_text)
            .collect();
        out.push(ServerVariable {
            name: name.text.clone(),
            default: ctx.scalar(v, "default"),
            enum_values,
            description: ctx.string(v, "description"),
        });
    }
    out
}

/// Security Scheme Objects (OpenAPI 3.1 §4.8.27, Swagger 2.0 "Security
/// Scheme Object", AsyncAPI "Security Scheme Object").
pub(crate) fn security_schemes<'a>(
    ctx: &mut Ctx<'a>,
    anchors: &mut Anchors,
    schemes: &'a Map,
) -> Vec<SecurityScheme> {
    let mut out = Vec::new();
    for (name, node) in schemes.iter() {
        let anchor = anchors.unique("security", &name.text);
        let mut scheme = SecurityScheme {
            name: name.text.clone(),
            anchor,
            pos: node.span.start,
            ..SecurityScheme::default()
        };
        let found = match ctx.deref(node) {
            Deref::Found(found, _) => found,
            Deref::Missing(missing) => {
                scheme.missing_ref = Some(missing);
                out.push(scheme);
                continue;
            }
        };
        let Some(map) = found.as_map() else {
            ctx.report(wrong_type(found, &name.text, "a mapping"));
            continue;
        };
        scheme.kind = ctx.string(map, "type").unwrap_or_default();
        scheme.description = ctx.string(map, "description");
        scheme.scheme = ctx.string(map, "scheme");
        scheme.bearer_format = ctx.string(map, "bearerFormat");
        scheme.location = ctx.string(map, "in");
        scheme.param_name = ctx.string(map, "name");
        scheme.open_id_connect_url = ctx.string(map, "openIdConnectUrl");
        if scheme.kind == "basic" {
            scheme.kind = "http".to_string();
            scheme.scheme = Some("basic".to_string());
        }
        if let Some(flow) = ctx.string(map, "flow") {
            // Swagger 2.0: one flow, its URLs and scopes on the scheme.
            let kind = match flow.as_str() {
                "application" => "clientCredentials".to_string(),
                "accessCode" => "authorizationCode".to_string(),
                _ => flow,
            };
            scheme.flows.push(oauth_flow(ctx, kind, map));
        } else if let Some(flows) = ctx.map(map, "flows") {
            for (kind, flow) in flows.iter() {
                match flow.as_map() {
                    Some(f) => scheme.flows.push(oauth_flow(ctx, kind.text.clone(), f)),
                    None => ctx.report(wrong_type(flow, &kind.text, "a mapping")),
                }
            }
        }
        out.push(scheme);
    }
    out
}

fn oauth_flow(ctx: &mut Ctx, kind: String, map: &Map) -> OAuthFlow {
    // AsyncAPI 3 calls the scopes `availableScopes`.
    let scopes_node = map.get("scopes").or_else(|| map.get("availableScopes"));
    let mut scopes = Vec::new();
    if let Some(node) = scopes_node {
        match node.as_map() {
            Some(s) => {
                for (name, description) in s.iter() {
                    scopes.push(Scope {
                        name: name.text.clone(),
                        description: description.as_str().map(str::to_string),
                    });
                }
            }
            None => ctx.report(wrong_type(node, "scopes", "a mapping")),
        }
    }
    OAuthFlow {
        kind,
        authorization_url: ctx.string(map, "authorizationUrl"),
        token_url: ctx.string(map, "tokenUrl"),
        refresh_url: ctx.string(map, "refreshUrl"),
        scopes,
    }
}

/// Security Requirement Objects: each a map of scheme name → scopes.
pub(crate) fn requirements(
    ctx: &mut Ctx,
    schemes: &[(String, String)],
    list: &[Node],
) -> Vec<SecurityRequirement> {
    let mut out = Vec::new();
    for node in list {
        let Some(map) = node.as_map() else {
            ctx.report(wrong_type(node, "security", "a list of mappings"));
            continue;
        };
        let mut required = Vec::new();
        for (name, scopes) in map.iter() {
            let anchor = schemes
                .iter()
                .find(|(n, _)| n == &name.text)
                .map(|(_, a)| a.clone());
            if anchor.is_none() {
                ctx.report(
                    Problem::new(
                        name.span.start,
                        format!("security scheme `{}` is not declared", name.text),
                    )
                    .help("a security requirement names a scheme of the security schemes section"),
                );
            }
            let scopes = match &scopes.value {
                Value::Seq(items) => items.iter().map(plain_text).collect(),
                Value::Null => Vec::new(),
                _ => {
                    ctx.report(wrong_type(scopes, &name.text, "a list of scopes"));
                    Vec::new()
                }
            };
            required.push(RequiredScheme {
                name: name.text.clone(),
                anchor,
                scopes,
            });
        }
        out.push(SecurityRequirement { schemes: required });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apidocs::schema::Constraint;
    use crate::model::yaml::parse_single;
    use crate::source::FileId;
    use std::collections::HashSet;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/tests/fixtures/backstage-examples/apis/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// `spec.definition` of a descriptor, as the catalog would hand it over.
    fn inline_definition(descriptor: &str) -> String {
        let root = parse_single(&fixture(descriptor), FileId(0)).unwrap();
        let spec = root.get("spec").unwrap();
        spec.get("definition")
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    fn read_ok(text: &str) -> (OpenApi, Vec<Problem>) {
        let (api, problems) = read(text);
        (
            api.unwrap_or_else(|| panic!("no model: {problems:?}")),
            problems,
        )
    }

    /// `METHOD path` of every operation, counted from the raw tree
    /// rather than from the reader.
    fn operations_in_source(text: &str, key: &str) -> Vec<String> {
        let root = parse_single(text, FileId(0)).unwrap();
        let mut out = Vec::new();
        let Some(paths) = root.get(key).and_then(Node::as_map) else {
            return out;
        };
        for (path, item) in paths.iter() {
            for (method, _) in item.as_map().unwrap().iter() {
                if [
                    "get", "put", "post", "delete", "options", "head", "patch", "trace",
                ]
                .contains(&method.text.as_str())
                {
                    out.push(format!("{} {}", method.text.to_uppercase(), path.text));
                }
            }
        }
        out
    }

    fn listed(ops: &[Operation]) -> Vec<String> {
        ops.iter()
            .map(|o| format!("{} {}", o.method.to_uppercase(), o.path))
            .collect()
    }

    fn assert_unique_anchors(api: &OpenApi) {
        let mut seen = HashSet::new();
        let all = api
            .operations
            .iter()
            .map(|o| &o.anchor)
            .chain(api.webhooks.iter().map(|o| &o.anchor))
            .chain(api.groups.iter().map(|g| &g.anchor))
            .chain(api.schemas.iter().map(|s| &s.anchor))
            .chain(api.security_schemes.iter().map(|s| &s.anchor));
        for anchor in all {
            assert!(
                anchor
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{anchor}"
            );
            assert!(seen.insert(anchor.clone()), "duplicate anchor {anchor}");
        }
    }

    fn op<'x>(api: &'x OpenApi, id: &str) -> &'x Operation {
        api.operations
            .iter()
            .find(|o| o.operation_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no operation {id}"))
    }

    fn json_schema<'x>(content: &'x [MediaType], media: &str) -> &'x Schema {
        content
            .iter()
            .find(|m| m.media_type == media)
            .and_then(|m| m.schema.as_ref())
            .unwrap_or_else(|| panic!("no {media} schema"))
    }

    // OpenAPI 3.1 §4.8.8 Paths / §4.8.9 Path Item: every method of every
    // path is an operation; Swagger UI groups them by tag, in the order of
    // the top-level `tags` list.
    #[test]
    fn petstore_oas_every_operation_grouped_by_declared_tags() {
        let text = fixture("petstore.oas.yaml");
        let (api, problems) = read_ok(&text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(api.spec_version, "3.1.0");
        assert_eq!(api.info.title, "Swagger Petstore - OpenAPI 3.1");
        assert_eq!(api.info.version, "1.0.11");
        assert!(
            api.info
                .description
                .as_deref()
                .unwrap()
                .contains("[https://swagger.io]")
        );
        assert_eq!(
            api.info.license.as_ref().unwrap().name.as_deref(),
            Some("Apache 2.0")
        );
        assert_eq!(api.external_docs.as_ref().unwrap().url, "http://swagger.io");
        assert_eq!(api.servers[0].url, "https://petstore3.swagger.io/api/v3");
        let expected = [
            "PUT /pet",
            "POST /pet",
            "GET /pet/findByStatus",
            "GET /pet/findByTags",
            "GET /pet/{petId}",
            "POST /pet/{petId}",
            "DELETE /pet/{petId}",
            "POST /pet/{petId}/uploadImage",
            "GET /store/inventory",
            "POST /store/order",
            "GET /store/order/{orderId}",
            "DELETE /store/order/{orderId}",
            "POST /user",
            "POST /user/createWithList",
            "GET /user/login",
            "GET /user/logout",
            "GET /user/{username}",
            "PUT /user/{username}",
            "DELETE /user/{username}",
        ];
        assert_eq!(operations_in_source(&text, "paths"), expected);
        assert_eq!(listed(&api.operations), expected);
        let groups: Vec<(&str, usize)> = api
            .groups
            .iter()
            .map(|g| (g.name.as_str(), g.operations.len()))
            .collect();
        assert_eq!(groups, [("pet", 8), ("store", 4), ("user", 7)]);
        assert_eq!(
            api.groups[0].description.as_deref(),
            Some("Everything about your Pets")
        );
        assert_unique_anchors(&api);
        assert_eq!(op(&api, "updatePet").anchor, "op-updatePet");
    }

    // OpenAPI 3.1 §4.8.24 Schema Object / §4.8.23 Reference Object: refs to
    // component schemas resolve and link to the component's anchor.
    #[test]
    fn petstore_oas_refs_resolve_with_type_labels() {
        let (api, _) = read_ok(&fixture("petstore.oas.yaml"));
        let names: Vec<&str> = api.schemas.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Order",
                "Customer",
                "Address",
                "Category",
                "User",
                "Tag",
                "Pet",
                "ApiResponse"
            ]
        );
        let update = op(&api, "updatePet");
        let body = update.request_body.as_ref().unwrap();
        assert!(body.required);
        let media: Vec<&str> = body.content.iter().map(|m| m.media_type.as_str()).collect();
        assert_eq!(
            media,
            [
                "application/json",
                "application/xml",
                "application/x-www-form-urlencoded"
            ]
        );
        let pet = json_schema(&body.content, "application/json");
        assert_eq!(pet.ref_name.as_deref(), Some("Pet"));
        assert_eq!(pet.ref_anchor.as_deref(), Some("schema-Pet"));
        assert_eq!(pet.type_label, "object");
        let props: Vec<(&str, &str, bool)> = pet
            .properties
            .iter()
            .map(|p| {
                (
                    p.name.as_deref().unwrap(),
                    p.type_label.as_str(),
                    p.required,
                )
            })
            .collect();
        assert_eq!(
            props,
            [
                ("id", "integer (int64)", false),
                ("name", "string", true),
                ("category", "object", false),
                ("photoUrls", "array of string", true),
                ("tags", "array of Tag", false),
                ("status", "string", false),
            ]
        );
        assert_eq!(pet.properties[0].examples, ["10"]);
        assert_eq!(
            pet.properties[5].enum_values,
            ["\"available\"", "\"pending\"", "\"sold\""]
        );
        assert_eq!(
            pet.properties[2].ref_anchor.as_deref(),
            Some("schema-Category")
        );
        // A component used inside another is linked, not expanded again:
        // it is listed once among the components.
        let tags = pet.properties[4].items.as_ref().unwrap();
        assert_eq!(tags.ref_name.as_deref(), Some("Tag"));
        assert_eq!(tags.ref_anchor.as_deref(), Some("schema-Tag"));
        assert!(tags.properties.is_empty() && !tags.truncated && !tags.recursive);
        let tag = api.schemas.iter().find(|s| s.name == "Tag").unwrap();
        assert_eq!(tag.schema.properties.len(), 2);

        let inventory = op(&api, "getInventory");
        let map = json_schema(&inventory.responses[0].content, "application/json");
        assert_eq!(map.type_label, "object");
        let values = map.additional_properties.as_ref().unwrap();
        assert_eq!(values.type_label, "integer (int32)");

        let find = op(&api, "findPetsByStatus");
        let ok = &find.responses[0];
        assert_eq!(ok.status, "200");
        let list = json_schema(&ok.content, "application/json");
        assert_eq!(list.type_label, "array of Pet");

        let by_id = op(&api, "getPetById");
        let statuses: Vec<&str> = by_id.responses.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(statuses, ["200", "400", "404"]);
        assert!(by_id.security_overridden);
        assert_eq!(by_id.security.len(), 2);
        assert_eq!(
            by_id.security[1].schemes[0].scopes,
            ["write:pets", "read:pets"]
        );
        assert_eq!(
            by_id.security[1].schemes[0].anchor.as_deref(),
            Some("security-petstore_auth")
        );
        let auth = &api.security_schemes[0];
        assert_eq!(auth.kind, "oauth2");
        assert_eq!(auth.flows[0].kind, "implicit");
        assert_eq!(auth.flows[0].scopes[0].name, "write:pets");
        let key = &api.security_schemes[1];
        assert_eq!(
            (
                key.kind.as_str(),
                key.location.as_deref(),
                key.param_name.as_deref()
            ),
            ("apiKey", Some("header"), Some("api_key"))
        );
        assert!(api.external_refs.is_empty());
    }

    // The inline definitions of Backstage's example catalog: OpenAPI 3.0
    // and 3.1 with webhooks (OpenAPI 3.1 §4.8.1 `webhooks`).
    #[test]
    fn inline_petstore_definitions() {
        for (file, version, hooks) in [
            ("petstore-api.yaml", "3.0.0", 0),
            ("petstore-31-api.yaml", "3.1.0", 1),
        ] {
            let text = inline_definition(file);
            let (api, problems) = read_ok(&text);
            assert!(problems.is_empty(), "{file}: {problems:?}");
            assert_eq!(api.spec_version, version);
            let expected = ["GET /pets", "POST /pets", "GET /pets/{petId}"];
            assert_eq!(operations_in_source(&text, "paths"), expected);
            assert_eq!(listed(&api.operations), expected);
            assert_eq!(api.webhooks.len(), hooks);
            assert_eq!(operations_in_source(&text, "webhooks").len(), hooks);
            assert_unique_anchors(&api);
            let list = op(&api, "listPets");
            assert_eq!(list.parameters[0].name, "limit");
            assert_eq!(list.parameters[0].location, "query");
            assert_eq!(
                list.parameters[0].schema.as_ref().unwrap().type_label,
                "integer (int32)"
            );
            let ok = &list.responses[0];
            assert_eq!(ok.headers[0].name, "x-next");
            let pets = json_schema(&ok.content, "application/json");
            assert_eq!(pets.ref_name.as_deref(), Some("Pets"));
            assert_eq!(pets.type_label, "array of Pet");
            let pet = pets.items.as_ref().unwrap();
            assert_eq!(pet.ref_anchor.as_deref(), Some("schema-Pet"));
            assert!(pet.properties.is_empty(), "linked, listed once");
            let error = json_schema(&list.responses[1].content, "application/json");
            assert_eq!(list.responses[1].status, "default");
            assert_eq!(error.ref_anchor.as_deref(), Some("schema-Error"));
            let groups: Vec<&str> = api.groups.iter().map(|g| g.name.as_str()).collect();
            assert_eq!(groups, ["pets"]);
        }
    }

    // OpenAPI 3.1 §4.8.1: a document may have only webhooks and components.
    #[test]
    fn webhook_only_definition() {
        let text = fixture("petstore-webhook.oas.yaml");
        let (api, problems) = read_ok(&text);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(api.operations.is_empty());
        assert!(api.groups.is_empty());
        assert_eq!(listed(&api.webhooks), ["POST newPet"]);
        assert_eq!(operations_in_source(&text, "webhooks"), ["POST newPet"]);
        let hook = &api.webhooks[0];
        assert_eq!(hook.anchor, "webhook-post-newPet");
        let body = hook.request_body.as_ref().unwrap();
        let pet = json_schema(&body.content, "application/json");
        // No `type`: inferred from `properties`, as Swagger UI does.
        assert_eq!(pet.type_label, "object");
        assert_eq!(pet.ref_anchor.as_deref(), Some("schema-Pet"));
        assert_eq!(hook.responses[0].status, "200");
    }

    // The gRPC descriptor's definition is no OpenAPI document at all.
    #[test]
    fn non_openapi_text_is_none() {
        let (api, problems) = read(&inline_definition("hello-world-api.yaml"));
        assert!(api.is_none());
        assert_eq!(problems.len(), 1);
        let (api, problems) = read("title: x\n");
        assert!(api.is_none());
        assert!(problems[0].message.contains("no `openapi` or `swagger`"));
        let (api, _) = read("swagger: '1.2'\n");
        assert!(api.is_none());
    }

    #[test]
    fn yaml_syntax_error_is_none_with_its_line() {
        let (api, problems) = read("openapi: 3.0.0\ninfo:\n  title: [unclosed\n  version: 1\n");
        assert!(api.is_none());
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.starts_with("invalid YAML"),
            "{problems:?}"
        );
        assert!(problems[0].pos.line >= 3, "{problems:?}");
    }

    const SWAGGER: &str = r##"swagger: "2.0"
info:
  title: Pet shop
  version: "1"
host: api.example.com
basePath: /v2
schemes: [https, http]
consumes: [application/json]
produces: [application/json, application/xml]
tags:
  - name: pet
paths:
  /pet/{petId}:
    parameters:
      - name: petId
        in: path
        required: true
        type: integer
        format: int64
        description: The pet
    post:
      tags: [pet]
      operationId: updatePetWithForm
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - name: name
          in: formData
          type: string
          required: true
        - name: status
          in: formData
          type: string
          enum: [available, sold]
      responses:
        "405":
          description: Invalid input
    put:
      tags: [pet]
      operationId: updatePet
      parameters:
        - $ref: "#/parameters/petId"
        - in: body
          name: body
          required: true
          description: The new pet
          schema:
            $ref: "#/definitions/Pet"
      responses:
        "200":
          description: ok
          schema:
            $ref: "#/definitions/Pet"
          headers:
            X-Rate-Limit:
              type: integer
              format: int32
              description: calls per hour
          examples:
            application/json: {id: 1, name: Rex}
      security:
        - petstore_auth: ["write:pets"]
  /pet/{petId}/image:
    post:
      operationId: uploadImage
      consumes: [multipart/form-data]
      parameters:
        - {name: file, in: formData, type: file}
        - name: tags
          in: query
          type: array
          items: {type: string}
      responses:
        default:
          description: error
parameters:
  petId:
    name: petId
    in: path
    required: true
    type: string
    description: Overrides the path-level one
definitions:
  Pet:
    type: object
    required: [name]
    properties:
      id: {type: integer, format: int64}
      name: {type: string, example: Rex}
      owner: {$ref: "#/definitions/Person"}
  Person:
    type: object
    x-nullable: true
    properties:
      name: {type: string}
securityDefinitions:
  petstore_auth:
    type: oauth2
    flow: accessCode
    authorizationUrl: https://example.com/auth
    tokenUrl: https://example.com/token
    scopes:
      "write:pets": modify pets
  basicAuth:
    type: basic
  key:
    type: apiKey
    in: header
    name: X-Key
security:
  - key: []
"##;

    // Swagger 2.0: schemes/host/basePath are the base URLs; body and
    // formData parameters are the request body; `definitions` and
    // `securityDefinitions` are the components (Swagger 2.0 spec,
    // "Swagger Object", "Parameter Object", "Security Scheme Object").
    #[test]
    fn swagger_2_is_normalized() {
        let (api, problems) = read_ok(SWAGGER);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(api.spec_version, "2.0");
        let urls: Vec<&str> = api.servers.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(
            urls,
            ["https://api.example.com/v2", "http://api.example.com/v2"]
        );
        assert_eq!(
            listed(&api.operations),
            [
                "POST /pet/{petId}",
                "PUT /pet/{petId}",
                "POST /pet/{petId}/image"
            ]
        );

        let form = op(&api, "updatePetWithForm");
        assert_eq!(form.parameters.len(), 1);
        assert_eq!(form.parameters[0].name, "petId");
        assert_eq!(
            form.parameters[0].schema.as_ref().unwrap().type_label,
            "integer (int64)"
        );
        assert_eq!(form.parameters[0].description.as_deref(), Some("The pet"));
        assert_eq!(
            form.parameters[0].schema.as_ref().unwrap().description,
            None
        );
        let body = form.request_body.as_ref().unwrap();
        assert_eq!(body.content.len(), 1);
        assert_eq!(
            body.content[0].media_type,
            "application/x-www-form-urlencoded"
        );
        let fields = &body.content[0].schema.as_ref().unwrap().properties;
        assert_eq!(fields[0].name.as_deref(), Some("name"));
        assert!(fields[0].required);
        assert_eq!(fields[1].enum_values, ["\"available\"", "\"sold\""]);

        let put = op(&api, "updatePet");
        // The operation's (referenced) petId replaces the path-level one.
        assert_eq!(put.parameters.len(), 1);
        assert_eq!(
            put.parameters[0].schema.as_ref().unwrap().type_label,
            "string"
        );
        let body = put.request_body.as_ref().unwrap();
        assert!(body.required);
        assert_eq!(body.description.as_deref(), Some("The new pet"));
        assert_eq!(body.content[0].media_type, "application/json");
        let pet = body.content[0].schema.as_ref().unwrap();
        assert_eq!(pet.ref_anchor.as_deref(), Some("schema-Pet"));
        assert_eq!(
            pet.properties[2].ref_anchor.as_deref(),
            Some("schema-Person")
        );
        let ok = &put.responses[0];
        let media: Vec<&str> = ok.content.iter().map(|m| m.media_type.as_str()).collect();
        assert_eq!(media, ["application/json", "application/xml"]);
        assert_eq!(
            ok.content[1].schema.as_ref().unwrap().ref_name.as_deref(),
            Some("Pet")
        );
        assert!(
            ok.content[0].examples[0]
                .value
                .as_deref()
                .unwrap()
                .contains("\"Rex\"")
        );
        assert!(ok.content[1].examples.is_empty());
        assert_eq!(ok.headers[0].name, "X-Rate-Limit");
        assert_eq!(ok.headers[0].description.as_deref(), Some("calls per hour"));
        assert_eq!(
            ok.headers[0].schema.as_ref().unwrap().type_label,
            "integer (int32)"
        );
        assert!(put.security_overridden);
        assert_eq!(put.security[0].schemes[0].name, "petstore_auth");

        let upload = op(&api, "uploadImage");
        assert!(!upload.security_overridden);
        assert_eq!(upload.security[0].schemes[0].name, "key");
        let body = upload.request_body.as_ref().unwrap();
        assert_eq!(body.content[0].media_type, "multipart/form-data");
        assert_eq!(
            body.content[0].schema.as_ref().unwrap().properties[0].type_label,
            "file"
        );
        assert_eq!(
            upload.parameters[0].schema.as_ref().unwrap().type_label,
            "array of string"
        );

        let names: Vec<&str> = api.schemas.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Pet", "Person"]);
        let schemes: Vec<(&str, Option<&str>)> = api
            .security_schemes
            .iter()
            .map(|s| (s.kind.as_str(), s.scheme.as_deref()))
            .collect();
        assert_eq!(
            schemes,
            [("oauth2", None), ("http", Some("basic")), ("apiKey", None)]
        );
        let flow = &api.security_schemes[0].flows[0];
        assert_eq!(flow.kind, "authorizationCode");
        assert_eq!(flow.token_url.as_deref(), Some("https://example.com/token"));
        let groups: Vec<(&str, bool)> = api
            .groups
            .iter()
            .map(|g| (g.name.as_str(), g.untagged))
            .collect();
        assert_eq!(groups, [("pet", false), ("default", true)]);
        assert_unique_anchors(&api);
    }

    // JSON is YAML flow syntax: a JSON definition reads the same.
    #[test]
    fn json_definition() {
        let text = r##"{
  "openapi": "3.0.3",
  "info": {"title": "JSON API", "version": "2.1.0", "description": "Line one\nline two"},
  "paths": {
    "/items/{id}": {
      "get": {
        "operationId": "getItem",
        "tags": ["items"],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
        "responses": {
          "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"},
            "examples": {"one": {"summary": "An item", "value": {"id": "a", "tags": [], "price": 1.5}}}}}},
          "404": {"description": "missing"}
        }
      },
      "delete": {"responses": {"204": {"description": "gone"}}}
    }
  },
  "components": {"schemas": {"Item": {"type": "object", "nullable": true,
    "properties": {"id": {"type": "string"}, "price": {"type": "number", "minimum": 0, "exclusiveMinimum": true}}}}}
}"##;
        let (api, problems) = read_ok(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            listed(&api.operations),
            ["GET /items/{id}", "DELETE /items/{id}"]
        );
        assert_eq!(api.info.description.as_deref(), Some("Line one\nline two"));
        let get = op(&api, "getItem");
        assert_eq!(
            get.parameters[0].schema.as_ref().unwrap().type_label,
            "string (uuid)"
        );
        let media = &get.responses[0].content[0];
        let item = media.schema.as_ref().unwrap();
        // OpenAPI 3.0 §4.7.24.1 `nullable`.
        assert_eq!(item.type_label, "object | null");
        assert!(item.nullable);
        let price = &item.properties[1];
        assert_eq!(
            price.constraints,
            [
                Constraint {
                    keyword: "minimum".into(),
                    value: "0".into()
                },
                Constraint {
                    keyword: "exclusiveMinimum".into(),
                    value: "true".into()
                },
            ]
        );
        assert_eq!(media.examples[0].name.as_deref(), Some("one"));
        assert_eq!(media.examples[0].summary.as_deref(), Some("An item"));
        assert!(
            media.examples[0]
                .value
                .as_deref()
                .unwrap()
                .contains("\"price\": 1.5")
        );
        assert_eq!(api.operations[1].anchor, "op-delete-items-id");
        assert_eq!(api.groups[1].name, "default");
    }

    // A large JSON definition (the petstore expanded tenfold, written as
    // JSON by serde) parses and keeps every operation.
    #[test]
    fn large_json_definition() {
        let root = parse_single(&fixture("petstore.oas.yaml"), FileId(0)).unwrap();
        let mut json = root.to_json();
        let paths = json["paths"].as_object().unwrap().clone();
        let mut all = serde_json::Map::new();
        for i in 0..50 {
            for (path, item) in &paths {
                let mut item = item.clone();
                for (_, op) in item.as_object_mut().unwrap() {
                    let id = op["operationId"].as_str().unwrap().to_string();
                    op["operationId"] = serde_json::Value::String(format!("{id}{i}"));
                }
                all.insert(format!("/v{i}{path}"), item);
            }
        }
        json["paths"] = serde_json::Value::Object(all);
        for pretty in [false, true] {
            let text = if pretty {
                serde_json::to_string_pretty(&json).unwrap()
            } else {
                serde_json::to_string(&json).unwrap()
            };
            let (api, problems) = read_ok(&text);
            assert!(problems.is_empty(), "{problems:?}");
            assert_eq!(api.operations.len(), 19 * 50);
            assert_unique_anchors(&api);
        }
    }

    // OpenAPI 3.1 §4.8.23: a local reference that names nothing is a
    // problem at the `$ref`; the operation is kept with a marker.
    // References to other documents are not fetched, not a problem.
    #[test]
    fn unresolved_and_external_refs() {
        let text = "openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      parameters:
        - $ref: '#/components/parameters/Missing'
        - $ref: 'common.yaml#/components/parameters/Limit'
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Nope'
        '400':
          $ref: 'https://example.com/errors.yaml#/BadRequest'
components:
  schemas:
    A~B/C: {type: string}
    Uses:
      type: object
      properties:
        escaped: {$ref: '#/components/schemas/A~0B~1C'}
        percent: {$ref: '#/components/schemas/A~0B~1%43'}
";
        let (api, problems) = read_ok(text);
        let lines: Vec<(u32, &str)> = problems
            .iter()
            .map(|p| (p.pos.line, p.message.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (
                    7,
                    "`$ref: #/components/parameters/Missing` does not resolve in this document"
                ),
                (
                    15,
                    "`$ref: #/components/schemas/Nope` does not resolve in this document"
                ),
            ]
        );
        // At the reference text itself.
        assert_eq!(problems[0].pos.col, 17);
        let get = &api.operations[0];
        let missing = get.parameters[0].missing_ref.as_ref().unwrap();
        assert!(!missing.external);
        let external = get.parameters[1].missing_ref.as_ref().unwrap();
        assert!(external.external);
        let schema = get.responses[0].content[0].schema.as_ref().unwrap();
        assert_eq!(
            schema.missing_ref.as_ref().unwrap().reference,
            "#/components/schemas/Nope"
        );
        assert_eq!(schema.type_label, "Nope");
        assert!(get.responses[1].missing_ref.as_ref().unwrap().external);
        assert_eq!(
            api.external_refs,
            [
                "common.yaml#/components/parameters/Limit",
                "https://example.com/errors.yaml#/BadRequest"
            ]
        );
        // JSON Pointer escapes (RFC 6901 §4) and percent-encoding (§6).
        let uses = &api.schemas[1].schema;
        for p in &uses.properties {
            assert_eq!(p.type_label, "string", "{p:?}");
            assert_eq!(p.ref_name.as_deref(), Some("A~B/C"));
            assert_eq!(p.ref_anchor.as_deref(), Some("schema-A-B-C"));
        }
    }

    // Broken parts are skipped and reported; the rest is kept.
    #[test]
    fn broken_operation_is_skipped_with_its_position() {
        let text = "openapi: 3.0.0
info: {title: t, version: 1.0}
paths:
  /a:
    get: not an operation
    post:
      tags: pets
      responses: {}
  /b: [1]
";
        let (api, problems) = read_ok(text);
        // `version: 1.0` is a YAML number; it is read as text, unreported.
        assert_eq!(api.info.version, "1.0");
        assert_eq!(listed(&api.operations), ["POST /a"]);
        let lines: Vec<(u32, u32)> = problems.iter().map(|p| (p.pos.line, p.pos.col)).collect();
        assert_eq!(lines, [(5, 10), (7, 13), (9, 7)], "{problems:?}");
        assert!(problems[0].message.contains("`GET /a` must be a mapping"));
        assert!(problems[1].message.contains("`tags` must be a list"));
    }

    #[test]
    fn missing_info_and_paths_are_reported() {
        let (api, problems) = read_ok("openapi: 3.0.0\n");
        assert!(api.operations.is_empty());
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the definition has no `info`",
                "the definition has no `paths`"
            ]
        );
        let (_, problems) = read("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("none of `paths`"));
        let (_, problems) = read("openapi: 3.1.0\ninfo: {title: t}\ncomponents: {}\n");
        assert_eq!(problems[0].message, "`info` has no `version`");
        assert_eq!(problems[0].pos, Pos::new(2, 7));
    }

    // Definitions are untrusted, but escaping is the template's job: text
    // is kept verbatim, nothing dropped or altered.
    #[test]
    fn hostile_strings_are_kept_verbatim() {
        let text = r#"openapi: 3.0.0
info:
  title: "<script>alert(1)</script>"
  version: "1"
  description: "<img src=x onerror=alert(1)> & \u0000"
paths:
  "/x/<b>":
    get:
      operationId: "\"><script>x</script>"
      summary: "<script>alert('summary')</script>"
      tags: ["<i>tag</i>"]
      responses:
        "200":
          description: "</textarea><script>"
          content:
            application/json:
              schema:
                type: string
                enum: ["</script>"]
                example: "<svg onload=alert(1)>"
"#;
        let (api, problems) = read_ok(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(api.info.title, "<script>alert(1)</script>");
        assert_eq!(
            api.info.description.as_deref(),
            Some("<img src=x onerror=alert(1)> & \u{0}")
        );
        let get = &api.operations[0];
        assert_eq!(get.path, "/x/<b>");
        assert_eq!(
            get.summary.as_deref(),
            Some("<script>alert('summary')</script>")
        );
        assert_eq!(get.operation_id.as_deref(), Some("\"><script>x</script>"));
        assert_eq!(get.anchor, "op-script-x-script");
        assert_eq!(api.groups[0].name, "<i>tag</i>");
        assert_eq!(api.groups[0].anchor, "tag-i-tag-i");
        let response = &get.responses[0];
        assert_eq!(response.description.as_deref(), Some("</textarea><script>"));
        let schema = response.content[0].schema.as_ref().unwrap();
        assert_eq!(schema.enum_values, ["\"</script>\""]);
        assert_eq!(schema.examples, ["<svg onload=alert(1)>"]);
    }

    // Anchors stay unique when operationIds repeat or slug to the same text.
    #[test]
    fn anchors_are_deduplicated() {
        let text = "openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /a:
    get: {operationId: same, responses: {}}
    put: {operationId: same, responses: {}}
    post: {operationId: 'same!', responses: {}}
  /a/b: {get: {responses: {}}}
  /a-b: {get: {responses: {}}}
";
        let (api, _) = read_ok(text);
        let anchors: Vec<&str> = api.operations.iter().map(|o| o.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            [
                "op-same",
                "op-same-2",
                "op-same-3",
                "op-get-a-b",
                "op-get-a-b-2"
            ]
        );
    }

    // OpenAPI 3.1 §4.8.9.1: path-level parameters apply to every operation
    // unless overridden by name and location.
    #[test]
    fn path_parameters_are_merged() {
        let text = "openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /a/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: trace, in: header, schema: {type: string}}
    get:
      parameters:
        - {name: trace, in: header, description: own, schema: {type: integer}}
        - {name: trace, in: query, schema: {type: boolean}}
      responses: {}
";
        let (api, problems) = read_ok(text);
        assert!(problems.is_empty(), "{problems:?}");
        let params: Vec<(&str, &str, &str)> = api.operations[0]
            .parameters
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.location.as_str(),
                    p.schema.as_ref().unwrap().type_label.as_str(),
                )
            })
            .collect();
        assert_eq!(
            params,
            [
                ("id", "path", "string"),
                ("trace", "header", "integer"),
                ("trace", "query", "boolean")
            ]
        );
    }

    #[test]
    fn undeclared_security_scheme_is_reported() {
        let text = "openapi: 3.0.0
info: {title: t, version: '1'}
paths: {}
security:
  - nope: []
  - {}
";
        let (api, problems) = read_ok(text);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].pos, Pos::new(5, 5));
        assert_eq!(api.security[0].schemes[0].anchor, None);
        assert!(api.security[1].schemes.is_empty());
    }

    // The template contract: the model serializes with these field names.
    #[test]
    fn serializes_for_templates() {
        let (api, _) = read_ok(&inline_definition("petstore-api.yaml"));
        let json = serde_json::to_value(&api).unwrap();
        let op = &json["operations"][0];
        assert_eq!(op["anchor"], "op-listPets");
        assert_eq!(op["parameters"][0]["location"], "query");
        assert_eq!(
            op["parameters"][0]["schema"]["type_label"],
            "integer (int32)"
        );
        let pets = &op["responses"][0]["content"][0]["schema"];
        assert_eq!(pets["ref_anchor"], "schema-Pets");
        assert_eq!(pets["items"]["ref_anchor"], "schema-Pet");
        let pet = &json["schemas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "Pet")
            .unwrap()["schema"];
        assert_eq!(pet["properties"][1]["name"], "name");
        assert_eq!(pet["properties"][1]["required"], true);
        assert_eq!(
            json["groups"][0]["operations"],
            serde_json::json!([0, 1, 2])
        );
        assert_eq!(json["info"]["license"]["name"], "MIT");
    }
}
