//! The model builder: owns the good_lp variables and constraints of one solve and adds them one
//! constraint family at a time (procurement, builds, spend, budget, group shares, power and
//! lead times, supply caps, training placement, serving, pool capacity), then the objective.
//! [`super::solve`] calls the methods in a fixed order so that the model is the same for the
//! same knobs; running the backend and reading the solution live in [`super::backend`].

use super::super::data::{Data, PoolKey, SECONDS_PER_QUARTER};
use super::{Knobs, MAX_TRAINING_GROWTH, SlackKind, TIE_ACCELERATORS, TIE_COST, UNSERVED_WEIGHT};
use super::{unserved_price, weight_of};
use fleetplan_core::scenario::{Mode, ObjectiveKind, Scenario, WorkloadSpec};
use fleetplan_models::cost::build_payments;
use good_lp::{Constraint, Expression, ProblemVariables, Variable};

/// Weight of a budget or share slack, per model money unit (1/1000 of the budget).
const MONEY_SLACK_WEIGHT: f64 = 1.0 / 1000.0;

/// One variable per (row, quarter), absent where the model has none.
pub(super) type VariableGrid = Vec<Vec<Option<Variable>>>;

/// The model of one solve while it is being built.
pub(super) struct ModelBuilder<'a> {
    /// The scenario planned.
    pub scenario: &'a Scenario,
    /// Its problem data.
    pub data: &'a Data,
    /// What this solve changes relative to the scenario.
    pub knobs: &'a Knobs,
    /// Quarters in the horizon.
    pub quarters: usize,
    /// Money unit of the model: 1/1000 of the budget, scenario currency.
    pub money: f64,
    /// Variables created so far.
    pub variables: ProblemVariables,
    /// Bounds and integrality of each variable, in creation order (for the scaled backend).
    pub bounds: Vec<super::scaled::Bounds>,
    /// Constraints added so far, in order.
    pub constraints: Vec<Constraint>,
    /// Integer (binary) variables.
    pub integers: usize,
    /// Elastic slacks and what they relax.
    pub slacks: Vec<(SlackKind, Variable)>,
    /// Weighted sum of the elastic slacks.
    pub slack_penalty: Expression,
    /// Accelerators bought per line and quarter.
    pub buy: VariableGrid,
    /// Accelerators leased (in service) per line and quarter.
    pub lease: VariableGrid,
    /// Leased accelerators added per line and quarter (capped lease options only).
    pub lease_added: VariableGrid,
    /// MW built per site and quarter.
    pub build: VariableGrid,
    /// Free accelerators per pool and quarter (existing + procured − used).
    pub capacity: Vec<Vec<Expression>>,
    /// Whether a pool may hold accelerators in a quarter.
    pub may_have: Vec<Vec<bool>>,
    /// Accelerator-quarters procured (tie-breaker).
    pub accelerator_quarters: Expression,
    /// Spend per site and quarter, model money units.
    pub spend: Vec<Vec<Expression>>,
    /// IT MW drawn per site and quarter.
    pub it_mw: Vec<Vec<Expression>>,
    /// Cash spend over the horizon, model money units (what budgets count).
    pub spend_total: Expression,
    /// Economic cost over the horizon, model money units (what the objective counts): opex,
    /// leases, and the capital charge of purchases and builds instead of their cash capex.
    pub cost_total: Expression,
    /// Revenue of served demand at the workloads' prices, model money units.
    pub revenue: Expression,
    /// Penalties of missed budget-share targets, model money units.
    pub share_penalty: Expression,
    /// Accelerators used (serving + training) per pool and quarter.
    pub used: Vec<Vec<Expression>>,
    /// Spend per quarter, model money units.
    pub spend_by_quarter: Vec<Expression>,
    /// Spend per share group, model money units.
    pub spend_by_group: Vec<Expression>,
    /// Binary per training candidate: the run goes there.
    pub train_chosen: Vec<Variable>,
    /// Chips per training candidate and quarter (max-training only).
    pub train_chips: VariableGrid,
    /// Training compute, in units of the largest run's need.
    pub training_flop: Expression,
    /// Largest compute a run needs, FLOP (the scale of `training_flop`).
    pub max_need_flop: f64,
    /// Served share per zone demand and quarter.
    pub served: VariableGrid,
    /// Accelerators serving each (demand, pool, quarter).
    pub serving: Vec<(usize, usize, usize, Variable)>,
    /// Weighted served share (max-served).
    pub coverage: Expression,
    /// Price of unserved demand, model money units.
    pub unserved_cost: Expression,
}

