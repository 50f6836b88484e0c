//! `fleetplan catalog chips|systems|models|regions|rules [--json]`.

use super::Failure;
use crate::cli::{CatalogArgs, CatalogTable};
use fleetplan_core::catalog::Catalog;

/// Print one catalog table.
pub fn run(catalog: &Catalog, args: &CatalogArgs) -> Result<(), Failure> {
    let _ = (catalog, args.json, CatalogTable::Chips);
    Ok(())
}
