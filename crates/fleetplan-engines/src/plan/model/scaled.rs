//! The default backend: microlp driven directly on a scaled copy of the model.
//!
//! Why not through good_lp: the model mixes accelerator counts in the millions (a large app's
//! serving), shares in [0, 1] and money in thousandths of the budget, so a row such as
//! "Σ rate/demand × accelerators ≥ served share" has coefficients 1e-7 next to 1. Handed over as
//! written, microlp failed on about 1 % of small random valid scenarios ("Singular matrix" in
//! its LU factorisation, or "exactly integral solution failed feasibility validation", whose
//! guard is an absolute 1e-7 on rows whose terms are 1e6: docs/benchmarks.md, Fuzzing). Here
//! the model is read back from good_lp's expressions into a sparse matrix, equilibrated
//! (geometric-mean row and column scaling, then each row to a largest coefficient of 1; every
//! factor a power of two so scaling itself adds no rounding; binaries keep their unit), solved,
//! and the values unscaled. When a numerical failure still happens the scaled model is solved
//! again with a looser feasibility guard, then the model as written ([`ATTEMPTS`]);
//! [`Outcome::attempt`] says which one gave the plan.
//!
//! Going direct also gives microlp's deterministic branch-and-bound node limit
//! ([`super::SolverSettings::node_limit`]) and the gap at which a limit stopped the search.

use super::super::{PlanError, SolveStatus, SolverError};
use super::builder::ModelBuilder;
use good_lp::{Constraint, Expression, IntoAffineExpression, Variable, variable};
use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, SolveOptions, TerminationReason};
use std::collections::HashMap;
use std::time::Duration;

/// Geometric-mean scaling passes before the final row equilibration.
const SCALING_PASSES: usize = 8;

/// Bounds and integrality of one model variable (good_lp keeps its own private).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// Lower bound.
    pub min: f64,
    /// Upper bound (may be infinite).
    pub max: f64,
    /// Whether the variable is a binary (0 or 1).
    pub integer: bool,
}

impl ModelBuilder<'_> {
    /// A new variable in `[min, max]`, a binary when `integer`; its bounds are kept for
    /// [`solve`].
    pub(super) fn add_var(&mut self, min: f64, max: f64, integer: bool) -> Variable {
        self.bounds.push(Bounds { min, max, integer });
        let definition = if integer { variable().binary() } else { variable().min(min).max(max) };
        self.variables.add(definition)
    }
}

/// Which way the model went to microlp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// Equilibrated (the first try).
    Scaled,
    /// Equilibrated, with microlp's guard on a candidate's feasibility at
    /// [`TOLERANT_FEASIBILITY`] (after a numerical failure of the first).
    ScaledTolerant,
    /// As written (after numerical failures of both).
    Unscaled,
}

/// The attempts, in order.
const ATTEMPTS: [Attempt; 3] = [Attempt::Scaled, Attempt::ScaledTolerant, Attempt::Unscaled];

/// microlp's default absolute tolerance on a candidate's row and bound violations.
const DEFAULT_FEASIBILITY: f64 = 1e-7;

/// The tolerance of the second attempt. On a row scaled to coefficients of at most 1 (and values
/// of moderate size), a violation of 1e-5 is far below anything the plan's rounding up to whole
/// units and the evaluator's check of the rounded plan notice; microlp's own default (1e-7,
/// absolute) rejected the exactly integral vertex of fuzz engine case 277 even after its
/// slack-basis retry.
const TOLERANT_FEASIBILITY: f64 = 1e-5;

/// One row: Σ coefficient × variable (≤ or =) rhs, variables by creation index.
struct Row {
    terms: Vec<(usize, f64)>,
    equality: bool,
    rhs: f64,
}

/// The model as a sparse matrix.
struct Matrix {
    rows: Vec<Row>,
    objective: Vec<f64>,
    bounds: Vec<Bounds>,
}

/// What a solve gives back, unscaled.
pub(crate) struct Outcome {
    /// How the solve finished.
    pub status: SolveStatus,
    /// Relative gap of the plan to microlp's best bound when a limit stopped the search.
    pub gap: Option<f64>,
    /// Value of each variable by creation index.
    pub values: Vec<f64>,
    /// Which attempt produced it.
    pub attempt: Attempt,
}

