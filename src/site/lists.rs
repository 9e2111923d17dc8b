//! Views of the pages that list many entities or problems: home, catalog
//! index, the static per-kind lists, the health page.

use crate::catalog::RelationType;

use super::views::{
    CatalogPage, EntityLink, HealthFile, HealthItem, HealthNote, HealthPage, HealthTocItem,
    HomePage, KindPage, ListRow, PageLink,
};
use super::{INDEX_PAGE_SIZE, Site, file_anchor, page_count, problem_anchor, severity_name, urls};

fn kind_counts(site: &Site, from: &str) -> Vec<super::views::KindCount> {
    (0..site.kinds.len())
        .map(|k| site.kind_count(from, k))
        .collect()
}

pub(super) fn home(site: &Site, from: &str) -> HomePage {
    HomePage {
        total: site.catalog.len(),
        kinds: kind_counts(site, from),
    }
}

pub(super) fn catalog_index(site: &Site, from: &str) -> CatalogPage {
    CatalogPage {
        total: site.catalog.len(),
        kinds: kind_counts(site, from),
        data_href: urls::href(from, urls::CATALOG_DATA),
        page_size: INDEX_PAGE_SIZE,
    }
}

/// Page `page` (1-based) of the static list of `kinds[k]`.
pub(super) fn kind_page(site: &Site, from: &str, k: usize, page: usize) -> KindPage {
    let info = &site.kinds[k];
    let size = urls::KIND_PAGE_SIZE;
    let pages = page_count(info.ids.len(), size);
    let start = (page - 1) * size;
    let end = (start + size).min(info.ids.len());
    let rows = info.ids[start..end]
        .iter()
        .map(|&id| {
            let e = site.catalog.entity(id);
            ListRow {
                link: site.link_to(from, id, Some(&info.key)),
                display_name: super::entity::display_name(e),
                spec_type: e.spec_str("type").map(str::to_string),
                owner: site
                    .catalog
                    .related(id, RelationType::OwnedBy)
                    .next()
                    .map(|t| site.entity_link(from, t, Some("group"))),
                lifecycle: e.spec_str("lifecycle").map(str::to_string),
                description: e.metadata.description.clone(),
            }
        })
        .collect();
    let link = |n: usize| urls::href(from, &urls::kind_page(&info.key, n));
    KindPage {
        kind: site.kind_count(from, k),
        page,
        pages,
        first: if end > start { start + 1 } else { 0 },
        last: end,
        rows,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        page_links: page_links(page, pages, &link),
    }
}

/// The numbered links of a pager.
fn page_links(page: usize, pages: usize, link: &dyn Fn(usize) -> String) -> Vec<PageLink> {
    page_window(page, pages)
        .into_iter()
        .scan(0, |previous, n| {
            let gap_before = n > *previous + 1;
            *previous = n;
            Some(PageLink {
                number: n,
                href: link(n),
                current: n == page,
                gap_before,
            })
        })
        .collect()
}

/// Pages worth a direct link: the first, the last, and those near the
/// current one (a 20,000-entity kind has 200 pages).
pub(super) fn page_window(page: usize, pages: usize) -> Vec<usize> {
    const NEAR: usize = 2;
    (1..=pages)
        .filter(|&n| n == 1 || n == pages || n.abs_diff(page) <= NEAR)
        .collect()
}

/// The entity a diagnostic is about: a link, or the ref as text when the
/// entity did not make it into the catalog (often because of this problem).
fn entity_of_problem(site: &Site, from: &str, canonical: &str) -> EntityLink {
    match site.catalog.id_of(canonical) {
        Some(id) => site.link_to(from, id, None),
        None => EntityLink {
            text: canonical.to_string(),
            href: None,
            tooltip: format!("{canonical} is not in the catalog"),
            missing: true,
            kind: canonical.split(':').next().unwrap_or_default().to_string(),
            description: None,
            definition_href: None,
        },
    }
}

/// A file of the health page: its name, counts, and its first problem's
/// index.
pub(super) struct HealthFileInfo<'a> {
    file: Option<&'a str>,
    errors: usize,
    warnings: usize,
    first: usize,
}

/// The files of the health page's problems, in order, and per problem the
/// index of its file.
pub(super) fn health_files<'a>(
    health: &[crate::diag::emit::Resolved<'a>],
) -> (Vec<HealthFileInfo<'a>>, Vec<usize>) {
    let mut files: Vec<HealthFileInfo> = Vec::new();
    let mut file_of = Vec::with_capacity(health.len());
    for (i, d) in health.iter().enumerate() {
        if files.last().is_none_or(|f| f.file != d.file) {
            files.push(HealthFileInfo {
                file: d.file,
                errors: 0,
                warnings: 0,
                first: i,
            });
        }
        let entry = files.last_mut().expect("pushed above");
        match d.severity {
            crate::diag::Severity::Error => entry.errors += 1,
            crate::diag::Severity::Warning => entry.warnings += 1,
        }
        file_of.push(files.len() - 1);
    }
    (files, file_of)
}

pub(super) fn health(site: &Site, from: &str, page: usize) -> HealthPage {
    let size = urls::HEALTH_PAGE_SIZE;
    let pages = page_count(site.health.len(), size);
    let start = (page - 1) * size;
    let end = (start + size).min(site.health.len());
    // The list of files is long on a large portal: the first page has it.
    let toc: Vec<HealthTocItem> = site
        .health_files
        .iter()
        .enumerate()
        .filter(|_| page == 1)
        .map(|(n, f)| {
            let id = file_anchor(n);
            let href = if f.first / size + 1 == page {
                format!("#{id}")
            } else {
                let target = urls::health_page_of(f.first);
                format!("{}#{id}", urls::href(from, &target))
            };
            HealthTocItem {
                file: f.file.map(str::to_string),
                errors: f.errors,
                warnings: f.warnings,
                href,
                id,
            }
        })
        .collect();
    let mut files: Vec<HealthFile> = Vec::new();
    let mut current = None;
    for (i, d) in site.health.iter().enumerate().take(end).skip(start) {
        let n = site.health_file_of[i];
        if current != Some(n) {
            current = Some(n);
            let group = &site.health_files[n];
            files.push(HealthFile {
                file: group.file.map(str::to_string),
                id: file_anchor(n),
                continued: group.first < start,
                errors: group.errors,
                warnings: group.warnings,
                items: Vec::new(),
            });
        }
        let group = files.last_mut().expect("pushed above");
        group.items.push(HealthItem {
            id: problem_anchor(i),
            severity: severity_name(d.severity),
            code: d.code.to_string(),
            line: d.line,
            column: d.column,
            message: d.message.to_string(),
            help: d.help.map(str::to_string),
            entity: d
                .entity
                .map(|canonical| entity_of_problem(site, from, canonical)),
            notes: d
                .related
                .iter()
                .map(|r| HealthNote {
                    file: r.file.to_string(),
                    line: r.line,
                    column: r.column,
                    message: r.message.to_string(),
                })
                .collect(),
        });
    }
    let link = |n: usize| urls::href(from, &urls::health_page(n));
    HealthPage {
        errors: site.counts.errors,
        warnings: site.counts.warnings,
        file_count: site.health_files.len(),
        toc,
        files,
        page,
        pages,
        first: if end > start { start + 1 } else { 0 },
        last: end,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        page_links: page_links(page, pages, &link),
    }
}
