//! `fleetplan catalog chips|systems|models|regions|rules|engines|prices [--json]`, and
//! `fleetplan catalog chips --available YYYYQn` (only the chips that can be bought or leased by
//! then).
//!
//! Tables list entries in catalog order with units in the headers. `--json` prints one object
//! keyed by catalog id (keys sorted); each value is the entry's fields plus computed fields
//! (chips: `tpp`, `performance_density`, `classification_3a090`; LLMs: `parameter_count`,
//! `active_parameter_count`; serving engines: `latest`, the serving traits of the latest
//! described release).

mod prices;

use super::args::user_error;
use super::{Failure, markdown_table, out, to_json};
use clap::Args;
use comfy_table::{CellAlignment, Table};
use fleetplan_core::catalog::{Accelerator, Catalog, Provenance};
use fleetplan_core::format::grouped;
use fleetplan_core::policy::{classify_3a090, performance_density, tpp};
use fleetplan_core::scenario::Quarter;
use fleetplan_io::api::catalog as catalog_api;
use serde_json::Value;

/// Arguments of `fleetplan catalog`.
#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Which table.
    #[arg(value_enum)]
    pub table: CatalogTable,
    /// Emit JSON objects keyed by catalog id, with computed fields.
    #[command(flatten)]
    pub print: super::args::FormatArg,
    /// Chips only: list just the chips available (bought or leased) by this quarter, `YYYYQn`.
    #[arg(long, value_name = "YYYYQn")]
    pub available: Option<Quarter>,
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
    /// Serving engines and training frameworks.
    Engines,
    /// Dated lease and purchase prices (series by chip, region and basis).
    Prices,
}

/// Print one catalog table.
pub fn run(catalog: &Catalog, args: &CatalogArgs) -> Result<(), Failure> {
    if let Some(quarter) = args.available
        && !matches!(args.table, CatalogTable::Chips)
    {
        return Err(user_error(format!(
            "--available {quarter} applies to `fleetplan catalog chips` only\n  help: run `fleetplan catalog chips --available {quarter}`"
        )));
    }
    let chips: Vec<&Accelerator> =
        catalog.accelerators.iter().filter(|a| args.available.is_none_or(|q| a.available_in(q))).collect();
    let text = match (args.table, args.print.is_json()) {
        (CatalogTable::Rules, json) => return super::policy::print_rules(catalog, json),
        (CatalogTable::Chips, true) => keyed_json(catalog_api::chips(&chips))?,
        (CatalogTable::Chips, false) => chips_table(&chips),
        (CatalogTable::Systems, true) => keyed_json(catalog_api::systems(catalog))?,
        (CatalogTable::Systems, false) => systems_table(catalog),
        (CatalogTable::Models, true) => keyed_json(catalog_api::models(catalog))?,
        (CatalogTable::Models, false) => models_table(catalog),
        (CatalogTable::Regions, true) => keyed_json(catalog_api::regions(catalog))?,
        (CatalogTable::Regions, false) => regions_table(catalog),
        (CatalogTable::Engines, true) => keyed_json(catalog_api::engines(catalog))?,
        (CatalogTable::Engines, false) => engines_table(catalog),
        (CatalogTable::Prices, true) => keyed_json(catalog_api::prices(catalog))?,
        (CatalogTable::Prices, false) => prices::prices_table(catalog),
    };
    out(&text);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// JSON (the documents live in `fleetplan_io::api::catalog`)

/// A keyed catalog document as pretty JSON; an entry that is not an object is a bug.
fn keyed_json(doc: Result<catalog_api::Keyed, catalog_api::EntryJsonError>) -> Result<String, Failure> {
    let doc = doc.map_err(|e| Failure::Internal(e.to_string()))?;
    to_json(&Value::Object(doc))
}

// ---------------------------------------------------------------------------------------------
// Tables

/// An optional number, "-" when absent.
fn fmt_opt(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "-".into(), |v| grouped(v, decimals))
}

