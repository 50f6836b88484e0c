#!/usr/bin/env python3
"""Error of the performance models by class of validation case.

Usage: scripts/error-by-class.py BIN CASEFILE...   (BIN = path of the fleetplan binary)

Runs `BIN validate --json` on each case file and prints a Markdown table of median and p90
|error| per class: kind (inference/training) x dense/MoE x chip perf family x engine x mode.
Classes are read from the case files and the built-in catalog TOML (crates/fleetplan-core/catalog).
"""
import json, math, subprocess, sys, tomllib, pathlib, collections

root = pathlib.Path(__file__).resolve().parent.parent
cat = root / "crates/fleetplan-core/catalog"
chips = {c["id"]: c for c in tomllib.load(open(cat / "chips.toml", "rb")).get("accelerator", [])}
models = {m["id"]: m for m in tomllib.load(open(cat / "models.toml", "rb")).get("llm", [])}


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    if q == 0.5:
        n = len(xs)
        return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
    rank = max(1, min(len(xs), math.ceil(q * len(xs))))
    return xs[rank - 1]


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    rows = []
    for f in files:
        cases = {c["id"]: c for c in tomllib.load(open(f, "rb"))["case"]}
        run = subprocess.run([binary, "validate", "--json", f], capture_output=True, text=True)
        doc = json.loads(run.stdout)
        results = {r["id"]: r for r in doc["cases"]}
        for cid, c in cases.items():
            r = results.get(cid, {"error": None})  # absent: rejected (unknown id)
            m = models.get(c["model"], {})
            family = chips.get(c["chip"], {}).get("perf_family", "?")
            moe = "MoE" if "moe" in m else "dense"
            mode = c.get("scenario", "training") if c["kind"] == "inference" else "training"
            engine = c.get("engine", "default")
            rows.append(((c["kind"], moe, family, engine, mode), r.get("error")))
    groups = collections.defaultdict(list)
    for key, err in rows:
        groups[key].append(err)
    print("| kind | dense/MoE | family | engine | mode | cases | predicted | median abs err % | p90 abs err % |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in sorted(groups):
        errs = [abs(e) for e in groups[key] if e is not None]
        med = f"{100 * pct(errs, 0.5):.1f}" if errs else "—"
        p90 = f"{100 * pct(errs, 0.9):.1f}" if errs else "—"
        print(f"| {' | '.join(key)} | {len(groups[key])} | {len(errs)} | {med} | {p90} |")
    allerr = [abs(e) for _, e in rows if e is not None]
    print(f"\nall: {len(rows)} cases, {len(allerr)} predicted, median {100*pct(allerr,0.5):.1f} %, p90 {100*pct(allerr,0.9):.1f} %")


main()
