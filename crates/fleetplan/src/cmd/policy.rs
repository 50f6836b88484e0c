//! `fleetplan policy ...` (being implemented).

use super::Failure;
use clap::Subcommand;

/// Subcommands of `fleetplan policy`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {}

/// Run `fleetplan policy ...`.
pub fn run(_catalog: &fleetplan_core::catalog::Catalog, _args: &PolicyCommand) -> Result<(), Failure> {
    Err(Failure::Internal("`policy` is not implemented yet".into()))
}
