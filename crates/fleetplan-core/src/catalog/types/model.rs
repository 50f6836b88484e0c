//! Models: transformer LLMs (dense and MoE, MHA/GQA/MLA attention) and diffusion models for
//! images and video, with the architecture needed to count parameters, bytes and FLOPs.
//!
//! Parameter counting lives here (one home); KV-cache bytes and FLOPs per token live in the
//! performance model (`fleetplan-models`), which reads these fields.

use super::common::{Provenance, check_positive, check_positive_opt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Attention variant, which decides the KV cache per token and the attention projections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Attention {
    /// Multi-head attention: one K and V head per query head (`kv_heads == heads`).
    Mha,
    /// Grouped-query attention (`kv_heads < heads`; multi-query when `kv_heads == 1`).
    Gqa,
    /// Multi-head latent attention (DeepSeek-V2/V3): K and V are compressed into a latent of
    /// `kv_lora_rank` plus a decoupled RoPE key of `qk_rope_head_dim`, cached per token per layer.
    Mla {
        /// Rank of the query compression (0 = queries not compressed).
        q_lora_rank: u32,
        /// Rank of the joint KV compression (the cached latent width).
        kv_lora_rank: u32,
        /// Per-head query/key dimension without rotary embedding.
        qk_nope_head_dim: u32,
        /// Per-head (shared for keys) rotary dimension.
        qk_rope_head_dim: u32,
        /// Per-head value dimension.
        v_head_dim: u32,
    },
}

/// Mixture-of-experts layout of the FFN blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Moe {
    /// Routed experts per MoE layer.
    pub experts: u32,
    /// Routed experts each token activates (top-k).
    pub active_experts: u32,
    /// Shared experts every token passes through.
    pub shared_experts: u32,
    /// Hidden width of one expert's FFN.
    pub expert_ffn_hidden: u32,
    /// The first `dense_layers` layers use a dense FFN of `ffn_hidden` instead of experts.
    pub dense_layers: u32,
    /// After the dense layers, every `layer_step`-th layer is a MoE layer and the others use the
    /// dense FFN (Llama 4 Maverick: 2 → layers 1, 3, 5, …). 0 or 1: every layer is MoE.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub layer_step: u32,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

impl Moe {
    /// Whether layer `index` (0-based) of a model with this layout routes to experts.
    pub fn is_moe_layer(&self, index: u32) -> bool {
        let step = self.layer_step.max(1);
        index >= self.dense_layers && (index - self.dense_layers + 1).is_multiple_of(step)
    }
}

/// How the local layers of a [`LocalAttention`] model limit the keys a query sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LocalAttentionKind {
    /// Sliding window: a query attends the last `window_tokens` tokens, itself included
    /// (Mistral 7B, gpt-oss).
    Sliding,
    /// Chunked: the sequence is cut into blocks of `window_tokens`; a query attends only the
    /// tokens of its own block up to itself (Llama 4 iRoPE layers).
    Chunked,
}

/// Attention layers that see only a local span of the context, interleaved with full
/// (global) attention layers. Changes no parameter count; it bounds the KV cache and the
/// attention work of the local layers (the performance model reads it in `models::shape`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalAttention {
    /// Sliding window or chunked.
    pub kind: LocalAttentionKind,
    /// Window (sliding) or block (chunked) length, tokens.
    pub window_tokens: u32,
    /// Every `global_every`-th layer keeps full attention (0-based layers `global_every − 1`,
    /// `2·global_every − 1`, …; gpt-oss: 2 → layers 1, 3, 5, …; Llama 4: 4 → 3, 7, …); the
    /// others are local. 0: every layer is local.
    pub global_every: u32,
}

impl LocalAttention {
    /// Whether layer `index` (0-based) attends only locally.
    pub fn is_local_layer(&self, index: u32) -> bool {
        self.global_every == 0 || !(index + 1).is_multiple_of(self.global_every)
    }
}

