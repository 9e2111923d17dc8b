//! Reading TechDocs sources: for every entity with
//! `backstage.io/techdocs-ref`, its `mkdocs.yml` (or the minimal config
//! Backstage writes when there is none), monorepo sub-projects, the pages
//! (text, registered in the [`SourceDb`]) and the other files of
//! `docs_dir` (bytes, copied to the site).
//!
//! Confinement (spec/techdocs.md §1.1, §1.3 step 5): `dir:` must stay
//! inside the folder of the entity's descriptor (Backstage's safe-child
//! check for file locations), every read goes through [`Trees`], and a
//! symlink that leaves the docs root is refused.
//!
//! This is the docs stage's only IO, and all of it goes through the
//! source trees, so docs in a git repository are read by the same code
//! as docs in a local folder.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::diag::{Code, Diagnostic, Diagnostics, Severity};
use crate::docs::markdown::SnippetLoader;
use crate::docs::mkdocs::{self, DocsProblem, DocsProblemKind, MkDocsConfig};
use crate::docs::nav::{self, Included, Layout, Merged};
use crate::model::{Entity, EntityRef};
use crate::source::{FileId, SourceDb, SourceFile, Span};
use crate::tree::{self, EntryKind, Kind, MAX_ASSET_BYTES, ReadError, Trees};

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
    /// known: filled by [`date_pages`].
    pub page_updated: Vec<Option<i64>>,
    /// Asset path (relative to the merged docs tree) → bytes.
    pub assets: Vec<(String, Vec<u8>)>,
    /// Problems of the config, the merge and the layout.
    pub problems: Vec<DocsProblem>,
}

/// Reads the docs of every entity that has them, in catalog order.
pub fn read_all(
    catalog: &Catalog,
    trees: &Trees,
    display_base: &Path,
    sources: &mut SourceDb,
    diags: &mut Diagnostics,
) -> Vec<DocSource> {
    let mut out = Vec::new();
    for entity in &catalog.entities {
        let Some(reference) = entity.annotation("backstage.io/techdocs-ref") else {
            continue;
        };
        if let Some(source) = read_one(entity, reference, trees, display_base, sources, diags) {
            out.push(source);
        }
    }
    out
}

/// What an entity's docs depend on outside the docs root: what
/// `docs::read::read_one` reads of the entity. That is its ref, its
/// descriptor's path (the base of `dir:` refs), its techdocs-ref and where
/// it is written (diagnostics point there, or at the entity's document),
/// and its display name (the site name when mkdocs.yml is missing). Other
/// edits of the descriptor, a description say, keep the site. (A `url:`
/// ref's repository is resolved once per `serve` session, the only user of
/// the key, so its commit cannot change under it.)
pub fn docs_key(entity: &Entity, sources: &SourceDb) -> u64 {
    let r = &entity.entity_ref;
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (&r.kind, &r.namespace, &r.name).hash(&mut h);
    sources.get(entity.origin.file).path.hash(&mut h);
    entity.origin.span.hash(&mut h);
    entity.annotation(TECHDOCS_REF).hash(&mut h);
    annotation_span(entity, TECHDOCS_REF).hash(&mut h);
    entity.display_name().hash(&mut h);
    h.finish()
}

const TECHDOCS_REF: &str = "backstage.io/techdocs-ref";

/// Fills `page_updated` of every docs page whose file is committed in a
/// repository: a git tree's own, or a local checkout inside the roots.
pub fn date_pages(docs: &mut [DocSource], trees: &Trees, db: &SourceDb) {
    let mut slots = Vec::new();
    let mut files = Vec::new();
    for (s, source) in docs.iter().enumerate() {
        for (p, file) in source.page_files.iter().enumerate() {
            let Some(file) = file else { continue };
            let file = db.get(*file);
            if let Some(text) = &file.text {
                slots.push((s, p));
                files.push((file.path.as_path(), &**text));
            }
        }
    }
    let dates = trees.last_changed(&files);
    for ((s, p), date) in slots.into_iter().zip(dates) {
        docs[s].page_updated[p] = date;
    }
}

