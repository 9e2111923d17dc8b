//! API reference pages: an API's definition page (the entity page's
//! "Definition" tab), the `/api-docs/` list of every API, and the raw
//! definitions written beside the pages for download.
//!
//! Views read API docs only through [`Tracked::api`](super::tracked::Tracked::api),
//! so a definition page depends on its entity's digest like the entity
//! page does. Descriptions are Markdown (CommonMark in OpenAPI, AsyncAPI
//! and GraphQL): they are rendered with the docs' Markdown pipeline and
//! sanitized here, into the `*_html` fields of the views, the only ones a
//! template marks `| safe` besides highlighted code.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use crate::apidocs::schema::{MissingRef, NamedSchema, Schema};
use crate::apidocs::{ApiDoc, Language, Model, asyncapi, graphql, openapi, proto};
use crate::catalog::{EntityId, RelationType};
use crate::docs::highlight::{FenceOptions, Highlighter};
use crate::docs::markdown::{
    self, CodeHighlighter, LinkKind, LinkResolver, MarkdownOptions, PageContext, Resolved,
    SnippetLoader,
};
use crate::docs::sanitize::{SanitizeOptions, Sanitizer};
use crate::model::Kind;

use super::entity::{display_name, external};
use super::views::{
    ApiDefinitionPage, ApiHeader, ApiIndexPage, ApiIndexRow, ApiInfoView, ApiServerView,
    ApiTocItem, AsyncApiView, AsyncOperationView, BodyView, ChannelView, DownloadLink, ExampleView,
    ExternalLink, FacetValue, GraphqlArgView, GraphqlFieldView, GraphqlOperationsView,
    GraphqlTypeGroupView, GraphqlTypeView, GraphqlValueView, GraphqlView, KeyValue, MediaView,
    MessageView, NamedSchemaView, OpenApiView, OperationGroupView, OperationView, PagerLink,
    ParameterView, ProtoEnumView, ProtoFieldView, ProtoMessageView, ProtoView, ResponseView,
    RpcView, SchemaRow, SecuritySchemeView, ServiceView, TypeLinkView,
};
use super::{Site, urls};

/// Stylesheet of highlighted code (shared with the docs pages).
const HIGHLIGHT_CSS: &str = super::docs::HIGHLIGHT_CSS;

/// The highlighter and sanitizer of API descriptions, built once per
/// process: neither depends on the build's configuration (iframes are
/// never allowed in API descriptions).
fn tools() -> &'static (Highlighter, Sanitizer) {
    static TOOLS: OnceLock<(Highlighter, Sanitizer)> = OnceLock::new();
    TOOLS.get_or_init(|| {
        (
            Highlighter::new(None),
            Sanitizer::new(&SanitizeOptions::default()),
        )
    })
}

/// Snippets and link rewriting are docs-site features: a description has
/// no docs root to read from, and its links stay as written (the sanitizer
/// drops unsafe schemes).
struct Plain;

impl SnippetLoader for Plain {
    fn load(&self, _path: &str) -> Result<String, String> {
        Err("snippets are not available in API descriptions".to_string())
    }
}

impl LinkResolver for Plain {
    fn resolve(&self, _target: &str, _kind: LinkKind) -> Resolved {
        Resolved::Unchanged
    }
}

/// Renders descriptions of one page, each distinct text once: a shared
/// schema's descriptions repeat at every operation that uses it.
#[derive(Default)]
struct Md {
    cache: RefCell<HashMap<String, String>>,
}

impl Md {
    fn html(&self, text: Option<&str>) -> Option<String> {
        let text = text.filter(|t| !t.trim().is_empty())?;
        if let Some(done) = self.cache.borrow().get(text) {
            return Some(done.clone());
        }
        let html = markdown_html(text);
        self.cache
            .borrow_mut()
            .insert(text.to_string(), html.clone());
        Some(html)
    }
}

/// Markdown → sanitized HTML, without heading permalinks.
pub fn markdown_html(text: &str) -> String {
    let (highlighter, sanitizer) = tools();
    let options = MarkdownOptions {
        permalink: None,
        ..MarkdownOptions::default()
    };
    let cx = PageContext {
        options: &options,
        snippets: &Plain,
        links: &Plain,
        highlighter: highlighter as &dyn CodeHighlighter,
    };
    let page = markdown::render_page(text, &cx);
    if page.needs_sanitizing {
        sanitizer.clean(&page.html)
    } else {
        sanitizer.trusted(page.html)
    }
}