/// A decoder-only transformer language model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LlmModel {
    /// Catalog id, e.g. `llama-2-70b`.
    pub id: String,
    /// Other ids that name the same architecture (e.g. `deepseek-r1` for `deepseek-v3`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Readable name.
    pub name: String,
    /// Transformer layers (blocks).
    pub layers: u32,
    /// Model (residual stream) width.
    pub hidden_size: u32,
    /// Query heads.
    pub heads: u32,
    /// Key/value heads (for MLA: equal to `heads`; the cache is the latent).
    pub kv_heads: u32,
    /// Per-head dimension of queries/keys/values for MHA/GQA (for MLA see its dims).
    pub head_dim: u32,
    /// Attention variant.
    pub attention: Attention,
    /// Dense FFN hidden width (for MoE models: of the dense layers).
    pub ffn_hidden: u32,
    /// Gated FFN (SwiGLU/GeGLU: three matrices) or plain (two matrices).
    pub ffn_gated: bool,
    /// All linear layers (Q/K/V/output projections and both FFN matrices) carry biases (GPT-2/3,
    /// Megatron GPT); adds a small count.
    #[serde(default)]
    pub linear_bias: bool,
    /// Only the Q, K and V projections carry biases (Qwen2/2.5). Implied by `linear_bias`.
    #[serde(default)]
    pub qkv_bias: bool,
    /// Rows of a learned absolute position-embedding table (GPT-3: 2048), 0 for rotary or other
    /// parameter-free position encodings.
    #[serde(default)]
    pub learned_position_embeddings: u32,
    /// Mixture-of-experts layout, absent for dense models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moe: Option<Moe>,
    /// Sliding-window or chunked attention layers, absent when every layer attends the whole
    /// context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_attention: Option<LocalAttention>,
    /// Vocabulary size.
    pub vocab_size: u32,
    /// Input embedding and output head share weights.
    pub tied_embeddings: bool,
    /// Longest context the model supports, tokens.
    pub max_context_tokens: u32,
    /// Published total parameter count, billions (checked against [`LlmModel::parameter_count`]).
    pub published_params_b: f64,
    /// Published active parameters per token, billions (MoE only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_active_params_b: Option<f64>,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// Parameters of one layer, split by what a token touches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerParams {
    /// Attention projections (and norms).
    pub attention: f64,
    /// FFN parameters every token uses (dense FFN, or shared experts + router in MoE layers).
    pub ffn_always: f64,
    /// Parameters of one routed expert (0 in dense layers).
    pub per_expert: f64,
    /// Routed experts in this layer (0 in dense layers).
    pub experts: u32,
}

impl LlmModel {
    /// Attention parameters of one layer (projections, biases, two norms).
    ///
    /// Norms are counted as one weight vector of `hidden_size` each (RMSNorm); LayerNorm biases
    /// and the single shared norm of parallel-layer models (GPT-J, PaLM) differ by a few
    /// `hidden_size` per layer, under 0.01 % of any catalogued model.
    pub fn attention_params_per_layer(&self) -> f64 {
        let h = f64::from(self.hidden_size);
        let heads = f64::from(self.heads);
        let norms = 2.0 * h;
        let proj = match &self.attention {
            Attention::Mha | Attention::Gqa => {
                let q = h * heads * f64::from(self.head_dim);
                let kv = 2.0 * h * f64::from(self.kv_heads) * f64::from(self.head_dim);
                let o = heads * f64::from(self.head_dim) * h;
                let qkv_bias = if self.linear_bias || self.qkv_bias {
                    (heads + 2.0 * f64::from(self.kv_heads)) * f64::from(self.head_dim)
                } else {
                    0.0
                };
                let o_bias = if self.linear_bias { h } else { 0.0 };
                q + kv + o + qkv_bias + o_bias
            }
            Attention::Mla { q_lora_rank, kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim, v_head_dim } => {
                let qk_dim = f64::from(qk_nope_head_dim + qk_rope_head_dim);
                let q = if *q_lora_rank == 0 {
                    h * heads * qk_dim
                } else {
                    let r = f64::from(*q_lora_rank);
                    h * r + r + r * heads * qk_dim
                };
                let r_kv = f64::from(*kv_lora_rank);
                let kv_down = h * (r_kv + f64::from(*qk_rope_head_dim)) + r_kv;
                let kv_up = r_kv * heads * f64::from(qk_nope_head_dim + v_head_dim);
                let o = heads * f64::from(*v_head_dim) * h;
                q + kv_down + kv_up + o
            }
        };
        proj + norms
    }

