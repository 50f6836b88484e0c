//! `fleetplan perf ...` (being implemented).

use super::Failure;
use clap::Subcommand;

/// Subcommands of `fleetplan perf`.
#[derive(Debug, Subcommand)]
pub enum PerfCommand {}

/// Run `fleetplan perf ...`.
pub fn run(_catalog: &fleetplan_core::catalog::Catalog, _args: &PerfCommand) -> Result<(), Failure> {
    Err(Failure::Internal("`perf` is not implemented yet".into()))
}