/// Solve `constraints` minimising `objective` over `all` variables (creation order) with
/// `bounds`: each of [`ATTEMPTS`] in turn while microlp fails numerically.
pub(crate) fn solve(
    all: &[Variable],
    bounds: &[Bounds],
    constraints: &[Constraint],
    objective: &Expression,
    settings: super::SolverSettings,
) -> Result<Outcome, PlanError> {
    let matrix = matrix(all, bounds, constraints, objective)?;
    let scaled = scaling(&matrix);
    let unit = (vec![1.0; matrix.rows.len()], vec![1.0; matrix.bounds.len()], 1.0);
    let mut failures = Vec::new();
    for attempt in ATTEMPTS {
        let (factors, feasibility) = match attempt {
            Attempt::Scaled => (&scaled, DEFAULT_FEASIBILITY),
            Attempt::ScaledTolerant => (&scaled, TOLERANT_FEASIBILITY),
            Attempt::Unscaled => (&unit, DEFAULT_FEASIBILITY),
        };
        match run(&matrix, factors, feasibility, settings) {
            Ok((status, gap, values)) => return Ok(Outcome { status, gap, values, attempt }),
            Err(Failure::Numerical(message)) => failures.push(message),
            Err(Failure::Other(e)) => return Err(e),
        }
    }
    Err(PlanError::Solver(SolverError::Numerical { messages: failures }))
}

/// Why one run gave no values.
enum Failure {
    /// microlp failed numerically (worth another attempt).
    Numerical(String),
    /// Anything else: infeasible (the elastic model follows), unbounded, a limit with no plan.
    Other(PlanError),
}

impl From<microlp::Error> for Failure {
    fn from(e: microlp::Error) -> Failure {
        match e {
            microlp::Error::Infeasible => Failure::Other(PlanError::Infeasible),
            microlp::Error::Unbounded => Failure::Other(PlanError::Solver(SolverError::Unbounded)),
            microlp::Error::InvalidOperation(m)
            | microlp::Error::InvalidOptions(m)
            | microlp::Error::InternalError(m) => Failure::Numerical(m),
        }
    }
}

/// Read the good_lp model into a sparse matrix (terms sorted by variable, so the same model
/// always reaches microlp in the same order).
fn matrix(
    all: &[Variable],
    bounds: &[Bounds],
    constraints: &[Constraint],
    objective: &Expression,
) -> Result<Matrix, PlanError> {
    let index: HashMap<Variable, usize> = all.iter().enumerate().map(|(i, v)| (*v, i)).collect();
    let terms_of = |e: &Expression| -> Vec<(usize, f64)> {
        let mut terms: Vec<(usize, f64)> = e
            .clone()
            .linear_coefficients()
            .filter(|(_, a)| *a != 0.0)
            .filter_map(|(v, a)| index.get(&v).map(|j| (*j, a)))
            .collect();
        terms.sort_by_key(|t| t.0);
        terms
    };
    let mut rows = Vec::with_capacity(constraints.len());
    for c in constraints {
        // good_lp keeps `expression (≤ or =) 0`.
        let e = c.expression();
        let (terms, rhs) = (terms_of(e), -e.constant());
        if terms.is_empty() {
            let holds = if c.is_equality() { rhs.abs() <= 1e-9 } else { rhs >= -1e-9 };
            if holds {
                continue;
            }
            return Err(PlanError::Infeasible);
        }
        rows.push(Row { terms, equality: c.is_equality(), rhs });
    }
    let mut obj = vec![0.0; all.len()];
    for (j, a) in terms_of(objective) {
        obj[j] = a;
    }
    Ok(Matrix { rows, objective: obj, bounds: bounds.to_vec() })
}

/// The power of two nearest to `x` (within 2^±80).
fn pow2(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return 1.0;
    }
    2f64.powi(x.log2().round().clamp(-80.0, 80.0) as i32)
}