    /// Parameters of an FFN of width `width` on this model's hidden size.
    pub fn ffn_params(&self, width: u32) -> f64 {
        let h = f64::from(self.hidden_size);
        let w = f64::from(width);
        let matrices = if self.ffn_gated { 3.0 } else { 2.0 };
        let bias = if self.linear_bias { w + h } else { 0.0 };
        matrices * h * w + bias
    }

    /// Number of layers whose FFN is a mixture of experts.
    pub fn moe_layers(&self) -> u32 {
        self.moe.as_ref().map_or(0, |m| (0..self.layers).filter(|&i| m.is_moe_layer(i)).count() as u32)
    }

    /// Parameter split of layer `index` (0-based).
    pub fn layer_params(&self, index: u32) -> LayerParams {
        let attention = self.attention_params_per_layer();
        match &self.moe {
            Some(m) if m.is_moe_layer(index) => {
                let per_expert = self.ffn_params(m.expert_ffn_hidden);
                let router = f64::from(self.hidden_size) * f64::from(m.experts);
                LayerParams {
                    attention,
                    ffn_always: f64::from(m.shared_experts) * per_expert + router,
                    per_expert,
                    experts: m.experts,
                }
            }
            _ => LayerParams { attention, ffn_always: self.ffn_params(self.ffn_hidden), per_expert: 0.0, experts: 0 },
        }
    }

    /// Embedding and output-head parameters (one matrix when tied), learned position
    /// embeddings, plus the final norm.
    pub fn embedding_params(&self) -> f64 {
        let h = f64::from(self.hidden_size);
        let e = f64::from(self.vocab_size) * h;
        let heads = if self.tied_embeddings { 1.0 } else { 2.0 };
        heads * e + f64::from(self.learned_position_embeddings) * h + h
    }

    /// Total parameters (all experts), counted from the architecture.
    pub fn parameter_count(&self) -> f64 {
        let layers: f64 = (0..self.layers)
            .map(|i| {
                let l = self.layer_params(i);
                l.attention + l.ffn_always + l.per_expert * f64::from(l.experts)
            })
            .sum();
        layers + self.embedding_params()
    }

    /// Parameters a single token passes through (routed experts: only the top-k), counted from
    /// the architecture. Includes the embedding/output head; equals the total for dense models.
    pub fn active_parameter_count(&self) -> f64 {
        let active = self.moe.as_ref().map_or(0, |m| m.active_experts);
        let layers: f64 = (0..self.layers)
            .map(|i| {
                let l = self.layer_params(i);
                let routed = if l.experts > 0 { f64::from(active) } else { 0.0 };
                l.attention + l.ffn_always + l.per_expert * routed
            })
            .sum();
        layers + self.embedding_params()
    }

    /// Number of layers whose attention is local (sliding window or chunked); 0 when the model
    /// has no [`LocalAttention`].
    pub fn local_attention_layers(&self) -> u32 {
        self.local_attention.map_or(0, |l| (0..self.layers).filter(|&i| l.is_local_layer(i)).count() as u32)
    }

    /// Whether the model is a mixture of experts.
    pub fn is_moe(&self) -> bool {
        self.moe.is_some()
    }

