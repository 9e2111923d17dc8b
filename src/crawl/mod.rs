//! Crawling: from the configured locations to entity [`Candidate`]s.
//!
//! A worklist of files to read, seeded by `catalog.locations` and grown by
//! every `Location` entity found (spec/catalog.md §8), processed in waves:
//! the files of a wave are read and parsed in parallel, then, in order,
//! their placeholders are substituted and their Locations add the next
//! wave. The order of candidates is therefore stable run to run, which
//! matters because the first file to deliver an entity ref wins.
//!
//! All reads go through [`Trees`]: nothing outside the crawl roots (the
//! config folder and each `dir` location) is ever read.

pub mod placeholder;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Config, LocationConfig, LocationType, Rule};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::entity::written_ref;
use crate::model::validate::{self, ValidateOptions};
use crate::model::yaml::{self, Key, Map, Node, Value};
use crate::model::{EntityRef, Origin};
use crate::source::{FileId, SourceDb, SourceFile, Span, display_path};
use crate::tree::{self, MAX_FILE_BYTES, ReadError, Trees};

type ReadResult = Result<(PathBuf, String), ReadError>;

/// A file to read, and why.
#[derive(Debug, Clone)]
struct Request {
    path: PathBuf,
    /// Where the request was written (a config entry or a Location target).
    requested_at: Option<Span>,
    /// `managed-by-origin-location` for everything read through it.
    origin_location: String,
    rules: Vec<Rule>,
    /// Canonical paths of the files that led here, for cycle detection.
    chain: Vec<PathBuf>,
    /// `presence: optional`: a missing file is not an error.
    optional: bool,
    /// The Location entity that asked for this file.
    parent_location: Option<EntityRef>,
}

/// An entity document read by the crawl, envelope-checked, placeholders
/// substituted, not yet validated: the catalog's input.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub root: Node,
    pub origin: Origin,
    /// `file:/abs/path.yaml`: written to `backstage.io/managed-by-location`.
    pub location: String,
    /// The config location it descends from: `backstage.io/managed-by-origin-location`.
    pub origin_location: String,
    /// Rules of the config location it descends from.
    pub location_rules: Vec<Rule>,
    /// The Location Backstage generates for a config location. It is the
    /// location itself, not read through one, so catalog rules do not
    /// apply to it.
    pub generated: bool,
}

impl Candidate {
    /// The ref as written (kind, namespace, name), for conflict detection.
    pub fn written_ref(&self) -> Option<EntityRef> {
        crate::model::entity::written_ref(&self.root)
    }
}

/// What crawling produced.
#[derive(Debug, Default)]
pub struct Crawl {
    pub candidates: Vec<Candidate>,
    pub trees: Trees,
    /// Every file the crawl asked for, found or not (see `Roots::stop_log`).
    pub reads: Vec<PathBuf>,
    /// The glob patterns of file locations, absolute: files created later
    /// that match them are new input.
    pub globs: Vec<PathBuf>,
}

/// The YAML documents of the files a crawl read, by canonical path, for
/// the next crawl of a `serve` session: a file read again with the same
/// text under the same id is not parsed again (a descriptor edit parses
/// one file of thousands).
#[derive(Debug, Default)]
pub struct ParseMemo {
    files: rustc_hash::FxHashMap<PathBuf, Arc<Parsed>>,
}

/// A file's documents and parse diagnostics, and its memo entry.
type ParseResult = (Vec<yaml::Document>, Vec<Diagnostic>, Option<Arc<Parsed>>);

#[derive(Debug)]
struct Parsed {
    /// Positions in `documents` and `diagnostics` name this id.
    file: FileId,
    text: Arc<str>,
    documents: Vec<yaml::Document>,
    diagnostics: Vec<Diagnostic>,
}

/// Reads every configured location and everything its Locations point at.
///
/// `config_file` is the registered backlot.yaml, if any: each config
/// location then also becomes a generated Location entity, as in Backstage.
pub fn crawl(
    config: &Config,
    config_file: Option<FileId>,
    sources: &mut SourceDb,
    diags: &mut Diagnostics,
) -> Crawl {
    crawl_reusing(config, config_file, sources, diags, None).0
}

