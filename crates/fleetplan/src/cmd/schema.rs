//! `fleetplan schema` (being implemented).

use super::Failure;
use clap::Args;

/// Arguments of `fleetplan schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {}

/// Run `fleetplan schema`.
pub fn run(_args: &SchemaArgs) -> Result<(), Failure> {
    Err(Failure::Internal("`schema` is not implemented yet".into()))
}
