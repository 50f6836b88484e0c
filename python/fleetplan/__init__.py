"""fleetplan: plans, prices and stress-tests AI compute fleets — from Python.

The same library code as the ``fleetplan`` command line, compiled into ``fleetplan._native``;
results come back as objects whose ``to_dict()`` is the CLI's ``--format json`` document and
whose tables come out as ``pyarrow.Table`` / ``pandas.DataFrame``.

>>> import fleetplan
>>> s = fleetplan.load_scenario("examples/bytedance-2025.toml")
>>> ev = fleetplan.evaluate(s)
>>> ev.to_pandas("quarters")[["quarter", "accelerators", "spend"]]   # doctest: +SKIP

See docs/python.md. ``fleetplan.sweep`` runs a Monte Carlo sweep in process;
``fleetplan.distributed`` runs it (and whole-fleet simulations) as Ray tasks (``pip install
fleetplan[ray]``; importing fleetplan does not need Ray).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence, Union

from . import _native
from ._errors import (
    Diagnostic,
    FleetplanError,
    InputError,
    InternalError,
    ReadError,
    ScenarioError,
    UnknownIdError,
)
from ._results import (
    Check,
    Evaluation,
    InferPerf,
    Plan,
    PolicyAnswer,
    Result,
    Simulation,
    Sweep,
    TrainPerf,
    Validation,
)
from . import distributed, perf, policy

__version__ = _native.__version__

PathLike = Union[str, "os.PathLike[str]"]

Catalog = _native.Catalog
Scenario = _native.Scenario

_default_catalog: Optional[_native.Catalog] = None


def default_catalog() -> _native.Catalog:
    """The built-in catalog (loaded once per process)."""
    global _default_catalog
    if _default_catalog is None:
        _default_catalog = _native.Catalog()
    return _default_catalog


def _catalog(catalog: Optional[_native.Catalog]) -> _native.Catalog:
    return default_catalog() if catalog is None else catalog


def _is_text(value: Union[PathLike, str]) -> bool:
    """A string holding TOML rather than naming a file: it has a line break or a table header
    and is not an existing path."""
    if not isinstance(value, str):
        return False
    if "\n" in value or value.lstrip().startswith("["):
        return not os.path.exists(value) if len(value) < 4096 else True
    return False


def load_scenario(path_or_text: Union[PathLike, str], catalog: Optional[Catalog] = None,
                  name: str = "<string>") -> Scenario:
    """Read and validate a scenario: a path, or the TOML text itself.

    Raises :class:`ScenarioError` (every problem located, as ``fleetplan check`` prints them)
    or :class:`ReadError`.

    >>> s = fleetplan.load_scenario("examples/quickstart.toml")
    >>> s = fleetplan.load_scenario(Path("examples/quickstart.toml").read_text(), name="quick.toml")
    """
    cat = _catalog(catalog)
    if _is_text(path_or_text):
        return _native.load_scenario(cat, text=path_or_text, name=name)
    return _native.load_scenario(cat, path=os.fspath(path_or_text))


def _scenario(scenario: Union[Scenario, PathLike], catalog: Optional[Catalog]) -> Scenario:
    if isinstance(scenario, _native.Scenario):
        return scenario
    return load_scenario(scenario, catalog)


def evaluate(scenario: Union[Scenario, PathLike], catalog: Optional[Catalog] = None) -> Evaluation:
    """Evaluate a scenario's fixed fleet (``fleetplan evaluate``).

    >>> ev = fleetplan.evaluate(fleetplan.load_scenario("examples/bytedance-2025.toml"))
    >>> ev.to_pandas("workloads")              # per-workload coverage by quarter
    >>> ev.to_dict()["spend"]["total"]          # the CLI's JSON
    """
    return Evaluation(_native.evaluate(_scenario(scenario, catalog)))


def optimize(scenario: Union[Scenario, PathLike], objective: Optional[str] = None, solver: str = "microlp",
             gap: Optional[float] = None, time_limit_s: Optional[float] = None, explain: bool = True,
             path: str = "auto", catalog: Optional[Catalog] = None) -> Plan:
    """Plan what to buy or lease, where and when (``fleetplan optimize``).

    ``objective``: ``min-tco``, ``max-served``, ``max-training`` or ``max-margin`` (default:
    the scenario's). ``solver``: ``microlp`` (or ``highs`` in a build with that feature).
    ``gap``: relative MIP gap (default 0.005); ``time_limit_s``: per solve (default 30 s).
    ``path``: ``auto``, ``exact`` or ``relaxation``. An infeasible scenario returns the plan
    under the smallest relaxation with ``plan.ok`` false (the CLI exits 2 there).

    >>> plan = fleetplan.optimize("examples/quickstart.toml", objective="min-tco")
    >>> plan.to_pandas("purchases")
    """
    settings = {"gap": gap, "time_limit_s": time_limit_s}
    given = {k: v for k, v in settings.items() if v is not None}
    return Plan(_native.optimize(_scenario(scenario, catalog), objective=objective, solver=solver, explain=explain,
                                 path=path, **given))


def check(path: PathLike, catalog: Optional[Catalog] = None) -> Check:
    """Check a scenario file without raising (``fleetplan check --format json``).

    >>> fleetplan.check("examples/quickstart.toml").ok
    True
    """
    return Check(_native.check(_catalog(catalog), os.fspath(path)))


def simulate(scenario: Union[Scenario, PathLike, None] = None, *, chip: Optional[str] = None,
             model: Optional[str] = None, catalog: Optional[Catalog] = None, **settings) -> Simulation:
    """Discrete-event serving simulation (``fleetplan simulate``): latency percentiles,
    throughput, goodput and SLO attainment.

    Scenario form — a scenario's chat workload on the fleet its evaluation allocates; settings
    ``workload``, ``hours`` (24), ``quarter`` ("2025Q3"), ``sample_fraction``, ``failures``
    (True), ``mtbf_hours``, ``repair_hours``, ``requests`` (request budget of one replication),
    ``seed``, ``replications``, ``routing``, ``input_sigma``, ``output_sigma``::

        sim = fleetplan.simulate("examples/quickstart.toml", hours=2, requests=20_000)
        sim.to_pandas("latency")          # ttft/tpot/e2e/queue_wait percentiles, s

    Standalone form — one deployment named by keywords, as ``simulate --chip --model``:
    ``chips`` (8), ``tp``, ``pp``, ``precision``, ``qps`` (10), ``input``, ``output`` (tokens),
    ``input_sigma``, ``output_sigma``, ``requests`` (100,000), ``trace`` (CSV path), ``seed``,
    ``replications``, ``routing``, ``ttft_p99_ms``, ``tpot_p99_ms``, ``mtbf_hours``,
    ``repair_hours``, ``prefill_replicas``::

        sim = fleetplan.simulate(chip="h100-sxm", model="llama-3.1-70b", tp=8, qps=20)
    """
    if scenario is not None:
        if chip is not None or model is not None:
            raise InputError("chip and model describe a standalone run; with a scenario the fleet and workload come "
                             "from the scenario")
        return Simulation(_native.simulate_scenario(_scenario(scenario, catalog), **settings))
    if chip is None or model is None:
        raise InputError("give a scenario, or chip= and model= for a standalone run "
                         "(e.g. chip=\"h100-sxm\", model=\"llama-3.1-70b\")")
    if "trace" in settings and settings["trace"] is not None:
        settings["trace"] = os.fspath(settings["trace"])
    return Simulation(_native.simulate_standalone(_catalog(catalog), chip, model, **settings))


def validate(paths: Union[PathLike, Sequence[PathLike]], catalog: Optional[Catalog] = None) -> Validation:
    """Predict published measurements (``fleetplan validate``; the case format of
    shared/validation/README.md): each case's prediction, error and 80 % interval, the summary,
    and the fleet cases run through the whole chain.

    Cases with unknown ids are left out: their problems are in ``.rejected`` and ``.ok`` is
    False. A file that does not parse raises :class:`ScenarioError`.

    >>> v = fleetplan.validate("crates/fleetplan-models/tests/data/calibration.toml")
    >>> v["summary"]["median_abs_error"], v.to_pandas("cases").head()
    """
    files = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    native, rejected = _native.validate(_catalog(catalog), [os.fspath(p) for p in files])
    return Validation(native, rejected)


def sweep(scenario: Union[Scenario, PathLike], samples: int = 1000, seed: int = 0, mode: str = "evaluate",
          output: str = "spend_total", catalog: Optional[Catalog] = None) -> Sweep:
    """Monte Carlo sweep over the scenario's uncertain inputs (``fleetplan sweep``; its
    ``[uncertainty]`` section plus the catalog's default distributions, docs/uncertainty.md).

    ``samples`` Latin-hypercube samples drawn from ``seed`` (the same seed and sample count give
    the same rows); ``mode``: ``evaluate`` the scenario's fleet or ``optimize`` (plan) each
    sampled world; ``output``: the output the tornado is drawn for. The GIL is released while
    it runs (it uses every core).

    >>> sw = fleetplan.sweep("examples/bytedance-2025.toml", samples=500, seed=3)
    >>> df = sw.to_pandas()                      # one row per sample: inputs and outputs
    >>> df["spend_total"].describe()
    >>> sw.to_pandas("tornado")                  # the bars of spend_total's tornado
    >>> sw.to_dict()["probability_miss_demand"]  # fleetplan sweep --format json
    """
    return Sweep(_native.sweep(_scenario(scenario, catalog), samples=samples, seed=seed, mode=mode, output=output))


__all__ = [
    "Catalog", "Scenario", "default_catalog", "load_scenario", "evaluate", "optimize", "check", "simulate",
    "validate", "sweep", "perf", "policy", "distributed",
    "Result", "Evaluation", "Plan", "Check", "Simulation", "Sweep", "InferPerf", "TrainPerf", "PolicyAnswer", "Validation",
    "FleetplanError", "ScenarioError", "UnknownIdError", "InputError", "ReadError", "InternalError", "Diagnostic",
]
