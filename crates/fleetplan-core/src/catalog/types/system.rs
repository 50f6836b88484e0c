//! Systems: how accelerators are packaged and sold (8-GPU servers, NVL72 racks, SuperPoDs,
//! TPU slices), with what the packaging adds in cost and power.

use super::common::{Provenance, check_positive};
use crate::catalog::Catalog;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One purchasable (or leasable) unit that holds accelerators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct System {
    /// Catalog id, e.g. `hgx-h100-8`.
    pub id: String,
    /// Marketing name.
    pub name: String,
    /// Accelerator id inside.
    pub accelerator: String,
    /// Accelerators per system.
    pub accelerators_per_system: u32,
    /// Chips per scale-up domain in this packaging (8 in HGX, 72 in NVL72, 384 in CloudMatrix).
    pub scaleup_domain: u32,
    /// Cost of everything but the accelerators (host CPUs, memory, chassis, NICs, OEM margin), USD per system.
    pub host_cost_usd: f64,
    /// Power of everything but the accelerators at load (host, fans, switches in the chassis), W per system.
    pub host_power_w: f64,
    /// Rack units or racks the system occupies, as text ("8U", "1 rack", "16 racks").
    pub footprint: String,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl System {
    pub(crate) fn problems(&self, catalog: &Catalog) -> Vec<String> {
        let mut p = Vec::new();
        let id = self.id.as_str();
        if self.accelerators_per_system == 0 {
            p.push(format!("system `{id}`: `accelerators_per_system` must be at least 1"));
        }
        if self.scaleup_domain == 0 {
            p.push(format!("system `{id}`: `scaleup_domain` must be at least 1"));
        }
        if !(self.host_cost_usd.is_finite() && self.host_cost_usd >= 0.0) {
            p.push(format!("system `{id}`: `host_cost_usd` must be ≥ 0, got {}", self.host_cost_usd));
        }
        check_positive(&mut p, "system", id, "host_power_w", self.host_power_w);
        if let Err(e) = catalog.accelerator(&self.accelerator) {
            p.push(format!("system `{id}`: {e}"));
        }
        p
    }
}
