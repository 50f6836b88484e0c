//! Command implementations. Each returns `Ok(())` or a [`Failure`] after printing its own
//! diagnostics; `main` maps failures to exit codes. Inputs are read through `fleetplan_io`;
//! messages to stderr go through [`crate::ui`].

pub mod args;
pub mod catalog;
pub mod check;
pub mod compare;
pub mod evaluate;
pub mod gen_scenario;
pub mod optimize;
pub mod outdir;
pub mod perf;
pub mod policy;
pub mod schema;
#[cfg(feature = "serve")]
pub mod serve;
pub mod simulate;
pub mod summary;
pub mod sweep;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::ui;
use comfy_table::{Table, presets};
use fleetplan_core::catalog::Catalog;
use fleetplan_io::catalog::{CatalogError, apply_override_file, builtin_catalog, override_message};
use fleetplan_io::{LoadError, LoadedScenario};
use std::path::Path;

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
        Command::Sweep(args) => sweep::run(&catalog, &args),
        Command::GenScenario(args) => gen_scenario::run(&catalog, &args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(catalog, &args),
    }
}

/// The built-in catalog with the user's override files applied in order; each file's
/// replacements are noted on stderr as soon as it is applied.
pub fn load_catalog(paths: &[std::path::PathBuf]) -> Result<Catalog, Failure> {
    let mut catalog = builtin_catalog().map_err(catalog_failure)?;
    for path in paths {
        for note in apply_override_file(&mut catalog, path).map_err(catalog_failure)? {
            ui::note(override_message(&note));
        }
    }
    Ok(catalog)
}

fn catalog_failure(err: CatalogError) -> Failure {
    match err {
        CatalogError::Builtin(_) => Failure::Internal(err.to_string()),
        CatalogError::Read(read) => input_failure(LoadError::Read(read)),
        CatalogError::Invalid(diagnosed) => input_failure(LoadError::Invalid(diagnosed)),
    }
}

/// Report an input that could not be used (the read error, or the file's diagnostics) and
/// fail with exit code 2.
pub fn input_failure(err: LoadError) -> Failure {
    match err {
        LoadError::Read(read) => ui::error(read),
        LoadError::Invalid(diagnosed) => ui::diagnostics(&diagnosed),
    }
    Failure::User
}

/// Read and validate a scenario file; on problems print its diagnostics and the
/// `FILE: N problem(s) found` line.
pub fn load_scenario(catalog: &Catalog, path: &Path) -> Result<LoadedScenario, Failure> {
    fleetplan_io::scenario::read_scenario(path, catalog).map_err(|err| {
        if let LoadError::Invalid(diagnosed) = &err {
            ui::diagnostics(diagnosed);
            ui::status(diagnosed);
            return Failure::User;
        }
        input_failure(err)
    })
}

/// Pretty-printed JSON of a result, every float rounded at the output boundary
/// (`fleetplan_core::output`); a non-finite number is a bug, reported naming its field.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, Failure> {
    fleetplan_core::output::to_json_pretty(value).map_err(|e| Failure::Internal(e.to_string()))
}

/// An empty table in the style of the result tables (unicode frame, condensed rows).
pub fn condensed_table() -> Table {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table
}

/// An empty table in Markdown style (catalog and policy listings, pasted into documents).
pub fn markdown_table() -> Table {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_MARKDOWN);
    table
}

/// Print a line to stdout, treating a closed pipe (`| head`) as success rather than a panic.
/// Control characters other than newline and tab are escaped (`\\u{1b}`): a name in an input
/// file cannot drive the terminal.
pub fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(fleetplan_io::render::escape_control(text).as_bytes());
    let _ = stdout.write_all(b"\n");
}
