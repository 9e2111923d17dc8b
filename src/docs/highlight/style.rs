//! The stylesheet for highlighted code: token colours from two of
//! syntect's bundled themes (light `InspiredGitHub`, dark
//! `base16-ocean.dark` on the site's dark surface), switched by
//! `prefers-color-scheme` like the rest of the default theme, with colours
//! nudged to WCAG AA contrast; plus the layout of Pygments' line-number
//! table.

use std::fmt::Write as _;
use std::sync::OnceLock;

use syntect::highlighting::{Color, FontStyle, StyleModifier, Theme, ThemeSet};
use syntect::parsing::Scope;

use super::html::class_name;

const LIGHT_THEME: &str = "InspiredGitHub";
const DARK_THEME: &str = "base16-ocean.dark";

/// WCAG AA for normal-size text.
const MIN_CONTRAST: f64 = 4.5;

/// The two themes, prepared once.
pub struct Themes {
    pub light: Scheme,
    pub dark: Scheme,
    /// Every scope named in a rule of either theme: a token scope with none
    /// of these as a prefix can match no CSS rule and gets no span.
    pub selector_scopes: Vec<Scope>,
}

/// One colour scheme: the theme (colours adjusted) and the layout colours.
pub struct Scheme {
    pub theme: Theme,
    fg: Color,
    bg: Color,
    hll: Color,
    mark: Color,
    lineno: Color,
    border: Color,
    title_bg: Color,
}

pub fn themes() -> &'static Themes {
    static THEMES: OnceLock<Themes> = OnceLock::new();
    THEMES.get_or_init(|| {
        let mut set = ThemeSet::load_defaults();
        let mut take = |name: &str| set.themes.remove(name).expect("syntect bundles this theme");
        // Light: the theme's white, highlighted lines in a pale yellow,
        // inline code also on the site's light surface.
        let light = scheme(
            take(LIGHT_THEME),
            None,
            rgb(0xff, 0xf8, 0xc5),
            rgb(0xbf, 0x87, 0x00),
            &[rgb(0xf6, 0xf8, 0xfa)],
        );
        // Dark: base16-ocean's own background (#2b303b) leaves its reds and
        // browns under 4:1, and any lighter line highlight makes that
        // worse; the site's dark surface (#161b22) keeps the palette
        // nearly untouched.
        let dark = scheme(
            take(DARK_THEME),
            Some(rgb(0x16, 0x1b, 0x22)),
            rgb(0x26, 0x2d, 0x38),
            rgb(0xeb, 0xcb, 0x8b),
            &[],
        );
        let mut selector_scopes: Vec<Scope> = [&light.theme, &dark.theme]
            .iter()
            .flat_map(|t| &t.scopes)
            .flat_map(|item| &item.scope.selectors)
            .flat_map(|selector| selector.extract_scopes())
            .collect();
        selector_scopes.sort_by_key(|s| s.build_string());
        selector_scopes.dedup();
        Themes {
            light,
            dark,
            selector_scopes,
        }
    })
}

/// Prepares a theme: simplified selectors (see [`simplify_selectors`]),
/// the code background `bg` if given, every token colour at least
/// [`MIN_CONTRAST`] against the code background, the highlighted-line
/// background `hll` and `extra_bgs` (where inline code may sit); `mark` is
/// the bar at the left of highlighted lines.
fn scheme(
    mut theme: Theme,
    bg: Option<Color>,
    hll: Color,
    mark: Color,
    extra_bgs: &[Color],
) -> Scheme {
    simplify_selectors(&mut theme);
    let bg = bg
        .or(theme.settings.background)
        .unwrap_or(rgb(0xff, 0xff, 0xff));
    theme.settings.background = Some(bg);
    let dark = luminance(bg) < 0.5;
    let default_fg = if dark {
        rgb(0xee, 0xee, 0xee)
    } else {
        rgb(0x22, 0x22, 0x22)
    };
    let mut bgs = vec![bg, hll];
    bgs.extend_from_slice(extra_bgs);
    let fg = readable(theme.settings.foreground.unwrap_or(default_fg), &bgs);
    theme.settings.foreground = Some(fg);
    for item in &mut theme.scopes {
        if let Some(color) = item.style.foreground {
            let own_bg = item.style.background.map(|b| over(b, bg));
            let against = own_bg.map_or(bgs.clone(), |b| vec![b]);
            item.style.foreground = Some(readable(over(color, own_bg.unwrap_or(bg)), &against));
        }
    }
    // Line numbers: the theme's gutter colour, or halfway between text
    // and background, made readable (they are muted, not invisible).
    let gutter = theme
        .settings
        .gutter_foreground
        .map(|c| over(c, bg))
        .unwrap_or(mix(fg, bg, 0.5));
    Scheme {
        lineno: readable(gutter, &[bg]),
        border: mix(bg, fg, 0.18),
        title_bg: mix(bg, fg, 0.06),
        theme,
        fg,
        bg,
        hll,
        mark,
    }
}