/// [`crawl`], taking the documents of unchanged files from `before`, and
/// the memo for the next crawl.
pub fn crawl_reusing(
    config: &Config,
    config_file: Option<FileId>,
    sources: &mut SourceDb,
    diags: &mut Diagnostics,
    before: Option<&ParseMemo>,
) -> (Crawl, ParseMemo) {
    let mut memo = ParseMemo::default();
    let mut out = Crawl::default();
    out.trees.start_log();
    if let Err(e) = out.trees.add_local(&config.root) {
        diags.push(Diagnostic::new(
            Code::FileNotFound,
            format!(
                "cannot open the config folder {}: {e}",
                config.root.display()
            ),
        ));
        out.reads = out.trees.stop_log();
        return (out, memo);
    }
    let display_base = std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
    let mut queue = Vec::new();
    for location in &config.catalog.locations {
        seed(
            location,
            config,
            config_file,
            &display_base,
            &mut out,
            &mut queue,
            diags,
        );
    }

    let mut seen: HashSet<PathBuf> = HashSet::new();
    let options = ValidateOptions {
        custom_kinds: &config.catalog.custom_kinds,
    };
    while !queue.is_empty() {
        let wave = std::mem::take(&mut queue);
        // Read and parse in parallel; everything after is sequential and in
        // request order.
        let reads: Vec<(Request, ReadResult)> = wave
            .into_par_iter()
            .map(|req| {
                let read = out.trees.read(&req.path);
                (req, read)
            })
            .collect();
        let mut parsed = Vec::new();
        for (req, read) in reads {
            match read {
                Ok((canonical, text)) => {
                    if req.chain.contains(&canonical) {
                        diags.push(cycle(&req, &canonical, &display_base));
                        continue;
                    }
                    if !seen.insert(canonical.clone()) {
                        continue; // already read through another Location
                    }
                    // The id this file gets, which a kept parse must have.
                    let id = FileId(sources.len() as u32);
                    let kept = before
                        .and_then(|b| b.files.get(&canonical))
                        .filter(|p| p.file == id && *p.text == *text)
                        .cloned();
                    let file = sources.add(SourceFile {
                        display: display_path(&canonical, &display_base),
                        path: canonical.clone(),
                        text: Some(match &kept {
                            Some(p) => Arc::clone(&p.text),
                            None => text.into(),
                        }),
                    });
                    parsed.push((req, canonical, file, kept));
                }
                Err(err) => {
                    // A file that exists but cannot be used is reported on
                    // the file itself; a missing or forbidden one where it
                    // was asked for.
                    let at_file = matches!(
                        err,
                        ReadError::TooLarge(_)
                            | ReadError::NotUtf8
                            | ReadError::NotAFile
                            | ReadError::Submodule
                            | ReadError::Io(_)
                    );
                    if let Some(mut d) = read_error(&req, err, &display_base) {
                        if at_file {
                            let canonical = std::fs::canonicalize(&req.path)
                                .unwrap_or_else(|_| req.path.clone());
                            let file = sources.find(&canonical).unwrap_or_else(|| {
                                sources.add(SourceFile {
                                    display: display_path(&canonical, &display_base),
                                    path: canonical.clone(),
                                    text: None,
                                })
                            });
                            if let Some(requested) = req.requested_at {
                                d = d.related(requested, "read because of this location");
                            }
                            d.span = Some(Span::file_start(file));
                        }
                        diags.push(d);
                    }
                }
            }
        }
        // A kept parse is cloned (cheaper than parsing); a new one is
        // recorded for the next crawl when there is one (`serve`).
        let documents: Vec<ParseResult> = parsed
            .par_iter()
            .map(|(_, _, file, kept)| match kept {
                Some(p) => (
                    p.documents.clone(),
                    p.diagnostics.clone(),
                    Some(Arc::clone(p)),
                ),
                None => {
                    let text = sources.get(*file).text.clone().unwrap_or_default();
                    let (documents, diagnostics) = yaml::parse_documents(&text, *file);
                    let entry = before.is_some().then(|| {
                        Arc::new(Parsed {
                            file: *file,
                            text,
                            documents: documents.clone(),
                            diagnostics: diagnostics.clone(),
                        })
                    });
                    (documents, diagnostics, entry)
                }
            })
            .collect();
        for ((req, canonical, file, _), (docs, found, entry)) in parsed.into_iter().zip(documents) {
            if let Some(entry) = entry {
                memo.files.insert(canonical.clone(), entry);
            }
            diags.extend(
                found
                    .into_iter()
                    .map(|d| note_backstage_blocks_siblings(d, &req)),
            );
            for doc in docs {
                let more = process_document(
                    doc,
                    &req,
                    &canonical,
                    file,
                    &display_base,
                    &options,
                    &mut out,
                    sources,
                    diags,
                );
                queue.extend(more);
            }
        }
    }
    out.reads = out.trees.stop_log();
    (out, memo)
}

