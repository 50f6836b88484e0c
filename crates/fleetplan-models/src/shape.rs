//! Per-model constants the performance models need: parameter groups, KV-cache bytes per
//! token and attention FLOPs per (query, context) token pair. Computed once per model from the
//! catalog's architecture fields; parameter counting itself stays in `fleetplan-core`
//! ([`LlmModel::layer_params`] and friends) and is only reused here.
//!
//! Models with local (sliding-window or chunked) attention layers cache and attend at most a
//! window of tokens in those layers: [`kv_bytes_per_sequence`], [`LlmShape::kv_tokens_held`],
//! [`LlmShape::decode_attended_tokens`] and [`LlmShape::causal_pairs`] bound them by the window.

use fleetplan_core::catalog::{Attention, LlmModel, LocalAttentionKind};
use fleetplan_core::units::Precision;

/// Bytes of KV cache one token occupies across all layers of `model` with the cache stored at
/// `kv_precision` (one home for this formula).
///
/// - MHA/GQA: `2 × layers × kv_heads × head_dim × bytes` (a K and a V vector per KV head).
/// - MLA: `layers × (kv_lora_rank + qk_rope_head_dim) × bytes` (one compressed latent plus the
///   decoupled RoPE key, shared by all heads).
///
/// Every layer is counted as caching every token: exact while the context fits the window of a
/// model's local-attention layers, an upper bound beyond it (see [`kv_bytes_per_sequence`]).
pub fn kv_bytes_per_token(model: &LlmModel, kv_precision: Precision) -> f64 {
    f64::from(model.layers) * kv_values_per_token_layer(model) * kv_precision.weight_bytes()
}

/// Bytes of KV cache one sequence of `context_tokens` tokens occupies across all layers, with
/// local-attention layers (sliding window or chunked) holding at most their window:
/// `values per token-layer × bytes × (global layers × c + local layers × min(c, window))`.
/// Equals `kv_bytes_per_token × c` for a model without local attention.
pub fn kv_bytes_per_sequence(model: &LlmModel, context_tokens: f64, kv_precision: Precision) -> f64 {
    kv_bytes_per_token(model, kv_precision) * LocalSpan::of(model).kv_tokens_held(context_tokens)
}

/// The local-attention layers of a model, as the fraction of layers they are and their window.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LocalSpan {
    /// Fraction of layers with local attention (0 when none).
    fraction: f64,
    /// Window or chunk length, tokens (0 when none).
    window_tokens: f64,
    /// Chunked (Llama 4) rather than sliding (gpt-oss).
    chunked: bool,
}

impl LocalSpan {
    fn of(model: &LlmModel) -> LocalSpan {
        match model.local_attention {
            Some(l) if model.layers > 0 && l.window_tokens > 0 => LocalSpan {
                fraction: f64::from(model.local_attention_layers()) / f64::from(model.layers),
                window_tokens: f64::from(l.window_tokens),
                chunked: l.kind == LocalAttentionKind::Chunked,
            },
            _ => LocalSpan { fraction: 0.0, window_tokens: 0.0, chunked: false },
        }
    }

    /// Layer mean of a quantity that is `full` in global layers and `local` in local ones.
    fn mean(&self, full: f64, local: f64) -> f64 {
        if self.fraction > 0.0 { (1.0 - self.fraction) * full + self.fraction * local } else { full }
    }

    fn kv_tokens_held(&self, context_tokens: f64) -> f64 {
        let c = context_tokens.max(0.0);
        self.mean(c, c.min(self.window_tokens))
    }

    fn decode_attended_tokens(&self, context_tokens: f64) -> f64 {
        let c = context_tokens.max(0.0);
        let local =
            if self.chunked && c >= 1.0 { (c - 1.0) % self.window_tokens + 1.0 } else { c.min(self.window_tokens) };
        self.mean(c, local)
    }

    fn causal_pairs(&self, seq_len: f64) -> f64 {
        let s = seq_len.max(0.0);
        let tri = |n: f64| n * (n + 1.0) / 2.0;
        let w = self.window_tokens;
        let local = if self.fraction <= 0.0 || s <= w {
            tri(s)
        } else if self.chunked {
            let full_chunks = (s / w).floor();
            full_chunks * tri(w) + tri(s - full_chunks * w)
        } else {
            tri(w) + (s - w) * w
        };
        self.mean(tri(s), local)
    }
}

