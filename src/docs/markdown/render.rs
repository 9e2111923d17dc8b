//! CommonMark parsing and the event rewrites of TechDocs' extensions
//! (spec/techdocs.md §3.1–3.3, §3.9–3.18 and the Markdown side of §4).
//!
//! One page goes through three steps, each a single pass (after
//! [`compat_rewrite`] adjusted the few lines where Python-Markdown's block
//! rules differ from CommonMark's within a line):
//!
//! 1. [`Normalizer`] collects pulldown-cmark's events (with their source
//!    offsets) into [`Item`]s: adjacent text merged, backslash escapes and
//!    entities remembered, attr_list blocks (`{ #id .class k=v }`) taken off
//!    the text and attached to their heading, paragraph or inline element,
//!    betterem's intra-word `*` turned back into text, start/end pairs
//!    linked, and Python-Markdown's list looseness (`<li>text` versus
//!    `<li><p>text</p>`) and task lists decided.
//! 2. [`Renderer`] writes HTML in Python-Markdown's layout (a block
//!    element's start tag is followed by a newline only when a block child
//!    comes first; every block end tag is followed by one), collecting ids,
//!    the TOC, footnotes and problems.
//! 3. Inline extensions run per *inline run* (the inline events of one
//!    block): delimiters that may enclose other elements (`==`, `^^`, `~~`,
//!    critic markup) are paired first per nesting level, along with `^sup^`,
//!    `~sub~` and magic links; the literal text in between then gets
//!    abbreviations, emoji and smart symbols, and is escaped.
//!
//! pulldown-cmark's own strikethrough, superscript and subscript are not
//! enabled: pymdownx's tilde/caret rules (no unescaped spaces in `^sup^`,
//! `~~` versus `~`) are applied here instead, on text only, so they never
//! fire inside code.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use pulldown_cmark::{
    Alignment, CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd,
};

use super::preprocess::{Preprocessed, TAB_MARK, TAB_SLUG};
use super::slug::{UniqueIds, slugify};
use super::{LinkKind, PageContext, Problem, ProblemKind, RenderedPage, Resolved, TocEntry};
use crate::docs::highlight::FenceOptions;

/// Attributes from attr_list, in the order written (sorted when written out).
type Attrs = Vec<(String, String)>;

/// `Start/End(Paragraph)`: write no `<p>` (Python-Markdown's tight first
/// paragraph of a list item or definition).
const BARE: u8 = 1;
/// `Start(List)`: `class="task-list"`.
const TASK_LIST: u8 = 2;
/// `Start(Item)`: `class="task-list-item"`.
const TASK_ITEM: u8 = 4;
/// `Start(Item)` of an unordered list: close the `<ul>` and open another
/// before the item (with `TASK_LIST` when the new one holds tasks).
const SPLIT: u8 = 8;

/// Renders preprocessed Markdown (spec §3). Never panics; problems found on
/// the way (broken links) are returned in the page.
pub fn render(pre: &Preprocessed, cx: &PageContext) -> RenderedPage {
    let rewritten = compat_rewrite(&pre.text);
    let (src, colons) = match &rewritten {
        Some((text, colons)) => (text.as_str(), *colons),
        None => (pre.text.as_str(), false),
    };
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_DEFINITION_LIST;
    let mut norm = Normalizer::new(src, colons);
    let mut lines = LineIndex::new(src);
    let mut raw_html = pre.author_html;
    for (event, range) in Parser::new_ext(src, options).into_offset_iter() {
        if !raw_html
            && matches!(event, Event::Html(_) | Event::InlineHtml(_))
            && !lines.all_generated(pre, &range)
        {
            raw_html = true;
        }
        norm.event(event, range);
    }
    let (items, explicit_ids) = norm.finish();
    let attrs_ok = items.iter().all(|item| {
        item.attrs
            .as_deref()
            .is_none_or(|attrs| attrs.iter().all(|(k, _)| trusted_attribute(k)))
    });
    let mut renderer = Renderer::new(pre, cx, explicit_ids, lines);
    renderer.untrusted = raw_html || !attrs_ok;
    renderer.run(&items);
    renderer.finish(pre)
}

/// Line numbers of byte offsets, built on first use (most pages have no
/// HTML event to look up).
struct LineIndex<'a> {
    text: &'a str,
    starts: Option<Vec<usize>>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> LineIndex<'a> {
        LineIndex { text, starts: None }
    }

    /// The 0-based line holding byte `pos`.
    fn line(&mut self, pos: usize) -> usize {
        let text = self.text;
        let starts = self.starts.get_or_insert_with(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        match starts.binary_search(&pos) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Whether every line `range` touches is a wrapper line of the
    /// preprocess pass.
    fn all_generated(&mut self, pre: &Preprocessed, range: &Range<usize>) -> bool {
        let first = self.line(range.start);
        let last = self.line(range.end.max(range.start + 1) - 1);
        (first..=last).all(|l| pre.is_generated(l))
    }
}

/// attr_list attributes that need no sanitizing on any element: the
/// sanitizer's generic attributes that carry no URL, script or style.
/// Anything else (`style`, `target`, `onclick`, `href`, `src`…) sends the
/// page through the sanitizer, which knows per element what may stay.
fn trusted_attribute(name: &str) -> bool {
    matches!(name, "id" | "class" | "title" | "lang" | "dir")
        || (name.starts_with("data-") && name.len() > 5)
}

/// Whether a URL the renderer writes into `href` or `src` is one the
/// sanitizer would keep unchanged: relative, or with a scheme of its
/// allowlist (never `data:`, which it keeps only on images, nor anything
/// with whitespace or control characters, which browsers strip when they
/// read a scheme). Anything else sends the page through the sanitizer.
pub(crate) fn trusted_url(url: &str) -> bool {
    if url
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'\\')
    {
        return false;
    }
    match url.find([':', '/', '?', '#']) {
        Some(at) if url.as_bytes()[at] == b':' => {
            let scheme = url[..at].to_ascii_lowercase();
            crate::docs::sanitize::URL_SCHEMES
                .iter()
                .any(|&allowed| allowed != "data" && allowed == scheme)
        }
        _ => true,
    }
}

/// Python-Markdown's `ESCAPED_CHARS` with TechDocs' extensions (caret,
/// tilde, mark, tables).
const PY_ESCAPABLE: &[u8] = b"\\`*_{}[]()>#+-.!^~=|";

/// Stands in for a line-leading `:` while pulldown parses.
const COLON: char = '\u{1a}';

/// The page text as pulldown should see it, when Python-Markdown's block
/// rules differ in ways that can be fixed within a line (lines are never
/// added or removed, so line numbers hold):
///
/// - def_list needs `:` plus one to three spaces (`:[ ]{1,3}`); pulldown
///   takes any line-leading `:` after a paragraph as a definition, which
///   turns `:smile:` or `:material-x:` at the start of a line into a `<dl>`.
///   Such colons become [`COLON`] while parsing and are put back in every
///   text pulldown returns. Table delimiter rows (`:---|`) are left alone.
/// - Python-Markdown's hash headers need no space after the `#`s (`##API`,
///   or a no-break space as in `##\u{a0}API`); CommonMark does. A space is
///   put in (replacing a no-break space) at column 0 outside fenced code.
///
/// Returns the text and whether colons must be restored; `None` when
/// nothing changes.
fn compat_rewrite(text: &str) -> Option<(String, bool)> {
    // (offset, bytes removed, text inserted), in order.
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    let colons_ok = !text.contains(COLON);
    let mut fence: Option<(u8, usize)> = None;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let offset = line_start;
        line_start += line.len();
        let bytes = line.as_bytes();
        // Fenced code (superfences: at any indent) is left alone.
        let indent = bytes
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let mark = bytes.get(indent).copied();
        if let Some(mark @ (b'`' | b'~')) = mark {
            let run = bytes[indent..].iter().take_while(|&&b| b == mark).count();
            if run >= 3 {
                match fence {
                    None => fence = Some((mark, run)),
                    Some((open, len))
                        if open == mark && run >= len && line[indent + run..].trim().is_empty() =>
                    {
                        fence = None
                    }
                    Some(_) => {}
                }
                continue;
            }
        }
        if fence.is_some() {
            continue;
        }
        let hashes = bytes.iter().take_while(|&&b| b == b'#').count();
        if (1..=6).contains(&hashes) {
            let rest = &line[hashes..];
            if rest.starts_with('\u{a0}') {
                edits.push((offset + hashes, 2, " "));
            } else if !rest.starts_with([' ', '\t', '\r', '\n']) && !rest.is_empty() {
                edits.push((offset + hashes, 0, " "));
            }
            continue;
        }
        if colons_ok
            && let Some(i) = bytes
                .iter()
                .position(|&b| !matches!(b, b' ' | b'\t' | b'>'))
            && bytes[i] == b':'
            && bytes.get(i + 1) != Some(&b' ')
            && !bytes
                .iter()
                .all(|&b| matches!(b, b':' | b'-' | b'|' | b' ' | b'\t' | b'\r' | b'\n'))
        {
            edits.push((offset + i, 1, "\u{1a}"));
        }
    }
    if edits.is_empty() {
        return None;
    }
    let colons = edits.iter().any(|e| e.2 == "\u{1a}");
    let mut out = String::with_capacity(text.len() + edits.len());
    let mut copied = 0;
    for (at, remove, insert) in edits {
        out.push_str(&text[copied..at]);
        out.push_str(insert);
        copied = at + remove;
    }
    out.push_str(&text[copied..]);
    Some((out, colons))
}

fn restore_colons(text: CowStr) -> CowStr {
    if text.contains(COLON) {
        CowStr::Boxed(text.replace(COLON, ":").into_boxed_str())
    } else {
        text
    }
}

// ---------------------------------------------------------------------------
// Step 1: events → items
// ---------------------------------------------------------------------------

/// A protected stretch of a merged text: a backslash-escaped character
/// (`raw: None`) or an entity (`raw`: the entity as written, which is what
/// Python-Markdown outputs). Inline extensions never match inside one.
#[derive(Debug, Clone, Copy)]
struct Special<'a> {
    start: usize,
    end: usize,
    raw: Option<&'a str>,
}

struct Item<'a> {
    ev: Event<'a>,
    /// Source offset of the event in `Preprocessed::text`.
    pos: usize,
    /// For `Start`, the index of its `End`, and the other way round.
    partner: usize,
    flags: u8,
    attrs: Option<Box<Attrs>>,
    /// Sorted, non-overlapping; only on `Text`.
    specials: Vec<Special<'a>>,
}

impl<'a> Item<'a> {
    fn new(ev: Event<'a>, pos: usize) -> Item<'a> {
        Item {
            ev,
            pos,
            partner: usize::MAX,
            flags: 0,
            attrs: None,
            specials: Vec::new(),
        }
    }
}

/// Text being merged from consecutive `Text` events.
struct Pending<'a> {
    text: PText<'a>,
    specials: Vec<Special<'a>>,
    pos: usize,
}

enum PText<'a> {
    One(CowStr<'a>),
    Many(String),
}

impl<'a> Pending<'a> {
    fn len(&self) -> usize {
        match &self.text {
            PText::One(s) => s.len(),
            PText::Many(s) => s.len(),
        }
    }

    fn push_str(&mut self, s: &str) {
        match &mut self.text {
            PText::Many(m) => m.push_str(s),
            PText::One(one) => {
                let mut m = String::with_capacity(one.len() + s.len() + 16);
                m.push_str(one);
                m.push_str(s);
                self.text = PText::Many(m);
            }
        }
    }

    /// Appends text that no extension may touch.
    fn push_protected(&mut self, s: &str) {
        let start = self.len();
        self.push_str(s);
        self.specials.push(Special {
            start,
            end: start + s.len(),
            raw: None,
        });
    }

    fn into_text(self) -> (CowStr<'a>, Vec<Special<'a>>) {
        let text = match self.text {
            PText::One(s) => s,
            PText::Many(s) => CowStr::Boxed(s.into_boxed_str()),
        };
        (text, self.specials)
    }
}

struct Normalizer<'a> {
    src: &'a str,
    items: Vec<Item<'a>>,
    /// Indices of the open `Start` items.
    open: Vec<usize>,
    /// For each open list, the indices of its `Start(Item)`s and where
    /// each item ends in the source.
    lists: Vec<Vec<(usize, usize)>>,
    pending: Option<Pending<'a>>,
    /// The `Start` of the element whose `End` is the last item, if it is.
    last_closed: Option<usize>,
    in_code: usize,
    explicit_ids: Vec<String>,
    /// Whether [`COLON`]s must be turned back into `:`.
    restore: bool,
}

