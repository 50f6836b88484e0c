//! The planner never buys or leases a chip before its catalog availability quarter: a roadmap
//! chip that would win on cost (Rubin VR200, available 2026Q3) is leased only from its quarter
//! on, with the older chip covering the quarters before; the same scenario with a catalog file
//! moving the chip's availability earlier leases it earlier (so the bound is what decides).

mod fixtures;

use fixtures::{chat_app, header, lease, run_with, scenario_in, site};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::{Mode, Quarter, Scenario};
use fleetplan_engines::plan::{Plan, PlanOptions};

/// Horizon 2026Q1..2026Q4; H100 leased at USD 2.2 per hour, Rubin VR200 (about 8 x the FP8
/// rate, 4.6 x the memory bandwidth) at USD 2.5 per hour: Rubin is far cheaper per token.
fn scenario_text() -> String {
    [
        header("availability", "2026Q1", 4, "US"),
        fixtures::budget("1e10"),
        site("a", "us", "50"),
        lease("h100-sxm", "a", "2.2"),
        lease("rubin-vr200", "a", "2.5"),
        chat_app("us"),
    ]
    .concat()
}

/// The built-in catalog, or with `rubin-vr200` made available in `quarter` by an extra catalog
/// file (its chips.toml entry with `available` changed).
fn catalog(rubin_available: Option<&str>) -> Catalog {
    let mut catalog = Catalog::builtin().expect("built-in catalog");
    if let Some(quarter) = rubin_available {
        let chips = include_str!("../../fleetplan-core/catalog/chips.toml");
        let start = chips.find("id = \"rubin-vr200\"").expect("rubin-vr200 in chips.toml");
        let start = chips[..start].rfind("[[accelerator]]").unwrap();
        let end = chips[start + 1..].find("[[accelerator]]").map_or(chips.len(), |e| start + 1 + e);
        let entry = chips[start..end].replace("available = \"2026Q3\"", &format!("available = \"{quarter}\""));
        assert!(entry.contains(&format!("available = \"{quarter}\"")), "{entry}");
        let notes = catalog.apply_override("earlier.toml", &entry).expect("valid override");
        assert_eq!(notes.len(), 1, "the override replaces the built-in entry");
    }
    catalog
}

fn scenario(catalog: &Catalog) -> Scenario {
    scenario_in(&scenario_text(), catalog)
}

fn run(s: &Scenario, catalog: &Catalog) -> Plan {
    run_with(s, catalog, PlanOptions::default())
}

/// First quarter the plan leases `chip`, if it does.
fn first_lease(p: &Plan, chip: &str) -> Option<Quarter> {
    p.purchases.iter().filter(|h| h.hardware == chip && h.mode == Mode::Lease).map(|h| h.from).min()
}

#[test]
fn a_roadmap_chip_is_leased_only_from_its_availability_quarter() {
    let c = catalog(None);
    assert_eq!(c.accelerator("rubin-vr200").unwrap().available.to_string(), "2026Q3");
    let s = scenario(&c);
    // Validation opens the option in the chip's quarter, not at the horizon start.
    assert_eq!(s.options[1].available_from.to_string(), "2026Q3");
    let p = run(&s, &c);
    assert!(p.feasible);
    assert_eq!(first_lease(&p, "rubin-vr200").map(|q| q.to_string()).as_deref(), Some("2026Q3"), "{:#?}", p.purchases);
    // Before it, the H100 serves; none of its leases run past the quarter Rubin arrives.
    assert_eq!(first_lease(&p, "h100-sxm").map(|q| q.to_string()).as_deref(), Some("2026Q1"));
    let q3 = Quarter::new(2026, 3).unwrap();
    assert!(p.purchases.iter().filter(|h| h.hardware == "h100-sxm").all(|h| h.until < q3), "{:#?}", p.purchases);
}

#[test]
fn moving_availability_earlier_in_a_catalog_file_moves_the_lease_earlier() {
    let c = catalog(Some("2026Q1"));
    let s = scenario(&c);
    let p = run(&s, &c);
    assert!(p.feasible);
    assert_eq!(first_lease(&p, "rubin-vr200").map(|q| q.to_string()).as_deref(), Some("2026Q1"), "{:#?}", p.purchases);
    assert!(first_lease(&p, "h100-sxm").is_none(), "{:#?}", p.purchases);
}
