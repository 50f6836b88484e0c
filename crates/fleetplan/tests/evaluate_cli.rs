//! `fleetplan evaluate` and `fleetplan compare` end to end: summary, JSON, CSV, report files,
//! errors, and report.html rendered in headless Chromium (skipped, with a message, where
//! Chromium is not installed; CI installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fleetplan"))
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fleetplan-eval-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn summary_fits_one_screen_and_names_spend_coverage_and_violations() {
    // The README's second step: evaluate the plan `optimize --out` wrote for the example.
    let dir = tmp("plan-summary");
    let planned = bin().arg("optimize").arg(example("bytedance-2025.toml")).arg("--out").arg(&dir).output().unwrap();
    assert!(planned.status.success(), "{}", String::from_utf8_lossy(&planned.stderr));
    let o = bin().arg("evaluate").arg(dir.join("plan.toml")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(s.starts_with("ByteDance 2025-2027: spend"), "{s}");
    for needle in [
        "doubao",
        "coverage",
        "cost / price CNY",
        " out, ",
        "margin",
        "training: 9 of 9 runs finish by their deadlines (flagship-2025,",
        "budget group overseas",
        "violation(s)",
        "Idle accelerators at the peak hour",
        "spend by year",
    ] {
        assert!(s.contains(needle), "missing {needle}:\n{s}");
    }
    assert_fits_one_screen(&s);
}

/// At most 50 lines of at most 160 characters.
fn assert_fits_one_screen(s: &str) {
    assert!(s.lines().count() <= 50, "{} lines, more than one screen:\n{s}", s.lines().count());
    let widest = s.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest <= 160, "a line of {widest} characters, wider than one screen:\n{s}");
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// The ByteDance example stretched over 12 quarters (2025–2027) with a three-model mix: 10
/// workloads. Its summary keeps one row per quarter and still fits one screen, naming spend,
/// coverage, cost per token, idle capacity and violations; what it leaves out (pools, findings)
/// is counted and pointed to the JSON.
#[test]
fn twelve_quarter_summary_fits_one_screen_and_tells_the_story() {
    let file = data("bytedance-12q.toml");
    let o = bin().args(["evaluate", "--format", "json"]).arg(&file).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let quarters: Vec<&str> =
        v["quarters"].as_array().unwrap().iter().map(|q| q["quarter"].as_str().unwrap()).collect();
    assert_eq!(quarters.len(), 12);
    let last = quarters[11];
    let serving: Vec<&serde_json::Value> =
        v["workloads"].as_array().unwrap().iter().filter(|w| w["quarter"] == last).collect();
    assert_eq!(serving.len() + v["training"].as_array().unwrap().len(), 10, "10 workloads");
    let pools: std::collections::BTreeSet<(String, String)> = v["idle"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["idle_accelerators"].as_u64().unwrap() > 0)
        .map(|p| (p["site"].to_string(), p["chip"].to_string()))
        .collect();
    let violations = v["violations"].as_array().unwrap().len();

    let o = bin().arg("evaluate").arg(&file).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8(o.stdout).unwrap();
    assert_fits_one_screen(&s);
    assert!(s.starts_with("ByteDance 2025-2027 (12-quarter fixture): spend"), "{s}");
    // One row per quarter, and every serving workload of the last quarter.
    for q in &quarters {
        assert_eq!(s.lines().filter(|l| l.trim_start().starts_with(q)).count(), 1, "one row for {q}:\n{s}");
    }
    for w in &serving {
        assert!(s.contains(w["workload"].as_str().unwrap()), "missing {}:\n{s}", w["workload"]);
    }
    for needle in [
        "spend",
        "coverage",
        "cost / price",
        " out, ",
        "idle at peak",
        "Idle accelerators at the peak hour",
        "advisories: idle",
    ] {
        assert!(s.contains(needle), "missing {needle}:\n{s}");
    }
    // The idle table lists at most five pools and says how many there are.
    if pools.len() > 5 {
        assert!(s.contains(&format!("the 5 of {} pools", pools.len())), "{s}");
    }
    // Violations: counted in full; the ones not shown are counted too.
    let line = s.lines().find(|l| l.starts_with("violations: ")).unwrap_or_else(|| panic!("no violations line:\n{s}"));
    assert!(line.starts_with(&format!("violations: {violations} (")), "{line}");
    let shown = s.lines().filter(|l| l.starts_with("  [")).count();
    let more = s.lines().find_map(|l| l.strip_prefix("  … ").and_then(|m| m.split(' ').next()?.parse::<usize>().ok()));
    assert_eq!(shown + more.unwrap_or(0), violations, "shown + not shown = all:\n{s}");
}

#[test]
fn json_and_csv_formats() {
    let o = bin().args(["evaluate", "--format", "json"]).arg(example("quickstart.toml")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["currency"], "USD");
    assert_eq!(v["quarters"].as_array().unwrap().len(), 4);
    assert!(v["holdings"][0]["compliance"][0]["verdict"].is_string());
    let o = bin().args(["evaluate", "--format", "csv"]).arg(example("quickstart.toml")).output().unwrap();
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(s.starts_with("workload,kind,quarter,unit,"), "{s}");
    assert_eq!(s.lines().count(), 1 + 4, "header + one row per quarter:\n{s}");
}

#[test]
fn missing_file_and_fleetless_scenario_are_user_errors() {
    let o = bin().args(["evaluate", "no-such-file.toml"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let dir = tmp("nofleet");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(example("quickstart.toml")).unwrap();
    let cut = text.find("[[fleet]]").unwrap();
    let f = dir.join("nofleet.toml");
    std::fs::write(&f, &text[..cut]).unwrap();
    let o = bin().arg("evaluate").arg(&f).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[[fleet]]"));
}

#[test]
fn compare_shows_scenarios_side_by_side() {
    let o = bin()
        .arg("compare")
        .arg(example("bytedance-2025.toml"))
        .arg(example("us-hyperscaler-2025.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8(o.stdout).unwrap();
    for needle in
        ["ByteDance 2025", "spend, USD", "dense PFLOPS fp8", "IT MW", "output tokens/day", "USD per M output tokens"]
    {
        assert!(s.contains(needle), "missing {needle}:\n{s}");
    }
}

/// Write the example's report into a directory of its own per caller (`name`): tests run in
/// parallel and `tmp` clears the directory first, so a shared one would race.
fn write_report(name: &str) -> PathBuf {
    let dir = tmp(name);
    let o = bin().arg("evaluate").arg(example("bytedance-2025.toml")).arg("--out").arg(&dir).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

#[test]
fn out_dir_holds_a_self_contained_report_json_and_csv() {
    let dir = write_report("report-files");
    for f in [
        "report.html",
        "evaluation.json",
        "workloads.csv",
        "sites.csv",
        "holdings.csv",
        "spend.csv",
        "violations.csv",
        "idle.csv",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 5, "five charts");
    assert!(html.contains("<h2>Idle capacity</h2>") && html.contains("<h2>Advisories</h2>"), "idle section");
    assert!(!html.contains("http://") || html.matches("http://").all(|_| html.contains("xmlns")), "no external links");
    assert!(!html.contains("<script"), "no scripts");
    assert!(!html.contains("src=\""), "no external resources");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("evaluation.json")).unwrap()).unwrap();
    assert_eq!(json["scenario"], "ByteDance 2025-2027");
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].iter().map(PathBuf::from).find(|p| p.is_file())
}

#[test]
fn report_renders_in_headless_chromium_with_its_charts() {
    let Some(chrome) = chromium() else {
        // CI installs Chromium and sets FLEETPLAN_REQUIRE_CHROMIUM=1, so a missing browser fails there.
        assert!(
            std::env::var_os("FLEETPLAN_REQUIRE_CHROMIUM").is_none(),
            "FLEETPLAN_REQUIRE_CHROMIUM is set but chromium is not installed"
        );
        eprintln!("SKIPPED: chromium not installed (apt-get install -y chromium); CI installs it");
        return;
    };
    let dir = write_report("report-chromium");
    let profile = tmp("chromium-profile");
    let url = format!("file://{}", dir.join("report.html").canonicalize().unwrap().display());
    let o = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && !dom.is_empty(), "chromium failed: {}", String::from_utf8_lossy(&o.stderr));
    // The rendered DOM holds the five charts, each with drawn content (rects or paths/lines).
    let charts: Vec<&str> = dom.split("<svg").skip(1).map(|s| s.split("</svg>").next().unwrap_or("")).collect();
    assert_eq!(charts.len(), 5, "{} svg elements in the rendered page", charts.len());
    for (i, c) in charts.iter().enumerate() {
        let marks = c.matches("<rect").count() + c.matches("<polyline").count() + c.matches("<path").count();
        assert!(marks >= 3, "chart {i} is empty in the rendered DOM");
        assert!(c.contains("<text"), "chart {i} has no labels");
    }
    assert!(dom.contains("Fleet evaluation: ByteDance 2025"));
    let _ = std::fs::remove_dir_all(&profile);
}

#[test]
fn low_capacity_rates_serving_at_the_low_end_of_the_interval_and_says_so() {
    let rate = |path: &Path| -> (f64, String) {
        let o = bin().args(["evaluate", "--format", "json"]).arg(path).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (v["rates"][0]["per_chip_per_s"].as_f64().unwrap(), v["capacity"].as_str().unwrap().to_string())
    };
    let expected = example("quickstart.toml");
    let text = std::fs::read_to_string(&expected).unwrap() + "\n[performance]\ncapacity = \"low\"\n";
    let dir = tmp("low-capacity");
    std::fs::create_dir_all(&dir).unwrap();
    let low = dir.join("quickstart-low.toml");
    std::fs::write(&low, text).unwrap();
    let (at_expected, basis) = rate(&expected);
    assert_eq!(basis, "expected");
    let (at_low, basis) = rate(&low);
    assert_eq!(basis, "low");
    assert!(0.0 < at_low && at_low < at_expected, "low {at_low} vs expected {at_expected}");
    let o = bin().arg("evaluate").arg(&low).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("low end of their 80 % prediction intervals"));
}

/// A China-HQ buyer approved by China for H200 imports buys H200s in China in 2026Q2 (after the
/// Section 232 duty) and 2025Q4 (before it): the summary names the duty paid on the later
/// purchase, and disabling the duty rule removes the line.
#[test]
fn summary_names_export_control_fees_paid_on_purchases() {
    let text = r#"
[scenario]
name = "fees"
currency = "USD"
start = "2025Q4"
quarters = 4
[buyer]
name = "b"
headquarters = "CN"
attributes = ["cn-h200-approved"]
[budget]
total = 1e10
[[site]]
id = "cn-1"
region = "cn"
available_mw = 50
[[workload]]
id = "chat"
kind = "chat"
model = "llama-3.1-8b"
daily_users = 1e7
requests_per_user_per_day = 5
input_tokens_per_request = 1000
output_tokens_per_request = 300
ttft_p99_ms = 2000
tpot_p99_ms = 100
user_regions = { cn = 1.0 }
[policy]
assume_licences_granted = true
{POLICY}
[[fleet]]
chip = "h200"
site = "cn-1"
count = 800
mode = "buy"
from = "2025Q4"
[[fleet]]
chip = "h200"
site = "cn-1"
count = 800
mode = "buy"
from = "2026Q2"
"#;
    let dir = tmp("fees");
    std::fs::create_dir_all(&dir).unwrap();
    let run = |policy: &str| {
        let f = dir.join("fees.toml");
        std::fs::write(&f, text.replace("{POLICY}", policy)).unwrap();
        let o = bin().arg("evaluate").arg(&f).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let with_duty = run("");
    let line =
        with_duty.lines().find(|l| l.starts_with("export-control fees")).unwrap_or_else(|| panic!("{with_duty}"));
    assert!(line.contains("on 1 holding(s)"), "{line}");
    let without = run("disabled_rules = [\"jan2026-tariff-h200\"]");
    assert!(!without.contains("export-control fees"), "{without}");
}

/// The quickstart over two years with a 2026 cap below what the fleet spends then: the JSON
/// carries `spend_by_year` (year → cash in the scenario currency, summing to the total) and a
/// budget violation for 2026; the summary has one "spend by year" line.
#[test]
fn spend_by_year_in_json_and_summary_and_a_year_over_its_cap_is_a_violation() {
    let text = std::fs::read_to_string(example("quickstart.toml")).unwrap().replace("quarters = 4 ", "quarters = 8 ");
    let capped = text.replace("total = 50e6 ", "total = 50e6\nper_year = { 2026 = 1e6 } ");
    assert_ne!(capped, text, "the quickstart's budget line moved");
    let dir = tmp("per-year");
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("two-years.toml");
    std::fs::write(&f, capped).unwrap();
    let o = bin().args(["evaluate", "--format", "json"]).arg(&f).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let years = v["spend_by_year"].as_object().unwrap_or_else(|| panic!("{}", v["spend_by_year"]));
    assert_eq!(years.keys().map(String::as_str).collect::<Vec<_>>(), ["2025", "2026"]);
    let sum: f64 = years.values().map(|x| x.as_f64().unwrap()).sum();
    let total = v["spend"]["total"].as_f64().unwrap();
    assert!((sum - total).abs() <= 1e-9 * total, "{sum} vs {total}");
    let violations = v["violations"].as_array().unwrap();
    let over: Vec<_> = violations.iter().filter(|x| x["subject"] == "budget.per_year.2026").collect();
    assert_eq!(over.len(), 1, "{violations:#?}");
    assert_eq!(over[0]["kind"], "budget");
    let o = bin().arg("evaluate").arg(&f).output().unwrap();
    let s = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = s.lines().filter(|l| l.starts_with("spend by year: 2025 USD ")).collect();
    assert_eq!(lines.len(), 1, "{s}");
    assert!(lines[0].contains(", 2026 USD "), "{}", lines[0]);
}