/// Turns one config location into requests.
fn seed(
    location: &LocationConfig,
    config: &Config,
    config_file: Option<FileId>,
    display_base: &Path,
    out: &mut Crawl,
    queue: &mut Vec<Request>,
    diags: &mut Diagnostics,
) {
    let target = tree::normalize(&display_base.join(&location.target));
    let request = |path: PathBuf, origin: &str| Request {
        path,
        requested_at: Some(location.span),
        origin_location: origin.to_string(),
        rules: location.rules.clone(),
        chain: Vec::new(),
        optional: false,
        parent_location: None,
    };
    let type_name = match location.location_type {
        LocationType::File => "file",
        LocationType::Dir => "dir",
        LocationType::Url => "url",
    };
    let target_text = match location.location_type {
        LocationType::Url => location.target.clone(),
        _ => target.display().to_string(),
    };
    if let Some(file) = config_file {
        let location_ref = format!("{type_name}:{target_text}");
        let root = config_location_entity(type_name, &target_text, location.span);
        out.candidates.push(Candidate {
            origin: Origin {
                file,
                span: location.span,
                doc_index: 0,
            },
            root,
            location: location_ref.clone(),
            origin_location: location_ref,
            location_rules: location.rules.clone(),
            generated: true,
        });
    }
    match location.location_type {
        LocationType::Url => diags.push(
            Diagnostic::new(
                Code::LocationUnsupportedType,
                format!(
                    "url location {} is not read: git and URL crawling are not supported yet",
                    location.target
                ),
            )
            .at(location.span)
            .help("clone the repository next to backlot.yaml and use a `dir` location for it"),
        ),
        LocationType::File => {
            let origin = format!("file:{target_text}");
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
                    Ok(matches) => queue.extend(matches.into_iter().map(|p| request(p, &origin))),
                    Err(e) => diags.push(
                        Diagnostic::new(
                            Code::ConfigInvalid,
                            format!("invalid glob {}: {e}", location.target),
                        )
                        .at(location.span),
                    ),
                }
            } else {
                queue.push(request(target, &origin));
            }
        }
        LocationType::Dir => {
            let origin = format!("dir:{target_text}");
            match out.trees.add_local(&target) {
                Ok(canonical) if canonical.is_dir() => {
                    let found = out
                        .trees
                        .find_descriptors(&canonical, &config.catalog.descriptor_names)
                        .paths;
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
                            .help(
                                "check the folder, or set catalog.descriptor_names in backlot.yaml",
                            ),
                        );
                    }
                    queue.extend(found.into_iter().map(|p| request(p, &origin)));
                }
                _ => diags.push(
                    Diagnostic::new(
                        Code::FileNotFound,
                        format!("dir location {} is not a folder", location.target),
                    )
                    .at(location.span)
                    .help("the target is relative to the folder of backlot.yaml"),
                ),
            }
        }
    }
}

/// Envelope check, placeholders, candidate; follows a valid Location.
#[allow(clippy::too_many_arguments)]
fn process_document(
    doc: yaml::Document,
    req: &Request,
    canonical: &Path,
    file: FileId,
    display_base: &Path,
    options: &ValidateOptions,
    out: &mut Crawl,
    sources: &mut SourceDb,
    diags: &mut Diagnostics,
) -> Vec<Request> {
    let mut root = doc.root;
    if root.as_map().is_none() {
        diags.push(note_backstage_blocks_siblings(
            Diagnostic::new(
                Code::YamlNotAMapping,
                format!("Expected object at root, got {}", js_typeof(&root)),
            )
            .at(root.span)
            .help("each YAML document must be one entity: a mapping with apiVersion, kind, metadata and spec"),
            req,
        ));
        return Vec::new();
    }
    if let Err(d) = validate::check_envelope(&root) {
        diags.push(note_backstage_blocks_siblings(d, req));
        return Vec::new();
    }
    let candidate_ref = written_ref(&root);
    if let Some(this) = candidate_ref
        .as_ref()
        .filter(|r| req.parent_location.as_ref() == Some(*r))
    {
        diags.push(
            Diagnostic::new(
                Code::LocationSelfReference,
                format!("{this} reads a file that defines the Location itself; ignored"),
            )
            .at(root.span)
            .help("a Location must not list its own file among its targets"),
        );
        return Vec::new();
    }
    let found = placeholder::substitute(
        &mut root,
        &mut placeholder::Context {
            file: canonical,
            trees: &out.trees,
            sources,
            display_base,
            entity: candidate_ref.as_ref().map(|r| r.canonical().to_string()),
        },
    );
    let failed = found.iter().any(Diagnostic::is_error);
    diags.extend(found);
    if failed {
        return Vec::new();
    }
    let is_location = root.get("kind").and_then(Node::as_str) == Some("Location");
    let follow = is_location && validate::validate(&root, options).is_ok();
    let next = if follow {
        location_targets(
            &root,
            req,
            canonical,
            display_base,
            candidate_ref,
            out,
            diags,
        )
    } else {
        Vec::new()
    };
    out.candidates.push(Candidate {
        origin: Origin {
            file,
            span: root.span,
            doc_index: doc.index,
        },
        root,
        location: format!("file:{}", canonical.display()),
        origin_location: req.origin_location.clone(),
        location_rules: req.rules.clone(),
        generated: false,
    });
    next
}

