//! Diagnostics rendered as text, miette style: `file:line:col at `path`: message`, the source
//! line with a caret under the offending value, its label, and the help line.
//!
//! Rendering is a pure function of the diagnostic, its source text and a [`RenderStyle`]; the
//! front end picks the style (the CLI: plain when `NO_COLOR` is set or stderr is not a terminal).

use fleetplan_core::diagnostic::{Diagnostic, Severity};
use miette::{LabeledSpan, MietteDiagnostic, NamedSource, Report};

/// Line width of [`RenderStyle::Plain`] output, in characters.
pub const PLAIN_WIDTH: usize = 100;

/// How diagnostics are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderStyle {
    /// No colour, unicode frames, [`PLAIN_WIDTH`] columns: stable text for pipes, logs, web
    /// responses and snapshot tests.
    Plain,
    /// miette's default handler: colours and width chosen from the terminal it detects.
    Terminal,
}

/// Render every diagnostic of one input text, each followed by a newline.
pub fn render_diagnostics(text: &str, diagnostics: &[Diagnostic], style: RenderStyle) -> String {
    let mut rendered = String::new();
    for diagnostic in diagnostics {
        rendered.push_str(&render_diagnostic(text, diagnostic, style));
        rendered.push('\n');
    }
    rendered
}

/// Source lines longer than this many bytes are not quoted: the headline still gives
/// file:line:col, but a snippet of a machine-made line (a table nested thousands of levels
/// deep, a minified file) would bury the message.
pub const MAX_QUOTED_LINE_BYTES: usize = 400;

/// Render one diagnostic of `text` (the input its span points into) as text.
///
/// Control characters in the source and in the messages are made visible (see
/// [`escape_control`] and [`mask_control`]) so that a name holding an ANSI escape or a NUL
/// cannot drive the terminal. The snippet frame names the file only: the headline carries the
/// one line:column (columns in characters), so the two can never disagree.
pub fn render_diagnostic(text: &str, diagnostic: &Diagnostic, style: RenderStyle) -> String {
    let diagnostic = escaped(&diagnostic.clone().located_in(text));
    let quoted = diagnostic.span.as_ref().is_some_and(|span| quotable(text, span.start));
    let theme = match style {
        RenderStyle::Plain => miette::GraphicalTheme::unicode_nocolor(),
        RenderStyle::Terminal => miette::GraphicalTheme::unicode(),
    };
    let mut handler = miette::GraphicalReportHandler::new_themed(theme)
        .without_primary_span_start()
        .with_break_words(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    if style == RenderStyle::Plain {
        handler = handler.with_width(PLAIN_WIDTH);
    }
    let mut rendered_diagnostic = miette_diagnostic(text, &diagnostic);
    if !quoted {
        rendered_diagnostic.labels = None;
    }
    let report = Report::new(rendered_diagnostic)
        .with_source_code(NamedSource::new(diagnostic.source_name.clone(), mask_control(text)));
    let mut rendered = String::new();
    if handler.render_report(&mut rendered, report.as_ref()).is_ok() {
        return rendered;
    }
    format!("{report:?}")
}

/// Whether the line holding byte `offset` of `text` is short enough to quote.
fn quotable(text: &str, offset: usize) -> bool {
    let offset = offset.min(text.len());
    let start = text.as_bytes()[..offset].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let end = text.as_bytes()[offset..].iter().position(|&b| b == b'\n').map_or(text.len(), |i| offset + i);
    end - start <= MAX_QUOTED_LINE_BYTES
}

/// `text` with control characters (other than newline and tab) written as escapes
/// (`\u{1b}`, `\u{d}`), for messages shown on a terminal: no escape sequence, NUL or carriage
/// return from an input reaches it.
pub fn escape_control(text: &str) -> std::borrow::Cow<'_, str> {
    let hostile = |ch: char| ch.is_control() && !matches!(ch, '\n' | '\t');
    if !text.chars().any(hostile) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if hostile(ch) {
            escaped.push_str(&format!("\\u{{{:x}}}", u32::from(ch)));
        } else {
            escaped.push(ch);
        }
    }
    std::borrow::Cow::Owned(escaped)
}

/// `text` with each control character (other than newline, tab and the carriage return of a
/// CRLF line end, which the snippet drawing handles) replaced by as many `?` as it has bytes, so
/// byte spans into the text stay valid.
pub fn mask_control(text: &str) -> String {
    text.chars().map(|ch| if is_hostile_control(ch) { "?".repeat(ch.len_utf8()) } else { ch.to_string() }).collect()
}

fn is_hostile_control(ch: char) -> bool {
    ch.is_control() && !matches!(ch, '\n' | '\t' | '\r')
}

/// The diagnostic with its message, label, help, path and source name escaped.
fn escaped(diagnostic: &Diagnostic) -> Diagnostic {
    let esc = |s: &String| escape_control(s).into_owned();
    Diagnostic {
        source_name: esc(&diagnostic.source_name),
        path: diagnostic.path.as_ref().map(esc),
        message: esc(&diagnostic.message),
        label: diagnostic.label.as_ref().map(esc),
        help: diagnostic.help.as_ref().map(esc),
        ..diagnostic.clone()
    }
}

