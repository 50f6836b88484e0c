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

/// Render one diagnostic of `text` (the input its span points into) as text.
pub fn render_diagnostic(text: &str, diagnostic: &Diagnostic, style: RenderStyle) -> String {
    let report = Report::new(miette_diagnostic(text, diagnostic))
        .with_source_code(NamedSource::new(diagnostic.source_name.clone(), text.to_string()));
    if style == RenderStyle::Plain {
        let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(PLAIN_WIDTH);
        let mut rendered = String::new();
        if handler.render_report(&mut rendered, report.as_ref()).is_ok() {
            return rendered;
        }
    }
    format!("{report:?}")
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
}