/// The files a valid Location entity asks for (§8.2).
fn location_targets(
    root: &Node,
    req: &Request,
    canonical: &Path,
    display_base: &Path,
    this: Option<EntityRef>,
    crawl: &mut Crawl,
    diags: &mut Diagnostics,
) -> Vec<Request> {
    let Some(spec) = root.get("spec") else {
        return Vec::new();
    };
    let location_type = spec.get("type").and_then(Node::as_str).unwrap_or("file");
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
    let mut chain = req.chain.clone();
    chain.push(canonical.to_path_buf());
    let mut out = Vec::new();
    for node in targets {
        let Some(target) = node.as_str() else {
            continue;
        };
        if location_type != "file" {
            diags.push(
                Diagnostic::new(
                    Code::LocationUnsupportedType,
                    format!("{location_type} target {target} is not read: only file locations are supported yet"),
                )
                .at(node.span)
                .entity(entity.clone())
                .help("clone the repository next to backlot.yaml and point a `dir` location at it"),
            );
            continue;
        }
        if target.ends_with('/') || target.ends_with(std::path::MAIN_SEPARATOR) {
            diags.push(
                Diagnostic::new(
                    Code::LocationInvalidTarget,
                    format!(
                        "cannot handle file type location {target} that ends with a path separator"
                    ),
                )
                .at(node.span)
                .entity(entity.clone())
                .help("name files or a glob, e.g. `./teams/*.yaml`"),
            );
            continue;
        }
        // Backstage joins targets starting with `.` to the folder of the
        // file; others are used as written, i.e. relative to its backend's
        // working directory, for which the config folder stands in here.
        let base = if target.starts_with('.') {
            canonical.parent().unwrap_or(Path::new("/")).to_path_buf()
        } else {
            display_base.to_path_buf()
        };
        let path = tree::normalize(&base.join(target));
        let request = |path: PathBuf| Request {
            path,
            requested_at: Some(node.span),
            origin_location: req.origin_location.clone(),
            rules: req.rules.clone(),
            chain: chain.clone(),
            optional,
            parent_location: this.clone(),
        };
        if tree::has_glob_chars(target) {
            crawl.globs.push(path.clone());
            match crawl.trees.expand_glob(&path).map(|w| w.paths) {
                Ok(matches) if matches.is_empty() && !optional => diags.push(
                    Diagnostic::new(
                        Code::LocationGlobNoMatch,
                        format!("target {target} matches no file"),
                    )
                    .at(node.span)
                    .entity(entity.clone())
                    .help("check the pattern; `./` targets are relative to this file's folder"),
                ),
                Ok(matches) => out.extend(matches.into_iter().map(&request)),
                Err(e) => diags.push(
                    Diagnostic::new(
                        Code::LocationInvalidTarget,
                        format!("invalid glob {target}: {e}"),
                    )
                    .at(node.span)
                    .entity(entity.clone()),
                ),
            }
        } else {
            out.push(request(path));
        }
    }
    out
}

