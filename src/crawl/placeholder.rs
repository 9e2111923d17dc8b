//! `$text`, `$json` and `$yaml` placeholders (spec/catalog.md §9).
//!
//! A mapping with exactly one key starting with `$` is a placeholder. The
//! value is a path resolved against the folder of the file holding the
//! entity, as Backstage's documentation describes. (Backstage's code fails
//! on relative paths from `file` locations, "could not form a URL"; we
//! follow the documentation and pin the difference in the conformance
//! test.) A leading `/` means the root of the crawl root holding the file,
//! which stands in for the repository root: the nearest folder above the
//! file that holds `.git`, or else the crawl root. Reads are confined like every
//! other read. Remote URLs are not fetched: builds have no network access.

use std::path::Path;

use crate::diag::{Code, Diagnostic};
use crate::model::yaml::{self, Node, Value};
use crate::source::{FileId, Pos, SourceDb, SourceFile, Span, display_path};

use crate::tree::{ReadError, Trees};

pub struct Context<'a> {
    /// Canonical path of the file holding the entity.
    pub file: &'a Path,
    pub trees: &'a Trees,
    pub sources: &'a mut SourceDb,
    /// Folder paths are shown relative to.
    pub display_base: &'a Path,
    /// Canonical ref of the entity, for diagnostics.
    pub entity: Option<String>,
}

/// Substitutes every placeholder in `node`. Returns the diagnostics; the
/// entity must be dropped if any of them is an error (Backstage fails the
/// entity on any placeholder failure).
pub fn substitute(node: &mut Node, cx: &mut Context) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    walk(node, cx, &mut diags);
    diags
}

fn walk(node: &mut Node, cx: &mut Context, diags: &mut Vec<Diagnostic>) {
    match &mut node.value {
        Value::Map(map) => {
            if map.len() == 1 && map.entries[0].0.text.starts_with('$') {
                let key = map.entries[0].0.text.clone();
                if matches!(key.as_str(), "$text" | "$json" | "$yaml") {
                    let arg = map.entries[0].1.clone();
                    if let Some(replacement) = resolve(&key, &arg, node.span, cx, diags) {
                        *node = replacement;
                    }
                    // Backstage does not scan the replacement again.
                    return;
                }
            }
            for (_, value) in map.entries.iter_mut() {
                walk(value, cx, diags);
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|n| walk(n, cx, diags)),
        _ => {}
    }
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
    if target.contains("://") {
        diags.push(with_entity(
            Diagnostic::new(
                Code::PlaceholderUnsupported,
                format!("{key} {target} was not fetched: builds read local files only; the URL is kept as the value"),
            )
            .at(arg.span)
            .help("commit the file next to the descriptor and write a relative path, e.g. `$text: ./openapi.yaml`"),
            cx,
        ));
        return Some(Node::str(target, arg.span));
    }
    let base_dir = cx.file.parent().unwrap_or(Path::new("/"));
    let path = match target.strip_prefix('/') {
        Some(from_root) => repository_root(cx.file, cx.trees)
            .unwrap_or(base_dir)
            .join(from_root),
        None => base_dir.join(target),
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
            display: display_path(canonical, cx.display_base),
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
