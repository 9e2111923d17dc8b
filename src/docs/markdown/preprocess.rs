//! Line-level passes before CommonMark parsing (see the parent module).

use super::{FrontMatter, MarkdownOptions, Problem, SnippetLoader};

/// The page as CommonMark text, ready for `render`.
#[derive(Debug, Clone, Default)]
pub struct Preprocessed {
    /// CommonMark text; containers are HTML wrapper lines around Markdown.
    pub text: String,
    /// For each line of `text` (0-based), where it came from: the 1-based
    /// line in its source and the source (`None` = the page itself, else
    /// the snippet path as written).
    pub line_map: Vec<(u32, Option<String>)>,
    pub front_matter: FrontMatter,
    /// `*[HTML]: HyperText Markup Language` definitions (removed from `text`).
    pub abbreviations: Vec<(String, String)>,
    pub problems: Vec<Problem>,
}

pub fn preprocess(source: &str, _options: &MarkdownOptions, _snippets: &dyn SnippetLoader) -> Preprocessed {
    Preprocessed {
        text: source.to_string(),
        line_map: (1..=source.lines().count() as u32).map(|l| (l, None)).collect(),
        ..Default::default()
    }
}