impl<'a> Normalizer<'a> {
    fn new(src: &'a str, restore: bool) -> Normalizer<'a> {
        Normalizer {
            src,
            items: Vec::with_capacity(src.len() / 8),
            open: Vec::new(),
            lists: Vec::new(),
            pending: None,
            last_closed: None,
            in_code: 0,
            explicit_ids: Vec::new(),
            restore,
        }
    }

    fn event(&mut self, event: Event<'a>, range: Range<usize>) {
        let event = if self.restore {
            match event {
                Event::Text(t) => Event::Text(restore_colons(t)),
                Event::Code(t) => Event::Code(restore_colons(t)),
                Event::Html(t) => Event::Html(restore_colons(t)),
                Event::InlineHtml(t) => Event::InlineHtml(restore_colons(t)),
                other => other,
            }
        } else {
            event
        };
        match event {
            Event::Text(text) => self.text(text, range),
            Event::HardBreak if self.src.as_bytes().get(range.start) == Some(&b'\\') => {
                // Python-Markdown has no backslash hard breaks: the
                // backslash stays and the line break is a soft one.
                self.protected("\\", range.start);
                self.flush();
                self.push(Item::new(Event::SoftBreak, range.start));
            }
            Event::Start(tag) => {
                self.flush();
                self.start(tag, range);
            }
            Event::End(end) => {
                self.flush();
                self.end(end, range);
            }
            other => {
                self.flush();
                self.push(Item::new(other, range.start));
            }
        }
    }

    fn finish(mut self) -> (Vec<Item<'a>>, Vec<String>) {
        self.flush();
        (self.items, self.explicit_ids)
    }

    fn push(&mut self, item: Item<'a>) {
        self.items.push(item);
        self.last_closed = None;
    }

    /// Appends text that no extension may touch.
    fn protected(&mut self, text: &str, pos: usize) {
        self.pending
            .get_or_insert_with(|| Pending {
                text: PText::One(CowStr::Borrowed("")),
                specials: Vec::new(),
                pos,
            })
            .push_protected(text);
    }

    fn text(&mut self, text: CowStr<'a>, range: Range<usize>) {
        let special = if self.in_code == 0 {
            self.special(&text, &range)
        } else {
            None
        };
        if let Some((0, 1, None)) = special
            && let Some(&escaped) = text.as_bytes().first()
            && !PY_ESCAPABLE.contains(&escaped)
        {
            // CommonMark escapes any ASCII punctuation, Python-Markdown only
            // its ESCAPED_CHARS: `\$` keeps its backslash. (The escaped
            // character is ASCII, so it is one byte.)
            self.protected("\\", range.start);
            self.protected(&text[..1], range.start);
            if text.len() > 1 {
                let tail = match text {
                    CowStr::Borrowed(s) => CowStr::Borrowed(&s[1..]),
                    other => CowStr::Boxed(other[1..].into()),
                };
                self.append_text(tail, range.start + 1, None);
            }
            return;
        }
        self.append_text(text, range.start, special);
    }

    fn append_text(
        &mut self,
        text: CowStr<'a>,
        pos: usize,
        special: Option<(usize, usize, Option<&'a str>)>,
    ) {
        match &mut self.pending {
            None => {
                self.pending = Some(Pending {
                    specials: special
                        .map(|(start, end, raw)| vec![Special { start, end, raw }])
                        .unwrap_or_default(),
                    text: PText::One(text),
                    pos,
                })
            }
            Some(pending) => {
                let offset = pending.len();
                pending.push_str(&text);
                if let Some((start, end, raw)) = special {
                    pending.specials.push(Special {
                        start: offset + start,
                        end: offset + end,
                        raw,
                    });
                }
            }
        }
    }

    /// Whether a text event is an entity (`&copy;`, decoded by pulldown) or
    /// starts with a backslash-escaped character: pulldown starts a new text
    /// event right after the backslash it dropped.
    fn special(&self, text: &str, range: &Range<usize>) -> Option<(usize, usize, Option<&'a str>)> {
        let raw = self.src.get(range.clone())?;
        if raw.len() > 2 && raw.starts_with('&') && raw.ends_with(';') && raw != text {
            return Some((0, text.len(), Some(raw)));
        }
        let bytes = self.src.as_bytes();
        let first = *text.as_bytes().first()?;
        if range.start > 0
            && bytes.get(range.start - 1) == Some(&b'\\')
            && first.is_ascii_punctuation()
            && bytes.get(range.start) == Some(&first)
        {
            return Some((0, 1, None));
        }
        None
    }

    /// Pushes the pending text, first taking an inline attr_list
    /// (`{ width="64" }`) off its start when it follows a link, image,
    /// emphasis or inline code.
    fn flush(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let pos = pending.pos;
        let (mut text, mut specials) = pending.into_text();
        if self.in_code == 0
            && text.starts_with('{')
            && let Some(target) = self.inline_attr_target()
            && let Some((used, attrs)) = inline_attr_list(&text)
            && !specials.iter().any(|s| s.start < used)
        {
            self.attach(target, attrs);
            text = match text {
                CowStr::Borrowed(s) => CowStr::Borrowed(&s[used..]),
                other => CowStr::Boxed(other[used..].into()),
            };
            for s in &mut specials {
                s.start -= used;
                s.end -= used;
            }
        }
        if text.is_empty() {
            return;
        }
        let mut item = Item::new(Event::Text(text), pos);
        item.specials = specials;
        self.push(item);
    }

    fn inline_attr_target(&self) -> Option<usize> {
        let last = self.items.last()?;
        match &last.ev {
            Event::End(TagEnd::Link | TagEnd::Image | TagEnd::Emphasis | TagEnd::Strong) => {
                self.last_closed
            }
            Event::Code(_) => Some(self.items.len() - 1),
            _ => None,
        }
    }

    fn attach(&mut self, target: usize, attrs: Attrs) {
        let Some(item) = self.items.get_mut(target) else {
            return;
        };
        let existing = item.attrs.get_or_insert_with(Default::default);
        for (k, v) in attrs {
            if k == "id" && !v.is_empty() {
                self.explicit_ids.push(v.clone());
            }
            if k == "class" {
                add_class(existing, &v);
            } else {
                set_attr(existing, &k, v);
            }
        }
    }

    fn start(&mut self, tag: Tag<'a>, range: Range<usize>) {
        match tag {
            Tag::CodeBlock(_) => self.in_code += 1,
            Tag::List(_) => self.lists.push(Vec::new()),
            Tag::Item => {
                let index = self.items.len();
                if let Some(list) = self.lists.last_mut() {
                    list.push((index, range.end));
                }
            }
            _ => {}
        }
        self.open.push(self.items.len());
        self.push(Item::new(Event::Start(tag), range.start));
    }

    fn end(&mut self, end: TagEnd, range: Range<usize>) {
        let Some(start) = self.open.pop() else {
            self.push(Item::new(Event::End(end), range.start));
            return;
        };
        match end {
            TagEnd::Paragraph => self.paragraph_attr_list(start),
            TagEnd::Heading(_) => self.heading_attr_list(start),
            TagEnd::CodeBlock => self.in_code = self.in_code.saturating_sub(1),
            TagEnd::Emphasis | TagEnd::Strong => {
                if self.intraword_emphasis(start, end, range.end) {
                    return;
                }
                if end == TagEnd::Emphasis && self.swap_strong_emphasis(start, range.start) {
                    return;
                }
            }
            TagEnd::DefinitionListDefinition => self.definition_looseness(start),
            _ => {}
        }
        let index = self.items.len();
        self.push(Item::new(Event::End(end), range.start));
        self.items[index].partner = start;
        if let Some(s) = self.items.get_mut(start) {
            s.partner = index;
        }
        self.last_closed = Some(start);
        if let TagEnd::List(_) = end {
            let entries = self.lists.pop().unwrap_or_default();
            self.list_looseness(start, &entries);
        }
    }

    /// attr_list's block form: `{: .class }` as the last line of a paragraph.
    fn paragraph_attr_list(&mut self, start: usize) {
        let n = self.items.len();
        if n < start + 4 || !matches!(self.items[n - 2].ev, Event::SoftBreak) {
            return;
        }
        let last = &self.items[n - 1];
        let Event::Text(text) = &last.ev else { return };
        if !last.specials.is_empty() {
            return;
        }
        let Some(attrs) = block_attr_list(text) else {
            return;
        };
        self.items.truncate(n - 2);
        self.attach(start, attrs);
    }

    /// attr_list on a heading: `## Title { #id .class }` (at least one
    /// space before the brace, as Python-Markdown's `HEADER_RE` requires).
    fn heading_attr_list(&mut self, start: usize) {
        let n = self.items.len();
        if n < start + 2 {
            return;
        }
        let last = &self.items[n - 1];
        let Event::Text(text) = &last.ev else { return };
        let trimmed = text.trim_end_matches(' ');
        if !trimmed.ends_with('}') {
            return;
        }
        let Some(open) = trimmed.rfind('{') else {
            return;
        };
        if open == 0 || trimmed.as_bytes()[open - 1] != b' ' {
            return;
        }
        if last.specials.iter().any(|s| s.end > open) {
            return;
        }
        let Some(inner) = attr_list_inner(&trimmed[open + 1..trimmed.len() - 1]) else {
            return;
        };
        let attrs = parse_attrs(inner);
        let keep = trimmed[..open].trim_end_matches(' ').len();
        if keep == 0 {
            self.items.pop();
        } else {
            let new_text = match &self.items[n - 1].ev {
                Event::Text(CowStr::Borrowed(s)) => CowStr::Borrowed(&s[..keep]),
                Event::Text(other) => CowStr::Boxed(other[..keep].into()),
                _ => return,
            };
            let item = &mut self.items[n - 1];
            item.ev = Event::Text(new_text);
            item.specials.retain(|s| s.end <= keep);
        }
        self.attach(start, attrs);
    }

    /// betterem (`smart_enable: all`): `*` that opens after a word character
    /// or closes before one is literal (`2*3*4`), unlike CommonMark. Only
    /// the plain case (one text inside) is undone.
    fn intraword_emphasis(&mut self, start: usize, end: TagEnd, end_offset: usize) -> bool {
        let n = self.items.len();
        let Some(start_item) = self.items.get(start) else {
            return false;
        };
        let pos = start_item.pos;
        if self.src.as_bytes().get(pos) != Some(&b'*') {
            return false;
        }
        let before = self.src.get(..pos).and_then(|s| s.chars().next_back());
        let after = self.src.get(end_offset..).and_then(|s| s.chars().next());
        if !(before.is_some_and(is_word_char) || after.is_some_and(is_word_char)) {
            return false;
        }
        let simple = n == start + 1
            || (n == start + 2 && matches!(self.items[start + 1].ev, Event::Text(_)));
        if !simple {
            return false;
        }
        let marks = if end == TagEnd::Strong { "**" } else { "*" };
        let inner = if n == start + 2 {
            self.items.pop()
        } else {
            None
        };
        self.items.pop(); // the Start
        let mut pending = match self.items.last() {
            Some(Item {
                ev: Event::Text(_), ..
            }) => {
                let Some(prev) = self.items.pop() else {
                    return false;
                };
                let Event::Text(text) = prev.ev else {
                    return false;
                };
                Pending {
                    // Reuse an owned text's buffer: no copy per `2*3*4`.
                    text: match text {
                        CowStr::Boxed(owned) => PText::Many(owned.into_string()),
                        other => PText::One(other),
                    },
                    specials: prev.specials,
                    pos: prev.pos,
                }
            }
            _ => Pending {
                text: PText::One(CowStr::Borrowed("")),
                specials: Vec::new(),
                pos,
            },
        };
        pending.push_protected(marks);
        if let Some(inner) = inner
            && let Event::Text(text) = &inner.ev
        {
            let offset = pending.len();
            pending.push_str(text);
            pending
                .specials
                .extend(inner.specials.iter().map(|s| Special {
                    start: s.start + offset,
                    end: s.end + offset,
                    raw: s.raw,
                }));
        }
        pending.push_protected(marks);
        self.pending = Some(pending);
        self.last_closed = None;
        true
    }

    /// `***x***`: Python-Markdown nests `<strong><em>`, pulldown `<em><strong>`.
    fn swap_strong_emphasis(&mut self, start: usize, pos: usize) -> bool {
        let n = self.items.len();
        if n < start + 3 {
            return false;
        }
        let nested = matches!(self.items[start].ev, Event::Start(Tag::Emphasis))
            && matches!(self.items[start + 1].ev, Event::Start(Tag::Strong))
            && matches!(self.items[n - 1].ev, Event::End(TagEnd::Strong))
            && self.items[n - 1].partner == start + 1;
        let src = self.src.get(pos..).unwrap_or("");
        if !nested || !(src.starts_with("***") || src.starts_with("___")) {
            return false;
        }
        self.items.swap(start, start + 1);
        // items[start] is now Start(Strong), items[start + 1] Start(Emphasis).
        self.items[n - 1].ev = Event::End(TagEnd::Emphasis);
        self.items[n - 1].partner = start + 1;
        self.items[start + 1].partner = n - 1;
        self.push(Item::new(Event::End(TagEnd::Strong), pos));
        self.items[n].partner = start;
        self.items[start].partner = n;
        self.last_closed = Some(start);
        true
    }

    /// mdx_truly_sane_lists: a blank line between two items of an
    /// unordered list starts a new `<ul>`; ordered lists continue, and then
    /// (Python-Markdown) an item's first paragraph is wrapped in `<p>` only
    /// when a blank line separates the item from a sibling, or when a later
    /// block of the item is indented one nesting unit (2–3 spaces) past the
    /// marker. Later paragraphs always are. Also marks task lists
    /// (`pymdownx.tasklist`), per `<ul>`.
    fn list_looseness(&mut self, list: usize, entries: &[(usize, usize)]) {
        let ordered = matches!(
            self.items.get(list).map(|i| &i.ev),
            Some(Event::Start(Tag::List(Some(_))))
        );
        let blank: Vec<bool> = entries
            .iter()
            .map(|&(i, _)| {
                self.items
                    .get(i)
                    .is_some_and(|item| blank_line_before(self.src, item.pos))
            })
            .collect();
        // The item (or list) that opens the current `<ul>`/`<ol>`.
        let mut opener = list;
        let mut any_task = false;
        for (n, &(item, item_end)) in entries.iter().enumerate() {
            if !ordered && n > 0 && blank[n] {
                if any_task {
                    self.items[opener].flags |= TASK_LIST;
                }
                self.items[item].flags |= SPLIT;
                opener = item;
                any_task = false;
            }
            let first = item + 1;
            let task = match self.items.get(first).map(|i| &i.ev) {
                Some(Event::TaskListMarker(_)) => true,
                Some(Event::Start(Tag::Paragraph)) => {
                    matches!(
                        self.items.get(first + 1).map(|i| &i.ev),
                        Some(Event::TaskListMarker(_))
                    )
                }
                _ => false,
            };
            if task {
                self.items[item].flags |= TASK_ITEM;
                any_task = true;
            }
            if matches!(
                self.items.get(first).map(|i| &i.ev),
                Some(Event::Start(Tag::Paragraph))
            ) {
                let loose = (ordered
                    && ((n > 0 && blank[n]) || blank.get(n + 1).copied().unwrap_or(false)))
                    || wrapping_continuation(self.src, self.items[item].pos, item_end);
                if !loose {
                    self.mark_bare(first);
                }
            }
        }
        if any_task && let Some(item) = self.items.get_mut(opener) {
            item.flags |= TASK_LIST;
        }
    }

    /// def_list: the definition's first paragraph is bare unless a blank
    /// line separates it from the term.
    fn definition_looseness(&mut self, start: usize) {
        let first = start + 1;
        if matches!(
            self.items.get(first).map(|i| &i.ev),
            Some(Event::Start(Tag::Paragraph))
        ) && !blank_line_before(self.src, self.items[start].pos)
        {
            self.mark_bare(first);
        }
    }

    fn mark_bare(&mut self, paragraph: usize) {
        let partner = self.items[paragraph].partner;
        self.items[paragraph].flags |= BARE;
        if let Some(end) = self.items.get_mut(partner) {
            end.flags |= BARE;
        }
    }
}

/// Python-Markdown's `ListIndentProcessor` (with the 2-space unit of
/// mdx_truly_sane_lists): a block after a blank line inside the list item
/// starting at `start`, indented 2–3 columns past the item's marker, moves
/// the item's first text into a `<p>`; deeper blocks do not.
///
/// Fenced code is skipped: preprocess re-indents fences found at any
/// indent, so their indentation no longer tells (a fence written 4 spaces
/// deep, the usual case, leaves the text bare).
fn wrapping_continuation(src: &str, start: usize, end: usize) -> bool {
    let indent = |line: &str| -> usize {
        line.chars()
            .take_while(|c| matches!(c, ' ' | '>' | '\t'))
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum()
    };
    let Some(before) = src.get(..start) else {
        return false;
    };
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let marker = before[line_start..].chars().count();
    let Some(body) = src.get(start..end.min(src.len())) else {
        return false;
    };
    let mut lines = body.split('\n');
    lines.next();
    let mut after_blank = false;
    let mut fence: Option<(char, usize)> = None;
    for line in lines {
        let content = line.trim_start_matches([' ', '\t', '>']);
        let mark = content.chars().next().filter(|c| matches!(c, '`' | '~'));
        if let Some(mark) = mark {
            let run = content.chars().take_while(|&c| c == mark).count();
            if run >= 3 {
                fence = match fence {
                    None => Some((mark, run)),
                    Some((open, len)) if open == mark && run >= len => None,
                    other => other,
                };
                after_blank = false;
                continue;
            }
        }
        if fence.is_some() {
            continue;
        }
        if content.trim().is_empty() {
            after_blank = true;
            continue;
        }
        if after_blank && (2..4).contains(&indent(line).saturating_sub(marker)) {
            return true;
        }
        after_blank = false;
    }
    false
}

/// Whether the line before the one holding `pos` is blank (block quote
/// markers count as blank).
fn blank_line_before(src: &str, pos: usize) -> bool {
    let Some(before) = src.get(..pos) else {
        return false;
    };
    let Some(newline) = before.rfind('\n') else {
        return false;
    };
    let prev = &before[..newline];
    let line_start = prev.rfind('\n').map_or(0, |i| i + 1);
    prev[line_start..]
        .bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'>'))
}

/// The inside of `{…}` after the optional `:` and spaces, if it has the
/// non-space, non-`}` first character attr_list requires.
fn attr_list_inner(inside: &str) -> Option<&str> {
    let inner = inside
        .strip_prefix(':')
        .unwrap_or(inside)
        .trim_start_matches(' ');
    match inner.chars().next() {
        None | Some('}') | Some('\n') => None,
        Some(_) => Some(inner.trim_end_matches(' ')),
    }
}

/// A paragraph's last line that is a whole attr list (`BLOCK_RE`).
fn block_attr_list(line: &str) -> Option<Attrs> {
    let line = line.trim_matches(' ');
    let inside = line.strip_prefix('{')?.strip_suffix('}')?;
    Some(parse_attrs(attr_list_inner(inside)?))
}

/// An attr list at the start of the text after an inline element
/// (`INLINE_RE`, up to the first `}`): bytes used and the attributes.
fn inline_attr_list(text: &str) -> Option<(usize, Attrs)> {
    let inside = text.strip_prefix('{')?;
    let close = inside.find('}')?;
    let inner = attr_list_inner(&inside[..close])?;
    Some((close + 2, parse_attrs(inner)))
}

/// attr_list's scanner: `#id`, `.class`, `key=value`, `key="v a l"`,
/// `key='v'`, and bare `word` (→ `word="word"`). Names that are not valid
/// XML-ish attribute names are dropped.
fn parse_attrs(inner: &str) -> Attrs {
    let mut attrs = Attrs::new();
    let bytes = inner.as_bytes();
    let stop = |b: u8| b == b' ' || b == b'=' || b == b'}' || b.is_ascii_whitespace();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let key_start = i;
        while i < bytes.len() && !stop(bytes[i]) {
            i += 1;
        }
        if i == key_start {
            i += 1;
            continue;
        }
        let key = &inner[key_start..i];
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            let value;
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let quote = bytes[i] as char;
                let value_start = i + 1;
                match inner[value_start..].find(quote) {
                    Some(len) => {
                        value = &inner[value_start..value_start + len];
                        i = value_start + len + 1;
                    }
                    None => {
                        value = &inner[value_start..];
                        i = bytes.len();
                    }
                }
            } else {
                let value_start = i;
                while i < bytes.len() && !stop(bytes[i]) {
                    i += 1;
                }
                value = &inner[value_start..i];
            }
            if valid_attr_name(key) {
                if key == "class" {
                    add_class(&mut attrs, value);
                } else {
                    set_attr(&mut attrs, key, value.to_string());
                }
            }
        } else if let Some(id) = key.strip_prefix('#') {
            if !id.is_empty() {
                set_attr(&mut attrs, "id", id.to_string());
            }
        } else if let Some(class) = key.strip_prefix('.') {
            add_class(&mut attrs, class);
        } else if valid_attr_name(key) {
            set_attr(&mut attrs, key, key.to_string());
        }
    }
    attrs
}

/// `[A-Za-z_:][-A-Za-z0-9_:.]*`
fn valid_attr_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
}

