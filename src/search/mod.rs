//! The client-side search index (#4), built at build time: a pure function
//! from [`SearchDoc`]s to the files under `search/` (no IO; the site writes
//! them like any other output).
//!
//! # Why shards
//!
//! A 50,000-page portal has hundreds of thousands of doc sections; one
//! index file would be tens of megabytes. The browser must only fetch what
//! a query needs (budget: ≤ 1 MB gzip for a one-word query), so the
//! inverted index is split by term prefix — every term lives in exactly one
//! shard that the browser can name from the term alone — and the document
//! store (titles, URLs, snippets) is separate, in fixed-size chunks fetched
//! only for the results shown. Shards start at the first two characters of
//! the term and are split further (three, four… characters) while one is
//! larger than [`IndexOptions::max_shard_bytes`], so common prefixes (`co`)
//! do not make a huge file. Posting lists are cut to the best
//! [`IndexOptions::max_postings_per_term`] documents: a browser shows the
//! top results, not the 40,000th match of `service`.
//!
//! # Files (the contract with the browser script)
//!
//! Every file is a script calling `__backlotSearch(path, data)` with its
//! path under `search/` and a JSON value (keys sorted, byte-identical for
//! the same input). Scripts, not JSON: a portal opened from disk (file://)
//! cannot `fetch` files, but it can add `<script>` elements, and both ways
//! transfer the same bytes. Below, each file's JSON value.
//!
//! `search/meta.js`:
//! ```json
//! {"version":2,"docCount":1234,"docChunkSize":100,"docChunks":13,
//!  "scoreScale":100,"exactNameBonus":1000.0,"maxPostingsPerTerm":2000,
//!  "fields":{"body":1.0,"facets":2.0,"heading":5.0,"title":10.0},
//!  "tokenizer":"backlot-1 (elasticlunr en: lunr stop words, Porter stemmer)",
//!  "stopWords":["a","able",…],
//!  "facets":{"kind":[["Component",12],["Docs",40]],"lifecycle":[…],"owner":[…],"type":[…]},
//!  "shards":{"ar":"ar.js","co":"co.js","com":"com.js","é":"_e9_.js"}}
//! ```
//! `facets` lists each facet's values (sorted) with how many documents
//! have them, for the filter lists of the search page.
//!
//! `search/facets/<facet>/<i>.js`: `{"ids":[3,17,…]}`, every document
//! (ascending ids) whose `<facet>` is value `i` of that list. A filter
//! loads only the lists of the values selected.
//!
//! `search/terms/<file>` (a value of `shards`):
//! `{"prefix":"ar","terms":{"artist":[[17,1534],[3,210]],…}}` — term →
//! postings `[doc id, score]`, best first. Scores are integers: the final
//! score × `scoreScale`, already including idf, field boosts, length
//! normalisation, the document's boost and the exact-name bonus, so the
//! browser only adds them up.
//!
//! `search/docs/<n>.js` holds documents `n × docChunkSize ..`:
//! `{"offset":0,"docs":[{"title":…,"heading":…,"url":…,"kind":"entity"|
//! "docSection"|"api","entity":"component:default/x","entityKind":
//! "Component","snippet":…,"facets":{"kind":…,"owner":…}}]}`; `heading` is
//! absent when there is none; `url` is site-relative (`catalog/…/` or
//! `docs/…/page/#anchor`).
//!
//! # Querying (what the browser does; `tests::search` is the reference)
//!
//! 1. Terms = [`query_terms`]: [`tokenize`] the query, then add its
//!    [`name_term`] (`=` and the letters and digits joined, stemmed).
//! 2. For each term, the shard is the *longest* key of `shards` that is a
//!    prefix of the term (by characters; a name term without its `=`: see
//!    [`shard_key`]); no such key → no matches. Fetch
//!    it once, look the term up exactly (prefix completion of the last word
//!    may scan the same shard's keys).
//! 3. A document's score is the sum of its postings' scores, times the
//!    square of the share of the query's words (split at whitespace, each
//!    the group of its tokens; stop-word-only words do not count) that it
//!    matches when there are several; rank by score descending, then doc
//!    id ascending. (The browser also completes the last word while it is
//!    typed: terms of the same shards that start with it, at half weight.)
//! 4. Fetch `docs/⌊id / docChunkSize⌋.js` for the results shown.
//!
//! Tokenisation (mirror it exactly): split on anything that is not a
//! letter, digit, `-`, `_` or `.`; split each chunk on `-`, `_`, `.` and
//! camelCase boundaries (`aB`, `1B`, `ABc` → `A`+`Bc`); lower-case; emit
//! each part and, for chunks of several parts, their concatenation; drop
//! tokens over 40 characters and lunr's English stop words; stem ASCII
//! tokens with the Porter stemmer of elasticlunr(.js).
//!
//! elasticlunr-rs provides that stop-word list and stemmer (identical to
//! elasticlunr.js, which the browser can reuse); its `Index` itself is not
//! used: it produces one monolithic JSON index with a whitespace tokenizer,
//! neither shardable nor aware of camelCase, and it scores at query time,
//! which would need every posting list's statistics in the browser.

