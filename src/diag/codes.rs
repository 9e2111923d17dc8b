//! The stable diagnostic codes. CI jobs match on them, so a code is never
//! renamed or reused; `docs/diagnostics.md` has a section per code.

use serde::{Serialize, Serializer};

use super::Severity;

macro_rules! codes {
    ($($variant:ident = $text:literal, $severity:ident;)*) => {
        /// A stable diagnostic code, e.g. `entity/invalid-name`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }

            pub fn default_severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

codes! {
    // Configuration (backlot.yaml).
    ConfigInvalid = "config/invalid", Error;
    ConfigUnknownKey = "config/unknown-key", Error;

    // Reading files.
    FileNotFound = "file/not-found", Error;
    FileUnreadable = "file/unreadable", Error;
    FileNotUtf8 = "file/not-utf8", Error;
    FileTooLarge = "file/too-large", Error;
    FileOutsideRoot = "file/outside-root", Error;

    // YAML.
    YamlSyntax = "yaml/syntax", Error;
    YamlDuplicateKey = "yaml/duplicate-key", Error;
    YamlNotAMapping = "yaml/not-a-mapping", Error;
    YamlTooComplex = "yaml/too-complex", Error;

    // Locations.
    LocationInvalidTarget = "location/invalid-target", Error;
    LocationGlobNoMatch = "location/glob-no-match", Warning;
    LocationCycle = "location/cycle", Warning;
    LocationSelfReference = "location/self-reference", Warning;
    LocationUnsupportedType = "location/unsupported-type", Warning;

    // Entities.
    EntityEnvelope = "entity/envelope", Error;
    EntityUnknownField = "entity/unknown-field", Error;
    EntityInvalidApiVersion = "entity/invalid-api-version", Error;
    EntityInvalidKind = "entity/invalid-kind", Error;
    EntityInvalidName = "entity/invalid-name", Error;
    EntityInvalidNamespace = "entity/invalid-namespace", Error;
    EntityInvalidLabel = "entity/invalid-label", Error;
    EntityInvalidAnnotation = "entity/invalid-annotation", Error;
    EntityInvalidTag = "entity/invalid-tag", Error;
    EntityInvalidLink = "entity/invalid-link", Error;
    EntityInvalidMetadata = "entity/invalid-metadata", Error;
    EntityInvalidSpec = "entity/invalid-spec", Error;
    EntityUnknownKind = "entity/unknown-kind", Error;
    EntityInvalidRef = "entity/invalid-ref", Error;
    EntityKindNotAllowed = "entity/kind-not-allowed", Error;
    EntityConflict = "entity/conflict", Error;
    EntityReplacedInFile = "entity/replaced-in-file", Warning;

    // Placeholders ($text, $json, $yaml).
    PlaceholderInvalid = "placeholder/invalid", Error;
    PlaceholderReadFailed = "placeholder/read-failed", Error;
    PlaceholderParseFailed = "placeholder/parse-failed", Error;
    PlaceholderUnsupported = "placeholder/unsupported", Warning;

    // Relations.
    RelationDanglingRef = "relation/dangling-ref", Warning;

    // TechDocs.
    DocsInvalidRef = "docs/invalid-ref", Error;
    DocsUnsupportedRef = "docs/unsupported-ref", Warning;
    DocsNotFound = "docs/not-found", Error;
    DocsOutsideRoot = "docs/outside-root", Error;
    DocsConfig = "docs/config", Error;
    DocsConfigIgnored = "docs/config-ignored", Warning;
    DocsNav = "docs/nav", Warning;
    DocsUnreadablePage = "docs/unreadable-page", Error;
    DocsBrokenLink = "docs/broken-link", Warning;
    DocsMissingAnchor = "docs/missing-anchor", Warning;
    DocsSnippet = "docs/snippet", Warning;
    DocsListIndent = "docs/list-indent", Warning;
    DocsFrontMatter = "docs/front-matter", Warning;
    DocsEntityRef = "docs/entity-ref", Warning;

    // API definitions (`spec.definition` of API entities). Warnings:
    // Backstage accepts any string as a definition.
    ApiInvalidDefinition = "api/invalid-definition", Warning;
    ApiUnsupportedVersion = "api/unsupported-version", Warning;
    ApiDefinitionProblem = "api/definition-problem", Warning;
    ApiUnresolvedRef = "api/unresolved-ref", Warning;

    // Repositories (`url` and `git` locations, `url:` docs).
    RepoUnknownUrl = "repo/unknown-url", Error;
    RepoFetchFailed = "repo/fetch-failed", Error;
    RepoCached = "repo/cached", Warning;
    LocationNotAllowed = "location/not-allowed", Error;

    // TechDocs, continued.
    DocsMissingIndex = "docs/missing-index", Warning;
    DocsTooComplex = "docs/too-complex", Error;
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
