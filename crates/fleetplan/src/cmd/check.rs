//! `fleetplan check` (being implemented).

use super::Failure;
use clap::Args;

/// Arguments of `fleetplan check`.
#[derive(Debug, Args)]
pub struct CheckArgs {}

/// Run `fleetplan check`.
pub fn run(_catalog: &fleetplan_core::catalog::Catalog, _args: &CheckArgs) -> Result<(), Failure> {
    Err(Failure::Internal("`check` is not implemented yet".into()))
}