/// Removes what CSS cannot express the way a Sublime-style theme means it.
///
/// InspiredGitHub styles JSON keys with twenty rules like `meta meta …
/// meta.structure.dictionary.json string.quoted.double.json`, relying on
/// Sublime's "deepest match wins" scoring. As CSS descendant selectors they
/// would make every `meta.*` scope need a span (the bare `meta`), and they
/// still colour nested keys wrongly. Rules naming a bare `meta` are dropped;
/// the key rule is re-aimed at the scope the JSON grammar gives keys
/// (`meta.structure.dictionary.key.json`), and the rule that undid it for
/// values is dropped (values then look like every other string).
fn simplify_selectors(theme: &mut Theme) {
    let meta = scope("meta");
    let dict = scope("meta.structure.dictionary.json");
    let value = scope("meta.structure.dictionary.value.json");
    let key = scope("meta.structure.dictionary.key.json");
    for item in &mut theme.scopes {
        item.scope.selectors.retain_mut(|selector| {
            let path = &mut selector.path.scopes;
            if path.contains(&meta) || (path.first() == Some(&dict) && path.get(1) == Some(&value))
            {
                return false;
            }
            if path.first() == Some(&dict) {
                path[0] = key;
            }
            true
        });
    }
    theme.scopes.retain(|item| !item.scope.selectors.is_empty());
}

fn scope(s: &str) -> Scope {
    Scope::new(s).expect("a valid scope")
}

/// The CSS for highlighted code (see the module docs). Token rules come
/// from [`token_css`]; each theme sits in its own media block so that no
/// light rule leaks into dark mode or back.
pub fn stylesheet() -> String {
    let themes = themes();
    let mut css = String::with_capacity(24 * 1024);
    css.push_str(
        "/* Highlighted code (Backlot docs::highlight): Pygments' table layout,\n   \
         token classes `y0`, `y1`… stand for the themes' scope selectors. Light: InspiredGitHub,\n   \
         dark: base16-ocean.dark; token colours adjusted to at least 4.5:1\n   \
         against the code background and highlighted lines. */\n\n",
    );
    vars(&mut css, &themes.light, "");
    css.push_str("@media (prefers-color-scheme: dark) {\n");
    vars(&mut css, &themes.dark, "  ");
    css.push_str("}\n\n");
    css.push_str(LAYOUT);
    for (media, scheme) in [
        ("not all and (prefers-color-scheme: dark)", &themes.light),
        ("(prefers-color-scheme: dark)", &themes.dark),
    ] {
        let tokens = token_css(&scheme.theme, &themes.selector_scopes);
        let _ = writeln!(css, "\n@media {media} {{");
        css.push_str(&tokens);
        css.push_str("}\n");
    }
    css
}

/// The token rules of `theme` in the short classes of `html.rs`.
///
/// syntect's `css_for_theme_with_class_style` (`SpacedPrefixed { prefix:
/// "sy-" }`) writes a rule selector per scope path, each scope as a
/// compound of atom classes (`.sy-string.sy-quoted`), for elements carrying
/// atom classes. Each element now carries the one class of a selector scope
/// `S` ([`class_name`], index into `selectors`) instead of the atoms of `S`,
/// so a compound `K` becomes the list of the classes of every `S` whose
/// atoms include all of `K`'s: exactly the elements it matched before. Each
/// class is repeated once per atom of `K` (`.y3.y3`), so specificity, and
/// with it the cascade between rules, is unchanged; rule order and bodies
/// are syntect's. Descendant paths take every combination.
fn token_css(theme: &Theme, selectors: &[Scope]) -> String {
    let mut css = String::new();
    let name = theme.name.as_deref().unwrap_or("unknown theme");
    let _ = write!(
        css,
        "/*\n * theme \"{name}\" generated by syntect, classes renamed by Backlot\n */\n\n"
    );
    let matching = |k: &Scope| -> Vec<String> {
        let atoms = |s: &Scope| {
            (0..s.len() as usize)
                .map(|i| s.atom_at(i))
                .collect::<Vec<_>>()
        };
        let wanted = atoms(k);
        selectors
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                let have = atoms(s);
                wanted.iter().all(|a| have.contains(a))
            })
            .map(|(i, _)| format!(".{}", class_name(i)).repeat(k.len() as usize))
            .collect()
    };
    // syntect's `.sy-code` rule: the theme's own colours on the atom class
    // `code`.
    let code = Scope::new("code").expect("a valid scope");
    let base = StyleModifier {
        foreground: theme.settings.foreground,
        background: theme.settings.background,
        font_style: None,
    };
    rule(&mut css, &[vec![matching(&code)]], &base);
    for item in &theme.scopes {
        let paths: Vec<Vec<Vec<String>>> = item
            .scope
            .selectors
            .iter()
            .map(|selector| selector.extract_scopes().iter().map(matching).collect())
            .collect();
        rule(&mut css, &paths, &item.style);
    }
    css
}

