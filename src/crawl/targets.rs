//! Where locations point (spec/catalog.md §8.2): config locations and the
//! targets of `Location` entities, turned into files to read, or into
//! repositories to open first.
//!
//! Location types, by where the Location sits:
//!
//! | target type | in a local file | in a repository |
//! | --- | --- | --- |
//! | `file` (default in local files) | a path or glob; `./` is relative to the file's folder, others to backlot.yaml's folder | refused: repository content must not read the local disk (Backstage allows only `url` there) |
//! | `url` (default in repositories) | an absolute forge URL: that repository | an absolute forge URL, or a path resolved like a relative URL inside the same repository at the same commit (`/` is its root) |
//!
//! A URL or relative target ending in `/`, a forge folder URL, or a
//! folder found at the path is searched for descriptor files, as a `dir`
//! location is.

use std::path::{Path, PathBuf};

use crate::config::{Config, LocationConfig, LocationType};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::forge;
use crate::model::{EntityRef, Node, Origin};
use crate::source::{FileId, Span};
use crate::tree::{self, Kind, Trees};

use super::remote::{Opened, RepoRequest, is_local_path};
use super::{Candidate, Cx, Request, config_location_entity};

/// Something to read next: a file, or a place in a repository that must
/// be fetched first.
#[derive(Debug, Clone)]
// A wave holds a few of these per target; boxing would not pay.
#[allow(clippy::large_enum_variant)]
pub(super) enum Pending {
    File(Request),
    Repo(RepoTarget),
}

/// A place in a repository, and what to do with it once it is open.
#[derive(Debug, Clone)]
pub(super) struct RepoTarget {
    pub request: RepoRequest,
    /// What the URL said it is: a folder (`Some(true)`), a file or glob
    /// (`Some(false)`), or unknown (look in the tree).
    pub folder: Option<bool>,
    /// The request each file found becomes (its `path` is replaced).
    pub base: Request,
    /// The target as written, for messages.
    pub written: String,
    /// The Location entity that asked, for diagnostics.
    pub entity: Option<String>,
}

impl RepoTarget {
    /// What a forge URL target stands for.
    fn of_url(
        url: forge::ForgeUrl,
        base: Request,
        written: &str,
        entity: Option<String>,
    ) -> Pending {
        Pending::Repo(RepoTarget {
            folder: url.folder,
            request: RepoRequest::of(url),
            base,
            written: forge::redact(written),
            entity,
        })
    }
}

