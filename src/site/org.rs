//! Org pages: the Group and User parts of entity pages, including what a
//! group owns through its descendant groups (Backstage's "ownership" card
//! with "aggregated relations" on).

use std::collections::HashSet;

use crate::catalog::{EntityId, RelationType};
use crate::model::{EntityRef, Kind, Node};

use super::entity::{KindLabel, group_by_kind};
use super::views::{EntityLink, GroupView, OwnedGroup, OwnedItem, Profile, UserView};
use super::{OWNED_PER_KIND, Site, urls};

pub(super) fn group_view(site: &Site, from: &str, id: EntityId) -> GroupView {
    let links = |rel, default_kind| -> Vec<EntityLink> {
        site.catalog
            .related(id, rel)
            .map(|t| site.entity_link(from, t, Some(default_kind)))
            .collect()
    };
    let owned = owned_by(site, from, &descendant_groups(site, id), id);
    GroupView {
        profile: profile(site.catalog.entity(id).spec()),
        parents: links(RelationType::ChildOf, "group"),
        children: links(RelationType::ParentOf, "group"),
        members: links(RelationType::HasMember, "user"),
        owned_count: owned.iter().map(|g| g.total).sum(),
        owned,
    }
}

pub(super) fn user_view(site: &Site, from: &str, id: EntityId) -> UserView {
    let owned = owned_by(site, from, &[id], id);
    UserView {
        profile: profile(site.catalog.entity(id).spec()),
        groups: site
            .catalog
            .related(id, RelationType::MemberOf)
            .map(|t| site.entity_link(from, t, Some("group")))
            .collect(),
        owned_count: owned.iter().map(|g| g.total).sum(),
        owned,
    }
}

/// The group itself, then its descendants breadth-first through `parentOf`
/// (which the catalog stores for both `children` and the child's `parent`).
/// Each group is visited once, so a cycle (a → b → a) ends.
pub(super) fn descendant_groups(site: &Site, root: EntityId) -> Vec<EntityId> {
    let mut order = vec![root];
    let mut seen: HashSet<EntityId> = HashSet::from([root]);
    let mut next = 0;
    while next < order.len() {
        let group = order[next];
        next += 1;
        for child in site.catalog.related(group, RelationType::ParentOf) {
            let Some(child_id) = site.catalog.id(child) else {
                continue;
            };
            if site.catalog.entity(child_id).kind == Kind::Group && seen.insert(child_id) {
                order.push(child_id);
            }
        }
    }
    order
}

/// An owned entity, before it becomes a link.
struct Owned<'a> {
    target: &'a EntityRef,
    owner: EntityId,
}

impl KindLabel for Owned<'_> {
    fn kind_label(&self) -> &str {
        // ownerOf targets are the owning entities' own refs: as written.
        &self.target.kind
    }
}

/// Everything the `owners` own, by kind; `via` names the owner when it is
/// not `page_owner`. An entity owned twice is listed once. Links are built
/// only for the items shown.
fn owned_by(site: &Site, from: &str, owners: &[EntityId], page_owner: EntityId) -> Vec<OwnedGroup> {
    let mut seen = HashSet::new();
    let mut owned: Vec<Owned> = Vec::new();
    for &owner in owners {
        for target in site.catalog.related(owner, RelationType::OwnerOf) {
            if seen.insert(target.canonical()) {
                owned.push(Owned { target, owner });
            }
        }
    }
    // Catalog order, whichever group owns the entity.
    owned.sort_by(|a, b| a.target.cmp(b.target));
    group_by_kind(
        owned
            .into_iter()
            .map(|o| (o.target.kind_lower().to_string(), o)),
    )
    .into_iter()
    .map(|(kind, list)| {
        let items = list
            .iter()
            .take(OWNED_PER_KIND)
            .map(|o| OwnedItem {
                link: {
                    let mut link = site.entity_link(from, o.target, Some(&kind));
                    link.definition_href = site
                        .catalog
                        .id(o.target)
                        .and_then(|id| super::apiref::definition_href(site, from, id));
                    link
                },
                via: (o.owner != page_owner).then(|| site.link_to(from, o.owner, Some("group"))),
            })
            .collect();
        let mut owners: Vec<EntityId> = list.iter().map(|o| o.owner).collect();
        owners.sort_unstable();
        owners.dedup();
        OwnedGroup {
            more_href: (list.len() > OWNED_PER_KIND)
                .then(|| more_href(site, from, &kind, &owners))
                .flatten(),
            total: list.len(),
            kind,
            items,
        }
    })
    .collect()
}

/// Owners in one URL: beyond this many, the link would be unwieldy.
const MAX_OWNERS_IN_URL: usize = 20;

/// The catalog index filtered on `kind` and `owners`.
fn more_href(site: &Site, from: &str, kind: &str, owners: &[EntityId]) -> Option<String> {
    if owners.len() > MAX_OWNERS_IN_URL {
        return None;
    }
    let mut out = format!(
        "{}?filters[kind]={}",
        urls::href(from, urls::CATALOG_INDEX),
        urls::encode_segment(&kind.to_lowercase())
    );
    for &owner in owners {
        let owner_ref = &site.catalog.entity(owner).entity_ref;
        out.push_str("&filters[owners]=");
        out.push_str(&urls::encode_segment(owner_ref.canonical()));
    }
    Some(out)
}

fn profile(spec: Option<&Node>) -> Profile {
    let profile = spec.and_then(|s| s.get("profile"));
    let field = |key: &str| {
        profile
            .and_then(|p| p.get(key))
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let email = field("email");
    Profile {
        display_name: field("displayName"),
        email_href: email
            .as_deref()
            .and_then(|e| urls::safe_href(&format!("mailto:{e}"))),
        email,
        picture: field("picture").as_deref().and_then(urls::safe_image_src),
    }
}
