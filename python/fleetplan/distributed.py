"""fleetplan on a Ray cluster: Monte Carlo sweeps split by sample range (``sweep``) and
whole-fleet simulations split by pool (``simulate_fleet``).

Ray is optional (``pip install fleetplan[ray]``); it is imported when one of these functions
runs, not when fleetplan is imported. ``address=None`` starts a local Ray (``ray.init``) unless
one is already running in this process; ``address="ray://host:10001"`` or ``"auto"`` joins a
cluster (``ray start --head`` on one node, ``ray start --address=HEAD:6379`` on the others;
docs/python.md). Every node needs the same fleetplan wheel installed.

Each task loads the scenario from its text with the built-in catalog plus ``catalog_extra``
(override files every node can read) and runs the Rust engine on its share; the results are
gathered and merged in Rust, so they equal the in-process call's exactly.
"""

from __future__ import annotations

import os
from typing import Any, List, Optional, Sequence, Tuple, Union

from . import _native
from ._results import Simulation, Sweep

_REMOTE: dict = {}


def _ray():
    try:
        import ray
    except ImportError as e:  # pragma: no cover - exercised without ray installed
        raise ImportError("fleetplan.distributed needs Ray: pip install 'fleetplan[ray]'") from e
    return ray


def _connect(address: Optional[str], num_cpus: Optional[int]):
    """Ray, started locally (``address`` None) or joined to ``address``, unless already up."""
    ray = _ray()
    if not ray.is_initialized():
        if address is None:
            ray.init(num_cpus=num_cpus if num_cpus is not None else os.cpu_count(), include_dashboard=False,
                     log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    return ray


def _scenario(catalog_extra: Sequence[str], text: str, name: str) -> Any:
    """The scenario a task works on (catalogs are cached per worker process)."""
    key = tuple(catalog_extra)
    cache = _REMOTE.setdefault("catalogs", {})
    if key not in cache:
        cache[key] = _native.Catalog(list(key))
    return _native.load_scenario(cache[key], text=text, name=name)


def _sweep_task(catalog_extra, text, name, samples, seed, mode, start, end):
    """One Ray task: samples [start, end) of the (seed, samples) draw, as a SweepChunk."""
    return _native.sweep_chunk(_scenario(catalog_extra, text, name), samples, seed, mode, start, end)


def _remote(fn, ray):
    if fn.__name__ not in _REMOTE:
        # One thread per task: Ray runs one task per CPU, so the engine's own thread pool is
        # held to one thread (RAYON_NUM_THREADS) rather than every task using every core.
        _REMOTE[fn.__name__] = ray.remote(num_cpus=1, runtime_env={"env_vars": {"RAYON_NUM_THREADS": "1"}})(fn)
    return _REMOTE[fn.__name__]


def _source(scenario: Union[_native.Scenario, str, "os.PathLike[str]"]) -> Tuple[_native.Scenario, str, str]:
    from . import _scenario as load

    s = load(scenario, None)
    return s, s.text, s.file


def ranges(samples: int, chunks: int) -> List[Tuple[int, int]]:
    """``chunks`` contiguous sample ranges covering ``0..samples`` (sizes differ by at most 1).

    >>> ranges(10, 3)
    [(0, 4), (4, 7), (7, 10)]
    """
    chunks = max(1, min(chunks, samples))
    size, extra = divmod(samples, chunks)
    out, start = [], 0
    for i in range(chunks):
        end = start + size + (1 if i < extra else 0)
        out.append((start, end))
        start = end
    return out


def sweep(scenario, samples: int = 1000, seed: int = 0, address: Optional[str] = None,
          chunks: Optional[int] = None, mode: str = "evaluate", output: str = "spend_total",
          catalog_extra: Sequence[str] = (), num_cpus: Optional[int] = None) -> Sweep:
    """``fleetplan.sweep`` split into Ray tasks by sample range: the same result, row for row.

    ``chunks``: tasks (default: the cluster's CPUs). Each task draws the whole ``(seed,
    samples)`` table (cheap), runs its range's samples and returns them as a compact chunk;
    the chunks are gathered here, where the nominal run and the tornado swings run and the
    statistics are computed (``fleetplan_engines::sweep::chunk``). ``num_cpus``: CPUs of a
    local Ray started here (default: all).

    >>> sw = fleetplan.distributed.sweep("examples/bytedance-2025.toml", samples=20_000, seed=3)
    >>> sw.to_pandas()                       # == fleetplan.sweep(..., samples=20_000, seed=3)
    """
    if not isinstance(samples, int) or samples < 1:
        from ._errors import InputError

        raise InputError(f"samples must be a positive whole number, got {samples!r}")
    s, text, name = _source(scenario)
    ray = _connect(address, num_cpus)
    if chunks is None:
        chunks = max(1, int(ray.cluster_resources().get("CPU", 1)))
    task = _remote(_sweep_task, ray)
    extra = [os.fspath(p) for p in catalog_extra]
    refs = [task.remote(extra, text, name, samples, seed, mode, a, b) for a, b in ranges(samples, chunks)]
    pieces = ray.get(refs)
    return Sweep(_native.sweep_gather(s, samples, seed, mode, pieces, output=output))


def _simulate_task(catalog_extra, text, name, settings, jobs):
    """One Ray task: run these (pool, replication) jobs; results as bytes."""
    return _native.simulate_scenario(_scenario(catalog_extra, text, name), stage={"run": jobs}, **settings)


def simulate_fleet(scenario, hours: float = 24.0, seed: int = 1, replications: int = 1,
                   address: Optional[str] = None, chunks: Optional[int] = None,
                   catalog_extra: Sequence[str] = (), num_cpus: Optional[int] = None, **settings) -> Simulation:
    """``fleetplan.simulate(scenario, ...)`` (the scenario form) split into Ray tasks by pool:
    each (pool, replication) is one job; ``chunks`` tasks (default: one per job, at most the
    cluster's CPUs) each run a share of the jobs and return their results (the streaming
    latency histograms and counters) as bytes; they are merged here in Rust
    (``Histogram::merge``), so the percentiles equal the in-process call's for the same seed.

    A pool is never split into replica groups: its replicas share one router and queue, and
    simulating groups apart would change the answer. Other keywords as ``fleetplan.simulate``
    (``workload``, ``quarter``, ``sample_fraction``, ``failures``, ``requests``, ``routing`` ...).

    >>> sim = fleetplan.distributed.simulate_fleet("examples/bytedance-2025.toml", hours=24)
    >>> sim.to_pandas("pool_latency")
    """
    s, text, name = _source(scenario)
    settings = dict(settings, hours=hours, seed=seed, replications=replications)
    jobs = [tuple(j) for j in _native.simulate_scenario(s, stage={"list": True}, **settings)]
    ray = _connect(address, num_cpus)
    if chunks is None:
        chunks = max(1, int(ray.cluster_resources().get("CPU", 1)))
    task = _remote(_simulate_task, ray)
    extra = [os.fspath(p) for p in catalog_extra]
    shares = [jobs[i::chunks] for i in range(min(chunks, len(jobs)))]
    refs = [task.remote(extra, text, name, settings, share) for share in shares if share]
    results = [r for done in ray.get(refs) for r in done]
    return Simulation(_native.simulate_scenario(s, stage={"gather": results}, **settings))


__all__ = ["sweep", "simulate_fleet", "ranges"]
