//! Crawling: from the configured locations to entity [`Candidate`]s.
//!
//! A worklist of files to read, seeded by `catalog.locations` and grown by
//! every `Location` entity found (spec/catalog.md §8), processed in waves.
//! At the start of a wave, the repositories its targets name are fetched
//! (in parallel, each (repository, ref) once: [`remote::Repos`]) and their
//! trees mounted; then the files of the wave are read and parsed in
//! parallel, and, in order, their placeholders are substituted and their
//! Locations add the next wave ([`targets`]). The order of candidates is
//! therefore stable run to run, which matters because the first file to
//! deliver an entity ref wins.
//!
//! All reads go through [`Trees`]: nothing outside the crawl roots (the
//! config folder and each `dir` location) and the fetched repositories is
//! ever read. Placeholders whose value is a URL are substituted after the
//! last wave, once every repository of the catalog is known.

pub mod lock;
pub mod placeholder;
pub mod remote;
mod targets;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Config, Rule};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::forge::{self, Forges};
use crate::model::entity::written_ref;
use crate::model::validate::{self, ValidateOptions};
use crate::model::yaml::{self, Key, Map, Node, Value};
use crate::model::{EntityRef, Origin};
use crate::source::{FileId, SourceDb, SourceFile, Span};
use crate::tree::{MAX_FILE_BYTES, ReadError, Trees};

use remote::Repos;
use targets::Pending;

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
    chain: Chain,
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
    /// Annotations the entity gets unless it has them: `view-url`,
    /// `edit-url` and `source-location` of a file read from a forge
    /// (`AnnotateLocationEntityProcessor`; the entity's own values win).
    pub defaults: Vec<(&'static str, String)>,
}

impl Candidate {
    /// The ref as written (kind, namespace, name), for conflict detection.
    pub fn written_ref(&self) -> Option<EntityRef> {
        crate::model::entity::written_ref(&self.root)
    }
}

/// The files a request descends from, newest first: a list that shares its
/// tail, so that a chain of Locations a thousand files deep costs a
/// thousand links, not a copy of the whole chain per file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chain(Option<Arc<(PathBuf, Chain)>>);

impl Chain {
    /// This chain, then `path`.
    fn then(&self, path: &Path) -> Chain {
        Chain(Some(Arc::new((path.to_path_buf(), self.clone()))))
    }

    fn contains(&self, path: &Path) -> bool {
        self.iter().any(|p| p == path)
    }

    fn iter(&self) -> impl Iterator<Item = &Path> {
        std::iter::successors(self.0.as_deref(), |(_, up)| up.0.as_deref())
            .map(|(p, _)| p.as_path())
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
    /// `--locked` could not be honoured: the build must stop (exit 2).
    pub fatal: Option<String>,
}

/// What the crawl works with: its output as it grows, and the settings
/// the location rules need.
struct Cx<'a> {
    out: Crawl,
    forges: &'a Forges,
    descriptor_names: &'a [String],
    display_base: PathBuf,
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
    repos: &Repos,
) -> Crawl {
    crawl_reusing(config, config_file, sources, diags, None, repos).0
}

