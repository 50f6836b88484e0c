"""Type stubs of the compiled module ``fleetplan._native`` (crates/fleetplan-py).

Use the ``fleetplan`` package rather than this module: it wraps each function, picks the
default catalog and turns documents into result objects.
"""

from typing import Any, Dict, List, Optional, Sequence, Tuple

__version__: str

class Catalog:
    """The built-in catalog with override files (same format as the built-in ones) applied."""

    def __init__(self, extra: Sequence[str] = ...) -> None: ...
    @property
    def overrides(self) -> List[str]:
        """What the override files replaced, one sentence each."""
    def chips(self) -> List[str]: ...
    def regions(self) -> List[str]: ...
    def models(self) -> List[str]: ...

class Scenario:
    """A validated scenario and the text it came from."""

    @property
    def name(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def text(self) -> str: ...

class Document:
    """One result; ``json()`` is the CLI's ``--format json`` output for the same request."""

    @property
    def ok(self) -> bool: ...
    def json(self) -> str: ...

def load_scenario(catalog: Catalog, path: Optional[str] = ..., text: Optional[str] = ...,
                  name: str = ...) -> Scenario: ...
def evaluate(scenario: Scenario) -> Document: ...
def bench_evaluate(scenario: Scenario, repeat: int) -> float:
    """Seconds per Rust-side evaluate, the mean of ``repeat`` calls inside the module."""
def optimize(scenario: Scenario, objective: Optional[str] = ..., solver: str = ..., gap: float = ...,
             time_limit_s: float = ..., explain: bool = ..., path: str = ...) -> Document: ...
def check(catalog: Catalog, path: str) -> Document: ...
def simulate_scenario(scenario: Scenario, workload: Optional[str] = ..., hours: float = ...,
                      quarter: Optional[str] = ..., sample_fraction: Optional[float] = ..., failures: bool = ...,
                      mtbf_hours: Optional[float] = ..., repair_hours: Optional[float] = ...,
                      requests: Optional[int] = ..., seed: int = ..., replications: int = ..., routing: str = ...,
                      input_sigma: Optional[float] = ..., output_sigma: Optional[float] = ...,
                      stage: Optional[Dict[str, Any]] = ...) -> Any:
    """The document; with ``stage={"list": True}`` the (pool, replication) jobs, ``{"run": jobs}``
    their results as ``[(pool, replication, bytes)]``, ``{"gather": results}`` the document of
    gathered results (fleetplan.distributed.simulate_fleet)."""
def simulate_standalone(catalog: Catalog, chip: str, model: str, chips: int = ..., tp: int = ..., pp: int = ...,
                        precision: str = ..., qps: float = ..., input: int = ..., output: int = ...,
                        input_sigma: Optional[float] = ..., output_sigma: Optional[float] = ...,
                        requests: Optional[int] = ..., trace: Optional[str] = ..., seed: int = ...,
                        replications: int = ..., routing: str = ..., ttft_p99_ms: Optional[float] = ...,
                        tpot_p99_ms: Optional[float] = ..., mtbf_hours: Optional[float] = ...,
                        repair_hours: Optional[float] = ..., prefill_replicas: Optional[int] = ...) -> Document: ...
def perf_infer(catalog: Catalog, chip: str, model: str, chips: int = ..., precision: str = ...,
               kv_precision: Optional[str] = ..., input: float = ..., output: float = ...,
               cached_input_fraction: float = ..., output_cv: Optional[float] = ...,
               output_max: Optional[float] = ..., beams: Optional[int] = ..., mtp_draft_tokens: Optional[int] = ...,
               mtp_acceptance: Optional[float] = ..., requests: Optional[int] = ..., concurrency: Optional[int] = ...,
               scenario: Optional[str] = ..., ttft_p99_ms: Optional[float] = ..., tpot_p99_ms: Optional[float] = ...,
               engine: Optional[str] = ..., engine_version: Optional[str] = ..., tp: Optional[int] = ...,
               pp: Optional[int] = ..., dp: Optional[int] = ..., ep: Optional[int] = ...,
               curve: bool = ...) -> Document: ...
def perf_train(catalog: Catalog, chip: str, model: str, chips: int, precision: str = ..., seq_len: float = ...,
               tokens: float = ..., global_batch_tokens: Optional[float] = ..., tp: Optional[int] = ...,
               pp: Optional[int] = ..., dp: Optional[int] = ..., ep: Optional[int] = ...) -> Document: ...
def policy_check(catalog: Catalog, chip: str, site: str, buyer_hq: str, date: str,
                 buyer_attributes: List[str] = ..., lease: bool = ..., assume_licences: bool = ...,
                 disable_rules: List[str] = ..., enable_rules: List[str] = ...,
                 grant_rules: List[str] = ...) -> Document: ...
def validate(catalog: Catalog, files: List[str]) -> Tuple[Document, List[str]]: ...

class Sweep:
    """A sweep's result (``fleetplan.Sweep`` wraps it)."""
    @property
    def ok(self) -> bool: ...
    def json(self) -> str: ...
    def samples_columns(self) -> Tuple[List[str], List[List[Optional[float]]]]: ...

class SweepChunk:
    """Samples [start, end) of one draw and their outputs (pickles as bytes)."""
    @property
    def start(self) -> int: ...
    def __len__(self) -> int: ...
    def to_bytes(self) -> bytes: ...

def sweep(scenario: Scenario, samples: int = ..., seed: int = ..., mode: str = ..., output: str = ...) -> Sweep: ...
def sweep_chunk(scenario: Scenario, samples: int, seed: int, mode: str, start: int, end: int) -> SweepChunk: ...
def sweep_gather(scenario: Scenario, samples: int, seed: int, mode: str, chunks: List[SweepChunk],
                 output: str = ...) -> Sweep: ...
def sweep_chunk_from_bytes(data: bytes) -> SweepChunk: ...
