//! The problem data of each sampled future, and the first-stage data that prices the shared
//! decisions: the nominal structure with every line's and site's unit costs averaged over the
//! futures (docs/planner.md, "Robust plans").

use super::super::data::{self, Data};
use super::RobustError;
use fleetplan_core::uncertainty::Sampled;
use rayon::prelude::*;

/// The problem data of every future (in parallel; the order is the futures' order), each
/// future's serving rates multiplied by its throughput factor per chip.
pub(super) fn future_data(nominal: &Data, futures: &[Sampled]) -> Result<Vec<Data>, RobustError> {
    let built: Vec<Result<Data, RobustError>> = futures
        .par_iter()
        .enumerate()
        .map(|(index, future)| {
            let mut data = data::build(&future.scenario, &future.catalog)?;
            super::super::scale_data_rates(&mut data, &future.throughput_factor);
            aligned(nominal, &data).map_err(|what| RobustError::Mismatch { future: index + 1, what })?;
            Ok(data)
        })
        .collect();
    built.into_iter().collect()
}

/// Whether a future's data has the nominal data's lines, pools, zone demands, sites and
/// training candidates in the same order (sampled values change numbers, never structure);
/// else what differs.
fn aligned(nominal: &Data, future: &Data) -> Result<(), &'static str> {
    let lines = nominal.lines.len() == future.lines.len()
        && nominal.lines.iter().zip(&future.lines).all(|(a, b)| a.option == b.option && a.site == b.site);
    if !lines {
        return Err("procurement lines (an option or site that can be priced in one and not the other)");
    }
    if nominal.pools != future.pools {
        return Err("capacity pools");
    }
    let zones = nominal.demands.len() == future.demands.len()
        && nominal.demands.iter().zip(&future.demands).all(|(a, b)| a.workload == b.workload && a.sites == b.sites);
    if !zones {
        return Err("demand zones");
    }
    if nominal.sites.len() != future.sites.len() || nominal.quarters != future.quarters {
        return Err("sites or quarters");
    }
    let train = nominal.train.len() == future.train.len()
        && nominal.train.iter().zip(&future.train).all(|(a, b)| a.workload == b.workload && a.pool == b.pool);
    if !train {
        return Err("training candidates");
    }
    Ok(())
}

/// The first-stage data: `nominal` with each line's capex, capital charge and opex per quarter,
/// each site's build cost and charge per MW, existing spend and committed spend averaged over
/// `futures` (the expected price of each decision). Demand, rates, policy windows and limits
/// stay nominal: the futures' own enter through their serving families.
pub(super) fn expected_prices(nominal: &Data, futures: &[Data]) -> Data {
    let mut first = nominal.clone();
    if futures.is_empty() {
        return first;
    }
    let n = futures.len() as f64;
    let mean = |pick: &dyn Fn(&Data) -> f64| futures.iter().map(pick).sum::<f64>() / n;
    for (l, line) in first.lines.iter_mut().enumerate() {
        for q in 0..nominal.quarters {
            if q < line.capex.len() {
                line.capex[q] = mean(&|d| d.lines[l].capex[q]);
                line.capex_charged[q] = mean(&|d| d.lines[l].capex_charged[q]);
            }
            if q < line.opex_per_quarter.len() {
                line.opex_per_quarter[q] = mean(&|d| d.lines[l].opex_per_quarter[q]);
            }
        }
    }
    for (s, site) in first.sites.iter_mut().enumerate() {
        site.build_cost_per_mw = mean(&|d| d.sites[s].build_cost_per_mw);
        for q in 0..site.build_charge_per_mw.len() {
            site.build_charge_per_mw[q] = mean(&|d| d.sites[s].build_charge_per_mw[q]);
        }
        for q in 0..site.committed_spend.len() {
            site.committed_spend[q] = mean(&|d| d.sites[s].committed_spend[q]);
        }
        for q in 0..nominal.quarters {
            first.existing_spend[s][q] = mean(&|d| d.existing_spend[s][q]);
        }
    }
    first
}
