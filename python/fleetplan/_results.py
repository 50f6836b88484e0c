"""Result objects: a JSON document (the CLI's ``--format json`` output for the same request)
with its tables as ``pyarrow.Table`` and ``pandas.DataFrame``.

A table is a list of records in the document, named by its key (``"quarters"``) or a dotted
path (``"summary.pools"``); nested objects in a record become dotted columns
(``cost.capex_usd``). Nothing here computes: every number comes from the Rust libraries.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional


def _flatten(record: Dict[str, Any], prefix: str = "") -> Dict[str, Any]:
    row: Dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            row.update(_flatten(value, name + "."))
        elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            row[name] = json.dumps(value)
        else:
            row[name] = value
    return row


def _at(doc: Any, path: str) -> Any:
    node = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


class Result:
    """A fleetplan result.

    ``to_dict()`` is the document ``fleetplan <command> --format json`` prints;
    ``to_arrow(table)`` / ``to_pandas(table)`` give one of its tables (``tables`` lists them).
    """

    #: The table ``to_arrow()`` / ``to_pandas()`` give when none is named.
    default_table: Optional[str] = None
    #: Tables named beyond the document's top-level lists: name -> dotted path, or a
    #: function of the document returning the records.
    extra_tables: Dict[str, Any] = {}

    def __init__(self, native: Any):
        self._native = native
        self._dict: Optional[Dict[str, Any]] = None

    @property
    def ok(self) -> bool:
        """False for an infeasible plan (the plan under the smallest relaxation is returned),
        a scenario with problems (``check``) or validation cases rejected alongside the others."""
        return bool(self._native.ok)

    def to_json(self) -> str:
        """The result as JSON text, identical to the CLI's ``--format json`` output."""
        return self._native.json()

    def to_dict(self) -> Dict[str, Any]:
        """The result as a dict (parsed once, then cached: do not mutate it)."""
        if self._dict is None:
            self._dict = json.loads(self._native.json())
        return self._dict

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    @property
    def tables(self) -> List[str]:
        """Names of the tables ``to_arrow`` and ``to_pandas`` accept."""
        doc = self.to_dict()
        names = [k for k, v in doc.items() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)]
        return names + [n for n in self.extra_tables if n not in names]

    def records(self, table: Optional[str] = None) -> List[Dict[str, Any]]:
        """The rows of ``table`` as flat dicts (nested fields as dotted columns)."""
        name = table or self.default_table
        if name is None:
            raise ValueError(f"name a table: one of {', '.join(self.tables)}")
        source = self.extra_tables.get(name, name)
        rows = source(self.to_dict()) if callable(source) else _at(self.to_dict(), source)
        if not isinstance(rows, list):
            raise KeyError(f"no table `{name}` in this result; tables: {', '.join(self.tables)}")
        return [_flatten(r) if isinstance(r, dict) else {"value": r} for r in rows]

    def to_arrow(self, table: Optional[str] = None):
        """Table ``table`` (default: :attr:`default_table`) as a ``pyarrow.Table``."""
        import pyarrow as pa

        rows = self.records(table)
        names: List[str] = []
        for row in rows:
            names += [k for k in row if k not in names]
        columns = {}
        for name in names:
            values = [row.get(name) for row in rows]
            try:
                columns[name] = pa.array(values)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                # A column mixing kinds (a string in one row, a list in another) becomes text.
                columns[name] = pa.array([v if v is None or isinstance(v, str) else json.dumps(v) for v in values])
        return pa.table(columns) if columns else pa.table({})

    def to_pandas(self, table: Optional[str] = None):
        """Table ``table`` (default: :attr:`default_table`) as a ``pandas.DataFrame``."""
        import pandas as pd

        return pd.DataFrame.from_records(self.records(table))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} tables={self.tables}>"


class Evaluation(Result):
    """``evaluate``'s result: per-quarter totals (``quarters``), per-workload coverage
    (``workloads``), ``holdings``, ``violations``, ``sites``, ``training``, ``idle`` ..."""

    default_table = "quarters"

    def _repr_html_(self) -> str:  # a notebook shows the quarter table
        try:
            return self.to_pandas("quarters")._repr_html_()
        except ImportError:
            return repr(self)


class Plan(Result):
    """``optimize``'s result: ``purchases``, ``holdings``, ``served``, ``training``,
    ``allocation``, ``violations`` and the evaluator's ``idle`` table; ``spend_by_quarter``."""

    default_table = "purchases"
    extra_tables = {
        "spend_by_quarter": lambda d: [{"quarter": q, "spend": x} for q, x in d.get("spend_by_quarter", [])],
    }


