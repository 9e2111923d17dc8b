//! Code highlighting with syntect, in Pygments' HTML layout (spec §3.2).

/// Options of a fenced code block, from its info string:
/// ```` ```python title="greet.py" linenums="10" hl_lines="2 3" ````.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FenceOptions {
    /// The language as written (`python`, `js`); `None` for none.
    pub language: Option<String>,
    pub title: Option<String>,
    /// First line number (`linenums="10"`); default 1.
    pub linenums_start: Option<u32>,
    /// 1-based lines to highlight, relative to the block's first line.
    pub hl_lines: Vec<u32>,
    /// `.class` entries.
    pub classes: Vec<String>,
    /// `#id` entry.
    pub id: Option<String>,
}

impl FenceOptions {
    /// Parses an info string.
    pub fn parse(info: &str) -> FenceOptions {
        FenceOptions {
            language: info.split_whitespace().next().map(str::to_string),
            ..Default::default()
        }
    }
}
