//! Splitting a rendered, sanitized docs article into h1–h3 sections of
//! plain text. A single forward scan: the input is Backlot's own sanitized
//! HTML (well-formed, quoted attributes), not arbitrary web pages.

/// One section: `Some((id, heading))` from its h1–h3 (`id` is empty when
/// the heading has none), `None` for text before the first heading.
pub type Section = (Option<(String, String)>, String);

/// Elements whose text is not searchable: permalinks (`a.headerlink`),
/// code line-number columns (`td.linenos`), scripts and styles.
fn skipped(tag: &Tag) -> bool {
    let has = |c: &str| {
        tag.attr("class")
            .is_some_and(|cl| cl.split_ascii_whitespace().any(|x| x == c))
    };
    match &*tag.name {
        "script" | "style" | "template" => true,
        "a" => has("headerlink"),
        "td" => has("linenos"),
        _ => false,
    }
}

/// Inline elements: no word boundary at their tags (`<em>x</em>y` is `xy`).
fn inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "abbr"
            | "b"
            | "bdi"
            | "cite"
            | "code"
            | "del"
            | "em"
            | "i"
            | "ins"
            | "kbd"
            | "mark"
            | "q"
            | "s"
            | "samp"
            | "small"
            | "span"
            | "strong"
            | "sub"
            | "sup"
            | "u"
            | "var"
    )
}

struct Tag<'a> {
    /// Lower-cased (borrowed when it already is, as in Backlot's HTML).
    name: std::borrow::Cow<'a, str>,
    closing: bool,
    self_closing: bool,
    attrs: &'a str,
}

impl Tag<'_> {
    fn attr(&self, key: &str) -> Option<&str> {
        let mut rest = self.attrs;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() {
                return None;
            }
            let name_end = rest
                .find(|c: char| c == '=' || c.is_whitespace() || c == '/')
                .unwrap_or(rest.len());
            let name = &rest[..name_end];
            rest = rest[name_end..].trim_start();
            let mut value = "";
            if let Some(after) = rest.strip_prefix('=') {
                let after = after.trim_start();
                match after.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let body = &after[1..];
                        let end = body.find(q).unwrap_or(body.len());
                        value = &body[..end];
                        rest = body.get(end + 1..).unwrap_or("");
                    }
                    _ => {
                        let end = after.find(char::is_whitespace).unwrap_or(after.len());
                        value = &after[..end];
                        rest = &after[end..];
                    }
                }
            }
            if name.eq_ignore_ascii_case(key) {
                return Some(value);
            }
        }
    }
}

/// Parses the tag starting at `s[0] == '<'`; returns it and its length, or
/// `None` for comments/doctypes (length still given) and stray `<`.
fn parse_tag(s: &str) -> (Option<Tag<'_>>, usize) {
    if s.starts_with("<!--") {
        let len = s.find("-->").map_or(s.len(), |i| i + 3);
        return (None, len);
    }
    let Some(end) = s.find('>') else {
        return (None, 1);
    };
    let inner = &s[1..end];
    if inner.starts_with('!') || inner.starts_with('?') {
        return (None, end + 1);
    }
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    let name_end = inner
        .find(|c: char| c.is_whitespace() || c == '/')
        .unwrap_or(inner.len());
    let name = &inner[..name_end];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return (None, 1);
    }
    let tag = Tag {
        name: if name.bytes().any(|b| b.is_ascii_uppercase()) {
            name.to_ascii_lowercase().into()
        } else {
            name.into()
        },
        closing,
        self_closing: inner.ends_with('/'),
        attrs: &inner[name_end..],
    };
    (Some(tag), end + 1)
}

/// Appends `text` with entities decoded, pilcrows removed and whitespace
/// collapsed to single spaces.
fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while !rest.is_empty() {
        // Runs of plain characters are copied as they are.
        let plain = rest
            .bytes()
            .position(|b| b == b'&' || b.is_ascii_whitespace() || b >= 0x80)
            .unwrap_or(rest.len());
        if plain > 0 {
            out.push_str(&rest[..plain]);
            rest = &rest[plain..];
            continue;
        }
        let (c, len) = match rest.strip_prefix('&').and_then(decode_entity) {
            Some((c, len)) => (c, len + 1),
            None => {
                let c = rest.chars().next().unwrap_or(' ');
                (c, c.len_utf8())
            }
        };
        rest = &rest[len..];
        if c == '¶' {
            continue;
        }
        if c.is_whitespace() {
            push_space(out);
        } else {
            out.push(c);
        }
    }
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

