"""Runtime behaviour of the bindings: the GIL is released during long calls, and the call
overhead over the Rust evaluate stays small."""

import threading
import time

import fleetplan
from fleetplan import _native


def test_the_gil_is_released_during_a_simulation(root, monkeypatch):
    monkeypatch.chdir(root)
    done = threading.Event()
    errors = []

    def work():
        try:
            fleetplan.simulate(chip="h100-sxm", model="llama-3.1-70b", tp=8, requests=60_000, replications=2)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            done.set()

    ticks = 0
    started = time.perf_counter()
    thread = threading.Thread(target=work)
    thread.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    elapsed = time.perf_counter() - started
    assert not errors, errors
    assert elapsed > 0.05, "the simulation must take long enough to tell"
    # With the GIL held for the whole call the loop above could not run until it returned.
    assert ticks >= max(5, 0.1 * elapsed / 0.001), (ticks, elapsed)


def test_python_call_overhead_is_small(root, monkeypatch):
    monkeypatch.chdir(root)
    scenario = fleetplan.load_scenario("examples/quickstart.toml")
    fleetplan.evaluate(scenario)
    repeat = 20
    rust_s = min(_native.bench_evaluate(scenario, repeat) for _ in range(3))

    def python_call():
        started = time.perf_counter()
        for _ in range(repeat):
            fleetplan.evaluate(scenario)
        return (time.perf_counter() - started) / repeat

    python_s = min(python_call() for _ in range(3))
    # The requirement is 1 ms (measured in docs/benchmarks.md); a shared CI machine gets slack.
    assert python_s - rust_s < 0.005, (python_s, rust_s)
