//! `fleetplan`: plans, prices and stress-tests AI compute fleets.
//!
//! With `fleetplan-io`, the only crate that reads files, the environment and the terminal.
//! Commands live in `cmd/`; input files are read and diagnostics rendered by `fleetplan_io`;
//! everything written to stderr goes through `ui.rs`.

mod cli;
mod cmd;
mod help;
mod report;
mod ui;

use std::process::ExitCode;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code for an internal error (a bug in fleetplan).
pub const EXIT_INTERNAL: u8 = 1;
/// Exit code for a user error (bad input file, unknown id, bad flag).
pub const EXIT_USER: u8 = 2;

/// Let a closed pipe (`fleetplan ... | head`) end the process quietly, as it does for other Unix
/// tools, instead of making the next write to stdout or stderr panic.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The command line with negative numbers read as values everywhere (`--qps -5` reaches the
/// flag's own range check, "must be a positive number, got `-5`", instead of clap's tip to
/// write `-- -5`, which would pass -5 as a positional argument).
fn command() -> clap::Command {
    fn allow_negative(cmd: clap::Command) -> clap::Command {
        cmd.allow_negative_numbers(true).mut_subcommands(allow_negative)
    }
    allow_negative(<cli::Cli as clap::CommandFactory>::command())
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    use clap::FromArgMatches;
    let parsed = command().try_get_matches().and_then(|matches| cli::Cli::from_arg_matches(&matches));
    let args = match parsed {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USER } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cmd::run(args) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(cmd::Failure::User) => ExitCode::from(EXIT_USER),
        Err(cmd::Failure::Internal(msg)) => {
            ui::internal_error(msg);
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}
