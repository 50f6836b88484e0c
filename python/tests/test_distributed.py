"""fleetplan.distributed on a local Ray with 2 workers: the sweep split into tasks equals the
in-process sweep row for row. Skipped (with the reason) where Ray is not installed; CI
installs it (.ci/run)."""

import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'fleetplan[ray]'); CI installs it")

import fleetplan  # noqa: E402

BYTEDANCE = "examples/bytedance-2025.toml"


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def bytedance(root):
    return fleetplan.load_scenario(root / BYTEDANCE)


def test_ray_sweep_equals_the_in_process_sweep_row_for_row(local_ray, bytedance):
    assert local_ray.cluster_resources()["CPU"] == 2
    here = fleetplan.sweep(bytedance, samples=2000, seed=3)
    spread = fleetplan.distributed.sweep(bytedance, samples=2000, seed=3)
    a, b = here.to_pandas(), spread.to_pandas()
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b) == 2000
    assert a.equals(b)
    assert spread.to_dict() == here.to_dict()


def test_chunk_count_does_not_change_the_rows(local_ray, bytedance):
    here = fleetplan.sweep(bytedance, samples=50, seed=9)
    for chunks in (1, 3, 7):
        assert fleetplan.distributed.sweep(bytedance, samples=50, seed=9, chunks=chunks).to_dict() == here.to_dict()


def test_a_task_error_reaches_the_caller(local_ray, bytedance):
    with pytest.raises(Exception, match="mode must be"):
        fleetplan.distributed.sweep(bytedance, samples=10, seed=1, mode="plan")


def test_simulate_fleet_equals_the_in_process_simulation(local_ray, bytedance):
    settings = dict(workload="doubao/deepseek-v3", quarter="2025Q3", hours=0.5, requests=4000, replications=3,
                    seed=2)
    here = fleetplan.simulate(bytedance, **settings)
    spread = fleetplan.distributed.simulate_fleet(bytedance, **settings)
    assert spread.to_dict() == here.to_dict()
    assert spread.to_pandas("latency").equals(here.to_pandas("latency"))
