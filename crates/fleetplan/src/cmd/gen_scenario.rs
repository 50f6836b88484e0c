//! `fleetplan gen-scenario --sites N --chips N --quarters N --workloads N --seed N`: a valid,
//! synthetic scenario on stdout, the same for the same arguments (benchmarks and tests of the
//! planner at size).

use super::{Failure, out};
use clap::Args;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario;
use fleetplan_engines::plan::generate::{GenSpec, generate};

/// Arguments of `fleetplan gen-scenario`.
#[derive(Debug, Args)]
pub struct GenScenarioArgs {
    /// Candidate sites.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub sites: u32,
    /// Procurement options (one chip each).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub chips: u32,
    /// Quarters in the horizon.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=40))]
    pub quarters: u32,
    /// Workloads (a training run is added from 4 on).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub workloads: u32,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Run `fleetplan gen-scenario`.
pub fn run(catalog: &Catalog, args: &GenScenarioArgs) -> Result<(), Failure> {
    let spec = GenSpec {
        sites: args.sites as usize,
        chips: args.chips as usize,
        quarters: args.quarters,
        workloads: args.workloads as usize,
        seed: args.seed,
    };
    let text = generate(&spec, catalog).map_err(|e| Failure::Internal(e.to_string()))?;
    // Never hand out a file that does not validate.
    if let Err(d) = scenario::validate("generated.toml", &text, catalog) {
        return Err(Failure::Internal(format!("generated scenario does not validate: {d:?}")));
    }
    out(text.trim_end());
    Ok(())
}
