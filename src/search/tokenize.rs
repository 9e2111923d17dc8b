//! Tokenisation shared by the index builder and (mirrored in JavaScript) the
//! browser: see the module docs of `search` for the exact rules.

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
    if token.is_empty() || token.chars().count() > MAX_TOKEN_CHARS {
        return None;
    }
    let out = PIPELINE.with(|p| p.run(vec![token.to_string()]));
    let stemmed = out.into_iter().next()?;
    if stemmed.is_empty() {
        return None;
    }
    if token.is_ascii() {
        Some(stemmed)
    } else {
        Some(token.to_string())
    }
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
pub(crate) fn raw_terms(text: &str, mut emit: impl FnMut(String)) {
    // A chunk is a run of alphanumerics, `-`, `_` and `.` between two
    // letters/digits; its parts are split on those and on camelCase.
    for chunk in text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.')) {
        let mut parts: Vec<&str> = Vec::new();
        for word in chunk.split(['-', '_', '.']).filter(|w| !w.is_empty()) {
            parts.extend(camel_parts(word));
        }
        for part in &parts {
            emit(part.to_lowercase());
        }
        if parts.len() > 1 {
            emit(parts.concat().to_lowercase());
        }
    }
}

/// Lower-cases `text`, splits it into words on anything but letters and
/// digits, splits words further on `-`, `_`, `.` and camelCase, and also
/// keeps the joined compound (`artist-lookup` → `artist`, `lookup`,
/// `artistlookup`); then drops stop words and stems (elasticlunr's English
/// pipeline). Duplicates are kept (term frequency matters).
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    raw_terms(text, |t| {
        if let Some(t) = normalize(&t) {
            out.push(t);
        }
    });
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

/// The terms of a query: its tokens plus its `name_key` (deduplicated, in
/// order), so `artist lookup` also finds the entity named `artist-lookup`.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for t in tokenize(query).into_iter().chain(name_key(query)) {
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
            ["artist", "lookup", "artistlookup"]
        );
        assert_eq!(
            query_terms("artist-lookup"),
            ["artist", "lookup", "artistlookup"]
        );
        assert_eq!(query_terms("artists"), ["artist"]);
    }
}
