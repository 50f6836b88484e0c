//! The catalog as data: the documents of `fleetplan catalog TABLE --json` (one object per
//! table keyed by id, each entry's fields plus computed fields) and of the dashboard's
//! `GET /api/catalog` (every table at once, entries as arrays in catalog order).
//!
//! Computed fields: chips `tpp`, `performance_density`, `classification_3a090`; LLMs
//! `parameter_count`, `active_parameter_count` (and `model_kind` for every model); serving
//! engines `latest` (the serving traits of the latest described release); rules `end_date`,
//! `never_in_force`, `scope`; price points `price` (the value a point stands for).

use fleetplan_core::catalog::{Accelerator, Catalog, Rule};
use fleetplan_core::policy::{classify_3a090, performance_density, tpp};
use fleetplan_core::units::Date;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// A catalog entry that did not serialise to a JSON object (a bug).
#[derive(Debug, thiserror::Error)]
pub enum EntryJsonError {
    /// serde_json refused the entry.
    #[error("internal error: a catalog entry could not be encoded as JSON: {0}")]
    Encode(#[from] serde_json::Error),
    /// The entry serialised to something other than an object.
    #[error("internal error: a catalog entry serialised to a JSON {kind}, not an object")]
    NotAnObject {
        /// What it serialised to (`array`, `string`, …).
        kind: &'static str,
    },
}

/// An entry as a JSON object (entries are structs, so this is always an object).
fn entry_value<T: Serialize>(entry: &T) -> Result<Map<String, Value>, EntryJsonError> {
    match serde_json::to_value(entry)? {
        Value::Object(map) => Ok(map),
        Value::Array(_) => Err(EntryJsonError::NotAnObject { kind: "array" }),
        Value::String(_) => Err(EntryJsonError::NotAnObject { kind: "string" }),
        Value::Number(_) => Err(EntryJsonError::NotAnObject { kind: "number" }),
        Value::Bool(_) => Err(EntryJsonError::NotAnObject { kind: "boolean" }),
        Value::Null => Err(EntryJsonError::NotAnObject { kind: "null" }),
    }
}

/// JSON number, or null when not finite (never NaN/inf in output).
fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// Entries as one object keyed by id (keys sorted).
pub type Keyed = Map<String, Value>;

fn keyed<'a>(entries: impl Iterator<Item = (&'a str, Result<Keyed, EntryJsonError>)>) -> Result<Keyed, EntryJsonError> {
    let mut all = Map::new();
    for (id, value) in entries {
        all.insert(id.to_string(), Value::Object(value?));
    }
    Ok(all)
}

/// One chip with its computed export-control metrics.
pub fn chip(chip: &Accelerator) -> Result<Keyed, EntryJsonError> {
    let mut map = entry_value(chip)?;
    map.insert("tpp".into(), number(tpp(chip)));
    map.insert("performance_density".into(), performance_density(chip).map_or(Value::Null, number));
    map.insert("classification_3a090".into(), json!(classify_3a090(chip).to_string()));
    Ok(map)
}

/// `catalog chips --json`: the given chips keyed by id.
pub fn chips(chips: &[&Accelerator]) -> Result<Keyed, EntryJsonError> {
    keyed(chips.iter().map(|a| (a.id.as_str(), chip(a))))
}

/// `catalog systems --json`.
pub fn systems(catalog: &Catalog) -> Result<Keyed, EntryJsonError> {
    keyed(catalog.systems.iter().map(|s| (s.id.as_str(), entry_value(s))))
}

/// `catalog regions --json`.
pub fn regions(catalog: &Catalog) -> Result<Keyed, EntryJsonError> {
    keyed(catalog.regions.iter().map(|r| (r.id.as_str(), entry_value(r))))
}

/// `catalog models --json`: LLMs and diffusion models, with `model_kind` and parameter counts.
pub fn models(catalog: &Catalog) -> Result<Keyed, EntryJsonError> {
    let llms = catalog.llms.iter().map(|m| {
        let value = entry_value(m).map(|mut map| {
            map.insert("model_kind".into(), json!("llm"));
            map.insert("parameter_count".into(), number(m.parameter_count()));
            map.insert("active_parameter_count".into(), number(m.active_parameter_count()));
            map
        });
        (m.id.as_str(), value)
    });
    let diffusion = catalog.diffusion_models.iter().map(|m| {
        let value = entry_value(m).map(|mut map| {
            map.insert("model_kind".into(), json!("diffusion"));
            map
        });
        (m.id.as_str(), value)
    });
    keyed(llms.chain(diffusion))
}

/// `catalog engines --json`: serving engines and training frameworks, with `latest`.
pub fn engines(catalog: &Catalog) -> Result<Keyed, EntryJsonError> {
    keyed(catalog.engines.iter().map(|e| {
        let value = entry_value(e).and_then(|mut map| {
            if let Some(traits) = &e.serving {
                map.insert("latest".into(), Value::Object(entry_value(&traits.at_version(None))?));
            }
            Ok(map)
        });
        (e.id.as_str(), value)
    }))
}

