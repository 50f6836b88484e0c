//! `fleetplan validate` (being implemented).

use super::Failure;
use clap::Args;

/// Arguments of `fleetplan validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {}

/// Run `fleetplan validate`.
pub fn run(_catalog: &fleetplan_core::catalog::Catalog, _args: &ValidateArgs) -> Result<(), Failure> {
    Err(Failure::Internal("`validate` is not implemented yet".into()))
}
