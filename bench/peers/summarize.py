"""Print the peer-comparison tables from the files run.sh wrote (stdlib only)."""

import json
import statistics
import sys
from pathlib import Path


def jsonl(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def main():
    out = Path(sys.argv[1])
    print((out / "machine.txt").read_text().strip())

    print("\n## Simulator speed (Llama-2-70B, 8 x H100 as 4 x TP2, Poisson 75 req/s, 300 in / 290 out)\n")
    print("| tool | layout (8 H100) | requests | wall s (run only) | wall s (total) | simulated requests / wall s | fleetplan (same layout, same N) / vidur |")
    print("|---|---|---|---|---|---|---|")
    sims = jsonl(out / "sim.jsonl")
    fp = {(r["requests"], r["layout"]): r for r in sims if r["tool"] == "fleetplan"}
    for r in sims:
        if r.get("failed"):
            print(f"| vidur ({r.get('predictor', 'python')} predictor) | {r.get('layout', '2 replicas x TP2 PP2')} | | failed | | | |")
            continue
        if r["tool"] == "fleetplan":
            print(
                f"| fleetplan | {r['layout']} | {r['requests']} | | {r['wall_s']} "
                f"| {r['requests_per_wall_s_total']:,.0f} (total, process) | |"
            )
        else:
            ref = fp.get((r["requests"], r["layout"]))
            ratio = ref["requests_per_wall_s_total"] / r["requests_per_wall_s_total"] if ref else float("nan")
            print(
                f"| vidur 0.0.26 ({r['predictor']} predictor, {r['profiles']} profiles) | {r['layout']} | {r['requests']} | "
                f"{r['run_s']} | {round(r['setup_s'] + r['run_s'], 3)} | {r['requests_per_wall_s_run']:,.0f} "
                f"(run), {r['requests_per_wall_s_total']:,.0f} (total) | {ratio:,.0f} x (total vs total) |"
            )

    ours = json.loads((out / "fleetplan-validate.json").read_text())
    ours_by_id = {c["id"]: c for c in ours["cases"]}
    vt = json.loads((out / "fleetplan-validate-time.json").read_text())
    ms_per_case = 1e3 * vt["validate_wall_s_per_run"] / len(ours["cases"])
    print("\n## Analytical accuracy on calibration.toml (error = (predicted - measured) / measured)\n")
    peers = {"genz-llm": jsonl(out / "genz.jsonl"), "llm-analysis": jsonl(out / "llma.jsonl")}
    print("| case | measured | fleetplan | " + " | ".join(peers) + " |")
    print("|---|---|---|" + "---|" * len(peers))
    for c in ours["cases"]:
        cells = []
        for rows in peers.values():
            r = next((x for x in rows if x.get("id") == c["id"]), None)
            if r is None:
                cells.append("(no output)")
            elif "error" in r:
                cells.append(f"{r['predicted']:,.0f} ({r['error']:+.1%}, batch {r['batch']})")
            else:
                cells.append(f"not modelled: {r['not_modelled']}")
        print(f"| {c['id']} | {c['measured']:,.6g} | {c['predicted']:,.0f} ({c['error']:+.1%}) | " + " | ".join(cells) + " |")

    print("\n| tool | cases modelled | median abs error (its cases) | fleetplan median abs error, same cases | ratio (peer / fleetplan) | time per prediction |")
    print("|---|---|---|---|---|---|")
    print(
        f"| fleetplan | {len(ours['cases'])} | {ours['summary']['median_abs_error']:.1%} | | | "
        f"{ms_per_case:.2f} ms per case (whole `validate` process / cases) |"
    )
    for name, rows in peers.items():
        done = [r for r in rows if "error" in r]
        if not done:
            print(f"| {name} | 0 | | | | |")
            continue
        theirs = statistics.median(abs(r["error"]) for r in done)
        mine = statistics.median(abs(ours_by_id[r["id"]]["error"]) for r in done)
        summ = next(r for r in rows if r.get("summary"))
        print(
            f"| {name} | {len(done)} | {theirs:.1%} | {mine:.1%} | {theirs / mine:.1f} x | "
            f"{summ['median_ms_per_tool_call']} ms per tool call (median; one batch point) |"
        )


if __name__ == "__main__":
    main()
