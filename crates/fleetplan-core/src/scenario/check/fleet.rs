//! `[[fleet]]`: fixed holdings (existing or committed capacity), each at a site of this file,
//! optionally dedicated to a training run of this file.

use super::hardware::{self, HardwareFields};
use super::header::Horizon;
use super::sites::SiteTable;
use super::{Checker, opt};
use crate::catalog::Catalog;
use crate::scenario::file::{FleetEntry, ScenarioFile, WorkloadKind};
use crate::scenario::limits::MAX_ACCELERATORS;
use crate::scenario::{Holding, Spanned, WorkloadId};
use crate::suggest::did_you_mean;

/// Check every `[[fleet]]` entry; returns the holdings that resolved.
pub(super) fn check(
    checker: &mut Checker,
    file: &ScenarioFile,
    horizon: &Horizon,
    site_table: &SiteTable,
    catalog: &Catalog,
) -> Vec<Holding> {
    let mut fleet = Vec::new();
    for (index, entry) in file.fleet.iter().enumerate() {
        let path = format!("fleet[{index}]");
        if let Some(holding) = holding(checker, file, entry, &path, horizon, site_table, catalog) {
            fleet.push(holding);
        }
    }
    fleet
}

fn holding(
    checker: &mut Checker,
    file: &ScenarioFile,
    entry: &FleetEntry,
    path: &str,
    horizon: &Horizon,
    site_table: &SiteTable,
    catalog: &Catalog,
) -> Option<Holding> {
    let fields = HardwareFields {
        chip: &entry.chip,
        system: &entry.system,
        entry_span: entry.entry_span.clone(),
        mode: *entry.mode,
    };
    let resolved = hardware::check(checker, catalog, fields, path);
    let site = site_table.reference(checker, &entry.site, &format!("{path}.site"));
    if *entry.count == 0 {
        checker.error(
            entry.count.span(),
            &format!("{path}.count"),
            "a holding of 0 units".into(),
            "zero",
            "give a count of at least 1 or remove the entry".into(),
        );
    }
    hardware::prices(checker, *entry.mode, &entry.price_usd, &entry.lease_usd_per_hour, path);
    let until = service_period(checker, entry, path, horizon);
    let training = match &entry.training {
        Some(run) => Some(training_run(checker, file, run, path)?),
        None => None,
    };
    let hardware = resolved?;
    hardware::availability(checker, catalog, &hardware, &entry.from, &format!("{path}.from"), "this holding starts");
    let per_unit = u64::from(hardware.accelerators_per_unit);
    let accelerators = entry.count.saturating_mul(per_unit);
    if accelerators > MAX_ACCELERATORS {
        checker.error(
            entry.count.span(),
            &format!("{path}.count"),
            format!(
                "a holding of {} units ({accelerators} accelerators) is beyond any real fleet: at most {MAX_ACCELERATORS} accelerators",
                *entry.count
            ),
            "too large",
            "100 million accelerators draw about 100 GW; give the holding's real count (docs/scenario.md, Ranges)".into(),
        );
        return None;
    }
    Some(Holding {
        accelerators,
        hardware,
        site: site?,
        units: *entry.count,
        mode: *entry.mode,
        from: *entry.from,
        until,
        price_usd: opt(&entry.price_usd),
        lease_usd_per_hour: opt(&entry.lease_usd_per_hour),
        training,
    })
}

/// Check `from` and `until` against each other and the horizon; returns the last quarter.
fn service_period(
    checker: &mut Checker,
    entry: &FleetEntry,
    path: &str,
    horizon: &Horizon,
) -> crate::scenario::Quarter {
    if *entry.from > horizon.end {
        checker.error(
            entry.from.span(),
            &format!("{path}.from"),
            format!("quarter {} is after the horizon {}", *entry.from, horizon.label),
            "outside the horizon",
            format!("use a quarter up to {} (earlier quarters mean existing capacity)", horizon.end),
        );
    }
    let Some(until) = &entry.until else { return horizon.end };
    if **until < *entry.from {
        checker.error(
            until.span(),
            &format!("{path}.until"),
            format!("holding ends in {} before it starts in {}", **until, *entry.from),
            "before `from`",
            "`until` must be the same as or after `from`".into(),
        );
    } else if **until < horizon.start {
        checker.error(
            until.span(),
            &format!("{path}.until"),
            format!("holding ends in {} before the horizon {}", **until, horizon.label),
            "outside the horizon",
            "drop holdings that end before the horizon starts".into(),
        );
    }
    **until
}

/// `training` must name a training workload of this file.
fn training_run(checker: &mut Checker, file: &ScenarioFile, run: &Spanned<String>, path: &str) -> Option<WorkloadId> {
    if let Some(position) =
        file.workload.iter().position(|w| *w.kind == WorkloadKind::Training && w.id.get() == run.get())
    {
        // Chat workloads before it with a model mix become one workload per model.
        let resolved: usize = file.workload[..position].iter().map(super::workloads::expanded_len).sum();
        return Some(WorkloadId::new(resolved, run));
    }
    let runs: Vec<&str> =
        file.workload.iter().filter(|w| *w.kind == WorkloadKind::Training).map(|w| w.id.get().as_str()).collect();
    let is_serving = file.workload.iter().any(|w| w.id.get() == run.get());
    let help = match did_you_mean(run, runs.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? training workloads in this file: {}", runs.join(", ")),
        None if runs.is_empty() => "add a [[workload]] with kind = \"training\" or remove `training`".into(),
        None => format!("use one of the training workloads: {}", runs.join(", ")),
    };
    checker.error(
        run.span(),
        &format!("{path}.training"),
        if is_serving {
            format!("workload `{}` is not a training run", run.get())
        } else {
            format!("training workload `{}` is not defined in this scenario", run.get())
        },
        "unknown training run",
        help,
    );
    None
}
