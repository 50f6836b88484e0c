#!/usr/bin/env bash
# Writes the JSON (and table) outputs of evaluate, optimize and simulate on every example into
# DIR, with the solver's wall-time fields masked, so that two builds can be compared byte for
# byte:  scripts/golden-outputs.sh BIN DIR_A  (before) ; scripts/golden-outputs.sh BIN DIR_B
# (after) ; diff -r DIR_A DIR_B.  Used for behaviour-preserving refactors.
set -euo pipefail
bin=${1:?usage: golden-outputs.sh FLEETPLAN_BINARY OUT_DIR}
out=${2:?usage: golden-outputs.sh FLEETPLAN_BINARY OUT_DIR}
cd "$(dirname "$0")/.."
mkdir -p "$out"
# Wall-clock fields of the solver report: the only values allowed to differ between runs.
mask() { sed -E 's/"(solve_s|total_s|wall_s|elapsed_s)": [-0-9.eE+]+/"\1": "<masked>"/; s/[0-9.]+ s (first solve|in all)/<masked> s \1/g'; }
for f in examples/*.toml; do
  name=$(basename "$f" .toml)
  "$bin" evaluate "$f" --format json | mask > "$out/$name.evaluate.json"
  "$bin" evaluate "$f" --format table | mask > "$out/$name.evaluate.txt"
  "$bin" optimize "$f" --format json | mask > "$out/$name.optimize.json"
  "$bin" optimize "$f" | mask > "$out/$name.optimize.txt"
done
for f in examples/*.toml; do "$bin" check "$f" | mask > "$out/$(basename "$f" .toml).check.txt"; done
# Scenario form of simulate, one chat workload per example.
"$bin" simulate examples/quickstart.toml --json --requests 20000 --seed 7 | mask > "$out/quickstart.simulate.json"
"$bin" simulate examples/bytedance-2025.toml --workload doubao --json --requests 20000 --seed 7 | mask > "$out/bytedance-2025.simulate.json"
"$bin" simulate examples/us-hyperscaler-2025.toml --workload copilot --json --requests 20000 --seed 7 | mask > "$out/us-hyperscaler-2025.simulate.json"
# Standalone forms.
"$bin" simulate --chip h100-sxm --chips 8 --tp 2 --model llama-2-70b --precision fp8 --qps 20 \
  --input 1000 --output 200 --requests 20000 --seed 3 --json | mask > "$out/standalone.simulate.json"
"$bin" perf infer --chip h100-sxm --model llama-2-70b --precision fp8 --json | mask > "$out/perf-infer.json" 2>&1 || true
"$bin" validate crates/fleetplan-models/tests/data/calibration.toml --json | mask > "$out/validate.json" 2>&1 || true
"$bin" policy matrix --date 2025-06-01 --buyer-hq CN | mask > "$out/policy-matrix.txt" 2>&1 || true
echo "wrote $(ls "$out" | wc -l) files to $out"