/// Row factors, column factors and the objective's factor: geometric-mean passes over rows and
/// columns, then each row to a largest coefficient of 1, then the objective to a largest
/// coefficient of 1. Binaries keep factor 1 (their domain is {0, 1}).
fn scaling(m: &Matrix) -> (Vec<f64>, Vec<f64>, f64) {
    let mut row = vec![1.0; m.rows.len()];
    let mut col = vec![1.0; m.bounds.len()];
    let range = |lo: &mut f64, hi: &mut f64, a: f64| {
        *lo = lo.min(a);
        *hi = hi.max(a);
    };
    for _ in 0..SCALING_PASSES {
        for (i, r) in m.rows.iter().enumerate() {
            let (mut lo, mut hi) = (f64::INFINITY, 0.0);
            for (j, a) in &r.terms {
                range(&mut lo, &mut hi, a.abs() * col[*j]);
            }
            row[i] = pow2(1.0 / (lo * hi).sqrt());
        }
        let mut lo = vec![f64::INFINITY; col.len()];
        let mut hi = vec![0.0; col.len()];
        for (i, r) in m.rows.iter().enumerate() {
            for (j, a) in &r.terms {
                range(&mut lo[*j], &mut hi[*j], a.abs() * row[i]);
            }
        }
        for j in 0..col.len() {
            if !m.bounds[j].integer && hi[j] > 0.0 {
                col[j] = pow2(1.0 / (lo[j] * hi[j]).sqrt());
            }
        }
    }
    for (i, r) in m.rows.iter().enumerate() {
        let hi = r.terms.iter().map(|(j, a)| a.abs() * col[*j]).fold(0.0, f64::max);
        row[i] = pow2(1.0 / hi);
    }
    let hi = m.objective.iter().zip(&col).map(|(c, s)| c.abs() * s).fold(0.0, f64::max);
    (row, col, if hi > 0.0 { pow2(1.0 / hi) } else { 1.0 })
}

