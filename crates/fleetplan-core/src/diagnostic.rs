//! User-facing problems found in text the user handed us (scenario files, catalog overrides,
//! validation cases). A [`Diagnostic`] names the source, the byte span of the offending value,
//! what is wrong and what would be valid. Rendering (file:line:col, caret, colours) happens in
//! the front end; this module only computes line and column from a span.

use std::ops::Range;

/// How bad a problem is. Errors make a file unusable; warnings are reported and the file is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input cannot be used.
    Error,
    /// Suspicious but usable input (e.g. a catalog override).
    Warning,
}

/// One problem in one input text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Name of the input (file path as the user gave it, or `builtin:chips.toml`).
    pub source_name: String,
    /// Byte range of the offending value in the input text, when known.
    pub span: Option<Range<usize>>,
    /// Dotted path of the offending value (`sites[0].power_mw`), when known.
    pub path: Option<String>,
    /// What is wrong, naming the offending value.
    pub message: String,
    /// Short label placed under the caret.
    pub label: Option<String>,
    /// What would be valid ("expected a positive number", "did you mean h200?").
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new error diagnostic for `source_name` with `message`.
    pub fn error(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            source_name: source_name.into(),
            span: None,
            path: None,
            message: message.into(),
            label: None,
            help: None,
        }
    }

    /// A new warning diagnostic for `source_name` with `message`.
    pub fn warning(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, ..Self::error(source_name, message) }
    }

    /// Attach the byte span of the offending value.
    pub fn with_span(mut self, span: Option<Range<usize>>) -> Self {
        self.span = span;
        self
    }

    /// Attach the dotted path of the offending value.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        self.path = if path.is_empty() || path == "." { None } else { Some(path) };
        self
    }

    /// Attach the caret label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Attach the help text (what would be valid).
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// 1-based (line, column) of the span start in `text`, counting columns in characters.
    pub fn line_col(&self, text: &str) -> Option<(usize, usize)> {
        let start = self.span.as_ref()?.start.min(text.len());
        Some(line_col_at(text, start))
    }
}

/// 1-based (line, column) of byte offset `offset` in `text`, columns in characters.
pub fn line_col_at(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

impl Diagnostic {
    /// The diagnostic located in `text` when the TOML reader gave no span: its recursion limit
    /// ("recursion limit") is hit by nesting, so the span becomes the first line nested deeper
    /// than [`DEEP_NESTING`] levels (tables, arrays or dotted keys). Other diagnostics, and
    /// those with a span, come back unchanged.
    pub fn located_in(mut self, text: &str) -> Self {
        if self.span.is_none()
            && self.message.contains("recursion limit")
            && let Some(span) = deep_nesting(text)
        {
            self.span = Some(span);
            self.message = format!("nested more than {DEEP_NESTING} levels deep ({})", self.message);
            self.label.get_or_insert_with(|| "nested too deep".to_string());
        }
        self
    }
}

/// Nesting depth past which a line is reported as the cause of the TOML reader's recursion
/// limit.
pub const DEEP_NESTING: usize = 100;

/// Byte span of the first line of `text` nesting more than [`DEEP_NESTING`] levels.
fn deep_nesting(text: &str) -> Option<Range<usize>> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let depth = line.chars().filter(|c| matches!(c, '[' | '{' | '.')).count();
        if depth > DEEP_NESTING {
            return Some(start..start + 1);
        }
        start += line.len();
    }
    None
}

/// Convert a `toml` parse or deserialize error into a diagnostic, keeping its span and message.
pub fn from_toml_error(source_name: &str, path: Option<String>, err: &toml::de::Error) -> Diagnostic {
    let message = err.message().trim().to_string();
    let mut d = Diagnostic::error(source_name, message.clone()).with_span(err.span());
    if let Some(p) = path {
        d = d.with_path(p);
    }
    d.with_label(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recursion_limit_is_located_at_the_deep_line() {
        let text = format!("x = 1\n[{}]\n", vec!["a"; 5000].join("."));
        let d = Diagnostic::error("d.toml", "recursion limit").located_in(&text);
        assert_eq!(d.line_col(&text), Some((2, 1)));
        assert!(d.message.starts_with("nested more than 100 levels deep"), "{}", d.message);
        let other = Diagnostic::error("d.toml", "expected a number").located_in(&text);
        assert_eq!(other.span, None);
    }

    #[test]
    fn line_col_counts_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col_at(text, 0), (1, 1));
        assert_eq!(line_col_at(text, 6), (2, 1));
        assert_eq!(line_col_at(text, 11), (2, 6));
        assert_eq!(line_col_at(text, 999), (3, 1));
    }
}