fn set_attr(attrs: &mut Attrs, key: &str, value: String) {
    match attrs.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value,
        None => attrs.push((key.to_string(), value)),
    }
}

fn add_class(attrs: &mut Attrs, class: &str) {
    if class.is_empty() {
        return;
    }
    match attrs.iter_mut().find(|(k, _)| k == "class") {
        Some(entry) => {
            entry.1.push(' ');
            entry.1.push_str(class);
        }
        None => attrs.push(("class".to_string(), class.to_string())),
    }
}

fn take_attr(attrs: &mut Attrs, key: &str) -> Option<String> {
    let index = attrs.iter().position(|(k, _)| k == key)?;
    Some(attrs.remove(index).1)
}

/// Python's `\w` (Unicode): letters, digits and `_`.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

// ---------------------------------------------------------------------------
// Step 2 and 3: items → HTML
// ---------------------------------------------------------------------------

/// How many open delimiters a closing one looks back through.
const OPENER_SEARCH: usize = 32;

/// Delimited spans paired across inline elements of the same level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delim {
    Ins,
    Del,
    Mark,
    CriticIns,
    CriticDel,
    CriticSub,
    CriticMark,
    CriticComment,
}

impl Delim {
    fn open(self) -> &'static str {
        match self {
            Delim::Ins => "<ins>",
            Delim::Del => "<del>",
            Delim::Mark => "<mark>",
            Delim::CriticIns => "<ins class=\"critic\">",
            Delim::CriticDel | Delim::CriticSub => "<del class=\"critic\">",
            Delim::CriticMark => "<mark class=\"critic\">",
            Delim::CriticComment => "<span class=\"critic comment\">",
        }
    }

    fn close(self) -> &'static str {
        match self {
            Delim::Ins | Delim::CriticIns | Delim::CriticSub => "</ins>",
            Delim::Del | Delim::CriticDel => "</del>",
            Delim::Mark | Delim::CriticMark => "</mark>",
            Delim::CriticComment => "</span>",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Opener {
    kind: Delim,
    depth: u32,
    item: usize,
    start: usize,
    /// `~>` of a critic substitution.
    middle: Option<(usize, usize)>,
}

#[derive(Debug, Clone, Copy)]
enum TokKind {
    Html(&'static str),
    Sup,
    Sub,
    Url,
    Www,
    Email,
}

/// A stretch `start..end` of text item `item` replaced by markup.
#[derive(Debug, Clone, Copy)]
struct Tok {
    item: usize,
    start: usize,
    end: usize,
    kind: TokKind,
}

struct HeadingCapture {
    level: u8,
    attrs: Attrs,
    saved: String,
    saved_after_open: bool,
}

struct ImageCapture {
    src: String,
    title: String,
    attrs: Attrs,
    alt: String,
}

struct Footnote {
    label: String,
    start: usize,
    end: usize,
    refs: u32,
}

struct Renderer<'c> {
    cx: &'c PageContext<'c>,
    pre: &'c Preprocessed,
    out: String,
    /// The last thing written is a block element's start tag.
    after_open: bool,
    /// Plain text of the heading being rendered.
    plain: Option<String>,
    heading: Option<HeadingCapture>,
    images: Vec<ImageCapture>,
    link_depth: usize,
    toks: Vec<Tok>,
    tok_pos: usize,
    run_end: usize,
    aligns: Vec<Alignment>,
    column: usize,
    in_table_head: bool,
    /// Open block containers (for critic blocks).
    depth: usize,
    critic_blocks: Vec<(&'static str, usize)>,
    code_index: usize,
    used_ids: UniqueIds,
    ids: Vec<String>,
    toc: Vec<TocEntry>,
    h1: Option<String>,
    problems: Vec<Problem>,
    has_diagrams: bool,
    footnotes: Vec<Footnote>,
    footnote_by_label: HashMap<String, usize>,
    /// Longest first, so that the longest abbreviation wins.
    abbrs: Vec<(&'c str, &'c str)>,
    abbr_first: [bool; 256],
    lines: LineIndex<'c>,
    /// The id of the last heading written (for tab ids).
    last_heading: Option<String>,
    /// Tab id markers already replaced → their ids.
    tab_ids: HashMap<String, String>,
    /// Something in the page needs the sanitizer: raw HTML of the
    /// author's, an attr_list attribute or a URL outside the trusted sets.
    /// Otherwise every tag and attribute is one this module wrote.
    untrusted: bool,
}

impl<'c> Renderer<'c> {
    fn new(
        pre: &'c Preprocessed,
        cx: &'c PageContext<'c>,
        explicit_ids: Vec<String>,
        lines: LineIndex<'c>,
    ) -> Renderer<'c> {
        let mut abbrs: Vec<(&str, &str)> = pre
            .abbreviations
            .iter()
            .filter(|(abbr, _)| !abbr.is_empty())
            .map(|(abbr, title)| (abbr.as_str(), title.as_str()))
            .collect();
        abbrs.sort_by_key(|(abbr, _)| std::cmp::Reverse(abbr.len()));
        let mut abbr_first = [false; 256];
        for (abbr, _) in &abbrs {
            abbr_first[abbr.as_bytes()[0] as usize] = true;
        }
        Renderer {
            cx,
            pre,
            out: String::with_capacity(pre.text.len() * 3 / 2),
            after_open: false,
            plain: None,
            heading: None,
            images: Vec::new(),
            link_depth: 0,
            toks: Vec::new(),
            tok_pos: 0,
            run_end: 0,
            aligns: Vec::new(),
            column: 0,
            in_table_head: false,
            depth: 0,
            critic_blocks: Vec::new(),
            code_index: 0,
            used_ids: {
                let mut used = UniqueIds::new();
                for id in &explicit_ids {
                    used.reserve(id);
                }
                used
            },
            ids: explicit_ids,
            toc: Vec::new(),
            h1: None,
            problems: Vec::new(),
            has_diagrams: false,
            footnotes: Vec::new(),
            footnote_by_label: HashMap::new(),
            abbrs,
            abbr_first,
            lines,
            last_heading: None,
            tab_ids: HashMap::new(),
            untrusted: false,
        }
    }

    fn run(&mut self, items: &[Item]) {
        // Footnotes are numbered in the order of their definitions.
        for (index, item) in items.iter().enumerate() {
            if let Event::Start(Tag::FootnoteDefinition(label)) = &item.ev {
                let key = label.to_lowercase();
                if !self.footnote_by_label.contains_key(&key) {
                    self.footnote_by_label.insert(key, self.footnotes.len());
                    self.footnotes.push(Footnote {
                        label: label.to_string(),
                        start: index,
                        end: item.partner.min(items.len()),
                        refs: 0,
                    });
                }
            }
        }
        self.render_range(items, 0, items.len());
        self.close_critic_blocks(0);
        self.render_footnotes(items);
        while self.out.ends_with('\n') {
            self.out.pop();
        }
    }

    fn finish(self, pre: &Preprocessed) -> RenderedPage {
        let mut problems = pre.problems.clone();
        problems.extend(self.problems);
        RenderedPage {
            html: self.out,
            toc: self.toc,
            h1: self.h1,
            ids: self.ids,
            front_matter: pre.front_matter.clone(),
            has_diagrams: self.has_diagrams,
            problems,
            needs_sanitizing: self.untrusted,
        }
    }

    // -- output -------------------------------------------------------------

    fn open_block(&mut self, tag: &str) {
        if self.after_open {
            self.out.push('\n');
        }
        self.out.push_str(tag);
        self.after_open = true;
    }

    fn close_block(&mut self, tag: &str) {
        self.out.push_str(tag);
        self.out.push('\n');
        self.after_open = false;
    }

    fn raw_block(&mut self, html: &str) {
        if self.after_open {
            self.out.push('\n');
        }
        self.out.push_str(html);
        if !html.ends_with('\n') {
            self.out.push('\n');
        }
        self.after_open = false;
    }

    fn inline(&mut self, html: &str) {
        self.out.push_str(html);
        self.after_open = false;
    }

    /// Escaped text, also recorded as plain text.
    fn text_out(&mut self, text: &str) {
        escape_text(&mut self.out, text);
        self.plain_push(text);
        self.after_open = false;
    }

    fn plain_push(&mut self, text: &str) {
        if let Some(plain) = &mut self.plain {
            plain.push_str(text);
        }
    }

    // -- walking items ------------------------------------------------------

    fn render_range(&mut self, items: &[Item], lo: usize, hi: usize) {
        let mut k = lo;
        while k < hi {
            if k >= self.run_end && is_inline(&items[k].ev) {
                let mut end = k;
                while end < hi && is_inline(&items[end].ev) {
                    end += 1;
                }
                self.toks = self.scan_run(items, k, end);
                self.tok_pos = 0;
                self.run_end = end;
            }
            k = self.item(items, k).max(k + 1);
        }
    }

    /// Renders `items[k]`; returns the index of the next item to render.
    fn item(&mut self, items: &[Item], k: usize) -> usize {
        let item = &items[k];
        if !self.images.is_empty() {
            return self.in_image(items, k);
        }
        match &item.ev {
            Event::Start(tag) => return self.start(items, k, tag),
            Event::End(end) => self.end(items, k, *end),
            Event::Text(_) => self.text(items, k),
            Event::Code(code) => self.code(code, item.attrs.as_deref()),
            Event::Html(html) => {
                if html.contains(TAB_MARK) && self.cx.options.tab_slugs.is_some() {
                    let html = self.tab_ids(html);
                    self.out.push_str(&html);
                } else {
                    self.out.push_str(html);
                }
                self.after_open = false;
            }
            Event::InlineHtml(html) => self.inline(html),
            Event::FootnoteReference(label) => self.footnote_ref(label),
            Event::SoftBreak => {
                self.inline("\n");
                self.plain_push(" ");
            }
            Event::HardBreak => {
                self.inline("<br />\n");
                self.plain_push(" ");
            }
            Event::Rule => self.raw_block("<hr />"),
            Event::TaskListMarker(checked) => self.inline(if *checked {
                "<label class=\"task-list-control\"><input type=\"checkbox\" disabled checked/><span class=\"task-list-indicator\"></span></label> "
            } else {
                "<label class=\"task-list-control\"><input type=\"checkbox\" disabled/><span class=\"task-list-indicator\"></span></label> "
            }),
            Event::InlineMath(text) | Event::DisplayMath(text) => self.text_out(text),
        }
        k + 1
    }

    /// Inside `![alt](src)`: only text counts, for the alt attribute.
    fn in_image(&mut self, items: &[Item], k: usize) -> usize {
        let item = &items[k];
        match &item.ev {
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                // A nested image: its alt joins the outer alt.
                self.images.push(ImageCapture {
                    src: dest_url.to_string(),
                    title: title.to_string(),
                    attrs: Attrs::new(),
                    alt: String::new(),
                });
            }
            Event::End(TagEnd::Image) => {
                if self.images.len() > 1 {
                    if let Some(inner) = self.images.pop()
                        && let Some(outer) = self.images.last_mut()
                    {
                        outer.alt.push_str(&inner.alt);
                    }
                } else {
                    self.finish_image();
                }
            }
            Event::Text(text) | Event::Code(text) | Event::InlineMath(text) => {
                if let Some(image) = self.images.last_mut() {
                    image.alt.push_str(text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(image) = self.images.last_mut() {
                    image.alt.push(' ');
                }
            }
            _ => {}
        }
        k + 1
    }

    fn start(&mut self, items: &[Item], k: usize, tag: &Tag) -> usize {
        let item = &items[k];
        match tag {
            Tag::Paragraph => {
                if let Some(next) = self.critic_block(items, k) {
                    return next;
                }
                if item.flags & BARE == 0 {
                    let html = start_tag("p", item.attrs.as_deref());
                    self.open_block(&html);
                }
            }
            Tag::Heading { level, .. } => {
                let saved = std::mem::take(&mut self.out);
                self.heading = Some(HeadingCapture {
                    level: *level as u8,
                    attrs: item.attrs.as_deref().cloned().unwrap_or_default(),
                    saved,
                    saved_after_open: self.after_open,
                });
                self.plain = Some(String::new());
                self.after_open = false;
            }
            Tag::BlockQuote(_) => {
                self.open_block("<blockquote>");
                self.depth += 1;
            }
            Tag::CodeBlock(kind) => return self.code_block(items, k, kind),
            Tag::HtmlBlock => {
                if self.after_open {
                    self.out.push('\n');
                }
                self.after_open = false;
            }
            Tag::List(start) => {
                let name = if start.is_some() { "ol" } else { "ul" };
                if item.flags & TASK_LIST != 0 {
                    self.open_block(&format!("<{name} class=\"task-list\">"));
                } else {
                    self.open_block(&format!("<{name}>"));
                }
                self.depth += 1;
            }
            Tag::Item => {
                if item.flags & SPLIT != 0 {
                    self.close_container("</ul>");
                    self.open_block(if item.flags & TASK_LIST != 0 {
                        "<ul class=\"task-list\">"
                    } else {
                        "<ul>"
                    });
                    self.depth += 1;
                }
                self.open_block(if item.flags & TASK_ITEM != 0 {
                    "<li class=\"task-list-item\">"
                } else {
                    "<li>"
                });
                self.depth += 1;
            }
            Tag::FootnoteDefinition(_) | Tag::MetadataBlock(_) => {
                // Footnotes are written at the end of the page.
                return item.partner.saturating_add(1);
            }
            Tag::DefinitionList => {
                self.open_block("<dl>");
                self.depth += 1;
            }
            Tag::DefinitionListTitle => {
                self.open_block("<dt>");
                self.depth += 1;
            }
            Tag::DefinitionListDefinition => {
                self.open_block("<dd>");
                self.depth += 1;
            }
            Tag::Table(aligns) => {
                self.aligns = aligns.clone();
                self.open_block("<table>");
            }
            Tag::TableHead => {
                self.open_block("<thead>");
                self.open_block("<tr>");
                self.in_table_head = true;
                self.column = 0;
            }
            Tag::TableRow => {
                self.open_block("<tr>");
                self.column = 0;
            }
            Tag::TableCell => {
                let name = if self.in_table_head { "th" } else { "td" };
                let style = match self.aligns.get(self.column) {
                    Some(Alignment::Left) => " style=\"text-align: left;\"",
                    Some(Alignment::Center) => " style=\"text-align: center;\"",
                    Some(Alignment::Right) => " style=\"text-align: right;\"",
                    _ => "",
                };
                self.open_block(&format!("<{name}{style}>"));
            }
            Tag::Emphasis => self.inline_tag("em", item.attrs.as_deref()),
            Tag::Strong => self.inline_tag("strong", item.attrs.as_deref()),
            Tag::Strikethrough => self.inline_tag("del", item.attrs.as_deref()),
            Tag::Superscript => self.inline_tag("sup", item.attrs.as_deref()),
            Tag::Subscript => self.inline_tag("sub", item.attrs.as_deref()),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                return self.link(items, k, *link_type, dest_url, title);
            }
            Tag::Image {
                dest_url, title, ..
            } => {
                let src = self.resolve(dest_url, LinkKind::Image, item.pos);
                self.images.push(ImageCapture {
                    src,
                    title: title.to_string(),
                    attrs: item.attrs.as_deref().cloned().unwrap_or_default(),
                    alt: String::new(),
                });
            }
        }
        k + 1
    }

    fn end(&mut self, items: &[Item], k: usize, end: TagEnd) {
        let item = &items[k];
        match end {
            TagEnd::Paragraph => {
                if item.flags & BARE == 0 {
                    self.close_block("</p>");
                }
            }
            TagEnd::Heading(_) => self.finish_heading(),
            TagEnd::BlockQuote(_) => self.close_container("</blockquote>"),
            TagEnd::CodeBlock | TagEnd::FootnoteDefinition | TagEnd::MetadataBlock(_) => {}
            TagEnd::HtmlBlock => {
                if !self.out.is_empty() && !self.out.ends_with('\n') {
                    self.out.push('\n');
                }
                self.after_open = false;
            }
            TagEnd::List(ordered) => self.close_container(if ordered { "</ol>" } else { "</ul>" }),
            TagEnd::Item => self.close_container("</li>"),
            TagEnd::DefinitionList => self.close_container("</dl>"),
            TagEnd::DefinitionListTitle => self.close_container("</dt>"),
            TagEnd::DefinitionListDefinition => self.close_container("</dd>"),
            TagEnd::Table => {
                self.close_block("</tbody>");
                self.close_block("</table>");
            }
            TagEnd::TableHead => {
                self.close_block("</tr>");
                self.close_block("</thead>");
                self.open_block("<tbody>");
                self.in_table_head = false;
            }
            TagEnd::TableRow => self.close_block("</tr>"),
            TagEnd::TableCell => {
                self.close_block(if self.in_table_head { "</th>" } else { "</td>" });
                self.column += 1;
            }
            TagEnd::Emphasis => self.inline("</em>"),
            TagEnd::Strong => self.inline("</strong>"),
            TagEnd::Strikethrough => self.inline("</del>"),
            TagEnd::Superscript => self.inline("</sup>"),
            TagEnd::Subscript => self.inline("</sub>"),
            TagEnd::Link => {
                self.link_depth = self.link_depth.saturating_sub(1);
                self.inline("</a>");
            }
            TagEnd::Image => self.finish_image(),
        }
    }

    fn close_container(&mut self, tag: &str) {
        self.close_critic_blocks(self.depth);
        self.close_block(tag);
        self.depth = self.depth.saturating_sub(1);
    }

    fn inline_tag(&mut self, name: &str, attrs: Option<&Attrs>) {
        let html = start_tag(name, attrs);
        self.inline(&html);
    }

    /// Replaces the preprocess pass's tab id markers (`slugify`): the
    /// label's slug, after the id of the last heading with
    /// `combine_header_slug`, made unique among the page's ids. The input
    /// and the label of one tab share a marker, so they get the same id.
    fn tab_ids(&mut self, html: &str) -> String {
        let Some(slugs) = self.cx.options.tab_slugs.clone() else {
            return html.to_string();
        };
        let mut out = String::with_capacity(html.len());
        let mut rest = html;
        while let Some(start) = rest.find(TAB_MARK) {
            out.push_str(&rest[..start]);
            let after = &rest[start + TAB_MARK.len_utf8()..];
            let Some(end) = after.find(TAB_MARK) else {
                out.push_str(&rest[start..]);
                return out;
            };
            let marker = &after[..end];
            let (key, slug) = marker.split_once(TAB_SLUG).unwrap_or((marker, ""));
            let id = match self.tab_ids.get(key) {
                Some(id) => id.clone(),
                None => {
                    let base = match (&self.last_heading, slugs.combine_header) {
                        (Some(h), true) => format!("{h}{}{slug}", slugs.separator),
                        _ => slug.to_string(),
                    };
                    let id = self.used_ids.unique(base);
                    self.ids.push(id.clone());
                    self.tab_ids.insert(key.to_string(), id.clone());
                    id
                }
            };
            escape_attr(&mut out, &id);
            rest = &after[end + TAB_MARK.len_utf8()..];
        }
        out.push_str(rest);
        out
    }

    // -- headings (§3.1) -----------------------------------------------------

    fn finish_heading(&mut self) {
        let Some(capture) = self.heading.take() else {
            return;
        };
        let inner = std::mem::replace(&mut self.out, capture.saved);
        self.after_open = capture.saved_after_open;
        let plain = self.plain.take().unwrap_or_default();
        let name = plain.trim();
        let level = capture.level;
        let mut attrs = capture.attrs;
        let toc_label = take_attr(&mut attrs, "data-toc-label");
        let id = match attrs.iter().find(|(k, _)| k == "id") {
            Some((_, id)) => id.clone(),
            None => {
                let id = self.used_ids.unique(slugify(name));
                attrs.push(("id".to_string(), id.clone()));
                self.ids.push(id.clone());
                id
            }
        };
        self.last_heading = Some(id.clone());
        if level >= 2 && level <= self.cx.options.toc_depth {
            self.toc.push(TocEntry {
                level,
                id: id.clone(),
                text: toc_label.unwrap_or_else(|| name.to_string()),
            });
        }
        if level == 1 && self.h1.is_none() {
            self.h1 = Some(name.to_string());
        }
        let open = start_tag(&format!("h{level}"), Some(&attrs));
        self.open_block(&open);
        self.out.push_str(&inner);
        if let Some(permalink) = self.cx.options.permalink.as_deref()
            && !permalink.is_empty()
        {
            self.out.push_str("<a class=\"headerlink\" href=\"#");
            escape_attr(&mut self.out, &id);
            self.out.push_str("\" title=\"Permanent link\">");
            if permalink == "¶" {
                self.out.push_str("&para;");
            } else {
                escape_text(&mut self.out, permalink);
            }
            self.out.push_str("</a>");
        }
        self.close_block(&format!("</h{level}>"));
    }

    // -- code (§3.2, §3.3, §3.21) --------------------------------------------

    fn code_block(&mut self, items: &[Item], k: usize, kind: &CodeBlockKind) -> usize {
        let end = items[k].partner.min(items.len());
        let mut code = String::new();
        for item in items.get(k + 1..end).unwrap_or_default() {
            if let Event::Text(text) = &item.ev {
                code.push_str(text);
            }
        }
        let info: &str = match kind {
            CodeBlockKind::Fenced(info) => info,
            CodeBlockKind::Indented => "",
        };
        let options = FenceOptions::parse(info);
        let diagram = options.language.as_deref().filter(|language| {
            self.cx
                .options
                .diagram_fences
                .iter()
                .any(|fence| fence == language)
        });
        if let Some(language) = diagram {
            // superfences' fence_code_format.
            self.has_diagrams = true;
            let mut html = String::with_capacity(code.len() + 40);
            html.push_str("<pre class=\"");
            escape_attr(&mut html, language);
            html.push_str("\"><code>");
            escape_text(&mut html, code.strip_suffix('\n').unwrap_or(&code));
            html.push_str("</code></pre>");
            self.raw_block(&html);
        } else {
            let html = self.cx.highlighter.block(&code, &options, self.code_index);
            self.code_index += 1;
            self.raw_block(&html);
        }
        end.saturating_add(1)
    }

    fn code(&mut self, code: &str, attrs: Option<&Attrs>) {
        if let Some((language, body)) = inline_hilite(code) {
            match self.cx.highlighter.inline(language, body) {
                Some(html) => self.inline(&html),
                None => {
                    self.inline("<code>");
                    escape_text(&mut self.out, body);
                    self.inline("</code>");
                }
            }
            self.plain_push(body);
            return;
        }
        let open = start_tag("code", attrs);
        self.inline(&open);
        escape_text(&mut self.out, code);
        self.plain_push(code);
        self.inline("</code>");
    }

    // -- links and images (§4) -------------------------------------------------

    fn resolve(&mut self, target: &str, kind: LinkKind, pos: usize) -> String {
        let url = match self.cx.links.resolve(target, kind) {
            Resolved::Rewritten(url) => url,
            Resolved::Unchanged => target.to_string(),
            Resolved::Problem(problem, message) => {
                self.problem_at(pos, problem, message);
                target.to_string()
            }
        };
        self.untrusted |= !trusted_url(&url);
        url
    }

    fn link(
        &mut self,
        items: &[Item],
        k: usize,
        link_type: LinkType,
        dest: &str,
        title: &str,
    ) -> usize {
        let item = &items[k];
        let mailto = dest
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("mailto:"));
        if link_type == LinkType::Email || (link_type == LinkType::Autolink && mailto) {
            // Python-Markdown's automail: every character entity-encoded.
            let address = if mailto { &dest[7..] } else { dest };
            self.email_link(address);
            return item.partner.saturating_add(1);
        }
        let href = self.resolve(dest, LinkKind::Link, item.pos);
        let mut attrs = vec![("href".to_string(), href)];
        if !title.is_empty() {
            attrs.push(("title".to_string(), title.to_string()));
        }
        merge_attrs(&mut attrs, item.attrs.as_deref());
        let html = start_tag("a", Some(&attrs));
        self.inline(&html);
        self.link_depth += 1;
        k + 1
    }

    fn email_link(&mut self, address: &str) {
        self.out.push_str("<a href=\"");
        for c in "mailto:".chars().chain(address.chars()) {
            let _ = write!(self.out, "&#{};", c as u32);
        }
        self.out.push_str("\">");
        for c in address.chars() {
            let _ = write!(self.out, "&#{};", c as u32);
        }
        self.out.push_str("</a>");
        self.plain_push(address);
        self.after_open = false;
    }

    fn finish_image(&mut self) {
        let Some(image) = self.images.pop() else {
            return;
        };
        let mut attrs = vec![
            ("alt".to_string(), image.alt),
            ("src".to_string(), image.src),
        ];
        if !image.title.is_empty() {
            attrs.push(("title".to_string(), image.title));
        }
        merge_attrs(&mut attrs, Some(&image.attrs));
        let mut html = start_tag("img", Some(&attrs));
        html.truncate(html.len() - 1);
        html.push_str(" />");
        self.inline(&html);
    }

    fn problem_at(&mut self, pos: usize, kind: ProblemKind, message: String) {
        let index = self.lines.line(pos);
        let (line, file) = self
            .pre
            .line_map
            .get(index)
            .cloned()
            .unwrap_or((u32::try_from(index + 1).unwrap_or(u32::MAX), None));
        self.problems.push(Problem {
            line,
            file,
            kind,
            message,
        });
    }

    // -- footnotes (§3.13) -----------------------------------------------------

    fn footnote_ref(&mut self, label: &str) {
        let Some(&index) = self.footnote_by_label.get(&label.to_lowercase()) else {
            self.text_out(&format!("[^{label}]"));
            return;
        };
        let footnote = &mut self.footnotes[index];
        footnote.refs += 1;
        let id = if footnote.refs == 1 {
            format!("fnref:{}", footnote.label)
        } else {
            format!("fnref{}:{}", footnote.refs, footnote.label)
        };
        let target = format!("fn:{}", footnote.label);
        self.out.push_str("<sup id=\"");
        escape_attr(&mut self.out, &id);
        self.out.push_str("\"><a class=\"footnote-ref\" href=\"#");
        escape_attr(&mut self.out, &target);
        let _ = write!(self.out, "\">{}</a></sup>", index + 1);
        self.after_open = false;
        self.ids.push(id);
    }

    fn render_footnotes(&mut self, items: &[Item]) {
        if self.footnotes.is_empty() {
            return;
        }
        self.after_open = false;
        self.open_block("<div class=\"footnote\">");
        self.raw_block("<hr />");
        self.open_block("<ol>");
        for index in 0..self.footnotes.len() {
            let (label, start, end) = {
                let f = &self.footnotes[index];
                (f.label.clone(), f.start, f.end)
            };
            let id = format!("fn:{label}");
            let mut open = String::from("<li id=\"");
            escape_attr(&mut open, &id);
            open.push_str("\">");
            self.open_block(&open);
            self.ids.push(id);
            self.depth += 1;
            let last_is_paragraph = end > start + 1
                && matches!(items.get(end - 1), Some(Item { ev: Event::End(TagEnd::Paragraph), flags, .. }) if flags & BARE == 0);
            self.run_end = 0;
            self.render_range(items, start + 1, end);
            // References inside footnotes count too, so build backlinks now.
            let refs = self.footnotes[index].refs.max(1);
            let mut backlinks = String::new();
            for r in 1..=refs {
                let ref_id = if r == 1 {
                    format!("fnref:{label}")
                } else {
                    format!("fnref{r}:{label}")
                };
                backlinks.push_str("<a class=\"footnote-backref\" href=\"#");
                escape_attr(&mut backlinks, &ref_id);
                let _ = write!(
                    backlinks,
                    "\" title=\"Jump back to footnote {} in the text\">&#8617;</a>",
                    index + 1
                );
            }
            if last_is_paragraph && self.out.ends_with("</p>\n") {
                // Python-Markdown appends the backlinks to a last paragraph.
                let at = self.out.len() - "</p>\n".len();
                self.out.insert_str(at, &format!("&#160;{backlinks}"));
            } else {
                self.open_block("<p>");
                self.inline(&backlinks);
                self.close_block("</p>");
            }
            self.close_critic_blocks(self.depth);
            self.close_block("</li>");
            self.depth = self.depth.saturating_sub(1);
        }
        self.close_block("</ol>");
        self.close_block("</div>");
    }

    // -- critic blocks (§3.16) -------------------------------------------------

    /// A paragraph that is only `{++` (`{--`, `{==`) opens a critic block,
    /// one that is only `++}` closes it.
    fn critic_block(&mut self, items: &[Item], k: usize) -> Option<usize> {
        let (Some(text), Some(end)) = (items.get(k + 1), items.get(k + 2)) else {
            return None;
        };
        let Event::Text(t) = &text.ev else {
            return None;
        };
        if !matches!(end.ev, Event::End(TagEnd::Paragraph)) || !text.specials.is_empty() {
            return None;
        }
        let (open, close) = match t.trim() {
            "{++" => ("<ins class=\"critic block\">", "</ins>"),
            "{--" => ("<del class=\"critic block\">", "</del>"),
            "{==" => ("<mark class=\"critic block\">", "</mark>"),
            closing @ ("++}" | "--}" | "==}") => {
                let close = match closing {
                    "++}" => "</ins>",
                    "--}" => "</del>",
                    _ => "</mark>",
                };
                match self.critic_blocks.last() {
                    Some(&(top, depth)) if top == close && depth == self.depth => {
                        self.critic_blocks.pop();
                        self.close_block(close);
                        return Some(k + 3);
                    }
                    _ => return None,
                }
            }
            _ => return None,
        };
        self.open_block(open);
        self.critic_blocks.push((close, self.depth));
        Some(k + 3)
    }

    fn close_critic_blocks(&mut self, depth: usize) {
        while let Some(&(close, d)) = self.critic_blocks.last() {
            if d < depth {
                break;
            }
            self.critic_blocks.pop();
            self.close_block(close);
        }
    }

    // -- inline extensions (§3.16–3.18) ----------------------------------------

    /// Pairs span delimiters and finds `^sup^`, `~sub~` and magic links in
    /// the inline run `lo..hi`.
    fn scan_run(&self, items: &[Item], lo: usize, hi: usize) -> Vec<Tok> {
        let mut toks = Vec::new();
        let mut stack: Vec<Opener> = Vec::new();
        let mut depth = 0u32;
        let mut links = 0u32;
        let mut images = 0u32;
        for k in lo..hi {
            match &items[k].ev {
                Event::Start(tag) => {
                    depth += 1;
                    match tag {
                        Tag::Link { .. } => links += 1,
                        Tag::Image { .. } => images += 1,
                        _ => {}
                    }
                }
                Event::End(end) => {
                    while stack.last().is_some_and(|o| o.depth >= depth) {
                        stack.pop();
                    }
                    depth = depth.saturating_sub(1);
                    match end {
                        TagEnd::Link => links = links.saturating_sub(1),
                        TagEnd::Image => images = images.saturating_sub(1),
                        _ => {}
                    }
                }
                Event::Text(text) if images == 0 => {
                    let prev_space = k == lo
                        || match &items[k - 1].ev {
                            Event::SoftBreak | Event::HardBreak => true,
                            Event::Text(t) => t.chars().next_back().is_none_or(char::is_whitespace),
                            _ => false,
                        };
                    let next_space = k + 1 >= hi
                        || matches!(items[k + 1].ev, Event::SoftBreak | Event::HardBreak);
                    let scan = TextScan {
                        item: k,
                        text,
                        specials: &items[k].specials,
                        depth,
                        in_link: links > 0,
                        prev_space,
                        next_space,
                    };
                    scan.run(&mut stack, &mut toks);
                }
                _ => {}
            }
        }
        toks.sort_by_key(|t| (t.item, t.start));
        toks
    }

    fn text(&mut self, items: &[Item], k: usize) {
        let item = &items[k];
        let Event::Text(text) = &item.ev else { return };
        let text: &str = text;
        let mut last = 0;
        while let Some(&tok) = self.toks.get(self.tok_pos) {
            if tok.item > k {
                break;
            }
            self.tok_pos += 1;
            if tok.item < k || tok.start < last || tok.end > text.len() {
                continue;
            }
            self.literal(text, &item.specials, last, tok.start);
            self.token(text, tok);
            last = tok.end;
        }
        self.literal(text, &item.specials, last, text.len());
    }

    fn token(&mut self, text: &str, tok: Tok) {
        let span = text.get(tok.start..tok.end).unwrap_or("");
        match tok.kind {
            TokKind::Html(html) => self.inline(html),
            TokKind::Sup | TokKind::Sub => {
                let (open, close) = match tok.kind {
                    TokKind::Sup => ("<sup>", "</sup>"),
                    _ => ("<sub>", "</sub>"),
                };
                let inner = span.get(1..span.len().saturating_sub(1)).unwrap_or("");
                self.inline(open);
                self.text_out(&inner.replace("\\ ", " "));
                self.inline(close);
            }
            TokKind::Url | TokKind::Www => {
                self.untrusted |= !trusted_url(span);
                self.out.push_str("<a href=\"");
                if matches!(tok.kind, TokKind::Www) {
                    self.out.push_str("http://");
                }
                escape_attr(&mut self.out, span);
                self.out.push_str("\">");
                self.text_out(span);
                self.inline("</a>");
            }
            TokKind::Email => self.email_link(span),
        }
    }

    /// Text outside tokens: specials as written, the rest through the
    /// literal extensions.
    fn literal(&mut self, text: &str, specials: &[Special], from: usize, to: usize) {
        if from >= to {
            return;
        }
        let mut cur = from;
        let first = specials.partition_point(|s| s.start < from);
        for special in &specials[first..] {
            if special.end > to {
                if special.start >= to {
                    break;
                }
                continue;
            }
            self.extensions(text.get(cur..special.start).unwrap_or(""));
            let piece = text.get(special.start..special.end).unwrap_or("");
            match special.raw {
                Some(raw) => {
                    self.inline(raw);
                    self.plain_push(piece);
                }
                None => self.text_out(piece),
            }
            cur = special.end;
        }
        self.extensions(text.get(cur..to).unwrap_or(""));
    }

    /// Abbreviations, emoji and smart symbols on literal text, escaping the
    /// rest.
    fn extensions(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut last = 0;
        let mut p = 0;
        let mut emoji_from = 0;
        while p < bytes.len() {
            let c = bytes[p];
            let prev = s[..p].chars().next_back();
            let mut hit: Option<(usize, Replacement)> = None;
            if self.abbr_first[c as usize] {
                hit = self.abbreviation(s, p, prev);
            }
            if hit.is_none() {
                hit = match c {
                    b':' if p >= emoji_from => match emoji(s, p) {
                        EmojiMatch::Found(end, emoji) => Some((end, Replacement::Emoji(emoji))),
                        EmojiMatch::Unknown(end)
                            if self.cx.options.material_icons && is_icon(&s[p..end]) =>
                        {
                            Some((end, Replacement::Icon))
                        }
                        EmojiMatch::Unknown(end) => {
                            emoji_from = end;
                            None
                        }
                        EmojiMatch::None => None,
                    },
                    _ => smart_symbol(s, p, prev),
                };
            }
            match hit {
                Some((end, replacement)) => {
                    self.text_out(&s[last..p]);
                    self.replacement(&s[p..end], replacement);
                    p = end;
                    last = end;
                }
                None => p += utf8_len(c),
            }
        }
        if last < s.len() {
            self.text_out(&s[last..]);
        }
    }

    fn abbreviation(&self, s: &str, p: usize, prev: Option<char>) -> Option<(usize, Replacement)> {
        let rest = &s[p..];
        let first = rest.chars().next()?;
        if prev.is_some_and(is_word_char) == is_word_char(first) {
            return None; // no \b before
        }
        for (index, (abbr, _)) in self.abbrs.iter().enumerate() {
            if !rest.starts_with(abbr) {
                continue;
            }
            let last = abbr.chars().next_back()?;
            let next = rest[abbr.len()..].chars().next();
            if is_word_char(last) != next.is_some_and(is_word_char) {
                return Some((p + abbr.len(), Replacement::Abbr(index)));
            }
        }
        None
    }

    fn replacement(&mut self, matched: &str, replacement: Replacement) {
        match replacement {
            Replacement::Symbol(html, plain) => {
                self.inline(html);
                self.plain_push(plain);
            }
            Replacement::Ordinal(digits) => {
                self.text_out(&matched[..digits]);
                self.inline("<sup>");
                self.text_out(&matched[digits..]);
                self.inline("</sup>");
            }
            // An icon of Material's sets, which Backlot does not bundle.
            Replacement::Icon => {}
            Replacement::Emoji(emoji) => {
                self.out.push_str("<span class=\"emoji\" title=\"");
                escape_attr(&mut self.out, matched);
                self.out.push_str("\">");
                self.out.push_str(emoji);
                self.out.push_str("</span>");
                // Not in the TOC text: MkDocs' emoji are images, which
                // the toc extension's text leaves out.
                self.after_open = false;
            }
            Replacement::Abbr(index) => {
                let title = self.abbrs.get(index).map_or("", |(_, title)| *title);
                self.out.push_str("<abbr title=\"");
                escape_attr(&mut self.out, title);
                self.out.push_str("\">");
                self.text_out(matched);
                self.inline("</abbr>");
            }
        }
    }
}

