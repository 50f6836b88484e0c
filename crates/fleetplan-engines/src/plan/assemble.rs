//! From a solution to a [`Plan`]: the model's continuous counts rounded up to whole units and
//! turned into holdings (lease profiles last in, first out), training placements written into
//! the fleet, and the plan's tables (purchases, served shares, allocations, builds, solver
//! facts).

use super::data::Data;
use super::explain;
use super::model::{Solved, SolverSettings};
use super::notes::Explanation;
use super::{Plan, PlannedHolding, ServedAllocation, ServedLine, SolveStatus, SolverReport, TrainingPlacement};
use fleetplan_core::scenario::{Hardware, Holding, Mode, ObjectiveKind, Quarter, Scenario};

/// Facts of the planning run that the plan reports besides the solution.
pub(super) struct Run {
    /// Objective optimised.
    pub objective: ObjectiveKind,
    /// Solver settings.
    pub settings: SolverSettings,
    /// When planning started.
    pub started: std::time::Instant,
    /// Solves so far.
    pub solves: usize,
    /// Whether the scenario is feasible as written.
    pub feasible: bool,
}

/// The scenario with the rounded plan as its fleet (what the evaluator checks).
pub(super) fn scenario_with_holdings(scenario: &Scenario, data: &Data, solved: &Solved) -> Scenario {
    let mut with_plan = scenario.clone();
    with_plan.fleet = round_plan(scenario, data, solved);
    with_plan
}

/// Round the model's counts up to whole units and turn them into holdings (existing holdings
/// first). Lease profiles become holdings with `from`/`until` (last in, first out).
fn round_plan(scenario: &Scenario, data: &Data, solved: &Solved) -> Vec<Holding> {
    let mut out = data.existing_holdings.clone();
    out.extend(new_holdings(scenario, data, solved).into_iter().map(|(_, h)| h));
    mark_training(scenario, data, solved, &mut out);
    out
}

/// Write each chosen training placement into the fleet (`training` on one holding of the
/// chosen (site, chip) pool, the first not yet marked), so the evaluator runs the training
/// where the plan put it. A mark names the pool, not the units: when every holding of the pool
/// already carries a run, one unit of a holding with several is split off to carry the next
/// (same site, hardware, mode and quarters; the fleet's totals do not change).
fn mark_training(scenario: &Scenario, data: &Data, solved: &Solved, holdings: &mut Vec<Holding>) {
    for holding in holdings.iter_mut() {
        holding.training = None;
    }
    for (candidate_index, candidate) in data.train.iter().enumerate() {
        if solved.train[candidate_index] <= 0.5 {
            continue;
        }
        let site = scenario.site_id(candidate.pool.site);
        let run = scenario.workload_id(candidate.workload);
        let in_pool = |h: &Holding| h.site == site && h.hardware.chip == candidate.pool.chip;
        if let Some(holding) = holdings.iter_mut().find(|h| in_pool(h) && h.training.is_none()) {
            holding.training = Some(run);
        } else if let Some(index) = holdings.iter().position(|h| in_pool(h) && h.units >= 2) {
            let source = &mut holdings[index];
            let per_unit = source.accelerators / source.units;
            source.units -= 1;
            source.accelerators -= per_unit;
            let mut piece = source.clone();
            piece.units = 1;
            piece.accelerators = per_unit;
            piece.training = Some(run);
            holdings.insert(index + 1, piece);
        }
    }
}

/// Whole units from a continuous count of accelerators.
fn units_of(accelerators: f64, per_unit: u32) -> u64 {
    if accelerators <= 1e-6 {
        return 0;
    }
    (accelerators / f64::from(per_unit) - 1e-6).ceil().max(1.0) as u64
}

