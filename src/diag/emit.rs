//! Printing diagnostics: human (colour and a source snippet on a terminal,
//! the same text without colour when piped) and JSON Lines for machines.
//!
//! Output is deterministic: callers sort [`Diagnostics`] first, and the
//! summary line comes last.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use super::{Diagnostic, Diagnostics, Severity};
use crate::source::SourceDb;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text for people; `color` adds ANSI colours.
    Human { color: bool },
    /// One JSON object per line, then a summary object.
    Json,
}

/// One diagnostic as printed in JSON Lines and on the health page: paths
/// resolved, positions 1-based.
#[derive(Debug, Clone, Serialize)]
pub struct Resolved<'a> {
    pub severity: Severity,
    pub code: &'a str,
    pub message: &'a str,
    pub help: Option<&'a str>,
    pub file: Option<&'a str>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub entity: Option<&'a str>,
    pub related: Vec<ResolvedRelated<'a>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResolvedRelated<'a> {
    pub file: &'a str,
    pub line: u32,
    pub column: u32,
    pub message: &'a str,
}

pub fn resolve<'a>(diagnostic: &'a Diagnostic, sources: &'a SourceDb) -> Resolved<'a> {
    Resolved {
        severity: diagnostic.severity,
        code: diagnostic.code.as_str(),
        message: &diagnostic.message,
        help: diagnostic.help.as_deref(),
        file: diagnostic.span.map(|s| sources.display(s.file)),
        line: diagnostic.span.map(|s| s.start.line),
        column: diagnostic.span.map(|s| s.start.col),
        entity: diagnostic.entity.as_deref(),
        related: diagnostic
            .related
            .iter()
            .map(|r| ResolvedRelated {
                file: sources.display(r.span.file),
                line: r.span.start.line,
                column: r.span.start.col,
                message: &r.message,
            })
            .collect(),
    }
}

/// The errors of a build, one line each (`file:line:col: code: message`):
/// what `serve` compares between builds and shows over its pages.
pub fn error_lines(
    diagnostics: &Diagnostics,
    sources: &SourceDb,
) -> std::collections::BTreeSet<String> {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            let r = resolve(d, sources);
            format!(
                "{}:{}:{}: {}: {}",
                r.file.unwrap_or("-"),
                r.line.unwrap_or(0),
                r.column.unwrap_or(0),
                r.code,
                r.message
            )
        })
        .collect()
}

/// Writes every diagnostic and the summary line.
pub fn emit(
    out: &mut dyn Write,
    diagnostics: &Diagnostics,
    sources: &SourceDb,
    format: Format,
    summary: &str,
) -> io::Result<()> {
    match format {
        Format::Json => {
            for d in diagnostics.iter() {
                serde_json::to_writer(&mut *out, &resolve(d, sources))?;
                writeln!(out)?;
            }
            let summary = serde_json::json!({
                "summary": summary,
                "errors": diagnostics.errors(),
                "warnings": diagnostics.warnings(),
            });
            serde_json::to_writer(&mut *out, &summary)?;
            writeln!(out)?;
        }
        Format::Human { color } => {
            for d in diagnostics.iter() {
                write_human(out, d, sources, color)?;
            }
            let style = if diagnostics.errors() > 0 {
                Style::new().bold().fg_color(Some(AnsiColor::Red.into()))
            } else if diagnostics.warnings() > 0 {
                Style::new().bold().fg_color(Some(AnsiColor::Yellow.into()))
            } else {
                Style::new().bold().fg_color(Some(AnsiColor::Green.into()))
            };
            writeln!(out, "{}", paint(color, style, summary))?;
        }
    }
    Ok(())
}

fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

