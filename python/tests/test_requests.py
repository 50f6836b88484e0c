"""Keyword requests: perf.infer, perf.train, simulate, policy.check, validate — compared with
the CLI's JSON, and their errors."""

import json

import pytest

import fleetplan

CALIBRATION = "crates/fleetplan-models/tests/data/calibration.toml"


@pytest.fixture(autouse=True)
def in_root(root, monkeypatch):
    monkeypatch.chdir(root)


def cli_json(cli, *args):
    out = cli(*args, "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_perf_infer_matches_the_cli(cli):
    expected = cli_json(cli, "perf", "infer", "--chip", "h100-sxm", "--model", "llama-3.1-70b", "--ttft-p99-ms",
                        "800", "--curve")
    r = fleetplan.perf.infer("h100-sxm", "llama-3.1-70b", ttft_p99_ms=800, curve=True)
    assert r.to_dict() == expected
    curve = r.to_pandas("curve")
    assert len(curve) == len(expected["curve"]) > 3
    assert curve["batch"].is_monotonic_increasing


def test_perf_infer_fixed_layout_and_burst(cli):
    expected = cli_json(cli, "perf", "infer", "--chip", "h100-sxm", "--model", "llama-3.1-70b", "--tp", "4",
                        "--requests", "64")
    r = fleetplan.perf.infer("h100-sxm", "llama-3.1-70b", tp=4, requests=64)
    assert r.to_dict() == expected
    assert r["result"]["layout"]["tp"] == 4 and r["scenario"] == "offline"


def test_perf_infer_errors():
    with pytest.raises(fleetplan.UnknownIdError) as info:
        fleetplan.perf.infer("h100-sxmm", "llama-3.1-70b")
    assert info.value.suggestion == "h100-sxm" and info.value.argument == "chip"
    assert "h100-sxm" in info.value.known
    with pytest.raises(fleetplan.UnknownIdError) as info:
        fleetplan.perf.infer("h100-sxm", "llama-3.1-70b", engine="vlm")
    assert info.value.suggestion == "vllm"
    with pytest.raises(fleetplan.InputError, match="diffusion"):
        fleetplan.perf.infer("h100-sxm", "flux.1-dev")
    with pytest.raises(fleetplan.InputError, match="output-cv must be"):
        fleetplan.perf.infer("h100-sxm", "llama-3.1-70b", output_cv=20)
    with pytest.raises(fleetplan.InputError, match="mtp-acceptance"):
        fleetplan.perf.infer("h100-sxm", "llama-3.1-70b", mtp_draft_tokens=2)
    with pytest.raises(fleetplan.InputError, match="exceeds chips 8"):
        fleetplan.perf.infer("h100-sxm", "llama-3.1-70b", tp=8, pp=2)
    with pytest.raises(fleetplan.InputError, match="input must be a positive number"):
        fleetplan.perf.infer("h100-sxm", "llama-3.1-70b", input=-1)
    with pytest.raises(fleetplan.InputError, match="scenario"):
        fleetplan.perf.infer("h100-sxm", "llama-3.1-70b", scenario="online")


def test_perf_train_matches_the_cli(cli):
    expected = cli_json(cli, "perf", "train", "--chip", "h100-sxm", "--chips", "1024", "--model", "llama-3.1-70b",
                        "--tokens", "15e12")
    r = fleetplan.perf.train("h100-sxm", "llama-3.1-70b", 1024, tokens=15e12)
    assert r.to_dict() == expected
    best = r.to_pandas()
    assert len(best) == 1 and best["mfu"][0] == expected["search"]["best"]["mfu"]


def test_perf_train_errors():
    with pytest.raises(fleetplan.InputError, match="beyond any real value"):
        fleetplan.perf.train("h100-sxm", "llama-3.1-70b", 8, tokens=1e300)
    with pytest.raises(fleetplan.UnknownIdError):
        fleetplan.perf.train("h100-sxm", "llama-3.1-7b", 8)
    with pytest.raises(fleetplan.InputError):
        fleetplan.perf.train("h100-sxm", "llama-3.1-405b", 1)  # does not fit on one chip


def test_simulate_standalone_matches_the_cli(cli):
    expected = cli_json(cli, "simulate", "--chip", "h100-sxm", "--model", "llama-3.1-70b", "--tp", "8",
                        "--requests", "3000", "--replications", "2", "--seed", "7")
    sim = fleetplan.simulate(chip="h100-sxm", model="llama-3.1-70b", tp=8, requests=3000, replications=2, seed=7)
    assert sim.to_dict() == expected
    latency = sim.to_pandas("latency")
    assert list(latency["metric"]) == ["ttft", "tpot", "e2e", "queue_wait"]
    assert latency.set_index("metric").loc["ttft", "p99_s"] == expected["summary"]["ttft"]["p99_s"]


def test_simulate_scenario_matches_the_cli(cli):
    expected = cli_json(cli, "simulate", "examples/quickstart.toml", "--hours", "1", "--requests", "5000")
    sim = fleetplan.simulate("examples/quickstart.toml", hours=1, requests=5000)
    assert sim.to_dict() == expected
    assert len(sim.to_pandas("pools")) == len(expected["pools"])
    assert len(sim.to_pandas("pool_latency")) == 4 * len(expected["pools"])


def test_simulate_errors():
    with pytest.raises(fleetplan.UnknownIdError) as info:
        fleetplan.simulate(chip="h100-sxm", model="llama-3.1-70bb")
    assert info.value.argument == "model"
    with pytest.raises(fleetplan.UnknownIdError) as info:
        fleetplan.simulate("examples/quickstart.toml", workload="chatt")
    assert info.value.kind == "chat workload"
    with pytest.raises(fleetplan.InputError, match="routing"):
        fleetplan.simulate(chip="h100-sxm", model="llama-3.1-70b", routing="random")
    with pytest.raises(fleetplan.InputError, match="standalone"):
        fleetplan.simulate("examples/quickstart.toml", chip="h100-sxm")
    with pytest.raises(fleetplan.InputError, match="give a scenario"):
        fleetplan.simulate(chip="h100-sxm")


def test_policy_check_matches_the_cli(cli):
    args = ["--chip", "h20", "--site", "cn", "--buyer-hq", "CN", "--date", "2025-06-01"]
    expected = cli_json(cli, "policy", "check", *args)
    a = fleetplan.policy.check("h20", "cn", "CN", "2025-06-01")
    assert a.to_dict() == expected
    assert a.kind == expected["kind"]
    leased = fleetplan.policy.check("h20", "cn", "cn", "2025-06-01", lease=True)
    assert leased["ownership"] != a["ownership"] and leased["buyer_hq"] == "CN"


def test_policy_check_errors():
    with pytest.raises(fleetplan.UnknownIdError) as info:
        fleetplan.policy.check("h20", "cnn", "CN", "2025-06-01")
    assert info.value.suggestion == "cn" and info.value.argument == "site"
    with pytest.raises(fleetplan.InputError, match="buyer-hq"):
        fleetplan.policy.check("h20", "cn", "XX", "2025-06-01")
    with pytest.raises(fleetplan.UnknownIdError) as info:
        fleetplan.policy.check("h20", "cn", "CN", "2025-06-01", disable_rules=["oct2023-hqq"])
    assert info.value.argument == "disable-rule"
    with pytest.raises(fleetplan.InputError, match="date"):
        fleetplan.policy.check("h20", "cn", "CN", "2025-13-01")


def test_validate_matches_the_cli(cli):
    expected = cli_json(cli, "validate", CALIBRATION)
    v = fleetplan.validate(CALIBRATION)
    assert v.ok and v.rejected == []
    assert v.to_dict() == expected
    cases = v.to_pandas("cases")
    assert len(cases) == len(expected["cases"]) > 5


def test_validate_rejects_unknown_ids_and_keeps_the_rest(root, tmp_path):
    text = (root / CALIBRATION).read_text()
    broken = tmp_path / "cases.toml"
    broken.write_text(text.replace('chip = "h100-sxm"', 'chip = "h100-sxmm"', 1))
    v = fleetplan.validate(broken)
    assert not v.ok and len(v.rejected) == 1 and "h100-sxmm" in v.rejected[0]
    assert len(v.to_dict()["cases"]) == len(fleetplan.validate(CALIBRATION).to_dict()["cases"]) - 1
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    with pytest.raises(fleetplan.InputError, match="no validation cases"):
        fleetplan.validate(empty)
    bad = tmp_path / "bad.toml"
    bad.write_text("[[case]]\nid = 1\n")
    with pytest.raises(fleetplan.ScenarioError):
        fleetplan.validate(bad)