/// Reads the docs of one entity whose `backstage.io/techdocs-ref` is `reference`.
pub fn read_one(
    entity: &Entity,
    reference: &str,
    trees: &Trees,
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
    let wanted = match kind.trim() {
        "dir" => {
            let descriptor = sources.get(entity.origin.file).path.clone();
            let base = descriptor.parent().unwrap_or(Path::new("/")).to_path_buf();
            let wanted = tree::normalize(&base.join(target.trim()));
            // Backstage resolves `dir:` of an entity read from a URL like a
            // relative URL, so it may climb within the repository; for a
            // local file it must stay in the descriptor's folder (its
            // safe-child check).
            let bound = match trees.repository_of(&descriptor) {
                Some(repo) => repo.mount().to_path_buf(),
                None => base.clone(),
            };
            if !wanted.starts_with(&bound) {
                let help = if bound == base {
                    "Backstage only accepts docs in the descriptor's folder or below it for local files; move mkdocs.yml there"
                } else {
                    "docs of a repository must be inside that repository"
                };
                diags.push(problem(
                    Code::DocsOutsideRoot,
                    format!("techdocs-ref {reference} leaves the folder of the descriptor"),
                    help,
                ));
                return None;
            }
            wanted
        }
        // The repository was fetched and mounted before the docs stage.
        "url" => match trees.locate(target.trim(), None) {
            Ok((path, _)) => path,
            Err(why) => {
                diags.push(problem(
                    Code::RepoUnknownUrl,
                    format!("techdocs-ref {reference} is not read: {why}"),
                    "write the folder URL of the docs on their forge, e.g. url:https://github.com/acme/payments/tree/main/docs-site, or use `dir:` relative to the descriptor",
                ));
                return None;
            }
        },
        _ => {
            diags.push(problem(
                Code::DocsInvalidRef,
                format!("techdocs-ref \"{reference}\" is neither `dir:<path>` nor `url:<url>`"),
                "write `backstage.io/techdocs-ref: dir:.` when mkdocs.yml sits next to catalog-info.yaml",
            ));
            return None;
        }
    };
    let root = match trees.resolve(&wanted) {
        Ok((root, Kind::Dir)) => root,
        Ok(_) | Err(ReadError::NotFound) => {
            diags.push(problem(
                Code::DocsNotFound,
                format!(
                    "techdocs-ref {reference}: the folder {} does not exist",
                    trees.display(&wanted, display_base)
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
                format!("techdocs-ref {reference} cannot be read: {}", e.why()),
                "check the folder",
            ));
            return None;
        }
    };

    let mut problems = Vec::new();
    let mut config = match find_config(trees, &root) {
        Some(path) => match read_config(&path, trees, display_base, sources) {
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
                display: trees.display(&root.join("mkdocs.yml"), display_base),
                path: root.join("mkdocs.yml"),
                text: None,
            });
            MkDocsConfig::minimal(file, entity.display_name())
        }
    };

    link_to_forge(&mut config, &root, trees);

    let docs_dir = root.join(&config.docs_dir);
    if !trees.is_dir(&docs_dir) {
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
    let (root_files, walk_problems) = list_files(trees, &docs_dir, &root, config.file);
    problems.extend(walk_problems);

    // Monorepo sub-projects (`!include`, `*include` in nav).
    let (includes, found) = nav::includes(&config);
    problems.extend(found);
    let mut included = Vec::new();
    for include in includes {
        for config_path in include_matches(trees, &root, &include) {
            let abs = root.join(&config_path);
            match read_config(&abs, trees, display_base, sources) {
                Ok((sub, found)) => {
                    problems.extend(found);
                    let sub_docs = root.join(nav::project_docs_dir(&config_path, &sub));
                    let (files, walk_problems) = list_files(trees, &sub_docs, &root, sub.file);
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
            let read = trees.read(&path);
            (path, read)
        })
        .collect();
    for (page, (path, read)) in layout.pages.iter().zip(reads) {
        match read {
            Ok((canonical, text)) => page_files.push(Some(sources.add(SourceFile {
                display: trees.display(&canonical, display_base),
                path: canonical,
                text: Some(text.into()),
            }))),
            Err(err) => {
                let why = err.why();
                let file = sources.add(SourceFile {
                    display: trees.display(&path, display_base),
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
        match trees.read_bytes(&path, MAX_ASSET_BYTES) {
            Ok((_, bytes)) => assets.push((asset.src.clone(), bytes)),
            Err(e) => problems.push(DocsProblem {
                span: Span::file_start(config.file),
                path: Some(asset.src.clone()),
                severity: Severity::Warning,
                kind: DocsProblemKind::NavMissingPage,
                message: format!("{} could not be copied: {}", asset.src, e.why()),
                help: "check the file's permissions and size (at most 128 MiB), or remove it"
                    .to_string(),
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

/// Docs read from a forge's repository link to it as TechDocs' generator
/// makes them (spec/techdocs.md §1.3 step 6, techdocs-node's
/// `getRepoUrlFromLocationAnnotation`): a `repo_url` that is not set
/// becomes the docs root's folder URL, an `edit_uri` that is not set the
/// forge's edit URL of the docs folder. Backstage uses `./docs` there
/// whatever `docs_dir` says; Backlot uses `docs_dir`, so that the links
/// lead to the pages.
fn link_to_forge(config: &mut MkDocsConfig, root: &Path, trees: &Trees) {
    let Some(tree) = trees.repository_of(root) else {
        return;
    };
    let Some(repo) = &tree.origin.forge else {
        return;
    };
    let rel = tree.relative(root).unwrap_or_default();
    let git_ref = &tree.origin.git_ref;
    if config.repo_url.is_none() {
        config.repo_url = Some(repo.folder_url(git_ref, &rel));
    }
    if config.edit_uri.is_none() && config.edit_uri_template.is_none() {
        let docs = tree::normalize(&Path::new(&rel).join(&config.docs_dir));
        let docs = docs.to_string_lossy();
        if let Some(mut edit) = repo.edit_url(git_ref, docs.trim_start_matches('/')) {
            if !edit.ends_with('/') {
                edit.push('/');
            }
            config.edit_uri = Some(edit);
        }
    }
}

/// The config file of a docs root, in the order Backstage tries names.
fn find_config(trees: &Trees, root: &Path) -> Option<PathBuf> {
    mkdocs::CONFIG_NAMES
        .iter()
        .map(|name| root.join(name))
        .find(|path| trees.kind(path).is_some())
}

fn read_config(
    path: &Path,
    trees: &Trees,
    display_base: &Path,
    sources: &mut SourceDb,
) -> Result<(MkDocsConfig, Vec<DocsProblem>), Diagnostic> {
    let (canonical, text) = trees.read(path).map_err(|e| {
        Diagnostic::new(
            Code::DocsConfig,
            format!(
                "{} could not be read: {}",
                trees.display(path, display_base),
                e.why()
            ),
        )
        .help("mkdocs.yml must be a UTF-8 file inside the crawled folders")
    })?;
    let file = sources.add(SourceFile {
        display: trees.display(&canonical, display_base),
        path: canonical,
        text: Some(text.into()),
    });
    let text = sources.get(file).text.as_deref().unwrap_or_default();
    Ok(mkdocs::parse(text, file))
}

/// Every file under `dir`, relative to it, `/`-separated and sorted.
/// Symlinks are followed only when they stay inside `root`.
fn list_files(
    trees: &Trees,
    dir: &Path,
    root: &Path,
    config: FileId,
) -> (Vec<String>, Vec<DocsProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let (entries, truncated) = trees.walk(dir, usize::MAX, &|_| false);
    for (path, kind) in entries {
        let Some(rel) = tree::relative(&path, dir) else {
            continue;
        };
        match kind {
            EntryKind::File => files.push(rel),
            EntryKind::Symlink => match trees.resolve(&path) {
                Ok((real, Kind::File)) if real.starts_with(root) => files.push(rel),
                Ok((real, _)) if !real.starts_with(root) => {
                    problems.push(outside_docs_root(config, &rel, &real))
                }
                Err(ReadError::OutsideRoots(real)) => {
                    problems.push(outside_docs_root(config, &rel, &real))
                }
                _ => {}
            },
            EntryKind::Dir | EntryKind::Other => {}
        }
    }
    if truncated {
        problems.push(DocsProblem {
            span: Span::file_start(config),
            path: None,
            severity: Severity::Error,
            kind: DocsProblemKind::DocsDirOutside,
            message: format!(
                "the docs folder holds more than {} entries; only the first were read",
                tree::MAX_WALK_ENTRIES
            ),
            help: "split the docs into several sites, or move generated files out of docs_dir"
                .to_string(),
        });
    }
    files.sort();
    (files, problems)
}

fn outside_docs_root(config: FileId, rel: &str, real: &Path) -> DocsProblem {
    DocsProblem {
        span: Span::file_start(config),
        path: Some(rel.to_string()),
        severity: Severity::Error,
        kind: DocsProblemKind::DocsDirOutside,
        message: format!(
            "{rel} is a symlink to {}, outside the docs root; it was not read",
            real.display()
        ),
        help: "copy the file into the docs folder instead of linking to it".to_string(),
    }
}

/// The `mkdocs.yml` files (relative to `root`) an include statement names.
fn include_matches(trees: &Trees, root: &Path, include: &nav::Include) -> Vec<String> {
    if !include.glob {
        return if trees.is_file(&root.join(&include.pattern)) {
            vec![include.pattern.clone()]
        } else {
            Vec::new()
        };
    }
    let depth = include.depth().unwrap_or(usize::MAX);
    let (entries, _) = trees.walk(root, depth, &|_| false);
    let mut found: Vec<String> = entries
        .into_iter()
        .filter(|(_, kind)| *kind == EntryKind::File)
        .filter_map(|(path, _)| tree::relative(&path, root))
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
    pub trees: &'a Trees,
}

impl SnippetLoader for Snippets<'_> {
    fn load(&self, path: &str) -> Result<String, String> {
        let wanted = tree::normalize(&self.root.join(path));
        if !wanted.starts_with(self.root) {
            return Err(format!("{path} is outside the docs root"));
        }
        match self.trees.read(&wanted) {
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
            Err(e) => Err(format!("{path}: {}", e.why())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec/techdocs.md §1.3 step 1: mkdocs.yaml is tried before mkdocs.yml.
    #[test]
    fn mkdocs_yaml_is_preferred() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let mut trees = Trees::default();
        trees.add_local(&root).unwrap();
        assert_eq!(find_config(&trees, &root), None);
        std::fs::write(root.join("mkdocs.yml"), "site_name: a\n").unwrap();
        assert_eq!(find_config(&trees, &root), Some(root.join("mkdocs.yml")));
        std::fs::write(root.join("mkdocs.yaml"), "site_name: b\n").unwrap();
        assert_eq!(find_config(&trees, &root), Some(root.join("mkdocs.yaml")));
    }

    use crate::site::testing::fixture;

    fn key(descriptor: &str) -> u64 {
        let f = fixture(&[("catalog-info.yaml", descriptor)]);
        docs_key(&f.catalog.entities[0], &f.sources)
    }

    fn component(before_annotations: &str, title: &str, techdocs_ref: &str) -> String {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: shop\n{before_annotations}{title}  annotations:\n    backstage.io/techdocs-ref: {techdocs_ref}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
        )
    }

    // A descriptor edit keeps the docs site only if nothing
    // `docs::read::read_one` reads changed.
    #[test]
    fn the_docs_key_follows_what_the_docs_read_of_the_entity() {
        let base = key(&component("", "", "dir:."));
        assert_eq!(
            base,
            key(&component("", "", "dir:.").replace("owner: team-a", "owner: team-b")),
            "spec fields do not matter to the docs"
        );
        // The site name of a site without mkdocs.yml.
        assert_ne!(base, key(&component("", "  title: Shop\n", "dir:.")));
        assert_ne!(base, key(&component("", "", "dir:./docs-root")));
        // Diagnostics about the ref point at where it is written.
        assert_ne!(
            base,
            key(&component(
                "  description: moved a line down\n",
                "",
                "dir:."
            ))
        );
        assert_ne!(
            base,
            key(&component("", "", "dir:.").replace("shop", "Shop"))
        );
    }
}
