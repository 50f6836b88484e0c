//! Everything the binary writes to stderr: notes, errors with their help lines, status lines,
//! rendered diagnostics and the internal-error banner. Commands call these instead of
//! `eprintln!`, so the wording of each kind of message has one home. Stdout (results) goes
//! through [`crate::cmd::out`].

use fleetplan_core::catalog::UnknownId;
use fleetplan_core::diagnostic::Diagnostic;
use fleetplan_io::render::escape_control;
use fleetplan_io::{Diagnosed, RenderStyle};
use std::fmt::Display;

/// At most this many diagnostics of one input are printed; the rest are counted
/// ("… and 812 more problem(s) not shown"); `check --format json` lists them all.
pub const MAX_PRINTED_DIAGNOSTICS: usize = 50;

/// How to draw diagnostics: plain (no colour, fixed width) when `NO_COLOR` is set or stderr is
/// not a terminal, miette's terminal rendering otherwise.
pub fn render_style() -> RenderStyle {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if no_color || !std::io::stderr().is_terminal() { RenderStyle::Plain } else { RenderStyle::Terminal }
}

/// `note: MSG`: something the user may want to know; the command goes on.
pub fn note(msg: impl Display) {
    eprintln!("note: {}", escape_control(&msg.to_string()));
}

/// `error: MSG`: why the command stops.
pub fn error(msg: impl Display) {
    eprintln!("error: {}", escape_control(&msg.to_string()));
}

/// `  help: MSG`: what would be valid, under the error it belongs to.
pub fn help(msg: impl Display) {
    eprintln!("  help: {}", escape_control(&msg.to_string()));
}

/// A status line as is: files written, problem counts.
pub fn status(msg: impl Display) {
    eprintln!("{}", escape_control(&msg.to_string()));
}

/// An unknown id given to `flag`: the error (with its did-you-mean) and the valid ids.
pub fn unknown_id(flag: &str, err: &UnknownId) {
    error(format!("{flag}: {err}"));
    if !err.known.is_empty() {
        help(format!("expected one of: {}", err.known.join(", ")));
    }
}

/// Diagnostics pointing into `text`, rendered miette style; past
/// [`MAX_PRINTED_DIAGNOSTICS`] only their number is printed.
pub fn print_diagnostics(text: &str, diagnostics: &[Diagnostic]) {
    let shown = &diagnostics[..diagnostics.len().min(MAX_PRINTED_DIAGNOSTICS)];
    eprint!("{}", fleetplan_io::render::render_diagnostics(text, shown, render_style()));
    if let Some(more) = more_line(diagnostics.len()) {
        eprintln!("{more}");
    }
}

/// The diagnostics of one input (capped as [`print_diagnostics`] does).
pub fn diagnostics(diagnosed: &Diagnosed) {
    print_diagnostics(&diagnosed.input.text, &diagnosed.diagnostics);
}

/// `… and N more problem(s) not shown` when `total` diagnostics exceed the cap.
fn more_line(total: usize) -> Option<String> {
    let more = total.checked_sub(MAX_PRINTED_DIAGNOSTICS).filter(|&n| n > 0)?;
    Some(format!("… and {more} more problem(s) not shown"))
}

/// The banner of a bug: the message and a request to report it.
pub fn internal_error(msg: impl Display) {
    let msg = escape_control(&msg.to_string()).into_owned();
    eprintln!("internal error: {msg}\nThis is a bug in fleetplan; please report it with the input that caused it.");
}
