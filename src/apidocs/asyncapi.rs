//! AsyncAPI definitions (2.x and 3.x) → one model.
//!
//! Backstage shows `asyncapi` APIs with AsyncAPI React; this reader gives a
//! static page the same content: info, servers, channels with their
//! parameters, operations with their messages, and the components.
//!
//! The two major versions arrange the same things differently, and the
//! model follows 3.x where they differ:
//!
//! - 2.x operations live on the channel (`publish`/`subscribe`); they are
//!   listed in [`AsyncApi::operations`] with `action` as written, and the
//!   channel's `address` is its key. The verbs are not translated: 2.x's
//!   `publish` means "others publish, this application receives", which
//!   3.x says as `receive`, and guessing the perspective would mislead.
//! - 2.x `message: {oneOf: [...]}` is a list of messages, like 3.x's.
//! - 3.x operations name their channel and messages by `$ref`; messages a
//!   3.x operation does not list are all of its channel's.
//! - Message traits are applied: a field the message lacks is taken from
//!   its traits, in order (the message's own value wins).
//!
//! Payloads in other schema formats (Avro, RAML, Protobuf) are not shown
//! as a schema; `payload_format` names the format.

use std::collections::HashMap;

use serde::Serialize;

use super::openapi::{
    ExternalDocs, Info, RequiredScheme, SecurityRequirement, SecurityScheme, ServerVariable,
    components, external_docs, read_info, requirements, security_schemes, server_variables,
};
use super::schema::{
    Anchors, Ctx, Deref, MissingRef, NamedSchema, Schema, example_text, parse, plain_text,
    wrong_type,
};
use super::{Problem, ProblemKind};
use crate::model::yaml::{Map, Node, Value};
use crate::source::Pos;

/// A whole AsyncAPI definition.
#[derive(Debug, Clone, Serialize)]
pub struct AsyncApi {
    /// The version as written: `2.6.0`, `3.0.0`.
    pub spec_version: String,
    /// The application's `id` (a URI), if given.
    pub id: Option<String>,
    pub info: Info,
    /// 2.x top-level `externalDocs`, 3.x `info.externalDocs`.
    pub external_docs: Option<ExternalDocs>,
    /// Content type of messages that set none.
    pub default_content_type: Option<String>,
    pub servers: Vec<Server>,
    /// In source order.
    pub channels: Vec<Channel>,
    /// 3.x `operations`, or the 2.x `publish`/`subscribe` of each channel,
    /// in source order.
    pub operations: Vec<Operation>,
    /// `components.messages`, each with the anchor that message
    /// occurrences link to (`Message::ref_anchor`).
    pub messages: Vec<Message>,
    /// `components.schemas`.
    pub schemas: Vec<NamedSchema>,
    /// `components.securitySchemes`.
    pub security_schemes: Vec<SecurityScheme>,
    /// References to other files or URLs, which were not fetched.
    pub external_refs: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Server {
    /// The key it is declared under.
    pub name: String,
    pub anchor: String,
    /// 2.x `url` as written; 3.x `host` + `pathname`. May contain
    /// `{variable}` placeholders; usually without the protocol.
    pub url: String,
    pub protocol: Option<String>,
    pub protocol_version: Option<String>,
    pub title: Option<String>,
    /// Raw Markdown.
    pub description: Option<String>,
    pub variables: Vec<ServerVariable>,
    /// Any one of them suffices.
    pub security: Vec<SecurityRequirement>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Channel {
    /// The key it is declared under (2.x: also its address).
    pub key: String,
    pub anchor: String,
    /// The topic, queue or path; `None` when unknown or dynamic (3.x
    /// `address: null`).
    pub address: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    /// Raw Markdown.
    pub description: Option<String>,
    pub parameters: Vec<ChannelParameter>,
    /// 3.x: the channel's `messages`. 2.x: none (messages belong to the
    /// operations).
    pub messages: Vec<Message>,
    /// Indices into [`AsyncApi::operations`] of the operations on this
    /// channel.
    pub operations: Vec<usize>,
    /// Names of the servers the channel is available on; empty means all.
    pub servers: Vec<String>,
    pub missing_ref: Option<MissingRef>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ChannelParameter {
    pub name: String,
    /// Raw Markdown.
    pub description: Option<String>,
    /// 2.x: the parameter's schema. 3.x parameters are strings described by
    /// `enum_values`, `default` and `examples` instead.
    pub schema: Option<Schema>,
    /// Display text of the allowed values.
    pub enum_values: Vec<String>,
    pub default: Option<String>,
    pub examples: Vec<String>,
    /// A runtime expression saying where the value comes from.
    pub location: Option<String>,
    pub missing_ref: Option<MissingRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// Unique in the document: `operation-` + operationId (3.x: the key),
    /// else `operation-action-channel`.
    pub anchor: String,
    /// 3.x: the key it is declared under; 2.x: `None`.
    pub key: Option<String>,
    /// 3.x `send` or `receive`; 2.x `publish` or `subscribe`, as written
    /// (see the module docs).
    pub action: String,
    /// Key of the channel, and its anchor when the channel exists.
    pub channel: String,
    pub channel_anchor: Option<String>,
    pub operation_id: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    /// Raw Markdown.
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub external_docs: Option<ExternalDocs>,
    pub messages: Vec<Message>,
    /// Any one of them suffices; empty: none given.
    pub security: Vec<SecurityRequirement>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Message {
    /// Unique in the document.
    pub anchor: String,
    /// The key it is declared under (components or channel messages), else
    /// its `name` field, else its position in a list.
    pub key: String,
    /// The `name` field: a machine-friendly name.
    pub name: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    /// Raw Markdown.
    pub description: Option<String>,
    /// The message's `contentType`, else the document's default.
    pub content_type: Option<String>,
    pub headers: Option<Schema>,
    pub payload: Option<Schema>,
    /// `schemaFormat` of a payload that is no JSON Schema (Avro...): the
    /// payload is then not shown as a schema.
    pub payload_format: Option<String>,
    pub examples: Vec<MessageExample>,
    pub tags: Vec<String>,
    /// The component message this occurrence refers to: its key and anchor.
    pub ref_name: Option<String>,
    pub ref_anchor: Option<String>,
    pub missing_ref: Option<MissingRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MessageExample {
    pub name: Option<String>,
    pub summary: Option<String>,
    /// Pretty JSON text, possibly truncated.
    pub headers: Option<String>,
    pub payload: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Major {
    V2,
    V3,
}

/// Reads an AsyncAPI definition. `None` only when the text is no usable
/// AsyncAPI 2.x/3.x document; otherwise broken parts are skipped and
/// reported.
pub fn read(text: &str) -> (Option<AsyncApi>, Vec<Problem>) {
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
                    "an AsyncAPI definition must be a mapping, not {}",
                    root.type_name()
                ),
            )],
        );
    };
    let mut ctx = Ctx::new(&root);
    let Some(version_node) = map.get("asyncapi") else {
        return (
            None,
            vec![
                Problem::new(
                    root.span.start,
                    "this is no AsyncAPI definition: it has no `asyncapi` version field",
                )
                .help("start the definition with `asyncapi: 3.0.0` (or the version it follows)"),
            ],
        );
    };
    let version = ctx.scalar(map, "asyncapi").unwrap_or_default();
    let major = match version.split('.').next() {
        Some("2") => Major::V2,
        Some("3") => Major::V3,
        _ => {
            return (
                None,
                vec![
                    Problem::new(
                        version_node.span.start,
                        format!("AsyncAPI version `{version}` is not supported"),
                    )
                    .help("Backlot reads AsyncAPI 2.x and 3.x")
                    .kind(ProblemKind::UnsupportedVersion),
                ],
            );
        }
    };
    let mut reader = Reader {
        ctx,
        anchors: Anchors::default(),
        major,
        default_content_type: None,
        message_anchors: HashMap::new(),
        scheme_anchors: Vec::new(),
    };
    let api = reader.document(map, &root, version);
    (Some(api), reader.ctx.into_problems())
}

struct Reader<'a> {
    ctx: Ctx<'a>,
    anchors: Anchors,
    major: Major,
    default_content_type: Option<String>,
    /// Pointer segments of component (and 3.x channel) messages → (key,
    /// anchor), for linking occurrences to them.
    message_anchors: HashMap<Vec<String>, (String, String)>,
    scheme_anchors: Vec<(String, String)>,
}

