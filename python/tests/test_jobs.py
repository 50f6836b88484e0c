"""The pieces fleetplan.distributed moves, without Ray: a scenario simulation's jobs run apart,
their results as bytes, gathered into the document of the in-process simulation."""

import pytest

import fleetplan
from fleetplan import _native

SIM = dict(workload="doubao/deepseek-v3", quarter="2025Q3", hours=0.5, requests=4000, replications=2, seed=5)


@pytest.fixture(scope="module")
def bytedance(root):
    return fleetplan.load_scenario(root / "examples/bytedance-2025.toml")


def test_jobs_run_apart_and_gathered_equal_the_in_process_simulation(bytedance):
    jobs = _native.simulate_scenario(bytedance, stage={"list": True}, **SIM)
    assert len(jobs) >= 2 and all(i < SIM["replications"] for _, i in jobs)
    # Each job alone, in reverse order (as tasks may finish), then gathered.
    results = [r for job in reversed(jobs) for r in _native.simulate_scenario(bytedance, stage={"run": [job]}, **SIM)]
    gathered = fleetplan.Simulation(_native.simulate_scenario(bytedance, stage={"gather": results}, **SIM))
    here = fleetplan.simulate(bytedance, **SIM)
    assert gathered.to_dict() == here.to_dict()
    assert gathered.to_pandas("latency").equals(here.to_pandas("latency"))


def test_gather_refuses_missing_foreign_or_damaged_results(bytedance):
    jobs = _native.simulate_scenario(bytedance, stage={"list": True}, **SIM)
    results = _native.simulate_scenario(bytedance, stage={"run": jobs}, **SIM)
    with pytest.raises(fleetplan.InputError, match="one per job"):
        _native.simulate_scenario(bytedance, stage={"gather": results[:-1]}, **SIM)
    k, i, data = results[0]
    with pytest.raises(fleetplan.InputError, match="not the bytes of a simulation result"):
        _native.simulate_scenario(bytedance, stage={"gather": [(k, i, data[:-8])] + results[1:]}, **SIM)
    with pytest.raises(fleetplan.InputError, match="pool 99 does not exist"):
        _native.simulate_scenario(bytedance, stage={"run": [(99, 0)]}, **SIM)