/// Decodes the entity after a `&`: returns the character and the length
/// consumed (including the `;`).
fn decode_entity(s: &str) -> Option<(char, usize)> {
    let (end, _) = s.char_indices().take(12).find(|&(_, c)| c == ';')?;
    let name = &s[..end];
    let c = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(code)?
    } else {
        match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => ' ',
            "para" => '¶',
            "mdash" => '—',
            "ndash" => '–',
            "hellip" => '…',
            "copy" => '©',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

/// Splits a rendered docs article into sections at each h1–h3. Text has
/// no tags, permalinks, line numbers or scripts; entities are decoded and
/// whitespace collapsed. h4–h6 stay in the text of their section. The
/// leading section (`None`) is dropped when it has no text.
pub fn sections_of(html: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut current: (Option<(String, String)>, String) = (None, String::new());
    // In a heading: its level, id and text so far.
    let mut heading: Option<(u8, String, String)> = None;
    // Inside a skipped element: its name and nesting depth.
    let mut skip: Option<(String, usize)> = None;
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        if let Some((name, _)) = &skip {
            // Inside a skipped element only its own tags matter: jump to
            // the next `<name` or `</name`.
            let next = rest.match_indices('<').map(|(at, _)| at).find(|&at| {
                let after = rest[at + 1..].strip_prefix('/').unwrap_or(&rest[at + 1..]);
                after.len() >= name.len()
                    && after.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            });
            match next {
                Some(0) => {}
                Some(at) => {
                    i += at;
                    continue;
                }
                None => break,
            }
        }
        if !rest.starts_with('<') {
            let end = rest.find('<').unwrap_or(rest.len());
            if skip.is_none() {
                let buf = match &mut heading {
                    Some((_, _, text)) => text,
                    None => &mut current.1,
                };
                push_text(buf, &rest[..end]);
            }
            i += end;
            continue;
        }
        let (tag, len) = parse_tag(rest);
        i += len;
        let Some(tag) = tag else {
            if len == 1 && skip.is_none() {
                current.1.push('<');
            }
            continue;
        };
        if let Some((name, depth)) = &mut skip {
            if *name == tag.name && !tag.self_closing {
                if tag.closing {
                    *depth -= 1;
                    if *depth == 0 {
                        skip = None;
                    }
                } else {
                    *depth += 1;
                }
            }
            continue;
        }
        if !tag.closing && !tag.self_closing && skipped(&tag) {
            skip = Some((tag.name.to_string(), 1));
            continue;
        }
        let level = match &*tag.name {
            "h1" => Some(1),
            "h2" => Some(2),
            "h3" => Some(3),
            _ => None,
        };
        match (level, tag.closing) {
            (Some(level), false) => {
                let id = tag.attr("id").map(|id| {
                    let mut s = String::new();
                    push_text(&mut s, id);
                    s
                });
                heading = Some((level, id.unwrap_or_default(), String::new()));
            }
            (Some(level), true) if heading.as_ref().is_some_and(|h| h.0 == level) => {
                let (_, id, text) = heading.take().unwrap_or_default();
                let done = std::mem::replace(
                    &mut current,
                    (Some((id, text.trim_end().to_string())), String::new()),
                );
                sections.push(done);
            }
            _ => {
                if !inline(&tag.name) {
                    let buf = match &mut heading {
                        Some((_, _, text)) => text,
                        None => &mut current.1,
                    };
                    push_space(buf);
                }
            }
        }
    }
    sections.push(current);
    for (_, text) in &mut sections {
        let trimmed = text.trim_end().len();
        text.truncate(trimmed);
    }
    if sections
        .first()
        .is_some_and(|(h, t)| h.is_none() && t.is_empty())
    {
        sections.remove(0);
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = r##"<p>Intro &amp; overview.</p>
<h1 id="artist-lookup">Artist Lookup<a class="headerlink" href="#artist-lookup" title="Permanent link">&para;</a></h1>
<p>Looks up <em>art</em>ists by <code>id</code>.</p>
<h2 class="a b" data-x="1 2" id="usage">Usage <code>cli</code><a class="headerlink" href="#usage" title="Permanent link">¶</a></h2>
<p>Call it:</p>
<div class="language-python highlight"><table class="highlighttable"><tr><td class="linenos"><div class="linenodiv"><pre><span></span><span class="normal">1</span>
<span class="normal">2</span></pre></div></td><td class="code"><div><pre><span></span><code><span class="kn">import</span> lookup
lookup<span class="o">.</span>find<span class="p">(</span><span class="s2">&quot;x&quot;</span><span class="p">)</span>
</code></pre></div></td></tr></table></div>
<h4 id="deep">Deep<a class="headerlink" href="#deep">¶</a></h4>
<ul><li>one</li><li>two</li></ul>
<!-- a comment <h2>not a heading</h2> -->
<h3>No id</h3>
<script>var x = "<h2>";</script><p>a &lt; b &#x27;c&#39; 1&nbsp;2</p>"##;

    #[test]
    fn splits_at_h1_to_h3_and_cleans_text() {
        let sections = sections_of(ARTICLE);
        let got: Vec<(Option<(&str, &str)>, &str)> = sections
            .iter()
            .map(|(h, t)| {
                (
                    h.as_ref().map(|(i, h)| (i.as_str(), h.as_str())),
                    t.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (None, "Intro & overview."),
                (
                    Some(("artist-lookup", "Artist Lookup")),
                    "Looks up artists by id."
                ),
                (
                    Some(("usage", "Usage cli")),
                    "Call it: import lookup lookup.find(\"x\") Deep one two"
                ),
                (Some(("", "No id")), "a < b 'c' 1 2"),
            ]
        );
    }

    #[test]
    fn empty_leading_section_is_dropped_and_empty_input_gives_nothing() {
        assert!(sections_of("").is_empty());
        let s = sections_of("<h2 id=\"a\">A</h2>");
        assert_eq!(
            s,
            [(Some(("a".to_string(), "A".to_string())), String::new())]
        );
    }
}
