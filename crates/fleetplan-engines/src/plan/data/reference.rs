//! The reference cluster size each chip's lines are priced at (the network is the one
//! non-linear cost; docs/planner.md, "Inputs").

use super::{REFERENCE_ACCELERATORS, ZoneDemand};
use std::collections::BTreeMap;

/// Smallest reference cluster, accelerators.
const MIN_REFERENCE_ACCELERATORS: u64 = 64;

/// Reference cluster size per chip below [`REFERENCE_ACCELERATORS`]: the accelerators of that
/// chip all serving demand needs in its peak quarter (Σ zones peak ÷ rate), where that is
/// smaller. Chips that no workload can use are left out (priced at the full reference).
pub(super) fn reference_sizes(demands: &[ZoneDemand], rates: &BTreeMap<(usize, String), f64>) -> BTreeMap<String, u64> {
    let mut need: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for zone in demands {
        for ((workload, chip), rate) in rates {
            if *workload != zone.workload || *rate <= 0.0 {
                continue;
            }
            let row = need.entry(chip.clone()).or_insert_with(|| vec![0.0; zone.peak.len()]);
            for (q, peak) in zone.peak.iter().enumerate() {
                row[q] += peak / rate;
            }
        }
    }
    need.into_iter()
        .filter_map(|(chip, row)| {
            let most = row.iter().copied().fold(0.0, f64::max).ceil() as u64;
            (most < REFERENCE_ACCELERATORS).then_some((chip, most.max(MIN_REFERENCE_ACCELERATORS)))
        })
        .collect()
}