/// Cached values (not bytes) per token per layer.
fn kv_values_per_token_layer(model: &LlmModel) -> f64 {
    match &model.attention {
        Attention::Mha | Attention::Gqa => 2.0 * f64::from(model.kv_heads) * f64::from(model.head_dim),
        Attention::Mla { kv_lora_rank, qk_rope_head_dim, .. } => f64::from(kv_lora_rank + qk_rope_head_dim),
    }
}

/// The KV-cache precision a deployment uses by default for a given weight/activation precision:
/// 8-bit formats (and FP4, whose deployments keep an FP8 cache) store KV in FP8; 16-bit and
/// weight-only formats store it in BF16. KV is never stored at 4 bits by default. Callers go
/// through [`ServingStack::default_kv_precision`](crate::infer::ServingStack::default_kv_precision),
/// which also knows the engines that keep the model's dtype.
pub(crate) fn default_kv_precision(precision: Precision) -> Precision {
    match precision {
        Precision::Fp8 | Precision::Int8 | Precision::Fp4 => Precision::Fp8,
        Precision::Bf16 | Precision::Fp16 | Precision::W4a16 => Precision::Bf16,
    }
}

/// Architecture constants of one LLM, grouped the way the performance models use them.
/// All parameter figures are counts (not bytes); FLOP figures are per layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LlmShape {
    /// Transformer layers.
    pub layers: f64,
    /// Layers with a dense FFN.
    pub dense_layers: f64,
    /// Layers with a mixture-of-experts FFN.
    pub moe_layers: f64,
    /// Residual-stream width.
    pub hidden: f64,
    /// Attention parameters of one layer.
    pub attn_params_layer: f64,
    /// FFN parameters of one dense layer.
    pub dense_ffn_params_layer: f64,
    /// Parameters every token uses in one MoE layer (shared experts and router).
    pub moe_always_params_layer: f64,
    /// Parameters of one routed expert.
    pub expert_params: f64,
    /// Routed experts per MoE layer (0 for dense models).
    pub experts: f64,
    /// Routed experts each token activates.
    pub active_experts: f64,
    /// Output-head parameters (`vocab × hidden`).
    pub head_params: f64,
    /// All parameters (weights held in memory), from the catalog's counting.
    pub total_params: f64,
    /// Parameters one token passes through, from the catalog's counting.
    pub active_params: f64,
    /// Parameters in routed experts, all layers together.
    pub routed_expert_params_total: f64,
    /// Cached values per token per layer.
    pub kv_values_per_token_layer: f64,
    /// Whether the KV cache splits across tensor-parallel ranks (MHA/GQA heads do; the MLA latent
    /// is replicated).
    pub kv_heads_for_sharding: f64,
    /// Attention FLOPs per (query, context) token pair per layer in decode (MLA: weight-absorbed
    /// form over the latent).
    pub attn_flops_pair_decode: f64,
    /// Attention FLOPs per (query, context) token pair per layer in prefill and training (MLA:
    /// decompressed multi-head form).
    pub attn_flops_pair_prefill: f64,
    /// Query-head count times head dimension (attention width), for activation sizing.
    pub attn_width: f64,
    /// FFN width one token passes through (dense: `ffn_hidden`; MoE: (top-k + shared) × expert width).
    pub ffn_width_active: f64,
    /// Vocabulary size.
    pub vocab: f64,
    /// Local-attention layers (sliding window or chunked) and their window.
    local: LocalSpan,
}

