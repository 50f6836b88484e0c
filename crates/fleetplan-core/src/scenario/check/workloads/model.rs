//! The model a workload names, resolved for its kind: a language model for chat and training, a
//! diffusion model of the right modality for image and video, with a hint when the id names a
//! model of the other kind.

use crate::catalog::{Catalog, DiffusionId, LlmId, Modality};
use crate::scenario::Spanned;
use crate::scenario::check::{Checker, list};
use crate::scenario::file::{WorkloadEntry, WorkloadKind};

/// The model id a workload names in `model`: reported when missing (a chat workload may give
/// `mix` instead; [`super::mix`] checks that case).
pub(super) fn named<'a>(checker: &mut Checker, entry: &'a WorkloadEntry, path: &str) -> Option<&'a Spanned<String>> {
    if entry.model.is_none() {
        let or_mix = if *entry.kind == WorkloadKind::Chat { " (or a `mix` of models)" } else { "" };
        checker.error(
            entry.entry_span.clone(),
            &format!("{path}.model"),
            format!("{} workload `{}` needs `model`{or_mix}", entry.kind.as_str(), entry.id.get()),
            "missing field",
            "add `model = \"<catalog model id>\"`; `fleetplan catalog models` lists them".into(),
        );
    }
    entry.model.as_ref()
}

/// The language model `model` (at `model_path`) of a chat or training workload of `kind`
/// (canonical id, aliases resolved).
pub(super) fn language(
    checker: &mut Checker,
    catalog: &Catalog,
    kind: WorkloadKind,
    model: &Spanned<String>,
    model_path: &str,
) -> Option<LlmId> {
    let model_id = model.get().as_str();
    let err = match catalog.resolve_llm(model_id) {
        Ok(model) => return Some(model),
        Err(err) => err,
    };
    if let Some(wrong) = catalog.not_a_language_model(model_id) {
        let modality = wrong.modality;
        checker.error(
            model.span(),
            model_path,
            wrong.message(&format!("{} workloads need", kind.as_str())),
            "wrong kind of model",
            format!("use a language model ({}) or kind = \"{modality}\"", list(&err.known)),
        );
    } else {
        checker.unknown(model.span(), model_path, &err);
    }
    None
}

/// The diffusion model of an image or video workload; it must generate that modality.
pub(super) fn diffusion(
    checker: &mut Checker,
    catalog: &Catalog,
    entry: &WorkloadEntry,
    path: &str,
) -> Option<DiffusionId> {
    let kind = *entry.kind;
    let want = if kind == WorkloadKind::Image { Modality::Image } else { Modality::Video };
    let model = named(checker, entry, path)?;
    let model_id = model.get().as_str();
    let model_path = format!("{path}.model");
    match catalog.resolve_diffusion(model_id) {
        Ok(model) if catalog[&model].modality == want => Some(model),
        Ok(_) => {
            let fits: Vec<String> =
                catalog.diffusion_models.iter().filter(|m| m.modality == want).map(|m| m.id.clone()).collect();
            checker.error(
                model.span(),
                &model_path,
                format!(
                    "model `{model_id}` does not generate {}",
                    if want == Modality::Image { "images" } else { "video" }
                ),
                "wrong modality",
                format!("use one of: {}", list(&fits)),
            );
            None
        }
        Err(err) => {
            if catalog.llm(model_id).is_ok() {
                checker.error(
                    model.span(),
                    &model_path,
                    format!(
                        "model `{model_id}` is a language model, but {} workloads need a diffusion model",
                        kind.as_str()
                    ),
                    "wrong kind of model",
                    format!("use a diffusion model ({}) or kind = \"chat\"", list(&err.known)),
                );
            } else {
                checker.unknown(model.span(), &model_path, &err);
            }
            None
        }
    }
}
