//! What options and holdings procure: `chip` xor `system` resolved against the catalog, the
//! price overrides that fit the mode (purchase price for buys, hourly rate for leases), and the
//! chip's availability quarter (nothing before it).

use super::Checker;
use crate::catalog::Catalog;
use crate::scenario::file::Mode;
use crate::scenario::{Hardware, Quarter, Spanned};
use std::ops::Range;

/// The `chip` / `system` fields of an option or fleet entry, with where the entry is.
pub(super) struct HardwareFields<'a> {
    /// `chip`, if given.
    pub chip: &'a Option<Spanned<String>>,
    /// `system`, if given.
    pub system: &'a Option<Spanned<String>>,
    /// Span of the whole entry (for "needs a chip or a system").
    pub entry_span: Range<usize>,
    /// Buy or lease.
    pub mode: Mode,
}

/// Resolve `chip` xor `system` against the catalog; checks that bought hardware is sold.
pub(super) fn check(checker: &mut Checker, catalog: &Catalog, fields: HardwareFields, path: &str) -> Option<Hardware> {
    let resolved = match (fields.chip, fields.system) {
        (Some(_), Some(system)) => {
            checker.error(
                system.span(),
                &format!("{path}.system"),
                "give `chip` or `system`, not both".into(),
                "both given",
                "remove `chip` (a system already names its accelerator) or `system`".into(),
            );
            None
        }
        (None, None) => {
            checker.error(
                fields.entry_span,
                path,
                "needs a `chip` or a `system`".into(),
                "no hardware",
                "add `chip = \"<accelerator id>\"` (e.g. h20) or `system = \"<system id>\"`".into(),
            );
            None
        }
        (Some(id), None) => chip(checker, catalog, id, path),
        (None, Some(id)) => system(checker, catalog, id, path),
    };
    let (hardware, span, sold) = resolved?;
    if fields.mode == Mode::Buy && !sold {
        checker.error(
            span,
            path,
            format!("`{}` is not sold, only rented as cloud capacity", hardware.id()),
            "cannot be bought",
            "use mode = \"lease\" for this hardware".into(),
        );
        return None;
    }
    Some(hardware)
}

/// A chip named directly: the hardware, where it is written, and whether it is sold.
fn chip(
    checker: &mut Checker,
    catalog: &Catalog,
    id: &Spanned<String>,
    path: &str,
) -> Option<(Hardware, Range<usize>, bool)> {
    match catalog.resolve_chip(id) {
        Ok(chip) => {
            let sold = catalog[&chip].sold;
            Some((Hardware { chip, system: None, accelerators_per_unit: 1 }, id.span(), sold))
        }
        Err(err) => {
            checker.unknown(id.span(), &format!("{path}.chip"), &err);
            None
        }
    }
}

/// A system: the hardware (with the accelerator inside), where it is written, whether it is sold.
fn system(
    checker: &mut Checker,
    catalog: &Catalog,
    id: &Spanned<String>,
    path: &str,
) -> Option<(Hardware, Range<usize>, bool)> {
    match catalog.resolve_system(id) {
        Ok(system_id) => {
            let system = &catalog[&system_id];
            // A system's accelerator is in the catalog (an integrity check of the catalog).
            let chip = match catalog.resolve_chip(&system.accelerator) {
                Ok(chip) => chip,
                Err(err) => {
                    checker.unknown(id.span(), &format!("{path}.system"), &err);
                    return None;
                }
            };
            let sold = catalog[&chip].sold;
            let accelerators_per_unit = system.accelerators_per_system.max(1);
            let hardware = Hardware { chip, system: Some(system_id), accelerators_per_unit };
            Some((hardware, id.span(), sold))
        }
        Err(err) => {
            checker.unknown(id.span(), &format!("{path}.system"), &err);
            None
        }
    }
}

/// Price overrides must match the mode and be positive.
pub(super) fn prices(
    checker: &mut Checker,
    mode: Mode,
    price: &Option<Spanned<f64>>,
    lease: &Option<Spanned<f64>>,
    path: &str,
) {
    if let Some(value) = price {
        if mode == Mode::Lease {
            checker.error(
                value.span(),
                &format!("{path}.price_usd"),
                "`price_usd` is a purchase price but mode is `lease`".into(),
                "not for leases",
                "use `lease_usd_per_hour` for leases, or mode = \"buy\"".into(),
            );
        } else {
            checker.positive(value, &format!("{path}.price_usd"), "a price");
        }
    }
    if let Some(value) = lease {
        if mode == Mode::Buy {
            checker.error(
                value.span(),
                &format!("{path}.lease_usd_per_hour"),
                "`lease_usd_per_hour` is a lease price but mode is `buy`".into(),
                "not for purchases",
                "use `price_usd` for purchases, or mode = \"lease\"".into(),
            );
        } else {
            checker.positive(value, &format!("{path}.lease_usd_per_hour"), "a lease price");
        }
    }
}

/// Nothing is held, bought or leased before its chip's `available` quarter (catalog): a located
/// error at `quarter`, the field saying when (`from` of a holding, `available_from` of an
/// option), naming the chip's first quarter, how firm it is, and the fix. `what` says what
/// starts then ("this holding starts", "this option opens"). Returns whether the quarter is fine.
pub(super) fn availability(
    checker: &mut Checker,
    catalog: &Catalog,
    hardware: &Hardware,
    quarter: &Spanned<Quarter>,
    path: &str,
    what: &str,
) -> bool {
    let chip = &catalog[&hardware.chip];
    if chip.available_in(**quarter) {
        return true;
    }
    let via = match &hardware.system {
        Some(system) => format!("`{system}` (with `{}`)", chip.id),
        None => format!("`{}`", chip.id),
    };
    checker.error(
        quarter.span(),
        path,
        format!("{via} is not available before {} ({}); {what} in {}", chip.available, chip.availability, **quarter),
        "before the chip is available",
        format!(
            "use {} or later here, or hardware available by {} (`fleetplan catalog chips --available {}`)",
            chip.available, **quarter, **quarter
        ),
    );
    false
}
