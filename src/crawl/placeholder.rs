//! `$text`, `$json` and `$yaml` placeholders (spec/catalog.md §9).
//!
//! A mapping with exactly one key starting with `$` is a placeholder. The
//! value is a path resolved against the folder of the file holding the
//! entity, as Backstage's documentation describes. (Backstage's code fails
//! on relative paths from `file` locations, "could not form a URL"; we
//! follow the documentation and pin the difference in the conformance
//! test.) A leading `/` means the root of the repository holding the file:
//! a fetched repository's root; for a local file, the nearest folder above
//! it that holds `.git`, or else the crawl root. Reads are confined like
//! every other read.
//!
//! A URL value is read only when it points into a repository the catalog
//! crawls, at the commit crawled (for an entity read from a repository,
//! only into that same repository, Backstage's rule); other URLs are not
//! fetched and stay as the value. Since the repositories of a catalog are
//! known only once the crawl is done, URL placeholders are found in a
//! first pass ([`substitute`] returns where they are) and substituted in a
//! second ([`substitute_at`]).

use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::forge::{self, Forges};
use crate::model::yaml::{self, Node, Value};
use crate::source::{FileId, Pos, SourceDb, SourceFile, Span};

use crate::tree::{ReadError, Trees};

pub struct Context<'a> {
    /// Resolved path of the file holding the entity.
    pub file: &'a Path,
    pub trees: &'a Trees,
    pub sources: &'a mut SourceDb,
    /// Folder paths are shown relative to.
    pub display_base: &'a Path,
    /// Canonical ref of the entity, for diagnostics.
    pub entity: Option<String>,
    /// The forges, once every repository is mounted: URL placeholders are
    /// then read. `None`: the first pass, which leaves them for later.
    pub forges: Option<&'a Forges>,
}

/// Where a node is in an entity: map entry and sequence indexes from the
/// root. The tree is not otherwise changed between the two passes, so the
/// indexes still hold.
pub type NodePath = Vec<usize>;

/// Substitutes every placeholder in `node` but those whose value is a URL.
/// Returns the diagnostics (the entity must be dropped if any of them is
/// an error: Backstage fails the entity on any placeholder failure) and
/// where the URL placeholders are.
pub fn substitute(node: &mut Node, cx: &mut Context) -> (Vec<Diagnostic>, Vec<NodePath>) {
    let mut diags = Vec::new();
    let mut urls = Vec::new();
    walk(node, cx, &mut diags, &mut Vec::new(), &mut urls);
    (diags, urls)
}

/// Substitutes the placeholders at `paths` (found by [`substitute`]).
pub fn substitute_at(node: &mut Node, paths: &[NodePath], cx: &mut Context) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for path in paths {
        let Some(at) = node_at(node, path) else {
            continue;
        };
        let Some((key, arg)) = placeholder_of(at) else {
            continue;
        };
        if let Some(replacement) = resolve(&key, &arg, at.span, cx, &mut diags) {
            *at = replacement;
        }
    }
    diags
}

fn node_at<'a>(node: &'a mut Node, path: &[usize]) -> Option<&'a mut Node> {
    let Some((&first, rest)) = path.split_first() else {
        return Some(node);
    };
    let child = match &mut node.value {
        Value::Map(map) => &mut map.entries.get_mut(first)?.1,
        Value::Seq(items) => items.get_mut(first)?,
        _ => return None,
    };
    node_at(child, rest)
}

/// The key and value of a placeholder mapping.
fn placeholder_of(node: &Node) -> Option<(String, Node)> {
    let Value::Map(map) = &node.value else {
        return None;
    };
    let (key, value) = map.entries.first().filter(|_| map.len() == 1)?;
    matches!(key.text.as_str(), "$text" | "$json" | "$yaml")
        .then(|| (key.text.clone(), value.clone()))
}