/// `catalog prices --json`: `{"lease": {...}, "purchase_price": {...}}` keyed by id, each point
/// with `price`.
pub fn prices(catalog: &Catalog) -> Result<Keyed, EntryJsonError> {
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
    Ok(all)
}

/// One rule as `catalog rules --json` shows it: the catalog entry plus its computed end date.
#[derive(Debug, Serialize)]
pub struct RuleJson<'a> {
    /// The catalog entry.
    #[serde(flatten)]
    pub rule: &'a Rule,
    /// First day it no longer applies (from `ends` or `rescinded_by`).
    pub end_date: Option<Date>,
    /// Whether it was rescinded before it took effect.
    pub never_in_force: bool,
    /// Short description of what it covers.
    pub scope: String,
}

impl<'a> RuleJson<'a> {
    /// The JSON form of `rule`.
    pub fn new(rule: &'a Rule, catalog: &Catalog) -> Self {
        Self {
            rule,
            end_date: rule.end_date(catalog),
            never_in_force: rule.never_in_force(catalog),
            scope: rule.scope(),
        }
    }
}

/// `catalog rules --json`: rules keyed by id.
pub fn rules(catalog: &Catalog) -> BTreeMap<&str, RuleJson<'_>> {
    catalog.rules.iter().map(|r| (r.id.as_str(), RuleJson::new(r, catalog))).collect()
}

/// Entries of a keyed object in catalog order (`order` lists the ids).
fn in_order<'a>(mut all: Keyed, order: impl Iterator<Item = &'a str>) -> Vec<Value> {
    order.filter_map(|id| all.remove(id)).collect()
}

/// Every table at once, entries as arrays in catalog order (each entry carries its `id`,
/// `source` and `confidence`): `{"chips", "systems", "models", "regions", "rules", "engines",
/// "lease_prices", "purchase_prices"}`; the dashboard's catalog view.
pub fn catalog_document(catalog: &Catalog) -> Result<Value, EntryJsonError> {
    let all_chips: Vec<&Accelerator> = catalog.accelerators.iter().collect();
    let model_ids =
        catalog.llms.iter().map(|m| m.id.as_str()).chain(catalog.diffusion_models.iter().map(|m| m.id.as_str()));
    let rules: Vec<RuleJson> = catalog.rules.iter().map(|r| RuleJson::new(r, catalog)).collect();
    let mut prices = prices(catalog)?;
    let lease = match prices.remove("lease") {
        Some(Value::Object(m)) => in_order(m, catalog.costs.leases.iter().map(|l| l.id.as_str())),
        _ => Vec::new(),
    };
    let purchase = match prices.remove("purchase_price") {
        Some(Value::Object(m)) => in_order(m, catalog.costs.purchases.iter().map(|p| p.id.as_str())),
        _ => Vec::new(),
    };
    Ok(json!({
        "chips": in_order(chips(&all_chips)?, catalog.accelerators.iter().map(|a| a.id.as_str())),
        "systems": in_order(systems(catalog)?, catalog.systems.iter().map(|s| s.id.as_str())),
        "models": in_order(models(catalog)?, model_ids),
        "regions": in_order(regions(catalog)?, catalog.regions.iter().map(|r| r.id.as_str())),
        "rules": rules,
        "engines": in_order(engines(catalog)?, catalog.engines.iter().map(|e| e.id.as_str())),
        "lease_prices": lease,
        "purchase_prices": purchase,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chip_has_its_computed_fields() {
        let catalog = Catalog::builtin().unwrap();
        let h20 = chip(catalog.accelerator("h20").unwrap()).unwrap();
        assert_eq!(h20["tpp"], json!(2368.0));
        assert!(h20["performance_density"].as_f64().unwrap() < 3.2);
        assert_eq!(h20["classification_3a090"], json!("not controlled"));
        let v5e = chip(catalog.accelerator("tpu-v5e").unwrap()).unwrap();
        assert_eq!(v5e["performance_density"], Value::Null);
    }

    #[test]
    fn the_document_lists_every_entry_in_catalog_order_with_its_provenance() {
        let catalog = Catalog::builtin().unwrap();
        let doc = catalog_document(&catalog).unwrap();
        let chips = doc["chips"].as_array().unwrap();
        assert_eq!(chips.len(), catalog.accelerators.len());
        assert_eq!(chips[0]["id"], json!(catalog.accelerators[0].id.as_str()));
        assert!(chips.iter().all(|c| c.get("tpp").is_some() && c.get("confidence").is_some()), "{:?}", chips[0]);
        assert_eq!(doc["rules"].as_array().unwrap().len(), catalog.rules.len());
        let models = doc["models"].as_array().unwrap();
        assert_eq!(models.len(), catalog.llms.len() + catalog.diffusion_models.len());
        assert_eq!(doc["lease_prices"].as_array().unwrap().len(), catalog.costs.leases.len());
    }
}
