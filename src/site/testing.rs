//! Test support: a catalog built from YAML strings, as `crawl` would
//! deliver it (no files read).

use crate::catalog::{self, Catalog};
use crate::config::Config;
use crate::crawl::Candidate;
use crate::diag::Diagnostics;
use crate::model::Origin;
use crate::model::yaml::parse_documents;
use crate::source::{SourceDb, SourceFile};

pub(crate) struct Fixture {
    pub catalog: Catalog,
    pub apis: crate::apidocs::ApiDocs,
    pub sources: SourceDb,
    pub diagnostics: Diagnostics,
    pub config: Config,
}

/// Builds a catalog from `(file name, YAML text)` pairs; files are shown to
/// people by their name.
pub(crate) fn fixture(files: &[(&str, &str)]) -> Fixture {
    let config = Config::with_root("/x");
    let mut sources = SourceDb::new();
    let mut diagnostics = Diagnostics::new();
    let mut candidates = Vec::new();
    for (name, text) in files {
        let file = sources.add(SourceFile {
            path: format!("/x/{name}").into(),
            display: name.to_string(),
            text: Some((*text).into()),
        });
        let (docs, found) = parse_documents(text, file);
        diagnostics.extend(found);
        for doc in docs {
            candidates.push(Candidate {
                origin: Origin {
                    file,
                    span: doc.root.span,
                    doc_index: doc.index,
                },
                root: doc.root,
                location: format!("file:/x/{name}"),
                origin_location: "file:/x/backlot.yaml".into(),
                location_rules: vec![],
                generated: false,
                defaults: Vec::new(),
            });
        }
    }
    let catalog = catalog::build(candidates, &config, &sources, &mut diagnostics);
    let (apis, found) = crate::apidocs::read_all(&catalog, &sources);
    diagnostics.extend(found);
    diagnostics.sort();
    Fixture {
        catalog,
        apis,
        sources,
        diagnostics,
        config,
    }
}

impl Fixture {
    pub(crate) fn site(&self) -> super::Site<'_> {
        super::Site::new(
            &self.catalog,
            &self.apis,
            &self.sources,
            &self.diagnostics,
            &self.config,
            &[],
        )
    }
}

/// A small org: acme ⊃ platform ⊃ infra (infra also names acme as a child:
/// a cycle), users, components, an API, a system.
pub(crate) const ORG: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: acme
  title: ACME Corp
spec:
  type: organization
  children: [platform]
  profile:
    displayName: ACME
    email: org@example.org
    picture: javascript:alert(1)
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: platform
spec:
  type: team
  parent: acme
  children: [infra]
  members: [jdoe]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: infra
spec:
  type: team
  children: [acme]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: jdoe
spec:
  memberOf: [platform]
  profile:
    displayName: Jane Doe
    picture: https://example.org/jane.png
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  description: The website
  tags: [frontend]
spec:
  type: website
  lifecycle: production
  owner: acme
  system: shop
  providesApis: [web-api]
  dependsOn: [resource:db, component:ghost]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: deployer
spec:
  type: service
  lifecycle: experimental
  owner: infra
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: db
spec:
  type: database
  owner: platform
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: web-api
spec:
  type: openapi
  lifecycle: production
  owner: user:jdoe
  definition: "openapi: 3.0.0"
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
spec:
  owner: acme
  domain: commerce
"#;