mod html;
mod tokenize;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use rayon::prelude::*;
use serde::Serialize;

pub use html::{Section, sections_of};
pub use tokenize::{NAME_MARK, name_key, name_term, query_terms, stop_words, tokenize};

/// Bumped whenever a file's shape or the tokenizer changes.
pub const FORMAT_VERSION: u32 = 2;
/// The global function every index file calls.
pub const LOADER: &str = "__backlotSearch";
/// Field boosts: title ×10, heading ×5, facets ×2, body ×1.
pub const TITLE_BOOST: f32 = 10.0;
pub const HEADING_BOOST: f32 = 5.0;
pub const FACET_BOOST: f32 = 2.0;
pub const BODY_BOOST: f32 = 1.0;
/// Added (before the document's boost) when a query term is the
/// [`name_term`] of an entity's name or title: exact names rank first.
pub const EXACT_NAME_BONUS: f32 = 1000.0;
/// Scores are stored as integers: score × this.
pub const SCORE_SCALE: f32 = 100.0;
const K1: f32 = 1.2;
const B: f32 = 0.75;
const BOOSTS: [f32; 4] = [TITLE_BOOST, HEADING_BOOST, BODY_BOOST, FACET_BOOST];

/// What a search result is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DocKind {
    /// A catalog entity (including groups and users).
    Entity,
    /// One h1–h3 section of a docs page.
    DocSection,
    /// An API definition.
    Api,
}

/// One searchable document.
#[derive(Clone, Debug)]
pub struct SearchDoc {
    pub kind: DocKind,
    /// Entity title (or name), or the docs page title.
    pub title: String,
    /// The section heading of a docs section.
    pub heading: Option<String>,
    /// Body text: description, tags, system, email, section text…
    pub text: String,
    /// Site-relative URL of the result (`docs/…/page/#anchor`).
    pub url: String,
    /// The entity this is (or whose docs these are), `kind:namespace/name`.
    pub entity_ref: String,
    /// That entity's kind, for the result badge (`Component`).
    pub entity_kind: String,
    /// kind, type, owner, lifecycle: shown, and indexed with a small boost.
    pub facets: BTreeMap<String, String>,
    /// Multiplies the document's scores (1.0 normally).
    pub boost: f32,
}

/// Knobs of [`build_index`].
#[derive(Clone, Debug)]
pub struct IndexOptions {
    /// Documents per `search/docs/<n>.json`.
    pub doc_chunk_size: usize,
    /// A term shard above this many bytes (uncompressed) is split by one
    /// more prefix character, unless it holds a single term.
    pub max_shard_bytes: usize,
    /// Postings kept per term (the best-scoring ones).
    pub max_postings_per_term: usize,
    /// Characters of body text kept as the result snippet.
    pub snippet_chars: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            doc_chunk_size: 100,
            max_shard_bytes: 128 * 1024,
            max_postings_per_term: 2000,
            snippet_chars: 180,
        }
    }
}

