//! `fleetplan catalog chips|systems|models|regions|rules [--json]`.

use super::Failure;
use clap::Args;
use fleetplan_core::catalog::Catalog;

/// Arguments of `fleetplan catalog`.
#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Which table.
    #[arg(value_enum)]
    pub table: CatalogTable,
    /// Emit JSON objects keyed by catalog id, with computed fields.
    #[arg(long)]
    pub json: bool,
}

/// Catalog tables.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CatalogTable {
    /// Accelerators.
    Chips,
    /// Systems (servers, racks, pods).
    Systems,
    /// LLMs and diffusion models.
    Models,
    /// Data-center regions.
    Regions,
    /// Export-control rules.
    Rules,
}

/// Print one catalog table.
pub fn run(catalog: &Catalog, args: &CatalogArgs) -> Result<(), Failure> {
    let _ = (catalog, args.json, CatalogTable::Chips);
    Err(Failure::Internal("`catalog` is not implemented yet".into()))
}