    pub(crate) fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let id = self.id.as_str();
        for (field, v) in [
            ("layers", self.layers),
            ("hidden_size", self.hidden_size),
            ("heads", self.heads),
            ("kv_heads", self.kv_heads),
            ("head_dim", self.head_dim),
            ("ffn_hidden", self.ffn_hidden),
            ("vocab_size", self.vocab_size),
            ("max_context_tokens", self.max_context_tokens),
        ] {
            if v == 0 {
                p.push(format!("model `{id}`: `{field}` must be at least 1"));
            }
        }
        if self.kv_heads > self.heads || (self.kv_heads > 0 && !self.heads.is_multiple_of(self.kv_heads)) {
            p.push(format!("model `{id}`: kv_heads {} must divide heads {}", self.kv_heads, self.heads));
        }
        if let Some(m) = &self.moe {
            if m.active_experts == 0 || m.active_experts > m.experts || self.moe_layers() == 0 {
                p.push(format!(
                    "model `{id}`: MoE needs 1 ≤ active_experts ≤ experts and at least one MoE layer \
                     (dense_layers < layers, layer_step ≤ layers − dense_layers)"
                ));
            }
            if m.expert_ffn_hidden == 0 {
                p.push(format!("model `{id}`: `moe.expert_ffn_hidden` must be at least 1"));
            }
        } else if self.published_active_params_b.is_some() {
            p.push(format!("model `{id}`: `published_active_params_b` is for MoE models only"));
        }
        if let Attention::Mla { kv_lora_rank, qk_nope_head_dim, v_head_dim, .. } = &self.attention
            && (*kv_lora_rank == 0 || *qk_nope_head_dim == 0 || *v_head_dim == 0)
        {
            p.push(format!("model `{id}`: MLA needs kv_lora_rank, qk_nope_head_dim and v_head_dim ≥ 1"));
        }
        if let Some(l) = &self.local_attention {
            if l.window_tokens == 0 || l.window_tokens >= self.max_context_tokens {
                p.push(format!(
                    "model `{id}`: `local_attention.window_tokens` must be between 1 and max_context_tokens − 1, got {}",
                    l.window_tokens
                ));
            }
            if l.global_every == 1 {
                p.push(format!(
                    "model `{id}`: `local_attention.global_every` 1 leaves no local layer (use 0 for all local, ≥ 2 for interleaved)"
                ));
            }
        }
        check_positive(&mut p, "model", id, "published_params_b", self.published_params_b);
        check_positive_opt(&mut p, "model", id, "published_active_params_b", self.published_active_params_b);
        p
    }
}

/// What a diffusion model generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Modality {
    /// Still images.
    Image,
    /// Video clips.
    Video,
}

/// A diffusion transformer (DiT / MMDiT) for image or video generation, with what is needed to
/// count FLOPs per generated item: the denoiser size, the latent sequence length of one item at
/// the reference resolution, the number of denoising steps and passes per step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffusionModel {
    /// Catalog id, e.g. `flux.1-dev`.
    pub id: String,
    /// Readable name.
    pub name: String,
    /// Image or video.
    pub modality: Modality,
    /// Denoiser (transformer) parameters, billions.
    pub denoiser_params_b: f64,
    /// Transformer blocks of the denoiser.
    pub layers: u32,
    /// Width of the denoiser's residual stream.
    pub hidden_size: u32,
    /// Latent tokens the denoiser processes for one item at the reference resolution
    /// (image: one picture; video: one clip of `clip_seconds`).
    pub latent_tokens_per_item: u32,
    /// Text-conditioning tokens processed jointly with the latent (0 if cross-attention only).
    pub text_tokens: u32,
    /// Reference output resolution, e.g. "1024x1024" or "1280x720".
    pub resolution: String,
    /// Seconds of video per clip (video models only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_seconds: Option<f64>,
    /// Default denoising steps.
    pub default_steps: u32,
    /// Denoiser passes per step (2 with classifier-free guidance, 1 when guidance-distilled).
    pub passes_per_step: u32,
    /// FLOPs of the VAE decoder and text encoder per item, GFLOP (outside the step loop).
    pub other_gflops_per_item: f64,
    /// Published parameter count of the denoiser, billions.
    pub published_params_b: f64,
    /// Source, confidence and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
}