impl<'a> ModelBuilder<'a> {
    /// An empty model for `knobs`.
    pub fn new(scenario: &'a Scenario, data: &'a Data, knobs: &'a Knobs) -> ModelBuilder<'a> {
        let quarters = data.quarters;
        ModelBuilder {
            scenario,
            data,
            knobs,
            quarters,
            money: (knobs.budget_total / 1000.0).max(1e-9),
            variables: ProblemVariables::new(),
            bounds: Vec::new(),
            constraints: Vec::new(),
            integers: 0,
            slacks: Vec::new(),
            slack_penalty: Expression::from(0.0),
            buy: vec![vec![None; quarters]; data.lines.len()],
            lease: vec![vec![None; quarters]; data.lines.len()],
            lease_added: vec![vec![None; quarters]; data.lines.len()],
            build: vec![vec![None; quarters]; data.sites.len()],
            capacity: Vec::new(),
            may_have: Vec::new(),
            accelerator_quarters: Expression::from(0.0),
            spend: Vec::new(),
            it_mw: Vec::new(),
            spend_total: Expression::from(0.0),
            cost_total: Expression::from(0.0),
            revenue: Expression::from(0.0),
            share_penalty: Expression::from(0.0),
            used: vec![vec![Expression::from(0.0); quarters]; data.pools.len()],
            spend_by_quarter: Vec::new(),
            spend_by_group: Vec::new(),
            train_chosen: Vec::new(),
            train_chips: vec![vec![None; quarters]; data.train.len()],
            training_flop: Expression::from(0.0),
            max_need_flop: 1.0,
            served: vec![vec![None; quarters]; data.demands.len()],
            serving: Vec::new(),
            coverage: Expression::from(0.0),
            unserved_cost: Expression::from(0.0),
        }
    }

    /// A non-negative continuous variable.
    fn non_negative(&mut self) -> Variable {
        self.add_var(0.0, f64::INFINITY, false)
    }

    /// A yes/no decision: fixed to `fixed` when given, continuous in [0, 1] under the LP
    /// relaxation, else a binary (counted in `integers`).
    fn decision(&mut self, fixed: Option<f64>) -> Variable {
        match fixed {
            Some(value) => self.add_var(value, value, false),
            None if self.knobs.relax_binaries => self.add_var(0.0, 1.0, false),
            None => {
                self.integers += 1;
                self.add_var(0.0, 1.0, true)
            }
        }
    }

    /// A penalised slack of the elastic model (`weight` per unit in the objective).
    fn slack(&mut self, kind: SlackKind, weight: f64) -> Variable {
        let slack = self.non_negative();
        self.slack_penalty.add_mul(weight, slack);
        self.slacks.push((kind, slack));
        slack
    }

    /// Index of a pool in the data.
    fn pool_index(&self, key: &PoolKey) -> Option<usize> {
        self.data.pools.iter().position(|pool| pool == key)
    }

    /// Procurement: accelerators bought or leased per line and usable quarter.
    pub fn add_procurement(&mut self) {
        let data = self.data;
        for (line_index, line) in data.lines.iter().enumerate() {
            if self.knobs.candidates.as_ref().is_some_and(|c| !c.lines[line_index]) {
                continue;
            }
            for quarter in 0..self.quarters {
                if !line.usable[quarter] {
                    continue;
                }
                let count = self.non_negative();
                match line.mode {
                    Mode::Buy => self.buy[line_index][quarter] = Some(count),
                    Mode::Lease => self.lease[line_index][quarter] = Some(count),
                }
            }
        }
    }

    /// Lease additions (added ≥ leased now − leased before), for supply caps on leases.
    pub fn add_lease_additions(&mut self) {
        let data = self.data;
        for (line_index, line) in data.lines.iter().enumerate() {
            if line.mode != Mode::Lease || data.caps[line.option].is_none() {
                continue;
            }
            for quarter in 0..self.quarters {
                if let Some(leased) = self.lease[line_index][quarter] {
                    let added = self.non_negative();
                    let mut change = Expression::from(added) - leased;
                    if quarter > 0
                        && let Some(leased_before) = self.lease[line_index][quarter - 1]
                    {
                        change += leased_before;
                    }
                    self.constraints.push(change.geq(0.0));
                    self.lease_added[line_index][quarter] = Some(added);
                }
            }
        }
    }

    /// Build variables: MW added per buildable site from the first quarter its lead time allows.
    pub fn add_builds(&mut self) {
        let data = self.data;
        for (site_index, site) in data.sites.iter().enumerate() {
            if site.buildable_mw <= 0.0 {
                continue;
            }
            // Decided in `quarter`, online from `quarter + lead`: only builds that come online
            // inside the horizon are decisions of this plan.
            for quarter in 0..self.quarters.saturating_sub(site.first_build_quarter) {
                self.build[site_index][quarter] = Some(self.non_negative());
            }
        }
    }

    /// Pool capacity expressions (existing + bought so far + leased now) and accelerator-quarters.
    pub fn add_capacity_terms(&mut self) {
        let data = self.data;
        let quarters = self.quarters;
        self.capacity = data
            .pools
            .iter()
            .map(|pool| {
                let existing = data.existing.get(pool);
                (0..quarters).map(|q| Expression::from(existing.map_or(0.0, |v| v[q]))).collect()
            })
            .collect();
        self.may_have = vec![vec![false; quarters]; data.pools.len()];
        for (pool_index, pool) in data.pools.iter().enumerate() {
            if let Some(existing) = data.existing.get(pool) {
                for quarter in 0..quarters {
                    self.may_have[pool_index][quarter] |= existing[quarter] > 0.0;
                }
            }
        }
        for (line_index, line) in data.lines.iter().enumerate() {
            let Some(pool_index) = self.pool_index(&PoolKey { site: line.site, chip: line.chip.clone() }) else {
                continue;
            };
            for quarter in 0..quarters {
                for bought_in in 0..=quarter {
                    if let Some(bought) = self.buy[line_index][bought_in] {
                        self.capacity[pool_index][quarter].add_mul(1.0, bought);
                        self.may_have[pool_index][quarter] = true;
                    }
                }
                if let Some(leased) = self.lease[line_index][quarter] {
                    self.capacity[pool_index][quarter].add_mul(1.0, leased);
                    self.may_have[pool_index][quarter] = true;
                    self.accelerator_quarters.add_mul(1.0, leased);
                }
                if let Some(bought) = self.buy[line_index][quarter] {
                    self.accelerator_quarters.add_mul((quarters - quarter) as f64, bought);
                }
            }
        }
    }

    /// Spend (cash) and IT MW per site and quarter, the spend totals and the economic cost
    /// (model money units).
    pub fn add_spend_terms(&mut self) {
        let data = self.data;
        let quarters = self.quarters;
        let money = self.money;
        self.spend = (0..data.sites.len())
            .map(|si| (0..quarters).map(|q| Expression::from(data.existing_spend[si][q] / money)).collect())
            .collect();
        let existing_opex: f64 = data.existing_spend.iter().flatten().sum();
        self.cost_total = Expression::from(existing_opex / money);
        for (si, site) in data.sites.iter().enumerate() {
            for (q, paid) in site.committed_spend.iter().enumerate() {
                self.spend[si][q] += *paid / money;
            }
        }
        self.it_mw = (0..data.sites.len())
            .map(|si| (0..quarters).map(|q| Expression::from(data.existing_mw[si][q])).collect())
            .collect();
        for (line_index, line) in data.lines.iter().enumerate() {
            for quarter in 0..quarters {
                if let Some(bought) = self.buy[line_index][quarter] {
                    self.spend[line.site][quarter].add_mul(line.capex[quarter] / money, bought);
                    let held_quarters = (quarters - quarter) as f64;
                    let charge = line.capex_charged[quarter] + held_quarters * line.opex_per_quarter[quarter];
                    self.cost_total.add_mul(charge / money, bought);
                    for held in quarter..quarters {
                        self.spend[line.site][held].add_mul(line.opex_per_quarter[quarter] / money, bought);
                        self.it_mw[line.site][held].add_mul(line.mw, bought);
                    }
                }
                if let Some(leased) = self.lease[line_index][quarter] {
                    self.spend[line.site][quarter].add_mul(line.opex_per_quarter[quarter] / money, leased);
                    self.cost_total.add_mul(line.opex_per_quarter[quarter] / money, leased);
                    self.it_mw[line.site][quarter].add_mul(line.mw, leased);
                }
            }
        }
        // A build's capex is paid evenly over its construction (the lead-time quarters from the
        // decision); the objective counts its capital charge while online in the horizon.
        for (site_index, site) in data.sites.iter().enumerate() {
            let lead = site.first_build_quarter;
            for decided in 0..quarters {
                if let Some(built) = self.build[site_index][decided] {
                    let online = data.horizon[0].offset((decided + lead) as i64);
                    for (paid_in, per_mw) in build_payments(site.build_cost_per_mw, online, lead) {
                        let paid = paid_in.since(data.horizon[0]) as usize;
                        self.spend[site_index][paid].add_mul(per_mw / money, built);
                    }
                    self.cost_total.add_mul(site.build_charge_per_mw[decided] / money, built);
                }
            }
        }
        self.spend_total = Expression::from(0.0);
        self.spend_by_quarter = vec![Expression::from(0.0); quarters];
        for row in &self.spend {
            for (quarter, spend) in row.iter().enumerate() {
                self.spend_total += spend.clone();
                self.spend_by_quarter[quarter] += spend.clone();
            }
        }
    }

    /// Budget: the total, and each quarter's cap when the scenario sets them.
    pub fn add_budget_caps(&mut self) {
        let knobs = self.knobs;
        let mut total = self.spend_total.clone();
        if knobs.elastic {
            total -= self.slack(SlackKind::Budget, MONEY_SLACK_WEIGHT);
        }
        self.constraints.push(total.leq(knobs.budget_total / self.money));
        if let Some(caps) = &knobs.per_quarter {
            for (quarter, cap) in caps.iter().enumerate().take(self.quarters) {
                let mut spent = self.spend_by_quarter[quarter].clone();
                if knobs.elastic {
                    spent -= self.slack(SlackKind::Quarter(quarter), MONEY_SLACK_WEIGHT);
                }
                self.constraints.push(spent.leq(cap / self.money));
            }
        }
        for (index, (year, cap)) in knobs.per_year.iter().enumerate() {
            let mut spent = Expression::from(0.0);
            for (quarter, q) in self.data.horizon.iter().enumerate() {
                if q.year == *year {
                    spent += self.spend_by_quarter[quarter].clone();
                }
            }
            if knobs.elastic {
                spent -= self.slack(SlackKind::Year(index), MONEY_SLACK_WEIGHT);
            }
            self.constraints.push(spent.leq(cap / self.money));
        }
    }

    /// Group shares: each group's spend within its min and max share of the total.
    pub fn add_group_shares(&mut self) {
        let scenario = self.scenario;
        let knobs = self.knobs;
        for (group_index, group) in scenario.budget.shares.iter().enumerate() {
            let mut group_spend = Expression::from(0.0);
            for (site_index, site) in scenario.sites.iter().enumerate() {
                if group.sites.iter().any(|member| *member == site.id) {
                    for quarter in 0..self.quarters {
                        group_spend += self.spend[site_index][quarter].clone();
                    }
                }
            }
            let relax = knobs.share_relax.get(group_index).copied().unwrap_or(0.0);
            let min = (group.min - relax).max(0.0);
            let max = (group.max + relax).min(1.0);
            if min > 0.0 {
                let mut above_min = group_spend.clone() - min * self.spend_total.clone();
                if knobs.elastic {
                    above_min += self.slack(SlackKind::ShareMin(group_index), MONEY_SLACK_WEIGHT);
                }
                self.constraints.push(above_min.geq(0.0));
            }
            if max < 1.0 {
                let mut over_max = group_spend.clone() - max * self.spend_total.clone();
                if knobs.elastic {
                    over_max -= self.slack(SlackKind::ShareMax(group_index), MONEY_SLACK_WEIGHT);
                }
                self.constraints.push(over_max.leq(0.0));
            }
            if let Some(target) = group.target {
                // Soft target: the gap to the target, both ways, costs penalty_per_point per
                // percentage point of the budget total.
                let (over, under) = (self.non_negative(), self.non_negative());
                let gap = group_spend.clone() - target * self.spend_total.clone() - over + under;
                self.constraints.push(gap.eq(0.0));
                let per_unit = group.penalty_per_point * 100.0 / scenario.budget.total.max(1e-9);
                self.share_penalty.add_mul(per_unit, over);
                self.share_penalty.add_mul(per_unit, under);
            }
            self.spend_by_group.push(group_spend);
        }
    }

    /// Share targets are met by capacity that serves: at the sites of a group with a target,
    /// what is leased and what is bought in a quarter never exceeds what the pool uses then.
    pub fn add_share_target_use(&mut self) {
        let (scenario, data) = (self.scenario, self.data);
        for group in scenario.budget.shares.iter().filter(|g| g.target.is_some()) {
            for (pool_index, pool) in data.pools.iter().enumerate() {
                if !group.sites.iter().any(|site| site.index() == pool.site) {
                    continue;
                }
                for quarter in 0..self.quarters {
                    let mut added = Expression::from(0.0);
                    let mut any = false;
                    for (line_index, line) in data.lines.iter().enumerate() {
                        if line.site != pool.site || line.chip != pool.chip {
                            continue;
                        }
                        for count in
                            [self.buy[line_index][quarter], self.lease[line_index][quarter]].into_iter().flatten()
                        {
                            added.add_mul(1.0, count);
                            any = true;
                        }
                    }
                    if any {
                        self.constraints.push((added - self.used[pool_index][quarter].clone()).leq(0.0));
                    }
                }
            }
        }
    }

    /// Power: IT MW within available + built MW per site and quarter; builds within buildable
    /// MW (lead times enter through the quarters that have build variables).
    pub fn add_power_and_lead_times(&mut self) {
        let data = self.data;
        let knobs = self.knobs;
        for (site_index, site) in data.sites.iter().enumerate() {
            let power_slack = if knobs.elastic {
                let scale = (site.available_mw + site.buildable_mw).max(10.0);
                Some(self.slack(SlackKind::Power(site_index), 1.0 / scale))
            } else {
                None
            };
            let mut built = Expression::from(0.0);
            for quarter in 0..self.quarters {
                // Online now: decided `lead` quarters ago.
                if let Some(decided) = quarter.checked_sub(site.first_build_quarter)
                    && let Some(built_now) = self.build[site_index][decided]
                {
                    built.add_mul(1.0, built_now);
                }
                let mut drawn = self.it_mw[site_index][quarter].clone() - built.clone();
                if let Some(slack) = power_slack {
                    drawn -= slack;
                }
                let available = site.available_mw + site.committed_mw[quarter] + knobs.extra_mw[site_index];
                self.constraints.push(drawn.leq(available));
            }
            if self.build[site_index].iter().any(Option::is_some) {
                // A site builds or not (binary b): when it does, every MW built is drawn by the
                // horizon's end, so a build is never a way to spend (e.g. to meet a share of
                // spend) without power that serves: IT MW(last) ≥ available + committed + built.
                let fixed = knobs.fixed_builds.as_ref().map(|fixed| fixed[site_index]);
                let builds = self.decision(fixed);
                self.constraints.push((built.clone() - site.buildable_mw * builds).leq(0.0));
                let last = self.quarters - 1;
                let headroom = site.available_mw + site.committed_mw[last] + knobs.extra_mw[site_index];
                let big = headroom + site.buildable_mw;
                let mut drawn = self.it_mw[site_index][last].clone() - built - big * builds;
                if let Some(slack) = power_slack {
                    drawn += slack;
                }
                self.constraints.push(drawn.geq(headroom - big));
            }
        }
    }

    /// Supply caps: accelerators added per option and quarter (bought, or lease additions).
    pub fn add_supply_caps(&mut self) {
        let data = self.data;
        for (option_index, cap) in data.caps.iter().enumerate() {
            let Some(cap) = cap else { continue };
            for quarter in 0..self.quarters {
                let mut added = Expression::from(0.0);
                let mut any = false;
                for (line_index, line) in data.lines.iter().enumerate().filter(|(_, l)| l.option == option_index) {
                    let count = match line.mode {
                        Mode::Buy => self.buy[line_index][quarter],
                        Mode::Lease => self.lease_added[line_index][quarter],
                    };
                    if let Some(count) = count {
                        added.add_mul(1.0, count);
                        any = true;
                    }
                }
                if !any {
                    continue;
                }
                if self.knobs.elastic {
                    added -= self.slack(SlackKind::Supply(option_index, quarter), 1.0 / cap.max(1.0));
                }
                self.constraints.push(added.leq(cap * self.knobs.cap_scale[option_index]));
            }
        }
    }

    /// Training placement: one binary per candidate, its chips taken from the pool's capacity
    /// over the run's window, and each run placed once (at most once under max-training).
    pub fn add_training_placement(&mut self) {
        let data = self.data;
        let knobs = self.knobs;
        self.max_need_flop = data
            .train
            .iter()
            .map(|c| c.chips * c.tflops * 1e12 * SECONDS_PER_QUARTER * c.window.iter().filter(|w| **w).count() as f64)
            .fold(0.0, f64::max)
            .max(1.0);
        for (candidate_index, candidate) in data.train.iter().enumerate() {
            // A candidate outside the restricted model's candidates is fixed to 0 and draws nothing.
            let excluded = knobs.candidates.as_ref().is_some_and(|c| !c.train[candidate_index]);
            let fixed =
                if excluded { Some(0.0) } else { knobs.fixed_train.as_ref().map(|fixed| fixed[candidate_index]) };
            let chosen = self.decision(fixed);
            self.train_chosen.push(chosen);
            if excluded {
                continue;
            }
            let pool_index = self.pool_index(&candidate.pool);
            for quarter in 0..self.quarters {
                if !candidate.window[quarter] {
                    continue;
                }
                let Some(pool_index) = pool_index else { continue };
                match knobs.objective {
                    ObjectiveKind::MaxTraining => {
                        let chips = self.non_negative();
                        let (need, growth) = (candidate.chips, MAX_TRAINING_GROWTH * candidate.chips);
                        self.constraints.push((Expression::from(chips) - need * chosen).geq(0.0));
                        self.constraints.push((Expression::from(chips) - growth * chosen).leq(0.0));
                        let flop_per_chip = candidate.tflops * 1e12 * SECONDS_PER_QUARTER / self.max_need_flop;
                        self.training_flop.add_mul(flop_per_chip, chips);
                        self.train_chips[candidate_index][quarter] = Some(chips);
                        self.capacity[pool_index][quarter].add_mul(-1.0, chips);
                        self.used[pool_index][quarter].add_mul(1.0, chips);
                    }
                    _ => {
                        self.capacity[pool_index][quarter].add_mul(-candidate.chips, chosen);
                        self.used[pool_index][quarter].add_mul(candidate.chips, chosen);
                    }
                }
            }
        }
        for &run in &data.runs {
            let mut placed = Expression::from(0.0);
            for (candidate_index, candidate) in data.train.iter().enumerate() {
                if candidate.workload == run {
                    placed.add_mul(1.0, self.train_chosen[candidate_index]);
                }
            }
            if knobs.elastic {
                placed += self.slack(SlackKind::Training(run), UNSERVED_WEIGHT);
            }
            match knobs.objective {
                // Under max-training a run may be left out when the budget cannot carry it.
                ObjectiveKind::MaxTraining if !knobs.elastic => self.constraints.push(placed.leq(1.0)),
                _ => self.constraints.push(placed.eq(1.0)),
            }
        }
    }

    /// Serving: accelerators per (zone demand, pool, quarter) at the pool's SLO rate, the served
    /// share they give, the must-serve constraint or the unserved penalty, and the coverage.
    pub fn add_serving(&mut self) {
        let data = self.data;
        let mut serving_workloads: Vec<usize> = data.demands.iter().map(|d| d.workload).collect();
        serving_workloads.dedup();
        let total_weight: f64 = serving_workloads.iter().map(|w| weight_of(self.scenario, *w)).sum::<f64>().max(1e-9);
        for demand_index in 0..data.demands.len() {
            for quarter in 0..self.quarters {
                self.add_zone_quarter(demand_index, quarter, total_weight);
            }
        }
    }

    /// Serving of one zone demand in one quarter (see [`Self::add_serving`]).
    fn add_zone_quarter(&mut self, demand_index: usize, quarter: usize, total_weight: f64) {
        let (scenario, data, knobs) = (self.scenario, self.data, self.knobs);
        let zone = &data.demands[demand_index];
        let workload = &scenario.workloads[zone.workload];
        let penalty_per_unit = unserved_price(workload, knobs.objective);
        let demand = zone.peak[quarter] * knobs.demand_scale[demand_index][quarter];
        if demand <= 0.0 {
            return;
        }
        let mut supply = Expression::from(0.0);
        for (pool_index, pool) in data.pools.iter().enumerate() {
            if !zone.sites[pool.site] || !self.may_have[pool_index][quarter] {
                continue;
            }
            if knobs.candidates.as_ref().is_some_and(|c| !c.serving[demand_index][pool_index]) {
                continue;
            }
            let Some(rate) = data.rates.get(&(zone.workload, pool.chip.to_string())) else { continue };
            let accelerators = self.non_negative();
            self.capacity[pool_index][quarter].add_mul(-1.0, accelerators);
            self.used[pool_index][quarter].add_mul(1.0, accelerators);
            supply.add_mul(rate / demand, accelerators);
            self.serving.push((demand_index, pool_index, quarter, accelerators));
        }
        let must_serve = knobs.objective != ObjectiveKind::MaxServed && penalty_per_unit.is_none();
        let served = self.add_var(0.0, 1.0, false);
        self.constraints.push((supply - served).geq(0.0));
        self.served[demand_index][quarter] = Some(served);
        // Share of the workload's demand this zone is, for the weighted coverage.
        let workload_peak: f64 = data
            .demands
            .iter()
            .enumerate()
            .filter(|(_, other)| other.workload == zone.workload)
            .map(|(j, other)| other.peak[quarter] * knobs.demand_scale[j][quarter])
            .sum::<f64>()
            .max(1e-12);
        let zone_share = demand / workload_peak;
        let coverage_weight = weight_of(scenario, zone.workload) * zone_share / (self.quarters as f64 * total_weight);
        self.coverage.add_mul(coverage_weight, served);
        if must_serve {
            let mut served_share = Expression::from(served);
            if knobs.elastic {
                served_share += self.slack(SlackKind::Demand(demand_index, quarter), UNSERVED_WEIGHT);
            }
            self.constraints.push(served_share.geq(1.0));
        }
        // Volume over the quarter: mean rate × seconds, in millions of output tokens (chat) or
        // items, the unit prices and penalties are given in.
        let per = if matches!(workload.spec, WorkloadSpec::Chat(_)) { 1e-6 } else { 1.0 };
        let volume = zone.mean[quarter] * knobs.demand_scale[demand_index][quarter] * SECONDS_PER_QUARTER * per;
        if !must_serve && let Some(price) = penalty_per_unit {
            // Unserved volume (1 − f) × volume at the unserved price.
            let cost = price * volume / self.money;
            self.unserved_cost += cost;
            self.unserved_cost.add_mul(-cost, served);
        }
        if let Some(price) = workload.price_per_unit() {
            self.revenue.add_mul(price * volume / self.money, served);
        }
    }

    /// Pool capacity: what training and serving use fits in each pool that may hold accelerators.
    pub fn add_pool_capacity(&mut self) {
        for (pool_index, row) in std::mem::take(&mut self.capacity).into_iter().enumerate() {
            for (quarter, free) in row.into_iter().enumerate() {
                // A pool that may not hold accelerators in a quarter (its chip not yet available,
                // no option reaching it) still gets the constraint when something draws on it:
                // a training candidate whose window covers that quarter must not be placed there.
                if self.may_have[pool_index][quarter]
                    || good_lp::IntoAffineExpression::linear_coefficients(free.clone()).next().is_some()
                {
                    self.constraints.push(free.geq(0.0));
                }
            }
        }
    }

    /// The objective, minimised: the elastic penalty, or the knobs' objective with tie-breakers.
    /// Cost is the economic cost (capital charge, not cash capex); `max-margin` is `min-tco`
    /// with unserved demand priced at the workload's price (plus any penalty): minimising
    /// cost + price × unserved is maximising revenue of served − cost.
    pub fn objective(&self) -> Expression {
        let total = &self.cost_total;
        let unserved = &self.unserved_cost;
        if self.knobs.elastic {
            return self.slack_penalty.clone() + 1e-6 * total.clone();
        }
        match self.knobs.objective {
            ObjectiveKind::MinTco | ObjectiveKind::MaxMargin => {
                total.clone()
                    + unserved.clone()
                    + self.share_penalty.clone()
                    + TIE_ACCELERATORS * self.accelerator_quarters.clone()
            }
            ObjectiveKind::MaxServed => {
                -1.0 * self.coverage.clone()
                    + (TIE_COST / 1000.0) * (total.clone() + unserved.clone() + self.share_penalty.clone())
            }
            ObjectiveKind::MaxTraining => {
                -1.0 * self.training_flop.clone()
                    + (TIE_COST / 1000.0) * (total.clone() + unserved.clone() + self.share_penalty.clone())
            }
        }
    }
}
