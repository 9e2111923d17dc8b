//! Tokenisation shared by the index builder and (mirrored in JavaScript) the
//! browser: see the module docs of `search` for the exact rules.

use std::cell::RefCell;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use elasticlunr::Pipeline;
use elasticlunr::lang::{English, Language};

/// Tokens longer than this (hashes, base64, minified blobs) are not indexed.
pub const MAX_TOKEN_CHARS: usize = 40;

thread_local! {
    // elasticlunr's English pipeline: trimmer, lunr's stop-word list and the
    // Porter stemmer elasticlunr.js uses. Its pipeline functions are not
    // `Sync`, so each (rayon) thread keeps its own; building one is cheap.
    static PIPELINE: Pipeline = English::new().make_pipeline();
}

/// Stop-word filter and Porter stemmer of elasticlunr's English pipeline for
/// one lower-case token. `None` for stop words. Non-ASCII tokens are only
/// stop-word checked: the Porter stemmer is defined for English letters.
pub fn normalize(token: &str) -> Option<String> {
    with_normalized(token, |t| t.map(|t| t.to_string()))
}

/// Distinct tokens remembered per thread: a portal's vocabulary is small
/// next to its text, and the pipeline allocates on every call. Terms are
/// shared (`Arc`), so the indexer keeps them per document without a copy.
const MEMO_LIMIT: usize = 1 << 20;

thread_local! {
    static MEMO: RefCell<FxHashMap<Box<str>, Option<Arc<str>>>> = RefCell::new(FxHashMap::default());
}

/// Calls `f` with [`normalize`]'s result for `token`, from the per-thread
/// memo.
fn with_normalized<R>(token: &str, f: impl FnOnce(Option<&Arc<str>>) -> R) -> R {
    if token.is_empty() || token.len() > 4 * MAX_TOKEN_CHARS {
        return f(None);
    }
    MEMO.with(|memo| {
        if let Some(known) = memo.borrow().get(token) {
            return f(known.as_ref());
        }
        let normalized: Option<Arc<str>> = if token.chars().count() > MAX_TOKEN_CHARS {
            None
        } else if !token.is_ascii() {
            // The stop words are ASCII, and the pipeline's trimmer would
            // cut non-ASCII letters off (`日本` to nothing, `café` to `caf`).
            Some(token.into())
        } else {
            let out = PIPELINE.with(|p| p.run(vec![token.to_string()]));
            out.into_iter()
                .next()
                .filter(|t| !t.is_empty())
                .map(Into::into)
        };
        let mut memo = memo.borrow_mut();
        if memo.len() >= MEMO_LIMIT {
            memo.clear();
        }
        let entry = memo.entry(token.into()).or_insert(normalized);
        f(entry.as_ref())
    })
}

/// lunr's English stop words as elasticlunr's pipeline drops them, for the
/// browser (written into the index's meta file so that the two can never
/// differ).
pub fn stop_words() -> Vec<&'static str> {
    const CANDIDATES: &str = "a able about across after all almost also am among an and any are \
        as at be because been but by can cannot could dear did do does either else ever every \
        for from get got had has have he her hers him his how however i if in into is it its \
        just least let like likely may me might most must my neither no nor not of off often on \
        only or other our own rather said say says she should since so some than that the their \
        them then there these they this tis to too twas us wants was we were what when where \
        which while who whom why will with would yet you your";
    CANDIDATES
        .split_ascii_whitespace()
        .filter(|w| normalize(w).is_none())
        .collect()
}

/// Splits one separator-free word into its camelCase parts:
/// `artistLookup` → `artist`, `Lookup`; `HTTPServer` → `HTTP`, `Server`;
/// `s3Bucket` → `s3`, `Bucket`. Digits stay with the part before them.
fn camel_parts(word: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let prev = chars[i - 1].1;
        let next_lower = chars.get(i + 1).is_some_and(|&(_, n)| n.is_lowercase());
        let boundary = c.is_uppercase()
            && (prev.is_lowercase() || prev.is_numeric() || (prev.is_uppercase() && next_lower));
        if boundary {
            parts.push(&word[start..at]);
            start = at;
        }
    }
    parts.push(&word[start..]);
    parts
}

/// Raw lower-case terms of `text` before stop words and stemming: every
/// part, plus the joined compound when a chunk has more than one part.
pub(crate) fn raw_terms(text: &str, mut emit: impl FnMut(&str)) {
    let mut parts: Vec<&str> = Vec::new();
    let mut lower = String::new();
    // A chunk is a run of alphanumerics, `-`, `_` and `.` between two
    // letters/digits; its parts are split on those and on camelCase.
    for chunk in text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.')) {
        if chunk.is_empty() {
            continue;
        }
        parts.clear();
        for word in chunk.split(['-', '_', '.']).filter(|w| !w.is_empty()) {
            if word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            {
                parts.push(word);
            } else {
                parts.extend(camel_parts(word));
            }
        }
        for part in &parts {
            lower_into(&mut lower, part);
            emit(&lower);
        }
        if parts.len() > 1 {
            let joined = parts.concat();
            lower_into(&mut lower, &joined);
            emit(&lower);
        }
    }
}