impl<'a> Reader<'a> {
    fn document(&mut self, map: &'a Map, root: &'a Node, spec_version: String) -> AsyncApi {
        self.default_content_type = self.ctx.string(map, "defaultContentType");
        let components = self.ctx.map(map, "components");
        let schemas = match components.and_then(|c| self.ctx.map(c, "schemas")) {
            Some(schemas) => components_schemas(&mut self.ctx, &mut self.anchors, schemas),
            None => Vec::new(),
        };
        let security_schemes = match components.and_then(|c| self.ctx.map(c, "securitySchemes")) {
            Some(s) => security_schemes(&mut self.ctx, &mut self.anchors, s),
            None => Vec::new(),
        };
        self.scheme_anchors = security_schemes
            .iter()
            .map(|s| (s.name.clone(), s.anchor.clone()))
            .collect();
        let messages = match components.and_then(|c| self.ctx.map(c, "messages")) {
            Some(m) => self.component_messages(m),
            None => Vec::new(),
        };
        let (info, info_map) = match map.get("info") {
            Some(node) => match node.as_map() {
                Some(info) => (read_info(&mut self.ctx, info, node), Some(info)),
                None => {
                    self.ctx.report(wrong_type(node, "info", "a mapping"));
                    (Info::default(), None)
                }
            },
            None => {
                self.ctx.report(
                    Problem::new(root.span.start, "the definition has no `info`")
                        .help("`info` with `title` and `version` is required"),
                );
                (Info::default(), None)
            }
        };
        let external_docs = match self.major {
            Major::V2 => external_docs(&mut self.ctx, map),
            Major::V3 => info_map.and_then(|i| external_docs(&mut self.ctx, i)),
        };
        let servers = self.servers(map);
        let mut channels = Vec::new();
        let mut operations = Vec::new();
        match (self.major, self.ctx.map(map, "channels")) {
            (Major::V2, None) if map.get("channels").is_none() => self.ctx.report(
                Problem::new(root.span.start, "the definition has no `channels`")
                    .help("`channels` is required in AsyncAPI 2; write `channels: {}` for none"),
            ),
            (_, Some(list)) => {
                for (key, node) in list.iter() {
                    let channel = self.channel(&key.text, node, &mut operations);
                    channels.push(channel);
                }
            }
            _ => {}
        }
        if self.major == Major::V3
            && let Some(ops) = self.ctx.map(map, "operations")
        {
            for (key, node) in ops.iter() {
                if let Some(op) = self.operation_v3(&key.text, node, &channels) {
                    operations.push(op);
                }
            }
        }
        for (i, op) in operations.iter().enumerate() {
            if let Some(channel) = channels.iter_mut().find(|c| c.key == op.channel) {
                channel.operations.push(i);
            }
        }
        AsyncApi {
            spec_version,
            id: self.ctx.string(map, "id"),
            info,
            external_docs,
            default_content_type: self.default_content_type.clone(),
            servers,
            channels,
            operations,
            messages,
            schemas,
            security_schemes,
            external_refs: std::mem::take(&mut self.ctx.external_refs),
        }
    }