/// A table with the house style and right-aligned numeric columns.
fn table(header: &[&str], numeric: &[usize]) -> Table {
    let mut t = markdown_table();
    t.set_header(header.iter().copied());
    for &i in numeric {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

fn confidence(p: &Provenance) -> &'static str {
    p.confidence.as_str()
}

fn price(chip: &Accelerator) -> String {
    if !chip.sold {
        return "cloud only".into();
    }
    let range = match (chip.price_usd_low, chip.price_usd_high) {
        (Some(l), Some(h)) if l == h => grouped(l, 0),
        (Some(l), Some(h)) => format!("{}-{}", grouped(l, 0), grouped(h, 0)),
        (Some(p), None) | (None, Some(p)) => grouped(p, 0),
        (None, None) => return "-".into(),
    };
    match chip.price_year {
        Some(y) => format!("{range} ({y})"),
        None => range,
    }
}

fn chips_table(chips: &[&Accelerator]) -> String {
    let header = [
        "ID",
        "Vendor",
        "Available",
        "Firmness",
        "BF16 TFLOPS",
        "FP8 TFLOPS",
        "INT8 TOPS",
        "FP4 TFLOPS",
        "Mem GB",
        "Mem TB/s",
        "Scale-up GB/s",
        "Domain",
        "TDP W",
        "TPP",
        "PD TPP/mm²",
        "3A090",
        "Price USD (year)",
        "Conf.",
    ];
    let mut t = table(&header, &[4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    for a in chips {
        t.add_row([
            a.id.clone(),
            a.vendor.clone(),
            a.available.to_string(),
            a.availability.to_string(),
            grouped(a.bf16_dense_tflops, 1),
            fmt_opt(a.fp8_dense_tflops, 1),
            fmt_opt(a.int8_dense_tops, 1),
            fmt_opt(a.fp4_dense_tflops, 1),
            grouped(a.mem_gb, 0),
            grouped(a.mem_bw_tbps, 3),
            grouped(a.scaleup_bw_gbps, 0),
            grouped(f64::from(a.scaleup_domain), 0),
            grouped(a.tdp_w, 0),
            grouped(tpp(a), 0),
            fmt_opt(performance_density(a), 2),
            classify_3a090(a).to_string(),
            price(a),
            confidence(&a.provenance).into(),
        ]);
    }
    t.to_string()
}

fn systems_table(catalog: &Catalog) -> String {
    let header = ["ID", "Name", "Chip", "Chips", "Domain", "Host USD", "Host W", "Footprint", "Conf."];
    let mut t = table(&header, &[3, 4, 5, 6]);
    for s in &catalog.systems {
        t.add_row([
            s.id.clone(),
            s.name.clone(),
            s.accelerator.clone(),
            grouped(f64::from(s.accelerators_per_system), 0),
            grouped(f64::from(s.scaleup_domain), 0),
            grouped(s.host_cost_usd, 0),
            grouped(s.host_power_w, 0),
            s.footprint.clone(),
            confidence(&s.provenance).into(),
        ]);
    }
    t.to_string()
}

fn models_table(catalog: &Catalog) -> String {
    let header = ["ID", "Name", "Kind", "Params B", "Active B", "Layers", "Hidden", "Context tokens", "Conf."];
    let mut t = table(&header, &[3, 4, 5, 6, 7]);
    for m in &catalog.llms {
        let kind = if m.is_moe() { "llm (moe)" } else { "llm (dense)" };
        t.add_row([
            m.id.clone(),
            m.name.clone(),
            kind.into(),
            grouped(m.parameter_count() / 1e9, 2),
            grouped(m.active_parameter_count() / 1e9, 2),
            m.layers.to_string(),
            m.hidden_size.to_string(),
            grouped(f64::from(m.max_context_tokens), 0),
            confidence(&m.provenance).into(),
        ]);
    }
    for m in &catalog.diffusion_models {
        let kind = match m.modality {
            fleetplan_core::catalog::Modality::Image => "diffusion (image)",
            fleetplan_core::catalog::Modality::Video => "diffusion (video)",
        };
        t.add_row([
            m.id.clone(),
            m.name.clone(),
            kind.into(),
            grouped(m.denoiser_params_b, 2),
            grouped(m.denoiser_params_b, 2),
            m.layers.to_string(),
            m.hidden_size.to_string(),
            "-".into(),
            confidence(&m.provenance).into(),
        ]);
    }
    t.to_string()
}

/// Serving engines at their latest described release (training frameworks: `-` in the serving
/// columns); `Versions` lists the releases whose behaviour the entry describes.
fn engines_table(catalog: &Catalog) -> String {
    let header = [
        "ID",
        "Name",
        "Role",
        "Vendors",
        "Default for",
        "Max running (large mem)",
        "Step overhead µs",
        "KV reservation",
        "MoE layouts",
        "Pipeline",
        "TBO",
        "MTP",
        "FP8 attn",
        "Efficiency",
        "Versions",
        "Conf.",
    ];
    let mut t = table(&header, &[5, 6, 13]);
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let listed = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(" ") };
    for e in &catalog.engines {
        let mut row = vec![
            e.id.clone(),
            e.name.clone(),
            e.role.as_str().into(),
            listed(&e.vendors),
            listed(&e.default_for_vendors),
        ];
        match &e.serving {
            Some(traits) => {
                let latest = traits.at_version(None);
                let running = match (latest.max_running_requests_large_memory, latest.large_memory_min_gb) {
                    (Some(cap), Some(gb)) => format!(
                        "{} ({} ≥ {} GB)",
                        grouped(f64::from(latest.max_running_requests_default), 0),
                        grouped(f64::from(cap), 0),
                        grouped(gb, 0)
                    ),
                    _ => grouped(f64::from(latest.max_running_requests_default), 0),
                };
                let layouts: Vec<&str> = latest.moe_layouts.iter().map(|l| l.as_str()).collect();
                let versions: Vec<&str> = traits.versions.iter().map(|v| v.since.as_str()).collect();
                row.extend([
                    running,
                    grouped(latest.step_overhead_us, 0),
                    latest.kv_reservation.as_str().into(),
                    layouts.join(" "),
                    latest.pipeline.as_str().into(),
                    yes_no(latest.two_batch_overlap),
                    yes_no(latest.mtp),
                    yes_no(latest.fp8_attention),
                    grouped(latest.efficiency, 2),
                    if versions.is_empty() { "-".into() } else { versions.join(" ") },
                ]);
            }
            None => row.extend(std::iter::repeat_n("-".to_string(), 10)),
        }
        row.push(confidence(&e.provenance).into());
        t.add_row(row);
    }
    t.to_string()
}

fn regions_table(catalog: &Catalog) -> String {
    let header = [
        "ID",
        "Name",
        "Build $M/MW",
        "PUE",
        "Power USD/kWh",
        "Domestic-chip USD/kWh",
        "Grid gCO2/kWh",
        "Lead months",
        "US groups",
        "Tier 2025",
        "CN mainland",
        "Conf.",
    ];
    let mut t = table(&header, &[2, 3, 4, 5, 6, 7, 9]);
    for r in &catalog.regions {
        let groups = if r.us_country_groups.is_empty() { "-".to_string() } else { r.us_country_groups.join(" ") };
        t.add_row([
            r.id.clone(),
            r.name.clone(),
            grouped(r.build_musd_per_mw, 1),
            grouped(r.pue, 2),
            grouped(r.power_usd_per_kwh, 3),
            fmt_opt(r.domestic_chip_power_usd_per_kwh, 3),
            grouped(r.grid_gco2_per_kwh, 0),
            grouped(r.lead_time_months, 0),
            groups,
            r.us_tier_2025.to_string(),
            if r.china_mainland { "yes" } else { "no" }.into(),
            confidence(&r.provenance).into(),
        ]);
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_thousands_and_keep_decimals() {
        assert_eq!(grouped(15832.0, 0), "15,832");
        assert_eq!(grouped(1234567.891, 2), "1,234,567.89");
        assert_eq!(grouped(0.864, 3), "0.864");
        assert_eq!(grouped(-2500.0, 0), "-2,500");
        assert_eq!(grouped(100.0, 0), "100");
        assert_eq!(grouped(f64::NAN, 1), "-");
        assert_eq!(fmt_opt(None, 1), "-");
    }
}