/// The definition as a highlighted code block.
fn source_html(doc: &ApiDoc) -> String {
    match doc.language {
        Language::Graphql => graphql::highlight(&doc.text),
        Language::Proto => proto::highlight(&doc.text),
        language => {
            let options = FenceOptions {
                language: match language {
                    Language::Yaml | Language::Json => Some(language.extension().to_string()),
                    _ => None,
                },
                ..FenceOptions::default()
            };
            tools().0.block(&doc.text, &options, 0)
        }
    }
}

fn format_of(doc: Option<&ApiDoc>) -> &'static str {
    let Some(doc) = doc else {
        return "none";
    };
    if doc.not_fetched.is_some() {
        return "url";
    }
    match doc.model {
        Model::OpenApi(_) => "openapi",
        Model::AsyncApi(_) => "asyncapi",
        Model::Graphql(_) => "graphql",
        Model::Proto(_) => "grpc",
        Model::Raw => "raw",
    }
}

/// `page` of an API's definition page.
pub(super) fn definition_page(site: &Site, from: &str, id: EntityId) -> ApiDefinitionPage {
    let e = site.catalog.entity(id);
    let doc = site.catalog.api(id);
    let md = Md::default();
    let format = format_of(doc);
    let related = |rel: RelationType, kind: &str| {
        site.catalog
            .related(id, rel)
            .find(|t| t.kind_lower() == kind)
            .map(|t| site.entity_link(from, t, Some(kind)))
    };
    let about = ApiHeader {
        entity_ref: e.entity_ref.canonical().to_string(),
        name: e.metadata.name.clone(),
        namespace: e.metadata.namespace.clone(),
        display_name: display_name(e),
        description: e.metadata.description.clone(),
        spec_type: e.spec_str("type").map(str::to_string),
        lifecycle: e.spec_str("lifecycle").map(str::to_string),
        owner: site
            .catalog
            .related(id, RelationType::OwnedBy)
            .next()
            .map(|t| site.entity_link(from, t, Some("group"))),
        system: related(RelationType::PartOf, "system"),
        overview_href: urls::href(from, &urls::entity_page(&e.entity_ref)),
        kind_href: urls::href(from, &urls::kind_page(e.entity_ref.kind_lower(), 1)),
        api_docs_href: urls::href(from, urls::API_DOCS),
    };
    let remotes = super::entity::remotes(e);
    let mut page = ApiDefinitionPage {
        about,
        format,
        info: None,
        unreadable: doc.and_then(|d| d.unreadable.clone()),
        problem_count: doc.map_or(0, |d| d.problem_count),
        not_fetched: doc
            .and_then(|d| d.not_fetched.as_deref())
            .map(|u| external(None, u, None)),
        external_refs: doc.map(|d| d.external_refs().to_vec()).unwrap_or_default(),
        download: doc.filter(|d| d.not_fetched.is_none()).map(|d| {
            let path = urls::api_definition_file(&e.entity_ref, d.language.extension());
            DownloadLink {
                name: path.rsplit('/').next().unwrap_or_default().to_string(),
                href: urls::href(from, &path),
            }
        }),
        source_html: None,
        source_lines: doc.map_or(0, |d| d.text.lines().count()),
        highlight_css: urls::href(from, HIGHLIGHT_CSS),
        toc: Vec::new(),
        openapi: None,
        asyncapi: None,
        graphql: None,
        grpc: None,
        remotes,
    };
    let Some(doc) = doc else {
        return page;
    };
    match &doc.model {
        Model::OpenApi(api) => {
            page.info = Some(info_view(
                &md,
                &api.info,
                &api.spec_version,
                api.external_docs.as_ref(),
            ));
            let view = openapi_view(&md, api);
            page.toc = openapi_toc(&view);
            page.openapi = Some(view);
        }
        Model::AsyncApi(api) => {
            page.info = Some(info_view(
                &md,
                &api.info,
                &api.spec_version,
                api.external_docs.as_ref(),
            ));
            let view = asyncapi_view(&md, api);
            page.toc = [
                ("Servers", "servers", view.servers.len()),
                ("Operations", "operations", view.operations.len()),
                ("Channels", "channels", view.channels.len()),
                ("Messages", "messages", view.messages.len()),
                ("Schemas", "schemas", view.schemas.len()),
            ]
            .into_iter()
            .filter(|t| t.2 > 0)
            .map(|(text, anchor, count)| toc(text, anchor, count))
            .collect();
            page.asyncapi = Some(view);
        }
        Model::Graphql(schema) => {
            let view = graphql_view(&md, schema);
            page.toc = view
                .operations
                .iter()
                .map(|o| toc(o.title, o.anchor, o.fields.len()))
                .chain(
                    view.groups
                        .iter()
                        .map(|g| toc(&g.title, &g.anchor, g.types.len())),
                )
                .collect();
            page.graphql = Some(view);
            page.source_html = Some(source_html(doc));
        }
        Model::Proto(file) => {
            let view = proto_view(file);
            page.toc = [
                ("Services", "services", view.services.len()),
                ("Messages", "messages", view.messages.len()),
                ("Enums", "enums", view.enums.len()),
            ]
            .into_iter()
            .filter(|t| t.2 > 0)
            .map(|(text, anchor, count)| toc(text, anchor, count))
            .collect();
            page.grpc = Some(view);
            page.source_html = Some(source_html(doc));
        }
        Model::Raw if doc.not_fetched.is_none() => page.source_html = Some(source_html(doc)),
        Model::Raw => {}
    }
    page
}