/// Turns one config location into what to read, and (when backlot.yaml is
/// registered) the Location entity Backstage generates for it.
pub(super) fn seed(
    location: &LocationConfig,
    config: &Config,
    config_file: Option<FileId>,
    cx: &mut Cx,
    diags: &mut Diagnostics,
) -> Vec<Pending> {
    let target = tree::normalize(&cx.display_base.join(&location.target));
    let out = &mut cx.out;
    let type_name = location.location_type.name();
    // Locations shown in annotations and the JSON API never carry a
    // password or token that a URL was written with.
    let target_text = match location.location_type {
        LocationType::Url | LocationType::Git if !is_local_path(&location.target) => {
            forge::redact(location.target.trim())
        }
        _ => target.display().to_string(),
    };
    let location_ref = format!("{type_name}:{target_text}");
    if let Some(file) = config_file {
        let root = config_location_entity(type_name, &target_text, location.span);
        out.candidates.push(Candidate {
            origin: Origin {
                file,
                span: location.span,
                doc_index: 0,
            },
            root,
            location: location_ref.clone(),
            origin_location: location_ref.clone(),
            location_rules: location.rules.clone(),
            generated: true,
            defaults: Vec::new(),
        });
    }
    let base = Request {
        path: PathBuf::new(),
        requested_at: Some(location.span),
        origin_location: location_ref,
        rules: location.rules.clone(),
        chain: Default::default(),
        optional: false,
        parent_location: None,
    };
    let request = |path: PathBuf| {
        Pending::File(Request {
            path,
            ..base.clone()
        })
    };
    let mut queue = Vec::new();
    match location.location_type {
        LocationType::Url => match forge::parse(location.target.trim(), cx.forges) {
            Ok(url) => queue.push(RepoTarget::of_url(url, base, &location.target, None)),
            Err(e) => diags.push(
                Diagnostic::new(Code::RepoUnknownUrl, e.message())
                    .at(location.span)
                    .help(e.help()),
            ),
        },
        LocationType::Git => {
            let url = if is_local_path(&location.target) {
                target.display().to_string()
            } else {
                location.target.trim().to_string()
            };
            let path = location
                .path
                .clone()
                .unwrap_or_else(|| crate::config::DEFAULT_DESCRIPTOR_NAME.to_string());
            let git_ref = location
                .git_ref
                .clone()
                .unwrap_or_else(|| "HEAD".to_string());
            queue.push(Pending::Repo(RepoTarget {
                request: RepoRequest {
                    forge: forge::repo_from_clone_url(&url, cx.forges),
                    url,
                    candidates: vec![(git_ref, path.trim_start_matches('/').to_string())],
                },
                folder: path.ends_with('/').then_some(true),
                base,
                written: forge::redact(&location.target),
                entity: None,
            }));
        }
        LocationType::File => {
            if tree::has_glob_chars(&location.target) {
                out.globs.push(target.clone());
                match out.trees.expand_glob(&target).map(|w| w.paths) {
                    Ok(matches) if matches.is_empty() => diags.push(
                        Diagnostic::new(
                            Code::LocationGlobNoMatch,
                            format!("file location {} matches no file", location.target),
                        )
                        .at(location.span)
                        .help("check the pattern; it is relative to the folder of backlot.yaml"),
                    ),
                    Ok(matches) => queue.extend(matches.into_iter().map(request)),
                    Err(e) => diags.push(
                        Diagnostic::new(
                            Code::ConfigInvalid,
                            format!("invalid glob {}: {e}", location.target),
                        )
                        .at(location.span),
                    ),
                }
            } else {
                queue.push(request(target));
            }
        }
        LocationType::Dir => match out.trees.add_local(&target) {
            Ok(canonical) if canonical.is_dir() => {
                let found = out
                    .trees
                    .find_descriptors(&canonical, &config.catalog.descriptor_names);
                if found.truncated {
                    diags.push(search_stopped(&location.target, Some(location.span)));
                }
                let found = found.paths;
                if found.is_empty() {
                    diags.push(
                        Diagnostic::new(
                            Code::LocationGlobNoMatch,
                            format!(
                                "dir location {} holds no file named {}",
                                location.target,
                                config.catalog.descriptor_names.join(" or ")
                            ),
                        )
                        .at(location.span)
                        .help("check the folder, or set catalog.descriptor_names in backlot.yaml"),
                    );
                }
                queue.extend(found.into_iter().map(request));
            }
            _ => diags.push(
                Diagnostic::new(
                    Code::FileNotFound,
                    format!("dir location {} is not a folder", location.target),
                )
                .at(location.span)
                .help("the target is relative to the folder of backlot.yaml"),
            ),
        },
    }
    queue
}