    fn component_messages(&mut self, messages: &'a Map) -> Vec<Message> {
        let keys: Vec<(String, String)> = messages
            .iter()
            .map(|(key, _)| {
                let anchor = self.anchors.unique("message", &key.text);
                let segments = vec!["components".into(), "messages".into(), key.text.clone()];
                self.message_anchors
                    .insert(segments, (key.text.clone(), anchor.clone()));
                (key.text.clone(), anchor)
            })
            .collect();
        messages
            .iter()
            .zip(keys)
            .map(|((_, node), (key, anchor))| {
                let mut message = self.message(node, &key, "", Some(anchor));
                // The component itself, not an occurrence of it.
                message.ref_name = None;
                message.ref_anchor = None;
                message
            })
            .collect()
    }

    /// AsyncAPI 2.6 §"Server Object", 3.0 §"Server Object".
    fn servers(&mut self, map: &'a Map) -> Vec<Server> {
        let Some(servers) = self.ctx.map(map, "servers") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, node) in servers.iter() {
            let server = match self.ctx.deref(node) {
                Deref::Found(server, _) => server,
                Deref::Missing(_) => continue,
            };
            let Some(s) = server.as_map() else {
                self.ctx.report(wrong_type(server, &name.text, "a mapping"));
                continue;
            };
            let url = match self.major {
                Major::V2 => self.ctx.string(s, "url"),
                Major::V3 => self.ctx.string(s, "host").map(|host| {
                    let path = self.ctx.string(s, "pathname").unwrap_or_default();
                    format!("{host}{path}")
                }),
            };
            let Some(url) = url else {
                let field = if self.major == Major::V2 {
                    "url"
                } else {
                    "host"
                };
                self.ctx.report(Problem::new(
                    server.span.start,
                    format!("server `{}` has no `{field}`", name.text),
                ));
                continue;
            };
            out.push(Server {
                anchor: self.anchors.unique("server", &name.text),
                name: name.text.clone(),
                url,
                protocol: self.ctx.string(s, "protocol"),
                protocol_version: self.ctx.scalar(s, "protocolVersion"),
                title: self.ctx.string(s, "title"),
                description: self.ctx.string(s, "description"),
                variables: server_variables(&mut self.ctx, s),
                security: self.security(s),
            });
        }
        out
    }

    /// 2.x: Security Requirement Objects (scheme name → scopes); 3.x: a
    /// list of Security Scheme Objects, usually `$ref`s to components.
    fn security(&mut self, map: &'a Map) -> Vec<SecurityRequirement> {
        let Some(list) = self.ctx.seq(map, "security") else {
            return Vec::new();
        };
        if self.major == Major::V2 {
            return requirements(&mut self.ctx, &self.scheme_anchors, list);
        }
        let mut out = Vec::new();
        for node in list {
            let (name, anchor) = match self.ctx.deref(node) {
                Deref::Found(_, chain) => match chain.last() {
                    Some(segments) => {
                        let name = segments.last().cloned().unwrap_or_default();
                        let anchor = self
                            .scheme_anchors
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, a)| a.clone());
                        (name, anchor)
                    }
                    // An inline scheme: named by its type.
                    None => (
                        node.get("type")
                            .and_then(Node::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        None,
                    ),
                },
                Deref::Missing(missing) => (missing.reference, None),
            };
            out.push(SecurityRequirement {
                schemes: vec![RequiredScheme {
                    name,
                    anchor,
                    scopes: Vec::new(),
                }],
            });
        }
        out
    }

    /// AsyncAPI 2.6 / 3.0 §"Channel Item Object" / "Channel Object".
    fn channel(&mut self, key: &str, node: &'a Node, operations: &mut Vec<Operation>) -> Channel {
        let anchor = self.anchors.unique("channel", key);
        let mut channel = Channel {
            key: key.to_string(),
            anchor,
            pos: node.span.start,
            ..Channel::default()
        };
        let found = match self.ctx.deref(node) {
            Deref::Found(found, _) => found,
            Deref::Missing(missing) => {
                channel.missing_ref = Some(missing);
                return channel;
            }
        };
        let Some(map) = found.as_map() else {
            self.ctx
                .report(wrong_type(found, &format!("channel {key}"), "a mapping"));
            return channel;
        };
        channel.address = match self.major {
            Major::V2 => Some(key.to_string()),
            Major::V3 => self.ctx.string(map, "address"),
        };
        channel.title = self.ctx.string(map, "title");
        channel.summary = self.ctx.string(map, "summary");
        channel.description = self.ctx.string(map, "description");
        channel.servers = match self.major {
            Major::V2 => self.ctx.strings(map, "servers"),
            // 3.x: `$ref`s to servers.
            Major::V3 => self
                .ctx
                .seq(map, "servers")
                .unwrap_or_default()
                .iter()
                .filter_map(|s| s.get("$ref").and_then(Node::as_str))
                .map(super::schema::ref_label)
                .collect(),
        };
        if let Some(params) = self.ctx.map(map, "parameters") {
            for (name, node) in params.iter() {
                let parameter = self.parameter(&name.text, node);
                channel.parameters.push(parameter);
            }
        }
        match self.major {
            Major::V2 => {
                for (action, op) in map.iter() {
                    if action.text != "publish" && action.text != "subscribe" {
                        continue;
                    }
                    if let Some(op) = self.operation_v2(&action.text, &channel, op) {
                        operations.push(op);
                    }
                }
            }
            Major::V3 => {
                if let Some(messages) = self.ctx.map(map, "messages") {
                    for (name, node) in messages.iter() {
                        let mut message = self.message(node, &name.text, &channel.anchor, None);
                        let segments = vec![
                            "channels".to_string(),
                            key.to_string(),
                            "messages".to_string(),
                            name.text.clone(),
                        ];
                        self.message_anchors
                            .insert(segments, (name.text.clone(), message.anchor.clone()));
                        message.key = name.text.clone();
                        channel.messages.push(message);
                    }
                }
            }
        }
        channel
    }

    fn parameter(&mut self, name: &str, node: &'a Node) -> ChannelParameter {
        let mut parameter = ChannelParameter {
            name: name.to_string(),
            ..ChannelParameter::default()
        };
        let found = match self.ctx.deref(node) {
            Deref::Found(found, _) => found,
            Deref::Missing(missing) => {
                parameter.missing_ref = Some(missing);
                return parameter;
            }
        };
        let Some(map) = found.as_map() else {
            self.ctx.report(wrong_type(found, name, "a mapping"));
            return parameter;
        };
        parameter.description = self.ctx.string(map, "description");
        parameter.location = self.ctx.string(map, "location");
        parameter.schema = map.get("schema").map(|s| self.ctx.schema(s));
        parameter.enum_values = map
            .get("enum")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(plain_text)
            .collect();
        parameter.default = self.ctx.scalar(map, "default");
        parameter.examples = map
            .get("examples")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(plain_text)
            .collect();
        parameter
    }

    /// AsyncAPI 2.6 §"Operation Object": `publish`/`subscribe` of a channel.
    fn operation_v2(
        &mut self,
        action: &str,
        channel: &Channel,
        node: &'a Node,
    ) -> Option<Operation> {
        let Some(map) = node.as_map() else {
            self.ctx.report(
                Problem::new(
                    node.span.start,
                    format!(
                        "operation `{action}` of channel `{}` must be a mapping, not {}",
                        channel.key,
                        node.type_name()
                    ),
                )
                .help("the operation is left out of the page"),
            );
            return None;
        };
        let traits = self.traits(map);
        let field = |key: &str| {
            map.get(key)
                .or_else(|| traits.iter().find_map(|t| t.get(key)))
        };
        let operation_id = field("operationId")
            .and_then(Node::as_str)
            .map(str::to_string);
        let anchor = match &operation_id {
            Some(id) => self.anchors.unique("operation", id),
            None => self
                .anchors
                .unique("operation", &format!("{action}-{}", channel.key)),
        };
        let mut messages = Vec::new();
        if let Some(message) = map.get("message") {
            let list: Vec<&'a Node> = match message.get("oneOf") {
                Some(one_of) => match one_of.as_seq() {
                    Some(list) => list.iter().collect(),
                    None => {
                        self.ctx
                            .report(wrong_type(one_of, "oneOf", "a list of messages"));
                        Vec::new()
                    }
                },
                None => vec![message],
            };
            for (i, node) in list.into_iter().enumerate() {
                messages.push(self.message(node, &format!("message-{}", i + 1), &anchor, None));
            }
        }
        let summary = field("summary").and_then(Node::as_str).map(str::to_string);
        let description = field("description")
            .and_then(Node::as_str)
            .map(str::to_string);
        Some(Operation {
            key: None,
            action: action.to_string(),
            channel: channel.key.clone(),
            channel_anchor: Some(channel.anchor.clone()),
            operation_id,
            title: self.ctx.string(map, "title"),
            summary: self.ctx.string(map, "summary").or(summary),
            description: self.ctx.string(map, "description").or(description),
            tags: tag_names(&mut self.ctx, map),
            external_docs: external_docs(&mut self.ctx, map),
            messages,
            security: self.security(map),
            pos: node.span.start,
            anchor,
        })
    }

    /// AsyncAPI 3.0 §"Operation Object".
    fn operation_v3(
        &mut self,
        key: &str,
        node: &'a Node,
        channels: &[Channel],
    ) -> Option<Operation> {
        let found = match self.ctx.deref(node) {
            Deref::Found(found, _) => found,
            Deref::Missing(_) => return None,
        };
        let Some(map) = found.as_map() else {
            self.ctx.report(
                Problem::new(
                    found.span.start,
                    format!(
                        "operation `{key}` must be a mapping, not {}",
                        found.type_name()
                    ),
                )
                .help("the operation is left out of the page"),
            );
            return None;
        };
        let action = self.ctx.string(map, "action").unwrap_or_default();
        if action != "send" && action != "receive" {
            let at = map.get("action").map_or(found.span.start, |n| n.span.start);
            self.ctx.report(Problem::new(
                at,
                format!("operation `{key}` needs `action: send` or `action: receive`"),
            ));
        }
        let mut channel_key = String::new();
        let mut channel_messages: &[Message] = &[];
        let mut channel_anchor = None;
        match map.get("channel") {
            Some(channel) => {
                if let Deref::Found(_, chain) = self.ctx.deref(channel)
                    && let Some(segments) = chain.first()
                    && segments.len() == 2
                    && segments[0] == "channels"
                {
                    channel_key = segments[1].clone();
                    if let Some(c) = channels.iter().find(|c| c.key == channel_key) {
                        channel_anchor = Some(c.anchor.clone());
                        channel_messages = &c.messages;
                    }
                }
            }
            None => self.ctx.report(Problem::new(
                found.span.start,
                format!("operation `{key}` has no `channel`"),
            )),
        }
        let anchor = self.anchors.unique("operation", key);
        let messages = match self.ctx.seq(map, "messages") {
            Some(list) => list
                .iter()
                .enumerate()
                .map(|(i, node)| self.message(node, &format!("message-{}", i + 1), &anchor, None))
                .collect(),
            None => channel_messages
                .iter()
                .map(|m| {
                    let mut copy = m.clone();
                    // Link the channel's message rather than repeat its anchor.
                    copy.ref_anchor = Some(m.anchor.clone());
                    copy.ref_name.get_or_insert_with(|| m.key.clone());
                    copy.anchor = self.anchors.unique(&anchor, &m.key);
                    copy
                })
                .collect(),
        };
        Some(Operation {
            key: Some(key.to_string()),
            action,
            channel: channel_key,
            channel_anchor,
            operation_id: None,
            title: self.ctx.string(map, "title"),
            summary: self.ctx.string(map, "summary"),
            description: self.ctx.string(map, "description"),
            tags: tag_names(&mut self.ctx, map),
            external_docs: external_docs(&mut self.ctx, map),
            messages,
            security: self.security(map),
            pos: found.span.start,
            anchor,
        })
    }

    /// `traits`: each a (referenced) mapping of fields to apply.
    fn traits(&mut self, map: &'a Map) -> Vec<&'a Map> {
        let mut out = Vec::new();
        for node in self.ctx.seq(map, "traits").unwrap_or_default() {
            if let Deref::Found(found, _) = self.ctx.deref(node) {
                match found.as_map() {
                    Some(t) => out.push(t),
                    // 2.x allows `[trait, {overrides}]` pairs; rare.
                    None => self
                        .ctx
                        .report(wrong_type(found, "traits", "a list of mappings")),
                }
            }
        }
        out
    }

    /// A Message Object (AsyncAPI 2.6 / 3.0 §"Message Object"), through
    /// its `$ref`s; `fallback` names it when nothing else does, `prefix`
    /// makes its anchor unless it has one already (`fixed_anchor`).
    fn message(
        &mut self,
        node: &'a Node,
        fallback: &str,
        prefix: &str,
        fixed_anchor: Option<String>,
    ) -> Message {
        let (found, chain) = match self.ctx.deref(node) {
            Deref::Found(found, chain) => (found, chain),
            Deref::Missing(missing) => {
                let key = super::schema::ref_label(&missing.reference);
                return Message {
                    anchor: fixed_anchor.unwrap_or_else(|| self.anchor(prefix, &key)),
                    key,
                    missing_ref: Some(missing),
                    ..Message::default()
                };
            }
        };
        let linked = chain
            .iter()
            .find_map(|segments| self.message_anchors.get(segments).cloned());
        let key = match (&linked, chain.last()) {
            (Some((name, _)), _) => name.clone(),
            (None, Some(segments)) => segments.last().cloned().unwrap_or_default(),
            (None, None) => found
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or(fallback)
                .to_string(),
        };
        let anchor = fixed_anchor.unwrap_or_else(|| self.anchor(prefix, &key));
        let Some(map) = found.as_map() else {
            self.ctx.report(wrong_type(found, "message", "a mapping"));
            return Message {
                anchor,
                key,
                ..Message::default()
            };
        };
        let traits = self.traits(map);
        let field = |key: &str| -> Option<&'a Node> {
            map.get(key)
                .or_else(|| traits.iter().find_map(|t| t.get(key)))
        };
        let text = |ctx: &mut Ctx<'a>, key: &str| -> Option<String> {
            let node = field(key)?;
            match &node.value {
                Value::Str(s) => Some(s.clone()),
                Value::Null => None,
                _ => {
                    ctx.report(wrong_type(node, key, "a string"));
                    None
                }
            }
        };
        let name = text(&mut self.ctx, "name");
        let title = text(&mut self.ctx, "title");
        let summary = text(&mut self.ctx, "summary");
        let description = text(&mut self.ctx, "description");
        let content_type =
            text(&mut self.ctx, "contentType").or_else(|| self.default_content_type.clone());
        let headers = field("headers").map(|h| self.ctx.schema(h));
        let (payload, payload_format) = match field("payload") {
            Some(p) => self.payload(p, field("schemaFormat")),
            None => (None, None),
        };
        let examples = field("examples")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_map)
            .map(|e| MessageExample {
                name: e.get("name").and_then(Node::as_str).map(str::to_string),
                summary: e.get("summary").and_then(Node::as_str).map(str::to_string),
                headers: e.get("headers").map(example_text),
                payload: e.get("payload").map(example_text),
            })
            .collect();
        let tags = tag_names(&mut self.ctx, map);
        Message {
            anchor,
            key,
            name,
            title,
            summary,
            description,
            content_type,
            headers,
            payload,
            payload_format,
            examples,
            tags,
            ref_name: linked.as_ref().map(|(name, _)| name.clone()),
            ref_anchor: linked.map(|(_, anchor)| anchor),
            missing_ref: None,
        }
    }

    fn anchor(&mut self, prefix: &str, key: &str) -> String {
        if prefix.is_empty() {
            self.anchors.unique("message", key)
        } else {
            self.anchors.unique(&format!("{prefix}-message"), key)
        }
    }

    /// The payload schema, unless it is in a format other than JSON Schema
    /// (2.x `schemaFormat` beside it; 3.x a Multi Format Schema Object).
    fn payload(
        &mut self,
        payload: &'a Node,
        format: Option<&'a Node>,
    ) -> (Option<Schema>, Option<String>) {
        let (schema, format) = match (payload.get("schemaFormat"), payload.get("schema")) {
            (Some(f), Some(schema)) if self.major == Major::V3 => (schema, f.as_str()),
            _ => (payload, format.and_then(Node::as_str)),
        };
        match format {
            Some(f) if !is_json_schema(f) => (None, Some(f.to_string())),
            _ => (Some(self.ctx.schema(schema)), None),
        }
    }
}