/// One text item being scanned for delimiters and magic links.
struct TextScan<'t> {
    item: usize,
    text: &'t str,
    specials: &'t [Special<'t>],
    depth: u32,
    in_link: bool,
    /// Whether whitespace (or the start of the block) comes before the text.
    prev_space: bool,
    /// Whether whitespace (or the end of the block) comes after the text.
    next_space: bool,
}

impl TextScan<'_> {
    /// Whether `start..start + len` overlaps no special.
    fn free(&self, start: usize, len: usize) -> bool {
        let first = self.specials.partition_point(|s| s.end <= start);
        self.specials
            .get(first)
            .is_none_or(|s| s.start >= start + len)
    }

    fn space_before(&self, p: usize) -> bool {
        match self.text[..p].chars().next_back() {
            Some(c) => c.is_whitespace(),
            None => self.prev_space,
        }
    }

    fn space_at(&self, p: usize) -> bool {
        match self.text.get(p..).and_then(|s| s.chars().next()) {
            Some(c) => c.is_whitespace(),
            None => self.next_space,
        }
    }

    fn run(&self, stack: &mut Vec<Opener>, toks: &mut Vec<Tok>) {
        let text = self.text;
        let bytes = text.as_bytes();
        let n = bytes.len();
        let has_at = !self.in_link && bytes.contains(&b'@');
        let has_url = !self.in_link
            && (text.contains("://") || bytes.windows(4).any(|w| w.eq_ignore_ascii_case(b"www.")));
        let mut special = 0;
        let mut p = 0;
        while p < n {
            while special < self.specials.len() && self.specials[special].end <= p {
                special += 1;
            }
            if let Some(s) = self.specials.get(special)
                && s.start <= p
            {
                p = s.end;
                continue;
            }
            let c = bytes[p];
            // Critic markup.
            if c == b'{' && p + 2 < n && self.free(p, 3) {
                let kind = match &bytes[p + 1..p + 3] {
                    b"++" => Some(Delim::CriticIns),
                    b"--" => Some(Delim::CriticDel),
                    b"~~" => Some(Delim::CriticSub),
                    b"==" => Some(Delim::CriticMark),
                    b">>" => Some(Delim::CriticComment),
                    _ => None,
                };
                if let Some(kind) = kind {
                    stack.push(Opener {
                        kind,
                        depth: self.depth,
                        item: self.item,
                        start: p,
                        middle: None,
                    });
                    p += 3;
                    continue;
                }
            }
            if matches!(c, b'+' | b'-' | b'~' | b'=' | b'<')
                && p + 2 < n
                && bytes[p + 1] == c
                && bytes[p + 2] == b'}'
                && self.free(p, 3)
            {
                let kind = match c {
                    b'+' => Delim::CriticIns,
                    b'-' => Delim::CriticDel,
                    b'~' => Delim::CriticSub,
                    b'=' => Delim::CriticMark,
                    _ => Delim::CriticComment,
                };
                if let Some(index) = self.find_opener(stack, kind) {
                    let opener = stack[index];
                    stack.truncate(index);
                    toks.push(Tok {
                        item: opener.item,
                        start: opener.start,
                        end: opener.start + 3,
                        kind: TokKind::Html(kind.open()),
                    });
                    if let Some((item, start)) = opener.middle {
                        toks.push(Tok {
                            item,
                            start,
                            end: start + 2,
                            kind: TokKind::Html("</del><ins class=\"critic\">"),
                        });
                    }
                    toks.push(Tok {
                        item: self.item,
                        start: p,
                        end: p + 3,
                        kind: TokKind::Html(kind.close()),
                    });
                    p += 3;
                    continue;
                }
            }
            if c == b'~' && p + 1 < n && bytes[p + 1] == b'>' && self.free(p, 2) {
                let depth = self.depth;
                if let Some(opener) =
                    stack.iter_mut().rev().take(OPENER_SEARCH).find(|o| {
                        o.depth == depth && o.kind == Delim::CriticSub && o.middle.is_none()
                    })
                {
                    opener.middle = Some((self.item, p));
                    p += 2;
                    continue;
                }
            }
            // caret, tilde, mark.
            if matches!(c, b'^' | b'~' | b'=') {
                let mut run = 1;
                while p + run < n && bytes[p + run] == c && self.free(p + run, 1) {
                    run += 1;
                }
                if run == 2 {
                    let kind = match c {
                        b'^' => Delim::Ins,
                        b'~' => Delim::Del,
                        _ => Delim::Mark,
                    };
                    if !self.space_before(p)
                        && let Some(index) = self.find_opener(stack, kind)
                    {
                        let opener = stack[index];
                        stack.truncate(index);
                        toks.push(Tok {
                            item: opener.item,
                            start: opener.start,
                            end: opener.start + 2,
                            kind: TokKind::Html(kind.open()),
                        });
                        toks.push(Tok {
                            item: self.item,
                            start: p,
                            end: p + 2,
                            kind: TokKind::Html(kind.close()),
                        });
                    } else if !self.space_at(p + 2) {
                        stack.push(Opener {
                            kind,
                            depth: self.depth,
                            item: self.item,
                            start: p,
                            middle: None,
                        });
                    }
                    p += 2;
                    continue;
                }
                if run == 1
                    && c != b'='
                    && let Some(close) = self.single(p, c)
                {
                    let kind = if c == b'^' {
                        TokKind::Sup
                    } else {
                        TokKind::Sub
                    };
                    toks.push(Tok {
                        item: self.item,
                        start: p,
                        end: close + 1,
                        kind,
                    });
                    p = close + 1;
                    continue;
                }
                p += run;
                continue;
            }
            // Magic links (not inside Markdown links).
            if has_url && matches!(c, b'h' | b'H' | b'f' | b'F' | b'w' | b'W') {
                let prev = text[..p].chars().next_back();
                if !prev.is_some_and(char::is_alphanumeric)
                    && let Some((end, www)) = match_url(text, p)
                {
                    toks.push(Tok {
                        item: self.item,
                        start: p,
                        end,
                        kind: if www { TokKind::Www } else { TokKind::Url },
                    });
                    p = end;
                    continue;
                }
            }
            if has_at
                && is_mail_local_start(c)
                && (p == 0 || !is_mail_lookbehind(bytes[p - 1]))
                && let Some(end) = match_email(bytes, p)
            {
                toks.push(Tok {
                    item: self.item,
                    start: p,
                    end,
                    kind: TokKind::Email,
                });
                p = end;
                continue;
            }
            p += utf8_len(c);
        }
    }

    /// The nearest open delimiter of `kind` at this level. Only the last
    /// [`OPENER_SEARCH`] openers are searched, which keeps hostile input
    /// (thousands of unmatched openers) linear.
    fn find_opener(&self, stack: &[Opener], kind: Delim) -> Option<usize> {
        let floor = stack.len().saturating_sub(OPENER_SEARCH);
        let index = floor
            + stack[floor..]
                .iter()
                .rposition(|o| o.depth == self.depth && o.kind == kind)?;
        if kind == Delim::CriticSub && stack[index].middle.is_none() {
            return None;
        }
        Some(index)
    }

    /// `^sup^` / `~sub~`: the closing mark of a single-character span with
    /// no unescaped whitespace inside.
    fn single(&self, p: usize, mark: u8) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let first = *bytes.get(p + 1)?;
        if first == mark || first.is_ascii_whitespace() {
            return None;
        }
        let mut q = p + 1;
        while q < bytes.len() {
            let b = bytes[q];
            if b == b'\\' && bytes.get(q + 1) == Some(&b' ') {
                q += 2;
                continue;
            }
            if b.is_ascii_whitespace()
                || (b >= 0x80
                    && self.text[q..]
                        .chars()
                        .next()
                        .is_some_and(char::is_whitespace))
            {
                return None;
            }
            if b == mark && self.free(q, 1) {
                if bytes.get(q + 1) == Some(&mark) || bytes[q - 1] == b'\\' {
                    return None;
                }
                return Some(q);
            }
            q += utf8_len(b);
        }
        None
    }
}

