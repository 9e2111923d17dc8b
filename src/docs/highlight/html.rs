//! Scope stacks → class-based HTML spans, one line at a time.
//!
//! syntect's `ClassedHTMLGenerator` writes one string for the whole text
//! and leaves spans open across lines (a multi-line string or comment),
//! which cannot be wrapped per line in Pygments' `<span class="hll">`.
//! This writer closes every span at the end of a line and reopens it on
//! the next, as Pygments does. To keep pages small it leaves out spans for
//! scopes that no rule of the shipped themes can match
//! (`meta.generic-name`…), and gives each span one short class standing
//! for the longest matching selector scope of the themes
//! (`string.quoted.double.python` → selector `string` → `y2k`, say): the
//! class list syntect's `SpacedPrefixed` style would give (`sy-string`),
//! cut after the atoms that any rule can match, is exactly that selector's
//! atoms, so one name per selector scope loses nothing. `style.rs` writes
//! the CSS in those names ([`class_name`]). It writes straight into the
//! caller's buffer.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use syntect::parsing::{ClearAmount, Scope, ScopeStackOp};

/// First letter of every token class (`y0`, `y1`, … `yz`, `y10`…). No
/// Pygments class starts with `y`, so a site's leftover Pygments CSS
/// (`.highlight .s1`) cannot colour these tokens.
pub const CLASS_PREFIX: &str = "y";