/// One microlp run of `m` under `(row, column, objective)` factors; values unscaled.
fn run(
    m: &Matrix,
    (row, col, obj): &(Vec<f64>, Vec<f64>, f64),
    feasibility: f64,
    settings: super::SolverSettings,
) -> Result<(SolveStatus, Option<f64>, Vec<f64>), Failure> {
    let mut problem = Problem::new(OptimizationDirection::Minimize);
    let vars: Vec<microlp::Variable> = m
        .bounds
        .iter()
        .enumerate()
        .map(|(j, b)| {
            let c = m.objective[j] * col[j] * obj;
            if b.integer {
                problem.add_integer_var(c, (b.min.ceil() as i32, b.max.floor() as i32))
            } else {
                problem.add_var(c, (b.min / col[j], b.max / col[j]))
            }
        })
        .collect();
    for (i, r) in m.rows.iter().enumerate() {
        let mut expr = LinearExpr::empty();
        for (j, a) in &r.terms {
            expr.add(vars[*j], a * row[i] * col[*j]);
        }
        let op = if r.equality { ComparisonOp::Eq } else { ComparisonOp::Le };
        problem.add_constraint(expr, op, r.rhs * row[i]);
    }
    let mut options = SolveOptions::default();
    options.mip_gap = settings.mip_gap;
    options.time_limit = Some(Duration::from_secs_f64(settings.time_limit_s));
    options.node_limit = settings.node_limit;
    options.tolerances.feasibility = feasibility;
    let outcome = problem.solve_with(options)?;
    let reason = outcome.termination_reason();
    let solution = outcome.into_solution().map_err(|_| {
        let limit = if reason == TerminationReason::NodeLimit { "node" } else { "time" };
        Failure::Other(PlanError::Solver(SolverError::LimitWithoutPlan { limit }))
    })?;
    let values = vars
        .iter()
        .enumerate()
        .map(|(j, v)| {
            let x = solution.var_value_raw(*v) * col[j];
            if m.bounds[j].integer { x.round() } else { x }
        })
        .collect();
    let status = match reason {
        TerminationReason::ProvenOptimal => SolveStatus::Optimal,
        TerminationReason::MipGap => SolveStatus::GapLimit,
        TerminationReason::NodeLimit => SolveStatus::NodeLimit,
        // The time limit, and any reason a later microlp adds: not proven within the gap.
        _ => SolveStatus::TimeLimit,
    };
    let gap = matches!(status, SolveStatus::TimeLimit | SolveStatus::NodeLimit).then(|| solution.gap()).flatten();
    Ok((status, gap, values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use good_lp::{ProblemVariables, variable};

    fn settings() -> super::super::SolverSettings {
        super::super::SolverSettings {
            backend: super::super::super::Backend::Microlp,
            mip_gap: 0.0,
            time_limit_s: 10.0,
            node_limit: Some(1000),
        }
    }

    /// A serving-like LP with coefficients from 1e-7 to 1e6: accelerators x (rate/demand 3e-7
    /// each) must serve a share s ≥ 1, x ≤ bought b, minimise 4e-4 × b. Optimum: b = x = 1/3e-7.
    fn badly_scaled() -> (Vec<Variable>, Vec<Bounds>, Vec<Constraint>, Expression) {
        let mut vars = ProblemVariables::new();
        let x = vars.add(variable().min(0.0));
        let b = vars.add(variable().min(0.0));
        let s = vars.add(variable().min(0.0).max(1.0));
        let free = Bounds { min: 0.0, max: f64::INFINITY, integer: false };
        let bounds = vec![free, free, Bounds { min: 0.0, max: 1.0, integer: false }];
        let constraints = vec![(3e-7 * x - s).geq(0.0), Expression::from(s).geq(1.0), (b - x).geq(0.0)];
        let all = vars.iter_variables_with_def().map(|(v, _)| v).collect();
        (all, bounds, constraints, 4e-4 * b)
    }

    #[test]
    fn factors_are_powers_of_two_and_rows_end_at_one() {
        let (all, bounds, constraints, objective) = badly_scaled();
        let m = matrix(&all, &bounds, &constraints, &objective).unwrap();
        let (row, col, obj) = scaling(&m);
        for f in row.iter().chain(&col).chain([&obj]) {
            assert_eq!(f.log2().fract(), 0.0, "factor {f} is not a power of two");
        }
        for (i, r) in m.rows.iter().enumerate() {
            let hi = r.terms.iter().map(|(j, a)| (a * row[i] * col[*j]).abs()).fold(0.0, f64::max);
            assert!((0.5..=1.5).contains(&hi), "row {i} largest scaled coefficient {hi}");
        }
        // The 1e-7 … 1 spread of the first row is gone.
        let first: Vec<f64> = m.rows[0].terms.iter().map(|(j, a)| (a * row[0] * col[*j]).abs()).collect();
        let spread = first.iter().cloned().fold(0.0, f64::max) / first.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!(spread < 4.0, "scaled spread {spread}");
    }

    #[test]
    fn scaled_solve_unscales_to_the_optimum() {
        let (all, bounds, constraints, objective) = badly_scaled();
        let out = solve(&all, &bounds, &constraints, &objective, settings()).unwrap();
        assert_eq!(out.attempt, Attempt::Scaled);
        assert_eq!(out.status, SolveStatus::Optimal);
        let need = 1.0 / 3e-7;
        assert!((out.values[0] - need).abs() < 1e-6 * need, "x = {}", out.values[0]);
        assert!((out.values[1] - need).abs() < 1e-6 * need, "b = {}", out.values[1]);
        assert!((out.values[2] - 1.0).abs() < 1e-9, "s = {}", out.values[2]);
    }

    #[test]
    fn binaries_keep_their_unit_and_an_empty_violated_row_is_infeasible() {
        let mut vars = ProblemVariables::new();
        let y = vars.add(variable().binary());
        let x = vars.add(variable().min(0.0));
        let bounds = vec![Bounds { min: 0.0, max: 1.0, integer: true }, Bounds { min: 0.0, max: 1e9, integer: false }];
        let all: Vec<Variable> = vars.iter_variables_with_def().map(|(v, _)| v).collect();
        // x ≥ 2.5e6, x ≤ 5e6 y: y must be 1.
        let constraints = vec![Expression::from(x).geq(2.5e6), (x - 5e6 * y).leq(0.0)];
        let m = matrix(&all, &bounds, &constraints, &(Expression::from(x) + 1e3 * y)).unwrap();
        assert_eq!(scaling(&m).1[0], 1.0, "the binary's column factor");
        let out = solve(&all, &bounds, &constraints, &(Expression::from(x) + 1e3 * y), settings()).unwrap();
        assert_eq!(out.values[0], 1.0);
        assert!((out.values[1] - 2.5e6).abs() < 1e-3);
        let never = vec![Expression::from(0.0).geq(1.0)];
        assert!(matches!(solve(&all, &bounds, &never, &Expression::from(x), settings()), Err(PlanError::Infeasible)));
    }
}