/// Sizes of what [`build_index`] produced (uncompressed bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexStats {
    pub docs: usize,
    pub terms: usize,
    pub postings: usize,
    /// Shard prefix → bytes of its file.
    pub shard_bytes: BTreeMap<String, usize>,
    pub doc_store_bytes: usize,
    pub meta_bytes: usize,
    pub total_bytes: usize,
}

/// The files of the index, sorted by path, and their sizes.
#[derive(Clone, Debug)]
pub struct SearchIndex {
    pub files: Vec<(String, Vec<u8>)>,
    pub stats: IndexStats,
}

/// Term counts of one document, per field (title, heading, body, facets).
struct Analyzed {
    /// Distinct terms (shared with the tokenizer's memo) and their counts
    /// per field.
    tf: Vec<(Arc<str>, [u16; 4])>,
    len: [u32; 4],
    /// The name terms among `tf` (they get the exact-name bonus).
    names: Vec<Arc<str>>,
}

thread_local! {
    /// [`analyze`]'s term counts, kept between documents for its capacity.
    static SCRATCH: std::cell::RefCell<FxHashMap<Arc<str>, [u16; 4]>> =
        std::cell::RefCell::new(FxHashMap::default());
}

fn analyze(doc: &SearchDoc) -> Analyzed {
    SCRATCH.with(|scratch| {
        let mut tf = scratch.borrow_mut();
        tf.clear();
        analyze_into(doc, &mut tf)
    })
}

fn analyze_into(doc: &SearchDoc, tf: &mut FxHashMap<Arc<str>, [u16; 4]>) -> Analyzed {
    let mut len = [0u32; 4];
    let fields = [
        doc.title.as_str(),
        doc.heading.as_deref().unwrap_or(""),
        doc.text.as_str(),
    ];
    let texts = fields
        .into_iter()
        .enumerate()
        .chain(doc.facets.values().map(|v| (3, v.as_str())));
    for (field, text) in texts {
        tokenize::for_each_term(text, |term| {
            match tf.get_mut(&**term) {
                Some(counts) => counts[field] = counts[field].saturating_add(1),
                None => {
                    let mut counts = [0; 4];
                    counts[field] = 1;
                    tf.insert(term.clone(), counts);
                }
            }
            len[field] += 1;
        });
    }
    let mut names: Vec<Arc<str>> = Vec::new();
    if doc.kind == DocKind::Entity {
        let name = doc.entity_ref.rsplit([':', '/']).next().unwrap_or("");
        for key in [name_term(&doc.title), name_term(name)]
            .into_iter()
            .flatten()
        {
            let key: Arc<str> = key.into();
            if !names.contains(&key) {
                tf.entry(key.clone()).or_default();
                names.push(key);
            }
        }
    }
    Analyzed {
        tf: tf.drain().collect(),
        len,
        names,
    }
}

/// A term's postings: `(doc id, score)`, best first.
type Postings = Vec<(u32, u32)>;

/// Documents per rayon job when counting document frequencies.
const DOCS_PER_JOB: usize = 4096;

