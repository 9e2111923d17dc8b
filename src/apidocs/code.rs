//! What the GraphQL and protobuf readers share: a character cursor that
//! counts lines and columns as [`Pos`] wants them, and the writer of a
//! highlighted code block from their tokens.
//!
//! syntect's bundled syntaxes have neither language and the crate is built
//! without runtime syntax loading, but both readers tokenize anyway; their
//! tokens are given TextMate scope names and the class syntect-highlighted
//! code would get for that scope ([`scope_class`]), inside the markup of a
//! docs code block (`render_block` in `docs::highlight`), so the docs
//! stylesheet colours them with no CSS of their own.

use std::collections::HashMap;

use crate::docs::highlight::{escape_into, scope_class};
use crate::source::Pos;

/// A position in a text: byte offset plus line and column (characters).
#[derive(Debug, Clone)]
pub(super) struct Cursor<'a> {
    pub text: &'a str,
    pub at: usize,
    line: u32,
    col: u32,
}

impl<'a> Cursor<'a> {
    pub fn new(text: &'a str) -> Cursor<'a> {
        Cursor {
            text,
            at: 0,
            line: 1,
            col: 1,
        }
    }

    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.col)
    }

    pub fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    pub fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// The character after the next one.
    pub fn peek2(&self) -> Option<char> {
        let mut chars = self.rest().chars();
        chars.next();
        chars.next()
    }

    pub fn starts_with(&self, s: &str) -> bool {
        self.rest().starts_with(s)
    }

    /// Moves over one character. `\r\n`, `\n` and a lone `\r` each end a
    /// line: both languages count them so (GraphQL spec §2.1.2
    /// LineTerminator), and so do editors.
    pub fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        match c {
            '\n' => {
                self.line += 1;
                self.col = 1;
            }
            '\r' if self.peek() != Some('\n') => {
                self.line += 1;
                self.col = 1;
            }
            _ => self.col += 1,
        }
        Some(c)
    }

    pub fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Moves over `s`, which the caller saw with [`Cursor::starts_with`].
    pub fn bump_str(&mut self, s: &str) {
        for _ in s.chars() {
            self.bump();
        }
    }

    pub fn bump_while(&mut self, mut f: impl FnMut(char) -> bool) {
        while self.peek().is_some_and(&mut f) {
            self.bump();
        }
    }
}

/// A definition text as a code block is shown: Pygments' preprocessing
/// turns `\r\n` and `\r` into `\n` and ends the text with a newline. Unlike
/// `render_block`, leading and trailing blank lines stay, so that line
/// numbers agree with the positions of [`super::Problem`]s and model items.
pub(super) fn normalize(text: &str) -> String {
    let mut text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// A highlighted code block in the markup `render_block` gives a fenced
/// block (`<div class="language-… highlight">`, Pygments' line-number
/// table), so the docs CSS applies. `text` comes from [`normalize`];
/// `tokens` are byte ranges with a TextMate scope, sorted and not
/// overlapping; text between them is plain. A token that spans lines is
/// cut at each newline, since spans never cross lines in code blocks
/// (highlighted lines are wrapped whole).
pub(super) fn code_block(
    language: &str,
    root_scope: &str,
    text: &str,
    tokens: &[(usize, usize, &'static str)],
) -> String {
    let line_count = text.matches('\n').count().max(1);
    let mut out = String::with_capacity(text.len() * 3 + line_count * 32 + 512);
    out.push_str("<div class=\"language-");
    escape_into(&mut out, language, true);
    out.push_str(" highlight\"><table class=\"highlighttable\"><tr>");
    out.push_str("<td class=\"linenos\"><div class=\"linenodiv\"><pre><span></span>");
    let width = line_count.to_string().len();
    for n in 1..=line_count {
        if n != 1 {
            out.push('\n');
        }
        out.push_str("<span class=\"normal\">");
        let digits = n.to_string();
        out.extend(std::iter::repeat_n(' ', width - digits.len()));
        out.push_str(&digits);
        out.push_str("</span>");
    }
    out.push_str("</pre></div></td><td class=\"code\"><div><pre><span></span>");
    match scope_class(root_scope) {
        Some(class) => {
            out.push_str("<code class=\"");
            out.push_str(&class);
            out.push_str("\">");
        }
        None => out.push_str("<code>"),
    }
    // One lookup per scope name, not per token.
    let mut classes: HashMap<&str, Option<String>> = HashMap::new();
    let mut done = 0;
    for &(start, end, scope) in tokens {
        if start < done || end > text.len() || start >= end {
            continue;
        }
        escape_into(&mut out, &text[done..start], false);
        let class = classes
            .entry(scope)
            .or_insert_with(|| scope_class(scope))
            .as_deref();
        for (i, piece) in text[start..end].split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            match class {
                Some(class) if !piece.is_empty() => {
                    out.push_str("<span class=\"");
                    out.push_str(class);
                    out.push_str("\">");
                    escape_into(&mut out, piece, false);
                    out.push_str("</span>");
                }
                _ => escape_into(&mut out, piece, false),
            }
        }
        done = end;
    }
    escape_into(&mut out, &text[done..], false);
    out.push_str("</code></pre></div></td></tr></table></div>");
    out
}

/// Line and column (characters, from 1) of the `nth` occurrence of
/// `needle`, found without a lexer.
#[cfg(test)]
pub(super) fn pos_of(text: &str, needle: &str, nth: usize) -> Pos {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .expect("needle in text")
        .0;
    let before = &text[..at];
    let line = before.matches('\n').count() as u32 + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count() as u32
        + 1;
    Pos::new(line, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::highlight::testing::{code_of, text_of};

    // Columns count characters (what an editor shows, `source::Pos`);
    // GraphQL spec §2.1.2: `\r\n` is one line terminator, a lone `\r` one too.
    #[test]
    fn cursor_counts_characters_and_line_terminators() {
        let mut c = Cursor::new("é\r\nx\ry\nz");
        c.bump();
        assert_eq!(c.pos(), Pos::new(1, 2));
        c.bump();
        c.bump();
        assert_eq!(c.pos(), Pos::new(2, 1));
        c.bump();
        c.bump();
        assert_eq!(c.pos(), Pos::new(3, 1));
        c.bump_str("y\n");
        assert_eq!(c.pos(), Pos::new(4, 1));
        assert_eq!(c.peek(), Some('z'));
        assert_eq!(c.peek2(), None);
    }

    // A token over two lines becomes two spans; text stays complete.
    #[test]
    fn tokens_are_cut_at_newlines() {
        let text = "a \"x\ny\" <b>\n";
        let html = code_block("t", "source.t", text, &[(2, 7, "string.quoted.double")]);
        let code = code_of(&html);
        assert_eq!(text_of(code), text);
        let class = scope_class("string.quoted.double").expect("themes style strings");
        assert!(code.contains(&format!("<span class=\"{class}\">\"x</span>\n<span")));
        assert!(code.contains("&lt;b&gt;"));
        assert!(
            html.starts_with(
                "<div class=\"language-t highlight\"><table class=\"highlighttable\">"
            )
        );
        assert!(html.contains("<span class=\"normal\">2</span></pre>"));
    }
}
