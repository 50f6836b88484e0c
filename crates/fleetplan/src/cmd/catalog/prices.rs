//! `fleetplan catalog prices [--json]`: the dated lease and purchase price series.
//!
//! The table lists lease points by chip, region, basis and quarter (each in force until the next
//! point of its series), then purchase points by item; `--json` prints
//! `{"lease": {...}, "purchase_price": {...}}` keyed by id, each entry with `price` (the value a
//! point stands for: its value, else the middle of its band).

use super::{confidence, fmt_opt, table};
use fleetplan_core::catalog::{Catalog, LEASE_BASIS_ORDER, LEASE_REFERENCE_REGION};
use fleetplan_core::format::grouped;

/// "low-high", or "-" without a band.
fn band(low: Option<f64>, high: Option<f64>, decimals: usize) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("{}-{}", grouped(l, decimals), grouped(h, decimals)),
        _ => "-".into(),
    }
}

/// The price series as tables (`--json`: `fleetplan_io::api::catalog::prices`).
pub(super) fn prices_table(catalog: &Catalog) -> String {
    let costs = &catalog.costs;
    let mut leases: Vec<_> = costs.leases.iter().collect();
    leases.sort_by(|a, b| {
        (&a.accelerator, &a.region, a.basis, a.from).cmp(&(&b.accelerator, &b.region, b.basis, b.from))
    });
    let mut t = table(&["Chip", "Region", "Basis", "From", "USD/h", "Band USD/h", "ID", "Conf."], &[4, 5]);
    for l in leases {
        t.add_row([
            l.accelerator.clone(),
            l.region.clone(),
            l.basis.as_str().into(),
            l.from.to_string(),
            fmt_opt(l.usd_per_accel_hour, 2),
            band(l.usd_per_accel_hour_low, l.usd_per_accel_hour_high, 2),
            l.id.clone(),
            confidence(&l.provenance).into(),
        ]);
    }
    let mut purchases: Vec<_> = costs.purchases.iter().collect();
    purchases.sort_by_key(|p| (p.item_label(), p.basis, p.from));
    let mut p = table(&["Item", "Basis", "From", "USD", "Band USD", "ID", "Conf."], &[3, 4]);
    for point in purchases {
        p.add_row([
            point.item_label().replace('`', ""),
            point.basis.as_str().into(),
            point.from.to_string(),
            fmt_opt(point.usd, 0),
            band(point.usd_low, point.usd_high, 0),
            point.id.clone(),
            confidence(&point.provenance).into(),
        ]);
    }
    let order: Vec<&str> = LEASE_BASIS_ORDER.iter().map(|b| b.as_str()).collect();
    format!(
        "Lease prices, USD per accelerator-hour: each point is in force from its quarter until the next point of \
         its (chip, region, basis) series; a band without a value stands for its middle. Plans use the first basis \
         a region has in the order {}; a region without prices borrows `{LEASE_REFERENCE_REGION}`'s plus {} %.\n{t}\n\n\
         Purchase prices, USD per accelerator or per system: the latest point at or before the purchase quarter \
         (sites in China: china-street first), else the chip's base price with the yearly decline.\n{p}",
        order.join(", "),
        grouped(costs.lease_regional_markup() * 100.0, 0)
    )
}
