#!/usr/bin/env python3
"""Training-only calibration report: runs `fleetplan validate --json` on the public validation
files and prints every training case's error plus median / p90 |error| over training cases.

Usage: scripts/training-calibration.py [BINARY [--catalog FILE]] (default ./target/release/fleetplan).
"""
import json
import subprocess
import sys
import tomllib

FILES = [
    "crates/fleetplan-models/tests/data/calibration.toml",
    "crates/fleetplan-models/tests/data/calibration-extended.toml",
]



def percentile_nearest_rank(sorted_values, q):
    rank = max(1, min(len(sorted_values), -(-int(q * len(sorted_values) * 1000) // 1000)))
    return sorted_values[rank - 1]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "./target/release/fleetplan"
    extra = sys.argv[2:]  # e.g. --catalog FILE
    errors, missing = [], []
    for path in FILES:
        with open(path, "rb") as f:
            kinds = {c["id"]: c["kind"] for c in tomllib.load(f)["case"]}
        run = subprocess.run([binary, "validate", "--json", *extra, path], capture_output=True, text=True)
        doc = json.loads(run.stdout)
        for case in doc["cases"]:
            if kinds.get(case["id"]) != "training":
                continue
            if case["error"] is None:
                missing.append(case["id"])
                print(f"{case['id']:58s} {'—':>9s}  {case.get('reason', '')}")
            else:
                errors.append(abs(case["error"]))
                print(f"{case['id']:58s} {case['predicted']:9.4g} {case['measured']:9.4g} {100 * case['error']:+7.1f} %")
    errors.sort()
    n = len(errors)
    if n:
        median = errors[n // 2] if n % 2 else (errors[n // 2 - 1] + errors[n // 2]) / 2
        p90 = errors[max(1, min(n, -(-9 * n // 10))) - 1]
        print(f"training: {n} predicted, {len(missing)} not; median |error| {100 * median:.1f} %, "
              f"p90 {100 * p90:.1f} %, max {100 * errors[-1]:.1f} %")


if __name__ == "__main__":
    main()
