//! Step 1 of an evaluation: price every `[[fleet]]` holding with the cost model and judge it
//! with the export-control engine in every quarter it is in service.

use super::EvalError;
use super::types::{HoldingEval, QuarterVerdict, Violation, ViolationKind};
use fleetplan_core::catalog::{Accelerator, Catalog, FabricTechnology, Ownership, PriceMarket, Region};
use fleetplan_core::policy::{PolicyQuery, Verdict, VerdictKind, judge as policy_verdict};
use fleetplan_core::scenario::{Holding, Mode, Quarter, Scenario, Site};
use fleetplan_core::units::Date;
use fleetplan_models::cost::{
    HoldingInput, PriceOverride, SiteEnergy, choose_fabric, default_technology, holding_cost, system_of,
};

/// Most allowed chips a compliance fix suggests instead of a disallowed one.
const MAX_ALTERNATIVES: usize = 4;

/// Readable label of the `index`-th holding of the fleet.
pub(super) fn holding_label(holding: &Holding, index: usize) -> String {
    format!(
        "fleet[{index}] {} × {} at {} ({})",
        holding.units,
        holding.hardware.id(),
        holding.site,
        holding.mode.as_str()
    )
}

/// One holding with the catalog entries it refers to.
struct Held<'a> {
    index: usize,
    holding: &'a Holding,
    site: &'a Site,
    region: &'a Region,
    chip: &'a Accelerator,
}

impl Held<'_> {
    fn label(&self) -> String {
        holding_label(self.holding, self.index)
    }
}

/// Every holding of the fleet, priced and judged, in fleet order. Missing lease prices and
/// disallowed holdings become violations.
pub(super) fn price_and_judge(
    scenario: &Scenario,
    catalog: &Catalog,
    horizon: &[Quarter],
    violations: &mut Vec<Violation>,
) -> Result<Vec<HoldingEval>, EvalError> {
    let mut holdings = Vec::with_capacity(scenario.fleet.len());
    for (index, holding) in scenario.fleet.iter().enumerate() {
        let site = &scenario[&holding.site];
        let held =
            Held { index, holding, site, region: &catalog[&site.region], chip: &catalog[&holding.hardware.chip] };
        holdings.push(price(scenario, catalog, &held, horizon, violations)?);
    }
    Ok(holdings)
}

/// Cost of one holding (USD) and its compliance per quarter in service.
fn price(
    scenario: &Scenario,
    catalog: &Catalog,
    held: &Held<'_>,
    horizon: &[Quarter],
    violations: &mut Vec<Violation>,
) -> Result<HoldingEval, EvalError> {
    let Held { holding, site, region, chip, .. } = *held;
    let system = system_of(catalog, chip, holding.hardware.system.as_ref());
    let technology = default_technology(chip);
    let fabric = choose_fabric(&catalog.costs, technology, chip.scaleout_nic_gbps)
        .or_else(|| choose_fabric(&catalog.costs, FabricTechnology::Ethernet, chip.scaleout_nic_gbps))
        .ok_or(EvalError::NoFabric)?;
    let input = HoldingInput {
        chip,
        system,
        accelerators: holding.accelerators,
        mode: holding.mode,
        price_override: PriceOverride::of_entry(holding.price_usd, holding.hardware.system.as_ref()),
        purchase_quarter: holding.from,
        market: PriceMarket::of_region(region),
        lease_usd_per_hour: lease_price(catalog, held, violations),
        fabric,
        energy: SiteEnergy::new(region, chip, site.pue, site.power_usd_per_kwh),
        build_musd_per_mw: region.build_musd_per_mw,
        policy_fee_fraction: 0.0,
    };
    let (compliance, fee_fraction) = judge(scenario, catalog, held, horizon, violations);
    let cost = holding_cost(&HoldingInput { policy_fee_fraction: fee_fraction, ..input }, &catalog.costs)?;
    Ok(HoldingEval {
        index: held.index,
        label: held.label(),
        chip: chip.id.clone(),
        system: system.map(|s| s.id.clone()),
        site: site.id.clone(),
        region: region.id.clone(),
        accelerators: holding.accelerators,
        mode: holding.mode,
        from: holding.from,
        until: holding.until,
        fabric: cost.network.fabric.clone(),
        usd_per_accelerator_hour: cost.usd_per_accelerator_hour(),
        cost,
        compliance,
    })
}

