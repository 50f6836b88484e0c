//! `[[workload]]`: ids, the fields each kind accepts, and the dispatch to one file per kind
//! ([`chat`], [`generation`] for image and video, [`training`]); [`model`] resolves the model id
//! for the kind, [`mix`] a chat workload's model or model mix (expanded into one workload per
//! model) and [`serving`] checks what chat, image and video share.

mod chat;
mod fields;
mod generation;
mod mix;
mod model;
mod serving;
mod training;

/// The scenario header (one US site, two quarters) the workload checks' unit tests put their
/// workloads under.
#[cfg(test)]
const TEST_HEADER: &str = r#"
[scenario]
name = "t"
currency = "USD"
start = "2025Q1"
quarters = 2
[buyer]
name = "b"
headquarters = "US"
[budget]
total = 1e9
[[site]]
id = "s1"
region = "us"
available_mw = 10
"#;

use super::Checker;
use super::header::Header;
use crate::catalog::Catalog;
use crate::scenario::file::{WorkloadEntry, WorkloadKind};
use crate::scenario::{Spanned, Workload};
use crate::units::Precision;
use std::collections::BTreeSet;

pub(super) use mix::expanded_len;

/// Check every `[[workload]]` entry; returns the workloads that resolved (a chat workload with a
/// model `mix` as one workload per model, see [`mix`]).
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
        for workload in checked.resolve(checker, catalog, header).unwrap_or_default() {
            if workload.mix.is_some() && !ids.insert(workload.id.clone()) {
                let span = entry.mix.as_ref().map_or(entry.entry_span.clone(), Spanned::span);
                checker.error(
                    span,
                    &format!("{path}.mix"),
                    format!("the mix makes workload id `{}`, which another workload has", workload.id),
                    "id taken",
                    "rename the other workload or this one".into(),
                );
            }
            workloads.push(workload);
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
    /// The workloads the entry resolves into (several for a chat model mix), or `None` after
    /// reporting its problems.
    fn resolve(&self, checker: &mut Checker, catalog: &Catalog, header: &Header) -> Option<Vec<Workload>> {
        let kind = *self.entry.kind;
        let fields_ok = fields::check(checker, self.entry, self.path);
        let precision = self.entry.precision.as_ref().map_or(Precision::Bf16, |p| **p);
        let workload = |spec| Workload {
            id: self.entry.id.get().clone(),
            name: self.entry.name.clone().unwrap_or_else(|| self.entry.id.get().clone()),
            spec,
            mix: None,
        };
        let spec = match kind {
            WorkloadKind::Chat => {
                let parts = mix::parts(checker, catalog, self.entry, self.path);
                let first = parts.as_ref().and_then(|p| p.first()).map(|p| p.model.clone());
                let serving = serving::check(checker, catalog, self.entry, self.path, &header.headquarters);
                let spec = chat::check(checker, self, catalog, first, precision, serving);
                let (spec, parts) = (spec?, parts?);
                return if fields_ok {
                    mix::expand(checker, catalog, self.entry, workload(spec), &parts)
                } else {
                    None
                };
            }
            WorkloadKind::Image | WorkloadKind::Video => {
                let model = model::diffusion(checker, catalog, self.entry, self.path);
                let serving = serving::check(checker, catalog, self.entry, self.path, &header.headquarters);
                generation::check(checker, self, model, serving)
            }
            WorkloadKind::Training => {
                let model = model::named(checker, self.entry, self.path)
                    .and_then(|model| model::language(checker, catalog, kind, model, &format!("{}.model", self.path)));
                training::check(checker, self, catalog, model, precision, &header.horizon)
            }
        };
        if fields_ok { spec.map(|spec| vec![workload(spec)]) } else { None }
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