fn read_error(req: &Request, err: ReadError, display_base: &Path) -> Option<Diagnostic> {
    let shown = display_path(&req.path, display_base);
    let d = match err {
        ReadError::NotFound if req.optional => return None,
        ReadError::NotFound => Diagnostic::new(Code::FileNotFound, format!("file {shown} does not exist"))
            .help("fix the target, or set `presence: optional` on the Location if the file may be absent"),
        ReadError::OutsideRoots(real) => Diagnostic::new(
            Code::FileOutsideRoot,
            format!(
                "{shown} resolves to {}, outside every crawl root; it was not read",
                real.display()
            ),
        )
        .help("Backlot reads only the folder holding backlot.yaml and the `dir` locations' folders; add the folder as a `dir` location if it is trusted"),
        ReadError::TooLarge(n) => Diagnostic::new(
            Code::FileTooLarge,
            format!("{shown} is {n} bytes, over the {MAX_FILE_BYTES} byte limit; it was not read"),
        )
        .help("descriptor files are small; move large API definitions to their own file and keep descriptors small"),
        ReadError::NotUtf8 => Diagnostic::new(Code::FileNotUtf8, format!("{shown} is not UTF-8 text; it was not read"))
            .help("save the file as UTF-8"),
        ReadError::NotAFile => Diagnostic::new(Code::FileUnreadable, format!("{shown} is not a regular file"))
            .help("Location targets must name files"),
        ReadError::Submodule => Diagnostic::new(Code::FileUnreadable, format!("{shown} is inside a git submodule; it was not read"))
            .help("submodules are other repositories: register that repository's own URL as a location"),
        ReadError::Io(e) => Diagnostic::new(Code::FileUnreadable, format!("file {shown} could not be read, {e}")),
    };
    Some(d.at_opt(req.requested_at))
}

fn cycle(req: &Request, canonical: &Path, display_base: &Path) -> Diagnostic {
    let path: Vec<String> = req
        .chain
        .iter()
        .chain(std::iter::once(&canonical.to_path_buf()))
        .map(|p| display_path(p, display_base))
        .collect();
    Diagnostic::new(
        Code::LocationCycle,
        format!(
            "Location cycle: {}; the file is read once",
            path.join(" → ")
        ),
    )
    .at_opt(req.requested_at)
    .help("remove the target that points back to a file already on the path")
}

/// Backstage fails the whole Location when one of its files is broken, so
/// none of the siblings appear there (spec/catalog.md §8.4). Backlot keeps
/// them; the help says so, so that nobody is surprised after migrating.
fn note_backstage_blocks_siblings(d: Diagnostic, req: &Request) -> Diagnostic {
    if req.parent_location.is_none() {
        return d;
    }
    let note = "note: Backstage would also skip every other entity read by the same Location until this is fixed; Backlot keeps them";
    let help = match d.help {
        Some(h) => format!("{h}. {note}"),
        None => note.to_string(),
    };
    Diagnostic {
        help: Some(help),
        ..d
    }
}

/// JavaScript's `typeof` as Backstage's message uses it (an array is
/// `object`).
fn js_typeof(node: &Node) -> &'static str {
    match node.value {
        Value::Null | Value::Seq(_) | Value::Map(_) => "object",
        Value::Bool(_) => "boolean",
        Value::Int(_) | Value::Float(_) => "number",
        Value::Str(_) => "string",
    }
}

/// The Location entity Backstage makes of a config location
/// (`ConfigLocationEntityProvider`): named `generated-<sha1 of type:target>`.
pub fn config_location_entity(type_name: &str, target: &str, span: Span) -> Node {
    let location = format!("{type_name}:{target}");
    let name = format!(
        "generated-{}",
        sha1_smol::Sha1::from(location.as_bytes()).digest()
    );
    let s = |t: &str| Node::str(t, span);
    let map = |entries: Vec<(&str, Node)>| {
        Node::new(
            Value::Map(Map {
                entries: entries
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            Key {
                                text: k.to_string(),
                                span,
                            },
                            v,
                        )
                    })
                    .collect(),
            }),
            span,
        )
    };
    map(vec![
        ("apiVersion", s("backstage.io/v1alpha1")),
        ("kind", s("Location")),
        (
            "metadata",
            map(vec![
                ("name", s(&name)),
                (
                    "annotations",
                    map(vec![
                        ("backstage.io/managed-by-location", s(&location)),
                        ("backstage.io/managed-by-origin-location", s(&location)),
                    ]),
                ),
            ]),
        ),
        (
            "spec",
            map(vec![("type", s(type_name)), ("target", s(target))]),
        ),
    ])
}
