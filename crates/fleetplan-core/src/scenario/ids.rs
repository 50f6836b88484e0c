//! Typed handles for what a scenario defines itself: [`SiteId`] (a `[[site]]`) and
//! [`WorkloadId`] (a `[[workload]]`).
//!
//! Like the catalog handles ([`crate::catalog::ChipId`] …), a handle is made only by scenario
//! validation (which checks every reference against the file) or, for engines that create
//! holdings, by [`Scenario::site_id`] / [`Scenario::site_ids`] and [`Scenario::workload_id`] /
//! [`Scenario::workload_ids`] from a position in the scenario itself. So no code below
//! `core::scenario` holds an undefined site or workload, and `&scenario[&site_id]` is infallible.
//!
//! A handle keeps the position in `scenario.sites` (or `scenario.workloads`) and the id; it
//! compares, orders and hashes by id, serialises as the id string (JSON output is the same as
//! with plain strings), and reads as the id string only through `as_str()` / `Display` (no
//! `Deref`/`Borrow<str>`, so a handle is not used as a string by accident).
//!
//! **Invariant:** a handle is valid for the scenario it was made for (and clones of it). Indexing
//! another scenario with it is a programming error and panics with a message saying so.

use super::{Scenario, Site, Workload};
use crate::handle::typed_handle;

typed_handle!(
    /// A site id defined in the scenario (`[[site]]`): `&scenario[&site_id]` is the site.
    SiteId, Site, Scenario, sites, "site", "a scenario it was not made for"
);
typed_handle!(
    /// A workload id defined in the scenario (`[[workload]]`): `&scenario[&workload_id]` is the
    /// workload.
    WorkloadId, Workload, Scenario, workloads, "workload", "a scenario it was not made for"
);

impl Scenario {
    /// Handles of every site, in file order (for engines that create holdings).
    pub fn site_ids(&self) -> impl Iterator<Item = SiteId> + '_ {
        self.sites.iter().enumerate().map(|(index, site)| SiteId::new(index, &site.id))
    }

    /// Handle of the site at `index` in `self.sites`. Panics when `index` is out of range (a
    /// position not taken from this scenario is a bug).
    pub fn site_id(&self, index: usize) -> SiteId {
        SiteId::new(index, &self.sites[index].id)
    }

    /// Handles of every workload, in file order.
    pub fn workload_ids(&self) -> impl Iterator<Item = WorkloadId> + '_ {
        self.workloads.iter().enumerate().map(|(index, workload)| WorkloadId::new(index, &workload.id))
    }

    /// Handle of the workload at `index` in `self.workloads`. Panics when `index` is out of
    /// range (a position not taken from this scenario is a bug).
    pub fn workload_id(&self, index: usize) -> WorkloadId {
        WorkloadId::new(index, &self.workloads[index].id)
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::scenario::{WorkloadSpec, validate};

    const TEXT: &str = r#"
[scenario]
name = "t"
currency = "USD"
start = "2025Q1"
quarters = 4
[buyer]
name = "b"
headquarters = "US"
[budget]
total = 1e9
[[budget.share]]
group = "all"
regions = ["us"]
max = 1
[[site]]
id = "west"
region = "us"
available_mw = 10
[[site]]
id = "east"
region = "us"
available_mw = 10
[[workload]]
id = "run"
kind = "training"
model = "llama-3.1-8b"
tokens = 1e12
start = 2025-01-01
deadline = 2025-12-31
[[fleet]]
chip = "h100-sxm"
site = "east"
count = 8
mode = "buy"
from = "2025Q1"
training = "run"
"#;

    #[test]
    fn validation_resolves_site_and_workload_handles() {
        let catalog = Catalog::builtin().unwrap();
        let scenario = validate("t.toml", TEXT, &catalog).unwrap_or_else(|d| panic!("{d:#?}"));
        let holding = &scenario.fleet[0];
        assert_eq!(holding.site.index(), 1);
        assert_eq!(scenario[&holding.site].id, "east");
        assert_eq!(catalog[&scenario[&holding.site].region].id, "us");
        assert_eq!(catalog[&holding.hardware.chip].id, "h100-sxm");
        let run = holding.training.as_ref().unwrap();
        assert!(matches!(scenario[run].spec, WorkloadSpec::Training(_)));
        assert_eq!(scenario.workload_id(0), *run);
        // Budget groups expand regions to site handles, ordered by id.
        let members: Vec<&str> = scenario.budget.shares[0].sites.iter().map(|s| s.as_str()).collect();
        assert_eq!(members, ["east", "west"]);
        assert_eq!(scenario.site_ids().map(|s| s.index()).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(scenario.site_id(0), "west");
        // Displayed like the id string, widths included.
        assert_eq!(format!("{:<6}|{:>4}|", scenario.site_id(0), scenario[&holding.site].region), "west  |  us|");
        // Handles serialise as the id strings.
        let json = serde_json::to_value(holding).unwrap();
        assert_eq!(json["site"], "east");
        assert_eq!(json["training"], "run");
        assert_eq!(json["hardware"]["chip"], "h100-sxm");
    }

    #[test]
    #[should_panic(expected = "not made for")]
    fn a_handle_from_another_scenario_panics() {
        let catalog = Catalog::builtin().unwrap();
        let scenario = validate("t.toml", TEXT, &catalog).unwrap();
        let mut other = scenario.clone();
        other.sites.retain(|s| s.id == "west");
        let _ = &other[&scenario.fleet[0].site];
    }
}