/// Whole units per line and quarter: units bought in the quarter (buy lines) or held in it
/// (lease lines), each count rounded up, then trimmed where rounding up several lines of one
/// option would add more than the option's supply cap in a quarter (the model keeps the sum of
/// its continuous counts within the cap, so trimming the lines rounded up most restores it).
fn whole_units(data: &Data, solved: &Solved) -> Vec<Vec<u64>> {
    let counts = |line_index: usize| match data.lines[line_index].mode {
        Mode::Buy => &solved.buy[line_index],
        Mode::Lease => &solved.lease[line_index],
    };
    let mut units: Vec<Vec<u64>> = data
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| counts(i).iter().map(|x| units_of(*x, line.per_unit)).collect())
        .collect();
    for (option_index, cap) in data.caps.iter().enumerate() {
        let Some(cap) = cap else { continue };
        let lines: Vec<usize> = (0..data.lines.len()).filter(|l| data.lines[*l].option == option_index).collect();
        let Some(&first) = lines.first() else { continue };
        let per_unit = f64::from(data.lines[first].per_unit);
        let cap_units = (cap / per_unit + 1e-6).floor() as u64;
        for quarter in 0..data.quarters {
            loop {
                let added = |l: &usize, units: &Vec<Vec<u64>>| match data.lines[*l].mode {
                    Mode::Buy => units[*l][quarter],
                    Mode::Lease => {
                        units[*l][quarter].saturating_sub(if quarter > 0 { units[*l][quarter - 1] } else { 0 })
                    }
                };
                let total: u64 = lines.iter().map(|l| added(l, &units)).sum();
                if total <= cap_units {
                    break;
                }
                // The line whose count was rounded up most (and that adds something) gives one unit.
                let rounded_up = |l: &usize| units[*l][quarter] as f64 - counts(*l)[quarter] / per_unit;
                let Some(&trim) = lines
                    .iter()
                    .filter(|l| added(l, &units) > 0)
                    .max_by(|a, b| rounded_up(a).total_cmp(&rounded_up(b)).then(b.cmp(a)))
                else {
                    break;
                };
                units[trim][quarter] -= 1;
            }
        }
    }
    units
}

/// The holdings the solution adds, each with its line index: purchases per quarter, and lease
/// profiles split into holdings (pieces of one line with the same dates merged).
fn new_holdings(scenario: &Scenario, data: &Data, solved: &Solved) -> Vec<(usize, Holding)> {
    let mut out = Vec::new();
    let units = whole_units(data, solved);
    for (line_index, line) in data.lines.iter().enumerate() {
        let pieces = match line.mode {
            Mode::Buy => bought_pieces(data, &units[line_index], scenario.end()),
            Mode::Lease => leased_pieces(data, &units[line_index], &line.lease_usd_per_hour),
        };
        out.extend(
            pieces
                .into_iter()
                .map(|(units, from, until)| (line_index, holding(scenario, data, line_index, units, from, until))),
        );
    }
    merge_same_dates(out)
}

/// A holding of `units` on a line from `from` to `until`.
fn holding(scenario: &Scenario, data: &Data, line_index: usize, units: u64, from: Quarter, until: Quarter) -> Holding {
    let line = &data.lines[line_index];
    let option = &scenario.options[line.option];
    Holding {
        hardware: Hardware {
            chip: option.hardware.chip.clone(),
            system: option.hardware.system.clone(),
            accelerators_per_unit: line.per_unit,
        },
        site: scenario.site_id(line.site),
        units,
        accelerators: units * u64::from(line.per_unit),
        mode: line.mode,
        from,
        until,
        price_usd: option.price_usd,
        lease_usd_per_hour: line.lease_usd_per_hour.get(from.since(scenario.start).max(0) as usize).copied(),
        training: None,
    }
}

/// Purchases of a buy line (whole units per quarter): (units, from, until) per quarter with
/// any, held to the end.
fn bought_pieces(data: &Data, bought: &[u64], end: Quarter) -> Vec<(u64, Quarter, Quarter)> {
    let mut pieces = Vec::new();
    for (quarter, units) in bought.iter().enumerate() {
        if *units > 0 {
            pieces.push((*units, data.horizon[quarter], end));
        }
    }
    pieces
}

/// Leases of a lease line (whole units held per quarter): the profile split into (units, from, until), last in
/// first out.
fn leased_pieces(data: &Data, leased: &[u64], prices: &[f64]) -> Vec<(u64, Quarter, Quarter)> {
    let horizon = &data.horizon;
    let mut pieces = Vec::new();
    // Stack of (from quarter index, units) still held.
    let mut stack: Vec<(usize, u64)> = Vec::new();
    for quarter in 0..=horizon.len() {
        let want = if quarter < horizon.len() { leased[quarter] } else { 0 };
        // A lease holding keeps the rate of its first quarter: where the line's rate changes,
        // every running piece ends and the count is leased anew at the new rate.
        if quarter > 0 && quarter < horizon.len() && prices.get(quarter) != prices.get(quarter - 1) {
            pieces.extend(stack.drain(..).map(|(from, units)| (units, horizon[from], horizon[quarter - 1])));
        }
        let mut have: u64 = stack.iter().map(|x| x.1).sum();
        while have > want {
            let Some((from, units)) = stack.pop() else { break };
            let ended = (have - want).min(units);
            pieces.push((ended, horizon[from], horizon[quarter - 1]));
            if units > ended {
                // The rest is held on past this quarter: split the entry.
                stack.push((from, units - ended));
            }
            have -= ended;
        }
        if want > have {
            stack.push((quarter, want - have));
        }
    }
    pieces
}