class Check(Result):
    """``check``'s result: ``ok`` and the located ``diagnostics``."""

    default_table = "diagnostics"


_LATENCY_METRICS = ("ttft", "tpot", "e2e", "queue_wait")


def _latency(summary: Optional[Dict[str, Any]], **key: Any) -> List[Dict[str, Any]]:
    """One row per latency metric of a simulation summary (count, mean and percentiles, s)."""
    if not summary:
        return []
    return [dict(key, metric=m, **summary[m]) for m in _LATENCY_METRICS if isinstance(summary.get(m), dict)]


def _pool_latency(doc: Dict[str, Any]) -> List[Dict[str, Any]]:
    rows: List[Dict[str, Any]] = []
    for p in doc.get("pools", []):
        pool = p.get("pool", {})
        rows += _latency(p.get("summary"), region=pool.get("region"), chip=pool.get("chip"))
    return rows


class Simulation(Result):
    """``simulate``'s result. ``latency``: one row per metric (ttft, tpot, e2e, queue_wait) with
    count, mean and p50/p90/p99/p99.9/max in seconds; a scenario run also has ``pools`` and
    ``pool_latency``."""

    default_table = "latency"
    extra_tables = {
        "latency": lambda d: _latency(d.get("summary")),
        "pool_latency": _pool_latency,
    }


class InferPerf(Result):
    """``perf.infer``'s result: ``result.best`` figures; ``curve`` (with ``curve=True``)."""

    default_table = "curve"


class TrainPerf(Result):
    """``perf.train``'s result: ``search.best`` (layout, step time, MFU, time to train)."""

    extra_tables = {"best": lambda d: [d["search"]["best"]]}
    default_table = "best"


class PolicyAnswer(Result):
    """``policy.check``'s answer: ``kind`` (allowed, licence-required, prohibited), the deciding
    ``rule_id``, ``reason``, ``advisories`` and ``fee_fraction``."""

    extra_tables = {"answer": lambda d: [d]}
    default_table = "answer"

    @property
    def kind(self) -> str:
        return self.to_dict()["kind"]


class Validation(Result):
    """``validate``'s result: ``cases`` (predicted, measured, error, interval), ``summary`` and
    ``fleet_cases``. ``rejected``: the rendered problems of cases left out (unknown ids)."""

    default_table = "cases"

    def __init__(self, native: Any, rejected: List[str]):
        super().__init__(native)
        self.rejected = rejected


def _sensitivity(doc: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [{"output": s["output"], "input": i, "spearman": rho}
            for s in doc.get("sensitivity", []) for i, rho in s["spearman"]]


class Sweep(Result):
    """``sweep``'s result. ``to_dict()`` is ``fleetplan sweep --format json`` (summary.json).

    Tables: ``samples`` (the default; one row per sample: ``sample``, every varied input, every
    output — samples.csv's columns, built straight from the Rust rows), ``outputs`` (nominal,
    p5, p50, p95, mean of each output), ``inputs`` (path, nominal, low, high), ``tornado`` (the
    bars of the tornado output), ``sensitivity`` (Spearman's rho per output and input) and, in
    optimize mode, ``choices``."""

    default_table = "samples"
    extra_tables = {
        "tornado": lambda d: d["tornado"]["bars"],
        "sensitivity": _sensitivity,
        "samples": None,
    }

    def _samples(self):
        names, columns = self._native.samples_columns()
        columns[0] = [int(v) for v in columns[0]]
        return names, columns

    def records(self, table: Optional[str] = None) -> List[Dict[str, Any]]:
        if (table or self.default_table) == "samples":
            names, columns = self._samples()
            return [dict(zip(names, row)) for row in zip(*columns)]
        return super().records(table)

    def to_arrow(self, table: Optional[str] = None):
        if (table or self.default_table) == "samples":
            import pyarrow as pa

            names, columns = self._samples()
            return pa.table({n: pa.array(c, type=pa.uint64() if i == 0 else pa.float64())
                             for i, (n, c) in enumerate(zip(names, columns))})
        return super().to_arrow(table)

    def to_pandas(self, table: Optional[str] = None):
        if (table or self.default_table) == "samples":
            import pandas as pd

            names, columns = self._samples()
            frame = pd.DataFrame({n: pd.Series(c, dtype="int64" if i == 0 else "float64")
                                  for i, (n, c) in enumerate(zip(names, columns))})
            return frame
        return super().to_pandas(table)

    @property
    def samples(self) -> int:
        """Samples drawn."""
        return int(self.to_dict()["samples"])
