//! `fleetplan catalog prices [--json]`: the dated lease and purchase price series.
//!
//! The table lists lease points by chip, region, basis and quarter (each in force until the next
//! point of its series), then purchase points by item; `--json` prints
//! `{"lease": {...}, "purchase_price": {...}}` keyed by id, each entry with `price` (the value a
//! point stands for: its value, else the middle of its band).

use super::{Failure, confidence, entry_value, fmt_opt, number, table, to_json};
use fleetplan_core::catalog::{Catalog, LEASE_BASIS_ORDER, LEASE_REFERENCE_REGION};
use fleetplan_core::format::grouped;
use serde_json::{Map, Value};

/// The price series as tables, or as JSON.
pub(super) fn prices(catalog: &Catalog, json: bool) -> Result<String, Failure> {
    if json { prices_json(catalog) } else { Ok(prices_table(catalog)) }
}

fn prices_json(catalog: &Catalog) -> Result<String, Failure> {
    let mut leases = Map::new();
    for l in &catalog.costs.leases {
        let mut map = entry_value(l)?;
        map.insert("price".into(), number(l.usd_per_accel_hour()));
        leases.insert(l.id.clone(), Value::Object(map));
    }
    let mut purchases = Map::new();
    for p in &catalog.costs.purchases {
        let mut map = entry_value(p)?;
        map.insert("price".into(), number(p.usd()));
        purchases.insert(p.id.clone(), Value::Object(map));
    }
    let mut all = Map::new();
    all.insert("lease".into(), Value::Object(leases));
    all.insert("purchase_price".into(), Value::Object(purchases));
    to_json(&Value::Object(all))
}

/// "low-high", or "-" without a band.
fn band(low: Option<f64>, high: Option<f64>, decimals: usize) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("{}-{}", grouped(l, decimals), grouped(h, decimals)),
        _ => "-".into(),
    }
}

fn prices_table(catalog: &Catalog) -> String {
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
