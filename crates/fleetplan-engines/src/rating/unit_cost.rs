//! Unit costs: cost per token or item at full load of every rated (workload, chip) pair at
//! every site holding the chip.

use super::RateTable;
use fleetplan_models::cost::Fx;
use serde::Serialize;
use std::collections::BTreeMap;

/// Cost per token or item at full load for one workload on one chip at one site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCost {
    /// Workload id.
    pub workload: String,
    /// Chip id.
    pub chip: String,
    /// Site id.
    pub site: String,
    /// TCO per accelerator-hour (chip-weighted over the site's holdings of the chip), scenario currency.
    pub per_accelerator_hour: f64,
    /// Chat: per million output tokens.
    pub per_million_output_tokens: Option<f64>,
    /// Chat: per million input tokens.
    pub per_million_input_tokens: Option<f64>,
    /// Image/video: per item.
    pub per_item: Option<f64>,
}

/// Accelerators of one chip at one site with their TCO: one priced holding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PricedChips<'a> {
    /// Chip id.
    pub chip: &'a str,
    /// Site id.
    pub site: &'a str,
    /// Accelerators.
    pub accelerators: u64,
    /// TCO per accelerator-hour, USD.
    pub usd_per_accelerator_hour: f64,
}

/// Unit costs of every rated pair at every site holding the chip (full load, no idle time), in
/// the scenario currency; the hourly cost is the accelerator-weighted mean over the holdings of
/// the chip at the site.
pub fn unit_costs<'a>(
    rates: &RateTable,
    holdings: impl IntoIterator<Item = PricedChips<'a>>,
    fx: &Fx,
) -> Vec<UnitCost> {
    // (chip, site) → (USD per hour over all accelerators, accelerators).
    let mut by_chip_and_site: BTreeMap<(String, String), (f64, f64)> = BTreeMap::new();
    for held in holdings {
        let entry = by_chip_and_site.entry((held.chip.to_string(), held.site.to_string())).or_default();
        entry.0 += held.usd_per_accelerator_hour * held.accelerators as f64;
        entry.1 += held.accelerators as f64;
    }
    let mut out = Vec::new();
    for ((workload, chip), rate) in rates {
        if rate.per_chip_per_s <= 0.0 {
            continue;
        }
        for ((held_chip, site), (usd_per_hour, accelerators)) in &by_chip_and_site {
            if held_chip != chip || *accelerators <= 0.0 {
                continue;
            }
            let per_accelerator_hour = fx.from_usd(usd_per_hour / accelerators);
            let per_unit = per_accelerator_hour / (rate.per_chip_per_s * 3600.0);
            let chat = rate.input_per_chip_per_s > 0.0;
            out.push(UnitCost {
                workload: workload.clone(),
                chip: chip.clone(),
                site: site.clone(),
                per_accelerator_hour,
                per_million_output_tokens: chat.then_some(per_unit * (1.0 - rate.input_cost_share) * 1e6),
                per_million_input_tokens: chat
                    .then(|| per_accelerator_hour * rate.input_cost_share / (rate.input_per_chip_per_s * 3600.0) * 1e6),
                per_item: (!chat).then_some(per_unit),
            });
        }
    }
    out
}