/// What a valid Location entity asks for (§8.2). `file` is the resolved
/// path of the file it sits in.
pub(super) fn location_targets(
    root: &Node,
    req: &Request,
    file: &Path,
    display_base: &Path,
    this: Option<EntityRef>,
    cx: &mut Cx,
    diags: &mut Diagnostics,
) -> Vec<Pending> {
    let Some(spec) = root.get("spec") else {
        return Vec::new();
    };
    let in_repo = cx.out.trees.repository_of(file).cloned();
    // `spec.type` defaults to the type of the location the file was read
    // through: `url` for a file of a repository.
    let default_type = if in_repo.is_some() { "url" } else { "file" };
    let location_type = spec
        .get("type")
        .and_then(Node::as_str)
        .unwrap_or(default_type);
    let optional = spec.get("presence").and_then(Node::as_str) == Some("optional");
    let mut targets: Vec<&Node> = Vec::new();
    targets.extend(spec.get("target"));
    targets.extend(
        spec.get("targets")
            .and_then(Node::as_seq)
            .into_iter()
            .flatten(),
    );
    let entity = this
        .as_ref()
        .map(|r| r.canonical().to_string())
        .unwrap_or_default();
    let chain = req.chain.then(file);
    let base = Request {
        path: PathBuf::new(),
        requested_at: None,
        origin_location: req.origin_location.clone(),
        rules: req.rules.clone(),
        chain,
        optional,
        parent_location: this.clone(),
    };
    let problem = |code: Code, message: String, at: Span| {
        Diagnostic::new(code, message).at(at).entity(entity.clone())
    };
    let mut out = Vec::new();
    for node in targets {
        let Some(target) = node.as_str() else {
            continue;
        };
        let base = Request {
            requested_at: Some(node.span),
            ..base.clone()
        };
        match (location_type, &in_repo) {
            ("file", Some(repo)) => diags.push(
                problem(
                    Code::LocationNotAllowed,
                    format!(
                        "file target {target} is not read: a Location in a repository ({}) may not read files of this machine",
                        repo.origin.display
                    ),
                    node.span,
                )
                .help("Backstage allows only `url` locations there (\"Registered locations must be of an allowed type [url]\"); write the target relative to this file, without `type: file`"),
            ),
            ("file", None) => {
                out.extend(file_target(target, node, file, display_base, base, cx, &entity, diags))
            }
            ("url", _) if target.contains("://") => match forge::parse(target.trim(), cx.forges) {
                Ok(url) => out.push(RepoTarget::of_url(url, base, target, Some(entity.clone()))),
                Err(e) => diags.push(
                    problem(Code::RepoUnknownUrl, e.message(), node.span).help(e.help()),
                ),
            },
            ("url", Some(repo)) => {
                // Relative to this file, as a relative URL; `/` is the
                // repository's root.
                let start = match target.strip_prefix('/') {
                    Some(_) => repo.mount().to_path_buf(),
                    None => file.parent().unwrap_or(repo.mount()).to_path_buf(),
                };
                let path = tree::normalize(&start.join(target.trim_start_matches('/')));
                if !path.starts_with(repo.mount()) {
                    diags.push(
                        problem(
                            Code::LocationInvalidTarget,
                            format!("target {target} leaves the repository {}", repo.origin.display),
                            node.span,
                        )
                        .help("name the other repository by its URL"),
                    );
                    continue;
                }
                out.extend(expand_in_tree(
                    &cx.out.trees,
                    &path,
                    target.ends_with('/').then_some(true),
                    base,
                    target,
                    Some(&entity),
                    cx.descriptor_names,
                    diags,
                ));
            }
            ("url", None) => diags.push(
                problem(
                    Code::LocationInvalidTarget,
                    format!("url target {target} is not an absolute URL"),
                    node.span,
                )
                .help("write the whole URL of the file or folder on its forge, e.g. https://github.com/acme/payments/blob/main/catalog-info.yaml; a relative target needs `type: file`"),
            ),
            (other, _) => diags.push(
                problem(
                    Code::LocationUnsupportedType,
                    format!("{other} target {target} is not read: Backlot reads `file` and `url` locations"),
                    node.span,
                )
                .help("register the repository's descriptor by its URL, as a `url` target"),
            ),
        }
    }
    out
}

/// A `file` target of a Location in a local file.
#[allow(clippy::too_many_arguments)]
fn file_target(
    target: &str,
    node: &Node,
    file: &Path,
    display_base: &Path,
    base: Request,
    cx: &mut Cx,
    entity: &str,
    diags: &mut Diagnostics,
) -> Vec<Pending> {
    if target.ends_with('/') || target.ends_with(std::path::MAIN_SEPARATOR) {
        diags.push(
            Diagnostic::new(
                Code::LocationInvalidTarget,
                format!(
                    "cannot handle file type location {target} that ends with a path separator"
                ),
            )
            .at(node.span)
            .entity(entity.to_string())
            .help("name files or a glob, e.g. `./teams/*.yaml`"),
        );
        return Vec::new();
    }
    // Backstage joins targets starting with `.` to the folder of the
    // file; others are used as written, i.e. relative to its backend's
    // working directory, for which the config folder stands in here.
    let start = if target.starts_with('.') {
        file.parent().unwrap_or(Path::new("/")).to_path_buf()
    } else {
        display_base.to_path_buf()
    };
    let path = tree::normalize(&start.join(target));
    let optional = base.optional;
    let request = |path: PathBuf| {
        Pending::File(Request {
            path,
            ..base.clone()
        })
    };
    if !tree::has_glob_chars(target) {
        return vec![request(path)];
    }
    cx.out.globs.push(path.clone());
    match cx.out.trees.expand_glob(&path).map(|w| w.paths) {
        Ok(matches) if matches.is_empty() && !optional => {
            diags.push(
                Diagnostic::new(
                    Code::LocationGlobNoMatch,
                    format!("target {target} matches no file"),
                )
                .at(node.span)
                .entity(entity.to_string())
                .help("check the pattern; `./` targets are relative to this file's folder"),
            );
            Vec::new()
        }
        Ok(matches) => matches.into_iter().map(request).collect(),
        Err(e) => {
            diags.push(
                Diagnostic::new(
                    Code::LocationInvalidTarget,
                    format!("invalid glob {target}: {e}"),
                )
                .at(node.span)
                .entity(entity.to_string()),
            );
            Vec::new()
        }
    }
}

