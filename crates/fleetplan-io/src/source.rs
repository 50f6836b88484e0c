//! Input texts and the errors of reading and checking them: [`SourceText`] (a name and its
//! text), [`ReadError`] (the file could not be read), [`Diagnosed`] (the text was read and has
//! problems) and [`LoadError`] (either of the two, what every file reader returns).

use crate::render::{RenderStyle, render_diagnostics};
use fleetplan_core::diagnostic::Diagnostic;
use std::path::{Path, PathBuf};

/// One input text with the name diagnostics use for it (the path as the user gave it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceText {
    /// Name of the input in messages: the path as given on the command line, or any label a
    /// front end chooses for text it received otherwise (e.g. `upload.toml`).
    pub name: String,
    /// The whole text, as read.
    pub text: String,
}

impl SourceText {
    /// A source from text already in memory (a web request body, a Python string).
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: name.into(), text: text.into() }
    }
}

/// A user file that could not be read (missing, unreadable, not UTF-8).
#[derive(Debug, thiserror::Error)]
#[error("cannot read `{}`: {source}", path.display())]
pub struct ReadError {
    /// The path as given.
    pub path: PathBuf,
    /// What the operating system said.
    #[source]
    pub source: std::io::Error,
}

/// Read a user file into a [`SourceText`] named after its path as given.
pub fn read_source(path: &Path) -> Result<SourceText, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError { path: path.to_path_buf(), source })?;
    Ok(SourceText { name: path.display().to_string(), text })
}

/// Problems found in one input text: the diagnostics and the text their spans point into, so
/// that any front end can render them (or serialise the diagnostics as JSON).
///
/// Its `Display` is the one-line count used after scenario diagnostics:
/// `NAME: N problem(s) found`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {} problem(s) found", input.name, diagnostics.len())]
pub struct Diagnosed {
    /// The input the diagnostics point into.
    pub input: SourceText,
    /// The problems, in the order they were found (never empty when returned by a reader).
    pub diagnostics: Vec<Diagnostic>,
}

impl Diagnosed {
    /// All diagnostics rendered as text, each followed by a newline.
    pub fn render(&self, style: RenderStyle) -> String {
        render_diagnostics(&self.input.text, &self.diagnostics, style)
    }
}

/// Why an input file could not be used: it could not be read, or it was read and has problems.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The file was read; its diagnostics say what is wrong.
    #[error(transparent)]
    Invalid(#[from] Diagnosed),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_names_its_path() {
        let err = read_source(Path::new("/nonexistent/fleetplan-io-test.toml")).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("cannot read `/nonexistent/fleetplan-io-test.toml`: "), "{text}");
    }

    #[test]
    fn a_file_is_named_by_its_path_as_given() {
        let path = std::env::temp_dir().join(format!("fleetplan-io-source-{}.txt", std::process::id()));
        std::fs::write(&path, "hello\n").unwrap();
        let source = read_source(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(source, SourceText::new(path.display().to_string(), "hello\n"));
    }

    #[test]
    fn diagnosed_counts_its_problems() {
        let diagnosed = Diagnosed {
            input: SourceText::new("a.toml", "x = 1\n"),
            diagnostics: vec![Diagnostic::error("a.toml", "one"), Diagnostic::error("a.toml", "two")],
        };
        assert_eq!(diagnosed.to_string(), "a.toml: 2 problem(s) found");
        let rendered = diagnosed.render(RenderStyle::Plain);
        assert!(rendered.contains("a.toml: one") && rendered.contains("a.toml: two"), "{rendered}");
    }
}