fn walk(
    node: &mut Node,
    cx: &mut Context,
    diags: &mut Vec<Diagnostic>,
    at: &mut NodePath,
    urls: &mut Vec<NodePath>,
) {
    if let Some((key, arg)) = placeholder_of(node) {
        if cx.forges.is_none() && arg.as_str().is_some_and(|t| t.contains("://")) {
            urls.push(at.clone());
        } else if let Some(replacement) = resolve(&key, &arg, node.span, cx, diags) {
            *node = replacement;
        }
        // Backstage does not scan the replacement again.
        return;
    }
    match &mut node.value {
        Value::Map(map) => {
            for (i, (_, value)) in map.entries.iter_mut().enumerate() {
                at.push(i);
                walk(value, cx, diags, at, urls);
                at.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                at.push(i);
                walk(item, cx, diags, at, urls);
                at.pop();
            }
        }
        _ => {}
    }
}

/// Why a URL placeholder is not read.
enum NotRead {
    /// Backstage's rule for entities read from a repository: the entity
    /// fails.
    OtherRepository(String),
    /// Not a repository of the catalog (or not at this ref): the URL stays.
    NotCrawled(String),
}

/// The path a placeholder URL stands for in a mounted repository, or why
/// it is not read.
fn url_target(url: &str, cx: &Context) -> Result<PathBuf, NotRead> {
    let own = cx.trees.repository_of(cx.file);
    if let Some(own) = own {
        // Backstage: an entity read from a repository may only read its
        // own repository; here at the crawled commit, whatever ref the URL
        // names.
        let parsed = forge::parse(url, cx.forges.unwrap_or(&Forges::default()))
            .map_err(|e| NotRead::NotCrawled(e.message()))?;
        if own.origin.identity != parsed.repo.key() {
            return Err(NotRead::OtherRepository(format!(
                "Placeholder may only reference files from the same repository as the entity ({})",
                own.origin.display
            )));
        }
    }
    cx.trees
        .locate(url, own.map(|t| t.as_ref()))
        .map(|(path, _)| path)
        .map_err(NotRead::NotCrawled)
}

/// The repository holding `file`: a git tree's root; for a local file, the
/// nearest ancestor with a `.git` entry inside the crawl root, else the
/// crawl root itself.
fn repository_root<'a>(file: &'a Path, trees: &'a Trees) -> Option<&'a Path> {
    if let Some(tree) = trees.repository_of(file) {
        return Some(tree.mount());
    }
    let root = trees.root_of(file)?;
    file.ancestors()
        .skip(1)
        .take_while(|dir| dir.starts_with(root))
        .find(|dir| dir.join(".git").exists())
        .or(Some(root))
}

