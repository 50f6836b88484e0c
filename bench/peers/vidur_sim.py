"""Time vidur's discrete-event simulator on fleetplan's standalone serving case.

Workload (same as `fleetplan simulate --chip h100-sxm --chips 8 --tp 2 --model llama-2-70b
--qps 75 --input 300 --output 290`): Llama-2-70B on 8 H100 (fleetplan: 4 replicas of TP2; vidur: 2 replicas of TP2 x PP2, see --pp), Poisson
arrivals at 75 req/s, fixed 300 prompt / 290 output tokens, vLLM-style scheduler.

vidur 0.0.26 does not ship profiling data: `SklearnExecutionTimePredictor._get_input_files`
calls `huggingface_hub.snapshot_download` for the datasets named in
`model_profiling_dataset` / `network_profiling_dataset` (files `mlp.csv.xz`,
`attention.csv.xz`, `all_reduce.csv.xz`, `send_recv.csv.xz` plus `config.json`), and first tries
pre-computed predictions from `project-vajra/predictions-*` repos. Neither is reachable here (no
network besides package registries). So this script, by default, writes SYNTHETIC profile CSVs
with the same columns (a simple roofline for H100, BF16 weights, see `synth_profiles`) and points
vidur's predictor at them. Simulated latencies are therefore NOT vidur's calibrated numbers; what
is measured is the speed of vidur's event loop, scheduler and predictor on this workload, which
does not depend on where the per-operator timings come from. `--profile-dir` uses real
profiling CSVs instead when you have them.

Prints one JSON line: requests, setup/run wall seconds, simulated requests per wall second.
"""

import argparse
import json
import logging
import os
import sys
import tempfile
import time

# vidur must not try the network: fail fast instead of retrying the hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "disabled")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

# Synthetic H100 roofline constants (only used to fabricate profile tables).
PEAK_FLOPS = 989e12 * 0.6  # dense BF16 FLOP/s, 60 % achieved
MEM_BW = 3.35e12 * 0.8  # HBM bytes/s, 80 % achieved
NVLINK_BW = 450e9 * 0.7  # NVLink bytes/s per direction, 70 % achieved
KERNEL_FLOOR_MS = 0.005  # launch floor per op

# Llama-2-70B shape (vidur's Llama2_70BModelConfig), TP2.
N_EMBD, N_HEAD, N_KV_HEAD, MLP_DIM, VOCAB, HEAD_DIM = 8192, 64, 8, 28672, 32768, 128  # vidur pads vocab
TP, BLOCK_SIZE = 2, 16


def gemm_ms(tokens, k, n):
    """Roofline time of a [tokens x k] @ [k x n] BF16 GEMM, in ms."""
    flops = 2.0 * tokens * k * n
    bytes_ = 2.0 * (k * n + tokens * (k + n))
    return 1e3 * max(flops / PEAK_FLOPS, bytes_ / MEM_BW) + KERNEL_FLOOR_MS


def elementwise_ms(tokens, width):
    """Roofline time of a read+write elementwise op over [tokens x width] BF16, in ms."""
    return 1e3 * (4.0 * tokens * width / MEM_BW) + KERNEL_FLOOR_MS