/// The miette form of a diagnostic: headline with location and path, caret label, help.
fn miette_diagnostic(text: &str, diagnostic: &Diagnostic) -> MietteDiagnostic {
    let location = match diagnostic.line_col(text) {
        Some((line, column)) => format!("{}:{line}:{column}", diagnostic.source_name),
        None => diagnostic.source_name.clone(),
    };
    let path = diagnostic.path.as_ref().map(|p| format!(" at `{p}`")).unwrap_or_default();
    let severity = match diagnostic.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    };
    let mut rendered =
        MietteDiagnostic::new(format!("{location}{path}: {}", diagnostic.message)).with_severity(severity);
    if let Some(span) = &diagnostic.span {
        let (start, len) = clamped_span(text.len(), span);
        rendered = rendered.with_label(LabeledSpan::new(diagnostic.label.clone(), start, len));
    }
    if let Some(help) = &diagnostic.help {
        rendered = rendered.with_help(help.clone());
    }
    rendered
}

/// `(start, length)` of a span kept inside a text of `text_len` bytes: at least one byte long
/// unless it starts at the end of the text.
fn clamped_span(text_len: usize, span: &std::ops::Range<usize>) -> (usize, usize) {
    let len = span.end.saturating_sub(span.start).max(1);
    let start = span.start.min(text_len);
    let len = len.min(text_len.saturating_sub(start)).max(usize::from(start < text_len));
    (start, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown_chip() -> (String, Diagnostic) {
        let text = "[site]\nchip = \"h100-sxmm\"\n".to_string();
        let start = text.find("\"h100").unwrap();
        let diagnostic = Diagnostic::error("s.toml", "unknown chip `h100-sxmm`")
            .with_span(Some(start..start + 11))
            .with_path("site.chip")
            .with_label("not a catalog chip")
            .with_help("did you mean `h100-sxm`?");
        (text, diagnostic)
    }

    #[test]
    fn plain_rendering_shows_location_caret_label_and_help() {
        let (text, diagnostic) = unknown_chip();
        let rendered = render_diagnostic(&text, &diagnostic, RenderStyle::Plain);
        assert!(rendered.contains("× s.toml:2:8 at `site.chip`: unknown chip `h100-sxmm`"), "{rendered}");
        assert!(rendered.contains("2 │ chip = \"h100-sxmm\""), "{rendered}");
        assert!(rendered.contains("╰── not a catalog chip"), "{rendered}");
        assert!(rendered.contains("help: did you mean `h100-sxm`?"), "{rendered}");
        assert!(!rendered.contains('\u{1b}'), "plain output has no escape codes: {rendered:?}");
    }

    #[test]
    fn several_diagnostics_each_end_with_a_newline() {
        let (text, diagnostic) = unknown_chip();
        let one = render_diagnostic(&text, &diagnostic, RenderStyle::Plain);
        let two = render_diagnostics(&text, &[diagnostic.clone(), diagnostic], RenderStyle::Plain);
        assert_eq!(two, format!("{one}\n{one}\n"));
    }

    #[test]
    fn spans_past_the_end_are_clamped() {
        assert_eq!(clamped_span(10, &(3..5)), (3, 2));
        assert_eq!(clamped_span(10, &(4..4)), (4, 1));
        assert_eq!(clamped_span(10, &(8..50)), (8, 2));
        assert_eq!(clamped_span(10, &(20..30)), (10, 0));
        let text = "a = 1";
        let diagnostic = Diagnostic::error("t.toml", "past the end").with_span(Some(40..60));
        let rendered = render_diagnostic(text, &diagnostic, RenderStyle::Plain);
        assert!(rendered.contains("past the end"), "{rendered}");
    }

    #[test]
    fn warnings_render_too() {
        let diagnostic = Diagnostic::warning("c.toml", "entry overridden");
        let rendered = render_diagnostic("", &diagnostic, RenderStyle::Plain);
        assert!(rendered.contains("c.toml: entry overridden"), "{rendered}");
    }

    #[test]
    fn the_snippet_frame_carries_no_second_column_so_multibyte_lines_agree() {
        let text = "sites = [\"日本\", \"us-eastt\"]\n";
        let start = text.find("\"us-eastt").unwrap();
        let diagnostic = Diagnostic::error("m.toml", "undefined site").with_span(Some(start..start + 10));
        let rendered = render_diagnostic(text, &diagnostic, RenderStyle::Plain);
        assert!(rendered.contains("m.toml:1:16"), "column in characters: {rendered}");
        assert!(rendered.contains("╭─[m.toml]"), "the frame names the file only: {rendered}");
        assert!(!rendered.contains(":1:20"), "no byte column anywhere: {rendered}");
    }

    #[test]
    fn control_characters_never_reach_the_terminal_raw() {
        let text = "name = \"\u{1b}[31mred\0\"\n";
        let diagnostic = Diagnostic::error("c.toml", "bad name `\u{1b}[31mred\0`")
            .with_span(Some(7..text.len() - 1))
            .with_label("here\u{7}")
            .with_help("no \u{1b} please");
        for style in [RenderStyle::Plain, RenderStyle::Terminal] {
            let rendered = render_diagnostic(text, &diagnostic, style);
            assert!(
                !rendered.contains("\u{1b}[31mred") && !rendered.contains('\0') && !rendered.contains('\u{7}'),
                "{rendered:?}"
            );
        }
        let plain = render_diagnostic(text, &diagnostic, RenderStyle::Plain);
        assert!(plain.contains("bad name `\\u{1b}[31mred\\u{0}`"), "{plain}");
    }

    #[test]
    fn a_very_long_line_is_located_but_not_quoted() {
        let text = format!("a = {}{}\n", "[".repeat(5000), "]".repeat(5000));
        let diagnostic = Diagnostic::error("d.toml", "nested too deep").with_span(Some(90..91)).with_label("here");
        let rendered = render_diagnostic(&text, &diagnostic, RenderStyle::Plain);
        assert!(rendered.contains("d.toml:1:91: nested too deep"), "{rendered}");
        assert!(rendered.len() < 1000, "no 10,000-character snippet: {rendered}");
    }
}