/// Every term's postings `(doc, score)`, best first and capped, with the
/// term list they are indexed by (sorted).
///
/// Laid out like a sparse matrix (CSR): document frequencies give each
/// term's slice of one array, scores are computed per document in
/// parallel, a sequential pass scatters them (documents in id order, so
/// slices start sorted by id), and each slice is then ranked in parallel.
fn postings<'a>(
    order: &[&SearchDoc],
    analyzed: &'a [Analyzed],
    max_postings: usize,
) -> (Vec<&'a str>, Vec<Postings>) {
    let n = analyzed.len();
    let df: FxHashMap<&str, u32> = analyzed
        .par_chunks(DOCS_PER_JOB)
        .map(|chunk| {
            let mut df: FxHashMap<&str, u32> = FxHashMap::default();
            for a in chunk {
                for (t, _) in &a.tf {
                    *df.entry(&**t).or_default() += 1;
                }
            }
            df
        })
        .reduce(FxHashMap::default, |mut a, b| {
            for (t, d) in b {
                *a.entry(t).or_default() += d;
            }
            a
        });
    let mut vocab: Vec<&str> = df.keys().copied().collect();
    vocab.par_sort_unstable();
    let ids: FxHashMap<&str, u32> = vocab
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, i as u32))
        .collect();
    let idf: Vec<f32> = vocab
        .iter()
        .map(|t| {
            let d = df[t] as f32;
            (1.0 + (n as f32 - d + 0.5) / (d + 0.5)).ln()
        })
        .collect();
    let mut avg = [0f32; 4];
    for a in analyzed {
        for (f, l) in a.len.iter().enumerate() {
            avg[f] += *l as f32;
        }
    }
    for v in &mut avg {
        *v = (*v / n.max(1) as f32).max(1.0);
    }
    // Per document: (term id, score) of each of its terms.
    let scored: Vec<Vec<(u32, u32)>> = analyzed
        .par_iter()
        .zip(order.par_iter())
        .map(|(a, doc)| {
            let norm: [f32; 4] = std::array::from_fn(|f| 1.0 - B + B * a.len[f] as f32 / avg[f]);
            a.tf.iter()
                .map(|(term, tf)| {
                    let id = ids[&**term];
                    let mut score = 0.0;
                    for f in 0..4 {
                        if tf[f] > 0 {
                            let t = tf[f] as f32;
                            score += BOOSTS[f] * t * (K1 + 1.0) / (t + K1 * norm[f]);
                        }
                    }
                    score *= idf[id as usize];
                    if a.names.contains(term) {
                        score += EXACT_NAME_BONUS;
                    }
                    let scaled = (score * doc.boost * SCORE_SCALE).round().max(1.0) as u32;
                    (id, scaled)
                })
                .collect()
        })
        .collect();
    // Scatter into one array, each term's postings contiguous.
    let mut start: Vec<usize> = Vec::with_capacity(vocab.len() + 1);
    let mut total = 0;
    for t in &vocab {
        start.push(total);
        total += df[t] as usize;
    }
    start.push(total);
    let mut fill = start.clone();
    let mut all = vec![(0u32, 0u32); total];
    for (doc, terms) in scored.iter().enumerate() {
        for &(id, score) in terms {
            let at = &mut fill[id as usize];
            all[*at] = (doc as u32, score);
            *at += 1;
        }
    }
    drop(scored);
    let mut slices: Vec<&mut [(u32, u32)]> = Vec::with_capacity(vocab.len());
    let mut rest = all.as_mut_slice();
    for w in start.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - w[0]);
        slices.push(head);
        rest = tail;
    }
    let lists = slices
        .into_par_iter()
        .map(|list| {
            list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            list[..list.len().min(max_postings)].to_vec()
        })
        .collect();
    (vocab, lists)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Meta<'a> {
    version: u32,
    doc_count: usize,
    doc_chunk_size: usize,
    doc_chunks: usize,
    score_scale: f32,
    exact_name_bonus: f32,
    max_postings_per_term: usize,
    fields: BTreeMap<&'static str, f32>,
    tokenizer: &'static str,
    stop_words: Vec<&'static str>,
    facets: BTreeMap<&'static str, Vec<(&'a str, usize)>>,
    shards: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Shard<'a> {
    prefix: &'a str,
    terms: BTreeMap<&'a str, &'a [(u32, u32)]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StoredDoc<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    heading: Option<&'a str>,
    url: &'a str,
    kind: DocKind,
    entity: &'a str,
    entity_kind: &'a str,
    snippet: String,
    facets: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct DocChunk<'a> {
    offset: usize,
    docs: Vec<StoredDoc<'a>>,
}

/// At most `max` characters of `text`, cut at a word boundary, with `…`.
fn snippet(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => {
            let cut = text[..end]
                .rfind(' ')
                .filter(|&i| i > end / 2)
                .unwrap_or(end);
            format!("{}…", text[..cut].trim_end())
        }
    }
}