fn is_mail_local_start(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'_')
}

/// `(?<![-/\+@a-z\d_])`
fn is_mail_lookbehind(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'+' | b'@' | b'_')
}

/// magiclink's `RE_MAIL`, from a local-part start: the end of the address.
fn match_email(bytes: &[u8], start: usize) -> Option<usize> {
    // Local part: [-+a-z\d_] ([-a-z\d_+] | \.(?!\.))*, not ending in '.'.
    let mut i = start + 1;
    while i < bytes.len() && i - start < 256 {
        let b = bytes[i];
        if is_mail_local_start(b) || (b == b'.' && bytes.get(i + 1) != Some(&b'.')) {
            i += 1;
        } else {
            break;
        }
    }
    if bytes.get(i) != Some(&b'@') || bytes[i - 1] == b'.' {
        return None;
    }
    // Domain: [-a-z\d_]+ \. then ([-a-z\d_] | single dots)* ending in a
    // letter at a word boundary, not followed by '-' or '@'.
    let domain = i + 1;
    let label = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let mut j = domain;
    while j < bytes.len() && label(bytes[j]) {
        j += 1;
    }
    if j == domain || bytes.get(j) != Some(&b'.') {
        return None;
    }
    let first_dot = j;
    let mut end = j + 1;
    while end < bytes.len() && (label(bytes[end]) || (bytes[end] == b'.' && bytes[end - 1] != b'.'))
    {
        end += 1;
    }
    // Backtrack to the last letter that ends a word and is not followed by
    // '-' or '@'.
    let mut e = end;
    while e > first_dot + 1 {
        let last = bytes[e - 1];
        let next = bytes.get(e).copied();
        let next_is_word =
            next.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80);
        if last.is_ascii_alphabetic() && !next_is_word && !matches!(next, Some(b'-' | b'@')) {
            return Some(e);
        }
        e -= 1;
    }
    None
}

/// magiclink's `RE_LINK` at `start`: the end of the URL and whether it is
/// the `www.` form (linked as `http://`).
fn match_url(text: &str, start: usize) -> Option<(usize, bool)> {
    let rest = &text[start..];
    let lower = |n: usize| rest.get(..n).map(str::to_ascii_lowercase);
    let (host_start, www) = if let Some(scheme) = ["https://", "http://", "ftps://", "ftp://"]
        .iter()
        .find(|s| lower(s.len()).as_deref() == Some(**s))
    {
        (start + scheme.len(), false)
    } else if lower(4).as_deref() == Some("www.") {
        (start + 4, true)
    } else {
        return None;
    };
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let host_char = |c: char| word(c) || c == '-' || c == '.';
    let path_char = |c: char| host_char(c) || "?,!'(){}[]/+&@%$#=:\"|~;".contains(c);
    let end_char = |c: char| (word(c) && c != '_') || "-/#@$+=".contains(c);
    let host = &text[host_start..];
    let first = host.chars().next()?;
    // localhost is allowed without a dot (not for www.).
    let localhost = !www
        && host
            .get(..9)
            .is_some_and(|h| h.eq_ignore_ascii_case("localhost"));
    if !(localhost || (word(first) && first != '_')) {
        return None;
    }
    let host_len: usize = host
        .chars()
        .take_while(|&c| host_char(c))
        .map(char::len_utf8)
        .sum();
    // (?:\.[-\w.]+)+ : a dot with something after it inside the host.
    let min_end = if localhost {
        host_start + 9
    } else {
        let skip = first.len_utf8();
        let dot = host.get(skip..host_len)?.find('.')? + skip;
        if dot + 1 >= host_len {
            return None;
        }
        host_start + dot + 2
    };
    let run: usize = host
        .chars()
        .take_while(|&c| path_char(c))
        .map(char::len_utf8)
        .sum();
    let mut end = host_start + run;
    while end > min_end {
        let c = text[..end].chars().next_back()?;
        if end_char(c) {
            return Some((end, www));
        }
        end -= c.len_utf8();
    }
    let c = text[..end].chars().next_back()?;
    (end == min_end && end_char(c)).then_some((end, www))
}

