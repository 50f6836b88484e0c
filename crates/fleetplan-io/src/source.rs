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

/// Largest input file read, bytes (16 MiB): every scenario, trace, case file and catalog
/// override goes through [`read_source`], which stops reading beyond it. The largest real inputs
/// (a million-row trace, the whole catalog) are a few MiB; a device such as `/dev/zero` or a
/// runaway generated file is refused instead of filling memory.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Read a user file into a [`SourceText`] named after its path as given; at most
/// [`MAX_INPUT_BYTES`] are read, a larger input is an error naming the limit.
pub fn read_source(path: &Path) -> Result<SourceText, ReadError> {
    read_source_capped(path, MAX_INPUT_BYTES)
}

/// [`read_source`] with an explicit size cap, bytes.
fn read_source_capped(path: &Path, cap_bytes: u64) -> Result<SourceText, ReadError> {
    use std::io::Read;
    let err = |source| ReadError { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(err)?;
    let mut bytes = Vec::new();
    file.take(cap_bytes + 1).read_to_end(&mut bytes).map_err(err)?;
    if bytes.len() as u64 > cap_bytes {
        return Err(err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "the input is larger than {} MiB, the most fleetplan reads from one file; split it or check the path",
                cap_bytes / (1024 * 1024)
            ),
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("stream did not contain valid UTF-8 (invalid byte at offset {})", e.utf8_error().valid_up_to()),
        ))
    })?;
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
    fn an_endless_device_is_refused_at_the_size_cap() {
        let err = read_source(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("larger than 16 MiB"), "{err}");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_and_one_at_it_is_read() {
        let path = std::env::temp_dir().join(format!("fleetplan-io-cap-{}.txt", std::process::id()));
        std::fs::write(&path, "x".repeat(2 * 1024 * 1024 + 1)).unwrap();
        let over = read_source_capped(&path, 2 * 1024 * 1024);
        let under = read_source_capped(&path, 3 * 1024 * 1024);
        std::fs::remove_file(&path).ok();
        assert!(over.unwrap_err().to_string().contains("larger than 2 MiB"));
        assert_eq!(under.unwrap().text.len(), 2 * 1024 * 1024 + 1);
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
