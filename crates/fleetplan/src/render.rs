//! Rendering of diagnostics for the terminal (file:line:col, source line, caret, help).

use fleetplan_core::diagnostic::{Diagnostic, Severity};
use miette::{LabeledSpan, MietteDiagnostic, NamedSource, Report};

/// Print diagnostics for one input text to stderr, miette style.
pub fn print_diagnostics(text: &str, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{}", render_diagnostic(text, d));
    }
}

/// Render one diagnostic as text (no colour when NO_COLOR is set or stderr is not a terminal).
pub fn render_diagnostic(text: &str, d: &Diagnostic) -> String {
    let location = match d.line_col(text) {
        Some((line, col)) => format!("{}:{line}:{col}", d.source_name),
        None => d.source_name.clone(),
    };
    let path = d.path.as_ref().map(|p| format!(" at `{p}`")).unwrap_or_default();
    let mut diag = MietteDiagnostic::new(format!("{location}{path}: {}", d.message)).with_severity(match d.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    });
    if let Some(span) = &d.span {
        let len = span.end.saturating_sub(span.start).max(1);
        let start = span.start.min(text.len());
        let len = len.min(text.len().saturating_sub(start)).max(usize::from(start < text.len()));
        diag = diag.with_label(LabeledSpan::new(d.label.clone(), start, len));
    }
    if let Some(help) = &d.help {
        diag = diag.with_help(help.clone());
    }
    let report = Report::new(diag).with_source_code(NamedSource::new(d.source_name.clone(), text.to_string()));
    if plain_output() {
        // Stable output for pipes, logs and snapshot tests: no colour, unicode frames, fixed width.
        let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(PLAIN_WIDTH);
        let mut out = String::new();
        if handler.render_report(&mut out, report.as_ref()).is_ok() {
            return out;
        }
    }
    format!("{report:?}")
}

/// Line width of diagnostics when stderr is not a terminal or `NO_COLOR` is set.
pub const PLAIN_WIDTH: usize = 100;

/// Whether to render without colour at a fixed width: `NO_COLOR` set, or stderr not a terminal.
fn plain_output() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) || !std::io::stderr().is_terminal()
}