/// Merge lease pieces that the LIFO split produced for the same line and dates.
fn merge_same_dates(mut holdings: Vec<(usize, Holding)>) -> Vec<(usize, Holding)> {
    holdings.sort_by_key(|a| (a.0, a.1.from, a.1.until));
    let mut merged: Vec<(usize, Holding)> = Vec::new();
    for (line_index, holding) in holdings {
        if let Some(last) = merged.last_mut()
            && last.0 == line_index
            && last.1.from == holding.from
            && last.1.until == holding.until
        {
            last.1.units += holding.units;
            last.1.accelerators += holding.accelerators;
            continue;
        }
        merged.push((line_index, holding));
    }
    merged
}

/// The plan of a solution (marginals, relaxation and repairs are added by the caller).
pub(super) fn assemble(scenario: &Scenario, data: &Data, solved: &Solved, run: &Run) -> Plan {
    Plan {
        objective: run.objective,
        currency: scenario.currency.clone(),
        feasible: run.feasible,
        solver: solver_report(solved, run),
        purchases: purchases(scenario, data, solved),
        holdings: round_plan(scenario, data, solved),
        spend_total: solved.spend_total,
        spend_by_quarter: data.horizon.iter().copied().zip(solved.spend_by_quarter.iter().copied()).collect(),
        spend_by_year: spend_by_year(data, solved),
        economic_cost: solved.cost_total,
        revenue: solved.revenue,
        builds: builds(scenario, data, solved),
        served: served_lines(scenario, data, solved),
        training: training_placements(scenario, data, solved),
        allocation: allocations(scenario, data, solved),
        training_flop: solved.training_flop,
        coverage: solved.coverage,
        explanations: explain::binding(scenario, data, solved).into_iter().map(Explanation::Binding).collect(),
        relaxation: Vec::new(),
        repairs: Vec::new(),
        evaluation: None,
    }
}

/// Cash spend per calendar year (year → scenario currency).
fn spend_by_year(data: &Data, solved: &Solved) -> std::collections::BTreeMap<String, f64> {
    let mut years = std::collections::BTreeMap::new();
    for (quarter, spend) in data.horizon.iter().zip(&solved.spend_by_quarter) {
        *years.entry(quarter.year.to_string()).or_insert(0.0) += *spend;
    }
    years
}

/// The solver facts of a solution.
fn solver_report(solved: &Solved, run: &Run) -> SolverReport {
    let settings = &run.settings;
    let gap_bound = match solved.status {
        SolveStatus::Optimal => Some(0.0),
        SolveStatus::GapLimit => Some(settings.mip_gap),
        SolveStatus::TimeLimit | SolveStatus::NodeLimit => solved.limit_gap,
    };
    SolverReport {
        backend: settings.backend.as_str().to_string(),
        status: solved.status,
        mip_gap: settings.mip_gap,
        gap_bound: if solved.integers == 0 && solved.status == SolveStatus::Optimal { Some(0.0) } else { gap_bound },
        time_limit_s: settings.time_limit_s,
        node_limit: settings.node_limit,
        model_form: solved.model_form,
        solve_s: solved.solve_s,
        total_s: run.started.elapsed().as_secs_f64(),
        solves: run.solves,
        variables: solved.variables,
        constraints: solved.constraints,
        integers: solved.integers,
        path: "exact",
        relaxation: None,
    }
}

