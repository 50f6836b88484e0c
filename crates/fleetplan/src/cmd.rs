//! Command implementations. Each returns `Ok(())` or a [`Failure`] after printing its own
//! diagnostics; `main` maps failures to exit codes.

pub mod catalog;
pub mod check;
pub mod compare;
pub mod evaluate;
pub mod gen_scenario;
pub mod optimize;
pub mod perf;
pub mod policy;
pub mod schema;
pub mod simulate;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::render::print_diagnostics;
use fleetplan_core::catalog::Catalog;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input; diagnostics were printed. Exit code 2.
    User,
    /// A bug. Exit code 1.
    Internal(String),
}

/// Run the parsed command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    let catalog = load_catalog(&cli.catalogs)?;
    match cli.command {
        Command::Check(args) => check::run(&catalog, &args),
        Command::Catalog(args) => catalog::run(&catalog, &args),
        Command::Policy(args) => policy::run(&catalog, &args),
        Command::Schema(args) => schema::run(&args),
        Command::Perf(args) => perf::run(&catalog, &args),
        Command::Validate(args) => validate::run(&catalog, &args),
        Command::Evaluate(args) => evaluate::run(&catalog, &args),
        Command::Compare(args) => compare::run(&catalog, &args),
        Command::Simulate(args) => simulate::run(&catalog, &args),
        Command::Optimize(args) => optimize::run(&catalog, &args),
        Command::GenScenario(args) => gen_scenario::run(&catalog, &args),
    }
}

/// The built-in catalog with the user's override files applied in order; overrides are
/// reported on stderr.
pub fn load_catalog(paths: &[std::path::PathBuf]) -> Result<Catalog, Failure> {
    let mut catalog =
        Catalog::builtin().map_err(|d| Failure::Internal(format!("built-in catalog is broken: {d:?}")))?;
    for path in paths {
        let name = path.display().to_string();
        let text = read_input(path)?;
        match catalog.apply_override(&name, &text) {
            Ok(notes) => {
                for n in notes {
                    eprintln!("note: {} `{}` overridden by {}", n.kind, n.id, n.source_name);
                }
            }
            Err(diags) => {
                print_diagnostics(&text, &diags);
                return Err(Failure::User);
            }
        }
    }
    Ok(catalog)
}

/// Read a user file, reporting a clear error (exit code 2) when it cannot be read.
pub fn read_input(path: &std::path::Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        Failure::User
    })
}

/// Print a line to stdout, treating a closed pipe (`| head`) as success rather than a panic.
pub fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.write_all(b"\n");
}
