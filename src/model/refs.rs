//! Entity references: `[<kind>:][<namespace>/]<name>`.
//!
//! Rules from `packages/catalog-model/src/entity/ref.ts` (spec/catalog.md
//! §5). Identity is case-insensitive: [`EntityRef`] keeps the written case
//! for display, and compares, hashes and prints its canonical (lower-case)
//! form.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Serialize, Serializer};

/// A parsed, complete entity reference.
#[derive(Debug, Clone, Eq)]
pub struct EntityRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    canonical: String,
}

impl EntityRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> EntityRef {
        let canonical = format!(
            "{}:{}/{}",
            kind.to_lowercase(),
            namespace.to_lowercase(),
            name.to_lowercase()
        );
        EntityRef {
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
            canonical,
        }
    }

    /// `component:default/artist-web`: `stringifyEntityRef`, lower-cased.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    pub fn kind_lower(&self) -> &str {
        self.canonical.split(':').next().unwrap_or_default()
    }

    /// Backstage's display form: the kind is omitted for the field's
    /// default kind, the namespace when it is `default`.
    pub fn humanize(&self, default_kind: Option<&str>) -> String {
        let mut out = String::new();
        if default_kind.is_none_or(|k| !k.eq_ignore_ascii_case(&self.kind)) {
            out.push_str(&self.kind.to_lowercase());
            out.push(':');
        }
        if !self.namespace.eq_ignore_ascii_case("default") {
            out.push_str(&self.namespace);
            out.push('/');
        }
        out.push_str(&self.name);
        out
    }
}

impl PartialEq for EntityRef {
    fn eq(&self, other: &Self) -> bool {
        self.canonical == other.canonical
    }
}

impl Hash for EntityRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.canonical.hash(state);
    }
}

impl PartialOrd for EntityRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for EntityRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.canonical.cmp(&other.canonical)
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}

impl Serialize for EntityRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.canonical)
    }
}

/// Why a reference could not be parsed; the texts are Backstage's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// An empty part was written (`:foo`, `a:/b`, `ns/`).
    Malformed(String),
    /// No kind written and the field has no default kind.
    MissingKind(String),
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefError::Malformed(r) => write!(
                f,
                "Entity reference \"{r}\" was not on the form [<kind>:][<namespace>/]<name>"
            ),
            RefError::MissingKind(r) => write!(
                f,
                "Entity reference \"{r}\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"
            ),
        }
    }
}

/// `parseEntityRef(ref, { defaultKind, defaultNamespace })`.
///
/// The kind separator is the first `:`, unless a `/` comes before it
/// (`ns/a:b` is namespace `ns`, name `a:b`).
pub fn parse_ref(
    text: &str,
    default_kind: Option<&str>,
    default_namespace: &str,
) -> Result<EntityRef, RefError> {
    let malformed = || RefError::Malformed(text.to_string());
    let colon = text.find(':');
    let slash = text.find('/');
    let (kind, rest) = match (colon, slash) {
        (Some(c), Some(s)) if s < c => (None, text),
        (Some(c), _) => (Some(&text[..c]), &text[c + 1..]),
        (None, _) => (None, text),
    };
    let (namespace, name) = match rest.find('/') {
        Some(s) => (Some(&rest[..s]), &rest[s + 1..]),
        None => (None, rest),
    };
    if kind == Some("") || namespace == Some("") || name.is_empty() {
        return Err(malformed());
    }
    let kind = match kind.or(default_kind) {
        Some(k) => k,
        None => return Err(RefError::MissingKind(text.to_string())),
    };
    Ok(EntityRef::new(
        kind,
        namespace.unwrap_or(default_namespace),
        name,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    // catalog-model ref.ts parseEntityRef: full form.
    #[test]
    fn full_form() {
        let r = parse_ref("component:ns/foo", None, "default").unwrap();
        assert_eq!(
            (r.kind.as_str(), r.namespace.as_str(), r.name.as_str()),
            ("component", "ns", "foo")
        );
    }

    // ref.ts: defaults apply to missing parts; namespace default is the caller's.
    #[test]
    fn defaults() {
        let r = parse_ref("foo", Some("Group"), "team-ns").unwrap();
        assert_eq!(r.canonical(), "group:team-ns/foo");
        let r = parse_ref("user:jdoe", Some("Group"), "default").unwrap();
        assert_eq!(r.canonical(), "user:default/jdoe");
    }

    // ref.ts: a `/` before the first `:` means there is no kind part.
    #[test]
    fn slash_before_colon_means_no_kind() {
        let r = parse_ref("ns/a:b", Some("Component"), "default").unwrap();
        assert_eq!((r.namespace.as_str(), r.name.as_str()), ("ns", "a:b"));
    }

    // ref.ts: a written but empty part is an error.
    #[test]
    fn empty_parts_are_malformed() {
        for bad in [":foo", "a:/b", "ns/", "", "component:"] {
            assert!(
                matches!(
                    parse_ref(bad, Some("Component"), "default"),
                    Err(RefError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }

    // ref.ts: no kind and no default kind (dependsOn) is an error.
    #[test]
    fn missing_kind() {
        let err = parse_ref("artists-db", None, "default").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Entity reference \"artists-db\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"
        );
    }

    // spec/catalog.md §5: identity is case-insensitive in all three parts.
    #[test]
    fn case_insensitive_identity() {
        let a = parse_ref("Component:Default/Foo", None, "default").unwrap();
        let b = parse_ref("component:default/foo", None, "default").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.name, "Foo");
        assert_eq!(a.canonical(), "component:default/foo");
    }

    #[test]
    fn humanize_omits_defaults() {
        let r = parse_ref("group:default/team-a", None, "default").unwrap();
        assert_eq!(r.humanize(Some("group")), "team-a");
        assert_eq!(r.humanize(None), "group:team-a");
        let r = parse_ref("user:other/jdoe", None, "default").unwrap();
        assert_eq!(r.humanize(Some("group")), "user:other/jdoe");
    }
}
