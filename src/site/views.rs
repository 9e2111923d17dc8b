//! What templates see: small serializable view structs, and nothing else.
//!
//! These types are the theme API. A theme's templates read them by field
//! name, so renaming a field breaks every theme that overrides a template:
//! add fields freely, rename or remove them only with a changelog entry.
//! Domain types (`Entity`, `Catalog`, `Node`) never reach a template.
//!
//! Every template gets two variables: `site` ([`SiteView`], the same shape
//! on every page) and `page` (one of the `*Page` structs below, depending on
//! the template). Conventions that keep themes safe without thinking:
//!
//! - every `href`/`src` field holds either a relative link that Backlot
//!   built, or an input URL that passed the scheme filter (http, https,
//!   mailto); when a URL failed the filter the `href` is `null` and the text
//!   is still there to show. Templates never build URLs from input fields;
//! - all text is raw (not HTML): Tera's autoescaping of `.html` templates
//!   escapes it. Nothing here is meant for `| safe`;
//! - optional values are `null` (never absent), so `{% if x %}` works;
//! - lists are already sorted for display.

use std::collections::BTreeMap;

use serde::Serialize;

/// The same on every page: layout data (`site` in templates).
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    /// The portal title (`title` in backlot.yaml).
    pub title: String,
    /// Relative prefix from this page to the site root (`""`, `"../../"`).
    pub root: String,
    /// Links of the main navigation.
    pub nav: Nav,
    /// Which navigation entry this page belongs to: `home`, `catalog`,
    /// `apis`, `docs`, `search` or `health`.
    pub section: &'static str,
    /// The `aria-current` value for that entry: `page` on the entry's own
    /// page, `true` on pages below it.
    pub current: &'static str,
    /// Absolute URL of this page when `base_url` is configured.
    pub canonical: Option<String>,
    /// `<base href>` of pages served at other URLs than their own (the
    /// 404 page): the site root's path.
    pub base_href: Option<String>,
    /// Theme static files: name under `static/` (`backlot.css`) → href.
    /// CSS and JS names carry a content hash, so they can be cached forever.
    pub assets: BTreeMap<String, String>,
    /// Counts of the build's diagnostics (for a badge in the header).
    pub health: HealthCounts,
}

/// Links of the main navigation, relative to the current page.
#[derive(Debug, Clone, Serialize)]
pub struct Nav {
    pub home: String,
    pub catalog: String,
    /// The documentation index (`docs/`).
    pub docs: String,
    pub health: String,
    /// The full search page (`search/`); the header's search form submits
    /// to it.
    pub search: String,
    /// The JSON API (`api/catalog/entities.json`).
    pub api: String,
    /// Every API (`api-docs/`).
    pub apis: String,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct HealthCounts {
    pub errors: usize,
    pub warnings: usize,
}

/// A link to an entity, or the text of a reference to a missing one.
#[derive(Debug, Clone, Serialize)]
pub struct EntityLink {
    /// The reference as Backstage shows it (`EntityRef::humanize`: the kind
    /// is left out when it is the field's default kind, the namespace when it
    /// is `default`).
    pub text: String,
    /// Link to the entity page; `null` when the target is not in the catalog.
    pub href: Option<String>,
    /// Tooltip: the entity's title and full ref, or why it is missing.
    pub tooltip: String,
    /// True when the target is not in the catalog (render with class
    /// `ref-missing`, never as a link).
    pub missing: bool,
    /// The kind as written (`Component`).
    pub kind: String,
    /// The target's `metadata.description`, when it exists.
    pub description: Option<String>,
    /// The target's API definition page, on links to APIs in the
    /// "Provides APIs"/"Consumes APIs" sections.
    pub definition_href: Option<String>,
}

/// A link taken from input (`metadata.links`, annotations): `href` is set
/// only for http, https and mailto URLs.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalLink {
    /// The link's title, else the URL.
    pub text: String,
    /// The URL as written (shown as text when `href` is null).
    pub url: String,
    /// The URL to put in `href`, when its scheme is allowed.
    pub href: Option<String>,
    /// `metadata.links[].type`, when given.
    pub link_type: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// Entities of one kind within a list.
#[derive(Debug, Clone, Serialize)]
pub struct KindGroup {
    pub kind: String,
    pub items: Vec<EntityLink>,
}

/// One relation type of an entity, e.g. "Depends on".
#[derive(Debug, Clone, Serialize)]
pub struct RelationSection {
    /// Backstage's relation type (`dependsOn`): usable as an HTML id.
    pub id: &'static str,
    /// Heading, e.g. "Depends on".
    pub title: &'static str,
    /// Number of targets over all groups.
    pub count: usize,
    /// Targets grouped by kind, kinds in display order.
    pub groups: Vec<KindGroup>,
}

/// A diagnostic shown on an entity page, linking to the health page.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// Stable code, e.g. `relation/dangling-ref`.
    pub code: String,
    pub message: String,
    /// `line:column` in the entity's file, when known.
    pub position: Option<String>,
    /// Link to the entry on the health page.
    pub href: String,
}