/// `s.to_lowercase()` into a reused buffer.
fn lower_into(buf: &mut String, s: &str) {
    buf.clear();
    if s.is_ascii() {
        buf.push_str(s);
        buf.make_ascii_lowercase();
    } else {
        buf.push_str(&s.to_lowercase());
    }
}

/// Calls `f` with every term of `text`, as [`tokenize`] returns them,
/// without allocating per term.
pub(crate) fn for_each_term(text: &str, mut f: impl FnMut(&Arc<str>)) {
    raw_terms(text, |raw| {
        with_normalized(raw, |t| {
            if let Some(t) = t {
                f(t)
            }
        })
    });
}

/// Lower-cases `text`, splits it into words on anything but letters and
/// digits, splits words further on `-`, `_`, `.` and camelCase, and also
/// keeps the joined compound (`artist-lookup` → `artist`, `lookup`,
/// `artistlookup`); then drops stop words and stems (elasticlunr's English
/// pipeline). Duplicates are kept (term frequency matters).
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_term(text, |t| out.push(t.to_string()));
    out
}

/// The single term an entity's name or title is known by: its letters and
/// digits lower-cased and joined, stemmed (`Artist Lookup`, `artist-lookup`
/// and `artistLookup` → `artistlookup`). The exact-name bonus is attached
/// to this term, and the browser adds it to every query.
pub fn name_key(name: &str) -> Option<String> {
    let joined: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    // A stop word alone ("the") still names something: keep it unstemmed.
    normalize(&joined).or_else(|| {
        (!joined.is_empty() && joined.chars().count() <= MAX_TOKEN_CHARS).then_some(joined)
    })
}

/// Starts the index term of a [`name_key`]: tokens never contain it, so a
/// name term is only ever matched whole (prefix completion of a word being
/// typed cannot reach the exact-name bonus).
pub const NAME_MARK: char = '=';

/// The index term carrying the exact-name bonus: `=` + [`name_key`].
pub fn name_term(name: &str) -> Option<String> {
    name_key(name).map(|key| format!("{NAME_MARK}{key}"))
}

/// The terms of a query: its tokens plus its [`name_term`] (deduplicated,
/// in order), so `artist lookup` also finds the entity named
/// `artist-lookup` first.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for t in tokenize(query).into_iter().chain(name_term(query)) {
        if !terms.contains(&t) {
            terms.push(t);
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokenize(s)
    }

    #[test]
    fn kebab_snake_and_camel_parts_and_compound() {
        assert_eq!(toks("artist-lookup"), ["artist", "lookup", "artistlookup"]);
        assert_eq!(toks("artist_lookup"), ["artist", "lookup", "artistlookup"]);
        assert_eq!(toks("artistLookup"), ["artist", "lookup", "artistlookup"]);
        assert_eq!(toks("ArtistLookup"), toks("artist-lookup"));
        assert_eq!(toks("HTTPServer"), ["http", "server", "httpserver"]);
    }

    #[test]
    fn digits_stay_with_their_part() {
        assert_eq!(toks("s3Bucket"), ["s3", "bucket", "s3bucket"]);
        assert_eq!(toks("ec2-instance"), ["ec2", "instanc", "ec2inst"]);
        assert_eq!(toks("v1.2.3"), ["v1", "2", "3", "v123"]);
        assert_eq!(toks("42"), ["42"]);
    }

    #[test]
    fn lower_case_stop_words_and_stemming() {
        // Porter, as elasticlunr.js: the browser stems queries the same way.
        assert_eq!(toks("The Running services"), ["run", "servic"]);
        assert_eq!(
            toks("deploys deploying deployed"),
            ["deploy", "deploy", "deploy"]
        );
        assert_eq!(toks("a, b; (c)!"), ["b", "c"]);
    }

    #[test]
    fn unicode_is_lower_cased_not_stemmed() {
        assert_eq!(
            toks("Café Über-Größe"),
            ["café", "über", "größe", "übergröße"]
        );
        // Scripts without ASCII letters are words too (the pipeline's
        // trimmer would have emptied them).
        assert_eq!(toks("日本語 docs Привет"), ["日本語", "doc", "привет"]);
    }

    #[test]
    fn stop_words_are_the_pipelines() {
        let stop = stop_words();
        assert!(stop.len() > 100 && stop.contains(&"the") && !stop.contains(&"service"));
        for w in &stop {
            assert_eq!(normalize(w), None, "{w}");
        }
    }

    #[test]
    fn very_long_tokens_are_dropped() {
        let blob = "a".repeat(MAX_TOKEN_CHARS + 1);
        assert_eq!(toks(&format!("x {blob} y")), ["x", "y"]);
    }

    #[test]
    fn name_keys_and_query_terms() {
        assert_eq!(name_key("Artist Lookup").as_deref(), Some("artistlookup"));
        assert_eq!(name_key("artist-lookup"), name_key("artistLookup"));
        assert_eq!(
            query_terms("artist lookup"),
            ["artist", "lookup", "=artistlookup"]
        );
        assert_eq!(
            query_terms("artist-lookup"),
            ["artist", "lookup", "artistlookup", "=artistlookup"]
        );
        assert_eq!(query_terms("artists"), ["artist", "=artist"]);
    }
}
