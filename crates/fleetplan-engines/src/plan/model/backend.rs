//! Running the built model through the chosen good_lp backend (microlp, or HiGHS behind the
//! `highs` feature) with the gap and time limit, and reading the values back independently of
//! the backend. Solver failures become [`SolverError`]s; infeasibility becomes
//! [`PlanError::Infeasible`], which the planner answers with the elastic model.

use super::super::{Backend, PlanError, SolveStatus, SolverError};
use super::SolverSettings;
use super::builder::ModelBuilder;
use good_lp::{Constraint, Expression, Solution, SolverModel, Variable};
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
}

impl ModelBuilder<'_> {
    /// Hand the variables and constraints to the backend and minimise `objective`. The builder
    /// keeps its expressions (for [`ModelBuilder::extract`]) but no longer its variables.
    pub fn run(&mut self, objective: &Expression, settings: SolverSettings) -> Result<BackendRun, PlanError> {
        let variables = self.variables.len();
        let constraints = self.constraints.len();
        let all: Vec<Variable> = self.variables.iter_variables_with_def().map(|(v, _)| v).collect();
        let problem = std::mem::take(&mut self.variables).minimise(objective.clone());
        let started = Instant::now();
        let (status, values) = run_backend(problem, &all, std::mem::take(&mut self.constraints), settings)?;
        let solve_s = started.elapsed().as_secs_f64();
        Ok(BackendRun { status, values, variables, constraints, solve_s })
    }
}

/// Solve `problem` with `constraints` on the settings' backend.
fn run_backend(
    problem: good_lp::variable::UnsolvedProblem,
    all: &[Variable],
    constraints: Vec<Constraint>,
    settings: SolverSettings,
) -> Result<(SolveStatus, Values), PlanError> {
    use good_lp::{WithMipGap, WithTimeLimit};
    let gap = settings.mip_gap as f32;
    let read = |solution: &dyn Fn(Variable) -> f64| -> Values {
        Values { by_variable: all.iter().map(|v| (*v, solution(*v))).collect() }
    };
    match settings.backend {
        Backend::Microlp => {
            let model = problem
                .using(good_lp::microlp)
                .with_time_limit(settings.time_limit_s)
                .with_mip_gap(gap)
                .map_err(SolverError::MipGap)?
                .with_all(constraints);
            let solution = model.solve().map_err(resolution_error)?;
            Ok((solve_status(solution.status()), read(&|v| solution.value(v))))
        }
        #[cfg(feature = "highs")]
        Backend::Highs => {
            let mut model = problem
                .using(good_lp::highs)
                .set_time_limit(settings.time_limit_s)
                .set_mip_rel_gap(gap)
                .map_err(SolverError::MipGap)?;
            model.set_verbose(false);
            let solution = model.with_all(constraints).solve().map_err(resolution_error)?;
            Ok((solve_status(solution.status()), read(&|v| solution.value(v))))
        }
    }
}

/// The planner's status for good_lp's.
fn solve_status(status: good_lp::solvers::SolutionStatus) -> SolveStatus {
    match status {
        good_lp::solvers::SolutionStatus::Optimal => SolveStatus::Optimal,
        good_lp::solvers::SolutionStatus::GapLimit => SolveStatus::GapLimit,
        good_lp::solvers::SolutionStatus::TimeLimit => SolveStatus::TimeLimit,
    }
}

/// Infeasible is a planner outcome (the elastic model follows); anything else is a solver error.
fn resolution_error(error: good_lp::ResolutionError) -> PlanError {
    match error {
        good_lp::ResolutionError::Infeasible => PlanError::Infeasible,
        good_lp::ResolutionError::Unbounded => PlanError::Solver(SolverError::Unbounded),
        other => PlanError::Solver(SolverError::Backend(other)),
    }
}
