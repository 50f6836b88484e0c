//! Running the built model through the chosen backend (microlp directly on a scaled copy,
//! `scaled.rs`, or HiGHS through good_lp behind the `highs` feature) with the gap, time and node
//! limits, and reading the values back independently of the backend. Solver failures become [`SolverError`]s; infeasibility becomes
//! [`PlanError::Infeasible`], which the planner answers with the elastic model.

use super::super::{Backend, PlanError, SolveStatus};
use super::builder::ModelBuilder;
use super::{SolverSettings, scaled};
use good_lp::{Expression, Variable};
use std::collections::HashMap;
use std::time::Instant;

/// Values of a solved model, independent of the backend.
pub(super) struct Values {
    /// Value of every variable of the model.
    by_variable: HashMap<Variable, f64>,
}

impl Values {
    /// Value of one variable (0 when the backend gave none).
    pub fn value(&self, variable: Variable) -> f64 {
        self.by_variable.get(&variable).copied().unwrap_or(0.0)
    }

    /// Value of an expression.
    pub fn eval(&self, expression: &Expression) -> f64 {
        expression.eval_with(&self.by_variable)
    }
}

/// What one backend run gives back.
pub(super) struct BackendRun {
    /// How the solver finished.
    pub status: SolveStatus,
    /// The solution.
    pub values: Values,
    /// Variables in the model.
    pub variables: usize,
    /// Constraints in the model.
    pub constraints: usize,
    /// Wall time of the solver, s.
    pub solve_s: f64,
    /// Gap to the best bound when a limit stopped the search.
    pub limit_gap: Option<f64>,
    /// How the model reached microlp (None with HiGHS).
    pub model_form: Option<&'static str>,
}

impl ModelBuilder<'_> {
    /// Hand the variables and constraints to the backend and minimise `objective`. The builder
    /// keeps its expressions (for [`ModelBuilder::extract`]) but no longer its variables.
    pub fn run(&mut self, objective: &Expression, settings: SolverSettings) -> Result<BackendRun, PlanError> {
        let variables = self.variables.len();
        let constraints = self.constraints.len();
        let all: Vec<Variable> = self.variables.iter_variables_with_def().map(|(v, _)| v).collect();
        let started = Instant::now();
        let (status, by_variable, limit_gap, model_form) = match settings.backend {
            Backend::Microlp => {
                let out = scaled::solve(&all, &self.bounds, &self.constraints, objective, settings)?;
                let form = match out.attempt {
                    scaled::Attempt::Scaled => "scaled",
                    scaled::Attempt::ScaledTolerant => "scaled, looser feasibility guard",
                    scaled::Attempt::Unscaled => "as written",
                };
                (out.status, all.iter().copied().zip(out.values).collect(), out.gap, Some(form))
            }
            #[cfg(feature = "highs")]
            Backend::Highs => {
                let problem = std::mem::take(&mut self.variables).minimise(objective.clone());
                let (status, values) = highs(problem, &all, std::mem::take(&mut self.constraints), settings)?;
                (status, values, None, None)
            }
        };
        let solve_s = started.elapsed().as_secs_f64();
        let values = Values { by_variable };
        Ok(BackendRun { status, values, variables, constraints, solve_s, limit_gap, model_form })
    }
}

/// Solve `problem` with `constraints` on HiGHS (through good_lp) within the gap, time and node
/// limits; values of `all` variables.
#[cfg(feature = "highs")]
fn highs(
    problem: good_lp::variable::UnsolvedProblem,
    all: &[Variable],
    constraints: Vec<good_lp::Constraint>,
    settings: SolverSettings,
) -> Result<(SolveStatus, HashMap<Variable, f64>), PlanError> {
    use super::super::SolverError;
    use good_lp::{Solution, SolverModel};
    let mut model = problem
        .using(good_lp::highs)
        .set_time_limit(settings.time_limit_s)
        .set_mip_rel_gap(settings.mip_gap as f32)
        .map_err(SolverError::MipGap)?;
    if let Some(nodes) = settings.node_limit {
        model = model.set_option("mip_max_nodes", nodes.min(i32::MAX as u64) as i32);
    }
    model.set_verbose(false);
    let solution = model.with_all(constraints).solve().map_err(|error| match error {
        good_lp::ResolutionError::Infeasible => PlanError::Infeasible,
        good_lp::ResolutionError::Unbounded => PlanError::Solver(SolverError::Unbounded),
        other => PlanError::Solver(SolverError::Backend(other)),
    })?;
    let status = match solution.status() {
        good_lp::solvers::SolutionStatus::Optimal => SolveStatus::Optimal,
        good_lp::solvers::SolutionStatus::GapLimit => SolveStatus::GapLimit,
        good_lp::solvers::SolutionStatus::TimeLimit => SolveStatus::TimeLimit,
    };
    Ok((status, all.iter().map(|v| (*v, solution.value(*v))).collect()))
}