impl DiffusionModel {
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let id = self.id.as_str();
        check_positive(&mut p, "model", id, "denoiser_params_b", self.denoiser_params_b);
        check_positive(&mut p, "model", id, "published_params_b", self.published_params_b);
        // Zero is legal (no separate encoder/decoder work); NaN, infinity and negatives are not.
        let other = self.other_gflops_per_item;
        if !(other.is_finite() && (0.0..=super::common::MAX_CATALOG_VALUE).contains(&other)) {
            p.push(format!(
                "model `{id}`: `other_gflops_per_item` must be between 0 and {:e} GFLOP, got {}",
                super::common::MAX_CATALOG_VALUE,
                crate::format::given(other)
            ));
        }
        if self.layers == 0 || self.hidden_size == 0 || self.latent_tokens_per_item == 0 || self.default_steps == 0 {
            p.push(format!("model `{id}`: layers, hidden_size, latent_tokens_per_item and default_steps must be ≥ 1"));
        }
        if !(1..=2).contains(&self.passes_per_step) {
            p.push(format!("model `{id}`: passes_per_step must be 1 or 2"));
        }
        match (self.modality, self.clip_seconds) {
            (Modality::Video, None) => p.push(format!("model `{id}`: video models need clip_seconds")),
            (Modality::Video, Some(s)) => check_positive(&mut p, "model", id, "clip_seconds", s),
            (Modality::Image, Some(_)) => p.push(format!("model `{id}`: clip_seconds is for video models only")),
            (Modality::Image, None) => {}
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    /// A toy GQA model small enough to count by hand: 2 layers, hidden 4, 2 heads of dim 2,
    /// 1 KV head, gated FFN 8, vocabulary 10, untied.
    fn toy() -> LlmModel {
        LlmModel {
            id: "toy".into(),
            aliases: vec![],
            name: "toy".into(),
            layers: 2,
            hidden_size: 4,
            heads: 2,
            kv_heads: 1,
            head_dim: 2,
            attention: Attention::Gqa,
            ffn_hidden: 8,
            ffn_gated: true,
            linear_bias: false,
            qkv_bias: false,
            learned_position_embeddings: 0,
            moe: None,
            local_attention: None,
            vocab_size: 10,
            tied_embeddings: false,
            max_context_tokens: 16,
            published_params_b: 1e-9,
            published_active_params_b: None,
            provenance: Provenance {
                source: "test".into(),
                confidence: super::super::common::Confidence::Estimate,
                notes: None,
            },
        }
    }

    #[test]
    fn toy_dense_count_by_hand() {
        let m = toy();
        // q 4·4 + k,v 2·4·2 + o 4·4 + norms 2·4 = 56; FFN 3·4·8 = 96; per layer 152.
        assert_eq!(m.attention_params_per_layer(), 56.0);
        assert_eq!(m.ffn_params(8), 96.0);
        // Embeddings 2·10·4 + final norm 4 = 84.
        assert_eq!(m.embedding_params(), 84.0);
        assert_eq!(m.parameter_count(), 2.0 * 152.0 + 84.0);
        assert_eq!(m.active_parameter_count(), m.parameter_count());
    }

    #[test]
    fn biases_and_position_embeddings_add_their_counts() {
        let base = toy().parameter_count();
        // QKV bias: (2 + 2·1)·2 = 8 per layer.
        let qkv = LlmModel { qkv_bias: true, ..toy() };
        assert_eq!(qkv.parameter_count() - base, 2.0 * 8.0);
        // All biases: QKV 8 + output 4 + FFN (8 + 4) = 24 per layer.
        let all = LlmModel { linear_bias: true, ..toy() };
        assert_eq!(all.parameter_count() - base, 2.0 * 24.0);
        // Learned positions: 16 rows × hidden 4; tying removes one 10×4 matrix.
        let gpt = LlmModel { learned_position_embeddings: 16, tied_embeddings: true, ..toy() };
        assert_eq!(gpt.parameter_count() - base, 64.0 - 40.0);
    }

    #[test]
    fn interleaved_moe_layers_alternate() {
        let moe = Moe {
            experts: 4,
            active_experts: 1,
            shared_experts: 1,
            expert_ffn_hidden: 2,
            dense_layers: 0,
            layer_step: 2,
        };
        let m = LlmModel { layers: 4, moe: Some(moe.clone()), ..toy() };
        assert_eq!((0..4).map(|i| moe.is_moe_layer(i)).collect::<Vec<_>>(), [false, true, false, true]);
        assert_eq!(m.moe_layers(), 2);
        assert_eq!(m.layer_params(0).experts, 0);
        assert_eq!(m.layer_params(1).experts, 4);
        // Every layer: dense_layers 1 then all MoE.
        let every = Moe { dense_layers: 1, layer_step: 0, ..moe };
        assert_eq!(LlmModel { layers: 4, moe: Some(every), ..toy() }.moe_layers(), 3);
    }

    #[test]
    fn moe_active_count_uses_top_k_only() {
        let moe = Moe {
            experts: 4,
            active_experts: 1,
            shared_experts: 1,
            expert_ffn_hidden: 2,
            dense_layers: 1,
            layer_step: 0,
        };
        let m = LlmModel { moe: Some(moe), ..toy() };
        // Expert: 3·4·2 = 24; router 4·4 = 16. Layer 1: shared 24 + router 16 + 4 experts.
        let expert = 24.0;
        let total = 56.0 + 96.0 + (56.0 + expert + 16.0 + 4.0 * expert) + 84.0;
        assert_eq!(m.parameter_count(), total);
        assert_eq!(m.active_parameter_count(), total - 3.0 * expert);
    }

    #[test]
    fn problems_catch_bad_moe_and_mla() {
        let moe = Moe {
            experts: 4,
            active_experts: 5,
            shared_experts: 0,
            expert_ffn_hidden: 0,
            dense_layers: 0,
            layer_step: 0,
        };
        let p = LlmModel { moe: Some(moe), ..toy() }.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        let mla = Attention::Mla {
            q_lora_rank: 0,
            kv_lora_rank: 0,
            qk_nope_head_dim: 128,
            qk_rope_head_dim: 64,
            v_head_dim: 128,
        };
        assert_eq!(LlmModel { attention: mla, ..toy() }.problems().len(), 1);
        assert!(LlmModel { published_active_params_b: Some(1.0), ..toy() }.problems()[0].contains("MoE models only"));
        assert!(toy().problems().is_empty());
    }

    #[test]
    fn local_attention_layers_interleave_and_are_checked() {
        let sliding = LocalAttention { kind: LocalAttentionKind::Sliding, window_tokens: 4, global_every: 2 };
        let m = LlmModel { layers: 4, local_attention: Some(sliding), ..toy() };
        assert_eq!((0..4).map(|i| sliding.is_local_layer(i)).collect::<Vec<_>>(), [true, false, true, false]);
        assert_eq!(m.local_attention_layers(), 2);
        // Local attention changes no parameter count.
        assert_eq!(m.parameter_count(), LlmModel { layers: 4, ..toy() }.parameter_count());
        assert!(m.problems().is_empty());
        let all_local = LocalAttention { global_every: 0, ..sliding };
        assert_eq!(LlmModel { layers: 4, local_attention: Some(all_local), ..toy() }.local_attention_layers(), 4);
        assert_eq!(toy().local_attention_layers(), 0);
        // Window as long as the context, and "every layer global", are rejected.
        let wide = LocalAttention { window_tokens: 16, ..sliding };
        assert!(LlmModel { local_attention: Some(wide), ..toy() }.problems()[0].contains("window_tokens"));
        let none_local = LocalAttention { global_every: 1, ..sliding };
        assert!(LlmModel { local_attention: Some(none_local), ..toy() }.problems()[0].contains("global_every"));
    }

    #[test]
    fn deepseek_r1_alias_resolves_to_v3() {
        let catalog = Catalog::builtin().expect("built-in catalog parses");
        let r1 = catalog.llm("deepseek-r1").expect("alias resolves");
        assert_eq!(r1.id, "deepseek-v3");
        assert!(matches!(r1.attention, Attention::Mla { kv_lora_rank: 512, qk_rope_head_dim: 64, .. }));
    }

    /// Found by the fuzz harness (catalog override cases 76774, 265439): NaN or infinite
    /// encoder/decoder FLOPs were accepted.
    #[test]
    fn other_gflops_per_item_must_be_finite_and_non_negative() {
        let catalog = Catalog::builtin().expect("built-in catalog parses");
        let flux = catalog.diffusion("flux.1-dev").expect("flux.1-dev").clone();
        assert!(flux.problems().is_empty(), "{:?}", flux.problems());
        for bad in [f64::NAN, f64::INFINITY, -1.0, 1e308] {
            let model = DiffusionModel { other_gflops_per_item: bad, ..flux.clone() };
            assert!(model.problems().iter().any(|p| p.contains("other_gflops_per_item")), "{bad}");
        }
        assert!(DiffusionModel { other_gflops_per_item: 0.0, ..flux }.problems().is_empty());
    }
}
