//! The theme: templates and static files.
//!
//! The default theme (`themes/default/`) is compiled into the binary, one
//! entry per file in `DEFAULT_THEME`, so `backlot` runs from a single
//! file. `theme:` in backlot.yaml names a folder whose files override the
//! default file by file, by relative path (`templates/entity.html`,
//! `static/backlot.css`), and may add files: a theme only carries what it
//! changes (mdBook's and Zola's model).
//!
//! Static files go to `static/` in the output; CSS and JS get a content hash
//! in their names (`backlot.3f2a9c01d4.css`) so they can be cached forever
//! and a new build is never served stale styles. Other files (images, fonts)
//! keep their names, so `url(...)` references between them keep working.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use tera::{ErrorKind, Tera};

use crate::site::urls;

/// `(path, bytes)` of a file of the default theme, embedded at compile time.
macro_rules! embed {
    ($path:literal) => {
        (
            $path,
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/themes/default/",
                $path
            )),
        )
    };
}

/// Every file of `themes/default/`, by path relative to it. A test checks
/// that this table and the folder agree.
const DEFAULT_THEME: &[(&str, &[u8])] = &[
    embed!("templates/base.html"),
    embed!("templates/components.html"),
    embed!("templates/home.html"),
    embed!("templates/catalog.html"),
    embed!("templates/kind.html"),
    embed!("templates/health.html"),
    embed!("templates/entity.html"),
    embed!("templates/group.html"),
    embed!("templates/user.html"),
    embed!("templates/api.html"),
    embed!("templates/api_definition.html"),
    embed!("templates/api_index.html"),
    embed!("templates/template.html"),
    embed!("templates/location.html"),
    embed!("templates/docs.html"),
    embed!("templates/docs_index.html"),
    embed!("templates/search.html"),
    embed!("templates/404.html"),
    embed!("templates/partials/about.html"),
    embed!("templates/partials/annotations.html"),
    embed!("templates/partials/problems.html"),
    embed!("templates/partials/relations.html"),
    embed!("static/backlot.css"),
    embed!("static/api-docs.js"),
    embed!("static/api-definition.js"),
    embed!("static/catalog.js"),
    embed!("static/docs.css"),
    embed!("static/search.js"),
];

/// Where a theme file came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    Override(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Embedded => f.write_str("the built-in default theme"),
            Origin::Override(path) => write!(f, "{}", path.display()),
        }
    }
}

#[derive(Debug, Clone)]
struct ThemeFile {
    bytes: Cow<'static, [u8]>,
    origin: Origin,
}

/// The default theme with a folder's overrides applied.
#[derive(Debug, Clone)]
pub struct Theme {
    /// By path relative to the theme root, `/`-separated.
    files: BTreeMap<String, ThemeFile>,
}

/// Theme static files as they go into the output.
#[derive(Debug, Clone, Default)]
pub struct Assets {
    /// Name under `static/` (`backlot.css`) → output path.
    pub paths: BTreeMap<String, String>,
    /// (output path, bytes).
    pub files: Vec<(String, Vec<u8>)>,
}

impl Theme {
    /// The default theme, overridden by the files of `override_dir`. A
    /// folder that cannot be read is fatal: building with the wrong look
    /// silently would be worse.
    pub fn load(override_dir: Option<&Path>) -> Result<Theme> {
        let mut files: BTreeMap<String, ThemeFile> = DEFAULT_THEME
            .iter()
            .map(|(path, bytes)| {
                let file = ThemeFile {
                    bytes: Cow::Borrowed(*bytes),
                    origin: Origin::Embedded,
                };
                (path.to_string(), file)
            })
            .collect();
        if let Some(dir) = override_dir {
            files.extend(read_override(dir)?);
        }
        Ok(Theme { files })
    }

    /// A 128-bit hash of every file of the theme: a page's HTML is a
    /// function of its view and this.
    pub fn fingerprint(&self) -> u128 {
        use siphasher::sip128::{Hasher128, SipHasher13};
        use std::hash::Hasher;
        let mut h = SipHasher13::new();
        for (path, file) in &self.files {
            h.write_usize(path.len());
            h.write(path.as_bytes());
            h.write_usize(file.bytes.len());
            h.write(&file.bytes);
        }
        h.finish128().as_u128()
    }

    /// Where a template (by its name under `templates/`) came from.
    pub fn template_origin(&self, name: &str) -> Option<&Origin> {
        self.files
            .get(&format!("templates/{name}"))
            .map(|f| &f.origin)
    }

    /// Parses every template. Every template is autoescaped: all of them
    /// produce HTML, whatever their file name ends with.
    pub fn tera(&self) -> Result<Tera> {
        let mut templates = Vec::new();
        for (path, file) in &self.files {
            let Some(name) = path.strip_prefix("templates/") else {
                continue;
            };
            let text = std::str::from_utf8(&file.bytes).map_err(|_| {
                anyhow!("theme template {name} ({}) is not valid UTF-8", file.origin)
            })?;
            templates.push((name, text));
        }
        let mut tera = Tera::new();
        tera.autoescape_on([""]);
        tera.add_raw_templates(templates)
            .map_err(|err| self.template_error(err, None))?;
        Ok(tera)
    }

