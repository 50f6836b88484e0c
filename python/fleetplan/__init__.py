"""fleetplan: plans, prices and stress-tests AI compute fleets — from Python.

The same library code as the ``fleetplan`` command line, compiled into ``fleetplan._native``;
results come back as objects whose ``to_dict()`` is the CLI's ``--format json`` document and
whose tables come out as ``pyarrow.Table`` / ``pandas.DataFrame``.

>>> import fleetplan
>>> s = fleetplan.load_scenario("examples/bytedance-2025.toml")
>>> ev = fleetplan.evaluate(s)
>>> ev.to_pandas("quarters")[["quarter", "accelerators", "spend"]]   # doctest: +SKIP

See docs/python.md. The sweep of issue 11 (``fleetplan.sweep``) and its Ray form
(``fleetplan.distributed``) are not part of this package yet.
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
from ._results import Check, Evaluation, Plan, Result

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


__all__ = [
    "Catalog", "Scenario", "default_catalog", "load_scenario", "evaluate", "optimize", "check",
    "Result", "Evaluation", "Plan", "Check",
    "FleetplanError", "ScenarioError", "UnknownIdError", "InputError", "ReadError", "InternalError", "Diagnostic",
]