fn toc(text: &str, anchor: &str, count: usize) -> ApiTocItem {
    ApiTocItem {
        text: text.to_string(),
        href: format!("#{anchor}"),
        count,
    }
}

fn info_view(
    md: &Md,
    info: &openapi::Info,
    spec_version: &str,
    docs: Option<&openapi::ExternalDocs>,
) -> ApiInfoView {
    let mut contact = Vec::new();
    if let Some(c) = &info.contact {
        if let Some(url) = &c.url {
            contact.push(external(c.name.as_deref(), url, None));
        }
        if let Some(email) = &c.email {
            contact.push(external(Some(email), &format!("mailto:{email}"), None));
        }
        if c.url.is_none()
            && c.email.is_none()
            && let Some(name) = &c.name
        {
            contact.push(text_link(name));
        }
    }
    ApiInfoView {
        title: info.title.clone(),
        version: info.version.clone(),
        spec_version: spec_version.to_string(),
        summary: info.summary.clone(),
        description_html: md.html(info.description.as_deref()),
        terms_of_service: info
            .terms_of_service
            .as_deref()
            .map(|u| external(Some("Terms of service"), u, None)),
        contact,
        license: info.license.as_ref().and_then(|l| {
            let name = l.name.as_deref().or(l.identifier.as_deref());
            match &l.url {
                Some(url) => Some(external(name, url, None)),
                None => name.map(text_link),
            }
        }),
        external_docs: docs.map(|d| external(d.description.as_deref(), &d.url, None)),
    }
}

/// Text shown where a link could be, without one.
fn text_link(text: &str) -> ExternalLink {
    ExternalLink {
        text: text.to_string(),
        url: text.to_string(),
        href: None,
        link_type: None,
    }
}

fn openapi_toc(view: &OpenApiView) -> Vec<ApiTocItem> {
    let mut out = Vec::new();
    if !view.servers.is_empty() {
        out.push(toc("Servers", "servers", view.servers.len()));
    }
    for g in &view.groups {
        out.push(toc(&g.name, &g.anchor, g.operations.len()));
    }
    if !view.webhooks.is_empty() {
        out.push(toc("Webhooks", "webhooks", view.webhooks.len()));
    }
    if !view.schemas.is_empty() {
        out.push(toc("Schemas", "schemas", view.schemas.len()));
    }
    if !view.security_schemes.is_empty() {
        out.push(toc("Security", "security", view.security_schemes.len()));
    }
    out
}

fn openapi_view(md: &Md, api: &openapi::OpenApi) -> OpenApiView {
    let mut shown = vec![false; api.operations.len()];
    let groups = api
        .groups
        .iter()
        .map(|g| OperationGroupView {
            name: g.name.clone(),
            anchor: g.anchor.clone(),
            description_html: md.html(g.description.as_deref()),
            operations: g
                .operations
                .iter()
                .filter_map(|&i| {
                    let op = api.operations.get(i)?;
                    let primary = !std::mem::replace(&mut shown[i], true);
                    Some(operation_view(md, op, primary))
                })
                .collect(),
        })
        .collect();
    OpenApiView {
        servers: api
            .servers
            .iter()
            .map(|s| ApiServerView {
                name: None,
                anchor: None,
                url: s.url.clone(),
                protocol: None,
                description_html: md.html(s.description.as_deref()),
                variables: variables(&s.variables),
            })
            .collect(),
        groups,
        webhooks: api
            .webhooks
            .iter()
            .map(|op| operation_view(md, op, true))
            .collect(),
        schemas: named_schemas(md, &api.schemas),
        security_schemes: security_schemes(md, &api.security_schemes),
        operation_count: api.operations.len(),
    }
}

