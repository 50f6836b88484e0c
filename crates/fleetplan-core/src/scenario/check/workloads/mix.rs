//! The model of a chat workload: its `model`, or a `mix` of models with traffic shares.
//!
//! A mix is expanded here into one resolved workload per model (id `WORKLOAD/MODEL`, e.g.
//! `doubao/qwen3-30b-a3b`): daily users scaled by the model's share of the requests, precision
//! and output tokens per request as the entry overrides them, every other setting shared. So the
//! evaluator, the planner and the simulator see ordinary single-model workloads.

use super::model;
use crate::catalog::{Catalog, LlmId};
use crate::scenario::check::{Checker, SHARE_TOLERANCE};
use crate::scenario::file::{WorkloadEntry, WorkloadKind};
use crate::scenario::{ChatWorkload, MixShare, Spanned, Workload, WorkloadSpec};
use crate::units::Precision;
use std::ops::Range;

/// One model a chat workload is served with, checked.
pub(super) struct MixPart {
    /// The model.
    pub model: LlmId,
    /// Share of the workload's requests, fraction (1 for a workload without a mix).
    pub share: f64,
    /// Precision override of a mix entry.
    pub precision: Option<Precision>,
    /// Output tokens per request override of a mix entry.
    pub output_tokens_per_request: Option<f64>,
    /// Span of the model id (where a problem of this part is shown).
    pub span: Range<usize>,
    /// Dotted path of the part (`workload[2].mix[1]`; the workload's path without a mix).
    pub path: String,
}

/// Resolved workloads an entry becomes: one per model of its mix, else one. Used to find the
/// position of a workload of the file among the resolved workloads (fleet `training`
/// references).
pub(in crate::scenario::check) fn expanded_len(entry: &WorkloadEntry) -> usize {
    match &entry.mix {
        Some(mix) if *entry.kind == WorkloadKind::Chat && entry.model.is_none() => mix.len(),
        _ => 1,
    }
}

/// The models of a chat workload: its `model` (one part with share 1), or its `mix` checked
/// entry by entry (models resolved with did-you-mean, shares positive and summing to 1, no model
/// twice); `None` after reporting every problem.
pub(super) fn parts(checker: &mut Checker, catalog: &Catalog, entry: &WorkloadEntry, path: &str) -> Option<Vec<MixPart>> {
    let kind = *entry.kind;
    match (&entry.model, &entry.mix) {
        (Some(model), None) => {
            let model_path = format!("{path}.model");
            let id = model::language(checker, catalog, kind, model, &model_path)?;
            let part = MixPart {
                model: id,
                share: 1.0,
                precision: None,
                output_tokens_per_request: None,
                span: model.span(),
                path: path.to_string(),
            };
            Some(vec![part])
        }
        (Some(_), Some(mix)) => {
            checker.error(
                mix.span(),
                &format!("{path}.mix"),
                format!("chat workload `{}` gives both `model` and `mix`", entry.id.get()),
                "model given twice",
                "keep `model` for one model, or `mix` for several with their shares of the requests".into(),
            );
            None
        }
        (None, Some(mix)) => mix_parts(checker, catalog, entry, mix, path),
        (None, None) => model::named(checker, entry, path).and(None),
    }
}

/// The entries of a `mix`, checked; `None` after reporting every problem.
fn mix_parts(
    checker: &mut Checker,
    catalog: &Catalog,
    entry: &WorkloadEntry,
    mix: &Spanned<Vec<crate::scenario::file::MixEntry>>,
    path: &str,
) -> Option<Vec<MixPart>> {
    let mix_path = format!("{path}.mix");
    if mix.is_empty() {
        checker.error(
            mix.span(),
            &mix_path,
            format!("the mix of chat workload `{}` is empty", entry.id.get()),
            "no models",
            "list at least one model: mix = [{ model = \"qwen3-30b-a3b\", share = 1.0 }]".into(),
        );
        return None;
    }
    let mut ok = true;
    let mut parts: Vec<MixPart> = Vec::new();
    for (index, given) in mix.iter().enumerate() {
        let part_path = format!("{mix_path}[{index}]");
        let model = model::language(checker, catalog, *entry.kind, &given.model, &format!("{part_path}.model"));
        ok &= checker.positive(&given.share, &format!("{part_path}.share"), "a mix share");
        if let Some(output) = &given.output_tokens_per_request {
            ok &= checker.positive(output, &format!("{part_path}.output_tokens_per_request"), "output tokens");
        }
        let Some(model) = model else {
            ok = false;
            continue;
        };
        if let Some(first) = parts.iter().find(|p| p.model == model) {
            ok = false;
            let first_written = checker.written(&first.span);
            checker.error(
                given.model.span(),
                &format!("{part_path}.model"),
                format!("model `{}` is in the mix twice (as {first_written} before)", model.as_str()),
                "model repeated",
                "give each model once, with the sum of its shares".into(),
            );
            continue;
        }
        parts.push(MixPart {
            model,
            share: *given.share,
            precision: given.precision.as_ref().map(|p| **p),
            output_tokens_per_request: given.output_tokens_per_request.as_ref().map(|o| **o),
            span: given.model.span(),
            path: part_path,
        });
    }
    let sum: f64 = mix.iter().map(|given| *given.share).sum();
    if !sum.is_finite() || (sum - 1.0).abs() > SHARE_TOLERANCE {
        ok = false;
        checker.error(
            mix.span(),
            &mix_path,
            format!("mix shares sum to {sum:.4} ({:.1} %), not 1", sum * 100.0),
            "shares must sum to 1",
            "make the models' shares of the requests add up to 1 (e.g. 0.6 and 0.4)".into(),
        );
    }
    ok.then_some(parts)
}

/// The workloads of a checked chat entry: `base` (checked with the first part's model) as is
/// for a workload without a mix, else one workload per part with its overrides. A part whose
/// model or output length breaks a request setting of the workload (the longest output against
/// the model's context) is reported at the part; `None` then.
pub(super) fn expand(
    checker: &mut Checker,
    catalog: &Catalog,
    entry: &WorkloadEntry,
    base: Workload,
    parts: &[MixPart],
) -> Option<Vec<Workload>> {
    let WorkloadSpec::Chat(chat) = &base.spec else { return Some(vec![base]) };
    if entry.mix.is_none() {
        return Some(vec![base]);
    }
    let mut ok = true;
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        let mut spec: ChatWorkload = chat.clone();
        spec.model = part.model.clone();
        spec.precision = part.precision.unwrap_or(chat.precision);
        spec.output_tokens_per_request = part.output_tokens_per_request.unwrap_or(chat.output_tokens_per_request);
        spec.daily_users = chat.daily_users * part.share;
        let context = f64::from(catalog[&part.model].max_context_tokens);
        for problem in spec.request.problems(spec.input_tokens_per_request, spec.output_tokens_per_request, context) {
            ok = false;
            checker.error(
                part.span.clone(),
                &format!("{}.model", part.path),
                format!(
                    "with model `{}` of the mix, `{}` must be {}, got {}",
                    part.model.as_str(),
                    problem.field,
                    problem.expected,
                    crate::format::given(problem.value)
                ),
                "breaks a request setting",
                "give this entry its own `output_tokens_per_request`, or change the workload's setting".into(),
            );
        }
        out.push(Workload {
            id: format!("{}/{}", base.id, part.model.as_str()),
            name: format!("{} ({})", base.name, part.model.as_str()),
            spec: WorkloadSpec::Chat(spec),
            mix: Some(MixShare { of: base.id.clone(), share: part.share }),
        });
    }
    ok.then_some(out)
}
