"""Predict fleetplan's calibration cases with an analytical peer tool and time each prediction.

Usage: python analytical.py --tool genz|llm-analysis CASES.toml

Same rule for every tool, no per-case tuning:
* only inference cases whose chip, model and precision the tool ships (or whose model
  dimensions can be passed in) are modelled; others are reported as "not modelled" with why;
* parallelism: the case's published `tp` (and `ep` for MoE), one instance per `tp` chips,
  replicas independent; where the case gives none, TP1 (the model fits one 80 GB chip here);
* batch: the largest power of two up to 1024 that the tool itself says fits in memory at
  context input+output; for `server` cases also limited to a decode step <= the p99 TPOT limit;
* per-chip throughput = batch * output_tokens / (prefill time + output_tokens * decode-step
  time at mean context input + output/2) / tp;
* efficiencies: the tool's defaults (GenZ: compute and memory efficiency 1.0; llm-analysis:
  its built-in HBM/flops efficiency defaults).

Prints one JSON line per case and a final summary line.
"""

import argparse
import json
import math
import statistics
import time
import tomllib
import warnings

warnings.filterwarnings("ignore")

BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]


# ---------------------------------------------------------------- GenZ (genz-llm)
GENZ_MODELS = {
    "llama-2-70b": "meta-llama/Llama-2-70B",
    "llama-3.1-8b": "meta-llama/Llama-3.1-8B",
    "mixtral-8x7b": "mistralai/Mixtral-8x7B",
}
GENZ_SYSTEMS = {"h100-sxm": "H100_GPU", "a100-sxm-80g": "A100_80GB_GPU"}
GENZ_BITS = {"fp8": "fp8", "bf16": "bf16", "fp16": "bf16"}


