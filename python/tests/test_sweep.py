"""fleetplan.sweep against `fleetplan sweep`: the summary document, the samples table, the
chunks the Ray form moves (pickled, gathered) and the errors."""

import csv
import json
import math
import pickle
import threading
import time

import pytest

import fleetplan
from fleetplan import _native

BYTEDANCE = "examples/bytedance-2025.toml"


@pytest.fixture(scope="module")
def bytedance(root):
    return fleetplan.load_scenario(root / BYTEDANCE)


@pytest.fixture(scope="module")
def small(bytedance):
    return fleetplan.sweep(bytedance, samples=30, seed=3)


def test_to_dict_is_the_cli_json(cli, small):
    run = cli("sweep", BYTEDANCE, "--samples", "30", "--seed", "3", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert small.to_dict() == json.loads(run.stdout)
    assert small.samples == 30


def test_samples_table_is_samples_csv(cli, small, tmp_path):
    run = cli("sweep", BYTEDANCE, "--samples", "30", "--seed", "3", "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    with open(tmp_path / "out" / "samples.csv", newline="") as f:
        rows = list(csv.reader(f))
    table = small.to_arrow()
    assert table.column_names == rows[0]
    assert table.num_rows == len(rows) - 1 == 30
    assert str(table.schema.field("sample").type) == "uint64"
    frame = small.to_pandas()
    assert list(frame.columns) == rows[0]
    for i, row in enumerate(rows[1:]):
        for name, cell in zip(rows[0], row):
            value = frame[name].iloc[i]
            if cell == "":
                assert math.isnan(value), (i, name, value)
            else:
                assert value == pytest.approx(float(cell), rel=1e-6, abs=1e-9), (i, name, value, cell)


def test_summary_tables(small):
    doc = small.to_dict()
    outputs = small.to_pandas("outputs")
    assert list(outputs["name"]) == [o["name"] for o in doc["outputs"]]
    assert set(outputs.columns) >= {"name", "nominal", "p5", "p50", "p95", "mean"}
    tornado = small.to_pandas("tornado")
    assert list(tornado["input"]) == [b["input"] for b in doc["tornado"]["bars"]]
    assert list(tornado["swing"]) == sorted(tornado["swing"], reverse=True)
    sens = small.to_pandas("sensitivity")
    assert set(sens.columns) == {"output", "input", "spearman"}
    assert len(sens) == sum(len(s["spearman"]) for s in doc["sensitivity"])
    inputs = small.to_pandas("inputs")
    samples = small.to_pandas()
    assert list(inputs["path"]) == list(samples.columns[1:1 + len(inputs)])
    assert (inputs["low"] <= inputs["high"]).all()


def test_same_seed_same_rows_other_seed_other_rows(bytedance, small):
    again = fleetplan.sweep(bytedance, samples=30, seed=3)
    assert again.to_pandas().equals(small.to_pandas())
    other = fleetplan.sweep(bytedance, samples=30, seed=4)
    assert not other.to_pandas().equals(small.to_pandas())


def test_tornado_of_another_output(bytedance, cli):
    sw = fleetplan.sweep(bytedance, samples=10, seed=1, output="tco_total")
    run = cli("sweep", BYTEDANCE, "--samples", "10", "--seed", "1", "--output", "tco_total", "--format", "json")
    assert sw.to_dict()["tornado"] == json.loads(run.stdout)["tornado"]
    assert sw.to_dict()["tornado"]["output"] == "tco_total"


def test_optimize_mode_matches_the_cli(root, cli):
    sw = fleetplan.sweep(root / "examples/quickstart.toml", samples=3, seed=2, mode="optimize")
    run = cli("sweep", "examples/quickstart.toml", "--samples", "3", "--seed", "2", "--mode", "optimize",
              "--format", "json")
    assert run.returncode == 0, run.stderr
    assert sw.to_dict() == json.loads(run.stdout)
    assert sw.to_dict()["mode"] == "optimize"


@pytest.mark.parametrize("kwargs, words", [
    ({"mode": "simulate"}, "mode must be `evaluate` or `optimize`"),
    ({"samples": 0}, "samples must be 1 to"),
    ({"output": "spend_totl"}, "did you mean `spend_total`"),
])
def test_bad_arguments_raise_input_error(bytedance, kwargs, words):
    args = dict(samples=5, seed=0)
    args.update(kwargs)
    with pytest.raises(fleetplan.InputError, match=words.replace("(", r"\(")):
        fleetplan.sweep(bytedance, **args)


def test_chunks_pickle_and_gather_to_the_in_process_sweep(bytedance, small):
    pieces = [_native.sweep_chunk(bytedance, 30, 3, "evaluate", a, b)
              for a, b in fleetplan.distributed.ranges(30, 4)]
    assert [p.start for p in pieces] == [0, 8, 16, 23]
    moved = [pickle.loads(pickle.dumps(p)) for p in pieces]
    assert [m.to_bytes() for m in moved] == [p.to_bytes() for p in pieces]
    gathered = fleetplan.Sweep(_native.sweep_gather(bytedance, 30, 3, "evaluate", moved))
    assert gathered.to_dict() == small.to_dict()
    assert gathered.to_pandas().equals(small.to_pandas())


def test_gather_refuses_pieces_that_do_not_cover_the_samples(bytedance):
    a = _native.sweep_chunk(bytedance, 10, 3, "evaluate", 0, 4)
    c = _native.sweep_chunk(bytedance, 10, 3, "evaluate", 5, 10)
    with pytest.raises(fleetplan.InputError, match="expected sample 4 next, got 5"):
        _native.sweep_gather(bytedance, 10, 3, "evaluate", [a, c])
    with pytest.raises(fleetplan.InputError, match="not a non-empty part"):
        _native.sweep_chunk(bytedance, 10, 3, "evaluate", 4, 11)
    with pytest.raises(fleetplan.InputError, match="not the bytes of a sweep chunk"):
        _native.sweep_chunk_from_bytes(a.to_bytes()[:-3])


def test_ranges_cover_the_samples_once():
    for samples, chunks in [(1, 4), (10, 3), (2000, 7), (5, 5)]:
        r = fleetplan.distributed.ranges(samples, chunks)
        assert r[0][0] == 0 and r[-1][1] == samples
        assert all(a < b for a, b in r) and all(r[i][1] == r[i + 1][0] for i in range(len(r) - 1))
        assert max(b - a for a, b in r) - min(b - a for a, b in r) <= 1


def test_the_gil_is_released_during_a_sweep(bytedance):
    done = threading.Event()

    def work():
        try:
            fleetplan.sweep(bytedance, samples=60, seed=1)
        finally:
            done.set()

    ticks, started = 0, time.perf_counter()
    thread = threading.Thread(target=work)
    thread.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    elapsed = time.perf_counter() - started
    assert elapsed > 0.05
    assert ticks >= max(5, 0.1 * elapsed / 0.001), (ticks, elapsed)
