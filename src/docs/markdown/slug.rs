//! Heading ids as Python-Markdown's `toc` extension makes them
//! (spec/techdocs.md §3.1).
//!
//! `slugify` is `markdown.extensions.toc.slugify` with the default `-`
//! separator:
//!
//! ```python
//! value = unicodedata.normalize('NFKD', value)
//! value = value.encode('ascii', 'ignore').decode('ascii')
//! value = re.sub(r'[^\w\s-]', '', value).strip().lower()
//! return re.sub(r'[-\s]+', '-', value)
//! ```
//!
//! and `unique` is `toc.unique`: taken ids get `_1`, `_2`, … (an id that
//! already ends in `_<n>` counts up from `n`), and an empty slug becomes
//! `_1`.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

/// Python's `str.isspace` restricted to ASCII (what `\s` and `strip()`
/// match once the text is ASCII).
fn is_py_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{1c}'..='\u{1f}')
}

/// The slug of a heading's plain text (Python-Markdown's default `slugify`).
///
/// Unlike many slug functions this does not trim `-` at the ends:
/// Python-Markdown strips whitespace only (`"-> Next"` → `"-next"`).
pub fn slugify(text: &str) -> String {
    // NFKD, keep ASCII, drop everything but \w, \s and '-'.
    let mut kept = String::with_capacity(text.len());
    for c in text.nfkd() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            kept.push(c.to_ascii_lowercase());
        } else if c.is_ascii() && is_py_space(c) {
            kept.push(' ');
        }
    }
    // strip(), then runs of [-\s] become one '-'.
    let trimmed = kept.trim_matches(' ');
    let mut out = String::with_capacity(trimmed.len());
    let mut in_sep = false;
    for c in trimmed.chars() {
        if c == ' ' || c == '-' {
            in_sep = true;
        } else {
            if in_sep {
                out.push('-');
                in_sep = false;
            }
            out.push(c);
        }
    }
    if in_sep {
        out.push('-');
    }
    out
}

/// Makes `id` unique among `used` the way Python-Markdown's `toc.unique`
/// does, and records it.
pub fn unique(id: String, used: &mut HashSet<String>) -> String {
    let mut id = id;
    while id.is_empty() || used.contains(&id) {
        id = match split_count(&id) {
            Some((base, n)) if n < u64::MAX => format!("{base}_{}", n + 1),
            _ => format!("{id}_1"),
        };
    }
    used.insert(id.clone());
    id
}

/// `^(.*)_([0-9]+)$`
fn split_count(id: &str) -> Option<(&str, u64)> {
    let (base, digits) = id.rsplit_once('_')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Python's int() has no upper bound; a suffix too big for u64 is
    // treated as no counter (`_1` is appended), which still terminates.
    let n = digits.parse::<u64>().unwrap_or(u64::MAX);
    Some((base, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Python-Markdown `toc.slugify`, pinned with ids from the reference
    /// build (tests/fixtures/techdocs-reference).
    #[test]
    fn slugify_matches_python_markdown() {
        for (text, slug) in [
            // features/index.md (observed)
            // The heading text once the raw `<angle>` tag is stripped (the
            // render tests pin the whole heading).
            ("Ünïcödé and punctuation: “quotes” &  brackets!", "unicode-and-punctuation-quotes-brackets"),
            ("Same heading twice", "same-heading-twice"),
            ("PlantUML (plantuml_markdown)", "plantuml-plantuml_markdown"),
            ("Caret: insert and superscript", "caret-insert-and-superscript"),
            ("Heading with code, emphasis and ünïcödé", "heading-with-code-emphasis-and-unicode"),
            // NFKD folds compatibility characters: ﬁ → fi, ² → 2.
            ("ﬁle x²", "file-x2"),
            // Characters without an ASCII form vanish.
            ("日本語 docs", "docs"),
            ("日本語", ""),
            // Runs of spaces and dashes collapse; only whitespace is trimmed.
            ("  a -- b\t c  ", "a-b-c"),
            ("-> Next", "-next"),
            ("Trailing -", "trailing-"),
        ] {
            assert_eq!(slugify(text), slug, "{text:?}");
        }
    }

    /// Python-Markdown `toc.unique`: `_1`, `_2`, empty → `_1`.
    #[test]
    fn unique_appends_counters() {
        let mut used = HashSet::new();
        assert_eq!(unique("same-heading-twice".into(), &mut used), "same-heading-twice");
        assert_eq!(unique("same-heading-twice".into(), &mut used), "same-heading-twice_1");
        assert_eq!(unique("same-heading-twice".into(), &mut used), "same-heading-twice_2");
        assert_eq!(unique(String::new(), &mut used), "_1");
        assert_eq!(unique(String::new(), &mut used), "_2");
        // An id that already ends in a counter counts up from it.
        assert_eq!(unique("v_9".into(), &mut used), "v_9");
        assert_eq!(unique("v_9".into(), &mut used), "v_10");
        assert_eq!(unique("x_99999999999999999999999".into(), &mut used), "x_99999999999999999999999");
        assert!(unique("x_99999999999999999999999".into(), &mut used).starts_with("x_"));
    }
}