/// Schema formats whose schemas are JSON Schema (or its OpenAPI/AsyncAPI
/// dialects): `application/vnd.aai.asyncapi+json;version=3.0.0`,
/// `application/schema+yaml;version=draft-07`, `application/vnd.oai.openapi...`.
fn is_json_schema(format: &str) -> bool {
    let f = format.to_ascii_lowercase();
    f.starts_with("application/vnd.aai.asyncapi")
        || f.starts_with("application/schema+")
        || f.starts_with("application/vnd.oai.openapi")
}

fn components_schemas<'a>(
    ctx: &mut Ctx<'a>,
    anchors: &mut Anchors,
    schemas: &'a Map,
) -> Vec<NamedSchema> {
    components(ctx, anchors, schemas, &["components", "schemas"])
}

/// Names of `tags` (a list of Tag Objects).
fn tag_names<'a>(ctx: &mut Ctx<'a>, map: &'a Map) -> Vec<String> {
    let mut out = Vec::new();
    for node in ctx.seq(map, "tags").unwrap_or_default() {
        let tag = match ctx.deref(node) {
            Deref::Found(tag, _) => tag,
            Deref::Missing(_) => continue,
        };
        match tag.get("name").and_then(Node::as_str) {
            Some(name) => out.push(name.to_string()),
            None => ctx.report(wrong_type(tag, "tags", "a list of tags with a `name`")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::yaml::parse_single;
    use crate::source::FileId;
    use std::collections::HashSet;

    fn streetlights() -> String {
        let path = format!(
            "{}/tests/fixtures/backstage-examples/apis/streetlights-api.yaml",
            env!("CARGO_MANIFEST_DIR")
        );
        let descriptor = std::fs::read_to_string(path).unwrap();
        let root = parse_single(&descriptor, FileId(0)).unwrap();
        let spec = root.get("spec").unwrap();
        spec.get("definition")
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    fn read_ok(text: &str) -> (AsyncApi, Vec<Problem>) {
        let (api, problems) = read(text);
        (
            api.unwrap_or_else(|| panic!("no model: {problems:?}")),
            problems,
        )
    }

    fn assert_unique_anchors(api: &AsyncApi) {
        let mut seen = HashSet::new();
        let messages = api
            .operations
            .iter()
            .flat_map(|o| o.messages.iter())
            .chain(api.channels.iter().flat_map(|c| c.messages.iter()))
            .chain(api.messages.iter())
            .map(|m| &m.anchor);
        let all = api
            .channels
            .iter()
            .map(|c| &c.anchor)
            .chain(api.operations.iter().map(|o| &o.anchor))
            .chain(api.servers.iter().map(|s| &s.anchor))
            .chain(api.schemas.iter().map(|s| &s.anchor))
            .chain(api.security_schemes.iter().map(|s| &s.anchor))
            .chain(messages);
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

    // AsyncAPI 2.0 §"Channel Item Object": `subscribe` and `publish` are the
    // operations of a channel; every one of the example is listed.
    #[test]
    fn streetlights_every_operation() {
        let text = streetlights();
        let (api, problems) = read_ok(&text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(api.spec_version, "2.0.0");
        assert_eq!(api.info.title, "Streetlights API");
        assert!(
            api.info
                .description
                .as_deref()
                .unwrap()
                .contains("### Check out")
        );
        assert_eq!(
            api.info.license.as_ref().unwrap().url.as_deref(),
            Some("https://www.apache.org/licenses/LICENSE-2.0")
        );
        assert_eq!(
            api.default_content_type.as_deref(),
            Some("application/json")
        );

        // Counted from the raw tree.
        let root = parse_single(&text, FileId(0)).unwrap();
        let mut in_source = Vec::new();
        for (channel, item) in root.get("channels").unwrap().as_map().unwrap().iter() {
            for (key, op) in item.as_map().unwrap().iter() {
                if key.text == "publish" || key.text == "subscribe" {
                    let id = op.get("operationId").unwrap().as_str().unwrap();
                    in_source.push(format!("{} {} {id}", key.text, channel.text));
                }
            }
        }
        let listed: Vec<String> = api
            .operations
            .iter()
            .map(|o| {
                format!(
                    "{} {} {}",
                    o.action,
                    o.channel,
                    o.operation_id.as_deref().unwrap()
                )
            })
            .collect();
        assert_eq!(listed, in_source);
        assert_eq!(
            listed,
            [
                "subscribe smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured receiveLightMeasurement",
                "publish smartylighting/streetlights/1/0/action/{streetlightId}/turn/on turnOn",
                "publish smartylighting/streetlights/1/0/action/{streetlightId}/turn/off turnOff",
                "publish smartylighting/streetlights/1/0/action/{streetlightId}/dim dimLight",
            ]
        );
        assert_eq!(api.channels.len(), 4);
        for (i, channel) in api.channels.iter().enumerate() {
            assert_eq!(channel.operations, [i]);
            assert_eq!(channel.address.as_deref(), Some(channel.key.as_str()));
            assert_eq!(
                api.operations[i].channel_anchor.as_deref(),
                Some(channel.anchor.as_str())
            );
            // AsyncAPI 2.0 §"Parameter Object" through components.
            let p = &channel.parameters[0];
            assert_eq!(p.name, "streetlightId");
            assert_eq!(p.description.as_deref(), Some("The ID of the streetlight."));
            assert_eq!(p.schema.as_ref().unwrap().type_label, "string");
        }
        assert_eq!(
            api.channels[0].description.as_deref(),
            Some("The topic on which measured values may be produced and consumed.")
        );
        assert_eq!(
            api.operations[0].anchor,
            "operation-receiveLightMeasurement"
        );

        // Messages through `$ref`, with traits applied (§"Message Trait").
        let measured = &api.operations[0].messages[0];
        assert_eq!(measured.key, "lightMeasured");
        assert_eq!(
            measured.ref_anchor.as_deref(),
            Some("message-lightMeasured")
        );
        assert_eq!(measured.title.as_deref(), Some("Light measured"));
        assert_eq!(measured.content_type.as_deref(), Some("application/json"));
        let headers = measured.headers.as_ref().unwrap();
        assert_eq!(headers.properties[0].name.as_deref(), Some("my-app-header"));
        assert_eq!(headers.properties[0].type_label, "integer");
        let payload = measured.payload.as_ref().unwrap();
        assert_eq!(
            payload.ref_anchor.as_deref(),
            Some("schema-lightMeasuredPayload")
        );
        let props: Vec<(&str, &str)> = payload
            .properties
            .iter()
            .map(|p| (p.name.as_deref().unwrap(), p.type_label.as_str()))
            .collect();
        assert_eq!(
            props,
            [("lumens", "integer"), ("sentAt", "string (date-time)")]
        );
        assert_eq!(payload.properties[0].constraints[0].value, "0");
        let turn = &api.operations[1].messages[0];
        assert_eq!(turn.key, "turnOnOff");
        // `on`/`off` are strings in YAML 1.2.
        assert_eq!(
            turn.payload.as_ref().unwrap().properties[0].enum_values,
            ["\"on\"", "\"off\""]
        );
        let component_keys: Vec<&str> = api.messages.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(component_keys, ["lightMeasured", "turnOnOff", "dimLight"]);
        assert_eq!(api.messages[0].anchor, "message-lightMeasured");
        assert_eq!(api.messages[0].ref_anchor, None);
        assert_eq!(api.schemas.len(), 4);

        let server = &api.servers[0];
        assert_eq!(server.name, "production");
        assert_eq!(server.url, "api.streetlights.smartylighting.com:{port}");
        assert_eq!(server.protocol.as_deref(), Some("mqtt"));
        assert_eq!(server.variables[0].enum_values, ["1883", "8883"]);
        assert_eq!(server.variables[0].default.as_deref(), Some("1883"));
        let security: Vec<(&str, usize, bool)> = server
            .security
            .iter()
            .map(|r| {
                let s = &r.schemes[0];
                (s.name.as_str(), s.scopes.len(), s.anchor.is_some())
            })
            .collect();
        assert_eq!(
            security,
            [
                ("apiKey", 0, true),
                ("supportedOauthFlows", 3, true),
                ("openIdConnectWellKnown", 0, true)
            ]
        );
        let oauth = &api.security_schemes[1];
        let flows: Vec<&str> = oauth.flows.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(
            flows,
            [
                "implicit",
                "password",
                "clientCredentials",
                "authorizationCode"
            ]
        );
        assert_eq!(
            oauth.flows[3].refresh_url.as_deref(),
            Some("https://authserver.example/refresh")
        );
        assert_eq!(api.security_schemes[0].location.as_deref(), Some("user"));
        assert_unique_anchors(&api);
    }

    const V3: &str = r##"asyncapi: 3.0.0
id: urn:example:orders
info:
  title: Orders
  version: 1.2.0
  description: Order events
  externalDocs: {url: https://example.com/docs}
defaultContentType: application/json
servers:
  production:
    host: broker.example.com:9092
    pathname: /kafka
    protocol: kafka
    protocolVersion: 3.5
    security:
      - $ref: '#/components/securitySchemes/saslScram'
channels:
  orders:
    address: orders.{region}
    title: Orders
    parameters:
      region:
        enum: [eu, us]
        default: eu
        description: Region of the order
    messages:
      created:
        $ref: '#/components/messages/OrderCreated'
      cancelled:
        name: cancelled
        payload:
          type: object
          properties:
            id: {type: string, format: uuid}
  audit:
    address: null
    messages:
      entry:
        payload:
          schemaFormat: application/vnd.apache.avro;version=1.9.0
          schema: {type: record, name: Entry, fields: []}
operations:
  publishOrder:
    action: send
    channel: {$ref: '#/channels/orders'}
    summary: Publish an order event
    messages:
      - $ref: '#/channels/orders/messages/created'
    tags:
      - name: orders
  consumeOrders:
    action: receive
    channel: {$ref: '#/channels/orders'}
  audit:
    action: listen
    channel: {$ref: '#/channels/audit'}
components:
  messages:
    OrderCreated:
      name: orderCreated
      title: Order created
      contentType: application/avro
      headers:
        type: object
        properties:
          trace-id: {type: string}
      payload:
        $ref: '#/components/schemas/Order'
      examples:
        - name: small
          payload: {id: "1", total: 3}
  schemas:
    Order:
      type: object
      required: [id]
      properties:
        id: {type: string}
        total: {type: number, minimum: 0}
  securitySchemes:
    saslScram:
      type: scramSha256
      description: SCRAM
"##;

    // AsyncAPI 3.0 §"Operation Object": `action`, `channel` and `messages`
    // are references; without `messages` all of the channel's apply.
    #[test]
    fn asyncapi_3() {
        let (api, problems) = read_ok(V3);
        let found: Vec<(u32, &str)> = problems
            .iter()
            .map(|p| (p.pos.line, p.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [(
                55,
                "operation `audit` needs `action: send` or `action: receive`"
            )]
        );
        assert_eq!(api.spec_version, "3.0.0");
        assert_eq!(api.id.as_deref(), Some("urn:example:orders"));
        assert_eq!(
            api.external_docs.as_ref().unwrap().url,
            "https://example.com/docs"
        );
        let server = &api.servers[0];
        assert_eq!(server.url, "broker.example.com:9092/kafka");
        assert_eq!(server.protocol_version.as_deref(), Some("3.5"));
        assert_eq!(server.security[0].schemes[0].name, "saslScram");
        assert_eq!(
            server.security[0].schemes[0].anchor.as_deref(),
            Some("security-saslScram")
        );

        let keys: Vec<(&str, Option<&str>)> = api
            .channels
            .iter()
            .map(|c| (c.key.as_str(), c.address.as_deref()))
            .collect();
        assert_eq!(keys, [("orders", Some("orders.{region}")), ("audit", None)]);
        let orders = &api.channels[0];
        let region = &orders.parameters[0];
        assert_eq!(region.enum_values, ["eu", "us"]);
        assert_eq!(region.default.as_deref(), Some("eu"));
        let messages: Vec<(&str, Option<&str>)> = orders
            .messages
            .iter()
            .map(|m| (m.key.as_str(), m.ref_anchor.as_deref()))
            .collect();
        assert_eq!(
            messages,
            [
                ("created", Some("message-OrderCreated")),
                ("cancelled", None)
            ]
        );
        assert_eq!(orders.operations, [0, 1]);
        assert_eq!(
            orders.messages[1].payload.as_ref().unwrap().properties[0].type_label,
            "string (uuid)"
        );
        let avro = &api.channels[1].messages[0];
        assert!(avro.payload.is_none());
        assert_eq!(
            avro.payload_format.as_deref(),
            Some("application/vnd.apache.avro;version=1.9.0")
        );

        let ops: Vec<(&str, &str, &str, usize)> = api
            .operations
            .iter()
            .map(|o| {
                (
                    o.key.as_deref().unwrap(),
                    o.action.as_str(),
                    o.channel.as_str(),
                    o.messages.len(),
                )
            })
            .collect();
        assert_eq!(
            ops,
            [
                ("publishOrder", "send", "orders", 1),
                ("consumeOrders", "receive", "orders", 2),
                ("audit", "listen", "audit", 1),
            ]
        );
        let publish = &api.operations[0];
        assert_eq!(publish.anchor, "operation-publishOrder");
        assert_eq!(publish.tags, ["orders"]);
        let created = &publish.messages[0];
        // Linked to the channel's message, which links to the component.
        assert_eq!(created.key, "created");
        assert_eq!(
            created.ref_anchor.as_deref(),
            Some(orders.messages[0].anchor.as_str())
        );
        assert_eq!(created.name.as_deref(), Some("orderCreated"));
        assert_eq!(created.content_type.as_deref(), Some("application/avro"));
        assert_eq!(
            created.payload.as_ref().unwrap().ref_anchor.as_deref(),
            Some("schema-Order")
        );
        assert_eq!(created.headers.as_ref().unwrap().properties.len(), 1);
        assert!(
            created.examples[0]
                .payload
                .as_deref()
                .unwrap()
                .contains("\"total\": 3")
        );
        let consume = &api.operations[1];
        assert_eq!(consume.messages[1].key, "cancelled");
        assert_eq!(
            consume.messages[1].content_type.as_deref(),
            Some("application/json")
        );
        assert_eq!(api.messages[0].anchor, "message-OrderCreated");
        assert_unique_anchors(&api);
    }

    #[test]
    fn not_asyncapi_is_none() {
        for text in [
            "openapi: 3.0.0\n",
            "- a\n",
            "asyncapi: 1.2.0\n",
            "asyncapi: [\n",
        ] {
            let (api, problems) = read(text);
            assert!(api.is_none(), "{text}");
            assert_eq!(problems.len(), 1, "{text}");
        }
        let (_, problems) = read("info: {}\nasyncapi: {nope: 1\n");
        assert!(problems[0].message.starts_with("invalid YAML"));
        assert!(problems[0].pos.line >= 2);
    }

    // Broken parts are skipped with a problem where they are written.
    #[test]
    fn broken_parts_are_reported() {
        let text = "asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  a:
    publish: 12
    subscribe:
      message:
        $ref: '#/components/messages/Missing'
  b:
    subscribe:
      summary: <script>alert(1)</script>
      message:
        oneOf:
          - {name: one, payload: {type: string}}
          - {name: two, payload: {$ref: 'schemas.json#/Two'}}
";
        let (api, problems) = read_ok(text);
        let found: Vec<(u32, u32)> = problems.iter().map(|p| (p.pos.line, p.pos.col)).collect();
        assert_eq!(found, [(5, 14), (8, 15)], "{problems:?}");
        assert_eq!(api.operations.len(), 2);
        let missing = &api.operations[0].messages[0];
        assert_eq!(missing.key, "Missing");
        assert!(!missing.missing_ref.as_ref().unwrap().external);
        let b = &api.operations[1];
        assert_eq!(b.summary.as_deref(), Some("<script>alert(1)</script>"));
        let keys: Vec<&str> = b.messages.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["one", "two"]);
        assert!(
            b.messages[1]
                .payload
                .as_ref()
                .unwrap()
                .missing_ref
                .as_ref()
                .unwrap()
                .external
        );
        assert_eq!(api.external_refs, ["schemas.json#/Two"]);
        assert_eq!(b.anchor, "operation-subscribe-b");
        assert_unique_anchors(&api);
    }
}