/// The About card: what every entity page shows.
#[derive(Debug, Clone, Serialize)]
pub struct About {
    /// Canonical ref, `component:default/artist-web`.
    pub entity_ref: String,
    /// Kind as written (`Component`).
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `metadata.title`, else (Groups, Users) `spec.profile.displayName`,
    /// else the name.
    pub display_name: String,
    /// `metadata.title` only.
    pub title: Option<String>,
    pub description: Option<String>,
    /// `spec.type`.
    pub spec_type: Option<String>,
    /// `spec.lifecycle`.
    pub lifecycle: Option<String>,
    pub owner: Option<EntityLink>,
    /// The System this entity is part of.
    pub system: Option<EntityLink>,
    /// The Domain a System is part of.
    pub domain: Option<EntityLink>,
    pub tags: Vec<String>,
    pub labels: Vec<KeyValue>,
    pub links: Vec<ExternalLink>,
    /// From `backstage.io/view-url`.
    pub view_source: Option<ExternalLink>,
    /// From `backstage.io/edit-url`.
    pub edit_source: Option<ExternalLink>,
    /// From `backstage.io/source-location` (`url:` prefix removed).
    pub source_location: Option<ExternalLink>,
    /// Every annotation, sorted by key.
    pub annotations: Vec<KeyValue>,
}

/// `page` of every entity template (`entity.html`, `group.html`,
/// `user.html`, `api.html`, `template.html`, `location.html`). Exactly one
/// of the kind-specific fields is set, matching the template.
#[derive(Debug, Clone, Serialize)]
pub struct EntityPage {
    pub about: About,
    /// Relation sections in a fixed order; sections the kind-specific part
    /// shows itself (a group's members, ...) are left out.
    pub relations: Vec<RelationSection>,
    /// Diagnostics about this entity.
    pub problems: Vec<Problem>,
    /// `error` when any problem is an error, else `warning` (for styling).
    pub problem_severity: &'static str,
    /// The static list of this entity's kind.
    pub kind_href: String,
    /// The descriptor file, as shown to people.
    pub defined_in: String,
    /// Link to this entity in the JSON API.
    pub api_href: String,
    /// Its TechDocs (own, or another entity's through
    /// `backstage.io/techdocs-entity`), when there are any.
    pub docs_href: Option<String>,
    pub group: Option<GroupView>,
    pub user: Option<UserView>,
    pub api: Option<ApiView>,
    pub template: Option<TemplateView>,
    pub location: Option<LocationView>,
}

/// `spec.profile` of a Group or User.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// `mailto:` link for the email.
    pub email_href: Option<String>,
    /// The picture URL, only when it is http(s).
    pub picture: Option<String>,
}

/// An entity owned by a group or user; `via` names the descendant group
/// that owns it when it is not the page's own entity.
#[derive(Debug, Clone, Serialize)]
pub struct OwnedItem {
    pub link: EntityLink,
    pub via: Option<EntityLink>,
}

