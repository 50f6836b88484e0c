#!/usr/bin/env bash
# Measure fleetplan against peer tools in one run: simulator speed (vidur) and analytical
# accuracy + time per prediction (genz-llm, llm-analysis). See bench/peers/README.md.
# Usage: bash bench/peers/run.sh            (VIDUR_N=10000 to change vidur's request count)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=bench/peers
VENVS=target/peers-venv
OUT=target/peers-out
VIDUR_N=${VIDUR_N:-10000}
CASES=crates/fleetplan-models/tests/data/calibration.toml
mkdir -p "$VENVS" "$OUT"

# One venv per tool (their pins conflict); requirements.txt marks which lines go where.
for v in vidur llma ana; do
  if [ ! -x "$VENVS/$v/bin/python" ]; then python3 -m venv "$VENVS/$v"; fi
  awk -v v="$v" '/^# venv:/{cur=$3; next} /^#/||NF==0{next} cur==v' "$HERE/requirements.txt" > "$OUT/req-$v.txt"
  nice -n 10 "$VENVS/$v/bin/pip" install -q -r "$OUT/req-$v.txt"
done

nice -n 10 cargo build --release -q -p fleetplan
FP=./target/release/fleetplan
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" | tee "$OUT/machine.txt"
for v in vidur llma ana; do "$VENVS/$v/bin/pip" freeze > "$OUT/freeze-$v.txt"; done

# --- 1. simulator speed (same workload) -------------------------------------------------
sim() {  # $1 = requests, $2 = pipeline stages; prints one JSON line
  local s e
  s=$(date +%s.%N)
  nice -n 10 "$FP" simulate --chip h100-sxm --chips 8 --tp 2 --pp "$2" --model llama-2-70b --precision fp8 \
    --qps 75 --input 300 --output 290 --requests "$1" --seed 1 --json > "$OUT/fleetplan-sim-$1-pp$2.json"
  e=$(date +%s.%N)
  python3 -c "import json,sys; n,pp,w=int(sys.argv[1]),int(sys.argv[2]),float(sys.argv[3]); print(json.dumps({'tool':'fleetplan','requests':n,'layout':f'{8//(2*pp)} replicas x TP2 PP{pp}','wall_s':round(w,3),'requests_per_wall_s_total':round(n/w,1)}))" "$1" "$2" "$(echo "$e - $s" | bc)"
}
{
  sim "$VIDUR_N" 1
  sim "$VIDUR_N" 2
  sim 1000000 1
  sim 1000000 2
  nice -n 10 "$VENVS/vidur/bin/python" "$HERE/vidur_sim.py" --requests "$VIDUR_N" 2> "$OUT/vidur.stderr" \
    || echo '{"tool":"vidur","predictor":"python","failed":true}'
  nice -n 10 "$VENVS/vidur/bin/python" "$HERE/vidur_sim.py" --requests "$VIDUR_N" --native 2> "$OUT/vidur-native.stderr" \
    || echo '{"tool":"vidur","predictor":"native","failed":true}'
  nice -n 10 "$VENVS/vidur/bin/python" "$HERE/vidur_sim.py" --requests 500 --pp 1 2> "$OUT/vidur-pp1.stderr" \
    || echo '{"tool":"vidur","predictor":"python","layout":"4 replicas x TP2 PP1","failed":true}'
} | tee "$OUT/sim.jsonl"

# --- 2. analytical accuracy and time per prediction -------------------------------------
s=$(date +%s.%N)
for _ in 1 2 3 4 5; do "$FP" validate "$CASES" --json > "$OUT/fleetplan-validate.json"; done
e=$(date +%s.%N)
python3 -c "import json,sys; print(json.dumps({'tool':'fleetplan','validate_wall_s_per_run':(float(sys.argv[2])-float(sys.argv[1]))/5}))" "$s" "$e" > "$OUT/fleetplan-validate-time.json"
"$VENVS/ana/bin/python" "$HERE/analytical.py" --tool genz "$CASES" 2> "$OUT/genz.stderr" > "$OUT/genz.jsonl"
"$VENVS/llma/bin/python" "$HERE/analytical.py" --tool llm-analysis "$CASES" 2> "$OUT/llma.stderr" > "$OUT/llma.jsonl"

python3 "$HERE/summarize.py" "$OUT"
