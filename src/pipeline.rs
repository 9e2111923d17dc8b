//! The stages in order: config → crawl → catalog (→ render → output, driven
//! by the CLI). Each stage is a plain function over plain data; this module
//! only threads values and diagnostics through them.

use std::path::Path;

use anyhow::{Context, Result};

use crate::catalog::{self, Catalog};
use crate::config::{self, Config};
use crate::crawl;
use crate::diag::{Diagnostic, Diagnostics};
use crate::source::{FileId, SourceDb, SourceFile};

/// Everything known after reading the input.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub sources: SourceDb,
    pub catalog: Catalog,
    pub diagnostics: Diagnostics,
}

/// A config that could not be used: the run stops (exit code 2).
#[derive(Debug)]
pub struct ConfigError {
    pub sources: SourceDb,
    pub diagnostics: Diagnostics,
}

/// Reads and parses backlot.yaml. IO failures are `Err(anyhow)`; invalid
/// content is `Ok(Err(ConfigError))` with positioned diagnostics.
pub fn read_config(
    path: &Path,
) -> Result<std::result::Result<(Config, SourceDb, FileId), ConfigError>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    let absolute =
        std::fs::canonicalize(path).with_context(|| format!("resolving {}", path.display()))?;
    let mut sources = SourceDb::new();
    let display = absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| absolute.display().to_string());
    let file = sources.add(SourceFile {
        path: absolute.clone(),
        display,
        text: Some(text.clone()),
    });
    Ok(match config::parse(&text, &absolute, file) {
        Ok(config) => Ok((config, sources, file)),
        Err(found) => {
            let mut diagnostics = Diagnostics::new();
            diagnostics.extend(found);
            diagnostics.sort();
            Err(ConfigError {
                sources,
                diagnostics,
            })
        }
    })
}

/// Crawl, parse, validate and relate: the catalog and every diagnostic.
pub fn load(config: Config, mut sources: SourceDb, config_file: Option<FileId>) -> Loaded {
    let mut diagnostics = Diagnostics::new();
    let crawled = crawl::crawl(&config, config_file, &mut sources, &mut diagnostics);
    let catalog = catalog::build(crawled.candidates, &config, &sources, &mut diagnostics);
    diagnostics.sort();
    Loaded {
        config,
        sources,
        catalog,
        diagnostics,
    }
}

/// Whether the run failed: any error, or any warning under `--strict`.
pub fn failed(diagnostics: &Diagnostics, strict: bool) -> bool {
    diagnostics
        .iter()
        .any(|d: &Diagnostic| d.is_error() || strict)
}
