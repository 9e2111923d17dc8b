//! Reading TechDocs sources: for every entity with
//! `backstage.io/techdocs-ref`, its `mkdocs.yml` (or the minimal config
//! Backstage writes when there is none), monorepo sub-projects, the pages
//! (text, registered in the [`SourceDb`]) and the other files of
//! `docs_dir` (bytes, copied to the site).
//!
//! Confinement (spec/techdocs.md §1.1, §1.3 step 5): `dir:` must stay
//! inside the folder of the entity's descriptor (Backstage's safe-child
//! check for file locations), every read goes through [`Roots`], and a
//! symlink that leaves the docs root is refused.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::catalog::Catalog;
use crate::diag::{Code, Diagnostic, Diagnostics, Severity};
use crate::docs::markdown::SnippetLoader;
use crate::docs::mkdocs::{self, DocsProblem, DocsProblemKind, MkDocsConfig};
use crate::docs::nav::{self, Included, Layout, Merged};
use crate::model::{Entity, EntityRef};
use crate::source::{FileId, SourceDb, SourceFile, Span, display_path};

use super::local::{self, ReadError, Roots};

/// The docs of one entity, read from disk.
#[derive(Debug)]
pub struct DocSource {
    pub entity: EntityRef,
    /// Canonical folder holding mkdocs.yml: the snippet base path.
    pub root: PathBuf,
    /// The root config, nav rewritten by the monorepo merge.
    pub config: MkDocsConfig,
    pub merged: Merged,
    pub layout: Layout,
    /// Page index in `layout.pages` → its source file.
    pub page_files: Vec<Option<FileId>>,
    /// Page index → when its file was last committed (unix seconds), if
    /// known: filled by [`super::git::date_pages`].
    pub page_updated: Vec<Option<i64>>,
    /// Asset path (relative to the merged docs tree) → bytes.
    pub assets: Vec<(String, Vec<u8>)>,
    /// Problems of the config, the merge and the layout.
    pub problems: Vec<DocsProblem>,
}

/// Reads the docs of every entity that has them, in catalog order.
pub fn read_all(
    catalog: &Catalog,
    roots: &Roots,
    display_base: &Path,
    sources: &mut SourceDb,
    diags: &mut Diagnostics,
) -> Vec<DocSource> {
    let mut out = Vec::new();
    for entity in &catalog.entities {
        let Some(reference) = entity.annotation("backstage.io/techdocs-ref") else {
            continue;
        };
        if let Some(source) = read_one(entity, reference, roots, display_base, sources, diags) {
            out.push(source);
        }
    }
    out
}

