//! Checks that every catalogued model's architecture reproduces the parameter count its developer
//! publishes: `LlmModel::parameter_count()` (and, for MoE models, `active_parameter_count()`)
//! within 2 % of `published_params_b` / `published_active_params_b`. A wrong layer count, FFN
//! width, vocabulary or expert layout moves the count by far more than 2 %.

use fleetplan_core::catalog::Catalog;

/// Largest accepted relative gap between the derived and the published LLM count.
const TOLERANCE: f64 = 0.02;

/// Largest accepted gap for diffusion denoisers: developers publish them rounded to the billion
/// ("12B", "14B", "13B"), so half a unit of rounding on ~13 B adds ~4 %.
const DIFFUSION_TOLERANCE: f64 = 0.05;

/// Models the performance engine and the validation cases rely on; each must be in the catalog.
const REQUIRED_LLMS: &[&str] = &[
    "llama-2-70b",
    "llama-3.1-8b",
    "llama-3.1-70b",
    "llama-3.3-70b",
    "llama-3.1-405b",
    "mixtral-8x7b",
    "gpt-j-6b",
    "deepseek-v3",
    "qwen2.5-72b",
    "gpt-3-175b",
    "gpt-1t",
    "palm-540b",
];

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog parses")
}

/// One row of the comparison table: model, what was compared, derived and published billions.
struct Row {
    id: String,
    what: &'static str,
    derived_b: f64,
    published_b: f64,
}

impl Row {
    fn rel_gap(&self) -> f64 {
        (self.derived_b - self.published_b).abs() / self.published_b
    }

    fn ok(&self, tolerance: f64) -> bool {
        self.derived_b.is_finite() && self.rel_gap() <= tolerance
    }
}

fn table(rows: &[Row], tolerance: f64) -> String {
    let mut s =
        format!("{:<22} {:<7} {:>12} {:>12} {:>8}  status\n", "model", "count", "derived B", "published B", "gap %");
    for r in rows {
        s.push_str(&format!(
            "{:<22} {:<7} {:>12.3} {:>12.3} {:>8.2}  {}\n",
            r.id,
            r.what,
            r.derived_b,
            r.published_b,
            100.0 * r.rel_gap(),
            if r.ok(tolerance) { "ok" } else { "OUT OF TOLERANCE" }
        ));
    }
    s
}

#[test]
fn llm_parameter_counts_match_published_figures() {
    let catalog = catalog();
    let mut rows = Vec::new();
    for m in &catalog.llms {
        rows.push(Row {
            id: m.id.clone(),
            what: "total",
            derived_b: m.parameter_count() / 1e9,
            published_b: m.published_params_b,
        });
        if let Some(active) = m.published_active_params_b {
            rows.push(Row {
                id: m.id.clone(),
                what: "active",
                derived_b: m.active_parameter_count() / 1e9,
                published_b: active,
            });
        }
    }
    assert!(!rows.is_empty(), "no LLMs in the catalog");
    assert!(
        rows.iter().all(|r| r.ok(TOLERANCE)),
        "derived vs published parameter counts (tolerance 2 %):\n{}",
        table(&rows, TOLERANCE)
    );
}

#[test]
fn diffusion_denoiser_sizes_match_published_figures() {
    let catalog = catalog();
    let rows: Vec<Row> = catalog
        .diffusion_models
        .iter()
        .map(|m| Row {
            id: m.id.clone(),
            what: "denoise",
            derived_b: m.denoiser_params_b,
            published_b: m.published_params_b,
        })
        .collect();
    assert!(!rows.is_empty(), "no diffusion models in the catalog");
    assert!(
        rows.iter().all(|r| r.ok(DIFFUSION_TOLERANCE)),
        "denoiser vs published parameter counts (tolerance 5 %):\n{}",
        table(&rows, DIFFUSION_TOLERANCE)
    );
}

#[test]
fn required_models_are_catalogued() {
    let catalog = catalog();
    let missing: Vec<&str> = REQUIRED_LLMS.iter().copied().filter(|id| catalog.llm(id).is_err()).collect();
    assert!(missing.is_empty(), "missing LLMs: {missing:?}");
    use fleetplan_core::catalog::Modality;
    assert!(catalog.diffusion_models.iter().any(|m| m.modality == Modality::Image), "no image diffusion model");
    assert!(catalog.diffusion_models.iter().any(|m| m.modality == Modality::Video), "no video diffusion model");
}

#[test]
fn moe_models_activate_fewer_parameters_and_dense_models_all() {
    let catalog = catalog();
    for m in &catalog.llms {
        let (total, active) = (m.parameter_count(), m.active_parameter_count());
        if m.is_moe() {
            assert!(active < total, "{}: MoE active {active} should be below total {total}", m.id);
            assert!(m.published_active_params_b.is_some(), "{}: MoE model needs published_active_params_b", m.id);
        } else {
            assert_eq!(active, total, "{}: dense model active count must equal total", m.id);
        }
    }
}

#[test]
fn deepseek_v3_layout_matches_the_paper() {
    let catalog = catalog();
    let m = catalog.llm("deepseek-r1").expect("alias resolves");
    assert_eq!(m.id, "deepseek-v3");
    assert_eq!(m.layers, 61);
    assert_eq!(m.moe_layers(), 58, "first 3 of 61 layers are dense");
    let dense = m.layer_params(0);
    let moe = m.layer_params(3);
    assert_eq!((dense.experts, moe.experts), (0, 256));
    // One expert: 3 × 7168 × 2048 (SwiGLU, no bias).
    assert_eq!(moe.per_expert, 3.0 * 7168.0 * 2048.0);
}

#[test]
fn video_latent_tokens_follow_the_documented_derivation() {
    let catalog = catalog();
    let wan = catalog.diffusion("wan2.1-t2v-14b").expect("wan2.1 catalogued");
    // 81 frames → 1 + 80/4 = 21 latent frames; 720×1280 / (8 VAE × 2 patch) = 45 × 80 per frame.
    assert_eq!(wan.latent_tokens_per_item, 21 * 45 * 80);
    let flux = catalog.diffusion("flux.1-dev").expect("flux catalogued");
    // 1024² / (8 VAE × 2 patch)² = 64 × 64 latent tokens.
    assert_eq!(flux.latent_tokens_per_item, 64 * 64);
}