/// The files a path in a mounted tree stands for: a glob's matches, the
/// descriptors of a folder, or the file itself.
#[allow(clippy::too_many_arguments)]
pub(super) fn expand_in_tree(
    trees: &Trees,
    path: &Path,
    folder: Option<bool>,
    base: Request,
    written: &str,
    entity: Option<&str>,
    descriptor_names: &[String],
    diags: &mut Diagnostics,
) -> Vec<Pending> {
    let at = base.requested_at;
    let optional = base.optional;
    let with_entity = |d: Diagnostic| match entity {
        Some(e) => d.entity(e.to_string()),
        None => d,
    };
    let request = |path: PathBuf| {
        Pending::File(Request {
            path,
            ..base.clone()
        })
    };
    let rel = path.to_string_lossy();
    if tree::has_glob_chars(&rel) {
        return match trees.expand_glob(path) {
            Ok(found) if found.paths.is_empty() && !optional => {
                diags.push(with_entity(
                    Diagnostic::new(
                        Code::LocationGlobNoMatch,
                        format!("{written} matches no file"),
                    )
                    .at_opt(at)
                    .help("check the pattern; it is matched inside the repository"),
                ));
                Vec::new()
            }
            Ok(found) => found.paths.into_iter().map(request).collect(),
            Err(e) => {
                diags.push(with_entity(
                    Diagnostic::new(
                        Code::LocationInvalidTarget,
                        format!("invalid glob {written}: {e}"),
                    )
                    .at_opt(at),
                ));
                Vec::new()
            }
        };
    }
    let kind = trees.kind(path);
    if folder == Some(true) || kind == Some(Kind::Dir) {
        if kind != Some(Kind::Dir) {
            if !optional {
                diags.push(with_entity(
                    Diagnostic::new(
                        Code::FileNotFound,
                        format!("{written}: the folder does not exist"),
                    )
                    .at_opt(at)
                    .help("check the path and the branch in the URL"),
                ));
            }
            return Vec::new();
        }
        let found = trees.find_descriptors(path, descriptor_names);
        if found.truncated {
            diags.push(with_entity(search_stopped(written, at)));
        }
        if found.paths.is_empty() && !optional {
            diags.push(with_entity(
                Diagnostic::new(
                    Code::LocationGlobNoMatch,
                    format!(
                        "{written} holds no file named {}",
                        descriptor_names.join(" or ")
                    ),
                )
                .at_opt(at)
                .help("check the folder, or set catalog.descriptor_names in backlot.yaml"),
            ));
        }
        return found.paths.into_iter().map(request).collect();
    }
    // A file (or a missing one, which reading reports where it was asked).
    vec![request(path.to_path_buf())]
}

/// The files a repository target stands for, once its repository is open.
pub(super) fn open_target(
    target: RepoTarget,
    opened: Opened,
    trees: &Trees,
    descriptor_names: &[String],
    diags: &mut Diagnostics,
) -> Vec<Pending> {
    let mount = opened.tree.mount().to_path_buf();
    let path = tree::normalize(&mount.join(opened.path.trim_start_matches('/')));
    if !path.starts_with(&mount) {
        diags.push(
            Diagnostic::new(
                Code::LocationInvalidTarget,
                format!("{} leaves the repository", target.written),
            )
            .at_opt(target.base.requested_at),
        );
        return Vec::new();
    }
    expand_in_tree(
        trees,
        &path,
        target.folder,
        target.base,
        &target.written,
        target.entity.as_deref(),
        descriptor_names,
        diags,
    )
}

/// A descriptor search that stopped at its limits.
fn search_stopped(written: &str, at: Option<Span>) -> Diagnostic {
    Diagnostic::new(
        Code::LocationGlobNoMatch,
        format!(
            "{written}: the search for descriptors stopped after {} entries or {} nested folders; what lies beyond was not searched",
            tree::MAX_WALK_ENTRIES,
            tree::MAX_WALK_DEPTH
        ),
    )
    .at_opt(at)
    .help("point the location at the descriptor files themselves, or at a smaller folder")
}