/// One rule of [`token_css`]: `paths` are descendant chains of compounds,
/// each compound a list of alternative selectors. Nothing is written when
/// no chain can match.
fn rule(css: &mut String, paths: &[Vec<Vec<String>>], style: &StyleModifier) {
    let mut list: Vec<String> = Vec::new();
    for path in paths {
        let mut chains = vec![String::new()];
        for compound in path {
            chains = chains
                .iter()
                .flat_map(|chain| {
                    compound.iter().map(move |alt| {
                        if chain.is_empty() {
                            alt.clone()
                        } else {
                            format!("{chain} {alt}")
                        }
                    })
                })
                .collect();
        }
        list.extend(chains.into_iter().filter(|c| !c.is_empty()));
    }
    if list.is_empty() {
        return;
    }
    css.push_str(&list.join(", "));
    css.push_str(" {\n");
    if let Some(fg) = style.foreground {
        let _ = writeln!(css, " color: {};", hex(fg));
    }
    if let Some(bg) = style.background {
        let _ = writeln!(css, " background-color: {};", hex(bg));
    }
    if let Some(fs) = style.font_style {
        if fs.contains(FontStyle::UNDERLINE) {
            css.push_str("text-decoration: underline;\n");
        }
        if fs.contains(FontStyle::BOLD) {
            css.push_str("font-weight: bold;\n");
        }
        if fs.contains(FontStyle::ITALIC) {
            css.push_str("font-style: italic;\n");
        }
    }
    css.push_str("}\n");
}

fn vars(css: &mut String, s: &Scheme, indent: &str) {
    let _ = writeln!(
        css,
        "{indent}.highlight, .diagram-notice {{\n\
         {indent}  --sy-fg: {};\n\
         {indent}  --sy-bg: {};\n\
         {indent}  --sy-hll: {};\n\
         {indent}  --sy-hll-mark: {};\n\
         {indent}  --sy-lineno: {};\n\
         {indent}  --sy-border: {};\n\
         {indent}  --sy-title-bg: {};\n\
         {indent}}}",
        hex(s.fg),
        hex(s.bg),
        hex(s.hll),
        hex(s.mark),
        hex(s.lineno),
        hex(s.border),
        hex(s.title_bg),
    );
}

/// Layout: the table becomes a flex row so the code cell can scroll
/// sideways on its own (narrow screens) while the line numbers stay put;
/// both cells use the same font size and line height so numbers line up.
const LAYOUT: &str = r#"div.highlight {
  margin: 1em 0;
  color: var(--sy-fg);
  background: var(--sy-bg);
  border: 1px solid var(--sy-border);
  border-radius: 6px;
  overflow: hidden;
}
.highlighttable {
  display: block;
  width: 100%;
  margin: 0;
  border: 0;
  border-collapse: collapse;
  border-spacing: 0;
}
.highlighttable tbody { display: block; }
.highlighttable tr { display: flex; flex-wrap: wrap; }
.highlighttable td { display: block; padding: 0; border: 0; }
.highlighttable th.filename {
  display: block;
  flex: 1 0 100%;
  padding: 0.4em 1em;
  text-align: left;
  font-family: var(--mono, monospace);
  font-size: 0.85em;
  font-weight: 600;
  background: var(--sy-title-bg);
  border-bottom: 1px solid var(--sy-border);
  overflow-wrap: anywhere;
}
.highlighttable pre {
  margin: 0;
  padding: 0.75em 1em;
  font-family: var(--mono, monospace);
  font-size: 0.875em;
  line-height: 1.5;
  color: inherit;
  background: transparent;
  border: 0;
  white-space: pre;
  tab-size: 4;
}
.highlighttable td.linenos {
  flex: none;
  color: var(--sy-lineno);
  text-align: right;
  border-right: 1px solid var(--sy-border);
  -webkit-user-select: none;
  user-select: none;
}
.highlighttable td.linenos pre { padding-right: 0.75em; }
.highlighttable td.code { flex: 1 1 0; min-width: 0; }
.highlighttable td.code pre { overflow-x: auto; }
.highlighttable td.code code {
  display: block;
  width: max-content;
  min-width: 100%;
  padding: 0;
  font: inherit;
  color: inherit;
  background: none;
  overflow-wrap: normal;
}
.highlight .hll {
  display: block;
  margin: 0 -1em;
  padding: 0 1em;
  background: var(--sy-hll);
  box-shadow: inset 3px 0 var(--sy-hll-mark);
}
code.highlight { color: var(--sy-fg); }
.diagram-notice { font-size: 0.875em; font-style: italic; margin-bottom: 0.25em; }
"#;

fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color { r, g, b, a: 0xff }
}

fn hex(c: Color) -> String {
    format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b)
}

/// `c` composited over an opaque `bg`.
fn over(c: Color, bg: Color) -> Color {
    let a = f64::from(c.a) / 255.0;
    let ch = |f: u8, b: u8| (f64::from(f) * a + f64::from(b) * (1.0 - a)).round() as u8;
    rgb(ch(c.r, bg.r), ch(c.g, bg.g), ch(c.b, bg.b))
}

/// `a` moved a fraction `t` of the way to `b`.
fn mix(a: Color, b: Color, t: f64) -> Color {
    let ch = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    rgb(ch(a.r, b.r), ch(a.g, b.g), ch(a.b, b.b))
}

/// WCAG 2 relative luminance.
fn luminance(c: Color) -> f64 {
    let lin = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.03928 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
}

/// WCAG 2 contrast ratio (1 to 21).
pub(super) fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `fg` unchanged if it reaches [`MIN_CONTRAST`] against every colour in
/// `bgs`, else moved step by step towards black (light backgrounds) or
/// white (dark ones) until it does; the hue is kept as far as possible.
fn readable(fg: Color, bgs: &[Color]) -> Color {
    let ok = |c: Color| bgs.iter().all(|&bg| contrast(c, bg) >= MIN_CONTRAST);
    if ok(fg) {
        return fg;
    }
    let dark_bg = bgs.first().is_some_and(|&bg| luminance(bg) < 0.5);
    let target = if dark_bg {
        rgb(0xff, 0xff, 0xff)
    } else {
        rgb(0, 0, 0)
    };
    (1..=100)
        .map(|step| mix(fg, target, f64::from(step) / 100.0))
        .find(|&c| ok(c))
        .unwrap_or(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue #3 (stylesheet, WCAG AA): every token colour, the text colour and the
    // line numbers reach WCAG AA (4.5:1) on the code background and on
    // highlighted lines, in both schemes.
    #[test]
    fn colours_reach_wcag_aa() {
        let themes = themes();
        for s in [&themes.light, &themes.dark] {
            for bg in [s.bg, s.hll] {
                assert!(contrast(s.fg, bg) >= MIN_CONTRAST);
                for item in &s.theme.scopes {
                    if let (Some(fg), None) = (item.style.foreground, item.style.background) {
                        let ratio = contrast(fg, bg);
                        assert!(ratio >= MIN_CONTRAST, "{:?} {ratio:.2}", item.scope);
                    }
                }
            }
            assert!(contrast(s.lineno, s.bg) >= MIN_CONTRAST);
            // The bar marking highlighted lines is a graphic: 3:1.
            assert!(contrast(s.mark, s.bg) >= 3.0);
        }
        // base16-ocean's comment grey (#65737e, 3.5:1 on #161b22) was lightened.
        assert!(contrast(rgb(0x65, 0x73, 0x7e), themes.dark.bg) < MIN_CONTRAST);
    }

    // Stylesheet: both themes, each scoped to its colour scheme; the table
    // layout with unselectable line numbers and a scrolling code cell.
    #[test]
    fn stylesheet_shape() {
        let css = stylesheet();
        assert!(css.contains(
            "@media not all and (prefers-color-scheme: dark) {\n/*\n * theme \"GitHub\""
        ));
        assert!(
            css.contains(
                "@media (prefers-color-scheme: dark) {\n/*\n * theme \"Base16 Ocean Dark\""
            )
        );
        let class = |s: &str| {
            let i = themes().selector_scopes.iter().position(|x| *x == scope(s));
            class_name(i.expect("a selector scope"))
        };
        let selects = |c: String| css.split([',', ' ', '\n']).any(|t| t == format!(".{c}"));
        assert!(selects(class("comment")));
        assert!(css.contains("user-select: none"));
        assert!(css.contains("overflow-x: auto"));
        assert!(css.contains(".highlight .hll"));
        assert!(css.contains("th.filename"));
        // The bare-`meta` JSON rules are gone; keys are styled directly,
        // at the specificity of `.sy-meta.….sy-json .sy-string.….sy-json`
        // (five classes, then four).
        let key = format!(".{}", class("meta.structure.dictionary.key.json")).repeat(5);
        let string = format!(".{}", class("string.quoted.double.json")).repeat(4);
        assert!(css.contains(&format!("{key} {string}")));
        assert!(!css.contains("sy-string"));
        assert_eq!(css.matches('{').count(), css.matches('}').count());
    }

    #[test]
    fn no_bare_meta_selector_scope() {
        assert!(!themes().selector_scopes.contains(&scope("meta")));
        assert!(themes().selector_scopes.contains(&scope("comment")));
    }
}