fn variables(vars: &[openapi::ServerVariable]) -> Vec<String> {
    vars.iter()
        .map(|v| {
            let mut s = v.name.clone();
            if let Some(d) = &v.default {
                s.push_str(" = ");
                s.push_str(d);
            }
            if !v.enum_values.is_empty() {
                s.push_str(&format!(" (one of: {})", v.enum_values.join(", ")));
            }
            if let Some(d) = &v.description {
                s.push_str(" — ");
                s.push_str(d);
            }
            s
        })
        .collect()
}

fn missing(m: &Option<MissingRef>) -> Option<String> {
    m.as_ref().map(|m| m.reference.clone())
}

fn operation_view(md: &Md, op: &openapi::Operation, primary: bool) -> OperationView {
    let summary_only = OperationView {
        anchor: op.anchor.clone(),
        primary,
        method: op.method.to_uppercase(),
        method_class: op.method.to_lowercase(),
        path: op.path.clone(),
        operation_id: op.operation_id.clone(),
        summary: op.summary.clone(),
        description_html: None,
        deprecated: op.deprecated,
        parameters: Vec::new(),
        request_body: None,
        responses: Vec::new(),
        security: Vec::new(),
    };
    if !primary {
        return summary_only;
    }
    OperationView {
        description_html: md.html(op.description.as_deref()),
        parameters: op
            .parameters
            .iter()
            .map(|p| parameter_view(md, p))
            .collect(),
        request_body: op.request_body.as_ref().map(|b| BodyView {
            description_html: md.html(b.description.as_deref()),
            required: b.required,
            content: b.content.iter().map(|m| media_view(md, m)).collect(),
            missing_ref: missing(&b.missing_ref),
        }),
        responses: op
            .responses
            .iter()
            .map(|r| ResponseView {
                status: r.status.clone(),
                status_class: match r.status.chars().next() {
                    Some(c @ '1'..='5') => format!("{c}xx"),
                    _ => "default".to_string(),
                },
                description_html: md.html(r.description.as_deref()),
                headers: r
                    .headers
                    .iter()
                    .map(|h| ParameterView {
                        name: h.name.clone(),
                        location: None,
                        required: h.required,
                        deprecated: h.deprecated,
                        type_label: h.schema.as_ref().map(|s| s.type_label.clone()),
                        description_html: md.html(h.description.as_deref()),
                        schema: h
                            .schema
                            .as_ref()
                            .filter(|s| has_children(s))
                            .map(|s| schema_rows(md, s))
                            .unwrap_or_default(),
                        examples: Vec::new(),
                        missing_ref: missing(&h.missing_ref),
                    })
                    .collect(),
                content: r.content.iter().map(|m| media_view(md, m)).collect(),
                missing_ref: missing(&r.missing_ref),
            })
            .collect(),
        security: op.security.iter().map(requirement_text).collect(),
        ..summary_only
    }
}

