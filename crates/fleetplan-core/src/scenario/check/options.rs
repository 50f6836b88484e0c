//! `[[option]]`: hardware that may be bought or leased at some sites.

use super::hardware::{self, HardwareFields};
use super::header::Header;
use super::sites::SiteTable;
use super::{Checker, opt};
use crate::catalog::Catalog;
use crate::scenario::ProcurementOption;
use crate::scenario::Spanned;
use crate::scenario::file::OptionEntry;

/// Check every `[[option]]` entry; returns the options that resolved.
pub(super) fn check(
    checker: &mut Checker,
    entries: &[OptionEntry],
    header: &Header,
    site_table: &SiteTable,
    catalog: &Catalog,
) -> Vec<ProcurementOption> {
    let mut options = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if let Some(option) = option(checker, entry, &format!("option[{index}]"), header, site_table, catalog) {
            options.push(option);
        }
    }
    options
}

fn option(
    checker: &mut Checker,
    entry: &OptionEntry,
    path: &str,
    header: &Header,
    site_table: &SiteTable,
    catalog: &Catalog,
) -> Option<ProcurementOption> {
    let fields = HardwareFields {
        chip: &entry.chip,
        system: &entry.system,
        entry_span: entry.entry_span.clone(),
        mode: *entry.mode,
    };
    let resolved = hardware::check(checker, catalog, fields, path);
    if entry.sites.is_empty() {
        checker.error(
            entry.sites.span(),
            &format!("{path}.sites"),
            "an option needs at least one site".into(),
            "empty",
            "list the site ids where this hardware may be placed".into(),
        );
    }
    let mut sites = Vec::new();
    for (index, id) in entry.sites.iter().enumerate() {
        sites.extend(site_table.reference(checker, id, &format!("{path}.sites[{index}]")));
    }
    hardware::prices(checker, *entry.mode, &entry.price_usd, &entry.lease_usd_per_hour, path);
    if let Some(cap) = &entry.max_per_quarter
        && **cap == 0
    {
        checker.error(
            cap.span(),
            &format!("{path}.max_per_quarter"),
            "a supply cap of 0 makes the option useless".into(),
            "zero",
            "give a positive cap or remove the option".into(),
        );
    }
    if let Some(cap) = &entry.max_per_quarter {
        // The one table of upper bounds (scenario::limits) holds the cap's.
        checker.within_limit(
            &Spanned::new(**cap as f64, cap.span()),
            &format!("{path}.max_per_quarter"),
            "a supply cap",
        );
    }
    let horizon = &header.horizon;
    if let Some(quarter) = &entry.available_from
        && **quarter > horizon.end
    {
        checker.error(
            quarter.span(),
            &format!("{path}.available_from"),
            format!("quarter {} is after the horizon {}", **quarter, horizon.label),
            "outside the horizon",
            format!("use a quarter in {}", horizon.label),
        );
    }
    let hardware = resolved?;
    // Written `available_from` before the chip exists is an error; unwritten, the option opens
    // in the chip's first quarter when that is after the horizon start.
    if let Some(quarter) = &entry.available_from {
        hardware::availability(
            checker,
            catalog,
            &hardware,
            quarter,
            &format!("{path}.available_from"),
            "this option opens",
        );
    }
    let chip_available = catalog[&hardware.chip].available;
    let name = entry.name.clone().unwrap_or_else(|| {
        let written: Vec<&str> = entry.sites.iter().map(|s| s.as_str()).collect();
        format!("{} {} @ {}", hardware.id(), entry.mode.as_str(), written.join("+"))
    });
    Some(ProcurementOption {
        name,
        hardware,
        sites,
        mode: *entry.mode,
        price_usd: opt(&entry.price_usd),
        lease_usd_per_hour: opt(&entry.lease_usd_per_hour),
        max_per_quarter: entry.max_per_quarter.as_ref().map(|m| **m),
        available_from: entry
            .available_from
            .as_ref()
            .map_or(horizon.start, |q| **q)
            .max(horizon.start)
            .max(chip_available),
    })
}
