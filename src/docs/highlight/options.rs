//! The info string of a fenced code block (pymdownx.superfences, spec §3.2).

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

/// At most this many `hl_lines` entries are kept, so that a range like
/// `1-4000000000` cannot make a page build allocate gigabytes.
const MAX_HL_LINES: usize = 100_000;

impl FenceOptions {
    /// Parses an info string as superfences does (spec §3.2):
    ///
    /// - the first word is the language (`python`, `c++`, `MD`), unless it
    ///   is an option; in the attribute form `{ .yaml .no-copy }` the first
    ///   `.class` is the language;
    /// - `title="…"`, `linenums="10"`, `hl_lines="2 3"` / `"1-2 4"`, with
    ///   `"` or `'` quotes, or unquoted up to the next space;
    /// - `.class` and `#id`;
    /// - anything else (unknown keys, more bare words, stray quotes) is
    ///   ignored. Parsing never fails.
    pub fn parse(info: &str) -> FenceOptions {
        let mut options = FenceOptions::default();
        let mut info = info.trim();
        if let Some(inner) = info.strip_prefix('{') {
            info = inner.strip_suffix('}').unwrap_or(inner);
        }
        let mut first = true;
        for token in (Tokens { rest: info }) {
            match token {
                Token::Bare(word) => {
                    if let Some(class) = word.strip_prefix('.') {
                        // `{ .yaml .no-copy }`: the first class is the
                        // language while none was given.
                        if options.language.is_none() && options.classes.is_empty() {
                            options.language = valid_language(class);
                        } else if is_name(class) {
                            options.classes.push(class.to_string());
                        }
                    } else if let Some(id) = word.strip_prefix('#') {
                        if is_name(id) {
                            options.id = Some(id.to_string());
                        }
                    } else if first {
                        options.language = valid_language(word);
                    }
                }
                Token::Pair(key, value) => match key {
                    "title" => {
                        options.title = (!value.is_empty()).then(|| value.to_string());
                    }
                    "linenums" => {
                        // `linenums="1 2 3"` is start, step, special; only
                        // the start changes Backlot's output.
                        options.linenums_start =
                            value.split_whitespace().next().and_then(|n| n.parse().ok());
                    }
                    "hl_lines" => options.hl_lines = parse_hl_lines(value),
                    _ => {}
                },
            }
            first = false;
        }
        options
    }
}

/// A language as superfences accepts it (`[\w#.+-]+`); anything else is
/// treated as no language.
fn valid_language(word: &str) -> Option<String> {
    let ok = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || "_#.+-".contains(c));
    ok.then(|| word.to_string())
}

/// A class or id: word characters, `-`, `:` and `.`.
fn is_name(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || "_-:.".contains(c))
}

/// `"2 3"`, `"1-2 4"` (commas also separate) → sorted, deduplicated line
/// numbers. Garbage entries and zero are skipped; reversed ranges are empty.
fn parse_hl_lines(value: &str) -> Vec<u32> {
    let mut lines = Vec::new();
    for part in value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|p| !p.is_empty())
    {
        let (start, end) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u32>(), b.trim().parse::<u32>()),
            None => (part.parse::<u32>(), part.parse::<u32>()),
        };
        let (Ok(start), Ok(end)) = (start, end) else {
            continue;
        };
        let start = start.max(1);
        let mut n = start;
        while n <= end && lines.len() < MAX_HL_LINES {
            lines.push(n);
            n = match n.checked_add(1) {
                Some(next) => next,
                None => break,
            };
        }
    }
    lines.sort_unstable();
    lines.dedup();
    lines
}

enum Token<'a> {
    /// A word with no `=`: the language, `.class`, `#id`, or ignored.
    Bare(&'a str),
    /// `key=value`, the value unquoted.
    Pair(&'a str, &'a str),
}