enum Replacement {
    Symbol(&'static str, &'static str),
    /// Digits then `st`/`nd`/`rd`/`th`; the digit count.
    Ordinal(usize),
    Emoji(&'static str),
    Icon,
    Abbr(usize),
}

/// Emoji (and, with Material's index, icon) shortcodes of a plain text as
/// HTML, for titles and tab labels that the preprocess pass renders; `None`
/// when the text has none.
pub(super) fn shortcodes_html(text: &str, material_icons: bool) -> Option<String> {
    if !text.contains(':') {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 32);
    let mut last = 0;
    let mut p = 0;
    let mut changed = false;
    let bytes = text.as_bytes();
    while p < bytes.len() {
        if bytes[p] != b':' {
            p += 1;
            continue;
        }
        let (end, html) = match emoji(text, p) {
            EmojiMatch::Found(end, emoji) => {
                let mut html = String::from("<span class=\"emoji\" title=\"");
                escape_attr(&mut html, &text[p..end]);
                html.push_str("\">");
                html.push_str(emoji);
                html.push_str("</span>");
                (end, html)
            }
            EmojiMatch::Unknown(end) if material_icons && is_icon(&text[p..end]) => {
                (end, String::new())
            }
            _ => {
                p += 1;
                continue;
            }
        };
        escape_text(&mut out, &text[last..p]);
        out.push_str(&html);
        p = end;
        last = end;
        changed = true;
    }
    if !changed {
        return None;
    }
    escape_text(&mut out, &text[last..]);
    Some(out.trim().to_string())
}

/// `:material-…:`-style shortcodes of the icon sets Material ships.
fn is_icon(shortcode: &str) -> bool {
    let name = shortcode.trim_matches(':');
    ["material-", "octicons-", "fontawesome-", "simple-"]
        .iter()
        .any(|set| name.starts_with(set))
}

enum EmojiMatch {
    Found(usize, &'static str),
    Unknown(usize),
    None,
}

/// `:shortcode:` (`[+\-\w]+`) looked up in GitHub's emoji set.
fn emoji(s: &str, p: usize) -> EmojiMatch {
    let bytes = s.as_bytes();
    let mut q = p + 1;
    while q < bytes.len()
        && (bytes[q].is_ascii_alphanumeric() || matches!(bytes[q], b'_' | b'+' | b'-'))
    {
        q += 1;
    }
    if q == p + 1 || bytes.get(q) != Some(&b':') {
        return EmojiMatch::None;
    }
    match lookup_emoji(&s[p + 1..q]) {
        Some(emoji) => EmojiMatch::Found(q + 1, emoji),
        None => EmojiMatch::Unknown(q + 1),
    }
}

/// GitHub's shortcodes; EmojiOne/Twemoji's `man_…`/`woman_…` names are
/// tried as GitHub's `…_man`/`…_woman` (`:man_raising_hand:`).
fn lookup_emoji(name: &str) -> Option<&'static str> {
    if let Some(emoji) = emojis::get_by_shortcode(name) {
        return Some(emoji.as_str());
    }
    let (person, rest) = name
        .strip_prefix("man_")
        .map(|rest| ("man", rest))
        .or_else(|| name.strip_prefix("woman_").map(|rest| ("woman", rest)))?;
    emojis::get_by_shortcode(&format!("{rest}_{person}")).map(|e| e.as_str())
}

const FRACTIONS: [(&str, &str, &str); 15] = [
    ("1/4", "&frac14;", "¼"),
    ("1/2", "&frac12;", "½"),
    ("3/4", "&frac34;", "¾"),
    ("1/3", "&#8531;", "⅓"),
    ("2/3", "&#8532;", "⅔"),
    ("1/5", "&#8533;", "⅕"),
    ("2/5", "&#8534;", "⅖"),
    ("3/5", "&#8535;", "⅗"),
    ("4/5", "&#8536;", "⅘"),
    ("1/6", "&#8537;", "⅙"),
    ("5/6", "&#8538;", "⅚"),
    ("1/8", "&#8539;", "⅛"),
    ("3/8", "&#8540;", "⅜"),
    ("5/8", "&#8541;", "⅝"),
    ("7/8", "&#8542;", "⅞"),
];

/// pymdownx.smartsymbols at `p`.
fn smart_symbol(s: &str, p: usize, prev: Option<char>) -> Option<(usize, Replacement)> {
    let rest = &s[p..];
    let bytes = rest.as_bytes();
    let after = |n: usize| rest.get(n..).and_then(|r| r.chars().next());
    let symbol = |len: usize, html: &'static str, plain: &'static str| {
        Some((p + len, Replacement::Symbol(html, plain)))
    };
    match bytes[0] {
        b'(' => {
            if rest.starts_with("(tm)") {
                symbol(4, "&trade;", "™")
            } else if rest.starts_with("(c)") {
                symbol(3, "&copy;", "©")
            } else if rest.starts_with("(r)") {
                symbol(3, "&reg;", "®")
            } else {
                None
            }
        }
        b'+' if rest.starts_with("+/-") => symbol(3, "&plusmn;", "±"),
        b'=' if rest.starts_with("=/=") => symbol(3, "&ne;", "≠"),
        b'<' if rest.starts_with("<-->") => symbol(4, "&harr;", "↔"),
        b'<' if rest.starts_with("<--") && after(3) != Some('-') => symbol(3, "&larr;", "←"),
        b'-' if rest.starts_with("-->") && prev != Some('-') => symbol(3, "&rarr;", "→"),
        b'c' if rest.starts_with("c/o")
            && !prev.is_some_and(is_word_char)
            && !after(3).is_some_and(is_word_char) =>
        {
            symbol(3, "&#8453;", "℅")
        }
        b'0'..=b'9' => {
            let prev_digit = prev.is_some_and(|c| c.is_numeric());
            if !prev_digit
                && let Some((_, html, plain)) =
                    FRACTIONS.iter().find(|(f, _, _)| rest.starts_with(f))
                && !after(3).is_some_and(|c| c.is_numeric())
            {
                return symbol(3, html, plain);
            }
            if prev.is_some_and(is_word_char) {
                return None;
            }
            ordinal(rest).map(|(len, digits)| (p + len, Replacement::Ordinal(digits)))
        }
        _ => None,
    }
}

/// `\b(?:[1-9][0-9]*)?(?:(?<=1)[123]th|1st|2nd|3rd|[04-9]th)\b`: length and
/// digit count.
fn ordinal(rest: &str) -> Option<(usize, usize)> {
    let bytes = rest.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || (digits > 1 && bytes[0] == b'0') {
        return None;
    }
    let suffix = rest.get(digits..digits + 2)?;
    let last = bytes[digits - 1];
    let before_last = if digits > 1 {
        Some(bytes[digits - 2])
    } else {
        None
    };
    let ok = match suffix {
        "st" => last == b'1',
        "nd" => last == b'2',
        "rd" => last == b'3',
        "th" => {
            matches!(last, b'0' | b'4'..=b'9')
                || (matches!(last, b'1'..=b'3') && before_last == Some(b'1'))
        }
        _ => false,
    };
    if !ok || rest[digits + 2..].chars().next().is_some_and(is_word_char) {
        return None;
    }
    Some((digits + 2, digits))
}

/// inlinehilite: `` `#!lang code` `` or `` `:::lang code` ``.
fn inline_hilite(code: &str) -> Option<(&str, &str)> {
    let rest = code
        .strip_prefix("#!")
        .or_else(|| code.strip_prefix(":::"))?;
    let lang_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'#' | b'.' | b'+' | b'-'))
        .count();
    if lang_len == 0 {
        return None;
    }
    let (language, body) = rest.split_at(lang_len);
    if !body.starts_with(char::is_whitespace) {
        return None;
    }
    let body = body.trim_start();
    if body.is_empty() {
        return None;
    }
    Some((language, body))
}

fn is_inline(ev: &Event) -> bool {
    match ev {
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineHtml(_)
        | Event::FootnoteReference(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::TaskListMarker(_)
        | Event::InlineMath(_) => true,
        Event::Start(tag) => matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        ),
        Event::End(end) => matches!(
            end,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image
        ),
        _ => false,
    }
}

