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
//! and [`UniqueIds`] is `toc.unique`: taken ids get `_1`, `_2`, … (an id
//! that already ends in `_<n>` counts up from `n`), and an empty slug
//! becomes `_1`.

use std::collections::{HashMap, HashSet};

use unicode_normalization::UnicodeNormalization;

/// Python's `str.isspace` restricted to ASCII (what `\s` and `strip()`
/// match once the text is ASCII).
fn is_py_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{1c}'..='\u{1f}'
    )
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

/// The ids taken in a page, handing out new ones the way Python-Markdown's
/// `toc.unique` does: a taken id gets `_1`, `_2`, … (an id that already
/// ends in `_<n>` counts up from `n`), an empty one becomes `_1`.
///
/// Python walks the counters from the start for every duplicate, which is
/// quadratic in the number of equal headings; this remembers where each
/// walk from a plain id ended (those ids stay taken), with the same result.
#[derive(Debug, Default)]
pub struct UniqueIds {
    used: HashSet<String>,
    /// For a plain id, the next counter to try.
    next: HashMap<String, u64>,
}

impl UniqueIds {
    pub fn new() -> UniqueIds {
        UniqueIds::default()
    }

    /// Marks an id (an explicit `{ #id }`) as taken, as it is.
    pub fn reserve(&mut self, id: &str) {
        if !self.used.contains(id) {
            self.used.insert(id.to_string());
        }
    }

    /// `id`, or the first free id after it; recorded as taken.
    pub fn unique(&mut self, id: String) -> String {
        if !id.is_empty() && !self.used.contains(&id) {
            self.used.insert(id.clone());
            return id;
        }
        if let Some((base, n)) = split_count(&id)
            && n < u64::MAX
        {
            let base = base.to_string();
            return self.walk(&base, n + 1);
        }
        let start = self.next.get(&id).copied().unwrap_or(1);
        let found = self.walk(&id, start);
        if let Some((_, n)) = split_count(&found) {
            self.next.insert(id, n.saturating_add(1));
        }
        found
    }

    fn walk(&mut self, base: &str, mut n: u64) -> String {
        loop {
            let candidate = format!("{base}_{n}");
            if !self.used.contains(&candidate) {
                self.used.insert(candidate.clone());
                return candidate;
            }
            n = n.saturating_add(1);
        }
    }
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
            (
                "Ünïcödé and punctuation: “quotes” &  brackets!",
                "unicode-and-punctuation-quotes-brackets",
            ),
            ("Same heading twice", "same-heading-twice"),
            ("PlantUML (plantuml_markdown)", "plantuml-plantuml_markdown"),
            (
                "Caret: insert and superscript",
                "caret-insert-and-superscript",
            ),
            (
                "Heading with code, emphasis and ünïcödé",
                "heading-with-code-emphasis-and-unicode",
            ),
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
        let mut ids = UniqueIds::new();
        assert_eq!(
            ids.unique("same-heading-twice".into()),
            "same-heading-twice"
        );
        assert_eq!(
            ids.unique("same-heading-twice".into()),
            "same-heading-twice_1"
        );
        assert_eq!(
            ids.unique("same-heading-twice".into()),
            "same-heading-twice_2"
        );
        assert_eq!(ids.unique(String::new()), "_1");
        assert_eq!(ids.unique(String::new()), "_2");
        // An id that already ends in a counter counts up from it.
        assert_eq!(ids.unique("v_9".into()), "v_9");
        assert_eq!(ids.unique("v_9".into()), "v_10");
        // Reserved (explicit) ids are skipped, wherever the walk starts.
        ids.reserve("x_1");
        ids.reserve("x_3");
        assert_eq!(ids.unique("x".into()), "x");
        assert_eq!(ids.unique("x".into()), "x_2");
        assert_eq!(ids.unique("x".into()), "x_4");
        assert_eq!(ids.unique("x_1".into()), "x_5");
        ids.reserve("y_2");
        assert_eq!(ids.unique("y_1".into()), "y_1");
        assert_eq!(ids.unique("y".into()), "y");
        assert_eq!(ids.unique("y".into()), "y_3");
        let huge = "x_99999999999999999999999";
        assert_eq!(ids.unique(huge.into()), huge);
        assert_eq!(ids.unique(huge.into()), format!("{huge}_1"));
    }

    /// Many equal headings stay fast (Python's walk is quadratic).
    #[test]
    fn unique_is_linear() {
        let mut ids = UniqueIds::new();
        for n in 0..20_000 {
            let id = ids.unique("h".into());
            assert_eq!(
                id,
                if n == 0 {
                    "h".to_string()
                } else {
                    format!("h_{n}")
                }
            );
        }
    }
}
