//! Highlighted code is produced by Backlot (the code text escaped by the
//! highlighter), so it need not go through the sanitizer, which is the
//! expensive part for code-heavy pages. The [`Splicer`] hands the Markdown
//! pass a placeholder element per code block, keeps the real HTML aside,
//! and puts it back into the sanitized page.
//!
//! A placeholder an author writes by hand can only pull in code that the
//! same page's own code blocks produced, which is harmless.

use std::sync::Mutex;

use super::highlight::FenceOptions;
use super::markdown::CodeHighlighter;

const MARK: &str = "data-backlot-code=\"";
const BLOCK_TAG: &str = "<pre ";
const INLINE_TAG: &str = "<code ";
const BLOCK: &str = "<pre data-backlot-code=\"";
const INLINE: &str = "<code data-backlot-code=\"";

pub struct Splicer<'a> {
    inner: &'a dyn CodeHighlighter,
    pieces: Mutex<Vec<String>>,
}

impl<'a> Splicer<'a> {
    pub fn new(inner: &'a dyn CodeHighlighter) -> Splicer<'a> {
        Splicer {
            inner,
            pieces: Mutex::new(Vec::new()),
        }
    }

    fn keep(&self, html: String) -> usize {
        let mut pieces = self.pieces.lock().unwrap_or_else(|e| e.into_inner());
        pieces.push(html);
        pieces.len() - 1
    }

    /// Replaces the placeholders in sanitized HTML by the kept pieces.
    pub fn splice(&self, sanitized: &str) -> String {
        let pieces = self.pieces.lock().unwrap_or_else(|e| e.into_inner());
        if pieces.is_empty() {
            return sanitized.to_string();
        }
        let mut out =
            String::with_capacity(sanitized.len() + pieces.iter().map(String::len).sum::<usize>());
        let mut rest = sanitized;
        // One search for the attribute both markers share; the tag before
        // it says which marker it is.
        while let Some(found) = rest.find(MARK) {
            let (at, marker, close) = if rest[..found].ends_with(BLOCK_TAG) {
                (found - BLOCK_TAG.len(), BLOCK, "\"></pre>")
            } else if rest[..found].ends_with(INLINE_TAG) {
                (found - INLINE_TAG.len(), INLINE, "\"></code>")
            } else {
                out.push_str(&rest[..found + MARK.len()]);
                rest = &rest[found + MARK.len()..];
                continue;
            };
            let after = &rest[at + marker.len()..];
            let parsed = after
                .find(close)
                .and_then(|end| Some((after[..end].parse::<usize>().ok()?, end)));
            match parsed.and_then(|(n, end)| Some((pieces.get(n)?, end))) {
                Some((piece, end)) => {
                    out.push_str(&rest[..at]);
                    out.push_str(piece);
                    rest = &after[end + close.len()..];
                }
                None => {
                    out.push_str(&rest[..at + marker.len()]);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

impl CodeHighlighter for Splicer<'_> {
    fn block(&self, code: &str, options: &FenceOptions, index: usize) -> String {
        let n = self.keep(self.inner.block(code, options, index));
        format!("{BLOCK}{n}\"></pre>")
    }

    fn inline(&self, language: &str, code: &str) -> Option<String> {
        let html = self.inner.inline(language, code)?;
        let n = self.keep(html);
        Some(format!("{INLINE}{n}\"></code>"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::sanitize::{SanitizeOptions, Sanitizer};

    struct Fake;
    impl CodeHighlighter for Fake {
        fn block(&self, code: &str, _: &FenceOptions, _: usize) -> String {
            format!("<div class=\"highlight\"><pre><code>{code}</code></pre></div>")
        }
        fn inline(&self, _: &str, code: &str) -> Option<String> {
            Some(format!("<code class=\"highlight\">{code}</code>"))
        }
    }

    #[test]
    fn placeholders_survive_sanitizing_and_are_replaced() {
        let splicer = Splicer::new(&Fake);
        let block = splicer.block("x", &FenceOptions::default(), 0);
        let inline = splicer.inline("py", "y").unwrap();
        let page = format!("<p>a</p>{block}<p>b {inline} <script>alert(1)</script></p>");
        let clean = Sanitizer::new(&SanitizeOptions::default()).clean(&page);
        let out = splicer.splice(&clean);
        assert_eq!(
            out,
            "<p>a</p><div class=\"highlight\"><pre><code>x</code></pre></div><p>b <code class=\"highlight\">y</code> </p>"
        );
    }

    #[test]
    fn unknown_or_broken_placeholders_are_left_alone() {
        let splicer = Splicer::new(&Fake);
        let out = splicer.splice("<pre data-backlot-code=\"7\"></pre><pre data-backlot-code=\"x");
        assert_eq!(
            out,
            "<pre data-backlot-code=\"7\"></pre><pre data-backlot-code=\"x"
        );
        // The attribute on any other element is the author's: left as is.
        let inline = splicer.inline("py", "y").unwrap();
        let page = format!("<div data-backlot-code=\"0\"></div>{inline}");
        assert_eq!(
            splicer.splice(&page),
            "<div data-backlot-code=\"0\"></div><code class=\"highlight\">y</code>"
        );
    }
}