fn utf8_len(first_byte: u8) -> usize {
    match first_byte {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Attributes of attr_list over the element's own (attr_list wins).
fn merge_attrs(attrs: &mut Attrs, extra: Option<&Attrs>) {
    for (k, v) in extra.into_iter().flatten() {
        set_attr(attrs, k, v.clone());
    }
}

/// `<name a="…" b="…">` with attributes sorted by name, as Python-Markdown
/// serialises them.
fn start_tag(name: &str, attrs: Option<&Attrs>) -> String {
    let mut html = String::with_capacity(name.len() + 2);
    html.push('<');
    html.push_str(name);
    if let Some(attrs) = attrs {
        let mut sorted: Vec<&(String, String)> = attrs.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (k, v) in sorted {
            html.push(' ');
            html.push_str(k);
            html.push_str("=\"");
            escape_attr(&mut html, v);
            html.push('"');
        }
    }
    html.push('>');
    html
}

/// Python-Markdown's text escaping: `&`, `<`, `>`.
fn escape_text(out: &mut String, s: &str) {
    escape(out, s, false);
}

/// Attribute escaping: `&`, `<`, `>`, `"`.
fn escape_attr(out: &mut String, s: &str) {
    escape(out, s, true);
}

/// Python-Markdown's escaping (no `'`, unlike `highlight::escape_into`: the
/// output must match its bytes).
fn escape(out: &mut String, s: &str, quote: bool) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if quote => "&quot;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::markdown::{CodeHighlighter, LinkResolver, MarkdownOptions, SnippetLoader};

    /// Stand-ins for the docs stage: links ending in `.md` become
    /// directory URLs, `missing…` targets are broken, code is wrapped in a
    /// marker `<pre>` and only `python` highlights inline.
    struct Fake;

    impl SnippetLoader for Fake {
        fn load(&self, path: &str) -> Result<String, String> {
            Err(format!("no snippet {path}"))
        }
    }

    impl LinkResolver for Fake {
        fn resolve(&self, target: &str, kind: LinkKind) -> Resolved {
            if target.contains("missing") {
                return Resolved::Problem(
                    ProblemKind::BrokenLink,
                    format!("{kind:?} target {target} not found"),
                );
            }
            if let Some(page) = target.strip_suffix(".md") {
                return Resolved::Rewritten(format!("../{page}/"));
            }
            if let Some(rest) = target.strip_prefix("../images/") {
                return Resolved::Rewritten(format!("../../images/{rest}"));
            }
            Resolved::Unchanged
        }
    }

    impl CodeHighlighter for Fake {
        fn block(&self, code: &str, options: &FenceOptions, index: usize) -> String {
            let mut html = format!(
                "<pre data-block=\"{index}\" data-lang=\"{}\"><code>",
                options.language.as_deref().unwrap_or("text")
            );
            escape_text(&mut html, code);
            html.push_str("</code></pre>");
            html
        }

        fn inline(&self, language: &str, code: &str) -> Option<String> {
            (language == "python").then(|| {
                let mut html = String::from("<code class=\"language-python highlight\">");
                escape_text(&mut html, code);
                html.push_str("</code>");
                html
            })
        }
    }

    fn preprocessed(markdown: &str, first_line: u32) -> Preprocessed {
        let lines = markdown.split('\n').count() as u32;
        Preprocessed {
            text: markdown.to_string(),
            line_map: (0..lines).map(|l| (first_line + l, None)).collect(),
            ..Default::default()
        }
    }

    fn render_with(pre: &Preprocessed, options: &MarkdownOptions) -> RenderedPage {
        let cx = PageContext {
            options,
            snippets: &Fake,
            links: &Fake,
            highlighter: &Fake,
        };
        render(pre, &cx)
    }

    fn page(markdown: &str) -> RenderedPage {
        render_with(&preprocessed(markdown, 1), &MarkdownOptions::default())
    }

    /// Renders `markdown` with the default options and compares the HTML.
    #[track_caller]
    fn check(markdown: &str, expected: &str) {
        let html = page(markdown).html;
        assert_eq!(
            html, expected,
            "\n--- markdown:\n{markdown}\n--- got:\n{html}\n--- expected:\n{expected}\n"
        );
    }

    /// A heading with its permalink as MkDocs writes it.
    fn h(level: u8, id: &str, inner: &str) -> String {
        format!(
            "<h{level} id=\"{id}\">{inner}<a class=\"headerlink\" href=\"#{id}\" title=\"Permanent link\">&para;</a></h{level}>"
        )
    }

    // -- §3.1 headings, toc ------------------------------------------------------

    /// toc: slugs, `_1` for duplicates, attr_list ids, raw HTML dropped from
    /// the slug but kept in the heading (reference: features/index.md).
    #[test]
    fn headings_get_python_markdown_ids_and_permalinks() {
        let markdown = "# TechDocs Feature Tour\n\n## Same heading twice\n\n## Same heading twice\n\n\
                        ## Heading with `code`, *emphasis* and ünïcödé { #custom-heading-id }\n\n\
                        ## Ünïcödé and punctuation: “quotes” & <angle> brackets!\n";
        let expected = [
            h(1, "techdocs-feature-tour", "TechDocs Feature Tour"),
            h(2, "same-heading-twice", "Same heading twice"),
            h(2, "same-heading-twice_1", "Same heading twice"),
            h(
                2,
                "custom-heading-id",
                "Heading with <code>code</code>, <em>emphasis</em> and ünïcödé",
            ),
            h(
                2,
                "unicode-and-punctuation-quotes-brackets",
                "Ünïcödé and punctuation: “quotes” &amp; <angle> brackets!",
            ),
        ]
        .join("\n");
        check(markdown, &expected);
    }

    /// toc: the TOC holds h2..toc_depth (not the H1), ids are set on every
    /// level, the H1 text is the title; `data-toc-label` names the entry.
    #[test]
    fn toc_h1_and_ids() {
        let options = MarkdownOptions {
            toc_depth: 3,
            ..Default::default()
        };
        let markdown = "# Title *here*\n\n## Two\n\n### Three { data-toc-label=\"Short\" }\n\n#### Four\n\n# Second H1\n";
        let page = render_with(&preprocessed(markdown, 1), &options);
        assert_eq!(page.h1.as_deref(), Some("Title here"));
        let toc: Vec<(u8, &str, &str)> = page
            .toc
            .iter()
            .map(|e| (e.level, e.id.as_str(), e.text.as_str()))
            .collect();
        assert_eq!(toc, [(2, "two", "Two"), (3, "three", "Short")]);
        assert_eq!(
            page.ids,
            ["title-here", "two", "three", "four", "second-h1"]
        );
        assert!(page.html.contains(&h(3, "three", "Three")), "{}", page.html);
    }

    /// toc: emoji (images in MkDocs) are left out of the TOC text and title.
    #[test]
    fn emoji_are_not_in_toc_text() {
        let page = page("# Hello :smile:\n\n## Icons, emojis in sidebars :smile:\n");
        assert_eq!(page.h1.as_deref(), Some("Hello"));
        assert_eq!(page.toc[0].text, "Icons, emojis in sidebars");
        assert_eq!(page.toc[0].id, "icons-emojis-in-sidebars");
    }

    /// toc: explicit ids are reserved before slugs are made (Python-Markdown
    /// collects every id first), and an empty slug becomes `_1`.
    #[test]
    fn explicit_ids_reserve_slugs_and_empty_slugs() {
        let markdown = "## Intro\n\n## Other { #intro }\n\n## 日本語\n";
        let expected = [
            h(2, "intro_1", "Intro"),
            h(2, "intro", "Other"),
            h(2, "_1", "日本語"),
        ]
        .join("\n");
        check(markdown, &expected);
    }

    /// Python-Markdown's hash headers need no space after the `#`s (the
    /// monorepo-sample index has `##\u{a0}API`); not inside fenced code.
    #[test]
    fn hash_headers_without_space() {
        let expected = [h(2, "api", "API"), h(1, "tag", "tag")].join("\n")
            + "\n<pre data-block=\"0\" data-lang=\"text\"><code>#!/bin/sh\n</code></pre>\n<p>text</p>\n"
            + &h(3, "x", "x");
        check(
            "##\u{a0}API\n#tag\n```\n#!/bin/sh\n```\ntext\n###x\n",
            &expected,
        );
    }

    /// toc: `permalink:` null removes the anchors; a string replaces `¶`.
    #[test]
    fn permalink_text_or_none() {
        let none = MarkdownOptions {
            permalink: None,
            ..Default::default()
        };
        let page = render_with(&preprocessed("## A & B\n", 1), &none);
        assert_eq!(page.html, "<h2 id=\"a-b\">A &amp; B</h2>");
        let custom = MarkdownOptions {
            permalink: Some("<#>".to_string()),
            ..Default::default()
        };
        let page = render_with(&preprocessed("## A\n", 1), &custom);
        assert_eq!(
            page.html,
            "<h2 id=\"a\">A<a class=\"headerlink\" href=\"#a\" title=\"Permanent link\">&lt;#&gt;</a></h2>"
        );
    }

    /// attr_list on headings: classes and other attributes, sorted; `{:`
    /// form; no space before the brace is no attr list.
    #[test]
    fn heading_attr_list() {
        check(
            "## Title {: #t .a .b data-x=\"1 2\" }\n",
            "<h2 class=\"a b\" data-x=\"1 2\" id=\"t\">Title<a class=\"headerlink\" href=\"#t\" title=\"Permanent link\">&para;</a></h2>",
        );
        check("## Title{#t}\n", &h(2, "titlet", "Title{#t}"));
    }

    // -- §3.2, §3.3, §3.21 code --------------------------------------------------

    /// superfences + highlight: every fenced and indented block goes to the
    /// highlighter with its fence options and running index.
    #[test]
    fn code_blocks_go_through_the_highlighter() {
        check(
            "```python title=\"greet.py\"\nprint(\"<hi>\")\n```\n\n    indented\n\n~~~\nplain\n~~~\n",
            "<pre data-block=\"0\" data-lang=\"python\"><code>print(\"&lt;hi&gt;\")\n</code></pre>\n\
             <pre data-block=\"1\" data-lang=\"text\"><code>indented\n</code></pre>\n\
             <pre data-block=\"2\" data-lang=\"text\"><code>plain\n</code></pre>",
        );
    }

    /// superfences custom fence `mermaid` (fence_code_format), as in
    /// features/diagrams.md.
    #[test]
    fn mermaid_fence_is_kept_for_the_browser() {
        let markdown = "```mermaid\nsequenceDiagram\n    Author->>Repository: push\n```\n";
        let page = page(markdown);
        assert_eq!(
            page.html,
            "<pre class=\"mermaid\"><code>sequenceDiagram\n    Author-&gt;&gt;Repository: push</code></pre>"
        );
        assert!(page.has_diagrams);
        assert!(!self::page("```python\nx\n```\n").has_diagrams);
    }

    /// inlinehilite: `#!lang` and `:::lang`; unknown languages fall back to
    /// plain `<code>`; plain inline code is escaped (features/writing/formatting.md).
    #[test]
    fn inline_code_and_inlinehilite() {
        check(
            "Plain inline code: `kubectl get pods`, `#!python print(\"hello\")`, `:::js const x = 1;`, `a<b & c`.",
            "<p>Plain inline code: <code>kubectl get pods</code>, \
             <code class=\"language-python highlight\">print(\"hello\")</code>, \
             <code>const x = 1;</code>, <code>a&lt;b &amp; c</code>.</p>",
        );
    }

    /// Python-Markdown's list layout: tight items hold text directly, nested
    /// lists follow the text without a newline (features/blocks/code.md).
    #[test]
    fn code_in_a_list_item() {
        check(
            "- A list item with code:\n\n    ```sql\n    SELECT 1;\n    ```\n",
            "<ul>\n<li>A list item with code:<pre data-block=\"0\" data-lang=\"sql\"><code>SELECT 1;\n</code></pre>\n</li>\n</ul>",
        );
    }

    // -- §3.8 list layout ----------------------------------------------------------

    /// Tight nested lists and loose items (features/writing/lists.md).
    #[test]
    fn list_layout_matches_python_markdown() {
        check(
            "1. First item\n2. Second item\n   1. Nested\n   2. Another nested item\n      - Third level\n3. Third item\n",
            "<ol>\n<li>First item</li>\n<li>Second item<ol>\n<li>Nested</li>\n<li>Another nested item<ul>\n\
             <li>Third level</li>\n</ul>\n</li>\n</ol>\n</li>\n<li>Third item</li>\n</ol>",
        );
        check(
            "1. A step with a quote:\n\n    > Quoted inside a list item.\n\n2. A second step\n",
            "<ol>\n<li>\n<p>A step with a quote:</p>\n<blockquote>\n<p>Quoted inside a list item.</p>\n</blockquote>\n\
             </li>\n<li>\n<p>A second step</p>\n</li>\n</ol>",
        );
        check(
            "- Loose item two, with a second paragraph.\n\n    This paragraph belongs to the item above.\n",
            "<ul>\n<li>Loose item two, with a second paragraph.<p>This paragraph belongs to the item above.</p>\n</li>\n</ul>",
        );
    }

    /// Python-Markdown's ListIndentProcessor: a block indented one unit
    /// (2 spaces) after a blank line wraps the item's text in `<p>`; a
    /// deeper one does not (material-reference, features/blocks/code.md).
    #[test]
    fn continuation_indent_decides_the_first_paragraph() {
        check(
            "- [Tables]\n\n  [Tables]: https://x.org/\n",
            "<ul>\n<li>\n<p><a href=\"https://x.org/\">Tables</a></p>\n</li>\n</ul>",
        );
        check(
            "- a\n\n  b\n",
            "<ul>\n<li>\n<p>a</p>\n<p>b</p>\n</li>\n</ul>",
        );
        check("- a\n\n    b\n", "<ul>\n<li>a<p>b</p>\n</li>\n</ul>");
        check(
            "- code:\n\n  ```\n  x\n\n  y\n  ```\n",
            "<ul>\n<li>code:<pre data-block=\"0\" data-lang=\"text\"><code>x\n\ny\n</code></pre>\n</li>\n</ul>",
        );
        check(
            "- x\n  - a\n\n    b\n",
            "<ul>\n<li>x<ul>\n<li>\n<p>a</p>\n<p>b</p>\n</li>\n</ul>\n</li>\n</ul>",
        );
    }

    /// mdx_truly_sane_lists: a blank line splits an unordered list (not an
    /// ordered one); task list classes follow each `<ul>` (features/writing/lists.md).
    #[test]
    fn blank_lines_split_unordered_lists() {
        check(
            "- Tight item one\n- Tight item two\n\n- Loose item one\n\n- [x] Loose item two\n",
            "<ul>\n<li>Tight item one</li>\n<li>Tight item two</li>\n</ul>\n<ul>\n<li>Loose item one</li>\n</ul>\n\
             <ul class=\"task-list\">\n<li class=\"task-list-item\"><label class=\"task-list-control\"><input type=\"checkbox\" disabled checked/>\
             <span class=\"task-list-indicator\"></span></label> Loose item two</li>\n</ul>",
        );
        check(
            "1. one\n\n2. two\n",
            "<ol>\n<li>\n<p>one</p>\n</li>\n<li>\n<p>two</p>\n</li>\n</ol>",
        );
    }

    // -- §3.9 task lists -----------------------------------------------------------

    /// pymdownx.tasklist with custom_checkbox (features/writing/lists.md).
    #[test]
    fn task_lists() {
        check(
            "- [x] Write the docs\n- [ ] Review the docs\n  - [x] Spelling\n- [X] Upper-case X also counts as done\n\
             - Not a task: plain item\n",
            "<ul class=\"task-list\">\n\
             <li class=\"task-list-item\"><label class=\"task-list-control\"><input type=\"checkbox\" disabled checked/><span class=\"task-list-indicator\"></span></label> Write the docs</li>\n\
             <li class=\"task-list-item\"><label class=\"task-list-control\"><input type=\"checkbox\" disabled/><span class=\"task-list-indicator\"></span></label> Review the docs<ul class=\"task-list\">\n\
             <li class=\"task-list-item\"><label class=\"task-list-control\"><input type=\"checkbox\" disabled checked/><span class=\"task-list-indicator\"></span></label> Spelling</li>\n\
             </ul>\n</li>\n\
             <li class=\"task-list-item\"><label class=\"task-list-control\"><input type=\"checkbox\" disabled checked/><span class=\"task-list-indicator\"></span></label> Upper-case X also counts as done</li>\n\
             <li>Not a task: plain item</li>\n</ul>",
        );
        check(
            "1. [ ] Ordered task lists work too\n",
            "<ol class=\"task-list\">\n<li class=\"task-list-item\"><label class=\"task-list-control\"><input type=\"checkbox\" disabled/><span class=\"task-list-indicator\"></span></label> Ordered task lists work too</li>\n</ol>",
        );
    }

    // -- §3.10 tables --------------------------------------------------------------

    /// tables: alignment styles on every cell; an attr_list line below a
    /// table is one more row (features/writing/tables.md).
    #[test]
    fn tables() {
        check(
            "| Left aligned | Centered | Right aligned | Default |\n| :--- | :---: | ---: | --- |\n\
             | `GET` | **no** | 1.50 | [link](../index.md) |\n| escaped \\| pipe | ~~gone~~ | 3 | :smile: |\n",
            "<table>\n<thead>\n<tr>\n<th style=\"text-align: left;\">Left aligned</th>\n\
             <th style=\"text-align: center;\">Centered</th>\n<th style=\"text-align: right;\">Right aligned</th>\n\
             <th>Default</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td style=\"text-align: left;\"><code>GET</code></td>\n\
             <td style=\"text-align: center;\"><strong>no</strong></td>\n<td style=\"text-align: right;\">1.50</td>\n\
             <td><a href=\"../../index/\">link</a></td>\n</tr>\n<tr>\n<td style=\"text-align: left;\">escaped | pipe</td>\n\
             <td style=\"text-align: center;\"><del>gone</del></td>\n<td style=\"text-align: right;\">3</td>\n\
             <td><span class=\"emoji\" title=\":smile:\">😄</span></td>\n</tr>\n</tbody>\n</table>",
        );
        check(
            "| Key | Value |\n| --- | ----- |\n| a   | 1     |\n{ #settings-table .compact }\n",
            "<table>\n<thead>\n<tr>\n<th>Key</th>\n<th>Value</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>a</td>\n<td>1</td>\n\
             </tr>\n<tr>\n<td>{ #settings-table .compact }</td>\n<td></td>\n</tr>\n</tbody>\n</table>",
        );
    }

    // -- §3.12 definition lists ----------------------------------------------------

    /// def_list: tight definitions hold text directly, a second paragraph
    /// follows it (features/writing/tables.md).
    #[test]
    fn definition_lists() {
        check(
            "`docs_dir`\n:   Where the Markdown lives.\n\n    A second paragraph in the same definition.\n\n\
             Term with two definitions\n:   First definition.\n:   Second definition.\n",
            "<dl>\n<dt><code>docs_dir</code></dt>\n<dd>Where the Markdown lives.<p>A second paragraph in the same definition.</p>\n\
             </dd>\n<dt>Term with two definitions</dt>\n<dd>First definition.</dd>\n<dd>Second definition.</dd>\n</dl>",
        );
        check(
            "Loose\n\n:   Definition.\n",
            "<dl>\n<dt>Loose</dt>\n<dd>\n<p>Definition.</p>\n</dd>\n</dl>",
        );
    }

    // -- §3.13 footnotes, §3.14 abbreviations ----------------------------------------

    /// footnotes: numbered by definition order, second reference `fnref2:`,
    /// unreferenced definitions listed, multi-paragraph bodies; abbr
    /// (features/reference/footnotes.md, whole article).
    #[test]
    fn footnotes_and_abbreviations() {
        let markdown = "## Footnotes\n\n\
            TechDocs builds sites with MkDocs[^mkdocs] and themes them with Material[^material].\n\
            A footnote can be referenced twice[^mkdocs], and labels may be words[^long-note] or\n\
            numbers[^1].\n\n\
            [^mkdocs]: MkDocs is a static site generator for project documentation.\n\
            [^material]: Material for MkDocs is the theme techdocs-core forces.\n\
            [^long-note]:\n    A footnote with several paragraphs.\n\n    The second paragraph, indented by four spaces, with `code`.\n\
            [^1]: A numbered footnote.\n\n\
            [^unused]: A footnote that is never referenced is still listed at the end of the page.\n\n\
            ## Abbreviations\n\n\
            The HTML output and the CSS theme come from MkDocs. TechDocs reads the YAML config.\n";
        let mut pre = preprocessed(markdown, 1);
        pre.abbreviations = vec![
            ("HTML".into(), "HyperText Markup Language".into()),
            ("CSS".into(), "Cascading Style Sheets".into()),
            ("YAML".into(), "YAML Ain't Markup Language".into()),
        ];
        let page = render_with(&pre, &MarkdownOptions::default());
        let expected = [
            h(2, "footnotes", "Footnotes").as_str(),
            "<p>TechDocs builds sites with MkDocs<sup id=\"fnref:mkdocs\"><a class=\"footnote-ref\" href=\"#fn:mkdocs\">1</a></sup> and themes them with Material<sup id=\"fnref:material\"><a class=\"footnote-ref\" href=\"#fn:material\">2</a></sup>.",
            "A footnote can be referenced twice<sup id=\"fnref2:mkdocs\"><a class=\"footnote-ref\" href=\"#fn:mkdocs\">1</a></sup>, and labels may be words<sup id=\"fnref:long-note\"><a class=\"footnote-ref\" href=\"#fn:long-note\">3</a></sup> or",
            "numbers<sup id=\"fnref:1\"><a class=\"footnote-ref\" href=\"#fn:1\">4</a></sup>.</p>",
            h(2, "abbreviations", "Abbreviations").as_str(),
            "<p>The <abbr title=\"HyperText Markup Language\">HTML</abbr> output and the <abbr title=\"Cascading Style Sheets\">CSS</abbr> theme come from MkDocs. TechDocs reads the <abbr title=\"YAML Ain't Markup Language\">YAML</abbr> config.</p>",
            "<div class=\"footnote\">",
            "<hr />",
            "<ol>",
            "<li id=\"fn:mkdocs\">",
            "<p>MkDocs is a static site generator for project documentation.&#160;<a class=\"footnote-backref\" href=\"#fnref:mkdocs\" title=\"Jump back to footnote 1 in the text\">&#8617;</a><a class=\"footnote-backref\" href=\"#fnref2:mkdocs\" title=\"Jump back to footnote 1 in the text\">&#8617;</a></p>",
            "</li>",
            "<li id=\"fn:material\">",
            "<p>Material for MkDocs is the theme techdocs-core forces.&#160;<a class=\"footnote-backref\" href=\"#fnref:material\" title=\"Jump back to footnote 2 in the text\">&#8617;</a></p>",
            "</li>",
            "<li id=\"fn:long-note\">",
            "<p>A footnote with several paragraphs.</p>",
            "<p>The second paragraph, indented by four spaces, with <code>code</code>.&#160;<a class=\"footnote-backref\" href=\"#fnref:long-note\" title=\"Jump back to footnote 3 in the text\">&#8617;</a></p>",
            "</li>",
            "<li id=\"fn:1\">",
            "<p>A numbered footnote.&#160;<a class=\"footnote-backref\" href=\"#fnref:1\" title=\"Jump back to footnote 4 in the text\">&#8617;</a></p>",
            "</li>",
            "<li id=\"fn:unused\">",
            "<p>A footnote that is never referenced is still listed at the end of the page.&#160;<a class=\"footnote-backref\" href=\"#fnref:unused\" title=\"Jump back to footnote 5 in the text\">&#8617;</a></p>",
            "</li>",
            "</ol>",
            "</div>",
        ]
        .join("\n");
        assert_eq!(page.html, expected, "\n{}", page.html);
        for id in [
            "fnref:mkdocs",
            "fnref2:mkdocs",
            "fn:mkdocs",
            "fn:unused",
            "footnotes",
        ] {
            assert!(page.ids.iter().any(|i| i == id), "{id} in {:?}", page.ids);
        }
    }

    /// footnotes: numbers follow the definitions, not first use.
    #[test]
    fn footnote_numbers_follow_definitions() {
        let html = page("B[^b] then A[^a].\n\n[^a]: first\n[^b]: second\n").html;
        assert!(html.starts_with(
            "<p>B<sup id=\"fnref:b\"><a class=\"footnote-ref\" href=\"#fn:b\">2</a></sup> then \
             A<sup id=\"fnref:a\"><a class=\"footnote-ref\" href=\"#fn:a\">1</a></sup>.</p>"
        ));
        assert!(html.contains("<li id=\"fn:a\">\n<p>first&#160;"), "{html}");
    }

    /// abbr: whole words only, longest first, never inside code.
    #[test]
    fn abbreviations_whole_words() {
        let mut pre = preprocessed("HTML5 and HTML, `HTML`, HTML-ish and X HTML Y.", 1);
        pre.abbreviations = vec![
            ("HTML".into(), "Hyper \"Text\"".into()),
            ("X HTML".into(), "ex".into()),
        ];
        let page = render_with(&pre, &MarkdownOptions::default());
        assert_eq!(
            page.html,
            "<p>HTML5 and <abbr title=\"Hyper &quot;Text&quot;\">HTML</abbr>, <code>HTML</code>, \
             <abbr title=\"Hyper &quot;Text&quot;\">HTML</abbr>-ish and <abbr title=\"ex\">X HTML</abbr> Y.</p>"
        );
    }

    /// def_list needs a space after the `:`; a line starting with a
    /// shortcode continues the paragraph (features/writing/formatting.md).
    #[test]
    fn line_leading_colon_is_not_a_definition() {
        check(
            "A Material icon shortcode (needs Material's emoji index, which TechDocs does not configure):\n\
             :material-account-circle:.\n:smile: and\n> quote\n> :x\n\n```\n:kept\n```\n\n| a | b |\n:-- | --:\n| 1 | 2 |\n",
            "<p>A Material icon shortcode (needs Material's emoji index, which TechDocs does not configure):\n\
             :material-account-circle:.\n<span class=\"emoji\" title=\":smile:\">😄</span> and</p>\n\
             <blockquote>\n<p>quote\n:x</p>\n</blockquote>\n<pre data-block=\"0\" data-lang=\"text\"><code>:kept\n</code></pre>\n\
             <table>\n<thead>\n<tr>\n<th style=\"text-align: left;\">a</th>\n<th style=\"text-align: right;\">b</th>\n</tr>\n\
             </thead>\n<tbody>\n<tr>\n<td style=\"text-align: left;\">1</td>\n<td style=\"text-align: right;\">2</td>\n</tr>\n\
             </tbody>\n</table>",
        );
        check(
            "Term\n: definition\n",
            "<dl>\n<dt>Term</dt>\n<dd>definition</dd>\n</dl>",
        );
    }

    // -- §3.16 inline extensions -----------------------------------------------------

    /// betterem: `***` nests strong outside; intra-word `*` stays literal.
    #[test]
    fn emphasis_as_betterem() {
        check(
            "Plain **bold**, *italic*, ***bold italic***, __underscored bold__ and _underscored italic_.\n\
             With `smart_enable: all`, intra-word markers stay literal: snake_case_name and 2*3*4.",
            "<p>Plain <strong>bold</strong>, <em>italic</em>, <strong><em>bold italic</em></strong>, \
             <strong>underscored bold</strong> and <em>underscored italic</em>.\n\
             With <code>smart_enable: all</code>, intra-word markers stay literal: snake_case_name and 2*3*4.</p>",
        );
    }

    /// pymdownx.caret (features/writing/formatting.md).
    #[test]
    fn caret_insert_and_superscript() {
        check(
            "^^This text is inserted^^ and H^2^O is wrong but E = mc^2^ is right. A superscript with a\n\
             space needs escaping: text^a\\ superscript^. Not ^a b^ nor a ^^ b.",
            "<p><ins>This text is inserted</ins> and H<sup>2</sup>O is wrong but E = mc<sup>2</sup> is right. A superscript with a\n\
             space needs escaping: text<sup>a superscript</sup>. Not ^a b^ nor a ^^ b.</p>",
        );
    }

    /// pymdownx.tilde (features/writing/formatting.md).
    #[test]
    fn tilde_delete_and_subscript() {
        check(
            "~~This text is deleted~~ and water is H~2~O. CH~3~CH~2~OH is ethanol. ~/path and ~/other stay.",
            "<p><del>This text is deleted</del> and water is H<sub>2</sub>O. CH<sub>3</sub>CH<sub>2</sub>OH is ethanol. \
             ~/path and ~/other stay.</p>",
        );
    }

    /// pymdownx.mark, spanning inline elements; not inside code; escapes
    /// keep delimiters literal.
    #[test]
    fn mark() {
        check(
            "==This text is highlighted== and so is ==**this bold part**==. `==code==`, a == b, \\=\\=no==.",
            "<p><mark>This text is highlighted</mark> and so is <mark><strong>this bold part</strong></mark>. \
             <code>==code==</code>, a == b, ==no==.</p>",
        );
    }

    /// pymdownx.critic in view mode, inline and block (features/writing/formatting.md).
    #[test]
    fn critic_markup() {
        check(
            "Here is an {++addition++}, a {--deletion--}, a {~~substitution~>replacement~~},\n\
             a {==highlight==}{>>with a comment<<} and a lone comment {>>reviewers only<<}.\n\n\
             {++\n\nA whole added paragraph.\n\n++}\n",
            "<p>Here is an <ins class=\"critic\">addition</ins>, a <del class=\"critic\">deletion</del>, a \
             <del class=\"critic\">substitution</del><ins class=\"critic\">replacement</ins>,\n\
             a <mark class=\"critic\">highlight</mark><span class=\"critic comment\">with a comment</span> and a lone comment \
             <span class=\"critic comment\">reviewers only</span>.</p>\n\
             <ins class=\"critic block\">\n<p>A whole added paragraph.</p>\n</ins>",
        );
        // An unclosed block is closed with its container.
        check(
            "> {--\n>\n> gone\n\nafter",
            "<blockquote>\n<del class=\"critic block\">\n<p>gone</p>\n</del>\n</blockquote>\n<p>after</p>",
        );
    }

    /// pymdownx.smartsymbols (features/writing/formatting.md), and what
    /// they leave alone.
    #[test]
    fn smart_symbols() {
        check(
            "(c) (r) (tm) c/o +/- --> <-- <--> =/= 1/2 1/4 3/4 1st 2nd 3rd 4th",
            "<p>&copy; &reg; &trade; &#8453; &plusmn; &rarr; &larr; &harr; &ne; &frac12; &frac14; &frac34; \
             1<sup>st</sup> 2<sup>nd</sup> 3<sup>rd</sup> 4<sup>th</sup></p>",
        );
        check(
            "11th 12th 21st 112th 2/3 but not 1th, 2st, 01st, x1st, 11/2, disco/o, ---> or `(c)`.",
            "<p>11<sup>th</sup> 12<sup>th</sup> 21<sup>st</sup> 112<sup>th</sup> &#8532; but not 1th, 2st, 01st, x1st, 11/2, \
             disco/o, ---&gt; or <code>(c)</code>.</p>",
        );
    }

    /// pymdownx.emoji, bundled: Unicode emoji with the shortcode as title;
    /// unknown and Material icon shortcodes stay literal.
    #[test]
    fn emoji() {
        check(
            "Shortcodes: :smile: :thumbsup: :rocket:.\nUnknown: :not-an-emoji-at-all:. Icon: :material-account-circle:. \
             Time 10:30:45, `:smile:`.",
            "<p>Shortcodes: <span class=\"emoji\" title=\":smile:\">😄</span> <span class=\"emoji\" title=\":thumbsup:\">👍</span> \
             <span class=\"emoji\" title=\":rocket:\">🚀</span>.\nUnknown: :not-an-emoji-at-all:. Icon: :material-account-circle:. \
             Time 10:30:45, <code>:smile:</code>.</p>",
        );
        check(
            ":man_raising_hand: :+1:",
            "<p><span class=\"emoji\" title=\":man_raising_hand:\">🙋‍♂️</span> \
             <span class=\"emoji\" title=\":+1:\">👍</span></p>",
        );
    }

    /// pymdownx.magiclink (features/writing/formatting.md): bare URLs,
    /// `www.`, e-mail addresses entity-encoded; not inside links or code.
    #[test]
    fn magic_links() {
        check(
            "Bare URLs are linked: https://backstage.io/docs/features/techdocs/ and www.example.com.\n\
             So are e-mail addresses: docs-guild@example.com.\n\
             Repository shorthands stay text: @backstage, #123, backstage/backstage#456.",
            "<p>Bare URLs are linked: <a href=\"https://backstage.io/docs/features/techdocs/\">https://backstage.io/docs/features/techdocs/</a> \
             and <a href=\"http://www.example.com\">www.example.com</a>.\n\
             So are e-mail addresses: <a href=\"&#109;&#97;&#105;&#108;&#116;&#111;&#58;&#100;&#111;&#99;&#115;&#45;&#103;&#117;&#105;&#108;&#100;&#64;&#101;&#120;&#97;&#109;&#112;&#108;&#101;&#46;&#99;&#111;&#109;\">\
             &#100;&#111;&#99;&#115;&#45;&#103;&#117;&#105;&#108;&#100;&#64;&#101;&#120;&#97;&#109;&#112;&#108;&#101;&#46;&#99;&#111;&#109;</a>.\n\
             Repository shorthands stay text: @backstage, #123, backstage/backstage#456.</p>",
        );
        check(
            "[see https://x.org](https://x.org), `https://y.org`, (https://z.org/a_(b)?q=1&r=2), http://nodot, foo@bar.",
            "<p><a href=\"https://x.org\">see https://x.org</a>, <code>https://y.org</code>, \
             (<a href=\"https://z.org/a_(b)?q=1&amp;r=2\">https://z.org/a_(b)?q=1&amp;r=2</a>), http://nodot, foo@bar.</p>",
        );
    }

    /// Hard breaks, backslash escapes, entities and raw inline HTML pass
    /// through (features/writing/formatting.md).
    #[test]
    fn breaks_escapes_entities_and_raw_html() {
        check(
            "A line ending in two spaces  \nbreaks here. A backslash escape keeps \\*stars\\* literal, and HTML entities such as\n\
             &copy; and &rarr; pass through.\n\nPress <kbd>Ctrl</kbd>+<kbd>C</kbd> to copy. \\(c) and &#40;c) stay.",
            "<p>A line ending in two spaces<br />\nbreaks here. A backslash escape keeps *stars* literal, and HTML entities such as\n\
             &copy; and &rarr; pass through.</p>\n<p>Press <kbd>Ctrl</kbd>+<kbd>C</kbd> to copy. (c) and &#40;c) stay.</p>",
        );
        // Python-Markdown escapes only its ESCAPED_CHARS and has no
        // backslash hard break.
        check(
            "\\$HOME, \\@user, \\| and \\_x\\_ end\\\nnext",
            "<p>\\$HOME, \\@user, | and _x_ end\\\nnext</p>",
        );
    }

    // -- §3.11 attr_list -------------------------------------------------------------

    /// attr_list on paragraphs, links and images: sorted attributes
    /// (features/writing/tables.md, features/reference/links.md).
    #[test]
    fn attr_list_on_paragraphs_links_and_images() {
        check(
            "A paragraph with a class and id.\n{ .lead #intro-paragraph }\n\n\
             [A link that opens in a new tab](https://backstage.io){ target=_blank rel=noopener }\n\n\
             [Download the sample file](../assets/sample.txt){: download=\"sample.txt\" }\n\n\
             ![A tiny square](../images/square.png){ width=\"64\" loading=lazy align=right }\n\n\
             [Start](start.md){ .md-button .md-button--primary } and *em*{ .x } and `code`{ #c }",
            "<p class=\"lead\" id=\"intro-paragraph\">A paragraph with a class and id.</p>\n\
             <p><a href=\"https://backstage.io\" rel=\"noopener\" target=\"_blank\">A link that opens in a new tab</a></p>\n\
             <p><a download=\"sample.txt\" href=\"../assets/sample.txt\">Download the sample file</a></p>\n\
             <p><img align=\"right\" alt=\"A tiny square\" loading=\"lazy\" src=\"../../images/square.png\" width=\"64\" /></p>\n\
             <p><a class=\"md-button md-button--primary\" href=\"../start/\">Start</a> and <em class=\"x\">em</em> and <code id=\"c\">code</code></p>",
        );
        let page = page("[a](b){ #link-id }\n\ntext\n{: #para-id }\n");
        assert_eq!(page.ids, ["link-id", "para-id"]);
    }

    /// attr_list: invalid names are dropped, values escaped, so the HTML
    /// stays well formed for the sanitizer.
    #[test]
    fn attr_list_is_escaped() {
        check(
            "![x](a.png){ 9bad=1 bad!name=2 title='say \"a<b\" & c' }",
            "<p><img alt=\"x\" src=\"a.png\" title=\"say &quot;a&lt;b&quot; &amp; c\" /></p>",
        );
        check(
            "text {: not an attr list",
            "<p>text {: not an attr list</p>",
        );
    }

    // -- §4 links and images ---------------------------------------------------------

    /// MkDocs rewrites Markdown links and images only: rewritten,
    /// unchanged, broken (reported at the source line via line_map), titles,
    /// reference links, autolinks; raw HTML is untouched (features/reference/links.md).
    #[test]
    fn links_are_resolved_and_problems_mapped_to_source_lines() {
        let markdown = "- [snippets](snippets.md)\n\
                        - [formatting](../writing/formatting.md \"Hover title\")\n\
                        - [code blocks][code-page]\n\
                        - autolink <https://www.mkdocs.org/>, mail: <mailto:docs-guild@example.com>\n\
                        - Missing page: [does not exist](missing-page.md)\n\n\
                        ![Not there](../images/missing.png) <img src=\"missing.png\">\n\n\
                        [code-page]: ../blocks/code.md#highlighted-lines\n";
        // The page text starts at source line 11 (as if front matter took ten lines).
        let page = render_with(&preprocessed(markdown, 11), &MarkdownOptions::default());
        assert_eq!(
            page.html,
            "<ul>\n<li><a href=\"../snippets/\">snippets</a></li>\n\
             <li><a href=\"../../writing/formatting/\" title=\"Hover title\">formatting</a></li>\n\
             <li><a href=\"https://www.mkdocs.org/\">code blocks</a></li>\n"
                .replace(
                    "https://www.mkdocs.org/\">code blocks",
                    "../blocks/code.md#highlighted-lines\">code blocks"
                )
                + "<li>autolink <a href=\"https://www.mkdocs.org/\">https://www.mkdocs.org/</a>, mail: <a href=\""
                + "&#109;&#97;&#105;&#108;&#116;&#111;&#58;&#100;&#111;&#99;&#115;&#45;&#103;&#117;&#105;&#108;&#100;&#64;&#101;&#120;&#97;&#109;&#112;&#108;&#101;&#46;&#99;&#111;&#109;\">"
                + "&#100;&#111;&#99;&#115;&#45;&#103;&#117;&#105;&#108;&#100;&#64;&#101;&#120;&#97;&#109;&#112;&#108;&#101;&#46;&#99;&#111;&#109;</a></li>\n"
                + "<li>Missing page: <a href=\"missing-page.md\">does not exist</a></li>\n</ul>\n"
                + "<p><img alt=\"Not there\" src=\"../images/missing.png\" /> <img src=\"missing.png\"></p>"
        );
        let problems: Vec<(u32, ProblemKind, &str)> = page
            .problems
            .iter()
            .map(|p| (p.line, p.kind, p.message.as_str()))
            .collect();
        assert_eq!(
            problems,
            [
                (
                    15,
                    ProblemKind::BrokenLink,
                    "Link target missing-page.md not found"
                ),
                (
                    17,
                    ProblemKind::BrokenLink,
                    "Image target ../images/missing.png not found"
                ),
            ]
        );
    }

    /// Problems from preprocess come first; snippet lines keep their file.
    #[test]
    fn problems_keep_preprocess_ones_and_snippet_files() {
        let mut pre = preprocessed("intro\n\n[x](missing.md)\n", 1);
        pre.line_map[2] = (7, Some("snippets/part.md".to_string()));
        pre.problems.push(Problem {
            line: 1,
            file: None,
            kind: ProblemKind::Compat,
            message: "pre".into(),
        });
        let page = render_with(&pre, &MarkdownOptions::default());
        assert_eq!(page.problems.len(), 2);
        assert_eq!(page.problems[0].message, "pre");
        assert_eq!(
            (page.problems[1].line, page.problems[1].file.as_deref()),
            (7, Some("snippets/part.md"))
        );
    }

    /// Raw HTML blocks (admonition wrappers from preprocess) pass through,
    /// with Markdown between them parsed.
    #[test]
    fn html_blocks_pass_through() {
        check(
            "<div class=\"admonition note\">\n<p class=\"admonition-title\">Note</p>\n\nBody ==marked==.\n\n</div>\n",
            "<div class=\"admonition note\">\n<p class=\"admonition-title\">Note</p>\n<p>Body <mark>marked</mark>.</p>\n</div>",
        );
    }

    /// Front matter is copied from preprocess.
    #[test]
    fn front_matter_is_copied() {
        let mut pre = preprocessed("text", 1);
        pre.front_matter.title = Some("T".into());
        assert_eq!(
            render_with(&pre, &MarkdownOptions::default())
                .front_matter
                .title
                .as_deref(),
            Some("T")
        );
    }

    /// Hostile and broken input never panics and never leaves extension
    /// markup unbalanced.
    #[test]
    fn never_panics() {
        let pieces = [
            "==",
            "^^",
            "~~",
            "^",
            "~",
            "{++",
            "++}",
            "{--",
            "--}",
            "{~~",
            "~>",
            "~~}",
            "{==",
            "==}",
            "{>>",
            "<<}",
            "*",
            "**",
            "_",
            "`",
            "[",
            "]",
            "(",
            ")",
            "![",
            "{",
            "}",
            "{:",
            "#",
            ".",
            "\\",
            "&amp;",
            "&#",
            "ü",
            "😄",
            ":smile:",
            ":",
            "http://",
            "https://a.b",
            "www.",
            "www.x.y",
            "@",
            "a@b.c",
            "\n",
            "\n\n",
            "- ",
            "1. ",
            "> ",
            "    ",
            "| a |",
            "|---|",
            "[^1]",
            "[^1]: ",
            ": ",
            "```",
            "~~~",
            "<div>",
            "</div>",
            "<",
            ">",
            "1st",
            "1/2",
            "(c)",
            "-->",
            "<--",
            "c/o",
            " ",
            "x",
            "é",
            "\t",
            "- [x] ",
            "## ",
            "{ #id }",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..3000 {
            let mut text = String::new();
            let len = (seed % 40) as usize;
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            let mut pre = preprocessed(&text, 1);
            pre.abbreviations = vec![("x".into(), "ex".into()), ("é".into(), "e".into())];
            let html = render_with(&pre, &MarkdownOptions::default()).html;
            for tag in [
                "ins",
                "del",
                "mark",
                "sup",
                "sub",
                "abbr",
                "em",
                "strong",
                "code",
                "a",
                "p",
                "li",
                "h2",
                "ul",
                "ol",
                "blockquote",
                "dl",
                "dt",
                "dd",
                "table",
                "tr",
                "td",
                "th",
                "span",
                "div",
            ] {
                let opens = html.matches(&format!("<{tag}>")).count()
                    + html.matches(&format!("<{tag} ")).count();
                let closes = html.matches(&format!("</{tag}>")).count();
                let raw = text.matches(&format!("<{tag}")).count()
                    + text.matches(&format!("</{tag}")).count();
                if raw == 0 {
                    assert_eq!(opens, closes, "<{tag}> unbalanced for {text:?}:\n{html}");
                }
            }
        }
    }
}