fn requirement_text(r: &openapi::SecurityRequirement) -> String {
    if r.schemes.is_empty() {
        return "none (anonymous access)".to_string();
    }
    r.schemes
        .iter()
        .map(|s| {
            if s.scopes.is_empty() {
                s.name.clone()
            } else {
                format!("{} ({})", s.name, s.scopes.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

fn parameter_view(md: &Md, p: &openapi::Parameter) -> ParameterView {
    ParameterView {
        name: p.name.clone(),
        location: Some(p.location.clone()),
        required: p.required,
        deprecated: p.deprecated,
        type_label: p.schema.as_ref().map(|s| s.type_label.clone()),
        description_html: md.html(p.description.as_deref()),
        schema: p
            .schema
            .as_ref()
            .filter(|s| has_children(s))
            .map(|s| schema_rows(md, s))
            .unwrap_or_default(),
        examples: p.examples.iter().map(example_view).collect(),
        missing_ref: missing(&p.missing_ref),
    }
}

fn example_view(e: &openapi::Example) -> ExampleView {
    ExampleView {
        name: e.name.clone(),
        summary: e.summary.clone(),
        value: e.value.clone(),
        external: e.external_value.clone(),
    }
}

fn media_view(md: &Md, m: &openapi::MediaType) -> MediaView {
    MediaView {
        media_type: m.media_type.clone(),
        schema: m
            .schema
            .as_ref()
            .map(|s| schema_rows(md, s))
            .unwrap_or_default(),
        examples: m.examples.iter().map(example_view).collect(),
    }
}

fn named_schemas(md: &Md, schemas: &[NamedSchema]) -> Vec<NamedSchemaView> {
    schemas
        .iter()
        .map(|s| NamedSchemaView {
            name: s.name.clone(),
            anchor: s.anchor.clone(),
            schema: schema_rows(md, &s.schema),
        })
        .collect()
}

fn security_schemes(md: &Md, schemes: &[openapi::SecurityScheme]) -> Vec<SecuritySchemeView> {
    schemes
        .iter()
        .map(|s| {
            let mut details = Vec::new();
            let mut add = |key: &str, value: Option<&String>| {
                if let Some(v) = value {
                    details.push(KeyValue {
                        key: key.to_string(),
                        value: v.clone(),
                    });
                }
            };
            add("scheme", s.scheme.as_ref());
            add("bearer format", s.bearer_format.as_ref());
            add("in", s.location.as_ref());
            add("name", s.param_name.as_ref());
            add("OpenID Connect URL", s.open_id_connect_url.as_ref());
            for f in &s.flows {
                let mut text = Vec::new();
                for (k, v) in [
                    ("authorization URL", &f.authorization_url),
                    ("token URL", &f.token_url),
                    ("refresh URL", &f.refresh_url),
                ] {
                    if let Some(v) = v {
                        text.push(format!("{k}: {v}"));
                    }
                }
                if !f.scopes.is_empty() {
                    let scopes: Vec<&str> = f.scopes.iter().map(|s| s.name.as_str()).collect();
                    text.push(format!("scopes: {}", scopes.join(", ")));
                }
                details.push(KeyValue {
                    key: format!("{} flow", f.kind),
                    value: text.join("; "),
                });
            }
            if let Some(m) = &s.missing_ref {
                details.push(KeyValue {
                    key: "not followed".to_string(),
                    value: m.reference.clone(),
                });
            }
            SecuritySchemeView {
                name: s.name.clone(),
                anchor: s.anchor.clone(),
                kind: s.kind.clone(),
                description_html: md.html(s.description.as_deref()),
                details,
            }
        })
        .collect()
}

fn has_children(s: &Schema) -> bool {
    !s.properties.is_empty()
        || s.items.is_some()
        || s.additional_properties.is_some()
        || !s.prefix_items.is_empty()
        || !s.one_of.is_empty()
        || !s.any_of.is_empty()
        || !s.all_of.is_empty()
        || s.not.is_some()
}

/// A schema tree as a flat list of rows (see [`SchemaRow`]).
fn schema_rows(md: &Md, s: &Schema) -> Vec<SchemaRow> {
    let mut out = Vec::new();
    push_schema(md, &mut out, s, None, 0);
    out
}

fn push_schema(
    md: &Md,
    out: &mut Vec<SchemaRow>,
    s: &Schema,
    role: Option<&'static str>,
    depth: usize,
) {
    let mut children: Vec<(Option<&'static str>, &Schema)> = Vec::new();
    children.extend(s.properties.iter().map(|p| (None, p)));
    if let Some(a) = &s.additional_properties {
        children.push((Some("additional properties"), a));
    }
    if let Some(i) = &s.items {
        children.push((Some("items"), i));
    }
    children.extend(s.prefix_items.iter().map(|p| (Some("tuple item"), p)));
    children.extend(s.one_of.iter().map(|p| (Some("one of"), p)));
    children.extend(s.any_of.iter().map(|p| (Some("any of"), p)));
    children.extend(s.all_of.iter().map(|p| (Some("all of"), p)));
    if let Some(n) = &s.not {
        children.push((Some("not"), n));
    }
    let mut flags = Vec::new();
    for (on, flag) in [
        (s.nullable, "nullable"),
        (s.read_only, "read-only"),
        (s.write_only, "write-only"),
        (s.deprecated, "deprecated"),
        (s.closed, "no other properties"),
    ] {
        if on {
            flags.push(flag);
        }
    }
    out.push(SchemaRow {
        event: if children.is_empty() { "leaf" } else { "open" },
        role,
        name: s.name.clone(),
        required: s.required,
        type_label: s.type_label.clone(),
        ref_name: s.ref_name.clone(),
        ref_href: s.ref_anchor.as_ref().map(|a| format!("#{a}")),
        recursive: s.recursive,
        truncated: s.truncated,
        missing_ref: s.missing_ref.as_ref().map(|m| m.reference.clone()),
        missing_external: s.missing_ref.as_ref().is_some_and(|m| m.external),
        title: s.title.clone(),
        description_html: md.html(s.description.as_deref()),
        enum_values: s.enum_values.clone(),
        enum_more: s.enum_more,
        default: s.default.clone(),
        examples: s.examples.clone(),
        constraints: s
            .constraints
            .iter()
            .map(|c| format!("{}: {}", c.keyword, c.value))
            .collect(),
        flags,
        discriminator: s.discriminator.clone(),
        expanded: depth < 1,
    });
    if children.is_empty() {
        return;
    }
    for (role, child) in children {
        push_schema(md, out, child, role, depth + 1);
    }
    out.push(SchemaRow {
        event: "close",
        ..SchemaRow::default()
    });
}

fn asyncapi_view(md: &Md, api: &asyncapi::AsyncApi) -> AsyncApiView {
    let message = |m: &asyncapi::Message| MessageView {
        anchor: m.anchor.clone(),
        name: m.key.clone(),
        title: m.title.clone().or_else(|| m.name.clone()),
        summary: m.summary.clone(),
        description_html: md.html(m.description.as_deref()),
        content_type: m.content_type.clone(),
        ref_href: m.ref_anchor.as_ref().map(|a| format!("#{a}")),
        headers: m
            .headers
            .as_ref()
            .map(|s| schema_rows(md, s))
            .unwrap_or_default(),
        payload: m
            .payload
            .as_ref()
            .map(|s| schema_rows(md, s))
            .unwrap_or_default(),
        payload_format: m.payload_format.clone(),
        examples: m
            .examples
            .iter()
            .map(|x| ExampleView {
                name: x.name.clone(),
                summary: x.summary.clone(),
                value: match (&x.headers, &x.payload) {
                    (Some(h), Some(p)) => Some(format!("headers: {h}\npayload: {p}")),
                    (None, Some(p)) => Some(p.clone()),
                    (Some(h), None) => Some(format!("headers: {h}")),
                    (None, None) => None,
                },
                external: None,
            })
            .collect(),
        missing_ref: missing(&m.missing_ref),
    };
    AsyncApiView {
        servers: api
            .servers
            .iter()
            .map(|s| ApiServerView {
                name: Some(s.name.clone()),
                anchor: Some(s.anchor.clone()),
                url: s.url.clone(),
                protocol: match (&s.protocol, &s.protocol_version) {
                    (Some(p), Some(v)) => Some(format!("{p} {v}")),
                    (p, _) => p.clone(),
                },
                description_html: md.html(s.description.as_deref()),
                variables: variables(&s.variables),
            })
            .collect(),
        channels: api
            .channels
            .iter()
            .map(|c| ChannelView {
                anchor: c.anchor.clone(),
                name: c.key.clone(),
                address: c.address.clone(),
                title: c.title.clone(),
                summary: c.summary.clone(),
                description_html: md.html(c.description.as_deref()),
                parameters: c
                    .parameters
                    .iter()
                    .map(|p| ParameterView {
                        name: p.name.clone(),
                        location: p.location.clone(),
                        required: true,
                        deprecated: false,
                        type_label: p.schema.as_ref().map(|s| s.type_label.clone()),
                        description_html: md.html(p.description.as_deref()),
                        schema: Vec::new(),
                        examples: p
                            .enum_values
                            .iter()
                            .map(|v| ExampleView {
                                name: Some("allowed".to_string()),
                                summary: None,
                                value: Some(v.clone()),
                                external: None,
                            })
                            .chain(p.examples.iter().map(|v| ExampleView {
                                name: None,
                                summary: None,
                                value: Some(v.clone()),
                                external: None,
                            }))
                            .collect(),
                        missing_ref: missing(&p.missing_ref),
                    })
                    .collect(),
                operations: c
                    .operations
                    .iter()
                    .filter_map(|&i| api.operations.get(i))
                    .map(|o| PagerLink {
                        title: format!(
                            "{} {}",
                            o.action,
                            o.operation_id.as_deref().unwrap_or(&o.channel)
                        ),
                        href: format!("#{}", o.anchor),
                    })
                    .collect(),
                messages: c.messages.iter().map(message).collect(),
            })
            .collect(),
        operations: api
            .operations
            .iter()
            .map(|o| AsyncOperationView {
                anchor: o.anchor.clone(),
                action: o.action.clone(),
                channel: o.channel.clone(),
                channel_href: o.channel_anchor.as_ref().map(|a| format!("#{a}")),
                operation_id: o.operation_id.clone(),
                title: o.title.clone(),
                summary: o.summary.clone(),
                description_html: md.html(o.description.as_deref()),
                messages: o.messages.iter().map(message).collect(),
            })
            .collect(),
        messages: api.messages.iter().map(message).collect(),
        schemas: named_schemas(md, &api.schemas),
        security_schemes: security_schemes(md, &api.security_schemes),
    }
}

fn gql_type(t: &graphql::TypeRef) -> TypeLinkView {
    TypeLinkView {
        prefix: t.prefix.clone(),
        name: t.name.clone(),
        suffix: t.suffix.clone(),
        href: t.link.as_ref().map(|l| format!("#{l}")),
    }
}

fn deprecation(deprecated: bool, reason: &Option<String>) -> Option<String> {
    deprecated.then(|| reason.clone().unwrap_or_else(|| "deprecated".to_string()))
}

fn gql_field(md: &Md, f: &graphql::Field, anchor: &str) -> GraphqlFieldView {
    GraphqlFieldView {
        anchor: anchor.to_string(),
        name: f.name.clone(),
        args: f
            .args
            .iter()
            .map(|a| GraphqlArgView {
                name: a.name.clone(),
                ty: gql_type(&a.ty),
                default: a.default.clone(),
                description_html: md.html(a.description.as_deref()),
            })
            .collect(),
        ty: gql_type(&f.ty),
        default: None,
        description_html: md.html(f.description.as_deref()),
        deprecated: deprecation(f.deprecated, &f.deprecation_reason),
    }
}

fn graphql_view(md: &Md, schema: &graphql::GraphqlSchema) -> GraphqlView {
    let operations = [
        ("Queries", "queries", &schema.query_type, &schema.queries),
        (
            "Mutations",
            "mutations",
            &schema.mutation_type,
            &schema.mutations,
        ),
        (
            "Subscriptions",
            "subscriptions",
            &schema.subscription_type,
            &schema.subscriptions,
        ),
    ]
    .into_iter()
    .filter(|(_, _, _, fields)| !fields.is_empty())
    .map(|(title, anchor, root, fields)| GraphqlOperationsView {
        title,
        anchor,
        root_type: root.as_ref().map(gql_type),
        fields: fields.iter().map(|f| gql_field(md, f, &f.anchor)).collect(),
    })
    .collect();
    let groups = schema
        .groups
        .iter()
        .map(|g| GraphqlTypeGroupView {
            title: g.title.to_string(),
            anchor: g.anchor.clone(),
            types: g
                .types
                .iter()
                .map(|t| GraphqlTypeView {
                    anchor: t.anchor.clone(),
                    name: t.name.clone(),
                    keyword: t.kind.keyword(),
                    description_html: md.html(t.description.as_deref()),
                    interfaces: t.interfaces.iter().map(gql_type).collect(),
                    fields: t
                        .fields
                        .iter()
                        .map(|f| gql_field(md, f, &f.anchor))
                        .chain(t.input_fields.iter().map(|f| GraphqlFieldView {
                            anchor: f.anchor.clone(),
                            name: f.name.clone(),
                            args: Vec::new(),
                            ty: gql_type(&f.ty),
                            default: f.default.clone(),
                            description_html: md.html(f.description.as_deref()),
                            deprecated: deprecation(f.deprecated, &f.deprecation_reason),
                        }))
                        .collect(),
                    members: t.members.iter().map(gql_type).collect(),
                    values: t
                        .values
                        .iter()
                        .map(|v| GraphqlValueView {
                            anchor: v.anchor.clone(),
                            name: v.name.clone(),
                            description_html: md.html(v.description.as_deref()),
                            deprecated: deprecation(v.deprecated, &v.deprecation_reason),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    GraphqlView {
        description_html: md.html(schema.description.as_deref()),
        operations,
        groups,
    }
}

fn proto_type(t: &proto::TypeRef) -> TypeLinkView {
    TypeLinkView {
        prefix: String::new(),
        name: t.text.clone(),
        suffix: String::new(),
        href: t.link.as_ref().map(|l| format!("#{l}")),
    }
}

fn proto_view(file: &proto::ProtoFile) -> ProtoView {
    ProtoView {
        syntax: file.edition.clone().unwrap_or_else(|| file.syntax.clone()),
        package: file.package.clone(),
        imports: file.imports.iter().map(|i| i.path.clone()).collect(),
        services: file
            .services
            .iter()
            .map(|s| ServiceView {
                anchor: s.anchor.clone(),
                name: s.name.clone(),
                full_name: s.full_name.clone(),
                description: s.description.clone(),
                rpcs: s
                    .rpcs
                    .iter()
                    .map(|r| RpcView {
                        anchor: r.anchor.clone(),
                        name: r.name.clone(),
                        request: proto_type(&r.request),
                        response: proto_type(&r.response),
                        client_streaming: r.client_streaming,
                        server_streaming: r.server_streaming,
                        description: r.description.clone(),
                        deprecated: r.deprecated,
                    })
                    .collect(),
            })
            .collect(),
        messages: file
            .all_messages()
            .into_iter()
            .map(|m| ProtoMessageView {
                anchor: m.anchor.clone(),
                full_name: m.full_name.clone(),
                description: m.description.clone(),
                fields: m
                    .fields
                    .iter()
                    .map(|f| ProtoFieldView {
                        name: f.name.clone(),
                        label: f.label.clone(),
                        map_key: f.map_key.clone(),
                        ty: proto_type(&f.ty),
                        number: f.number,
                        oneof: f.oneof.clone(),
                        description: f.description.clone(),
                        deprecated: f.deprecated,
                    })
                    .collect(),
            })
            .collect(),
        enums: file
            .all_enums()
            .into_iter()
            .map(|e| ProtoEnumView {
                anchor: e.anchor.clone(),
                full_name: e.full_name.clone(),
                description: e.description.clone(),
                values: e
                    .values
                    .iter()
                    .map(|v| KeyValue {
                        key: v.name.clone(),
                        value: v.number.to_string(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `page` of `/api-docs/`: every API entity, in catalog order.
pub(super) fn index_page(site: &Site, from: &str) -> ApiIndexPage {
    let ids = site
        .kinds
        .iter()
        .find(|k| k.key == "api")
        .map(|k| k.ids.as_slice())
        .unwrap_or_default();
    let mut types: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut lifecycles: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut owners: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let count = |map: &mut BTreeMap<String, (String, usize)>, value: &str| {
        if !value.is_empty() {
            map.entry(value.to_lowercase())
                .or_insert_with(|| (value.to_string(), 0))
                .1 += 1;
        }
    };
    let rows = ids
        .iter()
        .map(|&id| {
            let e = site.catalog.entity(id);
            let links = |rel: RelationType| {
                site.catalog
                    .related(id, rel)
                    .map(|t| site.entity_link(from, t, Some("component")))
                    .collect::<Vec<_>>()
            };
            let owner = site
                .catalog
                .related(id, RelationType::OwnedBy)
                .next()
                .map(|t| site.entity_link(from, t, Some("group")));
            let spec_type = e.spec_str("type").map(str::to_string);
            let lifecycle = e.spec_str("lifecycle").map(str::to_string);
            count(&mut types, spec_type.as_deref().unwrap_or_default());
            count(&mut lifecycles, lifecycle.as_deref().unwrap_or_default());
            count(
                &mut owners,
                owner.as_ref().map(|o| o.text.as_str()).unwrap_or_default(),
            );
            let name = display_name(e);
            let mut text = vec![e.metadata.name.as_str(), name.as_str()];
            text.extend(e.metadata.description.as_deref());
            text.extend(e.metadata.tags.iter().map(String::as_str));
            ApiIndexRow {
                link: site.link_to(from, id, Some("api")),
                definition_href: urls::href(from, &urls::api_definition_page(&e.entity_ref)),
                filter_type: spec_type.as_deref().unwrap_or_default().to_lowercase(),
                filter_lifecycle: lifecycle.as_deref().unwrap_or_default().to_lowercase(),
                filter_owner: owner
                    .as_ref()
                    .map(|o| o.text.to_lowercase())
                    .unwrap_or_default(),
                filter_text: text.join(" ").to_lowercase(),
                display_name: name,
                spec_type,
                lifecycle,
                owner,
                system: site
                    .catalog
                    .related(id, RelationType::PartOf)
                    .find(|t| t.kind_lower() == "system")
                    .map(|t| site.entity_link(from, t, Some("system"))),
                providers: links(RelationType::ApiProvidedBy),
                consumers: links(RelationType::ApiConsumedBy),
                description: e.metadata.description.clone(),
            }
        })
        .collect();
    let facet = |map: BTreeMap<String, (String, usize)>| {
        map.into_iter()
            .map(|(value, (label, count))| FacetValue {
                value,
                label,
                count,
            })
            .collect()
    };
    ApiIndexPage {
        rows,
        types: facet(types),
        lifecycles: facet(lifecycles),
        owners: facet(owners),
    }
}

/// The link to an API's definition page from page `from`, when `target`
/// names an API of the catalog.
pub(super) fn definition_href(site: &Site, from: &str, id: EntityId) -> Option<String> {
    let e = site.catalog.entity(id);
    (e.kind == Kind::Api).then(|| urls::href(from, &urls::api_definition_page(&e.entity_ref)))
}

/// Each API's raw definition, beside its definition page.
pub(super) fn definition_files(site: &Site) -> Vec<(String, Vec<u8>)> {
    let catalog = site.catalog.whole();
    catalog
        .iter()
        .filter_map(|(id, e)| {
            let doc = site.catalog.api(id)?;
            if doc.not_fetched.is_some() {
                return None;
            }
            Some((
                urls::api_definition_file(&e.entity_ref, doc.language.extension()),
                doc.text.clone().into_bytes(),
            ))
        })
        .collect()
}
