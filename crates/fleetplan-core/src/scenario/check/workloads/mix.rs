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
pub(super) fn parts(
    checker: &mut Checker,
    catalog: &Catalog,
    entry: &WorkloadEntry,
    path: &str,
) -> Option<Vec<MixPart>> {
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

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::diagnostic::Diagnostic;
    use crate::scenario::{Scenario, WorkloadSpec, validate};

    use super::super::TEST_HEADER as HEAD;

    const CHAT: &str = r#"
[[workload]]
id = "doubao"
kind = "chat"
daily_users = 1e6
requests_per_user_per_day = 10
input_tokens_per_request = 1000
output_tokens_per_request = 400
ttft_p99_ms = 1000
tpot_p99_ms = 50
"#;

    const TRAINING: &str = r#"
[[workload]]
id = "run"
kind = "training"
model = "llama-3.1-8b"
tokens = 1e12
deadline = 2025-06-30
[[fleet]]
chip = "h100-sxm"
site = "s1"
count = 64
mode = "buy"
from = "2025Q1"
training = "run"
"#;

    fn scenario(mix: &str, rest: &str) -> Result<Scenario, Vec<Diagnostic>> {
        validate("t.toml", &format!("{HEAD}{CHAT}{mix}\n{rest}"), &Catalog::builtin().unwrap())
    }

    /// The one diagnostic of a scenario with a bad mix: (dotted path, message, text it points at).
    fn problem(mix: &str) -> (String, String, String) {
        let text = format!("{HEAD}{CHAT}{mix}\n");
        let diags = validate("t.toml", &text, &Catalog::builtin().unwrap()).unwrap_err();
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let at = diags[0].span.clone().map_or(String::new(), |span| text[span].to_string());
        (diags[0].path.clone().unwrap_or_default(), diags[0].message.clone(), at)
    }

    #[test]
    fn a_mix_expands_into_one_workload_per_model_with_its_share_of_the_demand() {
        let mix = r#"mix = [{ model = "qwen3-30b-a3b", share = 0.6 },
       { model = "deepseek-r1", share = 0.4, precision = "fp8", output_tokens_per_request = 1200 }]
precision = "bf16""#;
        let s = scenario(mix, TRAINING).unwrap_or_else(|d| panic!("{d:#?}"));
        let ids: Vec<&str> = s.workloads.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["doubao/qwen3-30b-a3b", "doubao/deepseek-v3", "run"], "aliases resolve to the canonical id");
        let chat = |i: usize| match &s.workloads[i].spec {
            WorkloadSpec::Chat(c) => c.clone(),
            other => panic!("{other:#?}"),
        };
        let (lite, pro) = (chat(0), chat(1));
        assert_eq!((lite.daily_users, pro.daily_users), (600_000.0, 400_000.0));
        assert_eq!((lite.output_tokens_per_request, pro.output_tokens_per_request), (400.0, 1200.0));
        assert_eq!((lite.precision.to_string(), pro.precision.to_string()), ("bf16".into(), "fp8".into()));
        assert_eq!((lite.input_tokens_per_request, lite.tpot_p99_ms), (pro.input_tokens_per_request, pro.tpot_p99_ms));
        let share = s.workloads[1].mix.as_ref().unwrap();
        assert_eq!((share.of.as_str(), share.share), ("doubao", 0.4));
        assert_eq!(s.workloads[0].name, "doubao (qwen3-30b-a3b)");
        assert!(s.workloads[2].mix.is_none());
        // The fleet's training reference still names the training run behind the expanded mix.
        let run = s.fleet[0].training.as_ref().unwrap();
        assert_eq!((run.index(), s[run].id.as_str()), (2, "run"));
    }

    #[test]
    fn a_workload_with_one_model_is_not_renamed() {
        let s = scenario("model = \"qwen3-30b-a3b\"", "").unwrap_or_else(|d| panic!("{d:#?}"));
        assert_eq!(s.workloads.len(), 1);
        assert_eq!((s.workloads[0].id.as_str(), s.workloads[0].mix.is_none()), ("doubao", true));
    }

    #[test]
    fn mix_problems_are_located_with_what_is_valid() {
        let (path, message, at) =
            problem(r#"mix = [{ model = "qwen3-30b-a3b", share = 0.6 }, { model = "deepseek-v3", share = 0.3 }]"#);
        assert_eq!(path, "workload[0].mix");
        assert_eq!(message, "mix shares sum to 0.9000 (90.0 %), not 1");
        assert!(at.starts_with('[') && at.ends_with(']'), "{at}");
        let (path, message, at) = problem(r#"mix = [{ model = "qwen3-30b-a3", share = 1.0 }]"#);
        assert_eq!((path.as_str(), at.as_str()), ("workload[0].mix[0].model", "\"qwen3-30b-a3\""));
        assert!(message.contains("unknown model"), "{message}");
        let (path, _, at) =
            problem(r#"mix = [{ model = "qwen3-30b-a3b", share = 0 }, { model = "deepseek-v3", share = 1 }]"#);
        assert_eq!((path.as_str(), at.as_str()), ("workload[0].mix[0].share", "0"));
        let (path, message, _) =
            problem(r#"mix = [{ model = "deepseek-r1", share = 0.5 }, { model = "deepseek-v3", share = 0.5 }]"#);
        assert_eq!(path, "workload[0].mix[1].model");
        assert!(message.contains("twice"), "{message}");
        let (path, message, _) = problem(
            r#"model = "deepseek-v3"
mix = [{ model = "deepseek-v3", share = 1 }]"#,
        );
        assert_eq!((path.as_str(), message.contains("both `model` and `mix`")), ("workload[0].mix", true));
        let (path, message, _) = problem("");
        assert_eq!(path, "workload[0].model");
        assert!(message.contains("needs `model` (or a `mix` of models)"), "{message}");
        let (path, message, _) = problem("mix = []");
        assert_eq!((path.as_str(), message.contains("empty")), ("workload[0].mix", true));
        let (path, message, _) = problem(r#"mix = [{ model = "flux.1-dev", share = 1 }]"#);
        assert_eq!(path, "workload[0].mix[0].model");
        assert!(message.contains("diffusion"), "{message}");
        // An entry's longer output breaks the workload's longest output.
        let (path, message, _) = problem(
            "output_tokens_max = 800\nmix = [{ model = \"qwen3-30b-a3b\", share = 0.5 }, { model = \"deepseek-v3\", share = 0.5, output_tokens_per_request = 1200 }]",
        );
        assert_eq!(path, "workload[0].mix[1].model");
        assert!(message.contains("output_tokens_max") && message.contains("deepseek-v3"), "{message}");
    }

    #[test]
    fn a_mix_is_for_chat_workloads_only() {
        let text = format!(
            "{HEAD}[[workload]]\nid = \"run\"\nkind = \"training\"\nmix = [{{ model = \"llama-3.1-8b\", share = 1 }}]\ntokens = 1e12\ndeadline = 2025-06-30\n"
        );
        let diags = validate("t.toml", &text, &Catalog::builtin().unwrap()).unwrap_err();
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert!(messages.contains(&"`mix` does not apply to training workloads"), "{messages:#?}");
        assert!(messages.iter().any(|m| m.contains("needs `model`")), "{messages:#?}");
    }
}
