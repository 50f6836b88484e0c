//! `fleetplan schema`: print the JSON Schema of scenario files.
//!
//! The committed copy lives in docs/scenario.schema.json; regenerate it with
//! `cargo run -q -- schema > docs/scenario.schema.json` (a test fails when it is stale).

use super::Failure;
use clap::Args;
use std::io::Write;

/// Arguments of `fleetplan schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {}

/// Run `fleetplan schema`.
pub fn run(_args: &SchemaArgs) -> Result<(), Failure> {
    let schema = fleetplan_core::scenario::json_schema();
    let _ = std::io::stdout().lock().write_all(schema.as_bytes());
    Ok(())
}
