//! Command-line definitions (clap). Each command's argument struct lives beside its
//! implementation in `cmd/<name>.rs`; this file only lists the commands.

use crate::{cmd, help};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Plans, prices and stress-tests AI compute fleets.
#[derive(Debug, Parser)]
#[command(name = "fleetplan", version, about, long_about = None)]
pub struct Cli {
    /// Extra catalog file(s) adding or overriding entries (same format as the built-in catalog).
    #[arg(long = "catalog", global = true, value_name = "FILE")]
    pub catalogs: Vec<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a scenario file and print a one-screen summary.
    #[command(after_help = help::CHECK)]
    Check(cmd::check::CheckArgs),
    /// Show catalog entries as tables (or JSON keyed by id).
    #[command(after_help = help::CATALOG)]
    Catalog(cmd::catalog::CatalogArgs),
    /// Export-control questions: one answer, or a chips × sites matrix.
    #[command(subcommand, after_help = help::POLICY)]
    Policy(cmd::policy::PolicyCommand),
    /// Print the JSON Schema of scenario files.
    #[command(after_help = help::SCHEMA)]
    Schema(cmd::schema::SchemaArgs),
    /// Performance of a chip for a workload (inference, training, generation).
    #[command(subcommand, after_help = help::PERF)]
    Perf(cmd::perf::PerfCommand),
    /// Predict published measurements and report the error.
    #[command(after_help = help::VALIDATE)]
    Validate(cmd::validate::ValidateArgs),
    /// Evaluate a scenario's fixed fleet: cost, capacity, coverage, compliance, budget.
    #[command(after_help = help::EVALUATE)]
    Evaluate(cmd::evaluate::EvaluateArgs),
    /// Evaluate scenarios and compare them side by side.
    #[command(after_help = help::COMPARE)]
    Compare(cmd::compare::CompareArgs),
    /// Serving simulation: latency percentiles, throughput and SLO attainment under load.
    #[command(after_help = help::SIMULATE)]
    Simulate(Box<cmd::simulate::SimulateArgs>),
    /// Plan what to buy or lease, where and when (MILP), and check the plan with the evaluator.
    #[command(after_help = help::OPTIMIZE)]
    Optimize(cmd::optimize::OptimizeArgs),
    /// Monte Carlo over the uncertain inputs: spreads, probabilities, tornado and rank correlations.
    #[command(after_help = help::SWEEP)]
    Sweep(cmd::sweep::SweepArgs),
    /// Write a synthetic scenario of a given size to stdout (benchmarks, tests).
    #[command(after_help = help::GEN_SCENARIO)]
    GenScenario(cmd::gen_scenario::GenScenarioArgs),
    /// The local web dashboard: editor, evaluate, optimize, simulate, compare, catalog, sweep.
    #[cfg(feature = "serve")]
    #[command(after_help = help::SERVE)]
    Serve(cmd::serve::ServeArgs),
}
