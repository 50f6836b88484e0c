#!/usr/bin/env python3
"""Calibrate and ablate the inference step model's global parameters (perf families).

Runs the release binary's `validate --json` on the public validation files with a catalog
override of the perf families (`--catalog`, same format as crates/fleetplan-core/catalog/perf.toml)
and reports median / p90 |error| of the inference cases, overall and by class.

  scripts/calibrate-inference.py report [--set FAMILY.PARAM=VALUE ...]
  scripts/calibrate-inference.py ablate           # each mechanism switched off in turn
  scripts/calibrate-inference.py tune --family nvidia-hopper --params a,b,c [--rounds 2]

Parameters are global per chip family (never per case); `tune` does a coordinate search over the
listed parameters of one family, minimising median + half the mean of |error| clipped at 60 % over the inference cases of
both files together (penalised when calibration.toml's median passes 9 % or any of its cases
28 %: its test allows 10 % and 30 %).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "fleetplan")
PERF = os.path.join(ROOT, "crates", "fleetplan-core", "catalog", "perf.toml")
CHIPS = os.path.join(ROOT, "crates", "fleetplan-core", "catalog", "chips.toml")
MODELS = os.path.join(ROOT, "crates", "fleetplan-core", "catalog", "models.toml")
DATA = os.path.join(ROOT, "crates", "fleetplan-models", "tests", "data")
FILES = {"base": os.path.join(DATA, "calibration.toml"), "ext": os.path.join(DATA, "calibration-extended.toml")}

# Mechanism switches for the ablation: the neutral value of each parameter turns it off.
CLIP = float(os.environ.get("CALIBRATE_CLIP", "0.6"))

ABLATIONS = {
    "smooth roofline": {"roofline_sharpness": 0.0},
    "GEMM rows ramp": {"gemm_half_efficiency_rows": 0.0},
    "MoE layer kernels": {"moe_layer_overhead_us": 0.0},
    "activation + permute traffic": {"activation_passes": 0.0, "moe_permute_passes": 0.0},
    "attention-DP imbalance": {"attention_dp_imbalance_cv": 0.0},
    "expert routing skew": {"expert_routing_skew": 0.0},
    "engine memory reserve": {"mem_reserve_gb": 0.0},
    "pipeline imbalance": {"pipeline_imbalance": 0.0},
    "one-shot all-reduce": {"oneshot_allreduce_latency_us": None},
    "FP4 efficiency + FP8 layers": {"gemm_efficiency_fp4": None, "fp4_dense_fp8_fraction": 0.0},
}


def toml_value(v):
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v)


ENGINES = os.path.join(ROOT, "crates", "fleetplan-core", "catalog", "engines.toml")
# Engine features switched off in every serving engine (and every version override).
ENGINE_ABLATIONS = {"two-batch overlap": "two_batch_overlap", "FP8 attention": "fp8_attention"}


def engines_without(feature):
    with open(ENGINES, "rb") as f:
        engines = tomllib.load(f)["engine"]
    for eng in engines:
        serving = eng.get("serving")
        if serving:
            serving[feature] = False
            for version in serving.get("versions", []):
                if feature in version:
                    version[feature] = False
    return engines


def write_families(families, path, engines=None):
    with open(path, "w") as f:
        for eng in engines or []:
            f.write("[[engine]]\n")
            for k, v in eng.items():
                f.write(f"{k} = {toml_value(v)}\n")
            f.write("\n")
        for fam in families:
            f.write("[[perf_family]]\n")
            for k, v in fam.items():
                if v is not None:
                    f.write(f"{k} = {toml_value(v)}\n")
            f.write("\n")


def load_families():
    with open(PERF, "rb") as f:
        return tomllib.load(f)["perf_family"]


def apply(families, settings):
    """settings: {(family or '*', param): value}"""
    out = []
    for fam in families:
        fam = dict(fam)
        for (fid, param), value in settings.items():
            if fid in ("*", fam["id"]):
                fam[param] = value
        out.append(fam)
    return out


def run(families, strict=True, engines=None):
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as tmp:
        path = tmp.name
    write_families(families, path, engines)
    results = {}
    for name, case_file in FILES.items():
        proc = subprocess.run([BIN, "validate", "--json", "--catalog", path, case_file], capture_output=True, text=True)
        try:
            results[name] = json.loads(proc.stdout)["cases"]
        except (json.JSONDecodeError, KeyError):
            if strict:
                sys.exit(f"validate failed on {case_file}: {proc.stderr[-2000:]}")
            return None
    os.unlink(path)
    return results


def p90(values):
    if not values:
        return float("nan")
    s = sorted(values)
    k = 0.9 * (len(s) - 1)
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def stats(cases, prefix="inf-"):
    errs = [abs(c["error"]) for c in cases if c["id"].startswith(prefix) and c.get("error") is not None]
    n_all = sum(1 for c in cases if c["id"].startswith(prefix))
    if not errs:
        return (0, n_all, float("nan"), float("nan"))
    return (len(errs), n_all, statistics.median(errs), p90(errs))


def objective(results):
    cases = results["base"] + results["ext"]
    n, n_all, med, q90 = stats(cases)
    base_med = stats(results["base"])[2]
    base_max = max((abs(c["error"]) for c in results["base"] if c.get("error") is not None), default=0.0)
    penalty = 10.0 * max(0.0, base_med - 0.09) + 2.0 * max(0.0, base_max - 0.28) + 0.05 * (n_all - n)
    # Robust to the few cases whose error lies outside the step model (engine maturity, bursts):
    # |errors| are clipped at 60 % in the mean term.
    clipped = sum(min(abs(c["error"]), CLIP) for c in cases if c["id"].startswith("inf-") and c.get("error") is not None)
    return med + 0.5 * clipped / max(n, 1) + penalty


def case_classes():
    """id -> class string (family / dense|moe / engine / scenario) for inference cases."""
    with open(CHIPS, "rb") as f:
        chips = {c["id"]: c.get("perf_family", "?") for c in tomllib.load(f).get("accelerator", [])}
    with open(MODELS, "rb") as f:
        moe = {m["id"]: ("moe" in m) for m in tomllib.load(f).get("llm", [])}
    out = {}
    for path in FILES.values():
        with open(path, "rb") as f:
            for c in tomllib.load(f).get("case", []):
                if c["kind"] != "inference":
                    continue
                fam = chips.get(c["chip"], "?").split("-")[-1]
                kind = "moe" if moe.get(c["model"], False) else "dense"
                out[c["id"]] = f"{fam}/{kind}/{c.get('engine', '-')}/{c.get('scenario', '?')}"
    return out


def report(results, label="", by_class=False):
    for name in ("base", "ext"):
        n, n_all, med, q90 = stats(results[name])
        na, na_all, meda, q90a = stats(results[name], prefix="")
        print(f"{label:32s} {name:4s} inference {n}/{n_all} median {med*100:5.1f} % p90 {q90*100:6.1f} % | all {na}/{na_all} median {meda*100:5.1f} % p90 {q90a*100:6.1f} %")
    if by_class:
        classes = case_classes()
        groups = {}
        for c in results["base"] + results["ext"]:
            if c["id"] in classes and c.get("error") is not None:
                groups.setdefault(classes[c["id"]], []).append(abs(c["error"]))
        print(f"{'class (family/model/engine/scenario)':40s} {'n':>3s} {'median %':>9s} {'max %':>8s}")
        for k in sorted(groups):
            v = groups[k]
            print(f"{k:40s} {len(v):3d} {statistics.median(v)*100:9.1f} {max(v)*100:8.1f}")


def parse_sets(items):
    settings = {}
    for item in items or []:
        key, value = item.split("=", 1)
        fid, param = key.rsplit(".", 1) if "." in key else ("*", key)
        settings[(fid, param)] = None if value == "none" else float(value)
    return settings


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["report", "ablate", "tune", "cases", "propagate"])
    ap.add_argument("--set", action="append", help="FAMILY.PARAM=VALUE (or PARAM=VALUE for all)")
    ap.add_argument("--family", help="family to tune")
    ap.add_argument("--params", help="comma-separated parameters to tune")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--write", action="store_true", help="write the tuned values into perf.toml")
    args = ap.parse_args()
    families = apply(load_families(), parse_sets(args.set))
    if args.command == "report":
        report(run(families), "current", by_class=True)
    elif args.command == "cases":
        res = run(families)
        for c in res["base"] + res["ext"]:
            if c["id"].startswith("inf-"):
                err = c.get("error")
                print(f"{c['id']:58s} {'—' if err is None else f'{err*100:+7.1f}'}")
    elif args.command == "ablate":
        report(run(families), "all mechanisms on")
        for name, params in ABLATIONS.items():
            settings = {("*", k): v for k, v in params.items()}
            report(run(apply(families, settings)), f"off: {name}")
        for name, feature in ENGINE_ABLATIONS.items():
            report(run(families, engines=engines_without(feature)), f"off: {name}")
    elif args.command == "propagate":
        propagate(families)
    elif args.command == "tune":
        best = objective(run(families))
        print(f"start objective {best:.4f}")
        for _ in range(args.rounds):
            for param in args.params.split(","):
                fam = next(f for f in families if f["id"] == args.family)
                cur = fam.get(param, 0.0) or 0.0
                for factor in (0.5, 0.8, 0.9, 1.1, 1.25, 2.0) if cur else (0.5, 1.0, 2.0, 4.0):
                    trial = cur * factor if cur else factor
                    cand = apply(families, {(args.family, param): trial})
                    res = run(cand, strict=False)
                    obj = objective(res) if res else float("inf")
                    if obj < best - 1e-4:
                        best, families = obj, cand
                        print(f"  {args.family}.{param} = {trial:.4g} -> objective {best:.4f}")
                        cur = trial
        fam = next(f for f in families if f["id"] == args.family)
        print({p: fam.get(p) for p in args.params.split(",")})
        report(run(families), "tuned")
        if args.write:
            fixed = [p for (fid, p) in parse_sets(args.set) if fid == args.family]
            write_back(args.family, {p: fam.get(p) for p in args.params.split(",") + fixed})


# Families with inference calibration cases; the others follow `propagate`'s rule.
CALIBRATED = ["nvidia-hopper", "nvidia-blackwell", "amd-cdna3", "intel-gaudi"]
STEP_PARAMS = ["roofline_sharpness", "inference_moe_gemm_efficiency", "gemm_half_efficiency_rows", "activation_passes", "moe_permute_passes",
               "attention_dp_imbalance_cv", "expert_routing_skew", "mem_reserve_gb", "pipeline_imbalance",
               "oneshot_allreduce_latency_us"]


def propagate(families):
    """Rule for families without inference cases: the Hopper values of the structural step
    parameters, and Hopper's `moe_layer_overhead_us` scaled by the family's `layer_overhead_us`
    over Hopper's (a less mature stack pays proportionally more per kernel)."""
    hopper = next(f for f in families if f["id"] == "nvidia-hopper")
    for fam in families:
        if fam["id"] in CALIBRATED:
            continue
        values = {p: hopper.get(p) for p in STEP_PARAMS if hopper.get(p) is not None}
        values["moe_layer_overhead_us"] = hopper["moe_layer_overhead_us"] * fam["layer_overhead_us"] / hopper["layer_overhead_us"]
        write_back(fam["id"], values)
        print(fam["id"], values)


def write_back(family_id, values):
    """Write tuned `values` into the `family_id` block of perf.toml (lines `param = value`)."""
    import re
    text = open(PERF).read()
    blocks = text.split("[[perf_family]]")
    for i, block in enumerate(blocks):
        if re.search(rf'^id = "{re.escape(family_id)}"', block, re.M):
            for param, value in values.items():
                line = f"{param} = {round(value, 3)!r}"
                if re.search(rf"^{param} = .*$", block, re.M):
                    block = re.sub(rf"^{param} = .*$", line, block, flags=re.M)
                else:
                    block = block.replace("\nmem_usable_fraction", f"\n{line}\nmem_usable_fraction", 1)
            blocks[i] = block
    open(PERF, "w").write("[[perf_family]]".join(blocks))


if __name__ == "__main__":
    main()
