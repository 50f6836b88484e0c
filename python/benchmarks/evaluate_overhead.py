"""Python call overhead of `fleetplan.evaluate` over the Rust call (docs/benchmarks.md, "Python").

    python python/benchmarks/evaluate_overhead.py [SCENARIO] [REPEAT]

Times REPEAT calls of the Rust-side evaluate made inside the module (`_native.bench_evaluate`,
no Python in between) and REPEAT calls of `fleetplan.evaluate(scenario)` from Python, each
best of 5 rounds, and prints both per call and their difference: what the Python layer adds
(argument handling, GIL release and re-acquire, the result object). The result's JSON is not
built by `evaluate` (only by `to_dict()`/`to_json()`), so it is timed separately.
"""

import sys
import time

import fleetplan
from fleetplan import _native


def best_of(rounds, fn):
    return min(fn() for _ in range(rounds))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "examples/bytedance-2025.toml"
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    scenario = fleetplan.load_scenario(path)
    fleetplan.evaluate(scenario)  # warm up

    rust_s = best_of(5, lambda: _native.bench_evaluate(scenario, repeat))

    def python_call():
        started = time.perf_counter()
        for _ in range(repeat):
            fleetplan.evaluate(scenario)
        return (time.perf_counter() - started) / repeat

    python_s = best_of(5, python_call)
    ev = fleetplan.evaluate(scenario)

    def to_dict():
        started = time.perf_counter()
        for _ in range(10):
            fleetplan.Evaluation(ev._native).to_dict()
        return (time.perf_counter() - started) / 10

    dict_s = best_of(3, to_dict)
    print(f"scenario {path}, {repeat} calls per round, best of 5 rounds")
    print(f"rust evaluate (inside the module) {rust_s * 1e3:9.3f} ms per call")
    print(f"fleetplan.evaluate from Python    {python_s * 1e3:9.3f} ms per call")
    print(f"Python call overhead              {(python_s - rust_s) * 1e3:9.3f} ms per call")
    print(f"to_dict() (JSON text + json.loads) {dict_s * 1e3:8.3f} ms per call")


if __name__ == "__main__":
    main()