fn resolve(
    key: &str,
    arg: &Node,
    span: Span,
    cx: &mut Context,
    diags: &mut Vec<Diagnostic>,
) -> Option<Node> {
    let with_entity = |d: Diagnostic, cx: &Context| match &cx.entity {
        Some(e) => d.entity(e.clone()),
        None => d,
    };
    let Some(target) = arg.as_str() else {
        diags.push(with_entity(
            Diagnostic::new(
                Code::PlaceholderInvalid,
                format!(
                    "Placeholder {key} expected a string value parameter, in the form of an absolute URL or a relative path"
                ),
            )
            .at(arg.span)
            .help(format!("write `{key}: ./path/to/file` (relative to this file)")),
            cx,
        ));
        return None;
    };
    let base_dir = cx.file.parent().unwrap_or(Path::new("/"));
    let path = if target.contains("://") {
        let read = match cx.forges {
            Some(_) => url_target(target, cx),
            None => Err(NotRead::NotCrawled(
                "not a repository of the catalog".to_string(),
            )),
        };
        match read {
            Ok(path) => path,
            Err(NotRead::OtherRepository(why)) => {
                diags.push(with_entity(
                    Diagnostic::new(
                        Code::PlaceholderReadFailed,
                        format!("Placeholder {key} could not read location {}, {why}", forge::redact(target)),
                    )
                    .at(arg.span)
                    .help("commit the file in this repository and write a relative path, e.g. `$text: ./openapi.yaml`"),
                    cx,
                ));
                return None;
            }
            Err(NotRead::NotCrawled(why)) => {
                diags.push(with_entity(
                    Diagnostic::new(
                        Code::PlaceholderUnsupported,
                        format!("{key} {} was not read: {why}; the URL is kept as the value", forge::redact(target)),
                    )
                    .at(arg.span)
                    .help("register the repository as a location, or commit the file next to the descriptor and write a relative path, e.g. `$text: ./openapi.yaml`"),
                    cx,
                ));
                return Some(Node::str(target, arg.span));
            }
        }
    } else {
        match target.strip_prefix('/') {
            Some(from_root) => repository_root(cx.file, cx.trees)
                .unwrap_or(base_dir)
                .join(from_root),
            None => base_dir.join(target),
        }
    };
    let (canonical, text) = match cx.trees.read(&path) {
        Ok(read) => read,
        Err(err) => {
            let why = match err {
                ReadError::NotFound => "the file does not exist".to_string(),
                ReadError::OutsideRoots(p) => format!(
                    "{} is outside every crawl root; placeholders may only read files of the crawled folders",
                    p.display()
                ),
                ReadError::TooLarge(n) => format!("the file is too large ({n} bytes)"),
                ReadError::NotUtf8 => "the file is not UTF-8 text".to_string(),
                other => other.why(),
            };
            diags.push(with_entity(
                Diagnostic::new(
                    Code::PlaceholderReadFailed,
                    format!("Placeholder {key} could not read location {target}, {why}"),
                )
                .at(arg.span)
                .help("paths are relative to the folder of this file and must stay inside the crawled folders"),
                cx,
            ));
            return None;
        }
    };
    match key {
        // The text gets the span of the file it came from (registered like
        // a `$yaml` target), so that a reader of the value (API definitions)
        // can point its diagnostics at that file's lines.
        "$text" => {
            let file_id = register(cx, &canonical, &text);
            let at = whole_text(file_id, &text);
            Some(Node::str(text, at))
        }
        "$json" => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(json) => Some(Node::from_json(&json, span)),
            Err(e) => {
                diags.push(with_entity(
                    Diagnostic::new(
                        Code::PlaceholderParseFailed,
                        format!("Placeholder $json failed to parse JSON data at {target}, {e}"),
                    )
                    .at(arg.span)
                    .help("fix the JSON file, or use $text to embed it as a string"),
                    cx,
                ));
                None
            }
        },
        _ => {
            let file_id = register(cx, &canonical, &text);
            match yaml::parse_single(&text, file_id) {
                Ok(node) => Some(node),
                Err(inner) => {
                    diags.push(with_entity(
                        Diagnostic::new(
                            Code::PlaceholderParseFailed,
                            format!(
                                "Placeholder $yaml found an error in the data at {target}, {}",
                                inner.message
                            ),
                        )
                        .at(arg.span)
                        .related(
                            inner.span.unwrap_or(Span::file_start(file_id)),
                            inner.message.clone(),
                        )
                        .help(
                            "fix the YAML file (it must hold exactly one document), or use $text",
                        ),
                        cx,
                    ));
                    None
                }
            }
        }
    }
}

/// The id of a placeholder target in the source database, registering it
/// on first use.
fn register(cx: &mut Context, canonical: &Path, text: &str) -> FileId {
    match cx.sources.find(canonical) {
        Some(id) => id,
        None => cx.sources.add(SourceFile {
            display: cx.trees.display(canonical, cx.display_base),
            path: canonical.to_path_buf(),
            text: Some(text.into()),
        }),
    }
}

/// A span over all of `text`, in `file`: from 1:1 to its last character.
pub fn whole_text(file: FileId, text: &str) -> Span {
    let lines = text.lines().count().max(1);
    let last = text.lines().last().unwrap_or_default();
    let end = Pos::new(
        u32::try_from(lines).unwrap_or(u32::MAX),
        u32::try_from(last.chars().count() + 1).unwrap_or(u32::MAX),
    );
    Span::new(file, Pos::new(1, 1), end)
}