/// [`crawl`], taking the documents of unchanged files from `before`, and
/// the memo for the next crawl.
pub fn crawl_reusing(
    config: &Config,
    config_file: Option<FileId>,
    sources: &mut SourceDb,
    diags: &mut Diagnostics,
    before: Option<&ParseMemo>,
    repos: &Repos,
) -> (Crawl, ParseMemo) {
    let mut memo = ParseMemo::default();
    let mut cx = Cx {
        out: Crawl::default(),
        forges: &repos.settings().forges,
        descriptor_names: &config.catalog.descriptor_names,
        display_base: PathBuf::new(),
    };
    cx.out.trees.set_forges(repos.settings().forges.clone());
    cx.out.trees.start_log();
    if let Err(e) = cx.out.trees.add_local(&config.root) {
        diags.push(Diagnostic::new(
            Code::FileNotFound,
            format!(
                "cannot open the config folder {}: {e}",
                config.root.display()
            ),
        ));
        cx.out.reads = cx.out.trees.stop_log();
        return (cx.out, memo);
    }
    cx.display_base = std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
    let mut queue: Vec<Pending> = Vec::new();
    for location in &config.catalog.locations {
        queue.extend(targets::seed(location, config, config_file, &mut cx, diags));
    }

    let mut seen: HashSet<PathBuf> = HashSet::new();
    let options = ValidateOptions {
        custom_kinds: &config.catalog.custom_kinds,
    };
    // Candidates whose URL placeholders wait for the last wave.
    let mut deferred: Vec<(usize, Vec<placeholder::NodePath>)> = Vec::new();
    while !queue.is_empty() {
        let wave = open_repositories(std::mem::take(&mut queue), repos, &mut cx, diags);
        // Read and parse in parallel; everything after is sequential and in
        // request order.
        let reads: Vec<(Request, ReadResult)> = wave
            .into_par_iter()
            .map(|req| {
                let read = cx.out.trees.read(&req.path);
                (req, read)
            })
            .collect();
        let mut parsed = Vec::new();
        for (req, read) in reads {
            match read {
                Ok((canonical, text)) => {
                    if req.chain.contains(&canonical) {
                        diags.push(cycle(&req, &canonical, &cx));
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
                        display: cx.out.trees.display(&canonical, &cx.display_base),
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
                    if let Some(mut d) = read_error(&req, err, &cx) {
                        if at_file {
                            let resolved = cx
                                .out
                                .trees
                                .confine(&req.path)
                                .unwrap_or_else(|_| req.path.clone());
                            let file = sources.find(&resolved).unwrap_or_else(|| {
                                sources.add(SourceFile {
                                    display: cx.out.trees.display(&resolved, &cx.display_base),
                                    path: resolved.clone(),
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
                let (more, urls) = process_document(
                    doc, &req, &canonical, file, &options, &mut cx, sources, diags,
                );
                if !urls.is_empty() {
                    deferred.push((cx.out.candidates.len() - 1, urls));
                }
                queue.extend(more);
            }
        }
    }
    substitute_urls(deferred, &mut cx, sources, diags);
    cx.out.reads = cx.out.trees.stop_log();
    (cx.out, memo)
}

/// Opens the repositories the targets of a wave name (fetching them in
/// parallel), mounts their trees, and turns every target into the files
/// it stands for, in the wave's order.
fn open_repositories(
    wave: Vec<Pending>,
    repos: &Repos,
    cx: &mut Cx,
    diags: &mut Diagnostics,
) -> Vec<Request> {
    let requests: Vec<remote::RepoRequest> = wave
        .iter()
        .filter_map(|p| match p {
            Pending::Repo(t) => Some(t.request.clone()),
            Pending::File(_) => None,
        })
        .collect();
    let mut opened = if requests.is_empty() {
        Vec::new()
    } else {
        repos.open_all(&requests)
    }
    .into_iter();
    // Spans of the first target naming each repository: where its
    // notices and failures are reported, once.
    let mut first_at: HashMap<String, Option<Span>> = HashMap::new();
    let mut failed: HashSet<(String, String)> = HashSet::new();
    let mut files = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    for item in wave {
        match item {
            Pending::File(req) => files.push(req),
            Pending::Repo(target) => {
                let display = target.request.display();
                first_at
                    .entry(display.clone())
                    .or_insert(target.base.requested_at);
                match opened.next() {
                    Some(Ok(found)) => {
                        cx.out.trees.mount(Arc::clone(&found.tree));
                        pending.extend(targets::open_target(
                            target,
                            found,
                            &cx.out.trees,
                            cx.descriptor_names,
                            diags,
                        ));
                    }
                    Some(Err(failure)) => {
                        if failure.fatal && cx.out.fatal.is_none() {
                            cx.out.fatal = Some(failure.message.clone());
                        }
                        if failed.insert((display, failure.message.clone())) {
                            let mut d = Diagnostic::new(Code::RepoFetchFailed, failure.message)
                                .at_opt(target.base.requested_at);
                            if let Some(e) = &target.entity {
                                d = d.entity(e.clone());
                            }
                            if !failure.help.is_empty() {
                                d = d.help(failure.help);
                            }
                            diags.push(d);
                        }
                    }
                    None => {}
                }
            }
        }
        // Files found in repositories join the wave where their target was.
        for p in pending.drain(..) {
            match p {
                Pending::File(req) => files.push(req),
                Pending::Repo(_) => {}
            }
        }
    }
    for (display, notice) in repos.take_notices() {
        let at = first_at.get(&display).copied().flatten();
        diags.push(
            Diagnostic::new(Code::RepoCached, notice.message)
                .at_opt(at)
                .help(notice.help),
        );
    }
    files
}

/// The location of a file, as `backstage.io/managed-by-location` says it,
/// and the annotations Backstage adds to what a `url` location read.
fn location_of(path: &Path, trees: &Trees) -> (String, Vec<(&'static str, String)>) {
    let Some(tree) = trees.repository_of(path) else {
        return (format!("file:{}", path.display()), Vec::new());
    };
    let rel = tree.relative(path).unwrap_or_default();
    let origin = &tree.origin;
    let Some(repo) = &origin.forge else {
        let git_ref = origin
            .git_ref
            .strip_prefix("refs/heads/")
            .unwrap_or(&origin.git_ref);
        return (format!("git:{}#{git_ref}:{rel}", origin.url), Vec::new());
    };
    let view = repo.file_url(&origin.git_ref, &rel);
    let folder = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut defaults = vec![("backstage.io/view-url", view.clone())];
    // Backstage leaves out the edit URL of a file at a commit.
    if !forge::has_commit_hash(&view)
        && let Some(edit) = repo.edit_url(&origin.git_ref, &rel)
    {
        defaults.push(("backstage.io/edit-url", edit));
    }
    defaults.push((
        "backstage.io/source-location",
        format!("url:{}", repo.folder_url(&origin.git_ref, folder)),
    ));
    (format!("url:{view}"), defaults)
}

/// Envelope check, placeholders, candidate; follows a valid Location.
/// Returns what the Location asks for, and where the candidate's URL
/// placeholders are (substituted after the last wave).
#[allow(clippy::too_many_arguments)]
fn process_document(
    doc: yaml::Document,
    req: &Request,
    canonical: &Path,
    file: FileId,
    options: &ValidateOptions,
    cx: &mut Cx,
    sources: &mut SourceDb,
    diags: &mut Diagnostics,
) -> (Vec<Pending>, Vec<placeholder::NodePath>) {
    let mut root = doc.root;
    let none = || (Vec::new(), Vec::new());
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
        return none();
    }
    if let Err(d) = validate::check_envelope(&root) {
        diags.push(note_backstage_blocks_siblings(d, req));
        return none();
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
        return none();
    }
    let (found, urls) = placeholder::substitute(
        &mut root,
        &mut placeholder::Context {
            file: canonical,
            trees: &cx.out.trees,
            sources,
            display_base: &cx.display_base,
            entity: candidate_ref.as_ref().map(|r| r.canonical().to_string()),
            forges: None,
        },
    );
    let failed = found.iter().any(Diagnostic::is_error);
    diags.extend(found);
    if failed {
        return none();
    }
    let is_location = root.get("kind").and_then(Node::as_str) == Some("Location");
    let follow = is_location && validate::validate(&root, options).is_ok();
    let next = if follow {
        let display_base = cx.display_base.clone();
        targets::location_targets(
            &root,
            req,
            canonical,
            &display_base,
            candidate_ref,
            cx,
            diags,
        )
    } else {
        Vec::new()
    };
    let (location, defaults) = location_of(canonical, &cx.out.trees);
    cx.out.candidates.push(Candidate {
        origin: Origin {
            file,
            span: root.span,
            doc_index: doc.index,
        },
        root,
        location,
        origin_location: req.origin_location.clone(),
        location_rules: req.rules.clone(),
        generated: false,
        defaults,
    });
    (next, urls)
}

/// Substitutes the URL placeholders of the candidates that have them, now
/// that every repository of the catalog is mounted. A candidate whose
/// substitution fails is dropped, as Backstage drops an entity on any
/// placeholder failure.
fn substitute_urls(
    deferred: Vec<(usize, Vec<placeholder::NodePath>)>,
    cx: &mut Cx,
    sources: &mut SourceDb,
    diags: &mut Diagnostics,
) {
    let mut dropped = Vec::new();
    for (index, paths) in deferred {
        let candidate = &mut cx.out.candidates[index];
        let file = sources.get(candidate.origin.file).path.clone();
        let entity = candidate.written_ref().map(|r| r.canonical().to_string());
        let found = placeholder::substitute_at(
            &mut candidate.root,
            &paths,
            &mut placeholder::Context {
                file: &file,
                trees: &cx.out.trees,
                sources,
                display_base: &cx.display_base,
                entity,
                forges: Some(cx.forges),
            },
        );
        if found.iter().any(Diagnostic::is_error) {
            dropped.push(index);
        }
        diags.extend(found);
    }
    for index in dropped.into_iter().rev() {
        cx.out.candidates.remove(index);
    }
}

fn read_error(req: &Request, err: ReadError, cx: &Cx) -> Option<Diagnostic> {
    let shown = cx.out.trees.display(&req.path, &cx.display_base);
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
        .help("Backlot reads only the folder holding backlot.yaml, the `dir` locations' folders and the fetched repositories (where a symlink may not leave the repository); add the folder as a `dir` location if it is trusted"),
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

fn cycle(req: &Request, canonical: &Path, cx: &Cx) -> Diagnostic {
    let mut chain: Vec<&Path> = req.chain.iter().collect();
    chain.reverse();
    chain.push(canonical);
    // The cycle starts at the file read again.
    let start = chain.iter().position(|p| *p == canonical).unwrap_or(0);
    let shown = |paths: &[&Path]| -> Vec<String> {
        paths
            .iter()
            .map(|p| cx.out.trees.display(p, &cx.display_base))
            .collect()
    };
    let cycle = &chain[start..];
    // A long cycle shows its ends: the message must stay readable.
    const ENDS: usize = 3;
    let text = if cycle.len() > 2 * ENDS + 1 {
        format!(
            "{} → … {} more … → {}",
            shown(&cycle[..ENDS]).join(" → "),
            cycle.len() - 2 * ENDS,
            shown(&cycle[cycle.len() - ENDS..]).join(" → ")
        )
    } else {
        shown(cycle).join(" → ")
    };
    Diagnostic::new(
        Code::LocationCycle,
        format!("Location cycle: {text}; the file is read once"),
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
