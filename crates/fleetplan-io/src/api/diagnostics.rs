//! Diagnostics as data: each located in its text (line and column in characters), the form
//! `fleetplan check --format json` prints and the Python package's `ScenarioError` carries.

use crate::source::Diagnosed;
use fleetplan_core::diagnostic::{Diagnostic, Severity};

/// One diagnostic with its location: file, dotted field path, line and column (1-based,
/// columns in characters), byte span, message, caret label and help.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LocatedDiagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Name of the input (the path as given).
    pub file: String,
    /// Dotted path of the offending field, e.g. `fleet[0].chip`.
    pub path: Option<String>,
    /// 1-based line of the span start.
    pub line: Option<usize>,
    /// 1-based column of the span start, in characters.
    pub column: Option<usize>,
    /// Byte span `[start, end)` in the input.
    pub span: Option<[usize; 2]>,
    /// What is wrong.
    pub message: String,
    /// The caret label.
    pub label: Option<String>,
    /// What would be valid (did-you-mean, the accepted range).
    pub help: Option<String>,
}

impl LocatedDiagnostic {
    /// `d` located in `text` (a diagnostic without a span about deep nesting gets the span of
    /// the first line nested too deep: `Diagnostic::located_in`).
    pub fn new(text: &str, d: &Diagnostic) -> Self {
        let d = d.clone().located_in(text);
        let line_col = d.line_col(text);
        Self {
            severity: d.severity,
            line: line_col.map(|(line, _)| line),
            column: line_col.map(|(_, column)| column),
            span: d.span.as_ref().map(|span| [span.start, span.end]),
            file: d.source_name,
            path: d.path,
            message: d.message,
            label: d.label,
            help: d.help,
        }
    }
}

impl Diagnosed {
    /// Every diagnostic located in the input text, in order.
    pub fn located(&self) -> Vec<LocatedDiagnostic> {
        self.diagnostics.iter().map(|d| LocatedDiagnostic::new(&self.input.text, d)).collect()
    }
}

/// The document of `fleetplan check --format json` for the input named `file`: `ok`, `file`,
/// `problems` and every located diagnostic (none when `diagnosed` is `None`: the file is valid).
pub fn check_document(file: &str, diagnosed: Option<&Diagnosed>) -> serde_json::Value {
    let diagnostics = diagnosed.map(Diagnosed::located).unwrap_or_default();
    serde_json::json!({
        "ok": diagnosed.is_none(),
        "file": file,
        "problems": diagnostics.len(),
        "diagnostics": diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use crate::SourceText;

    #[test]
    fn a_diagnostic_is_located_in_characters() {
        let catalog = fleetplan_core::catalog::Catalog::builtin().unwrap();
        let text = "# é\nname = 1\n";
        let err = crate::scenario::validate_source(SourceText::new("x.toml", text), &catalog).unwrap_err();
        let located = err.located();
        assert!(!located.is_empty());
        assert!(located.iter().all(|d| d.file == "x.toml"));
        let with_line: Vec<_> = located.iter().filter(|d| d.line.is_some()).collect();
        assert!(with_line.iter().all(|d| d.line.unwrap() <= 2 && d.column.unwrap() >= 1), "{located:?}");
    }
}