/// The class of the `index`th selector scope: [`CLASS_PREFIX`] and the
/// index in base 36 (lower case: class names are case-insensitive in
/// quirks mode).
pub fn class_name(index: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::new();
    let mut n = index;
    loop {
        digits.push(DIGITS[n % 36]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    let mut name = String::from(CLASS_PREFIX);
    name.extend(digits.into_iter().map(char::from));
    name
}

/// A class id meaning "no span for this scope".
const NO_SPAN: u32 = u32::MAX;

/// Scope → class id (the index of its longest matching selector scope),
/// memoized per thread (matching takes syntect's scope comparisons for
/// every selector, so it happens once per scope and thread, not once per
/// token).
#[derive(Default)]
pub struct ClassTable {
    ids: HashMap<Scope, u32, BuildHasherDefault<ScopeHasher>>,
    /// Class names by id, filled on first use.
    names: Vec<Box<str>>,
}

impl ClassTable {
    /// The class id of `scope`, or [`NO_SPAN`] when none of `selectors`
    /// (every scope named in a theme rule) is a prefix of it: no CSS rule
    /// can then match an element with its classes.
    fn id(&mut self, scope: Scope, selectors: &[Scope]) -> u32 {
        if self.names.len() != selectors.len() {
            self.names = (0..selectors.len())
                .map(|i| class_name(i).into_boxed_str())
                .collect();
            self.ids.clear();
        }
        if let Some(&id) = self.ids.get(&scope) {
            return id;
        }
        // Only the atoms up to the longest matching selector matter (CSS
        // `.string` needs just that class on `string.quoted.double.json`),
        // so the span's class list would be exactly that selector's atoms:
        // it gets that selector's short class instead.
        let id = selectors
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_empty() && s.is_prefix_of(scope))
            .max_by_key(|(_, s)| s.len())
            .map_or(NO_SPAN, |(i, _)| i as u32);
        self.ids.insert(scope, id);
        id
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// The class attribute value for `scope` if it gets a span at all.
    pub fn classes_of(&mut self, scope: Scope, selectors: &[Scope]) -> Option<&str> {
        let id = self.id(scope, selectors);
        (id != NO_SPAN).then(|| self.name(id))
    }
}

/// FxHash-style hasher for `Scope` (two `u64`s): the default SipHash costs
/// more than the rest of a class lookup.
#[derive(Default)]
pub struct ScopeHasher(u64);

impl Hasher for ScopeHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Writes highlighted lines: keeps the scope stack across lines, opens
/// spans lazily (no empty spans) and closes them all at each line's end.
pub struct SpanWriter<'a> {
    selectors: &'a [Scope],
    /// The syntax's own scope when the caller put its classes on the
    /// container (`<code class="…">`): no span for it at the stack bottom.
    hoisted: Option<Scope>,
    /// The scope stack, each with its class id.
    stack: Vec<(Scope, u32)>,
    /// Scopes removed by `clear_scopes`, for `Restore`.
    cleared: Vec<Vec<(Scope, u32)>>,
    /// Class ids of the spans open in the output right now.
    open: Vec<u32>,
}

impl<'a> SpanWriter<'a> {
    pub fn new(selectors: &'a [Scope], hoisted: Option<Scope>) -> SpanWriter<'a> {
        SpanWriter {
            selectors,
            hoisted,
            stack: Vec::new(),
            cleared: Vec::new(),
            open: Vec::new(),
        }
    }

    /// Writes one line. `line` ends with `\n` (syntect's newline syntaxes
    /// need it); the newline is written after the spans are closed, and
    /// only when `newline` is set. `ops` are the parser's operations for
    /// this line, at byte offsets into it.
    pub fn line(
        &mut self,
        table: &mut ClassTable,
        line: &str,
        ops: &[(usize, ScopeStackOp)],
        newline: bool,
        out: &mut String,
    ) {
        let text_end = line.strip_suffix('\n').map_or(line.len(), str::len);
        let mut pos = 0;
        for (at, op) in ops {
            let at = (*at).min(text_end);
            if at > pos {
                self.text(table, &line[pos..at], out);
                pos = at;
            }
            self.apply(table, op);
        }
        if pos < text_end {
            self.text(table, &line[pos..text_end], out);
        }
        for _ in self.open.drain(..) {
            out.push_str("</span>");
        }
        if newline {
            out.push('\n');
        }
    }

    fn text(&mut self, table: &ClassTable, text: &str, out: &mut String) {
        self.sync(table, out);
        escape_into(out, text, false);
    }

    /// Makes the open spans match the relevant part of the stack. Spans
    /// are compared by class, so `meta.function.python` followed by
    /// `meta.function.parameters.python` (both under the selector
    /// `meta.function`) stays one span.
    fn sync(&mut self, table: &ClassTable, out: &mut String) {
        let wanted = self.stack.iter().filter(|(_, id)| *id != NO_SPAN);
        let common = wanted
            .clone()
            .zip(&self.open)
            .take_while(|(w, o)| w.1 == **o)
            .count();
        for _ in common..self.open.len() {
            out.push_str("</span>");
        }
        self.open.truncate(common);
        for &(_, id) in wanted.skip(common) {
            out.push_str("<span class=\"");
            out.push_str(table.name(id));
            out.push_str("\">");
            self.open.push(id);
        }
    }

    /// `ScopeStack::apply`, keeping each scope's class id beside it.
    fn apply(&mut self, table: &mut ClassTable, op: &ScopeStackOp) {
        match op {
            ScopeStackOp::Push(scope) => {
                let id = if self.stack.is_empty() && self.hoisted == Some(*scope) {
                    NO_SPAN
                } else {
                    table.id(*scope, self.selectors)
                };
                self.stack.push((*scope, id));
            }
            ScopeStackOp::Pop(n) => {
                let keep = self.stack.len().saturating_sub(*n);
                self.stack.truncate(keep);
            }
            ScopeStackOp::Clear(amount) => {
                let keep = match amount {
                    ClearAmount::TopN(n) => self.stack.len().saturating_sub(*n),
                    ClearAmount::All => 0,
                };
                let cleared = self.stack.split_off(keep);
                self.cleared.push(cleared);
            }
            ScopeStackOp::Restore => {
                if let Some(cleared) = self.cleared.pop() {
                    self.stack.extend(cleared);
                }
            }
            ScopeStackOp::Noop => {}
        }
    }
}

/// Appends `text` HTML-escaped: `&`, `<`, `>` always, quotes too when
/// `attribute` is set.
pub fn escape_into(out: &mut String, text: &str, attribute: bool) {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if attribute => "&quot;",
            b'\'' if attribute => "&#39;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(entity);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(s: &str) -> Scope {
        Scope::new(s).unwrap()
    }

    #[test]
    fn escaping() {
        let mut out = String::new();
        escape_into(&mut out, r#"<script>alert("x" & 'y')</script>"#, false);
        assert_eq!(out, r#"&lt;script&gt;alert("x" &amp; 'y')&lt;/script&gt;"#);
        out.clear();
        escape_into(&mut out, r#"a"b'c<"#, true);
        assert_eq!(out, "a&quot;b&#39;c&lt;");
    }

    // spec §3.2: spans never cross lines (hll wraps whole lines); scopes no
    // theme rule names get no span; the hoisted root gets none either.
    #[test]
    fn spans_close_at_line_end_and_reopen() {
        let selectors = [scope("source.python"), scope("string"), scope("comment")];
        let mut table = ClassTable::default();
        let mut w = SpanWriter::new(&selectors, Some(scope("source.python")));
        let mut out = String::new();
        let ops1 = vec![
            (0, ScopeStackOp::Push(scope("source.python"))),
            (2, ScopeStackOp::Push(scope("string.quoted.python"))),
            (3, ScopeStackOp::Push(scope("meta.generic-name.python"))),
        ];
        w.line(&mut table, "x \"ab\n", &ops1, true, &mut out);
        let ops2 = vec![(2, ScopeStackOp::Pop(2))];
        w.line(&mut table, "c\" <y\n", &ops2, true, &mut out);
        assert_eq!(
            out,
            "x <span class=\"y1\">\"ab</span>\n\
             <span class=\"y1\">c\"</span> &lt;y\n"
        );
    }

    #[test]
    fn clear_and_restore() {
        let selectors = [scope("a"), scope("b")];
        let mut table = ClassTable::default();
        let mut w = SpanWriter::new(&selectors, None);
        let mut out = String::new();
        let ops = vec![
            (0, ScopeStackOp::Push(scope("a"))),
            (1, ScopeStackOp::Clear(ClearAmount::All)),
            (1, ScopeStackOp::Push(scope("b"))),
            (2, ScopeStackOp::Pop(1)),
            (2, ScopeStackOp::Restore),
            (3, ScopeStackOp::Pop(5)),
        ];
        w.line(&mut table, "1234\n", &ops, false, &mut out);
        assert_eq!(
            out,
            "<span class=\"y0\">1</span><span class=\"y1\">2</span><span class=\"y0\">3</span>4"
        );
    }
}
