"""What a chip delivers for a workload (``fleetplan perf infer|train``).

>>> import fleetplan
>>> r = fleetplan.perf.infer(chip="h100-sxm", model="llama-3.1-70b", chips=8, ttft_p99_ms=500)
>>> r["result"]["best"]["output_tokens_per_s_per_chip"]
>>> fleetplan.perf.infer(chip="h100-sxm", model="llama-3.1-70b", curve=True).to_pandas("curve")
>>> t = fleetplan.perf.train(chip="h100-sxm", model="llama-3.1-70b", chips=1024, tokens=15e12)
>>> t["search"]["best"]["mfu"]
"""

from __future__ import annotations

from typing import Any, Optional

from . import _native
from ._results import InferPerf, TrainPerf


def _cat(catalog: Any) -> Any:
    from . import default_catalog

    return default_catalog() if catalog is None else catalog


def infer(chip: str, model: str, chips: int = 8, precision: str = "bf16", *, catalog: Optional[Any] = None,
          **settings: Any) -> InferPerf:
    """LLM serving on ``chips`` × ``chip``: best layout and batch, tokens/s per chip, TTFT/TPOT,
    binding resource, the 80 % interval (``fleetplan perf infer``).

    Keyword settings, as the CLI's flags with ``_`` for ``-``: ``kv_precision``, ``input``,
    ``output`` (mean tokens), ``cached_input_fraction``, ``output_cv``, ``output_max``,
    ``beams``, ``mtp_draft_tokens``, ``mtp_acceptance``, ``requests`` (a burst),
    ``concurrency`` (a closed loop), ``scenario`` (offline, server, prefill, decode),
    ``ttft_p99_ms``, ``tpot_p99_ms``, ``engine``, ``engine_version``, ``tp``, ``pp``, ``dp``,
    ``ep`` (fixed degrees), ``curve`` (the latency–throughput curve).

    Raises :class:`fleetplan.UnknownIdError` for an unknown chip, model or engine, and
    :class:`fleetplan.InputError` for a setting out of range or a model that does not fit.
    """
    return InferPerf(_native.perf_infer(_cat(catalog), chip, model, chips=chips, precision=precision, **settings))


def train(chip: str, model: str, chips: int, precision: str = "bf16", *, catalog: Optional[Any] = None,
          **settings: Any) -> TrainPerf:
    """LLM training on ``chips`` × ``chip``: the fastest layout that fits, step time, MFU, time
    to train, chip-hours (``fleetplan perf train``).

    Keyword settings: ``seq_len``, ``tokens``, ``global_batch_tokens``, ``tp``, ``pp``, ``dp``, ``ep``.
    """
    return TrainPerf(_native.perf_train(_cat(catalog), chip, model, chips, precision=precision, **settings))