/// Lease price, USD per accelerator-hour: the holding's, else the catalog's in force in the
/// region in the holding's first quarter (the rate is locked for the lease's term; see
/// `CostParams::lease_quote`). A lease without a price of its own region is flagged and priced
/// at the catalog's price elsewhere plus the regional markup (or 0).
fn lease_price(catalog: &Catalog, held: &Held<'_>, violations: &mut Vec<Violation>) -> Option<f64> {
    let Held { holding, region, chip, .. } = *held;
    if let Some(given) = holding.lease_usd_per_hour {
        return Some(given);
    }
    let quote = catalog.costs.lease_quote(&chip.id, &region.id, holding.from);
    if holding.mode != Mode::Lease || quote.is_some_and(|q| !q.marked_up) {
        return quote.map(|q| q.usd_per_accel_hour);
    }
    violations.push(Violation {
        kind: ViolationKind::MissingPrice,
        subject: held.label(),
        quarter: None,
        message: format!("no lease price for `{}` in `{}`", chip.id, region.id),
        fix: match quote {
            Some(q) => format!(
                "give lease_usd_per_hour in the [[fleet]] entry (priced at {:.2} USD/h meanwhile: the catalog's price in `{}` plus the {:.0} % regional markup)",
                q.usd_per_accel_hour,
                q.point.region,
                catalog.costs.lease_regional_markup() * 100.0
            ),
            None => "give lease_usd_per_hour in the [[fleet]] entry (priced at 0 meanwhile)".into(),
        },
    });
    Some(quote.map_or(0.0, |q| q.usd_per_accel_hour))
}

/// Compliance in every quarter of the horizon the holding is in service. Export controls bite
/// when hardware is exported (acquired): an owned holding is judged once, on its acquisition
/// date (the first day of its `from` quarter), and keeps that verdict while it is used (BIS:
/// operators need not stop using items they already hold; data pack §2.2); a lease is a service
/// bought anew each quarter, so it is judged every quarter. Also returns the fee fraction of
/// the acquisition verdict (a cost adder on a purchase; leases carry none).
fn judge(
    scenario: &Scenario,
    catalog: &Catalog,
    held: &Held<'_>,
    horizon: &[Quarter],
    violations: &mut Vec<Violation>,
) -> (Vec<QuarterVerdict>, f64) {
    let holding = held.holding;
    let mut fee_fraction = 0.0;
    let in_service = horizon.iter().filter(|q| holding.from <= **q && **q <= holding.until);
    let mut compliance = Vec::new();
    for (quarters_in_service, quarter) in in_service.enumerate() {
        let (judged_on, ownership) = match holding.mode {
            Mode::Buy => (holding.from, Ownership::Own),
            Mode::Lease => (*quarter, Ownership::Lease),
        };
        let date = scenario.policy.date.unwrap_or_else(|| judged_on.first_day());
        let query = PolicyQuery {
            chip: held.chip,
            site: held.region,
            buyer_hq: &scenario.buyer.headquarters,
            buyer_attributes: &scenario.buyer.attributes,
            date,
            ownership,
        };
        let verdict = policy_verdict(catalog, &query, &scenario.policy.options);
        if holding.mode == Mode::Buy && quarters_in_service == 0 {
            fee_fraction = verdict.fee_fraction;
        }
        // An owned holding's single verdict is reported once, in its first quarter in service.
        let report = holding.mode == Mode::Lease || quarters_in_service == 0;
        if verdict.kind != VerdictKind::Allowed && report {
            let alternatives = allowed_alternatives(scenario, catalog, &query);
            violations.push(export_violation(scenario, held, *quarter, date, &verdict, &alternatives));
        }
        compliance.push(QuarterVerdict {
            quarter: *quarter,
            verdict: verdict.kind,
            rule: verdict.rule_id,
            citation: verdict.citation,
            reason: verdict.reason,
        });
    }
    (compliance, fee_fraction)
}

/// Up to [`MAX_ALTERNATIVES`] chips on sale that the same query allows, in catalog order.
fn allowed_alternatives<'c>(scenario: &Scenario, catalog: &'c Catalog, query: &PolicyQuery<'_>) -> Vec<&'c str> {
    catalog
        .accelerators
        .iter()
        .filter(|chip| chip.sold && chip.id != query.chip.id)
        .filter(|chip| {
            let other = PolicyQuery { chip, ..*query };
            policy_verdict(catalog, &other, &scenario.policy.options).kind == VerdictKind::Allowed
        })
        .map(|chip| chip.id.as_str())
        .take(MAX_ALTERNATIVES)
        .collect()
}

/// The violation of a holding that export controls do not allow.
fn export_violation(
    scenario: &Scenario,
    held: &Held<'_>,
    quarter: Quarter,
    date: Date,
    verdict: &Verdict,
    alternatives: &[&str],
) -> Violation {
    let holding = held.holding;
    Violation {
        kind: ViolationKind::ExportControl,
        subject: held.label(),
        quarter: Some(quarter),
        message: format!(
            "{} {} of `{}` at `{}` ({}) by a {}-headquartered buyer on {date}: {} under rule `{}`{}",
            holding.accelerators,
            if holding.mode == Mode::Buy { "owned" } else { "leased" },
            held.chip.id,
            held.site.id,
            held.region.id,
            scenario.buyer.headquarters,
            verdict.kind,
            verdict.rule_id.as_deref().unwrap_or("-"),
            verdict.citation.as_deref().map(|c| format!(" ({c})")).unwrap_or_default(),
        ),
        fix: if alternatives.is_empty() {
            "obtain a licence (or set [policy] assume_licences_granted = true to model one), or move the holding to another site".into()
        } else {
            format!(
                "obtain a licence (or set [policy] assume_licences_granted = true), or hold an allowed chip there instead: {}",
                alternatives.join(", ")
            )
        },
    }
}