/// Owned entities of one kind. Large orgs own thousands: `items` holds the
/// first [`crate::site::OWNED_PER_KIND`], `total` counts them all.
#[derive(Debug, Clone, Serialize)]
pub struct OwnedGroup {
    pub kind: String,
    pub total: usize,
    pub items: Vec<OwnedItem>,
    /// The catalog index filtered on this kind and the owning groups, when
    /// items were left out and the owners are few enough for a URL.
    pub more_href: Option<String>,
}

/// The org part of a Group page.
#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub profile: Profile,
    /// `childOf`: normally one.
    pub parents: Vec<EntityLink>,
    /// `parentOf`.
    pub children: Vec<EntityLink>,
    /// `hasMember`.
    pub members: Vec<EntityLink>,
    /// Everything owned by this group and its descendant groups, by kind.
    pub owned: Vec<OwnedGroup>,
    pub owned_count: usize,
}

/// The org part of a User page.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub profile: Profile,
    /// `memberOf`.
    pub groups: Vec<EntityLink>,
    /// Owned directly by the user, by kind.
    pub owned: Vec<OwnedGroup>,
    pub owned_count: usize,
}

/// The API part of an API page.
#[derive(Debug, Clone, Serialize)]
pub struct ApiView {
    /// `spec.definition`, raw text (show it in `<pre>`).
    pub definition: Option<String>,
    /// The rendered definition (the "Definition" tab).
    pub definition_href: String,
    /// `spec.remotes` of `mcp-server` APIs.
    pub remotes: Vec<ExternalLink>,
}

/// A Template entity, read-only: its form pages and steps.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateView {
    pub parameters: Vec<FormPage>,
    pub steps: Vec<TemplateStep>,
}

/// One page of a template's form (`spec.parameters[]`).
#[derive(Debug, Clone, Serialize)]
pub struct FormPage {
    pub title: Option<String>,
    pub description: Option<String>,
    pub fields: Vec<FormField>,
}

/// One property of a form page.
#[derive(Debug, Clone, Serialize)]
pub struct FormField {
    pub name: String,
    pub title: Option<String>,
    pub field_type: Option<String>,
    pub description: Option<String>,
    pub required: bool,
    /// `enum` values, each as text (JSON for non-strings).
    pub enum_values: Vec<String>,
    /// `default`, as text (JSON for non-strings).
    pub default: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TemplateStep {
    pub id: Option<String>,
    pub name: Option<String>,
    pub action: Option<String>,
}

/// The Location part of a Location page.
#[derive(Debug, Clone, Serialize)]
pub struct LocationView {
    pub location_type: Option<String>,
    /// `spec.target` and `spec.targets`, as written.
    pub targets: Vec<String>,
}

/// A kind with its entity count and where to browse it.
#[derive(Debug, Clone, Serialize)]
pub struct KindCount {
    /// Lower-case kind (`component`): the `filters[kind]` value.
    pub key: String,
    /// The kind as written (`Component`).
    pub label: String,
    pub count: usize,
    /// The static per-kind list (works without JavaScript).
    pub list_href: String,
    /// The catalog index filtered on this kind.
    pub filter_href: String,
}

/// `page` of `home.html`.
#[derive(Debug, Clone, Serialize)]
pub struct HomePage {
    pub total: usize,
    pub kinds: Vec<KindCount>,
}

/// `page` of `catalog.html`: the filterable index. The rows themselves are
/// in `data_href` (a script setting `window.BACKLOT_CATALOG`), rendered by
/// `static/catalog.js`.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogPage {
    pub total: usize,
    pub kinds: Vec<KindCount>,
    /// The data script (`entities-index.js`).
    pub data_href: String,
    /// Rows per page of the JavaScript table.
    pub page_size: usize,
}