impl LlmShape {
    /// Constants of `model`.
    pub fn new(model: &LlmModel) -> LlmShape {
        let heads = f64::from(model.heads);
        let (pair_decode, pair_prefill, attn_width) = match &model.attention {
            Attention::Mha | Attention::Gqa => {
                let head_dim = f64::from(model.head_dim);
                (4.0 * heads * head_dim, 4.0 * heads * head_dim, heads * head_dim)
            }
            Attention::Mla { kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim, v_head_dim, .. } => {
                let kv_rank = f64::from(*kv_lora_rank);
                let rope = f64::from(*qk_rope_head_dim);
                let qk = f64::from(qk_nope_head_dim + qk_rope_head_dim);
                let v_dim = f64::from(*v_head_dim);
                (2.0 * heads * (2.0 * kv_rank + rope), 2.0 * heads * (qk + v_dim), heads * qk)
            }
        };
        let first = model.layer_params(0);
        let (dense_ffn, moe_always, per_expert, experts, active, dense_layers, moe_layers, ffn_active) = match &model
            .moe
        {
            Some(moe) => {
                let moe_layer = model.layer_params(moe.dense_layers);
                (
                    model.ffn_params(model.ffn_hidden),
                    moe_layer.ffn_always,
                    moe_layer.per_expert,
                    f64::from(moe.experts),
                    f64::from(moe.active_experts),
                    f64::from(moe.dense_layers),
                    f64::from(model.moe_layers()),
                    f64::from(moe.active_experts + moe.shared_experts) * f64::from(moe.expert_ffn_hidden),
                )
            }
            None => (first.ffn_always, 0.0, 0.0, 0.0, 0.0, f64::from(model.layers), 0.0, f64::from(model.ffn_hidden)),
        };
        let kv_heads_for_sharding = match model.attention {
            Attention::Mla { .. } => 1.0,
            _ => f64::from(model.kv_heads),
        };
        LlmShape {
            layers: f64::from(model.layers),
            dense_layers,
            moe_layers,
            hidden: f64::from(model.hidden_size),
            attn_params_layer: first.attention,
            dense_ffn_params_layer: dense_ffn,
            moe_always_params_layer: moe_always,
            expert_params: per_expert,
            experts,
            active_experts: active,
            head_params: f64::from(model.vocab_size) * f64::from(model.hidden_size),
            total_params: model.parameter_count(),
            active_params: model.active_parameter_count(),
            routed_expert_params_total: per_expert * experts * moe_layers,
            kv_values_per_token_layer: kv_values_per_token_layer(model),
            kv_heads_for_sharding,
            attn_flops_pair_decode: pair_decode,
            attn_flops_pair_prefill: pair_prefill,
            attn_width,
            ffn_width_active: ffn_active,
            vocab: f64::from(model.vocab_size),
            local: LocalSpan::of(model),
        }
    }

    /// Tokens of KV cache one sequence of `context_tokens` holds, averaged over layers: `c` in
    /// full-attention layers, `min(c, window)` in local ones. Multiply by
    /// `kv_values_per_token_layer × layers × bytes` for the sequence's KV bytes.
    pub fn kv_tokens_held(&self, context_tokens: f64) -> f64 {
        self.local.kv_tokens_held(context_tokens)
    }

    /// Keys a decode token at context `context_tokens` (itself included) attends, averaged over
    /// layers: `c` in full layers, `min(c, window)` in sliding ones, `(c − 1) mod window + 1` in
    /// chunked ones. Multiply by `attn_flops_pair_decode × layers` for the token's attention FLOPs.
    pub fn decode_attended_tokens(&self, context_tokens: f64) -> f64 {
        self.local.decode_attended_tokens(context_tokens)
    }

    /// Causal (query, key) pairs of one sequence of `seq_len` tokens, averaged over layers:
    /// `s(s + 1)/2` in full layers; sliding beyond the window `W(W + 1)/2 + (s − W)·W`; chunked
    /// `⌊s/W⌋·W(W + 1)/2 + r(r + 1)/2` with `r` the tokens of the last, partial chunk. Multiply by
    /// `attn_flops_pair_prefill × layers` for the sequence's prefill attention FLOPs.
    pub fn causal_pairs(&self, seq_len: f64) -> f64 {
        self.local.causal_pairs(seq_len)
    }

    /// Whether the model is a mixture of experts.
    pub fn is_moe(&self) -> bool {
        self.experts > 0.0
    }

    /// Parameters used by every token in all layers, excluding routed experts and the
    /// embedding/head (attention, dense FFNs, shared experts, routers).
    pub fn always_params_layers(&self) -> f64 {
        self.layers * self.attn_params_layer
            + self.dense_layers * self.dense_ffn_params_layer
            + self.moe_layers * self.moe_always_params_layer
    }

    /// Linear-layer FLOPs per token in a forward pass: `2 × (active params in GEMMs)`, i.e.
    /// every parameter a token passes through (routed experts: top-k) plus the output head.
    pub fn forward_gemm_flops_per_token(&self) -> f64 {
        2.0 * (self.always_params_layers()
            + self.moe_layers * self.active_experts * self.expert_params
            + self.head_params)
    }

