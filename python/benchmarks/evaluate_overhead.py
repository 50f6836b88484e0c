"""Python call overhead of `fleetplan.evaluate` over the Rust call (docs/benchmarks.md, "Python").

    python python/benchmarks/evaluate_overhead.py [SCENARIO] [REPEAT]

Times REPEAT interleaved pairs of calls: the Rust-side evaluate made inside the module
(`_native.bench_evaluate`, no Python in between) and `fleetplan.evaluate(scenario)` from
Python, and prints both and the median of the pairs' differences: what the Python layer adds
(argument handling, GIL release and re-acquire, the result object). The result's JSON is not
built by `evaluate` (only by `to_dict()`/`to_json()`), so it is timed separately.
"""

import statistics
import sys
import time

import fleetplan
from fleetplan import _native


def python_call(scenario):
    started = time.perf_counter()
    fleetplan.evaluate(scenario)
    return time.perf_counter() - started


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "examples/bytedance-2025.toml"
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    scenario = fleetplan.load_scenario(path)
    fleetplan.evaluate(scenario)  # warm up
    # Interleaved pairs (Rust call inside the module, then the Python call) so that the load of
    # a shared machine falls on both alike; the median of the pairs' differences is the overhead.
    rust, python = [], []
    for _ in range(repeat):
        rust.append(_native.bench_evaluate(scenario, 1))
        python.append(python_call(scenario))
    diffs = sorted(p - r for p, r in zip(python, rust))
    ev = fleetplan.evaluate(scenario)
    started = time.perf_counter()
    for _ in range(10):
        fleetplan.Evaluation(ev._native).to_dict()
    dict_s = (time.perf_counter() - started) / 10
    median = statistics.median
    print(f"scenario {path}, {repeat} interleaved pairs of calls")
    print(f"rust evaluate (inside the module)  median {median(rust) * 1e3:9.3f} ms, min {min(rust) * 1e3:9.3f} ms")
    print(f"fleetplan.evaluate from Python     median {median(python) * 1e3:9.3f} ms, min {min(python) * 1e3:9.3f} ms")
    print(f"Python call overhead (pairs)       median {median(diffs) * 1e3:9.3f} ms, "
          f"quartiles {diffs[len(diffs) // 4] * 1e3:.3f} / {diffs[3 * len(diffs) // 4] * 1e3:.3f} ms")
    print(f"to_dict() (JSON text + json.loads) {dict_s * 1e3:9.3f} ms per call")


if __name__ == "__main__":
    main()