/// Reads the docs of one entity whose `backstage.io/techdocs-ref` is `reference`.
pub fn read_one(
    entity: &Entity,
    reference: &str,
    roots: &Roots,
    display_base: &Path,
    sources: &mut SourceDb,
    diags: &mut Diagnostics,
) -> Option<DocSource> {
    let at = annotation_span(entity, "backstage.io/techdocs-ref");
    let problem = |code: Code, message: String, help: &str| {
        Diagnostic::new(code, message)
            .at(at)
            .entity(entity.entity_ref.canonical())
            .help(help)
    };
    // The value is split at the first colon only: targets contain colons.
    let (kind, target) = reference.split_once(':').unwrap_or(("", reference));
    match kind.trim() {
        "dir" => {}
        "url" => {
            diags.push(problem(
                Code::DocsUnsupportedRef,
                format!("techdocs-ref {reference} is not read: docs from URLs need git crawling, which is not supported yet"),
                "check the repository out next to backlot.yaml and use `dir:` relative to the descriptor",
            ));
            return None;
        }
        _ => {
            diags.push(problem(
                Code::DocsInvalidRef,
                format!("techdocs-ref \"{reference}\" is neither `dir:<path>` nor `url:<url>`"),
                "write `backstage.io/techdocs-ref: dir:.` when mkdocs.yml sits next to catalog-info.yaml",
            ));
            return None;
        }
    }
    let descriptor = sources.get(entity.origin.file).path.clone();
    let base = descriptor.parent().unwrap_or(Path::new("/")).to_path_buf();
    let wanted = local::normalize(&base.join(target.trim()));
    if !wanted.starts_with(&base) {
        diags.push(problem(
            Code::DocsOutsideRoot,
            format!("techdocs-ref {reference} leaves the folder of the descriptor"),
            "Backstage only accepts docs in the descriptor's folder or below it for local files; move mkdocs.yml there",
        ));
        return None;
    }
    let root = match roots.confine(&wanted) {
        Ok(root) if root.is_dir() => root,
        Ok(_) | Err(ReadError::NotFound) => {
            diags.push(problem(
                Code::DocsNotFound,
                format!(
                    "techdocs-ref {reference}: the folder {} does not exist",
                    display_path(&wanted, display_base)
                ),
                "create the folder with mkdocs.yml and docs/, or fix the path",
            ));
            return None;
        }
        Err(ReadError::OutsideRoots(real)) => {
            diags.push(problem(
                Code::DocsOutsideRoot,
                format!(
                    "techdocs-ref {reference} resolves to {}, outside every crawl root",
                    real.display()
                ),
                "docs must live inside the crawled folders",
            ));
            return None;
        }
        Err(e) => {
            diags.push(problem(
                Code::DocsNotFound,
                format!("techdocs-ref {reference}: {e:?}"),
                "check the folder",
            ));
            return None;
        }
    };

    let mut problems = Vec::new();
    let mut config = match mkdocs::find_config(&root) {
        Some(path) => match read_config(&path, roots, display_base, sources) {
            Ok((config, found)) => {
                problems.extend(found);
                config
            }
            Err(d) => {
                diags.push(d.entity(entity.entity_ref.canonical()));
                return None;
            }
        },
        // Backstage writes {site_name, docs_dir: docs} when there is none.
        None => {
            let file = sources.add(SourceFile {
                display: display_path(&root.join("mkdocs.yml"), display_base),
                path: root.join("mkdocs.yml"),
                text: None,
            });
            MkDocsConfig::minimal(file, entity.display_name())
        }
    };

    let docs_dir = root.join(&config.docs_dir);
    if !docs_dir.is_dir() {
        diags.push(
            Diagnostic::new(
                Code::DocsNotFound,
                format!(
                    "docs_dir {} of {} does not exist",
                    config.docs_dir, entity.entity_ref
                ),
            )
            .at(Span::file_start(config.file))
            .entity(entity.entity_ref.canonical())
            .help("create the folder with an index.md, or set docs_dir in mkdocs.yml"),
        );
        return None;
    }
    let (root_files, walk_problems) = list_files(&docs_dir, &root, config.file);
    problems.extend(walk_problems);

    // Monorepo sub-projects (`!include`, `*include` in nav).
    let (includes, found) = nav::includes(&config);
    problems.extend(found);
    let mut included = Vec::new();
    for include in includes {
        for config_path in include_matches(&root, &include) {
            let abs = root.join(&config_path);
            match read_config(&abs, roots, display_base, sources) {
                Ok((sub, found)) => {
                    problems.extend(found);
                    let sub_docs = root.join(nav::project_docs_dir(&config_path, &sub));
                    let (files, walk_problems) = list_files(&sub_docs, &root, sub.file);
                    problems.extend(walk_problems);
                    included.push(Included {
                        include: include.clone(),
                        path: config_path,
                        config: sub,
                        files,
                    });
                }
                Err(d) => diags.push(d.entity(entity.entity_ref.canonical())),
            }
        }
    }
    let (merged, found) = nav::merge_included(&mut config, &root_files, included);
    problems.extend(found);
    let (layout, found) = nav::layout(&config, &merged.files);
    problems.extend(found);

    let absolute = |merged_path: &str| -> PathBuf {
        match merged.origin(merged_path) {
            Some((Some(project), path)) => root.join(&merged.projects[project].docs_dir).join(path),
            Some((None, path)) => docs_dir.join(path),
            None => docs_dir.join(merged_path),
        }
    };
    let mut page_files = Vec::with_capacity(layout.pages.len());
    // Pages are read in parallel (10,000 files on a medium portal), then
    // registered in order.
    type Read = (PathBuf, Result<(PathBuf, String), ReadError>);
    let reads: Vec<Read> = layout
        .pages
        .par_iter()
        .map(|page| {
            let path = absolute(&page.src);
            let read = roots.read(&path);
            (path, read)
        })
        .collect();
    for (page, (path, read)) in layout.pages.iter().zip(reads) {
        match read {
            Ok((canonical, text)) => page_files.push(Some(sources.add(SourceFile {
                display: display_path(&canonical, display_base),
                path: canonical,
                text: Some(text.into()),
            }))),
            Err(err) => {
                let why = match err {
                    ReadError::NotUtf8 => "it is not UTF-8 text".to_string(),
                    ReadError::TooLarge(n) => format!(
                        "it is {n} bytes, over the {} byte limit",
                        local::MAX_FILE_BYTES
                    ),
                    ReadError::OutsideRoots(real) => {
                        format!("it resolves to {}, outside the crawl roots", real.display())
                    }
                    other => format!("{other:?}"),
                };
                let file = sources.add(SourceFile {
                    display: display_path(&path, display_base),
                    path: path.clone(),
                    text: None,
                });
                diags.push(
                    Diagnostic::new(
                        Code::DocsUnreadablePage,
                        format!("page {} was not rendered: {why}", page.src),
                    )
                    .at(Span::file_start(file))
                    .entity(entity.entity_ref.canonical())
                    .help("docs pages must be UTF-8 text under 16 MiB"),
                );
                page_files.push(None);
            }
        }
    }
    let mut assets = Vec::with_capacity(layout.assets.len());
    for asset in &layout.assets {
        let path = absolute(&asset.src);
        match roots
            .confine(&path)
            .and_then(|p| std::fs::read(&p).map_err(ReadError::Io))
        {
            Ok(bytes) => assets.push((asset.src.clone(), bytes)),
            Err(_) => problems.push(DocsProblem {
                span: Span::file_start(config.file),
                path: Some(asset.src.clone()),
                severity: Severity::Warning,
                kind: DocsProblemKind::NavMissingPage,
                message: format!("{} could not be copied", asset.src),
                help: "check the file's permissions, or remove it".to_string(),
            }),
        }
    }
    Some(DocSource {
        entity: entity.entity_ref.clone(),
        root,
        config,
        merged,
        page_updated: vec![None; layout.pages.len()],
        layout,
        page_files,
        assets,
        problems,
    })
}

