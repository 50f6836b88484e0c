"""Scenario functions: load_scenario, evaluate, optimize, check, errors — compared with the CLI."""

import json

import pytest

import fleetplan

BYTEDANCE = "examples/bytedance-2025.toml"
QUICKSTART = "examples/quickstart.toml"
BROKEN = "crates/fleetplan/tests/broken"


@pytest.fixture(autouse=True)
def in_root(root, monkeypatch):
    monkeypatch.chdir(root)


def test_evaluate_gives_the_clis_numbers(cli):
    out = cli("evaluate", BYTEDANCE, "--format", "json")
    assert out.returncode == 0, out.stderr
    ev = fleetplan.evaluate(fleetplan.load_scenario(BYTEDANCE))
    assert ev.to_json().strip() == out.stdout.strip()
    assert ev.to_dict() == json.loads(out.stdout)
    assert ev.to_dict()["spend"]["total"] > 0


def test_evaluate_tables(root):
    ev = fleetplan.evaluate(BYTEDANCE)
    doc = ev.to_dict()
    quarters = ev.to_pandas("quarters")
    assert list(quarters["quarter"]) == [q["quarter"] for q in doc["quarters"]]
    assert quarters["spend"].sum() == pytest.approx(sum(q["spend"] for q in doc["quarters"]))
    workloads = ev.to_arrow("workloads")
    assert workloads.num_rows == len(doc["workloads"])
    assert "coverage_peak" in workloads.column_names
    holdings = ev.to_pandas("holdings")
    assert len(holdings) == len(doc["holdings"])
    assert any(c.startswith("cost.") for c in holdings.columns), "nested fields become dotted columns"
    assert set(ev.tables) >= {"quarters", "workloads", "holdings", "sites", "idle"}
    assert ev.to_pandas().equals(quarters), "the default table is quarters"
    with pytest.raises(KeyError):
        ev.to_pandas("no-such-table")


def test_violations_table_when_there_are_some(root):
    ev = fleetplan.evaluate(fleetplan.load_scenario(QUICKSTART))
    rows = ev.to_dict()["violations"]
    if rows:
        assert len(ev.to_pandas("violations")) == len(rows)
    else:
        assert ev.records("violations") == []


def test_load_scenario_from_text_and_path(root):
    text = (root / QUICKSTART).read_text()
    a = fleetplan.load_scenario(text, name="quick.toml")
    b = fleetplan.load_scenario(root / QUICKSTART)
    assert a.name == b.name and a.file == "quick.toml"
    assert fleetplan.evaluate(a).to_dict() == fleetplan.evaluate(b).to_dict()


def test_a_broken_scenario_raises_with_the_checks_locations(cli):
    for name in ("unknown-chip.toml", "many-problems.toml", "bad-date-syntax.toml", "misspelled-field.toml"):
        path = f"{BROKEN}/{name}"
        out = cli("check", path, "--format", "json")
        assert out.returncode == 2
        expected = json.loads(out.stdout)["diagnostics"]
        with pytest.raises(fleetplan.ScenarioError) as info:
            fleetplan.load_scenario(path)
        got = info.value.diagnostics
        assert [(d.line, d.column, d.message, d.help) for d in got] == [
            (d["line"], d["column"], d["message"], d["help"]) for d in expected
        ]
        assert info.value.file == path
        assert f"{path}:{got[0].line}:{got[0].column}" in str(info.value)
        check = fleetplan.check(path)
        assert not check.ok and check.to_dict()["diagnostics"] == expected


def test_every_broken_example_matches_check(cli, root):
    broken = sorted((root / BROKEN).glob("*.toml"))
    assert len(broken) > 5
    for path in broken:
        rel = str(path.relative_to(root))
        out = cli("check", rel, "--format", "json")
        doc = json.loads(out.stdout)
        if doc["ok"]:
            continue
        with pytest.raises(fleetplan.ScenarioError) as info:
            fleetplan.load_scenario(rel)
        assert [(d.line, d.column) for d in info.value.diagnostics] == [
            (d["line"], d["column"]) for d in doc["diagnostics"]
        ], rel


def test_a_missing_file_is_a_read_error():
    with pytest.raises(fleetplan.ReadError) as info:
        fleetplan.load_scenario("no/such/file.toml")
    assert isinstance(info.value, OSError)
    assert "no/such/file.toml" in str(info.value)


def test_text_with_problems_is_located_in_the_text():
    with pytest.raises(fleetplan.ScenarioError) as info:
        fleetplan.load_scenario("[scenario]\nname = 3\n", name="inline.toml")
    d = info.value.diagnostics[0]
    assert d.file == "inline.toml" and d.line is not None


def test_check_of_a_valid_file():
    c = fleetplan.check(QUICKSTART)
    assert c.ok and c.to_dict() == {"ok": True, "file": QUICKSTART, "problems": 0, "diagnostics": []}


def test_optimize_gives_the_clis_plan(cli):
    out = cli("optimize", QUICKSTART, "--format", "json", "--objective", "min-tco")
    assert out.returncode == 0, out.stderr
    plan = fleetplan.optimize(QUICKSTART, objective="min-tco")
    assert plan.ok
    cli_doc, doc = json.loads(out.stdout), plan.to_dict()
    # The solver's wall times differ between runs; every other field is the same.
    for d in (cli_doc, doc):
        d.pop("solver")
    assert doc == cli_doc
    purchases = plan.to_pandas("purchases")
    assert len(purchases) == len(doc["purchases"])
    assert len(plan.to_pandas("spend_by_quarter")) == len(doc["spend_by_quarter"])


def test_optimize_refuses_bad_settings():
    s = fleetplan.load_scenario(QUICKSTART)
    with pytest.raises(fleetplan.InputError, match="gap"):
        fleetplan.optimize(s, gap=2.0)
    with pytest.raises(fleetplan.InputError, match="objective"):
        fleetplan.optimize(s, objective="max-tco")
    with pytest.raises(fleetplan.InputError, match="solver"):
        fleetplan.optimize(s, solver="gurobi")
    with pytest.raises(fleetplan.InputError, match="time_limit_s"):
        fleetplan.optimize(s, time_limit_s=1e308)


def test_evaluate_without_a_fleet_is_an_input_error(cli):
    path = "examples/deepseek-2025-02.toml"  # options only: a scenario for the planner
    out = cli("evaluate", path)
    assert out.returncode == 2
    with pytest.raises(fleetplan.InputError) as info:
        fleetplan.evaluate(path)
    assert "no [[fleet]] holdings" in str(info.value) and "no [[fleet]] holdings" in out.stderr


def test_catalog_overrides(tmp_path):
    cat = fleetplan.Catalog()
    assert "h100-sxm" in cat.chips() and "cn" in cat.regions() and cat.models()
    bad = tmp_path / "bad.toml"
    bad.write_text('[[region]]\nid = "cn"\npue = "x"\n')
    with pytest.raises(fleetplan.ScenarioError) as info:
        fleetplan.Catalog(extra=[str(bad)])
    assert info.value.diagnostics[0].line == 3
    with pytest.raises(fleetplan.ReadError):
        fleetplan.Catalog(extra=[str(tmp_path / "missing.toml")])
