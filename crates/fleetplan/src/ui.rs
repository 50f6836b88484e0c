//! Everything the binary writes to stderr: notes, errors with their help lines, status lines,
//! rendered diagnostics and the internal-error banner. Commands call these instead of
//! `eprintln!`, so the wording of each kind of message has one home. Stdout (results) goes
//! through [`crate::cmd::out`].

use fleetplan_core::catalog::UnknownId;
use fleetplan_core::diagnostic::Diagnostic;
use fleetplan_io::{Diagnosed, RenderStyle};
use std::fmt::Display;

/// How to draw diagnostics: plain (no colour, fixed width) when `NO_COLOR` is set or stderr is
/// not a terminal, miette's terminal rendering otherwise.
pub fn render_style() -> RenderStyle {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if no_color || !std::io::stderr().is_terminal() { RenderStyle::Plain } else { RenderStyle::Terminal }
}

/// `note: MSG`: something the user may want to know; the command goes on.
pub fn note(msg: impl Display) {
    eprintln!("note: {msg}");
}

/// `error: MSG`: why the command stops.
pub fn error(msg: impl Display) {
    eprintln!("error: {msg}");
}

/// `  help: MSG`: what would be valid, under the error it belongs to.
pub fn help(msg: impl Display) {
    eprintln!("  help: {msg}");
}

/// A status line as is: files written, problem counts.
pub fn status(msg: impl Display) {
    eprintln!("{msg}");
}

/// An unknown id given to `flag`: the error (with its did-you-mean) and the valid ids.
pub fn unknown_id(flag: &str, err: &UnknownId) {
    error(format!("{flag}: {err}"));
    if !err.known.is_empty() {
        help(format!("expected one of: {}", err.known.join(", ")));
    }
}

/// Diagnostics pointing into `text`, rendered miette style.
pub fn print_diagnostics(text: &str, diagnostics: &[Diagnostic]) {
    eprint!("{}", fleetplan_io::render::render_diagnostics(text, diagnostics, render_style()));
}

/// The diagnostics of one input.
pub fn diagnostics(diagnosed: &Diagnosed) {
    eprint!("{}", diagnosed.render(render_style()));
}

/// The banner of a bug: the message and a request to report it.
pub fn internal_error(msg: impl Display) {
    eprintln!("internal error: {msg}\nThis is a bug in fleetplan; please report it with the input that caused it.");
}
