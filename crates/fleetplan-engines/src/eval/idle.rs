//! Idle capacity: accelerators of each (site, chip) pool that neither a training run reserves
//! nor the serving split allocates at the quarter's peak hour, what they cost, and an `idle`
//! advisory for a pool more than [`IDLE_ADVISORY_SHARE`] idle in a quarter.
//!
//! Idle is counted at the peak hour because a fleet is sized for it: off-peak, more chips are
//! free (the diurnal valley), but a chip idle even at the peak serves nothing all day.

use super::quarters::QuarterView;
use super::types::{PoolIdle, Violation, ViolationKind};
use fleetplan_core::format::{grouped, money};
use fleetplan_models::cost::HOURS_PER_YEAR;

/// Share of a pool's accelerators idle at a quarter's peak hour above which the evaluation
/// gives an `idle` advisory (fraction).
pub const IDLE_ADVISORY_SHARE: f64 = 0.2;

/// Hours in a quarter (a quarter of a 365-day year, as the cost model's yearly figures).
const HOURS_PER_QUARTER: f64 = HOURS_PER_YEAR / 4.0;

/// Idle accelerators of every pool in service in the quarter of `view`, with their cost.
/// `in_service` gives the pool's accelerators this quarter, in the order of `view.free`.
pub(super) fn pool_idle(view: &QuarterView<'_>, quarter_index: usize) -> Vec<PoolIdle> {
    let mut out = Vec::new();
    for pool in view.fleet.pools {
        let accelerators = pool.accelerators[quarter_index];
        if accelerators == 0 {
            continue;
        }
        let key = (pool.site.clone(), pool.chip.clone());
        let free = view.free.get(&key).copied().unwrap_or(0.0);
        let serving: f64 = view
            .split
            .chips
            .iter()
            .filter(|((_, _, site, chip), _)| (site, chip) == (&key.0, &key.1))
            .map(|c| c.1)
            .sum();
        let idle = view.split.idle.get(&key).copied().unwrap_or(0).min(accelerators);
        let idle_share = idle as f64 / accelerators as f64;
        let usd_per_hour = view.usd_per_accelerator_hour(pool.site.as_str(), pool.chip.as_str());
        out.push(PoolIdle {
            site: pool.site.to_string(),
            chip: pool.chip.to_string(),
            quarter: view.quarter,
            accelerators,
            training_accelerators: (accelerators as f64 - free).max(0.0).round() as u64,
            serving_accelerators: serving.min(free),
            idle_accelerators: idle,
            idle_share,
            idle_cost: view.fleet.fx.from_usd(idle as f64 * usd_per_hour * HOURS_PER_QUARTER),
        });
    }
    out
}

/// An `idle` advisory for every pool more than [`IDLE_ADVISORY_SHARE`] idle in a quarter, with
/// the cost of its idle part.
pub(super) fn advisories(idle: &[PoolIdle], currency: &str) -> Vec<Violation> {
    idle.iter()
        .filter(|pool| pool.idle_share > IDLE_ADVISORY_SHARE)
        .map(|pool| Violation {
            kind: ViolationKind::Idle,
            subject: format!("{} at {}", pool.chip, pool.site),
            quarter: Some(pool.quarter),
            message: format!(
                "{} of {} accelerators idle at the peak hour ({:.1} %, above {:.0} %): {} of the quarter's cost buys nothing",
                grouped(pool.idle_accelerators as f64, 0),
                grouped(pool.accelerators as f64, 0),
                pool.idle_share * 100.0,
                IDLE_ADVISORY_SHARE * 100.0,
                money(pool.idle_cost, currency)
            ),
            fix: "hold fewer of these accelerators here (or lease them for fewer quarters), or let more demand be served \
                  from this site (user_regions, cross_border)"
                .into(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetplan_core::scenario::Quarter;

    fn pool(accelerators: u64, idle: u64) -> PoolIdle {
        PoolIdle {
            site: "s1".into(),
            chip: "h100-sxm".into(),
            quarter: Quarter { year: 2025, q: 1 },
            accelerators,
            training_accelerators: 0,
            serving_accelerators: (accelerators - idle) as f64,
            idle_accelerators: idle,
            idle_share: idle as f64 / accelerators as f64,
            idle_cost: idle as f64 * 1000.0,
        }
    }

    #[test]
    fn only_pools_more_than_a_fifth_idle_get_an_advisory_with_the_cost() {
        let found = advisories(&[pool(100, 20), pool(100, 21), pool(100, 0)], "USD");
        assert_eq!(found.len(), 1, "{found:#?}");
        let advisory = &found[0];
        assert_eq!(advisory.kind, ViolationKind::Idle);
        assert_eq!(advisory.subject, "h100-sxm at s1");
        assert!(
            advisory.message.starts_with("21 of 100 accelerators idle at the peak hour (21.0 %"),
            "{}",
            advisory.message
        );
        assert!(advisory.message.contains(&money(21_000.0, "USD")), "{}", advisory.message);
    }
}
