//! Reading a solved model back into [`Solved`]: counts per line, site and quarter in scenario
//! units, spend in the scenario currency (the model counts in 1/1000 of the budget), and the
//! elastic slacks that were used.

use super::backend::{BackendRun, Values};
use super::builder::{ModelBuilder, VariableGrid};
use super::{Slack, SlackKind, Solved, clean};
use good_lp::Expression;

impl ModelBuilder<'_> {
    /// The solution of `run` (for the model's `objective`) in scenario units.
    pub fn extract(&self, run: &BackendRun, objective: &Expression) -> Solved {
        let values = &run.values;
        let money = self.money;
        Solved {
            status: run.status,
            objective: values.eval(objective),
            objective_kind: self.knobs.objective,
            objective_value: values.eval(objective) * money,
            spend_total: values.eval(&self.spend_total) * money,
            cost_total: values.eval(&self.cost_total) * money,
            revenue: values.eval(&self.revenue) * money,
            spend_by_quarter: self.spend_by_quarter.iter().map(|e| values.eval(e) * money).collect(),
            spend_by_group: self.spend_by_group.iter().map(|e| values.eval(e) * money).collect(),
            buy: grid_values(values, &self.buy, 0.0),
            lease: grid_values(values, &self.lease, 0.0),
            build: self.online_builds(values),
            available_mw: self
                .data
                .sites
                .iter()
                .zip(&self.knobs.extra_mw)
                .map(|(site, extra)| site.available_mw + extra)
                .collect(),
            it_mw: self.it_mw.iter().map(|row| row.iter().map(|e| values.eval(e)).collect()).collect(),
            // A zone-quarter without demand has no variable and counts as served.
            served: grid_values(values, &self.served, 1.0),
            serving: self.serving.iter().map(|(d, p, q, x)| (*d, *p, *q, clean(values.value(*x)))).collect(),
            train: self.train_chosen.iter().map(|y| clean(values.value(*y))).collect(),
            train_chips: self.training_chips(values),
            coverage: values.eval(&self.coverage),
            training_flop: values.eval(&self.training_flop) * self.max_need_flop,
            slacks: self.used_slacks(values),
            variables: run.variables,
            constraints: run.constraints,
            integers: self.integers,
            solve_s: run.solve_s,
            limit_gap: run.limit_gap,
            model_form: run.model_form,
        }
    }

    /// MW coming online per site and quarter: builds decided a lead time earlier.
    fn online_builds(&self, values: &Values) -> Vec<Vec<f64>> {
        let decided = grid_values(values, &self.build, 0.0);
        decided
            .iter()
            .zip(&self.data.sites)
            .map(|(row, site)| {
                (0..self.quarters).map(|q| q.checked_sub(site.first_build_quarter).map_or(0.0, |d| row[d])).collect()
            })
            .collect()
    }

    /// Chips per training candidate and quarter: the chip variable under max-training, else the
    /// chips the run needs while it is placed there.
    fn training_chips(&self, values: &Values) -> Vec<Vec<f64>> {
        self.data
            .train
            .iter()
            .enumerate()
            .map(|(candidate_index, candidate)| {
                (0..self.quarters)
                    .map(|quarter| match self.train_chips[candidate_index][quarter] {
                        Some(chips) => clean(values.value(chips)),
                        None if candidate.window[quarter] => {
                            candidate.chips * clean(values.value(self.train_chosen[candidate_index]))
                        }
                        None => 0.0,
                    })
                    .collect()
            })
            .collect()
    }

    /// Slacks of the elastic model above noise, in scenario units.
    fn used_slacks(&self, values: &Values) -> Vec<Slack> {
        let money = self.money;
        self.slacks
            .iter()
            .filter_map(|(kind, variable)| {
                let amount = clean(values.value(*variable));
                (amount > 1e-6).then_some(match *kind {
                    SlackKind::Budget => Slack::Budget(amount * money),
                    SlackKind::Quarter(q) => Slack::QuarterBudget(q, amount * money),
                    SlackKind::Year(i) => Slack::YearBudget(self.knobs.per_year[i].0, amount * money),
                    SlackKind::ShareMin(g) => Slack::ShareMin(g, amount * money),
                    SlackKind::ShareMax(g) => Slack::ShareMax(g, amount * money),
                    SlackKind::Power(s) => Slack::Power(s, amount),
                    SlackKind::Supply(o, q) => Slack::Supply(o, q, amount),
                    SlackKind::Demand(d, q) => Slack::Demand(d, q, amount),
                    SlackKind::Training(w) => Slack::Training(w),
                })
            })
            .collect()
    }
}

/// Values of a variable grid, `absent` where there is no variable.
fn grid_values(values: &Values, grid: &VariableGrid, absent: f64) -> Vec<Vec<f64>> {
    grid.iter().map(|row| row.iter().map(|v| v.map_or(absent, |v| clean(values.value(v)))).collect()).collect()
}