fn read_config(
    path: &Path,
    roots: &Roots,
    display_base: &Path,
    sources: &mut SourceDb,
) -> Result<(MkDocsConfig, Vec<DocsProblem>), Diagnostic> {
    let (canonical, text) = roots.read(path).map_err(|e| {
        Diagnostic::new(
            Code::DocsConfig,
            format!(
                "{} could not be read: {e:?}",
                display_path(path, display_base)
            ),
        )
        .help("mkdocs.yml must be a UTF-8 file inside the crawled folders")
    })?;
    let file = sources.add(SourceFile {
        display: display_path(&canonical, display_base),
        path: canonical,
        text: Some(text.into()),
    });
    let text = sources.get(file).text.as_deref().unwrap_or_default();
    Ok(mkdocs::parse(text, file))
}

/// Every file under `dir`, relative to it, `/`-separated and sorted.
/// Symlinks are followed only when they stay inside `root`.
fn list_files(dir: &Path, root: &Path, config: FileId) -> (Vec<String>, Vec<DocsProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for entry in WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
    {
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if entry.file_type().is_symlink() {
            match std::fs::canonicalize(entry.path()) {
                Ok(real) if real.starts_with(root) && real.is_file() => files.push(rel),
                Ok(real) if !real.starts_with(root) => problems.push(DocsProblem {
                    span: Span::file_start(config),
                    path: Some(rel.clone()),
                    severity: Severity::Error,
                    kind: DocsProblemKind::DocsDirOutside,
                    message: format!(
                        "{rel} is a symlink to {}, outside the docs root; it was not read",
                        real.display()
                    ),
                    help: "copy the file into the docs folder instead of linking to it".to_string(),
                }),
                _ => {}
            }
        } else if entry.file_type().is_file() {
            files.push(rel);
        }
    }
    files.sort();
    (files, problems)
}

/// The `mkdocs.yml` files (relative to `root`) an include statement names.
fn include_matches(root: &Path, include: &nav::Include) -> Vec<String> {
    if !include.glob {
        return if root.join(&include.pattern).is_file() {
            vec![include.pattern.clone()]
        } else {
            Vec::new()
        };
    }
    let mut found: Vec<String> = WalkDir::new(root)
        .min_depth(1)
        .max_depth(include.depth().unwrap_or(usize::MAX))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            Some(
                e.path()
                    .strip_prefix(root)
                    .ok()?
                    .to_string_lossy()
                    .replace('\\', "/"),
            )
        })
        .filter(|rel| include.matches(rel))
        .collect();
    found.sort();
    found
}

/// Where an annotation is written, or the entity's document.
pub fn annotation_span(entity: &Entity, key: &str) -> Span {
    entity
        .root
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(key))
        .map(|n| n.span)
        .unwrap_or(entity.origin.span)
}

/// Snippet reads for one docs site (`pymdownx.snippets` with
/// `restrict_base_path: true`, which techdocs-core forces): relative to the
/// folder holding mkdocs.yml, never outside it nor outside the roots.
pub struct Snippets<'a> {
    pub root: &'a Path,
    pub roots: &'a Roots,
}

impl SnippetLoader for Snippets<'_> {
    fn load(&self, path: &str) -> Result<String, String> {
        let wanted = local::normalize(&self.root.join(path));
        if !wanted.starts_with(self.root) {
            return Err(format!("{path} is outside the docs root"));
        }
        match self.roots.read(&wanted) {
            Ok((real, text)) if real.starts_with(self.root) => Ok(text),
            Ok((real, _)) => Err(format!(
                "{path} resolves to {}, outside the docs root",
                real.display()
            )),
            Err(ReadError::NotFound) => Err(format!("{path} does not exist")),
            Err(ReadError::OutsideRoots(real)) => Err(format!(
                "{path} resolves to {}, outside the crawl roots",
                real.display()
            )),
            Err(ReadError::NotUtf8) => Err(format!("{path} is not UTF-8 text")),
            Err(e) => Err(format!("{path}: {e:?}")),
        }
    }
}
