//! `[[workload]]`: ids, the fields each kind accepts, and the dispatch to one file per kind
//! ([`chat`], [`generation`] for image and video, [`training`]); [`model`] resolves the model id
//! for the kind and [`serving`] checks what chat, image and video share.

mod chat;
mod fields;
mod generation;
mod model;
mod serving;
mod training;

use super::Checker;
use super::header::Header;
use crate::catalog::Catalog;
use crate::scenario::file::{WorkloadEntry, WorkloadKind};
use crate::scenario::{Spanned, Workload, WorkloadSpec};
use crate::units::Precision;
use std::collections::BTreeSet;

/// Check every `[[workload]]` entry; returns the workloads that resolved.
pub(super) fn check(
    checker: &mut Checker,
    entries: &[WorkloadEntry],
    header: &Header,
    catalog: &Catalog,
) -> Vec<Workload> {
    let mut workloads = Vec::new();
    let mut ids = BTreeSet::new();
    for (index, entry) in entries.iter().enumerate() {
        let path = format!("workload[{index}]");
        checker.local_id(&entry.id, &format!("{path}.id"), "workload");
        if !ids.insert(entry.id.get().clone()) {
            checker.error(
                entry.id.span(),
                &format!("{path}.id"),
                format!("duplicate workload id `{}`", *entry.id),
                "defined twice",
                "give every workload a unique id".into(),
            );
        }
        let checked = CheckedEntry { entry, path: &path };
        if let Some(spec) = checked.spec(checker, catalog, header) {
            workloads.push(Workload {
                id: entry.id.get().clone(),
                name: entry.name.clone().unwrap_or_else(|| entry.id.get().clone()),
                spec,
            });
        }
    }
    workloads
}

/// One workload entry being checked, with its dotted path (`workload[3]`).
struct CheckedEntry<'a> {
    /// The entry as parsed.
    entry: &'a WorkloadEntry,
    /// Dotted path of the entry.
    path: &'a str,
}

impl CheckedEntry<'_> {
    /// The kind-specific part of the workload, or `None` after reporting its problems.
    fn spec(&self, checker: &mut Checker, catalog: &Catalog, header: &Header) -> Option<WorkloadSpec> {
        let kind = *self.entry.kind;
        let fields_ok = fields::check(checker, self.entry, self.path);
        let precision = self.entry.precision.as_ref().map_or(Precision::Bf16, |p| **p);
        let spec = match kind {
            WorkloadKind::Chat => {
                let model = model::language(checker, catalog, self.entry, self.path);
                let serving = serving::check(checker, catalog, self.entry, self.path, &header.headquarters);
                chat::check(checker, self, catalog, model, precision, serving)
            }
            WorkloadKind::Image | WorkloadKind::Video => {
                let model = model::diffusion(checker, catalog, self.entry, self.path);
                let serving = serving::check(checker, catalog, self.entry, self.path, &header.headquarters);
                generation::check(checker, self, model, serving)
            }
            WorkloadKind::Training => {
                let model = model::language(checker, catalog, self.entry, self.path);
                training::check(checker, self, catalog, model, precision, &header.horizon)
            }
        };
        if fields_ok { spec } else { None }
    }

    /// A required positive number: reports it when missing or not positive.
    fn need(&self, checker: &mut Checker, value: &Option<Spanned<f64>>, field: &str) -> Option<f64> {
        let path = self.path;
        match value {
            None => {
                checker.error(
                    self.entry.entry_span.clone(),
                    &format!("{path}.{field}"),
                    format!("{} workload `{}` needs `{field}`", self.entry.kind.as_str(), self.entry.id.get()),
                    "missing field",
                    format!("add `{field} = <number>`; see docs/scenario.md"),
                );
                None
            }
            Some(x) => checker.positive(x, &format!("{path}.{field}"), &format!("`{field}`")).then_some(**x),
        }
    }
}