/// One row of a static per-kind list.
#[derive(Debug, Clone, Serialize)]
pub struct ListRow {
    pub link: EntityLink,
    pub display_name: String,
    pub spec_type: Option<String>,
    pub owner: Option<EntityLink>,
    pub lifecycle: Option<String>,
    pub description: Option<String>,
}

/// A numbered link of a pager; only pages near the current one, the
/// first and the last are listed.
#[derive(Debug, Clone, Serialize)]
pub struct PageLink {
    pub number: usize,
    pub href: String,
    pub current: bool,
    /// Pages were skipped before this one (show an ellipsis).
    pub gap_before: bool,
}

/// `page` of `kind.html`: one page of the static list of a kind.
#[derive(Debug, Clone, Serialize)]
pub struct KindPage {
    pub kind: KindCount,
    /// 1-based.
    pub page: usize,
    pub pages: usize,
    /// 1-based positions of the first and last row shown.
    pub first: usize,
    pub last: usize,
    pub rows: Vec<ListRow>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub page_links: Vec<PageLink>,
}

/// A related location of a diagnostic ("first definition, which wins").
#[derive(Debug, Clone, Serialize)]
pub struct HealthNote {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// One diagnostic on the health page.
#[derive(Debug, Clone, Serialize)]
pub struct HealthItem {
    /// Anchor id, the target of entity pages' problem links.
    pub id: String,
    /// `error` or `warning`.
    pub severity: &'static str,
    pub code: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    pub help: Option<String>,
    /// The entity concerned, when there is one.
    pub entity: Option<EntityLink>,
    pub notes: Vec<HealthNote>,
}

/// Diagnostics of one file.
#[derive(Debug, Clone, Serialize)]
pub struct HealthFile {
    /// The path shown to people; `null` for problems with no file.
    pub file: Option<String>,
    /// Anchor id of the group (`file-3`).
    pub id: String,
    /// The file's first problems are on an earlier page.
    pub continued: bool,
    /// Counts of the whole file, on every page.
    pub errors: usize,
    pub warnings: usize,
    /// The file's problems on this page.
    pub items: Vec<HealthItem>,
}

/// One file in the health page's list of files.
#[derive(Debug, Clone, Serialize)]
pub struct HealthTocItem {
    pub file: Option<String>,
    pub errors: usize,
    pub warnings: usize,
    /// Where its problems start (page and anchor).
    pub href: String,
    pub id: String,
}

/// `page` of `health.html`.
#[derive(Debug, Clone, Serialize)]
pub struct HealthPage {
    pub errors: usize,
    pub warnings: usize,
    /// Files with problems, in all.
    pub file_count: usize,
    /// Every file with problems; only on the first page.
    pub toc: Vec<HealthTocItem>,
    /// The file groups of this page's problems.
    pub files: Vec<HealthFile>,
    /// 1-based, of [`urls::HEALTH_PAGE_SIZE`](super::urls::HEALTH_PAGE_SIZE) problems each.
    pub page: usize,
    pub pages: usize,
    /// 1-based positions of the first and last problem shown.
    pub first: usize,
    pub last: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub page_links: Vec<PageLink>,
}

/// A TechDocs page (`docs.html`).
#[derive(Debug, Clone, Serialize)]
pub struct DocsPage {
    /// `site_name` of mkdocs.yml.
    pub site_name: String,
    /// The entity whose docs these are.
    pub entity: EntityLink,
    pub title: String,
    pub description: Option<String>,
    /// The article HTML, sanitized at build time: the one field meant for
    /// `| safe`.
    pub html: crate::docs::build::Article,
    /// Headings h2 and below, in order.
    pub toc: Vec<TocItem>,
    /// The site navigation, flattened (see [`DocsNavItem`]).
    pub nav: Vec<DocsNavItem>,
    pub prev: Option<PagerLink>,
    pub next: Option<PagerLink>,
    /// "Edit this page" (http(s) only).
    pub edit_url: Option<String>,
    /// When the page's source file was last committed, if known.
    pub last_updated: Option<LastUpdated>,
    /// Front matter `hide: [navigation]` / `hide: [toc]`.
    pub hide_navigation: bool,
    pub hide_toc: bool,
    /// Stylesheets of mkdocs.yml's `extra_css`.
    pub extra_css: Vec<String>,
    /// The code highlighting stylesheet.
    pub highlight_css: String,
    /// Whether the article has its own H1; without one the template shows
    /// the title as the H1, as Material does.
    pub has_h1: bool,
    /// Whether the page has a diagram (a `mermaid` fence).
    pub has_diagrams: bool,
    /// The diagram renderer, only on pages with a diagram (`docs.mermaid`
    /// in backlot.yaml; see docs/techdocs.md).
    pub diagram_script: Option<DiagramScript>,
    pub docs_index_href: String,
}

/// A commit time in UTC: `date` (`2026-01-31`) to show, `datetime`
/// (`2026-01-31T12:00:00Z`) for `<time datetime>`.
#[derive(Debug, Clone, Serialize)]
pub struct LastUpdated {
    pub date: String,
    pub datetime: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TocItem {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// One entry of the flattened docs navigation: `kind` is `page`, `link`,
/// `open` (a section starts: `title`) or `close` (it ends).
#[derive(Debug, Clone, Serialize)]
pub struct DocsNavItem {
    pub kind: &'static str,
    pub title: String,
    pub href: Option<String>,
    /// The page being shown.
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PagerLink {
    pub title: String,
    pub href: String,
}

/// `/docs/` (`docs_index.html`).
#[derive(Debug, Clone, Serialize)]
pub struct DocsIndexPage {
    pub sites: Vec<DocsIndexItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocsIndexItem {
    pub site_name: String,
    pub description: Option<String>,
    pub href: String,
    pub entity: EntityLink,
}

/// The full search page (and the 404 page, which offers the same ways
/// on). Results come from the browser; without JavaScript the page points
/// at the catalog and the docs instead.
#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    pub catalog: String,
    pub docs: String,
}

/// A `<script>` loading Mermaid.
#[derive(Debug, Clone, Serialize)]
pub struct DiagramScript {
    pub src: String,
    /// Subresource Integrity hash, for the pinned CDN file.
    pub integrity: Option<String>,
}

/// One row of `/api-docs/` (`api_index.html`).
#[derive(Debug, Clone, Serialize)]
pub struct ApiIndexRow {
    pub link: EntityLink,
    pub display_name: String,
    pub definition_href: String,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner: Option<EntityLink>,
    pub system: Option<EntityLink>,
    /// `apiProvidedBy`.
    pub providers: Vec<EntityLink>,
    /// `apiConsumedBy`.
    pub consumers: Vec<EntityLink>,
    pub description: Option<String>,
    /// Lower-cased values the filter script matches (`data-*` attributes).
    pub filter_type: String,
    pub filter_lifecycle: String,
    pub filter_owner: String,
    /// Lower-cased name, title, description, tags: the text filter.
    pub filter_text: String,
}

/// A filter choice of `/api-docs/`: lower-cased value, label, count.
#[derive(Debug, Clone, Serialize)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: usize,
}

/// `page` of `api_index.html`: every API of the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct ApiIndexPage {
    pub rows: Vec<ApiIndexRow>,
    pub types: Vec<FacetValue>,
    pub lifecycles: Vec<FacetValue>,
    pub owners: Vec<FacetValue>,
}

/// The head of an API definition page: what the entity page's header shows.
#[derive(Debug, Clone, Serialize)]
pub struct ApiHeader {
    pub entity_ref: String,
    pub name: String,
    pub namespace: String,
    pub display_name: String,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner: Option<EntityLink>,
    pub system: Option<EntityLink>,
    /// The entity page (the "Overview" tab).
    pub overview_href: String,
    /// The static list of APIs.
    pub kind_href: String,
    pub api_docs_href: String,
}

/// The Info part of an OpenAPI or AsyncAPI definition.
#[derive(Debug, Clone, Serialize)]
pub struct ApiInfoView {
    pub title: String,
    pub version: String,
    /// `openapi`/`swagger`/`asyncapi` as written.
    pub spec_version: String,
    pub summary: Option<String>,
    /// Sanitized HTML from Markdown: may be used with `| safe`.
    pub description_html: Option<String>,
    pub terms_of_service: Option<ExternalLink>,
    pub contact: Vec<ExternalLink>,
    pub license: Option<ExternalLink>,
    pub external_docs: Option<ExternalLink>,
}

/// A raw definition for download, written beside the page.
#[derive(Debug, Clone, Serialize)]
pub struct DownloadLink {
    pub href: String,
    /// The file name (`petstore.yaml`).
    pub name: String,
}

/// An entry of a definition page's table of contents.
#[derive(Debug, Clone, Serialize)]
pub struct ApiTocItem {
    pub text: String,
    pub href: String,
    pub count: usize,
}

/// `page` of `api_definition.html`: an API's definition as a reference
/// page. Exactly one of `openapi`, `asyncapi`, `graphql`, `grpc` is set
/// when `format` names it.
///
/// Fields ending in `_html` hold HTML built at build time (Markdown
/// rendered and sanitized, or code highlighted with every character
/// escaped): the only fields of this page meant for `| safe`.
#[derive(Debug, Clone, Serialize)]
pub struct ApiDefinitionPage {
    pub about: ApiHeader,
    /// `openapi`, `asyncapi`, `graphql`, `grpc`; `raw` (shown as text),
    /// `url` (a URL that was not fetched), `none` (no definition).
    pub format: &'static str,
    pub info: Option<ApiInfoView>,
    /// Why a definition of a known type is shown as text.
    pub unreadable: Option<String>,
    /// How many problems reading the definition found (see the overview).
    pub problem_count: usize,
    /// The definition is this URL, which was not fetched.
    pub not_fetched: Option<ExternalLink>,
    /// `$ref`s to other files or URLs, which were not fetched.
    pub external_refs: Vec<String>,
    pub download: Option<DownloadLink>,
    /// The definition as a highlighted code block (escaped by
    /// construction): for `| safe`.
    pub source_html: Option<String>,
    /// Lines of the definition.
    pub source_lines: usize,
    /// The code highlighting stylesheet.
    pub highlight_css: String,
    pub toc: Vec<ApiTocItem>,
    pub openapi: Option<OpenApiView>,
    pub asyncapi: Option<AsyncApiView>,
    pub graphql: Option<GraphqlView>,
    pub grpc: Option<ProtoView>,
    /// `spec.remotes` of `mcp-server` APIs.
    pub remotes: Vec<ExternalLink>,
}

/// One event of a flattened schema tree: `leaf` (a node without
/// children), `open` (a node whose children follow) or `close` (the end
/// of the last opened node's children). Templates nest lists without
/// recursion.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SchemaRow {
    pub event: &'static str,
    /// How the node relates to its parent when it is no property:
    /// `items`, `one of`, `any of`, `all of`, `not`, `additional
    /// properties`, `tuple item`.
    pub role: Option<&'static str>,
    pub name: Option<String>,
    pub required: bool,
    pub type_label: String,
    /// The component schema this node was reached through.
    pub ref_name: Option<String>,
    /// `#anchor` of that schema on this page.
    pub ref_href: Option<String>,
    /// The reference is being expanded further up: no children shown.
    pub recursive: bool,
    /// Not expanded (size or depth limit): see `ref_href`.
    pub truncated: bool,
    /// A `$ref` that was not followed, as written.
    pub missing_ref: Option<String>,
    /// That reference names another file or a URL (not fetched).
    pub missing_external: bool,
    pub title: Option<String>,
    /// Sanitized HTML from Markdown: may be used with `| safe`.
    pub description_html: Option<String>,
    pub enum_values: Vec<String>,
    pub enum_more: usize,
    pub default: Option<String>,
    pub examples: Vec<String>,
    /// `keyword: value`.
    pub constraints: Vec<String>,
    /// `nullable`, `read-only`, `write-only`, `deprecated`, `no other
    /// properties`.
    pub flags: Vec<&'static str>,
    pub discriminator: Option<String>,
    /// Shown expanded (the first levels).
    pub expanded: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiServerView {
    pub name: Option<String>,
    pub anchor: Option<String>,
    pub url: String,
    pub protocol: Option<String>,
    pub description_html: Option<String>,
    /// `name = default (one of: …)`.
    pub variables: Vec<String>,
}

/// An example value (JSON text).
#[derive(Debug, Clone, Serialize)]
pub struct ExampleView {
    pub name: Option<String>,
    pub summary: Option<String>,
    pub value: Option<String>,
    /// A URL where the example lives (not fetched).
    pub external: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MediaView {
    pub media_type: String,
    pub schema: Vec<SchemaRow>,
    pub examples: Vec<ExampleView>,
}

/// A parameter, header or channel parameter.
#[derive(Debug, Clone, Serialize)]
pub struct ParameterView {
    pub name: String,
    pub location: Option<String>,
    pub required: bool,
    pub deprecated: bool,
    pub type_label: Option<String>,
    pub description_html: Option<String>,
    pub schema: Vec<SchemaRow>,
    pub examples: Vec<ExampleView>,
    pub missing_ref: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BodyView {
    pub description_html: Option<String>,
    pub required: bool,
    pub content: Vec<MediaView>,
    pub missing_ref: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponseView {
    pub status: String,
    /// `2xx`, `4xx`… or `default`: for the status badge's class.
    pub status_class: String,
    pub description_html: Option<String>,
    pub headers: Vec<ParameterView>,
    pub content: Vec<MediaView>,
    pub missing_ref: Option<String>,
}

/// An OpenAPI operation or webhook.
#[derive(Debug, Clone, Serialize)]
pub struct OperationView {
    pub anchor: String,
    /// The full entry; a repeat (an operation with several tags, in a
    /// later tag's group) only links to it.
    pub primary: bool,
    /// Upper case: `GET`.
    pub method: String,
    /// Lower case, for the badge's class.
    pub method_class: String,
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description_html: Option<String>,
    pub deprecated: bool,
    pub parameters: Vec<ParameterView>,
    pub request_body: Option<BodyView>,
    pub responses: Vec<ResponseView>,
    /// Each way to authenticate, as text (`api_key`, `oauth (read, write)`).
    pub security: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OperationGroupView {
    pub name: String,
    pub anchor: String,
    pub description_html: Option<String>,
    pub operations: Vec<OperationView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamedSchemaView {
    pub name: String,
    pub anchor: String,
    pub schema: Vec<SchemaRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecuritySchemeView {
    pub name: String,
    pub anchor: String,
    pub kind: String,
    pub description_html: Option<String>,
    pub details: Vec<KeyValue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenApiView {
    pub servers: Vec<ApiServerView>,
    pub groups: Vec<OperationGroupView>,
    pub webhooks: Vec<OperationView>,
    pub schemas: Vec<NamedSchemaView>,
    pub security_schemes: Vec<SecuritySchemeView>,
    pub operation_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    pub anchor: String,
    pub name: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description_html: Option<String>,
    pub content_type: Option<String>,
    /// The component message this is, on this page.
    pub ref_href: Option<String>,
    pub headers: Vec<SchemaRow>,
    pub payload: Vec<SchemaRow>,
    /// A payload in another schema format (Avro…), not shown.
    pub payload_format: Option<String>,
    pub examples: Vec<ExampleView>,
    pub missing_ref: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AsyncOperationView {
    pub anchor: String,
    /// `send`/`receive` (3.x) or `publish`/`subscribe` (2.x).
    pub action: String,
    pub channel: String,
    pub channel_href: Option<String>,
    pub operation_id: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description_html: Option<String>,
    pub messages: Vec<MessageView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChannelView {
    pub anchor: String,
    pub name: String,
    pub address: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description_html: Option<String>,
    pub parameters: Vec<ParameterView>,
    /// Links to its operations.
    pub operations: Vec<PagerLink>,
    pub messages: Vec<MessageView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AsyncApiView {
    pub servers: Vec<ApiServerView>,
    pub channels: Vec<ChannelView>,
    pub operations: Vec<AsyncOperationView>,
    pub messages: Vec<MessageView>,
    pub schemas: Vec<NamedSchemaView>,
    pub security_schemes: Vec<SecuritySchemeView>,
}

/// A use of a type: `prefix`, the name (a link when `href` is set),
/// `suffix`.
#[derive(Debug, Clone, Serialize)]
pub struct TypeLinkView {
    pub prefix: String,
    pub name: String,
    pub suffix: String,
    pub href: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphqlArgView {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: TypeLinkView,
    pub default: Option<String>,
    pub description_html: Option<String>,
}

/// A field, query, mutation or subscription, or an input field.
#[derive(Debug, Clone, Serialize)]
pub struct GraphqlFieldView {
    pub anchor: String,
    pub name: String,
    pub args: Vec<GraphqlArgView>,
    #[serde(rename = "type")]
    pub ty: TypeLinkView,
    pub default: Option<String>,
    pub description_html: Option<String>,
    /// The deprecation reason, when deprecated.
    pub deprecated: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphqlValueView {
    pub anchor: String,
    pub name: String,
    pub description_html: Option<String>,
    pub deprecated: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphqlTypeView {
    pub anchor: String,
    pub name: String,
    /// `type`, `interface`, `union`, `enum`, `input`, `scalar`.
    pub keyword: &'static str,
    pub description_html: Option<String>,
    pub interfaces: Vec<TypeLinkView>,
    pub fields: Vec<GraphqlFieldView>,
    pub members: Vec<TypeLinkView>,
    pub values: Vec<GraphqlValueView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphqlTypeGroupView {
    pub title: String,
    pub anchor: String,
    pub types: Vec<GraphqlTypeView>,
}

/// Queries, mutations or subscriptions.
#[derive(Debug, Clone, Serialize)]
pub struct GraphqlOperationsView {
    pub title: &'static str,
    pub anchor: &'static str,
    pub root_type: Option<TypeLinkView>,
    pub fields: Vec<GraphqlFieldView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphqlView {
    pub description_html: Option<String>,
    pub operations: Vec<GraphqlOperationsView>,
    pub groups: Vec<GraphqlTypeGroupView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RpcView {
    pub anchor: String,
    pub name: String,
    pub request: TypeLinkView,
    pub response: TypeLinkView,
    pub client_streaming: bool,
    pub server_streaming: bool,
    /// Comments are text, not Markdown.
    pub description: Option<String>,
    pub deprecated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    pub anchor: String,
    pub name: String,
    pub full_name: String,
    pub description: Option<String>,
    pub rpcs: Vec<RpcView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProtoFieldView {
    pub name: String,
    pub label: Option<String>,
    pub map_key: Option<String>,
    #[serde(rename = "type")]
    pub ty: TypeLinkView,
    pub number: i64,
    pub oneof: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProtoMessageView {
    pub anchor: String,
    pub full_name: String,
    pub description: Option<String>,
    pub fields: Vec<ProtoFieldView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProtoEnumView {
    pub anchor: String,
    pub full_name: String,
    pub description: Option<String>,
    /// `NAME = number`.
    pub values: Vec<KeyValue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProtoView {
    pub syntax: String,
    pub package: Option<String>,
    pub imports: Vec<String>,
    pub services: Vec<ServiceView>,
    pub messages: Vec<ProtoMessageView>,
    pub enums: Vec<ProtoEnumView>,
}
