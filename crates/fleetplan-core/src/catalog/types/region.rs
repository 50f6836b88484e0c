//! Regions where sites can be placed: build cost, PUE, power price, carbon, lead time and the
//! export-control standing of the country.

use super::common::{Provenance, check_positive, check_positive_opt};
use super::country::is_country_code;
use super::rule::is_country_group;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One data-center region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Catalog id, e.g. `my-johor`.
    pub id: String,
    /// Readable name, e.g. "Malaysia (Johor)".
    pub name: String,
    /// ISO 3166 alpha-2 country code (CN, MY, US, ...).
    pub country: String,
    /// Data-center build capex per MW of IT (critical) load, million USD (= USD per W), shell + M&E,
    /// excluding IT hardware and land.
    pub build_musd_per_mw: f64,
    /// Typical power usage effectiveness of a new AI hall.
    pub pue: f64,
    /// Industrial electricity price, USD per kWh.
    pub power_usd_per_kwh: f64,
    /// Grid carbon intensity, g CO2e per kWh.
    pub grid_gco2_per_kwh: f64,
    /// Months from decision to powered capacity (power connection + build).
    pub lead_time_months: f64,
    /// US EAR country groups (Supplement No. 1 to part 740) the country belongs to, limited to
    /// those the advanced-computing rules test: A:5, A:6, D:1, D:4, D:5 (e.g. ["D:1", "D:4", "D:5"]
    /// for China). Empty when none applies (e.g. the United States itself, Malaysia).
    pub us_country_groups: Vec<String>,
    /// Tier under the Jan-2025 AI diffusion framework (1, 2 or 3).
    pub us_tier_2025: u8,
    /// Whether the region is in mainland China (where China-side measures apply).
    pub china_mainland: bool,
    /// Electricity price, USD per kWh, for data centers that run domestic (Chinese) accelerators,
    /// where a subsidy applies (China 2025: provinces cut bills to about CNY 0.4/kWh). Absent
    /// where no such subsidy exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domestic_chip_power_usd_per_kwh: Option<f64>,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl Region {
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let id = self.id.as_str();
        check_positive(&mut p, "region", id, "build_musd_per_mw", self.build_musd_per_mw);
        check_positive(&mut p, "region", id, "power_usd_per_kwh", self.power_usd_per_kwh);
        check_positive(&mut p, "region", id, "grid_gco2_per_kwh", self.grid_gco2_per_kwh);
        check_positive(&mut p, "region", id, "lead_time_months", self.lead_time_months);
        check_positive_opt(
            &mut p,
            "region",
            id,
            "domestic_chip_power_usd_per_kwh",
            self.domestic_chip_power_usd_per_kwh,
        );
        for g in &self.us_country_groups {
            if !is_country_group(g) {
                p.push(format!("region `{id}`: `{g}` is not a US country group; expected e.g. \"D:5\" or \"A:6\""));
            }
        }
        if !is_country_code(&self.country) {
            p.push(format!("region `{id}`: country `{}` must be an ISO alpha-2 code like CN or MY", self.country));
        }
        if !(self.pue.is_finite() && (1.0..=3.0).contains(&self.pue)) {
            p.push(format!("region `{id}`: `pue` must be between 1.0 and 3.0, got {}", self.pue));
        }
        if !(1..=3).contains(&self.us_tier_2025) {
            p.push(format!("region `{id}`: `us_tier_2025` must be 1, 2 or 3, got {}", self.us_tier_2025));
        }
        p
    }

    /// Whether the country is in the given US country group (e.g. "D:5").
    pub fn in_group(&self, group: &str) -> bool {
        self.us_country_groups.iter().any(|g| g == group)
    }

    /// Electricity price that applies to a site, USD per kWh: the subsidised domestic-chip
    /// price when `domestic_chips` and the region has one, else the ordinary industrial price.
    pub fn power_price_usd_per_kwh(&self, domestic_chips: bool) -> f64 {
        match self.domestic_chip_power_usd_per_kwh {
            Some(p) if domestic_chips => p,
            _ => self.power_usd_per_kwh,
        }
    }
}