/// File name of a shard: ASCII letters and digits as they are, any other
/// character as `_<hex>_`.
fn shard_file(prefix: &str) -> String {
    let mut name = String::new();
    for c in prefix.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else {
            name.push_str(&format!("_{:x}_", c as u32));
        }
    }
    name + ".js"
}

/// What decides a term's shard: the term, without the [`NAME_MARK`] of a
/// name term, which so lives in the shard of the same word (a one-word
/// query loads one shard).
pub fn shard_key(term: &str) -> &str {
    term.strip_prefix(NAME_MARK).unwrap_or(term)
}

fn char_prefix(term: &str, n: usize) -> &str {
    term.char_indices().nth(n).map_or(term, |(i, _)| &term[..i])
}

/// Assigns `terms` (all starting with `prefix`) to shards, splitting by one
/// more character while the group is too big.
fn assign_shards<'t>(
    prefix: &'t str,
    terms: Vec<(&'t str, usize)>,
    max_bytes: usize,
    out: &mut BTreeMap<&'t str, Vec<&'t str>>,
) {
    let bytes: usize = terms.iter().map(|t| t.1).sum();
    if bytes <= max_bytes || terms.len() <= 1 {
        out.insert(prefix, terms.into_iter().map(|t| t.0).collect());
        return;
    }
    let n = prefix.chars().count() + 1;
    let mut own = Vec::new();
    let mut groups: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for (term, size) in terms {
        if shard_key(term).chars().count() < n {
            own.push(term);
        } else {
            groups
                .entry(char_prefix(shard_key(term), n))
                .or_default()
                .push((term, size));
        }
    }
    if !own.is_empty() {
        out.insert(prefix, own);
    }
    for (p, group) in groups {
        assign_shards(p, group, max_bytes, out);
    }
}

/// A file of the index: `__backlotSearch("<path>",<json>);`, the JSON
/// safe for scripts (`output::script_json`: no `<`, `>` or `&` even in
/// text from repositories).
fn script(path: &str, value: &impl Serialize) -> (String, Vec<u8>) {
    let json = crate::output::script_json(value);
    let mut out = String::with_capacity(json.len() + LOADER.len() + path.len() + 8);
    out.push_str(LOADER);
    out.push('(');
    out.push_str(&crate::output::script_json(path));
    out.push(',');
    out.push_str(&json);
    out.push_str(");\n");
    (format!("search/{path}"), out.into_bytes())
}