    /// Expected distinct routed experts one MoE layer reads when `tokens` tokens are routed
    /// top-k among E experts uniformly: `E · (1 − (1 − k/E)^tokens)`.
    pub fn experts_hit(&self, tokens: f64) -> f64 {
        if self.experts <= 0.0 || tokens <= 0.0 {
            return 0.0;
        }
        self.experts * (1.0 - (1.0 - self.active_experts / self.experts).powf(tokens))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use fleetplan_core::catalog::CatalogFile;

    /// Test models with published architectures, as catalog TOML (independent of models.toml).
    pub(crate) const TEST_MODELS: &str = include_str!("../tests/data/test-catalog.toml");

    pub(crate) fn test_model(id: &str) -> LlmModel {
        let file = CatalogFile::parse("test-catalog.toml", TEST_MODELS).expect("test catalog parses");
        file.llm.into_iter().find(|m| m.id == id).expect("model in test catalog")
    }

    #[test]
    fn kv_bytes_llama2_70b_gqa_matches_hand_calculation() {
        // 2 × 80 layers × 8 KV heads × 128 dims × 2 bytes = 327,680 bytes per token in BF16.
        let m = test_model("llama-2-70b");
        assert_eq!(kv_bytes_per_token(&m, Precision::Bf16), 327_680.0);
        assert_eq!(kv_bytes_per_token(&m, Precision::Fp8), 163_840.0);
    }

    #[test]
    fn kv_bytes_deepseek_v3_mla_matches_hand_calculation() {
        // 61 layers × (512 latent + 64 RoPE key) × 2 bytes = 70,272 bytes per token in BF16.
        let m = test_model("deepseek-v3");
        assert_eq!(kv_bytes_per_token(&m, Precision::Bf16), 70_272.0);
    }

    /// Llama-2-70B (4,096 KV bytes per token-layer in BF16) with every other layer local.
    fn with_local(kind: LocalAttentionKind, window_tokens: u32) -> LlmModel {
        use fleetplan_core::catalog::LocalAttention;
        let local = LocalAttention { kind, window_tokens, global_every: 2 };
        LlmModel { local_attention: Some(local), ..test_model("llama-2-70b") }
    }

    #[test]
    fn local_attention_bounds_kv_and_attention_by_the_window() {
        let full = test_model("llama-2-70b");
        let sliding = with_local(LocalAttentionKind::Sliding, 1000);
        // Within the window nothing changes: 327,680 bytes per token.
        assert_eq!(kv_bytes_per_sequence(&sliding, 500.0, Precision::Bf16), 327_680.0 * 500.0);
        assert_eq!(kv_bytes_per_sequence(&full, 10_000.0, Precision::Bf16), 327_680.0 * 10_000.0);
        // Beyond it the 40 local layers hold 1,000 tokens: 4,096 × (40 × 10,000 + 40 × 1,000).
        assert_eq!(kv_bytes_per_sequence(&sliding, 10_000.0, Precision::Bf16), 4096.0 * 440_000.0);
        let s = LlmShape::new(&sliding);
        assert_eq!(s.kv_tokens_held(10_000.0), 5_500.0);
        assert_eq!(s.decode_attended_tokens(2_500.0), (2_500.0 + 1_000.0) / 2.0);
        // Prefill of 3,000 tokens: full 3,000·3,001/2 = 4,501,500; sliding 500,500 + 2,000 × 1,000.
        assert_eq!(s.causal_pairs(3_000.0), (4_501_500.0 + 2_500_500.0) / 2.0);
        // Chunked: 2,500 tokens = 2 full chunks of 1,000 + 500; the last token sees 500 keys.
        let c = LlmShape::new(&with_local(LocalAttentionKind::Chunked, 1000));
        assert_eq!(c.causal_pairs(2_500.0), (3_126_250.0 + 2.0 * 500_500.0 + 125_250.0) / 2.0);
        assert_eq!(c.decode_attended_tokens(2_500.0), (2_500.0 + 500.0) / 2.0);
        assert_eq!(c.kv_tokens_held(2_500.0), (2_500.0 + 1_000.0) / 2.0);
        // Without local attention: the causal triangle and the whole context.
        let f = LlmShape::new(&full);
        assert_eq!(f.causal_pairs(3_000.0), 4_501_500.0);
        assert_eq!((f.kv_tokens_held(7.0), f.decode_attended_tokens(7.0)), (7.0, 7.0));
    }

    #[test]
    fn experts_hit_grows_from_k_to_e() {
        let s = LlmShape::new(&test_model("deepseek-v3"));
        assert!((s.experts_hit(1.0) - 8.0).abs() < 1e-9);
        assert!(s.experts_hit(10_000.0) > 255.99);
        assert!(s.experts_hit(16.0) < s.experts_hit(64.0));
    }

    #[test]
    fn forward_flops_near_twice_active_params() {
        let s = LlmShape::new(&test_model("llama-2-70b"));
        let f = s.forward_gemm_flops_per_token();
        // 2 × ~69B, minus the input embedding lookup (not a GEMM).
        assert!((f / 2.0 - 68.7e9).abs() / 68.7e9 < 0.02, "{f}");
    }
}