def synth_profiles(out_dir):
    """Write mlp.csv, attention.csv, all_reduce.csv, send_recv.csv with vidur's columns."""
    q_heads, kv_heads = N_HEAD // TP, max(1, N_KV_HEAD // TP)
    rows = []
    for t in sorted(set(np.unique(np.geomspace(1, 4096, 60).astype(int)).tolist() + [4096])):
        rows.append(
            {
                "n_head": N_HEAD,
                "n_kv_head": N_KV_HEAD,
                "n_embd": N_EMBD,
                "n_expanded_embd": MLP_DIM,
                "use_gated_mlp": True,
                "vocab_size": VOCAB,
                "num_tensor_parallel_workers": TP,
                "num_tokens": t,
                "time_stats.attn_pre_proj.median": gemm_ms(t, N_EMBD, (q_heads + 2 * kv_heads) * HEAD_DIM),
                "time_stats.attn_post_proj.median": gemm_ms(t, q_heads * HEAD_DIM, N_EMBD),
                "time_stats.mlp_up_proj.median": gemm_ms(t, N_EMBD, 2 * MLP_DIM // TP),
                "time_stats.mlp_down_proj.median": gemm_ms(t, MLP_DIM // TP, N_EMBD),
                "time_stats.mlp_act.median": elementwise_ms(t, MLP_DIM // TP),
                "time_stats.input_layernorm.median": elementwise_ms(t, N_EMBD),
                "time_stats.post_attention_layernorm.median": elementwise_ms(t, N_EMBD),
                "time_stats.attn_rope.median": elementwise_ms(t, (q_heads + kv_heads) * HEAD_DIM),
                "time_stats.add.median": elementwise_ms(t, N_EMBD),
            }
        )
    pd.DataFrame(rows).to_csv(f"{out_dir}/mlp.csv", index=False)

    rows = []
    kv_bytes_per_token = 2.0 * 2 * kv_heads * HEAD_DIM  # K and V, BF16
    base = {
        "n_embd": N_EMBD,
        "n_q_head": N_HEAD,
        "n_kv_head": N_KV_HEAD,
        "block_size": BLOCK_SIZE,
        "num_tensor_parallel_workers": TP,
    }
    for kv in range(0, 4097, 256):
        for chunk in [32, 64, 128, 256, 512, 1024, 2048, 4096]:  # prefill rows
            flops = 4.0 * chunk * (kv + chunk / 2) * HEAD_DIM * q_heads
            ms = 1e3 * max(flops / PEAK_FLOPS, (kv + chunk) * kv_bytes_per_token / MEM_BW) + KERNEL_FLOOR_MS
            rows.append(
                {
                    **base,
                    "batch_size": 1,
                    "kv_cache_size": kv,
                    "prefill_chunk_size": chunk,
                    "time_stats.attn_prefill.median": ms,
                    "time_stats.attn_decode.median": np.nan,
                    "time_stats.attn_kv_cache_save.median": elementwise_ms(chunk, 2 * kv_heads * HEAD_DIM),
                }
            )
        for batch in [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]:  # decode rows
            ms = 1e3 * batch * max(kv, 1) * kv_bytes_per_token / MEM_BW + KERNEL_FLOOR_MS
            rows.append(
                {
                    **base,
                    "batch_size": batch,
                    "kv_cache_size": kv,
                    "prefill_chunk_size": 0,
                    "time_stats.attn_prefill.median": np.nan,
                    "time_stats.attn_decode.median": ms,
                    "time_stats.attn_kv_cache_save.median": elementwise_ms(batch, 2 * kv_heads * HEAD_DIM),
                }
            )
    pd.DataFrame(rows).to_csv(f"{out_dir}/attention.csv", index=False)

    rows = []
    for size in np.geomspace(1024, 2**28, 40).astype(int):
        for coll, dpn in [("all_reduce", TP), ("send_recv", 2), ("send_recv", 1), ("all_reduce", 1)]:
            factor = 2.0 * (TP - 1) / TP if coll == "all_reduce" else 1.0
            rows.append(
                {
                    "num_workers": TP,
                    "devices_per_node": dpn,
                    "collective": coll,
                    "size": int(size),
                    f"time_stats.{coll}.median": 1e3 * factor * size / NVLINK_BW + 0.01,
                }
            )
    df = pd.DataFrame(rows)
    df.to_csv(f"{out_dir}/all_reduce.csv", index=False)
    df.to_csv(f"{out_dir}/send_recv.csv", index=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--qps", type=float, default=75.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--batch-cap",
        type=int,
        default=512,
        help="vLLM scheduler batch cap per replica (vidur's default 128 cannot carry 75 req/s here)",
    )
    ap.add_argument(
        "--pp",
        type=int,
        default=2,
        help="pipeline stages; vidur 0.0.26 aborts with PP1 (AssertionError in entities/request.py:300)",
    )
    ap.add_argument("--profile-dir", help="real vidur profiling CSVs (mlp, attention, all_reduce, send_recv)")
    ap.add_argument("--native", action="store_true", help="use vidur's C++ execution-time predictor")
    args = ap.parse_args()

    logging.disable(logging.INFO)
    work = tempfile.mkdtemp(prefix="vidur-bench-")
    prof = args.profile_dir
    if prof is None:
        prof = f"{work}/profiles"
        os.makedirs(prof)
        synth_profiles(prof)

    from vidur.config import (
        ClusterConfig,
        FixedRequestLengthGeneratorConfig,
        MetricsConfig,
        PoissonRequestIntervalGeneratorConfig,
        RandomForrestExecutionTimePredictorConfig,
        ReplicaConfig,
        RoundRobinGlobalSchedulerConfig,
        SimulationConfig,
        SyntheticRequestGeneratorConfig,
        VllmSchedulerConfig,
    )
    from vidur.execution_time_predictor import sklearn_execution_time_predictor as skl
    from vidur.simulator import Simulator
    from vidur.utils.random import set_seeds

    files = tuple(f"{prof}/{n}.csv" for n in ("mlp", "attention", "all_reduce", "send_recv"))
    skl.SklearnExecutionTimePredictor._get_input_files = lambda self: files

    t0 = time.perf_counter()
    config = SimulationConfig(
        seed=args.seed,
        log_level="warning",
        cluster_config=ClusterConfig(
            num_replicas=8 // (TP * args.pp),
            replica_config=ReplicaConfig(
                model_name="meta-llama/Llama-2-70b-hf",
                num_pipeline_stages=args.pp,
                tensor_parallel_size=TP,
                device="h100",
                network_device="h100_dgx",
            ),
            global_scheduler_config=RoundRobinGlobalSchedulerConfig(),
            replica_scheduler_config=VllmSchedulerConfig(batch_size_cap=args.batch_cap),
        ),
        request_generator_config=SyntheticRequestGeneratorConfig(
            seed=args.seed,
            num_requests=args.requests,
            length_generator_config=FixedRequestLengthGeneratorConfig(prefill_tokens=300, decode_tokens=290),
            interval_generator_config=PoissonRequestIntervalGeneratorConfig(qps=args.qps),
        ),
        # vidur 0.0.26's LinearRegression predictor cannot be instantiated (abstract
        # _get_kv_parallel_communication_time), so its default random forest is used with a
        # one-point grid to keep training short; training happens in setup, not in run().
        execution_time_predictor_config=RandomForrestExecutionTimePredictorConfig(
            num_estimators=[50],
            max_depth=[16],
            min_samples_split=[2],
            k_fold_cv_splits=3,
            cache_dir=f"{work}/cache",
            prediction_max_tokens_per_request=4096,
            prediction_max_batch_size=args.batch_cap,
            num_training_job_threads=1,
            use_native_execution_time_predictor=args.native,
        ),
        metrics_config=MetricsConfig(
            write_metrics=False,
            enable_chrome_trace=False,
            store_plots=False,
            output_dir=f"{work}/out",
        ),
    )
    set_seeds(args.seed)
    sim = Simulator(config)
    t1 = time.perf_counter()
    sim.run()
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "tool": "vidur",
                "requests": args.requests,
                "profiles": "real" if args.profile_dir else "synthetic",
                "layout": f"{8 // (TP * args.pp)} replicas x TP{TP} PP{args.pp}",
                "predictor": "native" if args.native else "python",
                "batch_cap": args.batch_cap,
                "setup_s": round(t1 - t0, 3),
                "run_s": round(t2 - t1, 3),
                "simulated_end_s": round(sim._time, 3),
                "requests_per_wall_s_run": round(args.requests / (t2 - t1), 1),
                "requests_per_wall_s_total": round(args.requests / (t2 - t0), 1),
            }
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
