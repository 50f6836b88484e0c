//! `[[site]]`: the candidate sites, and the table of site ids that budget shares, options and
//! holdings refer to.

use super::header::Horizon;
use super::{Checker, opt};
use crate::catalog::Catalog;
use crate::scenario::file::SiteEntry;
use crate::scenario::{CommittedBuild, Site, SiteId, Spanned};
use crate::suggest::did_you_mean;
use std::collections::BTreeMap;

/// The checked sites and their ids.
pub(super) struct SiteTable {
    /// Resolved sites, in file order (all of them when no diagnostic was reported, so a
    /// position in the file is a position in this list).
    pub sites: Vec<Site>,
    /// Position in the file of each site id (the first, if an id is defined twice).
    positions: BTreeMap<String, usize>,
    /// (id, region) of every entry as written, in file order.
    written: Vec<(String, String)>,
}

impl SiteTable {
    /// Check a reference to a site defined in this file; reports it when undefined.
    pub fn reference(&self, checker: &mut Checker, id: &Spanned<String>, path: &str) -> Option<SiteId> {
        if let Some(position) = self.positions.get(id.get()) {
            return Some(SiteId::new(*position, id));
        }
        let defined = self.positions.keys().cloned().collect::<Vec<_>>().join(", ");
        let help = match did_you_mean(id, self.positions.keys().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`? sites defined in this file: {defined}"),
            None => format!("define it with [[site]] or use one of: {defined}"),
        };
        checker.error(
            id.span(),
            path,
            format!("site `{}` is not defined in this scenario", id.get()),
            "undefined site",
            help,
        );
        None
    }

    /// The sites whose region is written as `region`, in file order.
    pub fn in_region<'a>(&'a self, region: &'a str) -> impl Iterator<Item = SiteId> + 'a {
        self.written
            .iter()
            .enumerate()
            .filter(move |(_, (_, written_region))| written_region == region)
            .map(|(position, (id, _))| SiteId::new(position, id))
    }
}

/// Check every `[[site]]` entry.
pub(super) fn check(checker: &mut Checker, entries: &[SiteEntry], horizon: &Horizon, catalog: &Catalog) -> SiteTable {
    let mut table = SiteTable {
        sites: Vec::new(),
        positions: BTreeMap::new(),
        written: entries.iter().map(|e| (e.id.get().clone(), e.region.get().clone())).collect(),
    };
    if entries.is_empty() {
        checker.error(
            0..0,
            "site",
            "the scenario has no sites".into(),
            "add [[site]]",
            "add at least one `[[site]]` with id, region and available_mw".into(),
        );
    }
    for (index, entry) in entries.iter().enumerate() {
        let path = format!("site[{index}]");
        checker.local_id(&entry.id, &format!("{path}.id"), "site");
        if table.positions.contains_key(entry.id.get()) {
            checker.error(
                entry.id.span(),
                &format!("{path}.id"),
                format!("duplicate site id `{}`", *entry.id),
                "defined twice",
                "give every site a unique id".into(),
            );
        } else {
            table.positions.insert(entry.id.get().clone(), index);
        }
        if let Some(site) = site(checker, entry, &path, horizon, catalog) {
            table.sites.push(site);
        }
    }
    table
}

fn site(checker: &mut Checker, entry: &SiteEntry, path: &str, horizon: &Horizon, catalog: &Catalog) -> Option<Site> {
    let region = catalog
        .resolve_region(&entry.region)
        .map_err(|err| checker.unknown(entry.region.span(), &format!("{path}.region"), &err))
        .ok();
    checker.non_negative(&entry.available_mw, &format!("{path}.available_mw"), "available power");
    if let Some(buildable) = &entry.buildable_mw {
        checker.non_negative(buildable, &format!("{path}.buildable_mw"), "buildable power");
    }
    if let Some(price) = &entry.power_usd_per_kwh {
        checker.positive(price, &format!("{path}.power_usd_per_kwh"), "electricity price");
    }
    if let Some(pue) = &entry.pue
        && !(pue.is_finite() && (1.0..=3.0).contains(&**pue))
    {
        let written = checker.written(&pue.span());
        checker.error(
            pue.span(),
            &format!("{path}.pue"),
            format!("PUE must be between 1.0 and 3.0, got {written}"),
            "out of range",
            "PUE is facility power / IT power, e.g. 1.3".into(),
        );
    }
    Some(Site {
        id: entry.id.get().clone(),
        region: region?,
        available_mw: *entry.available_mw,
        buildable_mw: opt(&entry.buildable_mw).unwrap_or(0.0),
        power_usd_per_kwh: opt(&entry.power_usd_per_kwh),
        pue: opt(&entry.pue),
        builds: committed_builds(checker, entry, path, horizon),
    })
}

/// `[[site.build]]`: positive MW, non-negative capex; an online quarter after the horizon is
/// reported (it would add nothing).
fn committed_builds(checker: &mut Checker, entry: &SiteEntry, path: &str, horizon: &Horizon) -> Vec<CommittedBuild> {
    let mut builds = Vec::new();
    for (index, build) in entry.build.iter().enumerate() {
        let at = format!("{path}.build[{index}]");
        let mut ok = checker.positive(&build.mw, &format!("{at}.mw"), "committed build power");
        if let Some(capex) = &build.capex {
            ok &= checker.non_negative(capex, &format!("{at}.capex"), "committed build capex");
        }
        if *build.online > horizon.end {
            ok = false;
            checker.error(
                build.online.span(),
                &format!("{at}.online"),
                format!("committed build online in {} is after the horizon {}", *build.online, horizon.label),
                "after the horizon",
                "give an online quarter inside the horizon, or lengthen [scenario] quarters".into(),
            );
        }
        if ok {
            builds.push(CommittedBuild { mw: *build.mw, online: *build.online, capex: opt(&build.capex) });
        }
    }
    builds
}