/// The human form, modelled on rustc:
///
/// ```text
/// error[entity/invalid-name]: "metadata.name" is not valid ...
///   --> repos/a/catalog-info.yaml:4:9
///    |
///  4 |   name: Bad Name
///    |         ^
///    = help: use letters, digits and - _ . ...
/// ```
pub fn write_human(
    out: &mut dyn Write,
    d: &Diagnostic,
    sources: &SourceDb,
    color: bool,
) -> io::Result<()> {
    let (label, label_style) = match d.severity {
        Severity::Error => (
            "error",
            Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
        ),
        Severity::Warning => (
            "warning",
            Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
        ),
    };
    let blue = Style::new().bold().fg_color(Some(AnsiColor::Blue.into()));
    let bold = Style::new().bold();
    writeln!(
        out,
        "{}{}",
        paint(color, label_style, &format!("{label}[{}]", d.code)),
        paint(color, bold, &format!(": {}", d.message))
    )?;
    if let Some(span) = d.span {
        let line_no = span.start.line.to_string();
        let gutter = " ".repeat(line_no.len());
        writeln!(
            out,
            "{gutter}{} {}:{}:{}",
            paint(color, blue, "-->"),
            sources.display(span.file),
            span.start.line,
            span.start.col
        )?;
        if let Some(text) = sources.line_text(span.file, span.start.line) {
            // Long lines (minified JSON, embedded definitions) would flood
            // the terminal; the position above is enough to find them.
            if text.chars().count() <= 200 {
                let caret_len = if span.end.line == span.start.line && span.end.col > span.start.col
                {
                    (span.end.col - span.start.col) as usize
                } else {
                    1
                };
                let pad: String = text
                    .chars()
                    .take(span.start.col.saturating_sub(1) as usize)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                writeln!(out, "{gutter} {}", paint(color, blue, "|"))?;
                writeln!(
                    out,
                    "{} {} {}",
                    paint(color, blue, &line_no),
                    paint(color, blue, "|"),
                    text
                )?;
                writeln!(
                    out,
                    "{gutter} {} {pad}{}",
                    paint(color, blue, "|"),
                    paint(color, label_style, &"^".repeat(caret_len.min(80)))
                )?;
            }
        }
        for r in &d.related {
            writeln!(
                out,
                "{gutter} {} {}: {}:{}:{}",
                paint(color, blue, "="),
                paint(color, bold, "note"),
                sources.display(r.span.file),
                r.span.start.line,
                r.span.start.col
            )?;
            writeln!(out, "{gutter}   {}", r.message)?;
        }
        if let Some(help) = &d.help {
            writeln!(
                out,
                "{gutter} {} {}: {help}",
                paint(color, blue, "="),
                paint(color, bold, "help")
            )?;
        }
    } else {
        for r in &d.related {
            writeln!(
                out,
                "  = note: {}:{}:{}: {}",
                sources.display(r.span.file),
                r.span.start.line,
                r.span.start.col,
                r.message
            )?;
        }
        if let Some(help) = &d.help {
            writeln!(out, "  = {}: {help}", paint(color, bold, "help"))?;
        }
    }
    writeln!(out)
}

/// "2 errors, 1 warning" style counts.
pub fn counts(diagnostics: &Diagnostics) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{}, {}",
        plural(diagnostics.errors(), "error"),
        plural(diagnostics.warnings(), "warning")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;
    use crate::source::{FileId, Pos, SourceFile, Span};

    fn sample() -> (Diagnostics, SourceDb) {
        let mut sources = SourceDb::new();
        let file = sources.add(SourceFile {
            path: "/p/catalog-info.yaml".into(),
            display: "catalog-info.yaml".into(),
            text: Some("metadata:\n  name: Bad Name\n".into()),
        });
        let mut diags = Diagnostics::new();
        diags.push(
            Diagnostic::new(Code::EntityInvalidName, "\"metadata.name\" is not valid")
                .at(Span::new(file, Pos::new(2, 9), Pos::new(2, 17)))
                .help("use letters, digits and - _ ."),
        );
        assert_eq!(file, FileId(0));
        (diags, sources)
    }

    #[test]
    fn human_output_has_position_snippet_and_caret() {
        let (diags, sources) = sample();
        let mut out = Vec::new();
        emit(
            &mut out,
            &diags,
            &sources,
            Format::Human { color: false },
            "1 error",
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("error[entity/invalid-name]: \"metadata.name\" is not valid\n"),
            "{text}"
        );
        assert!(text.contains(" --> catalog-info.yaml:2:9\n"), "{text}");
        assert!(text.contains("2 |   name: Bad Name\n"), "{text}");
        assert!(text.contains("|         ^^^^^^^^\n"), "{text}");
        assert!(text.contains("= help: use letters"), "{text}");
        assert!(!text.contains('\u{1b}'));
        assert!(text.ends_with("1 error\n"));
    }

    #[test]
    fn colour_only_when_asked() {
        let (diags, sources) = sample();
        let mut out = Vec::new();
        emit(
            &mut out,
            &diags,
            &sources,
            Format::Human { color: true },
            "1 error",
        )
        .unwrap();
        assert!(String::from_utf8(out).unwrap().contains("\u{1b}["));
    }

    #[test]
    fn json_lines_then_summary() {
        let (diags, sources) = sample();
        let mut out = Vec::new();
        emit(&mut out, &diags, &sources, Format::Json, "1 error").unwrap();
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["code"], "entity/invalid-name");
        assert_eq!(lines[0]["line"], 2);
        assert_eq!(lines[1]["errors"], 1);
    }
}
