//! Engines of fleetplan that run on top of the analytical models.
//!
//! - [`eval`]: evaluation of a fixed fleet (cost, capacity, coverage, compliance, budget).
//! - [`rating`]: what one chip does for one workload (serving rate at the SLO, training
//!   placement, unit costs), shared by the evaluator, the planner and the simulator.
//! - [`plan`]: the planner, a MILP choosing what to buy or lease, where and when.
//! - [`fleet`]: fleet-level figures of a scenario (busiest-hour and average serving
//!   accelerators, cost per day charged to inference: diurnal valley filling) for fleet cases.
//! - [`sweep`]: Monte Carlo sweeps over uncertain inputs (evaluate or plan each sample),
//!   their spreads, one-at-a-time swings and rank correlations.
//! - [`sim`]: discrete-event serving simulator (arrivals, routing, continuous batching with
//!   chunked prefill and a paged KV cache, disaggregated pools, failures), deterministic per seed.
//!
//! **Architecture invariant:** no I/O and no printing; callers hand in parsed inputs and get
//! values back. Step times come from [`fleetplan_models::infer::InferenceEngine`] (one home for
//! the performance formulas).

pub mod eval;
pub mod fleet;
pub mod plan;
pub mod rating;
pub mod sim;
pub mod sweep;
