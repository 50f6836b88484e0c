//! Command-line definitions (clap). Only argument shapes live here; behaviour is in `cmd/`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Plans, prices and stress-tests AI compute fleets.
#[derive(Debug, Parser)]
#[command(name = "fleetplan", version, about, long_about = None)]
pub struct Cli {
    /// Extra catalog file(s) adding or overriding entries (same format as the built-in catalog).
    #[arg(long = "catalog", global = true, value_name = "FILE")]
    pub catalogs: Vec<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show catalog entries as tables (or JSON keyed by id).
    Catalog(CatalogArgs),
}

/// `fleetplan catalog`.
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