/// Splits an info string into words and `key="value"` pairs.
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let s = self.rest.trim_start();
        if s.is_empty() {
            self.rest = s;
            return None;
        }
        let word_end = s
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(s.len());
        let word = &s[..word_end];
        let after = &s[word_end..];
        let Some(value_start) = after.strip_prefix('=') else {
            self.rest = after;
            return Some(Token::Bare(word));
        };
        let (value, rest) = match value_start.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let body = &value_start[1..];
                match body.find(quote) {
                    Some(end) => (&body[..end], &body[end + 1..]),
                    // An unclosed quote takes the rest of the line.
                    None => (body, ""),
                }
            }
            _ => {
                let end = value_start
                    .find(char::is_whitespace)
                    .unwrap_or(value_start.len());
                (&value_start[..end], &value_start[end..])
            }
        };
        self.rest = rest;
        Some(Token::Pair(word, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(info: &str) -> FenceOptions {
        FenceOptions::parse(info)
    }

    // spec §3.2: the language is the first word, as written.
    #[test]
    fn language_is_the_first_word_as_written() {
        assert_eq!(parse("python").language.as_deref(), Some("python"));
        assert_eq!(parse("  MD  ").language.as_deref(), Some("MD"));
        assert_eq!(parse("c++").language.as_deref(), Some("c++"));
        assert_eq!(parse("").language, None);
        assert_eq!(parse("   ").language, None);
        // `graphviz dot system.svg`: later bare words are not options.
        let o = parse("graphviz dot system.svg");
        assert_eq!(o.language.as_deref(), Some("graphviz"));
        assert_eq!(
            o,
            FenceOptions {
                language: Some("graphviz".into()),
                ..Default::default()
            }
        );
    }

    // spec §3.2: ```` ``` title="Content tabs" ```` has options but no language.
    #[test]
    fn options_without_language() {
        let o = parse(r#"title="Content tabs""#);
        assert_eq!(o.language, None);
        assert_eq!(o.title.as_deref(), Some("Content tabs"));
    }

    // spec §3.2: title, linenums, hl_lines together, quoted with " or '.
    #[test]
    fn title_linenums_and_hl_lines() {
        let o = parse(r#"rust linenums="10" title="src/main.rs""#);
        assert_eq!(o.language.as_deref(), Some("rust"));
        assert_eq!(o.linenums_start, Some(10));
        assert_eq!(o.title.as_deref(), Some("src/main.rs"));

        let o = parse("py title='a b.py' hl_lines='1-2 4' linenums=3");
        assert_eq!(o.title.as_deref(), Some("a b.py"));
        assert_eq!(o.hl_lines, vec![1, 2, 4]);
        assert_eq!(o.linenums_start, Some(3));

        // `linenums="1 2 3"`: start, step, special.
        assert_eq!(parse(r#"py linenums="5 2""#).linenums_start, Some(5));
        // An empty title is no title.
        assert_eq!(parse(r#"py title="""#).title, None);
    }

    // spec §3.2: hl_lines="2 3" / "1-2 4": ranges, sorted and deduplicated.
    #[test]
    fn hl_lines_ranges() {
        assert_eq!(parse_hl_lines("2 3"), vec![2, 3]);
        assert_eq!(parse_hl_lines("1-2 4"), vec![1, 2, 4]);
        assert_eq!(parse_hl_lines("4 1-3,2"), vec![1, 2, 3, 4]);
        assert_eq!(parse_hl_lines("3-1 x 0 -2 5-"), Vec::<u32>::new());
        assert_eq!(parse_hl_lines("0-2"), vec![1, 2]);
        assert_eq!(parse_hl_lines("4294967295"), vec![u32::MAX]);
        assert_eq!(parse_hl_lines("4294967290-4294967295").len(), 6);
        // A huge range is capped instead of allocating gigabytes.
        assert_eq!(parse_hl_lines("1-4000000000").len(), MAX_HL_LINES);
    }

    // spec §3.2: `.class` and `#id`; `{ .yaml .no-copy }` takes the first
    // class as the language (observed: `language-yaml no-copy highlight`).
    #[test]
    fn classes_ids_and_attribute_form() {
        let o = parse("{ .yaml .no-copy }");
        assert_eq!(o.language.as_deref(), Some("yaml"));
        assert_eq!(o.classes, vec!["no-copy".to_string()]);

        let o = parse(r#"{.python #example .annotate linenums="1"}"#);
        assert_eq!(o.language.as_deref(), Some("python"));
        assert_eq!(o.id.as_deref(), Some("example"));
        assert_eq!(o.classes, vec!["annotate".to_string()]);
        assert_eq!(o.linenums_start, Some(1));

        let o = parse("python .extra #main");
        assert_eq!(o.language.as_deref(), Some("python"));
        assert_eq!(o.classes, vec!["extra".to_string()]);
        assert_eq!(o.id.as_deref(), Some("main"));
    }

    // spec §3.2: garbage never fails and never smuggles markup through.
    #[test]
    fn robust_to_garbage() {
        let o = parse(r#"py" onclick="x" title="unterminated"#);
        assert_eq!(o.language, None);
        assert_eq!(o.title.as_deref(), Some("unterminated"));

        let o = parse(r#"<script> .a"b #c'd = == ="" title"#);
        assert_eq!(o.language, None);
        assert!(o.classes.is_empty());
        assert_eq!(o.id, None);

        let o = parse(r#"python unknown="x y" other=1 title="ok""#);
        assert_eq!(o.language.as_deref(), Some("python"));
        assert_eq!(o.title.as_deref(), Some("ok"));

        for s in [
            "=", "==", "\"", "'", "{", "}", "{}", "a=", "a='", "é=\"ü", "#", ".", "\u{0}",
        ] {
            let _ = parse(s);
        }
    }
}