class GenZ:
    """GenZ analytical prefill/decode model (genz-llm)."""

    name = "genz-llm"

    def __init__(self):
        from GenZ import decode_moddeling, prefill_moddeling

        self.decode, self.prefill = decode_moddeling, prefill_moddeling

    def why_not(self, c):
        if c["model"] not in GENZ_MODELS:
            return f"model {c['model']} not in GenZ's model set"
        if c["chip"] not in GENZ_SYSTEMS:
            return f"chip {c['chip']} not in GenZ's system presets"
        if c["precision"] not in GENZ_BITS:
            return f"precision {c['precision']}"
        return None

    def step_times_ms(self, c, batch, tp, ep):
        """(prefill ms for the batch, decode-step ms at mean context) or None if it does not fit."""
        kw = dict(
            model=GENZ_MODELS[c["model"]],
            system_name=GENZ_SYSTEMS[c["chip"]],
            bits=GENZ_BITS[c["precision"]],
            tensor_parallel=tp,
            expert_parallel=ep,
            parallelism_heirarchy=f"TP{{{tp}}}_EP{{{ep}}}_PP{{1}}",
        )
        inp, out = c["input_tokens"], c["output_tokens"]
        try:
            d = self.decode(batch_size=batch, input_tokens=inp + out // 2, output_tokens=out - out // 2, Bb=1, **kw)
            p = self.prefill(batch_size=batch, input_tokens=inp, **kw)
        except ValueError:  # "All params would not fit on chip"
            return None
        # ModdelingOutput is a dict: its attributes are class defaults (0), the results are keys.
        return p["Latency"], d["Latency"]


# ---------------------------------------------------------------- llm-analysis
# Model dimensions passed in (llm-analysis ships only a Llama-2-70B-instruct JSON whose FFN width is
# wrong, 32768, and nothing for Llama-3.1 or Mixtral). Its MLP has two matrices, so the gated
# (SwiGLU) FFN of width F is given as an equivalent 1.5 F two-matrix FFN (same parameters and FLOPs).
LA_MODELS = {
    "llama-2-70b": dict(num_layers=80, n_head=64, hidden_dim=8192, vocab_size=32000, num_key_value_heads=8, ffn=28672),
    "llama-3.1-8b": dict(num_layers=32, n_head=32, hidden_dim=4096, vocab_size=128256, num_key_value_heads=8, ffn=14336),
    "mixtral-8x7b": dict(
        num_layers=32,
        n_head=32,
        hidden_dim=4096,
        vocab_size=32000,
        num_key_value_heads=8,
        ffn=14336,
        moe_num_experts=8,
        moe_top_k=2,
    ),
}
LA_GPUS = {"h100-sxm": "h100-sxm-80gb", "a100-sxm-80g": "a100-sxm-80gb"}
LA_DTYPES = {"fp8": "w8a8e16", "bf16": "w16a16e16", "fp16": "w16a16e16"}


class LlmAnalysis:
    """llm-analysis (cli/analysis.py) inference latency model."""

    name = "llm-analysis"

    def __init__(self):
        from llm_analysis import analysis, config

        self.analysis, self.config = analysis, config

    def why_not(self, c):
        if c["model"] not in LA_MODELS:
            return f"model {c['model']} not modelled (no MLA / shared-expert support)"
        if c["chip"] not in LA_GPUS:
            return f"chip {c['chip']} not in llm-analysis GPU configs"
        if c["precision"] not in LA_DTYPES:
            return f"precision {c['precision']}"
        return None

    def step_times_ms(self, c, batch, tp, ep):
        cfg = self.config
        m = dict(LA_MODELS[c["model"]])
        ffn = m.pop("ffn")
        model = cfg.ModelConfig(
            name=c["model"],
            ffn_embed_dim=int(1.5 * ffn),
            expansion_ratio=1.5 * ffn / m["hidden_dim"],
            model_type="llama",
            **m,
        )
        gpu = cfg.get_gpu_config_by_name(LA_GPUS[c["chip"]])
        dtype = cfg.get_dtype_config_by_name(LA_DTYPES[c["precision"]])
        par = cfg.ParallelismConfig(tp_size=tp, ep_size=ep)
        la = self.analysis.LLMAnalysis(model, gpu, dtype, par)
        inp, out = c["input_tokens"], c["output_tokens"]
        try:
            s = la.inference(
                batch_size_per_gpu=batch,
                seq_len=inp,
                num_tokens_to_generate=out,
                kv_cache_dtype_bytes=1 if c["precision"] == "fp8" else 2,
            )
        except (AssertionError, ValueError):
            return None
        if s.get("weight_memory_per_gpu", 0) + s.get("kv_cache_memory_per_gpu", 0) > gpu.mem_per_GPU_in_GB * 1e9:
            return None
        # total_decode_latency covers all generated tokens; its mean step is the decode-step time.
        return 1e3 * s["prefill_latency"], 1e3 * s["total_decode_latency"] / out


def predict(tool, c):
    tp = int(c.get("tp", 1))
    ep = int(c.get("ep", 1)) if c["model"] == "mixtral-8x7b" else 1
    if c["model"] == "mixtral-8x7b" and "tp" not in c and "ep" not in c:
        tp = 1
    tpot_ms = c.get("tpot_p99_ms") if c["scenario"] == "server" else None
    best = None
    calls = 0
    t0 = time.perf_counter()
    for b in BATCHES:
        calls += 1
        r = tool.step_times_ms(c, b, tp, ep)
        if r is None or r[1] is None:
            break
        pre_ms, dec_ms = r
        if tpot_ms is not None and dec_ms > tpot_ms:
            break
        per_chip = b * c["output_tokens"] / ((pre_ms + c["output_tokens"] * dec_ms) / 1e3) / (tp * ep)
        best = (b, per_chip, pre_ms, dec_ms)
    dt = time.perf_counter() - t0
    return best, dt / calls, calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", choices=["genz", "llm-analysis"], required=True)
    ap.add_argument("cases")
    args = ap.parse_args()
    tool = GenZ() if args.tool == "genz" else LlmAnalysis()
    cases = tomllib.load(open(args.cases, "rb"))["case"]
    errs, per_call = [], []
    for c in cases:
        row = {"tool": tool.name, "id": c["id"], "measured": c["value"]}
        why = None
        if c["kind"] != "inference":
            why = "training case: not run by this script"
        elif c["metric"] != "output_tokens_per_s_per_chip":
            why = f"metric {c['metric']}"
        else:
            why = tool.why_not(c)
        if why:
            row["not_modelled"] = why
        else:
            best, sec_per_call, calls = predict(tool, c)
            per_call.append(sec_per_call)
            if best is None:
                row["not_modelled"] = "does not fit at batch 1"
            else:
                b, pred, pre_ms, dec_ms = best
                err = (pred - c["value"]) / c["value"]
                assert math.isfinite(err)
                errs.append(abs(err))
                row.update(
                    predicted=round(pred, 1),
                    error=round(err, 4),
                    batch=b,
                    prefill_ms=round(pre_ms, 2),
                    decode_step_ms=round(dec_ms, 3),
                    ms_per_tool_call=round(1e3 * sec_per_call, 2),
                )
        print(json.dumps(row))
    print(
        json.dumps(
            {
                "tool": tool.name,
                "summary": True,
                "modelled": len(errs),
                "median_abs_error": round(statistics.median(errs), 4) if errs else None,
                "median_ms_per_tool_call": round(1e3 * statistics.median(per_call), 2) if per_call else None,
            }
        )
    )


if __name__ == "__main__":
    main()