/// New purchases and leases with their linearised cost, by start, site, hardware and mode.
fn purchases(scenario: &Scenario, data: &Data, solved: &Solved) -> Vec<PlannedHolding> {
    let last = data.quarters - 1;
    let mut purchases = Vec::new();
    for (line_index, holding) in new_holdings(scenario, data, solved) {
        let line = &data.lines[line_index];
        let from = holding.from.since(scenario.start).max(0) as usize;
        let until = (holding.until.since(scenario.start).max(0) as usize).min(last);
        let quarters_held = (until + 1).saturating_sub(from) as f64;
        let accelerators = holding.accelerators as f64;
        let cost = match line.mode {
            Mode::Buy => accelerators * (line.capex[from] + line.opex_per_quarter[from] * quarters_held),
            Mode::Lease => accelerators * line.opex_per_quarter[from..=until].iter().sum::<f64>(),
        };
        purchases.push(PlannedHolding {
            option: scenario.options[line.option].name.clone(),
            hardware: holding.hardware.id().to_string(),
            site: holding.site.to_string(),
            mode: holding.mode,
            units: holding.units,
            accelerators: holding.accelerators,
            from: holding.from,
            until: holding.until,
            cost,
        });
    }
    purchases.sort_by(|a, b| (a.from, &a.site, &a.hardware, a.mode).cmp(&(b.from, &b.site, &b.hardware, b.mode)));
    purchases
}

/// Served share of peak demand per serving workload and quarter, as the model counts it.
fn served_lines(scenario: &Scenario, data: &Data, solved: &Solved) -> Vec<ServedLine> {
    let mut served = Vec::new();
    for (workload_index, workload) in scenario.workloads.iter().enumerate() {
        let zones: Vec<usize> =
            (0..data.demands.len()).filter(|d| data.demands[*d].workload == workload_index).collect();
        if zones.is_empty() {
            continue;
        }
        for quarter in 0..data.quarters {
            let peak: f64 = zones.iter().map(|d| data.demands[*d].peak[quarter]).sum();
            let done: f64 = zones.iter().map(|d| data.demands[*d].peak[quarter] * solved.served[*d][quarter]).sum();
            served.push(ServedLine {
                workload: workload.id.clone(),
                quarter: data.horizon[quarter],
                demand_peak_per_s: peak,
                served: if peak > 0.0 { (done / peak).min(1.0) } else { 1.0 },
                evaluated: None,
                demand_tokens_per_day: fleetplan_models::demand::mean_tokens_per_day(&workload.spec, quarter as u32),
            });
        }
    }
    served
}

/// Chosen training placements with the most chips they reserve.
fn training_placements(scenario: &Scenario, data: &Data, solved: &Solved) -> Vec<TrainingPlacement> {
    data.train
        .iter()
        .enumerate()
        .filter(|(candidate_index, _)| solved.train[*candidate_index] > 0.5)
        .map(|(candidate_index, candidate)| TrainingPlacement {
            workload: scenario.workloads[candidate.workload].id.clone(),
            site: scenario.sites[candidate.pool.site].id.clone(),
            chip: candidate.pool.chip.to_string(),
            chips: solved.train_chips[candidate_index].iter().copied().fold(0.0, f64::max),
        })
        .collect()
}

/// Accelerators serving each workload per (site, chip) pool and quarter (zones summed).
fn allocations(scenario: &Scenario, data: &Data, solved: &Solved) -> Vec<ServedAllocation> {
    let mut allocation: Vec<ServedAllocation> = Vec::new();
    for (demand_index, pool_index, quarter, accelerators) in &solved.serving {
        if *accelerators <= 1e-6 {
            continue;
        }
        let workload = &scenario.workloads[data.demands[*demand_index].workload].id;
        let pool = &data.pools[*pool_index];
        let site = &scenario.sites[pool.site].id;
        let quarter = data.horizon[*quarter];
        if let Some(existing) = allocation
            .iter_mut()
            .find(|a| &a.workload == workload && &a.site == site && pool.chip == a.chip && a.quarter == quarter)
        {
            existing.accelerators += accelerators;
        } else {
            allocation.push(ServedAllocation {
                workload: workload.clone(),
                site: site.clone(),
                chip: pool.chip.to_string(),
                quarter,
                accelerators: *accelerators,
            });
        }
    }
    allocation
}

/// MW built per site and quarter, non-zero only.
fn builds(scenario: &Scenario, data: &Data, solved: &Solved) -> Vec<(String, Quarter, f64)> {
    let mut builds = Vec::new();
    for (site_index, row) in solved.build.iter().enumerate() {
        for (quarter, built) in row.iter().enumerate() {
            if *built > 1e-6 {
                builds.push((scenario.sites[site_index].id.clone(), data.horizon[quarter], *built));
            }
        }
    }
    builds
}