    /// The theme's static files with their output paths.
    pub fn assets(&self) -> Assets {
        let mut assets = Assets::default();
        for (path, file) in &self.files {
            let Some(name) = path.strip_prefix("static/") else {
                continue;
            };
            let output = urls::static_file(&hashed_name(name, &file.bytes));
            assets.paths.insert(name.to_string(), output.clone());
            assets.files.push((output, file.bytes.to_vec()));
        }
        assets
    }

    /// A Tera error as a message that names the template file (embedded or
    /// on disk) and, when rendering, the page being rendered.
    pub fn template_error(&self, err: tera::Error, page: Option<(&str, &str)>) -> anyhow::Error {
        let name = match err.kind() {
            ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
                Some(report.filename().to_string())
            }
            ErrorKind::MissingParent { current, .. } => Some(current.clone()),
            ErrorKind::CircularExtend { tpl, .. } | ErrorKind::CircularInclude { tpl, .. } => {
                Some(tpl.clone())
            }
            ErrorKind::TemplateNotFound(name) => Some(name.clone()),
            _ => page.map(|(_, template)| template.to_string()),
        };
        let file = match &name {
            Some(name) => match self.template_origin(name) {
                Some(origin) => format!("theme template {name} ({origin})"),
                None => format!("theme template {name} (no such file in the theme)"),
            },
            None => "the theme's templates".to_string(),
        };
        match page {
            Some((path, template)) => {
                anyhow!("{file}: error while rendering {path} with {template}:\n{err}")
            }
            None => anyhow!("{file} could not be loaded:\n{err}"),
        }
    }
}

/// Every file under `dir`, by relative path. Hidden files and folders
/// (`.git`, `.DS_Store`) are skipped.
fn read_override(dir: &Path) -> Result<Vec<(String, ThemeFile)>> {
    if !dir.is_dir() {
        bail!(
            "theme folder {} does not exist or is not a folder",
            dir.display()
        );
    }
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.with_context(|| format!("reading theme folder {}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(dir)
            .expect("walkdir yields paths under its root");
        let Some(relative) = relative.to_str() else {
            bail!(
                "theme file {} has a name that is not valid UTF-8",
                entry.path().display()
            );
        };
        let bytes = std::fs::read(entry.path())
            .with_context(|| format!("reading theme file {}", entry.path().display()))?;
        files.push((
            relative.replace('\\', "/"),
            ThemeFile {
                bytes: Cow::Owned(bytes),
                origin: Origin::Override(entry.path().to_path_buf()),
            },
        ));
    }
    Ok(files)
}

/// `dir/name.css` → `dir/name.<hash>.css` for CSS and JS; other files keep
/// their names.
fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return name.to_string();
    };
    if ext != "css" && ext != "js" {
        return name.to_string();
    }
    let hash = sha1_smol::Sha1::from(bytes).digest().to_string();
    format!("{stem}.{}.{ext}", &hash[..10])
}

#[cfg(test)]
mod tests {
    use super::*;

    // The embedded table must list exactly the files of themes/default.
    #[test]
    fn embedded_table_matches_the_folder() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let mut on_disk: Vec<String> = walkdir::WalkDir::new(&root)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = DEFAULT_THEME.iter().map(|(p, _)| p.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn default_theme_parses() {
        Theme::load(None).unwrap().tera().unwrap();
    }

    #[test]
    fn css_and_js_names_carry_a_hash() {
        let a = hashed_name("backlot.css", b"a");
        assert!(
            a.starts_with("backlot.")
                && a.ends_with(".css")
                && a.len() == "backlot..css".len() + 10,
            "{a}"
        );
        assert_ne!(a, hashed_name("backlot.css", b"b"));
        assert_eq!(hashed_name("img/logo.png", b"a"), "img/logo.png");
    }

    #[test]
    fn override_replaces_and_adds_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("static/img")).unwrap();
        std::fs::write(dir.path().join("static/backlot.css"), "body{}").unwrap();
        std::fs::write(dir.path().join("static/img/logo.png"), "png").unwrap();
        std::fs::write(dir.path().join(".DS_Store"), "x").unwrap();
        let theme = Theme::load(Some(dir.path())).unwrap();
        let assets = theme.assets();
        assert_eq!(assets.paths["img/logo.png"], "static/img/logo.png");
        let css = assets.paths["backlot.css"].clone();
        let (_, bytes) = assets.files.iter().find(|(p, _)| *p == css).unwrap();
        assert_eq!(bytes, b"body{}");
        assert!(!theme.files.contains_key(".DS_Store"));
    }

    #[test]
    fn missing_override_folder_is_fatal() {
        let err = Theme::load(Some(Path::new("/nonexistent/theme"))).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/theme"), "{err}");
    }

    #[test]
    fn template_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(
            dir.path().join("templates/home.html"),
            "{% extends \"base.html\" %}{% block content %}{{ oops( }}{% endblock content %}",
        )
        .unwrap();
        let theme = Theme::load(Some(dir.path())).unwrap();
        let err = theme.tera().unwrap_err().to_string();
        assert!(err.contains("home.html"), "{err}");
        assert!(
            err.contains(&dir.path().join("templates/home.html").display().to_string()),
            "{err}"
        );
    }
}