/// Builds the search index files from `docs`. Documents are numbered in
/// the order of their URLs (then titles, headings), so the output does not
/// depend on the order they come in.
pub fn build_index(docs: &[SearchDoc], options: &IndexOptions) -> SearchIndex {
    let mut order: Vec<&SearchDoc> = docs.iter().collect();
    order.sort_by(|a, b| (&a.url, &a.title, &a.heading).cmp(&(&b.url, &b.title, &b.heading)));
    let analyzed: Vec<Analyzed> = order.par_iter().map(|d| analyze(d)).collect();
    let n = order.len();
    let (vocab, lists) = postings(&order, &analyzed, options.max_postings_per_term);
    let total_postings = lists.iter().map(Vec::len).sum();
    let postings: HashMap<&str, &[(u32, u32)]> = vocab
        .iter()
        .zip(&lists)
        .map(|(t, l)| (*t, l.as_slice()))
        .collect();

    // Shards: group by the first two characters, split the big ones.
    let mut by_prefix: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for (term, list) in vocab.iter().zip(&lists) {
        // `"term":[[id,score],…],` — close enough to the serialized size.
        let size = term.len()
            + 6
            + list
                .iter()
                .map(|(i, s)| digits(*i) + digits(*s) + 4)
                .sum::<usize>();
        by_prefix
            .entry(char_prefix(shard_key(term), 2))
            .or_default()
            .push((term, size));
    }
    let mut shards: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (prefix, terms) in by_prefix {
        assign_shards(prefix, terms, options.max_shard_bytes, &mut shards);
    }

    let mut files = Vec::new();
    let mut stats = IndexStats {
        docs: n,
        terms: postings.len(),
        postings: total_postings,
        ..Default::default()
    };
    let mut shard_files = BTreeMap::new();
    for (prefix, terms) in &shards {
        let file = shard_file(prefix);
        let shard = Shard {
            prefix,
            terms: terms.iter().map(|t| (*t, postings[t])).collect(),
        };
        let (path, bytes) = script(&format!("terms/{file}"), &shard);
        stats.shard_bytes.insert(prefix.to_string(), bytes.len());
        files.push((path, bytes));
        shard_files.insert(prefix.to_string(), file);
    }

    let chunk_size = options.doc_chunk_size.max(1);
    let chunks: Vec<(String, Vec<u8>)> = order
        .par_chunks(chunk_size)
        .enumerate()
        .map(|(c, chunk)| {
            let docs = chunk
                .iter()
                .map(|d| StoredDoc {
                    title: &d.title,
                    heading: d.heading.as_deref(),
                    url: &d.url,
                    kind: d.kind,
                    entity: &d.entity_ref,
                    entity_kind: &d.entity_kind,
                    snippet: snippet(&d.text, options.snippet_chars),
                    facets: &d.facets,
                })
                .collect();
            script(
                &format!("docs/{c}.js"),
                &DocChunk {
                    offset: c * chunk_size,
                    docs,
                },
            )
        })
        .collect();
    let doc_chunks = chunks.len();
    stats.doc_store_bytes = chunks.iter().map(|c| c.1.len()).sum();
    files.extend(chunks);

    let facets = facet_ids(&order);
    for (facet, values) in &facets {
        for (i, (_, ids)) in values.iter().enumerate() {
            #[derive(Serialize)]
            struct Ids<'a> {
                ids: &'a [u32],
            }
            files.push(script(&format!("facets/{facet}/{i}.js"), &Ids { ids }));
        }
    }

    let meta = Meta {
        version: FORMAT_VERSION,
        doc_count: n,
        doc_chunk_size: chunk_size,
        doc_chunks,
        score_scale: SCORE_SCALE,
        exact_name_bonus: EXACT_NAME_BONUS,
        max_postings_per_term: options.max_postings_per_term,
        fields: BTreeMap::from([
            ("title", TITLE_BOOST),
            ("heading", HEADING_BOOST),
            ("body", BODY_BOOST),
            ("facets", FACET_BOOST),
        ]),
        tokenizer: "backlot-1 (elasticlunr en: lunr stop words, Porter stemmer)",
        stop_words: stop_words(),
        facets: facets
            .iter()
            .map(|(facet, values)| {
                let counted = values.iter().map(|(v, ids)| (*v, ids.len())).collect();
                (*facet, counted)
            })
            .collect(),
        shards: &shard_files,
    };
    let (path, meta) = script("meta.js", &meta);
    stats.meta_bytes = meta.len();
    files.push((path, meta));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    stats.total_bytes = files.iter().map(|f| f.1.len()).sum();
    SearchIndex { files, stats }
}

/// The facets the search page filters by, and how many documents have
/// each value.
pub const FACETS: [&str; 4] = ["kind", "type", "owner", "lifecycle"];

/// Per facet, its values (sorted) and the ids of the documents with each.
type FacetIds<'d> = BTreeMap<&'static str, Vec<(&'d str, Vec<u32>)>>;

fn facet_ids<'d>(docs: &[&'d SearchDoc]) -> FacetIds<'d> {
    let mut out = FacetIds::new();
    for facet in FACETS {
        let mut values: BTreeMap<&'d str, Vec<u32>> = BTreeMap::new();
        for (id, doc) in docs.iter().enumerate() {
            if let Some(value) = doc.facets.get(facet) {
                values.entry(value).or_default().push(id as u32);
            }
        }
        out.insert(facet, values.into_iter().collect());
    }
    out
}

fn digits(n: u32) -> usize {
    n.checked_ilog10().unwrap_or(0) as usize + 1
}

#[cfg(test)]
mod tests;
